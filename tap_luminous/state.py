"""The state a run starts from: checked before any request, and tied to one tenant.

Layout (documented in docs/incremental.md):

    {
      "tap_luminous": {"api": "https://acme.api.joinluminous.com:443/external/api/v1"},
      "bookmarks": {
        "<stream>": {
          "replication_key": "updated_at",
          "replication_key_value": "<timestamp>",
          "export": {"since": "...", "cutoff": "...", "cursor": "...",    # exports, mid-run
                     "version": <int>},                                   # reconciling only
          "child_streams": ["<child stream>", ...],
          "reconciled_at": "<timestamp>", "table_version": <int>          # see versions.py
        }
      }
    }

`tap_luminous.api` names the API the state was written for (the base URL, lower-cased, with its
port, never the token). A state written for another API is not applied: the run warns once and
starts from `start_date`. A state without the marker (older versions, `meltano state set` by hand)
is adopted.
"""

from __future__ import annotations

import json
import logging
import typing as t
from urllib.parse import urlsplit

from tap_luminous.errors import LuminousError
from tap_luminous.timestamps import parse_timestamp

MARKER_KEY = "tap_luminous"


class StateError(LuminousError):
    """The state given to the tap cannot be used; raised before any request."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"Invalid state ({source}): {problem}")


def tenant_marker(api_url: str) -> str:
    """`scheme://host:port/path`, lower-cased, for the state's tenant check."""
    parts = urlsplit(api_url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}:{port}{parts.path.rstrip('/').lower()}"


def read_state_text(text: str, source: str) -> dict[str, t.Any]:
    """The state file's content as a dict, or StateError naming `source` and the problem."""
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(source, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(state, dict):
        raise StateError(source, f"expected a JSON object, got {type(state).__name__}")
    return state


def checked_state(
    state: dict[str, t.Any], source: str, marker: str, logger: logging.Logger
) -> dict[str, t.Any]:
    """`state` as the run will use it: unwrapped, checked, and emptied if it is another tenant's."""
    if state.get("type") == "STATE" and "value" in state:
        logger.warning("The state (%s) is a whole Singer STATE message; using its `value`", source)
        state = state["value"]
        if not isinstance(state, dict):
            raise StateError(source, "the STATE message's `value` is not an object")
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        raise StateError(source, "`bookmarks` is not an object")
    for stream, bookmark in bookmarks.items():
        _check_bookmark(stream, bookmark, source)
    written_for = (
        (state.get(MARKER_KEY) or {}).get("api")
        if isinstance(state.get(MARKER_KEY), dict)
        else None
    )
    if written_for and written_for != marker:
        logger.warning(
            "The state (%s) was written for another API (%s), not %s: it is not applied, and "
            "every stream starts from start_date",
            source,
            written_for,
            marker,
        )
        return {}
    return state


def _check_bookmark(stream: str, bookmark: t.Any, source: str) -> None:
    where = f"bookmarks.{stream}"
    if not isinstance(bookmark, dict):
        raise StateError(source, f"`{where}` is not an object")
    value = bookmark.get("replication_key_value")
    if value is not None and parse_timestamp(value) is None:
        raise StateError(source, f"`{where}.replication_key_value` {value!r} is not a timestamp")
    reconciled = bookmark.get("reconciled_at")
    if reconciled is not None and parse_timestamp(reconciled) is None:
        raise StateError(source, f"`{where}.reconciled_at` {reconciled!r} is not a timestamp")
    _check_version(bookmark.get("table_version"), f"{where}.table_version", source)
    run = bookmark.get("export")
    if run is None:
        return
    if not isinstance(run, dict):
        raise StateError(source, f"`{where}.export` is not an object")
    for key in ("since", "cutoff"):
        if run.get(key) is not None and parse_timestamp(run[key]) is None:
            raise StateError(source, f"`{where}.export.{key}` {run[key]!r} is not a timestamp")
    if run.get("cursor") is not None and not isinstance(run["cursor"], str):
        raise StateError(source, f"`{where}.export.cursor` is not a string")
    _check_version(run.get("version"), f"{where}.export.version", source)


def _check_version(value: t.Any, where: str, source: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise StateError(source, f"`{where}` {value!r} is not a positive whole number")
