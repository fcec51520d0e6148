"""Problems found on a steward's vacant-unit inspection (archive) become repair requests here,
once however often the event is delivered."""
from estate_common.testing import as_caller, event

ESTATE = "est_1"


def inspection(problems, inspection_id="vinsp_1"):
    return event("archive", "vacant_inspection_recorded", ESTATE, {
        "id": inspection_id, "estate_id": ESTATE, "household_id": "hh_1", "inspected_on": "2026-11-20",
        "inspector": "zhou", "problems": problems}, actor="zhou")


PROBLEMS = [{"number": 1, "description": "damp patch on the ceiling", "location": "bedroom"},
            {"number": 2, "description": "tap drips", "location": None}]


def test_each_problem_becomes_one_repair_request_announced_to_maintenance(desk):
    recorded = inspection(PROBLEMS)
    desk.on_vacant_inspection_recorded(recorded)
    desk.on_vacant_inspection_recorded(recorded)  # redelivered: nothing twice
    requests = desk.list_requests({"estate_id": ESTATE, "filters": {"household_id": "hh_1"}})["items"]
    assert len(requests) == 2
    assert {(r["kind"], r["channel"], r["status"]) for r in requests} == {("repair", "inspection", "open")}
    assert sorted(r["description"] for r in requests) == [
        "vacant-unit inspection 2026-11-20, problem 1 (bedroom): damp patch on the ceiling",
        "vacant-unit inspection 2026-11-20, problem 2: tap drips"]
    assert all(r["created_by"] == "zhou" and r["number"].startswith("SR-") for r in requests)
    created = desk.outbox.of_type("service_request_created")
    assert len(created) == 2 and {c["data"]["channel"] for c in created} == {"inspection"}
    # two faults found on one visit: neither repeats the other (both uncategorised, the second was
    # taken for a repeat of the first and owed a return visit; found by review)
    assert [(r["repeat_of"], r["return_visit_required"]) for r in requests] == [(None, False), (None, False)]


def test_the_repairs_of_an_inspection_are_announced_as_the_inspectors(desk):
    """An event handler has no caller: the repairs' service_request_created named no one, and so
    neither maintenance's work order nor archive's records said who found the problem (review)."""
    as_caller(desk, None)
    desk.on_vacant_inspection_recorded(inspection(PROBLEMS))
    assert [c["actor"] for c in desk.outbox.of_type("service_request_created")] == ["zhou", "zhou"]


def test_an_inspection_without_problems_opens_nothing_and_another_one_opens_its_own(desk):
    desk.on_vacant_inspection_recorded(inspection([]))
    assert desk.list_requests({"estate_id": ESTATE})["items"] == []
    desk.on_vacant_inspection_recorded(inspection(PROBLEMS[:1]))
    desk.on_vacant_inspection_recorded(inspection(PROBLEMS[:1], inspection_id="vinsp_2"))
    assert len(desk.list_requests({"estate_id": ESTATE})["items"]) == 2
