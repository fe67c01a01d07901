"""The base stream every Luminous endpoint shares: the one request path.

Auth, base URL, user agent, timeouts, pacing and retries live here. A page is read, decoded and
shape-checked *inside* the retry loop (the SDK retries only the send and `validate_response`),
so a truncated body or an HTML error page with status 200 is retried like a 502 instead of
ending the run. How failures are classified is in failures.py, pacing in pacing.py, the page
envelope in envelope.py, the bounded read in transport.py.
"""

from __future__ import annotations

import random
import threading
import typing as t
import zlib
from collections import Counter
from functools import cached_property
from urllib.parse import urlsplit

import backoff
import msgspec
import requests
import urllib3.exceptions
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.streams import RESTStream

from tap_luminous import __version__, transport
from tap_luminous._sdk_internals import SdkSeam
from tap_luminous.envelope import Page, decode_envelope
from tap_luminous.errors import ApiError
from tap_luminous.failures import (
    NETWORK_ERRORS,
    TRANSIENT_ERRORS,
    TransientError,
    check_status,
    host_does_not_exist,
    http_date_to_canonical,
    is_timeout,
    mask,
    network_detail,
    network_error,
    page_of,
    reason_for,
    retry_after_seconds,
    seconds_text,
    status_rule,
)
from tap_luminous.lazy import decoded
from tap_luminous.pacing import RequestPacer
from tap_luminous.records import RecordShaper
from tap_luminous.schema_loader import load_schema
from tap_luminous.settings import resolve_api_url
from tap_luminous.timestamps import canonical_timestamp
from tap_luminous.transport import (
    ACCEPT_ENCODING,
    BodyTooLargeError,
    Deadline,
    UnsupportedEncodingError,
    read_body,
)

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, RequestFunc


