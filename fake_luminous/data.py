"""Deterministic generation of sales orders, purchase orders and products.

Everything is driven by one ``random.Random(seed)``; the same arguments give the same data.
Money is ``Decimal`` with 2 places (trailing zeros kept), datetimes are aware UTC values,
dates are ``datetime.date``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .clock import UTC, as_utc

Row = dict[str, Any]

_CENT = Decimal("0.01")
BIG_MONEY = Decimal("12345678901234567890123456789012.34")  # 34 significant digits

_ORDER_STATUS_WEIGHTS = (
    ("awaiting_shipment", 22),
    ("shipped", 30),
    ("completed", 25),
    ("cancelled", 8),
    ("on_hold", 7),
    ("awaiting_payment", 8),
)
_ORDER_STATUS_TABLE = [s for s, w in _ORDER_STATUS_WEIGHTS for _ in range(w)]
_FO_STATUSES = ("pending", "processing", "shipped", "cancelled")
_CARRIERS = (("ups", "ups_ground"), ("fedex", "fedex_2day"), ("usps", "usps_priority"),
             ("dhl", "dhl_express"))
_ADJ = ("Premium", "Basic", "Deluxe", "Compact", "Heavy-Duty", "Eco", "Classic", "Smart",
        "Mini", "Pro")
_NOUN = ("Widget", "Gadget", "Bracket", "Valve", "Sensor", "Cable", "Panel", "Filter",
         "Bolt", "Lamp", "Pump", "Hinge")
_TAG_DEFS = (
    (1, "seasonal", "Seasonal item", "sun", "#f5a623"),
    (2, "fragile", "Handle with care", "glass", "#d0021b"),
    (3, "bestseller", "Top seller", "star", "#7ed321"),
    (4, "clearance", "Clearance", "tag", "#4a90e2"),
    (5, "imported", None, "globe", "#9013fe"),
)
_CITIES = (("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Portland", "OR", "97201"),
           ("Chicago", "IL", "60601"), ("Atlanta", "GA", "30301"), ("Boston", "MA", "02108"))
_INCOTERMS = ("EXW", "FOB", "CIF", "DDP", "DAP")
_PAYMENT_TERMS = ("Net 30", "Net 60", "Due on receipt", "Net 15")
_PAYMENT_TYPES = ("cash", "check", "wire", "credit_card")
_WAREHOUSES = ((1, "Main Warehouse"), (2, "East Coast DC"), (3, "West Coast DC"))
_LOCATIONS = ((1, "Aisle A"), (2, "Aisle B"), (3, "Receiving"), (4, "Overflow"))
_USERS = ((1, "Alice Admin"), (2, "Bob Buyer"), (3, "Carol Clerk"))


def money(cents: int) -> Decimal:
    """Cents -> Decimal with exactly two places (``money(1230) == Decimal('12.30')``)."""
    return Decimal(cents).scaleb(-2)


def _qty(n: int) -> Decimal:
    return Decimal(n)


@dataclass
class _Generator:
    seed: int
    start: datetime
    end: datetime
    micro: bool
    rng: random.Random = field(init=False)
    span_s: int = field(init=False)
    next_so_item: int = 5001
    next_shipment: int = 70001
    next_fo: int = 9001
    next_po_item: int = 1
    next_payment: int = 1
    catalogue: list[tuple[int, str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        start = as_utc(self.start)
        if start.microsecond:
            start = start.replace(microsecond=0) + timedelta(seconds=1)
        self.start = start
        self.end = as_utc(self.end)
        self.span_s = max(1, int((self.end - start).total_seconds()))

    # -- time helpers ------------------------------------------------------------------
    def instant(self) -> datetime:
        rng = self.rng
        if self.micro:
            return self.start + timedelta(
                seconds=rng.randrange(self.span_s), microseconds=rng.randrange(1, 1_000_000)
            )
        return self.start + timedelta(seconds=rng.randrange(self.span_s))

    def created_updated(self) -> tuple[datetime, datetime]:
        a = self.instant()
        b = self.instant()
        return (a, b) if a <= b else (b, a)

    def between(self, lo: datetime, hi: datetime) -> datetime:
        span = int((hi - lo).total_seconds())
        if span <= 0:
            return lo
        return lo + timedelta(seconds=self.rng.randrange(span + 1))

    # -- products ----------------------------------------------------------------------
    def product(self, pid: int, created: datetime, updated: datetime,
                inactive: bool | None = None) -> Row:
        rng = self.rng
        r = rng.random
        name = f"{_ADJ[pid % len(_ADJ)]} {_NOUN[(pid // 3) % len(_NOUN)]} {pid}"
        retail = rng.randrange(199, 49999)
        wholesale = retail * 6 // 10
        unit_cost = retail * 4 // 10
        landed = unit_cost + rng.randrange(0, 500)
        is_kit = pid > 5 and r() < 0.08
        ntags = rng.randrange(0, 3)
        tags = [
            {"id": t[0], "name": t[1], "description": t[2], "icon": t[3], "color": t[4]}
            for t in rng.sample(_TAG_DEFS, ntags)
        ]
        metric = r() < 0.3
        if inactive is None:
            inactive = r() < 0.03
        kit_items: list[Row] = []
        boms: list[Row] = []
        substitutions: list[Row] = []
        if is_kit:
            for _ in range(rng.randrange(2, 4)):
                other = rng.randrange(1, pid)
                kit_items.append({"product_id": other, "sku": f"SKU-{other:05d}",
                                  "quantity": _qty(rng.randrange(1, 5))})
        elif pid > 3 and r() < 0.1:
            for _ in range(rng.randrange(1, 3)):
                boms.append({"product_id": rng.randrange(1, pid),
                             "quantity": money(rng.randrange(25, 1000))})
        if pid > 1 and r() < 0.15:
            other = rng.randrange(1, pid)
            substitutions.append({"product_id": other, "sku": f"SKU-{other:05d}"})
        custom: dict[str, Any]
        x = r()
        if x < 0.4:
            custom = {}
        elif x < 0.8:
            custom = {"color": ("red", "blue", "green", "black")[pid % 4], "season": "2024"}
        else:
            custom = {"origin": "CN", "hs_code": f"8471.{pid % 100:02d}", "fragile": pid % 2 == 0,
                      "ratings": [pid % 5 + 1, 4]}
        return {
            "id": pid,
            "name": name,
            "description": None if r() < 0.1 else f"The {name.lower()} for everyday use.",
            "retail_price": money(retail),
            "wholesale_price": money(wholesale),
            "unit_cost": money(unit_cost),
            "landed_cost": money(landed),
            "sellable": r() < 0.9,
            "discontinued": r() < 0.05,
            "custom_fields": custom,
            "sku": f"SKU-{pid:05d}",
            "alternate_skus": [f"ALT-{pid:05d}-{i}" for i in range(rng.randrange(0, 3))],
            "upc": f"{rng.randrange(10**11, 10**12):012d}",
            "tags": tags,
            "substitutions": substitutions,
            "boms": boms,
            "type": "KIT" if is_kit else "PRODUCT",
            "kit_items": kit_items,
            "length": money(rng.randrange(100, 6000)),
            "width": money(rng.randrange(100, 4000)),
            "height": money(rng.randrange(50, 3000)),
            "dimension_unit": "cm" if metric else "in",
            "weight": Decimal(rng.randrange(10, 50000)).scaleb(-3),
            "weight_unit": "kg" if metric else "lb",
            "status": 0 if inactive else 1,
            "created_at": created,
            "updated_at": updated,
        }

    def ensure_catalogue(self, products: dict[int, Row]) -> None:
        if products:
            self.catalogue = [
                (p["id"], p["sku"], p["name"], int(p["retail_price"] * 100))
                for p in products.values()
            ]
        else:
            self.catalogue = [
                (i, f"SKU-{i:05d}", f"{_ADJ[i % len(_ADJ)]} {_NOUN[(i // 3) % len(_NOUN)]} {i}",
                 199 + (i * 7919) % 20000)
                for i in range(1, 51)
            ]

    # -- sales orders ------------------------------------------------------------------
    def sales_order(self, order_id: int, created: datetime, updated: datetime, *,
                    inactive: bool = False, order_status: str | None = None,
                    item_prices: list[int] | None = None) -> Row:
        rng = self.rng
        r = rng.random
        if order_status is None:
            order_status = _ORDER_STATUS_TABLE[int(r() * len(_ORDER_STATUS_TABLE))]
        order_number = f"ORD-{created.year}-{order_id:06d}"
        shipped = order_status in ("shipped", "completed")
        cancelled = order_status == "cancelled"
        nitems = len(item_prices) if item_prices is not None else rng.randrange(1, 5)
        items: list[Row] = []
        sub_cents = 0
        tax_cents = 0
        cat = self.catalogue
        for i in range(nitems):
            _pid, sku, pname, price = cat[int(r() * len(cat))]
            if item_prices is not None:
                price = item_prices[i]
            qty = rng.randrange(1, 6)
            line = price * qty
            tax = line * 8 // 100
            sub_cents += line
            tax_cents += tax
            shipped_q = qty if shipped else 0
            cancelled_q = qty if cancelled else 0
            items.append({
                "order_item_id": self.next_so_item,
                "sku": sku,
                "name": pname,
                "quantity": qty,
                "price": money(price),
                "tax": money(tax),
                "quantity_ordered": qty,
                "quantity_shipped": shipped_q,
                "quantity_cancelled": cancelled_q,
                "created_at": created,
                "updated_at": self.between(created, updated),
            })
            self.next_so_item += 1
        ship_cents = (0, 500, 799, 1250, 1999)[int(r() * 5)]
        total = sub_cents + tax_cents + ship_cents
        paid = 0 if order_status == "awaiting_payment" else total
        shipments: list[Row] = []
        if shipped:
            nship = 1 if nitems == 1 or r() < 0.7 else 2
            for s in range(nship):
                carrier, service = _CARRIERS[int(r() * len(_CARRIERS))]
                part = items[s::nship]
                shipments.append({
                    "id": self.next_shipment,
                    "ship_date": self.between(created, updated).date(),
                    "tracking_number": f"1Z{rng.randrange(10**15, 10**16)}",
                    "carrier_code": carrier,
                    "service_code": service,
                    "shipping_cost": money(ship_cents // nship),
                    "items": [{"order_item_id": it["order_item_id"], "quantity": it["quantity"]}
                              for it in part],
                })
                self.next_shipment += 1
        fos: list[Row] = []
        for k in range(rng.randrange(0, 3)):
            fo_created = self.between(created, updated)
            fos.append({
                "fulfillment_order_id": self.next_fo,
                "order_number": f"{order_number}-{'AB'[k]}",
                "status": "shipped" if shipped else _FO_STATUSES[int(r() * len(_FO_STATUSES))],
                "warehouse_group_id": rng.randrange(1, 6),
                "created_at": fo_created,
                "updated_at": self.between(fo_created, updated),
            })
            self.next_fo += 1
        customer_id = rng.randrange(1, 5000)
        return {
            "order_id": order_id,
            "order_number": order_number,
            "status": "Inactive" if inactive else "Active",
            "order_status": order_status,
            "total_amount": money(total),
            "total_tax": money(tax_cents),
            "total_shipping": money(ship_cents),
            "total_paid": money(paid),
            "customer_id": customer_id,
            "customer_username": f"customer{customer_id}",
            "customer_email": f"customer{customer_id}@example.com",
            "order_date": created.date(),
            "created_at": created,
            "updated_at": updated,
            "items": items,
            "shipments": shipments,
            "fulfillment_orders": fos,
        }

    # -- purchase orders ---------------------------------------------------------------
    def purchase_order(self, po_id: int, created: datetime, updated: datetime,
                       order_status: str | None = None,
                       products: dict[int, Row] | None = None) -> Row:
        rng = self.rng
        r = rng.random
        if order_status is None:
            x = r()
            order_status = "active" if x < 0.85 else ("inactive" if x < 0.95 else "deleted")
        order_date = created.date()
        items: list[Row] = []
        order_cost = 0
        tax_total = 0
        qty_ordered = Decimal(0)
        qty_received = Decimal(0)
        cat = self.catalogue
        for _ in range(rng.randrange(1, 5)):
            pid, sku, pname, price = cat[int(r() * len(cat))]
            unit_price = max(1, price * 4 // 10)
            if r() < 0.1:
                unit = "kg"
                qty = Decimal(rng.randrange(500, 50000)).scaleb(-3)
            else:
                unit = "each"
                qty = Decimal(rng.randrange(1, 200))
            received = qty if r() < 0.5 else Decimal(0)
            discount = rng.randrange(0, 500) if r() < 0.2 else 0
            gross = (qty * unit_price).to_integral_value()
            line = int(gross) - discount
            tax = line * 5 // 100
            order_cost += line
            tax_total += tax
            qty_ordered += qty
            qty_received += received
            prod = (products or {}).get(pid)
            variant: dict[str, Any] = {}
            if r() < 0.5:
                variant = {"size": ("S", "M", "L")[pid % 3], "color": ("red", "blue")[pid % 2]}
            items.append({
                "id": self.next_po_item,
                "purchase_order_id": po_id,
                "created_at": created,
                "updated_at": self.between(created, updated),
                "quantity": qty,
                "unit_price": money(unit_price),
                "unit": unit,
                "tax": money(tax),
                "discount_amount": money(discount),
                "line_total": money(line),
                "received_quantity": received,
                "source_sku": f"SUP-{sku}",
                "product": {
                    "id": pid,
                    "name": pname,
                    "description": prod["description"] if prod else None,
                    "retail_price": money(price),
                    "wholesale_price": money(price * 6 // 10),
                    "variant_attributes": variant,
                    "sku": sku,
                    "upc": prod["upc"] if prod else f"{pid:012d}",
                    "created_at": prod["created_at"] if prod else self.start,
                    "updated_at": prod["updated_at"] if prod else self.start,
                },
            })
            self.next_po_item += 1
        shipping = (0, 2500, 4999, 12000)[int(r() * 4)]
        total_cost = order_cost + tax_total + shipping
        payments: list[Row] = []
        paid = 0
        for _ in range(rng.randrange(0, 3)):
            amount = total_cost // 2 if not payments else total_cost - paid
            paid += amount
            user = _USERS[int(r() * len(_USERS))]
            p_created = self.between(created, updated)
            payments.append({
                "id": self.next_payment,
                "payment_date": p_created.date(),
                "payment_type": _PAYMENT_TYPES[int(r() * len(_PAYMENT_TYPES))],
                "paid_amount": money(amount),
                "remarks": None if r() < 0.5 else "Partial payment",
                "external_id": f"PAY-{self.next_payment:07d}",
                "created_by": {"id": user[0], "name": user[1]},
                "created_at": p_created,
                "updated_at": p_created,
            })
            self.next_payment += 1
        supplier_id = rng.randrange(1, 40)
        city, state, zip_ = _CITIES[supplier_id % len(_CITIES)]
        scity, sstate, szip = _CITIES[int(r() * len(_CITIES))]
        wh = _WAREHOUSES[int(r() * len(_WAREHOUSES))]
        loc = _LOCATIONS[int(r() * len(_LOCATIONS))]
        numbers = [f"PO-{po_id:06d}"]
        if r() < 0.3:
            numbers.append(f"VEND-{rng.randrange(10000, 99999)}")
        tags = [
            {"id": t[0], "name": t[1], "description": t[2], "icon": t[3], "color": t[4]}
            for t in rng.sample(_TAG_DEFS, rng.randrange(0, 3))
        ]
        return {
            "id": po_id,
            "order_numbers": numbers,
            "created_at": created,
            "updated_at": updated,
            "order_status": order_status,
            "order_date": order_date,
            "invoice_date": (None if r() < 0.2
                             else order_date + timedelta(days=rng.randrange(0, 10))),
            "arrival_due_date": order_date + timedelta(days=rng.randrange(10, 60)),
            "requested_ship_date": order_date + timedelta(days=rng.randrange(3, 20)),
            "order_type": rng.randrange(1, 4),
            "incoterm": _INCOTERMS[int(r() * len(_INCOTERMS))],
            "tracking_info": None if r() < 0.4 else f"TRK{rng.randrange(10**8, 10**9)}",
            "payment_terms": _PAYMENT_TERMS[int(r() * len(_PAYMENT_TERMS))],
            "supplier_id": supplier_id,
            "item_count": len(items),
            "total_qty_ordered": qty_ordered,
            "total_qty_received": qty_received,
            "total_qty_remaining": qty_ordered - qty_received,
            "order_cost": money(order_cost),
            "total_tax": money(tax_total),
            "total_shipping_cost": money(shipping),
            "total_cost": money(total_cost),
            "total_paid": money(paid),
            "total_due": money(total_cost - paid),
            "down_payment": money(total_cost // 10 if r() < 0.3 else 0),
            "public_note": None if r() < 0.5 else f"Please deliver to dock {po_id % 7 + 1}.",
            "private_note": None if r() < 0.6 else "Negotiated price; check invoice.",
            "starred": r() < 0.1,
            "items": items,
            "supplier": {
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
                "created_at": self.start,
                "updated_at": self.start + timedelta(days=supplier_id),
            },
            "payments": payments,
            "ship_to": {
                "address_1": f"{po_id % 900 + 100} Commerce St",
                "address_2": None if r() < 0.6 else f"Suite {rng.randrange(1, 500)}",
                "city": scity,
                "state": sstate,
                "zip": szip,
                "country": "US",
                "default_ship_to_address": "ship_to_address",
            },
            "warehouse": {"id": wh[0], "name": wh[1]},
            "location": {"id": loc[0], "name": loc[1]},
            "tags": tags,
        }


def _recompute_sales_totals(row: Row) -> None:
    sub = sum((it["price"] * it["quantity"] for it in row["items"]), Decimal("0.00"))
    tax = sum((it["tax"] for it in row["items"]), Decimal("0.00"))
    row["total_tax"] = tax.quantize(_CENT)
    row["total_amount"] = (sub + tax + row["total_shipping"]).quantize(_CENT)
    row["total_paid"] = row["total_amount"]


class Dataset:
    """The fake tenant's data: ``sales_orders``, ``purchase_orders``, ``products``.

    Each is a ``dict[id, row]`` holding Python values (Decimal money, aware UTC datetimes,
    ``date`` objects), inactive/deleted rows included. Mutate through ``FakeLuminousAPI``
    methods (they keep the server's caches and indexes right); after editing these dicts
    directly, call ``FakeLuminousAPI.refresh()``.
    """

    def __init__(self, sales_orders: dict[int, Row] | None = None,
                 purchase_orders: dict[int, Row] | None = None,
                 products: dict[int, Row] | None = None,
                 generator: _Generator | None = None) -> None:
        self.sales_orders: dict[int, Row] = sales_orders if sales_orders is not None else {}
        self.purchase_orders: dict[int, Row] = (
            purchase_orders if purchase_orders is not None else {})
        self.products: dict[int, Row] = products if products is not None else {}
        now = datetime.now(UTC)
        self._gen = generator or _Generator(0, now - timedelta(days=365), now, False)
        if not self._gen.catalogue:
            self._gen.ensure_catalogue(self.products)
        self.special: dict[str, Any] = {}

    @classmethod
    def generate(cls, *, sales_orders: int = 1000, purchase_orders: int = 100,
                 products: int = 100, seed: int = 42, start: datetime | None = None,
                 end: datetime | None = None, timestamp_style: str = "Z",
                 microseconds: bool | None = None) -> Dataset:
        """Generate a deterministic dataset.

        ``updated_at``/``created_at`` fall in ``[start, end)`` (defaults: the year before now).
        Generated datetimes have whole seconds unless ``microseconds`` is true, which is the
        default when ``timestamp_style`` is "fractional" or "mixed".
        """
        end = as_utc(end) if end is not None else datetime.now(UTC).replace(microsecond=0)
        start = as_utc(start) if start is not None else end - timedelta(days=365)
        if microseconds is None:
            microseconds = timestamp_style in ("fractional", "mixed")
        gen = _Generator(seed, start, end, microseconds)

        prods: dict[int, Row] = {}
        for pid in range(1, products + 1):
            c, u = gen.created_updated()
            prods[pid] = gen.product(pid, c, u)
        gen.ensure_catalogue(prods)

        sos: dict[int, Row] = {}
        special: dict[str, Any] = {}
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
                row = gen.sales_order(oid, c, u, order_status="awaiting_shipment",
                                      item_prices=[1000])
                it = row["items"][0]
                it["quantity"] = it["quantity_ordered"] = 1
                it["quantity_shipped"] = it["quantity_cancelled"] = 0
                it["tax"] = Decimal("1.30")
                row["total_shipping"] = Decimal("1.00")
                _recompute_sales_totals(row)
                special["total_amount_12_30"] = oid
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
        for po_id in range(1, purchase_orders + 1):
            c, u = gen.created_updated()
            pos[po_id] = gen.purchase_order(po_id, c, u, products=prods)
        ds = cls(sos, pos, prods, generator=gen)
        ds.special = special
        return ds


def _clamp_children(row: Row) -> None:
    """Keep nested timestamps within [created_at, updated_at] after an edit of the parent."""
    lo, hi = row["created_at"], row["updated_at"]
    for key in ("items", "fulfillment_orders"):
        for child in row.get(key) or ():
            for f in ("created_at", "updated_at"):
                v = child.get(f)
                if isinstance(v, datetime):
                    child[f] = min(max(v, lo), hi)
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
    row = ds._gen.purchase_order(pid, fields.get("created_at", now), fields.get("updated_at", now),
                                 order_status="active", products=ds.products)
    row.update(fields)
    row["id"] = pid
    return row


def new_product(ds: Dataset, now: datetime, fields: dict[str, Any]) -> Row:
    pid = fields.get("id") or (max(ds.products, default=0) + 1)
    row = ds._gen.product(pid, fields.get("created_at", now), fields.get("updated_at", now),
                          inactive=False)
    row.update(fields)
    row["id"] = pid
    return row


__all__ = ["BIG_MONEY", "Dataset", "Row", "money"]
