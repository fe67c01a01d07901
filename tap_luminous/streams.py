"""The streams: one small class each, with only what is particular to it."""

from __future__ import annotations

import typing as t
from collections import deque
from functools import cached_property

import msgspec

from tap_luminous._sdk_internals import (
    FastRecordsMixin,
    NestedArrayStream,
    NestedChildrenMixin,
    StreamOwnedBookmarkMixin,
    TableVersionMixin,
)
from tap_luminous.client import LuminousStream, Page
from tap_luminous.concurrency import Prefetch
from tap_luminous.errors import ApiError, ProtocolError
from tap_luminous.export import ExportStream, clamp_to_clock
from tap_luminous.output import decoded
from tap_luminous.progress import Progress
from tap_luminous.records import EXTRA_FIELDS, INVALID_VALUES
from tap_luminous.schema_loader import load_schema
from tap_luminous.settings import DEFAULT_START_DATE, PURCHASE_ORDER_STATUSES, parse_start_date
from tap_luminous.timestamps import format_timestamp, parse_timestamp, window_start
from tap_luminous.versions import (
    TABLE_VERSION_KEY,
    check_stream_state,
    full_reads_versioned,
    new_version,
    reconciliation_due,
    record_reconciliation,
)

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class SalesOrdersStream(ExportStream):
    """Active sales orders from GET /sales-orders/export."""

    name = "sales_orders"
    path = "/sales-orders/export"
    primary_keys = ("order_id",)
    page_size_setting = "sales_orders_page_size"


class ProductsStream(ExportStream):
    """Active products from GET /products/export."""

    name = "products"
    path = "/products/export"
    primary_keys = ("id",)
    page_size_setting = "products_page_size"


