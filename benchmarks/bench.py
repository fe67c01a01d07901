"""Benchmark tap-luminous against the fake Luminous API and a raw-client floor.

    .venv/bin/python benchmarks/bench.py [--orders 20000] [--purchase-orders 2000]
        [--runs 3] [--latency-ms 0 [50 ...]] [--quick] [--json PATH]

What it does (see benchmarks/README.md for the columns):

1. Generates a fixed-seed dataset and serves it with the project's fake API *in this process*
   (pre-serialised with ``warm()``; the clock stands after the data's end). While a child runs,
   this process only waits for it (the GIL is released), so the fake's threads have a core to
   themselves and the child the other one.
2. Measures the fake's own throughput: ``raw_floor.py --mode fetch`` (keep-alive Session, bodies
   not decoded) walks the sales export at limit=1000.
3. For each latency mode and stream, alternates ``--runs`` runs of the raw client floor
   (``raw_floor.py``) and of the tap (``tap-luminous --config … --catalog …``, stdout to
   /dev/null), each a child process started by ``measure_child.py``, which records its wall
   time, CPU time and its own peak RSS (``os.wait4``); one untimed warm-up run of each first.
4. Measures the tap's start-up as the median wall time of ``tap-luminous --about``.
5. Prints a Markdown table (one row per stream per mode) and optionally writes JSON.

Only 127.0.0.1 is contacted; every child process is killed after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the fake lives at the repo root, next to benchmarks/
    sys.path.insert(0, str(REPO))

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI, Faults  # noqa: E402

UTC = timezone.utc
TOKEN = "bench-token-3d1f0c"  # noqa: S105 (the fake's token, not a secret)
SEED = 8
DATA_START = datetime(2024, 1, 1, tzinfo=UTC)
DATA_END = datetime(2026, 1, 1, tzinfo=UTC)
CLOCK_AT = DATA_END + timedelta(days=1)  # after every generated updated_at
SINCE = "1970-01-01T00:00:00Z"  # the tap's default start_date: the whole history
PO_STATUSES = ("active", "inactive", "deleted")
STREAMS = ("sales_orders", "purchase_orders")
PATHS = {"sales_orders": "/sales-orders/export", "purchase_orders": "/purchase-orders"}
SALES_PAGE_SIZE = 1000
PO_PAGE_SIZE = 100
QUICK = {"orders": 2000, "purchase_orders": 200, "runs": 1}
RAW_FLOOR = Path(__file__).resolve().parent / "raw_floor.py"
MEASURE_CHILD = Path(__file__).resolve().parent / "measure_child.py"


class BenchError(RuntimeError):
    """A child failed, timed out, or the fake served something unexpected."""


# ---------------------------------------------------------------------------------------------
# Child processes
# ---------------------------------------------------------------------------------------------
@dataclass
class ChildRun:
    wall: float  # seconds from spawn to reaped, timed by the launcher
    maxrss_kib: int  # peak RSS of this child alone (ru_maxrss from wait4, KiB on Linux)
    cpu_s: float = 0.0  # user + system CPU time of the child
    launcher_maxrss_kib: int | None = None  # the lower bound of maxrss_kib (see measure_child)
    stdout: str = ""


def _tap_exe() -> str:
    """The tap's console script next to this interpreter (else on PATH)."""
    local = Path(sys.executable).with_name("tap-luminous")
    if local.exists():
        return str(local)
    found = shutil.which("tap-luminous")
    if not found:
        raise BenchError("tap-luminous is not installed in this environment")
    return found


