"""The export paginator (page numbers are walked by PurchaseOrdersStream._pages).

It reads the already-parsed `Page` (see client.fetch_page), never the raw response: the body
is parsed once, inside the retry loop.
"""

from __future__ import annotations

import typing as t

from singer_sdk.pagination import BaseAPIPaginator

from tap_luminous.errors import ProtocolError

if t.TYPE_CHECKING:
    from tap_luminous.client import Page


class ExportCursorPaginator(BaseAPIPaginator[t.Optional[str]]):  # noqa: UP045
    """`since` starts a run (token None), then `next_cursor` until `has_more` is false.

    An empty page with `has_more` true continues; a full page followed by an empty last page ends
    normally; `has_more` true without a cursor is a protocol error.
    """

    def __init__(self, start_cursor: str | None = None, endpoint: str = "The export") -> None:
        super().__init__(start_cursor)
        self._endpoint = endpoint

    def advance(self, response: Page) -> None:  # type: ignore[override]
        self._page_count += 1
        if not self.has_more(response):
            self._finished = True
            return
        next_cursor = self.get_next(response)
        if not next_cursor:
            raise ProtocolError(
                f"{self._endpoint}: has_more=true with a null next_cursor; stopping without "
                "advancing the bookmark"
            )
        self._value = next_cursor

    def has_more(self, response: Page) -> bool:  # type: ignore[override]
        return response.body.get("has_more") is True

    def get_next(self, response: Page) -> str | None:  # type: ignore[override]
        cursor = response.body.get("next_cursor")
        return cursor if isinstance(cursor, str) else None
