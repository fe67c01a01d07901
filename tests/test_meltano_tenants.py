"""Several Luminous tenants in one Meltano project, extracted at the same time.

meltano.yml defines one extractor per tenant, `tap-luminous--acme` and `tap-luminous--globex`
(`inherit_from: tap-luminous`, each with its `load_schema`), and one loader for them,
`target-postgres--per-tenant` (`inherit_from: target-postgres`, `default_target_schema:
$MELTANO_EXTRACT__LOAD_SCHEMA`); the README's "Several Luminous tenants in one project" shows
them. The end-to-end test runs both pipelines as two concurrent `meltano run` processes, each
against its own fake API (other data, other token, other clock, other port), into one
PostgreSQL database and one Meltano system database, twice (a full run, then an incremental
one), and checks that neither tenant's rows nor state reach the other's.

The tenants' ids overlap (1001, 1002, ... in both), as they do between real Luminous tenants:
a row in the wrong schema would be upserted over the right tenant's row, so rows are compared by
content, not only by id.

Meltano, the plugin venvs (the tenants' plugins share tap-luminous's and target-postgres's) and
the PostgreSQL server come from tests/test_meltano_postgres.py's fixtures (pytest sets up a
second instance of those session fixtures for this module when both run: one more throwaway
cluster start and a `meltano install` that finds everything installed). The test creates its own
database on that server, so the schemas are meltano.yml's own `acme` and `globex`; where the
server refuses CREATE DATABASE (a PG* server without the privilege) it loads into the server's
database instead, under unique schema names set through each extractor's
TAP_LUMINOUS__<TENANT>__LOAD_SCHEMA.
"""

# Identifiers in the SQL below are this module's own (schema and table names), not input.
# ruff: noqa: S608

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import subprocess
import threading
import time
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI, RecordedRequest
from tap_luminous.state import tenant_marker
from tests import test_meltano_postgres as e2e
from tests.pg_cluster import PgServer
from tests.test_meltano_postgres import REPO, RUN_TIMEOUT, START_DATE, Db, Meltano, parse_ts

# The session's PostgreSQL server, Meltano and installed plugins, and a Meltano with a system
# database of the test's own: tests/test_meltano_postgres.py's fixtures.
pg_server = e2e.pg_server
meltano_install = e2e.meltano_install
meltano = e2e.meltano

UTC = dt.timezone.utc
EPOCH = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
DATA_START = dt.datetime(2025, 1, 1, tzinfo=UTC)
LOADER = "target-postgres--per-tenant"
REQUEST_TIMEOUT = 30
#: A schema and a token a tenant must never use: the single-tenant settings of the README's
#: "Load into PostgreSQL", left in the environment.
SHARED_SCHEMA = "luminous_shared"
SHARED_TOKEN = "not-any-tenants-token"
DEAD_API = "http://127.0.0.1:9/external/api/v1"  # never listened on
STREAMS = ("sales_orders", "purchase_orders", "products")
KEYS = {"sales_orders": "order_id", "purchase_orders": "id", "products": "id"}
#: A column per stream whose values differ between two datasets with the same ids.
CONTENT = {"sales_orders": "total_amount", "purchase_orders": "total_cost", "products": "unit_cost"}


@dataclasses.dataclass
class Tenant:
    name: str
    api: FakeLuminousAPI
    clock: FakeClock
    schema: str
    extractor: str = dataclasses.field(init=False)
    token: str = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.extractor = f"tap-luminous--{self.name}"
        self.token = f"{self.name}-token-{secrets.token_hex(4)}"
        self.api.token = self.token

    @property
    def state_id(self) -> str:
        return f"dev:{self.extractor}-to-{LOADER}"

    @property
    def env_prefix(self) -> str:
        """Meltano's variable prefix of the tenant's extractor: TAP_LUMINOUS__ACME_."""
        return self.extractor.upper().replace("-", "_") + "_"

    def env(self) -> dict[str, str]:
        return {
            f"{self.env_prefix}API_URL": self.api.base_url,
            f"{self.env_prefix}API_TOKEN": self.token,
        }


