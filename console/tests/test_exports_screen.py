"""Exports against the fake gateway: the "Export CSV / XLSX" action on each list with its filters,
the job's progress page and the file passed on from the gateway with the user's token."""
import pytest

from .conftest import ESTATE, FakeFile, csrf_of, problem, sign_in
from .test_registers import _only_documented

BASE = f"/api/v1/estates/{ESTATE}"
STAMP = "2026-11-30T08:00:00Z"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def job(status, **more):
    return {"id": "job_finance_1", "estate_id": ESTATE, "kind": "export", "status": status,
            "progress": {"done": 40 if status == "succeeded" else 10, "total": 40}, "result": None,
            "params": {"resource": "bills", "format": "csv", "filters": {"status": "unpaid"}},
            "created_at": STAMP, **more}


DONE = job("succeeded", result={"rows": 40, "bytes": 2048, "filename": "bills-2026-11-30.csv",
                                "content_type": "text/csv", "expires_at": "2026-12-01T08:00:00Z",
                                "download": f"{BASE}/exports/job_finance_1/file"})

LISTS = [  # (role, page, list route, resource, the filters in the page's query)
    ("manager", "/admin/households?building=5", "households", "households", {"building": "5"}),
    ("agent", "/desk/requests?status=open&overdue=true", "service-requests", "service_requests",
     {"status": "open", "overdue": "true"}),
    ("technician", "/engineering/work-orders?priority=emergency", "work-orders", "work_orders",
     {"priority": "emergency"}),
    ("accountant", "/accounts/bills?status=unpaid&period=2026-11", "bills", "bills",
     {"status": "unpaid", "period": "2026-11"}),
    ("accountant", "/accounts/bills?household_id=hh_1", "bills", "payments", {"household_id": "hh_1"}),
    ("accountant", "/accounts/arrears", "arrears", "arrears", {}),
    # the security department's records (a probe of the security guard's shift)
    ("security", "/security/rounds?status=finished&guard=Zhao", "patrol-rounds", "patrol_rounds",
     {"status": "finished", "guard": "Zhao"}),
    ("security", "/security/incidents?status=open&period=2026-11", "incidents", "incidents",
     {"status": "open", "period": "2026-11"}),
    ("agent", "/desk/visitors?on_site=true", "visitors", "visitors", {"on_site": "true"}),
    ("security", "/security/shift-handovers?shift=night&from=2026-11-23&to=2026-11-29", "shift-handovers",
     "shift_handovers", {"shift": "night", "from": "2026-11-23", "to": "2026-11-29"}),
    ("security", "/security/fire-inspections?result=defect", "fire-inspections", "fire_inspections",
     {"result": "defect"}),
    # the steward's records (a probe of the steward's month)
    ("steward", "/desk/owner-contacts?period=2026-11&kind=steward_contact", "owner-contacts", "owner_contacts",
     {"period": "2026-11", "kind": "steward_contact"}),
    ("steward", "/desk/vacant-inspections?period=2026-11", "vacant-inspections", "vacant_inspections",
     {"period": "2026-11"}),
]


@pytest.mark.parametrize("role, page, route, resource, filters", LISTS, ids=[f"{r[3]}-{r[0]}" for r in LISTS])
def test_each_list_exports_with_its_current_filters(client, fake, documented_routes, role, page, route, resource,
                                                    filters):
    sign_in(client, fake, roles=(role,))
    fake.on("GET", rf"{BASE}/{route}", {"items": [], "next_cursor": None})
    fake.on("GET", rf"{BASE}/households", {"items": [], "next_cursor": None})
    html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'name="resource" value="{resource}"' in html and "Export CSV" in html and "Export XLSX" in html
    # what the page's form carries: its filters as hidden inputs
    form = html.split(f'name="resource" value="{resource}"')[1].split("</form>")[0]
    for name, value in filters.items():
        assert f'name="filter.{name}" value="{value}"' in form
    fake.on("POST", rf"{BASE}/exports", (202, job("queued")))
    answer = client.post("/exports/", data={
        "csrf_token": csrf_of(client), "idempotency_key": "exp-1", "resource": resource, "format": "xlsx",
        "back": page, **{f"filter.{name}": value for name, value in filters.items()}})
    assert answer.status_code == 302 and "/exports/job_finance_1" in answer.headers["Location"]
    [sent] = [c for c in fake.calls if c["path"].endswith("/exports")]
    assert sent["json"] == {"resource": resource, "format": "xlsx", "language": "zh",
                            **({"filters": filters} if filters else {})}
    assert sent["headers"]["Idempotency-Key"] == "exp-1"
    _only_documented(fake, documented_routes)


