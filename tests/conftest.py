"""Shared fixtures: a fake Luminous API on loopback with a controllable clock, and tap configs."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI

UTC = dt.timezone.utc
TOKEN = "test-token-5f3c9a1e"
EPOCH = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
DATA_START = dt.datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def dataset_template() -> Dataset:
    """A mid-sized dataset; tests that mutate data get their own copy via `make_api`."""
    return Dataset.generate(
        sales_orders=2500, purchase_orders=250, products=300, seed=7, start=DATA_START, end=EPOCH
    )


@pytest.fixture
def make_api() -> t.Iterator[t.Callable[..., FakeLuminousAPI]]:
    """Factory: a started fake API (stopped at teardown); kwargs go to Dataset/FakeLuminousAPI."""
    started: list[FakeLuminousAPI] = []

    def factory(
        *,
        sales_orders: int = 2500,
        purchase_orders: int = 250,
        products: int = 300,
        seed: int = 7,
        **api_kwargs: t.Any,
    ) -> FakeLuminousAPI:
        clock = FakeClock(EPOCH)
        dataset = Dataset.generate(
            sales_orders=sales_orders,
            purchase_orders=purchase_orders,
            products=products,
            seed=seed,
            start=DATA_START,
            end=EPOCH,
        )
        api = FakeLuminousAPI(dataset=dataset, token=TOKEN, clock=clock, **api_kwargs)
        api.start()
        started.append(api)
        return api

    yield factory
    for api in started:
        api.stop()


@pytest.fixture
def api(make_api: t.Callable[..., FakeLuminousAPI]) -> FakeLuminousAPI:
    return make_api()


def config_for(api: FakeLuminousAPI, **overrides: t.Any) -> dict[str, t.Any]:
    """Tap settings pointing at `api`, with fast retries so fault tests stay within seconds."""
    config: dict[str, t.Any] = {
        "api_token": TOKEN,
        "api_url": api.base_url,
        "start_date": "2024-01-01T00:00:00Z",
        "request_timeout": 10,
        "max_retries": 3,
        "backoff_max_seconds": 0.05,
        "retry_after_max_seconds": 1,
    }
    config.update(overrides)
    return config


@pytest.fixture
def config(api: FakeLuminousAPI) -> dict[str, t.Any]:
    return config_for(api)