def _yml_plugin(kind: str, name: str) -> dict[str, t.Any]:
    project = yaml.safe_load((REPO / "meltano.yml").read_text())
    (plugin,) = [p for p in project["plugins"][kind] if p["name"] == name]
    return t.cast(dict[str, t.Any], plugin)


# --------------------------------------------------------------------------------------------
# The definitions (no Meltano needed)


def test_meltano_yml_defines_the_tenants() -> None:
    for name in ("acme", "globex"):
        tap = _yml_plugin("extractors", f"tap-luminous--{name}")
        # Inherits everything (venv, settings, capabilities): nothing to keep in sync.
        assert tap["inherit_from"] == "tap-luminous"
        assert set(tap) <= {"name", "inherit_from", "load_schema", "config", "select"}, tap
        assert tap["load_schema"] == name
        assert tap["config"]["company_name"] == name
        assert "api_token" not in tap["config"], "tokens belong in .env, not in meltano.yml"
    loader = _yml_plugin("loaders", LOADER)
    assert loader["inherit_from"] == "target-postgres"
    assert set(loader) == {"name", "inherit_from", "config"}
    assert loader["config"] == {"default_target_schema": "$MELTANO_EXTRACT__LOAD_SCHEMA"}


@pytest.mark.e2e
def test_a_tenant_takes_its_own_settings_first_then_tap_luminous(meltano: Meltano) -> None:
    """What the README says about variables: TAP_LUMINOUS__ACME_* and the tenant's block win;
    a setting the tenant leaves unset comes from tap-luminous, TAP_LUMINOUS_* included (so a
    single-tenant TAP_LUMINOUS_API_URL left in .env would send every tenant there)."""
    meltano.extra_env = {
        "TAP_LUMINOUS_API_TOKEN": SHARED_TOKEN,
        "TAP_LUMINOUS__ACME_API_TOKEN": "acme-token",
        "TAP_LUMINOUS_COMPANY_NAME": "single-tenant",
        "TAP_LUMINOUS_API_URL": DEAD_API,
        "TAP_LUMINOUS_START_DATE": "2025-02-03T00:00:00Z",
    }
    listed = meltano("config", "list", "tap-luminous--acme").stdout
    current = {
        line.split()[0]: line.split("current value: ", 1)[1]
        for line in listed.splitlines()
        if "current value: " in line and not line.startswith((" ", "\t"))
    }
    assert current["api_token"] == (
        "(redacted) (from the TAP_LUMINOUS__ACME_API_TOKEN variable in the environment)"
    )
    assert current["company_name"] == "'acme' (from `meltano.yml`)"
    assert current["start_date"] == "'2025-02-03T00:00:00Z' (inherited from 'tap-luminous')"
    assert current["api_url"] == f"'{DEAD_API}' (inherited from 'tap-luminous')"


# --------------------------------------------------------------------------------------------
# End to end


@pytest.fixture
def tenant_server(pg_server: PgServer) -> t.Iterator[tuple[PgServer, bool]]:
    """(server for a database of this test's own, whether it is), dropped afterwards."""
    name = f"e2e_tenants_{secrets.token_hex(4)}"
    conn = pg_server.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    except Exception:  # no CREATEDB privilege: use the server's database
        conn.close()
        yield pg_server, False
        return
    try:
        yield dataclasses.replace(pg_server, database=name), True
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def _make_tenants(own_database: bool) -> tuple[Tenant, Tenant]:
    def schema(name: str) -> str:
        return name if own_database else f"e2e_{secrets.token_hex(3)}_{name}"

    # Other sizes, seeds and clocks: other rows under the same ids, other bookmarks.
    acme_clock = FakeClock(EPOCH)
    acme_data = Dataset.generate(
        sales_orders=240, purchase_orders=30, products=50, seed=31, start=DATA_START, end=EPOCH
    )
    globex_end = EPOCH - dt.timedelta(days=2, hours=5)
    globex_clock = FakeClock(globex_end)
    globex_data = Dataset.generate(
        sales_orders=170, purchase_orders=20, products=35, seed=57, start=DATA_START, end=globex_end
    )
    acme_api = FakeLuminousAPI(dataset=acme_data, token="-", clock=acme_clock)
    globex_api = FakeLuminousAPI(dataset=globex_data, token="-", clock=globex_clock)
    return (
        Tenant("acme", acme_api, acme_clock, schema("acme")),
        Tenant("globex", globex_api, globex_clock, schema("globex")),
    )


