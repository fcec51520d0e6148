"""Facts about an id a body names that another service keeps: the gateway asks the owner and
tells the called service what it found, in the call's context (as ``assignees`` does for
accounts). A maintenance-fund use named a work order of another estate, or of none, and finance
kept it: finance keeps no copy of work orders before they complete (found by review)."""
from flask import current_app, g

from estate_common import contracts
from estate_common.errors import NotFound

FOUND, NOT_FOUND = "found", "not_found"
ID = "openapi.yaml#/components/schemas/Id"  # another is finance's contract's 400, named as sent


def work_order_fact(db, estate_id, body, caller):
    """``{"work_order": found | not_found}`` for the ``work_order_id`` of ``body`` in
    ``estate_id`` (maintenance's ``get_work_order``, as the caller); none for a body without
    one, or one the contract refuses (the service's 400 follows). Maintenance not answering is
    the call's 503."""
    work_order_id = body.get("work_order_id") if isinstance(body, dict) else None
    if work_order_id is None or not contracts.load().accepts(ID, work_order_id):
        return {}
    rpc = current_app.extensions["estate_ops"].rpc
    try:
        rpc.call("maintenance", "get_work_order", {"estate_id": estate_id, "id": work_order_id},
                 request_id=g.request_id, caller=caller)
    except NotFound:
        return {"work_order": NOT_FOUND}
    return {"work_order": FOUND}
