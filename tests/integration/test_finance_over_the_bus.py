"""finance with the other services on the real broker: household copies from archive feed a
billing run that the job timer carries out, and a charge published twice by maintenance
becomes one bill that a payment settles; its reversal reopens the bills and archive keeps it."""
import time

import pytest
from nameko.standalone.events import event_dispatcher

from estate_common import calendar, clock
from estate_common.testing import event

pytestmark = pytest.mark.broker


def finished(rpc, job_id):
    job = rpc("finance", "get_job", {"id": job_id})
    return job if job["status"] in ("succeeded", "failed") else None


def test_a_billing_run_and_a_charge_become_bills_that_a_payment_settles(system, rpc, eventually, rabbit_config):
    estate = rpc("archive", "create_estate", {"data": {"code": "FIN-01", "name": "Garden", "address": "3 South Rd"}})
    estate_id = estate["id"]
    household = rpc("archive", "create_household", {"estate_id": estate_id, "data": {
        "building": "2", "unit": "1", "room": "303", "area_m2": 89.37,
        "owner": {"name": "钱七", "phone": "13600002222"}}})
    standard = rpc("finance", "create_fee_standard", {"estate_id": estate_id, "data": {
        "item": "property_service", "unit_price_cents_per_m2": 235, "cycle": "monthly", "valid_from": "2026-01"}})
    rpc("finance", "approve_fee_standard", {"estate_id": estate_id, "id": standard["id"]})

    def billed():
        job = rpc("finance", "start_billing_run", {"estate_id": estate_id, "data": {"period": "2026-11"}})
        done = eventually(lambda: finished(rpc, job["id"]))
        assert done["status"] == "succeeded"
        return done if done["result"]["households"] else None  # the household copy may still be on its way

    done = eventually(billed)
    assert done["progress"]["done"] == done["progress"]["total"] == 1

    def run_ended():  # the run's end, one event with its counts, kept by archive (an integrator's follow-ups)
        records = rpc("archive", "list_records", {"estate_id": estate_id, "filters": {"subject_id": done["id"]}})
        return records["items"] or None

    [ended] = eventually(run_ended)
    assert (ended["event_type"], ended["subject_type"]) == ("billing_run_finished", "billing_run")
    assert (ended["data"]["period"], ended["data"]["bills_created"], ended["data"]["billed_cents"]) == (
        "2026-11", 1, 21002)
    listing = {"estate_id": estate_id, "filters": {"household_id": household["id"]}}
    [bill] = rpc("finance", "list_bills", listing)["items"]
    assert bill["amount_cents"] == 21002 and bill["status"] == "unpaid"

    raised = event("maintenance", "charge_raised", estate_id, {
        "id": "wo_fin_1", "item": "repair", "amount_cents": 8800, "description": "replaced a tap",
        "household_id": household["id"], "subject": {"type": "work_order", "id": "wo_fin_1"}, "collected": False})
    dispatch = event_dispatcher(rabbit_config)
    dispatch("maintenance", "charge_raised", raised)
    dispatch("maintenance", "charge_raised", raised)
    eventually(lambda: len(rpc("finance", "list_bills", listing)["items"]) == 2)
    time.sleep(1.0)  # give the second copy every chance to land
    assert len(rpc("finance", "list_bills", listing)["items"]) == 2

    payment = rpc("finance", "create_payment", {"estate_id": estate_id, "data": {
        "household_id": household["id"], "amount_cents": 21002 + 8800, "method": "wechat"}},
        context={"idempotency_key": "it-pay-1"})
    assert payment["receipt_number"].startswith("RC-") and payment["unapplied_cents"] == 0
    again = rpc("finance", "create_payment", {"estate_id": estate_id, "data": {
        "household_id": household["id"], "amount_cents": 21002 + 8800, "method": "wechat"}},
        context={"idempotency_key": "it-pay-1"})
    assert again["id"] == payment["id"]
    assert {b["status"] for b in rpc("finance", "list_bills", listing)["items"]} == {"paid"}

    reversed_ = rpc("finance", "reverse_payment", {"estate_id": estate_id, "id": payment["id"],
                                                    "data": {"reason": "wrong household"}})
    assert reversed_["status"] == "reversed"
    assert {b["status"] for b in rpc("finance", "list_bills", listing)["items"]} == {"unpaid"}

    def recorded():  # archive keeps the posting and the reversal on the payment's record
        records = rpc("archive", "list_records", {"estate_id": estate_id, "filters": {"subject_id": payment["id"]}})
        kinds = {r["event_type"]: r["data"] for r in records["items"]}
        return kinds if sorted(kinds) == ["payment_posted", "payment_reversed"] else None

    kept = eventually(recorded)
    # each bill by its fee item and period, which the archivist reads nowhere else (it read 账单
    # bill_64c…: a probe of the archives' work)
    named = {b["id"]: (b["item"], b["period"]) for b in rpc("finance", "list_bills", listing)["items"]}
    assert {b["bill_id"]: (b["item"], b["period"]) for b in kept["payment_posted"]["bills"]} == named
    assert {b["bill_id"]: (b["item"], b["period"]) for b in kept["payment_reversed"]["bills"]} == named
    assert sorted(item for item, _ in named.values()) == ["property_service", "repair"]


