"""The caller on the bus, signed: who may act as whom on RabbitMQ.

The gateway checks the user (token, roles, estates) and hands the caller to a
service in the ``nameko.caller`` header. Anyone who can publish to the broker
could write that header too, so the gateway also sends ``nameko.caller_auth``:
an HMAC-SHA256, with the deployment's ``BUS_SIGNING_KEY``, over a canonical JSON
of the caller, the routing key of the call (``service.method``) and its
issued-at and expiry. A service refuses (``Unauthorized``) a call whose caller
is unsigned, altered, signed for another method, or out of date, so a captured
header cannot be replayed on another method, nor after the call's own timeout.

What it does not cover: the payload is not signed (a message captured on the
wire could be replayed with another payload on the same method until it
expires: a few seconds), and events are not signed: their ``actor`` is a record
of who did it, never authority, and no handler reads a caller.
"""
import hashlib
import hmac
import json
import os
import time

from . import secrets_policy
from .errors import Unauthorized

KEY_ENV = "BUS_SIGNING_KEY"
MIN_KEY_LENGTH = 32
CONTEXT_KEY = "caller_auth"  # travels as the ``nameko.caller_auth`` header
CLOCK_SKEW_SECONDS = 30  # hosts' clocks may differ this much (both ways)
# Words that mark a value copied from an example, not generated.
PLACEHOLDERS = ("change-me", "changeme", "change_me", "placeholder", "example", "dev-only",
                "local-only", "not-for-production", "do-not-use", "xxxxxxxx")


def check_key(value):
    """The key as bytes, or ``InsecureSecret`` (a RuntimeError, at start) for one missing, short,
    a placeholder or published (``secrets_policy``), or one that is plainly not random."""
    reason = secrets_policy.weakness(value, MIN_KEY_LENGTH)
    if reason is None and (any(word in value.lower() for word in PLACEHOLDERS) or len(set(value)) < 8):
        reason = "is a placeholder"
    if reason:
        raise secrets_policy.InsecureSecret(
            f"{KEY_ENV} {reason}: use at least {MIN_KEY_LENGTH} random characters "
            f"(python -c \"import secrets; print(secrets.token_urlsafe(48))\")")
    return value.encode()


def load_key(environ=None):
    return check_key((os.environ if environ is None else environ).get(KEY_ENV, ""))


def _canonical(caller, target, issued_at, expires_at):
    return json.dumps({"caller": caller, "target": target, "iat": issued_at, "exp": expires_at},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(key, caller, target, issued_at, expires_at):
    return hmac.new(key, _canonical(caller, target, issued_at, expires_at), hashlib.sha256).hexdigest()


def sign(key, caller, target, ttl_seconds, now=None):
    """The ``caller_auth`` value for a call of ``target`` (``service.method``) by ``caller``,
    valid ``ttl_seconds`` (the caller's timeout: a request still queued after it is dropped)."""
    issued_at = int(time.time() if now is None else now)
    expires_at = issued_at + int(ttl_seconds) + 1
    return {"target": target, "iat": issued_at, "exp": expires_at,
            "sig": _mac(key, caller, target, issued_at, expires_at)}


def verify(key, caller, auth, target, now=None):
    """``caller`` if ``auth`` signs it for ``target`` now; else ``Unauthorized`` saying why."""
    if not caller or not isinstance(auth, dict):
        raise Unauthorized("the call's caller is not signed")
    issued_at, expires_at, signature = auth.get("iat"), auth.get("exp"), auth.get("sig")
    if not (isinstance(issued_at, int) and isinstance(expires_at, int) and isinstance(signature, str)):
        raise Unauthorized("the call's caller signature is malformed")
    if auth.get("target") != target:
        raise Unauthorized("the call's caller is signed for another method")
    expected = _mac(key, caller, target, issued_at, expires_at)
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("the call's caller signature does not match")
    now = time.time() if now is None else now
    if now > expires_at + CLOCK_SKEW_SECONDS or issued_at > now + CLOCK_SKEW_SECONDS:
        raise Unauthorized("the call's caller signature has expired")
    return caller
