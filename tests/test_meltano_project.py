"""The Meltano project around the tap: the demo, settings kinds, plugin sources, the sync script.

- The demo (scripts/demo.py, run as a process): its fake-API runs keep their own state id and
  DuckDB file, so a later run with other credentials (a second fake API standing in for a real
  tenant) loads all of that tenant's rows; every row the target received is in the file; an
  interrupted demo (Ctrl-C, or killed outright) does not block the next one.
- Settings: Meltano passes dates and numbers as written (`kind: string`), so the tap's own
  one-line error names a bad start_date; a bad value of every other kind stops with an error.
- The pasted plugin definition of docs/operations.md installs from a local path into a fresh
  project with no Hub, and `meltano invoke tap-luminous --about` works.
- scripts/sync-plugin-settings.sh works on a meltano.yml that `meltano config set` and
  `meltano select --exclude` have rewritten.

Meltano and the plugin venvs are shared with tests/test_meltano_postgres.py and
tests/test_money_targets.py (the cache dir's `meltano-sys-*`, keyed by meltano.yml and the
Meltano executable): `$MELTANO_BIN` (scripts/test.py sets .venv-meltano's), else .venv-meltano
(scripts/bootstrap.py). Every test has its own system database and output directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
import yaml

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tests.test_meltano_postgres import INSTALL_TIMEOUT, _cache_root, _sys_dir_key

REPO = Path(__file__).resolve().parent.parent
UTC = dt.timezone.utc
CLI_TIMEOUT = 120
DEMO_TIMEOUT = 300
DEMO_STATE_ID = "dev:tap-luminous-to-target-duckdb:demo"
REAL_STATE_ID = "dev:tap-luminous-to-target-duckdb"
DEAD_API = "http://127.0.0.1:9/external/api/v1"  # never listened on: no request can succeed


# --------------------------------------------------------------------------------------------
# Shared Meltano


def project_meltano() -> Path:
    """The meltano the README names (.venv-meltano's), or $MELTANO_BIN."""
    if os.environ.get("MELTANO_BIN"):
        return Path(os.environ["MELTANO_BIN"])
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import bootstrap
    finally:
        sys.path.pop(0)
    return Path(bootstrap.ensure_meltano())


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without a developer's Meltano/tap settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAP_LUMINOUS_", "TARGET_", "MELTANO_", "VIRTUAL_ENV"))
    }
    env.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "NO_COLOR": "1",
        }
    )
    env.update(extra)
    return env


class Shared(t.NamedTuple):
    exe: Path
    sys_dir: Path


def shared_install(*plugins: str) -> Shared:
    """Meltano and the shared plugin sys dir, with `plugins` installed (all when none)."""
    exe = project_meltano()
    cache = _cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    sys_dir = cache / f"meltano-sys-{_sys_dir_key(exe)}"
    sys_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [str(exe), "install", *plugins],
        cwd=REPO,
        env=clean_env(
            MELTANO_SYS_DIR_ROOT=str(sys_dir),
            MELTANO_DATABASE_URI=f"sqlite:///{sys_dir / 'install.db'}",
        ),
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"meltano install failed:\n{proc.stderr[-4000:]}"
    return Shared(exe, sys_dir)


@pytest.fixture(scope="session")
def shared() -> Shared:
    return shared_install("tap-luminous", "target-duckdb")


