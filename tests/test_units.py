"""Small unit tests: timestamp normalisation, paginators, schema loading."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_luminous.envelope import Page
from tap_luminous.errors import ProtocolError
from tap_luminous.export import ExportCursorPaginator
from tap_luminous.schema_loader import load_schema
from tap_luminous.timestamps import canonical_timestamp


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("2024-01-15T10:30:00Z", "2024-01-15T10:30:00.000000+00:00"),
        ("2024-01-15T10:30:00+00:00", "2024-01-15T10:30:00.000000+00:00"),
        ("2024-01-15T10:30:00.5Z", "2024-01-15T10:30:00.500000+00:00"),
        ("2024-01-15T12:30:00+02:00", "2024-01-15T10:30:00.000000+00:00"),
        ("2024-01-15 10:30:00", "2024-01-15T10:30:00.000000+00:00"),
        (
            dt.datetime(2024, 1, 15, 10, 30, tzinfo=dt.timezone.utc),
            "2024-01-15T10:30:00.000000+00:00",
        ),
        ("not a date", None),
        (None, None),
        (12, None),
    ],
)
def test_canonical_timestamp(raw, canonical):
    assert canonical_timestamp(raw) == canonical


def test_canonical_form_sorts_like_time():
    values = ["2024-01-15T10:30:00.5Z", "2024-01-15T10:30:00Z", "2024-01-15T10:30:01+00:00"]
    assert sorted(str(canonical_timestamp(v)) for v in values) == [
        canonical_timestamp(values[1]),
        canonical_timestamp(values[0]),
        canonical_timestamp(values[2]),
    ]


def _page(**body):
    return Page(data=body.get("data", []), body=body, params={})


def test_export_paginator_follows_cursors_and_continues_over_empty_pages():
    paginator = ExportCursorPaginator()
    assert paginator.current_value is None
    paginator.advance(_page(data=[], has_more=True, next_cursor="c1"))
    assert paginator.current_value == "c1"
    assert not paginator.finished
    paginator.advance(_page(data=[{"order_id": 1}], has_more=False, next_cursor=None))
    assert paginator.finished


def test_export_paginator_rejects_has_more_without_cursor():
    with pytest.raises(ProtocolError, match="next_cursor"):
        ExportCursorPaginator().advance(_page(data=[{}], has_more=True, next_cursor=None))


def test_schemas_are_self_contained():
    for name in ("sales_orders", "purchase_orders", "products"):
        assert "$ref" not in str(load_schema(name))
        assert "_extra_fields" in load_schema(name)["properties"]


def test_progress_logs_every_n_pages_with_rate_retries_and_eta(caplog):
    import logging

    from tap_luminous.progress import Progress

    progress = Progress(logging.getLogger("progress-test"), "purchase_orders", every_pages=2)
    with caplog.at_level(logging.INFO):
        progress.page_done(100, retries=0, total_pages=4)
        progress.page_done(100, retries=3, total_pages=4)
        progress.page_done(100, retries=3, total_pages=4)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "2 pages, 200 records" in lines[0]
    assert "3 retries" in lines[0]
    assert "page 2 of 4, ETA" in lines[0]


def test_window_start_clamps_the_lookback_to_start_date():
    from tap_luminous.timestamps import window_start

    utc = dt.timezone.utc
    start = dt.datetime(2025, 1, 1, tzinfo=utc)
    bookmark = dt.datetime(2025, 1, 1, 0, 30, tzinfo=utc)
    assert window_start(None, start, 3600) == start
    assert window_start(bookmark, start, 0) == bookmark
    assert window_start(bookmark, start, 600) == dt.datetime(2025, 1, 1, 0, 20, tzinfo=utc)
    assert window_start(bookmark, start, 3600) == start  # not before start_date
    assert window_start(dt.datetime(2024, 1, 1, tzinfo=utc), start, 0) == start
