"""A strong ``ETag`` on an item read, and a 304 to ``If-None-Match`` with it (RFC 9110 8.8.3,
13.1.2; an integrator's follow-ups: a client polling a record it created read the whole of it at
each poll, with nothing to ask "changed?" by).

An item read is the ``GET`` of a created record's own URL (``locations.table``: the one rule that
gives a create its ``Location`` says which reads they are, so each new item read is tagged the
day it is declared). The tag is the SHA-256 of the bytes answered (the record as this caller sees
it, personal data masked by role), so two answers with the same tag are the same bytes: strong.
A list is no item read (a page changes with each of its records; a mirror reads
``?updated_since=``). The served document declares both (``docs``: ``components/headers/ETag``,
``components/responses/NotModified``, ``components/parameters/IfNoneMatch``).

HEAD answers what GET would, its tag and 304 too (RFC 9110 9.3.2; masked as GET: the route's
method). The answer is ``private, no-cache`` and varies by both credentials (``VARY``): the record
is as one caller sees it, and an API key travels in ``X-API-Key``, which a shared cache does not
take for credentials (RFC 9111 3.5 names Authorization alone), so none may keep it for another
caller, and a caller's own cache asks with the tag each time; a 304 keeps both (RFC 9110 15.4.5).
``If-None-Match`` is compared weakly, a list or ``*`` too (RFC 9110 13.1.2); ``If-Match`` on a
read is not evaluated (a 412 the document does not declare)."""
import functools
import hashlib

from flask import request

from estate_common import contracts

from . import locations
from .access import openapi_path


# an item read is the record as this caller sees it: no shared cache keeps it, a cache asks each time
CACHE_CONTROL = "private, no-cache"
VARY = ("Authorization", "X-API-Key")


# records a service makes itself (no create of this API makes them) that a client follows by
# polling their own URL: a repair's work order, which an owner app reads for its appointment and
# completion beside the request it filed (untagged, it was read whole at each poll: the probe)
MADE_BY_SERVICES = ("/api/v1/estates/{estate_id}/work-orders/{work_order_id}",)


def item_paths(paths):
    """The item paths (OpenAPI templates) of ``paths`` whose ``GET`` is tagged: each create's
    record's own URL (``locations.table``), read by its id, and ``MADE_BY_SERVICES``."""
    return frozenset(item for item, field in locations.table(paths).values() if field == "id") \
        | frozenset(path for path in MADE_BY_SERVICES if "get" in paths.get(path, {}))


@functools.lru_cache(maxsize=1)
def _item_paths():
    return item_paths(contracts.load().openapi["paths"])


def tag_of(body):
    """The strong tag of an item read's bytes (the one rule: the read's ``ETag`` and the check of a
    write's ``If-Match``, ``preconditions``, compare this)."""
    return hashlib.sha256(body).hexdigest()


def tagged(response):
    """``response`` with its strong ETag when it is a 200 JSON item read, made a 304 without a body
    when the request's ``If-None-Match`` names that tag."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or request.url_rule is None or not response.is_json:
        return response
    if openapi_path(request.url_rule.rule) not in _item_paths():
        return response
    tag = tag_of(response.get_data())
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.update(VARY)
    if request.if_none_match.contains_weak(tag):
        response.status_code = 304  # werkzeug sends no body and no entity headers with it
    return response
