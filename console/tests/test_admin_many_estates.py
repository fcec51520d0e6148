"""The operator's set-up screens at a thousand estates (found by a probe): every estate offered
on a user's or an API key's form, a save that keeps every estate of a user, scopes shown short,
the estates page searched, and the header naming the signed-in user on another user's page."""
import re
from datetime import datetime, timedelta, timezone

from .conftest import csrf_of, sign_in

ESTATES = [{"id": f"est_{n:04d}", "code": f"E{n:04d}", "name": f"Estate {n:04d}"} for n in range(1, 451)]


def estate_pages(body, params):
    """``GET /api/v1/estates`` as the gateway pages it: 200 at most, a cursor to the next."""
    start = int(params.get("cursor") or 0)
    limit = int(params.get("limit") or 50)
    found = [e for e in ESTATES if (params.get("q") or "").lower() in (e["code"] + e["name"]).lower()]
    more = start + limit < len(found)
    return {"items": found[start:start + limit], "next_cursor": str(start + limit) if more else None}


def as_admin(client, fake, user):
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/estates", estate_pages)
    fake.on("GET", r"/api/v1/users", {"items": [user], "next_cursor": None})
    fake.on("GET", r"/api/v1/users/u9", user)


def test_saving_a_user_keeps_every_estate_of_theirs_beyond_the_first_200(client, fake):
    """Offered the first 200 estates, a save sent only the ticked among them: a manager of
    estates 150-249 came back with 50, one of estates 300-449 with none."""
    scope = [e["id"] for e in ESTATES[149:249]] + [e["id"] for e in ESTATES[299:449]]
    mgr = {"id": "u9", "username": "mgr", "roles": ["manager"], "estate_ids": scope, "active": True}
    as_admin(client, fake, mgr)
    page = client.get("/admin/users/u9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    ticked = re.findall(r'name="estate_ids" value="(est_\d+)" checked', page)
    assert sorted(ticked) == sorted(scope)
    assert len(re.findall(r'name="estate_ids" value="est_\d+"', page)) == len(ESTATES)  # all offered
    assert page.index('value="est_0150"') < page.index('value="est_0001"')  # the scope first
    assert "(250 / 450)" in page and "data-filter-choices" in page
    fake.on("PATCH", r"/api/v1/users/u9", mgr)
    answer = client.post("/admin/users/u9", data={"csrf_token": csrf_of(client), "username": "mgr",
                                                   "roles": ["manager"], "estate_ids": ticked, "active": "1",
                                                   "was_active": "1"})
    assert answer.status_code == 302
    assert sorted(fake.calls[-1]["json"]["estate_ids"]) == sorted(scope)


def test_an_estate_of_a_users_scope_the_list_lacks_is_sent_back_as_it_was(client, fake):
    mgr = {"id": "u9", "username": "mgr", "roles": ["manager"], "estate_ids": ["est_0001", "est_new"],
           "active": True}
    as_admin(client, fake, mgr)
    page = client.get("/admin/users/u9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<input type="hidden" name="estate_ids" value="est_new">' in page
    assert "1 more estate, not in the list above, is kept as it is." in page


def test_another_users_page_names_the_signed_in_user_in_its_header(client, fake):
    mgr = {"id": "u9", "username": "mgr500", "roles": ["manager"], "estate_ids": ["est_0001"], "active": True}
    as_admin(client, fake, mgr)
    page = client.get("/admin/users/u9", headers={"Accept-Language": "en"}).get_data(as_text=True)
    header = page[page.index("<header"):page.index("</header>")]
    assert "admin" in header and "mgr500" not in header
    assert "Edit user: mgr500" in page


def test_a_new_user_or_key_may_be_given_any_estate_and_scopes_are_shown_short(client, fake):
    mgr = {"id": "u9", "username": "mgr", "roles": ["manager"], "estate_ids": [e["id"] for e in ESTATES[400:]],
           "active": True}
    as_admin(client, fake, mgr)
    fake.on("GET", r"/api/v1/api-keys", {"items": [{"id": "k1", "name": "bi", "roles": ["manager"],
                                                    "estate_ids": [e["id"] for e in ESTATES], "status": "active"}],
                                         "next_cursor": None})
    for path in ("/admin/users", "/admin/api-keys"):
        page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'value="est_0450"' in page, path  # the last estate can be chosen
        assert "est_04" not in re.sub(r'value="est_\d+"', "", page), path  # names, not ids, in the cells
    users = client.get("/admin/users", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Estate 0401, Estate 0402, Estate 0403, Estate 0404, Estate 0405 and 45 more" in users


def test_the_estates_page_is_searched(client, fake):
    as_admin(client, fake, {"id": "u1", "username": "admin", "roles": ["operator_admin"], "estate_ids": [],
                            "active": True})
    page = client.get("/admin/estates?q=E0377", headers={"Accept-Language": "en"}).get_data(as_text=True)
    [asked] = [c for c in fake.calls if c["path"] == "/api/v1/estates" and c["params"].get("q")]
    assert asked["params"]["q"] == "E0377"
    assert "Estate 0377" in page and "Estate 0001" not in page


def kpi_table(count):
    """The view of every estate: collection rates 0.01 .. count/100 (one estate no data), valid
    complaint rates the other way round."""
    rows = []
    for n in range(1, count + 1):
        rate = None if n == 7 else round(n / (count + 1), 4)
        rows.append({"estate_id": f"est_{n:04d}", "code": f"E{n:04d}", "name": f"Estate {n:04d}", "kpis": {
            "collection_rate": {"numerator": n, "denominator": count + 1, "value": rate, "unit": "ratio"},
            "valid_complaint_rate": {"numerator": n, "denominator": 100, "value": n / 100, "unit": "ratio"}}})
    totals = {"collection_rate": {"numerator": 1, "denominator": 2, "value": 0.5, "unit": "ratio"},
              "valid_complaint_rate": {"numerator": 1, "denominator": 100, "value": 0.01, "unit": "ratio"}}
    return {"period": "2026-11", "unavailable": [], "estates": rows, "totals": totals,
            "as_of": "2026-11-23T02:00:00.000Z"}


def bars(page, chart):
    """The estates of a chart's bars, in order."""
    start = page.index(f'<figcaption>{chart}')
    return re.findall(r"<title>([^<:]+):", page[start:page.index("</svg>", start)])


def test_the_dashboard_of_many_estates_shows_each_kpis_weakest_and_finds_any(client, fake):
    """At 1,000 estates it was 24 charts of 1,000 bars: 10 MB and 200,000 px tall (a probe)."""
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/kpis", kpi_table(300))
    page = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert bars(page, "Collection rate")[:3] == ["Estate 0001", "Estate 0002", "Estate 0003"]
    assert len(bars(page, "Collection rate")) == 13 and bars(page, "Collection rate")[-1] == "Total, every estate in scope"
    assert "Estate 0007" not in bars(page, "Collection rate")  # no data: after the weakest
    assert bars(page, "Valid complaint rate")[0] == "Estate 0300"  # the higher the worse
    assert "its 12 weakest estates (of 300)" in page and "all=1" in page and len(page) < 200_000
    assert "Figures computed at" in page
    found = client.get("/manager/kpis?period=2026-11&q=e0250", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert bars(found, "Collection rate") == ["Estate 0250", "Total, every estate in scope"]
    every = client.get("/manager/kpis?period=2026-11&all=1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(bars(every, "Collection rate")) == 301


def test_the_dashboard_says_how_old_the_figures_it_shows_are(client, fake):
    """The gateway shows kept figures past their minute while it fetches them again (up to
    KPI_STALE_SECONDS, h5): the page says how old they are, not only when they were computed."""
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    computed = datetime.now(timezone.utc) - timedelta(minutes=7, seconds=10)
    fake.on("GET", r"/api/v1/kpis", kpi_table(3) | {"as_of": computed.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    en = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "(7 min ago)" in en and "shown while fresh ones are fetched" in en
    zh = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "（7 分钟前）" in zh


def test_the_dashboard_flags_figures_whose_refresh_failed(client, fake):
    """A background refresh that failed showed only the figures' age (found by last session's
    reviews): the page names the services whose figures could not be refreshed (the API's
    ``refresh_failed``, beside ``as_of``), as a problem, not a muted note."""
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    computed = datetime.now(timezone.utc) - timedelta(minutes=9)
    fake.on("GET", r"/api/v1/kpis", kpi_table(3) | {"as_of": computed.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                                    "refresh_failed": ["finance", "maintenance"]})
    en = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'<p class="problem" role="status">[^<]*could not be refreshed[^<]*finance, maintenance', en)
    zh = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "未能刷新" in zh
    fake.on("GET", r"/api/v1/kpis", kpi_table(3) | {"as_of": computed.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                                    "refresh_failed": []})
    assert "could not be refreshed" not in client.get(
        "/manager/kpis?period=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
