"""One write made in several estates at once, each estate's own (an operator's typhoon night): the
fan-out ``POST /api/v1/notices`` (防台通知, ``notices_across``) and ``POST /api/v1/checklists`` (防汛防台
准备检查表, ``checklists_across``) share, where the second would have written the first again.

Who: the roles ``policy.GATEWAY_ROUTES`` gives the route, in every estate named (each estate is checked
as an estate route checks it, ``access.authorize``, before anything is written: one outside the
caller's scope is a 403, an estate that does not exist a 404, a retired one a 409, naming
``estate_ids[i]``, and nothing is written). The body is held to its contract first too.

Once per estate: an ``Idempotency-Key`` is required (a 400 without one). Each estate's record is
created under it (the service derives its id from the caller, the key and the estate,
``Caller.created_id``), so a retry finds each estate's first record and writes none twice. The key is
passed on as the route's (``service_key``): a key's record is the route's, and the key the client sent
to an estate's own route before would find that estate's record and answer it as this one. The
estates are asked in parallel; the answer names each estate's outcome:

- every estate written: 201 ``{<answers>, failed: []}``, kept under the key (a replay answers it);
- some written, some not (a service down, an estate's own rule): 207 ``{<answers>, failed: [{estate_id,
  status, code, detail, errors}]}``, never a silent partial write. The key's record is held with its
  body's digest (``idempotency.hold``): the same request sent again writes in the estates that failed
  and answers the others' first records (none twice), an estate written in answered its record though
  retired since (``idempotency.hold``'s ``done``: the rest could not be finished under the key, review r7
  of h7); another body under the key is a 422;
- none written: the first estate's refusal, as that estate's route would answer it.
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


def register(app, path, *, contract, service, rpc, fields, answers, what):
    """``POST path``: ``rpc`` of ``service`` once in each of the body's ``estate_ids`` with the body's
    ``fields`` as its data; the answer lists the estates' records under ``answers``. ``what``: the
    record in words (a refusal names it)."""
    fan = Fanout(f"{answers}-across", 4)

    def write_across_estates():
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid(contract, requests_in.json_body())
        key = request.headers.get("Idempotency-Key")
        if key is None:
            raise InvalidInput("a write to several estates is sent with an Idempotency-Key: sent again "
                               "with it, it is made in none twice",
                               [field_error("Idempotency-Key", "is required")])
        idempotency.check_key(key)
        state = current_app.extensions["estate_ops"]
        # an estate the same body was written in under the key (its 207) is answered its record again,
        # retired since or not: the rest could not be finished under the key (review r7 of h7)
        written_before = idempotency.done_before(state.db, caller["user"], f"POST {path}", key, ids.content_digest(body))
        for index, estate_id in enumerate(body["estate_ids"]):  # every estate checked before any is written
            try:
                authorize(policy.GATEWAY_ROUTES[("POST", path)], estate_id, starts_work=estate_id not in written_before)
            except DomainError as refused:
                refused.errors = [field_error(f"estate_ids[{index}]", refused.detail)]
                raise
        g.keyed = True  # a 503 advises sending it again with the key (problems.py)
        record_id, replay = idempotency.claim(state.db, caller["user"], f"POST {path}", key,
                                              ids.content_digest(body))
        if replay:
            return idempotency.replayed(replay)
        try:
            data = {name: body[name] for name in fields if name in body}
            calls = {estate_id: partial(state.rpc.call, service, rpc, {"estate_id": estate_id, "data": data},
                                        request_id=g.request_id, caller=caller,
                                        context={"idempotency_key": service_key(path, key)})
                     for estate_id in body["estate_ids"]}
            done, errors = fan.ask(calls, state.rpc.timeout)
        except Exception:
            idempotency.release(state.db, record_id)
            raise
        records = [done[e] for e in body["estate_ids"] if e in done]
        failed = [failure(e, errors[e], what) for e in body["estate_ids"] if e in errors]
        if not failed:
            result = {answers: records, "failed": []}
            idempotency.complete(state.db, record_id, 201, result)
            return jsonify(result), 201
        if not records:
            idempotency.release(state.db, record_id)
            raise errors[body["estate_ids"][0]]
        idempotency.hold(state.db, record_id, done)  # the same body sent again tries the estates that failed
        return jsonify({answers: records, "failed": failed}), 207

    app.add_url_rule(path, f"{answers}_across_estates", write_across_estates, methods=["POST"])


def service_key(path, key):
    """The key the service makes each estate's record under: the client's, as this route's. A client's
    key is printable ASCII (``idempotency.KEY_PATTERN``), so none sent to another route is this one, and
    an estate's own route under the same key makes its own record."""
    return f"POST {path}\n{key}"


def failure(estate_id, error, what="the record"):
    """An estate's refusal as the answer names it: its problem's status, code and words."""
    if not isinstance(error, DomainError):  # logged as a whole request's is (app._unexpected)
        log.error("%s to several estates: unexpected error in estate %s", what, estate_id, exc_info=error)
        return {"estate_id": estate_id, "status": 500, "code": "internal_error",
                "detail": "it could not be written in this estate", "errors": []}
    shown = problems.from_domain_error(error).get_json()  # fields as the client sent them (until, not data.until)
    return {"estate_id": estate_id, "status": error.status, "code": error.code, "detail": shown["detail"],
            "errors": shown.get("errors", [])}
