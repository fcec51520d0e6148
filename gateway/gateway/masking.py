"""Personal data masked by role on the way out: ``estate_common.personal_data`` applied to
every answer of a forwarded route.

Why here. Every answer a person sees leaves through the gateway's forwarding view (the
console is a client of the public API, and only the gateway can call a service: the bus
refuses an unsigned caller), so one place here covers every service, every route and
idempotent replays, and a service cannot forget it. Which fields to mask is read from the
contract, not listed again: the response schema of the route (``openapi.yaml``) marks them
``x-personal-data: <kind>``, so a new route returning a household is masked the day it is
declared. The walk of the schema is done once per route; an answer is then masked by
following a few fixed paths.
"""
import functools

from estate_common import contracts, personal_data

from . import access

MARK = "x-personal-data"
EACH = None  # a path step into every element of an array


def for_caller(method, rule, status, body, roles, user=None):
    """``body`` (an answer of ``method rule`` with ``status``) with the personal data that
    ``user`` with ``roles`` may not see masked; changed in place and returned."""
    for path, kind in plan(method, rule, status):
        if not personal_data.sees_in_full(kind, roles):
            # the table said no already: what is left is the record naming the caller as its own
            _mask(body, path, kind, lambda record, kind=kind: personal_data.owns(kind, roles, user, record))
    return body


@functools.lru_cache(maxsize=None)
def plan(method, rule, status):
    """``((path, kind), ...)``: where the answer of a route carries personal data."""
    loaded = contracts.load()
    ref = loaded.response_schema_ref(access.openapi_path(rule), method, status, "application/json")
    if ref is None:
        return ()
    found = {}
    _walk(loaded.validator(ref).schema, (), found)
    return tuple(found.items())


def _walk(schema, path, found, depth=0):
    if not isinstance(schema, dict) or depth > 40:
        return
    if MARK in schema:
        found[path] = schema[MARK]
    for name, sub in (schema.get("properties") or {}).items():
        _walk(sub, path + (name,), found, depth + 1)
    if isinstance(schema.get("items"), dict):
        _walk(schema["items"], path + (EACH,), found, depth + 1)
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator) or ():
            _walk(sub, path, found, depth + 1)


def _mask(value, path, kind, spared, record=None):
    """Mask ``kind`` at ``path`` below ``value`` unless ``spared(record)``, where ``record`` is the
    nearest object on the way that names its user (``personal_data.owner_fields``): a work
    order, for the occupant in its ``consent`` and its ``signed_by``."""
    if isinstance(value, dict) and personal_data.owner_fields(kind) & value.keys():
        record = value
    step, rest = path[0], path[1:]
    if step is EACH:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if rest:
                    _mask(item, rest, kind, spared, record)
                elif not spared(record):
                    value[index] = personal_data.masked(kind, item)
    elif isinstance(value, dict) and step in value:
        if rest:
            _mask(value[step], rest, kind, spared, record)
        elif not spared(record):
            value[step] = personal_data.masked(kind, value[step])
