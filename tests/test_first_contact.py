"""No run "succeeds" with nothing: an empty selection and a misspelt environment variable stop
before any request, with one line; a bookmark written by hand covers the children selected now."""

from __future__ import annotations

import typing as t

import pytest

from tap_luminous.settings import environment_typos
from tests.conftest import config_for
from tests.singer_io import catalog_selecting, run_cli


def error_line(stderr: str) -> str:
    return [line for line in stderr.splitlines() if line.strip()][-1]


def test_a_catalog_that_selects_nothing_stops_before_any_request(api, tmp_path):
    config = config_for(api)
    out = run_cli([], tmp_path=tmp_path, config=config, catalog=catalog_selecting(config, []))
    assert out.returncode == 1
    assert "No stream is selected in the catalog" in error_line(out.stderr)
    assert "meltano select tap-luminous" in error_line(out.stderr)
    assert "Traceback" not in out.stderr
    assert api.requests == []
    assert out.messages == []


@pytest.mark.parametrize(
    ("environ", "typo"),
    [
        ({"TAP_LUMINOUS_STRAT_DATE": "2026-11-01"}, "TAP_LUMINOUS_START_DATE"),
        ({"TAP_LUMINOUS_API_TOKN": "x"}, "TAP_LUMINOUS_API_TOKEN"),
        (  # an inherited plugin: Meltano names it, its prefix is checked too
            {
                "MELTANO_EXTRACTOR_NAME": "tap-luminous-sandbox",
                "TAP_LUMINOUS_SANDBOX_STRAT_DATE": "2026-11-01",
            },
            "TAP_LUMINOUS_SANDBOX_START_DATE",
        ),
    ],
)
def test_a_misspelt_setting_in_the_environment_is_found(environ, typo):
    [(_, meant)] = environment_typos(environ)
    assert meant == typo


@pytest.mark.parametrize(
    "environ",
    [
        {"TAP_LUMINOUS__SELECT": "[]", "TAP_LUMINOUS__METADATA": "{}"},
        {"TAP_LUMINOUS__SCHEMA": "{}", "TAP_LUMINOUS__CATALOG": "x", "TAP_LUMINOUS__STATE": "x"},
        {"TAP_LUMINOUS__LOAD_SCHEMA": "luminous", "MELTANO_PROJECT_ROOT": "/p"},
        {"TAP_LUMINOUS_LOGLEVEL": "debug", "TAP_LUMINOUS_TRACEBACK": "1"},
        {"TAP_LUMINOUS_START_DATE": "2026-01-01T00:00:00Z", "TAP_LUMINOUS_STREAM_MAPS": "{}"},
        # a sibling plugin's variables, from the main plugin's run and the other way round
        {"MELTANO_EXTRACTOR_NAME": "tap-luminous", "TAP_LUMINOUS_SANDBOX_START_DATE": "x"},
        {"MELTANO_EXTRACTOR_NAME": "tap-luminous-sandbox", "TAP_LUMINOUS_START_DATE": "x"},
        {"MELTANO_EXTRACTOR_NAME": "tap-luminous-eu", "TAP_LUMINOUS_EU_API_URL": "x"},
    ],
)
def test_what_meltano_and_the_sdk_set_is_never_a_typo(environ):
    assert environment_typos(environ) == []


def test_the_cli_stops_on_a_misspelt_environment_variable(api, tmp_path):
    config = config_for(api)
    out = run_cli(
        [],
        tmp_path=tmp_path,
        config=config,
        catalog=catalog_selecting(config, ["purchase_orders"]),
        env={"TAP_LUMINOUS_STRAT_DATE": "2026-11-01T00:00:00Z"},
    )
    assert out.returncode == 1
    line = error_line(out.stderr)
    assert "TAP_LUMINOUS_STRAT_DATE" in line
    assert "did you mean 'TAP_LUMINOUS_START_DATE'?" in line
    assert api.requests == []


def test_a_hand_written_bookmark_covers_the_children_selected_now(api, tmp_path):
    config = config_for(api)
    bookmark = "2026-05-01T00:00:00Z"
    state: dict[str, t.Any] = {
        "bookmarks": {
            "sales_orders": {"replication_key": "updated_at", "replication_key_value": bookmark}
        }
    }
    out = run_cli(
        [],
        tmp_path=tmp_path,
        config=config,
        state=state,
        catalog=catalog_selecting(config, ["sales_orders", "sales_order_items"]),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    [first] = [r for r in api.requests if r.path == "/sales-orders/export"][:1]
    assert first.params["since"].startswith("2026-05-01T00:00:00")  # no backfill from start_date
    assert "has no `child_streams` (written by hand?)" in out.stderr
    saved = out.final_state["bookmarks"]["sales_orders"]
    assert saved["child_streams"] == ["sales_order_items"]
