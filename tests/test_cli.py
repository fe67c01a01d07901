"""The standard SDK CLI works end to end: --discover, --config ENV, --test, --state."""

from __future__ import annotations

import json

from tests.catalog_snapshot import SNAPSHOT
from tests.conftest import TOKEN, config_for
from tests.singer_io import catalog_selecting, run_cli


def test_discover_lists_every_stream_with_keys(api, tmp_path):
    out = run_cli(["--discover"], config=config_for(api), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    catalog = json.loads(out.stdout)
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    # The same streams as the tap's own catalog (the committed snapshot, test_catalog_snapshot).
    assert list(streams) == list(json.loads(SNAPSHOT.read_text("utf-8")))
    selected_by_default = {
        name
        for name, entry in streams.items()
        if next(m for m in entry["metadata"] if m["breadcrumb"] == [])["metadata"].get(
            "selected-by-default"
        )
    }
    assert len(selected_by_default) == 8
    assert streams["sales_orders"]["key_properties"] == ["order_id"]
    assert streams["sales_orders"]["replication_key"] == "updated_at"
    assert api.requests == []  # discovery sends no request


def test_config_from_environment_variables(api, tmp_path):
    config = config_for(api)
    env = {f"TAP_LUMINOUS_{k.upper()}": str(v) for k, v in config.items()}
    catalog = catalog_selecting(config, ["products"])
    out = run_cli(["--config", "ENV"], env=env, catalog=catalog, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.records["products"]
    assert TOKEN not in out.stderr


def test_connection_test_mode(api, tmp_path):
    out = run_cli(["--test"], config=config_for(api), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert any(r.path == "/sales-orders/export" for r in api.requests)


def test_state_file_is_honoured(api, tmp_path):
    state = {
        "bookmarks": {
            "sales_orders": {
                "replication_key": "updated_at",
                "replication_key_value": "2026-05-01T00:00:00Z",
            }
        }
    }
    catalog = catalog_selecting(config_for(api), ["sales_orders"])
    out = run_cli([], config=config_for(api), state=state, catalog=catalog, tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    first = next(r for r in api.requests if r.path == "/sales-orders/export")
    assert first.params["since"] == "2026-05-01T00:00:00.000000+00:00"
    assert all(r["updated_at"] >= "2026-05-01" for r in out.records["sales_orders"])


def test_settings_and_stream_tables_are_generated_from_the_tap():
    import subprocess
    import sys

    from tests.singer_io import REPO

    check = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "doc_tables.py"), "--check"],
        timeout=120,
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
