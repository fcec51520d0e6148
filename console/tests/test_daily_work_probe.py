"""What a probe of daily work in the console found: irreversible steps taken in one click, a
settlement without its money by method and journal, checkpoints typed with full-width commas
refused, internal ids where people expect numbers, a completed order without its materials, raw
codes on Chinese pages, a return visit preselected 5/5, and smaller slips."""
from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_department_screens import INCIDENT

PAYMENT = {"id": "pay_1", "household_id": "hh_1", "amount_cents": 27000, "method": "wechat",
           "receipt_number": "RC-2026-000001", "status": "posted", "cashier": "carol",
           "receipt": {"number": "RC-2026-000001", "issued_at": "2026-11-30T02:00:00Z", "household_id": "hh_1",
                       "amount_cents": 27000, "method": "wechat", "bills": [], "prepaid_cents": 27000}}
HOUSEHOLD = {"id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1202", "area_m2": 75.0,
             "status": "occupied", "owner": {"name": "Li Lei", "phone": "138****0000"},
             "created_at": "2020-01-01T00:00:00Z", "version": 1}


def _posts(fake, ending):
    return [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith(ending)]


# -- 1. irreversible steps ask for a ticked box (and a reversal for its reason) ---------------------

def test_a_reversal_needs_its_reason_and_the_box_ticked(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/payments/pay_1", PAYMENT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/invoices", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/payments/pay_1/reverse", {**PAYMENT, "status": "reversed"})
    page = client.get("/accounts/payments/pay_1/receipt").get_data(as_text=True)
    assert 'name="confirm" value="yes" required' in page and 'id="reason" name="reason" maxlength="500" required' in page
    assert "冲销后，此笔收款（RC-2026-000001，¥270.00）作废" in page
    no_reason = client.post("/accounts/payments/pay_1/reverse", data={"csrf_token": csrf_of(client), "confirm": "yes"})
    assert no_reason.status_code == 302 and not _posts(fake, "/reverse")
    assert "请填写冲销原因" in client.get(no_reason.location).get_data(as_text=True)
    unticked = client.post("/accounts/payments/pay_1/reverse", data={"csrf_token": csrf_of(client),
                                                                     "reason": "wrong household"})
    assert not _posts(fake, "/reverse")
    shown = client.get(unticked.location).get_data(as_text=True)
    assert "请先勾选确认框" in shown and 'value="wrong household"' in shown  # the reason kept as typed
    client.post("/accounts/payments/pay_1/reverse", data={"csrf_token": csrf_of(client), "reason": "wrong household",
                                                          "confirm": "yes", "idempotency_key": "k-rev"})
    assert _posts(fake, "/reverse")[-1]["json"] == {"reason": "wrong household"}
    # refused by the API (the day is settled): the page comes back with the reason typed (it came
    # back empty: a probe)
    from .conftest import problem
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/payments/pay_1/reverse",
            problem(409, "the day is settled", "the cashier's day is settled: nothing of it is reversed", "conflict"))
    refused = client.post("/accounts/payments/pay_1/reverse", data={
        "csrf_token": csrf_of(client), "reason": "收错户", "confirm": "yes", "idempotency_key": "k-rev-2"})
    assert 'value="收错户"' in client.get(refused.location).get_data(as_text=True)


def test_a_cashier_s_day_is_settled_only_with_the_box_ticked(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/journals/settlements", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/journals/settlements", (201, {}))
    page = client.get("/accounts/settlements").get_data(as_text=True)
    assert "日结后，该收银员当日不能再收款" in page and 'name="confirm" value="yes" required' in page
    assert 'name="cashier" value="carol" required' in page  # her own day: she typed her username (a probe)
    refused = client.post("/accounts/settlements", data={"csrf_token": csrf_of(client), "date": "2026-11-30",
                                                         "cashier": "dora"})
    assert refused.status_code == 400 and not _posts(fake, "/settlements")
    shown = refused.get_data(as_text=True)
    assert "请先勾选确认框" in shown and 'name="cashier" value="dora" required' in shown  # as typed
    client.post("/accounts/settlements", data={"csrf_token": csrf_of(client), "date": "2026-11-30",
                                               "cashier": "carol", "confirm": "yes"})
    assert _posts(fake, "/settlements")[-1]["json"] == {"date": "2026-11-30", "cashier": "carol"}  # never sent


