"""The console's finance screens against the real system: the console (in process, Flask's test client)
calls the real gateway over HTTP with each person's own token, as it does when deployed. What the
fake gateway of console/tests cannot tell: the answers' real shapes, the roles, and the refusals."""
import re
import time
import uuid

import pytest
import requests

from console.app import create_app

from .flows import STAFF_PASSWORD, eventually, new_estate, new_household, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture(scope="module")
def office(system, api, admin):
    estate = new_estate(api, admin, name="Console Court")
    households = [new_household(api, admin, estate["id"], room=room, area_m2=90, building="7")
                  for room in ("101", "102")]
    staff = {role: new_user(api, admin, [role], [estate["id"]])[0] for role in ("accountant", "manager", "cashier")}
    period = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))  # this month, estate time
    year, month = map(int, period.split("-"))
    app = create_app({"GATEWAY_URL": system.url, "PUBLIC_GATEWAY_URL": system.url,
                      "SECRET_KEY": uuid.uuid4().hex, "TESTING": True})
    return {"estate": estate, "households": households, "staff": staff, "period": period, "app": app,
            "last": f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"}


def console_as(office, role):
    """A console browser session signed in as the office's ``role``, with its CSRF token."""
    client = office["app"].test_client()
    client.get("/signin")
    with client.session_transaction() as session:
        csrf = session["csrf_token"]
    answer = client.post("/signin", data={"username": office["staff"][role], "password": STAFF_PASSWORD,
                                          "csrf_token": csrf})
    assert answer.status_code == 302, answer.data
    client.get("/signin")  # signing in starts a new session: the forms' token is drawn again
    with client.session_transaction() as session:
        csrf = session["csrf_token"]
    return client, csrf


def until_done(post, seconds=20):
    """Post a form again (same Idempotency-Key) while finance waits for its copy of a new household (422)."""
    return eventually(lambda: (lambda answer: answer if answer.status_code != 422 else None)(post()), seconds)


def test_standards_with_their_households_and_an_overlapping_approval_refused_on_its_row(office):
    accountant, csrf = console_as(office, "accountant")
    manager, manager_csrf = console_as(office, "manager")
    form = {"csrf_token": csrf, "item": "parking", "basis": "fixed", "price": "150", "cycle": "monthly",
            "valid_from": office["period"], "name": "Garage A", "households": "7-1-101"}
    assert accountant.post("/accounts/fee-standards", data={**form, "idempotency_key": uuid.uuid4().hex}) \
        .status_code == 302
    assert accountant.post("/accounts/fee-standards", data={**form, "name": "Garage AB",
                                                            "households": "7-1-101\n7-1-102",
                                                            "idempotency_key": uuid.uuid4().hex}).status_code == 302
    page = manager.get("/accounts/fee-standards").get_data(as_text=True)
    assert page.count("7-1-101") == 2 and "7-1-102" in page
    ids = dict(re.findall(r'id="fs-([^"]+)".*?<td>[^<]*</td><td>(Garage A|Garage AB)</td>', page, re.S))
    ids = {name: standard for standard, name in ids.items()}
    assert manager.post(f"/accounts/fee-standards/{ids['Garage A']}/approve",
                        data={"csrf_token": manager_csrf}).status_code == 302
    refused = manager.post(f"/accounts/fee-standards/{ids['Garage AB']}/approve", data={"csrf_token": manager_csrf})
    assert refused.status_code == 409
    row = refused.get_data(as_text=True).split(f'id="fs-{ids["Garage AB"]}"')[1].split("</tr>")[0]
    # the approved one named as the page shows it (its name and first month), not by its id
    assert 'class="refused"' in row and f"“Garage A”（{office['period']} 起）" in row and ids["Garage A"] not in row


def test_a_top_up_opens_its_receipt_and_a_reading_lowers_the_balance(office):
    cashier, csrf = console_as(office, "cashier")
    key = uuid.uuid4().hex
    answer = until_done(lambda: cashier.post("/accounts/utilities/top-ups", data={
        "csrf_token": csrf, "idempotency_key": key, "household": "7-1-101", "utility": "electricity",
        "amount": "100", "method": "wechat"}))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    receipt = cashier.get(answer.location).get_data(as_text=True)
    assert re.search(r"RC-\d{4}-\d{6}", receipt) and "¥100.00" in receipt
    accountant, csrf = console_as(office, "accountant")
    answer = accountant.post("/accounts/utilities/usages", data={
        "csrf_token": csrf, "idempotency_key": uuid.uuid4().hex, "household": "7-1-101", "utility": "electricity",
        "amount": "30", "reading_id": "e-1"})
    assert answer.status_code == 302
    assert "¥70.00" in accountant.get("/accounts/utilities").get_data(as_text=True)
    too_much = accountant.post("/accounts/utilities/usages", data={
        "csrf_token": csrf, "household": "7-1-101", "utility": "electricity", "amount": "500", "reading_id": "e-2"})
    assert too_much.status_code == 422 and 'class="problem"' in too_much.get_data(as_text=True)


def test_an_invoice_on_a_payment_from_its_receipt_and_voided_from_the_list(office):
    cashier, csrf = console_as(office, "cashier")
    household = office["households"][1]["id"]
    key = uuid.uuid4().hex
    # a refused payment goes back to its form (302 too): again until finance has the household
    paid = eventually(lambda: (lambda answer: answer if "/receipt" in answer.location else None)(
        cashier.post("/accounts/payments", data={"csrf_token": csrf, "idempotency_key": key,
                                                 "household_id": household, "amount": "80", "method": "cash"})))
    asked = cashier.post(paid.location.replace("/receipt", "/invoices"), data={
        "csrf_token": csrf, "idempotency_key": uuid.uuid4().hex, "buyer_name": "陈小明", "amount": "50"})
    receipt = cashier.get(asked.location).get_data(as_text=True)
    number = re.search(r"FP-\d{4}-\d{6}", receipt)
    assert number, receipt
    accountant, csrf = console_as(office, "accountant")
    listed = accountant.get("/accounts/invoices?status=issued").get_data(as_text=True)
    assert number.group(0) in listed
    invoice_id = re.search(r"/accounts/invoices/([^/]+)/void", listed).group(1)
    voided = accountant.post(f"/accounts/invoices/{invoice_id}/void", data={"csrf_token": csrf,
                                                                          "reason": "wrong title", "confirm": "yes"})
    assert voided.status_code == 302
    assert "wrong title" in accountant.get("/accounts/invoices?status=voided").get_data(as_text=True)


def test_the_fund_deposit_a_use_approved_and_the_statement(office):
    accountant, csrf = console_as(office, "accountant")
    assert accountant.post("/accounts/maintenance-fund/deposits", data={
        "csrf_token": csrf, "idempotency_key": uuid.uuid4().hex, "source": "developer", "amount": "5000",
        "method": "bank"}).status_code == 302
    assert accountant.post("/accounts/maintenance-fund/uses", data={
        "csrf_token": csrf, "idempotency_key": uuid.uuid4().hex, "amount": "1200",
        "purpose": "lift traction rope"}).status_code == 302
    manager, manager_csrf = console_as(office, "manager")
    page = manager.get("/accounts/maintenance-fund?status=requested").get_data(as_text=True)
    use = re.search(r"/accounts/maintenance-fund/uses/([^/]+)/approve", page).group(1)
    assert manager.post(f"/accounts/maintenance-fund/uses/{use}/approve", data={
        "csrf_token": manager_csrf, "consent_ref": "vote 1"}).status_code == 302
    statement = accountant.get(f"/accounts/maintenance-fund/statement?period={office['period']}")
    assert statement.status_code == 200 and "¥3,800.00" in statement.get_data(as_text=True)


def test_expenses_a_published_disclosure_and_the_owners_link(office):
    accountant, csrf = console_as(office, "accountant")
    last = office["last"]
    answer = accountant.post("/accounts/operating-expenses", data={
        "csrf_token": csrf, "idempotency_key": uuid.uuid4().hex, "period": last, "category": "cleaning",
        "amount": "2500", "description": "保洁外包"})
    assert answer.status_code == 302
    page = accountant.get(answer.location).get_data(as_text=True)
    assert "保洁外包" in page and "¥2,500.00" in page and "data-public-link" not in page
    manager, manager_csrf = console_as(office, "manager")
    early = manager.post(f"/accounts/disclosure/{office['period']}/publish",
                         data={"csrf_token": manager_csrf, "period": office["period"], "confirm": "yes"})
    assert early.status_code == 422
    published = manager.post(f"/accounts/disclosure/{last}/publish", data={"csrf_token": manager_csrf,
                                                                           "period": last, "confirm": "yes"})
    assert published.status_code == 302
    page = manager.get(published.location).get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-public-link', page).group(1)
    # the owners' page, which the gateway sends on to the console's portal (no account)
    assert link.endswith(f"/portal/{office['estate']['code']}/disclosures/{last}")
    sent_on = requests.get(link, timeout=30, allow_redirects=False)
    assert sent_on.status_code == 302 and sent_on.headers["Location"].endswith(
        f"/portal/{office['estate']['code']}/disclosures/{last}")
    shown = requests.get(link.replace("/portal/", "/api/v1/public/estates/"), timeout=30)  # what the page reads
    assert shown.status_code == 200 and shown.json()["expenses"]["operating_by_category"] == {"cleaning": 250000}
