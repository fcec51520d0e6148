"""Borrowing, archive checks, record searches and archive KPIs, without broker or store."""
from datetime import datetime, timedelta, timezone

import pytest

from archive import borrowing, checks, domain, rules
from archive.rules import DEFAULTS
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput
from estate_common.settings import check_overrides, effective

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
SUBJECT = {"type": "household", "id": "hh_1"}
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}


def request(kind="borrow", roles=("agent",), **extra):
    data = {"subject_id": "hh_1", "purpose": "ownership dispute", "kind": kind, **extra}
    return borrowing.new_request("borrow_1", "est_1", data, SUBJECT, NOW, "zhang", list(roles), RULES)


def apply(request_, changes_entry):
    changes, entry = changes_entry
    return request_ | changes | {"history": request_["history"] + [entry]}


@pytest.mark.parametrize("roles, allowed", [
    (["manager"], True), (["operator_admin"], True), (["archivist"], False), (["agent"], False),
    (["agent", "manager"], True), ([], False)])
def test_only_the_manager_approves(roles, allowed):
    if allowed:
        borrowing.require_approver(roles)
    else:
        with pytest.raises(Forbidden):
            borrowing.require_approver(roles)


@pytest.mark.parametrize("data", [{}, {"subject_id": "hh_1", "record_id": "rec_1"}, {"subject_id": ""}])
def test_a_request_names_a_subject_or_a_record(data):
    with pytest.raises(InvalidInput) as refused:
        borrowing.check_target(data)
    assert refused.value.errors[0]["field"] == "data.subject_id"
    borrowing.check_target({"record_id": "rec_1"})


def test_a_request_waits_for_approval_and_is_due_back_by_kind():
    pending = request()
    assert pending["status"] == "pending" and pending["due_back"] is None
    approved = apply(pending, borrowing.decide(pending, "approve", "ok", NOW + timedelta(hours=2), "wang", RULES))
    assert approved["status"] == "approved" and approved["decided_by"] == "wang"
    assert approved["due_back"] == "2026-11-30T10:00:00.000Z"  # 7 days for a borrowing
    viewed = request("view")
    viewed = apply(viewed, borrowing.decide(viewed, "approve", None, NOW, "wang", RULES))
    assert viewed["due_back"] == "2026-11-24T08:00:00.000Z"  # the next day for a viewing
    assert [h["action"] for h in approved["history"]] == ["requested", "approved"]


def test_a_manager_s_own_request_is_approved_by_someone_else_and_may_be_withdrawn_by_him():
    """"Needs the manager's approval" meant nothing when the manager asked (found by a probe)."""
    own = request(roles=("manager",))  # asked by zhang
    with pytest.raises(Forbidden) as refused:
        borrowing.decide(own, "approve", "ok", NOW, "zhang", RULES)
    assert "someone other than the one who asked" in refused.value.detail
    assert apply(own, borrowing.decide(own, "approve", "ok", NOW, "wang", RULES))["status"] == "approved"
    assert apply(own, borrowing.decide(own, "reject", "not needed", NOW, "zhang", RULES))["status"] == "rejected"
    # the operator admin, with no one above him, approves his own
    admins = request(roles=("operator_admin",))
    assert apply(admins, borrowing.decide(admins, "approve", None, NOW, "zhang", RULES,
                                          actor_roles=["operator_admin"]))["status"] == "approved"


def test_a_requested_due_date_is_kept_and_must_be_in_the_future():
    wanted = request(due_back="2026-11-29T00:00:00Z")
    wanted = apply(wanted, borrowing.decide(wanted, "approve", None, NOW, "wang", RULES))
    assert wanted["due_back"] == "2026-11-29T00:00:00.000Z"
    with pytest.raises(BusinessRuleViolation) as refused:
        request(due_back="2026-11-23T07:00:00Z")
    assert refused.value.errors[0]["field"] == "data.due_back"


