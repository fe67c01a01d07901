"""The page-number family (Laravel lists: `page`, `per_page` or `limit`, `meta.last_page`).

**What a run reads.** A full read (the first run, a backfill, FULL_TABLE, a full scan, a
reconciliation) walks every page of each listing. An incremental run asks the server to filter:
each listing with `updated_at[gte]=<bound>` (`YYYY-MM-DD HH:mm:ss` where the docs give instants,
the purchase-order list; `YYYY-MM-DD` on the other lists, per the filters page), where the bound
is the bookmark minus `page_walk_overlap_hours`, and no later than the last run's *witness*
minus the same overlap. Rows a `gte` filter never matches are asked for too: `updated_at[notset]`
(null or empty) and `updated_at[lt]=1970-01-02` (MySQL's zero date). The client-side cut at the
bookmark stays exact either way: the overlap widens what is fetched, never what is emitted. The
bookmark is the server's time (`Date` header) when the walk began, so a row updated during the
walk is emitted again next run instead of being skipped.

**Trusting the filter.** The witness of a listing is the row with the latest `updated_at` a run
saw there, kept in the state (`filter_witnesses`). The next run's bound includes it, so the
server's answer must hold it again (under any listing: a row may change status): if it does not,
the server misread the filter, and that listing is walked in full this run. A listing without
a witness (the first run after an upgrade, one that was empty) is walked in full. A 400/422
naming `updated_at` falls back to the full walk for the stream (one warning, exit 0); rows older
than the bound mean the server ignored the filter: nothing changes but the cost (one warning).

**Rows that move during a walk.** Page numbers drift when rows are created, deleted or updated
during a walk. A listing of more than one page is checked again, keys only: all pages at once,
and if a page no longer holds the keys the walk saw there, walked back, last page first and one
page at a time (a row that shifts towards the first page cannot slip past a walk in that
direction), until a walk finds no row the walks before it missed; rows it finds are emitted. On
an incremental read, rows updated after the walk began are next run's business and do not count
(so a busy tenant does not fail the run); on a full read, every row counts. A listing that keeps
turning up missed rows for `max_rewalks` walks stops the run without advancing the bookmark.
Bounds that hold however fast the server answers: `meta.last_page` may grow but not without
limit, must fit `meta.total`, a page must be the one asked for, at most `max_empty_pages` empty
pages in a row, and a page that repeats only earlier rows stops the run.

A read that emits every row (FULL_TABLE, a full scan, a reconciliation) carries a new table
version and, once every listing is walked and verified, writes ACTIVATE_VERSION.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import deque
from dataclasses import dataclass
from functools import cached_property

import msgspec

from tap_luminous.concurrency import Prefetch
from tap_luminous.config_schema import DEPRECATED_SETTINGS
from tap_luminous.envelope import decode_lenient
from tap_luminous.errors import ApiError, ProtocolError
from tap_luminous.failures import FilterRejectedError
from tap_luminous.lazy import decoded
from tap_luminous.parents import ParentStream
from tap_luminous.progress import Progress
from tap_luminous.timestamps import canonical_timestamp, format_timestamp, parse_timestamp

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_luminous.envelope import Page

#: One listing of an endpoint: the query parameters that select it (e.g. an order_status).
Listing = dict[str, t.Any]


class PageNumberStream(ParentStream):
    """A stream read by walking a page-number list; declarations say only what is particular."""

    #: The page-size parameter: `per_page` on most lists, `limit` on a few.
    size_params: tuple[str, ...] = ("per_page",)
    #: `page_size_setting` None: `page_size` (the documented maximum).
    page_size = 100
    #: A stable order sent with every page (`field:asc`), where the endpoint takes `sort`.
    sort: str | None = None
    #: The prefix of the deprecated walk settings that still apply to this stream where set
    #: (`<prefix>_concurrency`, ...: config_schema.DEPRECATED_SETTINGS).
    deprecated_walk_prefix = "list_streams"
    #: False: one request returns every row (`{"data": [...]}`, no `meta`).
    paginated = True

    def walk_setting(self, name: str) -> t.Any:
        """The page-walk setting `name`, or its deprecated per-family name where that is set."""
        for old, (new, prefix) in DEPRECATED_SETTINGS.items():
            mine = new == name and prefix == self.deprecated_walk_prefix
            if mine and self.config.get(old) is not None:
                return self.config[old]
        return self.config[name]

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
        self.start_run()
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
        incremental = reason is None and self.replication_method == "INCREMENTAL"
        walk = _Walk(threshold, self.key, self.updated_field, every_row_counts=not incremental)
        bounds = self.filter_bounds(threshold)
        self.logger.info(
            "Reading %s: %s; emitting %s",
            self.rows_label,
            "asking the server for rows updated since the bookmark" if bounds else "every page",
            f"every {self.row_noun}" if threshold is None else f"those updated since {threshold}",
        )
        for listing in self.listings():
            label = self.listing_label(listing)
            if not self.paginated:
                page = self.fetch_page(dict(listing), context)
                walk.started_at = walk.started_at or page.server_date
                yield from walk.new_rows(self.page_rows(page, f"GET {self.path}"), label)
            elif label in bounds and walk.fell_back is None:
                yield from self._read_filtered(listing, label, bounds[label], walk, context)
            else:
                yield from self._walk(_Query(listing, label), walk, context)
        yield from self._recheck_witnesses(bounds, walk, context)
        if walk.started_at is None:
            raise ProtocolError(f"GET {self.path}: the server sent no Date header")
        started = parse_timestamp(walk.started_at)
        assert started is not None
        bookmark = self.not_ahead_of_clock(started, f"GET {self.path}: the server's Date header")
        if self.replication_method == "INCREMENTAL":  # the next run's filter check
            self.stream_state[WITNESSES_KEY] = walk.witnesses
        self.finish_run(bookmark, version)
        self.logger.info(
            "Stream '%s' read %s: %d requests, %d rows emitted",
            self.name,
            walk.how(bool(bounds)),
            self.requests_sent,
            walk.emitted,
        )

    @property
    def updated_field(self) -> str:
        """The field holding a row's update time (the replication key; `updated_at` without)."""
        return self.replication_key or "updated_at"

    # -- server-side filters ------------------------------------------------------------------
    #: How the server filters `updated_at`: "datetime" (`YYYY-MM-DD HH:mm:ss`, as the
    #: purchase-order page documents), "date" (`YYYY-MM-DD`, the filters page for every GET
    #: list), None (the stream is read in full on every run).
    updated_filter: str | None = "date"

    def filter_bounds(self, threshold: str | None) -> dict[str, dt.datetime]:
        """The `updated_at[gte]` bound of each listing to read filtered (the others: in full).

        The bookmark, or the last run's witness of the listing if earlier, minus the overlap.
        """
        if threshold is None or self.updated_filter is None or not self.paginated:
            return {}
        if self.replication_key != "updated_at":
            return {}
        since = parse_timestamp(threshold)
        assert since is not None
        overlap = dt.timedelta(hours=int(self.config["page_walk_overlap_hours"]))
        saved = self.stream_state.get(WITNESSES_KEY)
        bounds = {}
        for listing in self.listings():
            label = self.listing_label(listing)
            witness = _read_witness(saved.get(label) if isinstance(saved, dict) else None)
            if witness is not None:
                bounds[label] = min(since, witness[1]) - overlap
        return bounds

    def filter_value(self, bound: dt.datetime) -> str:
        """The bound as the docs write it, in UTC."""
        if self.updated_filter == "datetime":
            return bound.strftime("%Y-%m-%d %H:%M:%S")
        return bound.strftime("%Y-%m-%d")

    def _read_filtered(
        self,
        listing: Listing,
        label: str,
        bound: dt.datetime,
        walk: _Walk,
        context: Context | None,
    ) -> t.Iterator[dict[str, t.Any]]:
        """A listing's rows updated since `bound`, then those without a readable updated_at."""
        value = self.filter_value(bound)
        # The oldest row a server honouring the filter can send, in any UTC offset.
        day = dt.datetime.combine(bound.date(), dt.time(), bound.tzinfo)
        oldest = format_timestamp((bound if self.updated_filter == "datetime" else day) - _OFFSET)
        queries = [
            _Query(
                {**listing, "updated_at[gte]": value},
                label,
                f"updated_at[gte]={value}",
                lambda updated: updated >= oldest,
            ),
            *(
                _Query({**listing, **extra}, label, _filter_text(extra), _unreadable)
                for extra in _UNREADABLE
            ),
        ]
        for query in queries:
            if walk.fell_back is not None or label in walk.ignored:
                break  # the answer already held every row of the listing
            try:
                yield from self._walk(query, walk, context)
            except FilterRejectedError as exc:
                walk.fell_back = f"the server refused the filter ({exc})"
                self.logger.warning(
                    "Stream '%s': %s; reading the stream in full this run (nothing is lost, it "
                    "only costs more requests)",
                    self.name,
                    exc,
                )
                yield from self._walk(_Query(listing, label), walk, context)

    def _recheck_witnesses(
        self, bounds: dict[str, dt.datetime], walk: _Walk, context: Context | None
    ) -> t.Iterator[dict[str, t.Any]]:
        """Walk in full each filtered listing whose answer lacked the last run's witness."""
        if walk.fell_back is not None:
            return
        saved = self.stream_state.get(WITNESSES_KEY) or {}
        for listing in self.listings():
            label = self.listing_label(listing)
            witness = _read_witness(saved.get(label)) if label in bounds else None
            if witness is None or witness[0] in walk.seen or label in walk.ignored:
                continue
            what = f"{self.name} ({label})" if label else self.name
            self.logger.warning(
                "Stream '%s': the server's answer to updated_at[gte]=%s lacks %s %s=%r (updated "
                "at %s), which the last run saw there: it may have misread the filter (or the row "
                "was deleted); walking %s in full this run",
                self.name,
                self.filter_value(bounds[label]),
                self.row_noun,
                self.key,
                witness[0],
                format_timestamp(witness[1]),
                what,
            )
            walk.misread.append(label or self.name)
            yield from self._walk(_Query(listing, label), walk, context)

    # -- walks --------------------------------------------------------------------------------
    def _where(self, query: _Query, number: t.Any) -> str:
        label = query.describe
        return f"GET {self.path} ({label + ', ' if label else ''}page {number})"

    def _walk(
        self, query: _Query, walk: _Walk, context: Context | None
    ) -> t.Iterator[dict[str, t.Any]]:
        layout = yield from self._walk_once(query, walk, context)
        yield from self._verify(query, layout, walk, context)

    def _walk_once(
        self, query: _Query, walk: _Walk, context: Context | None
    ) -> t.Generator[dict[str, t.Any], None, list[list[t.Any]]]:
        """Emit every new row of one listing, first page to last; return its keys page by page
        (its layout)."""
        # Ids on earlier pages of this listing (a row that changed listing during the walk may
        # also be in another listing; that is not a repeat).
        listed: set[t.Any] = set()
        layout: list[list[t.Any]] = []
        name = f"{self.name} ({query.label})" if query.label else self.name
        progress = Progress(self.logger, name, self.progress_every)
        for page, last_page in self._pages(query, context):
            walk.started_at = walk.started_at or page.server_date
            where = self._where(query, page.params["page"])
            rows = self.page_rows(page, where)
            progress.page_done(len(rows), sum(self.retry_counts.values()), last_page)
            self.check_rows(rows, query.params, where)
            ids = [decoded(row.get(self.key)) for row in rows]
            if ids and all(row_id in listed for row_id in ids):
                raise ProtocolError(
                    f"{where}: every row repeats a row of an earlier page (the server or a "
                    "cache may be ignoring the page parameter); stopping without advancing the "
                    "bookmark"
                )
            listed.update(ids)
            layout.append(ids)
            if query.accepts is not None:
                self._check_filter_honoured(rows, query, walk, where)
            yield from walk.new_rows(rows, query.label)
        return layout

    def _check_filter_honoured(
        self, rows: list[dict[str, t.Any]], query: _Query, walk: _Walk, where: str
    ) -> None:
        assert query.accepts is not None
        for row in rows:
            updated = canonical_timestamp(decoded(row.get(self.updated_field)))
            if updated is None or query.accepts(updated):
                continue
            walk.ignored.add(query.label)
            if not walk.warned_ignored:
                walk.warned_ignored = True
                self.logger.warning(
                    "Stream '%s': %s sent a row updated at %s for %s: the server ignores the "
                    "filter, so this listing costs a full walk (every row is still emitted "
                    "exactly as a full walk would)",
                    self.name,
                    where,
                    updated,
                    query.filter,
                )
            return

    def probe_params(self) -> dict[str, t.Any]:
        listing = self.listings()[0]
        if not self.paginated:
            return dict(listing)
        return {**self._params(listing, 1), **dict.fromkeys(self.size_params, 1)}

    def _params(self, listing: Listing, number: int) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"page": number}
        params.update(dict.fromkeys(self.size_params, self.per_page))
        if self.sort:
            params["sort"] = self.sort
        params.update(listing)
        return params

    def _pages(self, query: _Query, context: Context | None) -> t.Iterator[tuple[Page, int]]:
        """Pages 1..last_page in order, several fetched at once, each with the `last_page` known
        after it.

        Page 1 comes first (it gives `last_page`). The latest page's `last_page` decides
        whether more pages follow, so a listing that grows during the walk is followed to its
        end.
        """
        workers = int(self.walk_setting("page_walk_concurrency"))
        bounds = self._bounds(query)
        in_flight: deque[tuple[int, Prefetch[Page]]] = deque()
        last_page = 1
        next_number = 1
        while True:
            while len(in_flight) < workers and next_number <= last_page:
                job = Prefetch(self.fetch_page, self._params(query.params, next_number), context)
                in_flight.append((next_number, job))
                next_number += 1
            if not in_flight:
                return
            number, job = in_flight.popleft()
            page = job.result()
            self._check_page_number(page, number)
            last_page = bounds.check(page, number)
            yield page, last_page

    def _bounds(self, query: _Query) -> _WalkBounds:
        label = query.describe
        endpoint = f"GET {self.path} ({label})" if label else f"GET {self.path}"
        return _WalkBounds(endpoint, self.per_page, int(self.config["max_empty_pages"]))

    def _check_page_number(self, page: Page, number: int) -> None:
        if page.body["meta"].get("current_page") != number:
            raise ProtocolError(
                f"GET {self.path}: asked for page {number}, got page "
                f"{page.body['meta'].get('current_page')}"
            )

    def _verify(
        self, query: _Query, layout: list[list[t.Any]], walk: _Walk, context: Context | None
    ) -> t.Iterator[dict[str, t.Any]]:
        """Walk a listing of several pages again until a walk finds no row the others missed.

        A row can shift across a page boundary and be skipped, even when `meta.total` ends up
        unchanged (a delete plus an insert). First, all pages' keys at once: if every page
        holds the keys the walk saw there, nothing moved and the listing is verified. Else walks
        back, one page at a time, find the skipped rows and emit them, until one finds none; if
        walks keep finding such rows for the configured number of walks, fail without advancing
        the bookmark. (One response is one snapshot: a listing of one page needs no second
        walk.)
        """
        pages = len(layout)
        if not self.walk_setting("page_walk_verify") or pages <= 1:
            return
        if self._same_layout(query, layout, context):
            return
        max_walks = int(self.walk_setting("page_walk_max_rewalks"))
        what = f"{self.rows_label} ({query.label})" if query.label else self.rows_label
        for attempt in range(1, max_walks + 1):
            missed = yield from self._walk_back(query, pages, walk, context)
            if not missed:
                return
            self.logger.warning(
                "%s moved between pages during the walk (%d row(s) the walk before missed); "
                "walking again to pick up shifted rows (walk %d of %d)",
                what[:1].upper() + what[1:],
                missed,
                attempt,
                max_walks,
            )
        raise ApiError(
            f"GET {self.path}: {what} kept moving between pages for {max_walks} walks; "
            "stopping without advancing the bookmark"
        )

    def _same_layout(
        self, query: _Query, layout: list[list[t.Any]], context: Context | None
    ) -> bool:
        """Whether every page still holds the keys the walk saw on it (all pages fetched at
        once, keys and update times only)."""
        decode = _ids_decoder(self.key, self.updated_field)
        workers = int(self.walk_setting("page_walk_concurrency"))
        numbers = deque(range(len(layout), 0, -1))
        in_flight: deque[tuple[int, Prefetch[Page]]] = deque()
        same = True
        while numbers or in_flight:
            while numbers and len(in_flight) < workers:
                number = numbers.popleft()
                params = self._params(query.params, number)
                in_flight.append((number, Prefetch(self.fetch_page, params, context, decode)))
            number, job = in_flight.popleft()
            page = job.result()
            self._check_page_number(page, number)
            keys = [row["key"] for row in _key_rows(page)]
            last_page = page.body["meta"].get("last_page")
            same = same and keys == layout[number - 1] and last_page == len(layout)
            if not same:
                numbers.clear()  # the walks back decide; only the pages in flight are awaited
        return same

    def _walk_back(
        self, query: _Query, pages: int, walk: _Walk, context: Context | None
    ) -> t.Generator[dict[str, t.Any], None, int]:
        """One walk of keys and update times, last page first, one page at a time; a page
        holding a row no walk has seen (and that counts, see `_Walk.counts`) is fetched in full
        and its new rows emitted. Returns how many such rows it found."""
        decode = _ids_decoder(self.key, self.updated_field)
        bounds = self._bounds(query)
        numbers = list(range(pages, 0, -1))
        missed = 0
        while numbers:
            number = numbers.pop(0)
            page = self.fetch_page(self._params(query.params, number), context, decode)
            self._check_page_number(page, number)
            last_page = bounds.check(page, number)
            if number == pages and last_page > pages:  # grew since: its new pages first
                numbers[:0] = range(last_page, pages, -1)
            unseen = [
                row
                for row in _key_rows(page)
                if row["key"] not in walk.seen and walk.counts(row["updated_at"])
            ]
            if not unseen:
                continue
            full = self.fetch_page(page.params, context)
            where = self._where(query, number)
            rows = self.page_rows(full, where)
            self.check_rows(rows, query.params, where)
            missed += sum(
                1
                for row in rows
                if decoded(row.get(self.key)) not in walk.seen
                and walk.counts(canonical_timestamp(decoded(row.get(walk.updated_field))))
            )
            yield from walk.new_rows(rows, query.label)
        return missed


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
        if not _is_empty(page.data):
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


