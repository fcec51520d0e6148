"""The estate's custom fields on the forms and detail views of households, service requests,
work orders and equipment, against the fake gateway."""
from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_registers import _only_documented

STAMP = "2026-11-30T08:00:00Z"


def field(resource, key, kind, zh, en, **more):
    return {"id": f"cf_{key}", "estate_id": ESTATE, "service": "archive", "resource": resource, "key": key,
            "label": {"zh": zh, "en": en}, "type": kind, "required": False, "archived": False,
            "created_at": STAMP, "updated_at": STAMP, **more}


def definitions(fake, *items):
    def answer(_, params):
        return {"items": [d for d in items if d["resource"] == params.get("resource")], "unavailable": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/custom-fields", answer)


PETS = field("household", "pets", "bool", "宠物", "Pets")
SPACES = field("household", "spaces", "number", "车位数", "Parking spaces", required=True)
OLD = field("household", "old_note", "text", "旧备注", "Old note", archived=True)
MOOD = field("service_request", "mood", "choice", "情绪", "Mood", choices=["calm", "upset"])
DRAIN = field("work_order", "floor_drain", "bool", "地漏", "Floor drain")
BRAND = field("equipment", "brand", "text", "品牌", "Brand")
HOUSEHOLD = {"id": "hh_1", "estate_id": ESTATE, "building": "5", "unit": "1", "room": "1801", "area_m2": 89.37,
             "status": "occupied", "owner": {"name": "陈小明", "phone": "139****5678"}, "created_at": STAMP,
             "version": 1, "custom": {"pets": True, "old_note": "kept"}}


def test_households_show_their_values_and_the_form_sends_typed_ones(client, fake, documented_routes):
    sign_in(client, fake, roles=("manager",))
    definitions(fake, PETS, SPACES, OLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [HOUSEHOLD], "next_cursor": None})
    page = client.get("/admin/households", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Pets" in page and "Yes" in page and "kept" in page and "archived" in page
    assert 'name="custom.spaces"' in page and 'name="custom.pets"' in page
    assert 'name="custom.old_note"' not in page  # archived: shown, takes no new values
    assert "must not hold personal data" in page
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/households", (201, dict(HOUSEHOLD, id="hh_2")))
    client.post("/admin/households", data={"csrf_token": csrf_of(client), "building": "5", "unit": "1",
                                           "room": "1802", "area_m2": "80", "owner_name": "王五",
                                           "owner_phone": "13800138000", "custom.pets": "false",
                                           "custom.spaces": "2"})
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/households")]
    assert sent["json"]["custom"] == {"pets": False, "spaces": 2}
    _only_documented(fake, documented_routes)


def test_a_refused_value_is_shown_next_to_its_input(client, fake):
    sign_in(client, fake, roles=("manager",))
    definitions(fake, SPACES)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/households", problem(
        400, "Invalid input", "custom values are not valid", "invalid_input",
        [{"field": "custom.spaces", "message": "must be a number"}]))
    answer = client.post("/admin/households", data={"csrf_token": csrf_of(client), "building": "5", "unit": "1",
                                                    "room": "1802", "area_m2": "80", "owner_name": "王五",
                                                    "owner_phone": "13800138000", "custom.spaces": "many"},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "must be a number" in page and 'value="many"' in page
    sent = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/households")][0]
    assert sent["json"]["custom"] == {"spaces": "many"}  # sent as typed: the API names it
    # the fields were read once for the form's values and the page shown again
    assert len([c for c in fake.calls if c["method"] == "GET" and c["path"].endswith("/custom-fields")]) == 1


def test_a_request_is_registered_with_its_values_shows_them_and_changes_them(client, fake, documented_routes):
    sign_in(client, fake, roles=("agent",))
    definitions(fake, MOOD)
    page = client.get("/desk/requests/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="custom.mood"' in page and ">upset<" in page
    request = {"id": "sr_1", "estate_id": ESTATE, "number": "SR-1", "kind": "consultation", "household_id": "hh_1",
               "channel": "phone", "description": "dogs?", "status": "open", "due_at": None, "created_at": STAMP,
               "updated_at": STAMP, "history": [], "custom": {"mood": "upset"}}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", (201, request))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", request)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)
    client.post("/desk/requests", data={"csrf_token": csrf_of(client), "kind": "consultation", "household_id": "hh_1",
                                        "channel": "phone", "description": "dogs?", "custom.mood": "upset"})
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/service-requests")]
    assert sent["json"]["custom"] == {"mood": "upset"}
    detail = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Mood" in detail and "upset" in detail
    assert "Save custom fields" in detail and '<option value="upset" selected>' in detail  # the edit form, filled
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/custom", dict(request, custom={"mood": "calm"}))
    changed = client.post("/desk/requests/sr_1/custom", data={"csrf_token": csrf_of(client), "custom.mood": "calm"})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/desk/requests/sr_1")
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/sr_1/custom")]
    assert sent["json"] == {"custom": {"mood": "calm"}}
    _only_documented(fake, documented_routes)


