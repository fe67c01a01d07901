"""Tests of the fake Luminous API (fake_luminous) over real loopback sockets."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from fake_luminous import BIG_MONEY, Dataset, FakeClock, FakeLuminousAPI, Faults

UTC = timezone.utc
NOW = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)
TOKEN = "test-token"
TIMEOUT = 5
ROOT = Path(__file__).resolve().parent.parent


def make_api(n: int = 2500, **kwargs: Any) -> FakeLuminousAPI:
    clock = kwargs.pop("clock", None) or FakeClock(NOW)
    ds = Dataset.generate(
        sales_orders=n,
        purchase_orders=kwargs.pop("purchase_orders", 250),
        products=kwargs.pop("products", 300),
        seed=7,
        start=START,
        end=clock.now(),
        timestamp_style=kwargs.get("timestamp_style", "Z"),
    )
    return FakeLuminousAPI(dataset=ds, token=TOKEN, clock=clock, **kwargs)


@pytest.fixture
def api() -> Iterator[FakeLuminousAPI]:
    server = make_api(forbidden_tokens=("readonly-token",))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {TOKEN}"
    yield s
    s.close()


def get(s: requests.Session, api: FakeLuminousAPI, path: str, **params: Any) -> requests.Response:
    return s.get(api.base_url + path, params=params, timeout=TIMEOUT, allow_redirects=False)


def walk(
    s: requests.Session,
    api: FakeLuminousAPI,
    *,
    path: str = "/sales-orders/export",
    since: str = "2024-01-01T00:00:00Z",
    limit: int | None = 100,
    after_page: Any = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Walk an export; returns (rows, pages). ``after_page(i)`` runs after page i arrives."""
    params: dict[str, Any] = {"since": since}
    if limit is not None:
        params["limit"] = limit
    rows: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for i in range(10_000):
        r = get(s, api, path, **params)
        assert r.status_code == 200, r.text
        body = json.loads(r.content, parse_float=Decimal)
        pages.append(body)
        rows.extend(body["data"])
        if after_page is not None:
            after_page(i)
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        params = {"cursor": body["next_cursor"]}
    return rows, pages


def order_key(api: FakeLuminousAPI, oid: int) -> tuple[datetime, int]:
    return api.dataset.sales_orders[oid]["updated_at"], oid


