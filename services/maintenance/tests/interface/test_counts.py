"""The open work orders counted (``count_work_orders``, GET …/work-orders/counts): the engineering
board's team load read 200 orders of each status and said "N+" past them, as the API counted none.
The counts are the orders the list answers, status by status and technician by technician, the
late ones by the list's own rule (``overdue=true``), of the estate alone, through index buckets."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import Forbidden
from estate_common.testing import as_caller, staff, worker
from maintenance import store
from maintenance.service import MaintenanceService

from .test_service import (ESTATE, MANAGER, act, completion, frozen, open_repair, orders,  # noqa: F401
                           request_created)


@pytest.fixture
def engineering():
    return worker(MaintenanceService, caller=MANAGER)


def counted(service, estate_id=ESTATE):
    return service.count_work_orders({"estate_id": estate_id})


def a_team_s_orders(service):
    """Two technicians' orders in every kind of open status, one of each done or cancelled, two
    waiting for someone; ``{name: order id}``."""
    made = {name: open_repair(service, f"sr_{name}") for name in (
        "waiting", "helped", "chen_assigned", "chen_appointed", "chen_started", "chen_done", "liu_assigned",
        "liu_quoted", "cancelled")}
    for name in ("helped", "chen_assigned", "chen_appointed", "chen_started", "chen_done"):
        act(service, "assign_work_order", made[name], technician="chen")
    for name in ("liu_assigned", "liu_quoted"):
        act(service, "assign_work_order", made[name], technician="liu")
    act(service, "request_help", made["helped"], reason="two hands")
    act(service, "appoint_work_order", made["chen_appointed"], at="2026-11-25T02:00:00.000Z")
    act(service, "mark_emergency", made["chen_started"], category="flooding")
    act(service, "mark_emergency", made["liu_assigned"], category="water_mains")
    for name in ("chen_started", "chen_done", "liu_quoted"):
        act(service, "start_work_order", made[name])
    act(service, "quote_work_order", made["liu_quoted"], amount_cents=4500,
        items=[{"name": "valve", "amount_cents": 4500}])
    act(service, "complete_work_order", made["chen_done"], **completion())
    act(service, "cancel_work_order", made["cancelled"], reason="registered twice")
    return made


def test_the_counts_are_the_open_orders_by_status_and_technician_and_the_late_ones_as_the_list_judges(engineering):
    a_team_s_orders(engineering)
    clock.advance(timedelta(hours=25))  # the repairs' 24 hours to start are over; the emergency's 30 minutes too
    counts = counted(engineering)
    assert counts["as_of"] == clock.now_iso()
    assert (counts["open"], counts["late"], counts["emergency"]) == (7, 5, 2)
    assert counts["by_status"] == {
        "pending": {"open": 1, "late": 1, "emergency": 0}, "assigned": {"open": 2, "late": 2, "emergency": 1},
        "appointed": {"open": 1, "late": 1, "emergency": 0}, "in_progress": {"open": 1, "late": 0, "emergency": 1},
        "quoted": {"open": 1, "late": 0, "emergency": 0}, "consented": {"open": 0, "late": 0, "emergency": 0},
        "on_hold": {"open": 0, "late": 0, "emergency": 0}, "needs_help": {"open": 1, "late": 1, "emergency": 0}}
    assert counts["by_technician"] == [
        {"technician": "chen", "open": 3, "late": 2, "emergency": 1, "by_status": {
            "assigned": {"open": 1, "late": 1, "emergency": 0}, "appointed": {"open": 1, "late": 1, "emergency": 0},
            "in_progress": {"open": 1, "late": 0, "emergency": 1}}},
        {"technician": "liu", "open": 2, "late": 1, "emergency": 1, "by_status": {
            "assigned": {"open": 1, "late": 1, "emergency": 1}, "quoted": {"open": 1, "late": 0, "emergency": 0}}}]
    assert counts["unassigned"] == {"open": 2, "late": 2, "emergency": 0, "by_status": {
        "pending": {"open": 1, "late": 1, "emergency": 0}, "needs_help": {"open": 1, "late": 1, "emergency": 0}}}
    # each the list's answer: its status, its technician, its overdue=true (the board's late rule)
    for status, tally in counts["by_status"].items():
        assert tally["open"] == len(orders(engineering, status=status)), status
        assert tally["late"] == len(orders(engineering, status=status, overdue="true")), status
    for row in counts["by_technician"]:
        for status, tally in row["by_status"].items():
            held = orders(engineering, status=status, technician=row["technician"])
            assert tally["open"] == len(held)
            assert tally["late"] == len(orders(engineering, status=status, technician=row["technician"], overdue="true"))
            assert tally["emergency"] == sum(o["priority"] == "emergency" for o in held)
    assert counts["late"] == len(orders(engineering, overdue="true"))


def test_a_late_count_is_the_deadline_the_order_still_owes_at_the_moment_asked(engineering):
    made = a_team_s_orders(engineering)
    assert counted(engineering)["late"] == 0
    clock.advance(timedelta(minutes=31))  # liu's emergency was due on site within 30 minutes
    counts = counted(engineering)
    assert counts["late"] == 1 and counts["by_technician"][1]["by_status"]["assigned"]["late"] == 1
    act(engineering, "start_work_order", made["liu_assigned"])  # the response given, late: it owes no start now
    assert counted(engineering)["late"] == 0


def test_another_estate_s_orders_are_not_counted(engineering):
    open_repair(engineering, "sr_1")
    engineering.open_from_service_request(request_created(request_id="sr_9", estate="est_2"))
    other = staff("li", ["manager"], ["est_2"])
    as_caller(engineering, other)
    [theirs] = engineering.list_work_orders({"estate_id": "est_2", "filters": {}})["items"]
    engineering.assign_work_order({"estate_id": "est_2", "id": theirs["id"], "data": {"technician": "chen"}})
    assert counted(engineering, "est_2")["by_technician"][0]["open"] == 1
    as_caller(engineering, MANAGER)
    counts = counted(engineering)
    assert (counts["open"], counts["by_technician"], counts["unassigned"]["open"]) == (1, [], 1)
    with pytest.raises(Forbidden):
        counted(engineering, "est_2")  # not his estate


def test_security_which_reads_its_findings_orders_alone_counts_none(engineering):
    as_caller(engineering, staff("bao", ["security"], [ESTATE]))
    with pytest.raises(Forbidden):
        counted(engineering)
    as_caller(engineering, staff("zhang", ["agent"], [ESTATE]))  # the front desk reads the board
    assert counted(engineering)["open"] == 0


def test_the_counts_read_the_open_orders_index_buckets_never_the_done_ones(engineering):
    """Counting is ``count_documents`` of index buckets of one estate's open statuses: an estate's
    completed and cancelled orders (its history: many) are not among what any count reads."""
    made = a_team_s_orders(engineering)
    collection, read = engineering.db.work_orders, []
    candidates = collection._candidates

    def spied(query, *args):
        found = candidates(query, *args)
        read.extend(found)
        assert query["estate_id"] == ESTATE and query["status"] in store.OPEN_STATUSES, query
        assert all(doc["status"] == query["status"] for doc in found), query  # a bucket, not a walk
        return found
    collection._candidates = spied
    try:
        counted(engineering)
    finally:
        collection._candidates = candidates
    assert read and not {doc["_id"] for doc in read} & {made["chen_done"], made["cancelled"]}
    names = set(collection.index_information())
    assert {"estate_id_1_status_1_technician_1_priority_1", "estate_id_1_status_1_technician_1__owed_by_1"} <= names
