"""Every error leaves the gateway as application/problem+json (RFC 9457)."""
import math

from flask import g, jsonify, request

from estate_common import config, errors as domain_errors
from estate_common.errors import ServiceUnavailable

PROBLEM_BASE = "https://estate-ops.invalid/problems/"


def _titles(error_class):
    found = {error_class.code: error_class.title}
    for subclass in error_class.__subclasses__():
        found.update(_titles(subclass))
    return found


# One title per type (RFC 9457 §3.1.3: it does not change from occurrence to occurrence): a type
# the services' errors answer keeps their title when werkzeug (the routing's 404) or gunicorn (its
# 500) answers it; the routing's read "Not Found" beside a service's "Not found" (an integrator's probe).
TITLES = _titles(domain_errors.DomainError)


def title_of(code, title):
    """The title of type ``code``: the services' errors' own when they have that type, else ``title``."""
    return TITLES.get(code, title)


def problem(status, title, detail="", code=None, errors=None):
    body = {
        "type": PROBLEM_BASE + (code or str(status)),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code or str(status),
        "request_id": getattr(g, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


# a service's payload as a whole: the request's body
WHOLE = {"data": "(body)"}


def outside_field(field):
    """A service names fields of its payload (``data.x``, ``filters.y``, and ``id`` or ``item`` for
    the route's path parameters); the client sent ``x``, ``y`` and ``household_id`` (a bad path
    id was named ``id``: found by review). The payload itself (``data``: ``{}`` where a field is
    needed) is the body, ``(body)`` as the gateway's own routes name it, where the client read
    ``data``, a field it never sent (found by the probe)."""
    if field in WHOLE:
        return WHOLE[field]
    for prefix in ("data.", "filters."):
        if field.startswith(prefix):
            return field[len(prefix):]
    head, dot, rest = field.partition(".")
    named = g.get("path_fields") or {}
    return named[head] + dot + rest if named.get(head) else field


def name_path_fields(id_param, item_param):
    """The path parameters a forwarded route puts into its payload as ``id`` and ``item``."""
    g.path_fields = {"id": id_param, "item": item_param}


def from_domain_error(error):
    errors = [{"field": outside_field(e.get("field", "")), "message": e.get("message", "")}
              for e in (error.errors or []) if isinstance(e, dict)]
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    for prefix in ("data.", "filters."):
        detail = detail.replace(prefix, "")
    for inside, outside in WHOLE.items():
        if detail.startswith(f"{inside}:"):
            detail = outside + detail[len(inside):]
    for inside, outside in (g.get("path_fields") or {}).items():
        if outside and detail.startswith(f"{inside}:"):
            detail = outside + detail[len(inside):]
    if getattr(error, "maybe_done", False) and request.method not in SAFE_METHODS and not g.get("reads"):
        detail = _maybe_done(detail)
    response = problem(error.status, error.title, detail, error.code, errors)
    if error.status == 401:  # RFC 9110: a 401 names how to authenticate (an API key goes in X-API-Key)
        response.headers["WWW-Authenticate"] = 'Bearer realm="estate-ops"'
    retry_after = getattr(error, "retry_after", None) or (unavailable_wait() if error.status == 503 else None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def unavailable_wait():
    """A 503's Retry-After (a service not answering, the broker down): the RPC timeout in whole
    seconds, what the gateway waits for a service before it gives up; it named no wait, where a
    429 and a 409 that passes did (an integrator's probe)."""
    return max(1, math.ceil(config.rpc_timeout()))


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _maybe_done(detail):
    """A write whose request may have reached its service (``ServiceUnavailable.maybe_done``):
    "did not confirm the request" read as if nothing had happened, and a retry without a key
    made a duplicate (a probe). Sent again with its key (``g.keyed``, set by ``idempotency.once``),
    any write answers its first outcome: a create's service derives the record's id from the key,
    and a step on a document finds itself applied there (``estate_common.writes.keyed_call``: the
    step's mark kept in the same write) and answers the document as it is, where a step that
    appends (a new appointment, a quote) was done twice and a state's step answered 409 (a
    review). Without a key it is looked at first."""
    if g.get("keyed"):
        return ServiceUnavailable(
            f"{detail}: it may have been carried out: send it again with the same Idempotency-Key").detail
    return ServiceUnavailable(f"{detail}: it may have been carried out: check before sending it again").detail
