"""Patrol rules without broker or store: routes, plan slots, due times, late and missed checkpoints."""
from datetime import date, datetime, timedelta, timezone

import pytest

from estate_common import calendar, clock
from estate_common.errors import BusinessRuleViolation, Conflict
from security_patrol import localtime, patrols
from security_patrol.rules import DEFAULTS

# The numbers and, as store.rules_for adds it from the estate's copy, its timezone.
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
# an estate whose day shift is the whole day: a plan's rounds may go round the clock
ROUND_THE_CLOCK = {**RULES, "day_shift_start_hour": 0, "day_shift_end_hour": 24}

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 22:00 in the estate (UTC+8)
ROUTE_DATA = {"name": "Night loop", "checkpoints": [
    {"code": "a1", "name": "North gate"}, {"code": "B2", "name": "Car park"}, {"code": "C3", "name": "Pump room"}]}


def route(data=ROUTE_DATA):
    return patrols.new_route("proute_1", "est_1", data, NOW, "chen")


def plan(on=None, rules=RULES, **changes):
    data = {"shift": "night", "start_time": "22:00", "expected_minutes": 60, **changes}
    return patrols.new_plan("pplan_1", "est_1", on or route(), data, NOW - timedelta(days=30), "chen", rules)


def test_checkpoint_codes_are_normalised_and_unique_on_a_route():
    assert [cp["code"] for cp in route()["checkpoints"]] == ["A1", "B2", "C3"]
    twice = {"name": "x", "checkpoints": [{"code": "a1", "name": "x"}, {"code": " A1 ", "name": "y"}]}
    with pytest.raises(BusinessRuleViolation) as refused:
        route(twice)
    assert refused.value.errors[0]["field"] == "data.checkpoints[1].code"


def test_more_rounds_need_an_interval_that_fits_in_a_day():
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(rounds=3)
    assert refused.value.errors[0]["field"] == "data.interval_minutes"
    with pytest.raises(BusinessRuleViolation):
        plan(rounds=4, interval_minutes=480)  # 3 x 480 = a whole day
    assert plan(shift="day", start_time="00:00", rounds=3, interval_minutes=480, rules=ROUND_THE_CLOCK)["rounds"] == 3


def test_a_checkpoint_falls_due_within_the_round():
    """An offset of 1440 minutes on an hour's round: the checkpoint fell due a day after the round
    began, was never late, and patrol completion read too high (a probe)."""
    far = route({"name": "x", "checkpoints": [{"code": "A", "name": "a", "offset_minutes": 10},
                                               {"code": "B", "name": "b", "offset_minutes": 1440},
                                               {"code": "C", "name": "c"}]})
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(far)
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [
        ("data.expected_minutes", "is less than checkpoint B's offset (1440 minutes)")]
    assert plan(far, expected_minutes=1440)["expected_minutes"] == 1440  # due as the round ends: may be late
    near = route({"name": "y", "checkpoints": [{"code": "A", "name": "a", "offset_minutes": 60}]})
    assert plan(near)["expected_minutes"] == 60
    with pytest.raises(BusinessRuleViolation):
        plan(near, expected_minutes=59)


def test_a_round_starts_once_the_one_before_is_expected_to_end():
    """Five rounds a minute apart on an hour's walk were accepted: four of them ran at once (a
    probe)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(rounds=5, interval_minutes=1)
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [
        ("data.interval_minutes", "is less than a round's expected minutes (60)")]
    with pytest.raises(BusinessRuleViolation):
        plan(rounds=2, interval_minutes=59)
    assert plan(rounds=5, interval_minutes=60)["rounds"] == 5  # each starts as the one before ends
    assert plan(expected_minutes=600)["rounds"] == 1  # one round: no other to overlap that day


def test_the_day_s_last_round_ends_before_the_next_day_s_first_begins():
    """Every day repeats the plan: three rounds of ten hours, ten hours apart, had the last one
    (20:00 after a 00:00 start) walking until 06:00, six hours into the next day's first."""
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(start_time="00:00", rounds=3, interval_minutes=600, expected_minutes=600)
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [
        ("data.expected_minutes", "the rounds from the first's start to the last's end exceed a day")]
    round_the_clock = {"shift": "day", "start_time": "00:00", "rules": ROUND_THE_CLOCK}
    assert plan(rounds=3, interval_minutes=480, expected_minutes=480, **round_the_clock)["rounds"] == 3
    assert plan(rounds=48, interval_minutes=30, expected_minutes=30, **round_the_clock)["rounds"] == 48
    assert plan(expected_minutes=1440)["expected_minutes"] == 1440  # one round a day, the whole day


