"""The shape of every KPI (``contracts/common.json#/$defs/kpi``) and the months a period names
(a month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``), or the ISO week ``YYYY-Www`` it is
(Monday to Sunday on the estate's calendar: ``calendar.period_window``). A KPI counted by the month
(a monthly obligation, or figures kept by the month) is "no data" of a week and says why
(``by_the_month``).

A KPI shows its numerator and denominator so that a manager can check it; its value is
null ("no data") when there is nothing to divide by, never 0 or 100 %, and for a period that
has not begun on the estate's calendar (``not_begun``).
"""
import time
from decimal import Decimal

from . import calendar, clock
from .money import round_half_up

# KPI values are shown to four decimal places (a ratio of 0.9876 reads as 98.76 %).
PLACES = 4


def ratio(numerator, denominator, scale=1):
    """numerator ÷ denominator (× scale) to four places, half up; None when the denominator is 0."""
    if not denominator:
        return None
    exact = Decimal(str(numerator)) * scale / Decimal(str(denominator))
    return float(round_half_up(exact, PLACES))


def kpi(numerator, denominator, unit="ratio", target=None, note=None, scale=1, yearly=None):
    shown = {"numerator": numerator, "denominator": denominator,
             "value": ratio(numerator, denominator, scale), "unit": unit}
    if target is not None:
        shown["target"] = target
    if note:
        shown["note"] = note
    if yearly is not None:
        shown["yearly"] = yearly
    return shown


