#!/usr/bin/env python3
"""Demo: extract Luminous data with Meltano into a DuckDB file and explain what landed.

    python3 scripts/demo.py            # the bundled fake API, unless .env holds real credentials
    python3 scripts/demo.py --fake     # the fake API even when real credentials are set

Needs only Python 3.10+ (and network access to PyPI the first time). It:
1. checks the credentials first: TAP_LUMINOUS_API_TOKEN plus a tenant (TAP_LUMINOUS_COMPANY_NAME
   or TAP_LUMINOUS_API_URL), from the environment or `.env` (see .env.example). None of them: the
   fake API. Only some: it stops and names the one that is missing;
2. sets up `.venv` (the tap) and `.venv-meltano` (Meltano) with scripts/bootstrap.py, as the test
   command does (the tap at uv.lock's pins, Meltano at bootstrap's MELTANO_SPEC);
3. with the fake: starts `python -m fake_luminous` on the fixed port 8766 (the tap's state records
   the API it was written for, so a restarted fake is the same tenant), and runs
   `meltano run --full-refresh --state-id-suffix demo tap-luminous target-duckdb` into a fresh
   `output/demo.duckdb`: state id `dev:tap-luminous-to-target-duckdb:demo`, apart from any real run;
   with real credentials: an ordinary incremental `meltano run tap-luminous target-duckdb` into
   `output/warehouse.duckdb` (state id `dev:tap-luminous-to-target-duckdb`), whose first run
   extracts the tenant from start_date;
4. sends money as text (scripts/money_as_text.py: target-duckdb stores JSON numbers as DOUBLE,
   12.30 -> 12.3), shows progress every few seconds, then the tables with rows generated (fake) /
   served / received by the target / in the file, and why they differ, the bookmarks Meltano
   saved, exact money and sample rows; writes the same summary to `output/demo-summary.txt`
   (and `.json`).

Ctrl-C stops Meltano gracefully (it records the run as failed, the tap writes its state). A demo
that was killed outright leaves Meltano's run marked as running (for 5 minutes Meltano refuses
another run of the same pipeline) and maybe the fake API: the next demo finds them through
`output/.demo-runs.json`, stops the leftover processes, starts with `meltano run --force`, and
says so. Every step has a time limit. The layout each DuckDB file was written with (money map,
target-duckdb pin, tenant) is recorded next to it (`<file>.layout.json`); a warehouse file of
another layout or tenant is moved aside to `<file>.bak` and reloaded with `--full-refresh`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import types
import typing as t
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bootstrap  # scripts/bootstrap.py: the venvs and the meltano pin

REPO = bootstrap.REPO
OUTPUT = REPO / "output"
MIN_PYTHON = (3, 10)
MAX_PYTHON = (3, 13)

# The demo's pipeline and the DuckDB schema it loads into (tests/test_money_targets.py runs it).
PIPELINE = ("tap-luminous", "target-duckdb")
DB_SCHEMA = "luminous"
# Version of the demo database's layout: 1 = money as DOUBLE (target-duckdb's default),
# 2 = money as text through scripts/money_as_text.py. The recorded layout also holds the map
# itself, target-duckdb's pip_url and the tenant, so a new money column, target version or
# another tenant counts as new.
DB_LAYOUT_VERSION = 2
# The fake API's runs have their own Meltano state id (`<env>:<tap>-to-<target>:demo`).
DEMO_STATE_SUFFIX = "demo"
ENVIRONMENT = "dev"  # meltano.yml's default_environment
FAKE_PORT = 8766
FAKE_TOKEN = "demo-token"  # noqa: S105 - the fake API's token
FAKE_SEED = 42
FAKE_DAYS = 730
TOKEN_VAR = "TAP_LUMINOUS_API_TOKEN"  # noqa: S105 - a variable name
COMPANY_VAR = "TAP_LUMINOUS_COMPANY_NAME"
URL_VAR = "TAP_LUMINOUS_API_URL"
PROGRESS_EVERY = 3.0  # seconds between progress lines during long steps
STOP_GRACE = 20.0  # seconds Meltano gets to stop after Ctrl-C before SIGTERM / SIGKILL
HEARTBEAT_STALE = dt.timedelta(minutes=5)  # Meltano's HEARTBEAT_VALID_MINUTES

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
PARENTS = {
    "sales_order_items": "sales_orders",
    "sales_order_fulfillment_orders": "sales_orders",
    "sales_order_shipments": "sales_orders",
    "purchase_order_items": "purchase_orders",
    "purchase_order_payments": "purchase_orders",
}


class DemoError(RuntimeError):
    pass


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) during a step; `how` says how the running command was stopped."""

    def __init__(self, how: str = "") -> None:
        super().__init__(how)
        self.how = how


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


def note(message: str) -> None:
    print(f"    {message}", flush=True)


def rel(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


@contextlib.contextmanager
def ticking(what: str, detail: t.Callable[[], str] | None = None) -> t.Iterator[None]:
    """Print a progress line every few seconds while the body runs (it may be silent)."""
    started = time.monotonic()
    done = threading.Event()

    def tick() -> None:
        while not done.wait(PROGRESS_EVERY):
            extra = ""
            if detail is not None:
                with contextlib.suppress(Exception):
                    extra = detail()
            note(f"... {time.monotonic() - started:.0f}s {what}{': ' + extra if extra else ''}")

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=2)


def run(
    argv: list[str | Path],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    what: str = "",
) -> subprocess.CompletedProcess[str]:
    """A short command with a timeout, output captured; tail shown on error."""
    args = [str(a) for a in argv]
    what = what or " ".join(args[:3])
    try:
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
    except subprocess.TimeoutExpired as exc:
        raise DemoError(f"{what} did not finish within {timeout:.0f}s") from exc
    if proc.returncode != 0:
        output = (proc.stdout or "") + (proc.stderr or "")
        tail = "\n".join(output.splitlines()[-40:])
        raise DemoError(f"{what} failed with exit code {proc.returncode}:\n{tail}")
    return proc


