"""Inspection checklists through the gateway over HTTP: the manager writes a checklist, a
technician inspects a pump with it, a reading outside its limits opens exactly one work order
even when the completion is sent again; bad results are 400s, other results 409.

One system per module; every answer is checked against openapi.yaml by the ``api`` client.
"""
import time

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import eventually, new_estate, new_user


@pytest.fixture(scope="module")
def site(api, admin):
    estate_id = new_estate(api, admin, name="Linden Park")["id"]
    _, technician = new_user(api, admin, ["technician"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, security = new_user(api, admin, ["security"], [estate_id])
    return {"estate": estate_id, "technician": technician, "manager": manager, "security": security}


CHECKLIST = {"name": "Booster pumps", "target": "equipment", "items": [
    {"code": "PRESSURE", "label": "Outlet pressure", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"},
    {"code": "SEALS", "label": "No leak at the seals", "kind": "pass_fail"}]}


def test_a_failing_reading_opens_one_work_order_even_when_the_completion_is_retried(api, site):
    base = f"/api/v1/estates/{site['estate']}"
    refused = api.post(f"{base}/checklists", CHECKLIST, site["technician"])
    assert refused.status_code == 403
    checklist = api.post(f"{base}/checklists", CHECKLIST, site["manager"])
    assert checklist.status_code == 201, checklist.text
    pump = api.post(f"{base}/equipment", {"code": "PUMP-7", "name": "Booster pump", "system": "water",
                                          "location": "B1 pump room"}, site["technician"]).json()

    opened = api.post(f"{base}/inspections", {"checklist_id": checklist.json()["id"], "equipment_id": pump["id"]},
                      site["technician"])
    assert opened.status_code == 201, opened.text
    inspection = opened.json()
    assert inspection["status"] == "open"
    complete = f"{base}/inspections/{inspection['id']}/complete"

    unknown = api.post(complete, {"results": [{"code": "PRESSURE", "reading": 0.7}, {"code": "SEALS", "passed": True},
                                              {"code": "VALVE", "passed": True}]}, site["technician"])
    assert unknown.status_code == 400 and "VALVE" in unknown.text
    no_reading = api.post(complete, {"results": [{"code": "PRESSURE"}, {"code": "SEALS", "passed": True}]},
                          site["technician"])
    assert no_reading.status_code == 400 and no_reading.json()["errors"][0]["field"] == "results[0].reading"

    results = {"results": [{"code": "PRESSURE", "reading": 0.72, "note": "relief valve hisses"},
                           {"code": "SEALS", "passed": True}]}
    first = api.post(complete, results, site["technician"])
    assert first.status_code == 200, first.text
    [finding] = first.json()["findings"]
    assert finding["code"] == "PRESSURE" and finding["reading"] == 0.72
    again = api.post(complete, results, site["technician"])
    assert again.status_code == 200 and again.json() == first.json()
    other = api.post(complete, {"results": [{"code": "PRESSURE", "reading": 0.5}, {"code": "SEALS", "passed": True}]},
                     site["technician"])
    assert other.status_code == 409

    [order] = api.get(f"{base}/work-orders?inspection_id={inspection['id']}", site["technician"]).json()["items"]
    assert order["id"] == finding["work_order_id"] and order["source"] == {"type": "inspection", "id": inspection["id"]}
    assert order["equipment_id"] == pump["id"] and "0.72 MPa" in order["description"]
    shown = api.get(f"{base}/inspections/{inspection['id']}", site["technician"]).json()
    assert shown["status"] == "completed"
    listed = api.get(f"{base}/inspections?status=completed", site["technician"]).json()["items"]
    assert [i["id"] for i in listed] == [inspection["id"]]
    assert api.get(f"{base}/inspections", site["security"], check=False).status_code == 403


def test_a_fire_check_with_a_checklist_whose_item_fails_is_a_defect_with_one_work_order(api, site):
    base = f"/api/v1/estates/{site['estate']}"
    checklist = api.post(f"{base}/checklists", {"name": "Hydrants monthly", "target": "equipment", "items": [
        {"code": "PRESS", "label": "Static pressure", "kind": "reading", "min": 0.14, "unit": "MPa"},
        {"code": "HOSE", "label": "Hose present", "kind": "pass_fail"}]}, site["manager"]).json()
    hydrant = api.post(f"{base}/fire-equipment", {"code": "FH-9", "name": "Hydrant", "kind": "hydrant",
                                                  "location": "Block 2 stairwell"}, site["security"])
    assert hydrant.status_code == 201, hydrant.text
    body = {"equipment_id": hydrant.json()["id"], "result": "ok", "checklist_id": checklist["id"],
            "results": [{"code": "PRESS", "reading": 0.1}, {"code": "HOSE", "passed": True}]}

    def recorded():  # the checklist's copy travels to security patrol as an event
        answer = api.post(f"{base}/fire-inspections", body, site["security"])
        return [answer] if "no such checklist" not in answer.text else None  # (a 4xx response is falsy)
    [refused] = eventually(recorded)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "result"
    check = api.post(f"{base}/fire-inspections", {**body, "result": "defect"}, site["security"])
    assert check.status_code == 201, check.text
    assert check.json()["failed_items"] == 1 and "PRESS" in check.json()["notes"]
    orders = eventually(lambda: [o for o in api.get(f"{base}/work-orders?source_type=fire_inspection",
                                                    site["technician"]).json()["items"]
                                 if o["source"]["id"] == check.json()["id"]])
    assert len(orders) == 1 and "below 0.14 MPa" in orders[0]["description"]


def test_the_operators_preparation_checklist_is_each_estates_own_to_edit_until_it_is_ticked(api, admin, site):
    """h7: 防汛防台准备 written once in two estates (POST /api/v1/checklists, each estate's own, sent again
    under its key none twice); an estate's manager edits it before use, its technician ticks it at a
    location (a failed item opens its order), and then it is no longer edited (409)."""
    other = new_estate(api, admin, name="Willow Bank")["id"]
    body = {"estate_ids": [site["estate"], other], "name": "防汛防台准备", "target": "location", "items": [
        {"code": "D1", "label": "地下车库排水沟已清理", "kind": "pass_fail"},
        {"code": "D2", "label": "沙袋", "kind": "reading", "min": 50, "unit": "袋"}]}
    headers = {"Idempotency-Key": "typhoon-prep-1"}
    written = api.post("/api/v1/checklists", body, admin, headers=headers)
    assert written.status_code == 201, written.text
    again = api.post("/api/v1/checklists", body, admin, headers=headers)
    assert again.status_code == 201 and again.json() == written.json()
    mine = {c["estate_id"]: c for c in written.json()["checklists"]}
    assert set(mine) == {site["estate"], other} and mine[other]["id"] != mine[site["estate"]]["id"]
    base = f"/api/v1/estates/{site['estate']}"
    checklist = mine[site["estate"]]["id"]
    edited = api.call("PATCH", f"{base}/checklists/{checklist}", site["manager"], json={"items": [
        *body["items"], {"code": "D3", "label": "屋面排水口无堵塞", "kind": "pass_fail"}]})
    assert edited.status_code == 200, edited.text
    assert [i["code"] for i in edited.json()["items"]] == ["D1", "D2", "D3"]
    inspection = api.post(f"{base}/inspections", {"checklist_id": checklist, "location": "地下车库"}, site["technician"])
    assert inspection.status_code == 201, inspection.text
    done = api.post(f"{base}/inspections/{inspection.json()['id']}/complete", {"results": [
        {"code": "D1", "passed": False, "note": "B2 排水沟堵塞"}, {"code": "D2", "reading": 80},
        {"code": "D3", "passed": True}]}, site["technician"])
    assert done.status_code == 200 and [f["code"] for f in done.json()["findings"]] == ["D1"]
    late = api.call("PATCH", f"{base}/checklists/{checklist}", site["manager"], json={"name": "太迟了"})
    assert late.status_code == 409
    assert api.get(f"/api/v1/estates/{other}/checklists/{mine[other]['id']}", admin).json()["name"] == "防汛防台准备"


def test_a_lift_retired_by_the_engineering_manager_is_inspected_no_more_and_archived(api, site):
    """报废 over HTTP (r6 reviewing h6): a technician may not retire a lift (403), nor move a certificate
    onto it once retired (422); the manager retires it once (409 again), no inspection opens on it,
    archive records ``equipment_retired`` on the lift's archive and its change log."""
    base = f"/api/v1/estates/{site['estate']}"
    lift = api.post(f"{base}/equipment", {"code": "LIFT-R", "name": "Old goods lift", "system": "elevator",
                                          "location": "Block 9"}, site["technician"]).json()
    other = api.post(f"{base}/equipment", {"code": "LIFT-S", "name": "New goods lift", "system": "elevator",
                                           "location": "Block 9", "certificate": {
                                               "number": "TSX-1", "valid_until": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 200 * 86400)),
                                               "inspected_by": "市特检院"}}, site["technician"]).json()
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    body = {"kind": "scrapped", "on": today, "reason": "replaced"}
    assert api.post(f"{base}/equipment/{lift['id']}/retire", body, site["technician"]).status_code == 403
    retired = api.post(f"{base}/equipment/{lift['id']}/retire", body, site["manager"])
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired"]["on"] == today
    assert api.post(f"{base}/equipment/{lift['id']}/retire", body, site["manager"]).status_code == 409
    moved = api.post(f"{base}/equipment/{other['id']}/certificate/move", {"to_equipment_id": lift["id"]},
                     site["technician"])
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "to_equipment_id"
    checklist = api.post(f"{base}/checklists", {**CHECKLIST, "name": "Lifts"}, site["manager"]).json()
    opened = api.post(f"{base}/inspections", {"checklist_id": checklist["id"], "equipment_id": lift["id"]},
                      site["technician"])
    assert opened.status_code == 422 and opened.json()["errors"][0]["field"] == "equipment_id"
    assert [p["code"] for p in api.get(f"{base}/equipment?retired=true", site["manager"]).json()["items"]] == ["LIFT-R"]

    def recorded():
        items = api.get(f"{base}/archive/records?subject_id={lift['id']}", site["manager"]).json()["items"]
        return [r for r in items if r["event_type"] == "equipment_retired"]
    assert len(eventually(recorded)) == 1
