"""Customer-service rules: registering a request, its number, its due time,
and the steps of its life (one table of allowed transitions).

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock
from estate_common.errors import Conflict

NUMBER_PREFIX = "SR"

# status -> {action: next status}. An action not listed for a status is refused (409).
TRANSITIONS = {
    "open": {"dispatch": "dispatched", "escalate": "escalated", "reply": "replied", "close": "closed"},
    "dispatched": {"start": "in_progress", "complete": "completed", "escalate": "escalated"},
    "in_progress": {"complete": "completed", "escalate": "escalated"},
    "escalated": {"reply": "replied", "dispatch": "dispatched"},
    "replied": {"close": "closed", "escalate": "escalated"},
    "completed": {"close": "closed"},
    "closed": {},
}


def due_at(kind, created, rules):
    """When the request must be answered or acted on (None: nothing is owed, e.g. praise)."""
    delta = {
        "complaint": timedelta(days=rules["complaint_reply_days"]),
        "repair": timedelta(hours=rules["repair_response_hours"]),
        "consultation": timedelta(hours=rules["consultation_answer_hours"]),
        "suggestion": timedelta(days=rules["suggestion_answer_days"]),
    }.get(kind)
    return clock.to_iso(created + delta) if delta else None


def request_number(created, sequence):
    """Per-estate sequential number (编号), e.g. SR-2026-000042; the series restarts each year."""
    return f"{NUMBER_PREFIX}-{created.year}-{sequence:06d}"


def number_series(created):
    return f"service_request:{created.year}"


def history_entry(at, by, action, note=None, event_id=None):
    return {"at": at, "by": by, "action": action, "note": note, "event_id": event_id}


def new_request(request_id, estate_id, data, number, created, rules, actor):
    stamp = clock.to_iso(created)
    return {
        "_id": request_id,
        "estate_id": estate_id,
        "number": number,
        "kind": data["kind"],
        "household_id": data["household_id"],
        "channel": data["channel"],
        "description": data["description"].strip(),
        "status": "open",
        "due_at": due_at(data["kind"], created, rules),
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
        "work_order_id": None,
        "completed_at": None,
        "return_visit_due_at": None,
        "history": [history_entry(stamp, actor, "registered", f"via {data['channel']}")],
    }


def next_status(request, action):
    allowed = TRANSITIONS[request["status"]]
    if action not in allowed:
        raise Conflict(f"a request that is {request['status']} does not allow '{action}'")
    return allowed[action]


def created_event_data(request):
    keys = ("number", "kind", "household_id", "channel", "description", "due_at", "created_at")
    return {k: request[k] for k in keys} | {"id": request["_id"]}


def dispatch_update(request, work_order_event):
    """The change a new work order makes to its repair request, or None if it changes nothing."""
    if request["work_order_id"] == work_order_event["data"]["id"]:
        return None  # this order was recorded already (a redelivered event)
    status = next_status(request, "dispatch") if request["status"] == "open" else request["status"]
    entry = history_entry(work_order_event["occurred_at"], work_order_event.get("actor"), "dispatched",
                          f"work order {work_order_event['data']['number']}", work_order_event["event_id"])
    return {"status": status, "work_order_id": work_order_event["data"]["id"],
            "updated_at": work_order_event["occurred_at"]}, entry
