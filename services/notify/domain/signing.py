"""Signed webhooks: HMAC-SHA256 over the timestamp and the body, so a receiver can check both.

The signature covers `"<timestamp>.<body>"` (the scheme chat tools and payment providers use), so
an old body cannot be replayed under a fresh timestamp; a receiver refuses timestamps more than
`tolerance` seconds from its own clock, and may also drop a repeated X-Assure-Delivery id.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Assure-Signature"
TIMESTAMP_HEADER = "X-Assure-Timestamp"
DELIVERY_HEADER = "X-Assure-Delivery"
SCHEME = "sha256="
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header: "sha256=<hex digest>"."""
    signed = str(timestamp).encode() + b"." + body
    return SCHEME + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    received_signature: str,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when the body is signed with the secret at a timestamp close enough to now."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), received_signature)
