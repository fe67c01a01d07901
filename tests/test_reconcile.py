"""Reconciliations: table versions and ACTIVATE_VERSION retire rows Luminous no longer serves.

Over real sockets against the fake API: rows are deactivated between runs, a reconciliation
re-reads the window, and the Singer messages are checked (one version per stream and its
children, ACTIVATE_VERSION after the last record, deactivated ids absent, everything else
present); interrupted reconciliations resume with their version and never activate early.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import typing as t

import pytest

from fake_luminous import Faults
from tap_luminous import versions
from tap_luminous.errors import ApiError, SettingError
from tap_luminous.output import BufferedSingerWriter
from tap_luminous.settings import complete_settings
from tap_luminous.state import StateError
from tap_luminous.tap import TapLuminous
from tap_luminous.timestamps import canonical_timestamp, format_timestamp
from tests.conftest import EPOCH, config_for
from tests.singer_io import REPO, SingerOutput, catalog_selecting, run_cli, run_tap

if t.TYPE_CHECKING:
    from fake_luminous import FakeLuminousAPI

UTC = dt.timezone.utc
ALL_TIME = dt.datetime(2000, 1, 1, tzinfo=UTC)
START = "2024-01-01T00:00:00.000000+00:00"  # config_for's start_date, canonical
SALES = "/sales-orders/export"
POS = "/purchase-orders"
SALES_CHILDREN = {
    "sales_order_items": ("items", "order_item_id"),
    "sales_order_fulfillment_orders": ("fulfillment_orders", "fulfillment_order_id"),
}
PO_CHILDREN = ["purchase_order_items", "purchase_order_payments"]
#: Each parent stream with its child streams: the streams one version covers.
FAMILIES = {
    "sales_orders": ["sales_orders", *SALES_CHILDREN, "sales_order_shipments"],
    "products": ["products"],
    "purchase_orders": ["purchase_orders", *PO_CHILDREN],
}


@pytest.fixture
def small(make_api: t.Callable[..., FakeLuminousAPI]) -> FakeLuminousAPI:
    return make_api(sales_orders=300, purchase_orders=30, products=60)


def _calls(api: FakeLuminousAPI, path: str = SALES) -> list[t.Any]:
    return [r for r in api.requests if r.path == path]


def _activations(out: SingerOutput) -> list[tuple[int, dict[str, t.Any]]]:
    return [(i, m) for i, m in enumerate(out.messages) if m["type"] == "ACTIVATE_VERSION"]


def _versions(out: SingerOutput, stream: str) -> set[t.Any]:
    return {
        m.get("version") for m in out.messages if m["type"] == "RECORD" and m["stream"] == stream
    }


def assert_unversioned(out: SingerOutput) -> None:
    assert not _activations(out)
    assert all("version" not in m for m in out.messages if m["type"] == "RECORD")


def assert_one_version(out: SingerOutput, family: list[str], parent: str | None = None) -> int:
    """Every RECORD of the family carries one version; one ACTIVATE_VERSION each, after them.

    `parent`: the stream whose state holds the version (default: the family's first)."""
    (version,) = {v for stream in family for v in _versions(out, stream)} or {None}
    assert isinstance(version, int), version
    assert version > 0
    last_record = max(
        i for i, m in enumerate(out.messages) if m["type"] == "RECORD" and m["stream"] in family
    )
    activated = [(i, m) for i, m in _activations(out) if m["stream"] in family]
    assert sorted(m["stream"] for _, m in activated) == sorted(family)
    assert all(m["version"] == version for _, m in activated)
    assert min(i for i, _ in activated) > last_record
    # The STATE that closes the run (no `export`, the new reconciled_at) comes after them.
    closing = next(
        i
        for i, m in enumerate(out.messages)
        if m["type"] == "STATE"
        and m["value"]["bookmarks"].get(parent or family[0], {}).get("table_version") == version
    )
    assert closing > max(i for i, _ in activated)
    return version


def run_tap_until_it_fails(
    config: dict[str, t.Any], streams: list[str]
) -> tuple[SingerOutput, BaseException | None]:
    """Sync in-process; the output written before the run failed, and the error."""
    buffer = io.StringIO()
    error: BaseException | None = None
    with contextlib.redirect_stdout(buffer):
        try:
            TapLuminous(config=config, catalog=catalog_selecting(config, streams)).sync_all()
        except Exception as exc:
            error = exc
        finally:
            BufferedSingerWriter.flush_all()
    return SingerOutput.parse(buffer.getvalue()), error


def _active_order_ids(api: FakeLuminousAPI) -> set[int]:
    return {r["order_id"] for r in api.expected_sales_orders(ALL_TIME, api.clock.now())}


def _child_ids(rows: t.Iterable[dict[str, t.Any]], array: str, key: str) -> set[t.Any]:
    return {element[key] for row in rows for element in row.get(array) or ()}


# --------------------------------------------------------------------------------------------
# The main case: deactivate between runs, reconcile, check the messages


def test_a_reconciliation_rereads_everything_and_activates_after_the_last_record(small):
    api = small
    first = run_tap(config_for(api, sales_orders_page_size=80))
    assert_unversioned(first)
    orders = sorted(_active_order_ids(api))
    gone_orders = [orders[3], orders[100], orders[-2]]  # first, middle and last pages
    products = sorted(r["id"] for r in api.expected_products(ALL_TIME, EPOCH))
    gone_products = [products[0], products[-1]]
    api.clock.advance(hours=2)
    for order_id in gone_orders:
        api.deactivate_sales_order(order_id)
    for product_id in gone_products:
        api.deactivate_product(product_id)
    api.clock.advance(seconds=30)

    # An ordinary run in between: only the changes, no version, no ACTIVATE_VERSION.
    ordinary = run_tap(config_for(api, sales_orders_page_size=80), state=first.final_state)
    assert_unversioned(ordinary)
    assert not ordinary.records.get("sales_orders")  # deactivations are not served

    api.clear_requests()
    state = ordinary.final_state
    out = run_tap(config_for(api, sales_orders_page_size=80, reconcile_now=True), state=state)
    assert _calls(api)[0].params["since"] == START  # the whole window, not the bookmark
    versions_seen = {name: assert_one_version(out, family) for name, family in FAMILIES.items()}
    assert len(set(versions_seen.values())) == 3  # one per parent stream

    live = api.expected_sales_orders(ALL_TIME, api.clock.now())
    assert sorted(out.ids("sales_orders", "order_id")) == sorted(r["order_id"] for r in live)
    assert not set(gone_orders) & set(out.ids("sales_orders", "order_id"))
    for child, (array, key) in SALES_CHILDREN.items():
        got = set(out.ids(child, key))
        assert got == _child_ids(live, array, key)
        gone_rows = [api.dataset.sales_orders[i] for i in gone_orders]
        assert not got & _child_ids(gone_rows, array, key)
    live_products = {r["id"] for r in api.expected_products(ALL_TIME, api.clock.now())}
    assert set(out.ids("products", "id")) == live_products
    assert not live_products & set(gone_products)
    # Purchase orders (incremental mode): a reconciliation emits every one of the walk.
    assert sorted(out.ids("purchase_orders", "id")) == sorted(api.dataset.purchase_orders)

    for stream in FAMILIES:
        bookmark = out.final_state["bookmarks"][stream]
        assert bookmark["table_version"] == versions_seen[stream]
        assert canonical_timestamp(bookmark["reconciled_at"]) == bookmark["reconciled_at"]
        assert "export" not in bookmark
    # Mid-run, the export's resume state carries the version.
    mid = [s["bookmarks"]["sales_orders"].get("export") for s in out.states]
    assert {run["version"] for run in mid if run} == {versions_seen["sales_orders"]}
    assert out.final_state["bookmarks"]["sales_orders"]["replication_key_value"] == (
        format_timestamp(api.clock.now())
    )

    # The next ordinary run is unchanged again: no version, no ACTIVATE_VERSION.
    after = run_tap(config_for(api, reconcile_every_days=1), state=out.final_state)
    assert_unversioned(after)
    assert (
        after.final_state["bookmarks"]["sales_orders"]["table_version"]
        == (versions_seen["sales_orders"])
    )


def test_the_sdk_path_versions_records_and_activates_under_stream_map_aliases(small):
    config = config_for(
        small,
        reconcile_now=True,
        stream_maps={"sales_orders": {"__alias__": "orders"}, "sales_order_items": {"sku": None}},
    )
    out = run_tap(config, streams=["sales_orders", "sales_order_items"])
    assert "sales_orders" not in out.records
    version = assert_one_version(out, ["orders", "sales_order_items"], "sales_orders")
    assert all("sku" not in r for r in out.records["sales_order_items"])
    assert out.final_state["bookmarks"]["sales_orders"]["table_version"] == version


def test_a_child_selected_without_its_parent_is_activated_alone(small):
    out = run_tap(config_for(small, reconcile_now=True), streams=["sales_order_items"])
    assert "sales_orders" not in out.records
    assert_one_version(out, ["sales_order_items"], "sales_orders")
    assert [m["stream"] for _, m in _activations(out)] == ["sales_order_items"]


# --------------------------------------------------------------------------------------------
# Never a partial activation: kill, fail, resume, restart


def _reconcile_config(api: FakeLuminousAPI) -> dict[str, t.Any]:
    return config_for(api, sales_orders_page_size=40, reconcile_now=True, max_retries=1)


def test_a_killed_reconciliation_activates_nothing_and_resumes_with_its_version(small, tmp_path):
    api = small
    config = _reconcile_config(api)
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = catalog_selecting(config, ["sales_orders", "sales_order_items"])
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    box: dict[str, subprocess.Popen[str]] = {}

    def stop_after_pages(request: t.Any) -> None:
        if request.path == SALES and len(_calls(api)) == 4:
            box["proc"].send_signal(signal.SIGTERM)

    api.on_request = stop_after_pages
    argv = ["--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tap_luminous.cli import main; main()", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ},
    )
    box["proc"] = proc
    stdout, stderr = proc.communicate(timeout=60)
    api.on_request = None
    first = SingerOutput.parse(stdout, stderr, proc.returncode)
    assert first.returncode == 128 + signal.SIGTERM, stderr[-1500:]
    assert not _activations(first)
    run = first.final_state["bookmarks"]["sales_orders"]["export"]
    assert run["cursor"]
    assert run["since"] == START
    version = run["version"]
    assert _versions(first, "sales_orders") == _versions(first, "sales_order_items") == {version}
    assert 0 < len(first.records["sales_orders"]) < len(_active_order_ids(api))

    api.clear_requests()
    second = run_tap(config, catalog=catalog, state=first.final_state)
    assert _calls(api)[0].params == {"cursor": run["cursor"], "limit": "40"}
    assert assert_one_version(second, ["sales_orders", "sales_order_items"]) == version
    delivered = set(first.ids("sales_orders", "order_id")) | set(
        second.ids("sales_orders", "order_id")
    )
    assert delivered == _active_order_ids(api)
    bookmark = second.final_state["bookmarks"]["sales_orders"]
    assert bookmark["table_version"] == version
    assert bookmark["replication_key_value"] == run["cutoff"]


