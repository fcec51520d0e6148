"""The money an estate's operator hands over when its service contract ends (物业撤场交接, 退出).

《民法典》第九百四十九条: the operator whose contract ended leaves the estate and hands over what
it held for the owners; 《物业管理条例》第三十九条 and the exit guidance (《物业服务企业退出》) name
the money among it: what owners paid ahead (预收的物业费) for the time after the end, the deposits
held (押金), the special maintenance fund in its custody (代管的专项维修资金), the prepaid utility
balances (水电预存), and the list of arrears by household (欠费清单) the operator still collects.

Finance's part of the handover package (``GET /api/v1/estates/{id}/handover?as_of=``), as of the
contract's last day ``end_day`` (a local day, inclusive):

- **Paid ahead** (``paid_ahead_cents``): what was received on a bill for the days after
  ``end_day``: the months after it whole, and of ``end_day``'s own month the days after it, by the
  days the bill covers there (a first month owed from a handover day covers fewer), Decimal, half up.
  A bill of several months (a quarter's, a year's) is apportioned to its months as the collection
  rate apportions what it billed (``billing.month_shares``); what was paid on a bill pays its days
  up to the end first, the rest is paid ahead (a bill part paid is not both in arrears and owed back).
- **Prepaid unused** (``unapplied_cents``): money paid and not yet put on any bill (预收余额).
- **Owed back** (``owed_back_cents``): the two together, the owner's money the operator refunds
  (退还) or transfers to the next company with the owners' list (移交).
- **Arrears to the end** (``arrears_cents``): what is unpaid of the days up to ``end_day``: the
  operator's own claim, collected after it leaves; **billed beyond the end** (``billed_after_end_unpaid_cents``):
  what is unpaid of days after it, owed to no one here: those bills are for the next company
  to bill again, not to collect.
- The developer's bills (开发建设单位, ``payers``) are kept apart (``developer``), never on an owner's line.
- **Owed to payees** (``pass_through_owed``, 代收代缴, ``pass_through.py``): an owner's gas or broadband bill
  paid at the desk and not handed on yet is the payee's money, neither the operator's nor the owners' (not
  owed back, not the fund's): listed by payee owed, in what is held for others. The payee's claim is on the
  operator that collected it, not on the next company, so it is handed on (remitted) before the transfer that
  closes the money (``exit_settlement.refuse_payees_owed``), not carried over (h4).
- A renovation deposit's bill is no fee: the deposit is listed once, held (``deposits_held``), never
  paid ahead nor in arrears; a charge's bill (work done) is the operator's whole, never split by days.

Every amount stands as it is when the package is read (``amounts_as_at``), not as it stood on
``end_day``, which only splits the days: the arrears are what is still unpaid of the days up to it (an
owner who paid since owes nothing: the claim the operator still has), the money owed back what is still
held for the days after it, and the deposits (押金) held, the seller's prepaid money held at a sale, the
prepaid utility balances and the fund's balance are balances held now (what the owners' committee or the
next company receives, handed over now, not a day's figure). The answer says so (found by review of the exit: a package
asked for a past day read as that day's).

Plain functions: no broker, no store.
"""
from calendar import monthrange
from decimal import Decimal
from fractions import Fraction

from estate_common import calendar, clock
from estate_common.errors import InvalidInput, field_error
from estate_common.money import round_half_up

from . import billing, payers
from .deposits import DEPOSIT_ITEM

# the deposit states in which the money is still held by the operator (deposits.status_of); one
# awaiting payment holds what was paid of it (its bill's deposit is never a fee: ``money_at_end``); a
# refund waiting for a manager's approval of its deductions, or approved and not yet paid, has paid
# nothing (left out of the handover, found by r3 reviewing h3)
DEPOSIT_HELD = ("held", "refundable", "refund_awaiting_approval", "refund_approved", "refund_pending")


def checked_end_day(as_of):
    """``as_of`` (``YYYY-MM-DD``), the contract's last day; a day that is no date is a 400. A day after
    today is taken: the package is drawn up before the contract ends (a month ahead, its notice period)."""
    try:  # the calendar's one rule of a day: date.fromisoformat alone took 2026-W49-1, an ISO week's day,
        calendar.checked_contract_day(as_of if isinstance(as_of, str) else "", "filters.as_of")  # on which finance
        # failed, a 500 (found by r5); a year the contracts' days do not take, its answer broke the contract (r2)
    except InvalidInput:
        raise InvalidInput("as_of is the contract's last day, YYYY-MM-DD",
                           [field_error("filters.as_of", "is the contract's last day, YYYY-MM-DD")]) from None
    return as_of


