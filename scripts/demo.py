#!/usr/bin/env python3
"""Demo: `meltano run tap-luminous target-duckdb` into a DuckDB file, then what landed.

    python3 scripts/demo.py            # the bundled fake API, unless .env holds real credentials
    python3 scripts/demo.py --fake     # the fake API even when real credentials are set

Real credentials: TAP_LUMINOUS_API_TOKEN and TAP_LUMINOUS_COMPANY_NAME (or _API_URL), in the
environment or `.env`. Meltano loads a DuckDB file in a temporary directory, with a temporary
system database (no state: every run extracts everything); only after success does it replace
output/demo.duckdb (your tenant's: warehouse.duckdb), together with output/demo-summary.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl  # POSIX only: Linux and macOS (on Windows: WSL)
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bootstrap  # scripts/bootstrap.py: the venvs and the meltano pin

REPO = bootstrap.REPO
PIPELINE = ("tap-luminous", "target-duckdb")
MONEY_MAP = REPO / "scripts" / "money_as_text.py"
DB_SCHEMA = "luminous"
TOKEN_VAR = "TAP_LUMINOUS_API_TOKEN"  # noqa: S105 - a variable name
COMPANY_VAR = "TAP_LUMINOUS_COMPANY_NAME"
URL_VAR = "TAP_LUMINOUS_API_URL"
FAKE_TOKEN = "demo-token"  # noqa: S105 - the fake API's token
SUMMARY = "demo-summary.txt"
MIN_PYTHON = (3, 10)
PROGRESS_EVERY = 5.0  # seconds between progress lines
STOP_GRACE = 20.0  # seconds Meltano gets to stop after Ctrl-C, before SIGTERM and SIGKILL
TERMINATED: list[int] = []  # the demo got SIGTERM: it passes it on to Meltano as SIGINT


class DemoError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def read_dotenv(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text().splitlines() if path.exists() else []:
        key, _, value = raw.strip().removeprefix("export ").partition("=")
        value = value.strip()
        quoted = len(value) > 1 and value[0] in ("'", '"') and value[-1] == value[0]
        values[key.strip()] = value[1:-1] if quoted else value.split(" #", 1)[0].rstrip()
    return values


def find_credentials(env_file: Path, environ: t.Mapping[str, str]) -> str:
    """The tenant when real credentials are set (environment over `env_file`); "": the fake."""
    from_file = read_dotenv(env_file)
    token, company, url = (
        (environ.get(name) or from_file.get(name) or "").strip()
        for name in (TOKEN_VAR, COMPANY_VAR, URL_VAR)
    )
    where = f"in {env_file.name} or the environment (or use --fake for the bundled fake API)"
    if (company or url) and not token:
        given = COMPANY_VAR if company else URL_VAR
        raise DemoError(f"{given} is set but {TOKEN_VAR} is missing: set it {where}")
    if token and not (company or url):
        raise DemoError(
            f"{TOKEN_VAR} is set but the tenant is missing: set {COMPANY_VAR} or {URL_VAR} {where}"
        )
    return (url or company) if token else ""


def run(*argv: t.Any) -> str:
    """A short, quiet command's stdout (its errors go to the terminal)."""
    args = [str(a) for a in argv]
    return subprocess.run(args, stdout=subprocess.PIPE, text=True, timeout=120, check=True).stdout


def stop(proc: subprocess.Popen[t.Any], grace: float) -> None:
    """Give `proc` `grace` seconds to end, then SIGTERM, then SIGKILL (Ctrl-C: the next step)."""
    for sig, wait in ((None, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        if sig is not None and proc.poll() is None:
            proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired, KeyboardInterrupt):
            proc.wait(timeout=wait)
            return


def run_logged(what: str, argv: list[t.Any], env: dict[str, str], log: Path, end: float) -> None:
    """A long command, output to `log`, a progress line every few seconds. In the demo's process
    group, a terminal's Ctrl-C reaches it too (a SIGTERM to the demo: passed on as SIGINT)."""
    say(f"{what} {' '.join(PIPELINE)} (log: {log})")
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen([str(a) for a in argv], cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=PROGRESS_EVERY)
                break
            if time.monotonic() > end:
                stop(proc, 5.0)
                raise DemoError(f"{what} ran out of time (--timeout; log: {log})")
            last = [ln.split("] ", 1)[-1] for ln in log.read_text().splitlines()[-20:]]
            news = [ln for ln in last if ln.startswith(PIPELINE)] or last or [""]
            print(f"    ... {time.monotonic() - started:.0f}s {what}: {news[-1][:100]}", flush=True)
    except KeyboardInterrupt:
        say(f"Stopping {what} (it gets {STOP_GRACE:.0f}s)")
        if TERMINATED and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        stop(proc, STOP_GRACE)
        raise
    if proc.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-30:])
        raise DemoError(f"{what} failed ({proc.returncode}; log: {log}):\n{tail}")


