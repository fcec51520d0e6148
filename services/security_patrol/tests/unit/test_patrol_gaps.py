"""The missed patrol rounds and their notices, without broker or store."""
from datetime import datetime, timedelta, timezone

import pytest

from security_patrol import kpis, patrol_gaps, patrols
from security_patrol.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
UTC = timezone.utc
ROUTE = patrols.new_route("proute_1", "est_1", {"name": "Loop", "checkpoints": [
    {"code": "A", "name": "a"}, {"code": "B", "name": "b"}]}, datetime(2026, 10, 1, tzinfo=UTC), "chen")
# every 30 minutes round the clock (48 rounds from 00:00), 20 minutes each: a day plan stored before
# a plan's start time had to lie within its shift's hours (it is still read as stored)
HALF_HOURLY = patrols.new_plan("pplan_1", "est_1", ROUTE, {
    "shift": "day", "start_time": "06:00", "expected_minutes": 20},
    datetime(2026, 10, 1, tzinfo=UTC), "chen", RULES) | {"start_time": "00:00", "rounds": 48, "interval_minutes": 30}


def test_the_list_stops_at_its_limit_and_the_sweep_does_not():
    """A month of half-hourly rounds nobody walked is 1,440 slots: the list shows 1,000 and counts
    the rest; the sweep's items have no limit, or the slots past the first 1,000 were never raised."""
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    now = end + timedelta(hours=1)
    listed = patrol_gaps.missed_rounds([HALF_HOURLY], {"proute_1": ROUTE}, [], start, end, now, RULES)
    slots = [(HALF_HOURLY, slot) for slot in kpis.counted_slots(HALF_HOURLY, start, end, now, RULES)]
    every = patrol_gaps.missed_of(slots, {"proute_1": ROUTE}, [], RULES)
    assert (len(listed["items"]), listed["more"], len(every)) == (1000, 440, 1440)
    assert every[:1000] == listed["items"]


def test_the_sweep_takes_the_slots_over_in_the_last_two_days_however_long_they_last():
    now = datetime(2026, 11, 26, 2, tzinfo=UTC)
    gone = patrol_gaps.slots_gone_over([HALF_HOURLY], now, RULES)
    assert len(gone) == 96  # two days of half-hourly slots
    assert min(slot for _, slot in gone) + timedelta(minutes=30) > now - timedelta(days=2)
    assert max(slot for _, slot in gone) + timedelta(minutes=30) <= now
    # a day-long round with a day's tolerance is over two days after it began: counted from its
    # start, the sweep's window held it for an instant only, and a 5-minute timer missed it
    rules = {**RULES, "patrol_late_tolerance_minutes": 1440}
    long = patrols.new_plan("pplan_2", "est_1", ROUTE, {"shift": "day", "start_time": "08:00", "expected_minutes": 1440},
                            datetime(2026, 10, 1, tzinfo=UTC), "chen", RULES)
    slot = datetime(2026, 11, 22, 0, tzinfo=UTC)  # 22 Nov 08:00 in the estate, over on the 24th at 00:00Z
    assert (long, slot) not in patrol_gaps.slots_gone_over([long], slot + timedelta(days=1, hours=23), rules)
    assert (long, slot) in patrol_gaps.slots_gone_over([long], slot + timedelta(days=2, minutes=5), rules)
    assert (long, slot) in patrol_gaps.slots_gone_over([long], slot + timedelta(days=3, hours=23), rules)
    assert (long, slot) not in patrol_gaps.slots_gone_over([long], slot + timedelta(days=4), rules)
    assert patrol_gaps.plans_read_since(now) == now - timedelta(days=4)