def test_a_failed_reconciliation_activates_nothing_and_a_restart_takes_a_larger_version(
    small, tmp_path
):
    api = small
    config = _reconcile_config(api)
    catalog = catalog_selecting(config, ["sales_orders"])

    def fail_page_four(request: t.Any) -> None:
        if request.path == SALES and len(_calls(api)) == 4:
            api.faults = Faults(fail_statuses={SALES: [503, 503, 503]})

    api.on_request = fail_page_four
    failed = run_cli([], tmp_path=tmp_path, config=config, catalog=catalog)
    api.on_request = None
    api.faults = Faults()
    assert failed.returncode == 1, failed.stderr[-1500:]
    assert not _activations(failed)
    run = failed.final_state["bookmarks"]["sales_orders"]["export"]
    assert run["cursor"]
    version = run["version"]
    assert _versions(failed, "sales_orders") == {version}

    # Started again from the beginning (the cursor is gone): a new, larger version.
    restart_state = json.loads(json.dumps(failed.final_state))
    restart_state["bookmarks"]["sales_orders"]["export"]["cursor"] = None
    restarted = run_tap(config, catalog=catalog, state=restart_state)
    assert assert_one_version(restarted, ["sales_orders"]) > version
    assert set(restarted.ids("sales_orders", "order_id")) == _active_order_ids(api)

    # A rejected cursor restarts the window from the saved since, with a larger version too.
    api.clear_requests()
    tampered = json.loads(json.dumps(failed.final_state))
    tampered["bookmarks"]["sales_orders"]["export"]["cursor"] = "tampered.x"
    again = run_tap(config, catalog=catalog, state=tampered)
    calls = _calls(api)
    assert calls[0].status == 422
    assert calls[1].params["since"] == START
    new = assert_one_version(again, ["sales_orders"])
    assert new > version
    assert set(again.ids("sales_orders", "order_id")) == _active_order_ids(api)


