"""Archive checks (档案检查): a plan at the start of each year, at least twice a
year, and the completeness each check finds (资料归档完整率).

Plain functions: no broker, no store.
"""
from datetime import date, timedelta

from estate_common import calendar, closed_counts, clock, ids, plausible
from estate_common.kpis import kpi, owed_a_year, year_to_date
from estate_common.errors import BusinessRuleViolation, field_error


def plan_id(estate_id, year):
    """One plan per estate and year: a second one collides on _id (409)."""
    return ids.natural_id("acp", estate_id, year)


def new_plan(estate_id, data, now, actor, rules, since=None):
    """A year's plan, made at its start or late (an earlier year's, on record), but for next year
    at the furthest (``estate_common.plausible``): one for 2100 was taken (a probe). It plans the
    checks the year owes (``checks_owed``): ``min_checks_per_year`` different dates, in the estate's
    first year (``since``: its registration) its share; one taken on in October had to plan two
    checks in what was left of the year."""
    year = data["year"]
    plausible.year(year, calendar.local_date(now, rules["timezone"]).year, None, 1, "data.year",
                   "an archive check plan is made for this year or the next at the furthest")
    dates, errors = [], []
    for index, text in enumerate(data["planned_dates"]):
        day = calendar.checked_day(text, f"data.planned_dates[{index}]")
        if day.year != year:
            errors.append(field_error(f"data.planned_dates[{index}]", f"is not in {year}"))
        dates.append(day.isoformat())
    if errors:
        raise BusinessRuleViolation("planned checks fall in the plan's year", errors)
    yearly = checks_owed(year, rules, since)
    minimum = yearly["owed"]
    if len(set(dates)) < minimum:
        wanted = [field_error("data.planned_dates", f"needs at least {minimum} different dates")]
        if "months_kept" in yearly:
            raise BusinessRuleViolation(
                f"{year} owes at least {minimum} archive check(s): {yearly['per_year']} a year pro rata to the "
                f"{yearly['months_kept']} of 12 months from the estate's registration on {yearly['registered_on']}",
                wanted)
        raise BusinessRuleViolation(f"archives are checked at least {minimum} times a year", wanted)
    stamp = clock.to_iso(now)
    return {
        "_id": plan_id(estate_id, year),
        "estate_id": estate_id,
        "year": year,
        "planned_dates": sorted(set(dates)),
        "notes": (data.get("notes") or "").strip(),
        "created_at": stamp,
        "created_by": actor,
    }


def move_date(plan, data, checked_at, now, rules):
    """The plan's dates with ``data["date"]`` moved to ``data["to"]``: a planned date typed wrong
    showed as missed for good, the plan unchangeable (a probe of the archivist's year). Only a
    date to come (today's too) not kept by a check on its day moves, to a day of the plan's year
    not passed and not planned already; a passed date stays (what was missed was missed).
    ``checked_at``: the plan's checks' moments (ISO)."""
    tz = rules["timezone"]
    today = calendar.local_date(now, tz)
    date_from = calendar.checked_day(data["date"], "data.date")
    date_to = calendar.checked_day(data["to"], "data.to")
    checked = checked_days(checked_at, tz)
    errors = []
    if date_from.isoformat() not in plan["planned_dates"]:
        errors.append(field_error("data.date", "is not one of the plan's dates"))
    elif date_from < today:
        errors.append(field_error("data.date", "has passed: a passed date stays"))
    elif date_from in checked:
        errors.append(field_error("data.date", "was checked on its day"))
    if date_to.year != plan["year"]:
        errors.append(field_error("data.to", f"is not in {plan['year']}"))
    elif date_to < today:
        errors.append(field_error("data.to", "has passed"))
    elif date_to.isoformat() in plan["planned_dates"]:
        errors.append(field_error("data.to", "is planned already"))
    if errors:
        raise BusinessRuleViolation("a plan's date to come moves to another day of its year", errors)
    return sorted([day for day in plan["planned_dates"] if day != date_from.isoformat()] + [date_to.isoformat()])


