"""An occupant's request to see what is held about him (个人信息查阅、复制, PIPL art. 45): one answer
from every service that keeps people found by a phone.

``POST /api/v1/estates/<estate_id>/personal-data/search {phone}`` asks, in parallel, archive for
the households the phone is on (its owner, or an occupant, current or former), customer service
for the requests it called about (the desk's caller, a portal filer) and security for the visits
it registered, and puts them side by side, as the KPIs are (``fanout.py``): a service that does
not answer is named in ``unavailable``, the others' parts are still given. For the archives'
roles only (``personal_data.ANSWER_SUBJECT_REQUESTS``: the archivist keeps the files, management
answers for them; each service checks it again). The phone travels in the body, never in a URL;
read-only, so no Idempotency-Key is kept. The answer is masked as the caller's role reads each
part (``masking``): a visitor's name and phone are the front desk's and security's, so an
archivist reads them masked, a manager in full.
"""
from functools import partial

from flask import current_app, g, jsonify

from . import masking, requests_in
from .access import authorize_route
from .parallel import Fanout

PATH = "/api/v1/estates/<estate_id>/personal-data/search"
# each part of the answer: the service asked and its method
PARTS = {"households": ("archive", "search_households"),
         "service_requests": ("customer_service", "requests_by_phone"),
         "visitors": ("security_patrol", "visitors_by_phone")}


def register(app):
    fan = Fanout("personal-data", len(PARTS))

    @app.post(PATH)
    def search_personal_data(estate_id):
        caller = authorize_route(estate_id)
        requests_in.refuse_unknown_query(where="of this call")
        g.reads = True  # a read: a refusal says nothing about a write maybe done
        payload = {"estate_id": estate_id, "data": requests_in.json_body()}
        rpc = current_app.extensions["estate_ops"].rpc
        answers, unavailable = fan.ask_services(
            {service: partial(rpc.call, service, method, payload, request_id=g.request_id, caller=caller)
             for service, method in PARTS.values()}, rpc.timeout)
        body = {part: answers[service]["items"] for part, (service, _) in PARTS.items() if service in answers}
        body["unavailable"] = unavailable
        return jsonify(masking.for_caller("POST", PATH, 200, body, caller["roles"], caller.get("user")))
