"""Table versions: how a reconciliation retires rows Luminous no longer serves.

The exports (`sales_orders`, `products`) only serve *active* rows: a deactivated or deleted one
simply stops appearing, and upserts keep its last row forever. A reconciliation re-reads a
stream in full and tags every RECORD of it (and of its child streams) with one new table
`version`; once the read is complete it writes one ACTIVATE_VERSION per stream, and a target
that supports it (MeltanoLabs target-postgres: `activate_version: true`) marks every row of an
older version, or of none, as deleted (`_sdc_deleted_at`).

When a run versions a stream:
- a reconciliation: `reconcile_now: true`, or `reconcile_every_days: N` and the stream's last
  finished reconciliation was N or more UTC calendar days ago (or never);
- a full read of a stream that is read in full on every run anyway (purchase orders with
  `purchase_orders_full_scan`, a stream the catalog sets to FULL_TABLE), unless
  `reconcile_full_reads: false`.

State (per stream, next to the bookmark; documented in docs/incremental.md):
- `export.version`: the version of the reconciliation in progress (exports only, mid-run). A
  resumed export reuses it; an export that starts again from its beginning takes a new one;
- `reconciled_at`: when the last versioned read of the stream finished (this machine's clock);
- `table_version`: the version that read activated. A new version is always larger than the
  saved ones, whatever the clock does.
"""

from __future__ import annotations

import datetime as dt
import time
import typing as t

from singer_sdk.streams import Stream

from tap_luminous._sdk_internals import set_stream_version, stream_version, write_activate_version
from tap_luminous.state import StateError
from tap_luminous.timestamps import format_timestamp, parse_timestamp

#: Inside `bookmarks.<stream>.export`: the table version of the reconciliation in progress.
RUN_VERSION_KEY = "version"
#: In `bookmarks.<stream>`: when the last versioned (activated) read finished.
RECONCILED_AT_KEY = "reconciled_at"
#: In `bookmarks.<stream>`: the version that read activated.
TABLE_VERSION_KEY = "table_version"


def utc_now() -> dt.datetime:
    """This machine's clock (a function, so tests can move it)."""
    return dt.datetime.now(dt.timezone.utc)


def new_version(*floors: t.Any) -> int:
    """A table version: milliseconds since the epoch, larger than every int in `floors`."""
    now = int(time.time() * 1000)
    known = [f for f in floors if isinstance(f, int) and not isinstance(f, bool)]
    return max([now, *(f + 1 for f in known)])


def check_stream_state(stream: str, state: t.Mapping[str, t.Any], source: str) -> None:
    """The version keys of one stream's state, checked before the stream's first request."""
    where = f"bookmarks.{stream}"
    run = state.get("export")
    versions = [(state.get(TABLE_VERSION_KEY), f"{where}.{TABLE_VERSION_KEY}")]
    if isinstance(run, dict):
        versions.append((run.get(RUN_VERSION_KEY), f"{where}.export.{RUN_VERSION_KEY}"))
    for value, name in versions:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StateError(source, f"`{name}` {value!r} is not a table version (a whole number)")
    reconciled = state.get(RECONCILED_AT_KEY)
    if reconciled is not None and parse_timestamp(reconciled) is None:
        raise StateError(source, f"`{where}.{RECONCILED_AT_KEY}` {reconciled!r} is not a timestamp")


def reconciliation_due(config: t.Mapping[str, t.Any], state: t.Mapping[str, t.Any]) -> str | None:
    """Why this run reconciles the stream whose state is `state`, or None when it does not."""
    if config["reconcile_now"]:
        return "reconcile_now is set"
    days = int(config["reconcile_every_days"])
    if days <= 0:
        return None
    last = parse_timestamp(state.get(RECONCILED_AT_KEY))
    if last is None:
        return f"reconcile_every_days={days} and no reconciliation is recorded in the state"
    age = (utc_now().date() - last.astimezone(dt.timezone.utc).date()).days
    if age >= days:
        return f"reconcile_every_days={days} and the last one finished {age} days ago"
    return None


def record_reconciliation(state: t.MutableMapping[str, t.Any], version: int) -> None:
    """Note a finished, activated read of the stream in its state."""
    state[RECONCILED_AT_KEY] = format_timestamp(utc_now())
    state[TABLE_VERSION_KEY] = version


def full_reads_versioned(config: t.Mapping[str, t.Any]) -> bool:
    """Whether streams read in full on every run carry a version (`reconcile_full_reads`)."""
    return bool(config["reconcile_full_reads"])


class VersionedStream(Stream):
    """Table versions written by the stream itself, never by the SDK.

    singer-sdk 0.54, for a FULL_TABLE stream with `emit_activate_version_messages`, sets the
    table version and writes ACTIVATE_VERSION in `sync()` before the first record: a target
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
            set_stream_version(stream, version)

    def activate_version(self) -> None:
        """One ACTIVATE_VERSION per stream (each stream-map alias), after the last record."""
        version = stream_version(self)
        if version is None:
            return
        streams = [self] if self.selected else []
        for stream in [*streams, *self._versioned_children()]:
            write_activate_version(stream, version)
        self.begin_version(None)
