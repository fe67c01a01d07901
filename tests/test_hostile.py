"""A hostile server never makes the tap hang, loop, blow up, write an impossible bookmark or
lose rows. Each case runs the real CLI against `fake_luminous.hostile` over loopback, bounded in
seconds, and checks the exit code, the one error line and how many requests were sent."""

from __future__ import annotations

import base64
import re
import time
import typing as t

import pytest

from fake_luminous.hostile import HostileAPI
from tests.singer_io import SingerOutput, run_cli
from tests.strict_schema import schema_errors

TOKEN = "hostile-token-1234"


def run(
    api: HostileAPI,
    streams: t.Sequence[str],
    tmp_path: t.Any,
    timeout: float = 60,
    **settings: t.Any,
) -> SingerOutput:
    from tests.singer_io import catalog_selecting

    config = {
        "api_token": TOKEN,
        "api_url": api.base_url,
        "start_date": "2026-01-01T00:00:00Z",
        "request_timeout": 5,
        "max_retries": 1,
        "backoff_max_seconds": 0.05,
        "retry_after_max_seconds": 1,
        "purchase_orders_verify_walk": False,
        **settings,
    }
    catalog = catalog_selecting(config, streams)
    return run_cli(
        [],
        tmp_path=tmp_path,
        config=config,
        catalog=catalog,
        timeout=timeout,
    )


def error_line(out: SingerOutput) -> str:
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def assert_stopped(out: SingerOutput, *fragments: str) -> None:
    assert out.returncode != 0, out.stderr[-2000:]
    line = error_line(out)
    for fragment in fragments:
        assert fragment in line, line
    assert not any("replication_key_value" in str(s) for s in out.states), "bookmark advanced"


def assert_valid(out: SingerOutput) -> None:
    assert out.returncode == 0, out.stderr[-3000:]
    for stream, records in out.records.items():
        for record in records:
            assert schema_errors(out.schemas[stream]["schema"], record) == [], (stream, record)


@pytest.mark.parametrize("mode", ["drip_body", "drip_headers"])
def test_a_response_sent_byte_by_byte_hits_the_request_deadline(mode, tmp_path):
    with HostileAPI(mode, drip_interval=0.2) as api:
        started = time.monotonic()
        out = run(api, ["sales_orders"], tmp_path, request_timeout=1, request_deadline=2)
        elapsed = time.monotonic() - started
    assert_stopped(out, "no complete response within request_deadline=2s")
    assert len(api.requests) == 2  # the first try and one retry
    assert elapsed < 20


def test_a_gzip_bomb_stops_at_the_size_cap(tmp_path):
    with HostileAPI("gzip_bomb", bomb_mb=64) as api:
        out = run(api, ["sales_orders"], tmp_path, max_response_mb=8)
    assert_stopped(out, "larger than max_response_mb=8 MiB")
    assert len(api.requests) == 1  # not retried: the same body would come again
    assert len(out.stdout) < 10_000


@pytest.mark.parametrize(
    ("mode", "streams", "fragment", "most_requests"),
    [
        ("same_cursor", ["sales_orders"], "next_cursor this run already followed", 4),
        ("empty_pages", ["sales_orders"], "4 empty pages in a row", 8),
        ("growing_last_page", ["purchase_orders"], "meta.last_page", 40),
        ("huge_last_page", ["purchase_orders"], "does not fit meta.total=1", 10),
        ("cache_ignores_query", ["purchase_orders"], "ignored the order_status filter", 3),
        ("ignores_page", ["purchase_orders"], "every row repeats a row of an earlier page", 8),
        ("keyless_rows", ["purchase_orders"], "row 1: `id` is missing", 2),
        ("repeated_page", ["sales_orders"], "repeats rows this run already emitted", 4),
        ("ignores_since", ["sales_orders"], "the server ignored the filter", 2),
        # the other page-number lists share the purchase-order walk and its bounds (issue 15)
        ("growing_last_page", ["invoices"], "meta.last_page", 40),
        ("huge_last_page", ["inventory_stocks"], "does not fit meta.total=1", 10),
        ("ignores_page", ["contacts"], "every row repeats a row of an earlier page", 8),
        ("keyless_rows", ["suppliers"], "row 1: `id` is missing", 2),
    ],
)
def test_runaway_or_dishonest_listings_stop_with_one_line(
    mode, streams, fragment, most_requests, tmp_path
):
    with HostileAPI(mode) as api:
        out = run(api, streams, tmp_path)
    assert_stopped(out, fragment, "stop")
    assert len(api.requests) <= most_requests, len(api.requests)


