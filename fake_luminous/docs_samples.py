# ruff: noqa: E501  (the samples are kept exactly as the docs show them, long lines included)
"""The three docs sample responses, exactly as the docs show them (placeholders included).

Copied from the stored docs pages (``shared/api-docs/``):

- ``SALES_ORDERS_EXPORT_SAMPLE``: the whole example response of ``GET /sales-orders/export``
  (sales-orders-export.txt), envelope included (``has_more: true``, its ``next_cursor``).
- ``PURCHASE_ORDERS_SAMPLE``: the whole example response of ``GET /purchase-orders``
  (purchase-orders.txt), ``meta`` as the docs show it (``last_page: 5``, ``total: 50``).
- ``PRODUCT_SAMPLE``: the example product object of ``GET /products/export``
  (products-export.txt). The stored page ends inside it, after ``"box_weight": {"unit": "lb",``.
  ``PRODUCT_SAMPLE_DOCS_PART`` is the text the docs show, up to that point;
  ``PRODUCT_SAMPLE_COMPLETION`` is OURS, the minimal completion: it closes ``box_weight`` with
  ``"value": 123`` and closes the object. Nothing else is added.
- The products page shows no response envelope. ``products_export_body()`` builds one in the
  style of the sales sample (OURS): ``next_cursor`` = ``PRODUCTS_EXPORT_CURSOR``,
  ``has_more: true``, ``meta: {"rows": 100, "cutoff": PRODUCTS_EXPORT_CUTOFF}`` (the sales sample
  says ``rows: 1000``, its default limit, next to one row; 100 is the products default limit).

``FakeLuminousAPI(docs_samples=True)`` serves these bodies (see the package docstring). The
``*_body()`` functions return fresh decoded copies (numbers with a fraction as ``Decimal``).
"""

from __future__ import annotations

from typing import Any

from .serialize import decode

SALES_ORDERS_EXPORT_SAMPLE = """\
{
  "data": [
    {
      "order_id": 1001,
      "order_number": "ORD-2024-001",
      "status": "Active",
      "order_status": "awaiting_shipment",
      "total_amount": 128.23,
      "total_tax": 15.75,
      "total_shipping": 12.5,
      "total_paid": 128.23,
      "customer_id": 42,
      "customer_username": "johndoe",
      "customer_email": "john@example.com",
      "order_date": "2024-01-15",
      "created_at": "2024-01-15T10:30:00Z",
      "updated_at": "2024-01-15T10:30:00Z",
      "items": [
        {
          "order_item_id": 5001,
          "sku": "WIDGET-001",
          "name": "Premium Widget",
          "quantity": 2,
          "price": 49.99,
          "tax": 7.5,
          "quantity_ordered": 2,
          "quantity_shipped": 0,
          "quantity_cancelled": 0,
          "created_at": "2024-01-15T10:30:00Z",
          "updated_at": "2024-01-15T10:30:00Z"
        }
      ],
      "shipments": [],
      "fulfillment_orders": [
        {
          "fulfillment_order_id": 9001,
          "order_number": "ORD-2024-001-A",
          "status": "pending",
          "warehouse_group_id": 3,
          "created_at": "2024-01-15T10:31:00Z",
          "updated_at": "2024-01-15T10:31:00Z"
        }
      ]
    }
  ],
  "next_cursor": "eyJ2IjoxLCJtb2RlIjoiZXhwb3J0In0.abc123",
  "has_more": true,
  "meta": {
    "rows": 1000,
    "cutoff": "2024-01-16T00:00:00Z"
  }
}
"""