def owed_a_year(per_year, year, since, timezone):
    """What an obligation of ``per_year`` a year (surveys, the manager's visits, fire drills,
    archive checks) owes in the estate's local ``year``: ``{"per_year", "owed"}``, and in the
    estate's first, partial year (``since``, its registration, fell in that year after January on
    its calendar, ``timezone``) ``owed`` pro rata to the months kept here with ``months_kept`` and
    ``registered_on`` (its local day). The one rule of every such obligation.

    The months kept are the registration's month to December: a month taken on is a month kept,
    however late in it (as an owner is owed the steward's contact in the month his household is
    registered). What they owe is ``per_year`` x months / 12 rounded up: DOMAIN.md's yearly numbers
    are minimums ("at least twice a year"), a share of a survey is a survey, and an estate taken on
    in December still owes its drill, never nothing (1 <= owed <= per_year for per_year >= 1);
    rounded down, an estate registered in the autumn would owe no survey, and to the nearest, two
    checks a year would owe none from August. An estate registered in October was "missed" at year
    end for the year's survey, drills and checks it could not have made, and an operator taking on
    estates mid-year read their obligations red for months (a domain-gap audit).

    A year before the estate's registration, like a copy without its registration (``since``
    None) and any later year, owes the whole year: ``before_the_estate`` shows such a period "no
    data" unless something was recorded for it, which counts against the year as it was kept."""
    whole = {"per_year": per_year, "owed": per_year}
    if since is None:
        return whole
    registered = calendar.local(clock.parse_iso(since), timezone)
    if registered.year != int(year) or registered.month == 1:
        return whole
    months = 13 - registered.month
    return {"per_year": per_year, "owed": -(-per_year * months // 12), "months_kept": months,
            "registered_on": registered.date().isoformat()}


def owed_text(yearly):
    """What ``yearly`` (``owed_a_year``) owes, for a KPI's note: "2 a year", or in the estate's first
    year "1 owed: 2 a year pro rata to the 3 of 12 months from the estate's registration on
    2026-10-15" (the console reads it: ``views/manager.py`` ``_NOTE_PARTS``)."""
    if "months_kept" not in yearly:
        return f"{yearly['per_year']} a year"
    return (f"{yearly['owed']} owed: {yearly['per_year']} a year pro rata to the {yearly['months_kept']} of 12 "
            f"months from the estate's registration on {yearly['registered_on']}")


def year_to_date(done, yearly, what):
    """A year's obligation so far: ``done`` (what the period's year recorded by its end) ÷ what the
    year owes (``owed_a_year``), target 1 (met once reached, missed once the year is over), the
    obligation beside it (``yearly``) and a note naming both: "{what} this year so far / …"."""
    return kpi(done, yearly["owed"], target=1, note=f"{what} this year so far / {owed_text(yearly)}",
               yearly=yearly)


def begun(start):
    """Whether a period that starts at ``start`` (an ISO string, on the estate's calendar) has
    begun: the KPIs of one to come are "no data" (``not_begun``), not counts of nothing."""
    return start <= clock.now_iso()


def not_begun(block):
    """An estate's KPI block for a period that has not begun on its calendar: every KPI "no data"
    (0 ÷ 0), its unit, target and note kept. Counted as usual, a month to come showed a
    valid-complaint rate of 0 (target met) and 0 major incidents per 1,000 households. A year's
    obligation (``yearly``) owes nothing yet (``owed`` 0), as ``GET …/reports/year-obligations``
    answers a year to come and ``before_the_estate`` a KPI it shows "no data": it still owed the
    whole year (found by this session's probes)."""
    return {name: _no_data(shown) if "numerator" in shown else shown for name, shown in block.items()}


def _no_data(shown):
    """A KPI shown "no data" (0 ÷ 0), its ``yearly`` owing nothing (``owed`` 0): ``not_begun``'s
    and ``before_the_estate``'s."""
    return {**shown, "numerator": 0, "denominator": 0, "value": None} | (
        {"yearly": {**shown["yearly"], "owed": 0}} if "yearly" in shown else {})


def ended_before_the_estate(since, end):
    """Whether a period ending at ``end`` ended before the estate was registered (``since``, None
    for a copy without it): the one test of ``before_the_estate`` and ``owed_before_the_estate``."""
    return since is not None and end <= since


def owed_before_the_estate(yearly, done, since, end):
    """``yearly`` (``owed_a_year``) as ``before_the_estate`` shows it for a period ending at ``end``:
    owing nothing (``owed`` 0) when it ended before the estate was registered and nothing was
    recorded towards it (``done`` 0), where a year's obligations read by name said the whole
    year was owed of a year the KPIs showed "no data" (found reviewing the manager's year)."""
    return {**yearly, "owed": 0} if ended_before_the_estate(since, end) and not done else yearly


def before_the_estate(block, names, since, end, timezone):
    """An estate's KPI block with the obligations ``names`` (a plan due by a date, checks or
    surveys owed a year) "no data" when the period ended before the estate was registered
    (``since``, its ``created_at``; None for a copy from before estates carried it) and nothing
    was recorded towards them: nobody could have met them. A probe read 0 of 1 plans and 0 of 2
    archive checks for 2025 of an estate made in December 2026, which also dragged the
    operator's totals down. What was recorded for such a period (an estate taken over mid-year
    enters the checks done before) keeps its figure, and so do the other KPIs: a catch-up billing
    run bills months before the estate was registered, and their collection is real. A KPI shown
    "no data" so says its ``yearly`` owes nothing (``owed`` 0); a year the estate was registered
    in owes its share (``owed_a_year``)."""
    if not ended_before_the_estate(since, end):
        return block
    day = calendar.day_of(clock.parse_iso(since), timezone)
    return block | {name: _no_data(block[name]) | {"note": f"the estate was registered on {day}, after this period"}
                    for name in names if name in block and not block[name]["numerator"]}


def by_the_month(why, unit="ratio", target=None):
    """A KPI counted by the month asked of an ISO week: "no data" (0 ÷ 0), its unit and target kept,
    its note saying that it is counted by the month and ``why`` (the obligation is monthly, or its
    figures are kept by the month), so a week's dashboard shows it as not a week's figure rather
    than a part of a month's (the steward owes his contact once a month, not each week) or the
    whole request refused for it (found by a typhoon probe asking the week's figures)."""
    return kpi(0, 0, unit, target=target, note=f"{BY_THE_MONTH}: {why}")


# the note's start the console reads (``views/manager.py`` ``_NOTE_PARTS``)
BY_THE_MONTH = "counted by the month, not of a week"


def month_bounds(period, tz):
    """``[start, end)`` of the month ``YYYY-MM`` as ISO strings (which sort as text), on the
    calendar of the IANA timezone ``tz`` (the estate's: see ``estate_common.calendar``)."""
    return calendar.month_bounds(period, tz)


def per_estate(caller, period, estate_ids, estate_kpis):
    """A service's KPI answer: ``{"period", "estates": {estate_id: estate_kpis(estate_id)}}``.

    Each estate is checked against the caller's estates (403) before anything of it is read.

    Between estates the worker lets the service's other calls run (``time.sleep(0)``: under
    eventlet, a switch of green threads). On the embedded store reading is no I/O, so a hundred
    estates' figures held every other call of the service, a household's page among them, for
    a second or more (found by a probe at 1,000 estates)."""
    estates = {}
    for estate_id in estate_ids:
        caller.require_estate(estate_id)
        estates[estate_id] = estate_kpis(estate_id)
        time.sleep(0)
    return {"period": period, "estates": estates}


def period_bounds(period, tz):
    """``[start, end)`` of the month ``YYYY-MM``, quarter ``YYYY-Qn``, year ``YYYY`` or ISO week
    ``YYYY-Www`` as ISO strings, on the estate's calendar (``estate_common.calendar.period_bounds``)."""
    return calendar.period_bounds(period, tz)


def per_estate_month(caller, period, estate_ids, rules_for, estate_kpis):
    """``per_estate`` over the estate's calendar month, quarter or year: ``estate_kpis(estate_id,
    rules, start, end)`` gets the estate's rules (``rules_for(estate_id, as_of)``, with its
    ``timezone``): those in force at the period's end once it is over, so that a past period's
    targets do not follow the settings changed since; and the ``[start, end)`` of ``period`` as
    ISO strings (``period_bounds``)."""
    def one(estate_id):
        rules, start, end = rules_of_period(rules_for, estate_id, period)
        block = estate_kpis(estate_id, rules, start, end)
        if not begun(start):
            return not_begun(block)
        return block if begun(_year_start(period, rules)) else year_not_begun(block)
    return per_estate(caller, period, estate_ids, one)


def _year_start(period, rules):
    """The start of the local year a period's year-to-date KPIs count (``calendar.period_year``): a
    month's, quarter's or year's own, begun with it; an ISO week's, its Sunday's, which 2026-W53
    (28 December 2026 to 3 January 2027) begins after the week does."""
    return clock.to_iso(calendar.year_start(calendar.period_year(period), rules["timezone"]))


def year_not_begun(block):
    """``block`` with its year's obligations (a KPI with ``yearly``) "no data", owing nothing yet,
    the rest kept: a week begun whose Sunday's year has not (2026-W53 asked on 29 December) owes
    nothing of that year, as a year to come's KPIs (``not_begun``) and ``GET …/reports/year-obligations``
    say, where it showed 0 of 2027's surveys owed (found by review r2 of h2)."""
    return {name: _no_data(shown) if "yearly" in shown else shown for name, shown in block.items()}


def rules_of_period(rules_for, estate_id, period):
    """``(rules, start, end)``: the ``[start, end)`` of ``period`` on the estate's calendar (ISO
    strings, ``period_bounds``) and the estate's rules (``rules_for(estate_id, as_of)``) in force
    at its end once it is over, now while it is not: a past period's figures do not follow the
    settings changed since. Every figure of a period asks here (the KPIs, the missed rounds)."""
    rules = rules_for(estate_id)
    start, end = period_bounds(period, rules["timezone"])  # the estate's calendar
    if end <= clock.now_iso():
        rules = rules_for(estate_id, end)
    return rules, start, end
