"""Staff turnover from deactivations and the operator-wide totals (gateway.operator_kpis)."""
from gateway import operator_kpis

NOV = ("2026-10-31T16:00:00.000Z", "2026-11-30T16:00:00.000Z")  # November in Shanghai


def user(created, left=None, estates=("A",), roles=("agent",)):
    return {"created_at": created, "deactivated_at": left, "estate_ids": list(estates), "roles": list(roles)}


def test_turnover_is_deactivations_over_the_average_of_the_accounts_held_at_start_and_end():
    staff = [user("2026-01-01T00:00:00.000Z"), user("2026-01-01T00:00:00.000Z"),
             user("2026-01-01T00:00:00.000Z", left="2026-11-10T00:00:00.000Z"),  # left in November
             user("2026-11-15T00:00:00.000Z"),  # joined in November
             user("2026-01-01T00:00:00.000Z", left="2026-10-01T00:00:00.000Z")]  # left before
    shown = operator_kpis.staff_turnover(staff, *NOV)
    # held at the start: 3 (the two, and the one who left in November); at the end: 3
    assert (shown["numerator"], shown["denominator"], shown["value"]) == (1, 3.0, 0.3333)
    assert operator_kpis.staff_turnover([], *NOV)["value"] is None  # no staff: no data


def test_an_estates_staff_are_the_accounts_naming_it_and_not_the_operator_admins():
    users = [user("2025-06-01T00:00:00.000Z"), user("2025-06-01T00:00:00.000Z", estates=("B",)),
             user("2025-06-01T00:00:00.000Z", roles=("operator_admin",)),
             user("2025-06-01T00:00:00.000Z", left="2026-11-03T00:00:00.000Z", estates=("A", "B"))]
    assert len(operator_kpis.staff_of(users, "A")) == 2
    one = operator_kpis.estate_turnover(users, {"id": "A", "timezone": "Asia/Shanghai"}, "2026-Q4")
    assert (one["staff_turnover"]["numerator"], one["staff_turnover"]["denominator"]) == (1, 1.5)
    estates = [{"id": "A", "timezone": "Asia/Shanghai"}, {"id": "B", "timezone": "Asia/Shanghai"}]
    everyone = operator_kpis.operator_turnover(users, estates, "2026")
    # the account of A and B is counted once: 3 staff at the start, 2 at the end, 1 left
    assert (everyone["numerator"], everyone["denominator"]) == (1, 2.5)


def test_each_account_is_counted_on_its_own_estates_calendar():
    # 2026-10-31 20:00 UTC: 1 November 04:00 in Shanghai, still 31 October 20:00 in London
    left_then = "2026-10-31T20:00:00.000Z"
    users = [user("2025-06-01T00:00:00.000Z", left=left_then, estates=("SH",)),
             user("2025-06-01T00:00:00.000Z", left=left_then, estates=("LDN",)),
             user("2025-06-01T00:00:00.000Z", estates=("LDN",))]
    estates = [{"id": "SH", "timezone": "Asia/Shanghai"}, {"id": "LDN", "timezone": "Europe/London"}]
    november = operator_kpis.operator_turnover(users, estates, "2026-11")
    # Shanghai's account left in its November (held at its start only); London's left in October
    assert (november["numerator"], november["denominator"]) == (1, 1.5)
    october = operator_kpis.operator_turnover(users, list(reversed(estates)), "2026-10")
    assert (october["numerator"], october["denominator"]) == (1, 2.5)


def test_a_period_not_begun_is_no_data_not_a_turnover_of_zero():
    """Every KPI of a month to come is "no data"; turnover showed 0 of 3 (found by review)."""
    from estate_common import clock
    clock.freeze(clock.parse_iso("2026-12-02T06:00:00.000Z"))
    try:
        users = [user("2025-06-01T00:00:00.000Z") for _ in range(3)]
        shanghai = {"id": "A", "timezone": "Asia/Shanghai"}
        ahead = operator_kpis.estate_turnover(users, shanghai, "2027-01")["staff_turnover"]
        assert (ahead["numerator"], ahead["denominator"], ahead["value"]) == (0, 0, None)
        assert operator_kpis.operator_turnover(users, [shanghai], "2027-01")["value"] is None
        assert operator_kpis.estate_turnover(users, shanghai, "2026-12")["staff_turnover"]["denominator"] == 3
    finally:
        clock.reset()