def test_a_requested_due_date_is_within_the_estate_s_term():
    """A view asked back for 2099 opened every record of the estate for decades (found by review)."""
    assert request(due_back="2026-11-30T08:00:00Z")["requested_due_back"] == "2026-11-30T08:00:00.000Z"  # 7 days
    for kind, due in (("borrow", "2026-11-30T08:00:01Z"), ("view", "2026-11-24T08:00:01Z"),
                      ("view", "2099-01-01T00:00:00Z")):
        with pytest.raises(BusinessRuleViolation) as refused:
            request(kind, due_back=due)
        assert refused.value.errors[0]["field"] == "data.due_back"
        # the term with its number, a day's in the singular (it read "the estate's 1 days")
        assert refused.value.detail.endswith("within the estate's 7 days" if kind == "borrow"
                                             else "within the estate's 1 day")


def test_an_inspection_by_a_higher_authority_needs_no_approval():
    inspection = request("view", roles=("archivist",), authority_inspection=True, authority="District housing bureau")
    assert inspection["status"] == "approved" and inspection["decided_by"] is None
    assert inspection["due_back"] == "2026-11-24T08:00:00.000Z"
    assert borrowing.created_action(inspection) == "borrow_authority_inspection"
    with pytest.raises(BusinessRuleViolation) as refused:
        request(roles=("archivist",), authority_inspection=True)
    assert refused.value.errors[0]["field"] == "data.authority"


@pytest.mark.parametrize("roles", [("security",), ("agent",), ("technician", "accountant")])
def test_only_the_archives_keepers_record_an_authority_inspection(roles):
    """Anyone on the staff could claim one and read the whole archive without the manager."""
    with pytest.raises(Forbidden):
        request(roles=roles, authority_inspection=True, authority="me")
    assert request(roles=roles)["status"] == "pending"  # they ask, and the manager decides


def test_an_approval_after_the_requested_due_back_gives_the_estate_s_days_from_then():
    """Approved three days late, the borrowing was overdue the moment it opened."""
    asked = request(due_back="2026-11-24T08:00:00Z")
    late = NOW + timedelta(days=3)
    approved = apply(asked, borrowing.decide(asked, "approve", None, late, "wang", RULES))
    assert approved["due_back"] == "2026-12-03T08:00:00.000Z"  # 7 days from the approval
    assert not borrowing.is_overdue(approved, late)


def test_the_approving_manager_sets_the_due_back_within_the_estate_s_term():
    """A manager who wrote "back within 3 days" in the note approved the estate's 7 (found by a probe)."""
    asked = request(due_back="2026-11-30T00:00:00Z")
    approved = apply(asked, borrowing.decide(asked, "approve", "3日内归还", NOW, "wang", RULES,
                                             "2026-11-26T10:00:00+00:00"))
    assert approved["due_back"] == "2026-11-26T10:00:00.000Z"  # the manager's, over the requester's
    for due in ("2026-11-23T07:00:00Z", "2026-11-30T08:00:01Z"):  # passed; past the 7 days
        with pytest.raises(BusinessRuleViolation) as refused:
            borrowing.decide(asked, "approve", None, NOW, "wang", RULES, due)
        assert refused.value.errors[0]["field"] == "data.due_back"
    rejected = apply(asked, borrowing.decide(asked, "reject", "no", NOW, "wang", RULES))
    assert rejected["due_back"] is None


def test_an_approval_keeps_to_the_term_in_force_then():
    """Asked for 5 days under a term of 7, approved after the term became 2: due in 2."""
    asked = request(due_back="2026-11-28T08:00:00Z")
    shorter = {**RULES, "borrow_due_days": 2}
    approved = apply(asked, borrowing.decide(asked, "approve", None, NOW, "wang", shorter))
    assert approved["due_back"] == "2026-11-25T08:00:00.000Z"


def test_the_steps_of_a_borrowing_follow_its_state():
    rejected = apply(request(), borrowing.decide(request(), "reject", "not needed", NOW, "wang", RULES))
    for action in ("approve", "reject"):
        with pytest.raises(Conflict):
            borrowing.decide(rejected, action, None, NOW, "wang", RULES)
    with pytest.raises(Conflict):
        borrowing.give_back(request(), None, NOW, "li")  # not approved yet
    approved = apply(request(), borrowing.decide(request(), "approve", None, NOW, "wang", RULES))
    returned = apply(approved, borrowing.give_back(approved, "complete", NOW + timedelta(days=3), "li"))
    assert returned["status"] == "returned" and returned["returned_at"] == "2026-11-26T08:00:00.000Z"
    with pytest.raises(Conflict):
        borrowing.give_back(returned, None, NOW, "li")