def test_an_interrupted_incremental_export_gives_way_to_a_due_reconciliation(small):
    api = small
    state = {
        "bookmarks": {
            "sales_orders": {
                "replication_key": "updated_at",
                "replication_key_value": "2025-06-01T00:00:00.000000+00:00",
                "export": {
                    "since": "2025-06-01T00:00:00.000000+00:00",
                    "cutoff": canonical_timestamp(EPOCH),
                    "cursor": "some.cursor",
                },
            }
        }
    }
    out = run_tap(config_for(api, reconcile_every_days=7), streams=["sales_orders"], state=state)
    assert _calls(api)[0].params["since"] == START
    assert_one_version(out, ["sales_orders"])
    assert set(out.ids("sales_orders", "order_id")) == _active_order_ids(api)


# --------------------------------------------------------------------------------------------
# The schedule


def test_the_schedule_counts_utc_calendar_days_since_the_last_reconciliation(monkeypatch):
    now = dt.datetime(2026, 6, 10, 0, 30, tzinfo=UTC)
    monkeypatch.setattr(versions, "utc_now", lambda: now)

    def due(config: dict[str, t.Any], state: dict[str, t.Any]) -> str | None:
        complete = dict(config)
        complete_settings(complete)  # the tap reads the completed config
        return versions.reconciliation_due(complete, state)

    assert due({}, {}) is None
    assert due({"reconcile_every_days": 0}, {}) is None
    assert "no reconciliation" in (due({"reconcile_every_days": 7}, {}) or "")
    assert due({"reconcile_now": True}, {"reconciled_at": format_timestamp(now)})
    for last, days, expected in [
        ("2026-06-09T23:59:00Z", 1, True),  # yesterday, if only minutes ago
        ("2026-06-10T00:00:01Z", 1, False),
        ("2026-06-03T08:00:00Z", 7, True),
        ("2026-06-04T00:00:00Z", 7, False),
    ]:
        got = due({"reconcile_every_days": days}, {"reconciled_at": last})
        assert (got is not None) is expected, (last, days, got)


