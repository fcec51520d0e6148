"""The handover package of an estate whose service contract ends (物业撤场交接 / 移交清单, h5):
``GET /api/v1/estates/<estate_id>/handover?as_of=YYYY-MM-DD``.

When the operator's contract ends it leaves the estate and hands over to the owners' committee or
the next company (《民法典》第九百四十九条; 《物业管理条例》第三十九条 with 第二十九条's documents):
the as-built and equipment documents it received, the owners' records, the money it holds for the
owners, and tells the state of the estate (open work, keys, patrol points, equipment). The system
could retire an estate (``retirements``) but could answer none of it in one place: the money paid
for months after the end was on each household's account, the open complaints on the desk's list,
the keys on the key register, and the manager added them up by hand.

One answer, each part its own service's current answer asked when the package is read (as
``incident_overview`` composes its view), in parallel:

- **money** (finance's ``handover_money``, as of ``as_of``, the contract's last day): paid ahead and
  unused by household (owed back: refunded or handed over), arrears to the end by household, the
  developer's apart, deposits and sellers' money held, utility balances, the fund's balance, the money
  collected for others not handed on yet by payee (代收代缴);
- **documents** (archive): the developer's documents the estate received (竣工图, 设施设备资料...: the
  takeover's checklist, ``estate_documents_checklist``), the households whose records are handed on
  (业主资料: their count, ``count_households``, all of them), the archives borrowed and not returned;
- **customer service**: requests not closed (open complaints first), keys in custody or lent (托管钥匙),
  items left in custody;
- **maintenance**: open work orders, the equipment ledger in use (设施设备台账: each piece, its certificate);
- **security**: patrol routes and their checkpoints, fire equipment, incidents not closed.

``outstanding`` names what is not settled yet (the operator's to finish, pay back or hand over by
name before it leaves): money owed back, deposits held, money owed to payees, open requests, open orders, open incidents,
keys lent, archives not returned. A service that does not answer is named in ``unavailable`` and
its parts are null (never zeros); a list beyond ``MAX_PAGES`` pages is cut (``truncated``).

Readable in a retired estate too (a read). Management's only (``policy.GATEWAY_ROUTES``): the
manager of the estate and the operator admin; each service checks the caller again.
"""
from functools import partial

from flask import current_app, g, jsonify, request

from estate_common import calendar
from estate_common.errors import DomainError, InvalidInput, field_error
from estate_common.rpc_client import RemoteError

from . import masking, requests_in
from .access import authorize_route
from .parallel import Fanout, asker, every_page

PATH = "/api/v1/estates/<estate_id>/handover"
PAGE = 200  # a list's largest page (estate_common.store.MAX_PAGE)
MAX_PAGES = 25  # 5,000 of a list shown; beyond, ``truncated`` (the owners' records are counted by archive)

# each part: (service, rpc, filters, fields shown of each item; None: counted only)
LISTS = {
    "borrowed": ("archive", "list_borrow_requests", {"status": "approved"},
                 ("id", "subject_type", "subject_id", "requested_by", "decided_at", "due_back", "overdue")),
    "open_requests": ("customer_service", "list_requests", {"closed": "false"},
                      ("id", "number", "kind", "status", "household_id", "due_at", "created_at")),
    "keys_in_custody": ("customer_service", "list_keys", {"status": "in_custody"},
                        ("id", "household_id", "label", "status")),
    "keys_lent": ("customer_service", "list_keys", {"status": "lent"}, ("id", "household_id", "label", "status")),
    "custody_items": ("customer_service", "list_custody_items", {"status": "held"},
                      ("id", "household_id", "description", "status", "received_at")),
    "open_work_orders": ("maintenance", "list_work_orders", {"open": "true"},
                         ("id", "number", "source", "priority", "status", "technician", "reported_at")),
    "equipment": ("maintenance", "list_equipment", {"retired": "false"},
                  ("id", "code", "name", "system", "location", "out_of_service", "certificate")),
    "patrol_routes": ("security_patrol", "list_patrol_routes", {}, ("id", "name", "checkpoints")),
    "fire_equipment": ("security_patrol", "list_fire_equipment", {}, ("id", "code", "name", "kind", "location", "check_due_at")),
    "open_incidents": ("security_patrol", "list_incidents", {"status": "open"},
                       ("id", "number", "type", "major", "status", "occurred_at")),
}
SINGLE = {
    "money": ("finance", "handover_money"),
    "documents": ("archive", "estate_documents_checklist"),
    # counted by archive: paged here, 25 pages read 5,000 of an estate of 10,000 (found by r5)
    "households": ("archive", "count_households"),
}


def register(app):
    fan = Fanout("estate-handover", 5)

    # the retirement reads the package too (``retirements.refuse_while_outstanding``): this reader
    app.extensions["estate_handover"] = partial(read, fan)

    @app.get(PATH)
    def estate_handover(estate_id):
        caller = authorize_route(estate_id)
        requests_in.refuse_unknown_query(("as_of",), where="of the handover package")
        as_of = checked_as_of(request.args.get("as_of"))
        g.reads = True
        body = read(fan, estate_id, as_of, caller)
        return jsonify(masking.for_caller("GET", PATH, 200, body, caller["roles"], caller.get("user")))


def read(fan, estate_id, as_of, caller):
    """The package of ``estate_id`` as of ``as_of``, its parts asked in parallel as ``caller``."""
    rpc = current_app.extensions["estate_ops"].rpc

    ask = asker(rpc, caller, estate_id)
    calls = {name: ask(service, method, {"filters": {"as_of": as_of}} if name == "money" else {})
             for name, (service, method) in SINGLE.items()}
    for name, (service, method, filters, _fields) in LISTS.items():
        calls[name] = partial(every_page, ask, service, method, filters, MAX_PAGES, PAGE)
    answers, errors = fan.ask(calls, rpc.timeout)
    return package(estate_id, as_of, answers, _left_out(errors))


