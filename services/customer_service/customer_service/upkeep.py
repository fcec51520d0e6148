"""The cleaning and greening contractors' quality checks (环境卫生 / 绿化养护品质检查).

Most estates buy their cleaning, greening and pest control from contractors paid monthly against a
service agreement (委托服务合同). The service-center manager "对物业管理区域内的环境卫生、绿化养护…进行
监督与管理" and the desk "每日巡察大厦 … 记录大厦管理日志,跟进所列问题" (seeds): so

- the manager registers the estate's contractors (``new_contractor``): a name, the service line it
  is paid for and its monthly fee in cents (the agreement's);
- the steward or the desk walks the public areas and records each fault (``new_finding``: 垃圾未清运,
  楼道未拖, 草坪未修剪, 绿篱枯死) against the contractor of that line: the area, what, a photo's
  reference, and the deadline to put it right, the estate's ``upkeep_fix_hours`` (24) after it was
  found;
- the contractor's fix is recorded (``fix``: its man says it is done), and the steward checks it
  again (``recheck``): passed, the finding is put right, ``late`` when the fix came after its
  deadline (a recheck passed without a fix recorded is a fix at that moment); not passed, it is open
  again, under the same deadline (a fix that did not hold does not buy time);
- the contractor's month (``score``): every finding of the local month it was found in counts
  ``upkeep_points_per_finding`` (1), one put right late ``upkeep_points_late`` (2) more, one not
  put right and past its deadline ``upkeep_points_unfixed`` (5) more (one not put right and not due
  yet is ``pending``: nothing more); the score is 100 less those points, at least 0. A score at or
  above ``upkeep_pass_score`` (90) takes nothing off the fee; below it, every point short takes
  ``upkeep_deduction_percent_per_point`` (1) % of the monthly fee, at most
  ``upkeep_deduction_cap_percent`` (20) % in all: ``fee × percent / 100`` rounded half up to the
  cent. The manager signs the month once it is over (``signed``): the score and the deduction are
  kept as signed, whatever is put right after.

The numbers are the estate's settings (rules.py): the seeds give none, these are the ones chosen."""
from datetime import timedelta
from decimal import Decimal

from estate_common import calendar, clock, money, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.text import optional_text

from .domain import Change, history_entry

# the service lines a contractor may be engaged for (the contract's UpkeepServiceLine)
SERVICE_LINES = ("cleaning", "greening", "pest_control", "waste_removal")

# a finding's status -> {action: next status}; a recheck's next status is the domain's (passed or not)
TRANSITIONS = {
    "open": {"fix": "fixed", "recheck": "checked"},
    "fixed": {"recheck": "checked"},
    "put_right": {},
}

FULL_SCORE = 100


def _base(doc_id, estate_id, now, user):
    at = clock.to_iso(now)
    return {"_id": doc_id, "estate_id": estate_id, "created_at": at, "updated_at": at, "created_by": user}


def new_contractor(doc_id, estate_id, data, now, user):
    """A contractor of the estate (保洁 / 绿化 / 消杀 / 清运), engaged for one service line at a monthly
    fee (integer cents, as the agreement says)."""
    at = clock.to_iso(now)
    return {**_base(doc_id, estate_id, now, user), "name": data["name"].strip(),
            "service_line": data["service_line"], "monthly_fee_cents": data["monthly_fee_cents"],
            "agreement_ref": optional_text(data, "agreement_ref"), "contact_name": optional_text(data, "contact_name"),
            "contact_phone": optional_text(data, "contact_phone"), "active": True, "retired": None,
            "history": [history_entry(at, user, "registered")], "_rev": 0}


# what an edit may change (``edited``): the service line is the agreement's, not an edit's (a
# contractor engaged for another line is another contractor: its months and findings are of its line)
EDITABLE = ("name", "monthly_fee_cents", "agreement_ref", "contact_name", "contact_phone")


def _yuan(cents):
    return f"{Decimal(cents) / 100:.2f}"


