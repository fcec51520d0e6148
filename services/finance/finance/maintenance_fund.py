"""The special maintenance fund (专项维修资金): the owners' money for repairs of shared parts,
kept in a ledger of its own, apart from the estate's operating money.

- **Separate**: its entries are not in the cashier's journals, the reconciliation or the
  disclosure of operating income and costs; the fund has its own balance (one account per
  estate, ``natural_id("mf", estate)``) and its own statement.
- **Deposits** (缴存): money in, from an owner's household, the developer or interest
  (``source``); posted at once; idempotent (Idempotency-Key).
- **Deposit reversals** (缴存冲正): a posted deposit typed wrong is taken back by an entry of its own
  (``deposit_reversal``, ``reverses`` the deposit, with its reason; one per deposit), posted as a
  deposit is (``pending``, the balance down, ``posted``; the deposit then names it in
  ``reversed_by``); refused (422) when the balance no longer holds the deposit's amount (approved
  uses took it): the fund is never below zero. The deposit stays on its day's statement, the
  reversal on its own day's.
- **Announced**: the write that posts a deposit carries ``fund_deposit_posted``, the one that
  posts its reversal ``fund_deposit_reversed``, whoever finishes it (the call, its retry, the
  half-done sweep); archive keeps both on the deposit's record.
- **Uses** (使用): a repair of shared parts (``purpose``, optionally the work order) is
  ``requested``, then ``approved`` by a manager or the operator admin, not the one who asked
  (the seeds: "协助 ... 专项维修资金的筹集、使用与管理"; the owners' consent behind it is referenced in
  ``consent_ref``) or ``rejected`` with a reason. Only approval takes the money, and never
  more than the balance (422): the fund is not overdrawn. Decided once (409 again). Each step is
  announced in the write that makes it (``fund_use_requested``, ``fund_use_approved`` — in the
  write that marks it approved, so an approval finished by approving again is announced once —
  and ``fund_use_rejected``); archive keeps them on the use's record.
- **Shared by the flats of a building** (分摊, 《住宅专项维修资金管理办法》 art. 22-24): a use may
  name who shares the part it repairs (``shared_by``: a building, or some of its units; the lift
  probe found building 5's owners paying for building 3's lifts out of one pool). Approved, it is
  apportioned to those flats by floor area (``apportionment``: each flat's share to the cent, the
  half-up rounding of the running total, ``money.apportioned``, so the shares sum to the use exactly)
  and borne by each flat's own fund account (分户账: its owner deposits, less their reversals, less
  its shares of uses approved before; ``household_balance``): refused (422, naming the flats) when
  a flat holds less than its share. The account is the flat's, not the owner's: sold, the flat
  keeps it (the buyer's from then on). Interest and the developer's money stay in the estate's pool.
- **The owners' decision** (业主大会, 双三分之二): a shared use is approved with the figures of the
  owners' vote (``owners_decision``: the floor area and the owners for it, and against), checked
  against the flats sharing it: at least ``fund_use_consent_parts`` / ``fund_use_consent_of``
  (2/3) of their area and of their owners (one owner a flat) for it; more votes than flats or area
  is a typo (422). An **emergency use** (应急使用: a lift that traps people, ``emergency``, naming its
  work order, an emergency one by maintenance's priority: ``check_emergency``) is approved without
  them, the owners told afterwards.
- **Statement** (对账单) of a month: the opening balance, the month's deposits, deposit reversals
  and approved uses line by line, the closing balance (the estate's local calendar: a deposit counts on
  the day it was posted, a use on the day it was approved).
- Each step that moves the balance is guarded: the account remembers the entries it took
  (their ids), so a retry or the half-done sweep finishes an entry without a second effect.

Plain functions: no broker, no store.
"""
from decimal import Decimal

from estate_common import clock, ids, money, personal_data, roles
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.text import optional_text
from estate_common.writes import Change

