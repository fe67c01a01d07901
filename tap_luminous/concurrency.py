"""Background fetches that overlap the network with emitting records.

Daemon threads: a SIGTERM handled in the main thread ends the process at once, without waiting
for a request in flight. Results and errors are handed back in order by `result()`.
"""

from __future__ import annotations

import threading
import typing as t

T = t.TypeVar("T")


class Prefetch(t.Generic[T]):
    """Run `fn(*args)` in a daemon thread now; `result()` returns its value or raises its error."""

    def __init__(self, fn: t.Callable[..., T], *args: t.Any) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fn, args), daemon=True, name="tap-luminous-fetch"
        )
        self._thread.start()

    def _run(self, fn: t.Callable[..., T], args: tuple[t.Any, ...]) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # handed to the consumer in result()
            self._error = exc

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return t.cast("T", self._value)
