"""The cashier's journals (现金日记账, 银行存款日记账), the daily settlement (日结) and the monthly
reconciliation (月末对账).

- Every payment, reversal, charge collected at its source and deposit refund is one journal entry: cash to
  the cash journal, bank/transfer/wechat/alipay to the bank journal. An entry is never
  edited; a correction is a reversing entry (``direction: out``).
- A cashier's day (local date) is closed by a settlement with the totals of the day's
  entries; no entry of that cashier is accepted for a closed day afterwards. A shift's settlement
  (交班, ``closes_day: false``, of today) covers the entries since the previous settlement of the
  day and leaves it open; the day's settlement then covers what came after the last shift.
- The reconciliation of a period sets the journals' totals against the receipts issued,
  the reversals and the money collected at sources, and shows what settled bills and what
  went to or came from prepaid balances.

Plain functions: no broker, no store.
"""
from datetime import date, timedelta

from estate_common import clock, ids, plausible, roles
from estate_common.errors import BusinessRuleViolation, Forbidden, field_error
from estate_common.wording import counted

from . import deposits, payments, periods

SETTLE_FOR_OTHERS = roles.MANAGEMENT
# a day left unsettled past recorded_within_days (rules.py, "Late settlement"): the accountant, who
# checks the cashier's journals, may close it too (the cashier may have left, or be away)
LATE_FOR_OTHERS = roles.MANAGEMENT | {"accountant"}
METHODS = tuple(payments.METHOD_JOURNAL)
JOURNALS = ("cash", "bank")


def entry_id(estate_id, kind, ref_id):
    """One entry per thing it records: a redelivered or retried write finds it there."""
    return ids.natural_id("jrn", estate_id, kind, ref_id)


def entry(estate_id, kind, ref_id, method, direction, amount_cents, cashier, day, at,
          receipt_number=None, household_id=None):
    return {
        "_id": entry_id(estate_id, kind, ref_id),
        "estate_id": estate_id,
        "journal": payments.journal_of(method),
        "method": method,
        "kind": kind,
        "ref_id": ref_id,
        "direction": direction,
        "amount_cents": amount_cents,
        "cashier": cashier,
        "day": day,
        "posted_at": at,
        "created_at": at,
        "receipt_number": receipt_number,
        "household_id": household_id,
    }


def payment_entry(payment):
    made = entry(payment["estate_id"], "payment", payment["_id"], payment["method"], "in",
                 payment["amount_cents"], payment["cashier"], payment["day"], payment["posted_at"],
                 payment["receipt_number"], payment["household_id"])
    if payment.get("from_deposit"):  # fees paid from a deposit (抵扣物业费): no money came to the till or bank
        made["from_deposit"] = payment["from_deposit"]
    return made


def reversal_entry(payment):
    reversal = payment["reversal"]
    return entry(payment["estate_id"], "reversal", payment["_id"], payment["method"], "out",
                 payment["amount_cents"], reversal["by"], reversal["day"], reversal["at"],
                 payment["receipt_number"], payment["household_id"])


def collected_entry(bill, cashier, day, method="cash"):
    """A charge paid at its source (e.g. cash at the gate): money in, no debt left, in the journal of
    how it was paid (cash; 扫码 or a card at the gate: the bank journal, not the guard's drawer)."""
    return entry(bill["estate_id"], "collected_charge", bill["_id"], method, "in", bill["amount_cents"],
                 cashier, day, bill["settled_at"], None, bill["household_id"])


def deposit_refund_entry(deposit):
    """A deposit paid back (退押金): its own entry, money out, in the journal of its method: what is handed
    back and what pays the owner's fees (抵扣物业费), which comes in again as his payment, its receipt and
    entry in the same journal (the drawer nets what was handed over)."""
    refund = deposit["refund"]
    made = entry(deposit["estate_id"], "deposit_refund", deposit["_id"], refund["method"], "out",
                 refund["amount_cents"] + deposits.fees_cents(refund), refund["by"], refund["day"], refund["at"], None,
                 deposit["household_id"])
    if deposits.fees_cents(refund):  # of it, what paid the fees: never left the till or the account
        made["fees_cents"] = deposits.fees_cents(refund)
    return made


