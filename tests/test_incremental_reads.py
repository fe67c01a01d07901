"""Incremental runs of page-number streams cost what changed (docs/incremental.md).

An incremental run asks the server for `updated_at[gte]=<bound>` and still cuts exactly at the
bookmark; a server that ignores, refuses or misreads the filter, or reads it in another UTC
offset, never costs a row. Every test runs the tap against the fake API over real sockets: a
first run (full, it records the witnesses), changes, then a second run from the first's state.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import typing as t

import pytest

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tests.conftest import DATA_START, EPOCH, TOKEN, config_for
from tests.singer_io import SingerOutput, run_tap
from tests.strict_schema import schema_errors

PO_PAGE = 20  # small pages: several per listing, so walks and verify walks are real
INVOICES = "/invoices"


@pytest.fixture
def api() -> t.Iterator[FakeLuminousAPI]:
    dataset = Dataset.generate(
        sales_orders=10,
        purchase_orders=300,
        products=10,
        seed=11,
        start=DATA_START,
        end=EPOCH,
        lists={INVOICES: 120},
    )
    with FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH)) as fake:
        yield fake


def sync(api: FakeLuminousAPI, streams: list[str], state: t.Any = None, **settings: t.Any):
    config = config_for(api, purchase_orders_page_size=PO_PAGE, **settings)
    out = run_tap(config, streams=streams, state=state)
    for stream, records in out.records.items():
        for record in records:
            assert schema_errors(out.schemas[stream]["schema"], record) == [], stream
    return out


def requests_to(api: FakeLuminousAPI, path: str) -> list[t.Any]:
    return [r for r in api.requests if r.path == path]


def change_purchase_orders(api: FakeLuminousAPI, count: int) -> set[int]:
    """Touch `count` purchase orders of every status, one minute after the first run."""
    api.clock.advance(60)
    ids = sorted(api.dataset.purchase_orders)[::7][:count]
    for po_id in ids:
        api.update_purchase_order(po_id, public_note="changed")
    return set(ids)


def first_run(api: FakeLuminousAPI, streams: list[str]) -> SingerOutput:
    out = sync(api, streams)
    api.clear_requests()
    return out


# -- the cost --------------------------------------------------------------------------------


def test_purchase_orders_cost_what_changed(api, caplog):
    streams = ["purchase_orders", "purchase_order_items"]
    first = first_run(api, streams)
    full_cost = len(first.records["purchase_orders"])
    changed = change_purchase_orders(api, 25)
    with caplog.at_level(logging.INFO):
        second = sync(api, streams, first.final_state)
    assert set(second.ids("purchase_orders", "id")) == changed
    items = {r["purchase_order_id"] for r in second.records.get("purchase_order_items", [])}
    assert items == {i for i in changed if api.dataset.purchase_orders[i]["items"]}
    calls = requests_to(api, "/purchase-orders")
    assert len(calls) <= 12, [c.params for c in calls]  # a full walk: 2 x 300/20 + ...
    assert full_cost == 300
    sent = {
        c.params["order_status"]: c.params["updated_at[gte]"]
        for c in calls
        if "updated_at[gte]" in c.params
    }
    # The documented form, in UTC: the bookmark, or the last run's witness of the listing if it
    # is earlier, minus the 24-hour overlap.
    witnesses = first.final_state["bookmarks"]["purchase_orders"]["filter_witnesses"]
    expected = {}
    for label, (_, updated) in witnesses.items():
        bound = min(EPOCH, dt.datetime.fromisoformat(updated)) - dt.timedelta(hours=24)
        expected[label.removeprefix("order_status=")] = bound.strftime("%Y-%m-%d %H:%M:%S")
    assert sent == expected
    assert len(sent) == 3
    line = [
        r.getMessage() for r in caplog.records if "Stream 'purchase_orders' read" in r.getMessage()
    ]
    assert line == [
        f"Stream 'purchase_orders' read incrementally, filtered by the server: {len(calls)} "
        f"requests, {len(changed)} rows emitted"
    ]


def test_a_run_with_no_change_costs_one_page_per_listing(api):
    first = first_run(api, ["purchase_orders"])
    api.clock.advance(60)
    second = sync(api, ["purchase_orders"], first.final_state)
    assert second.records.get("purchase_orders") is None
    # 3 statuses x (updated_at[gte], updated_at[notset], updated_at[lt]) x one page each.
    assert len(requests_to(api, "/purchase-orders")) == 9


def test_a_list_stream_filters_by_date(api):
    first = first_run(api, ["invoices"])
    api.clock.advance(3600)
    keys = sorted(api.dataset.lists[INVOICES])[:5]
    for key in keys:
        api.update_list_row(INVOICES, key, total_paid="1.00")
    second = sync(api, ["invoices"], first.final_state)
    assert sorted(second.ids("invoices", "id")) == keys
    calls = requests_to(api, INVOICES)
    sent = {c.params["updated_at[gte]"] for c in calls if "updated_at[gte]" in c.params}
    [value] = sent  # one listing, one bound: a date, the filters page's form for lists
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    assert value <= "2026-05-31"
    assert len(calls) <= 4, [c.params for c in calls]  # a full walk: 2 x 120/100 + ...


def test_rows_without_an_updated_at_are_still_read_every_run(api):
    first = first_run(api, ["purchase_orders"])
    api.clock.advance(60)
    api.update_purchase_order(5, updated_at=None)
    for _ in range(2):
        out = sync(api, ["purchase_orders"], first.final_state)
        assert out.ids("purchase_orders", "id") == [5]
        first = out


# -- servers that do not honour the filter ----------------------------------------------------


def full_walk_of(api: FakeLuminousAPI, state: t.Any, streams: list[str]) -> list[t.Any]:
    """What the same run emits when the server filters nothing (the reference)."""
    api.filters = "ignore"
    out = sync(api, streams, state)
    api.filters = "honour"
    api.clear_requests()
    return sorted(out.ids(streams[0], "id"))


@pytest.mark.parametrize("stream", ["purchase_orders", "invoices"])
@pytest.mark.parametrize(
    ("mode", "offset", "warning"),
    [
        ("ignore", 0, "the server ignores the filter"),
        ("reject", 0, "reading the stream in full this run"),
        ("empty", 0, "it may have misread the filter"),
        ("honour", 14, None),
        ("honour", -12, None),
    ],
)
def test_a_server_that_does_not_honour_the_filter_costs_no_row(  # noqa: PLR0917
    api, caplog, stream, mode, offset, warning
):
    first = first_run(api, [stream])
    if stream == "invoices":
        api.clock.advance(3600)
        for key in sorted(api.dataset.lists[INVOICES])[:5]:
            api.update_list_row(INVOICES, key, total_paid="1.00")
    else:
        change_purchase_orders(api, 10)
    expected = full_walk_of(api, first.final_state, [stream])
    assert expected
    api.filters, api.filter_offset_hours = mode, offset
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        second = sync(api, [stream], first.final_state)
    assert sorted(second.ids(stream, "id")) == expected
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "sensitive field" not in r.getMessage()
    ]
    if warning is None:
        assert not warnings, warnings
    else:
        assert len([w for w in warnings if warning in w]) >= 1, warnings
        if mode == "ignore":  # once per stream, however many listings
            assert len([w for w in warnings if warning in w]) == 1, warnings
    assert (
        second.final_state["bookmarks"][stream]["replication_key_value"]
        > (first.final_state["bookmarks"][stream]["replication_key_value"])
    )


def test_a_refused_filter_is_never_taken_for_a_refused_token(api):
    first = first_run(api, ["purchase_orders"])
    api.filters = "reject"
    config = config_for(api, api_token="another-token", purchase_orders_page_size=PO_PAGE)
    with pytest.raises(Exception, match="rejected the token"):
        run_tap(config, streams=["purchase_orders"], state=first.final_state)


# -- busy tenants ------------------------------------------------------------------------------


@pytest.mark.parametrize("filtered", [False, True], ids=["full", "filtered"])
@pytest.mark.parametrize("order", ["id", "updated_at:asc", "updated_at:desc"])
def test_a_busy_tenant_does_not_fail_the_run(api, monkeypatch, filtered, order):
    """Rows touched on every page served: the run ends, and every row last changed before it
    began is emitted (rows touched during the walk are next run's business)."""
    from tap_luminous import streams

    if order != "id":
        monkeypatch.setattr(streams.InvoicesStream, "sort", order)
    state = first_run(api, ["invoices"]).final_state if filtered else None
    api.clock.advance(7 * 86400)
    if filtered:  # a week of changes, many pages of them
        for key in sorted(api.dataset.lists[INVOICES])[:90]:
            api.update_list_row(INVOICES, key, total_paid="2.00")
    api.churn[INVOICES] = 2
    out = sync(api, ["invoices"], state, page_walk_concurrency=1)
    api.churn[INVOICES] = 0
    emitted = set(out.ids("invoices", "id"))
    # The server's time when the walk began (its first page's Date).
    started = dt.datetime.fromisoformat(
        out.final_state["bookmarks"]["invoices"]["replication_key_value"]
    )
    since = dt.datetime.fromisoformat(
        state["bookmarks"]["invoices"]["replication_key_value"]
        if state
        else "2024-01-01T00:00:00+00:00"
    )
    stable = {
        key
        for key, row in api.dataset.lists[INVOICES].items()
        if since <= row["updated_at"] < started
    }
    assert stable <= emitted, sorted(stable - emitted)
    assert len(requests_to(api, INVOICES)) > 2  # several pages, so rows did move


# -- the fake serves the documented filters ---------------------------------------------------


def test_the_fake_reads_instants_on_purchase_orders_and_dates_on_lists(api):
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}"}

    def count(path: str, **params: str) -> int:
        response = requests.get(api.base_url + path, params=params, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return int(response.json()["meta"]["total"])

    latest = max(r["updated_at"] for r in api.dataset.purchase_orders.values())
    instant = latest.strftime("%Y-%m-%d %H:%M:%S")
    assert count("/purchase-orders", order_status="active", **{"updated_at[gt]": instant}) == 0
    day = max(r["updated_at"] for r in api.dataset.lists[INVOICES].values())
    same_day = day.strftime("%Y-%m-%d 23:59:59")  # cut to its date on a list
    assert count(INVOICES, **{"updated_at[gte]": same_day}) >= 1
    api.update_list_row(INVOICES, sorted(api.dataset.lists[INVOICES])[0], updated_at=None)
    assert count(INVOICES, **{"updated_at[notset]": "1"}) == 1
    response = requests.get(
        api.base_url + INVOICES,
        params={"updated_at[gte]": "yesterday"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 422
    assert "updated_at" in response.text
    assert re.search(r"Y-m-d", response.text)


def test_the_fake_touches_rows_on_request(api):
    import requests

    root = api.base_url.removesuffix("/external/api/v1")
    api.clock.advance(60)
    response = requests.get(root + "/__touch", params={"path": INVOICES, "n": "3"}, timeout=10)
    assert response.status_code == 200
    touched = response.json()["touched"]
    assert len(touched) == 3
    assert all(api.dataset.lists[INVOICES][k]["updated_at"] > EPOCH for k in touched)
    response = requests.get(root + "/__touch", params={"path": "/nowhere"}, timeout=10)
    assert response.status_code == 422