from . import periods

RECENT_ENTRIES = 1000


def account_id(estate_id):
    return ids.natural_id("mf", estate_id)


def new_account(estate_id, now):
    stamp = clock.to_iso(now)
    return {"_id": account_id(estate_id), "estate_id": estate_id, "balance_cents": 0, "recent_entries": [],
            "created_at": stamp, "updated_at": stamp}


def _entry(entry_id, estate_id, kind, data, now, rules, actor):
    stamp = clock.to_iso(now)
    return {"_id": entry_id, "estate_id": estate_id, "kind": kind, "amount_cents": int(data["amount_cents"]),
            "household_id": data.get("household_id"), "source": data.get("source"), "method": data.get("method"),
            "purpose": optional_text(data, "purpose"), "work_order_id": data.get("work_order_id"),
            "work_order_number": data.get("work_order_number"),
            **(_sharing(data) if kind == "use" else {}),
            "consent_ref": None, "note": optional_text(data, "note"),
            "status": "pending" if kind == "deposit" else "requested", "requested_by": actor,
            "decided_by": None, "decided_at": None, "reject_reason": None,
            "day": periods.day_of(now, rules) if kind == "deposit" else None,
            "balance_after_cents": None, "created_at": stamp}


def deposit(entry_id, estate_id, data, now, rules, actor):
    if data["source"] == "owner" and not data.get("household_id"):
        raise BusinessRuleViolation("an owner's deposit names the household",
                                    [field_error("data.household_id", "is required when source is owner")])
    return _entry(entry_id, estate_id, "deposit", data, now, rules, actor)


REVERSAL = "deposit_reversal"
# a deposit made by a receipt of the common parts' income (公共收益: public_revenue.fund_deposit_data), not by
# hand: its receipt, the journal's money in and the disclosure name it, so it is not reversed on its own (r9)
PUBLIC_REVENUE = "public_revenue"


def reversal_id(estate_id, deposit_id):
    return ids.natural_id("mfr", estate_id, deposit_id)


def deposit_reversal(deposit, data, now, rules, actor, by_receipt=False):
    """The reversal of ``deposit`` as first written (``pending``): only a posted deposit (a use is
    rejected, not reversed; a pending deposit is still being written). The owners' part of a public
    revenue receipt only by its receipt's reversal (``by_receipt``: ``public_revenue.reversal``)."""
    if deposit["kind"] != "deposit":
        raise BusinessRuleViolation("only a deposit is reversed (a use is rejected, not reversed)",
                                    [field_error("id", "is not a deposit")])
    if deposit["status"] != "posted":
        raise Conflict(f"the deposit is {deposit['status']}: only a posted one is reversed",
                       [field_error("id", f"is {deposit['status']}")])
    if deposit.get("source") == PUBLIC_REVENUE and not by_receipt:  # the receipt's own part: its receipt, journal and disclosure say so
        raise Conflict("the owners' part of a public revenue receipt is not reversed as a deposit typed wrong",
                       [field_error("id", "is the owners' part of a public revenue receipt")])
    entry = _entry(reversal_id(deposit["estate_id"], deposit["_id"]), deposit["estate_id"], REVERSAL,
                   {key: deposit.get(key) for key in ("amount_cents", "household_id", "source", "method")},
                   now, rules, actor)
    return entry | {"status": "pending", "day": periods.day_of(now, rules), "reverses": deposit["_id"],
                    "reversal_reason": data["reason"].strip()}


_ANNOUNCED = ("household_id", "source", "method", "amount_cents", "balance_after_cents", "day")


def posted_event_data(deposit):
    """``finance.fund_deposit_posted``: a deposit as posted (with the balance it left)."""
    return {"id": deposit["_id"], **{key: deposit[key] for key in _ANNOUNCED}, "deposited_at": deposit["created_at"]}


