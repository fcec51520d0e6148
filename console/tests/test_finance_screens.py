"""The finance screens that came with the finance API: fee standards' applicability, deposits, prepaid
utilities, invoices, the special maintenance fund, operating expenses and the published disclosure."""
from .conftest import ESTATE, csrf_of, problem, sign_in

HOUSEHOLD = {"id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1202", "area_m2": 90,
             "status": "occupied", "owner": {"name": "Li Lei", "phone": "138****0000"},
             "created_at": "2020-01-01T00:00:00Z", "version": 1}
OTHER = {**HOUSEHOLD, "id": "hh_2", "room": "1203"}
STANDARD = {"id": "fs_1", "estate_id": ESTATE, "item": "parking", "name": "Garage", "basis": "fixed",
            "unit_price_cents_per_m2": None, "amount_cents": 30000, "cycle": "monthly", "valid_from": "2026-11",
            "valid_to": None, "status": "approved", "created_at": "2026-11-01T00:00:00Z",
            "approved_at": "2026-11-01T01:00:00Z",
            "applies_to": {"statuses": ["occupied"], "household_ids": ["hh_1"], "min_area_m2": 50,
                           "max_area_m2": None}}
PENDING = {**STANDARD, "id": "fs_2", "status": "pending", "approved_at": None, "name": "Garage 2027",
           "applies_to": None}


def _households(fake):
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [HOUSEHOLD, OTHER], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)


def _posts(fake, ending):
    return [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith(ending)]


def test_a_standard_shows_whom_it_applies_to_and_a_new_version_starts_from_it(client, fake):
    _households(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/fee-standards", {"items": [STANDARD, PENDING], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/fee-standards", (201, PENDING))
    sign_in(client, fake, username="acc", roles=("accountant",))
    page = client.get("/accounts/fee-standards").get_data(as_text=True)
    assert "已入住" in page and "3-1-1202" in page and "50 – ∞ ㎡" in page  # statuses, households, area
    assert "全部房屋" in page  # the pending one applies to every household
    version = client.get("/accounts/fee-standards?from=fs_1").get_data(as_text=True)
    assert 'value="occupied" checked' in version and ">3-1-1202</textarea>" in version
    assert 'id="min_area" name="min_area" inputmode="decimal" value="50"' in version
    answer = client.post("/accounts/fee-standards", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k-fs", "item": "parking", "basis": "fixed",
        "price": "300", "cycle": "monthly", "valid_from": "2027-01", "statuses": ["occupied", "renovating"],
        "min_area": "50", "max_area": "120.5", "households": "3-1-1202, hh_9\n3-1-1203"})
    assert answer.status_code == 302
    post = _posts(fake, "/fee-standards")[-1]
    assert post["json"] == {"item": "parking", "cycle": "monthly", "amount_cents": 30000, "valid_from": "2027-01",
                            "applies_to": {"statuses": ["occupied", "renovating"], "min_area_m2": 50,
                                           "max_area_m2": 120.5, "household_ids": ["hh_1", "hh_9", "hh_2"]}}
    assert post["headers"]["Idempotency-Key"] == "k-fs"


def test_an_unknown_household_or_a_wrong_area_is_named_before_any_call(client, fake):
    _households(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/fee-standards", {"items": [], "next_cursor": None})
    sign_in(client, fake, username="acc", roles=("accountant",))
    base = {"csrf_token": csrf_of(client), "item": "parking", "basis": "fixed", "price": "300", "cycle": "monthly"}
    answer = client.post("/accounts/fee-standards", data={**base, "households": "9-9-999"})
    assert answer.status_code == 400
    assert 'class="field-error">找不到房屋 9-9-999' in answer.get_data(as_text=True)
    answer = client.post("/accounts/fee-standards", data={**base, "min_area": "big"})
    assert answer.status_code == 400 and 'class="field-error">面积须为数字' in answer.get_data(as_text=True)
    assert not _posts(fake, "/fee-standards")


def test_the_apis_field_error_on_applies_to_is_shown_by_its_field(client, fake):
    _households(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/fee-standards", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/fee-standards",
            problem(422, "rule refused", "a periodic parking standard names its households", code="rule",
                    errors=[{"field": "applies_to.household_ids", "message": "name the households"}]))
    sign_in(client, fake, username="acc", roles=("accountant",))
    answer = client.post("/accounts/fee-standards", data={"csrf_token": csrf_of(client), "item": "parking",
                                                          "basis": "fixed", "price": "300", "cycle": "monthly"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'class="field-error">name the households' in page
    assert "req-problem-42" in page


def test_an_overlapping_approval_is_refused_on_its_row(client, fake):
    _households(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/fee-standards", {"items": [STANDARD, PENDING], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/fee-standards/fs_2/approve",
            problem(409, "conflict", "overlaps the approved parking standard fs_1: it starts before it",
                    errors=[{"field": "id", "message": "overlaps approved standard fs_1"}]))
    sign_in(client, fake, username="mia", roles=("manager",))
    answer = client.post("/accounts/fee-standards/fs_2/approve", data={"csrf_token": csrf_of(client)})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    row = page[page.index('id="fs-fs_2"'):]
    row = row[:row.index("</tr>")]
    assert 'class="refused"' in row and "与已审批的收费标准重叠" in row and "overlaps the approved parking" in row
    assert "req-problem-42" in page
