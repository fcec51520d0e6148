"""The year's obligations of an estate (满意度调查 per service line, the manager's visits) as the
manager reads them at a year's end: GET …/reports/year-obligations, on the embedded store."""
import pytest

from estate_common import clock
from estate_common.errors import Forbidden
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
AGENT = staff("zhang", ["agent"], [ESTATE])
MANAGER = staff("wang", ["manager"], [ESTATE])
OTHER_MANAGER = staff("li", ["manager"], [ESTATE])


def obligations(desk, year, caller=MANAGER):
    as_caller(desk, caller)
    return desk.year_obligations({"estate_id": ESTATE, "filters": {"year": year}})


def surveyed(desk, title, year, lines, scored):
    as_caller(desk, AGENT)
    survey = desk.create_survey({"estate_id": ESTATE, "data": {"title": title, "year": year, "service_lines": lines}})
    if scored:
        desk.answer_survey({"estate_id": ESTATE, "id": survey["id"], "data": {
            "household_id": "hh_1", "scores": {line: 4 for line in scored}}})
    return survey


def visited(desk, caller, household, at):
    as_caller(desk, caller)
    return desk.record_owner_contact({"estate_id": ESTATE, "data": {
        "household_id": household, "kind": "manager_visit", "channel": "visit", "contacted_at": at,
        "summary": "asked about the lift"}})


def test_the_year_says_which_service_lines_are_still_owed_a_survey_and_the_managers_visits(desk):
    """At a year's end the manager could read, on the KPI dashboard of the year, a ratio of lines and
    of visits and a note naming the lines in English: not which survey asked which line, nor whose
    visits were made and to whom, nor on his start page (a probe of the manager's year)."""
    clock.freeze(clock.parse_iso("2026-12-05T02:00:00Z"))
    empty = obligations(desk, "2026")
    assert empty["year"] == "2026" and empty["surveys"] == {"per_year": 1, "owed": 1, "done": 0, "still_owed": 1}
    assert [(l["line"], l["surveyed"], l["owed"]) for l in empty["service_lines"]] == [
        ("power", 0, 1), ("water", 0, 1), ("fire_security", 0, 1), ("cleaning", 0, 1)]
    assert empty["manager_visits"] == {"per_year": 1, "owed": 1, "done": 0, "still_owed": 1, "visits": []}

    surveyed(desk, "asked and never answered", 2026, ["cleaning"], [])
    surveyed(desk, "last year's", 2025, ["water"], ["water"])
    power = surveyed(desk, "power and water", 2026, ["power", "water", "cleaning"], ["power", "water"])
    first = visited(desk, MANAGER, "hh_1", "2026-12-01T02:00:00Z")
    second = visited(desk, OTHER_MANAGER, "hh_2", "2026-12-04T02:00:00Z")
    year = obligations(desk, "2026")
    assert year["surveys"]["done"] == 1
    lines = {l["line"]: l for l in year["service_lines"]}
    assert (lines["power"]["surveyed"], lines["power"]["survey_ids"]) == (1, [power["id"]])
    assert lines["cleaning"]["surveyed"] == 0 and lines["fire_security"]["survey_ids"] == []
    assert [l["line"] for l in year["service_lines"] if l["surveyed"] < l["owed"]] == ["fire_security", "cleaning"]
    visits = year["manager_visits"]
    assert (visits["done"], visits["owed"]) == (2, 1)
    assert [(v["id"], v["household_id"], v["by"]) for v in visits["visits"]] == [
        (first["id"], "hh_1", "wang"), (second["id"], "hh_2", "li")]
    assert "summary" not in visits["visits"][0]
    assert obligations(desk, "2025")["manager_visits"]["done"] == 0


def test_the_year_s_obligations_are_management_s(desk):
    with pytest.raises(Forbidden):
        obligations(desk, "2026", caller=AGENT)


