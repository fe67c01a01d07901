"""Pins the singer-sdk behaviour that tap_luminous._sdk_internals relies on.

If an SDK upgrade renames these hooks or changes when they run, these tests fail instead of a
bookmark silently going wrong.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import typing as t
from pathlib import Path

from singer_sdk.streams import Stream
from singer_sdk.streams.core import Stream as CoreStream

from tap_luminous._sdk_internals import PRIVATE_SDK_NAMES, SdkSeam
from tap_luminous.streams import PurchaseOrdersStream, SalesOrdersStream
from tests.conftest import config_for
from tests.singer_io import run_tap


def test_private_hooks_still_exist_with_the_expected_signatures():
    increment = inspect.signature(CoreStream._increment_stream_state)
    assert list(increment.parameters) == ["self", "latest_record", "context"]
    assert list(inspect.signature(CoreStream._write_state_message).parameters) == ["self"]
    source = inspect.getsource(CoreStream._sync_records)
    # The per-record bookmark increment happens inside _sync_records; we disable exactly it.
    assert "self._increment_stream_state(record, context=current_context)" in source
    assert hasattr(Stream, "state_manager")
    # Record and schema writing, replaced by the fast path and used for child streams.
    assert list(inspect.signature(CoreStream._write_record_message).parameters) == [
        "self",
        "record",
    ]
    assert list(inspect.signature(CoreStream._write_schema_message).parameters) == ["self"]
    assert "self._write_record_message(record)" in source
    # Per-parent child syncs happen only for the contexts generate_child_contexts yields.
    assert "self.generate_child_contexts(" in inspect.getsource(CoreStream._process_record)
    # The SDK's signal handler (replaced: it exits 0) and the state writer we call instead.
    from singer_sdk import Tap

    assert list(inspect.signature(Tap._handle_termination).parameters) == [
        "self",
        "signum",
        "frame",
    ]
    assert "state_writer" in dir(Tap)


def test_our_streams_override_the_per_record_increment():
    for stream_type in (SalesOrdersStream, PurchaseOrdersStream):
        assert issubclass(stream_type, SdkSeam)
        assert stream_type._increment_stream_state is SdkSeam._increment_stream_state


def test_no_progress_markers_and_standard_bookmark_shape_after_a_run(api):
    out = run_tap(config_for(api), streams=["sales_orders", "purchase_orders"])
    for stream in ("sales_orders", "purchase_orders"):
        bookmark = out.final_state["bookmarks"][stream]
        # The SDK's standard shape, plus the tap's own keys: the children that ran with the
        # bookmark and the page walk's witnesses (docs/incremental.md).
        own = {"child_streams", *({"filter_witnesses"} if stream == "purchase_orders" else ())}
        assert set(bookmark) == {"replication_key", "replication_key_value", *own}, bookmark
    for state in out.states:
        for bookmark in state.get("bookmarks", {}).values():
            assert "progress_markers" not in bookmark


def test_the_sdk_still_logs_the_sync_error_line_we_quieten():
    from tap_luminous._sdk_internals import SDK_SYNC_ERROR_MESSAGE

    source = inspect.getsource(CoreStream.sync)
    assert f'"{SDK_SYNC_ERROR_MESSAGE}"' in source
    assert "self.log(" in source
    assert list(inspect.signature(CoreStream.log).parameters)[:3] == ["self", "message", "args"]


def test_a_successful_test_run_prints_no_error_line(api, tmp_path):
    from tests.singer_io import run_cli

    out = run_cli(["--test"], tmp_path=tmp_path, config=config_for(api))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ERROR" not in out.stderr, [line for line in out.stderr.splitlines() if "ERROR" in line]
    assert out.messages == []  # the connection test writes nothing (tap_luminous/connection.py)
    assert "Connection test passed" in out.stderr


def test_the_table_version_hooks_we_rely_on():
    """Reconciliations (tap_luminous/versions.py) set `Stream._stream_version`, which both record
    paths copy into RECORD messages, write ACTIVATE_VERSION through
    `Stream._write_activate_version_message` (one per stream-map alias), and turn off the SDK's
    own ACTIVATE_VERSION, which `sync()` writes before the first record of a FULL_TABLE stream
    when `emit_activate_version_messages` is true."""
    from tap_luminous.children import NestedArrayStream
    from tap_luminous.streams import ProductsStream
    from tap_luminous.versions import VersionedStream

    assert "self._stream_version: int | None = None" in inspect.getsource(CoreStream.__init__)
    assert "version=self._stream_version" in inspect.getsource(CoreStream._generate_record_messages)
    activate = CoreStream._write_activate_version_message
    assert list(inspect.signature(activate).parameters) == ["self", "full_table_version"]
    source = inspect.getsource(activate)
    assert "stream=stream_map.stream_alias" in source
    assert "RemoveRecordTransform" in source
    sdk_property = inspect.getattr_static(CoreStream, "emit_activate_version_messages")
    assert isinstance(sdk_property, property)
    sync = inspect.getsource(CoreStream.sync)
    assert "and self.emit_activate_version_messages" in sync
    assert "self._write_activate_version_message(self._stream_version)" in sync
    for stream_type in (SalesOrdersStream, ProductsStream, PurchaseOrdersStream, NestedArrayStream):
        assert issubclass(stream_type, VersionedStream)
        overridden = inspect.getattr_static(stream_type, "emit_activate_version_messages")
        assert overridden is inspect.getattr_static(
            VersionedStream, "emit_activate_version_messages"
        )


REPO = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------
# The list of private SDK names (tap_luminous._sdk_internals.PRIVATE_SDK_NAMES)

_SDK_CLASSES = (
    "singer_sdk.streams.core:Stream",
    "singer_sdk.streams.rest:RESTStream",
    "singer_sdk.tap_base:Tap",
    "singer_sdk.plugin_base:PluginBase",
)


def _sdk_class(spec: str) -> type:
    module, name = spec.split(":")
    return t.cast("type", getattr(importlib.import_module(module), name))


@functools.cache
def _sdk_sources(cls: type) -> str:
    """The source of `cls` and of its singer-sdk bases, once per class."""
    return "\n".join(
        inspect.getsource(klass)
        for klass in cls.__mro__
        if klass.__module__.startswith("singer_sdk")
    )


def _set_in_source(cls: type, attr: str) -> bool:
    source = _sdk_sources(cls)
    return f"self.{attr} " in source or f"self.{attr}:" in source


def test_every_listed_private_sdk_name_still_exists():
    for module_name, dotted, where in PRIVATE_SDK_NAMES:
        owner: t.Any = importlib.import_module(module_name)
        *path, attr = dotted.split(".")
        for part in path:
            owner = getattr(owner, part)
        exists = hasattr(owner, attr) or (isinstance(owner, type) and _set_in_source(owner, attr))
        assert exists, f"{module_name}.{dotted} (used by {where}) is gone"


def _private_names_used_by_the_package() -> tuple[set[tuple[str, str]], set[str]]:
    """(module, name) imported from private SDK modules or as private names; attributes `_x`."""
    imported: set[tuple[str, str]] = set()
    attributes: set[str] = set()
    for path in sorted((REPO / "tap_luminous").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("singer_sdk"):
                private_module = any(p.startswith("_") for p in node.module.split("."))  # type: ignore[union-attr]
                for alias in node.names:
                    if private_module or alias.name.startswith("_"):
                        imported.add((t.cast("str", node.module), alias.name))
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                if not node.attr.startswith("__"):
                    attributes.add(node.attr)
            elif (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("_")
                and not node.name.startswith("__")
            ):
                attributes.add(node.name)
    return imported, attributes


def test_the_package_uses_no_private_sdk_name_that_is_not_listed():
    listed_imports = {(module, dotted) for module, dotted, _ in PRIVATE_SDK_NAMES}
    listed_attrs = {dotted.rsplit(".", 1)[-1] for _, dotted, _ in PRIVATE_SDK_NAMES}
    imported, attributes = _private_names_used_by_the_package()
    assert imported, "the scan found no private import at all: it is broken"
    assert imported <= listed_imports, sorted(imported - listed_imports)
    classes = [_sdk_class(spec) for spec in _SDK_CLASSES]
    sdk_private = {
        attr
        for attr in attributes
        if any(hasattr(cls, attr) or _set_in_source(cls, attr) for cls in classes)
    }
    assert "_increment_stream_state" in sdk_private  # the scan sees the overrides
    assert sdk_private <= listed_attrs, sorted(sdk_private - listed_attrs)


def test_the_sdk_batch_path_is_chosen_only_through_get_batch_config():
    """Our streams return None there, so the SDK never writes batches behind the writer."""
    source = inspect.getsource(CoreStream.sync)
    assert "self.get_batch_config(self.config)" in source
    assert "self._sync_batches(" in source
    assert SalesOrdersStream.get_batch_config is not CoreStream.get_batch_config
