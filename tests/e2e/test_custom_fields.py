"""Custom fields per estate through the gateway: a manager defines them, the front desk fills
them in on a household and a service request and changes them later, the lists filter on them,
a value of the wrong type is a 400 naming it, and an archived field keeps its values."""
from .flows import eventually, new_estate, new_user

PHONE = "13912345678"


def test_custom_fields_defined_filled_filtered_refused_and_archived(api, admin):
    estate = new_estate(api, admin, "Custom Gardens")
    estate_id = estate["id"]
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, agent = new_user(api, admin, ["agent"], [estate_id])
    base = f"/api/v1/estates/{estate_id}"

    # the manager defines a field of households (archive) and one of service requests (customer_service)
    for body in ({"resource": "household", "key": "pets", "label": {"zh": "宠物", "en": "Pets"}, "type": "bool"},
                 {"resource": "household", "key": "parking_spaces", "label": {"zh": "车位数", "en": "Parking spaces"},
                  "type": "number"},
                 {"resource": "service_request", "key": "mood", "label": {"zh": "情绪", "en": "Mood"},
                  "type": "choice", "choices": ["calm", "upset"]}):
        answer = api.post(f"{base}/custom-fields", body, manager)
        assert answer.status_code == 201, answer.text
    assert api.post(f"{base}/custom-fields", {"resource": "household", "key": "pets", "label": {"zh": "x", "en": "x"},
                                              "type": "text"}, manager).status_code == 409
    assert api.post(f"{base}/custom-fields", {"resource": "household", "key": "x", "label": {"zh": "x", "en": "x"},
                                              "type": "text"}, agent).status_code == 403
    listed = api.get(f"{base}/custom-fields", agent).json()
    assert [(d["service"], d["key"]) for d in listed["items"]] == [
        ("archive", "parking_spaces"), ("archive", "pets"), ("customer_service", "mood")]
    assert listed["unavailable"] == []

    # households with custom values; a number given "abc" is a 400 naming custom.parking_spaces, nothing written
    def household(room, custom):
        return api.post(f"{base}/households", {"building": "2", "unit": "1", "room": room, "area_m2": 80,
                                               "owner": {"name": "陈小明", "phone": PHONE}, "custom": custom}, agent)

    bad = household("101", {"parking_spaces": "abc"})
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["custom.parking_spaces"]
    assert api.get(f"{base}/households", agent).json()["items"] == []
    with_pets = household("101", {"pets": True, "parking_spaces": 2})
    assert with_pets.status_code == 201, with_pets.text
    assert with_pets.json()["custom"] == {"pets": True, "parking_spaces": 2}
    assert household("102", {"pets": False}).status_code == 201
    found = api.get(f"{base}/households?custom.pets=true", agent).json()["items"]
    assert [h["room"] for h in found] == ["101"]
    refused = api.get(f"{base}/households?custom.parking_spaces=many", agent)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "custom.parking_spaces"

    # a service request with a custom value, once customer service has its copy of the household
    def register():
        answer = api.post(f"{base}/service-requests", {
            "kind": "consultation", "household_id": with_pets.json()["id"], "channel": "phone",
            "description": "may I keep a dog?", "custom": {"mood": "upset"}}, agent)
        return answer if answer.status_code != 422 else None
    request = eventually(register)
    assert request.status_code == 201, request.text
    assert request.json()["custom"] == {"mood": "upset"}
    wrong = api.post(f"{base}/service-requests", {"kind": "consultation", "household_id": with_pets.json()["id"],
                                                  "channel": "phone", "description": "again",
                                                  "custom": {"mood": "furious"}}, agent)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "custom.mood"
    upset = api.get(f"{base}/service-requests?custom.mood=upset", agent).json()["items"]
    assert [r["id"] for r in upset] == [request.json()["id"]]

    # values set after the creation: a household's edit (PATCH), a request's desk action (POST …/custom)
    household_path = f"{base}/households/{with_pets.json()['id']}"
    edited = api.call("PATCH", household_path, agent, json={"custom": {"parking_spaces": 3}})
    assert edited.status_code == 200, edited.text
    assert edited.json()["custom"] == {"pets": True, "parking_spaces": 3}
    bad_edit = api.call("PATCH", household_path, agent, json={"custom": {"parking_spaces": "abc"}})
    assert bad_edit.status_code == 400 and bad_edit.json()["errors"][0]["field"] == "custom.parking_spaces"
    calmed = api.post(f"{base}/service-requests/{request.json()['id']}/custom", {"custom": {"mood": "calm"}}, agent)
    assert calmed.status_code == 200, calmed.text
    assert calmed.json()["custom"] == {"mood": "calm"} and calmed.json()["history"][-1]["action"] == "custom_values_set"
    assert api.get(f"{base}/service-requests?custom.mood=upset", agent).json()["items"] == []
    parking = api.call("PATCH", household_path, agent, json={"custom": {"parking_spaces": 2}})
    assert parking.status_code == 200  # back as it was, for what follows

    # archived: no new values, the stored ones stay and still filter
    archived = api.call("DELETE", f"{base}/custom-fields/household/pets", manager)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    kept = api.get(f"{base}/households/{with_pets.json()['id']}", agent).json()
    assert kept["custom"] == {"pets": True, "parking_spaces": 2}
    assert [h["room"] for h in api.get(f"{base}/households?custom.pets=true", agent).json()["items"]] == ["101"]
    assert household("103", {"pets": True}).status_code == 400
    changed = api.call("PATCH", f"{base}/custom-fields/household/parking_spaces", manager,
                       json={"required": True})
    assert changed.status_code == 200 and changed.json()["required"] is True
    missing = household("104", {})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "custom.parking_spaces"
    retyped = api.call("PATCH", f"{base}/custom-fields/household/parking_spaces", manager, json={"type": "text"})
    assert retyped.status_code == 400
