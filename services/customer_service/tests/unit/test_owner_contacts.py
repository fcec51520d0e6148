"""The steward's monthly contact and the manager's visits: the rules and the KPIs."""
from datetime import datetime, timezone

import pytest

from customer_service import kpis, owner_contacts
from customer_service.rules import DEFAULTS
from estate_common.errors import BusinessRuleViolation, Forbidden

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}


def households(count):
    """``count`` households owed a contact in every month (copies older than their registration)."""
    return {f"hh_{n}": None for n in range(1, count + 1)}


def copies(count, **fields):
    return [{"_id": f"hh_{n}", **fields} for n in range(1, count + 1)]


CONTACT = {"household_id": "hh_1", "kind": "steward_contact", "channel": "phone",
           "contacted_at": "2026-11-20T02:00:00Z", "summary": " lift noise "}


def test_a_steward_contact_is_logged_with_who_and_when():
    made = owner_contacts.new_contact("oc_1", "est_1", CONTACT, NOW, "zhou", ["steward"], RULES)
    assert (made["by"], made["contacted_at"], made["summary"]) == ("zhou", "2026-11-20T02:00:00.000Z", "lift noise")


def test_a_contact_in_the_future_is_refused():
    with pytest.raises(BusinessRuleViolation) as refused:
        owner_contacts.new_contact("oc_1", "est_1", dict(CONTACT, contacted_at="2026-11-24T00:00:00Z"), NOW,
                                   "zhou", ["steward"], RULES)
    assert refused.value.errors[0]["field"] == "data.contacted_at"


def test_a_contact_is_logged_within_the_estates_days_of_it():
    """One of 1900 was taken (a probe)."""
    for at in ("1900-01-01T02:00:00Z", "2026-11-08T15:59:59Z"):  # 8 November there: fifteen days before the 23rd
        with pytest.raises(BusinessRuleViolation) as refused:
            owner_contacts.new_contact("oc_1", "est_1", dict(CONTACT, contacted_at=at), NOW, "zhou", ["steward"], RULES)
        assert refused.value.detail == "a contact is logged within 14 days of it"
        assert refused.value.errors == [{"field": "data.contacted_at", "message": "is more than 14 days ago"}]
    fortnight = dict(CONTACT, contacted_at="2026-11-08T16:00:00Z")  # 9 November there
    assert owner_contacts.new_contact("oc_1", "est_1", fortnight, NOW, "zhou", ["steward"], RULES)["contacted_at"]
    an_hour_ago = dict(CONTACT, contacted_at="2026-11-23T07:00:00Z")  # 0 is the same day, not "from now on" (review)
    assert owner_contacts.new_contact("oc_1", "est_1", an_hour_ago, NOW, "zhou", ["steward"],
                                      {**RULES, "recorded_within_days": 0})["contacted_at"]


def test_a_managers_visit_is_the_managers_and_in_person():
    visit = dict(CONTACT, kind="manager_visit", channel="visit")
    with pytest.raises(Forbidden):
        owner_contacts.new_contact("oc_1", "est_1", visit, NOW, "zhou", ["steward"], RULES)
    with pytest.raises(BusinessRuleViolation) as refused:
        owner_contacts.new_contact("oc_1", "est_1", dict(visit, channel="phone"), NOW, "boss", ["manager"], RULES)
    assert refused.value.errors[0]["field"] == "data.channel"
    assert owner_contacts.new_contact("oc_1", "est_1", visit, NOW, "boss", ["manager"], RULES)["kind"] == "manager_visit"


def test_the_contact_rate_counts_households_with_enough_contacts_over_all_households():
    november = [("hh_1", "2026-11"), ("hh_1", "2026-11"), ("hh_2", "2026-11")]
    assert owner_contacts.owner_contact_rate(november, households(4), 1, ["2026-11"], "2026-12") == {
        "numerator": 2, "denominator": 4, "value": 0.5, "unit": "ratio", "target": 1,
        "note": "households with at least 1 steward contact(s) of the period / households"}
    assert owner_contacts.owner_contact_rate(november, households(4), 2, ["2026-11"], "2026-12")["numerator"] == 1
    assert owner_contacts.owner_contact_rate([], households(0), 1, ["2026-11"], "2026-12")["value"] is None  # no households: no data


