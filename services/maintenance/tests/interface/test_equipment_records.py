"""The equipment ledger's records (设备台账): each in its own document of ``equipment_records``, written
once with its event, paged by ``list_equipment_records``; the equipment keeps its count and last record.
maintenance's entrypoints against the embedded store, without a broker, on a frozen clock."""
import base64
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import InvalidInput, NotFound
from estate_common.testing import as_caller, staff, worker
from maintenance import checklists, ledger, operations
from maintenance.service import MaintenanceService

ESTATE = "est_1"
TECHNICIAN = staff("chen", ["technician"], [ESTATE])
AGENT = staff("zhang", ["agent"], [ESTATE])
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
PUMP = {"code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"}


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(NOW)


@pytest.fixture
def engineering():
    service = worker(MaintenanceService, caller=TECHNICIAN)
    service.pump = service.create_equipment({"estate_id": ESTATE, "data": PUMP})
    return service


def record(service, kind="inspection", result="normal", equipment_id=None, minutes=60):
    """A record added ``minutes`` after the one before."""
    clock.advance(timedelta(minutes=minutes))
    return service.add_equipment_record({"estate_id": ESTATE, "id": equipment_id or service.pump["id"],
                                         "data": {"kind": kind, "result": result, "notes": f"{kind} {result}"}})


def listed(service, equipment_id=None, **asked):
    limit, cursor = asked.pop("limit", None), asked.pop("cursor", None)
    payload = {"estate_id": ESTATE, "id": equipment_id or service.pump["id"], "filters": asked}
    if limit:
        payload["limit"] = limit
    if cursor:
        payload["cursor"] = cursor
    return service.list_equipment_records(payload)


