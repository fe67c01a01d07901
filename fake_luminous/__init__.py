"""A fake of the Luminous external API, served over real HTTP on loopback.

Used by tests, benchmarks and demos instead of the real API. It knows nothing of the tap: the
docs samples (``shared/api-docs/``, kept verbatim in ``docs_samples.py``) decide the shapes it
serves, never a consumer's schema.

    from fake_luminous import FakeLuminousAPI, Dataset, Faults, FakeClock
    clock = FakeClock(datetime(2026, 6, 1, tzinfo=timezone.utc))
    ds = Dataset.generate(sales_orders=2500, purchase_orders=250, products=300, seed=7,
                          start=datetime(2024, 1, 1, tzinfo=timezone.utc), end=clock.now())
    with FakeLuminousAPI(dataset=ds, token="test-token", clock=clock) as api:
        requests.get(api.base_url + "/sales-orders/export", params={"since": "2024-01-01"},
                     headers={"Authorization": "Bearer test-token"})

Endpoints (prefix /external/api/v1): GET /sales-orders/export, GET /products/export (signed
cursor exports with a fixed cutoff; exports.py), GET /purchase-orders (Laravel page-number list;
pages.py) and every generic page-number list of ``erp_rows.ENDPOINTS`` (lists.py, pages.py).
Any other path is a 404. Modules: server.py (the ``FakeLuminousAPI`` facade), transport.py
(HTTP server, handler, raw responses), injection.py (applying ``Faults``), table.py (rows,
served bytes, orders).

Generic lists (``Dataset.generate(lists={path: count})``; ``dataset.lists[path]`` is
``{key: row}``; generated after all other data, each from its own RNG): the same auth, faults,
recording, ``Date`` header and drift as /purchase-orders. ``page`` (>= 1) and the endpoint's
``size_param`` (``per_page``, or ``limit`` on a few; 1..``max_size``, default
``default_size``); beyond the limits or not an integer: 422 ``{"message", "errors": {field:
[message]}}``. ``meta`` is Laravel's ``{current_page, from, last_page, per_page, to, total}``,
``per_page`` even where the parameter is ``limit``. ``sort=field:asc|desc`` over the
endpoint's ``sorts`` (an unknown field, a missing or other direction: 422); without ``sort``:
``default_sort``, else by key; ties always by key ascending. ``updated_at``/``created_at``
filters (``=`` or ``[eq|neq|gt|gte|lt|lte]``, ``Y-m-d`` or ``Y-m-d H:i:s``) as on the PO list.
Unknown parameters are ignored. ``paginated=False`` endpoints: ``{"data": [every row]}``, no
``meta``, paging parameters ignored (sort and filters apply). ``docs_samples=True`` does not
change them. Test helpers: ``api.update_list_row(path, key, **changes)`` (``updated_at`` =
the clock unless given), ``api.insert_list_row(path, row)``, ``api.delete_list_row(path,
key)``, ``api.expected_list(path, sort=None)`` (every row, in the order a walk would see).

Shapes (data.py): exactly the docs samples' fields, plus what a real server sends beyond them:
products' weights after the cut-off sample (``box_weight_oz/_lb``, ``carton_/shipping_/
pallet_weight`` + ``_oz/_lb``), sales-order ``shipments[]`` shaped like the shipments endpoint
(some without ``id``), on some purchase orders the full supplier (banking fields) and a
``credentials`` object. Products' ``status`` is internal (export membership), never served.

Opt-in modes of ``FakeLuminousAPI`` (all off by default):

- ``drift=0.2`` (fraction of rows, 0..1; ``drift_seed`` defaults to ``dataset.seed``): those
  rows are served with the value drifts of a PHP/Laravel backend (decimals/integers as strings,
  booleans as 0/1 or strings, MySQL zero dates, timestamps without T/zone or with offsets,
  ``[]`` for ``{}`` and back, bare-number/list weights, undocumented types), at every nesting
  level; keys become integer strings at most; see drift.py. The server keeps the true values
  (membership, order, cursors, ``expected_*``). ``api.drifts(row)`` -> ``[Drift(path, kind,
  original, served)]``; ``api.to_json_obj(row)`` is the row as served.
- ``record_bodies=True``: ``api.served_bodies`` -> ``[ServedBody(path, query, body)]`` for every
  200 body sent in full (bytes as sent; not HEAD, not bodies a fault replaced or cut);
  ``api.served_rows(path)`` decodes their ``data``.
- ``docs_samples=True``: the endpoints serve the docs' sample bodies: an export's ``since``
  request gets its sample (``has_more: true``, the sample cursor), that cursor gets an empty
  last page with the same cutoff; every PO list request gets the PO sample with ``meta`` for one
  row on one page, the row only on page 1 and only when "active" is among the requested
  statuses.
- ``churn={"/inventory/stocks": n}`` (``api.churn[path] = n`` at any time; ``churn_step``
  seconds, default 1): after every page served of that generic list, the clock advances
  ``churn_step`` (a real clock is not moved) and ``n`` of its rows (drawn from a seeded RNG)
  get ``updated_at`` = the clock's now: a live snapshot being written while it is read. A walk
  under ``sort=updated_at:desc`` then sees rows move between pages (skips and repeats); one
  under a key-like sort (``sort=product.id:asc``) stays exact.
"""

from .clock import FakeClock
from .cursor import CursorError
from .data import BIG_MONEY, BIG_UNIT_COST, Dataset, money
from .drift import Drift
from .faults import Faults
from .server import FakeLuminousAPI, RecordedRequest, ServedBody, parse_since

__all__ = [
    "BIG_MONEY",
    "BIG_UNIT_COST",
    "CursorError",
    "Dataset",
    "Drift",
    "FakeClock",
    "FakeLuminousAPI",
    "Faults",
    "RecordedRequest",
    "ServedBody",
    "money",
    "parse_since",
]
