"""Which secrets a process may start with: the one place for the rule.

A process refuses to start (``InsecureSecret``) rather than run with a secret an
attacker can guess: missing, too short, a placeholder (``CHANGE-ME``), or a value
that was ever committed to this repository (compose defaults, the dev overlay's
literals: anyone with a clone can sign tokens with those). The broker's built-in
``guest:guest`` is for local development only: refused unless the broker is on
the loopback interface, where RabbitMQ itself admits guest.

Checked by the gateway (``gateway.app.create_app``) and by every service before
nameko starts (``estate_common.serve``).
"""
import ipaddress
import os
import re
from urllib.parse import unquote, urlsplit

from . import config
from .guessable import guessable

JWT_SECRET_MIN_BYTES = 32
ADMIN_PASSWORD_MIN_CHARS = 12

# Compared after lower-casing and dropping everything but letters and digits, so
# "CHANGE-ME", "change_me" and "Change Me" are one placeholder.
PLACEHOLDERS = frozenset({
    "changeme", "changeit", "changethis", "secret", "password", "passw0rd", "admin", "guest", "test",
    "default", "example", "todo", "fixme", "xxx", "none", "null", "dev", "local",
})

# Values committed to this repository at some point (git history keeps them public).
# Extend this list whenever a sample value is committed anywhere (docs, examples).
PUBLISHED = frozenset({
    "local-dev-only-jwt-secret-do-not-use-elsewhere",   # docker-compose.yml default (JWT_SECRET)
    "dev-only-jwt-secret-not-for-production",           # deploy/k8s/overlays/dev literal (JWT_SECRET)
    "dev-only-admin-password",                          # deploy/k8s/overlays/dev literal (admin)
    "estate-local-only",                                # docker-compose.yml default (RabbitMQ)
    "estate-dev-only",                                  # deploy/k8s/overlays/dev literal (RabbitMQ)
    "GX1n043OaUJYDUhE0nclZldV6ENGPIU5nney-sv8zP3jVYvz",  # deploy/k8s/overlays/dev literal (BUS_SIGNING_KEY)
    "choose-a-long-one",                                # README's make run example (admin)
    "a-new-long-password",                              # README's make admin-reset example (admin)
})


class InsecureSecret(RuntimeError):
    """A secret that must not be used; the message names the variable, never the value."""


def _normalized(value):
    return re.sub(r"[^a-z0-9]", "", value.lower())


def weakness(value, min_length, unit="characters"):
    """Why ``value`` is not acceptable as a secret, or None when it is."""
    if not value:
        return "is missing"
    size = len(value.encode()) if unit == "bytes" else len(value)
    if size < min_length:
        return f"must be at least {min_length} {unit}"
    normalized = _normalized(value)
    if normalized in PLACEHOLDERS or "changeme" in normalized:
        return "is a placeholder"
    if value in PUBLISHED:
        return "is published in the estate-ops repository"
    return None


def _refuse(name, reason, hint):
    raise InsecureSecret(f"{name} {reason}: {hint}")


def check_jwt_secret(value):
    reason = weakness(value, JWT_SECRET_MIN_BYTES, "bytes")
    if reason:
        _refuse("JWT_SECRET", reason, "use at least 32 random bytes, e.g. "
                "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`")


def check_admin_password(value):
    """As ``weakness``, and none of what a guess tries first (``guessable``: "P@ssw0rd-2026" started
    the operator admin while the API refused it to everyone else; found by review)."""
    reason = weakness(value, ADMIN_PASSWORD_MIN_CHARS) or guessable(value)
    if reason:
        _refuse("ESTATE_ADMIN_PASSWORD", reason,
                "it is the first password of the operator admin 'admin'; choose 12 characters or more")


def is_loopback(host):
    if not host or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_amqp_uri(uri):
    """Broker credentials: anything goes on loopback (local development, the test suite);
    elsewhere neither ``guest:guest`` nor a placeholder or published password."""
    if not uri:
        _refuse("AMQP_URI", "is missing", "set it to the broker's amqp:// or amqps:// address")
    parts = urlsplit(uri)
    if is_loopback(parts.hostname):
        return
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if (user or "guest") == "guest" and (password or "guest") == "guest":
        _refuse("AMQP_URI", "uses RabbitMQ's guest:guest on a non-local broker",
                "create a broker user for estate-ops")
    reason = weakness(password, 1)
    if reason:
        _refuse("AMQP_URI", f"password {reason}", "give the broker user a password of its own")


def check_store():
    """``ESTATE_STORE=mongodb`` (compose and the Kubernetes ConfigMap set it) says this process
    must run on MongoDB: an empty ``MONGO_URI`` is then refused. A blank value in the Secret
    (an empty line of an env file) ran every replica on an embedded store of its own, which
    keeps nothing across a restart, while every probe passed (found by a deploy review)."""
    required = (os.environ.get("ESTATE_STORE") or "").strip()
    if required not in ("", "mongodb"):
        _refuse("ESTATE_STORE", "is not mongodb", "set it to mongodb, or leave it unset to let MONGO_URI decide")
    if required == "mongodb" and not config.mongo_uri().strip():
        _refuse("MONGO_URI", "is empty while ESTATE_STORE=mongodb",
                "set it to the MongoDB URI (the Secret's MONGO_URI key), or unset ESTATE_STORE to run in memory")


def check_gateway(settings):
    """Every secret the gateway reads (``settings`` as ``gateway.app`` builds them)."""
    check_jwt_secret(settings.get("jwt_secret"))
    check_admin_password(settings.get("admin_password"))
    check_amqp_uri(settings.get("amqp_uri"))
    check_store()


def check_service(amqp_uri):
    """The secrets a nameko service reads: its broker credentials and its store's."""
    check_amqp_uri(amqp_uri)
    check_store()
