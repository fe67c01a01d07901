"""The fake Luminous HTTP server (stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive)."""

from __future__ import annotations

import contextlib
import email.utils
import logging
import math
import re
import socket
import struct
import sys
import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from . import cursor as cursor_mod
from . import docs_samples
from .clock import UTC, FakeClock, as_utc
from .data import Dataset, Row, new_product, new_purchase_order, new_sales_order
from .drift import Drift, drift_row, row_rng
from .faults import Decision, Faults
from .serialize import (
    TIMESTAMP_STYLES,
    decode,
    encode,
    encode_row,
    format_dt,
    from_us,
    row_style,
    to_us,
)

log = logging.getLogger("fake_luminous")

PREFIX = "/external/api/v1"
JSON_CT = "application/json"
HTML_CT = "text/html; charset=utf-8"
SALES_EXPORT = "/sales-orders/export"
PRODUCTS_EXPORT = "/products/export"
PURCHASE_ORDERS = "/purchase-orders"
KNOWN_PATHS = (SALES_EXPORT, PRODUCTS_EXPORT, PURCHASE_ORDERS)
PO_STATUSES = ("active", "inactive", "deleted")
_MAX_ID = sys.maxsize

_INT_RE = re.compile(r"[+-]?\d+")
_DT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?"
)
_PO_DT_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?")


