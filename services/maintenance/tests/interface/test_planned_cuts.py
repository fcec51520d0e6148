"""A planned water or power cut (计划停水停电) and engineering's preparation for it (h9): customer service
publishes the cut on a notice (``notice_published`` with an ``outage``); maintenance opens ONE planned
order for it (its source the notice), its steps the preparation before the start (valves or breakers, the
lift maintenance told, the tanks) and the restart check after the end, due ``outage_prep_lead_hours``
before the start (its start) and at the cut's end (its completion). A revision moving the cut
(``notice_revised``, ``outage_change: moved``) moves the order's times; one calling it off cancels the
order with its reason, unless its work started."""
from datetime import timedelta

from estate_common import clock
from estate_common.testing import event
from maintenance import domain

from .test_service import ESTATE, REPORTED, act, as_caller, MANAGER, engineering, frozen, orders  # noqa: F401

STARTS = REPORTED + timedelta(days=2)  # Wednesday 09:00
ENDS = STARTS + timedelta(hours=10)
PUBLISHED_AT = clock.to_iso(REPORTED)


def outage(starts=STARTS, ends=ENDS, utility="water", **extra):
    return {"utility": utility, "starts_at": clock.to_iso(starts), "ends_at": clock.to_iso(ends),
            "lead_hours": 24, "notice_on_time": True, **extra}


def published(notice_id="ntc_1", **cut):
    cut_now = outage(**cut)
    return event("customer_service", "notice_published", ESTATE, {
        "id": notice_id, "title": "2、3号楼计划停水", "body": "自来水公司管网改造", "building": "2",
        "buildings": ["2", "3"], "published_at": PUBLISHED_AT, "expected_restoration_at": cut_now["ends_at"],
        "outage": cut_now})


def revised(change, revision=1, notice_id="ntc_1", reason="自来水公司改期", **cut):
    cut_now = outage(**cut)
    if change == "cancelled":
        cut_now["cancelled"] = {"at": clock.now_iso(), "by": "zhang", "reason": reason}
    else:
        cut_now["published_window"] = {"starts_at": clock.to_iso(STARTS), "ends_at": clock.to_iso(ENDS)}
    return event("customer_service", "notice_revised", ESTATE, {
        "id": notice_id, "title": "2、3号楼计划停水", "building": "2", "buildings": ["2", "3"],
        "body": "自来水公司管网改造", "until": None, "expected_restoration_at": cut_now["ends_at"],
        "outage": cut_now, "changed": ["outage"], "outage_change": change, "reason": reason,
        "revision": revision, "revised_at": clock.now_iso()})


def the_order(service):
    [order] = orders(service, source_type="notice")
    return order


def test_a_published_cut_opens_one_planned_order_for_its_notice(engineering):
    notice = published()
    engineering.open_for_planned_cut(notice)
    engineering.open_for_planned_cut(notice)  # redelivered
    engineering.open_for_planned_cut(published())  # the same publication announced twice (another event)
    order = the_order(engineering)
    assert order["source"] == {"type": "notice", "id": "ntc_1"}
    assert order["priority"] == "normal" and order["status"] == "pending"
    cut = order["outage"]
    assert (cut["notice_id"], cut["title"], cut["utility"], cut["buildings"]) == (
        "ntc_1", "2、3号楼计划停水", "water", ["2", "3"])
    assert cut["prep_due_at"] == clock.to_iso(STARTS - timedelta(hours=2))  # the default lead
    assert cut["restart_due_at"] == clock.to_iso(ENDS)
    assert order["response_due_at"] == cut["prep_due_at"] and order["deadline_at"] == cut["prep_due_at"]
    assert "valves_closed" in cut["steps"]["before"] and "tanks_filled" in cut["steps"]["before"]
    assert "water_quality_checked" in cut["steps"]["after"] and "supply_restored" in cut["steps"]["after"]
    [created] = [e["data"] for e in engineering.outbox.of_type("work_order_created")]
    assert created["source"] == {"type": "notice", "id": "ntc_1"}


def test_a_power_cut_tells_the_lift_maintenance_and_a_notice_of_no_cut_opens_nothing(engineering):
    engineering.open_for_planned_cut(published("ntc_p", utility="power"))
    cut = the_order(engineering)["outage"]
    assert {"breakers_off", "lift_maintenance_told"} <= set(cut["steps"]["before"])
    assert "lifts_checked" in cut["steps"]["after"]
    plain = published("ntc_plain")
    plain["data"]["outage"] = None
    engineering.open_for_planned_cut(plain)
    assert len(orders(engineering)) == 1


def test_the_lead_is_the_estate_s_and_the_restart_check_is_owed_once_the_preparation_started(engineering):
    as_caller(engineering, MANAGER)
    engineering.update_settings({"estate_id": ESTATE, "data": {"outage_prep_lead_hours": 6}})
    engineering.open_for_planned_cut(published())
    order = the_order(engineering)
    assert order["outage"]["prep_due_at"] == clock.to_iso(STARTS - timedelta(hours=6))
    act(engineering, "assign_work_order", order["id"], technician="chen")
    started = act(engineering, "start_work_order", order["id"])
    assert started["deadline_at"] == clock.to_iso(ENDS)  # the restart check, by the cut's end


