"""Meter readings at a handover (交房抄表) and a sale's transfer (过户抄表) through archive's entrypoints
against the embedded store: kept once, listed, announced, chained under the household, a meter
going back refused naming the field."""
import base64
import csv
import io

import pytest

from archive.service import ArchiveService
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict
from estate_common.testing import as_caller, side_by_side, staff, worker

ESTATE = {"code": "HZ-07", "name": "Harbour View", "address": "5 Bay Road"}
WATER = {"occasion": "handover", "meter_kind": "water", "meter_number": "W-0031", "reading": 12.5,
         "read_on": "2026-12-01", "photo_ref": "IMG_0042.jpg"}


@pytest.fixture
def archive():
    return worker(ArchiveService)


@pytest.fixture
def estate(archive):
    clock.freeze(clock.parse_iso("2026-12-06T03:00:00Z"))
    yield archive.create_estate({"data": ESTATE})
    clock.reset()


@pytest.fixture
def household(archive, estate):
    return archive.create_household({"estate_id": estate["id"], "data": {
        "building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
        "owner": {"name": "李四", "phone": "13912345678"}}})


def record(archive, estate, household, key, **more):
    as_caller(archive, staff("zhou", ["steward"], [estate["id"]]), idempotency_key=key)
    return archive.record_meter_reading({"estate_id": estate["id"], "id": household["id"], "data": {**WATER, **more}})


def test_a_reading_is_kept_once_listed_announced_and_chained(archive, estate, household):
    made = record(archive, estate, household, "k1")
    assert record(archive, estate, household, "k1")["id"] == made["id"]  # a retry: one reading
    assert (made["household_id"], made["recorded_by"], made["previous_reading"]) == (household["id"], "zhou", None)
    clock.freeze(clock.parse_iso("2026-12-06T04:00:00Z"))
    later = record(archive, estate, household, "k2", occasion="transfer", reading=40, read_on="2026-12-05")
    assert later["previous_reading"] == 12.5
    listed = archive.list_meter_readings({"estate_id": estate["id"], "filters": {"household_id": household["id"]}})
    assert [r["id"] for r in listed["items"]] == [made["id"], later["id"]]
    assert [r["id"] for r in archive.list_meter_readings({"estate_id": estate["id"], "filters": {
        "occasion": "transfer"}})["items"]] == [later["id"]]
    announced = archive.outbox.of_type("meter_reading_recorded")
    assert [e["data"]["id"] for e in announced] == [made["id"], later["id"]]
    for published in announced:  # archive's own consumer chains each (twice delivered: once)
        archive.record_meter_reading_taken(published)
    archive.record_meter_reading_taken(announced[0])
    as_caller(archive, staff("li", ["archivist"], [estate["id"]]))  # the archive's keeper reads it directly
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "meter_reading"}})["items"]
    assert sorted((r["subject_id"], r["household_id"], r["actor"]) for r in records) == sorted(
        [(made["id"], household["id"], "zhou"), (later["id"], household["id"], "zhou")])
    assert archive.verify_archive({"estate_id": estate["id"]})["first_mismatch"] is None


def test_a_reading_lower_than_the_meters_last_is_refused_unless_a_replacement(archive, estate, household):
    record(archive, estate, household, "k1")
    with pytest.raises(BusinessRuleViolation) as refused:
        record(archive, estate, household, "k2", reading=3)
    assert refused.value.errors[0]["field"] == "data.reading"
    replaced = record(archive, estate, household, "k3", reading=3, meter_number="W-0099", replacement=True)
    assert replaced["replacement"] is True
    with pytest.raises(BusinessRuleViolation):  # the new meter goes forward from its own figure
        record(archive, estate, household, "k4", reading=2, meter_number="W-0099")


def test_the_readings_are_exported_with_their_flats_in_the_readers_language(archive, estate, household):
    record(archive, estate, household, "k1")
    record(archive, estate, household, "k2", meter_kind="gas", meter_number="G-7", reading=3.25)
    as_caller(archive, staff("chen", ["accountant"], [estate["id"]]))  # accounts price prepaid usage from them
    job = archive.start_export({"estate_id": estate["id"], "data": {
        "resource": "meter_readings", "format": "csv", "language": "zh", "filters": {"meter_kind": "water"}}})
    archive.run_jobs()
    job = archive.get_job({"id": job["id"]})
    assert job["status"] == "succeeded" and job["result"]["rows"] == 1
    part = archive.read_export({"estate_id": estate["id"], "id": job["id"], "n": 0})
    [row] = list(csv.DictReader(io.StringIO(base64.b64decode(part["data_base64"]).decode("utf-8-sig"), newline="")))
    assert (row["楼栋"], row["房号"], row["表类"], row["表号"], row["读数"], row["抄表时机"]) == (
        "3", "1201", "水表", "W-0031", "12.5", "交房")