PURCHASE_ORDERS_SAMPLE = """\
{
  "data": [
    {
      "id": 123,
      "order_numbers": [
        "<string>"
      ],
      "created_at": "2023-11-07T05:31:56Z",
      "updated_at": "2023-11-07T05:31:56Z",
      "order_status": "active",
      "order_date": "2023-12-25",
      "invoice_date": "2023-12-25",
      "arrival_due_date": "2023-12-25",
      "requested_ship_date": "2023-12-25",
      "order_type": 123,
      "incoterm": "<string>",
      "tracking_info": "<string>",
      "payment_terms": "<string>",
      "supplier_id": 123,
      "item_count": 123,
      "total_qty_ordered": 123,
      "total_qty_received": 123,
      "total_qty_remaining": 123,
      "order_cost": 123,
      "total_tax": 123,
      "total_shipping_cost": 123,
      "total_cost": 123,
      "total_paid": 123,
      "total_due": 123,
      "down_payment": 123,
      "public_note": "<string>",
      "private_note": "<string>",
      "starred": true,
      "items": [
        {
          "id": 123,
          "purchase_order_id": 123,
          "created_at": "2023-11-07T05:31:56Z",
          "updated_at": "2023-11-07T05:31:56Z",
          "quantity": 123,
          "unit_price": 123,
          "unit": "<string>",
          "tax": 123,
          "discount_amount": 123,
          "line_total": 123,
          "received_quantity": 123,
          "source_sku": "<string>",
          "product": {
            "id": 123,
            "name": "<string>",
            "description": "<string>",
            "retail_price": 123,
            "wholesale_price": 123,
            "variant_attributes": {},
            "sku": "<string>",
            "upc": "<string>",
            "created_at": "2023-11-07T05:31:56Z",
            "updated_at": "2023-11-07T05:31:56Z"
          }
        }
      ],
      "supplier": {
        "id": 123,
        "status": 123,
        "name": "<string>",
        "description": "<string>",
        "street_address": "<string>",
        "city": "<string>",
        "state": "<string>",
        "zip": "<string>",
        "country": "<string>",
        "contact_name": "<string>",
        "contact_email": "<string>",
        "contact_phone": "<string>",
        "created_at": "2023-11-07T05:31:56Z",
        "updated_at": "2023-11-07T05:31:56Z"
      },
      "payments": [
        {
          "id": 123,
          "payment_date": "2023-12-25",
          "payment_type": "cash",
          "paid_amount": 123,
          "remarks": "<string>",
          "external_id": "<string>",
          "created_by": {
            "id": 123,
            "name": "<string>"
          },
          "created_at": "2023-11-07T05:31:56Z",
          "updated_at": "2023-11-07T05:31:56Z"
        }
      ],
      "ship_to": {
        "address_1": "<string>",
        "address_2": "<string>",
        "city": "<string>",
        "state": "<string>",
        "zip": "<string>",
        "country": "<string>",
        "default_ship_to_address": "ship_to_address"
      },
      "warehouse": {
        "id": 123,
        "name": "<string>"
      },
      "location": {
        "id": 123,
        "name": "<string>"
      },
      "tags": [
        {
          "id": 123,
          "name": "<string>",
          "description": "<string>",
          "icon": "<string>",
          "color": "<string>"
        }
      ]
    }
  ],
  "meta": {
    "current_page": 1,
    "from": 1,
    "last_page": 5,
    "per_page": 10,
    "to": 10,
    "total": 50
  }
}
"""

