"""A household's people and status: the rules, without broker or store."""
from datetime import datetime, timezone

import pytest

from archive import domain, occupants
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
TZ = "Asia/Shanghai"
HOUSEHOLD = {"building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
             "owner": {"name": "李四", "phone": "13912345678"}}


def household(**more):
    return domain.new_household("est_1", HOUSEHOLD, NOW) | more


def ids(index):
    return f"occ_{index}"


@pytest.mark.parametrize("status, step, after", [
    ("vacant", "move_in", "occupied"), ("vacant", "renovation_start", "renovating"),
    ("occupied", "move_out", "vacant"), ("occupied", "renovation_start", "renovating"),
    ("renovating", "move_in", "occupied"),
])
def test_each_step_leads_where_the_table_says(status, step, after):
    changes = occupants.change_status(household(status=status), {"step": step, "date": "2026-11-01"}, NOW, "zhou", ids, TZ)
    assert changes["status"] == after and changes["version"] == 2
    assert changes["status_history"][-1] == {"step": step, "date": "2026-11-01", "from": status, "to": after,
                                             "at": "2026-11-23T08:30:00.000Z", "by": "zhou"}


@pytest.mark.parametrize("status, step", [("vacant", "move_out"), ("vacant", "renovation_end"),
                                          ("occupied", "move_in"), ("renovating", "renovation_start")])
def test_a_step_the_status_does_not_allow_is_a_conflict(status, step):
    with pytest.raises(Conflict):
        occupants.change_status(household(status=status), {"step": step, "date": "2026-11-01"}, NOW, "zhou", ids, TZ)


@pytest.mark.parametrize("began_from", ["vacant", "occupied"])
def test_a_renovation_ends_in_the_status_it_began_from(began_from):
    started = household(status=began_from)
    started = started | occupants.change_status(started, {"step": "renovation_start", "date": "2026-11-01"},
                                                NOW, "zhou", ids, TZ)
    ended = occupants.change_status(started, {"step": "renovation_end", "date": "2026-11-10"}, NOW, "zhou", ids, TZ)
    assert ended["status"] == began_from and ended["renovating_from"] is None


def test_a_move_out_ends_every_residents_stay_but_not_the_ownership():
    moved_in = household()
    moved_in = moved_in | occupants.change_status(moved_in, {"step": "move_in", "date": "2026-11-01", "occupants": [
        {"relation": "tenant", "name": "王五"}, {"relation": "family", "name": "王小五"}]}, NOW, "zhou", ids, TZ)
    out = occupants.change_status(moved_in, {"step": "move_out", "date": "2026-11-23"}, NOW, "zhou", ids, TZ)
    assert [(p["relation"], p["to"]) for p in out["occupants"]] == [("owner", None), ("tenant", "2026-11-23"),
                                                                ("family", "2026-11-23")]


def test_an_owner_transfer_ends_the_former_owners_entry_that_day():
    changes, new_owner = occupants.transfer_owner(household(), "occ_new", {
        "owner": {"name": " 赵六 ", "phone": "13600002222"}, "date": "2026-11-20"}, NOW, "zhou", TZ)
    former, kept = changes["occupants"]
    assert (former["name"], former["to"]) == ("李四", "2026-11-20")
    assert kept == new_owner and (new_owner["name"], new_owner["from"], new_owner["to"]) == ("赵六", "2026-11-20", None)
    assert changes["owner"] == {"name": "赵六", "phone": "13600002222"}
    later = household() | changes
    with pytest.raises(BusinessRuleViolation) as refused:
        occupants.transfer_owner(later, "occ_third", {"owner": {"name": "钱七", "phone": "13500003333"},
                                                       "date": "2026-11-19"}, NOW, "zhou", TZ)
    assert refused.value.errors[0]["field"] == "data.date"


def test_a_household_keeps_at_most_its_bound_of_people():
    full = household(status="occupied", occupants=occupants.people(household()) + [
        {"id": f"occ_{n}", "relation": "family", "name": "x", "phone": None, "id_number": None, "from": "2026-01-01",
         "to": "2026-01-02", "added_at": "2026-01-01T00:00:00.000Z", "added_by": None}
        for n in range(occupants.MAX_OCCUPANTS - 1)])
    with pytest.raises(BusinessRuleViolation):
        occupants.add_occupant(full, "occ_more", {"relation": "tenant", "name": "y", "from": "2026-11-01"}, NOW, "zhou",
                               "Asia/Shanghai")


