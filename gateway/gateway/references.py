"""Facts about an id a body names that another service keeps: the gateway asks the owner and
tells the called service what it found, in the call's context (as ``assignees`` does for
accounts). A maintenance-fund use named a work order of another estate, or of none, and finance
kept it: finance keeps no copy of work orders before they complete (found by review)."""
from flask import current_app, g

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
