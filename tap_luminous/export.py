"""The cursor-export machinery (`GET /sales-orders/export`, `GET /products/export`), written once.

A run starts with `since`, continues with the signed `next_cursor` and ends when `has_more` is
false; its `meta.cutoff` becomes the next run's `since`. State during a run:

    bookmarks.<stream> = {
      "replication_key": "updated_at",
      "replication_key_value": "<cutoff of the last completed run>",
      "export": {"since": "...", "cutoff": "...", "cursor": "<cursor of the page being emitted>"}
    }

`export` is written after every page (the page's `next_cursor` only once its last record is out),
so a killed run resumes inside the export. A finished run leaves only the cutoff bookmark.
"""

from __future__ import annotations

import typing as t

from tap_luminous._sdk_internals import (
    FastRecordsMixin,
    NestedChildrenMixin,
    StreamOwnedBookmarkMixin,
)
from tap_luminous.client import CursorRejectedError, LuminousStream, Page
from tap_luminous.concurrency import PageChain
from tap_luminous.paginators import ExportCursorPaginator
from tap_luminous.progress import Progress
from tap_luminous.settings import DEFAULT_START_DATE, parse_start_date
from tap_luminous.timestamps import (
    canonical_timestamp,
    format_timestamp,
    parse_timestamp,
    window_start,
)

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

RUN_STATE_KEY = "export"


def _next_cursor(page: Page) -> str | None:
    cursor = page.body.get("next_cursor")
    if page.body.get("has_more") is True and isinstance(cursor, str) and cursor:
        return cursor
    return None


class ExportStream(StreamOwnedBookmarkMixin, NestedChildrenMixin, FastRecordsMixin, LuminousStream):
    """A stream read through a since/cursor/cutoff export endpoint."""

    replication_key = "updated_at"
    is_sorted = False
    #: Setting that holds the `limit` for this endpoint.
    page_size_setting: str = ""

    @property
    def page_size(self) -> int:
        return int(self.config.get(self.page_size_setting) or 1000)

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
        if parse_timestamp(body["meta"].get("cutoff")) is None:
            return "`meta.cutoff` is missing or not a timestamp"
        return None

    # -- where a run starts -------------------------------------------------------------------
    def starting_since(self, context: Context | None) -> str:
        """The bookmark (else start_date), minus the lookback window, in canonical UTC form."""
        bookmark = (
            parse_timestamp(self.stream_state.get("replication_key_value"))
            if self.replication_method == "INCREMENTAL"
            else None
        )
        if bookmark and (backfill := self.children_to_backfill()):
            self.logger.warning(
                "Child streams %s are new since the last %s run: backfilling from start_date",
                ", ".join(backfill),
                self.name,
            )
            bookmark = None
        start = parse_start_date(self.config.get("start_date") or DEFAULT_START_DATE)
        lookback = int(self.config.get("lookback_window") or 0)
        return format_timestamp(window_start(bookmark, start, lookback))

    # -- the run ------------------------------------------------------------------------------
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self.start_children()
        saved = self.stream_state.get(RUN_STATE_KEY)
        if isinstance(saved, dict) and saved.get("cursor") and saved.get("since"):
            since = str(saved["since"])
            self.logger.info(
                "Resuming the interrupted %s export (since %s, cutoff %s) from its saved cursor",
                self.name,
                since,
                saved.get("cutoff"),
            )
            cursor, cutoff = str(saved["cursor"]), saved.get("cutoff")
        else:
            saved_since = saved.get("since") if isinstance(saved, dict) else None
            since = str(saved_since) if saved_since else self.starting_since(context)
            cursor, cutoff = None, None
            self.logger.info("Starting the %s export since %s", self.name, since)
        try:
            yield from self._run_export(since, cursor, cutoff, context=context)
        except CursorRejectedError as exc:
            # Once: restart the whole window from the saved `since` (never from start_date).
            self.logger.warning(
                "The API rejected the export cursor (%s); restarting the export once from since=%s",
                exc,
                since,
            )
            yield from self._run_export(since, None, None, context=context)

    def _run_export(
        self,
        since: str,
        cursor: str | None,
        cutoff: str | None,
        *,
        context: Context | None,
    ) -> t.Iterator[dict[str, t.Any]]:
        paginator = ExportCursorPaginator(cursor, endpoint=f"GET {self.path}")
        progress = Progress(self.logger, self.name, self.progress_every)
        run_state = {"since": since, "cutoff": cutoff, "cursor": cursor}
        # The cursor chain is sequential: a thread follows it (reading each page's cursor from
        # its envelope) while this thread decodes and emits the rows of the pages before.
        chain: PageChain[Page] = PageChain(
            lambda token: self.fetch_page(self._params(since, token), context),
            _next_cursor,
            cursor,
        )
        try:
            while not paginator.finished:
                page_cursor = paginator.current_value
                page = chain.get()
                if run_state["cutoff"] is None:
                    run_state["cutoff"] = canonical_timestamp(page.body["meta"]["cutoff"])
                paginator.advance(page)
                records = self.page_rows(page, self._where(page_cursor))
                run_state["cursor"] = page_cursor
                self.stream_state[RUN_STATE_KEY] = dict(run_state)
                yield from records
                # The page's last record is out: from here a resume may skip this page.
                run_state["cursor"] = None if paginator.finished else paginator.current_value
                self.stream_state[RUN_STATE_KEY] = dict(run_state)
                self.flush_state()
                progress.page_done(len(records), sum(self.retry_counts.values()))
        finally:
            chain.close()
        self._finish_run(str(run_state["cutoff"]))

    def _where(self, cursor: str | None) -> str:
        return f"GET {self.path} ({'cursor page' if cursor else 'first page'})"

    def _params(self, since: str, cursor: str | None) -> dict[str, t.Any]:
        """`since` starts a run, `cursor` continues it; never both."""
        if cursor:
            return {"cursor": cursor, "limit": self.page_size}
        return {"since": since, "limit": self.page_size}

    def _finish_run(self, cutoff: str) -> None:
        self.stream_state.pop(RUN_STATE_KEY, None)
        if self.replication_method == "INCREMENTAL":
            self.write_bookmark(cutoff)
            self.remember_children()
        self.finish_children()
        self.report_findings()
        self.flush_output()
