"""Webhook secrets at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, ``cryptography``)
under ``WEBHOOK_SECRETS_KEY``, so that a copy of the database (a backup, a dump) does not let
anyone sign deliveries; the service opens a secret only to sign an attempt.

``WEBHOOK_SECRETS_KEY`` is one or more comma-separated keys of at least 32 random characters
(``secrets.token_urlsafe(32)``); each is stretched to a Fernet key with SHA-256. The first seals,
all open: to rotate, put the new key first, keep the old one until every subscription has been
re-created or patched, then drop it. The service refuses to start without a key
(``check_key``); ``make run`` and the suite generate one per run.
"""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from estate_common import config, secrets_policy

KEY_VARIABLE = "WEBHOOK_SECRETS_KEY"
MIN_KEY_CHARS = 32


class Unsealable(RuntimeError):
    """A sealed secret that no configured key opens (the key was changed without rotation)."""


def _fernet(key):
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def keys(value=None):
    value = config.env(KEY_VARIABLE) if value is None else value
    return [k.strip() for k in (value or "").split(",") if k.strip()]


def check_key(value=None):
    """Refuse (``InsecureSecret``, naming the variable, never the value) a missing, short,
    placeholder or published key."""
    found = keys(value) or [""]
    for key in found:
        reason = secrets_policy.weakness(key, MIN_KEY_CHARS)
        if reason:
            raise secrets_policy.InsecureSecret(
                f"{KEY_VARIABLE} {reason}: use at least 32 random characters, e.g. "
                "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")


def _box(value=None):
    check_key(value)
    return MultiFernet([_fernet(k) for k in keys(value)])


def seal(secret, key=None):
    return _box(key).encrypt(secret.encode()).decode()


def open_sealed(sealed, key=None):
    try:
        return _box(key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise Unsealable(f"no key in {KEY_VARIABLE} opens this webhook's secret") from None
