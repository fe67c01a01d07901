"""Fixed runs of the tap whose output is kept in `tests/golden/` (see tests/test_golden.py).

Each run starts a fake with a fixed seed and a standing clock, runs the real CLI and keeps its
stdout (minus `time_extracted` and the SDK's signpost, the values that follow the wall clock,
and the fake's port) and, for runs that must
fail, the last stderr line and the exit code. A refactor must leave all of them byte-identical.

    .venv/bin/python -m tests.golden_runs --write   # after a change that is meant to alter output
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import sys
import tempfile
import typing as t
from pathlib import Path

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tests.singer_io import run_cli

UTC = dt.timezone.utc
GOLDEN = Path(__file__).resolve().parent / "golden"
TOKEN = "golden-token-0000"
EPOCH = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
#: The streams this comparison covers: the ones that existed when it was written. New streams get
#: their own tests; this list never grows, so their arrival cannot change these files.
STREAMS = (
    "sales_orders",
    "sales_order_items",
    "sales_order_fulfillment_orders",
    "sales_order_shipments",
    "products",
    "purchase_orders",
    "purchase_order_items",
    "purchase_order_payments",
)
#: Values that follow the wall clock (the SDK's signpost is "now") and the fake's random port.
_TIME_EXTRACTED = re.compile(r',"time_extracted":"[^"]*"')
_SIGNPOST = re.compile(r'"replication_key_signpost":"[^"]*"')


def _catalog(config: dict[str, t.Any], workdir: Path) -> dict[str, t.Any]:
    out = run_cli(["--config", str(_write(workdir, "config.json", config)), "--discover"])
    catalog = json.loads(out.stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
    return t.cast("dict[str, t.Any]", catalog)


def _write(workdir: Path, name: str, content: t.Any) -> Path:
    path = workdir / name
    path.write_text(json.dumps(content))
    return path


def _sync(
    config: dict[str, t.Any], workdir: Path, state: dict[str, t.Any] | None = None
) -> tuple[str, dict[str, t.Any]]:
    args = ["--config", str(_write(workdir, "config.json", config))]
    args += ["--catalog", str(_write(workdir, "catalog.json", _catalog(config, workdir)))]
    if state is not None:
        args += ["--state", str(_write(workdir, "state.json", state))]
    out = run_cli(args, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"golden run failed: {out.stderr.strip().splitlines()[-1:]}")
    text = _SIGNPOST.sub('"replication_key_signpost":"<now>"', _TIME_EXTRACTED.sub("", out.stdout))
    return text.replace(config["api_url"], "<fake>"), out.final_state


def _api(seed: int, **kwargs: t.Any) -> FakeLuminousAPI:
    dataset = Dataset.generate(
        sales_orders=150,
        purchase_orders=40,
        products=30,
        seed=seed,
        start=dt.datetime(2025, 1, 1, tzinfo=UTC),
        end=EPOCH,
    )
    return FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH), **kwargs)


def _config(api: FakeLuminousAPI, **overrides: t.Any) -> dict[str, t.Any]:
    return {
        "api_token": TOKEN,
        "api_url": api.base_url,
        "start_date": "2025-01-01T00:00:00Z",
        "max_retries": 2,
        "backoff_max_seconds": 0.05,
        **overrides,
    }


def full_and_incremental(seed: int, **api_kwargs: t.Any) -> dict[str, str]:
    """A full run, changes on the server, then an incremental run from the first run's state."""
    with tempfile.TemporaryDirectory() as tmp, _api(seed, **api_kwargs) as api:
        workdir = Path(tmp)
        config = _config(api)
        full, state = _sync(config, workdir)
        api.clock.advance(hours=2)
        api.update_sales_order(1003, customer_name="Changed Customer")
        api.insert_sales_order()
        api.update_product(5, name="Renamed product")
        api.update_purchase_order(3, order_status="inactive")
        api.insert_purchase_order()
        api.clock.advance(minutes=5)
        incremental, _ = _sync(config, workdir, state)
    return {"full": full, "incremental": incremental}


#: Settings a user can get wrong: each must stop with the same one line and exit code.
BAD_SETTINGS: dict[str, dict[str, t.Any]] = {
    "typo": {"sales_order_page_size": 500},
    "start_date": {"start_date": "yesterday"},
    "range": {"sales_orders_page_size": 5000},
    "boolean": {"keep_nested_arrays": "maybe"},
    "url": {"api_url": "ftp://example.invalid"},
    "no_token": {"api_token": ""},
}


def bad_settings() -> str:
    lines = []
    with tempfile.TemporaryDirectory() as tmp, _api(3) as api:
        workdir = Path(tmp)
        for name, override in BAD_SETTINGS.items():
            config = {**_config(api), **override}
            out = run_cli(["--config", str(_write(workdir, "config.json", config))], timeout=120)
            last = (out.stderr.strip().splitlines() or [""])[-1].rsplit(" | ", 1)[-1]
            lines.append(f"{name}\t{out.returncode}\t{last.replace(api.base_url, '<fake>')}")
    return "\n".join(lines) + "\n"


def produce() -> dict[str, str]:
    """Every golden file's name and content."""
    files: dict[str, str] = {}
    for label, seed, kwargs in (("seed7", 7, {}), ("seed11-drift", 11, {"drift": 0.3})):
        for run, text in full_and_incremental(seed, **kwargs).items():
            files[f"{label}-{run}.jsonl"] = text
    files["bad-settings.txt"] = bad_settings()
    return files


def read(name: str) -> str:
    return gzip.decompress((GOLDEN / f"{name}.gz").read_bytes()).decode()


def write(files: dict[str, str]) -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, text in files.items():
        (GOLDEN / f"{name}.gz").write_bytes(gzip.compress(text.encode(), mtime=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="replace tests/golden/")
    args = parser.parse_args()
    files = produce()
    if args.write:
        write(files)
        print(f"wrote {len(files)} files to {GOLDEN}")
        return 0
    differ = [name for name, text in files.items() if read(name) != text]
    print("differ: " + ", ".join(differ) if differ else "identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
