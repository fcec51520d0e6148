"""The income and expense disclosure (收支公示) of a period, and the expense tally behind it.

- Income, per fee item: what the period's bills asked (``billed_cents``) and what has been
  paid on them (``received_cents``), so owners see both the charge and its collection; what an
  opening credit paid (期初预收, money paid to the previous company) is not received here.
- Expenses: every operating cost of the period: the maintenance material and labour cost of
  the work orders completed in it (from ``maintenance.work_order_completed``, one tally line
  per work order, so a redelivered event does not count twice), and the other operating
  costs the accountant records by category (``OPERATING_CATEGORIES``: staff, cleaning,
  greening, security, common-area utilities, repairs outside work orders, insurance,
  administration, other), one line per record (idempotent: Idempotency-Key). A record typed
  wrong is never edited: it is reversed (``expense_reversal``: who, when, why), stays listed with
  its reversal, and no total counts it from then on; a disclosure published with it is corrected
  by publishing the period again (the next version). Both are announced
  (``operating_expense_recorded``, ``operating_expense_reversed``, in the write that makes them)
  and archive keeps them, the reversal beside the cost.
- Publishing (公示): a manager publishes a month, quarter or year once its last month has ended
  (422 before): a snapshot
  of the report, numbered ``version`` (a correction is published again as the next version).
  Owners read the published snapshot through a public read-only link per estate and period
  (``published_view``: no household, no person, no staff name), never the live report.

Plain functions: no broker, no store.
"""
from decimal import Decimal

from estate_common import calendar, clock, ids
from estate_common.errors import BusinessRuleViolation, Conflict, NotFound, field_error

from . import billing, periods
from . import public_revenue as common_parts
from .arrears import opening_credited
from .deposits import DEPOSIT_ITEM


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


OPERATING_CATEGORIES = ("staff", "cleaning", "greening", "security", "common_utilities", "repairs", "insurance",
                        "administration", "other")


def operating_expense(expense_id, estate_id, data, current_period, now, actor, contractor_costs=()):
    """A cost the accountant types; one naming a contractor (``contractor_id``: its invoice of the
    month) is refused while ``contractor_costs``, the costs of that contractor and month not
    reversed, holds one (``refuse_contractor_month_twice``)."""
    if data["period"] > current_period:
        raise BusinessRuleViolation("a cost of a period that has not begun is not recorded",
                                    [field_error("data.period", "is in the future")])
    if data.get("contractor_id"):
        refuse_contractor_month_twice(data["contractor_id"], data["period"], contractor_costs)
    stamp = clock.to_iso(now)
    return {"_id": expense_id, "estate_id": estate_id, "period": data["period"], "category": data["category"],
            "amount_cents": int(data["amount_cents"]), "description": data["description"].strip(),
            "recorded_by": actor, "created_at": stamp, "reversal": None,
            "contractor_id": data.get("contractor_id")}


def refuse_unknown_contractor(found):
    """A cost names one of the estate's contractors as customer service keeps them (``found``: the gateway's
    ``references.contractor_fact``, ``not_found`` or None when not looked up: 422 naming data.contractor_id).
    A mistyped id found no cost of its month, so the duplicate check passed and the invoice stood beside the
    signed month's cost, the month counted twice (found by h7); finance keeps no copy of the contractors."""
    if found == "found":
        return
    why = ("is not a contractor of this estate" if found == "not_found"
           else "was not looked up among the estate's contractors (the gateway looks it up): call through the API")
    raise BusinessRuleViolation("a cost names one of the estate's contractors", [field_error("data.contractor_id", why)])


def refuse_contractor_month_twice(contractor_id, period, contractor_costs):
    """A contractor's month is one operating cost (found by h5: its signing recorded it,
    ``contractor_month_expense``, and the accountant typing the contractor's invoice of that month
    counted it twice in the disclosure). A cost naming the contractor of a month with a cost not
    reversed is a 409: the one recorded stands, and where the invoice says otherwise it is reversed
    (冲销) before the invoice is typed, as a posted entry is never edited (DOMAIN.md). The signing's
    cost, which comes as an event and is not refused, names the ones it repeats instead
    (``duplicate_of``)."""
    if contractor_costs:
        first = contractor_costs[0]
        raise Conflict(f"the contractor's {period} is an operating cost already ({first['_id']}, "
                       f"{first['amount_cents']} cents): reverse it first where the invoice says otherwise",
                       [field_error("data.contractor_id", f"has a cost of {period} already")])


# a contractor's service line (customer service's UpkeepServiceLine) -> the operating cost's category:
# pest control (消杀) and waste removal (垃圾清运) are the estate's environment (环境卫生) as cleaning is
CONTRACTOR_CATEGORIES = {"cleaning": "cleaning", "greening": "greening", "pest_control": "cleaning",
                         "waste_removal": "cleaning"}