def test_a_vacant_inspection_is_only_of_a_vacant_unit_and_numbers_its_problems():
    made = occupants.new_inspection("vinsp_1", household(), {"inspected_on": "2026-11-20", "problems": [
        {"description": " damp ", "location": "bedroom"}, {"description": "tap"}]}, NOW, "zhou", TZ, 7)
    assert [(p["number"], p["description"], p["location"]) for p in made["problems"]] == [
        (1, "damp", "bedroom"), (2, "tap", None)]
    assert occupants.inspection_event_data(made)["problems"][1] == {"number": 2, "description": "tap", "location": None}
    with pytest.raises(Conflict):
        occupants.new_inspection("vinsp_2", household(status="renovating"), {"inspected_on": "2026-11-20",
                                                                            "problems": []}, NOW, "zhou", TZ, 7)


def test_a_vacant_inspection_is_recorded_once_it_happened_on_the_estates_calendar():
    """An inspection dated 2099 was recorded and opened repair requests (found by review)."""
    # 08:30 UTC on 23 November is 16:30 in Shanghai: the 23rd is today there, the 24th is not
    assert occupants.new_inspection("vinsp_3", household(), {"inspected_on": "2026-11-23", "problems": []},
                                    NOW, "zhou", TZ, 7)["inspected_on"] == "2026-11-23"
    for day in ("2026-11-24", "2099-12-31"):
        with pytest.raises(BusinessRuleViolation) as refused:
            occupants.new_inspection("vinsp_4", household(), {"inspected_on": day, "problems": []}, NOW, "zhou", TZ, 7)
        assert refused.value.errors[0]["field"] == "data.inspected_on"


def test_a_vacant_inspection_is_recorded_within_the_estates_days():
    """One dated 1900-01-01 was taken (a probe)."""
    for day in ("1900-01-01", "2026-11-15"):
        with pytest.raises(BusinessRuleViolation) as refused:
            occupants.new_inspection("vinsp_5", household(), {"inspected_on": day, "problems": []}, NOW, "zhou", TZ, 7)
        assert refused.value.detail == "a vacant-unit inspection is recorded within 7 days of it"
        assert refused.value.errors == [{"field": "data.inspected_on", "message": "is more than 7 days ago"}]
    with pytest.raises(BusinessRuleViolation) as refused:  # an estate's 1: it read "within 1 days"
        occupants.new_inspection("vinsp_5", household(), {"inspected_on": "2026-11-15", "problems": []}, NOW, "zhou",
                                 TZ, 1)
    assert refused.value.detail == "a vacant-unit inspection is recorded within 1 day of it"
    week = occupants.new_inspection("vinsp_6", household(), {"inspected_on": "2026-11-16", "problems": []},
                                    NOW, "zhou", TZ, 7)
    assert week["inspected_on"] == "2026-11-16"


@pytest.mark.parametrize("change", [
    lambda h: occupants.transfer_owner(h, "occ_9", {"date": "1900-01-01", "owner": {"name": "x"}}, NOW, "zhou", TZ),
    lambda h: occupants.add_occupant(h, "occ_9", {"relation": "tenant", "name": "y", "from": "1900-01-01"}, NOW,
                                     "zhou", TZ),
    lambda h: occupants.change_status(h, {"step": "move_in", "date": "1900-01-01"}, NOW, "zhou", None, TZ),
])
def test_a_day_of_the_households_history_is_not_before_the_floor(change):
    """A transfer of 1900 showed the new owner as owner since 1900 (a probe)."""
    with pytest.raises(BusinessRuleViolation) as refused:
        change(household())
    assert refused.value.detail == "the day is before any estate's history"
    assert refused.value.errors[0]["message"] == "is before 1950-01-01"


def test_an_old_estate_taken_over_keeps_its_true_old_days():
    changes, owner = occupants.transfer_owner(household(), "occ_9", {"date": "1998-07-01", "owner": {"name": "x"}},
                                              NOW, "zhou", TZ)
    assert owner["from"] == "1998-07-01"
    _, tenant = occupants.add_occupant(household(), "occ_8", {"relation": "tenant", "name": "y", "from": "1985-03-01"},
                                       NOW, "zhou", TZ)
    assert tenant["from"] == "1985-03-01"


def test_an_applications_step_names_it_and_is_applied_once():
    data = {"application_id": "app_1", "step": "renovation_start"}
    changed = occupants.application_step(household(), data, "2026-11-02", NOW, "desk", TZ)
    assert changed["status"] == "renovating" and changed["renovating_from"] == "vacant"
    assert changed["status_history"][-1] == {"step": "renovation_start", "date": "2026-11-02", "from": "vacant",
                                                  "to": "renovating", "at": "2026-11-23T08:30:00.000Z", "by": "desk",
                                                  "application_id": "app_1"}
    assert occupants.application_step(household() | changed, data, "2026-11-03", NOW, "desk", TZ) is None
    with pytest.raises(Conflict):  # the same table: a renovating unit does not start another renovation
        occupants.application_step(household() | changed, dict(data, application_id="app_2"), "2026-11-03", NOW, None, TZ)


