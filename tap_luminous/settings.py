"""Settings: the config schema and the checks that run before any request.

The SDK validates types against the JSON schema; the checks here add what a schema cannot say
(which host a token may go to, which ranges the API accepts) and turn every problem into one line
that names the setting.
"""

from __future__ import annotations

import contextlib
import copy
import decimal
import ipaddress
import re
import typing as t
from urllib.parse import urlsplit

import pendulum
from singer_sdk import typing as th

from tap_luminous.errors import SettingError

DEFAULT_START_DATE = "1970-01-01T00:00:00Z"
API_PATH = "/external/api/v1"
LUMINOUS_HOST_TEMPLATE = "https://{company_name}.api.joinluminous.com" + API_PATH
PURCHASE_ORDER_STATUSES = ("active", "inactive", "deleted")

# A single DNS label: the token can then only ever reach <label>.api.joinluminous.com.
_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")

CONFIG_SCHEMA = th.PropertiesList(
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
        "api_url",
        th.StringType,
        title="API base URL",
        description="Full base URL including `/external/api/v1`; overrides `company_name`. "
        "Plain `http` is accepted only for loopback hosts (tests, the bundled fake API). "
        "Default: `https://{company_name}.api.joinluminous.com/external/api/v1`.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        default=DEFAULT_START_DATE,
        title="Start date",
        description="ISO-8601 timestamp where the first export starts when there is no "
        f"bookmark yet. Default `{DEFAULT_START_DATE}`, i.e. the whole history.",
    ),
    th.Property(
        "lookback_window",
        th.IntegerType,
        default=0,
        title="Lookback window (seconds)",
        description="Re-read this many seconds before the bookmark on every incremental run, "
        "for users who distrust late commits. Rows read twice are upserted by key downstream.",
    ),
    th.Property(
        "sales_orders_page_size",
        th.IntegerType,
        default=1000,
        title="Sales orders page size",
        description="`limit` for GET /sales-orders/export (1-1000).",
    ),
    th.Property(
        "products_page_size",
        th.IntegerType,
        default=1000,
        title="Products page size",
        description="`limit` for GET /products/export (1-1000).",
    ),
    th.Property(
        "purchase_orders_page_size",
        th.IntegerType,
        default=100,
        title="Purchase orders page size",
        description="`per_page` for GET /purchase-orders (1-100).",
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
        description="Emit every purchase order on every run instead of only those updated "
        "since the bookmark (the listing is always walked in full either way).",
    ),
    th.Property(
        "purchase_orders_verify_walk",
        th.BooleanType,
        default=True,
        title="Verify purchase-order walks",
        description="Walk each purchase-order listing a second time and compare the ids page by "
        "page, so rows shifted across pages by inserts or deletes during the walk are not "
        "skipped. Doubles the purchase-order requests; turn off only for static data.",
    ),
    th.Property(
        "purchase_orders_max_rewalks",
        th.IntegerType,
        default=3,
        title="Purchase-order re-walks",
        description="How many extra walks to make while the listing keeps moving before "
        "failing without advancing the bookmark (1-20).",
    ),
    th.Property(
        "purchase_orders_concurrency",
        th.IntegerType,
        default=6,
        title="Purchase-order concurrency",
        description="How many purchase-order pages to fetch at once (1-16; 1 fetches one page "
        "at a time). Records are emitted in page order either way.",
    ),
    th.Property(
        "reconcile_every_days",
        th.IntegerType,
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
        "log_progress_every_pages",
        th.IntegerType,
        default=10,
        title="Progress log interval (pages)",
        description="Log pages, records, records/s, retries (and an ETA where the page count "
        "is known) every this many pages.",
    ),
    th.Property(
        "request_timeout",
        th.NumberType,
        default=60,
        title="Request timeout (seconds)",
        description="Connect and read timeout of each HTTP request (1-600).",
    ),
    th.Property(
        "request_deadline",
        th.NumberType,
        default=300,
        title="Request deadline (seconds)",
        description="Longest time one request may take, headers and body together, however "
        "slowly the server sends them (at least `request_timeout`, at most 3600); then it is "
        "retried like a timeout.",
    ),
    th.Property(
        "max_response_mb",
        th.IntegerType,
        default=256,
        title="Largest response (MiB)",
        description="Cap on one response body after decompression (1-4096 MiB). A larger body "
        "stops the run with one line instead of filling memory.",
    ),
    th.Property(
        "max_empty_pages",
        th.IntegerType,
        default=3,
        title="Empty pages in a row",
        description="How many empty pages in a row a listing may send before its end (an export "
        "with has_more=true, a page-number list before its last page) before the run stops as "
        "a runaway pagination (1-1000).",
    ),
    th.Property(
        "max_clock_skew_seconds",
        th.IntegerType,
        default=900,
        title="Largest clock skew (seconds)",
        description="A bookmark from the server (an export's cutoff, the Date header of a "
        "purchase-order walk) further ahead of this machine's clock than this is clamped to the "
        "clock, with a warning, so a server clock in the future cannot stop later runs from "
        "extracting (0-86400).",
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=8,
        title="Max retries",
        description="Retries of a request after a 429, a 5xx, a dropped connection, a timeout "
        "or an unreadable body (0-50).",
    ),
    th.Property(
        "backoff_max_seconds",
        th.NumberType,
        default=60,
        title="Backoff ceiling (seconds)",
        description="Longest wait between two retries when the server gives no Retry-After.",
    ),
    th.Property(
        "retry_after_max_seconds",
        th.NumberType,
        default=300,
        title="Retry-After cap (seconds)",
        description="Longest wait the tap accepts from a Retry-After header; longer values are "
        "capped (and logged).",
    ),
    th.Property(
        "requests_per_second",
        th.NumberType,
        title="Requests per second",
        description="Optional cap on the request rate, for tokens shared with other clients.",
    ),
    th.Property(
        "user_agent",
        th.StringType,
        title="User agent",
        description="User-Agent header. Default `tap-luminous/<version>`.",
    ),
).to_dict()

