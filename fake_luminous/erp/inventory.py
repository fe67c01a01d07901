"""Inventory: ``/inventory/stocks``, ``/warehouses``, ``/locations``, ``/transfer-orders``.

Warehouses 1-3 and locations 1-4 are ``shapes_common._WAREHOUSES``/``_LOCATIONS`` (the ones
purchase orders carry); ``_warehouse``/``_location`` are the rows every embedding repeats.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ..lists import Context, ListEndpoint, Row
from ..shapes_common import _LOCATIONS, _WAREHOUSES
from .common import _DOCS, _ID_UPDATED, _by, _catalogue, _cents, _money


def _stock_product_id(row: Row) -> int:
    """The product of a stock row: its ``sku`` is ``SKU-<product id>``."""
    return int(str(row["sku"]).rsplit("-", 1)[-1])


# -- warehouses and locations (embedded in stocks and purchase-order shipments) ------------------
#: the ids of ``data._WAREHOUSES`` and ``data._LOCATIONS`` (the ones purchase orders carry)
_WAREHOUSE_IDS = (1, 2, 3)
_LOCATION_IDS = (1, 2, 3, 4)


def _warehouse(ctx: Context, number: int) -> Row:
    """Warehouse ``number``: ``location_stocks[].warehouse`` of the inventory-stock page."""
    rng = ctx.rng(f"/warehouses#{number}")
    names = dict(_WAREHOUSES)
    created, updated = ctx.created_updated(rng)
    return {
        "id": number,
        "status": "active" if number in names else rng.choice(("active", "inactive")),
        "name": names.get(number, f"Warehouse {number}"),
        "parent_id": None,
        "created_at": created,
        "updated_at": updated,
    }


def _warehouses(ctx: Context, count: int) -> list[Row]:
    return [_warehouse(ctx, number) for number in range(1, count + 1)]


def _location_warehouse(number: int) -> int:
    return _WAREHOUSE_IDS[(number - 1) % len(_WAREHOUSE_IDS)]


def _location(ctx: Context, number: int) -> Row:
    """Location ``number``: ``location_stocks[].location``; ``parent_id`` is its warehouse."""
    rng = ctx.rng(f"/locations#{number}")
    names = dict(_LOCATIONS)
    created, updated = ctx.created_updated(rng)
    return {
        "id": number,
        "status": "active" if number in names else rng.choice(("active", "active", "inactive")),
        "name": names.get(number, f"Bin {number}"),
        "parent_id": _location_warehouse(number),
        "created_at": created,
        "updated_at": updated,
    }


def _locations(ctx: Context, count: int) -> list[Row]:
    return [_location(ctx, number) for number in range(1, count + 1)]


# -- inventory stocks --------------------------------------------------------------------------
_CATEGORIES = (
    (1, "Hardware", ((11, "Fasteners"), (12, "Hinges"))),
    (2, "Electrical", ((21, "Cables"), (22, "Lamps"))),
    (3, "Plumbing", ((31, "Valves"), (32, "Pumps"))),
)


def _stock_id(product_id: int) -> str:
    """A string id, unique per product and not in product order."""
    return str(product_id * 7919 % 100_003)


def _inventory_stocks(ctx: Context, count: int) -> list[Row]:
    """One stock row per product (the first ``count`` by id), newer docs version."""
    rng = ctx.rng("/inventory/stocks")
    rows = []
    next_location_stock = 1
    for product in _catalogue(ctx)[:count]:
        pid = product["id"]
        is_kit = product.get("type") == "KIT"
        landed = _cents(product.get("landed_cost") or Decimal("0.00"))
        location_stocks: list[Row] = []
        for wid in sorted(rng.sample(_WAREHOUSE_IDS, rng.randrange(1, 3))):
            loc = rng.choice([n for n in _LOCATION_IDS if _location_warehouse(n) == wid])
            onhand = rng.randrange(0, 400)
            pending = rng.randrange(0, min(onhand, 40) + 1)
            location_stocks.append(
                {
                    "id": next_location_stock,
                    "warehouse": _warehouse(ctx, wid),
                    "location": _location(ctx, loc),
                    "qty_onhand": onhand,
                    "qty_pending": pending,
                    "qty_available": onhand - pending,
                    "qty_incoming": rng.randrange(0, 100) if rng.random() < 0.3 else 0,
                    "qty_available_via_assembly": rng.randrange(0, 20) if is_kit else 0,
                    "qty_recoverable_via_disassembly": rng.randrange(0, 10) if is_kit else 0,
                    "current_landed_unit_cost": _money(max(0, landed + rng.randrange(-50, 51))),
                }
            )
            next_location_stock += 1
        category = None if rng.random() < 0.1 else _CATEGORIES[pid % len(_CATEGORIES)]
        sub = category[2][rng.randrange(len(category[2]))] if category else None
        backordered = rng.randrange(1, 30) if rng.random() < 0.1 else 0
        rows.append(
            {
                "id": _stock_id(pid),
                "sku": product["sku"],
                "name": product["name"],
                "type": product.get("type", "PRODUCT"),
                "qty_onhand": sum(ls["qty_onhand"] for ls in location_stocks),
                "qty_pending": sum(ls["qty_pending"] for ls in location_stocks),
                "qty_available": sum(ls["qty_available"] for ls in location_stocks),
                "qty_incoming": sum(ls["qty_incoming"] for ls in location_stocks),
                "qty_backordered": backordered,
                "qty_available_via_assembly": sum(
                    ls["qty_available_via_assembly"] for ls in location_stocks
                ),
                "qty_recoverable_via_disassembly": sum(
                    ls["qty_recoverable_via_disassembly"] for ls in location_stocks
                ),
                "qty_outstanding": backordered + sum(ls["qty_pending"] for ls in location_stocks),
                "current_landed_unit_cost": _money(landed),
                "updated_at": ctx.instant(rng),
                "category_id": category[0] if category else None,
                "sub_category_id": sub[0] if sub else None,
                "category_name": category[1] if category else None,
                "sub_category_name": sub[1] if sub else None,
                "location_stocks": location_stocks,
            }
        )
    return rows


# -- transfer orders -------------------------------------------------------------------------
def _transfer_orders(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/transfer-orders")
    rows = []
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        source, destination = rng.sample(_WAREHOUSE_IDS, 2)
        day = created.date()
        rows.append(
            {
                "id": number,
                "number": f"TO-{number:05d}",
                "date": day,
                "arrival_date": day + timedelta(days=rng.randrange(1, 10)),
                "items_cost": _money(rng.randrange(1000, 500000)),
                "shipping_cost": _money(rng.choice((0, 1500, 2590, 7500))),
                "shipping_method": rng.choice(("LTL", "Parcel", "Courier", None)),
                "source_warehouse_id": source,
                "destination_warehouse_id": destination,
                "status": rng.choice(("draft", "in_transit", "received", "received")),
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


# -- declarations ------------------------------------------------------------------------------
STOCKS = ListEndpoint(
    path="/inventory/stocks",
    generate=_inventory_stocks,
    docs=_DOCS + "inventory/inventory-stock",
    default_size=100,
    sorts={
        "product.id": _stock_product_id,
        "product.sku": _by("sku"),
        "product.name": _by("name"),
        "updated_at": _by("updated_at"),
    },
    default_sort="updated_at:desc",
    default_count=30,
)

WAREHOUSES = ListEndpoint(
    path="/warehouses",
    generate=_warehouses,
    docs=_DOCS + "inventory/inventory-stock (location_stocks[].warehouse)",
    sorts=_ID_UPDATED,
    default_count=4,
)

LOCATIONS = ListEndpoint(
    path="/locations",
    generate=_locations,
    docs=_DOCS + "inventory/inventory-stock (location_stocks[].location)",
    sorts=_ID_UPDATED,
    default_count=10,
)

TRANSFER_ORDERS = ListEndpoint(
    path="/transfer-orders",
    generate=_transfer_orders,
    docs=_DOCS + "transfer-orders/create-a-transfer-order (list: CLI transfer_orders.py)",
    sorts=_ID_UPDATED,
    default_count=12,
)
