"""计划停水停电 (h7's planned cut, reviewed by r7): the API took a cut on a notice, a call naming it and
a repair the desk judged the flat's own during it (own_fault), and the console offered none: a
water repair from a building under a water cut was refused 409 with no way to say own_fault from the
desk's form, and each no-water call could not be answered by the cut's notice."""
from .conftest import ESTATE, csrf_of, sign_in
from .test_views import COMPLAINT, HOUSEHOLD

CUT = {"id": "nt_cut", "title": "计划停水通知", "body": "3号楼周二 08:00-18:00 停水", "buildings": ["3"],
       "published_at": "2026-11-30T00:00:00Z", "expected_restoration_at": "2026-12-01T10:00:00Z",
       "outage": {"utility": "water", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-01T10:00:00Z",
                  "lead_hours": 24, "notice_on_time": True, "calls": 2}}
PLAIN = {"id": "nt_plain", "title": "电梯年检", "body": "本周电梯年检", "buildings": [],
         "published_at": "2026-11-30T00:00:00Z", "outage": None}


def _desk(fake):
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [HOUSEHOLD], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/notices", {"items": [CUT, PLAIN], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", (201, {**COMPLAINT, "kind": "consultation"}))


def _posted(fake):
    return [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/service-requests")][-1]


def _send(client, key, **data):
    return client.post("/desk/requests", data={"csrf_token": csrf_of(client), "idempotency_key": key,
                                              "household_id": "hh_1", "channel": "phone",
                                              "description": "家里没水了", **data})


def test_the_request_form_offers_the_cuts_on_the_board_and_sends_the_one_picked_on_a_call_about_it(client, fake):
    sign_in(client, fake)
    _desk(fake)
    form = client.get("/desk/requests/new?building=3&unit=1&room=1202").get_data(as_text=True)
    assert 'name="outage_notice_id"' in form and '<option value="nt_cut">计划停水通知' in form
    assert 'value="nt_plain"' not in form  # a notice of no cut answers no call
    reads = [c for c in fake.calls if c["method"] == "GET" and c["path"].endswith("/notices")]
    assert reads and reads[-1]["params"].get("current") == "true"
    assert "所询停水停电公告" in form
    assert _send(client, "k1", kind="consultation", outage_notice_id="nt_cut").status_code == 302
    sent = _posted(fake)
    assert sent["json"]["outage_notice_id"] == "nt_cut" and sent["headers"].get("Idempotency-Key") == "k1"
    _send(client, "k2", kind="complaint", outage_notice_id="nt_cut")
    assert _posted(fake)["json"]["outage_notice_id"] == "nt_cut"
    _send(client, "k3", kind="repair", category="water", outage_notice_id="nt_cut")  # a repair names none
    assert "outage_notice_id" not in _posted(fake)["json"]


def test_the_repair_form_says_own_fault_during_a_cut_and_sends_it_for_a_repair_only(client, fake):
    sign_in(client, fake)
    _desk(fake)
    form = client.get("/desk/requests/new?building=3&unit=1&room=1202").get_data(as_text=True)
    assert 'name="own_fault"' in form and "住户自家故障" in form
    _send(client, "k4", kind="repair", category="water", own_fault="on")
    assert _posted(fake)["json"]["own_fault"] is True
    _send(client, "k5", kind="consultation", own_fault="on")
    assert "own_fault" not in _posted(fake)["json"]


def test_a_repair_refused_during_a_cut_keeps_the_form_and_says_why(client, fake):
    sign_in(client, fake)
    _desk(fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", (409, {
        "type": "about:blank", "title": "Conflict", "status": 409,
        "detail": "a planned cut of the household's building stands until 2026-12-01T10:00:00.000Z (notice nt_cut, "
                  "计划停水通知): register the call as a consultation naming outage_notice_id, or mark the repair "
                  "own_fault if the flat's fault is its own"}))
    answer = _send(client, "k6", kind="repair", category="water")
    page = client.get(answer.headers["Location"]).get_data(as_text=True) if answer.status_code == 302 \
        else answer.get_data(as_text=True)
    assert "计划停水通知" in page and 'name="own_fault"' in page


