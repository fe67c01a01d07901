"""Drift: the documented shapes, served the way a PHP/Laravel backend may really send them.

``FakeLuminousAPI(drift=f)`` serves a fraction ``f`` of the rows of every endpoint with drifted
values (luminous-api.md §5); the rest are served exactly in the documented shape. Which rows
drift and how is decided by ``random.Random(f"{seed}:{endpoint}:{row id}")`` (``seed`` = the
dataset's seed unless ``drift_seed`` is given), so it is deterministic and the same after a
mutation of the row. The server keeps the true values: export membership, sorting, cursors and
``expected_*`` helpers never see a drifted value.

In a drifted row every value, at every nesting level, drifts with probability ``VALUE_P``
(``EMPTY_OBJECT_P`` for an empty object; strings only a third as often), into a kind that fits
its type (``KINDS``):

======================  ===========================================  =========================
kind                    served                                       applies to
======================  ===========================================  =========================
decimal_string          ``"15.75"`` (digits kept)                    Decimal numbers
int_string              ``"42"``                                     integers (and key fields)
bool_int                ``0`` / ``1``                                booleans
bool_string             ``"0"``/``"1"``/``"true"``/``"false"``       booleans
zero_date               ``"0000-00-00"`` / ``"0000-00-00 00:00:00"``   dates / datetimes
space_timestamp         ``"2024-01-15 10:30:00"`` (UTC, no zone)     datetimes
offset_timestamp        ``"2024-01-15T12:30:00+02:00"`` (same instant)  datetimes
empty_object_as_list    ``[]``                                       empty objects
empty_list_as_object    ``{}``                                       empty lists
weight_number           ``1.5`` (the ``value``)                      ``*weight`` objects
weight_list             ``[{"unit": "lb", "value": 1.5}]``           ``*weight`` objects
unexpected_object       ``{"value": <the value>}``                   strings, numbers
unexpected_list         ``[<the value>]``                            strings, numbers
not_a_number            ``"n/a"``                                    numbers
======================  ===========================================  =========================

Never drifted beyond ``int_string``: the row keys and the keys of nested rows (``KEY_FIELDS``:
``id``, ``order_id``, ``order_item_id``, ``fulfillment_order_id``, ``purchase_order_id``,
``sales_order_id``, ``shipment_id``). The top-level ``updated_at`` (the replication key) only
takes ``space_timestamp`` or ``offset_timestamp`` (both parseable, same instant). ``None`` never
drifts. Every drift is logged as a ``Drift(path, kind, original, served)``, ``original`` being
the value as it would have been served without drift.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .clock import as_utc
from .serialize import format_dt

VALUE_P = 0.25
KINDS = (
    "decimal_string",
    "int_string",
    "bool_int",
    "bool_string",
    "zero_date",
    "space_timestamp",
    "offset_timestamp",
    "empty_object_as_list",
    "empty_list_as_object",
    "weight_number",
    "weight_list",
    "unexpected_object",
    "unexpected_list",
    "not_a_number",
)
KEY_FIELDS = frozenset(
    {
        "id",
        "order_id",
        "order_item_id",
        "fulfillment_order_id",
        "purchase_order_id",
        "sales_order_id",
        "shipment_id",
    }
)
REPLICATION_KEY = "updated_at"
_OFFSETS = tuple(timezone(timedelta(minutes=m)) for m in (120, -300, 330, -180, 540, 60, -420))
#: an empty object is served as ``[]`` this often in a drifted row (PHP's json_encode of an
#: empty array: common), an empty list as ``{}`` with VALUE_P (less common)
EMPTY_OBJECT_P = 0.5
# kinds per value type, weighted: the stack's usual drifts (decimal/integer strings) are more
# frequent than undocumented types; None = no drift (strings rarely change type)
_NUMBER_KINDS = ("not_a_number", "unexpected_object", "unexpected_list")
_DECIMAL_KINDS = ("decimal_string",) * 6 + _NUMBER_KINDS
_INT_KINDS = ("int_string",) * 6 + _NUMBER_KINDS
_BOOL_KINDS = ("bool_int", "bool_string")
_DATETIME_KINDS = ("space_timestamp", "space_timestamp", "offset_timestamp", "zero_date")
_REPLICATION_KINDS = ("space_timestamp", "offset_timestamp")
_STR_KINDS = ("unexpected_object", "unexpected_list", None, None, None, None)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Drift:
    """One drifted value: where (keys/indexes from the row), how, and both forms."""

    path: Path
    kind: str
    original: Any
    served: Any


def row_rng(seed: int, endpoint: str, row_id: int) -> random.Random:
    return random.Random(f"{seed}:{endpoint}:{row_id}")


def drift_row(
    row: dict[str, Any], style: str, rng: random.Random, p: float = VALUE_P
) -> tuple[dict[str, Any], list[Drift]]:
    """The row as JSON-ready values with drifts applied, and the log of what drifted."""
    walker = _Walker(style, rng, p)
    out = {k: walker.value(v, (k,)) for k, v in row.items()}
    return out, walker.log


def _plain(value: Any, style: str) -> Any:
    t = type(value)
    if t is dict:
        return {k: _plain(v, style) for k, v in value.items()}
    if t is list or t is tuple:
        return [_plain(v, style) for v in value]
    if isinstance(value, datetime):
        return format_dt(value, style)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _space(dt: datetime) -> str:
    dt = as_utc(dt)
    text = dt.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{dt.microsecond:06d}" if dt.microsecond else text


def _scalar_kind(value: Any, name: str, top: bool, rng: random.Random) -> str | None:
    if name in KEY_FIELDS:
        return "int_string" if type(value) is int else None
    if top and name == REPLICATION_KEY:
        return rng.choice(_REPLICATION_KINDS) if isinstance(value, datetime) else None
    if isinstance(value, bool):
        return rng.choice(_BOOL_KINDS)
    if isinstance(value, int):
        return rng.choice(_INT_KINDS)
    if isinstance(value, Decimal):
        return rng.choice(_DECIMAL_KINDS)
    if isinstance(value, datetime):
        return rng.choice(_DATETIME_KINDS)
    if isinstance(value, date):
        return "zero_date"
    if isinstance(value, str):
        return rng.choice(_STR_KINDS)
    return None


class _Walker:
    def __init__(self, style: str, rng: random.Random, p: float) -> None:
        self.style = style
        self.rng = rng
        self.p = p
        self.log: list[Drift] = []

    def value(self, value: Any, path: Path) -> Any:
        rng, p = self.rng, self.p
        name = path[-1] if isinstance(path[-1], str) else ""
        if isinstance(value, dict):
            if not value:
                if rng.random() < EMPTY_OBJECT_P:
                    self.log.append(Drift(path, "empty_object_as_list", {}, []))
                    return []
                return {}
            if name.endswith("weight") and "value" in value and rng.random() < p:
                plain = _plain(value, self.style)
                if rng.random() < 0.5:
                    served: Any = plain["value"]
                    kind = "weight_number"
                else:
                    served, kind = [plain], "weight_list"
                self.log.append(Drift(path, kind, plain, served))
                return served
            return {k: self.value(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if not value:
                if rng.random() < p:
                    self.log.append(Drift(path, "empty_list_as_object", [], {}))
                    return {}
                return []
            return [self.value(v, (*path, i)) for i, v in enumerate(value)]
        plain = _plain(value, self.style)
        if value is None or rng.random() >= p:
            return plain
        kind_or_none = _scalar_kind(value, name, len(path) == 1, rng)
        if kind_or_none is None:
            return plain
        served = _served(kind_or_none, value, plain, rng)
        self.log.append(Drift(path, kind_or_none, plain, served))
        return served


def _served(kind: str, value: Any, plain: Any, rng: random.Random) -> Any:
    if kind in ("decimal_string", "int_string"):
        return str(value)
    if kind == "bool_int":
        return int(value)
    if kind == "bool_string":
        return rng.choice((("0", "1"), ("false", "true")))[int(value)]
    if kind == "zero_date":
        return "0000-00-00 00:00:00" if isinstance(value, datetime) else "0000-00-00"
    if kind == "space_timestamp":
        return _space(value)
    if kind == "offset_timestamp":
        return as_utc(value).astimezone(rng.choice(_OFFSETS)).isoformat()
    if kind == "unexpected_object":
        return {"value": plain}
    if kind == "unexpected_list":
        return [plain]
    if kind == "not_a_number":
        return "n/a"
    raise ValueError(kind)


__all__ = ["EMPTY_OBJECT_P", "KEY_FIELDS", "KINDS", "VALUE_P", "Drift", "drift_row", "row_rng"]
