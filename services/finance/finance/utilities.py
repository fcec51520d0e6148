"""Prepaid utilities (水电充值): a balance per household and utility, topped up at the cashier's
desk and drawn down by metered usage.

- One account per household and utility (``water``, ``electricity``):
  ``natural_id("ua", estate, household, utility)``, made by its first top-up or usage.
- A **top-up** (充值) is money in: a receipt with a number from the estate's receipt series
  (the same series as payments, so no two receipts share a number), its own journal entry
  (``kind: utility_top_up``), and the balance up by its amount.
- A **usage** (用量扣费) is a deduction the meter reading prices (the caller sends the cents,
  with the reading's id as its natural key when it has one). The balance never goes below
  ``-utility_overdraft_cents`` (0 by default: never negative); a deduction that would is
  refused (422) and changes nothing.
- **Low balance** (余额不足提醒): when a usage leaves the balance below
  ``utility_low_balance_cents`` (a per-estate setting), ``utility_balance_low`` is announced
  in the same write, once until a top-up lifts the balance to the threshold again; the account says
  since when (``low_since``). That event goes to archive and webhooks: the owner told is recorded by
  the desk (``owner_notice``: how, when, by whom, a note; 书面记录), and the accounts list says whether
  and when the owner was told of the low balance standing (``owner_told``).
- A **top-up reversal** (冲正) takes a posted top-up back (a mistyped amount, money handed back):
  its own move, the balance down by the top-up's amount (refused, 422, when the balance has been
  drawn below it, past the allowed overdraft), and a ``reversal`` journal entry out. A posted
  entry is never edited, only reversed (DOMAIN.md, finance). One reversal per top-up: its id is
  the top-up's (``reversal_id``).
- Every move (top-up, usage or reversal) is idempotent: its id comes from the Idempotency-Key (or the
  reading id), the account remembers the ids of its recent moves, and a move is written in
  guarded steps (the move ``pending`` with its plan → the account → the journal entry → the
  move ``posted``), so a retry or the half-done sweep finishes it without a second effect.

- **The meter's base** (交房 / 过户抄表): a water or electricity meter read at the flat's handover or a
  sale (archive's ``meter_reading_recorded``) is kept on the household's account as ``meter``: the
  figure the new party's use is counted from, the one the next usage is priced against (by its
  caller: finance holds no unit price per m³ or kWh, so a reading deducts nothing by itself, and
  gas has no prepaid account). The latest reading wins (its day, then when it was announced); a
  redelivery or an older one arriving late changes nothing.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids, money
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.text import optional_text
from estate_common.writes import Change

from . import periods

UTILITIES = ("water", "electricity")
REVERSAL = "top_up_reversal"
RECENT_MOVES = 500  # move ids an account keeps to recognise a repeated one


def account_id(estate_id, household_id, utility):
    return ids.natural_id("ua", estate_id, household_id, utility)


def usage_id(estate_id, household_id, utility, reading_id):
    return ids.natural_id("use", estate_id, household_id, utility, reading_id)


def reversal_id(estate_id, top_up_id):
    return ids.natural_id("utr", estate_id, top_up_id)


def new_account(estate_id, household_id, utility, now):
    stamp = clock.to_iso(now)
    return {"_id": account_id(estate_id, household_id, utility), "estate_id": estate_id,
            "household_id": household_id, "utility": utility, "balance_cents": 0, "low_noticed": False,
            "recent_moves": [], "created_at": stamp, "updated_at": stamp}


def top_up(move_id, estate_id, data, receipt_number, now, rules, cashier):
    """A top-up as first written (``pending``)."""
    stamp = clock.to_iso(now)
    amount = int(data["amount_cents"])
    return {"_id": move_id, "estate_id": estate_id, "household_id": data["household_id"],
            "utility": data["utility"], "kind": "top_up", "amount_cents": amount, "method": data["method"],
            "receipt_number": receipt_number, "reading_id": None, "cashier": cashier,
            "day": periods.day_of(now, rules), "at": stamp, "created_at": stamp, "status": "pending",
            "balance_after_cents": None, "receipt": None}


def usage(move_id, estate_id, data, now, rules, actor):
    stamp = clock.to_iso(now)
    return {"_id": move_id, "estate_id": estate_id, "household_id": data["household_id"],
            "utility": data["utility"], "kind": "usage", "amount_cents": int(data["amount_cents"]), "method": None,
            "receipt_number": None, "reading_id": data.get("reading_id"), "cashier": actor,
            "day": periods.day_of(now, rules), "at": stamp, "created_at": stamp, "status": "pending",
            "balance_after_cents": None, "receipt": None}


def top_up_reversal(top_up, data, now, rules, cashier):
    """The reversal of ``top_up`` as first written (``pending``): only a posted top-up (a usage is
    not money in; a pending one is still being written)."""
    if top_up["kind"] != "top_up":
        raise BusinessRuleViolation("only a top-up is reversed", [field_error("id", f"is a {top_up['kind']}")])
    if top_up["status"] != "posted":
        raise Conflict(f"the top-up is {top_up['status']}: only a posted one is reversed",
                       [field_error("id", f"is {top_up['status']}")])
    stamp = clock.to_iso(now)
    return {"_id": reversal_id(top_up["estate_id"], top_up["_id"]), "estate_id": top_up["estate_id"],
            "household_id": top_up["household_id"], "utility": top_up["utility"], "kind": REVERSAL,
            "amount_cents": top_up["amount_cents"], "method": top_up["method"],
            "receipt_number": top_up["receipt_number"], "reading_id": None, "cashier": cashier,
            "day": periods.day_of(now, rules), "at": stamp, "created_at": stamp, "status": "pending",
            "balance_after_cents": None, "receipt": None, "reverses": top_up["_id"],
            "reason": optional_text(data, "reason")}  # optional, as for a payment (API.md sends no body)


def applied(account, move):
    """The balance the move left, when it is on the account already (else None)."""
    for recent in account["recent_moves"]:
        if recent["id"] == move["_id"]:
            return recent["balance_after_cents"]
    return None


# a move's own status while its money may be on the account and the move not yet say so (a crash between the
# account's write and the move's): it stays in the account's window (``account_change``'s ``unfinished``)
UNFINISHED = ("pending",)


def leaving(account, coming=1):
    """The ids of the account's ``recent_moves`` that ``coming`` more would push out of its window."""
    recent = account["recent_moves"]
    return [r["id"] for r in recent[:max(0, len(recent) + coming - RECENT_MOVES)]]