def reversed_event_data(reversal):
    """``finance.fund_deposit_reversed``: a deposit's reversal as posted, under the deposit's id
    (archive keeps it beside the deposit); the reversal's own is ``reversal_id``."""
    return {"id": reversal["reverses"], "reversal_id": reversal["_id"], **{key: reversal[key] for key in _ANNOUNCED},
            "reason": reversal["reversal_reason"], "reversed_at": reversal["created_at"]}


_USE_ANNOUNCED = ("amount_cents", "purpose", "work_order_id", "work_order_number")


def _sharing_announced(use):
    return {"shared_by": use.get("shared_by"), "emergency": bool(use.get("emergency"))}


def use_requested_event_data(use):
    """``finance.fund_use_requested``: a use as requested (who asked: the event's actor)."""
    return {"id": use["_id"], **{key: use.get(key) for key in _USE_ANNOUNCED}, **_sharing_announced(use),
            "requested_at": use["created_at"]}


def use_decided_event_data(use):
    """``finance.fund_use_approved`` (with the owners' consent, the purpose as worded for the owners'
    page, the day and the balance it left) or ``fund_use_rejected`` (with why), by the status ``use``
    was decided to; who asked is in it (four eyes: who decided is the event's actor)."""
    decided = {"id": use["_id"], **{key: use.get(key) for key in _USE_ANNOUNCED},
               "requested_by": use["requested_by"], **_sharing_announced(use)}
    if use["status"] == "approved":
        # the words the owners' page shows (``public_purpose``) are the approver's: archive keeps them
        return decided | {"consent_ref": use["consent_ref"], "public_purpose": use.get("public_purpose"),
                          "day": use["day"],
                          "owners_decision": use.get("owners_decision"), "apportionment": use.get("apportionment"),
                          "balance_after_cents": use["balance_after_cents"], "approved_at": use["decided_at"]}
    return decided | {"reason": use["reject_reason"], "rejected_at": use["decided_at"]}


def check_work_order(data, found):
    """A use names a work order of its estate, or none: ``found`` is what the gateway found of
    it (``not_found``: another estate's, or no work order at all; None: nobody looked)."""
    if data.get("work_order_id") and found == "not_found":
        raise BusinessRuleViolation("the use names a work order this estate does not have",
                                    [field_error("data.work_order_id", "is not a work order of this estate")])


def check_emergency(data, found):
    """An emergency use (应急使用) is one of an emergency work order (抢险): approved without the owners'
    vote, it is maintenance's priority that makes it one, not the box its requester ticked (anyone
    who may request a use could mark a routine repair an emergency: found by review). ``found``:
    what the gateway read of the order (its ``work_order_priority``; none read, as a call that did
    not pass the gateway, is no emergency either; its ``work_order_status``: a cancelled one is no
    emergency's any more). A use naming no work order is refused as such (``_sharing``)."""
    if not data.get("emergency") or not data.get("work_order_id"):
        return
    if found.get("work_order_status") == "cancelled":
        # a cancelled order (a false alarm, a duplicate) spends nothing: its emergency use, approved
        # without the owners' vote, was taken all the same (found by last session's probes)
        raise BusinessRuleViolation("the emergency's work order was cancelled: nothing of the fund is used on it",
                                    [field_error("data.work_order_id", "is cancelled")])
    priority = found.get("work_order_priority")
    if priority != "emergency":
        raise BusinessRuleViolation(
            "an emergency use (应急使用) is one of an emergency work order (抢险): this one is not; the owners "
            "decide its use" if priority else
            "an emergency use (应急使用) is one of an emergency work order (抢险): its work order's priority is not "
            "known; the owners decide its use",
            [field_error("data.emergency", "is for a use of an emergency work order (priority emergency)")])


