"""Background fetches that overlap the network with emitting records.

Daemon threads: a SIGTERM handled in the main thread ends the process at once, without waiting
for a request in flight. Results and errors are handed back in order by `result()`.
"""

from __future__ import annotations

import queue
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


class PageChain(t.Generic[T]):
    """Follows a chain of pages (each names the next) in a daemon thread, `depth` pages ahead.

    The consumer takes pages in order with `get()` and decides when the chain ends; `close()`
    lets the producer go. The producer stops by itself when `next_token` returns None or a
    fetch fails (the failure is raised by the consumer's next `get()`).
    """

    def __init__(
        self,
        fetch: t.Callable[[str | None], T],
        next_token: t.Callable[[T], str | None],
        start: str | None,
        depth: int = 2,
    ) -> None:
        self._queue: queue.Queue[tuple[T | None, BaseException | None]] = queue.Queue(depth)
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(fetch, next_token, start),
            daemon=True,
            name="tap-luminous-chain",
        )
        self._thread.start()

    def _run(
        self,
        fetch: t.Callable[[str | None], T],
        next_token: t.Callable[[T], str | None],
        token: str | None,
    ) -> None:
        try:
            while not self._closed.is_set():
                page = fetch(token)
                self._put((page, None))
                token = next_token(page)
                if token is None:
                    return
        except BaseException as exc:  # handed to the consumer by get()
            self._put((None, exc))

    def _put(self, entry: tuple[T | None, BaseException | None]) -> None:
        while not self._closed.is_set():
            try:
                self._queue.put(entry, timeout=0.2)
            except queue.Full:
                continue
            return

    def get(self) -> T:
        page, error = self._queue.get()
        if error is not None:
            raise error
        return t.cast("T", page)

    def close(self) -> None:
        self._closed.set()
