"""The seam between tap-luminous and singer-sdk's internals (written against 0.54.9).

Every private singer-sdk name the package touches is reached from here (or, for the SDK's own
type helpers, output.py; for config validation, tap.py) and listed in `PRIVATE_SDK_NAMES`;
tests/test_sdk_pins.py fails when an SDK upgrade removes or changes one, and when the package
uses a private SDK name the list does not hold. Each override is a few lines that hand over to
the module that owns the concept:

- bookmarks and STATE (state.py, parents.py): the SDK's bookmark is "the largest replication-key
  value seen", advanced per record. An export's bookmark is the run's `meta.cutoff`, a page
  walk's the server's time when the walk began, so the streams write their own bookmark in the
  standard shape; `_increment_stream_state` is off, and `write_state_now` emits STATE when the
  stream chooses;
- records (output.py): `_write_record_message` writes through the compiled conformer and the
  buffered writer when the output is the SDK's default, else takes the SDK's path;
- child streams (children.py): written in the parent's single pass through
  `_write_schema_message` / `_write_record_message`, instead of the SDK's per-parent syncs;
- table versions (versions.py): `_stream_version` tags RECORDs, `_write_activate_version_message`
  writes ACTIVATE_VERSION (one per stream-map alias) after a complete read;
- signals (`NonZeroExitOnSignalMixin`, tap.py): SIGTERM/SIGINT write the last STATE and exit
  non-zero;
- the SDK's "An unhandled error occurred while syncing" line is logged at DEBUG (`SdkSeam.log`):
  the CLI prints the one error line itself.

Kept instead of a public hook, and why: the SDK's `partitions` would keep one bookmark per
listing (`bookmarks.<stream>.partitions[]`), a state shape users already have in another form,
and a page walk's bookmark is one instant for all its listings, so page_numbers.py keeps its
`listings()`; the SDK's own BATCH path writes STATE without regard to open files, so
`get_batch_config` returns None and the writer batches (batches.py).
"""

from __future__ import annotations

import logging
import typing as t

from singer_sdk import Tap
from singer_sdk.streams import Stream

from tap_luminous.lazy import fully_decoded

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.helpers import types


#: Every private singer-sdk name tap-luminous uses: (module, dotted name, where it is used).
PRIVATE_SDK_NAMES: tuple[tuple[str, str, str], ...] = (
    ("singer_sdk.streams.core", "Stream._increment_stream_state", "SdkSeam: off"),
    ("singer_sdk.streams.core", "Stream._write_state_message", "write_state_now"),
    ("singer_sdk.streams.core", "Stream._sync_records", "pinned: where the increment runs"),
    ("singer_sdk.streams.core", "Stream._process_record", "pinned: child syncs per context"),
    ("singer_sdk.streams.core", "Stream._sync_batches", "pinned: the path get_batch_config skips"),
    ("singer_sdk.streams.core", "Stream._write_record_message", "SdkSeam, write_record"),
    ("singer_sdk.streams.core", "Stream._write_schema_message", "write_schema"),
    ("singer_sdk.streams.core", "Stream._write_activate_version_message", "write_activate_version"),
    ("singer_sdk.streams.core", "Stream._stream_version", "stream_version (instance)"),
    ("singer_sdk.streams.core", "Stream._tap", "tap_of (instance)"),
    ("singer_sdk.tap_base", "Tap._handle_termination", "NonZeroExitOnSignalMixin"),
    ("singer_sdk.plugin_base", "PluginBase._validate_config", "tap.py TapLuminous"),
    ("singer_sdk.plugin_base", "PluginBase._config", "tap.py TapLuminous (instance)"),
    ("singer_sdk.helpers._typing", "_conform_primitive_property", "output.py"),
    ("singer_sdk.helpers._typing", "_is_exclusive_boolean_type", "output.py"),
    ("singer_sdk.helpers._typing", "is_object_type", "output.py (private module)"),
    ("singer_sdk.helpers._typing", "is_uniform_list", "output.py (private module)"),
)


#: singer-sdk 0.54's `Stream.sync` logs this at ERROR before re-raising any exception, including
#: the MaxRecordsLimitException that ends every successful `--test` run; the CLI prints the one
#: line that matters (tap_luminous/cli.py), so the tap logs it at DEBUG instead.
SDK_SYNC_ERROR_MESSAGE = "An unhandled error occurred while syncing '%s'"


class SdkSeam(Stream):
    """The overrides of private SDK methods every tap-luminous stream shares."""

    def _increment_stream_state(
        self, latest_record: types.Record, *, context: types.Context | None = None
    ) -> None:
        return  # the stream writes its own bookmark (parents.py)

    def _write_record_message(self, record: types.Record) -> None:
        if not self.write_fast_record(record):  # output.py: the default output's fast path
            super()._write_record_message(fully_decoded(record))

    def write_fast_record(self, record: types.Record) -> bool:
        """Write `record` the fast way and say True, or say False for the SDK's path."""
        return False

    def log(self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any) -> None:
        if message == SDK_SYNC_ERROR_MESSAGE:
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)


def tap_of(stream: Stream) -> Tap:
    """The tap a stream belongs to (the SDK keeps it private)."""
    return stream._tap


def write_state_now(stream: Stream) -> None:
    """Emit a STATE message with the current state (the SDK skips one equal to the last)."""
    stream.state_manager.is_flushed = False
    stream._write_state_message()


def write_schema(stream: Stream) -> None:
    """The stream's SCHEMA message(s), through its stream maps and selection."""
    stream._write_schema_message()


def write_record(stream: Stream, record: types.Record) -> None:
    """One RECORD of `stream` (fast path or the SDK's), as the SDK's sync loop would write it."""
    stream._write_record_message(record)


def stream_version(stream: Stream) -> int | None:
    """The table version the stream's RECORDs carry, None for none."""
    return getattr(stream, "_stream_version", None)


def set_stream_version(stream: Stream, version: int | None) -> None:
    stream._stream_version = version


def write_activate_version(stream: Stream, version: int) -> None:
    """ACTIVATE_VERSION for `stream`, one per stream-map alias."""
    stream._write_activate_version_message(version)


class NonZeroExitOnSignalMixin(Tap):
    """SIGTERM/SIGINT: the tap's `stop_on_signal` (tap.py) instead of the SDK's handler.

    singer-sdk 0.54's `_handle_termination` writes the state and calls `sys.exit(0)`, so a run
    stopped half-way looks successful to the orchestrator.
    """

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        self.stop_on_signal(signum)

    def stop_on_signal(self, signum: int) -> None:
        raise NotImplementedError
