"""Every record valid against its SCHEMA, nothing the server sent lost, sensitive values withheld.

The docs give examples, not a schema, and the backend is PHP/Laravel, so values drift from the
documented shapes (decimal and integer strings, 0/1 booleans, zero dates, timestamps without `T`
and zone, `[]` for an empty object). Each stream compiles, once, two things from its schema:

- a **check**: msgspec types that accept exactly the values the schema allows (numbers as JSON
  numbers, UTC RFC 3339 timestamps, ...). A page that passes it, and that holds none of the
  sensitive field names and no suspicious escape, is emitted as it came: its rows are decoded
  shallowly (values stay JSON text, `msgspec.Raw`, written out byte for byte);
- a **normaliser** for the rows that do not pass: every lossless case becomes the declared type
  (`"15.75"` -> 15.75, `"1"` -> true, `0000-00-00` -> null, `2024-01-15 10:30:00` ->
  `2024-01-15T10:30:00.000000+00:00`, `[]` -> `{}`); a value that still does not fit is nulled
  and kept, under its JSON path, in the record's `_invalid_values` side column (or stops the run
  with `invalid_values: fail`). Sensitive fields (bank details, `credentials`) are dropped
  wherever they appear unless `include_sensitive_fields` is on.

Both paths produce the same record for a row that needs no change (tests/test_records_shape.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import logging
import math
import re
import typing as t
from collections import Counter

import msgspec

from tap_luminous.errors import ProtocolError
from tap_luminous.timestamps import UTC, format_timestamp

#: Dropped wherever they appear unless `include_sensitive_fields` is on (supplier banking data,
#: channel credentials).
SENSITIVE_FIELDS = frozenset(
    {"bank_name", "routing_number", "account_number", "swift_code", "credentials"}
)
EXTRA_FIELDS = "_extra_fields"
INVALID_VALUES = "_invalid_values"
#: Columns the tap adds; a server field of the same name is never taken for them.
TAP_COLUMNS = frozenset({EXTRA_FIELDS, INVALID_VALUES})

_DT_CANONICAL = (
    r"\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
)
#: What passes the fast check untouched. 29 February takes the slow path, which knows leap years.
_DATE_PATTERN = f"^{_DT_CANONICAL}$"
_DATETIME_PATTERN = (
    f"^{_DT_CANONICAL}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{{1,9}})?(?:Z|\\+00:00)$"
)
_DECIMAL_TEXT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER_TEXT = re.compile(r"-?\d+")
_ZERO_DATE = re.compile(r"0000-00-00(?:[T ]00:00:00(?:\.0+)?(?:Z|[+-]00:?00)?)?")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Text a target cannot store: lone surrogates (bytes that were not UTF-8, or `\\ud800`
#: escapes) and NUL, which PostgreSQL rejects in text and jsonb.
_UNSTORABLE_TEXT = re.compile("[\ud800-\udfff\x00]")
#: An escaped ASCII letter/digit (no sane encoder writes one; it could spell a sensitive key),
#: a surrogate escape, or an escaped NUL: such a page takes the slow path.
_SUSPICIOUS_ESCAPE = re.compile(rb"\\u(?:00[2-7]|[dD][89a-fA-F]|0000)")
_SENSITIVE_BYTES = tuple(name.encode() for name in sorted(SENSITIVE_FIELDS))

_decode_rows_raw = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_shallow = msgspec.json.Decoder(list[dict[str, msgspec.Raw]]).decode
_decode_shallow_row = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_decode_full = msgspec.json.Decoder(float_hook=decimal.Decimal).decode
_TRUE_TEXT = {"1": True, "0": False, "true": True, "false": False}

Path = str
Normaliser = t.Callable[[t.Any, Path, "_Findings"], t.Any]


class _NoFit(Exception):
    """A value that does not fit its declared type (internal)."""


class _Findings:
    """What the normaliser found in one record: values that did not fit, sensitive fields."""

    __slots__ = ("invalid", "sensitive")

    def __init__(self) -> None:
        self.invalid: dict[str, t.Any] = {}
        self.sensitive: list[str] = []


def _types(schema: dict[str, t.Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return set()
    return {declared} if isinstance(declared, str) else set(declared)


def is_free_form(schema: dict[str, t.Any]) -> bool:
    """An object whose shape no docs page shows: any keys, kept as they came."""
    return "object" in _types(schema) and not schema.get("properties")


def _is_measure(schema: dict[str, t.Any]) -> bool:
    """`{value, unit}` objects (weights): the docs also show a bare number and a list."""
    return set(schema.get("properties") or ()) == {"unit", "value"}


def _path(prefix: Path, name: str) -> Path:
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
        return {_clean_text(k): _original(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_original(v) for v in value]
    return value


def _clean_text(value: str) -> str:
    return _UNSTORABLE_TEXT.sub("\ufffd", value) if _UNSTORABLE_TEXT.search(value) else value


def _clean_any(value: t.Any, path: Path, found: _Findings) -> t.Any:
    """Free-form content, kept as it came but as valid UTF-8 (bad text goes to the side column)."""
    if isinstance(value, str):
        if _UNSTORABLE_TEXT.search(value):
            found.invalid[path] = _original(value)
            return _clean_text(value)
        return value
    if isinstance(value, dict):
        return {
            _clean_text(k): _clean_any(v, _path(path, _clean_text(k)), found)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_clean_any(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
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


_DATETIME_RE = re.compile(_DATETIME_PATTERN)
_DATE_RE = re.compile(_DATE_PATTERN)


def _parse_datetime(text: str) -> dt.datetime:
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
    return format_timestamp(_parse_datetime(value))


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
    parsed = _parse_datetime(text)  # a midnight date-time is the date; any other time is not
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
    types = _types(schema)
    nullable = "null" in types
    if not types:
        return _clean_any
    if "object" in types and not schema.get("properties"):
        return _free_form(nullable)
    if "object" in types:
        return _object(schema, nullable)
    if "array" in types:
        return _array(schema, nullable)
    kind = next(k for k in ("integer", "number", "boolean", "string") if k in types)
    convert = _SCALARS.get((kind, schema.get("format") if kind == "string" else None))
    if convert is None:
        convert = _to_string

    def scalar(value: t.Any, path: Path, found: _Findings) -> t.Any:
        if value is None:
            return None
        if isinstance(value, str) and _UNSTORABLE_TEXT.search(value):
            # Not valid UTF-8: U+FFFD in the record, the bytes in the side column.
            found.invalid[path] = _original(value)
            value = _clean_text(value)
        try:
            return convert(value)
        except _NoFit:
            found.invalid.setdefault(path, _original(value))
            return None

    return scalar


def _free_form(nullable: bool) -> Normaliser:
    def free_form(value: t.Any, path: Path, found: _Findings) -> t.Any:
        if value is None or isinstance(value, dict):
            return None if value is None else _clean_any(value, path, found)
        if value == []:
            return {}  # PHP's json_encode of an empty array
        found.invalid[path] = _original(value)
        return None

    return free_form


def _object(schema: dict[str, t.Any], nullable: bool) -> Normaliser:
    fields = {name: compile_normaliser(sub) for name, sub in schema["properties"].items()}
    keep_unknown = schema.get("additionalProperties", True) is not False
    measure = _is_measure(schema)

    def obj(value: t.Any, path: Path, found: _Findings) -> t.Any:
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
                out[key] = normalise(item, _path(path, key), found)
            elif keep_unknown:
                name = _clean_text(key)
                out[name] = _clean_any(item, _path(path, name), found)
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


def _array(schema: dict[str, t.Any], nullable: bool) -> Normaliser:
    item = compile_normaliser(schema.get("items") or {})

    def array(value: t.Any, path: Path, found: _Findings) -> t.Any:
        if value is None:
            return None
        if value == {}:
            return []  # an empty list sent as an empty object
        if not isinstance(value, list):
            found.invalid[path] = _original(value)
            return None
        return [item(element, f"{path}[{i}]", found) for i, element in enumerate(value)]

    return array


# -- the fast check -------------------------------------------------------------------------------
def _check_type(schema: dict[str, t.Any], *, required: bool = False) -> t.Any:
    """A msgspec type accepting exactly what `schema` allows without any normalisation."""
    types = _types(schema)
    checked: t.Any
    if not types:
        checked = t.Any
    elif "object" in types and not schema.get("properties"):
        checked = dict[str, t.Any]
    elif "object" in types:
        checked = _check_struct(schema)
    elif "array" in types:
        checked = list[_check_type(schema.get("items") or {})]  # type: ignore[misc]
    elif "integer" in types:
        checked = int
    elif "number" in types:
        checked = float  # a JSON number (its digits are written out as they came)
    elif "boolean" in types:
        checked = bool
    elif schema.get("format") == "date-time":
        checked = t.Annotated[str, msgspec.Meta(pattern=_DATETIME_PATTERN)]
    elif schema.get("format") == "date":
        checked = t.Annotated[str, msgspec.Meta(pattern=_DATE_PATTERN)]
    else:
        checked = str
    return checked if required else t.Optional[checked]  # noqa: UP045 (a runtime type)


_struct_names = iter(range(1_000_000))


def _check_struct(schema: dict[str, t.Any], *, top_level: bool = False) -> t.Any:
    required = set(schema.get("required") or ())
    fields: list[tuple[str, t.Any] | tuple[str, t.Any, t.Any]] = []
    for name, sub in schema["properties"].items():
        if top_level and name in TAP_COLUMNS:
            continue
        if name in required:
            fields.append((name, _check_type(sub, required=True)))
        else:
            fields.append((name, _check_type(sub), None))
    fields.sort(key=len)  # msgspec: fields without a default first
    return msgspec.defstruct(f"Checked{next(_struct_names)}", fields, kw_only=True, gc=False)


class RecordShaper:
    """One stream's path from the page's `data` (JSON text) to rows valid against its schema."""

    def __init__(
        self,
        stream_name: str,
        schema: dict[str, t.Any],
        key_properties: t.Sequence[str],
        logger: logging.Logger,
        *,
        include_sensitive: bool = False,
        fail_on_invalid: bool = False,
    ) -> None:
        self.stream_name = stream_name
        self.key_properties = tuple(key_properties)
        self.logger = logger
        self.include_sensitive = include_sensitive
        self.fail_on_invalid = fail_on_invalid
        self.known = frozenset(schema["properties"])
        declared = {k: v for k, v in schema["properties"].items() if k not in TAP_COLUMNS}
        self._normalise = _object({"properties": declared, "additionalProperties": False}, False)
        row_type = _check_struct(schema, top_level=True)
        self._check_page = msgspec.json.Decoder(list[row_type]).decode  # type: ignore[valid-type]
        self._check_row = msgspec.json.Decoder(row_type).decode
        self.invalid_counts: Counter[str] = Counter()
        self.sensitive_counts: Counter[str] = Counter()
        self._reported_unknown: set[str] = set()

    # -- pages ------------------------------------------------------------------------------
    def rows(self, data: t.Any, where: str) -> list[dict[str, t.Any]]:
        """The rows of one page's `data` (JSON text or decoded), each valid for the schema.

        `where` names the page in errors (endpoint and page number or cursor).
        """
        if isinstance(data, list):  # already decoded (tests, SDK paths): always normalised
            return [self._slow(row, where, i) for i, row in enumerate(data)]
        text = bytes(data)
        if self._may_pass(text):
            try:
                self._check_page(text)
            except (msgspec.ValidationError, msgspec.DecodeError):
                pass
            else:
                return [self._fast(row) for row in _decode_shallow(text)]
        try:
            row_texts = _decode_rows_raw(text)
        except msgspec.DecodeError:  # e.g. a lone surrogate escape, which msgspec refuses
            rows = _lenient_decode(text)
            if not isinstance(rows, list):
                raise ProtocolError(f"{where}: `data` is not a list") from None
            return [self._slow(row, where, i) for i, row in enumerate(rows)]
        out = []
        for position, row_text in enumerate(row_texts):
            row_bytes = bytes(row_text)
            if self._may_pass(row_bytes):
                try:
                    self._check_row(row_bytes)
                except (msgspec.ValidationError, msgspec.DecodeError):
                    pass
                else:
                    out.append(self._fast(_decode_shallow_row(row_bytes)))
                    continue
            out.append(self._slow(_lenient_decode(row_bytes), where, position))
        return out

    def _may_pass(self, text: bytes) -> bool:
        """Whether the page can be written verbatim once it passes the type check (which does
        not look inside undocumented fields)."""
        if not self.include_sensitive and any(name in text for name in _SENSITIVE_BYTES):
            return False
        if b"\\u" in text and _SUSPICIOUS_ESCAPE.search(text) is not None:
            return False
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    def _fast(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        """A row that passed the check: only undocumented fields move, to `_extra_fields`."""
        if not row.keys() <= self.known or TAP_COLUMNS & row.keys():
            self._move_unknown(row)
        return row

    def _move_unknown(self, row: dict[str, t.Any]) -> None:
        unknown = sorted((row.keys() - self.known) | (TAP_COLUMNS & row.keys()))
        if not unknown:
            return
        row[EXTRA_FIELDS] = {name: row.pop(name) for name in unknown}
        new = set(unknown) - self._reported_unknown
        if new:
            self._reported_unknown |= new
            self.logger.warning(
                "Stream '%s': the API sent fields the schema does not list; they are kept in "
                "_extra_fields: %s",
                self.stream_name,
                ", ".join(sorted(new)),
            )

    def _slow(self, row: t.Any, where: str, position: int) -> dict[str, t.Any]:
        if not isinstance(row, dict):
            raise ProtocolError(
                f"{where}: row {position + 1} of the page is a {type(row).__name__}, not an object"
            )
        found = _Findings()
        if not self.include_sensitive:
            row = _without_sensitive(row, "", found)
        extras = {k: row[k] for k in row if k not in self.known or k in TAP_COLUMNS}
        out = self._normalise({k: v for k, v in row.items() if k not in extras}, "", found)
        if extras:
            cleaned = {
                _clean_text(k): _clean_any(v, _path(EXTRA_FIELDS, _clean_text(k)), found)
                for k, v in extras.items()
            }
            out.update(cleaned)
            self._move_unknown(out)
        for key in self.key_properties:
            if out.get(key) is None:
                self._missing_key(key, row, where, position, found)
        self._note(found, out, where)
        return t.cast("dict[str, t.Any]", out)

    def _missing_key(
        self, key: str, row: dict[str, t.Any], where: str, position: int, found: _Findings
    ) -> None:
        if key in found.invalid:
            what = f"`{key}` is {_describe(found.invalid[key])}"
        else:
            what = f"`{key}` is missing" if key not in row else f"`{key}` is null"
        raise ProtocolError(
            f"Stream '{self.stream_name}': {where}, row {position + 1}: {what}; a row without "
            "its primary key cannot be loaded, so the run stops here"
        )

    def _note(self, found: _Findings, out: dict[str, t.Any], where: str) -> None:
        for path in found.sensitive:
            field = _field_name(path)
            if not self.sensitive_counts[field]:
                self.logger.warning(
                    "Stream '%s': dropped the sensitive field '%s' (and any like it) from the "
                    "records; set include_sensitive_fields to keep such fields",
                    self.stream_name,
                    field,
                )
            self.sensitive_counts[field] += 1
        if not found.invalid:
            return
        if self.fail_on_invalid:
            path, value = next(iter(found.invalid.items()))
            keys = ", ".join(f"{k}={out.get(k)!r}" for k in self.key_properties)
            raise ProtocolError(
                f"Stream '{self.stream_name}': {where}, record {keys}: field `{path}` does not "
                f"fit its schema: got {_describe(value)} (invalid_values=fail)"
            )
        out[INVALID_VALUES] = found.invalid
        for path, value in found.invalid.items():
            field = _field_name(path)
            if not self.invalid_counts[field]:
                self.logger.warning(
                    "Stream '%s': field `%s` sent %s, which does not fit its schema; the field "
                    "is null (text: repaired) in that record and the value is kept in "
                    "_invalid_values",
                    self.stream_name,
                    field,
                    _kind(value),
                )
            self.invalid_counts[field] += 1

    def report(self) -> None:
        """Counts per field at the end of the stream (nothing when every value fitted)."""
        if self.invalid_counts:
            counts = ", ".join(f"{f}={n}" for f, n in sorted(self.invalid_counts.items()))
            self.logger.warning(
                "Stream '%s': values kept in _invalid_values, by field: %s",
                self.stream_name,
                counts,
            )
        if self.sensitive_counts:
            counts = ", ".join(f"{f}={n}" for f, n in sorted(self.sensitive_counts.items()))
            self.logger.info("Stream '%s': sensitive fields dropped: %s", self.stream_name, counts)


def _without_sensitive(value: t.Any, path: Path, found: _Findings) -> t.Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in SENSITIVE_FIELDS:
                found.sensitive.append(_path(path, key))
                continue
            out[key] = _without_sensitive(item, _path(path, key), found)
        return out
    if isinstance(value, list):
        return [_without_sensitive(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


_INDEX = re.compile(r"\[\d+\]")


def _field_name(path: str) -> str:
    """`items[2].price` -> `items[].price` (counts and warnings per field, not per row)."""
    return _INDEX.sub("[]", path)


def _kind(value: t.Any) -> str:
    if isinstance(value, dict) and set(value) == {"bytes_base64"}:
        return "text that is not valid UTF-8"
    names = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, (int, decimal.Decimal, float)) else type(value).__name__


def _describe(value: t.Any) -> str:
    text = msgspec.json.encode(value).decode()
    return f"{_kind(value)} {text[:80]}{'...' if len(text) > 80 else ''}"


def _lenient_decode(row: bytes) -> t.Any:
    """A row as Python objects, numbers as Decimal; bytes that are not UTF-8, and lone surrogate
    escapes, survive as surrogates (cleaned and kept in the side column by the normaliser)."""
    try:
        return _decode_full(row)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return json.loads(row.decode("utf-8", "surrogateescape"), parse_float=decimal.Decimal)