def test_the_history_names_the_fields_a_step_set_by_their_labels_and_the_flat_matched(client, fake):
    """The step's note holds the fields' keys ("floor_drain, mood"), a match's the household's id:
    shown as such (found by review)."""
    sign_in(client, fake, roles=("agent",))
    definitions(fake, MOOD, field("service_request", "callback", "bool", "需回电", "Call back"))
    request = {"id": "sr_1", "estate_id": ESTATE, "number": "SR-1", "kind": "consultation", "household_id": "hh_1",
               "channel": "phone", "description": "dogs?", "status": "open", "due_at": None, "created_at": STAMP,
               "updated_at": STAMP, "custom": {"mood": "upset", "callback": True}, "history": [
                   {"at": STAMP, "by": "zhang", "action": "custom_values_set", "note": "callback, gone_field, mood"},
                   {"at": STAMP, "by": "zhang", "action": "household_matched", "note": "hh_1"}]}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", request)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)
    zh = client.get("/desk/requests/sr_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert '<span class="muted">需回电、gone_field、情绪</span>' in zh  # a field since deleted: its key
    assert '<span class="muted"><span class="flat">5-1-1801</span></span>' in zh  # the flat a portal request was matched to, not its id
    en = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span class="muted">Call back, gone_field, Mood</span>' in en


def test_a_work_orders_values_are_set_on_its_page(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician",))
    definitions(fake, DRAIN)
    order = {"id": "wo_1", "estate_id": ESTATE, "number": "WO-1", "source": {"type": "service_request", "id": "sr_1"},
             "description": "leak", "priority": "normal", "status": "pending", "reported_at": STAMP,
             "created_at": STAMP, "updated_at": STAMP, "history": [], "custom": {}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1", order)
    page = client.get("/engineering/work-orders/wo_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="custom.floor_drain"' in page and "Save custom fields" in page
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1/custom", dict(order, custom={"floor_drain": True}))
    answer = client.post("/engineering/work-orders/wo_1/custom", data={"csrf_token": csrf_of(client),
                                                                        "custom.floor_drain": "true"})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/custom")]
    assert sent["json"] == {"custom": {"floor_drain": True}}
    _only_documented(fake, documented_routes)


def test_the_equipment_ledger_shows_and_sends_its_values(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician",))
    definitions(fake, BRAND)
    pump = {"id": "eq_1", "estate_id": ESTATE, "code": "PUMP-1", "name": "Pump", "system": "water", "location": "B2",
            "installed_on": None, "created_at": STAMP, "updated_at": STAMP, "custom": {"brand": "Grundfos"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment", {"items": [pump], "next_cursor": None})
    page = client.get("/engineering/equipment", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Grundfos" in page and 'name="custom.brand"' in page
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment", (201, pump))
    client.post("/engineering/equipment", data={"csrf_token": csrf_of(client), "code": "PUMP-2", "name": "Pump 2",
                                                "system": "water", "location": "B2", "custom.brand": "Wilo"})
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/equipment")]
    assert sent["json"]["custom"] == {"brand": "Wilo"}
    _only_documented(fake, documented_routes)


def test_an_equipment_row_s_values_are_changed_in_the_ledger(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician",))
    definitions(fake, BRAND, field("equipment", "warranty_until", "date", "保修期至", "Warranty until"))
    pump = {"id": "eq_1", "estate_id": ESTATE, "code": "PUMP-1", "name": "Pump", "system": "water", "location": "B2",
            "installed_on": None, "created_at": STAMP, "updated_at": STAMP, "custom": {"brand": "Grundfos"}}
    fan = dict(pump, id="eq_2", code="FAN-1", name="Fan", custom={})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment", {"items": [pump, fan], "next_cursor": None})
    page = client.get("/engineering/equipment?system=water", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count("Edit custom fields") == 2  # one form per row, each filled with that row's values
    assert 'id="cf-eq_1-brand" name="custom.brand" maxlength="500" value="Grundfos"' in page
    assert 'id="cf-eq_2-brand" name="custom.brand" maxlength="500" value=""' in page
    assert 'action="/engineering/equipment/eq_1/custom?system=water"' in page
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_1/custom",
            dict(pump, custom={"brand": "Wilo", "warranty_until": "2030-06-30"}))
    answer = client.post("/engineering/equipment/eq_1/custom?system=water", data={
        "csrf_token": csrf_of(client), "custom.brand": "Wilo", "custom.warranty_until": "2030-06-30"},
        headers={"Accept-Language": "en"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/engineering/equipment?system=water")
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/eq_1/custom")]
    assert sent["json"] == {"custom": {"brand": "Wilo", "warranty_until": "2030-06-30"}}
    assert "Custom fields saved." in client.get("/engineering/equipment", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    _only_documented(fake, documented_routes)


def test_a_refused_equipment_value_is_shown_on_the_ledger(client, fake):
    sign_in(client, fake, roles=("technician",))
    definitions(fake, field("equipment", "warranty_until", "date", "保修期至", "Warranty until"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_1/custom", problem(
        400, "Invalid input", "custom values are not valid", "invalid_input",
        [{"field": "custom.warranty_until", "message": "must be a date (YYYY-MM-DD)"}]))
    answer = client.post("/engineering/equipment/eq_1/custom", data={"csrf_token": csrf_of(client),
                                                                     "custom.warranty_until": "soon"})
    assert answer.status_code == 302
    page = client.get("/engineering/equipment", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "must be a date" in page


def test_a_ledger_without_live_fields_offers_no_edit(client, fake):
    sign_in(client, fake, roles=("technician",))
    definitions(fake, field("equipment", "brand", "text", "品牌", "Brand", archived=True))
    pump = {"id": "eq_1", "estate_id": ESTATE, "code": "PUMP-1", "name": "Pump", "system": "water", "location": "B2",
            "installed_on": None, "created_at": STAMP, "updated_at": STAMP, "custom": {"brand": "Grundfos"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment", {"items": [pump], "next_cursor": None})
    page = client.get("/engineering/equipment", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Grundfos" in page and "Edit custom fields" not in page


def test_without_the_fields_list_the_forms_still_work(client, fake):
    sign_in(client, fake, roles=("manager",))  # the fake has no custom-fields route: a 404
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [HOUSEHOLD], "next_cursor": None})
    page = client.get("/admin/households")
    assert page.status_code == 200 and b'name="custom.' not in page.data


def test_the_manager_defines_requires_and_archives_fields(client, fake, documented_routes):
    sign_in(client, fake, roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/custom-fields", {"items": [PETS, OLD], "unavailable": ["maintenance"]})
    page = client.get("/admin/custom-fields", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "pets" in page and "Make required" in page and "Not available right now: maintenance" in page
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/custom-fields", (201, MOOD))
    answer = client.post("/admin/custom-fields", data={"csrf_token": csrf_of(client), "resource": "service_request",
                                                       "key": "mood", "label_zh": "情绪", "label_en": "Mood",
                                                       "type": "choice", "choices": "calm\nupset"})
    # the notice names the field: it was a 500 once the gateway had made it (translate's own ``key``)
    assert answer.status_code == 302
    assert "已定义字段 mood。" in client.get(answer.location).get_data(as_text=True)
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/custom-fields")]
    assert sent["json"] == {"resource": "service_request", "key": "mood", "label": {"zh": "情绪", "en": "Mood"},
                            "type": "choice", "required": False, "choices": ["calm", "upset"]}
    fake.on("PATCH", rf"/api/v1/estates/{ESTATE}/custom-fields/household/pets", dict(PETS, required=True))
    fake.on("DELETE", rf"/api/v1/estates/{ESTATE}/custom-fields/household/pets", dict(PETS, archived=True))
    for action in ("require", "archive"):
        answer = client.post(f"/admin/custom-fields/household/pets/{action}", data={"csrf_token": csrf_of(client)})
        assert answer.status_code == 302
    assert [c["json"] for c in fake.calls if c["method"] == "PATCH"] == [{"required": True}]
    assert [c["path"] for c in fake.calls if c["method"] == "DELETE"] == [
        f"/api/v1/estates/{ESTATE}/custom-fields/household/pets"]
    _only_documented(fake, documented_routes)


def test_a_household_s_edit_shows_its_values_and_sends_the_changed_ones(client, fake, documented_routes):
    sign_in(client, fake, roles=("steward",))
    definitions(fake, PETS, SPACES, OLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1/occupants",
            {"household_id": "hh_1", "status": "occupied", "items": [], "status_history": []})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/handovers", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/vacant-inspections", {"items": [], "next_cursor": None})
    page = client.get("/households/hh_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="custom.spaces"' in page and '<option value="true" selected>' in page  # pets: yes, shown
    assert 'name="custom.spaces" inputmode="decimal" value="" required' not in page  # not asked again on an edit
    fake.on("PATCH", rf"/api/v1/estates/{ESTATE}/households/hh_1", dict(HOUSEHOLD, version=2))
    answer = client.post("/households/hh_1/edit", data={"csrf_token": csrf_of(client), "version": "1",
                                                        "area_m2": "89.37", "status": "occupied",
                                                        "custom.pets": "false", "custom.spaces": "2"})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "PATCH"]
    assert sent["json"]["custom"] == {"pets": False, "spaces": 2}
    fake.on("PATCH", rf"/api/v1/estates/{ESTATE}/households/hh_1", problem(
        400, "Invalid input", "custom values are not valid", "invalid_input",
        [{"field": "custom.spaces", "message": "must be a number"}]))
    refused = client.post("/households/hh_1/edit", data={"csrf_token": csrf_of(client), "version": "1",
                                                         "area_m2": "89.37", "status": "occupied",
                                                         "custom.spaces": "two"}, headers={"Accept-Language": "en"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "must be a number" in html and 'value="two"' in html
    _only_documented(fake, documented_routes)


def test_a_pump_s_page_shows_its_history_and_its_forms_come_back_to_it(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician",))
    definitions(fake, BRAND)
    records = [{"id": "rec_1", "kind": "inspection", "result": "ok", "notes": "", "at": "2026-11-01T02:00:00Z",
                "by": "tech", "work_order_id": None},
               {"id": "rec_2", "kind": "repair", "result": "seal replaced", "notes": "leaked at the flange",
                "at": "2026-11-20T02:00:00Z", "by": "tech", "work_order_id": "wo_7"}]
    pump = {"id": "eq_1", "estate_id": ESTATE, "code": "PUMP-1", "name": "Booster pump", "system": "water",
            "location": "B2", "installed_on": "2020-05-01", "created_at": STAMP, "updated_at": STAMP,
            "custom": {"brand": "Grundfos"}, "records": records}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_1", pump)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment", {"items": [dict(pump, records=None, record_count=2)],
                                                            "next_cursor": None})

    def records_page(body, params):  # the ledger's records a page at a time, newest first
        listed = [dict(record, equipment_id="eq_1") for record in reversed(records)]
        if params.get("cursor") == "2026-11-20T02:00:00.000Z~rec_2":
            return {"items": listed[1:], "next_cursor": None}
        return {"items": listed[:1], "next_cursor": "2026-11-20T02:00:00.000Z~rec_2"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_1/records", records_page)
    ledger = client.get("/engineering/equipment", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/engineering/equipment/eq_1"' in ledger  # each row opens its page
    page = client.get("/engineering/equipment/eq_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "PUMP-1" in page and "Booster pump" in page and "Water" in page and "2020-05-01" in page
    assert "seal replaced" in page and ">ok<" not in page  # the newest page: a ledger of years is not one table
    assert 'href="/engineering/work-orders/wo_7"' in page and "leaked at the flange" in page
    [asked] = [c for c in fake.calls if c["path"].endswith("/equipment/eq_1/records")]
    assert asked["params"].get("newest_first") == "true" and asked["params"].get("limit")
    assert 'href="/engineering/equipment/eq_1?cursor=2026-11-20T02:00:00.000Z~rec_2"' in page
    # its details without the ledger its table pages through (records=none): the page read every record
    [details] = [c for c in fake.calls if c["method"] == "GET" and c["path"].endswith("/equipment/eq_1")]
    assert details["params"].get("records") == "none"
    following = client.get("/engineering/equipment/eq_1?cursor=2026-11-20T02:00:00.000Z~rec_2",
                           headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">ok<" in following and "seal replaced" not in following and 'class="pager"' not in following
    assert 'href="/engineering/maintenance-plans?equipment_id=eq_1"' in page
    assert 'value="Grundfos"' in page and "Save custom fields" in page and "Add a record" in page

    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_1/records",
            (201, dict(records[0], id="rec_3", equipment_id="eq_1")))
    added = client.post("/engineering/equipment/eq_1/records", data={
        "csrf_token": csrf_of(client), "from": "detail", "kind": "maintenance", "result": "oiled"})
    assert added.status_code == 302 and added.headers["Location"].endswith("/engineering/equipment/eq_1")
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/records")]
    assert sent["json"] == {"kind": "maintenance", "result": "oiled"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_1/custom", dict(pump, custom={"brand": "Wilo"}))
    saved = client.post("/engineering/equipment/eq_1/custom", data={
        "csrf_token": csrf_of(client), "from": "detail", "custom.brand": "Wilo"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/engineering/equipment/eq_1")
    from_ledger = client.post("/engineering/equipment/eq_1/custom", data={  # the ledger's row form
        "csrf_token": csrf_of(client), "custom.brand": "Wilo"})
    assert from_ledger.headers["Location"].endswith("/engineering/equipment")
    _only_documented(fake, documented_routes)


def test_an_unknown_pump_s_page_is_the_api_s_404(client, fake):
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_nope", problem(
        404, "Not found", "no such equipment in this estate", "not_found"))
    assert client.get("/engineering/equipment/eq_nope").status_code == 404