def parse_since(text: str) -> datetime | None:
    """Parse the export's ``since`` (date, ISO or space separated, Z/offset, fraction)."""
    m = _DT_RE.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, off = m.groups()
    try:
        us = int((frac or "0")[:6].ljust(6, "0"))
        dt = datetime(
            int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), us, tzinfo=UTC
        )
        if off and off not in ("Z", "z"):
            sign = -1 if off[0] == "-" else 1
            digits = off[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if delta >= timedelta(hours=24):
                return None
            dt -= sign * delta
    except (ValueError, OverflowError):
        return None
    return dt


@dataclass
class RecordedRequest:
    """One request as the server saw it (``path`` without the /external/api/v1 prefix)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int = 0
    rows: int = 0
    fault: str | None = None
    at: float = field(default_factory=time.time)


class ServedBody(NamedTuple):
    """One 200 body as sent (``record_bodies=True``): path without the prefix, query, bytes."""

    path: str
    query: dict[str, str]
    body: bytes


@dataclass
class _Resp:
    status: int
    body: bytes
    ctype: str = JSON_CT
    headers: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    truncate: int | None = None
    close: bool = False
    reset: bool = False  # send nothing; abort the connection with a TCP RST
    genuine: bool = False  # the route's own answer, not replaced or cut by a fault


def _json(status: int, obj: Any, **headers: str) -> _Resp:
    return _Resp(status, encode(obj), headers=dict(headers))


def _invalid(field_name: str, message: str) -> _Resp:
    return _json(422, {"message": message, "errors": {field_name: [message]}})


def _html_error(status: int) -> bytes:
    phrase = f"{status} {HTTPStatus(status).phrase}"
    return (
        f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n<center><h1>{phrase}"
        f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------
class _Table:
    """Rows + per-row JSON cache; export tables also keep a sorted (updated_at_us, id) index.

    ``hidden`` fields are internal (never served). With ``drift`` > 0 that fraction of rows is
    served drifted (see drift.py); ``drift_logs[id]`` says how, once the row was encoded.
    """

    def __init__(
        self,
        rows: dict[int, Row],
        id_field: str,
        is_active: Callable[[Row], bool],
        style: str,
        *,
        endpoint: str = "",
        hidden: tuple[str, ...] = (),
        drift: float = 0.0,
        drift_seed: int = 0,
    ) -> None:
        self.rows = rows
        self.id_field = id_field
        self.is_active = is_active
        self.style = style
        self.endpoint = endpoint
        self.hidden = hidden
        self.drift = drift
        self.drift_seed = drift_seed
        self.drift_logs: dict[int, list[Drift]] = {}
        self.cache: dict[int, bytes] = {}
        self.keys: list[tuple[int, int]] = []
        self.keymap: dict[int, tuple[int, int]] = {}
        self.sorted_ids: list[int] | None = None
        self.rebuild()

    def rebuild(self) -> None:
        self.cache.clear()
        self.drift_logs.clear()
        self.keymap = {
            rid: (to_us(row["updated_at"]), rid)
            for rid, row in self.rows.items()
            if self.is_active(row)
        }
        self.keys = sorted(self.keymap.values())
        self.sorted_ids = None

    def changed(self, rid: int) -> None:
        self.cache.pop(rid, None)
        self.drift_logs.pop(rid, None)
        old = self.keymap.pop(rid, None)
        if old is not None:
            i = bisect_left(self.keys, old)
            if i < len(self.keys) and self.keys[i] == old:
                del self.keys[i]
        row = self.rows.get(rid)
        if row is not None and self.is_active(row):
            key = (to_us(row["updated_at"]), rid)
            insort(self.keys, key)
            self.keymap[rid] = key
        self.sorted_ids = None

    def row_bytes(self, rid: int) -> bytes:
        b = self.cache.get(rid)
        if b is None:
            row = self.rows[rid]
            if self.hidden:
                row = {k: v for k, v in row.items() if k not in self.hidden}
            rng = row_rng(self.drift_seed, self.endpoint, rid) if self.drift > 0 else None
            if rng is not None and rng.random() < self.drift:
                obj, log = drift_row(row, row_style(self.style, rid), rng)
                self.drift_logs[rid] = log
                b = encode(obj)
            else:
                b = encode_row(row, self.style, rid)
            self.cache[rid] = b
        return b

    def export_page(
        self, since_us: int, cutoff_us: int, after: tuple[int, int] | None, limit: int
    ) -> list[tuple[int, int]]:
        keys = self.keys
        i = bisect_left(keys, (since_us,))
        if after is not None:
            i = max(i, bisect_right(keys, after))
        page = keys[i : i + limit]
        if page and page[-1][0] > cutoff_us:
            page = page[: bisect_right(page, (cutoff_us, _MAX_ID))]
        return page

    def ids_by_id(self) -> list[int]:
        if self.sorted_ids is None:
            self.sorted_ids = sorted(self.rows)
        return self.sorted_ids


# ---------------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, addr: tuple[str, int], api: FakeLuminousAPI) -> None:
        self.api = api
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def close_connections(self) -> None:
        with self.conns_lock:
            conns = list(self.conns)
            self.conns.clear()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        log.exception("fake_luminous: error while handling a request")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conns_lock:
            self.server.conns.add(self.connection)

    def finish(self) -> None:
        with self.server.conns_lock:
            self.server.conns.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self) -> None:
        length = self.headers.get("Content-Length")
        if length and _INT_RE.fullmatch(length) and int(length) > 0:
            self.rfile.read(int(length))
        try:
            self.server.api._handle(self)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_GET = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_PATCH = _dispatch
    do_DELETE = _dispatch
    do_HEAD = _dispatch

    def reset_connection(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), sending no response at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()  # the fd really closes when finish() closes rfile/wfile

    def send_raw(self, resp: _Resp, date_header: str) -> None:
        body = resp.body
        lines = [
            f"HTTP/1.1 {resp.status} {HTTPStatus(resp.status).phrase}",
            f"Date: {date_header}",
            "Server: nginx",
            f"Content-Type: {resp.ctype}",
            f"Content-Length: {len(body)}",
        ]
        lines.extend(f"{k}: {v}" for k, v in resp.headers.items())
        if resp.close or self.close_connection:
            self.close_connection = True
            lines.append("Connection: close")
        else:
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            body = b""
        elif resp.truncate is not None:
            body = body[: resp.truncate]
        self.wfile.write(head + body)
        self.wfile.flush()


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------
class FakeLuminousAPI:
    """A fake of the Luminous external API served on loopback. See the package docstring.

    Opt-in modes (all off by default):

    - ``drift=f`` (0..1): serve that fraction of rows drifted the way a PHP/Laravel backend
      sends values (drift.py); ``drift_seed`` defaults to ``dataset.seed``. ``drifts(row)``
      lists a row's drifts; ``to_json_obj(row)`` is the row as served (drift included).
    - ``record_bodies=True``: ``served_bodies`` collects a ``ServedBody(path, query, body)`` for
      every 200 response body sent in full (not for HEAD, nor bodies a fault replaced or cut);
      ``served_rows(path)`` decodes their ``data`` rows. ``clear_requests()`` empties it.
    - ``docs_samples=True``: the three endpoints serve the docs' sample bodies
      (docs_samples.py) instead of the dataset; see ``_docs_export`` / ``_docs_purchase_orders``.
    """

    def __init__(
        self,
        dataset: Dataset | None = None,
        token: str = "test-token",  # noqa: S107
        clock: FakeClock | None = None,
        *,
        secret: bytes = b"fake-luminous-secret",
        cursor_ttl: float | None = None,
        timestamp_style: str = "Z",
        po_default_statuses: Iterable[str] = ("active", "inactive"),
        forbidden_tokens: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        drift: float = 0.0,
        drift_seed: int | None = None,
        record_bodies: bool = False,
        docs_samples: bool = False,
    ) -> None:
        if timestamp_style not in TIMESTAMP_STYLES:
            raise ValueError(f"timestamp_style must be one of {TIMESTAMP_STYLES}")
        self.clock = clock if clock is not None else FakeClock.real()
        if dataset is None:
            dataset = Dataset.generate(
                sales_orders=100,
                purchase_orders=30,
                products=30,
                end=self.clock.now(),
                timestamp_style=timestamp_style,
            )
        self.dataset = dataset
        self.token = token
        self.secret = secret
        self.cursor_ttl = cursor_ttl
        self.timestamp_style = timestamp_style
        self.po_default_statuses = tuple(po_default_statuses)
        self.forbidden_tokens = frozenset(forbidden_tokens)
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else Faults()
        if not 0.0 <= drift <= 1.0:
            raise ValueError("drift must be between 0 and 1")
        self.drift = drift
        self.drift_seed = dataset.seed if drift_seed is None else drift_seed
        self.record_bodies = record_bodies
        self.served_bodies: list[ServedBody] = []
        self.docs_samples = docs_samples
        self.requests: list[RecordedRequest] = []
        self.fault_counts: dict[str, int] = {}
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self._lock = threading.RLock()
        self._rec_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        seed = self.drift_seed
        self._so = _Table(
            dataset.sales_orders,
            "order_id",
            lambda r: r.get("status") == "Active",
            timestamp_style,
            endpoint="sales-orders",
            drift=drift,
            drift_seed=seed,
        )
        # products' status (1/0) decides export membership; the docs sample has no status
        self._products = _Table(
            dataset.products,
            "id",
            lambda r: r.get("status") == 1,
            timestamp_style,
            endpoint="products",
            hidden=("status",),
            drift=drift,
            drift_seed=seed,
        )
        self._pos = _Table(
            dataset.purchase_orders,
            "id",
            lambda r: False,
            timestamp_style,
            endpoint="purchase-orders",
            drift=drift,
            drift_seed=seed,
        )

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeLuminousAPI:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), self)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-luminous-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        self._stopping.set()  # wakes handlers sleeping in latency/stall faults
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    def __enter__(self) -> FakeLuminousAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{PREFIX}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def clear_requests(self) -> None:
        with self._rec_lock:
            self.requests.clear()
            self.fault_counts.clear()
            self.served_bodies.clear()

    def served_rows(self, path: str) -> list[dict[str, Any]]:
        """The ``data`` rows of every recorded body of ``path`` (decoded, Decimal numbers)."""
        with self._rec_lock:
            bodies = [b.body for b in self.served_bodies if b.path == path]
        rows: list[dict[str, Any]] = []
        for body in bodies:
            rows.extend(decode(body)["data"])
        return rows

    # -- data helpers ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild indexes and JSON caches after editing ``dataset`` dicts directly."""
        with self._lock:
            for t in (self._so, self._products, self._pos):
                t.rebuild()

    def warm(self) -> None:
        """Pre-serialise every row (otherwise done lazily on first serve)."""
        with self._lock:
            for t in (self._so, self._products, self._pos):
                for rid in list(t.rows):
                    t.row_bytes(rid)

    @staticmethod
    def _norm(fields: dict[str, Any]) -> dict[str, Any]:
        return {k: (as_utc(v) if isinstance(v, datetime) else v) for k, v in fields.items()}

    def _update(self, table: _Table, rid: int, changes: dict[str, Any]) -> Row:
        with self._lock:
            row = table.rows[rid]
            changes = self._norm(changes)
            if "updated_at" not in changes:
                changes["updated_at"] = self.clock.now()
            row.update(changes)
            table.changed(rid)
            return row

    def _insert(
        self,
        table: _Table,
        maker: Callable[[Dataset, datetime, dict[str, Any]], Row],
        fields: dict[str, Any],
    ) -> Row:
        with self._lock:
            row = maker(self.dataset, self.clock.now(), self._norm(fields))
            rid = row[table.id_field]
            if rid in table.rows:
                raise ValueError(f"{table.id_field} {rid} already exists")
            table.rows[rid] = row
            table.changed(rid)
            return row

    def update_sales_order(self, order_id: int, **changes: Any) -> Row:
        return self._update(self._so, order_id, changes)

    def insert_sales_order(self, **fields: Any) -> Row:
        return self._insert(self._so, new_sales_order, fields)

    def deactivate_sales_order(self, order_id: int) -> Row:
        return self._update(self._so, order_id, {"status": "Inactive"})

    def update_purchase_order(self, po_id: int, **changes: Any) -> Row:
        return self._update(self._pos, po_id, changes)

    def insert_purchase_order(self, **fields: Any) -> Row:
        return self._insert(self._pos, new_purchase_order, fields)

    def delete_purchase_order(self, po_id: int) -> Row:
        return self._update(self._pos, po_id, {"order_status": "deleted"})

    def update_product(self, product_id: int, **changes: Any) -> Row:
        return self._update(self._products, product_id, changes)

    def insert_product(self, **fields: Any) -> Row:
        return self._insert(self._products, new_product, fields)

    def deactivate_product(self, product_id: int) -> Row:
        return self._update(self._products, product_id, {"status": 0})

    def _expected(self, table: _Table, since: datetime, until: datetime) -> list[Row]:
        lo, hi = to_us(since), to_us(until)
        with self._lock:
            return [table.rows[rid] for us, rid in table.keys if lo <= us <= hi]

    def expected_sales_orders(self, since: datetime, until: datetime) -> list[Row]:
        """Active orders with since <= updated_at <= until, sorted by (updated_at, order_id)."""
        return self._expected(self._so, since, until)

    def expected_products(self, since: datetime, until: datetime) -> list[Row]:
        return self._expected(self._products, since, until)

    def expected_purchase_orders(self, order_status: str | None = None) -> list[Row]:
        """Rows the PO list would contain (all pages), sorted by id."""
        statuses = (order_status,) if order_status else self.po_default_statuses
        with self._lock:
            return [
                self._pos.rows[i]
                for i in self._pos.ids_by_id()
                if self._pos.rows[i].get("order_status") in statuses
            ]

    def _table_of(self, row: Row) -> tuple[_Table, int] | None:
        for table in (self._so, self._products, self._pos):
            rid = row.get(table.id_field)
            if isinstance(rid, int) and table.rows.get(rid) is row:
                return table, rid
        return None

    def to_json_obj(self, row: Row) -> dict[str, Any]:
        """The row as the server serves it, decoded back (numbers with decimals -> Decimal).

        For a row of the dataset: exactly the served form (internal fields left out, drift
        applied). For any other dict: encoded the same way, without drift.
        """
        with self._lock:
            found = self._table_of(row)
            if found is not None:
                data = found[0].row_bytes(found[1])
            else:
                rid = row.get("order_id", row.get("id", 0)) or 0
                if "kit_items" in row:  # a product: its status is internal
                    row = {k: v for k, v in row.items() if k != "status"}
                data = encode_row(row, self.timestamp_style, int(rid))
        obj: dict[str, Any] = decode(data)
        return obj

    def drifts(self, row: Row) -> list[Drift]:
        """How a dataset row is served drifted (``[]`` when it is served as documented)."""
        with self._lock:
            found = self._table_of(row)
            if found is None:
                return []
            table, rid = found
            table.row_bytes(rid)
            return list(table.drift_logs.get(rid, ()))

    def format_timestamp(self, dt: datetime, row_id: int = 0) -> str:
        return format_dt(dt, row_style(self.timestamp_style, row_id))

    # -- request handling ------------------------------------------------------------------
    def _count_fault(self, rec: RecordedRequest, name: str) -> None:
        with self._rec_lock:
            self.fault_counts[name] = self.fault_counts.get(name, 0) + 1
        rec.fault = name if rec.fault is None else f"{rec.fault},{name}"

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _http_date(self) -> str:
        return email.utils.formatdate(self.clock.now().timestamp(), usegmt=True)

    def _handle(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        path = split.path
        if not path.startswith(PREFIX + "/"):
            if path == "/healthz":
                h.send_raw(_json(200, {"status": "ok"}), self._http_date())
            else:
                h.send_raw(_json(404, {"message": "Not Found"}), self._http_date())
            return
        sub = path[len(PREFIX) :]
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in h.headers.items()}
        rec = RecordedRequest(h.command, sub, params, headers)
        with self._rec_lock:
            self.requests.append(rec)
        if self.on_request is not None:
            try:
                self.on_request(rec)
            except Exception:
                log.exception("fake_luminous: on_request hook raised")
        try:
            resp = self._with_faults(h, rec, sub, params, headers)
        except Exception:
            log.exception("fake_luminous: internal error")
            resp = _json(500, {"message": "Server Error"})
        rec.status = resp.status
        if resp.reset:
            h.reset_connection()
            return
        if self.record_bodies and resp.status == 200 and resp.genuine and h.command != "HEAD":
            with self._rec_lock:
                self.served_bodies.append(ServedBody(sub, params, resp.body))
        h.send_raw(resp, self._http_date())

    def _with_faults(
        self,
        h: _Handler,
        rec: RecordedRequest,
        sub: str,
        params: dict[str, str],
        headers: dict[str, str],
    ) -> _Resp:
        faults = self.faults
        if faults.redirect_to:
            self._count_fault(rec, "redirect")
            return _Resp(302, b"", headers={"Location": faults.redirect_to + h.path})
        fail = faults.next_fail_status(sub)
        if fail is not None:
            self._count_fault(rec, "fail_status")
            return self._status_response(fail, faults)
        rl_headers: dict[str, str] = {}
        if faults.rate_limit is not None:
            allowed, rl_headers, wait = faults.rate_check()
            if not allowed:
                self._count_fault(rec, "rate_limit")
                return _json(
                    429,
                    {"message": "Too Many Attempts."},
                    **rl_headers,
                    **{"Retry-After": str(wait)},
                )
        d: Decision = faults.decide()
        if d.delay > 0:
            with self._rec_lock:
                self.fault_counts["latency"] = self.fault_counts.get("latency", 0) + 1
            self._sleep(d.delay)
        if d.stall:
            self._count_fault(rec, "stall")
            self._sleep(faults.stall_seconds)
        if d.reset:
            self._count_fault(rec, "reset")
            return _Resp(0, b"", reset=True)  # recorded with status 0: no response
        if d.too_many:
            self._count_fault(rec, "429")
            resp = self._status_response(429, faults)
        elif d.server_error is not None:
            self._count_fault(rec, "5xx")
            resp = self._status_response(d.server_error, faults)
        else:
            resp = self._route(h.command, sub, params, headers)
            if d.drop:
                self._count_fault(rec, "drop")
                resp.truncate = max(1, len(resp.body) // 2)
                resp.close = True
            elif d.invalid_json is not None:
                self._count_fault(rec, "invalid_json")
                if d.invalid_json == "html":
                    resp = _Resp(200, b"<html>maintenance</html>", ctype=HTML_CT)
                else:
                    body = resp.body if len(resp.body) > 2 else b'{"data":[{"order_id":1'
                    resp = _Resp(200, body[: max(1, len(body) // 2)])
            elif d.wrong_shape is not None:
                self._count_fault(rec, "wrong_shape")
                resp = _Resp(200, d.wrong_shape)
            else:
                rec.rows = resp.rows
                resp.genuine = True
        resp.headers.update(rl_headers)
        return resp

    def _status_response(self, status: int, faults: Faults) -> _Resp:
        if status == 429:
            hdrs: dict[str, str] = {}
            if faults.retry_after == "http-date":
                hdrs["Retry-After"] = email.utils.formatdate(
                    time.time() + faults.retry_after_seconds, usegmt=True
                )
            elif faults.retry_after is not None:
                hdrs["Retry-After"] = faults.retry_after
            return _json(429, {"message": "Too Many Attempts."}, **hdrs)
        if status in (502, 503):
            return _Resp(status, _html_error(status), ctype=HTML_CT)
        if status >= 500:
            return _json(status, {"message": "Server Error"})
        if status == 401:
            return _json(401, {"message": "Unauthenticated."})
        if status == 403:
            return _json(403, {"message": "This action is unauthorized."})
        if status == 404:
            return _json(404, {"message": "Not Found"})
        if status in (400, 422):
            msg = "The given data was invalid."
            return _json(status, {"message": msg, "errors": {"request": [msg]}})
        return _json(status, {"message": HTTPStatus(status).phrase})

    def _route(
        self, method: str, sub: str, params: dict[str, str], headers: dict[str, str]
    ) -> _Resp:
        if sub not in KNOWN_PATHS:
            return _json(404, {"message": "Not Found"})
        if method not in ("GET", "HEAD"):
            return _json(
                405,
                {
                    "message": f"The {method} method is not supported for route "
                    f"external/api/v1{sub}. Supported methods: GET, HEAD."
                },
            )
        auth = headers.get("authorization", "")
        scheme, _, tok = auth.partition(" ")
        tok = tok.strip()
        if scheme.lower() != "bearer" or not tok:
            return _json(401, {"message": "Unauthenticated."})
        if tok in self.forbidden_tokens:
            return _json(403, {"message": "This action is unauthorized."})
        if tok != self.token:
            return _json(401, {"message": "Unauthenticated."})
        if self.docs_samples:
            if sub == PURCHASE_ORDERS:
                return self._docs_purchase_orders(params)
            return self._docs_export(sub, params)
        if sub == SALES_EXPORT:
            return self._export(self._so, "sales-orders", params, 1000)
        if sub == PRODUCTS_EXPORT:
            return self._export(self._products, "products", params, 100)
        return self._purchase_orders(params)

    # -- exports ---------------------------------------------------------------------------
    @staticmethod
    def _export_params(params: dict[str, str]) -> _Resp | tuple[int | None, str | None, int | None]:
        """Validate an export query: an error response, or (since_us, cursor, limit)."""
        for name in params:
            if name not in ("since", "cursor", "limit"):
                return _invalid(name, f"The {name} field is prohibited.")
        since_s = params.get("since") or None
        cursor_s = params.get("cursor") or None
        if since_s and cursor_s:
            return _invalid("since", "The since field prohibits cursor from being present.")
        if not since_s and not cursor_s:
            return _invalid("since", "The since field is required when cursor is not present.")
        limit: int | None = None
        if params.get("limit", "") != "":
            raw = params["limit"]
            if not _INT_RE.fullmatch(raw):
                return _invalid("limit", "The limit field must be an integer.")
            limit = int(raw)
            if not 1 <= limit <= 1000:
                return _invalid("limit", "The limit field must be between 1 and 1000.")
        since_us: int | None = None
        if since_s:
            since_dt = parse_since(since_s)
            if since_dt is None:
                return _invalid("since", "The since field must be a valid date.")
            try:
                since_us = to_us(since_dt)
            except OverflowError:
                return _invalid("since", "The since field must be a valid date.")
        return since_us, cursor_s, limit

    def _export(
        self, table: _Table, endpoint: str, params: dict[str, str], default_limit: int
    ) -> _Resp:
        checked = self._export_params(params)
        if isinstance(checked, _Resp):
            return checked
        since_opt, cursor_s, limit = checked
        now = self.clock.now()
        after: tuple[int, int] | None = None
        if since_opt is not None:
            since_us = since_opt
            cutoff_us = to_us(now)
            if limit is None:
                limit = default_limit
        else:
            assert cursor_s is not None
            try:
                payload = cursor_mod.verify(cursor_s, self.secret)
                if payload.get("endpoint") != endpoint:
                    raise cursor_mod.CursorError("wrong endpoint")
                since_us = int(payload["since_us"])
                cutoff_us = int(payload["cutoff_us"])
                last = payload["last"]
                after = (int(last[0]), int(last[1]))
                issued_us = int(payload["issued_us"])
                if limit is None:
                    limit = int(payload["limit"])
            except (cursor_mod.CursorError, KeyError, TypeError, ValueError, IndexError):
                return _invalid("cursor", "The cursor is invalid.")
            if self.cursor_ttl is not None and to_us(now) > issued_us + int(
                self.cursor_ttl * 1_000_000
            ):
                return _invalid("cursor", "The cursor has expired.")
        with self._lock:
            keys = table.export_page(since_us, cutoff_us, after, limit)
            chunks = [table.row_bytes(rid) for _, rid in keys]
        has_more = len(keys) == limit
        next_cursor = None
        if has_more:
            next_cursor = cursor_mod.sign(
                {
                    "v": 1,
                    "mode": "export",
                    "endpoint": endpoint,
                    "cutoff_us": cutoff_us,
                    "since_us": since_us,
                    "last": [keys[-1][0], keys[-1][1]],
                    "limit": limit,
                    "issued_us": to_us(now),
                },
                self.secret,
            )
        cutoff_text = format_dt(from_us(cutoff_us), row_style(self.timestamp_style, 0))
        body = b"".join(
            (
                b'{"data":[',
                b",".join(chunks),
                b'],"next_cursor":',
                encode(next_cursor),
                b',"has_more":',
                b"true" if has_more else b"false",
                b',"meta":',
                encode({"rows": len(keys), "cutoff": cutoff_text}),
                b"}",
            )
        )
        return _Resp(200, body, rows=len(keys))

    # -- purchase orders -------------------------------------------------------------------
    def _po_params(
        self, params: dict[str, str]
    ) -> _Resp | tuple[int, int, tuple[str, ...], list[Callable[[Row], bool]]]:
        """Validate a PO list query: an error response, or (page, per_page, statuses, filters)."""
        page, per_page = 1, 10
        for name, default, lo, hi in (("page", 1, 1, None), ("per_page", 10, 1, 100)):
            raw = params.get(name, "")
            if raw == "":
                value = default
            elif not _INT_RE.fullmatch(raw):
                return _invalid(name, f"The {name.replace('_', ' ')} field must be an integer.")
            else:
                value = int(raw)
            label = name.replace("_", " ")
            if value < lo:
                return _invalid(name, f"The {label} field must be at least {lo}.")
            if hi is not None and value > hi:
                return _invalid(name, f"The {label} field must not be greater than {hi}.")
            if name == "page":
                page = value
            else:
                per_page = value
        statuses: tuple[str, ...] = self.po_default_statuses
        status_param = params.get("order_status", "")
        if status_param != "":
            if status_param not in PO_STATUSES:
                return _invalid("order_status", "The selected order status is invalid.")
            statuses = (status_param,)
        filters: list[Callable[[Row], bool]] = []
        for key, raw in params.items():
            base, op = key, "eq"
            m = re.fullmatch(r"(\w+)\[(\w+)\]", key)
            if m:
                base, op = m.group(1), m.group(2)
            if base in ("updated_at", "created_at"):
                f = _date_filter(base, op, raw)
                if f is None:
                    label = base.replace("_", " ")
                    return _invalid(key, f"The {label} field must match the format Y-m-d H:i:s.")
                filters.append(f)
            elif (
                base in ("supplier_id", "warehouse_id", "location_id")
                and op == "eq"
                and _INT_RE.fullmatch(raw)
            ):
                filters.append(_id_filter(base, int(raw)))
        return page, per_page, statuses, filters

    def _purchase_orders(self, params: dict[str, str]) -> _Resp:
        checked = self._po_params(params)
        if isinstance(checked, _Resp):
            return checked
        page, per_page, statuses, filters = checked
        with self._lock:
            rows = self._pos.rows
            ids = [
                i
                for i in self._pos.ids_by_id()
                if rows[i].get("order_status") in statuses and all(f(rows[i]) for f in filters)
            ]
            total = len(ids)
            start = (page - 1) * per_page
            page_ids = ids[start : start + per_page]
            chunks = [self._pos.row_bytes(i) for i in page_ids]
        last_page = max(1, math.ceil(total / per_page))
        meta = {
            "current_page": page,
            "from": start + 1 if page_ids else None,
            "last_page": last_page,
            "per_page": per_page,
            "to": start + len(page_ids) if page_ids else None,
            "total": total,
        }
        body = b"".join((b'{"data":[', b",".join(chunks), b'],"meta":', encode(meta), b"}"))
        return _Resp(200, body, rows=len(page_ids))

    # -- docs_samples mode -----------------------------------------------------------------
    def _docs_export(self, sub: str, params: dict[str, str]) -> _Resp:
        """The docs sample of an export, then its end.

        The query is validated as usual. A request with ``since`` (any valid value, any
        ``limit``) gets the sample body as it is (``has_more: true``, the sample's
        ``next_cursor``); a request with that cursor gets an empty last page with the same
        cutoff; any other cursor is invalid (422).
        """
        checked = self._export_params(params)
        if isinstance(checked, _Resp):
            return checked
        _since, cursor_s, _limit = checked
        if sub == SALES_EXPORT:
            first = docs_samples.sales_orders_export_body()
        else:
            first = docs_samples.products_export_body()
        if cursor_s is None:
            return _Resp(200, encode(first), rows=len(first["data"]))
        if cursor_s != first["next_cursor"]:
            return _invalid("cursor", "The cursor is invalid.")
        return _Resp(200, encode(docs_samples.export_end_body(first["meta"]["cutoff"])))

    def _docs_purchase_orders(self, params: dict[str, str]) -> _Resp:
        """The docs sample of the PO list, ``meta`` made consistent with one row on one page.

        The query is validated as usual (filters other than ``order_status`` are ignored). The
        sample row (``order_status`` "active") is on page 1 when its status is requested (or a
        default status); otherwise ``data`` is empty. ``per_page`` is echoed as requested.
        """
        checked = self._po_params(params)
        if isinstance(checked, _Resp):
            return checked
        page, per_page, statuses, _filters = checked
        body = docs_samples.purchase_orders_body()
        matching = [r for r in body["data"] if r.get("order_status") in statuses]
        data = matching if page == 1 else []
        body["data"] = data
        body["meta"] = {
            "current_page": page,
            "from": 1 if data else None,
            "last_page": 1,
            "per_page": per_page,
            "to": len(data) if data else None,
            "total": len(matching),
        }
        return _Resp(200, encode(body), rows=len(data))


def _id_filter(name: str, value: int) -> Callable[[Row], bool]:
    if name == "supplier_id":
        return lambda r: r.get("supplier_id") == value
    obj = name[:-3]  # warehouse / location objects
    return lambda r: (r.get(obj) or {}).get("id") == value


def _date_filter(field_name: str, op: str, raw: str) -> Callable[[Row], bool] | None:
    m = _PO_DT_RE.fullmatch(raw.strip())
    if not m or op not in ("eq", "neq", "gt", "gte", "lt", "lte"):
        return None
    y, mo, d, hh, mi, ss = m.groups()
    try:
        if hh is None:
            day = date(int(y), int(mo), int(d))

            def key(r: Row) -> Any:
                v = r.get(field_name)
                return as_utc(v).date() if isinstance(v, datetime) else None

            target: Any = day
        else:
            target = datetime(int(y), int(mo), int(d), int(hh), int(mi), int(ss), tzinfo=UTC)

            def key(r: Row) -> Any:
                v = r.get(field_name)
                return as_utc(v).replace(microsecond=0) if isinstance(v, datetime) else None
    except ValueError:
        return None
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b,
        "neq": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    fn = ops[op]

    def check(r: Row) -> bool:
        v = key(r)
        return v is not None and fn(v, target)

    return check


__all__ = ["FakeLuminousAPI", "RecordedRequest", "parse_since"]
