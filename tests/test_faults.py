"""A hostile network: every fault the fake can inject, over real sockets, one test each.

Faults are injected on chosen requests through the fake's `on_request` hook (it swaps
`api.faults` before the request is answered), so each test knows exactly which request failed and
can check from `api.requests` that the retry re-sent the identical request. Waits stay short
through settings only (`config_for`: backoff_max_seconds=0.05, retry_after_max_seconds=1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import logging
import re
import typing as t

import pytest
import requests

from fake_luminous import Faults
from tap_luminous.client import LuminousStream
from tap_luminous.errors import ApiError
from tap_luminous.failures import retry_after_seconds
from tap_luminous.pacing import RequestPacer
from tap_luminous.tap import TapLuminous
from tests.conftest import EPOCH, TOKEN, config_for
from tests.singer_io import SingerOutput, catalog_selecting, run_cli, run_tap

if t.TYPE_CHECKING:
    from fake_luminous import FakeLuminousAPI, RecordedRequest

UTC = dt.timezone.utc
ALL_TIME = dt.datetime(2000, 1, 1, tzinfo=UTC)
SALES = "/sales-orders/export"
POS = "/purchase-orders"
#: Small pages so that one stream makes several requests and the second one carries a cursor.
SMALL_PAGES = {
    "sales_orders_page_size": 20,
    "products_page_size": 10,
    "purchase_orders_page_size": 10,
}


@pytest.fixture
def small_api(make_api: t.Callable[..., FakeLuminousAPI]) -> FakeLuminousAPI:
    return make_api(sales_orders=60, purchase_orders=25, products=30)


def inject(api: FakeLuminousAPI, make_faults: t.Callable[[], Faults], *, at: t.Iterable[int]):
    """Answer requests number `at` (0-based, in arrival order) with fresh `make_faults()`."""
    targets = set(at)
    counter = itertools.count()

    def hook(request: RecordedRequest) -> None:
        api.faults = make_faults() if next(counter) in targets else Faults()

    api.on_request = hook


def seed_where(predicate: t.Callable[[t.Any], bool], **switches: t.Any) -> int:
    """A seed whose first fault decision satisfies `predicate` (decisions are seeded)."""
    return next(s for s in range(10_000) if predicate(Faults(seed=s, **switches).decide()))


def expected_order_ids(api: FakeLuminousAPI) -> list[int]:
    return [row["order_id"] for row in api.expected_sales_orders(ALL_TIME, EPOCH)]


def assert_retried_identically(api: FakeLuminousAPI, index: int, fault: str) -> None:
    """Request `index` got `fault`; the next request is the same GET and succeeded."""
    failed, retry = api.requests[index], api.requests[index + 1]
    assert failed.fault == fault
    assert (retry.method, retry.path, retry.params) == (failed.method, failed.path, failed.params)
    assert retry.fault is None
    assert retry.status == 200


def retry_report(caplog: pytest.LogCaptureFixture) -> dict[str, dict[str, int]]:
    """Stream -> {reason: count} from the "retries by reason" lines."""
    report: dict[str, dict[str, int]] = {}
    for record in caplog.records:
        match = re.fullmatch(r"Stream '(\w+)' retries by reason: (.*)", record.getMessage())
        if match:
            pairs = (item.split("=") for item in match.group(2).split(", "))
            report[match.group(1)] = {reason: int(count) for reason, count in pairs}
    return report


def logged_waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    waits = []
    for record in caplog.records:
        match = re.match(r"Retrying GET \S+ in ([\d.]+)s", record.getMessage())
        if match:
            waits.append(float(match.group(1)))
    return waits


def sync_sales_orders(api: FakeLuminousAPI, **overrides: t.Any) -> SingerOutput:
    return run_tap(config_for(api, **{**SMALL_PAGES, **overrides}), streams=["sales_orders"])


# -- 429 --------------------------------------------------------------------------------------
def test_429_waits_the_seconds_retry_after_asks_for(small_api, caplog):
    inject(small_api, lambda: Faults(p_429=1.0, retry_after="1"), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api, retry_after_max_seconds=5)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 1, "429")
    assert "cursor" in small_api.requests[1].params  # the same cursor went out again
    assert logged_waits(caplog) == [1.0]
    assert retry_report(caplog) == {"sales_orders": {"429": 1}}


def test_429_waits_until_an_http_date_retry_after(small_api, caplog):
    # The fake dates its HTTP-date Retry-After by the wall clock but its Date header by its own
    # clock; a real server uses one clock for both, and the tap measures against Date.
    small_api.clock.set(dt.datetime.now(UTC))
    inject(
        small_api,
        lambda: Faults(p_429=1.0, retry_after="http-date", retry_after_seconds=1),
        at=[1],
    )
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api, retry_after_max_seconds=10)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 1, "429")
    [wait] = logged_waits(caplog)
    assert 1.0 <= wait <= 3.5  # whole-second dates; far above backoff_max_seconds=0.05
    assert not [r for r in caplog.records if "capped" in r.getMessage()]


def test_429_retry_after_beyond_the_cap_is_capped_and_logged(small_api, caplog):
    inject(small_api, lambda: Faults(p_429=1.0, retry_after="3600"), at=[0])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api, retry_after_max_seconds=0.2)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 0, "429")
    assert logged_waits(caplog) == [0.2]
    capped = [r.getMessage() for r in caplog.records if "capped" in r.getMessage()]
    assert capped == [
        "GET /sales-orders/export: the server asked to wait 3600s (Retry-After); capped at "
        "retry_after_max_seconds=0.2s"
    ]


def test_429_without_retry_after_backs_off_exponentially_with_jitter(small_api, caplog):
    inject(small_api, lambda: Faults(p_429=1.0, retry_after=None), at=[1, 2, 3])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api, max_retries=3)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert [r.params for r in small_api.requests[1:5]] == [small_api.requests[1].params] * 4
    waits = logged_waits(caplog)
    assert len(waits) == 3
    assert all(0 <= w <= 0.05 for w in waits)  # backoff_max_seconds
    assert retry_report(caplog) == {"sales_orders": {"429": 3}}


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 1.5 "}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        # HTTP-date, measured against the server's own Date header (immune to local clock skew)
        (
            {
                "Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT",
                "Date": "Wed, 21 Oct 2015 07:28:00 GMT",
            },
            30.0,
        ),
        (
            {
                "Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT",
                "Date": "Wed, 21 Oct 2015 07:29:00 GMT",
            },
            0.0,
        ),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(headers, seconds):
    response = requests.Response()
    response.headers.update(headers)
    assert retry_after_seconds(response) == seconds


def test_backoff_schedule_is_full_jitter_exponential_under_the_ceiling(api):
    """The computed waits (no sleeping): uniform in [0, min(ceiling, 0.5 * 2**attempt)]."""
    tap = TapLuminous(config=config_for(api, backoff_max_seconds=6), validate_config=False)
    stream = t.cast("LuminousStream", tap.streams["sales_orders"])
    no_response = requests.exceptions.ConnectionError("reset")
    samples: list[list[float]] = []
    for _ in range(200):
        waits = stream.backoff_wait_generator()
        waits.send(None)
        samples.append([waits.send(no_response) for _ in range(6)])
    for attempt in range(6):
        column = [run[attempt] for run in samples]
        bound = min(6.0, 0.5 * 2**attempt)
        assert all(0 <= w <= bound for w in column)
        assert max(column) > bound * 0.7  # spread over the range: jitter, not a fixed value
        assert len(set(column)) > 100


# -- 5xx ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_with_the_identical_request(small_api, caplog, status):
    inject(small_api, lambda: Faults(fail_statuses={SALES: [status]}), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert small_api.requests[1].status == status
    assert_retried_identically(small_api, 1, "fail_status")
    assert retry_report(caplog) == {"sales_orders": {str(status): 1}}


def test_5xx_retries_exhausted_give_one_line_with_the_status_and_the_page_title(small_api):
    small_api.faults = Faults(fail_statuses={POS: [503] * 3})
    with pytest.raises(ApiError) as excinfo:
        run_tap(config_for(small_api, max_retries=2), streams=["purchase_orders"])
    assert str(excinfo.value) == (
        "GET /purchase-orders failed after 3 attempts (max_retries=2); last error: "
        "503 Service Unavailable: HTML page '503 Service Unavailable'"
    )
    assert len(small_api.requests) == 3
    assert len({tuple(sorted(r.params.items())) for r in small_api.requests}) == 1


# -- the network --------------------------------------------------------------------------------
def test_connection_dropped_mid_body_is_retried(small_api, caplog):
    inject(small_api, lambda: Faults(p_drop=1.0), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 1, "drop")
    assert retry_report(caplog) == {"sales_orders": {"connection": 1}}
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert "(connection): connection dropped mid-body: IncompleteRead(" in line


def test_connection_reset_before_any_response_is_retried(small_api, caplog):
    inject(small_api, lambda: Faults(p_reset=1.0), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 1, "reset")
    assert retry_report(caplog) == {"sales_orders": {"connection": 1}}


def test_read_timeout_is_retried(small_api, caplog):
    inject(small_api, lambda: Faults(p_stall=1.0, stall_seconds=3), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api, request_timeout=1)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 1, "stall")
    assert retry_report(caplog) == {"sales_orders": {"timeout": 1}}
    assert any("no response within request_timeout=1s" in r.getMessage() for r in caplog.records)


def test_connection_refused_exhausts_retries_with_a_clear_line(make_api):
    api = make_api(sales_orders=5, purchase_orders=5, products=5)
    config = config_for(api, max_retries=1)
    api.stop()
    with pytest.raises(ApiError) as excinfo:
        run_tap(config, streams=["purchase_orders"])
    assert str(excinfo.value).startswith(
        "GET /purchase-orders failed after 2 attempts (max_retries=1); last error: "
        "connection failed: ConnectionRefusedError"
    )


# -- bodies -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["truncated", "html"])
def test_a_200_whose_body_is_not_json_is_retried(small_api, caplog, kind):
    seed = seed_where(lambda d: d.invalid_json == kind, p_invalid_json=1.0)
    inject(small_api, lambda: Faults(p_invalid_json=1.0, seed=seed), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert small_api.requests[1].status == 200
    assert_retried_identically(small_api, 1, "invalid_json")
    assert retry_report(caplog) == {"sales_orders": {"invalid_json": 1}}


@pytest.mark.parametrize(
    "body",
    [b'{"items":[],"meta":{}}', b'{"data":null}', b'{"data":{"rows":[]},"has_more":"no"}', b"[]"],
)
def test_wrong_shape_json_is_retried_and_never_passes_for_an_empty_page(small_api, caplog, body):
    seed = seed_where(lambda d: d.wrong_shape == body, p_wrong_shape=1.0)
    inject(small_api, lambda: Faults(p_wrong_shape=1.0, seed=seed), at=[1])
    with caplog.at_level(logging.INFO):
        out = sync_sales_orders(small_api)
    assert out.ids("sales_orders", "order_id") == expected_order_ids(small_api)
    assert_retried_identically(small_api, 1, "wrong_shape")
    assert retry_report(caplog) == {"sales_orders": {"wrong_shape": 1}}


def test_wrong_shape_that_persists_fails_the_cli_naming_the_endpoint(small_api, tmp_path):
    def hook(request: RecordedRequest) -> None:
        small_api.faults = Faults(p_wrong_shape=1.0) if request.path == POS else Faults()

    small_api.on_request = hook
    out = run_cli([], config=config_for(small_api, max_retries=1), tmp_path=tmp_path, timeout=60)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    [line] = [line for line in out.stderr.splitlines() if "failed after" in line]
    assert "GET /purchase-orders failed after 2 attempts (max_retries=1); last error: " in line
    assert "200 OK but the response is not the documented shape" in line
    assert out.stderr.rstrip().endswith(line)
    assert [r.fault for r in small_api.requests if r.path == POS] == ["wrong_shape"] * 2


# -- retries exhausted, through the CLI ---------------------------------------------------------
def test_exhausted_retries_end_the_cli_with_one_line_naming_endpoint_status_and_message(
    small_api, tmp_path
):
    small_api.faults = Faults(fail_statuses={SALES: [500] * 10})
    out = run_cli(
        [],
        config=config_for(small_api, max_retries=2),
        tmp_path=tmp_path,
        env={"LOGLEVEL": "DEBUG", "TAP_LUMINOUS_LOGLEVEL": "DEBUG"},
        timeout=60,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    [line] = [line for line in out.stderr.splitlines() if "failed after" in line]
    assert line.endswith(
        "GET /sales-orders/export failed after 3 attempts (max_retries=2); last error: "
        "500 Internal Server Error: Server Error"
    )
    assert out.stderr.rstrip().endswith(line)  # the last word, not buried
    assert TOKEN not in out.stderr
    sales = [r for r in small_api.requests if r.path == SALES]
    assert [r.status for r in sales] == [500, 500, 500]
    assert len({tuple(sorted(r.params.items())) for r in sales}) == 1


# -- permanent 4xx ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "server_says"),
    [
        (400, 'The given data was invalid. errors={"request":["The given data was invalid."]}'),
        (404, "Not Found"),
        (422, 'The given data was invalid. errors={"request":["The given data was invalid."]}'),
    ],
)
def test_permanent_4xx_fails_at_once_with_the_servers_message(
    small_api, caplog, status, server_says
):
    small_api.faults = Faults(fail_statuses={POS: [status]})
    with caplog.at_level(logging.INFO), pytest.raises(ApiError) as excinfo:
        run_tap(config_for(small_api), streams=["purchase_orders"])
    assert str(excinfo.value).startswith(f"GET /purchase-orders: {status} ")
    assert str(excinfo.value).endswith(f": {server_says}")
    assert len(small_api.requests) == 1
    assert not logged_waits(caplog)


def test_a_server_that_echoes_the_token_does_not_get_it_printed(api):
    tap = TapLuminous(config=config_for(api), validate_config=False)
    stream = t.cast("LuminousStream", tap.streams["purchase_orders"])
    response = requests.Response()
    response.status_code = 422
    response.reason = "Unprocessable Content"
    response.headers["Content-Type"] = "application/json"
    response._content = f'{{"message":"Token {TOKEN} is not valid\\nfor this"}}'.encode()
    response.request = requests.Request("GET", api.base_url + POS).prepare()
    with pytest.raises(ApiError) as excinfo:
        stream.validate_response(response)
    assert (
        str(excinfo.value)
        == "GET /purchase-orders: 422 Unprocessable Content: Token *** is not valid for this"
    )


# -- a noisy network ----------------------------------------------------------------------------
def test_a_noisy_network_gives_the_clean_output_and_reports_retries(make_api, caplog):
    api = make_api(sales_orders=400, purchase_orders=60, products=80)
    config = config_for(
        api,
        max_retries=8,
        sales_orders_page_size=10,
        products_page_size=10,
        purchase_orders_page_size=10,
        page_walk_concurrency=4,  # retries counted from several threads
    )
    streams = ["sales_orders", "purchase_orders", "products"]
    clean = run_tap(config, streams=streams)
    clean_requests = len(api.requests)

    api.requests.clear()
    api.faults = Faults(p_429=0.10, p_5xx=0.10, p_drop=0.03, retry_after="0", seed=2024)
    with caplog.at_level(logging.INFO):
        noisy = run_tap(config, streams=streams)

    assert noisy.records == clean.records
    assert noisy.final_state == clean.final_state  # same fake-clock time: same cutoffs
    faulted = [r for r in api.requests if r.fault]
    assert len(api.requests) == clean_requests + len(faulted)
    assert clean_requests >= 50
    assert len(faulted) >= 8

    # Each fault was retried, and the per-stream report adds up to what the server injected.
    expected: dict[str, int] = {}
    for request in faulted:
        reason = {"429": "429", "drop": "connection"}.get(str(request.fault), str(request.status))
        expected[reason] = expected.get(reason, 0) + 1
    reported: dict[str, int] = {}
    for counts in retry_report(caplog).values():
        for reason, count in counts.items():
            reported[reason] = reported.get(reason, 0) + count
    assert reported == expected
    assert set(reported) <= {"429", "500", "502", "503", "504", "connection"}


# -- being a good citizen -------------------------------------------------------------------------
class FakeTime:
    """A monotonic and a wall clock that only move when something sleeps."""

    def __init__(self, wall: float = 1_780_000_000.0) -> None:
        self.now = 0.0
        self.wall_offset = wall
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.wall_offset + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def pacer(self, requests_per_second: float | None) -> RequestPacer:
        return RequestPacer(
            requests_per_second, monotonic=self.monotonic, wall=self.wall, sleep=self.sleep
        )


def _rate_headers(remaining: int, reset: float) -> requests.Response:
    response = requests.Response()
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(reset)
    return response


def test_requests_per_second_spaces_request_starts():
    clock = FakeTime()
    pacer = clock.pacer(4)
    starts = []
    for _ in range(5):
        pacer.wait_turn()
        starts.append(clock.now)
    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]
    # No credit builds up while idle: after a pause the next two are still 0.25 s apart.
    clock.now += 10
    pacer.wait_turn()
    first = clock.now
    pacer.wait_turn()
    assert clock.now - first == pytest.approx(0.25)
    assert clock.pacer(None).wait_turn() == 0.0


def test_rate_limit_headers_pause_new_requests_until_the_budget_resets():
    log = logging.getLogger("test")
    clock = FakeTime()
    pacer = clock.pacer(None)
    reset = clock.wall() + 3  # epoch seconds, as the fake (and GitHub, Laravel) send it
    for remaining in (3, 2):
        pacer.observe(_rate_headers(remaining, reset), log)
        assert pacer.wait_turn() == 0  # budget left: no pause
        pacer.done()
    pacer.observe(_rate_headers(1, reset), log)  # one left, kept in reserve
    assert pacer.wait_turn() == pytest.approx(3)
    pacer.done()
    assert pacer.wait_turn() == 0  # a new window: go
    pacer.done()


def test_rate_budget_counts_requests_still_in_flight():
    """Concurrent fetches: answers that arrive later may not count requests already sent."""
    log = logging.getLogger("test")
    clock = FakeTime()
    pacer = clock.pacer(None)
    for _ in range(3):
        assert pacer.wait_turn() == 0  # nothing known yet
    pacer.done()
    pacer.observe(_rate_headers(3, clock.wall() + 5), log)  # 2 others in flight: 1 left
    assert pacer.wait_turn() == pytest.approx(5)


@pytest.mark.parametrize(
    ("reset", "pause"),
    [("2", 2.0), ("1790000000000", 300.0), ("soon", 0.0), ("nan", 0.0)],
)
def test_rate_limit_reset_forms(reset, pause):
    """Seconds from now, epoch seconds (a bogus far one is capped at the default
    retry_after_max_seconds), garbage (ignored)."""
    clock = FakeTime()
    pacer = clock.pacer(None)
    response = _rate_headers(0, 0)
    response.headers["X-RateLimit-Reset"] = reset
    pacer.observe(response, logging.getLogger("test"))
    assert pacer.wait_turn() == pytest.approx(pause)


def _run_with_pacer(config: dict[str, t.Any], pacer: RequestPacer, streams: list[str]) -> None:
    tap = TapLuminous(config=config, catalog=catalog_selecting(config, streams))
    for stream in tap.streams.values():
        if hasattr(stream, "pacer"):
            stream.pacer = pacer
    with contextlib.redirect_stdout(io.StringIO()):
        tap.sync_all()


def test_a_real_run_goes_through_the_pacer_for_every_request_and_retry(small_api):
    tap = TapLuminous(config=config_for(small_api, requests_per_second=5), validate_config=False)
    pacers = {id(s.pacer) for s in tap.streams.values() if hasattr(s, "pacer")}
    assert len(pacers) == 1  # one token, one budget for all streams
    assert next(s.pacer for s in tap.streams.values() if hasattr(s, "pacer")).interval == 0.2

    clock = FakeTime()
    inject(small_api, lambda: Faults(fail_statuses={SALES: [503]}), at=[2])
    pages = {**SMALL_PAGES, "sales_orders_page_size": 10}  # enough requests to show the spacing
    config = config_for(small_api, requests_per_second=5, **pages)
    _run_with_pacer(config, clock.pacer(5), ["sales_orders", "products"])
    n = len(small_api.requests)
    assert n >= 8
    # Every request (the retry included) took a turn 0.2 s after the previous one: N requests
    # span (N - 1) / rps of paced time, and the sleeps add up to at least that.
    assert clock.now == pytest.approx((n - 1) / 5, abs=0.06)
    assert sum(clock.sleeps) >= (n - 1) / 5 - 0.06


@pytest.mark.parametrize(
    ("stream", "settings"),
    [
        ("sales_orders", {"sales_orders_page_size": 10}),
        (
            "purchase_orders",  # pages fetched 4 at a time
            {
                "purchase_orders_page_size": 8,
                "purchase_order_statuses": ["active"],
                "page_walk_verify": False,
                "page_walk_concurrency": 4,
            },
        ),
    ],
)
def test_the_tap_slows_down_before_the_rate_budget_runs_out(make_api, caplog, stream, settings):
    api = make_api(sales_orders=60, purchase_orders=40, products=10)
    api.faults = Faults(rate_limit=4, rate_limit_window=1)
    with caplog.at_level(logging.INFO):
        out = run_tap(config_for(api, **settings), streams=[stream])
    assert out.records[stream]
    assert len(api.requests) >= 5  # more than one window's budget
    assert [r.status for r in api.requests if r.status != 200] == []
    assert api.fault_counts.get("rate_limit", 0) == 0
    assert any("Rate budget nearly used" in r.getMessage() for r in caplog.records)


def test_a_429_holds_every_thread_of_the_shared_pacer():
    from tap_luminous.pacing import RequestPacer

    now = [100.0]
    slept: list[float] = []
    pacer = RequestPacer(None, monotonic=lambda: now[0], sleep=slept.append)
    pacer.hold(2.5)  # one worker got a 429 with Retry-After: 2.5
    assert pacer.wait_turn() == 2.5  # another worker's next request waits too
    assert slept == [2.5]
    now[0] = 103.0
    assert pacer.wait_turn() == 0.0


def test_a_rate_limit_pause_never_exceeds_retry_after_max_seconds(caplog):
    """A reset far in the future waits retry_after_max_seconds, and the log says that wait."""
    clock = FakeTime()
    log = logging.getLogger("test.pacer")
    pacer = RequestPacer(
        None,
        max_pause=2.5,
        logger=log,
        monotonic=clock.monotonic,
        wall=clock.wall,
        sleep=clock.sleep,
    )
    response = _rate_headers(0, clock.wall() + 60)
    with caplog.at_level(logging.INFO, logger="test.pacer"):
        pacer.observe(response, log)
        assert pacer.wait_turn() == pytest.approx(2.5)
    assert sum(clock.sleeps) == pytest.approx(2.5)
    assert "Waiting 2.5s before the next request" in caplog.text
