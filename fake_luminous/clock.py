"""A controllable clock for the fake API (fixed/manual, or following real time)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

UTC = timezone.utc


def as_utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime (naive values are taken as UTC)."""
    if dt.tzinfo is UTC:
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class FakeClock:
    """Clock used for cutoffs, ``updated_at`` of mutations, cursor expiry and ``Date`` headers.

    ``FakeClock(dt)`` stands still at ``dt`` until ``set``/``advance`` are called.
    ``FakeClock.real()`` follows the wall clock (``set``/``advance`` shift it by an offset).
    """

    def __init__(self, now: datetime | None = None, *, real: bool = False) -> None:
        self._lock = threading.Lock()
        self._real = real or now is None
        self._offset = timedelta(0)
        self._now = as_utc(now) if now is not None else datetime.now(UTC)

    @classmethod
    def real(cls) -> FakeClock:
        return cls(None, real=True)

    @property
    def is_real(self) -> bool:
        return self._real

    def now(self) -> datetime:
        with self._lock:
            if self._real:
                return datetime.now(UTC) + self._offset
            return self._now

    def set(self, dt: datetime) -> None:
        dt = as_utc(dt)
        with self._lock:
            if self._real:
                self._offset = dt - datetime.now(UTC)
            else:
                self._now = dt

    def advance(self, seconds: float = 0.0, **kwargs: float) -> datetime:
        """Move the clock forward (``kwargs`` as for ``timedelta``); returns the new time."""
        delta = timedelta(seconds=seconds, **kwargs)
        with self._lock:
            if self._real:
                self._offset += delta
                return datetime.now(UTC) + self._offset
            self._now += delta
            return self._now

    def __repr__(self) -> str:
        mode = "real" if self._real else "fixed"
        return f"FakeClock({self.now().isoformat()}, {mode})"