def test_a_quarter_asks_for_the_contacts_in_each_of_its_months():
    """Three calls in January made a household contacted for the whole quarter, though the
    months' own figures said February and March had none (found by review)."""
    quarter = ["2026-01", "2026-02", "2026-03"]
    january_only = [("hh_1", "2026-01")] * 3
    every_month = [("hh_2", month) for month in quarter]
    assert owner_contacts.owner_contact_rate(january_only + every_month, households(2), 1, quarter, "2026-04")["numerator"] == 1


def test_months_not_over_yet_do_not_count_against_a_household():
    """On 2 December the quarter's figure was 0 for a household contacted in October and
    November, since December had no contact yet (found by review)."""
    quarter = ["2026-10", "2026-11", "2026-12"]
    contacts = [("hh_1", "2026-10"), ("hh_1", "2026-11"), ("hh_2", "2026-10")]
    rate = owner_contacts.owner_contact_rate(contacts, households(3), 1, quarter, "2026-12")
    assert (rate["numerator"], rate["denominator"]) == (1, 3)
    # the month itself, on its 2nd day: the progress so far, not 100 % for the one household
    # contacted (contacted ÷ contacted; found by a domain probe)
    december = owner_contacts.owner_contact_rate([("hh_1", "2026-12")], households(3), 1, ["2026-12"], "2026-12")
    assert (december["numerator"], december["denominator"]) == (1, 3) and "not over" in december["note"]
    assert owner_contacts.owner_contact_rate([], households(3), 1, ["2026-12"], "2026-12")["value"] == 0
    # a month that is over is due as before
    assert owner_contacts.owner_contact_rate([], households(3), 1, ["2026-11"], "2026-12")["denominator"] == 3


def test_the_desk_kpis_carry_the_contact_rate_and_the_managers_visits():
    found = kpis.estate_kpis("2026-11", [], [], copies(10), set(), dict(RULES, manager_visits_per_year=2),
                             [(h, "2026-11-10T02:00:00.000Z") for h in ("hh_1", "hh_2", "hh_3")], 1)
    assert (found["owner_contact_rate"]["numerator"], found["owner_contact_rate"]["denominator"]) == (3, 10)
    assert found["manager_visits_year_to_date"]["value"] == 0.5


def test_months_before_a_household_was_registered_or_handed_over_are_not_owed():
    """An estate taken on in November read 0 % for October and for its whole year, for good,
    and every household added later dragged its year down the same way (found by a domain
    probe)."""
    year = [f"2026-{month:02d}" for month in range(1, 13)]
    taken_on = {"hh_1": "2026-11", "hh_2": "2026-11", "hh_3": "2026-12"}
    contacted = [("hh_1", "2026-11"), ("hh_2", "2026-11")]
    october = owner_contacts.owner_contact_rate([], taken_on, 1, ["2026-10"], "2026-12")
    assert (october["numerator"], october["denominator"], october["value"]) == (0, 0, None)  # no data, not 0 %
    # on 3 December: November is the year's one month over; hh_3 came in December and owes nothing yet
    so_far = owner_contacts.owner_contact_rate(contacted, taken_on, 1, year, "2026-12")
    assert (so_far["numerator"], so_far["denominator"]) == (2, 2)
    # in January: hh_3 owed December alone, hh_1 November and December
    after = owner_contacts.owner_contact_rate(contacted + [("hh_1", "2026-12"), ("hh_3", "2026-12")],
                                              taken_on, 1, year, "2027-01")
    assert (after["numerator"], after["denominator"]) == (2, 3)