KNOWN_SETTINGS = frozenset(CONFIG_SCHEMA["properties"])
BOOLEAN_SETTINGS = tuple(
    name for name, spec in CONFIG_SCHEMA["properties"].items() if "boolean" in spec.get("type", ())
)

_INT_RANGES: dict[str, tuple[int, int]] = {
    "sales_orders_page_size": (1, 1000),
    "products_page_size": (1, 1000),
    "purchase_orders_page_size": (1, 100),
    "max_retries": (0, 50),
    "purchase_orders_max_rewalks": (1, 20),
    "purchase_orders_concurrency": (1, 16),
    "log_progress_every_pages": (1, 100000),
    "lookback_window": (0, 10 * 365 * 86400),
    "max_response_mb": (1, 4096),
    "max_empty_pages": (1, 1000),
    "max_clock_skew_seconds": (0, 86400),
    "reconcile_every_days": (0, 3650),
}
_NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "request_timeout": (1, 600),
    "request_deadline": (1, 3600),
    "backoff_max_seconds": (0, 3600),
    "retry_after_max_seconds": (0, 86400),
    "requests_per_second": (0.001, 10000),
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_api_url(config: t.Mapping[str, t.Any]) -> str:
    """Return the validated base URL (no trailing slash) the token will be sent to."""
    api_url = config.get("api_url")
    if api_url:
        if not isinstance(api_url, str):
            raise SettingError("api_url", "must be a string URL")
        parts = urlsplit(api_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SettingError(
                "api_url",
                "must be an http(s) URL with a host, e.g. "
                "https://acme.api.joinluminous.com/external/api/v1",
            )
        if parts.username or parts.password:
            raise SettingError("api_url", "must not contain credentials")
        if parts.query or parts.fragment:
            raise SettingError("api_url", "must not contain a query string or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise SettingError(
                "api_url", "plain http is accepted only for loopback hosts; use https"
            )
        return api_url.rstrip("/")
    company_name = config.get("company_name")
    if company_name is None or company_name == "":
        raise SettingError("company_name", "one of 'company_name' or 'api_url' is required")
    if not isinstance(company_name, str) or not _DNS_LABEL.match(company_name):
        raise SettingError(
            "company_name",
            "must be a single DNS label (letters, digits, hyphens; no dots, slashes or "
            "spaces), e.g. 'acme' for https://acme.api.joinluminous.com",
        )
    return LUMINOUS_HOST_TEMPLATE.format(company_name=company_name.lower())


def parse_start_date(value: t.Any) -> pendulum.DateTime:
    """Parse `start_date`; a value without offset is taken as UTC."""
    try:
        parsed = pendulum.parse(str(value), tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise SettingError("start_date", f"{value!r} is not an ISO-8601 date or date-time") from exc
    if not isinstance(parsed, pendulum.DateTime):
        if isinstance(parsed, pendulum.Date):
            return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")
        raise SettingError("start_date", f"{value!r} is not an ISO-8601 date or date-time")
    return parsed.in_timezone("UTC")


def complete_settings(config: dict[str, t.Any]) -> None:
    """Fill in defaults and numbers given as strings, in place, before validation.

    singer-sdk does not apply the schema's defaults to the config, and `--config ENV` leaves
    number settings as strings (it parses only integers, booleans and arrays).
    """
    for name, spec in CONFIG_SCHEMA["properties"].items():
        if "default" in spec and config.get(name) is None:
            config[name] = copy.deepcopy(spec["default"])
    for name in BOOLEAN_SETTINGS:
        value = config.get(name)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            # Meltano passes `kind: string` settings as text, so it never rewrites a typo.
            config[name] = value.strip().lower() == "true"
    for name in _NUMBER_RANGES:
        value = config.get(name)
        if isinstance(value, str):
            # A value that is not a number is reported by validate_settings, by name.
            with contextlib.suppress(ValueError):
                config[name] = float(value)


def validate_settings(config: t.Mapping[str, t.Any]) -> list[str]:
    """Check every setting; raise SettingError for the first problem, return warnings."""
    token = config.get("api_token")
    if not isinstance(token, str) or not token.strip():
        raise SettingError("api_token", "is required (a non-empty string)")
    if any(ch.isspace() for ch in token.strip()) or token != token.strip():
        raise SettingError("api_token", "must not contain whitespace")
    resolve_api_url(config)
    if config.get("start_date") is not None:
        parse_start_date(config["start_date"])
    for name, (low, high) in _INT_RANGES.items():
        value = config.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingError(name, f"must be a whole number from {low} to {high}, got {value!r}")
    for name, (flow, fhigh) in _NUMBER_RANGES.items():
        value = config.get(name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, decimal.Decimal))
            or not (flow <= value <= fhigh)
        ):
            raise SettingError(name, f"must be a number from {flow:g} to {fhigh:g}, got {value!r}")
    deadline, timeout = config.get("request_deadline"), config.get("request_timeout")
    if (
        isinstance(deadline, (int, float))
        and isinstance(timeout, (int, float))
        and deadline < timeout
    ):
        raise SettingError(
            "request_deadline", f"must be at least request_timeout ({timeout:g}), got {deadline:g}"
        )
    statuses = config.get("purchase_order_statuses")
    if statuses is not None and (
        not isinstance(statuses, list)
        or not statuses
        or any(s not in PURCHASE_ORDER_STATUSES for s in statuses)
    ):
        raise SettingError(
            "purchase_order_statuses",
            "must be a non-empty list of " + ", ".join(PURCHASE_ORDER_STATUSES),
        )
    if config.get("invalid_values") not in (None, "side_column", "fail"):
        raise SettingError(
            "invalid_values", f"must be 'side_column' or 'fail', got {config['invalid_values']!r}"
        )
    for flag in BOOLEAN_SETTINGS:
        if config.get(flag) not in (None, True, False):
            raise SettingError(flag, f"must be true or false, got {config[flag]!r}")
    if config.get("batch_config"):
        raise SettingError(
            "batch_config", "BATCH messages are not supported by tap-luminous (see README)"
        )
    return [
        f"Unknown setting '{name}' is ignored."
        for name in sorted(set(config) - KNOWN_SETTINGS)
        if not _is_sdk_builtin(name)
    ]


def likely_typos(config: t.Mapping[str, t.Any], builtin: t.Iterable[str]) -> list[tuple[str, str]]:
    """Unknown settings within Damerau-Levenshtein distance 2 of a known one: (typo, meant)."""
    known = sorted({*KNOWN_SETTINGS, *builtin})
    found = []
    for name in sorted(set(config) - set(known)):
        if _is_sdk_builtin(name):
            continue
        distance, meant = min((_damerau_levenshtein(name, k), k) for k in known)
        if distance <= 2:
            found.append((name, meant))
    return found


def _damerau_levenshtein(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring characters as one edit."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


# Settings the SDK itself adds to every tap (stream maps, flattening, batch, ...).
_SDK_BUILTIN_PREFIXES = ("stream_map", "flattening", "batch_config", "faker_config")


def _is_sdk_builtin(name: str) -> bool:
    return name.startswith(_SDK_BUILTIN_PREFIXES) or name in {"stream_maps", "user_agent"}
