"""The operator's typhoon night across estates (h5's probe): 跨小区事件, the incidents of every estate
of his in one list, each opening its page in its estate; and one notice (防台通知) published in
several estates at once, what each estate answered shown."""
import pytest

from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_department_screens import INCIDENT

OTHER = "est_other"
AT = "2026-11-23T13:00:00.000Z"
ESTATES = {"items": [{"id": ESTATE, "code": "HZ-01", "name": "西湖花园"}, {"id": OTHER, "code": "HZ-02", "name": "滨江苑"}],
           "next_cursor": None}


def test_the_open_incidents_of_every_estate_each_opening_its_page_in_its_estate(client, fake):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/incidents", {"items": [
        {"estate": {"id": OTHER, "code": "HZ-02", "name": "滨江苑"}, "incident": {**INCIDENT, "estate_id": OTHER}}],
        "next_cursor": f"{AT}~in_1"})
    page = client.get("/across/incidents").get_data(as_text=True)
    listed = page.split("data-across-incidents")[1].split("</table>")[0]
    assert "滨江苑" in listed and INCIDENT["number"] in listed and f'value="{OTHER}"' in listed
    [asked] = [c for c in fake.calls if c["path"] == "/api/v1/incidents"]
    assert asked["params"]["open"] == "true" and asked["params"]["limit"] == 50
    assert "cursor=" in page  # the next page
    fake.on("GET", rf"/api/v1/estates/{OTHER}$", {"id": OTHER, "code": "HZ-02", "name": "滨江苑"})
    opened = client.post("/across/incidents/open", data={"estate_id": OTHER, "incident_id": INCIDENT["id"],
                                                          "csrf_token": csrf_of(client)})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/security/incidents/{INCIDENT['id']}")
    with client.session_transaction() as session:
        assert session["estate_id"] == OTHER


def test_one_notice_to_several_estates_says_which_got_it_and_which_did_not(client, fake):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates$", ESTATES)
    form = client.get("/across/notices").get_data(as_text=True)
    assert "西湖花园" in form and "滨江苑" in form and 'name="idempotency_key"' in form
    fake.on("POST", r"/api/v1/notices", {"notices": [
        {"id": "nt_1", "estate_id": ESTATE, "title": "防台通知", "body": "关好门窗", "building": None,
         "published_at": AT, "published_by": "ops", "created_at": AT}],
        "failed": [{"estate_id": OTHER, "status": 503, "code": "service_unavailable",
                    "detail": "customer_service is unavailable", "errors": []}]}, status=207)
    page = client.post("/across/notices", data={"csrf_token": csrf_of(client), "idempotency_key": "k-typhoon",
                                                "estate_ids": [ESTATE, OTHER], "title": "防台通知", "body": "关好门窗",
                                                "until": "2026-11-25"}).get_data(as_text=True)
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"] == "/api/v1/notices"]
    assert sent["json"] == {"estate_ids": [ESTATE, OTHER], "title": "防台通知", "body": "关好门窗", "until": "2026-11-25"}
    assert sent["headers"]["Idempotency-Key"] == "k-typhoon"
    assert "西湖花园" in page.split("data-published")[1].split("</section>")[0]
    failed = page.split("data-failed")[1].split("</section>")[0]
    assert "滨江苑" in failed and 'value="k-typhoon"' in failed  # sent again under the same key


def test_the_list_filters_by_every_incident_type_the_estates_record(client, fake):
    """A typhoon night's own types (停电, 台风/暴雨) are among the filter's: the screen kept a copy of the
    first five and dropped ?type=power_outage without a word (found rereading the change)."""
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/incidents", {"items": [], "next_cursor": None})
    page = client.get("/across/incidents?type=power_outage").get_data(as_text=True)
    [asked] = [c for c in fake.calls if c["path"] == "/api/v1/incidents"]
    assert asked["params"]["type"] == "power_outage"
    assert 'value="storm_damage"' in page


