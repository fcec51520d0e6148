"""Move-in and renovation applications, without broker or store."""
from datetime import datetime, timezone

import pytest

from customer_service import applications
from customer_service.rules import DEFAULTS
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from estate_common.settings import effective
from estate_common.testing import event

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
HOUSEHOLD = {"_id": "hh_1", "estate_id": "est_1", "area_m2": 89.37}


def apply(kind="renovation", structural_change=False, **extra):
    data = {"kind": kind, "household_id": "hh_1", "structural_change": structural_change,
            "description": "new kitchen", **extra}
    return applications.new_application("app_1", "est_1", data, NOW, "zhang")


def reviewed(decision="approved"):
    return event("maintenance", "renovation_reviewed", "est_1", {
        "application_id": "app_1", "review_id": "rr_1", "decision": decision, "reviewer": "Li (engineering)",
        "reviewed_at": "2026-11-24T09:00:00.000Z"})


def settled(charge_id, bill_id="bill_1"):
    return event("finance", "bill_settled", "est_1", {
        "bill_id": bill_id, "household_id": "hh_1", "item": "renovation_deposit", "period": None,
        "amount_cents": 1, "settled_at": "2026-11-25T09:00:00.000Z",
        "charge": {"service": "customer_service", "id": charge_id,
                   "subject": {"type": "renovation_application", "id": "app_1"}}})


def billed(charge, bill_id="bill_1", item="renovation_management", cents=44685):
    return event("finance", "charge_billed", "est_1", {
        "bill_id": bill_id, "household_id": "hh_1", "item": item, "period": "2026-11",
        "amount_cents": cents, "due_at": "2026-12-09T09:00:00.000Z", "issued_at": "2026-11-24T09:00:00.000Z",
        "charge": {"service": "customer_service", "id": charge["id"],
                   "subject": {"type": "renovation_application", "id": "app_1"}}})


def step(doc, change):
    out = {**doc, **change.set}
    out["history"] = doc["history"] + change.entries
    return out


def approved_application(rules=DEFAULTS):
    application, _ = apply()
    return step(application, applications.reviewed(application, reviewed(), HOUSEHOLD, rules))


def test_a_renovation_goes_to_engineering_review():
    application, events = apply()
    assert application["status"] == "under_review"
    [(kind, data)] = events
    assert kind == "renovation_review_requested"
    assert data == {"id": "app_1", "household_id": "hh_1", "kind": "renovation", "structural_change": False,
                    "description": "new kitchen"}
    event("customer_service", "renovation_review_requested", "est_1", data)  # fits its contract


def test_a_move_in_needs_review_only_for_a_structural_change():
    plain, events = apply("move_in")
    assert plain["status"] == "approved"  # and the household moves in (archive's table)
    assert events == [("household_step_requested", {"application_id": "app_1", "household_id": "hh_1",
                                                    "step": "move_in", "at": plain["created_at"]})]
    event("customer_service", "household_step_requested", "est_1", events[0][1])  # fits its contract
    structural, events = apply("move_in", structural_change=True)
    assert structural["status"] == "under_review" and [kind for kind, _ in events] == ["renovation_review_requested"]


def test_each_step_that_moves_the_household_is_named_once():
    assert applications.STEPS == {("move_in", "approved"): "move_in", ("move_out", "approved"): "move_out",
                                  ("renovation", "works_started"): "renovation_start",
                                  ("renovation", "accepted"): "renovation_end"}
    out, events = apply("move_out")
    assert out["status"] == "approved" and [data["step"] for _, data in events] == ["move_out"]
    with pytest.raises(BusinessRuleViolation) as refused:
        applications.check({"kind": "move_out", "structural_change": False, "works_from": "2026-12-01"})
    assert refused.value.errors[0]["field"] == "data.works_from"


def test_works_cannot_end_before_they_start():
    applications.check({"works_from": "2026-12-01", "works_to": "2026-12-01"})
    with pytest.raises(BusinessRuleViolation) as refused:  # 422: both dates are valid alone
        applications.check({"works_from": "2026-12-02", "works_to": "2026-12-01"})
    assert refused.value.errors[0]["field"] == "data.works_to"


