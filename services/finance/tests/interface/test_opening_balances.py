"""Opening balances (期初欠费) through finance's entrypoints: what households owed the previous
property company, carried over when the estate is taken on, owed at once, never billed again,
out of the collection rate and the disclosure (found by a probe of taking on an estate)."""
import pytest

from estate_common import clock, contracts
from estate_common.errors import BusinessRuleViolation, Conflict

from .test_service import ACCOUNTANT, ESTATE, acting, approved, bills, finance, pay, run  # noqa: F401 (fixture)


def carry(finance, key=None, **data):
    acting(finance, ACCOUNTANT, key)
    body = {"household_id": "hh_1", "item": "property_service", "period": "2026-08", "amount_cents": 21002,
            "reference": "QD-2026-117", **data}
    payload = {"estate_id": ESTATE, "data": body}
    contracts.load().check_rpc_input("finance", "record_opening_balance", payload)
    answer = finance.record_opening_balance(payload)
    contracts.load().check_rpc_output("finance", "record_opening_balance", answer)
    return answer


def test_an_opening_balance_is_a_bill_owed_at_once_and_in_the_arrears(finance):
    bill = carry(finance, note="三个月未缴")
    assert (bill["household_id"], bill["item"], bill["period"], bill["amount_cents"], bill["status"]) == \
        ("hh_1", "property_service", "2026-08", 21002, "unpaid")
    assert bill["source"] == {"kind": "opening_balance", "reference": "QD-2026-117", "recorded_by": "acc",
                              "note": "三个月未缴"}
    assert bill["due_at"] < clock.now_iso()  # August is over: overdue from the start
    arrears = finance.list_arrears({"estate_id": ESTATE, "limit": 50})["items"]
    assert [(entry["household_id"], entry["overdue_cents"]) for entry in arrears] == [("hh_1", 21002)]
    event, = finance.outbox.of_type("opening_balance_recorded")
    assert event["data"] == {"id": bill["id"], "household_id": "hh_1", "item": "property_service",
                             "period": "2026-08", "amount_cents": 21002, "due_at": bill["due_at"],
                             "reference": "QD-2026-117", "recorded_at": bill["created_at"]}
    assert [b["id"] for b in bills(finance, source="opening_balance")] == [bill["id"]]


def test_one_of_the_current_month_is_overdue_from_when_it_was_recorded(finance):
    bill = carry(finance, period="2026-11")
    assert bill["due_at"] < clock.now_iso()
    assert [entry["household_id"] for entry in finance.list_arrears({"estate_id": ESTATE})["items"]] == ["hh_1"]


def test_a_month_carried_over_is_not_billed_again_by_a_catch_up_run(finance):
    carry(finance, period="2026-10")
    approved(finance, valid_from="2026-10")
    run(finance, "2026-10")
    october = bills(finance, household_id="hh_1", period="2026-10")
    assert [(b["amount_cents"], b["source"]["kind"]) for b in october] == [(21002, "opening_balance")]
    assert {b["household_id"] for b in bills(finance, period="2026-10")} == {"hh_1", "hh_2", "hh_3"}


def test_a_month_billed_already_or_carried_twice_is_a_409_and_a_retry_answers_the_first(finance):
    first = carry(finance, key="ob-1")
    assert carry(finance, key="ob-1")["id"] == first["id"]  # its answer lost
    with pytest.raises(Conflict) as refused:
        carry(finance, key="ob-2", amount_cents=5000)
    assert refused.value.errors[0]["field"] == "data.period"
    approved(finance, valid_from="2026-11")
    run(finance, "2026-11")
    with pytest.raises(Conflict):
        carry(finance, period="2026-11")


def test_a_month_to_come_an_unknown_household_or_one_past_the_catch_up_window_is_refused(finance):
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, period="2026-12")
    assert refused.value.errors[0]["field"] == "data.period"
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, period="2014-01")
    assert refused.value.errors[0]["field"] == "data.period"
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, household_id="hh_nobody")
    assert refused.value.errors[0]["field"] == "data.household_id"


def test_a_payment_settles_it_oldest_first_and_the_collection_rate_and_income_leave_it_out(finance):
    carry(finance, period="2026-11", amount_cents=30000)  # the previous company's November, part of it
    approved(finance, valid_from="2026-10")
    run(finance, "2026-10")
    run(finance, "2026-11")  # hh_2 and hh_3: hh_1's November is carried over
    carried = carry(finance, household_id="hh_2", period="2026-09", amount_cents=10000)
    pay(finance, "hh_2", 10000)
    assert bills(finance, household_id="hh_2", period="2026-09")[0]["status"] == "paid"
    assert bills(finance, household_id="hh_2", period="2026-10")[0]["status"] == "unpaid"  # oldest first
    assert carried["status"] == "unpaid"
    acting(finance, ACCOUNTANT)
    rate = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["collection_rate"]
    assert rate["denominator"] == 28200 + 11868  # hh_2's and hh_3's Novembers, not hh_1's 300.00 carried
    november = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert november["income"]["billed_cents"] == 28200 + 11868
    september = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-09"}})
    assert september["income"]["billed_cents"] == 0 and september["income"]["received_cents"] == 0


