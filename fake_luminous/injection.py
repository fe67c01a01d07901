"""Fault injection: applying ``Faults`` (faults.py) around one request's route.

The order is fixed (and part of the behaviour, since the decisions are drawn per request):
redirect, queued ``fail_statuses``, rate limit, then one ``Decision``: latency, stall, reset,
429, 5xx, else the route's own answer, possibly cut (drop) or replaced (invalid JSON, wrong
shape). Only an answer left whole is ``genuine`` (recorded by ``record_bodies``).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from http import HTTPStatus

from .faults import Decision, Faults
from .transport import HTML_CT, RecordedRequest, Resp, html_error, json_resp

#: ``count(rec, name)``: count one fault (``rec`` None: count only, do not mark the request)
Counter = Callable[[RecordedRequest | None, str], None]


def with_faults(
    faults: Faults,
    request_path: str,
    rec: RecordedRequest,
    *,
    route: Callable[[], Resp],
    count: Counter,
    sleep: Callable[[float], None],
) -> Resp:
    """The response to one request (``rec.path`` without the prefix) under ``faults``."""
    sub = rec.path
    if faults.redirect_to:
        count(rec, "redirect")
        return Resp(302, b"", headers={"Location": faults.redirect_to + request_path})
    fail = faults.next_fail_status(sub)
    if fail is not None:
        count(rec, "fail_status")
        return status_response(fail, faults)
    rl_headers: dict[str, str] = {}
    if faults.rate_limit is not None:
        allowed, rl_headers, wait = faults.rate_check()
        if not allowed:
            count(rec, "rate_limit")
            return json_resp(
                429,
                {"message": "Too Many Attempts."},
                **rl_headers,
                **{"Retry-After": str(wait)},
            )
    d: Decision = faults.decide()
    if d.delay > 0:
        count(None, "latency")
        sleep(d.delay)
    if d.stall:
        count(rec, "stall")
        sleep(faults.stall_seconds)
    if d.reset:
        count(rec, "reset")
        return Resp(0, b"", reset=True)  # recorded with status 0: no response
    if d.too_many:
        count(rec, "429")
        resp = status_response(429, faults)
    elif d.server_error is not None:
        count(rec, "5xx")
        resp = status_response(d.server_error, faults)
    else:
        resp = route()
        if d.drop:
            count(rec, "drop")
            resp.truncate = max(1, len(resp.body) // 2)
            resp.close = True
        elif d.invalid_json is not None:
            count(rec, "invalid_json")
            if d.invalid_json == "html":
                resp = Resp(200, b"<html>maintenance</html>", ctype=HTML_CT)
            else:
                body = resp.body if len(resp.body) > 2 else b'{"data":[{"order_id":1'
                resp = Resp(200, body[: max(1, len(body) // 2)])
        elif d.wrong_shape is not None:
            count(rec, "wrong_shape")
            resp = Resp(200, d.wrong_shape)
        else:
            rec.rows = resp.rows
            resp.genuine = True
    resp.headers.update(rl_headers)
    return resp


def status_response(status: int, faults: Faults) -> Resp:
    """The body a Laravel app behind nginx sends with ``status`` (a fault's answer)."""
    if status == 429:
        hdrs: dict[str, str] = {}
        if faults.retry_after == "http-date":
            hdrs["Retry-After"] = email.utils.formatdate(
                time.time() + faults.retry_after_seconds, usegmt=True
            )
        elif faults.retry_after is not None:
            hdrs["Retry-After"] = faults.retry_after
        return json_resp(429, {"message": "Too Many Attempts."}, **hdrs)
    if status in (502, 503):
        return Resp(status, html_error(status), ctype=HTML_CT)
    if status >= 500:
        return json_resp(status, {"message": "Server Error"})
    if status == 401:
        return json_resp(401, {"message": "Unauthenticated."})
    if status == 403:
        return json_resp(403, {"message": "This action is unauthorized."})
    if status == 404:
        return json_resp(404, {"message": "Not Found"})
    if status in (400, 422):
        msg = "The given data was invalid."
        return json_resp(status, {"message": msg, "errors": {"request": [msg]}})
    return json_resp(status, {"message": HTTPStatus(status).phrase})
