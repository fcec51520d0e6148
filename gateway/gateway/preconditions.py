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
record (its 201) is no write of it. The gateway's own writes of a tagged record (an API key's edit,
a user's: ``own_guarded``) are compared the same way, in ``access.authorize``.

The check is made when the write is carried out, not on a replay of its ``Idempotency-Key`` (the
first answer is answered again, as the key promises, though the write itself changed the tag), and
a 412 releases the key. It is part of the write, not only a read before it (the gateway read the
record, compared, then wrote: a write landing between the two was lost, found by h6): the read
tells the revision its answer stands for (``revision_flag``: the service answers ``{result,
revision}``, ``estate_common.store.revision_seen``) and the write names it (``if_revision``), so
the service's store writes the record only at that revision (``estate_common.writes.conditional``:
the revision in the update's filter, one update) and answers 412 otherwise, which the gateway
answers with the record's tag now. Where no one revision is told (a read of a gateway's own, a
service from before, a step whose record is not the call's ``id``: ``unconditional``), the read's
comparison alone stands.

``If-None-Match`` on such a write is evaluated the same way, after ``If-Match`` (RFC 9110 13.2.2): a 412
with the record's tag when ``*`` and the record is there, or when a tag it names is the record's now
(weakly compared), and the write, carried out otherwise, names the revision of the read it was compared
with (it was ignored: found by r6). A record that is not there has no current representation:
``If-Match``, ``*`` too, is a 412 (RFC 9110 13.1.1), not the read's 404; ``If-None-Match`` holds there
and the write answers its own 404. A write of a resource whose read answers no ``ETag`` (settings,
budgets, emergency plans, a create's collection, the gateway's own accounts and keys: every other
write whose caller is identified, ``untagged``) has no tag an ``If-Match`` could name: one naming
tags is a 412 without a write (the condition is false: RFC 9110 13.1.1 has the origin server
evaluate it, never ignore it), ``*`` passes (the resource is there; a named item that is not
answers the write's own 404). ``If-None-Match: *`` on a ``PUT`` (create only if absent, RFC 9110
13.1.2) is a 412: each ``PUT`` of this API sets a resource that is always there (settings answer
their defaults, each incident type's emergency plan is shown, the default one until the estate's)
or that the gateway cannot tell absent (a month's budget), so none is carried out over what is there."""
import functools
import logging

from flask import current_app, g, request
from werkzeug.exceptions import PreconditionFailed

from estate_common.errors import DomainError, NotFound
from estate_common.errors import PreconditionFailed as Moved

from . import etags
from .access import openapi_path

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# the estate's own URL: every path lies under it, so a POST right under it (a billing run, a vehicle's
# exit, a restatement) is work in the estate, not a step of the estate record: its tag is no copy of
# what the POST changes (an edit of the estate's name made a billing run a 412: found by r9 reviewing h9)
ESTATE = "/api/v1/estates/{estate_id}"
log = logging.getLogger("gateway")


class Stale(PreconditionFailed):
    """412, with the record's tag now (the client reads the record again, or compares)."""

    def __init__(self, tag, description="the record changed since the copy whose ETag was sent in If-Match: read it again"):
        super().__init__(description)
        self.tag = tag

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), *([("ETag", f'"{self.tag}"')] if self.tag else [])]


NO_RECORD = "there is no such record: an If-Match (* too) names a current copy of it (RFC 9110 13.1.1)"
NO_TAG = "this resource answers no ETag: an If-Match naming a tag cannot match it (only * can); send the write without it"
NONE_MATCHED = ("the record is a copy your If-None-Match names (* names any copy there is): nothing written "
                "(RFC 9110 13.1.2)")
NOT_ABSENT = ("If-None-Match: * asks to create what is absent, and a PUT here sets what is always there (or cannot be "
              "told absent): send it without If-None-Match")


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
    return guarded | own_guarded(paths, routes)


def own_guarded(paths, routes):
    """The gateway's own writes of a tagged record (an API key's edit and revocation, a user's edit and
    password reset), by the rule above (no create): their ``If-Match`` is compared with the record's
    read before the write (``untagged``), where it was answered as a write of an untagged resource."""
    tagged = etags.item_paths(paths)
    forwarded = {(route.method.lower(), openapi_path(route.path)) for route in routes}
    return {(method, template) for template, operations in paths.items() for method, operation in operations.items()
            if method.upper() in WRITES and (method, template) not in forwarded and isinstance(operation, dict)
            and "201" not in operation.get("responses", {}) and record_of(method.upper(), template, tagged)}


@functools.lru_cache(maxsize=1)
def _own_guarded():
    from estate_common import contracts
    from .routes import ROUTES
    return own_guarded(contracts.load().openapi["paths"], ROUTES)


@functools.lru_cache(maxsize=1)
def _guarded():
    from estate_common import contracts
    return guarded_writes(contracts.load().openapi["paths"])


def require(route):
    """The context of a write conditional on ``If-Match`` (``{"if_revision": n}``, or ``{}``): raises
    ``Stale`` when the request carries ``If-Match`` and the record it writes is not the copy named, or
    not there; ``{}`` when it carries none or writes no tagged record. ``route`` is the route whose
    call is being made: the record's read, made for the check, checks nothing itself."""
    if route.method not in WRITES or not _conditioned() or request.url_rule is None:
        return {}
    template = openapi_path(request.url_rule.rule)
    if (request.method.lower(), template) not in _guarded():
        return {}
    revision = _compared()
    if revision is None or _record_param(record_of(request.method, template, etags._item_paths())) != route.id_param:
        return {}  # the read's comparison alone (``unconditional``)
    return {"if_revision": revision}