def deposit_deduction_entries(deposit):
    """What a refund kept of the deposit (押金扣除), each deduction its own entry of the estate's income,
    its kind named (``deduction_kind``), in the journal its money was paid into (``retained_in``: one
    entry per part, the first under the deduction's id, the others ``<id>.<n>``; money of an opening
    credit, or a refund planned before, the refund's method). No money moves (``direction: retained``):
    the deposit's receipt brought it in, and the drawer or the account holds it still; the entry turns it
    from money held for the owner into income. Left out of the in/out totals."""
    refund = deposit["refund"]
    made = []
    for d in refund.get("deductions") or []:
        if d["kind"] == deposits.FEES:  # not kept: paid back and paid in as the owner's payment
            continue
        parts = d.get("retained_in") or [{"method": None, "cents": d["cents"]}]
        for index, part in enumerate(parts):
            ref_id = d["id"] if index == 0 else f"{d['id']}.{index}"
            made.append(entry(deposit["estate_id"], "deposit_deduction", ref_id, part["method"] or refund["method"],
                              "retained", part["cents"], refund["by"], refund["day"], refund["at"], None,
                              deposit["household_id"]) | {"deduction_kind": d["kind"]})
    return made


def deposit_deduction_reversal_entries(deposit):
    """A refund's deductions made in error taken back (``deposits.deductions_reversal``): one reversing entry
    per deduction's entry, money out (paid back to the owner) of the journal it was kept in, under the
    same reference, on the reversal's day and its cashier's journal (who kept them; a reversal of before
    names none: who reversed it). Never an edit of the entries kept."""
    reversal = deposit["refund"]["deductions_reversal"]
    return [entry(deposit["estate_id"], "deposit_deduction_reversal", kept["ref_id"], kept["method"], "out",
                  kept["amount_cents"], reversal.get("cashier") or reversal["by"], reversal["day"], reversal["at"],
                  None, deposit["household_id"])
            | {"deduction_kind": kept["deduction_kind"], "deposit_id": deposit["_id"]}
            for kept in deposit_deduction_entries(deposit)]


def seller_prepaid_refund_entry(hold):
    """A seller's prepaid money paid back at a sale (退还卖方预收款): money out, its own entry."""
    refund = hold["refund"]
    return entry(hold["estate_id"], "seller_prepaid_refund", hold["_id"], refund["method"], "out",
                 refund["amount_cents"], refund["by"], refund["day"], refund["at"], None, hold["household_id"])


def exit_refund_entry(settlement, cashier, day, at):
    """An owner's money paid ahead refunded at the contract's end (撤场退还预收款): money out, its own entry, on
    the journal held while it is written (``cashier``'s of ``day``): a refund resumed after a crash on a later
    day wrote it on its first day's, settled by then (found by a reviewer of h8)."""
    return entry(settlement["estate_id"], "exit_refund", settlement["_id"], settlement["method"], "out",
                 settlement["amount_cents"], cashier, day, at, None, settlement["household_id"])


def exit_transfer_entry(batch, amount_cents, cashier, day, at):
    """The owners' money paid ahead handed to the next company at the contract's end (移交预收款): one
    entry out for the batch, its statement by household on the batch; on the journal held while it is
    written (``exit_refund_entry``)."""
    return entry(batch["estate_id"], "exit_transfer", batch["_id"], batch["method"], "out", amount_cents,
                 cashier, day, at)


# the owners' money paid ahead paid out at a contract's end (exit_settlement.py): refunded or handed over
EXIT_KINDS = ("exit_refund", "exit_transfer")


def utility_top_up_entry(move):
    """Money in for a prepaid water or electricity balance (水电充值), with its receipt."""
    return entry(move["estate_id"], "utility_top_up", move["_id"], move["method"], "in", move["amount_cents"],
                 move["cashier"], move["day"], move["at"], move["receipt_number"], move["household_id"])


def pass_through_entries(collection):
    """Money in collected for a payee (代收, ``pass_through.py``), with its receipt: the payee's money (not the
    estate's income, no bill) and, apart, the handling fee (the estate's income), each its own entry."""
    made = [entry(collection["estate_id"], "pass_through_collection", collection["_id"], collection["method"], "in",
                  collection["amount_cents"], collection["cashier"], collection["day"], collection["at"],
                  collection["receipt_number"], collection["household_id"])]
    if collection["fee_cents"]:
        made.append(entry(collection["estate_id"], "pass_through_fee", collection["_id"], collection["method"], "in",
                          collection["fee_cents"], collection["cashier"], collection["day"], collection["at"],
                          collection["receipt_number"], collection["household_id"]))
    return made


