"""电梯困人 heard first at the desk (h10): maintenance joins the entrapment to the desk's open order for
the lift (``work_order_incident_joined``) instead of opening the incident's own. The incident shows that
order as its own, its status followed from the desk order's later events, which were none of ours."""
from estate_common import clock
from estate_common.testing import event

from .test_emergency_alerts import ESTATE, patrol  # noqa: F401


def desk_event(event_type, status=None, **data):
    return event("maintenance", event_type, ESTATE, {
        "id": "wo_desk", "number": "WO-2026-000001", "source": {"type": "service_request", "id": "sr_1"},
        **({"status": status} if status else {}), **data})


def test_an_incident_that_joined_the_desk_s_order_shows_it_and_follows_its_status(patrol):
    incident = patrol.open_incident({"estate_id": ESTATE, "data": {
        "type": "elevator_entrapment", "description": "two people in lift 3", "location": "Building 3"}})
    # the desk's order was created before: none of ours, nothing kept
    patrol.on_work_order_created(desk_event("work_order_created", "pending", request_id="sr_1",
                                            household_id="hh_1", priority="normal", created_at=clock.now_iso()))
    [shown] = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert shown["maintenance_order"] is None
    joined = desk_event("work_order_incident_joined", "pending", incident_id=incident["id"],
                        incident_number=incident["number"], priority="emergency",
                        emergency_category="elevator_entrapment", reported_at=clock.now_iso(),
                        response_due_at=clock.now_iso(), joined_at=clock.now_iso())
    patrol.on_work_order_incident_joined(joined)
    patrol.on_work_order_incident_joined(joined)  # redelivered
    [shown] = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert (shown["maintenance_order"]["id"], shown["maintenance_order"]["status"]) == ("wo_desk", "pending")
    patrol.on_work_order_assigned(desk_event("work_order_assigned", technician="chen", request_id="sr_1", household_id="hh_1",
                                             assigned_at=clock.now_iso()))
    [shown] = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert shown["maintenance_order"]["status"] == "assigned"
    assert patrol.db.work_orders.count_documents({}) == 1