def test_totals_sum_the_estates_numerators_and_denominators_next_to_each_estate():
    rows = [{"kpis": {"collection_rate": {"numerator": 150, "denominator": 200, "value": 0.75, "unit": "ratio",
                                          "target": 0.95},
                      "major_safety_incidents": {"numerator": 2, "denominator": 1, "value": 2, "unit": "count"},
                      "per_k": {"numerator": 1, "denominator": 400, "value": 2.5, "unit": "per_1000_households"}}},
            {"kpis": {"collection_rate": {"numerator": 1, "denominator": 100, "value": 0.01, "unit": "ratio",
                                          "target": 0.95},
                      "major_safety_incidents": {"numerator": 1, "denominator": 1, "value": 1, "unit": "count"},
                      "per_k": {"numerator": 1, "denominator": 600, "value": 1.6667, "unit": "per_1000_households"},
                      "odd": {"numerator": 1, "denominator": 2, "value": 0.5, "unit": "score"}}},
            {"kpis": {"odd": {"numerator": 1, "denominator": 2, "value": 0.5, "unit": "ratio"}}}]
    summed = operator_kpis.totals(rows)
    assert (summed["collection_rate"]["numerator"], summed["collection_rate"]["denominator"],
            summed["collection_rate"]["value"], summed["collection_rate"]["target"]) == (151, 300, 0.5033, 0.95)
    assert (summed["major_safety_incidents"]["numerator"], summed["major_safety_incidents"]["value"]) == (3, 3.0)
    assert summed["per_k"]["value"] == 2.0
    assert "odd" not in summed  # the estates disagree on its unit


def test_an_estate_with_no_data_adds_nothing_to_a_total():
    """An estate without a budget still has costs: they were divided by the other estates'
    budgets (cost control 2.0 for estates at 1.0 and "no data"; found by review)."""
    rows = [{"kpis": {"cost_control": {"numerator": 10000, "denominator": 10000, "value": 1.0, "unit": "ratio"}}},
            {"kpis": {"cost_control": {"numerator": 10000, "denominator": 0, "value": None, "unit": "ratio"}}}]
    summed = operator_kpis.totals(rows)["cost_control"]
    assert (summed["numerator"], summed["denominator"], summed["value"]) == (10000, 10000, 1.0)
    alone = operator_kpis.totals(rows[1:])["cost_control"]
    assert (alone["numerator"], alone["denominator"], alone["value"]) == (0, 0, None)


def test_a_count_of_estates_that_all_have_no_data_is_no_data():
    """A month to come: each estate's count of major incidents was "no data", their total was 0
    against a target of 0, met (found by review). An estate with data still counts."""
    ahead = {"numerator": 0, "denominator": 0, "value": None, "unit": "count", "target": 0}
    rows = [{"kpis": {"major_safety_incidents": dict(ahead)}}, {"kpis": {"major_safety_incidents": dict(ahead)}}]
    total = operator_kpis.totals(rows)["major_safety_incidents"]
    assert (total["numerator"], total["denominator"], total["value"]) == (0, 0, None)
    counted = dict(ahead, numerator=2, denominator=1, value=2)
    total = operator_kpis.totals(rows + [{"kpis": {"major_safety_incidents": counted}}])["major_safety_incidents"]
    assert (total["numerator"], total["denominator"], total["value"]) == (2, 1, 2.0)


def test_a_leaver_a_move_and_a_promotion_are_counted_where_and_when_they_happened():
    """Turnover read each account's estates and roles as they are now: a leaver whose estates were
    cleared with the deactivation was counted nowhere, a move to another estate halved the old
    estate's staff (200 % turnover) and rewrote its past months, as did a promotion (a probe)."""
    from gateway import memberships
    joined = "2026-06-01T00:00:00.000Z"

    def account(estates=("BJ",)):
        return {"created_at": joined, "estate_ids": list(estates), "roles": ["security"], "active": True,
                "memberships": memberships.first(estates, ["security"], joined)}

    def change(user, changes, at):
        spans = memberships.after(user, changes, at)
        return {**user, **changes, "memberships": spans}

    a = change(account(), {"active": False}, "2026-11-10T00:00:00.000Z")
    b = change(account(), {"active": False, "estate_ids": []}, "2026-11-11T00:00:00.000Z")  # offboarded
    c = change(account(), {"estate_ids": ["SH"]}, "2026-11-12T00:00:00.000Z")  # moved
    d = change(account(), {"roles": ["operator_admin"], "estate_ids": []}, "2026-11-13T00:00:00.000Z")  # promoted
    users = [a, b, c, d]
    estates = [{"id": "BJ", "timezone": "Asia/Shanghai"}, {"id": "SH", "timezone": "Asia/Shanghai"}]
    assert [len(operator_kpis.staff_of(users, e["id"])) for e in estates] == [4, 1]
    bj = operator_kpis.estate_turnover(users, estates[0], "2026-11")["staff_turnover"]
    assert (bj["numerator"], bj["denominator"]) == (2, 2.0)  # a and b left; 4 at the start, none at the end
    sh = operator_kpis.estate_turnover(users, estates[1], "2026-11")["staff_turnover"]
    assert (sh["numerator"], sh["denominator"]) == (0, 0.5)  # c arrived: no departure
    everyone = operator_kpis.operator_turnover(users, estates, "2026-11")
    assert (everyone["numerator"], everyone["denominator"]) == (2, 2.5)  # 4 at the start, c at the end
    october = operator_kpis.estate_turnover(users, estates[0], "2026-10")["staff_turnover"]
    assert (october["numerator"], october["denominator"]) == (0, 4.0)  # a closed month stays as it was


