"""电梯停运 over? The desk's notices show "restored?" on a notice whose fault's order maintenance completed
(``fault_done``), and filter them (``fault_done=true``): the notice stayed on the owners' portal after the
repair and the desk was told nothing (h10, found by h6's probe of a lift's year)."""
from .conftest import ESTATE, sign_in
from .test_registers import _only_documented

LIFT_NOTICE = {"id": "nt_1", "estate_id": ESTATE, "title": "3号楼电梯停运", "body": "电梯困人后停运检修",
               "building": "3", "buildings": ["3"], "published_at": "2026-12-05T02:30:00Z", "published_by": "zhang",
               "created_at": "2026-12-05T02:30:00Z", "work_order_id": "wo_lift", "incident_id": None,
               "revisions": [], "shown_until": None, "withdrawn": None, "until": None,
               "expected_restoration_at": None,
               "fault_done": {"number": "WO-2026-000051", "how": "completed", "at": "2026-12-05T06:00:00Z"}}
WATER = {**LIFT_NOTICE, "id": "nt_2", "title": "停水通知", "work_order_id": "wo_main", "fault_done": None}


def test_a_notice_whose_fault_is_done_says_restored_and_the_desk_filters_them(client, fake, documented_routes):
    sign_in(client, fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/notices", lambda body, params: {
        "items": [LIFT_NOTICE] if params.get("fault_done") == "true" else [LIFT_NOTICE, WATER], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    page = client.get("/desk/notices", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert page.count('data-flag="fault_done"') == 1 and "已修复?" in page
    assert 'name="fault_done"' in page  # the filter
    client.get("/desk/notices?current=true&fault_done=true")
    asked = [c["params"] for c in fake.calls if c["path"].endswith("/notices")][-1]
    assert (asked.get("current"), asked.get("fault_done")) == ("true", "true")
    _only_documented(fake, documented_routes)
