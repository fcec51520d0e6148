"""The KPIs maintenance owns, per estate and month; each shows its numerator and denominator,
and ``value`` is None ("no data") when the denominator is 0.

- ``repair_response_timeliness`` (报修响应及时率): repairs started within their promised response
  time ÷ repairs reported in the month. A repair still inside its response time and not yet
  started is not counted yet (it is neither on time nor late).
- ``emergency_response_timeliness`` (抢险响应): the same for emergency orders, against the
  emergency response time.
- ``operating_cost_control`` (运营成本控制率): material + labour cost of the orders completed in
  the month ÷ the month's budget (target: at most 1).

Plain functions: no broker, no store.
"""
from estate_common.kpis import kpi

from . import domain


def _cancelled_at(order):
    return next((step["at"] for step in reversed(order.get("history", [])) if step["action"] == "cancel"),
                order.get("updated_at"))


def _timeliness(orders, now_iso):
    """A cancelled order (never started: ``domain.cancel``) counts when it was cancelled after its
    response time had run out: that response was missed. Left out, cancelling a late order
    erased the miss from the KPI (found by a domain probe). One cancelled in time (a duplicate,
    the owner withdrew) is not counted."""
    on_time = judged = 0
    for order in orders:
        due = order.get("response_due_at")
        if due is None:
            continue
        if order["status"] == "cancelled":
            judged += _cancelled_at(order) > due
            continue
        started = order.get("started_at")
        if started is None and due > now_iso:
            continue  # still inside its response time
        judged += 1
        if started is not None and started <= due:
            on_time += 1
    return on_time, judged


def response_timeliness(reported_orders, now_iso):
    """``reported_orders``: the estate's orders reported in the month."""
    repairs = [o for o in reported_orders if o["source"]["type"] in domain.REPAIR_SOURCES]
    emergencies = [o for o in reported_orders if o["priority"] == "emergency"]
    return {
        "repair_response_timeliness": kpi(
            *_timeliness(repairs, now_iso),
            note="repairs started within the promised response time / repairs reported (those still "
                 "within their time and not started are not counted yet)"),
        "emergency_response_timeliness": kpi(
            *_timeliness(emergencies, now_iso),
            note="emergency orders started within the emergency response time / emergencies reported"),
    }


def cost_control(summary, unbudgeted=()):
    """``unbudgeted``: the period's months without a budget, which make it "no data"; the note names
    them (a quarter read "no data" with ¥435 / ¥0 and nothing said which month lacked one: a
    probe of the manager's month)."""
    note = ("material + labour cost of orders completed in the period / its months' budgets; "
            "a month without a budget: no data")
    if unbudgeted:
        note += f"; no budget: {', '.join(unbudgeted)}"
    return {"operating_cost_control": kpi(summary["actual_cents"], summary["budget_cents"] or 0, target=1, note=note)}
