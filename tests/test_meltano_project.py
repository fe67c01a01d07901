"""The Meltano project around the tap: the demo, settings kinds, plugin sources, the sync script.

- The demo (scripts/demo.py, run as a process): every row the fake API serves lands in
  output/demo.duckdb, money exact, and the summary says so; a run with other credentials (a second
  fake API standing in for a real tenant) loads all of that tenant's rows into its own file, every
  time (the demo keeps no state, and never touches the project's system database); a stopped demo
  (Ctrl-C, SIGTERM, killed outright) leaves the previous file and summary or none, never a mix,
  and does not block the next one.
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

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
import yaml

from fake_luminous import BIG_MONEY, Dataset, FakeClock, FakeLuminousAPI
from tests.test_meltano_postgres import INSTALL_TIMEOUT, _cache_root, _sys_dir_key

REPO = Path(__file__).resolve().parent.parent
UTC = dt.timezone.utc
CLI_TIMEOUT = 120
DEMO_TIMEOUT = 300
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


FAKE_SIZES = {"sales_orders": 120, "purchase_orders": 12, "products": 30}
COUNT_SCRIPT = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables "
                               "WHERE table_schema = 'luminous'").fetchall()]
money = con.sql("SELECT typeof(total_paid), total_paid::VARCHAR FROM luminous.sales_orders "
                "WHERE order_id = 1003").fetchone() if "sales_orders" in names else None
print(json.dumps({"tables": {n: con.sql(f'SELECT count(*) FROM luminous."{n}"').fetchone()[0]
                             for n in names}, "money": money}))
"""


def served_tables(api: FakeLuminousAPI, dataset: Dataset, now: dt.datetime) -> dict[str, int]:
    """Rows per table a full extraction of `api` yields: the exports' active rows, every
    purchase order (all statuses are fetched), and the nested rows of those parents."""
    lo, hi = dt.datetime(1970, 1, 1, tzinfo=UTC), now + dt.timedelta(days=1)
    orders, products = api.expected_sales_orders(lo, hi), api.expected_products(lo, hi)
    pos = list(dataset.purchase_orders.values())

    def nested(rows: list[t.Any], key: str) -> int:
        return sum(len(r.get(key) or []) for r in rows)

    return {
        "sales_orders": len(orders),
        "sales_order_items": nested(orders, "items"),
        "sales_order_fulfillment_orders": nested(orders, "fulfillment_orders"),
        "sales_order_shipments": nested(orders, "shipments"),
        "products": len(products),
        "purchase_orders": len(pos),
        "purchase_order_items": nested(pos, "items"),
        "purchase_order_payments": nested(pos, "payments"),
    }


def fake_cli_tables() -> dict[str, int]:
    """What `python -m fake_luminous` serves with the demo's sizes (its seed 42, 730 days)."""
    end = dt.datetime.now(UTC).replace(microsecond=0)
    dataset = Dataset.generate(
        sales_orders=FAKE_SIZES["sales_orders"],
        purchase_orders=FAKE_SIZES["purchase_orders"],
        products=FAKE_SIZES["products"],
        seed=42,
        start=end - dt.timedelta(days=730),
        end=end,
    )
    api = FakeLuminousAPI(dataset=dataset, token="x", clock=FakeClock(end))
    return served_tables(api, dataset, end)


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


