"""The singer-sdk's built-in tap test suite, run against the fake API over real sockets."""

from __future__ import annotations

import atexit
import datetime as dt

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI
from tap_luminous.tap import TapLuminous
from tests.conftest import DATA_START, EPOCH, TOKEN
from tests.singer_io import catalog_selecting

# The SDK builds its test class at import time, so the server it talks to starts here too; it is
# stopped when the test process exits (daemon threads, bounded shutdown).
_API = FakeLuminousAPI(
    dataset=Dataset.generate(
        sales_orders=400, purchase_orders=60, products=80, seed=11, start=DATA_START, end=EPOCH
    ),
    token=TOKEN,
    clock=FakeClock(EPOCH + dt.timedelta(seconds=1)),
)
_API.start()
atexit.register(_API.stop)

_CONFIG = {
    "api_token": TOKEN,
    "api_url": _API.base_url,
    "start_date": "2024-01-01T00:00:00Z",
    "request_timeout": 10,
    "max_retries": 2,
    "backoff_max_seconds": 0.05,
}
_EVERY_STREAM = list(TapLuminous(config=_CONFIG, validate_config=False).streams)

TestTapLuminous = get_tap_test_class(
    TapLuminous,
    config=_CONFIG,
    # Every stream, also those not selected by default (the rest of the ERP).
    catalog=catalog_selecting(_CONFIG, _EVERY_STREAM),
    suite_config=SuiteConfig(max_records_limit=500),
)