def _agent(joined="2026-06-01T00:00:00.000Z", estates=("A",)):
    from gateway import memberships
    return {"created_at": joined, "estate_ids": list(estates), "roles": ["agent"], "active": True,
            "memberships": memberships.first(estates, ["agent"], joined)}


def _changed(user, changes, at):
    from gateway import memberships
    return {**user, **changes, "memberships": memberships.after(user, changes, at)}


SHANGHAI = {"id": "A", "timezone": "Asia/Shanghai"}


def _turnover(users, period):
    shown = operator_kpis.estate_turnover(users, SHANGHAI, period)["staff_turnover"]
    return shown["numerator"], shown["denominator"]


def test_a_leaver_made_active_again_next_month_stays_the_closed_months_departure():
    """A reactivation reopened the last span: October's leaver, back in November, vanished from
    October's report once the month was reported (review). Now the departure stays, and the
    reactivation is a new span: November's joiner."""
    gone = _changed(_agent(), {"active": False}, "2026-10-10T02:00:00.000Z")
    staying = _agent()
    october_before = _turnover([gone, staying], "2026-10")
    assert october_before == (1, 1.5)  # 2 at its start, 1 at its end, 1 left
    back = _changed(gone, {"active": True}, "2026-11-05T02:00:00.000Z")
    assert _turnover([back, staying], "2026-10") == october_before
    assert _turnover([back, staying], "2026-11") == (0, 1.5)  # a joiner: 1 at its start, 2 at its end
    assert [(span["from"], span["to"], span["left"]) for span in back["memberships"]] == [
        ("2026-06-01T00:00:00.000Z", "2026-10-10T02:00:00.000Z", True), ("2026-11-05T02:00:00.000Z", None, False)]
    # the quarter: it left and was back before the quarter's end, held at both ends: no departure
    assert _turnover([back, staying], "2026-Q4") == (0, 2.0)
    # and back in another estate, the account is that estate's joiner, A's October is unchanged
    elsewhere = _changed(gone, {"active": True, "estate_ids": ["B"]}, "2026-11-05T02:00:00.000Z")
    assert _turnover([elsewhere, staying], "2026-10") == october_before


def test_a_deactivation_undone_within_the_month_is_no_departure_of_it():
    """Deactivated by mistake and made active again within the month: the account was never gone
    from the month (held at its start and end), so it is no departure; gone again later in the
    month, it is one, once."""
    mistaken = _changed(_agent(), {"active": False}, "2026-11-10T02:00:00.000Z")
    assert _turnover([mistaken], "2026-11") == (1, 0.5)  # read while it is gone
    back = _changed(mistaken, {"active": True}, "2026-11-11T02:00:00.000Z")
    assert _turnover([back], "2026-11") == (0, 1.0)
    assert _turnover([back], "2026-10") == (0, 1.0)
    again = _changed(back, {"active": False}, "2026-11-20T02:00:00.000Z")
    assert _turnover([again], "2026-11") == (1, 0.5)
    # on the estate's calendar: back at 1 December 03:00 in Shanghai is after November's end
    late = _changed(mistaken, {"active": True}, "2026-11-30T19:00:00.000Z")
    assert _turnover([late], "2026-11") == (1, 0.5)