def test_the_notice_across_estates_offers_every_estate_of_the_caller_page_by_page(client, fake):
    """多小区公告 offered the first 200 estates only (``limit=200``, no next page read): an operator of
    250 estates could not reach the last fifty (h4, last session's small leftovers). Every page is read,
    for the form and for the names of the answer."""
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    first = [{"id": f"est_{n:03}", "code": f"HZ-{n:03}", "name": f"小区{n:03}"} for n in range(200)]
    last = {"id": "est_last", "code": "HZ-LAST", "name": "最后一苑"}

    def pages(_json, params):
        return {"items": [last], "next_cursor": None} if params.get("cursor") == "p2" else \
            {"items": first, "next_cursor": "p2"}

    fake.on("GET", r"/api/v1/estates", pages)
    form = client.get("/across/notices").get_data(as_text=True)
    assert "最后一苑" in form and "小区000" in form
    fake.on("POST", r"/api/v1/notices", {"notices": [
        {"id": "nt_9", "estate_id": "est_last", "title": "防台通知", "body": "关好门窗", "building": None,
         "published_at": AT, "published_by": "ops", "created_at": AT}], "failed": []})
    page = client.post("/across/notices", data={"csrf_token": csrf_of(client), "idempotency_key": "k-last",
                                                "estate_ids": ["est_last"], "title": "防台通知",
                                                "body": "关好门窗"}).get_data(as_text=True)
    assert "最后一苑" in page.split("data-published")[1].split("</section>")[0]


def test_a_guard_has_the_incidents_across_his_estates_in_his_menu_and_reads_them(client, fake):
    """The API lets a guard read the incidents of his estates (``GET /api/v1/incidents``: the gateway's
    SECURITY), and the console gave only managers and the operator the entry (h4, last session's small
    leftovers): a guard finds 跨小区事件 under security; the notice to several estates stays
    management's (the API's POST /api/v1/notices is)."""
    from console import menu
    sign_in(client, fake, username="gus", roles=("security",), estates=(ESTATE, OTHER))
    home = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'href="/across/incidents"' in home and "跨小区事件" in home
    assert 'href="/across/notices"' not in home
    assert [s.label for s in menu.for_roles(["security"]) if any(
        e.endpoint == "across.incidents" for e in s.entries)] == ["menu.security"]
    assert [s.label for s in menu.for_roles(["manager"]) if any(
        e.endpoint == "across.incidents" for e in s.entries)] == ["menu.management"]  # once, where it was
    fake.on("GET", r"/api/v1/incidents", {"items": [
        {"estate": {"id": OTHER, "code": "HZ-02", "name": "滨江苑"}, "incident": {**INCIDENT, "estate_id": OTHER}}],
        "next_cursor": None})
    page = client.get("/across/incidents").get_data(as_text=True)
    assert "滨江苑" in page.split("data-across-incidents")[1].split("</table>")[0]
    fake.on("GET", rf"/api/v1/estates/{OTHER}$", {"id": OTHER, "code": "HZ-02", "name": "滨江苑"})
    opened = client.post("/across/incidents/open", data={"estate_id": OTHER, "incident_id": INCIDENT["id"],
                                                          "csrf_token": csrf_of(client)})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/security/incidents/{INCIDENT['id']}")
    with client.session_transaction() as session:  # a guard of two estates switches, as the estates' form lets him
        assert session["estate_id"] == OTHER


