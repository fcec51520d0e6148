"""A weather alert (预警响应) through the gateway over HTTP (h2: none had an e2e): a guard raises the
typhoon warning; while it stands at yellow an inspection's failed item opens an emergency order;
lowered to blue (a level change maintenance learns from its event) one opens a normal order, raised
to red an emergency again; stood down, a later failure is normal. A warning of 1999 is a 422, a
stand-down before the warning's time a 409; archive keeps the alert's three events.

Maintenance learns of the alert from security's events: each probe inspects the pump again until
the order it opens shows the alert's effect (a completion is decided by the alerts maintenance knew
of when it completed).
"""
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import at, eventually, new_estate, new_user, problem

PUMPS = {"name": "Sump pumps before a storm", "target": "equipment", "items": [
    {"code": "RUNS", "label": "Starts on the float switch", "kind": "pass_fail"}]}


def test_a_typhoon_alert_makes_a_failed_item_an_emergency_by_its_level_until_it_is_stood_down(api, admin):
    estate_id = new_estate(api, admin, name="Harbour Mouth")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, guard = new_user(api, admin, ["security"], [estate_id])
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, technician = new_user(api, admin, ["technician"], [estate_id])
    checklist = api.post(f"{base}/checklists", PUMPS, manager).json()
    pump = api.post(f"{base}/equipment", {"code": "SUMP-1", "name": "Garage sump pump", "system": "water",
                                          "location": "B2 garage"}, technician).json()

    def failed_item_priority():
        inspection = api.post(f"{base}/inspections", {"checklist_id": checklist["id"], "equipment_id": pump["id"]},
                              technician).json()
        done = api.post(f"{base}/inspections/{inspection['id']}/complete",
                        {"results": [{"code": "RUNS", "passed": False, "note": "float stuck"}]}, technician)
        assert done.status_code == 200, done.text
        [order] = api.get(f"{base}/work-orders?inspection_id={inspection['id']}", technician).json()["items"]
        return order["priority"]

    def becomes(priority):
        return eventually(lambda: failed_item_priority() == priority or None, seconds=20, interval=0.3)

    assert failed_item_priority() == "normal"  # no alert
    typhoon = {"kind": "typhoon", "level": "yellow", "issued_at": at(-0.1), "note": "台风黄色预警"}
    assert problem(api.post(f"{base}/emergency-alerts", {**typhoon, "issued_at": "1999-09-01T10:00:00Z"}, guard),
                   422)["errors"][0]["field"] == "issued_at"
    raised = api.post(f"{base}/emergency-alerts", typhoon, guard)
    assert raised.status_code == 201, raised.text
    alert = raised.json()
    heat = api.post(f"{base}/emergency-alerts", {"kind": "heat", "level": "red", "issued_at": at(-0.1)}, guard)
    assert heat.status_code == 201, heat.text  # heat is none of the estate's weather_emergency_kinds
    becomes("emergency")

    lowered = api.post(f"{base}/emergency-alerts/{alert['id']}/level", {"level": "blue", "note": "降为蓝色"}, guard)
    assert lowered.status_code == 200, lowered.text
    assert [e["level"] for e in lowered.json()["levels"]] == ["yellow", "blue"]
    becomes("normal")  # maintenance followed the level down: blue is none of the estate's levels
    assert api.post(f"{base}/emergency-alerts/{alert['id']}/level", {"level": "red"}, guard).status_code == 200
    becomes("emergency")

    ahead = api.post(f"{base}/emergency-alerts", {"kind": "rainstorm", "level": "blue", "issued_at": at(0.05)}, guard)
    assert ahead.status_code == 201, ahead.text  # a phone's clock three minutes ahead
    assert problem(api.post(f"{base}/emergency-alerts/{ahead.json()['id']}/stand-down", {}, guard),
                   409)["errors"][0]["field"] == "alert_id"  # not before its warning was issued

    down = api.post(f"{base}/emergency-alerts/{alert['id']}/stand-down", {"note": "预警解除"}, manager)
    assert down.status_code == 200 and down.json()["status"] == "stood_down", down.text
    becomes("normal")

    kept = eventually(lambda: (lambda items: items if len(items) == 4 else None)(api.get(
        f"{base}/archive/records?subject_id={alert['id']}", manager).json()["items"]))
    assert sorted(r["event_type"] for r in kept) == ["emergency_alert_level_changed", "emergency_alert_level_changed",
                                                       "emergency_alert_raised", "emergency_alert_stood_down"]