class Demo:
    """scripts/demo.py as a user runs it, on the shared plugins, with its own output dir."""

    def __init__(self, shared: Shared, tmp: Path) -> None:
        self.shared = shared
        self.output = tmp / "output"
        self.env_file = tmp / "demo.env"
        self.env_file.write_text("")
        self.db = tmp / "meltano.db"  # the project's system database: the demo must leave it

    def argv(self) -> list[str]:
        sizes = [a for name, n in FAKE_SIZES.items() for a in (f"--{name.replace('_', '-')}", n)]
        return [
            sys.executable,
            str(REPO / "scripts" / "demo.py"),
            *("--output", str(self.output), "--env-file", str(self.env_file)),
            *("--meltano", str(self.shared.exe), "--python", sys.executable),
            *("--timeout", str(DEMO_TIMEOUT), *map(str, sizes)),
        ]

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(
            MELTANO_SYS_DIR_ROOT=str(self.shared.sys_dir),
            MELTANO_DATABASE_URI=f"sqlite:///{self.db}",
            **extra,
        )

    def run(self, env: dict[str, str] | None = None) -> str:
        """A demo to its end; its output."""
        try:
            proc = subprocess.run(
                self.argv(),
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
        assert not list(self.output.glob(".demo-run-*")), "the demo left its temporary directory"
        assert not self.db.exists(), "the demo wrote to the project's Meltano system database"
        return proc.stdout

    def start(self, env: dict[str, str]) -> tuple[subprocess.Popen[str], int, Path]:
        """A demo in its own process group, once its target writes: (process, fake port, file)."""
        proc = subprocess.Popen(
            self.argv(),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        seen = _wait_for(proc, "Extracting from the bundled fake API", 120)
        port = int(re.findall(r"http://127\.0\.0\.1:(\d+)/", seen)[-1])
        end = time.monotonic() + 120
        while time.monotonic() < end and proc.poll() is None:
            files = list(self.output.glob(".demo-run-*/demo.duckdb"))
            if files:  # the target has created the temporary file: the run is loading
                return proc, port, files[0]
            time.sleep(0.1)
        proc.kill()
        pytest.fail(f"the demo's target never created its file:\n{proc.communicate()[0][-3000:]}")

    def tables(self, name: str) -> dict[str, t.Any]:
        reader = self.shared.sys_dir / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
        proc = subprocess.run(
            [str(reader), "-c", COUNT_SCRIPT, str(self.output / name)],
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return t.cast(dict[str, t.Any], json.loads(proc.stdout))

    def results(self) -> dict[str, str | None]:
        names = ("demo.duckdb", "demo.duckdb.wal", "demo-summary.txt")
        return {name: _digest(self.output / name) for name in names}


def _check_fake_run(demo: Demo, stdout: str) -> None:
    """Every row the fake serves is in demo.duckdb, money exact, and the summary says so."""
    got = demo.tables("demo.duckdb")
    assert got["tables"] == fake_cli_tables()
    assert got["money"] == ["VARCHAR", str(BIG_MONEY)]
    summary = (demo.output / "demo-summary.txt").read_text()
    assert summary.startswith("tap-luminous demo")
    assert f"database: {demo.output / 'demo.duckdb'}" in summary
    for table, rows in got["tables"].items():
        assert re.search(rf"^{table} +{rows:,}$", summary, flags=re.MULTILINE), (table, summary)
    assert f"total_paid {BIG_MONEY}" in summary
    assert summary.strip() in stdout.replace("\n  ", "\n")


@pytest.mark.e2e
def test_the_demo_keeps_its_state_and_database_apart(shared: Shared, tmp_path: Path) -> None:
    demo = Demo(shared, tmp_path)
    out = demo.run()
    _check_fake_run(demo, out)
    # (Progress lines appear only in a run longer than demo.PROGRESS_EVERY: not asserted here,
    # where the run's length depends on the machine.)
    fake_file = demo.results()["demo.duckdb"]

    # "The real tenant": another fake API, other data, other token.
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
        want = served_tables(tenant, dataset, clock.now())
        for _ in range(2):
            # Every row of the tenant, the second time too: no state is kept, neither the
            # fake's bookmarks nor the first tenant run's cut the window short.
            assert f"your tenant ({tenant.base_url})" in demo.run(env=env)
            assert demo.tables("warehouse.duckdb")["tables"] == want
            summary = (demo.output / "demo-summary.txt").read_text()
            assert f"database: {demo.output / 'warehouse.duckdb'}" in summary
    assert demo.results()["demo.duckdb"] == fake_file, "the tenant's run changed the demo's file"


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
        assert "demo.env" in proc.stderr
        assert "Setting up" not in proc.stdout, "credentials must be checked before any setup"
        assert not demo.output.exists(), "credentials must be checked before any output"


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


def _stopped(proc: subprocess.Popen[str]) -> str:
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the demo did not stop within 60s of the signal")
    return out


@pytest.mark.e2e
def test_an_interrupted_demo_does_not_block_the_next(shared: Shared, tmp_path: Path) -> None:
    """A stopped demo leaves the previous result or none, never a mix, and stops its fake API."""
    demo = Demo(shared, tmp_path)
    # Small pages at two requests a second: the run is still extracting when it is stopped.
    slow = demo.env(
        TAP_LUMINOUS_REQUESTS_PER_SECOND="2",
        TAP_LUMINOUS_SALES_ORDERS_PAGE_SIZE="10",
        TAP_LUMINOUS_PRODUCTS_PAGE_SIZE="10",
        TAP_LUMINOUS_PURCHASE_ORDERS_PAGE_SIZE="5",
    )

    # 1. Ctrl-C in a terminal (SIGINT to the process group), no earlier result: none after it.
    proc, port, _ = demo.start(slow)
    os.killpg(proc.pid, signal.SIGINT)
    out = _stopped(proc)
    assert proc.returncode == 130, out
    assert "Stopping meltano run" in out, out
    assert demo.results() == dict.fromkeys(demo.results()), "a stopped first run left results"
    assert not list(demo.output.glob(".demo-run-*"))
    assert not _port_open(port), "the fake API outlived the demo"

    _check_fake_run(demo, demo.run())
    before = demo.results()

    # 2. SIGTERM to the demo alone: it stops Meltano and the fake API itself.
    proc, port, _ = demo.start(slow)
    os.kill(proc.pid, signal.SIGTERM)
    out = _stopped(proc)
    assert proc.returncode == 130, out
    assert "Stopping meltano run" in out, out
    assert demo.results() == before, "a stopped run changed the previous result"
    assert not _port_open(port), "the demo did not stop its fake API"

    # 3. Killed outright, Meltano and the fake with it: its temporary file is all it leaves.
    proc, _, partial = demo.start(slow)
    os.killpg(proc.pid, signal.SIGKILL)
    _stopped(proc)
    assert partial.exists()
    assert demo.results() == before, "a killed run changed the previous result"

    # And the next demo just runs (and clears what the killed one left).
    _check_fake_run(demo, demo.run())
    assert not partial.parent.exists()


def _demo_module() -> t.Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("tap_luminous_demo", REPO / "scripts" / "demo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class _Interrupted(Exception):
    pass


def test_the_demo_replaces_its_file_and_summary_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = _demo_module()
    output, tmp = tmp_path / "output", tmp_path / "run"
    output.mkdir()
    tmp.mkdir()

    def previous() -> None:
        for name, text in (
            ("demo.duckdb", "old file"),
            ("demo.duckdb.wal", "old wal"),
            ("demo-summary.txt", "old summary"),
            ("demo-summary.json", "an older demo's summary"),
        ):
            (output / name).write_text(text)
        (tmp / "demo.duckdb").write_text("new file")

    # Ctrl-C while the files are replaced waits until both are.
    def on_sigint(signum: int, frame: t.Any) -> None:
        raise _Interrupted

    real_replace = os.replace

    def replace_interrupted(src: Path, dst: Path) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real_replace(src, dst)

    previous()
    old_handler = signal.signal(signal.SIGINT, on_sigint)
    try:
        monkeypatch.setattr(demo.os, "replace", replace_interrupted)
        demo.publish(tmp, tmp / "demo.duckdb", output, "new summary\n")
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGINT, old_handler)
    assert sorted(p.name for p in output.iterdir()) == ["demo-summary.txt", "demo.duckdb"]
    assert (output / "demo.duckdb").read_text() == "new file"
    assert (output / "demo-summary.txt").read_text() == "new summary\n"
    assert signal.getsignal(signal.SIGINT) is old_handler

    # The file cannot be replaced: the old one stays, and no summary claims anything about it.
    previous()

    def replace_fails(src: Path, dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(demo.os, "replace", replace_fails)
    with pytest.raises(OSError, match="disk full"):
        demo.publish(tmp, tmp / "demo.duckdb", output, "new summary\n")
    assert (output / "demo.duckdb").read_text() == "old file"
    assert not (output / "demo-summary.txt").exists()
