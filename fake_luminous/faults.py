"""Fault injection settings and their seeded, reproducible decisions."""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Decision:
    """What the fault layer decided for one request (all draws are made every time)."""

    delay: float = 0.0
    stall: bool = False
    too_many: bool = False
    server_error: int | None = None
    drop: bool = False
    invalid_json: str | None = None  # "truncated" | "html"
    wrong_shape: bytes | None = None
    reset: bool = False  # abort the connection (TCP RST) without sending any response


_WRONG_SHAPES = (
    b'{"items":[],"meta":{}}',
    b'{"data":null}',
    b'{"data":{"rows":[]},"has_more":"no"}',
    b"[]",
)


@dataclass
class Faults:
    """All switches default to off. Replace ``api.faults`` at any time.

    Probabilities are per request and drawn from ``random.Random(seed)`` in a fixed order, so a
    run with the same request sequence gets the same faults.
    """

    seed: int = 0
    latency: float = 0.0
    latency_jitter: float = 0.0
    p_429: float = 0.0
    retry_after: str | None = "2"  # "<seconds>", "http-date", or None (no header)
    retry_after_seconds: float = 2.0  # used by retry_after="http-date" (real wall-clock time)
    p_5xx: float = 0.0
    p_drop: float = 0.0
    p_invalid_json: float = 0.0
    p_wrong_shape: float = 0.0
    p_stall: float = 0.0
    stall_seconds: float = 5.0
    rate_limit: int | None = None
    rate_limit_window: float = 60.0
    redirect_to: str | None = None
    fail_statuses: dict[str, list[int]] | None = None
    #: Probability of aborting the connection with a TCP RST before any response is sent.
    #: Drawn after the other ten draws and only when > 0, so existing seeds keep their faults.
    p_reset: float = 0.0

    _rng: random.Random = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)
    _rl_start: float = field(init=False, repr=False, compare=False, default=0.0)
    _rl_count: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def decide(self) -> Decision:
        with self._lock:
            r = self._rng.random
            jitter, stall, too_many, s5, code, drop, inv, inv_kind, shape, shape_kind = (
                r() for _ in range(10)
            )
            reset = r() if self.p_reset > 0 else 1.0
        d = Decision()
        d.delay = max(0.0, self.latency + self.latency_jitter * jitter)
        d.stall = stall < self.p_stall
        d.reset = reset < self.p_reset
        d.too_many = too_many < self.p_429
        if s5 < self.p_5xx:
            d.server_error = (500, 502, 503, 504)[int(code * 4)]
        d.drop = drop < self.p_drop
        if inv < self.p_invalid_json:
            d.invalid_json = "truncated" if inv_kind < 0.5 else "html"
        if shape < self.p_wrong_shape:
            d.wrong_shape = _WRONG_SHAPES[int(shape_kind * len(_WRONG_SHAPES))]
        return d

    def next_fail_status(self, path: str) -> int | None:
        if not self.fail_statuses:
            return None
        with self._lock:
            queue = self.fail_statuses.get(path)
            if queue:
                return queue.pop(0)
        return None

    def rate_check(self) -> tuple[bool, dict[str, str], int]:
        """Count one request against the budget: (allowed, headers, retry_after_seconds)."""
        assert self.rate_limit is not None
        now = time.time()
        with self._lock:
            if now >= self._rl_start + self.rate_limit_window:
                self._rl_start = now
                self._rl_count = 0
            allowed = self._rl_count < self.rate_limit
            if allowed:
                self._rl_count += 1
            remaining = max(0, self.rate_limit - self._rl_count)
            reset = self._rl_start + self.rate_limit_window
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(math.ceil(reset)),
        }
        return allowed, headers, max(1, math.ceil(reset - now))
