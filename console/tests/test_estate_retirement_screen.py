"""The operator retires an estate whose contract ended, and puts one back, from the estates page; a
retired estate is offered to no user or key (found by a probe of the operator admin's month: there
was no way to retire one)."""
import re

from .conftest import csrf_of, problem, sign_in

LAKESIDE = {"id": "est_9", "code": "SH-01", "name": "Lakeside", "address": "1 Lake Rd", "timezone": "Asia/Shanghai"}
HILLTOP = {"id": "est_8", "code": "SH-02", "name": "Hilltop", "address": "2 Hill Rd", "timezone": "Asia/Shanghai",
           "retired_at": "2026-11-10T04:00:00.000Z"}


def as_admin(client, fake):
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates", {"items": [LAKESIDE, HILLTOP], "next_cursor": None})


def test_the_estates_page_retires_an_estate_with_the_box_ticked_and_reinstates_a_retired_one(client, fake,
                                                                                              documented_routes):
    as_admin(client, fake)
    page = client.get("/admin/estates", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'action="/admin/estates/est_9/retire"' in page and 'action="/admin/estates/est_8/reinstate"' in page
    assert 'action="/admin/estates/est_8/retire"' not in page
    assert "已停用（2026-11-10）" in page  # its day on its clock
    unticked = client.post("/admin/estates/est_9/retire", data={"csrf_token": csrf_of(client)})
    assert unticked.status_code == 302 and not [c for c in fake.calls if c["path"].endswith("/retire")]
    fake.on("POST", r"/api/v1/estates/est_9/retire", {**LAKESIDE, "retired_at": "2026-12-06T01:00:00.000Z"})
    answer = client.post("/admin/estates/est_9/retire", data={"csrf_token": csrf_of(client), "confirm": "yes"})
    assert answer.status_code == 302 and answer.location.endswith("/admin/estates")
    assert fake.calls[-1]["method"] == "POST" and fake.calls[-1]["json"] == {}
    held = problem(409, "conflict", "the estate is still held by li.agent: move each account to another estate or "
                   "deactivate it, and revoke each API key, before retiring it", code="conflict",
                   errors=[{"field": "users[0]", "message": "li.agent holds the estate"}])
    fake.on("POST", r"/api/v1/estates/est_9/retire", held)
    refused = client.post("/admin/estates/est_9/retire", data={"csrf_token": csrf_of(client), "confirm": "yes"})
    shown = client.get(refused.location, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "此小区仍由 li.agent 持有" in shown
    fake.on("POST", r"/api/v1/estates/est_8/reinstate", {**HILLTOP, "retired_at": None})
    back = client.post("/admin/estates/est_8/reinstate", data={"csrf_token": csrf_of(client)})
    assert back.status_code == 302 and fake.calls[-1]["path"] == "/api/v1/estates/est_8/reinstate"
    for call in fake.calls:
        assert any(method == call["method"] and pattern.match(call["path"]) for method, pattern in documented_routes)


def test_a_retired_estate_is_offered_to_no_user_or_key_but_one_a_user_holds_stays_ticked(client, fake):
    as_admin(client, fake)
    fake.on("GET", r"/api/v1/users", {"items": [], "next_cursor": None})
    fake.on("GET", r"/api/v1/api-keys", {"items": [], "next_cursor": None})
    # the users list still filters by it: whose accounts held it
    assert '<option value="est_8" >Hilltop</option>' in client.get("/admin/users").get_data(as_text=True)
    for path in ("/admin/users", "/admin/api-keys"):
        page = client.get(path).get_data(as_text=True)
        assert 'name="estate_ids" value="est_9"' in page and 'name="estate_ids" value="est_8"' not in page, path
    leaver = {"id": "u9", "username": "old.mgr", "roles": ["manager"], "estate_ids": ["est_8"], "active": False}
    fake.on("GET", r"/api/v1/users/u9", leaver)
    page = client.get("/admin/users/u9").get_data(as_text=True)
    assert re.search(r'name="estate_ids" value="est_8" checked', page)  # held: kept as it is