def test_two_readings_of_one_meter_at_once_land_one_and_the_other_is_a_409(archive, estate, household, monkeypatch):
    """Both were judged against the reading before them both: 40 and 30 landed, and the meter went
    back from 40 to 30 unrefused (found by review r7). The next reading's claim decides."""
    record(archive, estate, household, "k1")
    clock.freeze(clock.parse_iso("2026-12-06T04:00:00Z"))
    twins = [worker(ArchiveService, caller=staff("zhou", ["steward"], [estate["id"]]), db=archive.db,
                    idempotency_key=key) for key in ("k2", "k3")]
    answers = side_by_side(monkeypatch, *[lambda twin=twin, figure=figure: twin.record_meter_reading(
        {"estate_id": estate["id"], "id": household["id"], "data": {**WATER, "reading": figure}})
        for twin, figure in zip(twins, (40, 30))])
    landed = [made for made, _ in answers if made]
    refused = [error for _, error in answers if error]
    assert len(landed) == 1 and len(refused) == 1 and isinstance(refused[0], Conflict)
    assert archive.db.meter_readings.count_documents({"estate_id": estate["id"]}) == 2
    # the loser sent again with its key is judged against the one that landed
    clock.freeze(clock.parse_iso("2026-12-06T05:00:00Z"))
    again = twins[1 - twins.index(next(t for t, (m, _) in zip(twins, answers) if m))]
    figure = 30 if landed[0]["reading"] == 40 else 40
    if figure < landed[0]["reading"]:
        with pytest.raises(BusinessRuleViolation):
            again.record_meter_reading({"estate_id": estate["id"], "id": household["id"],
                                        "data": {**WATER, "reading": figure}})
    else:
        assert again.record_meter_reading({"estate_id": estate["id"], "id": household["id"], "data": {
            **WATER, "reading": figure}})["previous_reading"] == landed[0]["reading"]


def test_a_reading_whose_write_died_after_its_claim_is_finished_by_its_retry(archive, estate, household, monkeypatch):
    record(archive, estate, household, "k1")
    from estate_common import store as common
    original, calls = common.insert_new, []

    def dies_on_the_reading(collection, doc):
        calls.append(collection.name)
        if collection.name == "meter_readings":
            raise ConnectionError("the store went away")
        return original(collection, doc)
    monkeypatch.setattr(common, "insert_new", dies_on_the_reading)
    with pytest.raises(ConnectionError):
        record(archive, estate, household, "k2", reading=40)
    monkeypatch.setattr(common, "insert_new", original)
    with pytest.raises(Conflict):  # another steward, while the claim is young
        record(archive, estate, household, "k3", reading=41)
    made = record(archive, estate, household, "k2", reading=40)  # its retry, same key: finished
    assert made["previous_reading"] == 12.5


def test_a_tenant_s_move_out_has_its_own_final_reading(archive, estate, household):
    """退租抄表 (h8's probe of a tenant moving out): the final water and electricity figures of a
    tenant leaving were readable only as a handover's or a sale's, neither of which it is; the
    owner settles the tenant's use from them."""
    first = record(archive, estate, household, "k1")
    clock.freeze(clock.parse_iso("2026-12-06T04:00:00Z"))
    final = record(archive, estate, household, "k2", occasion="move_out", reading=31.25, read_on="2026-12-05")
    assert (final["occasion"], final["previous_reading"]) == ("move_out", 12.5)
    assert [r["id"] for r in archive.list_meter_readings({"estate_id": estate["id"], "filters": {
        "occasion": "move_out"}})["items"]] == [final["id"]]
    assert [e["data"]["occasion"] for e in archive.outbox.of_type("meter_reading_recorded")] == [
        "handover", "move_out"]
    assert first["occasion"] == "handover"
