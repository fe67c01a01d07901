"""Property: under any fault schedule a run is all or nothing.

Hypothesis draws fault probabilities and seeds for the fake; every run must either produce exactly
the clean run's records and final STATE, or fail with an ApiError naming the endpoint. Never a
"successful" run with records missing. Waits are kept short through settings (Retry-After "0",
backoff_max_seconds 0.05); stalls are left out because each costs a whole request_timeout.
"""

from __future__ import annotations

import typing as t

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fake_luminous import Faults
from tap_luminous.errors import ApiError
from tests.conftest import config_for
from tests.singer_io import SingerOutput, run_tap

if t.TYPE_CHECKING:
    from fake_luminous import FakeLuminousAPI

STREAMS = ["sales_orders", "purchase_orders", "products"]
PAGES = {"sales_orders_page_size": 10, "products_page_size": 10, "purchase_orders_page_size": 10}

probability = st.sampled_from([0.0, 0.02, 0.05, 0.1, 0.2, 0.35])


@pytest.fixture(scope="module")
def clean_world() -> t.Iterator[tuple[FakeLuminousAPI, SingerOutput]]:
    """One small fake (fixed clock, never mutated) shared by all examples, and its clean run."""
    from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
    from tests.conftest import DATA_START, EPOCH, TOKEN

    dataset = Dataset.generate(
        sales_orders=40, purchase_orders=15, products=15, seed=11, start=DATA_START, end=EPOCH
    )
    api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=FakeClock(EPOCH))
    api.start()
    try:
        clean = run_tap(config_for(api, **PAGES), streams=STREAMS)
        assert sorted(clean.records) == sorted(STREAMS)
        yield api, clean
    finally:
        api.stop()


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    faults=st.builds(
        Faults,
        seed=st.integers(0, 2**32 - 1),
        p_429=probability,
        retry_after=st.just("0"),
        p_5xx=probability,
        p_drop=probability,
        p_reset=probability,
        p_invalid_json=probability,
        p_wrong_shape=probability,
    ),
    max_retries=st.integers(0, 3),
    concurrency=st.sampled_from([1, 4]),
)
def test_any_fault_schedule_ends_in_the_clean_output_or_a_clear_failure(
    clean_world: tuple[FakeLuminousAPI, SingerOutput],
    faults: Faults,
    max_retries: int,
    concurrency: int,
) -> None:
    api, clean = clean_world
    api.faults = faults
    config = config_for(api, max_retries=max_retries, page_walk_concurrency=concurrency, **PAGES)
    try:
        out = run_tap(config, streams=STREAMS)
    except ApiError as exc:
        message = str(exc)
        assert message.startswith("GET /"), message
        assert "\n" not in message
        event("failed with ApiError")
    else:
        assert out.records == clean.records
        assert out.final_state == clean.final_state
        event("same output as the clean run")
    finally:
        api.faults = Faults()
