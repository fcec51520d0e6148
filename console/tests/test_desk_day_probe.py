"""What a probe of the front desk's working day (客服中心: a call, a repair, a complaint, a return
visit) found in the console."""
from .conftest import ESTATE, sign_in
from .test_repair_chain_probe import REPAIR


def test_a_request_s_deadline_says_what_is_owed_by_then_for_its_kind(client, fake):
    """A request's page read 期限 / Due for every kind: the clerk telling a caller the time limit
    (DOMAIN.md: the owner is told the expected time limit of a repair; a complaint's reply within 7
    days) could not tell whether a repair's was the technician's coming or its finishing (its
    promise is a response: the technician on site by then, the first start answers it)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    expected = {"repair": ("上门时限（已告知业主）", "Technician on site by (as the owner was told)"),
                "complaint": ("答复期限", "Reply due"),
                "consultation": ("答复期限", "Reply due"),
                "suggestion": ("答复期限", "Reply due")}
    for kind, (zh, en) in expected.items():
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**REPAIR, "kind": kind})
        page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        assert f"<dt>{zh}</dt>" in page, kind
        page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert f"<dt>{en}</dt>" in page, kind


def test_the_register_says_when_each_request_was_registered_and_a_completed_repair_s_return_visit_due(
        client, fake):
    """The register named a request's deadline and not when it came in (the clerk handing over at the
    day's end, 交接, read no time of the day's calls), and a completed repair's row gave the response
    deadline its technician had met, where what is owed now is its return visit within 3 days: the
    start page's line of return visits owed opened rows that did not say by when (a probe of the
    front desk's day)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    completed = {**REPAIR, "id": "sr_2", "number": "SR-2026-000002", "status": "completed",
                 "answered_at": "2026-12-05T14:00:00Z", "completed_at": "2026-12-05T15:00:00Z",
                 "return_visit_due_at": "2099-12-08T15:00:00Z"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            {"items": [REPAIR, completed], "next_cursor": None})
    page = client.get("/desk/requests", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert "<th>登记时间</th>" in head
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "2026-12-05 21:49" in rows[0]  # created_at on the estate's clock (Asia/Shanghai)
    assert "回访期限" not in rows[0]
    assert "回访期限 2099-12-08 23:00" in rows[1] and "2026-12-06 21:49" not in rows[1]
    english = client.get("/desk/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<th>Registered</th>" in english and "Return visit due 08 Dec 2099 23:00" in english


FLAT = {"id": "hh_1", "building": "3", "unit": "1", "room": "1202", "owner": {"name": "Li Lei"}}
OWN_REPAIR = {**REPAIR, "id": "sr_5", "number": "SR-2026-000005", "household_id": "hh_1", "channel": "phone",
              "status": "dispatched", "contact": {"name": "王五"}}
OLD_QUESTION = {**REPAIR, "id": "sr_4", "number": "SR-2026-000004", "household_id": "hh_1", "kind": "consultation",
                "status": "closed", "work_order_id": None}
# the owner filed on the portal this morning, writing the flat as 3栋1单元1202室; a neighbour filed too
FILED = {**REPAIR, "id": "sr_7", "number": "SR-2026-000007", "work_order_id": None, "status": "open",
         "description": "kitchen pipe leaking",
         "portal": {"address": {"building": "3栋", "unit": "1单元", "room": "1202室"}, "contact": {"name": "李雷"},
                    "matched": False, "rating": None}}
NEIGHBOUR = {**FILED, "id": "sr_8", "number": "SR-2026-000008",
             "portal": {**FILED["portal"], "address": {"building": "3", "unit": "1", "room": "1201"}}}


def _flat_requests(body, params):
    if params.get("matched") == "false":
        return {"items": [FILED, NEIGHBOUR], "next_cursor": None}
    if params.get("household_id") == "hh_1":
        return {"items": [OWN_REPAIR, OLD_QUESTION], "next_cursor": None}
    return {"items": [], "next_cursor": None}


def test_the_new_request_form_of_a_flat_shows_its_requests_and_its_portal_filings_not_matched_yet(client, fake):
    """A walk-in owner registered at the desk the repair he had filed on the portal that morning: the
    form for his flat said nothing of it (a filing waits unmatched, household_id null, until the desk
    matches it), and the desk made it twice, two work orders for one leak; a caller asking after his
    repair had to be looked up in the register by a number he did not have (a probe of the front
    desk's day). The form for one flat lists its recent requests (number, kind, status) and the
    portal filings at its address not matched yet (the address read as the API reads it: 3栋 is 3),
    each a link to open it (a filing's page matches it)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [FLAT], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests", _flat_requests)
    page = client.get("/desk/requests/new?building=3&unit=1&room=1202",
                      headers={"Accept-Language": "zh"}).get_data(as_text=True)
    filings = page.split('id="portal-filings"')[1].split("</section>")[0]
    assert "业主网上报事，尚未匹配房屋" in filings
    assert '<a href="/desk/requests/sr_7">SR-2026-000007</a>' in filings and "kitchen pipe leaking" in filings
    assert "李雷" in filings and "sr_8" not in filings  # the neighbour's filing is not this flat's
    recent = page.split('id="flat-requests"')[1].split("</section>")[0]
    assert "本户近期报事" in recent
    assert '<a href="/desk/requests/sr_5">SR-2026-000005</a>' in recent and "已转工程部" in recent and "王五" in recent
    assert '<a href="/desk/requests/sr_4">SR-2026-000004</a>' in recent and "已结案" in recent
    # both come before the form that would file it again
    assert page.index('id="portal-filings"') < page.index('action="/desk/requests"')
    english = client.get("/desk/requests/new?building=3&unit=1&room=1202",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Portal filings at this flat not matched yet" in english and "This flat&#39;s recent requests" in english
    asked = [c["params"] for c in fake.calls if c["path"] == f"/api/v1/estates/{ESTATE}/service-requests"]
    assert any(params.get("household_id") == "hh_1" for params in asked)


def test_the_new_request_form_says_nothing_of_requests_before_one_flat_is_found(client, fake):
    """A search of a building finds many flats: no flat's requests are read (nor shown) until one is."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households",
            {"items": [FLAT, {**FLAT, "id": "hh_2", "room": "1201"}], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests", _flat_requests)
    page = client.get("/desk/requests/new?building=3").get_data(as_text=True)
    assert 'id="flat-requests"' not in page and 'id="portal-filings"' not in page
    assert not [c for c in fake.calls if c["path"] == f"/api/v1/estates/{ESTATE}/service-requests"]


REGISTERED = {**REPAIR, "id": "sr_9", "number": "SR-2026-000009", "household_id": "hh_1", "channel": "phone",
              "status": "open", "work_order_id": None}


def test_a_repair_just_registered_says_its_work_order_is_being_opened_and_then_shows_its_number(client, fake):
    """Right after registering a repair its page showed no work order (maintenance opens it from the
    request's event, and the request learns it from the order's) until the clerk reloaded, and one
    telling the caller the order's number read nothing (a probe of the front desk's day). The page
    says the order is being opened, in a polite live region the console's script re-reads from its
    own small page (no reload, no focus moved), and that page names the order once it is there,
    read from maintenance's list before the request has learnt it; with the order there, nothing
    is awaited (the script stops)."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", FLAT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9", REGISTERED)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    page = client.get("/desk/requests/sr_9", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    section = page.split('id="work-order"')[1].split("</dd>")[0]
    assert 'data-await-order="/desk/requests/sr_9/work-order"' in section and 'aria-live="polite"' in section
    assert "工单正在生成" in section
    assert 'href="/desk/requests/sr_9"' in section  # without the script: a link to read the page again
    part = client.get("/desk/requests/sr_9/work-order", headers={"Accept-Language": "en"})
    assert part.status_code == 200 and "The work order is being opened" in part.get_data(as_text=True)
    assert "data-await-order" in part.get_data(as_text=True)
    # maintenance has opened it; the request has not heard yet
    opened = {"id": "wo_9", "number": "WO-2026-000009", "status": "pending"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders",
            lambda body, params: {"items": [opened] if params.get("request_id") == "sr_9" else [], "next_cursor": None})
    part = client.get("/desk/requests/sr_9/work-order", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<a href="/engineering/work-orders/wo_9">WO-2026-000009</a>' in part and "data-await-order" not in part
    page = client.get("/desk/requests/sr_9").get_data(as_text=True)
    assert "WO-2026-000009" in page and "data-await-order" not in page


def test_no_work_order_is_awaited_where_none_comes(client, fake):
    """A consultation, a portal repair not matched yet (its order waits for the match) and a
    closed repair open no order now: their pages await none."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", FLAT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    for item in ({**REGISTERED, "kind": "consultation"}, {**REGISTERED, "household_id": None, **FILED},
                 {**REGISTERED, "status": "closed"}):
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/{item['id']}", item)
        page = client.get(f"/desk/requests/{item['id']}").get_data(as_text=True)
        assert "data-await-order" not in page, item


def test_the_register_names_who_raised_each_request(client, fake):
    """The register named the flat and not who called (报事人): a tenant's or a relative's call read as
    the owner's, and the clerk looking for the call 王五 made that morning opened rows one by one (a
    probe of the front desk's day). Its column is the request page's: the caller, a portal filer,
    or said not recorded."""
    sign_in(client, fake, username="amy", roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [FLAT], "next_cursor": None})
    called = {**OWN_REPAIR, "contact": {"name": "王五", "phone": "13912345678"}}
    nobody = {**OLD_QUESTION, "contact": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            {"items": [called, FILED, nobody], "next_cursor": None})
    page = client.get("/desk/requests", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert "<th>报事人</th>" in head
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "<td>王五 · 13912345678</td>" in rows[0]
    assert "<td>李雷</td>" in rows[1]  # a portal filing's filer
    assert '<td><span class="muted">未记录</span></td>' in rows[2]
    english = client.get("/desk/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<th>Raised by</th>" in english