def stop_process_group(proc: subprocess.Popen[t.Any], grace: float) -> str:
    """Stop `proc` and its children like a terminal's Ctrl-C would, escalating if needed.

    Returns how it ended: "by itself", "after SIGTERM" or "killed" (then Meltano could not
    record the end of its run).
    """

    def signal_group(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    for sig, wait, how in (
        (signal.SIGINT, grace, "by itself"),
        (signal.SIGTERM, 10.0, "after SIGTERM"),
    ):
        if proc.poll() is not None:
            return how
        signal_group(sig)
        try:
            proc.wait(timeout=wait)
            return how
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:  # a second Ctrl-C: stop now
            break
    signal_group(signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    return "killed"


def run_live(
    argv: list[str | Path],
    *,
    timeout: float,
    env: dict[str, str],
    log: Path,
    what: str,
    detail: t.Callable[[], str] | None = None,
    on_start: t.Callable[[subprocess.Popen[str]], None] | None = None,
) -> int:
    """A long command, output to `log`, a progress line every few seconds; its exit code.

    The command runs in its own process group. Ctrl-C is passed on to it (SIGINT to the group,
    as a terminal would), then it gets STOP_GRACE seconds before SIGTERM and SIGKILL; Interrupted
    is raised afterwards.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [str(a) for a in argv],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
    if on_start is not None:
        on_start(proc)
    last_tick = started
    try:
        while True:
            try:
                proc.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now - started > timeout:
                stop_process_group(proc, 5.0)
                raise DemoError(f"{what} did not finish within {timeout:.0f}s (log: {rel(log)})")
            if now - last_tick >= PROGRESS_EVERY:
                last_tick = now
                extra = ""
                if detail is not None:
                    with contextlib.suppress(Exception):
                        extra = detail()
                note(f"... {now - started:.0f}s {what}{': ' + extra if extra else ''}")
    except KeyboardInterrupt:
        print(flush=True)
        say(f"Ctrl-C: stopping {what} (it gets {STOP_GRACE:.0f}s to finish cleanly)")
        how = stop_process_group(proc, STOP_GRACE)
        raise Interrupted(how) from None
    return int(proc.returncode)


def log_tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


# ------------------------------------------------------------------------------------------
# Virtualenvs


def last_line(log: Path) -> str:
    lines = [ln for ln in log_tail(log, 5).splitlines() if ln.strip()]
    return lines[-1][:100] if lines else ""


def prepare_environments(
    deadline: Deadline, reinstall: bool, meltano: Path | None
) -> tuple[Path, Path]:
    """(python with the project installed, meltano executable).

    The project's own bootstrap (scripts/bootstrap.py) makes `.venv` (the tap, at uv.lock's
    pins) and `.venv-meltano` (Meltano, kept apart), the same environments the test command
    uses. `--meltano PATH` uses that Meltano instead of `.venv-meltano`'s.
    """
    say("Setting up .venv (tap-luminous) and .venv-meltano (Meltano); first time: minutes")
    try:
        with ticking("setting up the virtualenvs (scripts/bootstrap.py)"):
            python = bootstrap.ensure_dev_env(force=reinstall)
            exe = meltano or bootstrap.ensure_meltano(force=reinstall)
    except subprocess.CalledProcessError as exc:  # the command's own output says why
        raise DemoError(
            f"setting up the virtualenvs failed: {Path(exc.cmd[0]).name} {exc.cmd[1]} "
            f"exited with {exc.returncode} (its output is above)"
        ) from exc
    except (subprocess.SubprocessError, OSError) as exc:
        raise DemoError(f"setting up the virtualenvs failed: {exc}") from exc
    deadline.left()
    return python, exe


# ------------------------------------------------------------------------------------------
# Credentials


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


class Credentials(t.NamedTuple):
    token: str
    company_name: str
    api_url: str
    where: str  # "the environment", ".env", or both

    @property
    def tenant(self) -> str:
        return self.api_url or self.company_name


def find_credentials(env_file: Path, environ: t.Mapping[str, str]) -> Credentials | None:
    """Real credentials from the environment over `env_file`; None: use the fake API.

    A token without a tenant, or a tenant without a token, is an error naming what is missing.
    """
    from_file = read_dotenv(env_file)
    sources: dict[str, str] = {}

    def lookup(name: str) -> str:
        for values, source in ((environ, "the environment"), (from_file, rel(env_file))):
            value = (values.get(name) or "").strip()
            if value:
                sources[name] = source
                return value
        return ""

    token, company, url = lookup(TOKEN_VAR), lookup(COMPANY_VAR), lookup(URL_VAR)
    if not (token or company or url):
        return None
    where = " and ".join(sorted(set(sources.values())))
    if not token:
        given = COMPANY_VAR if company else URL_VAR
        raise DemoError(
            f"{given} is set (in {sources[given]}) but {TOKEN_VAR} is missing: add the API "
            "token (an admin creates it in the Luminous app under Settings > API Tokens) to "
            f"{rel(env_file)} or the environment, or run with --fake for the bundled fake API"
        )
    if not (company or url):
        raise DemoError(
            f"{TOKEN_VAR} is set (in {sources[TOKEN_VAR]}) but the tenant is missing: set "
            f"{COMPANY_VAR} (the subdomain of https://<company>.api.joinluminous.com) or "
            f"{URL_VAR} in {rel(env_file)} or the environment, or run with --fake for the "
            "bundled fake API"
        )
    return Credentials(token, company, url, where)


TENANT_SCRIPT = r"""
import json, sys
from tap_luminous.settings import resolve_api_url
from tap_luminous.state import tenant_marker
config = json.loads(sys.argv[1])
try:
    url = resolve_api_url(config)
except Exception as exc:
    print(json.dumps({"error": str(exc)}))
else:
    print(json.dumps({"api_url": url, "marker": tenant_marker(url)}))
"""


def tenant_marker(python: Path, creds: Credentials) -> str:
    """The `tap_luminous.api` the tap writes into the state for these credentials."""
    config = {"api_url": creds.api_url or None, "company_name": creds.company_name or None}
    proc = run(
        [python, "-c", TENANT_SCRIPT, json.dumps(config)],
        timeout=60,
        what="checking the tenant setting",
    )
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    if "error" in answer:
        raise DemoError(f"the tenant setting is not usable: {answer['error']}")
    return str(answer["marker"])


# ------------------------------------------------------------------------------------------
# Processes left over by an interrupted demo, and Meltano's "already running" check


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False  # a zombie: gone, waiting for its parent
    return True


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    return ""


def _terminate(pid: int, group: bool) -> None:
    kill = os.killpg if group else os.kill
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, sig)
        end = time.monotonic() + wait
        while time.monotonic() < end and _alive(pid):
            time.sleep(0.1)
        if not _alive(pid):
            return


class RunRecord:
    """`output/.demo-runs.json`: what each demo started and has not seen finish.

    A demo adds its entry (its pid, the fake API's pid and port, Meltano's pid, the run ids it
    gave `meltano run`) as it starts them, and removes it when it ends normally or after Ctrl-C
    once Meltano has stopped by itself. An entry left behind belongs to a demo that was killed
    (or whose Meltano had to be killed): its processes may still run, and Meltano lists its run
    as running until the heartbeat is 5 minutes old.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text())
            self.entries: list[dict[str, t.Any]] = [
                e for e in data.get("runs", []) if isinstance(e, dict)
            ]
        except (OSError, ValueError, AttributeError):
            self.entries = []
        self.mine: dict[str, t.Any] = {
            "demo_pid": os.getpid(),
            "run_ids": [],
            "started": time.time(),
        }

    def save(self) -> None:
        entries = [e for e in self.entries if e is not self.mine]
        if self.mine.get("run_ids") or self.mine.get("fake_pid"):
            entries.append(self.mine)
        self.entries = entries
        if entries:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"runs": entries}, indent=2) + "\n")
        else:
            self.path.unlink(missing_ok=True)

    def note(self, **fields: t.Any) -> None:
        """Record (or with None, forget) a pid or port of this demo."""
        for key, value in fields.items():
            if value is None:
                self.mine.pop(key, None)
            else:
                self.mine[key] = value
        self.save()

    def add_run(self, run_id: str, state_id: str) -> None:
        self.mine["run_ids"] = [*self.mine.get("run_ids", []), run_id]
        self.mine["state_id"] = state_id
        self.save()

    def finish(self, *, keep_runs: bool) -> None:
        """This demo ends: forget its processes, and its runs unless Meltano was killed."""
        for key in ("fake_pid", "meltano_pid", "fake_port"):
            self.mine.pop(key, None)
        if not keep_runs:
            self.mine["run_ids"] = []
        self.save()

    def run_ids(self) -> set[str]:
        return {str(r) for e in self.entries for r in e.get("run_ids", [])}

    def clean_up_processes(self) -> list[str]:
        """Stop what killed demos left running; returns what was done, one line each."""
        done = []
        for entry in self.entries:
            demo_pid = entry.get("demo_pid")
            if isinstance(demo_pid, int) and demo_pid != os.getpid() and _alive(demo_pid):
                continue  # cannot happen while we hold the lock, but never touch a live demo
            meltano_pid = entry.pop("meltano_pid", None)
            if (
                isinstance(meltano_pid, int)
                and _alive(meltano_pid)
                and "meltano" in _cmdline(meltano_pid)
            ):
                _terminate(meltano_pid, group=True)
                done.append(
                    f"stopped the `meltano run` (pid {meltano_pid}) an interrupted demo "
                    "left running"
                )
            fake_pid = entry.pop("fake_pid", None)
            port = entry.pop("fake_port", None)
            if (
                isinstance(fake_pid, int)
                and _alive(fake_pid)
                and "fake_luminous" in _cmdline(fake_pid)
            ):
                _terminate(fake_pid, group=True)
                done.append(
                    f"stopped the fake API (pid {fake_pid}, port {port}) an interrupted "
                    "demo left running"
                )
        self.entries = [e for e in self.entries if e.get("run_ids")]
        self.save()
        return done

    def forget_finished(self, running: set[str]) -> None:
        """Forget runs Meltano no longer lists as running, and entries a day old."""
        horizon = time.time() - 86400
        for entry in self.entries:
            if entry is not self.mine:
                entry["run_ids"] = [r for r in entry.get("run_ids", []) if r in running]
        self.entries = [
            e
            for e in self.entries
            if e is self.mine or (e["run_ids"] and e.get("started", 0) > horizon)
        ]
        self.save()


