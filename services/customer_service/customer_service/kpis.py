"""The front desk's KPIs for one estate and one calendar month (on the estate's clock; or a quarter, a year or
an ISO week, Monday to Sunday: what is said of "the month" is of the period), each with its numerator
and denominator so that a manager can check it; no denominator: value None ("no data"). Of a week, the
owner contact rate, owed by the month, is "no data" saying so (``owner_contact_rate``), and the yearly
obligations count the year of the week's Sunday so far (``calendar.period_year``).

- complaint_timeliness 投诉处理及时率: complaints replied by their deadline ÷ complaints due in the month
  (a reopened complaint's every deadline, each by its own reply)
- complaint_satisfaction 投诉满意度: complaints closed in the month with a satisfied score (4–5) ÷
  those closed with a score (a reopened complaint by its last close only: reopened, it is not closed)
- complaint_verification 当天核实率: complaints registered in the month verified by their same-day
  deadline ÷ complaints registered
- return_visit_rate 回访率: repairs completed in the month with a return visit within 3 days ÷
  repairs completed (target 100 %)
  The developer's warranty repairs (开发商保修: the defects owners found at the handover, requests
  naming ``handover_defect``; a handover weekend opens thousands, done by the developer's
  contractors) are left out of it, said in its note, and reported apart as
  handover_defect_return_visit_rate 交房问题回访率, the same judgement (found by review r3 of h3);
  their visits' scores are the owners' satisfaction all the same
- valid_complaint_rate 有效投诉率: complaints registered in the month judged valid ÷ households of
  the estate (target below 1 % a month; a week's, its share: 7 of its month's days; a reopened
  complaint is one complaint, counted once)
- owner_satisfaction 业主满意度: satisfied answers (4–5) ÷ all answers, from the month's survey
  answers (each service-line score is one answer), return visits, owner-portal ratings and the
  ratings of community activities by the households present (activities.py)
- average_satisfaction: the mean of the same answers (score out of 5)
- consultation_accuracy 咨询解答准确率: consultations registered in the month neither reopened nor
  followed by a complaint on the same matter (``related_request_id``) ÷ consultations, those
  reclassified to another kind since among them, never accurate (``reclassification``)
- owner_contact_rate 业主月度联系率 and manager_visits_year_to_date: see owner_contacts.py
- surveys_year_to_date 满意度调查: the surveys of the period's year answered by its end ÷ the
  surveys the year owes, ``surveys_per_year`` (DOMAIN.md: at least once a year per estate, per
  service line)
- upkeep_on_time 外包整改及时率 (h6): the walk's findings (upkeep.py) due in the period put right by
  their deadline ÷ those due in it put right or past their deadline (one still within it waits)
- survey_lines_year_to_date: the estate's ``surveyed_service_lines`` that the year's surveys so far
  asked about and got a score for (``store.surveys_of_year``) as many times as the year owes ÷
  those lines; the note names the lines still owed

What a year owes (the surveys, the manager's visits) is ``estate_common.kpis.owed_a_year``: the
number a year, in the estate's first year its share from its registration's month (rounded up).

What is still within its deadline at the time of asking (a complaint due later this month not yet
replied, one registered today not yet verified, a completion whose return visit may still come)
is left out of the timeliness, verification and return-visit figures until it is done or late:
the current month showed 0 % seconds after a complaint was registered (found by review).
"""
from estate_common import calendar, clock
from estate_common.kpis import by_the_month, kpi, owed_a_year, owed_text, period_bounds, year_to_date

from . import complaint_analysis, complaints, owner_contacts, portal, reclassification, repairs
from .rules import SATISFIED_SCORE


def _within(moment, start, end):
    return moment is not None and start <= moment < end


def _of(requests, kind):
    return [r for r in requests if r["kind"] == kind]


def complaint_timeliness(requests, start, end, now):
    """Each reply deadline of a complaint in the month it fell due, met by its own reply: a reopened
    complaint (复诉, ``complaints.reopen``) owes a new reply by a new deadline, counted beside the
    one its first reply met (``complaints.rounds``); its first reply counted for the new deadline
    too, never late however long the new reply took."""
    due = [(deadline, replied) for r in _of(requests, "complaint") for deadline, replied in complaints.rounds(r)
           if _within(deadline, start, end) and (replied or deadline <= now)]
    on_time = [deadline for deadline, replied in due if replied and replied <= deadline]
    return kpi(len(on_time), len(due))


def complaint_satisfaction(requests, start, end):
    rated = [r for r in _of(requests, "complaint")
             if _within(r.get("closed_at"), start, end) and r.get("satisfaction") is not None]
    return kpi(sum(1 for r in rated if r["satisfaction"] >= SATISFIED_SCORE), len(rated))


