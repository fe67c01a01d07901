"""The record hot path: a conformer compiled once per schema and a buffered msgspec writer.

The SDK conforms every record by walking its schema value by value and serialises each message
with simplejson, flushing stdout per message; for a nested sales order that is most of the
tap's CPU time. Records here come straight from JSON (str, int, bool, None, Decimal, lists and
dicts), top-level values possibly still JSON text (the lazy-value rule, lazy.py). For those
values the SDK's conformance changes only two things: it drops properties that an object
schema without `additionalProperties` does not list, and it turns values of boolean-only
properties into booleans. `compile_conformer` precomputes exactly that per schema and leaves
every other subtree untouched; tests/test_output.py proves its output equal to the SDK's
(`conform_record_data_types`) on the fake's data and on hypothesis-generated records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sys
import time
import typing as t
import weakref
from functools import cached_property

import msgspec
from singer_sdk.helpers._typing import (
    _conform_primitive_property,
    _is_exclusive_boolean_type,
    is_object_type,
    is_uniform_list,
)
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib.encoding.base import GenericSingerWriter

from tap_luminous._sdk_internals import SdkSeam, stream_version, tap_of
from tap_luminous.lazy import decoded

if t.TYPE_CHECKING:
    from singer_sdk.singerlib.encoding.simple import Message

    from tap_luminous.batches import BatchFiles

Conformer = t.Callable[[t.Any], t.Any]
_JSON_SCALARS = (str, int, type(None))  # bool is an int


def _enc_hook(value: t.Any) -> t.Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


_ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="number")


def _primitive(schema: dict[str, t.Any]) -> Conformer | None:
    if not _is_exclusive_boolean_type(schema):
        return None  # JSON scalars pass through the SDK's primitive conformance unchanged

    def to_bool(value: t.Any) -> t.Any:
        if isinstance(value, (decimal.Decimal, float, dt.date, dt.time, dt.timedelta, bytes)):
            return _conform_primitive_property(value, schema)
        return None if value is None else value != 0

    return to_bool


def _object(schema: dict[str, t.Any], *, top_level: bool = False) -> Conformer | None:
    properties: dict[str, t.Any] = schema["properties"]
    handlers = {name: _value(sub) for name, sub in properties.items()}
    keep_unknown = bool(schema.get("additionalProperties"))
    if keep_unknown and not top_level and all(h is None for h in handlers.values()):
        return None
    active = {name: h for name, h in handlers.items() if h is not None}
    known = frozenset(properties)

    active_items = tuple(active.items())

    def conform(record: dict[str, t.Any]) -> dict[str, t.Any]:
        if keep_unknown or record.keys() <= known:
            # Nothing to drop: copy once and convert only the properties that need it.
            out = dict(record)
            for name, handler in active_items:
                if name in out:
                    out[name] = handler(decoded(out[name]))
            return out
        out = {}
        for name, value in record.items():
            if name not in known:
                if keep_unknown:
                    out[name] = value
                continue
            convert = active.get(name)
            out[name] = value if convert is None else convert(decoded(value))
        return out

    return conform


def _value(schema: dict[str, t.Any]) -> Conformer | None:
    """Mirror of the SDK's dispatch on (runtime type of the value, schema of the property)."""
    as_list: Conformer | None = None
    if is_uniform_list(schema):
        item_schema = schema["items"]
        item_object = (
            _object(item_schema)
            if is_object_type(item_schema) and "properties" in item_schema
            else None
        )
        item_primitive = _primitive(item_schema)
        if item_object is not None or item_primitive is not None:

            def as_list(values: list[t.Any]) -> list[t.Any]:
                out = []
                for item in values:
                    if isinstance(item, dict) and is_object_type(item_schema):
                        out.append(item if item_object is None else item_object(item))
                    else:
                        out.append(item if item_primitive is None else item_primitive(item))
                return out

    as_object = _object(schema) if is_object_type(schema) and "properties" in schema else None
    as_primitive = _primitive(schema)
    if as_list is None and as_object is None and as_primitive is None:
        return None

    def conform(value: t.Any) -> t.Any:
        if isinstance(value, list) and is_uniform_list(schema):
            return value if as_list is None else as_list(value)
        if isinstance(value, dict) and is_object_type(schema) and "properties" in schema:
            return value if as_object is None else as_object(value)
        return value if as_primitive is None else as_primitive(value)

    return conform


def compile_conformer(schema: dict[str, t.Any]) -> t.Callable[[dict[str, t.Any]], dict[str, t.Any]]:
    """A function equal to the SDK's recursive conformance for JSON-decoded records."""
    conform = _object(schema, top_level=True)
    assert conform is not None
    return conform