def start_fake(python: Path, args: argparse.Namespace, tmp: Path, log: Path) -> tuple[t.Any, str]:
    """`python -m fake_luminous` on a free loopback port, for at most the demo's time limit."""
    ready = tmp / "fake-ready.json"
    argv = [python, "-m", "fake_luminous", "--host", "127.0.0.1", "--port", 0, "--ready-file"]
    argv += [ready, "--max-seconds", int(args.timeout) + 60, "--token", FAKE_TOKEN]
    argv += ["--sales-orders", args.sales_orders, "--purchase-orders", args.purchase_orders]
    argv += ["--products", args.products]
    with log.open("w") as out:
        proc = subprocess.Popen([str(a) for a in argv], cwd=REPO, stdout=out, stderr=out)
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end and proc.poll() is None:
            with contextlib.suppress(OSError, ValueError, KeyError):
                return proc, json.loads(ready.read_text())["base_url"]
            time.sleep(0.1)
        raise DemoError(f"the fake API did not start (log: {log}):\n{log.read_text()[-2000:]}")
    except BaseException:
        stop(proc, 0)
        raise


def money_stream_maps(python: Path) -> dict[str, dict[str, str]]:
    """The tap's `stream_maps` sending every number column as text (target-duckdb would store
    DOUBLE: 12.30 -> 12.3), built by scripts/money_as_text.py from the tap's own catalog."""
    return t.cast(dict[str, dict[str, str]], json.loads(run(python, MONEY_MAP)))


def pipeline_env(stream_maps: dict[str, dict[str, str]], db_file: Path) -> dict[str, str]:
    """Environment for `meltano run tap-luminous target-duckdb` into `db_file`, money as text."""
    return {
        "TAP_LUMINOUS_STREAM_MAPS": json.dumps(stream_maps),
        "TARGET_DUCKDB_FILEPATH": f"{db_file}",
    }


READ_SCRIPT = r"""
import sys
import duckdb
con, schema = duckdb.connect(sys.argv[1], read_only=True), sys.argv[2]
names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables "
                               f"WHERE table_schema = '{schema}' ORDER BY 1").fetchall()]
width = max([len(n) for n in names] + [5])
print(f"{'table':<{width}}  {'rows':>9}")
for n in names:
    print(f"{n:<{width}}  {con.sql(f'SELECT count(*) FROM {schema}.{n}').fetchone()[0]:>9,}")
if "sales_orders" in names and (money := con.sql(
        f"SELECT typeof(total_paid), order_id, total_paid::VARCHAR AS v FROM {schema}.sales_orders"
        " WHERE v IS NOT NULL ORDER BY length(v) DESC, 2").fetchone()):
    print("\nMoney is {} with every digit (target-duckdb alone: DOUBLE, 12.30 -> 12.3): order {} "
          "has total_paid {}".format(*money))
"""