def complaint_verification(requests, start, end, now):
    registered = [r for r in _of(requests, "complaint") if _within(r["created_at"], start, end)
                  and (r["complaint"]["verified_at"] or (r["complaint"].get("verify_due_at") or "") <= now)]
    in_time = [r for r in registered if r["complaint"]["verified_at"] and not r["complaint"]["verified_late"]]
    return kpi(len(in_time), len(registered))


def completions(request):
    """Every time a repair's work was completed: its first completion and each follow-up's. A
    follow-up's completion replaces ``completed_at``; the first stays on the visit that found the
    problem (its ``work_completed_at``), which is how a follow-up comes about."""
    times = {v["work_completed_at"] for v in request.get("return_visits", []) if v.get("work_completed_at")}
    return times | ({request["completed_at"]} if request.get("completed_at") else set())


def is_handover_defect(request):
    """Whether the repair is of a defect an owner found at the handover (交房验房: the developer's
    warranty work, 开发商保修), counted apart from the desk's repairs."""
    return bool(request.get("handover_defect"))


def return_visit_rates(requests, start, end, target, rules, now):
    """``return_visit_rate`` of the desk's repairs, its note saying how many of the developer's
    warranty repairs it left out, and ``handover_defect_return_visit_rate`` of those."""
    warranty = [r for r in requests if is_handover_defect(r)]
    desk = return_visit_rate([r for r in requests if not is_handover_defect(r)], start, end, target, rules, now)
    apart = return_visit_rate(warranty, start, end, target, rules, now)
    if apart["denominator"]:
        desk["note"] = (f"{apart['denominator']} completion(s) of repairs of defects found at handovers "
                        "(开发商保修) not counted here: handover_defect_return_visit_rate")
    return {"return_visit_rate": desk, "handover_defect_return_visit_rate": apart}


def return_visit_rate(requests, start, end, target, rules, now):
    """Completions of repair work in the period, each in its own month (a follow-up completed the
    month after no longer takes the first one out of its month), visited within the time; one not
    visited whose visit is not due yet is not counted."""
    def visits(r, at):
        return [v for v in r.get("return_visits", []) if v["work_completed_at"] == at]

    def visit_due(r, at):  # the latest completion's as it was set then (the setting may have changed)
        if at == r.get("completed_at") and r.get("return_visit_due_at"):
            return r["return_visit_due_at"]
        return repairs.return_visit_due_at(clock.parse_iso(at), rules)

    done = [(r, at) for r in _of(requests, "repair") if repairs.counts_as_repair(r)
            for at in sorted(completions(r)) if _within(at, start, end)
            and (visits(r, at) or visit_due(r, at) <= now)]
    visited = [at for r, at in done if any(v["on_time"] for v in visits(r, at))]
    return kpi(len(visited), len(done), target=target)


def valid_complaint_rate(requests, households, start, end, target, period=None):
    """Over the households registered by the period's end (``households``: read copies; one
    without its registration time counts, as a copy made before copies carried it). The note
    counts the period's complaints closed without a judgement: they read as not valid, and the
    target below 1 % was met by not judging (found by a domain audit).

    ``target``: the month's (``valid_complaint_rate_target_percent``; the rate counts what the days
    bring, so a longer period holds more). A week (``period``) is judged against its share of it,
    7 of its month's days (``calendar.week_share_of_month``), where it was judged against the whole
    month's 1 %, and a week that used up the month's allowance alone read as met (h7)."""
    registered_in = [r for r in _of(requests, "complaint") if _within(r["created_at"], start, end)]
    valid = [r for r in registered_in if r.get("valid")]
    not_judged = complaint_analysis.closed_not_judged(registered_in)
    registered = [h for h in households if (h.get("created_at") or "") < end]
    note = "target: below"
    share = calendar.week_share_of_month(period) if period else None
    if share:
        days, of_month = share
        target = target * days / of_month
        note += f" the week's share of the month's target, {days} of the month's {of_month} days"
    note += f"; {not_judged} closed complaint(s) not judged valid or not" if not_judged else ""
    return kpi(len(valid), len(registered), target=target, note=note)


def _satisfaction_scores(requests, answers, start, end, activity_scores=()):
    """``activity_scores``: the period's ratings of community activities (activities.ratings_between)."""
    scores = list(activity_scores)
    scores += [score for a in answers if _within(a["answered_at"], start, end) for score in a["scores"].values()]
    scores += [v["satisfaction"] for r in _of(requests, "repair") for v in r.get("return_visits", [])
               if _within(v["visited_at"], start, end)]
    return scores + portal.ratings(requests, start, end)  # an owner's rating on the portal, like a visit's


def owner_satisfaction(scores):
    return kpi(sum(1 for s in scores if s >= SATISFIED_SCORE), len(scores))


def average_satisfaction(scores):
    return kpi(sum(scores), len(scores), unit="score")


