"""An integrator's incremental sync of service requests (``updated_since``): every write that changes
what the API shows of a request moves its ``updated_at`` to the moment of the write (a desk's step,
maintenance's events however late they come, the overdue sweep), bookkeeping does not, and the list
answers the changes in ``(updated_at, _id)`` order."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import InvalidInput
from estate_common.testing import as_caller

from .test_service_requests import (AGENT, ESTATE, MANAGER, act, assigned, completed, created_order,  # noqa: F401
                                    frozen_clock, new, started, visit)
from .test_portal import appointed
from .test_service import cancelled_order


def stored(desk, request):
    return desk.db.service_requests.find_one({"_id": request["id"]})


def moved(desk, request, write):
    """``write()`` a second after the last write: the request's updated_at is now that moment."""
    clock.advance(timedelta(seconds=1))
    write()
    return stored(desk, request)["updated_at"] == clock.now_iso()


def still(desk, request, write):
    before = stored(desk, request)["updated_at"]
    clock.advance(timedelta(seconds=1))
    write()
    return stored(desk, request)["updated_at"] == before


def late(made):
    """An event delivered an hour after it occurred (the broker was down)."""
    return {**made, "occurred_at": clock.to_iso(clock.now() - timedelta(hours=1))}


def test_every_desk_step_on_a_request_moves_its_updated_at(desk):
    as_caller(desk, MANAGER)
    desk.create_custom_field({"estate_id": ESTATE, "data": {
        "resource": "service_request", "key": "ref", "label": {"zh": "参考", "en": "Ref"}, "type": "text"}})
    as_caller(desk, AGENT)
    complaint = desk.create_request(new())
    assert stored(desk, complaint)["updated_at"] == clock.now_iso()
    for action, data in (("verify", {"finding": "confirmed"}), ("escalate", {"reason": "third time"})):
        assert moved(desk, complaint, lambda: act(desk, action, complaint, **data)), action
    as_caller(desk, MANAGER)
    for action, data in (("reply", {"message": "works limited to 8:00-18:00"}), ("close", {}),
                         ("judge", {"valid": True})):
        assert moved(desk, complaint, lambda: act(desk, action, complaint, **data)), action
    assert moved(desk, complaint, lambda: desk.set_service_request_custom(
        {"estate_id": ESTATE, "id": complaint["id"], "data": {"custom": {"ref": "x"}}}))
    consultation = desk.create_request(new("consultation"))
    assert moved(desk, consultation, lambda: act(desk, "reply", consultation, message="on Tuesdays"))
    assert moved(desk, consultation, lambda: act(desk, "reopen", consultation, reason="it was not Tuesday"))
    assert moved(desk, consultation, lambda: desk.match_request_household(
        {"estate_id": ESTATE, "id": consultation["id"], "data": {"household_id": "hh_2", "reason": "the neighbour's flat was picked"}}))


def test_what_maintenance_tells_moves_updated_at_to_the_write_however_late_the_event_comes(desk):
    """Stamped with a late event's own time, the change would land behind an integrator's last
    position and never be read."""
    repair = desk.create_request(new("repair", category="water"))
    events = [
        ("on_work_order_created", created_order(repair, "wo_1", {"type": "service_request", "id": repair["id"]})),
        ("on_work_order_assigned", assigned(repair, "li")),
        ("on_work_order_started", started(repair, at=clock.now_iso())),
        ("on_work_order_completed", completed(repair, at=clock.now_iso())),
    ]
    for handler, made in events:
        assert moved(desk, repair, lambda: getattr(desk, handler)(late(made))), handler
        if handler == "on_work_order_assigned":  # kept for the owner portal's view alone: not the API's
            assert still(desk, repair, lambda: desk.on_work_order_appointed(
                appointed(repair["id"], "2026-11-24T06:00:00.000Z", clock.now_iso())))
            assert stored(desk, repair)["_appointment"]
    as_caller(desk, AGENT)
    assert moved(desk, repair, lambda: desk.record_return_visit_attempt(
        {"estate_id": ESTATE, "id": repair["id"], "data": {"method": "phone", "note": "no answer"}}))
    assert moved(desk, repair, lambda: visit(desk, repair))
    cancelled = desk.create_request(new("repair"))
    desk.on_work_order_created(created_order(cancelled, "wo_2", {"type": "service_request", "id": cancelled["id"]}))
    assert moved(desk, cancelled, lambda: desk.on_work_order_cancelled(late(cancelled_order(cancelled["id"], "wo_2"))))


def test_the_overdue_sweep_moves_updated_at_and_bookkeeping_does_not(desk):
    """The sweep's stamp is shown (overdue_at, its history); a technician's right to read the
    repair (an assignment of an order the repair no longer waits for), a redelivered event and the
    outbox relay's pull are not: nothing an integrator sees changed."""
    complaint = desk.create_request(new())
    clock.advance(timedelta(days=7))
    assert moved(desk, complaint, desk.mark_overdue)
    assert stored(desk, complaint)["overdue_at"] and stored(desk, complaint)["_outbox"] == []
    assert still(desk, complaint, desk.mark_overdue)
    repair = desk.create_request(new("repair"))
    desk.on_work_order_created(created_order(repair, "wo_1", {"type": "service_request", "id": repair["id"]}))
    desk.on_work_order_completed(completed(repair, at=clock.now_iso()))
    follow_up = assigned(repair, "chen", order_id="wo_9", source_type="return_visit")
    assert still(desk, repair, lambda: desk.on_work_order_assigned(follow_up))
    assert stored(desk, repair)["_technicians"] == ["chen"]
    assert still(desk, repair, lambda: desk.on_work_order_assigned(follow_up))  # redelivered


def test_updated_since_lists_the_requests_changed_since_a_moment_in_the_order_of_their_changes(desk):
    first, second, third = (desk.create_request(new()) for _ in range(3))  # one millisecond
    since = clock.now_iso()
    clock.advance(timedelta(seconds=1))
    act(desk, "verify", first, finding="confirmed")

    def pages(**filters):
        seen, cursor = [], None
        while True:
            page = desk.list_requests({"estate_id": ESTATE, "limit": 1, **({"cursor": cursor} if cursor else {}),
                                       "filters": filters})
            seen += [r["id"] for r in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return seen

    assert pages(updated_since=since) == sorted([second["id"], third["id"]]) + [first["id"]]
    assert pages(updated_since=clock.now_iso()) == [first["id"]]
    assert pages(updated_since=since, status="open") == sorted([second["id"], third["id"]])
    assert pages(updated_since="2026-11-23T02:00:00Z", kind="complaint") == pages(updated_since=since)
    resumed = desk.list_requests({"estate_id": ESTATE, "cursor": f"{since}~{min(second['id'], third['id'])}",
                                  "filters": {"updated_since": since}})
    assert [r["id"] for r in resumed["items"]] == [max(second["id"], third["id"]), first["id"]]
    with pytest.raises(InvalidInput):
        desk.list_requests({"estate_id": ESTATE, "filters": {"updated_since": "2026-11-23"}})
