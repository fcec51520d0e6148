"""结转下期欠费 across estates (h6): the arrears a period over carried out in every estate of the caller's
and their total, from one call of the API's (``GET /api/v1/reports/arrears-carried-out``); an estate not
read or refusing the period says so, never zeros."""
from .conftest import ESTATE, sign_in

OTHER, THIRD, FOURTH = "est_other", "est_third", "est_fourth"


def line(estate_id, code, name, figure=None, refused=None):
    return {"estate": {"id": estate_id, "code": code, "name": name}, "arrears_carried_out": figure, "refused": refused}


def test_every_estates_arrears_carried_out_and_their_total(client, fake, documented_routes):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/reports/arrears-carried-out$", lambda body, params: {
        "period": params["period"], "as_of": "2027-01-02T08:00:00.000Z",
        "estates": [
            line(ESTATE, "YE01", "年终小区1", {"carried_out_as_of": "2026-12-31", "carried_out_cents": 1234550,
                                             "carried_out_households": 12}),
            line(OTHER, "YE02", "年终小区2", {"carried_out_as_of": "2026-12-31", "carried_out_cents": 100,
                                             "carried_out_households": 1}),
            line(THIRD, "YE03", "年终小区3"),
            line(FOURTH, "YE04", "年终小区4", refused={"status": 422, "code": "business_rule",
                                                     "detail": "a period that has not begun has nothing to report"})],
        "total": {"carried_out_cents": 1234650, "carried_out_households": 13, "estates": 2},
        "unavailable": [THIRD]})
    page = client.get("/across/arrears?period=2026", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "跨小区结转欠费" in page
    table = page.split("data-across-arrears")[1].split("</table>")[0]
    first, second, third, fourth, total = table.split("<tr")[2:]
    assert "年终小区1" in first and "¥12,345.50" in first and ">12<" in first and "2026-12-31" in first
    assert "年终小区3" in third and "未能读取" in third  # not read: said, not zeros
    assert "年终小区4" in fourth and "¥" not in fourth
    assert "合计" in total and "¥12,346.50" in total and ">13<" in total and "2 / 4" in total
    [asked] = [c for c in fake.calls if c["path"] == "/api/v1/reports/arrears-carried-out"]
    assert asked["params"]["period"] == "2026"
    assert all(any(m == c["method"] and p.match(c["path"]) for m, p in documented_routes) for c in fake.calls)
    en = client.get("/across/arrears?period=2026", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Arrears carried out across estates" in en
    client.get("/across/arrears?period=2026-13")  # no period's form: the last quarter
    assert fake.calls[-1]["params"]["period"] != "2026-13"


def test_a_period_still_running_in_an_estate_says_so(client, fake):
    sign_in(client, fake, username="ops", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/reports/arrears-carried-out$", {
        "period": "2026-12", "as_of": "2026-12-20T08:00:00.000Z", "estates": [line(ESTATE, "YE01", "年终小区1")],
        "total": {"carried_out_cents": 0, "carried_out_households": 0, "estates": 0}, "unavailable": []})
    page = client.get("/across/arrears?period=2026-12", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = page.split("data-across-arrears")[1].split("</table>")[0].split("<tr")[2]
    assert "not over yet" in row


def test_the_accountant_and_the_cashier_find_the_page_under_finance(client, fake):
    """The API lets who reads an estate's reconciliation read the arrears carried out across his estates
    (the gateway's FINANCE: the accountant and the cashier too), and the console gave only managers and
    the operator the entry (found by r6, as a guard's 跨小区事件 before it): the finance roles find
    跨小区结转欠费 under accounts (财务), beside the reports; management's stays where it was."""
    from console import menu
    for role in ("accountant", "cashier"):
        sign_in(client, fake, username=role, roles=(role,), estates=(ESTATE, OTHER, THIRD))
        home = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        assert 'href="/across/arrears"' in home and "跨小区结转欠费" in home, role
        assert [s.label for s in menu.for_roles([role]) if any(
            e.endpoint == "across.arrears" for e in s.entries)] == ["menu.accounts"]
    assert [s.label for s in menu.for_roles(["manager"]) if any(
        e.endpoint == "across.arrears" for e in s.entries)] == ["menu.management"]  # once, where it was
    sign_in(client, fake, username="agnes", roles=("agent",))
    assert 'href="/across/arrears"' not in client.get("/").get_data(as_text=True)
