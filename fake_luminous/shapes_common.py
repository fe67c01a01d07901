"""What every row shape of ``Dataset`` shares: money, the fixed tables, the generator's state.

``GeneratorState`` holds the one ``random.Random(seed)`` every shape draws from, the id
counters, the catalogue and the time helpers; the shapes themselves are methods of its
subclasses (``shapes_export.py``: products and sales orders; ``shapes_purchase_orders.py``:
purchase orders), which ``data._Generator`` combines. The tables here are also the ones
``erp_rows`` (``fake_luminous/erp/``) puts in its rows (warehouses, locations, users, cities,
payment terms, tags), so the two always agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .clock import as_utc

Row = dict[str, Any]

BIG_MONEY = Decimal("12345678901234567890123456789012.34")  # 34 significant digits
#: product 2's unit_cost: 34 significant digits, 3 places
BIG_UNIT_COST = Decimal("1234567890123456789012345678901.234")

_ADJ = (
    "Premium",
    "Basic",
    "Deluxe",
    "Compact",
    "Heavy-Duty",
    "Eco",
    "Classic",
    "Smart",
    "Mini",
    "Pro",
)
_NOUN = (
    "Widget",
    "Gadget",
    "Bracket",
    "Valve",
    "Sensor",
    "Cable",
    "Panel",
    "Filter",
    "Bolt",
    "Lamp",
    "Pump",
    "Hinge",
)
_TAG_DEFS = (
    (1, "seasonal", "Seasonal item", "sun", "#f5a623"),
    (2, "fragile", "Handle with care", "glass", "#d0021b"),
    (3, "bestseller", "Top seller", "star", "#7ed321"),
    (4, "clearance", "Clearance", "tag", "#4a90e2"),
    (5, "imported", None, "globe", "#9013fe"),
)
_CITIES = (
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
    ("Chicago", "IL", "60601"),
    ("Atlanta", "GA", "30301"),
    ("Boston", "MA", "02108"),
)
_PAYMENT_TERMS = ("Net 30", "Net 60", "Due on receipt", "Net 15")
_WAREHOUSES = ((1, "Main Warehouse"), (2, "East Coast DC"), (3, "West Coast DC"))
_LOCATIONS = ((1, "Aisle A"), (2, "Aisle B"), (3, "Receiving"), (4, "Overflow"))
_USERS = ((1, "Alice Admin"), (2, "Bob Buyer"), (3, "Carol Clerk"))


def money(cents: int) -> Decimal:
    """Cents -> Decimal with exactly two places (``money(1230) == Decimal('12.30')``)."""
    return Decimal(cents).scaleb(-2)


def _product_name(pid: int) -> str:
    return f"{_ADJ[pid % len(_ADJ)]} {_NOUN[(pid // 3) % len(_NOUN)]} {pid}"


@dataclass
class GeneratorState:
    """The state of ``data._Generator``: the RNG, the id counters, the catalogue."""

    seed: int
    start: datetime
    end: datetime
    micro: bool
    rng: random.Random = field(init=False)
    span_s: int = field(init=False)
    next_so_item: int = 5001
    next_shipment: int = 70001
    next_shipment_item: int = 80001
    next_alt_sku: int = 1
    next_kit_item: int = 1
    next_bom: int = 1
    next_substitution: int = 1
    next_fo: int = 9001
    next_po_item: int = 1
    next_payment: int = 1
    catalogue: list[tuple[int, str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        start = as_utc(self.start)
        if start.microsecond:
            start = start.replace(microsecond=0) + timedelta(seconds=1)
        self.start = start
        self.end = as_utc(self.end)
        self.span_s = max(1, int((self.end - start).total_seconds()))

    # -- time helpers ------------------------------------------------------------------
    def instant(self) -> datetime:
        rng = self.rng
        if self.micro:
            return self.start + timedelta(
                seconds=rng.randrange(self.span_s), microseconds=rng.randrange(1, 1_000_000)
            )
        return self.start + timedelta(seconds=rng.randrange(self.span_s))

    def created_updated(self) -> tuple[datetime, datetime]:
        a = self.instant()
        b = self.instant()
        return (a, b) if a <= b else (b, a)

    def between(self, lo: datetime, hi: datetime) -> datetime:
        span = int((hi - lo).total_seconds())
        if span <= 0:
            return lo
        return lo + timedelta(seconds=self.rng.randrange(span + 1))
