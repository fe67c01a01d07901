"""Request pacing: an optional requests-per-second cap and the server's rate budget."""

from __future__ import annotations

import logging
import math
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    import requests


class RequestPacer:
    """Spaces requests for an optional requests-per-second cap and the server's rate budget.

    Shared by every stream of a tap run, because they share one token, and by the threads that
    fetch pages concurrently. The rate budget is an estimate: the last X-RateLimit-Remaining
    minus the requests that were started but not answered yet (the server may not have counted
    them), minus every turn handed out since. When it would fall to `reserve`, new requests wait
    for X-RateLimit-Reset instead of running into a 429.

    The clocks and the sleep are parameters so tests can check the schedule without waiting.
    """

    #: Requests of the budget left unused (other clients may share the token).
    reserve = 1
    #: X-RateLimit-Reset values below this are seconds from now, larger ones epoch seconds.
    _EPOCH_THRESHOLD = 1_000_000_000
    #: Two resets closer than this are the same window (whole-second headers, clock jitter).
    _SAME_WINDOW = 1.0

    def __init__(
        self,
        requests_per_second: float | None,
        *,
        max_pause: float = 300.0,
        logger: logging.Logger | None = None,
        monotonic: t.Callable[[], float] = time.monotonic,
        wall: t.Callable[[], float] = time.time,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        #: Longest pause taken for X-RateLimit-Reset (retry_after_max_seconds), so a bogus
        #: value cannot stall a run.
        self.max_pause = max_pause
        self._log = logger
        self._monotonic = monotonic
        self._wall = wall
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._in_flight = 0
        self._budget: int | None = None  # requests still allowed before _window_ends_at
        self._window_ends_at = 0.0
        self._logged_window = -1.0

    @classmethod
    def for_config(cls, config: t.Mapping[str, t.Any], logger: logging.Logger) -> RequestPacer:
        return cls(
            config.get("requests_per_second"),
            max_pause=float(config["retry_after_max_seconds"]),
            logger=logger,
        )

    @property
    def interval(self) -> float:
        """Seconds between two request starts (0 without a requests_per_second cap)."""
        return self._interval

    def wait_turn(self) -> float:
        """Sleep until this request may start; return how long that was. Pair with `done()`."""
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next_slot)
            if self._budget is not None and start < self._window_ends_at:
                if self._budget <= self.reserve:
                    start = self._window_ends_at  # the next window
                else:
                    self._budget -= 1
            self._next_slot = start + self._interval
            self._in_flight += 1
        if start > now:
            if start - now >= 0.5 and self._log is not None:
                self._log.info("Waiting %.1fs before the next request (rate limit)", start - now)
            self._sleep(start - now)
        return max(0.0, start - now)

    def hold(self, seconds: float) -> None:
        """After a 429: no new request (from any thread) starts for `seconds`."""
        with self._lock:
            self._next_slot = max(self._next_slot, self._monotonic() + seconds)

    def done(self) -> None:
        """The request of the last `wait_turn` got its answer (or failed)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def observe(self, response: requests.Response, logger: logging.Logger) -> None:
        """Slow down before the server's budget runs out rather than waiting for a 429."""
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            remaining_n, reset_at = int(remaining), float(reset)
        except ValueError:
            return
        if not math.isfinite(reset_at):
            return
        # Epoch seconds (GitHub/Laravel style) or, for small values, seconds from now.
        until_reset = reset_at - self._wall() if reset_at >= self._EPOCH_THRESHOLD else reset_at
        pause = min(max(0.0, until_reset), self.max_pause)
        with self._lock:
            now = self._monotonic()
            ends_at = now + pause
            budget = remaining_n - self._in_flight
            if (
                self._budget is None
                or now >= self._window_ends_at
                or ends_at > self._window_ends_at + self._SAME_WINDOW
            ):
                self._budget, self._window_ends_at = budget, ends_at  # a new window
            elif ends_at >= self._window_ends_at - self._SAME_WINDOW:
                self._budget = min(self._budget, budget)  # the same window: the lower estimate
            # else: a late answer from an earlier window
            log = (
                self._budget <= self.reserve
                and self._window_ends_at > now
                and self._logged_window != self._window_ends_at
            )
            if log:
                self._logged_window = self._window_ends_at
            wait = self._window_ends_at - now
        if log:
            logger.info(
                "Rate budget nearly used (remaining=%s); new requests wait %.1fs for the reset",
                remaining,
                wait,
            )