def next_plan_reminder(now, rules):
    """Whether next year's plan (``next_year``) is asked for now: from
    ``next_check_plan_reminder_days`` before the estate's year ends (its day). The start page asked
    for a plan once its year had begun (a probe of the archivist's year)."""
    today = calendar.local_date(now, rules["timezone"])
    asked_from = date(today.year + 1, 1, 1) - timedelta(days=rules["next_check_plan_reminder_days"])
    return {"today": today.isoformat(), "next_year": today.year + 1, "asked_from": asked_from.isoformat(),
            "asked": today >= asked_from}


def plan_view(plan, checked_at, now, rules, since=None):
    """The plan with how far it is kept: ``checks_recorded`` (the plan's checks), ``days_checked``
    (the days they fell on: two checks on one day are one, as the year's KPI counts them),
    ``checks_owed`` (what the year owes under the estate's rules now, ``checks_owed``: a minimum
    raised since the plan was made, or the estate's first year's share; ``since`` its
    registration) and ``missed_dates``, each planned date that has passed (the estate's day) with
    fewer days checked by its end than the dates planned up to it: the k-th date promises k checks
    by then. A plan showed its dates only, so a date that passed without a check was flagged
    nowhere (found by a probe); it counted two checks on one day as two, so a date stood kept that
    the KPI read missed, and the archivist, who read neither the settings nor the KPIs then, read
    nowhere what the year owed (a probe of the archivist's year). ``checked_at``: the plan's
    checks' moments (ISO)."""
    days = sorted(day.isoformat() for day in checked_days(checked_at, rules["timezone"]))
    today = calendar.local_date(now, rules["timezone"]).isoformat()
    missed = [day for k, day in enumerate(plan["planned_dates"], start=1)
              if day < today and sum(1 for checked in days if checked <= day) < k]
    return {**plan, "checks_recorded": len(checked_at), "days_checked": len(days),
            "checks_owed": checks_owed(plan["year"], rules, since)["owed"], "missed_dates": missed}


def new_check(check_id, estate_id, plan, data, now, actor, rules):
    """A check of the plan's year: the estate's year (its timezone), as the KPI counts it."""
    checked_at = clock.parse_iso(data["checked_at"])
    errors = []
    if calendar.local(checked_at, rules["timezone"]).year != plan["year"]:
        errors.append(field_error("data.checked_at", f"is not in the plan's year {plan['year']}"))
    if checked_at > now:
        errors.append(field_error("data.checked_at", "is in the future"))
    if data["records_complete"] > data["records_checked"]:
        errors.append(field_error("data.records_complete", "cannot exceed records_checked"))
    if data["records_checked"] < 1:  # a check of nothing counted as one of the year's checks (a probe)
        errors.append(field_error("data.records_checked", "is 0: a check looks at one record at least"))
    if errors:
        raise BusinessRuleViolation("the check does not add up", errors)
    stamp = clock.to_iso(now)
    return {
        "_id": check_id,
        "estate_id": estate_id,
        "plan_id": plan["_id"],
        "year": plan["year"],
        "checked_at": clock.to_iso(checked_at),
        "records_checked": data["records_checked"],
        "records_complete": data["records_complete"],
        "notes": (data.get("notes") or "").strip(),
        "recorded_by": actor,
        "created_at": stamp,
    }


def checks_owed(year, rules, since=None):
    """The archive checks the estate's ``year`` owes: ``min_checks_per_year`` ("at least twice a
    year", DOMAIN.md), in its first year (``since``: its registration) its share
    (``estate_common.kpis.owed_a_year``), which its plan plans and its KPI counts against."""
    return owed_a_year(rules["min_checks_per_year"], year, since, rules["timezone"])


def plan_due_at(year, rules, since=None):
    """When the year's plan is due: ``check_plan_due_days`` into the estate's year (its calendar),
    or into its registration (``since``, its ``created_at``) for an estate registered during that
    year: one registered in December had missed January's deadline before it existed."""
    start = date(year, 1, 1)
    if since is not None:
        start = max(start, calendar.local_date(clock.parse_iso(since), rules["timezone"]))
    return calendar.day_start(start + timedelta(days=rules["check_plan_due_days"]), rules["timezone"])


