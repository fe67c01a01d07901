"""Signed export cursors.

Token = base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, payload bytes)).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any


class CursorError(Exception):
    """Raised for an invalid cursor (``expired`` tells the expired case apart)."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not text or any(c not in _B64_CHARS for c in text):
        raise CursorError("bad base64")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CursorError("bad base64") from exc


_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def sign(payload: dict[str, Any], secret: bytes) -> str:
    """Payload keys keep their order; put ``v`` and ``mode`` first like the docs' example."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    sig = hmac.new(secret, raw, hashlib.sha256).digest()
    return f"{_b64e(raw)}.{_b64e(sig)}"


def verify(token: str, secret: bytes) -> dict[str, Any]:
    """Return the payload of a well-formed token signed with ``secret``; raise CursorError."""
    parts = token.split(".")
    if len(parts) != 2:
        raise CursorError("malformed")
    raw = _b64d(parts[0])
    sig = _b64d(parts[1])
    want = hmac.new(secret, raw, hashlib.sha256).digest()
    if not hmac.compare_digest(sig, want):
        raise CursorError("bad signature")
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise CursorError("bad payload") from exc
    if not isinstance(payload, dict) or payload.get("v") != 1 or payload.get("mode") != "export":
        raise CursorError("bad payload")
    return payload
