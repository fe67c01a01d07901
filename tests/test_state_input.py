"""The state a run starts from is checked before any request and belongs to one tenant."""

from __future__ import annotations

import json

import pytest

from tap_luminous.state import tenant_marker
from tests.conftest import config_for
from tests.singer_io import catalog_selecting, run_cli


def _run(api, tmp_path, state_text: str):
    config = config_for(api)
    catalog = catalog_selecting(config, ["sales_orders"])
    state_file = tmp_path / "my-state.json"
    state_file.write_text(state_text)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    args = ["--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    return run_cli([*args, "--state", str(state_file)], timeout=120)


def _bookmark(value: str) -> dict:
    return {
        "bookmarks": {
            "sales_orders": {"replication_key": "updated_at", "replication_key_value": value}
        }
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object, got list"),
        (json.dumps({"bookmarks": []}), "`bookmarks` is not an object"),
        (json.dumps(_bookmark("last tuesday")), "is not a timestamp"),
        (
            json.dumps({"bookmarks": {"sales_orders": {"export": {"since": "x"}}}}),
            "`bookmarks.sales_orders.export.since` 'x' is not a timestamp",
        ),
    ],
)
def test_a_bad_state_stops_before_any_request(api, tmp_path, text, problem):
    out = _run(api, tmp_path, text)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert "Invalid state (state file '" in last, last
    assert "my-state.json" in last, last
    assert problem in last, last
    assert "Traceback" not in out.stderr
    assert not out.messages or all(m["type"] != "RECORD" for m in out.messages)
    assert not [r for r in api.requests if "/export" in r.path]


def test_a_bare_state_message_is_unwrapped(api, tmp_path):
    full = _run(api, tmp_path, "{}")
    cutoff = full.final_state["bookmarks"]["sales_orders"]["replication_key_value"]
    message = {"type": "STATE", "value": _bookmark(cutoff)}
    out = _run(api, tmp_path, json.dumps(message))
    assert out.returncode == 0, out.stderr[-2000:]
    assert "is a whole Singer STATE message" in out.stderr
    assert len(out.records.get("sales_orders", [])) < len(full.records["sales_orders"])


def test_state_names_its_tenant_and_a_foreign_state_is_not_applied(api, tmp_path):
    first = _run(api, tmp_path, "{}")
    marker = tenant_marker(api.base_url)
    assert first.final_state["tap_luminous"] == {"api": marker}
    assert "127.0.0.1" in marker
    assert "token" not in json.dumps(first.final_state)
    # The same tenant's state resumes: nothing new to extract.
    again = _run(api, tmp_path, json.dumps(first.final_state))
    assert len(again.records.get("sales_orders", [])) < len(first.records["sales_orders"])
    # Another tenant's state is ignored with one line, and the tenant is read from start_date.
    foreign = {
        **first.final_state,
        "tap_luminous": {"api": "https://other.api.joinluminous.com:443/external/api/v1"},
    }
    out = _run(api, tmp_path, json.dumps(foreign))
    assert out.returncode == 0
    assert "was written for another API" in out.stderr
    assert len(out.records["sales_orders"]) == len(first.records["sales_orders"])
    assert out.final_state["tap_luminous"] == {"api": marker}


def test_a_state_without_the_marker_is_adopted(api, tmp_path):
    first = _run(api, tmp_path, "{}")
    legacy = {"bookmarks": first.final_state["bookmarks"]}
    out = _run(api, tmp_path, json.dumps(legacy))
    assert out.returncode == 0
    assert len(out.records.get("sales_orders", [])) < len(first.records["sales_orders"])
    assert out.final_state["tap_luminous"] == {"api": tenant_marker(api.base_url)}


@pytest.mark.parametrize(
    ("bookmark", "problem"),
    [
        ({"table_version": "v1"}, "`bookmarks.sales_orders.table_version` 'v1' is not a positive"),
        (
            {"reconciled_at": "soon"},
            "`bookmarks.sales_orders.reconciled_at` 'soon' is not a timestamp",
        ),
        (
            {"export": {"since": "2024-01-01", "version": -3}},
            "export.version` -3 is not a positive",
        ),
    ],
)
def test_bad_reconciliation_keys_stop_before_any_request(api, tmp_path, bookmark, problem):
    out = _run(api, tmp_path, json.dumps({"bookmarks": {"sales_orders": bookmark}}))
    assert out.returncode == 1
    assert problem in out.stderr.strip().splitlines()[-1]
    assert not [r for r in api.requests if "/export" in r.path]