def run_child(
    argv: Sequence[str],
    *,
    timeout: float,
    env: dict[str, str],
    cwd: Path,
    capture_stdout: bool = False,
    label: str = "",
) -> ChildRun:
    """Run one child to completion through measure_child.py, bounded in time.

    The launcher spawns the child, so the child's ru_maxrss is its own and not this process's
    (which holds the fake and its dataset); it also times the child without its own start-up.
    """
    label = label or Path(argv[0]).name
    stderr_path = cwd / "child-stderr.log"
    stdout_path = cwd / "child-stdout.txt"
    launcher = [
        sys.executable,
        "-I",
        "-S",
        str(MEASURE_CHILD),
        "--timeout",
        str(timeout),
        "--stdout",
        str(stdout_path) if capture_stdout else os.devnull,
        "--",
        *argv,
    ]
    with (
        open(stderr_path, "wb") as err,
        subprocess.Popen(
            launcher,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
            cwd=cwd,
            start_new_session=True,
        ) as proc,
    ):
        try:
            out, _ = proc.communicate(timeout=timeout + 30)
        except BaseException:  # timeout (the launcher's own alarm failed) or Ctrl-C
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the child
            proc.wait(timeout=30)
            raise
    try:
        report = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        report = None
    if report is None or proc.returncode not in (0, 3):
        tail = stderr_path.read_text(errors="replace")[-2000:]
        raise BenchError(f"{label}: measure_child failed ({proc.returncode})\n{tail}")
    if report["timed_out"]:
        raise BenchError(f"{label}: killed after the {timeout:.0f}s timeout")
    if report["returncode"] != 0:
        tail = stderr_path.read_text(errors="replace")[-2000:]
        raise BenchError(f"{label}: exit code {report['returncode']}\n{tail}")
    return ChildRun(
        wall=float(report["wall_s"]),
        maxrss_kib=int(report["maxrss_kib"]),
        cpu_s=float(report["utime_s"]) + float(report["stime_s"]),
        launcher_maxrss_kib=report.get("launcher_maxrss_kib"),
        stdout=stdout_path.read_text() if capture_stdout else "",
    )


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------
def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Served:
    requests: int
    rows: int


def served(api: FakeLuminousAPI, stream: str) -> Served:
    """What the fake served since the last clear_requests() on this stream's path."""
    path = PATHS[stream]
    reqs = [r for r in list(api.requests) if r.path == path]
    bad = [r for r in reqs if r.status != 200]
    if bad:
        raise BenchError(f"{stream}: the fake answered {bad[0].status} to {bad[0].params}")
    return Served(len(reqs), sum(r.rows for r in reqs))


@dataclass
class Sample:
    wall: float
    maxrss_kib: int
    requests: int
    rows_served: int
    cpu_s: float = 0.0  # the client's user + system CPU time
    inner_seconds: float | None = None  # raw floor: time spent walking (imports excluded)
    body_bytes: int = 0  # raw floor: bytes of the response bodies
    fake_cpu_s: float = 0.0  # CPU time this process (the fake's threads) used meanwhile


@dataclass
class Row:
    mode_ms: float
    stream: str
    records: int
    floor: list[Sample] = field(default_factory=list)
    tap: list[Sample] = field(default_factory=list)
    startup_s: float = 0.0
    startup_cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        med = statistics.median
        tap_wall = med(s.wall for s in self.tap)
        floor_wall = med(s.wall for s in self.floor)
        tap_rps = med(self.records / s.wall for s in self.tap)
        floor_rps = med(self.records / s.wall for s in self.floor)
        tap_excl = med(s.wall - self.startup_s for s in self.tap)
        floor_inner = med(s.inner_seconds or s.wall for s in self.floor)
        tap_rps_excl = self.records / tap_excl if tap_excl > 0 else None
        floor_rps_excl = self.records / floor_inner if floor_inner > 0 else None
        floor_requests = int(med(s.requests for s in self.floor))
        latency_floor = floor_requests * self.mode_ms / 1000.0
        out: dict[str, Any] = {
            "mode": f"{self.mode_ms:g} ms",
            "latency_ms": self.mode_ms,
            "stream": self.stream,
            "records": self.records,
            "runs": len(self.tap),
            "tap_requests": int(med(s.requests for s in self.tap)),
            "tap_rows_served": int(med(s.rows_served for s in self.tap)),
            "floor_requests": floor_requests,
            "tap_wall_s": tap_wall,
            "tap_rec_per_s": tap_rps,
            "tap_peak_rss_mib": med(s.maxrss_kib for s in self.tap) / 1024,
            "tap_cpu_s": med(s.cpu_s for s in self.tap),
            "floor_cpu_s": med(s.cpu_s for s in self.floor),
            "tap_cpu_excl_startup_s": med(s.cpu_s for s in self.tap) - self.startup_cpu_s,
            "floor_wall_s": floor_wall,
            "floor_rec_per_s": floor_rps,
            "floor_peak_rss_mib": med(s.maxrss_kib for s in self.floor) / 1024,
            "tap_over_floor": tap_rps / floor_rps,
            "startup_s": self.startup_s,
            "tap_excl_startup_s": tap_excl,
            "tap_rec_per_s_excl_startup": tap_rps_excl,
            "floor_inner_s": floor_inner,
            "floor_rec_per_s_excl_startup": floor_rps_excl,
            "tap_over_floor_excl_startup": (
                tap_rps_excl / floor_rps_excl if tap_rps_excl and floor_rps_excl else None
            ),
            "latency_floor_s": latency_floor if self.mode_ms > 0 else None,
            "tap_excl_over_latency_floor": (
                tap_excl / latency_floor if self.mode_ms > 0 and latency_floor > 0 else None
            ),
            "floor_inner_over_latency_floor": (
                floor_inner / latency_floor if self.mode_ms > 0 and latency_floor > 0 else None
            ),
            "fake_busy_during_tap": med(s.fake_cpu_s / s.wall for s in self.tap),
            "fake_busy_during_floor": med(
                s.fake_cpu_s / (s.inner_seconds or s.wall) for s in self.floor
            ),
            "samples": {
                "tap": [vars(s) for s in self.tap],
                "floor": [vars(s) for s in self.floor],
            },
        }
        return out


