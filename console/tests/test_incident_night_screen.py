"""The manager's Monday view of a night's incident on its page (事件总览, h1): its orders with their
state and cost, the calls that joined each, the notices naming it and the total, from the gateway's
``…/incidents/{id}/overview``; a guard's page does not ask for it."""
from .conftest import ESTATE, sign_in
from .test_department_screens import INCIDENT
from .test_registers import _only_documented

AT = "2026-11-21T15:00:00.000Z"
NIGHT = {"incident": INCIDENT, "work_orders": [
    {"id": "wo_1", "number": "WO-2026-000007", "source": {"type": "patrol_anomaly", "id": "anom_1"},
     "priority": "emergency", "status": "completed", "technician": "wang", "reported_at": AT, "started_at": AT,
     "completed_at": AT, "material_cost_cents": 128050, "labour_cost_cents": 60000, "cost_cents": 188050,
     "charge_cents": 0, "joined_requests": {"count": 2, "items": [
         {"id": "sr_1", "number": "SR-2026-000001", "household_id": "hh_1", "status": "closed", "created_at": AT,
          "closed_at": AT},
         {"id": "sr_2", "number": "SR-2026-000002", "household_id": "hh_2", "status": "closed", "created_at": AT,
          "closed_at": AT}]}}],
    "notices": [{"id": "ntc_1", "estate_id": ESTATE, "title": "停水通知", "body": "3-5栋停水抢修", "building": "3",
                 "buildings": ["3", "4"], "published_at": AT, "published_by": "zhang", "created_at": AT,
                 "expected_restoration_at": AT}],
    "joined_request_count": 2, "material_cost_cents": 128050, "labour_cost_cents": 60000,
    "total_cost_cents": 188050, "unavailable": [], "truncated": False}


def test_the_manager_reads_the_night_on_the_incident_s_page(client, fake, documented_routes):
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview", NIGHT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", INCIDENT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    page = client.get("/security/incidents/in_1").get_data(as_text=True)
    night = page.split("data-incident-night")[1].split("</section>")[0]
    assert "WO-2026-000007" in night and "1,880.50" in night and "1,280.50" in night and "600.00" in night
    assert 'href="/desk/requests/sr_1"' in night and "SR-2026-000002" in night
    assert "停水通知" in night and "3, 4" in night
    assert "当晚总览" in page and "报修并入 2 件" in night
    _only_documented(fake, documented_routes)


