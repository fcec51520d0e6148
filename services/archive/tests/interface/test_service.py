"""archive's entrypoints, run against the embedded store without a broker."""
import base64
import logging
from datetime import timedelta

import pytest

from archive import domain, operations, restatements, store
from archive.service import ArchiveService
from estate_common import calendar, clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, NotFound
from estate_common.kpis import BY_THE_MONTH
from estate_common.testing import ADMIN, as_caller, event, staff, worker

ESTATE = {"code": "HZ-01", "name": "West Lake Garden", "address": "9 Lake Road"}
HOUSEHOLD = {"building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
             "owner": {"name": "李四", "phone": "13912345678"}}


@pytest.fixture
def archive():
    return worker(ArchiveService)


@pytest.fixture
def estate(archive):
    """Registered before the dates the tests freeze the clock at (the periods after it owe a
    yearly plan and checks)."""
    clock.freeze(clock.parse_iso("2025-06-01T02:00:00Z"))
    try:
        return archive.create_estate({"data": ESTATE})
    finally:
        clock.reset()


def test_creating_an_estate_publishes_it(archive, estate):
    assert estate["code"] == "HZ-01"
    [published] = archive.outbox.of_type("estate_created")
    assert published["data"]["id"] == estate["id"] and published["estate_id"] == estate["id"]
    assert archive.db.estates.find_one({"_id": estate["id"]})["_outbox"] == []


def test_a_restatement_is_a_job_that_sends_the_estate_and_its_households_in_batches_once_per_key(
        archive, estate, monkeypatch):
    monkeypatch.setattr(restatements, "BATCH", 2)
    for room in ("1201", "1202", "1203"):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=room)})
    as_caller(archive, ADMIN, idempotency_key="restate-1")
    job = archive.start_restatement({"estate_id": estate["id"], "data": {}})
    assert (job["kind"], job["status"]) == ("restatement", "queued")
    assert archive.outbox.of_type("estate_restated") == []  # the job sends, not the call
    assert archive.start_restatement({"estate_id": estate["id"], "data": {}})["id"] == job["id"]  # a retry
    # the same key on the import's route is another request (the gateway keeps keys per route):
    # it was answered the restatement's job, and nothing was imported (found by review)
    imported = archive.start_household_import({"estate_id": estate["id"], "data": {"format": "csv", "content_base64":
        base64.b64encode(b"building,unit,room,area_m2,owner_name,owner_phone\n9,1,101,80,Li,13800000000\n").decode()}})
    assert imported["kind"] == "household_import" and imported["id"] != job["id"]
    archive.run_jobs()
    done = archive.get_job({"id": job["id"]})
    assert done["status"] == "succeeded" and done["progress"] == {"done": 3, "total": 3}
    assert done["result"] == {"estate_id": estate["id"], "households": 3, "batches": 2}
    [restated_estate] = archive.outbox.of_type("estate_restated")
    assert restated_estate["data"]["id"] == estate["id"] and restated_estate["data"]["timezone"] == "Asia/Shanghai"
    batches = archive.outbox.of_type("households_restated")
    assert [(b["data"]["batch"], b["data"]["batches"], len(b["data"]["households"])) for b in batches] == [
        (1, 2, 2), (2, 2, 1)]
    rooms = sorted(h["room"] for b in batches for h in b["data"]["households"])
    assert rooms == ["1201", "1202", "1203"] and all("owner" not in h for b in batches for h in b["data"]["households"])
    with pytest.raises(NotFound):
        archive.start_restatement({"estate_id": "est_nope", "data": {}})
    manager = staff("wang", ["manager"], [estate["id"]])
    as_caller(archive, manager)  # the operator's admin alone starts and reads it
    with pytest.raises(Forbidden):
        archive.start_restatement({"estate_id": estate["id"], "data": {}})
    with pytest.raises(NotFound):
        archive.get_job({"id": job["id"]})


def test_a_restatement_run_again_sends_what_it_had_not_sent_and_skips_no_household(archive, estate, monkeypatch):
    """Its worker died after one batch: the job runs again (``jobs``), and households created
    meanwhile move the batches' ranges; a batch is skipped only when the same range went out."""
    monkeypatch.setattr(restatements, "BATCH", 2)
    for room in ("1201", "1203", "1205", "1207"):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=room)})
    as_caller(archive, ADMIN)
    job = archive.db.jobs.find_one({"_id": archive.start_restatement({"estate_id": estate["id"], "data": {}})["id"]})

    def dies_after_one_batch(done, total=None):
        if done >= 2:
            raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        operations.restate_copies(archive.db, archive.outbox, job, dies_after_one_batch)
    assert len(archive.outbox.of_type("households_restated")) == 1
    operations.restate_copies(archive.db, archive.outbox, job, lambda done, total=None: None)
    assert len(archive.outbox.of_type("households_restated")) == 2, "the batch that went out went again"
    assert len(archive.outbox.of_type("estate_restated")) == 1

    for room in ("1202", "1204", "1206"):  # meanwhile: every batch's range moves
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=room)})
    result = operations.restate_copies(archive.db, archive.outbox, job, lambda done, total=None: None)
    assert result["households"] == 7
    sent = [b["data"]["households"] for b in archive.outbox.of_type("households_restated")]
    # each batch of the estate as it is now went out: in this run, or the same range in the first
    now = {restatements.part_key(batch) for batch in restatements.batches(
        store.export_households(archive.db, estate["id"], {}))}
    assert now <= {restatements.part_key(batch) for batch in sent}
    assert {h["room"] for batch in sent for h in batch} == {str(room) for room in range(1201, 1208)}


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


def test_an_estate_is_on_shanghai_time_unless_created_with_a_timezone(archive, estate):
    assert estate["timezone"] == "Asia/Shanghai"
    assert archive.outbox.of_type("estate_created")[0]["data"]["timezone"] == "Asia/Shanghai"
    berlin = archive.create_estate({"data": dict(ESTATE, code="DE-01", timezone="Europe/Berlin")})
    assert archive.get_estate({"estate_id": berlin["id"]})["timezone"] == "Europe/Berlin"


def test_an_unknown_timezone_is_refused_naming_the_field(archive):
    for name in ("Mars/Olympus", "Europe"):
        with pytest.raises(InvalidInput) as refused:
            archive.create_estate({"data": dict(ESTATE, timezone=name)})
        assert refused.value.errors[0]["field"] == "data.timezone"
    assert archive.db.estates.count_documents({}) == 0


def test_an_estates_timezone_is_edited_in_a_new_version_announced_once(archive, estate):
    edited = archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "America/New_York"}})
    assert (edited["timezone"], edited["version"], edited["code"]) == ("America/New_York", 2, "HZ-01")
    [published] = archive.outbox.of_type("estate_updated")
    assert published["data"] == {"id": estate["id"], "estate_id": estate["id"], "code": "HZ-01",
                                 "name": ESTATE["name"], "address": ESTATE["address"],
                                 "timezone": "America/New_York", "version": 2, "changed": ["timezone"],
                                 "created_at": estate["created_at"]}
    again = archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "America/New_York"}})
    assert again["version"] == 2 and len(archive.outbox.of_type("estate_updated")) == 1  # nothing changed
    with pytest.raises(InvalidInput) as refused:
        archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "Nowhere/Land"}})
    assert refused.value.errors[0]["field"] == "data.timezone"
    with pytest.raises(InvalidInput):
        archive.update_estate({"estate_id": estate["id"], "data": {"code": "NEW-01"}})  # the code is its identity
    with pytest.raises(NotFound):
        archive.update_estate({"estate_id": "est_unknown", "data": {"name": "x"}})
    assert archive.get_estate({"estate_id": estate["id"]})["timezone"] == "America/New_York"
    assert archive.db.estates.find_one({"_id": estate["id"]})["_outbox"] == []


def test_an_edit_that_loses_a_race_is_decided_again_on_the_winners_version(archive, estate, monkeypatch):
    decided_on = []

    def edit_while_another_operator_edits(stored, data, now):
        decided_on.append(stored["version"])
        if len(decided_on) == 1:  # another operator renames the estate between this read and this write
            archive.db.estates.update_one({"_id": estate["id"]}, {"$set": {"name": "West Lake", "version": 2},
                                                                  "$inc": {"_rev": 1}})
        return original(stored, data, now)

    original = domain.estate_changes
    monkeypatch.setattr(domain, "estate_changes", edit_while_another_operator_edits)
    edited = archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "America/New_York"}})
    assert decided_on == [1, 2]
    assert (edited["name"], edited["timezone"], edited["version"]) == ("West Lake", "America/New_York", 3)
    [published] = archive.outbox.of_type("estate_updated")
    assert published["data"]["version"] == 3 and published["data"]["name"] == "West Lake"


def test_an_estate_stored_before_timezones_is_shown_on_the_default(archive, estate):
    archive.db.estates.update_one({"_id": estate["id"]}, {"$unset": {"timezone": ""}})
    assert archive.get_estate({"estate_id": estate["id"]})["timezone"] == "Asia/Shanghai"
    assert archive.list_estates({})["items"][0]["timezone"] == "Asia/Shanghai"


def test_kpi_months_follow_the_estates_timezone(archive, estate):
    """A check at 02:00 UTC on 1 November is November in Shanghai and October in New York."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    as_role(archive, "li", "archivist", estate)
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-06-01", "2026-11-01"]}})
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-11-01T02:00:00Z", "records_checked": 10, "records_complete": 9}})
    as_role(archive, MANAGER, "manager", estate)

    def checked(period):
        block = archive.kpis({"period": period, "estate_ids": [estate["id"]]})["estates"][estate["id"]]
        return block["archive_check_completeness"]["denominator"]

    assert (checked("2026-10"), checked("2026-11")) == (0, 10)
    as_caller(archive, ADMIN)
    archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "America/New_York"}})
    as_role(archive, MANAGER, "manager", estate)
    assert (checked("2026-10"), checked("2026-11")) == (10, 0)


def test_a_household_needs_a_known_estate(archive):
    with pytest.raises(NotFound):
        archive.create_household({"estate_id": "est_unknown", "data": HOUSEHOLD})


def test_a_household_is_registered_once(archive, estate):
    created = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert created["owner"]["phone"] == "13912345678"
    with pytest.raises(Conflict):
        archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert len(archive.outbox.of_type("household_created")) == 1


def test_a_flat_written_in_another_common_form_is_registered_once_naming_its_household(archive, estate):
    """3栋-1-1201 beside 3-1-1201 was a second household for one flat (3号楼 / 3栋 / 3# / 三号楼 / 3
    are one building: ``estate_common.text.address_reading``): a 409 names the household as
    registered, and nothing is written or announced."""
    first = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    for building, unit, room in (("3栋", "1", "1201"), ("三号楼", "1单元", "1201室"), ("3#", "一单元", "1201")):
        with pytest.raises(Conflict) as refused:
            archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building=building, unit=unit,
                                                                               room=room)})
        assert refused.value.detail == f"this flat is registered already, as 3-1-1201 (household {first['id']})"
        assert refused.value.errors == [{"field": "data.building",
                                         "message": f"names the flat registered as 3-1-1201 (household {first['id']})"}]
    archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="3楼")})  # a floor: not read
    assert len(archive.outbox.of_type("household_created")) == 2
    assert sorted(h["building"] for h in archive.list_households({"estate_id": estate["id"]})["items"]) == ["3", "3楼"]


def test_two_spellings_of_one_flat_registered_at_once_make_one_household(archive, estate, monkeypatch):
    """Both creates find no household at the flat; the unique (estate_id, _address_key) index lets
    the first insert win and the second is refused naming it, not counted as made."""
    twin = archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="3栋")})
    probes = []
    household_at = store.household_at

    def before_the_twin(db, estate_id, key):  # the first probe ran before the twin's insert
        probes.append(key)
        return None if len(probes) == 1 else household_at(db, estate_id, key)

    monkeypatch.setattr(store, "household_at", before_the_twin)
    with pytest.raises(Conflict) as refused:
        archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert refused.value.detail == f"this flat is registered already, as 3栋-1-1201 (household {twin['id']})"
    assert len(probes) == 2 and len(archive.outbox.of_type("household_created")) == 1
    assert [h["id"] for h in archive.list_households({"estate_id": estate["id"]})["items"]] == [twin["id"]]


def _registered_before_address_keys(archive, estate_id, building, created_at, room="1201"):
    """A household as a version before address keys wrote it (or an old replica during the deploy)."""
    household = domain.new_household(estate_id, dict(HOUSEHOLD, building=building, room=room),
                                      clock.parse_iso(created_at))
    del household["_address_key"]
    archive.db.households.insert_one(household)
    return household["_id"]


def test_households_registered_before_address_keys_get_theirs_and_a_flat_registered_twice_is_reported(
        archive, estate, caplog):
    """The sweep (at start, then on a timer) keys each household registered without one, the first
    registered of a flat written twice keeping it; the other is left as it is and named in a
    warning (ids only), once. The start-up never fails on them, and a third spelling is refused."""
    first = _registered_before_address_keys(archive, estate["id"], "3", "2026-01-05T02:00:00Z")
    twice = _registered_before_address_keys(archive, estate["id"], "3栋", "2026-02-05T02:00:00Z")
    alone = _registered_before_address_keys(archive, estate["id"], "4", "2026-01-06T02:00:00Z")
    with caplog.at_level(logging.WARNING, logger="archive.operations"):
        assert operations.keep_address_keys(archive.db) == 2
    keys = {h["_id"]: h.get("_address_key") for h in archive.db.households.find({"estate_id": estate["id"]})}
    assert keys[first] and keys[alone] and keys[twice] is None
    warned = [r for r in caplog.records if r.name == "archive.operations"]
    assert len(warned) == 1 and warned[0].household_ids == [twice] and warned[0].registered_as == [first]
    assert "李四" not in caplog.text and "13912345678" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="archive.operations"):
        assert operations.keep_address_keys(archive.db) == 0  # run again (another replica, the timer): nothing
    assert not [r for r in caplog.records if r.name == "archive.operations"]
    with pytest.raises(Conflict) as refused:
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="三号楼")})
    assert f"(household {first})" in refused.value.detail


def test_a_flat_registered_without_a_key_yet_is_refused_written_otherwise_before_its_sweep(archive, estate):
    """Before the first sweep after the upgrade (or for a household an old replica wrote) the flat
    has no key, and 3栋-1-1201 beside such a 3-1-1201 passed the key's probe: it is refused naming
    the household found at another spelling through the (estate_id, building, unit, room) index,
    the first registered of two; written as registered it is there already."""
    first = _registered_before_address_keys(archive, estate["id"], "3", "2026-01-05T02:00:00Z")
    twice = _registered_before_address_keys(archive, estate["id"], "3号楼", "2026-02-05T02:00:00Z")
    for building, unit, room in (("3栋", "1", "1201"), ("三号楼", "1单元", "1201室")):
        with pytest.raises(Conflict) as refused:
            archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building=building, unit=unit,
                                                                               room=room)})
        assert refused.value.detail == f"this flat is registered already, as 3-1-1201 (household {first})"
    with pytest.raises(Conflict) as refused:
        archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert refused.value.detail == "this building, unit and room is registered already"
    archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room="1202")})  # another flat
    assert len(archive.outbox.of_type("household_created")) == 1
    assert {h["_id"] for h in archive.db.households.find({"estate_id": estate["id"], "room": "1201"})} == {first, twice}


def test_the_spellings_of_a_flat_are_looked_up_in_the_address_index_not_the_estate_walked(archive, estate):
    """``store.household_spelled``: each spelling of the flat a bucket of ``(estate_id, building,
    unit, room)``, whatever the estate's size."""
    for room in range(300):
        _registered_before_address_keys(archive, estate["id"], "4", "2026-01-05T02:00:00Z", room=str(1000 + room))
    old = _registered_before_address_keys(archive, estate["id"], "3", "2026-01-05T02:00:00Z")
    household = domain.new_household(estate["id"], dict(HOUSEHOLD, building="3栋"), clock.now())
    sent, find = [], archive.db.households.find
    collection = archive.db.households
    try:
        collection.find = lambda query, *args, **kwargs: (sent.append(query), find(query, *args, **kwargs))[1]
        assert store.household_spelled(archive.db, estate["id"], household)["_id"] == old
    finally:
        del collection.find
    with collection._lock:
        assert [[doc["_id"] for doc in collection._candidates(query)] for query in sent] == [[old]]


def test_a_create_looks_no_spelling_up_while_every_household_of_the_estate_is_keyed(archive, estate, monkeypatch):
    """The spellings (``store.household_spelled``: a lookup of each of some 900 combinations) find
    only households not keyed yet: while the estate has none (``store.has_unkeyed_households``,
    one probe of the null entries of ``(estate_id, _address_key, _id)``, whatever the estate's
    size), a create of a new flat does not look them up; once an old replica writes one without
    a key, it does again, and is refused at another spelling as before."""
    for room in range(300):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=str(2000 + room))})
    spelled, spell = [], store.household_spelled
    monkeypatch.setattr(store, "household_spelled", lambda *args: (spelled.append(args[2]["_id"]), spell(*args))[1])
    archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert spelled == []
    unkeyed = _registered_before_address_keys(archive, estate["id"], "4", "2026-01-05T02:00:00Z")
    collection = archive.db.households
    with collection._lock:  # the probe reads the unkeyed one alone, not the estate's 301 keyed
        assert [doc["_id"] for doc in collection._candidates({"estate_id": estate["id"], **store.UNKEYED})] == [unkeyed]
    assert store.has_unkeyed_households(archive.db, estate["id"])
    assert not store.has_unkeyed_households(archive.db, "est_other")
    archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room="1202")})
    assert len(spelled) == 1
    with pytest.raises(Conflict) as refused:
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="4栋")})
    assert f"(household {unkeyed})" in refused.value.detail
    operations.keep_address_keys(archive.db)
    assert not store.has_unkeyed_households(archive.db, estate["id"])
    archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room="1203")})
    assert len(spelled) == 2  # the 4栋 one's only


def test_a_household_an_older_replica_registers_during_the_deploy_gets_its_key_on_the_next_sweep(archive, estate):
    """A replica of the version before writes no key while the new ones start: the sweep after the
    first looks again at the households registered since shortly before the last one."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    try:
        operations.keep_address_keys(archive.db)
        late = _registered_before_address_keys(archive, estate["id"], "3", "2026-11-23T07:59:00Z")
        clock.freeze(clock.parse_iso("2026-11-23T08:10:00Z"))
        assert operations.keep_address_keys(archive.db) == 1
    finally:
        clock.reset()
    assert archive.db.households.find_one({"_id": late})["_address_key"]
    with pytest.raises(Conflict):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="3号楼")})


def test_a_household_edit_is_a_new_version_announced_once(archive, estate):
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    edited = archive.update_household({"estate_id": estate["id"], "id": household["id"], "data": {
        "area_m2": 91.5, "status": "occupied", "owner": {"phone": "13800138000"}, "version": 1}})
    assert (edited["area_m2"], edited["status"], edited["version"]) == (91.5, "occupied", 2)
    assert edited["owner"] == {"name": "李四", "phone": "13800138000"}
    [published] = archive.outbox.of_type("household_updated")
    assert published["data"] == {"id": household["id"], "estate_id": estate["id"], "building": "3", "unit": "1",
                                 "room": "1201", "area_m2": 91.5, "status": "occupied", "version": 2,
                                 "created_at": household["created_at"], "occupied_from": None, "occupied_to": None,
                                 # the owner as an opaque id: finance ends the owner's statement link on a transfer
                                 "owner_ref": published["data"]["owner_ref"],
                                 "owner_since": None,  # the owner registered with it: owned from before
                                 "changed": ["area_m2", "owner", "status"]}  # names only: what the change log shows
    assert published["data"]["owner_ref"].startswith("occ_")
    again = archive.update_household({"estate_id": estate["id"], "id": household["id"], "data": {"area_m2": 91.5}})
    assert again["version"] == 2 and len(archive.outbox.of_type("household_updated")) == 1  # nothing changed
    assert archive.get_household({"estate_id": estate["id"], "id": household["id"]})["area_m2"] == 91.5
    assert archive.db.households.find_one({"_id": household["id"]})["_outbox"] == []


def test_a_bad_or_stale_household_edit_is_refused_and_writes_nothing(archive, estate):
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    ref = {"estate_id": estate["id"], "id": household["id"]}
    for data, field in (({"area_m2": -1}, "data.area_m2"), ({"status": "sold"}, "data.status"),
                        ({"room": "1202"}, "data.room"), ({}, "data"), ({"owner": {"phone": "call me"}}, "data.owner.phone")):
        with pytest.raises(InvalidInput) as refused:
            archive.update_household(ref | {"data": data})
        assert field in {e["field"] for e in refused.value.errors}, (data, refused.value.errors)
    archive.update_household(ref | {"data": {"area_m2": 90}})
    with pytest.raises(Conflict) as refused:  # the editor saw version 1; it is at 2 now
        archive.update_household(ref | {"data": {"area_m2": 95, "version": 1}})
    assert refused.value.errors[0]["field"] == "data.version"
    with pytest.raises(NotFound):
        archive.update_household({"estate_id": estate["id"], "id": "hh_unknown", "data": {"area_m2": 90}})
    stored = archive.get_household(ref)
    assert (stored["area_m2"], stored["version"]) == (90, 2)
    assert len(archive.outbox.of_type("household_updated")) == 1


def test_a_household_edit_is_logged_in_the_change_log(archive, estate):
    as_caller(archive, ADMIN)
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    archive.update_household({"estate_id": estate["id"], "id": household["id"], "data": {"status": "occupied"}})
    [edit] = archive.outbox.of_type("household_updated")
    archive.log_household_edit(edit)
    archive.log_household_edit(edit)
    [change] = list(archive.db.change_log.find({"estate_id": estate["id"], "action": "household_updated"}))
    assert change["actor"] == "admin"


def test_the_service_answers_the_owner_whole_the_gateway_masks_it(archive, estate):
    """Masking by role is the gateway's (gateway/masking.py), once for every service."""
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    as_caller(archive, staff("wang", ["technician"], [estate["id"]]))
    shown = archive.get_household({"estate_id": estate["id"], "id": household["id"]})
    assert shown["owner"]["phone"] == "13912345678"


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