def refuse_charged_to_owner(data, found):
    """The fund pays the common parts (共用部位) alone: a use naming a work order the owner pays for is
    refused (409, naming the order; h5, a burst pipe: the owners' money could pay one owner's pipe).
    ``found``: what the gateway read of the order, maintenance's: its charge to the household
    (``work_order_charge_cents``), the quote the occupant consented to (``work_order_consented_cents``),
    the cause its completion found (``work_order_cause_party``, the owner's own part). None read: nothing
    known against it."""
    if not data.get("work_order_id"):
        return
    order = found.get("work_order_number") or found.get("work_order_id") or data["work_order_id"]
    if found.get("work_order_charge_cents"):
        raise Conflict(f"the special maintenance fund pays for common parts only: work order {order} is charged "
                       "to the owner")
    if found.get("work_order_consented_cents"):
        raise Conflict(f"the special maintenance fund pays for common parts only: the owner consented to pay "
                       f"work order {order}")
    if found.get("work_order_cause_party") == "owner":
        raise Conflict(f"the special maintenance fund pays for common parts only: work order {order} fixed the "
                       "owner's own part")


def with_work_order(data, found):
    """The use's work order as maintenance knows it (``found``: its ``work_order_id`` and
    ``work_order_number``): one named by its number is kept by its id, and shown by its number."""
    if not data.get("work_order_id") or not found.get("work_order_id"):
        return data
    return data | {"work_order_id": found["work_order_id"], "work_order_number": found.get("work_order_number")}


def _sharing(data):
    """A use's ``shared_by`` (the building and units whose flats share it; None: the estate's pool)
    and ``emergency``, as kept."""
    shared = data.get("shared_by")
    if shared:
        units = sorted({str(unit).strip() for unit in shared.get("units") or []}) or None
        shared = {"building": str(shared["building"]).strip(), "units": units}
    if data.get("emergency") and not data.get("work_order_id"):
        raise BusinessRuleViolation("an emergency use names the emergency's work order",
                                    [field_error("data.work_order_id", "is required for an emergency use")])
    return {"shared_by": shared or None, "emergency": bool(data.get("emergency")), "owners_decision": None,
            "apportionment": None}


def address(flat):
    return f"{flat.get('building')}-{flat.get('unit')}-{flat.get('room')}"


def sharing_flats(flats):
    """The flats sharing a use in the order their shares are worked out (building, unit, room)."""
    return sorted(flats, key=lambda f: (str(f.get("building")), str(f.get("unit")), str(f.get("room")), f["_id"]))


def _area(flat):
    return Decimal(str(flat.get("area_m2") or 0))


def refuse_nobody_sharing(flats):
    """Refused (422 naming ``data.shared_by``, what the use was requested with) when none of ``flats``
    (those a use's ``shared_by`` names) has a floor area: nobody would share it; at its request already
    (an estate whose households name no building, or another name for it, r8), and at its approval,
    once, before its owners' decision and its apportionment are worked out (which take flats that share
    it): it ran in both, named ``shared_by`` there (found rereading the change, h6)."""
    if not flats or sum(_area(flat) for flat in flats) <= 0:
        raise BusinessRuleViolation("no flat with a floor area is known where the use is shared: nobody shares it",
                                    [field_error("data.shared_by", "names no flat of this estate")])


def refuse_unknown_units(shared, flats, field="data.shared_by.units"):
    """Refused (422) when a unit ``shared`` names has no flat among ``flats`` (those of its building
    and units): a unit typed wrong ("02" for "2") was left out, and the other units' flats bore
    the whole use (r8)."""
    unknown = sorted(set(shared.get("units") or ()) - {str(flat.get("unit")) for flat in flats})
    if unknown:
        raise BusinessRuleViolation(f"building {shared['building']} has no flat in unit {', '.join(unknown)}",
                                    [field_error(field, "names a unit of the building that has no flat")])


