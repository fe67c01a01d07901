"""The pipeline a user runs: tap-luminous | MeltanoLabs target-postgres, against the fake API
and a throwaway PostgreSQL, and where its time goes.

    .venv/bin/python benchmarks/pipeline.py [--orders 20000] [--purchase-orders 2000]

Streams: the sales-order and purchase-order families with their children. It measures, each as
its own child process(es) with wall time, CPU time and peak RSS (os.wait4):
1. the tap alone, stdout to a file (its Singer output is kept for step 3);
2. the pipeline, tap | target-postgres (records validated, as by default);
3. the target alone, reading the saved output, with `validate_records` true and false; the
   difference is the target's validation, and its wall time minus its CPU time is roughly the
   time spent waiting for the database.
Only loopback is contacted; every child is killed after --timeout seconds.
"""

from __future__ import annotations

import argparse
import contextlib
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
sys.path.insert(0, str(REPO / "scripts"))

from bootstrap import VENV, _fingerprint, _install  # noqa: E402

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI  # noqa: E402
from tests.pg_cluster import postgres_server  # noqa: E402

TARGET_SPEC = "meltanolabs-target-postgres~=0.8.1"
TOKEN = "pipeline-bench-token"  # noqa: S105 (the fake API's, loopback only)
STREAMS = (
    "sales_orders",
    "sales_order_items",
    "sales_order_fulfillment_orders",
    "sales_order_shipments",
    "purchase_orders",
    "purchase_order_items",
    "purchase_order_payments",
)
UTC = dt.timezone.utc


def target_executable() -> Path:
    env = VENV / "consumers" / "meltanolabs-target-postgres"
    _install(env, TARGET_SPEC, _fingerprint(TARGET_SPEC), TARGET_SPEC)
    return env / "bin" / "target-postgres"


def target_settings(pg: t.Any, schema: str, validate: bool) -> dict[str, t.Any]:
    """MeltanoLabs target-postgres settings for `schema` of the throwaway server `pg`."""
    return {
        "host": pg.host,
        "port": pg.port,
        "user": pg.user,
        "password": pg.password or "",
        "database": pg.database,
        "default_target_schema": schema,
        "validate_records": validate,
        "add_record_metadata": True,
    }


def run_children(
    argvs: list[list[str]], stdin: Path | None, stdout: Path | None, timeout: float
) -> list[dict[str, float]]:
    """Run argvs as a pipeline; per process: wall s, CPU s, peak RSS MiB."""
    started = time.monotonic()
    with contextlib.ExitStack() as files:
        source: t.Any = files.enter_context(stdin.open("rb")) if stdin else subprocess.DEVNULL
        sink: t.Any = files.enter_context(stdout.open("wb")) if stdout else subprocess.DEVNULL
        return _pipeline(argvs, source, sink, started, timeout)


