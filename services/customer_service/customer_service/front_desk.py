"""Front-desk services (前台): notices (公告) to an estate or a building, keys held in custody
and their lending (托管钥匙), items left in custody with sign-off (物品寄存)
and the lending of convenience tools (便民工具). Visitors (访客登记) are registered once, in
security-patrol's register, which the front desk uses too.

Names of people (a borrower) are personal data: stored for the desk, never logged.
"""
from datetime import timedelta

from estate_common import calendar, clock, plausible, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.text import address_key, address_part
from estate_common.wording import counted

from .domain import Change, history_entry
from .rules import OUTAGE_UTILITIES

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

def notice_buildings(data):
    """The buildings a notice goes to, as archive keeps them (full-width digits read as ASCII), each
    once, in the order written: ``buildings`` (a water cut of buildings 3 to 5 is one notice, where it
    was three), or the one ``building`` as before; none: the whole estate. Both given is a 422."""
    many, one = data.get("buildings"), _text(data, "building")
    if many is not None and one:
        raise BusinessRuleViolation("a notice names its building or its buildings, not both",
                                    [field_error("data.buildings", "give building or buildings, not both")])
    written = [address_part(b.strip()) for b in many] if many is not None else ([address_part(one)] if one else [])
    return list(dict.fromkeys(written))


def new_notice(notice_id, estate_id, data, now, user, rules):
    """A notice to the whole estate (``buildings`` empty, ``building`` None) or to the buildings it
    names (``building``: the one, or the first of several, for who reads one); kept as published, with
    the rectification plan whose measures it tells (``rectification_plan_id``, None for another), the
    work order and incident of the fault it tells of (停水: ``work_order_id``, ``incident_id``), when
    the service is expected back (``expected_restoration_at``), shown on the portal's board through
    ``until``, its last day (``shown_until``, the instant after it); ``revisions`` (``revise_notice``)."""
    buildings = notice_buildings(data)
    one = _text(data, "building")  # a single building kept as written (3号楼), as before
    until = data.get("until")
    outage = planned_outage(data.get("outage"), now, rules)
    restored = expected_restoration(data.get("expected_restoration_at"), now, rules)
    if outage:  # the cut's end is when the service is back, said once; on the board until that day
        restored = outage_restoration(outage, restored)
        until = until or calendar.local_date(clock.parse_iso(outage["ends_at"]), rules["timezone"]).isoformat()
    return {**_base(notice_id, estate_id, now, user), "title": data["title"].strip(), "body": data["body"].strip(),
            "building": address_part(one) if one else (buildings[0] if buildings else None), "buildings": buildings,
            "published_at": clock.to_iso(now), "published_by": user,
            "rectification_plan_id": data.get("rectification_plan_id"),
            "work_order_id": data.get("work_order_id"), "incident_id": data.get("incident_id"),
            "expected_restoration_at": restored, "outage": outage, "revisions": [],
            "until": until, "shown_until": refuse_gone_before_restoration(shown_until(until, now, rules), restored),
            "withdrawn": None, "_rev": 0}


def refuse_gone_before_restoration(shown_until_at, restored_at):
    """A notice of a fault stays on the board until the service is expected back: its last day
    (``until``) is the day of the restoration or later (422 naming ``until``; a notice shown until
    Saturday said the water was back on Sunday: found by review r5). ``shown_until_at`` as given."""
    if shown_until_at and restored_at and clock.parse_iso(restored_at) >= clock.parse_iso(shown_until_at):
        raise BusinessRuleViolation("the notice would leave the board before the service is expected back", [
            field_error("data.until", "is before the day the service is expected back")])
    return shown_until_at


def expected_restoration(value, now, rules, field="data.expected_restoration_at"):
    """预计恢复时间: when the water (power, lift) is expected back, an instant to come (422 else), at
    most ``notice_shown_max_days`` ahead; None: not said."""
    if value is None:
        return None
    at = clock.parse_iso(value)
    if at <= now:
        raise BusinessRuleViolation("the service is expected back at a time to come",
                                    [field_error(field, f"is not after now ({clock.to_iso(now)})")])
    days = rules["notice_shown_max_days"]
    plausible.ahead(at, now, days, field, f"a notice is shown for at most {counted(days, 'day')}")
    return clock.to_iso(at)


