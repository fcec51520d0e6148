"""An integrator's incremental sync of work orders (``updated_since``): every write that changes
what the API shows of an order moves its ``updated_at`` to the moment of the write (a step's own,
an event's, a sweep's), bookkeeping does not, and the list answers the changes in
``(updated_at, _id)`` order."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import InvalidInput
from estate_common.testing import as_caller, event, worker
from maintenance import domain, operations, store
from maintenance.service import MaintenanceService

from .test_service import (ESTATE, MANAGER, TECHNICIAN, act, anomaly, completion, copied_estate, estate_copy, fire_defect,  # noqa: F401
                           follow_up, frozen, household_corrected, incident_opened, new_equipment, new_plan, open_repair,
                           orders, plan_orders)


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=MANAGER)


def stored(service, order_id):
    return service.db.work_orders.find_one({"_id": order_id})


def moved(service, order_id, write):
    """``write()`` a second after the last write: the order's updated_at is now that moment."""
    clock.advance(timedelta(seconds=1))
    write()
    return stored(service, order_id)["updated_at"] == clock.now_iso()


def still(service, order_id, write):
    """``write()`` a second later changes the order's updated_at not at all."""
    before = stored(service, order_id)["updated_at"]
    clock.advance(timedelta(seconds=1))
    write()
    return stored(service, order_id)["updated_at"] == before


def test_every_step_on_a_work_order_moves_its_updated_at(engineering):
    engineering.create_custom_field({"estate_id": ESTATE, "data": {
        "resource": "work_order", "key": "ref", "label": {"zh": "参考", "en": "Ref"}, "type": "text"}})
    order_id = open_repair(engineering)
    assert stored(engineering, order_id)["updated_at"] == clock.now_iso()
    steps = [
        ("assign_work_order", {"technician": "chen"}),
        ("appoint_work_order", {"at": "2026-11-23T15:00:00.000Z"}),
        ("reappoint_work_order", {"at": "2026-11-23T16:00:00.000Z", "reason": "part on order"}),
        ("mark_emergency", {"category": "flooding"}),
        ("set_work_order_custom", {"custom": {"ref": "x"}}),
        ("start_work_order", {}),
        ("request_help", {"reason": "two hands"}),
        ("assign_work_order", {"technician": "chen"}),
        ("start_work_order", {}),
        ("quote_work_order", {"amount_cents": 4500, "items": [{"name": "valve", "amount_cents": 4500}]}),
        ("consent_work_order", {"by": "Li Lei"}),
        ("complete_work_order", completion(charge_cents=4500, summary="main valve replaced")),
    ]
    for method, data in steps:
        assert moved(engineering, order_id, lambda: act(engineering, method, order_id, **data)), method
    other = open_repair(engineering, "sr_2")
    assert moved(engineering, other, lambda: act(engineering, "cancel_work_order", other, reason="registered twice"))


def test_what_other_services_events_and_the_sweeps_change_moves_updated_at_to_the_write_not_the_event(engineering):
    """An event delivered late (the broker down an hour) is written now: stamped with its own
    occurred_at, the change would land behind an integrator's last position and never be read."""
    order_id = open_repair(engineering)
    as_caller(engineering, None)
    late = {**household_corrected(), "occurred_at": clock.to_iso(clock.now() - timedelta(hours=1))}
    assert moved(engineering, order_id, lambda: engineering.move_to_corrected_household(late))
    assert stored(engineering, order_id)["household_id"] == "hh_2"
    for opened in (lambda: engineering.open_from_follow_up(follow_up()),
                   lambda: engineering.open_from_patrol_anomaly(anomaly()),
                   lambda: engineering.open_from_fire_defect(fire_defect()),
                   lambda: engineering.open_from_incident(incident_opened())):
        clock.advance(timedelta(seconds=1))
        opened()
    as_caller(engineering, MANAGER)
    assert {o["source"]["type"]: o["updated_at"] for o in orders(engineering)} == {
        "service_request": "2026-11-23T09:01:01.000Z", "return_visit": "2026-11-23T09:01:02.000Z",
        "patrol_anomaly": "2026-11-23T09:01:03.000Z", "fire_inspection": "2026-11-23T09:01:04.000Z",
        "incident": "2026-11-23T09:01:05.000Z"}
    clock.advance(timedelta(seconds=1))
    new_plan(engineering, new_equipment(engineering)["id"])  # the scheduler opens its jobs
    assert {o["updated_at"] for o in plan_orders(engineering)} == {clock.now_iso()}