def consultation_accuracy(requests, complained_about, start, end):
    """The consultations registered in the period, and those registered as one and reclassified
    since (``reclassification.was_consultation``: the answer the owner needed was another kind's,
    a leak's repair), which are never accurate: closed and registered anew, one counted as answered
    correctly (a probe of the front desk's week)."""
    asked = [r for r in requests if (r["kind"] == "consultation" or reclassification.was_consultation(r))
             and _within(r["created_at"], start, end)]
    accurate = [r for r in asked if r["kind"] == "consultation" and not r.get("reopen_count")
                and r["_id"] not in complained_about]
    return kpi(len(accurate), len(asked))


# What an estate owes a year: "no data" for a period that ended before it was registered
# (estate_common.kpis.before_the_estate); the owner contacts count from each household's registration
OBLIGATIONS = ("manager_visits_year_to_date", "surveys_year_to_date", "survey_lines_year_to_date")


def estate_kpis(period, requests, answers, households, complained_about, rules, steward_contacts=(),
                manager_visits=0, now=None, surveys=(), since=None, upkeep_findings=(), activity_scores=()):
    """``requests``: the estate's requests with any date in the period (see store.kpi_requests);
    ``households``: the estate's household copies (``store.kpi_households``);
    ``steward_contacts``: ``(household id, contacted_at)`` of each steward contact in the period;
    ``manager_visits``: the manager's visits in the year up to the period's end; ``surveys``: the
    service lines of each satisfaction survey of the period's year recorded by its end; ``since``:
    the estate's registration (its copy's ``created_at``), from which its first year owes."""
    start, end = period_bounds(period, rules["timezone"])

    def owed(per_year):  # the year of the period's end: a week's Sunday's (calendar.period_year)
        return owed_a_year(per_year, calendar.period_year(period), since, rules["timezone"])
    now = now or clock.now_iso()
    scores = _satisfaction_scores(requests, answers, start, end, activity_scores)
    return {
        "complaint_timeliness": complaint_timeliness(requests, start, end, now),
        "complaint_satisfaction": complaint_satisfaction(requests, start, end),
        "complaint_verification": complaint_verification(requests, start, end, now),
        **return_visit_rates(requests, start, end, rules["return_visit_rate_target_percent"] / 100, rules, now),
        "valid_complaint_rate": valid_complaint_rate(requests, households, start, end,
                                                     rules["valid_complaint_rate_target_percent"] / 100, period),
        "owner_satisfaction": owner_satisfaction(scores),
        "average_satisfaction": average_satisfaction(scores),
        "consultation_accuracy": consultation_accuracy(requests, complained_about, start, end),
        "owner_contact_rate": owner_contact_rate(period, steward_contacts, households, rules, now),
        "manager_visits_year_to_date": owner_contacts.manager_visits_year_to_date(
            manager_visits, owed(rules["manager_visits_per_year"])),
        "surveys_year_to_date": surveys_year_to_date(len(surveys), owed(rules["surveys_per_year"])),
        "survey_lines_year_to_date": survey_lines_year_to_date(surveys, rules["surveyed_service_lines"],
                                                               owed(rules["surveys_per_year"])),
        "upkeep_on_time": upkeep_on_time(upkeep_findings, start, end, now),
    }


def upkeep_on_time(findings, start, end, now):
    """外包整改及时率: ``findings`` (the walk's, ``store.kpi_upkeep_findings``) due in [start, end) put
    right by their deadline ÷ those put right or past their deadline at ``now``."""
    due = [f for f in findings if _within(f["due_at"], start, end)
           and (f["status"] == "put_right" or f["due_at"] < now)]
    return kpi(sum(1 for f in due if f["status"] == "put_right" and not f["late"]), len(due),
               note="the walk's findings due in the period put right by their deadline (upkeep_fix_hours) "
                    "/ those put right or past their deadline")


def owner_contact_rate(period, steward_contacts, households, rules, now):
    """业主月度联系率 of the period's months (``owner_contacts.owner_contact_rate``). The steward owes
    each owner his contact once a month (``owner_contacts_per_month`` a month): of an ISO week it is
    "no data", saying so (``by_the_month``), where a week's share of a month's contact is no rule of
    DOMAIN.md's and a week without one is no miss."""
    if calendar.is_week(period):
        return by_the_month("the steward's contact is owed each owner once a month (owner_contacts_per_month); "
                            "read the week's month", target=1)
    # the period's months' bounds, written as the store writes stamps: the contact rate reads its
    # contacts' months and its copies' first months owed by their text
    bounds = owner_contacts.period_bounds(calendar.months_of(period), rules["timezone"])
    return owner_contacts.owner_contact_rate(
        owner_contacts.in_months_within(steward_contacts, rules["timezone"], bounds),
        _owed_from(households, rules["timezone"], bounds),
        rules["owner_contacts_per_month"], calendar.months_of(period),
        calendar.period_of(clock.parse_iso(now), rules["timezone"]))


