"""Maintenance rules: opening a work order from its source, its number and priority.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids

NUMBER_PREFIX = "WO"


def work_order_id(estate_id, source_type, source_id):
    """One work order per source: a redelivered event finds the order it made."""
    return ids.natural_id("wo", estate_id, source_type, source_id)


def number_series(created):
    return f"work_order:{created.year}"


def order_number(created, sequence):
    return f"{NUMBER_PREFIX}-{created.year}-{sequence:06d}"


def wants_work_order(request_event):
    """Of the registered service requests, repairs (报修) go to maintenance."""
    return request_event["data"]["kind"] == "repair"


def from_service_request(event, number, created):
    request = event["data"]
    stamp = clock.to_iso(created)
    return {
        "_id": work_order_id(event["estate_id"], "service_request", request["id"]),
        "estate_id": event["estate_id"],
        "number": number,
        "source": {"type": "service_request", "id": request["id"]},
        "request_id": request["id"],
        "household_id": request["household_id"],
        "description": request["description"],
        "priority": "normal",
        "status": "pending",
        "created_at": stamp,
        "updated_at": stamp,
        "history": [{"at": stamp, "by": event.get("actor"), "action": "created",
                     "note": f"from service request {request['number']}", "event_id": event["event_id"]}],
    }


def created_event_data(order):
    keys = ("number", "source", "request_id", "household_id", "priority", "status", "created_at")
    return {k: order[k] for k in keys} | {"id": order["_id"]}
