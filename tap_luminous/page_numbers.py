"""The page-number family (Laravel lists: `page`, `per_page` or `limit`, `meta.last_page`).

No endpoint of this family filters by update time on the server at more than day granularity,
so every run walks all pages of each listing and keeps the rows updated at or after the
bookmark (all of them on a full read). The bookmark is the server's time (`Date` header) when
the walk began, so a row updated during the walk is emitted again next run instead of being
skipped.

Page numbers drift when rows are created or deleted during a walk, so a listing is walked again
(ids only) until two walks agree, and rows a later walk finds are emitted then. Bounds that
hold however fast the server answers: `meta.last_page` may grow but not without limit, must fit
`meta.total`, a page must be the one asked for, at most `max_empty_pages` empty pages in a row,
and a page that repeats only earlier rows stops the run.

A read that emits every row (FULL_TABLE, a full scan, a reconciliation) carries a new table
version and, once every listing is walked and verified, writes ACTIVATE_VERSION.
"""

from __future__ import annotations

import typing as t
from collections import deque
from functools import cached_property

import msgspec

from tap_luminous.concurrency import Prefetch
from tap_luminous.errors import ApiError, ProtocolError
from tap_luminous.lazy import decoded
from tap_luminous.parents import ParentStream
from tap_luminous.progress import Progress
from tap_luminous.timestamps import format_timestamp, parse_timestamp

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_luminous.envelope import Page

#: One listing of an endpoint: the query parameters that select it (e.g. an order_status).
Listing = dict[str, t.Any]


