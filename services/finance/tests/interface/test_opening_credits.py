"""Opening credits (期初预收): what owners had paid the previous property company in advance, handed
over when the estate is taken on. A payment record of its own kind (``kind: opening_credit``,
numbered ``OP-…``): the household's prepaid money, which settles its bills as prepaid money does,
but no money this operator received: no journal entry, no receipt in the month's reconciliation,
not in the collection rate's nor the disclosure's money received (session 51's proposal)."""
import base64

import pytest

from estate_common import contracts
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, NotFound
from estate_common.testing import staff

from .test_household_account import account
from .test_service import ACCOUNTANT, ESTATE, acting, approved, bills, finance, pay, run  # noqa: F401 (fixture)


def credit(finance, key=None, **data):
    acting(finance, ACCOUNTANT, key)
    body = {"household_id": "hh_1", "amount_cents": 50000, "reference": "YS-2026-031", **data}
    payload = {"estate_id": ESTATE, "data": body}
    contracts.load().check_rpc_input("finance", "record_opening_credit", payload)
    answer = finance.record_opening_credit(payload)
    contracts.load().check_rpc_output("finance", "record_opening_credit", answer)
    return answer


def test_an_opening_credit_is_the_households_prepaid_money_and_settles_its_bills(finance):
    approved(finance)
    run(finance, "2026-11")
    made = credit(finance, note="预交至2027年3月")
    assert (made["kind"], made["method"], made["journal"], made["status"]) == (
        "opening_credit", "opening_credit", None, "posted")
    assert made["receipt_number"] == "OP-2026-000001" and made["reference"] == "YS-2026-031"
    [november] = bills(finance, household_id="hh_1", period="2026-11")
    assert november["status"] == "paid"
    shown = account(finance)
    assert shown["prepaid_cents"] == 50000 - 21002 and shown["unpaid_cents"] == 0
    assert [(p["receipt_number"], p.get("kind")) for p in shown["payments"]] == [("OP-2026-000001", "opening_credit")]
    # no money in the cashier's journals: nothing of it to settle or reconcile
    assert finance.db.journal.count_documents({"estate_id": ESTATE}) == 0


def test_the_same_credit_again_writes_nothing_twice_and_another_amount_is_a_409(finance):
    first = credit(finance, key="oc-1")
    assert credit(finance, key="oc-2")["id"] == first["id"]  # the household and reference: its natural key
    with pytest.raises(Conflict) as refused:
        credit(finance, amount_cents=100)
    assert refused.value.errors[0]["field"] == "data.amount_cents"
    assert account(finance)["prepaid_cents"] == 50000
    assert finance.db.payments.count_documents({"estate_id": ESTATE}) == 1


def test_an_unknown_household_and_a_credit_without_reference_are_refused(finance):
    with pytest.raises(BusinessRuleViolation) as refused:
        credit(finance, household_id="hh_far")
    assert refused.value.errors[0]["field"] == "data.household_id"
    refused = contracts.load().errors("openapi.yaml#/components/schemas/OpeningCreditCreate",
                                      {"household_id": "hh_1", "amount_cents": 100, "reference": ""})
    assert [e["field"] for e in refused] == ["reference"]


def test_the_reports_do_not_count_it_as_money_received(finance):
    """The money reached the previous company, not this one: the collection rate, the disclosure's
    income received and the month's reconciliation leave it out, while the owner's own payment
    counts as before."""
    approved(finance)
    run(finance, "2026-11")
    credit(finance, amount_cents=21002)  # hh_1's November, settled by what it paid the previous company
    pay(finance, "hh_2", 10000)           # money this operator received
    assert bills(finance, household_id="hh_1", period="2026-11")[0]["status"] == "paid"
    acting(finance, ACCOUNTANT)
    rate = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert rate["collection_rate"]["numerator"] == 10000
    assert rate["collection_rate"]["denominator"] == 28200 + 11868  # hh_1's November, settled before: not billed here
    assert rate["collection_rate_at_period_end"]["numerator"] == 10000
    november = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert november["income"]["received_cents"] == 10000
    assert november["income"]["billed_cents"] == 21002 + 28200 + 11868
    report = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert report["receipts"]["amount_cents"] == 10000 and report["receipts"]["count"] == 1
    assert report["bills_settled"]["allocated_cents"] == 10000 and report["balanced"] is True
    assert "OP-2026-000001" not in str(report)


