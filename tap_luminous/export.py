"""The cursor-export machinery (`GET /sales-orders/export`, `GET /products/export`), written once.

A run starts with `since`, continues with the signed `next_cursor` and ends when `has_more` is
false; its `meta.cutoff` becomes the next run's `since`. State during a run:

    bookmarks.<stream> = {
      "replication_key": "updated_at",
      "replication_key_value": "<cutoff of the last completed run>",
      "export": {"since": "...", "cutoff": "...", "cursor": "<cursor of the page being emitted>"},
      "reconciled_at": "...", "table_version": 1733000000000     # after a reconciliation
    }

`export` is written after every page (the page's `next_cursor` only once its last record is out),
so a killed run resumes inside the export. A finished run leaves only the cutoff bookmark.

A reconciliation (tap_luminous/versions.py) is an export from `start_date` whose records carry a
table version, saved as `export.version`: a resumed reconciliation keeps it, one that starts from
its beginning again takes a new, larger one, and only a complete one writes ACTIVATE_VERSION
(after its last record, before the STATE that drops `export`).
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import typing as t

from singer_sdk.pagination import BaseAPIPaginator

from tap_luminous.concurrency import PageChain
from tap_luminous.errors import ProtocolError
from tap_luminous.failures import CursorRejectedError
from tap_luminous.lazy import decoded
from tap_luminous.parents import ParentStream
from tap_luminous.progress import Progress
from tap_luminous.timestamps import canonical_timestamp, format_timestamp, parse_timestamp
from tap_luminous.versions import RUN_VERSION_KEY

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tap_luminous.envelope import Page

RUN_STATE_KEY = "export"


def _next_cursor(page: Page) -> str | None:
    cursor = page.body.get("next_cursor")
    if page.body.get("has_more") is True and isinstance(cursor, str) and cursor:
        return cursor
    return None


class ExportStream(ParentStream):
    """A stream read through a since/cursor/cutoff export endpoint."""

    run_state_key = RUN_STATE_KEY

    @property
    def page_size(self) -> int:
        """The `limit` for this endpoint: every export declares its `page_size_setting`."""
        return int(self.config[t.cast("str", self.page_size_setting)])

    def request_carried_cursor(self, response: requests.Response) -> bool:
        return "cursor=" in (response.request.url or "")

    def shape_problem(self, body: t.Any) -> str | None:
        problem = super().shape_problem(body)
        if problem:
            return problem
        if not isinstance(body.get("has_more"), bool):
            return "`has_more` is not a boolean"
        if body.get("next_cursor") is not None and not isinstance(body["next_cursor"], str):
            return "`next_cursor` is neither a string nor null"
        return None

    # -- where a run starts -------------------------------------------------------------------
    def starting_since(self) -> str:
        """The bookmark (else start_date), minus the lookback window, in canonical UTC form."""
        bookmark, _ = self.saved_bookmark("backfilling from start_date")
        return self.window_from(bookmark)

    def activates_version(self) -> str | None:
        saved = self.stream_state.get(RUN_STATE_KEY)
        if isinstance(saved, dict) and saved.get(RUN_VERSION_KEY) and saved.get("cursor"):
            return f"{self.name} resumes an interrupted versioned export"
        return super().activates_version()

    # -- the run ------------------------------------------------------------------------------
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self.start_run()
        self.start_children()
        saved = self.stream_state.get(RUN_STATE_KEY)
        saved = saved if isinstance(saved, dict) else {}
        saved_version = saved.get(RUN_VERSION_KEY)
        reason = None if saved_version else self.versioned_read()
        if reason is not None and saved.get("since"):
            self.logger.info(
                "Dropping the interrupted %s export (since %s): this run reconciles instead",
                self.name,
                saved["since"],
            )
            saved = {}
        version: int | None = None
        if saved.get("cursor") and saved.get("since"):
            since = str(saved["since"])
            version = saved_version
            self.logger.info(
                "Resuming the interrupted %s %s (since %s, cutoff %s) from its saved cursor%s",
                self.name,
                "reconciliation" if version else "export",
                since,
                saved.get("cutoff"),
                f", table version {version}" if version else "",
            )
            cursor, cutoff = str(saved["cursor"]), saved.get("cutoff")
        else:
            cursor, cutoff = None, None
            if saved.get("since"):
                since = str(saved["since"])
            elif reason is not None:
                since = self.start_date_floor()
            else:
                since = self.starting_since()
            if saved_version or reason is not None:
                # From the beginning of the window: a new version, larger than any saved one.
                version = self.new_table_version(saved_version)
                self.logger.info(
                    "Starting a %s reconciliation since %s with table version %d (%s)",
                    self.name,
                    since,
                    version,
                    reason or "an interrupted reconciliation starts again",
                )
            else:
                self.logger.info("Starting the %s export since %s", self.name, since)
        try:
            yield from self._run_export(since, cursor, cutoff, version, context=context)
        except CursorRejectedError as exc:
            # Once: restart the whole window from the saved `since` (never from start_date).
            self.logger.warning(
                "The API rejected the export cursor (%s); restarting the export once from since=%s",
                exc,
                since,
            )
            if version is not None:
                version = self.new_table_version(version)
            yield from self._run_export(since, None, None, version, context=context)

    def _run_export(
        self,
        since: str,
        cursor: str | None,
        cutoff: str | None,
        version: int | None = None,
        *,
        context: Context | None,
    ) -> t.Iterator[dict[str, t.Any]]:
        paginator = ExportCursorPaginator(cursor, endpoint=f"GET {self.path}")
        progress = Progress(self.logger, self.name, self.progress_every)
        run_state: dict[str, t.Any] = {"since": since, "cutoff": cutoff, "cursor": cursor}
        if version is not None:
            run_state[RUN_VERSION_KEY] = version
        self.begin_version(version)
        # The cursor chain is sequential: a thread follows it (reading each page's cursor from
        # its envelope) while this thread decodes and emits the rows of the pages before.
        chain: PageChain[Page] = PageChain(
            lambda token: self.fetch_page(self._params(since, token), context),
            _next_cursor,
            cursor,
        )
        guard = _ExportGuard(self, since)
        emitted = 0
        try:
            while not paginator.finished:
                page_cursor = paginator.current_value
                page = chain.get()
                if run_state["cutoff"] is None:
                    # The docs promise the cutoff in the first response only.
                    run_state["cutoff"] = guard.first_cutoff(page)
                paginator.advance(page)
                where = self._where(page_cursor)
                records = guard.check_page(page, self.page_rows(page, where), where, paginator)
                run_state["cursor"] = page_cursor
                self.stream_state[RUN_STATE_KEY] = dict(run_state)
                yield from records
                emitted += len(records)
                # The page's last record is out: from here a resume may skip this page.
                run_state["cursor"] = None if paginator.finished else paginator.current_value
                self.stream_state[RUN_STATE_KEY] = dict(run_state)
                self.flush_state()
                progress.page_done(len(records), sum(self.retry_counts.values()))
        finally:
            chain.close()
        self.finish_run(guard.bookmark(str(run_state["cutoff"])), version)
        self.logger.info(
            "Stream '%s' read %s (since %s): %d requests, %d rows emitted",
            self.name,
            "in full, versioned" if version is not None else "incrementally, by the export",
            since,
            self.requests_sent,
            emitted,
        )

    def _where(self, cursor: str | None) -> str:
        return f"GET {self.path} ({'cursor page' if cursor else 'first page'})"

    def probe_params(self) -> dict[str, t.Any]:
        return {"since": self.start_date_floor(), "limit": 1}

    def _params(self, since: str, cursor: str | None) -> dict[str, t.Any]:
        """`since` starts a run, `cursor` continues it; never both."""
        if cursor:
            return {"cursor": cursor, "limit": self.page_size}
        return {"since": since, "limit": self.page_size}


class ExportCursorPaginator(BaseAPIPaginator["str | None"]):
    """`since` starts a run (token None), then `next_cursor` until `has_more` is false.

    The SDK's paginator, reading parsed pages (`Page`) instead of responses: the export drives
    the loop itself, because its state moves page by page. Two differences, so that each is a
    one-line stop: `has_more` true without a cursor is a protocol error (the SDK would end
    quietly), and a repeated cursor is left to `_ExportGuard`, which stops the run (the SDK
    raises a RuntimeError). An empty page with `has_more` true continues.
    """

    def __init__(self, start_cursor: str | None = None, endpoint: str = "The export") -> None:
        super().__init__(start_cursor)
        self.endpoint = endpoint

    def advance(self, response: Page) -> None:  # type: ignore[override]
        if self.has_more(response):
            next_cursor = self.get_next(response)
            if not next_cursor:
                raise ProtocolError(
                    f"{self.endpoint}: has_more=true with a null next_cursor; stopping without "
                    "advancing the bookmark"
                )
            if next_cursor == self.current_value:
                return  # the guard stops the run: a cursor this run already followed
        super().advance(response)  # type: ignore[arg-type]

    def has_more(self, response: Page) -> bool:  # type: ignore[override]
        return response.body.get("has_more") is True

    def get_next(self, response: Page) -> str | None:  # type: ignore[override]
        cursor = response.body.get("next_cursor")
        return cursor if isinstance(cursor, str) else None


class _ExportGuard:
    """What keeps one export run honest, by rules that do not depend on the server's speed.

    - the cutoff comes from the first page and is a timestamp;
    - a cursor is never seen twice, and at most `max_empty_pages` empty pages come in a row;
    - rows arrive in the documented (updated_at, key) order. A row at or before the last
      position is told apart by whether this run emitted that very (updated_at, key): then it is
      a repeat (a Laravel join or a cache serving a row twice) and loses nothing, so it is
      skipped, counted and warned about once. Otherwise the order is broken, the cursor may have
      skipped rows, and the run stops; so does a page made only of repeats (the server replayed
      a page instead of following the cursor: the rows behind it may be hidden). The emitted
      positions take ~34 bytes a row (`_EmittedPositions`);
    - rows lie in the window asked for (`since` .. cutoff, to the second: the server's
      granularity), else the server ignored the filter;
    - the bookmark is never a time the clock does not allow (see `bookmark`).
    Each failure is one line, and the bookmark does not advance.
    """

    def __init__(self, stream: ExportStream, since: str) -> None:
        self.stream = stream
        self.endpoint = f"GET {stream.path}"
        self.since = parse_timestamp(since)
        self.cutoff: dt.datetime | None = None
        self.key = (stream.primary_keys or ("id",))[0]
        self.max_empty = int(stream.config["max_empty_pages"])
        self.cursors: set[str] = set()
        self.empty_in_a_row = 0
        # The window, widened by the server's granularity, as canonical strings (fast compare).
        self.low = format_timestamp(self.since - _GRANULARITY) if self.since else ""
        self.high = "9999"
        self.last: tuple[str, t.Any] | None = None
        self.emitted = _EmittedPositions()
        self.repeats = 0

    def first_cutoff(self, page: Page) -> str:
        meta = page.body.get("meta") or {}
        cutoff = canonical_timestamp(meta.get("cutoff"))
        if cutoff is None:
            raise ProtocolError(
                f"{self.endpoint}: the first page of the run has no `meta.cutoff` timestamp "
                f"(got {meta.get('cutoff')!r}); stopping without advancing the bookmark"
            )
        self.cutoff = parse_timestamp(cutoff)
        assert self.cutoff is not None
        self.high = format_timestamp(self.cutoff + _GRANULARITY)
        return cutoff

    def check_page(
        self,
        page: Page,
        records: list[dict[str, t.Any]],
        where: str,
        paginator: ExportCursorPaginator,
    ) -> list[dict[str, t.Any]]:
        """The page's rows to emit (repeats of rows this run emitted left out), or a stop."""
        if not paginator.finished:
            cursor = t.cast("str", paginator.current_value)
            if cursor in self.cursors:
                self._fail(f"{where} sent a next_cursor this run already followed")
            self.cursors.add(cursor)
            self.empty_in_a_row = 0 if records else self.empty_in_a_row + 1
            if self.empty_in_a_row > self.max_empty:
                self._fail(
                    f"{self.empty_in_a_row} empty pages in a row with has_more=true "
                    f"(max_empty_pages={self.max_empty})"
                )
        key = self.key
        fresh: list[dict[str, t.Any]] = []
        for row in records:
            # The canonical form is fixed-width UTC: string order is time order.
            updated = canonical_timestamp(decoded(row.get("updated_at")))
            if updated is None:
                fresh.append(row)
                continue
            row["updated_at"] = updated  # post_process finds it canonical already
            if not self.low <= updated <= self.high:
                self._check_window(t.cast("dt.datetime", parse_timestamp(updated)), where)
            position = (updated, decoded(row.get(key)))
            if self.last is not None and _before_or_same(position, self.last):
                if position in self.emitted:
                    continue
                self._fail(
                    f"{where}: {key}={position[1]} (updated_at {position[0]}) comes after "
                    f"{key}={self.last[1]} (updated_at {self.last[0]}), against the "
                    "documented ascending (updated_at, id) order"
                )
            self.last = position
            self.emitted.add(position)
            fresh.append(row)
        repeats = len(records) - len(fresh)
        if repeats and not fresh:
            self._fail(f"{where} repeats rows this run already emitted")
        if repeats:
            if not self.repeats:
                self.stream.logger.warning(
                    "Stream '%s': %s served a row this run already emitted (same %s and "
                    "updated_at); skipped, as every repeat is (counted at the end)",
                    self.stream.name,
                    where,
                    key,
                )
            self.repeats += repeats
        return fresh

    def _check_window(self, updated: dt.datetime, where: str) -> None:
        if self.since is not None and updated < self.since - _GRANULARITY:
            self._fail(
                f"{where} sent a row updated at {format_timestamp(updated)}, before the "
                f"requested since={format_timestamp(self.since)}: the server ignored the filter"
            )
        if self.cutoff is not None and updated > self.cutoff + _GRANULARITY:
            self._fail(
                f"{where} sent a row updated at {format_timestamp(updated)}, after the run's "
                f"cutoff {format_timestamp(self.cutoff)}"
            )

    def bookmark(self, cutoff: str) -> str:
        """The cutoff to store: never before the run's `since`, never in the future.

        A cutoff further ahead of this machine's clock than `max_clock_skew_seconds` is clamped
        to the clock (the next run then re-reads a little, and loses nothing); one before the
        window's start means the server's clock or cutoff is wrong, and stops the run.
        """
        if self.repeats:
            self.stream.logger.warning(
                "Stream '%s': skipped %d repeated row(s) the server served again this run",
                self.stream.name,
                self.repeats,
            )
        value = parse_timestamp(cutoff)
        assert value is not None
        if self.since is not None and value < self.since - _GRANULARITY:
            self._fail(
                f"the run's cutoff {format_timestamp(value)} is before its since "
                f"{format_timestamp(self.since)}"
            )
        return self.stream.not_ahead_of_clock(value, f"{self.endpoint}: the export's cutoff")

    def _fail(self, problem: str) -> t.NoReturn:
        raise ProtocolError(f"{self.endpoint}: {problem}; stopping without advancing the bookmark")