def test_an_estate_is_found_by_part_of_its_code_or_name_within_the_callers_scope(archive, estate):
    """An operator of hundreds of estates picked one by paging through 200 at a time."""
    sunny = archive.create_estate({"data": dict(ESTATE, code="SH-SUNNY-07", name="阳光花园七期")})
    river = archive.create_estate({"data": dict(ESTATE, code="HZ-09", name="River Court (A.1)")})

    def found(q):
        return sorted(e["code"] for e in archive.list_estates({"filters": {"q": q}})["items"])
    assert found("sunny") == ["SH-SUNNY-07"]  # any case
    assert found("阳光") == ["SH-SUNNY-07"]
    assert found("court (a.1)") == ["HZ-09"]  # read as text, not a pattern
    assert found("a.1") == ["HZ-09"] and found("a?1") == []
    assert found("nowhere") == []
    as_caller(archive, staff("zhao", ["manager"], [river["id"]]))
    assert found("阳光") == [] and found("court") == ["HZ-09"]  # within the caller's scope
    assert sunny["id"] not in [e["id"] for e in archive.list_estates({"filters": {"q": "7"}})["items"]]


def test_estates_are_listed_among_the_ids_named_within_the_callers_scope(archive, estate):
    """The gateway checks a user's or key's estates exist with one list (a call per estate took
    1.1 s for 500)."""
    other = archive.create_estate({"data": dict(ESTATE, code="HZ-02")})

    def among(ids):
        return sorted(e["id"] for e in archive.list_estates({"filters": {"ids": ids}})["items"])
    assert among([estate["id"], "est_ghost", other["id"]]) == sorted([estate["id"], other["id"]])
    assert among(["est_ghost"]) == [] and among([]) == []
    as_caller(archive, staff("zhao", ["manager"], [other["id"]]))
    assert among([estate["id"], other["id"]]) == [other["id"]]


def test_households_page_by_cursor(archive, estate):
    for room in range(5):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=str(room))})
    first = archive.list_households({"estate_id": estate["id"], "limit": 2})
    second = archive.list_households({"estate_id": estate["id"], "limit": 2, "cursor": first["next_cursor"]})
    third = archive.list_households({"estate_id": estate["id"], "limit": 2, "cursor": second["next_cursor"]})
    rooms = [h["room"] for page in (first, second, third) for h in page["items"]]
    assert sorted(rooms) == ["0", "1", "2", "3", "4"] and third["next_cursor"] is None


ADDRESS_ORDER = [("2", "1", "20"), ("2", "1", "201"), ("2", "1", "1001"), ("2", "2", "101"), ("2", "10", "101"),
                 ("3栋", "2", "101"), ("10", "1", "101"), ("A", "1", "101")]


def _addresses(page):
    return [(h["building"], h["unit"], h["room"]) for h in page["items"]]


def test_households_are_listed_by_building_unit_and_room_with_sort_address(archive, estate):
    """An import registers a file's flats in its order, and the list followed registration (the
    lists' documented order, creation's, which its cursor names): ``sort=address`` lists them by
    building, unit and room, numbers in their natural order (2 before 10; 3栋 read as 3), paged
    with the lists' cursors and stable: a flat registered meanwhile before the page's end neither
    repeats nor hides one. Without it the order is creation's, as documented."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    for building, unit, room in reversed(ADDRESS_ORDER):  # the file's order, one a second
        clock.advance(timedelta(seconds=1))
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building=building, unit=unit,
                                                                           room=room)})
    assert _addresses(archive.list_households({"estate_id": estate["id"]})) == list(reversed(ADDRESS_ORDER))
    by_address = {"sort": "address"}
    assert _addresses(archive.list_households({"estate_id": estate["id"], "filters": by_address})) == ADDRESS_ORDER
    first = archive.list_households({"estate_id": estate["id"], "filters": by_address, "limit": 3})
    archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="2", unit="1", room="5")})
    second = archive.list_households({"estate_id": estate["id"], "filters": by_address, "limit": 3,
                                      "cursor": first["next_cursor"]})
    third = archive.list_households({"estate_id": estate["id"], "filters": by_address, "limit": 3,
                                     "cursor": second["next_cursor"]})
    assert _addresses(first) + _addresses(second) + _addresses(third) == ADDRESS_ORDER
    assert third["next_cursor"] is None
    vacant = archive.list_households({"estate_id": estate["id"], "filters": {**by_address, "building": "2"}})
    assert _addresses(vacant) == [("2", "1", "5")] + ADDRESS_ORDER[:5]
    with pytest.raises(InvalidInput) as refused:
        archive.list_households({"estate_id": estate["id"], "filters": {**by_address,
                                                                        "updated_since": "2026-01-01T00:00:00Z"}})
    assert refused.value.errors[0]["field"] == "filters.sort"
    with pytest.raises(InvalidInput) as refused:
        archive.list_households({"estate_id": estate["id"], "filters": by_address,
                                 "cursor": "2026-11-01T00:00:00Z~0"})
    assert refused.value.errors[0]["field"] == "cursor"
    assert {tuple(key for key, _ in index) for index, _ in store.INDEXES["households"]} >= {
        ("estate_id", "_address_order", "_id")}


def test_households_registered_before_the_address_order_get_theirs_from_the_sweep(archive, estate):
    """A household a version before wrote (or an old replica) has no ``_address_order``: the
    sweep run with the address keys' (at start, then on their timer) gives it one, once, so
    ``sort=address`` lists it in its place."""
    for building, unit, room in ADDRESS_ORDER[1:]:
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building=building, unit=unit,
                                                                           room=room)})
    older = domain.new_household(estate["id"], dict(HOUSEHOLD, building="2", unit="1", room="20"),
                                 clock.parse_iso("2026-01-05T02:00:00Z"))
    del older["_address_order"]
    archive.db.households.insert_one(older)
    assert operations.keep_address_orders(archive.db) == 1
    assert operations.keep_address_orders(archive.db) == 0  # run again: nothing
    assert archive.db.households.find_one({"_id": older["_id"]})["_address_order"]
    listed = archive.list_households({"estate_id": estate["id"], "filters": {"sort": "address"}})
    assert _addresses(listed) == ADDRESS_ORDER


def test_households_are_found_by_their_address_parts(archive, estate):
    """The front desk finds the household at 3-2-1801 without reading the building page by page."""
    for unit, room in (("1", "1801"), ("2", "1801"), ("2", "1802"), ("2", "180")):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, unit=unit, room=room)})
    archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building="4", unit="2", room="1801")})

    def found(**filters):
        page = archive.list_households({"estate_id": estate["id"], "filters": filters})
        return sorted(f"{h['building']}-{h['unit']}-{h['room']}" for h in page["items"])

    assert found(building="3", unit="2", room="1801") == ["3-2-1801"]
    assert found(building="３", unit="２", room="１８０１") == ["3-2-1801"]  # typed full-width, as stored half-width
    assert found(unit="2") == ["3-2-180", "3-2-1801", "3-2-1802", "4-2-1801"]
    assert found(room="1801") == ["3-1-1801", "3-2-1801", "4-2-1801"]  # equal, not a prefix: 180 stays out
    assert found(building="3", unit="9") == []


def test_a_household_is_found_by_its_address_written_in_a_common_form(archive, estate):
    """A portal filer writes 3号楼 / 2单元 / 1201室 (the desk's page looks his household up by it),
    an owner list registers 3栋 or 三号楼: each finds the household as registered, and no other."""
    for building, unit, room in (("3", "2", "1201"), ("3", "2", "1202"), ("5栋", "1", "301"), ("A座", "1", "101"),
                                 ("一期3栋", "1", "101"), ("30", "2", "1201")):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, building=building, unit=unit,
                                                                           room=room)})

    def found(**filters):
        page = archive.list_households({"estate_id": estate["id"], "filters": filters})
        return sorted(f"{h['building']}-{h['unit']}-{h['room']}" for h in page["items"])

    assert found(building="3号楼", unit="2单元", room="1201室") == ["3-2-1201"]
    assert found(building="三号楼", unit="二单元") == ["3-2-1201", "3-2-1202"]
    assert found(building="３＃", unit="2", room="１２０１") == ["3-2-1201"]
    assert found(building="5", unit="1") == found(building="5号楼") == ["5栋-1-301"]
    assert found(building="a座") == found(building="A") == ["A座-1-101"]
    assert found(building="3栋", room="101") == []  # 一期3栋 is read as named only
    assert found(building="3楼") == []  # a floor as often as a building: not read


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


def test_a_portal_filing_is_recorded_at_its_filing_as_the_portals_naming_who_matched_it(archive, estate):
    """A portal filing is announced when the desk matches it: its record read 服务请求登记 08:51 ·
    the agent, the match's time and name, though the owner filed it at 08:49 through the portal (a
    cross-department probe). Its record is dated by the filing and names the portal; who matched
    it and when stay in its data. An event from before (no ``matched_at``) is recorded as it was."""
    filing = {"id": "sr_p", "number": "SR-2026-000002", "kind": "repair", "household_id": "hh_1",
              "channel": "portal", "description": "leak", "due_at": None, "created_at": "2026-11-23T00:49:00.000Z"}
    matched = event("customer_service", "service_request_created", estate["id"],
                    {**filing, "matched_at": "2026-11-23T00:51:00.000Z", "matched_by": "zhang"}, actor="zhang")
    matched["occurred_at"] = "2026-11-23T00:51:00.000Z"
    archive.record_service_request(matched)
    archive.record_service_request(matched)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_p"}})["items"]
    assert (record["occurred_at"], record["actor"]) == ("2026-11-23T00:49:00.000Z", "portal")
    assert (record["data"]["matched_at"], record["data"]["matched_by"]) == ("2026-11-23T00:51:00.000Z", "zhang")
    found = archive.list_records({"estate_id": estate["id"], "filters": {
        "from": "2026-11-23T00:48:00.000Z", "to": "2026-11-23T00:50:00.000Z"}})["items"]
    assert [r["subject_id"] for r in found] == ["sr_p"]  # searched by when it was filed

    before = event("customer_service", "service_request_created", estate["id"], {**filing, "id": "sr_q"}, actor="zhang")
    before["occurred_at"] = "2026-11-23T00:51:00.000Z"
    archive.record_service_request(before)
    [old] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_q"}})["items"]
    assert (old["occurred_at"], old["actor"]) == ("2026-11-23T00:51:00.000Z", "zhang")
    assert archive.verify_archive({"estate_id": estate["id"]})["first_mismatch"] is None


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
    archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "Europe/Berlin"}})
    [edit] = archive.outbox.of_type("estate_updated")
    archive.log_estate_edit(edit)
    archive.log_estate_edit(edit)
    changes = list(archive.db.change_log.find({"estate_id": estate["id"]}))
    assert sorted(c["action"] for c in changes) == ["estate_created", "estate_updated", "household_created"]
    assert all(c["actor"] == "admin" for c in changes)


def test_the_change_log_is_read_by_days_and_by_who_made_the_change(archive, estate):
    """An inspection by a higher authority asks what changed in the archives in a year, and who changed
    it: the log took a subject only, and the archivist paged through every change since the estate
    began (a probe of the archivist's year). A day is the estate's (Shanghai, UTC+8)."""
    as_caller(archive, ADMIN)
    clock.freeze(clock.parse_iso("2026-12-31T15:30:00Z"))  # 23:30 on 31 December in the estate
    archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    clock.freeze(clock.parse_iso("2026-12-31T16:30:00Z"))  # 00:30 on 1 January 2027
    as_role(archive, "li", "archivist", estate)
    archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2027, "planned_dates": ["2027-03-01", "2027-09-01"]}})
    for published in archive.outbox.published:
        if published["event_type"] == "household_created":
            archive.log_household_change(published)
    feed_change_log(archive)

    def logged(**filters):
        found = archive.list_change_log({"estate_id": estate["id"], "filters": filters})["items"]
        return [c["action"] for c in found]
    assert logged(**{"from": "2026-01-01", "to": "2026-12-31"}) == ["household_created"]
    assert logged(**{"from": "2027-01-01"}) == ["archive_check_plan_created"]
    assert logged(actor="li") == ["archive_check_plan_created"]
    assert logged(actor="admin", **{"to": "2026-12-31T15:30:00Z"}) == ["household_created"]
    with pytest.raises(InvalidInput):
        archive.list_change_log({"estate_id": estate["id"], "filters": {"from": "2027-01-02", "to": "2027-01-01"}})


# -- the permanent record of closed work, from every service ---------------------------

def closed_events(estate_id):
    """One closing event of each producer, shaped by the fixed contracts."""
    return [
        ("record_closed_service_request", event("customer_service", "service_request_closed", estate_id, {
            "id": "sr_9", "number": "SR-2026-000009", "kind": "repair", "household_id": "hh_1",
            "created_at": "2026-11-20T08:00:00.000Z", "closed_at": "2026-11-21T08:00:00.000Z"})),
        ("record_completed_work_order", event("maintenance", "work_order_completed", estate_id, {
            "id": "wo_9", "number": "WO-2026-000009", "source": {"type": "patrol_anomaly", "id": "anom_1"},
            "request_id": None, "household_id": None, "priority": "normal", "reported_at": "2026-11-20T08:00:00.000Z",
            "started_at": None, "completed_at": "2026-11-21T09:00:00.000Z", "charge_cents": 0,
            "material_cost_cents": 1200, "labour_cost_cents": 3000, "signed_by": "Chen"})),
        ("record_patrol_round", event("security_patrol", "patrol_round_finished", estate_id, {
            "id": "pround_9", "route_id": "proute_1", "route_name": "Night loop", "plan_id": None, "shift": None,
            "guard": "zhao", "scheduled_start": "2026-11-20T14:00:00.000Z", "started_at": "2026-11-20T14:00:00.000Z",
            "finished_at": "2026-11-20T15:00:00.000Z", "missed": [{"code": "B2", "name": "Car park"}],
            "summary": {"planned": 3, "checked": 2, "on_time": 2, "late": 0, "missed": 1, "anomalies": 0}})),
        ("record_incident_escalation", event("security_patrol", "incident_escalated", estate_id, {
            "id": "inc_9", "number": "INC-2026-000009", "type": "flooding", "major": False, "to": "manager",
            "step": "notify_manager", "escalated_at": "2026-11-21T01:00:00.000Z"})),
        ("record_closed_incident", event("security_patrol", "incident_closed", estate_id, {
            "id": "inc_9", "number": "INC-2026-000009", "type": "flooding", "major": False, "location": "B3",
            "opened_at": "2026-11-21T00:50:00.000Z", "closed_at": "2026-11-21T03:00:00.000Z",
            "summary": "Valve replaced.", "steps_done": ["stop_water"], "steps_not_done": [],
            "escalations": [{"to": "manager", "step": "notify_manager", "at": "2026-11-21T01:00:00.000Z"}]})),
        ("record_payment", event("finance", "payment_posted", estate_id, {
            "id": "pay_9", "receipt_number": "RC-2026-000009", "household_id": "hh_1", "amount_cents": 26811,
            "method": "wechat", "bill_ids": ["bill_1"], "prepaid_cents": 0, "posted_at": "2026-11-22T02:00:00.000Z"})),
        ("record_incident_reclassification", event("security_patrol", "incident_reclassified", estate_id, {
            "id": "inc_9", "number": "INC-2026-000009", "type": "flooding", "major": True, "was": False,
            "reason": "two flats flooded", "occurred_at": "2026-11-21T00:50:00.000Z",
            "reclassified_at": "2026-11-22T01:00:00.000Z"})),
        ("record_missed_patrol_round", event("security_patrol", "patrol_round_missed", estate_id, {
            "id": "pmr_9", "plan_id": "pplan_1", "route_id": "proute_1", "route_name": "Night loop",
            "shift": "night", "scheduled_start": "2026-11-21T14:00:00.000Z", "over_at": "2026-11-21T15:10:00.000Z",
            "checkpoints": 3, "round_id": None, "why": "not_walked", "raised_at": "2026-11-21T15:12:00.000Z"})),
    ]


def test_closed_work_of_every_service_is_recorded_once(archive, estate):
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
        getattr(archive, handler)(published)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "limit": 50})["items"]
    assert sorted(r["subject_type"] for r in records) == [
        "incident", "incident", "incident", "patrol_round", "patrol_round", "payment", "service_request", "work_order"]
    payment = next(r for r in records if r["subject_type"] == "payment")
    assert payment["household_id"] == "hh_1" and payment["data"]["receipt_number"] == "RC-2026-000009"


def test_an_escalated_complaint_is_kept_on_the_requests_record(archive, estate):
    escalated = event("customer_service", "complaint_escalated", estate["id"], {
        "id": "sr_6", "number": "SR-2026-000006", "household_id": "hh_1", "escalated_at": "2026-11-20T08:00:00.000Z"})
    archive.record_complaint_escalation(escalated)
    archive.record_complaint_escalation(escalated)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_6"}})["items"]
    assert record["event_type"] == "complaint_escalated" and record["household_id"] == "hh_1"


def test_a_reopened_complaint_is_kept_on_the_requests_record(archive, estate):
    """复诉: the close archive kept is followed by the reopening, then by the next close."""
    reopened = event("customer_service", "complaint_reopened", estate["id"], {
        "id": "sr_7", "number": "SR-2026-000007", "household_id": "hh_1", "reopened_at": "2026-11-22T08:00:00.000Z",
        "due_at": "2026-11-29T08:00:00.000Z", "reopen_count": 1, "escalated": False})
    archive.record_complaint_reopening(reopened)
    archive.record_complaint_reopening(reopened)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_7"}})["items"]
    assert record["event_type"] == "complaint_reopened" and record["subject_type"] == "service_request"


def test_an_overdue_request_is_kept_on_the_requests_record(archive, estate):
    overdue = event("customer_service", "service_request_overdue", estate["id"], {
        "id": "sr_5", "number": "SR-2026-000005", "kind": "complaint", "household_id": "hh_1",
        "due_at": "2026-11-20T08:00:00.000Z", "created_at": "2026-11-13T08:00:00.000Z",
        "overdue_at": "2026-11-20T08:01:00.000Z"})
    archive.record_overdue_service_request(overdue)
    archive.record_overdue_service_request(overdue)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_5"}})["items"]
    assert record["subject_type"] == "service_request" and record["event_type"] == "service_request_overdue"


def test_a_late_work_order_is_kept_on_the_orders_record_once(archive, estate):
    """maintenance's sweep announces an order gone late (``work_order_overdue``): kept on the
    order's record beside its creation, once however often it is delivered (by its event id)."""
    created = event("maintenance", "work_order_created", estate["id"], {
        "id": "wo_5", "number": "WO-2026-000005", "source": {"type": "patrol_anomaly", "id": "an_5"},
        "request_id": None, "household_id": None, "priority": "emergency", "status": "pending",
        "created_at": "2026-11-20T08:00:00.000Z"})
    overdue = event("maintenance", "work_order_overdue", estate["id"], {
        "id": "wo_5", "number": "WO-2026-000005", "source": {"type": "patrol_anomaly", "id": "an_5"},
        "request_id": None, "household_id": None, "priority": "emergency",
        "deadline_at": "2026-11-20T08:30:00.000Z", "overdue_at": "2026-11-20T08:31:00.000Z"})
    archive.record_work_order(created)
    archive.record_overdue_work_order(overdue)
    archive.record_overdue_work_order(overdue)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_5"}})["items"]
    assert sorted(r["event_type"] for r in records) == ["work_order_created", "work_order_overdue"]
    [late] = [r for r in records if r["event_type"] == "work_order_overdue"]
    assert late["subject_type"] == "work_order" and late["data"]["deadline_at"] == "2026-11-20T08:30:00.000Z"
    found = archive.list_records({"estate_id": estate["id"], "filters": {"number": "wo-2026-5"}})["items"]
    assert len(found) == 2  # found by the number people know the order by


def test_a_certificate_coming_due_is_kept_on_the_equipment_archive_once(archive, estate):
    """maintenance's sweep announces a lift's 年检合格证 coming due (``equipment_certificate_due``, once a
    certificate): kept on the piece's archive beside its registration, once however often it is
    delivered, not a change of the archive (found by review r5 of h5)."""
    piece = {"id": "eq_7", "code": "LIFT-1", "name": "1号楼客梯", "system": "elevator", "location": "Building 1"}
    archive.record_equipment(event("maintenance", "equipment_registered", estate["id"], {
        **piece, "installed_on": "2019-06-01", "created_at": "2026-11-20T08:00:00.000Z"}))
    due = event("maintenance", "equipment_certificate_due", estate["id"], {
        **piece, "certificate": {"number": "TSX-2026-0815", "valid_until": "2026-12-10", "inspected_by": "市特检院"},
        "expired": False, "due_at": "2026-11-10T00:00:00.000Z"})
    archive.record_equipment_certificate_due(due)
    archive.record_equipment_certificate_due(due)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "eq_7"}})["items"]
    assert sorted(r["event_type"] for r in records) == ["equipment_certificate_due", "equipment_registered"]
    [kept] = [r for r in records if r["event_type"] == "equipment_certificate_due"]
    assert kept["subject_type"] == "equipment" and kept["data"]["certificate"]["valid_until"] == "2026-12-10"
    log = archive.list_change_log({"estate_id": estate["id"]})["items"]
    assert [c["action"] for c in log if c["subject_id"] == "eq_7"] == ["equipment_created"]


