"""A hostile server never makes the tap hang, loop, blow up, write an impossible bookmark or
lose rows. Each case runs the real CLI against `fake_luminous.hostile` over loopback, bounded in
seconds, and checks the exit code, the one error line and how many requests were sent."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
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
        "page_walk_verify": False,
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


def run_measured(
    api: HostileAPI, streams: t.Sequence[str], tmp_path: t.Any, **settings: t.Any
) -> tuple[int, str, float]:
    """Run the CLI as `run` does, under benchmarks/measure_child.py: (exit code, stderr, the
    tap process's own peak RSS in MiB; a child forked from pytest would report pytest's)."""
    from tests.singer_io import REPO, catalog_selecting

    config = {
        "api_token": TOKEN,
        "api_url": api.base_url,
        "start_date": "2026-01-01T00:00:00Z",
        "max_retries": 0,
        **settings,
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog_selecting(config, streams)))
    tap = [sys.executable, "-c", "from tap_luminous.cli import main; main()"]
    files = ["--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    launcher = [sys.executable, "-I", "-S", str(REPO / "benchmarks" / "measure_child.py")]
    proc = subprocess.run(
        [*launcher, "--timeout", "120", "--stdout", os.devnull, "--", *tap, *files],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        check=False,
    )
    measured = json.loads(proc.stdout.splitlines()[-1])
    assert not measured["timed_out"], proc.stderr[-2000:]
    return measured["returncode"], proc.stderr, measured["maxrss_kib"] / 1024


#: The stated bound on a whole run's peak memory (docs/operations.md, "Memory"): the tap's own
#: ~100 MiB plus, per MiB of `max_response_mb`, `concurrency` bodies in flight and the page being
#: emitted, whose decoded rows weigh up to ~26 times their JSON.
def memory_bound_mib(max_response_mb: int, concurrency: int) -> float:
    return 100 + (concurrency + 26) * max_response_mb


def test_a_gzip_bomb_stops_at_the_size_cap(tmp_path):
    with HostileAPI("gzip_bomb", bomb_mb=64) as api:
        out = run(api, ["sales_orders"], tmp_path, max_response_mb=8)
    assert_stopped(out, "larger than max_response_mb=8 MiB")
    assert len(api.requests) == 1  # not retried: the same body would come again
    assert len(out.stdout) < 10_000


def test_a_gzip_bomb_at_the_default_cap_holds_the_body_once(tmp_path):
    with HostileAPI("bom") as api:  # a well-behaved answer (after its BOM): the baseline
        code, _, small = run_measured(api, ["sales_orders"], tmp_path)
    assert code == 0
    with HostileAPI("gzip_bomb", bomb_mb=160) as api:
        code, stderr, peak = run_measured(api, ["sales_orders"], tmp_path)
    assert code != 0
    line = [line for line in stderr.splitlines() if line.strip()][-1]
    assert "larger than max_response_mb=64 MiB" in line, line
    assert "raise max_response_mb or lower sales_orders_page_size" in line, line
    # The body is held once while it is read (it was held twice: 256 MiB cost 500 more).
    assert peak < small + 64 + 40, (small, peak)


def test_a_page_walk_of_pages_at_the_cap_stays_within_the_stated_memory_bound(tmp_path):
    # Purchase orders at their default concurrency (6), every page just under a 4 MiB cap,
    # every value needing normalisation: the bound scales with the cap (tested small, to stay
    # fast; benchmarks/README.md has the figures at the default cap).
    with HostileAPI("large_pages", pages=7, page_mb=3.5) as api:
        code, stderr, peak = run_measured(
            api, ["purchase_orders"], tmp_path, max_response_mb=4, page_walk_verify=False
        )
    assert code == 0, stderr[-2000:]
    assert len(api.requests) == 21
    assert peak <= memory_bound_mib(4, concurrency=6), peak


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


#: Every endpoint family a bad string can reach, each with a child stream from a nested array:
#: (streams, the parent's text field, the child stream, the child's text field).
FAMILIES = [
    (["sales_orders", "sales_order_items"], "order_number", "sku"),
    (["purchase_orders", "purchase_order_items"], "public_note", "source_sku"),
    (["invoices", "invoice_items"], "public_note", "sku"),
]
#: What the record holds for each bad text, and the original the side column keeps.
BAD_TEXT = {
    "invalid_utf8": ("T-\ufffd\ufffd-1", "T-\udcff\udcfe-1".encode("utf-8", "surrogateescape")),
    "lone_surrogate": ("T-\ufffd-1", "T-\ud800-1".encode("utf-8", "surrogatepass")),
    "nul_text": ("T-\ufffd-1", b"T-\x00-1"),
}


@pytest.mark.parametrize("mode", list(BAD_TEXT))
@pytest.mark.parametrize(
    ("streams", "field", "child_field"), FAMILIES, ids=[f[0][0] for f in FAMILIES]
)
def test_text_a_target_cannot_store_is_repaired_and_kept(
    mode, streams, field, child_field, tmp_path
):
    stored, original = BAD_TEXT[mode]
    with HostileAPI(mode) as api:
        out = run(api, streams, tmp_path, page_walk_verify=True)
    assert_valid(out)
    parent, child = streams
    assert out.records[parent], out.stderr[-2000:]
    for record in out.records[parent]:
        assert record[field] == stored
        kept = record["_invalid_values"][field]["bytes_base64"]
        assert base64.b64decode(kept) == original
    for row in out.records[child]:
        assert row[child_field] == stored
        assert base64.b64decode(row["_invalid_values"][child_field]["bytes_base64"]) == original
    assert len(out.records[child]) == len(out.records[parent])
    assert "\\u0000" not in out.stdout
    out.stdout.encode("utf-8")  # strict: every line is valid UTF-8


def test_php_arrays_with_gaps_are_lists_in_the_parent_and_the_children(tmp_path):
    streams = [
        "sales_orders",
        "sales_order_items",
        "sales_order_shipments",
        "purchase_orders",
        "purchase_order_items",
        "purchase_order_payments",
        "invoices",
        "invoice_items",
    ]
    with HostileAPI("php_gaps") as api:
        out = run(api, streams, tmp_path)
    assert_valid(out)
    [order] = out.records["sales_orders"]
    assert [i["order_item_id"] for i in order["items"]] == [11, 13]
    assert order["fulfillment_orders"] == []
    assert "_invalid_values" not in order
    assert out.ids("sales_order_items", "order_item_id") == [11, 13]
    # Position-made keys use the position in the list ("2" before "10").
    shipments = out.records["sales_order_shipments"]
    assert [(s["_shipment_key"], s["tracking_number"]) for s in shipments] == [
        ("1-0", "A"),
        ("1-1", "B"),
    ]
    for parent, child in [
        ("purchase_orders", "purchase_order_items"),
        ("invoices", "invoice_items"),
    ]:
        for record in out.records[parent]:
            base = record["id"] * 100
            assert [i["id"] for i in record["items"]] == [base + 1, base + 2, base + 10]
            assert "_invalid_values" not in record
        assert len(out.records[child]) == 3 * len(out.records[parent])
    assert len(out.records["purchase_order_payments"]) == len(out.records["purchase_orders"]) == 3


def test_a_row_served_twice_in_one_export_is_skipped_and_the_run_goes_on(tmp_path):
    with HostileAPI("repeated_row") as api:
        out = run(api, ["sales_orders", "sales_order_items"], tmp_path)
    assert_valid(out)
    assert out.ids("sales_orders", "order_id") == list(range(1, 251))
    assert out.ids("sales_order_items", "order_item_id") == []  # no items, no duplicate children
    assert out.stderr.count("served a row this run already emitted") == 1
    assert "skipped 1 repeated row(s)" in out.stderr
    assert out.final_state["bookmarks"]["sales_orders"]["replication_key_value"].startswith(
        "2026-06-01T12:00:00"
    )


@pytest.mark.parametrize("streams", [["purchase_orders"], ["invoices"]])
def test_a_row_served_twice_in_one_page_walk_is_emitted_once(streams, tmp_path):
    with HostileAPI("repeated_row") as api:
        out = run(api, [*streams, f"{streams[0][:-1]}_items"], tmp_path)
    assert_valid(out)
    ids = out.ids(streams[0], "id")
    assert len(ids) == len(set(ids)) == (12 if streams == ["purchase_orders"] else 4)
    assert len(out.records[f"{streams[0][:-1]}_items"]) == len(ids)


def test_a_row_out_of_the_documented_order_still_stops_the_export(tmp_path):
    with HostileAPI("out_of_order") as api:
        out = run(api, ["sales_orders"], tmp_path)
    assert_stopped(out, "order_id=99", "against the documented ascending (updated_at, id) order")


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
