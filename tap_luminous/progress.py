"""A progress line every N pages: pages, records, records/s, retries and, when known, an ETA."""

from __future__ import annotations

import logging
import time


class Progress:
    def __init__(self, logger: logging.Logger, stream: str, every_pages: int) -> None:
        self._log = logger
        self._stream = stream
        self._every = max(1, every_pages)
        self._started = time.monotonic()
        self.pages = 0
        self.records = 0

    def page_done(self, records: int, retries: int, total_pages: int | None = None) -> None:
        self.pages += 1
        self.records += records
        if self.pages % self._every:
            return
        elapsed = max(time.monotonic() - self._started, 1e-9)
        line = (
            f"{self._stream}: {self.pages} pages, {self.records} records, "
            f"{self.records / elapsed:,.0f} records/s, {retries} retries"
        )
        if total_pages and total_pages > self.pages:
            eta = elapsed / self.pages * (total_pages - self.pages)
            line += f", page {self.pages} of {total_pages}, ETA {eta:,.0f}s"
        self._log.info(line)
