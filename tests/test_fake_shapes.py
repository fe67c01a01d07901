"""The fake serves the documented shapes (the docs samples), over real loopback sockets.

Also: the undocumented-but-real extras (weights beyond the cut-off products sample, shipments,
full suppliers, credentials), ``record_bodies`` and the ``docs_samples`` mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests

from fake_luminous import (
    BIG_UNIT_COST,
    Dataset,
    FakeClock,
    FakeLuminousAPI,
    Faults,
    ServedBody,
    docs_samples,
)

UTC = timezone.utc
NOW = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)
TOKEN = "test-token"
TIMEOUT = 5

PRODUCT_SAMPLE = docs_samples.product_sample()
PO_SAMPLE = docs_samples.purchase_orders_body()["data"][0]
SO_SAMPLE = docs_samples.sales_orders_export_body()["data"][0]
#: what a real server sends after the point where the stored products sample is cut off
BEYOND_CUTOFF = {
    "box_weight_oz",
    "box_weight_lb",
    *(
        f"{level}_weight{sfx}"
        for level in ("carton", "shipping", "pallet")
        for sfx in ("", "_oz", "_lb")
    ),
}
INVENTED = {"length", "width", "height", "dimension_unit", "weight", "weight_unit", "status"}
LEVELS = ("product", "box", "carton", "shipping", "pallet")
FULL_SUPPLIER = {
    *PO_SAMPLE["supplier"],
    "created_by",
    "updated_by",
    "factory_admin_id",
    "supplier_admin_id",
    "default_payment_term",
    "contacts",
    "bank_name",
    "routing_number",
    "account_number",
    "swift_code",
}
# GET /sales-orders/{id}/shipments (docs sample)
SHIPMENT = {
    "id", "sales_order_id", "ship_date", "tracking_number", "bol_number", "pro_number",
    "partner_reference_number", "is_return", "carrier_code", "service_code", "package_code",
    "shipment_cost", "insurance_cost", "warehouse_id", "status", "ship_to", "weight",
    "dimensions", "items", "created_at", "updated_at",
}  # fmt: skip
SHIPMENT_ITEM = {
    "id", "shipment_id", "product_id", "order_item_id", "quantity", "weight", "unit_price",
    "created_at", "updated_at",
}  # fmt: skip
SHIP_TO = {
    "name", "company", "street1", "street2", "street3", "city", "state", "postalCode",
    "country", "phone", "residential",
}  # fmt: skip


def make_api(so: int = 300, po: int = 60, products: int = 80, **kwargs: Any) -> FakeLuminousAPI:
    clock = FakeClock(NOW)
    ds = Dataset.generate(
        sales_orders=so, purchase_orders=po, products=products, seed=11, start=START, end=NOW
    )
    return FakeLuminousAPI(dataset=ds, token=TOKEN, clock=clock, **kwargs)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeLuminousAPI, dict[str, list[dict[str, Any]]], bytes]]:
    """One walk of every endpoint: (api, rows per path, all raw bytes)."""
    with make_api(record_bodies=True) as api, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        rows: dict[str, list[dict[str, Any]]] = {}
        raw = b""
        for path in ("/sales-orders/export", "/products/export"):
            rows[path], data = export_walk(http, api, path)
            raw += data
        rows["/purchase-orders"] = []
        for status in ("active", "inactive", "deleted"):
            got, data = po_walk(http, api, order_status=status)
            rows["/purchase-orders"] += got
            raw += data
        yield api, rows, raw


def export_walk(
    http: requests.Session, api: FakeLuminousAPI, path: str, limit: int = 50
) -> tuple[list[dict[str, Any]], bytes]:
    params: dict[str, Any] = {"since": "1970-01-01T00:00:00Z", "limit": limit}
    rows: list[dict[str, Any]] = []
    raw = b""
    while True:
        r = http.get(api.base_url + path, params=params, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        raw += r.content
        body = json.loads(r.content, parse_float=Decimal)
        rows += body["data"]
        if not body["has_more"]:
            return rows, raw
        params = {"cursor": body["next_cursor"]}


def po_walk(
    http: requests.Session, api: FakeLuminousAPI, **params: Any
) -> tuple[list[dict[str, Any]], bytes]:
    rows: list[dict[str, Any]] = []
    raw = b""
    page = 1
    while True:
        r = http.get(
            api.base_url + "/purchase-orders",
            params={**params, "page": page, "per_page": 100},
            timeout=TIMEOUT,
        )
        assert r.status_code == 200, r.text
        raw += r.content
        body = json.loads(r.content, parse_float=Decimal)
        rows += body["data"]
        if page >= body["meta"]["last_page"]:
            return rows, raw
        page += 1


def keys(obj: Any) -> set[str]:
    assert isinstance(obj, dict), obj
    return set(obj)


# ---------------------------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------------------------
def test_products_have_exactly_the_documented_fields(served: Any) -> None:
    api, rows, _ = served
    products = rows["/products/export"]
    assert [p["id"] for p in products] == [p["id"] for p in api.expected_products(START, NOW)]
    assert "status" not in PRODUCT_SAMPLE
    for p in products:
        assert keys(p) == set(PRODUCT_SAMPLE) | BEYOND_CUTOFF, p["id"]
        assert not keys(p) & INVENTED
        assert isinstance(p["custom_fields"], dict)
        assert p["type"] in ("PRODUCT", "KIT")
        for a in p["alternate_skus"]:
            assert keys(a) == set(PRODUCT_SAMPLE["alternate_skus"][0])
        for t in p["tags"]:
            assert keys(t) == set(PRODUCT_SAMPLE["tags"][0])
        for b in p["boms"]:
            assert keys(b) == {"id"}
        for s in p["substitutions"]:
            assert {"id", "priority"} <= keys(s)
        for k in p["kit_items"]:
            assert keys(k) == set(PRODUCT_SAMPLE["kit_items"][0])
            for money_field in ("price", "original_price", "total"):
                assert k[money_field].as_tuple().exponent == -2
            assert k["total"] == k["price"] * k["quantity"]
        for level in LEVELS:
            w = p[f"{level}_weight"]
            assert keys(w) == {"unit", "value"}
            assert p[f"{level}_weight_oz"] == p[f"{level}_weight_lb"] * 16
            assert w["value"] == (p[f"{level}_weight_lb"] if w["unit"] == "lb" else
                                  p[f"{level}_weight_oz"])  # fmt: skip
    # the variety the docs allow is actually served
    assert any(p["custom_fields"] == {} for p in products)
    assert any(p["custom_fields"] for p in products)
    assert any(p["type"] == "KIT" and p["kit_items"] for p in products)
    assert any(p["alternate_skus"] for p in products)
    assert any(p["boms"] for p in products)
    assert any(keys(s) == {"id", "priority"} for p in products for s in p["substitutions"])
    assert any(keys(s) > {"id", "priority"} for p in products for s in p["substitutions"])
    # the internal status still decides membership
    inactive = [i for i, p in api.dataset.products.items() if p["status"] == 0]
    assert inactive
    assert not set(inactive) & {p["id"] for p in products}


def test_product_money_is_exact_in_the_raw_body(served: Any) -> None:
    api, _rows, raw = served
    assert b'"retail_price":12.30,' in raw
    assert b'"unit_cost":1234567890123456789012345678901.234,' in raw
    assert len(BIG_UNIT_COST.as_tuple().digits) == 34
    special = api.dataset.special
    assert (
        api.to_json_obj(api.dataset.products[special["product_big_unit_cost"]])["unit_cost"]
        == BIG_UNIT_COST
    )
    assert "status" not in api.to_json_obj(api.dataset.products[1])


def test_two_products_are_enough_for_the_fixed_values() -> None:
    ds = Dataset.generate(sales_orders=0, purchase_orders=0, products=2, seed=1, start=START,
                          end=NOW)  # fmt: skip
    assert ds.products[1]["retail_price"] == Decimal("12.30")
    assert ds.products[2]["unit_cost"] == BIG_UNIT_COST
    assert ds.products[1]["status"] == ds.products[2]["status"] == 1


# ---------------------------------------------------------------------------------------------
# purchase orders
# ---------------------------------------------------------------------------------------------
def _strip(obj: dict[str, Any]) -> set[str]:
    return keys(obj) - {"credentials"}


def test_purchase_orders_have_exactly_the_documented_fields(served: Any) -> None:
    api, rows, _ = served
    pos = rows["/purchase-orders"]
    assert sorted(p["id"] for p in pos) == sorted(api.dataset.purchase_orders)
    sample_item = PO_SAMPLE["items"][0]
    for po in pos:
        assert _strip(po) == set(PO_SAMPLE), po["id"]
        assert _strip(po["supplier"]) in (set(PO_SAMPLE["supplier"]), FULL_SUPPLIER)
        for item in po["items"]:
            assert keys(item) == set(sample_item)
            assert _strip(item["product"]) == set(sample_item["product"])
        for pay in po["payments"]:
            assert keys(pay) == set(PO_SAMPLE["payments"][0])
            assert keys(pay["created_by"]) == {"id", "name"}
        assert keys(po["ship_to"]) == set(PO_SAMPLE["ship_to"])
        assert _strip(po["warehouse"]) == {"id", "name"}
        assert keys(po["location"]) == {"id", "name"}
        for t in po["tags"]:
            assert keys(t) == set(PO_SAMPLE["tags"][0])


def test_sensitive_fields_are_served_on_some_purchase_orders(served: Any) -> None:
    api, rows, _ = served
    pos = {p["id"]: p for p in rows["/purchase-orders"]}
    full = [p for p in pos.values() if "bank_name" in p["supplier"]]
    assert 0 < len(full) < len(pos)
    for p in full:
        s = p["supplier"]
        assert _strip(s) == FULL_SUPPLIER
        assert all(s[f] for f in ("routing_number", "account_number", "swift_code"))
        assert all(keys(c) == {"id", "name", "email", "phone"} for c in s["contacts"])
    special = api.dataset.special
    assert "bank_name" in pos[special["full_supplier_po"]]["supplier"]
    top = pos[special["credentials_top_po"]]["credentials"]
    assert set(top) == {"api_key", "secret"}
    assert "credentials" in pos[special["credentials_nested_po"]]["supplier"]
    assert "credentials" in pos[special["credentials_item_po"]]["items"][0]["product"]
    assert all(pos[special[k]]["order_status"] == "active" for k in
               ("full_supplier_po", "credentials_top_po", "credentials_nested_po"))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# sales orders
# ---------------------------------------------------------------------------------------------
def test_sales_orders_have_exactly_the_documented_fields(served: Any) -> None:
    api, rows, _ = served
    orders = rows["/sales-orders/export"]
    assert len(orders) == len(api.expected_sales_orders(START, NOW))
    keyed = unkeyed = 0
    for o in orders:
        assert keys(o) == set(SO_SAMPLE), o["order_id"]
        for it in o["items"]:
            assert keys(it) == set(SO_SAMPLE["items"][0])
        for fo in o["fulfillment_orders"]:
            assert keys(fo) == set(SO_SAMPLE["fulfillment_orders"][0])
        for sh in o["shipments"]:
            assert keys(sh) in (SHIPMENT, SHIPMENT - {"id"})
            has_id = "id" in sh
            keyed += has_id
            unkeyed += not has_id
            assert keys(sh["ship_to"]) == SHIP_TO
            assert sh["weight"]["units"] == "ounces"
            assert keys(sh["weight"]) == {"value", "units"}
            assert keys(sh["dimensions"]) == {"units", "length", "width", "height"}
            assert sh["dimensions"]["units"] == "inches"
            for si in sh["items"]:
                want = SHIPMENT_ITEM if has_id else SHIPMENT_ITEM - {"id", "shipment_id"}
                assert keys(si) == want
                assert si["order_item_id"] in {it["order_item_id"] for it in o["items"]}
    assert keyed
    assert unkeyed
    by_id = {o["order_id"]: o for o in orders}
    special = api.dataset.special
    assert by_id[special["shipments_without_id"]]["shipments"]
    assert all("id" not in s for s in by_id[special["shipments_without_id"]]["shipments"])
    assert all("id" in s for s in by_id[special["shipments_with_id"]]["shipments"])


# ---------------------------------------------------------------------------------------------
# record_bodies
# ---------------------------------------------------------------------------------------------
def test_served_bodies_are_the_bytes_sent() -> None:
    with make_api(60, 12, 12, record_bodies=True) as api, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        url = api.base_url + "/sales-orders/export"
        r1 = http.get(url, params={"since": "2024-01-01", "limit": "25"}, timeout=TIMEOUT)
        r2 = http.get(url, params={"cursor": r1.json()["next_cursor"]}, timeout=TIMEOUT)
        r3 = http.get(api.base_url + "/purchase-orders", params={"per_page": 5}, timeout=TIMEOUT)
        assert http.get(url, params={"limit": 5}, timeout=TIMEOUT).status_code == 422
        assert http.head(api.base_url + "/purchase-orders", timeout=TIMEOUT).status_code == 200
        api.faults = Faults(p_wrong_shape=1.0)
        assert http.get(api.base_url + "/purchase-orders", timeout=TIMEOUT).status_code == 200
        api.faults = Faults()
        assert api.served_bodies == [
            ServedBody("/sales-orders/export", {"since": "2024-01-01", "limit": "25"}, r1.content),
            ServedBody("/sales-orders/export", {"cursor": r1.json()["next_cursor"]}, r2.content),
            ServedBody("/purchase-orders", {"per_page": "5"}, r3.content),
        ]
        assert len(api.requests) == 6
        rows = api.served_rows("/sales-orders/export")
        assert (
            rows
            == json.loads(r1.content, parse_float=Decimal)["data"]
            + json.loads(r2.content, parse_float=Decimal)["data"]
        )
        assert [r["order_id"] for r in rows] == [
            o["order_id"] for o in api.expected_sales_orders(START, NOW)
        ][: len(rows)]
        api.clear_requests()
        assert api.served_bodies == []


def test_bodies_are_not_recorded_unless_asked() -> None:
    with make_api(20, 4, 4) as api:
        r = requests.get(
            api.base_url + "/purchase-orders",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=TIMEOUT,
        )
        assert r.status_code == 200
        assert api.served_bodies == []


# ---------------------------------------------------------------------------------------------
# docs_samples mode
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def docs_api() -> Iterator[tuple[FakeLuminousAPI, requests.Session]]:
    with (
        make_api(20, 4, 4, docs_samples=True, record_bodies=True) as api,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        yield api, http


def _get(http: requests.Session, api: FakeLuminousAPI, path: str, **params: Any) -> Any:
    r = http.get(api.base_url + path, params=params, timeout=TIMEOUT)
    return r.status_code, json.loads(r.content, parse_float=Decimal)


@pytest.mark.parametrize(
    ("path", "sample", "cutoff"),
    [
        ("/sales-orders/export", docs_samples.sales_orders_export_body(), "2024-01-16T00:00:00Z"),
        ("/products/export", docs_samples.products_export_body(), "2023-11-08T00:00:00Z"),
    ],
)
def test_docs_samples_exports(docs_api: Any, path: str, sample: Any, cutoff: str) -> None:
    api, http = docs_api
    status, body = _get(http, api, path, since="2024-01-01T00:00:00Z", limit=1000)
    assert status == 200
    assert body == sample
    assert body["has_more"] is True
    assert body["meta"]["cutoff"] == cutoff
    status, end = _get(http, api, path, cursor=body["next_cursor"])
    assert (status, end) == (200, docs_samples.export_end_body(cutoff))
    assert end == {"data": [], "next_cursor": None, "has_more": False,
                   "meta": {"rows": 0, "cutoff": cutoff}}  # fmt: skip
    assert _get(http, api, path, cursor="eyJ2IjoxfQ.nope")[0] == 422
    assert _get(http, api, path, since="2024-01-01", cursor=body["next_cursor"])[0] == 422
    assert _get(http, api, path)[0] == 422
    assert len(api.served_bodies) == 2
    r = requests.get(api.base_url + path, params={"since": "2024-01-01"}, timeout=TIMEOUT)
    assert r.status_code == 401


def test_docs_samples_product_is_the_cut_off_sample_completed() -> None:
    assert docs_samples.PRODUCT_SAMPLE.startswith(docs_samples.PRODUCT_SAMPLE_DOCS_PART)
    assert docs_samples.PRODUCT_SAMPLE_DOCS_PART.endswith('"box_weight": {"unit": "lb",')
    assert PRODUCT_SAMPLE["box_weight"] == {"unit": "lb", "value": 123}
    assert list(PRODUCT_SAMPLE)[-1] == "box_weight"
    assert PRODUCT_SAMPLE["substitutions"] == [{}]
    assert SO_SAMPLE["total_tax"] == Decimal("15.75")
    assert docs_samples.sales_orders_export_body()["next_cursor"] == (
        "eyJ2IjoxLCJtb2RlIjoiZXhwb3J0In0.abc123"
    )


def test_docs_samples_purchase_orders(docs_api: Any) -> None:
    api, http = docs_api
    sample = docs_samples.purchase_orders_body()
    status, body = _get(http, api, "/purchase-orders")
    assert status == 200
    assert body["data"] == sample["data"]
    assert body["meta"] == {"current_page": 1, "from": 1, "last_page": 1, "per_page": 10,
                            "to": 1, "total": 1}  # fmt: skip
    _, body = _get(http, api, "/purchase-orders", order_status="active", per_page=100, page=1)
    assert body["data"] == sample["data"]
    assert body["meta"]["per_page"] == 100
    for status_filter in ("inactive", "deleted"):
        _, body = _get(http, api, "/purchase-orders", order_status=status_filter)
        assert body == {"data": [], "meta": {"current_page": 1, "from": None, "last_page": 1,
                                             "per_page": 10, "to": None, "total": 0}}  # fmt: skip
    _, body = _get(http, api, "/purchase-orders", page=2)
    assert body["data"] == []
    assert body["meta"]["total"] == 1
    assert body["meta"]["current_page"] == 2
    assert _get(http, api, "/purchase-orders", per_page=101)[0] == 422
