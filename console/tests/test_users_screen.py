"""The operator admin's users page: each account's deactivation shown, a search by username and the
leavers of a month (GET /api/v1/users ``q``, ``deactivated_in``), kept on the next page."""
from .conftest import sign_in

ESTATES = {"items": [{"id": "est_1", "code": "E1", "name": "Lakeside"}], "next_cursor": None}
ACTIVE = {"id": "wang.desk", "username": "wang.desk", "roles": ["agent"], "estate_ids": ["est_1"], "active": True,
          "created_at": "2026-01-05T02:00:00.000Z", "deactivated_at": None}
LEFT = {"id": "li.guard", "username": "li.guard", "roles": ["security"], "estate_ids": ["est_1"], "active": False,
        "created_at": "2026-02-05T02:00:00.000Z", "deactivated_at": "2026-11-03T09:30:00.000Z"}


def as_admin(client, fake, page=None):
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates", ESTATES)
    fake.on("GET", r"/api/v1/users", page or {"items": [ACTIVE, LEFT], "next_cursor": None})


def users_asked(fake):
    return [call["params"] for call in fake.calls if call["path"] == "/api/v1/users"]


def test_the_list_shows_when_a_deactivated_account_was_deactivated(client, fake):
    as_admin(client, fake)
    zh = client.get("/admin/users", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "<th>停用时间</th>" in zh
    assert "2026-11-03 17:30" in zh  # on the display clock (Asia/Shanghai), not the stored UTC text
    assert "2026-11-03T09:30" not in zh
    en = client.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<th>Deactivated</th>" in en and "03 Nov 2026 17:30" in en
    row_of_active = en[en.index(">wang.desk<"):en.index("</tr>", en.index(">wang.desk<"))]
    assert "2026" not in row_of_active  # still active: nothing in the column


def test_the_users_are_searched_by_username_and_the_search_kept_on_the_next_page(client, fake):
    as_admin(client, fake, {"items": [ACTIVE], "next_cursor": "c2"})
    page = client.get("/admin/users?q=+Wang+&role=agent", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert users_asked(fake)[-1]["q"] == "Wang" and users_asked(fake)[-1]["role"] == "agent"
    assert 'name="q"' in page and 'value="Wang"' in page and 'maxlength="100"' in page
    assert "q=Wang" in page and "cursor=c2" in page  # the next page is of the same search
    client.get("/admin/users?q=+", headers={"Accept-Language": "en"})
    assert "q" not in users_asked(fake)[-1]  # nothing typed: no search
    client.get("/admin/users?q=" + "x" * 150, headers={"Accept-Language": "en"})
    assert users_asked(fake)[-1]["q"] == "x" * 100  # as the box holds it


def test_the_leavers_of_a_month_are_listed(client, fake):
    as_admin(client, fake, {"items": [LEFT], "next_cursor": None})
    page = client.get("/admin/users?deactivated_in=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert users_asked(fake)[-1]["deactivated_in"] == "2026-11"
    assert 'name="deactivated_in"' in page and 'value="2026-11"' in page and "li.guard" in page
    client.get("/admin/users?deactivated_in=November", headers={"Accept-Language": "en"})
    assert "deactivated_in" not in users_asked(fake)[-1]  # not a month: left out, as an unknown role is


def test_a_search_the_gateway_refuses_is_said_on_the_page_not_a_server_error(client, fake):
    as_admin(client, fake)
    fake.on("GET", r"/api/v1/users", {"type": "about:blank", "title": "Invalid input", "status": 400,
                                      "detail": "q is 1 to 100 characters, one of them visible",
                                      "code": "invalid_input",
                                      "errors": [{"field": "q", "message": "must be 1 to 100 characters, one of "
                                                                          "them visible"}]}, status=400)
    answer = client.get("/admin/users?q=%E2%80%8B", headers={"Accept-Language": "zh"})
    assert answer.status_code == 200 and 'name="q"' in answer.get_data(as_text=True)  # the page, to search again
    assert "搜索内容: 须为 1 至 100 个字符，且至少一个可见字符" in answer.get_data(as_text=True)


def test_the_active_accounts_with_no_estate_are_counted_and_linked_to(client, fake):
    """Accounts of estate roles stored with no estate before every account but an operator admin's
    needed one reach nothing, and no filter found them: the page counts the active ones
    (``has_estates=false&active=true``) and links to them, the list then of those alone."""
    nowhere = {**ACTIVE, "id": "zhao.desk", "username": "zhao.desk", "estate_ids": []}
    as_admin(client, fake)

    def users(body, params):
        if params.get("has_estates") == "false":
            return {"items": [nowhere], "next_cursor": None}
        return {"items": [ACTIVE, LEFT], "next_cursor": None}
    fake.on("GET", r"/api/v1/users", users)
    page = client.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    counted = [p for p in users_asked(fake) if p.get("has_estates") == "false"]
    assert counted and counted[-1]["active"] == "true"
    assert "1 active account of an estate role names no estate" in page
    assert 'href="/admin/users?has_estates=false&amp;active=true"' in page
    zh = client.get("/admin/users", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "1 个启用的账号未分配小区" in zh
    listed = client.get("/admin/users?has_estates=false&active=true", headers={"Accept-Language": "en"})
    assert users_asked(fake)[-1] == {"limit": users_asked(fake)[-1]["limit"], "has_estates": "false", "active": "true"}
    assert "zhao.desk" in listed.get_data(as_text=True)
    client.get("/admin/users?has_estates=maybe", headers={"Accept-Language": "en"})
    assert "has_estates" not in users_asked(fake)[-1]  # not a value of it: left out, as an unknown role is

    fake.on("GET", r"/api/v1/users", lambda body, params: {  # none without an estate
        "items": [] if params.get("has_estates") else [ACTIVE, LEFT], "next_cursor": None})
    page = client.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "names no estate" not in page and "has_estates=false" not in page
