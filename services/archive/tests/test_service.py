"""archive's entrypoints, run against the embedded store without a broker."""
import pytest

from archive.service import ArchiveService
from estate_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from estate_common.testing import ADMIN, as_caller, event, staff, worker

ESTATE = {"code": "HZ-01", "name": "West Lake Garden", "address": "9 Lake Road"}
HOUSEHOLD = {"building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
             "owner": {"name": "李四", "phone": "13912345678"}}


@pytest.fixture
def archive():
    return worker(ArchiveService)


@pytest.fixture
def estate(archive):
    return archive.create_estate({"data": ESTATE})


def test_creating_an_estate_publishes_it(archive, estate):
    assert estate["code"] == "HZ-01"
    [published] = archive.outbox.of_type("estate_created")
    assert published["data"]["id"] == estate["id"] and published["estate_id"] == estate["id"]
    assert archive.db.estates.find_one({"_id": estate["id"]})["_outbox"] == []


def test_an_estate_code_is_unique(archive, estate):
    with pytest.raises(Conflict) as refused:
        archive.create_estate({"data": dict(ESTATE, code="hz-01", name="Copy")})
    assert refused.value.errors[0]["field"] == "data.code"
    assert archive.db.estates.count_documents({}) == 1


def test_bad_estate_input_names_the_field_and_writes_nothing(archive):
    with pytest.raises(InvalidInput) as refused:
        archive.create_estate({"data": {"code": "x", "name": "", "address": {"$gt": ""}}})
    assert {e["field"] for e in refused.value.errors} == {"data.code", "data.name", "data.address"}
    assert archive.db.estates.count_documents({}) == 0


def test_a_household_needs_a_known_estate(archive):
    with pytest.raises(NotFound):
        archive.create_household({"estate_id": "est_unknown", "data": HOUSEHOLD})


def test_a_household_is_registered_once(archive, estate):
    created = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert created["owner"]["phone"] == "13912345678"
    with pytest.raises(Conflict):
        archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert len(archive.outbox.of_type("household_created")) == 1


def test_roles_without_the_right_see_masked_phones(archive, estate):
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    as_caller(archive, staff("wang", ["technician"], [estate["id"]]))
    shown = archive.get_household({"estate_id": estate["id"], "id": household["id"]})
    listed = archive.list_households({"estate_id": estate["id"]})["items"][0]
    assert shown["owner"]["phone"] == listed["owner"]["phone"] == "139****5678"


def test_the_service_checks_the_estate_again(archive, estate):
    as_caller(archive, staff("zhao", ["agent"], ["est_other"]))
    with pytest.raises(Forbidden):
        archive.get_estate({"estate_id": estate["id"]})
    as_caller(archive, None)
    with pytest.raises(Forbidden):
        archive.list_households({"estate_id": estate["id"]})


def test_estates_are_listed_within_the_callers_scope(archive, estate):
    other = archive.create_estate({"data": dict(ESTATE, code="HZ-02")})
    assert len(archive.list_estates({})["items"]) == 2
    as_caller(archive, staff("zhao", ["manager"], [other["id"]]))
    assert [e["id"] for e in archive.list_estates({})["items"]] == [other["id"]]


def test_households_page_by_cursor(archive, estate):
    for room in range(5):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=str(room))})
    first = archive.list_households({"estate_id": estate["id"], "limit": 2})
    second = archive.list_households({"estate_id": estate["id"], "limit": 2, "cursor": first["next_cursor"]})
    third = archive.list_households({"estate_id": estate["id"], "limit": 2, "cursor": second["next_cursor"]})
    rooms = [h["room"] for page in (first, second, third) for h in page["items"]]
    assert sorted(rooms) == ["0", "1", "2", "3", "4"] and third["next_cursor"] is None


def _request_created(estate_id):
    return event("customer_service", "service_request_created", estate_id, {
        "id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": "hh_1",
        "channel": "phone", "description": "leak", "due_at": None, "created_at": "2026-11-23T08:00:00.000Z"})


def test_a_redelivered_event_is_recorded_once(archive, estate):
    created = _request_created(estate["id"])
    archive.record_service_request(created)
    archive.record_service_request(created)
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_1"}})["items"]
    assert len(records) == 1 and records[0]["subject_type"] == "service_request"


def test_records_are_scoped_by_estate_and_subject_type(archive, estate):
    archive.record_service_request(_request_created(estate["id"]))
    archive.record_service_request(_request_created("est_elsewhere"))
    mine = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "service_request"}})
    assert [r["estate_id"] for r in mine["items"]] == [estate["id"]]
    assert archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "work_order"}})["items"] == []


def test_master_data_changes_are_logged_once_each(archive, estate):
    as_caller(archive, ADMIN)
    archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    for published in archive.outbox.published:
        handler = archive.log_estate_change if published["event_type"] == "estate_created" else archive.log_household_change
        handler(published)
        handler(published)
    changes = list(archive.db.change_log.find({"estate_id": estate["id"]}))
    assert sorted(c["action"] for c in changes) == ["estate_created", "household_created"]
    assert all(c["actor"] == "admin" for c in changes)
