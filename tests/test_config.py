"""Settings are checked before any request; each problem is one line naming the setting."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t

import pytest

from tap_luminous.errors import SettingError
from tap_luminous.settings import resolve_api_url
from tap_luminous.tap import TapLuminous
from tests.conftest import config_for
from tests.singer_io import run_cli

BAD_SETTINGS = [
    ({"company_name": "acme.evil.com"}, "company_name"),
    ({"company_name": "acme/x"}, "company_name"),
    ({"company_name": "-acme"}, "company_name"),
    ({"company_name": None, "api_url": None}, "company_name"),
    ({"api_url": "ftp://127.0.0.1/x"}, "api_url"),
    ({"api_url": "http://example.com/external/api/v1"}, "api_url"),
    ({"api_url": "https:///nohost"}, "api_url"),
    ({"api_url": "https://user:pw@acme.api.joinluminous.com/external/api/v1"}, "api_url"),
    ({"start_date": "yesterday-ish"}, "start_date"),
    ({"sales_orders_page_size": 0}, "sales_orders_page_size"),
    ({"sales_orders_page_size": 1001}, "sales_orders_page_size"),
    ({"products_page_size": 5000}, "products_page_size"),
    ({"purchase_orders_page_size": 101}, "purchase_orders_page_size"),
    ({"purchase_order_statuses": ["archived"]}, "purchase_order_statuses"),
    ({"request_timeout": 0}, "request_timeout"),
    ({"max_retries": -1}, "max_retries"),
    ({"api_token": ""}, "api_token"),
    ({"sales_orders_page_size": "ten"}, "sales_orders_page_size"),
    ({"batch_config": {"encoding": {"format": "jsonl"}}}, "batch_config"),
    ({"page_walk_max_rewalks": 0}, "page_walk_max_rewalks"),
    ({"keep_nested_arrays": "yes"}, "keep_nested_arrays"),
    ({"api_token": "two words"}, "api_token"),
]


@pytest.mark.parametrize(("overrides", "setting"), BAD_SETTINGS)
def test_bad_setting_fails_before_any_request_naming_the_setting(api, overrides, setting):
    base = config_for(api)
    if "company_name" in overrides:
        base.pop("api_url")
    config = {k: v for k, v in {**base, **overrides}.items() if v is not None}
    api.clear_requests()
    with pytest.raises(SettingError) as excinfo:
        TapLuminous(config=config)
    assert excinfo.value.setting == setting
    assert f"'{setting}'" in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert api.requests == []


def test_cli_reports_a_bad_setting_in_one_line_with_exit_1(api, tmp_path):
    config = {k: v for k, v in config_for(api).items() if k != "api_url"}
    out = run_cli([], config={**config, "company_name": "a.b"}, tmp_path=tmp_path)
    assert out.returncode == 1
    problems = [line for line in out.stderr.splitlines() if "ERROR" in line or "Traceback" in line]
    assert len(problems) == 1, out.stderr
    assert "Invalid setting 'company_name'" in problems[0]
    assert out.messages == []
    assert api.requests == []


def test_company_name_builds_the_luminous_url():
    assert resolve_api_url({"company_name": "Acme-2"}) == (
        "https://acme-2.api.joinluminous.com/external/api/v1"
    )


def test_api_url_overrides_company_name_and_loopback_http_is_allowed():
    url = resolve_api_url(
        {"company_name": "acme", "api_url": "http://127.0.0.1:9/external/api/v1/"}
    )
    assert url == "http://127.0.0.1:9/external/api/v1"
    assert resolve_api_url({"api_url": "http://[::1]:9/x"}) == "http://[::1]:9/x"


def test_unknown_setting_is_warned_about_once(api, caplog):
    TapLuminous(config={**config_for(api), "team_note": "owned by data-eng"})
    hits = [r for r in caplog.records if "team_note" in r.getMessage()]
    assert len(hits) == 1


def test_a_deprecated_walk_setting_still_applies_to_its_streams_with_a_warning(api, caplog):
    config = {
        **config_for(api),
        "purchase_orders_concurrency": 2,
        "list_streams_verify_walk": False,
    }
    tap = TapLuminous(config=config)
    purchase_orders: t.Any = tap.streams["purchase_orders"]
    invoices: t.Any = tap.streams["invoices"]
    assert purchase_orders.walk_setting("page_walk_concurrency") == 2
    assert invoices.walk_setting("page_walk_concurrency") == 6  # the family's default
    assert invoices.walk_setting("page_walk_verify") is False
    assert purchase_orders.walk_setting("page_walk_verify") is True
    warned = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warned) == 2
    assert "'purchase_orders_concurrency' is deprecated: use 'page_walk_concurrency'" in warned[0]


def test_about_lists_the_first_settings_first_and_marks_the_expert_bounds():
    from tap_luminous.config_schema import CONFIG_SCHEMA, EXPERT_SETTINGS, KNOWN_SETTINGS

    names = [name for name in CONFIG_SCHEMA["properties"] if name in KNOWN_SETTINGS]
    assert names[:3] == ["api_token", "company_name", "start_date"]
    for name in EXPERT_SETTINGS:
        assert CONFIG_SCHEMA["properties"][name]["description"].startswith("Expert: "), name
    # The expert bounds come after every setting a user chooses (deprecated names last).
    expert = [names.index(name) for name in EXPERT_SETTINGS]
    chosen = [i for i, name in enumerate(names) if name not in EXPERT_SETTINGS]
    deprecated = [i for i in chosen if "Deprecated" in str(CONFIG_SCHEMA["properties"][names[i]])]
    assert max(set(chosen) - set(deprecated)) < min(expert)
    assert max(expert) < min(deprecated)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("sales_order_page_size", "sales_orders_page_size"),
        ("strat_date", "start_date"),
        ("api_tokn", "api_token"),
        ("flatening_enabled", "flattening_enabled"),  # an SDK built-in
    ],
)
def test_a_likely_typo_stops_a_sync_with_a_suggestion(api, typo, meant):
    with pytest.raises(SettingError) as info:
        TapLuminous(config={**config_for(api), typo: "x"})
    assert str(info.value) == (
        f"Invalid setting '{typo}': unknown setting; did you mean '{meant}'?"
    )


def test_a_likely_typo_only_warns_for_about_and_discovery(api):
    tap = TapLuminous(config={**config_for(api), "strat_date": "x"}, validate_config=False)
    assert tap._validate_config(raise_errors=False) == [
        "Unknown setting 'strat_date': did you mean 'start_date'?"
    ]


def test_about_lists_every_setting_with_a_description_and_marks_the_token_secret():
    proc = subprocess.run(
        [sys.executable, "-m", "tap_luminous.tap", "--about", "--format=json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    settings = json.loads(proc.stdout)["settings"]["properties"]
    for name in ("api_token", "company_name", "api_url", "start_date", "sales_orders_page_size"):
        assert settings[name].get("description"), name
    assert settings["api_token"].get("secret") is True
    assert settings["start_date"]["default"] == "1970-01-01T00:00:00Z"


def test_about_markdown_renders():
    proc = subprocess.run(
        [sys.executable, "-m", "tap_luminous.tap", "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| api_token" in proc.stdout


@pytest.mark.parametrize(("text", "value"), [("true", True), ("FALSE", False), (" True ", True)])
def test_boolean_settings_given_as_text_are_read_strictly(api, text, value):
    tap = TapLuminous(config={**config_for(api), "keep_nested_arrays": text})
    assert tap.config["keep_nested_arrays"] is value


@pytest.mark.parametrize("text", ["maybe", "yes", "1", "ture"])
def test_other_boolean_text_stops_with_the_setting_named(api, text):
    with pytest.raises(SettingError, match=r"^Invalid setting 'keep_nested_arrays': must be true"):
        TapLuminous(config={**config_for(api), "keep_nested_arrays": text})
