"""The base stream every Luminous endpoint shares.

Auth, base URL, user agent, timeout, throttling, retries and parsing live here. A page is parsed
and shape-checked *inside* the retry loop (the SDK retries only the send and
``validate_response``), so a truncated body or an HTML error page with status 200 is retried like
a 502 instead of ending the run.

Every retriable failure becomes a `TransientError` with a short, stable `reason` ("429", "503",
"connection", "timeout", "invalid_json", "wrong_shape") for the per-stream retry report, and a
`detail` (status, the server's message) for the one-line error when retries run out.
"""

from __future__ import annotations

import decimal
import email.utils
import json
import logging
import math
import random
import re
import threading
import time
import typing as t
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

import backoff
import msgspec
import requests
import urllib3.exceptions
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.streams import RESTStream

from tap_luminous import __version__, transport
from tap_luminous._sdk_internals import QuietSyncErrorMixin
from tap_luminous.errors import ApiError
from tap_luminous.output import decoded
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

_decode_json = msgspec.json.Decoder(float_hook=decimal.Decimal).decode


class _Envelope(msgspec.Struct):
    """A page with `data` left as JSON text: the paginators read the envelope first, and the
    rows are checked and decoded once, by the stream's RecordShaper."""

    data: msgspec.Raw
    meta: t.Any = None
    has_more: t.Any = None
    next_cursor: t.Any = None


_decode_envelope = msgspec.json.Decoder(_Envelope, float_hook=decimal.Decimal).decode

#: What a send can raise for a network fault (a dropped body is ChunkedEncodingError).
_NETWORK_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)
#: Retried by the backoff decorator (the SDK's list; ours arrive as TransientError).
_TRANSIENT_ERRORS = (RetriableAPIError, *_NETWORK_ERRORS)