_GRANULARITY = dt.timedelta(seconds=1)


def _before_or_same(position: tuple[str, t.Any], last: tuple[str, t.Any]) -> bool:
    if position[0] != last[0]:
        return position[0] < last[0]
    try:
        return bool(position[1] <= last[1])
    except TypeError:
        return str(position[1]) <= str(last[1])


class _EmittedPositions:
    """The (canonical updated_at, key) of every row a run emitted, for telling a repeat apart.

    Rows are added in ascending order, so integer keys go into two flat arrays searched by
    bisection (26 + 8 bytes a row: a million rows take ~34 MB); other keys into a set.
    """

    _WIDTH = 26  # the canonical timestamp without its constant "+00:00"

    def __init__(self) -> None:
        self.times = bytearray()
        self.keys = array.array("q")
        self.other: set[tuple[str, t.Any]] = set()

    def add(self, position: tuple[str, t.Any]) -> None:
        updated, key = position
        if _fits_int64(key):
            self.times += updated[: self._WIDTH].encode("ascii")
            self.keys.append(key)
        else:
            self.other.add(position)

    def __contains__(self, position: object) -> bool:
        updated, key = t.cast("tuple[str, t.Any]", position)
        if not _fits_int64(key):
            return position in self.other
        target = (updated[: self._WIDTH].encode("ascii"), key)
        index = bisect.bisect_left(range(len(self.keys)), target, key=self._at)
        return index < len(self.keys) and self._at(index) == target

    def _at(self, index: int) -> tuple[bytes, int]:
        start = index * self._WIDTH
        return bytes(self.times[start : start + self._WIDTH]), self.keys[index]


def _fits_int64(key: t.Any) -> bool:
    return type(key) is int and -(2**63) <= key < 2**63