class LuminousStream(SdkSeam, RESTStream[t.Any]):
    """Base stream: one request/validate/parse/retry path for every endpoint."""

    #: Schema file name in tap_luminous/schemas (without .json); defaults to the stream name.
    schema_name: str | None = None
    #: The token never follows a redirect; see validate_response.
    allow_redirects = False
    #: The setting that holds this endpoint's page size, if the user can change it.
    page_size_setting: str | None = None

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_counts: Counter[str] = Counter()
        #: Every request this stream sent in this run, retries included (the run's cost).
        self.requests_sent = 0
        # Pages may be fetched from several threads at once (purchase orders, export prefetch).
        self._retry_lock = threading.Lock()
        # TapLuminous replaces this with one pacer shared by all streams (they share a token).
        self.pacer = RequestPacer.for_config(self.config, self.logger)
        transport.mount(self.requests_session)

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
        return {
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": self.user_agent,
        }

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config["request_timeout"])

    # -- retries ------------------------------------------------------------------------------
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """The SDK's retry decorator, minus backoff's own log lines.

        backoff's default handlers log the whole exception text (a proxy's multi-line HTML page
        included) on every retry and on giving up; `backoff_handler` logs one line instead and
        `fetch_page` raises the one-line error.
        """
        decorator: t.Callable[[RequestFunc], RequestFunc] = backoff.on_exception(
            self.backoff_wait_generator,
            TRANSIENT_ERRORS,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )
        return decorator(func)

    def backoff_max_tries(self) -> int:
        return int(self.config["max_retries"]) + 1

    def backoff_jitter(self, value: float) -> float:
        return value  # jitter is applied in backoff_wait_generator, Retry-After is honoured as is

    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:
        """Retry-After when the server sends it (capped), else full-jitter exponential."""
        ceiling = float(self.config["backoff_max_seconds"])
        cap = float(self.config["retry_after_max_seconds"])
        attempt = 0
        exception = yield 0.0  # primed by backoff with send(None)
        while True:
            response = getattr(exception, "response", None)
            retry_after = retry_after_seconds(response) if response is not None else None
            if retry_after is not None:
                if retry_after > cap:
                    self.logger.warning(
                        "GET %s: the server asked to wait %ss (Retry-After); capped at "
                        "retry_after_max_seconds=%ss",
                        self.path,
                        seconds_text(retry_after),
                        seconds_text(cap),
                    )
                    retry_after = cap
                wait = retry_after
            else:
                wait = random.uniform(0, min(ceiling, 0.5 * 2**attempt))  # noqa: S311
            rule = status_rule(response.status_code) if response is not None else None
            if rule is not None and rule.action == "rate_limit":
                # The rate limit is per token: concurrent page fetches back off together.
                self.pacer.hold(wait)
            attempt += 1
            exception = yield wait

    def backoff_handler(self, details: t.Any) -> None:
        exc = details.get("exception")
        reason = getattr(exc, "reason", None) or reason_for(exc)
        with self._retry_lock:
            self.retry_counts[reason] += 1
        self.logger.warning(
            "Retrying GET %s in %.2fs after attempt %d of %d (%s): %s",
            self.path,
            details.get("wait") or 0.0,
            details.get("tries", 0),
            self.backoff_max_tries(),
            reason,
            self._detail(exc),
        )

    @property
    def progress_every(self) -> int:
        """Pages between two progress log lines."""
        return int(self.config["log_progress_every_pages"])

    def report_retries(self) -> None:
        with self._retry_lock:
            counts = sorted(self.retry_counts.items())
        if counts:
            summary = ", ".join(f"{k}={v}" for k, v in counts)
            self.logger.info("Stream '%s' retries by reason: %s", self.name, summary)

    # -- the one request path -----------------------------------------------------------------
    def fetch_page(
        self,
        params: dict[str, t.Any],
        context: Context | None = None,
        decode: t.Callable[[bytes | bytearray], t.Any] | None = None,
    ) -> Page:
        """Send one GET, validate and parse it, retrying transient failures of any of those.

        `decode` replaces `decode_body` for this request (e.g. to read only the ids).
        """
        # request_decorator is typed for the SDK's send function; ours returns a parsed Page.
        fetch = t.cast("t.Callable[..., Page]", self.request_decorator(self._fetch_page_once))  # type: ignore[arg-type]
        try:
            return fetch(params, context, decode)
        except TRANSIENT_ERRORS as exc:
            self.report_retries()
            tries = self.backoff_max_tries()
            raise ApiError(
                f"GET {self.path} failed after {tries} attempt{'s' if tries != 1 else ''} "
                f"(max_retries={tries - 1}); last error: {self._detail(exc)}"
            ) from None

    def _detail(self, exc: BaseException | None) -> str:
        """What went wrong with one attempt, on one line, without the token."""
        if isinstance(exc, TransientError):
            text = exc.detail
        elif exc is None:
            text = "unknown error"
        else:
            text = network_detail(exc)
        return mask(" ".join(text.split()), self.config["api_token"])

    def _fetch_page_once(
        self,
        params: dict[str, t.Any],
        context: Context | None,
        decode: t.Callable[[bytes | bytearray], t.Any] | None = None,
    ) -> Page:
        prepared = self.build_prepared_request(
            method="GET", url=self.get_url(context), params=params, headers=self.http_headers
        )
        self.pacer.wait_turn()
        with self._retry_lock:
            self.requests_sent += 1
        # stream=True and a few large reads: a large body comes in big reads instead of
        # requests' 10 KB chunks, each of which must win the GIL back from the thread emitting
        # records. The deadline bounds headers and body together (see transport.py).
        with Deadline(self.request_deadline) as deadline:
            try:
                response = self.requests_session.send(
                    prepared, timeout=self.timeout, allow_redirects=False, stream=True
                )
            except NETWORK_ERRORS as exc:
                if host_does_not_exist(exc):
                    raise ApiError(self._no_such_host()) from None
                raise self._network_error(exc, deadline) from exc
            finally:
                self.pacer.done()
            try:
                self.pacer.observe(response, self.logger)
                self.validate_response(response)
                content = self._read_body(response, params, deadline)
            finally:
                response.close()
        if content.startswith(b"\xef\xbb\xbf"):
            del content[:3]  # a UTF-8 byte order mark before the JSON (in place: no copy)
        try:
            body = (decode or self.decode_body)(content)
        except msgspec.ValidationError as exc:
            raise TransientError(
                self.path,
                f"{response.status_code} {response.reason or ''} but the response is not the "
                f"documented shape: {exc}",
                "wrong_shape",
                response,
            ) from None
        except RecursionError:
            raise TransientError(
                self.path,
                f"{response.status_code} {response.reason or ''} but the body ({page_of(params)}) "
                "is nested deeper than the JSON decoder allows",
                "invalid_json",
                response,
            ) from None
        except (msgspec.DecodeError, ValueError):
            raise TransientError(
                self.path,
                f"{response.status_code} {response.reason or ''} but the body ({page_of(params)}) "
                f"is not valid JSON ({len(content)} bytes, starts {bytes(content[:40])!r})",
                "invalid_json",
                response,
            ) from None
        problem = self.shape_problem(body)
        if problem:
            raise TransientError(
                self.path,
                f"{response.status_code} {response.reason or ''} but the response is not the "
                f"documented shape: {problem}",
                "wrong_shape",
                response,
            )
        return Page(
            data=body["data"],
            body=body,
            params=params,
            server_date=http_date_to_canonical(response.headers.get("Date")),
        )

    def _read_body(
        self, response: requests.Response, params: dict[str, t.Any], deadline: Deadline
    ) -> bytearray:
        limit = self.max_response_bytes
        try:
            return read_body(response, limit)
        except BodyTooLargeError:
            raise ApiError(
                f"GET {self.path} ({page_of(params)}): the response body is larger than "
                f"max_response_mb={limit >> 20} MiB (after decompression); stopping without "
                "advancing the bookmark. If this tenant's pages really are that large, raise "
                f"max_response_mb{self._page_size_advice()}"
            ) from None
        except UnsupportedEncodingError as exc:
            raise ApiError(
                f"GET {self.path}: the server answered with Content-Encoding '{exc}', which the "
                f"tap did not ask for (it sends Accept-Encoding: {ACCEPT_ENCODING})"
            ) from None
        except zlib.error as exc:
            raise TransientError(
                self.path, f"the compressed body is corrupt ({exc})", "invalid_json", response
            ) from None
        except (*NETWORK_ERRORS, urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired or is_timeout(exc):
                raise self._network_error(exc, deadline) from exc
            dropped = requests.exceptions.ChunkedEncodingError(exc)
            raise self._network_error(dropped) from exc

    def _no_such_host(self) -> str:
        host = urlsplit(self.url_base).hostname
        if self.config.get("api_url"):
            setting = "api_url"
        else:
            setting = (
                "company_name (your tenant's subdomain in "
                "https://<company_name>.api.joinluminous.com)"
            )
        return (
            f"GET {self.path}: the host '{host}' does not exist (DNS: name not known); "
            f"check {setting}"
        )

    def _page_size_advice(self) -> str:
        return f" or lower {self.page_size_setting}" if self.page_size_setting else ""

    @property
    def request_deadline(self) -> float:
        return float(self.config["request_deadline"])

    @property
    def max_response_bytes(self) -> int:
        return int(self.config["max_response_mb"]) << 20

    def decode_body(self, content: bytes | bytearray) -> t.Any:
        """The page envelope, `data` still JSON text (see envelope.py)."""
        return decode_envelope(content)

    @cached_property
    def shaper(self) -> RecordShaper:
        return RecordShaper(
            self.name,
            self.schema,
            self.primary_keys or (),
            self.logger,
            include_sensitive=bool(self.config["include_sensitive_fields"]),
            fail_on_invalid=self.config["invalid_values"] == "fail",
        )

    def page_rows(self, page: Page, where: str) -> list[dict[str, t.Any]]:
        """The page's rows, each valid against the schema (decoded once; see records.py)."""
        if page.data is None:
            return []
        return self.shaper.rows(page.data, where)

    def _network_error(
        self, exc: BaseException, deadline: Deadline | None = None
    ) -> TransientError:
        return network_error(self.path, exc, self.timeout, deadline)

    def shape_problem(self, body: t.Any) -> str | None:
        """Describe how `body` differs from the endpoint's documented envelope, or None."""
        if not isinstance(body, dict):
            return f"expected a JSON object, got {type(body).__name__}"
        data = body.get("data")
        if not isinstance(data, (list, msgspec.Raw)):
            return "no `data` list"
        if not isinstance(body.get("meta"), dict):
            return "no `meta` object"
        if isinstance(data, list) and any(not isinstance(row, dict) for row in data):
            return "`data` holds a non-object"
        return None

    def validate_response(self, response: requests.Response) -> None:
        check_status(
            response,
            self.path,
            self.url_base,
            self.config["api_token"],
            cursor=self.request_carried_cursor(response),
            filtered="updated_at%5B" in (response.request.url or ""),
        )

    def request_carried_cursor(self, response: requests.Response) -> bool:
        return False

    # -- records ------------------------------------------------------------------------------
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Normalise the replication key to the canonical UTC form (see timestamps.py)."""
        key = self.replication_key
        if key:
            value = decoded(row.get(key))
            if value is not None:
                row[key] = value
                normalised = canonical_timestamp(value)
                if normalised is not None:
                    row[key] = normalised
        return row

    def report_findings(self) -> None:
        """Retries by reason, values kept in the side column, sensitive fields dropped."""
        self.report_retries()
        self.shaper.report()
