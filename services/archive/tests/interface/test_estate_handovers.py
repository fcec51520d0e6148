"""The developer's estate-level handover (开发商移交): the estate's documents (竣工图, 竣工验收备案,
设备说明书, 规划/施工许可, 业主清册 …) and its common areas, through archive's entrypoints against the
embedded store: kept once, chained as a record, borrowed like any archive, logged, and the
checklist of the required documents still missing."""
import pytest

from archive.service import ArchiveService
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Forbidden, InvalidInput, NotFound
from estate_common.testing import ADMIN, as_caller, staff, worker

ESTATE = {"code": "HZ-05", "name": "Harbour View", "address": "5 Bay Road"}
BODY = {"date": "2026-12-01", "handed_over_by": "Harbour Development Co., 王工", "received_by": "li (archivist)",
        "documents": [{"kind": "as_built_drawings", "title": "竣工图", "copies": 2, "reference": "AB-01"},
                      {"kind": "completion_filing", "title": "竣工验收备案表"},
                      {"kind": "owner_list", "title": "业主清册", "status": "missing", "note": "promised by 12-20"}],
        "common_areas": [{"item": "pump room", "result": "fail", "note": "leaking valve"},
                         {"item": "lobby, building 3", "result": "pass"}]}


@pytest.fixture
def archive():
    return worker(ArchiveService)


@pytest.fixture
def estate(archive):
    clock.freeze(clock.parse_iso("2026-12-06T03:00:00Z"))
    yield archive.create_estate({"data": ESTATE})
    clock.reset()


def as_role(archive, user, role, estate, key=None):
    as_caller(archive, staff(user, [role], [estate["id"]]), idempotency_key=key)


def record(archive, estate, key=None, **more):
    as_role(archive, "li", "archivist", estate, key)
    return archive.record_estate_handover({"estate_id": estate["id"], "data": {**BODY, **more}})


def test_the_developers_handover_is_kept_once_chained_and_logged(archive, estate):
    made = record(archive, estate, key="k1")
    assert (made["documents_missing"], made["failed_areas"]) == ([3], [1])
    assert record(archive, estate, key="k1")["id"] == made["id"]  # a retry: one handover, one record
    assert archive.get_estate_handover({"estate_id": estate["id"], "id": made["id"]}) == made
    assert [h["id"] for h in archive.list_estate_handovers({"estate_id": estate["id"]})["items"]] == [made["id"]]
    [kept] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "estate_handover"}})["items"]
    assert (kept["subject_id"], kept["event_type"], kept["actor"]) == (made["id"], "estate_handover_recorded", "li")
    assert kept["data"]["documents"][0]["title"] == "竣工图" and kept["seq"] == 1
    assert archive.verify_archive({"estate_id": estate["id"]})["first_mismatch"] is None
    for published in archive.outbox.of_type("archive_changed"):
        archive.log_archive_change(published)
    [logged] = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_type": "estate_handover"}})[
        "items"]
    assert (logged["subject_id"], logged["action"], logged["actor"]) == (made["id"], "estate_handover_recorded", "li")


def test_a_handover_dated_ahead_is_refused(archive, estate):
    with pytest.raises(BusinessRuleViolation) as refused:
        record(archive, estate, date="2026-12-07")
    assert refused.value.errors[0]["field"] == "data.date"
    assert archive.list_estate_handovers({"estate_id": estate["id"]})["items"] == []


def test_the_estates_documents_are_read_by_others_only_through_a_borrowing(archive, estate):
    made = record(archive, estate)
    as_role(archive, "zhang", "agent", estate)
    with pytest.raises(Forbidden):
        archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "estate_handover"}})
    asked = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": made["id"], "purpose": "the pump room's warranty", "kind": "view"}})
    assert asked["subject_type"] == "estate_handover"
    as_role(archive, "wang", "manager", estate)
    archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    as_role(archive, "zhang", "agent", estate)
    [opened] = archive.list_borrowed_records({"estate_id": estate["id"], "id": asked["id"]})["items"]
    assert opened["subject_id"] == made["id"]


def test_the_checklist_says_which_required_documents_are_still_missing(archive, estate):
    record(archive, estate)
    listed = archive.estate_documents_checklist({"estate_id": estate["id"]})
    by_kind = {entry["kind"]: entry for entry in listed["items"]}
    assert by_kind["owner_list"]["status"] == "missing" and by_kind["completion_filing"]["status"] == "received"
    assert "owner_list" in listed["missing"] and "as_built_drawings" not in listed["missing"]
    assert listed["received"] == 2
    record(archive, estate, date="2026-12-05", common_areas=[],
           documents=[{"kind": "owner_list", "title": "业主清册 (final)"}])
    later = archive.estate_documents_checklist({"estate_id": estate["id"]})
    assert "owner_list" not in later["missing"] and later["received"] == 3


def test_another_estates_handover_is_not_found(archive, estate):
    made = record(archive, estate)
    as_caller(archive, ADMIN)
    other = archive.create_estate({"data": {"code": "HZ-06", "name": "Other", "address": "6 Bay Road"}})
    with pytest.raises(NotFound):
        archive.get_estate_handover({"estate_id": other["id"], "id": made["id"]})


def test_the_keys_received_are_kept_on_the_session_its_record_and_the_checklist(archive, estate):
    """The developer hands over the units' keys and the common areas' and equipment rooms' keys
    (钥匙移交), which a session did not record (session 51's leftovers): each line's kind, which keys,
    how many and who keeps them, on the session, its chained record and the checklist's count by kind;
    a session of keys alone is one, and nothing at all still a 400."""
    keys = [{"kind": "unit", "label": "3栋 全部房屋", "count": 240, "kept_by": "前台钥匙柜"},
            {"kind": "equipment_room", "label": "水泵房", "count": 2, "kept_by": "李工"}]
    made = record(archive, estate, keys=keys)
    assert [(k["number"], k["kind"], k["count"], k["kept_by"]) for k in made["keys"]] == [
        (1, "unit", 240, "前台钥匙柜"), (2, "equipment_room", 2, "李工")]
    assert made["keys_by_kind"] == {"unit": 240, "equipment_room": 2}
    assert archive.get_estate_handover({"estate_id": estate["id"], "id": made["id"]}) == made
    alone = archive.record_estate_handover({"estate_id": estate["id"], "data": {
        "date": "2026-12-02", "handed_over_by": "Harbour Development Co.", "received_by": "li",
        "keys": [{"kind": "common_area", "label": "天台门", "count": 4, "kept_by": "秩序维护部"}]}})
    assert alone["documents"] == [] and alone["keys_by_kind"] == {"common_area": 4}
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "estate_handover"}})["items"]
    assert {r["subject_id"]: r["data"].get("keys") for r in records}[made["id"]] == made["keys"]
    assert archive.verify_archive({"estate_id": estate["id"]})["first_mismatch"] is None
    listed = archive.estate_documents_checklist({"estate_id": estate["id"]})
    assert listed["keys_by_kind"] == {"unit": 240, "common_area": 4, "equipment_room": 2}
    plain = record(archive, estate)  # no keys: none, as before
    assert (plain["keys"], plain["keys_by_kind"]) == ([], {})
    with pytest.raises(InvalidInput):
        archive.record_estate_handover({"estate_id": estate["id"], "data": {
            "date": "2026-12-02", "handed_over_by": "Harbour Development Co.", "received_by": "li",
            "keys": [{"kind": "unit", "count": 0, "kept_by": "前台"}]}})
