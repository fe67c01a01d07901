"""Child streams: the rows of a parent's nested array, emitted in the parent's single pass.

A child stream makes no request. Its rows are the elements of one array field of the parent's
records (already valid against the parent's schema), each with the parent's key and
`_parent_updated_at`; values the parent kept in `_invalid_values` under the element's path move
to the child row's own side column. The SDK plumbing (one pass, versions) is
`NestedArrayStream` in _sdk_internals.py.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from tap_luminous._sdk_internals import NestedArrayStream
from tap_luminous.errors import ProtocolError
from tap_luminous.lazy import decoded
from tap_luminous.records import EXTRA_FIELDS, INVALID_VALUES
from tap_luminous.schema_loader import load_schema

_PARENT_UPDATED_AT = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "The parent's updated_at when this row was extracted. A child row whose value "
    "is older than its parent's updated_at no longer exists in the parent (see README).",
}


class ChildStream(NestedArrayStream):
    """One nested array of a parent stream, as a stream: a declaration names the array."""

    #: Schema file of one array element, e.g. shared/sales_order_item.json; empty: the
    #: element schema inside the parent's schema.
    element_schema: str = ""
    #: The parent's key field, and its name on the child rows.
    parent_key: str = ""
    parent_key_as: str = ""
    #: A key column the tap makes (text), for arrays whose elements may lack an id of their
    #: own, and what it holds; `made_key_value` computes it. None: the elements' own key.
    made_key: str | None = None
    made_key_description: str = ""

    @cached_property
    def schema(self) -> dict[str, t.Any]:
        parent = t.cast("t.Any", self.parent_stream_type)
        parent_schema = load_schema(parent.schema_name or parent.name)
        if self.element_schema:
            element = load_schema(self.element_schema)
        else:
            element = parent_schema["properties"][self.array_field]["items"]
        element.pop("additionalProperties", None)
        element["type"] = "object"
        properties = element["properties"]
        for key in self.primary_keys or ():
            if key in properties:  # nullable inside the parent, required here
                properties[key] = {**properties[key], "type": _not_null(properties[key])}
        parent_key_type = _not_null(parent_schema["properties"][self.parent_key])
        element["properties"] = {
            self.parent_key_as: {
                "type": parent_key_type if isinstance(parent_key_type, list) else [parent_key_type],
                "description": "The parent's key.",
            },
            **properties,
            "_parent_updated_at": _PARENT_UPDATED_AT,
            EXTRA_FIELDS: load_schema("shared/extra_fields.json"),
            INVALID_VALUES: load_schema("shared/invalid_values.json"),
        }
        element["required"] = sorted({*(self.primary_keys or ()), self.parent_key_as})
        if self.made_key:
            made = {"type": ["string"], "description": self.made_key_description}
            element["properties"] = {self.made_key: made, **element["properties"]}
        return element

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(self.schema["properties"]) - {EXTRA_FIELDS, INVALID_VALUES}

    def rows_from_parent(self, parent: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        """The parent's array elements as rows; the parent's row was already normalised."""
        elements = decoded(parent.get(self.array_field)) or ()
        parent_id = decoded(parent.get(self.parent_key))
        parent_updated_at = parent.get("updated_at")
        parent_invalid = parent.get(INVALID_VALUES) or {}
        for index, element in enumerate(elements):
            prefix = f"{self.array_field}[{index}]"
            if not isinstance(element, dict):
                # Only a value the parent kept in its side column can be a non-object here.
                self.logger.warning(
                    "Stream '%s': %s %s has a non-object at %s; not emitted (kept in the "
                    "parent's _invalid_values)",
                    self.name,
                    self.parent_key,
                    parent_id,
                    prefix,
                )
                continue
            row = dict(element)
            unknown = row.keys() - self._known
            if unknown:
                row[EXTRA_FIELDS] = {name: row.pop(name) for name in sorted(unknown)}
            if parent_invalid:
                own = {
                    path[len(prefix) + 1 :]: value
                    for path, value in parent_invalid.items()
                    if path.startswith(prefix + ".")
                }
                if own:
                    row[INVALID_VALUES] = own
            row[self.parent_key_as] = parent_id
            row["_parent_updated_at"] = parent_updated_at
            keyed = self.keyed(row, index)
            for key in self.primary_keys or ():
                if keyed.get(key) is None:
                    raise ProtocolError(
                        f"Stream '{self.name}': {self.parent_key} {parent_id}, {prefix}: `{key}` "
                        "is missing or not an integer; a row without its primary key cannot be "
                        "loaded, so the run stops here"
                    )
            yield keyed

    def keyed(self, row: dict[str, t.Any], index: int) -> dict[str, t.Any]:
        if self.made_key:
            row[self.made_key] = self.made_key_value(row, index)
        return row

    def made_key_value(self, row: dict[str, t.Any], index: int) -> str:
        raise NotImplementedError(f"{type(self).__name__} declares made_key without a value")


def _not_null(schema: dict[str, t.Any]) -> str | list[str]:
    """The schema's types without "null": one type as a string, several as a list."""
    types = schema.get("type", "integer")
    kept = [types] if isinstance(types, str) else [x for x in types if x != "null"]
    return kept[0] if len(kept) == 1 else kept