def pass_through_reversal_entries(reversal):
    """A collection for a payee recorded by mistake reversed (``pass_through.py``): its money back out of the
    journal of its method (``pass_through_collection_reversal``) and, apart, its fee (``pass_through_fee_reversal``:
    off the estate's income), under the reversal (``ref_id``), on the reverser's day, the collection's receipt."""
    made = [entry(reversal["estate_id"], "pass_through_collection_reversal", reversal["_id"], reversal["method"],
                  "out", reversal["amount_cents"], reversal["by"], reversal["day"], reversal["at"],
                  reversal["receipt_number"], reversal["household_id"])]
    if reversal["fee_cents"]:
        made.append(entry(reversal["estate_id"], "pass_through_fee_reversal", reversal["_id"], reversal["method"],
                          "out", reversal["fee_cents"], reversal["by"], reversal["day"], reversal["at"],
                          reversal["receipt_number"], reversal["household_id"]))
    return made


def pass_through_remittance_entry(remittance):
    """The money collected for a payee handed on to it (代缴): money out, its own entry."""
    return entry(remittance["estate_id"], "pass_through_remittance", remittance["_id"], remittance["method"], "out",
                 remittance["amount_cents"], remittance["by"], remittance["day"], remittance["at"])


def public_revenue_entry(receipt):
    """Money in for the common parts' income (公共收益), its own entry under the receipt (``ref_id``), in the
    journal of its method: no household's money."""
    return entry(receipt["estate_id"], "public_revenue", receipt["_id"], receipt["method"], "in",
                 receipt["amount_cents"], receipt["cashier"], receipt["day"], receipt["received_at"])


def public_revenue_reversal_entry(receipt):
    """A public revenue receipt reversed (``public_revenue.reversal``): money out under the receipt, in the
    journal of its method, by who reversed it on his day. Never an edit of the receipt's entry."""
    reversal = receipt["reversal"]
    return entry(receipt["estate_id"], "public_revenue_reversal", receipt["_id"], receipt["method"], "out",
                 receipt["amount_cents"], reversal["by"], reversal["day"], reversal["at"])


def public_revenue_refund_entry(refund):
    """The money received after a contract's early end paid back (``public_revenue.refund``): money out under
    the refund, in the journal of its method, by the manager who paid it on his day (h5)."""
    return entry(refund["estate_id"], "public_revenue_refund", refund["id"], refund["method"], "out",
                 refund["amount_cents"], refund["by"], refund["day"], refund["at"])


def top_up_reversal_entry(move):
    """A top-up taken back: money out of the journal it came into, under the top-up's receipt."""
    return entry(move["estate_id"], "reversal", move["_id"], move["method"], "out", move["amount_cents"],
                 move["cashier"], move["day"], move["at"], move["receipt_number"], move["household_id"])


def first_open_day(day, closed_days):
    """Money collected at a source is never refused: a closed day passes it to the next."""
    while day in closed_days:
        day = periods.next_day(day)
    return day


def refuse_closed_day(closed, cashier, day):
    if closed:
        raise BusinessRuleViolation(f"{cashier}'s journal of {day} is settled and closed",
                                    [field_error("day", "is settled: no more entries")])


def settlement_id(estate_id, cashier, day):
    return ids.natural_id("stl", estate_id, cashier, day)


def shift_settlement_id(estate_id, cashier, day, shift):
    """A shift's settlement (交班): the ``shift``-th settlement of the cashier's day, which stays open."""
    return ids.natural_id("stl", estate_id, cashier, day, "shift", shift)


def closes_day(data):
    """Whether the settlement ``data`` asks for closes the day: the call as it always was (left out), or
    a shift's (``closes_day: false``) that leaves the day open for the cashier's next shift (found by
    h5's probe: a cashier who settled at noon, or at a handover, took no payment in the afternoon)."""
    return data.get("closes_day", True) is not False


def refuse_a_shift_of_a_day_over(data, today):
    """A shift is of today: a day over takes no more entries, and is closed by its settlement."""
    if not closes_day(data) and data["date"] < today:
        raise BusinessRuleViolation("a day that is over is closed by its settlement, not a shift's",
                                    [field_error("data.closes_day", "a shift's settlement is of today only")])