def test_a_long_export_still_completes(tmp_path):
    with HostileAPI("long_export", pages=300, page_size=3) as api:
        out = run(api, ["sales_orders"], tmp_path, timeout=120)
    assert_valid(out)
    assert len(out.records["sales_orders"]) == 900
    assert len(api.requests) == 300


def test_a_cutoff_in_the_year_2999_is_never_stored(tmp_path):
    with HostileAPI("future_cutoff") as api:
        out = run(api, ["sales_orders", "purchase_orders"], tmp_path)
    assert_valid(out)
    bookmarks = out.final_state["bookmarks"]
    for stream in ("sales_orders", "purchase_orders"):
        assert not bookmarks[stream]["replication_key_value"].startswith("2999"), bookmarks
    assert "ahead of this machine's clock" in out.stderr


def test_the_cutoff_is_taken_from_the_first_page_only(tmp_path):
    with HostileAPI("cutoff_first_page_only") as api:
        out = run(api, ["sales_orders"], tmp_path)
    assert_valid(out)
    assert [r["order_id"] for r in out.records["sales_orders"]] == [1, 2]
    assert out.final_state["bookmarks"]["sales_orders"]["replication_key_value"].startswith(
        "2026-06-01T12:00:00"
    )


@pytest.mark.parametrize(
    ("mode", "stored", "original"),
    [
        ("invalid_utf8", "SO-\ufffd\ufffd-1", b"SO-\xff\xfe-1"),
        ("lone_surrogate", "SO-\ufffd-1", None),
        ("nul_text", "SO-\ufffd-1", b"SO-\x00-1"),
    ],
)
def test_text_a_target_cannot_store_is_repaired_and_kept(mode, stored, original, tmp_path):
    with HostileAPI(mode) as api:
        out = run(api, ["sales_orders"], tmp_path)
    assert_valid(out)
    [record] = out.records["sales_orders"]
    assert record["order_number"] == stored
    kept = record["_invalid_values"]["order_number"]["bytes_base64"]
    if original is not None:
        assert base64.b64decode(kept) == original
    assert "\\u0000" not in out.stdout
    out.stdout.encode("utf-8")  # strict: every line is valid UTF-8


def test_a_byte_order_mark_is_skipped(tmp_path):
    with HostileAPI("bom") as api:
        out = run(api, ["sales_orders", "purchase_orders"], tmp_path)
    assert_valid(out)
    assert len(out.records["sales_orders"]) == 1
    assert len(out.records["purchase_orders"]) == 3


def test_a_rate_limit_reset_far_ahead_waits_only_retry_after_max_seconds(tmp_path):
    with HostileAPI("rate_limit_reset", reset_seconds=3600) as api:
        started = time.monotonic()
        out = run(api, ["sales_orders", "products"], tmp_path, retry_after_max_seconds=1)
        elapsed = time.monotonic() - started
    assert_valid(out)
    assert elapsed < 15
    waits = [
        float(w) for w in re.findall(r"Waiting (\d+\.\d)s before the next request", out.stderr)
    ]
    assert waits, "the pause was not logged"
    assert all(0.5 <= w <= 1.0 for w in waits), waits


def test_nesting_deeper_than_the_decoder_allows_names_the_endpoint(tmp_path):
    with HostileAPI("deep_nesting") as api:
        out = run(api, ["sales_orders"], tmp_path)
    assert_stopped(out, "GET /sales-orders/export", "nested deeper than the JSON decoder allows")
    assert "Traceback" not in out.stderr
