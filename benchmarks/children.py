"""Child streams cost: sales_orders alone, with its three child streams, and children alone.

    .venv/bin/python benchmarks/children.py [--orders 20000] [--runs 3]

Starts the fake API in-process, runs the tap CLI (stdout counted, not stored) for each
selection and prints median whole-process wall time and records per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI  # noqa: E402
from tests.singer_io import catalog_selecting  # noqa: E402

CHILDREN = ["sales_order_items", "sales_order_fulfillment_orders", "sales_order_shipments"]
SELECTIONS = {
    "sales_orders only": ["sales_orders"],
    "sales_orders + 3 children": ["sales_orders", *CHILDREN],
    "3 children only": CHILDREN,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    utc = dt.timezone.utc
    clock = FakeClock(dt.datetime(2026, 6, 1, tzinfo=utc))
    data = Dataset.generate(
        sales_orders=args.orders,
        purchase_orders=10,
        products=10,
        seed=1,
        start=dt.datetime(2024, 1, 1, tzinfo=utc),
        end=clock.now(),
    )
    with (
        FakeLuminousAPI(dataset=data, token="bench", clock=clock) as api,
        tempfile.TemporaryDirectory() as tmp,
    ):
        api.warm()
        config = {"api_token": "bench", "api_url": api.base_url}
        config_path, catalog_path = Path(tmp, "config.json"), Path(tmp, "catalog.json")
        config_path.write_text(json.dumps(config))
        print("| selection | records | median wall s | records/s |\n|---|---:|---:|---:|")
        for label, streams in SELECTIONS.items():
            catalog_path.write_text(json.dumps(catalog_selecting(config, streams)))
            walls, records = [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "from tap_luminous.cli import main; main()",
                        "--config",
                        str(config_path),
                        "--catalog",
                        str(catalog_path),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    timeout=600,
                    check=True,
                )
                walls.append(time.perf_counter() - started)
                records = proc.stdout.count(b'"type":"RECORD"')
            wall = statistics.median(walls)
            print(f"| {label} | {records:,} | {wall:.2f} | {records / wall:,.0f} |")


if __name__ == "__main__":
    main()