def test_archive_keeps_the_costs_and_the_funds_deposits_with_their_reversals(system, rpc, eventually):
    """finance announced neither a cost nor money paid into the special maintenance fund, nor
    either taken back, so the archive kept no record of them (found by review)."""
    estate = rpc("archive", "create_estate", {"data": {"code": "FIN-02", "name": "Orchard", "address": "5 East Rd"}})
    estate_id = estate["id"]
    cost = rpc("finance", "record_operating_expense", {"estate_id": estate_id, "data": {
        "period": calendar.period_of(clock.now(), calendar.DEFAULT_TIMEZONE), "category": "cleaning", "amount_cents": 30000, "description": "保洁外包"}},
        context={"idempotency_key": "it-opx-1"})
    rpc("finance", "reverse_operating_expense", {"estate_id": estate_id, "id": cost["id"],
                                                 "data": {"reason": "typed twice"}})
    deposit = rpc("finance", "fund_deposit", {"estate_id": estate_id, "data": {
        "source": "developer", "amount_cents": 500000, "method": "bank"}}, context={"idempotency_key": "it-mfd-1"})
    reversal = rpc("finance", "reverse_fund_deposit", {"estate_id": estate_id, "id": deposit["id"],
                                                       "data": {"reason": "typed 50,000 for 5,000"}})
    assert reversal["status"] == "posted"

    def kept(subject_id, expected):
        records = rpc("archive", "list_records", {"estate_id": estate_id, "filters": {"subject_id": subject_id}})
        found = sorted((r["subject_type"], r["event_type"]) for r in records["items"])
        return found if found == expected else None

    eventually(lambda: kept(cost["id"], [("operating_expense", "operating_expense_recorded"),
                                         ("operating_expense", "operating_expense_reversed")]))
    eventually(lambda: kept(deposit["id"], [("fund_deposit", "fund_deposit_posted"),
                                            ("fund_deposit", "fund_deposit_reversed")]))
    changes = rpc("archive", "list_change_log", {"estate_id": estate_id, "filters": {}})["items"]
    assert {(c["subject_id"], c["action"]) for c in changes} >= {
        (cost["id"], "operating_expense_reversed"), (deposit["id"], "fund_deposit_reversed")}


def test_archive_keeps_the_funds_uses_with_their_approval_or_rejection(system, rpc, eventually):
    """finance announced no use of the special maintenance fund, so the archive kept no record of
    the owners' money asked for, paid out or refused (found by review)."""
    estate = rpc("archive", "create_estate", {"data": {"code": "FIN-03", "name": "Maple", "address": "7 West Rd"}})
    estate_id = estate["id"]
    rpc("finance", "fund_deposit", {"estate_id": estate_id, "data": {
        "source": "developer", "amount_cents": 500000, "method": "bank"}}, context={"idempotency_key": "it-mfd-3"})
    paid = rpc("finance", "request_fund_use", {"estate_id": estate_id, "data": {
        "amount_cents": 120000, "purpose": "replace the lift's traction rope"}}, context={"idempotency_key": "it-mfu-1"})
    refused = rpc("finance", "request_fund_use", {"estate_id": estate_id, "data": {
        "amount_cents": 5000, "purpose": "paint the gate"}}, context={"idempotency_key": "it-mfu-2"})
    # the operator admin approves what he asked for (four eyes spare him: estate_common.roles)
    assert rpc("finance", "approve_fund_use", {"estate_id": estate_id, "id": paid["id"], "data": {
        "consent_ref": "owners' vote 2026-11"}})["status"] == "approved"
    rpc("finance", "reject_fund_use", {"estate_id": estate_id, "id": refused["id"], "data": {"reason": "no consent"}})

    def kept(subject_id, expected):
        records = rpc("archive", "list_records", {"estate_id": estate_id, "filters": {"subject_id": subject_id}})
        found = sorted((r["subject_type"], r["event_type"]) for r in records["items"])
        return found if found == expected else None

    eventually(lambda: kept(paid["id"], [("fund_use", "fund_use_approved"), ("fund_use", "fund_use_requested")]))
    eventually(lambda: kept(refused["id"], [("fund_use", "fund_use_rejected"), ("fund_use", "fund_use_requested")]))
    changes = rpc("archive", "list_change_log", {"estate_id": estate_id, "filters": {"subject_type": "fund_use"}})
    assert {(c["subject_id"], c["action"]) for c in changes["items"]} == {
        (paid["id"], "fund_use_approved"), (refused["id"], "fund_use_rejected")}