def test_an_orders_assignment_and_appointments_are_kept_on_its_record_once_each(archive, estate):
    """maintenance announces who an order is assigned to (``work_order_assigned``) and each time
    agreed with the occupant, a new one too (``work_order_appointed``, ``rescheduled``): archive
    kept neither, so an order's record never said who was sent or when he was to come. Each is
    kept on the order's record beside its creation, once however often it is delivered."""
    order = {"id": "wo_6", "number": "WO-2026-000006", "source": {"type": "service_request", "id": "sr_6"},
             "request_id": "sr_6", "household_id": "hh_6"}
    created = event("maintenance", "work_order_created", estate["id"], {
        **order, "priority": "normal", "status": "pending", "created_at": "2026-11-20T08:00:00.000Z"})
    assigned = event("maintenance", "work_order_assigned", estate["id"], {
        **order, "technician": "tom", "assigned_at": "2026-11-20T08:05:00.000Z"})
    agreed = event("maintenance", "work_order_appointed", estate["id"], {
        **order, "at": "2026-11-21T02:00:00.000Z", "set_at": "2026-11-20T08:10:00.000Z", "rescheduled": False})
    moved = event("maintenance", "work_order_appointed", estate["id"], {
        **order, "at": "2026-11-22T06:00:00.000Z", "set_at": "2026-11-21T01:00:00.000Z", "rescheduled": True})
    archive.record_work_order(created)
    archive.record_work_order_assignment(assigned)
    archive.record_work_order_assignment(assigned)  # redelivered
    for each in (agreed, moved, agreed):
        archive.record_work_order_appointment(each)
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_6"}})["items"]
    assert sorted(r["event_type"] for r in records) == [
        "work_order_appointed", "work_order_appointed", "work_order_assigned", "work_order_created"]
    assert {r["subject_type"] for r in records} == {"work_order"}
    [sent] = [r for r in records if r["event_type"] == "work_order_assigned"]
    assert sent["data"]["technician"] == "tom" and sent["household_id"] == "hh_6"
    visits = sorted((r["data"]["at"], r["data"]["rescheduled"]) for r in records if r["event_type"] == "work_order_appointed")
    assert visits == [("2026-11-21T02:00:00.000Z", False), ("2026-11-22T06:00:00.000Z", True)]
    found = archive.list_records({"estate_id": estate["id"], "filters": {"number": "wo-2026-6"}})["items"]
    assert len(found) == 4  # found by the number people know the order by


def test_a_cut_s_order_moved_times_are_kept_on_its_record_once(archive, estate):
    """计划停水停电: maintenance moved a planned cut's preparation order with the cut and announced nothing,
    so the order's record kept the first window (h4). ``work_order_outage_moved`` is kept on the order's
    record, once however often it is delivered."""
    times = {"starts_at": "2026-12-01T00:00:00.000Z", "ends_at": "2026-12-01T10:00:00.000Z",
             "prep_due_at": "2026-11-30T22:00:00.000Z", "restart_due_at": "2026-12-01T10:00:00.000Z"}
    moved = event("maintenance", "work_order_outage_moved", estate["id"], {
        "id": "wo_8", "number": "WO-2026-000008", "source": {"type": "notice", "id": "nt_8"},
        "outage": {"notice_id": "nt_8", **times, "starts_at": "2026-12-03T00:00:00.000Z",
                   "ends_at": "2026-12-03T10:00:00.000Z", "prep_due_at": "2026-12-02T22:00:00.000Z",
                   "restart_due_at": "2026-12-03T10:00:00.000Z"},
        "before": times, "response_due_at": "2026-12-02T22:00:00.000Z", "reason": "自来水公司改期",
        "revision": 1, "moved_at": "2026-11-30T01:00:00.000Z"})
    archive.record_work_order_outage_move(moved)
    archive.record_work_order_outage_move(moved)  # redelivered
    [kept] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_8"}})["items"]
    assert (kept["event_type"], kept["subject_type"]) == ("work_order_outage_moved", "work_order")
    assert kept["data"]["before"]["starts_at"] == "2026-12-01T00:00:00.000Z"


def test_a_reversed_payment_is_kept_beside_its_posting(archive, estate):
    posted = dict(closed_events(estate["id"]))["record_payment"]
    reversed_ = event("finance", "payment_reversed", estate["id"], {
        "id": "pay_9", "receipt_number": "RC-2026-000009", "household_id": "hh_1", "amount_cents": 26811,
        "method": "wechat", "reason": "bounced", "reversed_at": "2026-11-23T02:00:00.000Z",
        "bills": [{"bill_id": "bill_1", "amount_cents": 26811, "charge": None}]})
    archive.record_payment(posted)
    archive.record_payment_reversal(reversed_)
    archive.record_payment_reversal(reversed_)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "pay_9"}})["items"]
    assert sorted(r["event_type"] for r in records) == ["payment_posted", "payment_reversed"]
    assert {r["subject_type"] for r in records} == {"payment"}


def test_a_payment_s_record_keeps_its_bills_by_their_item_and_period(archive, estate):
    """finance names each bill a payment paid (its fee item and period) on its events, which the
    record keeps: the archivist reads no bill of finance's, and the record read 账单 bill_64c… (a
    probe of the archives' work). A payment announced before keeps its bill ids alone."""
    old = dict(closed_events(estate["id"]))["record_payment"]
    named = event("finance", "payment_posted", estate["id"], {
        **old["data"], "id": "pay_10", "receipt_number": "RC-2026-000010", "bill_ids": ["bill_1", "bill_2"],
        "bills": [{"bill_id": "bill_1", "item": "property_service", "period": "2026-10"},
                  {"bill_id": "bill_2", "item": "parking", "period": None}]})
    reversed_ = event("finance", "payment_reversed", estate["id"], {
        "id": "pay_10", "receipt_number": "RC-2026-000010", "household_id": "hh_1", "amount_cents": 26811,
        "method": "wechat", "reason": "bounced", "reversed_at": "2026-11-23T02:00:00.000Z",
        "bills": [{"bill_id": "bill_1", "item": "property_service", "period": "2026-10", "amount_cents": 26811,
                   "charge": None}]})
    archive.record_payment(old)
    archive.record_payment(named)
    archive.record_payment_reversal(reversed_)
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "payment"}})["items"]
    kept = {(r["subject_id"], r["event_type"]): r["data"] for r in records}
    assert kept[("pay_10", "payment_posted")]["bills"] == named["data"]["bills"]
    assert kept[("pay_10", "payment_reversed")]["bills"][0]["period"] == "2026-10"
    assert "bills" not in kept[("pay_9", "payment_posted")] and kept[("pay_9", "payment_posted")]["bill_ids"] == [
        "bill_1"]


def test_operating_costs_and_fund_deposits_are_kept_with_their_reversals_beside_them(archive, estate):
    """finance announced neither, so the archive held no record of a cost or of money paid into the
    special maintenance fund, nor of either taken back (found by review)."""
    estate_id = estate["id"]
    cost = {"id": "opx_1", "period": "2026-10", "category": "cleaning", "amount_cents": 30000}
    deposit = {"household_id": "hh_1", "source": "owner", "method": "bank", "amount_cents": 500000,
               "day": "2026-11-20"}
    steps = [
        (archive.record_operating_expense, event("finance", "operating_expense_recorded", estate_id, {
            **cost, "description": "保洁外包", "recorded_at": "2026-11-01T02:00:00.000Z"})),
        (archive.record_operating_expense_reversal, event("finance", "operating_expense_reversed", estate_id, {
            **cost, "reason": "typed twice", "reversed_at": "2026-11-02T02:00:00.000Z"})),
        (archive.record_fund_deposit, event("finance", "fund_deposit_posted", estate_id, {
            "id": "mfd_1", **deposit, "balance_after_cents": 500000, "deposited_at": "2026-11-20T02:00:00.000Z"})),
        (archive.record_fund_deposit_reversal, event("finance", "fund_deposit_reversed", estate_id, {
            "id": "mfd_1", "reversal_id": "mfr_1", **deposit, "balance_after_cents": 0, "day": "2026-11-21",
            "reason": "typed 50,000 for 5,000", "reversed_at": "2026-11-21T02:00:00.000Z"})),
    ]
    for handler, published in steps:
        handler(published)
        handler(published)  # redelivered
    kept = {subject_id: sorted((r["subject_type"], r["event_type"]) for r in archive.list_records(
        {"estate_id": estate_id, "filters": {"subject_id": subject_id}})["items"]) for subject_id in ("opx_1", "mfd_1")}
    assert kept == {"opx_1": [("operating_expense", "operating_expense_recorded"),
                              ("operating_expense", "operating_expense_reversed")],
                    "mfd_1": [("fund_deposit", "fund_deposit_posted"), ("fund_deposit", "fund_deposit_reversed")]}
    [deposit_record, _] = archive.list_records({"estate_id": estate_id, "filters": {"household_id": "hh_1"}})["items"]
    assert deposit_record["subject_id"] == "mfd_1"  # under the household that paid it in
    log = archive.list_change_log({"estate_id": estate_id})["items"]
    assert sorted((c["subject_id"], c["action"]) for c in log if c["subject_type"] != "estate") == [
        ("mfd_1", "fund_deposit_reversed"), ("opx_1", "operating_expense_reversed")]


def test_public_revenue_contracts_and_receipts_are_kept_once(archive, estate):
    """公共收益: the owners' money from the common parts; finance announces a contract and each receipt with its
    split, and the archive keeps them (h9)."""
    estate_id = estate["id"]
    steps = [
        (archive.record_revenue_contract, event("finance", "public_revenue_contract_registered", estate_id, {
            "id": "prc_1", "kind": "advertising", "counterparty": "分众传媒有限公司", "location": "3号楼电梯",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "period_months": 3, "amount_cents": 600000,
            "registered_at": "2026-01-02T02:00:00.000Z"})),
        (archive.record_revenue_receipt, event("finance", "public_revenue_received", estate_id, {
            "id": "prr_1", "contract_id": "prc_1", "kind": "advertising", "method": "transfer", "amount_cents": 600000,
            "operator_share_percent": 30, "operator_cents": 180000, "owners_cents": 420000,
            "destination": "maintenance_fund", "day": "2026-01-05", "received_at": "2026-01-05T02:00:00.000Z"})),
        # a receipt typed wrong reversed, the contract ended early: beside their records (h3)
        (archive.record_revenue_reversal, event("finance", "public_revenue_reversed", estate_id, {
            "id": "prr_1", "contract_id": "prc_1", "kind": "advertising", "method": "transfer", "amount_cents": 600000,
            "operator_cents": 180000, "owners_cents": 420000, "destination": "maintenance_fund",
            "fund_reversal_id": "mfr_1", "reason": "typed wrong", "day": "2026-01-06",
            "reversed_at": "2026-01-06T02:00:00.000Z"})),
        (archive.record_revenue_contract_termination, event("finance", "public_revenue_contract_terminated", estate_id, {
            "id": "prc_1", "status": "terminated", "ends_on": "2026-06-30", "ends_on_as_signed": "2026-12-31",
            "reason": "the advertiser closed", "day": "2026-01-07", "terminated_at": "2026-01-07T02:00:00.000Z"})),
        # the money received for the periods after its early end paid back: beside the contract (h5)
        (archive.record_revenue_refund, event("finance", "public_revenue_refunded", estate_id, {
            "id": "prc_1", "refund_id": "prf_1", "kind": "advertising", "ends_on": "2026-06-30", "method": "transfer",
            "amount_cents": 600000, "operator_cents": 180000, "owners_cents": 420000, "reason": "paid ahead",
            "day": "2026-01-08", "parts": [{"receipt_id": "prr_2", "amount_cents": 600000, "owners_cents": 420000,
                                            "destination": "maintenance_fund", "fund_reversal_id": "mfr_2"}],
            "refunded_at": "2026-01-08T02:00:00.000Z"})),
    ]
    for handler, published in steps:
        handler(published)
        handler(published)  # redelivered
    kept = {subject_id: [(r["subject_type"], r["event_type"]) for r in archive.list_records(
        {"estate_id": estate_id, "filters": {"subject_id": subject_id}})["items"]] for subject_id in ("prc_1", "prr_1")}
    assert {key: sorted(value) for key, value in kept.items()} == {
        "prc_1": sorted([("public_revenue_contract", "public_revenue_contract_registered"),
                         ("public_revenue_contract", "public_revenue_contract_terminated"),
                         ("public_revenue_contract", "public_revenue_refunded")]),
        "prr_1": sorted([("public_revenue_receipt", "public_revenue_received"),
                         ("public_revenue_receipt", "public_revenue_reversed")])}


def test_an_opening_balance_carried_over_is_kept_under_its_household_once(archive, estate):
    """What an owner owed the previous property company, carried over when the estate was taken on
    (期初欠费), is money the operator collects: its record is kept, under the household (found by a
    probe of taking on an estate)."""
    estate_id = estate["id"]
    carried = event("finance", "opening_balance_recorded", estate_id, {
        "id": "bill_ob1", "household_id": "hh_1", "item": "property_service", "period": "2026-08",
        "amount_cents": 21002, "due_at": "2026-08-31T15:59:59.999Z", "reference": "QD-117",
        "recorded_at": "2026-11-23T02:00:00.000Z"})
    archive.record_opening_balance(carried)
    archive.record_opening_balance(carried)  # redelivered
    [record] = archive.list_records({"estate_id": estate_id, "filters": {"household_id": "hh_1"}})["items"]
    assert (record["subject_type"], record["subject_id"], record["event_type"]) == (
        "opening_balance", "bill_ob1", "opening_balance_recorded")
    assert record["data"]["reference"] == "QD-117" and record["data"]["amount_cents"] == 21002


def test_an_opening_credit_and_its_reversal_are_kept_under_its_household_once(archive, estate):
    """What an owner had paid the previous company in advance, handed over (期初预收), was announced
    by nothing, so the archive kept no record of it, nor of its correction (found by review r3)."""
    estate_id = estate["id"]
    recorded = event("finance", "opening_credit_recorded", estate_id, {
        "id": "pay_oc1", "receipt_number": "OP-2026-000001", "household_id": "hh_1", "amount_cents": 50000,
        "reference": "YS-031", "recorded_at": "2026-11-23T02:00:00.000Z"})
    reversed_ = event("finance", "opening_credit_reversed", estate_id, {
        "id": "pay_oc1", "receipt_number": "OP-2026-000001", "household_id": "hh_1", "amount_cents": 50000,
        "method": "opening_credit", "reason": "typed 500.00 for 300.00", "reversed_at": "2026-11-24T02:00:00.000Z",
        "bills": [{"bill_id": "bill_1", "amount_cents": 21002, "item": "property_service", "period": "2026-11",
                   "charge": None}]})
    for delivered in (recorded, recorded, reversed_, reversed_):  # each redelivered
        (archive.record_opening_credit if delivered is recorded else archive.record_opening_credit_reversal)(delivered)
    records = archive.list_records({"estate_id": estate_id, "filters": {"household_id": "hh_1"}})["items"]
    assert sorted((r["subject_type"], r["subject_id"], r["event_type"]) for r in records) == [
        ("opening_credit", "pay_oc1", "opening_credit_recorded"), ("opening_credit", "pay_oc1", "opening_credit_reversed")]
    log = archive.list_change_log({"estate_id": estate_id})["items"]
    assert [(c["subject_id"], c["action"]) for c in log if c["subject_type"] == "opening_credit"] == [
        ("pay_oc1", "opening_credit_reversed")]


def test_an_opening_credit_announced_again_is_kept_once(archive, estate):
    """Credits recorded before opening_credit_recorded existed are announced by finance once a
    restatement comes (another event, another event_id, for the same credit): the archive keeps one
    record of each credit, by its natural id, however often it is announced (found by h2)."""
    estate_id = estate["id"]
    data = {"id": "pay_oc1", "receipt_number": "OP-2026-000001", "household_id": "hh_1", "amount_cents": 50000,
            "reference": "YS-031", "recorded_at": "2026-11-23T02:00:00.000Z"}
    first, again = (event("finance", "opening_credit_recorded", estate_id, data) for _ in range(2))
    assert first["event_id"] != again["event_id"]
    archive.record_opening_credit(first)
    archive.record_opening_credit(again)
    records = archive.list_records({"estate_id": estate_id, "filters": {"household_id": "hh_1"}})["items"]
    assert [(r["subject_id"], r["event_type"]) for r in records] == [("pay_oc1", "opening_credit_recorded")]


def test_the_money_owed_back_at_the_contract_s_end_is_kept_under_its_household_once(archive, estate):
    """finance refunds an owner's money paid ahead at the contract's end, or hands it to the next
    company (exit_prepaid_refunded / _transferred): the archive keeps each under its household, once
    however often delivered, a retired estate's too (h8)."""
    estate_id = estate["id"]
    as_caller(archive, ADMIN)
    archive.retire_estate({"estate_id": estate_id, "retired": True})
    data = {"id": "exs_1", "household_id": "hh_1", "as_of": "2026-12-31", "kind": "refund", "method": "transfer",
            "amount_cents": 31002, "bills_cancelled": ["bill_1"], "transfer_id": None, "to_company": None,
            "settled_at": "2027-01-05T02:00:00.000Z"}
    refunded = event("finance", "exit_prepaid_refunded", estate_id, data)
    for delivered in (refunded, refunded):
        archive.record_exit_prepaid_refunded(delivered)
    archive.record_exit_prepaid_transferred(event("finance", "exit_prepaid_transferred", estate_id, {
        **data, "id": "exs_2", "household_id": "hh_2", "kind": "transfer", "transfer_id": "ext_1",
        "to_company": "新锦物业"}))
    records = archive.list_records({"estate_id": estate_id, "filters": {"subject_type": "exit_settlement"}})["items"]
    assert sorted((r["household_id"], r["subject_id"], r["event_type"]) for r in records) == [
        ("hh_1", "exs_1", "exit_prepaid_refunded"), ("hh_2", "exs_2", "exit_prepaid_transferred")]


def test_a_sellers_prepaid_money_held_at_a_sale_is_kept_under_its_household_once(archive, estate):
    """finance holds the seller's prepaid money apart when the household is sold (seller_prepaid_held):
    the archive keeps it under the household, once however often delivered (found by h2)."""
    estate_id = estate["id"]
    held = event("finance", "seller_prepaid_held", estate_id, {
        "id": "sph_1", "household_id": "hh_1", "owner_since": "2026-11-20", "amount_cents": 50000,
        "payments": [{"payment_id": "pay_1", "amount_cents": 50000}], "seller_held_at": "2026-11-21T02:00:00.000Z"})
    refunded = event("finance", "seller_prepaid_refunded", estate_id, {
        "id": "sph_1", "household_id": "hh_1", "owner_since": "2026-11-20", "amount_cents": 50000,
        "method": "transfer", "refunded_at": "2026-11-22T02:00:00.000Z"})
    # a late sale's restatement added more of the seller's money to the hold (h5: nothing told archive)
    added = event("finance", "seller_prepaid_added", estate_id, {
        "id": "sph_1", "household_id": "hh_1", "owner_since": "2026-11-20", "added_cents": 1200,
        "payments": [{"payment_id": "pay_1", "amount_cents": 1200}], "amount_cents": 51200,
        "added_at": "2026-11-21T05:00:00.000Z"})
    handlers = {id(held): archive.record_seller_prepaid_held, id(added): archive.record_seller_prepaid_added,
                id(refunded): archive.record_seller_prepaid_refunded}
    for delivered in (held, held, added, added, refunded, refunded):
        handlers[id(delivered)](delivered)
    records = archive.list_records({"estate_id": estate_id, "filters": {"household_id": "hh_1"}})["items"]
    assert sorted((r["subject_type"], r["subject_id"], r["event_type"]) for r in records) == [
        ("seller_prepaid", "sph_1", "seller_prepaid_added"), ("seller_prepaid", "sph_1", "seller_prepaid_held"),
        ("seller_prepaid", "sph_1", "seller_prepaid_refunded")]
    carried = event("finance", "seller_prepaid_carried_over", estate_id, {
        "id": "sph_2", "household_id": "hh_2", "owner_since": "2026-11-20", "amount_cents": 100,
        "reason": "买卖合同约定", "carried_over_at": "2026-11-22T02:00:00.000Z"})
    archive.record_seller_prepaid_carried_over(carried)
    [record] = archive.list_records({"estate_id": estate_id, "filters": {"household_id": "hh_2"}})["items"]
    assert record["data"]["reason"] == "买卖合同约定" and record["actor"] == carried["actor"]


