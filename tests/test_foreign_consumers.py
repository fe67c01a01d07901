"""Validating Singer consumers nobody in this project wrote accept the tap's output.

One full sync of every stream (the real CLI, against the fake API) per data variant, its stdout
fed to:

- pipelinewise-target-postgres with `validate_records: true` (jsonschema 3.2, Draft 7 with a
  format checker; every record is validated before it is loaded), into a real PostgreSQL
  (tests/pg_cluster.py through test_meltano_postgres's `pg_server` fixture);
- target-jsonl (validates every record, Draft 4, jsonschema 2.6);
- singer-check-tap from singer-tools (Draft 4 with a format checker, and RFC 3339 parsing of
  every `date-time`).

Each consumer lives in its own venv under .venv/consumers/, made by scripts/bootstrap.py
(`ensure_consumers`, also called by scripts/test.py). A consumer that cannot be installed skips
the tests, unless TAP_LUMINOUS_REQUIRE_E2E=1 (CI), where it fails them.
`test_consumers_reject_an_invalid_record` proves that validation is really on.
"""

# Identifiers in the SQL below are this module's own (test schema, stream names), not input.
# ruff: noqa: S608

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
import os
import re
import subprocess
import time
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tests.conftest import DATA_START, EPOCH, TOKEN, config_for
from tests.singer_io import REPO, SingerOutput, catalog_selecting, run_cli
from tests.test_meltano_postgres import Db, PgServer
from tests.test_meltano_postgres import pg_server as pg_server  # noqa: PLC0414 - fixture
from tests.test_meltano_postgres import target_schema as target_schema  # noqa: PLC0414

TAP_TIMEOUT = 120
CONSUMER_TIMEOUT = 120
#: The data variants the consumers see. THE place for the fake's drift argument
#: (`FakeLuminousAPI(drift=...)`, fake_luminous/drift.py): 0 serves every row as documented,
#: 0.2 serves a fifth of the rows the way a PHP backend may (decimal strings, 0/1 booleans, zero
#: dates, `[]` for `{}`, ...), which the tap must turn into records valid against its SCHEMA.
DRIFTS = {"documented": 0.0, "drifted": 0.2}
#: Money values whose storage is recorded: (stream, key, `Dataset.special` name, field).
MONEY = (
    ("products", "id", "product_retail_12_30", "retail_price"),
    ("products", "id", "product_big_unit_cost", "unit_cost"),
    ("sales_orders", "order_id", "total_amount_12_30", "total_amount"),
    ("sales_orders", "order_id", "big_money", "total_paid"),
)


# --------------------------------------------------------------------------------------------
# Fixtures: the consumers' venvs, one sync per data variant


