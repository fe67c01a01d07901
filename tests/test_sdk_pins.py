"""Pins the singer-sdk behaviour that tap_luminous._sdk_internals relies on.

If an SDK upgrade renames these hooks or changes when they run, these tests fail instead of a
bookmark silently going wrong.
"""

from __future__ import annotations

import inspect

from singer_sdk.streams import Stream
from singer_sdk.streams.core import Stream as CoreStream

from tap_luminous._sdk_internals import StreamOwnedBookmarkMixin
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
        assert issubclass(stream_type, StreamOwnedBookmarkMixin)
        assert (
            stream_type._increment_stream_state is StreamOwnedBookmarkMixin._increment_stream_state
        )


def test_no_progress_markers_and_standard_bookmark_shape_after_a_run(api):
    out = run_tap(config_for(api), streams=["sales_orders", "purchase_orders"])
    for stream in ("sales_orders", "purchase_orders"):
        bookmark = out.final_state["bookmarks"][stream]
        assert set(bookmark) == {"replication_key", "replication_key_value"}, bookmark
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
    assert out.records  # one record per stream


def test_the_table_version_hooks_we_rely_on():
    """Reconciliations (tap_luminous/versions.py) set `Stream._stream_version`, which both record
    paths copy into RECORD messages, write ACTIVATE_VERSION through
    `Stream._write_activate_version_message` (one per stream-map alias), and turn off the SDK's
    own ACTIVATE_VERSION, which `sync()` writes before the first record of a FULL_TABLE stream
    when `emit_activate_version_messages` is true."""
    from tap_luminous._sdk_internals import NestedArrayStream, TableVersionMixin
    from tap_luminous.streams import ProductsStream

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
        assert issubclass(stream_type, TableVersionMixin)
        overridden = inspect.getattr_static(stream_type, "emit_activate_version_messages")
        assert overridden is inspect.getattr_static(
            TableVersionMixin, "emit_activate_version_messages"
        )
