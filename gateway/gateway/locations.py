"""``Location`` on a 201: the URL, under /api/v1, of the resource the create made (RFC 9110 15.3.2;
an integrator's follow-ups: the created resource was the body alone).

One rule, read from the served document's paths, which both the document's declaration
(``docs._declare_gateway_headers``) and the answer (``located``, the app's ``after_request``) use:
the new resource of ``POST <collection>`` is ``<collection>/{<its id>}`` when the document has a
``GET`` there, filled from the path's own parameters and the answer's ``id``; ``ELSEWHERE`` names
the creates whose resource is read at another path (the owner portal's filing; a record made under
what it concerns and listed by the estate: an invoice of a payment, a vacant-unit inspection of a
household…, read at that list's item path). A create whose resource has no URL to read
(an owner transfer, a return visit, a utility top-up…: no list names them) answers none: a
``Location`` a client could not follow would tell it less than none. A replay of a create
(``Idempotent-Replayed``) answers the first body, so the same ``Location``."""
import functools
import re
from urllib.parse import quote

from flask import jsonify, request

from estate_common import contracts

from .access import openapi_path

# a create whose new resource is read at another path: (its item path, the answer's field naming it)
ELSEWHERE = {
    # the owner portal's filing is followed by its tracking code, not by the request's id
    "/api/v1/public/estates/{estate_code}/requests": ("/api/v1/public/requests/{tracking_code}", "tracking_code"),
    # made under what they concern, listed (and so read) by the estate: the list's own item path
    "/api/v1/estates/{estate_id}/payments/{payment_id}/invoices": ("/api/v1/estates/{estate_id}/invoices/{invoice_id}", "id"),
    "/api/v1/estates/{estate_id}/utilities/top-ups": ("/api/v1/estates/{estate_id}/utilities/moves/{move_id}", "id"),
    "/api/v1/estates/{estate_id}/utilities/usages": ("/api/v1/estates/{estate_id}/utilities/moves/{move_id}", "id"),
    "/api/v1/estates/{estate_id}/maintenance-fund/deposits": (
        "/api/v1/estates/{estate_id}/maintenance-fund/entries/{entry_id}", "id"),
    "/api/v1/estates/{estate_id}/maintenance-fund/uses": (
        "/api/v1/estates/{estate_id}/maintenance-fund/entries/{entry_id}", "id"),
    "/api/v1/estates/{estate_id}/households/{household_id}/vacant-inspections": (
        "/api/v1/estates/{estate_id}/vacant-inspections/{inspection_id}", "id"),
    "/api/v1/estates/{estate_id}/households/{household_id}/handovers": (
        "/api/v1/estates/{estate_id}/handovers/{handover_id}", "id"),
    # an opening balance carried over is a bill of the household's month
    "/api/v1/estates/{estate_id}/opening-balances": ("/api/v1/estates/{estate_id}/bills/{bill_id}", "id"),
    # an opening credit (期初预收) is a payment record of its own kind
    "/api/v1/estates/{estate_id}/opening-credits": ("/api/v1/estates/{estate_id}/payments/{payment_id}", "id"),
}
PARAMETER = re.compile(r"\{([^{}]+)\}")


def item_of(paths, collection):
    """``(item path, answer field)`` of what ``POST collection`` makes, or None (no URL to read)."""
    if collection in ELSEWHERE:
        return ELSEWHERE[collection]
    depth = collection.count("/") + 1
    items = [path for path, operations in paths.items()
             if path.startswith(collection + "/{") and path.count("/") == depth and path.endswith("}")
             and "get" in operations]
    return (items[0], "id") if len(items) == 1 else None


def table(paths):
    """``{collection: (item path, answer field)}`` of every create (``POST`` answering 201) of
    ``paths`` whose new resource has a URL to read (``item_of``)."""
    return {collection: item for collection, operations in paths.items()
            if "201" in operations.get("post", {}).get("responses", {})
            and (item := item_of(paths, collection)) is not None}


@functools.lru_cache(maxsize=1)
def _table():
    """``table`` of the contract's paths (those the served document holds)."""
    return table(contracts.load().openapi["paths"])


def answer(body):
    """``jsonify(body)``, remembering ``body``: ``located`` reads its id from it instead of decoding
    the JSON just encoded (a create's answer, about 1 kB, was decoded again for it)."""
    response = jsonify(body)
    response.answered = body
    return response


def located(response):
    """``response`` with its ``Location`` when it is a 201 of a create whose resource has a URL."""
    if response.status_code != 201:
        return response
    current = request._get_current_object()  # one lookup (werkzeug's LocalProxy)
    if current.url_rule is None or not response.is_json:
        return response
    item = _table().get(openapi_path(current.url_rule.rule))
    if item is None:
        return response
    body = getattr(response, "answered", None)
    if body is None:  # an answer made elsewhere (jsonify, a view's own)
        body = response.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(item[1]), str):
        return response
    template, field = item
    values = {**(current.view_args or {}), PARAMETER.findall(template)[-1]: body[field]}
    response.headers["Location"] = PARAMETER.sub(lambda name: quote(str(values[name.group(1)]), safe=""), template)
    return response
