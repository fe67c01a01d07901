"""Customers: companies, contacts, price schedules, product pricing.

The same domain as fake_luminous/erp/customers.py.
"""

from __future__ import annotations

from tap_luminous.streams.kinds import ErpList, Snapshot


class CompaniesStream(ErpList):
    name = "companies"
    path = "/companies"


class ContactsStream(ErpList):
    """Contact ids are strings. The documented contacts list pages by `limit`; the global list
    has no docs page and Luminous's CLI sends `per_page`: both are sent, with the same value."""

    name = "contacts"
    path = "/contacts"
    size_params = ("limit", "per_page")


class PriceSchedulesStream(ErpList):
    name = "price_schedules"
    path = "/price-schedules"
    size_params = ("limit",)


class ProductPricingStream(Snapshot):
    name = "product_pricing"
    path = "/products/pricing"
