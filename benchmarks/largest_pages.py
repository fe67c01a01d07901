"""The largest legitimate pages, for choosing `max_response_mb` (docs/operations.md).

    .venv/bin/python benchmarks/largest_pages.py [--lines 100]

Serves, from the fake API, a 1,000-order sales export page and a 100-row purchase-order page with
`--lines` line items on every order (the fake's own orders have 1-4), and a 100-row page of every
other list, and prints each body's size in MiB. Sizes, not timings: the same on any machine.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import sys
import typing as t
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from fake_luminous.erp_rows import ENDPOINTS

TOKEN = "largest-pages-token"  # noqa: S105 (the fake's own token)
END = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def with_lines(rows: dict[int, dict[str, t.Any]], lines: int, key: str) -> None:
    """Give every row `lines` items, copies of its first one with fresh ids."""
    for row in rows.values():
        first = (row.get("items") or [None])[0]
        if first is None:
            continue
        items = []
        for n in range(lines):
            item = copy.deepcopy(first)
            item[key] = int(row.get("order_id") or row["id"]) * 1000 + n
            items.append(item)
        row["items"] = items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100, help="line items on every order")
    args = parser.parse_args()
    dataset = Dataset.generate(
        sales_orders=1000,
        purchase_orders=100,
        products=10,
        seed=7,
        start=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        end=END,
        lists=dict.fromkeys(ENDPOINTS, 100),
    )
    with_lines(dataset.sales_orders, args.lines, "order_item_id")
    with_lines(dataset.purchase_orders, args.lines, "id")
    pages: list[tuple[str, dict[str, t.Any]]] = [
        ("/sales-orders/export", {"since": "2024-01-01T00:00:00Z", "limit": 1000}),
        ("/purchase-orders", {"per_page": 100, "order_status": "active"}),
        *((path, {"per_page": 100, "limit": 100}) for path in ENDPOINTS),
    ]
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(END))
    with api, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        print(f"{'page':<40} {'rows':>5} {'MiB':>8}")
        for path, params in pages:
            response = session.get(api.base_url + path, params=params, timeout=60)
            response.raise_for_status()
            rows = len(response.json()["data"])
            print(f"{path:<40} {rows:>5} {len(response.content) / (1 << 20):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
