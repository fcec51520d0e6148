"""How a delivery is signed, and the headers it carries.

``X-Estate-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``: the receiver
recomputes it over the timestamp header and the raw body it received (README.md shows how), and
refuses an old timestamp to stop replays. While a rotated secret still signs (``webhooks.rotated``)
the header holds one signature per secret, the newest first, separated by ", ": a receiver
accepts a delivery when one of them is its own.
"""
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SEPARATOR = ", "


def new_secret():
    """A subscription's signing secret: 256 random bits, shown once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret, timestamp, body):
    """``sha256=<hex>`` over ``timestamp + "." + body`` (``body``: the bytes sent)."""
    message = str(timestamp).encode() + b"." + (body if isinstance(body, bytes) else body.encode())
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signatures(secrets_in_use, timestamp, body):
    """The ``X-Estate-Signature`` value: a signature by each secret in use, newest first."""
    return SEPARATOR.join(signature(secret, timestamp, body) for secret in secrets_in_use)


def verify(secret, timestamp, body, header):
    """What a receiver does: its signature compared, in constant time, with each in the header."""
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given.strip()) for given in (header or "").split(","))


def headers(event_type, delivery_id, timestamp, secrets_in_use, body):
    """The headers of one attempt: the event, the delivery (the same on every retry), the
    time of this attempt and its signatures (one per secret in use, newest first)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "estate-ops-webhooks/1",
        "X-Estate-Event": event_type,
        "X-Estate-Delivery": delivery_id,
        "X-Estate-Timestamp": str(timestamp),
        "X-Estate-Signature": signatures(secrets_in_use, timestamp, body),
    }
