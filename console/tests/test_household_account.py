"""A household's account in the console (对账单): its unpaid total and prepaid balance on the
household's page and on the payment form, for the roles that read the account, and its printable
statement of a range of months. The prepaid balance was shown only on the receipt that made it
(a probe of month-end accounts)."""
import re

from console.views.common import this_month

from .conftest import ESTATE, problem, sign_in
from .test_households_screen import BASE, HOUSEHOLD, _household
from .test_registers import _only_documented

ACCOUNT = {"estate_id": ESTATE, "household_id": "hh_1", "building": "5", "unit": "1", "room": "1801",
           "from": "2025-12", "to": "2026-11", "unpaid_cents": 21002, "overdue_cents": 0, "prepaid_cents": 29500,
           "billed_cents": 42004, "received_cents": 50502, "generated_at": "2026-11-30T02:00:00Z",
           "bills": [{"id": "bill_10", "estate_id": ESTATE, "household_id": "hh_1", "item": "property_service",
                      "period": "2026-10", "amount_cents": 21002, "paid_cents": 21002, "due_at": "2026-10-31T16:00:00Z",
                      "status": "paid", "created_at": "2026-10-01T00:00:00Z"},
                     {"id": "bill_11", "estate_id": ESTATE, "household_id": "hh_1", "item": "parking",
                      "period": "2026-11", "amount_cents": 21002, "paid_cents": 0, "due_at": "2026-11-30T16:00:00Z",
                      "status": "unpaid", "created_at": "2026-11-01T00:00:00Z"}],
           "payments": [{"id": "pay_1", "household_id": "hh_1", "receipt_number": "RC-2026-000009",
                         "amount_cents": 50502, "method": "wechat", "status": "posted", "day": "2026-10-20",
                         "unapplied_cents": 29500}]}
ACCOUNT_PATH = rf"{BASE}/households/hh_1/account"


def test_the_household_page_shows_accounts_staff_what_is_owed_and_prepaid(client, fake, documented_routes):
    sign_in(client, fake, username="amy", roles=("accountant",))
    _household(fake)
    fake.on("GET", ACCOUNT_PATH, ACCOUNT)
    page = client.get("/households/hh_1").get_data(as_text=True)
    assert 'id="account"' in page and "预收余额" in page and "¥295.00" in page and "¥210.02" in page
    assert "/accounts/households/hh_1/statement" in page
    _only_documented(fake, documented_routes)
    [read] = [c for c in fake.calls if c["path"].endswith("/account")]
    with client.application.test_request_context():
        month = this_month()
    assert read["params"] == {"from": month, "to": month}, "the totals only: one month's bills, not a year's"


def test_a_role_that_may_not_read_the_account_gets_the_page_without_it(client, fake):
    sign_in(client, fake, roles=("steward",))  # reads bills, not payments: the account is not theirs
    _household(fake)
    fake.on("GET", ACCOUNT_PATH, ACCOUNT)
    page = client.get("/households/hh_1").get_data(as_text=True)
    assert 'id="account"' not in page and "¥295.00" not in page
    assert not [c for c in fake.calls if c["path"].endswith("/account")]


def test_the_payment_form_shows_the_prepaid_balance_beside_the_unpaid_bills(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"{BASE}/bills", {"items": [], "next_cursor": None})
    fake.on("GET", ACCOUNT_PATH, ACCOUNT)
    page = client.get("/accounts/payments/new?household_id=hh_1").get_data(as_text=True)
    assert "没有未缴账单" in page and "预收余额" in page and "¥295.00" in page
    [read] = [c for c in fake.calls if c["path"].endswith("/account")]
    assert read["params"]["from"] == read["params"]["to"]


def test_the_statement_lists_the_ranges_bills_and_payments_printable_in_both_languages(client, fake, documented_routes):
    sign_in(client, fake, username="amy", roles=("accountant",))
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", ACCOUNT_PATH, ACCOUNT)
    page = client.get("/accounts/households/hh_1/statement?from=2025-12&to=2026-11",
                      headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "对账单" in page and "5-1-1801" in page and "物业服务费" in page and "停车费" in page
    assert "RC-2026-000009" in page and "微信" in page and "¥505.02" in page and "¥420.04" in page
    assert "data-print" in page and "property_service" not in page
    assert re.search(r"<title>[^<]*对账单 5-1-1801", page)  # the flat as plain text in the title
    [call] = [c for c in fake.calls if c["path"].endswith("/account")]
    assert call["params"] == {"from": "2025-12", "to": "2026-11"}
    english = client.get("/accounts/households/hh_1/statement", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Statement of account" in english and "Prepaid balance" in english and "Parking" in english
    _only_documented(fake, documented_routes)


def test_a_range_the_api_refuses_is_shown_with_the_form(client, fake):
    sign_in(client, fake, username="amy", roles=("accountant",))
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", ACCOUNT_PATH, problem(422, "rule refused", "the range ends before it begins", "rule",
                                         [{"field": "to", "message": "is before from (2026-11)"}]))
    answer = client.get("/accounts/households/hh_1/statement?from=2026-11&to=2026-10")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "截止月份早于起始月份" in html and 'value="2026-10"' in html
