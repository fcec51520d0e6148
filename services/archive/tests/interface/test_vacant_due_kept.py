"""The vacant units due an inspection read from each household's kept day (``_inspect_from``, a range)
answer as the old computation (every vacant unit read and decided: ``operations._due_counted``, the
list's fallback before the sweep) on random estates: timezones from UTC-12 to UTC+14, registrations
near local and UTC midnights at month ends, moves in and out, inspections of this vacancy and of
earlier ones, an interval of 1 to 90 days, the estate's timezone changed after the days were kept,
and every page of the list."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from archive import operations, store
from archive.service import ArchiveService
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput
from estate_common.testing import as_caller, staff, worker

ZONES = ["Etc/GMT+12", "Pacific/Kiritimati", "Asia/Shanghai", "America/New_York", "UTC", "Pacific/Chatham",
         "Asia/Kolkata"]


def _at(moment):
    clock.freeze(moment)


def _whole(archive, estate_id, kept):
    """Every page of the due list, read from the kept days (``kept``) or counted as before."""
    original = store.inspect_from_kept
    operations.store.inspect_from_kept = (lambda db, estate_id: original(db, estate_id)) if kept else (
        lambda db, estate_id: False)
    try:
        pages, cursor = [], None
        while True:
            page = archive.vacant_inspections_due({"estate_id": estate_id, "limit": 7,
                                                   **({"cursor": cursor} if cursor else {})})
            pages.append(page)
            cursor = page["next_cursor"]
            if cursor is None:
                return pages
    finally:
        operations.store.inspect_from_kept = original


def _seed(archive, rng, zone):
    start = datetime(2026, 1, 31, 15, 30, tzinfo=timezone.utc)  # a UTC month end, some zones' next day
    _at(start)
    estate = archive.create_estate({"data": {"code": f"R-{rng.randrange(10**6)}", "name": "Random", "address": "1 Rd",
                                             "timezone": zone}})
    as_caller(archive, staff("zhou", ["steward"], [estate["id"]]))
    rooms = []
    for number in range(24):
        # registered at a month's end near midnight, somewhere in UTC-12 to UTC+14
        moment = start + timedelta(days=rng.choice([0, 28, 59, 89]), hours=rng.randrange(-14, 14),
                                   minutes=rng.choice([0, 29, 59]))
        _at(max(moment, start))
        rooms.append(archive.create_household({"estate_id": estate["id"], "data": {
            "building": "1", "unit": "1", "room": str(101 + number), "area_m2": 80,
            "owner": {"name": "业主", "phone": "13900000000"}}}))
    now = datetime(2026, 5, 1, tzinfo=timezone.utc)
    for day in range(120):  # a day's moves and inspections, walked in order
        moment = now + timedelta(days=day, hours=rng.randrange(24))
        _at(moment)
        for household in rng.sample(rooms, 3):
            local = (moment + timedelta(hours=rng.randrange(-12, 14))).date()
            try:
                as_caller(archive, staff("zhou", ["steward"], [estate["id"]]), idempotency_key=f"k{rng.random()}")
                if rng.random() < 0.5:
                    archive.record_vacant_inspection({"estate_id": estate["id"], "id": household["id"], "data": {
                        "inspected_on": (local - timedelta(days=rng.randrange(3))).isoformat(), "problems": []}})
                else:
                    archive.change_household_status({"estate_id": estate["id"], "id": household["id"], "data": {
                        "step": rng.choice(["move_in", "move_out"]), "date": local.isoformat()}})
            except (BusinessRuleViolation, Conflict, InvalidInput):
                pass  # occupied already, a day after today: as a steward would be refused
    return estate, now + timedelta(days=120)


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_days_answer_as_every_vacant_unit_counted(seed, monkeypatch):
    rng = random.Random(seed)
    archive = worker(ArchiveService)
    zone = ZONES[seed % len(ZONES)]
    estate, end = _seed(archive, rng, zone)
    rules = store.rules_for
    compared = 0
    for change_zone in (False, True):
        if change_zone:  # the days were kept in the zone before: the range reads two days wider
            archive.update_estate({"estate_id": estate["id"], "data": {"timezone": rng.choice(ZONES)}})
        for _ in range(8):
            interval = rng.choice([1, 2, 3, 7, 28, 30, 31, 90])
            monkeypatch.setattr(operations.store, "rules_for", lambda db, estate_id, as_of=None, _i=interval: {
                **rules(db, estate_id, as_of), "vacant_inspection_interval_days": _i})
            _at(end + timedelta(days=rng.randrange(-40, 60), hours=rng.randrange(24), minutes=rng.choice([0, 59])))
            kept, counted = _whole(archive, estate["id"], True), _whole(archive, estate["id"], False)
            assert kept == counted
            compared += kept[0]["total"]
    assert store.inspect_from_kept(archive.db, estate["id"])
    assert compared > 0  # units were due in some of the asks


def test_a_unit_kept_in_the_estates_former_timezone_is_due_in_its_new_one():
    """Registered at 15:30 UTC on 31 January in UTC+14 (1 February there, its kept day), the estate
    then moved to UTC-12 (31 January there): due on 2 March, 30 days on, and listed that day, though
    its kept day is a day after the cutoff (the range reads ``ZONES_APART_DAYS`` wider)."""
    archive = worker(ArchiveService)
    _at(datetime(2026, 1, 31, 15, 30, tzinfo=timezone.utc))
    estate = archive.create_estate({"data": {"code": "TZ-1", "name": "Zones", "address": "1 Rd",
                                             "timezone": "Pacific/Kiritimati"}})
    unit = archive.create_household({"estate_id": estate["id"], "data": {
        "building": "1", "unit": "1", "room": "101", "area_m2": 80, "owner": {"name": "业主", "phone": "13900000000"}}})
    assert archive.db.households.find_one({"_id": unit["id"]})["_inspect_from"] == "2026-02-01"
    archive.update_estate({"estate_id": estate["id"], "data": {"timezone": "Etc/GMT+12"}})
    _at(datetime(2026, 3, 2, 13, 0, tzinfo=timezone.utc))  # 2 March, 01:00 in UTC-12
    [page] = _whole(archive, estate["id"], True)
    assert [(i["vacant_since"], i["due_on"], i["days_overdue"]) for i in page["items"]] == [
        ("2026-01-31", "2026-03-02", 0)]
    assert [page] == _whole(archive, estate["id"], False)


def test_a_unit_an_older_replica_made_vacant_is_due_and_given_its_day_by_the_sweep(monkeypatch):
    """While a deploy rolls, a replica of the version before moves a tenant out of a unit whose kept
    day says it is not vacant (``NOT_VACANT``): it writes the status and its history, not
    ``_inspect_from``. The unit is due 30 days on, and listed, as every vacant unit counted lists it
    (the range of kept days alone left it out for good); the sweep gives it its day, once."""
    archive = worker(ArchiveService)
    _at(datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc))
    estate = archive.create_estate({"data": {"code": "OLD-1", "name": "Rolling", "address": "1 Rd",
                                             "timezone": "Asia/Shanghai"}})
    as_caller(archive, staff("zhou", ["steward"], [estate["id"]]))
    unit = archive.create_household({"estate_id": estate["id"], "data": {
        "building": "1", "unit": "1", "room": "101", "area_m2": 80, "owner": {"name": "业主", "phone": "13900000000"}}})
    archive.change_household_status({"estate_id": estate["id"], "id": unit["id"], "data": {
        "step": "move_in", "date": "2026-01-05"}})
    assert archive.db.households.find_one({"_id": unit["id"]})["_inspect_from"] == "~"
    with monkeypatch.context() as older:  # the version before keeps no day at a write
        older.setattr(operations, "INSPECT_FROM_READS", set())
        _at(datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc))
        archive.change_household_status({"estate_id": estate["id"], "id": unit["id"], "data": {
            "step": "move_out", "date": "2026-02-01"}})
    stored = archive.db.households.find_one({"_id": unit["id"]})
    assert (stored["status"], stored["_inspect_from"]) == ("vacant", "~")
    _at(datetime(2026, 3, 5, 2, 0, tzinfo=timezone.utc))
    [page] = _whole(archive, estate["id"], True)
    assert [(i["household_id"], i["vacant_since"], i["due_on"]) for i in page["items"]] == [
        (unit["id"], "2026-02-01", "2026-03-03")]
    assert [page] == _whole(archive, estate["id"], False)
    assert operations.keep_inspect_from(archive.db) == 1 and operations.keep_inspect_from(archive.db) == 0
    assert archive.db.households.find_one({"_id": unit["id"]})["_inspect_from"] == "2026-02-01"
    assert [page] == _whole(archive, estate["id"], True)


@pytest.mark.parametrize("seed", range(4))
def test_the_kept_days_answer_as_every_vacant_unit_counted_while_a_deploy_rolls(seed, monkeypatch):
    """Random moves in and out (backdated up to three days), edits of the status and inspections,
    two in five of them by a replica of the version before (no day kept at a write, none raised by
    an inspection), in zones from UTC-12 to UTC+14: at every tenth day, intervals of 1, 7 and 30
    days, the kept days answer as every vacant unit counted; and after the sweep too."""
    rng = random.Random(seed)
    archive = worker(ArchiveService)
    _at(datetime(2026, 1, 31, 15, 30, tzinfo=timezone.utc))
    estate = archive.create_estate({"data": {"code": f"RD-{seed}", "name": "Rolling", "address": "1 Rd",
                                             "timezone": ZONES[seed % len(ZONES)]}})
    staffed = staff("zhou", ["steward", "manager"], [estate["id"]])
    as_caller(archive, staffed)
    rooms = [archive.create_household({"estate_id": estate["id"], "data": {
        "building": "1", "unit": "1", "room": str(101 + number), "area_m2": 80,
        "owner": {"name": "业主", "phone": "13900000000"}}}) for number in range(16)]
    rules = store.rules_for
    for day in range(120):
        moment = datetime(2026, 2, 10, tzinfo=timezone.utc) + timedelta(days=day, hours=rng.randrange(24))
        _at(moment)
        for household in rng.sample(rooms, 3):
            local = (moment + timedelta(hours=rng.randrange(-12, 14))).date()
            with monkeypatch.context() as older:
                if rng.random() < 0.4:  # the version before: keeps no day, raises none
                    older.setattr(operations, "INSPECT_FROM_READS", set())
                    older.setattr(operations.store, "raise_inspect_from", lambda *args: None)
                as_caller(archive, staffed, idempotency_key=f"k{rng.random()}")
                ref, kind = {"estate_id": estate["id"], "id": household["id"]}, rng.random()
                try:
                    if kind < 0.4:
                        archive.record_vacant_inspection({**ref, "data": {
                            "inspected_on": (local - timedelta(days=rng.randrange(3))).isoformat(), "problems": []}})
                    elif kind < 0.85:
                        archive.change_household_status({**ref, "data": {
                            "step": rng.choice(["move_in", "move_out"]),
                            "date": (local - timedelta(days=rng.randrange(4))).isoformat()}})
                    else:
                        archive.update_household({**ref, "data": {"status": rng.choice(["vacant", "occupied"])}})
                except (BusinessRuleViolation, Conflict, InvalidInput):
                    pass  # as a steward would be refused
        if day % 10 == 0:
            for interval in (1, 7, 30):
                with monkeypatch.context() as setting:
                    setting.setattr(operations.store, "rules_for", lambda db, estate_id, as_of=None, _i=interval: {
                        **rules(db, estate_id, as_of), "vacant_inspection_interval_days": _i})
                    assert _whole(archive, estate["id"], True) == _whole(archive, estate["id"], False), (day, interval)
    operations.keep_inspect_from(archive.db)
    assert archive.db.households.count_documents({"estate_id": estate["id"], **store.MISTAKEN_VACANT}) == 0
    assert _whole(archive, estate["id"], True) == _whole(archive, estate["id"], False)


def test_the_sweep_reads_a_batchs_timezone_and_inspections_once_and_keeps_each_units_day(monkeypatch):
    """The sweep (``keep_inspect_from``) gives a batch of households their days from one read of the
    estate's timezone and one of the batch's vacant units' inspections, where it read both for each
    vacant unit (with eleven indexes re-keyed by each write, 130 ms a batch of 500 at 10,000
    households, holding archive's event loop: h7); a batch is ``INSPECT_FROM_BATCH`` (100) at most,
    the service's calls served between two. Each unit's day is the one ``_inspect_from`` gives it
    alone: moves in and out, inspections of this vacancy and of earlier ones."""
    rng = random.Random(11)
    archive = worker(ArchiveService)
    estate, end = _seed(archive, rng, "Asia/Shanghai")
    _at(end)
    households = list(archive.db.households.find({"estate_id": estate["id"]}))
    expected = {h["_id"]: operations._inspect_from(archive.db, h) for h in households}
    assert {day for day in expected.values() if day != "~"} and "~" in expected.values()  # vacant units and others
    archive.db.households.update_many({"estate_id": estate["id"]}, {"$unset": {"_inspect_from": ""}})
    reads = {"estate_timezone": 0, "newest_inspection": 0, "newest_inspections": 0, "batches": []}
    for name in ("estate_timezone", "newest_inspection", "newest_inspections"):
        original = getattr(store, name)
        monkeypatch.setattr(store, name, lambda *args, _o=original, _n=name: (
            reads.__setitem__(_n, reads[_n] + 1), _o(*args))[1])
    left = store.inspect_from_left
    monkeypatch.setattr(store, "inspect_from_left", lambda db, estate_id, batch: (
        reads["batches"].append(batch), left(db, estate_id, batch))[1])
    assert store.INSPECT_FROM_BATCH <= 100
    assert operations.keep_inspect_from(archive.db, batch=10) == len(households)
    batches = len(reads["batches"])  # 24 households: three batches that wrote, one that found none
    assert batches == 4 and reads["estate_timezone"] <= 3 and reads["newest_inspections"] <= 3
    assert reads["newest_inspection"] == 0
    assert {h["_id"]: h["_inspect_from"] for h in archive.db.households.find({"estate_id": estate["id"]})} == expected
