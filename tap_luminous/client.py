"""The base stream every Luminous endpoint shares.

Auth, base URL, user agent, timeout, throttling, retries and parsing live here. A page is parsed
and shape-checked *inside* the retry loop (the SDK retries only the send and
``validate_response``), so a truncated body or an HTML error page with status 200 is retried like
a 502 instead of ending the run.
"""

from __future__ import annotations

import decimal
import email.utils
import logging
import random
import threading
import time
import typing as t
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

import msgspec
import requests
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from tap_luminous import __version__
from tap_luminous.errors import ApiError
from tap_luminous.schema_loader import load_schema
from tap_luminous.settings import resolve_api_url
from tap_luminous.timestamps import canonical_timestamp

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

_decode_json = msgspec.json.Decoder(float_hook=decimal.Decimal).decode

_TRANSIENT_ERRORS = (
    RetriableAPIError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)


class TransientError(RetriableAPIError):
    """A retriable failure, tagged with a short reason for the retry report."""

    def __init__(self, message: str, reason: str, response: requests.Response | None = None):
        super().__init__(message, response)
        self.reason = reason


class CursorRejectedError(ApiError):
    """The export refused a cursor (expired, tampered, from another run): restart from `since`."""


@dataclass(slots=True)
class Page:
    """One parsed API page: the decoded body plus what the paginators and state need."""

    records: list[dict[str, t.Any]]
    body: dict[str, t.Any]
    params: dict[str, t.Any]
    server_date: str | None = None
    extras: dict[str, t.Any] = field(default_factory=dict)


def _server_message(response: requests.Response) -> str:
    """The server's `message` and `errors` (Laravel style), shortened, for error lines."""
    try:
        body = _decode_json(response.content)
    except (msgspec.DecodeError, ValueError):
        text = response.text.strip().replace("\n", " ")
        return text[:200]
    if not isinstance(body, dict):
        return str(body)[:200]
    parts = [str(body.get("message") or "").strip()]
    if body.get("errors"):
        parts.append(f"errors={msgspec.json.encode(body['errors']).decode()[:300]}")
    return " ".join(p for p in parts if p)


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), else None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # Measure against the server's own clock when it sent one, so a skewed local clock
    # neither shortens nor stretches the wait.
    now_header = response.headers.get("Date")
    try:
        now = email.utils.parsedate_to_datetime(now_header) if now_header else None
    except (TypeError, ValueError):
        now = None
    reference = now.timestamp() if now else time.time()
    return max(0.0, when.timestamp() - reference)


class RequestPacer:
    """Spaces requests for an optional requests-per-second cap and the server's rate budget.

    Shared by every stream of a tap run, because they share one token.
    """

    def __init__(self, requests_per_second: float | None) -> None:
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._budget_resets_at = 0.0

    def wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot, self._budget_resets_at)
            self._next_slot = start + self._interval
        if start > now:
            time.sleep(start - now)

    def observe(self, response: requests.Response, logger: logging.Logger) -> None:
        """Slow down before the server's budget runs out rather than waiting for a 429."""
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            remaining_n, reset_at = int(remaining), float(reset)
        except ValueError:
            return
        if remaining_n > 1:
            return
        # X-RateLimit-Reset is epoch seconds; cap the pause so a bogus value cannot stall a run.
        pause = min(max(0.0, reset_at - time.time()), 60.0)
        if pause > 0:
            logger.info("Rate budget nearly used (remaining=%s); pausing %.1fs", remaining, pause)
            with self._lock:
                self._budget_resets_at = max(self._budget_resets_at, time.monotonic() + pause)