def test_a_fund_uses_request_and_its_decision_are_kept_side_by_side_and_the_decision_in_the_change_log(
        archive, estate):
    """finance announced no use of the special maintenance fund, so the archive held no record of
    the owners' money asked for, paid out or refused (found by review)."""
    estate_id = estate["id"]
    use_ = {"amount_cents": 30000, "purpose": "lift rope", "work_order_id": "wo_7",
            "work_order_number": "WO-2026-000007"}
    steps = [
        (archive.record_fund_use_request, event("finance", "fund_use_requested", estate_id, {
            "id": "mfu_1", **use_, "requested_at": "2026-11-20T02:00:00.000Z"})),
        (archive.record_fund_use_approval, event("finance", "fund_use_approved", estate_id, {
            "id": "mfu_1", **use_, "requested_by": "acc", "consent_ref": "vote 2026-11", "day": "2026-11-21",
            "balance_after_cents": 70000, "approved_at": "2026-11-21T02:00:00.000Z"}, actor="boss")),
        (archive.record_fund_use_request, event("finance", "fund_use_requested", estate_id, {
            "id": "mfu_2", **use_, "requested_at": "2026-11-22T02:00:00.000Z"})),
        (archive.record_fund_use_rejection, event("finance", "fund_use_rejected", estate_id, {
            "id": "mfu_2", **use_, "requested_by": "acc", "reason": "paid already",
            "rejected_at": "2026-11-23T02:00:00.000Z"}, actor="boss")),
    ]
    for handler, published in steps:
        handler(published)
        handler(published)  # redelivered
    kept = {subject_id: sorted((r["subject_type"], r["event_type"]) for r in archive.list_records(
        {"estate_id": estate_id, "filters": {"subject_id": subject_id}})["items"]) for subject_id in ("mfu_1", "mfu_2")}
    assert kept == {"mfu_1": [("fund_use", "fund_use_approved"), ("fund_use", "fund_use_requested")],
                    "mfu_2": [("fund_use", "fund_use_rejected"), ("fund_use", "fund_use_requested")]}
    log = archive.list_change_log({"estate_id": estate_id, "filters": {"subject_type": "fund_use"}})["items"]
    assert sorted((c["subject_id"], c["action"], c["actor"]) for c in log) == [
        ("mfu_1", "fund_use_approved", "boss"), ("mfu_2", "fund_use_rejected", "boss")]


def test_a_cashiers_day_settled_late_is_kept_on_the_settlements_record_once(archive, estate):
    """A day settled past recorded_within_days (日清月结 missed) was marked late in finance alone: the
    permanent record of finance's money kept payments and reminders and not the day its cashier
    closed late, nor who closed it."""
    late = event("finance", "day_settled_late", estate["id"], {
        "id": "stl_1", "cashier": "wang", "date": "2026-11-03", "entries": 2, "in_cents": 21702, "out_cents": 0,
        "net_cents": 21702, "closed_at": "2026-11-20T02:00:00.000Z", "closed_by": "acc"}, actor="acc")
    archive.record_late_settlement(late)
    archive.record_late_settlement(late)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "settlement"}})["items"]
    assert (record["subject_id"], record["event_type"], record["actor"], record["household_id"]) == (
        "stl_1", "day_settled_late", "acc", None)
    assert record["data"]["date"] == "2026-11-03" and record["data"]["closed_by"] == "acc"


def test_arrears_reminders_are_kept_under_the_household(archive, estate):
    reminder = event("finance", "reminder_sent", estate["id"], {
        "id": "rem_1", "household_id": "hh_7", "channel": "phone", "overdue_cents": 21002, "bills": 1,
        "age_days": 40, "sent_at": "2026-11-22T02:00:00.000Z"})
    archive.record_arrears_reminder(reminder)
    archive.record_arrears_reminder(reminder)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"household_id": "hh_7"}})["items"]
    assert record["subject_type"] == "arrears_reminder" and record["subject_id"] == "rem_1"
    assert record["data"]["overdue_cents"] == 21002


def test_a_deposit_refund_keeps_its_deductions_on_its_record(archive, estate):
    """押金扣除: what finance kept of a renovation deposit at its refund is on the deposit's permanent
    record, each deduction's kind, cents and reason, beside the rest paid back."""
    refunded = event("finance", "deposit_refunded", estate["id"], {
        "id": "dep_1", "application_id": "app_1", "household_id": "hh_7", "bill_id": "bl_1", "amount_cents": 150000,
        "method": "cash", "refunded_at": "2026-11-23T02:00:00.000Z", "deductions": [
            {"id": "ddc_1", "kind": "damage", "cents": 30000, "reason": "电梯轿厢划伤"},
            {"id": "ddc_2", "kind": "cleanup", "cents": 20000, "reason": "装修垃圾清运"}]})
    archive.record_deposit_refund(refunded)
    archive.record_deposit_refund(refunded)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "deposit"}})["items"]
    assert record["subject_id"] == "dep_1" and record["data"]["amount_cents"] == 150000
    assert [(d["kind"], d["cents"], d["reason"]) for d in record["data"]["deductions"]] == [
        ("damage", 30000, "电梯轿厢划伤"), ("cleanup", 20000, "装修垃圾清运")]


def test_a_managers_decision_on_a_deposits_deductions_is_kept_beside_the_deposit(archive, estate):
    """押金扣除审批: who approved what a refund kept of an owner's deposit, and the deductions rejected and why,
    are on the deposit's permanent record and in the change log (found by the last session's review)."""
    decided = {"application_id": "app_1", "household_id": "hh_7", "refund_id": "rfd_1", "asked_by": "wang",
               "by": "boss", "deducted_cents": 30000, "deductions": [{"id": "ddc_1", "kind": "damage", "cents": 30000}]}
    steps = [(archive.record_deposit_refund_rejection, event("finance", "deposit_refund_rejected", estate["id"], {
                 "id": "dep_1", **decided, "reason": "与验收记录不符", "rejected_at": "2026-11-23T02:00:00.000Z"},
                 actor="boss")),
             (archive.record_deposit_refund_approval, event("finance", "deposit_refund_approved", estate["id"], {
                 "id": "dep_1", **decided, "refund_id": "rfd_2", "amount_cents": 170000,
                 "approved_at": "2026-11-23T03:00:00.000Z"}, actor="boss"))]
    for handler, published in steps:
        handler(published)
        handler(published)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "dep_1"}})["items"]
    assert sorted((r["subject_type"], r["event_type"]) for r in records) == [
        ("deposit", "deposit_refund_approved"), ("deposit", "deposit_refund_rejected")]
    log = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_type": "deposit"}})["items"]
    assert sorted((c["subject_id"], c["action"], c["actor"]) for c in log) == [
        ("dep_1", "deposit_refund_approved", "boss"), ("dep_1", "deposit_refund_rejected", "boss")]


def test_records_are_searched_by_household_kind_and_date(archive, estate):
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    ids = [e["data"]["id"] for _, e in closed_events(estate["id"])]

    def search(**filters):
        return sorted(r["subject_id"] for r in archive.list_records({"estate_id": estate["id"],
                                                                     "filters": filters})["items"])

    assert search(household_id="hh_1") == sorted([ids[0], ids[5]])
    assert search(subject_type="incident", subject_id="inc_9") == ["inc_9", "inc_9", "inc_9"]
    # the test events all occurred "now": today in the estate's calendar finds them, whatever the
    # hour in UTC; another day does not
    today = calendar.local_date(clock.now(), estate["timezone"]).isoformat()
    assert len(search(**{"from": today, "to": today})) == 8
    # a slot nobody walked is kept beside the rounds walked (patrol_round_missed)
    assert search(subject_type="patrol_round") == ["pmr_9", "pround_9"]
    assert search(to=(calendar.local_date(clock.now(), estate["timezone"]) - timedelta(days=1)).isoformat()) == []
    assert search(to="2020-01-01") == []
    with pytest.raises(InvalidInput):
        archive.list_records({"estate_id": estate["id"], "filters": {"from": "yesterday"}})


def test_records_are_found_by_the_number_people_know_their_subject_by(archive, estate):
    """The archivist reads no request, order, incident or payment in its own service, so the
    number on its paper (SR-…, WO-…, INC-…, a receipt's RC-…) was the one thing to search by,
    and the search took an id only (found by a probe of the archives' work)."""
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    archive.record_service_request(_request_created(estate["id"]))  # SR-2026-000001

    def search(**filters):
        return sorted((r["subject_id"], r["event_type"]) for r in archive.list_records(
            {"estate_id": estate["id"], "filters": filters})["items"])

    assert search(number="SR-2026-000009") == [("sr_9", "service_request_closed")]
    assert search(number="wo-2026-9") == [("wo_9", "work_order_completed")]  # typed as a person types it
    assert search(number="INC-2026-9") == [("inc_9", "incident_closed"), ("inc_9", "incident_escalated"),
                                           ("inc_9", "incident_reclassified")]
    assert search(number="RC-2026-000009") == [("pay_9", "payment_posted")]
    assert search(number="SR-2026-000009", subject_type="incident") == []
    assert search(number="SR-2026-000404") == []
    with pytest.raises(Forbidden):  # what an agent may not read directly stays so by number
        as_caller(archive, staff("zhang", ["agent"], [estate["id"]]))
        archive.list_records({"estate_id": estate["id"], "filters": {"number": "WO-2026-9", "subject_type": "work_order"}})
    assert search(number="WO-2026-9") == []  # an agent's search by number holds only the kinds it reads


# -- borrowing, approval, the change log ---------------------------------------------

AGENT = "zhang"
MANAGER = "wang"


def as_role(archive, user, role, estate):
    return as_caller(archive, staff(user, [role], [estate["id"]]))


def feed_change_log(archive):
    """Deliver archive's own archive_changed events back to it, as the broker would (twice)."""
    for published in archive.outbox.of_type("archive_changed"):
        archive.log_archive_change(published)
        archive.log_archive_change(published)


def borrowing_asked(archive, estate):
    """At 08:00Z on 23 Nov, the agent asks to borrow a household's file (a dispute)."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    as_role(archive, AGENT, "agent", estate)
    return archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": household["id"], "purpose": "ownership dispute", "kind": "borrow"}})


def test_a_borrower_lists_his_own_borrowings_past_their_due_back(archive, estate):
    """``requested_by`` with ``overdue``: the one who borrowed a file is reminded of it (his start
    page reads this list); only the archivist and the manager read the estate's overdue ones."""
    asked = borrowing_asked(archive, estate)
    as_role(archive, "wu", "technician", estate)
    other = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "pipe layout", "kind": "borrow"}})
    as_role(archive, MANAGER, "manager", estate)
    for made in (asked, other):
        archive.approve_borrow_request({"estate_id": estate["id"], "id": made["id"], "data": {}})
    clock.advance(timedelta(days=8))

    def listed(**filters):
        return [r["id"] for r in archive.list_borrow_requests({"estate_id": estate["id"], "filters": filters})["items"]]
    assert sorted(listed(overdue="true")) == sorted([asked["id"], other["id"]])
    assert listed(overdue="true", requested_by=AGENT) == [asked["id"]]
    assert listed(requested_by="wu") == [other["id"]]
    assert listed(overdue="true", requested_by="nobody") == []
    assert {tuple(key for key, _ in index) for index, _ in store.INDEXES["borrow_requests"]} >= {
        ("estate_id", "requested_by", "created_at", "_id")}


def test_a_borrowing_needs_the_managers_approval_and_is_tracked_until_returned(archive, estate):
    asked = borrowing_asked(archive, estate)
    assert asked["status"] == "pending" and asked["subject_type"] == "household" and asked["overdue"] is False
    with pytest.raises(Forbidden):
        archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    as_role(archive, "li", "archivist", estate)
    with pytest.raises(Forbidden):
        archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    with pytest.raises(Conflict):
        archive.return_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})

    clock.advance(timedelta(minutes=5))
    as_role(archive, MANAGER, "manager", estate)
    approved = archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"],
                                               "data": {"note": "copy only"}})
    assert approved["status"] == "approved" and approved["decided_by"] == MANAGER
    assert approved["due_back"] == "2026-11-30T08:05:00.000Z"
    with pytest.raises(Conflict):
        archive.reject_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})

    clock.advance(timedelta(days=8))
    overdue = archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"overdue": "true"}})["items"]
    assert [r["id"] for r in overdue] == [asked["id"]] and overdue[0]["overdue"] is True

    def not_overdue():
        listed = archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"overdue": "false"}})
        return [r["id"] for r in listed["items"]]
    assert asked["id"] not in not_overdue()
    as_role(archive, "li", "archivist", estate)
    returned = archive.return_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    assert returned["status"] == "returned" and returned["overdue"] is False
    assert archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"overdue": "true"}})["items"] == []
    assert asked["id"] in not_overdue()
    assert [h["action"] for h in returned["history"]] == ["requested", "approved", "returned"]

    feed_change_log(archive)
    log = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_id": asked["id"]}})["items"]
    assert [(c["action"], c["actor"]) for c in log] == [
        ("borrow_requested", AGENT), ("borrow_approved", MANAGER), ("borrow_returned", "li")]
    assert all(c["subject_type"] == "borrow_request" for c in log)


def test_the_one_who_asked_withdraws_his_pending_borrow_request(archive, estate):
    """Only a manager's rejection closed a request its borrower no longer needed (a probe of the
    archivist's year): he withdraws it while it is pending, nobody else does, and once decided it
    is a 409."""
    asked = borrowing_asked(archive, estate)
    as_role(archive, "wu", "technician", estate)
    with pytest.raises(Forbidden):  # not his
        archive.withdraw_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    as_role(archive, AGENT, "agent", estate)
    clock.advance(timedelta(minutes=3))
    withdrawn = archive.withdraw_borrow_request({"estate_id": estate["id"], "id": asked["id"],
                                                 "data": {"note": "settled without the file"}})
    assert withdrawn["status"] == "withdrawn" and withdrawn["due_back"] is None
    assert [(h["action"], h["by"], h["note"]) for h in withdrawn["history"]] == [
        ("requested", AGENT, "borrow"), ("withdrawn", AGENT, "settled without the file")]
    with pytest.raises(Conflict):  # once more
        archive.withdraw_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    as_role(archive, MANAGER, "manager", estate)
    with pytest.raises(Conflict):  # nothing left to decide
        archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    feed_change_log(archive)
    log = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_id": asked["id"]}})["items"]
    assert [(c["action"], c["actor"]) for c in log] == [("borrow_requested", AGENT), ("borrow_withdrawn", AGENT)]
    listed = archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"status": "withdrawn"}})["items"]
    assert [r["id"] for r in listed] == [asked["id"]]

    decided = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "audit", "kind": "view"}})
    as_role(archive, "chen", "manager", estate)
    archive.approve_borrow_request({"estate_id": estate["id"], "id": decided["id"], "data": {}})
    as_role(archive, MANAGER, "manager", estate)
    with pytest.raises(Conflict):  # approved: it is returned, not withdrawn
        archive.withdraw_borrow_request({"estate_id": estate["id"], "id": decided["id"], "data": {}})


def test_the_year_s_borrowings_are_found_by_kind_authority_late_return_and_days(archive, estate):
    """At the year's end the register took a status, overdue, a subject and a borrower: the year's
    views, inspections by a higher authority and the files returned late (overdue ended at the
    return) were counted by hand, page by page (a probe of the archivist's year)."""
    asked = borrowing_asked(archive, estate)  # a borrowing, 23 Nov 2026
    as_role(archive, "wu", "technician", estate)
    viewed = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "pipe layout", "kind": "view"}})
    as_role(archive, "li", "archivist", estate)
    inspection = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": estate["id"], "purpose": "annual inspection", "kind": "view",
        "authority_inspection": True, "authority": "District housing bureau"}})
    as_role(archive, MANAGER, "manager", estate)
    for made in (asked, viewed):
        archive.approve_borrow_request({"estate_id": estate["id"], "id": made["id"], "data": {}})
    clock.advance(timedelta(hours=12))
    as_role(archive, "li", "archivist", estate)
    archive.return_borrow_request({"estate_id": estate["id"], "id": viewed["id"], "data": {}})  # on time
    archive.return_borrow_request({"estate_id": estate["id"], "id": inspection["id"], "data": {}})
    clock.advance(timedelta(days=8))
    late = archive.return_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    assert (late["returned_late"], late["overdue"]) == (True, False)
    clock.freeze(clock.parse_iso("2026-12-31T16:30:00Z"))  # 00:30 on 1 January 2027 in the estate
    as_role(archive, AGENT, "agent", estate)
    next_year = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "new owner", "kind": "borrow"}})

    def listed(**filters):
        found = archive.list_borrow_requests({"estate_id": estate["id"], "filters": filters})["items"]
        return sorted(r["id"] for r in found)
    assert listed(kind="view") == sorted([viewed["id"], inspection["id"]])
    assert listed(authority_inspection="true") == [inspection["id"]]
    assert listed(authority_inspection="false", kind="view") == [viewed["id"]]
    assert listed(returned_late="true") == [asked["id"]]
    assert listed(returned_late="false") == sorted([viewed["id"], inspection["id"], next_year["id"]])
    assert listed(**{"from": "2026-01-01", "to": "2026-12-31"}) == sorted([asked["id"], viewed["id"], inspection["id"]])
    assert listed(**{"from": "2027-01-01"}) == [next_year["id"]]
    with pytest.raises(InvalidInput):
        archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"from": "2026-12-31", "to": "2026-01-01"}})
    # returned late before the flag was kept: shown so, and found once the estate's sweep flagged it
    archive.db.borrow_requests.update_one({"_id": asked["id"]}, {"$unset": {"returned_late": ""}})
    assert archive.get_borrow_request({"estate_id": estate["id"], "id": asked["id"]})["returned_late"] is True
    assert operations.flag_late_returns(archive.db) == 1
    assert listed(returned_late="true") == [asked["id"]]


def test_a_list_of_late_returns_writes_nothing_the_estate_s_sweep_flags_them_once(archive, estate):
    """The list that filtered by ``returned_late`` flagged the requests returned before the flag
    was kept, a write in a read: the timer's sweep flags each estate's once (a retired estate's
    too: its lists still answer), and the list only reads."""
    asked = borrowing_asked(archive, estate)
    as_role(archive, MANAGER, "manager", estate)
    archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    clock.advance(timedelta(days=30))
    as_role(archive, "li", "archivist", estate)
    archive.return_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    archive.db.borrow_requests.update_one({"_id": asked["id"]}, {"$unset": {"returned_late": ""}})  # as before the flag
    archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"returned_late": "true"}})
    assert "returned_late" not in archive.db.borrow_requests.find_one({"_id": asked["id"]})  # a read wrote nothing
    as_caller(archive, ADMIN)
    archive.retire_estate({"estate_id": estate["id"], "retired": True})
    assert operations.flag_late_returns(archive.db) == 1
    assert archive.db.borrow_requests.find_one({"_id": asked["id"]})["returned_late"] is True
    found = archive.list_borrow_requests({"estate_id": estate["id"], "filters": {"returned_late": "true"}})["items"]
    assert [r["id"] for r in found] == [asked["id"]]
    archive.db.borrow_requests.update_one({"_id": asked["id"]}, {"$unset": {"returned_late": ""}})
    assert operations.flag_late_returns(archive.db) == 0  # once an estate: its later returns are flagged as they come


def test_the_year_s_borrowings_are_totalled(archive, estate):
    """The list found the year's borrowings but counted none: the archivist added them up page by
    page at the year's end (a probe of the archivist's year)."""
    asked = borrowing_asked(archive, estate)  # a borrowing, 23 Nov 2026, returned late
    as_role(archive, "wu", "technician", estate)
    viewed = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "pipe layout", "kind": "view"}})
    archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "wiring", "kind": "view"}})  # left pending
    as_role(archive, "li", "archivist", estate)
    archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": estate["id"], "purpose": "annual inspection", "kind": "view",
        "authority_inspection": True, "authority": "District housing bureau"}})
    as_role(archive, MANAGER, "manager", estate)
    archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    archive.reject_borrow_request({"estate_id": estate["id"], "id": viewed["id"], "data": {}})
    clock.advance(timedelta(days=9))
    as_role(archive, "li", "archivist", estate)
    archive.return_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {}})
    clock.freeze(clock.parse_iso("2026-12-31T16:30:00Z"))  # 00:30 on 1 January 2027 in the estate
    as_role(archive, AGENT, "agent", estate)
    archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": asked["subject_id"], "purpose": "new owner", "kind": "borrow"}})
    as_role(archive, "li", "archivist", estate)
    totals = archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": "2026"}})
    assert totals == {
        "estate_id": estate["id"], "period": "2026", "from": "2025-12-31T16:00:00.000Z", "to": "2026-12-31T16:00:00.000Z",
        "requests": 4,
        "by_status": {"pending": 1, "approved": 1, "rejected": 1, "returned": 1, "withdrawn": 0},
        "by_kind": {"view": 3, "borrow": 1},
        "returned_late": 1, "authority_inspections": 1}
    january = archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": "2027-01"}})
    assert (january["requests"], january["by_status"]["pending"], january["by_kind"]["borrow"]) == (1, 1, 1)
    assert archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": "2026-Q1"}})["requests"] == 0