class Bench:
    def __init__(self, args: argparse.Namespace, api: FakeLuminousAPI, work: Path) -> None:
        self.args = args
        self.api = api
        self.work = work
        self.tap = _tap_exe()
        self.env = dict(os.environ)
        if args.bytecode_cache:
            # A normal install has .pyc files; this environment may not (and may forbid writing
            # them), which would make every start compile singer_sdk & co. from source. Give
            # the children a private bytecode cache instead (outside the repository).
            self.env.pop("PYTHONDONTWRITEBYTECODE", None)
            self.env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        self.env["TAP_LUMINOUS_API_TOKEN"] = TOKEN  # only used to redact error lines
        # The tap's requests session honours proxy variables: keep loopback traffic local.
        no_proxy = [v for v in (self.env.get("NO_PROXY"), self.env.get("no_proxy")) if v]
        self.env["NO_PROXY"] = self.env["no_proxy"] = ",".join([*no_proxy, "127.0.0.1"])
        if args.tap_path is not None:
            # Benchmark another copy of the package (e.g. `git archive HEAD tap_luminous`):
            # PYTHONPATH comes before the editable install's path entry.
            paths = [str(args.tap_path.resolve()), self.env.get("PYTHONPATH", "")]
            self.env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        self.config_path = work / "config.json"
        self.config_path.write_text(
            json.dumps(
                {
                    "api_url": api.base_url,
                    "api_token": TOKEN,
                    "sales_orders_page_size": SALES_PAGE_SIZE,
                    "purchase_orders_page_size": PO_PAGE_SIZE,
                }
            )
        )
        self.catalogs: dict[str, Path] = {}

    def child(self, argv: Sequence[str], label: str, capture: bool = False) -> ChildRun:
        return run_child(
            argv,
            timeout=self.args.timeout,
            env=self.env,
            cwd=self.work,
            capture_stdout=capture,
            label=label,
        )

    def served_child(
        self, argv: Sequence[str], label: str, stream: str, capture: bool = False
    ) -> tuple[ChildRun, Served, float]:
        """Run a client of the fake: also what the fake served and the CPU it spent."""
        self.api.clear_requests()
        before = _self_cpu()
        run = self.child(argv, label, capture)
        fake_cpu = _self_cpu() - before
        return run, served(self.api, stream), fake_cpu

    # -- set-up -------------------------------------------------------------------------------
    def discover(self) -> None:
        run = self.child(
            [self.tap, "--config", str(self.config_path), "--discover"],
            "tap-luminous --discover",
            capture=True,
        )
        catalog = json.loads(run.stdout)
        for stream in STREAMS:
            selected = json.loads(json.dumps(catalog))
            for entry in selected["streams"]:
                for metadata in entry["metadata"]:
                    if metadata["breadcrumb"] == []:
                        metadata["metadata"]["selected"] = entry["tap_stream_id"] == stream
            path = self.work / f"catalog-{stream}.json"
            path.write_text(json.dumps(selected))
            self.catalogs[stream] = path

    def startup(self) -> dict[str, Any]:
        """Wall and CPU times of `tap-luminous --about` (after one untimed warm-up)."""
        argv = [self.tap, "--about"]
        self.child(argv, "tap-luminous --about")
        runs = [self.child(argv, "tap-luminous --about") for _ in range(self.args.startup_runs)]
        return {
            "command": "tap-luminous --about",
            "samples_s": [r.wall for r in runs],
            "median_s": statistics.median(r.wall for r in runs),
            "cpu_samples_s": [r.cpu_s for r in runs],
            "cpu_median_s": statistics.median(r.cpu_s for r in runs),
            "peak_rss_mib": statistics.median(r.maxrss_kib for r in runs) / 1024,
        }

    def expected_records(self, stream: str) -> int:
        until = self.api.clock.now()
        if stream == "sales_orders":
            since = datetime(1970, 1, 1, tzinfo=UTC)
            return len(self.api.expected_sales_orders(since, until))
        return sum(len(self.api.expected_purchase_orders(s)) for s in PO_STATUSES)

    # -- one run of each client -----------------------------------------------------------------
    def floor_argv(self, stream: str, mode: str = "decode") -> list[str]:
        return [
            sys.executable,
            str(RAW_FLOOR),
            "--base-url",
            self.api.base_url,
            "--token",
            TOKEN,
            "--stream",
            stream,
            "--mode",
            mode,
            "--since",
            SINCE,
            "--limit",
            str(SALES_PAGE_SIZE),
            "--per-page",
            str(PO_PAGE_SIZE),
            "--statuses",
            ",".join(PO_STATUSES),
        ]

    def run_floor(self, stream: str, mode: str = "decode") -> Sample:
        run, got, fake_cpu = self.served_child(
            self.floor_argv(stream, mode), f"raw_floor {stream} {mode}", stream, capture=True
        )
        report = json.loads(run.stdout.strip().splitlines()[-1])
        return Sample(
            run.wall,
            run.maxrss_kib,
            got.requests,
            got.rows,
            cpu_s=run.cpu_s,
            inner_seconds=float(report["seconds"]),
            body_bytes=int(report["bytes"]),
            fake_cpu_s=fake_cpu,
        )

    def run_tap(self, stream: str) -> Sample:
        argv = [
            self.tap,
            "--config",
            str(self.config_path),
            "--catalog",
            str(self.catalogs[stream]),
        ]
        run, got, fake_cpu = self.served_child(argv, f"tap-luminous {stream}", stream)
        others = {r.path for r in self.api.requests} - {PATHS[stream]}
        if others:
            raise BenchError(f"tap-luminous {stream}: also requested {sorted(others)}")
        return Sample(
            run.wall, run.maxrss_kib, got.requests, got.rows, cpu_s=run.cpu_s, fake_cpu_s=fake_cpu
        )

    # -- the parts ----------------------------------------------------------------------------
    def fake_throughput(self) -> dict[str, Any]:
        """The fake's pages/s and rows/s for the sales export, client not decoding bodies."""
        self.run_floor("sales_orders", "fetch")  # warm-up (connections, bytecode)
        samples = [self.run_floor("sales_orders", "fetch") for _ in range(max(3, self.args.runs))]
        med = statistics.median
        return {
            "endpoint": PATHS["sales_orders"],
            "limit": SALES_PAGE_SIZE,
            "pages_per_s": med(s.requests / (s.inner_seconds or s.wall) for s in samples),
            "rows_per_s": med(s.rows_served / (s.inner_seconds or s.wall) for s in samples),
            "mb_per_s": med(s.body_bytes / (s.inner_seconds or s.wall) for s in samples) / 1e6,
            "bytes_per_row": samples[0].body_bytes / max(1, samples[0].rows_served),
            "fake_busy": med(s.fake_cpu_s / (s.inner_seconds or s.wall) for s in samples),
            # rows per CPU-second of the fake: what it could serve if a client kept it busy
            "rows_per_fake_cpu_s": med(
                s.rows_served / s.fake_cpu_s for s in samples if s.fake_cpu_s > 0
            )
            if any(s.fake_cpu_s > 0 for s in samples)
            else None,
            "runs": len(samples),
            "samples": [vars(s) for s in samples],
        }

    def measure(self, stream: str, latency_ms: float, startup_s: float) -> Row:
        self.api.faults = Faults(latency=latency_ms / 1000.0)
        row = Row(latency_ms, stream, self.expected_records(stream), startup_s=startup_s)
        # Untimed warm-up of both clients (bytecode cache, page cache, the fake's caches).
        self.run_floor(stream)
        self.run_tap(stream)
        for _ in range(self.args.runs):
            row.floor.append(self.run_floor(stream))
            row.tap.append(self.run_tap(stream))
            log(
                f"  {row.mode_ms:g} ms {stream}: tap {row.tap[-1].wall:.2f}s "
                f"{row.tap[-1].maxrss_kib / 1024:.0f} MiB, floor {row.floor[-1].wall:.2f}s"
            )
        for s in row.floor:
            if s.rows_served != row.records:
                raise BenchError(
                    f"raw floor {stream}: served {s.rows_served} rows, expected {row.records}"
                )
        for s in row.tap:
            if s.rows_served < row.records:
                raise BenchError(
                    f"tap {stream}: the fake served only {s.rows_served} rows, "
                    f"expected at least {row.records}"
                )
        self.api.faults = Faults()
        return row


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
COLUMNS: list[tuple[str, str, str]] = [
    # (header, key, format)
    ("mode", "mode", "s"),
    ("stream", "stream", "s"),
    ("records", "records", ",d"),
    ("requests tap/floor", "", ""),
    ("tap wall s", "tap_wall_s", ".2f"),
    ("tap rec/s", "tap_rec_per_s", ",.0f"),
    ("floor wall s", "floor_wall_s", ".2f"),
    ("floor rec/s", "floor_rec_per_s", ",.0f"),
    ("tap÷floor", "tap_over_floor", ".3f"),
    ("tap CPU s", "tap_cpu_s", ".2f"),
    ("floor CPU s", "floor_cpu_s", ".2f"),
    ("tap excl. start-up s", "tap_excl_startup_s", ".2f"),
    ("tap rec/s excl. start-up", "tap_rec_per_s_excl_startup", ",.0f"),
    ("floor rec/s excl. start-up", "floor_rec_per_s_excl_startup", ",.0f"),
    ("tap÷floor excl. start-up", "tap_over_floor_excl_startup", ".3f"),
    ("tap peak RSS MiB", "tap_peak_rss_mib", ".0f"),
    ("floor peak RSS MiB", "floor_peak_rss_mib", ".0f"),
    ("fake CPU % (tap/floor)", "", ""),
    ("latency floor s", "latency_floor_s", ".2f"),
    ("tap excl. start-up ÷ latency floor", "tap_excl_over_latency_floor", ".2f"),
]