def test_plan_slots_are_on_the_estates_clock():
    slots = patrols.plan_slots(plan(rounds=3, interval_minutes=120), date(2026, 11, 23), RULES)
    assert [clock.to_iso(s) for s in slots] == [
        "2026-11-23T14:00:00.000Z", "2026-11-23T16:00:00.000Z", "2026-11-23T18:00:00.000Z"]
    # a plan at 22:00 in Berlin: 21:00 UTC in winter, 20:00 UTC in summer
    assert patrols.plan_slots(plan(), date(2026, 11, 23), dict(RULES, timezone="Europe/Berlin"))[0].hour == 21
    assert patrols.plan_slots(plan(), date(2026, 7, 23), dict(RULES, timezone="Europe/Berlin"))[0].hour == 20


def test_the_rounds_follow_the_wall_clock_the_night_the_clocks_go_back():
    """Spaced in elapsed time, the hourly rounds from 22:00 were 22:00 ... 02:00, 02:00 again: a
    guard walking the 03:00 of the schedule was an hour late (found by a probe)."""
    berlin = dict(RULES, timezone="Europe/Berlin")
    slots = patrols.plan_slots(plan(rounds=6, interval_minutes=60), date(2026, 10, 24), berlin)
    assert [s.astimezone(calendar.zone("Europe/Berlin")).strftime("%H:%M") for s in slots] == [
        "22:00", "23:00", "00:00", "01:00", "02:00", "03:00"]


def test_a_night_plan_of_the_late_morning_finds_its_slots_past_the_second_midnight():
    """Its day is the night before, so its last rounds fall two days after it: nearest_slot looked
    one day back only and called them unplanned (found by review)."""
    # a plan stored before a night plan had to start by 08:00 (it is read as it was)
    late = plan(start_time="07:00") | {"start_time": "11:00", "rounds": 14, "interval_minutes": 60}
    last = patrols.plan_slots(late, date(2026, 11, 20), RULES)[-1]
    assert clock.to_iso(last) == "2026-11-21T16:00:00.000Z"  # 00:00 on the 22nd in the estate
    found, slot, day = patrols.nearest_slot([late], last + timedelta(minutes=5), RULES)
    assert (found["_id"], slot, day) == (late["_id"], last, date(2026, 11, 20))


def test_a_round_is_due_at_the_nearest_slot_even_across_midnight():
    nightly = plan(start_time="23:00")
    after_midnight = datetime(2026, 11, 23, 16, 10, tzinfo=UTC)  # 00:10 local on the 24th
    chosen, slot, day = patrols.nearest_slot([nightly], after_midnight, RULES)
    assert chosen is nightly and clock.to_iso(slot) == "2026-11-23T15:00:00.000Z" and day == date(2026, 11, 23)
    three = plan(rounds=3, interval_minutes=120)  # 22:00, 00:00 and 02:00, an hour's walk each
    assert clock.to_iso(patrols.nearest_slot([three], NOW + timedelta(minutes=112), RULES)[1]) == \
        "2026-11-23T16:00:00.000Z"  # 23:52: the midnight round, started within the tolerance
    assert clock.to_iso(patrols.nearest_slot([three], NOW + timedelta(minutes=65), RULES)[1]) == \
        "2026-11-23T14:00:00.000Z"  # 23:05: the 22:00 round, still within its walk and tolerance
    assert patrols.nearest_slot([], NOW, RULES) == (None, None, None)


