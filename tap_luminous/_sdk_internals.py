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
- exits non-zero on SIGTERM/SIGINT (`Tap._handle_termination`);
- emits child streams in the parent's single pass (`Stream._write_schema_message`,
  `Stream._write_record_message`) instead of the SDK's per-parent child syncs;
- writes records through a compiled conformer and a buffered writer
  (`Stream._write_record_message`), see tap_luminous/output.py;
- logs the SDK's "An unhandled error occurred while syncing" line at DEBUG (`Stream.log`), since
  the CLI prints the one error line itself and `--test` ends every stream with an exception.
- tags records with a table version and writes ACTIVATE_VERSION after a complete read
  (`Stream._stream_version`, which both record paths copy into RECORD messages, and
  `Stream._write_activate_version_message`, which names every stream-map alias), and turns off
  the SDK's own ACTIVATE_VERSION (`Stream.emit_activate_version_messages`: for FULL_TABLE
  streams it writes one *before* the first record), see tap_luminous/versions.py.
- keeps the SDK's own BATCH path off (`Stream.get_batch_config` returns None, so `Stream.sync`
  never calls `Stream._sync_batches`, which writes STATE without regard to open files): with
  `batch_config` the buffered writer fills and announces the files, see tap_luminous/batches.py.

tests/test_sdk_pins.py fails if an SDK upgrade renames or changes these hooks.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
import typing as t
from functools import cached_property

from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.streams import Stream

from tap_luminous.lazy import fully_decoded
from tap_luminous.output import BufferedSingerWriter, compile_conformer
from tap_luminous.state import MARKER_KEY

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.helpers import types


#: Every private singer-sdk name tap-luminous uses, in this module or elsewhere:
#: (module, dotted name, where it is used). tests/test_sdk_pins.py fails when one disappears,
#: and when the package uses a private SDK name that is not listed here.
PRIVATE_SDK_NAMES: tuple[tuple[str, str, str], ...] = (
    ("singer_sdk.streams.core", "Stream._increment_stream_state", "StreamOwnedBookmarkMixin"),
    ("singer_sdk.streams.core", "Stream._write_state_message", "StreamOwnedBookmarkMixin"),
    ("singer_sdk.streams.core", "Stream._sync_records", "pinned: where the increment runs"),
    ("singer_sdk.streams.core", "Stream._process_record", "pinned: child syncs per context"),
    ("singer_sdk.streams.core", "Stream._sync_batches", "pinned: the path get_batch_config skips"),
    ("singer_sdk.streams.core", "Stream._write_record_message", "FastRecordsMixin"),
    ("singer_sdk.streams.core", "Stream._write_schema_message", "NestedChildrenMixin"),
    ("singer_sdk.streams.core", "Stream._write_activate_version_message", "TableVersionMixin"),
    ("singer_sdk.streams.core", "Stream._stream_version", "TableVersionMixin (instance)"),
    ("singer_sdk.streams.core", "Stream._tap", "mixins here (instance)"),
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


class QuietSyncErrorMixin(Stream):
    """No ERROR line from the SDK for an exception the CLI reports itself (see above)."""

    def log(self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any) -> None:
        if message == SDK_SYNC_ERROR_MESSAGE:
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)


class StreamOwnedBookmarkMixin(Stream):
    """For streams that write their own bookmark instead of the SDK's max-value bookmark."""

    def _increment_stream_state(
        self,
        latest_record: types.Record,
        *,
        context: types.Context | None = None,
    ) -> None:
        return

    def mark_tenant(self) -> None:
        """Name the API this state belongs to (tap_luminous/state.py), once a bookmark exists."""
        tenant = getattr(self._tap, "tenant", None)
        if tenant is not None:
            self._tap.state.setdefault(MARKER_KEY, tenant)  # type: ignore[misc]

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
        writer = self._tap.message_writer
        batches = getattr(writer, "batches", None)
        if batches is not None and not batches.state_due():
            return
        self.state_manager.is_flushed = False
        self._write_state_message()

    def flush_output(self) -> None:
        """Push buffered messages out (the SDK skips a final STATE equal to the last one)."""
        writer = self._tap.message_writer
        if isinstance(writer, BufferedSingerWriter):
            writer.flush()


