"""maintenance on the real broker: events from other services open work orders once, and a
completed charged job puts work_order_completed and charge_raised on the bus."""
import time

import pytest
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher

from estate_common.testing import event

pytestmark = pytest.mark.broker

ESTATE = "est_bus"
# the module's tests share one system (conftest.py): each in an estate of its own
KEYED_ESTATE, CUT_ESTATE = "est_bus_keyed", "est_bus_cut"
HEARD = []


class Listener:
    """Stands in for the services that will consume maintenance's announcements (finance, customer service)."""
    name = "maintenance_listener"

    @event_handler("maintenance", "charge_raised")
    def charge(self, payload):
        HEARD.append(payload)

    @event_handler("maintenance", "work_order_completed")
    def completed(self, payload):
        HEARD.append(payload)


def test_events_open_orders_once_and_a_charged_job_is_announced(system, rpc, eventually, rabbit_config,
                                                                  container_factory):
    HEARD.clear()
    container_factory(Listener, rabbit_config).start()
    dispatch = event_dispatcher(rabbit_config)
    anomaly = event("security_patrol", "anomaly_reported", ESTATE, {
        "id": "an_bus", "round_id": "round_1", "checkpoint": {"code": "CP-1", "name": "Gate pump"},
        "description": "main burst", "reported_at": "2026-11-23T02:00:00.000Z", "emergency": True})
    follow_up = event("customer_service", "follow_up_requested", ESTATE, {
        "id": "fu_bus", "request_id": "sr_bus", "household_id": "hh_bus", "description": "drips again",
        "reason": "return_visit_problem", "notice_due_at": "2026-11-24T09:00:00.000Z"})
    review = event("customer_service", "renovation_review_requested", ESTATE, {
        "id": "app_bus", "household_id": "hh_bus", "kind": "renovation", "structural_change": False,
        "description": "new floor tiles"})
    for sent in (anomaly, anomaly, follow_up, follow_up, review, review):
        dispatch(sent["source"], sent["event_type"], sent)

    listing = {"estate_id": ESTATE}
    eventually(lambda: len(rpc("maintenance", "list_work_orders", listing)["items"]) == 2)
    eventually(lambda: rpc("maintenance", "list_renovation_reviews", listing)["items"])
    time.sleep(1.0)  # give the second copies every chance to land
    by_source = {o["source"]["type"]: o for o in rpc("maintenance", "list_work_orders", listing)["items"]}
    assert set(by_source) == {"patrol_anomaly", "return_visit"} and by_source["patrol_anomaly"]["priority"] == "emergency"
    assert len(rpc("maintenance", "list_renovation_reviews", listing)["items"]) == 1

    order_id = by_source["return_visit"]["id"]
    for method, data in (("assign_work_order", {"technician": "chen"}), ("start_work_order", {}),
                         ("quote_work_order", {"amount_cents": 1500, "items": [{"name": "seal", "amount_cents": 1500}]}),
                         ("consent_work_order", {"by": "occupant"}),
                         ("complete_work_order", {"materials": [], "charge_cents": 1500, "signed_by": "occupant"})):
        # the gateway's look-up of the technician named (gateway/assignees.py) goes with an assignment
        rpc("maintenance", method, {"estate_id": ESTATE, "id": order_id, "data": data},
            context={"assignee": "technician"} if method == "assign_work_order" else None)
    eventually(lambda: {e["event_type"] for e in HEARD if e["estate_id"] == ESTATE} == {
        "charge_raised", "work_order_completed"})
    [charge] = [e for e in HEARD if e["event_type"] == "charge_raised" and e["estate_id"] == ESTATE]
    assert charge["data"]["id"] == order_id and charge["data"]["amount_cents"] == 1500
    assert charge["data"]["household_id"] == "hh_bus" and charge["request_id"] == "it-request"


