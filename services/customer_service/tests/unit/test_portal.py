"""The owner portal's rules: tracking codes, the status history a filer sees, when a rating is taken."""
import pytest

from customer_service import portal
from estate_common.errors import Conflict


def entry(at, action, by="zhang"):
    return {"at": at, "by": by, "action": action, "note": None, "event_id": None}


def request(kind="repair", status="open", history=(), **extra):
    return {"kind": kind, "status": status, "number": "SR-2026-000001", "created_at": "2026-11-23T02:00:00.000Z",
            "updated_at": "2026-11-24T02:00:00.000Z", "history": list(history), "channel": "portal",
            "household_id": "hh_1", "portal": {"matched": True, "rating": None}, **extra}


def test_the_status_history_follows_the_transitions_and_leaves_other_steps_out():
    repair = request(status="follow_up", history=[
        entry("t1", "registered", "portal"), entry("t2", "dispatched"), entry("t3", "overdue", None),
        entry("t4", "completed"), entry("t5", "return_visit"), entry("t5", "follow_up_requested")])
    assert portal.statuses(repair) == [{"at": "t1", "status": "open"}, {"at": "t2", "status": "dispatched"},
                                       {"at": "t4", "status": "completed"}, {"at": "t5", "status": "follow_up"}]
    complaint = request(kind="complaint", status="escalated", history=[
        entry("t1", "registered"), entry("t2", "escalated"), entry("t3", "verified")])
    assert [s["status"] for s in portal.statuses(complaint)] == ["open", "escalated"]
    view = portal.tracking_view(complaint, "Asia/Shanghai")
    assert set(view) == {"number", "kind", "status", "created_at", "updated_at", "history", "rateable",
                         "satisfaction", "call_back", "return_visit_due_at", "reply", "appointment", "last_appointment", "waiting", "on_site_at", "due_at", "work_cancelled", "withdrawn", "charge_cents",
                         "timezone",
                         "service_phone", "duty_phone"}  # the centre's, null without an estate
    assert "zhang" not in str(view)


def test_a_rating_comes_once_the_work_is_done_and_only_once():
    rules = {"rating_call_back_max_score": 2}
    with pytest.raises(Conflict):
        portal.rate(request(), 5, portal.clock.now(), rules)
    finished = request(status="completed", completed_at="2026-11-23T09:00:00.000Z")
    change = portal.rate(finished, 4, portal.clock.parse_iso("2026-11-24T02:00:00Z"), rules)
    rating = change.set["portal"]["rating"]
    assert rating == {"satisfaction": 4, "rated_at": "2026-11-24T02:00:00.000Z", "call_back_due": False,
                      "called_back": None}
    assert portal.rate(finished, 2, portal.clock.now(), rules).set["portal"]["rating"]["call_back_due"] is True
    with pytest.raises(Conflict):
        portal.rate({**finished, "portal": change.set["portal"]}, 5, portal.clock.now(), rules)
    answered = request(kind="consultation", status="replied", answered_at="2026-11-23T03:00:00.000Z")
    assert portal.done(answered)
    assert portal.ratings([{**finished, "portal": change.set["portal"]}], "2026-11-01", "2026-12-01") == [4]
    assert portal.ratings([{**finished, "portal": change.set["portal"]}], "2026-12-01", "2027-01-01") == []


def test_only_an_unmatched_portal_request_is_matched_and_held_back_from_other_steps():
    waiting = request(household_id=None, portal={"matched": False, "rating": None})
    with pytest.raises(Conflict):
        portal.require_matched(waiting)
    portal.require_matched(request())
    with pytest.raises(Conflict):
        portal.match(request(), "hh_2", portal.clock.now(), "zhang")
    data = portal.desk_data({"kind": "repair", "description": "leak", "contact_phone": " 138 0013 8000 "})
    assert data["household_id"] is None  # the desk matches
    assert data["contact"] == {"name": None, "phone": "138 0013 8000"}  # the filer raised it
    assert portal.portal_part({"building": "3", "unit": "1", "room": "1201", "contact_phone": "138"})["matched"] is False


def test_a_repair_shows_the_appointment_of_the_order_it_waits_for_and_no_earlier_orders():
    """After a return visit found a problem, the first order's visit is not the follow-up's: hidden
    until the follow-up's order has its own appointment."""
    kept = {"work_order_id": "wo_1", "at": "t9", "set_at": "t8", "rescheduled": False, "previous_at": None}
    shown = {"at": "t9", "set_at": "t8", "rescheduled": False, "previous_at": None}
    assert portal.tracking_view(request(status="dispatched", work_order_id="wo_1", _appointment=kept),
                                "UTC")["appointment"] == shown
    # the appointment came before the order's created event (each event has its queue)
    assert portal.tracking_view(request(status="dispatched", _appointment=kept), "UTC")["appointment"] == shown
    follow_up = {"id": "fu_1", "work_order_id": None, "completed_at": None}
    for status, follow_ups in (("follow_up", [follow_up]), ("dispatched", [follow_up]),
                               ("dispatched", [{**follow_up, "work_order_id": "wo_2"}]), ("completed", [])):
        waiting = request(status=status, work_order_id="wo_1", follow_ups=follow_ups, _appointment=kept)
        assert portal.tracking_view(waiting, "UTC")["appointment"] is None, (status, follow_ups)
        # the visit that was agreed stays in the request's steps, the work done or not
        assert portal.tracking_view(waiting, "UTC")["last_appointment"] == shown, (status, follow_ups)
    for status in ("visited", "closed"):
        assert portal.tracking_view(request(status=status, _appointment=kept), "UTC")["last_appointment"] == shown
    assert portal.tracking_view(request(status="completed"), "UTC")["last_appointment"] is None  # none agreed
    complaint = request(kind="complaint", status="open", started_at="t1")
    assert portal.tracking_view(complaint, "UTC")["on_site_at"] is None