def test_changes_of_who_lives_there_are_recorded_once_they_have_happened_not_ahead():
    """A transfer dated 2099 made the new owner the household's owner at once, while the former
    one stayed owner until 2099 (found by review). Today is the estate's: 08:30 UTC on 23
    November is the 23rd in Shanghai, and 00:30 on the 23rd in Los Angeles."""
    owner = {"owner": {"name": "赵六", "phone": "13600002222"}}
    with pytest.raises(BusinessRuleViolation) as refused:
        occupants.transfer_owner(household(), "occ_new", {**owner, "date": "2026-11-24"}, NOW, "zhou", TZ)
    assert refused.value.errors == [{"field": "data.date", "message": "is in the future"}]
    occupants.transfer_owner(household(), "occ_new", {**owner, "date": "2026-11-23"}, NOW, "zhou", TZ)
    with pytest.raises(BusinessRuleViolation):
        occupants.transfer_owner(household(), "occ_new", {**owner, "date": "2026-11-23"},
                                 datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc), "zhou", "America/Los_Angeles")
    with pytest.raises(BusinessRuleViolation):
        occupants.change_status(household(), {"step": "move_in", "date": "2099-01-01"}, NOW, "zhou", ids, TZ)
    with pytest.raises(BusinessRuleViolation) as refused:
        occupants.add_occupant(household(), "occ_t", {"relation": "tenant", "name": "y", "from": "2027-01-01"}, NOW,
                               "zhou", TZ)
    assert refused.value.errors[0]["field"] == "data.from"
    lived = household() | occupants.add_occupant(household(), "occ_t", {"relation": "tenant", "name": "y",
                                                                        "from": "2026-11-01"}, NOW, "zhou", TZ)[0]
    with pytest.raises(BusinessRuleViolation) as refused:
        occupants.end_stay(lived, "occ_t", {"to": "2026-12-01"}, NOW, TZ)
    assert refused.value.errors[0]["field"] == "data.to"


def test_an_owner_corrected_before_the_rule_is_still_corrected_as_the_one_current_owner():
    """A household whose owner was corrected alone (before ``owner_corrected``) no longer matches
    its stored entry by name and phone: later corrections never reached it (found by review)."""
    stored = household()
    stored["occupants"] = occupants.people(stored)  # the registered owner, stored
    stored["owner"] = {"name": "李大四", "phone": "13900000001"}  # corrected alone, long ago
    people = occupants.owner_corrected(stored, {"name": "李小四", "phone": "13900000002"})
    assert [(p["name"], p["phone"]) for p in people if p["relation"] == "owner"] == [("李小四", "13900000002")]


# -- vacant units due an inspection (空置房定期巡察) ------------------------------------------

TODAY = "2026-11-23"  # NOW in Shanghai


def vacant(household_id, registered, *steps):
    """A vacant household registered at ``registered`` (UTC), with the status steps ``(step, day)``."""
    return household(_id=household_id, created_at=registered,
                     status_history=[{"step": step, "date": day} for step, day in steps])


def test_a_vacant_unit_is_counted_from_its_last_status_change_or_its_registration():
    """The day its vacancy is counted from: the last step of its status history (a move-out), or
    the day it was registered here (the estate's day: 18:00 UTC on the 31st is the 1st in
    Shanghai), whichever is later: nothing was inspected here before the unit was registered."""
    assert occupants.vacant_since(vacant("hh_1", "2026-08-31T18:00:00.000Z"), TZ) == "2026-09-01"
    assert occupants.vacant_since(vacant("hh_2", "2026-09-01T02:00:00.000Z", ("move_in", "2026-09-05"),
                                         ("move_out", "2026-10-15")), TZ) == "2026-10-15"
    # a move-out of before the takeover, recorded after it: counted from the registration
    assert occupants.vacant_since(vacant("hh_3", "2026-09-01T02:00:00.000Z", ("move_out", "2026-06-01")),
                                  TZ) == "2026-09-01"


