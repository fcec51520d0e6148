"""Security KPIs from their facts, without broker or store."""
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import Conflict
from security_patrol import kpis, localtime, patrols
from security_patrol.rules import DEFAULTS

# The numbers and, as store.rules_for adds it from the estate's copy, its timezone.
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}

UTC = timezone.utc
START, END = localtime.month_window("2026-11", RULES)
ROUTE = patrols.new_route("proute_1", "est_1", {"name": "Loop", "checkpoints": [
    {"code": "A", "name": "a"}, {"code": "B", "name": "b"}, {"code": "C", "name": "c"}]},
    datetime(2026, 10, 1, tzinfo=UTC), "chen")
ADHOC_ROUTE = patrols.new_route("proute_2", "est_1", {"name": "Car park", "checkpoints": [
    {"code": "P1", "name": "p1", "offset_minutes": 10}, {"code": "P2", "name": "p2", "offset_minutes": 20}]},
    datetime(2026, 10, 1, tzinfo=UTC), "chen")
PLAN = patrols.new_plan("pplan_1", "est_1", ROUTE, {"shift": "night", "start_time": "22:00", "expected_minutes": 60},
                        datetime(2026, 11, 1, 0, 0, tzinfo=UTC), "chen", RULES)  # slots at 14:00Z daily
ROUTES = {"proute_1": ROUTE, "proute_2": ADHOC_ROUTE}


def walked(route, plan, slot, visits, round_id="pround_1"):
    """A round with check-ins ``visits`` = [(code, minutes after slot)]."""
    round_ = patrols.new_round(round_id, "est_1", route, plan, slot, "zhao", slot, "zhao")
    for index, (code, minutes) in enumerate(visits):
        entry, _ = patrols.check_in(round_, f"chk_{index}", code, None, slot + timedelta(minutes=minutes), "zhao",
                                    RULES)
        round_["check_ins"].append(entry)
    return round_


def test_a_kpi_shows_its_parts_and_no_value_without_a_denominator():
    assert kpis.kpi(3, 4, "ratio") == {"numerator": 3, "denominator": 4, "value": 0.75, "unit": "ratio"}
    assert kpis.kpi(0, 0, "ratio", target=1)["value"] is None
    assert kpis.kpi(2, 3, "ratio")["value"] == 0.6667
    assert kpis.kpi(1, 350, "per_1000_households", scale=1000)["value"] == 2.8571


def test_the_month_is_the_estates_calendar_month():
    assert clock.to_iso(START) == "2026-10-31T16:00:00.000Z" and clock.to_iso(END) == "2026-11-30T16:00:00.000Z"
    assert localtime.period_of(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), RULES) == "2026-12"


def test_patrol_completion_counts_every_planned_slot_including_the_ones_nobody_walked():
    first = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    rounds = [
        walked(ROUTE, PLAN, first, [("A", 15), ("B", 40), ("C", 95)]),  # C late
        walked(ROUTE, PLAN, first, [("A", 15)], round_id="pround_twin"),  # a second round: the better counts
        walked(ADHOC_ROUTE, None, datetime(2026, 11, 2, 3, 0, tzinfo=UTC), [("P1", 5)]),
    ]
    now = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)  # slots of Nov 1 and Nov 2 are over; Nov 2's was not walked
    assert kpis.patrol_completion([PLAN], ROUTES, rounds, START, END, now, RULES) == (2, 3 + 3)


def test_a_round_walked_without_a_plan_is_not_in_patrol_completion():
    """It counted on both sides, each checkpoint on time (it has no due time): every extra walk
    raised the figure while the planned rounds went missing (found by review)."""
    now = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    adhoc = [walked(ADHOC_ROUTE, None, datetime(2026, 11, 2, 3, 0, tzinfo=UTC), [("P1", 5), ("P2", 9)])]
    assert kpis.patrol_completion([PLAN], ROUTES, adhoc, START, END, now, RULES) == (0, 6)
    assert kpis.patrol_completion([], ROUTES, adhoc, START, END, now, RULES) == (0, 0)


def test_a_slot_still_under_way_or_before_the_plan_is_not_counted_yet():
    under_way = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)  # Nov 2's slot is over at 15:10Z (60 + 10 minutes)
    assert kpis.patrol_completion([PLAN], ROUTES, [], START, END, under_way, RULES) == (0, 3)
    assert kpis.patrol_completion([PLAN], ROUTES, [], START, END, under_way + timedelta(minutes=5), RULES) == (0, 6)
    october_start, october_end = localtime.month_window("2026-10", RULES)
    assert kpis.patrol_completion([PLAN], ROUTES, [], october_start, october_end, under_way, RULES) == (0, 0)


def test_the_estate_block_has_every_security_kpi():
    facts = {"plans": [], "routes": {}, "rounds": [], "fire_ledger": 4, "fire_checked": 3,
             "major_incidents": 2, "households": 500, "fire_drills_this_year": 0}
    block = kpis.for_estate(facts, START, END, END, RULES)
    assert block["patrol_completion"]["value"] is None
    fire = block["fire_check_completion"]
    assert (fire["numerator"], fire["denominator"], fire["value"], fire["target"]) == (3, 4, 0.75, 1)
    assert block["major_safety_incidents"]["value"] == 2
    assert block["major_safety_incidents_per_1000_households"]["value"] == 4.0
    no_households = kpis.for_estate(dict(facts, households=0), START, END, END, RULES)
    assert no_households["major_safety_incidents_per_1000_households"]["value"] is None
    drills = block["fire_drills_year_to_date"]
    assert (drills["numerator"], drills["denominator"], drills["value"], drills["target"]) == (0, 1, 0.0, 1)


def test_a_stopped_plan_counts_no_slot_from_its_stop_on_and_no_round_is_matched_to_it():
    """A plan could not be stopped: a wrong one counted as missed every day for good (found by a
    domain probe)."""
    now = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
    assert kpis.patrol_completion([PLAN], ROUTES, [], START, END, now, RULES) == (0, 9 * 3)
    stopped = {**PLAN, **patrols.stop_plan(PLAN, " moved to 23:00 ", datetime(2026, 11, 3, 0, 0, tzinfo=UTC), "boss")}
    assert stopped["stop_reason"] == "moved to 23:00" and stopped["stopped_by"] == "boss"
    assert kpis.patrol_completion([stopped], ROUTES, [], START, END, now, RULES) == (0, 2 * 3)  # Nov 1 and 2 only
    at_its_old_slot = datetime(2026, 11, 5, 14, 5, tzinfo=UTC)
    assert patrols.nearest_slot([PLAN], at_its_old_slot, RULES)[0] is PLAN
    assert patrols.nearest_slot([stopped], at_its_old_slot, RULES) == (None, None, None)
    with pytest.raises(Conflict):
        patrols.stop_plan(stopped, "again", now, "boss")


def test_the_fire_check_note_says_the_estates_cycle_and_monthly_reads_as_before():
    assert kpis.fire_check_note(1) == ("fire facilities checked in their month / fire facilities "
                                       "(summed over the period's months)")
    assert "3-month cycle" in kpis.fire_check_note(3)
