"""How a request failed: one stable reason for the retry report, one line for the error.

Every retriable failure becomes a `TransientError` with a short, stable `reason` ("429", "503",
"connection", "timeout", "invalid_json", "wrong_shape") for the per-stream retry report, and a
`detail` (status, the server's message) for the one-line error when retries run out. Statuses
that retrying cannot fix (redirects, 401, 403, other 4xx) become an `ApiError` at once.
"""

from __future__ import annotations

import dataclasses
import decimal
import email.utils
import math
import re
import socket
import time
import typing as t
import zlib
from urllib.parse import urlsplit

import msgspec
import requests
import urllib3.exceptions
from singer_sdk.exceptions import RetriableAPIError

from tap_luminous.config_schema import API_PATH
from tap_luminous.errors import ApiError
from tap_luminous.timestamps import canonical_timestamp
from tap_luminous.transport import UnsupportedEncodingError, read_body

if t.TYPE_CHECKING:
    from tap_luminous.transport import Deadline

_decode_json = msgspec.json.Decoder(float_hook=decimal.Decimal).decode

#: What a send can raise for a network fault (a dropped body is ChunkedEncodingError).
NETWORK_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)
#: Retried by the backoff decorator (the SDK's list; ours arrive as TransientError).
TRANSIENT_ERRORS = (RetriableAPIError, *NETWORK_ERRORS)


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


class FilterRejectedError(ApiError):
    """A page-number list refused the `updated_at` filter (400/422 naming it): read it in full."""


class CursorRejectedError(ApiError):
    """The export refused a cursor (expired, tampered, from another run): restart from `since`."""