def test_one_preparation_checklist_to_several_estates_says_which_got_it_and_sends_the_rest_again(client, fake):
    """h7: 防汛防台准备检查表, the operator's checklist written in each estate chosen (POST /api/v1/checklists)."""
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates$", ESTATES)
    form = client.get("/across/checklists").get_data(as_text=True)
    assert "多小区检查表" in form and "西湖花园" in form and 'name="item_code"' in form and 'name="idempotency_key"' in form
    made = {"id": "ckl_1", "estate_id": ESTATE, "name": "防汛防台准备", "target": "location", "items": [
        {"code": "D1", "label": "排水沟已清理", "kind": "pass_fail", "min": None, "max": None, "unit": None}],
        "created_at": AT, "updated_at": AT, "created_by": "ops"}
    fake.on("POST", r"/api/v1/checklists", {"checklists": [made], "failed": [
        {"estate_id": OTHER, "status": 503, "code": "service_unavailable", "detail": "maintenance is unavailable",
         "errors": []}]}, status=207)
    data = {"csrf_token": csrf_of(client), "idempotency_key": "k-prep", "estate_ids": [ESTATE, OTHER],
            "name": "防汛防台准备", "target": "location", "item_code": ["D1", "D2", ""],
            "item_label": ["排水沟已清理", "沙袋", ""], "item_kind": ["pass_fail", "reading", "pass_fail"],
            "item_min": ["", "50", ""], "item_max": ["", "", ""], "item_unit": ["", "袋", ""]}
    page = client.post("/across/checklists", data=data).get_data(as_text=True)
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"] == "/api/v1/checklists"]
    assert sent["json"] == {"estate_ids": [ESTATE, OTHER], "name": "防汛防台准备", "target": "location", "items": [
        {"code": "D1", "label": "排水沟已清理", "kind": "pass_fail"},
        {"code": "D2", "label": "沙袋", "kind": "reading", "min": 50, "unit": "袋"}]}
    assert sent["headers"]["Idempotency-Key"] == "k-prep"
    assert "西湖花园" in page.split("data-published")[1].split("</section>")[0]
    failed = page.split("data-failed")[1].split("</section>")[0]
    assert "滨江苑" in failed and 'value="k-prep"' in failed and 'value="沙袋"' in failed  # the same body again
    again = client.post("/across/checklists", data=data)
    assert again.status_code == 200
    resent = [c for c in fake.calls if c["method"] == "POST" and c["path"] == "/api/v1/checklists"]
    assert len(resent) == 2 and resent[1]["json"] == sent["json"]


def test_a_refused_preparation_checklist_is_shown_again_with_what_was_typed(client, fake):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates$", ESTATES)
    fake.on("POST", r"/api/v1/checklists", problem(403, "this estate is outside your scope", "", "forbidden",
                                                    [{"field": "estate_ids[0]", "message": "outside"}]))
    answer = client.post("/across/checklists", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k-prep-2", "estate_ids": [ESTATE], "name": "防汛防台准备",
        "target": "location", "item_code": ["D1"], "item_label": ["排水沟已清理"], "item_kind": ["pass_fail"],
        "item_min": [""], "item_max": [""], "item_unit": [""]})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and 'value="排水沟已清理"' in page and 'value="k-prep-2"' in page


@pytest.mark.parametrize("path,answers,form", [
    ("/api/v1/checklists", "checklists", {"name": "防汛防台准备", "target": "location", "item_code": ["D1"],
                                          "item_label": ["排水沟已清理"], "item_kind": ["pass_fail"]}),
    ("/api/v1/notices", "notices", {"title": "台风预警", "body": "请收好阳台物品"}),
])
def test_an_estate_not_written_in_says_why_in_chinese(client, fake, path, answers, form):
    """review r7 of h7: the 207's estates not written in said the service's English ("maintenance is not
    running") on the Chinese page, where every other refusal reads the refusal catalogue's Chinese."""
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates$", ESTATES)
    fake.on("POST", path, {answers: [], "failed": [
        {"estate_id": OTHER, "status": 503, "code": "service_unavailable", "detail": "maintenance is not running",
         "errors": []}]}, status=207)
    page = "/across/checklists" if answers == "checklists" else "/across/notices"
    sent = client.post(page, data={"csrf_token": csrf_of(client), "idempotency_key": "k-zh", "estate_ids": [OTHER],
                                   **form}, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    failed = sent.split("data-failed")[1].split("</section>")[0]
    assert "is not running" not in failed and "未运行" in failed, failed


def test_a_guard_of_one_estate_opening_another_estates_incident_stays_where_he_works(client, fake):
    """The line's switch is the estates' form's: one who works in a single estate is not moved to another
    (and is sent back to the list), where one of several is (above)."""
    sign_in(client, fake, username="guard", roles=("security",), estates=(ESTATE,))
    fake.on("GET", rf"/api/v1/estates/{OTHER}$", {"id": OTHER, "code": "HZ-02", "name": "滨江苑"})
    opened = client.post("/across/incidents/open", data={"estate_id": OTHER, "incident_id": INCIDENT["id"],
                                                          "csrf_token": csrf_of(client)})
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/across/incidents")
    with client.session_transaction() as session:
        assert session["estate_id"] == ESTATE
