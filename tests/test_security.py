"""Auth failures, redirects and the token: never retried blindly, never leaked."""

from __future__ import annotations

import logging

import pytest

from tap_luminous.errors import ApiError
from tests.conftest import TOKEN, config_for
from tests.singer_io import run_cli, run_tap


def test_wrong_token_fails_fast_with_one_clear_line(api, tmp_path):
    out = run_cli(
        [], config=config_for(api, api_token="wrong-token-123"), tmp_path=tmp_path, timeout=60
    )
    assert out.returncode == 1
    assert "rejected the token (401" in out.stderr
    assert "Traceback" not in out.stderr
    assert len([r for r in api.requests if r.status == 401]) == 1  # not retried
    assert not out.records


def test_forbidden_token_says_it_lacks_access(make_api):
    api = make_api(forbidden_tokens=(TOKEN,))
    with pytest.raises(ApiError, match="lacks access"):
        run_tap(config_for(api), streams=["purchase_orders"])
    assert len(api.requests) == 1


def test_redirect_to_another_host_is_refused_and_never_carries_the_token(api):
    from fake_luminous import Faults

    api.faults = Faults(redirect_to="http://127.0.0.2:9")
    with pytest.raises(ApiError, match="refusing to follow"):
        run_tap(config_for(api), streams=["sales_orders"])
    assert len(api.requests) == 1


def test_token_never_appears_in_output_or_logs_at_debug(api, tmp_path):
    from fake_luminous import Faults

    api.faults = Faults(p_5xx=0.2, p_429=0.1, retry_after="0", seed=3)
    out = run_cli(
        [],
        config=config_for(api, max_retries=8, sales_orders_page_size=200),
        env={"LOGLEVEL": "DEBUG", "TAP_LUMINOUS_LOGLEVEL": "DEBUG"},
        tmp_path=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "DEBUG" in out.stderr
    assert TOKEN not in out.stderr
    assert TOKEN not in "".join(str(m) for m in out.messages)


def test_user_agent_names_the_tap(api):
    run_tap(config_for(api), streams=["purchase_orders"])
    agent = api.requests[0].headers["user-agent"]
    assert agent.startswith("tap-luminous/")
    assert api.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_secret_is_absent_from_log_records(api, caplog):
    with caplog.at_level(logging.DEBUG):
        run_tap(config_for(api), streams=["purchase_orders"])
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
