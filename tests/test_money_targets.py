"""Money in the demo's embedded database: exact digits through target-duckdb.

target-duckdb stores JSON numbers as DOUBLE (12.30 -> 12.3, a 34-digit amount -> 1.23e+31), so
scripts/demo.py runs the tap with the stream map of scripts/money_as_text.py, which sends every
number column as text. The end-to-end test runs `meltano run tap-luminous target-duckdb` exactly
as the demo does (the demo's own `money_stream_maps()` / `pipeline_env()`), against the fake API
whose data holds 12.30 and a 34-digit amount, and reads the values back from DuckDB as text.

It shares Meltano and the plugin venvs (the cache dir's `meltano-sys-*`) with
tests/test_meltano_postgres.py; `meltano install tap-luminous target-duckdb` adds the DuckDB
loader there once (a fresh machine downloads it from PyPI, like target-postgres).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
import time
import types
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest

from fake_luminous import BIG_MONEY, Dataset, FakeClock, FakeLuminousAPI
from tests.test_meltano_postgres import (
    INSTALL_TIMEOUT,
    Meltano,
    _cache_root,
    _find_meltano,
    _sys_dir_key,
)

UTC = dt.timezone.utc
REPO = Path(__file__).resolve().parent.parent
TOKEN = "money-token-41ab"
EPOCH = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
DATA_START = dt.datetime(2025, 1, 1, tzinfo=UTC)
RUN_TIMEOUT = 120
SALES_MONEY = ("total_amount", "total_tax", "total_shipping", "total_paid")
ITEM_MONEY = ("price", "tax")


def _load_script(name: str) -> types.ModuleType:
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tap_luminous_scripts_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


demo = _load_script("demo")
money_as_text = _load_script("money_as_text")


def _types(schema: t.Any) -> set[str]:
    """Every JSON type named anywhere inside `schema`."""
    found: set[str] = set()
    if isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, str):
            found.add(kind)
        elif isinstance(kind, list):
            found.update(kind)
        for value in schema.values():
            found |= _types(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _types(value)
    return found


def _tap_schemas() -> dict[str, dict[str, t.Any]]:
    from tap_luminous.tap import TapLuminous

    tap = TapLuminous(
        config={"api_token": TOKEN, "api_url": "http://127.0.0.1:9/external/api/v1"},
        setup_mapper=False,
    )
    return {name: stream.schema for name, stream in tap.streams.items()}


# --------------------------------------------------------------------------------------------
# Cheap checks (no meltano)


def test_demo_stream_map_leaves_no_number_in_any_schema() -> None:
    """After the SDK applies the demo's map, no stream declares a number: no DOUBLE column."""
    import logging

    from singer_sdk.mapper import PluginMapper

    schemas = _tap_schemas()
    maps = money_as_text.money_stream_maps(schemas)
    mapper = PluginMapper(plugin_config={"stream_maps": maps}, logger=logging.getLogger("t"))
    for name, schema in schemas.items():
        if "number" in _types(schema):  # money columns: the map must turn them into text
            assert maps.get(name), name
        mapper.register_raw_stream_schema(name, schema, ())
        (stream_map,) = mapper.stream_maps[name]
        mapped = stream_map.transformed_schema
        assert set(mapped["properties"]) == set(schema["properties"]), name
        assert "number" not in _types(mapped), (
            f"{name}: still declares a number after the demo's money map: "
            f"{[c for c, p in mapped['properties'].items() if 'number' in _types(p)]}"
        )
        record = {c: None for c in schema["properties"]}
        record.update({c: Decimal("12.30") for c in maps.get(name, {}) if c in record})
        out = stream_map.transform(dict(record))
        assert out is not None
        for column, expr in maps.get(name, {}).items():
            want = "12.30" if expr.startswith("str(") else '"12.30"'
            assert out[column] == want, (name, column, out[column])


# --------------------------------------------------------------------------------------------
# End to end: the demo's pipeline into DuckDB