def test_reconcile_every_days_over_sockets(small):
    config = config_for(small, reconcile_every_days=3)
    first = run_tap(config, streams=["products"])  # none recorded yet: due
    assert_one_version(first, ["products"])
    second = run_tap(config, streams=["products"], state=first.final_state)  # today: not due
    assert_unversioned(second)
    old = json.loads(json.dumps(second.final_state))
    three_days_ago = versions.utc_now() - dt.timedelta(days=3)
    old["bookmarks"]["products"]["reconciled_at"] = format_timestamp(three_days_ago)
    third = run_tap(config, streams=["products"], state=old)
    assert (
        assert_one_version(third, ["products"])
        > first.final_state["bookmarks"]["products"]["table_version"]
    )


def test_a_new_version_is_larger_than_every_saved_one_whatever_the_clock():
    far_future = 10**13 * 9
    assert versions.new_version(far_future, None, "x") == far_future + 1
    assert versions.new_version() > 1_700_000_000_000


# --------------------------------------------------------------------------------------------
# Streams read in full every run; the SDK's own ACTIVATE_VERSION


def test_full_scans_of_purchase_orders_version_every_run(small):
    api = small
    config = config_for(api, purchase_orders_full_scan=True, purchase_orders_page_size=10)
    family = FAMILIES["purchase_orders"]
    first = run_tap(config, streams=family)
    v1 = assert_one_version(first, family)
    # An item taken off a purchase order, and a purchase order that vanishes from the listing.
    po_id = next(i for i, po in api.dataset.purchase_orders.items() if len(po["items"] or ()) >= 2)
    removed_item = api.dataset.purchase_orders[po_id]["items"][0]["id"]
    api.update_purchase_order(po_id, items=api.dataset.purchase_orders[po_id]["items"][1:])
    statuses = ["active", "inactive"]
    second = run_tap(
        {**config, "purchase_order_statuses": statuses},
        streams=family,
        state=first.final_state,
    )
    v2 = assert_one_version(second, family)
    assert v2 > v1
    assert removed_item not in second.ids("purchase_order_items", "id")
    listed = {r["id"] for s in statuses for r in api.expected_purchase_orders(s)}
    assert set(second.ids("purchase_orders", "id")) == listed
    # The activation comes after the verification walk's requests, i.e. the complete read.
    off = run_tap(
        {**config, "reconcile_full_reads": False},
        streams=family,
        state=second.final_state,
    )
    assert_unversioned(off)