def planned_outage(value, now, rules):
    """计划停水停电: the planned cut a notice tells of (the water company's main replacement, the
    power company's line work), its ``utility`` and window (``starts_at`` to ``ends_at``, an end to
    come after its start, at most ``notice_shown_max_days`` ahead: 422 naming ``data.outage.ends_at``),
    and whether the notice went out the estate's ``outage_notice_lead_hours`` before the cut starts
    (``notice_on_time``, with the ``lead_hours`` it was judged by: a setting changed later does not
    rewrite it). A cut told late is still published (the owners are better told late than not), and
    says so. None: a notice of no planned cut. The notice is the one record of the cut: the desk's
    calls about it name it (``outage_call``), archive keeps it with its publication (h7's probe)."""
    if value is None:
        return None
    starts, ends = clock.parse_iso(value["starts_at"]), clock.parse_iso(value["ends_at"])
    if ends <= starts:
        raise BusinessRuleViolation("a cut ends after it starts", [field_error(
            "data.outage.ends_at", f"is not after starts_at ({clock.to_iso(starts)})")])
    ends_at = expected_restoration(value["ends_at"], now, rules, "data.outage.ends_at")
    lead = rules["outage_notice_lead_hours"]
    return {"utility": value["utility"], "starts_at": clock.to_iso(starts), "ends_at": ends_at,
            "lead_hours": lead, "notice_on_time": starts - now >= timedelta(hours=lead)}


def outage_restoration(outage, restored):
    """A planned cut's notice says the service is back at the cut's end: an expected restoration
    other than it is a 422 (two times on one notice; one that moves later is a revision)."""
    if restored is not None and clock.parse_iso(restored) != clock.parse_iso(outage["ends_at"]):
        raise BusinessRuleViolation("a planned cut's service is expected back at its end", [field_error(
            "data.expected_restoration_at", f"is not the cut's ends_at ({outage['ends_at']}): leave it out")])
    return outage["ends_at"]


def moved_outage_end(outage, restored):
    """A planned cut's restoration revised (the main takes longer: back at 20:00, not 18:00) moves the
    cut's end with it: the notice says one end, the one the console shows, the repair guard and the
    consultation check read (the end kept as published beside a revised restoration was two; found in
    today's review). Its start, lead and on-time judgement stay as published; back before the cut
    starts is a 422 (withdraw a cut called off)."""
    if clock.parse_iso(restored) <= clock.parse_iso(outage["starts_at"]):
        raise BusinessRuleViolation("a cut ends after it starts", [field_error(
            "data.expected_restoration_at", f"is not after the cut's starts_at ({outage['starts_at']})")])
    return {**outage, "ends_at": restored}


def outage_call_check(notice, building, now, kind):
    """A call about a planned cut (``outage_notice_id``) names a notice of one (``outage``) from a
    household in one of its buildings (any, for a notice to the whole estate; a building read as
    the board and the repair guard read it, ``address_key``: a cut of 3号楼 is building 3's); a
    consultation, answered by the notice's words, while it is not withdrawn and its service not back
    yet (its ``expected_restoration_at``, as last revised: a household without water after it has a
    fault of its own, a repair). A complaint of the cut (没提前通知, 超时未恢复) comes when it likes,
    after the water is back or the cut called off too. A 422 naming ``data.outage_notice_id`` else."""
    field = "data.outage_notice_id"
    if not notice.get("outage"):
        raise BusinessRuleViolation("the notice tells of no planned cut", [field_error(field, "no planned cut")])
    buildings = buildings_of(notice)
    if buildings and address_key(building or "", "building") not in {address_key(b, "building") for b in buildings}:
        raise BusinessRuleViolation("the household is not in a building the cut reaches", [field_error(
            field, f"cuts buildings {', '.join(buildings)}, not the household's")])
    if kind == "complaint":
        return
    if notice.get("withdrawn"):
        raise BusinessRuleViolation("the cut's notice was withdrawn", [field_error(field, "was withdrawn")])
    if notice["outage"].get("cancelled"):  # 取消停水: no cut to answer a call by (h3)
        raise BusinessRuleViolation("the cut was called off", [field_error(field, "was called off")])
    back = notice.get("expected_restoration_at")
    if back and clock.parse_iso(back) <= now:
        raise BusinessRuleViolation("the cut is over: a household without the service now has a fault of "
                                    "its own (a repair), or the notice is revised", [field_error(
                                        field, f"its service was expected back at {back}")])


