"""Rows of the page-number list endpoints beyond purchase orders, in their docs pages' shapes.

One ``ListEndpoint`` per endpoint in ``ENDPOINTS``; each generator makes ``count`` rows from its
own RNG (``ctx.rng(path)``, or ``ctx.rng(f"{path}#{n}")`` for row ``n`` of an endpoint whose rows
other endpoints embed) so that no endpoint's data depends on another's count, and the output is a
pure function of (seed, counts, ctx).

The generators and their ``ListEndpoint`` declarations live in ``fake_luminous/erp/``, one
module per domain (``inventory``, ``customers``, ``sales``, ``purchasing``, ``catalogue``; shared
helpers in ``erp/common.py``); this module assembles them into ``ENDPOINTS``, in the order the
lists have always been generated.

Field lists are the docs samples' (``shared/luminous-api-surface.md`` §2, the pages named in each
``docs``), field by field and in the docs' order. Where a stored sample is cut off, at most two
fields beyond the cut-off are added, each marked ``# beyond the cut-off sample``.

Values are Python values like ``Dataset``'s: money is ``Decimal`` with exactly two places (exact
at any size, see ``_money``), datetimes are aware UTC, dates are ``date``.

Cross references, all resolvable:

- products, sales orders (``order_id``, ``order_item_id``), purchase orders (and their items)
  come from the ``Context``; generators that need them pick from them (sorted, so the choice is
  deterministic) and, for one row per context row (stocks, product pricing, fulfillment orders),
  make at most as many rows as the context holds.
- warehouses 1-3 and locations 1-4 are the ones ``data.py`` puts on purchase orders
  (``_WAREHOUSES``/``_LOCATIONS``, same names); every embedded ``warehouse``/``location`` object is
  exactly row ``n`` of ``/warehouses``/``/locations``; a location's ``parent_id`` is its
  warehouse [inferred: both share one shape]. ``/warehouses`` must be served with >= 3 rows and
  ``/locations`` with >= 4 for these to resolve (the defaults are 4 and 10).
- companies 1-8 are referenced by invoices (``customer``), contacts, price schedules and product
  pricing, with the company's own name; ``/companies`` defaults to 12 rows.
- ``/suppliers`` row ``n`` is exactly the full supplier ``data.py`` embeds in a purchase order
  whose ``supplier_id`` is ``n`` (1-39, the default count), bank fields included.
- ``/unit-conversion-rules`` ids 1-39 are the ``alternate_skus[].unit_conversion_rule_id`` of
  the products; ``/boms`` ids are the products' ``boms[].id``; ``/fulfillment-orders`` are the
  sales orders' ``fulfillment_orders[]``.

Inventory stocks: the row's ``id`` is a string (the docs sample's ``"<string>"``) that is not the
product id. The product is found from the row's ``sku`` (``SKU-00012`` is product 12, the format
``data.py`` gives every product), which is what the ``product.id`` sort uses
(``_stock_product_id``); no hidden key is served.
"""

from __future__ import annotations

from collections.abc import Mapping

from .erp import catalogue, customers, inventory, purchasing, sales
from .lists import Context, ListEndpoint, Row

#: path -> declaration, in the order the lists are generated (and ``Dataset.lists`` is ordered)
ENDPOINTS: dict[str, ListEndpoint] = {
    endpoint.path: endpoint
    for endpoint in (
        inventory.STOCKS,
        sales.INVOICES,
        sales.RETURNS,
        purchasing.INBOUND_SHIPMENTS,
        purchasing.RECEIVING_REPORTS,
        customers.COMPANIES,
        purchasing.SUPPLIERS,
        inventory.WAREHOUSES,
        inventory.LOCATIONS,
        catalogue.UNIT_CONVERSION_RULES,
        catalogue.CUSTOM_FIELDS,
        customers.CONTACTS,
        sales.FULFILLMENT_ORDERS,
        inventory.TRANSFER_ORDERS,
        catalogue.BOMS,
        purchasing.PURCHASE_ORDER_SHIPMENTS,
        customers.PRICE_SCHEDULES,
        customers.PRODUCT_PRICING,
    )
}


def generate_lists(ctx: Context, counts: Mapping[str, int] | None = None) -> dict[str, list[Row]]:
    """Every endpoint's rows: ``counts[path]`` of each (default ``default_count``)."""
    counts = counts or {}
    return {
        path: endpoint.generate(ctx, counts.get(path, endpoint.default_count))
        for path, endpoint in ENDPOINTS.items()
    }


__all__ = ["ENDPOINTS", "generate_lists"]