def edited(contractor, data, now, user):
    """The manager's edit (found by h2: nothing could change a contractor): its name, its monthly
    fee (a new agreement's, from the month of the edit: a month before it is scored on the fee it
    replaced, ``fee_of``; a signed month keeps the fee it was signed with), the agreement's number, the line's site contact (现场负责人, personal data:
    on the contractor only, never on the bus or in its history's note). A retired contractor is not
    edited (409); an edit that changes nothing records and announces nothing (None)."""
    if not contractor.get("active", True):
        raise Conflict("the contractor is retired: it is not edited")
    changes, said = {}, []
    for name in EDITABLE:
        if name not in data:
            continue
        value = optional_text(data, name) if name != "monthly_fee_cents" else data[name]
        if value == contractor.get(name):
            continue
        changes[name] = value
        if name == "monthly_fee_cents":
            said.append(f"monthly fee: {_yuan(contractor[name])} → {_yuan(value)}")
        elif name in ("contact_name", "contact_phone"):
            said.append(f"{name.replace('_', ' ')} changed")
        else:
            said.append(f"{name.replace('_', ' ')}: {contractor.get(name)} → {value}")
    if not changes:
        return None
    at = clock.to_iso(now)
    if "monthly_fee_cents" in changes:  # the fee it replaces, kept for the months before this one (r2)
        changes["_fees_before"] = [*contractor.get("_fees_before", []),
                                   {"until": at, "monthly_fee_cents": contractor["monthly_fee_cents"]}]
    after = {**contractor, **changes}
    return Change({**changes, "updated_at": at}, [history_entry(at, user, "edited", "; ".join(said))],
                  [("contractor_updated", {**contractor_announced(after),
                                           "changed": sorted(name for name in changes if name in EDITABLE)})])


def fee_of(contractor, period, tz):
    """The monthly fee ``period`` is scored on: the one in force in it (found by r2 reviewing h2: an
    edit, a new agreement's fee from the month it is made in, scored the months before it not signed
    yet on the new fee). The fee an edit replaced stays the fee of every month before the edit's."""
    for before in contractor.get("_fees_before", []):  # oldest first
        if period < calendar.period_of(clock.parse_iso(before["until"]), tz):
            return before["monthly_fee_cents"]
    return contractor["monthly_fee_cents"]


def retired_contractor(contractor, data, now, user):
    """The manager retires the contractor (合同终止 / 到期): no new finding against it (409), its open
    findings are still fixed and rechecked and its months still signed (they are of its agreement's
    time). Retired is retired (409: a new agreement is a new contractor)."""
    if not contractor.get("active", True):
        raise Conflict("the contractor is retired already")
    at = clock.to_iso(now)
    gone = {"at": at, "by": user, "note": optional_text(data, "note")}
    return Change({"active": False, "retired": gone, "updated_at": at},
                  [history_entry(at, user, "retired", gone["note"])],
                  [("contractor_retired", {**contractor_announced(contractor), "retired_at": at})])


def contractor_announced(contractor):
    """A contractor on the bus: who, its line, its fee (no contact: personal data)."""
    return {"id": contractor["_id"], "name": contractor["name"], "service_line": contractor["service_line"],
            "monthly_fee_cents": contractor["monthly_fee_cents"]}


def new_finding(doc_id, estate_id, data, now, user, contractor, rules, signed_periods=(), delivered_at=None):
    """A fault found on the walk, against ``contractor`` (one of the estate's: 422 naming
    ``contractor_id`` else; retired: 409), due to be put right ``upkeep_fix_hours`` after it was found.

    A fault found at ``now`` but recorded later (an inspection's, delivered at ``delivered_at``) in a
    month of the contractor's ``signed_periods`` counts in the first month not signed after it
    (``counted_period``, found by h5). Its deadline runs from its delivery, whatever its month (found by
    r5 reviewing h5: in a month not signed it ran from the inspection, and one delivered two days on
    arrived overdue, the contractor late on a fault nobody had told it of)."""
    if not contractor.get("active", True):
        raise Conflict("the contractor is retired: no new finding is recorded against it")
    at = clock.to_iso(now)
    found_in = calendar.period_of(now, rules["timezone"])
    period = counted_period(found_in, signed_periods)
    moved = period != found_in
    due_from = max(now, delivered_at) if delivered_at is not None else now
    doc = {**_base(doc_id, estate_id, now, user), "contractor_id": contractor["_id"],
           "contractor_name": contractor["name"], "service_line": contractor["service_line"],
           "area": data["area"].strip(), "description": data["description"].strip(),
           "photo_ref": optional_text(data, "photo_ref"), "found_at": at, "found_by": user,
           "period": period, "due_at": clock.to_iso(due_from + timedelta(hours=rules["upkeep_fix_hours"])),
           "status": "open", "fix": None, "rechecks": [], "put_right_at": None, "late": None,
           "history": [history_entry(at, user, "found")], "_rev": 0}
    if moved:
        doc["found_in_signed_period"] = found_in
    return doc


def counted_period(found_in, signed_periods):
    """The contractor's month a finding counts in: the local month it was found in, or, that one
    signed already, the first month after it not signed (found by h5: an inspection's fault
    delivered after its month was signed became a finding of the signed month, kept as signed, and
    was never scored). A signed month is not re-opened: its score and deduction went to accounts
    (``contractor_month_signed``) and what is posted is never edited (DOMAIN.md, Finance). Only a
    month over is signed, so the first one not signed is at latest the current month."""
    period = found_in
    while period in signed_periods:
        period = calendar.add_months(period, 1)
    return period