def _cell(summary: dict[str, Any], header: str, key: str, fmt: str) -> str:
    if header.startswith("requests"):
        return f"{summary['tap_requests']}/{summary['floor_requests']}"
    if header.startswith("fake CPU"):
        return f"{summary['fake_busy_during_tap']:.0%}/{summary['fake_busy_during_floor']:.0%}"
    value = summary.get(key)
    if value is None:
        return "n/a"
    return format(value, fmt)


def markdown(
    summaries: list[dict[str, Any]],
    fake: dict[str, Any],
    startup: dict[str, Any],
    meta: dict[str, Any],
) -> str:
    lines = [
        f"tap-luminous benchmark — {meta['orders']:,} sales orders, "
        f"{meta['purchase_orders']:,} purchase orders, {meta['runs']} run(s), medians; "
        f"{meta['cpus']} CPUs, Python {meta['python']}, load average "
        f"{meta['loadavg_at_start'][0]:.2f} at start / {meta['loadavg_at_end'][0]:.2f} at end",
        "",
        "| " + " | ".join(h for h, _, _ in COLUMNS) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(COLUMNS))) + "|",
    ]
    for s in summaries:
        lines.append("| " + " | ".join(_cell(s, h, k, f) for h, k, f in COLUMNS) + " |")
    lines += [
        "",
        f"Fake API alone (sales export, limit={fake['limit']}, body not decoded): "
        f"{fake['pages_per_s']:,.1f} pages/s, {fake['rows_per_s']:,.0f} rows/s, "
        f"{fake['mb_per_s']:,.0f} MB/s ({fake['bytes_per_row']:,.0f} bytes/row); the fake's "
        f"process was {fake['fake_busy']:.0%} busy (CPU time ÷ the client's walk time) and "
        f"served {fake['rows_per_fake_cpu_s'] or 0:,.0f} rows per CPU-second.",
        f"Tap start-up (`tap-luminous --about`): median {startup['median_s']:.3f} s wall, "
        f"{startup['cpu_median_s']:.3f} s CPU, {startup['peak_rss_mib']:.0f} MiB over "
        f"{len(startup['samples_s'])} run(s) (bytecode cache: "
        f"{'private' if meta['bytecode_cache'] else 'as the environment has it'}).",
    ]
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--orders", type=int, default=20000, help="sales orders in the dataset")
    p.add_argument(
        "--purchase-orders", type=int, default=2000, help="purchase orders in the dataset"
    )
    p.add_argument("--runs", type=int, default=3, help="timed runs per stream and mode")
    p.add_argument(
        "--latency-ms",
        type=float,
        nargs="+",
        default=[0.0],
        help="one mode per value: latency the fake adds to every request",
    )
    p.add_argument("--streams", nargs="+", choices=STREAMS, default=list(STREAMS))
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke-test size: 2,000 orders, 200 purchase orders, 1 run",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    p.add_argument(
        "--startup-runs",
        type=int,
        default=None,
        help="runs of `tap-luminous --about` (default: max(3, --runs))",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds after which any child process is killed",
    )
    p.add_argument(
        "--tap-path",
        type=Path,
        default=None,
        help="directory holding the tap_luminous package to benchmark instead of the "
        "installed one (put first on the children's PYTHONPATH)",
    )
    p.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="run children with the environment as is (e.g. PYTHONDONTWRITEBYTECODE)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.orders, args.purchase_orders, args.runs = (
            QUICK["orders"],
            QUICK["purchase_orders"],
            QUICK["runs"],
        )
    if args.startup_runs is None:
        args.startup_runs = 1 if args.quick else max(3, args.runs)
    if args.runs < 1 or args.orders < 1 or args.purchase_orders < 1:
        raise SystemExit("--runs, --orders and --purchase-orders must be at least 1")

    t0 = time.perf_counter()
    load_at_start = os.getloadavg()
    dataset = Dataset.generate(
        sales_orders=args.orders,
        purchase_orders=args.purchase_orders,
        products=300,
        seed=SEED,
        start=DATA_START,
        end=DATA_END,
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(CLOCK_AT), host="127.0.0.1")
    api.warm()
    log(f"dataset generated and pre-serialised in {time.perf_counter() - t0:.1f}s")

    summaries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tap-luminous-bench-") as tmp, api:
        bench = Bench(args, api, Path(tmp))
        bench.discover()
        log("measuring the fake's throughput")
        fake = bench.fake_throughput()
        log("measuring the tap's start-up")
        startup = bench.startup()
        for latency in args.latency_ms:
            for stream in args.streams:
                log(f"measuring {stream} at {latency:g} ms latency")
                row = bench.measure(stream, latency, startup["median_s"])
                row.startup_cpu_s = startup["cpu_median_s"]
                summaries.append(row.summary())

    meta = {
        "orders": args.orders,
        "purchase_orders": args.purchase_orders,
        "runs": args.runs,
        "seed": SEED,
        "latency_ms": args.latency_ms,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "bytecode_cache": args.bytecode_cache,
        "quick": args.quick,
        "tap_path": str(args.tap_path.resolve()) if args.tap_path else None,
        "sales_orders_page_size": SALES_PAGE_SIZE,
        "purchase_orders_page_size": PO_PAGE_SIZE,
        "command": " ".join(
            [Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]
        ),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg_at_start": load_at_start,
        "loadavg_at_end": os.getloadavg(),
        "elapsed_s": time.perf_counter() - t0,
    }
    print(markdown(summaries, fake, startup, meta), flush=True)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"meta": meta, "fake": fake, "startup": startup, "results": summaries}, indent=2
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BenchError, subprocess.TimeoutExpired) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
