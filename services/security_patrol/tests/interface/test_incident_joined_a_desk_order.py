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


def of_write(event_, revision):
    """``event_`` as the desk order's write ``revision`` announced it (``subject``)."""
    return {**event_, "subject": {"id": "wo_desk", "revision": revision}}


def test_the_desk_s_order_events_handled_before_the_join_are_kept_and_the_join_does_not_go_back(patrol):
    """Each event type has its queue: the order's assignment and start, announced after the join, were
    handled first and dropped as a desk call's; the incident showed "pending" from the join until the
    next event (found by review of h10). Events of an order with incidents name them (``incident_ids``):
    kept whichever comes first, and the join, older, keeps its incident without moving the status back."""
    incident = patrol.open_incident({"estate_id": ESTATE, "data": {
        "type": "elevator_entrapment", "description": "two people in lift 3", "location": "Building 3"}})
    started = desk_event("work_order_started", request_id="sr_1", household_id="hh_1", priority="emergency", response_minutes=9,
                         started_at=clock.now_iso(), incident_ids=[incident["id"]])
    patrol.on_work_order_started(of_write(started, 4))
    [shown] = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert (shown["maintenance_order"]["id"], shown["maintenance_order"]["status"]) == ("wo_desk", "in_progress")
    patrol.on_work_order_assigned(of_write(desk_event(
        "work_order_assigned", technician="chen", request_id="sr_1", household_id="hh_1",
        assigned_at=clock.now_iso(), incident_ids=[incident["id"]]), 3))
    joined = desk_event("work_order_incident_joined", "pending", incident_id=incident["id"],
                        incident_number=incident["number"], priority="emergency",
                        emergency_category="elevator_entrapment", reported_at=clock.now_iso(),
                        response_due_at=clock.now_iso(), joined_at=clock.now_iso())
    patrol.on_work_order_incident_joined(of_write(joined, 2))
    [shown] = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert (shown["maintenance_order"]["id"], shown["maintenance_order"]["status"]) == ("wo_desk", "in_progress")
    [copy] = patrol.db.work_orders.find({})
    assert copy["incident_ids"] == [incident["id"]]
    assert len(copy["history"]) == 3  # each event marked once, the older ones too


def test_an_event_naming_a_second_incident_that_joined_later_keeps_both(patrol):
    """A second entrapment joined the same order; an event naming both comes before its join: both
    incidents show the order."""
    first, second = (patrol.open_incident({"estate_id": ESTATE, "data": {
        "type": "elevator_entrapment", "description": description, "location": "Building 3"}})
        for description in ("two people in lift 3", "one more call for lift 3"))
    joined = desk_event("work_order_incident_joined", "assigned", incident_id=first["id"],
                        incident_number=first["number"], priority="emergency",
                        emergency_category="elevator_entrapment", reported_at=clock.now_iso(),
                        response_due_at=clock.now_iso(), joined_at=clock.now_iso())
    patrol.on_work_order_incident_joined(of_write(joined, 2))
    patrol.on_work_order_started(of_write(desk_event(
        "work_order_started", request_id="sr_1", household_id="hh_1", priority="emergency", response_minutes=9,
        started_at=clock.now_iso(), incident_ids=[first["id"], second["id"]]), 4))
    shown = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert {(item["id"], (item["maintenance_order"] or {}).get("status")) for item in shown} == {
        (first["id"], "in_progress"), (second["id"], "in_progress")}
