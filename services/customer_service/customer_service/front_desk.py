"""Front-desk services (前台): notices (公告) to an estate or a building, keys held in custody
and their lending (托管钥匙), items left in custody with sign-off (物品寄存)
and the lending of convenience tools (便民工具). Visitors (访客登记) are registered once, in
security-patrol's register, which the front desk uses too.

Names of people (a borrower) are personal data: stored for the desk, never logged.
"""
from datetime import timedelta

from estate_common import calendar, clock, plausible, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.text import address_part
from estate_common.wording import counted

from .domain import Change, history_entry

# status -> {action: next status}, per register. An action not listed is refused (409).
KEY_TRANSITIONS = {
    "in_custody": {"lend": "lent", "release": "released"},
    "lent": {"return": "in_custody"},
    "released": {},
}
CUSTODY_ITEM_TRANSITIONS = {
    "held": {"sign_off": "collected"},
    "collected": {},
}
TOOL_LOAN_TRANSITIONS = {
    "out": {"return": "returned"},
    "returned": {},
}


def next_status(table, what, status, action):
    return transitions.next_status(table, status, action, f"a {what}")


def _text(data, name):
    value = data.get(name)
    return value.strip() if isinstance(value, str) else value


def _base(doc_id, estate_id, now, user):
    at = clock.to_iso(now)
    return {"_id": doc_id, "estate_id": estate_id, "created_at": at, "updated_at": at, "created_by": user}


# -- notices ----------------------------------------------------------------------

def new_notice(notice_id, estate_id, data, now, user, rules):
    """A notice to the whole estate (building None) or to one building; kept as published, with the
    rectification plan whose measures it tells (``rectification_plan_id``, None for another), shown
    on the portal's board through ``until``, its last day (``shown_until``, the instant after it)."""
    building = _text(data, "building")  # as archive keeps it (full-width digits read as ASCII)
    until = data.get("until")
    return {**_base(notice_id, estate_id, now, user), "title": data["title"].strip(), "body": data["body"].strip(),
            "building": address_part(building) if building else building,
            "published_at": clock.to_iso(now), "published_by": user,
            "rectification_plan_id": data.get("rectification_plan_id"),
            "until": until, "shown_until": shown_until(until, now, rules), "withdrawn": None, "_rev": 0}


def shown_until(until, now, rules):
    """The first instant after ``until``, the notice's last day on the estate's calendar, or None (a
    notice with no last day: house rules, fee standards). A water cut of Tuesday stayed on the
    portal's board for good (a probe of the front desk's week). The day is today or later (422), at
    most ``notice_shown_max_days`` ahead (``estate_common.plausible``)."""
    if until is None:
        return None
    day, today = calendar.checked_day(until, "data.until"), calendar.local_date(now, rules["timezone"])
    if day < today:
        raise BusinessRuleViolation("a notice is shown until today or a day to come",
                                    [field_error("data.until", f"is before today ({today.isoformat()})")])
    days = rules["notice_shown_max_days"]
    plausible.ahead(day, today, days, "data.until", f"a notice is shown for at most {counted(days, 'day')}")
    return clock.to_iso(calendar.day_start(day + timedelta(days=1), rules["timezone"]))


def withdraw_notice(notice, data, now, user):
    """撤下: a notice taken off the board at once (one published by mistake, a cut called off), with
    its reason; the desk's list keeps it (``current=false``), as archive keeps every notice (its
    ``notice_withdrawn``, which integrators take too). A notice withdrawn already is a 409."""
    if notice.get("withdrawn"):
        raise Conflict("the notice was withdrawn already")
    at = clock.to_iso(now)
    ends = notice.get("shown_until")
    reason = data["reason"].strip()
    announced = {"id": notice["_id"], "title": notice["title"], "building": notice.get("building"),
                 "reason": reason, "withdrawn_at": at}
    return Change({"withdrawn": {"at": at, "by": user, "reason": reason},
                   "shown_until": ends if ends and ends < at else at, "updated_at": at}, [],
                  [("notice_withdrawn", announced)])


def public_notice(notice):
    """A notice as the owner portal shows it: what a notice board shows, without who published it."""
    return {"title": notice["title"], "body": notice["body"], "building": notice.get("building"),
            "published_at": notice["published_at"]}


def published_notice(notice_id, estate_id, data, now, user, rules):
    """A new notice with its ``notice_published`` (archive keeps every notice)."""
    notice = new_notice(notice_id, estate_id, data, now, user, rules)
    keys = ("title", "body", "building", "published_at")
    return notice, [("notice_published", {k: notice[k] for k in keys} | {"id": notice["_id"]})]


# -- keys in custody --------------------------------------------------------------

