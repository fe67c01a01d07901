"""A fake of the Luminous external API, served over real HTTP on loopback.

Used by tests, benchmarks and demos instead of the real API. It knows nothing of the tap.

    from fake_luminous import FakeLuminousAPI, Dataset, Faults, FakeClock
    clock = FakeClock(datetime(2026, 6, 1, tzinfo=timezone.utc))
    ds = Dataset.generate(sales_orders=2500, purchase_orders=250, products=300, seed=7,
                          start=datetime(2024, 1, 1, tzinfo=timezone.utc), end=clock.now())
    with FakeLuminousAPI(dataset=ds, token="test-token", clock=clock) as api:
        requests.get(api.base_url + "/sales-orders/export", params={"since": "2024-01-01"},
                     headers={"Authorization": "Bearer test-token"})

Endpoints (prefix /external/api/v1): GET /sales-orders/export, GET /products/export (signed
cursor exports with a fixed cutoff) and GET /purchase-orders (Laravel page-number list).
"""

from .clock import FakeClock
from .cursor import CursorError
from .data import BIG_MONEY, Dataset, money
from .faults import Faults
from .server import FakeLuminousAPI, RecordedRequest, parse_since

__all__ = [
    "BIG_MONEY",
    "CursorError",
    "Dataset",
    "FakeClock",
    "FakeLuminousAPI",
    "Faults",
    "RecordedRequest",
    "money",
    "parse_since",
]
