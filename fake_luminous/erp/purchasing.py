"""Purchasing: ``/suppliers``, ``/inbound-shipments``, ``/receiving-reports``,
``/purchase-order-shipments``.

Supplier ``n`` is exactly the full supplier a purchase order with ``supplier_id`` n embeds
(``shapes_purchase_orders._full_supplier``); the others come from the context's purchase orders.
"""

from __future__ import annotations

import copy
from datetime import datetime, time
from decimal import Decimal

from ..clock import as_utc
from ..lists import Context, ListEndpoint, Row
from ..shapes_common import _USERS
from ..shapes_purchase_orders import _full_supplier, supplier_summary
from .common import _DOCS, _ID_UPDATED, _between, _cents, _epoch, _money
from .inventory import _warehouse

# -- suppliers -----------------------------------------------------------------------------------
_SUPPLIER_REF = 39  # purchase orders' supplier_id is 1..39 (data.py)


def _supplier(ctx: Context, supplier_id: int) -> Row:
    """The full supplier (bank fields included) exactly as a purchase order embeds it."""
    return _full_supplier(supplier_summary(supplier_id, _epoch(ctx)), supplier_id)


def _suppliers(ctx: Context, count: int) -> list[Row]:
    return [_supplier(ctx, supplier_id) for supplier_id in range(1, count + 1)]


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
                "received_by": rng.choice(_USERS)[1],
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


# -- declarations ------------------------------------------------------------------------------
SUPPLIERS = ListEndpoint(
    path="/suppliers",
    generate=_suppliers,
    docs=_DOCS + "suppliers/update-a-supplier (list: CLI suppliers.py)",
    sorts=_ID_UPDATED,
    default_count=_SUPPLIER_REF,
)

INBOUND_SHIPMENTS = ListEndpoint(
    path="/inbound-shipments",
    generate=_inbound_shipments,
    docs=_DOCS + "inbound-shipments/inbound-shipments",
    sorts=_ID_UPDATED,
    default_count=15,
)

RECEIVING_REPORTS = ListEndpoint(
    path="/receiving-reports",
    generate=_receiving_reports,
    docs=_DOCS + "receiving-reports/single-receiving-report (list: CLI receiving_reports.py)",
    sorts=_ID_UPDATED,
    default_count=15,
)

PURCHASE_ORDER_SHIPMENTS = ListEndpoint(
    path="/purchase-order-shipments",
    generate=_purchase_order_shipments,
    docs=_DOCS + "purchase-order-shipments/list-shipments-for-a-purchase-order "
    "(list: CLI purchase_order_shipments.py)",
    sorts=_ID_UPDATED,
    default_count=20,
)