def test_a_household_is_owed_contacts_from_its_registration_or_its_handover_whichever_is_later():
    tz = "Asia/Shanghai"
    # registered at 17:00 UTC on 31 October: 1 November in Shanghai
    assert owner_contacts.owed_from({"_id": "hh_1", "created_at": "2026-10-31T17:00:00.000Z"}, tz) == "2026-11"
    handed_over = {"_id": "hh_1", "created_at": "2026-03-02T02:00:00.000Z", "occupied_from": "2026-09-15"}
    assert owner_contacts.owed_from(handed_over, tz) == "2026-09"
    # a handover recorded before the estate was taken on (an earlier developer's) changes nothing
    assert owner_contacts.owed_from(dict(handed_over, occupied_from="2019-05-01"), tz) == "2026-03"
    assert owner_contacts.owed_from({"_id": "hh_1"}, tz) is None  # a copy older than the registration field


def test_the_desk_kpis_count_households_registered_by_the_periods_end():
    households = copies(2, created_at="2026-11-05T02:00:00.000Z") + [{"_id": "hh_3", "created_at": "2026-12-02T02:00:00.000Z"}]
    october = kpis.estate_kpis("2026-10", [], [], households[:2], set(), RULES, now="2026-12-03T00:00:00.000Z")
    assert october["owner_contact_rate"]["value"] is None and october["valid_complaint_rate"]["denominator"] == 0
    november = kpis.estate_kpis("2026-11", [], [], households, set(), RULES, [("hh_1", "2026-11-10T02:00:00.000Z")],
                                now="2026-12-03T00:00:00.000Z")
    assert (november["owner_contact_rate"]["numerator"], november["owner_contact_rate"]["denominator"]) == (1, 2)
    assert november["valid_complaint_rate"]["denominator"] == 2


def _owed(households, contacts, per_month, period, tz="Asia/Shanghai"):
    return [(household["_id"], count) for household, count in
            owner_contacts.still_owed(households, contacts, per_month, period, tz)]


def test_a_contact_at_three_in_the_morning_on_the_first_counts_in_that_month():
    """The month is the estate's: 03:00 on 1 December in Shanghai is 19:00 on 30 November in UTC."""
    flats = copies(2, created_at="2026-03-02T02:00:00.000Z")
    first_of_december = [("hh_1", "2026-11-30T19:00:00.000Z")]
    assert _owed(flats, first_of_december, 1, "2026-12") == [("hh_2", 0)]
    assert _owed(flats, first_of_december, 1, "2026-11") == [("hh_1", 0), ("hh_2", 0)]  # not November's


def test_a_household_with_one_of_two_contacts_is_still_owed_with_its_count():
    flats = copies(3, created_at="2026-03-02T02:00:00.000Z")
    contacts = [("hh_1", "2026-11-03T02:00:00.000Z"), ("hh_1", "2026-11-20T02:00:00.000Z"),
                ("hh_2", "2026-11-05T02:00:00.000Z")]
    assert _owed(flats, contacts, 2, "2026-11") == [("hh_2", 1), ("hh_3", 0)]
    assert _owed(flats, contacts, 1, "2026-11") == [("hh_3", 0)]


def test_the_households_still_owed_are_those_the_contact_rate_counts_as_not_contacted():
    """Vacant units included (their owners are owed the contact as the KPI counts them), and a
    household registered or handed over after the month left out as the KPI leaves it."""
    flats = [{"_id": "hh_1", "status": "vacant", "created_at": "2026-03-02T02:00:00.000Z"},
             {"_id": "hh_2", "status": "occupied", "created_at": "2026-03-02T02:00:00.000Z"},
             {"_id": "hh_3", "status": "vacant", "created_at": "2026-03-02T02:00:00.000Z",
              "occupied_from": "2026-12-01"},
             {"_id": "hh_4", "status": "occupied", "created_at": "2026-12-01T02:00:00.000Z"},
             {"_id": "hh_5", "status": "occupied", "created_at": "2026-03-02T02:00:00.000Z"}]
    contacts = [("hh_5", "2026-11-20T02:00:00.000Z")]
    owed = _owed(flats, contacts, 1, "2026-11")
    assert owed == [("hh_1", 0), ("hh_2", 0)]
    found = kpis.estate_kpis("2026-11", [], [], flats, set(), RULES, contacts, now="2026-12-03T00:00:00.000Z")
    rate = found["owner_contact_rate"]
    assert rate["denominator"] - rate["numerator"] == len(owed) == 2