def test_a_moved_cut_moves_the_order_s_times_once_and_an_older_revision_does_not(engineering):
    engineering.open_for_planned_cut(published())
    later = STARTS + timedelta(days=2)
    move = revised("moved", revision=2, starts=later, ends=later + timedelta(hours=8))
    engineering.follow_planned_cut(move)
    engineering.follow_planned_cut(move)  # redelivered
    engineering.follow_planned_cut(revised("moved", revision=1, starts=STARTS + timedelta(days=1),
                                           ends=ENDS + timedelta(days=1)))  # came late
    order = the_order(engineering)
    assert (order["outage"]["starts_at"], order["outage"]["ends_at"]) == (
        clock.to_iso(later), clock.to_iso(later + timedelta(hours=8)))
    assert order["outage"]["prep_due_at"] == clock.to_iso(later - timedelta(hours=2))
    assert order["deadline_at"] == order["response_due_at"] == order["outage"]["prep_due_at"]
    assert [h["action"] for h in order["history"]].count("outage_moved") == 1


def test_a_called_off_cut_cancels_the_order_with_its_reason(engineering):
    engineering.open_for_planned_cut(published())
    off = revised("cancelled", revision=1, reason="自来水公司取消施工")
    engineering.follow_planned_cut(off)
    engineering.follow_planned_cut(off)
    order = the_order(engineering)
    assert order["status"] == "cancelled" and "自来水公司取消施工" in order["history"][-1]["note"]
    [told] = [e["data"] for e in engineering.outbox.of_type("work_order_cancelled")]
    assert told["source"] == {"type": "notice", "id": "ntc_1"} and "自来水公司取消施工" in told["reason"]


def test_a_cut_called_off_after_its_preparation_started_is_not_cancelled(engineering):
    engineering.open_for_planned_cut(published())
    order = the_order(engineering)
    act(engineering, "assign_work_order", order["id"], technician="chen")
    act(engineering, "start_work_order", order["id"])
    engineering.follow_planned_cut(revised("cancelled", reason="取消"))
    order = the_order(engineering)
    assert order["status"] == "in_progress" and order["outage"]["cancelled"]
    assert order["history"][-1]["action"] == "outage_cancelled"


def test_a_revision_heard_before_the_publication_opens_the_order_as_the_cut_now_stands(engineering):
    later = STARTS + timedelta(days=1)
    engineering.follow_planned_cut(revised("moved", starts=later, ends=later + timedelta(hours=4)))
    engineering.open_for_planned_cut(published())  # each event type has its queue: it came after
    order = the_order(engineering)
    assert order["outage"]["starts_at"] == clock.to_iso(later)
    assert engineering.outbox.of_type("work_order_outage_moved") == []  # opened so: nothing moved (h4)
    engineering.follow_planned_cut(revised("cancelled", revision=2, notice_id="ntc_2"))
    engineering.open_for_planned_cut(published("ntc_2"))
    [called_off] = orders(engineering, source_type="notice", status="cancelled")
    assert called_off["source"]["id"] == "ntc_2"
    assert domain.work_order_id(ESTATE, "notice", "ntc_2") == called_off["id"]


def test_a_cut_s_end_moved_alone_moves_the_restart_check_and_keeps_the_preparation_due(engineering):
    """The desk revised the restoration alone (back at 20:00, not 18:00): customer service now says the cut
    moved (``outage_change: moved``, its start as it was); the order's restart check follows the end and its
    preparation stays due as before, where judged as a new window it fell due at the start (h4)."""
    engineering.open_for_planned_cut(published())
    before = the_order(engineering)
    clock.freeze(STARTS - timedelta(hours=1))  # past the preparation's due time: a new window would be late
    engineering.follow_planned_cut(revised("moved", ends=ENDS + timedelta(hours=2)))
    order = the_order(engineering)
    assert order["outage"]["restart_due_at"] == clock.to_iso(ENDS + timedelta(hours=2))
    assert order["outage"]["prep_due_at"] == before["outage"]["prep_due_at"]
    assert order["response_due_at"] == before["response_due_at"]


def test_the_order_s_moved_times_are_announced(engineering):
    """A moved cut moved its order's times and announced nothing: archive's record of the order and an
    integrator kept the first window, due times and all (h4). ``work_order_outage_moved`` tells them, once
    per revision applied; a cut called off announces the order's cancellation, as before."""
    engineering.open_for_planned_cut(published())
    later = STARTS + timedelta(days=2)
    move = revised("moved", revision=1, starts=later, ends=later + timedelta(hours=8), reason="自来水公司改期")
    engineering.follow_planned_cut(move)
    engineering.follow_planned_cut(move)  # redelivered: nothing more
    order = the_order(engineering)
    [told] = [e["data"] for e in engineering.outbox.of_type("work_order_outage_moved")]
    assert told["id"] == order["id"] and told["number"] == order["number"]
    assert told["source"] == {"type": "notice", "id": "ntc_1"}
    assert told["outage"] == {"notice_id": "ntc_1", "starts_at": clock.to_iso(later),
                              "ends_at": clock.to_iso(later + timedelta(hours=8)),
                              "prep_due_at": clock.to_iso(later - timedelta(hours=2)),
                              "restart_due_at": clock.to_iso(later + timedelta(hours=8))}
    assert told["before"] == {"starts_at": clock.to_iso(STARTS), "ends_at": clock.to_iso(ENDS),
                              "prep_due_at": clock.to_iso(STARTS - timedelta(hours=2)),
                              "restart_due_at": clock.to_iso(ENDS)}
    assert told["response_due_at"] == order["response_due_at"] == told["outage"]["prep_due_at"]
    assert told["reason"] == "自来水公司改期" and told["revision"] == 1
    [entry] = [h for h in order["history"] if h["action"] == "outage_moved"]
    assert told["moved_at"] == entry["at"]