def test_finishing_a_round_says_how_many_checkpoints_will_be_missed(client, fake):
    sign_in(client, fake, username="gus", roles=("security",))
    patrol_round = {"id": "pr_1", "route_name": "Night round", "guard": "gus", "status": "open",
                    "scheduled_start": "2026-11-30T14:00:00Z", "check_ins": [
                        {"checkpoint": {"code": "A", "name": "Gate"}, "at": "2026-11-30T14:31:00Z", "late": False}],
                    "checkpoints": [{"code": "A", "name": "Gate"}, {"code": "B", "name": "Garage"},
                                    {"code": "C", "name": "Roof"}], "missed": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/patrol-rounds/pr_1", patrol_round)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/patrol-rounds/pr_1/finish", patrol_round)
    page = client.get("/security/rounds/pr_1").get_data(as_text=True)
    assert "2 个巡更点未打卡，将记为漏巡" in page
    answer = client.post("/security/rounds/pr_1/finish", data={"csrf_token": csrf_of(client)})
    assert not _posts(fake, "/finish") and "请先勾选确认框" in client.get(answer.location).get_data(as_text=True)
    client.post("/security/rounds/pr_1/finish", data={"csrf_token": csrf_of(client), "confirm": "yes"})
    assert len(_posts(fake, "/finish")) == 1