class NonZeroExitOnSignalMixin(Tap):
    """SIGTERM/SIGINT: write the last STATE, then exit non-zero.

    singer-sdk 0.54's `_handle_termination` writes the state and calls `sys.exit(0)`, so a run
    stopped half-way looks successful to the orchestrator. Our state is resumable at any
    moment (see export.py), so the STATE written here is the resume point; the exit code says
    the run is incomplete (128 + signal number, as a shell reports it).
    """

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        busy = BufferedSingerWriter.any_busy()
        if busy is not None:  # mid-message: finish that message first, then stop
            busy.defer(lambda: self._stop(signum))
            return
        self._stop(signum)

    def _stop(self, signum: int) -> None:
        try:
            self.state_writer.write_state(self.state)
            BufferedSingerWriter.flush_all()
        finally:
            self.logger.warning(
                "Stopped by %s before the sync finished; the last STATE message is where the "
                "next run resumes",
                signal.Signals(signum).name,
            )
            raise SystemExit(128 + signum)


_UNSET: t.Any = object()
_clock: list[t.Any] = [0.0, ""]


def _extraction_time() -> str:
    """`time_extracted` for RECORD messages, refreshed every 100 ms instead of per record."""
    now = time.monotonic()
    if now - _clock[0] >= 0.1:
        _clock[0] = now
        _clock[1] = dt.datetime.now(dt.timezone.utc).isoformat(sep="T")
    return t.cast("str", _clock[1])


class FastRecordsMixin(Stream):
    """Write RECORD messages through a compiled conformer and the buffered msgspec writer.

    Replaces singer-sdk 0.54's `Stream._write_record_message` when the output is the SDK's
    default: one identity stream map, no flattening, every field selected, recursive type
    conformance, and the tap's writer is our BufferedSingerWriter. Anything else (stream maps,
    flattening, deselected fields) takes the SDK's own path unchanged. The message written is
    the dict the SDK's `RecordMessage.to_dict()` produces.
    """

    _fast_conformer: t.Any = _UNSET

    def _fast_record_conformer(self) -> t.Callable[[dict[str, t.Any]], dict[str, t.Any]] | None:
        if self._fast_conformer is _UNSET:
            self._fast_conformer = self._choose_record_path()
        return t.cast(
            "t.Callable[[dict[str, t.Any]], dict[str, t.Any]] | None", self._fast_conformer
        )

    def _choose_record_path(self) -> t.Callable[[dict[str, t.Any]], dict[str, t.Any]] | None:
        maps = self.stream_maps
        default_output = (
            isinstance(self._tap.message_writer, BufferedSingerWriter)
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not maps[0].flattening_enabled
            and maps[0].stream_alias == self.name
            and all(self.mask.values())
            and self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.RECURSIVE
        )
        if not default_output:
            self.logger.info(
                "Stream '%s': custom output settings, using the SDK's record path", self.name
            )
            return None
        return compile_conformer(self.effective_schema)

    def get_batch_config(self, config: t.Mapping[str, t.Any]) -> None:
        """Never the SDK's batch path: with `batch_config` the writer batches (batches.py)."""
        return

    def _write_record_message(self, record: types.Record) -> None:
        conform = self._fast_record_conformer()
        if conform is None:
            super()._write_record_message(fully_decoded(record))
            return
        payload: dict[str, t.Any] = {
            "type": "RECORD",
            "stream": self.name,
            "record": conform(record),
        }
        version = getattr(self, "_stream_version", None)
        if version is not None:
            payload["version"] = version
        payload["time_extracted"] = _extraction_time()
        writer = t.cast("BufferedSingerWriter", self._tap.message_writer)
        writer.write_record(payload)
        self.state_manager.is_flushed = False


class TableVersionMixin(Stream):
    """Table versions written by the stream itself, never by the SDK (see versions.py).

    singer-sdk 0.54, for a FULL_TABLE stream with `emit_activate_version_messages`, sets
    `_stream_version` and writes ACTIVATE_VERSION in `sync()` before the first record: a target
    would then retire rows as soon as the read starts, and a read that fails half-way would leave
    only the rows it got to. Here the property is always false, the stream sets the version when
    a versioned read starts (`begin_version`) and writes ACTIVATE_VERSION only once the read is
    complete (`activate_version`), for itself and each selected child stream.
    """

    @property
    def emit_activate_version_messages(self) -> bool:
        return False

    def _versioned_children(self) -> list[Stream]:
        return list(getattr(self, "selected_children", ()))

    def begin_version(self, version: int | None) -> None:
        """Tag every RECORD of this stream and of its selected children with `version`."""
        for stream in (self, *self._versioned_children()):
            stream._stream_version = version

    def activate_version(self) -> None:
        """One ACTIVATE_VERSION per stream (each stream-map alias), after the last record."""
        version = self._stream_version
        if version is None:
            return
        streams = [self] if self.selected else []
        for stream in [*streams, *self._versioned_children()]:
            stream._write_activate_version_message(version)
        self.begin_version(None)


