"""Drift mode of the fake: PHP/Laravel value drifts, over real loopback sockets."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests

from fake_luminous import Dataset, Drift, FakeClock, FakeLuminousAPI
from fake_luminous.drift import KEY_FIELDS, KINDS

UTC = timezone.utc
NOW = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)
TOKEN = "test-token"
TIMEOUT = 5
EXPORTS = {"/sales-orders/export": "order_id", "/products/export": "id"}


def make_api(drift: float = 0.2, seed: int = 5, **kwargs: Any) -> FakeLuminousAPI:
    ds = Dataset.generate(
        sales_orders=100, purchase_orders=30, products=80, seed=seed, start=START, end=NOW
    )
    return FakeLuminousAPI(
        dataset=ds, token=TOKEN, clock=FakeClock(NOW), drift=drift, record_bodies=True, **kwargs
    )


def fetch_all(api: FakeLuminousAPI) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        for path in EXPORTS:
            params: dict[str, Any] = {"since": "2024-01-01", "limit": 40}
            rows: list[dict[str, Any]] = []
            while True:
                body = json.loads(
                    http.get(api.base_url + path, params=params, timeout=TIMEOUT).content,
                    parse_float=Decimal,
                )
                rows += body["data"]
                if not body["has_more"]:
                    break
                params = {"cursor": body["next_cursor"]}
            out[path] = rows
        rows = []
        for status in ("active", "inactive", "deleted"):
            r = http.get(
                api.base_url + "/purchase-orders",
                params={"per_page": 100, "order_status": status},
                timeout=TIMEOUT,
            )
            rows += json.loads(r.content, parse_float=Decimal)["data"]
        out["/purchase-orders"] = rows
    return out


@pytest.fixture(scope="module")
def drifted() -> Iterator[tuple[FakeLuminousAPI, dict[str, list[dict[str, Any]]]]]:
    with make_api() as api:
        yield api, fetch_all(api)


def all_drifts(api: FakeLuminousAPI) -> list[tuple[str, dict[str, Any], Drift]]:
    ds = api.dataset
    out = []
    for name, table in (("so", ds.sales_orders), ("po", ds.purchase_orders),
                        ("product", ds.products)):  # fmt: skip
        for row in table.values():
            out += [(name, row, d) for d in api.drifts(row)]
    return out


def at(obj: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def _key(value: Any) -> int:
    assert isinstance(value, int) or (isinstance(value, str) and value.isdigit()), value
    return int(value)


def test_every_drift_kind_is_served_in_a_small_dataset(drifted: Any) -> None:
    api, _rows = drifted
    kinds = Counter(d.kind for _, _, d in all_drifts(api))
    assert set(kinds) == set(KINDS), set(KINDS) - set(kinds)
    raw = b"".join(b.body for b in api.served_bodies)
    for needle in (b'"0000-00-00"', b'"0000-00-00 00:00:00"', b'"n/a"', b'"custom_fields":[]'):
        assert needle in raw, needle
    assert re.search(rb'"updated_at":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"', raw)
    assert re.search(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-](?!00:00)\d\d:\d\d"', raw)
    assert re.search(rb'"product_weight":\d+\.\d+,', raw)
    assert re.search(rb'"\w+_weight":\[\{"unit":"(lb|oz)","value":', raw)
    assert re.search(rb'"sellable":(0|1|"0"|"1"|"true"|"false"),', raw)


def test_drifts_reach_every_nesting_level(drifted: Any) -> None:
    api, _rows = drifted
    heads = {(name, d.path[0]) for name, _, d in all_drifts(api) if len(d.path) > 2}
    for want in [("so", "items"), ("so", "shipments"), ("so", "fulfillment_orders"),
                 ("po", "items"), ("po", "payments"), ("product", "kit_items"),
                 ("product", "alternate_skus")]:  # fmt: skip
        assert want in heads, want
    paths = {d.path[:3] for name, _, d in all_drifts(api) if name == "po"}
    assert any(p[0] == "items" and p[2] == "product" for p in paths)
    assert any(d.path[0] == "supplier" and len(d.path) == 2 for _, _, d in all_drifts(api))


def test_drift_log_matches_what_was_served(drifted: Any) -> None:
    api, rows = drifted
    served = (
        {("so", _key(r["order_id"])): r for r in rows["/sales-orders/export"]}
        | {("product", _key(r["id"])): r for r in rows["/products/export"]}
        | {("po", _key(r["id"])): r for r in rows["/purchase-orders"]}
    )
    checked = 0
    for name, row, d in all_drifts(api):
        rid = row["order_id"] if name == "so" else row["id"]
        if (name, rid) not in served:
            continue  # inactive: not served
        assert at(served[(name, rid)], d.path) == d.served, (name, rid, d)
        assert api.to_json_obj(row) == served[(name, rid)]
        checked += 1
    assert checked > 100
    undrifted = [r for r in api.dataset.sales_orders.values() if not api.drifts(r)]
    assert undrifted
    assert all(api.to_json_obj(r)["order_id"] == r["order_id"] for r in undrifted)


def test_keys_and_replication_key_stay_usable(drifted: Any) -> None:
    api, rows = drifted
    for path, key in [*EXPORTS.items(), ("/purchase-orders", "id")]:
        for r in rows[path]:
            _key(r[key])
            text = r["updated_at"]
            assert isinstance(text, str)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            true_row = (api.dataset.sales_orders if key == "order_id" else
                        api.dataset.products if path == "/products/export" else
                        api.dataset.purchase_orders)[_key(r[key])]  # fmt: skip
            assert parsed == true_row["updated_at"]
    key_kinds = {d.kind for _, _, d in all_drifts(api) if d.path[-1] in KEY_FIELDS}
    assert key_kinds == {"int_string"}
    top_updated = {d.kind for _, _, d in all_drifts(api) if d.path == ("updated_at",)}
    assert top_updated == {"space_timestamp", "offset_timestamp"}


def test_membership_and_order_use_the_true_values(drifted: Any) -> None:
    api, rows = drifted
    got = [_key(r["order_id"]) for r in rows["/sales-orders/export"]]
    assert got == [o["order_id"] for o in api.expected_sales_orders(START, NOW)]
    got = [_key(r["id"]) for r in rows["/products/export"]]
    assert got == [p["id"] for p in api.expected_products(START, NOW)]
    assert sorted(_key(r["id"]) for r in rows["/purchase-orders"]) == sorted(
        api.dataset.purchase_orders
    )
    drifted_rows = sum(bool(api.drifts(r)) for r in api.dataset.sales_orders.values())
    assert 5 <= drifted_rows <= 40  # ~20% of 100
    assert all("status" not in r for r in rows["/products/export"])


def test_drift_is_deterministic_and_off_by_default() -> None:
    with make_api() as a, make_api() as b:
        assert fetch_all(a) == fetch_all(b)
        assert [x.body for x in a.served_bodies] == [x.body for x in b.served_bodies]
    with make_api(drift_seed=99) as c:
        assert any(c.drifts(r) != a.drifts(a.dataset.sales_orders[i])
                   for i, r in c.dataset.sales_orders.items())  # fmt: skip
    with make_api(drift=0.0) as plain:
        rows = fetch_all(plain)
        assert all(not plain.drifts(r) for r in plain.dataset.sales_orders.values())
        assert all(isinstance(r["order_id"], int) for r in rows["/sales-orders/export"])
        assert all(isinstance(r["total_amount"], Decimal) for r in rows["/sales-orders/export"])
    with pytest.raises(ValueError, match="drift"):
        make_api(drift=1.5)


def test_a_mutated_row_is_drifted_again(drifted: Any) -> None:
    with make_api() as api:
        oid = next(i for i, r in api.dataset.sales_orders.items() if api.drifts(r))
        before = api.drifts(api.dataset.sales_orders[oid])
        api.update_sales_order(oid, order_status="completed")
        after = api.drifts(api.dataset.sales_orders[oid])
        assert [d.path for d in after] == [d.path for d in before]
        assert api.dataset.sales_orders[oid]["order_status"] == "completed"
