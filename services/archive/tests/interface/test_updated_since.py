"""An integrator's incremental sync of households (``updated_since``): every write that changes
what the API shows of a household moves its ``updated_at`` to the moment of the write (an edit,
its people and status, a desk's application step however late it comes), bookkeeping does not
(the duplicate check's address key, the outbox relay's pull), and the list answers the changes in
``(updated_at, _id)`` order."""
from datetime import datetime, timedelta, timezone

import pytest

from archive.service import ArchiveService
from estate_common import clock
from estate_common.errors import InvalidInput
from estate_common.testing import as_caller, event, staff, worker

from .test_occupants import ESTATE, HOUSEHOLD, ref, step


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))
    yield
    clock.reset()


@pytest.fixture
def archive():
    return worker(ArchiveService)


def stored(archive, household):
    return archive.db.households.find_one({"_id": household["id"]})


def moved(archive, household, write):
    clock.advance(timedelta(seconds=1))
    write()
    return stored(archive, household)["updated_at"] == clock.now_iso()


def still(archive, household, write):
    before = stored(archive, household)["updated_at"]
    clock.advance(timedelta(seconds=1))
    write()
    return stored(archive, household)["updated_at"] == before


def test_every_write_of_a_household_moves_its_updated_at_and_bookkeeping_does_not(archive):
    estate = archive.create_estate({"data": ESTATE})
    household = archive.create_household({"estate_id": estate["id"], "data": HOUSEHOLD})
    assert stored(archive, household)["updated_at"] == clock.now_iso()
    as_caller(archive, staff("zhou", ["steward"], [estate["id"]]))
    assert moved(archive, household, lambda: archive.update_household(ref(household, data={"area_m2": 90})))
    assert moved(archive, household, lambda: archive.add_occupant(
        ref(household, data={"relation": "tenant", "name": "王五", "from": "2026-11-01"})))
    assert moved(archive, household, lambda: archive.apply_household_step(event(  # a renovation is its application's
        "customer_service", "household_step_requested", estate["id"], {"application_id": "app_1", "household_id":
        household["id"], "step": "renovation_start", "at": "2026-11-20T02:00:00.000Z"}, actor="zhang")))
    desk_step = event("customer_service", "household_step_requested", estate["id"], {
        "application_id": "app_1", "household_id": household["id"], "step": "renovation_end", "at": "2026-11-22T02:00:00.000Z"}, actor="zhang")
    late = {**desk_step, "occurred_at": clock.to_iso(clock.now() - timedelta(hours=1))}
    assert moved(archive, household, lambda: archive.apply_household_step(late))
    assert stored(archive, household)["status"] == "occupied"
    assert still(archive, household, lambda: archive.apply_household_step(late))  # redelivered
    archive.db.households.update_one({"_id": household["id"]}, {"$unset": {"_address_key": ""}})  # made before
    assert still(archive, household, archive.keep_address_keys)
    assert stored(archive, household)["_address_key"] and stored(archive, household)["_outbox"] == []


def test_updated_since_lists_the_households_changed_since_a_moment_in_the_order_of_their_changes(archive):
    estate = archive.create_estate({"data": ESTATE})
    made = [archive.create_household({"estate_id": estate["id"], "data": {**HOUSEHOLD, "room": room}})
            for room in ("1201", "1202", "1203")]  # one millisecond
    since = clock.now_iso()
    clock.advance(timedelta(seconds=1))
    as_caller(archive, staff("zhou", ["steward"], [estate["id"]]))
    archive.update_household({"estate_id": estate["id"], "id": made[0]["id"], "data": {"area_m2": 90}})

    def pages(**filters):
        seen, cursor = [], None
        while True:
            page = archive.list_households({"estate_id": estate["id"], "limit": 1, "filters": filters,
                                            **({"cursor": cursor} if cursor else {})})
            seen += [h["id"] for h in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return seen

    assert pages(updated_since=since) == sorted([made[1]["id"], made[2]["id"]]) + [made[0]["id"]]
    assert pages(updated_since=clock.now_iso()) == [made[0]["id"]]
    assert pages(updated_since=since, room="1202") == [made[1]["id"]]
    with pytest.raises(InvalidInput):
        archive.list_households({"estate_id": estate["id"], "filters": {"updated_since": "today"}})
