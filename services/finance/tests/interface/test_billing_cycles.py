"""A bill that covers several months (a quarterly or yearly standard's, or a household billed by
the quarter, 按季缴费) in the collection rate (物业服务费收缴率) of a month: its cents billed and
received are apportioned to the months it covers (Decimal half-up on the running total, so the
months sum exactly to the bill), where the whole quarter counted in its first month's rate:
January's denominator held all of Q1 and February's and March's none (found by h8, F6)."""
from .test_service import ESTATE, approved, finance, pay, run  # noqa: F401 (fixture)


def rate(finance, period, name="collection_rate"):
    shown = finance.kpis({"period": period, "estate_ids": [ESTATE]})["estates"][ESTATE][name]
    return shown["numerator"], shown["denominator"]


def test_a_quarter_s_bill_counts_in_each_of_its_months_and_whole_in_its_quarter(finance):
    approved(finance, cycle="quarterly", valid_from="2026-10")
    run(finance, "2026-10")  # October to December: 63006, 84600 and 35603 cents
    pay(finance, "hh_3", 10000)  # on its one bill
    billed = {"2026-10": 21002 + 28200 + 11868, "2026-11": 21002 + 28200 + 11867, "2026-12": 21002 + 28200 + 11868}
    paid = {"2026-10": 3333, "2026-11": 3334, "2026-12": 3333}
    for month in billed:
        assert rate(finance, month) == (paid[month], billed[month])
        assert rate(finance, month, "collection_rate_at_period_end")[1] == billed[month]
    assert sum(billed.values()) == 63006 + 84600 + 35603 and sum(paid.values()) == 10000
    assert rate(finance, "2026-Q4") == (10000, 63006 + 84600 + 35603)  # the quarter exact
    assert rate(finance, "2026") == (10000, 63006 + 84600 + 35603)     # and the year
    assert rate(finance, "2026-09") == (0, 0)
