"""A Draft 7 validator that checks `date` and `date-time` formats as validating targets do.

jsonschema skips `date-time` silently unless `rfc3339-validator` is installed; the test group
installs it, and `tests/test_records_shape.py` proves this validator rejects what a lenient one
would let through.
"""

from __future__ import annotations

import typing as t

import jsonschema


def strict_validator(schema: dict[str, t.Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def schema_errors(schema: dict[str, t.Any], record: dict[str, t.Any]) -> list[str]:
    """Every way `record` breaks `schema`, as '<path>: <message>' lines."""
    return [
        f"{'.'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in strict_validator(schema).iter_errors(record)
    ]