def test_the_progress_page_follows_the_job_and_offers_the_file_when_done(client, fake, documented_routes):
    sign_in(client, fake, roles=("accountant",))
    fake.on("GET", r"/api/v1/jobs/job_finance_1", job("running"))
    page = client.get("/exports/job_finance_1?back=/accounts/bills", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-job-reload" in html and "10 / 40" in html and "Running" in html
    assert "status=unpaid" in html and "/exports/job_finance_1/file" not in html
    assert 'href="/accounts/bills"' in html
    fake.on("GET", r"/api/v1/jobs/job_finance_1", DONE)
    html = client.get("/exports/job_finance_1", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "/exports/job_finance_1/file" in html and "下载文件" in html and "bills-2026-11-30.csv" in html
    assert "data-job-reload" not in html
    _only_documented(fake, documented_routes)


def test_the_file_is_streamed_from_the_gateway_with_the_users_token(client, fake, documented_routes):
    token = sign_in(client, fake, roles=("accountant",))
    content = b"PK\x03\x04" + bytes(range(256)) * 600  # more than one part
    fake.on("GET", rf"{BASE}/exports/job_finance_1/file", FakeFile(content, XLSX, "bills.xlsx"))
    answer = client.get("/exports/job_finance_1/file")
    assert answer.status_code == 200 and answer.data == content
    assert answer.headers["Content-Type"] == XLSX
    assert answer.headers["Content-Disposition"] == "attachment; filename*=UTF-8''bills.xlsx"
    assert answer.headers["Cache-Control"] == "no-store"
    [call] = [c for c in fake.calls if c["path"].endswith("/file")]
    assert call["stream"] is True and call["headers"]["Authorization"] == f"Bearer {token}"
    _only_documented(fake, documented_routes)


def test_an_expired_link_or_a_refused_export_shows_the_problem(client, fake):
    sign_in(client, fake, roles=("accountant",))
    fake.on("GET", rf"{BASE}/exports/job_finance_1/file", problem(410, "Gone", "the export's link has expired",
                                                                   "gone"))
    answer = client.get("/exports/job_finance_1/file")
    assert answer.status_code == 410 and "the export&#39;s link has expired" in answer.get_data(as_text=True)
    fake.on("GET", rf"{BASE}/bills", {"items": [], "next_cursor": None})
    fake.on("GET", rf"{BASE}/households", {"items": [], "next_cursor": None})
    refusal = [{"field": "filters.colour", "message": "is not a filter of this list"}]
    fake.on("POST", rf"{BASE}/exports", problem(400, "Invalid input", "", "invalid_input", refusal))
    answer = client.post("/exports/", data={"csrf_token": csrf_of(client), "resource": "bills", "format": "csv",
                                            "filter.colour": "red", "back": "/accounts/bills"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/accounts/bills")
    html = client.get("/accounts/bills").get_data(as_text=True)
    assert "不是此列表的筛选条件" in html and "req-problem-42" in html


def test_going_back_stays_on_the_console(client, fake):
    sign_in(client, fake, roles=("accountant",))
    answer = client.post("/exports/", data={"csrf_token": csrf_of(client), "resource": "secrets", "format": "csv",
                                            "back": "//evil.example/x"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert not [c for c in fake.calls if c["path"].endswith("/exports")]


def test_the_progress_page_names_the_household_filtered_on_by_its_flat(client, fake):
    """An export of a household's payments said ``household_id=hh_1`` (review)."""
    sign_in(client, fake, roles=("accountant",))
    fake.on("GET", r"/api/v1/jobs/job_finance_1",
            job("running", params={"resource": "payments", "format": "csv", "filters": {"household_id": "hh_1"}}))
    fake.on("GET", rf"{BASE}/households/hh_1", {"id": "hh_1", "building": "3", "unit": "1", "room": "1202"})
    html = client.get("/exports/job_finance_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Filters: Household 3-1-1202" in html and "hh_1" not in html
    fake.on("GET", rf"{BASE}/households/hh_1", problem(404, "not found", code="not_found"))
    html = client.get("/exports/job_finance_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<code>household_id=hh_1</code>" in html, "one that cannot be read, as it was"


@pytest.mark.parametrize("headers, cookie, language", [({"Accept-Language": "en-GB"}, None, "en"),
                                                       ({"Accept-Language": "en"}, "zh", "zh"),
                                                       ({}, None, "zh")])
def test_an_export_is_asked_in_the_users_language(client, fake, headers, cookie, language):
    """The front desk in Chinese read occupied, 21002 and times eight hours off in the file (the
    brief): the console asks the API for it in the language its pages are read in (the switch's
    cookie, else the browser's), and the API writes headings, labels, yuan and the estate's clock."""
    sign_in(client, fake, roles=("accountant",))
    if cookie:
        client.set_cookie("console_lang", cookie)
    fake.on("POST", rf"{BASE}/exports", (202, job("queued")))
    answer = client.post("/exports/", headers=headers, data={
        "csrf_token": csrf_of(client), "resource": "bills", "format": "csv", "back": "/accounts/bills"})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["path"].endswith("/exports")]
    assert sent["json"] == {"resource": "bills", "format": "csv", "language": language}


def test_a_pieces_page_exports_its_records_for_the_inspector(client, fake, documented_routes):
    """电梯维修记录 for the special-equipment inspector: a lift's page exports its inspections, maintenance and
    repairs (the estate's equipment_records filtered on it), where only the work orders had a file, without
    the records typed by hand (found by h6, a probe of a lift's year)."""
    sign_in(client, fake, roles=("technician",))
    lift = {"id": "eq_1", "estate_id": ESTATE, "code": "LIFT-2A", "name": "2号楼A梯", "system": "elevator",
            "location": "2号楼", "installed_on": None, "created_at": STAMP, "updated_at": STAMP, "custom": {}}
    fake.on("GET", rf"{BASE}/equipment/eq_1/records", {"items": [], "next_cursor": None})
    fake.on("GET", rf"{BASE}/equipment/eq_1", lift)
    html = client.get("/engineering/equipment/eq_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    form = html.split('name="resource" value="equipment_records"')[1].split("</form>")[0]
    assert 'name="filter.equipment_id" value="eq_1"' in form and "Export CSV" in form
    fake.on("POST", rf"{BASE}/exports", (202, job("queued")))
    answer = client.post("/exports/", data={
        "csrf_token": csrf_of(client), "idempotency_key": "exp-lift", "resource": "equipment_records",
        "format": "xlsx", "back": "/engineering/equipment/eq_1", "filter.equipment_id": "eq_1"})
    assert answer.status_code == 302 and "/exports/job_finance_1" in answer.headers["Location"]
    [sent] = [c for c in fake.calls if c["path"].endswith("/exports")]
    assert sent["json"] == {"resource": "equipment_records", "format": "xlsx", "language": "zh",
                            "filters": {"equipment_id": "eq_1"}}
    _only_documented(fake, documented_routes)
