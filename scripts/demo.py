#!/usr/bin/env python3
"""Demo: extract Luminous data with Meltano into a DuckDB file and show what landed.

    python3 scripts/demo.py

Needs only Python 3.10+ (and network access to PyPI the first time). It:
1. sets up the project's virtualenvs with scripts/bootstrap.py, as the test command does:
   `.venv` (tap-luminous, editable) and `.venv-meltano` (Meltano), reused when up to date
   (`--venv PATH` puts both into one venv instead);
2. starts the bundled fake Luminous API (`python -m fake_luminous`, thousands of orders), unless
   real credentials are configured in `.env` or the environment: TAP_LUMINOUS_API_TOKEN plus
   TAP_LUMINOUS_COMPANY_NAME or TAP_LUMINOUS_API_URL (see .env.example);
3. runs `meltano install` and `meltano run tap-luminous target-duckdb`, with the tap's stream
   map from scripts/money_as_text.py (TAP_LUMINOUS_STREAM_MAPS) so money keeps its exact digits:
   target-duckdb stores JSON numbers as DOUBLE (12.30 -> 12.3), so every number column goes to
   DuckDB as text ('12.30', 34-digit amounts intact) and nested arrays/objects as JSON text;
4. prints the tables, their row counts and a few sample rows from the DuckDB file;
5. stops the fake API.

With the fake API the run is a full refresh into a fresh `output/demo.duckdb` (deleted and
recreated each time); with real credentials it is an ordinary incremental run into
`output/warehouse.duckdb`, keeping Meltano state in `.meltano/` like any `meltano run`. The
layout each file was written with is recorded next to it (`<file>.layout.json`); a warehouse
file from an older layout (money as DOUBLE, or a different money map) is moved aside to
`<file>.bak` and reloaded with `--full-refresh`. Every step has a time limit.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
import typing as t
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MELTANO_REQUIREMENT = "meltano~=4.4.1"
OUTPUT = REPO / "output"
MIN_PYTHON = (3, 10)
MAX_PYTHON = (3, 13)

# The demo's pipeline and the DuckDB schema it loads into (tests/test_money_targets.py runs it).
PIPELINE = ("tap-luminous", "target-duckdb")
DB_SCHEMA = "luminous"
# Version of the demo database's layout: 1 = money as DOUBLE (target-duckdb's default),
# 2 = money as text through scripts/money_as_text.py. The recorded layout also holds the map
# itself and target-duckdb's pip_url, so a new money column or target version counts as new.
DB_LAYOUT_VERSION = 2

SAMPLE_COLUMNS = {
    "sales_orders": [
        "order_id",
        "order_number",
        "order_status",
        "total_amount",
        "total_paid",
        "updated_at",
    ],
    "purchase_orders": ["id", "order_numbers", "order_status", "total_cost", "updated_at"],
    "products": ["id", "sku", "name", "retail_price", "updated_at"],
}


class DemoError(RuntimeError):
    pass


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, cap: float | None = None) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise DemoError("the demo ran out of time (raise it with --timeout)")
        return min(remaining, cap) if cap else remaining


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(
    argv: list[str | Path],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    what: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run a command with a timeout; output goes to `log` (or is captured), tail shown on error."""
    args = [str(a) for a in argv]
    what = what or " ".join(args[:3])
    try:
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w") as fh:
                proc = subprocess.run(
                    args,
                    cwd=REPO,
                    env=env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=timeout,
                    check=False,
                    stdin=subprocess.DEVNULL,
                )
            output = log.read_text(errors="replace")
        else:
            proc = subprocess.run(
                args,
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            output = (proc.stdout or "") + (proc.stderr or "")
    except subprocess.TimeoutExpired as exc:
        raise DemoError(f"{what} did not finish within {timeout:.0f}s") from exc
    if proc.returncode != 0:
        tail = "\n".join(output.splitlines()[-40:])
        where = f" (full log: {log})" if log else ""
        raise DemoError(f"{what} failed with exit code {proc.returncode}{where}:\n{tail}")
    return proc


# ------------------------------------------------------------------------------------------
# Virtualenv


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path, deadline: Deadline, reinstall: bool) -> Path:
    """Create or reuse `venv`, with the project (editable) and Meltano installed."""
    python = venv_python(venv)
    uv = shutil.which("uv")
    stamp = venv / ".tap-luminous-demo"
    want = hashlib.sha256(
        (REPO / "pyproject.toml").read_bytes() + MELTANO_REQUIREMENT.encode()
    ).hexdigest()
    installed = python.exists() and (venv / "bin" / "meltano").exists() and stamp.exists()
    if installed and not reinstall and stamp.read_text().strip() == want:
        say(f"Reusing {venv} (project and Meltano already installed)")
        return python
    if not python.exists():
        say(f"Creating the virtualenv {venv}")
        if uv:
            run(
                [uv, "venv", "--python", sys.executable, venv],
                timeout=deadline.left(300),
                what="uv venv",
            )
        else:
            run(
                [sys.executable, "-m", "venv", venv],
                timeout=deadline.left(300),
                what="python -m venv",
            )
    else:
        say(f"Reusing {venv}")
    say(f"Installing tap-luminous (editable) and {MELTANO_REQUIREMENT} into it (a minute or two)")
    log = OUTPUT / "demo-pip-install.log"
    if uv:
        run(
            [uv, "pip", "install", "--python", python, "-e", REPO, MELTANO_REQUIREMENT],
            timeout=deadline.left(1200),
            log=log,
            what="uv pip install",
        )
    else:
        if not has_pip(python):  # a venv made by uv has no pip
            run([python, "-m", "ensurepip"], timeout=deadline.left(300), what="ensurepip")
        run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-e",
                REPO,
                MELTANO_REQUIREMENT,
            ],
            timeout=deadline.left(1800),
            log=log,
            what="pip install",
        )
    stamp.write_text(want + "\n")
    return python