def account_change(account, move, rules, low_event, unfinished=()):
    """The account after ``move`` (None when the move is on it already). ``low_event(data)``
    builds ``utility_balance_low``; a usage past the allowed overdraft is refused (422). The account
    remembers the moves it took (``applied``) for a retry or the sweep: its last ``RECENT_MOVES``, and
    beyond them those whose own document is not finished yet (``unfinished``: their ids among
    ``leaving``, read by the caller), so that no move taken and crashed before it was posted is judged
    untaken however many moves came since: with the last 500 alone it was taken again (the fund's
    rule, r6 reviewing h6, on the utility accounts: h6)."""
    if applied(account, move) is not None:
        return None
    signed = move["amount_cents"] if move["kind"] == "top_up" else -move["amount_cents"]
    balance = account["balance_cents"] + signed
    if move["kind"] == REVERSAL and balance < -rules["utility_overdraft_cents"]:
        raise BusinessRuleViolation(
            f"the {move['utility']} balance is {account['balance_cents']} cents: the top-up of "
            f"{move['amount_cents']} cents has been used, taking it back would go below "
            f"{-rules['utility_overdraft_cents']} cents",
            [field_error("id", "has been drawn down by usage; it can no longer be reversed")])
    if signed > 0:  # only money in is refused there: a balance above it (from before) may still go down
        money.refuse_above_maximum(balance, "data.amount_cents", f"the {move['utility']} balance")
    if move["kind"] == "usage" and balance < -rules["utility_overdraft_cents"]:
        raise BusinessRuleViolation(
            f"the {move['utility']} balance is {account['balance_cents']} cents: the usage would take it below "
            f"{-rules['utility_overdraft_cents']} cents",
            [field_error("data.amount_cents", "is more than the balance allows; top up first")])
    threshold = rules["utility_low_balance_cents"]
    low_noticed = account["low_noticed"]
    low_since = account.get("low_since")
    events = []
    if balance >= threshold:
        low_noticed, low_since = False, None
    elif move["kind"] in ("usage", REVERSAL) and not low_noticed:
        low_noticed, low_since = True, move["at"]  # the owners told of it are told from here (owner_told)
        events.append(low_event({"id": account["_id"], "household_id": account["household_id"],
                                 "utility": account["utility"], "balance_cents": balance,
                                 "threshold_cents": threshold, "at": move["at"]}))
    recent = account["recent_moves"] + [{"id": move["_id"], "balance_after_cents": balance}]
    over = len(recent) - RECENT_MOVES
    if over > 0:
        recent = [r for r in recent[:over] if r["id"] in set(unfinished)] + recent[over:]
    return Change({"balance_cents": balance, "low_noticed": low_noticed, "low_since": low_since,
                   "recent_moves": recent, "updated_at": move["at"]}, events=events)