class LuminousStream(RESTStream[t.Any]):
    """Base stream: one request/validate/parse/retry path for every endpoint."""

    #: Schema file name in tap_luminous/schemas (without .json); defaults to the stream name.
    schema_name: str | None = None
    #: The token never follows a redirect; see validate_response.
    allow_redirects = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_counts: Counter[str] = Counter()
        # TapLuminous replaces this with one pacer shared by all streams (they share a token).
        self.pacer = RequestPacer(self.config.get("requests_per_second"))
        self._reported_unknown_fields: set[str] = set()

    # -- identity and transport ---------------------------------------------------------------
    @cached_property
    def schema(self) -> dict[str, t.Any]:
        return load_schema(self.schema_name or self.name)

    @cached_property
    def url_base(self) -> str:
        return resolve_api_url(self.config)

    @cached_property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["api_token"])

    @cached_property
    def user_agent(self) -> str:
        return self.config.get("user_agent") or f"tap-luminous/{__version__}"

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "User-Agent": self.user_agent}

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config.get("request_timeout", 60))

    # -- retries ------------------------------------------------------------------------------
    def backoff_max_tries(self) -> int:
        return int(self.config.get("max_retries", 8)) + 1

    def backoff_jitter(self, value: float) -> float:
        return value  # jitter is applied in backoff_wait_generator, Retry-After is honoured as is

    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:
        """Retry-After when the server sends it (capped), else full-jitter exponential."""
        ceiling = float(self.config.get("backoff_max_seconds", 60))
        cap = float(self.config.get("retry_after_max_seconds", 300))
        attempt = 0
        exception = yield 0.0  # primed by backoff with send(None)
        while True:
            response = getattr(exception, "response", None)
            retry_after = _retry_after_seconds(response) if response is not None else None
            if retry_after is not None:
                if retry_after > cap:
                    self.logger.warning(
                        "Server asked to wait %.0fs (Retry-After); capping at "
                        "retry_after_max_seconds=%.0fs",
                        retry_after,
                        cap,
                    )
                    retry_after = cap
                wait = retry_after
            else:
                wait = random.uniform(0, min(ceiling, 0.5 * 2**attempt))  # noqa: S311
            attempt += 1
            exception = yield wait

    def backoff_handler(self, details: t.Any) -> None:
        exc = details.get("exception")
        reason = getattr(exc, "reason", None) or _reason_for(exc)
        self.retry_counts[reason] += 1
        self.logger.warning(
            "Retrying %s in %.2fs after attempt %d (%s)",
            self.path,
            details.get("wait") or 0.0,
            details.get("tries", 0),
            reason,
        )

    def report_retries(self) -> None:
        if self.retry_counts:
            summary = ", ".join(f"{k}={v}" for k, v in sorted(self.retry_counts.items()))
            self.logger.info("Stream '%s' retries by reason: %s", self.name, summary)

    # -- the one request path -----------------------------------------------------------------
    def fetch_page(self, params: dict[str, t.Any], context: Context | None = None) -> Page:
        """Send one GET, validate and parse it, retrying transient failures of any of those."""
        # request_decorator is typed for the SDK's send function; ours returns a parsed Page.
        fetch = t.cast("t.Callable[..., Page]", self.request_decorator(self._fetch_page_once))  # type: ignore[arg-type]
        try:
            return fetch(params, context)
        except _TRANSIENT_ERRORS as exc:
            raise ApiError(
                f"GET {self.path} failed after {self.backoff_max_tries()} attempts: "
                f"{_describe(exc)}"
            ) from None

    def _fetch_page_once(self, params: dict[str, t.Any], context: Context | None) -> Page:
        prepared = self.build_prepared_request(
            method="GET", url=self.get_url(context), params=params, headers=self.http_headers
        )
        self.pacer.wait_turn()
        try:
            response = self.requests_session.send(
                prepared, timeout=self.timeout, allow_redirects=False
            )
        except requests.exceptions.Timeout as exc:
            raise TransientError(f"GET {self.path}: timed out", "timeout") from exc
        except (requests.exceptions.ConnectionError, ConnectionResetError) as exc:
            raise TransientError(f"GET {self.path}: connection failed", "connection") from exc
        self.pacer.observe(response, self.logger)
        self.validate_response(response)
        try:
            content = response.content
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as e:
            raise TransientError(f"GET {self.path}: body cut off", "connection") from e
        try:
            body = _decode_json(content)
        except (msgspec.DecodeError, ValueError):
            raise TransientError(
                f"GET {self.path}: status {response.status_code} but the body is not valid JSON "
                f"({len(content)} bytes, starts {content[:40]!r})",
                "invalid_json",
                response,
            ) from None
        problem = self.shape_problem(body)
        if problem:
            raise TransientError(
                f"GET {self.path}: response is not the documented shape: {problem}",
                "wrong_shape",
                response,
            )
        return Page(
            records=body["data"],
            body=body,
            params=params,
            server_date=_http_date_to_canonical(response.headers.get("Date")),
        )

    def shape_problem(self, body: t.Any) -> str | None:
        """Describe how `body` differs from the endpoint's documented envelope, or None."""
        if not isinstance(body, dict):
            return f"expected a JSON object, got {type(body).__name__}"
        if not isinstance(body.get("data"), list):
            return "no `data` list"
        if not isinstance(body.get("meta"), dict):
            return "no `meta` object"
        if any(not isinstance(row, dict) for row in body["data"]):
            return "`data` holds a non-object"
        return None

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if 300 <= status < 400:
            location = urlsplit(response.headers.get("Location", ""))
            target = location.hostname or urlsplit(self.url_base).hostname
            raise ApiError(
                f"GET {self.path}: refusing to follow a {status} redirect to host '{target}'; "
                "the API token is only sent to the configured API host"
            )
        if status == 401:
            raise ApiError(
                f"GET {self.path}: the API rejected the token (401 Unauthorized); "
                "check the api_token setting"
            )
        if status == 403:
            raise ApiError(
                f"GET {self.path}: the token was accepted but lacks access to this endpoint "
                "(403 Forbidden)"
            )
        if status == 429:
            raise TransientError(f"GET {self.path}: 429 Too Many Requests", "429", response)
        if status >= 500:
            raise TransientError(
                f"GET {self.path}: {status} {response.reason}: {_server_message(response)}",
                f"{status}",
                response,
            )
        if 400 <= status < 500:
            message = f"GET {self.path}: {status} {response.reason}: {_server_message(response)}"
            if self.request_carried_cursor(response):
                raise CursorRejectedError(message)
            raise ApiError(message)

    def request_carried_cursor(self, response: requests.Response) -> bool:
        return False

    # The SDK's abstract parse hook; every record still goes through fetch_page's single parse.
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        yield from _decode_json(response.content)["data"]

    # -- records ------------------------------------------------------------------------------
    @cached_property
    def _known_properties(self) -> frozenset[str]:
        return frozenset(self.schema["properties"])

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Keep unknown fields (in `_extra_fields`) and normalise the replication key."""
        unknown = row.keys() - self._known_properties
        if unknown:
            row["_extra_fields"] = {name: row.pop(name) for name in sorted(unknown)}
            new = unknown - self._reported_unknown_fields
            if new:
                self._reported_unknown_fields |= new
                self.logger.warning(
                    "Stream '%s': the API sent fields the schema does not list; they are kept "
                    "in _extra_fields: %s",
                    self.name,
                    ", ".join(sorted(new)),
                )
        key = self.replication_key
        if key:
            value = row.get(key)
            if value is not None:
                normalised = canonical_timestamp(value)
                if normalised is not None:
                    row[key] = normalised
        return row


def _http_date_to_canonical(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return canonical_timestamp(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


def _reason_for(exc: BaseException | None) -> str:
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(exc, (requests.exceptions.ConnectionError, ConnectionResetError)):
        return "connection"
    if isinstance(exc, RetriableAPIError) and exc.response is not None:
        return str(exc.response.status_code)
    return type(exc).__name__ if exc else "unknown"


def _describe(exc: BaseException) -> str:
    text = str(exc).split("\n", 1)[0]
    return text or type(exc).__name__
