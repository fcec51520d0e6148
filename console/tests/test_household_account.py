"""A household's account in the console (对账单): its unpaid total and prepaid balance on the
household's page and on the payment form, for the roles that read the account, and its printable
statement of a range of months. The prepaid balance was shown only on the receipt that made it
(a probe of month-end accounts)."""
import re

from console.views.common import this_month

from .conftest import ESTATE, csrf_of, problem, sign_in
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


HOLD = {"id": "sph_1", "estate_id": ESTATE, "household_id": "hh_1", "owner_since": "2026-11-20",
        "amount_cents": 50000, "payments": [{"payment_id": "pay_1", "amount_cents": 50000}], "status": "held",
        "held_at": "2026-11-21T02:00:00Z", "created_at": "2026-11-21T02:00:00Z"}


def test_the_sellers_prepaid_money_held_at_a_sale_is_refunded_or_carried_over_from_the_statement(
        client, fake, documented_routes):
    """The seller's prepaid money held apart at the sale (finance's seller_prepaid): shown on the
    household's statement with what the accountant does with it, each asking for its box first."""
    from .conftest import csrf_of
    sign_in(client, fake, username="amy", roles=("accountant",))
    _household(fake)
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "seller_prepaid": [HOLD]})
    fake.on("POST", rf"{BASE}/seller-prepaid/sph_1/carry-over",
            {**HOLD, "status": "carried_over", "carry_over": {"reason": "买卖合同约定", "by": "amy",
                                                             "at": "2026-11-22T02:00:00Z"}})
    fake.on("POST", rf"{BASE}/seller-prepaid/sph_1/refund",
            {**HOLD, "status": "refunded", "refund": {"id": "r", "status": "refunded", "amount_cents": 50000,
                                                      "method": "transfer", "note": None, "by": "amy",
                                                      "at": "2026-11-22T02:00:00Z", "day": "2026-11-22"}})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert 'id="seller-prepaid"' in page and "卖方预收款" in page and "¥500.00" in page and "2026-11-20" in page
    assert "/accounts/seller-prepaid/sph_1/refund" in page and "/accounts/seller-prepaid/sph_1/carry-over" in page
    unticked = client.post("/accounts/seller-prepaid/sph_1/carry-over", data={
        "csrf_token": csrf_of(client), "reason": "买卖合同约定", "household_id": "hh_1", "idempotency_key": "k1"})
    posts = lambda: [c for c in fake.calls if c["method"] == "POST" and "/seller-prepaid/" in c["path"]]  # noqa: E731
    assert unticked.status_code == 302 and posts() == []
    carried = client.post("/accounts/seller-prepaid/sph_1/carry-over", data={
        "csrf_token": csrf_of(client), "reason": "买卖合同约定", "household_id": "hh_1", "idempotency_key": "k1",
        "confirm": "yes"})
    assert carried.status_code == 302 and carried.location.endswith("/accounts/households/hh_1/statement")
    [post] = posts()
    assert post["json"] == {"reason": "买卖合同约定"} and post["headers"]["Idempotency-Key"] == "k1"
    refunded = client.post("/accounts/seller-prepaid/sph_1/refund", data={
        "csrf_token": csrf_of(client), "method": "transfer", "note": "", "household_id": "hh_1",
        "idempotency_key": "k2", "confirm": "yes"})
    assert refunded.status_code == 302
    assert posts()[-1]["json"] == {"method": "transfer"}
    _only_documented(fake, documented_routes)
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "seller_prepaid": [{**HOLD, "status": "refunded"}]})
    shown = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert "/accounts/seller-prepaid/sph_1/refund" not in shown and "已退还卖方" in shown
def _refund_select(page, hold_id):
    return re.search(rf'<select id="m-{hold_id}" name="method"[^>]*>(.*?)</select>', page, re.S)


def test_the_sellers_refund_defaults_to_the_method_the_held_money_was_paid_by(client, fake, documented_routes):
    """The refund of a seller's prepaid money offers the method of the payments it came from
    (cash back as cash, a bank payment back to the bank) where they share one, a payment older than
    the statement's months read by itself; payments of several methods, or one that cannot be read,
    default to none, the accountant choosing (review r2: it defaulted to cash whatever was paid)."""
    sign_in(client, fake, username="amy", roles=("accountant",))
    _household(fake)
    shown = {**ACCOUNT["payments"][0], "method": "bank"}
    older = {**shown, "id": "pay_0", "receipt_number": "RC-2025-000001", "day": "2025-06-01"}
    fake.on("GET", rf"{BASE}/payments/pay_0", older)
    held = {**HOLD, "payments": [{"payment_id": "pay_1", "amount_cents": 30000},
                                 {"payment_id": "pay_0", "amount_cents": 20000}]}
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "payments": [shown], "seller_prepaid": [held]})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    select = _refund_select(page, "sph_1")
    assert select and re.search(r'<option value="bank" selected>', select.group(1))
    assert 'value="cash" selected' not in select.group(1) and 'value=""' not in select.group(1)
    _only_documented(fake, documented_routes)

    fake.on("GET", rf"{BASE}/payments/pay_0", {**older, "method": "cash"})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    select = _refund_select(page, "sph_1")
    assert select and "selected" not in select.group(1).replace('value="" selected', "")
    assert re.search(r'<option value="" selected', select.group(1)) and "required" in select.group(0)

    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "payments": [], "seller_prepaid": [{**HOLD, "payments": [
        {"payment_id": "pay_gone", "amount_cents": 50000}]}]})
    fake.on("GET", rf"{BASE}/payments/pay_gone", problem(404, "not found", code="not_found"))
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    select = _refund_select(page, "sph_1")
    assert select and re.search(r'<option value="" selected', select.group(1)), "unknown: no default"
    assert 'value="cash" selected' not in select.group(1)