@pytest.mark.parametrize("period", ["1900", "1900-01", "2015-05", "2015-Q1", "2014"])
def test_the_borrow_totals_of_a_period_before_the_estate_s_records_can_begin_are_refused(archive, estate, period):
    """A report of 1900 answered zeros (finance refused it): the estate registered on 1 June 2025 has
    no records before 2015-06, its registration less ``replica.RECORDS_REACH_MONTHS``."""
    as_role(archive, "li", "archivist", estate)
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": period}})
    assert refused.value.errors == [{"field": "filters.period",
                                     "message": "is before 2015-06, the earliest month of the estate's records"}]
    assert "registered on 2025-06-01" in refused.value.detail
    for first in ("2015-06", "2015-Q2", "2015"):
        assert archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": first}})["requests"] == 0


def test_the_borrow_totals_of_a_period_not_begun_are_refused(archive, estate):
    """A period to come answered zeros (finance refused its reports of one: ``replica.refuse_report_period``)."""
    as_role(archive, "li", "archivist", estate)
    current = clock.now_iso()[:7]
    following = f"{int(current[:4]) + 1}"
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": following}})
    assert refused.value.errors == [{"field": "filters.period", "message": "has not begun"}]
    assert archive.borrow_totals({"estate_id": estate["id"], "filters": {"period": current[:4]}})["requests"] == 0


def test_an_inspection_by_a_higher_authority_is_approved_at_once(archive, estate):
    as_role(archive, "li", "archivist", estate)
    inspection = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": estate["id"], "purpose": "annual inspection", "kind": "view",
        "authority_inspection": True, "authority": "District housing bureau"}})
    assert inspection["status"] == "approved" and inspection["subject_type"] == "estate"
    feed_change_log(archive)
    [logged] = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_type": "borrow_request"}})["items"]
    assert logged["action"] == "borrow_authority_inspection"


def test_the_approving_manager_sets_the_due_back(archive, estate):
    asked = borrowing_asked(archive, estate)
    as_role(archive, MANAGER, "manager", estate)
    with pytest.raises(BusinessRuleViolation):  # past the estate's 7 days
        archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"],
                                        "data": {"due_back": "2026-12-01T08:00:00Z"}})
    approved = archive.approve_borrow_request({"estate_id": estate["id"], "id": asked["id"], "data": {
        "note": "3日内归还", "due_back": "2026-11-26T10:00:00Z"}})
    assert (approved["status"], approved["due_back"]) == ("approved", "2026-11-26T10:00:00.000Z")


def test_a_borrowing_is_of_something_the_archive_holds(archive, estate):
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.create_borrow_request({"estate_id": estate["id"], "data": {
            "subject_id": "hh_nowhere", "purpose": "x", "kind": "view"}})
    assert refused.value.errors[0]["field"] == "data.subject_id"
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.create_borrow_request({"estate_id": estate["id"], "data": {
            "record_id": "rec_nowhere", "purpose": "x", "kind": "view"}})
    assert refused.value.errors[0]["field"] == "data.record_id"
    with pytest.raises(InvalidInput):
        archive.create_borrow_request({"estate_id": estate["id"], "data": {"purpose": "x", "kind": "view"}})
    handler, closed = closed_events(estate["id"])[2]
    getattr(archive, handler)(closed)
    [record] = archive.list_records({"estate_id": estate["id"]})["items"]
    by_record = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "record_id": record["id"], "purpose": "review the missed checkpoint", "kind": "view"}})
    assert (by_record["subject_type"], by_record["subject_id"]) == ("patrol_round", "pround_9")
    by_subject = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": "pround_9", "purpose": "again", "kind": "view"}})
    assert by_subject["record_id"] is None and by_subject["subject_type"] == "patrol_round"
    assert archive.db.borrow_requests.count_documents({}) == 2


# -- archive checks and KPIs ------------------------------------------------------------

def test_a_plan_s_date_to_come_is_moved_and_a_passed_one_stays(archive, estate):
    """A planned date typed wrong showed as missed for good: the plan could not be changed (a probe
    of the archivist's year). A date not passed and not checked moves within the year; a passed one
    stays; the change log says who moved it."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))  # 16:00 on 23 Nov in the estate
    as_role(archive, "li", "archivist", estate)
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-06-01", "2026-11-23", "2026-12-10"]}})
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-06-01T02:00:00Z", "records_checked": 3, "records_complete": 3}})

    def refused(data):
        with pytest.raises(BusinessRuleViolation) as refusal:
            archive.move_check_plan_date({"estate_id": estate["id"], "id": plan["id"], "data": data})
        return [e["field"] for e in refusal.value.errors]
    assert refused({"date": "2026-06-01", "to": "2026-12-20"}) == ["data.date"]   # passed: it stays
    assert refused({"date": "2026-07-01", "to": "2026-12-20"}) == ["data.date"]   # not planned
    assert refused({"date": "2026-12-10", "to": "2026-11-20"}) == ["data.to"]     # to a day passed
    assert refused({"date": "2026-12-10", "to": "2027-01-05"}) == ["data.to"]     # out of the plan's year
    assert refused({"date": "2026-12-10", "to": "2026-11-23"}) == ["data.to"]     # planned already
    moved = archive.move_check_plan_date({"estate_id": estate["id"], "id": plan["id"],
                                          "data": {"date": "2026-12-10", "to": "2026-12-18"}})
    assert moved["planned_dates"] == ["2026-06-01", "2026-11-23", "2026-12-18"] and moved["missed_dates"] == []
    # today's date, not checked yet, moves too; once checked it is kept
    moved = archive.move_check_plan_date({"estate_id": estate["id"], "id": plan["id"],
                                          "data": {"date": "2026-11-23", "to": "2026-11-30"}})
    assert moved["planned_dates"] == ["2026-06-01", "2026-11-30", "2026-12-18"]
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-11-23T07:00:00Z", "records_checked": 3, "records_complete": 3}})
    archive.move_check_plan_date({"estate_id": estate["id"], "id": plan["id"],
                                  "data": {"date": "2026-11-30", "to": "2026-11-23"}})
    assert refused({"date": "2026-11-23", "to": "2026-12-01"}) == ["data.date"]  # checked today: kept
    feed_change_log(archive)
    log = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_id": plan["id"]}})["items"]
    assert sorted((c["action"], c["actor"]) for c in log) == [("archive_check_date_moved", "li")] * 3 + [
        ("archive_check_plan_created", "li")]


def test_archive_checks_are_planned_twice_a_year_and_give_the_completeness(archive, estate):
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    as_role(archive, "li", "archivist", estate)
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.create_check_plan({"estate_id": estate["id"], "data": {"year": 2026, "planned_dates": ["2026-06-01"]}})
    assert refused.value.errors[0]["field"] == "data.planned_dates"
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-06-01", "2026-11-20"]}})
    with pytest.raises(Conflict):
        archive.create_check_plan({"estate_id": estate["id"], "data": {
            "year": 2026, "planned_dates": ["2026-07-01", "2026-12-01"]}})
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.record_archive_check({"estate_id": estate["id"], "data": {
            "plan_id": "acp_nope", "checked_at": "2026-11-20T02:00:00Z", "records_checked": 1, "records_complete": 1}})
    assert refused.value.errors[0]["field"] == "data.plan_id"
    for checked_at, checked, complete in (("2026-06-01T02:00:00Z", 100, 90), ("2026-11-20T02:00:00Z", 50, 49)):
        archive.record_archive_check({"estate_id": estate["id"], "data": {
            "plan_id": plan["id"], "checked_at": checked_at, "records_checked": checked, "records_complete": complete}})
    assert len(archive.list_archive_checks({"estate_id": estate["id"], "filters": {"plan_id": plan["id"]}})["items"]) == 2
    assert [p["year"] for p in archive.list_check_plans({"estate_id": estate["id"], "filters": {"year": "2026"}})["items"]] == [2026]

    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    as_role(archive, MANAGER, "manager", estate)
    block = archive.kpis({"period": "2026-11", "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    manual = block["archive_check_completeness"]
    assert (manual["numerator"], manual["denominator"]) == (49, 50)
    assert block["archive_checks_year_to_date"]["value"] == 1.0
    assert block["closed_records_received"]["numerator"] == 5  # the escalation is not a closing record
    june = archive.kpis({"period": "2026-06", "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    assert june["archive_check_completeness"]["value"] == 0.9 and june["archive_checks_year_to_date"]["value"] == 0.5
    empty = archive.kpis({"period": "2026-01", "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    assert empty["archive_check_completeness"]["value"] is None
    with pytest.raises(Forbidden):
        archive.kpis({"period": "2026-11", "estate_ids": [estate["id"], "est_other"]})

    feed_change_log(archive)
    logged = archive.list_change_log({"estate_id": estate["id"]})["items"]
    assert sorted(c["action"] for c in logged) == ["archive_check_plan_created", "archive_check_recorded",
                                                   "archive_check_recorded"]
    assert {c["actor"] for c in logged} == {"li"}


def test_a_planned_check_date_that_passes_without_its_check_is_shown_missed(archive, estate):
    """A plan showed its dates only: a date that passed without a check was flagged nowhere (a
    probe). The k-th date promises k checks by its end, on the estate's days."""
    clock.freeze(clock.parse_iso("2026-03-01T02:00:00Z"))
    as_role(archive, "li", "archivist", estate)
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-01-15", "2026-06-30", "2026-11-30"]}})
    assert (plan["checks_recorded"], plan["missed_dates"]) == (0, ["2026-01-15"])  # made late: January passed

    def shown():
        [listed] = archive.list_check_plans({"estate_id": estate["id"], "filters": {}})["items"]
        return listed["checks_recorded"], listed["missed_dates"]
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-02-27T02:00:00Z", "records_checked": 10, "records_complete": 10}})
    assert shown() == (1, ["2026-01-15"])  # done late: January's date was still missed
    clock.freeze(clock.parse_iso("2026-06-30T15:59:00Z"))  # 23:59 on 30 June in the estate: still due today
    assert shown() == (1, ["2026-01-15"])
    clock.freeze(clock.parse_iso("2026-06-30T16:00:00Z"))  # 1 July began: the second check was due
    assert shown() == (1, ["2026-01-15", "2026-06-30"])
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-06-30T15:00:00Z", "records_checked": 5, "records_complete": 5}})
    assert shown() == (2, ["2026-01-15"])  # 23:00 on 30 June: on its day


def test_a_plan_counts_the_days_checked_against_what_the_year_owes_now(archive, estate):
    """Two checks on one day kept two dates of the plan, while the year's KPI read one of two; and
    the minimum raised to three after the plan was made was shown nowhere the archivist reads (a
    probe of the archivist's year)."""
    clock.freeze(clock.parse_iso("2026-08-01T02:00:00Z"))
    as_role(archive, MANAGER, "manager", estate)
    archive.update_settings({"estate_id": estate["id"], "data": {"min_checks_per_year": 3}})
    as_role(archive, "li", "archivist", estate)
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-03-01", "2026-06-30", "2026-07-30"]}})
    for at in ("2026-02-20T01:00:00Z", "2026-02-20T08:00:00Z"):  # 09:00 and 16:00 on 20 February
        archive.record_archive_check({"estate_id": estate["id"], "data": {
            "plan_id": plan["id"], "checked_at": at, "records_checked": 10, "records_complete": 10}})
    as_role(archive, MANAGER, "manager", estate)
    archive.update_settings({"estate_id": estate["id"], "data": {"min_checks_per_year": 4}})
    as_role(archive, "li", "archivist", estate)
    [shown] = archive.list_check_plans({"estate_id": estate["id"], "filters": {"year": "2026"}})["items"]
    assert (shown["checks_recorded"], shown["days_checked"], shown["checks_owed"]) == (2, 1, 4)
    assert shown["missed_dates"] == ["2026-06-30", "2026-07-30"]


def test_next_year_s_check_plan_is_asked_for_before_the_year_ends(archive, estate):
    """The archivist's start page asked for a missing plan once its year had begun: nothing said in
    December to make next year's (a probe of the archivist's year). From the estate's
    next_check_plan_reminder_days (31) before its year ends, next year's plan is asked for."""
    as_role(archive, "li", "archivist", estate)
    clock.freeze(clock.parse_iso("2026-11-30T15:59:00Z"))  # 23:59 on 30 November in the estate
    before = archive.check_plan_reminder({"estate_id": estate["id"]})
    assert before == {"estate_id": estate["id"], "today": "2026-11-30", "next_year": 2027,
                      "asked_from": "2026-12-01", "asked": False, "made": False}
    clock.freeze(clock.parse_iso("2026-11-30T16:00:00Z"))  # 1 December began in the estate
    assert archive.check_plan_reminder({"estate_id": estate["id"]})["asked"] is True
    archive.create_check_plan({"estate_id": estate["id"], "data": {"year": 2027, "planned_dates": ["2027-03-01",
                                                                                                    "2027-09-01"]}})
    assert archive.check_plan_reminder({"estate_id": estate["id"]})["made"] is True
    as_role(archive, MANAGER, "manager", estate)
    archive.update_settings({"estate_id": estate["id"], "data": {"next_check_plan_reminder_days": 10}})
    as_role(archive, "li", "archivist", estate)
    later = archive.check_plan_reminder({"estate_id": estate["id"]})
    assert (later["asked_from"], later["asked"]) == ("2026-12-22", False)


def test_the_year_s_check_plan_is_asked_for_at_the_start_of_the_year(archive, estate):
    """DOMAIN.md: an archive check plan is made at the start of each year; nothing asked for it."""
    as_role(archive, MANAGER, "manager", estate)

    def plan_kpi(period):
        shown = archive.kpis({"period": period, "estate_ids": [estate["id"]]})["estates"][estate["id"]]
        return shown["archive_check_plan_on_time"]
    clock.freeze(clock.parse_iso("2027-01-10T02:00:00Z"))
    due = plan_kpi("2027-01")
    assert (due["numerator"], due["denominator"]) == (0, 0) and due["note"].endswith("due by 2027-01-31")
    clock.freeze(clock.parse_iso("2027-01-31T16:00:00Z"))  # 1 February began in the estate (UTC+8)
    missing = plan_kpi("2027-01")
    assert (missing["numerator"], missing["denominator"], missing["value"]) == (0, 1, 0.0)
    assert missing["note"] == "no 2027 archive check plan: it was due by 2027-01-31"
    as_role(archive, "li", "archivist", estate)
    archive.create_check_plan({"estate_id": estate["id"], "data": {"year": 2027,
                                                                   "planned_dates": ["2027-06-01", "2027-11-20"]}})
    as_role(archive, MANAGER, "manager", estate)
    late = plan_kpi("2027-02")
    assert (late["numerator"], late["denominator"]) == (0, 1) and late["note"].endswith("after its deadline 2027-01-31")
    assert plan_kpi("2027-01") == missing  # January is over: a plan made after it is not in it
    archive.update_settings({"estate_id": estate["id"], "data": {"check_plan_due_days": 60}})
    on_time = plan_kpi("2027")
    assert (on_time["numerator"], on_time["denominator"]) == (1, 1)
    assert on_time["note"] == "the 2027 archive check plan, made 2027-02-01"
    earlier = plan_kpi("2026-12")  # another year's plan: 2026 has none, long past due
    assert (earlier["numerator"], earlier["denominator"]) == (0, 1)


def test_an_estate_registered_during_a_year_owes_that_year_s_plan_from_its_registration(archive):
    """A probe read "no 2026 archive check plan: it was due by 2026-01-31" and 0 of 2 checks for
    2025 of an estate registered in December 2026."""
    clock.freeze(clock.parse_iso("2026-03-10T02:00:00Z"))
    estate = archive.create_estate({"data": ESTATE})
    [published] = archive.outbox.of_type("estate_created")
    assert published["data"]["created_at"] == estate["created_at"]
    as_role(archive, MANAGER, "manager", estate)

    def shown(period):
        return archive.kpis({"period": period, "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    before = shown("2025")
    for name in ("archive_check_plan_on_time", "archive_checks_year_to_date"):
        assert (before[name]["numerator"], before[name]["denominator"], before[name]["value"]) == (0, 0, None)
        assert before[name]["note"] == "the estate was registered on 2026-03-10, after this period"
    assert shown("2026-02")["archive_check_plan_on_time"]["value"] is None
    plan = shown("2026-03")["archive_check_plan_on_time"]
    assert (plan["numerator"], plan["denominator"]) == (0, 0)
    assert plan["note"] == "the 2026 archive check plan is not made yet: due by 2026-04-09"
    clock.freeze(clock.parse_iso("2026-05-01T02:00:00Z"))
    missed = shown("2026-04")["archive_check_plan_on_time"]
    assert (missed["numerator"], missed["denominator"]) == (0, 1)
    assert missed["note"] == "no 2026 archive check plan: it was due by 2026-04-09"

    as_role(archive, "li", "archivist", estate)  # the checks done before the takeover, entered late
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2025, "planned_dates": ["2025-06-01", "2025-11-20"]}})
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2025-06-01T02:00:00Z", "records_checked": 10, "records_complete": 10}})
    as_role(archive, MANAGER, "manager", estate)
    entered = shown("2025")["archive_checks_year_to_date"]
    assert (entered["numerator"], entered["denominator"]) == (1, 2)


def test_an_estate_taken_on_during_the_year_owes_its_share_of_the_years_checks(archive):
    """An estate registered in October read 0 of 2 archive checks, missed at year end, and its plan
    for the year needed two dates in what was left of it (a domain-gap audit): its first year owes
    2 x 3 months / 12, rounded up: one check (``estate_common.kpis.owed_a_year``); the next year two."""
    clock.freeze(clock.parse_iso("2026-10-14T16:30:00Z"))  # 00:30 on 15 October in the estate
    estate = archive.create_estate({"data": ESTATE})
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    as_role(archive, "li", "archivist", estate)
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {"year": 2026,
                                                                          "planned_dates": ["2026-12-01"]}})
    assert plan["planned_dates"] == ["2026-12-01"]  # the year's share: one date
    with pytest.raises(BusinessRuleViolation) as refused:  # a whole year: two
        archive.create_check_plan({"estate_id": estate["id"], "data": {"year": 2027, "planned_dates": ["2027-06-01"]}})
    assert refused.value.detail == "archives are checked at least 2 times a year"
    as_role(archive, MANAGER, "manager", estate)

    def checks_kpi(period):
        return archive.kpis({"period": period, "estate_ids": [estate["id"]]})["estates"][estate["id"]][
            "archive_checks_year_to_date"]
    owed = checks_kpi("2026")
    assert (owed["numerator"], owed["denominator"], owed["value"]) == (0, 1, 0.0)
    assert owed["yearly"] == {"per_year": 2, "owed": 1, "months_kept": 3, "registered_on": "2026-10-15"}
    as_role(archive, "li", "archivist", estate)
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-11-01T02:00:00Z", "records_checked": 10, "records_complete": 10}})
    as_role(archive, MANAGER, "manager", estate)
    done = checks_kpi("2026-11")
    assert (done["numerator"], done["denominator"], done["value"]) == (1, 1, 1.0)
    assert checks_kpi("2026")["value"] == 1.0  # the year's share met
    clock.freeze(clock.parse_iso("2027-02-01T02:00:00Z"))
    assert (checks_kpi("2027-01")["denominator"], checks_kpi("2027-01")["yearly"]) == (2, {"per_year": 2, "owed": 2})


def test_the_first_years_plan_refusal_says_what_the_year_owes(archive):
    clock.freeze(clock.parse_iso("2026-10-14T16:30:00Z"))
    estate = archive.create_estate({"data": ESTATE})
    as_role(archive, MANAGER, "manager", estate)
    archive.update_settings({"estate_id": estate["id"], "data": {"min_checks_per_year": 12}})  # monthly
    as_role(archive, "li", "archivist", estate)
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.create_check_plan({"estate_id": estate["id"], "data": {
            "year": 2026, "planned_dates": ["2026-11-01", "2026-12-01"]}})
    assert refused.value.detail == ("2026 owes at least 3 archive check(s): 12 a year pro rata to the 3 of 12 months "
                                    "from the estate's registration on 2026-10-15")
    assert refused.value.errors == [{"field": "data.planned_dates", "message": "needs at least 3 different dates"}]
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-10-20", "2026-11-01", "2026-12-01"]}})
    assert len(plan["planned_dates"]) == 3


def test_personal_data_never_reaches_the_logs(archive, estate, caplog):
    caplog.set_level(logging.DEBUG)
    archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    as_caller(archive, staff("wang", ["security"], [estate["id"]]))
    archive.list_households({"estate_id": estate["id"]})
    assert "13912345678" not in caplog.text and "13912345678" not in str(archive.outbox.published)


