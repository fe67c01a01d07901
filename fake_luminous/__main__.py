"""Run the fake Luminous API: ``python -m fake_luminous [options]``.

Prints one JSON line ``{"base_url": ..., "token": ...}`` once listening, then serves until
SIGTERM/SIGINT or ``--max-seconds`` and exits 0. The clock follows real time.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import timedelta
from types import FrameType

from .clock import FakeClock
from .data import Dataset
from .erp_rows import ENDPOINTS
from .faults import Faults
from .serialize import TIMESTAMP_STYLES
from .server import FakeLuminousAPI


def _path_count(text: str) -> tuple[str, int]:
    path, sep, count = text.rpartition("=")
    if not sep or not path.startswith("/") or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected PATH=N (e.g. /invoices=200), got {text!r}")
    return path, int(count)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fake_luminous",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    p.add_argument("--token", default="demo-token")
    p.add_argument("--sales-orders", type=int, default=5000)
    p.add_argument("--purchase-orders", type=int, default=500)
    p.add_argument("--products", type=int, default=1000)
    p.add_argument(
        "--list-rows",
        action="append",
        default=[],
        type=_path_count,
        metavar="PATH=N",
        help="rows of a generic list endpoint, e.g. /invoices=200 (repeatable; "
        "others: their default count)",
    )
    p.add_argument(
        "--churn",
        action="append",
        default=[],
        type=_path_count,
        metavar="PATH=N",
        help="touch N rows' updated_at of that list on every page served (repeatable)",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--days",
        type=float,
        default=730.0,
        help="spread generated updated_at over this many days before now",
    )
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--p-429", type=float, default=0.0)
    p.add_argument("--p-5xx", type=float, default=0.0)
    p.add_argument("--p-drop", type=float, default=0.0)
    p.add_argument("--fault-seed", type=int, default=0)
    p.add_argument("--cursor-ttl", type=float, default=None, help="seconds; default: no expiry")
    p.add_argument("--timestamp-style", choices=TIMESTAMP_STYLES, default="Z")
    p.add_argument(
        "--max-seconds", type=float, default=3600.0, help="exit by itself after this many seconds"
    )
    p.add_argument(
        "--ready-file", default=None, help="write the JSON ready line to this file once listening"
    )
    p.add_argument("--warm", action="store_true", help="pre-serialise all rows before serving")
    p.add_argument(
        "--drift",
        type=float,
        default=0.0,
        help="fraction of rows served with PHP/Laravel value drift (0..1)",
    )
    p.add_argument(
        "--docs-samples",
        action="store_true",
        help="serve the docs' sample bodies instead of the dataset",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    known = set(ENDPOINTS)
    for flag, pairs in (("--list-rows", args.list_rows), ("--churn", args.churn)):
        unknown = sorted({path for path, _ in pairs} - known)
        if unknown:
            parser.error(f"{flag}: unknown list endpoints {unknown}; known: {sorted(known)}")
    clock = FakeClock.real()
    end = clock.now().replace(microsecond=0)
    ds = Dataset.generate(
        sales_orders=args.sales_orders,
        purchase_orders=args.purchase_orders,
        products=args.products,
        seed=args.seed,
        start=end - timedelta(days=args.days),
        end=end,
        timestamp_style=args.timestamp_style,
        lists=dict(args.list_rows),
    )
    faults = Faults(
        seed=args.fault_seed,
        latency=args.latency_ms / 1000.0,
        p_429=args.p_429,
        p_5xx=args.p_5xx,
        p_drop=args.p_drop,
    )
    api = FakeLuminousAPI(
        dataset=ds,
        token=args.token,
        clock=clock,
        host=args.host,
        port=args.port,
        timestamp_style=args.timestamp_style,
        cursor_ttl=args.cursor_ttl,
        faults=faults,
        drift=args.drift,
        docs_samples=args.docs_samples,
        churn=dict(args.churn),
    )
    if args.warm:
        api.warm()
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    api.start()
    try:
        line = json.dumps({"base_url": api.base_url, "token": args.token})
        if args.ready_file:
            with open(args.ready_file, "w", encoding="utf-8") as fh:
                fh.write(line + "\n")
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        deadline = time.monotonic() + args.max_seconds
        while not done.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            done.wait(min(left, 0.5))
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