def plan_on_time(year, made_at, period_end, now, rules, since=None):
    """档案检查计划 "made at the start of each year" (DOMAIN.md): 1 ÷ 1 when the year's plan was made
    by its deadline (``plan_due_at``), 0 ÷ 1 when it was made later or is missing past it, "no
    data" while it is not yet due and not yet made. As it stood at the period's end (not in it)
    or now, the earlier: a past month keeps its figure, and a plan made after it is not in it.
    Nothing asked for the year's plan before."""
    due = plan_due_at(year, rules, since)
    due_day = (calendar.local(due, rules["timezone"]) - timedelta(days=1)).date().isoformat()
    as_of = min(period_end, now)
    if made_at is not None and clock.parse_iso(made_at) < period_end:
        made_day = calendar.local(clock.parse_iso(made_at), rules["timezone"]).date().isoformat()
        on_time = clock.parse_iso(made_at) < due
        return kpi(int(on_time), 1, target=1, note=f"the {year} archive check plan, made {made_day}"
                   + ("" if on_time else f", after its deadline {due_day}"))
    if as_of < due:
        return kpi(0, 0, target=1, note=f"the {year} archive check plan is not made yet: due by {due_day}")
    return kpi(0, 1, target=1, note=f"no {year} archive check plan: it was due by {due_day}")


# What an estate owes by a date or a count a year: "no data" for a period that ended before it was
# registered (estate_common.kpis.before_the_estate)
OBLIGATIONS = ("archive_check_plan_on_time", "archive_checks_year_to_date")


def year_start(period, rules):
    """The start of the estate's local calendar year of ``period`` (for "checks this year"): of an ISO
    week, its Sunday's year (``calendar.period_year``)."""
    return clock.to_iso(calendar.year_start(calendar.period_year(period), rules["timezone"]))


def reported_by_kind(reports):
    """The services' counts of the period's months, summed per kind of closed record."""
    totals = {}
    for report in reports:
        for kind, count in report["counts"].items():
            totals[kind] = totals.get(kind, 0) + count
    return totals


def present_by_kind(present_by_event):
    """The closing records held, per kind (``closed_counts.KINDS``: its events)."""
    return {kind: sum(present_by_event.get(e, 0) for e in closing_events(kind)) for kind in closed_counts.KINDS}


def closing_events(kind):
    """The events whose records are the archive's side of a ``kind`` of closed record: the ones the
    completeness counts held (``present_by_kind``) and the missing list looks for."""
    return list(closed_counts.KINDS[kind][1])


# kind of closed record -> the subject type of its records (``GET …/archive/records?subject_type=``)
CLOSED_SUBJECTS = closed_counts.SUBJECT_TYPES


def months_not_counted(reports, months):
    """``{kind: [month]}``: of ``months`` (the period's begun since the estate's registration:
    ``operations.months_due``), those no count of its service's names the kind in. Its service counts
    the current and the previous month only (``estate_common.closed_counts``): one down over a month's
    turn never counted the month before (found by h6)."""
    counted = {(report["period"], kind) for report in reports for kind in report["counts"]}
    return {kind: [month for month in months if (month, kind) not in counted] for kind in closed_counts.KINDS}


def held_in_counted_months(present, present_by_month, not_counted):
    """The closing records held per kind (``present``, over the whole period) less those of the months
    its service did not count (``present_by_month``: ``{month: {kind: held}}``): a kind's records of a
    month nobody counted made up, under its count's cap, for the records missing of a month counted
    (a year read 100 % with September's request missing, October's held and uncounted: h6)."""
    return {kind: held - sum(present_by_month[month].get(kind, 0) for month in not_counted.get(kind, ()))
            for kind, held in present.items()}