def test_a_patrol_anomaly_is_recorded_but_is_not_a_closed_record(archive, estate):
    reported = event("security_patrol", "anomaly_reported", estate["id"], {
        "id": "anom_1", "round_id": "pround_9", "checkpoint": {"code": "B2", "name": "Car park"},
        "description": "lamp out", "reported_at": "2026-11-20T14:30:00.000Z", "emergency": False})
    archive.record_patrol_anomaly(reported)
    archive.record_patrol_anomaly(reported)
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "patrol_anomaly"}})["items"]
    assert record["subject_id"] == "anom_1" and record["household_id"] is None
    period = clock.now_iso()[:7]
    block = archive.kpis({"period": period, "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    assert block["closed_records_received"]["numerator"] == 0


# -- who reads which record: directly, or through a borrowing ---------------------------------

def test_a_borrowed_record_shows_its_personal_data_as_the_borrower_s_role_may_see_it(archive, estate):
    """Security borrowed a work order's record and read the occupant who signed it in full; that
    name is masked for security everywhere else (and left out of webhooks)."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    as_role(archive, "zhao", "security", estate)
    asked = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": "wo_9", "purpose": "who signed for the pump repair", "kind": "view"}})
    by_id = {"estate_id": estate["id"], "id": asked["id"]}
    as_role(archive, MANAGER, "manager", estate)
    archive.approve_borrow_request(by_id | {"data": {}})
    as_role(archive, "zhao", "security", estate)
    [order] = archive.list_borrowed_records(by_id)["items"]
    assert order["data"]["signed_by"] == "C***" and order["data"]["material_cost_cents"] == 1200
    as_role(archive, "li", "archivist", estate)  # the keepers read it in full
    [kept] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_9"}})["items"]
    assert kept["data"]["signed_by"] == "Chen"
    archive.correct_record({"estate_id": estate["id"], "id": kept["id"],
                            "data": {"reason": "signed by his wife", "data": {"signed_by": "Chen Mei"}}})
    as_role(archive, "zhao", "security", estate)  # a correction restates the field: masked alike
    shown = {r["event_type"]: r["data"]["signed_by"] for r in archive.list_borrowed_records(by_id)["items"]}
    assert shown == {"work_order_completed": "C***", "record_corrected": "C*** ***"}
    # a correction of that correction, and a field the event never had, were shown in full
    # (found by review)
    as_role(archive, "li", "archivist", estate)
    first = next(r for r in archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_9"}})["items"]
                 if r["event_type"] == "record_corrected")
    archive.correct_record({"estate_id": estate["id"], "id": first["id"], "data": {
        "reason": "her full name", "data": {"signed_by": "Chen Meili", "witness": "Wang Wu",
                                            "material_cost_cents": 1300}}})
    as_role(archive, "zhao", "security", estate)
    second = [r for r in archive.list_borrowed_records(by_id)["items"] if r.get("corrects") == first["id"]]
    assert [r["data"] for r in second] == [{"signed_by": "C*** *****", "witness": "W*** **",
                                            "material_cost_cents": 1300}]
    # a person written as one object or a list, and the reason's free text, were shown in full
    # (found by review)
    as_role(archive, "li", "archivist", estate)
    archive.correct_record({"estate_id": estate["id"], "id": first["id"], "data": {
        "reason": "Chen Meili asked, 13900605678", "data": {
            "occupant": {"name": "Chen Meili", "phone": "13900625678", "id_number": "110101199003070624"},
            "witnesses": ["Wang Wu", "13900635678"]}}})
    as_role(archive, "zhao", "security", estate)
    third = [r for r in archive.list_borrowed_records(by_id)["items"]
             if r.get("corrects") == first["id"] and "occupant" in r["data"]]
    assert third[0]["data"] == {"occupant": {"name": "C*** *****", "phone": "1**********",
                                             "id_number": "1*****************"},
                                "witnesses": ["W*** **", "1**********"]}
    assert "13900605678" not in third[0]["reason"] and "Meili" not in third[0]["reason"]
    as_role(archive, "li", "archivist", estate)  # the keepers still read it in full
    kept = [r for r in archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_9"}})["items"]
            if r.get("corrects") == first["id"]]
    assert kept[0]["data"]["witness"] == "Wang Wu"


def test_numbers_typed_into_a_record_s_words_are_masked_for_a_borrower_who_reads_them_masked(archive, estate):
    """An incident's summary (and a request's description, a work order's summary…) is free text an
    owner's phone or ID number is typed into: the API masks them for security, technicians and
    accounts (``numbers_in_text``), and a borrowing of its archive record showed them in full
    (found by a personal-data probe). Ids, numbers and times stay as they are."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    archive.record_closed_incident(event("security_patrol", "incident_closed", estate["id"], {
        "id": "inc_7", "number": "INC-2026-000007", "type": "flooding", "major": False, "location": "B3",
        "opened_at": "2026-11-21T00:50:00.000Z", "closed_at": "2026-11-21T03:00:00.000Z",
        "summary": "业主 13957286446 家漏水, 身份证 31010419880715441X", "steps_done": ["stop_water"],
        "steps_not_done": [], "escalations": []}))
    as_role(archive, "zhao", "security", estate)
    asked = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": "inc_7", "purpose": "the flood in B3", "kind": "view"}})
    by_id = {"estate_id": estate["id"], "id": asked["id"]}
    as_role(archive, MANAGER, "manager", estate)
    archive.approve_borrow_request(by_id | {"data": {}})
    as_role(archive, "zhao", "security", estate)
    [record] = archive.list_borrowed_records(by_id)["items"]
    assert record["data"]["summary"] == "业主 139****6446 家漏水, 身份证 310***********441X"
    assert (record["data"]["number"], record["data"]["id"], record["data"]["closed_at"]) == (
        "INC-2026-000007", "inc_7", "2026-11-21T03:00:00.000Z")
    as_role(archive, "li", "archivist", estate)  # the keepers read it in full
    [kept] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "inc_7"}})["items"]
    assert kept["data"]["summary"] == "业主 13957286446 家漏水, 身份证 31010419880715441X"


def test_an_agent_reads_request_records_directly_and_a_payment_only_through_an_approved_borrowing(archive, estate):
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    as_role(archive, AGENT, "agent", estate)
    listed = archive.list_records({"estate_id": estate["id"]})["items"]
    assert {r["subject_type"] for r in listed} == {"service_request"}
    with pytest.raises(Forbidden):
        archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "payment"}})
    assert archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "pay_9"}})["items"] == []

    asked = archive.create_borrow_request({"estate_id": estate["id"], "data": {
        "subject_id": "pay_9", "purpose": "owner disputes a receipt", "kind": "view"}})
    by_id = {"estate_id": estate["id"], "id": asked["id"]}
    with pytest.raises(Conflict):  # not approved yet
        archive.list_borrowed_records(by_id)
    as_role(archive, MANAGER, "manager", estate)
    archive.approve_borrow_request(by_id | {"data": {}})
    as_role(archive, "zhao", "agent", estate)
    with pytest.raises(Forbidden):  # another agent
        archive.list_borrowed_records(by_id)
    as_role(archive, AGENT, "agent", estate)
    [payment] = archive.list_borrowed_records(by_id)["items"]
    assert (payment["subject_id"], payment["event_type"]) == ("pay_9", "payment_posted")
    clock.advance(timedelta(days=2))  # a view is due back the next day
    with pytest.raises(Conflict):
        archive.list_borrowed_records(by_id)
    as_role(archive, "li", "archivist", estate)
    archive.return_borrow_request(by_id | {"data": {}})
    assert len(archive.list_records({"estate_id": estate["id"]})["items"]) == len(closed_events(estate["id"]))
    as_role(archive, AGENT, "agent", estate)
    with pytest.raises(Conflict):  # returned
        archive.list_borrowed_records(by_id)
    with pytest.raises(NotFound):
        archive.list_borrowed_records({"estate_id": estate["id"], "id": "borrow_nowhere"})


# -- equipment archives, handover documents, notices, reversals and cancelled orders ---------

OUT_OF_SERVICE = {"since": "2026-11-21T09:00:00.000Z", "reason": "困人后停运待检", "work_order_id": "wo_7",
                  "work_order_number": "WO-2026-000007", "by": "chen"}


def archive_events(estate_id):
    """One event of each kind DOMAIN.md's "Archive" adds, shaped by their contracts."""
    return [
        ("record_equipment", event("maintenance", "equipment_registered", estate_id, {
            "id": "eq_1", "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2",
            "installed_on": "2019-06-01", "created_at": "2026-11-20T08:00:00.000Z"})),
        ("record_equipment_record", event("maintenance", "equipment_record_added", estate_id, {
            "id": "eq_1", "code": "PUMP-1", "record": {"id": "eqr_1", "kind": "inspection", "result": "normal",
                                                       "at": "2026-11-21T08:00:00.000Z", "work_order_id": None}})),
        ("record_equipment_out_of_service", event("maintenance", "equipment_out_of_service", estate_id, {
            "id": "eq_1", "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2",
            "out_of_service": OUT_OF_SERVICE})),
        ("record_equipment_back_in_service", event("maintenance", "equipment_back_in_service", estate_id, {
            "id": "eq_1", "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2",
            "out_of_service": OUT_OF_SERVICE, "back": {"at": "2026-11-21T12:00:00.000Z", "by": "chen", "note": None,
                                                       "work_order_id": "wo_7", "work_order_number": "WO-2026-000007"}})),
        ("record_notice", event("customer_service", "notice_published", estate_id, {
            "id": "nt_1", "title": "Water cut", "body": "Friday 9-12", "building": "3",
            "published_at": "2026-11-21T08:00:00.000Z"})),
        ("record_shift_handover", event("security_patrol", "shift_handover_recorded", estate_id, {
            "id": "handover_1", "shift": "night", "post": None, "date": "2026-11-21", "from_guard": "Qian",
            "to_guard": "Sun", "handed_over_at": "2026-11-21T23:00:00.000Z"})),
        ("record_cancelled_work_order", event("maintenance", "work_order_cancelled", estate_id, {
            "id": "wo_5", "number": "WO-2026-000005", "request_id": None, "household_id": "hh_1",
            "reason": "registered twice", "cancelled_at": "2026-11-21T09:00:00.000Z"})),
        ("record_payment_reversal", event("finance", "payment_reversed", estate_id, {
            "id": "pay_9", "receipt_number": "RC-2026-000009", "household_id": "hh_1", "amount_cents": 26811,
            "method": "wechat", "reason": "bounced", "reversed_at": "2026-11-22T02:00:00.000Z", "bills": []})),
        ("record_equipment_retired", event("maintenance", "equipment_retired", estate_id, {
            "id": "eq_1", "code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2",
            "retired": {"kind": "scrapped", "on": "2026-11-22", "reason": "老旧报废", "by": "wu",
                        "at": "2026-11-22T03:00:00.000Z"}})),
    ]


def test_equipment_notices_handovers_reversals_and_cancelled_orders_are_recorded_and_logged_once(archive, estate):
    for handler, published in archive_events(estate["id"]):
        getattr(archive, handler)(published)
        getattr(archive, handler)(published)  # redelivered
    records = archive.list_records({"estate_id": estate["id"]})["items"]
    assert sorted((r["subject_type"], r["event_type"]) for r in records) == sorted([
        ("equipment", "equipment_registered"), ("equipment", "equipment_record_added"),
        ("equipment", "equipment_out_of_service"), ("equipment", "equipment_back_in_service"),
        ("notice", "notice_published"), ("shift_handover", "shift_handover_recorded"),
        ("work_order", "work_order_cancelled"), ("payment", "payment_reversed"), ("equipment", "equipment_retired")])
    assert archive.verify_archive({"estate_id": estate["id"]})["checked"] == 9
    log = archive.list_change_log({"estate_id": estate["id"]})["items"]
    assert sorted((c["subject_id"], c["action"]) for c in log if c["subject_type"] != "estate") == sorted([
        ("eq_1", "equipment_created"), ("eq_1", "equipment_updated"), ("eq_1", "equipment_out_of_service"),
        ("eq_1", "equipment_back_in_service"), ("nt_1", "notice_created"),
        ("handover_1", "shift_handover_created"), ("wo_5", "work_order_cancelled"), ("pay_9", "payment_reversed"),
        ("eq_1", "equipment_retired")])
    assert all(c["actor"] == "tester" for c in log if c["subject_type"] != "estate")


def test_a_correction_is_logged_in_the_change_log(archive, estate):
    handler, published = archive_events(estate["id"])[4]
    getattr(archive, handler)(published)
    [record] = archive.list_records({"estate_id": estate["id"]})["items"]
    as_role(archive, "li", "archivist", estate)
    archive.correct_record({"estate_id": estate["id"], "id": record["id"],
                            "data": {"reason": "typo in the title", "data": {"title": "Water cut (Fri)"}}})
    [logged] = archive.list_change_log({"estate_id": estate["id"], "filters": {"subject_type": "record"}})["items"]
    assert (logged["subject_id"], logged["action"], logged["actor"], logged["fields"]) == (
        record["id"], "record_corrected", "li", ["title"])


# -- completeness: present in the archive ÷ reported by the services --------------------------

def counted(source, estate_id, period, counts, counted_at):
    return event(source, "closed_records_counted", estate_id, {"period": period, "counts": counts,
                                                               "counted_at": counted_at})


