"""The rest of the ERP (issue 15): every new stream over real sockets against the fake.

Exact id sets, child rows per parent, records valid against their SCHEMA, no sensitive value,
the page-size parameter and sort each endpoint takes, incremental and FULL_TABLE behaviour, and
no request to a new endpoint from a run that selects only the old streams.
"""

from __future__ import annotations

import typing as t

import pytest

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tap_luminous import streams
from tap_luminous.errors import ApiError
from tap_luminous.records import SENSITIVE_FIELDS
from tap_luminous.streams.kinds import ErpChild, ErpList
from tests.conftest import DATA_START, EPOCH, TOKEN, config_for
from tests.singer_io import SingerOutput, run_tap
from tests.strict_schema import schema_errors

#: The declarations as plain objects (their class attributes are typed instance-only).
PARENT_TYPES: list[t.Any] = [s for s in streams.STREAMS if issubclass(s, ErpList)]
CHILD_TYPES: list[t.Any] = [s for s in streams.STREAMS if issubclass(s, ErpChild)]
PARENTS = {stream.name: stream for stream in PARENT_TYPES}
CHILDREN = {stream.name: stream for stream in CHILD_TYPES}
ALL_NEW = sorted({*PARENTS, *CHILDREN})


@pytest.fixture(scope="module")
def erp_api() -> t.Iterator[FakeLuminousAPI]:
    dataset = Dataset.generate(
        sales_orders=200, purchase_orders=40, products=60, seed=5, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH))
    with api:
        yield api


@pytest.fixture(scope="module")
def full_run(erp_api: FakeLuminousAPI) -> SingerOutput:
    erp_api.clear_requests()
    return run_tap(config_for(erp_api), streams=ALL_NEW)


def _key(value: t.Any) -> t.Any:
    return str(value) if isinstance(value, str) else int(value)


@pytest.mark.parametrize("name", sorted(PARENTS))
def test_each_list_stream_emits_exactly_the_served_rows(erp_api, full_run, name):
    stream: t.Any = PARENTS[name]
    expected = {_key(row["id"]) for row in erp_api.expected_list(stream.path)}
    emitted = [record["id"] for record in full_run.records.get(name, [])]
    assert expected, f"the fake serves no {stream.path} rows: the test would prove nothing"
    assert len(emitted) == len(set(emitted)), "a row was emitted twice"
    assert set(emitted) == expected


@pytest.mark.parametrize("name", sorted(CHILDREN))
def test_child_rows_are_the_parents_elements(erp_api, full_run, name):
    child: t.Any = CHILDREN[name]
    parent = t.cast("t.Any", child.parent_stream_type)
    rows = {_key(r["id"]): r for r in erp_api.expected_list(parent.path)}
    expected = {k: len(r.get(child.array_field) or []) for k, r in rows.items()}
    assert sum(expected.values()), f"no {child.array_field} in {parent.path}: nothing proven"
    got: dict[t.Any, int] = {}
    for record in full_run.records.get(name, []):
        got[record[child.parent_key_as]] = got.get(record[child.parent_key_as], 0) + 1
    assert got == {k: n for k, n in expected.items() if n}
    keys = [tuple(record[k] for k in child.primary_keys) for record in full_run.records[name]]
    assert len(keys) == len(set(keys)), "child keys are not unique"


def test_every_record_is_valid_against_its_schema(full_run):
    assert set(full_run.records) == set(ALL_NEW)
    for stream, records in full_run.records.items():
        schema = full_run.schemas[stream]["schema"]
        for record in records:
            errors = schema_errors(schema, record)
            assert not errors, (stream, errors[:3])


def test_no_sensitive_field_leaves_the_tap(erp_api, full_run):
    served_suppliers = erp_api.expected_list("/suppliers")
    assert any("bank_name" in row for row in served_suppliers), "the fake must serve bank data"
    text = full_run.stdout
    for name in SENSITIVE_FIELDS:
        assert f'"{name}"' not in text, name
    for row in served_suppliers:
        assert str(row["account_number"]) not in text