class PurchaseOrdersStream(
    StreamOwnedBookmarkMixin,
    TableVersionMixin,
    NestedChildrenMixin,
    FastRecordsMixin,
    LuminousStream,
):
    """Purchase orders from GET /purchase-orders (page numbers, no server-side incremental).

    Every run walks all pages of each configured `order_status` and emits the purchase orders
    updated at or after the bookmark (all of them on a full scan). The bookmark is the server's
    time (`Date` header) when the walk began, so a row updated during the walk is emitted again
    next run instead of being skipped.

    A run that emits every purchase order (a full scan, FULL_TABLE, a reconciliation) tags its
    records and its children's with a new table version and, once every listing is walked (and
    verified), writes ACTIVATE_VERSION (tap_luminous/versions.py). A walk is never resumed, so a
    failed one writes no ACTIVATE_VERSION and the next run takes a new version.
    """

    name = "purchase_orders"
    path = "/purchase-orders"
    primary_keys = ("id",)
    replication_key = "updated_at"
    is_sorted = False

    def shape_problem(self, body: t.Any) -> str | None:
        problem = super().shape_problem(body)
        if problem:
            return problem
        meta = body["meta"]
        for key in ("current_page", "last_page"):
            if not isinstance(meta.get(key), int):
                return f"`meta.{key}` is not an integer"
        return None

    @property
    def full_scan(self) -> bool:
        return bool(self.config.get("purchase_orders_full_scan")) or (
            self.replication_method != "INCREMENTAL"
        )

    def emit_threshold(self) -> str | None:
        """Emit rows with updated_at >= this canonical timestamp; None emits everything."""
        if self.full_scan:
            return None
        bookmark = parse_timestamp(self.stream_state.get("replication_key_value"))
        if bookmark and (backfill := self.children_to_backfill()):
            self.logger.warning(
                "Child streams %s are new since the last %s run: emitting every purchase order",
                ", ".join(backfill),
                self.name,
            )
            return None
        start = parse_start_date(self.config.get("start_date") or DEFAULT_START_DATE)
        lookback = int(self.config.get("lookback_window") or 0)
        return format_timestamp(window_start(bookmark, start, lookback))

    def versioned_read(self) -> str | None:
        """Why this run is versioned (see versions.py), or None."""
        reason = reconciliation_due(self.config, self.stream_state)
        if reason is None and self.full_scan and full_reads_versioned(self.config):
            reason = "every purchase order is emitted on every run (full scan)"
        return reason

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        check_stream_state(self.name, self.stream_state, getattr(self._tap, "state_source", ""))
        reason = self.versioned_read()
        threshold = None if reason is not None else self.emit_threshold()
        version = None
        if reason is not None:
            version = new_version(self.stream_state.get(TABLE_VERSION_KEY))
            self.logger.info(
                "Versioning the %s walk with table version %d (%s)", self.name, version, reason
            )
        self.start_children()
        self.begin_version(version)
        self.logger.info(
            "Walking all purchase-order pages; emitting %s",
            "every purchase order" if threshold is None else f"those updated since {threshold}",
        )
        walk = _Walk(threshold)
        statuses = self.config.get("purchase_order_statuses") or list(PURCHASE_ORDER_STATUSES)
        for status in statuses:
            layout = yield from self._walk_once(status, walk, context)
            yield from self._verify_layout(status, layout, walk, context)
        if walk.started_at is None:
            raise ProtocolError("GET /purchase-orders: the server sent no Date header")
        started = parse_timestamp(walk.started_at)
        assert started is not None
        bookmark = clamp_to_clock(started, self, f"GET {self.path}: the server's Date header")
        if version is not None:
            # Every listing walked and verified: now, and only now, the version counts.
            self.activate_version()
            record_reconciliation(self.stream_state, version)
        if self.replication_method == "INCREMENTAL":
            self.write_bookmark(bookmark)
            self.remember_children()
        self.finish_children()
        self.report_findings()
        self.flush_output()

    def _walk_once(
        self,
        status: str,
        walk: _Walk,
        context: Context | None,
        expected_pages: int | None = None,
    ) -> t.Generator[dict[str, t.Any], None, list[list[t.Any]]]:
        """Emit every new row of one listing; return the ids page by page (its layout).

        A repeated walk (`expected_pages` given) reads only the ids; a page that shows an id no
        walk has emitted yet is fetched again in full and its new rows are emitted.
        """
        layout: list[list[t.Any]] = []
        ids_only = expected_pages is not None
        # Ids on earlier pages of this listing (a row that changed status during the walk may
        # also be in another listing; that is not a repeat).
        listed: set[t.Any] = set()
        for page in self._pages(status, context, expected_pages, ids_only=ids_only):
            walk.started_at = walk.started_at or page.server_date
            full = not ids_only
            if ids_only and any(row.get("id") not in walk.seen for row in page.records):
                page = self.fetch_page(page.params, context)  # noqa: PLW2901
                full = True
            where = f"GET {self.path} (order_status={status}, page {page.params['page']})"
            rows = self.page_rows(page, where)
            if full:
                self._check_filter(rows, status, where)
            ids = [decoded(row.get("id")) for row in rows]
            if not ids_only and ids and all(row_id in listed for row_id in ids):
                raise ProtocolError(
                    f"{where}: every row repeats a row of an earlier page (the server or a "
                    "cache may be ignoring the page parameter); stopping without advancing the "
                    "bookmark"
                )
            listed.update(ids)
            layout.append(ids)
            yield from walk.new_rows(rows)
        return layout

    def _check_filter(self, rows: list[dict[str, t.Any]], status: str, where: str) -> None:
        """Rows of another order_status mean the filter was ignored (e.g. by a cache that
        ignores the query string)."""
        for position, row in enumerate(rows):
            got = decoded(row.get("order_status"))
            if got is None:
                continue  # a row that does not carry the field cannot be checked
            if not isinstance(got, str) or got.lower() != status:
                raise ProtocolError(
                    f"{where}: row {position + 1} (id {decoded(row.get('id'))}) has "
                    f"order_status={got!r}: the server ignored the order_status filter, so rows "
                    "of some statuses would be missing; stopping without advancing the bookmark"
                )

    def _pages(
        self,
        status: str,
        context: Context | None,
        expected_pages: int | None = None,
        *,
        ids_only: bool = False,
    ) -> t.Iterator[Page]:
        """Pages 1..last_page in order, up to `purchase_orders_concurrency` fetched at once.

        Page 1 comes first when the page count is unknown (it gives `last_page`); a walk that
        repeats one (`expected_pages`) starts on all its pages at once. The latest page's
        `last_page` decides whether more pages follow, so a listing that grows during the walk
        is followed to its end.
        """
        per_page = int(self.config.get("purchase_orders_page_size") or 100)
        workers = int(self.config.get("purchase_orders_concurrency") or 1)

        def params(number: int) -> dict[str, t.Any]:
            return {"page": number, "per_page": per_page, "order_status": status}

        progress = Progress(self.logger, f"{self.name} ({status})", self.progress_every)
        bounds = _WalkBounds(
            f"GET {self.path} (order_status={status})",
            per_page,
            int(self.config.get("max_empty_pages") or 3),
        )
        in_flight: deque[tuple[int, Prefetch[Page]]] = deque()
        last_page = expected_pages or 1
        next_number = 1
        while True:
            while len(in_flight) < workers and next_number <= last_page:
                job = Prefetch(
                    self.fetch_page, params(next_number), context, _decode_ids if ids_only else None
                )
                in_flight.append((next_number, job))
                next_number += 1
            if not in_flight:
                return
            number, job = in_flight.popleft()
            page = job.result()
            self._check_page_number(page, number)
            last_page = bounds.check(page, number)
            yield page
            progress.page_done(len(page.records), sum(self.retry_counts.values()), last_page)

    def _check_page_number(self, page: Page, number: int) -> None:
        if page.body["meta"].get("current_page") != number:
            raise ProtocolError(
                f"GET {self.path}: asked for page {number}, got page "
                f"{page.body['meta'].get('current_page')}"
            )

    def _verify_layout(
        self, status: str, layout: list[list[t.Any]], walk: _Walk, context: Context | None
    ) -> t.Iterator[dict[str, t.Any]]:
        """Walk again until two walks see the same ids on the same pages.

        Page numbers drift when rows are created or deleted during a walk: a row can shift
        across a page boundary and be skipped, even when `meta.total` ends up unchanged (a
        delete plus an insert). Rows a later walk finds that no earlier walk emitted are the
        skipped ones, and are emitted now. If the listing never holds still for
        `purchase_orders_max_rewalks` walks, fail without advancing the bookmark.
        """
        max_walks = int(self.config.get("purchase_orders_max_rewalks") or 3)
        if not self.config.get("purchase_orders_verify_walk", True):
            return
        for attempt in range(1, max_walks + 1):
            again = yield from self._walk_once(status, walk, context, len(layout))
            if again == layout:
                return
            self.logger.warning(
                "Purchase orders (order_status=%s) moved between pages during the walk "
                "(%d pages before, %d now); walking again to pick up shifted rows "
                "(walk %d of %d)",
                status,
                len(layout),
                len(again),
                attempt,
                max_walks,
            )
            layout = again
        raise ApiError(
            f"GET {self.path}: purchase orders (order_status={status}) kept moving between "
            f"pages for {max_walks} walks; stopping without advancing the bookmark"
        )


