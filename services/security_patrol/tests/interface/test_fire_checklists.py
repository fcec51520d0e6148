"""A monthly fire check recorded with one of engineering's checklists (its copy here): results
checked as maintenance checks them, a failed item is a defect (one work order per check)."""
import pytest

from estate_common.errors import BusinessRuleViolation, InvalidInput
from estate_common.testing import event

from .test_service import ESTATE, patrol, register  # noqa: F401 (fixture)

CHECKLIST = {"id": "ckl_fire", "name": "Hydrant monthly", "target": "equipment",
             "created_at": "2026-11-20T00:00:00.000Z", "items": [
                 {"code": "PRESS", "label": "Static pressure", "kind": "reading", "min": 0.14, "max": None,
                  "unit": "MPa"},
                 {"code": "HOSE", "label": "Hose and nozzle present", "kind": "pass_fail", "min": None, "max": None,
                  "unit": None}]}


def copied(patrol, checklist=CHECKLIST):
    patrol.copy_checklist(event("maintenance", "checklist_created", ESTATE, checklist))


def check(patrol, facility, result, results, checklist_id="ckl_fire"):
    return patrol.record_fire_inspection({"estate_id": ESTATE, "data": {
        "equipment_id": facility["id"], "result": result, "notes": "monthly round",
        "checklist_id": checklist_id, "results": results}})


def defects(patrol):
    return [e for e in patrol.outbox.published if e["event_type"] == "fire_defect_reported"]


def test_a_failed_item_is_a_defect_reported_once_with_the_item_in_its_notes(patrol):
    copied(patrol)
    copied(patrol)  # a redelivered event: one copy
    assert len(list(patrol.db.checklists.find({"estate_id": ESTATE}))) == 1
    hydrant = register(patrol, "FH-1", kind="hydrant")
    results = [{"code": "PRESS", "reading": 0.1}, {"code": "HOSE", "passed": True}]
    with pytest.raises(BusinessRuleViolation) as refused:
        check(patrol, hydrant, "ok", results)
    assert refused.value.errors[0]["field"] == "data.result" and "PRESS" in refused.value.errors[0]["message"]
    assert defects(patrol) == []
    recorded = check(patrol, hydrant, "defect", results)
    assert recorded["result"] == "defect" and recorded["failed_items"] == 1 and recorded["checklist_id"] == "ckl_fire"
    [reported] = defects(patrol)
    assert reported["data"]["id"] == recorded["id"]
    assert reported["data"]["notes"] == "monthly round; Static pressure (PRESS) reading 0.1 MPa below 0.14 MPa"


def test_all_items_passed_is_an_ok_check(patrol):
    copied(patrol)
    recorded = check(patrol, register(patrol, "FH-2", kind="hydrant"), "ok",
                     [{"code": "PRESS", "reading": 0.3}, {"code": "HOSE", "passed": True}])
    assert recorded["result"] == "ok" and recorded["failed_items"] == 0 and defects(patrol) == []


@pytest.mark.parametrize("data, error, field", [
    ({"results": [{"code": "PRESS", "reading": 0.3}, {"code": "HOSE", "passed": True}, {"code": "X", "passed": True}]},
     InvalidInput, "data.results[2].code"),
    ({"results": [{"code": "PRESS"}, {"code": "HOSE", "passed": True}]}, InvalidInput, "data.results[0].reading"),
    ({"results": None}, InvalidInput, "data.results"),
    ({"checklist_id": "ckl_unknown"}, BusinessRuleViolation, "data.checklist_id"),
])
def test_bad_checklist_results_are_refused_and_nothing_is_written(patrol, data, error, field):
    copied(patrol)
    facility = register(patrol, "FH-3", kind="hydrant")
    body = {"equipment_id": facility["id"], "result": "defect", "checklist_id": "ckl_fire",
            "results": [{"code": "PRESS", "reading": 0.3}, {"code": "HOSE", "passed": True}], **data}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(error) as refused:
        patrol.record_fire_inspection({"estate_id": ESTATE, "data": body})
    assert refused.value.errors[0]["field"] == field
    assert patrol.list_fire_inspections({"estate_id": ESTATE})["items"] == [] and defects(patrol) == []


def test_a_location_checklist_is_not_for_a_fire_facility(patrol):
    copied(patrol, {**CHECKLIST, "id": "ckl_roof", "target": "location"})
    with pytest.raises(BusinessRuleViolation):
        check(patrol, register(patrol, "FH-4", kind="hydrant"), "ok",
              [{"code": "PRESS", "reading": 0.3}, {"code": "HOSE", "passed": True}], checklist_id="ckl_roof")


def test_the_copy_follows_an_edit_and_a_late_or_earlier_event_changes_nothing(patrol):
    """h7: a checklist edited before it is used (maintenance.checklist_updated): the copy takes its name
    and items; the edit delivered before the checklist makes the copy, the older event arriving late
    changes nothing."""
    edited = {**CHECKLIST, "name": "Hydrant before the typhoon", "updated_at": "2026-11-21T00:00:00.000Z",
              "items": [CHECKLIST["items"][1]]}
    patrol.copy_edited_checklist(event("maintenance", "checklist_updated", ESTATE, edited))
    copied(patrol)  # the creation, delivered after the edit
    [copy] = list(patrol.db.checklists.find({"estate_id": ESTATE}))
    assert copy["name"] == "Hydrant before the typhoon" and [i["code"] for i in copy["items"]] == ["HOSE"]
    older = {**edited, "name": "older", "updated_at": "2026-11-20T12:00:00.000Z"}
    patrol.copy_edited_checklist(event("maintenance", "checklist_updated", ESTATE, older))
    assert patrol.db.checklists.find_one({"_id": "ckl_fire"})["name"] == "Hydrant before the typhoon"
    newer = {**edited, "name": "newer", "updated_at": "2026-11-22T00:00:00.000Z", "items": CHECKLIST["items"]}
    patrol.copy_edited_checklist(event("maintenance", "checklist_updated", ESTATE, newer))
    copy = patrol.db.checklists.find_one({"_id": "ckl_fire"})
    assert copy["name"] == "newer" and [i["code"] for i in copy["items"]] == ["PRESS", "HOSE"]