CYCLE = {"id": "bc_1", "estate_id": ESTATE, "household_id": "hh_1", "item": "property_service", "cycle": "quarterly",
         "valid_from": "2027-01", "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-01T02:00:00Z",
         "cycles": [{"cycle": "quarterly", "valid_from": "2027-01", "set_at": "2026-12-01T02:00:00Z", "set_by": "amy"}]}


def test_the_accountant_sets_a_household_s_billing_cycle_on_its_statement(client, fake, documented_routes):
    """按季缴费: a household pays the estate's monthly standard by the quarter from a month, set where the
    accountant reads its account; its quarter's bill says the months it covers (found by h8: a quarterly
    standard for one named household was a 409 beside every household's monthly one)."""
    sign_in(client, fake, username="amy", roles=("accountant",))
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    quarter = {**ACCOUNT["bills"][0], "id": "bill_q", "period": "2027-01", "covers_from": "2027-01",
               "covers_to": "2027-03", "amount_cents": 63006}
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "bills": [quarter]})
    fake.on("GET", rf"{BASE}/billing-cycles", {"items": [], "next_cursor": None})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert 'id="billing-cycle"' in page and "按月（按本小区的收费标准，未另设）" in page and "按季" in page
    assert "2027-01 至 2027-03" in page  # the quarter's bill, its months
    fake.on("POST", rf"{BASE}/billing-cycles", CYCLE)
    answer = client.post("/accounts/households/hh_1/billing-cycle",
                         data={"cycle": "quarterly", "valid_from": "2027-01", "idempotency_key": "k-1",
                               "csrf_token": csrf_of(client)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/accounts/households/hh_1/statement")
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/billing-cycles")]
    assert sent["json"] == {"household_id": "hh_1", "item": "property_service", "cycle": "quarterly",
                            "valid_from": "2027-01"}
    fake.on("GET", rf"{BASE}/billing-cycles", {"items": [CYCLE], "next_cursor": None})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert "缴费周期已设置" in page and "自 2027-01 起按季" in page
    _only_documented(fake, documented_routes)


def test_a_cycle_over_months_billed_is_refused_on_the_statement(client, fake):
    sign_in(client, fake, username="amy", roles=("accountant",))
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", ACCOUNT_PATH, ACCOUNT)
    fake.on("GET", rf"{BASE}/billing-cycles", {"items": [], "next_cursor": None})
    fake.on("POST", rf"{BASE}/billing-cycles", problem(
        422, "rule refused", "the household's bills cover that month already", "rule",
        [{"field": "valid_from", "message": "the household's property_service bills cover it through 2026-11: "
                                                  "its cycle starts at 2026-12 at the earliest"}]))
    answer = client.post("/accounts/households/hh_1/billing-cycle", data={"cycle": "quarterly", "valid_from": "2026-11",
                                                                              "csrf_token": csrf_of(client)},
                         follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert "该房屋的账单已覆盖该月" in html and "缴费周期最早从 2026-12 开始" in html


def test_a_cashier_reads_the_statement_without_the_cycle_s_form(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", ACCOUNT_PATH, ACCOUNT)
    fake.on("GET", rf"{BASE}/billing-cycles", {"items": [CYCLE], "next_cursor": None})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert "自 2027-01 起按季" in page and "设置缴费周期" not in page


def test_the_prepaid_balance_says_the_part_paid_ahead_for_one_fee_item(client, fake):
    """The account said ¥295.00 prepaid beside a parking bill owed, and the desk could not tell the
    owner why his money did not pay it: it was paid ahead for the property fee (预交), which it pays
    alone (found by review r5 of h5). The part bound to an item is said beside the balance, on the
    household's page, the payment form and the statement, in both languages."""
    bound = {**ACCOUNT, "prepaid_for_cents": {"property_service": 29500}}
    sign_in(client, fake, username="amy", roles=("accountant",))
    _household(fake)
    fake.on("GET", rf"{BASE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", rf"{BASE}/bills", {"items": [], "next_cursor": None})
    fake.on("GET", ACCOUNT_PATH, bound)
    for path in ("/households/hh_1", "/accounts/households/hh_1/statement"):
        page = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        said = page.split("data-prepaid-for>")[1].split("<")[0]
        assert "¥295.00" in said and "只缴物业服务费" in said, path
    english = client.get("/accounts/households/hh_1/statement", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "for Property service alone" in english.split("data-prepaid-for>")[1].split("<")[0]
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "prepaid_for_cents": {}})
    assert "data-prepaid-for" not in client.get("/accounts/households/hh_1/statement").get_data(as_text=True)


def test_the_sellers_money_taken_back_from_the_buyers_bills_is_said_beside_the_hold(client, fake, documented_routes):
    """A sale that reached finance after a run had spent the seller's prepaid money on the buyer's bill (h8): the
    hold says how much of it was taken back from those bills, the buyer owing them again."""
    sign_in(client, fake, username="amy", roles=("accountant",))
    _household(fake)
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "seller_prepaid": [
        {**HOLD, "taken_back": [{"bill_id": "bill_11", "amount_cents": 21002}]}]})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert "其中从买方账单退回 ¥210.02" in page and "¥500.00" in page