@pytest.mark.parametrize("works, field, why", [
    ({"works_from": "2999-01-01", "works_to": "2999-12-31"}, "data.works_from", "is more than 90 days ahead"),
    ({"works_from": "2026-12-10", "works_to": "2999-12-31"}, "data.works_to", "the works last more than 90 days"),
    ({"works_from": "2027-02-22"}, "data.works_from", "is more than 90 days ahead"),        # 91 days on
    ({"works_from": "2026-12-01", "works_to": "2027-03-02"}, "data.works_to", "the works last more than 90 days"),
    ({"works_to": "2027-02-22"}, "data.works_to", "the works last more than 90 days"),    # from today
])
def test_renovation_works_start_and_end_within_the_estates_days(works, field, why):
    """Works to 2999 were taken, and the application blocked the household's next one (a probe)."""
    data = {"kind": "renovation", "structural_change": False, **works}
    with pytest.raises(BusinessRuleViolation) as refused:
        applications.check(data, "2026-11-23", DEFAULTS)
    assert refused.value.errors == [{"field": field, "message": why}]


def test_renovation_works_within_the_estates_days_are_taken():
    applications.check({"kind": "renovation", "structural_change": False, "works_from": "2027-02-21",
                        "works_to": "2027-05-22"}, "2026-11-23", DEFAULTS)          # 90 days on, 90 days long
    applications.check({"kind": "renovation", "structural_change": False, "works_to": "2027-02-21"},
                        "2026-11-23", DEFAULTS)
    longer = {**DEFAULTS, "renovation_works_max_days": 180}
    applications.check({"kind": "renovation", "structural_change": False, "works_from": "2026-12-01",
                        "works_to": "2027-05-30"}, "2026-11-23", longer)
    with pytest.raises(BusinessRuleViolation) as refused:  # ending before it starts: that refusal, not the horizon's
        applications.check({"kind": "renovation", "structural_change": False, "works_from": "2026-12-02",
                            "works_to": "2026-12-01"}, "2026-11-23", DEFAULTS)
    assert refused.value.errors[0]["message"] == "is before works_from"


def test_approval_requests_the_management_fee_by_area_and_the_deposit():
    application = approved_application()
    assert application["status"] == "fees_requested"
    fees = {c["item"]: c["amount_cents"] for c in application["charges"]}
    assert fees == {"renovation_management": 44685, "renovation_deposit": 200000}  # 89.37 m² × 5.00 CNY
    change = applications.reviewed(apply()[0], reviewed(), HOUSEHOLD, DEFAULTS)
    assert [e["action"] for e in change.entries] == ["approved", "fees_requested"]
    assert [kind for kind, _ in change.events] == ["charge_raised", "charge_raised"]
    for _, data in change.events:
        assert data["subject"] == {"type": "renovation_application", "id": "app_1"} and data["collected"] is False
        event("customer_service", "charge_raised", "est_1", data)
    assert {data["item"]: data["detail"] for _, data in change.events} == {
        "renovation_management": {"kind": "renovation_management", "pricing": "per_m2", "area_m2": 89.37,
                                  "cents_per_m2": 500},
        "renovation_deposit": {"kind": "renovation_deposit"}}
    assert {c["item"]: c["detail"] for c in application["charges"]} == {d["item"]: d["detail"] for _, d in change.events}


def test_a_fixed_management_fee_says_so_in_its_parts():
    rules = {**DEFAULTS, applications.FIXED_MANAGEMENT_FEE: 80000}
    fees = {c["item"]: c for c in approved_application(rules)["charges"]}
    assert fees["renovation_management"]["amount_cents"] == 80000
    assert fees["renovation_management"]["detail"] == {"kind": "renovation_management", "pricing": "fixed"}


def test_a_fee_requested_before_its_parts_were_kept_is_raised_and_withdrawn_without_them():
    application = approved_application()
    old = {k: v for k, v in application["charges"][0].items() if k != "detail"}
    data = applications.charge_event_data(application, old)
    assert "detail" not in data
    event("customer_service", "charge_raised", "est_1", data)


