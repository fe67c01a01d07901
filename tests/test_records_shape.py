"""The record path (tap_luminous/records.py): drift normalised, misfits kept aside, secrets out."""

from __future__ import annotations

import base64
import decimal
import json
import logging
import typing as t

import msgspec
import pytest

from tap_luminous.errors import ProtocolError
from tap_luminous.lazy import fully_decoded
from tap_luminous.records import SENSITIVE_FIELDS, RecordShaper
from tap_luminous.schema_loader import load_schema
from tests.strict_schema import schema_errors, strict_validator

D = decimal.Decimal
LOG = logging.getLogger("tests.records")


def shaper(stream: str = "products", key: str = "id", **kwargs: t.Any) -> RecordShaper:
    return RecordShaper(stream, load_schema(stream), [key], LOG, **kwargs)


def shape(rows: list[dict[str, t.Any]] | bytes, stream: str = "products", **kw: t.Any) -> t.Any:
    key = "order_id" if stream == "sales_orders" else "id"
    text = rows if isinstance(rows, bytes) else json.dumps(rows).encode()
    return [fully_decoded(r) for r in shaper(stream, key, **kw).rows(msgspec.Raw(text), "page 1")]


def test_the_validator_checks_formats_as_targets_do():
    schema = {
        "type": "object",
        "properties": {
            "at": {"type": ["string", "null"], "format": "date-time"},
            "on": {"type": ["string", "null"], "format": "date"},
        },
    }
    assert schema_errors(schema, {"at": "2024-01-15T10:30:00Z", "on": "2024-01-15"}) == []
    assert schema_errors(schema, {"at": "2024-01-15 10:30:00"})
    assert schema_errors(schema, {"on": "0000-00-00"})
    assert schema_errors(schema, {"at": "0000-00-00 00:00:00"})


@pytest.mark.parametrize(
    ("field", "sent", "expected"),
    [
        ("retail_price", "15.75", D("15.75")),
        ("retail_price", "12.30", D("12.30")),
        ("retail_price", 7, 7),
        (
            "retail_price",
            "1234567890123456789012345678901.234",
            D("1234567890123456789012345678901.234"),
        ),
        ("sellable", 1, True),
        ("sellable", 0, False),
        ("sellable", "1", True),
        ("sellable", "0", False),
        ("sellable", "true", True),
        ("sellable", "false", False),
        ("name", 12345, "12345"),
        ("custom_fields", [], {}),
        ("alternate_skus", {}, []),
        ("tags", {}, []),
        ("created_at", "2024-01-15 10:30:00", "2024-01-15T10:30:00.000000+00:00"),
        ("created_at", "2024-01-15T12:30:00+02:00", "2024-01-15T10:30:00.000000+00:00"),
        ("created_at", "0000-00-00 00:00:00", None),
        ("created_at", "0000-00-00", None),
        ("created_at", "2024-01-15T10:30:00Z", "2024-01-15T10:30:00Z"),
        ("product_weight", 1.5, {"value": D("1.5"), "unit": None}),
        ("product_weight", "2.25", {"value": D("2.25"), "unit": None}),
        ("product_weight", [{"unit": "lb", "value": 3}], {"unit": "lb", "value": 3}),
        ("product_weight", [], {}),
        ("product_weight", {"unit": "lb", "value": "4.5"}, {"unit": "lb", "value": D("4.5")}),
    ],
)
def test_lossless_drift_becomes_the_declared_type(field, sent, expected):
    [row] = shape([{"id": 1, field: sent}])
    assert row[field] == expected
    assert "_invalid_values" not in row  # normalised values are not copied aside
    assert schema_errors(load_schema("products"), row) == []


def test_integer_keys_and_nested_values_are_normalised():
    [row] = shape([{"id": "25", "kit_items": [{"id": "3", "quantity": "2", "price": "9.99"}]}])
    assert row["id"] == 25
    assert row["kit_items"] == [{"id": 3, "quantity": D("2"), "price": D("9.99")}]


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("retail_price", "n/a"),
        ("retail_price", ""),
        ("retail_price", True),
        ("sellable", "yes"),
        ("sellable", 2),
        ("name", {"en": "x"}),
        ("name", ["x"]),
        ("created_at", 1705314600),
        ("created_at", "yesterday"),
        ("custom_fields", "x"),
        ("tags", "vip"),
        ("product_weight", [{"unit": "lb", "value": 1}, {"unit": "kg", "value": 2}]),
        ("product_weight", "heavy"),
    ],
)
def test_a_misfit_is_nulled_and_kept_under_its_path(field, sent):
    [row] = shape([{"id": 1, field: sent}])
    assert row[field] is None
    assert row["_invalid_values"] == {field: sent}
    assert schema_errors(load_schema("products"), json.loads(json.dumps(row, default=str))) == []


