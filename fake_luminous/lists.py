"""The page-number list endpoints beyond purchase orders: how each is declared and served.

The declarations and their row generators live in ``erp/`` (one module per domain), listed
in ``erp_rows.py``. Each endpoint is one
``ListEndpoint``: its path, key, page-size parameter and limits, the sorts
it accepts and a generator of rows in the shape its docs page shows. The server
(``FakeLuminousAPI``, pages.py) serves every entry of ``ENDPOINTS`` the same way: Laravel
``meta``, 422 beyond the size limit, ``sort=field:asc|desc``, ``updated_at``/``created_at``
filters; see the package docstring.

Rows hold Python values (Decimal money, aware UTC datetimes, ``date`` objects), like
``Dataset``'s. Each endpoint's rows come from their own RNG (``random.Random(f"{seed}{path}")``),
so adding an endpoint never changes any other endpoint's data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What a generator may use: the time span and the tenant's other data (read only)."""

    seed: int
    start: datetime
    end: datetime
    products: Mapping[int, Row]
    sales_orders: Mapping[int, Row]
    purchase_orders: Mapping[int, Row]

    def rng(self, path: str) -> random.Random:
        return random.Random(f"{self.seed}{path}")

    def instant(self, rng: random.Random) -> datetime:
        span = max(1, int((self.end - self.start).total_seconds()))
        return self.start + timedelta(seconds=rng.randrange(span))

    def created_updated(self, rng: random.Random) -> tuple[datetime, datetime]:
        a, b = self.instant(rng), self.instant(rng)
        return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class ListEndpoint:
    path: str  # without the /external/api/v1 prefix, e.g. "/invoices"
    generate: Callable[[Context, int], list[Row]]  # (context, count) -> rows
    docs: str  # the docs page (or CLI file) the shape comes from
    key: str = "id"
    size_param: str = "per_page"  # "limit" on /price-schedules and company contacts
    default_size: int = 10
    max_size: int = 100
    #: accepted ``sort`` fields -> the row value they order by (dotted names allowed)
    sorts: Mapping[str, Callable[[Row], Any]] = field(default_factory=dict)
    default_sort: str | None = None  # e.g. "updated_at:desc"; None: by key ascending
    paginated: bool = True  # False: ``{"data": [...]}`` with every row, no meta (custom-fields)
    default_count: int = 25

    def key_of(self, row: Row) -> Any:
        """The row's key (``key`` may be dotted, e.g. "product.id")."""
        return dotted(row, self.key)

    def parse_sort(self, text: str) -> str | tuple[str, bool]:
        """``field:asc|desc`` -> (field, descending), or the message of its 422."""
        name, sep, direction = text.rpartition(":")
        if not sep:
            name = text
        if name not in self.sorts:
            return "The selected sort is invalid."
        if direction not in ("asc", "desc") or not sep:
            return "The sort direction must be asc or desc."
        return name, direction == "desc"

    def sort_of(self, text: str | None) -> tuple[str | None, bool]:
        """The order ``text`` (or, when empty, ``default_sort``) asks for; ValueError if bad."""
        text = text or self.default_sort
        if not text:
            return None, False
        parsed = self.parse_sort(text)
        if isinstance(parsed, str):
            raise ValueError(f"{self.path}: {parsed} ({text!r})")
        return parsed


def dotted(row: Row, name: str) -> Any:
    """``row["a"]["b"]`` for "a.b" (None where a level is missing or not an object)."""
    value: Any = row
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