def test_the_notice_form_takes_the_cut_and_sends_it_whole(client, fake):
    sign_in(client, fake)
    _desk(fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/notices", (201, CUT))
    page = client.get("/desk/notices").get_data(as_text=True)
    for name in ("outage.utility", "outage.starts_at", "outage.ends_at"):
        assert f'name="{name}"' in page
    assert "停水" in page and "停电开始时间" not in page
    client.post("/desk/notices", data={
        "csrf_token": csrf_of(client), "idempotency_key": "n1", "title": "计划停水通知", "body": "周二停水",
        "buildings": "3", "outage.utility": "water", "outage.starts_at": "2026-12-01T08:00",
        "outage.ends_at": "2026-12-01T18:00"})
    sent = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/notices")][-1]
    assert sent["json"]["outage"] == {"utility": "water", "starts_at": "2026-12-01T00:00:00Z",
                                      "ends_at": "2026-12-01T10:00:00Z"}
    assert sent["headers"].get("Idempotency-Key") == "n1"


def test_the_notices_list_shows_the_cut_whether_it_went_out_in_time_and_its_calls(client, fake):
    # the desk published the cut and saw nothing of it in the list: not what, nor whether it went out the
    # estate's lead ahead, nor how many calls it answered (found by r7 reviewing h7)
    sign_in(client, fake)
    _desk(fake)
    late = {**CUT, "id": "nt_late", "outage": {**CUT["outage"], "utility": "power", "notice_on_time": False,
                                                "calls": 1}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/notices", {"items": [CUT, late, PLAIN], "next_cursor": None})
    page = client.get("/desk/notices").get_data(as_text=True)
    cells = page.split("data-outage")[1:]
    assert len(cells) == 2  # the plain notice has no cut
    assert "停水" in cells[0] and "2 次来电" in cells[0] and "未按时通知" not in cells[0]
    assert "停电" in cells[1] and "未按时通知" in cells[1] and "1 次来电" in cells[1]


def test_the_portal_form_asks_what_is_out_and_whether_it_is_the_flat_s_alone_and_shows_the_cut_s_answer(
        client, fake):
    """An owner's "no water" on the portal during the cut was a repair and a work order (h3): the form
    asks what is out in the flat (utility) and whether only the flat has the fault (own_fault), sent on
    a repair only; the API's answer of the cut (409) is shown in Chinese with the form kept."""
    from .test_portal import ESTATE as PUBLIC_ESTATE, FORM, last_post
    fake.on("GET", r"/api/v1/public/estates/E1", PUBLIC_ESTATE)
    fake.on("POST", r"/api/v1/public/estates/E1/requests",
            ({"tracking_code": "E1." + "a" * 32, "number": "SR-2026-000007", "status": "open"}), status=201)
    form = client.get("/portal/E1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'name="utility"' in form and '<option value="water">' in form and 'name="own_fault"' in form
    assert "只有我家" in form
    client.post("/portal/E1", data={**FORM, "utility": "water", "own_fault": "on", "csrf_token": csrf_of(client)})
    sent = last_post(fake)["json"]
    assert sent["utility"] == "water" and sent["own_fault"] is True
    client.post("/portal/E1", data={**FORM, "kind": "complaint", "utility": "water", "own_fault": "on",
                                    "description": "noise", "csrf_token": csrf_of(client)})
    sent = last_post(fake)["json"]
    assert "utility" not in sent and "own_fault" not in sent
    from .conftest import problem
    fake.on("POST", r"/api/v1/public/estates/E1/requests", problem(
        409, "Conflict", "a planned cut of the building stands until 2026-12-01T10:00:00.000Z (计划停水通知): the service "
             "comes back then and nothing was filed; if only your flat has the fault, say so (own_fault) and "
             "file it again"))
    page = client.post("/portal/E1", data={**FORM, "utility": "water", "csrf_token": csrf_of(client)},
                       headers={"Accept-Language": "zh-CN"})
    shown = page.get_data(as_text=True)
    assert page.status_code == 409 and "计划停水通知" in shown and "正在计划停水停电" in shown
    assert 'value="kitchen tap leaks"' in shown or "kitchen tap leaks" in shown


def test_the_desk_s_match_of_a_portal_repair_says_own_fault_during_a_cut(client, fake):
    from .test_portal import last_post
    sign_in(client, fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_9/household", {"id": "sr_9"})
    client.post("/desk/requests/sr_9/household", data={
        "csrf_token": csrf_of(client), "household_id": "hh_1", "category": "water", "own_fault": "on"})
    assert last_post(fake)["json"] == {"household_id": "hh_1", "category": "water", "own_fault": True}


def test_an_unclassified_repair_s_page_tells_the_desk_of_the_cuts_standing_when_it_was_registered(client, fake):
    """h3: a repair with no category registered during a cut of its building is not refused; the API
    names the cuts (cut_warnings) and the request's page says them, for the desk to reclassify it a
    consultation of the cut or classify it."""
    sign_in(client, fake)
    repair = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "phone",
              "description": "没水", "status": "open", "due_at": "2026-12-02T00:00:00Z", "category": "other",
              "created_at": "2026-12-01T02:00:00Z", "history": [],
              "cut_warnings": [{"notice_id": "nt_cut", "title": "计划停水通知", "utility": "water",
                                "expected_restoration_at": "2026-12-01T10:00:00Z"}]}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", repair)
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    warned = page.split("data-cut-warnings")[1].split("</section>")[0]
    assert "计划停水通知" in warned and "停水" in warned and "2026-12-01 18:00" in warned
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**repair, "cut_warnings": None})
    assert "data-cut-warnings" not in client.get("/desk/requests/sr_1").get_data(as_text=True)


def test_the_notice_s_revision_moves_the_cut_or_calls_it_off_and_the_list_and_board_say_so(client, fake):
    """h3: a cut put off or called off was a withdrawal and a new notice; the revise form takes the cut's
    new start and end, or calls it off (a box), sent as outage; the list shows 改期 and 已取消, and so does
    the owners' board."""
    sign_in(client, fake, roles=("agent",))
    moved = {**CUT, "estate_id": ESTATE, "building": "3", "published_by": "zhang", "until": "2026-12-03",
             "shown_until": None, "withdrawn": None, "revisions": [], "created_at": "2026-11-30T00:00:00Z",
             "outage": {**CUT["outage"], "starts_at": "2026-12-03T00:00:00Z", "ends_at": "2026-12-03T10:00:00Z",
                        "published_window": {"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-01T10:00:00Z"}}}
    off = {**moved, "id": "nt_off", "outage": {**CUT["outage"], "cancelled": {
        "at": "2026-11-30T02:00:00Z", "by": "zhang", "reason": "取消施工"}}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/notices", {"items": [moved, off], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders", {"items": [], "next_cursor": None})
    page = client.get("/desk/notices", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'name="outage.starts_at"' in page.split("/desk/notices/nt_cut/revise")[1]
    assert 'name="outage.cancelled"' in page.split("/desk/notices/nt_cut/revise")[1]
    assert "已改期" in page and "原定" in page and "已取消" in page
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/notices/nt_cut/revise", moved)
    client.post("/desk/notices/nt_cut/revise", data={"csrf_token": csrf_of(client), "reason": "改期",
                                                     "outage.starts_at": "2026-12-03T08:00",
                                                     "outage.ends_at": "2026-12-03T18:00"})
    assert fake.calls[-1]["json"] == {"outage": {"starts_at": "2026-12-03T00:00:00Z", "ends_at": "2026-12-03T10:00:00Z"},
                                      "reason": "改期"}
    client.post("/desk/notices/nt_cut/revise", data={"csrf_token": csrf_of(client), "reason": "取消施工",
                                                     "outage.cancelled": "on"})
    assert fake.calls[-1]["json"] == {"outage": {"cancelled": True}, "reason": "取消施工"}
    from .test_portal import ESTATE as PUBLIC_ESTATE
    fake.on("GET", r"/api/v1/public/estates/E1", PUBLIC_ESTATE)
    fake.on("GET", r"/api/v1/public/estates/E1/notices", {"estate_name": "绿城花园", "timezone": "Asia/Shanghai", "items": [
        {"title": "计划停水通知", "body": "改到周四", "building": "3", "buildings": ["3"],
         "expected_restoration_at": "2026-12-03T10:00:00Z", "published_at": "2026-11-30T00:00:00Z",
         "outage": {"utility": "water", "starts_at": "2026-12-03T00:00:00Z", "ends_at": "2026-12-03T10:00:00Z",
                    "cancelled": False, "published_window": {"starts_at": "2026-12-01T00:00:00Z",
                                                             "ends_at": "2026-12-01T10:00:00Z"}}},
        {"title": "停电通知", "body": "取消", "building": "3", "buildings": ["3"], "expected_restoration_at": None,
         "published_at": "2026-11-30T00:00:00Z",
         "outage": {"utility": "power", "starts_at": "2026-12-02T00:00:00Z", "ends_at": "2026-12-02T04:00:00Z",
                    "cancelled": True}}]})
    board = client.get("/portal/E1/notices", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "已改期" in board and "原定" in board and "12-01 08:00" in board and "已取消" in board


def test_a_filing_warned_of_a_cut_is_reclassified_a_consultation_naming_the_cut_s_notice(client, fake):
    """h4: the warning told the desk to reclassify the call a consultation naming the notice, and neither
    the API nor the reclassify form could name one. The form offers the cuts on the board and sends the one
    picked for a consultation or complaint, none for another kind."""
    sign_in(client, fake)
    filing = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "portal",
              "description": "没水", "status": "open", "due_at": "2026-12-02T00:00:00Z", "category": None,
              "created_at": "2026-12-01T02:00:00Z", "history": [],
              "cut_warnings": [{"notice_id": "nt_cut", "title": "计划停水通知", "utility": "water",
                                "expected_restoration_at": "2026-12-01T10:00:00Z"}]}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", filing)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/notices", {"items": [CUT, PLAIN], "next_cursor": None})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    form = page.split('id="reclassify"')[1].split("</form>")[0]
    assert 'name="outage_notice_id"' in form and '<option value="nt_cut">计划停水通知' in form
    assert 'value="nt_plain"' not in form
    assert "已转工程部的报修" in page  # the warning says what undoes a repair that left
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1/reclassify",
            {**filing, "kind": "consultation", "status": "replied", "outage_notice_id": "nt_cut"})
    for kind, named in (("consultation", True), ("suggestion", False)):
        client.post("/desk/requests/sr_1/reclassify", data={
            "csrf_token": csrf_of(client), "idempotency_key": f"rc-{kind}", "kind": kind, "reason": "是停水",
            "outage_notice_id": "nt_cut"})
        [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/reclassify")][-1:]
        assert ("outage_notice_id" in sent["json"]) is named
