"""The kinds of stream the domain modules declare: what every ERP list and child shares."""

from __future__ import annotations

from tap_luminous.children import ChildStream
from tap_luminous.page_numbers import PageNumberStream


class ErpList(PageNumberStream):
    """A page-number list beyond the original three; not selected by default, so an upgrade
    makes no request to a new endpoint until the user selects its stream. Rows that carry
    `updated_at` are read incrementally (`updated_at[gte]=YYYY-MM-DD`, the filters page's date
    form: none of these pages documents an instant)."""

    selected_by_default = False
    primary_keys = ("id",)


class Snapshot(ErpList):
    """A list without `updated_at` on its rows, or a snapshot: every run reads it in full."""

    replication_key = None


class ErpChild(ChildStream):
    """The rows of one nested array of an ErpList, keyed by their own `id`."""

    selected_by_default = False
    primary_keys = ("id",)
    parent_key = "id"