class DemoLock:
    """One demo at a time per output directory (`output/.demo.lock`, an advisory lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh: t.IO[str] | None = None

    def __enter__(self) -> DemoLock:
        fcntl = importlib.import_module("fcntl")  # POSIX only; main() checks that first
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise DemoError(
                f"another scripts/demo.py is running (pid {holder}) with {rel(self.path.parent)}; "
                "wait for it to finish, or stop it (Ctrl-C in its terminal)"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self.fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()  # releases the lock
            self.fh = None


class Job(t.NamedTuple):
    run_id: str
    started_at: str
    last_heartbeat_at: str | None


def system_db(environ: t.Mapping[str, str]) -> Path | None:
    """Meltano's SQLite system database (where it records runs), or None if it is not SQLite."""
    uri = environ.get("MELTANO_DATABASE_URI", "")
    if uri:
        return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None
    root = environ.get("MELTANO_SYS_DIR_ROOT") or str(REPO / ".meltano")
    return Path(root) / "meltano.db"


def running_jobs(db: Path | None, state_id: str) -> list[Job] | None:
    """Runs Meltano lists as running for `state_id`; None when that cannot be read."""
    if db is None:
        return None
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            rows = con.execute(
                "SELECT run_id, started_at, last_heartbeat_at FROM runs "
                "WHERE job_name = ? AND state = 'RUNNING'",
                (state_id,),
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return [Job(str(r[0]).replace("-", ""), str(r[1]), r[2]) for r in rows]


def _age(stamp: str | None) -> dt.timedelta | None:
    if not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc) - when


