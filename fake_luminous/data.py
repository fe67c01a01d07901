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
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .clock import UTC, as_utc
from .lists import Context

Row = dict[str, Any]

_CENT = Decimal("0.01")
BIG_MONEY = Decimal("12345678901234567890123456789012.34")  # 34 significant digits
#: product 2's unit_cost: 34 significant digits, 3 places
BIG_UNIT_COST = Decimal("1234567890123456789012345678901.234")

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
_CARRIERS = (
    ("ups", "ups_ground"),
    ("fedex", "fedex_2day"),
    ("usps", "usps_priority"),
    ("dhl", "dhl_express"),
)
_ADJ = (
    "Premium",
    "Basic",
    "Deluxe",
    "Compact",
    "Heavy-Duty",
    "Eco",
    "Classic",
    "Smart",
    "Mini",
    "Pro",
)
_NOUN = (
    "Widget",
    "Gadget",
    "Bracket",
    "Valve",
    "Sensor",
    "Cable",
    "Panel",
    "Filter",
    "Bolt",
    "Lamp",
    "Pump",
    "Hinge",
)
_TAG_DEFS = (
    (1, "seasonal", "Seasonal item", "sun", "#f5a623"),
    (2, "fragile", "Handle with care", "glass", "#d0021b"),
    (3, "bestseller", "Top seller", "star", "#7ed321"),
    (4, "clearance", "Clearance", "tag", "#4a90e2"),
    (5, "imported", None, "globe", "#9013fe"),
)
_CITIES = (
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
    ("Chicago", "IL", "60601"),
    ("Atlanta", "GA", "30301"),
    ("Boston", "MA", "02108"),
)
_INCOTERMS = ("EXW", "FOB", "CIF", "DDP", "DAP")
_PAYMENT_TERMS = ("Net 30", "Net 60", "Due on receipt", "Net 15")
_PAYMENT_TYPES = ("cash", "check", "wire", "credit_card")
_WAREHOUSES = ((1, "Main Warehouse"), (2, "East Coast DC"), (3, "West Coast DC"))
_LOCATIONS = ((1, "Aisle A"), (2, "Aisle B"), (3, "Receiving"), (4, "Overflow"))
_USERS = ((1, "Alice Admin"), (2, "Bob Buyer"), (3, "Carol Clerk"))
_UOMS = ((1, 1), (2, 6), (3, 12), (4, 24))  # (uom_id, base units per uom)
_PACKAGE_LEVELS = ("product", "box", "carton", "shipping", "pallet")
_PACKAGES = ("package", "flat_rate_envelope", "medium_flat_rate_box", "large_package")
_BANKS = (
    ("First National Bank", "FNBKUS44"),
    ("Bank of China", "BKCHCNBJ"),
    ("Harbor Trust", "HRBTUS33"),
    ("Deutsche Bank", "DEUTDEFF"),
)
_CREDENTIAL_PLACES = ("top", "supplier", "warehouse", "item_product")


def money(cents: int) -> Decimal:
    """Cents -> Decimal with exactly two places (``money(1230) == Decimal('12.30')``)."""
    return Decimal(cents).scaleb(-2)


