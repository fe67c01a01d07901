"""The settings, declared once: names, types, defaults, ranges and descriptions.

Everything else reads from here: `complete_settings` fills the defaults in, the checks in
settings.py take their ranges from `minimum`/`maximum`, `--about`, the settings tables of the
docs and meltano.yml's setting list are generated from it (scripts/doc_tables.py,
scripts/sync-plugin-settings.sh).
"""

from __future__ import annotations

import re
import typing as t

from singer_sdk import typing as th

DEFAULT_START_DATE = "1970-01-01T00:00:00Z"
API_PATH = "/external/api/v1"
LUMINOUS_HOST_TEMPLATE = "https://{company_name}.api.joinluminous.com" + API_PATH
PURCHASE_ORDER_STATUSES = ("active", "inactive", "deleted")

# A single DNS label: the token can then only ever reach <label>.api.joinluminous.com.
DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")

#: Deprecated name -> (the setting that replaces it, the streams it still applies to where set).
DEPRECATED_SETTINGS: dict[str, tuple[str, str]] = {
    f"{prefix}_{old}": (new, prefix)
    for prefix in ("purchase_orders", "list_streams")
    for old, new in (
        ("concurrency", "page_walk_concurrency"),
        ("verify_walk", "page_walk_verify"),
        ("max_rewalks", "page_walk_max_rewalks"),
    )
}
_WALK_TYPES: dict[str, t.Any] = {
    "page_walk_concurrency": th.IntegerType(minimum=1, maximum=16),
    "page_walk_verify": th.BooleanType,
    "page_walk_max_rewalks": th.IntegerType(minimum=1, maximum=20),
}
_DEPRECATED_FOR = {
    "purchase_orders": "purchase orders",
    "list_streams": "the other page-number lists",
}