@pytest.fixture(scope="session")
def duckdb_meltano(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(meltano, shared plugin sys dir) with the demo's plugins installed."""
    cache = _cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    exe = _find_meltano(cache)
    sys_dir = cache / f"meltano-sys-{_sys_dir_key(exe)}"
    sys_dir.mkdir(parents=True, exist_ok=True)
    meltano = Meltano(exe, sys_dir, tmp_path_factory.mktemp("meltano-install-duckdb"))
    meltano("install", *demo.PIPELINE, timeout=INSTALL_TIMEOUT)
    return exe, sys_dir


READ_SCRIPT = r"""
import json, sys
import duckdb

path, schema = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True)
out = {}
for table, key in (("sales_orders", "order_id"), ("sales_order_items", "order_item_id")):
    cols = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall())
    names = sorted(cols)
    rows = con.execute(
        "SELECT " + ", ".join(f'CAST("{c}" AS VARCHAR)' for c in names)
        + f' FROM "{schema}"."{table}"').fetchall()
    out[table] = {"types": cols, "rows": [dict(zip(names, r)) for r in rows], "key": key}
print(json.dumps(out))
"""


def _text(value: t.Any) -> str | None:
    return None if value is None else str(value)


@pytest.mark.e2e
def test_demo_duckdb_keeps_money_exact(duckdb_meltano: tuple[Path, Path], tmp_path: Path) -> None:
    exe, sys_dir = duckdb_meltano
    dataset = Dataset.generate(
        sales_orders=40, purchase_orders=4, products=4, seed=11, start=DATA_START, end=EPOCH
    )
    order_12_30 = dataset.special["total_amount_12_30"]
    big_order = dataset.special["big_money"]
    order_0_10 = dataset.special["item_price_0_10"]
    db_file = tmp_path / "demo.duckdb"
    started = time.monotonic()
    selected = ("sales_orders", "sales_order_items")
    # The demo maps every stream (it selects them all); with a selection, the map must name
    # only selected streams, or the SDK rejects the deselected ones' maps.
    maps = {
        name: m
        for name, m in demo.money_stream_maps(Path(sys.executable)).items()
        if name in selected
    }
    assert set(maps) == set(selected)
    meltano = Meltano(exe, sys_dir, tmp_path / "meltano")
    with FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH)) as api:
        meltano.extra_env = {
            "TAP_LUMINOUS_API_URL": api.base_url,
            "TAP_LUMINOUS_API_TOKEN": TOKEN,
            "TAP_LUMINOUS_START_DATE": "2024-01-01T00:00:00Z",
            "TAP_LUMINOUS_REQUEST_TIMEOUT": "20",
            "TAP_LUMINOUS_MAX_RETRIES": "2",
            # The sales-order export and its items: where the fake puts 12.30 and 34 digits.
            "TAP_LUMINOUS__SELECT": json.dumps([f"{name}.*" for name in selected]),
            **demo.pipeline_env(maps, db_file),
        }
        meltano("run", "--full-refresh", *demo.PIPELINE, timeout=RUN_TIMEOUT)
        served = {oid: api.to_json_obj(row) for oid, row in dataset.sales_orders.items()}
    reader = sys_dir / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    proc = subprocess.run(
        [str(reader), "-c", READ_SCRIPT, str(db_file), demo.DB_SCHEMA],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    orders = {int(r["order_id"]): r for r in data["sales_orders"]["rows"]}
    items = {int(r["order_item_id"]): r for r in data["sales_order_items"]["rows"]}

    for table in ("sales_orders", "sales_order_items"):
        types_ = data[table]["types"]
        floats = {c: k for c, k in types_.items() if k.upper() in ("DOUBLE", "FLOAT", "REAL")}
        assert not floats, f"{table}: float columns in the demo's DuckDB: {floats}"
    for col in SALES_MONEY:
        assert data["sales_orders"]["types"][col] == "VARCHAR", col
    for col in ITEM_MONEY:
        assert data["sales_order_items"]["types"][col] == "VARCHAR", col

    # The two values of the issue, digit for digit.
    assert orders[order_12_30]["total_amount"] == "12.30"
    assert orders[big_order]["total_paid"] == str(BIG_MONEY)
    assert len(str(BIG_MONEY).replace(".", "")) == 34
    assert Decimal(orders[big_order]["total_paid"]) == BIG_MONEY

    # Every money value of every loaded order, top level and nested, as the fake served it.
    assert orders, "no sales orders loaded"
    checked_items = 0
    for oid, row in orders.items():
        want = served[oid]
        for col in SALES_MONEY:
            assert row[col] == _text(want.get(col)), (oid, col, row[col], want.get(col))
        nested = json.loads(row["items"]) if row["items"] is not None else []
        assert len(nested) == len(want.get("items") or [])
        for got_item, want_item in zip(nested, want.get("items") or [], strict=True):
            for col in ITEM_MONEY:
                assert got_item.get(col) == _text(want_item.get(col)), (oid, col, got_item)
            child = items[int(want_item["order_item_id"])]
            for col in ITEM_MONEY:
                assert child[col] == _text(want_item.get(col)), (oid, col, child[col])
            checked_items += 1
    assert checked_items >= len(orders)
    first = served[order_0_10]["items"][0]
    assert items[int(first["order_item_id"])]["price"] == "0.10"
    assert items[int(first["order_item_id"])]["tax"] == "0.00"
    print(f"demo pipeline into DuckDB: {time.monotonic() - started:.1f}s, {len(orders)} orders")
