"""Goods release passes (物品放行条): what a resident takes out of the estate (a move-out's van,
furniture sold) leaves through the gate only on a pass the front desk issued.

The desk issues it for a household (``new_pass``): who carries the goods and what they are to the
owner (a tenant, family, a mover), the items (name and count), the van's plate when there is one,
and the day it is good for (today by default, at most ``goods_pass_valid_days`` ahead). Goods of a
flat leave with its owner's consent: a pass carried by anyone but the owner names it (who
consented, how: in person, by letter (委托书) or phone, and the letter's reference); and with the
flat's fees settled (结清): any money billed to the household and unpaid at finance (the gateway
asks finance, as it asks maintenance of a work order) refuses it, past due or not (a month billed
late, as a catch-up run bills one, is not past due yet: h8's probe let the van out on it), unless a
manager issues it anyway with the reason (kept on the pass). The guard at the gate checks it
(``use``): on its day, the van's plate as the pass names it, once: a pass used is used (409 naming when and by whom), as a cancelled one
is (the desk's ``cancel``, with the reason). A pass not used by the end of its day reads ``expired``
(过期, ``shown``; ``?status=expired`` lists them): kept ``issued``, the gate refusing it as any day
but its own, the desk may still cancel it. Each pass has its per-estate number (GP-2026-000001),
printed on the paper pass the guard is shown and found by it.

Names (the carrier, the consenting owner) are personal data: stored for the desk and the gate,
never logged nor announced. A pass used is announced (``goods_release_pass_used``): archive keeps it
under the household."""
from datetime import timedelta

from estate_common import calendar, clock, numbering, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.plates import plate
from estate_common.roles import MANAGEMENT
from estate_common.text import optional_text
from estate_common.wording import counted

from .domain import Change, history_entry

NUMBER_PREFIX = "GP"
SERIES = "goods_release_pass"

# status -> {action: next status}. An action not listed is refused (409).
TRANSITIONS = {
    "issued": {"use": "used", "cancel": "cancelled"},
    "used": {},
    "cancelled": {},
}

# who carries the goods, as the owner would say it; anyone but the owner needs the owner's consent
CARRIERS = ("owner", "tenant", "family", "mover", "other")
CONSENT_WAYS = ("in_person", "letter", "phone", "app")

# a move-out in these states is called off: no pass names it (``move_out``)
GIVEN_UP = ("withdrawn", "rejected")

# who lets the goods out at the gate (the guard on duty; his supervisors): the gateway's policy.SECURITY
GATE_ROLES = MANAGEMENT | {"security"}

# who may let goods leave a flat that owes fees (the reason kept on the pass)
FEE_EXCEPTION_ROLES = MANAGEMENT


def valid_on(data, now, rules):
    """The local day the pass is good for: today by default; a day before today is a 422, one more
    than ``goods_pass_valid_days`` ahead too (a pass good for any day is a pass good for every day)."""
    today = calendar.local_date(now, rules["timezone"])
    if data.get("valid_on") is None:
        return today.isoformat()
    day = calendar.checked_day(data["valid_on"], "data.valid_on")
    if day < today:
        raise BusinessRuleViolation("a pass is for today or a day to come",
                                    [field_error("data.valid_on", f"is before today ({today.isoformat()})")])
    days = rules["goods_pass_valid_days"]
    if day > today + timedelta(days=days):
        raise BusinessRuleViolation(f"a pass is issued at most {counted(days, 'day')} ahead",
                                    [field_error("data.valid_on", f"is more than {counted(days, 'day')} ahead")])
    return day.isoformat()


def move_out(application, household_id):
    """The move-out application a pass names (``application``: None when the estate has none of that
    id): one of the household's, and not given up (withdrawn, or rejected): the goods of a move-out
    called off do not leave on its name (422 naming ``application_id`` and its state; a pass needs no
    application, so one is issued without naming it)."""
    if application is None or application["household_id"] != household_id or application["kind"] != "move_out":
        raise BusinessRuleViolation("the application is not a move-out of this household", [
            field_error("data.application_id", "no move-out application of the household")])
    if application["status"] in GIVEN_UP:
        raise BusinessRuleViolation(
            f"the move-out was {application['status']}: a pass does not name it (issue it without the application)",
            [field_error("data.application_id", f"is {application['status']}")])


def consent(data):
    """The owner's consent the pass rests on: None for goods the owner carries out himself; for
    anyone else, who consented and how (a 422 naming ``owner_consent`` without it: a tenant moving
    out with the owner's furniture is the case the pass is for)."""
    given = data.get("owner_consent")
    if data["carrier_relation"] == "owner":
        return None
    if not given:
        raise BusinessRuleViolation("goods carried out by anyone but the owner need the owner's consent",
                                    [field_error("data.owner_consent", "is required unless the owner carries them")])
    return {"by": given["by"].strip(), "how": given["how"], "reference": optional_text(given, "reference")}


def fees(found, data, roles):
    """The flat's fees as finance answered the gateway (``found``: ``{overdue_cents, unpaid_cents}``;
    None when nobody asked, as a call from inside the cluster): kept on the pass. Money billed and
    unpaid refuses the pass (422 naming ``household_id``: 结清物业费 before the goods leave) unless a
    manager issues it with ``fees_exception_reason`` (a 403 for another role giving one)."""
    reason = optional_text(data, "fees_exception_reason")
    if reason and not FEE_EXCEPTION_ROLES & set(roles):
        raise Forbidden("only a manager lets goods leave a flat with fees unpaid")
    if found is None:
        return None
    kept = {"overdue_cents": found["overdue_cents"], "unpaid_cents": found["unpaid_cents"],
            "exception_reason": None}
    if found["unpaid_cents"] > 0:
        if not reason:
            raise BusinessRuleViolation(
                f"the flat owes {found['unpaid_cents']} cents ({found['overdue_cents']} cents past due): settle them "
                "before the goods leave, or a manager issues the pass with fees_exception_reason",
                [field_error("data.household_id", "owes fees unpaid")])
        kept["exception_reason"] = reason
    return kept