@pytest.mark.parametrize("registered", [
    "2026-10-31T15:59:59.999Z", "2026-10-31T16:00:00.000Z", "2026-10-31T16:00:00.001Z",  # 1 November 00:00 there
    "2026-09-30T16:00:00.000Z", "2026-11-15T00:00:00.000Z",
    "2026-10-31T15:59:59Z", "2026-10-31T16:00:00Z", "2026-10-31T15:59:59.999999Z", "2026-10-31T16:00:00+00:00",
    None, ""])
@pytest.mark.parametrize("handed_over", [None, "", "2026-10-01", "2026-10-31", "2026-11-01"])
@pytest.mark.parametrize("period", ["2026-09", "2026-10", "2026-11"])
def test_whether_a_household_is_owed_in_a_month_is_the_kpis_rule_however_its_registration_is_written(
        registered, handed_over, period):
    """The due list reads a registration written as ``clock.to_iso`` writes as text against the
    month's end (``owed_in``): the same answer as reading it on the estate's calendar
    (``owed_from``), at the month's edge and for stamps written otherwise."""
    from estate_common import calendar

    household = {"_id": "hh_1", **({"created_at": registered} if registered is not None else {}),
                 **({"occupied_from": handed_over} if handed_over is not None else {})}
    end = calendar.month_bounds(period, "Asia/Shanghai")[1]
    expected = bool(owner_contacts.owed_months(owner_contacts.owed_from(household, "Asia/Shanghai"), [period]))
    assert owner_contacts.owed_in(household, period, "Asia/Shanghai", end) is expected
    assert owner_contacts.owed_in(household, period, "Asia/Shanghai") is expected


def test_a_household_keeps_its_newest_contacts_once_each_and_counts_those_since_a_month_began():
    """``kept_with``: a contact put on twice is there once; the newest ``KEPT_CONTACTS`` (a month may
    ask 31) are kept, newest first; ``kept_since`` counts those at or after a month's first instant."""
    def contact(n, at):
        return {"_id": f"oc_{n}", "contacted_at": at}

    kept = owner_contacts.kept_with([], contact(1, "2026-11-30T15:00:00.000Z"))
    kept = owner_contacts.kept_with(kept, contact(2, "2026-12-01T02:00:00.000Z"))
    assert owner_contacts.kept_with(kept, contact(2, "2026-12-01T02:00:00.000Z")) == kept == [
        "2026-12-01T02:00:00.000Z|oc_2", "2026-11-30T15:00:00.000Z|oc_1"]
    assert owner_contacts.kept_since(kept, "2026-11-30T16:00:00.000Z") == 1  # 1 December there
    assert owner_contacts.kept_since(kept, "2026-11-30T15:00:00.000Z") == 2  # at the first instant: counted
    assert owner_contacts.kept_since(None, "2026-11-30T16:00:00.000Z") == 0
    many = []
    for n in range(40):
        many = owner_contacts.kept_with(many, contact(n, f"2026-12-01T02:00:{n:02d}.000Z"))
    assert len(many) == owner_contacts.KEPT_CONTACTS == 31 and many[0].endswith("|oc_39") and many[-1].endswith("|oc_9")
    assert owner_contacts.kept_with(many, contact(99, "2026-11-01T00:00:00.000Z")) == many  # older than all kept


