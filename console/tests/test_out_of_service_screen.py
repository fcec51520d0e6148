"""停运 on the console (h10, a lift out of service): the board lists the pieces out of service now with
since when, why and the order each waits on; the equipment page shows its state and takes it out of
service by hand or puts it back; a breakdown's open order names its lift before its completion and takes
it out of service for itself. "Which lifts are down now" had no answer (h6, a probe of a lift's year)."""
from .conftest import ESTATE, csrf_of, sign_in
from .test_registers import _only_documented

SPELL = {"since": "2026-12-05T02:10:00Z", "reason": "困人后停运待检", "work_order_id": "wo_lift",
         "work_order_number": "WO-2026-000051", "by": "chen"}
LIFT = {"id": "eq_lift", "estate_id": ESTATE, "code": "LIFT-3", "name": "3号楼客梯", "system": "elevator",
        "location": "3号楼", "installed_on": None, "record_count": 0, "last_record": None, "custom": {},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-12-05T02:10:00Z", "out_of_service": SPELL}
PUMP = {**LIFT, "id": "eq_pump", "code": "PUMP-1", "name": "Booster pump", "system": "water", "out_of_service": None}
BREAKDOWN = {"id": "wo_lift", "estate_id": ESTATE, "number": "WO-2026-000051", "status": "assigned",
             "technician": "chen", "source": {"type": "service_request", "id": "sr_9"}, "request_id": None,
             "household_id": None, "description": "3号楼电梯困人", "priority": "emergency", "equipment_id": None,
             "reported_at": "2026-12-05T02:00:00Z", "created_at": "2026-12-05T02:00:00Z",
             "updated_at": "2026-12-05T02:00:00Z", "history": [], "custom": {}}


def _ledger(fake):
    def equipment(_, params):
        pieces = [LIFT] if params.get("out_of_service") == "true" else [LIFT, PUMP]
        return {"items": pieces, "next_cursor": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment", equipment)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift", LIFT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_pump", PUMP)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/[^/]+/records", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})