# a repair's category and the utility a planned cut of it cuts (the repairs a cut explains): each utility a
# cut may cut (``rules.OUTAGE_UTILITIES``) is the repair category of the same name
UTILITY_OF_CATEGORY = {utility: utility for utility in OUTAGE_UTILITIES}


def refuse_repair_of_a_cut(cuts):
    """A repair of a category a planned cut standing in the household's building cuts (``cuts``:
    ``store.cuts_standing``; 家里没水 on Tuesday in building 3) is refused (409) naming the cut's
    notice: the call is a consultation about it (``outage_notice_id``), answered by the notice, not a
    work order of its own and a late repair in the month's KPIs. The desk that judged it the flat's
    own fault says so (``own_fault``) and it is registered as before."""
    if cuts:
        notice = cuts[0]
        raise Conflict(f"a planned cut of the household's building stands until {notice['expected_restoration_at']} "
                       f"(notice {notice['_id']}, {notice['title']}): register the call as a consultation naming "
                       "outage_notice_id, or mark the repair own_fault if the flat's fault is its own")


def unclassified_during_a_cut(data):
    """Whether a repair is one the cut guard cannot judge (``refuse_repair_of_a_cut`` reads categories):
    no category or ``other``, not judged the flat's own fault. Registered as before; the desk is told of
    the cuts standing (``cut_warnings``)."""
    return data["kind"] == "repair" and data.get("category") in (None, "other") and data.get("own_fault") is not True


def cut_warnings(cuts):
    """计划停水停电: the cuts standing in an unclassified repair's building (``cuts``:
    ``store.cuts_standing`` of any utility), as its answer and the request name them: its "no water" may
    be the cut's, which the desk judges (reclassified a consultation of the cut, or classified). Not
    refused: the guard is by category, and an unclassified call may be a door lock (h3)."""
    return [{"notice_id": notice["_id"], "title": notice["title"], "utility": notice["outage"]["utility"],
             "expected_restoration_at": notice["expected_restoration_at"]} for notice in cuts]


def outage_answer(notice):
    """The one answer every caller about a planned cut is given: the notice's words (what, where,
    when it is back), as the board shows them."""
    return f"{notice['title']}: {notice['body']}"


def answered_by_outage(request, notice):
    """A consultation about a planned cut (``outage_notice_id``) is answered on registration with the
    notice's answer (``outage_answer``): replied, its answer's time its registration's, no order, no
    repair, no promise of its own; reopened (``handling.reopen``) when the answer did not settle it,
    which counts against consultation accuracy. Forty "no water" calls about a known cut were forty
    repairs, forty work orders and forty late repairs in the month's KPIs (h7's probe)."""
    at, answer = request["created_at"], outage_answer(notice)
    return {**request, "status": "replied", "reply": answer, "replied_at": at, "answered_at": at,
            "history": request["history"] + [history_entry(
                at, request["created_by"], "replied", f"the planned cut's notice: {notice['title']}")]}


# what a revision may change, and what it keeps of the notice before and after
REVISABLE = ("body", "until", "expected_restoration_at")


def _window(outage):
    return (outage.get("starts_at") and clock.parse_iso(outage["starts_at"]),
            outage.get("ends_at") and clock.parse_iso(outage["ends_at"]))