def test_the_kpis_month_owed_from_read_by_the_periods_bounds_is_owed_the_same_months():
    """The contact rate asked each of a big estate's 10,000 copies its first month owed on the
    calendar (``owed_from``: a parse and a timezone each, 108 of 500 ms of the KPIs in process:
    session 53, h3). ``owed_from_within`` reads a registration written as the store writes its stamps
    by the text of the period's months' bounds, any other as before; of the period's months, each
    copy is owed the same (``owed_months``, the KPI's one rule), on random copies, zones, periods
    (months, quarters, years), month ends and handovers."""
    import random
    from datetime import timedelta
    from estate_common import calendar, clock
    rng = random.Random(53)
    zones = ["Asia/Shanghai", "Etc/GMT+12", "Pacific/Kiritimati", "America/New_York", "UTC"]
    for _ in range(300):
        zone = rng.choice(zones)
        period = rng.choice(["2026-02", "2026-12", "2026-Q1", "2026-Q4", "2026", "2025-12"])
        months = calendar.months_of(period)
        bounds = owner_contacts.period_bounds(months, zone)
        for _ in range(20):
            moment = datetime(2025, 11, 30, tzinfo=timezone.utc) + timedelta(
                days=rng.randrange(430), hours=rng.choice([0, 10, 11, 12, 13, 14, 15, 16, 23]),
                minutes=rng.choice([0, 59]), milliseconds=rng.choice([0, 999]))
            written = rng.choice([clock.to_iso(moment), moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  moment.astimezone(timezone(timedelta(hours=8))).isoformat(), None])
            copy = {"_id": "hh_1", "created_at": written,
                    "occupied_from": rng.choice([None, None, f"2026-{rng.randrange(1, 13):02d}-15"])}
            exact, read = owner_contacts.owed_from(copy, zone), owner_contacts.owed_from_within(copy, zone, bounds)
            for judged in [months] + [[month] for month in months]:
                assert owner_contacts.owed_months(read, judged) == owner_contacts.owed_months(exact, judged), (
                    copy, zone, period)


def test_the_kpis_contacts_months_read_by_the_periods_bounds_are_the_calendars():
    """The contact rate put each of the period's steward contacts in the estate's zone to find its
    month (``in_months``: a parse and a zone each, 3,000 a big estate's month, the contact rate's
    top entry once the copies' months were read by text: session 53, r3). ``in_months_within``
    reads a stamp written as the store writes them (``STAMP``, as ``record`` keeps ``contacted_at``)
    by the text of the period's months' bounds, any other as before: the same months, on random
    stamps of the period (and around its bounds), zones and periods."""
    import random
    from datetime import timedelta
    from estate_common import calendar, clock
    rng = random.Random(61)
    zones = ["Asia/Shanghai", "Etc/GMT+12", "Pacific/Kiritimati", "America/New_York", "UTC", "Asia/Kolkata"]
    for _ in range(300):
        zone = rng.choice(zones)
        period = rng.choice(["2026-02", "2026-03", "2026-12", "2026-Q1", "2026-Q4", "2026", "2025-12"])
        bounds = owner_contacts.period_bounds(calendar.months_of(period), zone)
        first, after = clock.parse_iso(bounds[0][1]), clock.parse_iso(bounds[-1][2])
        contacts = []
        for _ in range(20):
            edge = rng.choice([first, after, clock.parse_iso(rng.choice(bounds)[2])])
            moment = rng.choice([first + (after - first) * rng.random(),
                                 edge + timedelta(milliseconds=rng.choice([-1, 0, 1]))])
            moment = min(max(moment, first), after - timedelta(milliseconds=1))
            written = rng.choice([clock.to_iso(moment), clock.to_iso(moment),
                                  moment.astimezone(timezone(timedelta(hours=8))).isoformat()])
            contacts.append((f"hh_{rng.randrange(5)}", written))
        assert owner_contacts.in_months_within(contacts, zone, bounds) == owner_contacts.in_months(contacts, zone), (
            zone, period)
