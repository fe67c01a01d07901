"""One canonical UTC form for every timestamp the tap compares or stores.

``2024-01-15T10:30:00.000000+00:00``: fixed width, so string order equals time order; whatever
the server sends (``Z``, ``+00:00``, other offsets, fractional seconds, a space instead of ``T``).
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t

UTC = dt.timezone.utc
_CANONICAL = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}\+00:00"
)


def parse_timestamp(value: t.Any) -> dt.datetime | None:
    """Aware UTC datetime from an ISO-8601 string or datetime; None if it is not one."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_timestamp(value: t.Any) -> str | None:
    if isinstance(value, str) and len(value) == 32 and _CANONICAL.fullmatch(value):
        # Already canonical (e.g. normalised earlier in the record's path), if a real date.
        return value if _looks_valid(value) else None
    if isinstance(value, str) and len(value) == 20 and value[19] == "Z" and value[10] == "T":
        # The API's usual form, 2024-01-15T10:30:00Z: only the suffix changes (when valid).
        candidate = value[:19] + ".000000+00:00"
        if _looks_valid(value):
            return candidate
    parsed = parse_timestamp(value)
    return None if parsed is None else format_timestamp(parsed)


def _looks_valid(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value[:19])
    except ValueError:
        return False
    return True


def window_start(
    bookmark: dt.datetime | None, start_date: dt.datetime, lookback_seconds: int
) -> dt.datetime:
    """Where an incremental read starts: the bookmark (never before start_date), moved back by
    the lookback window but not past start_date; start_date when there is no bookmark."""
    if bookmark is None:
        return start_date
    since = max(bookmark, start_date)
    if lookback_seconds:
        since = max(start_date, since - dt.timedelta(seconds=lookback_seconds))
    return since
