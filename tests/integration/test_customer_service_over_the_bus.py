"""customer_service on the real broker: maintenance's and finance's events reach it, and what
it announces leaves on the bus (a listener stands in for maintenance and finance)."""
from datetime import timedelta

import pytest
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher

from estate_common import clock
from estate_common.errors import BusinessRuleViolation
from estate_common.testing import event

pytestmark = pytest.mark.broker

HEARD = []


class Listener:
    """What maintenance and finance will consume, recorded."""
    name = "cs_listener"

    @event_handler("customer_service", "follow_up_requested")
    def follow_up(self, payload):
        HEARD.append(payload)

    @event_handler("customer_service", "charge_raised")
    def charge(self, payload):
        HEARD.append(payload)


def ready_household(rpc, eventually, code):
    estate = rpc("archive", "create_estate", {"data": {"code": code, "name": "Sunrise", "address": "5 East Rd"}})
    household = rpc("archive", "create_household", {"estate_id": estate["id"], "data": {
        "building": "7", "unit": "2", "room": "602", "area_m2": 100, "owner": {"name": "王五", "phone": "13700001111"}}})

    def registered():
        try:
            return rpc("customer_service", "create_request", {"estate_id": estate["id"], "data": {
                "kind": "repair", "household_id": household["id"], "channel": "app", "description": "no power"}})
        except BusinessRuleViolation:
            return None  # the household copy has not arrived yet
    return estate["id"], household["id"], eventually(registered)


def test_a_completed_order_and_a_problem_found_on_the_return_visit_cross_the_bus(
        system, rpc, eventually, rabbit_config, container_factory):
    HEARD.clear()
    container_factory(Listener, rabbit_config).start()
    estate_id, household_id, request = ready_household(rpc, eventually, "CS-IT-1")
    completed = event("maintenance", "work_order_completed", estate_id, {
        "id": "wo_it_1", "number": "WO-2026-000099", "source": {"type": "service_request", "id": request["id"]},
        "request_id": request["id"], "household_id": household_id, "priority": "emergency",
        "reported_at": request["created_at"], "started_at": None, "completed_at": request["created_at"],
        "charge_cents": 0, "material_cost_cents": 0, "labour_cost_cents": 0, "signed_by": "owner"})
    dispatch = event_dispatcher(rabbit_config)
    dispatch("maintenance", "work_order_completed", completed)
    dispatch("maintenance", "work_order_completed", completed)  # a duplicate changes nothing

    def done():
        shown = rpc("customer_service", "get_request", {"estate_id": estate_id, "id": request["id"]})
        return shown if shown["status"] == "completed" else None
    shown = eventually(done)
    assert shown["return_visit_required"] is True and shown["return_visit_due_at"]

    visit = rpc("customer_service", "record_return_visit", {"estate_id": estate_id, "id": request["id"], "data": {
        "satisfaction": 2, "notes": "lights flicker", "problem_found": True}})
    asked = eventually(lambda: [e for e in HEARD if e["event_type"] == "follow_up_requested"
                                and e["estate_id"] == estate_id])  # the module's other tests' are others
    assert asked[0]["data"]["id"] == visit["follow_up_id"] and asked[0]["request_id"] == "it-request"
    history = rpc("customer_service", "get_request", {"estate_id": estate_id, "id": request["id"]})["history"]
    assert [s["action"] for s in history].count("completed") == 1


