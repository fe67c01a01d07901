"""Every stream the tap offers, in one registry: `STREAMS`.

A stream is one small declaration in the module of its domain (the same domains as
fake_luminous/erp/): `sales`, `purchasing`, `inventory`, `customers`, `catalogue`. A parent names
its endpoint, key and family (`ExportStream`: since/cursor/cutoff, tap_luminous/export.py;
`PageNumberStream`: page numbers, tap_luminous/page_numbers.py); its schema is
tap_luminous/schemas/<name>.json (the loader adds the tap's own columns). A child names its parent
and the array it comes from (tap_luminous/children.py).

Everything else derives from `STREAMS`: the tap's discovery, the docs' stream table
(scripts/sync_plugin_settings.py) and the tests. tests/catalog_snapshot.json is the safety net: a
stream or column that is added, renamed or dropped fails tests/test_catalog_snapshot.py until the
snapshot is updated on purpose.
"""

from __future__ import annotations

import typing as t

from tap_luminous.streams.catalogue import (
    BomsStream,
    CustomFieldDefinitionsStream,
    ProductsStream,
    UnitConversionRulesStream,
)
from tap_luminous.streams.customers import (
    CompaniesStream,
    ContactsStream,
    PriceSchedulesStream,
    ProductPricingStream,
)
from tap_luminous.streams.inventory import (
    InventoryLocationStocksStream,
    InventoryStocksStream,
    LocationsStream,
    TransferOrdersStream,
    WarehousesStream,
)
from tap_luminous.streams.purchasing import (
    InboundShipmentItemsStream,
    InboundShipmentsStream,
    PurchaseOrderItemsStream,
    PurchaseOrderPaymentsStream,
    PurchaseOrderShipmentsStream,
    PurchaseOrdersStream,
    ReceivingReportItemsStream,
    ReceivingReportsStream,
    SuppliersStream,
)
from tap_luminous.streams.sales import (
    CustomerReturnItemsStream,
    CustomerReturnsStream,
    FulfillmentOrdersStream,
    InvoiceItemsStream,
    InvoicePaymentsStream,
    InvoicesStream,
    SalesOrderFulfillmentOrdersStream,
    SalesOrderItemsStream,
    SalesOrderShipmentsStream,
    SalesOrdersStream,
)

if t.TYPE_CHECKING:
    from singer_sdk import Stream

#: Every stream, parents first. The order is the order a run syncs them (and Meltano lists
#: them): append a new stream at the end of its group, so that existing outputs keep their order.
STREAMS: tuple[type[Stream], ...] = (
    # parents
    SalesOrdersStream,
    PurchaseOrdersStream,
    ProductsStream,
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
    # children (rows of a parent's nested array)
    SalesOrderItemsStream,
    SalesOrderFulfillmentOrdersStream,
    SalesOrderShipmentsStream,
    PurchaseOrderItemsStream,
    PurchaseOrderPaymentsStream,
    InventoryLocationStocksStream,
    InvoiceItemsStream,
    InvoicePaymentsStream,
    CustomerReturnItemsStream,
    InboundShipmentItemsStream,
    ReceivingReportItemsStream,
)


def stream_named(name: str) -> type[Stream]:
    """The declaration of stream `name` (KeyError if there is none)."""
    for stream_type in STREAMS:
        if vars(stream_type).get("name") == name:
            return stream_type
    raise KeyError(name)


__all__ = [
    "STREAMS",
    "BomsStream",
    "CompaniesStream",
    "ContactsStream",
    "CustomFieldDefinitionsStream",
    "CustomerReturnItemsStream",
    "CustomerReturnsStream",
    "FulfillmentOrdersStream",
    "InboundShipmentItemsStream",
    "InboundShipmentsStream",
    "InventoryLocationStocksStream",
    "InventoryStocksStream",
    "InvoiceItemsStream",
    "InvoicePaymentsStream",
    "InvoicesStream",
    "LocationsStream",
    "PriceSchedulesStream",
    "ProductPricingStream",
    "ProductsStream",
    "PurchaseOrderItemsStream",
    "PurchaseOrderPaymentsStream",
    "PurchaseOrderShipmentsStream",
    "PurchaseOrdersStream",
    "ReceivingReportItemsStream",
    "ReceivingReportsStream",
    "SalesOrderFulfillmentOrdersStream",
    "SalesOrderItemsStream",
    "SalesOrderShipmentsStream",
    "SalesOrdersStream",
    "SuppliersStream",
    "TransferOrdersStream",
    "UnitConversionRulesStream",
    "WarehousesStream",
    "stream_named",
]
