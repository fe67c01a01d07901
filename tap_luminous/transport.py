"""Bounds on one HTTP exchange that requests and urllib3 do not give: total time and body size.

- **Total time**: requests' timeout applies to each socket read, so a server that sends one byte
  every few seconds never trips it. `Deadline` arms a timer per request; when it fires it shuts
  down that request's socket (found through `_TrackedConnection`, which records the connection
  a thread is using), so the blocked read fails at once, headers or body.
- **Size**: `read_body` reads the body in chunks and decompresses it itself with a bounded
  output size, so a gzip bomb stops at `max_response_mb` instead of inflating in one call.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import typing as t
import zlib

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()
_CHUNK = 1 << 20
#: What the tap can decompress itself (bounded); anything else is refused by the server or us.
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLargeError(Exception):
    """The body (after decompression) is larger than the configured cap."""


class UnsupportedEncodingError(Exception):
    """A Content-Encoding the tap did not ask for."""


class _Holder:
    __slots__ = ("connection", "expired")

    def __init__(self) -> None:
        self.connection: HTTPConnection | None = None
        self.expired = False


class _Tracked:
    """Records, for the Deadline of the calling thread, the connection its request uses."""

    def request(self, *args: t.Any, **kwargs: t.Any) -> None:
        holder = getattr(_current, "holder", None)
        if holder is not None:
            holder.connection = t.cast("HTTPConnection", self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _TrackedConnection(_Tracked, HTTPConnection):
    pass


class _TrackedHTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _TrackedPool(HTTPConnectionPool):
    ConnectionCls = _TrackedConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections can be cut by `Deadline` (and a pool for 16 threads)."""

    def __init__(self) -> None:
        super().__init__(pool_connections=4, pool_maxsize=16)

    def init_poolmanager(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackedPool, "https": _TrackedHTTPSPool}


def mount(session: requests.Session) -> None:
    adapter = DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)


class Deadline:
    """`with Deadline(seconds) as deadline:` around one request (send and body read).

    `deadline.expired` tells afterwards whether a failure inside was the deadline cutting the
    connection.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._holder = _Holder()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    @property
    def expired(self) -> bool:
        return self._holder.expired

    def _expire(self) -> None:
        self._holder.expired = True
        connection = self._holder.connection
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Deadline:
        _current.holder = self._holder
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.holder = None


def read_body(response: requests.Response, limit: int, *, truncate: bool = False) -> bytearray:
    """The whole body, decompressed, at most `limit` bytes (else BodyTooLargeError, or with
    `truncate` its first `limit` bytes).

    Memory stays within `limit` plus one chunk: the body grows in one buffer (no list of parts
    joined at the end, which held it twice) and each decompression step yields at most a chunk.
    """
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise UnsupportedEncodingError(encoding)
    raw = response.raw
    body = bytearray()
    decompressor: t.Any = None
    while chunk := raw.read(_CHUNK, decode_content=False):
        if encoding in ("identity", ""):
            if _add(body, chunk, limit, truncate):
                return body
            continue
        data = chunk
        while data:
            if decompressor is None:
                decompressor = _decompressor(encoding, data)
            out = decompressor.decompress(data, _CHUNK)
            if _add(body, out, limit, truncate):
                return body
            if decompressor.eof:  # gzip may hold several members
                data, decompressor = decompressor.unused_data, None
            else:
                data = decompressor.unconsumed_tail
    return body


def _add(body: bytearray, part: bytes, limit: int, truncate: bool) -> bool:
    """Append `part`; True once `limit` is reached with `truncate` (the read stops there)."""
    if len(body) + len(part) > limit:
        if not truncate:
            raise BodyTooLargeError
        body += part[: limit - len(body)]
        return True
    body += part
    return False


def _decompressor(encoding: str, first: bytes) -> t.Any:
    if encoding == "deflate" and first[:1] not in (b"\x78", b"\x58", b"\x68", b"\x08"):
        return zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
    return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
