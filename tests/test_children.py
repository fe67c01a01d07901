"""Child streams from nested arrays: counts, foreign keys, selection rules, state, backfill."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fake_luminous import FakeClock, FakeLuminousAPI
from tests.conftest import EPOCH, TOKEN, config_for
from tests.singer_io import run_tap

ALL_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
SALES_CHILDREN = {
    "sales_order_items": ("items", "order_item_id"),
    "sales_order_fulfillment_orders": ("fulfillment_orders", "fulfillment_order_id"),
    "sales_order_shipments": ("shipments", "_shipment_key"),
}
PO_CHILDREN = {
    "purchase_order_items": ("items", "id"),
    "purchase_order_payments": ("payments", "id"),
}


@pytest.fixture(scope="module")
def everything(dataset_template):
    with FakeLuminousAPI(dataset=dataset_template, token=TOKEN, clock=FakeClock(EPOCH)) as api:
        yield api, run_tap(config_for(api))


@pytest.mark.parametrize(("child", "spec"), SALES_CHILDREN.items())
def test_sales_order_children_match_the_nested_arrays(everything, child, spec):
    api, out = everything
    array, key = spec
    orders = api.expected_sales_orders(ALL_TIME, EPOCH)
    expected = sum(len(order[array] or ()) for order in orders)
    rows = out.records.get(child, [])
    assert expected > 0
    assert len(rows) == expected
    assert len({row[key] for row in rows}) == expected  # the key is unique
    parents = {r["order_id"]: r for r in out.records["sales_orders"]}
    for row in rows:
        assert row["_parent_updated_at"] == parents[row["order_id"]]["updated_at"]


@pytest.mark.parametrize(("child", "spec"), PO_CHILDREN.items())
def test_purchase_order_children_match_the_nested_arrays(everything, child, spec):
    api, out = everything
    array, key = spec
    expected = sum(len(po[array] or ()) for po in api.dataset.purchase_orders.values())
    rows = out.records.get(child, [])
    assert expected > 0
    assert len(rows) == expected == len({row[key] for row in rows})
    parent_ids = set(out.ids("purchase_orders", "id"))
    assert all(row["purchase_order_id"] in parent_ids for row in rows)


def test_child_money_is_exact(everything):
    api, out = everything
    source = {
        item["order_item_id"]: item
        for order in api.expected_sales_orders(ALL_TIME, EPOCH)
        for item in api.to_json_obj(order)["items"]
    }
    for row in out.records["sales_order_items"]:
        assert str(row["price"]) == str(source[row["order_item_id"]]["price"])


def test_child_without_parent_fetches_the_parent_but_emits_only_the_child(api):
    out = run_tap(config_for(api), streams=["sales_order_items"])
    assert "sales_orders" not in out.records
    assert "sales_orders" not in out.schemas
    assert out.records["sales_order_items"]
    assert any(r.path == "/sales-orders/export" for r in api.requests)
    assert out.final_state["bookmarks"]["sales_orders"]["replication_key_value"]


def test_selecting_neither_fetches_nothing(api):
    run_tap(config_for(api), streams=["products"])
    assert {r.path for r in api.requests} == {"/products/export"}


def test_deselecting_children_leaves_parents_exactly_as_before(api):
    with_children = run_tap(
        config_for(api), streams=["purchase_orders", *PO_CHILDREN, "sales_orders", *SALES_CHILDREN]
    )
    without = run_tap(config_for(api), streams=["purchase_orders", "sales_orders"])
    for parent in ("purchase_orders", "sales_orders"):
        assert with_children.records[parent] == without.records[parent]
        assert with_children.schemas[parent] == without.schemas[parent]


def test_parents_can_drop_their_nested_arrays(api):
    out = run_tap(
        config_for(api, keep_nested_arrays=False), streams=["sales_orders", "sales_order_items"]
    )
    assert all("items" not in r for r in out.records["sales_orders"])
    assert out.records["sales_order_items"]


def test_state_stays_small_without_per_parent_partitions(everything):
    _, out = everything
    state_text = json.dumps(out.final_state)
    assert "partitions" not in state_text
    assert len(state_text) < 2000


def test_a_child_selected_after_the_parent_has_a_bookmark_is_backfilled(api):
    first = run_tap(config_for(api), streams=["sales_orders"])
    # The tap writes the (empty) list: a bookmark without it was written by hand and covers
    # the children selected now (tests/test_first_contact.py).
    assert first.final_state["bookmarks"]["sales_orders"]["child_streams"] == []
    api.clear_requests()
    second = run_tap(
        config_for(api), streams=["sales_orders", "sales_order_items"], state=first.final_state
    )
    first_call = next(r for r in api.requests if r.path == "/sales-orders/export")
    assert first_call.params["since"].startswith("2024-01-01")  # start_date, not the bookmark
    orders = api.expected_sales_orders(ALL_TIME, EPOCH)
    assert len(second.records["sales_order_items"]) == sum(len(o["items"]) for o in orders)
    assert second.final_state["bookmarks"]["sales_orders"]["child_streams"] == ["sales_order_items"]

    third = run_tap(
        config_for(api), streams=["sales_orders", "sales_order_items"], state=second.final_state
    )
    assert len(third.records.get("sales_order_items", [])) <= 5  # incremental again


def test_shipment_key_uses_the_shipment_id_when_present(everything):
    _, out = everything
    rows = out.records["sales_order_shipments"]
    assert rows
    for row in rows:
        expected = str(row["id"]) if row.get("id") is not None else None
        if expected:
            assert row["_shipment_key"] == expected
