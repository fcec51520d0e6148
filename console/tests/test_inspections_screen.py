"""Inspection checklists and inspections (engineering) against the fake gateway: a checklist
defined with its items, an inspection opened and completed with a result per item, its findings
and the work orders they opened."""
from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_registers import _only_documented

STAMP = "2026-11-30T08:00:00Z"
BASE = f"/api/v1/estates/{ESTATE}"
ITEMS = [{"code": "noise", "label": "No unusual noise", "kind": "pass_fail", "min": None, "max": None, "unit": None},
         {"code": "pressure", "label": "Outlet pressure", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"}]
CHECKLIST = {"id": "cl_1", "estate_id": ESTATE, "name": "Pump weekly", "target": "equipment", "items": ITEMS,
             "created_at": STAMP, "updated_at": STAMP, "created_by": "boss"}
OPEN = {"id": "insp_1", "estate_id": ESTATE, "checklist_id": "cl_1", "checklist_name": "Pump weekly",
        "target": "equipment", "equipment_id": "eq_1", "equipment_code": "PUMP-1", "location": None, "items": ITEMS,
        "status": "open", "results": None, "findings": None, "completed_at": None, "created_at": STAMP,
        "updated_at": STAMP, "created_by": "tech"}
FINDING = {"code": "pressure", "label": "Outlet pressure", "kind": "reading", "passed": None, "reading": 0.9,
           "min": 0.3, "max": 0.6, "unit": "MPa", "note": "hissing", "work_order_id": "wo_77"}
DONE = dict(OPEN, status="completed", completed_at=STAMP, completed_by="tech",
            results=[{"code": "noise", "passed": True, "reading": None, "note": ""},
                     {"code": "pressure", "passed": None, "reading": 0.9, "note": "hissing"}],
            findings=[FINDING])
ORDER = {"id": "wo_77", "estate_id": ESTATE, "number": "WO-77", "description": "Pump weekly: pressure",
         "priority": "normal", "status": "pending", "source": {"type": "inspection", "id": "insp_1"}}


def test_a_manager_defines_a_checklist_with_reading_and_pass_fail_items(client, fake, documented_routes):
    sign_in(client, fake, roles=("manager",))
    fake.on("GET", rf"{BASE}/checklists", {"items": [CHECKLIST], "next_cursor": "c2"})
    page = client.get("/engineering/checklists", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Pump weekly" in page and "Outlet pressure" in page and "0.3 – 0.6 MPa" in page and "cursor=c2" in page
    assert 'name="item_code"' in page and 'name="idempotency_key"' in page
    fake.on("POST", rf"{BASE}/checklists", (201, CHECKLIST))
    answer = client.post("/engineering/checklists", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k-1", "name": "Pump weekly", "target": "equipment",
        "item_code": ["noise", "pressure", ""], "item_label": ["No unusual noise", "Outlet pressure", ""],
        "item_kind": ["pass_fail", "reading", "pass_fail"], "item_min": ["9", "0.3", ""],
        "item_max": ["", "0.6", ""], "item_unit": ["", "MPa", ""]})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]
    assert sent["json"] == {"name": "Pump weekly", "target": "equipment", "items": [
        {"code": "noise", "label": "No unusual noise", "kind": "pass_fail"},  # limits are for readings only
        {"code": "pressure", "label": "Outlet pressure", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"}]}
    assert sent["headers"]["Idempotency-Key"] == "k-1"
    assert "巡检表“Pump weekly”已创建。" in client.get("/engineering/checklists").get_data(as_text=True)
    _only_documented(fake, documented_routes)


def test_a_refused_checklist_shows_the_error_by_its_item_and_keeps_what_was_typed(client, fake):
    sign_in(client, fake, roles=("manager",))
    fake.on("GET", rf"{BASE}/checklists", {"items": [], "next_cursor": None})
    fake.on("POST", rf"{BASE}/checklists", problem(422, "min is above max", "", "business_rule",
                                                   [{"field": "items[0].min", "message": "is above max"}]))
    data = {"csrf_token": csrf_of(client), "name": "Boiler", "target": "location", "item_code": ["temp"],
            "item_label": ["Water temperature"], "item_kind": ["reading"], "item_min": ["90"], "item_max": ["60"],
            "item_unit": ["°C"]}
    answer = client.post("/engineering/checklists", data=data, headers={"Accept-Language": "en"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'class="field-error">is above max</p>' in page and 'value="Water temperature"' in page
    assert "req-problem-42" in page
    # a limit that is no number is named before anything is sent
    posts = len([c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]])
    answer = client.post("/engineering/checklists", data=dict(data, item_min=["ninety"]),
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and "The number could not be read." in answer.get_data(as_text=True)
    assert len([c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]) == posts


def test_a_technician_opens_an_inspection_of_a_piece_of_equipment(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"{BASE}/inspections", {"items": [DONE], "next_cursor": None})
    fake.on("GET", rf"{BASE}/checklists", {"items": [CHECKLIST], "next_cursor": None})
    fake.on("GET", rf"{BASE}/equipment", {"items": [{"id": "eq_1", "code": "PUMP-1", "name": "Pump"}],
                                          "next_cursor": None})
    page = client.get("/engineering/inspections", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Pump weekly" in page and "PUMP-1" in page and "Completed" in page
    assert "Inspections" in page and "Inspection checklists" in page  # the technician's menu
    fake.on("POST", rf"{BASE}/inspections", (201, OPEN))
    answer = client.post("/engineering/inspections", data={"csrf_token": csrf_of(client), "checklist_id": "cl_1",
                                                            "equipment_id": "eq_1", "location": ""})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/engineering/inspections/insp_1")
    [sent] = [c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]
    assert sent["json"] == {"checklist_id": "cl_1", "equipment_id": "eq_1"}
    fake.on("POST", rf"{BASE}/inspections", problem(
        422, "an equipment checklist is done on a piece of equipment", "", "business_rule",
        [{"field": "equipment_id", "message": "is required for an equipment checklist"}]))
    answer = client.post("/engineering/inspections", data={"csrf_token": csrf_of(client), "checklist_id": "cl_1",
                                                            "location": "Roof"}, headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    assert 'class="field-error">is required for an equipment checklist</p>' in answer.get_data(as_text=True)
    _only_documented(fake, documented_routes)


def test_completing_sends_a_result_per_item_and_shows_the_findings_work_orders(client, fake, documented_routes):
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"{BASE}/inspections/insp_1", OPEN)
    page = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="passed.noise"' in page and 'name="reading.pressure"' in page and "0.3 – 0.6 MPa" in page

    def completed(body, _):
        fake.on("GET", rf"{BASE}/inspections/insp_1", DONE)
        return DONE
    fake.on("POST", rf"{BASE}/inspections/insp_1/complete", completed)
    fake.on("GET", rf"{BASE}/work-orders", {"items": [ORDER], "next_cursor": None})
    answer = client.post("/engineering/inspections/insp_1/complete", data={
        "csrf_token": csrf_of(client), "passed.noise": "true", "reading.pressure": "0.9",
        "note.pressure": "hissing"})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]
    assert sent["json"] == {"results": [{"code": "noise", "passed": True},
                                        {"code": "pressure", "reading": 0.9, "note": "hissing"}]}
    page = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "巡检已完成：1 项不合格" in page  # the flash, in the language of the post
    assert "WO-77" in page and "/engineering/work-orders/wo_77" in page and "Pending" in page and "hissing" in page
    [orders] = [c for c in fake.calls if c["path"].endswith("/work-orders")]
    assert orders["params"]["inspection_id"] == "insp_1"
    zh = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "发现问题" in zh and "生成的工单" in zh
    # an order not in the list (not opened yet: a crash between the two) is offered, not named by its id
    fake.on("GET", rf"{BASE}/work-orders", {"items": [], "next_cursor": None})
    page = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">Open</a>" in page and ">wo_77<" not in page
    _only_documented(fake, documented_routes)


def test_a_refused_completion_names_the_item_and_a_bad_reading_is_caught_first(client, fake):
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"{BASE}/inspections/insp_1", OPEN)
    fake.on("POST", rf"{BASE}/inspections/insp_1/complete", problem(
        400, "Invalid input", "", "invalid_input", [{"field": "results[0].passed", "message": "is required"}]))
    answer = client.post("/engineering/inspections/insp_1/complete", data={
        "csrf_token": csrf_of(client), "reading.pressure": "0.5"}, headers={"Accept-Language": "en"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'class="field-error">Is required.</p>' in page and 'value="0.5"' in page
    [sent] = [c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]
    assert sent["json"]["results"][0] == {"code": "noise", "passed": None}
    answer = client.post("/engineering/inspections/insp_1/complete", data={
        "csrf_token": csrf_of(client), "passed.noise": "false", "reading.pressure": "high"},
        headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and "The number could not be read." in answer.get_data(as_text=True)
    assert len([c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]) == 1


def test_a_post_without_the_csrf_token_is_refused(client, fake):
    sign_in(client, fake, roles=("technician",))
    answer = client.post("/engineering/inspections/insp_1/complete", data={"passed.noise": "true"})
    assert answer.status_code == 400 and not [c for c in fake.calls if c["method"] == "POST"
                                              and "/inspections" in c["path"]]


def test_a_plan_s_inspections_opened_together_are_told_apart_by_their_date(client, fake):
    """A daily plan opens today's inspection and tomorrow's at once (``plan_open_days_ahead``): the
    list showed both with the same checklist, equipment and opening time, and a technician could
    not tell which was today's (a probe of engineering's day)."""
    sign_in(client, fake, roles=("technician",))
    planned = [dict(OPEN, id="insp_2", due_on="2026-12-01", created_by=None),
               dict(OPEN, id="insp_1", due_on="2026-11-30", created_by=None)]
    fake.on("GET", rf"{BASE}/inspections", {"items": planned, "next_cursor": None})
    fake.on("GET", rf"{BASE}/checklists", {"items": [CHECKLIST], "next_cursor": None})
    fake.on("GET", rf"{BASE}/equipment", {"items": [], "next_cursor": None})
    page = client.get("/engineering/inspections", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "<th>计划日期</th>" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "insp_2" in rows[0] and "<td>2026-12-01</td>" in rows[0]
    assert "insp_1" in rows[1] and "<td>2026-11-30</td>" in rows[1]


def test_a_completed_inspection_says_when_it_was_inspected_not_a_work_orders_completion(client, fake):
    """An inspection's completion read 完工时间 / Completed, a work order's word (a probe of the
    console's small gaps)."""
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"{BASE}/inspections/insp_1", DONE)
    fake.on("GET", rf"{BASE}/work-orders", {"items": [ORDER], "next_cursor": None})
    zh = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "<dt>巡检完成时间</dt><dd>2026-11-30 16:00 · tech</dd>" in zh and "完工时间" not in zh
    en = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<dt>Inspected</dt><dd>30 Nov 2026 16:00 · tech</dd>" in en


def test_a_completed_inspection_shows_its_history_in_the_page_s_language(client, fake):
    """An inspection's history (its completion: "1 finding", or "all items passed") was on no page, and
    read "1 finding(s)" in English where it was read (found rereading the change, h6)."""
    sign_in(client, fake, roles=("technician",))
    history = [{"at": STAMP, "by": "tech", "action": "complete", "note": "1 finding", "event_id": None}]
    fake.on("GET", rf"{BASE}/inspections/insp_1", dict(DONE, history=history))
    fake.on("GET", rf"{BASE}/work-orders", {"items": [ORDER], "next_cursor": None})
    zh = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "发现 1 项问题" in zh and "1 finding" not in zh
    en = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 finding" in en
    passed = [dict(history[0], note="all items passed")]
    fake.on("GET", rf"{BASE}/inspections/insp_1", dict(DONE, findings=[], history=passed))
    assert "全部合格" in client.get("/engineering/inspections/insp_1",
                                  headers={"Accept-Language": "zh"}).get_data(as_text=True)


def test_a_manager_edits_a_checklist_before_it_is_used_and_a_refusal_keeps_what_was_typed(client, fake,
                                                                                        documented_routes):
    """h7: an operator's 防汛防台 checklist made the estate's own (PATCH …/checklists/{id}, until used)."""
    sign_in(client, fake, roles=("manager",))
    fake.on("GET", rf"{BASE}/checklists$", {"items": [CHECKLIST], "next_cursor": None})
    listed = client.get("/engineering/checklists").get_data(as_text=True)
    assert "/engineering/checklists/cl_1/edit" in listed and "修改" in listed
    fake.on("GET", rf"{BASE}/checklists/cl_1$", CHECKLIST)
    form = client.get("/engineering/checklists/cl_1/edit").get_data(as_text=True)
    assert 'value="Pump weekly"' in form and 'value="Outlet pressure"' in form and 'value="0.3"' in form
    edited = dict(CHECKLIST, name="Pump before the typhoon", items=ITEMS[:1])
    fake.on("PATCH", rf"{BASE}/checklists/cl_1$", edited)
    answer = client.post("/engineering/checklists/cl_1/edit", data={
        "csrf_token": csrf_of(client), "name": "Pump before the typhoon", "item_code": ["noise", ""],
        "item_label": ["No unusual noise", ""], "item_kind": ["pass_fail", "pass_fail"],
        "item_min": ["", ""], "item_max": ["", ""], "item_unit": ["", ""]})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "PATCH"]
    assert sent["json"] == {"name": "Pump before the typhoon",
                            "items": [{"code": "noise", "label": "No unusual noise", "kind": "pass_fail"}]}
    assert "巡检表“Pump before the typhoon”已修改。" in client.get("/engineering/checklists").get_data(as_text=True)
    fake.on("PATCH", rf"{BASE}/checklists/cl_1$", problem(409, "the checklist is in use (an inspection)", "",
                                                          "conflict", [{"field": "id", "message": "is used"}]))
    refused = client.post("/engineering/checklists/cl_1/edit", data={
        "csrf_token": csrf_of(client), "name": "Too late", "item_code": ["noise"], "item_label": ["Noise"],
        "item_kind": ["pass_fail"], "item_min": [""], "item_max": [""], "item_unit": [""]})
    assert refused.status_code == 409 and 'value="Too late"' in refused.get_data(as_text=True)
    _only_documented(fake, documented_routes)


def test_the_edit_is_not_offered_outside_management(client, fake):
    sign_in(client, fake, roles=("technician",))
    fake.on("GET", rf"{BASE}/checklists$", {"items": [CHECKLIST], "next_cursor": None})
    assert "/engineering/checklists/cl_1/edit" not in client.get("/engineering/checklists").get_data(as_text=True)


def test_a_failed_item_of_a_contractor_s_line_shows_no_work_order_but_the_contractor_s(client, fake, documented_routes):
    """found by h2: an item of a contractor's line (垃圾清运) opens no work order (maintenance's
    upkeep_line): its finding has none to link to, the page says it is the contractor's."""
    sign_in(client, fake, roles=("technician",))
    upkeep = dict(FINDING, code="W1", label="垃圾清运", kind="pass_fail", passed=False, reading=None,
                  work_order_id=None, upkeep_line="waste_removal")
    fake.on("GET", rf"{BASE}/inspections/insp_1", dict(DONE, findings=[FINDING, upkeep]))
    fake.on("GET", rf"{BASE}/work-orders", {"items": [ORDER], "next_cursor": None})
    zh = client.get("/engineering/inspections/insp_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "垃圾清运 · 外包单位整改（不派工单）" in zh and "/engineering/work-orders/None" not in zh
    assert "/engineering/work-orders/wo_77" in zh
    _only_documented(fake, documented_routes)


def test_a_location_checklist_s_item_names_a_contractor_s_line(client, fake, documented_routes):
    """found by h2: a location walk's 垃圾清运 could only be an engineering item, its failure a
    technicians' order; the item's row offers the contractor's line and sends it (upkeep_line)."""
    sign_in(client, fake, roles=("manager",))
    fake.on("GET", rf"{BASE}/checklists", {"items": [CHECKLIST], "next_cursor": None})
    page = client.get("/engineering/checklists", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'name="item_upkeep_line"' in page and "垃圾清运" in page
    fake.on("POST", rf"{BASE}/checklists", (201, CHECKLIST))
    client.post("/engineering/checklists", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k-2", "name": "公共区域巡检", "target": "location",
        "item_code": ["W1", "L1"], "item_label": ["垃圾清运", "楼道灯"], "item_kind": ["pass_fail", "pass_fail"],
        "item_min": ["", ""], "item_max": ["", ""], "item_unit": ["", ""],
        "item_upkeep_line": ["waste_removal", ""]})
    [sent] = [c for c in fake.calls if c["method"] == "POST" and "/estates/" in c["path"]]
    assert sent["json"]["items"] == [
        {"code": "W1", "label": "垃圾清运", "kind": "pass_fail", "upkeep_line": "waste_removal"},
        {"code": "L1", "label": "楼道灯", "kind": "pass_fail"}]
    _only_documented(fake, documented_routes)
