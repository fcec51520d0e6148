"""The gate (门岗): vehicle passes, entries and exits, parking sessions and their
fees, visitors, and the shift handover log.

A parking session opens when a vehicle enters and closes when it leaves; its
fee follows the estate's rates (rules.py): free up to the free minutes, then
per started hour from entry, at most the daily cap per started 24 hours. A
resident's vehicle with a valid pass pays no per-session fee. A fee becomes a
charge for finance: the pass's household's, or collected at the gate.

Visitors' names and phone numbers are personal data: they are stored for the
gate, never logged and never put in an event.

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import calendar, clock, ids, personal_data, phones, plausible
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.plates import plate
from estate_common.roles import FINANCE, PARKING_CLOSERS_WITHOUT_FEE
from estate_common.wording import counted

from .localtime import MINUTES_A_DAY
from .roster import guard_key

# -- passes -------------------------------------------------------------------

def new_pass(pass_id, estate_id, data, now, actor, rules):
    """A resident's pass lasts as given (to its ``valid_until``, or until it is revoked); a visitor's
    ends, at most ``visitor_pass_max_days`` on (``estate_common.plausible``), then when none is
    given: one without an end, or ending in 2999, had the visited household pay every parking of
    that car for good instead of the car paying at the gate (found by a probe)."""
    kept = plate(data["plate"])
    if data["kind"] == "resident" and not data.get("household_id"):
        raise BusinessRuleViolation("a resident's pass belongs to a household",
                                    [field_error("data.household_id", "is required for a resident pass")])
    valid_until = data.get("valid_until")
    if valid_until is not None and clock.parse_iso(valid_until) <= now:
        raise BusinessRuleViolation("a pass must be valid for some time",
                                    [field_error("data.valid_until", "must be in the future")])
    if data["kind"] == "visitor":
        days = rules["visitor_pass_max_days"]
        valid_until = plausible.ending(valid_until, now, days, "data.valid_until",
                                       f"a visitor's pass ends within {counted(days, 'day')}")
    stamp = clock.to_iso(now)
    return {
        "_id": pass_id,
        "estate_id": estate_id,
        "plate": kept,
        "kind": data["kind"],
        "household_id": data.get("household_id"),
        "valid_until": valid_until and clock.to_iso(clock.parse_iso(valid_until)),
        "created_at": stamp,
        "created_by": actor,
    }


def revocation(vehicle_pass, reason, now, actor):
    """A pass ended before its time (made by mistake, an owner who moved out): valid until now,
    with who ended it and why. A resident's pass without an end parked free for good, with no way
    to stop it (found by a probe). A vehicle inside keeps the pass it entered with. 409 for a pass
    no longer valid."""
    if not is_valid(vehicle_pass, now):
        raise Conflict("the pass is no longer valid: nothing to revoke")
    stamp = clock.to_iso(now)
    return {"valid_until": stamp, "revoked_at": stamp, "revoked_by": actor, "revoke_reason": reason.strip()}


def is_valid(vehicle_pass, moment):
    until = vehicle_pass.get("valid_until")
    return until is None or clock.parse_iso(until) > moment


def refuse_a_second_resident_pass(new_pass, passes, moment):
    """A plate holds one valid resident pass (409 for another, until it is revoked or ends): two
    households' passes on one plate sent its parking, free or billed, to whichever was made last
    (a probe). A visitor pass beside it is fine: the resident one counts at the gate. Two made at
    once both read no such pass: the plate's claim decides between them (``resident_claim_id``)."""
    if new_pass["kind"] != "resident":
        return
    held = [p for p in passes if holds_the_plate(p, moment)]
    if held:
        refuse_a_plate_held(new_pass["plate"], held[0])


def resident_claim_id(estate_id, plate_text):
    """What one valid resident pass at most holds: its plate in the estate. Its claim
    (``store.claim_resident_plate``) is inserted before the pass, so of two passes made at once
    one lands (each read the other's absence, and both were kept: found by review)."""
    return ids.natural_id("rplate", estate_id, plate_text)


