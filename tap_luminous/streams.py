"""The streams: one small declaration each, with only what is particular to it.

A parent stream names its endpoint, key and family (ExportStream: since/cursor/cutoff;
PageNumberStream: page numbers); its schema is tap_luminous/schemas/<name>.json. A child stream
names its parent and the array it comes from (tap_luminous/children.py).
"""

from __future__ import annotations

import typing as t

from tap_luminous.children import ChildStream
from tap_luminous.errors import ProtocolError
from tap_luminous.export import ExportStream
from tap_luminous.lazy import decoded
from tap_luminous.page_numbers import Listing, PageNumberStream


class SalesOrdersStream(ExportStream):
    """Active sales orders from GET /sales-orders/export."""

    name = "sales_orders"
    path = "/sales-orders/export"
    primary_keys = ("order_id",)
    page_size_setting = "sales_orders_page_size"


class ProductsStream(ExportStream):
    """Active products from GET /products/export."""

    name = "products"
    path = "/products/export"
    primary_keys = ("id",)
    page_size_setting = "products_page_size"


class PurchaseOrdersStream(PageNumberStream):
    """Purchase orders from GET /purchase-orders, every configured `order_status` in turn.

    The docs page lists `updated_at` among the filters as `YYYY-MM-DD HH:mm:ss`, so an
    incremental run asks for instants (tap_luminous/page_numbers.py). Rows of another status
    mean the server ignored the `order_status` filter.
    """

    name = "purchase_orders"
    path = "/purchase-orders"
    primary_keys = ("id",)
    page_size_setting = "purchase_orders_page_size"
    concurrency_setting = "purchase_orders_concurrency"
    verify_setting = "purchase_orders_verify_walk"
    rewalks_setting = "purchase_orders_max_rewalks"
    row_noun = "purchase order"
    updated_filter = "datetime"

    def is_full_read(self) -> bool:
        return bool(self.config["purchase_orders_full_scan"]) or super().is_full_read()

    def listings(self) -> list[Listing]:
        return [{"order_status": status} for status in self.config["purchase_order_statuses"]]

    def check_rows(self, rows: list[dict[str, t.Any]], listing: Listing, where: str) -> None:
        """Rows of another order_status mean the filter was ignored (e.g. by a cache that
        ignores the query string)."""
        status = listing["order_status"]
        for position, row in enumerate(rows):
            got = decoded(row.get("order_status"))
            if got is None:
                continue  # a row that does not carry the field cannot be checked
            if not isinstance(got, str) or got.lower() != status:
                raise ProtocolError(
                    f"{where}: row {position + 1} (id {decoded(row.get('id'))}) has "
                    f"order_status={got!r}: the server ignored the order_status filter, so rows "
                    "of some statuses would be missing; stopping without advancing the bookmark"
                )


class _SalesOrderChild(ChildStream):
    parent_stream_type = SalesOrdersStream
    parent_key = "order_id"
    parent_key_as = "order_id"


class _PurchaseOrderChild(ChildStream):
    parent_stream_type = PurchaseOrdersStream
    parent_key = "id"
    parent_key_as = "purchase_order_id"


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


class PurchaseOrderItemsStream(_PurchaseOrderChild):
    name = "purchase_order_items"
    array_field = "items"
    element_schema = "shared/purchase_order_item.json"
    primary_keys = ("id",)


class PurchaseOrderPaymentsStream(_PurchaseOrderChild):
    name = "purchase_order_payments"
    array_field = "payments"
    element_schema = "shared/purchase_order_payment.json"
    primary_keys = ("id",)
