"""State: exact bookmarks, resume inside an interrupted export, cursor fallback, page drift."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys

import pytest

from tap_luminous.errors import ApiError
from tap_luminous.timestamps import canonical_timestamp
from tests.conftest import EPOCH, config_for
from tests.singer_io import REPO, SingerOutput, catalog_selecting, run_tap

ALL_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def _active_ids(api, until):
    return {row["order_id"] for row in api.expected_sales_orders(ALL_TIME, until)}


def _export_calls(api):
    return [r for r in api.requests if r.path == "/sales-orders/export"]


def _bookmark(out, stream="sales_orders"):
    return out.final_state["bookmarks"][stream]["replication_key_value"]


def test_changes_between_runs_and_ties_at_the_cutoff_reach_the_next_run(api):
    first = run_tap(config_for(api), streams=["sales_orders"])
    cutoff = dt.datetime.fromisoformat(_bookmark(first))
    ids = sorted(_active_ids(api, cutoff))
    # One order lands exactly on the cutoff (a tie), two after it.
    api.update_sales_order(ids[10], updated_at=cutoff, order_status="on_hold")
    api.clock.advance(seconds=5)
    api.update_sales_order(ids[20], order_status="shipped")
    api.update_sales_order(ids[30], order_status="shipped")
    api.clock.advance(seconds=5)

    second = run_tap(config_for(api), streams=["sales_orders"], state=first.final_state)
    assert sorted(second.ids("sales_orders", "order_id")) == [ids[10], ids[20], ids[30]]


def test_an_immediate_rerun_emits_nothing_new(api):
    first = run_tap(config_for(api), streams=["sales_orders"])
    second = run_tap(config_for(api), streams=["sales_orders"], state=first.final_state)
    cutoff = dt.datetime.fromisoformat(_bookmark(first))
    at_cutoff = [r for r in api.expected_sales_orders(cutoff, cutoff)]
    assert len(second.records.get("sales_orders", [])) == len(at_cutoff) <= 1
    assert _bookmark(second) == _bookmark(first)  # the fake clock did not move


def test_changes_during_an_export_appear_in_the_next_run(api):
    ids = sorted(_active_ids(api, EPOCH), key=lambda i: api.dataset.sales_orders[i]["updated_at"])
    early, late = ids[5], ids[-5]  # served on the first page / on the last pages

    def edit_mid_run(request):
        if request.path == "/sales-orders/export" and len(_export_calls(api)) == 3:
            api.clock.advance(seconds=10)
            api.update_sales_order(early, order_status="cancelled")
            api.update_sales_order(late, order_status="cancelled")

    api.on_request = edit_mid_run
    first = run_tap(config_for(api, sales_orders_page_size=200), streams=["sales_orders"])
    api.on_request = None
    first_ids = first.ids("sales_orders", "order_id")
    assert early in first_ids  # served before the edit
    assert late not in first_ids  # edited past the run's cutoff before it was served

    api.clock.advance(seconds=10)
    second = run_tap(config_for(api), streams=["sales_orders"], state=first.final_state)
    second_by_id = {r["order_id"]: r for r in second.records["sales_orders"]}
    assert {early, late} <= set(second_by_id)
    assert second_by_id[late]["order_status"] == "cancelled"
    assert set(first_ids) | set(second_by_id) == _active_ids(api, api.clock.now())


def test_state_from_an_older_version_with_only_a_bookmark_still_works(api):
    state = {
        "bookmarks": {
            "sales_orders": {
                "replication_key": "updated_at",
                "replication_key_value": "2025-06-01T00:00:00Z",
            }
        }
    }
    out = run_tap(config_for(api), streams=["sales_orders"], state=state)
    assert _export_calls(api)[0].params["since"] == "2025-06-01T00:00:00.000000+00:00"
    expected = {
        r["order_id"]
        for r in api.expected_sales_orders(dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc), EPOCH)
    }
    assert set(out.ids("sales_orders", "order_id")) == expected


def test_lookback_window_rereads_a_margin_before_the_bookmark(api):
    state = {
        "bookmarks": {
            "sales_orders": {
                "replication_key": "updated_at",
                "replication_key_value": "2025-06-01T00:00:00Z",
            }
        }
    }
    run_tap(config_for(api, lookback_window=3600), streams=["sales_orders"], state=state)
    assert _export_calls(api)[0].params["since"] == "2025-05-31T23:00:00.000000+00:00"


def test_state_carries_the_run_position_after_every_page(api):
    out = run_tap(config_for(api, sales_orders_page_size=500), streams=["sales_orders"])
    positions = [s["bookmarks"]["sales_orders"].get("export") for s in out.states]
    in_run = [p for p in positions if p]
    pages = len(_export_calls(api))
    assert len(in_run) >= pages - 1
    cutoff = _bookmark(out)
    assert all(p["cutoff"] == cutoff and p["since"] for p in in_run)
    assert "export" not in out.final_state["bookmarks"]["sales_orders"]


def test_a_rejected_saved_cursor_restarts_once_from_the_saved_since(api, caplog):
    since = "2025-03-01T00:00:00.000000+00:00"
    state = {
        "bookmarks": {
            "sales_orders": {
                "replication_key": "updated_at",
                "replication_key_value": "2025-02-01T00:00:00.000000+00:00",
                "export": {
                    "since": since,
                    "cutoff": canonical_timestamp(EPOCH),
                    "cursor": "tampered.x",
                },
            }
        }
    }
    with caplog.at_level(logging.WARNING):
        out = run_tap(config_for(api), streams=["sales_orders"], state=state)
    calls = _export_calls(api)
    assert calls[0].params.get("cursor") == "tampered.x"
    assert calls[0].status == 422
    assert calls[1].params["since"] == since  # not start_date, not the older bookmark
    expected = {
        r["order_id"] for r in api.expected_sales_orders(dt.datetime.fromisoformat(since), EPOCH)
    }
    assert set(out.ids("sales_orders", "order_id")) == expected
    assert len([r for r in caplog.records if "rejected the export cursor" in r.getMessage()]) == 1


def test_a_cursor_that_expires_during_the_run_restarts_from_since(make_api):
    api = make_api(cursor_ttl=30)

    def slow_clock(request):
        if request.path == "/sales-orders/export" and len(_export_calls(api)) == 4:
            api.clock.advance(seconds=120)  # e.g. after long 429 waits

    api.on_request = slow_clock
    out = run_tap(config_for(api, sales_orders_page_size=300), streams=["sales_orders"])
    calls = _export_calls(api)
    rejected = [c for c in calls if c.status == 422]
    assert len(rejected) == 1
    restart = calls[calls.index(rejected[0]) + 1]
    assert restart.params["since"] == calls[0].params["since"]
    assert set(out.ids("sales_orders", "order_id")) == _active_ids(api, api.clock.now())


def test_a_second_cursor_rejection_fails_without_advancing_the_bookmark(make_api):
    api = make_api(cursor_ttl=30)

    def always_late(request):
        if "cursor" in request.params:
            api.clock.advance(seconds=120)

    api.on_request = always_late
    with pytest.raises(ApiError, match="cursor"):
        run_tap(config_for(api, sales_orders_page_size=300), streams=["sales_orders"])


def test_sigterm_mid_export_then_resume_loses_nothing_and_rereads_less(api, tmp_path):
    config = config_for(api, sales_orders_page_size=100)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog_selecting(config, ["sales_orders"])))
    proc_box: dict[str, subprocess.Popen] = {}

    def stop_after_pages(request):
        if request.path == "/sales-orders/export" and len(_export_calls(api)) == 8:
            proc_box["proc"].send_signal(signal.SIGTERM)

    api.on_request = stop_after_pages
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tap_luminous.cli import main; main()",
            "--config",
            str(tmp_path / "config.json"),
            "--catalog",
            str(tmp_path / "catalog.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ},
    )
    proc_box["proc"] = proc
    stdout, stderr = proc.communicate(timeout=90)
    api.on_request = None
    first = SingerOutput.parse(stdout, stderr, proc.returncode)

    assert first.returncode == 128 + signal.SIGTERM, stderr[-1500:]
    assert "Stopped by SIGTERM" in stderr
    resume_point = first.final_state["bookmarks"]["sales_orders"]["export"]
    assert resume_point["cursor"]
    first_ids = first.ids("sales_orders", "order_id")
    assert 0 < len(first_ids) < len(_active_ids(api, EPOCH))

    api.clear_requests()
    second = run_tap(config, streams=["sales_orders"], state=first.final_state)
    resumed_calls = _export_calls(api)
    assert resumed_calls[0].params == {"cursor": resume_point["cursor"], "limit": "100"}
    served_by_resume = sum(c.rows for c in resumed_calls)
    assert served_by_resume < len(_active_ids(api, EPOCH))  # fewer than a full restart
    assert set(first_ids) | set(second.ids("sales_orders", "order_id")) == _active_ids(api, EPOCH)
    assert _bookmark(second) == resume_point["cutoff"]
    assert "export" not in second.final_state["bookmarks"]["sales_orders"]


def test_purchase_orders_shifted_by_a_delete_and_insert_during_the_walk_are_not_skipped(
    api, caplog
):
    active = sorted(
        i for i, r in api.dataset.purchase_orders.items() if r["order_status"] == "active"
    )
    calls: list[object] = []

    def churn(request):
        if request.path == "/purchase-orders" and request.params.get("order_status") == "active":
            calls.append(request)
            if len(calls) == 2:  # page 1 read; shift every later row left by one
                api.delete_purchase_order(active[0])
                api.insert_purchase_order(order_status="active")

    api.on_request = churn
    with caplog.at_level(logging.WARNING):
        out = run_tap(config_for(api, purchase_orders_page_size=20), streams=["purchase_orders"])
    api.on_request = None
    assert sorted(out.ids("purchase_orders", "id")) == sorted(api.dataset.purchase_orders)
    assert any("moved between pages" in r.getMessage() for r in caplog.records)


def test_purchase_orders_that_never_hold_still_fail_without_a_bookmark(api):
    # Whenever the last page of the active listing is asked for, a purchase order last changed
    # long before the walk began appears there (a row restored, or one the listing hid): every
    # walk finds a row the walks before it missed, so the listing never settles.
    def churn(request):
        if request.path != "/purchase-orders" or request.params.get("order_status") != "active":
            return
        last_page = -(-len(api.expected_purchase_orders("active")) // 20)
        if request.params.get("page") == str(last_page):
            old = EPOCH - dt.timedelta(days=9)
            api.insert_purchase_order(order_status="active", updated_at=old)

    api.on_request = churn
    with pytest.raises(ApiError, match="kept moving"):
        run_tap(
            config_for(api, purchase_orders_page_size=20, page_walk_max_rewalks=2),
            streams=["purchase_orders"],
        )
