"""跨小区投诉分析: the year's (or a quarter's, a month's) complaint analysis of every estate of the
caller's side by side, each estate's recurring causes and whether a rectification plan answers them,
a line opening the estate's own analysis; where the operator's year-end review read 30 estates'
analyses one by one, switching estate for each (found by h9, a year-end across 30 estates)."""
from .conftest import ESTATE, csrf_of, sign_in

OTHER, THIRD = "est_other", "est_third"
ESTATES = {"items": [{"id": ESTATE, "code": "YE01", "name": "年终小区1"}, {"id": OTHER, "code": "YE02", "name": "年终小区2"},
                     {"id": THIRD, "code": "YE03", "name": "年终小区3"}],
           "next_cursor": "YE03~est_third"}


def analysis(complaints, valid, on_time, late, causes, recurring):
    return {"period": "2026", "complaints": complaints, "by_category": {}, "by_cause": causes, "by_building": {},
            "timeliness": {"on_time": on_time, "late": late, "open": complaints - on_time - late, "open_overdue": 0},
            "valid": valid, "not_judged": 0, "escalated": 0, "reopened": 0,
            "repeat_complainants": {"threshold": 2, "households": []},
            "recurring_causes": {"threshold": 3, "causes": recurring}}


def across(*rows, next_cursor=None):
    """``GET /api/v1/reports/complaints``'s page: ``rows`` of (estate, report or None, refused or None)."""
    return lambda body, params: {
        "period": params.get("period"), "as_of": "2026-12-31T08:00:00.000Z", "next_cursor": next_cursor,
        "estates": [{"estate": {k: e[k] for k in ("id", "code", "name")}, "report": report, "refused": refused}
                    for e, report, refused in rows],
        "unavailable": [e["id"] for e, report, refused in rows if report is None and refused is None]}


def test_every_estates_year_of_complaints_side_by_side_with_its_recurring_causes_and_plans(client, fake,
                                                                                          documented_routes):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    first_, second_, third_ = ESTATES["items"]
    fake.on("GET", r"/api/v1/reports/complaints$", across(
        (first_, analysis(4, 1, 4, 0, {"staff_conduct": 3, "process": 1},
                          [{"cause": "staff_conduct", "complaints": 3, "plan_ids": [], "buildings": {"1": 3},
                            "requests": []}]), None),
        (second_, analysis(5, 2, 3, 1, {"contractor": 4, "other": 1},
                           [{"cause": "contractor", "complaints": 4, "plan_ids": ["rp_1"], "buildings": {"2": 4},
                             "requests": []}]), None),
        (third_, None, None), next_cursor=ESTATES["next_cursor"]))
    page = client.get("/across/complaints?period=2026").get_data(as_text=True)
    assert "跨小区投诉分析" in page
    table = page.split("data-across-complaints")[1].split("</table>")[0]
    rows = table.split("<tr")[2:]
    first, second, third, total = rows
    assert "年终小区1" in first and "员工行为 3" in first and "尚无整改计划" in first
    assert "年终小区2" in second and "外包方 4" in second and "已有 1 份整改计划" in second
    assert "年终小区3" in third and "未能读取" in third  # an estate not read says so, not zeros
    assert "合计（本页小区）" in total and ">9<" in total and ">3<" in total  # complaints, valid of those read
    # one call of the API's, not one an estate (h13)
    asked = [c for c in fake.calls if c["path"].endswith("/reports/complaints")]
    assert [(c["path"], c["params"]["period"], int(c["params"]["limit"])) for c in asked] == [
        ("/api/v1/reports/complaints", "2026", 20)]
    assert all(any(m == c["method"] and p.match(c["path"]) for m, p in documented_routes) for c in fake.calls)
    assert "cursor=YE03" in page  # the next estates
    # a line opens the estate's own analysis of the period, the estate switched to
    fake.on("GET", rf"/api/v1/estates/{OTHER}$", {"id": OTHER, "code": "YE02", "name": "年终小区2"})
    opened = client.post("/across/complaints/open", data={"estate_id": OTHER, "period": "2026",
                                                          "csrf_token": csrf_of(client)})
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/manager/complaints?period=2026")
    with client.session_transaction() as session:
        assert session["estate_id"] == OTHER


def test_the_page_is_in_the_management_menu_and_a_period_of_no_form_is_this_quarter(client, fake):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/reports/complaints$", across())
    page = client.get("/across/complaints?period=2026-13").get_data(as_text=True)
    assert 'href="/across/complaints"' in page
    assert 'name="period" value="2026-Q' in page


def test_an_estate_whose_period_has_not_begun_says_so_in_chinese(client, fake):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/reports/complaints$", across((ESTATES["items"][0], None, {
        "status": 422, "code": "business_rule",
        "detail": "a period that has not begun has nothing to report: the current month is 2026-12"})))
    page = client.get("/across/complaints?period=2027").get_data(as_text=True)
    row = page.split("data-across-complaints")[1].split("</table>")[0]
    assert "has not begun" not in row and "2026-12" in row