def uncovered(entries, shifts):
    """The day's ``entries`` no shift's settlement of it (``shifts``) covers: what the next one covers."""
    covered = {entry_id for shift in shifts for entry_id in shift.get("_entry_ids", ())}
    return [entry for entry in entries if entry["_id"] not in covered]


def covered_days(entries, shifts):
    """The ``(cashier, day)`` of ``entries`` whose every entry a shift's settlement (``shifts``) covers:
    nothing of them is left unsettled, though no settlement closed the day (the month's reconciliation
    counts them settled, as the days left unsettled leave them out)."""
    covered = {entry_id for shift in shifts for entry_id in shift.get("_entry_ids", ())}
    days = {}
    for entry in entries:
        key = (entry["cashier"], entry["day"])
        days[key] = days.get(key, True) and entry["_id"] in covered
    return {key for key, all_covered in days.items() if all_covered}


def check_settlement(data, today, caller_user, caller_roles, within):
    """Whether ``caller_user`` may settle the day ``data`` names, and whether it is a late one.

    A cashier's own day (a manager's, anyone's), begun. A day more than ``within`` days ago (the
    estate's ``recorded_within_days``; ``estate_common.plausible``: a settlement of 1900 was taken,
    a probe) is settled **late** (``late_settlement``): by its cashier, a manager or the accountant,
    and only when it has journal entries (``refuse_an_empty_late_day``, once they are read under
    the day's lock). True for a late day."""
    late = is_late(data["date"], today, within)
    settles_for_others = LATE_FOR_OTHERS if late else SETTLE_FOR_OTHERS
    if data["cashier"] != caller_user and not settles_for_others.intersection(caller_roles):
        if "accountant" in caller_roles:
            raise Forbidden(f"an accountant settles only a cashier's day left unsettled more than "
                            f"{counted(within, 'day')}: a day within them is its cashier's to settle")
        raise Forbidden("a cashier settles only their own day")
    if data["date"] > today:
        raise BusinessRuleViolation("a day that has not begun cannot be settled",
                                    [field_error("data.date", "is in the future")])
    # an integrator's key as the payments it posts name their cashier (roles.is_api_key): an owner app
    # posts what its payment channel confirmed at any hour, so its day is settled once it is over, where
    # a manager settling it with the cashiers' at 18:00 refused the payment of an owner who paid at 21:00,
    # his money taken by the channel already (an owner's probe)
    if roles.is_api_key(data["cashier"]) and data["date"] >= today:
        raise BusinessRuleViolation("an integrator's day is settled once it is over: its payments come in until "
                                    "midnight", [field_error("data.date", "has not ended yet")])
    return late


def is_late(day, today, within):
    """Whether ``day`` lies more than ``within`` days before ``today`` (its settlement is late)."""
    return date.fromisoformat(day) < date.fromisoformat(today) - timedelta(days=within)


def refuse_an_empty_late_day(data, entries, today, within):
    """A late day with no journal entry of its cashier is refused as before (422 on ``data.date``):
    nothing is left open on it, and a typed year (1900) settled an empty day of nobody's."""
    if not entries:
        plausible.recent(data["date"], today, within, "data.date",
                         f"a day is settled within {counted(within, 'day')} of it, or later only when it has "
                         f"journal entries left unsettled")


def unknown_cashier():
    """A manager settling a day for a name with no entry in the estate's journals: a typo made an
    empty settlement while the cashier's real day stayed open (found by a probe). A cashier's
    own day, even an empty first one, is settled."""
    return BusinessRuleViolation("nobody of this name has an entry in this estate's journals", [field_error(
        "data.cashier", "has recorded nothing in this estate: check the name")])


def moved_money(entry):
    """Whether a journal entry moved money in or out: a deposit's deduction (``retained``) is income
    kept from money that came in with the deposit's payment, so no drawer, bank or statement line
    ever shows it."""
    return entry["direction"] in ("in", "out")


def totals(entries):
    """Sums of entries: in, out and net cents and the count, per method and per journal."""
    def blank():
        return {"in_cents": 0, "out_cents": 0, "net_cents": 0, "entries": 0}
    by_method = {method: blank() for method in METHODS}
    by_journal = {journal: blank() for journal in JOURNALS}
    overall = blank()
    for item in entries:
        if not moved_money(item):
            continue
        for bucket in (by_method[item["method"]], by_journal[item["journal"]], overall):
            bucket[f"{item['direction']}_cents"] += item["amount_cents"]
            bucket["net_cents"] += item["amount_cents"] if item["direction"] == "in" else -item["amount_cents"]
            bucket["entries"] += 1
    return by_method, by_journal, overall


