"""Products and sales orders, in the shapes of the export docs samples (see ``data.py``).

The ``product`` and ``sales_order`` methods of ``data._Generator``; they draw from its one RNG
(``GeneratorState.rng``), in the order they always have.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .shapes_common import (
    _CITIES,
    _TAG_DEFS,
    _WAREHOUSES,
    GeneratorState,
    Row,
    _product_name,
    money,
)

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
_UOMS = ((1, 1), (2, 6), (3, 12), (4, 24))  # (uom_id, base units per uom)
_PACKAGE_LEVELS = ("product", "box", "carton", "shipping", "pallet")
_PACKAGES = ("package", "flat_rate_envelope", "medium_flat_rate_box", "large_package")


class ExportShapes(GeneratorState):
    """``data._Generator``'s products (``product``, ``ensure_catalogue``) and sales orders."""

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