def test_fees_are_estate_settings_and_rounded_half_up_to_the_cent():
    rules = effective(DEFAULTS, {"renovation_management_fee_cents_per_m2": 350, "renovation_deposit_cents": 100000})
    fees = {c["item"]: c["amount_cents"] for c in approved_application(rules)["charges"]}
    assert fees == {"renovation_management": 31280, "renovation_deposit": 100000}  # 89.37 × 350 = 31279.5


def test_a_rejected_review_ends_the_application_and_a_redelivery_changes_nothing():
    application, _ = apply()
    rejected = step(application, applications.reviewed(application, reviewed("rejected"), HOUSEHOLD, DEFAULTS))
    assert rejected["status"] == "rejected" and rejected["charges"] == []
    assert applications.reviewed(rejected, reviewed("approved"), HOUSEHOLD, DEFAULTS) is None
    with pytest.raises(Conflict):
        applications.start_works(rejected, {}, NOW, "zhang")


def test_the_review_is_kept_by_where_to_read_its_notes_not_their_words():
    """The reviewer's notes are engineering's (``…/renovation-reviews/{review_id}``): the event no
    longer carries them, the application keeps the decision, who, when and the review's id (h8)."""
    application, _ = apply()
    rejected = step(application, applications.reviewed(application, reviewed("rejected"), HOUSEHOLD, DEFAULTS))
    assert rejected["review"] == {"decision": "rejected", "reviewer": "Li (engineering)",
                                  "reviewed_at": "2026-11-24T09:00:00.000Z", "review_id": "rr_1"}
    assert rejected["history"][-1]["note"] == "by Li (engineering)"
    # an event an older maintenance made (its notes, no review id: one in flight during the rollout,
    # customer service rolled first) is still taken, and its notes kept on the application as on one
    # reviewed before: it names no review to read them at, and the page showed the decision without
    # its reason (found by review r8 of h8)
    older = reviewed()
    older["data"] = {**{k: v for k, v in older["data"].items() if k != "review_id"}, "notes": "call 13800138000"}
    approved = step(application, applications.reviewed(application, older, HOUSEHOLD, DEFAULTS))
    assert approved["review"]["review_id"] is None and approved["review"]["notes"] == "call 13800138000"
    assert "13800138000" not in approved["history"][-1]["note"]


def test_a_structural_move_in_approved_owes_no_fees_and_may_start():
    application, _ = apply("move_in", structural_change=True)
    approved = step(application, applications.reviewed(application, reviewed(), HOUSEHOLD, DEFAULTS))
    assert approved["status"] == "approved" and approved["charges"] == []
    assert applications.start_works(approved, {}, NOW, "zhang").set["status"] == "works_started"


def test_works_wait_for_both_fees_to_be_paid():
    application = approved_application()
    with pytest.raises(Conflict):
        applications.start_works(application, {}, NOW, "zhang")
    management, deposit = application["charges"]
    one_paid = step(application, applications.settled(application, settled(management["id"], "bill_1")))
    assert one_paid["status"] == "fees_requested" and one_paid["charges"][0]["status"] == "paid"
    assert applications.settled(one_paid, settled(management["id"], "bill_1")) is None  # redelivered
    both_paid = step(one_paid, applications.settled(one_paid, settled(deposit["id"], "bill_2")))
    assert both_paid["status"] == "fees_paid" and both_paid["charges"][1]["bill_id"] == "bill_2"
    started = step(both_paid, applications.start_works(both_paid, {"notes": "crew of three"}, NOW, "zhang"))
    assert started["status"] == "works_started" and started["works_started_at"]


def test_a_fee_shows_its_bill_from_when_finance_issues_it_unpaid():
    """Its bill was linked only once paid: the desk could not name the bill the owner was to pay
    (the brief)."""
    application = approved_application()
    management, deposit = application["charges"]
    assert (management["bill_id"], management["billed_at"], management["bill_due_at"]) == (None, None, None)
    issued = billed(management, "bill_m")
    linked = step(application, applications.billed(application, issued))
    shown = linked["charges"][0]
    assert (shown["bill_id"], shown["billed_at"], shown["bill_due_at"], shown["status"], shown["paid_at"]) == (
        "bill_m", "2026-11-24T09:00:00.000Z", "2026-12-09T09:00:00.000Z", "requested", None)
    assert linked["charges"][1] == deposit and linked["status"] == "fees_requested"
    assert linked["history"][-1]["action"] == "fee_billed" and "bill_m" in linked["history"][-1]["note"]
    assert applications.billed(linked, issued) is None  # a redelivery
    assert applications.billed(linked, billed({"id": "chg_unknown"})) is None
    paid = step(linked, applications.settled(linked, settled(management["id"], "bill_m")))
    assert paid["charges"][0]["status"] == "paid" and paid["charges"][0]["billed_at"] == shown["billed_at"]


