"""End to end: `meltano run tap-luminous target-postgres`, the fake API and a real PostgreSQL.

The PostgreSQL server comes from tests/pg_cluster.py (PG* variables, or a throwaway cluster).
Meltano itself is `$MELTANO_BIN` (scripts/test.py sets it to .venv-meltano's), or the `meltano`
next to this Python, or on PATH, or else it is installed once into the e2e cache dir. The
plugins' virtualenvs (`.meltano/`) live in the cache dir too, keyed by meltano.yml,
pyproject.toml, the checkout's path and Meltano's venv, so a second session skips the
downloads; a fresh machine builds them with `meltano install`.
Every test gets its own Meltano system database (and so its own state) and its own target
schema, so runs never touch the repository's `.meltano/` or each other.

Cache dir: $TAP_LUMINOUS_E2E_CACHE, else $XDG_CACHE_HOME/tap-luminous-e2e, else
~/.cache/tap-luminous-e2e.
"""

# Identifiers in the SQL below are this module's own (test schema, stream names), not input.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from fake_luminous import BIG_MONEY, Dataset, FakeClock, FakeLuminousAPI
from tests.pg_cluster import PgServer, PostgresUnavailable, postgres_server

UTC = dt.timezone.utc
REPO = Path(__file__).resolve().parent.parent
TOKEN = "e2e-token-7c1d"
EPOCH = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
DATA_START = dt.datetime(2025, 1, 1, tzinfo=UTC)
START_DATE = "2024-01-01T00:00:00Z"
STATE_ID = "dev:tap-luminous-to-target-postgres"
# The one meltano pin: scripts/bootstrap.py's MELTANO_SPEC (tests/test_tooling.py checks).
sys.path.insert(0, str(REPO / "scripts"))
from bootstrap import MELTANO_SPEC as MELTANO_REQUIREMENT  # noqa: E402

INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 300
CLI_TIMEOUT = 120
KEYS = {"sales_orders": "order_id", "purchase_orders": "id", "products": "id"}


# --------------------------------------------------------------------------------------------
# Session fixtures: PostgreSQL, Meltano, plugin install


@pytest.fixture(scope="session")
def pg_server() -> t.Iterator[PgServer]:
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as exc:
        if os.environ.get("TAP_LUMINOUS_REQUIRE_E2E") == "1":
            pytest.fail(f"TAP_LUMINOUS_REQUIRE_E2E=1 but {exc}")
        pytest.skip(str(exc))


