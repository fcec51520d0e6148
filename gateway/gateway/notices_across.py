"""防台通知 to several estates at once: ``POST /api/v1/notices {estate_ids, title, body, until?,
expected_restoration_at?}`` publishes one notice in each estate named, as that estate's own notice
(its own id, its ``notice_published`` from customer service's outbox, its board), where the operator
admin published a typhoon warning estate by estate (h5's probe of three estates).

Who: the operator admin, or a manager of every estate named (``policy.MANAGEMENT``; each estate is
checked as an estate route checks it, ``access.authorize``, before anything is published: one outside
the caller's scope is a 403, an estate that does not exist a 404, a retired one a 409, and none is
published). The body is held to its contract (``NoticeAcrossEstatesCreate``) first too.

Once per estate: an ``Idempotency-Key`` is required (a 400 without one). Each estate's notice is
created under it (customer service derives the notice's id from the caller, the key and the estate,
``Caller.created_id``), so a retry finds each estate's first notice and publishes none twice. The
key is passed on as this route's (``service_key``): a key's record is the route's, and the key the
client sent to an estate's own ``…/notices`` before would find that notice (停水) and answer it as
the warning published there. The estates are asked in parallel; the answer names each estate's
outcome:

- every estate published: 201 ``{notices, failed: []}``, kept under the key (a replay answers it);
- some published, some not (a service down, an estate's own rule: its ``notice_shown_max_days``):
  207 ``{notices, failed: [{estate_id, status, code, detail, errors}]}``, never a silent partial
  write. The key's record is held with its body's digest (``idempotency.hold``): the same request
  sent again publishes in the estates that failed and answers the others' first notices (none
  twice); another body under the key is a 422 (it would have answered the others' first notices
  beside notices of the new body);
- none published: the first estate's refusal, as that estate's route would answer it.
"""
import logging
from functools import partial

from flask import current_app, g, jsonify, request

from estate_common import ids
from estate_common.errors import DomainError, InvalidInput, field_error

from . import idempotency, policy, problems, requests_in
from .access import authorize, authorize_route
from .own_routes import _valid
from .parallel import Fanout

log = logging.getLogger(__name__)

PATH = "/api/v1/notices"
NOTICE_FIELDS = ("title", "body", "until", "expected_restoration_at")  # what an estate-wide warning carries


def register(app):
    fan = Fanout("notices-across", 4)

    @app.post(PATH)
    def publish_across_estates():
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid("NoticeAcrossEstatesCreate", requests_in.json_body())
        key = request.headers.get("Idempotency-Key")
        if key is None:
            raise InvalidInput("a notice to several estates is published with an Idempotency-Key: sent again "
                               "with it, it is published in none twice",
                               [field_error("Idempotency-Key", "is required")])
        idempotency.check_key(key)
        for index, estate_id in enumerate(body["estate_ids"]):  # every estate checked before any is published
            try:
                authorize(policy.GATEWAY_ROUTES[("POST", PATH)], estate_id, starts_work=True)
            except DomainError as refused:
                refused.errors = [field_error(f"estate_ids[{index}]", refused.detail)]
                raise
        state = current_app.extensions["estate_ops"]
        g.keyed = True  # a 503 advises sending it again with the key (problems.py)
        record_id, replay = idempotency.claim(state.db, caller["user"], f"POST {PATH}", key,
                                              ids.content_digest(body))
        if replay:
            return idempotency.replayed(replay)
        try:
            data = {name: body[name] for name in NOTICE_FIELDS if name in body}
            calls = {estate_id: partial(state.rpc.call, "customer_service", "create_notice",
                                        {"estate_id": estate_id, "data": data}, request_id=g.request_id,
                                        caller=caller, context={"idempotency_key": service_key(key)})
                     for estate_id in body["estate_ids"]}
            answers, errors = fan.ask(calls, state.rpc.timeout)
        except Exception:
            idempotency.release(state.db, record_id)
            raise
        notices = [answers[e] for e in body["estate_ids"] if e in answers]
        failed = [failure(e, errors[e]) for e in body["estate_ids"] if e in errors]
        if not failed:
            result = {"notices": notices, "failed": []}
            idempotency.complete(state.db, record_id, 201, result)
            return jsonify(result), 201
        if not notices:
            idempotency.release(state.db, record_id)
            raise errors[body["estate_ids"][0]]
        idempotency.hold(state.db, record_id)  # the same body sent again tries the estates that failed
        return jsonify({"notices": notices, "failed": failed}), 207


def service_key(key):
    """The key customer service makes each estate's notice under: the client's, as this route's. A
    client's key is printable ASCII (``idempotency.KEY_PATTERN``), so none sent to another route is
    this one, and an estate's own ``POST …/notices`` under the same key makes its own notice."""
    return f"POST {PATH}\n{key}"


def failure(estate_id, error):
    """An estate's refusal as the answer names it: its problem's status, code and words."""
    if not isinstance(error, DomainError):  # logged as a whole request's is (app._unexpected)
        log.error("a notice to several estates: unexpected error in estate %s", estate_id, exc_info=error)
        return {"estate_id": estate_id, "status": 500, "code": "internal_error",
                "detail": "the notice could not be published in this estate", "errors": []}
    shown = problems.from_domain_error(error).get_json()  # fields as the client sent them (until, not data.until)
    return {"estate_id": estate_id, "status": error.status, "code": error.code, "detail": shown["detail"],
            "errors": shown.get("errors", [])}
