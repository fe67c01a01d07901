"""Stream maps that carry money as text, for targets that store JSON numbers as floats.

    python3 scripts/money_as_text.py            # the map for tap-luminous, as JSON
    python3 scripts/money_as_text.py --yaml     # ... as a meltano.yml `config:` block
    python3 scripts/money_as_text.py --streams sales_orders,sales_order_items

Many Singer targets (target-duckdb, pipelinewise-target-postgres, target-sqlite, ...) parse
every JSON number into a Python float and create DOUBLE / REAL columns, so `12.30` lands as
12.3 and a 34-digit amount as 1.2345678901234568e+30. The SDK's built-in stream maps run inside
the tap, where money is still a `Decimal` with its exact digits, so a map per number column,

    total_amount: "str(record['total_amount']) if record.get('total_amount') is not None else None"

sends `"12.30"` as a string (schema type `string`): the target stores text with every digit,
and SQL casts it back (`CAST(total_amount AS DECIMAL(38, 4))`). Columns holding nested objects
or arrays that may contain numbers (`items`, `payments`, `_extra_fields`, ...) are sent as JSON
text made from the same Decimals (`json.dumps(..., default=str)`: nested numbers become JSON
strings such as `"12.30"`), so nested money is exact too.

`money_stream_maps()` builds the map from the streams' JSON schemas; the CLI takes them from
`tap-luminous --discover` (run with this repository's `.venv`, or pass `--catalog FILE`).
scripts/demo.py uses the same function for the demo's DuckDB file. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _types(schema: dict[str, t.Any]) -> set[str]:
    kind = schema.get("type", [])
    found = {kind} if isinstance(kind, str) else set(kind)
    for combinator in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(combinator, []) or []:
            found |= _types(sub)
    return found


def may_hold_number(schema: t.Any) -> bool:
    """True when a value of `schema` can contain a JSON number anywhere inside it."""
    if not isinstance(schema, dict) or not schema:
        return True  # `{}` / `true`: anything
    kinds = _types(schema)
    if not kinds and not any(k in schema for k in ("properties", "items", "anyOf", "oneOf")):
        return True
    if "number" in kinds:
        return True
    for sub in (schema.get("properties") or {}).values():
        if may_hold_number(sub):
            return True
    if "object" in kinds:
        extra = schema.get("additionalProperties", True)
        if extra is not False and (extra is True or may_hold_number(extra)):
            return True
        for sub in (schema.get("patternProperties") or {}).values():
            if may_hold_number(sub):
                return True
    if "array" in kinds:
        items = schema.get("items", True)
        if items is True or may_hold_number(items):
            return True
    for combinator in ("anyOf", "oneOf", "allOf"):
        if any(may_hold_number(s) for s in schema.get(combinator, []) or []):
            return True
    return False


def number_expression(column: str) -> str:
    """`str(...)` keeps a Decimal's digits and exponent (12.30 -> '12.30'); null stays null.

    The expression starts with `str(` so the SDK declares the mapped column as a string.
    """
    key = repr(column)
    return f"str(record[{key}]) if record.get({key}) is not None else None"


def nested_expression(column: str) -> str:
    """JSON text of a nested value, its Decimals as strings; starts with `json.dumps(`."""
    key = repr(column)
    return (
        f"json.dumps(record[{key}], default=str, ensure_ascii=False) "
        f"if record.get({key}) is not None else None"
    )


def money_stream_maps(schemas: dict[str, dict[str, t.Any]]) -> dict[str, dict[str, str]]:
    """`stream_maps` config: every number column as text, nested number holders as JSON text.

    `schemas` maps stream name -> JSON schema. Columns that are numbers AND something else
    (e.g. `["integer", "number"]`) are mapped too; pure integers, strings, booleans and dates
    are left alone.
    """
    maps: dict[str, dict[str, str]] = {}
    for stream, schema in sorted(schemas.items()):
        columns: dict[str, str] = {}
        for column, prop in (schema.get("properties") or {}).items():
            kinds = _types(prop)
            if kinds & {"object", "array"} or not kinds:
                if may_hold_number(prop):
                    columns[column] = nested_expression(column)
            elif "number" in kinds:
                columns[column] = number_expression(column)
        if columns:
            maps[stream] = columns
    return maps


def discover_catalog(executable: str, timeout: float = 120) -> dict[str, t.Any]:
    """The catalog of `tap-luminous --discover` (no request is made)."""
    config = {"api_token": "discover-only", "api_url": "http://127.0.0.1:9/external/api/v1"}
    with tempfile.TemporaryDirectory(prefix="money-as-text-") as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config))
        proc = subprocess.run(
            [executable, "--config", str(path), "--discover"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.startswith("TAP_LUMINOUS_")},
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{executable} --discover failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout)


def catalog_schemas(
    catalog: dict[str, t.Any], *, selected_only: bool = False
) -> dict[str, dict[str, t.Any]]:
    """Stream name -> schema; `selected_only`: the streams the catalog selects (`selected`, else
    `selected-by-default`: the rest of the ERP is not selected by default)."""
    out = {}
    for entry in catalog.get("streams", []):
        root: dict[str, t.Any] = next(
            (m["metadata"] for m in entry.get("metadata", []) if not m["breadcrumb"]), {}
        )
        if selected_only and not root.get("selected", root.get("selected-by-default", False)):
            continue
        out[entry.get("tap_stream_id") or entry["stream"]] = entry["schema"]
    return out


def _default_tap() -> str:
    here = Path(sys.executable).parent / "tap-luminous"
    if here.exists():
        return str(here)
    return str(REPO / ".venv" / "bin" / "tap-luminous")


def _yaml_block(maps: dict[str, dict[str, str]]) -> str:
    lines = ["config:", "  stream_maps:"]
    for stream, columns in maps.items():
        lines.append(f"    {stream}:")
        for column, expr in columns.items():
            lines.append(f"      {column}: {json.dumps(expr)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, help="a Singer catalog file (default: discover)")
    parser.add_argument("--tap", default=None, help="tap executable (default: .venv's)")
    parser.add_argument("--yaml", action="store_true", help="print a meltano.yml config block")
    parser.add_argument(
        "--streams",
        help="comma-separated streams to map (default: the streams the catalog selects, or "
        "those selected by default). Map only the streams you select: the SDK rejects a map "
        "for a deselected stream ('Invalid key properties')",
    )
    args = parser.parse_args(argv)
    if args.catalog:
        catalog = json.loads(args.catalog.read_text())
    else:
        catalog = discover_catalog(args.tap or _default_tap())
    schemas = catalog_schemas(catalog, selected_only=not args.streams)
    if args.streams:
        wanted = {name.strip() for name in args.streams.split(",") if name.strip()}
        unknown = wanted - set(schemas)
        if unknown:
            parser.error(f"unknown streams: {', '.join(sorted(unknown))}")
        schemas = {name: schema for name, schema in schemas.items() if name in wanted}
    maps = money_stream_maps(schemas)
    print(_yaml_block(maps) if args.yaml else json.dumps(maps, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