CONFIG_SCHEMA = th.PropertiesList(
    # -- the settings a user needs first
    th.Property(
        "api_token",
        th.StringType,
        required=True,
        secret=True,
        title="API token",
        description="Luminous API token, sent as `Authorization: Bearer <token>`. An admin "
        "creates it in the Luminous app under Settings > API Tokens.",
    ),
    th.Property(
        "company_name",
        th.StringType,
        title="Company name",
        description="Your Luminous tenant: the subdomain in "
        "`https://{company_name}.api.joinluminous.com`. A single DNS label (letters, digits, "
        "hyphens). Required unless `api_url` is set.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        default=DEFAULT_START_DATE,
        title="Start date",
        description="ISO-8601 timestamp where the first export starts when there is no "
        f"bookmark yet. Default `{DEFAULT_START_DATE}`, i.e. the whole history.",
    ),
    # -- what to read and how it lands
    th.Property(
        "api_url",
        th.StringType,
        title="API base URL",
        description="Full base URL including `/external/api/v1`; overrides `company_name`. "
        "Plain `http` is accepted only for loopback hosts (tests, the bundled fake API). "
        "Default: `https://{company_name}.api.joinluminous.com/external/api/v1`.",
    ),
    th.Property(
        "lookback_window",
        th.IntegerType(minimum=0, maximum=10 * 365 * 86400),
        default=0,
        title="Lookback window (seconds)",
        description="Re-read this many seconds before the bookmark on every incremental run, "
        "for users who distrust late commits. Rows read twice are upserted by key downstream.",
    ),
    th.Property(
        "purchase_order_statuses",
        th.ArrayType(th.StringType),
        default=list(PURCHASE_ORDER_STATUSES),
        title="Purchase order statuses",
        description="Which `order_status` values to fetch; each is listed explicitly with "
        "`order_status=<value>` so inactive and deleted purchase orders reach the target too.",
    ),
    th.Property(
        "purchase_orders_full_scan",
        th.BooleanType,
        default=False,
        title="Purchase orders full scan",
        description="Walk every purchase-order listing in full and emit every purchase order "
        "on every run, instead of asking the server for those updated since the bookmark.",
    ),
    th.Property(
        "reconcile_every_days",
        th.IntegerType(minimum=0, maximum=3650),
        default=0,
        title="Reconcile every (days)",
        description="Make a run a reconciliation when a stream's last finished one is this many "
        "UTC calendar days old, or there is none yet (0-3650; 0, the default, never). A "
        "reconciliation re-reads `sales_orders` and `products` from `start_date` and emits every "
        "purchase order of the walk; every RECORD of the stream and of its child streams carries "
        "one new table `version`, and one ACTIVATE_VERSION per stream follows its last record, so "
        "a target that supports it (MeltanoLabs target-postgres) sets `_sdc_deleted_at` on rows "
        "Luminous no longer serves: deactivated orders and products, and their child rows. A "
        "failed or stopped reconciliation writes no ACTIVATE_VERSION and resumes, with its "
        "version, on the next run. The time of the last one is kept in the state.",
    ),
    th.Property(
        "reconcile_now",
        th.BooleanType,
        default=False,
        title="Reconcile now",
        description="Make this run a reconciliation of every selected stream, whatever "
        "`reconcile_every_days` says (see there); meant for one run, e.g. "
        "`TAP_LUMINOUS_RECONCILE_NOW=true meltano run tap-luminous target-postgres`.",
    ),
    th.Property(
        "reconcile_full_reads",
        th.BooleanType,
        default=True,
        title="Version full reads",
        description="Streams read in full on every run (`purchase_orders` with "
        "`purchase_orders_full_scan`, a stream the catalog sets to FULL_TABLE) carry a new table "
        "`version` on every run and end with ACTIVATE_VERSION after a complete read, like a "
        "reconciliation. `false`: no version and no ACTIVATE_VERSION on those runs "
        "(reconciliations still have them).",
    ),
    th.Property(
        "keep_nested_arrays",
        th.BooleanType,
        default=True,
        title="Keep nested arrays in parents",
        description="Keep `items`, `fulfillment_orders`, `shipments` and `payments` as array "
        "columns on the parent streams. Turn off when you load the child streams instead.",
    ),
    th.Property(
        "invalid_values",
        th.StringType(allowed_values=["side_column", "fail"]),
        default="side_column",
        title="Values that do not fit the schema",
        description="What to do with a value the API sent that does not fit its declared type "
        "even after lossless normalisation (a decimal string becomes a number, 0/1 a boolean, a "
        "zero date null): `side_column` nulls the field in that record and keeps the original, "
        "under its JSON path, in the record's `_invalid_values` column; `fail` stops the run "
        "with one line naming the stream, the record's key and the field.",
    ),
    th.Property(
        "include_sensitive_fields",
        th.BooleanType,
        default=False,
        title="Include sensitive fields",
        description="Keep supplier bank details (`bank_name`, `routing_number`, "
        "`account_number`, `swift_code`) and `credentials` objects in the records. Off by "
        "default: they are dropped wherever they appear, with one log line naming the field. "
        "Warning: turning this on sends banking data and credentials to your target.",
    ),
    th.Property(
        "requests_per_second",
        th.NumberType(minimum=0.001, maximum=10000),  # type: ignore[arg-type]  # SDK hints int
        title="Requests per second",
        description="Optional cap on the request rate, for tokens shared with other clients.",
    ),
    th.Property(
        "user_agent",
        th.StringType,
        title="User agent",
        description="User-Agent header. Default `tap-luminous/<version>`.",
    ),
    th.Property(
        "log_progress_every_pages",
        th.IntegerType(minimum=1, maximum=100000),
        default=10,
        title="Progress log interval (pages)",
        description="Log pages, records, records/s, retries (and an ETA where the page count "
        "is known) every this many pages.",
    ),
    # -- expert bounds (EXPERT_SETTINGS)
    th.Property(
        "sales_orders_page_size",
        th.IntegerType(minimum=1, maximum=1000),
        default=1000,
        title="Sales orders page size",
        description="`limit` for GET /sales-orders/export (1-1000).",
    ),
    th.Property(
        "products_page_size",
        th.IntegerType(minimum=1, maximum=1000),
        default=1000,
        title="Products page size",
        description="`limit` for GET /products/export (1-1000).",
    ),
    th.Property(
        "purchase_orders_page_size",
        th.IntegerType(minimum=1, maximum=100),
        default=100,
        title="Purchase orders page size",
        description="`per_page` for GET /purchase-orders (1-100).",
    ),
    th.Property(
        "page_walk_concurrency",
        th.IntegerType(minimum=1, maximum=16),
        default=6,
        title="Page-walk concurrency",
        description="How many pages of a page-number list (purchase orders, invoices, stocks, "
        "...) to fetch at once (1-16; 1 fetches one page at a time). Records are emitted in page "
        "order either way.",
    ),
    th.Property(
        "page_walk_verify",
        th.BooleanType,
        default=True,
        title="Verify page walks",
        description="Check each page-number listing of more than one page again (keys only; "
        "when a page moved, walking back from the last page until a walk finds no row it "
        "missed), so rows shifted across pages by inserts, deletes or updates during the walk are "
        "not skipped. Rows updated after the walk began are next run's business. Turn off only "
        "for static data.",
    ),
    th.Property(
        "page_walk_max_rewalks",
        th.IntegerType(minimum=1, maximum=20),
        default=3,
        title="Page-walk re-walks",
        description="How many extra walks of a listing to make while it keeps moving before "
        "failing without advancing the bookmark (1-20).",
    ),
    th.Property(
        "page_walk_overlap_hours",
        th.IntegerType(minimum=14, maximum=8760),
        default=24,
        title="Page-walk filter overlap (hours)",
        description="An incremental run of a page-number stream asks the server for the rows "
        "updated since the bookmark minus this many hours (`updated_at[gte]=`; at least 14: the "
        "docs do not say in which time zone the server reads the value, and UTC offsets span "
        "-12 to +14 hours). It widens what is fetched, never what is emitted: rows updated "
        "before the bookmark are still left out (14-8760).",
    ),
    th.Property(
        "request_timeout",
        th.NumberType(minimum=1, maximum=600),
        default=60,
        title="Request timeout (seconds)",
        description="Connect and read timeout of each HTTP request (1-600).",
    ),
    th.Property(
        "request_deadline",
        th.NumberType(minimum=1, maximum=3600),
        default=300,
        title="Request deadline (seconds)",
        description="Longest time one request may take, headers and body together, however "
        "slowly the server sends them (at least `request_timeout`, at most 3600); then it is "
        "retried like a timeout.",
    ),
    th.Property(
        "max_response_mb",
        th.IntegerType(minimum=1, maximum=4096),
        default=64,
        title="Largest response (MiB)",
        description="Cap on one response body after decompression (1-4096 MiB). A larger body "
        "stops the run with one line instead of filling memory. The default is twice a "
        "1,000-order export page with 100 lines on every order; peak memory is at most about "
        "100 MiB + (concurrency + 26) x this cap (docs/operations.md).",
    ),
    th.Property(
        "max_empty_pages",
        th.IntegerType(minimum=1, maximum=1000),
        default=3,
        title="Empty pages in a row",
        description="How many empty pages in a row a listing may send before its end (an export "
        "with has_more=true, a page-number list before its last page) before the run stops as "
        "a runaway pagination (1-1000).",
    ),
    th.Property(
        "max_clock_skew_seconds",
        th.IntegerType(minimum=0, maximum=86400),
        default=900,
        title="Largest clock skew (seconds)",
        description="A bookmark from the server (an export's cutoff, the Date header of a "
        "purchase-order walk) further ahead of this machine's clock than this is clamped to the "
        "clock, with a warning, so a server clock in the future cannot stop later runs from "
        "extracting (0-86400).",
    ),
    th.Property(
        "max_retries",
        th.IntegerType(minimum=0, maximum=50),
        default=8,
        title="Max retries",
        description="Retries of a request after a 429, a 5xx, a dropped connection, a timeout "
        "or an unreadable body (0-50).",
    ),
    th.Property(
        "backoff_max_seconds",
        th.NumberType(minimum=0, maximum=3600),
        default=60,
        title="Backoff ceiling (seconds)",
        description="Longest wait between two retries when the server gives no Retry-After.",
    ),
    th.Property(
        "retry_after_max_seconds",
        th.NumberType(minimum=0, maximum=86400),
        default=300,
        title="Retry-After cap (seconds)",
        description="Longest wait the tap accepts from a Retry-After header; longer values are "
        "capped (and logged).",
    ),
    # -- deprecated names, still accepted: each applies to its streams where set
    *(
        th.Property(
            old,
            _WALK_TYPES[new],
            title=f"Deprecated: {new}",
            description=f"Deprecated: use `{new}`. Where set, it still applies to "
            f"{_DEPRECATED_FOR[prefix]} (with a warning).",
        )
        for old, (new, prefix) in DEPRECATED_SETTINGS.items()
    ),
).to_dict()

