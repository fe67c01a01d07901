"""The cursor exports: GET /sales-orders/export and GET /products/export.

A ``since`` request fixes a cutoff (the clock's now) and starts a walk of the active rows by
``(updated_at, id)``; each page with ``has_more`` carries a signed cursor holding the walk's
position, ``since``, cutoff and limit. Rows updated after the cutoff are not in the walk.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from . import cursor as cursor_mod
from . import docs_samples
from .clock import UTC
from .serialize import encode, format_dt, from_us, row_style, to_us
from .table import Table
from .transport import INT_RE, Resp, invalid

SALES_EXPORT = "/sales-orders/export"
PRODUCTS_EXPORT = "/products/export"
#: path -> (the endpoint name signed into cursors, the default page size)
EXPORTS = {SALES_EXPORT: ("sales-orders", 1000), PRODUCTS_EXPORT: ("products", 100)}

_DT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?"
)


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


def export_params(params: dict[str, str]) -> Resp | tuple[int | None, str | None, int | None]:
    """Validate an export query: an error response, or (since_us, cursor, limit)."""
    for name in params:
        if name not in ("since", "cursor", "limit"):
            return invalid(name, f"The {name} field is prohibited.")
    since_s = params.get("since") or None
    cursor_s = params.get("cursor") or None
    if since_s and cursor_s:
        return invalid("since", "The since field prohibits cursor from being present.")
    if not since_s and not cursor_s:
        return invalid("since", "The since field is required when cursor is not present.")
    limit: int | None = None
    if params.get("limit", "") != "":
        raw = params["limit"]
        if not INT_RE.fullmatch(raw):
            return invalid("limit", "The limit field must be an integer.")
        limit = int(raw)
        if not 1 <= limit <= 1000:
            return invalid("limit", "The limit field must be between 1 and 1000.")
    since_us: int | None = None
    if since_s:
        since_dt = parse_since(since_s)
        if since_dt is None:
            return invalid("since", "The since field must be a valid date.")
        try:
            since_us = to_us(since_dt)
        except OverflowError:
            return invalid("since", "The since field must be a valid date.")
    return since_us, cursor_s, limit


def export(
    table: Table,
    endpoint: str,
    params: dict[str, str],
    default_limit: int,
    *,
    now: datetime,
    secret: bytes,
    cursor_ttl: float | None,
    timestamp_style: str,
    lock: AbstractContextManager[object],
) -> Resp:
    """One export page (``lock``, the API's, is held while the table is read)."""
    checked = export_params(params)
    if isinstance(checked, Resp):
        return checked
    since_opt, cursor_s, limit = checked
    after: tuple[int, int] | None = None
    if since_opt is not None:
        since_us = since_opt
        cutoff_us = to_us(now)
        if limit is None:
            limit = default_limit
    else:
        assert cursor_s is not None
        try:
            payload = cursor_mod.verify(cursor_s, secret)
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
            return invalid("cursor", "The cursor is invalid.")
        if cursor_ttl is not None and to_us(now) > issued_us + int(cursor_ttl * 1_000_000):
            return invalid("cursor", "The cursor has expired.")
    with lock:
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
            secret,
        )
    cutoff_text = format_dt(from_us(cutoff_us), row_style(timestamp_style, 0))
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
    return Resp(200, body, rows=len(keys))


def docs_export(sub: str, params: dict[str, str]) -> Resp:
    """The docs sample of an export (``docs_samples=True``), then its end.

    The query is validated as usual. A request with ``since`` (any valid value, any
    ``limit``) gets the sample body as it is (``has_more: true``, the sample's
    ``next_cursor``); a request with that cursor gets an empty last page with the same
    cutoff; any other cursor is invalid (422).
    """
    checked = export_params(params)
    if isinstance(checked, Resp):
        return checked
    _since, cursor_s, _limit = checked
    if sub == SALES_EXPORT:
        first = docs_samples.sales_orders_export_body()
    else:
        first = docs_samples.products_export_body()
    if cursor_s is None:
        return Resp(200, encode(first), rows=len(first["data"]))
    if cursor_s != first["next_cursor"]:
        return invalid("cursor", "The cursor is invalid.")
    return Resp(200, encode(docs_samples.export_end_body(first["meta"]["cutoff"])))
