"""The page-number lists: GET /purchase-orders and the generic list endpoints (lists.py).

Laravel pagination: ``page`` (>= 1) and a page size (``per_page``, or the endpoint's
``size_param``), 422 with ``{"message", "errors": {field: [message]}}`` beyond the limits or
for a non-integer, and ``meta`` ``{current_page, from, last_page, per_page, to, total}``
(``per_page`` even where the size parameter is ``limit``). Filters ``updated_at``/
``created_at`` (``=`` or ``[eq|neq|gt|gte|lt|lte]``, ``Y-m-d`` or ``Y-m-d H:i:s``, UTC).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import docs_samples
from .clock import UTC, FakeClock, as_utc
from .lists import Row
from .serialize import encode
from .table import ListTable, Table
from .transport import INT_RE, Resp, invalid

PURCHASE_ORDERS = "/purchase-orders"
PO_STATUSES = ("active", "inactive", "deleted")

Filter = Callable[[Row], bool]
Lock = AbstractContextManager[object]

_PO_DT_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?")
_OP_RE = re.compile(r"(\w+)\[(\w+)\]")


def page_params(
    params: dict[str, str],
    size_param: str = "per_page",
    default_size: int = 10,
    max_size: int = 100,
) -> Resp | tuple[int, int]:
    """Validate ``page`` and the page size: an error response, or (page, size)."""
    values: list[int] = []
    for name, default, lo, hi in (("page", 1, 1, None), (size_param, default_size, 1, max_size)):
        raw = params.get(name, "")
        label = name.replace("_", " ")
        if raw == "":
            value = default
        elif not INT_RE.fullmatch(raw):
            return invalid(name, f"The {label} field must be an integer.")
        else:
            value = int(raw)
        if value < lo:
            return invalid(name, f"The {label} field must be at least {lo}.")
        if hi is not None and value > hi:
            return invalid(name, f"The {label} field must not be greater than {hi}.")
        values.append(value)
    return values[0], values[1]


def _split_op(key: str) -> tuple[str, str]:
    m = _OP_RE.fullmatch(key)
    return (m.group(1), m.group(2)) if m else (key, "eq")


#: How the server treats ``updated_at``/``created_at`` filters (``FakeLuminousAPI(filters=)``):
#: "honour" as documented; "ignore" them; "reject" a query with one (422 naming the field);
#: "empty": answer a filtered query with no rows (a server that misreads the filter).
FILTER_MODES = ("honour", "ignore", "reject", "empty")


@dataclass(frozen=True)
class FilterRules:
    """How one endpoint reads date filters: instants (``Y-m-d H:i:s``, the PO list) or dates
    (a date-time value cut to its date, the other lists), the server's mode, and the UTC offset
    in which it reads naive values (0: UTC)."""

    instants: bool = True
    mode: str = "honour"
    offset_hours: float = 0.0


def date_filters(params: dict[str, str], rules: FilterRules = FilterRules()) -> Resp | list[Filter]:
    """The ``updated_at``/``created_at`` filters of a query (422 for the first invalid one)."""
    filters: list[Filter] = []
    for key, raw in params.items():
        base, op = _split_op(key)
        if base not in ("updated_at", "created_at"):
            continue
        if rules.mode == "reject":
            return invalid(base, f"The {base} filter is not supported on this endpoint.")
        f = _date_filter(base, op, raw, rules)
        if f is None:
            label = base.replace("_", " ")
            return invalid(key, f"The {label} field must match the format Y-m-d H:i:s.")
        if rules.mode == "empty":
            filters.append(lambda r: False)
        elif rules.mode == "honour":
            filters.append(f)
    return filters


def meta(page: int, size: int, start: int, count: int, total: int) -> dict[str, Any]:
    return {
        "current_page": page,
        "from": start + 1 if count else None,
        "last_page": max(1, math.ceil(total / size)),
        "per_page": size,
        "to": start + count if count else None,
        "total": total,
    }


def _page_body(chunks: list[bytes], meta_obj: dict[str, Any] | None) -> bytes:
    if meta_obj is None:
        return b"".join((b'{"data":[', b",".join(chunks), b"]}"))
    return b"".join((b'{"data":[', b",".join(chunks), b'],"meta":', encode(meta_obj), b"}"))


# -- purchase orders -------------------------------------------------------------------------
def po_params(
    params: dict[str, str], default_statuses: tuple[str, ...], rules: FilterRules = FilterRules()
) -> Resp | tuple[int, int, tuple[str, ...], list[Filter]]:
    """Validate a PO list query: an error response, or (page, per_page, statuses, filters)."""
    paging = page_params(params)
    if isinstance(paging, Resp):
        return paging
    page, per_page = paging
    statuses = default_statuses
    status_param = params.get("order_status", "")
    if status_param != "":
        if status_param not in PO_STATUSES:
            return invalid("order_status", "The selected order status is invalid.")
        statuses = (status_param,)
    filters = date_filters(params, rules)
    if isinstance(filters, Resp):
        return filters
    for key, raw in params.items():
        base, op = _split_op(key)
        ids = ("supplier_id", "warehouse_id", "location_id")
        if base in ids and op == "eq" and INT_RE.fullmatch(raw):
            filters.append(_id_filter(base, int(raw)))
    return page, per_page, statuses, filters


def purchase_orders(
    table: Table,
    params: dict[str, str],
    default_statuses: tuple[str, ...],
    lock: Lock,
    *,
    rules: FilterRules = FilterRules(),
    served: Callable[[], None] | None = None,
) -> Resp:
    checked = po_params(params, default_statuses, rules)
    if isinstance(checked, Resp):
        return checked
    page, per_page, statuses, filters = checked
    with lock:
        rows = table.rows
        ids = [
            i
            for i in table.ids_by_id()
            if rows[i].get("order_status") in statuses and all(f(rows[i]) for f in filters)
        ]
        start = (page - 1) * per_page
        page_ids = ids[start : start + per_page]
        chunks = [table.row_bytes(i) for i in page_ids]
        if served is not None:
            served()
    body = _page_body(chunks, meta(page, per_page, start, len(page_ids), len(ids)))
    return Resp(200, body, rows=len(page_ids))


def docs_purchase_orders(params: dict[str, str], default_statuses: tuple[str, ...]) -> Resp:
    """The docs sample of the PO list, ``meta`` made consistent with one row on one page.

    The query is validated as usual (filters other than ``order_status`` are ignored). The
    sample row (``order_status`` "active") is on page 1 when its status is requested (or a
    default status); otherwise ``data`` is empty. ``per_page`` is echoed as requested.
    """
    checked = po_params(params, default_statuses)
    if isinstance(checked, Resp):
        return checked
    page, per_page, statuses, _filters = checked
    body = docs_samples.purchase_orders_body()
    matching = [r for r in body["data"] if r.get("order_status") in statuses]
    data = matching if page == 1 else []
    body["data"] = data
    body["meta"] = meta(page, per_page, 0, len(data), len(matching))
    body["meta"]["last_page"] = 1
    return Resp(200, encode(body), rows=len(data))


# -- the generic list endpoints (lists.py) ---------------------------------------------------
def list_page(
    table: ListTable,
    params: dict[str, str],
    lock: Lock,
    served: Callable[[], None] | None = None,
    rules: FilterRules = FilterRules(instants=False),
) -> Resp:
    """One page of a generic list (every row when not ``paginated``); then ``served()``."""
    spec = table.spec
    page, size = 1, 0
    if spec.paginated:
        paging = page_params(params, spec.size_param, spec.default_size, spec.max_size)
        if isinstance(paging, Resp):
            return paging
        page, size = paging
    field: str | None = None
    desc = False
    sort_text = params.get("sort", "") or spec.default_sort or ""
    if sort_text:
        sort = spec.parse_sort(sort_text)
        if isinstance(sort, str):
            return invalid("sort", sort)
        field, desc = sort
    filters = date_filters(params, rules)
    if isinstance(filters, Resp):
        return filters
    with lock:
        rows = table.rows
        ids = [k for k in table.order(field, desc) if all(f(rows[k]) for f in filters)]
        start = (page - 1) * size
        page_ids = ids[start : start + size] if spec.paginated else ids
        chunks = [table.row_bytes(k) for k in page_ids]
        if served is not None:
            served()
    meta_obj = meta(page, size, start, len(page_ids), len(ids)) if spec.paginated else None
    return Resp(200, _page_body(chunks, meta_obj), rows=len(page_ids))


class Churn:
    """Rows touched as pages are served (``FakeLuminousAPI(churn=...)``): a busy tenant.

    ``counts[path]`` rows of that list (a generic list or /purchase-orders), drawn from
    ``random.Random(f"{seed}:churn:{path}")``, get ``updated_at`` = the clock's now after it
    advanced ``step`` seconds (a real clock is not moved), once per page served.
    """

    def __init__(
        self, seed: int, counts: Mapping[str, int], step: float, paths: Iterable[str]
    ) -> None:
        unknown = set(counts) - set(paths)
        if unknown:
            raise ValueError(f"churn: not list endpoints: {sorted(unknown)}")
        self.seed = seed
        self.counts = dict(counts)
        self.step = step
        self.rngs: dict[str, random.Random] = {}

    def touch(self, path: str, table: Table, clock: FakeClock) -> None:
        """After a page of ``table`` at ``path`` (the caller holds the API's lock)."""
        count = self.counts.get(path, 0)
        if count <= 0:
            return
        rng = self.rngs.setdefault(path, random.Random(f"{self.seed}:churn:{path}"))
        when = clock.now() if clock.is_real else clock.advance(self.step)
        keys = table.ids_by_id()
        for key in rng.sample(keys, min(count, len(keys))):
            table.rows[key]["updated_at"] = when
            table.changed(key)


def _id_filter(name: str, value: int) -> Filter:
    if name == "supplier_id":
        return lambda r: r.get("supplier_id") == value
    obj = name[:-3]  # warehouse / location objects
    return lambda r: (r.get(obj) or {}).get("id") == value


def _date_filter(field_name: str, op: str, raw: str, rules: FilterRules) -> Filter | None:
    if op in ("set", "notset"):  # "null or empty string"; the value is not read
        want_set = op == "set"
        return lambda r: (r.get(field_name) not in (None, "")) == want_set
    m = _PO_DT_RE.fullmatch(raw.strip())
    if not m or op not in ("eq", "neq", "gt", "gte", "lt", "lte"):
        return None
    y, mo, d, hh, mi, ss = m.groups()
    # A naive value is read in the server's offset: local wall time = UTC + offset.
    shift = timedelta(hours=rules.offset_hours)
    try:
        if hh is None or not rules.instants:  # a date (a date-time cut to its date on lists)
            day = date(int(y), int(mo), int(d))

            def key(r: Row) -> Any:
                v = r.get(field_name)
                return (as_utc(v) + shift).date() if isinstance(v, datetime) else None

            target: Any = day
        else:
            target = datetime(int(y), int(mo), int(d), int(hh), int(mi), int(ss), tzinfo=UTC)

            def key(r: Row) -> Any:
                v = r.get(field_name)
                return (
                    (as_utc(v) + shift).replace(microsecond=0) if isinstance(v, datetime) else None
                )
    except ValueError:
        return None
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b,
        "neq": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    fn = ops[op]

    def check(r: Row) -> bool:
        v = key(r)
        return v is not None and fn(v, target)

    return check