class TransientError(RetriableAPIError):
    """A retriable failure of one request.

    `reason` is short and stable (it keys the retry report); `detail` says what happened (status,
    the server's message) without the "GET <path>" prefix, for the error when retries run out.
    """

    def __init__(
        self,
        path: str,
        detail: str,
        reason: str,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(f"GET {path}: {detail}", response)
        self.reason = reason
        self.detail = detail


class CursorRejectedError(ApiError):
    """The export refused a cursor (expired, tampered, from another run): restart from `since`."""


@dataclass(slots=True)
class Page:
    """One parsed API page: the envelope plus what the paginators and state need.

    `raw_records` is the `data` array still as JSON text; `LuminousStream.page_rows` turns it
    into rows valid against the stream's schema (see tap_luminous/records.py).
    """

    records: list[dict[str, t.Any]]
    body: dict[str, t.Any]
    params: dict[str, t.Any]
    server_date: str | None = None
    raw_records: msgspec.Raw | list[t.Any] | None = None


_HTML_TITLE = re.compile(r"<(title|h1)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def _server_message(response: requests.Response, secret: str | None = None) -> str:
    """The server's `message` and `errors` (Laravel style) on one short line, for error lines.

    An HTML error page (a proxy's 502/503) is reduced to its title. Whitespace, including the
    CR/LF of such pages, is collapsed so the message never breaks the one-line error. `secret`
    (the token) is masked in case the server echoes it.
    """
    content = response.content or b""
    try:
        body = _decode_json(content)
    except (msgspec.DecodeError, ValueError):
        text = content.decode("utf-8", "replace")
        if "html" in response.headers.get("Content-Type", "") or text.lstrip().startswith("<"):
            match = _HTML_TITLE.search(text)
            title = _HTML_TAG.sub(" ", match.group(2)) if match else ""
            text = f"HTML page '{' '.join(title.split())}'" if title.strip() else "an HTML page"
        message = text
    else:
        if isinstance(body, dict):
            parts = [str(body.get("message") or "").strip()]
            if body.get("errors"):
                parts.append(f"errors={msgspec.json.encode(body['errors']).decode()[:300]}")
            message = " ".join(p for p in parts if p)
        else:
            message = msgspec.json.encode(body).decode()
    message = " ".join(message.split())
    if len(message) > 400:
        message = message[:400] + "..."
    return _mask(message, secret)


def _mask(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def _status_detail(response: requests.Response, secret: str | None = None) -> str:
    """'<status> <reason phrase>: <server message>' on one line."""
    status = f"{response.status_code} {response.reason or ''}".strip()
    message = _server_message(response, secret)
    return f"{status}: {message}" if message else status


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), else None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
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

    Shared by every stream of a tap run, because they share one token, and by the threads that
    fetch pages concurrently. The rate budget is an estimate: the last X-RateLimit-Remaining
    minus the requests that were started but not answered yet (the server may not have counted
    them), minus every turn handed out since. When it would fall to `reserve`, new requests wait
    for X-RateLimit-Reset instead of running into a 429.

    The clocks and the sleep are parameters so tests can check the schedule without waiting.
    """

    #: Requests of the budget left unused (other clients may share the token).
    reserve = 1
    #: X-RateLimit-Reset values below this are seconds from now, larger ones epoch seconds.
    _EPOCH_THRESHOLD = 1_000_000_000
    #: Two resets closer than this are the same window (whole-second headers, clock jitter).
    _SAME_WINDOW = 1.0

    def __init__(
        self,
        requests_per_second: float | None,
        *,
        max_pause: float = 300.0,
        logger: logging.Logger | None = None,
        monotonic: t.Callable[[], float] = time.monotonic,
        wall: t.Callable[[], float] = time.time,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        #: Longest pause taken for X-RateLimit-Reset (retry_after_max_seconds), so a bogus
        #: value cannot stall a run.
        self.max_pause = max_pause
        self._logger = logger
        self._monotonic = monotonic
        self._wall = wall
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._in_flight = 0
        self._budget: int | None = None  # requests still allowed before _window_ends_at
        self._window_ends_at = 0.0
        self._logged_window = -1.0

    @classmethod
    def for_config(cls, config: t.Mapping[str, t.Any], logger: logging.Logger) -> RequestPacer:
        return cls(
            config.get("requests_per_second"),
            max_pause=float(config.get("retry_after_max_seconds", 300)),
            logger=logger,
        )

    @property
    def interval(self) -> float:
        """Seconds between two request starts (0 without a requests_per_second cap)."""
        return self._interval

    def wait_turn(self) -> float:
        """Sleep until this request may start; return how long that was. Pair with `done()`."""
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next_slot)
            if self._budget is not None and start < self._window_ends_at:
                if self._budget <= self.reserve:
                    start = self._window_ends_at  # the next window
                else:
                    self._budget -= 1
            self._next_slot = start + self._interval
            self._in_flight += 1
        if start > now:
            if start - now >= 0.5 and self._logger is not None:
                self._logger.info("Waiting %.1fs before the next request (rate limit)", start - now)
            self._sleep(start - now)
        return max(0.0, start - now)

    def hold(self, seconds: float) -> None:
        """After a 429: no new request (from any thread) starts for `seconds`."""
        with self._lock:
            self._next_slot = max(self._next_slot, self._monotonic() + seconds)

    def done(self) -> None:
        """The request of the last `wait_turn` got its answer (or failed)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

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
        if not math.isfinite(reset_at):
            return
        # Epoch seconds (GitHub/Laravel style) or, for small values, seconds from now.
        until_reset = reset_at - self._wall() if reset_at >= self._EPOCH_THRESHOLD else reset_at
        pause = min(max(0.0, until_reset), self.max_pause)
        with self._lock:
            now = self._monotonic()
            ends_at = now + pause
            budget = remaining_n - self._in_flight
            if (
                self._budget is None
                or now >= self._window_ends_at
                or ends_at > self._window_ends_at + self._SAME_WINDOW
            ):
                self._budget, self._window_ends_at = budget, ends_at  # a new window
            elif ends_at >= self._window_ends_at - self._SAME_WINDOW:
                self._budget = min(self._budget, budget)  # the same window: the lower estimate
            # else: a late answer from an earlier window
            log = (
                self._budget <= self.reserve
                and self._window_ends_at > now
                and self._logged_window != self._window_ends_at
            )
            if log:
                self._logged_window = self._window_ends_at
            wait = self._window_ends_at - now
        if log:
            logger.info(
                "Rate budget nearly used (remaining=%s); new requests wait %.1fs for the reset",
                remaining,
                wait,
            )


class LuminousStream(QuietSyncErrorMixin, RESTStream[t.Any]):
    """Base stream: one request/validate/parse/retry path for every endpoint."""

    #: Schema file name in tap_luminous/schemas (without .json); defaults to the stream name.
    schema_name: str | None = None
    #: The token never follows a redirect; see validate_response.
    allow_redirects = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_counts: Counter[str] = Counter()
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
        return float(self.config.get("request_timeout", 60))

    # -- retries ------------------------------------------------------------------------------
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """The SDK's retry decorator, minus backoff's own log lines.

        backoff's default handlers log the whole exception text (a proxy's multi-line HTML page
        included) on every retry and on giving up; `backoff_handler` logs one line instead and
        `fetch_page` raises the one-line error.
        """
        decorator: t.Callable[[RequestFunc], RequestFunc] = backoff.on_exception(
            self.backoff_wait_generator,
            _TRANSIENT_ERRORS,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )
        return decorator(func)

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
                        "GET %s: the server asked to wait %ss (Retry-After); capped at "
                        "retry_after_max_seconds=%ss",
                        self.path,
                        _seconds(retry_after),
                        _seconds(cap),
                    )
                    retry_after = cap
                wait = retry_after
            else:
                wait = random.uniform(0, min(ceiling, 0.5 * 2**attempt))  # noqa: S311
            if response is not None and response.status_code == 429:
                # The rate limit is per token: concurrent page fetches back off together.
                self.pacer.hold(wait)
            attempt += 1
            exception = yield wait

    def backoff_handler(self, details: t.Any) -> None:
        exc = details.get("exception")
        reason = getattr(exc, "reason", None) or _reason_for(exc)
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
        return int(self.config.get("log_progress_every_pages") or 10)

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
        decode: t.Callable[[bytes], t.Any] | None = None,
    ) -> Page:
        """Send one GET, validate and parse it, retrying transient failures of any of those.

        `decode` replaces `decode_body` for this request (e.g. to read only the ids).
        """
        # request_decorator is typed for the SDK's send function; ours returns a parsed Page.
        fetch = t.cast("t.Callable[..., Page]", self.request_decorator(self._fetch_page_once))  # type: ignore[arg-type]
        try:
            return fetch(params, context, decode)
        except _TRANSIENT_ERRORS as exc:
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
            text = _network_detail(exc)
        return _mask(" ".join(text.split()), self.config.get("api_token"))

    def _fetch_page_once(
        self,
        params: dict[str, t.Any],
        context: Context | None,
        decode: t.Callable[[bytes], t.Any] | None = None,
    ) -> Page:
        prepared = self.build_prepared_request(
            method="GET", url=self.get_url(context), params=params, headers=self.http_headers
        )
        self.pacer.wait_turn()
        # stream=True and a few large reads: a large body comes in big reads instead of
        # requests' 10 KB chunks, each of which must win the GIL back from the thread emitting
        # records. The deadline bounds headers and body together (see transport.py).
        with Deadline(self.request_deadline) as deadline:
            try:
                response = self.requests_session.send(
                    prepared, timeout=self.timeout, allow_redirects=False, stream=True
                )
            except _NETWORK_ERRORS as exc:
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
            content = content[3:]  # a UTF-8 byte order mark before the JSON
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
                f"{response.status_code} {response.reason or ''} but the body ({_page_of(params)}) "
                "is nested deeper than the JSON decoder allows",
                "invalid_json",
                response,
            ) from None
        except (msgspec.DecodeError, ValueError):
            raise TransientError(
                self.path,
                f"{response.status_code} {response.reason or ''} but the body ({_page_of(params)}) "
                f"is not valid JSON ({len(content)} bytes, starts {content[:40]!r})",
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
        data = body["data"]
        return Page(
            records=data if isinstance(data, list) else [],
            body=body,
            params=params,
            server_date=_http_date_to_canonical(response.headers.get("Date")),
            raw_records=data,
        )

    def _read_body(
        self, response: requests.Response, params: dict[str, t.Any], deadline: Deadline
    ) -> bytes:
        limit = self.max_response_bytes
        try:
            return read_body(response, limit)
        except BodyTooLargeError:
            raise ApiError(
                f"GET {self.path} ({_page_of(params)}): the response body is larger than "
                f"max_response_mb={limit >> 20} MiB (after decompression); stopping without "
                "advancing the bookmark"
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
        except (*_NETWORK_ERRORS, urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired or _is_timeout(exc):
                raise self._network_error(exc, deadline) from exc
            dropped = requests.exceptions.ChunkedEncodingError(exc)
            raise self._network_error(dropped) from exc

    @property
    def request_deadline(self) -> float:
        return float(self.config.get("request_deadline") or 300)

    @property
    def max_response_bytes(self) -> int:
        return int(self.config.get("max_response_mb") or 256) << 20

    def decode_body(self, content: bytes) -> t.Any:
        """The envelope as Python objects (numbers as Decimal), `data` as JSON text.

        A body msgspec refuses although it is JSON (a lone surrogate escape such as `\\ud800`)
        is decoded by the standard library instead; the record path then repairs that text.
        """
        try:
            envelope = _decode_envelope(content)
        except msgspec.DecodeError:
            body = json.loads(
                content.decode("utf-8", "surrogateescape"), parse_float=decimal.Decimal
            )
            if not isinstance(body, dict):
                raise msgspec.ValidationError("expected a JSON object") from None
            return body
        is_list = bytes(memoryview(envelope.data)[:1]) == b"["
        return {
            "data": envelope.data if is_list else None,
            "has_more": envelope.has_more,
            "next_cursor": envelope.next_cursor,
            "meta": envelope.meta,
        }

    @cached_property
    def shaper(self) -> RecordShaper:
        return RecordShaper(
            self.name,
            self.schema,
            self.primary_keys or (),
            self.logger,
            include_sensitive=bool(self.config.get("include_sensitive_fields")),
            fail_on_invalid=self.config.get("invalid_values") == "fail",
        )

    def page_rows(self, page: Page, where: str) -> list[dict[str, t.Any]]:
        """The page's rows, each valid against the schema (decoded once; see records.py).

        `raw_records` is JSON text, or already Python objects when the body needed the
        standard library's decoder."""
        if page.raw_records is not None:
            page.records, page.raw_records = self.shaper.rows(page.raw_records, where), None
        return page.records

    def _network_error(
        self, exc: BaseException, deadline: Deadline | None = None
    ) -> TransientError:
        """Classify a failed send: "timeout" or "connection", with a one-line detail."""
        if deadline is not None and deadline.expired:
            return TransientError(
                self.path,
                f"no complete response within request_deadline={_seconds(deadline.seconds)}s",
                "timeout",
            )
        if _is_timeout(exc):
            limit = _seconds(self.timeout)
            return TransientError(
                self.path, f"no response within request_timeout={limit}s", "timeout"
            )
        if isinstance(
            exc,
            (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError),
        ):
            what = "connection dropped mid-body"
        else:
            what = "connection failed"
        return TransientError(self.path, f"{what}: {_network_detail(exc)}", "connection")

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
        secret = self.config.get("api_token")
        if status in (408, 429) or status >= 500:
            raise TransientError(self.path, _status_detail(response, secret), str(status), response)
        if 400 <= status < 500:
            message = f"GET {self.path}: {_status_detail(response, secret)}"
            if self.request_carried_cursor(response):
                raise CursorRejectedError(message)
            raise ApiError(message)

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


def _page_of(params: dict[str, t.Any]) -> str:
    if "page" in params:
        return f"page {params['page']}"
    return "a cursor page" if params.get("cursor") else "the first page"


def _http_date_to_canonical(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return canonical_timestamp(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


def _reason_for(exc: BaseException | None) -> str:
    """Reason for a retry that did not come through TransientError (kept stable all the same)."""
    if exc is not None and _is_timeout(exc):
        return "timeout"
    if isinstance(exc, _NETWORK_ERRORS):
        return "connection"
    if isinstance(exc, RetriableAPIError) and exc.response is not None:
        return str(exc.response.status_code)
    return type(exc).__name__ if exc else "unknown"


def _causes(exc: BaseException) -> t.Iterator[BaseException]:
    """`exc` and what it wraps: urllib3's `reason`, exceptions in `args`, `__cause__`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        wrapped = [a for a in current.args if isinstance(a, BaseException)]
        if isinstance(reason, BaseException):
            current = reason
        elif wrapped:
            current = wrapped[-1]
        else:
            current = current.__cause__ or current.__context__


def _is_timeout(exc: BaseException) -> bool:
    """A connect/read timeout, also when requests wraps a body-read timeout in ConnectionError."""
    for cause in _causes(exc):
        # urllib3 2 derives NewConnectionError (refused, unreachable) from ConnectTimeoutError.
        if isinstance(cause, urllib3.exceptions.NewConnectionError):
            return False
        if isinstance(
            cause, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
        ):
            return True
    return False


def _network_detail(exc: BaseException) -> str:
    """The innermost cause of a network error, shortly: '[Errno 104] Connection reset by peer'."""
    root = list(_causes(exc))[-1]
    text = " ".join(str(root).split()) or type(root).__name__
    if not text.startswith(type(root).__name__):
        text = f"{type(root).__name__}: {text}"
    return text[:300]


def _seconds(value: float) -> str:
    """1.0 -> '1', 0.25 -> '0.25', 15552000.0 -> '15552000'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