def test_one_notice_per_plan_and_slot_with_its_event():
    now = datetime(2026, 11, 23, 16, 31, tzinfo=UTC)  # the 00:00 slot is over (20 + 10 minutes of tolerance)
    slots = [(plan, slot) for plan, slot in patrol_gaps.slots_gone_over([HALF_HOURLY], now, RULES)
             if slot == datetime(2026, 11, 23, 16, tzinfo=UTC)]
    [missed] = patrol_gaps.missed_of(slots, {"proute_1": ROUTE}, [], RULES)
    notice, [(event_type, data)] = patrol_gaps.new_notice("est_1", missed, now)
    assert notice["_id"] == patrol_gaps.notice_id("est_1", "pplan_1", "2026-11-23T16:00:00.000Z") == data["id"]
    assert patrol_gaps.notice_id("est_2", "pplan_1", "2026-11-23T16:00:00.000Z") != notice["_id"]
    assert patrol_gaps.notice_id("est_1", "pplan_1", "2026-11-23T16:30:00.000Z") != notice["_id"]
    assert event_type == "patrol_round_missed"
    assert data == {"id": notice["_id"], "plan_id": "pplan_1", "route_id": "proute_1", "route_name": "Loop",
                    "shift": "day", "scheduled_start": "2026-11-23T16:00:00.000Z",
                    "over_at": "2026-11-23T16:30:00.000Z", "checkpoints": 2, "round_id": None, "why": "not_walked",
                    "raised_at": "2026-11-23T16:31:00.000Z"}
    assert (notice["estate_id"], notice["scheduled_start"]) == ("est_1", "2026-11-23T16:00:00.000Z")


def test_slots_in_a_patrol_suspension_are_neither_owed_nor_missed():
    """停巡 (a typhoon night, h5's probe): the manager suspends the outdoor rounds from 20:00 to 06:00;
    the slots starting in it are not planned in patrol completion, not in the month's missed rounds
    and not announced, where a guard kept indoors by the storm had every slot of the night against him."""
    from security_patrol import suspensions
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    storm = suspensions.new_suspension("psusp_1", "est_1", {
        "from": "2026-11-23T12:00:00.000Z", "to": "2026-11-23T22:00:00.000Z", "reason": "台风海葵登陆，停止室外巡逻"},
        now, "mgr", RULES)
    assert storm["hours"] == 10 and storm["reason"] == "台风海葵登陆，停止室外巡逻"
    every = kpis.counted_slots(HALF_HOURLY, start, end, now, RULES)
    kept = kpis.counted_slots(HALF_HOURLY, start, end, now, RULES, [storm])
    assert len(every) - len(kept) == 20  # ten hours of half-hourly slots
    assert all(not suspensions.suspended(slot, [storm]) for slot in kept)
    assert datetime(2026, 11, 23, 11, 30, tzinfo=UTC) in kept and datetime(2026, 11, 23, 22, tzinfo=UTC) in kept
    assert kpis.patrol_completion([HALF_HOURLY], {"proute_1": ROUTE}, [], start, end, now, RULES, [storm]) == (
        0, 2 * len(kept))
    listed = patrol_gaps.missed_rounds([HALF_HOURLY], {"proute_1": ROUTE}, [], start, end, now, RULES, [storm])
    assert len(listed["items"]) + listed["more"] == len(kept)
    gone = patrol_gaps.slots_gone_over([HALF_HOURLY], now, RULES, [storm])
    assert len(gone) == 96 - 20


def test_a_patrol_suspension_is_bounded_and_explained():
    from estate_common.errors import BusinessRuleViolation
    from security_patrol import suspensions
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)

    def refused(data, rules=RULES):
        with pytest.raises(BusinessRuleViolation) as caught:
            suspensions.new_suspension("psusp_1", "est_1", {"reason": "台风", **data}, now, "mgr", rules)
        return caught.value.errors[0]["field"]

    assert refused({"from": "2026-11-23T12:00:00.000Z", "to": "2026-11-23T12:00:00.000Z"}) == "data.to"
    assert refused({"from": "2026-11-20T12:00:00.000Z", "to": "2026-11-23T13:00:00.000Z"}) == "data.to"  # > 72 h
    assert refused({"from": "2026-09-01T12:00:00.000Z", "to": "2026-09-01T18:00:00.000Z"}) == "data.from"  # long ago
    assert refused({"from": "2026-12-04T12:00:00.000Z", "to": "2026-12-04T18:00:00.000Z"}) == "data.from"  # far ahead
    ahead = suspensions.new_suspension("psusp_2", "est_1", {"from": "2026-11-25T12:00:00.000Z",
                                                           "to": "2026-11-26T00:00:00.000Z", "reason": "台风预警"},
                                       now, "mgr", RULES)
    assert ahead["from"] == "2026-11-25T12:00:00.000Z" and ahead["created_by"] == "mgr"


