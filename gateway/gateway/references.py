"""Facts about an id a body names that another service keeps: the gateway asks the owner and
tells the called service what it found, in the call's context (as ``assignees`` does for
accounts). A maintenance-fund use named a work order of another estate, or of none, and finance
kept it: finance keeps no copy of work orders before they complete (found by review). A parking
hour's fee standard is checked against security patrol's daily cap on parking the same way:
finance keeps no copy of that setting."""
from flask import current_app, g, request

from estate_common import contracts
from estate_common.errors import NotFound

FOUND, NOT_FOUND = "found", "not_found"
ID = "openapi.yaml#/components/schemas/Id"  # another is finance's contract's 400, named as sent
NUMBER = "openapi.yaml#/components/schemas/RecordNumber"


def work_order_fact(db, estate_id, body, caller):
    """What maintenance knows of the work order ``body`` names (``work_order_id``: its id, or its
    number as printed on the order, WO-2026-000042, which is what an accountant has: they may not
    read work orders) in ``estate_id``, asked as the caller: ``{"work_order": not_found}``, or
    ``found`` with its ``work_order_id`` and ``work_order_number``. None for a body without one,
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
    return {"work_order": FOUND, "work_order_id": order["id"], "work_order_number": order.get("number")}


# -- the daily cap on parking a parking hour's fee standard may not exceed --------------------

PARKING_CAP = "parking_daily_cap_cents"


def _prices_a_parking_hour(standard):
    """A body or a stored standard that would price a started hour of parking (finance's
    ``standards.prices_a_parking_hour``): a fixed per-charge ``parking`` standard."""
    if not isinstance(standard, dict):
        return False
    amount = standard.get("amount_cents")
    return (standard.get("item") == "parking" and standard.get("cycle") == "per_charge"
            and isinstance(amount, (int, float)) and not isinstance(amount, bool))


def _parking_cap(estate_id, caller):
    answer = current_app.extensions["estate_ops"].rpc.call(
        "security_patrol", "parking_daily_cap", {"estate_id": estate_id}, request_id=g.request_id, caller=caller)
    return {PARKING_CAP: answer[PARKING_CAP]}


def parking_cap_fact(db, estate_id, body, caller):
    """A proposed fee standard pricing a started hour of parking: the daily cap on parking in force
    (security patrol's setting, asked as the caller), which finance refuses a price above (422).
    Nothing for another standard (security patrol is not asked). Security patrol not answering is
    the call's 503."""
    return _parking_cap(estate_id, caller) if _prices_a_parking_hour(body) else {}


def parking_cap_fact_of_approval(db, estate_id, body, caller):
    """The standard being approved, if it is a pending one pricing a started hour of parking: the
    daily cap in force now (it may have come down since the proposal). Finance lists that one
    standard, if it is a pending parking one; nothing is asked of security patrol for another. (A
    page of 200 pending parking standards was read and searched: a 201st was not found, and its
    approval was not checked against the cap: review.)"""
    standard_id = (request.view_args or {}).get("standard_id")
    rpc = current_app.extensions["estate_ops"].rpc
    page = rpc.call("finance", "list_fee_standards",
                    {"estate_id": estate_id, "filters": {"id": standard_id, "item": "parking", "status": "pending"},
                     "limit": 1}, request_id=g.request_id, caller=caller)
    standard = next((item for item in page["items"] if item.get("id") == standard_id), None)
    return _parking_cap(estate_id, caller) if _prices_a_parking_hour(standard) else {}
