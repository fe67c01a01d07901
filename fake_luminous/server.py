"""The fake Luminous API's facade: ``FakeLuminousAPI`` (stdlib HTTP server, HTTP/1.1 keep-alive).

The pieces: transport.py (server, handler, raw responses, connections), injection.py (applying
``Faults``), table.py (rows, served bytes, orders), and one module per API contract:
exports.py (the cursor exports) and pages.py (the page-number lists).
"""

from __future__ import annotations

import email.utils
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import exports, pages
from .clock import FakeClock
from .data import Dataset, Row, new_product, new_purchase_order, new_sales_order
from .drift import Drift
from .exports import EXPORTS, parse_since
from .faults import Faults
from .injection import with_faults
from .pages import PURCHASE_ORDERS
from .serialize import TIMESTAMP_STYLES, decode, encode_row, format_dt, row_style
from .table import Table, dataset_tables, normalise, style_id, table_of
from .transport import Handler, RecordedRequest, Resp, ServedBody, Server, json_resp

log = logging.getLogger("fake_luminous")

PREFIX = "/external/api/v1"
KNOWN_PATHS = (*EXPORTS, PURCHASE_ORDERS)


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
      (docs_samples.py) instead of the dataset; see ``exports.docs_export`` /
      ``pages.docs_purchase_orders``. The generic lists serve the dataset still.
    - ``churn={path: n}`` (``api.churn`` may be changed at any time): every page served of
      that generic list (or of /purchase-orders) touches ``n`` of its rows: the clock advances
      ``churn_step`` seconds (a real clock is left alone) and their ``updated_at`` becomes its
      now. A busy tenant.
    - ``filters=`` how the page-number lists treat ``updated_at``/``created_at`` filters
      (``api.filters`` may be changed at any time): "honour" (as documented: instants on
      /purchase-orders, dates on the other lists, a date-time value cut to its date there;
      ``set``/``notset`` too), "ignore", "reject" (422 naming the field) or "empty" (every
      filtered request answers no rows). ``filter_offset_hours``: naive filter values are read
      as wall time in that UTC offset (a server in another time zone).
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
        churn: Mapping[str, int] | None = None,
        churn_step: float = 1.0,
        filters: str = "honour",
        filter_offset_hours: float = 0.0,
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
        if filters not in pages.FILTER_MODES:
            raise ValueError(f"filters must be one of {pages.FILTER_MODES}")
        #: How the page-number lists treat date filters (may be changed at any time).
        self.filters = filters
        self.filter_offset_hours = filter_offset_hours
        self.requests: list[RecordedRequest] = []
        self.fault_counts: dict[str, int] = {}
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self._lock = threading.RLock()
        self._rec_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._so, self._products, self._pos, self._lists = dataset_tables(
            dataset, timestamp_style, drift, self.drift_seed
        )
        self._churn = pages.Churn(
            dataset.seed, churn or {}, churn_step, (*self._lists, PURCHASE_ORDERS)
        )
        #: path of a generic list -> rows touched per page served (see the class docstring)
        self.churn: dict[str, int] = self._churn.counts

    @property
    def _tables(self) -> tuple[Table, ...]:
        return (self._so, self._products, self._pos, *self._lists.values())

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeLuminousAPI:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = Server((self.host, self.port), self._handle)
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
            for t in self._tables:
                t.rebuild()

    def warm(self) -> None:
        """Pre-serialise every row (otherwise done lazily on first serve)."""
        with self._lock:
            for t in self._tables:
                for rid in list(t.rows):
                    t.row_bytes(rid)

    def _update(self, table: Table, rid: Any, changes: dict[str, Any]) -> Row:
        with self._lock:
            return table.update(rid, changes, self.clock.now())

    def _insert(
        self,
        table: Table,
        maker: Callable[[Dataset, datetime, dict[str, Any]], Row],
        fields: dict[str, Any],
    ) -> Row:
        with self._lock:
            return table.insert(maker(self.dataset, self.clock.now(), normalise(fields)))

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

    def update_list_row(self, path: str, key: Any, **changes: Any) -> Row:
        """Change a generic list's row; ``updated_at`` becomes the clock's now unless given."""
        return self._update(self._lists[path], key, changes)

    def insert_list_row(self, path: str, row: Row) -> Row:
        """Add ``row`` (as given, datetimes made UTC) to a generic list; its key must be new."""
        with self._lock:
            row.update(normalise(row))
            return self._lists[path].insert(row)

    def delete_list_row(self, path: str, key: Any) -> Row:
        """Remove a generic list's row (it is no longer served); returns it."""
        with self._lock:
            return self._lists[path].delete(key)

    def expected_list(self, path: str, sort: str | None = None) -> list[Row]:
        """Every row of a generic list (all pages), in the order of ``sort`` or the default."""
        table = self._lists[path]
        order = table.spec.sort_of(sort)
        with self._lock:
            return [table.rows[k] for k in table.order(*order)]

    def expected_sales_orders(self, since: datetime, until: datetime) -> list[Row]:
        """Active orders with since <= updated_at <= until, sorted by (updated_at, order_id)."""
        with self._lock:
            return self._so.expected(since, until)

    def expected_products(self, since: datetime, until: datetime) -> list[Row]:
        with self._lock:
            return self._products.expected(since, until)

    def expected_purchase_orders(self, order_status: str | None = None) -> list[Row]:
        """Rows the PO list would contain (all pages), sorted by id."""
        statuses = (order_status,) if order_status else self.po_default_statuses
        with self._lock:
            return [
                self._pos.rows[i]
                for i in self._pos.ids_by_id()
                if self._pos.rows[i].get("order_status") in statuses
            ]

    def to_json_obj(self, row: Row) -> dict[str, Any]:
        """The row as the server serves it, decoded back (numbers with decimals -> Decimal).

        For a row of the dataset: exactly the served form (internal fields left out, drift
        applied). For any other dict: encoded the same way, without drift.
        """
        with self._lock:
            found = table_of(self._tables, row)
            if found is not None:
                data = found[0].row_bytes(found[1])
            else:
                rid = row.get("order_id", row.get("id", 0)) or 0
                if "kit_items" in row:  # a product: its status is internal
                    row = {k: v for k, v in row.items() if k != "status"}
                data = encode_row(row, self.timestamp_style, style_id(rid))
        obj: dict[str, Any] = decode(data)
        return obj

    def drifts(self, row: Row) -> list[Drift]:
        """How a dataset row is served drifted (``[]`` when it is served as documented)."""
        with self._lock:
            found = table_of(self._tables, row)
            if found is None:
                return []
            table, rid = found
            table.row_bytes(rid)
            return list(table.drift_logs.get(rid, ()))

    def format_timestamp(self, dt: datetime, row_id: int = 0) -> str:
        return format_dt(dt, row_style(self.timestamp_style, row_id))

    # -- request handling ------------------------------------------------------------------
    def _count_fault(self, rec: RecordedRequest | None, name: str) -> None:
        with self._rec_lock:
            self.fault_counts[name] = self.fault_counts.get(name, 0) + 1
        if rec is not None:
            rec.fault = name if rec.fault is None else f"{rec.fault},{name}"

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _http_date(self) -> str:
        return email.utils.formatdate(self.clock.now().timestamp(), usegmt=True)

    def _handle(self, h: Handler) -> None:
        split = urlsplit(h.path)
        path = split.path
        if not path.startswith(PREFIX + "/"):
            if path == "/healthz":
                h.send_raw(json_resp(200, {"status": "ok"}), self._http_date())
            elif path == "/__touch":
                query = dict(parse_qsl(split.query))
                h.send_raw(self._touch(query), self._http_date())
            else:
                h.send_raw(json_resp(404, {"message": "Not Found"}), self._http_date())
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
            resp = with_faults(
                self.faults,
                h.path,
                rec,
                route=lambda: self._route(h.command, sub, params, headers),
                count=self._count_fault,
                sleep=self._sleep,
            )
        except Exception:
            log.exception("fake_luminous: internal error")
            resp = json_resp(500, {"message": "Server Error"})
        rec.status = resp.status
        if resp.reset:
            h.reset_connection()
            return
        if self.record_bodies and resp.status == 200 and resp.genuine and h.command != "HEAD":
            with self._rec_lock:
                self.served_bodies.append(ServedBody(sub, params, resp.body))
        h.send_raw(resp, self._http_date())

    def _touch(self, query: dict[str, str]) -> Resp:
        """``GET /__touch?path=/invoices&n=3`` (no prefix, no token: a test hook for a fake run
        in another process): touch ``n`` rows of that list or /purchase-orders, as ``churn``
        does once per page; answers the touched keys."""
        path, count = query.get("path", ""), query.get("n", "1")
        table = self._pos if path == PURCHASE_ORDERS else self._lists.get(path)
        if table is None or not count.isdigit():
            return json_resp(422, {"message": "path must be a list endpoint and n a count"})
        with self._lock:
            before = {k: r.get("updated_at") for k, r in table.rows.items()}
            counts = self._churn.counts
            saved, counts[path] = counts.get(path, 0), int(count)
            try:
                self._churn.touch(path, table, self.clock)
            finally:
                counts[path] = saved
            touched = [k for k, r in table.rows.items() if r.get("updated_at") != before[k]]
        return json_resp(200, {"touched": touched})

    def _route(
        self, method: str, sub: str, params: dict[str, str], headers: dict[str, str]
    ) -> Resp:
        if sub not in KNOWN_PATHS and sub not in self._lists:
            return json_resp(404, {"message": "Not Found"})
        if method not in ("GET", "HEAD"):
            return json_resp(
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
            return json_resp(401, {"message": "Unauthenticated."})
        if tok in self.forbidden_tokens:
            return json_resp(403, {"message": "This action is unauthorized."})
        if tok != self.token:
            return json_resp(401, {"message": "Unauthenticated."})
        if sub in self._lists and sub not in KNOWN_PATHS:
            table = self._lists[sub]
            rules = pages.FilterRules(False, self.filters, self.filter_offset_hours)
            return pages.list_page(
                table, params, self._lock, lambda: self._churn.touch(sub, table, self.clock), rules
            )
        if sub == PURCHASE_ORDERS:
            if self.docs_samples:
                return pages.docs_purchase_orders(params, self.po_default_statuses)
            return pages.purchase_orders(
                self._pos,
                params,
                self.po_default_statuses,
                self._lock,
                rules=pages.FilterRules(True, self.filters, self.filter_offset_hours),
                served=lambda: self._churn.touch(sub, self._pos, self.clock),
            )
        if self.docs_samples:
            return exports.docs_export(sub, params)
        endpoint, default_limit = EXPORTS[sub]
        return exports.export(
            self._so if endpoint == "sales-orders" else self._products,
            endpoint,
            params,
            default_limit,
            now=self.clock.now(),
            secret=self.secret,
            cursor_ttl=self.cursor_ttl,
            timestamp_style=self.timestamp_style,
            lock=self._lock,
        )


__all__ = ["FakeLuminousAPI", "RecordedRequest", "ServedBody", "parse_since"]