def _service_of(name):
    return (LISTS.get(name) or SINGLE[name])[0]


def _left_out(errors):
    """The services (sorted) of the parts that failed by the service's fault (down, silent, a 5xx,
    its own bug); the caller's own refusal (a 4xx: 403, 404) is the package's answer, raised (the
    first by the parts' order); so is an error that is no service's answer (the gateway's own fault)."""
    unavailable = set()
    for name in [*SINGLE, *LISTS]:
        error = errors.get(name)
        if error is None:
            continue
        if not isinstance(error, (DomainError, RemoteError)) or getattr(error, "status", 500) < 500:
            raise error
        unavailable.add(_service_of(name))
    return sorted(unavailable)


def checked_as_of(as_of):
    """The contract's last day, required, a date (``YYYY-MM-DD``): a 400 naming ``as_of`` else."""
    try:  # the calendar's one rule of a day: date.fromisoformat alone took 2026-W49-1, an ISO week's day,
        calendar.checked_contract_day(as_of or "", "as_of")  # on which finance failed, a 500 (found by r5); a
        # year the contracts' days do not take: finance's answer broke its contract, read as finance down (r2)
    except InvalidInput:
        raise InvalidInput("as_of is the contract's last day, YYYY-MM-DD",
                           [field_error("as_of", "is the contract's last day, YYYY-MM-DD")]) from None
    return as_of


def _shown(items, fields):
    return [{key: item.get(key) for key in fields} for item in items]


def package(estate_id, as_of, answers, unavailable):
    """The package's body (``HandoverPackage``) from the parts' ``answers`` (a list's: ``(items,
    truncated)``); a part whose service is in ``unavailable`` is null."""
    truncated = sorted(name for name in LISTS if name in answers and answers[name][1])
    lists = {}
    for name, (service, _method, _filters, fields) in LISTS.items():
        if name not in answers or service in unavailable:  # a service half answered says nothing
            lists[name] = None
            continue
        items = answers[name][0]
        lists[name] = {"count": len(items), **({"items": _shown(items, fields)} if fields else {})}
    requests = lists["open_requests"]
    if requests is not None:  # the open complaints first: the next company inherits them
        requests["items"].sort(key=lambda r: (r["kind"] != "complaint", r.get("created_at") or "", r["id"]))
        requests["complaints"] = sum(1 for r in requests["items"] if r["kind"] == "complaint")
    if lists["patrol_routes"] is not None:
        lists["patrol_routes"]["checkpoints"] = sum(len(route.get("checkpoints") or [])
                                                    for route in lists["patrol_routes"]["items"])
    documents = None if "archive" in unavailable else answers.get("documents")
    households = None if "archive" in unavailable or "households" not in answers else {
        "count": answers["households"]["count"]}
    money = answers.get("money")
    return {
        "estate_id": estate_id, "as_of": as_of,
        "money": money,
        "archive": None if "archive" in unavailable else {
            "documents": documents, "households": households, "borrowed_not_returned": lists["borrowed"]},
        "customer_service": None if "customer_service" in unavailable else {
            "open_requests": requests, "keys_in_custody": lists["keys_in_custody"], "keys_lent": lists["keys_lent"],
            "custody_items": lists["custody_items"]},
        "maintenance": None if "maintenance" in unavailable else {
            "open_work_orders": lists["open_work_orders"], "equipment": lists["equipment"]},
        "security_patrol": None if "security_patrol" in unavailable else {
            "patrol_routes": lists["patrol_routes"], "fire_equipment": lists["fire_equipment"],
            "open_incidents": lists["open_incidents"]},
        "outstanding": outstanding(money, lists),
        "unavailable": unavailable, "truncated": truncated,
    }


def outstanding(money, lists):
    """What is not settled yet, each ``{item, count, amount_cents?}``, in a fixed order: a part
    not answered says nothing (it is in ``unavailable``, not here as settled)."""
    found = []
    if money is not None:
        owed_back = [line for line in money["households"] if line["owed_back_cents"]]
        if owed_back or money["developer"]["owed_back_cents"]:
            found.append({"item": "money_owed_back", "count": len(owed_back),
                          "amount_cents": money["totals"]["owed_back_cents"] + money["developer"]["owed_back_cents"]})
        if money["deposits_held"]:
            found.append({"item": "deposits_held", "count": len(money["deposits_held"]),
                          "amount_cents": money["totals"]["deposits_held_cents"]})
        if money["seller_prepaid_held"]:
            found.append({"item": "seller_prepaid_held", "count": len(money["seller_prepaid_held"]),
                          "amount_cents": money["totals"]["seller_prepaid_held_cents"]})
        owed = money.get("pass_through_owed") or []  # 代收代缴: each payee owed is handed on before the end (h4)
        if owed:
            found.append({"item": "pass_through_owed", "count": len(owed),
                          "amount_cents": money["totals"]["pass_through_owed_cents"]})
    for item, name in (("open_requests", "open_requests"), ("open_work_orders", "open_work_orders"),
                       ("open_incidents", "open_incidents"), ("keys_lent", "keys_lent"),
                       ("archives_borrowed", "borrowed")):
        part = lists.get(name)
        if part is not None and part["count"]:
            found.append({"item": item, "count": part["count"]})
    return found