def _cache_root() -> Path:
    if os.environ.get("TAP_LUMINOUS_E2E_CACHE"):
        return Path(os.environ["TAP_LUMINOUS_E2E_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tap-luminous-e2e"


def _python_tag() -> str:
    return f"py{sys.version_info.major}{sys.version_info.minor}"


def _find_meltano(cache: Path) -> Path:
    """An existing meltano executable, or one installed into the cache dir."""
    candidates = [
        os.environ.get("MELTANO_BIN"),
        str(Path(sys.executable).parent / "meltano"),
        shutil.which("meltano"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    venv = cache / f"meltano-{_python_tag()}"
    exe = venv / "bin" / "meltano"
    if exe.is_file():
        return exe
    shutil.rmtree(venv, ignore_errors=True)
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if Path(uv).is_file():
        _check_call([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], 120)
        _check_call(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                MELTANO_REQUIREMENT,
            ],
            INSTALL_TIMEOUT,
        )
    else:
        _check_call([sys.executable, "-m", "venv", str(venv)], 120)
        _check_call(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", MELTANO_REQUIREMENT],
            INSTALL_TIMEOUT,
        )
    return exe


def _check_call(argv: list[str], timeout: float) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def _sys_dir_key(meltano_exe: Path) -> str:
    """Plugin venvs depend on the definitions, the checkout (editable tap) and Meltano's Python."""
    digest = hashlib.sha256()
    for name in ("meltano.yml", "pyproject.toml"):
        digest.update((REPO / name).read_bytes())
    digest.update(str(REPO).encode())
    digest.update(str(meltano_exe.resolve()).encode())
    cfg = meltano_exe.resolve().parent.parent / "pyvenv.cfg"  # the venv's Python version
    if cfg.is_file():
        digest.update(cfg.read_bytes())
    return digest.hexdigest()[:16]


def _prune_old_sys_dirs(
    cache: Path, keep: Path, max_age_days: float = 14, max_dirs: int = 6
) -> None:
    """Drop plugin dirs of old meltano.yml/pyproject versions: unused for weeks, or beyond N."""
    horizon = time.time() - max_age_days * 86400
    others = sorted(
        (d for d in cache.glob("meltano-sys-*") if d != keep),
        key=lambda d: d.stat().st_mtime,
        reverse=True,
    )
    for n, old in enumerate(others):
        if n >= max_dirs - 1 or old.stat().st_mtime < horizon:
            shutil.rmtree(old, ignore_errors=True)


class Meltano:
    """Runs meltano in the repository's project with a private system db and clean env."""

    def __init__(self, exe: Path, sys_dir: Path, workdir: Path) -> None:
        self.exe = exe
        self.sys_dir = sys_dir
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        # An empty env file: a developer's .env (real credentials!) never leaks into the tests.
        self.env_file = workdir / "empty.env"
        self.env_file.write_text("")
        self.extra_env: dict[str, str] = {}
        self.log_count = 0

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TAP_LUMINOUS_", "TARGET_POSTGRES_", "MELTANO_", "VIRTUAL_ENV"))
        }
        env.update(
            {
                "MELTANO_SYS_DIR_ROOT": str(self.sys_dir),
                "MELTANO_DATABASE_URI": f"sqlite:///{self.workdir / 'meltano.db'}",
                "MELTANO_ENVIRONMENT": "dev",
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "MELTANO_DISABLE_TRACKING": "true",
                "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
                "MELTANO_CLI_LOG_LEVEL": "info",
                "NO_COLOR": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def __call__(
        self, *args: str, timeout: float = CLI_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(self.exe), "--env-file", str(self.env_file), *args]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                cwd=REPO,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            err = (
                exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
            )
            pytest.fail(f"`meltano {' '.join(args)}` timed out after {timeout}s:\n{err}")
        self.log_count += 1
        log = self.workdir / f"meltano-{self.log_count:02d}-{args[0]}.log"
        log.write_text(
            f"$ {' '.join(argv)}\n# {time.monotonic() - started:.1f}s, exit {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
        if proc.returncode != 0:
            pytest.fail(
                f"`meltano {' '.join(args)}` exited {proc.returncode} (log: {log}):\n"
                f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
            )
        return proc


@pytest.fixture(scope="session")
def meltano_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(meltano executable, plugin sys dir) after one `meltano install` this session."""
    cache = _cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    exe = _find_meltano(cache)
    sys_dir = cache / f"meltano-sys-{_sys_dir_key(exe)}"
    sys_dir.mkdir(parents=True, exist_ok=True)
    os.utime(sys_dir)
    _prune_old_sys_dirs(cache, sys_dir)
    meltano = Meltano(exe, sys_dir, tmp_path_factory.mktemp("meltano-install"))
    started = time.monotonic()
    meltano("install", "tap-luminous", "target-postgres", timeout=INSTALL_TIMEOUT)
    print(f"meltano install: {time.monotonic() - started:.1f}s ({exe}, {sys_dir})")
    return exe, sys_dir


@pytest.fixture
def meltano(meltano_install: tuple[Path, Path], tmp_path: Path) -> Meltano:
    exe, sys_dir = meltano_install
    return Meltano(exe, sys_dir, tmp_path / "meltano")


@pytest.fixture
def target_schema(pg_server: PgServer) -> t.Iterator[str]:
    schema = f"e2e_{secrets.token_hex(4)}"
    yield schema
    conn = pg_server.connect()
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Helpers


def _types(prop: dict[str, t.Any]) -> set[str]:
    kind = prop.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def tap_streams(api: FakeLuminousAPI) -> dict[str, tuple[dict[str, t.Any], tuple[str, ...]]]:
    """Stream name -> (JSON schema, key properties), as the tap declares them (no request)."""
    from tap_luminous.tap import TapLuminous

    tap = TapLuminous(config={"api_token": TOKEN, "api_url": api.base_url}, setup_mapper=False)
    return {
        name: (stream.schema, tuple(stream.primary_keys or ()))
        for name, stream in tap.streams.items()
        if stream.selected
    }


def table_health(db: Db, table: str, keys: tuple[str, ...]) -> tuple[int, int]:
    """(rows, rows soft-deleted by the target); fails on duplicate primary keys."""
    q = f'"{db.schema}"."{table}"'
    cols = ", ".join(f'"{k}"' for k in keys)
    if keys:
        dupes = db.query(f"SELECT {cols}, count(*) FROM {q} GROUP BY {cols} HAVING count(*) > 1")
        assert not dupes, f"{table}: duplicate keys {dupes[:5]}"
    types = db.column_types(table)
    deleted = 0
    if "_sdc_deleted_at" in types:
        ((deleted,),) = db.query(f"SELECT count(*) FROM {q} WHERE _sdc_deleted_at IS NOT NULL")
    ((total,),) = db.query(f"SELECT count(*) FROM {q}")
    return total, deleted


def as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_ts(text: str) -> dt.datetime:
    return as_utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))


class Db:
    def __init__(self, server: PgServer, schema: str) -> None:
        self.conn = server.connect()
        self.conn.autocommit = True
        self.schema = schema
        with self.conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")

    def close(self) -> None:
        self.conn.close()

    def query(self, sql: str, *params: t.Any) -> list[tuple[t.Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def tables(self) -> set[str]:
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            self.schema,
        )
        return {r[0] for r in rows}

    def column_types(self, table: str) -> dict[str, str]:
        rows = self.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            self.schema,
            table,
        )
        return dict(rows)

    def rows(self, table: str, columns: list[str]) -> dict[int, dict[str, t.Any]]:
        """key -> {column: value}; json/jsonb/arrays come back as JSON text, parsed here."""
        key = KEYS[table]
        types = self.column_types(table)
        exprs = []
        for col in columns:
            if types[col] in ("json", "jsonb", "ARRAY"):
                exprs.append(f'to_jsonb("{col}")::text')
            else:
                exprs.append(f'"{col}"')
        sql = f'SELECT "{key}", {", ".join(exprs)} FROM "{self.schema}"."{table}"'
        out: dict[int, dict[str, t.Any]] = {}
        for row in self.query(sql):
            values = {}
            for col, raw in zip(columns, row[1:], strict=True):
                is_json = types[col] in ("json", "jsonb", "ARRAY") and raw is not None
                values[col] = json.loads(raw, parse_float=Decimal) if is_json else raw
            assert row[0] not in out, f"duplicate key {row[0]} in {table}"
            out[row[0]] = values
        return out

    def count(self, table: str) -> tuple[int, int]:
        key = KEYS[table]
        ((total, distinct),) = self.query(
            f'SELECT count(*), count(DISTINCT "{key}") FROM "{self.schema}"."{table}"'
        )
        return total, distinct


def expected_rows(api: FakeLuminousAPI, until: dt.datetime) -> dict[str, dict[int, t.Any]]:
    """What the tap should have delivered in total by a run whose cutoff is `until`."""
    since = parse_ts(START_DATE)
    sales = {r["order_id"]: r for r in api.expected_sales_orders(since, until)}
    pos = {r["id"]: r for r in api.dataset.purchase_orders.values()}
    products = {r["id"]: r for r in api.expected_products(since, until)}
    return {"sales_orders": sales, "purchase_orders": pos, "products": products}


def numeric_exact(db_value: t.Any, json_value: t.Any) -> bool:
    if json_value is None:
        return db_value is None
    return isinstance(db_value, Decimal) and db_value == Decimal(str(json_value))


def check_table(
    db: Db,
    api: FakeLuminousAPI,
    table: str,
    schema: dict[str, t.Any],
    expected: dict[int, t.Any],
) -> dict[int, dict[str, t.Any]]:
    """Counts, unique keys, numeric money, UTC timestamps and nested arrays of one table."""
    total, distinct = db.count(table)
    assert total == distinct, f"{table}: {total - distinct} duplicate keys"
    assert total == len(expected), f"{table}: {total} rows, fake has {len(expected)}"

    props = schema["properties"]
    types = db.column_types(table)
    numbers = [c for c, p in props.items() if "number" in _types(p) and "integer" not in _types(p)]
    arrays = [c for c, p in props.items() if "array" in _types(p)]
    stamps = [c for c, p in props.items() if p.get("format") == "date-time"]
    for col in numbers:
        assert types.get(col) == "numeric", f"{table}.{col} is {types.get(col)}, not numeric"
    for col in stamps:
        assert types.get(col, "").startswith("timestamp"), f"{table}.{col} is {types.get(col)}"
    missing = [c for c in numbers + arrays + stamps if c not in types]
    assert not missing, f"{table}: columns missing in PostgreSQL: {missing}"

    loaded = db.rows(table, numbers + arrays + stamps)
    assert set(loaded) == set(expected), f"{table}: keys differ from the fake's"
    for key, row in expected.items():
        want = api.to_json_obj(row)
        got = loaded[key]
        for col in numbers:
            assert numeric_exact(got[col], want.get(col)), (
                f"{table}[{key}].{col}: PostgreSQL has {got[col]!r}, fake served {want.get(col)!r}"
            )
        for col in stamps:
            if isinstance(row.get(col), dt.datetime):
                assert got[col] is not None, f"{table}[{key}].{col} is NULL"
                assert as_utc(got[col]) == row[col], (
                    f"{table}[{key}].{col}: {got[col]} != {row[col].isoformat()} (UTC)"
                )
        for col in arrays:
            fake_items = row.get(col)
            if fake_items:
                assert isinstance(got[col], list), f"{table}[{key}].{col}: {got[col]!r}"
                assert len(got[col]) == len(fake_items), f"{table}[{key}].{col} length"
        if "items" in arrays and row.get("items"):
            first_want = want["items"][0]
            first_got = got["items"][0]
            for field in ("sku", "order_item_id", "price", "quantity", "unit_price", "id"):
                if field in first_want:
                    assert first_got.get(field) == first_want[field], (
                        f"{table}[{key}].items[0].{field}: {first_got.get(field)!r}"
                        f" != {first_want[field]!r}"
                    )
    return loaded


def state_bookmarks(meltano: Meltano) -> dict[str, t.Any]:
    listed = meltano("state", "list").stdout
    assert STATE_ID in listed, f"state id {STATE_ID} not in `meltano state list`:\n{listed}"
    out = meltano("state", "get", STATE_ID).stdout
    start = out.index("{")
    state = json.loads(out[start:])
    bookmarks: dict[str, t.Any] = state["singer_state"]["bookmarks"]
    return bookmarks


def bookmark_time(bookmarks: dict[str, t.Any], stream: str) -> dt.datetime:
    value = bookmarks[stream]["replication_key_value"]
    return parse_ts(value)


# --------------------------------------------------------------------------------------------
# The test


@pytest.mark.e2e
def test_meltano_run_into_postgres_then_incremental(
    pg_server: PgServer, meltano: Meltano, target_schema: str
) -> None:
    clock = FakeClock(EPOCH)
    dataset = Dataset.generate(
        sales_orders=400, purchase_orders=120, products=80, seed=11, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=clock)
    with api:
        meltano.extra_env = {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": START_DATE,
            "TAP_LUMINOUS_REQUEST_TIMEOUT": "20",
            "TAP_LUMINOUS_MAX_RETRIES": "2",
            "TAP_LUMINOUS_SALES_ORDERS_PAGE_SIZE": "150",  # several pages and cursors per run
            **pg_server.target_postgres_env(target_schema),
        }
        declared = tap_streams(api)
        schemas = {name: schema for name, (schema, _) in declared.items()}
        streams = [s for s in ("sales_orders", "purchase_orders", "products") if s in schemas]
        big_order = dataset.special["big_money"]
        order_12_30 = dataset.special["total_amount_12_30"]

        # ---- run 1: full history ---------------------------------------------------------
        started = time.monotonic()
        meltano("run", "tap-luminous", "target-postgres", timeout=RUN_TIMEOUT)
        run1_seconds = time.monotonic() - started
        cutoff1 = clock.now()

        db = Db(pg_server, target_schema)
        try:
            assert set(declared) <= db.tables(), f"tables: {sorted(db.tables())}"
            health1 = {name: table_health(db, name, keys) for name, (_, keys) in declared.items()}
            for name, (_total, deleted) in health1.items():
                assert deleted == 0, f"{name}: {deleted} rows soft-deleted after the first run"
            expected = expected_rows(api, cutoff1)
            assert len(expected["sales_orders"]) < len(dataset.sales_orders), (
                "the fixture should hold inactive sales orders the export leaves out"
            )
            assert {r["order_status"] for r in expected["purchase_orders"].values()} >= {
                "active",
                "inactive",
            }
            loaded1 = {s: check_table(db, api, s, schemas[s], expected[s]) for s in streams}
            # Exact digits: 12.30 keeps its scale, the 34-digit amount is not a float.
            (text_12_30, text_big) = db.query(
                f'SELECT (SELECT total_amount::text FROM "{target_schema}".sales_orders '
                "WHERE order_id = %s), (SELECT total_paid::text FROM "
                f'"{target_schema}".sales_orders WHERE order_id = %s)',
                order_12_30,
                big_order,
            )[0]
            assert text_12_30 == "12.30"
            assert text_big == str(BIG_MONEY)
            assert Decimal(text_big) == BIG_MONEY
            del loaded1

            bookmarks1 = state_bookmarks(meltano)
            assert bookmark_time(bookmarks1, "sales_orders") == cutoff1

            meta = db.column_types("sales_orders")
            stamp_col = next(
                c for c in ("_sdc_batched_at", "_sdc_received_at", "_sdc_extracted_at") if c in meta
            )
            before = {
                s: dict(db.query(f'SELECT "{KEYS[s]}", "{stamp_col}" FROM "{target_schema}"."{s}"'))
                for s in streams
            }

            # ---- change data in the fake ------------------------------------------------------
            clock.advance(hours=1)
            changed_sales = sorted(expected["sales_orders"])[5:8]
            for n, order_id in enumerate(changed_sales):
                api.update_sales_order(
                    order_id, order_status="shipped", total_paid=Decimal(f"{n}1.07")
                )
            # The 12.30 order gets a new amount with trailing zero again, proves upsert of money.
            api.update_sales_order(order_12_30, total_shipping=Decimal("2.50"))
            changed_sales.append(order_12_30)
            new_order = api.insert_sales_order()
            changed_po = sorted(dataset.purchase_orders)[3]
            api.update_purchase_order(changed_po, order_status="deleted", tracking_info="TRK-E2E")
            clock.advance(seconds=90)

            # ---- run 2: incremental --------------------------------------------------------
            started = time.monotonic()
            meltano("run", "tap-luminous", "target-postgres", timeout=RUN_TIMEOUT)
            run2_seconds = time.monotonic() - started
            cutoff2 = clock.now()

            expected2 = expected_rows(api, cutoff2)
            assert new_order["order_id"] in expected2["sales_orders"]
            for s in streams:
                check_table(db, api, s, schemas[s], expected2[s])
            health2 = {name: table_health(db, name, keys) for name, (_, keys) in declared.items()}
            for name, (total, deleted) in health2.items():
                # Incremental runs re-emit only changed parents (and their children): nothing
                # loaded before may disappear or be marked deleted by an ACTIVATE_VERSION.
                assert deleted == 0, f"{name}: {deleted} rows soft-deleted by the second run"
                assert total >= health1[name][0], f"{name}: {health1[name][0]} -> {total} rows"
            total_sales, _ = db.count("sales_orders")
            assert total_sales == len(before["sales_orders"]) + 1  # one insert, the rest upserts

            after = {
                s: dict(db.query(f'SELECT "{KEYS[s]}", "{stamp_col}" FROM "{target_schema}"."{s}"'))
                for s in streams
            }
            moved_sales = {
                k for k, v in after["sales_orders"].items() if before["sales_orders"].get(k) != v
            }
            assert moved_sales == {*changed_sales, new_order["order_id"]}, (
                f"rows rewritten by run 2: {sorted(moved_sales)}"
            )
            moved_pos = {
                k for k, v in after["purchase_orders"].items() if before["purchase_orders"][k] != v
            }
            assert moved_pos == {changed_po}, f"purchase orders rewritten: {sorted(moved_pos)}"
            if "products" in after:
                assert after["products"] == before["products"], "no product changed"

            (po_status, po_tracking) = db.query(
                f'SELECT order_status, tracking_info FROM "{target_schema}".purchase_orders '
                "WHERE id = %s",
                changed_po,
            )[0]
            assert (po_status, po_tracking) == ("deleted", "TRK-E2E")
            (shipping, status) = db.query(
                f'SELECT total_shipping::text, order_status FROM "{target_schema}".sales_orders '
                "WHERE order_id = %s",
                order_12_30,
            )[0]
            assert shipping == "2.50"
            statuses = db.query(
                f'SELECT order_id, order_status FROM "{target_schema}".sales_orders '
                "WHERE order_id = ANY(%s)",
                changed_sales[:3],
            )
            assert dict(statuses) == dict.fromkeys(changed_sales[:3], "shipped")
            assert status == dataset.sales_orders[order_12_30]["order_status"]

            bookmarks2 = state_bookmarks(meltano)
            assert bookmark_time(bookmarks2, "sales_orders") == cutoff2
            for s in streams:
                assert bookmark_time(bookmarks2, s) >= bookmark_time(bookmarks1, s), s
            assert (
                bookmark_time(bookmarks2, "purchase_orders")
                >= (dataset.purchase_orders[changed_po]["updated_at"])
            )
        finally:
            db.close()
    print(f"meltano run #1: {run1_seconds:.1f}s, #2: {run2_seconds:.1f}s")


@pytest.mark.e2e
def test_meltano_loads_every_stream_into_postgres(
    pg_server: PgServer, meltano: Meltano, target_schema: str
) -> None:
    """Every stream the tap has, the rest of the ERP included (not selected by default: selected
    here with Meltano's `select` extra), lands in its own table with the rows the tap emits."""
    from tap_luminous.records import SENSITIVE_FIELDS
    from tap_luminous.tap import TapLuminous
    from tests.singer_io import run_tap

    dataset = Dataset.generate(
        sales_orders=60, purchase_orders=20, products=40, seed=13, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH))
    with api:
        config = {"api_token": TOKEN, "api_url": api.base_url, "start_date": START_DATE}
        tap = TapLuminous(config=config, setup_mapper=False)
        every = {name: tuple(stream.primary_keys or ()) for name, stream in tap.streams.items()}
        assert len(every) > 30
        meltano.extra_env = {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": START_DATE,
            "TAP_LUMINOUS_REQUEST_TIMEOUT": "20",
            "TAP_LUMINOUS__SELECT": json.dumps(["*.*"]),
            **pg_server.target_postgres_env(target_schema),
        }
        meltano("run", "tap-luminous", "target-postgres", timeout=RUN_TIMEOUT)
        reference = run_tap(config, streams=list(every))  # the same data, the same clock
        db = Db(pg_server, target_schema)
        try:
            assert set(every) <= db.tables(), sorted(set(every) - db.tables())
            for name, keys in every.items():
                total, deleted = table_health(db, name, keys)
                emitted = len(reference.records.get(name, []))
                assert emitted, f"{name}: the fake served no rows, so nothing is proven"
                assert (total, deleted) == (emitted, 0), name
            columns = set(db.column_types("suppliers"))
            assert not columns & SENSITIVE_FIELDS, columns & SENSITIVE_FIELDS
            extra = db.query(f'SELECT "_extra_fields"::text FROM "{target_schema}"."suppliers"')
            assert not any(name in (row[0] or "") for row in extra for name in SENSITIVE_FIELDS)
        finally:
            db.close()


#: What rows loaded from BATCH files lack: target-postgres 0.8.1 adds these only to RECORDs.
BATCH_NULL_SDC_COLUMNS = {
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_deleted_at",
    "_sdc_sequence",
    "_sdc_table_version",
    "_sdc_sync_started_at",
}


@pytest.mark.e2e
def test_the_recommended_bulk_extractor_loads_batch_files_into_postgres(
    pg_server: PgServer, meltano: Meltano, target_schema: str, tmp_path: Path
) -> None:
    """`meltano run tap-luminous--bulk target-postgres`: BATCH files, no nested arrays twice."""
    from tap_luminous.batches import parse_batch_config
    from tests.singer_io import run_tap

    dataset = Dataset.generate(
        sales_orders=300, purchase_orders=60, products=40, seed=11, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH))
    committed = _meltano_yml()["plugins"]["extractors"]
    [bulk] = [p for p in committed if p["name"] == "tap-luminous--bulk"]
    batch_config = dict(bulk["config"]["batch_config"])
    assert parse_batch_config(batch_config) is not None
    files = tmp_path / "batches"
    batch_config["storage"] = {"root": str(files)}
    batch_config["batch_size"] = 200  # several files per stream
    with api:
        meltano.extra_env = {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": START_DATE,
            "TAP_LUMINOUS__BULK_BATCH_CONFIG": json.dumps(batch_config),
            **pg_server.target_postgres_env(target_schema),
        }
        meltano("run", "tap-luminous--bulk", "target-postgres", timeout=RUN_TIMEOUT)
        first_files = set(files.iterdir())
        config = {
            "api_token": TOKEN,
            "api_url": api.base_url,
            "start_date": START_DATE,
            "keep_nested_arrays": False,
        }
        reference = run_tap(config, streams=bulk_streams())
        db = Db(pg_server, target_schema)
        try:
            assert first_files
            assert all(f.name.endswith(".jsonl.gz") for f in first_files)
            for name, records in reference.records.items():
                keys = tuple(reference.schemas[name]["key_properties"])
                assert table_health(db, name, keys) == (len(records), 0), name
            # keep_nested_arrays: false: the parents' array columns stay (the SCHEMA declares
            # them) but hold nothing; the child tables have those rows.
            for table, column in (("sales_orders", "items"), ("purchase_orders", "payments")):
                ((filled,),) = db.query(
                    f'SELECT count("{column}") FROM "{target_schema}"."{table}"'
                )
                assert filled == 0, f"{table}.{column} is loaded twice"
            # Money: every sales order's amounts, digit for digit.
            loaded = dict(
                db.query(f'SELECT order_id, total_amount FROM "{target_schema}".sales_orders')
            )
            sent = {r["order_id"]: r["total_amount"] for r in reference.records["sales_orders"]}
            assert loaded == sent
            ((big,),) = db.query(
                f'SELECT total_paid::text FROM "{target_schema}".sales_orders WHERE order_id = %s',
                dataset.special["big_money"],
            )
            assert big == str(BIG_MONEY)
            columns = set(db.column_types("sales_orders"))
            assert columns >= BATCH_NULL_SDC_COLUMNS
            for column in sorted(BATCH_NULL_SDC_COLUMNS):
                ((filled,),) = db.query(
                    f'SELECT count("{column}") FROM "{target_schema}".sales_orders'
                )
                assert filled == 0, f"{column} is set on {filled} rows: update the README"
        finally:
            db.close()
        bookmarks = _saved_singer_state(meltano, "dev:tap-luminous--bulk-to-target-postgres")
        assert bookmarks["bookmarks"]["sales_orders"]["replication_key_value"]

        # The next run deletes the first run's files (nobody else does) and writes its own.
        meltano("run", "tap-luminous--bulk", "target-postgres", timeout=RUN_TIMEOUT)
        second_files = set(files.iterdir())
        assert not first_files & second_files


def bulk_streams() -> list[str]:
    """The streams tap-luminous--bulk selects (inherited from tap-luminous)."""
    [base] = [p for p in _meltano_yml()["plugins"]["extractors"] if p["name"] == "tap-luminous"]
    return [pattern.split(".")[0] for pattern in base["select"]]


# --------------------------------------------------------------------------------------------
# Cheap consistency checks of the Meltano definitions (no network, no Meltano needed)


def _tap_setting_names() -> set[str]:
    from tap_luminous.tap import TapLuminous

    return set(TapLuminous.config_jsonschema["properties"])


def _meltano_yml() -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], yaml.safe_load((REPO / "meltano.yml").read_text()))


def test_meltano_yml_declares_every_tap_setting() -> None:
    project = _meltano_yml()
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-luminous"]
    declared = {s["name"] for s in tap["settings"]}
    missing = _tap_setting_names() - declared
    assert not missing, (
        f"meltano.yml lacks tap settings {sorted(missing)}: run scripts/sync-plugin-settings.sh"
    )
    from tap_luminous.tap import TapLuminous

    assert set(tap["capabilities"]) == {str(c) for c in TapLuminous.capabilities}, (
        "meltano.yml capabilities differ from the tap's: run scripts/sync-plugin-settings.sh"
    )
    token = next(s for s in tap["settings"] if s["name"] == "api_token")
    assert token.get("sensitive") is True
    assert tap["settings_group_validation"] == [
        ["api_token", "company_name"],
        ["api_token", "api_url"],
    ]
    # Plugins that inherit (tests/test_meltano_tenants.py checks those) reuse their parent's.
    for plugin in [tap, *(p for p in project["plugins"]["loaders"] if "inherit_from" not in p)]:
        # Defined in full: `meltano install` must never need Meltano Hub.
        assert plugin.get("namespace"), plugin["name"]
        assert plugin.get("pip_url"), plugin["name"]
        assert "variant" not in plugin, plugin["name"]
        assert "inherit_from" not in plugin, plugin["name"]
        for setting in plugin.get("settings", []):
            for field in ("label", "description", "kind"):
                assert setting.get(field), f"{plugin['name']}.{setting['name']} needs a {field}"


def test_meltano_yml_declares_the_target_postgres_env_settings() -> None:
    (target,) = [p for p in _meltano_yml()["plugins"]["loaders"] if p["name"] == "target-postgres"]
    declared = {s["name"] for s in target["settings"]}
    used = {
        k.removeprefix("TARGET_POSTGRES_").lower()
        for k in PgServer("h", 1, "u", "p", "d", throwaway=True).target_postgres_env("s")
    }
    assert used <= declared, f"Meltano would ignore TARGET_POSTGRES_{sorted(used - declared)}"


def test_hub_definition_matches_the_tap() -> None:
    hub_files = sorted((REPO / "hub").glob("**/*.yml"))
    assert hub_files, "hub/ has no plugin definition"
    for path in hub_files:
        plugin = yaml.safe_load(path.read_text())
        assert plugin["name"] == "tap-luminous"
        assert plugin["namespace"] == "tap_luminous"
        declared = {s["name"] for s in plugin["settings"]}
        missing = _tap_setting_names() - declared
        assert not missing, (
            f"{path} lacks tap settings {sorted(missing)}: run scripts/sync-plugin-settings.sh"
        )
        assert {"state", "catalog", "discover", "about"} <= set(plugin["capabilities"])


@pytest.mark.e2e
def test_drifted_payloads_load_through_a_validating_target(
    pg_server: PgServer, meltano: Meltano, target_schema: str
) -> None:
    """The fake's drift mode (decimal strings, 0/1 booleans, zero dates, misfits ...) through
    `meltano run` into MeltanoLabs target-postgres with record validation on: the load
    succeeds, every row arrives, and misfits sit in `_invalid_values`."""
    clock = FakeClock(EPOCH)
    dataset = Dataset.generate(
        sales_orders=300, purchase_orders=60, products=60, seed=13, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=clock, drift=0.3)
    with api:
        meltano.extra_env = {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": START_DATE,
            "TAP_LUMINOUS_REQUEST_TIMEOUT": "20",
            "TARGET_POSTGRES_VALIDATE_RECORDS": "true",
            **pg_server.target_postgres_env(target_schema),
        }
        declared = tap_streams(api)
        meltano("run", "tap-luminous", "target-postgres", timeout=RUN_TIMEOUT)
        db = Db(pg_server, target_schema)
        expected = expected_rows(api, clock.now())
        for stream in ("sales_orders", "purchase_orders", "products"):
            if stream in declared:
                total, distinct = db.count(stream)
                assert total == distinct == len(expected[stream]), stream
        ((misfits,),) = db.query(
            f'SELECT count(*) FROM "{target_schema}".sales_orders WHERE _invalid_values IS NOT NULL'
        )
        assert misfits > 0, "drift mode should leave values in _invalid_values"
        for name, (_schema, keys) in declared.items():
            table_health(db, name, keys)


# --------------------------------------------------------------------------------------------
# Reconciliation: deletes reach the warehouse (tap_luminous/versions.py)


def _meltano_may_fail(meltano: Meltano, *args: str) -> subprocess.CompletedProcess[str]:
    """`meltano ...` that is allowed to exit non-zero (the log is kept like the others')."""
    argv = [str(meltano.exe), "--env-file", str(meltano.env_file), *args]
    proc = subprocess.run(
        argv,
        cwd=REPO,
        env=meltano.env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    meltano.log_count += 1
    log = meltano.workdir / f"meltano-{meltano.log_count:02d}-{args[0]}-may-fail.log"
    log.write_text(f"$ {' '.join(argv)}\n# exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def _saved_singer_state(meltano: Meltano, state_id: str = STATE_ID) -> dict[str, t.Any]:
    """The state Meltano would hand the next run (complete + partial), read from its system db."""
    import sqlite3

    conn = sqlite3.connect(meltano.workdir / "meltano.db")
    try:
        rows = conn.execute(
            "SELECT completed_state, partial_state FROM state WHERE state_id = ?", (state_id,)
        ).fetchall()
    finally:
        conn.close()
    assert rows, f"no state saved under {state_id}"
    completed, partial = (json.loads(value or "{}") for value in rows[0])
    merged = dict(completed.get("singer_state") or {})
    for stream, bookmark in (partial.get("singer_state") or {}).get("bookmarks", {}).items():
        merged.setdefault("bookmarks", {})[stream] = bookmark
    return merged


def _business_rows(
    db: Db, table: str, keys: tuple[str, ...]
) -> dict[tuple[t.Any, ...], dict[str, t.Any]]:
    """key -> the row as JSON, without the target's `_sdc_*` columns, plus those separately."""
    out: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
    for (text,) in db.query(f'SELECT to_jsonb(t)::text FROM "{db.schema}"."{table}" t'):
        row = json.loads(text, parse_float=Decimal)
        out[tuple(row[k] for k in keys)] = row
    return out


def _without_sdc(row: dict[str, t.Any]) -> dict[str, t.Any]:
    return {k: v for k, v in row.items() if not k.startswith("_sdc_")}


@pytest.mark.e2e
def test_a_reconciliation_soft_deletes_rows_luminous_no_longer_serves(
    pg_server: PgServer, meltano: Meltano, target_schema: str
) -> None:
    """Deactivate orders and a product in the fake; a reconciliation that fails after page k
    writes no ACTIVATE_VERSION, the next run resumes it with the same version, and then
    target-postgres sets `_sdc_deleted_at` on exactly the deactivated rows and their items, while
    every other row, pages 1..k included, stays live with its business columns unchanged."""
    from fake_luminous import Faults

    clock = FakeClock(EPOCH)
    dataset = Dataset.generate(
        sales_orders=240, purchase_orders=30, products=40, seed=17, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=clock)
    page, pages_before_fault = 40, 3
    with api:
        base_env = {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": START_DATE,
            "TAP_LUMINOUS_REQUEST_TIMEOUT": "20",
            "TAP_LUMINOUS_MAX_RETRIES": "1",
            "TAP_LUMINOUS_BACKOFF_MAX_SECONDS": "0",
            "TAP_LUMINOUS_SALES_ORDERS_PAGE_SIZE": str(page),
            **pg_server.target_postgres_env(target_schema),
        }
        declared = tap_streams(api)
        keys = {name: k for name, (_, k) in declared.items()}
        tables = ("sales_orders", "sales_order_items", "products", "purchase_orders")
        assert set(tables) <= set(declared)

        # ---- run 1: an ordinary run loads everything (no table version) ---------------------
        meltano.extra_env = base_env
        meltano("run", "tap-luminous", "target-postgres", timeout=RUN_TIMEOUT)
        db = Db(pg_server, target_schema)
        try:
            before = {s: _business_rows(db, s, keys[s]) for s in tables}
            assert all(r["_sdc_table_version"] is None for r in before["sales_orders"].values())

            # ---- Luminous deactivates three orders and a product --------------------------
            clock.advance(hours=1)
            active = [r["order_id"] for r in api.expected_sales_orders(DATA_START, clock.now())]
            gone_orders = [active[10], active[150], active[-1]]  # page 1, after the fault, last
            gone_product = sorted(r["id"] for r in api.expected_products(DATA_START, EPOCH))[5]
            for order_id in gone_orders:
                api.deactivate_sales_order(order_id)
            api.deactivate_product(gone_product)
            clock.advance(seconds=30)
            live = api.expected_sales_orders(DATA_START, clock.now())
            first_pages = {r["order_id"] for r in live[: page * pages_before_fault]}
            assert gone_orders[0] not in first_pages  # deactivated: not served at all
            gone_items = {
                i["order_item_id"] for o in gone_orders for i in dataset.sales_orders[o]["items"]
            }
            assert gone_items

            # ---- run 2: a reconciliation that fails on page k+1 ---------------------------
            def fail_after_k_pages(request: t.Any) -> None:
                calls = [r for r in api.requests if r.path == "/sales-orders/export"]
                if len(calls) == pages_before_fault + 1:
                    api.faults = Faults(fail_statuses={"/sales-orders/export": [503] * 5})

            api.clear_requests()
            api.on_request = fail_after_k_pages
            # Every stream is due (none was reconciled yet); products and purchase orders
            # finish, sales_orders stops after page k.
            base_env["TAP_LUMINOUS_RECONCILE_EVERY_DAYS"] = "365"
            meltano.extra_env = base_env
            failed = _meltano_may_fail(meltano, "run", "tap-luminous", "target-postgres")
            api.on_request = None
            api.faults = Faults()
            assert failed.returncode != 0, failed.stderr[-3000:]
            run = _saved_singer_state(meltano)["bookmarks"]["sales_orders"]["export"]
            version = run["version"]
            assert run["cursor"]
            middle = _business_rows(db, "sales_orders", keys["sales_orders"])
            loaded_with_version = {
                k[0] for k, r in middle.items() if r["_sdc_table_version"] == version
            }
            assert loaded_with_version == first_pages, "pages 1..k are loaded with the version"
            assert all(r["_sdc_deleted_at"] is None for r in middle.values()), (
                "a failed reconciliation retired rows"
            )

            # ---- run 3: the next run resumes the reconciliation and finishes it ------------
            meltano("run", "tap-luminous", "target-postgres", timeout=RUN_TIMEOUT)
            after = {s: _business_rows(db, s, keys[s]) for s in tables}
            retired = {
                "sales_orders": {(o,) for o in gone_orders},
                "sales_order_items": {(i,) for i in gone_items},
                "products": {(gone_product,)},
                "purchase_orders": set(),
            }
            for table in tables:
                deleted = {k for k, r in after[table].items() if r["_sdc_deleted_at"] is not None}
                assert deleted == retired[table], f"{table}: soft-deleted {sorted(deleted)[:10]}"
                assert set(after[table]) == set(before[table]), f"{table}: rows came or went"
                for key, row in after[table].items():
                    if key not in retired[table]:
                        assert _without_sdc(row) == _without_sdc(before[table][key]), (
                            f"{table}{key}: business columns changed"
                        )
            sales_versions = {
                r["_sdc_table_version"]
                for k, r in after["sales_orders"].items()
                if k not in retired["sales_orders"]
            }
            assert sales_versions == {version}, "the resumed reconciliation kept its version"
            bookmarks = _saved_singer_state(meltano)["bookmarks"]
            assert bookmarks["sales_orders"]["table_version"] == version
            assert "export" not in bookmarks["sales_orders"]
        finally:
            db.close()
