"""Faithful records: the docs' own samples and drifted payloads, through the real tap.

- Each docs sample response (placeholders included; the products sample completed minimally, see
  fake_luminous/docs_samples.py) is served by the fake and every record of every stream, children
  included, validates against its SCHEMA.
- A full sync of every stream against the fake's drift mode: every RECORD validates (Draft 7 with
  strict date and date-time checks), and every value the fake served reaches the output, as
  itself, normalised to the declared type, or in the record's `_invalid_values` side column;
  only the sensitive fields are absent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import typing as t

import pytest

from tap_luminous.records import SENSITIVE_FIELDS
from tap_luminous.schema_loader import load_schema
from tap_luminous.streams import STREAMS
from tests.conftest import config_for
from tests.singer_io import SingerOutput, run_tap
from tests.strict_schema import schema_errors

D = decimal.Decimal
ALL_STREAMS = [str(vars(s)["name"]) for s in STREAMS]
#: The streams of the endpoints whose docs pages are stored with their samples (shared/api-docs).
DOCS_SAMPLE_STREAMS = [
    s
    for s in ALL_STREAMS
    if s.startswith(("sales_order", "purchase_order", "products"))
    and s != "purchase_order_shipments"
]
PATHS = {
    "sales_orders": "/sales-orders/export",
    "products": "/products/export",
    "purchase_orders": "/purchase-orders",
}
KEYS = {"sales_orders": "order_id", "products": "id", "purchase_orders": "id"}


def assert_every_record_valid(out: SingerOutput) -> None:
    for stream, records in out.records.items():
        schema = out.schemas[stream]["schema"]
        for record in records:
            errors = schema_errors(schema, record)
            assert not errors, (stream, errors[:3], record)


def test_the_docs_samples_load_as_valid_records(make_api):
    api = make_api(docs_samples=True)
    config = config_for(api, start_date="2020-01-01T00:00:00Z")
    out = run_tap(config, streams=DOCS_SAMPLE_STREAMS)
    assert_every_record_valid(out)
    counts = {stream: len(records) for stream, records in out.records.items()}
    assert counts == {
        "sales_orders": 1,
        "sales_order_items": 1,
        "sales_order_fulfillment_orders": 1,
        "products": 1,
        "purchase_orders": 1,
        "purchase_order_items": 1,
        "purchase_order_payments": 1,
    }
    [product] = out.records["products"]
    assert product["alternate_skus"] == [
        {"id": 123, "sku": "<string>", "unit_conversion_rule_id": 123}
    ]
    assert product["product_weight"] == {"unit": "lb", "value": 123}
    assert product["boms"] == [{"id": 123}]
    assert "_invalid_values" not in product  # the documented shape needs no repair
    assert "_extra_fields" not in product  # and every documented field is declared
    for stream in ("sales_orders", "purchase_orders"):
        [record] = out.records[stream]
        assert "_invalid_values" not in record
        assert "_extra_fields" not in record, record.get("_extra_fields")


# -- drift -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def drifted(dataset_template):
    from fake_luminous import FakeClock, FakeLuminousAPI
    from tests.conftest import EPOCH, TOKEN

    api = FakeLuminousAPI(
        dataset=dataset_template, token=TOKEN, clock=FakeClock(EPOCH), drift=0.2, record_bodies=True
    )
    with api:
        out = run_tap(config_for(api), streams=ALL_STREAMS)
        yield api, out


def test_every_drifted_record_is_valid(drifted):
    _, out = drifted
    assert_every_record_valid(out)
    with_misfits = sum(1 for r in out.records["sales_orders"] if r.get("_invalid_values"))
    assert with_misfits, "the drift mode should produce values that do not fit"


@pytest.mark.parametrize("stream", sorted(PATHS))
def test_every_served_value_reaches_the_output(drifted, stream):
    api, out = drifted
    key = KEYS[stream]
    schema = load_schema(stream)
    served = {_int(row[key]): row for row in api.served_rows(PATHS[stream])}
    emitted = {record[key]: record for record in out.records[stream]}
    assert served.keys() == emitted.keys()
    for row_id, row in served.items():
        record = emitted[row_id]
        invalid = record.get("_invalid_values") or {}
        extra = record.get("_extra_fields") or {}
        for name, value in row.items():
            if name in SENSITIVE_FIELDS:
                assert name not in record
                assert name not in extra
            elif name in schema["properties"]:
                _reaches(value, record.get(name), name, invalid, schema["properties"][name])
            else:
                _reaches(value, extra.get(name), f"_extra_fields.{name}", invalid, {})


def test_child_rows_are_the_parents_elements(drifted):
    _, out = drifted
    parents = {r["order_id"]: r for r in out.records["sales_orders"]}
    items = out.records["sales_order_items"]
    assert len(items) == sum(len(p["items"] or []) for p in parents.values())
    for item in items:
        assert item["order_id"] in parents


def _int(value: t.Any) -> int:
    return int(value)


def _reaches(served: t.Any, out: t.Any, path: str, invalid: dict[str, t.Any], schema: dict) -> None:
    """`served` is in the output at `path`: as itself, normalised, or in the side column."""
    if path in invalid:
        assert invalid[path] == served, (path, invalid[path], served)
        return
    if isinstance(served, dict):
        if served == {} and out == []:
            return  # `{}` for an empty list
        assert isinstance(out, dict), (path, served, out)
        props = schema.get("properties") or {}
        for name, value in served.items():
            if name in SENSITIVE_FIELDS:
                assert name not in out, path
            else:
                _reaches(value, out.get(name), f"{path}.{name}", invalid, props.get(name) or {})
        return
    if isinstance(served, list):
        if served == [] and out == {}:
            return  # `[]` for an empty object
        if isinstance(out, dict) and len(served) == 1:  # a one-element weight list
            _reaches(served[0], out, path, invalid, schema)
            return
        assert isinstance(out, list), (path, served, out)
        assert len(out) == len(served), (path, served, out)
        items = schema.get("items") or {}
        for index, (value, got) in enumerate(zip(served, out, strict=False)):
            _reaches(value, got, f"{path}[{index}]", invalid, items)
        return
    assert _equivalent(served, out, schema), (path, served, out)


def _equivalent(served: t.Any, out: t.Any, schema: dict) -> bool:
    if served == out and type(served) is type(out):
        return True
    if isinstance(out, dict) and set(out) == {"value", "unit"}:  # a bare-number weight
        return out["unit"] is None and D(str(served)) == D(str(out["value"]))
    if isinstance(out, bool):
        return str(served).lower() in (("1", "true") if out else ("0", "false"))
    if isinstance(out, (int, D)) and not isinstance(served, bool):
        return D(str(served)) == D(str(out))
    if out is None and isinstance(served, str) and served.startswith("0000-00-00"):
        return True
    if isinstance(out, str) and isinstance(served, (int, D)):
        return out == str(served)
    if isinstance(out, str) and isinstance(served, str) and "format" in schema:
        return _instant(served) == _instant(out)
    return bool(served == {} and out == [])


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