def test_a_household_of_another_estate_is_refused(finance):
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, household_id="hh_far")
    assert refused.value.errors[0]["field"] == "data.household_id"


def test_a_month_inside_a_quarter_billed_by_its_first_month_is_not_billed_twice(finance):
    """Found by review: a quarter's bill is under the id of its first month, so an opening balance
    of November (a quarter from October) was carried over and the October run billed hh_1 the whole
    quarter again, November twice."""
    approved(finance, cycle="quarterly", valid_from="2026-10")
    with pytest.raises(BusinessRuleViolation) as refused:
        carry(finance, period="2026-11")
    assert refused.value.errors[0]["field"] == "data.period"
    assert "2026-10" in refused.value.errors[0]["message"]
    carried = carry(finance, period="2026-10", amount_cents=63006)  # the quarter, as its first month
    run(finance, "2026-10")
    assert [(b["period"], b["id"]) for b in bills(finance, household_id="hh_1")] == [("2026-10", carried["id"])]


# -- a list of them, imported (POST …/opening-balances/import) --------------------------------

def import_file(finance, text, caller=ACCOUNTANT):
    import base64
    acting(finance, caller)
    payload = {"estate_id": ESTATE, "data": {"format": "csv", "content_base64": base64.b64encode(
        text.encode("utf-8")).decode()}}
    contracts.load().check_rpc_input("finance", "start_opening_balance_import", payload)
    job = finance.start_opening_balance_import(payload)
    contracts.load().check_rpc_output("finance", "start_opening_balance_import", job)
    finance.run_jobs()
    acting(finance, ACCOUNTANT)
    return finance.get_job({"id": job["id"]})


LIST = ("楼栋,单元,房号,收费项目,月份,金额,单号,备注\n"
        "3,1,100,物业服务费,2026-08,210.02,QD-1,\n"          # hh_1, by its address
        "3栋,1单元,101,property_service,2026年9月,282,QD-2,\n"  # hh_2, its address written otherwise
        "3,1,102,物业服务费,2026-12,100,QD-3,\n"             # a month to come
        "9,9,999,物业服务费,2026-08,100,QD-4,\n"             # no such flat
        "3,1,102,物业费,2026-08,abc,QD-5,\n")                # neither an item nor an amount


def test_an_import_carries_each_line_over_and_reports_the_refused_ones_by_line(finance):
    job = import_file(finance, LIST)
    assert job["status"] == "succeeded"
    result = job["result"]
    assert (result["rows"], result["created"], result["existing"], result["rejected"]) == (5, 2, 0, 3)
    assert result["carried_over_cents"] == 21002 + 28200
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (4, "period"), (5, "household_id"), (6, "item"), (6, "amount")]
    carried = {(b["household_id"], b["period"]): b for b in bills(finance, source="opening_balance")}
    assert {key: b["amount_cents"] for key, b in carried.items()} == {("hh_1", "2026-08"): 21002,
                                                                       ("hh_2", "2026-09"): 28200}
    assert carried[("hh_1", "2026-08")]["source"]["reference"] == "QD-1"
    assert len(finance.outbox.of_type("opening_balance_recorded")) == 2
    assert "abc" not in str(result) and "9,9,999" not in str(result)  # reasons, never the cells


def test_the_same_list_uploaded_again_writes_nothing_twice_and_a_month_billed_by_a_run_is_refused(finance):
    import_file(finance, LIST)
    carry(finance, household_id="hh_3", period="2026-07", amount_cents=500, reference="by hand")
    approved(finance, valid_from="2026-10")
    run(finance, "2026-10")
    again = import_file(finance, LIST.replace("210.02", "199") + "3,1,102,物业服务费,2026-07,5,QD-6,\n"
                        + "3,1,102,物业服务费,2026-10,5,QD-7,\n")
    result = again["result"]
    assert (result["created"], result["existing"], result["rejected"]) == (0, 3, 4)
    assert result["differing"][0]["row"] == 2 and result["differing"][0]["fields"] == ["amount_cents"]
    assert result["errors"][-1]["row"] == 8  # October, billed by the run: a month is owed once
    assert len(finance.outbox.of_type("opening_balance_recorded")) == 3
    assert bill_amount(finance, "hh_1", "2026-08") == 21002  # left as it is


def bill_amount(finance, household_id, period):
    [bill] = bills(finance, household_id=household_id, period=period)
    return bill["amount_cents"]


def test_a_file_without_its_columns_or_lines_is_refused_at_once_and_only_fee_setters_import(finance):
    from estate_common.errors import Forbidden, InvalidInput
    from estate_common.testing import staff
    with pytest.raises(InvalidInput):
        import_file(finance, "楼栋,单元,房号,收费项目,月份,金额,单号\n")
    job = import_file(finance, "收费项目,月份,金额\n物业服务费,2026-08,1\n")
    assert job["status"] == "failed"
    with pytest.raises(Forbidden):
        import_file(finance, LIST, caller=staff("cash", ["cashier"], [ESTATE]))
