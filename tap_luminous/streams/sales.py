"""Sales: the sales-order export and its children, invoices, customer returns, fulfillment orders.

The same domain as fake_luminous/erp/sales.py (and the export in fake_luminous/exports.py).
"""

from __future__ import annotations

import typing as t

from tap_luminous.children import ChildStream
from tap_luminous.export import ExportStream
from tap_luminous.streams.kinds import ErpChild, ErpList


class SalesOrdersStream(ExportStream):
    """Active sales orders from GET /sales-orders/export."""

    name = "sales_orders"
    path = "/sales-orders/export"
    primary_keys = ("order_id",)
    page_size_setting = "sales_orders_page_size"


class _SalesOrderChild(ChildStream):
    parent_stream_type = SalesOrdersStream
    parent_key = "order_id"
    parent_key_as = "order_id"


class SalesOrderItemsStream(_SalesOrderChild):
    name = "sales_order_items"
    array_field = "items"
    element_schema = "shared/sales_order_item.json"
    primary_keys = ("order_item_id",)


class SalesOrderFulfillmentOrdersStream(_SalesOrderChild):
    name = "sales_order_fulfillment_orders"
    array_field = "fulfillment_orders"
    element_schema = "shared/fulfillment_order.json"
    primary_keys = ("fulfillment_order_id",)


class SalesOrderShipmentsStream(_SalesOrderChild):
    """Shipments embedded in the export; their shape is undocumented.

    Key `_shipment_key`: the shipment's own `id` when it has one (stable across runs), else
    `<order_id>-<position>` (stable as long as the API keeps an order's shipments in order).
    """

    name = "sales_order_shipments"
    array_field = "shipments"
    element_schema = "shared/sales_order_shipment.json"
    primary_keys = ("_shipment_key",)

    made_key = "_shipment_key"
    made_key_description = "The shipment's id, else <order_id>-<position in the order>."

    def made_key_value(self, row: dict[str, t.Any], index: int) -> str:
        own_id = next((row[f] for f in ("id", "shipment_id") if row.get(f) is not None), None)
        return str(own_id) if own_id is not None else f"{row['order_id']}-{index}"


class InvoicesStream(ErpList):
    name = "invoices"
    path = "/invoices"


class InvoiceItemsStream(ErpChild):
    name = "invoice_items"
    parent_stream_type = InvoicesStream
    parent_key_as = "invoice_id"
    array_field = "items"


class InvoicePaymentsStream(ErpChild):
    name = "invoice_payments"
    parent_stream_type = InvoicesStream
    parent_key_as = "invoice_id"
    array_field = "payments"


class CustomerReturnsStream(ErpList):
    name = "customer_returns"
    path = "/returns"


class CustomerReturnItemsStream(ErpChild):
    name = "customer_return_items"
    parent_stream_type = CustomerReturnsStream
    parent_key_as = "customer_return_id"
    array_field = "items"


class FulfillmentOrdersStream(ErpList):
    name = "fulfillment_orders"
    path = "/fulfillment-orders"
