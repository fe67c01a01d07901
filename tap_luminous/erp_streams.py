"""The rest of the ERP: inventory, invoices, returns, receiving, parties and catalogue lists.

Every stream here is a page-number list (tap_luminous/page_numbers.py) declared in a few lines:
name, path, key, and only what is particular (a page-size parameter, a stable sort, a full read
for snapshots). Rows that carry `updated_at` are read incrementally with the server-time
bookmark, like purchase orders, asking the server for `updated_at[gte]=YYYY-MM-DD` (the filters
page's date form for every GET list; none of these pages documents an instant); the others are
FULL_TABLE and read in full. None is selected by default: an
upgrade makes no request to a new endpoint until the user selects its stream.
Schemas: tap_luminous/schemas/<name>.json, each naming the docs page it comes from.
"""

from __future__ import annotations

import typing as t

from tap_luminous.children import ChildStream
from tap_luminous.page_numbers import PageNumberStream


class _ErpList(PageNumberStream):
    selected_by_default = False
    primary_keys = ("id",)


class _Snapshot(_ErpList):
    """A list without `updated_at` on its rows, or a snapshot: every run reads it in full."""

    replication_key = None


class InventoryStocksStream(_Snapshot):
    """Stock levels change all the time: a snapshot, walked in a stable order (the docs warn
    that the default `updated_at:desc` breaks paging)."""

    name = "inventory_stocks"
    path = "/inventory/stocks"
    sort = "product.id:asc"


class InvoicesStream(_ErpList):
    name = "invoices"
    path = "/invoices"


class CustomerReturnsStream(_ErpList):
    name = "customer_returns"
    path = "/returns"


class InboundShipmentsStream(_ErpList):
    name = "inbound_shipments"
    path = "/inbound-shipments"


class ReceivingReportsStream(_ErpList):
    name = "receiving_reports"
    path = "/receiving-reports"


class CompaniesStream(_ErpList):
    name = "companies"
    path = "/companies"


class SuppliersStream(_ErpList):
    name = "suppliers"
    path = "/suppliers"


class WarehousesStream(_ErpList):
    name = "warehouses"
    path = "/warehouses"


class LocationsStream(_ErpList):
    name = "locations"
    path = "/locations"


class UnitConversionRulesStream(_ErpList):
    name = "unit_conversion_rules"
    path = "/unit-conversion-rules"


class CustomFieldDefinitionsStream(_Snapshot):
    """A bare list (`{"data": [...]}`, no `meta`): one request returns every definition."""

    name = "custom_field_definitions"
    path = "/custom-fields"
    paginated = False


class ContactsStream(_ErpList):
    """Contact ids are strings. The documented contacts list pages by `limit`; the global list
    has no docs page and Luminous's CLI sends `per_page`: both are sent, with the same value."""

    name = "contacts"
    path = "/contacts"
    size_params = ("limit", "per_page")


class FulfillmentOrdersStream(_ErpList):
    name = "fulfillment_orders"
    path = "/fulfillment-orders"


class TransferOrdersStream(_ErpList):
    name = "transfer_orders"
    path = "/transfer-orders"


class BomsStream(_ErpList):
    name = "boms"
    path = "/boms"


class PurchaseOrderShipmentsStream(_ErpList):
    name = "purchase_order_shipments"
    path = "/purchase-order-shipments"


class PriceSchedulesStream(_ErpList):
    name = "price_schedules"
    path = "/price-schedules"
    size_params = ("limit",)


class ProductPricingStream(_Snapshot):
    name = "product_pricing"
    path = "/products/pricing"


# -- children -----------------------------------------------------------------------------------
class _ErpChild(ChildStream):
    selected_by_default = False
    primary_keys = ("id",)
    parent_key = "id"


class InventoryLocationStocksStream(_ErpChild):
    """Key `_location_stock_key`: the row's own `id` where the API sends one, else
    `<stock id>-<warehouse id>-<location id>` (older API versions send no id)."""

    name = "inventory_location_stocks"
    parent_stream_type = InventoryStocksStream
    parent_key_as = "inventory_stock_id"
    array_field = "location_stocks"
    primary_keys = ("_location_stock_key",)

    made_key = "_location_stock_key"
    made_key_description = "The row's id, else <stock id>-<warehouse id>-<location id>."

    def made_key_value(self, row: dict[str, t.Any], index: int) -> str:
        if row.get("id") is not None:
            return str(row["id"])
        warehouse = (row.get("warehouse") or {}).get("id")
        location = (row.get("location") or {}).get("id")
        return f"{row['inventory_stock_id']}-{warehouse}-{location}"


class InvoiceItemsStream(_ErpChild):
    name = "invoice_items"
    parent_stream_type = InvoicesStream
    parent_key_as = "invoice_id"
    array_field = "items"


class InvoicePaymentsStream(_ErpChild):
    name = "invoice_payments"
    parent_stream_type = InvoicesStream
    parent_key_as = "invoice_id"
    array_field = "payments"


class CustomerReturnItemsStream(_ErpChild):
    name = "customer_return_items"
    parent_stream_type = CustomerReturnsStream
    parent_key_as = "customer_return_id"
    array_field = "items"


class InboundShipmentItemsStream(_ErpChild):
    name = "inbound_shipment_items"
    parent_stream_type = InboundShipmentsStream
    parent_key_as = "inbound_shipment_id"
    array_field = "items"


class ReceivingReportItemsStream(_ErpChild):
    name = "receiving_report_items"
    parent_stream_type = ReceivingReportsStream
    parent_key_as = "receiving_report_id"
    array_field = "items"


PARENTS: tuple[type[PageNumberStream], ...] = (
    InventoryStocksStream,
    InvoicesStream,
    CustomerReturnsStream,
    InboundShipmentsStream,
    ReceivingReportsStream,
    CompaniesStream,
    SuppliersStream,
    WarehousesStream,
    LocationsStream,
    UnitConversionRulesStream,
    CustomFieldDefinitionsStream,
    ContactsStream,
    FulfillmentOrdersStream,
    TransferOrdersStream,
    BomsStream,
    PurchaseOrderShipmentsStream,
    PriceSchedulesStream,
    ProductPricingStream,
)
CHILDREN: tuple[type[ChildStream], ...] = (
    InventoryLocationStocksStream,
    InvoiceItemsStream,
    InvoicePaymentsStream,
    CustomerReturnItemsStream,
    InboundShipmentItemsStream,
    ReceivingReportItemsStream,
)