class Rendezvous:
    """Each API holds its first response until the other API has a request in flight too.

    So the two extractions provably run at the same time (not one after the other, whatever
    Meltano's start-up takes); runs that Meltano serialised would stop here, named.
    """

    def __init__(self, tenants: t.Sequence[Tenant], timeout: float) -> None:
        self.barrier = threading.Barrier(len(tenants), timeout=timeout)
        self.met: dict[str, bool] = {}
        self.lock = threading.Lock()
        self.names = [x.name for x in tenants]
        for tenant in tenants:
            tenant.api.on_request = self._hook(tenant.name)

    def _hook(self, name: str) -> t.Callable[[RecordedRequest], None]:
        def on_request(request: RecordedRequest) -> None:
            with self.lock:  # an API's first request waits, the ones after it never
                if name in self.met:
                    return
                self.met[name] = False
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                return
            self.met[name] = True

        return on_request

    def check(self) -> None:
        assert set(self.met) == set(self.names), f"a tenant's API got no request: {self.met}"
        assert all(self.met.values()), (
            f"the extractions did not run at the same time (first requests: {self.met})"
        )


def _run_together(meltano: Meltano, tenants: t.Sequence[Tenant], label: str) -> float:
    """`meltano run <tenant's extractor> target-postgres--per-tenant` for every tenant at once."""
    procs: list[tuple[Tenant, subprocess.Popen[bytes], Path]] = []
    started = time.monotonic()
    for tenant in tenants:
        args = ["run", tenant.extractor, LOADER]
        log = meltano.workdir / f"run-{label}-{tenant.name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(meltano.exe), "--env-file", str(meltano.env_file), *args],
                cwd=REPO,
                env=meltano.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append((tenant, proc, log))
    failed = []
    for tenant, proc, log in procs:
        try:
            code = proc.wait(timeout=max(1.0, RUN_TIMEOUT - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = -9
        if code != 0:
            failed.append(f"{tenant.extractor} exited {code} ({log}):\n{log.read_text()[-6000:]}")
    if failed:
        pytest.fail("\n".join(failed))
    return time.monotonic() - started


def _request_window(api: FakeLuminousAPI) -> tuple[float, float]:
    stamps = [r.at for r in api.requests]
    assert stamps, "the tenant's API got no request"
    return min(stamps), max(stamps)


def _assert_overlapped(tenants: t.Sequence[Tenant]) -> float:
    (a_first, a_last), (b_first, b_last) = (_request_window(x.api) for x in tenants)
    overlap = min(a_last, b_last) - max(a_first, b_first)
    assert overlap > 0, (
        "the two extractions did not overlap in time: "
        f"{a_first:.2f}-{a_last:.2f} and {b_first:.2f}-{b_last:.2f}"
    )
    return overlap


def _expected(tenant: Tenant) -> dict[str, dict[int, str]]:
    """stream -> {key: content column as text} of everything the tenant's API has served."""
    since, until = parse_ts(START_DATE), tenant.clock.now()
    rows = {
        "sales_orders": tenant.api.expected_sales_orders(since, until),
        "purchase_orders": list(tenant.api.dataset.purchase_orders.values()),
        "products": tenant.api.expected_products(since, until),
    }
    return {
        stream: {r[KEYS[stream]]: str(r[CONTENT[stream]]) for r in found}
        for stream, found in rows.items()
    }


def _loaded(db: Db, schema: str) -> dict[str, dict[int, str]]:
    out = {}
    for stream in STREAMS:
        key, col = KEYS[stream], CONTENT[stream]
        rows = db.query(f'SELECT "{key}", "{col}"::text FROM "{schema}"."{stream}"')
        out[stream] = dict(rows)
        assert len(out[stream]) == len(rows), f"{schema}.{stream}: duplicate keys"
    return out


def _schemas(db: Db) -> set[str]:
    rows = db.query("SELECT schema_name FROM information_schema.schemata")
    return {r[0] for r in rows}


def _state(meltano: Meltano, state_id: str) -> dict[str, t.Any]:
    out = meltano("state", "get", state_id).stdout
    singer_state: dict[str, t.Any] = json.loads(out[out.index("{") :])["singer_state"]
    return singer_state


def _bookmark(state: dict[str, t.Any], stream: str) -> dt.datetime:
    return parse_ts(state["bookmarks"][stream]["replication_key_value"])


def _since_of_first_export(api: FakeLuminousAPI, path: str) -> dt.datetime:
    first = next(r for r in api.requests if r.path == path and "since" in r.params)
    return parse_ts(first.params["since"])


def _check_tenants(db: Db, meltano: Meltano, tenants: t.Sequence[Tenant]) -> dict[str, t.Any]:
    """Each schema holds exactly its own API's rows, each state id names its own API."""
    states = {}
    for tenant in tenants:
        want, got = _expected(tenant), _loaded(db, tenant.schema)
        for stream in STREAMS:
            assert set(got[stream]) == set(want[stream]), (
                f"{tenant.schema}.{stream}: ids differ from {tenant.name}'s API "
                f"(extra {sorted(set(got[stream]) - set(want[stream]))[:10]}, "
                f"missing {sorted(set(want[stream]) - set(got[stream]))[:10]})"
            )
            wrong = {k for k, v in got[stream].items() if want[stream][k] != v}
            assert not wrong, (
                f"{tenant.schema}.{stream}: another tenant's rows {sorted(wrong)[:10]}"
            )
        state = _state(meltano, tenant.state_id)
        assert state["tap_luminous"]["api"] == tenant_marker(tenant.api.base_url)
        # The export bookmarks are the cutoff of the tenant's own server: its clock.
        for stream in ("sales_orders", "products"):
            assert _bookmark(state, stream) == tenant.clock.now(), (tenant.name, stream)
        states[tenant.name] = state
    return states


@pytest.mark.e2e
def test_two_tenants_at_once_keep_their_rows_and_state_apart(
    tenant_server: tuple[PgServer, bool], meltano: Meltano
) -> None:
    server, own_database = tenant_server
    acme, globex = tenants = _make_tenants(own_database)
    # Same ids, other rows: a row loaded into the wrong schema would show.
    acme_want, globex_want = _expected(acme), _expected(globex)
    for stream in STREAMS:
        common = set(acme_want[stream]) & set(globex_want[stream])
        same = {k for k in common if acme_want[stream][k] == globex_want[stream][k]}
        assert len(common) >= 20, stream
        assert len(same) <= len(common) // 5, f"{stream}: the tenants' rows hardly differ"
    started = time.monotonic()
    with acme.api, globex.api:
        meltano.extra_env = {
            # Shared by both tenants, inherited from tap-luminous / target-postgres.
            "TAP_LUMINOUS_START_DATE": START_DATE,
            "TAP_LUMINOUS_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT),
            "TAP_LUMINOUS_MAX_RETRIES": "2",
            "TAP_LUMINOUS_SALES_ORDERS_PAGE_SIZE": "20",
            "TAP_LUMINOUS_PRODUCTS_PAGE_SIZE": "20",
            "TAP_LUMINOUS_PURCHASE_ORDERS_PAGE_SIZE": "10",
            # Single-tenant leftovers: each tenant's own value wins over them.
            "TAP_LUMINOUS_API_TOKEN": SHARED_TOKEN,
            "TAP_LUMINOUS_API_URL": DEAD_API,
            **server.target_postgres_env(SHARED_SCHEMA),
            **acme.env(),
            **globex.env(),
        }
        if not own_database:
            meltano.extra_env.update({f"{x.env_prefix}_LOAD_SCHEMA": x.schema for x in tenants})
        # The system database exists before the concurrent runs (two Meltanos creating it at
        # once collide in its migration; a project's `meltano install` has created it).
        meltano("state", "list")
        db = Db(server, acme.schema)
        try:
            # ---- round 1: both tenants from start_date, at the same time ------------------
            rendezvous = Rendezvous(tenants, timeout=REQUEST_TIMEOUT / 2)
            run1 = _run_together(meltano, tenants, "1")
            rendezvous.check()
            overlap1 = _assert_overlapped(tenants)
            for tenant in tenants:
                assert all(r.status != 401 for r in tenant.api.requests), tenant.name
            states1 = _check_tenants(db, meltano, tenants)
            assert _bookmark(states1["acme"], "sales_orders") != _bookmark(
                states1["globex"], "sales_orders"
            )
            assert SHARED_SCHEMA not in _schemas(db), "a tenant loaded into the shared schema"
            assert "tap_luminous" not in _schemas(db)

            # ---- round 2: new data for acme only; both incremental, at the same time -------
            acme.clock.advance(hours=1)
            changed = sorted(_expected(acme)["sales_orders"])[:3]
            for n, order_id in enumerate(changed):
                acme.api.update_sales_order(order_id, total_amount=Decimal(f"{n + 7}77.70"))
            new_order = acme.api.insert_sales_order()
            acme.clock.advance(seconds=30)
            globex.clock.advance(minutes=20)  # nothing changes at globex
            for tenant in tenants:
                tenant.api.clear_requests()
            rendezvous = Rendezvous(tenants, timeout=REQUEST_TIMEOUT / 2)
            run2 = _run_together(meltano, tenants, "2")
            rendezvous.check()
            overlap2 = _assert_overlapped(tenants)
            # Each run resumed from its own tenant's bookmark, not the other's.
            for tenant in tenants:
                since = _since_of_first_export(tenant.api, "/sales-orders/export")
                assert since == _bookmark(states1[tenant.name], "sales_orders"), tenant.name
            states2 = _check_tenants(db, meltano, tenants)
            assert new_order["order_id"] in _loaded(db, acme.schema)["sales_orders"]
            served = {
                x.name: sum(r.rows for r in x.api.requests if r.path == "/sales-orders/export")
                for x in tenants
            }
            assert served == {"acme": len(changed) + 1, "globex": 0}, served
            assert _bookmark(states2["acme"], "sales_orders") > _bookmark(
                states1["acme"], "sales_orders"
            )
            # One state id per extractor/loader pair, and no other.
            listed = meltano("state", "list").stdout
            ids = {line.strip() for line in listed.splitlines() if line.strip().startswith("dev:")}
            assert ids == {x.state_id for x in tenants}, listed
        finally:
            if not own_database:  # the server's own database: leave nothing behind
                with db.conn.cursor() as cur:
                    for tenant in tenants:
                        cur.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema}" CASCADE')
            db.close()
    print(
        f"two tenants at once: run 1 {run1:.1f}s ({overlap1:.1f}s of requests overlapping), "
        f"run 2 {run2:.1f}s ({overlap2:.1f}s), test {time.monotonic() - started:.1f}s"
    )