def test_completeness_compares_the_closed_records_held_with_the_services_newest_counts(archive, estate):
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    for handler, published in closed_events(estate["id"]):  # one request, order, round, incident, payment
        getattr(archive, handler)(published)
    as_role(archive, MANAGER, "manager", estate)

    def completeness(period="2026-11"):
        block = archive.kpis({"period": period, "estate_ids": [estate["id"]]})["estates"][estate["id"]]
        shown = block["archive_completeness"]
        return shown["numerator"], shown["denominator"]

    assert completeness() == (0, 0)  # no service has reported: no data
    archive.keep_closed_requests_count(counted("customer_service", estate["id"], "2026-11",
                                               {"service_requests": 2}, "2026-11-23T07:00:00.000Z"))
    archive.keep_closed_orders_count(counted("maintenance", estate["id"], "2026-11",
                                             {"work_orders": 1}, "2026-11-23T07:00:00.000Z"))
    archive.keep_closed_rounds_and_incidents_count(counted("security_patrol", estate["id"], "2026-11",
                                                           {"patrol_rounds": 1, "incidents": 1},
                                                           "2026-11-23T07:00:00.000Z"))
    newer = counted("finance", estate["id"], "2026-11", {"payments": 1}, "2026-11-23T07:30:00.000Z")
    older = counted("finance", estate["id"], "2026-11", {"payments": 3}, "2026-11-23T07:00:00.000Z")
    for published in (newer, older, newer):  # an older count arriving late changes nothing
        archive.keep_closed_payments_count(published)
    assert completeness() == (5, 6)  # one closed request has not reached the archive
    archive.keep_closed_payments_count(counted("finance", estate["id"], "2026-10", {"payments": 4},
                                               "2026-11-01T07:00:00.000Z"))
    assert completeness("2026-10") == (0, 4)
    assert completeness("2026-Q4") == (5, 10) and completeness("2026") == (5, 10)
    # an ISO week: the services count what they closed by the month, so its completeness is "no
    # data" saying so, and the archive_completeness report of it a 422 naming why
    week = archive.kpis({"period": "2026-W48", "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    assert completeness("2026-W48") == (0, 0) and week["archive_completeness"]["value"] is None
    assert week["archive_completeness"]["note"].startswith(BY_THE_MONTH) and "by the month" in \
        week["archive_completeness"]["note"]
    with pytest.raises(BusinessRuleViolation) as refused:
        archive.archive_completeness({"estate_id": estate["id"], "filters": {"period": "2026-W48"}})
    assert refused.value.errors[0]["field"] == "filters.period" and "by the month" in refused.value.errors[0]["message"]
    # a week its year has not is a 400 naming it, as the KPIs and the missing records answer it, not a
    # 422 saying a week is counted by the month (found by review r2 of h2)
    with pytest.raises(InvalidInput) as refused:
        archive.archive_completeness({"estate_id": estate["id"], "filters": {"period": "2027-W53"}})
    assert refused.value.errors[0] == {"field": "filters.period",
                                       "message": "2027-W53 is not an ISO week of 2027, which has 52 weeks"}


# each service's count handler and the kinds it counts (estate_common.closed_counts.KINDS)
COUNTERS = {"customer_service": ("keep_closed_requests_count", ("service_requests",)),
            "maintenance": ("keep_closed_orders_count", ("work_orders",)),
            "security_patrol": ("keep_closed_rounds_and_incidents_count", ("patrol_rounds", "incidents")),
            "finance": ("keep_closed_payments_count", ("payments",))}


def count_months(archive, estate_id, months, but=(), **counts):
    """Every service's count of each of ``months`` (0 of a kind unless ``counts`` says), but those of
    ``but`` (``(service, month)``: never counted)."""
    for month in months:
        for source, (handler, kinds) in COUNTERS.items():
            if (source, month) not in but:
                getattr(archive, handler)(counted(source, estate_id, month, {k: counts.get(k, {}).get(month, 0)
                                                                             for k in kinds},
                                                  f"{month}-28T07:00:00.000Z"))


def test_a_month_no_service_counted_is_named_not_read_as_complete(archive, estate):
    """h6: the year's completeness summed the months' counts and what the archive held over the whole
    year, each kind capped at its count. A month a service never counted (it was down over a month's
    turn: it counts the current and the previous month only) added its records held and nothing to
    the count: September's request missing from the archive was made up by October's held, uncounted,
    and the year read 2 / 2, 100 %. The months counted are held against what they hold alone, and the
    months begun since the estate's registration that a service did not count are named (``not_counted``)."""
    estate_id = estate["id"]
    for closed_at, request_id in (("2026-09-10T08:00:00.000Z", "sr_1"), ("2026-10-10T08:00:00.000Z", "sr_2")):
        clock.freeze(clock.parse_iso(closed_at))  # announced as it closed
        archive.record_closed_service_request(event("customer_service", "service_request_closed", estate_id, {
            "id": request_id, "number": f"SR-2026-00000{request_id[-1]}", "kind": "repair", "household_id": "hh_1",
            "created_at": closed_at, "closed_at": closed_at}))
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    months = [f"2026-{m:02d}" for m in range(1, 12)]
    count_months(archive, estate_id, months, but={("customer_service", "2026-10")},
                 service_requests={"2026-09": 2})  # one of September's two never reached the archive
    as_role(archive, MANAGER, "manager", estate)

    def block(period):
        return archive.kpis({"period": period, "estate_ids": [estate_id]})["estates"][estate_id]["archive_completeness"]
    year = block("2026")
    assert (year["numerator"], year["denominator"]) == (1, 2) and year["value"] == 0.5  # not 2 / 2
    assert year["not_counted"] == ["2026-10"]
    assert block("2026-09")["value"] == 0.5 and "not_counted" not in block("2026-09")
    october = block("2026-10")
    assert (october["numerator"], october["denominator"], october["not_counted"]) == (0, 0, ["2026-10"])
    report = archive.archive_completeness({"estate_id": estate_id, "filters": {"period": "2026"}})
    assert report["completeness"] == year
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert (kinds["service_requests"]["reported"], kinds["service_requests"]["held"],
            kinds["service_requests"]["missing"], kinds["service_requests"]["not_counted"]) == (2, 1, 1, ["2026-10"])
    assert kinds["payments"]["not_counted"] == []
    # counted at last (the service back up, or a recount): the year's figure is whole again
    archive.keep_closed_requests_count(counted("customer_service", estate_id, "2026-10", {"service_requests": 1},
                                               "2026-11-23T07:00:00.000Z"))
    year = block("2026")
    assert (year["numerator"], year["denominator"]) == (2, 3) and "not_counted" not in year


def test_the_months_before_an_estate_was_registered_are_not_named_uncounted(archive):
    """A new estate mid-year: its services count it from its registration's month; the months before
    it are no month a service failed to count. A month begun since and not counted is named."""
    clock.freeze(clock.parse_iso("2026-06-15T02:00:00Z"))
    estate = archive.create_estate({"data": {**ESTATE, "code": "HZ-06"}})
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    count_months(archive, estate["id"], ["2026-06", "2026-07", "2026-08", "2026-09", "2026-11"])
    as_role(archive, MANAGER, "manager", estate)
    year = archive.kpis({"period": "2026", "estate_ids": [estate["id"]]})["estates"][estate["id"]]["archive_completeness"]
    assert year["not_counted"] == ["2026-10"]  # not January to May
    count_months(archive, estate["id"], ["2026-10"])
    year = archive.kpis({"period": "2026", "estate_ids": [estate["id"]]})["estates"][estate["id"]]["archive_completeness"]
    assert "not_counted" not in year and year["denominator"] == 0 and year["value"] is None


def test_of_the_things_a_service_closed_the_archive_says_which_it_holds_a_closing_record_of(archive, estate):
    """The completeness counted a kind's shortfall and nobody could name it (a probe of the archives'
    work): the gateway asks the service what it closed, then archive which of those it holds, by the
    kind's closing events (the completeness' ``held``), whenever the record was made."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    as_role(archive, "li", "archivist", estate)

    def held(kind, ids):
        return archive.closing_records_held({"estate_id": estate["id"], "kind": kind, "subject_ids": ids})["held"]
    assert held("service_requests", ["sr_8", "sr_9"]) == ["sr_9"]
    assert held("incidents", ["inc_9", "inc_8"]) == ["inc_9"]  # its closing, not its opening
    assert held("payments", ["sr_9"]) == []  # the kind's own events only
    assert held("work_orders", []) == []
    with pytest.raises(InvalidInput):
        held("households", ["hh_1"])


def test_the_completeness_says_for_each_kind_what_its_service_counted_what_the_archive_holds_and_how_many_are_missing(
        archive, estate):
    """资料归档完整率 read 5 / 6 with nothing saying which kind of record was short, and the archivist,
    who keeps the archives complete, could not read it at all (a probe of the archives' month): each
    kind its service's count, the closing records held, the shortfall and when it was counted,
    beside the KPI itself, for the archives' keepers."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    for handler, published in closed_events(estate["id"]):
        getattr(archive, handler)(published)
    as_role(archive, "li", "archivist", estate)

    def shown(period="2026-11"):
        return archive.archive_completeness({"estate_id": estate["id"], "filters": {"period": period}})

    nothing = shown()
    assert nothing["period"] == "2026-11" and nothing["completeness"]["value"] is None
    assert [(k["kind"], k["reported"], k["held"], k["missing"]) for k in nothing["kinds"]] == [
        ("service_requests", None, 1, None), ("work_orders", None, 1, None), ("patrol_rounds", None, 1, None),
        ("incidents", None, 1, None), ("payments", None, 1, None)]  # not counted yet: nothing said missing
    archive.keep_closed_requests_count(counted("customer_service", estate["id"], "2026-11",
                                               {"service_requests": 2}, "2026-11-23T07:00:00.000Z"))
    archive.keep_closed_payments_count(counted("finance", estate["id"], "2026-11", {"payments": 1},
                                               "2026-11-23T07:30:00.000Z"))
    answer = shown()
    kinds = {k["kind"]: k for k in answer["kinds"]}
    assert kinds["service_requests"] == {"kind": "service_requests", "subject_type": "service_request",
                                         "source": "customer_service", "reported": 2, "held": 1, "missing": 1,
                                         "counted_at": "2026-11-23T07:00:00.000Z", "not_counted": []}
    assert (kinds["payments"]["subject_type"], kinds["payments"]["missing"]) == ("payment", 0)
    assert kinds["work_orders"]["reported"] is None and kinds["work_orders"]["counted_at"] is None
    assert (answer["completeness"]["numerator"], answer["completeness"]["denominator"]) == (2, 3)
    as_role(archive, MANAGER, "manager", estate)
    kpi = archive.kpis({"period": "2026-11", "estate_ids": [estate["id"]]})["estates"][estate["id"]]
    assert kpi["archive_completeness"] == answer["completeness"]  # one figure, two views
    # a quarter sums its months; a kind held beyond its count is no shortfall
    archive.keep_closed_requests_count(counted("customer_service", estate["id"], "2026-10",
                                               {"service_requests": 3}, "2026-11-01T07:00:00.000Z"))
    quarter = {k["kind"]: k for k in shown("2026-Q4")["kinds"]}
    assert (quarter["service_requests"]["reported"], quarter["service_requests"]["missing"]) == (5, 4)
    assert shown("2026-10")["kinds"][4]["held"] == 0
    with pytest.raises(InvalidInput):
        shown("November")


def test_a_rescheduled_application_is_kept_in_its_permanent_record_once(archive, estate):
    """改期: who moved the works, when, from what to what and why (customer_service.application_rescheduled)."""
    moved = event("customer_service", "application_rescheduled", estate["id"], {
        "id": "app_1", "household_id": "hh_1", "kind": "renovation", "status": "fees_paid",
        "works_from": "2026-12-20", "works_to": "2027-02-10",
        "previous": {"works_from": "2026-12-01", "works_to": "2027-01-15"}, "reason": "the contractor starts later",
        "rescheduled_at": "2026-11-23T08:30:00.000Z"})
    archive.record_application_rescheduled(moved)
    archive.record_application_rescheduled(moved)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "app_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["household_id"]) == (
        "renovation_application", "application_rescheduled", "hh_1")
    assert record["data"]["previous"]["works_from"] == "2026-12-01" and record["actor"] == "tester"


def test_an_estates_service_centre_phones_are_kept_edited_cleared_and_announced(archive, estate, caplog):
    """服务中心电话 and 24小时值班电话: the owner portal had no number to tell a resident with a burst
    pipe or a gas smell to phone (a phone probe of the portal). The centre's numbers, not personal
    data: shown and announced, written as a phone is elsewhere (400 naming the field), and an
    estate created or edited without them reads and announces as before."""
    assert "service_phone" not in estate and "service_phone" not in archive.outbox.of_type("estate_created")[0]["data"]
    caplog.set_level(logging.DEBUG)
    phoned = archive.create_estate({"data": dict(ESTATE, code="HZ-02", service_phone="0571-8888 1234",
                                                 duty_phone="13800001111")})
    assert (phoned["service_phone"], phoned["duty_phone"]) == ("0571-8888 1234", "13800001111")
    created = archive.outbox.of_type("estate_created")[-1]["data"]
    assert (created["service_phone"], created["duty_phone"]) == ("0571-8888 1234", "13800001111")
    edited = archive.update_estate({"estate_id": estate["id"], "data": {"service_phone": "400-820-8820"}})
    assert edited["service_phone"] == "400-820-8820" and edited["version"] == 2
    [published] = archive.outbox.of_type("estate_updated")
    assert published["data"]["service_phone"] == "400-820-8820" and published["data"]["changed"] == ["service_phone"]
    cleared = archive.update_estate({"estate_id": estate["id"], "data": {"service_phone": None}})
    assert cleared["service_phone"] is None and cleared["version"] == 3
    assert archive.outbox.of_type("estate_updated")[-1]["data"]["service_phone"] is None  # the copies clear it
    for bad in ("call us", "12", "0571 8888 1234 ext 5"):
        with pytest.raises(InvalidInput) as refused:
            archive.update_estate({"estate_id": estate["id"], "data": {"duty_phone": bad}})
        assert refused.value.errors[0]["field"] == "data.duty_phone"
    assert "8888" not in caplog.text and "8820" not in caplog.text and "13800001111" not in caplog.text


# -- an estate retired (the operator's contract for it ended) ----------------------------------

def test_an_estate_is_retired_in_a_new_version_announced_and_put_back_by_reinstating_it(archive, estate):
    """The operator admin had no way to retire an estate whose contract ended, or one made by
    mistake: it stayed in every list, every estate switcher and the KPIs side by side for good
    (found by a probe of the operator admin's month)."""
    as_caller(archive, ADMIN)
    clock.freeze(clock.parse_iso("2026-12-05T02:00:00Z"))
    retired = archive.retire_estate({"estate_id": estate["id"], "retired": True})
    assert (retired["retired_at"], retired["version"]) == ("2026-12-05T02:00:00.000Z", 2)
    [published] = archive.outbox.of_type("estate_updated")
    assert published["data"]["retired_at"] == "2026-12-05T02:00:00.000Z"
    assert published["data"]["changed"] == ["retired_at"] and published["data"]["version"] == 2
    clock.freeze(clock.parse_iso("2026-12-06T02:00:00Z"))
    again = archive.retire_estate({"estate_id": estate["id"], "retired": True})  # retired already: as it was
    assert (again["retired_at"], again["version"]) == ("2026-12-05T02:00:00.000Z", 2)
    assert len(archive.outbox.of_type("estate_updated")) == 1
    assert archive.get_estate({"estate_id": estate["id"]})["retired_at"] == "2026-12-05T02:00:00.000Z"
    back = archive.retire_estate({"estate_id": estate["id"], "retired": False})
    assert (back["retired_at"], back["version"]) == (None, 3)
    assert archive.outbox.of_type("estate_updated")[-1]["data"]["retired_at"] is None
    with pytest.raises(NotFound):
        archive.retire_estate({"estate_id": "est_unknown", "retired": True})


def test_a_retirement_keeps_what_was_outstanding_and_the_admin_s_override_reason(archive, estate):
    """The gateway retires an estate with something outstanding only on the operator admin's
    override (an estate made by mistake): the retirement's record keeps who, the contract's last
    day, the reason and what was outstanding, after a reinstatement too (found by h5, built by h8)."""
    as_caller(archive, ADMIN)
    clock.freeze(clock.parse_iso("2026-12-05T02:00:00Z"))
    outstanding = [{"item": "money_owed_back", "count": 2, "amount_cents": 52000},
                   {"item": "open_requests", "count": 1}]
    retired = archive.retire_estate({"estate_id": estate["id"], "retired": True, "record": {
        "as_of": "2026-12-05", "override_reason": "made by mistake: a duplicate of HZ-01",
        "outstanding": outstanding}})
    assert retired["retirement"] == {"retired_at": "2026-12-05T02:00:00.000Z", "by": ADMIN["user"],
                                     "as_of": "2026-12-05", "override_reason": "made by mistake: a duplicate of HZ-01",
                                     "outstanding": outstanding}
    [published] = archive.outbox.of_type("estate_updated")
    assert published["data"]["changed"] == ["retired_at", "retirement"]
    assert "retirement" not in published["data"]  # the copies need its moment only
    back = archive.retire_estate({"estate_id": estate["id"], "retired": False})
    assert back["retired_at"] is None and back["retirement"] == retired["retirement"]  # kept for good
    plain = archive.retire_estate({"estate_id": estate["id"], "retired": True,
                                   "record": {"as_of": "2026-12-05", "override_reason": None, "outstanding": []}})
    assert plain["retirement"]["override_reason"] is None and plain["retirement"]["outstanding"] == []


def test_an_estate_never_retired_shows_none_and_the_list_filters_by_retirement(archive, estate):
    assert "retired_at" not in archive.get_estate({"estate_id": estate["id"]})  # as before: absent
    other = archive.create_estate({"data": {"code": "HZ-02", "name": "East Lake", "address": "1 East Road"}})
    as_caller(archive, ADMIN)
    archive.retire_estate({"estate_id": other["id"], "retired": True})

    def codes(**filters):
        return [e["code"] for e in archive.list_estates({"filters": filters})["items"]]

    assert codes() == ["HZ-01", "HZ-02"]  # every estate, as before
    assert codes(retired="false") == ["HZ-01"]
    assert codes(retired="true") == ["HZ-02"]
    assert codes(retired="false", q="lake") == ["HZ-01"]
    archive.retire_estate({"estate_id": other["id"], "retired": False})
    assert codes(retired="false") == ["HZ-01", "HZ-02"]


def test_moving_a_plan_s_date_reads_the_rules_and_the_checks_once(archive, estate, monkeypatch):
    """The move read the estate's rules and the plan's checks to decide, then again to show the
    plan moved: one read of each serves both (the plan's day the move was judged on is the one
    it is shown on)."""
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    as_role(archive, "li", "archivist", estate)
    plan = archive.create_check_plan({"estate_id": estate["id"], "data": {
        "year": 2026, "planned_dates": ["2026-06-01", "2026-12-10"]}})
    archive.record_archive_check({"estate_id": estate["id"], "data": {
        "plan_id": plan["id"], "checked_at": "2026-06-01T02:00:00Z", "records_checked": 3, "records_complete": 3}})
    reads = []
    for name in ("rules_for", "checks_of_plan", "estate_since"):
        monkeypatch.setattr(store, name, lambda *args, _read=getattr(store, name), _name=name: (
            reads.append(_name), _read(*args))[1])
    moved = archive.move_check_plan_date({"estate_id": estate["id"], "id": plan["id"],
                                          "data": {"date": "2026-12-10", "to": "2026-12-18"}})
    assert (moved["planned_dates"], moved["checks_recorded"], moved["missed_dates"]) == (
        ["2026-06-01", "2026-12-18"], 1, [])
    assert sorted(reads) == ["checks_of_plan", "estate_since", "rules_for"]


def test_the_archivist_reads_the_estate_s_archive_settings_and_changes_none(archive, estate):
    """The archive's rules are judged by the estate's numbers (checks a year, the plan's due days,
    the borrowing days), which only a manager could read: the archivist reads them here as at the
    gateway, and a change is still a manager's."""
    as_role(archive, MANAGER, "manager", estate)
    archive.update_settings({"estate_id": estate["id"], "data": {"min_checks_per_year": 3}})
    as_role(archive, "li", "archivist", estate)
    shown = archive.get_settings({"estate_id": estate["id"]})
    assert shown["values"]["min_checks_per_year"] == 3 and shown["defaults"]["min_checks_per_year"] == 2
    with pytest.raises(Forbidden):
        archive.update_settings({"estate_id": estate["id"], "data": {"min_checks_per_year": 4}})
    as_role(archive, AGENT, "agent", estate)
    with pytest.raises(Forbidden):
        archive.get_settings({"estate_id": estate["id"]})


def test_a_request_handed_over_and_a_notice_withdrawn_are_kept_once(archive, estate):
    """An integrator's follow-ups announced the two: a request handed to a colleague (转交) is kept on
    the request's record as its other steps are, a notice withdrawn (撤下) beside its publication and
    in the change log (DOMAIN.md: changes to an archive are recorded: who, what, when)."""
    handed = event("customer_service", "service_request_transferred", estate["id"], {
        "id": "sr_1", "number": "CS-2026-0001", "kind": "consultation", "household_id": "hh_1",
        "handler": "zhou", "previous_handler": None, "transferred_at": "2026-11-23T08:30:00.000Z"})
    archive.record_service_request_transfer(handed)
    archive.record_service_request_transfer(handed)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["household_id"], record["data"]["handler"]) == (
        "service_request", "service_request_transferred", "hh_1", "zhou")
    withdrawn = event("customer_service", "notice_withdrawn", estate["id"], {
        "id": "ntc_1", "title": "Lift service Monday", "building": "3", "buildings": ["3", "4"],
        "reason": "it is Tuesday", "withdrawn_at": "2026-11-23T08:40:00.000Z"})
    archive.record_notice_withdrawal(withdrawn)
    archive.record_notice_withdrawal(withdrawn)
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "ntc_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["data"]["reason"]) == (
        "notice", "notice_withdrawn", "it is Tuesday")
    assert record["data"]["buildings"] == ["3", "4"]  # the buildings it left, as its publication named them
    [change] = list(archive.db.change_log.find({"estate_id": estate["id"], "subject_id": "ntc_1"}))
    assert (change["subject_type"], change["action"]) == ("notice", "notice_withdrawn")


def test_a_repair_joined_to_a_fault_s_order_is_kept_on_its_record_once(archive, estate):
    """并入故障工单 (h7, a burst main's night): a repair registered before the fault's order joined
    it, its own order cancelled (or never opened, or started); the request's record said nothing of
    the join, who made it or which order it joined, where a hand-over (转交) is kept (found by review
    r5): kept on the request's record, under its household, once however often delivered."""
    joined = event("customer_service", "service_request_joined", estate["id"], {
        "id": "sr_7", "number": "CS-2026-0007", "household_id": "hh_1", "work_order_id": "wo_main",
        "own_work_order_id": "wo_own", "joined_at": "2026-11-21T15:10:00.000Z"}, actor="desk_wang")
    archive.record_service_request_join(joined)
    archive.record_service_request_join(joined)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "sr_7"}})["items"]
    assert (record["subject_type"], record["event_type"], record["household_id"], record["data"]["work_order_id"],
            record["data"]["own_work_order_id"]) == (
        "service_request", "service_request_joined", "hh_1", "wo_main", "wo_own")


def test_a_notice_to_several_buildings_and_its_revisions_are_kept_beside_it_once(archive, estate):
    """停水通知 (h7, a burst main's night): one notice to buildings 3 to 5 naming its fault's order,
    revised as the restoration time moved; archive keeps the publication and each revision (once,
    however often delivered), the revision in the change log too (who, what, when)."""
    published = event("customer_service", "notice_published", estate["id"], {
        "id": "ntc_2", "title": "停水通知", "body": "3-5栋停水抢修", "building": "3", "buildings": ["3", "4", "5"],
        "published_at": "2026-11-21T15:00:00.000Z", "expected_restoration_at": "2026-11-21T18:00:00.000Z",
        "work_order_id": "wo_main", "incident_id": "inc_1"})
    archive.record_notice(published)
    revised = event("customer_service", "notice_revised", estate["id"], {
        "id": "ntc_2", "title": "停水通知", "building": "3", "buildings": ["3", "4", "5"], "body": "3-5栋停水抢修",
        "until": None, "expected_restoration_at": "2026-11-21T22:00:00.000Z", "changed": ["expected_restoration_at"],
        "reason": "管道更换需更长时间", "revision": 1, "revised_at": "2026-11-21T17:30:00.000Z"})
    archive.record_notice_revision(revised)
    archive.record_notice_revision(revised)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "ntc_2"}})["items"]
    assert sorted((r["subject_type"], r["event_type"]) for r in records) == [
        ("notice", "notice_published"), ("notice", "notice_revised")]
    kept = {r["event_type"]: r["data"] for r in records}
    assert kept["notice_published"]["buildings"] == ["3", "4", "5"] and kept["notice_published"]["incident_id"] == "inc_1"
    assert kept["notice_revised"]["expected_restoration_at"] == "2026-11-21T22:00:00.000Z"
    changes = list(archive.db.change_log.find({"estate_id": estate["id"], "subject_id": "ntc_2"}))
    assert sorted(c["action"] for c in changes) == ["notice_created", "notice_revised"]


def test_a_planned_cut_moved_then_called_off_is_kept_with_its_notice(archive, estate):
    """计划停水停电 (h3): a cut put off and then called off is announced by the notice's revisions
    (``outage_change``): archive keeps each, the cut as it then stood, beside the publication."""
    outage = {"utility": "water", "starts_at": "2026-12-01T00:00:00.000Z", "ends_at": "2026-12-01T10:00:00.000Z",
              "lead_hours": 24, "notice_on_time": True}
    archive.record_notice(event("customer_service", "notice_published", estate["id"], {
        "id": "ntc_cut", "title": "计划停水通知", "body": "3号楼周二停水", "building": "3", "buildings": ["3"],
        "published_at": "2026-11-30T00:00:00.000Z", "expected_restoration_at": outage["ends_at"],
        "work_order_id": None, "incident_id": None, "outage": outage}))
    moved = {**outage, "starts_at": "2026-12-03T00:00:00.000Z", "ends_at": "2026-12-03T10:00:00.000Z",
             "published_window": {"starts_at": outage["starts_at"], "ends_at": outage["ends_at"]}}
    common = {"id": "ntc_cut", "title": "计划停水通知", "building": "3", "buildings": ["3"], "body": "3号楼周四停水"}
    archive.record_notice_revision(event("customer_service", "notice_revised", estate["id"], {
        **common, "until": "2026-12-03", "expected_restoration_at": moved["ends_at"], "outage": moved,
        "changed": ["expected_restoration_at", "outage", "until"], "outage_change": "moved", "reason": "改期",
        "revision": 1, "revised_at": "2026-11-30T02:00:00.000Z"}))
    archive.record_notice_revision(event("customer_service", "notice_revised", estate["id"], {
        **common, "until": "2026-12-03", "expected_restoration_at": moved["ends_at"],
        "outage": {**moved, "cancelled": {"at": "2026-11-30T03:00:00.000Z", "by": "zhang", "reason": "取消"}},
        "changed": ["outage"], "outage_change": "cancelled", "reason": "取消", "revision": 2,
        "revised_at": "2026-11-30T03:00:00.000Z"}))
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "ntc_cut"}})["items"]
    kept = sorted((r["data"].get("revision", 0), r["data"].get("outage_change")) for r in records)
    assert kept == [(0, None), (1, "moved"), (2, "cancelled")]


def test_a_billing_run_s_end_is_kept_once(archive, estate):
    """A billing run's end (finance.billing_run_finished, an integrator's follow-ups): its period and
    counts, who started it, kept for the keepers (subject ``billing_run``, the run's id)."""
    ended = event("finance", "billing_run_finished", estate["id"], {
        "id": "job_finance_1", "period": "2026-11", "households": 3, "bills_created": 3, "already_billed": 0,
        "billed_cents": 61070, "bills_settled_from_prepaid": 0, "over_limit": 0, "standards": ["fs_1"],
        "started_by": "acc", "finished_at": "2026-11-23T08:30:00.000Z"})
    archive.record_billing_run_end(ended)
    archive.record_billing_run_end(ended)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "job_finance_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["data"]["bills_created"]) == (
        "billing_run", "billing_run_finished", 3)


def test_an_orders_quote_consent_hold_resumption_and_help_are_kept_on_its_record(archive, estate):
    """maintenance announces every status an order moves to now (quoted, consented, on hold, resumed,
    needs help): the order's record kept none of them, and said nothing of a job that waited a week
    for parts. Each is kept on the order's record, once however often it is delivered."""
    order = {"id": "wo_7", "number": "WO-2026-000007", "source": {"type": "service_request", "id": "sr_7"},
             "request_id": "sr_7", "household_id": "hh_7"}
    steps = [
        ("record_work_order_quote", "work_order_quoted", {"status": "quoted", "quote_version": 1, "amount_cents": 900}),
        ("record_work_order_consent", "work_order_consented",
         {"status": "consented", "quote_version": 1, "amount_cents": 900}),
        ("record_work_order_hold", "work_order_held",
         {"status": "on_hold", "waiting_for": "parts", "expected_on": "2026-11-25"}),
        ("record_work_order_resumption", "work_order_resumed", {"status": "consented"}),
        ("record_work_order_help_request", "work_order_help_requested", {"status": "needs_help"}),
    ]
    for method, event_type, data in steps:
        each = event("maintenance", event_type, estate["id"], {**order, "at": "2026-11-20T08:05:00.000Z", **data})
        getattr(archive, method)(each)
        getattr(archive, method)(each)  # redelivered
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "wo_7"}})["items"]
    assert sorted(r["event_type"] for r in records) == sorted(event_type for _, event_type, _ in steps)
    assert {r["subject_type"] for r in records} == {"work_order"}
    [held] = [r for r in records if r["event_type"] == "work_order_held"]
    assert held["data"]["expected_on"] == "2026-11-25" and held["household_id"] == "hh_7"