def cash_count(data, cash_net_cents, float_cents=0):
    """长短款: the cash counted in the drawer (``data["counted_cash_cents"]``) against what it should
    hold, its float (备用金: ``data["float_cents"]``, else the estate's ``cash_float_cents``) and the day's
    cash journal net, kept on the settlement with the cashier's explanation (``data["note"]``), which a
    difference requires: the seeds' cashier settles the cash daily, and a drawer short or over is
    explained in writing, never posted into the journals (found by h5's probe: a drawer 10 yuan
    short had nowhere to be recorded). Nothing counted: nothing said."""
    counted = data.get("counted_cash_cents")
    if counted is None:
        return {"counted_cash_cents": None, "cash_difference_cents": None, "note": data.get("note")}
    float_cents = data["float_cents"] if data.get("float_cents") is not None else float_cents
    # a drawer holds nothing less than nothing: a day that paid out more cash than it took (an earlier
    # day's payment refunded, a deposit) paid the rest from its float, then from outside it, and an
    # empty drawer read as over by it, no count could match (found by review r5 of h5); the float counted
    # with the cash, where a drawer opened with its change read over by it each day (found by h4)
    expected = max(float_cents + cash_net_cents, 0)
    difference = counted - expected
    if difference < 0 and not data.get("note"):
        if not float_cents:
            raise BusinessRuleViolation(
                f"the drawer is {-difference} cents short of the cash journal ({expected} cents): "
                f"settle it with the difference's explanation (长短款说明)",
                [field_error("data.note", f"is required: the cash counted is {-difference} cents short")])
        raise BusinessRuleViolation(
            f"the drawer is {-difference} cents short of the cash journal with its float ({expected} cents): "
            f"settle it with the difference's explanation (长短款说明)",
            [field_error("data.note", f"is required: the cash counted is {-difference} cents short")])
    if difference > 0 and not data.get("note"):
        if not float_cents:
            raise BusinessRuleViolation(
                f"the drawer is {difference} cents over the cash journal ({expected} cents): "
                f"settle it with the difference's explanation (长短款说明)",
                [field_error("data.note", f"is required: the cash counted is {difference} cents over")])
        raise BusinessRuleViolation(
            f"the drawer is {difference} cents over the cash journal with its float ({expected} cents): "
            f"settle it with the difference's explanation (长短款说明)",
            [field_error("data.note", f"is required: the cash counted is {difference} cents over")])
    return {"counted_cash_cents": counted, "float_cents": float_cents, "expected_cash_cents": expected,
            "cash_difference_cents": difference, "note": data.get("note")}


def cash_differences(settlements):
    """The drawers' differences (长短款) of a period's ``settlements``, for its reconciliation: each
    day settled with one (its count, difference and explanation, by day then cashier) and the
    shorts and overs totalled apart, where the month close said "balanced" and named none of them
    (found by review r5 of h5). The journals, and so the balance, are not changed by them."""
    # each settlement's ``shift`` (交班: a day's shifts each count their own drawer; 1 for a day settled
    # at once or before shifts were recorded), where a day's two shifts read as two rows alike (found by
    # review r9 of h9)
    # its float (备用金) and the cash expected, as the settlement kept them (absent from those made before):
    # a drawer counted at 572.00 beside a cash journal of 282.00 said nothing of the 300.00 it opened with
    # (found by review r4 of h4)
    days = sorted(({name: s.get(name) for name in ("cashier", "date", "counted_cash_cents", "cash_difference_cents",
                                                     "note")} | {"shift": s.get("shift") or 1}
                   | {name: s[name] for name in ("float_cents", "expected_cash_cents") if s.get(name) is not None}
                   for s in settlements if s.get("cash_difference_cents")),
                  key=lambda day: (day["date"], day["cashier"], day["shift"]))
    short = -sum(day["cash_difference_cents"] for day in days if day["cash_difference_cents"] < 0)
    over = sum(day["cash_difference_cents"] for day in days if day["cash_difference_cents"] > 0)
    return {"short_cents": short, "over_cents": over, "net_cents": over - short, "days": days}