def stale_run_check(
    jobs: list[Job], state_id: str, ours: set[str], demo_only: bool
) -> tuple[bool, list[str]]:
    """(use --force, what to tell the user) for the runs Meltano lists as running.

    A run this demo started and did not see finish is stale: the demo that started it is gone
    (we hold the lock). So is any run of the demo's own state id. A run of someone else's with a
    fresh heartbeat is a pipeline really running: that is an error, never forced.
    """
    force = False
    messages = []
    for job in jobs:
        age = _age(job.last_heartbeat_at)
        if age is not None and age >= HEARTBEAT_STALE:
            continue  # Meltano marks it failed itself when the next run starts
        if job.run_id in ours or demo_only:
            force = True
            messages.append(
                f"Meltano still lists the run {job.run_id[:8]}... of {state_id} (started "
                f"{job.started_at[:19]} UTC) as running: a demo that was stopped before Meltano "
                'could record its end. For 5 minutes Meltano would refuse this run ("Another '
                '... pipeline is already running"), so it starts with `meltano run --force`.'
            )
        else:
            raise DemoError(
                f"a `meltano run` of {state_id} that this demo did not start is running "
                f"(started {job.started_at[:19]} UTC, last heartbeat {job.last_heartbeat_at} UTC). "
                "Wait for it to finish; if it was killed, Meltano gives up on it 5 minutes after "
                "its last heartbeat (or run `meltano run --force` yourself)."
            )
    return force, messages


# ------------------------------------------------------------------------------------------
# The fake API