def _key_rows(page: Page) -> list[dict[str, t.Any]]:
    """The rows of a page read with `_ids_decoder` (decoded: a list of key rows)."""
    assert isinstance(page.data, list)
    return page.data


def _is_empty(raw: t.Any) -> bool:
    """Whether a page's `data` (JSON text or a list) holds no rows."""
    if raw is None or isinstance(raw, list):
        return not raw
    text = bytes(raw)
    return len(text) < 64 and text.translate(None, b" \t\r\n") == b"[]"


_ID_DECODERS: dict[tuple[str, str], t.Callable[[bytes | bytearray], dict[str, t.Any]]] = {}


def _ids_decoder(key: str, updated: str) -> t.Callable[[bytes | bytearray], dict[str, t.Any]]:
    """A decoder of a page's keys and update times only (msgspec skips everything else): rows
    `{"key": ..., "updated_at": <canonical or None>}`."""
    if (key, updated) not in _ID_DECODERS:
        row_type = msgspec.defstruct(
            "KeyOnly",
            [("key", t.Any, None), ("updated", t.Any, None)],
            rename={"key": key, "updated": updated},
        )
        page_type = msgspec.defstruct("KeysPage", [("data", list[row_type]), ("meta", dict)])  # type: ignore[valid-type]
        decoder = msgspec.json.Decoder(page_type)

        def decode(content: bytes | bytearray) -> dict[str, t.Any]:
            try:
                page: t.Any = decoder.decode(content)
            except msgspec.DecodeError:
                body = decode_lenient(content)
                data = body.get("data")
                if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                    raise msgspec.ValidationError("`data` is not a list of objects") from None
                pairs = [(row.get(key), row.get(updated)) for row in data]
                return {"data": [_key_row(*pair) for pair in pairs], "meta": body.get("meta")}
            return {"data": [_key_row(r.key, r.updated) for r in page.data], "meta": page.meta}

        _ID_DECODERS[key, updated] = decode
    return _ID_DECODERS[key, updated]