# -- writing -----------------------------------------------------------------------------------
class BufferedSingerWriter(GenericSingerWriter[bytes, "Message"]):
    """Singer messages encoded with msgspec into one buffer, written out in large chunks.

    The buffer is flushed whenever a message other than RECORD is written (so a STATE never
    waits behind, or overtakes, the records before it), when it passes 256 KiB, when a stream
    ends, on SIGTERM/SIGINT and when the CLI exits (`flush_all`).

    With `batches` set (opt-in BATCH output, batches.py) records go to batch files instead, and
    the same points close the open files and announce them first: every other message, a
    stream's end, a signal and the exit.
    """

    FLUSH_AT = 256 * 1024
    _instances: t.ClassVar[weakref.WeakSet[BufferedSingerWriter]] = weakref.WeakSet()

    def __init__(self) -> None:
        self._buffer = bytearray()
        # A signal handler that writes while a write is half done would splice two messages
        # into one line: it defers to the end of the write in progress instead (see `defer`).
        self._busy = 0
        self._deferred: t.Callable[[], None] | None = None
        self.batches: BatchFiles | None = None
        BufferedSingerWriter._instances.add(self)

    @classmethod
    def flush_all(cls) -> None:
        for writer in list(cls._instances):
            writer.flush()

    @classmethod
    def any_busy(cls) -> BufferedSingerWriter | None:
        return next((w for w in list(cls._instances) if w._busy), None)

    def defer(self, action: t.Callable[[], None]) -> None:
        """Run `action` as soon as the write in progress is complete."""
        self._deferred = action

    def _done(self) -> None:
        self._busy -= 1
        if self._deferred is not None and not self._busy:
            action, self._deferred = self._deferred, None
            action()

    def serialize_message(self, message: Message) -> bytes:
        return _ENCODER.encode(message.to_dict())

    def write_message(self, message: Message) -> None:
        if self.batches is not None and message.type == "RECORD":
            self.write_record(message.to_dict())
            return
        self._busy += 1
        try:
            self._announce_batches()
            _ENCODER.encode_into(message.to_dict(), self._buffer, -1)
            self._buffer += b"\n"
            if message.type != "RECORD" or len(self._buffer) >= self.FLUSH_AT:
                self._flush()
        finally:
            self._done()

    def write_record(self, payload: dict[str, t.Any]) -> None:
        """Append a RECORD message given as the dict the SDK's RecordMessage.to_dict returns."""
        self._busy += 1
        try:
            if self.batches is not None:
                line = _ENCODER.encode(payload["record"]) + b"\n"
                full = self.batches.add(payload["stream"], line)
                if full is not None:
                    _ENCODER.encode_into(full, self._buffer, -1)
                    self._buffer += b"\n"
                    self._flush()  # the target can load it while the next file fills
                return
            _ENCODER.encode_into(payload, self._buffer, -1)
            self._buffer += b"\n"
            if len(self._buffer) >= self.FLUSH_AT:
                self._flush()
        finally:
            self._done()

    def flush(self) -> None:
        self._busy += 1
        try:
            self._announce_batches()
            self._flush()
        finally:
            self._done()

    def _announce_batches(self) -> None:
        if self.batches is not None:
            for message in self.batches.close_all():
                _ENCODER.encode_into(message, self._buffer, -1)
                self._buffer += b"\n"

    def _flush(self) -> None:
        if not self._buffer:
            return
        out = sys.stdout
        raw = getattr(out, "buffer", None)
        if raw is not None:
            out.flush()
            # Under PYTHONUNBUFFERED `raw` is a FileIO whose write() may write only part of the
            # data (a signal during a pipe write): write until everything is out.
            pending = memoryview(self._buffer)
            while pending:
                written = raw.write(pending)
                pending = pending[written or 0 :]
            pending.release()
            raw.flush()
        else:  # a text stream without a byte buffer (e.g. io.StringIO in tests)
            out.write(self._buffer.decode("utf-8"))
            out.flush()
        self._buffer.clear()


_clock: list[t.Any] = [0.0, ""]


def _extraction_time() -> str:
    """`time_extracted` for RECORD messages, refreshed every 100 ms instead of per record."""
    now = time.monotonic()
    if now - _clock[0] >= 0.1:
        _clock[0] = now
        _clock[1] = dt.datetime.now(dt.timezone.utc).isoformat(sep="T")
    return t.cast("str", _clock[1])


class FastRecordsMixin(SdkSeam):
    """Write RECORD messages through a compiled conformer and the buffered msgspec writer.

    Used when the output is the SDK's default: one identity stream map, no flattening, every
    field selected, recursive type conformance, and the tap's writer is BufferedSingerWriter.
    Anything else (stream maps, flattening, deselected fields) takes the SDK's own path
    unchanged. The message written is the dict the SDK's `RecordMessage.to_dict()` produces.
    """

    @cached_property
    def fast_conformer(self) -> t.Callable[[dict[str, t.Any]], dict[str, t.Any]] | None:
        """The compiled conformer when the output is the SDK's default, else None."""
        maps = self.stream_maps
        default_output = (
            isinstance(tap_of(self).message_writer, BufferedSingerWriter)
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

    def write_fast_record(self, record: dict[str, t.Any]) -> bool:
        conform = self.fast_conformer
        if conform is None:
            return False
        payload: dict[str, t.Any] = {
            "type": "RECORD",
            "stream": self.name,
            "record": conform(record),
        }
        version = stream_version(self)
        if version is not None:
            payload["version"] = version
        payload["time_extracted"] = _extraction_time()
        writer = t.cast("BufferedSingerWriter", tap_of(self).message_writer)
        writer.write_record(payload)
        self.state_manager.is_flushed = False
        return True