def completeness_by_kind(present, reports, not_counted=None, present_in_period=None):
    """资料归档完整率 kind by kind, in ``closed_counts.KINDS``' order: what its service counted over the
    period's months (``reported``; None while it has counted none: the kind is outside the KPI),
    the closing records the archive holds (``held``: of the months counted, ``present``, those the
    count is held against; of the whole period, ``present_in_period``, while the kind has no count to
    be held against), how many of the count it lacks (``missing``: never below 0, a record closed
    after the last count is no shortfall; None with no count), when the newest count of it was made
    and the months of the period its service has not counted (``not_counted``:
    ``months_not_counted``). The KPI read 5 / 6 and nothing said which kind was short (a probe of the
    archives' month)."""
    not_counted, present_in_period = not_counted or {}, present_in_period or present
    reported, counted_at = {}, {}
    for report in reports:
        for kind, count in report["counts"].items():
            reported[kind] = reported.get(kind, 0) + count
            counted_at[kind] = max(counted_at.get(kind) or "", report["counted_at"])
    rows = []
    for kind, (source, _) in closed_counts.KINDS.items():
        count = reported.get(kind)
        held = (present_in_period if count is None else present).get(kind, 0)
        rows.append({"kind": kind, "subject_type": CLOSED_SUBJECTS[kind], "source": source, "reported": count,
                     "held": held, "missing": None if count is None else max(count - held, 0),
                     "counted_at": counted_at.get(kind), "not_counted": list(not_counted.get(kind, []))})
    return rows


def completeness(present, reported, not_counted=None):
    """资料归档完整率 as DOMAIN.md defines it: closed records present in the archive ÷ closed records
    the services reported. Per kind, what is present counts up to what was reported (a record
    closed after the service's last count cannot make up for one missing of another kind); a
    kind no service has reported yet is not in the denominator. ``present`` is of the months
    counted (``held_in_counted_months``); the months of the period a service has not counted
    (``months_not_counted``) are named, ``not_counted``, where a year with a month never counted
    read as whole (h6): the figure is of the months counted, and says which are not."""
    numerator = sum(min(present.get(kind, 0), count) for kind, count in reported.items())
    months = sorted({month for months in (not_counted or {}).values() for month in months})
    return kpi(numerator, sum(reported.values()), "ratio", target=1, note=(
        "closed requests, orders, rounds, incidents and payments present in the archive / closed "
        "as the services counted them for the period")) | ({"not_counted": months} if months else {})


def checked_days(checked_ats, timezone):
    """The estate's days on which archives were checked: two checks recorded on one day are one
    check towards "at least twice a year", as a plan needs that many different dates (the year's
    KPI, ``days_checked``, and a plan's dates kept, ``plan_view``)."""
    return {calendar.local_date(clock.parse_iso(at), timezone) for at in checked_ats}


def days_checked(checked_ats, timezone):
    return len(checked_days(checked_ats, timezone))


def kpis(checks_in_period, checks_this_year, closed_records, rules, present=None, reported=None, year=None,
         since=None, not_counted=None):
    """Archive KPIs of one estate: completeness (present ÷ reported by the services), beside it the
    completeness the period's manual checks found, the days checked so far this year
    (``checks_this_year``: their ``checked_at``) against the checks the period's ``year`` owes
    (``checks_owed``: the yearly minimum, in the estate's first year, ``since`` its registration,
    its share), and the closed records received in the period."""
    checked = sum(c["records_checked"] for c in checks_in_period)
    complete = sum(c["records_complete"] for c in checks_in_period)
    return {
        "archive_completeness": completeness(present or {}, reported or {}, not_counted),
        "archive_check_completeness": kpi(complete, checked, "ratio", target=1, note=(
            "records found complete / records checked by the period's manual archive checks")),
        "archive_checks_year_to_date": year_to_date(days_checked(checks_this_year, rules["timezone"]),
                                                    checks_owed(year, rules, since), "days with an archive check"),
        "closed_records_received": kpi(closed_records, 1, "count",
                                       note="closed requests, orders, rounds, incidents and payments recorded"),
    }
