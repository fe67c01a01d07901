"""Rows of the page-number list endpoints beyond purchase orders, in their docs pages' shapes.

One ``ListEndpoint`` per endpoint in ``ENDPOINTS``; each generator makes ``count`` rows from its
own RNG (``ctx.rng(path)``, or ``ctx.rng(f"{path}#{n}")`` for row ``n`` of an endpoint whose rows
other endpoints embed) so that no endpoint's data depends on another's count, and the output is a
pure function of (seed, counts, ctx).

Field lists are the docs samples' (``shared/luminous-api-surface.md`` §2, the pages named in each
``docs``), field by field and in the docs' order. Where a stored sample is cut off, at most two
fields beyond the cut-off are added, each marked ``# beyond the cut-off sample``.

Values are Python values like ``Dataset``'s: money is ``Decimal`` with exactly two places (exact
at any size, see ``_money``), datetimes are aware UTC, dates are ``date``.

Cross references, all resolvable:

- products, sales orders (``order_id``, ``order_item_id``), purchase orders (and their items)
  come from the ``Context``; generators that need them pick from them (sorted, so the choice is
  deterministic) and, for one row per context row (stocks, product pricing, fulfillment orders),
  make at most as many rows as the context holds.
- warehouses 1-3 and locations 1-4 are the ones ``data.py`` puts on purchase orders
  (``_WAREHOUSES``/``_LOCATIONS``, same names); every embedded ``warehouse``/``location`` object is
  exactly row ``n`` of ``/warehouses``/``/locations``; a location's ``parent_id`` is its
  warehouse [inferred: both share one shape]. ``/warehouses`` must be served with >= 3 rows and
  ``/locations`` with >= 4 for these to resolve (the defaults are 4 and 10).
- companies 1-8 are referenced by invoices (``customer``), contacts, price schedules and product
  pricing, with the company's own name; ``/companies`` defaults to 12 rows.
- ``/suppliers`` row ``n`` is exactly the full supplier ``data.py`` embeds in a purchase order
  whose ``supplier_id`` is ``n`` (1-39, the default count), bank fields included.
- ``/unit-conversion-rules`` ids 1-39 are the ``alternate_skus[].unit_conversion_rule_id`` of
  the products; ``/boms`` ids are the products' ``boms[].id``; ``/fulfillment-orders`` are the
  sales orders' ``fulfillment_orders[]``.

Inventory stocks: the row's ``id`` is a string (the docs sample's ``"<string>"``) that is not the
product id. The product is found from the row's ``sku`` (``SKU-00012`` is product 12, the format
``data.py`` gives every product), which is what the ``product.id`` sort uses
(``_stock_product_id``); no hidden key is served.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import Any

# data.py imports this module at its top, so its names are looked up at call time (``_data.X``)
from . import data as _data
from .clock import as_utc
from .lists import Context, ListEndpoint, Row


def _money(cents: int) -> Decimal:
    """Cents -> Decimal with exactly two places, exact at any size (``12.30``, 34 digits)."""
    return Decimal(f"{cents}E-2")


#: enough precision for exact arithmetic on 34-digit money (the default context has 28 digits)
_EXACT = DecimalContext(prec=100)


def _cents(value: Decimal) -> int:
    return int(value.scaleb(2, _EXACT))


def _between(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    span = int((hi - lo).total_seconds())
    if span <= 0:
        return lo
    return lo + timedelta(seconds=rng.randrange(span + 1))


def _epoch(ctx: Context) -> datetime:
    """The tenant's first instant, rounded up to a whole second as ``data._Generator`` does."""
    start = as_utc(ctx.start)
    if start.microsecond:
        start = start.replace(microsecond=0) + timedelta(seconds=1)
    return start


