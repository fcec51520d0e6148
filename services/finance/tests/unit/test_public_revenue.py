"""Public revenue (公共收益): contracts, the operator's share half up, arrears, the disclosure's lines."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation

from finance import public_revenue, reports
from finance.rules import DEFAULTS

RULES = dict(DEFAULTS, timezone="Asia/Shanghai")
NOW = datetime(2026, 7, 10, 2, 0, tzinfo=timezone.utc)
CONTRACT = {"kind": "advertising", "counterparty": "分众传媒有限公司", "location": "1-3号楼电梯轿厢",
            "starts_on": "2026-01-15", "ends_on": "2026-12-31", "period_months": 3, "amount_cents": 600_000}


def contract(**changes):
    return public_revenue.contract("prc-1", "e1", CONTRACT | changes, NOW, "acct")


def test_the_operator_keeps_thirty_percent_by_default():
    assert DEFAULTS["public_revenue_operator_share_percent"] == 30
    assert public_revenue.split(100_000, 30) == (30_000, 70_000)


def test_the_share_is_rounded_half_up_and_the_parts_sum_to_the_receipt():
    assert public_revenue.split(5, 30) == (2, 3)      # 1.5 -> 2
    assert public_revenue.split(15, 30) == (5, 10)    # 4.5 -> 5
    assert public_revenue.split(1, 50) == (1, 0)      # 0.5 -> 1
    operator, owners = public_revenue.split(333_333, 30)
    assert operator + owners == 333_333 and operator == 100_000


def test_a_receipt_splits_by_the_estate_setting_and_goes_to_the_fund():
    receipt = public_revenue.receipt("prr-1", contract(), {"amount_cents": 600_000, "method": "transfer"}, NOW,
                                     RULES | {"public_revenue_operator_share_percent": 20}, "cashier")
    assert (receipt["operator_cents"], receipt["owners_cents"]) == (120_000, 480_000)
    assert receipt["destination"] == "maintenance_fund" and receipt["kind"] == "advertising"
    assert receipt["day"] == "2026-07-10" and receipt["period"] == "2026-07"


def test_a_contract_ending_before_it_starts_is_refused():
    with pytest.raises(BusinessRuleViolation):
        contract(ends_on="2026-01-01")


def test_a_counterparty_with_a_phone_number_is_refused():
    with pytest.raises(BusinessRuleViolation) as refused:
        contract(counterparty="张三 13800138000")
    assert refused.value.errors[0]["field"] == "data.counterparty"


def test_arrears_count_the_periods_begun_less_what_was_received():
    c = contract()
    assert public_revenue.periods_begun(c, "2026-01-14") == 0
    assert public_revenue.periods_begun(c, "2026-01-15") == 1
    assert public_revenue.periods_begun(c, "2026-04-14") == 1
    assert public_revenue.periods_begun(c, "2026-04-15") == 2
    assert public_revenue.periods_begun(c, "2027-06-01") == 4  # the term's end stops it
    owed = public_revenue.arrears(c, [{"amount_cents": 600_000}], "2026-07-20")
    assert (owed["due_cents"], owed["received_cents"], owed["overdue_cents"], owed["overdue_periods"]) == (
        1_800_000, 600_000, 1_200_000, 2)
    assert public_revenue.arrears(c, [{"amount_cents": 2_400_000}], "2026-07-20")["overdue_cents"] == 0


def test_the_disclosure_shows_public_revenue_by_kind_with_the_shares():
    receipts = [public_revenue.receipt(f"prr-{n}", contract(kind=kind), {"amount_cents": cents, "method": "cash"},
                                       NOW, RULES, "cashier")
                for n, (kind, cents) in enumerate([("advertising", 100_000), ("advertising", 5),
                                                    ("lockers_vending", 20_000)])]
    lines = public_revenue.disclosed(receipts)
    assert lines["by_kind"]["advertising"] == {"received_cents": 100_005, "operator_cents": 30_002,
                                               "owners_cents": 70_003, "receipts": 2, "reversed_cents": 0,
                                               "reversals": 0}
    assert lines["by_kind"]["lockers_vending"]["owners_cents"] == 14_000
    assert (lines["received_cents"], lines["operator_cents"], lines["owners_cents"]) == (120_005, 36_002, 84_003)
    assert lines["to_maintenance_fund_cents"] == 84_003
    report = reports.disclosure("e1", "2026-07", [], [], NOW, public_revenue=receipts)
    assert report["public_revenue"] == lines
    published = reports.published_view({"period": "2026-07", "version": 1, "published_at": "x", "report": report},
                                       "Garden")
    assert published["public_revenue"]["owners_cents"] == 84_003


def test_a_contract_starting_on_a_months_last_days_owes_its_next_period_on_a_shorter_months_last_day():
    """A period begun on the 31st owed its next one from the 1st of the month after a shorter month (March 1st,
    not February 28th): the day counted past the month's end. A month later is the same day, or the month's
    last day when it has no such day (found by h3)."""
    monthly = contract(starts_on="2026-01-31", ends_on="2026-12-31", period_months=1)
    assert public_revenue.periods_begun(monthly, "2026-02-27") == 1
    assert public_revenue.periods_begun(monthly, "2026-02-28") == 2
    assert public_revenue.periods_begun(monthly, "2026-03-30") == 2
    assert public_revenue.periods_begun(monthly, "2026-03-31") == 3
    assert public_revenue.periods_begun(monthly, "2026-04-30") == 4
    quarterly = contract(starts_on="2025-11-30", ends_on="2026-12-31", period_months=3)
    assert public_revenue.periods_begun(quarterly, "2026-02-27") == 1
    assert public_revenue.periods_begun(quarterly, "2026-02-28") == 2
    leap = contract(starts_on="2027-12-31", ends_on="2028-12-31", period_months=1)
    assert public_revenue.periods_begun(leap, "2028-02-29") == 3 and public_revenue.periods_begun(leap, "2028-02-28") == 2
    assert public_revenue.periods_begun(contract(), "2026-04-15") == 2  # a day every month has: as before


def test_what_was_received_pays_the_earliest_periods_first_and_names_the_oldest_owed():
    """``arrears`` said what was received pays the earliest periods first and applied no order: a sum less a
    sum, the accountant told how much but not since when. The periods paid are the earliest, so the first
    period not paid in full is the one to chase first: ``overdue_since``, the day it began (found by h3)."""
    c = contract()  # 600,000 a quarter from 2026-01-15
    owed = public_revenue.arrears(c, [{"amount_cents": 600_000}, {"amount_cents": 100_000}], "2026-07-20")
    assert (owed["overdue_cents"], owed["overdue_periods"], owed["overdue_since"]) == (1_100_000, 2, "2026-04-15")
    assert public_revenue.arrears(c, [], "2026-07-20")["overdue_since"] == "2026-01-15"
    assert public_revenue.arrears(c, [{"amount_cents": 1_800_000}], "2026-07-20")["overdue_since"] is None
    on_31st = contract(starts_on="2026-01-31", period_months=1, amount_cents=1_000)
    assert public_revenue.arrears(on_31st, [{"amount_cents": 1_000}], "2026-03-01")["overdue_since"] == "2026-02-28"
