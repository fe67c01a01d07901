"""Load stream schemas from tap_luminous/schemas, inlining `{"$ref": "shared/x.json"}` refs.

Targets get self-contained schemas: several of them do not resolve `$ref`. A stream's schema file
holds only what the API sends (each property traced to a docs sample); the loader appends the
tap's own columns, `_extra_fields` and `_invalid_values` (tap_luminous/records.py), to every
stream schema, so no schema file repeats them.
"""

from __future__ import annotations

import copy
import json
import typing as t
from functools import cache
from importlib import resources

_SCHEMAS = resources.files("tap_luminous") / "schemas"


@cache
def _read(relative_path: str) -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", json.loads((_SCHEMAS / relative_path).read_text("utf-8")))


def _inline(node: t.Any, seen: tuple[str, ...], *, array_item: bool = False) -> t.Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                raise ValueError(f"schema reference cycle: {' -> '.join((*seen, ref))}")
            return _inline(copy.deepcopy(_read(ref)), (*seen, ref), array_item=array_item)
        resolved = {
            key: _inline(value, seen, array_item=key == "items") for key, value in node.items()
        }
        types = resolved.get("type")
        is_object = types == "object" or (isinstance(types, list) and "object" in types)
        if array_item and is_object and "properties" not in resolved:
            # singer-sdk 0.54's record conformer indexes schema["properties"] of every object
            # it meets as an array element (a KeyError for free-form ones). Anywhere else an
            # empty `properties` would make SDK flattening drop the object, so free-form
            # objects that are not array elements carry none.
            resolved["properties"] = {}
        return resolved
    if isinstance(node, list):
        return [_inline(item, seen) for item in node]
    return node


#: The tap's own columns on every stream (tap_luminous/records.py): a record's fields the
#: schema does not declare, and values that do not fit their declared type.
SIDE_COLUMNS = {
    "_extra_fields": "shared/extra_fields.json",
    "_invalid_values": "shared/invalid_values.json",
}


def load_schema(name: str) -> dict[str, t.Any]:
    """The resolved schema of stream (or shared object, `shared/...`) `name`, a fresh copy each
    call; a stream's ends with the side columns."""
    path = name if name.endswith(".json") else f"{name}.json"
    schema = t.cast("dict[str, t.Any]", _inline(copy.deepcopy(_read(path)), (path,)))
    if not path.startswith("shared/"):
        for column, shared in SIDE_COLUMNS.items():
            schema["properties"][column] = load_schema(shared)
    return schema