def holds_the_plate(vehicle_pass, moment):
    """Whether ``vehicle_pass`` holds its plate's claim at ``moment``: a resident pass still valid."""
    return vehicle_pass["kind"] == "resident" and is_valid(vehicle_pass, moment)


def refuse_a_plate_held(plate_text, holder):
    """409: the plate has the valid resident pass ``holder`` already, named by its plate and how
    long it is valid (None: one made at the same moment, not written yet). Its internal id
    (vpass_6b13…) was all the sentence said, and nobody at the gate can look a pass up by it (a
    probe)."""
    if holder is None:
        sentence = f"the plate {plate_text} has a valid resident pass already: revoke it first"
    elif holder.get("valid_until"):
        sentence = (f"the plate {plate_text} has a valid resident pass already, valid until "
                    f"{holder['valid_until']}: revoke it first")
    else:
        sentence = f"the plate {plate_text} has a valid resident pass already, with no end: revoke it first"
    raise Conflict(sentence, [field_error("data.plate", "has a valid resident pass")])


def best_pass(passes, moment):
    """The pass that counts at the gate: a valid resident pass before a visitor pass, newest first."""
    valid = [p for p in passes if is_valid(p, moment)]
    if not valid:
        return None
    return max(valid, key=lambda p: (p["kind"] == "resident", p["created_at"], p["_id"]))


def ended_resident_pass(passes, moment):
    """The plate's resident pass that ended last (run out or revoked), for a car entering with no
    valid pass: ``{id, valid_until}``, or None. A monthly pass (月卡) that ended last week let the
    car in as any car off the street, and its driver learnt it at the barrier going out (a probe
    of the gate's evening)."""
    ended = [p for p in passes if p["kind"] == "resident" and not is_valid(p, moment)]
    if not ended:
        return None
    last = max(ended, key=lambda p: (p["valid_until"], p["_id"]))
    return {"id": last["_id"], "valid_until": last["valid_until"]}


# -- parking sessions ---------------------------------------------------------

def session_id(estate_id, plate_text, entry_number):
    """The n-th entry of a plate: two gates entering one plate at once collide on _id (409)."""
    return ids.natural_id("ps", estate_id, plate_text, entry_number)


def new_session(estate_id, plate_text, entry_number, vehicle_pass, now, actor, ended_pass=None):
    """The stay opened at an entry, with the pass it came in on and, coming in on none, the plate's
    resident pass that ended (``ended_resident_pass``)."""
    stamp = clock.to_iso(now)
    return {
        "_id": session_id(estate_id, plate_text, entry_number),
        "estate_id": estate_id,
        "plate": plate_text,
        "entry_number": entry_number,
        "status": "open",
        "pass_id": vehicle_pass["_id"] if vehicle_pass else None,
        "pass_kind": vehicle_pass["kind"] if vehicle_pass else None,
        "household_id": vehicle_pass.get("household_id") if vehicle_pass else None,
        # the end of the visitor's pass it came in on, as it was then: the household visited pays the
        # stay up to it, the car the rest at the gate (``close_session``); a revocation later does not move it
        "pass_valid_until": vehicle_pass.get("valid_until") if vehicle_pass and vehicle_pass["kind"] == "visitor"
        else None,
        "overstay": None,  # the part of the stay past that end (``close_session``)
        "ended_pass": None if vehicle_pass else ended_pass,
        "visitor_id": None,  # the visit it is the car of (``visit_of_stay``), linked after the entry's write
        "entered_at": stamp,
        "entered_by": actor,
        "exited_at": None,
        "exited_by": None,
        "duration_minutes": None,
        "fee_cents": None,
        "collected": None,
        "payment_method": None,  # how a fee collected at the gate was paid (``close_session``)
        "created_at": stamp,
        "updated_at": stamp,
    }


def counts_for_spaces(vehicle_pass):
    """Whether a car entering with ``vehicle_pass`` (None: none) takes one of the car park's
    ``parking_spaces``: any car but a resident's with his valid pass, who parks in his own space."""
    return not (vehicle_pass and vehicle_pass["kind"] == "resident")


