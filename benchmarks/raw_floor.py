"""The raw client floor: the least a Python client must do to copy the Luminous API to stdout.

    python benchmarks/raw_floor.py --base-url URL --token TOKEN --stream sales_orders

One keep-alive ``requests.Session``; each body is decoded with msgspec (numbers with a fraction
become ``Decimal``, as the tap does) and every record is written as one JSON line (Decimals as
JSON numbers) to ``--out`` (default /dev/null). No schema, no state, no retries: the tap can only
be slower than this, and the ratio of the two is what the tap's own work costs.

``--mode fetch`` does not decode bodies at all (the cursor / last page is cut out of the body's
tail): it measures what the fake API can serve, not what a client can consume.

Prints one JSON line: requests, records, bytes and the seconds spent walking (interpreter
start-up and imports excluded).
"""

from __future__ import annotations

import argparse
import decimal
import json
import re
import sys
import time
from collections.abc import Callable, Iterator

import msgspec
import requests

STREAMS = ("sales_orders", "purchase_orders")
SALES_EXPORT = "/sales-orders/export"
PURCHASE_ORDERS = "/purchase-orders"
_CURSOR_RE = re.compile(rb'"next_cursor":(null|"([^"]*)")')
_LAST_PAGE_RE = re.compile(rb'"last_page":(\d+)')

Fetch = Callable[[str, dict[str, str]], bytes]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--base-url", required=True, help="…/external/api/v1 on 127.0.0.1")
    p.add_argument("--token", required=True)
    p.add_argument("--stream", choices=STREAMS, required=True)
    p.add_argument("--mode", choices=("decode", "fetch"), default="decode")
    p.add_argument("--since", default="1970-01-01T00:00:00Z")
    p.add_argument("--limit", type=int, default=1000, help="export page size")
    p.add_argument("--per-page", type=int, default=100, help="purchase-order page size")
    p.add_argument(
        "--statuses",
        default="active,inactive,deleted",
        help="comma-separated purchase-order order_status values",
    )
    p.add_argument("--out", default="/dev/null")
    p.add_argument("--timeout", type=float, default=60.0, help="per-request timeout (seconds)")
    return p


def _export_pages(get: Fetch, since: str, limit: int) -> Iterator[bytes]:
    """Sales-order export: since, then next_cursor, until has_more is false."""
    params = {"since": since, "limit": str(limit)}
    while True:
        body = get(SALES_EXPORT, params)
        yield body
        # The cursor sits after the data array: search the tail only, in both modes.
        m = _CURSOR_RE.search(body, max(0, len(body) - 4096))
        if m is None:
            raise SystemExit(f"raw_floor: no next_cursor in {SALES_EXPORT} body")
        if m.group(1) == b"null":
            return
        params = {"cursor": m.group(2).decode(), "limit": str(limit)}


def _po_pages(get: Fetch, statuses: list[str], per_page: int) -> Iterator[bytes]:
    """Purchase orders: page=1.. for each order_status, until meta.last_page."""
    for status in statuses:
        page = 1
        while True:
            body = get(
                PURCHASE_ORDERS,
                {"page": str(page), "per_page": str(per_page), "order_status": status},
            )
            yield body
            m = _LAST_PAGE_RE.search(body, max(0, len(body) - 512))
            if m is None:
                raise SystemExit(f"raw_floor: no meta.last_page in {PURCHASE_ORDERS} body")
            if page >= int(m.group(1)):
                break
            page += 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment: straight to the fake
    session.headers.update({"Authorization": f"Bearer {args.token}", "Accept": "application/json"})
    base = args.base_url.rstrip("/")
    stats: dict[str, float] = {"requests": 0, "bytes": 0, "records": 0}

    def get(path: str, params: dict[str, str]) -> bytes:
        resp = session.get(base + path, params=params, timeout=args.timeout, allow_redirects=False)
        if resp.status_code != 200:
            raise SystemExit(f"raw_floor: GET {path} -> {resp.status_code}: {resp.text[:200]}")
        body = resp.content
        stats["requests"] += 1
        stats["bytes"] += len(body)
        return body

    if args.stream == "sales_orders":
        pages = _export_pages(get, args.since, args.limit)
    else:
        pages = _po_pages(get, [s for s in args.statuses.split(",") if s], args.per_page)

    if args.mode == "fetch":
        for _ in pages:
            pass
    else:
        decode = msgspec.json.Decoder(float_hook=decimal.Decimal).decode
        encode = msgspec.json.Encoder(decimal_format="number").encode
        with open(args.out, "wb", buffering=1 << 16) as out:
            write = out.write
            for body in pages:
                rows = decode(body)["data"]
                for row in rows:
                    write(encode(row))
                    write(b"\n")
                stats["records"] += len(rows)
    session.close()
    stats["seconds"] = time.perf_counter() - started
    sys.stdout.write(json.dumps(stats) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