def test_an_opening_credit_is_announced_once_without_its_note(finance):
    """No event announced an opening credit, so archive kept no record of the money handed over
    (found by review r3): ``opening_credit_recorded`` in the credit's write, once however often
    the same credit or list comes again."""
    made = credit(finance, key="oc-1", note="业主张三 13800001111")
    credit(finance, key="oc-2")  # the same household and reference again: nothing more announced
    [announced] = finance.outbox.of_type("opening_credit_recorded")
    contracts.load().check_event("finance", announced["event_type"], announced)
    assert announced["data"] == {"id": made["id"], "receipt_number": "OP-2026-000001", "household_id": "hh_1",
                                 "amount_cents": 50000, "reference": "YS-2026-031",
                                 "recorded_at": made["posted_at"]}
    assert "13800001111" not in str(announced) and "张三" not in str(announced)


def reverse(finance, payment_id, reason="typed wrong: YS-2026-031 is 300.00", caller=ACCOUNTANT, key=None):
    acting(finance, caller, key)
    payload = {"estate_id": ESTATE, "id": payment_id, "data": {"reason": reason}}
    contracts.load().check_rpc_input("finance", "reverse_opening_credit", payload)
    answer = finance.reverse_opening_credit(payload)
    contracts.load().check_rpc_output("finance", "reverse_opening_credit", answer)
    return answer


def test_a_wrong_opening_credit_is_reversed_without_a_journal_entry_and_its_bills_reopen(finance):
    """A typo in the previous company's list could not be corrected (a reversal was a 409, found
    by review r3): the credit is reversed as a payment is, the bills it settled owed again, but no
    journal entry is written (its money was never in a journal), and ``opening_credit_reversed``
    announces it (the bills it reopened) for archive."""
    approved(finance)
    run(finance, "2026-11")
    made = credit(finance)  # 500.00, of which 210.02 settled November
    reversed_ = reverse(finance, made["id"])
    assert reversed_["status"] == "reversed" and reversed_["reversal"]["reason"].startswith("typed wrong")
    [november] = bills(finance, household_id="hh_1", period="2026-11")
    assert (november["status"], november["paid_cents"]) == ("unpaid", 0)
    shown = account(finance)
    assert (shown["prepaid_cents"], shown["unpaid_cents"]) == (0, 21002)
    assert finance.db.journal.count_documents({"estate_id": ESTATE}) == 0
    [announced] = finance.outbox.of_type("opening_credit_reversed")
    contracts.load().check_event("finance", announced["event_type"], announced)
    assert announced["data"]["id"] == made["id"] and announced["data"]["amount_cents"] == 50000
    assert [(b["bill_id"], b["amount_cents"]) for b in announced["data"]["bills"]] == [(november["id"], 21002)]
    assert finance.outbox.of_type("payment_reversed") == []
    # the right amount under the same reference is refused (the reference is the natural key);
    # the corrected line is credited under its own reference
    with pytest.raises(Conflict):
        reverse(finance, made["id"])
    fixed = credit(finance, amount_cents=30000, reference="YS-2026-031/更正")
    assert fixed["receipt_number"] == "OP-2026-000002"
    assert bills(finance, household_id="hh_1", period="2026-11")[0]["status"] == "paid"
    assert account(finance)["prepaid_cents"] == 30000 - 21002


def test_an_opening_credit_reversal_leaves_the_months_reports_as_they_were(finance):
    """Its money was never received here: reversed after its month ended and a disclosure was
    published, the reconciliation, the disclosure's money received and the collection rate's
    numerator stay as they were; the bill it settled is owed again, so it is billed in the rate."""
    approved(finance)
    run(finance, "2026-11")
    made = credit(finance, amount_cents=21002)
    pay(finance, "hh_2", 10000)
    acting(finance, ACCOUNTANT)
    before = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    reverse(finance, made["id"])
    acting(finance, ACCOUNTANT)
    after = finance.disclosure_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert after["income"] == before["income"]
    report = finance.reconciliation_report({"estate_id": ESTATE, "filters": {"period": "2026-11"}})
    assert report["receipts"]["amount_cents"] == 10000 and report["reversals"]["amount_cents"] == 0
    assert report["balanced"] is True
    rate = finance.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["collection_rate"]
    assert (rate["numerator"], rate["denominator"]) == (10000, 21002 + 28200 + 11868)