def test_a_year_that_ended_before_the_estate_was_registered_owes_nothing_as_its_kpis_say(desk):
    """The KPIs show 2025 of an estate registered in December 2026 "no data", owing no survey and no
    visit (``before_the_estate``); the year's obligations said the whole year was owed, every line
    and the manager's visit, on the page a manager opens for a past year (found reviewing the
    manager's year)."""
    clock.freeze(clock.parse_iso("2026-12-04T02:00:00Z"))
    desk.copy_estate(event("archive", "estate_created", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd",
        "version": 2, "timezone": "Asia/Shanghai", "created_at": "2026-12-03T17:00:00.000Z"}))  # 4 December there
    old = obligations(desk, "2025")
    as_caller(desk, MANAGER)
    kpis = desk.kpis({"period": "2025", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert old["surveys"] == {**kpis["surveys_year_to_date"]["yearly"], "done": 0, "still_owed": 0} == {
        "per_year": 1, "owed": 0, "done": 0, "still_owed": 0}
    assert [(l["line"], l["owed"]) for l in old["service_lines"]] == [
        ("power", 0), ("water", 0), ("fire_security", 0), ("cleaning", 0)]
    assert old["manager_visits"] == {"per_year": 1, "owed": 0, "done": 0, "still_owed": 0, "visits": []}
    this_year = obligations(desk, "2026")
    assert this_year["surveys"]["owed"] == 1 and this_year["manager_visits"]["owed"] == 1  # December is its


def test_a_year_to_come_owes_nothing_yet_as_its_kpis_show_no_data(desk):
    """A year not begun on the estate's calendar read as owed in full, every service line and the
    manager's visit marked owed, where its KPIs are "no data" (``not_begun``): nobody could have
    made them yet (found by the session 46 note). It owes nothing yet (the yearly number still
    named), and says it has not begun."""
    clock.freeze(clock.parse_iso("2026-12-31T15:00:00Z"))  # 23:00 on 31 December in Shanghai
    to_come = obligations(desk, "2027")
    assert to_come["status"] == "not_begun" and to_come["due_by"] == "2027-12-31"
    assert to_come["surveys"] == {"per_year": 1, "owed": 0, "done": 0, "still_owed": 0}
    assert [(l["line"], l["owed"], l["still_owed"]) for l in to_come["service_lines"]] == [
        ("power", 0, 0), ("water", 0, 0), ("fire_security", 0, 0), ("cleaning", 0, 0)]
    assert to_come["manager_visits"] == {"per_year": 1, "owed": 0, "done": 0, "still_owed": 0, "visits": []}
    as_caller(desk, MANAGER)
    kpis = desk.kpis({"period": "2027", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert kpis["surveys_year_to_date"]["value"] is None
    clock.freeze(clock.parse_iso("2026-12-31T16:00:00Z"))  # midnight there: 2027 has begun
    begun = obligations(desk, "2027")
    assert begun["status"] == "in_progress" and begun["surveys"]["owed"] == 1


def test_the_current_year_says_what_it_made_so_far_and_what_it_still_owes_by_its_end(desk):
    """This year's page read "0 of 1 owed" in March as a past year's missed one did, nothing saying
    the year still had until 31 December (found by the session 46 note): the year's state, the
    moment counted, its last day, and what each obligation still owes of the whole year's."""
    clock.freeze(clock.parse_iso("2026-03-10T02:00:00Z"))
    visited(desk, MANAGER, "hh_1", "2026-03-01T02:00:00Z")
    surveyed(desk, "power", 2026, ["power"], ["power"])
    now = obligations(desk, "2026")
    assert (now["status"], now["as_of"], now["due_by"]) == ("in_progress", "2026-03-10T02:00:00.000Z", "2026-12-31")
    assert now["surveys"] == {"per_year": 1, "owed": 1, "done": 1, "still_owed": 0}
    assert {l["line"]: l["still_owed"] for l in now["service_lines"]} == {
        "power": 0, "water": 1, "fire_security": 1, "cleaning": 1}
    assert (now["manager_visits"]["done"], now["manager_visits"]["owed"], now["manager_visits"]["still_owed"]) == (
        1, 1, 0)
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"manager_visits_per_year": 2}})
    assert obligations(desk, "2026")["manager_visits"]["still_owed"] == 1
    past = obligations(desk, "2025")  # what it missed, by the number in force as it ended
    assert past["status"] == "over" and past["due_by"] == "2025-12-31"
    assert past["manager_visits"]["still_owed"] == 1 and past["surveys"]["still_owed"] == 1


def test_last_year_s_survey_filed_in_january_counts_for_last_year(desk):
    """A survey of the year before may be filed in January (``surveys.new_survey``: one held in
    December, its forms entered after the turn of the year), but the year's obligations and KPIs
    read only the surveys made and answered before the year's end: it counted for no year, 2026
    still owing its survey and 2027 not reading one of 2026 (found by the probe of the turn of the
    year). A year's last period (the year, its Q4, its December) counts the year's surveys filed
    since; a period ending earlier keeps what it had by its end."""
    clock.freeze(clock.parse_iso("2026-12-30T02:00:00Z"))
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"surveyed_service_lines": ["power"]}})
    clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))
    december = surveyed(desk, "December's, filed in January", 2026, ["power"], ["power"])
    past = obligations(desk, "2026")
    assert past["status"] == "over"
    assert past["surveys"] == {"per_year": 1, "owed": 1, "done": 1, "still_owed": 0}
    assert [(l["line"], l["survey_ids"], l["still_owed"]) for l in past["service_lines"]] == [
        ("power", [december["id"]], 0)]
    assert obligations(desk, "2027")["surveys"]["done"] == 0  # of 2026, not of 2027
    as_caller(desk, MANAGER)
    for period in ("2026", "2026-Q4", "2026-12"):
        kpis = desk.kpis({"period": period, "estate_ids": [ESTATE]})["estates"][ESTATE]
        assert (kpis["surveys_year_to_date"]["numerator"], kpis["survey_lines_year_to_date"]["numerator"]) == (1, 1)
    june = desk.kpis({"period": "2026-06", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert june["surveys_year_to_date"]["numerator"] == 0  # as it stood by June's end