#: Parent state key: the child streams that ran with the parent's bookmark (for backfills).
CHILDREN_STATE_KEY = "child_streams"


class NestedChildrenMixin(Stream):
    """Emit child streams (rows of a parent's nested arrays) in the parent's single pass.

    singer-sdk 0.54 syncs a child stream once per parent record (`_sync_children`): a `sync()`
    call, SCHEMA handling, log lines and state partitions for every order. Our children need no
    request of their own, so the parent turns that machinery off (`generate_child_contexts`
    yields nothing) and writes the children's SCHEMA and RECORD messages itself through
    `Stream._write_schema_message` / `Stream._write_record_message`, which apply selection,
    stream maps and type conformance exactly as for any stream.
    """

    def generate_child_contexts(
        self,
        record: types.Record,
        context: types.Context | None,
    ) -> t.Iterable[types.Context | None]:
        return ()

    _selected_children: list[NestedArrayStream] | None = None

    @property
    def selected_children(self) -> list[NestedArrayStream]:
        # Selection is fixed for a run; the SDK's `selected` resolves metadata on every call.
        if self._selected_children is None:
            self._selected_children = [
                child
                for child in self.child_streams
                if isinstance(child, NestedArrayStream) and child.selected
            ]
        return self._selected_children

    def post_process(
        self, row: types.Record, context: types.Context | None = None
    ) -> types.Record | None:
        record = super().post_process(row, context)
        if record is not None:
            self.emit_children(record)
            for array_field in self._arrays_to_drop:
                record.pop(array_field, None)
        return record

    @cached_property
    def _arrays_to_drop(self) -> tuple[str, ...]:
        """Nested arrays removed from the parent (`keep_nested_arrays: false`); fixed per run."""
        if self.config["keep_nested_arrays"]:
            return ()
        return tuple(
            child.array_field
            for child in self.child_streams
            if isinstance(child, NestedArrayStream)
        )

    def children_to_backfill(self) -> list[str]:
        """Selected children that did not run with the parent's current bookmark.

        A bookmark without `child_streams` was written by hand in the SDK's standard shape
        (the tap always writes the list, `[]` included): it covers the children selected now.
        """
        if not self.stream_state.get("replication_key_value"):
            return []
        selected = sorted(c.name for c in self.selected_children)
        if CHILDREN_STATE_KEY not in self.stream_state:
            if selected:
                self.logger.info(
                    "The %s bookmark has no `child_streams` (written by hand?): taking it as "
                    "the bookmark of %s too; remove the bookmark to backfill them",
                    self.name,
                    ", ".join(selected),
                )
            return []
        synced = set(self.stream_state.get(CHILDREN_STATE_KEY) or ())
        return [name for name in selected if name not in synced]

    def remember_children(self) -> None:
        if any(isinstance(child, NestedArrayStream) for child in self.child_streams):
            self.stream_state[CHILDREN_STATE_KEY] = sorted(c.name for c in self.selected_children)

    def start_children(self) -> None:
        for child in self.selected_children:
            child._write_schema_message()
            child.emitted = 0

    def emit_children(self, record: types.Record) -> None:
        for child in self.selected_children:
            for child_record in child.rows_from_parent(record):
                child._write_record_message(child_record)
                child.emitted += 1

    def finish_children(self) -> None:
        for child in self.selected_children:
            self.logger.info(
                "Stream '%s': %d records from %s.%s",
                child.name,
                child.emitted,
                self.name,
                child.array_field,
            )


class NestedArrayStream(TableVersionMixin, FastRecordsMixin, Stream):
    """A stream made of the elements of one nested array of its parent's records."""

    #: The parent record's array that holds this stream's rows.
    array_field: str = ""
    emitted: int = 0

    def rows_from_parent(self, parent: types.Record) -> t.Iterator[dict[str, t.Any]]:
        raise NotImplementedError

    def get_records(self, context: types.Context | None) -> t.Iterable[dict[str, t.Any]]:
        return ()  # rows are emitted by the parent (NestedChildrenMixin)