def test_a_borrowing_is_overdue_only_while_out_past_its_due_date():
    approved = apply(request(), borrowing.decide(request(), "approve", None, NOW, "wang", RULES))
    assert borrowing.view(approved, NOW + timedelta(days=7))["overdue"] is False
    assert borrowing.view(approved, NOW + timedelta(days=7, seconds=1))["overdue"] is True
    returned = apply(approved, borrowing.give_back(approved, None, NOW + timedelta(days=9), "li"))
    assert borrowing.is_overdue(returned, NOW + timedelta(days=10)) is False
    assert borrowing.is_overdue(request(), NOW + timedelta(days=30)) is False


def test_the_list_filters_name_fields_and_overdue():
    assert borrowing.list_filters({"overdue": "true"}) == ({}, True)
    assert borrowing.list_filters({"status": "pending", "subject_id": "hh_1"}) == (
        {"status": "pending", "subject_id": "hh_1"}, None)
    assert borrowing.list_filters({"overdue": "false", "status": "approved"}) == ({"status": "approved"}, False)
    assert borrowing.list_filters({"requested_by": "zhang", "overdue": "true"}) == ({"requested_by": "zhang"}, True)


def test_a_borrowing_returned_after_its_due_back_stays_marked_returned_late():
    """Overdue lasts while the file is out: once returned, nothing said it came back late, and at the
    year's end the archivist and the manager could not tell who kept files past their term (a probe
    of the archivist's year)."""
    approved = apply(request(), borrowing.decide(request(), "approve", None, NOW, "wang", RULES))
    late = apply(approved, borrowing.give_back(approved, None, NOW + timedelta(days=9), "li"))
    on_time = apply(approved, borrowing.give_back(approved, None, NOW + timedelta(days=7), "li"))
    assert late["returned_late"] is True and on_time["returned_late"] is False
    assert borrowing.view(late, NOW + timedelta(days=30))["returned_late"] is True
    assert borrowing.view(on_time, NOW + timedelta(days=30))["returned_late"] is False
    assert borrowing.view(approved, NOW + timedelta(days=30))["returned_late"] is False  # out: overdue instead
    kept_before = {k: v for k, v in late.items() if k != "returned_late"}  # returned before the field was kept
    assert borrowing.view(kept_before, NOW + timedelta(days=30))["returned_late"] is True


def test_the_year_s_borrowings_are_listed_by_kind_authority_lateness_and_the_days_they_were_asked_for():
    """The register took a status, overdue, a subject and a borrower: the year's views, borrowings,
    inspections by a higher authority and those returned late were counted by hand (a probe of the
    archivist's year). A day is the estate's."""
    match, overdue = borrowing.list_filters({"kind": "view", "authority_inspection": "true", "returned_late": "true",
                                             "from": "2026-01-01", "to": "2026-12-31"}, "Asia/Shanghai")
    assert overdue is None
    assert match == {"kind": "view", "authority_inspection": True, "returned_late": True,
                     "created_at": {"$gte": "2025-12-31T16:00:00.000Z", "$lt": "2026-12-31T16:00:00.000Z"}}
    match, _ = borrowing.list_filters({"authority_inspection": "false", "returned_late": "false",
                                       "to": "2026-06-30T12:00:00Z"}, "Asia/Shanghai")
    assert match == {"authority_inspection": False, "returned_late": {"$ne": True},
                     "created_at": {"$lte": "2026-06-30T12:00:00.000Z"}}
    with pytest.raises(InvalidInput):
        borrowing.list_filters({"from": "2026-12-31", "to": "2026-01-01"}, "Asia/Shanghai")


# -- check plans and checks ----------------------------------------------------------

def plan(dates=("2026-03-15", "2026-09-15"), rules=RULES, year=2026):
    return checks.new_plan("est_1", {"year": year, "planned_dates": list(dates)}, NOW, "li", rules)