def test_each_endpoint_gets_its_page_size_parameter_and_sort(erp_api, full_run):
    by_path: dict[str, list[dict[str, str]]] = {}
    for request in erp_api.requests:
        by_path.setdefault(request.path, []).append(request.params)
    for stream in PARENT_TYPES:
        params = by_path[stream.path]
        if not stream.paginated:
            assert len(params) == 1
            continue
        for query in params:
            for size in stream.size_params:
                assert query[size] == "100", (stream.path, query)
            assert query.get("sort") == stream.sort, (stream.path, query)
    assert by_path["/inventory/stocks"][0]["sort"] == "product.id:asc"
    assert "per_page" not in by_path["/price-schedules"][0]


def test_a_run_of_the_old_streams_requests_no_new_endpoint(erp_api):
    erp_api.clear_requests()
    out = run_tap(config_for(erp_api), streams=["purchase_orders", "products"])
    assert out.records["purchase_orders"]
    new_paths = {stream.path for stream in PARENT_TYPES}
    assert not {request.path for request in erp_api.requests} & new_paths


def test_new_streams_are_not_selected_by_default():
    for stream in (*PARENT_TYPES, *CHILD_TYPES):
        assert stream.selected_by_default is False, stream.name


def test_incremental_lists_emit_only_changed_rows_on_the_next_run(make_api):
    api = make_api(sales_orders=50, purchase_orders=10, products=30)
    config = config_for(api)
    first = run_tap(config, streams=["invoices", "invoice_items"])
    assert len(first.records["invoices"]) == len(api.expected_list("/invoices"))
    state = first.final_state
    assert state["bookmarks"]["invoices"]["replication_key_value"]
    api.clock.advance(hours=1)
    changed = api.expected_list("/invoices")[3]["id"]
    api.update_list_row("/invoices", changed, status="paid")
    api.clock.advance(minutes=1)
    second = run_tap(config, streams=["invoices", "invoice_items"], state=state)
    assert [r["id"] for r in second.records["invoices"]] == [changed]
    items = second.records.get("invoice_items", [])
    assert {r["invoice_id"] for r in items} <= {changed}


def test_a_snapshot_is_read_in_full_every_run_and_versioned(make_api):
    api = make_api(sales_orders=50, purchase_orders=10, products=30)
    config = config_for(api)
    first = run_tap(config, streams=["inventory_stocks"])
    second = run_tap(config, streams=["inventory_stocks"], state=first.final_state)
    expected = len(api.expected_list("/inventory/stocks"))
    assert len(first.records["inventory_stocks"]) == expected
    assert len(second.records["inventory_stocks"]) == expected
    activations = [m for m in second.messages if m["type"] == "ACTIVATE_VERSION"]
    assert [m["stream"] for m in activations] == ["inventory_stocks"]


def _churning_stocks() -> FakeLuminousAPI:
    dataset = Dataset.generate(
        sales_orders=20,
        purchase_orders=5,
        products=450,
        seed=9,
        start=DATA_START,
        end=EPOCH,
        lists={"/inventory/stocks": 450},
    )
    churn = {"/inventory/stocks": 40}
    return FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH), churn=churn)


def test_a_snapshot_that_changes_while_it_is_read_loses_no_row():
    with _churning_stocks() as api:
        expected = {str(r["id"]) for r in api.expected_list("/inventory/stocks")}
        assert len(expected) > 3 * 100, "several pages are needed for rows to move between them"
        out = run_tap(config_for(api), streams=["inventory_stocks"])
        pages = [r for r in api.requests if r.path == "/inventory/stocks"]
    ids = [r["id"] for r in out.records["inventory_stocks"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert len(pages) >= 4


def test_with_the_default_sort_the_walk_stops_rather_than_lose_rows(monkeypatch):
    """The control: what `sort=product.id:asc` prevents (the docs' default moves rows)."""
    monkeypatch.setattr(streams.InventoryStocksStream, "sort", "updated_at:desc")
    with _churning_stocks() as api, pytest.raises(ApiError, match="kept moving between pages"):
        run_tap(config_for(api), streams=["inventory_stocks"])


def test_drifted_list_rows_are_still_valid_records(make_api):
    api = make_api(sales_orders=50, purchase_orders=10, products=30, drift=0.4)
    out = run_tap(config_for(api), streams=ALL_NEW)
    misfits = 0
    for stream, records in out.records.items():
        schema = out.schemas[stream]["schema"]
        for record in records:
            assert not schema_errors(schema, record), stream
            misfits += bool(record.get("_invalid_values"))
    assert out.records["invoices"]
    assert misfits or any(api.drifts(r) for r in api.expected_list("/invoices"))