def inspection_fault_text(inspection, fault):
    """A finding's words from a location inspection's failed item: the checklist, the item, its note."""
    note = f": {fault['note']}" if fault.get("note") else ""
    return f"{inspection['checklist_name']}: {fault['label']} ({fault['code']}){note}"[:2000]


def unassigned_fault(doc_id, estate_id, found, fault, now, user):
    """A location inspection's failed item of a line no contractor is engaged for (none registered,
    or retired): kept, and announced back (``upkeep_fault_unassigned``) for maintenance to open the
    technicians' order it would have opened without the line (found by r2 reviewing h2: it was
    dropped). ``(doc, events)``."""
    doc = {**_base(doc_id, estate_id, now, user), "inspection_id": found["inspection_id"], "code": fault["code"],
           "upkeep_line": fault["upkeep_line"], "_rev": 0}
    return doc, [("upkeep_fault_unassigned", {"inspection_id": found["inspection_id"], "code": fault["code"],
                                              "upkeep_line": fault["upkeep_line"]})]


def fix(finding, data, now, user):
    """The contractor's fix, as its man reports it to the desk (the steward records it): an open
    finding is ``fixed``, awaiting the recheck (409 else)."""
    status = transitions.next_status(TRANSITIONS, finding["status"], "fix", "an upkeep finding")
    at = clock.to_iso(now)
    done = {"at": at, "by": user, "note": optional_text(data, "note")}
    return Change({"status": status, "fix": done, "updated_at": at}, [history_entry(at, user, "fixed", done["note"])])


def recheck(finding, data, now, user):
    """The steward's second look (复查). Passed: put right at the fix's time (or now, without a fix
    recorded), ``late`` when that is after the deadline, announced (``upkeep_finding_put_right``).
    Not passed: open again, the fix dropped, the deadline as it was. A finding put right is a 409."""
    transitions.next_status(TRANSITIONS, finding["status"], "recheck", "an upkeep finding")
    at = clock.to_iso(now)
    check = {"at": at, "by": user, "passed": data["passed"], "note": optional_text(data, "note")}
    rechecks = [*finding.get("rechecks", []), check]
    entry = history_entry(at, user, "recheck_passed" if data["passed"] else "recheck_failed", check["note"])
    if not data["passed"]:
        return Change({"status": "open", "fix": None, "rechecks": rechecks, "updated_at": at}, [entry])
    fixed_at = (finding.get("fix") or {}).get("at") or at
    late = fixed_at > finding["due_at"]
    put_right = {**finding, "put_right_at": fixed_at, "late": late}
    return Change({"status": "put_right", "rechecks": rechecks, "put_right_at": fixed_at, "late": late,
                   "updated_at": at}, [entry], [("upkeep_finding_put_right", put_right_announced(put_right))])


def put_right_announced(finding):
    """``upkeep_finding_put_right``: which contractor, what, where, when found, due and put right,
    late or not (no photo: it stays with the desk)."""
    return {key: finding[key] for key in ("contractor_id", "service_line", "area", "description", "found_at",
                                          "due_at", "put_right_at", "late", "period")} | {"id": finding["_id"]}


def overdue(finding, now_iso):
    """Not put right and past its deadline at ``now_iso``."""
    return finding["status"] != "put_right" and finding["due_at"] < now_iso


def checked_period(period, now, rules, field="item"):
    """A month ``YYYY-MM`` (the contracts check its text) not to come (422 naming ``field``)."""
    if period > calendar.period_of(now, rules["timezone"]):
        raise BusinessRuleViolation("the month is still to come", [field_error(field, f"{period} is still to come")])
    return period


def score(contractor, period, findings, now_iso, rules):
    """The contractor's month: the counts of its findings of ``period``, the score, the share put
    right on time (of those put right or past their deadline: ``value`` null without any), and the
    deduction from the monthly fee (module docstring), every number the estate's."""
    counts = {"found": 0, "put_right_on_time": 0, "put_right_late": 0, "not_put_right": 0, "pending": 0}
    for finding in findings:
        counts["found"] += 1
        if finding["status"] == "put_right":
            counts["put_right_late" if finding["late"] else "put_right_on_time"] += 1
        elif overdue(finding, now_iso):
            counts["not_put_right"] += 1
        else:
            counts["pending"] += 1
    points = (counts["found"] * rules["upkeep_points_per_finding"]
              + counts["put_right_late"] * rules["upkeep_points_late"]
              + counts["not_put_right"] * rules["upkeep_points_unfixed"])
    result = max(0, FULL_SCORE - points)
    short = max(0, rules["upkeep_pass_score"] - result)
    percent = min(Decimal(short) * rules["upkeep_deduction_percent_per_point"], Decimal(rules["upkeep_deduction_cap_percent"]))
    fee = fee_of(contractor, period, rules["timezone"])
    deduction = money.to_cents(Decimal(fee) * percent / 100)
    judged = counts["found"] - counts["pending"]
    return {"contractor_id": contractor["_id"], "contractor_name": contractor["name"],
            "service_line": contractor["service_line"], "period": period, "counts": counts, "points": points,
            "score": result, "pass_score": rules["upkeep_pass_score"],
            "on_time": {"numerator": counts["put_right_on_time"], "denominator": judged,
                        "value": round(counts["put_right_on_time"] / judged, 4) if judged else None},
            "monthly_fee_cents": fee, "deduction_percent": f"{percent.normalize():f}",
            "deduction_cents": deduction, "payable_cents": fee - deduction, "as_of": now_iso, "signed": None}


