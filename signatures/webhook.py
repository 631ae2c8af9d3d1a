"""Signed messages between the province and the national portal (both directions).

A message carries ``X-National-Timestamp: <unix seconds>`` and ``X-National-Signature:
sha256=<hex>``, the hex being HMAC-SHA256 with the shared secret over ``<timestamp>.<raw body>``.
A receiver refuses a missing or wrong signature and a timestamp more than ``TOLERANCE_SECONDS``
away from its own clock. Plain functions: no Flask, no portal (the simulator uses them too).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-National-Timestamp"
SIGNATURE_HEADER = "X-National-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The header value ``sha256=<hex>`` for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The two headers of a message with ``body``, signed now (or at ``now``)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body),
            "Content-Type": "application/json"}


def is_authentic(secret: str, timestamp: str | None, given: str | None, body: bytes,
                 now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether the headers sign ``body`` with ``secret`` at a time close enough to ``now``."""
    if not secret or not timestamp or not given or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given.strip())