def _days_in_month(bill, month, month_days):
    """``(first, last)``: the days of ``month`` the bill covers. A bill that says its days (``owed``: a
    developer's to a handover day, a sale month's part) covers those of them in the month; one owed
    from a handover day (``prorated``) its days from that day in its first month; else the whole month."""
    first, last = 1, month_days
    owed, prorated = bill.get("owed") or {}, bill.get("prorated")
    if owed.get("from") and owed.get("to"):
        if owed["from"][:7] == month:
            first = int(owed["from"][8:10])
        if owed["to"][:7] == month:
            last = int(owed["to"][8:10])
    elif prorated and billing.months_covered(bill)[0][0] == month:
        start = prorated.get("from") or ""
        first = int(start[8:10]) if start[:7] == month else month_days - int(prorated["days"]) + 1
        last = min(month_days, first + int(prorated["days"]) - 1)
    return first, last


def _after_fraction(bill, end_day):
    """The part (a ``Fraction``) of the days ``bill`` covers in ``end_day``'s month that fall after it:
    of the seller's 1st..11th of a sale month none after the 20th (found by r5: read 11 of 11, as if its
    days were the month's last), of the developer's 1st..20th ten after the 10th (not 21 of 31)."""
    year, month, day = int(end_day[:4]), int(end_day[5:7]), int(end_day[8:10])
    first, last = _days_in_month(bill, end_day[:7], monthrange(year, month)[1])
    covered = last - first + 1
    after = max(0, last - max(day, first - 1))
    return Fraction(min(after, covered), covered) if covered > 0 else Fraction(0)


def split_at_end(bill, shares, end_day):
    """``(up_to_end, after_end)``: ``shares`` (``{month: cents}`` of the bill) split at ``end_day``:
    months before its month and after it whole, its own month by the days (half up)."""
    end_month = end_day[:7]
    before = sum(cents for month, cents in shares.items() if month < end_month)
    after = sum(cents for month, cents in shares.items() if month > end_month)
    in_month = shares.get(end_month, 0)
    if in_month:
        part = _after_fraction(bill, end_day)
        moved = int(round_half_up(Decimal(in_month) * part.numerator / part.denominator))
        before, after = before + in_month - moved, after + moved
    return before, after


def deposit_bill(bill):
    """Whether ``bill`` is a renovation deposit's: the household's money held (``deposits_held`` lists
    it), no fee, never paid ahead nor in arrears (found by r5)."""
    return bill.get("item") == DEPOSIT_ITEM


def billed_at_end(bill, end_day):
    """``(up_to_end, after_end)`` of what ``bill`` charged. A charge's bill (a repair, a renovation's
    management fee: ``billing.charge_of``) is for work done, not for days: the whole of it is the
    operator's; a fee's is split at ``end_day`` (``split_at_end``)."""
    amount = bill["amount_cents"]
    if (bill.get("source") or {}).get("kind") == "charge":
        return amount, 0
    return split_at_end(bill, billing.month_shares(bill, amount), end_day)


def bill_at_end(bill, end_day):
    """``{paid_ahead_cents, arrears_cents, billed_after_end_unpaid_cents}`` of one bill not cancelled
    (``billed_at_end``): a charge's bill is the operator's, owed or paid, never paid ahead."""
    paid = min(bill.get("paid_cents") or 0, bill["amount_cents"])
    billed_before, billed_after = billed_at_end(bill, end_day)
    # what was paid on the bill pays its days up to the end first (as a payment pays the oldest bills
    # first): a bill part paid is never both owed up to the end and paid ahead after it (found by r5:
    # a quarter paid a third, ending with its second month, read 83.33 owed back and 333.33 in arrears)
    paid_before = min(paid, billed_before)
    paid_after = paid - paid_before
    return {"paid_ahead_cents": paid_after,
            "arrears_cents": billed_before - paid_before,
            "billed_after_end_unpaid_cents": billed_after - paid_after}


_LINE_FIELDS = ("paid_ahead_cents", "unapplied_cents", "owed_back_cents", "arrears_cents",
                "billed_after_end_unpaid_cents")


def _line(household_id, flat):
    return {"household_id": household_id, "building": flat.get("building"), "unit": flat.get("unit"),
            "room": flat.get("room"), **{name: 0 for name in _LINE_FIELDS}}


def payees_owed(payees):
    """The payees owed money collected for them (``pass_through.payee_lines``: ``owed_cents`` > 0), as the
    package shows them."""
    return [{"payee_id": p["payee_id"], "name": p["name"], "service": p["service"], "owed_cents": p["owed_cents"]}
            for p in payees if p["owed_cents"] > 0]