def new_key(key_id, estate_id, data, now, user):
    at = clock.to_iso(now)
    return {**_base(key_id, estate_id, now, user), "label": data["label"].strip(),
            "household_id": data.get("household_id"), "notes": _text(data, "notes") or "",
            "status": "in_custody", "loans": [], "released_at": None,
            "history": [history_entry(at, user, "received")], "_rev": 0}


def handover_key(key_id, estate_id, left, now, user):
    """The keys of a unit handed over (交房钥匙) that its owner left in the desk's custody: labelled as
    the handover named them, else 交房钥匙 ×count; the notes name the handover's day and id."""
    count = left["count"]
    label = left.get("label") or f"交房钥匙 ×{count}"
    notes = f"交房 {left['date']}: {count} key(s) left by the owner (handover {left['handover_id']})"
    return new_key(key_id, estate_id, {"label": label, "household_id": left["household_id"], "notes": notes},
                   now, user)


def lend_key(key, data, now, user):
    status = next_status(KEY_TRANSITIONS, "key", key["status"], "lend")
    at = clock.to_iso(now)
    loan = {"to": data["to"].strip(), "purpose": data["purpose"].strip(), "lent_at": at, "lent_by": user,
            "returned_at": None, "returned_to": None}
    return Change({"status": status, "loans": key["loans"] + [loan], "updated_at": at},
                  [history_entry(at, user, "lent", loan["purpose"])])


def return_key(key, data, now, user):
    status = next_status(KEY_TRANSITIONS, "key", key["status"], "return")
    at = clock.to_iso(now)
    loans = key["loans"][:-1] + [dict(key["loans"][-1], returned_at=at, returned_to=user)]
    return Change({"status": status, "loans": loans, "updated_at": at},
                  [history_entry(at, user, "returned", _text(data, "notes") or None)])


def release_key(key, data, now, user):
    """The owner takes the key back: custody ends."""
    status = next_status(KEY_TRANSITIONS, "key", key["status"], "release")
    at = clock.to_iso(now)
    return Change({"status": status, "released_at": at, "updated_at": at},
                  [history_entry(at, user, "released", _text(data, "notes") or None)])


# -- items left in custody --------------------------------------------------------

def new_custody_item(item_id, estate_id, data, now, user):
    return {**_base(item_id, estate_id, now, user), "description": data["description"].strip(),
            "household_id": data.get("household_id"), "deposited_by": data["deposited_by"].strip(),
            "for_whom": _text(data, "for_whom"), "status": "held", "received_at": clock.to_iso(now),
            "signed_off_at": None, "signed_off_by": None, "handed_over_by": None, "_rev": 0}


def sign_off_custody_item(item, data, now, user):
    """The collector signs for the item (签收)."""
    status = next_status(CUSTODY_ITEM_TRANSITIONS, "custody item", item["status"], "sign_off")
    at = clock.to_iso(now)
    return Change({"status": status, "signed_off_at": at, "signed_off_by": data["by"].strip(),
                   "handed_over_by": user, "updated_at": at}, [])


# -- convenience tools ------------------------------------------------------------

def _due_back(data, now, rules):
    """When the tool is due back: a time to come (422), kept as every stored time is (it was kept
    as typed, and one already past was taken; found by a domain probe), at most
    ``tool_loan_max_days`` on (``estate_common.plausible``: one due back in 2999 was taken), then
    when none is given: a loan without one could never be overdue (a probe)."""
    due = data.get("due_back_at") or None
    if due and clock.parse_iso(due) <= now:
        raise BusinessRuleViolation("a tool is lent until a time to come",
                                    [field_error("data.due_back_at", "is not in the future")])
    days = rules["tool_loan_max_days"]
    return plausible.ending(due, now, days, "data.due_back_at", f"a tool is lent for at most {counted(days, 'day')}")


def new_tool_loan(loan_id, estate_id, data, now, user, rules):
    return {**_base(loan_id, estate_id, now, user), "tool": data["tool"].strip(),
            "borrower": data["borrower"].strip(), "household_id": data.get("household_id"),
            "due_back_at": _due_back(data, now, rules), "status": "out", "lent_at": clock.to_iso(now),
            "lent_by": user, "returned_at": None, "returned_to": None, "_rev": 0}


def return_tool(loan, data, now, user):
    """The tool comes back; the desk's note of its state is kept (it was taken and dropped: a
    probe's "drill bit missing" was stored nowhere)."""
    status = next_status(TOOL_LOAN_TRANSITIONS, "tool loan", loan["status"], "return")
    at = clock.to_iso(now)
    return Change({"status": status, "returned_at": at, "returned_to": user,
                   "return_notes": _text(data, "notes") or None, "updated_at": at}, [])
