"""Registering a request: what a vacant-unit inspection's problem becomes."""
from customer_service import intake


def test_a_vacant_inspection_problem_is_a_repair_by_inspection_naming_where_and_what():
    inspection = {"id": "vinsp_1", "household_id": "hh_1", "inspected_on": "2026-11-20"}
    with_place = intake.inspection_repair(inspection, {"number": 1, "description": "damp", "location": "bedroom"})
    assert with_place == {"kind": "repair", "household_id": "hh_1", "channel": "inspection",
                          "vacant_inspection": {"id": "vinsp_1", "problem": 1},
                          "description": "vacant-unit inspection 2026-11-20, problem 1 (bedroom): damp"}
    assert intake.inspection_repair(inspection, {"number": 2, "description": "tap", "location": None})[
        "description"] == "vacant-unit inspection 2026-11-20, problem 2: tap"
