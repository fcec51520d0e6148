"""The income and expense disclosure (收支公示) of a period, and the expense tally behind it.

- Income, per fee item: what the period's bills asked (``billed_cents``) and what has been
  paid on them (``received_cents``), so owners see both the charge and its collection.
- Expenses: the maintenance material and labour cost of the work orders completed in the
  period (from ``maintenance.work_order_completed``), one tally line per work order, so a
  redelivered event does not count twice.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids

from . import periods


def expense_id(estate_id, work_order_id):
    return ids.natural_id("exp", estate_id, work_order_id)


def expense_from_work_order(event, rules):
    order = event["data"]
    completed = clock.parse_iso(order["completed_at"])
    return {
        "_id": expense_id(event["estate_id"], order["id"]),
        "estate_id": event["estate_id"],
        "period": periods.period_of(completed, rules),
        "work_order_id": order["id"],
        "work_order_number": order["number"],
        "material_cost_cents": order["material_cost_cents"],
        "labour_cost_cents": order["labour_cost_cents"],
        "completed_at": order["completed_at"],
        "created_at": event["occurred_at"],
        "event_id": event["event_id"],
    }


def disclosure(estate_id, period, bills, expenses, now):
    income = {}
    for bill in bills:
        line = income.setdefault(bill["item"], {"billed_cents": 0, "received_cents": 0, "bills": 0})
        line["billed_cents"] += bill["amount_cents"]
        line["received_cents"] += bill["paid_cents"]
        line["bills"] += 1
    material = sum(e["material_cost_cents"] for e in expenses)
    labour = sum(e["labour_cost_cents"] for e in expenses)
    received = sum(line["received_cents"] for line in income.values())
    return {
        "estate_id": estate_id,
        "period": period,
        "income": {"by_item": dict(sorted(income.items())),
                   "billed_cents": sum(line["billed_cents"] for line in income.values()),
                   "received_cents": received},
        "expenses": {"maintenance_material_cents": material, "maintenance_labour_cents": labour,
                     "total_cents": material + labour, "work_orders": len(expenses)},
        "net_received_cents": received - material - labour,
        "generated_at": clock.to_iso(now),
    }
