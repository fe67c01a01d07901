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


# --------------------------------------------------------------------------------------------
# `tap-luminous --test`: one small request per selected stream, one line of answer


def test_the_connection_test_asks_each_selected_stream_once_and_writes_nothing(api, tmp_path):
    config = config_for(api)
    catalog = catalog_selecting(config, ["invoices", "sales_order_items"])
    out = run_cli(["--test"], tmp_path=tmp_path, config=config, catalog=catalog)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.messages == []  # no SCHEMA, RECORD, STATE or ACTIVATE_VERSION
    line = error_line(out.stderr)
    assert "Connection test passed" in line
    assert "(invoices, sales_orders)" in line  # a selected child is read through its parent
    assert sorted(r.path for r in api.requests) == ["/invoices", "/sales-orders/export"]
    by_path = {r.path: r.params for r in api.requests}
    assert by_path["/invoices"]["per_page"] == "1"
    assert by_path["/sales-orders/export"]["limit"] == "1"


def test_the_connection_test_names_a_rejected_token_in_one_line(api, tmp_path):
    config = config_for(api, api_token="wrong-token")
    out = run_cli(["--test"], tmp_path=tmp_path, config=config)
    assert out.returncode == 1
    line = error_line(out.stderr)
    assert "Connection test failed" in line
    assert "401" in line
    assert "api_token" in line
    assert "wrong-token" not in out.stderr
    assert "Traceback" not in out.stderr
    assert len(api.requests) == 1  # the first stream's answer is enough


def test_the_connection_test_lists_the_selected_streams_the_token_cannot_read(api, tmp_path):
    from fake_luminous import Faults

    api.faults = Faults(fail_statuses={"/invoices": [403], "/purchase-orders": [403]})
    config = config_for(api)
    selected = ["sales_orders", "invoices"]
    out = run_cli(
        ["--test"], tmp_path=tmp_path, config=config, catalog=catalog_selecting(config, selected)
    )
    assert out.returncode == 1
    line = error_line(out.stderr)
    assert "lacks access (403 Forbidden) to invoices" in line
    assert "readable: sales_orders" in line
    # purchase_orders is not selected: its 403 is never met.
    assert "/purchase-orders" not in {r.path for r in api.requests}


def test_a_url_without_the_api_prefix_is_named(api, tmp_path):
    config = config_for(api, api_url=api.base_url.removesuffix("/external/api/v1"))
    out = run_cli(["--test"], tmp_path=tmp_path, config=config)
    assert out.returncode == 1
    assert "api_url does not end with /external/api/v1" in error_line(out.stderr)


def _fail_dns(monkeypatch: pytest.MonkeyPatch, code: int) -> list[str]:
    """getaddrinfo fails with `code` for every name but loopback (no DNS query leaves)."""
    import socket

    asked: list[str] = []
    real = socket.getaddrinfo

    def fake(host: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if host in ("127.0.0.1", "localhost", "::1"):
            return real(host, *args, **kwargs)
        asked.append(str(host))
        raise socket.gaierror(code, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def test_a_tenant_that_does_not_exist_fails_at_once_naming_company_name(monkeypatch):
    import socket

    from tap_luminous.errors import ApiError
    from tests.singer_io import run_tap

    asked = _fail_dns(monkeypatch, socket.EAI_NONAME)
    config = {"api_token": "t0ken-value", "company_name": "nosuchtenant", "max_retries": 5}
    with pytest.raises(ApiError) as info:
        run_tap(config, streams=["products"])
    assert "nosuchtenant.api.joinluminous.com' does not exist" in str(info.value)
    assert "check company_name" in str(info.value)
    assert asked == ["nosuchtenant.api.joinluminous.com"]  # no retry


def test_a_temporary_dns_failure_is_retried(monkeypatch):
    import socket

    from tap_luminous.errors import ApiError
    from tests.singer_io import run_tap

    asked = _fail_dns(monkeypatch, socket.EAI_AGAIN)
    config = {
        "api_token": "t0ken-value",
        "company_name": "acme",
        "max_retries": 2,
        "backoff_max_seconds": 0.01,
    }
    with pytest.raises(ApiError) as info:
        run_tap(config, streams=["products"])
    assert "failed after 3 attempts" in str(info.value)
    assert len(asked) == 3
