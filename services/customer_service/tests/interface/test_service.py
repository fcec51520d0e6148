"""customer-service entrypoints, run against the embedded store without a broker."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Forbidden, InvalidInput, NotFound
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
AGENT = staff("zhang", ["agent"], [ESTATE])


def new(kind="repair", household="hh_1", **extra):
    return {"estate_id": ESTATE, "data": {"kind": kind, "household_id": household, "channel": "phone",
                                          "description": "water leaking under the sink", **extra}}


def test_a_request_is_registered_numbered_and_announced(desk):
    created = desk.create_request(new())
    assert created["number"].endswith("-000001") and created["status"] == "open"
    assert created["created_by"] == "zhang" and len(created["history"]) == 1
    [announced] = desk.outbox.of_type("service_request_created")
    assert announced["data"]["id"] == created["id"] and announced["actor"] == "zhang"


def test_numbers_run_on_per_estate(desk):
    numbers = [desk.create_request(new(kind)) ["number"] for kind in ("repair", "complaint", "praise")]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_an_unknown_household_is_refused_by_name(desk):
    with pytest.raises(BusinessRuleViolation) as refused:
        desk.create_request(new(household="hh_elsewhere"))
    assert refused.value.errors[0]["field"] == "data.household_id"
    assert desk.db.service_requests.count_documents({}) == 0


@pytest.mark.parametrize("bad, field", [
    ({"kind": "gossip"}, "data.kind"),
    ({"channel": "pigeon"}, "data.channel"),
    ({"description": ""}, "data.description"),
    ({"household_id": {"$gt": ""}}, "data.household_id"),
    ({"priority": "high"}, "data.priority"),
])
def test_bad_input_is_refused_naming_the_field(desk, bad, field):
    payload = new()
    payload["data"].update(bad)
    with pytest.raises(InvalidInput) as refused:
        desk.create_request(payload)
    assert field in {e["field"] for e in refused.value.errors}
    assert desk.db.service_requests.count_documents({}) == 0 and desk.outbox.published == []


def test_a_retry_with_the_same_idempotency_key_finds_the_first_request(desk):
    as_caller(desk, AGENT, idempotency_key="key-1")
    first = desk.create_request(new())
    again = desk.create_request(new())
    assert again["id"] == first["id"] and again["number"] == first["number"]
    assert len(desk.outbox.published) == 1
    as_caller(desk, AGENT, idempotency_key="key-2")
    assert desk.create_request(new())["id"] != first["id"]


def test_a_complaint_is_due_in_the_estates_reply_time(desk):
    clock.freeze(clock.parse_iso("2026-11-23T08:30:00Z"))
    assert desk.create_request(new("complaint"))["due_at"] == "2026-11-30T08:30:00.000Z"
    desk.db.settings.insert_one({"_id": ESTATE, "estate_id": ESTATE, "values": {"complaint_reply_days": 2}})
    assert desk.create_request(new("complaint"))["due_at"] == "2026-11-25T08:30:00.000Z"


def test_requests_are_filtered_and_scoped(desk):
    desk.create_request(new("repair"))
    desk.create_request(new("complaint"))
    listed = desk.list_requests({"estate_id": ESTATE, "filters": {"kind": "complaint"}})["items"]
    assert [r["kind"] for r in listed] == ["complaint"]
    as_caller(desk, staff("li", ["agent"], ["est_2"]))
    with pytest.raises(Forbidden):
        desk.list_requests({"estate_id": ESTATE})


def test_a_request_of_another_estate_is_not_found(desk):
    created = desk.create_request(new())
    as_caller(desk, staff("li", ["manager"], ["*"]))
    with pytest.raises(NotFound):
        desk.get_request({"estate_id": "est_2", "id": created["id"]})


def test_the_work_order_marks_its_request_dispatched_once(desk):
    created = desk.create_request(new())
    order = event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_1", "number": "WO-2026-000001", "source": {"type": "service_request", "id": created["id"]},
        "request_id": created["id"], "household_id": "hh_1", "priority": "normal", "status": "pending",
        "created_at": "2026-11-23T08:31:00.000Z"})
    desk.on_work_order_created(order)
    desk.on_work_order_created(order)
    shown = desk.get_request({"estate_id": ESTATE, "id": created["id"]})
    assert shown["status"] == "dispatched" and shown["work_order_id"] == "wo_1"
    assert [step["action"] for step in shown["history"]] == ["registered", "dispatched"]


def cancelled_order(request_id, order_id="wo_1", reason="a duplicate of WO-2026-000002"):
    return event("maintenance", "work_order_cancelled", ESTATE, {
        "id": order_id, "number": "WO-2026-000001", "request_id": request_id, "household_id": "hh_1",
        "reason": reason, "cancelled_at": "2026-11-23T09:00:00.000Z"}, actor="mgr-li")


def test_a_repair_whose_work_order_is_cancelled_is_closed_with_the_reason_once(desk):
    """It stayed dispatched, with no action out of it, and turned overdue for good (found by review)."""
    created = desk.create_request(new())
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_1", "number": "WO-2026-000001", "source": {"type": "service_request", "id": created["id"]},
        "request_id": created["id"], "household_id": "hh_1", "priority": "normal", "status": "pending",
        "created_at": "2026-11-23T08:31:00.000Z"}))
    desk.on_work_order_cancelled(cancelled_order(created["id"], order_id="wo_other"))  # not its order
    assert desk.get_request({"estate_id": ESTATE, "id": created["id"]})["status"] == "dispatched"
    cancelled = cancelled_order(created["id"])
    desk.on_work_order_cancelled(cancelled)
    desk.on_work_order_cancelled(cancelled)  # redelivered
    shown = desk.get_request({"estate_id": ESTATE, "id": created["id"]})
    assert (shown["status"], shown["closed_at"], shown["answered_at"]) == (
        "closed", "2026-11-23T09:00:00.000Z", "2026-11-23T09:00:00.000Z")
    assert "cancelled: a duplicate of WO-2026-000002" in shown["outcome"]
    assert [step["action"] for step in shown["history"]] == ["registered", "dispatched", "closed"]
    assert [e["data"]["id"] for e in desk.outbox.of_type("service_request_closed")] == [created["id"]]


def test_an_order_cancelled_before_its_created_event_arrived_closes_the_request_and_the_late_event_changes_nothing(desk):
    created = desk.create_request(new())
    desk.on_work_order_cancelled(cancelled_order(created["id"]))
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": "wo_1", "number": "WO-2026-000001", "source": {"type": "service_request", "id": created["id"]},
        "request_id": created["id"], "household_id": "hh_1", "priority": "normal", "status": "pending",
        "created_at": "2026-11-23T08:31:00.000Z"}))
    assert desk.get_request({"estate_id": ESTATE, "id": created["id"]})["status"] == "closed"
    desk.on_work_order_cancelled(cancelled_order(None))  # an inspection's order: no request


def test_a_newer_household_copy_wins_and_an_older_one_is_ignored(desk):
    newer = event("archive", "household_created", ESTATE, {
        "id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1201",
        "area_m2": 90.0, "status": "occupied", "version": 3})
    older = event("archive", "household_created", ESTATE, dict(newer["data"], area_m2=70.0, version=2))
    desk.copy_household(newer)
    desk.copy_household(older)
    assert desk.db.households.find_one({"_id": "hh_1"})["area_m2"] == 90.0


def test_a_complaints_same_day_follows_the_estates_timezone_in_its_copy(desk):
    """Registered at 02:00 UTC on 1 December: 10:00 in Shanghai, 21:00 on 30 November in New York."""
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    try:
        first = desk.create_request(new("complaint"))
        assert first["complaint"]["verify_due_at"] == "2026-12-01T16:00:00.000Z"  # Shanghai's midnight
        desk.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
            "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd",
            "timezone": "America/New_York", "version": 2}))
        as_caller(desk, AGENT, idempotency_key="second")
        second = desk.create_request(new("complaint"))
        assert second["complaint"]["verify_due_at"] == "2026-12-01T05:00:00.000Z"  # New York's midnight
    finally:
        clock.reset()


@pytest.mark.parametrize("field", ["description", "summary", "complainant"])
def test_a_request_of_nothing_but_spaces_is_refused_and_nothing_is_written(desk, field):
    """A complaint of "   " was registered with an empty description (found by review)."""
    body = new("complaint", **({field: "   "} if field != "description" else {}))
    if field == "description":
        body["data"]["description"] = "   "
    with pytest.raises(InvalidInput) as refused:
        desk.create_request(body)
    assert refused.value.errors[0]["field"] == f"data.{field}"
    assert desk.db.service_requests.count_documents({}) == 0


# -- an occupant's request to see what is held about him (PIPL art. 45): his requests, by his phone --

def test_the_requests_a_phone_called_about_are_found_for_the_archives_roles_only(desk):
    mine = desk.create_request(new(contact={"name": "欧阳探针", "phone": "139 5728 6446"}))
    other = desk.create_request(new(contact={"name": "王五", "phone": "13700001111"}))
    desk.create_request(new())  # nobody named
    as_caller(desk, staff("li", ["archivist"], [ESTATE]))
    found = desk.requests_by_phone({"estate_id": ESTATE, "data": {"phone": "+86 139-5728-6446"}})
    assert [r["id"] for r in found["items"]] == [mine["id"]]
    assert found["items"][0]["contact"] == {"name": "欧阳探针", "phone": "139 5728 6446"}
    assert other["id"] not in str(found)
    with pytest.raises(InvalidInput) as refused:
        desk.requests_by_phone({"estate_id": ESTATE, "data": {"phone": "not a phone"}})
    assert refused.value.errors[0]["field"] == "data.phone"
    for role in ("agent", "technician", "security", "cashier"):  # the archives' work, not the desk's
        as_caller(desk, staff("x", [role], [ESTATE]))
        with pytest.raises(Forbidden):
            desk.requests_by_phone({"estate_id": ESTATE, "data": {"phone": "13957286446"}})


def test_the_requests_of_a_phone_are_found_through_its_index_and_those_stored_before_it_too(desk):
    """A request keeps the numbers of its caller as dialled (``_phones``, ``[""]``: none), indexed
    with ``estate_id``: the phone search read every request naming a phone (a big estate's could
    answer ``unavailable``). A request stored before it kept them is still found (read apart, among
    those without ``_phones``); newest first."""
    from customer_service import store
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    first = desk.create_request(new(contact={"name": "欧阳探针", "phone": "139 5728 6446"}))
    nobody = desk.create_request(new())
    clock.advance(timedelta(hours=1))
    older = desk.create_request(new(contact={"name": "欧阳探针", "phone": "+86 13957286446"}))
    desk.db.service_requests.update_one({"_id": older["id"]}, {"$unset": {"_phones": ""}})  # stored before
    clock.advance(timedelta(hours=1))
    latest = desk.create_request(new(contact={"phone": "139-5728-6446"}))
    stored = {doc["_id"]: doc.get("_phones") for doc in desk.db.service_requests.find({"estate_id": ESTATE})}
    assert stored[first["id"]] == ["13957286446"] and stored[nobody["id"]] == [""] and older["id"] not in {
        key for key, value in stored.items() if value is not None}
    assert [(index["key"]) for index in desk.db.service_requests.index_information().values()].count(
        [("estate_id", 1), ("_phones", 1), ("created_at", 1), ("_id", 1)]) == 1
    as_caller(desk, staff("li", ["archivist"], [ESTATE]))
    found = desk.requests_by_phone({"estate_id": ESTATE, "data": {"phone": "13957286446"}})
    assert [r["id"] for r in found["items"]] == [latest["id"], older["id"], first["id"]]
    assert all("_phones" not in r for r in found["items"])
    assert [r["_id"] for r in store.requests_by_phone(desk.db, ESTATE, "13957286446")][:1] == [latest["id"]]


def test_requests_stored_before_their_phones_were_kept_are_given_them_by_the_sweep_once(desk):
    """An operator who upgrades has years of requests without ``_phones`` (each read apart by the
    phone search, every one of the estate's so stored). The sweep ``keep_phone_keys`` (at start,
    then on its timer) gives each its callers' numbers estate by estate, a batch at a time, so the
    search finds it through the index; run again (the timer, a second replica, a restart after a
    crash half-way) it writes nothing."""
    from customer_service import operations, store
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    desk.copy_estate(event("archive", "estate_created", "est_2", {
        "id": "est_2", "estate_id": "est_2", "code": "HZ-02", "name": "East Lake", "address": "1 Lake Rd",
        "version": 1}))
    called = desk.create_request(new(contact={"name": "欧阳探针", "phone": "139 5728 6446"}))
    nobody = desk.create_request(new())
    portal = desk.create_request(new(contact={"phone": "+86 136-0013-6000"}))
    stored_before = [called["id"], nobody["id"], portal["id"]]
    desk.db.service_requests.update_many({"estate_id": ESTATE}, {"$unset": {"_phones": ""}})
    desk.db.service_requests.update_one({"_id": portal["id"]}, {"$set": {  # a portal filer's number apart
        "portal": {"contact": {"phone": "13800138000"}}}})
    before = {doc["_id"]: doc for doc in desk.db.service_requests.find({"estate_id": ESTATE})}

    assert operations.keep_phone_keys(desk.db, batch=2) == 3  # two batches
    kept = {doc["_id"]: doc for doc in desk.db.service_requests.find({"estate_id": ESTATE})}
    assert kept[called["id"]]["_phones"] == ["13957286446"] and kept[nobody["id"]]["_phones"] == [""]
    assert kept[portal["id"]]["_phones"] == ["13600136000", "13800138000"]
    # nothing else of them changed: no revision, no event, no updated_at an integrator's sync reads
    assert all({k: v for k, v in kept[i].items() if k != "_phones"} == before[i] for i in stored_before)
    assert desk.db.service_requests.count_documents({"estate_id": ESTATE, "_phones": {"$exists": False}}) == 0
    # found through the index, none read apart any more
    assert [
        r["_id"] for r in store.requests_by_phone(desk.db, ESTATE, "13800138000")] == [portal["id"]]
    assert [r["_id"] for r in store.requests_by_phone(desk.db, ESTATE, "13600136000")] == [portal["id"]]
    as_caller(desk, staff("li", ["archivist"], [ESTATE]))
    assert [r["id"] for r in desk.requests_by_phone({"estate_id": ESTATE, "data": {"phone": "139 5728 6446"}})[
        "items"]] == [called["id"]]

    # run again: nothing to write, nothing written
    assert operations.keep_phone_keys(desk.db) == 0
    assert {doc["_id"]: doc for doc in desk.db.service_requests.find({"estate_id": ESTATE})} == kept


def test_the_phone_sweep_stopped_half_way_takes_up_where_it_stopped(desk):
    """A sweep stopped between two batches (the service stopping, a crash) leaves the rest without
    ``_phones``; the next sweep gives them theirs and no request twice."""
    from customer_service import operations
    made = [desk.create_request(new(contact={"phone": f"1395728644{n}"}))["id"] for n in range(5)]
    desk.db.service_requests.update_many({"estate_id": ESTATE}, {"$unset": {"_phones": ""}})
    asked = []
    assert operations.keep_phone_keys(desk.db, batch=2, stopping=lambda: asked.append(1) or len(asked) > 1) == 2
    left = desk.db.service_requests.count_documents({"estate_id": ESTATE, "_phones": {"$exists": False}})
    assert left == 3
    assert operations.keep_phone_keys(desk.db, batch=2) == 3
    assert sorted(doc["_phones"][0] for doc in desk.db.service_requests.find({"_id": {"$in": made}})) == [
        f"1395728644{n}" for n in range(5)]