class PageNumberStream(ParentStream):
    """A stream read by walking a page-number list; declarations say only what is particular."""

    #: The page-size parameter: `per_page` on most lists, `limit` on a few.
    size_params: tuple[str, ...] = ("per_page",)
    #: The setting that holds the page size; None: `page_size` (the documented maximum).
    page_size_setting: str | None = None
    page_size = 100
    #: A stable order sent with every page (`field:asc`), where the endpoint takes `sort`.
    sort: str | None = None
    #: Settings of the walk (the purchase-order ones predate the family).
    concurrency_setting = "list_streams_concurrency"
    verify_setting = "list_streams_verify_walk"
    rewalks_setting = "list_streams_max_rewalks"
    #: False: one request returns every row (`{"data": [...]}`, no `meta`).
    paginated = True

    # -- what a declaration may override -------------------------------------------------------
    def listings(self) -> list[Listing]:
        return [{}]

    def listing_label(self, listing: Listing) -> str:
        return ", ".join(f"{k}={v}" for k, v in listing.items())

    def check_rows(self, rows: list[dict[str, t.Any]], listing: Listing, where: str) -> None:
        """Raise ProtocolError when the rows show the server ignored the listing's filter."""

    #: How log lines and errors name one row and several (e.g. "purchase order").
    row_noun = "row"

    @property
    def rows_label(self) -> str:
        return self.name.replace("_", " ")

    # -- the envelope ---------------------------------------------------------------------------
    def shape_problem(self, body: t.Any) -> str | None:
        if not self.paginated:
            if not isinstance(body, dict) or not isinstance(body.get("data"), (list, msgspec.Raw)):
                return "no `data` list"
            return None
        problem = super().shape_problem(body)
        if problem:
            return problem
        meta = body["meta"]
        total, per_page = meta.get("total"), meta.get("per_page")
        if "last_page" not in meta and _is_count(total) and _is_count(per_page) and per_page:
            # Some list samples show only {current_page, per_page, total}.
            meta["last_page"] = max(1, -(-total // per_page))
        for key in ("current_page", "last_page"):
            if not isinstance(meta.get(key), int):
                return f"`meta.{key}` is not an integer"
        return None

    @cached_property
    def key(self) -> str:
        return (self.primary_keys or ("id",))[0]

    @property
    def per_page(self) -> int:
        if self.page_size_setting:
            return int(self.config[self.page_size_setting])
        return self.page_size

    # -- the run ------------------------------------------------------------------------------
    def emit_threshold(self) -> str | None:
        """Emit rows with updated_at >= this canonical timestamp; None emits everything."""
        if self.is_full_read():
            return None
        bookmark, backfill = self.saved_bookmark(f"emitting every {self.row_noun}")
        return None if backfill else self.window_from(bookmark)

    def full_read_reason(self) -> str:
        if self.replication_method == "INCREMENTAL":
            return f"every {self.row_noun} is emitted on every run (full scan)"
        return super().full_read_reason()

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self.check_state()
        reason = self.versioned_read()
        threshold = None if reason is not None else self.emit_threshold()
        version = None
        if reason is not None:
            version = self.new_table_version()
            self.logger.info(
                "Versioning the %s walk with table version %d (%s)", self.name, version, reason
            )
        self.start_children()
        self.begin_version(version)
        self.logger.info(
            "Walking all %s pages; emitting %s",
            self.rows_label,
            f"every {self.row_noun}" if threshold is None else f"those updated since {threshold}",
        )
        walk = _Walk(threshold, self.key, self.replication_key)
        for listing in self.listings():
            if not self.paginated:
                page = self.fetch_page(dict(listing), context)
                walk.started_at = walk.started_at or page.server_date
                yield from walk.new_rows(self.page_rows(page, f"GET {self.path}"))
                continue
            layout = yield from self._walk_once(listing, walk, context)
            yield from self._verify_layout(listing, layout, walk, context)
        if walk.started_at is None:
            raise ProtocolError(f"GET {self.path}: the server sent no Date header")
        started = parse_timestamp(walk.started_at)
        assert started is not None
        bookmark = self.not_ahead_of_clock(started, f"GET {self.path}: the server's Date header")
        self.finish_run(bookmark, version)

    def _where(self, listing: Listing, number: t.Any) -> str:
        label = self.listing_label(listing)
        return f"GET {self.path} ({label + ', ' if label else ''}page {number})"

    def _walk_once(
        self,
        listing: Listing,
        walk: _Walk,
        context: Context | None,
        expected_pages: int | None = None,
    ) -> t.Generator[dict[str, t.Any], None, list[list[t.Any]]]:
        """Emit every new row of one listing; return the ids page by page (its layout).

        A repeated walk (`expected_pages` given) reads only the ids; a page that shows an id no
        walk has emitted yet is fetched again in full and its new rows are emitted.
        """
        layout: list[list[t.Any]] = []
        ids_only = expected_pages is not None
        # Ids on earlier pages of this listing (a row that changed listing during the walk may
        # also be in another listing; that is not a repeat).
        listed: set[t.Any] = set()
        for page in self._pages(listing, context, expected_pages, ids_only=ids_only):
            walk.started_at = walk.started_at or page.server_date
            full = not ids_only
            if ids_only and any(row.get(self.key) not in walk.seen for row in page.records):
                page = self.fetch_page(page.params, context)  # noqa: PLW2901
                full = True
            where = self._where(listing, page.params["page"])
            rows = self.page_rows(page, where)
            if full:
                self.check_rows(rows, listing, where)
            ids = [decoded(row.get(self.key)) for row in rows]
            if not ids_only and ids and all(row_id in listed for row_id in ids):
                raise ProtocolError(
                    f"{where}: every row repeats a row of an earlier page (the server or a "
                    "cache may be ignoring the page parameter); stopping without advancing the "
                    "bookmark"
                )
            listed.update(ids)
            layout.append(ids)
            yield from walk.new_rows(rows)
        return layout

    def _params(self, listing: Listing, number: int) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"page": number}
        params.update(dict.fromkeys(self.size_params, self.per_page))
        if self.sort:
            params["sort"] = self.sort
        params.update(listing)
        return params

    def _pages(
        self,
        listing: Listing,
        context: Context | None,
        expected_pages: int | None = None,
        *,
        ids_only: bool = False,
    ) -> t.Iterator[Page]:
        """Pages 1..last_page in order, several fetched at once.

        Page 1 comes first when the page count is unknown (it gives `last_page`); a walk that
        repeats one (`expected_pages`) starts on all its pages at once. The latest page's
        `last_page` decides whether more pages follow, so a listing that grows during the walk
        is followed to its end.
        """
        workers = int(self.config[self.concurrency_setting])
        label = self.listing_label(listing)
        progress = Progress(
            self.logger, f"{self.name} ({label})" if label else self.name, self.progress_every
        )
        bounds = _WalkBounds(
            f"GET {self.path} ({label})" if label else f"GET {self.path}",
            self.per_page,
            int(self.config["max_empty_pages"]),
        )
        decode = _ids_decoder(self.key) if ids_only else None
        in_flight: deque[tuple[int, Prefetch[Page]]] = deque()
        last_page = expected_pages or 1
        next_number = 1
        while True:
            while len(in_flight) < workers and next_number <= last_page:
                job = Prefetch(self.fetch_page, self._params(listing, next_number), context, decode)
                in_flight.append((next_number, job))
                next_number += 1
            if not in_flight:
                return
            number, job = in_flight.popleft()
            page = job.result()
            if page.body["meta"].get("current_page") != number:
                raise ProtocolError(
                    f"GET {self.path}: asked for page {number}, got page "
                    f"{page.body['meta'].get('current_page')}"
                )
            last_page = bounds.check(page, number)
            yield page
            progress.page_done(len(page.records), sum(self.retry_counts.values()), last_page)

    def _verify_layout(
        self, listing: Listing, layout: list[list[t.Any]], walk: _Walk, context: Context | None
    ) -> t.Iterator[dict[str, t.Any]]:
        """Walk again until two walks see the same ids on the same pages.

        A row can shift across a page boundary and be skipped, even when `meta.total` ends up
        unchanged (a delete plus an insert). Rows a later walk finds that no earlier walk
        emitted are the skipped ones, and are emitted now. If the listing never holds still for
        the configured number of walks, fail without advancing the bookmark.
        """
        max_walks = int(self.config[self.rewalks_setting])
        if not self.config[self.verify_setting]:
            return
        label = self.listing_label(listing)
        what = f"{self.rows_label} ({label})" if label else self.rows_label
        for attempt in range(1, max_walks + 1):
            again = yield from self._walk_once(listing, walk, context, len(layout))
            if again == layout:
                return
            self.logger.warning(
                "%s moved between pages during the walk (%d pages before, %d now); walking "
                "again to pick up shifted rows (walk %d of %d)",
                what[:1].upper() + what[1:],
                len(layout),
                len(again),
                attempt,
                max_walks,
            )
            layout = again
        raise ApiError(
            f"GET {self.path}: {what} kept moving between pages for {max_walks} walks; "
            "stopping without advancing the bookmark"
        )


class _WalkBounds:
    """Limits on one page-number walk that hold however fast the server answers.

    `meta.last_page` may grow while rows are added during the walk, but not past twice its first
    value plus ten; it must agree with `meta.total` at the page size; and at most
    `max_empty_pages` pages in a row may be empty before the last page.
    """

    def __init__(self, endpoint: str, per_page: int, max_empty: int) -> None:
        self.endpoint = endpoint
        self.per_page = per_page
        self.max_empty = max_empty
        self.first_last_page: int | None = None
        self.empty_in_a_row = 0

    def check(self, page: Page, number: int) -> int:
        meta = page.body["meta"]
        last_page = int(meta["last_page"])
        if self.first_last_page is None:
            self.first_last_page = last_page
        limit = 2 * self.first_last_page + 10
        if last_page > limit:
            self._fail(
                f"meta.last_page grew from {self.first_last_page} to {last_page} during the walk "
                f"(more than the bound {limit})"
            )
        total = meta.get("total")
        if isinstance(total, int) and not isinstance(total, bool):
            expected = max(1, -(-total // self.per_page))
            if last_page > expected + 1:
                self._fail(
                    f"meta.last_page={last_page} does not fit meta.total={total} at "
                    f"per_page={self.per_page} (at most {expected} pages)"
                )
        if page.records or not _is_empty(page.raw_records):
            self.empty_in_a_row = 0
        elif number < last_page:
            self.empty_in_a_row += 1
            if self.empty_in_a_row > self.max_empty:
                self._fail(
                    f"{self.empty_in_a_row} empty pages in a row before the last page "
                    f"(max_empty_pages={self.max_empty})"
                )
        return last_page

    def _fail(self, problem: str) -> t.NoReturn:
        raise ProtocolError(f"{self.endpoint}: {problem}; stopping without advancing the bookmark")


def _is_count(value: t.Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_empty(raw: t.Any) -> bool:
    """Whether a page's `data` (JSON text or a list) holds no rows."""
    if raw is None or isinstance(raw, list):
        return not raw
    text = bytes(raw)
    return len(text) < 64 and text.translate(None, b" \t\r\n") == b"[]"


_ID_DECODERS: dict[str, t.Callable[[bytes], dict[str, t.Any]]] = {}


def _ids_decoder(key: str) -> t.Callable[[bytes], dict[str, t.Any]]:
    """A decoder of a page's keys only (msgspec skips everything else)."""
    if key not in _ID_DECODERS:
        row_type = msgspec.defstruct("KeyOnly", [(key, t.Any, None)])
        page_type = msgspec.defstruct("KeysPage", [("data", list[row_type]), ("meta", dict)])  # type: ignore[valid-type]
        decoder = msgspec.json.Decoder(page_type)

        def decode(content: bytes) -> dict[str, t.Any]:
            page: t.Any = decoder.decode(content)
            rows = [{key: getattr(row, key)} for row in page.data]
            return {"data": rows, "meta": page.meta}

        _ID_DECODERS[key] = decode
    return _ID_DECODERS[key]


class _Walk:
    """What one run's walk has seen: emitted keys and the server's time."""

    def __init__(self, threshold: str | None, key: str, updated_field: str | None) -> None:
        self.threshold = threshold
        self.key = key
        self.updated_field = updated_field or "updated_at"
        self.started_at: str | None = None
        self.seen: set[t.Any] = set()

    def new_rows(self, rows: list[dict[str, t.Any]]) -> t.Iterator[dict[str, t.Any]]:
        for row in rows:
            row_id = decoded(row.get(self.key))
            if row_id in self.seen:  # seen on another page or in an earlier walk
                continue
            self.seen.add(row_id)
            if self.threshold is not None:
                updated = parse_timestamp(decoded(row.get(self.updated_field)))
                # Rows without a readable updated_at are always emitted, never dropped.
                if updated is not None and format_timestamp(updated) < self.threshold:
                    continue
            yield row