def revised_outage(notice, value, now, user, reason, rules):
    """``(the cut as revised, "moved" | "cancelled")``: a planned cut put off or brought forward (改期:
    ``{starts_at, ends_at}``, its utility kept, checked as when published: ``planned_outage``) or called
    off (取消: ``{cancelled: true}``, who, when, why kept on the cut). A moved cut keeps the window it was
    first published with (``published_window``) and its lead; brought forward inside the lead, it is told
    late (``notice_on_time`` false: the owners had less than the lead to prepare); put off, it stays as
    judged. A notice of no cut is a 422; a cut called off already, or over (its end passed), is a 409
    (publish a new notice); one under way (its start passed) is neither called off nor its start moved,
    a 409 naming its start (the board said 已取消 with the water off: h4): its end moved, earlier when the
    service is back, is the way; both times or ``cancelled`` alone, 400 else. The desk withdrew a cut called off (off the board: an owner
    who read it on Monday never read that the water stays on) and could move only its end (h3)."""
    field = "data.outage"
    outage = notice.get("outage")
    if not outage:
        raise BusinessRuleViolation("the notice tells of no planned cut", [field_error(field, "no planned cut")])
    if outage.get("cancelled"):
        raise Conflict("the cut was called off already: publish a new notice for a new cut")
    if clock.parse_iso(outage["ends_at"]) <= now:  # it happened: not to be called off or made a new one (r3)
        raise Conflict(f"the cut is over (its service was back at {outage['ends_at']}): "
                       "publish a new notice for a new cut")
    started = clock.parse_iso(outage["starts_at"]) <= now
    if value.get("cancelled") is True and set(value) == {"cancelled"}:
        if started:  # under way: the board said 已取消 with the water off (h4)
            raise Conflict(f"the cut started at {outage['starts_at']}: it is not called off under way; "
                           "revise its expected_restoration_at to when the service is back")
        return {**outage, "cancelled": {"at": clock.to_iso(now), "by": user, "reason": reason}}, "cancelled"
    if value.get("cancelled") or not {"starts_at", "ends_at"} <= set(value):
        raise InvalidInput("a cut is moved by its new starts_at and ends_at, or called off by cancelled alone",
                           [field_error(field, "give starts_at and ends_at, or cancelled: true")])
    if started and clock.parse_iso(value["starts_at"]) != clock.parse_iso(outage["starts_at"]):
        raise Conflict(f"the cut started at {outage['starts_at']}: its start is not moved; "
                       "revise its end (ends_at or expected_restoration_at)")
    moved = planned_outage({"utility": outage["utility"], **value}, now, rules)
    if _window(moved) == _window(outage):
        return outage, None
    forward = clock.parse_iso(moved["starts_at"]) < clock.parse_iso(outage["starts_at"])
    lead = outage["lead_hours"]
    on_time = outage["notice_on_time"] and (
        not forward or clock.parse_iso(moved["starts_at"]) - now >= timedelta(hours=lead))
    first = outage.get("published_window") or {"starts_at": outage["starts_at"], "ends_at": outage["ends_at"]}
    return {**outage, "starts_at": moved["starts_at"], "ends_at": moved["ends_at"], "lead_hours": lead,
            "notice_on_time": on_time, "published_window": first}, "moved"


def moved_cut_times(notice, asked, rules):
    """A moved cut's end is the notice's expected restoration (one other than it on the same revision: a
    422 naming it) and its last day on the board follows the end when it passes it (unless the revision
    gives ``until``)."""
    ends = asked["outage"]["ends_at"]
    if "expected_restoration_at" in asked and clock.parse_iso(asked["expected_restoration_at"]) != clock.parse_iso(ends):
        raise BusinessRuleViolation("a planned cut's service is expected back at its end", [field_error(
            "data.expected_restoration_at", f"is not the cut's new ends_at ({ends}): leave it out")])
    times = {"expected_restoration_at": ends}
    day = calendar.local_date(clock.parse_iso(ends), rules["timezone"]).isoformat()
    if "until" not in asked and notice.get("until") and notice["until"] < day:
        times["until"] = day
    return times


