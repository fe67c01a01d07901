"""What both parent families share: where a run starts, how it ends, children, the bookmark.

A parent stream (an export or a page-number list) owns its bookmark (the SDK's per-record one
does not fit either contract, see _sdk_internals.py) and when STATE is written, emits its child
streams in its own single pass, and may version a read (tap_luminous/versions.py). The family
decides only how pages are fetched and what the bookmark is: the export's `meta.cutoff`, or the
server's time when a walk began.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from tap_luminous._sdk_internals import tap_of, write_state_now
from tap_luminous.children import ParentOfChildren
from tap_luminous.client import LuminousStream
from tap_luminous.output import BufferedSingerWriter, FastRecordsMixin
from tap_luminous.settings import parse_start_date
from tap_luminous.state import MARKER_KEY
from tap_luminous.timestamps import format_timestamp, parse_timestamp, window_start
from tap_luminous.versions import (
    TABLE_VERSION_KEY,
    VersionedStream,
    check_stream_state,
    full_reads_versioned,
    new_version,
    reconciliation_due,
    record_reconciliation,
)


class ParentStream(VersionedStream, ParentOfChildren, FastRecordsMixin, LuminousStream):
    """A stream read from an endpoint, with its children and its own bookmark."""

    replication_key: str | None = "updated_at"
    is_sorted = False
    #: The stream-state key of a read in progress, dropped when the read is complete.
    run_state_key: str | None = None

    # -- where a run starts -------------------------------------------------------------------
    def start_run(self) -> None:
        """Before this stream's first request: switch BATCH output on (once per run, before any
        record: the SDK's `sync` and `sync_all` are final), then refuse a bookmark this tap
        cannot have written."""
        start_batch_output = getattr(tap_of(self), "start_batch_output", None)
        if start_batch_output is not None:
            start_batch_output()
        check_stream_state(self.name, self.stream_state, getattr(tap_of(self), "state_source", ""))

    def probe_params(self) -> dict[str, t.Any]:
        """The query of the smallest request this stream can send (`--test`, connection.py)."""
        raise NotImplementedError

    def saved_bookmark(self, on_backfill: str) -> tuple[dt.datetime | None, bool]:
        """The bookmark of an incremental run, and whether new child streams need a backfill.

        A child stream selected for the first time has none of the rows its parent emitted in
        earlier runs, so the bookmark is ignored this once (`on_backfill` says what happens).
        """
        if self.replication_method != "INCREMENTAL":
            return None, False
        bookmark = parse_timestamp(self.stream_state.get("replication_key_value"))
        if bookmark and (backfill := self.children_to_backfill()):
            self.logger.warning(
                "Child streams %s are new since the last %s run: %s",
                ", ".join(backfill),
                self.name,
                on_backfill,
            )
            return None, True
        return bookmark, False

    def window_from(self, bookmark: dt.datetime | None) -> str:
        """The bookmark (else start_date) minus the lookback window, in canonical UTC form."""
        start = parse_start_date(self.config["start_date"])
        return format_timestamp(window_start(bookmark, start, int(self.config["lookback_window"])))

    def start_date_floor(self) -> str:
        """`start_date`, canonical (no bookmark, no lookback): where reconciliations start."""
        return format_timestamp(window_start(None, parse_start_date(self.config["start_date"]), 0))

    def is_full_read(self) -> bool:
        """Whether this run emits every row (the versioned reads of versions.py)."""
        return self.replication_method != "INCREMENTAL"

    def versioned_read(self) -> str | None:
        """Why this run is versioned (see versions.py), or None."""
        reason = reconciliation_due(self.config, self.stream_state)
        if reason is None and self.is_full_read() and full_reads_versioned(self.config):
            reason = self.full_read_reason()
        return reason

    def activates_version(self) -> str | None:
        """Why this run would end with ACTIVATE_VERSION (BATCH output refuses it), or None."""
        return self.versioned_read()

    def full_read_reason(self) -> str:
        return f"{self.name} is read in full ({self.replication_method})"

    def new_table_version(self, *floors: t.Any) -> int:
        """A table version larger than `floors` and than the one in the state."""
        return new_version(*floors, self.stream_state.get(TABLE_VERSION_KEY))

    # -- the bookmark and STATE ---------------------------------------------------------------
    def mark_tenant(self) -> None:
        """Name the API this state belongs to (tap_luminous/state.py), once a bookmark exists."""
        tap = tap_of(self)
        tenant = getattr(tap, "tenant", None)
        if tenant is not None:
            tap.state.setdefault(MARKER_KEY, tenant)  # type: ignore[misc]

    def write_bookmark(self, value: str) -> None:
        """Set the finished-run bookmark (standard Singer/SDK shape)."""
        self.mark_tenant()
        state = self.stream_state
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value

    def flush_state(self) -> None:
        """Emit a STATE message now with the current state (skipped if unchanged).

        With BATCH output, only once enough rows wait for a file (`BatchFiles.state_due`).
        """
        self.mark_tenant()
        batches = getattr(tap_of(self).message_writer, "batches", None)
        if batches is not None and not batches.state_due():
            return
        write_state_now(self)

    def flush_output(self) -> None:
        """Push buffered messages out (the SDK skips a final STATE equal to the last one)."""
        writer = tap_of(self).message_writer
        if isinstance(writer, BufferedSingerWriter):
            writer.flush()

    # -- how a run ends -----------------------------------------------------------------------
    def finish_run(self, bookmark: str | None, version: int | None = None) -> None:
        """After the last record: ACTIVATE_VERSION, the bookmark, the children's end, reports.

        Only a complete read reaches this, so only a complete one makes its version count.
        """
        if version is not None:
            self.activate_version()
            record_reconciliation(self.stream_state, version)
        if self.run_state_key:
            self.stream_state.pop(self.run_state_key, None)
        if self.replication_method == "INCREMENTAL" and bookmark is not None:
            self.write_bookmark(bookmark)
            self.remember_children()
        self.finish_children()
        self.report_findings()
        self.flush_output()

    def not_ahead_of_clock(self, value: dt.datetime, what: str) -> str:
        """`value` as a bookmark, or this machine's time when `value` is too far in the future."""
        skew = dt.timedelta(seconds=float(self.config["max_clock_skew_seconds"]))
        now = dt.datetime.now(dt.timezone.utc)
        if value > now + skew:
            self.logger.warning(
                "%s %s is %s ahead of this machine's clock (max_clock_skew_seconds=%s); storing "
                "the clock's time %s as the bookmark instead, so later runs still extract",
                what,
                format_timestamp(value),
                value - now,
                int(skew.total_seconds()),
                format_timestamp(now),
            )
            return format_timestamp(now)
        return format_timestamp(value)