def test_a_visit_agreed_before_the_technician_came_is_no_longer_awaited():
    """The technician came before the time agreed (the owner called him in): the portal still said
    when he comes, a day later, beside "the technician came" (a probe of the repair chain). A new
    appointment after the work started (it could not be finished) is the visit awaited again."""
    kept = {"work_order_id": "wo_1", "at": "2026-12-06T20:30:00.000Z", "set_at": "2026-12-05T13:51:50.554Z",
            "rescheduled": True, "previous_at": "2026-12-06T15:00:00.000Z"}
    came = request(status="dispatched", work_order_id="wo_1", _appointment=kept, started_at="2026-12-05T13:52:05.420Z")
    view = portal.tracking_view(came, "UTC")
    assert view["appointment"] is None
    assert view["last_appointment"]["at"] == kept["at"] and view["on_site_at"] == "2026-12-05T13:52:05.420Z"
    again = {**kept, "set_at": "2026-12-05T15:00:00.000Z", "at": "2026-12-07T02:00:00.000Z"}
    assert portal.tracking_view({**came, "_appointment": again}, "UTC")["appointment"]["at"] == again["at"]


def test_the_filer_is_told_by_when_the_request_is_answered_until_it_is():
    """DOMAIN: the owner is told a repair's time limit, and a complaint is replied to within 7 days;
    the tracking page said neither (a phone probe): the request's ``due_at`` while it is owed."""
    complaint = request(kind="complaint", due_at="2026-11-30T02:00:00.000Z", answered_at=None)
    assert portal.tracking_view(complaint, "UTC")["due_at"] == "2026-11-30T02:00:00.000Z"
    replied = {**complaint, "answered_at": "2026-11-25T02:00:00.000Z", "status": "replied"}
    assert portal.tracking_view(replied, "UTC")["due_at"] is None
    repair = request(due_at="2026-11-24T02:00:00.000Z", answered_at=None, status="dispatched")
    assert portal.tracking_view(repair, "UTC")["due_at"] == "2026-11-24T02:00:00.000Z"
    started = {**repair, "answered_at": "2026-11-23T09:00:00.000Z", "started_at": "2026-11-23T09:00:00.000Z"}
    assert portal.tracking_view(started, "UTC")["due_at"] is None
    assert portal.tracking_view(request(kind="praise", due_at=None, answered_at=None), "UTC")["due_at"] is None


def test_a_repair_closed_because_its_work_order_was_cancelled_says_so_to_its_filer():
    """Maintenance cancelled the order (a duplicate, withdrawn): the page read "closed" as a repair
    done and visited does, and the owner waited for a technician who would not come (a phone probe)."""
    cancelled = request(status="closed", completed_at=None, closed_at="2026-11-23T05:00:00.000Z")
    assert portal.tracking_view(cancelled, "UTC")["work_cancelled"] is True
    done = {**cancelled, "completed_at": "2026-11-23T04:00:00.000Z"}  # done, then closed (or its follow-up cancelled)
    assert portal.tracking_view(done, "UTC")["work_cancelled"] is False
    assert portal.tracking_view(request(status="dispatched"), "UTC")["work_cancelled"] is False
    assert portal.tracking_view(request(kind="complaint", status="closed"), "UTC")["work_cancelled"] is False


def test_a_repair_completed_before_its_charge_was_kept_says_no_charge_not_free():
    """charge_cents came onto a request with its completion from 2026-11-30 (ffdfafe6): a repair
    completed before has none, and the tracking view read the missing charge as 0, the page telling
    its filer the work was free whatever the household was billed (found by review). Unknown is null;
    a charge kept (0 too) is said."""
    before = request(status="completed", completed_at="2026-11-20T04:00:00.000Z")
    assert "charge_cents" not in before and portal.tracking_view(before, "UTC")["charge_cents"] is None
    free = {**before, "charge_cents": 0}
    assert portal.tracking_view(free, "UTC")["charge_cents"] == 0
    assert portal.tracking_view({**before, "charge_cents": 12000}, "UTC")["charge_cents"] == 12000


def test_a_complaint_its_owner_withdrew_says_so_on_the_portal_and_asks_no_rating_unless_it_was_replied_to():
    """撤诉 (h2): the page read "closed" as a complaint answered does, and asked the owner to rate an
    answer he never had (the withdrawal stands for the answer in ``answered_at``)."""
    withdrawn = request(kind="complaint", status="closed", answered_at="2026-11-23T05:00:00.000Z",
                        closed_at="2026-11-23T05:00:00.000Z", reply=None,
                        withdrawn={"at": "2026-11-23T05:00:00.000Z", "by": "zhang", "reason": "fixed"})
    view = portal.tracking_view(withdrawn, "UTC")
    assert view["withdrawn"] is True and view["rateable"] is False and "fixed" not in str(view)
    replied = {**withdrawn, "replied_at": "2026-11-23T04:00:00.000Z", "reply": "the pipe is sealed"}
    assert portal.tracking_view(replied, "UTC")["rateable"] is True
    assert portal.tracking_view(request(kind="complaint", status="closed"), "UTC")["withdrawn"] is False