def revise_notice(notice, data, now, user, rules):
    """修订: a notice's body, last day or expected restoration changed (the water back at 06:00, not
    02:00), with its reason, where a new time meant withdrawing the notice and publishing another; the
    notice keeps each revision (what it said before and after, who, when, why) and announces it
    (``notice_revised``: archive keeps it beside the notice, integrators take the new text). A withdrawn
    notice is a 409; a revision changing nothing is a 422, unless it is the last one sent again (the
    notice as it is, announced once)."""
    if notice.get("withdrawn"):
        raise Conflict("a withdrawn notice is not revised: publish a new one")
    reason = data["reason"].strip()
    asked = {name: (data[name].strip() if name == "body" else data[name]) for name in REVISABLE if name in data}
    if "expected_restoration_at" in asked:
        asked["expected_restoration_at"] = expected_restoration(asked["expected_restoration_at"], now, rules)
    outage_change = None
    if "outage" in data:  # 计划停水停电: the cut moved (改期) or called off (取消), h3
        last = (notice.get("revisions") or [None])[-1]
        if last and last["reason"] == reason and last["after"].get("outage") and \
                (last["after"]["outage"].get("cancelled") if data["outage"].get("cancelled") else
                 _window(last["after"]["outage"]) == _window(data["outage"])) and \
                all(notice.get(name) == value for name, value in asked.items()):
            # the same move or call-off again: the notice as it is; one bringing new words (a body, a last
            # day) is a revision of those (taken as a replay, they were dropped: r3 reviewing h3)
            return None
        asked["outage"], outage_change = revised_outage(notice, data["outage"], now, user, reason, rules)
        if outage_change == "cancelled" and "expected_restoration_at" in asked:
            # a cut called off is back at no time: the notice's time moved and the cut's end stayed (h4)
            raise BusinessRuleViolation("a planned cut called off is back at no time", [field_error(
                "data.expected_restoration_at", "leave it out: the cut is called off")])
        if outage_change != "cancelled":  # moved, or its window again: one end on the revision
            asked.update(moved_cut_times(notice, asked, rules))
    changed = {name: value for name, value in asked.items() if notice.get(name) != value}
    if not changed:
        last = (notice.get("revisions") or [None])[-1]
        if last and last["reason"] == reason and asked and all(last["after"].get(n) == v for n, v in asked.items()):
            return None  # the same revision again: the notice as it is
        raise BusinessRuleViolation("the revision changes nothing", [field_error(
            "data", "give a body, until, expected_restoration_at or outage other than the notice's")])
    at = clock.to_iso(now)
    update = {name: value for name, value in changed.items() if name != "outage"}
    if outage_change:  # the cut moved or called off: its notice's cut as it now stands
        update["outage"] = changed["outage"]
    elif notice.get("outage") and "expected_restoration_at" in changed:
        update["outage"] = changed["outage"] = moved_outage_end(notice["outage"], changed["expected_restoration_at"])
        if not notice["outage"].get("cancelled"):  # its end moved: maintenance's restart check follows (h4)
            outage_change = "moved"
    if "until" in changed:  # its last day moved: from now on (a day to come, as when published)
        update["shown_until"] = shown_until(changed["until"], now, rules)
    revisions = list(notice.get("revisions") or [])
    revisions.append({"number": len(revisions) + 1, "at": at, "by": user, "reason": reason,
                      "before": {name: notice.get(name) for name in changed}, "after": changed})
    revised = {**notice, **update}
    refuse_gone_before_restoration(revised.get("shown_until"), revised.get("expected_restoration_at"))
    announced = {"id": notice["_id"], "title": notice["title"], "building": notice.get("building"),
                 "buildings": buildings_of(notice),
                 "body": revised["body"], "until": revised.get("until"),
                 "expected_restoration_at": revised.get("expected_restoration_at"),
                 "changed": sorted(changed), "reason": reason, "revision": len(revisions), "revised_at": at}
    if revised.get("outage"):  # the cut as it now stands (its end moved with the restoration)
        announced["outage"] = revised["outage"]
    if outage_change:  # moved (改期) or cancelled (取消): maintenance's preparation follows it (h3)
        announced["outage_change"] = outage_change
    return Change({**update, "revisions": revisions, "updated_at": at}, [], [("notice_revised", announced)])


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
                 "buildings": buildings_of(notice), "reason": reason, "withdrawn_at": at}
    return Change({"withdrawn": {"at": at, "by": user, "reason": reason},
                   "shown_until": ends if ends and ends < at else at, "updated_at": at}, [],
                  [("notice_withdrawn", announced)])


def buildings_of(notice):
    """The buildings a notice went to (empty: the whole estate); one published before ``buildings``
    names its one ``building``."""
    return notice.get("buildings") or ([notice["building"]] if notice.get("building") else [])


def public_notice(notice):
    """A notice as the owner portal shows it: what a notice board shows, without who published it."""
    return {"title": notice["title"], "body": notice["body"], "building": notice.get("building"),
            "buildings": buildings_of(notice),
            "expected_restoration_at": notice.get("expected_restoration_at"),
            "published_at": notice["published_at"], **_public_outage(notice.get("outage"))}


def _public_outage(outage):
    """A planned cut as the board shows it (h3): its window as it now stands, whether it was called off,
    the window first published when it was moved (改期: 原定 … 改为 …)."""
    if not outage:
        return {}
    shown = {"utility": outage["utility"], "starts_at": outage["starts_at"], "ends_at": outage["ends_at"],
             "cancelled": bool(outage.get("cancelled"))}
    if outage.get("published_window"):
        shown["published_window"] = outage["published_window"]
    return {"outage": shown}


def published_notice(notice_id, estate_id, data, now, user, rules):
    """A new notice with its ``notice_published`` (archive keeps every notice)."""
    notice = new_notice(notice_id, estate_id, data, now, user, rules)
    keys = ("title", "body", "building", "buildings", "published_at", "expected_restoration_at", "work_order_id",
            "incident_id", "outage")
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