def test_closing_a_complaint_revoking_a_key_and_deactivating_a_user_ask_first(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    complaint = {"id": "sr_1", "number": "SR-2026-000001", "kind": "complaint", "household_id": None,
                 "channel": "phone", "description": "noise", "status": "replied", "due_at": "2026-12-01T00:00:00Z",
                 "created_at": "2026-11-30T00:00:00Z", "complaint": {"verify_due_at": "2026-12-01T00:00:00Z"},
                 "history": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", complaint)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/close", complaint)
    page = client.get("/desk/requests/sr_1").get_data(as_text=True)
    assert "结案后不能再回复、核实或修改" in page
    client.post("/desk/requests/sr_1/close", data={"csrf_token": csrf_of(client), "text": "settled"})
    assert not _posts(fake, "/close")
    client.post("/desk/requests/sr_1/close", data={"csrf_token": csrf_of(client), "text": "settled", "confirm": "yes"})
    assert _posts(fake, "/close")[-1]["json"] == {"outcome": "settled"}

    sign_in(client, fake, username="root", roles=("operator_admin",))
    fake.on("DELETE", r"/api/v1/api-keys/key_1", {"id": "key_1", "name": "BI"})
    client.post("/admin/api-keys/key_1/revoke", data={"csrf_token": csrf_of(client)})
    assert not [c for c in fake.calls if c["method"] == "DELETE"]
    client.post("/admin/api-keys/key_1/revoke", data={"csrf_token": csrf_of(client), "confirm": "yes"})
    assert [c for c in fake.calls if c["method"] == "DELETE"]

    fake.on("GET", r"/api/v1/estates", {"items": [], "next_cursor": None})
    fake.on("PATCH", r"/api/v1/users/u_1", {"id": "u_1"})
    refused = client.post("/admin/users/u_1", data={"csrf_token": csrf_of(client), "username": "bob",
                                                    "roles": ["agent"], "was_active": "1"})
    assert refused.status_code == 400 and not [c for c in fake.calls if c["method"] == "PATCH"]
    assert 'name="was_active" value="1"' in refused.get_data(as_text=True)  # asked again after the refusal
    client.post("/admin/users/u_1", data={"csrf_token": csrf_of(client), "username": "bob", "roles": ["agent"],
                                          "was_active": "1", "confirm": "yes"})
    assert [c for c in fake.calls if c["method"] == "PATCH"][-1]["json"]["active"] is False
    client.post("/admin/users/u_1", data={"csrf_token": csrf_of(client), "username": "bob", "roles": ["agent"],
                                          "was_active": "1", "active": "1"})  # a change that keeps them active
    assert len([c for c in fake.calls if c["method"] == "PATCH"]) == 2


# -- 2. a settlement's money by method and by journal ----------------------------------------------

def test_a_settlement_shows_its_money_by_method_and_by_journal(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    zero = {"in_cents": 0, "out_cents": 0, "net_cents": 0, "entries": 0}
    settlement = {"id": "stl_1", "estate_id": ESTATE, "date": "2026-11-30", "cashier": "carol",
                  "by_method": {"cash": {"in_cents": 30000, "out_cents": 5000, "net_cents": 25000, "entries": 3},
                                "wechat": {"in_cents": 12000, "out_cents": 0, "net_cents": 12000, "entries": 1},
                                "alipay": zero, "bank": zero, "transfer": zero},
                  "by_journal": {"cash": {"in_cents": 30000, "out_cents": 5000, "net_cents": 25000, "entries": 3},
                                 "bank": {"in_cents": 12000, "out_cents": 0, "net_cents": 12000, "entries": 1}},
                  "in_cents": 42000, "out_cents": 5000, "net_cents": 37000, "entries": 4,
                  "closed_at": "2026-11-30T10:00:00Z", "closed_by": "carol", "created_at": "2026-11-30T10:00:00Z"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/journals/settlements", {"items": [settlement], "next_cursor": None})
    page = client.get("/accounts/settlements").get_data(as_text=True)
    assert "按支付方式" in page and "按日记账" in page
    assert "现金: ¥250.00" in page and "微信: ¥120.00" in page and "支付宝" not in page  # nothing taken by it
    assert "现金日记账（应交现金）: ¥250.00" in page and "银行存款日记账: ¥120.00" in page


# -- 3. checkpoints typed with full-width punctuation ------------------------------------------------

def test_checkpoints_read_full_width_commas_and_a_bad_line_is_named_in_chinese(client, fake):
    sign_in(client, fake, username="gus", roles=("security",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/patrol-routes", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/patrol-routes", (201, {"id": "pr_1"}))
    page = client.get("/security/patrol-routes").get_data(as_text=True)
    assert "编码必填" in page and 'class="muted hint"' in page  # shown before any failure, not only a placeholder
    client.post("/security/patrol-routes", data={"csrf_token": csrf_of(client), "name": "夜巡",
                                                 "checkpoints": "E1，东门岗，0\nE2、北门：岗，１５\nE3, 地库，B区, 20"})
    assert _posts(fake, "/patrol-routes")[-1]["json"]["checkpoints"] == [
        {"code": "E1", "name": "东门岗", "offset_minutes": 0}, {"code": "E2", "name": "北门:岗", "offset_minutes": 15},
        {"code": "E3", "name": "地库，B区", "offset_minutes": 20}]
    refused = client.post("/security/patrol-routes", data={"csrf_token": csrf_of(client), "name": "夜巡",
                                                           "checkpoints": "E1，东门岗\n东门岗"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "巡更点: 这一行读不懂：“东门岗”" in text and "checkpoints:" not in text


def test_checkpoint_codes_typed_full_width_are_read_and_an_unreadable_code_names_its_line(client, fake):
    """Ｅ１，东门岗 was refused by the API as "编码: 格式不正确", naming no line (a probe)."""
    sign_in(client, fake, username="gus", roles=("security",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/patrol-routes", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/patrol-routes", (201, {"id": "pr_1"}))
    client.post("/security/patrol-routes", data={"csrf_token": csrf_of(client), "name": "夜巡",
                                                 "checkpoints": "Ｅ１，东门岗\ne2, 北门"})
    assert [cp["code"] for cp in _posts(fake, "/patrol-routes")[-1]["json"]["checkpoints"]] == ["E1", "E2"]
    posts = len(_posts(fake, "/patrol-routes"))
    refused = client.post("/security/patrol-routes", data={"csrf_token": csrf_of(client), "name": "夜巡",
                                                           "checkpoints": "E1，东门岗\n东1，北门"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "第 2 行的编码读不懂：“东1，北门”" in text
    assert len(_posts(fake, "/patrol-routes")) == posts  # refused before the API


# -- 4. numbers and addresses, not ids ---------------------------------------------------------------

def test_a_request_lists_every_work_order_of_its_own_by_number_and_status(client, fake):
    """A repair names its first order only: a return visit's follow-up was in its history alone
    (a probe of the console's small gaps). Each order the API lists for it (request_id), by number."""
    sign_in(client, fake, username="amy", roles=("agent",))
    repair = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "phone",
              "description": "leak", "status": "follow_up", "due_at": "2026-12-01T00:00:00Z", "category": "water",
              "created_at": "2026-11-30T00:00:00Z", "work_order_id": "wo_1", "history": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", repair)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1", {"id": "wo_1", "number": "WO-2026-000001"})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [
        {"id": "wo_1", "number": "WO-2026-000001", "status": "completed"},
        {"id": "wo_8", "number": "WO-2026-000008", "status": "assigned", "follows_work_order_id": "wo_1"}],
        "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<a href="/engineering/work-orders/wo_1">WO-2026-000001</a> · Completed' in page
    assert '<a href="/engineering/work-orders/wo_8">WO-2026-000008</a> · Assigned' in page
    [listed] = [c for c in fake.calls if c["path"].endswith("/work-orders")]
    assert listed["params"]["request_id"] == "sr_1"


def test_requests_orders_borrowings_and_records_are_named_by_number_or_address(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    repair = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "phone",
              "description": "leak", "status": "dispatched", "due_at": "2026-12-01T00:00:00Z", "category": "water",
              "created_at": "2026-11-30T00:00:00Z", "work_order_id": "wo_1", "history": []}
    order = {"id": "wo_1", "number": "WO-2026-000001", "source": {"type": "service_request", "id": "sr_1"},
             "request_id": "sr_1", "description": "leak", "priority": "normal", "status": "completed",
             "reported_at": "2026-11-30T00:00:00Z", "completed_at": "2026-11-30T05:00:00Z", "signed_by": "Li",
             "charge_cents": 0, "history": [],
             "materials": [{"name": "阀门", "qty": 2, "unit_cost_cents": 1500, "cost_cents": 3000},
                           {"name": "胶带", "qty": 0.5, "unit_cost_cents": 800, "cost_cents": 400}],
             "material_cost_cents": 3400, "labour_minutes": 45, "labour_cost_cents": 4500}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", repair)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1", order)
    page = client.get("/desk/requests/sr_1").get_data(as_text=True)
    assert ">WO-2026-000001</a>" in page and ">wo_1</a>" not in page
    order_page = client.get("/engineering/work-orders/wo_1").get_data(as_text=True)
    assert ">SR-2026-000001</a>" in order_page
    # a request the user does not read (a technician's, of a repair none of his orders comes
    # from: a 404) is not offered as a link to a 404, and is named by the number the order keeps,
    # never its internal id (the id was shown: found by review)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1",
            (404, {"title": "Not Found", "status": 404, "detail": "no such service request in this estate"}))
    unread = client.get("/engineering/work-orders/wo_1").get_data(as_text=True)
    assert "sr_1" not in unread and "编号未记在此工单上" in unread  # an order from before it kept the number
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1", {**order, "request_number": "SR-2026-000001"})
    unread = client.get("/engineering/work-orders/wo_1").get_data(as_text=True)
    assert "sr_1" not in unread and "<dd>SR-2026-000001</dd>" in unread
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_1", order)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", repair)
    # 5. a completed order's materials, material cost and labour
    assert "阀门" in order_page and "¥30.00" in order_page and "0.5" in order_page
    assert "材料费" in order_page and "¥34.00" in order_page and "45 分钟" in order_page and "¥45.00" in order_page

    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)
    borrow = {"id": "br_1", "subject_type": "household", "subject_id": "hh_1", "record_id": None, "kind": "view",
              "purpose": "audit", "requested_by": "kefu", "requested_at": "2026-11-30T00:00:00Z", "status": "pending",
              "history": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/borrow-requests/br_1", borrow)
    borrow_page = client.get("/archive/borrow-requests/br_1").get_data(as_text=True)
    assert "房屋 3-1-1202" in borrow_page and "hh_1" not in borrow_page.split("<h2")[0].split("</h1>")[1]

    records = [{"id": "rec_1", "subject_type": "service_request", "subject_id": "sr_1", "event_type":
                "service_request_closed", "occurred_at": "2026-11-30T00:00:00Z", "actor": "kefu",
                "data": {"number": "SR-2026-000001", "source": {"type": "service_request", "id": "sr_1"},
                         "priority": "normal", "reported_at": "2026-11-30T00:00:00Z", "charge_cents": 1500}},
               {"id": "rec_2", "subject_type": "payment", "subject_id": "pay_1", "event_type": "payment_posted",
                "occurred_at": "2026-11-30T00:00:00Z", "actor": "carol",
                "data": {"receipt_number": "RC-2026-000001", "amount_cents": 27000}}]
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/records", {"items": records, "next_cursor": None})
    found = client.get("/archive/records?subject_id=sr_1").get_data(as_text=True)
    assert "报事 SR-2026-000001" in found and "收款 RC-2026-000001" in found
    # 6. the record's content in words: its fields, the source's type, the priority, money, times
    for raw in ("<dt>source</dt>", "<dt>reported_at</dt>", "<dt>charge_cents</dt>", "<dt>receipt_number</dt>",
                "service_request,", ">normal<"):
        assert raw not in found, raw
    # the source as the subject it names (its type and id read 类型: 报事, 编号（系统）: sr_…)
    assert "<dt>来源</dt><dd>报事 SR-2026-000001</dd>" in found and "<dd>普通</dd>" in found and "¥15.00" in found


# -- 6. raw codes and JSON on Chinese pages -----------------------------------------------------------

def test_the_escalations_the_change_log_and_a_phone_refused_read_in_chinese(client, fake):
    sign_in(client, fake, username="mia", roles=("manager",))
    incident = {"id": "in_1", "number": "INC-1", "type": "flooding", "location": "B2", "description": "water",
                "major": False, "status": "open", "opened_at": "2026-12-03T14:00:00Z",
                "plan": [{"step": "notify_manager", "title": "Notify the manager", "escalate_to": "manager"}],
                "pending_steps": [], "steps": [],
                "escalations": [{"to": "manager", "step": "notify_manager", "at": "2026-12-03T14:34:15.093Z",
                                 "by": None}]}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", incident)
    page = client.get("/security/incidents/in_1").get_data(as_text=True)
    escalations = page.split("上报记录")[1].split("</ul>")[0]
    assert "2026-12-03 22:34" in escalations and "经理" in escalations
    assert "notify_manager" not in escalations and "T14:34" not in escalations and "manager ·" not in escalations

    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/change-log", {"items": [
        {"at": "2026-12-03T00:00:00Z", "subject_type": "borrow_request", "subject_id": "br_1",
         "action": "borrow_requested", "actor": "kefu", "fields": ["decided_at", "kind", "purpose"]},
        {"at": "2026-12-03T00:00:00Z", "subject_type": "work_order", "subject_id": "wo_1",
         "action": "work_order_cancelled", "actor": "mia", "fields": []}], "next_cursor": None})
    log = client.get("/archive/change-log").get_data(as_text=True)
    for raw in ("borrow_request<", "borrow_requested", "decided_at"):
        assert raw not in log, raw
    assert "借阅申请" in log and "申请借阅" in log and "审批时间" in log and "工单取消" in log

    from console import i18n
    with client.application.test_request_context():
        assert i18n.error_field("owner.phone") == "电话"


def test_a_billing_run_s_result_is_not_rewritten_as_json_by_the_script(client):
    script = client.get("/static/console.js").get_data(as_text=True)
    assert "JSON.stringify" not in script and "[data-job][data-job-reload]" in script


# -- 7. a return visit preselects nothing --------------------------------------------------------------

def test_a_return_visit_asks_for_each_answer_and_shows_what_was_recorded(client, fake):
    sign_in(client, fake, username="kefu", roles=("agent",))
    repair = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "phone",
              "description": "leak", "status": "completed", "due_at": "2026-12-01T00:00:00Z", "charge_cents": 5000,
              "created_at": "2026-11-30T00:00:00Z", "completed_at": "2026-11-30T05:00:00Z", "history": [],
              "return_visit_due_at": "2026-12-03T05:00:00Z",
              "return_visits": [{"id": "rv_1", "visited_at": "2026-12-01T02:00:00Z", "by": "kefu", "satisfaction": 3,
                                 "notes": "drips a little", "problem_found": True, "on_time": True,
                                 "work_completed_at": None, "follow_up_id": None}]}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", repair)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/return-visits", (201, {}))
    page = client.get("/desk/requests/sr_1").get_data(as_text=True)
    visit_form = page.split('action="/desk/requests/sr_1/return-visits"')[1].split("</form>")[0]
    assert "selected" not in visit_form and '<option value="">请选择</option>' in visit_form
    assert "drips a little" in page and "3/5" in page  # the visit recorded, with its notes
    answer = client.post("/desk/requests/sr_1/return-visits", data={"csrf_token": csrf_of(client),
                                                                    "charge_asked": "1", "notes": "ok"})
    assert not _posts(fake, "/return-visits")
    shown = client.get(answer.location).get_data(as_text=True)
    assert "满意度: 请选择一项" in shown and "住户确认收费: 请选择一项" in shown
    client.post("/desk/requests/sr_1/return-visits", data={"csrf_token": csrf_of(client), "satisfaction": "4",
                                                           "charge_asked": "1", "charge_confirmed": "false"})
    assert _posts(fake, "/return-visits")[-1]["json"] == {"satisfaction": 4, "problem_found": False,
                                                          "charge_confirmed": False}