def test_a_bill_issued_after_its_payment_arrived_keeps_the_fee_paid():
    """The two events of one bill travel apart: a settlement read first stays."""
    application = approved_application()
    _, deposit = application["charges"]
    paid = step(application, applications.settled(application, settled(deposit["id"], "bill_d")))
    linked = step(paid, applications.billed(paid, billed(deposit, "bill_d", "renovation_deposit", 200000)))
    assert linked["charges"][1]["status"] == "paid" and linked["charges"][1]["bill_id"] == "bill_d"
    assert linked["charges"][1]["bill_due_at"] == "2026-12-09T09:00:00.000Z"


def test_a_bill_of_another_charge_is_not_ours():
    assert applications.is_ours(None) is False
    assert applications.is_ours({"service": "maintenance", "id": "x", "subject": {"type": "work_order", "id": "w"}}) \
        is False
    assert applications.settled(approved_application(), settled("chg_unknown")) is None


def test_joint_acceptance_needs_both_sign_offs_and_a_pass():
    application = approved_application()
    for charge in application["charges"]:
        application = step(application, applications.settled(application, settled(charge["id"], charge["id"])))
    application = step(application, applications.start_works(application, {}, NOW, "zhang"))
    with pytest.raises(InvalidInput) as refused:
        applications.acceptance(application, {"customer_service_by": "Zhang", "maintenance_by": "  ", "passed": True},
                                NOW, "zhang")
    assert refused.value.errors[0]["field"] == "data.maintenance_by"
    failed = step(application, applications.acceptance(application, {
        "customer_service_by": "Zhang", "maintenance_by": "Li", "passed": False, "notes": "fire door missing"},
        NOW, "zhang"))
    assert failed["status"] == "works_started" and failed["accepted_at"] is None
    accepted = step(failed, applications.acceptance(failed, {
        "customer_service_by": "Zhang", "maintenance_by": "Li", "passed": True}, NOW, "zhang"))
    assert accepted["status"] == "accepted" and len(accepted["acceptances"]) == 2
    with pytest.raises(Conflict):
        applications.acceptance(accepted, {"customer_service_by": "Zhang", "maintenance_by": "Li", "passed": True},
                                NOW, "zhang")


def withdrawn_changes(application, reason="the owner gave it up"):
    return applications.withdrawal(application, {"reason": f"  {reason} "}, NOW, "zhang")


def test_an_application_under_review_is_withdrawn_and_its_review_closed():
    application, _ = apply()
    change = withdrawn_changes(application)
    withdrawn = step(application, change)
    assert withdrawn["status"] == "withdrawn" and withdrawn["charges"] == []
    assert withdrawn["withdrawal"] == {"at": "2026-11-23T08:30:00.000Z", "by": "zhang", "reason": "the owner gave it up"}
    assert withdrawn["history"][-1]["action"] == "withdrawn"
    [(kind, data)] = change.events
    # the reason is the desk's words (a phone, a name in them): kept on the application and read there by
    # role, not carried to maintenance and every webhook subscriber (h6, as renovation_reviewed's notes)
    assert (kind, data) == ("application_withdrawn", {"id": "app_1", "household_id": "hh_1", "kind": "renovation",
                                                      "structural_change": False, "description": "new kitchen",
                                                      "review_pending": True})
    event("customer_service", kind, "est_1", data)  # fits its contract
    # engineering's decision, on its way meanwhile, moves it no more
    assert applications.reviewed(withdrawn, reviewed(), HOUSEHOLD, DEFAULTS) is None
    with pytest.raises(Conflict):
        withdrawn_changes(withdrawn)  # once
    with pytest.raises(Conflict):
        applications.start_works(withdrawn, {}, NOW, "zhang")