def own_peak_kib(pid: int) -> int:
    """VmHWM of a running process (its own peak RSS since exec), 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pipeline(
    argvs: list[list[str]], source: t.Any, sink: t.Any, started: float, timeout: float
) -> list[dict[str, float]]:
    procs: list[subprocess.Popen[bytes]] = []
    previous: t.Any = source
    for index, argv in enumerate(argvs):
        last = index == len(argvs) - 1
        proc = subprocess.Popen(
            argv,
            stdin=previous,
            stdout=sink if last else subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        if previous not in (source, subprocess.DEVNULL):
            previous.close()
        previous = proc.stdout
        procs.append(proc)
    results = []
    peak = {proc.pid: 0 for proc in procs}
    for proc in procs:
        remaining = max(1.0, timeout - (time.monotonic() - started))
        deadline = time.monotonic() + remaining
        while True:
            for other in procs:  # ru_maxrss would include this large process (fork), VmHWM not
                peak[other.pid] = max(peak[other.pid], own_peak_kib(other.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                for other in procs:
                    other.kill()
                raise SystemExit(f"pipeline: {argvs} ran past --timeout {timeout}s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"pipeline: {proc.args!r} exited {proc.returncode}")
        results.append(
            {
                "wall": time.monotonic() - started,
                "cpu": usage.ru_utime + usage.ru_stime,
                "rss_mib": peak[proc.pid] / 1024,
            }
        )
    return results


def _tap_output(
    run: t.Callable[..., t.Any], argv: list[str], work: Path, timeout: float
) -> t.Iterator[bytes]:
    """The RECORD lines of one tap run (the same records whatever the output settings)."""
    path = work / "tap-output-variant.jsonl"
    run([argv], None, path, timeout)
    with path.open("rb") as lines:
        yield from (line for line in lines if line.startswith(b'{"type":"RECORD"'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--purchase-orders", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--tap-path",
        type=Path,
        help="benchmark another copy of the tap package (a directory holding tap_luminous/)",
    )
    args = parser.parse_args()
    # Imported here, not at the top: benchmarks/meltano_run.py imports this module's helpers
    # and must not import the checkout's tap_luminous (it may benchmark another copy).
    from tests.singer_io import catalog_selecting  # noqa: PLC0415

    if args.tap_path is not None:
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(args.tap_path.resolve()), os.environ.get("PYTHONPATH", "")) if p
        )
    target = target_executable()
    tap = [str(VENV / "bin" / "tap-luminous")]
    end = dt.datetime(2026, 6, 1, tzinfo=UTC)
    dataset = Dataset.generate(
        sales_orders=args.orders,
        purchase_orders=args.purchase_orders,
        products=300,
        seed=5,
        start=dt.datetime(2025, 1, 1, tzinfo=UTC),
        end=end,
    )
    rows: dict[str, float] = {}
    with (
        FakeLuminousAPI(
            dataset=dataset, token=TOKEN, clock=FakeClock(end + dt.timedelta(days=1))
        ) as api,
        postgres_server() as pg,
        tempfile.TemporaryDirectory() as tmp,
    ):
        api.warm()
        work = Path(tmp)
        config = {"api_token": TOKEN, "api_url": api.base_url, "start_date": "2020-01-01T00:00:00Z"}
        (work / "tap.json").write_text(json.dumps(config))
        (work / "catalog.json").write_text(json.dumps(catalog_selecting(config, STREAMS)))
        tap_argv = [
            *tap,
            "--config",
            str(work / "tap.json"),
            "--catalog",
            str(work / "catalog.json"),
        ]

        def target_argv(schema: str, validate: bool) -> list[str]:
            settings = target_settings(pg, schema, validate)
            path = work / f"target-{schema}.json"
            path.write_text(json.dumps(settings))
            return [str(target), "--config", str(path)]

        output = work / "tap-output.jsonl"
        [tap_alone] = run_children([tap_argv], None, output, args.timeout)
        records = sum(1 for line in output.open("rb") if line.startswith(b'{"type":"RECORD"'))
        rows["records"] = records
        tap_in_pipe, target_in_pipe = run_children(
            [tap_argv, target_argv("pipe", True)], None, None, args.timeout
        )
        [target_validating] = run_children(
            [target_argv("alone_v", True)], output, None, args.timeout
        )
        [target_plain] = run_children([target_argv("alone_nv", False)], output, None, args.timeout)
        # The settings recommended once the tap guarantees valid records: no second validation
        # in the target; parents without the nested arrays their child streams already carry.
        _, fast_pipe = run_children(
            [tap_argv, target_argv("pipe_nv", False)], None, None, args.timeout
        )
        lean = {**config, "keep_nested_arrays": False}
        (work / "tap-lean.json").write_text(json.dumps(lean))
        lean_argv = [
            *tap,
            "--config",
            str(work / "tap-lean.json"),
            "--catalog",
            str(work / "catalog.json"),
        ]
        lean_records = sum(1 for line in _tap_output(run_children, lean_argv, work, args.timeout))
        _, lean_pipe = run_children(
            [lean_argv, target_argv("pipe_lean", False)], None, None, args.timeout
        )

    def line(name: str, m: dict[str, float]) -> str:
        return (
            f"| {name} | {m['wall']:.2f} | {records / m['wall']:,.0f} | {m['cpu']:.2f} | "
            f"{m['rss_mib']:.0f} |"
        )

    print(
        f"pipeline benchmark: {records:,} records ({args.orders:,} sales orders, "
        f"{args.purchase_orders:,} purchase orders, their children); {TARGET_SPEC}"
    )
    print("| run | wall s | records/s | CPU s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    print(line("tap alone (stdout to a file)", tap_alone))
    print(line("pipeline: tap \\| target-postgres (validate_records: true), whole", target_in_pipe))
    print(line("  of which the tap process", tap_in_pipe))
    print(line("  of which the target process", target_in_pipe))
    print(line("target alone, validate_records: true", target_validating))
    print(line("target alone, validate_records: false", target_plain))
    print(line("pipeline, target validate_records: false", fast_pipe))
    print(line("pipeline, + tap keep_nested_arrays: false", lean_pipe))
    assert lean_records == records, (lean_records, records)
    validation = target_validating["cpu"] - target_plain["cpu"]
    waiting = target_plain["wall"] - target_plain["cpu"]
    print(
        f"\ntarget validation ≈ {validation:.2f} s CPU; target waiting (mostly the database) "
        f"≈ {waiting:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