_HTML_TITLE = re.compile(r"<(title|h1)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def server_message(response: requests.Response, secret: str | None = None) -> str:
    """The server's `message` and `errors` (Laravel style) on one short line, for error lines.

    An HTML error page (a proxy's 502/503) is reduced to its title. Whitespace, including the
    CR/LF of such pages, is collapsed so the message never breaks the one-line error. `secret`
    (the token) is masked in case the server echoes it.
    """
    content = _error_body(response)
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
    return mask(message, secret)


#: How much of an error body is read: enough for any Laravel message, never a bomb's worth.
_ERROR_BODY_BYTES = 64 << 10


def _error_body(response: requests.Response) -> bytes:
    """The first 64 KiB of an error response's body (decompressed), b"" if it cannot be read."""
    if getattr(response, "_content_consumed", False) or not hasattr(response.raw, "read"):
        return response.content or b""  # already read (or a response built in a test)
    try:
        return bytes(read_body(response, _ERROR_BODY_BYTES, truncate=True))
    except (
        UnsupportedEncodingError,
        zlib.error,
        OSError,
        requests.RequestException,
        urllib3.exceptions.HTTPError,
    ):
        return b""


def mask(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def status_detail(response: requests.Response, secret: str | None = None) -> str:
    """'<status> <reason phrase>: <server message>' on one line."""
    status = f"{response.status_code} {response.reason or ''}".strip()
    message = server_message(response, secret)
    return f"{status}: {message}" if message else status


def retry_after_seconds(response: requests.Response) -> float | None:
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


def page_of(params: dict[str, t.Any]) -> str:
    if "page" in params:
        return f"page {params['page']}"
    return "a cursor page" if params.get("cursor") else "the first page"


def http_date_to_canonical(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return canonical_timestamp(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError):
        return None


def reason_for(exc: BaseException | None) -> str:
    """Reason for a retry that did not come through TransientError (kept stable all the same)."""
    if exc is not None and is_timeout(exc):
        return "timeout"
    if isinstance(exc, NETWORK_ERRORS):
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


def is_timeout(exc: BaseException) -> bool:
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


#: getaddrinfo's answers for a name that does not exist (NXDOMAIN, or no address at all); a
#: temporary failure (EAI_AGAIN) is retried like any other network fault.
_NO_SUCH_HOST = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code
)


def host_does_not_exist(exc: BaseException) -> bool:
    """Whether a failed send failed because the host name does not exist (retrying cannot help)."""
    return any(
        isinstance(cause, socket.gaierror) and cause.errno in _NO_SUCH_HOST
        for cause in _causes(exc)
    )


def network_detail(exc: BaseException) -> str:
    """The innermost cause of a network error, shortly: '[Errno 104] Connection reset by peer'."""
    root = list(_causes(exc))[-1]
    text = " ".join(str(root).split()) or type(root).__name__
    if not text.startswith(type(root).__name__):
        text = f"{type(root).__name__}: {text}"
    return text[:300]


def seconds_text(value: float) -> str:
    """1.0 -> '1', 0.25 -> '0.25', 15552000.0 -> '15552000'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclasses.dataclass(frozen=True)
class StatusRule:
    """What a response status means for the run: `action` and the error line's `message`.

    `when` narrows a rule to requests that carried an export cursor ("cursor") or an
    `updated_at` filter that the server's message names ("filter").
    """

    statuses: t.Container[int]
    action: t.Literal["fail", "retry", "rate_limit", "cursor_rejected", "filter_rejected"]
    message: str = "{detail}"
    when: t.Literal["cursor", "filter"] | None = None


#: Every non-2xx status, first match wins. "retry": backoff with Retry-After honoured, up to
#: `max_retries`; "rate_limit": the same, and every concurrent fetch of the token waits too;
#: "fail": stop at once (retrying cannot fix it); "cursor_rejected": the export restarts from
#: `since` (export.py); "filter_rejected": the list is read without the filter (page_numbers.py).
#: Failures without a status: a timeout, a dropped connection, a body that is not JSON or not the
#: documented envelope are retried (client.py); a body over `max_response_mb` or in an encoding
#: the tap did not ask for stops the run.
STATUS_RULES: tuple[StatusRule, ...] = (
    StatusRule(
        range(300, 400),
        "fail",
        "refusing to follow a {status} redirect to host '{target}'; "
        "the API token is only sent to the configured API host",
    ),
    StatusRule(
        (401,), "fail", "the API rejected the token (401 Unauthorized); check the api_token setting"
    ),
    StatusRule(
        (403,),
        "fail",
        "the token was accepted but lacks access to this endpoint (403 Forbidden)",
    ),
    StatusRule((429,), "rate_limit"),
    StatusRule((408,), "retry"),
    StatusRule(range(500, 1000), "retry"),
    StatusRule(range(400, 500), "cursor_rejected", when="cursor"),
    StatusRule((400, 422), "filter_rejected", when="filter"),
    StatusRule(range(400, 500), "fail"),
)


def status_rule(
    status: int, *, cursor: bool = False, filtered: bool = False, message: str = ""
) -> StatusRule | None:
    """The rule for `status` (None for a success): see STATUS_RULES."""
    if 200 <= status < 300:
        return None
    for rule in STATUS_RULES:
        if status not in rule.statuses:
            continue
        if rule.when == "cursor" and not cursor:
            continue
        if rule.when == "filter" and not (filtered and "updated_at" in message):
            continue
        return rule
    return StatusRule((status,), "fail")


def check_status(
    response: requests.Response,
    path: str,
    base_url: str,
    secret: str | None,
    *,
    cursor: bool,
    filtered: bool = False,
) -> None:
    """Raise for a status that is not a 2xx, as its rule in STATUS_RULES says.

    `cursor`: the request carried an export cursor; `filtered`: an `updated_at` filter.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = status_detail(response, secret) if status >= 400 else ""  # a redirect's: unread
    rule = status_rule(status, cursor=cursor, filtered=filtered, message=detail)
    assert rule is not None
    if rule.action in ("retry", "rate_limit"):
        raise TransientError(path, detail, str(status), response)
    location = urlsplit(response.headers.get("Location", ""))
    target = location.hostname or urlsplit(base_url).hostname
    message = f"GET {path}: " + rule.message.format(status=status, target=target, detail=detail)
    if status == 404 and not urlsplit(base_url).path.rstrip("/").endswith(API_PATH):
        message += f"; api_url does not end with {API_PATH}, the API's path (is it missing?)"
    error = {"cursor_rejected": CursorRejectedError, "filter_rejected": FilterRejectedError}
    raise error.get(rule.action, ApiError)(message, status)


def network_error(
    path: str, exc: BaseException, timeout: float, deadline: Deadline | None = None
) -> TransientError:
    """Classify a failed send: "timeout" or "connection", with a one-line detail."""
    if deadline is not None and deadline.expired:
        return TransientError(
            path,
            f"no complete response within request_deadline={seconds_text(deadline.seconds)}s",
            "timeout",
        )
    if is_timeout(exc):
        return TransientError(
            path, f"no response within request_timeout={seconds_text(timeout)}s", "timeout"
        )
    if isinstance(
        exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
    ):
        what = "connection dropped mid-body"
    else:
        what = "connection failed"
    return TransientError(path, f"{what}: {network_detail(exc)}", "connection")