# ---------------------------------------------------------------------------------------------
# auth, routing, headers
# ---------------------------------------------------------------------------------------------
def test_auth_401_403_and_404(api: FakeLuminousAPI) -> None:
    url = api.base_url + "/sales-orders/export"
    r = requests.get(url, params={"since": "2024-01-01"}, timeout=TIMEOUT)
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthenticated."}
    r = requests.get(
        url,
        params={"since": "2024-01-01"},
        timeout=TIMEOUT,
        headers={"Authorization": "Bearer nope"},
    )
    assert r.status_code == 401
    r = requests.get(
        url,
        params={"since": "2024-01-01"},
        timeout=TIMEOUT,
        headers={"Authorization": "Bearer readonly-token"},
    )
    assert r.status_code == 403
    assert r.json() == {"message": "This action is unauthorized."}
    for path in ("/purchase-orders", "/products/export"):
        assert requests.get(api.base_url + path, timeout=TIMEOUT).status_code == 401
    r = requests.get(
        api.base_url + "/nope", timeout=TIMEOUT, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 404
    assert r.json() == {"message": "Not Found"}
    rec = api.requests[1]
    assert rec.headers["authorization"] == "Bearer nope"
    assert rec.status == 401
    assert rec.path == "/sales-orders/export"
    assert rec.params == {"since": "2024-01-01"}


def test_headers_date_from_clock_and_keepalive(
    api: FakeLuminousAPI, http: requests.Session
) -> None:
    r = get(http, api, "/purchase-orders")
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Date"] == "Mon, 01 Jun 2026 00:00:00 GMT"
    assert int(r.headers["Content-Length"]) == len(r.content)
    api.clock.advance(seconds=90)
    r = get(http, api, "/purchase-orders")
    assert r.headers["Date"] == "Mon, 01 Jun 2026 00:01:30 GMT"
    assert r.headers.get("Connection", "").lower() == "keep-alive"


# ---------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------
def test_export_walk_returns_expected_rows_in_order(
    api: FakeLuminousAPI, http: requests.Session
) -> None:
    rows, pages = walk(http, api, limit=100)
    expected = api.expected_sales_orders(START, NOW)
    assert [r["order_id"] for r in rows] == [e["order_id"] for e in expected]
    assert len(pages) > 20
    assert len(expected) < 2500  # some inactive orders are not served
    assert all(r["status"] == "Active" for r in rows)
    keys = [(r["updated_at"], r["order_id"]) for r in rows]
    assert keys == sorted(keys)
    for a, b in api.dataset.special["ties"]:
        orders = api.dataset.sales_orders
        assert orders[a]["updated_at"] == orders[b]["updated_at"]
        ids = [r["order_id"] for r in rows]
        assert ids.index(a) + 1 == ids.index(b)
    assert {p["meta"]["cutoff"] for p in pages} == {"2026-06-01T00:00:00Z"}
    assert all(p["meta"]["rows"] == len(p["data"]) for p in pages)
    assert rows[0] == api.to_json_obj(expected[0])
    inactive = [o for o in api.dataset.sales_orders.values() if o["status"] == "Inactive"]
    assert inactive
    assert not {o["order_id"] for o in inactive} & {r["order_id"] for r in rows}


def test_export_default_limit_and_window_bounds(
    api: FakeLuminousAPI, http: requests.Session
) -> None:
    r = get(http, api, "/sales-orders/export", since="2024-01-01")
    assert len(r.json()["data"]) == 1000
    assert r.json()["has_more"] is True
    # since is inclusive: a row updated exactly at `since` is served first
    exp = api.expected_sales_orders(START, NOW)
    target = exp[500]
    since = target["updated_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
    r = get(http, api, "/sales-orders/export", since=since, limit=1)
    assert r.json()["data"][0]["order_id"] == target["order_id"]
    # cutoff is inclusive
    api.update_sales_order(target["order_id"], updated_at=NOW)
    rows, _ = walk(http, api, since="2026-05-31T23:59:59Z", limit=10)
    assert target["order_id"] in [x["order_id"] for x in rows]


@pytest.mark.parametrize(
    "since",
    [
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        "2024-01-01 00:00:00",
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00.000000Z",
        "2024-01-01T02:00:00+02:00",
        "2024-01-01T00:00:00.5Z",
    ],
)
def test_since_formats_accepted(api: FakeLuminousAPI, http: requests.Session, since: str) -> None:
    r = get(http, api, "/sales-orders/export", since=since, limit=5)
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2024-01-01", "cursor": "abc.def"}, "since"),
        ({}, "since"),
        ({"limit": "10"}, "since"),
        ({"since": "2024-01-01", "limit": "0"}, "limit"),
        ({"since": "2024-01-01", "limit": "1001"}, "limit"),
        ({"since": "2024-01-01", "limit": "ten"}, "limit"),
        ({"since": "2024-01-01", "limit": "1.5"}, "limit"),
        ({"since": "2024-01-01", "page": "2"}, "page"),
        ({"since": "2024-01-01", "q": "x"}, "q"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2024-13-01"}, "since"),
    ],
)
def test_export_validation_422(
    api: FakeLuminousAPI, http: requests.Session, params: dict[str, str], field: str
) -> None:
    r = get(http, api, "/sales-orders/export", **params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert isinstance(body["message"], str)
    assert field in body["errors"]


def test_export_limit_bounds_ok(api: FakeLuminousAPI, http: requests.Session) -> None:
    assert (
        len(get(http, api, "/sales-orders/export", since="2024-01-01", limit=1).json()["data"]) == 1
    )
    r = get(http, api, "/sales-orders/export", since="2024-01-01", limit=1000)
    assert r.status_code == 200


def _first_cursor(
    http: requests.Session, api: FakeLuminousAPI, path: str = "/sales-orders/export"
) -> str:
    r = get(http, api, path, since="2024-01-01", limit=10)
    cur = r.json()["next_cursor"]
    assert isinstance(cur, str)
    assert cur.startswith("eyJ2IjoxLCJtb2RlIjoiZXhwb3J0I")  # {"v":1,"mode":"export"
    return cur


def test_cursor_tampered_foreign_and_malformed(
    api: FakeLuminousAPI, http: requests.Session
) -> None:
    cur = _first_cursor(http, api)
    payload, sig = cur.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    bad = [flipped + "." + sig, payload + "." + sig[::-1], "garbage", "a.b.c", cur + "x", "."]
    products_cursor = _first_cursor(http, api, "/products/export")
    bad.append(products_cursor)
    other = make_api(50, secret=b"another-secret")
    with other:
        s2 = requests.Session()
        s2.headers["Authorization"] = f"Bearer {TOKEN}"
        bad.append(_first_cursor(s2, other))
    for token in bad:
        r = get(http, api, "/sales-orders/export", cursor=token)
        assert r.status_code == 422, token
        assert r.json() == {
            "message": "The cursor is invalid.",
            "errors": {"cursor": ["The cursor is invalid."]},
        }
    assert get(http, api, "/sales-orders/export", cursor=cur).status_code == 200


def test_cursor_expiry() -> None:
    with make_api(300, cursor_ttl=60) as api, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        cur = _first_cursor(http, api)
        api.clock.advance(seconds=60)
        assert get(http, api, "/sales-orders/export", cursor=cur).status_code == 200
        api.clock.advance(seconds=1)
        r = get(http, api, "/sales-orders/export", cursor=cur)
        assert r.status_code == 422
        assert r.json()["message"] == "The cursor has expired."
        assert r.json()["errors"] == {"cursor": ["The cursor has expired."]}


def test_empty_last_page_when_exact_multiple(api: FakeLuminousAPI, http: requests.Session) -> None:
    exp = api.expected_sales_orders(START, NOW)
    limit = 50
    for k in range(200, 400):
        since = exp[-k]["updated_at"]
        if len(api.expected_sales_orders(since, NOW)) % limit == 0:
            break
    else:
        pytest.fail("no suitable since found")
    n = len(api.expected_sales_orders(since, NOW))
    rows, pages = walk(http, api, since=since.isoformat(), limit=limit)
    assert len(rows) == n
    assert len(pages) == n // limit + 1
    assert pages[-1] == {
        "data": [],
        "next_cursor": None,
        "has_more": False,
        "meta": {"rows": 0, "cutoff": "2026-06-01T00:00:00Z"},
    }
    assert pages[-2]["has_more"] is True


def test_cutoff_anchoring_mid_walk_update(api: FakeLuminousAPI, http: requests.Session) -> None:
    exp = api.expected_sales_orders(START, NOW)
    moved = exp[700]["order_id"]
    api.clock.advance(seconds=3600)

    def mutate(i: int) -> None:
        if i == 1:
            api.clock.advance(seconds=1)
            api.update_sales_order(moved, order_status="shipped")

    rows, pages = walk(http, api, limit=100, after_page=mutate)
    ids = [r["order_id"] for r in rows]
    assert moved not in ids
    assert sorted(ids) == sorted(e["order_id"] for e in exp if e["order_id"] != moved)
    cutoff = pages[0]["meta"]["cutoff"]
    assert cutoff == "2026-06-01T01:00:00Z"
    # an insert during the run is not served either (it is after the cutoff)
    api.clock.advance(seconds=10)
    new = api.insert_sales_order()
    rows2, _ = walk(http, api, since=cutoff, limit=100)
    ids2 = [r["order_id"] for r in rows2]
    assert ids2 == [moved, new["order_id"]]
    assert rows2[0]["order_status"] == "shipped"
    assert rows2[0]["updated_at"] == "2026-06-01T01:00:01Z"
    assert rows2[1] == api.to_json_obj(new)


def test_deactivated_order_leaves_export(api: FakeLuminousAPI, http: requests.Session) -> None:
    exp = api.expected_sales_orders(START, NOW)
    gone = exp[10]["order_id"]
    api.clock.advance(seconds=5)
    api.deactivate_sales_order(gone)
    assert api.dataset.sales_orders[gone]["status"] == "Inactive"
    rows, _ = walk(http, api, limit=1000)
    assert gone not in {r["order_id"] for r in rows}
    assert len(rows) == len(exp) - 1


def test_money_digits_exact_in_raw_body(api: FakeLuminousAPI, http: requests.Session) -> None:
    special = api.dataset.special
    raw = b""
    params: dict[str, Any] = {"since": "2024-01-01", "limit": 1000}
    while True:
        r = get(http, api, "/sales-orders/export", **params)
        raw += r.content
        body = r.json()
        if not body["has_more"]:
            break
        params = {"cursor": body["next_cursor"]}
    assert b'"total_amount":12.30,' in raw
    assert b'"total_paid":12345678901234567890123456789012.34,' in raw  # 34 digits
    assert b'"price":0.10,' in raw
    assert b'"customer_username":null,"customer_email":null' in raw
    row = api.dataset.sales_orders[special["big_money"]]
    assert api.to_json_obj(row)["total_paid"] == BIG_MONEY
    assert api.to_json_obj(api.dataset.sales_orders[special["total_amount_12_30"]])[
        "total_amount"
    ] == Decimal("12.30")


def test_generated_data_is_consistent_and_deterministic() -> None:
    a = Dataset.generate(
        sales_orders=400, purchase_orders=60, products=50, seed=3, start=START, end=NOW
    )
    b = Dataset.generate(
        sales_orders=400, purchase_orders=60, products=50, seed=3, start=START, end=NOW
    )
    assert a.sales_orders == b.sales_orders
    assert a.purchase_orders == b.purchase_orders
    assert a.products == b.products
    item_ids: list[int] = []
    for o in a.sales_orders.values():
        assert START <= o["created_at"] <= o["updated_at"] < NOW
        assert isinstance(o["total_amount"], Decimal)
        assert o["total_amount"].as_tuple().exponent == -2
        assert 1 <= len(o["items"]) <= 4
        sub = sum(i["price"] * i["quantity"] for i in o["items"])
        assert o["total_amount"] == sub + o["total_tax"] + o["total_shipping"]
        item_ids += [i["order_item_id"] for i in o["items"]]
        if o["order_status"] in ("shipped", "completed"):
            assert 1 <= len(o["shipments"]) <= 2
        else:
            assert o["shipments"] == []
    assert len(item_ids) == len(set(item_ids))
    statuses = [p["order_status"] for p in a.purchase_orders.values()]
    assert {"active", "inactive"} <= set(statuses)
    po_item_ids = [i["id"] for p in a.purchase_orders.values() for i in p["items"]]
    assert len(po_item_ids) == len(set(po_item_ids))
    assert {p["type"] for p in a.products.values()} <= {"PRODUCT", "KIT"}
    for p in a.products.values():
        assert (p["type"] == "KIT") == bool(p["kit_items"])
        assert all(k["total"] == k["price"] * k["quantity"] for k in p["kit_items"])
        assert p["product_weight_lb"] <= p["box_weight_lb"] <= p["carton_weight_lb"]
        assert p["product_length"] <= p["box_length"] <= p["carton_length"]
    assert a.special["product_retail_12_30"] == 1


@pytest.mark.parametrize(
    ("style", "pattern"),
    [
        ("Z", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"),
        ("offset", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"),
        ("fractional", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"),
    ],
)
def test_timestamp_styles(style: str, pattern: str) -> None:
    with make_api(300, timestamp_style=style) as api, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        rows, pages = walk(http, api, limit=50)
        assert all(re.match(pattern, r["updated_at"]) for r in rows)
        assert all(re.match(pattern, i["created_at"]) for r in rows for i in r["items"])
        assert re.match(pattern, pages[0]["meta"]["cutoff"])
        assert [r["order_id"] for r in rows] == [
            e["order_id"] for e in api.expected_sales_orders(START, NOW)
        ]


def test_mixed_timestamps_ordered_by_real_value() -> None:
    with make_api(600, timestamp_style="mixed") as api, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        rows, _ = walk(http, api, limit=70)
        kinds = {("+" in r["updated_at"], "." in r["updated_at"]) for r in rows}
        assert len(kinds) >= 2
        parsed = [(datetime.fromisoformat(r["updated_at"]), r["order_id"]) for r in rows]
        assert parsed == sorted(parsed)
        assert any(api.dataset.sales_orders[r["order_id"]]["updated_at"].microsecond for r in rows)


def test_products_export(api: FakeLuminousAPI, http: requests.Session) -> None:
    r = get(http, api, "/products/export", since="1970-01-01T00:00:00Z")
    assert len(r.json()["data"]) == 100  # default limit
    rows, _ = walk(http, api, path="/products/export", since="1970-01-01T00:00:00Z", limit=None)
    exp = api.expected_products(START, NOW)
    assert [r["id"] for r in rows] == [p["id"] for p in exp]
    assert all(p["status"] == 1 for p in exp)  # the internal status decides membership...
    assert len(exp) < 300
    assert all("status" not in r for r in rows)  # ...and is not served (the docs show none)
    assert {"retail_price", "kit_items", "boms", "custom_fields", "landed_cost"} <= set(rows[0])
    assert {"product_length", "pallet_height", "product_weight", "box_weight_lb"} <= set(rows[0])
    assert not {"length", "width", "height", "dimension_unit", "weight", "weight_unit"} & set(
        rows[0]
    )
    assert rows[0] == api.to_json_obj(exp[0])


# ---------------------------------------------------------------------------------------------
# purchase orders
# ---------------------------------------------------------------------------------------------
def test_purchase_orders_pagination_meta(api: FakeLuminousAPI, http: requests.Session) -> None:
    visible = api.expected_purchase_orders()
    total = len(visible)
    r = get(http, api, "/purchase-orders")
    body = r.json()
    assert body["meta"] == {
        "current_page": 1,
        "from": 1,
        "last_page": -(-total // 10),
        "per_page": 10,
        "to": 10,
        "total": total,
    }
    assert [p["id"] for p in body["data"]] == [p["id"] for p in visible[:10]]
    last = -(-total // 100)
    r = get(http, api, "/purchase-orders", per_page=100, page=last)
    meta = r.json()["meta"]
    assert meta["to"] == total
    assert meta["from"] == (last - 1) * 100 + 1
    r = get(http, api, "/purchase-orders", per_page=100, page=last + 1)
    assert r.json() == {
        "data": [],
        "meta": {
            "current_page": last + 1,
            "from": None,
            "last_page": last,
            "per_page": 100,
            "to": None,
            "total": total,
        },
    }
    ids: list[int] = []
    for page in range(1, last + 1):
        ids += [
            p["id"]
            for p in get(http, api, "/purchase-orders", per_page=100, page=page).json()["data"]
        ]
    assert ids == [p["id"] for p in visible]
    assert get(http, api, "/purchase-orders", foo="bar").status_code == 200  # lenient


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "101"},
        {"per_page": "0"},
        {"page": "0"},
        {"page": "x"},
        {"order_status": "archived"},
        {"updated_at": "yesterday"},
    ],
)
def test_purchase_orders_validation(
    api: FakeLuminousAPI, http: requests.Session, params: dict[str, str]
) -> None:
    r = get(http, api, "/purchase-orders", **params)
    assert r.status_code == 422
    assert r.json()["errors"]


def test_purchase_orders_status_filter(api: FakeLuminousAPI, http: requests.Session) -> None:
    all_pos = api.dataset.purchase_orders.values()
    deleted = sorted(p["id"] for p in all_pos if p["order_status"] == "deleted")
    assert deleted
    r = get(http, api, "/purchase-orders", per_page=100)
    assert r.json()["meta"]["total"] == len(api.dataset.purchase_orders) - len(deleted)
    default_ids = set()
    for page in range(1, r.json()["meta"]["last_page"] + 1):
        data = get(http, api, "/purchase-orders", per_page=100, page=page).json()["data"]
        default_ids |= {p["id"] for p in data}
        assert {p["order_status"] for p in data} <= {"active", "inactive"}
    assert not default_ids & set(deleted)
    r = get(http, api, "/purchase-orders", per_page=100, order_status="deleted")
    assert [p["id"] for p in r.json()["data"]] == deleted
    r = get(http, api, "/purchase-orders", per_page=100, order_status="inactive")
    assert {p["order_status"] for p in r.json()["data"]} == {"inactive"}


def test_purchase_orders_updated_at_filter(api: FakeLuminousAPI, http: requests.Session) -> None:
    po = api.dataset.purchase_orders[5]
    stamp = po["updated_at"].strftime("%Y-%m-%d %H:%M:%S")
    data = get(
        http, api, "/purchase-orders", updated_at=stamp, order_status=po["order_status"]
    ).json()["data"]
    assert [p["id"] for p in data] == [5]
    r = get(http, api, "/purchase-orders", **{"updated_at[gte]": "2026-01-01"}, per_page=100)
    assert all(p["updated_at"] >= "2026-01-01" for p in r.json()["data"])


def test_purchase_orders_mid_walk_delete_shifts_rows(
    api: FakeLuminousAPI, http: requests.Session
) -> None:
    visible = [p["id"] for p in api.expected_purchase_orders()]
    seen: list[int] = []
    page = 1
    while True:
        body = get(http, api, "/purchase-orders", per_page=10, page=page).json()
        seen += [p["id"] for p in body["data"]]
        if page == 1:
            api.delete_purchase_order(body["data"][0]["id"])
        if page >= body["meta"]["last_page"]:
            break
        page += 1
    assert api.dataset.purchase_orders[visible[0]]["order_status"] == "deleted"
    skipped = set(visible) - set(seen)
    assert skipped == {visible[10]}  # the first row of page 2 slid onto page 1
    r = get(http, api, "/purchase-orders", order_status="deleted", per_page=100)
    assert visible[0] in [p["id"] for p in r.json()["data"]]
    new = api.insert_purchase_order()
    assert new["id"] == max(api.dataset.purchase_orders)
    assert (
        get(http, api, "/purchase-orders", per_page=100, page=-(-len(visible) // 100)).json()[
            "data"
        ][-1]["id"]
        == new["id"]
    )


# ---------------------------------------------------------------------------------------------
# hooks and lifecycle
# ---------------------------------------------------------------------------------------------
def test_on_request_hook_and_recording(api: FakeLuminousAPI, http: requests.Session) -> None:
    seen: list[str] = []

    def hook(rec: Any) -> None:
        seen.append(rec.path)
        raise RuntimeError("ignored")

    api.on_request = hook
    _rows, pages = walk(http, api, limit=1000)
    assert len(seen) == len(pages)
    assert [r.rows for r in api.requests] == [len(p["data"]) for p in pages]
    assert all(r.status == 200 and r.fault is None for r in api.requests)
    api.clear_requests()
    assert api.requests == []


def test_stop_is_quick_with_open_keepalive_connection() -> None:
    api = make_api(50).start()
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {TOKEN}"
    assert get(s, api, "/purchase-orders").status_code == 200
    t = time.monotonic()
    api.stop()
    assert time.monotonic() - t < 1.5
    with pytest.raises(requests.ConnectionError):
        s.get(api.base_url + "/purchase-orders", timeout=2)


# ---------------------------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------------------------
def test_fault_429_retry_after_variants(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(p_429=1.0, retry_after="3")
    r = get(http, api, "/purchase-orders")
    assert r.status_code == 429
    assert r.json() == {"message": "Too Many Attempts."}
    assert r.headers["Retry-After"] == "3"
    api.faults = Faults(p_429=1.0, retry_after="http-date", retry_after_seconds=30)
    r = get(http, api, "/purchase-orders")
    from email.utils import parsedate_to_datetime

    when = parsedate_to_datetime(r.headers["Retry-After"])
    assert 20 < (when - datetime.now(UTC)).total_seconds() <= 31
    api.faults = Faults(p_429=1.0, retry_after=None)
    r = get(http, api, "/purchase-orders")
    assert r.status_code == 429
    assert "Retry-After" not in r.headers
    assert api.fault_counts["429"] == 3
    assert api.requests[-1].fault == "429"


def test_fault_5xx(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(p_5xx=1.0, seed=1)
    codes = set()
    for _ in range(40):
        r = get(http, api, "/sales-orders/export", since="2024-01-01")
        codes.add(r.status_code)
        if r.status_code in (502, 503):
            assert r.headers["Content-Type"].startswith("text/html")
            assert b"<html>" in r.content
        else:
            assert r.json() == {"message": "Server Error"}
    assert codes == {500, 502, 503, 504}
    assert api.fault_counts["5xx"] == 40


def test_fault_drop(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(p_drop=1.0)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        get(http, api, "/sales-orders/export", since="2024-01-01")
    assert api.requests[-1].fault == "drop"
    api.faults = Faults()
    assert get(http, api, "/sales-orders/export", since="2024-01-01").status_code == 200


def test_fault_invalid_json_and_wrong_shape(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(p_invalid_json=1.0, seed=5)
    kinds = set()
    for _ in range(12):
        r = get(http, api, "/sales-orders/export", since="2024-01-01", limit=5)
        assert r.status_code == 200
        assert int(r.headers["Content-Length"]) == len(r.content)
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)
        kinds.add(r.content.startswith(b"<html>"))
    assert kinds == {True, False}
    api.faults = Faults(p_wrong_shape=1.0)
    for _ in range(5):
        r = get(http, api, "/purchase-orders")
        assert r.status_code == 200
        body = r.json()
        assert not (
            isinstance(body, dict)
            and isinstance(body.get("data"), list)
            and isinstance(body.get("meta"), dict)
            and "current_page" in body["meta"]
        )
    assert api.fault_counts == {"invalid_json": 12, "wrong_shape": 5}


def test_fault_stall_and_latency(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(p_stall=1.0, stall_seconds=3.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(api.base_url + "/purchase-orders", timeout=0.3)
    api.faults = Faults(latency=0.2, latency_jitter=0.05)
    t = time.monotonic()
    assert get(http, api, "/purchase-orders").status_code == 200
    assert time.monotonic() - t >= 0.2
    assert api.fault_counts["stall"] == 1


def test_fault_rate_limit(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(rate_limit=3, rate_limit_window=30)
    statuses = []
    for _ in range(5):
        r = get(http, api, "/purchase-orders")
        statuses.append(r.status_code)
        assert r.headers["X-RateLimit-Limit"] == "3"
        assert int(r.headers["X-RateLimit-Reset"]) > time.time()
    assert statuses == [200, 200, 200, 429, 429]
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(r.headers["Retry-After"]) <= 30
    assert api.fault_counts["rate_limit"] == 2


def test_fault_redirect(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(redirect_to="http://evil.invalid")
    r = get(http, api, "/purchase-orders", page=2)
    assert r.status_code == 302
    assert r.headers["Location"] == "http://evil.invalid/external/api/v1/purchase-orders?page=2"
    assert api.requests[-1].fault == "redirect"


def test_fault_fail_statuses_queue(api: FakeLuminousAPI, http: requests.Session) -> None:
    api.faults = Faults(fail_statuses={"/purchase-orders": [400, 500]})
    r = get(http, api, "/purchase-orders")
    assert r.status_code == 400
    assert r.json()["errors"]
    assert get(http, api, "/sales-orders/export", since="2024-01-01").status_code == 200
    assert get(http, api, "/purchase-orders").status_code == 500
    assert get(http, api, "/purchase-orders").status_code == 200
    assert api.fault_counts == {"fail_status": 2}


def test_faults_reproducible(api: FakeLuminousAPI, http: requests.Session) -> None:
    def run() -> list[int]:
        api.faults = Faults(seed=11, p_5xx=0.3, p_429=0.2)
        return [get(http, api, "/purchase-orders").status_code for _ in range(25)]

    first = run()
    assert first == run()
    assert 200 in first
    assert set(first) - {200}


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def test_cli_starts_prints_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fake_luminous",
            "--sales-orders",
            "120",
            "--purchase-orders",
            "20",
            "--products",
            "30",
            "--max-seconds",
            "60",
            "--ready-file",
            str(ready),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 30)
        assert readable, "no ready line within 30 s"
        info = json.loads(proc.stdout.readline())
        assert info["token"] == "demo-token"
        assert info["base_url"].startswith("http://127.0.0.1:")
        assert info["base_url"].endswith("/external/api/v1")
        assert json.loads(ready.read_text()) == info
        r = requests.get(
            info["base_url"] + "/sales-orders/export",
            params={"since": "1970-01-01"},
            timeout=TIMEOUT,
            headers={"Authorization": "Bearer demo-token"},
        )
        assert r.status_code == 200
        assert len(r.json()["data"]) > 100
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_cli_max_seconds_exits_by_itself() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fake_luminous",
            "--sales-orders",
            "10",
            "--purchase-orders",
            "2",
            "--products",
            "2",
            "--max-seconds",
            "0.5",
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0
    assert "base_url" in json.loads(proc.stdout.splitlines()[0])


def test_real_clock_mode() -> None:
    clock = FakeClock.real()
    a = clock.now()
    assert abs((a - datetime.now(UTC)).total_seconds()) < 1
    clock.advance(seconds=3600)
    assert clock.now() - datetime.now(UTC) > timedelta(seconds=3590)