def contractor_month_expense(event, contractor_costs=()):
    """The operating cost of a contractor's signed month (``customer_service.contractor_month_signed``):
    its payable (the monthly fee less the deduction) in its month, under the month's id (one per
    contractor and month: a second delivery or signing finds it), recorded by who signed it. The
    costs of that contractor and month typed by hand before, not reversed (``contractor_costs``), are
    named as what it repeats (``duplicate_of``: ``refuse_contractor_month_twice``)."""
    month = event["data"]
    fee, deduction = month["monthly_fee_cents"], month["deduction_cents"]
    return {"_id": ids.natural_id("opx", event["estate_id"], month["id"]), "estate_id": event["estate_id"],
            "period": month["period"],
            "category": CONTRACTOR_CATEGORIES.get(month["service_line"], "other"),
            "amount_cents": int(month["payable_cents"]),
            "description": (f"{month['service_line']} contractor {month['contractor_id']}, {month['period']}: fee "
                            f"{Decimal(fee) / 100:.2f} less deduction {Decimal(deduction) / 100:.2f} "
                            f"(score {month['score']})"),
            "recorded_by": event.get("actor") or event["source"], "created_at": event["occurred_at"],
            "reversal": None, "_contractor_month": month["id"], "_event_id": event["event_id"],
            "contractor_id": month["contractor_id"],
            "duplicate_of": [cost["_id"] for cost in contractor_costs] or None}


def expense_reversal(expense, reason, now, actor, key=None):
    """The fields of a reversed operating cost (冲销): who, when and why; once (409 after that).
    ``key``, the caller's Idempotency-Key, lets a retry of the same reversal find it."""
    if expense.get("reversal"):
        raise Conflict(f"the operating cost was reversed already, on {expense['reversal']['at']} by "
                       f"{expense['reversal']['by']}", [field_error("id", "is reversed already")])
    return {"reversal": {"reason": reason.strip(), "at": clock.to_iso(now), "by": actor}, "_reversal_key": key}


def recorded_event_data(expense):
    """``finance.operating_expense_recorded``: the cost as recorded (who: the event's actor)."""
    return {"id": expense["_id"], "period": expense["period"], "category": expense["category"],
            "amount_cents": expense["amount_cents"], "description": expense["description"],
            "recorded_at": expense["created_at"]}


def reversed_event_data(expense):
    """``finance.operating_expense_reversed``: the cost, and why and when it was reversed."""
    return {"id": expense["_id"], "period": expense["period"], "category": expense["category"],
            "amount_cents": expense["amount_cents"], "reason": expense["reversal"]["reason"],
            "reversed_at": expense["reversal"]["at"]}


def counted(expense):
    """Whether the cost is in the period's totals (a reversed one is not)."""
    return not expense.get("reversal")


DEDUCTIONS_LINE = "deposit_deductions"
PASS_THROUGH_FEES_LINE = "pass_through_fees"  # 代收手续费: the fee on money collected for others