def test_misfits_inside_arrays_are_keyed_by_their_json_path():
    [row] = shape([{"id": 1, "alternate_skus": [{"id": 1}, {"id": "x", "sku": ["a"]}, "ALT-1"]}])
    assert row["alternate_skus"] == [{"id": 1}, {"id": None, "sku": None}, None]
    assert row["_invalid_values"] == {
        "alternate_skus[1].id": "x",
        "alternate_skus[1].sku": ["a"],
        "alternate_skus[2]": "ALT-1",
    }


def test_text_that_is_not_utf8_is_replaced_and_kept_as_bytes():
    text = b'[{"id": 1, "name": "caf\xe9", "custom_fields": {"note": "\\ud800x"}, "zz": "\xff"}]'
    [row] = shape(text)
    assert row["name"] == "caf\ufffd"
    assert base64.b64decode(row["_invalid_values"]["name"]["bytes_base64"]) == b"caf\xe9"
    assert row["custom_fields"] == {"note": "\ufffdx"}
    assert "custom_fields.note" in row["_invalid_values"]
    assert row["_extra_fields"] == {"zz": "\ufffd"}
    assert base64.b64decode(row["_invalid_values"]["_extra_fields.zz"]["bytes_base64"]) == b"\xff"
    msgspec.json.encode(row)  # valid UTF-8 JSON again


@pytest.mark.parametrize("name", sorted(SENSITIVE_FIELDS))
def test_sensitive_fields_never_leave_the_tap(name, caplog):
    secret = "SECRET-VALUE-4242"
    row = {
        "id": 7,
        "supplier": {"id": 1, name: secret},
        "items": [{"id": 1, "product": {"id": 2, name: secret}}],
        "custom": {"deep": [{name: secret}]},
        name: secret,
    }
    with caplog.at_level(logging.DEBUG):
        [out] = shape([row], "purchase_orders")
    text = json.dumps(out, default=str)
    assert secret not in text
    assert f'"{name}"' not in text
    assert out["supplier"] == {"id": 1}
    assert out["items"][0]["product"] == {"id": 2}
    assert secret not in caplog.text
    assert name in caplog.text  # the field is named, once per field path


def test_sensitive_fields_are_kept_when_asked_for():
    [out] = shape(
        [{"id": 7, "supplier": {"id": 1, "bank_name": "B"}}],
        "purchase_orders",
        include_sensitive=True,
    )
    assert out["supplier"]["bank_name"] == "B"


def test_fail_mode_stops_with_one_line_naming_stream_key_field_and_value():
    with pytest.raises(ProtocolError) as info:
        shape([{"id": 31, "retail_price": "x" * 200}], fail_on_invalid=True)
    message = str(info.value)
    assert "\n" not in message
    assert "'products'" in message
    assert "id=31" in message
    assert "`retail_price`" in message
    assert "a string" in message
    assert '"' + "x" * 79 in message
    assert "x" * 81 not in message


@pytest.mark.parametrize("row", [{"name": "no key"}, {"id": None}, {"id": "abc"}])
def test_a_row_without_its_key_stops_the_run(row):
    with pytest.raises(ProtocolError, match=r"'products'.*page 1, row 2.*`id`"):
        shape([{"id": 1}, row])


def test_fast_and_normalising_paths_give_the_same_records(dataset_template):
    """A clean page passes the check and is written verbatim; the same rows through the
    normaliser (one drifted row sends the whole page there) come out identical."""
    from fake_luminous.serialize import encode

    for stream, rows, key in (
        ("sales_orders", dataset_template.sales_orders, "order_id"),
        ("purchase_orders", dataset_template.purchase_orders, "id"),
        ("products", dataset_template.products, "id"),
    ):
        served = [encode(row) for row in list(rows.values())[:200]]
        page = b"[" + b",".join(served) + b"]"
        fast = [fully_decoded(r) for r in shaper(stream, key).rows(msgspec.Raw(page), "p")]
        decoded = [msgspec.json.Decoder(float_hook=D).decode(text) for text in served]
        slow = shaper(stream, key).rows(decoded, "p")
        assert fast == slow, stream
        validator = strict_validator(load_schema(stream))
        for record in fast:
            assert not list(validator.iter_errors(record)), (stream, record.get(key))


def test_bad_bytes_in_an_undocumented_field_are_not_written_verbatim():
    """The type check skips undocumented fields: the page-level UTF-8 check catches them."""
    [row] = shape(b'[{"id": 1, "name": "ok", "zz": "\xff"}]')
    assert row["_extra_fields"] == {"zz": "\ufffd"}
    assert row["_invalid_values"] == {"_extra_fields.zz": {"bytes_base64": "/w=="}}