def apportionment(use, flats, balances):
    """``use`` (shared) apportioned to ``flats`` (finance's copies of the flats sharing it, some with a
    floor area: ``refuse_nobody_sharing``) by floor area, each line with what the flat's fund account
    (``balances``) holds after it; refused (422) when a flat holds less than its share (naming the first
    three by address)."""
    flats = sharing_flats(flats)
    shares = money.apportioned(use["amount_cents"], [_area(flat) for flat in flats])
    lines = [{"household_id": flat["_id"], "building": flat.get("building"), "unit": flat.get("unit"),
              "room": flat.get("room"), "area_m2": float(_area(flat)), "amount_cents": share,
              "balance_after_cents": balances.get(flat["_id"], 0) - share} for flat, share in zip(flats, shares)]
    short = [line for line in lines if line["balance_after_cents"] < 0]
    if short:
        named = ", ".join(address(line) for line in short[:3]) + (", …" if len(short) > 3 else "")
        raise BusinessRuleViolation(
            f"{len(short)} of the {len(lines)} flats sharing the use hold less than their share in the fund: {named}",
            [field_error("id", "the flats sharing it do not hold their shares: they top up (续交) first")])
    return lines


def owners_decision(use, decision, flats, rules):
    """The owners' decision behind a shared use (``decision``: its figures as the approval gives
    them) with the totals of the flats sharing it (some with a floor area: ``refuse_nobody_sharing``),
    or None for an emergency use approved without one; refused (422) when missing, short of
    ``fund_use_consent_parts`` / ``fund_use_consent_of`` of the area or of the owners, or counting more
    than there are."""
    if not decision and use.get("emergency"):
        return None
    if not decision:
        raise BusinessRuleViolation(
            "a use shared by the owners of a building is approved with their decision's figures (业主大会)",
            [field_error("data.owners_decision", "is required for a shared use that is not an emergency")])
    area_total, owners_total = sum(_area(flat) for flat in flats), len(flats)
    area_for, area_against = (Decimal(str(decision.get(key) or 0)) for key in ("area_for_m2", "area_against_m2"))
    owners_for, owners_against = (int(decision.get(key) or 0) for key in ("owners_for", "owners_against"))
    if area_for + area_against > area_total:
        raise BusinessRuleViolation(f"the decision counts {area_for + area_against} m² voting of the {area_total} m² "
                                    f"sharing the use", [field_error("data.owners_decision.area_for_m2",
                                                                     "is more than the flats sharing the use have")])
    if owners_for + owners_against > owners_total:
        raise BusinessRuleViolation(f"the decision counts {owners_for + owners_against} owners voting of the "
                                    f"{owners_total} sharing the use", [field_error(
                                        "data.owners_decision.owners_for", "is more than the owners sharing the use")])
    parts, of = rules["fund_use_consent_parts"], rules["fund_use_consent_of"]
    parts = min(parts, of)
    if area_for * of < area_total * parts or owners_for * of < owners_total * parts:
        raise BusinessRuleViolation(
            f"the owners sharing the use decided it with {area_for} of {area_total} m² and {owners_for} of "
            f"{owners_total} owners: it needs {parts}/{of} of both",
            [field_error("data.owners_decision", "is short of the share of area and owners the use needs")])
    return {"area_for_m2": float(area_for), "area_against_m2": float(area_against),
            "area_total_m2": float(area_total), "owners_for": owners_for, "owners_against": owners_against,
            "owners_total": owners_total}


def refuse_while_half_done(account, marked, but=None):
    """Refused (409) while a use sharing the flats' money (``marked``: those of the building with
    an approval marked on them) took its money from the pool (``account``) and was not written
    approved: the flats' accounts still hold its shares, which the next use or a deposit's
    reversal would take, and finishing it would then be refused, its rejection too (stuck, r8)."""
    for use in marked:
        if use["_id"] != but and account is not None and taken(account, use["_id"]) is not None:
            raise Conflict(f"the approval of use {use['_id']} shared by this building took its money and did not "
                           f"finish: approve it again to finish it first",
                           [field_error("id", "waits for a use of the same flats whose approval did not finish")])