def test_a_vacant_unit_falls_due_its_interval_after_its_last_inspection_or_its_vacancy():
    """Due ``interval`` days after the later of its last inspection and the day its vacancy is
    counted from, due on that day (0 days ago) and listed from then, the longest overdue first."""
    units = [vacant("hh_never", "2026-09-01T02:00:00.000Z"),
             vacant("hh_inspected", "2026-09-01T02:00:00.000Z"),
             vacant("hh_recent", "2026-09-01T02:00:00.000Z"),
             vacant("hh_moved_out", "2026-09-01T02:00:00.000Z", ("move_out", "2026-10-24")),
             vacant("hh_not_yet", "2026-09-01T02:00:00.000Z", ("move_out", "2026-10-25")),
             vacant("hh_old_inspection", "2026-09-01T02:00:00.000Z", ("move_out", "2026-10-01"))]
    last = {"hh_inspected": "2026-10-01", "hh_recent": "2026-11-20", "hh_old_inspection": "2026-09-15"}
    due = occupants.inspections_due(units, last, 30, TODAY, TZ)
    assert [(d["household_id"], d["vacant_since"], d["last_inspected_on"], d["due_on"], d["days_overdue"])
            for d in due] == [
        ("hh_never", "2026-09-01", None, "2026-10-01", 53),
        ("hh_inspected", "2026-09-01", "2026-10-01", "2026-10-31", 23),
        # inspected in an earlier vacancy: counted from the move-out, and that inspection is not this one's
        ("hh_old_inspection", "2026-10-01", None, "2026-10-31", 23),
        ("hh_moved_out", "2026-10-24", None, "2026-11-23", 0),
    ]
    assert due[0]["building"] == "3" and due[0]["room"] == "1201"
    assert [d["household_id"] for d in occupants.inspections_due(units, last, 60, TODAY, TZ)] == ["hh_never"]


@pytest.mark.parametrize("status", ["vacant", "occupied"])
def test_a_renovation_is_not_started_by_the_stewards_own_step(status):
    """开始装修 from the household's page moved a unit to renovating with no application: no review,
    no renovation (DOMAIN.md); the works of its approved application start it (a probe of the
    steward's month). The refusal names the step and says where the renovation starts."""
    with pytest.raises(BusinessRuleViolation) as refused:
        occupants.steward_step(household(status=status), {"step": "renovation_start", "date": "2026-11-01"},
                               NOW, "zhou", ids, TZ)
    assert refused.value.errors[0]["field"] == "data.step"
    assert "application" in refused.value.detail
    # the other steps are the table's, as before
    moved = occupants.steward_step(household(status="vacant"), {"step": "move_in", "date": "2026-11-01"},
                                   NOW, "zhou", ids, TZ)
    assert moved["status"] == "occupied"


@pytest.mark.parametrize("name", ["renovation_end", "move_in"])
def test_an_applications_renovation_is_not_ended_by_the_stewards_own_step(name):
    """结束装修 (or a move-in) by the steward took a unit out of the renovation its application's works
    began, with no joint acceptance (found by review r2): refused naming the step and the application;
    the acceptance's own step ends it, and a renovation a correction began is the steward's to end."""
    started = occupants.application_step(household(status="vacant"), {"application_id": "app_r1",
                                                                      "step": "renovation_start"},
                                         "2026-11-01", NOW, "zhang", TZ)
    renovating = household(status="vacant") | started
    with pytest.raises(BusinessRuleViolation) as refused:
        occupants.steward_step(renovating, {"step": name, "date": "2026-11-02"}, NOW, "zhou", ids, TZ)
    assert refused.value.errors[0]["field"] == "data.step" and "app_r1" in refused.value.detail
    ended = occupants.application_step(renovating, {"application_id": "app_r1", "step": "renovation_end"},
                                       "2026-11-02", NOW, "zhang", TZ)
    assert ended["status"] == "vacant"
    corrected = household(status="vacant") | occupants.status_corrected(household(status="vacant"), "renovating",
                                                                        NOW, "li", TZ)
    ended_so = occupants.steward_step(corrected, {"step": name, "date": "2026-11-23"}, NOW, "zhou", ids, TZ)
    assert ended_so["status"] == ("occupied" if name == "move_in" else "vacant")


@pytest.mark.parametrize("before, after, roles, allowed", [
    ("vacant", "renovating", ["steward"], False), ("occupied", "renovating", ["agent"], False),
    ("renovating", "occupied", ["steward"], False), ("vacant", "occupied", ["steward"], True),
    ("vacant", "renovating", ["archivist"], True), ("renovating", "vacant", ["manager"], True),
    ("occupied", "renovating", ["operator_admin"], True), ("renovating", "renovating", ["steward"], True),
])
def test_a_renovations_status_is_corrected_by_the_managers_and_the_archivist(before, after, roles, allowed):
    if allowed:
        occupants.refuse_renovation_correction(household(status=before), after, roles)
    else:
        with pytest.raises(Forbidden):
            occupants.refuse_renovation_correction(household(status=before), after, roles)
