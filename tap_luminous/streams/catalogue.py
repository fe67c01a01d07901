"""Catalogue: the product export, unit conversion rules, custom field definitions, BOMs.

The same domain as fake_luminous/erp/catalogue.py (and the export in fake_luminous/exports.py).
"""

from __future__ import annotations

from tap_luminous.export import ExportStream
from tap_luminous.streams.kinds import ErpList, Snapshot


class ProductsStream(ExportStream):
    """Active products from GET /products/export."""

    name = "products"
    path = "/products/export"
    primary_keys = ("id",)
    page_size_setting = "products_page_size"


class UnitConversionRulesStream(ErpList):
    name = "unit_conversion_rules"
    path = "/unit-conversion-rules"


class CustomFieldDefinitionsStream(Snapshot):
    """A bare list (`{"data": [...]}`, no `meta`): one request returns every definition."""

    name = "custom_field_definitions"
    path = "/custom-fields"
    paginated = False


class BomsStream(ErpList):
    name = "boms"
    path = "/boms"