def household_balance(entries, household_id):
    """What a flat's own fund account (分户账) holds: its owner deposits posted, less their reversals
    posted, less its shares of the uses approved (``entries``: those naming it, either way)."""
    held = 0
    for entry in entries:
        if entry["kind"] == "deposit" and entry["status"] == "posted" and entry.get("household_id") == household_id:
            held += entry["amount_cents"]
        elif entry["kind"] == REVERSAL and entry["status"] == "posted" and entry.get("household_id") == household_id:
            held -= entry["amount_cents"]
        elif entry["kind"] == "use" and entry["status"] == "approved":
            held -= sum(line["amount_cents"] for line in entry.get("apportionment") or []
                        if line["household_id"] == household_id)
    return held


def refuse_reversal_of_shared_money(deposit, entries):
    """A flat's deposit is not reversed when the flat's own account (``entries``: those naming it)
    no longer holds it: its shares of uses approved took it (422). The pool still held it, so the
    reversal was taken and the flat's account went below zero (h8)."""
    household_id = deposit.get("household_id")
    if not household_id:
        return
    held = household_balance(entries, household_id)
    if held < deposit["amount_cents"]:
        raise BusinessRuleViolation(
            f"the flat's account holds {held} cents: taking back the deposit's {deposit['amount_cents']} cents "
            f"would leave it below zero (its shares of uses approved since took it)",
            [field_error("id", "its money has been used; it can no longer be reversed")])


def household_account(estate_id, household_id, entries):
    """A flat's own account (分户账) from ``entries`` (those naming it: ``household_balance``)."""
    def posted(kind):
        return sum(e["amount_cents"] for e in entries if e["kind"] == kind and e["status"] == "posted"
                   and e.get("household_id") == household_id)
    shares = [{"use_id": e["_id"], "day": e.get("day"), "purpose": e.get("purpose"),
               "work_order_number": e.get("work_order_number"), "emergency": bool(e.get("emergency")),
               "amount_cents": sum(line["amount_cents"] for line in e["apportionment"]
                                   if line["household_id"] == household_id)}
              for e in entries if e["kind"] == "use" and e["status"] == "approved" and e.get("apportionment")]
    deposits, reversals = posted("deposit"), posted(REVERSAL)
    shared = sum(share["amount_cents"] for share in shares)
    return {"estate_id": estate_id, "household_id": household_id, "deposits_cents": deposits,
            "reversals_cents": reversals, "shares_cents": shared, "balance_cents": deposits - reversals - shared,
            "shares": [share for share in shares if share["amount_cents"]]}


def use(entry_id, estate_id, data, now, rules, actor, others=()):
    """A use as requested; refused (409) while another use of its work order (``others``, its
    uses) awaits approval: that one is approved or rejected first. Uses in stages (a deposit,
    then the final payment) are each requested once the one before is decided; every use shows
    what was approved for its work order already (``with_work_order_approved``)."""
    pending = next((o for o in others if o["status"] == "requested" and o["_id"] != entry_id), None)
    if pending is not None:
        raise Conflict(
            f"another use of the fund for work order {pending.get('work_order_number') or pending['work_order_id']} "
            f"awaits approval: {pending['_id']}, of {pending['amount_cents']} cents, requested on "
            f"{pending['created_at'][:10]} by {pending['requested_by']}: approve or reject it first",
            [field_error("data.work_order_id", "has a use of the fund awaiting approval")])
    return _entry(entry_id, estate_id, "use", data, now, rules, actor)


