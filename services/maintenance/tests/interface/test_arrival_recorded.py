"""A technician's arrival recorded afterwards (到场时间补录): maintenance's entrypoints against the embedded
store without a broker, on a frozen clock. A typhoon night (h7's probe): the technician reached the flooded
garage at 21:20, ten minutes after the report, and pumped water until 23:00 with no hand free for his
phone; his start, tapped at 23:00, made the emergency 110 minutes late on the month's emergencies and
its KPI. The start takes ``started_at``, when he got there: not to come, not before the report, at most
the estate's ``start_recorded_within_hours`` (default 12) back; the history keeps when it was recorded."""
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from estate_common.testing import as_caller, event, staff, worker
from maintenance.service import MaintenanceService

ESTATE = "est_1"
TECHNICIAN = staff("chen", ["technician"], [ESTATE])
MANAGER = staff("wu", ["manager"], [ESTATE])
REPORTED = datetime(2026, 11, 23, 13, 10, tzinfo=timezone.utc)  # 21:10 in Shanghai


def at(moment):
    return clock.to_iso(moment)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(REPORTED)


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=TECHNICIAN)


def flood(service, anomaly_id="an_1"):
    service.open_from_patrol_anomaly(event("security_patrol", "anomaly_reported", ESTATE, {
        "id": anomaly_id, "round_id": "round_7", "checkpoint": {"code": "G1", "name": "车库入口"},
        "description": "地下车库进水", "reported_at": at(REPORTED), "emergency": True}))
    [order] = [o for o in service.list_work_orders({"estate_id": ESTATE, "filters": {}})["items"]
               if o["source"]["id"] == anomaly_id]
    service.assign_work_order({"estate_id": ESTATE, "id": order["id"], "data": {"technician": "chen"}})
    return order["id"]


def start(service, order_id, **data):
    return service.start_work_order({"estate_id": ESTATE, "id": order_id, "data": data})


def refused_field(call):
    with pytest.raises(BusinessRuleViolation) as refused:
        call()
    return refused.value.errors[0]["field"]


