"""The special maintenance fund (专项维修资金) without broker or store: balance, decisions, statement."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation, Conflict
from finance import maintenance_fund as fund
from finance.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
NOW = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)  # 01:00 on 2026-12-01 in the estate


def deposit(entry_id="d1", cents=1000, day="2026-11-10", status="posted"):
    made = fund.deposit(entry_id, "est_1", {"source": "developer", "amount_cents": cents, "method": "bank"}, NOW,
                        RULES, "acc")
    return made | {"day": day, "status": status}


def use(entry_id="u1", cents=400, day="2026-11-20", status="approved"):
    made = fund.use(entry_id, "est_1", {"amount_cents": cents, "purpose": " lift rope "}, NOW, RULES, "acc")
    return made | {"day": day, "status": status}


def test_a_deposit_counts_on_the_local_day_and_an_owners_names_the_household():
    assert fund.deposit("d", "est_1", {"source": "interest", "amount_cents": 1, "method": "bank"}, NOW, RULES,
                        "acc")["day"] == "2026-12-01"
    with pytest.raises(BusinessRuleViolation):
        fund.deposit("d", "est_1", {"source": "owner", "amount_cents": 1, "method": "bank"}, NOW, RULES, "acc")
    requested = fund.use("u", "est_1", {"amount_cents": 5, "purpose": " lift rope "}, NOW, RULES, "acc")
    assert (requested["status"], requested["day"], requested["purpose"]) == ("requested", None, "lift rope")


def test_the_fund_is_never_overdrawn_and_takes_an_entry_once():
    account = fund.new_account("est_1", NOW) | {"balance_cents": 1000}
    with pytest.raises(BusinessRuleViolation):
        fund.account_change(account, use(cents=1001), NOW)
    change = fund.account_change(account, use(cents=1000), NOW)
    written = account | change.set
    assert written["balance_cents"] == 0 and fund.taken(written, "u1") == 0
    assert fund.account_change(written, use(cents=1000), NOW) is None


def test_a_use_is_decided_once():
    approved = fund.decision(use(status="requested"), "approve", {"consent_ref": "vote"}, NOW, RULES, "boss")
    assert approved["status"] == "approved" and approved["day"] == "2026-12-01" and approved["consent_ref"] == "vote"
    rejected = fund.decision(use(status="requested"), "reject", {"reason": " no "}, NOW, RULES, "boss")
    assert rejected["reject_reason"] == "no"
    with pytest.raises(Conflict):
        fund.decision(use(status="approved"), "reject", {"reason": "no"}, NOW, RULES, "boss")
    with pytest.raises(Conflict):
        fund.decision(deposit(), "approve", {}, NOW, RULES, "boss")


def test_the_statement_opens_with_what_came_before_and_counts_only_what_moved_the_balance():
    before = [deposit("d0", 5000, "2026-10-01"), use("u0", 1000, "2026-10-15"), use("ux", 999, None, "rejected")]
    during = [deposit("d1", 2000, "2026-11-03"), use("u1", 500, "2026-11-04"),
              use("u2", 700, "2026-11-05", "requested"), deposit("d2", 9, "2026-11-05", "pending")]
    shown = fund.statement("est_1", "2026-11", before, during, NOW)
    assert (shown["opening_balance_cents"], shown["deposits_cents"], shown["uses_cents"],
            shown["closing_balance_cents"]) == (4000, 2000, 500, 5500)
    assert [(line["entry_id"], line["balance_cents"]) for line in shown["lines"]] == [("d1", 6000), ("u1", 5500)]


def test_a_use_is_on_the_statement_when_it_was_approved_not_when_it_was_requested():
    """Requested at 09:00, paid for by a deposit at 10:00 and approved at 11:00 of the same day:
    the statement listed the use first, its balance below nothing."""
    requested = use("u1", 800, "2026-11-10") | {"created_at": "2026-11-10T01:00:00.000Z",
                                                 "decided_at": "2026-11-10T03:00:00.000Z"}
    paid = deposit("d1", 1000, "2026-11-10") | {"created_at": "2026-11-10T02:00:00.000Z"}
    shown = fund.statement("est_1", "2026-11", [], [requested, paid], NOW)
    assert [(line["entry_id"], line["balance_cents"]) for line in shown["lines"]] == [("d1", 1000), ("u1", 200)]


def test_a_posted_deposit_is_reversed_by_an_entry_of_its_own_never_below_zero():
    with pytest.raises(BusinessRuleViolation):  # a use is rejected, not reversed
        fund.deposit_reversal(use(), {"reason": "x"}, NOW, RULES, "acc")
    with pytest.raises(Conflict):  # a deposit still being written
        fund.deposit_reversal(deposit(status="pending"), {"reason": "x"}, NOW, RULES, "acc")
    reversal = fund.deposit_reversal(deposit(cents=1000), {"reason": " typed 10 for 1 "}, NOW, RULES, "boss")
    assert (reversal["kind"], reversal["status"], reversal["reverses"], reversal["reversal_reason"], reversal["day"],
            reversal["amount_cents"], reversal["requested_by"]) == (
        fund.REVERSAL, "pending", "d1", "typed 10 for 1", "2026-12-01", 1000, "boss")
    account = fund.new_account("est_1", NOW) | {"balance_cents": 999}  # a use took some of it
    with pytest.raises(BusinessRuleViolation) as refused:
        fund.account_change(account, reversal, NOW)
    assert refused.value.errors[0]["message"] == "its money has been used; it can no longer be reversed"
    written = account | {"balance_cents": 1000} | fund.account_change(account | {"balance_cents": 1000}, reversal,
                                                                        NOW).set
    assert written["balance_cents"] == 0
    posted = reversal | {"status": "posted"}
    statement = fund.statement("est_1", "2026-12", [deposit(cents=1000)], [posted], NOW)
    assert (statement["opening_balance_cents"], statement["deposits_cents"], statement["reversals_cents"],
            statement["closing_balance_cents"]) == (1000, 0, 1000, 0)
    assert [(line["kind"], line["reverses"], line["balance_cents"]) for line in statement["lines"]] == [
        (fund.REVERSAL, "d1", 0)]


def test_a_work_orders_use_waits_for_the_one_awaiting_approval_and_shows_the_approved_ones():
    order = {"work_order_id": "wo_1", "work_order_number": "WO-2026-000001"}
    approved_ = use("u1", cents=300) | order
    rejected = use("u2", cents=999, status="rejected") | order
    data = {"amount_cents": 300, "purpose": "roof", **order}
    second = fund.use("u3", "est_1", data, NOW, RULES, "acc", [approved_, rejected])  # stages: allowed
    with pytest.raises(Conflict) as refused:
        fund.use("u4", "est_1", data, NOW, RULES, "acc", [approved_, rejected, second])
    assert "WO-2026-000001 awaits approval: u3, of 300 cents" in refused.value.detail
    assert fund.use("u3", "est_1", data, NOW, RULES, "acc", [second])["_id"] == "u3"  # itself awaits nothing
    shown = fund.with_work_order_approved(second, [approved_, rejected, second])
    assert shown["work_order_other_approved"] == {"uses": 1, "amount_cents": 300}
    assert fund.with_work_order_approved(approved_, [approved_])["work_order_other_approved"] == {
        "uses": 0, "amount_cents": 0}
    assert fund.with_work_order_approved(deposit(), [])["work_order_other_approved"] is None


def test_a_posted_deposit_and_its_reversal_are_announced_under_the_deposits_id():
    """finance.fund_deposit_posted and fund_deposit_reversed (archive keeps the reversal beside the
    deposit), each within its contract."""
    from estate_common import contracts
    from estate_common.nameko.outbox import make_event
    posted = deposit("mfd_1", 5000, "2026-11-10") | {"balance_after_cents": 5000}
    reversal = fund.deposit_reversal(posted, {"reason": " typed twice "}, NOW, RULES, "acc") | {
        "status": "posted", "balance_after_cents": 0}
    announced = fund.posted_event_data(posted)
    assert announced == {"id": "mfd_1", "household_id": None, "source": "developer", "method": "bank",
                         "amount_cents": 5000, "balance_after_cents": 5000, "day": "2026-11-10",
                         "deposited_at": "2026-11-30T17:00:00.000Z"}
    taken_back = fund.reversed_event_data(reversal)
    assert taken_back == {"id": "mfd_1", "reversal_id": reversal["_id"], "household_id": None, "source": "developer",
                          "method": "bank", "amount_cents": 5000, "balance_after_cents": 0, "day": "2026-12-01",
                          "reason": "typed twice", "reversed_at": "2026-11-30T17:00:00.000Z"}
    for event_type, data in (("fund_deposit_posted", announced), ("fund_deposit_reversed", taken_back)):
        contracts.load().check_event("finance", event_type, make_event("finance", event_type, "est_1", data))


def test_a_uses_request_and_decision_are_announced_as_decided():
    """finance.fund_use_requested, fund_use_approved and fund_use_rejected, each within its
    contract: who asked is in the decision (the event's actor decided it)."""
    from estate_common import contracts
    from estate_common.nameko.outbox import make_event
    asked = fund.use("u1", "est_1", {"amount_cents": 400, "purpose": " lift rope ", "work_order_id": "wo_1",
                                     "work_order_number": "WO-2026-000001"}, NOW, RULES, "acc")
    requested = fund.use_requested_event_data(asked)
    assert requested == {"id": "u1", "amount_cents": 400, "purpose": "lift rope", "work_order_id": "wo_1",
                         "work_order_number": "WO-2026-000001", "shared_by": None, "emergency": False,
                         "requested_at": "2026-11-30T17:00:00.000Z"}
    approval = fund.decision(asked, "approve", {"consent_ref": " vote "}, NOW, RULES, "boss") | {
        "balance_after_cents": 600}
    approved_ = fund.use_decided_event_data(asked | approval)
    assert approved_ == {"id": "u1", "amount_cents": 400, "purpose": "lift rope", "work_order_id": "wo_1",
                         "work_order_number": "WO-2026-000001", "requested_by": "acc", "consent_ref": "vote",
                         "public_purpose": None, "shared_by": None, "emergency": False, "owners_decision": None, "apportionment": None,
                         "day": "2026-12-01", "balance_after_cents": 600, "approved_at": "2026-11-30T17:00:00.000Z"}
    rejected = fund.use_decided_event_data(asked | fund.decision(asked, "reject", {"reason": " no vote "}, NOW,
                                                                 RULES, "boss"))
    assert rejected == {"id": "u1", "amount_cents": 400, "purpose": "lift rope", "work_order_id": "wo_1",
                        "work_order_number": "WO-2026-000001", "requested_by": "acc", "reason": "no vote",
                        "shared_by": None, "emergency": False,
                        "rejected_at": "2026-11-30T17:00:00.000Z"}
    for event_type, data in (("fund_use_requested", requested), ("fund_use_approved", approved_),
                             ("fund_use_rejected", rejected)):
        contracts.load().check_event("finance", event_type, make_event("finance", event_type, "est_1", data))


def test_a_bank_transfer_into_the_fund_is_a_transfer_one_name_for_one_thing():
    """h1, the typhoon's leftovers, asked for a deposit's ``bank_transfer``: a bank transfer is ``transfer``
    (银行转账) for payments and deposits alike, to the bank journal; a second name would split one method
    in two across the journals' and the fund's lists."""
    from estate_common import contracts, labels
    from finance import payments
    methods = contracts.load().openapi["components"]["schemas"]["PaymentMethod"]["enum"]
    assert set(methods) == set(payments.METHOD_JOURNAL) and "bank_transfer" not in methods
    assert payments.journal_of("transfer") == "bank"
    made = fund.deposit("d", "est_1", {"source": "developer", "amount_cents": 1, "method": "transfer"}, NOW, RULES,
                        "acc")
    assert made["method"] == "transfer"
    assert labels.text("method.transfer", "zh") == "银行转账" and labels.text("method.transfer", "en") == "Bank transfer"


# -- a use shared by the flats of a building, by floor area (管理办法 art. 22-24) ----------------------

AREAS_3 = [89.37, 102.15, 120.6, 76.4, 89.37, 143.22, 98.0, 65.55, 110.1, 89.37, 132.8, 70.03]


def flats(areas=AREAS_3, building="3"):
    return [{"_id": f"hh_{n:02}", "building": building, "unit": "1" if n < 6 else "2", "room": f"{n % 6 + 1}01",
             "area_m2": area} for n, area in enumerate(areas)]


def shared_use(cents=19000000, emergency=False, **data):
    return fund.use("u", "est_1", {"amount_cents": cents, "purpose": "replace building 3's two lifts",
                                   "shared_by": {"building": "3"}, "work_order_id": "wo_1",
                                   "emergency": emergency, **data}, NOW, RULES, "acc")


def test_a_shared_use_is_apportioned_by_floor_area_to_the_cent_and_sums_to_the_spend_exactly():
    """The lift probe: what each flat bears was nowhere; rounded each on its own, shares of 100
    cents over three equal flats (33.33 each) sum to 99."""
    balances = {flat["_id"]: 10_000_000 for flat in flats()}
    lines = fund.apportionment(shared_use(), flats(), balances)
    assert sum(line["amount_cents"] for line in lines) == 19000000
    total = sum(AREAS_3)
    for line, area in zip(lines, AREAS_3):
        assert abs(line["amount_cents"] - 19000000 * area / total) < 1
        assert line["balance_after_cents"] == 10_000_000 - line["amount_cents"]
    three = fund.apportionment(shared_use(cents=100), flats([50.0, 50.0, 50.0]), {f"hh_0{n}": 100 for n in range(3)})
    assert sorted(line["amount_cents"] for line in three) == [33, 33, 34]


def test_a_shared_use_beyond_what_a_sharing_flat_holds_is_refused_naming_it():
    """Building 5's owners paid for building 3's lift: one pool of the estate (the lift probe)."""
    balances = {flat["_id"]: 1_500_000 for flat in flats()}
    with pytest.raises(BusinessRuleViolation) as refused:
        fund.apportionment(shared_use(), flats(), balances)
    assert "3-1-601" in refused.value.detail and refused.value.errors[0]["field"] == "id"
    for nobody in ([], flats([0.0, 0.0])):  # nobody shares it: refused before any share is worked out
        with pytest.raises(BusinessRuleViolation) as refused:
            fund.refuse_nobody_sharing(nobody)
        assert refused.value.errors[0]["field"] == "data.shared_by"


def test_the_owners_decision_is_two_thirds_of_the_area_and_of_the_owners_sharing_the_use():
    """A use was approved with no consent at all (the lift probe): consent_ref is free text."""
    total = sum(AREAS_3)  # 1186.96 m², 12 owners
    two_thirds_area = round(total * 2 / 3 + 0.01, 2)
    decided = fund.owners_decision(shared_use(), {"area_for_m2": two_thirds_area, "owners_for": 8,
                                                  "area_against_m2": 100.0, "owners_against": 1}, flats(), RULES)
    assert decided == {"area_for_m2": two_thirds_area, "area_against_m2": 100.0, "area_total_m2": round(total, 2),
                       "owners_for": 8, "owners_against": 1, "owners_total": 12}
    for short in ({"area_for_m2": two_thirds_area, "owners_for": 7},  # 7 of 12 owners
                  {"area_for_m2": round(total * 2 / 3 - 0.01, 2), "owners_for": 12},  # the area short
                  {"area_for_m2": total, "owners_for": 12, "owners_against": 1},  # more voters than owners
                  None):  # no decision
        with pytest.raises(BusinessRuleViolation):
            fund.owners_decision(shared_use(), short, flats(), RULES)
    assert fund.owners_decision(shared_use(), {"area_for_m2": 100.0, "owners_for": 1}, flats(),
                                RULES | {"fund_use_consent_parts": 1, "fund_use_consent_of": 12}) is not None


def test_an_emergency_use_names_its_work_order_and_needs_no_vote_first():
    """应急使用: a lift that traps people is repaired before the owners can meet; the owners are told after."""
    assert fund.owners_decision(shared_use(emergency=True), None, flats(), RULES) is None
    with pytest.raises(BusinessRuleViolation):
        shared_use(emergency=True, work_order_id=None)
    assert shared_use(emergency=True)["emergency"] is True
    assert shared_use()["shared_by"] == {"building": "3", "units": None}
