"""Checklist rules: which results fail, which results are refused (plain functions)."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from maintenance import checklists

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
READING = {"code": "T", "label": "Temperature", "kind": "reading", "min": 10, "max": 20, "unit": "°C"}
OPEN_ABOVE = {"code": "P", "label": "Pressure", "kind": "reading", "min": 0.3, "max": None, "unit": None}
CHECK = {"code": "L", "label": "No leak", "kind": "pass_fail", "min": None, "max": None, "unit": None}


def inspection(*items, status="open", results=None):
    return {"_id": "insp_1", "estate_id": "est_1", "items": list(items), "status": status, "results": results,
            "checklist_name": "Pumps", "location": None, "equipment_id": "eq_1", "equipment_code": "PUMP-1"}


@pytest.mark.parametrize("item, result, fails", [
    (READING, {"reading": 10, "passed": None}, False),   # the limits themselves pass
    (READING, {"reading": 20, "passed": None}, False),
    (READING, {"reading": 9.99, "passed": None}, True),
    (READING, {"reading": 20.01, "passed": None}, True),
    (OPEN_ABOVE, {"reading": 1000, "passed": None}, False),
    (OPEN_ABOVE, {"reading": 0.29, "passed": None}, True),
    (CHECK, {"reading": None, "passed": True}, False),
    (CHECK, {"reading": None, "passed": False}, True),
])
def test_an_item_fails_when_not_passed_or_read_outside_its_limits(item, result, fails):
    assert checklists.failed(item, result) is fails


def test_findings_are_the_failed_items_each_with_its_own_work_order_id():
    doc = inspection(READING, CHECK)
    results = checklists.checked_results(doc, [{"code": "L", "passed": False}, {"code": "T", "reading": 25}])
    assert [r["code"] for r in results] == ["T", "L"]  # in the checklist's order
    found = checklists.findings(doc, results)
    assert [f["code"] for f in found] == ["T", "L"]
    assert len({f["work_order_id"] for f in found}) == 2
    assert found[0]["work_order_id"] == checklists.finding_order_id("est_1", "insp_1", "T")


def test_an_unknown_code_is_named():
    with pytest.raises(InvalidInput) as refused:
        checklists.checked_results(inspection(CHECK), [{"code": "L", "passed": True}, {"code": "ZZ", "passed": True}])
    assert refused.value.errors == [{"field": "data.results[1].code", "message": "no item ZZ on this checklist"}]


def test_every_item_needs_a_result():
    with pytest.raises(InvalidInput) as refused:
        checklists.checked_results(inspection(READING, CHECK), [{"code": "T", "reading": 12}])
    assert refused.value.errors[0]["field"] == "data.results" and "L" in refused.value.errors[0]["message"]


def test_a_replay_is_nothing_to_do_and_other_results_a_conflict():
    doc = inspection(CHECK)
    changes, entry = checklists.complete(doc, {"results": [{"code": "L", "passed": True}]}, NOW, "chen")
    done = {**doc, **changes}
    assert done["status"] == "completed" and entry["note"] == "all items passed"
    assert checklists.complete(done, {"results": [{"code": "L", "passed": True, "note": " "}]}, NOW, "chen") is None
    with pytest.raises(Conflict):
        checklists.complete(done, {"results": [{"code": "L", "passed": False}]}, NOW, "chen")


def test_a_completion_s_history_says_how_many_findings_in_words():
    """An inspection's history read "1 finding(s)" (found rereading the change, h6): "1 finding", "2 findings",
    the count its ``findings`` hold, which the console shows in the page's language."""
    doc = inspection(READING, CHECK)
    _, one = checklists.complete(doc, {"results": [{"code": "T", "reading": 15}, {"code": "L", "passed": False}]},
                                 NOW, "chen")
    _, two = checklists.complete(doc, {"results": [{"code": "T", "reading": 25}, {"code": "L", "passed": False}]},
                                 NOW, "chen")
    assert (one["note"], two["note"]) == ("1 finding", "2 findings")


def test_a_finding_describes_the_reading_and_its_limits():
    doc = inspection(READING)
    finding = checklists.findings(doc, [{"code": "T", "reading": 25, "passed": None, "note": "fan off"}])[0]
    assert checklists.describe_finding(doc, finding) == (
        "Pumps at equipment PUMP-1: Temperature (T) reading 25 °C outside 10–20 °C: fan off")


def test_a_plan_takes_only_an_equipment_checklist():
    assert checklists.plan_checklist({"target": "equipment"})
    with pytest.raises(BusinessRuleViolation):
        checklists.plan_checklist({"target": "location"})


def test_item_codes_are_trimmed_and_distinct():
    made = checklists.new_checklist("ckl_1", "est_1", {"name": " Pumps ", "target": "equipment", "items": [
        {"code": " A ", "label": "a", "kind": "pass_fail"}]}, NOW, "wu")
    assert made["name"] == "Pumps" and made["items"][0]["code"] == "A"
    with pytest.raises(BusinessRuleViolation):
        checklists.new_checklist("ckl_1", "est_1", {"name": "x", "target": "equipment", "items": [
            {"code": "A", "label": "a", "kind": "pass_fail"}, {"code": "A ", "label": "b", "kind": "pass_fail"}]},
            NOW, "wu")
