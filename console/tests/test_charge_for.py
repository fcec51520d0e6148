"""What a charge's bill is for, in the reader's language on the estate's clock: the services'
sentences ("parking 2h05m from …", "repair WO-…: …") are English, and Chinese accountants read
them on the bills, the household's statement, the payment form and the receipt. The bill's parts
(``detail``, ``ChargeDetail``) are worded here; a bill without them shows its sentence as it is."""
import jsonschema
import pytest
from flask import session

from console import i18n

from .conftest import ESTATE, openapi_spec, sign_in
from .test_household_account import ACCOUNT, ACCOUNT_PATH

BILL = {"estate_id": ESTATE, "household_id": "hh_1", "period": "2026-11", "paid_cents": 0,
        "due_at": "2026-12-08T02:00:00Z", "status": "unpaid", "created_at": "2026-11-23T02:00:00Z",
        "updated_at": "2026-11-23T02:00:00Z"}
PARKED = {**BILL, "id": "bill_p", "item": "parking", "amount_cents": 1500,
          "description": "parking 2h05m from 2026-11-23 09:00",
          "detail": {"kind": "parking", "entered_at": "2026-11-23T01:00:00Z", "exited_at": "2026-11-23T03:05:00Z",
                     "minutes": 125},
          "source": {"kind": "charge", "service": "security_patrol", "charge_id": "ps_1",
                     "subject": {"type": "parking_session", "id": "ps_1"}}}
REPAIRED = {**BILL, "id": "bill_r", "item": "repair", "amount_cents": 4500,
            "description": "repair WO-2026-000009: kitchen tap leaks",
            "detail": {"kind": "repair", "work_order_id": "wo_9", "work_order_number": "WO-2026-000009",
                       "title": "厨房水龙头漏水"},
            "source": {"kind": "charge", "service": "maintenance", "charge_id": "wo_9",
                       "subject": {"type": "work_order", "id": "wo_9"}}}
OLD = {**REPAIRED, "id": "bill_o", "description": "repair WO-2026-000001: lift stuck"}
del OLD["detail"]
RENOVATION = {**BILL, "id": "bill_m", "item": "renovation_management", "amount_cents": 44685,
              "description": "Renovation management fee: 89.37 m² × 5.00 CNY/m²",
              "detail": {"kind": "renovation_management", "pricing": "per_m2", "area_m2": 89.37, "cents_per_m2": 500}}
FIXED = {**RENOVATION, "id": "bill_f", "description": "Renovation management fee: 800.00 CNY (fixed)",
         "detail": {"kind": "renovation_management", "pricing": "fixed"}}
DEPOSIT = {**BILL, "id": "bill_d", "item": "renovation_deposit", "amount_cents": 200000,
           "description": "Renovation deposit", "detail": {"kind": "renovation_deposit"}}
RUN = {**BILL, "id": "bill_s", "item": "property_service", "amount_cents": 21002,
       "source": {"kind": "billing_run", "job_id": "job_1", "standard_id": "fs_1"}}
ALL = [PARKED, REPAIRED, OLD, RENOVATION, FIXED, DEPOSIT, RUN]


@pytest.mark.parametrize("bill", ALL, ids=lambda b: b["id"])
def test_the_bills_here_are_shaped_as_openapi_says(bill):
    spec = openapi_spec()
    jsonschema.Draft202012Validator({"$ref": "#/components/schemas/Bill", "components": spec["components"]}).validate(bill)


def words(app, bill, language, zone="Asia/Shanghai"):
    with app.test_request_context():
        from flask import g
        g.language = language
        session.update({"estate_id": ESTATE, "estate_timezone": zone})
        return i18n.charge_for(bill)


def test_a_charge_is_worded_from_its_parts_in_either_language(app):
    assert words(app, PARKED, "zh") == "停车 2 小时 5 分钟：2026-11-23 09:00 至 11:05"
    assert words(app, PARKED, "en") == "Parked 2 h 5 min: 23 Nov 2026 09:00 to 11:05"
    assert words(app, REPAIRED, "zh") == "维修工单 WO-2026-000009：厨房水龙头漏水"
    assert words(app, REPAIRED, "en") == "Repair, work order WO-2026-000009: 厨房水龙头漏水"  # the order's own text
    assert words(app, RENOVATION, "zh") == "89.37 ㎡ × ¥5.00/㎡"
    assert words(app, RENOVATION, "en") == "89.37 m² × ¥5.00 per m²"
    assert words(app, FIXED, "zh") == "固定金额，不按面积"
    assert words(app, DEPOSIT, "zh") == ""  # its item, 装修押金, says it all
    assert words(app, RUN, "zh") == ""      # its item and period say it


