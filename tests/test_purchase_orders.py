"""purchase_orders: page walk, statuses, client-side incremental filter and its bookmark."""

from __future__ import annotations

import datetime as dt

from tap_luminous.timestamps import canonical_timestamp
from tests.conftest import EPOCH, config_for
from tests.singer_io import run_tap


def test_walk_emits_every_purchase_order_of_every_status(api):
    out = run_tap(config_for(api, purchase_orders_page_size=20), streams=["purchase_orders"])

    ids = out.ids("purchase_orders", "id")
    assert sorted(ids) == sorted(api.dataset.purchase_orders)
    assert len(ids) == len(set(ids))
    statuses = {r["order_status"] for r in out.records["purchase_orders"]}
    assert statuses == {"active", "inactive", "deleted"}
    pages = [r for r in api.requests if r.path == "/purchase-orders"]
    assert all(r.params["per_page"] == "20" for r in pages)


def test_bookmark_is_server_time_when_the_walk_began(api):
    api.clock.set(EPOCH + dt.timedelta(minutes=5))
    out = run_tap(config_for(api), streams=["purchase_orders"])
    bookmark = out.final_state["bookmarks"]["purchase_orders"]
    assert bookmark["replication_key_value"] == canonical_timestamp(EPOCH + dt.timedelta(minutes=5))


def test_incremental_run_emits_only_purchase_orders_updated_since_the_bookmark(api):
    first = run_tap(config_for(api), streams=["purchase_orders"])
    api.clock.advance(seconds=30)
    changed = sorted(api.dataset.purchase_orders)[5:8]
    for po_id in changed:
        api.update_purchase_order(po_id, public_note="changed")
    api.clock.advance(seconds=30)

    second = run_tap(config_for(api), streams=["purchase_orders"], state=first.final_state)
    assert sorted(second.ids("purchase_orders", "id")) == changed
    assert (
        second.final_state["bookmarks"]["purchase_orders"]["replication_key_value"]
        > (first.final_state["bookmarks"]["purchase_orders"]["replication_key_value"])
    )


def test_full_scan_setting_emits_everything_even_with_a_bookmark(api):
    first = run_tap(config_for(api), streams=["purchase_orders"])
    again = run_tap(
        config_for(api, purchase_orders_full_scan=True),
        streams=["purchase_orders"],
        state=first.final_state,
    )
    assert sorted(again.ids("purchase_orders", "id")) == sorted(api.dataset.purchase_orders)


def test_rows_with_unreadable_updated_at_are_emitted_not_dropped(api):
    first = run_tap(config_for(api), streams=["purchase_orders"])
    victim = sorted(api.dataset.purchase_orders)[0]
    api.update_purchase_order(victim, updated_at=None)
    second = run_tap(config_for(api), streams=["purchase_orders"], state=first.final_state)
    assert victim in second.ids("purchase_orders", "id")


def test_concurrent_page_fetches_emit_the_same_records_in_page_order(api):
    plain = run_tap(
        config_for(api, purchase_orders_concurrency=1, purchase_orders_page_size=10),
        streams=["purchase_orders"],
    )
    api.clear_requests()
    parallel = run_tap(
        config_for(api, purchase_orders_concurrency=6, purchase_orders_page_size=10),
        streams=["purchase_orders"],
    )
    assert parallel.records["purchase_orders"] == plain.records["purchase_orders"]
    assert parallel.final_state == plain.final_state
    pages = [
        int(r.params["page"]) for r in api.requests if r.params.get("order_status") == "active"
    ]
    assert sorted(set(pages)) == list(range(1, max(pages) + 1))


def test_a_listing_that_grows_during_the_walk_is_followed_to_its_end(api):
    grown: list[bool] = []

    def grow(request):
        if request.path == "/purchase-orders" and request.params.get("page") == "2" and not grown:
            grown.append(True)
            for _ in range(25):
                api.insert_purchase_order(order_status="active")

    api.on_request = grow
    out = run_tap(config_for(api, purchase_orders_page_size=20), streams=["purchase_orders"])
    api.on_request = None
    assert sorted(out.ids("purchase_orders", "id")) == sorted(api.dataset.purchase_orders)