def refuse_when_full(spaces, taken):
    """车位已满: 409 naming ``data.plate`` when the estate counts its ``spaces`` for cars without a
    resident's pass (0: none counted) and ``taken`` of them are taken by cars inside. The gate let
    every car in with no place to park it (a probe of the gate's evening). Two cars at the two
    gates at once may both read one space left: the car park is then one over, which the guard
    sees at the next car."""
    if spaces and taken >= spaces:
        raise Conflict(f"the car park is full: {counted(spaces, 'space')} for cars without a resident's pass, "
                       "none left", [field_error("data.plate", "has no space left in the car park")])


def refuse_a_car_inside(inside, tz):
    """409 on ``data.plate``: the plate's stay ``inside`` is open, named by when it began on the
    estate's clock (``tz``) and who let the car in. "Inside already" alone left the guard at the
    barrier unable to tell a missed exit from a plate typed twice (a probe of the gate's evening)."""
    entered = calendar.local(clock.parse_iso(inside["entered_at"]), tz)
    raise Conflict(f"this vehicle is inside already, since {entered:%Y-%m-%d %H:%M} (entered by "
                   f"{inside.get('entered_by') or 'the gate'}): record its exit first",
                   [field_error("data.plate", "is inside already")])


def minutes_between(start, end):
    """Whole minutes, a started minute counting as one."""
    seconds = max(0, int((end - start).total_seconds()))
    return -(-seconds // 60)


# finance's per-charge standard that prices a visitor's parking, and the setting it replaces
# (estate_common.fee_prices): its amount is the price of a started hour; the daily cap and the
# free minutes stay the estate's settings
PRICED_BY_STANDARD = {("parking", "fixed"): "parking_cents_per_started_hour"}


def finance_hour_price(standard):
    """Finance's highest hour (``caller.parking_hour_standard``) as one of ``refuse_a_cap_below``'s
    prices; none when the gateway sent none."""
    if standard is None:
        return []
    return [{"setting": "parking_cents_per_started_hour", "cents": standard["amount_cents"],
             "valid_from": standard["valid_from"], "pending": standard["status"] == "pending"}]


def refuse_a_cap_below(daily_cap_cents, prices):
    """422 naming ``parking_daily_cap_cents`` for a daily cap on parking below the price of a
    started hour that finance's approved standard sets (``prices``: ``fee_prices.prices_from``, and
    ``finance_hour_price``), now or from a later month: the first hour charged the cap, and the cap
    every stay (found by review); or that a standard awaiting approval would set (``pending``): its
    approval, judged on the cap read before this change, could pass beside it (review). The
    setting of the hourly price is kept below the cap by ``rules.ORDERED``; finance refuses a
    standard above the cap in force (the gateway reads it: ``parking_daily_cap``)."""
    above = [price for price in prices
             if price["setting"] == "parking_cents_per_started_hour" and price["cents"] > daily_cap_cents]
    if above:
        highest = max(above, key=lambda price: (price["cents"], price["valid_from"], not price.get("pending")))
        if highest.get("pending"):
            raise BusinessRuleViolation(
                "the daily cap on parking may not be less than a started hour at a parking fee standard awaiting "
                "approval: reject that standard first, or keep the cap",
                [field_error("parking_daily_cap_cents", f"is less than the {highest['cents']} cents a started hour "
                                                         f"would cost from {highest['valid_from']} at the standard "
                                                         "awaiting approval")])
        raise BusinessRuleViolation(
            "the daily cap on parking may not be less than a started hour at finance's approved parking fee standard",
            [field_error("parking_daily_cap_cents", f"is less than the {highest['cents']} cents a started hour "
                                                     f"costs from {highest['valid_from']}")])


def require_fee_reader(roles):
    """The daily cap on parking is read for a parking fee standard: by finance or a manager (403)."""
    if not set(roles) & FINANCE:
        raise Forbidden("the daily cap on parking is read for a fee standard, by finance or a manager")


def parking_fee(minutes, rules):
    """Cents for a stay of ``minutes``: free up to the free minutes; otherwise every started hour
    from entry at the hourly rate, capped per started 24 hours."""
    if minutes <= rules["parking_free_minutes"]:
        return 0
    days, rest = divmod(minutes, MINUTES_A_DAY)
    started_hours = -(-rest // 60)
    cap, rate = rules["parking_daily_cap_cents"], rules["parking_cents_per_started_hour"]
    return days * cap + min(cap, started_hours * rate)


def close_session(session, paid_at_gate, now, actor, rules, payment_method=None):
    """The changes that close a session at exit, with its fee and, taken at the gate, how it was
    paid (``payment_method``: cash when not said; 扫码 WeChat or Alipay, or a card: finance's bank
    journal, where every fee at the gate went into the guard's cash and his settlement came out
    short by each QR payment, a probe of the gate's evening). A method for a fee not paid at the
    gate is a 422: the guard chose how it was paid and forgot to say it was."""
    if session["status"] != "open":
        raise Conflict("this parking session is closed already")
    if payment_method and not paid_at_gate:
        raise BusinessRuleViolation("a payment method is given only with a fee paid at the gate",
                                    [field_error("data.payment_method", "is only for a fee paid at the gate")])
    entered = clock.parse_iso(session["entered_at"])
    minutes = minutes_between(entered, now)
    until = pass_ended_inside(session, now)
    if until is not None:
        return _close_overstayed(session, entered, until, minutes, paid_at_gate, now, actor, rules, payment_method)
    fee = 0 if session["pass_kind"] == "resident" else parking_fee(minutes, rules)
    if fee and not paid_at_gate and not session["household_id"]:
        raise BusinessRuleViolation("a vehicle without a household's pass pays its fee at the gate",
                                    [field_error("data.paid_at_gate", f"{fee} cents are due at the gate")])
    stamp = clock.to_iso(now)
    collected = bool(paid_at_gate) if fee else None
    return {"status": "closed", "exited_at": stamp, "exited_by": actor, "duration_minutes": minutes,
            "fee_cents": fee, "collected": collected,
            "payment_method": paid_by({"payment_method": payment_method}) if collected else None, "updated_at": stamp}


def closing_without_fee(session, reason, now, actor, roles):
    """The changes that close a stay whose exit nobody recorded (漏记出场, 车辆已离场): no fee, no
    charge, its space freed, ``closed_without_fee`` saying why, who and when (``exited_at`` and
    ``exited_by`` are the closing's: when the car left nobody knows). The stay closed only at an
    exit with its fee paid at the gate, and a car gone unseen held its space for good (the gate's
    leftovers, found by h3). 403 for anyone but a manager, 409 for a closed stay, 422 without a
    reason."""
    if not set(roles) & PARKING_CLOSERS_WITHOUT_FEE:
        raise Forbidden("a parking stay is closed without its fee by the estate's manager")
    if session["status"] != "open":
        raise Conflict("this parking session is closed already")
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleViolation("a parking stay is closed without its fee for a reason",
                                    [field_error("data.reason", "is required")])
    stamp = clock.to_iso(now)
    return {"status": "closed", "exited_at": stamp, "exited_by": actor,
            "duration_minutes": minutes_between(clock.parse_iso(session["entered_at"]), now),
            "fee_cents": None, "collected": None, "payment_method": None,
            "closed_without_fee": {"reason": reason, "by": actor, "at": stamp}, "updated_at": stamp}


def refuse_an_exit_closed_without_fee(last, tz):
    """409 for a car at the exit whose last stay (``last``) a manager closed without its fee
    (``closing_without_fee``), saying so on the estate's clock (``tz``): the guard read only "no
    vehicle with this plate is inside", as for a plate typed wrong, and could not tell the car's
    stay was closed, or by whom (review r3 of h3). Nothing more is charged: its fee was waived."""
    closing = (last or {}).get("closed_without_fee")
    if closing:
        at = calendar.local(clock.parse_iso(closing["at"]), tz)
        raise Conflict(f"no vehicle with this plate is inside: its stay was closed without its fee by {closing['by']} "
                       f"at {at:%Y-%m-%d %H:%M}, and the car may leave")


def without_fee_line(session):
    """A stay closed without its fee as the month's totals name it, for the supervisor to read why."""
    closing = session["closed_without_fee"]
    return {"id": session["_id"], "plate": session["plate"], "entered_at": session["entered_at"],
            "closed_at": closing["at"], "by": closing["by"], "reason": closing["reason"]}


def pass_ended_inside(session, now):
    """The end of the visitor's pass a stay came in on when it passed before ``now`` (the car stayed
    on past it), else None: a stay on a resident's pass, on a visitor's still valid, on one naming
    no household visited (no host to bill the window: the car pays its whole stay at the gate, as
    within the pass; its window was billed to no household, review r3 of h3), or opened before
    stays kept their pass's end (``pass_valid_until`` absent: billed whole, as then)."""
    until = session.get("pass_valid_until")
    if session["pass_kind"] != "visitor" or not session["household_id"] or not until or clock.parse_iso(until) >= now:
        return None
    return clock.parse_iso(until)


def _close_overstayed(session, entered, until, minutes, paid_at_gate, now, actor, rules, payment_method):
    """A visitor's car that stayed past its pass's end: the household visited is billed the pass's
    window, priced as a stay of its own (``fee_cents``, ``collected`` false), and the car pays the
    time after it at the gate as a temporary car, priced from the pass's end with its free minutes
    (``overstay``: from, minutes, fee_cents, payment_method; a charge of its own). The whole stay
    went to the host, however long the car stayed on (the gate's leftovers, found by h3). Not paid at
    the gate, an overstay with a fee is a 422 naming what is due there."""
    fee = parking_fee(minutes_between(entered, until), rules)
    over_minutes = minutes_between(until, now)
    over_fee = parking_fee(over_minutes, rules)
    if over_fee and not paid_at_gate:
        raise BusinessRuleViolation("a visitor's car past its pass's end pays for the time after it at the gate",
                                    [field_error("data.paid_at_gate", f"{over_fee} cents are due at the gate")])
    stamp = clock.to_iso(now)
    overstay = {"from": clock.to_iso(until), "minutes": over_minutes, "fee_cents": over_fee,
                "payment_method": paid_by({"payment_method": payment_method}) if over_fee else None}
    return {"status": "closed", "exited_at": stamp, "exited_by": actor, "duration_minutes": minutes,
            "fee_cents": fee, "collected": False if fee else None, "payment_method": None,
            "overstay": overstay, "updated_at": stamp}


def fee_parts(session):
    """A closed stay's fees as they went to finance, each ``(cents, collected, method)``: its own
    fee, and the overstay past a visitor's pass the car paid at the gate (``_close_overstayed``)."""
    parts = [(session.get("fee_cents") or 0, session.get("collected"), paid_by(session))]
    overstay = session.get("overstay")
    if overstay and overstay["fee_cents"]:
        parts.append((overstay["fee_cents"], True, overstay["payment_method"]))
    return parts


def paid_by(session):
    """How a stay's fee collected at the gate was paid: one closed before the gate said it, or whose
    guard did not say it (``close_session``), cash."""
    return session.get("payment_method") or "cash"


def month_totals(sessions):
    """A month of stays that ended (closed): the fees collected at the gate (count and cents), by the
    guard who let the car out (the cashier of that cash in finance's journal) and by how they were
    paid (cash against the cash journal, 扫码 and cards against the bank journal), those billed to the
    household visited, the free stays, and those a manager closed without their fee (``closing_without_fee``,
    named with why). The accountant sets the collected ones against the
    journal's parking of the month, way by way (finance's reconciliation, ``collected_at_source``'s
    ``by_item_method``: review r7), where there was no total of them to set (a probe of the
    accountant's month close)."""
    collected, by_guard, billed = {"count": 0, "amount_cents": 0}, {}, {"count": 0, "amount_cents": 0}
    by_method, without_fee = {}, []
    closed = free = 0
    for session in sessions:
        closed += 1
        if session.get("closed_without_fee"):
            without_fee.append(without_fee_line(session))
            continue
        parts = [part for part in fee_parts(session) if part[0]]
        if not parts:
            free += 1
        for fee, was_collected, method in parts:  # a visitor's overstay: billed and collected, each counted
            lines = (collected, by_guard.setdefault(session.get("exited_by") or "", {"count": 0, "amount_cents": 0}),
                     by_method.setdefault(method, {"count": 0, "amount_cents": 0})) if was_collected else (billed,)
            for line in lines:
                line["count"] += 1
                line["amount_cents"] += fee
    return {"closed": closed, "collected": collected, "collected_by_guard": dict(sorted(by_guard.items())),
            "collected_by_method": dict(sorted(by_method.items())), "billed": billed, "free": free,
            "closed_without_fee": sorted(without_fee, key=lambda line: (line["closed_at"], line["id"]))}


def charge_event_data(session, tz):
    """The charge of a closed session's fee, its description on the estate's clock (``tz``): it was
    in UTC ("from 2026-12-05T10:33Z"), 8 hours off for the household reading its bill and the
    bills' export (a probe of the security department's day). Its ``detail`` gives the stay in
    parts (when in, when out, the minutes priced), for a page to word in its reader's language:
    the sentence is English, which integrators read as it is (``ChargeDetail``). A visitor's car
    past its pass (``_close_overstayed``): the fee is the pass's window, and the stay read to its
    end, where the household's bill said the whole stay for the window's price (review r3 of h3)."""
    overstay = session.get("overstay")
    ended_at = overstay["from"] if overstay else session["exited_at"]
    priced = (minutes_between(clock.parse_iso(session["entered_at"]), clock.parse_iso(ended_at)) if overstay
              else session["duration_minutes"])
    hours, minutes = divmod(priced, 60)
    entered = calendar.local(clock.parse_iso(session["entered_at"]), tz)
    return {
        "id": session["_id"],
        "item": "parking",
        "amount_cents": session["fee_cents"],
        "description": f"parking {hours}h{minutes:02d}m from {entered:%Y-%m-%d %H:%M}",
        "detail": {"kind": "parking", "entered_at": session["entered_at"], "exited_at": ended_at, "minutes": priced},
        "household_id": session["household_id"],
        "subject": {"type": "parking_session", "id": session["_id"]},
        "collected": session["collected"],
        **({"collected_method": paid_by(session)} if session["collected"] else {}),
    }


def overstay_charge_event_data(session, tz):
    """The charge of a visitor's car's time past its pass's end (``_close_overstayed``), collected at
    the gate as a temporary car's: its own id (the stay's, ``.overstay``), no household, its detail
    the overstay's (from the pass's end to the exit)."""
    overstay = session["overstay"]
    hours, minutes = divmod(overstay["minutes"], 60)
    since = calendar.local(clock.parse_iso(overstay["from"]), tz)
    return {
        "id": f"{session['_id']}.overstay",
        "item": "parking",
        "amount_cents": overstay["fee_cents"],
        "description": f"parking {hours}h{minutes:02d}m from {since:%Y-%m-%d %H:%M}, past the visitor pass's end",
        "detail": {"kind": "parking", "entered_at": overstay["from"], "exited_at": session["exited_at"],
                   "minutes": overstay["minutes"]},
        "household_id": None,
        "subject": {"type": "parking_session", "id": session["_id"]},
        "collected": True,
        "collected_method": overstay["payment_method"],
    }


def charges_of(session, tz):
    """The charges a closed stay raises: its fee (billed or collected), and a visitor's overstay."""
    charges = [charge_event_data(session, tz)] if session["fee_cents"] else []
    if (session.get("overstay") or {}).get("fee_cents"):
        charges.append(overstay_charge_event_data(session, tz))
    return charges


# -- visitors and shifts ------------------------------------------------------

def new_visitor(visitor_id, estate_id, data, now, actor):
    stamp = clock.to_iso(now)
    visitor = {
        "_id": visitor_id,
        "estate_id": estate_id,
        "name": data["name"].strip(),
        "visiting_household_id": data["visiting_household_id"],
        "purpose": data["purpose"].strip(),
        "arrived_at": stamp,
        "registered_by": actor,
        "departed_at": None,
        "departed_by": None,
        "created_at": stamp,
    }
    for optional in ("phone", "plate"):
        if data.get(optional):
            visitor[optional] = plate(data[optional]) if optional == "plate" else data[optional].strip()
    visitor["_phone"] = phone_key(visitor)
    return visitor


def phone_key(visitor):
    """The number a visitor is found by in a request to see one's data (``POST …/personal-data/search``,
    ``store.visitors_by_phone``): his phone as dialled (``estate_common.phones``), ``""`` for none
    or for one masked for good (``erased``: ``139****6435`` is no number), so that a visitor stored
    before it was kept (no ``_phone``) is told apart in the index ``(estate_id, _phone, …)``. Kept
    as ``_phone``, internal: the number is shown as the reader's role allows, from ``phone``."""
    return phones.dialled(visitor.get("phone")) or ""


# -- a visitor's car: the visit's stays at the gate ------------------------------

def visits_from(now, rules):
    """The earliest arrival of a visitor on site whose plate's stay begun ``now`` is his visit's:
    ``visitor_pass_max_days`` back, the longest a visit's car pass runs. A visitor whose departure
    nobody recorded is on site for good, and his plate's stays a month on are no part of his visit."""
    return clock.to_iso(now - timedelta(days=rules["visitor_pass_max_days"]))


STAY_SHOWN = ("status", "entered_at", "exited_at", "fee_cents", "collected")


def shown_visitor(visitor, stays):
    """The visitor as the gate reads him: his visit's stays at the gate (``stays``, oldest first),
    each with its fee once the car left (``collected``: paid at the gate, false: billed to the
    household visited), and ``car_inside``: a stay of his still open. A visitor who walks out while
    his car stays (离开) is told at his departure."""
    parking = [{"id": stay["_id"], **{name: stay.get(name) for name in STAY_SHOWN}} for stay in stays]
    return visitor | {"parking": parking, "car_inside": any(stay["status"] == "open" for stay in parking)}


def departure(visitor, data, now, actor):
    """离开: the visitor left the estate (the gate's night check reads who has not: ``on_site``).
    409 once he left, naming when."""
    if visitor.get("departed_at"):
        raise Conflict(f"the visitor left already, at {visitor['departed_at']}")
    changes = {"departed_at": clock.to_iso(now), "departed_by": actor}
    notes = (data.get("notes") or "").strip()
    if notes:
        # a visitor masked for good (``erased``) before his leaving was recorded keeps no number
        # in full: the timer passes an erased visitor by (found by review)
        changes["departure_notes"] = personal_data.mask_numbers_in(notes) if visitor.get("erased_on") else notes
    return changes


def erasure_due(visitor, left_by, arrived_by):
    """Whether ``visitor`` is due to be masked for good (``erased``): not yet, and he left at
    ``left_by`` or before, or, his leaving never recorded, came at ``arrived_by`` or before (the later
    of ``visitor_retention_days`` and ``visitor_pass_max_days`` back: a visitor on site within his
    visit, whose car's stays are still his, is never masked; found by review)."""
    if visitor.get("erased_on"):
        return False
    if visitor.get("departed_at"):
        return visitor["departed_at"] <= left_by
    return visitor["created_at"] <= arrived_by


def erased(visitor, today):
    """The changes that mask ``visitor`` for good once the estate's ``visitor_retention_days`` have
    passed (``operations.erase_visitors``): his name, phone and plate as a role without the right
    reads them (``孙小梅`` → ``孙**``, ``139****6435``, ``沪******``), the numbers typed into his purpose
    and departure notes as a phone, and ``erased_on`` (``today``, the estate's local day). The rest
    (whom he visited, when, who registered him) stays the gate's record."""
    changes = {"name": personal_data.mask_name(visitor["name"]), "erased_on": today}
    for field in ("phone", "plate"):
        if visitor.get(field):
            changes[field] = (personal_data.mask_phone if field == "phone" else personal_data.mask_name)(visitor[field])
    changes["_phone"] = ""  # no number kept in full, found by none (phone_key)
    for field in ("purpose", "departure_notes"):
        if visitor.get(field):
            changes[field] = personal_data.mask_numbers_in(visitor[field])
    return changes


def new_handover(handover_id, estate_id, data, now, actor):
    if data["from_guard"].strip().lower() == data["to_guard"].strip().lower():
        raise BusinessRuleViolation("a shift is handed over to another guard",
                                    [field_error("data.to_guard", "must differ from from_guard")])
    refuse_takings_off_the_gate(data)
    stamp = clock.to_iso(now)
    return {
        "_id": handover_id,
        "estate_id": estate_id,
        "shift": data["shift"],
        "post": data.get("post"),
        "from_guard": data["from_guard"].strip(),
        "to_guard": data["to_guard"].strip(),
        "notes": data["notes"].strip(),
        "handed_over_at": stamp,
        "recorded_by": actor,
        "_to_guard": guard_key(data["to_guard"]),  # the relief's pending list (``store.handovers_query``)
        "accepted_at": None,  # 接班确认: the relief's (``acceptance``)
        "accepted_by": None,
        "created_at": stamp,
    }


def acceptance(handover, data, now, actor):
    """接班确认: the guard the shift was handed to (``to_guard``, compared with spaces collapsed and case
    ignored, as the handover's guards are) accepts it, with his notes: the handover was the leaving
    guard's word alone, and nothing said the relief had read it. 403 for anyone else; 409 once
    accepted, naming who and when."""
    if handover.get("accepted_at"):
        raise Conflict(f"the handover was accepted already, by {handover['accepted_by']} at {handover['accepted_at']}")
    if guard_key(actor or "") != guard_key(handover["to_guard"]):
        raise Forbidden("a shift handover is accepted by the guard it was handed to")
    changes = {"accepted_at": clock.to_iso(now), "accepted_by": actor}
    notes = (data.get("notes") or "").strip()
    if notes:
        changes["acceptance_notes"] = notes
    return changes


TAKINGS_POST = "gate"  # the post whose guard takes the parking fees in cash


def refuse_takings_off_the_gate(data):
    """422 on ``data.post``: takings handed over from a post other than the gate's (none named: the
    guard's word that he held the gate)."""
    counted = data.get("cash_counted_cents") is not None or data.get("cars_counted") is not None
    if counted and data.get("post") not in (None, TAKINGS_POST):
        raise BusinessRuleViolation("the gate's takings are handed over from the gate's post",
                                    [field_error("data.post", "is not the gate's post")])


def takings(data, since, stays, inside):
    """The gate's takings a guard hands over with his shift (交接班: 现金清点, 场内车辆), beside what the
    gate recorded: the cash he counted (``cash_counted_cents``) against the fees he took in cash at
    the gate since his shift began (``stays``: those he let out since ``since``, a visitor's overstay
    too; 扫码 and cards are the bank's, not his drawer's), and the cars he counted inside
    (``cars_counted``) against the stays open (``inside``); each difference counted less recorded
    (None where he counted nothing). None when he counted neither. A guard could not settle his own
    takings at the 22:00 handover (a day's settlement is the manager's), and the cash went to the
    relief with nothing written (the gate's leftovers, found by h3)."""
    counted, cars = data.get("cash_counted_cents"), data.get("cars_counted")
    if counted is None and cars is None:
        return None
    recorded = sum(cents for stay in stays for cents, collected, method in fee_parts(stay)
                   if cents and collected and method == "cash")
    return {"since": clock.to_iso(since), "cash_counted_cents": counted, "cash_recorded_cents": recorded,
            "cash_difference_cents": None if counted is None else counted - recorded,
            "cars_counted": cars, "cars_inside": inside, "cars_difference": None if cars is None else cars - inside}


def handover_event_data(handover):
    """``shift_handover_recorded``: the handover document as archive keeps it (who handed over to
    whom, which shift, when; the notes stay in the handover log)."""
    keys = ("shift", "post", "date", "from_guard", "to_guard", "handed_over_at")
    return {k: handover[k] for k in keys} | {"id": handover["_id"]}
