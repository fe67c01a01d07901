"""The lazy-value rule (tap_luminous/lazy.py), each point held to account."""

from __future__ import annotations

import decimal
import io
import json
import logging
import typing as t

import msgspec

from tap_luminous.lazy import decoded, fully_decoded
from tap_luminous.output import BufferedSingerWriter
from tap_luminous.records import RecordShaper
from tap_luminous.schema_loader import load_schema

SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "total": {"type": ["number", "null"]},
        "items": {
            "type": ["array", "null"],
            "items": {
                "type": ["object", "null"],
                "properties": {"price": {"type": ["number", "null"]}},
            },
        },
        "_extra_fields": load_schema("shared/extra_fields.json"),
        "_invalid_values": load_schema("shared/invalid_values.json"),
    },
    "required": ["id"],
}
PAGE = b'[{"id":7,"total":12.30,"items":[{"price":0.10}]}]'


def _rows(page: bytes) -> list[dict[str, t.Any]]:
    shaper = RecordShaper("s", SCHEMA, ("id",), logging.getLogger("test"))
    return shaper.rows(msgspec.Raw(page), "GET /s")


def test_a_page_that_passes_keeps_top_level_values_as_json_text_and_only_those() -> None:
    (row,) = _rows(PAGE)
    assert {type(value) for value in row.values()} == {msgspec.Raw}
    items = decoded(row["items"])
    assert items == [{"price": decimal.Decimal("0.10")}]
    assert not any(isinstance(v, msgspec.Raw) for item in items for v in item.values())


def test_decoded_reads_a_value_and_leaves_python_values_alone() -> None:
    (row,) = _rows(PAGE)
    assert decoded(row["id"]) == 7
    assert decoded(row["total"]) == decimal.Decimal("12.30")
    assert decoded(7) == 7
    assert decoded(None) is None


def test_the_writer_copies_json_text_verbatim(monkeypatch: t.Any) -> None:
    (row,) = _rows(PAGE)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    writer = BufferedSingerWriter()
    writer.write_record({"type": "RECORD", "stream": "s", "record": row})
    writer.flush()
    line = out.getvalue()
    assert '"total":12.30' in line  # not re-encoded as 12.3
    assert '"price":0.10' in line
    assert json.loads(line)["record"]["id"] == 7


def test_fully_decoded_leaves_no_json_text_anywhere() -> None:
    (row,) = _rows(PAGE)
    full = fully_decoded({"record": row, "list": [msgspec.Raw(b"[1]")]})

    def walk(value: t.Any) -> None:
        assert not isinstance(value, msgspec.Raw)
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(full)
    assert full["record"]["total"] == decimal.Decimal("12.30")
    assert full["list"] == [[1]]


def test_a_row_that_needs_a_change_is_decoded_in_full() -> None:
    (row,) = _rows(b'[{"id":"7","total":"12.30"}]')
    assert row["id"] == 7
    assert not any(isinstance(value, msgspec.Raw) for value in row.values())
