"""The server's tables: a dataset dict of rows, their served bytes, and the orders they sort in.

A ``Table`` wraps one ``dict[key, row]`` of the dataset (the same dict: mutations through the
API change the dataset). Export tables also keep a sorted ``(updated_at_us, id)`` index of their
active rows; ``ListTable`` keeps the orders of a page-number list endpoint's sorts.
"""

from __future__ import annotations

import sys
import zlib
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .clock import as_utc
from .drift import Drift, drift_row, row_rng
from .lists import ListEndpoint, Row
from .serialize import encode, encode_row, row_style, to_us

if TYPE_CHECKING:
    from .data import Dataset

_MAX_ID = sys.maxsize


def normalise(fields: dict[str, Any]) -> dict[str, Any]:
    """Datetimes of ``fields`` as aware UTC (naive ones taken as UTC)."""
    return {k: (as_utc(v) if isinstance(v, datetime) else v) for k, v in fields.items()}


def style_id(key: Any) -> int:
    """The integer a row's "mixed" timestamp style is picked by (its key, or a hash of it)."""
    if isinstance(key, int):
        return key
    return zlib.crc32(str(key).encode())


class Table:
    """Rows + per-row JSON cache; export tables also keep a sorted (updated_at_us, id) index.

    ``hidden`` fields are internal (never served). With ``drift`` > 0 that fraction of rows is
    served drifted (see drift.py); ``drift_logs[id]`` says how, once the row was encoded.
    """

    def __init__(
        self,
        rows: dict[Any, Row],
        id_field: str,
        is_active: Callable[[Row], bool],
        style: str,
        *,
        endpoint: str = "",
        hidden: tuple[str, ...] = (),
        drift: float = 0.0,
        drift_seed: int = 0,
    ) -> None:
        self.rows = rows
        self.id_field = id_field
        self.is_active = is_active
        self.style = style
        self.endpoint = endpoint
        self.hidden = hidden
        self.drift = drift
        self.drift_seed = drift_seed
        self.drift_logs: dict[Any, list[Drift]] = {}
        self.cache: dict[Any, bytes] = {}
        self.keys: list[tuple[int, int]] = []
        self.keymap: dict[Any, tuple[int, int]] = {}
        self.sorted_ids: list[Any] | None = None
        self.rebuild()

    def key_of(self, row: Row) -> Any:
        return row.get(self.id_field)

    def rebuild(self) -> None:
        self.cache.clear()
        self.drift_logs.clear()
        self.keymap = {
            rid: (to_us(row["updated_at"]), rid)
            for rid, row in self.rows.items()
            if self.is_active(row)
        }
        self.keys = sorted(self.keymap.values())
        self.sorted_ids = None

    def changed(self, rid: Any) -> None:
        self.cache.pop(rid, None)
        self.drift_logs.pop(rid, None)
        old = self.keymap.pop(rid, None)
        if old is not None:
            i = bisect_left(self.keys, old)
            if i < len(self.keys) and self.keys[i] == old:
                del self.keys[i]
        row = self.rows.get(rid)
        if row is not None and self.is_active(row):
            key = (to_us(row["updated_at"]), rid)
            insort(self.keys, key)
            self.keymap[rid] = key
        self.sorted_ids = None

    def row_bytes(self, rid: Any) -> bytes:
        b = self.cache.get(rid)
        if b is None:
            row = self.rows[rid]
            if self.hidden:
                row = {k: v for k, v in row.items() if k not in self.hidden}
            sid = style_id(rid)
            rng = row_rng(self.drift_seed, self.endpoint, rid) if self.drift > 0 else None
            if rng is not None and rng.random() < self.drift:
                obj, log = drift_row(row, row_style(self.style, sid), rng)
                self.drift_logs[rid] = log
                b = encode(obj)
            else:
                b = encode_row(row, self.style, sid)
            self.cache[rid] = b
        return b

    def export_page(
        self, since_us: int, cutoff_us: int, after: tuple[int, int] | None, limit: int
    ) -> list[tuple[int, int]]:
        keys = self.keys
        i = bisect_left(keys, (since_us,))
        if after is not None:
            i = max(i, bisect_right(keys, after))
        page = keys[i : i + limit]
        if page and page[-1][0] > cutoff_us:
            page = page[: bisect_right(page, (cutoff_us, _MAX_ID))]
        return page

    def ids_by_id(self) -> list[Any]:
        if self.sorted_ids is None:
            self.sorted_ids = sorted(self.rows)
        return self.sorted_ids

    def expected(self, since: datetime, until: datetime) -> list[Row]:
        """Active rows with since <= updated_at <= until, by (updated_at, id)."""
        lo, hi = to_us(since), to_us(until)
        return [self.rows[rid] for us, rid in self.keys if lo <= us <= hi]

    # -- mutations (the caller holds the API's lock) ---------------------------------------
    def update(self, rid: Any, changes: dict[str, Any], now: datetime) -> Row:
        """Apply ``changes``; ``updated_at`` becomes ``now`` unless it is among them."""
        row = self.rows[rid]
        changes = normalise(changes)
        if "updated_at" not in changes:
            changes["updated_at"] = now
        row.update(changes)
        self.changed(rid)
        return row

    def insert(self, row: Row) -> Row:
        rid = self.key_of(row)
        if rid in self.rows:
            raise ValueError(f"{self.id_field} {rid} already exists")
        self.rows[rid] = row
        self.changed(rid)
        return row

    def delete(self, rid: Any) -> Row:
        row = self.rows.pop(rid)
        self.changed(rid)
        return row


