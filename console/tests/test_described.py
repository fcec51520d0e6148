"""What a service composed as the description of an order or a request it opened itself (a fire
check's defect, an incident, a plan, a patrol's anomaly, an inspection's failed item, a return
visit's problem, a vacant-unit inspection's problem) reads in the page's language
(``i18n.described``); what someone typed does not change. tests/contracts/test_composed_descriptions.py composes each with the services' own code."""
from flask import g

from console import i18n

from .conftest import ESTATE, sign_in

FORMS = [
    ({"type": "fire_inspection"}, "fire equipment 消火栓1 (XF-01) at 地下车库B2: defect found in the 2026-11 check: 无水压",
     "消防设施 消火栓1（XF-01，地下车库B2）：2026-11 检查发现缺陷：无水压"),
    ({"type": "fire_inspection"}, "fire equipment 灭火器 (MH-3) at 3号楼大堂: defect found in the 2026-11 check",
     "消防设施 灭火器（MH-3，3号楼大堂）：2026-11 检查发现缺陷"),
    ({"type": "incident"}, "incident INC-2026-000001 (flooding) at B2 车库: 进水",
     "突发事件 INC-2026-000001（水浸），B2 车库：进水"),
    ({"type": "maintenance_plan"}, "periodic maintenance of 生活水泵 (PUMP-1), due 2026-12-01",
     "定期保养：生活水泵（PUMP-1），2026-12-01 到期"),
    ({"type": "patrol_anomaly"}, "泵房 (CP-3): 地面有水", "巡更点 泵房（CP-3）：地面有水"),
    ({"type": "inspection"}, "水泵周检 at equipment PUMP-1: 出口压力 (P1) reading 0.2 MPa outside 0.3–0.6 MPa: 有异响",
     "水泵周检（设备 PUMP-1）：出口压力（P1）读数 0.2 MPa，不在 0.3–0.6 MPa 之内：有异响"),
    ({"type": "inspection"}, "消防通道巡检 at 1号楼: 通道畅通 (C1) failed", "消防通道巡检（1号楼）：通道畅通（C1）不合格"),
    ({"type": "return_visit"}, "Problem found on the return visit of SR-2026-000001: 厨房仍漏水",
     "SR-2026-000001 回访发现问题：厨房仍漏水"),
    ({"type": "return_visit"}, "Problem found on the return visit of SR-2026-000001", "SR-2026-000001 回访发现问题"),
    # a work order of a vacant-unit inspection's repair request copies the request's description
    ({"type": "service_request"}, "vacant-unit inspection 2026-11-20, problem 1 (卧室): 天花板渗水",
     "空置房巡检 2026-11-20，问题 1（卧室）：天花板渗水"),
]


def _zh(app, item):
    with app.test_request_context():
        g.language = "zh"
        return i18n.described(item)


def test_each_composed_form_reads_in_chinese(app):
    for source, english, chinese in FORMS:
        assert _zh(app, {"source": source, "description": english}) == chinese, english
    request = {"channel": "inspection", "description": "vacant-unit inspection 2026-11-20, problem 1 (卧室): 天花板渗水"}
    assert _zh(app, request) == "空置房巡检 2026-11-20，问题 1（卧室）：天花板渗水"
    assert _zh(app, {"channel": "inspection", "description": "vacant-unit inspection 2026-11-20, problem 2: 水龙头滴水"}) == (
        "空置房巡检 2026-11-20，问题 2：水龙头滴水")


def test_an_english_page_a_typed_description_and_a_cut_one_show_as_written(app):
    english = FORMS[0][1]
    with app.test_request_context():
        g.language = "en"
        assert i18n.described({"source": {"type": "fire_inspection"}, "description": english}) == english
    typed = "水管 (3楼): 漏水"  # the shape of a patrol's anomaly, typed at the desk
    assert _zh(app, {"source": {"type": "service_request"}, "description": typed}) == typed
    assert _zh(app, {"channel": "phone", "description": "vacant-unit inspection 2026-11-20, problem 1: x"}) == (
        "vacant-unit inspection 2026-11-20, problem 1: x")
    cut = english[:40]  # a description cut at its limit no longer has its form
    assert _zh(app, {"source": {"type": "fire_inspection"}, "description": cut}) == cut
    assert _zh(app, {"source": {"type": "fire_inspection"}}) == ""


def test_the_engineering_board_and_an_order_show_it_in_chinese(client, fake):
    sign_in(client, fake, roles=("technician",))
    order = {"id": "wo_9", "estate_id": ESTATE, "number": "WO-9", "description": FORMS[0][1], "priority": "normal",
             "status": "pending", "source": {"type": "fire_inspection", "id": "fchk_1"}, "history": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [order], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_9", order)
    board = client.get("/engineering/work-orders", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert FORMS[0][2] in board and "defect found" not in board
    page = client.get("/engineering/work-orders/wo_9", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert FORMS[0][2] in page and "defect found" not in page


def test_what_maintenance_writes_on_an_equipment_ledger_reads_in_chinese(app, client, fake):
    records = [
        {"kind": "inspection", "result": "2 finding(s)", "notes": "checklist 水泵周检", "work_order_id": None},
        {"kind": "inspection", "result": "passed", "notes": "checklist 水泵周检", "work_order_id": None},
        {"kind": "maintenance", "result": "completed (WO-4)", "notes": "periodic maintenance of 生活水泵 (PUMP-1), "
         "due 2026-12-01", "work_order_id": "wo_4"},
        {"kind": "repair", "result": "completed (WO-5)", "notes": "换了密封圈", "work_order_id": "wo_5"},
        {"kind": "repair", "result": "更换轴承", "notes": "checklist 手写的备注", "work_order_id": None},  # typed by hand
        {"kind": "repair", "result": "completed (WO-6)", "notes": "水泵周检 at equipment PUMP-1: 出口压力 (P1) reading "
         "0.2 MPa outside 0.3–0.6 MPa", "work_order_id": "wo_6"},  # an inspection finding's order, no summary
        {"kind": "repair", "result": "completed (WO-7)", "notes": "Fixed at site: seal replaced", "work_order_id": "wo_7"},
    ]
    with app.test_request_context():
        g.language = "zh"
        assert [(i18n.record_result(r), i18n.record_notes(r)) for r in records] == [
            ("发现 2 项问题", "检查表 水泵周检"), ("合格", "检查表 水泵周检"),
            ("完工（WO-4）", "定期保养：生活水泵（PUMP-1），2026-12-01 到期"), ("完工（WO-5）", "换了密封圈"),
            ("更换轴承", "checklist 手写的备注"),
            ("完工（WO-6）", "水泵周检（设备 PUMP-1）：出口压力（P1）读数 0.2 MPa，不在 0.3–0.6 MPa 之内"),
            ("完工（WO-7）", "Fixed at site: seal replaced")]  # a typed summary is never read as a place
        g.language = "en"
        assert [(i18n.record_result(r), i18n.record_notes(r)) for r in records] == [
            (r["result"], r["notes"]) for r in records]