def new_pass(pass_id, estate_id, data, draw_number, now, user, rules, roles, found_fees):
    """A pass issued; ``draw_number()`` gives its number once every check passed: a pass refused
    (fees, consent, plate, day) drew one all the same, a gap in the paper passes' numbers (review r8)."""
    at = clock.to_iso(now)
    items = [{"name": item["name"].strip(), "qty": item["qty"]} for item in data["items"]]
    checked = {"plate": plate(data["plate"]) if optional_text(data, "plate") else None,
               "valid_on": valid_on(data, now, rules), "owner_consent": consent(data),
               "fees": fees(found_fees, data, roles)}
    goods_pass = {
        "_id": pass_id, "estate_id": estate_id, "number": draw_number(), "household_id": data["household_id"],
        "application_id": data.get("application_id"),
        "carrier_name": data["carrier_name"].strip(), "carrier_relation": data["carrier_relation"],
        "items": items, **checked, "notes": optional_text(data, "notes"),
        "status": "issued", "issued_at": at, "issued_by": user, "used": None, "cancelled": None,
        "history": [history_entry(at, user, "issued")],
        "created_at": at, "updated_at": at, "created_by": user, "_rev": 0}
    return goods_pass


def shown(goods_pass, today):
    """``goods_pass`` as the API answers it on the estate's local day ``today`` (YYYY-MM-DD): one
    issued for a day gone reads ``expired``; its list and read said ``issued`` while the gate refused
    it (found by last session's probes)."""
    if goods_pass["status"] == "issued" and goods_pass["valid_on"] < today:
        return {**goods_pass, "status": "expired"}
    return goods_pass


def list_query(filters, today):
    """The list filters of ``GET …/goods-release-passes`` as a query (``number`` already canonical):
    ``status=expired`` the passes issued for a day before ``today``, ``status=issued`` those still
    good (today or a day to come); the others as kept."""
    filters = dict(filters)
    day = {"expired": {"$lt": today}, "issued": {"$gte": today}}.get(filters.get("status"))
    if day is None:
        return filters
    return {**filters, "status": "issued", "$and": [{"valid_on": day}]}


def number_of(now, tz, sequence):
    return numbering.number(NUMBER_PREFIX, now, tz, sequence)


def series_of(now, tz):
    return numbering.series(SERIES, now, tz)


def use(goods_pass, data, now, user, roles, rules):
    """The gate lets the goods out (放行): once (a pass used or cancelled is a 409 naming when and by
    whom), on its day (422 before or after it), the van's plate as the pass names it (422 naming
    ``plate``: the pass of a van is not another van's). ``roles``: the gate's (403 else: the desk
    that issued the pass does not also let the goods out on it)."""
    if not GATE_ROLES & set(roles):
        raise Forbidden("the guard at the gate lets the goods out on a pass")
    if goods_pass["status"] == "used":
        used = goods_pass["used"]
        raise Conflict(f"the pass was used at {used['at']} by {used['by']}: a pass lets goods out once")
    if goods_pass["status"] == "cancelled":
        raise Conflict(f"the pass was cancelled at {goods_pass['cancelled']['at']}: the goods do not leave on it")
    status = transitions.next_status(TRANSITIONS, goods_pass["status"], "use", "a goods release pass")
    today = calendar.local_date(now, rules["timezone"]).isoformat()
    if today != goods_pass["valid_on"]:
        raise BusinessRuleViolation(f"the pass is good for {goods_pass['valid_on']} only, not today ({today})",
                                    [field_error("id", "is not good today")])
    if goods_pass.get("plate"):
        shown = optional_text(data, "plate")
        if not shown or plate(shown) != goods_pass["plate"]:
            raise BusinessRuleViolation("the van's plate is not the pass's: the goods do not leave on it",
                                        [field_error("data.plate", "is not the plate the pass names"
                                                     if shown else "is required: the pass names a vehicle")])
    at = clock.to_iso(now)
    used = {"at": at, "by": user, "gate": optional_text(data, "gate"), "notes": optional_text(data, "notes")}
    return Change({"status": status, "used": used, "updated_at": at},
                  [history_entry(at, user, "used", used["gate"])],
                  [("goods_release_pass_used", used_announced(goods_pass, used))])


def used_announced(goods_pass, used):
    """``goods_release_pass_used``: the goods that left, when and at which gate (archive keeps it under
    the household); no names (the carrier's, the owner's) and no plate: those stay with the desk."""
    return {"id": goods_pass["_id"], "number": goods_pass["number"], "household_id": goods_pass["household_id"],
            "application_id": goods_pass.get("application_id"), "carrier_relation": goods_pass["carrier_relation"],
            "items": goods_pass["items"], "vehicle": goods_pass.get("plate") is not None,
            "valid_on": goods_pass["valid_on"], "used_at": used["at"], "gate": used["gate"]}


def cancel(goods_pass, data, now, user):
    """The desk withdraws a pass not used (the move called off, the items wrong: a new one is
    issued), with its reason; a used pass is a 409."""
    status = transitions.next_status(TRANSITIONS, goods_pass["status"], "cancel", "a goods release pass")
    at = clock.to_iso(now)
    reason = data["reason"].strip()
    return Change({"status": status, "cancelled": {"at": at, "by": user, "reason": reason}, "updated_at": at},
                  [history_entry(at, user, "cancelled", reason)])