def disclosure(estate_id, period, bills, expenses, now, operating=(), prepaid_money=None, deductions=(),
               public_revenue=None, public_revenue_reversed=(), pass_through_fees=()):
    """The income and expense disclosure of a period (收支公示). A renovation deposit is not
    income: it is the household's money, held and paid back (``deposits``), so its bills are
    left out (they made a refunded deposit look like money the estate had). A bill covering several
    months (a quarter's, a year's, a household's own cycle's) counts its cents billed and received
    apportioned to them, as the collection rate does (``billing.share_in``, the one apportioning:
    each month its share, the months summing to the bill), so a quarter and a year count it whole;
    ``bills``: those that cover some of the period's months. A quarter's bill counted whole in its
    first month's disclosure and in none of the two after (found by h3, the fee rise's leftovers).
    What a deposit's refund kept (押金扣除, ``deductions``: the journal's ``deposit_deduction`` entries of the
    period's days) is income, received when kept: its own line, ``deposit_deductions`` (h10).
    The common parts' income (公共收益, ``public_revenue``: the receipts of the period) is the owners' money
    less the operator's share, not the operator's income: its own block (``public_revenue.disclosed``),
    by kind with the operator's share and the owners' part, apart from the income table (h9), less those
    reversed in the period (``public_revenue_reversed``). Money collected for others (代收代缴) is the payees'
    money, never in it; the handling fee on it is the estate's income, received with it (``pass_through_fees``:
    the journal's ``pass_through_fee`` entries of the period's days): its own line, ``pass_through_fees``
    (the fee left out of the statement of the estate's income, found by r6 reviewing h6)."""
    months, income = calendar.months_of(period), {}
    for bill in bills:
        if bill["item"] == DEPOSIT_ITEM or not any(month in months for month, _ in billing.months_covered(bill)):
            continue
        line = income.setdefault(bill["item"], {"billed_cents": 0, "received_cents": 0, "bills": 0})
        line["billed_cents"] += billing.share_in(bill, bill["amount_cents"], months)
        # an opening credit's use (期初预收) was paid to the previous company: not received here
        line["received_cents"] += billing.share_in(bill, bill["paid_cents"] - opening_credited(bill), months,
                                                   bill["amount_cents"])
        line["bills"] += 1
    for kept in deductions:  # a reversal (made in error, paid back: its month's alone) nets its deduction
        line = income.setdefault(DEDUCTIONS_LINE, {"billed_cents": 0, "received_cents": 0, "bills": 0})
        reversal = kept["kind"] == "deposit_deduction_reversal"
        line["billed_cents"] += -kept["amount_cents"] if reversal else kept["amount_cents"]
        line["received_cents"] += -kept["amount_cents"] if reversal else kept["amount_cents"]
        line["bills"] += 0 if reversal else 1
    for fee in pass_through_fees:  # a collection's reversal (its month's alone) nets its fee, as a deduction's (h4)
        line = income.setdefault(PASS_THROUGH_FEES_LINE, {"billed_cents": 0, "received_cents": 0, "bills": 0})
        reversal = fee["kind"] == "pass_through_fee_reversal"
        line["billed_cents"] += -fee["amount_cents"] if reversal else fee["amount_cents"]
        line["received_cents"] += -fee["amount_cents"] if reversal else fee["amount_cents"]
        line["bills"] += 0 if reversal else 1
    material = sum(e["material_cost_cents"] for e in expenses)
    labour = sum(e["labour_cost_cents"] for e in expenses)
    by_category = {}
    for cost in filter(counted, operating):
        by_category[cost["category"]] = by_category.get(cost["category"], 0) + cost["amount_cents"]
    other = sum(by_category.values())
    received = sum(line["received_cents"] for line in income.values())
    shown = {} if prepaid_money is None else {"prepaid": prepaid_money}
    if public_revenue is not None:
        shown["public_revenue"] = common_parts.disclosed(public_revenue, public_revenue_reversed)
    return {
        "estate_id": estate_id,
        "period": period,
        "income": {"by_item": dict(sorted(income.items())),
                   "billed_cents": sum(line["billed_cents"] for line in income.values()),
                   "received_cents": received},
        "expenses": {"maintenance_material_cents": material, "maintenance_labour_cents": labour,
                     "operating_by_category": dict(sorted(by_category.items())), "operating_cents": other,
                     "total_cents": material + labour + other, "work_orders": len(expenses)},
        "net_received_cents": received - material - labour - other,
        **shown,
        "generated_at": clock.to_iso(now),
    }


# 预收 (prepaid money received here, ``payments.py``): how each move changes the households' balance of it
PREPAID_MOVES = {"taken_in": 1, "used": -1, "given_back": 1, "paid_back": -1}


def prepaid_moves(paid_in, cancelled, refunds):
    """``[(at, kind, cents)]``: every move of the prepaid money received here (预收), and each payment's
    receipt split into what it paid on bills at once and what it left prepaid (``received``,
    ``paid_on_bills``: no move of the balance; a reversed payment's part on bills is neither, as the
    income table, reading the bills its reversal reopened, leaves it out). ``paid_in``: the estate's payments posted (a reversal
    pending or done included; an opening credit, money paid to the previous company, is not received
    here); ``cancelled``: the cancelled bills whose money went back to its payments (``released``, at
    ``cancelled_at``); ``refunds``: the sellers' holds refunded (``seller_prepaid``). A payment's money
    left unused at its receipt is taken in (``prepaid_cents``); a later use of it on a bill is used; a
    bill it paid cancelled gives it back; a reversed payment's is taken in and paid back whole at its
    reversal, its uses none (the reversal reopened every bill it paid); a seller's refund pays back
    what it holds of the payments received here (``payments``: the hold's parts)."""
    released = {}
    for bill in cancelled:
        for allocation in bill.get("released") or []:
            released.setdefault(allocation["payment_id"], []).append((allocation, bill["cancelled_at"]))
    moves = []
    for payment in paid_in:
        posted, own = payment["posted_at"], []
        reversed_at = (payment.get("reversal") or {}).get("at") if payment["status"] != "posted" else None
        # a reversed payment's part on bills at its receipt is received in neither block: its reversal
        # reopened the bills, which the income table reads (it was received and paid on bills here, the
        # two disagreeing by it: found by h4, the last session's note); its part left prepaid was taken in
        on_bills = payment["amount_cents"] - payment["prepaid_cents"] if reversed_at is None else 0
        moves += [(posted, "received", on_bills + payment["prepaid_cents"]), (posted, "paid_on_bills", on_bills)]
        own.append((posted, "taken_in", payment["prepaid_cents"]))
        if reversed_at is not None:
            # so is what its prepaid part paid on bills later (the reversal reopened them too), and what a bill
            # cancelled gave back of it: taken in, paid back whole at the reversal, where its later uses were
            # counted used on bills the income table leaves out (found by review r4 of h4)
            moves += own + [(reversed_at, "paid_back", payment["prepaid_cents"])]
            continue
        for allocation in payment.get("allocations") or []:
            if allocation["at"] != posted:  # a later use of its money, not one of its receipt
                own.append((allocation["at"], "used", allocation["amount_cents"]))
        for allocation, cancelled_at in released.get(payment["_id"], []):
            if allocation["at"] != posted:
                own.append((allocation["at"], "used", allocation["amount_cents"]))
            own.append((cancelled_at, "given_back", allocation["amount_cents"]))
        moves += own
    # a hold's parts of the payments received here: one of an opening credit's money was never taken in
    # (a refund counting its hold whole read the balance below zero, found by review r3 of h3)
    received_here = {payment["_id"] for payment in paid_in}
    # the refund's own parts, what it paid (an older refund's: the hold's)
    moves += [(hold["refund"]["at"], "paid_back",
               sum(part["amount_cents"] for part in hold["refund"].get("payments", hold["payments"])
                   if part["payment_id"] in received_here))
              for hold in refunds]
    return moves


