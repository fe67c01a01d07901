"""sales_orders against the fake API over real sockets: ids, paging protocol, money, bookmark."""

from __future__ import annotations

import datetime as dt
import decimal

from fake_luminous import BIG_MONEY
from tap_luminous.timestamps import canonical_timestamp
from tests.conftest import EPOCH, config_for
from tests.singer_io import run_tap

D = decimal.Decimal


def _expected_ids(api, since=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), until=EPOCH):
    return [row["order_id"] for row in api.expected_sales_orders(since, until)]


def test_full_export_emits_every_active_order_once_in_server_order(api):
    out = run_tap(config_for(api, sales_orders_page_size=100), streams=["sales_orders"])

    expected = _expected_ids(api)
    assert len(expected) > 2000  # many pages
    assert out.ids("sales_orders", "order_id") == expected
    inactive = [oid for oid, row in api.dataset.sales_orders.items() if row["status"] != "Active"]
    assert inactive, "the fake should hold inactive orders that the export leaves out"
    assert not set(inactive) & set(expected)


def _export_calls(api):
    return [r for r in api.requests if r.path == "/sales-orders/export"]


def test_request_sequence_since_first_then_cursor_and_empty_last_page(api):
    ids = _expected_ids(api)
    for order_id in ids[: len(ids) % 100]:  # make the window an exact multiple of the page size
        api.deactivate_sales_order(order_id)
    active = len(_expected_ids(api))
    assert active % 100 == 0
    api.clear_requests()
    out = run_tap(config_for(api, sales_orders_page_size=100), streams=["sales_orders"])

    calls = _export_calls(api)
    assert calls[0].params == {"since": "2024-01-01T00:00:00.000000+00:00", "limit": "100"}
    for call in calls[1:]:
        assert set(call.params) == {"cursor", "limit"}
        assert call.params["limit"] == "100"
    # A full page cannot prove more rows exist: the run ends on an empty page.
    assert [c.rows for c in calls] == [100] * (active // 100) + [0]
    assert len(out.records["sales_orders"]) == active


def test_a_partial_last_page_ends_the_run_without_an_extra_request(api):
    active = len(_expected_ids(api))
    page_size = 100 if active % 100 else 99
    api.clear_requests()
    run_tap(config_for(api, sales_orders_page_size=page_size), streams=["sales_orders"])
    calls = _export_calls(api)
    assert len(calls) == -(-active // page_size)
    assert 0 < calls[-1].rows < page_size


def test_final_state_is_the_runs_cutoff_not_the_newest_updated_at(api):
    api.clock.set(EPOCH + dt.timedelta(hours=3))  # cutoff later than every updated_at
    out = run_tap(config_for(api), streams=["sales_orders"])

    bookmark = out.final_state["bookmarks"]["sales_orders"]
    assert bookmark == {
        "replication_key": "updated_at",
        "replication_key_value": canonical_timestamp(EPOCH + dt.timedelta(hours=3)),
        "child_streams": [],  # the children that ran with it: none
    }
    newest = max(r["updated_at"] for r in out.records["sales_orders"])
    assert newest < bookmark["replication_key_value"]


def test_second_run_starts_from_the_cutoff_and_gets_only_changes(api):
    first = run_tap(config_for(api), streams=["sales_orders"])
    state = first.final_state

    api.clock.advance(seconds=60)
    some_ids = _expected_ids(api)[:3]
    for order_id in some_ids:
        api.update_sales_order(order_id, order_status="shipped")
    api.clock.advance(seconds=60)
    api.clear_requests()
    second = run_tap(config_for(api), streams=["sales_orders"], state=state)

    assert sorted(second.ids("sales_orders", "order_id")) == sorted(some_ids)
    first_call = _export_calls(api)[0]
    assert first_call.params["since"] == state["bookmarks"]["sales_orders"]["replication_key_value"]
    assert all(r["order_status"] == "shipped" for r in second.records["sales_orders"])


def test_money_arrives_exactly_as_the_api_sent_it(api):
    out = run_tap(config_for(api), streams=["sales_orders"])
    by_id = {r["order_id"]: r for r in out.records["sales_orders"]}

    amounts = {str(r["total_amount"]) for r in by_id.values()}
    assert "12.30" in amounts
    big = [r for r in by_id.values() if r["total_paid"] == BIG_MONEY]
    assert len(BIG_MONEY.as_tuple().digits) == 34
    assert big, "the 34-digit value must survive"
    assert str(big[0]["total_paid"]) == str(BIG_MONEY)
    for order_id, record in by_id.items():
        source = api.to_json_obj(api.dataset.sales_orders[order_id])
        for money in ("total_amount", "total_tax", "total_shipping", "total_paid"):
            assert str(record[money]) == str(source[money]), (order_id, money)
        for item, source_item in zip(record["items"], source["items"], strict=True):
            assert str(item["price"]) == str(source_item["price"])


def test_timestamps_are_utc_iso8601_in_one_form(make_api):
    api = make_api(timestamp_style="mixed")
    out = run_tap(config_for(api), streams=["sales_orders"])
    values = [r["updated_at"] for r in out.records["sales_orders"]]
    assert all(
        v.endswith("+00:00") and len(v) == len("2024-01-01T00:00:00.000000+00:00") for v in values
    )
    assert values == sorted(values)


def test_has_more_without_a_cursor_fails_without_advancing_the_bookmark(tmp_path):
    """A server that breaks the export contract: the run fails and the bookmark stays put."""
    import http.server
    import json as _json
    import threading

    from tests.singer_io import run_cli

    class BrokenExport(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = _json.dumps(
                {
                    "data": [{"order_id": 1, "updated_at": "2026-01-01T00:00:00Z"}],
                    "has_more": True,
                    "next_cursor": None,
                    "meta": {"rows": 1, "cutoff": "2026-06-01T00:00:00Z"},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BrokenExport)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/external/api/v1"
        state = {
            "bookmarks": {
                "sales_orders": {
                    "replication_key": "updated_at",
                    "replication_key_value": "2025-01-01T00:00:00Z",
                }
            }
        }
        config = {"api_token": "x-token", "api_url": base, "max_retries": 0}
        from tests.singer_io import catalog_selecting

        out = run_cli(
            [],
            config=config,
            state=state,
            tmp_path=tmp_path,
            timeout=60,
            catalog=catalog_selecting(config, ["sales_orders"]),
        )
    finally:
        server.shutdown()
        server.server_close()
    assert out.returncode == 1
    assert "has_more=true with a null next_cursor" in out.stderr
    for emitted in out.states:
        bookmark = emitted["bookmarks"]["sales_orders"]
        assert bookmark.get("replication_key_value") in ("2025-01-01T00:00:00Z", None)