def test_a_renovation_with_its_fees_requested_is_withdrawn_with_each_fee():
    application = approved_application()
    assert application["status"] == "fees_requested"
    change = withdrawn_changes(application)
    withdrawn = step(application, change)
    assert [c["status"] for c in withdrawn["charges"]] == ["withdrawn", "withdrawn"]
    kinds = [kind for kind, _ in change.events]
    assert kinds == ["application_withdrawn", "charge_withdrawn", "charge_withdrawn"]
    assert change.events[0][1]["review_pending"] is False
    for (kind, data), charge in zip(change.events[1:], application["charges"]):
        # the charge as it was raised, so that finance can cancel a bill it has not made yet
        assert data == applications.charge_event_data(application, charge) | {"reason": "the owner gave it up"}
        event("customer_service", kind, "est_1", data)  # fits its contract


def test_a_paid_fee_is_withdrawn_too_but_started_works_or_an_approved_move_in_are_not():
    application = approved_application()
    management, deposit = application["charges"]
    one_paid = step(application, applications.settled(application, settled(management["id"], "bill_1")))
    change = withdrawn_changes(one_paid)  # finance gives the paid money back (the household's prepaid credit)
    assert [c["status"] for c in step(one_paid, change)["charges"]] == ["withdrawn", "withdrawn"]
    assert [data["id"] for kind, data in change.events if kind == "charge_withdrawn"] == [management["id"], deposit["id"]]
    both_paid = step(one_paid, applications.settled(one_paid, settled(deposit["id"], "bill_2")))
    assert both_paid["status"] == "fees_paid" and withdrawn_changes(both_paid).set["status"] == "withdrawn"
    started = step(both_paid, applications.start_works(both_paid, {}, NOW, "zhang"))
    with pytest.raises(Conflict):
        withdrawn_changes(started)
    move_in, _ = apply("move_in")
    assert move_in["status"] == "approved"
    with pytest.raises(Conflict):  # archive has moved the household in
        withdrawn_changes(move_in)
    structural, _ = apply("move_in", structural_change=True)
    assert withdrawn_changes(structural).set["status"] == "withdrawn"  # still under review: nothing moved


def test_a_fee_paid_on_the_withdrawals_way_stays_withdrawn():
    application = approved_application()
    management, _ = application["charges"]
    withdrawn = step(application, withdrawn_changes(application))
    assert applications.settled(withdrawn, settled(management["id"], "bill_1")) is None  # finance gives it back


def test_every_status_has_its_row():
    table = applications.TRANSITIONS
    assert all(target in table for row in table.values() for target in row.values())
    assert table["accepted"] == table["rejected"] == {}


# -- 改期: the works window moves before the works start ----------------------------------------

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
MOVED = {"works_from": "2026-12-20", "works_to": "2027-02-10", "reason": "the contractor starts later"}


def test_works_not_begun_are_moved_with_who_when_and_why_and_announced():
    """Without it a desk let works start before works_from, or withdrew, had them reviewed and
    paid again (the brief)."""
    application, _ = apply(works_from="2026-12-01", works_to="2027-01-15")
    for status in ("under_review", "approved", "fees_requested", "fees_paid"):
        current = {**application, "status": status}
        change = applications.reschedule(current, MOVED, "2026-11-23", RULES, NOW, "zhang")
        moved = step(current, change)
        assert (moved["works_from"], moved["works_to"], moved["status"]) == ("2026-12-20", "2027-02-10", status)
        entry = moved["history"][-1]
        assert (entry["action"], entry["by"], entry["at"]) == ("rescheduled", "zhang", "2026-11-23T08:30:00.000Z")
        assert entry["note"] == "2026-12-01 – 2027-01-15 → 2026-12-20 – 2027-02-10: the contractor starts later"
        [(kind, data)] = change.events
        assert kind == "application_rescheduled" and data["id"] == "app_1" and data["previous"] == {"works_from": "2026-12-01",
                                                                          "works_to": "2027-01-15"}
        event("customer_service", "application_rescheduled", "est_1", data)  # fits its contract
        assert applications.reschedule(moved, MOVED, "2026-11-23", RULES, NOW, "zhang") is None  # a double tap


