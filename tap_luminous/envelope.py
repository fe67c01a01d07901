"""One page of a Luminous list: the envelope read first, its `data` kept as JSON text.

The paginators and checks need only the envelope (`meta`, `has_more`, `next_cursor`). The rows
stay undecoded JSON (`msgspec.Raw`) until the stream's RecordShaper checks them against the
schema and decodes them once (tap_luminous/records.py, "lazy values" there).
"""

from __future__ import annotations

import decimal
import json
import typing as t
from dataclasses import dataclass

import msgspec


@dataclass(slots=True)
class Page:
    """One parsed API page: the envelope plus what the paginators and state need.

    `data` is the `data` array as the server sent it: JSON text, or Python objects when the body
    needed the standard library's decoder (or a request decoded only the keys).
    `LuminousStream.page_rows(page)` returns its rows valid against the stream's schema (see
    tap_luminous/records.py); the page itself is never changed.
    """

    data: msgspec.Raw | list[t.Any] | None
    body: dict[str, t.Any]
    params: dict[str, t.Any]
    server_date: str | None = None


class _Envelope(msgspec.Struct):
    """A page with `data` left as JSON text: the paginators read the envelope first, and the
    rows are checked and decoded once, by the stream's RecordShaper."""

    data: msgspec.Raw
    meta: t.Any = None
    has_more: t.Any = None
    next_cursor: t.Any = None


_decode_envelope = msgspec.json.Decoder(_Envelope, float_hook=decimal.Decimal).decode


def decode_envelope(content: bytes | bytearray) -> dict[str, t.Any]:
    """The envelope as Python objects (numbers as Decimal), `data` as JSON text.

    A body msgspec refuses although it is JSON (a lone surrogate escape such as `\\ud800`)
    is decoded by the standard library instead; the record path then repairs that text.
    """
    try:
        envelope = _decode_envelope(content)
    except msgspec.DecodeError:
        return decode_lenient(content)
    is_list = bytes(memoryview(envelope.data)[:1]) == b"["
    return {
        "data": envelope.data if is_list else None,
        "has_more": envelope.has_more,
        "next_cursor": envelope.next_cursor,
        "meta": envelope.meta,
    }


def decode_lenient(content: bytes | bytearray) -> dict[str, t.Any]:
    """A JSON object body that msgspec refuses (a lone surrogate escape such as `\\ud800`, bytes
    that are not UTF-8), decoded by the standard library: such text survives as surrogates,
    which the record path repairs and keeps in the side column. Every decoder of a page falls
    back here, so every endpoint reads what the others read."""
    text = bytes(content).decode("utf-8", "surrogateescape")
    body = json.loads(text, parse_float=decimal.Decimal)
    if not isinstance(body, dict):
        raise msgspec.ValidationError("expected a JSON object")
    return body