def _key_row(key: t.Any, updated: t.Any) -> dict[str, t.Any]:
    return {"key": key, "updated_at": canonical_timestamp(updated)}


#: The state key of the last run's witnesses: listing label -> [key, canonical updated_at].
WITNESSES_KEY = "filter_witnesses"
#: Listings for the rows an `updated_at[gte]` filter never matches: null or empty (`notset`,
#: whose value the docs do not give; any is sent) and MySQL's zero date, before every real date.
_UNREADABLE: tuple[Listing, ...] = ({"updated_at[notset]": "1"}, {"updated_at[lt]": "1970-01-02"})
_EPOCH_DAY = "1970-01-02T00:00:00.000000+00:00"
#: The widest UTC offset a server may read a naive filter value in (UTC-12 .. UTC+14).
_OFFSET = dt.timedelta(hours=14)


def _unreadable(updated: str) -> bool:
    """Whether a server honouring `notset` or `lt=1970-01-02` may send this update time."""
    return updated < _EPOCH_DAY


def _filter_text(params: Listing) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _read_witness(value: t.Any) -> tuple[t.Any, dt.datetime] | None:
    """A `[key, updated_at]` witness from the state, or None if it is not one."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    updated = parse_timestamp(value[1])
    return None if updated is None else (value[0], updated)


@dataclass(frozen=True)
class _Query:
    """One walkable listing: its query, its label (for witnesses and messages), the filter it
    carries, and which update times a server honouring that filter may send."""

    params: Listing
    label: str
    filter: str = ""
    accepts: t.Callable[[str], bool] | None = None

    @property
    def describe(self) -> str:
        """The listing and its filter, for messages (e.g. `order_status=active, updated_at...`)."""
        return ", ".join(x for x in (self.label, self.filter) if x)


class _Walk:
    """What one run's walk has seen: emitted keys, witnesses, the server's time, and how the
    server treated the filters."""

    def __init__(
        self,
        threshold: str | None,
        key: str,
        updated_field: str,
        *,
        every_row_counts: bool,
    ) -> None:
        self.threshold = threshold
        self.key = key
        self.updated_field = updated_field
        self.every_row_counts = every_row_counts
        self.started_at: str | None = None
        self.seen: set[t.Any] = set()
        self.emitted = 0
        #: listing label -> [key, updated_at] of the latest-updated row seen there
        self.witnesses: dict[str, list[t.Any]] = {}
        self.ignored: set[str] = set()
        self.warned_ignored = False
        self.misread: list[str] = []
        self.fell_back: str | None = None

    def counts(self, updated: str | None) -> bool:
        """Whether a row a walk missed must be found: on an incremental read, a row updated
        after the walk began is next run's business; on a full read, every row counts."""
        if self.every_row_counts or updated is None or self.started_at is None:
            return True
        return updated < self.started_at

    def new_rows(self, rows: list[dict[str, t.Any]], label: str) -> t.Iterator[dict[str, t.Any]]:
        for row in rows:
            row_id = decoded(row.get(self.key))
            updated = canonical_timestamp(decoded(row.get(self.updated_field)))
            if updated is not None:
                witness = self.witnesses.get(label)
                if witness is None or updated > witness[1]:
                    self.witnesses[label] = [row_id, updated]
            if row_id in self.seen:  # seen on another page or in an earlier walk
                continue
            self.seen.add(row_id)
            # Rows without a readable updated_at are always emitted, never dropped.
            if self.threshold is not None and updated is not None and updated < self.threshold:
                continue
            self.emitted += 1
            yield row

    def how(self, filtered: bool) -> str:
        """How the stream was read, for the end-of-run line."""
        if not filtered:
            return "in full"
        if self.fell_back is not None:
            return f"in full after all: {self.fell_back}"
        notes = []
        if self.ignored:
            notes.append("the server ignored the filter, so a full walk")
        if self.misread:
            notes.append(f"{', '.join(self.misread)} walked in full: a misread filter")
        suffix = f" ({'; '.join(notes)})" if notes else ""
        return f"incrementally, filtered by the server{suffix}"
