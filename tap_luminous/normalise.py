"""The slow path of tap_luminous/records.py: a normaliser compiled from a stream's schema.

Every lossless drift becomes the declared type (`"15.75"` -> 15.75, `"1"` -> true, `0000-00-00`
-> null, `2024-01-15 10:30:00` -> `2024-01-15T10:30:00.000000+00:00`, `[]` -> `{}`); a value that
still does not fit is nulled and noted (`Findings`), under its JSON path, for the record's
`_invalid_values` side column.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import re
import typing as t

from tap_luminous.timestamps import UTC, format_timestamp

_DT_CANONICAL = (
    r"\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
)
#: What passes the fast check untouched. 29 February takes the slow path, which knows leap years.
DATE_PATTERN = f"^{_DT_CANONICAL}$"
DATETIME_PATTERN = (
    f"^{_DT_CANONICAL}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{{1,9}})?(?:Z|\\+00:00)$"
)
_DECIMAL_TEXT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER_TEXT = re.compile(r"-?\d+")
_ZERO_DATE = re.compile(r"0000-00-00(?:[T ]00:00:00(?:\.0+)?(?:Z|[+-]00:?00)?)?")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Text a target cannot store: lone surrogates (bytes that were not UTF-8, or `\\ud800`
#: escapes) and NUL, which PostgreSQL rejects in text and jsonb.
_UNSTORABLE_TEXT = re.compile("[\ud800-\udfff\x00]")
_TRUE_TEXT = {"1": True, "0": False, "true": True, "false": False}

Path = str
Normaliser = t.Callable[[t.Any, Path, "Findings"], t.Any]


class _NoFit(Exception):
    """A value that does not fit its declared type (internal)."""


class Findings:
    """What the normaliser found in one record: values that did not fit, sensitive fields."""

    __slots__ = ("invalid", "sensitive")

    def __init__(self) -> None:
        self.invalid: dict[str, t.Any] = {}
        self.sensitive: list[str] = []


def types_of(schema: dict[str, t.Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return set()
    return {declared} if isinstance(declared, str) else set(declared)


def is_free_form(schema: dict[str, t.Any]) -> bool:
    """An object whose shape no docs page shows: any keys, kept as they came."""
    return "object" in types_of(schema) and not schema.get("properties")


def _is_measure(schema: dict[str, t.Any]) -> bool:
    """`{value, unit}` objects (weights): the docs also show a bare number and a list."""
    return set(schema.get("properties") or ()) == {"unit", "value"}


def json_path(prefix: Path, name: str) -> Path:
    return f"{prefix}.{name}" if prefix else name


def _original(value: t.Any) -> t.Any:
    """A value as the side column keeps it: itself, or its bytes when a target cannot store it."""
    if isinstance(value, str) and _UNSTORABLE_TEXT.search(value):
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogatepass")
        return {"bytes_base64": base64.b64encode(raw).decode("ascii")}
    if isinstance(value, dict):
        return {clean_text(k): _original(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_original(v) for v in value]
    return value


def clean_text(value: str) -> str:
    return _UNSTORABLE_TEXT.sub("\ufffd", value) if _UNSTORABLE_TEXT.search(value) else value


def clean_any(value: t.Any, path: Path, found: Findings) -> t.Any:
    """Free-form content, kept as it came but as valid UTF-8 (bad text goes to the side column)."""
    if isinstance(value, str):
        if _UNSTORABLE_TEXT.search(value):
            found.invalid[path] = _original(value)
            return clean_text(value)
        return value
    if isinstance(value, dict):
        return {
            clean_text(k): clean_any(v, json_path(path, clean_text(k)), found)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [clean_any(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


# -- the normaliser -----------------------------------------------------------------------------
def _to_integer(value: t.Any) -> t.Any:
    if isinstance(value, bool):
        raise _NoFit
    if isinstance(value, int):
        return value
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        raise _NoFit
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.fullmatch(text):
            return int(text)
        if _DECIMAL_TEXT.fullmatch(text):
            return _to_integer(decimal.Decimal(text))
    raise _NoFit


def _to_number(value: t.Any) -> t.Any:
    if isinstance(value, bool):
        raise _NoFit
    if isinstance(value, int):
        return value
    if isinstance(value, decimal.Decimal):
        if value.is_finite():
            return value
        raise _NoFit
    if isinstance(value, float):
        if math.isfinite(value):
            return decimal.Decimal(repr(value))
        raise _NoFit
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        return decimal.Decimal(value.strip())
    raise _NoFit


def _to_boolean(value: t.Any) -> t.Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, decimal.Decimal) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in _TRUE_TEXT:
        return _TRUE_TEXT[value.strip().lower()]
    raise _NoFit


def _to_string(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _NoFit
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)  # the number's own digits
    raise _NoFit


_DATETIME_RE = re.compile(DATETIME_PATTERN)
_DATE_RE = re.compile(DATE_PATTERN)


def _datetime_of(text: str) -> dt.datetime:
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    if _DATE_ONLY.fullmatch(candidate):
        candidate += "T00:00:00+00:00"
    if len(candidate) < 19 or candidate[10] not in "Tt ":
        raise _NoFit
    try:
        parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        raise _NoFit from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _to_datetime(value: t.Any) -> t.Any:
    if not isinstance(value, str):
        raise _NoFit
    if _DATETIME_RE.fullmatch(value):
        return value
    if _ZERO_DATE.fullmatch(value.strip()):
        return None  # MySQL's "no date"
    return format_timestamp(_datetime_of(value))


def _to_date(value: t.Any) -> t.Any:
    if not isinstance(value, str):
        raise _NoFit
    text = value.strip()
    if _DATE_RE.fullmatch(text):
        return text
    if _ZERO_DATE.fullmatch(text):
        return None
    if _DATE_ONLY.fullmatch(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise _NoFit from None
    parsed = _datetime_of(text)  # a midnight date-time is the date; any other time is not
    if parsed.utcoffset() or parsed.time() != dt.time(0):
        raise _NoFit
    return parsed.date().isoformat()


_SCALARS: dict[tuple[str, str | None], t.Callable[[t.Any], t.Any]] = {
    ("integer", None): _to_integer,
    ("number", None): _to_number,
    ("boolean", None): _to_boolean,
    ("string", None): _to_string,
    ("string", "date-time"): _to_datetime,
    ("string", "date"): _to_date,
}


def compile_normaliser(schema: dict[str, t.Any]) -> Normaliser:
    """value, path, findings -> the value in its declared type, or None (noted in findings)."""
    types = types_of(schema)
    nullable = "null" in types
    if not types:
        return clean_any
    if "object" in types and not schema.get("properties"):
        return _free_form(nullable)
    if "object" in types:
        return compile_object(schema, nullable)
    if "array" in types:
        return _array(schema, nullable)
    kind = next(k for k in ("integer", "number", "boolean", "string") if k in types)
    convert = _SCALARS.get((kind, schema.get("format") if kind == "string" else None))
    if convert is None:
        convert = _to_string

    def scalar(value: t.Any, path: Path, found: Findings) -> t.Any:
        if value is None:
            return None
        if isinstance(value, str) and _UNSTORABLE_TEXT.search(value):
            # Not valid UTF-8: U+FFFD in the record, the bytes in the side column.
            found.invalid[path] = _original(value)
            value = clean_text(value)
        try:
            return convert(value)
        except _NoFit:
            found.invalid.setdefault(path, _original(value))
            return None

    return scalar


def _free_form(nullable: bool) -> Normaliser:
    def free_form(value: t.Any, path: Path, found: Findings) -> t.Any:
        if value is None or isinstance(value, dict):
            return None if value is None else clean_any(value, path, found)
        if value == []:
            return {}  # PHP's json_encode of an empty array
        found.invalid[path] = _original(value)
        return None

    return free_form


def compile_object(schema: dict[str, t.Any], nullable: bool) -> Normaliser:
    fields = {name: compile_normaliser(sub) for name, sub in schema["properties"].items()}
    keep_unknown = schema.get("additionalProperties", True) is not False
    measure = _is_measure(schema)

    def obj(value: t.Any, path: Path, found: Findings) -> t.Any:
        if value is None:
            return None
        original = value
        if measure and not isinstance(value, dict):
            value = _as_measure(value)
            if value is _NO_MEASURE:
                found.invalid[path] = _original(original)
                return None
        if value == []:
            value = {}  # PHP's json_encode of an empty array
        if not isinstance(value, dict):
            found.invalid[path] = _original(value)
            return None
        out: dict[str, t.Any] = {}
        for key, item in value.items():
            normalise = fields.get(key)
            if normalise is not None:
                out[key] = normalise(item, json_path(path, key), found)
            elif keep_unknown:
                name = clean_text(key)
                out[name] = clean_any(item, json_path(path, name), found)
        return out

    return obj


_NO_MEASURE: t.Any = object()


def _as_measure(value: t.Any) -> t.Any:
    """A weight given as a bare number, numeric text or a one-element list, as {value, unit}."""
    if isinstance(value, list):
        if not value:
            return {}
        if len(value) == 1 and isinstance(value[0], dict):
            return value[0]
        return _NO_MEASURE
    try:
        return {"value": _to_number(value), "unit": None}
    except _NoFit:
        return _NO_MEASURE


_LIST_INDEX = re.compile(r"0|[1-9]\d{0,17}")


def _php_list(value: dict[str, t.Any]) -> t.Any:
    """A PHP array with gaps as the list it is, else `value` unchanged (a misfit).

    PHP's json_encode writes an array whose keys are not 0..n-1 (after `unset()`, or a Laravel
    `filter()` without `values()`) as an object: `{"0": a, "2": c}` is the list `[a, c]`, in
    integer order of its keys (`"10"` after `"2"`); `{}` is `[]`. Only canonical non-negative
    integer keys qualify (`"02"` or `"-1"` do not).
    """
    if not all(isinstance(key, str) and _LIST_INDEX.fullmatch(key) for key in value):
        return value
    return [value[key] for key in sorted(value, key=int)]


def _array(schema: dict[str, t.Any], nullable: bool) -> Normaliser:
    item = compile_normaliser(schema.get("items") or {})

    def array(value: t.Any, path: Path, found: Findings) -> t.Any:
        if value is None:
            return None
        if isinstance(value, dict):
            value = _php_list(value)
        if not isinstance(value, list):
            found.invalid[path] = _original(value)
            return None
        return [item(element, f"{path}[{i}]", found) for i, element in enumerate(value)]

    return array


# -- the fast check -------------------------------------------------------------------------------