def test_the_arrival_recorded_afterwards_is_the_response(engineering):
    order_id = flood(engineering)
    clock.freeze(REPORTED + timedelta(minutes=110))  # 23:00: back in the office
    started = start(engineering, order_id, started_at=at(REPORTED + timedelta(minutes=10)))
    assert (started["started_at"], started["response_minutes"]) == (at(REPORTED + timedelta(minutes=10)), 10)
    entry = started["history"][-1]
    assert (entry["action"], entry["at"]) == ("start", at(REPORTED + timedelta(minutes=110)))
    assert at(REPORTED + timedelta(minutes=10)) in entry["note"]  # when he got there, said beside when told
    [told] = engineering.outbox.of_type("work_order_started")
    assert told["data"]["started_at"] == at(REPORTED + timedelta(minutes=10))
    shown = engineering.emergency_month({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert (shown["totals"]["on_time"], shown["totals"]["late"]) == (1, 0)


def test_an_arrival_to_come_before_the_report_or_too_long_ago_is_refused(engineering):
    order_id = flood(engineering)
    clock.freeze(REPORTED + timedelta(hours=13))
    assert refused_field(lambda: start(engineering, order_id, started_at=at(REPORTED + timedelta(hours=14)))) \
        == "data.started_at"
    assert refused_field(lambda: start(engineering, order_id, started_at=at(REPORTED - timedelta(minutes=1)))) \
        == "data.started_at"
    # 12 hours back at most: 13 hours after the report, an arrival 10 minutes after it is too old to record
    assert refused_field(lambda: start(engineering, order_id, started_at=at(REPORTED + timedelta(minutes=10)))) \
        == "data.started_at"
    as_caller(engineering, MANAGER)
    engineering.update_settings({"estate_id": ESTATE, "data": {"start_recorded_within_hours": 24}})
    as_caller(engineering, TECHNICIAN)
    started = start(engineering, order_id, started_at=at(REPORTED + timedelta(minutes=10)))
    assert started["response_minutes"] == 10


def test_a_start_without_it_is_now_and_a_resumption_takes_none(engineering):
    order_id = flood(engineering)
    clock.freeze(REPORTED + timedelta(minutes=5))
    started = start(engineering, order_id)
    assert (started["started_at"], started["response_minutes"]) == (at(REPORTED + timedelta(minutes=5)), 5)
    engineering.hold_work_order({"estate_id": ESTATE, "id": order_id, "data": {
        "waiting_for": "parts", "reason": "排水泵待换", "expected_on": "2026-11-24"}})
    engineering.reappoint_work_order({"estate_id": ESTATE, "id": order_id, "data": {
        "at": at(REPORTED + timedelta(hours=20)), "reason": "泵到货后"}})
    clock.freeze(REPORTED + timedelta(hours=21))
    # a resumption is no first arrival: its time would rewrite none of the response
    assert refused_field(lambda: start(engineering, order_id, started_at=at(REPORTED + timedelta(hours=20)))) \
        == "data.started_at"
    assert start(engineering, order_id)["response_minutes"] == 5  # the first arrival's, kept


def test_an_arrival_sent_to_an_order_at_work_or_done_is_refused_by_its_state(engineering):
    """The state's say (409) before the time's (422), as every step (review r7 of h7): an arrival sent to
    an order at work already, or completed, was told "started already" (422 naming started_at), where the
    same start without it is a 409 and the console's second click reads the 409 as started."""
    order_id = flood(engineering)
    clock.freeze(REPORTED + timedelta(minutes=30))
    start(engineering, order_id, started_at=at(REPORTED + timedelta(minutes=10)))
    with pytest.raises(Conflict):
        start(engineering, order_id)
    with pytest.raises(Conflict):
        start(engineering, order_id, started_at=at(REPORTED + timedelta(minutes=12)))


def test_a_technician_not_on_the_order_is_refused_before_his_arrival_is_read(engineering):
    """A technician not on the order sending an arrival to come was told it was to come (422), then
    with a good one that the order is not his (403): who may take the step is asked first, as every
    other step's and the gateway's (found by last session's reviews)."""
    order_id = flood(engineering)
    as_caller(engineering, staff("lin", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):
        start(engineering, order_id, started_at=at(REPORTED + timedelta(hours=1)))  # to come: his hands first
    with pytest.raises(Forbidden):
        start(engineering, order_id, started_at="2026-11-23T13:20:00Z")
    as_caller(engineering, TECHNICIAN)
    assert start(engineering, order_id)["status"] == "in_progress"


def test_a_technician_not_on_the_order_is_refused_its_sign_off_before_its_body_is_read(engineering):
    """The sign-off is a step on the order as the others are: a technician not on it completing it
    without the emergency's summary was told the summary is required (422), then with one that the
    order is not his (403); every other step asks whose hands before the body (found by r6
    reviewing h6: ``complete_work_order`` still read the body first)."""
    order_id = flood(engineering)
    start(engineering, order_id)
    as_caller(engineering, staff("lin", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):
        engineering.complete_work_order({"estate_id": ESTATE, "id": order_id, "data": {"materials": [], "charge_cents": 0}})
    with pytest.raises(Forbidden):
        engineering.complete_work_order({"estate_id": ESTATE, "id": order_id,
                                         "data": {"materials": [], "charge_cents": 0, "summary": "pumped out"}})
    as_caller(engineering, TECHNICIAN)
    with pytest.raises(BusinessRuleViolation):  # his own: the body's rules, as before
        engineering.complete_work_order({"estate_id": ESTATE, "id": order_id, "data": {"materials": [], "charge_cents": 0}})
    done = engineering.complete_work_order({"estate_id": ESTATE, "id": order_id,
                                            "data": {"materials": [], "charge_cents": 0, "summary": "pumped out"}})
    assert done["status"] == "completed"
    as_caller(engineering, staff("lin", ["technician"], [ESTATE]))
    with pytest.raises(Conflict):  # its state first, as every step's
        engineering.complete_work_order({"estate_id": ESTATE, "id": order_id, "data": {"materials": [], "charge_cents": 0}})
