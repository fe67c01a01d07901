"""The one place where tap-luminous touches singer-sdk internals (written against 0.54.9).

Why: the SDK's bookmark is "the largest replication-key value seen", advanced per record and
promoted at the end of the stream. Neither of our streams can use that:
- an export run's bookmark is the run's `meta.cutoff` (the documented next `since`), which is
  later than the newest `updated_at` the run served, and mid-run the state must carry the cursor;
- a purchase-order walk's bookmark is the server's time when the walk began, because rows updated
  while the pages are walked may sit on pages already read.
So the streams write their bookmark themselves in the standard shape
(`bookmarks.<stream>.replication_key` / `replication_key_value`), and this module
- turns off the per-record increment (`Stream._increment_stream_state`), and
- emits STATE at the moments the stream chooses (`Stream._write_state_message`);
- exits non-zero on SIGTERM/SIGINT (`Tap._handle_termination`).

tests/test_sdk_pins.py fails if an SDK upgrade renames or changes these hooks.
"""

from __future__ import annotations

import signal
import typing as t

from singer_sdk import Tap
from singer_sdk.streams import Stream

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.helpers import types


class StreamOwnedBookmarkMixin(Stream):
    """For streams that write their own bookmark instead of the SDK's max-value bookmark."""

    def _increment_stream_state(
        self,
        latest_record: types.Record,
        *,
        context: types.Context | None = None,
    ) -> None:
        return

    def write_bookmark(self, value: str) -> None:
        """Set the finished-run bookmark (standard Singer/SDK shape)."""
        state = self.stream_state
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value

    def flush_state(self) -> None:
        """Emit a STATE message now with the current state (skipped if unchanged)."""
        self.state_manager.is_flushed = False
        self._write_state_message()


class NonZeroExitOnSignalMixin(Tap):
    """SIGTERM/SIGINT: write the last STATE, then exit non-zero.

    singer-sdk 0.54's `_handle_termination` writes the state and calls `sys.exit(0)`, so a run
    stopped half-way looks successful to the orchestrator. Our state is resumable at any
    moment (see export.py), so the STATE written here is the resume point; the exit code says
    the run is incomplete (128 + signal number, as a shell reports it).
    """

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        try:
            self.state_writer.write_state(self.state)
        finally:
            self.logger.warning(
                "Stopped by %s before the sync finished; the last STATE message is where the "
                "next run resumes",
                signal.Signals(signum).name,
            )
            raise SystemExit(128 + signum)