def test_a_check_plan_is_for_next_year_at_the_furthest():
    """One for 2100 was taken (a probe); an earlier year's plan may still be put on record."""
    assert plan(("2027-03-15", "2027-09-15"), year=2027)["year"] == 2027
    assert plan(("2024-03-15", "2024-09-15"), year=2024)["year"] == 2024
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(("2100-03-15", "2100-09-15"), year=2100)
    assert refused.value.detail == "an archive check plan is made for this year or the next at the furthest"
    assert refused.value.errors == [{"field": "data.year", "message": "is after 2027"}]


def test_archives_are_planned_to_be_checked_at_least_twice_a_year():
    assert plan()["planned_dates"] == ["2026-03-15", "2026-09-15"]
    for too_few in (["2026-03-15"], ["2026-03-15", "2026-03-15"]):
        with pytest.raises(BusinessRuleViolation) as refused:
            plan(too_few)
        assert refused.value.errors[0]["field"] == "data.planned_dates"
    with pytest.raises(BusinessRuleViolation):
        plan(("2026-01-10", "2026-05-10", "2026-09-10"), rules=dict(RULES, min_checks_per_year=4))


def test_planned_dates_are_real_days_of_the_plans_year():
    with pytest.raises(BusinessRuleViolation) as refused:
        plan(("2026-03-15", "2027-01-05"))
    assert refused.value.errors[0]["field"] == "data.planned_dates[1]"
    with pytest.raises(InvalidInput) as refused:
        plan(("2026-02-30", "2026-09-15"))
    assert refused.value.errors[0]["field"] == "data.planned_dates[0]"
    assert plan()["_id"] == checks.plan_id("est_1", 2026) != checks.plan_id("est_1", 2027)


def test_an_estate_checks_its_archives_twice_a_year_or_more_never_less():
    """DOMAIN.md: at least twice a year. An estate set 1 and a year of one check counted complete
    (a probe)."""
    check_overrides(rules.DEFAULTS, {"min_checks_per_year": 4}, rules.MAXIMA, rules.MINIMA)
    with pytest.raises(InvalidInput) as refused:
        check_overrides(rules.DEFAULTS, {"min_checks_per_year": 1}, rules.MAXIMA, rules.MINIMA)
    assert refused.value.errors[0]["field"] == "min_checks_per_year"
    assert effective(rules.DEFAULTS, {"min_checks_per_year": 1}, rules.MAXIMA, rules.MINIMA)["min_checks_per_year"] == 2


def check(records_checked=40, records_complete=38, checked_at="2026-11-20T02:00:00Z"):
    data = {"plan_id": "acp_1", "checked_at": checked_at, "records_checked": records_checked,
            "records_complete": records_complete}
    return checks.new_check("acheck_1", "est_1", plan() | {"_id": "acp_1"}, data, NOW, "li", RULES)


@pytest.mark.parametrize("change, field", [
    ({"records_complete": 41}, "data.records_complete"),
    ({"checked_at": "2025-12-31T15:59:59Z"}, "data.checked_at"),  # 23:59:59 on 31 December 2025 in the estate
    ({"checked_at": "2026-11-24T00:00:00Z"}, "data.checked_at"),  # in the future
    ({"records_checked": 0, "records_complete": 0}, "data.records_checked"),  # counted as a check (a probe)
])
def test_a_check_must_add_up(change, field):
    with pytest.raises(BusinessRuleViolation) as refused:
        check(**change)
    assert field in [e["field"] for e in refused.value.errors]


def test_a_check_on_new_year_s_morning_is_of_the_estate_s_new_year():
    """01:00 on 1 January 2026 in Shanghai is still 2025 in UTC: it was refused under the 2026
    plan, and counted in 2026's year to date all the same."""
    assert check(checked_at="2025-12-31T17:00:00Z")["year"] == 2026