def with_work_order_approved(entry, uses):
    """``entry`` (as stored, or as listed) with what the fund paid for its work order already (``uses``: the work order's
    uses): the count and cents of its other approved uses, so the approving manager sees them
    (three uses of one work order were approved with no hint of the others: a probe). None for
    an entry naming no work order."""
    if entry["kind"] != "use" or not entry.get("work_order_id"):
        return entry | {"work_order_other_approved": None}
    own_id = entry.get("_id", entry.get("id"))  # as stored, or as listed
    approved = [u for u in uses if u["status"] == "approved" and u["_id"] != own_id]
    return entry | {"work_order_other_approved": {"uses": len(approved),
                                                  "amount_cents": sum(u["amount_cents"] for u in approved)}}


def taken(account, entry_id):
    """The balance the entry left, when it is on the account already (else None)."""
    for recent in account["recent_entries"]:
        if recent["id"] == entry_id:
            return recent["balance_after_cents"]
    return None


# an entry's own status while its money may be on the account and the entry not yet say so (a crash between the
# account's write and the entry's): it stays in the account's window (``account_change``'s ``unfinished``)
UNFINISHED = ("pending", "requested")


def leaving(account, coming=1):
    """The ids of the account's ``recent_entries`` that ``coming`` more would push out of its window."""
    recent = account["recent_entries"]
    return [r["id"] for r in recent[:max(0, len(recent) + coming - RECENT_ENTRIES)]]


def account_change(account, entry, now, unfinished=()):
    """The account after ``entry`` (None when it is on it already); a use beyond the balance is
    refused (422). The account remembers the entries it took (``taken``) for a retry or the sweep: its last
    ``RECENT_ENTRIES``, and beyond them those whose own document is not finished yet (``unfinished``: their ids
    among ``leaving``, read by the caller), so that no entry taken and crashed before it was posted is judged
    untaken, however many entries came since: with the last 1,000 alone, it was taken again (h6 left the window;
    r6 reviewing h6)."""
    if taken(account, entry["_id"]) is not None:
        return None
    balance = account["balance_cents"] + signed(entry)
    if balance < 0 and entry["kind"] == REVERSAL:
        raise BusinessRuleViolation(
            f"the fund holds {account['balance_cents']} cents: taking back the deposit's {entry['amount_cents']} "
            f"cents would leave it below zero (what uses approved since took is spent)",
            [field_error("id", "its money has been used; it can no longer be reversed")])
    if balance < 0:
        raise BusinessRuleViolation(
            f"the fund holds {account['balance_cents']} cents: it cannot pay {entry['amount_cents']} cents",
            [field_error("id", "the use is more than the fund's balance")])
    if entry["kind"] == "deposit":  # a use may still lower a balance above it (from before)
        money.refuse_above_maximum(balance, "data.amount_cents", "the fund")
    recent = account["recent_entries"] + [{"id": entry["_id"], "balance_after_cents": balance}]
    over = len(recent) - RECENT_ENTRIES
    if over > 0:
        recent = [r for r in recent[:over] if r["id"] in set(unfinished)] + recent[over:]
    return Change({"balance_cents": balance, "recent_entries": recent, "updated_at": clock.to_iso(now)})


def decision(entry, decision_, data, now, rules, actor, actor_roles=()):
    """The fields of a decided use (approval moves the balance first: see operations); approved
    by someone other than the one who asked for it (four eyes: the owners' money)."""
    if entry["kind"] != "use":
        raise Conflict("only a use is approved or rejected")
    if entry["status"] != "requested":
        raise Conflict(f"the use is {entry['status']} already")
    if decision_ == "approve":
        roles.require_another_approver(entry.get("requested_by"), actor, actor_roles, "a use of the fund is approved "
                                       "by someone other than the one who asked for it: another manager or the "
                                       "operator admin")
    fields = {"decided_by": actor, "decided_at": clock.to_iso(now)}
    if decision_ == "approve":
        return fields | {"status": "approved", "day": periods.day_of(now, rules),
                         "consent_ref": optional_text(data, "consent_ref"),
                         "public_purpose": optional_text(data, "public_purpose")}
    return fields | {"status": "rejected", "reject_reason": data["reason"].strip()}


