"""A planned cut's preparation order on the console (计划停水停电, h9): maintenance opens it from the cut's
notice (source notice, ``outage``); the order's page names the notice, the cut's window and buildings,
the preparation due before the start and the restart check due at the end, each step in the page's
language, and says when the cut was called off."""
from .conftest import ESTATE, sign_in
from .test_registers import _only_documented

CUT = {"notice_id": "ntc_1", "title": "2、3号楼计划停水", "utility": "water", "buildings": ["2", "3"],
       "starts_at": "2026-12-09T01:00:00.000Z", "ends_at": "2026-12-09T11:00:00.000Z",
       "prep_due_at": "2026-12-08T23:00:00.000Z", "restart_due_at": "2026-12-09T11:00:00.000Z", "cancelled": None,
       "steps": {"before": ["valves_closed", "tanks_filled"], "after": ["water_quality_checked", "supply_restored"]}}
ORDER = {"id": "wo_cut", "estate_id": ESTATE, "number": "WO-2026-000071", "status": "pending", "technician": None,
         "source": {"type": "notice", "id": "ntc_1"}, "request_id": None, "household_id": None,
         "description": "planned water cut: 2、3号楼计划停水", "priority": "normal", "equipment_id": None,
         "reported_at": "2026-12-07T01:00:00.000Z", "response_due_at": "2026-12-08T23:00:00.000Z",
         "deadline_at": "2026-12-08T23:00:00.000Z", "outage": CUT,
         "created_at": "2026-12-07T01:00:00.000Z", "updated_at": "2026-12-07T01:00:00.000Z", "history": [],
         "custom": {}}


def test_the_order_s_page_shows_the_cut_its_steps_and_a_call_off(client, fake, documented_routes):
    sign_in(client, fake, username="chen", roles=("technician",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_cut", ORDER)
    page = client.get("/engineering/work-orders/wo_cut", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    cut = page.split("data-outage>", 1)[1].split("</dd>", 1)[0]
    assert "2、3号楼计划停水" in cut and "停水" in cut and "2, 3" in cut and "已取消" not in cut
    before = page.split("data-outage-before>", 1)[1].split("</dd>", 1)[0]
    assert "关闭阀门" in before and "水箱蓄满" in before
    after = page.split("data-outage-after>", 1)[1].split("</dd>", 1)[0]
    assert "水质检查" in after and "确认恢复供应" in after
    assert "计划停水：2、3号楼计划停水" in page  # its description in Chinese
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_cut", {**ORDER, "status": "cancelled", "outage": {
        **CUT, "cancelled": {"at": "2026-12-08T01:00:00.000Z", "by": "zhang", "reason": "自来水公司取消施工"}}})
    page = client.get("/engineering/work-orders/wo_cut", headers={"Accept-Language": "en"}).get_data(as_text=True)
    cut = page.split("data-outage>", 1)[1].split("</dd>", 1)[0]
    assert "Called off" in cut and "自来水公司取消施工" in cut
    assert "Valves closed" in page and "Restart check" in page
    _only_documented(fake, documented_routes)