def test_a_past_window_is_a_manager_s_within_the_backdate_hours_and_longer_back_the_operator_admin_s():
    """Five 72-hour suspensions recorded 14 days back erased two weeks of rounds (review r5): a
    window starting more than ``patrol_suspension_backdate_hours`` (24) ago is the operator admin's
    alone; the manager's is a 422 naming data.from, the night before still his."""
    from estate_common.errors import BusinessRuleViolation
    from security_patrol import suspensions
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    last_night = {"from": "2026-11-23T12:00:00.000Z", "to": "2026-11-23T22:00:00.000Z", "reason": "台风"}
    assert suspensions.new_suspension("psusp_1", "est_1", last_night, now, "mgr", RULES, ["manager"])["from"] == \
        "2026-11-23T12:00:00.000Z"
    week_ago = {"from": "2026-11-17T12:00:00.000Z", "to": "2026-11-20T12:00:00.000Z", "reason": "台风"}
    with pytest.raises(BusinessRuleViolation) as refused:
        suspensions.new_suspension("psusp_2", "est_1", week_ago, now, "mgr", RULES, ["manager"])
    assert refused.value.errors[0]["field"] == "data.from" and "24 hours" in str(refused.value)
    kept = suspensions.new_suspension("psusp_2", "est_1", week_ago, now, "root", RULES, ["operator_admin"])
    assert kept["hours"] == 72
    # the estate's own setting: 0, none back for a manager (from now on)
    with pytest.raises(BusinessRuleViolation):
        suspensions.new_suspension("psusp_3", "est_1", last_night, now, "mgr",
                                   {**RULES, "patrol_suspension_backdate_hours": 0}, ["manager"])


def test_a_withdrawn_suspension_is_kept_and_its_slots_are_owed_again():
    from estate_common.errors import Conflict, InvalidInput
    from security_patrol import suspensions
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    wrong = suspensions.new_suspension("psusp_1", "est_1", {
        "from": "2026-11-23T04:00:00.000Z", "to": "2026-11-23T14:00:00.000Z", "reason": "台风"}, now, "mgr", RULES)
    withdrawn = wrong | suspensions.withdrawal(wrong, {"reason": "  时间填错，应为 20:00–06:00 "}, now, "mgr")
    assert (withdrawn["withdrawn_by"], withdrawn["withdrawal_reason"]) == ("mgr", "时间填错，应为 20:00–06:00")
    assert withdrawn["from"] == wrong["from"] and withdrawn["reason"] == "台风"  # kept beside it
    with pytest.raises(Conflict):
        suspensions.withdrawal(withdrawn, {"reason": "again"}, now, "mgr")
    with pytest.raises(InvalidInput):
        suspensions.withdrawal(wrong, {"reason": "   "}, now, "mgr")
    every = kpis.counted_slots(HALF_HOURLY, start, end, now, RULES)
    assert kpis.counted_slots(HALF_HOURLY, start, end, now, RULES, [withdrawn]) == every
    assert len(every) - len(kpis.counted_slots(HALF_HOURLY, start, end, now, RULES, [wrong])) == 20