def prepare_environments(
    venv: Path | None, deadline: Deadline, reinstall: bool
) -> tuple[Path, Path]:
    """(python with the project installed, meltano executable).

    By default the project's own bootstrap (scripts/bootstrap.py) makes `.venv` (the tap) and
    `.venv-meltano` (Meltano, kept apart), the same environments the test command uses. With
    `--venv PATH`, or without bootstrap.py, one venv at PATH (default `.venv`) gets both.
    """
    if venv is None:
        bootstrap: types.ModuleType | None = None
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        with contextlib.suppress(ImportError):
            bootstrap = importlib.import_module("bootstrap")  # the project's stdlib venv setup
        if bootstrap is not None and hasattr(bootstrap, "ensure_meltano"):
            if reinstall:
                for env_dir in (
                    getattr(bootstrap, "VENV", REPO / ".venv"),
                    getattr(bootstrap, "MELTANO_VENV", REPO / ".venv-meltano"),
                ):
                    (Path(env_dir) / ".bootstrap-stamp").unlink(missing_ok=True)
            say("Setting up .venv (tap-luminous) and .venv-meltano (Meltano); first time: minutes")
            try:
                python = Path(bootstrap.ensure_dev_env())
                meltano = Path(bootstrap.ensure_meltano())
            except (subprocess.SubprocessError, OSError) as exc:
                raise DemoError(f"setting up the virtualenvs failed: {exc}") from exc
            deadline.left()
            return python, meltano
    python = ensure_venv((venv or REPO / ".venv").resolve(), deadline, reinstall)
    return python, python.parent / "meltano"


def has_pip(python: Path) -> bool:
    proc = subprocess.run(
        [str(python), "-m", "pip", "--version"], capture_output=True, timeout=60, check=False
    )
    return proc.returncode == 0


# ------------------------------------------------------------------------------------------
# Credentials and the fake API


