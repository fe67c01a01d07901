"""The discovered catalog matches the committed snapshot: streams, keys and columns change only
on purpose (`python -m tests.catalog_snapshot --update`, see tests/catalog_snapshot.py)."""

from __future__ import annotations

import json

from tests.catalog_snapshot import SNAPSHOT, current

UPDATE = "`python -m tests.catalog_snapshot --update` after a deliberate change"


def test_discovered_streams_match_the_snapshot() -> None:
    want = json.loads(SNAPSHOT.read_text("utf-8"))
    got = current()
    assert sorted(got) == sorted(want), f"streams added or removed: {UPDATE}"
    for name, entry in want.items():
        assert got[name] == entry, f"stream {name!r} changed: {UPDATE}"
    # The order is the sync order, part of what a run writes.
    assert list(got) == list(want), f"the order of the streams changed: {UPDATE}"


def test_every_stream_carries_the_side_columns() -> None:
    for name, entry in current().items():
        assert {"_extra_fields", "_invalid_values"} <= set(entry["columns"]), name