def test_patrol_completion_says_how_many_slots_a_suspension_took_out():
    """An operator comparing estates reads 0/0 of a suspended month as "no data": the KPI names the
    slots suspended beside it (``suspended_slots``)."""
    from security_patrol import suspensions
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    storm = suspensions.new_suspension("psusp_1", "est_1", {
        "from": "2026-11-23T12:00:00.000Z", "to": "2026-11-23T22:00:00.000Z", "reason": "台风"}, now, "mgr", RULES)
    facts = {"plans": [HALF_HOURLY], "routes": {"proute_1": ROUTE}, "rounds": [], "suspensions": [storm],
             "major_incidents": 0, "households": 10, "fire_checked": 0, "fire_ledger": 0, "fire_drills_this_year": 0}
    shown = kpis.for_estate(facts, start, end, now, RULES)["patrol_completion"]
    assert shown["suspended_slots"] == 20 and shown["denominator"] == 2 * (len(
        kpis.counted_slots(HALF_HOURLY, start, end, now, RULES)) - 20)
    assert kpis.for_estate(facts | {"suspensions": []}, start, end, now, RULES)["patrol_completion"][
        "suspended_slots"] == 0


def test_a_suspension_of_chosen_routes_leaves_the_others_owed():
    """h1, the typhoon's leftovers: a 停巡 covered every route of the estate, so the lobby's round under
    a roof went unowed with the car park's under water. One naming its routes (``route_ids``) takes out
    their slots alone; one naming none covers every route, as before; withdrawn, its slots are owed again."""
    from estate_common.errors import BusinessRuleViolation
    from security_patrol import suspensions
    lobby = patrols.new_route("proute_2", "est_1", {"name": "Lobby", "checkpoints": [{"code": "L", "name": "l"}]},
                              datetime(2026, 10, 1, tzinfo=UTC), "chen")
    indoors = HALF_HOURLY | {"_id": "pplan_2", "route_id": "proute_2"}
    routes = {"proute_1": ROUTE, "proute_2": lobby}
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    window = {"from": "2026-11-23T12:00:00.000Z", "to": "2026-11-23T22:00:00.000Z", "reason": "台风"}
    outdoor = suspensions.new_suspension("psusp_1", "est_1", {**window, "route_ids": ["proute_1", "proute_1"]}, now,
                                         "mgr", RULES, routes={"proute_1": ROUTE})
    assert outdoor["route_ids"] == ["proute_1"]
    assert suspensions.event_data(outdoor)["route_ids"] == ["proute_1"]
    every = suspensions.new_suspension("psusp_2", "est_1", window, now, "mgr", RULES)
    assert every["route_ids"] is None
    owed = len(kpis.counted_slots(HALF_HOURLY, start, end, now, RULES))
    assert len(kpis.counted_slots(HALF_HOURLY, start, end, now, RULES, [outdoor])) == owed - 20
    assert len(kpis.counted_slots(indoors, start, end, now, RULES, [outdoor])) == owed  # the lobby still owed
    assert len(kpis.counted_slots(indoors, start, end, now, RULES, [every])) == owed - 20
    left_out = []
    assert kpis.patrol_completion([HALF_HOURLY, indoors], routes, [], start, end, now, RULES, [outdoor], left_out) == (
        0, 2 * (owed - 20) + owed)
    assert len(left_out) == 20
    listed = patrol_gaps.missed_rounds([HALF_HOURLY, indoors], routes, [], start, end, now, RULES, [outdoor])
    assert len(listed["items"]) + listed["more"] == 2 * owed - 20
    assert len(patrol_gaps.slots_gone_over([HALF_HOURLY, indoors], now, RULES, [outdoor])) == 2 * 96 - 20
    withdrawn = outdoor | {"withdrawn_at": "2026-11-24T01:00:00.000Z"}
    assert len(kpis.counted_slots(HALF_HOURLY, start, end, now, RULES, [withdrawn])) == owed
    with pytest.raises(BusinessRuleViolation) as refused:
        suspensions.new_suspension("psusp_3", "est_1", {**window, "route_ids": ["proute_1", "proute_9"]}, now, "mgr",
                                   RULES, routes={"proute_1": ROUTE})
    assert refused.value.errors == [{"field": "data.route_ids[1]", "message": "is not a patrol route of this estate"}]
