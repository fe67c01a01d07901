"""A Luminous-shaped server that misbehaves the way real servers, proxies and caches do.

`HostileAPI(mode, **options)` serves the three endpoints the tap reads with one misbehaviour
each (the `MODES` below), on loopback, for the reliability tests. Everything it does is bounded:
it stops by itself after `max_requests` requests (answering 503 after that), and every slow
body ends within `drip_seconds`. It knows nothing of the tap.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import typing as t
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

PREFIX = "/external/api/v1"
DATE = "Mon, 01 Jun 2026 12:00:00 GMT"
CUTOFF = "2026-06-01T12:00:00Z"

MODES = (
    "drip_body",  # a body sent one byte every `drip_interval` seconds
    "drip_headers",  # the status line and headers sent the same way
    "gzip_bomb",  # a small gzip body that inflates to `bomb_mb` MiB
    "same_cursor",  # has_more true with the same next_cursor forever
    "empty_pages",  # empty pages with fresh cursors forever
    "growing_last_page",  # purchase orders: last_page grows on every page
    "huge_last_page",  # purchase orders: last_page far past meta.total, empty pages
    "future_cutoff",  # meta.cutoff (and Date) in the year 2999
    "cutoff_first_page_only",  # meta.cutoff only on the first page (all the docs promise)
    "cache_ignores_query",  # every order_status listing returns the active one
    "ignores_page",  # purchase orders: every page number returns the first page's rows
    "keyless_rows",  # purchase orders without an id
    # bad text in a parent's string and in a nested array's element, on every endpoint:
    "invalid_utf8",  # bytes that are not UTF-8 inside a string
    "lone_surrogate",  # a \\ud800 escape inside a string (valid JSON)
    "nul_text",  # \\u0000 inside a string
    "bom",  # a UTF-8 byte order mark before the body
    "php_gaps",  # nested arrays as PHP writes arrays with gaps: {"0": a, "2": c}, and {}
    "repeated_row",  # one row served again later in the same walk (export: 250 orders)
    "out_of_order",  # the export sends a row it never sent before an earlier position
    "large_pages",  # lists: `pages` pages of ~`page_mb` MiB each, values that need normalising
    "rate_limit_reset",  # X-RateLimit-Remaining 0 with a reset `reset_seconds` ahead
    "deep_nesting",  # an undocumented field nested 100,000 levels deep
    "long_export",  # a well-behaved export of `pages` pages (proves the bounds allow it)
    "repeated_page",  # the export's second page repeats the first page's rows
    "ignores_since",  # the export sends rows from before `since`
)


def order(order_id: int, updated: str = "2026-05-01T00:00:00Z") -> dict[str, t.Any]:
    return {
        "order_id": order_id,
        "order_number": f"SO-{order_id}",
        "status": "Active",
        "total_amount": 12.5,
        "updated_at": updated,
        "items": [],
        "shipments": [],
        "fulfillment_orders": [],
    }


def purchase_order(po_id: int | None, status: str = "active") -> dict[str, t.Any]:
    row: dict[str, t.Any] = {
        "order_status": status,
        "updated_at": "2026-05-01T00:00:00Z",
        "items": [],
        "payments": [],
    }
    if po_id is not None:
        row["id"] = po_id
    return row


class HostileAPI:
    def __init__(
        self,
        mode: str,
        *,
        max_requests: int = 2000,
        drip_interval: float = 0.5,
        drip_seconds: float = 30.0,
        bomb_mb: int = 64,
        reset_seconds: int = 3600,
        pages: int = 300,
        page_size: int = 5,
        page_mb: float = 1.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode
        self.max_requests = max_requests
        self.drip_interval = drip_interval
        self.drip_seconds = drip_seconds
        self.bomb_mb = bomb_mb
        self.reset_seconds = reset_seconds
        self.pages = pages
        self.page_size = page_size
        self.page_mb = page_mb
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> HostileAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                api._serve(self)

            def log_message(self, *args: t.Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    # -- serving ------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(h.path)
            count = len(self.requests)
        if count > self.max_requests:
            self._send(h, 503, b'{"message": "request budget of the hostile server used up"}')
            return
        split = urlsplit(h.path)
        path = split.path.removeprefix(PREFIX)
        params = dict(parse_qsl(split.query))
        handler = getattr(self, f"_mode_{self.mode}", None)
        if handler is not None:
            handler(h, path, params)
        else:
            self._plain(h, path, params)

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Date", (headers or {}).pop("Date", DATE))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    def _json(self, h: BaseHTTPRequestHandler, obj: t.Any, **headers: str) -> None:
        self._send(h, 200, json.dumps(obj).encode(), dict(headers))

    @staticmethod
    def export_page(
        rows: list[dict[str, t.Any]], cursor: str | None, cutoff: str | None = CUTOFF
    ) -> dict[str, t.Any]:
        meta: dict[str, t.Any] = {"rows": len(rows)}
        if cutoff is not None:
            meta["cutoff"] = cutoff
        return {"data": rows, "next_cursor": cursor, "has_more": cursor is not None, "meta": meta}

    @staticmethod
    def po_page(
        rows: list[dict[str, t.Any]], page: int, last_page: int, total: int
    ) -> dict[str, t.Any]:
        return {
            "data": rows,
            "meta": {
                "current_page": page,
                "from": 1,
                "last_page": last_page,
                "per_page": 100,
                "to": len(rows),
                "total": total,
            },
        }

    def _plain(self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]) -> None:
        """A well-behaved answer: one order per export, one PO per status."""
        if path.endswith("/export"):
            self._json(h, self.export_page([order(1)], None))
        else:
            status = params.get("order_status", "active")
            ids = {"active": 1, "inactive": 2, "deleted": 3}
            self._json(h, self.po_page([purchase_order(ids.get(status, 9), status)], 1, 1, 1))

    # -- the modes ----------------------------------------------------------------------------
    def _drip(self, h: BaseHTTPRequestHandler, data: bytes) -> bool:
        """Write `data` one byte every `drip_interval` s; False once the client hung up or
        `drip_seconds` passed."""
        ends = time.monotonic() + self.drip_seconds
        try:
            for byte in data:
                if time.monotonic() > ends:
                    return False
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(self.drip_interval)
        except OSError:
            return False  # the client hung up, as it should
        return True

    def _mode_drip_body(self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]) -> None:
        body = json.dumps(self.export_page([order(1)], None)).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Date", DATE)
        h.end_headers()
        self._drip(h, body)

    def _mode_drip_headers(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        body = json.dumps(self.export_page([order(1)], None)).encode()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "".join(f"X-Padding-{i}: {'x' * 20}\r\n" for i in range(50))
            + f"Content-Length: {len(body)}\r\nDate: {DATE}\r\n\r\n"
        ).encode()
        if self._drip(h, head):
            h.wfile.write(body)

    def _mode_gzip_bomb(self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        prefix = (
            b'{"data": [], "has_more": false, "next_cursor": null, "meta": {"cutoff": "'
            + CUTOFF.encode()
            + b'"}, "x": "'
        )
        parts = [compressor.compress(prefix)]
        block = b"A" * (1 << 20)
        parts.extend(compressor.compress(block) for _ in range(self.bomb_mb))
        parts.append(compressor.compress(b'"}'))
        parts.append(compressor.flush())
        body = b"".join(parts)
        self._send(h, 200, body, {"Content-Encoding": "gzip"})

    def _mode_same_cursor(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._json(h, self.export_page([order(i) for i in range(1, 6)], "same-cursor"))
        else:
            self._plain(h, path, params)

    def _mode_empty_pages(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._json(h, self.export_page([], f"cursor-{len(self.requests)}"))
        else:
            self._plain(h, path, params)

    def _mode_growing_last_page(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._plain(h, path, params)
            return
        page = int(params.get("page", "1"))
        status = params.get("order_status", "active")
        rows = [purchase_order(page * 1000 + i, status) for i in range(3)]
        self._json(h, self.po_page(rows, page, page + 1, (page + 1) * 100))

    def _mode_huge_last_page(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._plain(h, path, params)
            return
        page = int(params.get("page", "1"))
        status = params.get("order_status", "active")
        rows = [purchase_order(1, status)] if page == 1 else []
        self._json(h, self.po_page(rows, page, 50000, 1))

    def _mode_future_cutoff(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        future = {"Date": "Mon, 01 Jun 2999 12:00:00 GMT"}
        if path.endswith("/export"):
            body = self.export_page([order(1)], None, cutoff="2999-06-01T12:00:00Z")
            self._send(h, 200, json.dumps(body).encode(), future)
        else:
            status = params.get("order_status", "active")
            body = self.po_page(
                [purchase_order({"active": 1, "inactive": 2}.get(status, 3), status)], 1, 1, 1
            )
            self._send(h, 200, json.dumps(body).encode(), future)

    def _mode_cutoff_first_page_only(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if not path.endswith("/export"):
            self._plain(h, path, params)
        elif "cursor" not in params:
            self._json(h, self.export_page([order(1)], "page-2"))
        else:
            self._json(h, self.export_page([order(2, "2026-05-02T00:00:00Z")], None, cutoff=None))

    def _mode_cache_ignores_query(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._plain(h, path, params)
        else:
            self._json(h, self.po_page([purchase_order(1, "active")], 1, 1, 1))

    def _mode_ignores_page(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._plain(h, path, params)
            return
        status = params.get("order_status", "active")
        rows = [purchase_order(i, status) for i in range(1, 4)]
        self._json(h, self.po_page(rows, int(params.get("page", "1")), 3, 300))

    def _mode_keyless_rows(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._plain(h, path, params)
        else:
            status = params.get("order_status", "active")
            rows = [purchase_order(None, status), purchase_order(None, status)]
            self._json(h, self.po_page(rows, 1, 1, 2))

    #: What each bad-text mode puts inside `TEXT_MARK`'s strings (bytes as sent).
    BAD_TEXT: t.ClassVar[dict[str, bytes]] = {
        "invalid_utf8": b"\xff\xfe",
        "lone_surrogate": b"\\ud800",
        "nul_text": b"\\u0000",
    }
    TEXT_MARK = "T-1"

    def _text_rows(self, path: str, params: dict[str, str]) -> dict[str, t.Any]:
        """One row per endpoint with `TEXT_MARK` in a parent string and in a child's string."""
        mark = self.TEXT_MARK
        if path.endswith("/export"):
            row = order(1)
            row["order_number"] = mark
            row["items"] = [{"order_item_id": 11, "sku": mark}]
            return self.export_page([row], None)
        status = params.get("order_status", "active")
        row = purchase_order({"active": 1, "inactive": 2}.get(status, 3), status)
        row["public_note"] = mark
        if path.startswith("/purchase-orders"):
            row["items"] = [{"id": row["id"] * 100, "source_sku": mark}]
        else:  # another page-number list (invoices, ...)
            row["items"] = [{"id": row["id"] * 100, "sku": mark}]
        return self.po_page([row], 1, 1, 1)

    def _bad_text(self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]) -> None:
        body = json.dumps(self._text_rows(path, params)).encode()
        bad = f'"{self.TEXT_MARK}"'.encode().replace(b"-1", b"-" + self.BAD_TEXT[self.mode] + b"-1")
        self._send(h, 200, body.replace(f'"{self.TEXT_MARK}"'.encode(), bad))

    _mode_invalid_utf8 = _mode_lone_surrogate = _mode_nul_text = _bad_text

    def _mode_php_gaps(self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]) -> None:
        """Nested arrays as PHP's json_encode writes arrays whose keys are not 0..n-1."""
        if path.endswith("/export"):
            row = order(1)
            row["items"] = {"0": {"order_item_id": 11}, "2": {"order_item_id": 13}}
            row["shipments"] = {"10": {"tracking_number": "B"}, "2": {"tracking_number": "A"}}
            row["fulfillment_orders"] = {}
            self._json(h, self.export_page([row], None))
            return
        status = params.get("order_status", "active")
        row = purchase_order({"active": 1, "inactive": 2}.get(status, 3), status)
        base = row["id"] * 100
        row["items"] = {"1": {"id": base + 1}, "10": {"id": base + 10}, "2": {"id": base + 2}}
        row["payments"] = {"0": {"id": base + 50}}
        self._json(h, self.po_page([row], 1, 1, 1))

    def _mode_repeated_row(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        """Export: orders 1..250 in order, order 10 served again after position 150, 50 a page.
        Lists: two pages, the first page's last row again on the second (as a cache might)."""
        if path.endswith("/export"):
            served = [order(i, _minute(i)) for i in range(1, 251)]
            served.insert(150, order(10, _minute(10)))
            number = int(params["cursor"].split("-")[1]) if "cursor" in params else 0
            rows = served[number * 50 : (number + 1) * 50]
            more = (number + 1) * 50 < len(served)
            self._json(h, self.export_page(rows, f"page-{number + 1}" if more else None))
            return
        status = params.get("order_status", "active")
        first = {"active": 1, "inactive": 11, "deleted": 21}.get(status, 1)
        page = int(params.get("page", "1"))
        ids = [first, first + 1, first + 2] if page == 1 else [first + 2, first + 3]
        rows = [purchase_order(i, status) for i in ids]
        for row in rows:
            row["items"] = [{"id": row["id"] * 100}]
        self._json(h, self.po_page(rows, page, 2, 5))

    def _mode_large_pages(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if path.endswith("/export"):
            self._plain(h, path, params)
            return
        number = int(params.get("page", "1"))
        status = params.get("order_status", "active")
        self._send(h, 200, _large_page(number, self.pages, self.page_mb, status))

    def _mode_out_of_order(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        """Export: order 99, never sent before, comes after order 5 with an earlier time."""
        if not path.endswith("/export"):
            self._plain(h, path, params)
            return
        rows = [order(i, _minute(i)) for i in range(1, 6)] + [order(99, _minute(3))]
        self._json(h, self.export_page(rows, None))

    def _mode_bom(self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]) -> None:
        body = json.dumps(self.export_page([order(1)], None)).encode()
        if not path.endswith("/export"):
            status = params.get("order_status", "active")
            rows = [purchase_order({"active": 1, "inactive": 2}.get(status, 3), status)]
            body = json.dumps(self.po_page(rows, 1, 1, 1)).encode()
        self._send(h, 200, b"\xef\xbb\xbf" + body)

    def _mode_rate_limit_reset(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        row = order(1) if path.startswith("/sales-orders") else {"id": 1, "updated_at": CUTOFF}
        body = json.dumps(self.export_page([row], None)).encode()
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(self.reset_seconds)}
        self._send(h, 200, body, headers)

    def _mode_deep_nesting(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        depth = 100_000
        body = json.dumps(self.export_page([order(1)], None)).encode()
        deep = b'"deep": ' + b"[" * depth + b"]" * depth + b", "
        self._send(h, 200, body.replace(b'"order_number"', deep + b'"order_number"', 1))

    def _mode_long_export(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if not path.endswith("/export"):
            self._plain(h, path, params)
            return
        number = int(params["cursor"].split("-")[1]) if "cursor" in params else 0
        rows = [
            order(
                number * self.page_size + i + 1,
                f"2026-05-01T00:{number // 60:02d}:{number % 60:02d}Z",
            )
            for i in range(self.page_size)
        ]
        cursor = f"page-{number + 1}" if number + 1 < self.pages else None
        self._json(h, self.export_page(rows, cursor))

    def _mode_repeated_page(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if not path.endswith("/export"):
            self._plain(h, path, params)
            return
        rows = [order(i) for i in range(1, 4)]
        cursor = (
            None
            if params.get("cursor") == "page-3"
            else ("page-2" if "cursor" not in params else "page-3")
        )
        self._json(h, self.export_page(rows, cursor))

    def _mode_ignores_since(
        self, h: BaseHTTPRequestHandler, path: str, params: dict[str, str]
    ) -> None:
        if not path.endswith("/export"):
            self._plain(h, path, params)
            return
        self._json(h, self.export_page([order(1, "2020-01-01T00:00:00Z")], None))


def _large_page(number: int, pages: int, page_mb: float, status: str) -> bytes:
    """One page of 100 purchase orders, ~`page_mb` MiB, with decimal strings in every item (the
    drift a PHP backend sends), so every row takes the record path's slow, heavier branch."""
    item = (
        '{"id": %d, "quantity": "1.5", "unit_price": "12.30", "tax": "0.00", '
        '"line_total": "18.45", "unit": "each", "source_sku": "SKU-%08d"}'
    )
    per_row = max(1, int(page_mb * (1 << 20) / 100 / len(item % (0, 0))))
    rows = []
    for i in range(100):
        po_id = number * 1000 + i
        items = ",".join(item % (po_id * 10_000 + k, k) for k in range(per_row))
        rows.append(
            f'{{"id": {po_id}, "order_status": "{status}", "updated_at": "2026-05-01T00:00:00Z", '
            f'"order_cost": "{po_id}.25", "items": [{items}], "payments": []}}'
        )
    meta = (
        f'{{"current_page": {number}, "from": 1, "last_page": {pages}, "per_page": 100, '
        f'"to": 100, "total": {pages * 100}}}'
    )
    return f'{{"data": [{",".join(rows)}], "meta": {meta}}}'.encode()


def _minute(i: int) -> str:
    """A distinct, ascending updated_at for row `i` (one minute apart)."""
    return f"2026-05-01T{i // 60:02d}:{i % 60:02d}:00Z"


def gzip_size(mb: int) -> int:
    """Compressed size of the bomb, for the test's report."""
    return len(gzip.compress(b"A" * (mb << 20)))
