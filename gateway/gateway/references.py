"""Facts about an id a body names that another service keeps: the gateway asks the owner and
tells the called service what it found, in the call's context (as ``assignees`` does for
accounts). A maintenance-fund use named a work order of another estate, or of none, and finance
kept it: finance keeps no copy of work orders before they complete (found by review). A parking
hour's fee standard is checked against security patrol's daily cap on parking the same way:
finance keeps no copy of that setting."""
from flask import current_app, g, request

from estate_common import contracts
from estate_common.errors import NotFound, ServiceUnavailable

FOUND, NOT_FOUND = "found", "not_found"
ID = "openapi.yaml#/components/schemas/Id"  # another is finance's contract's 400, named as sent
NUMBER = "openapi.yaml#/components/schemas/RecordNumber"


def work_order_fact(db, estate_id, body, caller):
    """What maintenance knows of the work order ``body`` names (``work_order_id``: its id, or its
    number as printed on the order, WO-2026-000042, which is what an accountant has: they may not
    read work orders) in ``estate_id``, asked as the caller: ``{"work_order": not_found}``, or
    ``found`` with its ``work_order_id``, ``work_order_number``, ``work_order_priority`` and
    ``work_order_status`` (an emergency use of the fund is one of an emergency order not cancelled:
    finance checks). None for a body without one,
    or one the contract refuses (the service's 400 follows). Maintenance not answering is the
    call's 503."""
    named = body.get("work_order_id") if isinstance(body, dict) else None
    if named is None or not contracts.load().accepts(ID, named):
        return {}
    rpc = current_app.extensions["estate_ops"].rpc
    if contracts.load().accepts(NUMBER, named):  # ids never take this shape (wo_…)
        page = rpc.call("maintenance", "list_work_orders",
                        {"estate_id": estate_id, "filters": {"number": named}, "limit": 1},
                        request_id=g.request_id, caller=caller)
        order = page["items"][0] if page["items"] else None
    else:
        try:
            order = rpc.call("maintenance", "get_work_order", {"estate_id": estate_id, "id": named},
                             request_id=g.request_id, caller=caller)
        except NotFound:
            order = None
    if order is None:
        return {"work_order": NOT_FOUND}
    # what the owner pays of it (its charge, a quote he consented to) and its cause: the fund pays the
    # common parts alone, finance refuses an owner's order (h5, a burst pipe)
    consented = (order.get("consent") or {}).get("amount_cents")
    return {"work_order": FOUND, "work_order_id": order["id"], "work_order_number": order.get("number"),
            "work_order_priority": order.get("priority"),
            **({"work_order_status": order["status"]} if order.get("status") else {}),
            **({"work_order_charge_cents": order["charge_cents"]} if order.get("charge_cents") else {}),
            **({"work_order_consented_cents": consented} if consented else {}),
            **({"work_order_cause_party": order["cause"]["party"]} if order.get("cause") else {})}


def fund_use_work_order_fact(db, estate_id, body, caller):
    """At a use's approval, what maintenance knows now of the work order the use names (``work_order_fact``):
    one requested while its order was open was approved after the order completed with the owner's own
    part as its cause, a quote he consented to or a charge, the check the request's alone (found by r5
    reviewing h5). The use is read as the caller (finance's), its order then asked as for the request.
    None for a use naming no order, or none of the estate (finance's 404 follows)."""
    rpc = current_app.extensions["estate_ops"].rpc
    try:
        use = rpc.call("finance", "get_fund_entry", {"estate_id": estate_id, "id": request.view_args["entry_id"]},
                       request_id=g.request_id, caller=caller)
    except NotFound:
        return {}
    work_order_id = use.get("work_order_id") if isinstance(use, dict) else None
    return work_order_fact(db, estate_id, {"work_order_id": work_order_id}, caller) if work_order_id else {}


def equipment_fact(db, estate_id, body, caller):
    """An incident naming a piece of equipment (an elevator entrapment's lift, ``equipment_id``):
    whether maintenance has it in ``estate_id``, asked as the caller (a guard, who reads no page of the
    ledger: the call checks the estate alone): ``{"equipment": not_found}``, or ``found`` with its
    ``equipment_id`` and ``equipment_code``. Security keeps no copy of the ledger (h12, a lift kept out
    after an entrapment). None for a body without one, or one the contract refuses (the service's 400
    follows). Maintenance not answering is the call's 503. Its details alone (``records: none``): a
    lift's years of records were read on an emergency's call (found by review r12 of h12)."""
    named = body.get("equipment_id") if isinstance(body, dict) else None
    if named is None or not contracts.load().accepts(ID, named):
        return {}
    try:
        piece = current_app.extensions["estate_ops"].rpc.call(
            "maintenance", "get_equipment", {"estate_id": estate_id, "id": named, "filters": {"records": "none"}},
            request_id=g.request_id,
            caller=caller)
    except NotFound:
        return {"equipment": NOT_FOUND}
    # its system too: an entrapment naming a piece that is no lift is refused (found by review r12 of h12)
    return {"equipment": FOUND, "equipment_id": piece["id"], "equipment_code": piece.get("code"),
            "equipment_system": piece.get("system")}


