"""Purchasing: purchase orders and their children, inbound shipments, receiving reports,
suppliers, purchase-order shipments.

The same domain as fake_luminous/erp/purchasing.py (purchase orders: fake_luminous/data.py).
"""

from __future__ import annotations

import typing as t

from tap_luminous.children import ChildStream
from tap_luminous.errors import ProtocolError
from tap_luminous.lazy import decoded
from tap_luminous.page_numbers import Listing, PageNumberStream
from tap_luminous.streams.kinds import ErpChild, ErpList


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
    deprecated_walk_prefix = "purchase_orders"
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


class _PurchaseOrderChild(ChildStream):
    parent_stream_type = PurchaseOrdersStream
    parent_key = "id"
    parent_key_as = "purchase_order_id"


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


class InboundShipmentsStream(ErpList):
    name = "inbound_shipments"
    path = "/inbound-shipments"


class InboundShipmentItemsStream(ErpChild):
    name = "inbound_shipment_items"
    parent_stream_type = InboundShipmentsStream
    parent_key_as = "inbound_shipment_id"
    array_field = "items"


class ReceivingReportsStream(ErpList):
    name = "receiving_reports"
    path = "/receiving-reports"


class ReceivingReportItemsStream(ErpChild):
    name = "receiving_report_items"
    parent_stream_type = ReceivingReportsStream
    parent_key_as = "receiving_report_id"
    array_field = "items"


class SuppliersStream(ErpList):
    name = "suppliers"
    path = "/suppliers"


class PurchaseOrderShipmentsStream(ErpList):
    name = "purchase_order_shipments"
    path = "/purchase-order-shipments"
