"""Deterministic generation of sales orders, purchase orders and products.

Everything is driven by one ``random.Random(seed)``; the same arguments give the same data.
Money is ``Decimal`` with 2 places (trailing zeros kept), datetimes are aware UTC values,
dates are ``datetime.date``.

The rows have the shapes the docs samples show (``shared/api-docs/``; the samples themselves are
in ``docs_samples.py``), never a consumer's schema:

- products: exactly the products-export sample's fields (alternate_skus/tags/kit_items objects,
  substitutions ``{id, priority}`` sometimes with extra keys, boms ``[{id}]``, the 15
  ``<level>_length/width/height`` dimensions, ``<level>_weight`` ``{unit, value}`` with
  ``_oz``/``_lb`` numbers), plus, after the point where the stored sample is cut off,
  ``box_weight_oz/_lb`` and ``carton_/shipping_/pallet_weight`` (+ ``_oz``/``_lb``), as a real
  server would send them. ``status`` (1/0) is internal: the server does not serve it.
- purchase orders: exactly the purchase-orders sample's fields; on some orders the full supplier
  object (banking data included) and a ``credentials`` object (see ``purchase_order``).
- sales orders: exactly the sales-orders-export sample's fields; ``shipments[]`` shaped like
  ``GET /sales-orders/{id}/shipments`` (some without any ``id``).
- the generic page-number lists (``lists``): made by ``erp_rows.generate_lists`` after all the
  rest, each from its own RNG, so they never change the rows above.

This module holds ``Dataset`` (and ``new_*``, the rows the server creates); the shapes are the
methods of ``_Generator``, defined per contract in ``shapes_export.py`` (products, sales orders)
and ``shapes_purchase_orders.py`` (purchase orders, ``_full_supplier``) over the shared state,
money and tables of ``shapes_common.py``. Every name that used to be defined here is still
importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .clock import UTC, as_utc
from .lists import Context

# The row shapes live in these modules. Every name data.py used to define stays importable
# from here (``from .data import ...``, ``data._WAREHOUSES``): hence the noqa.
from .shapes_common import (  # noqa: F401 (re-exported)
    _ADJ,
    _CITIES,
    _LOCATIONS,
    _NOUN,
    _PAYMENT_TERMS,
    _TAG_DEFS,
    _USERS,
    _WAREHOUSES,
    BIG_MONEY,
    BIG_UNIT_COST,
    Row,
    _product_name,
    money,
)
from .shapes_export import (  # noqa: F401 (re-exported)
    _CARRIERS,
    _FO_STATUSES,
    _ORDER_STATUS_TABLE,
    _ORDER_STATUS_WEIGHTS,
    _PACKAGE_LEVELS,
    _PACKAGES,
    _UOMS,
    ExportShapes,
)
from .shapes_purchase_orders import (  # noqa: F401 (re-exported)
    _BANKS,
    _CREDENTIAL_PLACES,
    _INCOTERMS,
    _PAYMENT_TYPES,
    PurchaseOrderShapes,
    _full_supplier,
)

_CENT = Decimal("0.01")


@dataclass
class _Generator(ExportShapes, PurchaseOrderShapes):
    """The one generator of a dataset: ``product``, ``sales_order``, ``purchase_order``.

    Its state and time helpers are ``shapes_common.GeneratorState``'s; the shapes are in
    ``shapes_export.py`` and ``shapes_purchase_orders.py``.
    """


def _recompute_sales_totals(row: Row) -> None:
    sub = sum((it["price"] * it["quantity"] for it in row["items"]), Decimal("0.00"))
    tax = sum((it["tax"] for it in row["items"]), Decimal("0.00"))
    row["total_tax"] = tax.quantize(_CENT)
    row["total_amount"] = (sub + tax + row["total_shipping"]).quantize(_CENT)
    row["total_paid"] = row["total_amount"]


class Dataset:
    """The fake tenant's data: ``sales_orders``, ``purchase_orders``, ``products``, ``lists``.

    Each is a ``dict[id, row]`` (``lists``: path -> ``dict[key, row]``, see lists.py) holding
    Python values (Decimal money, aware UTC datetimes, ``date`` objects), inactive/deleted rows
    included. Mutate through ``FakeLuminousAPI``
    methods (they keep the server's caches and indexes right); after editing these dicts
    directly, call ``FakeLuminousAPI.refresh()``.
    """

    def __init__(
        self,
        sales_orders: dict[int, Row] | None = None,
        purchase_orders: dict[int, Row] | None = None,
        products: dict[int, Row] | None = None,
        generator: _Generator | None = None,
        lists: dict[str, dict[Any, Row]] | None = None,
    ) -> None:
        self.sales_orders: dict[int, Row] = sales_orders if sales_orders is not None else {}
        self.purchase_orders: dict[int, Row] = (
            purchase_orders if purchase_orders is not None else {}
        )
        self.products: dict[int, Row] = products if products is not None else {}
        #: the generic page-number lists: path (without the prefix) -> key -> row
        self.lists: dict[str, dict[Any, Row]] = lists if lists is not None else {}
        now = datetime.now(UTC)
        self._gen = generator or _Generator(0, now - timedelta(days=365), now, False)
        if not self._gen.catalogue:
            self._gen.ensure_catalogue(self.products)
        #: the generator's seed (the server derives its drift choices from it by default)
        self.seed: int = self._gen.seed
        #: ids of rows with fixed, documented-in-code properties (see ``generate``)
        self.special: dict[str, Any] = {}

    @classmethod
    def generate(
        cls,
        *,
        sales_orders: int = 1000,
        purchase_orders: int = 100,
        products: int = 100,
        seed: int = 42,
        start: datetime | None = None,
        end: datetime | None = None,
        timestamp_style: str = "Z",
        microseconds: bool | None = None,
        lists: Mapping[str, int] | None = None,
    ) -> Dataset:
        """Generate a deterministic dataset.

        ``updated_at``/``created_at`` fall in ``[start, end)`` (defaults: the year before now).
        Generated datetimes have whole seconds unless ``microseconds`` is true, which is the
        default when ``timestamp_style`` is "fractional" or "mixed".

        Fixed rows (ids in ``special``), always active/served:
        - products (>= 2): product 1 has ``retail_price`` 12.30 ("product_retail_12_30"),
          product 2 ``unit_cost`` == ``BIG_UNIT_COST`` (34 digits, "product_big_unit_cost");
        - sales orders (>= 10): total_amount 12.30, an item price 0.10, total_paid ==
          ``BIG_MONEY`` (34 digits), null customer fields, updated_at ties, a shipped order
          whose shipments have no ids ("shipments_without_id") and one whose have
          ("shipments_with_id");
        - purchase orders (>= 4), all active: 1 has the full supplier ("full_supplier_po"),
          2 a top-level ``credentials`` object ("credentials_top_po"), 3 one inside
          ``supplier`` ("credentials_nested_po"), 4 one inside ``items[0].product``
          ("credentials_item_po").

        ``lists``: path -> row count of the generic list endpoints (``erp_rows.ENDPOINTS``;
        others get their ``default_count``), generated last from a ``lists.Context``.
        """
        from . import erp_rows  # noqa: PLC0415 (erp_rows imports this module)

        unknown = set(lists or ()) - set(erp_rows.ENDPOINTS)
        if unknown:
            raise ValueError(f"lists: unknown endpoints {sorted(unknown)}")
        end = as_utc(end) if end is not None else datetime.now(UTC).replace(microsecond=0)
        start = as_utc(start) if start is not None else end - timedelta(days=365)
        if microseconds is None:
            microseconds = timestamp_style in ("fractional", "mixed")
        gen = _Generator(seed, start, end, microseconds)

        prods: dict[int, Row] = {}
        special: dict[str, Any] = {}
        for pid in range(1, products + 1):
            c, u = gen.created_updated()
            prods[pid] = gen.product(
                pid, c, u, inactive=False if products >= 2 and pid <= 2 else None
            )
        if products >= 2:
            prods[1]["retail_price"] = Decimal("12.30")
            prods[2]["unit_cost"] = BIG_UNIT_COST
            special["product_retail_12_30"] = 1
            special["product_big_unit_cost"] = 2
        gen.ensure_catalogue(prods)

        sos: dict[int, Row] = {}
        n = sales_orders
        specials = n >= 10
        forced_active: set[int] = set()
        if specials:
            forced_active = set(range(1, 10))
            forced_active.update(i for i in (50, 51, 98, 99, 500, 501) if i < n)
        rng = gen.rng
        for idx in range(n):
            oid = 1001 + idx
            c, u = gen.created_updated()
            inactive = idx not in forced_active and rng.random() < 0.02
            if specials and idx == 1:
                row = gen.sales_order(
                    oid, c, u, order_status="awaiting_shipment", item_prices=[1000]
                )
                it = row["items"][0]
                it["quantity"] = it["quantity_ordered"] = 1
                it["quantity_shipped"] = it["quantity_cancelled"] = 0
                it["tax"] = Decimal("1.30")
                row["total_shipping"] = Decimal("1.00")
                _recompute_sales_totals(row)
                special["total_amount_12_30"] = oid
            elif specials and idx in (2, 3):
                row = gen.sales_order(oid, c, u, order_status="shipped", shipment_ids=idx == 3)
                special["shipments_with_id" if idx == 3 else "shipments_without_id"] = oid
            elif specials and idx == 4:
                row = gen.sales_order(oid, c, u, item_prices=[10, 2599])
                row["items"][0]["tax"] = Decimal("0.00")
                _recompute_sales_totals(row)
                if row["order_status"] == "awaiting_payment":
                    row["total_paid"] = Decimal("0.00")
                special["item_price_0_10"] = oid
            else:
                row = gen.sales_order(oid, c, u, inactive=inactive)
            sos[oid] = row
        if specials:
            big = sos[1003]
            big["total_paid"] = BIG_MONEY
            special["big_money"] = 1003
            nul = sos[1004]
            nul["customer_email"] = None
            nul["customer_username"] = None
            special["null_customer"] = 1004
            pairs = [(1006, 1007), (1008, 1009)]
            pairs += [(1001 + a, 1001 + b) for a, b in ((50, 51), (98, 99), (500, 501)) if b < n]
            for a, b in pairs:
                sos[b]["updated_at"] = sos[a]["updated_at"]
                if sos[b]["created_at"] > sos[b]["updated_at"]:
                    sos[b]["created_at"] = sos[a]["created_at"]
                _clamp_children(sos[b])
            special["ties"] = pairs
        pos: dict[int, Row] = {}
        po_specials: dict[int, tuple[str, bool, str]] = {}
        if purchase_orders >= 4:
            po_specials = {
                1: ("full_supplier_po", True, "none"),
                2: ("credentials_top_po", False, "top"),
                3: ("credentials_nested_po", False, "supplier"),
                4: ("credentials_item_po", False, "item_product"),
            }
        for po_id in range(1, purchase_orders + 1):
            c, u = gen.created_updated()
            if po_id in po_specials:
                name, full, creds = po_specials[po_id]
                pos[po_id] = gen.purchase_order(
                    po_id,
                    c,
                    u,
                    order_status="active",
                    products=prods,
                    full_supplier=full,
                    credentials=creds,
                )
                special[name] = po_id
            else:
                pos[po_id] = gen.purchase_order(po_id, c, u, products=prods)
        ctx = Context(
            seed, start, end, MappingProxyType(prods), MappingProxyType(sos), MappingProxyType(pos)
        )
        generated = erp_rows.generate_lists(ctx, lists)
        ds = cls(
            sos,
            pos,
            prods,
            generator=gen,
            lists={
                path: {erp_rows.ENDPOINTS[path].key_of(row): row for row in rows}
                for path, rows in generated.items()
            },
        )
        ds.special = special
        return ds


def _clamp_children(row: Row) -> None:
    """Keep nested timestamps within [created_at, updated_at] after an edit of the parent."""
    lo, hi = row["created_at"], row["updated_at"]
    children = [*(row.get("items") or ()), *(row.get("fulfillment_orders") or ())]
    for shipment in row.get("shipments") or ():
        children += [shipment, *(shipment.get("items") or ())]
    for child in children:
        for f in ("created_at", "updated_at"):
            v = child.get(f)
            if isinstance(v, datetime):
                child[f] = min(max(v, lo), hi)
    for shipment in row.get("shipments") or ():
        if isinstance(shipment.get("created_at"), datetime):
            shipment["ship_date"] = shipment["created_at"].date()
    row["order_date"] = lo.date()


def new_sales_order(ds: Dataset, now: datetime, fields: dict[str, Any]) -> Row:
    oid = fields.get("order_id") or (max(ds.sales_orders, default=1000) + 1)
    created = fields.get("created_at", now)
    updated = fields.get("updated_at", now)
    row = ds._gen.sales_order(oid, created, updated)
    row.update(fields)
    row["order_id"] = oid
    return row


def new_purchase_order(ds: Dataset, now: datetime, fields: dict[str, Any]) -> Row:
    pid = fields.get("id") or (max(ds.purchase_orders, default=0) + 1)
    row = ds._gen.purchase_order(
        pid,
        fields.get("created_at", now),
        fields.get("updated_at", now),
        order_status="active",
        products=ds.products,
    )
    row.update(fields)
    row["id"] = pid
    return row


def new_product(ds: Dataset, now: datetime, fields: dict[str, Any]) -> Row:
    pid = fields.get("id") or (max(ds.products, default=0) + 1)
    row = ds._gen.product(
        pid, fields.get("created_at", now), fields.get("updated_at", now), inactive=False
    )
    row.update(fields)
    row["id"] = pid
    return row


__all__ = ["BIG_MONEY", "BIG_UNIT_COST", "Dataset", "Row", "money"]