def test_a_moved_renovation_keeps_its_fees_paid_or_not():
    """The fees are per m² of floor area and a fixed deposit: none per day of works."""
    application = approved_application()
    management, _ = application["charges"]
    one_paid = step(application, applications.settled(application, settled(management["id"], "bill_1")))
    moved = step(one_paid, applications.reschedule(one_paid, MOVED, "2026-11-23", RULES, NOW, "zhang"))
    assert moved["charges"] == one_paid["charges"] and moved["status"] == "fees_requested"


@pytest.mark.parametrize("status", ["works_started", "accepted", "rejected", "withdrawn"])
def test_works_started_or_an_application_closed_are_not_moved(status):
    application, _ = apply(works_from="2026-12-01")
    with pytest.raises(Conflict):
        applications.reschedule({**application, "status": status}, MOVED, "2026-11-23", RULES, NOW, "zhang")


def test_a_move_out_or_a_move_in_archive_refused_is_not_moved():
    move_out, _ = apply("move_out")
    with pytest.raises(Conflict):
        applications.reschedule(move_out, MOVED, "2026-11-23", RULES, NOW, "zhang")
    plain, _ = apply("move_in")  # no structural change: no works to move (a renovation's)
    with pytest.raises(Conflict):
        applications.reschedule(plain, MOVED, "2026-11-23", RULES, NOW, "zhang")
    move_in, _ = apply("move_in", structural_change=True)
    refused = {**move_in, "household_step_refused": {"step": "move_in", "reason": "occupied",
                                                     "refused_at": "2026-11-23T08:30:00.000Z"}}
    with pytest.raises(Conflict):
        applications.reschedule(refused, MOVED, "2026-11-23", RULES, NOW, "zhang")
    moved = applications.reschedule(move_in, MOVED, "2026-11-23", RULES, NOW, "zhang")  # not refused: moved
    assert moved.set["works_from"] == "2026-12-20"


@pytest.mark.parametrize("works, field, why", [
    ({"works_from": "2026-11-22", "works_to": "2026-12-10"}, "data.works_from", "is before today"),
    ({"works_from": "2027-02-22", "works_to": "2027-03-01"}, "data.works_from", "is more than 90 days ahead"),
    ({"works_from": "2026-12-01", "works_to": "2027-03-02"}, "data.works_to", "the works last more than 90 days"),
    ({"works_from": "2026-12-02", "works_to": "2026-12-01"}, "data.works_to", "is before works_from"),
])
def test_a_move_keeps_to_the_windows_of_a_filing_counted_from_today(works, field, why):
    application, _ = apply(works_from="2026-12-01")
    with pytest.raises(BusinessRuleViolation) as refused:
        applications.reschedule(application, {**works, "reason": "x"}, "2026-11-23", RULES, NOW, "zhang")
    assert refused.value.errors == [{"field": field, "message": why}]
    # counted from the day of the move, not the filing's: 90 days on from a later today is taken
    later = applications.reschedule(application, {"works_from": "2027-02-22", "works_to": "2027-05-23",
                                                  "reason": "x"}, "2026-11-24", RULES, NOW, "zhang")
    assert later.set["works_to"] == "2027-05-23"


def test_works_begin_within_their_window_on_the_estates_day():
    """Not before works_from, nor after works_to: a window that ended is rescheduled first (review)."""
    application, _ = apply("move_in", structural_change=True, works_from="2026-12-01", works_to="2026-12-31")
    application = step(application, applications.reviewed(application, reviewed(), HOUSEHOLD, DEFAULTS))
    assert application["status"] == "approved"
    with pytest.raises(BusinessRuleViolation) as early:
        applications.start_works(application, {}, NOW, "zhang", today="2026-11-30")
    assert early.value.errors == [{"field": "works_from", "message": "is the window's first day, 2026-12-01"}]
    for day in ("2026-12-01", "2026-12-31"):
        assert applications.start_works(application, {}, NOW, "zhang", today=day).set["status"] == "works_started"
    with pytest.raises(BusinessRuleViolation) as late:
        applications.start_works(application, {}, NOW, "zhang", today="2027-01-01")
    assert late.value.errors == [{"field": "works_to", "message": "is the window's last day, 2026-12-31"}]
    assert "reschedule" in str(late.value)