def test_the_board_lists_the_pieces_out_of_service_now_with_since_when_why_and_the_order(client, fake,
                                                                                          documented_routes):
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    board = client.get("/engineering/work-orders", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "停运设备(1)" in board and "LIFT-3" in board and "困人后停运待检" in board
    assert 'href="/engineering/work-orders/wo_lift">WO-2026-000051' in board and "PUMP-1" not in board
    asked = [c["params"] for c in fake.calls if c["path"].endswith("/equipment")]
    assert asked and asked[-1].get("out_of_service") == "true"
    _only_documented(fake, documented_routes)


def test_the_equipment_page_shows_it_out_of_service_and_puts_it_back_or_takes_it_out(client, fake, documented_routes):
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift/back-in-service", {**LIFT, "out_of_service": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_pump/out-of-service", PUMP)
    page = client.get("/engineering/equipment/eq_lift", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-out-of-service" in page and "困人后停运待检" in page and "WO-2026-000051" in page
    assert "data-back-in-service" in page and "data-take-out" not in page
    back = client.post("/engineering/equipment/eq_lift/service/back-in-service",
                       data={"csrf_token": csrf_of(client), "idempotency_key": "k1", "note": " 维保单位检查正常 "})
    assert back.status_code == 302 and back.headers["Location"].endswith("/engineering/equipment/eq_lift")
    assert fake.calls[-1]["json"] == {"note": "维保单位检查正常"}
    pump = client.get("/engineering/equipment/eq_pump", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-take-out" in pump and "data-in-service" in pump
    client.post("/engineering/equipment/eq_pump/service/out-of-service",
                data={"csrf_token": csrf_of(client), "idempotency_key": "k2", "reason": "轴承异响"})
    assert fake.calls[-1]["json"] == {"reason": "轴承异响"}  # by hand: no order
    _only_documented(fake, documented_routes)


def test_an_open_order_names_its_lift_and_takes_it_out_of_service_for_itself(client, fake, documented_routes):
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift", BREAKDOWN)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift/equipment", {**BREAKDOWN, "equipment_id": "eq_pump"})
    page = client.get("/engineering/work-orders/wo_lift", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'action="/engineering/work-orders/wo_lift/equipment"' in page
    assert '<option value="eq_lift" >LIFT-3 · 3号楼客梯</option>' in page
    named = client.post("/engineering/work-orders/wo_lift/equipment",
                        data={"csrf_token": csrf_of(client), "idempotency_key": "k3", "equipment_id": "eq_pump"})
    assert named.status_code == 302 and fake.calls[-1]["json"] == {"equipment_id": "eq_pump"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift", {**BREAKDOWN, "equipment_id": "eq_pump"})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_pump/out-of-service", PUMP)
    page = client.get("/engineering/work-orders/wo_lift", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "data-take-out" in page and 'name="work_order_id" value="wo_lift"' in page
    taken = client.post("/engineering/equipment/eq_pump/service/out-of-service", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k4", "reason": "困人后停运待检", "work_order_id": "wo_lift",
        "from": "order"})
    assert taken.headers["Location"].endswith("/engineering/work-orders/wo_lift")
    assert fake.calls[-1]["json"] == {"reason": "困人后停运待检", "work_order_id": "wo_lift"}
    _only_documented(fake, documented_routes)


def test_a_colleague_s_order_offers_him_no_equipment_step(client, fake):
    sign_in(client, fake, username="liu", roles=("technician",))
    _ledger(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift", BREAKDOWN)
    page = client.get("/engineering/work-orders/wo_lift", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'action="/engineering/work-orders/wo_lift/equipment"' not in page


def test_an_order_takes_its_lift_out_until_checked_and_the_equipment_page_says_it_comes_back_by_hand(
        client, fake, documented_routes):
    """A lift after an entrapment is checked before anyone rides it (检验合格方可使用): the order's form
    offers 待检验合格后人工恢复 (until_checked), and the equipment page of a lift out until checked said it
    came back with the order's completion (found by review r10 of h10)."""
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift", {**BREAKDOWN, "equipment_id": "eq_pump"})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_pump/out-of-service", PUMP)
    page = client.get("/engineering/work-orders/wo_lift", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'name="until_checked"' in page and "检验合格后人工恢复运行" in page
    client.post("/engineering/equipment/eq_pump/service/out-of-service", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k5", "reason": "困人后停运待检", "work_order_id": "wo_lift",
        "from": "order", "until_checked": "1"})
    assert fake.calls[-1]["json"] == {"reason": "困人后停运待检", "work_order_id": "wo_lift", "until_checked": True}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift", {**LIFT, "out_of_service": {**SPELL, "until_checked": True}})
    for language, said, not_said in (("zh", "工单完成后仍停运,检验合格后人工恢复运行", "该工单完成后自动恢复运行"),
                                     ("en", "stays out after the order is completed until put back by hand",
                                      "back in service when the order is completed")):
        shown = client.get("/engineering/equipment/eq_lift", headers={"Accept-Language": language}).get_data(as_text=True)
        assert said in shown and not_said not in shown and "WO-2026-000051" in shown
    _only_documented(fake, documented_routes)


def test_the_equipment_page_says_its_inspection_certificate_or_that_none_is_known(client, fake):
    """年检合格证 on the piece's page: its number, valid until, who inspected it; 未知 without one (h5)."""
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    certified = {**LIFT, "certificate": {"number": "TSX-2026-0815", "valid_until": "2026-12-10",
                                         "inspected_by": "市特检院"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift", certified)
    lift = client.get("/engineering/equipment/eq_lift").get_data(as_text=True)
    assert "年检合格证" in lift and "TSX-2026-0815" in lift and "有效期至 2026-12-10" in lift and "市特检院" in lift
    pump = client.get("/engineering/equipment/eq_pump").get_data(as_text=True)
    assert "data-certificate>未知" in pump
    # a lift with none registered (its expiry was a custom date before certificates: h5 of session 55)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift", {**LIFT, "certificate": None})
    lift = client.get("/engineering/equipment/eq_lift").get_data(as_text=True)
    assert "data-certificate-unregistered>未登记合格证" in lift


def test_a_contractors_job_names_the_contractor_and_who_signed_on_the_order_and_the_ledger(client, fake,
                                                                                           documented_routes):
    """维保单位 (h5, a probe of a lift's year): a plan's order done by the lift's contractor is completed
    naming it and who signed its sheet; a record typed on the ledger names them too, and the piece's
    page shows both."""
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    job = {**BREAKDOWN, "status": "in_progress", "source": {"type": "maintenance_plan", "id": "mp_1"},
           "equipment_id": "eq_lift", "priority": "normal", "household_id": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift", job)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_lift/complete", {**job, "status": "completed"})
    page = client.get("/engineering/work-orders/wo_lift").get_data(as_text=True)
    assert 'name="contractor"' in page and "维保单位" in page
    client.post("/engineering/work-orders/wo_lift/complete", data={
        "csrf_token": csrf_of(client), "charge": "0", "signed_by": "王工", "contractor": " 迅达电梯维保 "})
    assert fake.calls[-1]["json"] == {"materials": [], "charge_cents": 0, "signed_by": "王工", "contractor": "迅达电梯维保"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift/records", (201, {"id": "eqr_1"}))
    client.post("/engineering/equipment/eq_lift/records", data={
        "csrf_token": csrf_of(client), "kind": "maintenance", "result": "半月保养", "contractor": "迅达电梯维保",
        "signed_by": "王工"})
    assert fake.calls[-1]["json"] == {"kind": "maintenance", "result": "半月保养", "contractor": "迅达电梯维保",
                                      "signed_by": "王工"}
    record = {"id": "eqr_1", "kind": "maintenance", "result": "半月保养", "notes": "", "at": "2026-12-05T02:00:00Z",
              "by": "chen", "work_order_id": None, "contractor": "迅达电梯维保", "signed_by": "王工"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/[^/]+/records", {"items": [record], "next_cursor": None})
    shown = client.get("/engineering/equipment/eq_lift").get_data(as_text=True)
    assert "迅达电梯维保" in shown and "王工" in shown and "维保单位" in shown
    _only_documented(fake, documented_routes)


def test_the_equipment_page_shows_a_retired_piece_and_the_engineering_manager_retires_one(client, fake,
                                                                                         documented_routes):
    """报废 / 停用 (h6): a lift taken out for good stayed 未登记合格证 on the due list; the page shows the
    retirement (kind, day, why, by whom) and offers the engineering manager the form, a technician none."""
    retired = {**LIFT, "out_of_service": None,
               "retired": {"kind": "scrapped", "on": "2026-12-01", "reason": "老旧报废", "by": "wu",
                           "at": "2026-12-05T02:10:00Z"}}
    sign_in(client, fake, username="chen", roles=("technician",))
    _ledger(fake)
    assert "data-retire-form" not in client.get("/engineering/equipment/eq_pump").get_data(as_text=True)
    sign_in(client, fake, username="gao", roles=("technician", "maintenance_supervisor"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/equipment/eq_lift", retired)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/equipment/eq_pump/retire", PUMP)
    page = client.get("/engineering/equipment/eq_lift", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "data-retired" in page and "报废" in page and "2026-12-01" in page and "老旧报废" in page
    assert "data-retire-form" not in page and "data-take-out" not in page  # retired: nothing more to do on it
    pump = client.get("/engineering/equipment/eq_pump", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "data-retire-form" in pump and "停用" in pump
    sent = client.post("/engineering/equipment/eq_pump/service/retire", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k3", "kind": "decommissioned", "on": "2026-12-06",
        "reason": " 改造停用 "})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/engineering/equipment/eq_pump")
    assert fake.calls[-1]["json"] == {"kind": "decommissioned", "on": "2026-12-06", "reason": "改造停用"}
    _only_documented(fake, documented_routes)