def _owed_from(households, timezone, bounds):
    """``{household id: its first month owed}`` of the copies, as the period's months judge it
    (``bounds``, ``owner_contacts.period_bounds``; ``owner_contacts.owed_from_within``: by the text
    of their bounds, not on the calendar)."""
    return {h["_id"]: owner_contacts.owed_from_within(h, timezone, bounds) for h in households}


def surveys_year_to_date(surveys, yearly):
    """满意度调查 "at least once a year per estate, per service line" (DOMAIN.md): the year's surveys
    so far against what the year owes (``yearly``: ``owed_a_year`` of the estate's number a year;
    nothing flagged an estate without one)."""
    return year_to_date(surveys, yearly, "satisfaction surveys")


def survey_lines_year_to_date(surveys, lines, yearly):
    """满意度调查 "per service line" (DOMAIN.md): of the lines the estate surveys, those the year's
    surveys so far asked about as many times as the year owes (``yearly``, ``owed_a_year``). A
    survey of power alone counted as the year's survey while water, fire safety and cleaning went
    unasked."""
    times = yearly["owed"]
    asked = {line: sum(1 for survey in surveys if line in survey) for line in lines}
    owed = [line for line in lines if asked[line] < times]
    note = f"service lines surveyed {times} time(s) this year so far / lines the estate surveys"
    if "months_kept" in yearly:  # the estate's first year: its share
        note += f"; each line {owed_text(yearly)}"
    return kpi(len(lines) - len(owed), len(lines), target=1, yearly=yearly,
               note=note + (f"; still owed: {', '.join(owed)}" if owed else ""))


def year_obligations(year, scored_surveys, visits, rules, yearly_of, state):
    """What the estate's local ``year`` owes of its yearly obligations and what it made of them so
    far (``GET …/reports/year-obligations``): the satisfaction surveys answered, each line of the
    estate's ``surveyed_service_lines`` with the surveys that asked it and got a score
    (``scored_surveys``: ``{survey id: its lines scored}``), and the manager's visits (``visits``:
    who went to which household, when). ``yearly_of(per_year, done)``: ``owed_a_year`` of the year,
    owing nothing of a year that ended before the estate with nothing ``done`` towards it
    (``owed_before_the_estate``, as the KPIs show it "no data"). The same rules as the KPIs
    (``surveys_year_to_date``, ``survey_lines_year_to_date``, ``manager_visits_year_to_date``), by
    name: the dashboard's ratios and an English note were all a manager read at a year's end (a
    probe of the manager's year). ``state``: the year's ``status``, ``as_of`` and ``due_by``
    (``year_state``); each obligation says what it ``still_owed`` of the year's: a year in progress
    read "0 of 1 owed" as a year missed did (found by the session 46 note)."""
    surveys = yearly_of(rules["surveys_per_year"], len(scored_surveys))
    visits_owed = yearly_of(rules["manager_visits_per_year"], len(visits))
    ids = {name: [survey_id for survey_id, lines in scored_surveys.items() if name in lines]
           for name in rules["surveyed_service_lines"]}
    whole = yearly_of(rules["surveys_per_year"], True)["owed"]
    # the lines' KPI counts the lines surveyed as often as the year owes: its "done"
    met = sum(1 for found in ids.values() if len(found) >= whole)
    lines_owed = yearly_of(rules["surveys_per_year"], met)["owed"]
    return {
        "year": year, **state,
        "surveys": _so_far(surveys, len(scored_surveys)),
        "service_lines": [{"line": name, "owed": lines_owed, "surveyed": len(found), "survey_ids": found,
                           "still_owed": max(lines_owed - len(found), 0)}
                          for name, found in ids.items()],
        "manager_visits": {**_so_far(visits_owed, len(visits)),
                           "visits": [{"id": v["_id"], "household_id": v["household_id"],
                                       "contacted_at": v["contacted_at"], "by": v.get("by")} for v in visits]},
    }


def _so_far(yearly, done):
    """``yearly`` (``owed_a_year``) with what was ``done`` and what the year ``still_owed``."""
    return {**yearly, "done": done, "still_owed": max(yearly["owed"] - done, 0)}


def year_state(year, start, end, now):
    """Where the estate's local ``year`` (``[start, end)``, ISO) stands at ``now``: ``status``
    ``not_begun``, ``in_progress`` or ``over``, the moment counted (``as_of``) and its last day
    (``due_by``), by which a yearly obligation is made."""
    status = "not_begun" if now < start else "in_progress" if now < end else "over"
    return {"status": status, "as_of": now, "due_by": f"{year}-12-31"}