def test_a_guard_s_page_does_not_ask_for_the_night(client, fake):
    sign_in(client, fake, username="gus", roles=("security",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", INCIDENT)
    page = client.get("/security/incidents/in_1").get_data(as_text=True)
    assert "data-incident-night" not in page
    assert not [c for c in fake.calls if c["path"].endswith("/overview")]


def test_what_the_maintenance_fund_paid_is_on_the_night(client, fake):
    """Each order's uses of the special maintenance fund (专项维修资金): what it paid and what awaits the
    manager's approval, and the fund's total under the cost's (review r1)."""
    sign_in(client, fake, username="mia", roles=("manager",))
    order = {**NIGHT["work_orders"][0], "fund_uses": {"approved_cents": 150000, "requested_cents": 38050, "items": [
        {"id": "mfu_1", "status": "approved", "amount_cents": 150000, "purpose": "主水管更换", "created_at": AT,
         "decided_at": AT},
        {"id": "mfu_2", "status": "requested", "amount_cents": 38050, "purpose": "尾款", "created_at": AT,
         "decided_at": None}]}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview",
            {**NIGHT, "work_orders": [order], "fund_approved_cents": 150000})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", INCIDENT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    night = client.get("/security/incidents/in_1").get_data(as_text=True).split("data-incident-night")[1]
    night = night.split("</section>")[0]
    assert "专项维修资金" in night and "1,500.00" in night and "380.50" in night and "待批准" in night


def test_a_manager_s_page_reads_the_incident_s_orders_once_with_its_night(client, fake):
    """The page read the incident's orders (``?source_id=``) and then its night, which holds them
    again: a manager's page read maintenance twice (h4, last session's small leftovers). The orders
    the plan opened are the night's of this incident's source; the night not read, they are read as
    before; maintenance not answering the night, they are not read again (the page says what the plan
    did)."""
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", {**INCIDENT, "work_order": True})
    own = {**NIGHT["work_orders"][0], "id": "wo_8", "number": "WO-2026-000008", "status": "assigned",
           "technician": "tech1", "source": {"type": "incident", "id": "in_1"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview", {**NIGHT, "work_orders": [
        NIGHT["work_orders"][0], own]})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [own], "next_cursor": None})
    calls = len(fake.calls)
    page = client.get("/security/incidents/in_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    shown = page.split("data-incident-orders>")[1].split("</dd>")[0]
    assert '<a href="/engineering/work-orders/wo_8">WO-2026-000008</a> · 已派工 · tech1' in shown
    assert "WO-2026-000007" not in shown  # the anomaly's order it took over: the night's table shows it
    assert not [c for c in fake.calls[calls:] if c["path"].endswith("/work-orders")]
    assert len([c for c in fake.calls[calls:] if c["path"].endswith("/overview")]) == 1
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview", {
        **NIGHT, "work_orders": [], "unavailable": ["maintenance"]})
    calls = len(fake.calls)
    page = client.get("/security/incidents/in_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "data-incident-orders" not in page and "data-incident-order-asked" in page
    assert not [c for c in fake.calls[calls:] if c["path"].endswith("/work-orders")]
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview", {
        "type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "x"}, status=503)
    calls = len(fake.calls)
    page = client.get("/security/incidents/in_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "WO-2026-000008" in page.split("data-incident-orders>")[1].split("</dd>")[0]
    assert len([c for c in fake.calls[calls:] if c["path"].endswith("/work-orders")]) == 1


def test_the_night_s_orders_of_the_incident_are_shown_when_maintenance_failed_only_a_later_part(client, fake):
    """The night names maintenance unavailable when any of its parts failed (the order the incident
    took over, a joined call's own order), though its list of the incident's own orders was read: the
    page then said only what the plan did, where the night held the orders (found by review r4 of h4).
    The night without one of them, maintenance away, they are still not asked again."""
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", {**INCIDENT, "work_order": True})
    own = {**NIGHT["work_orders"][0], "id": "wo_8", "number": "WO-2026-000008", "status": "assigned",
           "technician": "tech1", "source": {"type": "incident", "id": "in_1"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview", {
        **NIGHT, "work_orders": [own], "unavailable": ["maintenance"]})
    calls = len(fake.calls)
    page = client.get("/security/incidents/in_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "WO-2026-000008" in page.split("data-incident-orders>")[1].split("</dd>")[0]
    assert not [c for c in fake.calls[calls:] if c["path"].endswith("/work-orders")]


def test_an_entrapment_that_joined_the_desk_s_order_shows_that_order(client, fake):
    """An entrapment called in at the desk first joins the desk's order for the lift (h10): its order is
    of the call's source, not the incident's. The page read the incident's orders by its source alone and
    said "none made yet" (a guard's, an engineer's) or nothing of it (a manager's night): the order the
    incident names (``maintenance_order``) is shown (found by r10 reviewing h10)."""
    desk = {**NIGHT["work_orders"][0], "id": "wo_desk", "number": "WO-2026-000003", "status": "assigned",
            "technician": "tech1", "source": {"type": "service_request", "id": "sr_9"}}
    lifted = {**INCIDENT, "type": "elevator_entrapment", "work_order": True,
              "maintenance_order": {"id": "wo_desk", "number": "WO-2026-000003", "status": "assigned"}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", lifted)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_desk", desk)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1/overview", {**NIGHT, "work_orders": [desk]})
    for username, roles in (("gus", ("security",)), ("mia", ("manager",))):
        sign_in(client, fake, username=username, roles=roles)
        page = client.get("/security/incidents/in_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        shown = page.split("data-incident-orders>")[1].split("</dd>")[0]
        assert '<a href="/engineering/work-orders/wo_desk">WO-2026-000003</a> · 已派工 · tech1' in shown, username
        assert "工程部尚未生成" not in page
