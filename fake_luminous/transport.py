"""HTTP plumbing of the fake: the server, its handler, raw responses and connection tracking.

Nothing here knows the API: ``Server`` hands every request to a ``respond(handler)`` callable
(``FakeLuminousAPI._handle``), which answers with ``handler.send_raw(Resp, date_header)`` or
``handler.reset_connection()``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from .serialize import encode

log = logging.getLogger("fake_luminous")

JSON_CT = "application/json"
HTML_CT = "text/html; charset=utf-8"
INT_RE = re.compile(r"[+-]?\d+")


@dataclass
class RecordedRequest:
    """One request as the server saw it (``path`` without the /external/api/v1 prefix)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int = 0
    rows: int = 0
    fault: str | None = None
    at: float = field(default_factory=time.time)


class ServedBody(NamedTuple):
    """One 200 body as sent (``record_bodies=True``): path without the prefix, query, bytes."""

    path: str
    query: dict[str, str]
    body: bytes


@dataclass
class Resp:
    status: int
    body: bytes
    ctype: str = JSON_CT
    headers: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    truncate: int | None = None
    close: bool = False
    reset: bool = False  # send nothing; abort the connection with a TCP RST
    genuine: bool = False  # the route's own answer, not replaced or cut by a fault


def json_resp(status: int, obj: Any, **headers: str) -> Resp:
    return Resp(status, encode(obj), headers=dict(headers))


def invalid(field_name: str, message: str) -> Resp:
    """A Laravel validation error: 422 ``{"message", "errors": {field: [message]}}``."""
    return json_resp(422, {"message": message, "errors": {field_name: [message]}})


def html_error(status: int) -> bytes:
    phrase = f"{status} {HTTPStatus(status).phrase}"
    return (
        f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n<center><h1>{phrase}"
        f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, addr: tuple[str, int], respond: Callable[[Handler], None]) -> None:
        self.respond = respond
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__(addr, Handler)

    def close_connections(self) -> None:
        with self.conns_lock:
            conns = list(self.conns)
            self.conns.clear()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        log.exception("fake_luminous: error while handling a request")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    server: Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conns_lock:
            self.server.conns.add(self.connection)

    def finish(self) -> None:
        with self.server.conns_lock:
            self.server.conns.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self) -> None:
        length = self.headers.get("Content-Length")
        if length and INT_RE.fullmatch(length) and int(length) > 0:
            self.rfile.read(int(length))
        try:
            self.server.respond(self)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_GET = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_PATCH = _dispatch
    do_DELETE = _dispatch
    do_HEAD = _dispatch

    def reset_connection(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), sending no response at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()  # the fd really closes when finish() closes rfile/wfile

    def send_raw(self, resp: Resp, date_header: str) -> None:
        body = resp.body
        lines = [
            f"HTTP/1.1 {resp.status} {HTTPStatus(resp.status).phrase}",
            f"Date: {date_header}",
            "Server: nginx",
            f"Content-Type: {resp.ctype}",
            f"Content-Length: {len(body)}",
        ]
        lines.extend(f"{k}: {v}" for k, v in resp.headers.items())
        if resp.close or self.close_connection:
            self.close_connection = True
            lines.append("Connection: close")
        else:
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            body = b""
        elif resp.truncate is not None:
            body = body[: resp.truncate]
        self.wfile.write(head + body)
        self.wfile.flush()