def money_at_end(estate_id, end_day, bills, unapplied, flats, deposits, seller_holds, utility_accounts,
                 fund_balance_cents, now, payees=()):
    """Finance's part of the handover package. ``bills``: the estate's bills not cancelled (with
    ``paid_cents``, their months); ``unapplied``: the posted payments with money not yet used;
    ``flats``: ``{household_id: {building, unit, room}}``; ``deposits``: each deposit with its
    ``status`` (``deposits.view``); ``seller_holds``: holds of a seller's prepaid money;
    ``utility_accounts``: the prepaid water and electricity accounts; ``fund_balance_cents``: the
    special maintenance fund's balance (None: the estate keeps no fund here); ``payees``: each payee of money
    collected for others with what is owed to it (``payee_id``, ``name``, ``service``, ``owed_cents``)."""
    lines, developer = {}, {"paid_ahead_cents": 0, "unapplied_cents": 0, "arrears_cents": 0,
                            "billed_after_end_unpaid_cents": 0}
    for bill in bills:
        if deposit_bill(bill):  # (found by r5: a deposit paid in the end month read paid ahead besides;
            continue            # one unpaid, in arrears)
        figures = bill_at_end(bill, end_day)
        if payers.payer_of(bill) == payers.DEVELOPER:
            for name, cents in figures.items():
                developer[name] += cents
            continue
        line = lines.get(bill["household_id"])
        if line is None:  # (not setdefault: a line built for each of 40,000 bills and dropped)
            line = lines[bill["household_id"]] = _line(bill["household_id"], flats.get(bill["household_id"], {}))
        for name, cents in figures.items():
            line[name] += cents
    for payment in unapplied:
        cents = payment.get("unapplied_cents") or 0
        if payers.payer_of(payment) == payers.DEVELOPER:
            developer["unapplied_cents"] += cents
            continue
        household_id = payment["household_id"]
        lines.setdefault(household_id, _line(household_id, flats.get(household_id, {})))["unapplied_cents"] += cents
    for line in lines.values():
        line["owed_back_cents"] = line["paid_ahead_cents"] + line["unapplied_cents"]
    developer["owed_back_cents"] = developer["paid_ahead_cents"] + developer["unapplied_cents"]
    households = sorted((line for line in lines.values() if any(line[name] for name in _LINE_FIELDS)),
                        key=lambda l: (str(l["building"]), str(l["unit"]), str(l["room"]), l["household_id"]))
    held = [{"id": d["_id"], "household_id": d.get("household_id"), "application_id": d.get("application_id"),
             "status": d["status"], "amount_cents": d.get("paid_cents") or 0}
            for d in deposits if d["status"] in DEPOSIT_HELD
            or (d["status"] == "awaiting_payment" and d.get("paid_cents"))]  # part paid: that part held (r5)
    holds = [{"id": h["_id"], "household_id": h["household_id"], "owner_since": h["owner_since"],
              "amount_cents": h["amount_cents"]} for h in seller_holds if h.get("status") == "held"]
    balances = [{"id": a["_id"], "household_id": a.get("household_id"), "utility": a.get("utility"),
                 "balance_cents": a.get("balance_cents") or 0}
                for a in utility_accounts if a.get("balance_cents")]
    owed_to_payees = payees_owed(payees)
    totals = {name: sum(line[name] for line in households) for name in _LINE_FIELDS}
    totals |= {"deposits_held_cents": sum(d["amount_cents"] for d in held),
               "seller_prepaid_held_cents": sum(h["amount_cents"] for h in holds),
               "utility_prepaid_cents": sum(b["balance_cents"] for b in balances if b["balance_cents"] > 0),
               "utility_overdrawn_cents": -sum(b["balance_cents"] for b in balances if b["balance_cents"] < 0),
               "maintenance_fund_cents": fund_balance_cents or 0,
               "pass_through_owed_cents": sum(p["owed_cents"] for p in owed_to_payees)}
    # the money the operator holds for others, handed over or paid back: the owners' paid ahead and
    # unused, the developer's, deposits, sellers' money, utility balances, the fund and the payees' money
    totals["held_for_others_cents"] = (totals["owed_back_cents"] + developer["owed_back_cents"]
                                       + totals["deposits_held_cents"] + totals["seller_prepaid_held_cents"]
                                       + totals["utility_prepaid_cents"] + totals["maintenance_fund_cents"]
                                       + totals["pass_through_owed_cents"])
    return {"estate_id": estate_id, "as_of": end_day, "households": households, "developer": developer,
            "deposits_held": held, "seller_prepaid_held": holds, "utility_balances": balances,
            "pass_through_owed": owed_to_payees,
            "maintenance_fund": {"balance_cents": fund_balance_cents or 0, "kept": fund_balance_cents is not None},
            "totals": totals, "amounts_as_at": clock.to_iso(now), "generated_at": clock.to_iso(now)}
