"""The KPIs the gateway computes itself, and the operator-wide totals of the cross-estate view.

Staff turnover (员工流失率, DOMAIN.md): staff accounts deactivated in the period ÷ average staff
accounts, "where staff are managed here": staff accounts are the gateway's users
(``gateway.users``), so the gateway computes it. An estate's staff are the users that name it
in their ``estate_ids`` (operator admins name none: they are the company's, not an estate's).
The average is (accounts held at the period's start + accounts held at its end) ÷ 2; an account
is held at a moment when it was created before it and not deactivated by then. A deactivation
is the moment ``active`` went from true to false (``deactivated_at``); an account made active
again counts as never having left. The operator-wide rate counts each account once, whatever
number of estates it names, over the period on the calendar of its estate (of the first, by id,
of several it names): the estates of one operator may lie in different timezones.

Totals (``GET /api/v1/kpis``): beside each estate's row, every KPI operator-wide: the sum of the
estates' numerators over the sum of their denominators (so each estate weighs by its size, and
the numerator and denominator are shown), a count KPI as the sum of its counts. A KPI whose
estates disagree on the unit is left out.

Plain functions: no Flask, no store.
"""
from decimal import Decimal

from estate_common import calendar
from estate_common.kpis import begun, kpi

TURNOVER_NOTE = "staff accounts deactivated in the period / average staff accounts (at its start and end)"


def _staff(user):
    """A staff account: operator admins are the company's, not an estate's."""
    return "operator_admin" not in (user.get("roles") or [])


def staff_of(users, estate_id):
    """The estate's staff accounts among ``users``."""
    return [user for user in users if estate_id in (user.get("estate_ids") or []) and _staff(user)]


def _held(user, moment):
    left = user.get("deactivated_at")
    return user["created_at"] < moment and (left is None or left >= moment)


def staff_turnover(users, start, end):
    """The turnover KPI of ``users`` (one estate's staff, or all in scope) over ``[start, end)``
    (ISO strings)."""
    return _turnover((user, start, end) for user in users)


def _turnover(accounts):
    """The KPI of ``(user, start, end)``: each account over its own period bounds. A period that
    has not begun on an account's calendar counts nothing of it, so a month to come is "no data"
    (0 ÷ 0), as every other KPI's (``estate_common.kpis.not_begun``), not a turnover of 0."""
    left = held = 0
    for user, start, end in accounts:
        if not begun(start):
            continue
        left += 1 if user.get("deactivated_at") and start <= user["deactivated_at"] < end else 0
        held += _held(user, start) + _held(user, end)
    return kpi(left, float(Decimal(held) / 2), "ratio", note=TURNOVER_NOTE)


def estate_turnover(users, estate, period):
    """``{"staff_turnover": kpi}`` of one estate (``estate``: as archive shows it, with its timezone)."""
    start, end = calendar.period_bounds(period, calendar.timezone_of(estate))
    return {"staff_turnover": staff_turnover(staff_of(users, estate["id"]), start, end)}


def operator_turnover(users, estates, period):
    """Turnover of every staff account of ``estates``, each account once, over the period on its
    estate's calendar (the first by id of several it names)."""
    if not estates:
        return kpi(0, 0, "ratio", note=TURNOVER_NOTE)
    zones = {estate["id"]: calendar.timezone_of(estate) for estate in estates}
    bounds = {zone: calendar.period_bounds(period, zone) for zone in set(zones.values())}

    def accounts():
        for user in users:
            mine = sorted(zones.keys() & set(user.get("estate_ids") or []))
            if mine and _staff(user):
                yield (user, *bounds[zones[mine[0]]])

    return _turnover(accounts())


def totals(rows):
    """``{kpi name: kpi}`` operator-wide from each estate's ``kpis``."""
    found = {}
    for row in rows:
        for name, shown in row["kpis"].items():
            found.setdefault(name, []).append(shown)
    summed = {}
    for name, shown in sorted(found.items()):
        units = {s["unit"] for s in shown}
        if len(units) != 1:
            continue
        unit = units.pop()
        # an estate with no data adds nothing: one without a budget still has costs, which the
        # others' budgets then divided (cost control 2.0 for two estates at 1.0 and "no data");
        # and a count of estates that all have none (a month to come) is no data too, not 0
        # major incidents against a target of 0 (both found by review)
        shown = [s for s in shown if s["denominator"]]
        numerator = _sum(s["numerator"] for s in shown)
        denominator = (1 if shown else 0) if unit == "count" else _sum(s["denominator"] for s in shown)
        targets = {s.get("target") for s in shown}
        target = targets.pop() if len(targets) == 1 else None
        summed[name] = kpi(numerator, denominator, unit, target=target,
                           note="operator-wide: the estates' numerators / their denominators "
                                "(estates with no data left out)",
                           scale=1000 if unit == "per_1000_households" else 1)
    return summed


def _sum(values):
    total = sum((Decimal(str(v)) for v in values), Decimal(0))
    return int(total) if total == total.to_integral_value() else float(total)
