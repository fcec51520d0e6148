"""The missed patrol rounds and their notices, without broker or store."""
from datetime import datetime, timedelta, timezone

from security_patrol import patrol_gaps, patrols
from security_patrol.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
UTC = timezone.utc
ROUTE = patrols.new_route("proute_1", "est_1", {"name": "Loop", "checkpoints": [
    {"code": "A", "name": "a"}, {"code": "B", "name": "b"}]}, datetime(2026, 10, 1, tzinfo=UTC), "chen")
# every 30 minutes round the clock (48 rounds from 00:00), 20 minutes each
HALF_HOURLY = patrols.new_plan("pplan_1", "est_1", ROUTE, {
    "shift": "day", "start_time": "00:00", "expected_minutes": 20, "rounds": 48, "interval_minutes": 30},
    datetime(2026, 10, 1, tzinfo=UTC), "chen")


def test_the_list_stops_at_its_limit_and_the_sweep_sees_every_slot():
    """A month of half-hourly rounds nobody walked is 1,440 slots: the list shows 1,000 and counts
    the rest; the sweep must not stop there, or the slots past the first 1,000 were never raised."""
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    now = end + timedelta(hours=1)
    listed = patrol_gaps.missed_rounds([HALF_HOURLY], {"proute_1": ROUTE}, [], start, end, now, RULES)
    every = patrol_gaps.all_missed([HALF_HOURLY], {"proute_1": ROUTE}, [], start, end, now, RULES)
    assert (len(listed["items"]), listed["more"], len(every)) == (1000, 440, 1440)
    assert every[:1000] == listed["items"]


def test_one_notice_per_plan_and_slot_with_its_event():
    start = datetime(2026, 11, 23, 16, tzinfo=UTC)  # midnight in the estate
    now = start + timedelta(minutes=31)  # the 00:00 slot is over (20 + 10 minutes of tolerance)
    [missed] = patrol_gaps.all_missed([HALF_HOURLY], {"proute_1": ROUTE}, [], start, now, now, RULES)
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