# -- 8. smaller ----------------------------------------------------------------------------------------

def test_a_started_round_opens_and_areas_read_alike(client, fake):
    sign_in(client, fake, username="gus", roles=("security",))
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/patrol-rounds", (201, {"id": "pround_9"}))
    answer = client.post("/security/patrol-routes/pr_1/round", data={"csrf_token": csrf_of(client), "guard": "gus",
                                                                      "idempotency_key": "k-round"})
    assert answer.status_code == 302 and answer.location.endswith("/security/rounds/pround_9")
    assert _posts(fake, "/patrol-rounds")[-1]["json"] == {"guard": "gus", "route_id": "pr_1"}

    from console import i18n
    assert [i18n.area(v) for v in (75.0, 75, 120.5, "90.50", None)] == ["75", "75", "120.5", "90.5", ""]
    from console.messages import CATALOGUES
    assert CATALOGUES["zh"]["kpi.archive_checks_year_to_date"].startswith("年度档案检查完成率")  # a ratio, not days


# -- a second click on an action without an Idempotency-Key -----------------------------------------

def _after(client):
    """The notices flashed and the problem kept for the next page (taken: the next action's are its own)."""
    with client.session_transaction() as kept:
        return [message for _, message in kept.pop("_flashes", [])], kept.pop("problem", None)