def test_a_credit_is_reversed_as_a_credit_and_a_payment_as_a_payment(finance):
    """The cashiers' payment reversal writes a reversing journal entry: it still refuses a credit
    (409, naming where a credit is reversed), and the credits' reversal refuses a payment (404)."""
    made = credit(finance)
    paid = pay(finance, "hh_2", 700)
    acting(finance, ACCOUNTANT)
    with pytest.raises(Conflict) as refused:
        finance.reverse_payment({"estate_id": ESTATE, "id": made["id"], "data": {"reason": "typed wrong"}})
    assert "opening-credits" in str(refused.value)
    with pytest.raises(NotFound):
        reverse(finance, paid["id"])
    reverse(finance, made["id"], key="rv-1")
    assert reverse(finance, made["id"], key="rv-1")["status"] == "reversed"  # a retry with its key
    assert len(finance.outbox.of_type("opening_credit_reversed")) == 1


def test_an_opening_credit_is_not_invoiced_here(finance):
    made = credit(finance)
    acting(finance, ACCOUNTANT)
    with pytest.raises(Conflict):
        finance.request_invoice({"estate_id": ESTATE, "id": made["id"], "data": {"buyer_name": "张三"}})


# -- a list of them, imported (POST …/opening-credits/import) ---------------------------------

def import_file(finance, content, caller=ACCOUNTANT):
    acting(finance, caller)
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    payload = {"estate_id": ESTATE, "data": {"format": "csv", "content_base64": base64.b64encode(raw).decode()}}
    contracts.load().check_rpc_input("finance", "start_opening_credit_import", payload)
    job = finance.start_opening_credit_import(payload)
    contracts.load().check_rpc_output("finance", "start_opening_credit_import", job)
    finance.run_jobs()
    acting(finance, ACCOUNTANT)
    return finance.get_job({"id": job["id"]})


LIST = ("楼栋,单元,房号,预收金额,单号,备注\n"
        "3,1,100,500.00,YS-1,至2027年3月\n"      # hh_1, by its address, in yuan
        "3栋,1单元,101,282,YS-2,\n"              # hh_2, its address written otherwise
        "9,9,999,100,YS-3,\n"                   # no such flat
        "3,1,102,abc,YS-4,\n"                   # no amount
        "3,1,102,100,,\n")                      # no reference


def test_an_import_credits_each_line_and_reports_the_refused_ones_by_line(finance):
    job = import_file(finance, LIST)
    assert job["status"] == "succeeded"
    result = job["result"]
    assert (result["rows"], result["created"], result["existing"], result["rejected"]) == (5, 2, 0, 3)
    assert result["credited_cents"] == 50000 + 28200
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(4, "household_id"), (5, "amount"), (6, "reference")]
    assert account(finance)["prepaid_cents"] == 50000 and account(finance, "hh_2")["prepaid_cents"] == 28200
    assert "abc" not in str(result) and "9,9,999" not in str(result)  # reasons, never the cells


def test_the_same_list_uploaded_again_in_gbk_and_cents_writes_nothing_twice(finance):
    import_file(finance, LIST)
    again = ("房屋编号,金额（分）,单号\n" "hh_1,49900,YS-1\n" "hh_2,28200,YS-2\n" "hh_3,1000,YS-9\n").encode("gb18030")
    result = import_file(finance, again)["result"]
    assert (result["created"], result["existing"], result["rejected"]) == (1, 2, 0)
    assert result["differing"] == [{"row": 2, "fields": ["amount_cents"], "payment_id": result["differing"][0]["payment_id"]}]
    assert account(finance)["prepaid_cents"] == 50000  # left as it is
    assert finance.db.payments.count_documents({"estate_id": ESTATE}) == 3
    bom = "\ufeff房屋编号,预收金额,单号\nhh_3,10,YS-9\n".encode("utf-8")
    assert import_file(finance, bom)["result"]["existing"] == 1


def test_a_file_without_its_columns_is_refused_and_only_those_who_carry_balances_over_import(finance):
    with pytest.raises(InvalidInput):
        import_file(finance, "楼栋,单元,房号,预收金额,单号\n")
    assert import_file(finance, "预收金额,单号\n1,YS-1\n")["status"] == "failed"
    with pytest.raises(Forbidden):
        import_file(finance, LIST, caller=staff("cash", ["cashier"], [ESTATE]))