def month_over(period, now, rules):
    """Whether the local month ``period`` is over at ``now`` (the manager signs a month once it is)."""
    return calendar.period_of(now, rules["timezone"]) > period


def awaited(findings, now_iso):
    """The month's findings its signature waits for: one not put right whose deadline is still to
    come (the contractor has till then), one fixed awaiting its recheck (the steward's look decides
    whether it was put right, on time or not); the latest first to be due last."""
    return sorted((f for f in findings if f["status"] == "fixed"
                   or (f["status"] != "put_right" and not overdue(f, now_iso))), key=lambda f: f["due_at"])


def signed(doc_id, estate_id, scored, data, now, user, rules, findings=()):
    """The month as the manager signs it (422 while it is not over; 409 while one of its
    ``findings`` is ``awaited``): its score and deduction kept, announced
    (``contractor_month_signed``: finance and the archive take the deduction from it)."""
    if not month_over(scored["period"], now, rules):
        raise BusinessRuleViolation("a month is signed once it is over",
                                    [field_error("item", f"{scored['period']} is not over yet")])
    waiting = awaited(findings, clock.to_iso(now))
    if waiting:
        rechecks = sum(1 for f in waiting if f["status"] == "fixed")
        raise Conflict(f"the month waits for {len(waiting)} of its findings ({rechecks} awaiting the recheck, "
                       f"the others within their deadline, the last due {waiting[-1]['due_at']})")
    at = clock.to_iso(now)
    # _findings: the findings the signing read and scored (internal), so that one written into the month
    # while it was being signed is found missed and moved on (``missed_by_signing``)
    doc = {**_base(doc_id, estate_id, now, user), **scored,
           "signed": {"at": at, "by": user, "note": optional_text(data, "note")},
           "_findings": [f["_id"] for f in findings], "_rev": 0}
    return doc, [("contractor_month_signed", signed_announced(doc))]


def missed_by_signing(finding, month, signed_periods, now, user):
    """A finding of ``month`` (signed) that its signing did not read, moved to the first month of the
    contractor not signed (``counted_period``, ``found_in_signed_period``), as one delivered after the
    signing is; None for one the signing scored, of another month, or a month signed before the signing
    kept what it read (no ``_findings``: nothing to tell by). An inspection's fault written while its month
    was being signed read the month not signed, and the signing read the findings before it was written:
    it stayed in the signed month, never scored (found by h7). Both the finding's write and the signing's
    check after their own write, so whichever comes second moves it."""
    if (month is None or "_findings" not in month or finding["period"] != month["period"]
            or finding["_id"] in month["_findings"]):
        return None
    period = counted_period(finding["period"], signed_periods)
    if period == finding["period"]:
        return None
    at = clock.to_iso(now)
    # moved on again (a month signed meanwhile, ``operations._move_missed_by_signing``): still found in the first
    return Change({"period": period, "found_in_signed_period": finding.get("found_in_signed_period") or finding["period"]},
                  [history_entry(at, user, "moved", f"{finding['period']} was signed without it: counts in {period}")])


def counted_unfixed(findings, now_iso):
    """The month's findings its signing counts not put right (open, past their deadline): the ones
    a recheck could still change while the signing is under way."""
    return [f for f in findings if f["status"] == "open" and overdue(f, now_iso)]


def held_for_signing(month_id_, at):
    """The signing's mark on a finding it counts not put right, written at the revision the signing
    read it at (``sign_contractor_month``): a recheck that came between makes the write lose its race
    and the month is counted again; one after it is after the signing (kept as signed). Internal: the
    API does not show it."""
    return Change({"_signed_in": {"month_id": month_id_, "at": at, "counted": "not_put_right"}})


def signed_announced(month):
    return {"id": month["_id"], "contractor_id": month["contractor_id"], "service_line": month["service_line"],
            "period": month["period"], "score": month["score"], "counts": month["counts"],
            "monthly_fee_cents": month["monthly_fee_cents"], "deduction_cents": month["deduction_cents"],
            "payable_cents": month["payable_cents"], "signed_at": month["signed"]["at"]}


def month_id(contractor_id, period):
    """A signed month's natural id: one per contractor and month, however often it is signed."""
    return f"cm_{contractor_id}_{period}"

