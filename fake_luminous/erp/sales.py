"""Sales: ``/invoices``, ``/returns``, ``/fulfillment-orders``.

Invoices embed a company (``customers._company``); returns and fulfillment orders come from the
context's sales orders.
"""

from __future__ import annotations

import random
from datetime import timedelta

from ..clock import as_utc
from ..lists import Context, ListEndpoint, Row
from ..shapes_common import _CITIES, _USERS, BIG_MONEY
from .common import _DOCS, _ID_UPDATED, _between, _catalogue, _cents, _money
from .customers import _COMPANY_REF, _company
from .inventory import _LOCATION_IDS, _WAREHOUSE_IDS

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
                price = _cents(BIG_MONEY)
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
                    "created_by": rng.choice(_USERS)[0],
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


# -- fulfillment orders ------------------------------------------------------------------------
def _address(rng: random.Random, customer_id: int, company: str | None) -> Row:
    city, state, zip_ = _CITIES[customer_id % len(_CITIES)]
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


# -- declarations ------------------------------------------------------------------------------
INVOICES = ListEndpoint(
    path="/invoices",
    generate=_invoices,
    docs=_DOCS + "invoices/invoices (payments[]: " + _DOCS + "invoices/single-invoice)",
    sorts=_ID_UPDATED,
    default_count=25,
)

RETURNS = ListEndpoint(
    path="/returns",
    generate=_returns,
    docs=_DOCS + "customer-returns/list-customer-returns",
    sorts=_ID_UPDATED,
    default_count=20,
)

FULFILLMENT_ORDERS = ListEndpoint(
    path="/fulfillment-orders",
    generate=_fulfillment_orders,
    docs=_DOCS + "fulfillment-orders/single-fulfillment-order (list: CLI)",
    sorts=_ID_UPDATED,
    default_count=25,
)