def walked(service, **asked):
    """Every page's items' results, with the page size asked."""
    seen, cursor = [], None
    while True:
        page = listed(service, cursor=cursor, **asked)
        seen += [item["result"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


def test_each_record_is_a_document_of_its_own_and_the_equipment_keeps_its_count_and_last(engineering):
    """A daily inspection plan adds 365 records a year per machine: on the equipment itself they made
    one document grow without bound (MongoDB's 16 MB, each record a rewrite of the whole ledger)."""
    for number in range(3):
        record(engineering, result=f"r{number}")
    stored = engineering.db.equipment.find_one({"_id": engineering.pump["id"]})
    assert "records" not in stored
    assert (stored["record_count"], stored["last_record"]["result"]) == (3, "r2")
    kept = list(engineering.db.equipment_records.find({"estate_id": ESTATE, "equipment_id": engineering.pump["id"]}))
    assert sorted(doc["result"] for doc in kept) == ["r0", "r1", "r2"]
    shown = engineering.get_equipment({"estate_id": ESTATE, "id": engineering.pump["id"]})
    assert [r["result"] for r in shown["records"]] == ["r0", "r1", "r2"]  # every record, as documented
    assert set(shown["records"][0]) == {"id", "kind", "result", "notes", "at", "by", "work_order_id",
                                           "contractor", "signed_by"}
    [item] = engineering.list_equipment({"estate_id": ESTATE})["items"]
    assert (item["record_count"], item["last_record"]["result"]) == (3, "r2") and "records" not in item


def test_a_record_is_written_with_its_event_and_once(engineering):
    """The record and its ``equipment_record_added`` are one write (the event in the record's outbox,
    relayed after it, or by the sweep after a crash); a retry with the same key adds nothing."""
    published = []
    engineering.outbox.publish = lambda collection, doc: published.append(doc)  # a crash right after the write
    as_caller(engineering, TECHNICIAN, idempotency_key="k-1")
    first = record(engineering)
    stored = engineering.db.equipment_records.find_one({"_id": first["id"]})
    [pending] = stored["_outbox"]
    assert pending["event_type"] == "equipment_record_added" and pending["data"]["record"]["id"] == first["id"]
    assert pending["data"]["id"] == engineering.pump["id"] and pending["data"]["code"] == "PUMP-1"
    again = engineering.add_equipment_record({"estate_id": ESTATE, "id": engineering.pump["id"],
                                              "data": {"kind": "inspection", "result": "normal",
                                                       "notes": "inspection normal"}})
    assert again == first and again["equipment_id"] == engineering.pump["id"]
    assert engineering.db.equipment_records.count_documents({"estate_id": ESTATE}) == 1
    assert len(published) == 1  # the retry announced nothing
    assert engineering.db.equipment.find_one({"_id": engineering.pump["id"]})["record_count"] == 1


def test_the_count_a_crash_left_behind_is_kept_by_the_retry(engineering, monkeypatch):
    """The record written, the process died before the equipment's count: the retry (the same
    record, found) counts it."""
    as_caller(engineering, TECHNICIAN, idempotency_key="k-2")
    with monkeypatch.context() as patched:
        patched.setattr(operations, "_ledger_kept", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("died")))
        with pytest.raises(RuntimeError):
            record(engineering, result="first")
    assert engineering.db.equipment.find_one({"_id": engineering.pump["id"]})["record_count"] == 0
    record(engineering, result="first", minutes=0)
    stored = engineering.db.equipment.find_one({"_id": engineering.pump["id"]})
    assert (stored["record_count"], stored["last_record"]["result"]) == (1, "first")
    assert len(engineering.outbox.of_type("equipment_record_added")) == 1


def test_the_records_are_paged_newest_first_by_kind_and_time(engineering):
    kinds = ["inspection", "maintenance", "repair", "inspection", "inspection"]
    for number, kind in enumerate(kinds):
        record(engineering, kind=kind, result=f"r{number}")
    assert walked(engineering, limit=2) == ["r0", "r1", "r2", "r3", "r4"]  # the lists' order: oldest first
    assert walked(engineering, limit=2, newest_first="true") == ["r4", "r3", "r2", "r1", "r0"]
    assert walked(engineering, limit=2, kind="inspection", newest_first="true") == ["r4", "r3", "r0"]
    first = listed(engineering, limit=1, newest_first="true")
    assert first["items"][0] == {**first["items"][0], "equipment_id": engineering.pump["id"], "kind": "inspection",
                                 "by": "chen", "work_order_id": None}
    # records made 10:00 … 14:00 UTC; a timestamp bound, and a day of the estate (Asia/Shanghai)
    assert walked(engineering, **{"from": "2026-11-23T11:00:00Z", "to": "2026-11-23T13:00:00Z"}) == ["r1", "r2", "r3"]
    assert walked(engineering, **{"from": "2026-11-24"}) == []
    assert walked(engineering, **{"to": "2026-11-23"}) == ["r0", "r1", "r2", "r3", "r4"]
    with pytest.raises(InvalidInput):
        listed(engineering, **{"from": "2026-11-24", "to": "2026-11-23"})


def test_the_records_of_unknown_or_another_estate_s_equipment_are_a_404(engineering):
    record(engineering)
    with pytest.raises(NotFound):
        listed(engineering, equipment_id="eq_unknown")
    as_caller(engineering, staff("chen", ["technician"], [ESTATE, "est_2"]))
    with pytest.raises(NotFound):  # another estate's
        engineering.list_equipment_records({"estate_id": "est_2", "id": engineering.pump["id"]})


def test_a_reader_of_the_equipment_reads_its_records(engineering):
    record(engineering, result="done")
    as_caller(engineering, AGENT)
    assert [item["result"] for item in listed(engineering)["items"]] == ["done"]


# -- records an earlier version kept on the equipment itself ----------------------------------------

def legacy_pump(service, code="PUMP-OLD", count=3):
    """Equipment as it was stored before its records had a collection: every record in its array."""
    equipment_id = ledger.equipment_id(ESTATE, code)
    records = [ledger.new_record(f"eqr_old{n}", "inspection", f"old{n}", "", NOW - timedelta(days=count - n), "li")
               for n in range(count)]
    service.db.equipment.insert_one({
        "_id": equipment_id, "estate_id": ESTATE, "code": code, "name": "Old pump", "system": "water",
        "location": "B1", "installed_on": None, "records": records, "custom": {},
        "created_at": clock.to_iso(NOW - timedelta(days=30)), "updated_at": records[-1]["at"], "created_by": "li",
        "_rev": 3})
    return equipment_id, records


def test_records_kept_on_the_equipment_before_still_show_everywhere(engineering):
    equipment_id, records = legacy_pump(engineering)
    shown = engineering.get_equipment({"estate_id": ESTATE, "id": equipment_id})
    assert [r["result"] for r in shown["records"]] == ["old0", "old1", "old2"]
    items = {item["id"]: item for item in engineering.list_equipment({"estate_id": ESTATE})["items"]}
    assert (items[equipment_id]["record_count"], items[equipment_id]["last_record"]["result"]) == (3, "old2")
    assert walked(engineering, limit=2, newest_first="true") == []  # the new pump's: none
    seen, cursor = [], None
    while True:
        page = listed(engineering, equipment_id=equipment_id, limit=2, cursor=cursor, newest_first="true")
        seen += [item["result"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["old2", "old1", "old0"]


def test_records_kept_on_the_equipment_move_once_to_their_collection_without_a_second_event(engineering):
    equipment_id, records = legacy_pump(engineering)
    items = {item["id"]: item for item in engineering.list_equipment({"estate_id": ESTATE})["items"]}
    assert items[equipment_id]["record_count"] == 3  # counted from the array while it is there
    record(engineering, kind="repair", result="new", equipment_id=equipment_id)
    stored = engineering.db.equipment.find_one({"_id": equipment_id})
    assert "records" not in stored and (stored["record_count"], stored["last_record"]["result"]) == (4, "new")
    assert engineering.db.equipment_records.count_documents({"estate_id": ESTATE, "equipment_id": equipment_id}) == 4
    assert [e["data"]["record"]["result"] for e in engineering.outbox.of_type("equipment_record_added")] == ["new"]
    # a retry of a record the array held (a completion retried after a crash) is not added again
    kept = operations.add_record(engineering.db, engineering.outbox, ESTATE, equipment_id, records[0])
    assert kept["result"] == "old0"
    assert engineering.db.equipment.find_one({"_id": equipment_id})["record_count"] == 4
    assert len(engineering.outbox.of_type("equipment_record_added")) == 1
    shown = engineering.get_equipment({"estate_id": ESTATE, "id": equipment_id})
    assert [r["result"] for r in shown["records"]] == ["old0", "old1", "old2", "new"]


def test_a_record_an_earlier_version_still_pushed_to_the_array_is_moved_too(engineering):
    """A rolling upgrade: a replica of the earlier version appends to the array after the move."""
    equipment_id, _ = legacy_pump(engineering)
    record(engineering, result="new", equipment_id=equipment_id)
    late = ledger.new_record("eqr_late", "repair", "late", "", clock.now() + timedelta(minutes=5), "li")
    engineering.db.equipment.update_one({"_id": equipment_id, "estate_id": ESTATE}, {"$push": {"records": late}})
    items = {item["id"]: item for item in engineering.list_equipment({"estate_id": ESTATE})["items"]}
    assert (items[equipment_id]["record_count"], items[equipment_id]["last_record"]["result"]) == (5, "late")
    shown = engineering.get_equipment({"estate_id": ESTATE, "id": equipment_id})
    assert [r["result"] for r in shown["records"]] == ["old0", "old1", "old2", "new", "late"]
    assert "records" not in engineering.db.equipment.find_one({"_id": equipment_id})


def test_the_move_sweep_empties_every_estate_s_arrays_once(engineering):
    equipment_id, _ = legacy_pump(engineering)
    engineering.db.estates.insert_one({"_id": ESTATE, "estate_id": ESTATE, "timezone": "Asia/Shanghai"})
    assert operations.move_earlier_records(engineering.db, engineering.outbox) == 1
    stored = engineering.db.equipment.find_one({"_id": equipment_id})
    assert "records" not in stored and stored["record_count"] == 3
    engineering.move_earlier_equipment_records()  # the timer's sweep
    assert operations.move_earlier_records(engineering.db, engineering.outbox) == 0  # the estate is marked: nothing read again
    assert engineering.outbox.of_type("equipment_record_added") == []


def test_a_retry_later_keeps_the_last_record_as_it_was_written(engineering):
    """The retry of a record with its key, minutes after it was written: the equipment's last record
    is the record stored (its moment, the first call's), not the retry's copy made now."""
    as_caller(engineering, TECHNICIAN, idempotency_key="k-3")
    first = record(engineering)
    written = engineering.db.equipment.find_one({"_id": engineering.pump["id"]})
    again = record(engineering, minutes=5)
    assert again == first
    stored = engineering.db.equipment.find_one({"_id": engineering.pump["id"]})
    assert stored["last_record"]["at"] == first["at"]
    assert (stored["updated_at"], stored["_rev"]) == (written["updated_at"], written["_rev"])  # nothing written


def test_the_equipment_without_its_records_when_asked_records_none(engineering):
    """The console's equipment page shows the piece's details and pages its records: its details
    read the whole ledger with them. ``records=none`` answers the piece with its count and last
    record, no ``records``; ``all`` (the default) every record as before; another value a 400."""
    for number in range(3):
        record(engineering, result=f"r{number}")
    asked = {"estate_id": ESTATE, "id": engineering.pump["id"]}
    bare = engineering.get_equipment({**asked, "filters": {"records": "none"}})
    assert "records" not in bare
    assert (bare["record_count"], bare["last_record"]["result"], bare["code"]) == (3, "r2", "PUMP-1")
    whole = engineering.get_equipment({**asked, "filters": {"records": "all"}})
    assert [r["result"] for r in whole["records"]] == ["r0", "r1", "r2"]
    assert engineering.get_equipment(asked)["records"] == whole["records"]
    with pytest.raises(InvalidInput):
        engineering.get_equipment({**asked, "filters": {"records": "some"}})


def exported(service, filters, language=None, caller=None):
    """An export of the estate's equipment records so filtered, run: its CSV's lines, split."""
    as_caller(service, caller or staff("wang", ["manager"], [ESTATE]))
    data = {"resource": "equipment_records", "format": "csv", "filters": filters,
            **({"language": language} if language else {})}
    job = service.start_export({"estate_id": ESTATE, "data": data})
    service.run_jobs()
    part = service.read_export({"estate_id": ESTATE, "id": job["id"], "n": 0})
    return [line.split(",") for line in base64.b64decode(part["data_base64"]).decode("utf-8-sig").splitlines()]


def test_a_pieces_records_are_exported_for_the_inspector_with_its_code_and_the_numbers_masked(engineering):
    """电梯维修记录 for the special-equipment inspector: the lift's inspections, maintenance and repairs
    in a file, each with the lift's code, name and location. There was no export of the ledger: the
    work orders' was the only file, without the records typed by hand (the annual inspection) and
    with the occupants' names and numbers in full (found by h6, a probe of a lift's year)."""
    lift = engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-2A", "name": "2号楼A梯", "system": "elevator", "location": "2号楼"}})
    record(engineering, result="r-pump")
    for kind, result in (("inspection", "年检合格"), ("repair", "更换门机板")):
        clock.advance(timedelta(minutes=5))
        engineering.add_equipment_record({"estate_id": ESTATE, "id": lift["id"], "data": {
            "kind": kind, "result": result, "notes": "业主 13912345678 报修"}})
    lines = exported(engineering, {"equipment_id": lift["id"]}, language="zh")
    heading, rows = lines[0], lines[1:]
    assert [row[heading.index("结果")] for row in rows] == ["年检合格", "更换门机板"]  # the lift's only, in order
    assert {row[heading.index("设备编号")] for row in rows} == {"LIFT-2A"}
    assert {row[heading.index("设备名称")] for row in rows} == {"2号楼A梯"}
    assert [row[heading.index("类型")] for row in rows] == ["巡检", "维修"]
    # on the estate's clock, as every moment of a file in a language (17:00 in Shanghai is 09:00 UTC)
    assert [row[heading.index("登记时间（Asia/Shanghai）")] for row in rows] == [
        "2026-11-23 18:05:00", "2026-11-23 18:10:00"]
    as_technician = exported(engineering, {"equipment_id": lift["id"]}, caller=TECHNICIAN)
    assert {row[as_technician[0].index("notes")] for row in as_technician[1:]} == {"业主 139****5678 报修"}
    assert len(exported(engineering, {})) == 4  # the estate's ledger: the heading and every record
    assert len(exported(engineering, {"equipment_id": lift["id"], "kind": "repair"})) == 2


def test_the_estates_records_are_listed_across_its_equipment(engineering):
    """``GET …/equipment-records``: the export's list, the records of every piece (or one) by when
    they were made, of a kind, made from/to."""
    lift = engineering.create_equipment({"estate_id": ESTATE, "data": {
        "code": "LIFT-1A", "name": "1号楼A梯", "system": "elevator", "location": "1号楼"}})
    record(engineering, result="pump")
    record(engineering, kind="repair", result="lift", equipment_id=lift["id"])
    page = engineering.list_estate_equipment_records({"estate_id": ESTATE, "filters": {}})
    assert [(item["result"], item["equipment_id"]) for item in page["items"]] == [
        ("pump", engineering.pump["id"]), ("lift", lift["id"])]
    newest = engineering.list_estate_equipment_records({"estate_id": ESTATE, "filters": {"newest_first": "true"}})
    assert [item["result"] for item in newest["items"]] == ["lift", "pump"]
    one = engineering.list_estate_equipment_records({"estate_id": ESTATE, "filters": {"equipment_id": lift["id"]}})
    assert [item["result"] for item in one["items"]] == ["lift"]
    assert engineering.list_estate_equipment_records({"estate_id": ESTATE, "filters": {"kind": "maintenance"}})[
        "items"] == []


def test_an_export_of_records_to_a_day_before_its_from_is_refused_before_a_job_is_made(engineering):
    """The list answers a ``to`` before the ``from`` a 400; its export made a job that failed when it
    ran (the range read in the job), where the caller asking it got a 202 and no file (found by
    review r6 of h6)."""
    as_caller(engineering, staff("wang", ["manager"], [ESTATE]))
    with pytest.raises(InvalidInput) as refused:
        engineering.start_export({"estate_id": ESTATE, "data": {
            "resource": "equipment_records", "format": "csv", "filters": {"from": "2026-12-31", "to": "2026-01-01"}}})
    assert [e["field"] for e in refused.value.errors] == ["data.filters.to"]
    assert engineering.db.jobs.count_documents({}) == 0


def test_a_pieces_records_an_earlier_version_kept_are_in_the_estates_list_and_export_of_it(engineering):
    """The estate's list filtered on one piece, and its export (电梯维修记录 from the API), read the
    records' collection alone: a piece not yet touched since an earlier version kept its records in
    its array (a rolling upgrade, before the sweep) was listed and exported without them, where its
    own page moves them first (found by review r6 of h6)."""
    equipment_id, _ = legacy_pump(engineering)
    page = engineering.list_estate_equipment_records({"estate_id": ESTATE, "filters": {"equipment_id": equipment_id}})
    assert [item["result"] for item in page["items"]] == ["old0", "old1", "old2"]
    late = ledger.new_record("eqr_late", "repair", "late", "", clock.now(), "li")
    engineering.db.equipment.update_one({"_id": equipment_id, "estate_id": ESTATE}, {"$push": {"records": late}})
    lines = exported(engineering, {"equipment_id": equipment_id})
    assert [row[lines[0].index("result")] for row in lines[1:]] == ["old0", "old1", "old2", "late"]
    # a piece of no estate's: an empty page, as before
    assert engineering.list_estate_equipment_records({"estate_id": ESTATE, "filters": {"equipment_id": "eq_nope"}})[
        "items"] == []


def test_what_maintenance_writes_on_a_record_is_in_the_files_language(engineering):
    """A completed order's record says "completed (WO-…)", an inspection's "passed" or "2 finding(s)": the
    console read them in Chinese, the file in Chinese kept them in English (found by h5, a probe of a lift's
    year). A result typed by hand, and a file with no language, are as written; the notes are as written
    too (an inspection's "checklist …" is read in Chinese on the console alone: a cell is read without
    its record's kind)."""
    pump = engineering.pump["id"]
    order = {"_id": "wo_9", "number": "WO-2026-000009", "summary": "换了密封圈", "description": "漏水",
             "completed_at": clock.now_iso(), "technician": "chen", "history": []}
    operations.add_record(engineering.db, engineering.outbox, ESTATE, pump, ledger.record_from_order(order))
    for findings in ([], [{"code": "P1"}, {"code": "P2"}]):
        clock.advance(timedelta(minutes=1))
        inspection = {"_id": f"insp_{len(findings)}", "findings": findings, "checklist_name": "水泵周检",
                      "completed_at": clock.now_iso(), "completed_by": "chen"}
        operations.add_record(engineering.db, engineering.outbox, ESTATE, pump, checklists.equipment_record(inspection))
    record(engineering, result="更换轴承")
    zh = exported(engineering, {"equipment_id": pump}, language="zh")
    assert [(row[zh[0].index("结果")], row[zh[0].index("备注")]) for row in zh[1:]] == [
        ("完工（WO-2026-000009）", "换了密封圈"), ("合格", "checklist 水泵周检"), ("发现 2 项问题", "checklist 水泵周检"),
        ("更换轴承", "inspection 更换轴承")]
    plain = exported(engineering, {"equipment_id": pump})
    assert [row[plain[0].index("result")] for row in plain[1:]] == [
        "completed (WO-2026-000009)", "passed", "2 finding(s)", "更换轴承"]
