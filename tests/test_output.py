"""The fast record path produces exactly what the SDK's own path produces."""

from __future__ import annotations

import decimal
import io
import json
import logging
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.encoding.simple import RecordMessage
from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter as SingerWriter

from tap_luminous.output import BufferedSingerWriter, compile_conformer
from tap_luminous.schema_loader import load_schema
from tap_luminous.tap import TapLuminous
from tests.conftest import config_for
from tests.singer_io import catalog_selecting, run_tap

LOGGER = logging.getLogger("test-output")
STREAMS = ("sales_orders", "purchase_orders", "products")


def _sdk_conform(record, schema):
    return conform_record_data_types(
        stream_name="s",
        record=record,
        schema=schema,
        level=TypeConformanceLevel.RECURSIVE,
        logger=LOGGER,
    )


def _all_schemas(config):
    tap = TapLuminous(config=config)
    return {name: stream.schema for name, stream in tap.streams.items()}


def test_compiled_conformer_equals_the_sdk_on_the_fakes_full_data(api):
    schemas = _all_schemas(config_for(api))
    datasets = {
        "sales_orders": api.dataset.sales_orders.values(),
        "purchase_orders": api.dataset.purchase_orders.values(),
        "products": api.dataset.products.values(),
    }
    for stream, rows in datasets.items():
        conform = compile_conformer(schemas[stream])
        for row in rows:
            record = json.loads(
                json.dumps(api.to_json_obj(row), default=str), parse_float=decimal.Decimal
            )
            assert conform(
                json.loads(json.dumps(record, default=str), parse_float=decimal.Decimal)
            ) == _sdk_conform(record, schemas[stream]), (stream, row.get("id"))


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**18), 10**18),
    st.text(max_size=8),
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        places=2,
        min_value=decimal.Decimal("-1e16"),
        max_value=decimal.Decimal("1e16"),
    ),
    st.sampled_from(["2024-01-15T10:30:00Z", "2024-01-15", "not a date", ""]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


def _records_for(schema):
    """Records shaped like the schema, with random values, nulls and unexpected fields."""

    def value_for(prop, depth):
        types = prop.get("type", [])
        options = [JSON_VALUES]
        if "object" in types and prop.get("properties") and depth < 3:
            options.append(object_for(prop, depth + 1))
        if "array" in types and isinstance(prop.get("items"), dict) and depth < 3:
            options.append(st.lists(value_for(prop["items"], depth + 1), max_size=3))
        if "boolean" in types:
            options.append(st.one_of(st.booleans(), st.integers(0, 2)))
        return st.one_of(*options)

    def object_for(obj_schema, depth):
        props = obj_schema.get("properties", {})
        known = st.fixed_dictionaries(
            {}, optional={k: value_for(v, depth) for k, v in props.items()}
        )
        extra = st.dictionaries(
            st.text(min_size=1, max_size=6).filter(lambda k: k not in props),
            JSON_VALUES,
            max_size=2,
        )
        return st.tuples(known, extra).map(lambda kv: {**kv[1], **kv[0]})

    return object_for(schema, 0)


SCHEMAS = {name: load_schema(name) for name in STREAMS}
for _shared in ("shared/sales_order_item.json", "shared/purchase_order_payment.json"):
    SCHEMAS[_shared] = load_schema(_shared)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(sorted(SCHEMAS)))
def test_compiled_conformer_equals_the_sdk_on_generated_records(data, name):
    schema = SCHEMAS[name]
    record = data.draw(_records_for(schema))
    expected = _sdk_conform(
        json.loads(json.dumps(record, default=str), parse_float=decimal.Decimal), schema
    )
    actual = compile_conformer(schema)(
        json.loads(json.dumps(record, default=str), parse_float=decimal.Decimal)
    )
    assert actual == expected
    assert json.dumps(actual, default=str) == json.dumps(expected, default=str)  # same key order


def _capture(writer, message):
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    old, sys.stdout = sys.stdout, buffer
    try:
        writer.write_message(message)
        if hasattr(writer, "flush"):
            writer.flush()
        buffer.flush()
    finally:
        sys.stdout = old
    return buffer.buffer.getvalue().decode()


@settings(max_examples=100, deadline=None)
@given(record=st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=5))
def test_buffered_writer_lines_parse_to_the_same_message_as_the_sdks(record):
    message = RecordMessage(stream="s", record=record)
    ours = _capture(BufferedSingerWriter(), message)
    sdk = _capture(SingerWriter(), message)
    assert ours.endswith("\n")
    assert ours.count("\n") == 1
    assert json.loads(ours, parse_float=decimal.Decimal) == json.loads(
        sdk, parse_float=decimal.Decimal
    )


def test_tap_output_equals_the_sdk_path_on_the_fakes_data(api, monkeypatch):
    config = config_for(api)
    catalog = catalog_selecting(
        config,
        [
            "sales_orders",
            "purchase_orders",
            "products",
            "sales_order_items",
            "purchase_order_payments",
        ],
    )
    fast = run_tap(config, catalog=catalog)
    from tap_luminous import output

    monkeypatch.setattr(output.FastRecordsMixin, "fast_conformer", None)
    slow = run_tap(config, catalog=catalog)
    assert fast.records.keys() == slow.records.keys()
    for stream in fast.records:
        assert fast.records[stream] == slow.records[stream], stream
    assert fast.final_state == slow.final_state
    assert [m["type"] for m in fast.messages] == [m["type"] for m in slow.messages]


def test_custom_stream_maps_take_the_sdk_path(api):
    config = config_for(api, stream_maps={"sales_orders": {"total_amount": "str(total_amount)"}})
    out = run_tap(config, streams=["sales_orders"])
    assert all(isinstance(r["total_amount"], str) for r in out.records["sales_orders"])


class _ShortWritingRaw:
    """A raw stream that, like FileIO on a pipe interrupted by a signal, writes only part."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk) -> int:
        part = bytes(chunk[:7])
        self.data += part
        return len(part)

    def flush(self) -> None:
        pass


class _Stdout:
    def __init__(self) -> None:
        self.buffer = _ShortWritingRaw()

    def flush(self) -> None:
        pass


def test_writer_survives_partial_writes_of_the_raw_stream(monkeypatch):
    stdout = _Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    writer = BufferedSingerWriter()
    for number in range(50):
        writer.write_record({"type": "RECORD", "stream": "s", "record": {"n": number}})
    writer.flush()
    lines = stdout.buffer.data.decode().splitlines()
    assert [json.loads(line)["record"]["n"] for line in lines] == list(range(50))


def test_a_signal_during_a_write_is_deferred_until_the_message_is_complete():
    writer = BufferedSingerWriter()
    seen = []
    writer._busy += 1  # as if a signal arrived in the middle of write_record
    writer.defer(lambda: seen.append(bytes(writer._buffer)))
    writer._buffer += b'{"partial":'
    assert seen == []
    writer._buffer += b"1}\n"
    writer._done()
    assert seen == [b'{"partial":1}\n']
