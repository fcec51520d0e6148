"""Arrears (欠费), reminders (催缴) and the collection rate (收缴率).

- A household is in arrears when it has a bill not paid in full after its ``due_at``; the
  list shows, per household, what is overdue, how many bills, and the age in whole days
  since the oldest overdue bill fell due.
- A reminder is recorded (who, when, which channel, what was overdue) and announced as
  ``finance.reminder_sent``; a household that owes nothing overdue gets none (422).
- The arrears of a past day (``as_of``, to carry into a new year): the same list as it stood
  at that local day's end (``owed_at``): a bill counts if it had been billed, was not cancelled
  and had fallen due by then, less what was paid on it by then (``paid_at``).
- The arrears a period recovered (清欠, ``recovered_in``): the arrears carried into it (as of its
  eve, ``owed_at``) and what was paid on those bills within it; their rate is a KPI
  (``recovery_rate``: 往年欠费回收率 for a year).
- The collection rate of a period: cents paid on the period's property-service bills ÷
  cents billed on them; no bills: no data (value null), never 0 or 100 %. It counts money paid
  at any time, so it moves on after the period closes; beside it the rate at the period's end
  (``collection_rate_at_end``) counts only what was paid by its last local day, by the arrears'
  rule (``paid_at``).

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, field_error
from estate_common.kpis import kpi

from . import billing, payers, payments

COLLECTION_RATE_ITEM = "property_service"
DAY_MS = 86_400_000


def age_days(due_at, now):
    return max(0, int((now - clock.parse_iso(due_at)).total_seconds() * 1000) // DAY_MS)


def next_day_of_age(due_at, age):
    """The moment a debt of ``age`` days (fallen due at ``due_at``) is a day older."""
    return clock.to_iso(clock.parse_iso(due_at) + timedelta(milliseconds=(age + 1) * DAY_MS))


NEVER = "9999-12-31T23:59:59.999Z"  # the next change when no unpaid bill is still to fall due and none is


def overdue_by_household(bills, now):
    """``{household_id: {overdue_cents, bills, oldest_due_at, age_days}}`` of bills past due."""
    return overdue_and_next_change(bills, now)[0]


def overdue_and_next_change(bills, now):
    """``overdue_by_household`` of an estate's unpaid bills, and the next moment that answer
    changes by itself (until then it stays the same): a bill falls due, or a household's
    ``age_days`` goes up a day; ``NEVER`` when neither will. In one pass."""
    stamp = clock.to_iso(now)
    found, next_change = {}, NEVER
    for bill in bills:  # every unpaid bill of an estate: kept to plain dict work
        if bill["status"] == "paid":
            continue
        due = bill["due_at"]
        if due >= stamp:
            next_change = min(next_change, due)
            continue
        household_id = bill.get("household_id")
        if not household_id:
            continue
        entry = found.get(household_id)
        if entry is None:
            entry = found[household_id] = {"household_id": household_id, "overdue_cents": 0, "bills": 0,
                                           "oldest_due_at": due}
        elif due < entry["oldest_due_at"]:
            entry["oldest_due_at"] = due
        entry["overdue_cents"] += payments.outstanding(bill)
        entry["bills"] += 1
        if payers.payer_of(bill) == payers.DEVELOPER:  # the developer's part (开发建设单位, ``payers``), its own to remind
            entry["developer_overdue_cents"] = entry.get("developer_overdue_cents", 0) + payments.outstanding(bill)
    ages = {}  # bills of a period share their due moment: one date computation each
    for entry in found.values():
        due = entry["oldest_due_at"]
        if due not in ages:
            ages[due] = age_days(due, now)
            next_change = min(next_change, next_day_of_age(due, ages[due]))
        entry["age_days"] = ages[due]
    return found, next_change


def paid_at(bill, end, reversed_payments, received_only=False):
    """Cents paid on ``bill`` before ``end`` (an ISO instant), as the bill then recorded them: its
    allocations made before ``end`` (those a cancellation took off, kept in ``released``), and
    those a reversal took off the bill only at or after ``end``. A reversal takes its allocations
    off the bill and leaves them on its payment (``payments.reversal``), so worked out from the
    bill's allocations alone a payment reversed after the day read as never made; from payment
    times alone, a payment reversed before it still read as paid. ``reversed_payments``: the
    estate's payments with a reversal and the seller's money taken back at a late sale, shaped as
    they are (``store.taken_off_bills``), as ``reversal_split`` gives them. ``received_only``: leaving
    out the uses of opening credits (期初预收: paid to the previous company, not received here), as
    the collection rate and the arrears recovered count money."""
    taken_back, put_back = reversed_payments
    seen, paid = set(), 0
    kept = (bill.get("allocations") or []) + (bill.get("released") or [])
    for allocation in kept + put_back.get(bill["_id"], []):
        if allocation["id"] in seen or allocation["at"] >= end or allocation["id"] in taken_back:
            continue
        if received_only and allocation.get("kind") == payments.CREDIT_KIND:
            continue
        seen.add(allocation["id"])
        paid += allocation["amount_cents"]
    return paid


def reversal_split(reversed_payments, end):
    """``(taken_back, put_back)`` of payments with a reversal (``payment["reversal"]["at"]``; a seller's
    money taken back off the buyer's bills reads as one, ``store.seller_take_backs``): the
    allocation ids of those reversed before ``end`` (not paid then, should one still be on a bill:
    a reversal half done), and ``{bill_id: [allocation]}`` of those reversed at or after it (paid
    then, though off the bill now)."""
    taken_back, put_back = set(), {}
    for payment in reversed_payments:
        if payment["reversal"]["at"] < end:
            taken_back.update(a["id"] for a in payment.get("allocations") or [])
        else:
            for allocation in payment.get("allocations") or []:
                put_back.setdefault(allocation["bill_id"], []).append(allocation)
    return taken_back, put_back


def owing_at(bills, split, end):
    """``(bill, paid)`` of ``bills`` that were in arrears at ``end``: billed before it
    (``created_at``), not cancelled before it, due before it, and paid less than their amount by
    then (``paid``: ``paid_at``; ``split``: ``reversal_split`` at ``end``)."""
    for bill in bills:
        if bill["created_at"] >= end or bill["due_at"] >= end:
            continue
        if bill["status"] == "cancelled" and (bill.get("cancelled_at") or "") < end:
            continue
        paid = paid_at(bill, end, split)
        if paid < bill["amount_cents"]:
            yield bill, paid


def owed_at(bills, reversed_payments, end):
    """``overdue_by_household`` at ``end`` (the first instant after the day asked) of the bills
    that stood then (``owing_at``), with what was paid on them by then (``paid_at``). A bill billed
    later for an earlier month is not in it: the day's arrears stay what they were, as a year's
    carried-forward figure must. The developer's part (``developer_overdue_cents``) as today's list reads
    it, of the bills as they stood then (found by h2: absent from a past day's list)."""
    then = [{"household_id": bill.get("household_id"), "due_at": bill["due_at"], "status": "unpaid",
             "amount_cents": bill["amount_cents"], "paid_cents": paid,  # each bill as it stood then
             **({"payer": payers.DEVELOPER} if payers.payer_of(bill) == payers.DEVELOPER else {})}  # its payer's part
            for bill, paid in owing_at(bills, reversal_split(reversed_payments, end), end)]
    return overdue_by_household(then, clock.parse_iso(end))


def recovered_in(bills, reversed_payments, start, end, eve):
    """清欠 of the period ``[start, end)``: the arrears carried into it, those as of its eve (``eve``,
    the local day before it: ``owed_at(start)``, every item, as ``GET …/arrears?as_of=`` lists them),
    and what of them the period recovered: what was paid on those bills from ``start`` to ``end``
    (``paid_at`` at ``end`` less at ``start``: a payment of the period reversed within it recovered
    nothing; one of before it reversed within it takes its money back off), each in cents, and the
    households of each (those with more paid in the period than taken back). ``bills``: those that
    may have owed at ``start`` (``store.bills_owing_at``)."""
    at_start, at_end = reversal_split(reversed_payments, start), reversal_split(reversed_payments, end)
    carried = recovered = 0
    owing, paying = set(), {}
    for bill, paid in owing_at(bills, at_start, start):
        carried += bill["amount_cents"] - paid
        owing.add(bill.get("household_id"))
        # money received in the period: an opening credit's use is no recovery (期初预收)
        cents = paid_at(bill, end, at_end, received_only=True) - paid_at(bill, start, at_start, received_only=True)
        recovered += cents
        paying[bill.get("household_id")] = paying.get(bill.get("household_id"), 0) + cents
    return {"carried_in_as_of": eve, "carried_in_cents": carried, "carried_in_households": len(owing),
            "recovered_cents": recovered, "recovered_households": sum(1 for cents in paying.values() if cents > 0)}


def carried_out(bills, reversed_payments, end, last_day):
    """The arrears a period over carries out (结转下期欠费): those as of its last local day
    (``last_day``), every item, as ``GET …/arrears?as_of=`` of that day lists them, which are the
    next period's carried in (``recovered_in`` from ``end``, the arrears-recovery rate's denominator
    of the period after it). ``bills``: those that may have owed at ``end`` (``store.bills_owing_at``).
    The year's were in none of its own reports (found by h9's year-end probe, h11)."""
    carried = recovered_in(bills, reversed_payments, end, end, last_day)
    return {"carried_out_as_of": last_day, "carried_out_cents": carried["carried_in_cents"],
            "carried_out_households": carried["carried_in_households"]}


def recovery_rate(recovered):
    """The KPI of ``recovered_in``: cents recovered ÷ cents carried in ("no data" when nothing was
    carried in: 往年欠费回收率 of a year, of a month or quarter its earlier months' too)."""
    return kpi(recovered["recovered_cents"], recovered["carried_in_cents"],
               note=f"cents paid in the period on the arrears carried into it / the arrears as of its eve "
                    f"({recovered['carried_in_as_of']})")


def longest_overdue_first(entries):
    """The order of the arrears list (and of its pages)."""
    return sorted(entries, key=lambda e: (e["oldest_due_at"], e["household_id"]))


def arrears_list(entries, households, reminders):
    """``entries`` (already longest overdue first: ``longest_overdue_first``) with each
    household's address (no personal data) and its last reminder."""
    items = []
    for entry in entries:
        copy = households.get(entry["household_id"]) or {}
        items.append({**entry, "building": copy.get("building"), "unit": copy.get("unit"),
                      "room": copy.get("room"), "last_reminder_at": reminders.get(entry["household_id"])})
    return items


def reminder(estate_id, reminder_id, data, overdue, now, actor):
    if not overdue:
        raise BusinessRuleViolation("the household has nothing overdue",
                                    [field_error("data.household_id", "has no overdue bills")])
    stamp = clock.to_iso(now)
    return {
        "_id": reminder_id,
        "estate_id": estate_id,
        "household_id": data["household_id"],
        "channel": data["channel"],
        "note": data.get("note"),
        "overdue_cents": overdue["overdue_cents"],
        "bills": overdue["bills"],
        "age_days": overdue["age_days"],
        "sent_at": stamp,
        "sent_by": actor,
        "created_at": stamp,
        **({"payer": payers.DEVELOPER} if payers.payer_of(data) == payers.DEVELOPER else {}),  # the developer's (开发建设单位)
    }


def reminder_event_data(reminder):
    keys = ("household_id", "channel", "overdue_cents", "bills", "age_days", "sent_at")
    return {k: reminder[k] for k in keys} | {"id": reminder["_id"]} | (
        {"payer": reminder["payer"]} if reminder.get("payer") else {})


def opening_credited(bill):
    """The part of ``bill`` that opening credits paid (期初预收: paid to the previous company before
    the takeover): neither billed for this operator to collect nor received by it, so the
    collection rate leaves it out of both, as it leaves out an opening balance's month."""
    return sum(a["amount_cents"] for a in bill.get("allocations") or [] if a.get("kind") == payments.CREDIT_KIND)


def _in(bill, cents, months, within=None):
    """The part of ``cents`` of ``bill`` that the period of ``months`` counts (``billing.share_in``: a
    bill covering several months apportioned to them; ``within``: the cents billed, for cents received,
    no month's more than its billed); all of it when no months are given."""
    return cents if months is None else billing.share_in(bill, cents, months, within)


def collection_rate(bills, not_billed=(), months=None):
    """The KPI over a period's bills (any items given are filtered to property service).
    ``months``: the period's (a month, a quarter's, a year's); a bill covering several months (a
    quarter's: ``billing.months_covered``) counts its cents billed and paid apportioned to them
    (``billing.month_shares``), so its quarter and year count it whole and each month its share.
    ``not_billed``: the period's months begun that a billing run should have billed and has not
    (``billing.months_not_billed`` of the property-service standards), named beside the figures
    (``not_billed``, absent when none), which they do not change: a month nobody billed read "no
    data", as a month with nothing to bill (a domain-gap audit)."""
    billed = paid = 0
    for bill in bills:
        if bill["item"] == COLLECTION_RATE_ITEM:
            credited = opening_credited(bill)
            billed += _in(bill, bill["amount_cents"] - credited, months)
            paid += _in(bill, bill["paid_cents"] - credited, months, bill["amount_cents"] - credited)
    shown = kpi(paid, billed, note="cents paid on the period's property-service bills / cents billed on them "
                                   "(a bill of several months, its share of each)")
    if not_billed:
        shown["not_billed"] = sorted(not_billed)
    return shown


def collection_rate_at_end(bills, reversed_payments, end, rebilled=(), months=None):
    """The collection rate as it stood at ``end`` (the first instant after the period, ISO): the
    same bills as ``collection_rate``, and what was paid on them by then (``paid_at``: a payment
    reversed since still paid then), so that a closed period's figure stays what it was; a bill of
    several months, its share of the period's ``months`` of each (as ``collection_rate``).
    ``rebilled``: the period's bills cancelled for a re-bill at a corrected price (更正,
    ``rebilled_as``): a re-bill counts what was paid by then on the bills it replaced, when more
    (``paid_on_the_fee``)."""
    split = reversal_split(reversed_payments, end)
    replaced = {bill["_id"]: bill for bill in rebilled}
    fee = [bill for bill in bills if bill["item"] == COLLECTION_RATE_ITEM]
    dues = {bill["_id"]: bill["amount_cents"] - opening_credited(bill) for bill in fee}
    paid_on = paid_on_the_fees(fee, replaced, end, split, dues)
    billed = paid = 0
    for bill in fee:
        due = dues[bill["_id"]]
        billed += _in(bill, due, months)
        paid += _in(bill, paid_on[bill["_id"]], months, due)
    return kpi(paid, billed, note="cents paid by the period's last local day on its property-service bills / "
                                  "cents billed on them")


def paid_on_the_fee(bill, replaced, end, split, due):
    """Money received on ``bill``'s fee by ``end`` (``paid_at``), or, for a re-bill at a corrected
    price (更正, ``source.corrects_bill_id``), on any bill it replaced (``replaced``, by id) when
    more, at most ``due`` (the bill less what opening credits paid). The money of the bill replaced goes
    back to its payment and settles the re-bill when it is made, so a month corrected after its end
    read as unpaid by its end where its owners had paid it (found by review r6); the larger and not
    the sum, since money moved within the month is on both."""
    return min(max(paid_at(bill, end, split, received_only=True), replaced_paid(bill, replaced, end, split)), due)


def replaced_paid(bill, replaced, end, split):
    """The most paid by ``end`` on a bill ``bill`` replaced (``source.corrects_bill_id``, and the one that one
    replaced...), of those cancelled at or after ``end`` (one cancelled before: its money was on its re-bills then,
    the buyer's part of a sale month restated within it read paid by the seller's money held for him; found by r7
    reviewing h7). 0 when none."""
    paid, seen = 0, {bill["_id"]}
    corrected = replaced.get((bill.get("source") or {}).get("corrects_bill_id"))
    while corrected is not None and corrected["_id"] not in seen:
        seen.add(corrected["_id"])
        if (corrected.get("cancelled_at") or end) >= end:
            paid = max(paid, paid_at(corrected, end, split, received_only=True))
        corrected = replaced.get((corrected.get("source") or {}).get("corrects_bill_id"))
    return paid


def paid_on_the_fees(bills, replaced, end, split, dues):
    """``{bill_id: cents}``: ``paid_on_the_fee`` of each of ``bills``, the money of a bill replaced by several
    (the seller's and the buyer's parts of a sale month, ``sale_month``; the developer's days and the owner's of a
    month moved at a late takeover, ``payers``) counted once among them: their own by ``end``, and what it had
    over that, shared in their order up to each one's due. Each re-bill counted the whole replaced bill's money as
    its own, and a part-paid month's rate at its end counted it twice (found by r7 reviewing h7)."""
    groups = {}
    for bill in bills:
        corrects = (bill.get("source") or {}).get("corrects_bill_id")
        groups.setdefault(corrects if corrects in replaced else bill["_id"], []).append(bill)
    found = {}
    for group in groups.values():
        if len(group) == 1:
            [bill] = group
            found[bill["_id"]] = paid_on_the_fee(bill, replaced, end, split, dues[bill["_id"]])
            continue
        own = {bill["_id"]: min(paid_at(bill, end, split, received_only=True), dues[bill["_id"]]) for bill in group}
        extra = max(0, replaced_paid(group[0], replaced, end, split) - sum(own.values()))
        for bill in sorted(group, key=lambda b: b["_id"]):
            more = max(0, min(extra, dues[bill["_id"]] - own[bill["_id"]]))
            found[bill["_id"]] = own[bill["_id"]] + more
            extra -= more
    return found