#: The products export sample object up to where the stored docs page ends (as the docs show it).
PRODUCT_SAMPLE_DOCS_PART = """\
{
  "id": 123,
  "name": "<string>",
  "description": "<string>",
  "retail_price": 123,
  "wholesale_price": 123,
  "unit_cost": 123,
  "sellable": true,
  "discontinued": true,
  "custom_fields": {},
  "sku": "<string>",
  "alternate_skus": [
    {"id": 123, "sku": "<string>", "unit_conversion_rule_id": 123}
  ],
  "upc": "<string>",
  "tags": [
    {"id": 123, "name": "<string>", "description": "<string>", "icon": "<string>", "color": "<string>"}
  ],
  "substitutions": [ {} ],
  "boms": [ {"id": 123} ],
  "type": "PRODUCT",
  "kit_items": [
    {"id": 123, "product_id": 123, "quantity": 123, "uom_id": 123, "base_uom_quantity": 123,
     "price": 123, "original_price": 123, "total": 123}
  ],
  "created_at": "2023-11-07T05:31:56Z",
  "updated_at": "2023-11-07T05:31:56Z",
  "landed_cost": 123,
  "product_length": 123, "product_width": 123, "product_height": 123,
  "box_length": 123, "box_width": 123, "box_height": 123,
  "carton_length": 123, "carton_width": 123, "carton_height": 123,
  "shipping_length": 123, "shipping_width": 123, "shipping_height": 123,
  "pallet_length": 123, "pallet_width": 123, "pallet_height": 123,
  "product_weight": {"unit": "lb", "value": 123},
  "product_weight_oz": 123,
  "product_weight_lb": 123,
  "box_weight": {"unit": "lb","""

#: OURS, not the docs': the minimal completion of the cut-off sample.
PRODUCT_SAMPLE_COMPLETION = """ "value": 123}
}
"""

PRODUCT_SAMPLE = PRODUCT_SAMPLE_DOCS_PART + PRODUCT_SAMPLE_COMPLETION

#: The cursor of the sales sample (``next_cursor``), as the docs show it.
SALES_ORDERS_EXPORT_CURSOR = "eyJ2IjoxLCJtb2RlIjoiZXhwb3J0In0.abc123"
SALES_ORDERS_EXPORT_CUTOFF = "2024-01-16T00:00:00Z"
#: OURS: the envelope of the products sample (the products page shows none).
PRODUCTS_EXPORT_CURSOR = "eyJ2IjoxLCJtb2RlIjoiZXhwb3J0In0.def456"
PRODUCTS_EXPORT_CUTOFF = "2023-11-08T00:00:00Z"
PRODUCTS_EXPORT_META_ROWS = 100


def sales_orders_export_body() -> dict[str, Any]:
    """The sales export sample response, decoded."""
    body: dict[str, Any] = decode(SALES_ORDERS_EXPORT_SAMPLE.encode())
    return body


def purchase_orders_body() -> dict[str, Any]:
    """The purchase-orders sample response, decoded (``meta`` as the docs show it)."""
    body: dict[str, Any] = decode(PURCHASE_ORDERS_SAMPLE.encode())
    return body


def product_sample() -> dict[str, Any]:
    """The (completed) products export sample object, decoded."""
    row: dict[str, Any] = decode(PRODUCT_SAMPLE.encode())
    return row


def products_export_body() -> dict[str, Any]:
    """Our envelope (in the sales sample's style) around the products sample object."""
    return {
        "data": [product_sample()],
        "next_cursor": PRODUCTS_EXPORT_CURSOR,
        "has_more": True,
        "meta": {"rows": PRODUCTS_EXPORT_META_ROWS, "cutoff": PRODUCTS_EXPORT_CUTOFF},
    }


def export_end_body(cutoff: str) -> dict[str, Any]:
    """The page a request with a sample's cursor gets: empty, complete, same cutoff."""
    return {
        "data": [],
        "next_cursor": None,
        "has_more": False,
        "meta": {"rows": 0, "cutoff": cutoff},
    }


__all__ = [
    "PRODUCTS_EXPORT_CURSOR",
    "PRODUCTS_EXPORT_CUTOFF",
    "PRODUCTS_EXPORT_META_ROWS",
    "PRODUCT_SAMPLE",
    "PRODUCT_SAMPLE_COMPLETION",
    "PRODUCT_SAMPLE_DOCS_PART",
    "PURCHASE_ORDERS_SAMPLE",
    "SALES_ORDERS_EXPORT_CURSOR",
    "SALES_ORDERS_EXPORT_CUTOFF",
    "SALES_ORDERS_EXPORT_SAMPLE",
    "export_end_body",
    "product_sample",
    "products_export_body",
    "purchase_orders_body",
    "sales_orders_export_body",
]
