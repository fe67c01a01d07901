"""Inventory: stock levels and their locations, warehouses, locations, transfer orders.

The same domain as fake_luminous/erp/inventory.py.
"""

from __future__ import annotations

import typing as t

from tap_luminous.streams.kinds import ErpChild, ErpList, Snapshot


class InventoryStocksStream(Snapshot):
    """Stock levels change all the time: a snapshot, walked in a stable order (the docs warn
    that the default `updated_at:desc` breaks paging)."""

    name = "inventory_stocks"
    path = "/inventory/stocks"
    sort = "product.id:asc"


class InventoryLocationStocksStream(ErpChild):
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


class WarehousesStream(ErpList):
    name = "warehouses"
    path = "/warehouses"


class LocationsStream(ErpList):
    name = "locations"
    path = "/locations"


class TransferOrdersStream(ErpList):
    name = "transfer_orders"
    path = "/transfer-orders"