class _WalkBounds:
    """Limits on one page-number walk that hold however fast the server answers.

    `meta.last_page` may grow while rows are added during the walk, but not past twice its first
    value plus ten; it must agree with `meta.total` at the page size; and at most
    `max_empty_pages` pages in a row may be empty before the last page.
    """

    def __init__(self, endpoint: str, per_page: int, max_empty: int) -> None:
        self.endpoint = endpoint
        self.per_page = per_page
        self.max_empty = max_empty
        self.first_last_page: int | None = None
        self.empty_in_a_row = 0

    def check(self, page: Page, number: int) -> int:
        meta = page.body["meta"]
        last_page = int(meta["last_page"])
        if self.first_last_page is None:
            self.first_last_page = last_page
        limit = 2 * self.first_last_page + 10
        if last_page > limit:
            self._fail(
                f"meta.last_page grew from {self.first_last_page} to {last_page} during the walk "
                f"(more than the bound {limit})"
            )
        total = meta.get("total")
        if isinstance(total, int) and not isinstance(total, bool):
            expected = max(1, -(-total // self.per_page))
            if last_page > expected + 1:
                self._fail(
                    f"meta.last_page={last_page} does not fit meta.total={total} at "
                    f"per_page={self.per_page} (at most {expected} pages)"
                )
        if page.records or not _is_empty(page.raw_records):
            self.empty_in_a_row = 0
        elif number < last_page:
            self.empty_in_a_row += 1
            if self.empty_in_a_row > self.max_empty:
                self._fail(
                    f"{self.empty_in_a_row} empty pages in a row before the last page "
                    f"(max_empty_pages={self.max_empty})"
                )
        return last_page

    def _fail(self, problem: str) -> t.NoReturn:
        raise ProtocolError(f"{self.endpoint}: {problem}; stopping without advancing the bookmark")


def _is_empty(raw: t.Any) -> bool:
    """Whether a page's `data` (JSON text or a list) holds no rows."""
    if raw is None or isinstance(raw, list):
        return not raw
    text = bytes(raw)
    return len(text) < 64 and text.translate(None, b" \t\r\n") == b"[]"


class _IdOnly(msgspec.Struct):
    id: t.Any = None


class _IdsPage(msgspec.Struct):
    """A purchase-order page read for its ids only (msgspec skips everything else)."""

    data: list[_IdOnly]
    meta: dict[str, t.Any]


_ids_decoder = msgspec.json.Decoder(_IdsPage)


def _decode_ids(content: bytes) -> dict[str, t.Any]:
    page = _ids_decoder.decode(content)
    return {"data": [{"id": row.id} for row in page.data], "meta": page.meta}


class _Walk:
    """What one run of the purchase-order walk has seen: emitted ids and the server's time."""

    def __init__(self, threshold: str | None) -> None:
        self.threshold = threshold
        self.started_at: str | None = None
        self.seen: set[t.Any] = set()

    def new_rows(self, rows: list[dict[str, t.Any]]) -> t.Iterator[dict[str, t.Any]]:
        for row in rows:
            row_id = decoded(row.get("id"))
            if row_id in self.seen:  # seen on another page or in an earlier walk
                continue
            self.seen.add(row_id)
            if self.threshold is not None:
                updated = parse_timestamp(decoded(row.get("updated_at")))
                # Rows without a readable updated_at are always emitted, never dropped.
                if updated is not None and format_timestamp(updated) < self.threshold:
                    continue
            yield row


# -- child streams: rows of the parents' nested arrays, emitted in the parent's single pass ------
_PARENT_UPDATED_AT = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "The parent's updated_at when this row was extracted. A child row whose value "
    "is older than its parent's updated_at no longer exists in the parent (see README).",
}


class _ChildStream(NestedArrayStream):
    #: Schema file of one array element, e.g. shared/sales_order_item.json.
    element_schema: str = ""
    #: The parent's key field, and its name on the child rows.
    parent_key: str = ""
    parent_key_as: str = ""

    @cached_property
    def schema(self) -> dict[str, t.Any]:
        element = load_schema(self.element_schema)
        element.pop("additionalProperties", None)
        element["type"] = "object"
        properties = element["properties"]
        for key in self.primary_keys or ():
            if key in properties:  # nullable inside the parent, required here
                properties[key] = {**properties[key], "type": "integer"}
        element["properties"] = {
            self.parent_key_as: {"type": ["integer"], "description": "The parent's key."},
            **properties,
            "_parent_updated_at": _PARENT_UPDATED_AT,
            EXTRA_FIELDS: load_schema("shared/extra_fields.json"),
            INVALID_VALUES: load_schema("shared/invalid_values.json"),
        }
        element["required"] = sorted({*(self.primary_keys or ()), self.parent_key_as})
        return element

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(self.schema["properties"]) - {EXTRA_FIELDS, INVALID_VALUES}

    def rows_from_parent(self, parent: dict[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        """The parent's array elements as rows; the parent's row was already normalised."""
        elements = decoded(parent.get(self.array_field)) or ()
        parent_id = decoded(parent.get(self.parent_key))
        parent_updated_at = parent.get("updated_at")
        parent_invalid = parent.get(INVALID_VALUES) or {}
        for index, element in enumerate(elements):
            prefix = f"{self.array_field}[{index}]"
            if not isinstance(element, dict):
                # Only a value the parent kept in its side column can be a non-object here.
                self.logger.warning(
                    "Stream '%s': %s %s has a non-object at %s; not emitted (kept in the "
                    "parent's _invalid_values)",
                    self.name,
                    self.parent_key,
                    parent_id,
                    prefix,
                )
                continue
            row = dict(element)
            unknown = row.keys() - self._known
            if unknown:
                row[EXTRA_FIELDS] = {name: row.pop(name) for name in sorted(unknown)}
            if parent_invalid:
                own = {
                    path[len(prefix) + 1 :]: value
                    for path, value in parent_invalid.items()
                    if path.startswith(prefix + ".")
                }
                if own:
                    row[INVALID_VALUES] = own
            row[self.parent_key_as] = parent_id
            row["_parent_updated_at"] = parent_updated_at
            keyed = self.keyed(row, index)
            for key in self.primary_keys or ():
                if keyed.get(key) is None:
                    raise ProtocolError(
                        f"Stream '{self.name}': {self.parent_key} {parent_id}, {prefix}: `{key}` "
                        "is missing or not an integer; a row without its primary key cannot be "
                        "loaded, so the run stops here"
                    )
            yield keyed

    def keyed(self, row: dict[str, t.Any], index: int) -> dict[str, t.Any]:
        return row


class _SalesOrderChild(_ChildStream):
    parent_stream_type = SalesOrdersStream
    parent_key = "order_id"
    parent_key_as = "order_id"


class _PurchaseOrderChild(_ChildStream):
    parent_stream_type = PurchaseOrdersStream
    parent_key = "id"
    parent_key_as = "purchase_order_id"


class SalesOrderItemsStream(_SalesOrderChild):
    name = "sales_order_items"
    array_field = "items"
    element_schema = "shared/sales_order_item.json"
    primary_keys = ("order_item_id",)


class SalesOrderFulfillmentOrdersStream(_SalesOrderChild):
    name = "sales_order_fulfillment_orders"
    array_field = "fulfillment_orders"
    element_schema = "shared/fulfillment_order.json"
    primary_keys = ("fulfillment_order_id",)


class SalesOrderShipmentsStream(_SalesOrderChild):
    """Shipments embedded in the export; their shape is undocumented.

    Key `_shipment_key`: the shipment's own `id` when it has one (stable across runs), else
    `<order_id>-<position>` (stable as long as the API keeps an order's shipments in order).
    """

    name = "sales_order_shipments"
    array_field = "shipments"
    element_schema = "shared/sales_order_shipment.json"
    primary_keys = ("_shipment_key",)

    @cached_property
    def schema(self) -> dict[str, t.Any]:
        schema = super().schema
        schema["properties"] = {
            "_shipment_key": {
                "type": ["string"],
                "description": "The shipment's id, else <order_id>-<position in the order>.",
            },
            **schema["properties"],
        }
        schema["required"] = sorted({*schema["required"], "_shipment_key"})
        return schema

    def keyed(self, row: dict[str, t.Any], index: int) -> dict[str, t.Any]:
        own_id = next((row[f] for f in ("id", "shipment_id") if row.get(f) is not None), None)
        row["_shipment_key"] = str(own_id) if own_id is not None else f"{row['order_id']}-{index}"
        return row


class PurchaseOrderItemsStream(_PurchaseOrderChild):
    name = "purchase_order_items"
    array_field = "items"
    element_schema = "shared/purchase_order_item.json"
    primary_keys = ("id",)


class PurchaseOrderPaymentsStream(_PurchaseOrderChild):
    name = "purchase_order_payments"
    array_field = "payments"
    element_schema = "shared/purchase_order_payment.json"
    primary_keys = ("id",)