#: Bounds whose defaults suit every tenant we know of: `--about` (and so meltano.yml and the
#: docs/settings.md) marks them "Expert:" and lists them after the settings a user chooses.
EXPERT_SETTINGS = (
    "sales_orders_page_size",
    "products_page_size",
    "purchase_orders_page_size",
    "page_walk_concurrency",
    "page_walk_verify",
    "page_walk_max_rewalks",
    "page_walk_overlap_hours",
    "request_timeout",
    "request_deadline",
    "max_response_mb",
    "max_empty_pages",
    "max_clock_skew_seconds",
    "max_retries",
    "backoff_max_seconds",
    "retry_after_max_seconds",
)
for _name in EXPERT_SETTINGS:
    _spec = CONFIG_SCHEMA["properties"][_name]
    _spec["description"] = f"Expert: {_spec['description']}"

KNOWN_SETTINGS = frozenset(CONFIG_SCHEMA["properties"])
BOOLEAN_SETTINGS = tuple(
    name for name, spec in CONFIG_SCHEMA["properties"].items() if "boolean" in spec.get("type", ())
)

#: Ranges of the number settings, read off the schema (its `minimum`/`maximum`).
INT_RANGES: dict[str, tuple[int, int]] = {
    name: (spec["minimum"], spec["maximum"])
    for name, spec in CONFIG_SCHEMA["properties"].items()
    if "integer" in spec.get("type", ()) and "minimum" in spec
}
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    name: (spec["minimum"], spec["maximum"])
    for name, spec in CONFIG_SCHEMA["properties"].items()
    if "number" in spec.get("type", ()) and "minimum" in spec
}