def publish(tmp: Path, db: Path, output: Path, summary: str) -> None:
    """Replace output's DuckDB file and summary together: Ctrl-C cannot come in between, and a
    kill in between leaves no summary rather than one of another run."""
    (tmp / SUMMARY).write_text(summary)
    handlers = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        (output / SUMMARY).unlink(missing_ok=True)
        for old in (f"{db.name}.wal", f"{db.name}.layout.json", "demo-summary.json"):
            (output / old).unlink(missing_ok=True)  # an old WAL; older demos' files
        os.replace(db, output / db.name)
        os.replace(tmp / SUMMARY, output / SUMMARY)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def demo(args: argparse.Namespace, output: Path, env_file: Path, tenant: str, tmp: Path) -> int:
    started = time.monotonic()
    end = started + args.timeout
    if args.python and args.meltano:
        python, meltano = args.python.absolute(), args.meltano
    else:
        say("Setting up .venv (the tap) and .venv-meltano (Meltano); the first time: minutes")
        python = bootstrap.ensure_dev_env()
        meltano = args.meltano or bootstrap.ensure_meltano()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env.update(MELTANO_DATABASE_URI=f"sqlite:///{tmp / 'meltano.db'}", NO_COLOR="1")  # no state
    db = tmp / ("warehouse.duckdb" if tenant else "demo.duckdb")
    env.update(pipeline_env(money_stream_maps(python), db))
    meltano_argv = [meltano, *(["--env-file", env_file] if args.env_file else [])]
    log = output / "demo-meltano-install.log"
    run_logged("meltano install", [*meltano_argv, "install", *PIPELINE], env, log, end)
    fake, source = None, f"your tenant ({tenant})"
    try:
        if not tenant:
            fake, url = start_fake(python, args, tmp, output / "demo-fake-api.log")
            env.update({URL_VAR: url, TOKEN_VAR: FAKE_TOKEN})
            source = f"the bundled fake API ({url})"
        say(f"Extracting from {source}")
        log = output / "demo-meltano-run.log"
        run_logged("meltano run", [*meltano_argv, "run", *PIPELINE], env, log, end)
    finally:
        if fake is not None:
            stop(fake, 0)
    sys_dir = Path(env.get("MELTANO_SYS_DIR_ROOT") or REPO / ".meltano")
    reader = sys_dir / "loaders" / "target-duckdb" / "venv" / "bin" / "python"  # has duckdb
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    query = f"SELECT order_status, count(*) FROM {DB_SCHEMA}.sales_orders GROUP BY 1"  # noqa: S608
    code = f"import duckdb; print(duckdb.connect('{output / db.name}').sql('{query}'))"
    lines = [
        f"tap-luminous demo, {now} ({time.monotonic() - started:.0f}s)",
        f"source:   {source}",
        f"database: {output / db.name} (schema {DB_SCHEMA!r})",
        "" if tenant else "(the fake's sales-order and product exports serve active rows only)",
        *run(reader, "-c", READ_SCRIPT, db, DB_SCHEMA).splitlines(),
        "",
        f'Query it: {reader} -c "{code}"',
    ]
    publish(tmp, db, output, "\n".join(lines) + "\n")
    print("\n" + "\n".join(f"  {line}" for line in lines) + "\n", flush=True)
    say(f"Summary saved to {output / SUMMARY}; done in {time.monotonic() - started:.0f}s")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=t.cast(str, __doc__).split("\n\n")[0])
    for name, default in (("sales-orders", 5000), ("purchase-orders", 500), ("products", 1000)):
        parser.add_argument(f"--{name}", type=int, default=default, help="fake API size")
    parser.add_argument("--fake", action="store_true", help="the fake API even with credentials")
    parser.add_argument("--output", type=Path, default=REPO / "output", help="default: output/")
    parser.add_argument("--env-file", type=Path, help="credentials (default .env); for meltano too")
    parser.add_argument("--meltano", type=Path, help="meltano executable (default .venv-meltano's)")
    parser.add_argument("--python", type=Path, help="a Python with the tap (with --meltano)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds (default 1800)")
    return parser.parse_args(argv)


def on_sigterm(signum: int, frame: types.FrameType | None) -> None:
    TERMINATED.append(signum)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        print(f"the demo needs Python >= 3.10, not {sys.version.split()[0]}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    signal.signal(signal.SIGTERM, on_sigterm)
    output = args.output.resolve()
    env_file = (args.env_file or REPO / ".env").resolve()
    try:
        tenant = "" if args.fake else find_credentials(env_file, os.environ)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    try:
        output.mkdir(parents=True, exist_ok=True)
        with (output / ".demo.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise DemoError(f"another scripts/demo.py is using {output}") from None
            for left in output.glob(".demo-run-*"):  # a killed demo's
                shutil.rmtree(left, ignore_errors=True)
            with tempfile.TemporaryDirectory(prefix=".demo-run-", dir=output) as tmp:
                return demo(args, output, env_file, tenant, Path(tmp))
    except (DemoError, subprocess.SubprocessError) as exc:  # a command's own output is above
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: output/ holds the previous result, if any", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
