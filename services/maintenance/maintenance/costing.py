"""Cost control (成本控制): each job's material and labour cost, and a month's cost against its
budget. Money in integer cents, computed in Decimal and rounded half up.

Plain functions: no broker, no store.
"""
from decimal import Decimal

from estate_common import calendar, clock, ids, kpis
from estate_common.errors import BusinessRuleViolation, field_error
from estate_common.money import round_half_up, to_cents
from estate_common.wording import counted

MAX_CENTS = 100_000_000_000  # the largest amount the contracts carry (common.json#/$defs/cents)


def minutes_between(earlier, later):
    """Whole minutes (rounded half up) between two ISO timestamps."""
    seconds = (clock.parse_iso(later) - clock.parse_iso(earlier)).total_seconds()
    return max(0, int(round_half_up(Decimal(str(seconds)) / 60)))


def material_lines(materials):
    """Each material with its cost (qty x unit cost; a material given without a unit cost
    costs 0), and the total."""
    lines, total = [], 0
    for material in materials:
        unit = material.get("unit_cost_cents", 0)
        cost = to_cents(Decimal(str(material["qty"])) * unit)
        lines.append({"name": material["name"], "qty": material["qty"], "unit_cost_cents": unit, "cost_cents": cost})
        total += cost
    return lines, total


def labour_within(minutes, most):
    """The labour minutes one completion records, at most ``most`` (the estate's
    ``completion_labour_max_minutes``; 422 beyond): 100,000 minutes were taken on an order started
    seconds before and costed against the month's budget (a probe)."""
    if minutes > most:
        raise BusinessRuleViolation(f"a completion records at most {most} minutes of labour",
                                    [field_error("data.labour_minutes", f"is more than {most}")])
    return minutes


def labour_cost(minutes, rate_cents_per_hour):
    return to_cents(Decimal(minutes) * rate_cents_per_hour / 60)


def within_range(amount, field):
    if amount > MAX_CENTS:
        raise BusinessRuleViolation("the amount is beyond what the system records",
                                    [field_error(field, f"adds up to more than {MAX_CENTS} cents")])
    return amount


def current_period(now, rules):
    """The month it is now on the estate's calendar."""
    return calendar.period_of(now, rules["timezone"])


def refuse_a_budget_outside_its_window(period, now, rules):
    """422 (``period``) for a month's budget more than ``budget_months_back`` before the estate's
    current month or ``budget_months_ahead`` after it (``estate_common.plausible``'s idea for a
    month: finance's catch-up window for the months behind). A budget of 2025-01, before the
    estate was kept here, or of 2099-12 rewrote cost control silently (found by a probe). A month
    closed within the window stays correctable: a budget set wrong is put right afterwards."""
    current = current_period(now, rules)
    earliest = calendar.add_months(current, -rules["budget_months_back"])
    latest = calendar.add_months(current, rules["budget_months_ahead"])
    if period < earliest:
        raise BusinessRuleViolation(
            f"a month's budget is set at most {counted(rules['budget_months_back'], 'month')} back "
            "(budget_months_back)",
            [field_error("period", f"is before {earliest}")])
    if period > latest:
        raise BusinessRuleViolation(
            f"a month's budget is set at most {counted(rules['budget_months_ahead'], 'month')} ahead "
            "(budget_months_ahead)",
            [field_error("period", f"is after {latest}")])


def budget_id(estate_id, period):
    return ids.natural_id("budget", estate_id, period)


def new_budget(estate_id, period, amount_cents, now, actor, existing=None):
    """The budget of an estate and month; setting it again keeps the earlier amounts in history.
    Never 0: cost control divides by it, and a month budgeted at 0 read as a month without a
    budget ("no data"), hiding whatever was spent (a probe)."""
    if amount_cents <= 0:
        raise BusinessRuleViolation("a month's budget is more than 0 (a month without a budget has none set)",
                                    [field_error("data.amount_cents", "is 0")])
    stamp = clock.to_iso(now)
    history = list((existing or {}).get("history", []))
    history.append({"at": stamp, "by": actor, "action": "set" if existing is None else "changed",
                    "note": f"{amount_cents} cents", "event_id": None})
    return {
        "_id": budget_id(estate_id, period), "estate_id": estate_id, "period": period,
        "amount_cents": amount_cents,
        "created_at": (existing or {}).get("created_at", stamp), "updated_at": stamp, "updated_by": actor,
        "history": history,
    }