def _bootstrap() -> t.Any:
    spec = importlib.util.spec_from_file_location("bootstrap", REPO / "scripts" / "bootstrap.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def consumers() -> dict[str, Path]:
    """Consumer name -> executable, installed through scripts/bootstrap.py when missing."""
    started = time.monotonic()
    try:
        exes: dict[str, Path] = _bootstrap().ensure_consumers()
    except (OSError, subprocess.SubprocessError) as exc:
        if os.environ.get("TAP_LUMINOUS_REQUIRE_E2E") == "1":
            pytest.fail(f"TAP_LUMINOUS_REQUIRE_E2E=1 but the consumers did not install: {exc}")
        pytest.skip(f"the Singer consumers did not install: {exc}")
    print(f"consumer venvs ready in {time.monotonic() - started:.1f}s")
    return exes


@dataclasses.dataclass
class Sync:
    out: SingerOutput
    keys: dict[str, list[str]]  # stream -> key properties, from its SCHEMA message
    special: dict[str, t.Any]  # Dataset.special
    drifted_rows: int

    def count(self, stream: str) -> int:
        return len(self.out.records.get(stream, []))

    def distinct(self, stream: str) -> int:
        keys = self.keys[stream]
        return len({tuple(r[k] for k in keys) for r in self.out.records.get(stream, [])})

    def value(self, stream: str, key: str, key_value: t.Any, field: str) -> t.Any:
        (record,) = [r for r in self.out.records[stream] if r[key] == key_value]
        return record[field]


@pytest.fixture(scope="module", params=list(DRIFTS.values()), ids=list(DRIFTS))
def sync(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Sync:
    """A full sync of every stream, as the CLI writes it, for one data variant."""
    from tap_luminous.tap import TapLuminous

    dataset = Dataset.generate(
        sales_orders=2500, purchase_orders=250, products=300, seed=7, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH), drift=request.param)
    with api:
        config = config_for(api)
        tmp = tmp_path_factory.mktemp("tap")
        every = TapLuminous(config=config, validate_config=False).catalog_dict
        # Every stream, also those not selected by default (the rest of the ERP).
        catalog = catalog_selecting(config, [s["tap_stream_id"] for s in every["streams"]])
        out = run_cli([], config=config, catalog=catalog, tmp_path=tmp, timeout=TAP_TIMEOUT)
        assert out.returncode == 0, out.stderr[-4000:]
        rows = itertools.chain(
            dataset.sales_orders.values(),
            dataset.purchase_orders.values(),
            dataset.products.values(),
        )
        drifted_rows = sum(1 for row in rows if api.drifts(row))
    assert set(out.schemas) == {s["tap_stream_id"] for s in catalog["streams"]}, "every stream"
    assert all(out.records.get(s) for s in out.schemas), "every stream has records"
    if request.param:
        assert drifted_rows > 0, "the fake served no drifted row"
    else:
        assert drifted_rows == 0
    keys = {s: list(m["key_properties"]) for s, m in out.schemas.items()}
    return Sync(out, keys, dict(dataset.special), drifted_rows)


def feed(
    exe: Path, stdin: str, *args: str, cwd: Path, timeout: float = CONSUMER_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run a consumer with `stdin` as its input (the tap's stdout), bounded in time."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    try:
        return subprocess.run(
            [str(exe), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{exe.name} did not finish within {timeout}s")


def rejection(proc: subprocess.CompletedProcess[str]) -> str:
    """The consumer's complaint, for the assertion message."""
    return f"exit {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"


def target_postgres_config(server: PgServer, schema: str, path: Path) -> Path:
    config = {
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password or "",
        "dbname": server.database,
        "default_target_schema": schema,
        "validate_records": True,
        "primary_key_required": True,
    }
    path.write_text(json.dumps(config))
    return path


# --------------------------------------------------------------------------------------------
# The tests


@pytest.mark.e2e
def test_target_postgres_validates_and_loads_every_record(
    sync: Sync,
    consumers: dict[str, Path],
    pg_server: PgServer,
    target_schema: str,
    tmp_path: Path,
) -> None:
    config = target_postgres_config(pg_server, target_schema, tmp_path / "target.json")
    started = time.monotonic()
    proc = feed(
        consumers["target-postgres"], sync.out.stdout, "--config", str(config), cwd=tmp_path
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 0, rejection(proc)

    db = Db(pg_server, target_schema)
    try:
        assert db.tables() == set(sync.out.schemas)
        # The target upserts on the key properties: one row per distinct key.
        counts = {
            s: db.query(f'SELECT count(*) FROM "{target_schema}"."{s}"')[0][0] for s in sync.keys
        }
        assert counts == {s: sync.distinct(s) for s in sync.keys}
        stored = []
        for stream, key, special, field in MONEY:
            key_value = sync.special[special]
            emitted = sync.value(stream, key, key_value, field)
            ((value, column_type),) = db.query(
                f'SELECT "{field}", pg_typeof("{field}")::text '
                f'FROM "{target_schema}"."{stream}" WHERE "{key}" = %s',
                key_value,
            )
            # Stored as a float (double precision): recorded, not asserted digit for digit.
            if emitted is None:  # a drifted value the tap kept in _invalid_values
                assert value is None
            else:
                assert value == pytest.approx(float(emitted), rel=1e-12)
            stored.append(f"{stream}.{field} {emitted} -> {column_type} {value!r}")
    finally:
        db.close()
    print(f"target-postgres: {sum(counts.values())} rows in {seconds:.1f}s; " + "; ".join(stored))


@pytest.mark.e2e
def test_target_jsonl_validates_and_writes_every_record(
    sync: Sync, consumers: dict[str, Path], tmp_path: Path
) -> None:
    destination = tmp_path / "out"
    config = tmp_path / "target.json"
    config.write_text(
        json.dumps({"destination_path": str(destination), "do_timestamp_file": False})
    )
    proc = feed(consumers["target-jsonl"], sync.out.stdout, "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 0, rejection(proc)

    written = {p.stem: p.read_text().splitlines() for p in destination.glob("*.jsonl")}
    # No upsert here: one line per RECORD message.
    assert {s: len(lines) for s, lines in written.items()} == {
        s: sync.count(s) for s in sync.out.schemas
    }
    for stream, key, special, field in MONEY:
        key_value = sync.special[special]
        (row,) = [
            r
            for r in map(lambda line: json.loads(line, parse_float=Decimal), written[stream])
            if r[key] == key_value
        ]
        emitted = sync.value(stream, key, key_value, field)
        # target-jsonl keeps numbers as Decimal: same digits, same scale (12.30 stays 12.30).
        assert str(row[field]) == str(emitted), (stream, field)


@pytest.mark.e2e
def test_singer_check_tap_accepts_the_output(
    sync: Sync, consumers: dict[str, Path], tmp_path: Path
) -> None:
    # singer-tools 0.4.1 crashes (`None.get`, its own set_defaults) on a null nested object whose
    # schema has a date-time property, which `companies` (price_level, default_shipping) has;
    # that stream is checked by the two targets above instead.
    crashes_it = {"companies"}
    lines = [
        line
        for line in sync.out.stdout.splitlines()
        if not any(f'"stream":"{name}"' in line for name in crashes_it)
    ]
    proc = feed(consumers["singer-check-tap"], "\n".join(lines) + "\n", cwd=tmp_path)
    assert proc.returncode == 0, rejection(proc)
    assert "The output is valid." in proc.stdout
    table = re.findall(r"^\|\s*(\w+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|$", proc.stdout, re.MULTILINE)
    assert {stream: int(records) for stream, records, _ in table} == {
        s: sync.count(s) for s in sync.out.schemas if s not in crashes_it
    }


# --------------------------------------------------------------------------------------------
# Validation is really on: a string in a number column is refused by every consumer


def _products_messages(retail_price: t.Any) -> str:
    """A SCHEMA message of the tap's products stream and one RECORD, as Singer lines."""
    from tap_luminous.tap import TapLuminous

    tap = TapLuminous(
        config={"api_token": TOKEN, "api_url": "http://127.0.0.1:9"}, setup_mapper=False
    )
    stream = tap.streams["products"]
    record = {"id": 1, "name": "Basic Widget 1", "retail_price": retail_price}
    messages = [
        {
            "type": "SCHEMA",
            "stream": "products",
            "schema": stream.schema,
            "key_properties": list(stream.primary_keys or ()),
        },
        {"type": "RECORD", "stream": "products", "record": record},
        {"type": "STATE", "value": {}},
    ]
    return "".join(json.dumps(m, default=str) + "\n" for m in messages)


@pytest.mark.e2e
@pytest.mark.parametrize("consumer", ["target-postgres", "target-jsonl", "singer-check-tap"])
def test_consumers_reject_an_invalid_record(
    consumer: str, consumers: dict[str, Path], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    args: list[str] = []
    if consumer == "target-postgres":
        server: PgServer = request.getfixturevalue("pg_server")
        schema: str = request.getfixturevalue("target_schema")
        args = ["--config", str(target_postgres_config(server, schema, tmp_path / "pg.json"))]
    elif consumer == "target-jsonl":
        config = tmp_path / "jsonl.json"
        config.write_text(json.dumps({"destination_path": str(tmp_path / "out")}))
        args = ["--config", str(config)]

    valid = feed(consumers[consumer], _products_messages(12.30), *args, cwd=tmp_path)
    assert valid.returncode == 0, rejection(valid)  # the same record with a number passes
    invalid = feed(consumers[consumer], _products_messages("12.30"), *args, cwd=tmp_path)
    assert invalid.returncode != 0, f"{consumer} accepted a string in a number column"
    assert "'12.30' is not of type" in invalid.stdout + invalid.stderr, rejection(invalid)


# --------------------------------------------------------------------------------------------
# What a PHP/Laravel server really sends loads too (docs/streams.md, every record valid)


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["invalid_utf8", "lone_surrogate", "nul_text", "php_gaps"])
def test_target_postgres_loads_what_a_laravel_server_really_sends(
    mode: str,
    consumers: dict[str, Path],
    pg_server: PgServer,
    target_schema: str,
    tmp_path: Path,
) -> None:
    from fake_luminous.hostile import HostileAPI
    from tests.test_hostile import run

    streams = [
        "sales_orders",
        "sales_order_items",
        "purchase_orders",
        "purchase_order_items",
        "invoices",
        "invoice_items",
    ]
    with HostileAPI(mode) as api:
        out = run(api, streams, tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    config = target_postgres_config(pg_server, target_schema, tmp_path / "target.json")
    proc = feed(consumers["target-postgres"], out.stdout, "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 0, rejection(proc)

    db = Db(pg_server, target_schema)
    try:
        counts = {
            s: db.query(f'SELECT count(*) FROM "{target_schema}"."{s}"')[0][0] for s in streams
        }
        assert counts == {s: len(out.records[s]) for s in streams}
        if mode == "php_gaps":  # every element of the gapped arrays became a child row
            assert counts["sales_order_items"] == 2
            assert counts["purchase_order_items"] == 3 * counts["purchase_orders"]
            return
        texts = db.query(
            f'SELECT public_note FROM "{target_schema}"."purchase_orders" UNION ALL '
            f'SELECT order_number FROM "{target_schema}"."sales_orders" UNION ALL '
            f'SELECT sku FROM "{target_schema}"."invoice_items"'
        )
        assert texts, "nothing loaded"
        assert all(text.startswith("T-\ufffd") and text.endswith("-1") for (text,) in texts)
    finally:
        db.close()
