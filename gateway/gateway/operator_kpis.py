"""The KPIs the gateway computes itself, and the operator-wide totals of the cross-estate view.

Staff turnover (员工流失率, DOMAIN.md): staff accounts deactivated in the period ÷ average staff
accounts, "where staff are managed here": staff accounts are the gateway's users
(``gateway.users``), so the gateway computes it. An estate's staff at a moment are the accounts
that named it then, as staff (operator admins are the company's, not an estate's): what each
account held and when is ``gateway.memberships``. The average is (accounts held at the period's
start + accounts held at its end) ÷ 2. A departure is a deactivation (``active`` from true to
false) of an account holding the estate; an account made active again before the period's end
counts as never having left in it (back after the end: the period's departure, and a joiner of
the next), a move to another estate is no departure. The operator-wide rate counts each account once,
whatever number of estates it held, over the period on the calendar of its estate (of the
first, by id, of several): the estates of one operator may lie in different timezones.

Totals (``GET /api/v1/kpis``): beside each estate's row, every KPI operator-wide: the sum of the
estates' numerators over the sum of their denominators (so each estate weighs by its size, and
the numerator and denominator are shown), a count KPI as the sum of its counts. A KPI whose
estates disagree on the unit is left out. The months an estate's figure names as left out
(``not_counted``, ``not_billed``) are named in the total, every estate's (one with no data too).

Plain functions: no Flask, no store.
"""
from decimal import Decimal

from estate_common import calendar
from estate_common.kpis import begun, kpi

from . import memberships

# the months of the period an estate's figure leaves out (archive_completeness: not counted by a
# service; collection_rate: not billed by a run), named in the total, every estate's, once each
MONTHS_NAMED = ("not_counted", "not_billed")
TURNOVER_NOTE = "staff accounts deactivated in the period / average staff accounts (at its start and end)"


def staff_of(users, estate_id):
    """The accounts among ``users`` that were ever the estate's staff (``memberships``)."""
    return [user for user in users if memberships.ever_staff_of(user, estate_id)]


def staff_turnover(users, start, end, estates=None):
    """The turnover KPI of ``users`` over ``[start, end)`` (ISO strings), as staff of ``estates``
    (a set of ids; None: of any estate)."""
    return _turnover((user, start, end, estates) for user in users)


def _turnover(accounts):
    """The KPI of ``(user, start, end, estates)``: each account over its own period bounds. A period
    that has not begun on an account's calendar counts nothing of it, so a month to come is "no
    data" (0 ÷ 0), as every other KPI's (``estate_common.kpis.not_begun``), not a turnover of 0."""
    gone = held = 0
    for user, start, end, estates in accounts:
        if not begun(start):
            continue
        gone += memberships.left(user, start, end, estates)
        held += memberships.held(user, start, estates) + memberships.held(user, end, estates)
    return kpi(gone, float(Decimal(held) / 2), "ratio", note=TURNOVER_NOTE)


def estate_turnover(users, estate, period):
    """``{"staff_turnover": kpi}`` of one estate (``estate``: as archive shows it, with its timezone)."""
    start, end = calendar.period_bounds(period, calendar.timezone_of(estate))
    return {"staff_turnover": staff_turnover(staff_of(users, estate["id"]), start, end, {estate["id"]})}


def staff_report(users, estate, period):
    """The estate's staff over the period, the accounts staff turnover counts (``estate_turnover``),
    so a manager can check it: each account that was its staff at some moment of the period, with
    its roles there, whether it was held at the period's start and at its end (the average's two
    counts) and whether it left in the period (the numerator). A manager saw a turnover of
    "0 / 4.50" and could list no one (the users' list is the operator admin's: a probe)."""
    start, end = calendar.period_bounds(period, calendar.timezone_of(estate))
    here = {estate["id"]}
    rows = []
    for user in sorted(staff_of(users, estate["id"]), key=lambda u: u["_id"]):
        spans = [span for span in memberships.spans(user) if memberships.staff_here(span, here)]
        during = [span for span in spans if span["from"] < end and (span["to"] is None or span["to"] >= start)]
        if not during:
            continue
        rows.append({"username": user["_id"], "roles": list(during[-1]["roles"]), "active": bool(user.get("active")),
                     "since": spans[0]["from"], "until": during[-1]["to"],
                     "held_at_start": memberships.held(user, start, here),
                     "held_at_end": memberships.held(user, end, here),
                     "left_in_period": memberships.left(user, start, end, here)})
    return {"staff": rows, "staff_turnover": staff_turnover(staff_of(users, estate["id"]), start, end, here)}


def operator_turnover(users, estates, period):
    """Turnover of every staff account of ``estates``, each account once, over the period on its
    estate's calendar (the first by id of those it ever held)."""
    if not estates:
        return kpi(0, 0, "ratio", note=TURNOVER_NOTE)
    zones = {estate["id"]: calendar.timezone_of(estate) for estate in estates}
    bounds = {zone: calendar.period_bounds(period, zone) for zone in set(zones.values())}
    scope = set(zones)

    def accounts():
        for user in users:
            mine = sorted(scope & set(memberships.ever_estates(memberships.spans(user))))
            if mine:
                yield (user, *bounds[zones[mine[0]]], scope)

    return _turnover(accounts())


def totals(rows):
    """``{kpi name: kpi}`` operator-wide from each estate's ``kpis``."""
    found = {}
    for row in rows:
        for name, shown in row["kpis"].items():
            found.setdefault(name, []).append(shown)
    summed = {}
    for name, shown in sorted(found.items()):
        # 停巡: the slots a patrol suspension took out of patrol completion, every estate's (one
        # suspended all month is no data, and its slots still count here)
        suspended = [s["suspended_slots"] for s in shown if "suspended_slots" in s]
        # 资料归档完整率: the months some estate's services did not count (its figure is of the months
        # counted), every estate's, one with no data too: the total read 100 % and the console marked
        # it met with October never counted in one of them (found by r6); 收缴率 likewise, the months
        # some estate did not bill (an estate that billed nothing is no data, left out of the sums, h5)
        months = {key: sorted({month for s in shown for month in s.get(key, ())}) for key in MONTHS_NAMED}
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
        if suspended:
            summed[name]["suspended_slots"] = sum(suspended)
        summed[name] |= {key: named for key, named in months.items() if named}
    return summed


def _sum(values):
    total = sum((Decimal(str(v)) for v in values), Decimal(0))
    return int(total) if total == total.to_integral_value() else float(total)