def settlement(estate_id, data, entries, now, actor, late=False, shifts=(), float_cents=0):
    """The totals of ``entries``, the day's entries no earlier settlement of it covers (``shifts``, the
    day's shifts' settlements in order: ``uncovered``), closing the day unless it is a shift's
    (``closes_day``: its entries' ids kept, ``_entry_ids``, for the next one to leave out); ``late``:
    settled past ``recorded_within_days`` (who did it is ``closed_by``, when ``closed_at``); the
    drawer's count and difference against these entries' cash and its float (the estate's
    ``cash_float_cents`` in force that day, ``operations.drawer_float``, unless the settlement names one),
    ``cash_count``."""
    by_method, by_journal, overall = totals(entries)
    counted = cash_count(data, by_journal["cash"]["net_cents"], float_cents)
    stamp = clock.to_iso(now)
    closes, shift = closes_day(data), len(shifts) + 1
    own = {"closes_day": closes, "shift": shift, "since": shifts[-1]["closed_at"] if shifts else None}
    if not closes:
        own["_entry_ids"] = [entry["_id"] for entry in entries]
    return {
        "_id": (settlement_id(estate_id, data["cashier"], data["date"]) if closes
                else shift_settlement_id(estate_id, data["cashier"], data["date"], shift)),
        "estate_id": estate_id,
        "date": data["date"],
        "cashier": data["cashier"],
        "by_method": by_method,
        "by_journal": by_journal,
        "in_cents": overall["in_cents"],
        "out_cents": overall["out_cents"],
        "net_cents": overall["net_cents"],
        "entries": overall["entries"],
        "closed_at": stamp,
        "closed_by": actor,
        "late": late,
        **counted,
        **own,
        "created_at": stamp,
    }


# what a late settlement announces of itself (contracts/events/finance/day_settled_late.json)
LATE_SETTLEMENT_FIELDS = ("cashier", "date", "entries", "in_cents", "out_cents", "net_cents", "closed_at",
                          "closed_by")


def late_settlement_data(settlement):
    """What a late settlement announces of itself (``day_settled_late``, which archive keeps in the
    permanent record, in the settlement's own write); a day settled on time announces nothing."""
    return {"id": settlement["_id"], **{k: settlement[k] for k in LATE_SETTLEMENT_FIELDS}}


