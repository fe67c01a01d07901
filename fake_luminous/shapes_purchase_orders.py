"""Purchase orders, in the shape of the purchase-orders docs sample (see ``data.py``).

The ``purchase_order`` method of ``data._Generator`` (it draws from the generator's one RNG, in
the order it always has) and ``_full_supplier``, the supplier object of the supplier update page
(``erp_rows``'s ``/suppliers`` rows are exactly it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .shapes_common import (
    _CITIES,
    _LOCATIONS,
    _PAYMENT_TERMS,
    _TAG_DEFS,
    _USERS,
    _WAREHOUSES,
    GeneratorState,
    Row,
    money,
)

_INCOTERMS = ("EXW", "FOB", "CIF", "DDP", "DAP")
_PAYMENT_TYPES = ("cash", "check", "wire", "credit_card")
_BANKS = (
    ("First National Bank", "FNBKUS44"),
    ("Bank of China", "BKCHCNBJ"),
    ("Harbor Trust", "HRBTUS33"),
    ("Deutsche Bank", "DEUTDEFF"),
)
_CREDENTIAL_PLACES = ("top", "supplier", "warehouse", "item_product")


class PurchaseOrderShapes(GeneratorState):
    """``data._Generator``'s purchase orders."""

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
        supplier = supplier_summary(supplier_id, self.start)
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


def supplier_summary(supplier_id: int, start: datetime) -> Row:
    """The supplier as a purchase order embeds it (the full one adds banking data and more)."""
    city, state, zip_ = _CITIES[supplier_id % len(_CITIES)]
    return {
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