def test_a_failed_purchase_order_walk_activates_nothing(small):
    api = small
    config = config_for(api, purchase_orders_full_scan=True, purchase_orders_page_size=10)

    def fail_late(request: t.Any) -> None:
        if request.path == POS and len(_calls(api, POS)) == 5:
            api.faults = Faults(fail_statuses={POS: [400]})

    api.on_request = fail_late
    out, error = run_tap_until_it_fails(config, ["purchase_orders", "purchase_order_items"])
    api.on_request = None
    assert isinstance(error, ApiError)
    assert out.records["purchase_orders"]
    assert _versions(out, "purchase_orders") != {None}
    assert not _activations(out)


def test_the_sdks_own_activate_version_never_fires(small):
    config = config_for(small, emit_activate_version_messages=True)
    catalog = catalog_selecting(config, ["sales_orders", "products", "purchase_orders"])
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] in ("sales_orders", "purchase_orders"):
            entry["replication_method"] = "FULL_TABLE"
    # FULL_TABLE, emit_activate_version_messages: the SDK would write ACTIVATE_VERSION first.
    out = run_tap(config, catalog=catalog)
    assert_one_version(out, ["sales_orders"])  # ours: after the last record
    assert_one_version(out, ["purchase_orders"])
    assert _versions(out, "products") == {None}
    activated = sorted(m["stream"] for _, m in _activations(out))
    assert activated == ["purchase_orders", "sales_orders"]
    off = run_tap({**config, "reconcile_full_reads": False}, catalog=catalog)
    assert_unversioned(off)


# --------------------------------------------------------------------------------------------
# Settings and state checks


@pytest.mark.parametrize(
    ("setting", "value"),
    [("reconcile_every_days", -1), ("reconcile_every_days", 4000), ("reconcile_now", "yes")],
)
def test_bad_reconcile_settings_stop_before_any_request(small, setting, value):
    with pytest.raises(SettingError, match=setting):
        run_tap(config_for(small, **{setting: value}), streams=["products"])
    assert not small.requests


@pytest.mark.parametrize(
    ("bookmark", "problem"),
    [
        ({"table_version": "abc"}, "table_version"),
        ({"reconciled_at": "soon"}, "reconciled_at"),
        ({"export": {"since": START, "cursor": "c", "version": -3}}, "export.version"),
    ],
)
def test_bad_version_keys_in_the_state_stop_before_the_streams_requests(small, bookmark, problem):
    state = {"bookmarks": {"products": bookmark}}
    with pytest.raises(StateError, match=problem):
        run_tap(config_for(small), streams=["products"], state=state)
    assert not _calls(small, "/products/export")
