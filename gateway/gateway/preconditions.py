"""``If-Match`` on a write of a record whose read answers an ``ETag`` (RFC 9110 13.1.1; an
integrator's probe, h9: a household's ``PATCH`` sent with a stale ``If-Match`` was written, 200,
the header ignored, so the lost update the client guarded against happened silently).

A write of a record is the ``PATCH``, ``PUT`` or ``DELETE`` of its own URL, or a step ``POST``ed
under it (``…/service-requests/{id}/reply``) by the service that answers its read, not one right
under the estate's URL (``ESTATE``), where that URL's ``GET`` is tagged (``etags``). Sent
with ``If-Match``, the gateway reads the record as the caller would (the item read's own view, its
roles and masking: the very bytes whose SHA-256 its ``ETag`` is) and answers 412
``precondition_failed`` with the record's tag now when none of the tags sent is it; ``*`` passes
while the record exists. Tags compare strongly (a ``W/`` tag never matches). A create under a
record (its 201) is no write of it, and the gateway's own routes (accounts, keys) take no
``If-Match``: neither evaluates it.

The check is made when the write is carried out, not on a replay of its ``Idempotency-Key`` (the
first answer is answered again, as the key promises, though the write itself changed the tag), and
a 412 releases the key. It is the gateway's read just before the write, not one atomic step with
it: a write landing between the two is not seen. Where that matters the record's own guard is
atomic (a household's ``version``: an older one is a 409)."""
import functools

from flask import current_app, g, request
from werkzeug.exceptions import PreconditionFailed

from estate_common.errors import DomainError

from . import etags
from .access import openapi_path

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# the estate's own URL: every path lies under it, so a POST right under it (a billing run, a vehicle's
# exit, a restatement) is work in the estate, not a step of the estate record: its tag is no copy of
# what the POST changes (an edit of the estate's name made a billing run a 412: found by r9 reviewing h9)
ESTATE = "/api/v1/estates/{estate_id}"


class Stale(PreconditionFailed):
    """412, with the record's tag now (the client reads the record again, or compares)."""

    def __init__(self, tag):
        super().__init__("the record changed since the copy whose ETag was sent in If-Match: read it again")
        self.tag = tag

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("ETag", f'"{self.tag}"')]


def record_of(method, template, tagged):
    """The item path (OpenAPI template) a write of ``template`` writes, when its ``GET`` is tagged;
    None when it is no write of a tagged record."""
    if method not in WRITES:
        return None
    if method != "POST" and template in tagged:
        return template
    parent = template.rsplit("/", 1)[0]
    if method == "POST" and parent in tagged and parent != ESTATE:
        return parent
    return None


def guarded_writes(paths, routes=None):
    """``{(method, template)}`` (method in lower case) of the forwarded writes that evaluate
    ``If-Match``: each a write of a tagged record (``record_of``) that creates nothing (no 201, no
    POST to a path with items under it), by the service that answers the record's read."""
    if routes is None:
        from .routes import ROUTES as routes
    tagged = etags.item_paths(paths)
    read_by = {openapi_path(route.path): route.service for route in routes if route.method == "GET"}
    with_items = {path[:at] for path in paths for at in range(len(path)) if path.startswith("/{", at)}
    guarded = set()
    for route in routes:
        template = openapi_path(route.path)
        record = record_of(route.method, template, tagged)
        # a step another service carries out under the record (a household's exit refund, finance's,
        # under archive's household) writes none of what the record's read answers: its tag is no
        # copy of what the step changes (found by r9 reviewing h9)
        # and a POST to a path with items under it (an activity's ``signups``, ``…/signups/{signup_id}``)
        # makes one of them, a create though answered 200: the record's tag moved with each other's
        # (a neighbour's sign-up), and the record's rules (its places) guard it (found by r9 reviewing h9)
        makes_items = route.method == "POST" and template in with_items
        if route.status != 201 and not makes_items and record is not None \
                and read_by.get(record, route.service) == route.service:
            guarded.add((route.method.lower(), template))
    return guarded


@functools.lru_cache(maxsize=1)
def _guarded():
    from estate_common import contracts
    return guarded_writes(contracts.load().openapi["paths"])


def require(method):
    """Raise ``Stale`` when the request carries ``If-Match`` and the record it writes is not the
    copy named; nothing when it carries none or writes no tagged record. ``method`` is the route's
    whose call is being made: the record's read, made for the check, checks nothing itself."""
    if method not in WRITES or not request.headers.get("If-Match") or request.url_rule is None:
        return
    template = openapi_path(request.url_rule.rule)
    if (request.method.lower(), template) not in _guarded():
        return
    path = request.path if request.method != "POST" else request.path.rsplit("/", 1)[0]
    tag = etags.tag_of(_read(path))
    if not request.if_match.contains(tag):  # strong comparison; '*' matches a record that exists
        raise Stale(tag)


def _read(path):
    """The bytes the item read at ``path`` answers this caller: its view called in this request (its
    roles, its masking; errors raised as that read's: a 404 for a record that is not there), not
    another request's context, whose end would close this request's span and hooks. Its caller is
    the request's, identified once by the write's own check (``access._caller``): a key's call is
    counted once against its limit."""
    app = current_app._get_current_object()
    endpoint, arguments = app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    reads = g.get("reads")
    try:
        return app.make_response(app.view_functions[endpoint](**arguments)).get_data()
    except DomainError as error:
        # a read that did not answer left nothing maybe done: the write was not sent (its 503 said
        # "it may have been carried out: check before sending it again": found by r9 reviewing h9)
        error.maybe_done = False
        raise
    finally:
        g.reads = reads  # the write's own (problems.py: a lost answer of a write may have been carried out)
