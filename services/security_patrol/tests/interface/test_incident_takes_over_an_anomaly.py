"""A burst main found on a patrol (h7, continuing h6's probe of a Saturday night): the guard's
emergency anomaly at the pump room opened WO-1, and the flooding incident he then raised opened
WO-2, maintenance asked twice for one fault. An incident naming the anomaly (``anomaly_id``) takes
over its order: it asks maintenance for none, and shows the anomaly's order as its own."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict
from estate_common.testing import as_caller, event, side_by_side, staff
from security_patrol.service import SecurityPatrolService
from estate_common.testing import worker

ESTATE = "est_1"
GUARD = staff("zhao", ["security"], [ESTATE])


@pytest.fixture
def patrol():
    clock.freeze(clock.parse_iso("2026-11-21T14:40:00Z"))  # 22:40 in Beijing, a Saturday
    patrol = worker(SecurityPatrolService, caller=GUARD)
    for estate, code in ((ESTATE, "HZ-01"), ("est_2", "HZ-02")):
        patrol.copy_estate(event("archive", "estate_created", estate, {
            "id": estate, "estate_id": estate, "code": code, "name": code, "address": "9 Lake Rd", "version": 1}))
    return patrol


def anomaly_at_the_pump_room(patrol, estate=ESTATE, emergency=True):
    as_caller(patrol, staff("zhao", ["security"], [estate]))
    route = patrol.create_patrol_route({"estate_id": estate, "data": {"name": "Night loop", "checkpoints": [
        {"code": "P1", "name": "Pump room"}]}})
    round_ = patrol.start_round({"estate_id": estate, "data": {"route_id": route["id"], "guard": "zhao"}})
    checked = patrol.check_in({"estate_id": estate, "id": round_["id"], "data": {
        "checkpoint": "P1", "anomaly": {"description": "主水管爆裂，泵房进水", "emergency": emergency}}})
    return checked["check_ins"][0]["anomaly"]


def order_opened(patrol, order_id, source_type, source_id, status="pending", estate=ESTATE):
    patrol.on_work_order_created(event("maintenance", "work_order_created", estate, {
        "id": order_id, "number": f"WO-2026-{order_id}", "source": {"type": source_type, "id": source_id},
        "request_id": None, "household_id": None, "priority": "emergency", "status": status,
        "created_at": clock.now_iso()}))


def flooding(patrol, estate=ESTATE, **extra):
    as_caller(patrol, staff("zhao", ["security"], [estate]))
    return patrol.open_incident({"estate_id": estate, "data": {
        "type": "flooding", "description": "泵房进水", "location": "B2 pump room", **extra}})


def test_an_incident_naming_the_anomaly_takes_over_its_order_and_asks_maintenance_for_none(patrol):
    anomaly = anomaly_at_the_pump_room(patrol)
    order_opened(patrol, "wo_1", "patrol_anomaly", anomaly["id"])
    incident = flooding(patrol, anomaly_id=anomaly["id"])
    assert incident["anomaly_id"] == anomaly["id"] and incident["work_order"] is True
    assert {k: incident["maintenance_order"][k] for k in ("id", "number", "status")} == {
        "id": "wo_1", "number": "WO-2026-wo_1", "status": "pending"}
    assert patrol.outbox.of_type("emergency_repair_requested") == []  # maintenance not asked twice
    # told of the take-over instead, which names the flood on the anomaly's order (h5's typhoon night)
    [told] = patrol.outbox.of_type("incident_took_over_order")
    assert {k: told["data"][k] for k in ("id", "type", "anomaly_id", "emergency")} == {
        "id": incident["id"], "type": "flooding", "anomaly_id": anomaly["id"], "emergency": True}
    shown = patrol.get_incident({"estate_id": ESTATE, "id": incident["id"]})
    assert shown["maintenance_order"]["id"] == "wo_1"
    [listed] = patrol.list_incidents({"estate_id": ESTATE, "filters": {}})["items"]
    assert listed["maintenance_order"]["id"] == "wo_1"
    # one without it asks as before
    flooding(patrol, description="B3 also flooded")
    assert len(patrol.outbox.of_type("emergency_repair_requested")) == 1


def test_an_anomaly_not_of_the_estate_taken_over_already_or_whose_order_is_done_is_refused(patrol):
    with pytest.raises(BusinessRuleViolation) as refused:
        flooding(patrol, anomaly_id="anom_nothing")
    assert refused.value.errors[0]["field"] == "data.anomaly_id"
    elsewhere = anomaly_at_the_pump_room(patrol, estate="est_2")
    with pytest.raises(BusinessRuleViolation) as refused:  # another estate's anomaly: unknown here
        flooding(patrol, anomaly_id=elsewhere["id"])
    assert refused.value.errors[0]["field"] == "data.anomaly_id"
    anomaly = anomaly_at_the_pump_room(patrol)
    body = {"estate_id": ESTATE, "data": {"type": "flooding", "description": "泵房进水", "location": "B2 pump room",
                                          "anomaly_id": anomaly["id"]}}
    as_caller(patrol, GUARD, idempotency_key="flood-1")
    first = patrol.open_incident(body)
    assert patrol.open_incident(body)["id"] == first["id"]  # a retry with its key: the first answer
    with pytest.raises(Conflict):  # its order serves one incident
        flooding(patrol, anomaly_id=anomaly["id"])
    done = anomaly_at_the_pump_room(patrol)
    order_opened(patrol, "wo_9", "patrol_anomaly", done["id"], status="completed")
    with pytest.raises(BusinessRuleViolation) as refused:
        flooding(patrol, anomaly_id=done["id"])
    assert refused.value.errors[0]["field"] == "data.anomaly_id"
    assert patrol.db.incidents.count_documents({"anomaly_id": {"$ne": None}}) == 1


def test_two_incidents_opened_at_once_on_one_anomaly_take_its_order_once_and_the_other_is_a_409(patrol, monkeypatch):
    """Each open read no incident taking the anomaly over before either wrote, and both took its
    order (h7's note, found by review r5): the anomaly's claim decides."""
    anomaly = anomaly_at_the_pump_room(patrol)
    order_opened(patrol, "wo_1", "patrol_anomaly", anomaly["id"])
    twins = [worker(SecurityPatrolService, caller=GUARD, db=patrol.db) for _ in range(2)]
    answers = side_by_side(monkeypatch, *[lambda twin=twin, where=where: twin.open_incident({
        "estate_id": ESTATE, "data": {"type": "flooding", "description": "泵房进水", "location": where,
                                      "anomaly_id": anomaly["id"]}}) for twin, where in zip(twins, ("B2", "B3"))])
    [(opened, _)] = [answer for answer in answers if answer[0]]
    [(_, refused)] = [answer for answer in answers if answer[1]]
    assert isinstance(refused, Conflict)
    assert [i["_id"] for i in patrol.db.incidents.find({"anomaly_id": anomaly["id"]})] == [opened["id"]]
