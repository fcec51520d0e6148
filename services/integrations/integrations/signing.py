"""How a delivery is signed, and the headers it carries.

``X-Estate-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``: the receiver
recomputes it over the timestamp header and the raw body it received (README.md shows how), and
refuses an old timestamp to stop replays.
"""
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret():
    """A subscription's signing secret: 256 random bits, shown once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret, timestamp, body):
    """``sha256=<hex>`` over ``timestamp + "." + body`` (``body``: the bytes sent)."""
    message = str(timestamp).encode() + b"." + (body if isinstance(body, bytes) else body.encode())
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret, timestamp, body, header):
    """What a receiver does: constant-time comparison of the header with the signature."""
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


def headers(event_type, delivery_id, timestamp, secret, body):
    """The headers of one attempt: the event, the delivery (the same on every retry), the
    time of this attempt and its signature."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "estate-ops-webhooks/1",
        "X-Estate-Event": event_type,
        "X-Estate-Delivery": delivery_id,
        "X-Estate-Timestamp": str(timestamp),
        "X-Estate-Signature": signature(secret, timestamp, body),
    }
