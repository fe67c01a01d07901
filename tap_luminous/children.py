"""Child streams: the rows of a parent's nested array, emitted in the parent's single pass.

A child stream makes no request. Its rows are the elements of one array field of the parent's
records (already valid against the parent's schema), each with the parent's key and
`_parent_updated_at`; values the parent kept in `_invalid_values` under the element's path move
to the child row's own side column.

singer-sdk 0.54 syncs a child stream once per parent record (`_sync_children`): a `sync()` call,
SCHEMA handling, log lines and state partitions for every order. Our children need no request
of their own, so the parent (`ParentOfChildren`) turns that machinery off
(`generate_child_contexts` yields nothing) and writes the children's SCHEMA and RECORD messages
itself, through the SDK's own writers (`write_schema`, `write_record` in _sdk_internals.py),
which apply selection, stream maps and type conformance exactly as for any stream.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk.streams import Stream

from tap_luminous._sdk_internals import write_record, write_schema
from tap_luminous.errors import ProtocolError
from tap_luminous.lazy import decoded
from tap_luminous.output import FastRecordsMixin
from tap_luminous.records import EXTRA_FIELDS, INVALID_VALUES
from tap_luminous.schema_loader import load_schema
from tap_luminous.versions import VersionedStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers import types

#: Parent state key: the child streams that ran with the parent's bookmark (for backfills).
CHILDREN_STATE_KEY = "child_streams"

_PARENT_UPDATED_AT = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "The parent's updated_at when this row was extracted. A child row whose value "
    "is older than its parent's updated_at no longer exists in the parent (see README).",
}


class ParentOfChildren(Stream):
    """A parent stream: emits its child streams in its own single pass (see above)."""

    def generate_child_contexts(
        self,
        record: types.Record,
        context: types.Context | None,
    ) -> t.Iterable[types.Context | None]:
        return ()

    _selected_children: list[NestedArrayStream] | None = None

    @property
    def selected_children(self) -> list[NestedArrayStream]:
        # Selection is fixed for a run; the SDK's `selected` resolves metadata on every call.
        if self._selected_children is None:
            self._selected_children = [
                child
                for child in self.child_streams
                if isinstance(child, NestedArrayStream) and child.selected
            ]
        return self._selected_children

    def post_process(
        self, row: types.Record, context: types.Context | None = None
    ) -> types.Record | None:
        record = super().post_process(row, context)
        if record is not None:
            self.emit_children(record)
            for array_field in self._arrays_to_drop:
                record.pop(array_field, None)
        return record

    @cached_property
    def _arrays_to_drop(self) -> tuple[str, ...]:
        """Nested arrays removed from the parent (`keep_nested_arrays: false`); fixed per run."""
        if self.config["keep_nested_arrays"]:
            return ()
        return tuple(
            child.array_field
            for child in self.child_streams
            if isinstance(child, NestedArrayStream)
        )

    def children_to_backfill(self) -> list[str]:
        """Selected children that did not run with the parent's current bookmark.

        A bookmark without `child_streams` was written by hand in the SDK's standard shape
        (the tap always writes the list, `[]` included): it covers the children selected now.
        """
        if not self.stream_state.get("replication_key_value"):
            return []
        selected = sorted(c.name for c in self.selected_children)
        if CHILDREN_STATE_KEY not in self.stream_state:
            if selected:
                self.logger.info(
                    "The %s bookmark has no `child_streams` (written by hand?): taking it as "
                    "the bookmark of %s too; remove the bookmark to backfill them",
                    self.name,
                    ", ".join(selected),
                )
            return []
        synced = set(self.stream_state.get(CHILDREN_STATE_KEY) or ())
        return [name for name in selected if name not in synced]

    def remember_children(self) -> None:
        if any(isinstance(child, NestedArrayStream) for child in self.child_streams):
            self.stream_state[CHILDREN_STATE_KEY] = sorted(c.name for c in self.selected_children)

    def start_children(self) -> None:
        for child in self.selected_children:
            write_schema(child)
            child.emitted = 0

    def emit_children(self, record: types.Record) -> None:
        for child in self.selected_children:
            for child_record in child.rows_from_parent(record):
                write_record(child, child_record)
                child.emitted += 1

    def finish_children(self) -> None:
        for child in self.selected_children:
            self.logger.info(
                "Stream '%s': %d records from %s.%s",
                child.name,
                child.emitted,
                self.name,
                child.array_field,
            )


class NestedArrayStream(VersionedStream, FastRecordsMixin):
    """A stream made of the elements of one nested array of its parent's records."""

    #: The parent record's array that holds this stream's rows.
    array_field: str = ""
    emitted: int = 0

    def rows_from_parent(self, parent: types.Record) -> t.Iterator[dict[str, t.Any]]:
        raise NotImplementedError

    def get_records(self, context: types.Context | None) -> t.Iterable[dict[str, t.Any]]:
        return ()  # rows are emitted by the parent (ParentOfChildren)


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
