"""Free-form objects survive the SDK's record path: flattening at depth 1 and 3, stream maps.

`custom_fields`, `variant_attributes`, `_extra_fields` and `_invalid_values` have no declared
shape. With `"properties": {}` SDK flattening dropped them (the target then logged "No schema
for record field"); without it the SDK's conformer raised KeyError on free-form objects inside
array items. These runs go through the real tap over sockets with both cases in the data.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from tests.conftest import config_for
from tests.singer_io import SingerOutput, run_tap
from tests.strict_schema import schema_errors

STREAMS = ("products", "purchase_orders", "purchase_order_items")


@pytest.fixture(scope="module")
def api(dataset_template):
    from fake_luminous import FakeClock, FakeLuminousAPI
    from tests.conftest import EPOCH, TOKEN

    api = FakeLuminousAPI(dataset=dataset_template, token=TOKEN, clock=FakeClock(EPOCH))
    # A product with every free-form shape, and an undocumented field and a misfit.
    product = next(iter(dataset_template.products.values()))
    api.update_product(
        product["id"],
        custom_fields={"color": "red", "nested": {"a": [1, 2]}},
        substitutions=[{"id": 9, "priority": 1, "extra": {"k": "v"}}],
        retail_price="not a price",
        undocumented_field={"x": 1},
    )
    with api:
        yield api


def _valid(out: SingerOutput) -> None:
    for stream, records in out.records.items():
        schema = out.schemas[stream]["schema"]
        for record in records:
            assert schema_errors(schema, record) == [], (stream, record)


def _products_with(out: SingerOutput, column: str) -> list[dict[str, t.Any]]:
    return [r for r in out.records["products"] if r.get(column) not in (None, "{}", {})]


@pytest.mark.parametrize("depth", [1, 3])
def test_flattening_keeps_free_form_objects(api, depth):
    config = config_for(api, flattening_enabled=True, flattening_max_depth=depth)
    out = run_tap(config, streams=STREAMS)
    _valid(out)
    for column in ("custom_fields", "_extra_fields", "_invalid_values"):
        assert column in out.schemas["products"]["schema"]["properties"], column
        kept = _products_with(out, column)
        assert kept, column
        assert all(isinstance(json.loads(r[column]), dict) for r in kept), column
    [changed] = [
        r for r in out.records["products"] if "undocumented_field" in (r["_extra_fields"] or "")
    ]
    assert json.loads(changed["custom_fields"]) == {"color": "red", "nested": {"a": [1, 2]}}
    assert json.loads(changed["_invalid_values"]) == {"retail_price": "not a price"}
    # A free-form object inside an array element: variant_attributes of each PO item's product.
    items = out.records["purchase_order_items"]
    column = "product__variant_attributes"
    assert column in out.schemas["purchase_order_items"]["schema"]["properties"]
    assert any(json.loads(r[column] or "null") for r in items)


def test_stream_maps_keep_free_form_objects(api):
    config = config_for(
        api,
        stream_maps={"products": {"sku_upper": "sku.upper() if sku else None"}},
    )
    out = run_tap(config, streams=STREAMS)
    _valid(out)
    changed = [
        r
        for r in out.records["products"]
        if (r.get("_extra_fields") or {}).get("undocumented_field")
    ]
    assert changed
    assert changed[0]["custom_fields"] == {"color": "red", "nested": {"a": [1, 2]}}
    assert changed[0]["_invalid_values"] == {"retail_price": "not a price"}
    assert all("sku_upper" in r for r in out.records["products"])
    items = out.records["purchase_order_items"]
    assert any((r.get("product") or {}).get("variant_attributes") for r in items)


def test_deselected_fields_take_the_sdk_path_and_stay_valid(api):
    from tests.singer_io import catalog_selecting

    config = config_for(api)
    catalog = catalog_selecting(config, STREAMS)
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "products":
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == ["properties", "description"]:
                    metadata["metadata"]["selected"] = False
    out = run_tap(config, catalog=catalog)
    _valid(out)
    assert all("description" not in r for r in out.records["products"])
    [changed] = [
        r
        for r in out.records["products"]
        if (r.get("_extra_fields") or {}).get("undocumented_field")
    ]
    assert changed["_invalid_values"] == {"retail_price": "not a price"}
    assert changed["custom_fields"] == {"color": "red", "nested": {"a": [1, 2]}}