def contractor_fact(db, estate_id, body, caller):
    """An operating cost naming a cleaning or greening contractor (``contractor_id``: its invoice of a
    month): whether customer service has it in ``estate_id`` (``{"contractor": found | not_found}``), asked
    as the caller (an accountant reads the contractors). A mistyped id passed finance's check of a month
    costed twice, finding no cost of it (found by h7): finance keeps no copy of the contractors. None for a
    body without one, or one the contract refuses (the service's 400 follows)."""
    named = body.get("contractor_id") if isinstance(body, dict) else None
    if not named or not contracts.load().accepts(ID, named):
        return {}
    try:
        current_app.extensions["estate_ops"].rpc.call(
            "customer_service", "get_contractor", {"estate_id": estate_id, "id": named},
            request_id=g.request_id, caller=caller)
    except NotFound:
        return {"contractor": NOT_FOUND}
    return {"contractor": FOUND}


def household_fees_fact(db, estate_id, body, caller):
    """A goods release pass's household (``household_id``): its overdue and unpaid money as finance
    answers it (``household_account``), asked as the gateway for the desk (an agent reads no
    accounts; the pass keeps the two sums alone): ``{"household_fees": {overdue_cents, unpaid_cents}}``;
    zero for a household finance has no copy of yet (nothing billed). Customer service keeps no copy
    of bills. Finance not answering, or answering without the two sums, is the call's 503."""
    named = body.get("household_id") if isinstance(body, dict) else None
    if named is None or not contracts.load().accepts(ID, named):
        return {}
    try:
        account = current_app.extensions["estate_ops"].rpc.call(
            "finance", "household_account", {"estate_id": estate_id, "id": named}, request_id=g.request_id,
            caller=caller)
    except NotFound:
        return {"household_fees": {"overdue_cents": 0, "unpaid_cents": 0}}
    fees = {key: account.get(key) for key in ("overdue_cents", "unpaid_cents")} if isinstance(account, dict) else {}
    if not fees or not all(isinstance(value, int) and not isinstance(value, bool) for value in fees.values()):
        # an answer without the sums is no answer: the pass waits for one, as for a finance down (it
        # was issued as "not asked", with no check of the flat's fees at all: review r8 of h8)
        raise ServiceUnavailable("finance did not tell the flat's fees; try again")
    return {"household_fees": fees}


# -- the daily cap on parking a parking hour's fee standard may not exceed --------------------
# Which standard prices a started hour of parking is finance's rule alone
# (``standards.prices_a_parking_hour``): the gateway reads the cap for any parking standard, and
# finance decides whether it applies. (The gateway restated that rule: review.)

PARKING_CAP = "parking_daily_cap_cents"
PARKING_HOUR = "parking_hour_standard"


def _parking_cap(estate_id, caller):
    answer = current_app.extensions["estate_ops"].rpc.call(
        "security_patrol", "parking_daily_cap", {"estate_id": estate_id}, request_id=g.request_id, caller=caller)
    return {PARKING_CAP: answer[PARKING_CAP]}


def parking_cap_fact(db, estate_id, body, caller):
    """A proposed ``parking`` fee standard: the daily cap on parking in force (security patrol's
    setting, asked as the caller), which finance refuses a price of a started hour above (422).
    Nothing for another item (security patrol is not asked). Security patrol not answering is
    the call's 503."""
    return _parking_cap(estate_id, caller) if isinstance(body, dict) and body.get("item") == "parking" else {}


def parking_cap_fact_of_approval(db, estate_id, body, caller):
    """The standard being approved, if it is a pending ``parking`` one: the daily cap in force now
    (it may have come down since the proposal). Finance lists that one standard, if it is a
    pending parking one; nothing is asked of security patrol for another. (A page of 200 pending
    parking standards was read and searched: a 201st was not found, and its approval was not
    checked against the cap: review.)"""
    standard_id = (request.view_args or {}).get("standard_id")
    rpc = current_app.extensions["estate_ops"].rpc
    page = rpc.call("finance", "list_fee_standards",
                    {"estate_id": estate_id, "filters": {"id": standard_id, "item": "parking", "status": "pending"},
                     "limit": 1}, request_id=g.request_id, caller=caller)
    found = any(item.get("id") == standard_id for item in page["items"])
    return _parking_cap(estate_id, caller) if found else {}


def parking_hour_fact(db, estate_id, body, caller):
    """A change of security patrol's settings: finance's highest price of a started hour of
    parking among the estate's approved and pending standards (``highest_parking_hour_price``,
    every one of them, asked as the caller), which security patrol's daily cap may not come down
    below (422). Asked whatever the body holds: a cap left out of the settings falls back to its
    default, which may be lower. Finance not answering is the call's 503."""
    answer = current_app.extensions["estate_ops"].rpc.call(
        "finance", "highest_parking_hour_price", {"estate_id": estate_id}, request_id=g.request_id, caller=caller)
    return {PARKING_HOUR: answer["standard"]} if answer["standard"] else {}