def reconciliation(estate_id, period, entries, payments_posted, bills_touched, start, end, settled, now,
                   top_ups=None, collected_bills=None, revenue_receipts=None, pass_through_collections=None):
    """The month's journals against the receipts issued, the reversals and the money collected
    at sources (these must balance), and what the money settled.

    ``entries``: journal entries of the period's days; ``payments_posted``: payments whose
    receipts were issued in the period; ``bills_touched``: bills with an allocation made in
    ``[start, end)``; ``settled``: ``{(cashier, day)}`` closed by a settlement; ``top_ups``: the
    prepaid utility top-ups of the period's days (their receipts); ``collected_bills``: ``{bill_id:
    bill}`` of the bills whose money was collected at their source (``collected_charges``);
    ``revenue_receipts``: the public revenue receipts (公共收益) of the period's days, money the journals took in
    with no payment's receipt (h9); ``pass_through_collections``: the money collected for others (代收) of the
    period's days, their receipts (the payee's money and the fee), expected as posted, as top-ups are."""
    by_method, by_journal, overall = totals(entries)
    receipts = sum(p["amount_cents"] for p in payments_posted)
    reversed_entries = [e for e in entries if e["kind"] == "reversal"]
    reversals = sum(e["amount_cents"] for e in reversed_entries)
    collected_entries = collected_charges(entries)
    collected = sum(e["amount_cents"] for e in collected_entries)
    refunds = [e for e in entries if e["kind"] == "deposit_refund"]
    sellers = [e for e in entries if e["kind"] == "seller_prepaid_refund"]  # a seller's prepaid money paid back
    # kept from deposits (押金扣除): income whose money the deposit's receipt brought in (not in expected)
    deductions = [e for e in entries if e["kind"] == "deposit_deduction"]
    # deductions made in error, taken back (money out, paid back to the owner): in expected, as a refund
    deductions_back = [e for e in entries if e["kind"] == "deposit_deduction_reversal"]
    deducted_by_kind = {}
    for e in deductions:
        deducted_by_kind[e["deduction_kind"]] = deducted_by_kind.get(e["deduction_kind"], 0) + e["amount_cents"]
    seller_cents = sum(e["amount_cents"] for e in sellers)
    exits = [e for e in entries if e["kind"] in EXIT_KINDS]  # the owners' money paid ahead, at the contract's end
    exit_cents = sum(e["amount_cents"] for e in exits)
    topped_up = [m for m in (top_ups or []) if m["status"] == "posted"]
    top_up_cents = sum(m["amount_cents"] for m in topped_up)
    revenue_cents = sum(r["amount_cents"] for r in revenue_receipts or [])
    # a receipt reversed: its reversing entry, money out on the reversal's day (whenever it was received)
    revenue_back = [e for e in entries if e["kind"] == "public_revenue_reversal"]
    revenue_back_cents = sum(e["amount_cents"] for e in revenue_back)
    # the money received after a contract's early end paid back (h5): money out on the refund's day
    revenue_refunds = [e for e in entries if e["kind"] == "public_revenue_refund"]
    revenue_refund_cents = sum(e["amount_cents"] for e in revenue_refunds)
    # the receipts whose owners' part the fund refused: the journal holds their money, the fund none of it,
    # until a manager reverses them (counted, so that the accountant sees them at the month's close)
    fund_refused = [r for r in revenue_receipts or [] if r["status"] == "fund_refused"]
    # money collected for others (代收代缴, pass_through.py): the payees' money in, the fees apart, from the
    # collections posted (their receipts), never the journal's own entries, which balanced whatever the journal
    # held (found by r6 reviewing h6); handed on: the entries out, as refunds
    # a collection reversed since (h4) is still received: its receipt stands, its reversal's entries take it out
    posted = [c for c in pass_through_collections or [] if c["status"] in ("posted", "reversed")]
    taken_back = [e for e in entries if e["kind"] == "pass_through_collection_reversal"]
    passed = {"pass_through_collection": posted, "pass_through_fee": [c for c in posted if c["fee_cents"]],
              "pass_through_remittance": [e for e in entries if e["kind"] == "pass_through_remittance"],
              "pass_through_reversal": taken_back,
              "pass_through_fee_reversal": [e for e in entries if e["kind"] == "pass_through_fee_reversal"]}
    passed_cents = {"pass_through_collection": sum(c["amount_cents"] for c in posted),
                    "pass_through_fee": sum(c["fee_cents"] for c in posted),
                    "pass_through_remittance": sum(e["amount_cents"] for e in passed["pass_through_remittance"]),
                    # the money and its fee apart, as collected and fees are (r4: one sum of both could not be
                    # set against collected to find what the period adds to the payees' owed)
                    "pass_through_reversal": sum(e["amount_cents"] for e in taken_back),
                    "pass_through_fee_reversal": sum(e["amount_cents"] for e in passed["pass_through_fee_reversal"])}
    expected = (receipts - reversals + collected - sum(e["amount_cents"] for e in refunds) + top_up_cents - seller_cents
                - sum(e["amount_cents"] for e in deductions_back) + revenue_cents - revenue_back_cents - revenue_refund_cents - exit_cents
                + passed_cents["pass_through_collection"] + passed_cents["pass_through_fee"]
                - passed_cents["pass_through_remittance"] - passed_cents["pass_through_reversal"]
                - passed_cents["pass_through_fee_reversal"])
    allocated = sum(a["amount_cents"] for bill in bills_touched for a in bill.get("allocations", [])
                    if start <= a["at"] < end and a.get("kind") != "opening_credit")  # 期初预收: not received here
    paid_in_full = sum(1 for bill in bills_touched
                       if bill["status"] == "paid" and bill["settled_at"] and start <= bill["settled_at"] < end)
    numbers = sorted(p["receipt_number"] for p in payments_posted)
    return {
        "estate_id": estate_id,
        "period": period,
        "journals": by_journal,
        "by_method": by_method,
        "journal_net_cents": overall["net_cents"],
        "receipts": {"count": len(payments_posted), "amount_cents": receipts,
                     "applied_to_bills_cents": receipts - sum(p["prepaid_cents"] for p in payments_posted),
                     "prepaid_cents": sum(p["prepaid_cents"] for p in payments_posted),
                     "first_number": numbers[0] if numbers else None,
                     "last_number": numbers[-1] if numbers else None},
        "reversals": {"count": len(reversed_entries), "amount_cents": reversals},
        "collected_at_source_cents": collected,
        "collected_at_source": collected_at_source(collected_entries, collected_bills or {}),
        "deposit_refunds": {"count": len(refunds), "amount_cents": sum(e["amount_cents"] for e in refunds)},
        "deposit_deductions": {"count": len(deductions), "amount_cents": sum(e["amount_cents"] for e in deductions),
                               "by_kind": dict(sorted(deducted_by_kind.items()))},
        "deposit_deduction_reversals": {"count": len(deductions_back),
                                        "amount_cents": sum(e["amount_cents"] for e in deductions_back)},
        "utility_top_ups": {"count": len(topped_up), "amount_cents": top_up_cents},
        "seller_prepaid_refunds": {"count": len(sellers), "amount_cents": seller_cents},
        "public_revenue": {"count": len(revenue_receipts or []), "amount_cents": revenue_cents},
        "public_revenue_reversals": {"count": len(revenue_back), "amount_cents": revenue_back_cents},
        "public_revenue_refunds": {"count": len(revenue_refunds), "amount_cents": revenue_refund_cents},
        "public_revenue_fund_refused": {"count": len(fund_refused),
                                        "owners_cents": sum(r["owners_cents"] for r in fund_refused)},
        "exit_prepaid_paid_out": {"count": len(exits), "amount_cents": exit_cents},
        "pass_through": {name: {"count": len(passed[kind]), "amount_cents": passed_cents[kind]}
                         for name, kind in (("collected", "pass_through_collection"), ("fees", "pass_through_fee"),
                                            ("remitted", "pass_through_remittance"),
                                            ("reversed", "pass_through_reversal"),
                                            ("fees_reversed", "pass_through_fee_reversal"))},
        "expected_net_cents": expected,
        "difference_cents": overall["net_cents"] - expected,
        "balanced": overall["net_cents"] == expected,
        "bills_settled": {"allocated_cents": allocated, "bills_paid_in_full": paid_in_full},
        "unsettled_days": [{"cashier": cashier, "date": day}
                           for cashier, day in sorted({(e["cashier"], e["day"]) for e in entries} - set(settled))],
        "generated_at": clock.to_iso(now),
    }