def period_budget(budgets):
    """The budget of a period from its months' budgets: their sum, or None (no data) when a month
    of it has none (the cost of three months against the budget of two says nothing)."""
    if not budgets or any(budget is None for budget in budgets):
        return None
    return {"amount_cents": sum(budget["amount_cents"] for budget in budgets)}


# What a job's cost went on (the month-end breakdown of cost control, ``cost_summary``'s
# ``by_category``): each completed order in one category, so the lines add up to the month's cost.
# An emergency (抢险) of any source is one, whatever opened it: its cost is the one a supervisor
# answers for apart; every other order by its source. An incident's order is always an emergency.
COST_CATEGORIES = ("emergency", "repair", "preventive", "inspection", "patrol", "fire_check")
CATEGORY_OF_SOURCE = {"service_request": "repair", "return_visit": "repair", "maintenance_plan": "preventive",
                      "inspection": "inspection", "patrol_anomaly": "patrol", "fire_inspection": "fire_check",
                      "incident": "emergency"}


# A job on none of the ledger's pieces whose cost is still a system's, by its source: a fire
# check's defect is a fire facility's (security's fire ledger: an extinguisher, a hydrant).
SYSTEM_OF_SOURCE = {"fire_inspection": "fire"}
# the work-order list's cost_system value of the jobs on no equipment (by_system's null line)
NO_SYSTEM = "none"


def cost_category(order):
    if order.get("priority") == "emergency":
        return "emergency"
    return CATEGORY_OF_SOURCE[order["source"]["type"]]


def category_query(category):
    """``cost_category`` as a query: the orders ``by_category`` counts in ``category`` (the
    work-order list's ``cost_category``), read from the same rule (an emergency by its priority,
    any other by ``CATEGORY_OF_SOURCE``), so a line of the month's cost opens on its jobs."""
    sources = sorted(source for source, of in CATEGORY_OF_SOURCE.items() if of == category)
    if category == "emergency":
        return {"$or": [{"priority": "emergency"}, {"source.type": {"$in": sources}}]}
    return {"priority": {"$ne": "emergency"}, "source.type": {"$in": sources}}


def cost_system(order, systems):
    """The system a job's cost is the one of (``cost_summary``'s ``by_system``): its equipment's
    (``systems``: ``{equipment id: its system}``); a fire check's defect on none of the ledger's
    pieces is a fire facility's (``SYSTEM_OF_SOURCE``), the fire system's, where it was counted
    with the jobs on no equipment; None: no equipment."""
    system = systems.get(order.get("equipment_id"))
    if system is None:
        return SYSTEM_OF_SOURCE.get(order["source"]["type"])
    return system


def system_query(system, equipment_ids):
    """``cost_system`` as a query: the orders ``by_system`` counts under ``system`` (the work-order
    list's ``cost_system``; ``NO_SYSTEM``: the null line), ``equipment_ids`` the ledger's pieces of
    that system. A job on no piece is its source's system (``SYSTEM_OF_SOURCE``) or none."""
    on_none = {"equipment_id": None}
    if system == NO_SYSTEM:
        return {**on_none, "source.type": {"$nin": sorted(SYSTEM_OF_SOURCE)}}
    sources = sorted(source for source, of in SYSTEM_OF_SOURCE.items() if of == system)
    return {"$or": [{"equipment_id": {"$in": sorted(equipment_ids)}}, {**on_none, "source.type": {"$in": sources}}]}


def _fund_share(order, fund_paid):
    """What the special maintenance fund paid of the order's cost (``fund_paid``: ``{order id: cents}``
    its approved uses paid for it): at most its cost."""
    cost = order.get("material_cost_cents", 0) + order.get("labour_cost_cents", 0)
    return min(fund_paid.get(order.get("_id"), 0), cost)