def test_a_slot_a_round_walks_already_is_passed_over_for_the_next_nearest():
    """One round a slot: a second guard starting the route took the same slot, and both rounds
    stayed open with nothing to close either (found by a probe)."""
    three = plan(rounds=3, interval_minutes=60)  # 22:00, 23:00, 00:00, an hour's walk each
    at = NOW + timedelta(minutes=55)  # 22:55: in the windows of the 22:00 and the 23:00 slots
    assert clock.to_iso(patrols.nearest_slot([three], at, RULES)[1]) == "2026-11-23T15:00:00.000Z"
    taken = patrols.walked([{"plan_id": three["_id"], "scheduled_start": "2026-11-23T15:00:00.000Z"},
                            {"plan_id": None, "scheduled_start": "2026-11-23T14:00:00.000Z"}])  # unplanned
    assert taken == {patrols.slot_key(three["_id"], "2026-11-23T15:00:00.000Z")}
    assert clock.to_iso(patrols.nearest_slot([three], at, RULES, taken)[1]) == "2026-11-23T14:00:00.000Z"
    taken |= {patrols.slot_key(three["_id"], "2026-11-23T14:00:00.000Z")}
    assert patrols.nearest_slot([three], at, RULES, taken) == (None, None, None)  # walked without the plan


def test_a_planned_round_holds_its_slot_and_an_unplanned_one_holds_none():
    nightly = plan()
    planned = patrols.new_round("pround_1", "est_1", route(), nightly, NOW, "Zhao", NOW, "zhao")
    assert planned["_slot"] == patrols.slot_key(nightly["_id"], planned["scheduled_start"])
    assert "_slot" not in patrols.new_round("pround_2", "est_1", route(), None, None, "Zhao", NOW, "zhao")


def test_a_slot_before_the_plan_was_made_is_not_walked_for_it():
    """A plan made at 22:08 for 22:00: a round started then took the 22:00 slot, which patrol
    completion does not count (the plan did not exist), so its checkpoints counted nowhere (found
    by a probe). The round is walked without the plan, and the next night's slot is the plan's."""
    made_late = patrols.new_plan("pplan_2", "est_1", route(), {"shift": "night", "start_time": "22:00",
                                                                "expected_minutes": 60},
                                 NOW + timedelta(minutes=8), "chen", RULES)
    assert patrols.nearest_slot([made_late], NOW + timedelta(minutes=9), RULES) == (None, None, None)
    chosen, slot, _ = patrols.nearest_slot([made_late], NOW + timedelta(days=1, minutes=9), RULES)
    assert chosen is made_late and slot == NOW + timedelta(days=1)


def test_a_night_rounds_slot_after_midnight_is_of_the_shift_that_began_the_day_before():
    """Its roster is that day's night shift: the guard rostered for the night after was taken,
    and his assignment marked worked before his shift (found by review)."""
    three = plan(rounds=3, interval_minutes=120)  # 22:00, 00:00 and 02:00
    _, slot, day = patrols.nearest_slot([three], NOW + timedelta(minutes=240), RULES)  # 02:00 on the 24th
    assert clock.to_iso(slot) == "2026-11-23T18:00:00.000Z" and day == date(2026, 11, 23)


@pytest.mark.parametrize("minutes", [95, -11, -600])
def test_a_round_started_outside_every_slot_s_window_walks_no_slot(minutes):
    """23:35 is between rounds; 21:49 is before the tolerance; at noon the 22:00 slot was taken
    before, and a round walked then counted on time for a slot nobody walked."""
    three = plan(rounds=3, interval_minutes=120)
    assert patrols.nearest_slot([three], NOW + timedelta(minutes=minutes), RULES) == (None, None, None)


