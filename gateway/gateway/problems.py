"""Every error leaves the gateway as application/problem+json (RFC 9457)."""
from flask import g, jsonify

PROBLEM_BASE = "https://estate-ops.invalid/problems/"


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


def outside_field(field):
    """A service names fields of its payload (``data.x``, ``filters.y``); the client sent ``x``, ``y``."""
    for prefix in ("data.", "filters."):
        if field.startswith(prefix):
            return field[len(prefix):]
    return field


def from_domain_error(error):
    errors = [{"field": outside_field(e.get("field", "")), "message": e.get("message", "")}
              for e in (error.errors or []) if isinstance(e, dict)]
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    for prefix in ("data.", "filters."):
        detail = detail.replace(prefix, "")
    return problem(error.status, error.title, detail, error.code, errors)