class ListTable(Table):
    """A page-number list endpoint's rows (``ListEndpoint``), keyed by ``endpoint.key``.

    ``order(field, desc)`` is the keys sorted by ``endpoint.sorts[field]`` (``None`` first
    ascending, last descending, as MySQL does), ties by key ascending; ``field`` None: by key.
    """

    def __init__(
        self, endpoint: ListEndpoint, rows: dict[Any, Row], style: str, **kwargs: Any
    ) -> None:
        if endpoint.default_sort:
            endpoint.sort_of(endpoint.default_sort)  # ValueError if the declaration is wrong
        self.spec = endpoint
        self.orders: dict[tuple[str | None, bool], list[Any]] = {}
        super().__init__(
            rows, endpoint.key, lambda r: False, style, endpoint=endpoint.path[1:], **kwargs
        )

    def key_of(self, row: Row) -> Any:
        return self.spec.key_of(row)

    def rebuild(self) -> None:
        super().rebuild()
        self.orders = {}

    def changed(self, rid: Any) -> None:
        super().changed(rid)
        self.orders = {}

    def order(self, field: str | None, desc: bool) -> list[Any]:
        found = self.orders.get((field, desc))
        if found is None:
            found = list(self.ids_by_id())
            if field is not None:
                value = self.spec.sorts[field]
                rows = self.rows

                def sort_key(rid: Any) -> tuple[bool, Any]:
                    v = value(rows[rid])
                    return (v is not None, v)

                found.sort(key=sort_key, reverse=desc)  # stable: ties stay by key ascending
            elif desc:
                found.reverse()
            self.orders[(field, desc)] = found
        return found


def table_of(tables: Iterable[Table], row: Row) -> tuple[Table, Any] | None:
    """The table holding this very row object (not an equal copy), and its key."""
    for table in tables:
        rid = table.key_of(row)
        try:
            if rid is not None and table.rows.get(rid) is row:
                return table, rid
        except TypeError:  # an unhashable key: not a dataset row
            continue
    return None


def dataset_tables(
    dataset: Dataset, style: str, drift: float, drift_seed: int
) -> tuple[Table, Table, Table, dict[str, ListTable]]:
    """The tables of ``dataset``: sales orders, products, purchase orders, the generic lists.

    Every ``erp_rows.ENDPOINTS`` entry gets a list table (an empty one, added to
    ``dataset.lists``, where the dataset has none).
    """
    from . import erp_rows  # noqa: PLC0415 (erp_rows imports data, which may import this)

    kw: dict[str, Any] = {"drift": drift, "drift_seed": drift_seed}
    so = Table(
        dataset.sales_orders,
        "order_id",
        lambda r: r.get("status") == "Active",
        style,
        endpoint="sales-orders",
        **kw,
    )
    # products' status (1/0) decides export membership; the docs sample has no status
    products = Table(
        dataset.products,
        "id",
        lambda r: r.get("status") == 1,
        style,
        endpoint="products",
        hidden=("status",),
        **kw,
    )
    pos = Table(
        dataset.purchase_orders, "id", lambda r: False, style, endpoint="purchase-orders", **kw
    )
    lists = {
        path: ListTable(spec, dataset.lists.setdefault(path, {}), style, **kw)
        for path, spec in erp_rows.ENDPOINTS.items()
    }
    return so, products, pos, lists