def _catalogue(ctx: Context) -> list[Row]:
    """The products, by id (or ``data.py``'s fallback catalogue of 50 when there are none)."""
    if ctx.products:
        return [ctx.products[pid] for pid in sorted(ctx.products)]
    rows = []
    for pid in range(1, 51):
        retail = 199 + (pid * 7919) % 20000
        rows.append(
            {
                "id": pid,
                "name": _data._product_name(pid),
                "sku": f"SKU-{pid:05d}",
                "description": None,
                "type": "PRODUCT",
                "retail_price": _money(retail),
                "wholesale_price": _money(retail * 6 // 10),
                "landed_cost": _money(retail * 4 // 10),
                "status": 1,
            }
        )
    return rows


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
    names = dict(_data._WAREHOUSES)
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
    names = dict(_data._LOCATIONS)
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


# -- companies (referenced by invoices, contacts, price schedules, product pricing) -----------
_COMPANY_REF = 8  # companies 1.._COMPANY_REF are referenced by other endpoints
_COMPANY_PREFIX = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay")
_COMPANY_SUFFIX = ("Corporation", "Retail", "Supply Co", "Trading", "LLC")
_CLIENT_TYPES = ("Retail", "Wholesale", "Distributor", "DTC")
_FIRST = ("John", "Maria", "Wei", "Aisha", "Carlos", "Emma", "Noah", "Priya", "Liam", "Sofia")
_LAST = ("Doe", "Smith", "Chen", "Khan", "Garcia", "Muller", "Rossi", "Patel", "Kim", "Silva")
#: price levels: (id, name, type, percent_increase)
_PRICE_LEVELS = (
    (1, "Standard", "percentage", Decimal("0")),
    (2, "Wholesale", "percentage", Decimal("15.5")),
    (3, "Distributor", "percentage", Decimal("22.75")),
)


def _company_name(number: int) -> str:
    prefix = _COMPANY_PREFIX[(number - 1) % len(_COMPANY_PREFIX)]
    return f"{prefix} {_COMPANY_SUFFIX[number % len(_COMPANY_SUFFIX)]} {number}"


def _price_level(ctx: Context, level: tuple[int, str, str, Decimal]) -> Row:
    at = _epoch(ctx) + timedelta(hours=level[0])
    return {
        "id": level[0],
        "created_at": at,
        "updated_at": at,
        "status": "active",
        "name": level[1],
        "type": level[2],
        "percent_increase": level[3],
    }


def _company(ctx: Context, number: int) -> Row:
    """Company ``number`` in the shape of ``GET /companies/{id}``."""
    rng = ctx.rng(f"/companies#{number}")
    name = _company_name(number)
    created, updated = ctx.created_updated(rng)
    city, state, zip_ = _data._CITIES[number % len(_data._CITIES)]
    address = f"{100 + number} Main St"
    line_2 = None if number % 3 else f"Suite {number * 10}"
    full = ", ".join(p for p in (address, line_2, city, f"{state} {zip_}", "USA") if p)
    addresses: list[Row] = []
    for k in range(rng.randrange(1, 4)):
        s_city, s_state, s_zip = _data._CITIES[(number + k) % len(_data._CITIES)]
        s_address = f"{200 + number * 3 + k} Warehouse Blvd"
        s_line_2 = None if rng.random() < 0.6 else f"Building {k + 1}"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        addresses.append(
            {
                "id": number * 10 + k,
                "company_id": number,
                "address": s_address,
                "city": s_city,
                "state": s_state,
                "postal_code": s_zip,
                "country": "USA",
                "created_at": created,
                "updated_at": _between(rng, created, updated),
                "company_name": name,
                "address_line_2": s_line_2,
                "full_address": ", ".join(
                    p for p in (s_address, s_line_2, s_city, f"{s_state} {s_zip}", "USA") if p
                ),
                "full_name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "phone": f"555-{rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                "email": f"{first.lower()}.{last.lower()}@company{number}.example.com",
                "is_default": k == 0,
            }
        )
    default = addresses[0]
    term = _data._PAYMENT_TERMS[number % len(_data._PAYMENT_TERMS)]
    level = _PRICE_LEVELS[number % len(_PRICE_LEVELS)] if number % 4 else None
    custom: dict[str, Any] = {}
    if rng.random() < 0.5:
        custom = {"Industry": rng.choice(("Manufacturing", "Retail")), "Region": state}
    return {
        "id": number,
        "status": "active" if number % 7 else "inactive",
        "name": name,
        "created_at": created,
        "updated_at": updated,
        "type": _CLIENT_TYPES[number % len(_CLIENT_TYPES)],
        "phone": f"555-{100 + number:03d}-{4567 + number:04d}",
        "address": address,
        "address_line_2": line_2,
        "city": city,
        "state": state,
        "postal_code": zip_,
        "country": "USA",
        "full_address": full,
        "shipping_first_name": default["first_name"],
        "shipping_last_name": default["last_name"],
        "shipping_email": default["email"],
        "shipping_phone": default["phone"],
        "shipping_address": default["address"],
        "shipping_city": default["city"],
        "shipping_state": default["state"],
        "shipping_postal_code": default["postal_code"],
        "shipping_country": default["country"],
        "shipping_full_address": default["full_address"],
        "payment_term": term,
        "tax_exempt": number % 5 == 0,
        "tax_rate": Decimal("0.00") if number % 5 == 0 else Decimal("8.25"),
        "due_date_days": {"Net 30": 30, "Net 60": 60, "Net 15": 15}.get(term, 0),
        "price_level": _price_level(ctx, level) if level else None,
        "notes": None if rng.random() < 0.5 else "Key account, requires special handling",
        "fein": f"{rng.randrange(10, 100)}-{rng.randrange(1000000, 10000000)}",
        "tags": [
            {"id": t[0], "name": t[1], "description": t[2], "icon": t[3], "color": t[4]}
            for t in rng.sample(_data._TAG_DEFS, rng.randrange(0, 3))
        ],
        "default_shipping": dict(default),
        "shipping_addresses": addresses,
        "custom_fields": custom,  # beyond the cut-off sample (the create page's body has it)
    }


def _companies(ctx: Context, count: int) -> list[Row]:
    return [_company(ctx, number) for number in range(1, count + 1)]


# -- suppliers -----------------------------------------------------------------------------------
_SUPPLIER_REF = 39  # purchase orders' supplier_id is 1..39 (data.py)


def _supplier(ctx: Context, supplier_id: int) -> Row:
    """The full supplier (bank fields included) exactly as a purchase order embeds it."""
    city, state, zip_ = _data._CITIES[supplier_id % len(_data._CITIES)]
    start = _epoch(ctx)
    base: Row = {
        "id": supplier_id,
        "status": 1 if supplier_id % 9 else 0,
        "name": f"Supplier {supplier_id} Ltd",
        "description": None if supplier_id % 4 == 0 else f"Supplier number {supplier_id}",
        "street_address": f"{100 + supplier_id} Industrial Way",
        "city": city,
        "state": state,
        "zip": zip_,
        "country": "US",
        "contact_name": f"Contact {supplier_id}",
        "contact_email": f"orders@supplier{supplier_id}.example.com",
        "contact_phone": f"+1-555-01{supplier_id:02d}",
        "created_at": start,
        "updated_at": start + timedelta(days=supplier_id),
    }
    return _data._full_supplier(base, supplier_id)


def _suppliers(ctx: Context, count: int) -> list[Row]:
    return [_supplier(ctx, supplier_id) for supplier_id in range(1, count + 1)]


# -- invoices ------------------------------------------------------------------------------------
_INVOICE_STATUSES = ("open", "open", "closed", "void")
_GATEWAYS = (("stripe", "card"), ("manual", "check"), ("manual", "cash"), ("authorize_net", "card"))


def _invoices(ctx: Context, count: int) -> list[Row]:
    """Invoice 1 totals 12.30; invoice 2 totals ``BIG_MONEY`` (34 digits), unpaid."""
    rng = ctx.rng("/invoices")
    cat = _catalogue(ctx)
    rows = []
    next_item = 1
    next_payment = 1
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        company = _company(ctx, rng.randrange(1, _COMPANY_REF + 1))
        ship = company["default_shipping"]
        items: list[Row] = []
        lines = 1 if number <= 2 else rng.randrange(1, 5)
        for _ in range(lines):
            product = cat[rng.randrange(len(cat))]
            qty = 1 if number <= 2 else rng.randrange(1, 10)
            price = _cents(product["retail_price"])
            if number == 1:
                price = 1230
            elif number == 2:
                price = _cents(_data.BIG_MONEY)
            discount = qty * price // 10 if number > 2 and rng.random() < 0.2 else 0
            items.append(
                {
                    "id": next_item,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                    "sku": product["sku"],
                    "name": product["name"],
                    "product_id": product["id"],
                    "qty": qty,
                    "unit_price": _money(price),
                    "discount": _money(discount),
                    "total": _money(qty * price - discount),
                }
            )
            next_item += 1
        shipping = 0 if number <= 2 else rng.choice((0, 0, 995, 1500, 2450))
        total = sum(_cents(it["total"]) for it in items) + shipping
        payments: list[Row] = []
        paid = 0
        plan = [total] if number == 1 else []
        if number > 2:
            x = rng.random()
            plan = [] if x < 0.3 else ([total] if x < 0.75 else [total // 2])
        for amount in plan:
            gateway, charge_type = rng.choice(_GATEWAYS)
            when = _between(rng, created, updated)
            payments.append(
                {
                    "id": next_payment,
                    "invoice_id": number,
                    "gateway": gateway,
                    "type": "payment",
                    "charge_type": charge_type,
                    "amount": _money(amount),
                    "date": when,
                    "status": "succeeded",
                    "external_id": f"ch_{rng.getrandbits(48):012x}",
                    "notes": None if rng.random() < 0.7 else "Paid on delivery",
                    "reference_id": f"REF-{next_payment:06d}",
                    "gateway_response": {
                        "status": "approved",
                        "code": "00",
                        "message": "Approved",
                        "metadata": f"txn={next_payment}",
                    },
                    "created_by": rng.choice(_data._USERS)[0],
                    "created_at": when,
                    "updated_at": when,
                    "deleted_at": None,
                }
            )
            paid += amount
            next_payment += 1
        status = "closed" if paid == total and number != 2 else rng.choice(_INVOICE_STATUSES[:2])
        rows.append(
            {
                "id": number,
                "created_at": created,
                "updated_at": updated,
                "status": status,
                "payment_status": "paid" if paid == total else ("partial" if paid else "unpaid"),
                "order_date": created,
                "ship_by_date": created + timedelta(days=rng.randrange(1, 15)),
                "approval_status": rng.choice(("approved", "approved", "pending")),
                "customer_po_number": None if rng.random() < 0.4 else f"CPO-{number:05d}",
                "payment_terms": company["payment_term"],
                "public_note": None if rng.random() < 0.6 else "Thank you for your business.",
                "private_note": None if rng.random() < 0.8 else "Check credit limit.",
                "total_qty": sum(it["qty"] for it in items),
                "total_shipping": _money(shipping),
                "total_discount": _money(sum(_cents(it["discount"]) for it in items)),
                "total": _money(total),
                "total_paid": _money(paid),
                "total_due": _money(total - paid),
                "warehouse_id": rng.choice(_WAREHOUSE_IDS),
                "ship_to": {
                    "address_1": ship["address"],
                    "address_2": ship["address_line_2"],
                    "city": ship["city"],
                    "state": ship["state"],
                    "zip": ship["postal_code"],
                    "country": ship["country"],
                },
                "quickbooks_invoice_id": None if rng.random() < 0.5 else str(rng.randrange(10**5)),
                "quickbooks_message": None,
                "customer": {
                    "id": company["id"],
                    "name": company["name"],
                    "address_1": company["address"],
                    "address_2": company["address_line_2"],
                    "city": company["city"],
                    "state": company["state"],
                    "zip": company["postal_code"],
                    "country": company["country"],
                    "phone": company["phone"],
                    "email": company["shipping_email"],
                    "created_at": company["created_at"],
                    "updated_at": company["updated_at"],
                },
                "items": items,
                # the list page's sample is cut off inside payments[]; their fields are the
                # single-invoice page's (https://docs.joinluminous.com/api-reference/invoices/
                # single-invoice), which shows the same invoice object in full
                "payments": payments,
            }
        )
    return rows


# -- customer returns ------------------------------------------------------------------------
def _returns(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/returns")
    orders = [ctx.sales_orders[k] for k in sorted(ctx.sales_orders)]
    if not orders:
        return []
    rows = []
    next_item = 1
    for number in range(1, count + 1):
        order = orders[rng.randrange(len(orders))]
        created = _between(rng, as_utc(order["created_at"]), as_utc(ctx.end))
        updated = _between(rng, created, as_utc(ctx.end))
        items: list[Row] = []
        lines = order["items"]
        for line in rng.sample(lines, rng.randrange(1, len(lines) + 1)) if lines else ():
            items.append(
                {
                    "id": next_item,
                    "sales_order_item_id": line["order_item_id"],
                    "sku": line["sku"],
                    "quantity": rng.randrange(1, line["quantity"] + 1),
                    "location_id": rng.choice(_LOCATION_IDS),
                    "lot_id": None if rng.random() < 0.7 else rng.randrange(1, 500),
                }
            )
            next_item += 1
        rows.append(
            {
                "id": number,
                "sales_order_id": order["order_id"],
                "status": rng.choice(("Pending", "Received", "Received")),
                "restock": rng.random() < 0.8,
                "order_date": created.date(),
                "transaction_type": rng.choice(("return-only", "refund-only", "return-and-refund")),
                "created_at": created,
                "updated_at": updated,
                "items": items,
            }
        )
    return rows


# -- inbound shipments -------------------------------------------------------------------------
def _inbound_shipments(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/inbound-shipments")
    orders = [ctx.purchase_orders[k] for k in sorted(ctx.purchase_orders)]
    if not orders:
        return []
    rows = []
    next_item = 1
    for number in range(1, count + 1):
        po = orders[rng.randrange(len(orders))]
        created = _between(rng, as_utc(po["created_at"]), as_utc(ctx.end))
        updated = _between(rng, created, as_utc(ctx.end))
        received = rng.random() < 0.6
        items: list[Row] = []
        for line in po["items"]:
            expected = line["quantity"]
            items.append(
                {
                    "id": next_item,
                    "external_item_id": f"EXT-IT-{next_item:06d}",
                    "external_id": str(rng.randrange(10**6, 10**7)),
                    "external_sku": line["source_sku"],
                    "expected_quantity": expected,
                    "received_quantity": expected if received else Decimal(0),
                    "unit_cost": line["unit_price"],
                    "purchase_order_item_id": line["id"],  # beyond the cut-off sample
                }
            )
            next_item += 1
        city, state, zip_ = po["supplier"]["city"], po["supplier"]["state"], po["supplier"]["zip"]
        number_str = po["order_numbers"][0]
        rows.append(
            {
                "id": number,
                "source": rng.choice(("shipbob", "shiphero", "manual")),
                "created_at": created,
                "updated_at": updated,
                "reconciled_at": _between(rng, created, updated) if received else None,
                "arrival_date": _between(rng, created, updated) if received else None,
                "location_id": po["location"]["id"],
                "from_warehouse_id": None,
                "purchase_order_id": po["id"],
                "purchase_order_shipment_id": None,
                "transfer_order_id": None,
                "app_integration_account_id": rng.randrange(1, 4),
                "external_shipment_id": f"ASN-{rng.randrange(10**7, 10**8)}",
                "external_warehouse_customer_id": str(rng.randrange(1000, 10000)),
                "external_po_number": number_str,
                "external_po_number_canonical": number_str.replace("-", ""),
                "external_status": "received" if received else "in_transit",
                "external_raw_status": "RECEIVED" if received else "IN_TRANSIT",
                "external_supplier_name": po["supplier"]["name"],
                "external_expected_arrival_date": datetime.combine(
                    po["arrival_due_date"], time(), created.tzinfo
                ),
                "external_warehouse_id": f"WH-{po['warehouse']['id']}",
                "external_tracking_numbers": [
                    f"1Z{rng.randrange(10**15, 10**16)}" for _ in range(rng.randrange(0, 3))
                ],
                "external_date_created": created,
                "external_date_updated": updated,
                "external_ship_from_address": {
                    "street1": po["supplier"]["street_address"],
                    "street2": None,
                    "street3": None,
                    "city": city,
                    "state": state,
                    "postal_code": zip_,
                    "country": po["supplier"]["country"],
                },
                "total_expected_quantity": sum(
                    (it["expected_quantity"] for it in items), Decimal(0)
                ),
                "total_received_quantity": sum(
                    (it["received_quantity"] for it in items), Decimal(0)
                ),
                "total_unit_cost": _money(sum(_cents(it["unit_cost"]) for it in items)),
                "external_notes": [] if rng.random() < 0.7 else ["Pallet wrapped", "Dock 3"],
                "external_system_url": f"https://3pl.example.com/asn/{number}",
                "items": items,
            }
        )
    return rows


# -- receiving reports ------------------------------------------------------------------------
#: the purchase-order fields ``receiving_reports[].purchase_orders[]`` shows (no items)
_RR_PO_FIELDS = (
    "id",
    "order_numbers",
    "created_at",
    "updated_at",
    "order_status",
    "order_date",
    "invoice_date",
    "arrival_due_date",
    "requested_ship_date",
    "order_type",
    "incoterm",
    "tracking_info",
    "payment_terms",
    "supplier_id",
    "item_count",
    "order_quantity",
    "order_cost",
    "total_tax",
    "total_shipping_cost",
    "total_cost",
    "total_paid",
    "total_due",
    "down_payment",
    "public_note",
    "private_note",
    "starred",
    "supplier",
)
_RR_SUPPLIER_FIELDS = (
    "id",
    "status",
    "name",
    "description",
    "street_address",
    "city",
    "state",
    "zip",
    "country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "created_at",
    "updated_at",
)


def _rr_purchase_order(po: Row) -> Row:
    out: Row = {}
    for name in _RR_PO_FIELDS:
        if name == "order_quantity":
            out[name] = po["total_qty_ordered"]
        elif name == "supplier":
            out[name] = {f: po["supplier"][f] for f in _RR_SUPPLIER_FIELDS}
        else:
            out[name] = copy.deepcopy(po[name])
    return out


def _receiving_reports(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/receiving-reports")
    orders = [ctx.purchase_orders[k] for k in sorted(ctx.purchase_orders)]
    if not orders:
        return []
    rows = []
    next_item = 1
    for number in range(1, count + 1):
        pos = rng.sample(orders, 2 if len(orders) > 1 and rng.random() < 0.2 else 1)
        lo = max(as_utc(po["created_at"]) for po in pos)
        created = _between(rng, lo, as_utc(ctx.end))
        updated = _between(rng, created, as_utc(ctx.end))
        received_at = _between(rng, created, updated)
        items: list[Row] = []
        for po in pos:
            for line in po["items"]:
                gross = _cents(line["line_total"]) + _cents(line["discount_amount"])
                discount = _cents(line["discount_amount"])
                percent = (
                    (Decimal(discount * 100) / Decimal(gross)).quantize(Decimal("0.01"))
                    if gross
                    else Decimal("0.00")
                )
                items.append(
                    {
                        "id": next_item,
                        "created_at": created,
                        "updated_at": _between(rng, created, updated),
                        "receiving_report_id": number,
                        "purchase_order_id": po["id"],
                        "purchase_order_item_id": line["id"],
                        "purchase_order_shipment_id": None,
                        "quantity": line["quantity"],
                        "unit": line["unit"],
                        "unit_price": line["unit_price"],
                        "tax": line["tax"],
                        "discount_amount": line["discount_amount"],
                        "discount_percent": percent,
                        "line_total": line["line_total"],
                        "remarks": None if rng.random() < 0.8 else "Box damaged",
                        "stock_id": None,
                        "received_quantity": line["quantity"],
                        "base_unit_of_measure_id": 1,  # beyond the cut-off sample
                    }
                )
                next_item += 1
        shipping = rng.choice((0, 0, 2500, 4999))
        tax = sum(_cents(it["tax"]) for it in items)
        rows.append(
            {
                "id": number,
                "created_at": created,
                "updated_at": updated,
                "status": rng.choice(("received", "received", "draft")),
                "received_date": received_at,
                "tracking_number": None if rng.random() < 0.3 else f"TRK{rng.randrange(10**9)}",
                "received_by": rng.choice(_data._USERS)[1],
                "received_at": received_at,
                "shipped_via": rng.choice(("UPS Freight", "FedEx", "Ocean", None)),
                "total_quantity": sum((it["received_quantity"] for it in items), Decimal(0)),
                "total_tax": _money(tax),
                "total_cost": _money(
                    sum(_cents(it["line_total"]) for it in items) + tax + shipping
                ),
                "shipping_cost": _money(shipping),
                "purchase_orders": [_rr_purchase_order(po) for po in pos],
                "items": items,
            }
        )
    return rows


# -- contacts ---------------------------------------------------------------------------------
def _contact_id(number: int) -> str:
    return str(990 + number)  # strings; "999" < "1000" as strings, not as numbers


def _contacts(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/contacts")
    rows = []
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        company = rng.randrange(1, _COMPANY_REF + 1)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        rows.append(
            {
                "id": _contact_id(number),
                "created_at": created,
                "updated_at": updated,
                "status": "active" if rng.random() < 0.9 else "inactive",
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{last.lower()}{number}@company{company}.example.com",
                "phone": f"555-{rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                "phone_2": None if rng.random() < 0.7 else f"555-555-{rng.randrange(1000, 10000)}",
                "full_name": f"{first} {last}",
                "company_id": str(company),
                "company": {"id": str(company), "name": _company_name(company)},
                "is_primary": rng.random() < 0.3,
                "receive_quotation_pdf": rng.random() < 0.5,
                "receive_purchase_order_pdf": rng.random() < 0.5,
                "receive_purchase_order_invoice_pdf": rng.random() < 0.5,
            }
        )
    return rows


# -- fulfillment orders ------------------------------------------------------------------------
def _address(rng: random.Random, customer_id: int, company: str | None) -> Row:
    city, state, zip_ = _data._CITIES[customer_id % len(_data._CITIES)]
    return {
        "name": f"Customer {customer_id}",
        "company": company,
        "street1": f"{customer_id % 900 + 100} Main St",
        "street2": None if rng.random() < 0.7 else f"Apt {rng.randrange(1, 90)}",
        "street3": None,
        "city": city,
        "state": state,
        "postal_code": zip_,
        "country": "US",
        "phone": f"+1-555-02{customer_id % 100:02d}",
    }


def _fulfillment_orders(ctx: Context, count: int) -> list[Row]:
    """The sales orders' ``fulfillment_orders[]`` (first ``count``, in order id order)."""
    rng = ctx.rng("/fulfillment-orders")
    orders = [ctx.purchase_orders[k] for k in sorted(ctx.purchase_orders)]
    rows: list[Row] = []
    for oid in sorted(ctx.sales_orders):
        order = ctx.sales_orders[oid]
        fos = order.get("fulfillment_orders") or []
        total = _cents(order["total_amount"])
        for k, fo in enumerate(fos):
            if len(rows) >= count:
                return rows
            share = total // len(fos) + (total % len(fos) if k == len(fos) - 1 else 0)
            customer = order["customer_id"]
            company = None if customer % 3 else f"Company {customer} LLC"
            bill_to = _address(rng, customer, company)
            linked: list[Row] = []
            if orders and rng.random() < 0.15:
                po = orders[rng.randrange(len(orders))]
                linked = [{"id": po["id"], "order_status": po["order_status"]}]
            rows.append(
                {
                    "id": fo["fulfillment_order_id"],
                    "order_number": fo["order_number"],
                    "order_key": f"fo_{rng.getrandbits(40):010x}",
                    "order_status": fo["status"],
                    "sales_order_id": oid,
                    "warehouse_group_id": fo["warehouse_group_id"],
                    "ship_by_date": (as_utc(fo["created_at"]) + timedelta(days=3)).date(),
                    "total": _money(share),
                    "bill_to": bill_to,
                    "ship_to": dict(bill_to)
                    if rng.random() < 0.8
                    else _address(rng, customer, None),
                    "invoice_to": dict(bill_to),
                    "sales_order": {},  # shape not given by the docs
                    "picklists": [],  # [{}] in the docs: shape not given
                    "fulfillment_order_items": [],  # [{}] in the docs: shape not given
                    "purchase_orders": linked,
                    "source_reference_identifier": None
                    if rng.random() < 0.5
                    else f"SRC-{rng.randrange(10**6)}",
                    "created_at": fo["created_at"],
                    "updated_at": fo["updated_at"],
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


# -- units of measure and conversion rules ---------------------------------------------------
#: (id, name, unit_class_id, base_unit, base units per unit); 1-4 are data._UOMS
_UNITS = (
    (1, "Each", 1, True, Decimal("1")),
    (2, "Pack of 6", 1, False, Decimal("6")),
    (3, "Dozen", 1, False, Decimal("12")),
    (4, "Case of 24", 1, False, Decimal("24")),
    (5, "Pound", 2, True, Decimal("1")),
    (6, "Kilogram", 2, False, Decimal("2.204623")),
    (7, "Ounce", 2, False, Decimal("0.0625")),
)


def _unit_ref(unit: tuple[int, str, int, bool, Decimal]) -> Row:
    return {"id": unit[0], "name": unit[1], "unit_class_id": unit[2], "base_unit": unit[3]}


def _unit_conversion_rules(ctx: Context, count: int) -> list[Row]:
    """Rule ``n`` carries the products' alternate SKUs whose ``unit_conversion_rule_id`` is n."""
    rng = ctx.rng("/unit-conversion-rules")
    alternates: dict[int, list[tuple[int, Row]]] = {}
    for pid in sorted(ctx.products):
        for alt in ctx.products[pid].get("alternate_skus") or ():
            alternates.setdefault(alt["unit_conversion_rule_id"], []).append((pid, alt))
    rows = []
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        base = _UNITS[0] if rng.random() < 0.7 else _UNITS[4]
        converted = rng.choice([u for u in _UNITS if u[2] == base[2] and u is not base])
        refs = alternates.get(number, [])
        rows.append(
            {
                "id": number,
                "created_at": created,
                "updated_at": updated,
                "status": "active",
                "base_unit_of_measure_id": base[0],
                "base_unit_of_measure": _unit_ref(base),
                "converted_unit_of_measure_id": converted[0],
                "converted_unit_of_measure": _unit_ref(converted),
                "conversion_factor": converted[4],
                "type": "SKU" if refs else "SYSTEM",
                "product_id": refs[0][0] if refs else None,
                "product": {} if refs else None,  # {} in the docs: shape not given
                "product_alternate_skus": [dict(alt) for _, alt in refs],
            }
        )
    return rows


# -- custom field definitions ------------------------------------------------------------------
_CUSTOM_FIELDS = (
    ("Industry", "dropdown", ("companies",), ("Retail", "Wholesale", "DTC")),
    ("Season", "dropdown", ("products",), ("Spring", "Summer", "Fall", "Winter")),
    ("Origin", "string", ("products",), ()),
    ("HS Code", "string", ("products", "purchase-orders"), ()),
    ("Launch date", "date", ("products",), ()),
    ("Min order qty", "number", ("products", "companies"), ()),
    ("Region", "string", ("companies", "sales-orders"), ()),
    ("Gift message", "string", ("sales-orders",), ()),
)


def _custom_fields(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/custom-fields")
    rows = []
    for number in range(1, count + 1):
        label, kind, objects, choices = _CUSTOM_FIELDS[(number - 1) % len(_CUSTOM_FIELDS)]
        if number > len(_CUSTOM_FIELDS):
            label = f"{label} {number}"
        created, updated = ctx.created_updated(rng)
        rows.append(
            {
                "id": number,
                "label": label,
                "type": kind,
                "object_types": list(objects),
                "options": {
                    "choices": list(choices),
                    "minLength": 0,
                    "maxLength": 255,
                    "helpText": None if rng.random() < 0.5 else f"Set the {label.lower()}",
                },
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


# -- boms -----------------------------------------------------------------------------------------
def _boms(ctx: Context, count: int) -> list[Row]:
    """BOM ``n`` is the one product(s) list as ``boms[{id: n}]``; its lines are other products."""
    rng = ctx.rng("/boms")
    cat = _catalogue(ctx)
    owner: dict[int, Row] = {}
    for product in cat:
        for bom in product.get("boms") or ():
            owner.setdefault(bom["id"], product)
    rows = []
    next_item = 1
    next_cost = 1
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        made = owner.get(number)
        name = f"{made['name']} BOM {number}" if made else f"BOM {number}"
        parts = [p for p in cat if made is None or p["id"] != made["id"]] or cat
        items: list[Row] = []
        for order, part in enumerate(rng.sample(parts, min(len(parts), rng.randrange(1, 5)))):
            unit = _UNITS[rng.randrange(4)]
            qty = rng.randrange(1, 6)
            items.append(
                {
                    "id": next_item,
                    "bom_id": number,
                    "product_id": part["id"],
                    "quantity": qty,
                    "product": {
                        "id": part["id"],
                        "name": part["name"],
                        "sku": part["sku"],
                        "description": part.get("description"),
                    },
                    "base_quantity": qty * int(unit[4]),
                    "note": None if rng.random() < 0.8 else "Use the blue variant",
                    "uom_id": unit[0],
                    "unit_of_measure": {"id": unit[0], "name": unit[1]},
                    "order": order + 1,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                }
            )
            next_item += 1
        extra_costs: list[Row] = []
        for cost_name in rng.sample(("Labour", "Packaging", "Machine time"), rng.randrange(0, 3)):
            qty = rng.randrange(1, 4)
            price = rng.randrange(50, 5000)
            extra_costs.append(
                {
                    "id": next_cost,
                    "name": cost_name,
                    "quantity": qty,
                    "unit_price": _money(price),
                    "line_total": _money(qty * price),
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                }
            )
            next_cost += 1
        rows.append(
            {
                "id": number,
                "name": name,
                "items": items,
                "extra_costs": extra_costs,
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


# -- purchase-order shipments ------------------------------------------------------------------
_SHIPMENT_STATUSES = ((1, "Pending"), (2, "In Transit"), (3, "Delivered"))


def _purchase_order_shipments(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/purchase-order-shipments")
    orders = [ctx.purchase_orders[k] for k in sorted(ctx.purchase_orders)]
    if not orders:
        return []
    rows = []
    next_item = 1
    next_cost = 1
    for number in range(1, count + 1):
        po = orders[rng.randrange(len(orders))]
        created = _between(rng, as_utc(po["created_at"]), as_utc(ctx.end))
        updated = _between(rng, created, as_utc(ctx.end))
        status = rng.choice(_SHIPMENT_STATUSES)
        synced = rng.random() < 0.6
        lines = po["items"]
        shipment_items: list[Row] = []
        for line in rng.sample(lines, rng.randrange(1, len(lines) + 1)) if lines else ():
            shipment_items.append(
                {
                    "id": next_item,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                    "supplier_purchase_order_shipment_id": number,
                    "supplier_purchase_order_id": po["id"],
                    "supplier_purchase_order_item_id": line["id"],
                    "quantity": line["quantity"],
                    "unit_of_measure_id": 1,
                }
            )
            next_item += 1
        costs: list[Row] = []
        for cost_name in rng.sample(("Freight", "Customs duty", "Insurance"), rng.randrange(0, 3)):
            qty = rng.randrange(1, 3)
            price = rng.randrange(500, 90000)
            costs.append(
                {
                    "id": next_cost,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                    "supplier_purchase_order_shipment_id": number,
                    "name": cost_name,
                    "quantity": qty,
                    "unit_price": _money(price),
                    "line_total": _money(qty * price),
                    "cost_allocation_type": rng.choice(("by_value", "by_quantity", "by_weight")),
                }
            )
            next_cost += 1
        warehouse_id = po["warehouse"]["id"]
        rows.append(
            {
                "id": number,
                "created_at": created,
                "updated_at": updated,
                "reference_number": f"PSH-{po['id']:06d}-{number}",
                "total_shipping_cost": _money(sum(_cents(c["line_total"]) for c in costs)),
                "shipping_date": _between(rng, created, updated),
                "warehouse_id": warehouse_id,
                "shipment_status_id": status[0],
                "sync_status": "synced" if synced else rng.choice(("pending", "failed")),
                "last_synced_at": _between(rng, created, updated) if synced else None,
                "last_synced_status": "ok" if synced else None,
                "shipment_status": {"id": status[0], "name": status[1]},
                "warehouse": _warehouse(ctx, warehouse_id),
                "shipment_items": shipment_items,
                "shipment_extra_costs": costs,
            }
        )
    return rows


# -- price schedules and product pricing -----------------------------------------------------
_SCHEDULE_REF = 5  # products' pricing_schedule ids are 1.._SCHEDULE_REF
_SCHEDULE_NAMES = ("Holiday Sale", "Volume Discount", "Clearance", "Trade Pricing", "Launch Promo")
_MODIFICATIONS = (("amount_off", "AMOUNT"), ("percent_off", "PERCENTAGE"), ("fixed", "FIXED"))


def _schedule_identity(number: int) -> tuple[str, str, str]:
    """(name, modification_type, the product-pricing spelling of it) of price schedule n."""
    name = f"{_SCHEDULE_NAMES[(number - 1) % len(_SCHEDULE_NAMES)]} {number}"
    modification, pricing_spelling = _MODIFICATIONS[number % len(_MODIFICATIONS)]
    return name, modification, pricing_spelling


def _price_schedules(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/price-schedules")
    rows = []
    next_tier = 1
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        name, modification, _ = _schedule_identity(number)
        is_global = rng.random() < 0.4
        start = created.date()
        levels = rng.sample(_PRICE_LEVELS, rng.randrange(1, len(_PRICE_LEVELS) + 1))
        companies = (
            [] if is_global else sorted(rng.sample(range(1, _COMPANY_REF + 1), rng.randrange(1, 4)))
        )
        tiers: list[Row] = []
        for quantity in (10, 25, 50)[: rng.randrange(1, 4)]:
            tiers.append(
                {
                    "id": next_tier,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                    "status": "active",
                    "price_schedule_id": str(number),
                    "quantity": quantity,
                    "discount_amount": _money(rng.randrange(10, 2000)),
                }
            )
            next_tier += 1
        rows.append(
            {
                "id": number,
                "name": name,
                "description": None if rng.random() < 0.3 else f"Special pricing: {name}",
                "status": "active" if rng.random() < 0.8 else "inactive",
                "start_date": start,
                "end_date": None
                if rng.random() < 0.3
                else start + timedelta(days=rng.randrange(7, 120)),
                "priority": rng.randrange(1, 11) * 10,
                "price_levels": [{"id": str(lv[0]), "name": lv[1]} for lv in sorted(levels)],
                "companies": [{"id": str(c), "name": _company_name(c)} for c in companies],
                "created_at": created,
                "updated_at": updated,
                "counting_algorithm": rng.choice(("each_item", "line_item")),
                "modification_type": modification,
                "global": is_global,
                "tiers": tiers,
            }
        )
    return rows


def _product_pricing(ctx: Context, count: int) -> list[Row]:
    """One row per product (the first ``count`` by id)."""
    rng = ctx.rng("/products/pricing")
    rows = []
    for product in _catalogue(ctx)[:count]:
        wholesale = _cents(product["wholesale_price"])
        schedule: Row | None = None
        if rng.random() < 0.7:
            number = rng.randrange(1, _SCHEDULE_REF + 1)
            name, _, spelling = _schedule_identity(number)
            levels = []
            for level_id, level_name, _, percent in _PRICE_LEVELS:
                amount = int((Decimal(wholesale) * percent / 100).to_integral_value())
                tiers = []
                for k, min_quantity in enumerate((0, 10, 50)[: rng.randrange(1, 4)]):
                    price = max(1, wholesale + amount - k * wholesale // 20)
                    tiers.append(
                        {
                            "min_quantity": min_quantity,
                            "price": _money(price),
                            "is_overridden": rng.random() < 0.1,
                        }
                    )
                levels.append(
                    {"id": level_id, "name": level_name, "amount": _money(amount), "tiers": tiers}
                )
            schedule = {
                "id": number,
                "name": name,
                "modification_type": spelling,
                "price_levels": levels,
            }
        company_pricing = [
            {
                "company": {"id": c, "name": _company_name(c)},
                "price": _money(wholesale - wholesale * rng.randrange(0, 15) // 100),
            }
            for c in sorted(rng.sample(range(1, _COMPANY_REF + 1), rng.randrange(0, 3)))
        ]
        rows.append(
            {
                "id": product["id"],
                "name": product["name"],
                "sku": product["sku"],
                "is_active": product.get("status", 1) == 1,
                "wholesale_price": product["wholesale_price"],
                "retail_price": product["retail_price"],
                "pricing_schedule": schedule,
                "company_pricing": company_pricing,
            }
        )
    return rows


# -- declarations ------------------------------------------------------------------------------
_DOCS = "https://docs.joinluminous.com/api-reference/"


def _by(name: str) -> Any:
    return lambda r: r[name]


_ID_UPDATED = {"id": _by("id"), "updated_at": _by("updated_at")}

ENDPOINTS: dict[str, ListEndpoint] = {
    endpoint.path: endpoint
    for endpoint in (
        ListEndpoint(
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
        ),
        ListEndpoint(
            path="/invoices",
            generate=_invoices,
            docs=_DOCS + "invoices/invoices (payments[]: " + _DOCS + "invoices/single-invoice)",
            sorts=_ID_UPDATED,
            default_count=25,
        ),
        ListEndpoint(
            path="/returns",
            generate=_returns,
            docs=_DOCS + "customer-returns/list-customer-returns",
            sorts=_ID_UPDATED,
            default_count=20,
        ),
        ListEndpoint(
            path="/inbound-shipments",
            generate=_inbound_shipments,
            docs=_DOCS + "inbound-shipments/inbound-shipments",
            sorts=_ID_UPDATED,
            default_count=15,
        ),
        ListEndpoint(
            path="/receiving-reports",
            generate=_receiving_reports,
            docs=_DOCS
            + "receiving-reports/single-receiving-report (list: CLI receiving_reports.py)",
            sorts=_ID_UPDATED,
            default_count=15,
        ),
        ListEndpoint(
            path="/companies",
            generate=_companies,
            docs=_DOCS + "companies/company (list: CLI companies.py)",
            sorts=_ID_UPDATED,
            default_count=12,
        ),
        ListEndpoint(
            path="/suppliers",
            generate=_suppliers,
            docs=_DOCS + "suppliers/update-a-supplier (list: CLI suppliers.py)",
            sorts=_ID_UPDATED,
            default_count=_SUPPLIER_REF,
        ),
        ListEndpoint(
            path="/warehouses",
            generate=_warehouses,
            docs=_DOCS + "inventory/inventory-stock (location_stocks[].warehouse)",
            sorts=_ID_UPDATED,
            default_count=4,
        ),
        ListEndpoint(
            path="/locations",
            generate=_locations,
            docs=_DOCS + "inventory/inventory-stock (location_stocks[].location)",
            sorts=_ID_UPDATED,
            default_count=10,
        ),
        ListEndpoint(
            path="/unit-conversion-rules",
            generate=_unit_conversion_rules,
            docs=_DOCS + "unit-conversion-rules/list-unit-conversion-rules",
            sorts=_ID_UPDATED,
            default_count=39,
        ),
        ListEndpoint(
            path="/custom-fields",
            generate=_custom_fields,
            docs=_DOCS + "custom-fields/get-custom-field-definitions",
            sorts=_ID_UPDATED,
            paginated=False,
            default_count=10,
        ),
        ListEndpoint(
            path="/contacts",
            generate=_contacts,
            docs=_DOCS + "companies/company-contacts (global list: CLI contacts.py)",
            size_param="limit",
            default_size=10,
            sorts={"id": lambda r: int(r["id"]), "updated_at": _by("updated_at")},
            default_count=30,
        ),
        ListEndpoint(
            path="/fulfillment-orders",
            generate=_fulfillment_orders,
            docs=_DOCS + "fulfillment-orders/single-fulfillment-order (list: CLI)",
            sorts=_ID_UPDATED,
            default_count=25,
        ),
        ListEndpoint(
            path="/transfer-orders",
            generate=_transfer_orders,
            docs=_DOCS + "transfer-orders/create-a-transfer-order (list: CLI transfer_orders.py)",
            sorts=_ID_UPDATED,
            default_count=12,
        ),
        ListEndpoint(
            path="/boms",
            generate=_boms,
            docs=_DOCS + "boms/single-bom (list: CLI boms.py)",
            sorts=_ID_UPDATED,
            default_count=20,
        ),
        ListEndpoint(
            path="/purchase-order-shipments",
            generate=_purchase_order_shipments,
            docs=_DOCS + "purchase-order-shipments/list-shipments-for-a-purchase-order "
            "(list: CLI purchase_order_shipments.py)",
            sorts=_ID_UPDATED,
            default_count=20,
        ),
        ListEndpoint(
            path="/price-schedules",
            generate=_price_schedules,
            docs=_DOCS + "pricing/price-schedules",
            size_param="limit",
            default_size=10,
            sorts=_ID_UPDATED,
            default_count=12,
        ),
        ListEndpoint(
            path="/products/pricing",
            generate=_product_pricing,
            docs=_DOCS + "products/all-products-pricing",
            sorts={"id": _by("id")},
            default_count=30,
        ),
    )
}


def generate_lists(ctx: Context, counts: Mapping[str, int] | None = None) -> dict[str, list[Row]]:
    """Every endpoint's rows: ``counts[path]`` of each (default ``default_count``)."""
    counts = counts or {}
    return {
        path: endpoint.generate(ctx, counts.get(path, endpoint.default_count))
        for path, endpoint in ENDPOINTS.items()
    }


__all__ = ["ENDPOINTS", "generate_lists"]
