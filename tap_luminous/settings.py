"""Settings: the checks that run before any request (the schema is config_schema.py).

The SDK validates types against the JSON schema; the checks here add what a schema cannot say
(which host a token may go to, which ranges the API accepts) and turn every problem into one line
that names the setting.
"""

from __future__ import annotations

import contextlib
import copy
import decimal
import difflib
import ipaddress
import typing as t
from urllib.parse import urlsplit

import pendulum

from tap_luminous.batches import parse_batch_config
from tap_luminous.config_schema import (
    API_PATH,
    BOOLEAN_SETTINGS,
    CONFIG_SCHEMA,
    DEFAULT_START_DATE,
    DEPRECATED_SETTINGS,
    DNS_LABEL,
    INT_RANGES,
    KNOWN_SETTINGS,
    LUMINOUS_HOST_TEMPLATE,
    NUMBER_RANGES,
    PURCHASE_ORDER_STATUSES,
)
from tap_luminous.errors import SettingError

__all__ = [
    "API_PATH",
    "BOOLEAN_SETTINGS",
    "CONFIG_SCHEMA",
    "DEFAULT_START_DATE",
    "KNOWN_SETTINGS",
    "LUMINOUS_HOST_TEMPLATE",
    "PURCHASE_ORDER_STATUSES",
    "complete_settings",
    "likely_typos",
    "parse_start_date",
    "resolve_api_url",
    "validate_settings",
]


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
    if not isinstance(company_name, str) or not DNS_LABEL.match(company_name):
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
    for name in NUMBER_RANGES:
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
    for name, (low, high) in INT_RANGES.items():
        value = config.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingError(name, f"must be a whole number from {low} to {high}, got {value!r}")
    for name, (flow, fhigh) in NUMBER_RANGES.items():
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
    reconciles = config.get("reconcile_now") or int(config.get("reconcile_every_days") or 0) > 0
    if parse_batch_config(config.get("batch_config")) is not None and reconciles:
        raise SettingError(
            "batch_config",
            "cannot be combined with reconcile_now or reconcile_every_days: rows loaded "
            "from batch files carry no table version, so the reconciliation's "
            "ACTIVATE_VERSION would retire them",
        )
    deprecated = [
        f"Setting '{name}' is deprecated: use '{new}' (it applies to every page-number list); "
        f"'{name}' still applies to {prefix.replace('_', ' ')} for now."
        for name, (new, prefix) in DEPRECATED_SETTINGS.items()
        if config.get(name) is not None
    ]
    return deprecated + [
        f"Unknown setting '{name}' is ignored."
        for name in sorted(set(config) - KNOWN_SETTINGS)
        if not _is_sdk_builtin(name)
    ]


def likely_typos(config: t.Mapping[str, t.Any], builtin: t.Iterable[str]) -> list[tuple[str, str]]:
    """Unknown settings that look like a misspelt known one: (typo, meant)."""
    known = sorted({*KNOWN_SETTINGS, *builtin})
    found = []
    for name in sorted(set(config) - set(known)):
        if _is_sdk_builtin(name):
            continue
        meant = _closest(name, known)
        if meant is not None:
            found.append((name, meant))
    return found


def _closest(name: str, known: t.Sequence[str]) -> str | None:
    """The known name `name` most likely misspells (difflib's similarity of at least 0.85: a
    letter or two missing, added or swapped), else None."""
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
    return matches[0] if matches else None


#: Variables under the tap's prefix that are not settings: the SDK's log level and log
#: configuration, the tap's own debugging switch, the test suite's.
_NOT_SETTINGS = frozenset({"loglevel", "log_level", "log_config", "traceback", "require_e2e"})
PREFIX = "TAP_LUMINOUS_"


def environment_typos(environ: t.Mapping[str, str]) -> list[tuple[str, str]]:
    """Variables under this plugin's prefixes that look like a misspelt setting: (variable, the
    variable meant), e.g. ("TAP_LUMINOUS_STRAT_DATE", "TAP_LUMINOUS_START_DATE").

    The prefixes: TAP_LUMINOUS_, and the one of the plugin Meltano runs (`MELTANO_EXTRACTOR_NAME`,
    e.g. TAP_LUMINOUS_SANDBOX_ for an inherited `tap-luminous-sandbox`). Never a name with `__`
    (Meltano's `__SELECT`, `__METADATA`, ...), a setting, an SDK setting or one of
    `_NOT_SETTINGS`; a name far from every setting (a sibling plugin's, say) is not a typo.
    """
    known = sorted(KNOWN_SETTINGS)
    extractor = environ.get("MELTANO_EXTRACTOR_NAME", "")
    own = extractor.upper().replace("-", "_") + "_" if extractor else PREFIX
    prefixes = sorted({PREFIX, own}, key=len, reverse=True)  # the longest names a plugin first
    found = []
    for name in sorted(environ):
        prefix = next((p for p in prefixes if name.startswith(p)), None)
        if prefix is None or "__" in name:
            continue
        setting = name[len(prefix) :].lower()
        if not setting or setting in KNOWN_SETTINGS or setting in _NOT_SETTINGS:
            continue
        if _is_sdk_builtin(setting):
            continue
        meant = _closest(setting, known)
        if meant is not None:
            found.append((name, prefix + meant.upper()))
    return found


# Settings the SDK itself adds to every tap (stream maps, flattening, batch, ...).
_SDK_BUILTIN_PREFIXES = ("stream_map", "flattening", "batch_config", "faker_config")


def _is_sdk_builtin(name: str) -> bool:
    return name.startswith(_SDK_BUILTIN_PREFIXES) or name in {"stream_maps", "user_agent"}