def prepaid(moves, start, end):
    """The prepaid money (预收) of the period ``[start, end)`` (ISO instants), from ``prepaid_moves``: its
    balance at the start and the end, and what moved it in between; the money received in the period
    is what it paid on bills at once and the prepaid money taken in."""
    def balance(before):
        return sum(PREPAID_MOVES[kind] * cents for at, kind, cents in moves if kind in PREPAID_MOVES and at < before)
    within = {kind: 0 for kind in ("received", "paid_on_bills", *PREPAID_MOVES)}
    for at, kind, cents in moves:
        if start <= at < end:
            within[kind] += cents
    return {"opening_cents": balance(start), "received_cents": within["received"],
            "paid_on_bills_cents": within["paid_on_bills"], "taken_in_cents": within["taken_in"],
            "used_cents": within["used"], "given_back_cents": within["given_back"],
            "paid_back_cents": within["paid_back"], "closing_cents": balance(end)}


def disclosure_id(estate_id, period):
    return ids.natural_id("dsc", estate_id, period)


def publication(estate_id, period, report, current_period, now, actor, previous=None):
    """The published snapshot of a month's, quarter's or year's report (only once the period has
    ended: its last month before ``current_period``; compared as text, "2026" was before December's
    "2026-12" and a year ran as ended through its December, found by h11); the version published
    already when its figures are the same (``same_figures``)."""
    if calendar.months_of(period)[-1] >= current_period:
        raise BusinessRuleViolation("a period is published once it has ended",
                                    [field_error("period", "has not ended")])
    if previous and same_figures(previous["report"], report):
        return previous
    stamp = clock.to_iso(now)
    version = previous["version"] + 1 if previous else 1
    return {"_id": disclosure_id(estate_id, period), "estate_id": estate_id, "period": period, "version": version,
            "report": report, "published_at": stamp, "published_by": actor,
            "created_at": previous["created_at"] if previous else stamp}


def same_figures(published, report):
    """Whether ``report`` says what ``published`` did (when each was made aside): publishing
    it again made a new version, which owners read as a correction, of the same figures (a
    probe)."""
    return {**published, "generated_at": None} == {**report, "generated_at": None}


def published_entry(disclosure):
    """A published disclosure as the owners' list names it: its period, version and time."""
    return {"period": disclosure["period"], "version": disclosure["version"], "published_at": disclosure["published_at"]}


def published_view(disclosure, estate_name):
    """What owners see: the figures, no household, person or staff name."""
    if disclosure is None:
        raise NotFound("not found")  # as for an unknown estate code: nothing tells the code exists
    report = disclosure["report"]
    return {"estate_name": estate_name, "period": disclosure["period"], "version": disclosure["version"],
            "published_at": disclosure["published_at"], "income": report["income"],
            "expenses": report["expenses"], "net_received_cents": report["net_received_cents"],
            # 预收: a period published before it was shown has none (its snapshot is as it was published)
            **({"prepaid": report["prepaid"]} if "prepaid" in report else {}),
            # the fund's part (专项维修资金): a period published before it was shown has none
            **({"maintenance_fund": report["maintenance_fund"]} if "maintenance_fund" in report else {}),
            # 公共收益: a period published before it was shown has none
            **({"public_revenue": report["public_revenue"]} if "public_revenue" in report else {})}

