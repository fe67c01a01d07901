"""`tap-luminous --test`: is the API reachable with this token, for the streams selected?

One small request (`limit=1` / `per_page=1`) per selected parent stream, nothing written to
stdout (no RECORD, STATE, table version or batch file), and one line of answer: which tenant and
streams are readable, or what is wrong. A stream that is not selected is never asked. Retries are
cut to one, so that a failure answers in seconds (Luminous's own CLI checks credentials the same
way, with `GET /warehouses?per_page=1`).
"""

from __future__ import annotations

import typing as t
from urllib.parse import urlsplit

from tap_luminous.errors import ApiError, SelectionError

if t.TYPE_CHECKING:
    from singer_sdk import Stream

    from tap_luminous.parents import ParentStream

#: The retry settings of a connection test: one retry, a short wait.
TEST_SETTINGS = {"max_retries": 1, "backoff_max_seconds": 1, "retry_after_max_seconds": 5}


def streams_to_test(streams: t.Iterable[Stream]) -> list[ParentStream]:
    """The parent streams a run of this catalog would read (a selected child reads its parent)."""
    chosen = [
        t.cast("ParentStream", stream)
        for stream in streams
        if stream.parent_stream_type is None
        and (stream.selected or stream.has_selected_descendents)
    ]
    if not chosen:
        raise SelectionError("Connection test: no stream is selected, so there is nothing to test")
    return chosen


def check_connection(streams: list[ParentStream], api_url: str) -> str:
    """Send each stream's probe; the line to print when every one is readable, else ApiError."""
    refused: list[str] = []
    for stream in streams:
        try:
            stream.fetch_page(stream.probe_params())
        except ApiError as exc:
            if exc.status == 403:
                refused.append(stream.name)
                continue
            raise ApiError(f"Connection test failed: {exc}", exc.status) from None
    readable = sorted(stream.name for stream in streams if stream.name not in refused)
    if refused:
        raise ApiError(
            f"Connection test failed: the token lacks access (403 Forbidden) to "
            f"{', '.join(sorted(refused))}; deselect {'it' if len(refused) == 1 else 'them'} "
            f"or ask for access (readable: {', '.join(readable) or 'none'})",
            403,
        )
    host = urlsplit(api_url).netloc
    return (
        f"Connection test passed: {host} answered for {len(readable)} selected "
        f"stream{'s' if len(readable) != 1 else ''} ({', '.join(readable)})"
    )
