"""The lazy-value rule: a record's top-level values may still be JSON text.

A page whose rows pass their stream's check (tap_luminous/records.py) is decoded shallowly: each
row is a `LazyRecord`, a dict whose top-level values are either ordinary JSON values (str, int,
bool, None, Decimal, list, dict) or `msgspec.Raw`, the value's exact JSON text as the server sent
it. Rows that took the slow path are fully decoded; so are child rows' own values inside.

1. Only top-level values are ever `Raw`; inside a decoded value everything is Python.
2. Code that reads a value (a key, `updated_at`, a nested array) goes through `decoded`; nothing
   compares a `Raw` with a Python value or indexes into one.
3. The writer (output.py) copies `Raw` bytes verbatim: a value that needed no change is never
   re-encoded, so `12.30` stays `12.30`.
4. The SDK's own record path (stream maps, flattening) gets `fully_decoded(record)`.

tests/test_lazy.py holds each rule to account.
"""

from __future__ import annotations

import decimal
import typing as t

import msgspec

#: A value of a record as the tap carries it.
LazyValue = t.Union[msgspec.Raw, t.Any]  # noqa: UP007
#: A record whose top-level values may be JSON text.
LazyRecord = dict[str, LazyValue]

_DECODE_JSON = msgspec.json.Decoder(float_hook=decimal.Decimal).decode


def decoded(value: LazyValue) -> t.Any:
    """A value kept as JSON text as Python objects (numbers as Decimal); others as they are."""
    return _DECODE_JSON(value) if isinstance(value, msgspec.Raw) else value


def fully_decoded(value: t.Any) -> t.Any:
    """`value` with every `msgspec.Raw` inside it decoded (for the SDK's own record path)."""
    if isinstance(value, msgspec.Raw):
        return _DECODE_JSON(value)
    if isinstance(value, dict):
        return {key: fully_decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [fully_decoded(item) for item in value]
    return value