def test_checkpoints_are_due_at_their_offset_or_spread_over_the_expected_minutes():
    with_offsets = route({"name": "x", "checkpoints": [{"code": "A", "name": "a", "offset_minutes": 5},
                                                        {"code": "B", "name": "b"}]})
    assert patrols.due_offsets(with_offsets, plan(expected_minutes=40)) == [5, 40]
    assert patrols.due_offsets(route(), plan()) == [20, 40, 60]
    assert patrols.due_offsets(route(), None) == [None, None, None]
    walked = patrols.new_round("pround_1", "est_1", route(), plan(), NOW, "zhao", NOW + timedelta(minutes=3), "zhao")
    assert [cp["due_at"] for cp in walked["checkpoints"]] == [
        "2026-11-23T14:20:00.000Z", "2026-11-23T14:40:00.000Z", "2026-11-23T15:00:00.000Z"]
    assert walked["scheduled_start"] == "2026-11-23T14:00:00.000Z" and walked["shift"] == "night"


def new_round(with_plan=True):
    return patrols.new_round("pround_1", "est_1", route(), plan() if with_plan else None, NOW, "zhao", NOW, "zhao")


def check(round_, code, minutes, anomaly=None, rules=RULES, check_in_id="chk_1"):
    entry, reported = patrols.check_in(round_, check_in_id, code, anomaly, NOW + timedelta(minutes=minutes),
                                       "zhao", rules)
    round_["check_ins"].append(entry)
    return entry, reported


@pytest.mark.parametrize("minutes, late", [(5, False), (20, False), (30, False), (30.02, True), (55, True)])
def test_a_check_in_after_its_due_time_plus_the_tolerance_is_late(minutes, late):
    assert check(new_round(), "a1", minutes)[0]["late"] is late  # A1 is due at +20, tolerance 10


def test_the_tolerance_is_a_setting_of_the_estate():
    assert check(new_round(), "A1", 25, rules=dict(RULES, patrol_late_tolerance_minutes=3))[0]["late"] is True


def test_without_a_plan_or_offsets_nothing_is_late():
    assert check(new_round(with_plan=False), "C3", 600)[0]["late"] is False


def test_an_unknown_checkpoint_is_refused_by_name():
    with pytest.raises(BusinessRuleViolation) as refused:
        check(new_round(), "Z9", 1)
    assert refused.value.errors[0]["field"] == "data.checkpoint"


def test_an_anomaly_id_follows_from_round_checkpoint_and_sequence():
    round_ = new_round()
    first, reported = check(round_, "B2", 10, {"description": " broken lamp ", "emergency": True})
    again, second = check(round_, "B2", 12, {"description": "still broken"})
    assert reported == {"id": patrols.anomaly_id("est_1", "pround_1", "B2", 1), "description": "broken lamp",
                        "emergency": True}
    assert (first["sequence"], again["sequence"]) == (1, 2) and second["id"] != reported["id"]
    assert second["emergency"] is False
    data = patrols.anomaly_event_data(round_, first)
    assert data["round_id"] == "pround_1" and data["checkpoint"] == {"code": "B2", "name": "Car park"}
    assert check(round_, "A1", 13)[1] is None


def test_finishing_lists_the_missed_checkpoints_and_fixes_the_counts():
    round_ = new_round()
    check(round_, "A1", 10)
    check(round_, "C3", 90, {"description": "door open"})  # late
    check(round_, "A1", 95)  # a second visit does not change A1's first, on-time check-in
    finished = round_ | patrols.finish(round_, NOW + timedelta(minutes=100))
    assert finished["missed"] == [{"code": "B2", "name": "Car park"}]
    assert finished["summary"] == {"planned": 3, "checked": 2, "on_time": 1, "late": 1, "missed": 1, "anomalies": 1}
    assert finished["status"] == "finished" and finished["finished_at"] == "2026-11-23T15:40:00.000Z"
    assert patrols.finished_event_data(finished)["missed"] == [{"code": "B2", "name": "Car park"}]


def test_a_finished_round_takes_no_check_in_and_no_second_finish():
    finished = new_round()
    finished.update(patrols.finish(finished, NOW))
    with pytest.raises(Conflict):
        check(finished, "A1", 1)
    with pytest.raises(Conflict):
        patrols.finish(finished, NOW)


