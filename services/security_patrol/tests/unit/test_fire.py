"""Fire checks (消防): the monthly deadline, overdue notices and defects, without broker or store."""
from datetime import datetime, timezone

import pytest

from security_patrol import fire
from security_patrol.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
EQUIPMENT = {"_id": "fe_1", "code": "FE-1", "name": "Hydrant 1", "kind": "hydrant", "location": "B2"}


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def test_a_months_checks_are_due_at_the_end_of_the_local_month_plus_the_grace_days():
    assert fire.check_due_at("2026-10", RULES) == utc(2026, 10, 31, 16)
    assert fire.check_due_at("2026-10", {**RULES, "fire_check_grace_days": 3}) == utc(2026, 11, 3, 16)


@pytest.mark.parametrize("now, grace, period", [
    (utc(2026, 11, 15), 0, "2026-10"),
    (utc(2026, 10, 31, 15, 59), 0, "2026-09"),
    (utc(2026, 11, 2), 3, "2026-09"),     # October's grace runs until 3 November
    (utc(2026, 11, 3, 16), 3, "2026-10"),
    (utc(2026, 12, 20), 27, "2026-10"),   # November's grace runs until 27 December
])
def test_the_latest_month_past_its_deadline(now, grace, period):
    assert fire.overdue_period(now, {**RULES, "fire_check_grace_days": grace}) == period


def test_an_overdue_notice_is_keyed_by_facility_and_month():
    notice, [(event_type, data)] = fire.new_overdue("est_1", EQUIPMENT, "2026-10", utc(2026, 11, 1), RULES)
    assert notice["_id"] == fire.overdue_id("est_1", "fe_1", "2026-10") == data["id"]
    assert fire.overdue_id("est_1", "fe_1", "2026-11") != notice["_id"]
    assert event_type == "fire_check_overdue" and data["due_at"] == "2026-10-31T16:00:00.000Z"


def test_only_a_defect_asks_for_a_work_order_and_the_request_is_keyed_by_the_check():
    ok = fire.new_inspection("finsp_1", "est_1", EQUIPMENT, {"equipment_id": "fe_1", "result": "ok"},
                             utc(2026, 11, 5), "zhao", RULES)
    assert isinstance(ok, dict)
    check, [(event_type, data)] = fire.new_inspection(
        "finsp_2", "est_1", EQUIPMENT, {"equipment_id": "fe_1", "result": "defect", "notes": "no pressure"},
        utc(2026, 11, 5), "zhao", RULES)
    assert event_type == "fire_defect_reported" and data["id"] == check["_id"] == "finsp_2"
    assert data["notes"] == "no pressure" and data["period"] == "2026-11"
