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

import decimal
import json
import logging
import re
import typing as t
from collections import Counter

import msgspec

from tap_luminous.errors import ProtocolError
from tap_luminous.normalise import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    Findings,
    Path,
    clean_any,
    clean_text,
    compile_object,
    json_path,
    types_of,
)

#: Dropped wherever they appear unless `include_sensitive_fields` is on (supplier banking data,
#: channel credentials).
SENSITIVE_FIELDS = frozenset(
    {"bank_name", "routing_number", "account_number", "swift_code", "credentials"}
)
EXTRA_FIELDS = "_extra_fields"
INVALID_VALUES = "_invalid_values"
#: Columns the tap adds; a server field of the same name is never taken for them.
TAP_COLUMNS = frozenset({EXTRA_FIELDS, INVALID_VALUES})

#: An escaped ASCII letter/digit (no sane encoder writes one; it could spell a sensitive key),
#: a surrogate escape, or an escaped NUL: such a page takes the slow path.
_SUSPICIOUS_ESCAPE = re.compile(rb"\\u(?:00[2-7]|[dD][89a-fA-F]|0000)")
_SENSITIVE_BYTES = tuple(name.encode() for name in sorted(SENSITIVE_FIELDS))

_decode_rows_raw = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_shallow = msgspec.json.Decoder(list[dict[str, msgspec.Raw]]).decode
_decode_shallow_row = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_decode_full = msgspec.json.Decoder(float_hook=decimal.Decimal).decode


def _check_type(schema: dict[str, t.Any], *, required: bool = False) -> t.Any:
    """A msgspec type accepting exactly what `schema` allows without any normalisation."""
    types = types_of(schema)
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
        checked = t.Annotated[str, msgspec.Meta(pattern=DATETIME_PATTERN)]
    elif schema.get("format") == "date":
        checked = t.Annotated[str, msgspec.Meta(pattern=DATE_PATTERN)]
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
        self._normalise = compile_object(
            {"properties": declared, "additionalProperties": False}, False
        )
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
        found = Findings()
        if not self.include_sensitive:
            row = _without_sensitive(row, "", found)
        extras = {k: row[k] for k in row if k not in self.known or k in TAP_COLUMNS}
        out = self._normalise({k: v for k, v in row.items() if k not in extras}, "", found)
        if extras:
            cleaned = {
                clean_text(k): clean_any(v, json_path(EXTRA_FIELDS, clean_text(k)), found)
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
        self, key: str, row: dict[str, t.Any], where: str, position: int, found: Findings
    ) -> None:
        if key in found.invalid:
            what = f"`{key}` is {_describe(found.invalid[key])}"
        else:
            what = f"`{key}` is missing" if key not in row else f"`{key}` is null"
        raise ProtocolError(
            f"Stream '{self.stream_name}': {where}, row {position + 1}: {what}; a row without "
            "its primary key cannot be loaded, so the run stops here"
        )

    def _note(self, found: Findings, out: dict[str, t.Any], where: str) -> None:
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


def _without_sensitive(value: t.Any, path: Path, found: Findings) -> t.Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in SENSITIVE_FIELDS:
                found.sensitive.append(json_path(path, key))
                continue
            out[key] = _without_sensitive(item, json_path(path, key), found)
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
