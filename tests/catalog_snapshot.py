"""The discovered catalog in brief: every stream's keys, replication key, default selection and
columns with their types. tests/catalog_snapshot.json is the committed copy.

Renaming or dropping a stream or a column changes what users' targets hold, so it must be done on
purpose: after such a change, `python -m tests.catalog_snapshot --update` rewrites the file, and
the diff shows what users will see.
"""

from __future__ import annotations

import json
import sys
import typing as t
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("catalog_snapshot.json")


def _types(schema: dict[str, t.Any]) -> str:
    kind = schema.get("type", "any")
    kinds = [kind] if isinstance(kind, str) else list(kind)
    text = "|".join(kinds)
    return f"{text} ({schema['format']})" if "format" in schema else text


def current() -> dict[str, t.Any]:
    """The catalog the tap discovers now, in brief."""
    from tap_luminous.tap import TapLuminous

    tap = TapLuminous(
        config={"api_token": "x", "api_url": "http://127.0.0.1:9/external/api/v1"},
        setup_mapper=False,
        validate_config=False,
    )
    brief = {}
    for entry in tap.catalog_dict["streams"]:
        root = next(m for m in entry["metadata"] if m["breadcrumb"] == [])["metadata"]
        brief[entry["tap_stream_id"]] = {
            "key_properties": list(entry.get("key_properties") or ()),
            "replication_key": entry.get("replication_key"),
            "selected_by_default": bool(root.get("selected-by-default")),
            "columns": {name: _types(p) for name, p in entry["schema"]["properties"].items()},
        }
    return brief


def main(argv: list[str]) -> int:
    text = json.dumps(current(), indent=1) + "\n"
    if argv[1:] == ["--update"]:
        SNAPSHOT.write_text(text, "utf-8")
        print(f"wrote {SNAPSHOT}")
        return 0
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