def _costed(orders, actual_total, budget_cents, fund_paid):
    """The cost of some of the month's completed orders: their count, material, labour, what they
    cost in all, what households were charged, their ``share`` of the month's cost and the part of
    the month's budget they took (``of_budget``: their cost less what the fund paid of it, as the
    month's ``ratio``, where a row the fund paid read 185 % of the budget beside a month of 0.18 %:
    review r7 of h7); each None when there is nothing to divide by."""
    material = sum(order.get("material_cost_cents", 0) for order in orders)
    labour = sum(order.get("labour_cost_cents", 0) for order in orders)
    by_fund = sum(_fund_share(order, fund_paid) for order in orders)
    return {"completed_orders": len(orders), "material_cost_cents": material, "labour_cost_cents": labour,
            "actual_cents": material + labour, "charged_cents": sum(order.get("charge_cents", 0) for order in orders),
            "share": kpis.ratio(material + labour, actual_total),
            "of_budget": kpis.ratio(material + labour - by_fund, budget_cents)}


def cost_summary(period, completed_orders, budget, systems=None, fund_paid=None, count_values=(), late_returns=()):
    """Actual material + labour cost of the orders completed in the month, against its budget, with
    the same cost by category (``COST_CATEGORIES``, every one, in that order) and by the system of
    the equipment each job was done on (``systems``: ``{equipment id: its system}``; a fire check's
    defect the fire system's, ``cost_system``; the systems with a completed job, then ``None`` for the
    jobs on no equipment). ``fund_paid``: ``{order id: cents}`` the special maintenance fund's approved
    uses paid for the orders; ``fund_paid_cents`` is the part of their costs it paid (an order's at most
    its cost), which the operating cost control leaves out (``indicators.cost_control``, h7).
    ``count_values``: the values of the month's stocktake differences (``parts.count``, signed):
    their losses (盘亏) and gains (盘盈) shown beside materials and labour, on no job's cost and so
    apart from ``actual_cents`` and the ratio (a count is no job), where they were on no line of cost
    control at all (found by h13). ``late_returns``: the values of the parts returned after the sign-off
    of orders signed off in the period (``parts.give_back``): the period's cost correction
    (``late_returns_cents``), shown beside the orders' costs as the stocktake is, the signed-off orders
    (and ``actual_cents``) never edited (h2)."""
    systems, fund_paid = systems or {}, fund_paid or {}
    material = sum(order.get("material_cost_cents", 0) for order in completed_orders)
    labour = sum(order.get("labour_cost_cents", 0) for order in completed_orders)
    actual = material + labour
    by_fund = sum(_fund_share(order, fund_paid) for order in completed_orders)
    budget_cents = budget["amount_cents"] if budget else None
    ratio = kpis.ratio(actual - by_fund, budget_cents)  # the fund's share is not the budget's
    # each order into its category and its system in one pass (every category listed, in order)
    by_category, by_system = {category: [] for category in COST_CATEGORIES}, {}
    for order in completed_orders:
        by_category[cost_category(order)].append(order)
        by_system.setdefault(cost_system(order, systems), []).append(order)
    return {
        "period": period,
        "budget_cents": budget_cents,
        "actual_cents": actual,
        "fund_paid_cents": by_fund,
        "material_cost_cents": material,
        "labour_cost_cents": labour,
        "stocktake_loss_cents": -sum(value for value in count_values if value < 0),
        "stocktake_gain_cents": sum(value for value in count_values if value > 0),
        "late_returns_cents": sum(late_returns),
        "charged_cents": sum(order.get("charge_cents", 0) for order in completed_orders),
        "completed_orders": len(completed_orders),
        "ratio": ratio,
        "remaining_cents": None if budget_cents is None else budget_cents - (actual - by_fund),
        "by_category": [{"category": category, **_costed(orders, actual, budget_cents, fund_paid)}
                        for category, orders in by_category.items()],
        "by_system": [{"system": system, **_costed(by_system[system], actual, budget_cents, fund_paid)}
                      for system in sorted(by_system, key=lambda system: (system is None, system or ""))],
    }