def test_the_payments_list_tells_the_credits_from_the_money_received(finance):
    made = credit(finance)
    paid = pay(finance, "hh_2", 700)

    def listed(**filters):
        acting(finance, ACCOUNTANT)
        payload = {"estate_id": ESTATE, "filters": filters}
        contracts.load().check_rpc_input("finance", "list_payments", payload)
        return [p["id"] for p in finance.list_payments(payload)["items"]]

    assert listed(kind="opening_credit") == [made["id"]]
    assert listed(kind="opening_credit", receipt_number="op-2026-1") == [made["id"]]  # as quoted at the desk
    assert listed(kind="payment") == [paid["id"]]
    # the plain list is the money received, as before credits existed: a client that knows
    # Payment.method's values and a journal on each is not handed a record it cannot read (review r3)
    assert listed() == [paid["id"]]


def test_an_opening_credit_is_not_a_payment_the_archive_is_told_of(finance):
    """finance counts the payments it posted for archive's completeness (资料归档完整率), each of
    which archive keeps from payment_posted; an opening credit is announced by no payment_posted, so
    counted it read as a record the archive lacks (found by h3 reviewing its own change)."""
    from estate_common import calendar, clock
    finance.count_closed_records(clock.now())
    credit(finance)
    finance.count_closed_records(clock.now())
    month = calendar.period_of(clock.now(), "Asia/Shanghai")
    counted = [e for e in finance.outbox.of_type("closed_records_counted")
               if e["estate_id"] == ESTATE and e["data"]["period"] == month]
    assert counted[-1]["data"]["counts"] == {"payments": 0}
    assert finance.outbox.of_type("payment_posted") == []


def test_the_credits_list_reads_its_own_index_not_the_estates_payments(finance):
    """``GET …/payments?kind=opening_credit``: the credits found through ``(estate_id, kind,
    created_at, _id)``, a bucket of the credits alone, where the estate's payments were walked
    (the list's index is led by ``estate_id`` alone) to find the few credits among them."""
    made = credit(finance)
    finance.db.payments.insert_many([{"_id": f"pay_{n}", "estate_id": ESTATE, "household_id": "hh_2",
                                      "status": "posted", "amount_cents": 100, "method": "cash",
                                      "created_at": f"2026-11-0{1 + n % 9}T02:00:00.000Z", "updated_at": "x"}
                                     for n in range(200)])
    sent, collection = [], finance.db.payments
    find = collection.find
    try:
        collection.find = lambda query, *args, **kwargs: (sent.append(query), find(query, *args, **kwargs))[1]
        acting(finance, ACCOUNTANT)
        listed = finance.list_payments({"estate_id": ESTATE, "filters": {"kind": "opening_credit"}})
    finally:
        del collection.find
    assert [p["id"] for p in listed["items"]] == [made["id"]]
    with collection._lock:
        assert [[doc["_id"] for doc in collection._candidates(query)] for query in sent] == [[made["id"]]]


def test_credits_recorded_before_they_were_announced_are_announced_once_on_a_restatement(finance):
    """Opening credits recorded before the release that announced them (opening_credit_recorded)
    have no archive record: archive's restatement (POST …/restatements, estate_restated) has
    finance announce each such credit once, as recorded (archive keeps one record per credit); a
    credit announced in its own write is not announced again (found by h2)."""
    from estate_common.testing import event
    old = credit(finance)
    new = credit(finance, household_id="hh_2", reference="YS-2026-032")
    finance.db.payments.update_one({"_id": old["id"], "estate_id": ESTATE}, {"$unset": {"_announced_at": ""}})
    finance.outbox.published.clear()
    restated = event("archive", "estate_restated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "EST-1", "name": "West Lake", "address": "9 Lake Rd", "version": 1,
        "timezone": "Asia/Shanghai"})
    finance.restate_estate(restated)
    finance.restate_estate(restated)  # a second restatement, or the event redelivered
    [announced] = finance.outbox.of_type("opening_credit_recorded")
    assert announced["data"] == {"id": old["id"], "receipt_number": old["receipt_number"], "household_id": "hh_1",
                                 "amount_cents": 50000, "reference": "YS-2026-031", "recorded_at": old["posted_at"]}
    assert new["id"] != old["id"]