def test_a_stay_is_on_the_estates_clock_and_one_over_midnight_names_both_days(app):
    assert words(app, PARKED, "zh", "America/Los_Angeles") == "停车 2 小时 5 分钟：2026-11-22 17:00 至 19:05"
    overnight = {**PARKED, "detail": {**PARKED["detail"], "exited_at": "2026-11-23T17:30:00Z", "minutes": 990}}
    assert words(app, overnight, "zh") == "停车 16 小时 30 分钟：2026-11-23 09:00 至 2026-11-24 01:30"
    short = {**PARKED, "detail": {**PARKED["detail"], "exited_at": "2026-11-23T01:45:00Z", "minutes": 45}}
    assert words(app, short, "en") == "Parked 45 min: 23 Nov 2026 09:00 to 09:45"


def test_a_whole_hours_stay_reads_without_its_zero_minutes(app):
    """A stay of whole hours read "2 小时 0 分钟" / "2 h 0 min" (a review)."""
    two_hours = {**PARKED, "detail": {**PARKED["detail"], "exited_at": "2026-11-23T03:00:00Z", "minutes": 120}}
    assert words(app, two_hours, "zh") == "停车 2 小时：2026-11-23 09:00 至 11:00"
    assert words(app, two_hours, "en") == "Parked 2 h: 23 Nov 2026 09:00 to 11:00"
    with app.test_request_context():
        from flask import g
        g.language = "zh"
        assert [i18n.duration(m) for m in (0, 59, 60, 61, 1440)] == ["0 分钟", "59 分钟", "1 小时", "1 小时 1 分钟", "24 小时"]


def test_a_bill_without_parts_or_of_a_kind_not_known_here_shows_the_services_sentence(app):
    assert words(app, OLD, "zh") == "repair WO-2026-000001: lift stuck"
    newer = {**PARKED, "detail": {"kind": "water_meter", "reading": 12}}
    assert words(app, newer, "zh") == "parking 2h05m from 2026-11-23 09:00"


def test_the_bills_list_says_what_each_charge_is_for(client, fake):
    sign_in(client, fake, username="acc", roles=("accountant",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills", {"items": ALL, "next_cursor": None})
    page = client.get("/accounts/bills").get_data(as_text=True)
    assert "停车 2 小时 5 分钟：2026-11-23 09:00 至 11:05" in page and "维修工单 WO-2026-000009：厨房水龙头漏水" in page
    assert "parking 2h05m" not in page and "repair WO-2026-000001: lift stuck" in page
    assert page.count("data-charge-for") == 5  # parking, two repairs, two management fees
    english = client.get("/accounts/bills", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Parked 2 h 5 min: 23 Nov 2026 09:00 to 11:05" in english


def test_the_statement_the_payment_form_and_the_receipt_say_it_too(client, fake):
    sign_in(client, fake, username="amy", roles=("accountant", "cashier"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1$",
            {"id": "hh_1", "estate_id": ESTATE, "building": "5", "unit": "1", "room": "1801", "area_m2": 90,
             "status": "occupied", "owner": {"name": "Li Lei", "phone": "138****0000"},
             "created_at": "2020-01-01T00:00:00Z", "version": 1})
    fake.on("GET", ACCOUNT_PATH, {**ACCOUNT, "bills": [PARKED, OLD]})
    page = client.get("/accounts/households/hh_1/statement").get_data(as_text=True)
    assert "停车 2 小时 5 分钟：2026-11-23 09:00 至 11:05" in page and "repair WO-2026-000001: lift stuck" in page
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills", {"items": [REPAIRED], "next_cursor": None})
    page = client.get("/accounts/payments/new?household_id=hh_1").get_data(as_text=True)
    assert "维修工单 WO-2026-000009：厨房水龙头漏水" in page
    payment = {"id": "pay_1", "household_id": "hh_1", "amount_cents": 6000, "method": "wechat",
               "receipt_number": "RC-2026-000001", "status": "posted", "cashier": "carol",
               "receipt": {"number": "RC-2026-000001", "issued_at": "2026-11-30T02:00:00Z", "household_id": "hh_1",
                           "amount_cents": 6000, "method": "wechat", "prepaid_cents": 0,
                           "bills": [{"bill_id": "bill_p", "amount_cents": 1500}, {"bill_id": "bill_r", "amount_cents": 4500}]}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/payments/pay_1$", payment)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills/bill_p$", PARKED)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills/bill_r$", REPAIRED)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/invoices", {"items": [], "next_cursor": None})
    receipt = client.get("/accounts/payments/pay_1/receipt", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Parked 2 h 5 min: 23 Nov 2026 09:00 to 11:05" in receipt
    assert "Repair, work order WO-2026-000009: 厨房水龙头漏水" in receipt