def meltano(
    shared: Shared,
    tmp: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = CLI_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """`meltano ARGS` in `cwd` with a private system db and an empty env file; never raises."""
    empty = tmp / "empty.env"
    empty.touch()
    full_env = clean_env(
        MELTANO_SYS_DIR_ROOT=str(shared.sys_dir),
        MELTANO_DATABASE_URI=f"sqlite:///{tmp / 'meltano.db'}",
        **(env or {}),
    )
    try:
        return subprocess.run(
            [str(shared.exe), "--env-file", str(empty), *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`meltano {' '.join(args)}` did not finish within {timeout}s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# Settings: what the user wrote reaches the tap; bad values stop with a clear error


def _invoke(shared: Shared, tmp: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        "TAP_LUMINOUS_API_TOKEN": "t0ken",
        "TAP_LUMINOUS_API_URL": DEAD_API,
        "TAP_LUMINOUS_MAX_RETRIES": "0",
        **{f"TAP_LUMINOUS_{k.upper()}": v for k, v in settings.items()},
    }
    return meltano(shared, tmp, "invoke", "tap-luminous", env=env)


def _tap_errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    out = proc.stdout + proc.stderr
    return sorted(set(re.findall(r"Invalid setting '[a-z_]+': [^\n\"]*", out)))


@pytest.mark.e2e
@pytest.mark.parametrize("value", ["2026-13-01", "01/11/2026", "last tuesday"])
def test_a_bad_start_date_reaches_the_tap_as_written(
    shared: Shared, tmp_path: Path, value: str
) -> None:
    proc = _invoke(shared, tmp_path, start_date=value)
    assert proc.returncode != 0
    errors = _tap_errors(proc)
    # One line, the tap's, quoting exactly what was written (Meltano's date_iso8601 would have
    # turned 01/11/2026 into 2026-01-11 and `last tuesday` into a date).
    assert errors == [
        f"Invalid setting 'start_date': {value!r} is not an ISO-8601 date or date-time"
    ], proc.stderr[-3000:]
    assert "connection failed" not in proc.stderr, "the tap made a request with a bad setting"


@pytest.mark.e2e
def test_dates_and_numbers_pass_through_meltano_unchanged(shared: Shared, tmp_path: Path) -> None:
    env = {
        "TAP_LUMINOUS_START_DATE": "2026-11-01",
        "TAP_LUMINOUS_REQUEST_TIMEOUT": "2.5",
        # kind: decimal made Meltano 4.4 crash on this ("Decimal is not JSON serializable")
        "TAP_LUMINOUS_REQUESTS_PER_SECOND": "0.5",
        "TAP_LUMINOUS_API_TOKEN": "t0ken",
        "TAP_LUMINOUS_API_URL": DEAD_API,
    }
    proc = meltano(shared, tmp_path, "config", "print", "tap-luminous", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    config = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert config["start_date"] == "2026-11-01"
    assert config["request_timeout"] == "2.5"
    assert config["requests_per_second"] == "0.5"


BAD_VALUES = [
    # (setting, value, expected message: the tap's or Meltano's)
    ("lookback_window", "abc", "invalid literal for int() with base 10: 'abc'"),  # integer
    ("request_timeout", "fast", "Invalid setting 'request_timeout': must be a number"),  # number
    ("purchase_order_statuses", "active", "Failed to parse JSON array from string"),  # array
    ("invalid_values", "explode", "Invalid setting 'invalid_values'"),  # string enum
    ("stream_maps", "not json", "Failed to parse JSON object"),  # object
    pytest.param(
        "keep_nested_arrays",
        "maybe",
        "Invalid setting 'keep_nested_arrays'",
        id="boolean",
    ),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("setting", "value", "message"), BAD_VALUES)
def test_a_bad_value_of_every_kind_stops_with_a_clear_error(
    shared: Shared, tmp_path: Path, setting: str, value: str, message: str
) -> None:
    proc = _invoke(shared, tmp_path, **{setting: value})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{setting}={value!r} was accepted"
    assert message in out, f"{setting}={value!r}: no {message!r} in:\n{out[-3000:]}"
    # Never a changed value that the tap then ran with: it stopped before any request.
    assert "connection failed" not in out, f"{setting}={value!r} reached a request"


# --------------------------------------------------------------------------------------------
# Installing the tap into another project: the pasted definition of docs/operations.md
# ("Installing: other ways"), from a local path

DEFINITION_DOC = "docs/operations.md"


def _readme_yaml_definition() -> dict[str, t.Any]:
    text = (REPO / DEFINITION_DOC).read_text()
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "plugins" in data and "tap-luminous" in str(data):
            extractors = data["plugins"].get("extractors") or []
            if len(extractors) == 1:
                return data
    pytest.fail(f"{DEFINITION_DOC} has no ```yaml block with a `plugins:` definition")


@pytest.mark.e2e
def test_the_readme_definition_installs_from_a_local_path(tmp_path: Path) -> None:
    project = tmp_path / "my-project"
    project.mkdir()
    definition = _readme_yaml_definition()
    (tap,) = definition["plugins"]["extractors"]
    assert tap["name"] == "tap-luminous"
    tap["pip_url"] = str(REPO)  # the local-path form of the README
    kinds = {s["name"]: s["kind"] for s in tap["settings"]}
    assert kinds["start_date"] == "string", f"{DEFINITION_DOC} shows a rewriting date kind"
    (project / "meltano.yml").write_text(
        yaml.safe_dump({"default_environment": "dev", "environments": [{"name": "dev"}]})
        + yaml.safe_dump(definition, sort_keys=False)
    )
    env = clean_env()

    def run(*args: str, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(project_meltano()), *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert proc.returncode == 0, f"meltano {' '.join(args)}:\n{proc.stderr[-3000:]}"
        return proc

    run("install", timeout=INSTALL_TIMEOUT)  # no Hub: the definition is complete
    about = json.loads(run("invoke", "tap-luminous", "--about", "--format", "json").stdout)
    assert about["name"] == "tap-luminous"
    assert "start_date" in about["settings"]["properties"]
    config = json.loads(run("config", "print", "tap-luminous").stdout)
    assert config["start_date"] == "2024-01-01T00:00:00Z"


# --------------------------------------------------------------------------------------------
# scripts/sync-plugin-settings.sh after Meltano's own edits of meltano.yml


def _sync(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "scripts" / "sync-plugin-settings.sh"), *map(str, args)],
        cwd=REPO,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def test_the_definitions_are_in_sync_with_the_tap() -> None:
    proc = _sync("--check")
    assert proc.returncode == 0, proc.stderr


def _tap_block(path: Path) -> dict[str, t.Any]:
    project = yaml.safe_load(path.read_text())
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-luminous"]
    return t.cast(dict[str, t.Any], tap)


@pytest.mark.e2e
def test_the_sync_survives_meltano_config_set_and_select(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "meltano.yml", project / "meltano.yml")
    hub = tmp_path / "tap-luminous.yml"
    shutil.copy(REPO / "hub" / "extractors" / "tap-luminous" / "tap-luminous.yml", hub)
    original = (project / "meltano.yml").read_text()
    env = clean_env(MELTANO_DATABASE_URI=f"sqlite:///{tmp_path / 'meltano.db'}")
    for args in (
        ("config", "set", "tap-luminous", "company_name", "acme"),
        ("config", "set", "tap-luminous", "start_date", "2024-01-01T00:00:00Z"),
        ("config", "set", "tap-luminous", "lookback_window", "60"),
        ("select", "tap-luminous", "--exclude", "sales_order_items", "*"),
    ):
        proc = subprocess.run(
            [str(project_meltano()), *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert proc.returncode == 0, f"meltano {' '.join(args)}:\n{proc.stderr[-3000:]}"
    edited = (project / "meltano.yml").read_text()
    assert edited != original, "Meltano did not rewrite meltano.yml"
    assert _sync("--check", "--meltano-yml", project / "meltano.yml", "--hub", hub).returncode == 1

    proc = _sync("--meltano-yml", project / "meltano.yml", "--hub", hub)
    assert proc.returncode == 0, proc.stderr
    synced = _tap_block(project / "meltano.yml")
    assert synced["settings"] == _tap_block(REPO / "meltano.yml")["settings"]
    assert synced["capabilities"] == _tap_block(REPO / "meltano.yml")["capabilities"]
    # Meltano's edits are kept.
    assert synced["config"] == {
        "company_name": "acme",
        "start_date": "2024-01-01T00:00:00Z",
        "lookback_window": 60,
    }
    original_select = _tap_block(REPO / "meltano.yml")["select"]
    assert synced["select"] == [*original_select, "!sales_order_items.*"]
    assert yaml.safe_load(hub.read_text()) == yaml.safe_load(
        (REPO / "hub" / "extractors" / "tap-luminous" / "tap-luminous.yml").read_text()
    )
    # Idempotent, and Meltano still reads the file.
    again = (project / "meltano.yml").read_text()
    assert _sync("--meltano-yml", project / "meltano.yml", "--hub", hub).returncode == 0
    assert (project / "meltano.yml").read_text() == again
    proc = subprocess.run(
        [str(project_meltano()), "config", "print", "tap-luminous"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout)["company_name"] == "acme"


def test_the_sync_replaces_values_by_position_in_any_style(tmp_path: Path) -> None:
    """Flow or block style, comments around, keys reordered: only the two values change."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import sync_plugin_settings as sync
    finally:
        sys.path.pop(0)
    about = {
        "capabilities": ["catalog", "state", "not-a-meltano-capability"],
        "settings": {
            "properties": {
                "api_token": {"type": ["string"], "secret": True},
                "start_date": {"type": ["string", "null"], "format": "date-time"},
                "request_timeout": {"type": ["number", "null"], "default": 60},
                "keep": {"type": ["boolean", "null"], "default": True},
            }
        },
    }
    text = (
        "# top comment\n"
        "plugins:\n"
        "  extractors:\n"
        "  - executable: tap-luminous\n"
        "    settings:\n"
        "    # a comment Meltano left\n"
        "    - {name: old, kind: string}\n"
        "    # trailing comment\n"
        "    name: tap-luminous\n"
        "    capabilities: [about]\n"
        "    config:\n"
        "      company_name: acme\n"
        "  - name: other\n"
        "    capabilities: [about]\n"
    )
    out = sync.synced_meltano_yml(text, tmp_path / "meltano.yml", about)
    data = yaml.safe_load(out)
    tap, other = data["plugins"]["extractors"]
    assert tap["capabilities"] == ["catalog", "state"]
    assert [(s["name"], s["kind"]) for s in tap["settings"]] == [
        ("api_token", "string"),
        ("start_date", "string"),
        ("request_timeout", "string"),
        ("keep", "string"),  # booleans as text: the tap, not Meltano, reads them
    ]
    assert tap["settings"][0]["sensitive"] is True
    assert tap["config"] == {"company_name": "acme"}
    assert other == {"name": "other", "capabilities": ["about"]}
    assert out.startswith("# top comment\n")
    assert "# trailing comment\n" in out
    assert sync.synced_meltano_yml(out, tmp_path / "meltano.yml", about) == out
    with pytest.raises(sync.SyncError, match="no extractor named"):
        sync.synced_meltano_yml("plugins: {extractors: []}\n", tmp_path / "m.yml", about)


# --------------------------------------------------------------------------------------------
# The demo


class DemoRun(t.NamedTuple):
    proc: subprocess.CompletedProcess[str]
    summary: dict[str, t.Any]


class Demo:
    """scripts/demo.py as a user runs it, on the shared plugins, with its own output dir."""

    SIZES = ("--sales-orders", "120", "--purchase-orders", "12", "--products", "30")

    def __init__(self, shared: Shared, tmp: Path) -> None:
        self.shared = shared
        self.output = tmp / "output"
        self.env_file = tmp / "demo.env"
        self.env_file.write_text("")
        self.db = tmp / "meltano.db"
        self.port = free_port()

    def argv(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            str(REPO / "scripts" / "demo.py"),
            "--output",
            str(self.output),
            "--env-file",
            str(self.env_file),
            "--meltano",
            str(self.shared.exe),
            "--python",
            sys.executable,
            "--fake-port",
            str(self.port),
            "--timeout",
            str(DEMO_TIMEOUT),
            *self.SIZES,
            *extra,
        ]

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(
            MELTANO_SYS_DIR_ROOT=str(self.shared.sys_dir),
            MELTANO_DATABASE_URI=f"sqlite:///{self.db}",
            **extra,
        )

    def run(self, *extra: str, env: dict[str, str] | None = None) -> DemoRun:
        try:
            proc = subprocess.run(
                self.argv(*extra),
                cwd=REPO,
                env=env or self.env(),
                capture_output=True,
                text=True,
                timeout=DEMO_TIMEOUT + 30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"the demo did not finish within {DEMO_TIMEOUT + 30}s")
        assert proc.returncode == 0, (
            f"demo failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}"
        )
        summary = json.loads((self.output / "demo-summary.json").read_text())
        assert (self.output / "demo-summary.txt").read_text().startswith("tap-luminous demo")
        return DemoRun(proc, summary)

    def start(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*extra),
            cwd=REPO,
            env=env or self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def jobs(self, state_id: str) -> list[str]:
        """States of the runs Meltano recorded for `state_id`, oldest first."""
        if not self.db.exists():
            return []
        con = sqlite3.connect(self.db)
        try:
            rows = con.execute("SELECT state FROM runs WHERE job_name = ? ORDER BY id", (state_id,))
            return [r[0] for r in rows]
        finally:
            con.close()

    def state(self, state_id: str) -> dict[str, t.Any]:
        proc = meltano(self.shared, self.output.parent, "state", "get", state_id)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return t.cast(dict[str, t.Any], json.loads(proc.stdout[proc.stdout.index("{") :]))


def _rows(summary: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return {r["table"]: r for r in summary["rows"]}


def _check_fake_summary(summary: dict[str, t.Any]) -> None:
    rows = _rows(summary)
    assert summary["state_id"] == DEMO_STATE_ID
    assert summary["db_file"].endswith("demo.duckdb")
    assert not summary["warnings"], summary["warnings"]
    assert rows["sales_orders"]["generated"] == 120
    assert set(rows) >= {"sales_orders", "products", "purchase_orders", "sales_order_items"}
    for name, row in rows.items():
        assert row["served"] == row["received"] == row["loaded"] > 0, (name, row)
    assert rows["sales_orders"]["served"] < rows["sales_orders"]["generated"], (
        "the fixture should hold inactive orders the export leaves out"
    )
    assert any("active rows only" in w for w in summary["why"])
    assert set(summary["bookmarks"]) == {"sales_orders", "purchase_orders", "products"}


@pytest.mark.e2e
def test_the_demo_keeps_its_state_and_database_apart(shared: Shared, tmp_path: Path) -> None:
    demo = Demo(shared, tmp_path)
    first = demo.run()
    _check_fake_summary(first.summary)
    fake_api = f"http://127.0.0.1:{demo.port}/external/api/v1"
    assert first.summary["state_api"] == fake_api
    assert re.search(r"\.\.\. \d+s meltano run: ", first.proc.stdout), "no progress lines"
    assert demo.jobs(REAL_STATE_ID) == [], "the demo wrote the real pipeline's state"

    # "The real tenant": another fake API, other data, other token, another port.
    token = "tenant-b-token"
    dataset = Dataset.generate(
        sales_orders=90,
        purchase_orders=9,
        products=25,
        seed=5,
        start=dt.datetime(2025, 1, 1, tzinfo=UTC),
        end=dt.datetime(2026, 6, 1, tzinfo=UTC),
    )
    clock = FakeClock(dt.datetime(2026, 6, 1, 12, tzinfo=UTC))
    with FakeLuminousAPI(dataset=dataset, token=token, clock=clock) as tenant:
        env = demo.env(TAP_LUMINOUS_API_TOKEN=token, TAP_LUMINOUS_API_URL=tenant.base_url)
        real = demo.run(env=env)
        lo = dt.datetime(1970, 1, 1, tzinfo=UTC)
        want = {
            "sales_orders": len(tenant.expected_sales_orders(lo, clock.now())),
            "products": len(tenant.expected_products(lo, clock.now())),
            "purchase_orders": len(dataset.purchase_orders),
        }
    out = real.proc.stdout
    assert "first run extracts from" in out or "extracts from 1970-01-01" in out, out[-3000:]
    rows = _rows(real.summary)
    for name, count in want.items():
        # Every row of the tenant: no bookmark of the demo's fake cut the window short ...
        assert rows[name]["received"] == rows[name]["loaded"] == count, (name, rows[name])
    # ... and none of the fake's rows in the tenant's file.
    assert real.summary["db_file"].endswith("warehouse.duckdb")
    assert real.summary["state_id"] == REAL_STATE_ID
    assert real.summary["state_api"] == tenant.base_url.replace("localhost", "127.0.0.1")
    run_log = (demo.output / "demo-meltano-run.log").read_text()
    assert "written for another API" not in run_log
    # The demo's own state still belongs to the fake; the tenant's to the tenant.
    demo_state = demo.state(DEMO_STATE_ID)["singer_state"]
    assert demo_state["tap_luminous"]["api"] == fake_api
    real_state = demo.state(REAL_STATE_ID)["singer_state"]
    assert real_state["tap_luminous"]["api"] != fake_api
    assert not (demo.output / ".demo-runs.json").exists()


def test_the_demo_names_what_is_missing_in_env(tmp_path: Path) -> None:
    demo = Demo(Shared(Path("/nonexistent/meltano"), tmp_path), tmp_path)
    for content, missing in (
        ("TAP_LUMINOUS_API_TOKEN=abc\n", "the tenant is missing"),
        (
            "TAP_LUMINOUS_COMPANY_NAME=acme\n# TAP_LUMINOUS_API_TOKEN=\n",
            "TAP_LUMINOUS_API_TOKEN is missing",
        ),
        (
            "TAP_LUMINOUS_API_URL=https://x.example/v1\nTAP_LUMINOUS_API_TOKEN=\n",
            "TAP_LUMINOUS_API_TOKEN is missing",
        ),
    ):
        demo.env_file.write_text(content)
        proc = subprocess.run(
            demo.argv(),
            cwd=REPO,
            env=demo.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert missing in proc.stderr, proc.stderr
        assert str(demo.env_file.name) in proc.stderr or "demo.env" in proc.stderr
        assert "Setting up" not in proc.stdout, "credentials must be checked before any setup"


def _wait_for(proc: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    """Read the demo's output until a line contains `pattern`; returns what was read."""
    assert proc.stdout is not None
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if pattern in line:
            return "".join(seen)
    proc.kill()
    pytest.fail(f"the demo never printed {pattern!r}:\n{''.join(seen)[-3000:]}")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.e2e
def test_an_interrupted_demo_does_not_block_the_next(shared: Shared, tmp_path: Path) -> None:
    demo = Demo(shared, tmp_path)
    # A slow fake API and small pages: the run is still extracting when it is interrupted.
    slow = ("--fake-latency-ms", "300")
    env = demo.env(
        TAP_LUMINOUS_SALES_ORDERS_PAGE_SIZE="10",
        TAP_LUMINOUS_PRODUCTS_PAGE_SIZE="10",
        TAP_LUMINOUS_PURCHASE_ORDERS_PAGE_SIZE="5",
    )

    # 1. Ctrl-C during `meltano run`: Meltano stops by itself and records the run as failed.
    proc = demo.start(*slow, env=env)
    _wait_for(proc, "extracting", 120)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "Meltano stopped" in out, out
    assert demo.jobs(DEMO_STATE_ID)[-1] == "FAIL"
    assert not _port_open(demo.port), "the fake API outlived the demo"
    after_stop = demo.run()  # and the next demo just runs
    # The fake restarts on the same port, so the state's tenant stays the same.
    fake_api = f"http://127.0.0.1:{demo.port}/external/api/v1"
    assert after_stop.summary["state_api"] == fake_api

    # 2. The demo and its Meltano killed outright: the run stays RUNNING, the fake keeps its port.
    proc = demo.start(*slow, env=env)
    _wait_for(proc, "extracting", 120)
    record = json.loads((demo.output / ".demo-runs.json").read_text())
    (mine,) = [e for e in record["runs"] if e["demo_pid"] == proc.pid]
    os.kill(proc.pid, signal.SIGKILL)
    os.killpg(mine["meltano_pid"], signal.SIGKILL)
    proc.wait(timeout=30)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)
    time.sleep(0.5)
    assert demo.jobs(DEMO_STATE_ID)[-1] == "RUNNING"
    assert _port_open(demo.port), "the killed demo's fake API should still be listening"

    again = demo.run()
    out = again.proc.stdout
    assert "Stopped the fake API" in out, out[-4000:]
    assert "meltano run --force" in out, out[-4000:]
    assert len(again.summary["recovered"]) == 2
    _check_fake_summary(again.summary)
    assert again.summary["state_api"] == fake_api
    assert demo.jobs(DEMO_STATE_ID)[-1] == "SUCCESS"


def _demo_module() -> t.Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("tap_luminous_demo", REPO / "scripts" / "demo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_demo_forces_past_its_own_stale_runs_only() -> None:
    demo = _demo_module()
    now = dt.datetime.now(UTC).replace(tzinfo=None)
    fresh = (now - dt.timedelta(seconds=20)).isoformat(sep=" ")
    old = (now - dt.timedelta(minutes=7)).isoformat(sep=" ")
    mine = demo.Job("a" * 32, fresh, fresh)
    theirs = demo.Job("b" * 32, fresh, fresh)
    gone = demo.Job("c" * 32, old, old)
    sid = REAL_STATE_ID
    assert demo.stale_run_check([], sid, set(), demo_only=False) == (False, [])
    force, said = demo.stale_run_check([mine], sid, {"a" * 32}, demo_only=False)
    assert force
    assert "meltano run --force" in said[0]
    # Someone else's pipeline, alive: never forced.
    with pytest.raises(demo.DemoError, match="did not start is running"):
        demo.stale_run_check([theirs], sid, {"a" * 32}, demo_only=False)
    # The demo's own state id is only ever the demo's (and the demo holds its lock).
    assert demo.stale_run_check([theirs], DEMO_STATE_ID, set(), demo_only=True)[0]
    # A heartbeat older than 5 minutes: Meltano clears it itself, nothing to force.
    assert demo.stale_run_check([gone], sid, set(), demo_only=False) == (False, [])
