"""Invoices (发票) without broker or store: what may be invoiced, numbers, voiding."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict
from finance import invoices
from finance.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
NEW_YEAR = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)  # 00:30 on 2027-01-01 in the estate


def payment(status="posted", cents=30000):
    return {"_id": "pay_1", "estate_id": "est_1", "household_id": "hh_1", "receipt_number": "RC-2026-000009",
            "amount_cents": cents, "status": status}


def test_the_invoices_of_a_payment_never_add_up_to_more_than_it():
    assert invoices.check_request(payment(), [], {}) == 30000   # the whole payment unless told
    assert invoices.check_request(payment(), [{"amount_cents": 20000}], {"amount_cents": 10000}) == 10000
    with pytest.raises(BusinessRuleViolation):
        invoices.check_request(payment(), [{"amount_cents": 20000}], {"amount_cents": 10001})


@pytest.mark.parametrize("status", ["pending", "reversal_pending", "reversed"])
def test_only_a_posted_payment_is_invoiced(status):
    with pytest.raises(Conflict):
        invoices.check_request(payment(status), [], {})


def test_the_number_series_is_per_local_year():
    assert invoices.series(NEW_YEAR, RULES) == "invoice:2027"
    assert invoices.number(NEW_YEAR, RULES, 42) == "FP-2027-000042"


def test_an_invoice_is_voided_once_and_a_reversal_waits_for_its_invoices():
    issued = invoices.new_invoice("inv_1", payment(), {"buyer_name": " 陈小明 "}, 30000, "FP-2026-000001", NEW_YEAR,
                                  "acc")
    assert issued["buyer_name"] == "陈小明" and issued["buyer_tax_id"] is None and issued["status"] == "issued"
    voided = issued | invoices.voiding(issued, " wrong title ", NEW_YEAR, "boss")
    assert voided["status"] == "voided" and voided["void_reason"] == "wrong title"
    with pytest.raises(Conflict):
        invoices.voiding(voided, "again", NEW_YEAR, "boss")
    with pytest.raises(Conflict):
        invoices.refuse_reversal([issued])
    invoices.refuse_reversal([])
