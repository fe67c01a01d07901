"""Errors that end a run with one clear line (see ``tap_luminous.cli``)."""

from __future__ import annotations


class LuminousError(Exception):
    """A failure the user can act on; its message is printed as a single line."""


class SettingError(LuminousError):
    """A setting is missing or invalid; raised before any request is sent."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Invalid setting '{setting}': {problem}")
        self.setting = setting


class SelectionError(LuminousError):
    """The catalog selects no stream: the run would extract nothing (raised before any request)."""


class ApiError(LuminousError):
    """The API answered in a way that cannot be retried or that retries did not fix.

    `status`: the HTTP status that ended the request, when one did.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProtocolError(ApiError):
    """The API broke its documented contract (e.g. `has_more` without a cursor)."""