def test_archive_kpis_show_their_parts():
    found = [check(), check(10, 10)]
    block = checks.kpis(found, ["2026-11-20T02:00:00Z"], 12, RULES)
    manual = block["archive_check_completeness"]
    assert (manual["numerator"], manual["denominator"]) == (48, 50)
    assert block["archive_check_completeness"]["value"] == 0.96
    assert block["archive_checks_year_to_date"]["value"] == 0.5
    assert block["closed_records_received"]["value"] == 12
    assert checks.kpis([], [], 0, RULES)["archive_check_completeness"]["value"] is None


# -- record searches -----------------------------------------------------------------

def test_a_records_search_by_household_and_dates():
    assert domain.records_search({"household_id": "hh_1", "from": "2026-11-01", "to": "2026-11-30"}, "UTC") == {
        "household_id": "hh_1",
        "occurred_from": "2026-11-01T00:00:00.000Z", "occurred_before": "2026-12-01T00:00:00.000Z"}
    assert domain.records_search({"to": "2026-11-30T12:00:00Z"}, "Asia/Shanghai") == {
        "occurred_until": "2026-11-30T12:00:00.000Z"}
    with pytest.raises(InvalidInput) as refused:
        domain.records_search({"from": "2026-13-01"}, "UTC")
    assert refused.value.errors[0]["field"] == "filters.from"


def test_a_records_search_by_day_takes_the_estates_local_day():
    """A Shanghai estate's 1 November runs from 16:00 UTC the day before: a record of 07:00 local
    time on 1 November (23:00 UTC on 31 October) belongs to it."""
    assert domain.records_search({"from": "2026-11-01", "to": "2026-11-01"}, "Asia/Shanghai") == {
        "occurred_from": "2026-10-31T16:00:00.000Z", "occurred_before": "2026-11-01T16:00:00.000Z"}


# -- who reads which record directly; the rest through a borrowing (estate_common.archive_access) --

def test_the_keepers_read_every_record_directly_an_agent_only_the_front_desks_own():
    from estate_common import archive_access
    for keeper in ("archivist", "manager", "operator_admin"):
        assert archive_access.direct_types([keeper]) is None
        assert domain.readable_search({"subject_type": "payment"}, [keeper]) == {"subject_type": "payment"}
    assert archive_access.direct_types(["agent"]) == ["notice", "service_request"]
    assert archive_access.direct_types(["technician"]) == []
    assert domain.readable_search({}, ["agent"]) == {"subject_types": ["notice", "service_request"]}
    assert domain.readable_search({"subject_type": "service_request"}, ["agent"])["subject_type"] == "service_request"
    for role, subject_type in (("agent", "payment"), ("agent", "household"), ("agent", "work_order")):
        with pytest.raises(Forbidden):
            domain.readable_search({"subject_type": subject_type}, [role])
    assert "agent" in archive_access.direct_roles("service_request")
    assert "agent" not in archive_access.direct_roles("incident")
    assert archive_access.list_roles() == {"operator_admin", "manager", "archivist", "agent"}


def test_a_borrowing_opens_its_records_to_its_asker_while_approved_unreturned_and_not_overdue():
    asked = request()
    with pytest.raises(Conflict):  # pending
        borrowing.require_open_for(asked, "zhang", ["agent"], NOW)
    approved = apply(asked, borrowing.decide(asked, "approve", None, NOW, "wang", RULES))
    borrowing.require_open_for(approved, "zhang", ["agent"], NOW + timedelta(days=1))
    borrowing.require_open_for(approved, "li", ["archivist"], NOW)  # a keeper
    with pytest.raises(Forbidden):
        borrowing.require_open_for(approved, "zhao", ["agent"], NOW)  # not the one who asked
    with pytest.raises(Conflict) as late:
        borrowing.require_open_for(approved, "zhang", ["agent"], NOW + timedelta(days=8))
    assert late.value.errors[0]["field"] == "borrow_id"
    returned = apply(approved, borrowing.give_back(approved, None, NOW, "li"))
    with pytest.raises(Conflict):
        borrowing.require_open_for(returned, "zhang", ["agent"], NOW)
    rejected = apply(asked, borrowing.decide(asked, "reject", None, NOW, "wang", RULES))
    with pytest.raises(Conflict):
        borrowing.require_open_for(rejected, "zhang", ["agent"], NOW)


