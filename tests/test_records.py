"""Every record validates against its stream's schema; unknown fields are kept, not dropped."""

from __future__ import annotations

import datetime as dt
import logging

import jsonschema
import pytest

from fake_luminous import FakeClock, FakeLuminousAPI
from tap_luminous.schema_loader import load_schema
from tap_luminous.timestamps import parse_timestamp
from tests.conftest import EPOCH, TOKEN, config_for
from tests.singer_io import run_tap

STREAMS = ("sales_orders", "purchase_orders", "products")

FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks("date-time")
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or parse_timestamp(value) is not None


@FORMAT_CHECKER.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def all_output(dataset_template):
    with FakeLuminousAPI(dataset=dataset_template, token=TOKEN, clock=FakeClock(EPOCH)) as api:
        yield api, run_tap(config_for(api))


@pytest.mark.parametrize("stream", STREAMS)
def test_every_record_validates_against_its_schema(all_output, stream):
    _, out = all_output
    schema = out.schemas[stream]["schema"]
    assert schema == load_schema(stream)
    validator = jsonschema.Draft7Validator(schema, format_checker=FORMAT_CHECKER)
    records = out.records[stream]
    assert records
    for record in records:
        errors = list(validator.iter_errors(record))
        assert not errors, (record.get("id") or record.get("order_id"), errors[0].message)


@pytest.mark.parametrize(
    ("stream", "key"), [("sales_orders", "order_id"), ("purchase_orders", "id"), ("products", "id")]
)
def test_schema_message_declares_keys_and_bookmark(all_output, stream, key):
    _, out = all_output
    message = out.schemas[stream]
    assert message["key_properties"] == [key]
    assert message["bookmark_properties"] == ["updated_at"]


def test_products_export_emits_every_active_product(all_output):
    api, out = all_output
    active = sorted(pid for pid, row in api.dataset.products.items() if row["status"] == 1)
    assert sorted(out.ids("products", "id")) == active


def test_unknown_fields_reach_the_target_and_are_logged_once(api, caplog):
    ids = sorted(api.dataset.sales_orders)[:3]
    for order_id in ids:
        api.update_sales_order(order_id, loyalty_tier="gold", channel={"id": 4})
    with caplog.at_level(logging.WARNING):
        out = run_tap(config_for(api), streams=["sales_orders"])
    by_id = {r["order_id"]: r for r in out.records["sales_orders"]}
    for order_id in ids:
        if by_id.get(order_id):
            assert by_id[order_id]["_extra_fields"] == {
                "loyalty_tier": "gold",
                "channel": {"id": 4},
            }
    warnings = [r for r in caplog.records if "_extra_fields" in r.getMessage()]
    assert len(warnings) == 1
    assert "loyalty_tier" in warnings[0].getMessage()