def read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def real_credentials() -> dict[str, str] | None:
    """TAP_LUMINOUS_* from the environment over .env, when they name a real tenant."""
    merged = {**read_dotenv(REPO / ".env"), **os.environ}
    token = merged.get("TAP_LUMINOUS_API_TOKEN", "").strip()
    where = (
        merged.get("TAP_LUMINOUS_COMPANY_NAME", "").strip()
        or merged.get("TAP_LUMINOUS_API_URL", "").strip()
    )
    if token and where:
        return {"token": token, "where": where}
    return None


class FakeAPI:
    """`python -m fake_luminous` in a child process; `stop()` ends it (SIGTERM, then SIGKILL)."""

    def __init__(self, python: Path, orders: int, purchase_orders: int, products: int) -> None:
        self.python = python
        self.args = [
            "--sales-orders",
            str(orders),
            "--purchase-orders",
            str(purchase_orders),
            "--products",
            str(products),
        ]
        self.proc: subprocess.Popen[str] | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="tap-luminous-demo-"))
        self.log = OUTPUT / "demo-fake-api.log"

    def start(self, timeout: float, max_seconds: int) -> dict[str, str]:
        ready = self.tmp / "ready.json"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        log = self.log.open("w")
        self.proc = subprocess.Popen(
            [
                str(self.python),
                "-m",
                "fake_luminous",
                "--port",
                "0",
                "--token",
                "demo-token",
                "--ready-file",
                str(ready),
                "--max-seconds",
                str(max_seconds),
                *self.args,
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if ready.exists() and ready.stat().st_size:
                try:
                    info = json.loads(ready.read_text())
                except json.JSONDecodeError:
                    info = None  # still being written
                if info and info.get("base_url"):
                    return {"base_url": info["base_url"], "token": info.get("token", "demo-token")}
            if self.proc.poll() is not None:
                err = self.log.read_text(errors="replace")[-3000:]
                raise DemoError(f"the fake API exited with code {self.proc.returncode}:\n{err}")
            time.sleep(0.1)
        raise DemoError(f"the fake API was not ready within {timeout:.0f}s (log: {self.log})")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# Exact money in DuckDB: the tap's stream map and the database layout


def money_stream_maps(python: Path, timeout: float = 120) -> dict[str, dict[str, str]]:
    """The tap's `stream_maps` setting that sends every number column as text.

    Built by scripts/money_as_text.py from `tap-luminous --discover`, run with the Python that
    has the tap installed, so it covers every number column the tap declares today.
    """
    proc = run(
        [python, REPO / "scripts" / "money_as_text.py"],
        timeout=timeout,
        what="scripts/money_as_text.py",
    )
    maps = json.loads(proc.stdout)
    if not isinstance(maps, dict) or not maps:
        raise DemoError("scripts/money_as_text.py produced no stream map")
    return maps


def pipeline_env(stream_maps: dict[str, dict[str, str]], db_file: Path) -> dict[str, str]:
    """Environment for `meltano run tap-luminous target-duckdb` into `db_file`, money as text."""
    return {
        "TAP_LUMINOUS_STREAM_MAPS": json.dumps(stream_maps, sort_keys=True),
        "TARGET_DUCKDB_FILEPATH": str(db_file),
    }


def _target_duckdb_pip_url() -> str:
    lines = (REPO / "meltano.yml").read_text().splitlines()
    for n, line in enumerate(lines):
        if line.strip() == "- name: target-duckdb":
            for follow in lines[n + 1 : n + 15]:
                if follow.strip().startswith("pip_url:"):
                    return follow.split(":", 1)[1].strip()
    return "?"


def db_layout(stream_maps: dict[str, dict[str, str]]) -> dict[str, t.Any]:
    digest = hashlib.sha256(
        json.dumps([stream_maps, _target_duckdb_pip_url()], sort_keys=True).encode()
    ).hexdigest()[:16]
    return {"layout_version": DB_LAYOUT_VERSION, "fingerprint": digest}


def layout_file(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".layout.json")


def prepare_db_file(db_file: Path, layout: dict[str, t.Any], *, fresh: bool) -> bool:
    """Make `db_file` safe to load into; True when the run must be a full refresh.

    `fresh`: always start from an empty file (the fake API's demo database). Otherwise an
    existing file whose recorded layout differs from `layout` (or that has none: written
    before layouts were recorded, with money as DOUBLE) is moved aside to `<file>.bak`.
    """
    stale = [db_file, db_file.with_name(db_file.name + ".wal"), layout_file(db_file)]
    if fresh:
        for path in stale:
            path.unlink(missing_ok=True)
        return True
    if not db_file.exists():
        layout_file(db_file).unlink(missing_ok=True)
        say(f"{db_file.name} does not exist yet: loading everything into a new file")
        return True
    try:
        recorded = json.loads(layout_file(db_file).read_text())
    except (OSError, ValueError):
        recorded = None
    if recorded == layout:
        return False
    backup = db_file.with_name(db_file.name + ".bak")
    if not isinstance(recorded, dict):
        what = "an older layout (money as DOUBLE)"
    elif recorded.get("layout_version") != layout["layout_version"]:
        what = f"layout {recorded.get('layout_version')}, not {layout['layout_version']}"
    else:
        what = "another money map or target-duckdb version"
    say(
        f"{db_file.relative_to(REPO) if db_file.is_relative_to(REPO) else db_file} was written "
        f"with {what}; moving it to {backup.name} and reloading everything (--full-refresh)"
    )
    db_file.replace(backup)
    for path in stale[1:]:
        path.unlink(missing_ok=True)
    return True


def record_layout(db_file: Path, layout: dict[str, t.Any]) -> None:
    layout_file(db_file).write_text(json.dumps(layout, indent=2) + "\n")


# ------------------------------------------------------------------------------------------
# Reading the DuckDB file

REPORT_SCRIPT = r"""
import json, sys
import duckdb

path, schema, samples = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
con = duckdb.connect(path, read_only=True)
catalog = con.execute("SELECT current_database()").fetchone()[0]
tables = [r[0] for r in con.execute(
    "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
    "AND table_schema = ? ORDER BY 1", [catalog, schema]).fetchall()]
out = {"tables": []}
for table in tables:
    q = f'"{catalog}"."{schema}"."{table}"'
    count = con.execute(f"SELECT count(*) FROM {q}").fetchone()[0]
    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? "
        "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [catalog, schema, table]).fetchall()]
    wanted = [c for c in samples.get(table, []) if c in cols] or cols[:6]
    order = "updated_at DESC" if "updated_at" in cols else "1"
    rows = con.execute(
        f"SELECT {', '.join(chr(34) + c + chr(34) for c in wanted)} FROM {q} "
        f"ORDER BY {order} LIMIT 3").fetchall()
    nested = {}
    for col in ("items", "payments", "fulfillment_orders"):
        if col in cols:
            nested[col] = con.execute(
                f'SELECT count(*) FROM {q} WHERE "{col}" IS NOT NULL '
                f"AND json_array_length(\"{col}\") > 0").fetchone()[0]
    out["tables"].append({"name": table, "rows": count, "columns": len(cols),
                          "sample_columns": wanted, "sample": [[str(v) for v in r] for r in rows],
                          "nested": nested})
    if table == "sales_orders" and "total_paid" in cols:
        kind = con.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_catalog = ? "
            "AND table_schema = ? AND table_name = ? AND column_name = 'total_paid'",
            [catalog, schema, table]).fetchone()[0]
        longest = con.execute(
            f"SELECT order_id, CAST(total_paid AS VARCHAR) FROM {q} WHERE total_paid IS NOT NULL "
            "ORDER BY length(CAST(total_paid AS VARCHAR)) DESC, 1 LIMIT 1").fetchone()
        out["money"] = {"type": kind, "longest": [str(v) for v in longest] if longest else None}
print(json.dumps(out))
"""


def duckdb_python(python: Path, deadline: Deadline) -> Path:
    """A Python that can `import duckdb`: target-duckdb's own venv, else the demo venv."""
    sys_dir = Path(os.environ.get("MELTANO_SYS_DIR_ROOT", REPO / ".meltano"))
    plugin_python = sys_dir / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    for candidate in (plugin_python, python):
        if candidate.exists():
            probe = subprocess.run(
                [str(candidate), "-c", "import duckdb"],
                capture_output=True,
                timeout=60,
                check=False,
            )
            if probe.returncode == 0:
                return candidate
    say("Installing duckdb into the demo venv to read the results")
    uv = shutil.which("uv")
    if uv:
        run([uv, "pip", "install", "--python", python, "duckdb"], timeout=deadline.left(600))
    else:
        run([python, "-m", "pip", "install", "duckdb"], timeout=deadline.left(600))
    return python


def report(python: Path, db_file: Path, schema: str, deadline: Deadline) -> None:
    reader = duckdb_python(python, deadline)
    proc = run(
        [reader, "-c", REPORT_SCRIPT, db_file, schema, json.dumps(SAMPLE_COLUMNS)],
        timeout=deadline.left(120),
        what="reading the DuckDB file",
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    print()
    print(f"What landed in {db_file.relative_to(REPO)} (schema {schema!r}):")
    print()
    width = max((len(t["name"]) for t in data["tables"]), default=10)
    for table in data["tables"]:
        print(f"  {table['name']:<{width}}  {table['rows']:>7} rows  {table['columns']:>3} columns")
    for table in data["tables"]:
        if table["name"] not in SAMPLE_COLUMNS:
            continue  # child tables: counts above are enough
        print()
        print(f"  {table['name']}: newest rows")
        cols = table["sample_columns"]
        cells = [cols, *table["sample"]]
        widths = [min(40, max(len(str(row[i])) for row in cells)) for i in range(len(cols))]
        for n, row in enumerate(cells):
            line = "  ".join(str(v)[:40].ljust(w) for v, w in zip(row, widths, strict=True))
            print(f"    {line}")
            if n == 0:
                print("    " + "  ".join("-" * w for w in widths))
        for col, count in table["nested"].items():
            print(f"    rows with a non-empty {col} array: {count}")
    if not data["tables"]:
        print("  (no tables: nothing was loaded)")
    money = data.get("money")
    if money:
        print()
        if money["type"].upper() in ("DOUBLE", "FLOAT", "REAL"):
            print(f"  Money is stored as {money['type']}: digits can be lost (12.30 -> 12.3)")
        else:
            print(
                f"  Money is stored as {money['type']} with every digit (target-duckdb alone "
                "would store DOUBLE: 12.30 -> 12.3)"
            )
        if money["longest"]:
            order_id, amount = money["longest"]
            print(f"    longest total_paid: order {order_id} = {amount}")
        print("    compute with it: CAST(total_paid AS DECIMAL(38, 2))")
    print()
    print("Query it yourself, e.g.:")
    example = f"SELECT order_status, count(*) FROM {schema}.sales_orders GROUP BY 1"  # noqa: S608
    print(f"  {reader} -c \"import duckdb; print(duckdb.connect('{db_file}').sql('{example}'))\"")


# ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--venv",
        type=Path,
        default=None,
        help="one virtualenv to create or reuse for the project and Meltano (default: .venv "
        "and .venv-meltano in the repo, made by scripts/bootstrap.py)",
    )
    parser.add_argument("--sales-orders", type=int, default=5000)
    parser.add_argument("--purchase-orders", type=int, default=500)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument(
        "--fake",
        action="store_true",
        help="use the bundled fake API even when real credentials are set",
    )
    parser.add_argument(
        "--reinstall", action="store_true", help="reinstall the project and Meltano into the venv"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="overall time limit in seconds (default 1800)"
    )
    args = parser.parse_args(argv)

    if sys.version_info[:2] < MIN_PYTHON:
        print(
            f"tap-luminous needs Python >= {'.'.join(map(str, MIN_PYTHON))}; this is "
            f"{sys.version.split()[0]}. Run the demo with a newer python3.",
            file=sys.stderr,
        )
        return 2
    if sys.version_info[:2] > MAX_PYTHON:
        print(
            f"warning: tap-luminous supports Python up to {'.'.join(map(str, MAX_PYTHON))}; "
            f"trying with {sys.version.split()[0]}",
            file=sys.stderr,
        )
    if os.name != "posix":
        print("the demo runs on Linux and macOS (POSIX paths); on Windows use WSL", file=sys.stderr)
        return 2

    deadline = Deadline(args.timeout)
    started = time.monotonic()
    fake: FakeAPI | None = None
    try:
        python, meltano = prepare_environments(args.venv, deadline, args.reinstall)
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        env.update(
            {
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "MELTANO_DISABLE_TRACKING": "true",
                "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
                "NO_COLOR": "1",
                "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
            }
        )
        creds = None if args.fake else real_credentials()
        run_args = ["run", *PIPELINE]
        say("Money as text for DuckDB: building the tap's stream map (scripts/money_as_text.py)")
        stream_maps = money_stream_maps(python, deadline.left(120))
        layout = db_layout(stream_maps)
        db_file = OUTPUT / ("warehouse.duckdb" if creds else "demo.duckdb")
        db_file.parent.mkdir(parents=True, exist_ok=True)
        if creds:
            say(f"Real credentials found: loading from {creds['where']} (incremental run)")
            if prepare_db_file(db_file, layout, fresh=False):
                run_args.insert(1, "--full-refresh")
        else:
            prepare_db_file(db_file, layout, fresh=True)
            say(f"Starting from a fresh {db_file.relative_to(REPO)} (recreated on every run)")
            say(
                f"No real credentials in .env: starting the bundled fake Luminous API "
                f"({args.sales_orders} sales orders, {args.purchase_orders} purchase orders, "
                f"{args.products} products)"
            )
            fake = FakeAPI(python, args.sales_orders, args.purchase_orders, args.products)
            info = fake.start(timeout=deadline.left(120), max_seconds=int(deadline.left()) + 60)
            say(f"Fake API at {info['base_url']}")
            env["TAP_LUMINOUS_API_URL"] = info["base_url"]
            env["TAP_LUMINOUS_API_TOKEN"] = info["token"]
            env.pop("TAP_LUMINOUS_COMPANY_NAME", None)
            run_args.insert(1, "--full-refresh")  # fresh data each time: ignore saved state
        env.update(pipeline_env(stream_maps, db_file))

        say("meltano install tap-luminous target-duckdb")
        t0 = time.monotonic()
        run(
            [meltano, "install", "tap-luminous", "target-duckdb"],
            env=env,
            timeout=deadline.left(1200),
            log=OUTPUT / "demo-meltano-install.log",
            what="meltano install",
        )
        say(f"  installed in {time.monotonic() - t0:.0f}s")

        say(f"meltano {' '.join(run_args)}  (log: output/demo-meltano-run.log)")
        t0 = time.monotonic()
        run(
            [meltano, *run_args],
            env=env,
            timeout=deadline.left(1800),
            log=OUTPUT / "demo-meltano-run.log",
            what="meltano run",
        )
        say(f"  extracted and loaded in {time.monotonic() - t0:.0f}s")
        record_layout(db_file, layout)

        if fake is not None:
            fake.stop()
            fake = None
        report(python, db_file, DB_SCHEMA, deadline)
    except DemoError as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if fake is not None:
            fake.stop()
    say(f"Done in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
