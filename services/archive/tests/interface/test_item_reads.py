"""An integrator reads back what it created (an integrator's follow-ups): an occupant, an archive
check plan and an archive check are read alone by their ids, as their lists show them; another
estate's id (or household's, for an occupant) or an unknown one is not found."""
import pytest

from archive.service import ArchiveService
from estate_common import clock
from estate_common.errors import NotFound
from estate_common.testing import worker

HOUSEHOLD = {"building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
             "owner": {"name": "李四", "phone": "13912345678"}}


@pytest.fixture
def archive():
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    return worker(ArchiveService)  # the operator admin: of every estate, so a 404 and not a 403


@pytest.fixture
def estates(archive):
    return [archive.create_estate({"data": {"code": code, "name": "Maple Court", "address": "3 Lake Road"}})["id"]
            for code in ("HZ-03", "HZ-04")]


def test_an_occupant_is_read_by_its_household_and_id_as_its_list_shows_it(archive, estates):
    estate, other = estates
    household = archive.create_household({"estate_id": estate, "data": HOUSEHOLD})
    neighbour = archive.create_household({"estate_id": estate, "data": {**HOUSEHOLD, "room": "1202"}})
    added = archive.add_occupant({"estate_id": estate, "id": household["id"],
                                  "data": {"name": "王五", "relation": "tenant"}})
    read = archive.get_occupant({"estate_id": estate, "id": household["id"], "item": added["id"]})
    assert read == added
    assert read in archive.list_occupants({"estate_id": estate, "id": household["id"]})["items"]
    for estate_id, household_id, occupant_id in ((other, household["id"], added["id"]),
                                                 (estate, neighbour["id"], added["id"]),
                                                 (estate, household["id"], "occ_nowhere")):
        with pytest.raises(NotFound):
            archive.get_occupant({"estate_id": estate_id, "id": household_id, "item": occupant_id})
    # the owner it was registered with is an entry of the list too, and so read alone
    owner = archive.list_occupants({"estate_id": estate, "id": household["id"]})["items"][0]
    assert archive.get_occupant({"estate_id": estate, "id": household["id"], "item": owner["id"]}) == owner


def test_a_check_plan_and_a_check_are_read_by_their_ids_as_their_lists_show_them(archive, estates):
    estate, other = estates
    plan = archive.create_check_plan({"estate_id": estate, "data": {
        "year": 2026, "planned_dates": ["2026-06-01", "2026-12-10"]}})
    check = archive.record_archive_check({"estate_id": estate, "data": {
        "plan_id": plan["id"], "checked_at": "2026-06-01T02:00:00Z", "records_checked": 3, "records_complete": 3}})
    [listed_plan] = archive.list_check_plans({"estate_id": estate})["items"]
    assert archive.get_check_plan({"estate_id": estate, "id": plan["id"]}) == listed_plan
    assert listed_plan["id"] == plan["id"]
    [listed_check] = archive.list_archive_checks({"estate_id": estate})["items"]
    assert archive.get_archive_check({"estate_id": estate, "id": check["id"]}) == listed_check == check
    for method, made in (("get_check_plan", plan), ("get_archive_check", check)):
        for estate_id, doc_id in ((other, made["id"]), (estate, "x_nowhere")):
            with pytest.raises(NotFound):
                getattr(archive, method)({"estate_id": estate_id, "id": doc_id})


def test_a_vacant_inspection_and_a_handover_are_read_by_their_ids_as_the_estate_s_lists_show_them(archive, estates):
    """Made under a household, listed by the estate (…/vacant-inspections, …/handovers): read there."""
    estate, other = estates
    household = archive.create_household({"estate_id": estate, "data": HOUSEHOLD})
    inspection = archive.record_vacant_inspection({"estate_id": estate, "id": household["id"], "data": {
        "inspected_on": "2026-11-20", "problems": [{"description": "tap drips"}]}})
    handover = archive.record_handover({"estate_id": estate, "id": household["id"], "data": {
        "kind": "takeover", "date": "2026-11-20", "items": [{"item": "walls and ceilings", "result": "pass"}],
        "documents": [{"title": "quality guarantee", "reference": "QG-2026-118"}]}})
    for get, listed, made in (("get_vacant_inspection", "list_vacant_inspections", inspection),
                              ("get_handover", "list_handovers", handover)):
        [entry] = getattr(archive, listed)({"estate_id": estate})["items"]
        assert getattr(archive, get)({"estate_id": estate, "id": made["id"]}) == entry
        assert entry["id"] == made["id"]
        for estate_id, doc_id in ((other, made["id"]), (estate, "x_nowhere")):
            with pytest.raises(NotFound):
                getattr(archive, get)({"estate_id": estate_id, "id": doc_id})
