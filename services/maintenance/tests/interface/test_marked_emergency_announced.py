"""An order made an emergency after calls joined it (并入故障工单: the callers promised the order's response
as it was then) told nobody: the garage's callers joined to the guard's anomaly order kept a repair's 24
hours after the flooding incident took it over, or a manager marked it (found by h6). Each marking is
announced (``work_order_marked_emergency``: the order's priority, category and response deadline after
it), for customer service to promise its joined calls the emergency's response."""
from datetime import timedelta

from estate_common import clock
from estate_common.testing import as_caller

from .test_service import (ESTATE, MANAGER, REPORTED, act, anomaly, engineering, frozen, incident_took_over,  # noqa: F401
                           open_repair, orders)


def marked(service):
    return [e["data"] for e in service.outbox.of_type("work_order_marked_emergency")]


def test_a_manager_s_marking_is_announced_with_the_order_s_new_response(engineering):
    order_id = open_repair(engineering)
    as_caller(engineering, MANAGER)
    order = act(engineering, "mark_emergency", order_id, category="water_mains")
    [told] = marked(engineering)
    assert (told["id"], told["number"], told["priority"], told["emergency_category"]) == (
        order_id, order["number"], "emergency", "water_mains")
    assert told["response_due_at"] == order["response_due_at"]
    assert told["request_id"] == "sr_1" and told["source"] == {"type": "service_request", "id": "sr_1"}


def test_an_incident_s_take_over_is_announced_once(engineering):
    engineering.open_from_patrol_anomaly(anomaly("an_2", emergency=False))
    engineering.incident_took_over_order(incident_took_over("an_2", incident_id="inc_10"))
    engineering.incident_took_over_order(incident_took_over("an_2", incident_id="inc_10"))  # redelivered
    [order] = orders(engineering, source_type="patrol_anomaly")
    [told] = marked(engineering)
    assert (told["id"], told["priority"], told["emergency_category"]) == (order["id"], "emergency", "flooding")
    assert told["response_due_at"] == clock.to_iso(REPORTED + timedelta(minutes=30)) == order["response_due_at"]
