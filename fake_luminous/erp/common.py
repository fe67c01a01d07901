"""What the generators of several ``erp`` domains share: money, time, the catalogue.

Domain-free helpers only; a row one domain embeds in another's (a warehouse in a purchase-order
shipment, a company in an invoice) is imported from the domain that serves it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import Any

from ..clock import as_utc
from ..lists import Context, Row
from ..shapes_common import _product_name


def _money(cents: int) -> Decimal:
    """Cents -> Decimal with exactly two places, exact at any size (``12.30``, 34 digits)."""
    return Decimal(f"{cents}E-2")


#: enough precision for exact arithmetic on 34-digit money (the default context has 28 digits)
_EXACT = DecimalContext(prec=100)


def _cents(value: Decimal) -> int:
    return int(value.scaleb(2, _EXACT))


def _between(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    span = int((hi - lo).total_seconds())
    if span <= 0:
        return lo
    return lo + timedelta(seconds=rng.randrange(span + 1))


def _epoch(ctx: Context) -> datetime:
    """The tenant's first instant, rounded up to a whole second as ``data._Generator`` does."""
    start = as_utc(ctx.start)
    if start.microsecond:
        start = start.replace(microsecond=0) + timedelta(seconds=1)
    return start


def _catalogue(ctx: Context) -> list[Row]:
    """The products, by id (or ``data.py``'s fallback catalogue of 50 when there are none)."""
    if ctx.products:
        return [ctx.products[pid] for pid in sorted(ctx.products)]
    rows = []
    for pid in range(1, 51):
        retail = 199 + (pid * 7919) % 20000
        rows.append(
            {
                "id": pid,
                "name": _product_name(pid),
                "sku": f"SKU-{pid:05d}",
                "description": None,
                "type": "PRODUCT",
                "retail_price": _money(retail),
                "wholesale_price": _money(retail * 6 // 10),
                "landed_cost": _money(retail * 4 // 10),
                "status": 1,
            }
        )
    return rows


# -- declaration helpers -----------------------------------------------------------------------
_DOCS = "https://docs.joinluminous.com/api-reference/"


def _by(name: str) -> Any:
    return lambda r: r[name]


_ID_UPDATED = {"id": _by("id"), "updated_at": _by("updated_at")}
