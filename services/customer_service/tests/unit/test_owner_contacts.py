"""The steward's monthly contact and the manager's visits: the rules and the KPIs."""
from datetime import datetime, timezone

import pytest

from customer_service import kpis, owner_contacts
from customer_service.rules import DEFAULTS
from estate_common.errors import BusinessRuleViolation, Forbidden

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
CONTACT = {"household_id": "hh_1", "kind": "steward_contact", "channel": "phone",
           "contacted_at": "2026-11-20T02:00:00Z", "summary": " lift noise "}


def test_a_steward_contact_is_logged_with_who_and_when():
    made = owner_contacts.new_contact("oc_1", "est_1", CONTACT, NOW, "zhou", ["steward"])
    assert (made["by"], made["contacted_at"], made["summary"]) == ("zhou", "2026-11-20T02:00:00.000Z", "lift noise")


def test_a_contact_in_the_future_is_refused():
    with pytest.raises(BusinessRuleViolation) as refused:
        owner_contacts.new_contact("oc_1", "est_1", dict(CONTACT, contacted_at="2026-11-24T00:00:00Z"), NOW,
                                   "zhou", ["steward"])
    assert refused.value.errors[0]["field"] == "data.contacted_at"


def test_a_managers_visit_is_the_managers_and_in_person():
    visit = dict(CONTACT, kind="manager_visit", channel="visit")
    with pytest.raises(Forbidden):
        owner_contacts.new_contact("oc_1", "est_1", visit, NOW, "zhou", ["steward"])
    with pytest.raises(BusinessRuleViolation) as refused:
        owner_contacts.new_contact("oc_1", "est_1", dict(visit, channel="phone"), NOW, "boss", ["manager"])
    assert refused.value.errors[0]["field"] == "data.channel"
    assert owner_contacts.new_contact("oc_1", "est_1", visit, NOW, "boss", ["manager"])["kind"] == "manager_visit"


def test_the_contact_rate_counts_households_with_enough_contacts_over_all_households():
    assert owner_contacts.owner_contact_rate(["hh_1", "hh_1", "hh_2"], 4, 1) == {
        "numerator": 2, "denominator": 4, "value": 0.5, "unit": "ratio", "target": 1,
        "note": "households with at least 1 steward contact(s) in the period / households"}
    assert owner_contacts.owner_contact_rate(["hh_1", "hh_1", "hh_2"], 4, 2)["numerator"] == 1
    assert owner_contacts.owner_contact_rate([], 0, 1)["value"] is None  # no households: no data
    # a quarter asks for a contact in each of its months: two contacts are not enough
    assert owner_contacts.owner_contact_rate(["hh_1", "hh_1", "hh_2"], 4, 1, months=3)["numerator"] == 0
    assert owner_contacts.owner_contact_rate(["hh_1"] * 3, 4, 1, months=3)["numerator"] == 1


def test_the_desk_kpis_carry_the_contact_rate_and_the_managers_visits():
    found = kpis.estate_kpis("2026-11", [], [], 10, set(), dict(RULES, manager_visits_per_year=2),
                             ["hh_1", "hh_2", "hh_3"], 1)
    assert (found["owner_contact_rate"]["numerator"], found["owner_contact_rate"]["denominator"]) == (3, 10)
    assert found["manager_visits_year_to_date"]["value"] == 0.5