def _product_name(pid: int) -> str:
    return f"{_ADJ[pid % len(_ADJ)]} {_NOUN[(pid // 3) % len(_NOUN)]} {pid}"


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
    next_shipment_item: int = 80001
    next_alt_sku: int = 1
    next_kit_item: int = 1
    next_bom: int = 1
    next_substitution: int = 1
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
    def _weight(self, lb: Decimal, unit: str) -> Row:
        """A weight as the docs write it: ``{"unit": "lb", "value": n}`` (or ounces)."""
        return {"unit": unit, "value": lb if unit == "lb" else lb * 16}

    def product(
        self, pid: int, created: datetime, updated: datetime, inactive: bool | None = None
    ) -> Row:
        """One product in the shape of the products-export docs sample.

        ``status`` (1 active / 0 inactive) is internal: it decides export membership and the
        server does not serve it (the docs sample has no ``status``).
        """
        rng = self.rng
        r = rng.random
        name = _product_name(pid)
        retail = rng.randrange(199, 49999)
        wholesale = retail * 6 // 10
        unit_cost = retail * 4 // 10
        landed = unit_cost + rng.randrange(0, 500)
        is_kit = pid > 5 and r() < 0.08
        tags = [
            {"id": t[0], "name": t[1], "description": t[2], "icon": t[3], "color": t[4]}
            for t in rng.sample(_TAG_DEFS, rng.randrange(0, 3))
        ]
        if inactive is None:
            inactive = r() < 0.03
        kit_items: list[Row] = []
        boms: list[Row] = []
        substitutions: list[Row] = []
        if is_kit:
            for _ in range(rng.randrange(2, 4)):
                uom_id, factor = _UOMS[int(r() * len(_UOMS))]
                qty = rng.randrange(1, 5)
                original = rng.randrange(99, 20000)
                price = original - original * rng.randrange(0, 30) // 100
                kit_items.append(
                    {
                        "id": self.next_kit_item,
                        "product_id": rng.randrange(1, pid),
                        "quantity": qty,
                        "uom_id": uom_id,
                        "base_uom_quantity": qty * factor,
                        "price": money(price),
                        "original_price": money(original),
                        "total": money(price * qty),
                    }
                )
                self.next_kit_item += 1
        elif pid > 3 and r() < 0.1:
            for _ in range(rng.randrange(1, 3)):
                boms.append({"id": self.next_bom})
                self.next_bom += 1
        if pid > 1 and r() < 0.15:
            for priority in range(1, rng.randrange(2, 4)):
                other = rng.randrange(1, pid)
                sub: Row = {"id": self.next_substitution, "priority": priority}
                x = r()
                if x < 0.3:  # as GET /products/{id} shows it
                    sub["product"] = {
                        "id": other,
                        "name": _product_name(other),
                        "sku": f"SKU-{other:05d}",
                    }
                elif x < 0.5:
                    sub["product_id"] = other
                    sub["created_at"] = created
                substitutions.append(sub)
                self.next_substitution += 1
        custom: dict[str, Any]
        x = r()
        if x < 0.4:
            custom = {}
        elif x < 0.8:
            custom = {"color": ("red", "blue", "green", "black")[pid % 4], "season": "2024"}
        else:
            custom = {
                "origin": "CN",
                "hs_code": f"8471.{pid % 100:02d}",
                "fragile": pid % 2 == 0,
                "ratings": [pid % 5 + 1, 4],
            }
        alternate_skus: list[Row] = []
        for i in range(rng.randrange(0, 3)):
            alternate_skus.append(
                {
                    "id": self.next_alt_sku,
                    "sku": f"ALT-{pid:05d}-{i}",
                    "unit_conversion_rule_id": rng.randrange(1, 40),
                }
            )
            self.next_alt_sku += 1
        row: Row = {
            "id": pid,
            "name": name,
            "description": None if r() < 0.1 else f"The {name.lower()} for everyday use.",
            "retail_price": money(retail),
            "wholesale_price": money(wholesale),
            "unit_cost": money(unit_cost),
            "sellable": r() < 0.9,
            "discontinued": r() < 0.05,
            "custom_fields": custom,
            "sku": f"SKU-{pid:05d}",
            "alternate_skus": alternate_skus,
            "upc": f"{rng.randrange(10**11, 10**12):012d}",
            "tags": tags,
            "substitutions": substitutions,
            "boms": boms,
            "type": "KIT" if is_kit else "PRODUCT",
            "kit_items": kit_items,
            "created_at": created,
            "updated_at": updated,
            "landed_cost": money(landed),
        }
        # dimensions in inches (2 places), each package level at least the one inside it
        length, width, height = (rng.randrange(100, 3000) for _ in range(3))
        per_carton = rng.randrange(1, 25)
        carton = (length + 250, (width + 50) * 2, (height + 50) * 2)
        levels: dict[str, tuple[int, int, int]] = {
            "product": (length, width, height),
            "box": (length + 50, width + 50, height + 50),
            "carton": carton,
            "shipping": (carton[0] + 100, carton[1] + 100, carton[2] + 100),
            "pallet": (4800, 4000, max((carton[2] + 100) * 3, 4800)),
        }
        for level in _PACKAGE_LEVELS:
            l_, w_, h_ = levels[level]
            row[f"{level}_length"] = money(l_)
            row[f"{level}_width"] = money(w_)
            row[f"{level}_height"] = money(h_)
        # weights: {unit, value} objects plus the _oz/_lb totals (3 places in lb)
        unit = "oz" if r() < 0.15 else "lb"
        lb = Decimal(rng.randrange(10, 50000)).scaleb(-3)
        box_lb = lb + Decimal(rng.randrange(50, 2000)).scaleb(-3)
        carton_lb = box_lb * per_carton + Decimal(rng.randrange(200, 3000)).scaleb(-3)
        shipping_lb = carton_lb + Decimal(rng.randrange(100, 5000)).scaleb(-3)
        pallet_lb = shipping_lb * rng.randrange(4, 40) + Decimal(40)
        for level, value in zip(
            _PACKAGE_LEVELS, (lb, box_lb, carton_lb, shipping_lb, pallet_lb), strict=True
        ):
            row[f"{level}_weight"] = self._weight(value, unit)
            row[f"{level}_weight_oz"] = value * 16
            row[f"{level}_weight_lb"] = value
        row["status"] = 0 if inactive else 1  # internal: not served
        return row

    def ensure_catalogue(self, products: dict[int, Row]) -> None:
        if products:
            self.catalogue = [
                (p["id"], p["sku"], p["name"], int(p["retail_price"] * 100))
                for p in products.values()
            ]
        else:
            self.catalogue = [
                (i, f"SKU-{i:05d}", _product_name(i), 199 + (i * 7919) % 20000)
                for i in range(1, 51)
            ]

    # -- sales orders ------------------------------------------------------------------
    def sales_order(
        self,
        order_id: int,
        created: datetime,
        updated: datetime,
        *,
        inactive: bool = False,
        order_status: str | None = None,
        item_prices: list[int] | None = None,
        shipment_ids: bool | None = None,
    ) -> Row:
        """One sales order in the shape of the sales-orders-export docs sample.

        ``shipments[]`` (empty in the sample) holds shipment objects shaped like the
        ``GET /sales-orders/{id}/shipments`` docs; on some orders (``shipment_ids=False``, else
        ~25% of shipped orders) the shipments and their items carry no ``id`` at all.
        """
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
        item_pids: list[int] = []
        cat = self.catalogue
        for i in range(nitems):
            pid, sku, pname, price = cat[int(r() * len(cat))]
            item_pids.append(pid)
            if item_prices is not None:
                price = item_prices[i]
            qty = rng.randrange(1, 6)
            line = price * qty
            tax = line * 8 // 100
            sub_cents += line
            tax_cents += tax
            shipped_q = qty if shipped else 0
            cancelled_q = qty if cancelled else 0
            items.append(
                {
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
                }
            )
            self.next_so_item += 1
        ship_cents = (0, 500, 799, 1250, 1999)[int(r() * 5)]
        total = sub_cents + tax_cents + ship_cents
        paid = 0 if order_status == "awaiting_payment" else total
        shipments: list[Row] = []
        customer_id = rng.randrange(1, 5000)
        if shipped:
            nship = 1 if nitems == 1 or r() < 0.7 else 2
            keyed = r() >= 0.25 if shipment_ids is None else shipment_ids
            city, state, zip_ = _CITIES[customer_id % len(_CITIES)]
            ship_to = {
                "name": f"Customer {customer_id}",
                "company": None if customer_id % 3 else f"Company {customer_id} LLC",
                "street1": f"{customer_id % 900 + 100} Main St",
                "street2": None if customer_id % 4 else f"Apt {customer_id % 90 + 1}",
                "street3": None,
                "city": city,
                "state": state,
                "postalCode": zip_,
                "country": "US",
                "phone": f"+1-555-02{customer_id % 100:02d}",
                "residential": customer_id % 3 != 0,
            }
            for s in range(nship):
                carrier, service = _CARRIERS[int(r() * len(_CARRIERS))]
                shipped_at = self.between(created, updated)
                sid = self.next_shipment
                self.next_shipment += 1
                ship_items: list[Row] = []
                total_oz = Decimal("0.00")
                for k in range(s, nitems, nship):
                    it = items[k]
                    oz = money(rng.randrange(50, 5000))
                    total_oz += oz * it["quantity"]
                    ship_items.append(
                        {
                            "id": self.next_shipment_item,
                            "shipment_id": sid,
                            "product_id": item_pids[k],
                            "order_item_id": it["order_item_id"],
                            "quantity": it["quantity"],
                            "weight": {"value": oz, "units": "ounces"},
                            "unit_price": it["price"],
                            "created_at": shipped_at,
                            "updated_at": shipped_at,
                        }
                    )
                    self.next_shipment_item += 1
                    if not keyed:
                        del ship_items[-1]["id"], ship_items[-1]["shipment_id"]
                shipment: Row = {
                    "id": sid,
                    "sales_order_id": order_id,
                    "ship_date": shipped_at.date(),
                    "tracking_number": f"1Z{rng.randrange(10**15, 10**16)}",
                    "bol_number": None if r() < 0.7 else f"BOL-{rng.randrange(10**8, 10**9)}",
                    "pro_number": None if r() < 0.8 else f"PRO-{rng.randrange(10**8, 10**9)}",
                    "partner_reference_number": None,
                    "is_return": False,
                    "carrier_code": carrier,
                    "service_code": service,
                    "package_code": _PACKAGES[int(r() * len(_PACKAGES))],
                    "shipment_cost": money(ship_cents // nship),
                    "insurance_cost": money(rng.randrange(0, 300) if r() < 0.2 else 0),
                    "warehouse_id": _WAREHOUSES[int(r() * len(_WAREHOUSES))][0],
                    "status": 1,
                    "ship_to": dict(ship_to),
                    "weight": {"value": total_oz, "units": "ounces"},
                    "dimensions": {
                        "units": "inches",
                        "length": money(rng.randrange(600, 3000)),
                        "width": money(rng.randrange(400, 2000)),
                        "height": money(rng.randrange(200, 1500)),
                    },
                    "items": ship_items,
                    "created_at": shipped_at,
                    "updated_at": shipped_at,
                }
                if not keyed:
                    del shipment["id"]
                shipments.append(shipment)
        fos: list[Row] = []
        for k in range(rng.randrange(0, 3)):
            fo_created = self.between(created, updated)
            fos.append(
                {
                    "fulfillment_order_id": self.next_fo,
                    "order_number": f"{order_number}-{'AB'[k]}",
                    "status": "shipped" if shipped else _FO_STATUSES[int(r() * len(_FO_STATUSES))],
                    "warehouse_group_id": rng.randrange(1, 6),
                    "created_at": fo_created,
                    "updated_at": self.between(fo_created, updated),
                }
            )
            self.next_fo += 1
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
    def purchase_order(
        self,
        po_id: int,
        created: datetime,
        updated: datetime,
        order_status: str | None = None,
        products: dict[int, Row] | None = None,
        *,
        full_supplier: bool | None = None,
        credentials: str | None = None,
    ) -> Row:
        """One purchase order in the shape of the purchase-orders docs sample.

        On ~10% of orders (``full_supplier=True``) the embedded ``supplier`` is the full object
        of the supplier update page (audit ids, admin ids, contacts, banking fields). On ~6%
        (``credentials`` = one of "top", "supplier", "warehouse", "item_product", or "none")
        a ``credentials`` object sits at the top level or inside that nested object. Both are
        undocumented here and sensitive: served on purpose.
        """
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
            items.append(
                {
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
                }
            )
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
            payments.append(
                {
                    "id": self.next_payment,
                    "payment_date": p_created.date(),
                    "payment_type": _PAYMENT_TYPES[int(r() * len(_PAYMENT_TYPES))],
                    "paid_amount": money(amount),
                    "remarks": None if r() < 0.5 else "Partial payment",
                    "external_id": f"PAY-{self.next_payment:07d}",
                    "created_by": {"id": user[0], "name": user[1]},
                    "created_at": p_created,
                    "updated_at": p_created,
                }
            )
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
        if full_supplier is None:
            full_supplier = r() < 0.1
        if credentials is None:
            credentials = (
                _CREDENTIAL_PLACES[int(r() * len(_CREDENTIAL_PLACES))] if r() < 0.06 else "none"
            )
        supplier: Row = {
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
        }
        if full_supplier:
            supplier = _full_supplier(supplier, supplier_id)
        row: Row = {
            "id": po_id,
            "order_numbers": numbers,
            "created_at": created,
            "updated_at": updated,
            "order_status": order_status,
            "order_date": order_date,
            "invoice_date": (
                None if r() < 0.2 else order_date + timedelta(days=rng.randrange(0, 10))
            ),
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
            "supplier": supplier,
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
        if credentials != "none":
            secret = {
                "api_key": f"fake_live_{rng.getrandbits(64):016x}",
                "secret": f"fake_secret_{rng.getrandbits(96):024x}",
            }
            if credentials == "top":
                row["credentials"] = secret
            elif credentials == "item_product":
                items[0]["product"]["credentials"] = secret
            else:
                row[credentials]["credentials"] = secret
        return row


def _full_supplier(base: Row, supplier_id: int) -> Row:
    """The supplier as the supplier update page shows it (banking data included)."""
    bank, swift = _BANKS[supplier_id % len(_BANKS)]
    admin = 100 + supplier_id % 7
    contact = {
        "id": 500 + supplier_id,
        "name": base["contact_name"],
        "email": base["contact_email"],
        "phone": base["contact_phone"],
    }
    return {
        "id": base["id"],
        "status": base["status"],
        "name": base["name"],
        "created_at": base["created_at"],
        "updated_at": base["updated_at"],
        "created_by": admin,
        "updated_by": admin,
        "description": base["description"],
        "street_address": base["street_address"],
        "city": base["city"],
        "state": base["state"],
        "zip": base["zip"],
        "country": base["country"],
        "factory_admin_id": admin,
        "supplier_admin_id": admin + 1,
        "contact_name": base["contact_name"],
        "contact_email": base["contact_email"],
        "contact_phone": base["contact_phone"],
        "bank_name": bank,
        "routing_number": f"0{21000000 + supplier_id * 37:08d}",
        "account_number": f"{9000000000 + supplier_id * 7919:010d}",
        "swift_code": swift,
        "default_payment_term": _PAYMENT_TERMS[supplier_id % len(_PAYMENT_TERMS)],
        "contacts": [
            contact,
            {
                "id": 600 + supplier_id,
                "name": f"Accounts {supplier_id}",
                "email": f"ap@supplier{supplier_id}.example.com",
                "phone": None,
            },
        ][: 1 + supplier_id % 2],
    }


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