def test_a_plan_of_another_route_is_refused():
    other = dict(plan(), route_id="proute_2")
    with pytest.raises(BusinessRuleViolation) as refused:
        patrols.plan_of_route(other, route())
    assert refused.value.errors[0]["field"] == "data.plan_id"


@pytest.mark.parametrize("shift, start", [("night", "09:00"), ("day", "22:00"), ("evening", "07:00")])
def test_a_plan_starting_outside_its_shift_is_a_422_naming_the_start_time(shift, start):
    """A night plan at 09:00 was taken, its round moved to the next morning and matched to the
    night before's roster (a probe)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(shift=shift, start_time=start)
    assert refused.value.errors[0]["field"] == "data.start_time"


@pytest.mark.parametrize("shift, start, rounds, starts_last", [
    ("evening", "22:00", 4, "01:00"),  # the evening's 00:00 and 01:00 rounds: the night guard's
    ("day", "17:00", 3, "19:00"),
    ("night", "06:00", 3, "08:00"),  # the night ends at 08:00 (32)
])
def test_a_plan_whose_later_rounds_start_after_its_shift_is_a_422_naming_the_rounds(shift, start, rounds,
                                                                                     starts_last):
    """Only the first round was checked against the shift: an evening plan from 22:00 of four
    hourly rounds was taken, and its rounds after midnight were the evening roster's (a night
    guard walking them was refused, and patrol completion counted them missed every day: a probe
    of the security department's night)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(shift=shift, start_time=start, rounds=rounds, interval_minutes=60)
    end = {"day": "18", "evening": "00", "night": "08"}[shift]
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [(
        "data.rounds", f"its last round would start at {starts_last}, after the {shift} shift's hours end at {end}:00")]
    assert plan(shift=shift, start_time=start, rounds=rounds - 2, interval_minutes=60)["rounds"] == rounds - 2
    assert plan(shift="night", start_time="22:00", rounds=10, interval_minutes=60)["rounds"] == 10  # to 07:00


def test_a_stored_plan_any_of_whose_rounds_starts_outside_its_shift_is_flagged():
    """Only a plan's first round was flagged: an evening plan from 22:00 of four hourly rounds,
    stored before its later rounds were checked, showed as any other, its 00:00 and 01:00 rounds
    the evening roster's (``rounds_outside_shift``; ``start_outside_shift`` says the first's only)."""
    evening = plan(shift="evening", start_time="20:00", rounds=2, interval_minutes=60)

    def flags(stored, rules=RULES):
        shown = patrols.shown_plan(stored, rules)
        return shown["start_outside_shift"], shown["rounds_outside_shift"]

    assert flags(evening) == (False, False)
    assert flags(evening | {"start_time": "22:00", "rounds": 4}) == (False, True)  # as stored before
    assert flags(evening | {"start_time": "22:00", "rounds": 2}) == (False, False)  # 22:00 and 23:00
    assert flags(evening | {"start_time": "09:00"}) == (True, True)  # its first is a round too
    # the estate's evening ends at 21:00 now: its 21:00 round is the night's
    assert flags(evening, {**RULES, "evening_shift_end_hour": 21}) == (False, True)
    night = plan(start_time="07:00") | {"rounds": 3, "interval_minutes": 60}  # 07:00, 08:00, 09:00
    assert flags(night) == (False, True)
    assert flags(night | {"rounds": 1}) == (False, False)


def test_checkpoint_codes_typed_full_width_or_in_lower_case_are_one_code():
    """Ｅ１ typed full-width was refused as a bad code (a probe): kept as plates are."""
    assert patrols.checkpoint_code("Ｅ１") == patrols.checkpoint_code(" e1 ") == "E1"


def test_a_start_time_is_one_minute_of_the_day_for_the_slots_and_the_shift():
    """localtime.minute_of_day reads "HH:MM" for both a plan's round minutes and the check of its
    start against its shift (each parsed it by hand)."""
    assert localtime.minute_of_day("07:59") == 479 and localtime.minute_of_day("00:00") == 0
    assert patrols.round_minutes({"start_time": "23:30", "interval_minutes": 60, "rounds": 2}) == {1410, 30}
