"""The shape of every KPI (``contracts/common.json#/$defs/kpi``) and the months a period names
(a month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``).

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


def kpi(numerator, denominator, unit="ratio", target=None, note=None, scale=1):
    shown = {"numerator": numerator, "denominator": denominator,
             "value": ratio(numerator, denominator, scale), "unit": unit}
    if target is not None:
        shown["target"] = target
    if note:
        shown["note"] = note
    return shown


def begun(start):
    """Whether a period that starts at ``start`` (an ISO string, on the estate's calendar) has
    begun: the KPIs of one to come are "no data" (``not_begun``), not counts of nothing."""
    return start <= clock.now_iso()


def not_begun(block):
    """An estate's KPI block for a period that has not begun on its calendar: every KPI "no data"
    (0 ÷ 0), its unit, target and note kept. Counted as usual, a month to come showed a
    valid-complaint rate of 0 (target met) and 0 major incidents per 1,000 households."""
    return {name: {**shown, "numerator": 0, "denominator": 0, "value": None} if "numerator" in shown else shown
            for name, shown in block.items()}


def before_the_estate(block, names, since, end, timezone):
    """An estate's KPI block with the obligations ``names`` (a plan due by a date, checks or
    surveys owed a year) "no data" when the period ended before the estate was registered
    (``since``, its ``created_at``; None for a copy from before estates carried it) and nothing
    was recorded towards them: nobody could have met them. A probe read 0 of 1 plans and 0 of 2
    archive checks for 2025 of an estate made in December 2026, which also dragged the
    operator's totals down. What was recorded for such a period (an estate taken over mid-year
    enters the checks done before) keeps its figure, and so do the other KPIs: a catch-up billing
    run bills months before the estate was registered, and their collection is real."""
    if since is None or end > since:
        return block
    day = calendar.day_of(clock.parse_iso(since), timezone)
    return block | {name: {**block[name], "numerator": 0, "denominator": 0, "value": None,
                           "note": f"the estate was registered on {day}, after this period"}
                    for name in names if name in block and not block[name]["numerator"]}


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
    """``[start, end)`` of the month ``YYYY-MM``, quarter ``YYYY-Qn`` or year ``YYYY`` as ISO
    strings, on the estate's calendar (``estate_common.calendar.period_bounds``)."""
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
        return block if begun(start) else not_begun(block)
    return per_estate(caller, period, estate_ids, one)


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
