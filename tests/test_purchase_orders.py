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
        config_for(api, page_walk_concurrency=1, purchase_orders_page_size=10),
        streams=["purchase_orders"],
    )
    api.clear_requests()
    parallel = run_tap(
        config_for(api, page_walk_concurrency=6, purchase_orders_page_size=10),
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


def test_gzip_encoded_pages_are_read_whole_even_when_tiny():
    """A proxy may gzip responses; a compressed body can be larger than the JSON it holds."""
    import gzip
    import http.server
    import json as _json
    import threading

    from tests.singer_io import run_tap

    class GzipListing(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            page = {
                "data": [{"id": 1, "updated_at": "2026-01-01T00:00:00Z"}]
                if "page=1" in self.path and "order_status=active" in self.path
                else [],
                "meta": {
                    "current_page": 1,
                    "last_page": 1,
                    "total": 1,
                    "per_page": 100,
                    "from": 1,
                    "to": 1,
                },
            }
            body = gzip.compress(_json.dumps(page).encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def date_time_string(self, timestamp=None):
            return "Mon, 01 Jun 2026 12:00:00 GMT"  # the server's clock, for the bookmark

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GzipListing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = {
            "api_token": "x-token",
            "max_retries": 0,
            "page_walk_verify": False,
            "api_url": f"http://127.0.0.1:{server.server_port}/external/api/v1",
        }
        out = run_tap(config, streams=["purchase_orders"])
    finally:
        server.shutdown()
        server.server_close()
    assert out.ids("purchase_orders", "id") == [1]
    assert out.final_state["bookmarks"]["purchase_orders"]["replication_key_value"] == (
        "2026-06-01T12:00:00.000000+00:00"
    )