def posting(move, balance_after):
    fields = {"status": "posted", "balance_after_cents": balance_after}
    if move["kind"] == "top_up":
        fields["receipt"] = {"number": move["receipt_number"], "issued_at": move["at"],
                             "household_id": move["household_id"], "utility": move["utility"],
                             "amount_cents": move["amount_cents"], "method": move["method"],
                             "balance_after_cents": balance_after}
    return fields


def same_move(stored, data):
    """A usage sent again under its reading id must be the same usage (409 otherwise)."""
    if stored["amount_cents"] != int(data["amount_cents"]) or stored["utility"] != data["utility"] \
            or stored["household_id"] != data["household_id"]:
        raise Conflict("this reading was deducted already with other figures",
                       [field_error("data.reading_id", f"was used by {stored['_id']}")])
    return stored


def meter_change(account, reading, announced_at):
    """The account's ``meter`` from ``reading`` (a ``meter_reading_recorded``'s data announced at
    ``announced_at``), or None when it holds this reading or a later one."""
    current = account.get("meter")
    if current and (current["read_on"], current.get("_announced_at", "")) >= (reading["read_on"], announced_at):
        return None
    meter = {name: reading[name] for name in ("meter_number", "reading", "read_on", "occasion", "replacement")}
    return Change({"meter": {"reading_id": reading["id"], **meter, "_announced_at": announced_at}})


OWNER_TOLD_HOW = ("phone", "visit", "notice", "app")  # openapi's OwnerToldHow


def owner_notice(notice_id, account, data, now, actor):
    """The written record that ``account``'s owner was told of its low balance (遇预存余额不足的，及时
    通知业主并做好书面记录): how, when (``told_at``, now when left out), by ``actor``, a note. Only of a
    low balance standing (``low_noticed``: 422 on ``id`` else), told neither in the future nor before
    it began (``low_since``; 422 on ``data.told_at``). ``utility_balance_low`` went to archive and
    webhooks alone, and ``low_noticed`` read as the owner told with no owner app (h5's probe)."""
    if not account.get("low_noticed"):
        raise BusinessRuleViolation(f"the {account['utility']} balance is not low: there is nothing to tell its owner",
                                    [field_error("id", "has no low balance standing")])
    stamp = clock.to_iso(now)
    # read as the moment it names, written as the clock writes one: a Timestamp has 0 to 6 digits of a
    # second, and compared as typed with the clock's and low_since's (milliseconds) this second written
    # whole read "in the future" (found by review r9 of h9)
    told_at = clock.to_iso(clock.parse_iso(data["told_at"])) if data.get("told_at") else stamp
    if told_at > stamp:
        raise BusinessRuleViolation("the owner cannot have been told in the future",
                                    [field_error("data.told_at", "is in the future")])
    if account.get("low_since") and told_at < account["low_since"]:
        raise BusinessRuleViolation(f"the balance fell low at {account['low_since']}: an owner told before was told "
                                    f"of another time", [field_error("data.told_at", "is before the balance fell low")])
    return {"_id": notice_id, "estate_id": account["estate_id"], "account_id": account["_id"],
            "household_id": account["household_id"], "utility": account["utility"], "how": data["how"],
            "told_at": told_at, "told_by": actor, "note": optional_text(data, "note"),
            "balance_cents": account["balance_cents"], "low_since": account.get("low_since"), "created_at": stamp}


def owner_told(account, notice):
    """The account's ``owner_told``: ``notice`` (its latest record) when it is of the low balance
    standing (told at or after ``low_since``; any, for an account low before that was recorded), else None."""
    if not account.get("low_noticed") or notice is None:
        return None
    if account.get("low_since") and notice["told_at"] < account["low_since"]:
        return None
    return {"id": notice["_id"], "how": notice["how"], "at": notice["told_at"], "by": notice["told_by"]}


def account_view(account):
    view = {key: value for key, value in account.items() if key != "recent_moves"}
    if view.get("meter"):
        view["meter"] = {key: value for key, value in view["meter"].items() if not key.startswith("_")}
    return view


def accounts_filters(filters):
    """The accounts list's filters as stored: ``low`` (``true``/``false``) reads the standing
    low-balance notice (``low_noticed``: the balance fell to the threshold and no top-up lifted it
    since), the desk's list of owners to tell (遇预存余额不足的，及时通知业主; found by h5's probe:
    the desk paged every account for the badge)."""
    stored = {key: value for key, value in filters.items() if key != "low"}
    if "low" in filters:
        stored["low_noticed"] = filters["low"] == "true"
    return stored
