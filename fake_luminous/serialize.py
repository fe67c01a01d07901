"""JSON serialisation of rows: exact Decimal digits, timestamps per style."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from .clock import UTC, as_utc

TIMESTAMP_STYLES = ("Z", "offset", "fractional", "mixed")
_MIXED = ("Z", "offset", "fractional")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

ENCODER = msgspec.json.Encoder(decimal_format="number")
DECODER = msgspec.json.Decoder(float_hook=Decimal)


def to_us(dt: datetime) -> int:
    """Microseconds since the epoch (exact, for ordering and cursors)."""
    return (as_utc(dt) - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def row_style(style: str, row_id: int) -> str:
    """The concrete style of one row ("mixed" picks one deterministically per row id)."""
    if style == "mixed":
        return _MIXED[row_id % 3]
    return style


def format_dt(dt: datetime, style: str) -> str:
    """Format an aware datetime.

    "Z" -> 2024-01-15T10:30:00Z, "offset" -> 2024-01-15T10:30:00+00:00,
    "fractional" -> 2024-01-15T10:30:00.123456Z. "Z" and "offset" print a fraction only when
    the value has non-zero microseconds, so the text is always the exact value.
    """
    if dt.tzinfo is not UTC:
        dt = as_utc(dt)
    s = dt.isoformat()
    if style == "offset":
        return s
    if style == "fractional" and not dt.microsecond:
        return s[:-6] + ".000000Z"
    return s[:-6] + "Z"


def to_jsonable(value: Any, style: str) -> Any:
    """Convert datetimes/dates to strings recursively (Decimals stay for the encoder)."""
    t = type(value)
    if t is dict:
        return {k: to_jsonable(v, style) for k, v in value.items()}
    if t is list or t is tuple:
        return [to_jsonable(v, style) for v in value]
    if t is datetime:
        return format_dt(value, style)
    if t is date:
        return value.isoformat()
    if isinstance(value, datetime):
        return format_dt(value, style)
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode_row(row: dict[str, Any], style: str, row_id: int) -> bytes:
    return ENCODER.encode(to_jsonable(row, row_style(style, row_id)))


def encode(obj: Any) -> bytes:
    return ENCODER.encode(obj)


def decode(data: bytes) -> Any:
    return DECODER.decode(data)