def collected_charges(entries):
    """The journal entries of money collected at its source, each naming its bill (``ref_id``)."""
    return [entry for entry in entries if entry["kind"] == "collected_charge"]


def collected_at_source(entries, bills):
    """The money collected at sources (``collected_charges``) by fee item and by who collected it
    (the entry's cashier: the guard who let a car out, the desk), each its entries' count and cents:
    the gate's parking cash was one total with the desk's fees, nothing the accountant could set
    against security's month of stays collected at the gate (a probe of the accountant's month
    close). And each item by how it was paid (``by_item_method``: cash, or 扫码 and cards at the gate,
    the bank journal's), its parking set against security's ``collected_by_method``: by item and by
    guard it was the gate's cash and QR money together (review r7 of h7). ``bills``: ``{bill_id:
    bill}``; an entry whose bill is not found is counted under ``unknown``."""
    by_item, by_cashier, by_item_method = {}, {}, {}
    for entry in entries:
        item = (bills.get(entry["ref_id"]) or {}).get("item", "unknown")
        methods = by_item_method.setdefault(item, {})
        for groups, name in ((by_item, item), (by_cashier, entry["cashier"]), (methods, entry["method"])):
            line = groups.setdefault(name, {"count": 0, "amount_cents": 0})
            line["count"] += 1
            line["amount_cents"] += entry["amount_cents"]
    return {"by_item": dict(sorted(by_item.items())), "by_cashier": dict(sorted(by_cashier.items())),
            "by_item_method": {item: dict(sorted(methods.items())) for item, methods in sorted(by_item_method.items())}}


def unsettled_day(cashier, day, entries, today, within):
    """One of the days left unsettled (``GET …/journals/unsettled-days``): a cashier's past day with
    journal entries and no settlement, with the totals its settlement would close it with and
    whether that settlement would be late (``is_late``). Such a day was named only by the month's
    reconciliation (``unsettled_days``), and past ``recorded_within_days`` could not be settled at all."""
    _, _, overall = totals(entries)
    return {"cashier": cashier, "date": day, "entries": overall["entries"], "in_cents": overall["in_cents"],
            "out_cents": overall["out_cents"], "net_cents": overall["net_cents"],
            "late": is_late(day, today, within)}