def test_the_operator_wide_patrol_completion_counts_every_estate_s_suspended_slots():
    """停巡: an estate whose month was suspended whole has no data, yet its slots suspended count in
    the total's ``suspended_slots``, as the operator comparing estates is to see them."""
    rows = [{"kpis": {"patrol_completion": {"numerator": 5, "denominator": 10, "value": 0.5, "unit": "ratio",
                                            "suspended_slots": 2}}},
            {"kpis": {"patrol_completion": {"numerator": 0, "denominator": 0, "value": None, "unit": "ratio",
                                            "suspended_slots": 30}}},
            {"kpis": {"patrol_completion": {"numerator": 3, "denominator": 3, "value": 1.0, "unit": "ratio"}}}]
    summed = operator_kpis.totals(rows)["patrol_completion"]
    assert (summed["numerator"], summed["denominator"], summed["suspended_slots"]) == (8, 13, 32)
    assert "suspended_slots" not in operator_kpis.totals(rows[2:])["patrol_completion"]


def test_a_weeks_turnover_counts_who_left_in_its_monday_to_sunday_on_the_estates_calendar():
    """An ISO week is a KPI period: 2026-W49 is 30 November to 6 December. An account deactivated at
    2026-11-29T18:00Z left on Monday 30 November at 08:00 at UTC+14 (in the week) and on Sunday
    29 November at 07:00 at UTC-11 (the week before)."""
    left_then = "2026-11-29T18:00:00.000Z"
    users = [user("2025-06-01T00:00:00.000Z", left=left_then, estates=("E",)),
             user("2025-06-01T00:00:00.000Z", left=left_then, estates=("W",)),
             user("2025-06-01T00:00:00.000Z", estates=("W",))]
    east, west = {"id": "E", "timezone": "Pacific/Kiritimati"}, {"id": "W", "timezone": "Pacific/Niue"}
    assert operator_kpis.estate_turnover(users, east, "2026-W49")["staff_turnover"]["numerator"] == 1
    assert operator_kpis.estate_turnover(users, west, "2026-W49")["staff_turnover"]["numerator"] == 0
    assert operator_kpis.estate_turnover(users, west, "2026-W48")["staff_turnover"]["numerator"] == 1
    both = operator_kpis.operator_turnover(users, [east, west], "2026-W49")
    assert (both["numerator"], both["denominator"]) == (1, 1.5)


def test_the_operator_wide_archive_completeness_names_the_months_an_estate_s_services_did_not_count():
    """h6's ``not_counted`` (the months of the period a service did not count, the figure of the months
    counted) was left out of the total: 1,000 estates' completeness read 100 % operator-wide, and the
    console marked it met, with October never counted in one of them (found by r6). The total names
    every month some estate lacks, once, in order."""
    def completeness(numerator, denominator, **more):
        return {"kpis": {"archive_completeness": {"numerator": numerator, "denominator": denominator,
                                                  "value": numerator / denominator if denominator else None,
                                                  "unit": "ratio", "target": 1, **more}}}
    rows = [completeness(2, 2, not_counted=["2026-10"]), completeness(5, 5),
            completeness(0, 0, not_counted=["2026-03", "2026-10"])]
    summed = operator_kpis.totals(rows)["archive_completeness"]
    assert (summed["numerator"], summed["denominator"], summed["not_counted"]) == (7, 7, ["2026-03", "2026-10"])
    assert "not_counted" not in operator_kpis.totals(rows[1:2])["archive_completeness"]


def test_the_operator_wide_collection_rate_names_the_months_an_estate_did_not_bill():
    """finance's ``not_billed`` (the months a billing run should have billed and has not, the figures
    the bills' own) was left out of the total as ``not_counted`` was: an estate that billed nothing
    all month is no data, left out of the sums, and the operator-wide rate read 96 % with nothing
    saying a month went unbilled (found by h5). The total names every such month, once, in order."""
    def rate(numerator, denominator, **more):
        return {"kpis": {"collection_rate": {"numerator": numerator, "denominator": denominator,
                                             "value": numerator / denominator if denominator else None,
                                             "unit": "ratio", **more}}}
    rows = [rate(96, 100), rate(0, 0, not_billed=["2026-11"]), rate(10, 20, not_billed=["2026-10", "2026-11"])]
    summed = operator_kpis.totals(rows)["collection_rate"]
    assert (summed["numerator"], summed["denominator"], summed["not_billed"]) == (106, 120, ["2026-10", "2026-11"])
    assert "not_billed" not in operator_kpis.totals(rows[:1])["collection_rate"]
