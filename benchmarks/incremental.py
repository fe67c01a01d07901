"""What an incremental run of a page-number stream costs: requests and wall time.

    .venv/bin/python benchmarks/incremental.py [--purchase-orders 1000 10000 100000] \
        [--changes 0 25] [--latency-ms 0 50] [--invoices 10000] [--tap-path DIR]

For each size: the fake API (in this process, a fixed clock) with that many purchase orders;
a first run of the real CLI (full, it writes the state), then `--changes` purchase orders
updated, then the measured second run from the first's state: its requests to the endpoint and
its wall time. `--invoices N` does the same for the invoices list. `--tap-path DIR` runs the tap
found in DIR (e.g. a worktree of an older commit) instead of this tree's: the before/after
comparison in benchmarks/README.md. Timings swing on a shared VM; requests do not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI, Faults  # noqa: E402
from tests.singer_io import SingerOutput, catalog_selecting  # noqa: E402

TOKEN = "incremental-benchmark-token"  # noqa: S105 (the fake's own token)
EPOCH = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)


def run_tap(
    api: FakeLuminousAPI, stream: str, state: dict[str, t.Any] | None, tap_path: Path | None
) -> tuple[SingerOutput, float]:
    config = {"api_token": TOKEN, "api_url": api.base_url, "start_date": "2024-01-01T00:00:00Z"}
    with tempfile.TemporaryDirectory() as tmp:
        files = {"config": config, "catalog": catalog_selecting(config, [stream])}
        if state is not None:
            files["state"] = state
        argv = [sys.executable, "-c", "from tap_luminous.cli import main; main()"]
        for name, content in files.items():
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(content))
            argv += [f"--{name}", str(path)]
        env = dict(os.environ)
        if tap_path is not None:
            env["PYTHONPATH"] = str(tap_path.resolve())
        started = time.perf_counter()
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=1800,
            cwd=tap_path or REPO,
            env=env,
            check=False,
        )
        seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"the tap failed: {proc.stderr.strip().splitlines()[-1]}")
    return SingerOutput.parse(proc.stdout, proc.stderr, proc.returncode), seconds


def measure(
    stream: str, rows: int, changes: int, latency_ms: float, tap_path: Path | None
) -> dict[str, t.Any]:
    path = "/purchase-orders" if stream == "purchase_orders" else "/invoices"
    lists = {"/invoices": rows} if stream == "invoices" else {}
    dataset = Dataset.generate(
        sales_orders=1,
        purchase_orders=rows if stream == "purchase_orders" else 1,
        products=1,
        seed=8,
        start=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        end=EPOCH - dt.timedelta(days=2),
        lists=lists,
    )
    faults = Faults(latency=latency_ms / 1000)
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH), faults=faults)
    with api:
        api.warm()
        first, _ = run_tap(api, stream, None, tap_path)
        api.clock.advance(3600)
        table = api.dataset.purchase_orders if stream == "purchase_orders" else dataset.lists[path]
        for key in sorted(table)[:: max(1, len(table) // max(changes, 1))][:changes]:
            if stream == "purchase_orders":
                api.update_purchase_order(key, public_note="changed")
            else:
                api.update_list_row(path, key, total_paid="1.00")
        api.clear_requests()
        second, seconds = run_tap(api, stream, first.final_state, tap_path)
        requests = sum(1 for r in api.requests if r.path == path)
    return {
        "stream": stream,
        "rows": rows,
        "changes": changes,
        "latency_ms": latency_ms,
        "requests": requests,
        "seconds": round(seconds, 2),
        "emitted": len(second.records.get(stream, [])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchase-orders", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--invoices", type=int, nargs="*", default=[10000])
    parser.add_argument("--changes", type=int, nargs="+", default=[0, 25])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 50.0])
    parser.add_argument("--tap-path", type=Path, default=None)
    args = parser.parse_args()
    print("| stream | rows | changed | latency | requests | wall s | rows emitted |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    cases = [("purchase_orders", n) for n in args.purchase_orders]
    cases += [("invoices", n) for n in args.invoices]
    for stream, rows in cases:
        for latency in args.latency_ms:
            for changes in args.changes:
                r = measure(stream, rows, changes, latency, args.tap_path)
                print(
                    f"| {stream} | {rows:,} | {changes} | {latency:.0f} ms | {r['requests']:,} "
                    f"| {r['seconds']:.1f} | {r['emitted']} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