def _conditioned():
    """Whether the write carries a condition on the record (``If-Match``, ``If-None-Match``)."""
    return bool(request.headers.get("If-Match") or request.headers.get("If-None-Match"))


def _compared():
    """The revision the record's read stands for (None when it does not tell), once its tag is found to
    be one ``If-Match`` names and none ``If-None-Match`` names (RFC 9110 13.2.2's order); ``Stale`` when it
    is not, or when an ``If-Match`` meets no record. ``If-None-Match`` on a record not there holds (None:
    the write answers its own 404)."""
    path = request.path if request.method != "POST" else request.path.rsplit("/", 1)[0]
    try:
        body, revision = _read(path)
    except NotFound:
        if request.headers.get("If-Match"):
            raise Stale(None, NO_RECORD) from None
        return None
    tag = etags.tag_of(body)
    if request.headers.get("If-Match") and not request.if_match.contains(tag):  # strong; '*': it exists
        raise Stale(tag)
    if request.headers.get("If-None-Match") and request.if_none_match.contains_weak(tag):  # weak; '*': it exists
        raise Stale(tag, NONE_MATCHED)
    return revision


def moved(error):
    """The 412 of a write the service refused at its revision (``writes.conditional``): a write
    landed after the gateway's read. Answered with the record's tag now, as the read's 412 is."""
    path = request.path if request.method != "POST" else request.path.rsplit("/", 1)[0]
    try:
        body, _ = _read(path)
    except DomainError:
        return Stale(None, error.detail)
    return Stale(etags.tag_of(body))


def untagged():
    """``If-Match`` and ``If-None-Match: *`` on a write of a resource with no ``ETag`` (see above):
    ``Stale`` without a tag when the condition is false; nothing otherwise, nor on a write of a
    tagged record (``require`` evaluates it, after the write's ``Idempotency-Key``)."""
    if request.method not in WRITES or request.url_rule is None or g.get("revision_wanted"):
        return  # (the record's read for an If-Match checks nothing itself)
    write = (request.method.lower(), openapi_path(request.url_rule.rule))
    if write in _own_guarded():
        if _conditioned():
            _compared()  # the gateway's own store: the read's comparison alone (``unconditional``)
        return
    if write in _guarded():
        return
    if request.headers.get("If-Match") and not request.if_match.star_tag:
        raise Stale(None, NO_TAG)
    if request.method == "PUT" and request.if_none_match.star_tag:
        raise Stale(None, NOT_ABSENT)


def _record_param(template):
    """The name of the record's own id in ``template`` (its last path parameter)."""
    return template.rsplit("{", 1)[-1].rstrip("}") if "{" in template else None


def unconditional(paths=None, routes=None):
    """``{(method, template)}`` of the guarded writes checked by the read's comparison alone, not one
    step with the write (the README names them): the gateway's own (its store keeps no revision of an
    account or a key), and those whose record is not the call's ``id`` (a step of an item under it)."""
    if routes is None:
        from .routes import ROUTES as routes
    if paths is None:
        from estate_common import contracts
        paths = contracts.load().openapi["paths"]
    guarded, tagged = guarded_writes(paths, routes), etags.item_paths(paths)
    return own_guarded(paths, routes) | {
        (route.method.lower(), openapi_path(route.path)) for route in routes
        if (route.method.lower(), openapi_path(route.path)) in guarded
        and _record_param(record_of(route.method, openapi_path(route.path), tagged)) != route.id_param}


def _read(path):
    """The bytes the item read at ``path`` answers this caller, and the revision of the record they
    stand for (None when its read does not tell: ``revision_flag``): its view called in this request
    (its roles, its masking; errors raised as that read's: a 404 for a record that is not there), not
    another request's context, whose end would close this request's span and hooks. Its caller is
    the request's, identified once by the write's own check (``access._caller``): a key's call is
    counted once against its limit."""
    app = current_app._get_current_object()
    endpoint, arguments = app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    reads = g.get("reads")
    g.revision_wanted, g.revision_read = True, None
    try:
        return app.make_response(app.view_functions[endpoint](**arguments)).get_data(), g.get("revision_read")
    except DomainError as error:
        # a read that did not answer left nothing maybe done: the write was not sent (its 503 said
        # "it may have been carried out: check before sending it again": found by r9 reviewing h9)
        error.maybe_done = False
        raise
    finally:
        g.reads = reads  # the write's own (problems.py: a lost answer of a write may have been carried out)
        g.revision_wanted, g.revision_read = False, None


def revision_asked(route):
    """Whether this call of ``route`` is the read ``_read`` makes for an ``If-Match`` (it asks the
    service for the revision its answer stands for)."""
    return route.method == "GET" and g.get("revision_wanted", False)


def revision_answered(answer, route=None):
    """The read's result out of ``{result, revision}`` (kept for ``_read``); an answer of a service from
    before ``revision_flag`` is the result itself. A service that knows the flag and tells no revision
    shows its record through a view of its own (neither ``store.public`` nor ``store.shown``): the
    If-Match falls back to the read's comparison, logged so that it is seen, not silent (found by r6)."""
    if isinstance(answer, dict) and set(answer) == {"result", "revision"}:
        revision = answer["revision"]
        g.revision_read = revision if isinstance(revision, int) and not isinstance(revision, bool) else None
        if g.revision_read is None:
            log.warning("the read %s told no revision: this If-Match is compared by the read alone, not one step "
                        "with the write (its view names no stored document: store.shown)",
                        f"{route.service}.{route.rpc}" if route is not None else request.path)
        return answer["result"]
    return answer
