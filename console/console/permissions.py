"""What the signed-in user's roles may do, as the gateway says: the ``x-roles`` the gateway
names on each operation of its OpenAPI document (``GET /api/v1/openapi.json``, from the policy
table it enforces). A screen offers a form or a link only to a user who may send it, so the
front desk is no longer offered the engineer's steps, each of them a 403; the console keeps no
copy of the table that could drift.

The document is asked for once per ``REFRESH_SECONDS`` per process, with the ETag of the one read
(``If-None-Match``): about 1 MB, 140 kB gzipped (requests asks for gzip), read again only when the gateway's changed (a 304 else). An
operation it does not name, or a document the gateway could not give, is offered: the gateway
decides in the end.
"""
import functools
import re
import time

from flask import current_app, g

from . import signin
from .gateway_api import ApiProblem
from .menu import MANAGEMENT

DOCUMENT = "/api/v1/openapi.json"
REFRESH_SECONDS = 300
RETRY_SECONDS = 30
ESTATE_PREFIX = "/api/v1/estates/{estate_id}/"


def document():
    """The gateway's OpenAPI document (``{}`` when it could not be read just now)."""
    return _read()["document"]


def enum(schema):
    """The values of the document's schema ``schema`` (``components.schemas``), as the API
    takes them: a list that offers them offers a value the API adds with no change here (empty
    when the document could not be read just now)."""
    schemas = (document().get("components") or {}).get("schemas") or {}
    return list((schemas.get(schema) or {}).get("enum") or [])


def body_properties(method, path):
    """The properties of the JSON body the document gives ``method path`` (an OpenAPI path), its
    ``$ref`` followed: each field's bounds as the API checks them (``{}`` when it names none, or the
    document could not be read just now)."""
    operation = ((document().get("paths") or {}).get(path) or {}).get(method.lower()) or {}
    schema = (((operation.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get(
        "schema") or {}
    reference = schema.get("$ref", "")
    if reference.startswith("#/components/schemas/"):
        schema = ((document().get("components") or {}).get("schemas") or {}).get(
            reference.removeprefix("#/components/schemas/")) or {}
    return dict(schema.get("properties") or {})


def _read():
    """The cached document and its roles; read again after ``REFRESH_SECONDS``, or
    ``RETRY_SECONDS`` after the gateway could not give it (not again at every ``may`` of a page)."""
    cache = current_app.extensions.setdefault("console_openapi", {"at": None, "document": None, "roles": {},
                                                                  "starts_work": frozenset(), "failed": False})
    now = time.monotonic()
    wait = RETRY_SECONDS if cache["failed"] else REFRESH_SECONDS
    if cache["at"] is None or now - cache["at"] > wait:
        cache["at"] = now
        try:
            fresh, etag = g.api.get_unless_unchanged(DOCUMENT, cache.get("etag") if cache["document"] else None)
        except ApiProblem:
            cache["failed"] = True
        else:
            if fresh is not None:  # None: unchanged since the one kept (304)
                cache.update(document=fresh, roles=_roles_table(fresh), starts_work=_starts_work_table(fresh))
            cache.update(etag=etag, failed=False)
    if cache["document"] is None:
        return {"document": {}, "roles": {}, "starts_work": frozenset()}
    return cache


def _roles_table(fresh):
    found = {}
    for path, operations in (fresh.get("paths") or {}).items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "x-roles" in operation:
                found[(method.upper(), _shape(path))] = frozenset(operation["x-roles"])
    return found


def _starts_work_table(fresh):
    """The operations the gateway marks ``x-starts-work``: new work, refused in a retired estate."""
    return frozenset((method.upper(), _shape(path)) for path, operations in (fresh.get("paths") or {}).items()
                     for method, operation in operations.items()
                     if isinstance(operation, dict) and operation.get("x-starts-work"))


@functools.lru_cache(maxsize=4096)
def _shape(path):
    """A path with every parameter alike (``{}``): the console names a row's id as it likes. Kept
    per path: the roles table shapes each of the document's paths at every read of it, and ``may``
    the same few paths on every page (half of a read's CPU was this substitution)."""
    return re.sub(r"\{[^}/]*\}", "{}", path)


def may(method, path, roles=None):
    """Whether the user's ``roles`` (the signed-in user's by default) may call ``method path``:
    an OpenAPI path, where one under an estate may leave out ``/api/v1/estates/{estate_id}/``,
    and a parameter may have any name (``may("POST", "work-orders/{id}/assign")``). Not what
    starts new work (``x-starts-work``) while the chosen estate is retired (``signin.retired_at``):
    the gateway refuses it with a 409, once the form was typed; what closes out its past stays."""
    full = path if path.startswith("/api/") else ESTATE_PREFIX + path
    shape, table = (method.upper(), _shape(full)), _read()
    if shape in table["starts_work"] and signin.retired_at():
        return False
    allowed = table["roles"].get(shape)
    if allowed is None:
        return True
    user_roles = roles if roles is not None else (g.user.roles if getattr(g, "user", None) else ())
    return bool(allowed & set(user_roles))


def approves(proposed_by, user=None, roles=None):
    """Four eyes, as the services hold it (``estate_common.roles.require_another_approver``): what
    someone proposed is approved by someone else, save by the operator admin. The signed-in user
    by default; a step the API would refuse with a 403 is not offered. Restated, not imported:
    the console's image takes two modules of estate_common only (console/Dockerfile)."""
    user, roles = _who(user, roles)
    return not (user and proposed_by == user and "operator_admin" not in roles)


def withdraws(proposed_by, user=None, roles=None):
    """Whether the signed-in user (by default) may turn down a pending proposal: management any
    (as it approves), anyone else only one they proposed, as finance holds it for fee standards
    (``finance.standards.require_may_reject``: the accountant was offered to reject another's,
    and met the 403, a probe). Restated, not imported, as ``approves``."""
    user, roles = _who(user, roles)
    return bool(MANAGEMENT & set(roles)) or bool(user and proposed_by == user)


def _who(user, roles):
    """``(user, roles)`` as given, or the signed-in user's when no user is given (none signed in:
    no one, no role)."""
    if user is None:
        signed_in = getattr(g, "user", None)
        user, roles = (signed_in.username, signed_in.roles) if signed_in else ("", ())
    return user, roles or ()
