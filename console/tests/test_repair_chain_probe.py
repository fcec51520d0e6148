"""What a probe of one repair's whole chain (owner portal, desk, technician, cashier, archive)
found in the console."""
import re

from .conftest import ESTATE, problem, sign_in

REPAIR = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "portal",
          "description": "leak", "status": "dispatched", "due_at": "2026-12-06T13:49:00Z", "category": "drainage",
          "created_at": "2026-12-05T13:49:00Z", "work_order_id": "wo_1", "history": []}


def test_a_request_names_the_visit_agreed_for_its_open_order(client, fake):
    """The owner calls the desk to ask when the technician comes: the request's page named its order
    and its status (已预约) and not the time agreed, which the owner's own portal page showed (a
    probe of the repair chain). The visit still to come only: one agreed before the work started
    is past, a new one after it is the next."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", REPAIR)
    appointed = {"id": "wo_1", "number": "WO-2026-000001", "status": "appointed",
                 "appointment": {"at": "2026-12-06T20:30:00.000Z", "set_at": "2026-12-05T13:51:00.000Z",
                                 "reason": "not at home in the morning", "by": "tom"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [appointed], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # on the estate's clock (Asia/Shanghai here)
    assert '<a href="/engineering/work-orders/wo_1">WO-2026-000001</a> · Appointed · Appointment 07 Dec 2026 04:30' \
        in page
    started = {**appointed, "status": "in_progress", "started_at": "2026-12-05T13:52:00.000Z"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [started], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "WO-2026-000001</a> · In progress</li>" in page
    again = {**started, "appointment": {**started["appointment"], "set_at": "2026-12-05T14:00:00.000Z"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [again], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In progress · Appointment 07 Dec 2026 04:30" in page
    done = {**again, "status": "completed"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [done], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "WO-2026-000001</a> · Completed</li>" in page


def test_a_request_says_its_order_waits_for_parts_and_until_when(client, fake):
    """The owner calls to ask why nobody came back: the request's page read "On hold" and not what
    for nor until when (h4, session 53). Its order's hold says both; the request's own
    ``work_on_hold`` does where the orders are not read."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", REPAIR)
    held = {"id": "wo_1", "number": "WO-2026-000001", "status": "on_hold", "started_at": "2026-12-05T13:52:00.000Z",
            "hold": {"waiting_for": "parts", "reason": "valve on order", "expected_on": "2026-12-09",
                     "since": "2026-12-05T14:00:00.000Z", "by": "tom", "held_from": "in_progress"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [held], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Waiting for parts · expected back 2026-12-09" in page


def test_the_payment_form_names_the_household_the_money_is_for(client, fake):
    """A cashier sent from a bill's row (…/payments/new?household_id=) was shown the unpaid total and
    the bills, never the flat (a probe of the repair chain): its address and current owner."""
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", {
        "id": "hh_1", "building": "3", "unit": "2", "room": "1201",
        "owner": {"name": "Wang Fang", "phone": "139****5678"}})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1/account", {
        "household_id": "hh_1", "building": "3", "unit": "2", "room": "1201", "unpaid_cents": 13000,
        "overdue_cents": 0, "prepaid_cents": 0, "bills": [], "payments": []})
    page = client.get("/accounts/payments/new?household_id=hh_1",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<dd data-household><span class="flat">3-2-1201</span> <span class="muted">current owner Wang Fang</span></dd>' in page


def test_a_repair_registered_as_an_emergency_says_so_on_its_page_and_in_the_register(client, fake):
    """A burst pipe registered as an emergency (its order due in minutes, marked 紧急 on the board)
    read as any repair on the request's page and in the register (a probe of the repair chain)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    emergency = {**REPAIR, "emergency": True, "channel": "phone", "work_order_id": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", emergency)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            {"items": [emergency, {**REPAIR, "id": "sr_2", "number": "SR-2026-000002", "emergency": False}],
             "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'SR-2026-000001 <span class="status">Sent to maintenance</span> <span class="badge badge-late">Emergency</span></h1>' \
        in page
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**emergency, "emergency": False})
    plain = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Emergency</span>" not in plain
    register = client.get("/desk/requests").get_data(as_text=True)
    assert register.count('<span class="badge badge-late">紧急</span>') == 1


def test_a_work_order_names_who_called_about_its_repair_as_the_gateway_answers_it(client, fake):
    """The technician agrees the visit with the occupant: his order's page named the request by its
    number alone, and who called was on the request's page only, masked for him (王** · 139****5678:
    a probe of the repair chain). From the read of the request the page makes already, as the
    gateway answers it (in full for the technician the request names, masked for the others);
    nothing when he may not read the request."""
    sign_in(client, fake, username="tom", roles=("technician",))
    order = {"id": "wo_1", "number": "WO-2026-000001", "description": "leak", "priority": "normal",
             "status": "assigned", "technician": "tom", "source": {"type": "service_request", "id": "sr_1"},
             "request_id": "sr_1", "request_number": "SR-2026-000001", "household_id": None,
             "reported_at": "2026-12-05T13:49:00Z", "history": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1", order)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1",
            {**REPAIR, "technician": "tom", "contact": {"name": "王五", "phone": "13912345678"}})
    page = client.get("/engineering/work-orders/wo_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<dt>Raised by</dt><dd id="raised-by">王五 · 13912345678</dd>' in page
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**REPAIR, "contact": None})
    page = client.get("/engineering/work-orders/wo_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<dd id="raised-by"><span class="muted">not recorded</span></dd>' in page
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1",
            problem(404, "no such service request in this estate", code="not_found"))
    page = client.get("/engineering/work-orders/wo_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="raised-by"' not in page and "<dd>SR-2026-000001</dd>" in page


def test_a_request_sent_to_maintenance_does_not_read_assigned_while_its_order_waits_for_a_technician(client, fake):
    """A repair's status ``dispatched`` read 已派工 (its history 已派单) as soon as its work order was
    opened, while the order itself read 待派工, no technician named: the owner read 已派工 with no
    technician coming (a review). The request is forwarded to maintenance; assigning is the order's."""
    sign_in(client, fake, username="amy", roles=("agent",))
    dispatched = {**REPAIR, "history": [{"at": "2026-12-05T13:50:00Z", "by": "amy", "action": "dispatched",
                                         "note": "work order WO-2026-000001"}]}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", dispatched)
    pending = {"id": "wo_1", "number": "WO-2026-000001", "status": "pending"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [pending], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<span class="status">已转工程部</span>' in page and "WO-2026-000001</a> · 待派工" in page
    assert "<strong>已转工程部</strong>" in page and "已派工" not in page and "已派单" not in page
    english = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span class="status">Sent to maintenance</span>' in english and "· Pending" in english
    assert "<strong>Sent to maintenance</strong>" in english and "Dispatched" not in english


def test_the_register_shows_the_address_an_owner_typed_for_a_portal_request_not_matched_yet(client, fake):
    """An owner-portal request the desk had not matched to its household showed an empty 房屋 column
    in the register (a review), where the API answers the address the owner gave (``portal.address``):
    it is shown, muted and marked not matched, as on the request's page; a matched one names its flat."""
    sign_in(client, fake, username="amy", roles=("agent",))
    typed = {**REPAIR, "portal": {"address": {"building": "3", "unit": "1", "room": "1201"},
                                  "contact": {"name": None, "phone": "138****8000"}, "matched": False, "rating": None}}
    matched = {**REPAIR, "id": "sr_2", "number": "SR-2026-000002", "household_id": "hh_1",
               "portal": {**typed["portal"], "address": {"building": "9", "unit": "9", "room": "909"}, "matched": True}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [
        {"id": "hh_1", "building": "5", "unit": "2", "room": "502"}], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests", {"items": [typed, matched], "next_cursor": None})
    register = client.get("/desk/requests", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", register, re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[3].strip() for row in rows]  # after 编号, 登记时间, 类型
    assert cells[0] == ('<span class="muted"><span class="flat">3-1-1201</span></span> '
                        '<span class="badge badge-soon">未匹配房屋</span>'), cells
    assert "5-2-502" in cells[1] and "909" not in cells[1]
    english = client.get("/desk/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ('<span class="muted"><span class="flat">3-1-1201</span></span> '
            '<span class="badge badge-soon">No household matched</span>') in english


def test_system_actors_read_in_the_page_s_language(client, fake):
    """A portal request's history read "登记 · portal" (the name the owner portal's filers carry),
    and a step no person took (a sweep's 已超时) and the archive's record of an event no person
    caused named nobody (a review): they read 业主自助 / Owner portal and 系统 / System; a
    person's name as it is."""
    sign_in(client, fake, username="amy", roles=("agent",))
    history = [{"at": "2026-12-05T13:49:00Z", "by": "portal", "action": "registered", "note": "via portal"},
               {"at": "2026-12-05T13:50:00Z", "by": "amy", "action": "dispatched", "note": "work order WO-1"},
               {"at": "2026-12-06T13:49:00Z", "by": None, "action": "overdue", "note": "not answered by its due time"}]
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**REPAIR, "history": history})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    for language, portal, system in (("zh-CN", "业主自助", "系统"), ("en", "Owner portal", "System")):
        page = client.get("/desk/requests/sr_1", headers={"Accept-Language": language}).get_data(as_text=True)
        bys = re.findall(r"</strong> (?:· ([^<]*))?<br>", page)
        assert bys == [portal, "amy", system], bys
        assert "· portal" not in page
    sign_in(client, fake, username="ada", roles=("archivist",))
    records = [{"id": f"rec_{n}", "subject_type": "service_request", "subject_id": "sr_1", "event_type": event,
                "source": "customer_service", "occurred_at": "2026-12-05T13:49:00Z", "actor": actor,
                "data": {"number": "SR-2026-000001"}, "corrected_by": []}
               for n, (event, actor) in enumerate((("service_request_registered", "portal"),
                                                   ("service_request_overdue", None),
                                                   ("service_request_closed", "amy")))]
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/records", {"items": records, "next_cursor": None})
    for language, portal, system in (("zh-CN", "业主自助", "系统"), ("en", "Owner portal", "System")):
        page = client.get("/archive/records?subject_id=sr_1", headers={"Accept-Language": language}).get_data(as_text=True)
        actors = [re.findall(r"<td>(.*?)</td>", row, re.S)[3] for row in re.findall(r'<tr id="record-.*?</tr>', page, re.S)]
        assert actors == [portal, system, "amy"], actors


def test_the_desk_gives_an_emergency_repair_its_emergency_category(client, fake, documented_routes):
    """h5's B6: the desk's repair form took a repair category only, and an owner's 家里进水 registered
    as an emergency was on the month's emergencies (本月抢险) of no category until a manager marked its
    order again. The form offers the emergency's category (抢险类别) beside 紧急维修 and sends it with
    the emergency only; its page shows it."""
    from .conftest import csrf_of
    from .test_registers import _only_documented
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    form = client.get("/desk/requests/new").get_data(as_text=True)
    select = re.search(r'<select id="emergency_category" name="emergency_category"[^>]*>(.*?)</select>', form, re.S)
    assert select and '<option value="flooding"' in select.group(1) and "抢险类别" in form
    assert 'data-shown-with="emergency"' in form
    created = {**REPAIR, "id": "sr_9", "number": "SR-2026-000009", "household_id": "hh_1", "channel": "phone",
               "emergency": True, "emergency_category": "flooding", "category": "water"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", (201, created))
    posted = lambda: [c["json"] for c in fake.calls if c["method"] == "POST"]  # noqa: E731
    typed = {"csrf_token": csrf_of(client), "idempotency_key": "k1", "household_id": "hh_1", "kind": "repair",
             "channel": "phone", "description": "家里进水", "category": "water", "emergency_category": "flooding"}
    client.post("/desk/requests", data={**typed, "emergency": "on"})
    assert posted()[-1]["emergency"] is True and posted()[-1]["emergency_category"] == "flooding"
    client.post("/desk/requests", data={**typed, "idempotency_key": "k2", "emergency_category": ""})
    assert "emergency_category" not in posted()[-1] and "emergency" not in posted()[-1]
    client.post("/desk/requests", data={**typed, "idempotency_key": "k3", "kind": "complaint", "emergency": "on"})
    assert "emergency_category" not in posted()[-1]
    _only_documented(fake, documented_routes)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**REPAIR, **created, "id": "sr_1"})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Flooding" in page