def test_a_borrowing_opens_its_record_or_its_subjects_records():
    assert borrowing.borrowed_search(request()) == {"household_id": "hh_1"}
    assert borrowing.borrowed_search({"record_id": "rec_1", "subject_type": "payment", "subject_id": "pay_1"}) == \
        {"_id": "rec_1"}
    assert borrowing.borrowed_search({"record_id": None, "subject_type": "payment", "subject_id": "pay_1"}) == \
        {"subject_id": "pay_1"}
    assert borrowing.borrowed_search({"record_id": None, "subject_type": "estate", "subject_id": "est_1"}) == {}


def test_completeness_is_present_over_reported_per_kind_beside_the_manual_checks():
    reports = [{"counts": {"service_requests": 10}}, {"counts": {"service_requests": 5}},
               {"counts": {"patrol_rounds": 4, "incidents": 1}}]
    reported = checks.reported_by_kind(reports)
    assert reported == {"service_requests": 15, "patrol_rounds": 4, "incidents": 1}
    present = checks.present_by_kind({"service_request_closed": 14, "patrol_round_finished": 6,
                                      "work_order_completed": 2, "work_order_cancelled": 1})
    assert present["work_orders"] == 3 and present["incidents"] == 0
    block = checks.kpis([check()], ["2026-11-20T02:00:00Z"], 0, RULES, present, reported)
    # 14 of 15 requests, 4 of 4 rounds (the 2 more cannot stand in for the missing incident), 0 of 1
    assert (block["archive_completeness"]["numerator"], block["archive_completeness"]["denominator"]) == (18, 20)
    assert block["archive_completeness"]["value"] == 0.9
    assert block["archive_check_completeness"]["denominator"] == 40  # the manual check, beside it
    assert checks.completeness(present, {})["value"] is None  # nothing reported: no data, not 0 or 100 %


def test_two_checks_on_one_day_are_one_towards_twice_a_year():
    """Two checks recorded on 20 November (Shanghai: one at 01:00, one at 23:00) met "at least
    twice a year" on their own; a day later, the second check counts."""
    same_day = ["2026-11-19T17:00:00Z", "2026-11-20T15:00:00Z"]
    assert checks.kpis([], same_day, 0, RULES)["archive_checks_year_to_date"]["numerator"] == 1
    next_day = ["2026-11-19T17:00:00Z", "2026-11-20T16:00:00Z"]  # 00:00 on the 21st in Shanghai
    block = checks.kpis([], next_day, 0, RULES)["archive_checks_year_to_date"]
    assert (block["numerator"], block["denominator"], block["value"]) == (2, 2, 1.0)


def test_a_plan_s_dates_are_kept_by_days_checked_as_the_year_s_kpi_counts_them():
    """Two checks on one day are one towards "at least twice a year" (the KPI), and one towards the
    plan's dates: the plan showed none of its two dates missed after two checks on 10 March while
    the year's KPI read 1 of 2 (a probe of the archivist's year). It says what the year owes too."""
    same_day = ["2026-03-10T01:00:00Z", "2026-03-10T09:00:00Z"]  # 09:00 and 17:00 in Shanghai
    shown = checks.plan_view(plan(), same_day, NOW, RULES)
    assert (shown["checks_recorded"], shown["days_checked"], shown["missed_dates"]) == (2, 1, ["2026-09-15"])
    assert shown["checks_owed"] == 2
    two_days = ["2026-03-10T01:00:00Z", "2026-09-14T09:00:00Z"]
    assert checks.plan_view(plan(), two_days, NOW, RULES)["missed_dates"] == []


def test_a_plan_says_what_the_year_owes_under_the_estate_s_rules_now():
    """A plan made for two checks, and the estate's minimum raised to four since: the year owes four
    (the KPI counts against them) and the archivist, who reads neither the settings nor the KPIs,
    read two planned dates and nothing short (a probe of the archivist's year). In the estate's
    first year, its share."""
    assert checks.plan_view(plan(), [], NOW, dict(RULES, min_checks_per_year=4))["checks_owed"] == 4
    assert checks.plan_view(plan(), [], NOW, RULES, since="2026-10-10T02:00:00Z")["checks_owed"] == 1