def test_a_renovation_is_reviewed_billed_and_paid_over_the_bus(system, rpc, eventually, rabbit_config,
                                                                 container_factory):
    HEARD.clear()
    container_factory(Listener, rabbit_config).start()
    estate_id, household_id, _ = ready_household(rpc, eventually, "CS-IT-2")
    application = rpc("customer_service", "create_application", {"estate_id": estate_id, "data": {
        "kind": "renovation", "household_id": household_id, "structural_change": True,
        "description": "move a partition wall"}})
    dispatch = event_dispatcher(rabbit_config)
    dispatch("maintenance", "renovation_reviewed", event("maintenance", "renovation_reviewed", estate_id, {
        "application_id": application["id"], "decision": "approved", "reviewer": "Li", "review_id": "rvw_1",
        "reviewed_at": application["created_at"]}))
    charges = eventually(lambda: (lambda c: c if len(c) == 2 else None)(
        [e["data"] for e in HEARD if e["event_type"] == "charge_raised" and e["estate_id"] == estate_id]))
    assert {c["item"]: c["amount_cents"] for c in charges} == {"renovation_management": 50000,
                                                               "renovation_deposit": 200000}
    # finance bills each charge and announces its bill (charge_billed): the fees name those bills
    billed = eventually(lambda: (lambda a: {c["id"]: c["bill_id"] for c in a["charges"]}
                                 if a["charges"] and all(c.get("bill_id") for c in a["charges"]) else None)(
        rpc("customer_service", "get_application", {"estate_id": estate_id, "id": application["id"]})))
    for charge in charges:
        dispatch("finance", "bill_settled", event("finance", "bill_settled", estate_id, {
            "bill_id": billed[charge["id"]], "household_id": household_id, "item": charge["item"], "period": None,
            "amount_cents": charge["amount_cents"], "settled_at": application["created_at"],
            "charge": {"service": "customer_service", "id": charge["id"], "subject": charge["subject"]}}))

    def paid():
        shown = rpc("customer_service", "get_application", {"estate_id": estate_id, "id": application["id"]})
        return shown if shown["status"] == "fees_paid" else None
    assert {c["id"]: c["bill_id"] for c in eventually(paid)["charges"]} == billed

    deposit = next(c for c in charges if c["item"] == "renovation_deposit")
    dispatch("finance", "payment_reversed", event("finance", "payment_reversed", estate_id, {
        "id": "pay_it_1", "receipt_number": "RC-2026-000001", "household_id": household_id,
        "amount_cents": deposit["amount_cents"], "method": "wechat", "reason": "bounced",
        # a minute after its settlement, as a reversal comes: a fee settled again at the reopening's
        # moment (finance's same step) stays paid (review r8 of h8)
        "reversed_at": clock.to_iso(clock.parse_iso(application["created_at"]) + timedelta(minutes=1)),
        "bills": [{"bill_id": billed[deposit["id"]], "amount_cents": deposit["amount_cents"],
                   "charge": {"service": "customer_service", "id": deposit["id"], "subject": deposit["subject"]}}]}))

    def reopened():  # the reversed payment had paid the deposit: it is owed again
        shown = rpc("customer_service", "get_application", {"estate_id": estate_id, "id": application["id"]})
        return shown if shown["status"] == "fees_requested" else None
    assert {c["item"]: c["status"] for c in eventually(reopened)["charges"]} == {
        "renovation_management": "paid", "renovation_deposit": "requested"}


def test_a_request_handed_over_and_a_notice_withdrawn_reach_the_archive(system, rpc, eventually):
    """The two events an integrator's follow-ups added cross the bus to archive's record (and so are
    routed for a webhook subscription as every other event is)."""
    estate_id, _, request = ready_household(rpc, eventually, "CS-HAND")
    rpc("customer_service", "transfer_request", {"estate_id": estate_id, "id": request["id"],
                                                 "data": {"handler": "zhou"}}, context={"assignee": "front_desk"})
    notice = rpc("customer_service", "create_notice", {"estate_id": estate_id, "data": {
        "title": "Lift service Monday", "body": "the lift of building 7 stops from 9 to 12"}})
    rpc("customer_service", "withdraw_notice", {"estate_id": estate_id, "id": notice["id"],
                                                "data": {"reason": "it is Tuesday"}})

    def kept(subject_id, event_type):
        records = rpc("archive", "list_records", {"estate_id": estate_id, "filters": {"subject_id": subject_id}})
        return [r for r in records["items"] if r["event_type"] == event_type] or None

    [handed] = eventually(lambda: kept(request["id"], "service_request_transferred"))
    assert (handed["data"]["handler"], handed["data"]["previous_handler"]) == ("zhou", None)
    [withdrawn] = eventually(lambda: kept(notice["id"], "notice_withdrawn"))
    assert withdrawn["data"]["reason"] == "it is Tuesday" and withdrawn["subject_type"] == "notice"
