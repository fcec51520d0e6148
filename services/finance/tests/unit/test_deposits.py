"""Deposits (押金) without broker or store: which bill is a deposit, its status, its refund."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from finance import deposits, journals
from finance.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
MANAGER = ("manager",)  # whose deductions wait for nobody (deposits.approval_needed)


def deposit_bill(status="paid", paid=200000, item="renovation_deposit", subject_type="renovation_application"):
    return {"_id": "bl_1", "item": item, "amount_cents": 200000, "paid_cents": paid, "status": status,
            "household_id": "hh_1", "created_at": "2026-11-01T00:00:00.000Z",
            "source": {"kind": "charge", "service": "customer_service", "charge_id": "c1",
                       "subject": {"type": subject_type, "id": "app_1"}}}


def deposit(accepted=True, refund=None):
    made = deposits.new_deposit("est_1", "app_1", "hh_1", NOW)
    return made | {"bill_id": "bl_1", "amount_cents": 200000,
                   "accepted_at": "2026-11-20T00:00:00.000Z" if accepted else None, "refund": refund}


def test_only_a_renovation_deposit_charge_is_a_deposit():
    assert deposits.application_of(deposit_bill()) == "app_1"
    assert deposits.application_of(deposit_bill(item="renovation_management")) is None
    assert deposits.application_of(deposit_bill(subject_type="work_order")) is None
    assert deposits.application_of({"item": "renovation_deposit", "source": {"kind": "billing_run"}}) is None


@pytest.mark.parametrize("made, bill, status", [
    (deposit(accepted=False), None, "awaiting_payment"),
    (deposit(accepted=False), deposit_bill(status="unpaid", paid=100000), "awaiting_payment"),
    (deposit(accepted=False), deposit_bill(), "held"),
    (deposit(), deposit_bill(), "refundable"),
    (deposit(refund={"status": "pending"}), deposit_bill(), "refund_pending"),
    (deposit(refund={"status": "refunded"}), deposit_bill(), "refunded"),
    (deposit(accepted=False), deposit_bill(status="cancelled", paid=0), "withdrawn"),
])
def test_the_status_of_a_deposit_is_what_its_bill_and_acceptance_say(made, bill, status):
    assert deposits.status_of(made, bill) == status


def test_a_refund_needs_a_held_deposit_a_passed_acceptance_and_an_open_day():
    with pytest.raises(Conflict):
        deposits.refund_plan(deposit(), deposit_bill(status="unpaid", paid=0), "r1", {"method": "cash"}, NOW, RULES,
                             "wang", False)
    with pytest.raises(Conflict):  # its application was withdrawn before it was paid: nothing is held
        deposits.refund_plan(deposit(), deposit_bill(status="cancelled", paid=0), "r1", {"method": "cash"}, NOW,
                             RULES, "wang", False)
    with pytest.raises(BusinessRuleViolation):
        deposits.refund_plan(deposit(accepted=False), deposit_bill(), "r1", {"method": "cash"}, NOW, RULES, "wang",
                             False)
    with pytest.raises(BusinessRuleViolation):
        deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash"}, NOW, RULES, "wang", True)
    with pytest.raises(Conflict):
        deposits.refund_plan(deposit(refund={"status": "refunded"}), deposit_bill(), "r1", {"method": "cash"}, NOW,
                             RULES, "wang", False)
    plan = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "alipay", "note": " "}, NOW, RULES, "wang",
                                False)
    assert plan.set["refund"] == {"id": "r1", "status": "pending", "amount_cents": 200000, "method": "alipay",
                                  "note": None, "by": "wang", "at": "2026-11-23T08:00:00.000Z", "day": "2026-11-23",
                                  "deductions": [], "approval": None}


def test_a_refund_is_its_own_entry_money_out_in_the_journal_of_its_method():
    refund = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "wechat"}, NOW, RULES, "wang",
                                  False).set["refund"]
    entry = journals.deposit_refund_entry(deposit(refund=refund))
    assert (entry["kind"], entry["direction"], entry["journal"], entry["amount_cents"], entry["day"]) == (
        "deposit_refund", "out", "bank", 200000, "2026-11-23")
    assert entry["_id"] == journals.entry_id("est_1", "deposit_refund", deposits.deposit_id("est_1", "app_1"))


def test_deductions_are_kept_from_the_deposit_and_the_rest_paid_back():
    asked = [{"kind": "cleanup", "cents": 30000, "reason": " 装修垃圾清运 "},
             {"kind": "damage", "cents": 20000, "reason": "楼道墙面"}]
    refund = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": asked}, NOW, RULES,
                                  "wang", False, roles=MANAGER).set["refund"]
    assert refund["amount_cents"] == 150000
    assert [(d["kind"], d["cents"], d["reason"]) for d in refund["deductions"]] == [
        ("cleanup", 30000, "装修垃圾清运"), ("damage", 20000, "楼道墙面")]
    entries = journals.deposit_deduction_entries(deposit(refund=refund))
    assert [(e["kind"], e["direction"], e["deduction_kind"], e["amount_cents"], e["journal"]) for e in entries] == [
        ("deposit_deduction", "retained", "cleanup", 30000, "cash"),
        ("deposit_deduction", "retained", "damage", 20000, "cash")]
    assert len({e["_id"] for e in entries}) == 2
    # no money moved: the drawer's totals are the refund's entry alone
    _, by_journal, overall = journals.totals(entries + [journals.deposit_refund_entry(deposit(refund=refund))])
    assert (overall["out_cents"], overall["in_cents"], overall["entries"]) == (150000, 0, 1)


@pytest.mark.parametrize("asked", [
    [{"kind": "damage", "cents": 200001, "reason": "电梯"}],
    [{"kind": "damage", "cents": 100000, "reason": "电梯"}, {"kind": "violation", "cents": 100001, "reason": "拆墙"}],
    [{"kind": "damage", "cents": 100, "reason": "  "}],
])
def test_deductions_more_than_the_deposit_or_without_a_reason_are_refused(asked):
    with pytest.raises(BusinessRuleViolation):
        deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": asked}, NOW, RULES,
                             "wang", False)


def test_the_deductions_are_totalled_once_where_they_are_checked():
    """``refund_plan`` summed again what ``deductions_of`` had totalled to check it (found by the last
    session's review): the total is ``deductions_of``'s, one place."""
    asked = [{"kind": "cleanup", "cents": 30000, "reason": "垃圾"}, {"kind": "damage", "cents": 20000, "reason": "墙"}]
    kept, total = deposits.deductions_of("dep_1", {"deductions": asked}, 200000)
    assert total == 50000 and [d["cents"] for d in kept] == [30000, 20000]
    assert deposits.deductions_of("dep_1", {}, 200000) == ([], 0)


def test_a_deduction_is_retained_in_the_journal_the_deposit_was_paid_into():
    """The deposit paid by WeChat (the bank journal) and refunded in cash: its deduction was booked in the
    cash journal, where no money of the deposit ever was (found by the last session's review). It is
    retained where the money is: the journals of the payments that paid the deposit's bill, in their
    order, a deduction split where it spans two."""
    paid_by = deposits.money_by_method(
        {"allocations": [{"payment_id": "p1", "amount_cents": 150000}, {"payment_id": "p2", "amount_cents": 50000}]},
        {"p1": {"method": "wechat"}, "p2": {"method": "cash"}})
    assert paid_by == [{"method": "wechat", "cents": 150000}, {"method": "cash", "cents": 50000}]
    asked = [{"kind": "damage", "cents": 100000, "reason": "电梯"}, {"kind": "cleanup", "cents": 80000, "reason": "垃圾"}]
    refund = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": asked}, NOW, RULES,
                                  "wang", False, paid_by=paid_by, roles=MANAGER).set["refund"]
    entries = journals.deposit_deduction_entries(deposit(refund=refund))
    assert [(e["deduction_kind"], e["method"], e["journal"], e["amount_cents"]) for e in entries] == [
        ("damage", "wechat", "bank", 100000), ("cleanup", "wechat", "bank", 50000), ("cleanup", "cash", "cash", 30000)]
    assert len({e["_id"] for e in entries}) == 3
    # the first part of each keeps the deduction's own entry id (a refund planned before is written the same)
    assert entries[0]["_id"] == journals.entry_id("est_1", "deposit_deduction", refund["deductions"][0]["id"])
    # a refund planned before the journals were known (no retained_in): the refund's method, as it was
    old = {**refund, "deductions": [{k: v for k, v in d.items() if k != "retained_in"} for d in refund["deductions"]]}
    assert {e["method"] for e in journals.deposit_deduction_entries(deposit(refund=old))} == {"cash"}


def test_money_of_an_opening_credit_is_retained_in_the_refunds_journal():
    """Money paid before the takeover (期初预收) was received in none of the journals here."""
    paid_by = deposits.money_by_method({"allocations": [{"payment_id": "op1", "amount_cents": 200000}]},
                                       {"op1": {"method": "opening_credit"}})
    assert paid_by == [{"method": None, "cents": 200000}]
    refund = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "alipay", "deductions": [
        {"kind": "damage", "cents": 100, "reason": "墙"}]}, NOW, RULES, "wang", False, paid_by=paid_by, roles=MANAGER).set["refund"]
    assert [e["method"] for e in journals.deposit_deduction_entries(deposit(refund=refund))] == ["alipay"]


FEES = {"kind": "fees", "cents": 50000, "reason": "抵扣2026年10-11月物业费", "owner_consent": "DK-2026-031 业主签字确认"}


def test_fees_from_the_deposit_need_the_owners_consent_and_never_more_than_he_owes():
    """抵扣物业费: the owner's unpaid fees paid from his deposit, only with his written consent recorded,
    never more than he owes (the contract refused ``kind: fees``)."""
    kept, total = deposits.deductions_of("dep_1", {"deductions": [FEES]}, 200000, owed_cents=60000)
    assert total == 50000 and kept[0]["kind"] == "fees" and kept[0]["owner_consent"] == "DK-2026-031 业主签字确认"
    for asked, owed, field in (({**FEES, "owner_consent": " "}, 60000, "data.deductions.0.owner_consent"),
                               ({k: v for k, v in FEES.items() if k != "owner_consent"}, 60000,
                                "data.deductions.0.owner_consent"),
                               (FEES, 49999, "data.deductions.0.cents"),
                               (FEES, 0, "data.deductions.0.cents")):
        with pytest.raises(BusinessRuleViolation) as refused:
            deposits.deductions_of("dep_1", {"deductions": [asked]}, 200000, owed_cents=owed)
        assert [e["field"] for e in refused.value.errors] == [field]
    with pytest.raises(BusinessRuleViolation):  # one payment of fees per refund
        deposits.deductions_of("dep_1", {"deductions": [FEES, {**FEES, "cents": 100}]}, 200000, owed_cents=60000)


def test_fees_from_the_deposit_are_paid_back_and_paid_in_not_kept_as_income():
    """The fees part is no income of the deposit (no deposit_deduction entry): it goes out of the deposit
    with the refund's entry and comes in as the owner's payment (its receipt, in the same journal), so the
    drawer nets what was handed over and the bills see an ordinary payment."""
    asked = [FEES, {"kind": "cleanup", "cents": 10000, "reason": "垃圾"}]
    refund = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": asked}, NOW, RULES,
                                  "wang", False, owed_cents=50000, roles=MANAGER).set["refund"]
    assert refund["amount_cents"] == 140000 and deposits.fees_cents(refund) == 50000
    entries = journals.deposit_deduction_entries(deposit(refund=refund))
    assert [(e["deduction_kind"], e["amount_cents"]) for e in entries] == [("cleanup", 10000)]
    out = journals.deposit_refund_entry(deposit(refund=refund))
    assert (out["direction"], out["amount_cents"], out["journal"]) == ("out", 190000, "cash")
    paying = deposits.fees_payment_data(deposit(refund=refund), refund["deductions"][0])
    assert paying == {"household_id": "hh_1", "amount_cents": 50000, "method": "cash",
                      "note": f"押金抵扣物业费 (deposit {deposit()['_id']})"}


KEPT = [{"kind": "damage", "cents": 30000, "reason": "电梯轿厢划伤"}]


def test_a_cashiers_deduction_above_the_estates_threshold_awaits_a_managers_approval():
    """A cashier decided deductions alone (found by the last session's review): kept deductions above the
    estate's ``deposit_deduction_approval_above_cents`` (default 0: every one) wait for a manager, nothing
    written; a manager's own refund, fees paid with the owner's consent, or deductions within the
    threshold go on at once."""
    assert RULES["deposit_deduction_approval_above_cents"] == 0
    waiting = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": KEPT}, NOW, RULES,
                                   "wang", False, roles=("cashier",)).set["refund"]
    assert waiting["status"] == "awaiting_approval" and waiting["approval"] is None
    assert deposits.status_of(deposit(refund=waiting), deposit_bill()) == "refund_awaiting_approval"
    assert journals.deposit_deduction_entries(deposit(refund=waiting)) != []  # what would be written, once paid
    for roles, rules, asked in ((("manager",), RULES, KEPT),
                                (("cashier",), {**RULES, "deposit_deduction_approval_above_cents": 30000}, KEPT),
                                (("cashier",), RULES, [FEES]),
                                (("cashier",), RULES, [])):
        plan = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": asked}, NOW,
                                    rules, "wang", False, roles=roles, owed_cents=60000).set["refund"]
        assert plan["status"] == "pending", (roles, asked)


def test_a_manager_approves_or_rejects_what_a_cashier_asked_and_the_cashier_then_pays_it():
    waiting = deposits.refund_plan(deposit(), deposit_bill(), "r1", {"method": "cash", "deductions": KEPT}, NOW, RULES,
                                   "wang", False, roles=("cashier",)).set["refund"]
    asked = deposit(refund=waiting)
    with pytest.raises(Forbidden):
        deposits.approval(asked, NOW, "zhao", ("cashier",))
    approved = deposits.approval(asked, NOW, "boss", ("manager",)).set["refund"]
    assert approved["status"] == "approved" and approved["approval"] == {"by": "boss", "at": "2026-11-23T08:00:00.000Z"}
    with pytest.raises(Conflict):  # decided already
        deposits.approval(deposit(refund=approved), NOW, "boss", ("manager",))
    with pytest.raises(BusinessRuleViolation):  # a rejection says why
        deposits.rejection(asked, {"reason": " "}, NOW, "boss", ("manager",))
    rejected = deposits.rejection(asked, {"reason": "金额有误"}, NOW, "boss", ("manager",)).set
    assert rejected["refund"] is None and rejected["rejection"]["reason"] == "金额有误"
    assert deposits.status_of(deposit() | rejected, deposit_bill()) == "refundable"
    # the cashier pays the approved refund on his day, with the deductions approved, nothing else
    with pytest.raises(Conflict):
        deposits.refund_plan(deposit(refund=approved), deposit_bill(), "r2", {"method": "cash", "deductions": [
            {**KEPT[0], "cents": 3000}]}, NOW, RULES, "wang", False, roles=("cashier",))
    paid = deposits.refund_plan(deposit(refund=approved), deposit_bill(), "r2", {"method": "wechat"}, NOW, RULES,
                                "zhao", False, roles=("cashier",)).set["refund"]
    assert (paid["id"], paid["status"], paid["amount_cents"], paid["method"], paid["by"]) == (
        "r2", "pending", 170000, "wechat", "zhao")
    assert paid["approval"]["by"] == "boss" and paid["asked_by"] == "wang"
    assert [(d["kind"], d["cents"]) for d in paid["deductions"]] == [("damage", 30000)]
    with pytest.raises(BusinessRuleViolation):  # his day is settled
        deposits.refund_plan(deposit(refund=approved), deposit_bill(), "r2", {"method": "cash"}, NOW, RULES, "zhao",
                             True, roles=("cashier",))