def test_a_sweep_that_moves_the_deadline_an_order_shows_moves_its_updated_at(engineering):
    """deadline_at is what the API shows of the internal marker the deadline sweep keeps."""
    engineering.copy_estate(event("archive", "estate_created", ESTATE, estate_copy("Asia/Shanghai", 1)))
    order_id = open_repair(engineering)
    engineering.db.work_orders.update_one({"_id": order_id}, {"$unset": {domain.OWED_BY: ""}})  # made before
    assert moved(engineering, order_id, lambda: operations.keep_earlier_deadlines(engineering.db, engineering.outbox))
    assert stored(engineering, order_id)[domain.OWED_BY]


def test_bookkeeping_on_a_work_order_does_not_move_its_updated_at(engineering):
    """The overdue sweep's stamp and event, the announcements of steps made before they were
    announced, the outbox relay's pull and a correction that changes nothing: no change an
    integrator sees."""
    copied_estate(engineering)
    order_id, appointed = open_repair(engineering), open_repair(engineering, "sr_2")
    act(engineering, "assign_work_order", order_id, technician="chen")
    act(engineering, "assign_work_order", appointed, technician="chen")
    act(engineering, "appoint_work_order", appointed, at="2026-11-23T15:00:00.000Z")
    clock.advance(timedelta(hours=25))
    assert still(engineering, order_id, lambda: engineering.announce_overdue(clock.now()))
    assert stored(engineering, order_id)[domain.OVERDUE_ANNOUNCED]
    engineering.db.work_orders.update_one({"_id": appointed}, {"$unset": {domain.APPOINTMENT_ANNOUNCED: ""}})
    engineering.db.estates.update_many({}, {"$unset": {store.ASSIGNMENTS_ANNOUNCED: "", store.APPOINTMENTS_ANNOUNCED: ""}})
    for announced in (lambda: operations.announce_earlier_assignments(engineering.db, engineering.outbox, clock.now()),
                      lambda: operations.announce_earlier_appointments(engineering.db, engineering.outbox, clock.now())):
        assert still(engineering, order_id, announced) and still(engineering, appointed, announced)
    assert stored(engineering, order_id)["_assignment_announced_at"]
    assert stored(engineering, appointed)[domain.APPOINTMENT_ANNOUNCED]
    assert stored(engineering, order_id)["_outbox"] == []  # relayed, and pulled off
    as_caller(engineering, None)
    same = household_corrected(household_id="hh_1", previous="hh_1", at="2026-11-24T09:00:00.000Z")
    assert still(engineering, order_id, lambda: engineering.move_to_corrected_household(same))


def test_updated_since_lists_the_orders_changed_since_a_moment_in_the_order_of_their_changes(engineering):
    first, second, third = (open_repair(engineering, f"sr_{n}") for n in (1, 2, 3))  # one millisecond
    since = clock.now_iso()
    clock.advance(timedelta(seconds=1))
    act(engineering, "assign_work_order", first, technician="chen")
    changed = engineering.list_work_orders({"estate_id": ESTATE, "filters": {"updated_since": since}})
    assert [o["id"] for o in changed["items"]] == sorted([second, third]) + [first]
    later = engineering.list_work_orders({"estate_id": ESTATE, "filters": {"updated_since": clock.now_iso()}})
    assert [o["id"] for o in later["items"]] == [first]
    # a page at a time, each cursor a position in (updated_at, _id): nothing missed, nothing twice
    seen, cursor = [], None
    while True:
        page = engineering.list_work_orders({"estate_id": ESTATE, "limit": 1, **({"cursor": cursor} if cursor else {}),
                                             "filters": {"updated_since": since, "status": "assigned"}})
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [first]
    seen, cursor = [], None
    while True:
        page = engineering.list_work_orders({"estate_id": ESTATE, "limit": 1, **({"cursor": cursor} if cursor else {}),
                                             "filters": {"updated_since": since}})
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [o["id"] for o in changed["items"]]
    # resuming from the last item read: what shares its millisecond and comes after it, and later ones
    last = changed["items"][0]
    resumed = engineering.list_work_orders({"estate_id": ESTATE, "cursor": f"{last['updated_at']}~{last['id']}",
                                            "filters": {"updated_since": since}})
    assert [o["id"] for o in resumed["items"]] == [o["id"] for o in changed["items"][1:]]
    with pytest.raises(InvalidInput):
        engineering.list_work_orders({"estate_id": ESTATE, "filters": {"updated_since": "yesterday"}})


def test_a_technician_s_sync_reads_the_orders_he_reads(engineering):
    repair = open_repair(engineering)
    as_caller(engineering, None)
    engineering.open_from_patrol_anomaly(anomaly())
    as_caller(engineering, TECHNICIAN)
    assert len(orders(engineering, updated_since="2026-01-01T00:00:00Z")) == 2
    as_caller(engineering, MANAGER)
    assert repair in [o["id"] for o in orders(engineering, updated_since="2026-01-01T00:00:00Z")]