def test_a_patrol_suspension_and_its_withdrawal_are_kept_for_good_naming_the_window(archive, estate):
    """停巡 (review r5): a missed-round notice raised for a slot a later suspension covers stays on
    record; the suspension's record, naming its window, explains it, and its withdrawal is kept
    beside it. The keepers read them; a guard reads none directly (archive_access: deny by default)."""
    window = {"id": "psusp_1", "from": "2026-11-21T12:00:00.000Z", "to": "2026-11-21T22:00:00.000Z", "hours": 10,
              "reason": "台风登陆", "created_by": "wu", "created_at": "2026-11-22T01:00:00.000Z"}
    archive.record_missed_patrol_round(event("security_patrol", "patrol_round_missed", estate["id"], {
        "id": "pmr_9", "plan_id": "pplan_1", "route_id": "proute_1", "route_name": "Night loop",
        "shift": "night", "scheduled_start": "2026-11-21T14:00:00.000Z", "over_at": "2026-11-21T15:10:00.000Z",
        "checkpoints": 3, "round_id": None, "why": "not_walked", "raised_at": "2026-11-21T15:12:00.000Z"}))
    suspended = event("security_patrol", "patrol_suspended", estate["id"], window, actor="wu")
    archive.record_patrol_suspension(suspended)
    archive.record_patrol_suspension(suspended)  # delivered twice: one record
    archive.record_patrol_suspension_withdrawal(event("security_patrol", "patrol_suspension_withdrawn", estate["id"], {
        **window, "withdrawn_at": "2026-11-23T01:00:00.000Z", "withdrawn_by": "wu", "withdrawal_reason": "时间填错"}))
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "psusp_1"}})["items"]
    assert sorted(r["event_type"] for r in records) == ["patrol_suspended", "patrol_suspension_withdrawn"]
    assert {r["subject_type"] for r in records} == {"patrol_suspension"}
    assert all((r["data"]["from"], r["data"]["to"]) == (window["from"], window["to"]) for r in records)
    assert len(archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "patrol_round"}})["items"]) == 1
    as_caller(archive, staff("zhao", ["security"], [estate["id"]]))
    try:
        seen = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "psusp_1"}})["items"]
    except Forbidden:
        seen = []
    assert seen == []


def test_an_emergency_alert_its_level_changes_and_its_stand_down_are_kept_under_the_estate(archive, estate):
    """预警响应 (h9): when the estate's typhoon plan stood, at which levels, who raised and stood it down."""
    alert = {"id": "ealert_1", "kind": "typhoon", "level": "yellow", "issued_at": "2026-09-01T10:00:00.000Z",
             "note": "台风黄色预警", "status": "open", "raised_by": "wu", "raised_at": "2026-09-01T10:02:00.000Z",
             "stood_down_at": None, "stood_down_by": None, "stand_down_note": None}
    raised = event("security_patrol", "emergency_alert_raised", estate["id"], alert, actor="wu")
    archive.record_emergency_alert(raised)
    archive.record_emergency_alert(raised)  # redelivered: one record
    levels = [{"level": "yellow", "at": "2026-09-01T10:00:00.000Z"}, {"level": "red", "at": "2026-09-01T14:00:00.000Z"}]
    changed = event("security_patrol", "emergency_alert_level_changed", estate["id"], {
        **alert, "level": "red", "levels": levels, "change": {
            "from": "yellow", "level": "red", "change": "raised", "at": "2026-09-01T14:00:00.000Z", "by": "wu",
            "note": "升级为红色预警"}}, actor="wu")
    archive.record_emergency_alert_level_change(changed)  # yellow → red (h2: announced by no event)
    archive.record_emergency_alert_level_change(changed)  # redelivered: one record
    archive.record_emergency_alert_stand_down(event("security_patrol", "emergency_alert_stood_down", estate["id"], {
        **alert, "level": "red", "status": "stood_down", "stood_down_at": "2026-09-02T02:00:00.000Z",
        "stood_down_by": "wu", "stand_down_note": "预警解除", "levels": levels}, actor="wu"))
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "emergency_alert"}})["items"]
    assert sorted(r["event_type"] for r in records) == ["emergency_alert_level_changed", "emergency_alert_raised",
                                                         "emergency_alert_stood_down"]
    assert {(r["subject_id"], r["estate_id"]) for r in records} == {("ealert_1", estate["id"])}
    # the change's own note kept with it (h6: the event told the raising's note alone)
    [change] = [r for r in records if r["event_type"] == "emergency_alert_level_changed"]
    assert change["data"]["change"]["note"] == "升级为红色预警"


def test_a_goods_release_pass_used_at_the_gate_is_kept_once_under_its_household(archive, estate):
    """物品放行条 (h8): the goods that left a flat on a pass, when, at which gate, are the archive's
    (who let a tenant's van out is asked months later); kept under the household, no names in it."""
    used = event("customer_service", "goods_release_pass_used", estate["id"], {
        "id": "gp_1", "number": "GP-2026-000001", "household_id": "hh_1", "application_id": None,
        "carrier_relation": "tenant", "items": [{"name": "sofa", "qty": 1}], "vehicle": True,
        "valid_on": "2026-11-28", "used_at": "2026-11-28T01:00:00.000Z", "gate": "north"}, actor="guard_zhao")
    archive.record_goods_release_pass(used)
    archive.record_goods_release_pass(used)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "gp_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["household_id"], record["data"]["gate"]) == (
        "goods_release_pass", "goods_release_pass_used", "hh_1", "north")


def test_a_damage_claim_and_its_close_are_kept_once_under_the_estate(archive, estate):
    """损失登记、理赔 (h4): a leak's claim, the households' losses and who paid whom, are the archive's
    (asked again when the next leak comes from the same flat); no descriptions in it."""
    claim = {"id": "dc_1", "number": "DC-2026-000001", "source": {"type": "work_order", "id": "wo_1"},
             "occurred_at": "2026-12-06T18:00:00.000Z", "status": "registered",
             "households": [{"household_id": "hh_1", "claimed_cents": 320000,
                             "losses": [{"item": "ceiling", "amount_cents": 320000}]}],
             "claimed_cents": 320000, "responsibility": {"party": "owner", "household_id": "hh_2"},
             "insurer": None, "policy_number": None, "assessed_cents": None, "paid_cents": 0, "payments": [],
             "closed_at": None}
    registered = event("customer_service", "damage_claim_registered", estate["id"], claim, actor="zhang")
    archive.record_damage_claim(registered)
    archive.record_damage_claim(registered)  # redelivered: one record
    archive.record_damage_claim_closed(event("customer_service", "damage_claim_closed", estate["id"], {
        **claim, "status": "paid", "paid_cents": 300000, "closed_at": "2026-12-20T02:00:00.000Z",
        "payments": [{"payer": "owner", "household_id": "hh_1", "amount_cents": 300000,
                      "paid_at": "2026-12-20T02:00:00.000Z"}]}, actor="li"))
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "damage_claim"}})["items"]
    assert sorted(r["event_type"] for r in records) == ["damage_claim_closed", "damage_claim_registered"]
    assert {r["subject_id"] for r in records} == {"dc_1"}
    # an owner's record shows his claims: the flats that lost (hh_1) and the one responsible (hh_2), where
    # they were kept under the estate alone and a flat's records showed none (h5)
    for flat in ("hh_1", "hh_2"):
        mine = archive.list_records({"estate_id": estate["id"], "filters": {"household_id": flat}})["items"]
        assert sorted(r["event_type"] for r in mine) == ["damage_claim_closed", "damage_claim_registered"]
    assert archive.list_records({"estate_id": estate["id"], "filters": {"household_id": "hh_9"}})["items"] == []
    assert archive.verify_archive({"estate_id": estate["id"]})["first_mismatch"] is None


def test_the_households_of_an_estate_are_counted_all_of_them(archive, estate):
    """The handover package's owners' records (业主档案): counted here, where the gateway paging the list
    read 5,000 of an estate of 10,000 (found by r5)."""
    for room in ("101", "102", "103"):
        archive.create_household({"estate_id": estate["id"], "data": dict(HOUSEHOLD, room=room)})
    assert archive.count_households({"estate_id": estate["id"]}) == {"estate_id": estate["id"], "count": 3}
    as_caller(archive, staff("other", ["manager"], ["est_other"]))
    with pytest.raises(Forbidden):
        archive.count_households({"estate_id": estate["id"]})


def test_a_correction_of_a_damage_claim_s_record_is_on_each_flat_s_record_too(archive, estate):
    """A claim's record is on each flat it names (h5); its correction (a new record of the same subject)
    was on none, so a flat's records showed the claim as first kept and not as corrected (found by r5
    reviewing h5). The correction names the households its record does; the chain still verifies."""
    claim = {"id": "dc_1", "number": "DC-2026-000001", "source": {"type": "work_order", "id": "wo_1"},
             "occurred_at": "2026-12-06T18:00:00.000Z", "status": "registered",
             "households": [{"household_id": "hh_1", "claimed_cents": 320000,
                             "losses": [{"item": "ceiling", "amount_cents": 320000}]}],
             "claimed_cents": 320000, "responsibility": {"party": "owner", "household_id": "hh_2"},
             "insurer": None, "policy_number": None, "assessed_cents": None, "paid_cents": 0, "payments": [],
             "closed_at": None}
    archive.record_damage_claim(event("customer_service", "damage_claim_registered", estate["id"], claim,
                                      actor="zhang"))
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "damage_claim"}})["items"]
    as_role(archive, "li", "archivist", estate)
    archive.correct_record({"estate_id": estate["id"], "id": record["id"],
                            "data": {"reason": "the claim typed short", "data": {"claimed_cents": 330000}}})
    for flat in ("hh_1", "hh_2"):
        mine = archive.list_records({"estate_id": estate["id"], "filters": {"household_id": flat}})["items"]
        assert len(mine) == 2 and any(r.get("corrects") == record["id"] for r in mine), flat
    assert archive.verify_archive({"estate_id": estate["id"]})["first_mismatch"] is None


def test_a_contractor_s_finding_put_right_and_its_signed_month_are_kept_once(archive, estate):
    """环境卫生 / 绿化养护品质检查 (h6): a fault put right (late or not) and the month the manager signed,
    with the deduction from the contractor's fee, are the archive's (the contractor disputes the
    deduction a quarter later); each kept once, redelivered or not."""
    put_right = event("customer_service", "upkeep_finding_put_right", estate["id"], {
        "id": "uf_1", "contractor_id": "ctr_1", "service_line": "cleaning", "area": "3号楼 楼道",
        "description": "楼道未拖", "found_at": "2026-11-02T01:00:00.000Z", "due_at": "2026-11-03T01:00:00.000Z",
        "put_right_at": "2026-11-04T01:00:00.000Z", "late": True, "period": "2026-11"}, actor="steward_li")
    signed = event("customer_service", "contractor_month_signed", estate["id"], {
        "id": "cm_ctr_1_2026-11", "contractor_id": "ctr_1", "service_line": "cleaning", "period": "2026-11",
        "score": 84, "counts": {"found": 4, "put_right_on_time": 1, "put_right_late": 1, "not_put_right": 2,
                                "pending": 0},
        "monthly_fee_cents": 3000005, "deduction_cents": 180000, "payable_cents": 2820005,
        "signed_at": "2026-12-01T02:00:00.000Z"}, actor="manager_wang")
    for _ in range(2):  # redelivered
        archive.record_upkeep_finding(put_right)
        archive.record_contractor_month(signed)
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "uf_1"}})["items"]
    assert (record["subject_type"], record["data"]["late"]) == ("upkeep_finding", True)
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "cm_ctr_1_2026-11"}})["items"]
    assert (record["subject_type"], record["data"]["deduction_cents"]) == ("contractor_month", 180000)


def test_a_spare_part_s_edit_is_filed_on_the_part_s_archive_once(archive, estate):
    """maintenance's part_updated (h2: a part's edit was announced to no one) is kept on the part's archive,
    subject spare_part, as its movements are; a redelivery files nothing more."""
    published = event("maintenance", "part_updated", estate["id"], {
        "id": "part_1", "code": "TAP-15", "name": "水龙头 DN15", "unit": "piece", "minimum": 8, "below_minimum": True,
        "changes": {"name": {"from": "tap", "to": "水龙头 DN15"}, "minimum": {"from": 0, "to": 8}},
        "updated_at": "2026-11-23T09:00:00.000Z"})
    archive.record_part_update(published)
    archive.record_part_update(published)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "part_1"}})["items"]
    assert (record["subject_type"], record["event_type"]) == ("spare_part", "part_updated")
    assert record["data"]["changes"]["minimum"] == {"from": 0, "to": 8}


def test_the_security_team_s_roll_calls_spot_checks_discipline_trainings_and_assessments_are_kept(archive, estate):
    """The security team's month on duty (h7): each record kept once under the estate's subject
    ``security_team``, read by the archive's keepers (a guard, directly, not)."""
    called = event("security_patrol", "roll_call_recorded", estate["id"], {
        "id": "rollcall_1", "date": "2026-11-23", "shift": "day",
        "counts": {"rostered": 2, "present": 1, "late": 0, "absent": 1, "covered": 1},
        "entries": [{"guard": "zhang", "post": "gate", "status": "present", "late_minutes": None, "covered_by": None},
                    {"guard": "wang", "post": "patrol", "status": "absent", "late_minutes": None, "covered_by": "chen"}]},
        actor="lead")
    archive.record_roll_call(called)
    archive.record_roll_call(called)  # redelivered: one record
    archive.record_post_spot_check(event("security_patrol", "post_spot_checked", estate["id"], {
        "id": "spot_1", "date": "2026-11-23", "shift": "day", "post": "gate", "manned": False, "guard": None,
        "rostered_guards": ["zhang"], "checked_at": "2026-11-23T03:00:00.000Z"}))
    archive.record_discipline_record(event("security_patrol", "discipline_recorded", estate["id"], {
        "id": "disc_1", "guard": "zhang", "kind": "left_post", "occurred_at": "2026-11-23T03:00:00.000Z",
        "spot_check_id": "spot_1"}))
    archive.record_training(event("security_patrol", "training_recorded", estate["id"], {
        "id": "train_1", "topic": "消防器材使用", "kind": "regular", "held_at": "2026-11-20T02:00:00.000Z",
        "attendees": ["zhang", "wang"]}))
    archive.record_guard_assessment(event("security_patrol", "guard_assessed", estate["id"], {
        "id": "assess_1", "guard": "zhang", "period": "2026-11", "score": 82.5}))
    records = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "security_team"}})["items"]
    assert sorted(r["event_type"] for r in records) == [
        "discipline_recorded", "guard_assessed", "post_spot_checked", "roll_call_recorded", "training_recorded"]
    as_caller(archive, staff("zhao", ["security"], [estate["id"]]))
    try:
        seen = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "security_team"}})["items"]
    except Forbidden:
        seen = []
    assert seen == []


def test_a_roll_call_announced_again_is_kept_with_what_changed_it(archive, estate):
    """A roll call corrected is announced again with its correction (whose entry, before, after, why, by
    whom: session 61's leftovers): the archive keeps the event as sent, the correction in it, beside the
    first call's record."""
    entries = [{"guard": "wang", "post": "patrol", "status": "present", "late_minutes": None, "covered_by": None}]
    base = {"id": "rollcall_1", "date": "2026-11-23", "shift": "day",
            "counts": {"rostered": 1, "present": 1, "late": 0, "absent": 0, "covered": 0}, "entries": entries}
    correction = {"guard": "wang", "before": {"status": "absent", "late_minutes": None, "covered_by": "chen"},
                  "after": {"status": "present", "late_minutes": None, "covered_by": None}, "reason": "误记缺勤",
                  "by": "lead", "at": "2026-11-23T04:00:00.000Z"}
    archive.record_roll_call(event("security_patrol", "roll_call_recorded", estate["id"],
                                   base | {"correction": correction}, actor="lead"))
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_type": "security_team"}})["items"]
    assert record["data"]["correction"] == correction


def test_a_paid_service_order_s_assignment_is_kept_once_beside_it(archive, estate):
    """Who was sent to do an order (h5: ``service_order_assigned``), kept beside the order under its
    household, redelivered once."""
    assigned = event("customer_service", "service_order_assigned", estate["id"], {
        "id": "so_1", "number": "SO-2026-000001", "household_id": "hh_1", "service_id": "ps_1",
        "service_name": "Deep clean", "scheduled_at": "2026-12-15T01:00:00.000Z",
        "provider": {"kind": "contractor", "id": "ctr_1", "name": "Bright Clean Co"},
        "previous_provider": {"kind": "staff", "username": "li.tech"},
        "assigned_at": "2026-12-08T01:00:00.000Z"}, actor="desk_li")
    archive.record_service_order_assignment(assigned)
    archive.record_service_order_assignment(assigned)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "so_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["household_id"], record["data"]["provider"]["id"]) == (
        "service_order", "service_order_assigned", "hh_1", "ctr_1")


def test_a_paid_service_order_closed_is_kept_once_under_its_household(archive, estate):
    """有偿增值服务 (h8): an order done or cancelled, and what it charged, is the archive's; kept
    under the household, redelivered once, no names (the provider's kind only)."""
    closed = event("customer_service", "service_order_closed", estate["id"], {
        "id": "so_1", "number": "SO-2026-000001", "household_id": "hh_1", "service_id": "ps_1", "how": "done",
        "scheduled_at": "2026-12-15T01:00:00.000Z", "unit": "hour", "unit_price_cents": 6000, "quantity": 3,
        "charged_cents": 21000, "provider_kind": "staff", "closed_at": "2026-12-15T05:00:00.000Z"}, actor="desk_li")
    archive.record_service_order(closed)
    archive.record_service_order(closed)  # redelivered
    [record] = archive.list_records({"estate_id": estate["id"], "filters": {"subject_id": "so_1"}})["items"]
    assert (record["subject_type"], record["event_type"], record["household_id"], record["data"]["charged_cents"]) == (
        "service_order", "service_order_closed", "hh_1", 21000)


def test_money_collected_for_others_and_handed_on_is_kept_once(archive, estate):
    """finance's 代收代缴 (h6): an owner's money for a payee kept under the household, its remittance kept too,
    once however often delivered."""
    estate_id = estate["id"]
    collected = event("finance", "pass_through_collected", estate_id, {
        "id": "ptc_1", "payee_id": "ptp_1", "household_id": "hh_1", "amount_cents": 12850, "fee_cents": 200,
        "method": "cash", "reference": "RQ2026110345", "receipt_number": "RC-2026-000042", "day": "2026-11-21",
        "at": "2026-11-21T02:00:00.000Z"})
    remitted = event("finance", "pass_through_remitted", estate_id, {
        "id": "ptm_1", "payee_id": "ptp_1", "period": "2026-11", "amount_cents": 12850, "collections": 1,
        "method": "transfer", "day": "2026-12-02", "at": "2026-12-02T02:00:00.000Z"})
    for delivered in (collected, collected):
        archive.record_pass_through_collected(delivered)
    for delivered in (remitted, remitted):
        archive.record_pass_through_remitted(delivered)
    records = archive.list_records({"estate_id": estate_id, "filters": {"subject_type": "pass_through_collection"}})
    assert [(r["household_id"], r["subject_id"]) for r in records["items"]] == [("hh_1", "ptc_1")]
    records = archive.list_records({"estate_id": estate_id, "filters": {"subject_type": "pass_through_remittance"}})
    assert [r["subject_id"] for r in records["items"]] == ["ptm_1"]


def test_a_collection_for_others_reversed_is_kept_beside_it_once(archive, estate):
    """finance's reversal of a collection typed wrong (h4): kept under the household beside the collection."""
    estate_id = estate["id"]
    reversed_ = event("finance", "pass_through_collection_reversed", estate_id, {
        "id": "ptc_1", "reversal_id": "ptr_1", "payee_id": "ptp_1", "household_id": "hh_1", "amount_cents": 12850,
        "fee_cents": 200, "method": "cash", "receipt_number": "RC-2026-000042", "reason": "收错了户",
        "day": "2026-11-22", "at": "2026-11-22T02:00:00.000Z"})
    for delivered in (reversed_, reversed_):
        archive.record_pass_through_collection_reversed(delivered)
    records = archive.list_records({"estate_id": estate_id, "filters": {"subject_id": "ptc_1"}})
    assert [(r["subject_type"], r["event_type"], r["household_id"]) for r in records["items"]] == [
        ("pass_through_collection", "pass_through_collection_reversed", "hh_1")]
