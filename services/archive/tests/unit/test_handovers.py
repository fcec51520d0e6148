"""Takeover and handover checklists (接管验收 / 交房): the rules, without broker or store."""
from datetime import datetime, timezone

import pytest

from archive import handovers
from estate_common.errors import BusinessRuleViolation, Conflict

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
HOUSEHOLD = {"_id": "hh_1", "estate_id": "est_1"}
ITEMS = [{"item": " doors ", "result": "pass"}, {"item": "windows", "result": "fail", "note": " cracked "}]


def made(kind, date="2026-11-10", items=ITEMS, accepted=None):
    return handovers.new_handover("handover_1", HOUSEHOLD, {"kind": kind, "date": date, "items": items},
                                  NOW, "li", accepted or {})


def test_items_are_numbered_and_a_failed_one_leaves_defects_found():
    takeover = made("takeover")
    assert [(i["number"], i["item"], i["note"]) for i in takeover["items"]] == [(1, "doors", None), (2, "windows", "cracked")]
    assert (takeover["outcome"], takeover["failed_items"], takeover["documents"]) == ("defects_found", [2], [])
    assert made("takeover", items=ITEMS[:1])["outcome"] == "accepted"


def test_a_handover_needs_an_accepted_takeover_not_later_than_its_day():
    with pytest.raises(BusinessRuleViolation):
        made("handover")
    accepted = {"takeover": {"date": "2026-11-05"}}
    with pytest.raises(BusinessRuleViolation) as refused:
        made("handover", date="2026-11-04", accepted=accepted)
    assert refused.value.errors[0]["field"] == "data.date"
    assert made("handover", date="2026-11-05", accepted=accepted)["kind"] == "handover"


@pytest.mark.parametrize("kind", ["takeover", "handover"])
def test_an_accepted_one_of_its_kind_is_final(kind):
    with pytest.raises(Conflict):
        made(kind, accepted={"takeover": {"date": "2026-11-01"}, kind: {"date": "2026-11-02"}})


def test_an_accepted_one_has_one_id_per_household_and_kind_and_a_second_request_loses():
    accepted = made("takeover", items=ITEMS[:1])
    assert accepted["_id"] == handovers.accepted_id("hh_1", "takeover") != handovers.accepted_id("hh_1", "handover")
    assert accepted["_requested_as"] == "handover_1" and made("takeover")["_id"] == "handover_1"
    assert handovers.second_accept("handover_1")(accepted) is accepted  # the request's own retry
    with pytest.raises(Conflict):
        handovers.second_accept("handover_2")(accepted)


def test_only_an_accepted_handover_or_takeover_dates_the_households_billing():
    household = {"_id": "hh_1", "version": 3}
    given = made("handover", date="2026-06-15", items=ITEMS[:1], accepted={"takeover": {"date": "2026-05-01"}})
    assert handovers.occupancy(household, given, NOW) == {"occupied_from": "2026-06-15", "occupied_to": None,
                                                          "version": 4, "updated_at": "2026-11-23T08:30:00.000Z"}
    assert handovers.occupancy(household | {"occupied_from": "2026-06-15"}, given, NOW) is None
    # an accepted takeover (接管验收) dates the developer's bills (finance ``payers``): ``taken_over_on``
    assert handovers.occupancy(household, made("takeover", items=ITEMS[:1]), NOW) == {
        "taken_over_on": "2026-11-10", "version": 4, "updated_at": "2026-11-23T08:30:00.000Z"}
    assert handovers.occupancy(household | {"taken_over_on": "2026-11-10"}, made("takeover", items=ITEMS[:1]),
                               NOW) is None
    assert handovers.occupancy(household, made("takeover"), NOW) is None  # defects found: not taken over
    # a handover refused (defects found, not taken): no handover, the unit stays the developer's
    assert handovers.occupancy(household, made("handover", accepted={"takeover": {"date": "2026-05-01"}}), NOW) is None