def test_a_step_sent_again_with_its_key_is_applied_once_by_the_real_workers(system, rpc, eventually, rabbit_config):
    """The gateway's 503 releases its record of the key and the client sends the step again with
    it: the key reaches the service in the call's context (``CallerContext``), ``rpc_method`` runs
    the handler as a keyed call in the worker's own greenthread, and the step found in the order
    answers the order as it is; another key is another quote."""
    dispatch = event_dispatcher(rabbit_config)
    follow_up = event("customer_service", "follow_up_requested", KEYED_ESTATE, {
        "id": "fu_keyed", "request_id": "sr_keyed", "household_id": "hh_bus", "description": "drips again",
        "reason": "return_visit_problem", "notice_due_at": "2026-11-24T09:00:00.000Z"})
    dispatch(follow_up["source"], follow_up["event_type"], follow_up)
    listing = {"estate_id": KEYED_ESTATE, "filters": {"request_id": "sr_keyed"}}
    [order] = eventually(lambda: rpc("maintenance", "list_work_orders", listing)["items"])
    ref = {"estate_id": KEYED_ESTATE, "id": order["id"]}
    for method, data in (("assign_work_order", {"technician": "chen"}), ("start_work_order", {})):
        rpc("maintenance", method, {**ref, "data": data},
            context={"assignee": "technician"} if method == "assign_work_order" else None)
    quote = {**ref, "data": {"amount_cents": 1500, "items": [{"name": "seal", "amount_cents": 1500}]}}

    def quoted(key):
        return rpc("maintenance", "quote_work_order", quote, context={"idempotency_key": key})

    first = quoted("k-quote-1")
    assert quoted("k-quote-1") == first
    answers = [quoted(key) for key in ("k-quote-2", "k-quote-3", "k-quote-2", "k-quote-3")]
    assert [a["quote"]["version"] for a in answers] == [2, 3, 3, 3]  # each retry: the order as it is
    shown = rpc("maintenance", "get_work_order", ref)
    assert [h["action"] for h in shown["history"]].count("quote") == 3 and shown["quote"]["version"] == 3


def test_a_planned_cut_opens_its_preparation_order_which_follows_its_move_and_its_call_off(
        system, rpc, eventually, rabbit_config):
    """计划停水停电 (h9): customer service's notice of a cut opens maintenance's one planned order, sent
    twice; the cut moved moves its times; called off, the order is cancelled with the reason."""
    dispatch = event_dispatcher(rabbit_config)
    cut = {"utility": "water", "starts_at": "2099-01-06T01:00:00.000Z", "ends_at": "2099-01-06T11:00:00.000Z",
           "lead_hours": 24, "notice_on_time": True}
    notice = {"id": "ntc_bus", "title": "3号楼计划停水", "body": "管网改造", "building": "3", "buildings": ["3"],
              "expected_restoration_at": cut["ends_at"]}
    published = event("customer_service", "notice_published", CUT_ESTATE, {
        **notice, "published_at": "2098-12-30T01:00:00.000Z", "outage": cut})
    for _ in range(2):
        dispatch("customer_service", "notice_published", published)
    listing = {"estate_id": CUT_ESTATE, "filters": {"source_type": "notice"}}
    [order] = eventually(lambda: rpc("maintenance", "list_work_orders", listing)["items"])
    time.sleep(1.0)  # the second copy every chance to land
    [order] = rpc("maintenance", "list_work_orders", listing)["items"]
    assert order["source"] == {"type": "notice", "id": "ntc_bus"}
    assert order["outage"]["prep_due_at"] == "2099-01-05T23:00:00.000Z"

    def revised(revision, change, **moved):
        outage = {**cut, **moved}
        if change == "cancelled":
            outage["cancelled"] = {"at": "2099-01-01T01:00:00.000Z", "by": "zhang", "reason": "施工取消"}
        return event("customer_service", "notice_revised", CUT_ESTATE, {
            **notice, "until": None, "expected_restoration_at": outage["ends_at"], "outage": outage,
            "changed": ["outage"], "outage_change": change, "reason": "施工取消" if change == "cancelled" else "改期",
            "revision": revision, "revised_at": "2099-01-01T01:00:00.000Z"})

    dispatch("customer_service", "notice_revised", revised(1, "moved", starts_at="2099-01-08T01:00:00.000Z",
                                                           ends_at="2099-01-08T09:00:00.000Z"))
    read = {"estate_id": CUT_ESTATE, "id": order["id"]}
    moved = eventually(lambda: (lambda o: o if o["outage"]["starts_at"] == "2099-01-08T01:00:00.000Z" else None)(
        rpc("maintenance", "get_work_order", read)))
    assert (moved["outage"]["restart_due_at"], moved["deadline_at"]) == (
        "2099-01-08T09:00:00.000Z", "2099-01-07T23:00:00.000Z")
    dispatch("customer_service", "notice_revised", revised(2, "cancelled", starts_at="2099-01-08T01:00:00.000Z",
                                                           ends_at="2099-01-08T09:00:00.000Z"))
    cancelled = eventually(lambda: (lambda o: o if o["status"] == "cancelled" else None)(
        rpc("maintenance", "get_work_order", read)))
    assert "施工取消" in cancelled["history"][-1]["note"]
    # archive files the order's events as any order's, under the order
    # the move too (work_order_outage_moved, h4): its record was the first window's alone
    records = eventually(lambda: (lambda items: items if {"work_order_created", "work_order_outage_moved",
                                                          "work_order_cancelled"} <= {
        r["event_type"] for r in items} else None)(rpc("archive", "list_records", {
            "estate_id": CUT_ESTATE, "filters": {"subject_id": order["id"]}})["items"]))
    assert {r["subject_type"] for r in records} == {"work_order"}
