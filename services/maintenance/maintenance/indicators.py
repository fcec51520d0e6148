"""The KPIs maintenance owns, per estate and month; each shows its numerator and denominator,
and ``value`` is None ("no data") when the denominator is 0.

- ``repair_response_timeliness`` (报修响应及时率): repairs started within their promised response
  time ÷ repairs reported in the month. A repair still inside its response time and not yet
  started is not counted yet (it is neither on time nor late).
  The developer's warranty repairs (开发商保修: an owner's defects found at the handover, orders
  naming ``handover_defect``; a handover weekend opens thousands) are not the desk's: left out of
  it, said in its note, and reported apart as ``handover_defect_response_timeliness``
  (交房问题报修响应及时率), the same judgement (found by review r3 of h3).
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


def response_of(order, now_iso):
    """How an order's response is judged at ``now_iso``: ``on_time`` (started by its
    ``response_due_at``), ``late`` (started after it, or not started and past it), ``waiting`` (not
    started, still inside its time: not counted yet), ``cancelled`` (cancelled in time: a duplicate,
    the owner withdrew; not counted), None (no response time). A cancelled order (never started:
    ``domain.cancel``) cancelled after its response time had run out missed that response: left out,
    cancelling a late order erased the miss from the KPI (found by a domain probe). One cancelled
    because its call joined a fault's order (``domain.joined_cancel``) whose work had started by its own
    response time is not counted either, however late the join: the call was answered by the fault's
    order, judged on its own (h7's typhoon night: the entrapment's call joined after the rush)."""
    due = order.get("response_due_at")
    if due is None:
        return None
    if order["status"] == "cancelled":
        answered = (order.get("_joined_fault") or {}).get("started_at")
        return "late" if _cancelled_at(order) > due and not (answered and answered <= due) else "cancelled"
    started = order.get("started_at")
    if started is None:
        return "waiting" if due > now_iso else "late"
    return "on_time" if started <= due else "late"


def _timeliness(orders, now_iso):
    """On time ÷ judged (``response_of``: the late ones and those on time)."""
    judged = [response_of(order, now_iso) for order in orders]
    return judged.count("on_time"), judged.count("on_time") + judged.count("late")


def _held_said(orders):
    """How many of ``orders`` were put on hold (待料: ``domain.hold``), said after a KPI's note: a
    hold comes after the start, so it changes no response judged here, and the month's figures say
    how many waited all the same (found by the technician's week)."""
    held = sum(bool(order.get("hold_count")) for order in orders)
    return f"; {held} of them put on hold after its start (waiting for parts or the occupant)" if held else ""


def response_timeliness(reported_orders, now_iso):
    """``reported_orders``: the estate's orders reported in the month."""
    all_repairs = [o for o in reported_orders if o["source"]["type"] in domain.REPAIR_SOURCES]
    warranty = [o for o in all_repairs if domain.is_handover_defect(o)]  # 开发商保修, reported apart
    repairs = [o for o in all_repairs if not domain.is_handover_defect(o)]
    emergencies = [o for o in reported_orders if o["priority"] == "emergency"]
    apart = (f"; {len(warranty)} repair(s) of defects found at handovers (开发商保修) not counted here: "
             "handover_defect_response_timeliness") if warranty else ""
    return {
        "repair_response_timeliness": kpi(
            *_timeliness(repairs, now_iso),
            note="repairs started within the promised response time / repairs reported (those still "
                 "within their time and not started are not counted yet)" + _held_said(repairs) + apart),
        "handover_defect_response_timeliness": kpi(
            *_timeliness(warranty, now_iso),
            note="repairs of the defects owners found at their handover (开发商保修) started within the promised "
                 "response time / those reported (those still within their time and not started are not "
                 "counted yet)" + _held_said(warranty)),
        "emergency_response_timeliness": kpi(
            *_timeliness(emergencies, now_iso),
            note="emergency orders started within the emergency response time / emergencies reported"
                 + _held_said(emergencies)),
    }


def cost_control(summary, unbudgeted=()):
    """``unbudgeted``: the period's months without a budget, which make it "no data"; the note names
    them (a quarter read "no data" with ¥435 / ¥0 and nothing said which month lacked one: a
    probe of the manager's month)."""
    note = ("material + labour cost of orders completed in the period / its months' budgets; "
            "a month without a budget: no data")
    fund_paid = summary.get("fund_paid_cents", 0)
    if fund_paid:  # the owners' fund paid it, not the company's budget (h7's typhoon night: the garage pump)
        note += f"; {fund_paid} cents of costs paid from the special maintenance fund (专项维修资金) not counted"
    if unbudgeted:
        note += f"; no budget: {', '.join(unbudgeted)}"
    return {"operating_cost_control": kpi(summary["actual_cents"] - fund_paid, summary["budget_cents"] or 0,
                                          target=1, note=note)}


# -- a month's emergencies (GET …/emergency-repairs) ---------------------------------------------

EMERGENCY_SHOWN = ("number", "source", "emergency_category", "status", "technician", "description", "reported_at",
                   "response_due_at", "started_at", "response_minutes", "completed_at", "summary")


def emergency_month(period, reported_orders, now_iso, releases=None):
    """The emergencies (抢险) reported in the month, by their report then number, each with its response
    judged as the KPI judges it (``response_of``), its incident summary (事后总结, owed by every
    open one: an emergency is completed only with it) and an entrapment's release (困人解救, as its
    incident judged it: ``releases``, by order id; null while not told, and for other emergencies), and
    counted: reported, on time, late, waiting, cancelled in time, completed, open (neither completed
    nor cancelled), released and released within target."""
    releases = releases or {}
    emergencies = sorted((order for order in reported_orders if order["priority"] == "emergency"),
                         key=lambda order: (order["reported_at"], order["number"]))
    items = [{"id": order["_id"], **{key: order.get(key) for key in EMERGENCY_SHOWN},
              "response": response_of(order, now_iso), "release": releases.get(order["_id"])}
             for order in emergencies]
    judged = [item["response"] for item in items]
    totals = {"reported": len(items),
              **{state: judged.count(state) for state in ("on_time", "late", "waiting", "cancelled")},
              "completed": sum(item["status"] == "completed" for item in items),
              "open": sum(item["status"] not in ("completed", "cancelled") for item in items),
              "released": sum(item["release"] is not None for item in items),
              "released_within_target": sum(bool(item["release"] and item["release"]["within_target"])
                                            for item in items)}
    return {"period": period, "as_of": now_iso, "totals": totals, "items": items}