def test_a_second_click_on_finish_start_close_or_a_step_says_it_did_nothing_not_a_red_conflict(client, fake):
    """A double click showed "conflict: the round is already finished" in red on a page showing it
    finished (a probe): the thing re-read is in the state the action leads to, so a plain notice."""
    sign_in(client, fake, username="gus", roles=("security", "maintenance"))
    conflict = problem(409, "Conflict", "the round is already finished", code="conflict")
    cases = [  # (action, the thing's path, the thing as re-read, the notice)
        ("/security/rounds/pr_1/finish", "patrol-rounds/pr_1", {"id": "pr_1", "status": "finished"}, "patrol-rounds/pr_1/finish",
         "已结束：第二次点击没有再做什么"),
        ("/engineering/work-orders/wo_1/start", "work-orders/wo_1", {"id": "wo_1", "status": "in_progress"},
         "work-orders/wo_1/start", "已开始：第二次点击没有再做什么"),
        ("/security/incidents/in_1/close", "incidents/in_1", {**INCIDENT, "status": "closed"}, "incidents/in_1/close",
         "事件已结束：第二次点击没有再做什么。"),
        ("/security/incidents/in_1/steps", "incidents/in_1", {**INCIDENT, "pending_steps": [],
                                                               "steps": [{"step": "pump"}]}, "incidents/in_1/steps",
         "该步骤已记录：第二次点击没有再做什么。"),
    ]
    for action, path, found, posted, notice in cases:
        fake.on("POST", rf"/api/v1/estates/{ESTATE}/{posted}", conflict)
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/{path}", found)
        form = {"csrf_token": csrf_of(client), "confirm": "yes", "summary": "done", "step": "pump"}
        answer = client.post(action, data=form, headers={"Accept-Language": "zh"})
        assert answer.status_code == 302, action
        assert _after(client) == ([notice], None), action
        # not in that state (another's action took it elsewhere): the refusal, in red, as before
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/{path}", {**found, "status": "cancelled", "steps": []})
        again = client.post(action, data=form, headers={"Accept-Language": "zh"})
        flashed, kept = _after(client)
        if again.status_code == 302:
            assert kept and kept["status"] == 409 and notice not in flashed, action
        else:  # closing shows its refusal on the page at once, the summary as typed
            text = again.get_data(as_text=True)
            assert again.status_code == 409 and "与当前状态冲突" in text and notice not in text, action
