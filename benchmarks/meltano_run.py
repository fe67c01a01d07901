"""What users run: `meltano run tap-luminous target-postgres`, against the fake API and a
throwaway PostgreSQL, and where its time and memory go.

    .venv/bin/python benchmarks/meltano_run.py [--orders 20000 [200000 ...]] \
        [--run current:default current:recommended ...] [--tap NAME=DIR ...] \
        [--variant NAME=BASE[,PLUGIN:SETTING=VALUE ...] ...] [--repeat N] \
        [--validation-split] [--json PATH] [--keep-schemas] [--timeout 3600]

Every run is a real `meltano run` ($MELTANO_BIN, else .venv-meltano's Meltano) in a throwaway
Meltano project in a temp dir (the repository's meltano.yml and .meltano are never touched):
the plugin definitions are copied from meltano.yml (from DIR/meltano.yml for a tap given with
--tap, so an old tap gets its own settings), with `select:` fixed to the seven streams below and
each `executable` replaced by a small shell script that execs benchmarks/plugin_wrapper.py,
which runs the real tap-luminous (.venv's, with DIR first on PYTHONPATH for --tap) or
target-postgres (the MeltanoLabs 0.8.1 that benchmarks/pipeline.py installs, the same
requirement as meltano.yml's pip_url) and records its wall time, CPU time and peak RSS. Nothing
is installed into the throwaway project: no `meltano install`, no Meltano Hub.

Variants (plugin settings): `default` is the plugins' own defaults (meltano.yml's `config:`
blocks dropped); `recommended` is meltano.yml's recommended pipeline as committed: the
`config:` of tap-luminous and of tap-luminous--bulk (BATCH files, keep_nested_arrays off) for
the tap, and target-postgres's `config:`; further variants add settings on top of either, e.g.
`--variant big=recommended,target-postgres:batch_size_rows=100000`; a value may be a YAML map:
`--variant "b=default,tap-luminous:batch_config={encoding: {format: jsonl},
storage: {root: /tmp/b}}"` (one argument).
Runs are TAP:VARIANT pairs; taps are `current` (this checkout) or a --tap name.

Sizes: --orders sales orders (purchase orders: a tenth, as benchmarks/pipeline.py's defaults),
300 products, seed 5, the fake's clock after the data. Streams: sales_orders, sales_order_items,
sales_order_fulfillment_orders, sales_order_shipments, purchase_orders, purchase_order_items,
purchase_order_payments. Each run loads into its own schema; the rows counted there are the
run's `rows` (every stream has a key, so they are the distinct records), then the schema is
dropped (kept with --keep-schemas).

Reported per run: wall time of `meltano run` (spawn to exit) and rows/s; the tap's sync process,
the target and Meltano itself (wall, CPU, peak RSS; Meltano's CPU is its own, its children's
subtracted; its peak RSS is its own VmHWM); the tap's --discover runs Meltano made first; the
PostgreSQL server's CPU during the run (postmaster and backends, when the server is local and
readable); the target's waiting time (wall - CPU: for input and for the database).
--validation-split adds, per tap and size, the target alone on the tap's saved output with
`validate_records` true and false: the CPU difference is the target's record validation.

The PostgreSQL server: the one PG* variables name when PGHOST is set, else a throwaway cluster
(tests/pg_cluster.py). Only loopback is contacted; every child has a timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "scripts"))

from bootstrap import MELTANO_VENV, VENV  # noqa: E402
from pipeline import (  # noqa: E402
    STREAMS,
    TARGET_SPEC,
    TOKEN,
    own_peak_kib,
    run_children,
    target_executable,
    target_settings,
)

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI  # noqa: E402
from tests.pg_cluster import PgServer, postgres_server  # noqa: E402

UTC = dt.timezone.utc
WRAPPER = REPO / "benchmarks" / "plugin_wrapper.py"
TAP = "tap-luminous"
TARGET = "target-postgres"
RECOMMENDED_TAP = "tap-luminous--bulk"
END = dt.datetime(2026, 6, 1, tzinfo=UTC)
START_DATE = "2020-01-01T00:00:00Z"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Every field each run reports (tests/test_benchmark_smoke.py checks them all).
RUN_FIELDS = (
    "tap",
    "variant",
    "orders",
    "purchase_orders",
    "settings",
    "rows",
    "rows_by_table",
    "wall_s",
    "rows_per_s",
    "tap_wall_s",
    "tap_cpu_s",
    "tap_rss_mib",
    "tap_discover_runs",
    "tap_discover_wall_s",
    "target_wall_s",
    "target_cpu_s",
    "target_rss_mib",
    "target_wait_s",
    "meltano_cpu_s",
    "meltano_rss_mib",
    "db_cpu_s",
)
SPLIT_FIELDS = (
    "tap",
    "orders",
    "records",
    "target_validating_cpu_s",
    "target_validating_wall_s",
    "target_plain_cpu_s",
    "target_plain_wall_s",
    "validation_cpu_s",
)


# --------------------------------------------------------------------------------------------
# The throwaway Meltano project


def _plugin(project: dict[str, t.Any], kind: str, name: str) -> dict[str, t.Any]:
    (plugin,) = [p for p in project["plugins"][kind] if p["name"] == name]
    return t.cast(dict[str, t.Any], plugin)


def _yml(path: Path) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], yaml.safe_load(path.read_text()))


def recommended_settings() -> dict[str, dict[str, t.Any]]:
    """meltano.yml's recommended pipeline, `tap-luminous--bulk` (tap-luminous's `config:` and
    its own) into target-postgres (its `config:`): {plugin: {setting: value}}."""
    project = _yml(REPO / "meltano.yml")
    out: dict[str, dict[str, t.Any]] = {}
    for kind, name, into in (
        ("extractors", TAP, TAP),
        ("extractors", RECOMMENDED_TAP, TAP),
        ("loaders", TARGET, TARGET),
    ):
        config = _plugin(project, kind, name).get("config")
        if config:
            out.setdefault(into, {}).update(copy.deepcopy(config))
    return out


def parse_variant(spec: str, known: dict[str, dict[str, dict[str, t.Any]]]) -> tuple[str, t.Any]:
    """`NAME=BASE[,PLUGIN:SETTING=VALUE ...]` -> (name, {plugin: {setting: value}})."""
    name, _, rest = spec.partition("=")
    # Split at the commas that start a PLUGIN: item, so a value may hold commas (a YAML map).
    base, *sets = re.split(f",(?=(?:{TAP}|{TARGET}):)", rest)
    if base not in known:
        raise SystemExit(f"--variant {spec}: base {base!r} is not one of {sorted(known)}")
    settings = copy.deepcopy(known[base])
    for item in sets:
        plugin, _, assignment = item.partition(":")
        key, _, value = assignment.partition("=")
        if plugin not in (TAP, TARGET) or not key:
            raise SystemExit(f"--variant {spec}: {item!r} is not {TAP}|{TARGET}:SETTING=VALUE")
        settings.setdefault(plugin, {})[key] = yaml.safe_load(value)
    return name, settings


class Project:
    """A Meltano project in a temp dir whose plugins run through plugin_wrapper.py."""

    def __init__(self, root: Path, repo_yml: dict[str, t.Any], target_exe: Path) -> None:
        self.root = root
        self.repo_yml = repo_yml
        self.target_exe = target_exe
        self.record = root / "plugin-runs.jsonl"
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        target_def = _plugin(repo_yml, "loaders", TARGET)
        if target_def["pip_url"] != TARGET_SPEC:
            raise SystemExit(
                f"meltano.yml's {TARGET} is {target_def['pip_url']!r}, the benchmark runs "
                f"{TARGET_SPEC!r}: update benchmarks/pipeline.py's TARGET_SPEC"
            )

    def _wrapper(self, role: str, real: Path, pythonpath: Path | None) -> Path:
        script = self.root / f"run-{role}.sh"
        lines = ["#!/bin/sh"]
        if pythonpath is not None:
            lines.append(f"export PYTHONPATH={shlex.quote(str(pythonpath))}")
        lines.append(
            "exec "
            + " ".join(
                shlex.quote(str(a))
                for a in (VENV / "bin" / "python", "-I", "-S", WRAPPER, self.record, role, "--")
            )
            + f' {shlex.quote(str(real))} "$@"'
        )
        script.write_text("\n".join(lines) + "\n")
        script.chmod(0o755)
        return script

    def write(self, tap_dir: Path | None, settings: dict[str, dict[str, t.Any]]) -> None:
        """meltano.yml for one run: the tap of tap_dir (None: this checkout), these settings."""
        tap_yml = self.repo_yml
        if tap_dir is not None and (tap_dir / "meltano.yml").is_file():
            tap_yml = _yml(tap_dir / "meltano.yml")
        tap = copy.deepcopy(_plugin(tap_yml, "extractors", TAP))
        target = copy.deepcopy(_plugin(self.repo_yml, "loaders", TARGET))
        for plugin, role, real, path in (
            (tap, "tap", VENV / "bin" / "tap-luminous", tap_dir),
            (target, "target", self.target_exe, None),
        ):
            plugin["executable"] = str(self._wrapper(role, real, path))
            plugin.pop("config", None)
            own = settings.get(plugin["name"])
            if own:
                plugin["config"] = dict(own)
        tap["select"] = [f"{stream}.*" for stream in STREAMS]
        project = {
            "version": 1,
            "project_id": "tap-luminous-meltano-run-benchmark",
            "send_anonymous_usage_stats": False,
            "default_environment": "bench",
            "environments": [{"name": "bench"}],
            "state_backend": {"uri": "systemdb"},
            "plugins": {"extractors": [tap], "loaders": [target]},
        }
        for key in ("requires_meltano", "venv", "cli"):
            if key in self.repo_yml:
                project[key] = self.repo_yml[key]
        (self.root / "meltano.yml").write_text(yaml.safe_dump(project, sort_keys=False))

    def env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TAP_LUMINOUS_", "TARGET_POSTGRES_", "MELTANO_", "VIRTUAL_ENV"))
            and k not in ("PYTHONPATH",)
        }
        env.update(
            {
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "MELTANO_DISABLE_TRACKING": "true",
                "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
                "NO_COLOR": "1",
                **extra,
            }
        )
        return env


# --------------------------------------------------------------------------------------------
# Measuring


def run_meltano(
    argv: list[str], env: dict[str, str], cwd: Path, log: Path, timeout: float
) -> dict[str, float]:
    """Run Meltano; wall s, total CPU s (its children's included), its own peak RSS MiB."""
    with log.open("wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a timeout can stop the tap and the target too
        )
        peak = 0
        while True:
            peak = max(peak, own_peak_kib(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                raise SystemExit(f"meltano_run: {argv} ran past --timeout {timeout}s (log {log})")
            time.sleep(0.05)  # polling VmHWM, which only rises; no figure depends on this
        wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-6000:]
        raise SystemExit(f"meltano_run: {argv} exited {proc.returncode} (log {log}):\n{tail}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": peak / 1024}


class DbCpu:
    """CPU seconds of a local PostgreSQL server: postmaster, its reaped and live children."""

    def __init__(self, pg: PgServer) -> None:
        self.postmaster: int | None = None
        conn = pg.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                (backend,) = cur.fetchone()
        finally:
            conn.close()
        with contextlib.suppress(OSError, ValueError, IndexError):
            self.postmaster = int(self._stat(backend)[1])

    @staticmethod
    def _stat(pid: int) -> list[str]:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            text = fh.read()
        return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on

    def seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        try:
            fields = self._stat(self.postmaster)
        except OSError:
            return None
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                child = self._stat(int(entry.name))
                if int(child[1]) == self.postmaster:
                    ticks += int(child[11]) + int(child[12])
        return ticks / CLK_TCK


def _count_rows(pg: PgServer, schema: str, drop: bool) -> dict[str, int]:
    conn = pg.connect()
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
            tables = sorted(row[0] for row in cur.fetchall())
            counts = {}
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608 (ours)
                counts[table] = int(cur.fetchone()[0])
            if drop:
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        return counts
    finally:
        conn.close()


def _plugin_runs(record: Path) -> list[dict[str, t.Any]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines() if line.strip()]


def one_run(
    *,
    project: Project,
    pg: PgServer,
    db_cpu: DbCpu,
    api: FakeLuminousAPI,
    tap_name: str,
    tap_dir: Path | None,
    variant: str,
    settings: dict[str, dict[str, t.Any]],
    orders: int,
    purchase_orders: int,
    label: str,
    args: argparse.Namespace,
) -> dict[str, t.Any]:
    project.write(tap_dir, settings)
    project.record.unlink(missing_ok=True)
    schema = f"bench_{label}"
    env = project.env(
        {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": START_DATE,
            **pg.target_postgres_env(schema),
        }
    )
    meltano = os.environ.get("MELTANO_BIN") or str(MELTANO_VENV / "bin" / "meltano")
    # Once per project: Meltano creates and migrates its system database on first use.
    if not (project.root / ".meltano" / "meltano.db").exists():
        run_meltano([meltano, "state", "list"], env, project.root, project.logs / "init.log", 300)
    db_before = db_cpu.seconds()
    m = run_meltano(
        [meltano, "run", "--state-id-suffix", label, TAP, TARGET],
        env,
        project.root,
        project.logs / f"{label}.log",
        args.timeout,
    )
    db_after = db_cpu.seconds()
    runs = _plugin_runs(project.record)
    syncs = [r for r in runs if r["role"] == "tap" and r["kind"] == "sync"]
    discovers = [r for r in runs if r["role"] == "tap" and r["kind"] == "discover"]
    targets = [r for r in runs if r["role"] == "target" and r["kind"] == "sync"]
    if len(syncs) != 1 or len(targets) != 1:
        raise SystemExit(f"meltano_run: expected one tap and one target run, got {runs}")
    (tap,), (target,) = syncs, targets
    children_cpu = sum(r["utime_s"] + r["stime_s"] + r.get("wrapper_cpu_s", 0.0) for r in runs)
    counts = _count_rows(pg, schema, drop=not args.keep_schemas)
    rows = sum(counts.values())
    target_cpu = target["utime_s"] + target["stime_s"]
    return {
        "tap": tap_name,
        "variant": variant,
        "orders": orders,
        "purchase_orders": purchase_orders,
        "settings": settings,
        "schema": schema,
        "rows": rows,
        "rows_by_table": counts,
        "wall_s": m["wall"],
        "rows_per_s": rows / m["wall"],
        "tap_wall_s": tap["wall_s"],
        "tap_cpu_s": tap["utime_s"] + tap["stime_s"],
        "tap_rss_mib": tap["maxrss_kib"] / 1024,
        "tap_discover_runs": len(discovers),
        "tap_discover_wall_s": sum(r["wall_s"] for r in discovers),
        "target_wall_s": target["wall_s"],
        "target_cpu_s": target_cpu,
        "target_rss_mib": target["maxrss_kib"] / 1024,
        "target_wait_s": target["wall_s"] - target_cpu,
        "meltano_cpu_s": max(0.0, m["cpu"] - children_cpu),
        "meltano_rss_mib": m["rss_mib"],
        "db_cpu_s": None if db_before is None or db_after is None else db_after - db_before,
    }


def validation_split(
    *,
    work: Path,
    pg: PgServer,
    api: FakeLuminousAPI,
    target_exe: Path,
    tap_name: str,
    tap_dir: Path | None,
    orders: int,
    args: argparse.Namespace,
) -> dict[str, t.Any]:
    """The target alone on the tap's saved output (default tap settings), validating or not."""
    config = {"api_token": TOKEN, "api_url": api.base_url, "start_date": START_DATE}
    (work / "tap.json").write_text(json.dumps(config))
    tap = [str(VENV / "bin" / "tap-luminous"), "--config", str(work / "tap.json")]
    old_path = os.environ.get("PYTHONPATH")
    if tap_dir is not None:
        os.environ["PYTHONPATH"] = str(tap_dir)
    saved = work / "tap-output.jsonl"
    try:
        discovered = subprocess.run(
            [*tap, "--discover"], capture_output=True, check=True, timeout=120
        )
        catalog = json.loads(discovered.stdout)
        for entry in catalog["streams"]:
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == []:
                    metadata["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
        (work / "catalog.json").write_text(json.dumps(catalog))
        run_children([[*tap, "--catalog", str(work / "catalog.json")]], None, saved, args.timeout)
    finally:
        if old_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old_path
    with saved.open("rb") as lines:
        records = sum(1 for line in lines if line.startswith(b'{"type":"RECORD"'))
    out: dict[str, t.Any] = {"tap": tap_name, "orders": orders, "records": records}
    for name, validate in (("validating", True), ("plain", False)):
        schema = f"split_{tap_name}_{orders}_{name}"
        settings = {**target_settings(pg, schema, validate), "load_method": "upsert"}
        path = work / f"target-{name}.json"
        path.write_text(json.dumps(settings))
        [m] = run_children([[str(target_exe), "--config", str(path)]], saved, None, args.timeout)
        _count_rows(pg, schema, drop=True)
        out[f"target_{name}_cpu_s"] = m["cpu"]
        out[f"target_{name}_wall_s"] = m["wall"]
    out["validation_cpu_s"] = out["target_validating_cpu_s"] - out["target_plain_cpu_s"]
    saved.unlink()
    return out


# --------------------------------------------------------------------------------------------
# Report


def _mib(value: float) -> str:
    return f"{value:.0f}"


def print_report(runs: list[dict[str, t.Any]], splits: list[dict[str, t.Any]]) -> None:
    print(f"meltano run {TAP} {TARGET} ({TARGET_SPEC}), streams: {', '.join(STREAMS)}")
    print(
        "| tap | variant | orders | rows | wall s | rows/s | x first | tap wall / CPU s | "
        "tap RSS MiB | tap --discover s | target wall / CPU s | target waiting s | "
        "target RSS MiB | meltano CPU s | meltano RSS MiB | PostgreSQL CPU s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    first: dict[int, float] = {}
    for r in runs:
        base = first.setdefault(r["orders"], r["rows_per_s"])
        db = "n/a" if r["db_cpu_s"] is None else f"{r['db_cpu_s']:.1f}"
        print(
            f"| {r['tap']} | {r['variant']} | {r['orders']:,} | {r['rows']:,} | "
            f"{r['wall_s']:.1f} | {r['rows_per_s']:,.0f} | {r['rows_per_s'] / base:.2f} | "
            f"{r['tap_wall_s']:.1f} / {r['tap_cpu_s']:.1f} | {_mib(r['tap_rss_mib'])} | "
            f"{r['tap_discover_wall_s']:.1f} ({r['tap_discover_runs']}) | "
            f"{r['target_wall_s']:.1f} / {r['target_cpu_s']:.1f} | {r['target_wait_s']:.1f} | "
            f"{_mib(r['target_rss_mib'])} | {r['meltano_cpu_s']:.1f} | "
            f"{_mib(r['meltano_rss_mib'])} | {db} |"
        )
    if splits:
        print("\ntarget alone on the tap's saved output (default tap settings):")
        print(
            "| tap | orders | records | validate_records: true CPU s | false CPU s | "
            "validation CPU s |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for s in splits:
            print(
                f"| {s['tap']} | {s['orders']:,} | {s['records']:,} | "
                f"{s['target_validating_cpu_s']:.1f} | {s['target_plain_cpu_s']:.1f} | "
                f"{s['validation_cpu_s']:.1f} |"
            )
    for r in runs:
        print(f"settings of {r['tap']}:{r['variant']}: {json.dumps(r['settings'], sort_keys=True)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[20000])
    parser.add_argument(
        "--purchase-orders",
        type=int,
        help="purchase orders (default: a tenth of the sales orders)",
    )
    parser.add_argument(
        "--tap",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="another copy of the tap: DIR holds tap_luminous/ (and its meltano.yml)",
    )
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=BASE[,P:K=V]")
    parser.add_argument(
        "--run",
        nargs="+",
        default=["current:default", "current:recommended"],
        metavar="TAP:VARIANT",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each pair per size")
    parser.add_argument("--validation-split", action="store_true")
    parser.add_argument("--keep-schemas", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--timeout", type=float, default=3600, help="per meltano run, seconds")
    args = parser.parse_args()

    taps: dict[str, Path | None] = {"current": None}
    for spec in args.tap:
        name, _, path = spec.partition("=")
        if not (Path(path) / "tap_luminous").is_dir():
            raise SystemExit(f"--tap {spec}: {path} holds no tap_luminous/")
        taps[name] = Path(path).resolve()
    repo_yml = _yml(REPO / "meltano.yml")
    variants: dict[str, dict[str, dict[str, t.Any]]] = {
        "default": {},
        "recommended": recommended_settings(),
    }
    for spec in args.variant:
        name, settings = parse_variant(spec, variants)
        variants[name] = settings
    pairs = []
    for spec in args.run:
        tap_name, _, variant = spec.partition(":")
        if tap_name not in taps or variant not in variants:
            raise SystemExit(f"--run {spec}: taps {sorted(taps)}, variants {sorted(variants)}")
        pairs.append((tap_name, variant))

    target_exe = target_executable()
    runs: list[dict[str, t.Any]] = []
    splits: list[dict[str, t.Any]] = []
    with postgres_server() as pg, tempfile.TemporaryDirectory(prefix="meltano-run-") as tmp:
        db_cpu = DbCpu(pg)
        project = Project(Path(tmp) / "project", repo_yml, target_exe)
        for orders in args.orders:
            purchase_orders = args.purchase_orders or max(1, orders // 10)
            dataset = Dataset.generate(
                sales_orders=orders,
                purchase_orders=purchase_orders,
                products=300,
                seed=5,
                start=dt.datetime(2025, 1, 1, tzinfo=UTC),
                end=END,
            )
            clock = FakeClock(END + dt.timedelta(days=1))
            with FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=clock) as api:
                api.warm()
                for n in range(args.repeat):
                    for tap_name, variant in pairs:
                        label = f"{tap_name}_{variant}_{orders}_{n}".replace("-", "_").lower()
                        run = one_run(
                            project=project,
                            pg=pg,
                            db_cpu=db_cpu,
                            api=api,
                            tap_name=tap_name,
                            tap_dir=taps[tap_name],
                            variant=variant,
                            settings=variants[variant],
                            orders=orders,
                            purchase_orders=purchase_orders,
                            label=label,
                            args=args,
                        )
                        runs.append(run)
                        print(
                            f"# {label}: {run['rows']:,} rows in {run['wall_s']:.1f} s",
                            file=sys.stderr,
                            flush=True,
                        )
                if args.validation_split:
                    for tap_name in dict.fromkeys(tap for tap, _ in pairs):
                        splits.append(
                            validation_split(
                                work=Path(tmp),
                                pg=pg,
                                api=api,
                                target_exe=target_exe,
                                tap_name=tap_name,
                                tap_dir=taps[tap_name],
                                orders=orders,
                                args=args,
                            )
                        )
            del dataset
            sizes = {r["rows"] for r in runs if r["orders"] == orders}
            if len(sizes) != 1:
                raise SystemExit(f"meltano_run: runs at {orders} orders loaded {sizes} rows")
    print_report(runs, splits)
    if args.json:
        report = {
            "target": TARGET_SPEC,
            "streams": list(STREAMS),
            "load_average": os.getloadavg(),
            "runs": runs,
            "validation_split": splits,
        }
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