def in_balance(entry):
    """Whether the entry has moved the balance (a posted deposit or reversal, an approved use)."""
    return (entry["kind"], entry["status"]) in (("deposit", "posted"), (REVERSAL, "posted"), ("use", "approved"))


def moved_at(entry):
    """When the entry moved the balance: a deposit when it was made (posted at once), a use when
    it was approved. By its request's time, a use requested before the deposit that paid for it,
    both on one day, came first on the statement with a negative balance (found by a bad-input
    probe: the statement broke its contract)."""
    return (entry["decided_at"] if entry["kind"] == "use" else None) or entry["created_at"]


def signed(entry):
    return entry["amount_cents"] if entry["kind"] == "deposit" else -entry["amount_cents"]


def statement(estate_id, period, before, during, now):
    """The month's statement: ``before``, the entries that moved the balance before the month;
    ``during``, those of the month."""
    counted = sorted((e for e in during if in_balance(e)), key=lambda e: (e["day"], moved_at(e), e["_id"]))
    opening = sum(signed(e) for e in before if in_balance(e))
    deposits = sum(e["amount_cents"] for e in counted if e["kind"] == "deposit")
    reversals = sum(e["amount_cents"] for e in counted if e["kind"] == REVERSAL)
    uses = sum(e["amount_cents"] for e in counted if e["kind"] == "use")
    lines, running = [], opening
    for e in counted:
        running += signed(e)
        lines.append({"entry_id": e["_id"], "day": e["day"], "kind": e["kind"], "amount_cents": e["amount_cents"],
                      "household_id": e["household_id"], "source": e["source"], "purpose": e["purpose"],
                      "work_order_id": e["work_order_id"], "work_order_number": e.get("work_order_number"),
                      "reverses": e.get("reverses"), "reversal_reason": e.get("reversal_reason"),
                      "balance_cents": running})
    return {"estate_id": estate_id, "period": period, "opening_balance_cents": opening,
            "deposits_cents": deposits, "reversals_cents": reversals, "uses_cents": uses,
            "closing_balance_cents": opening + deposits - reversals - uses,
            "lines": lines, "generated_at": clock.to_iso(now)}


def disclosed(statement_, during):
    """The fund's part of the owners' disclosure of a period (管理办法 art. 30: deposits, uses,
    apportionment, balance; the disclosure carried nothing of the fund, h8's probe): the
    statement's totals and each use approved in the period with what it was for (as the approving
    manager worded it for the owners, ``public_purpose``, else as requested: ``_public``), who shared
    it (the building, its units, how many flats) and the owners' vote; no household or staff name."""
    uses = sorted((e for e in during if e["kind"] == "use" and in_balance(e)), key=lambda e: (e["day"], moved_at(e), e["_id"]))
    return {key: statement_[key] for key in ("opening_balance_cents", "deposits_cents", "reversals_cents", "uses_cents",
                                              "closing_balance_cents")} | {
        "uses": [{"day": e["day"], "purpose": _public(e.get("public_purpose") or e.get("purpose")),
                  "work_order_number": e.get("work_order_number"),
                  "amount_cents": e["amount_cents"], "emergency": bool(e.get("emergency")),
                  "building": (e.get("shared_by") or {}).get("building"), "units": (e.get("shared_by") or {}).get("units"),
                  "flats": len(e["apportionment"]) if e.get("apportionment") else None,
                  "owners_decision": e.get("owners_decision")} for e in uses]}


def _public(text):
    """A use's words as the owners' public page shows them: a phone or ID card number in them
    masked (a purpose typed with the owner's mobile showed it to anyone with the estate's code, r8).
    A name is not found so: finance holds no owners' names, and a name is any characters. The words
    are the approving manager's ``public_purpose`` (公示用途) when given, written for the page, else
    the purpose as requested (``disclosed``)."""
    return personal_data.mask_numbers_in(text) if text else text