class FakeAPI:
    """`python -m fake_luminous` in a child process; `stop()` ends it (SIGTERM, then SIGKILL)."""

    def __init__(
        self,
        python: Path,
        *,
        orders: int,
        purchase_orders: int,
        products: int,
        log: Path,
        latency_ms: float = 0.0,
    ) -> None:
        self.python = python
        self.counts = {
            "sales_orders": orders,
            "purchase_orders": purchase_orders,
            "products": products,
        }
        self.args = [
            "--sales-orders",
            str(orders),
            "--purchase-orders",
            str(purchase_orders),
            "--products",
            str(products),
            "--seed",
            str(FAKE_SEED),
            "--days",
            str(FAKE_DAYS),
            "--token",
            FAKE_TOKEN,
        ]
        if latency_ms:
            self.args += ["--latency-ms", str(latency_ms)]
        self.proc: subprocess.Popen[str] | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="tap-luminous-demo-"))
        self.log = log
        self.port = 0

    def start(self, port: int, timeout: float, max_seconds: int) -> dict[str, str]:
        """Start on `port`; if it is taken, on a free port (said so). Returns base_url, token."""
        try:
            return self._start(port, timeout, max_seconds)
        except OSError:
            if port == 0:
                raise
            say(
                f"Port {port} is taken by another program; the fake API runs on a free port "
                f"instead (--fake-port to choose one)"
            )
            return self._start(0, timeout, max_seconds)

    def _start(self, port: int, timeout: float, max_seconds: int) -> dict[str, str]:
        ready = self.tmp / "ready.json"
        ready.unlink(missing_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [
                    str(self.python),
                    "-m",
                    "fake_luminous",
                    "--port",
                    str(port),
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
                start_new_session=True,  # Ctrl-C goes to the demo, which stops it
            )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if ready.exists() and ready.stat().st_size:
                try:
                    info = json.loads(ready.read_text())
                except json.JSONDecodeError:
                    info = None  # still being written
                if info and info.get("base_url"):
                    self.port = int(info["base_url"].split(":")[2].split("/")[0])
                    return {"base_url": info["base_url"], "token": info.get("token", FAKE_TOKEN)}
            if self.proc.poll() is not None:
                err = self.log.read_text(errors="replace")[-3000:]
                self.proc = None
                if "Address already in use" in err or "Errno 98" in err or "Errno 48" in err:
                    raise OSError(f"port {port} is in use")
                raise DemoError(f"the fake API exited with an error:\n{err}")
            time.sleep(0.1)
        raise DemoError(f"the fake API was not ready within {timeout:.0f}s (log: {rel(self.log)})")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

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


FAKE_COUNTS_SCRIPT = r"""
import datetime as dt, json, sys
from fake_luminous import Dataset, FakeClock, FakeLuminousAPI

orders, pos, products, seed, days = (int(a) for a in sys.argv[1:6])
end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
ds = Dataset.generate(sales_orders=orders, purchase_orders=pos, products=products, seed=seed,
                      start=end - dt.timedelta(days=days), end=end)
api = FakeLuminousAPI(dataset=ds, token="x", clock=FakeClock(end))
lo, hi = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), end + dt.timedelta(days=1)
so, pr = api.expected_sales_orders(lo, hi), api.expected_products(lo, hi)
statuses = {s: len(api.expected_purchase_orders(s)) for s in ("active", "inactive", "deleted")}
po = list(ds.purchase_orders.values())
def n(rows, key):
    return sum(len(r.get(key) or []) for r in rows)
print(json.dumps({
    "generated": {"sales_orders": len(ds.sales_orders), "purchase_orders": len(po),
                  "products": len(ds.products)},
    "served": {"sales_orders": len(so), "products": len(pr),
               "purchase_orders": sum(statuses.values()),
               "sales_order_items": n(so, "items"),
               "sales_order_fulfillment_orders": n(so, "fulfillment_orders"),
               "sales_order_shipments": n(so, "shipments"),
               "purchase_order_items": n(po, "items"),
               "purchase_order_payments": n(po, "payments")},
    "purchase_order_statuses": statuses,
}))
"""


def fake_counts(python: Path, fake: FakeAPI) -> dict[str, t.Any] | None:
    """What the fake generated and serves, from the same generator and seed (None on error)."""
    c = fake.counts
    args = [c["sales_orders"], c["purchase_orders"], c["products"], FAKE_SEED, FAKE_DAYS]
    try:
        proc = run(
            [python, "-c", FAKE_COUNTS_SCRIPT, *map(str, args)],
            timeout=120,
            what="counting the fake API's rows",
        )
        return t.cast(dict[str, t.Any], json.loads(proc.stdout.strip().splitlines()[-1]))
    except (DemoError, ValueError, IndexError):
        return None


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


def db_layout(stream_maps: dict[str, dict[str, str]], api: str | None = None) -> dict[str, t.Any]:
    digest = hashlib.sha256(
        json.dumps([stream_maps, _target_duckdb_pip_url()], sort_keys=True).encode()
    ).hexdigest()[:16]
    layout: dict[str, t.Any] = {"layout_version": DB_LAYOUT_VERSION, "fingerprint": digest}
    if api:
        layout["api"] = api
    return layout


def layout_file(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".layout.json")


def prepare_db_file(db_file: Path, layout: dict[str, t.Any], *, fresh: bool) -> bool:
    """Make `db_file` safe to load into; True when the run must be a full refresh.

    `fresh`: always start from an empty file (the fake API's demo database). Otherwise an
    existing file whose recorded layout differs from `layout` (or that has none: written
    before layouts were recorded, with money as DOUBLE, or by hand) is moved aside to
    `<file>.bak`.
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
        what = "an older layout (money as DOUBLE), or not by this demo"
    elif recorded.get("layout_version") != layout["layout_version"]:
        what = f"layout {recorded.get('layout_version')}, not {layout['layout_version']}"
    elif recorded.get("api") != layout.get("api"):
        what = f"another API's data ({recorded.get('api')})"
    else:
        what = "another money map or target-duckdb version"
    say(
        f"{rel(db_file)} was written with {what}; moving it to {backup.name} and reloading "
        "everything (--full-refresh)"
    )
    db_file.replace(backup)
    for path in stale[1:]:
        path.unlink(missing_ok=True)
    return True


def record_layout(db_file: Path, layout: dict[str, t.Any]) -> None:
    layout_file(db_file).write_text(json.dumps(layout, indent=2) + "\n")


# ------------------------------------------------------------------------------------------
# Reading Meltano's log and state

_LOG_LINE = re.compile(r"\]\s+(tap-luminous|target-duckdb|meltano)\s+(.*)$")
_PROGRESS = re.compile(r"^(\w+): (\d+) pages, (\d+) records")
_LOADING = re.compile(r"Loading (\d+) rows into '.*\"([^\"]+)\"'")


def run_progress(log: Path) -> str:
    """A short description of where `meltano run` is, from its log."""
    latest = "starting Meltano"
    streams: dict[str, str] = {}
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        m = _LOG_LINE.search(line)
        if not m:
            continue
        who, msg = m.groups()
        if who == "meltano" and "catalog discovery" in msg:
            latest = "discovering the catalog"
        elif who == "tap-luminous" and msg.startswith("Beginning sync of '"):
            stream = msg.split("'")[1]
            latest = f"extracting {stream}"
            streams.setdefault(stream, "started")
        elif who == "tap-luminous" and (p := _PROGRESS.match(msg)):
            streams[p.group(1)] = f"{int(p.group(3)):,} records ({p.group(2)} pages)"
            latest = f"extracting {p.group(1)}"
        elif who == "target-duckdb" and (p := _LOADING.search(msg)):
            latest = f"target-duckdb loading {p.group(2)} ({int(p.group(1)):,} rows)"
    done = ", ".join(f"{s} {v}" for s, v in streams.items() if v != "started")
    return latest + (f" [{done}]" if done else "")


def received_rows(log: Path) -> dict[str, int]:
    """Rows target-duckdb received per table, from its "Loading N rows into" lines."""
    totals: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        m = _LOG_LINE.search(line)
        if m and m.group(1) == "target-duckdb" and (p := _LOADING.search(m.group(2))):
            totals[p.group(2)] = totals.get(p.group(2), 0) + int(p.group(1))
    return totals


def meltano_json(
    meltano: Path, args: list[str], env: dict[str, str], global_args: list[str]
) -> dict[str, t.Any] | None:
    """A `meltano ...` command's JSON output (state get, config print); None if unavailable."""
    try:
        proc = run([meltano, *global_args, *args], env=env, timeout=120, what=f"meltano {args[0]}")
        out = proc.stdout
        return t.cast(dict[str, t.Any], json.loads(out[out.index("{") :]))
    except (DemoError, ValueError):
        return None


def bookmarks_of(state: dict[str, t.Any] | None) -> tuple[str | None, dict[str, str]]:
    """(the state's tenant marker, stream -> bookmark) of `meltano state get` output."""
    singer = (state or {}).get("singer_state") or {}
    marker = (singer.get("tap_luminous") or {}).get("api") if isinstance(singer, dict) else None
    marks = {}
    for stream, mark in (singer.get("bookmarks") or {}).items():
        if isinstance(mark, dict) and mark.get("replication_key_value"):
            marks[stream] = str(mark["replication_key_value"])
    return marker, marks


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
    out["tables"].append({"name": table, "rows": count, "columns": len(cols),
                          "sample_columns": wanted, "sample": [[str(v) for v in r] for r in rows]})
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


def read_db(python: Path, db_file: Path, deadline: Deadline) -> tuple[Path, dict[str, t.Any]]:
    reader = duckdb_python(python, deadline)
    if not db_file.exists():
        return reader, {"tables": []}
    proc = run(
        [reader, "-c", REPORT_SCRIPT, db_file, DB_SCHEMA, json.dumps(SAMPLE_COLUMNS)],
        timeout=deadline.left(120),
        what="reading the DuckDB file",
    )
    return reader, json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------
# The summary


def row_table(
    loaded: dict[str, int],
    received: dict[str, int],
    counts: dict[str, t.Any] | None,
    incremental: bool,
) -> tuple[list[dict[str, t.Any]], list[str], list[str]]:
    """(rows per table, explanations, warnings)."""
    tables = sorted(set(loaded) | set(received) | set((counts or {}).get("served", {})))
    rows, why, warnings = [], [], []
    generated = (counts or {}).get("generated", {})
    served = (counts or {}).get("served", {})
    for name in tables:
        row = {
            "table": name,
            "generated": generated.get(name),
            "served": served.get(name),
            "received": received.get(name, 0),
            "loaded": loaded.get(name, 0),
        }
        rows.append(row)
        if row["served"] is not None and row["served"] != row["received"]:
            warnings.append(
                f"{name}: the fake API serves {row['served']:,} rows but target-duckdb received "
                f"{row['received']:,}"
            )
        if not incremental and row["loaded"] != row["received"]:
            warnings.append(
                f"{name}: target-duckdb received {row['received']:,} rows but the file holds "
                f"{row['loaded']:,}"
            )
        if incremental and row["loaded"] < row["received"]:
            warnings.append(
                f"{name}: target-duckdb received {row['received']:,} rows this run but the file "
                f"holds only {row['loaded']:,}"
            )
    if counts:
        for name in ("sales_orders", "products"):
            gen, srv = generated.get(name), served.get(name)
            if gen is not None and srv is not None and gen != srv:
                why.append(
                    f"{name}: {gen - srv:,} of the {gen:,} generated rows are inactive, and the "
                    "export carries active rows only (see 'Deletes and deactivations "
                    "downstream' in the README)"
                )
        statuses = counts.get("purchase_order_statuses") or {}
        if statuses:
            listed = ", ".join(f"{n:,} {s}" for s, n in statuses.items())
            why.append(
                f"purchase_orders: every order_status is fetched ({listed}), so all "
                f"{sum(statuses.values()):,} are served"
            )
        why.append(
            "child tables (items, fulfillment orders, shipments, payments) hold the nested rows "
            "of the served parents"
        )
    if incremental:
        why.append(
            "received = rows this run extracted (the first run: everything since start_date; "
            "later runs: what changed); in the file = every row loaded so far, merged by key"
        )
    elif not warnings:
        why.append("every row target-duckdb received is in the file")
    return rows, why, warnings


def format_rows(rows: list[dict[str, t.Any]], with_fake: bool) -> list[str]:
    heads = ["table", "generated", "served", "received", "in the file"]
    keys = ["table", "generated", "served", "received", "loaded"]
    if not with_fake:
        heads, keys = ["table", "received", "in the file"], ["table", "received", "loaded"]
    cells = [heads] + [
        [str(r[k]) if k == "table" else ("-" if r[k] is None else f"{r[k]:,}") for k in keys]
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(heads))]
    out = []
    for n, line in enumerate(cells):
        out.append(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def summary_lines(summary: dict[str, t.Any], data: dict[str, t.Any]) -> list[str]:
    lines = [
        f"tap-luminous demo, {summary['finished_at']} ({summary['seconds']:.0f}s)",
        f"source:    {summary['source']}",
        f"database:  {summary['db_file']} (schema {DB_SCHEMA!r})",
        f"state id:  {summary['state_id']}",
        "",
        "Rows per table:",
    ]
    lines += [f"  {ln}" for ln in format_rows(summary["rows"], summary["fake"])]
    if summary["fake"]:
        lines.append(
            "  generated = rows the fake API made; served = rows its endpoints return; received = "
            "rows target-duckdb got from the tap; in the file = rows in the DuckDB table"
        )
    lines += [f"  - {w}" for w in summary["why"]]
    lines += [f"  WARNING: {w}" for w in summary["warnings"]]
    money = data.get("money")
    if money:
        lines.append("")
        if money["type"].upper() in ("DOUBLE", "FLOAT", "REAL"):
            lines.append(f"Money is stored as {money['type']}: digits can be lost (12.30 -> 12.3)")
        else:
            lines.append(
                f"Money is stored as {money['type']} with every digit (target-duckdb alone would "
                "store DOUBLE: 12.30 -> 12.3)"
            )
        if money["longest"]:
            order_id, amount = money["longest"]
            lines.append(f"  longest total_paid: order {order_id} = {amount}")
        lines.append("  compute with it: CAST(total_paid AS DECIMAL(38, 2))")
    lines += ["", f"Bookmarks Meltano saved under {summary['state_id']}:"]
    if summary["bookmarks"]:
        width = max(len(s) for s in summary["bookmarks"])
        for stream, mark in sorted(summary["bookmarks"].items()):
            lines.append(f"  {stream:<{width}}  {mark}")
        lines.append(f"  written for the API {summary['state_api']}")
        lines.append(f"  {summary['next_run']}")
    else:
        lines.append("  (none could be read: see `meltano state get " + summary["state_id"] + "`)")
    if summary["recovered"]:
        lines += ["", "Cleaned up after an interrupted demo:"]
        lines += [f"  - {r}" for r in summary["recovered"]]
    lines += ["", "Logs: " + ", ".join(summary["logs"])]
    return lines


def print_samples(data: dict[str, t.Any]) -> None:
    for table in data["tables"]:
        if table["name"] not in SAMPLE_COLUMNS:
            continue
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


# ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales-orders", type=int, default=5000)
    parser.add_argument("--purchase-orders", type=int, default=500)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument(
        "--fake",
        action="store_true",
        help="use the bundled fake API even when real credentials are set",
    )
    parser.add_argument(
        "--fake-port",
        type=int,
        default=FAKE_PORT,
        help=f"port of the fake API (default {FAKE_PORT}: fixed, so the tenant the state records "
        "stays the same from run to run)",
    )
    parser.add_argument("--fake-latency-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT,
        help="directory for the DuckDB files, logs and the summary (default: output/)",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="credentials file (default: .env); also passed to meltano",
    )
    parser.add_argument(
        "--meltano", type=Path, default=None, help="meltano executable (default: .venv-meltano's)"
    )
    parser.add_argument(
        "--python",
        type=Path,
        default=None,
        help="a Python with tap-luminous installed (default: .venv's); with --meltano, the demo "
        "sets up no virtualenv",
    )
    parser.add_argument(
        "--reinstall",
        action="store_true",
        help="reinstall .venv (from uv.lock) and .venv-meltano even when they look current",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="overall time limit in seconds (default 1800)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
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

    def on_sigterm(signum: int, frame: types.FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    output = args.output.resolve()
    env_file = (args.env_file or REPO / ".env").resolve()
    try:
        creds = None if args.fake else find_credentials(env_file, os.environ)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    try:
        with DemoLock(output / ".demo.lock"):
            return Demo(args, output, env_file, creds).run()
    except DemoError as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Interrupted):
        print("\ninterrupted", file=sys.stderr)
        return 130


class Demo:
    def __init__(
        self,
        args: argparse.Namespace,
        output: Path,
        env_file: Path,
        creds: Credentials | None,
    ) -> None:
        self.args = args
        self.output = output
        self.env_file = env_file
        self.creds = creds
        self.deadline = Deadline(args.timeout)
        self.started = time.monotonic()
        self.global_args: list[str] = ["--env-file", str(env_file)] if args.env_file else []
        self.record = RunRecord(output / ".demo-runs.json")
        self.recovered: list[str] = []
        self.run_log = output / "demo-meltano-run.log"
        self.meltano_killed = False

    def run(self) -> int:
        try:
            return self._run()
        finally:
            self.record.finish(keep_runs=self.meltano_killed)

    def _run(self) -> int:
        output, args, creds = self.output, self.args, self.creds
        output.mkdir(parents=True, exist_ok=True)
        for line in self.record.clean_up_processes():
            say(line[0].upper() + line[1:])
            self.recovered.append(line)
        if args.python and args.meltano:
            python, meltano = args.python, args.meltano
        else:
            python, meltano = prepare_environments(self.deadline, args.reinstall, args.meltano)
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
        progress_var = "TAP_LUMINOUS_LOG_PROGRESS_EVERY_PAGES"
        if progress_var not in env and progress_var not in read_dotenv(self.env_file):
            env[progress_var] = "1"  # a progress line per page, shown every few seconds
        environment = env.get("MELTANO_ENVIRONMENT") or ENVIRONMENT
        say("Money as text for DuckDB: building the tap's stream map (scripts/money_as_text.py)")
        stream_maps = money_stream_maps(python, self.deadline.left(120))
        run_args = ["run", "--run-id", ""]
        fake: FakeAPI | None = None
        counts = None
        try:
            if creds:
                marker = tenant_marker(python, creds)
                say(f"Real credentials found (in {creds.where}): extracting {creds.tenant}")
                db_file = output / "warehouse.duckdb"
                state_id = f"{environment}:{PIPELINE[0]}-to-{PIPELINE[1]}"
                layout = db_layout(stream_maps, marker)
                if prepare_db_file(db_file, layout, fresh=False):
                    run_args.append("--full-refresh")
                self.explain_saved_state(meltano, env, state_id, marker, run_args)
            else:
                db_file = output / "demo.duckdb"
                state_id = f"{environment}:{PIPELINE[0]}-to-{PIPELINE[1]}:{DEMO_STATE_SUFFIX}"
                prepare_db_file(db_file, db_layout(stream_maps), fresh=True)
                say(
                    f"No real credentials in {rel(self.env_file)} or the environment: starting "
                    f"the bundled fake Luminous API ({args.sales_orders} sales orders, "
                    f"{args.purchase_orders} purchase orders, {args.products} products)"
                )
                fake = FakeAPI(
                    python,
                    orders=args.sales_orders,
                    purchase_orders=args.purchase_orders,
                    products=args.products,
                    log=output / "demo-fake-api.log",
                    latency_ms=args.fake_latency_ms,
                )
                info = fake.start(
                    args.fake_port,
                    timeout=self.deadline.left(120),
                    max_seconds=int(self.deadline.left()) + 60,
                )
                self.record.note(fake_pid=fake.pid, fake_port=fake.port)
                marker = f"http://127.0.0.1:{fake.port}/external/api/v1"
                say(f"Fake API at {info['base_url']}")
                env[URL_VAR] = info["base_url"]
                env[TOKEN_VAR] = info["token"]
                env.pop(COMPANY_VAR, None)
                layout = db_layout(stream_maps)
                # Fresh data in a fresh file each time: ignore the saved state; the demo's own
                # state id keeps it apart from real runs.
                run_args += ["--full-refresh", "--state-id-suffix", DEMO_STATE_SUFFIX]
                say(
                    f"Loading into a fresh {rel(db_file)} (recreated on every run) under the "
                    f"Meltano state id {state_id}, apart from real runs"
                )
            env.update(pipeline_env(stream_maps, db_file))
            self.meltano_install(meltano, env)
            self.meltano_run(meltano, env, run_args, state_id, fake)
            record_layout(db_file, layout)
        finally:
            if fake is not None:
                fake.stop()
                self.record.note(fake_pid=None, fake_port=None)
        if fake is not None:
            counts = fake_counts(python, fake)
        state = meltano_json(meltano, ["state", "get", state_id], env, self.global_args)
        self.report(
            python,
            db_file=db_file,
            state_id=state_id,
            state=state,
            marker=marker,
            counts=counts,
            incremental=creds is not None,
        )
        return 0

    # -- steps ------------------------------------------------------------------------------

    def explain_saved_state(
        self, meltano: Path, env: dict[str, str], state_id: str, marker: str, run_args: list[str]
    ) -> None:
        state = meltano_json(meltano, ["state", "get", state_id], env, self.global_args)
        config = meltano_json(meltano, ["config", "print", "tap-luminous"], env, self.global_args)
        start = (config or {}).get("start_date") or "the start_date setting"
        written_for, marks = bookmarks_of(state)
        if "--full-refresh" in run_args:
            say(f"This run ignores any saved state (--full-refresh) and extracts from {start}")
        elif not marks:
            say(f"No saved state under {state_id}: this first run extracts from {start}")
        elif written_for and written_for != marker:
            say(
                f"The state saved under {state_id} was written for another API ({written_for}): "
                f"the tap does not apply it and extracts from {start}"
            )
        else:
            listed = ", ".join(f"{s} from {v}" for s, v in sorted(marks.items()))
            say(f"Resuming from the bookmarks saved under {state_id}: {listed}")

    def meltano_install(self, meltano: Path, env: dict[str, str]) -> None:
        log = self.output / "demo-meltano-install.log"
        say(f"meltano install {' '.join(PIPELINE)}  (log: {rel(log)})")
        t0 = time.monotonic()
        code = run_live(
            [meltano, *self.global_args, "install", *PIPELINE],
            env=env,
            timeout=self.deadline.left(1200),
            log=log,
            what="meltano install (the first time it downloads the plugins)",
            detail=lambda: last_line(log),
        )
        if code != 0:
            raise DemoError(
                f"meltano install failed with exit code {code} (log: {rel(log)}):\n{log_tail(log)}"
            )
        note(f"installed in {time.monotonic() - t0:.0f}s")

    def meltano_run(
        self,
        meltano: Path,
        env: dict[str, str],
        run_args: list[str],
        state_id: str,
        fake: FakeAPI | None,
    ) -> None:
        demo_only = fake is not None
        jobs = running_jobs(system_db(env), state_id)
        force = False
        if jobs is not None:
            force, messages = stale_run_check(jobs, state_id, self.record.run_ids(), demo_only)
            for message in messages:
                say(message)
                self.recovered.append(message)
            self.record.forget_finished({j.run_id for j in jobs})
        for attempt in range(2):
            run_id = uuid.uuid4()
            argv = [*run_args]
            argv[argv.index("--run-id") + 1] = str(run_id)
            if force:
                argv.insert(1, "--force")
            shown = " ".join(a for a in argv if a not in ("--run-id", str(run_id)))
            say(f"meltano {shown} {' '.join(PIPELINE)}  (log: {rel(self.run_log)})")
            self.record.add_run(run_id.hex, state_id)
            t0 = time.monotonic()
            try:
                code = run_live(
                    [meltano, *self.global_args, *argv, *PIPELINE],
                    env=env,
                    timeout=self.deadline.left(1800),
                    log=self.run_log,
                    what="meltano run",
                    detail=lambda: run_progress(self.run_log),
                    on_start=lambda p: self.record.note(meltano_pid=p.pid),
                )
            except Interrupted as stop:
                self.record.note(meltano_pid=None)
                if stop.how == "killed":
                    self.meltano_killed = True
                    say(
                        "Meltano had to be killed, so it still lists the run as running; the "
                        "next demo clears that (meltano run --force) and says so"
                    )
                else:
                    say(
                        f"Meltano stopped ({stop.how}) and recorded the run as failed; the tap "
                        "wrote its last state. The next demo starts normally."
                    )
                raise
            self.record.note(meltano_pid=None)
            log = self.run_log.read_text(errors="replace")
            blocked = code != 0 and "pipeline is already running" in log
            ours = demo_only or bool(self.record.run_ids() - {run_id.hex})
            if blocked and ours and not force and attempt == 0:
                message = (
                    f"Meltano lists an earlier demo run of {state_id} as still running (a "
                    "demo stopped before Meltano could record its end); running again with "
                    "`meltano run --force`"
                )
                say(message)
                self.recovered.append(message)
                force = True
                continue
            if code != 0:
                raise DemoError(
                    f"meltano run failed with exit code {code} (full log: {rel(self.run_log)}):\n"
                    f"{log_tail(self.run_log)}"
                )
            note(f"extracted and loaded in {time.monotonic() - t0:.0f}s")
            return

    def report(
        self,
        python: Path,
        *,
        db_file: Path,
        state_id: str,
        state: dict[str, t.Any] | None,
        marker: str,
        counts: dict[str, t.Any] | None,
        incremental: bool,
    ) -> None:
        reader, data = read_db(python, db_file, self.deadline)
        loaded = {tb["name"]: int(tb["rows"]) for tb in data["tables"]}
        received = received_rows(self.run_log)
        rows, why, warnings = row_table(loaded, received, counts, incremental)
        written_for, marks = bookmarks_of(state)
        if incremental:
            next_run = "the next run of this pipeline resumes from them"
        else:
            next_run = (
                "the demo itself starts fresh every time (--full-refresh); real runs never see "
                "them (another state id)"
            )
        logs = [rel(self.run_log), rel(self.output / "demo-meltano-install.log")]
        if counts is not None:
            logs.append(rel(self.output / "demo-fake-api.log"))
        summary: dict[str, t.Any] = {
            "finished_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "seconds": time.monotonic() - self.started,
            "fake": not incremental,
            "source": f"your tenant ({marker})"
            if incremental
            else f"the bundled fake API ({marker})",
            "api": marker,
            "db_file": rel(db_file),
            "state_id": state_id,
            "rows": rows,
            "why": why,
            "warnings": warnings,
            "bookmarks": marks,
            "state_api": written_for or "(not recorded)",
            "next_run": next_run,
            "money": data.get("money"),
            "recovered": self.recovered,
            "logs": logs,
        }
        lines = summary_lines(summary, data)
        print()
        for line in lines:
            print(f"  {line}" if line else "")
        print_samples(data)
        if not data["tables"]:
            print("  (no tables: nothing was loaded)")
        text_file = self.output / "demo-summary.txt"
        text_file.write_text("\n".join(lines) + "\n")
        (self.output / "demo-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        print()
        print("Query it yourself, e.g.:")
        example = f"SELECT order_status, count(*) FROM {DB_SCHEMA}.sales_orders GROUP BY 1"  # noqa: S608
        print(
            f"  {reader} -c \"import duckdb; print(duckdb.connect('{db_file}').sql('{example}'))\""
        )
        print()
        say(f"Summary saved to {rel(text_file)} (and demo-summary.json)")
        if summary["warnings"]:
            say("Some counts do not add up: see the WARNING lines above")
        say(f"Done in {time.monotonic() - self.started:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
