"""The security team's month on duty (秩序维护班组): the team lead's roll call before a shift (考勤),
his spot checks of the posts (不定时巡察、督促各岗执勤状况) and the discipline faults he finds (仪容仪表、
违章违纪), the supervisor's training sessions with their attendance (学习培训) and his periodic
assessment of each guard (定期考核). Sources: the seeds' 秩序维护班长 "做好全班的考勤工作、主持岗前培训、检查仪容仪表",
"不定时巡察、督促各岗执勤状况, 及时纠正违章违纪现象", the 主管 "常常组织秩序维护员学习培训, 定期对秩序维护班长及
秩序维护员进行考核" (found by h7, a probe of a security team's month).

- A roll call (``new_roll_call``) is of one day and shift, taken from ``roll_call_before_shift_minutes``
  before the shift begins on the estate's clock (422 earlier, h3), and is fed from the duty roster: each guard
  the roster has active on that shift is called once, present, late (with the minutes) or absent (and
  who covers his post, a guard on the roster of that day, not absent himself); a guard not on the
  shift's roster, or one left out, is a 422. A shift with no roster has no one to call (422). One roll
  call a shift (its ``_id`` from estate, day and shift): the same call again answers the first, another
  is a 409. A guard added to the shift's roster after its call is called in an addendum (h3): the call
  again naming only the guards added since (every one of them) is appended to it (``added_at``,
  ``added_by``, ``addenda``), its counts again, announced again (``roll_call_recorded``).
- A roll call is corrected (``corrected``: a guard marked absent by mistake) by the lead or the
  supervisor until the month (or its quarter) is assessed (409 then), one guard's entry at a time,
  kept with who, when and why (``corrections``) and announced again (``roll_call_recorded``), h3.
- A spot check (``new_spot_check``) finds a post manned (by the guard named, a guard of the team: 422
  for a name no duty roster of the estate has, h3) or not (what was found is said, 422 without); the
  guards the roster had at the post are kept beside it, and a guard of the team found at a post the
  roster gave another is flagged ``off_roster``.
- A discipline record (``new_discipline_record``) names a guard of the team (one the roster has named
  in the estate), its kind and what happened.
- A training session (``new_training``) was held (not ahead of now), with its attendees, guards of
  the team.
- A guard's score (``scores``) over a month or a quarter falls out of those records: each component a
  share out of 100, weighted by the estate's settings (``assessment_weight_*``); a component with no
  record in the period is left out and the others' weights carry the score. The assessment
  (``new_assessment``) keeps the score of a period that is over, once per guard and period.

Plain functions: no broker, no store.
"""
from decimal import ROUND_HALF_UP, Decimal

from estate_common import clock, ids, plausible
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.wording import counted
from estate_common.writes import Change

from . import localtime, roster

PRESENT, LATE, ABSENT = "present", "late", "absent"
DISCIPLINE_KINDS = ("appearance", "late", "left_post", "asleep_on_duty", "conduct", "other")

# component -> the setting of its weight (rules.DEFAULTS)
COMPONENTS = ("attendance", "punctuality", "posts_manned", "discipline", "training")
WEIGHT_SETTINGS = {component: f"assessment_weight_{component}" for component in COMPONENTS}


# who records what of the team (review r7 of h7: any guard took the roll call, recorded a colleague's
# fault and assessed himself): the leaders' roles each record needs (estate_common.roles)

def require_leader(refusal, caller_roles, leaders):
    """403 ``refusal`` unless the caller holds one of ``leaders`` (``SECURITY_TEAM_LEADERS`` the team
    lead and the supervisor, ``SECURITY_ASSESSORS`` the supervisor)."""
    if not set(caller_roles or ()) & leaders:
        raise Forbidden(refusal)


def refuse_himself(refusal, guard, actor):
    """403 ``refusal`` for a record about the caller himself: the lead would keep his own sheet clean,
    the supervisor score himself."""
    if actor and roster.guard_key(guard) == roster.guard_key(actor):
        raise Forbidden(refusal)


def periods_of_month(month):
    """The periods an assessment of ``month``'s records names: the month and its quarter."""
    year, number = month.split("-")
    return [month, f"{year}-Q{(int(number) - 1) // 3 + 1}"]


def refuse_a_record_of_an_assessed_period(assessed, field):
    """409 for a record of a period some guard was assessed for (``assessed``: one such assessment, or
    None): a late roll call or fault (within ``recorded_within_days``) of a month over changed the
    scores under the assessments kept of it (found by review r7 of h7)."""
    if assessed is not None:
        raise Conflict(f"the guards were assessed for {assessed['period']} already: a record of it comes too late",
                       [field_error(field, "is of a period assessed already")])


def roll_call_id(estate_id, day, shift):
    return ids.natural_id("rollcall", estate_id, day, shift)


def assessment_id(estate_id, guard, period):
    return ids.natural_id("assess", estate_id, roster.guard_key(guard), period)


# -- the roll call ----------------------------------------------------------------------------

def roll_call_opens(day, shift, rules):
    """The local wall-clock moment (naive) the roll call of ``day``'s ``shift`` opens: the evening
    before for a shift beginning at midnight (review r3 of h3)."""
    from datetime import timedelta
    return roster.shift_begins(day, shift, rules) - timedelta(minutes=rules["roll_call_before_shift_minutes"])


def refuse_a_roll_call_before_its_shift(day, shift, local_now, rules):
    """422 (``data.shift``) for a roll call taken earlier than ``roll_call_before_shift_minutes`` before
    its shift's start on the estate's clock (``roster.shift_begins``): the evening's was taken in the
    morning, before any guard of it had come (h3)."""
    opens = roll_call_opens(day, shift, rules)
    if local_now.replace(tzinfo=None) < opens:
        raise BusinessRuleViolation("a roll call is taken when its shift is about to begin",
                                    [field_error("data.shift", f"its roll call opens at {opens:%H:%M} on the "
                                                               f"estate's clock")])


def new_roll_call(doc_id, estate_id, day, shift, data, assignments, day_guards, now, actor):
    """The roll call of ``day``'s ``shift`` over ``assignments`` (the shift's roster) and
    ``day_guards`` (the guard keys on any shift of the day's roster: who may cover a post)."""
    active = [a for a in assignments if roster.status(a) == roster.ACTIVE]
    if not active:
        raise BusinessRuleViolation("a roll call is of the guards the duty roster has on the shift",
                                    [field_error("data.shift", "has no guard on the duty roster of this day")])
    by_key = {a["guard_key"]: a for a in active}
    errors, seen, entries = [], set(), []
    for i, entry in enumerate(data["entries"]):
        key = roster.guard_key(entry["guard"])
        where = f"data.entries[{i}]"
        if key not in by_key:
            errors.append(field_error(f"{where}.guard", "is not on the duty roster of this shift"))
            continue
        if key in seen:
            errors.append(field_error(f"{where}.guard", "is called twice"))
            continue
        seen.add(key)
        errors += _entry_errors(entry, where, key, day_guards)
        entries.append({"guard": by_key[key]["guard"], "guard_key": key, "post": by_key[key]["post"],
                        "roster_id": by_key[key]["_id"], "status": entry["status"],
                        "late_minutes": entry.get("late_minutes") if entry["status"] == LATE else None,
                        "covered_by": (entry.get("covered_by") or "").strip() or None})
    absent, covering = {e["guard_key"] for e in entries if e["status"] == ABSENT}, set()
    for i, entry in enumerate(data["entries"]):
        cover = roster.guard_key(entry.get("covered_by") or "")
        if cover and cover in absent:
            errors.append(field_error(f"data.entries[{i}].covered_by", "is absent from this shift"))
        elif cover in covering:  # one guard on two absent guards' posts at once (review r7 of h7)
            errors.append(field_error(f"data.entries[{i}].covered_by", "covers another absent guard's post already"))
        covering.add(cover) if cover else None
    missing = sorted(by_key[key]["guard"] for key in by_key.keys() - seen)
    if missing:
        errors.append(field_error("data.entries", f"lacks {', '.join(missing)}, on the duty roster of this shift"))
    if errors:
        raise BusinessRuleViolation("a roll call calls each guard on the roster of the shift once", errors)
    stamp = clock.to_iso(now)
    return {"_id": doc_id, "estate_id": estate_id, "date": day, "period": day[:7], "shift": shift,
            "entries": entries, "counts": roll_call_counts(entries),
            "notes": (data.get("notes") or "").strip(), "called_by": actor, "created_at": stamp}


def _entry_errors(entry, where, key, day_guards):
    errors = []
    status, minutes, cover = entry["status"], entry.get("late_minutes"), (entry.get("covered_by") or "").strip()
    if status == LATE and not minutes:
        errors.append(field_error(f"{where}.late_minutes", "is required for a guard who came late"))
    if status != LATE and minutes is not None:
        errors.append(field_error(f"{where}.late_minutes", "is only for a guard who came late"))
    if cover and status != ABSENT:
        errors.append(field_error(f"{where}.covered_by", "is only for a guard who is absent"))
    if cover and status == ABSENT:
        if roster.guard_key(cover) == key:
            errors.append(field_error(f"{where}.covered_by", "is the absent guard himself"))
        elif roster.guard_key(cover) not in day_guards:
            errors.append(field_error(f"{where}.covered_by", "is not on the duty roster of this day"))
    return errors


def roll_call_counts(entries):
    counts = {"rostered": len(entries), PRESENT: 0, LATE: 0, ABSENT: 0, "covered": 0}
    for entry in entries:
        counts[entry["status"]] += 1
        counts["covered"] += entry["status"] == ABSENT and entry["covered_by"] is not None
    return counts


def _said(items):
    return sorted((roster.guard_key(e["guard"]), e["status"], e.get("late_minutes") if e["status"] == LATE else None,
                   roster.guard_key(e.get("covered_by") or "")) for e in items)


def same_roll_call(stored, entries):
    """Whether ``entries`` (a call's) say what the ``stored`` roll call says, what its first call said
    (``as_called``: a retry of it after a correction or an addendum, a 409 before), or what one of its
    addenda said (a retry of it)."""
    sent, called = _said(entries), as_called(stored)
    if sent in (_said(stored["entries"]), _said(e for e in called if not e.get("added_at"))):
        return True
    added = _said(e for e in called if e.get("added_at"))
    return bool(added) and all(item in added for item in sent)


def as_called(stored):
    """The ``stored`` call's entries as they were sent: its corrections undone, the last first (each
    keeps the entry ``before`` it)."""
    entries = [dict(e) for e in stored["entries"]]
    for correction in reversed(stored.get("corrections") or []):
        key = roster.guard_key(correction["guard"])
        for entry in entries:
            if entry["guard_key"] == key:
                entry.update(correction["before"])
    return entries


# -- an addendum: guards added to the roster of a shift called already (h3) ---------------------

def added_since(stored, data, assignments):
    """The active assignments of the shift the ``stored`` call did not call (added to the roster
    since), when ``data`` (a call of the shift again) names none of the guards called already: an
    addendum of them; None otherwise (another call of the shift: a 409)."""
    called = {e["guard_key"] for e in stored["entries"]}
    if any(roster.guard_key(e["guard"]) in called for e in data["entries"]):
        return None
    added = [a for a in assignments if roster.status(a) == roster.ACTIVE and a["guard_key"] not in called]
    return added or None


def refuse_covers_taken(stored, entries):
    """422 for an addendum's cover who is absent from the call or covers another's post in it, and for
    a guard it marks absent who covers a post in the call (review r3 of h3)."""
    covering = {roster.guard_key(e["covered_by"]) for e in stored["entries"] if e.get("covered_by")}
    errors = []
    for i, entry in enumerate(entries):
        if entry["status"] == ABSENT and roster.guard_key(entry["guard"]) in covering:
            errors.append(field_error(f"data.entries[{i}].status", "covers an absent guard's post in this roll call"))
        taken = _cover_taken(stored["entries"], entry.get("covered_by"), f"data.entries[{i}].covered_by")
        if taken:
            errors.append(taken)
    if errors:
        raise BusinessRuleViolation("a roll call calls each guard on the roster of the shift once", errors)


def _cover_taken(entries, covered_by, field):
    """The field error of a cover (``covered_by``) absent from the call's ``entries`` or covering another's
    post in them, or None: an addendum's and a correction's one rule."""
    cover = roster.guard_key(covered_by or "")
    if cover and cover in {e["guard_key"] for e in entries if e["status"] == ABSENT}:
        return field_error(field, "is absent from this shift")
    if cover and cover in {roster.guard_key(e["covered_by"]) for e in entries if e.get("covered_by")}:
        return field_error(field, "covers another absent guard's post already")
    return None


def with_addendum(stored, entries, now, actor, field="data.shift"):
    """The call with ``entries`` (those of guards added since) appended, its counts again and the
    addendum kept (who, when, whom), announced (a Change); None when they are in it already (a retry
    that lost the race); 409 when some are and some are not."""
    called = {e["guard_key"] for e in stored["entries"]}
    keys = {e["guard_key"] for e in entries}
    if keys <= called:
        return None
    if keys & called:
        refuse_a_second_roll_call(stored, field)
    stamp = clock.to_iso(now)
    all_entries = stored["entries"] + [e | {"added_at": stamp, "added_by": actor} for e in entries]
    addendum = {"guards": [e["guard"] for e in entries], "by": actor, "at": stamp}
    changed = {"entries": all_entries, "counts": roll_call_counts(all_entries),
               "addenda": (stored.get("addenda") or []) + [addendum]}
    return Change(changed, events=[("roll_call_recorded", roll_call_event(stored | changed, addendum=addendum))])


def refuse_a_second_roll_call(stored, field="data.shift"):
    """409: the shift's call was taken already (``field``: the call's ``data.shift``, an addendum's
    ``data.entries``, which name a guard it called)."""
    raise Conflict(f"this shift's roll call was taken already, by {stored['called_by']} at {stored['created_at']}",
                   [field_error(field, "names a guard called already" if field == "data.entries"
                                else "has its roll call already")])


def roll_call_event(call, **changed):
    """``roll_call_recorded``: the call as it stands; announced again, what changed it (``changed``:
    ``correction`` as the call keeps it, or ``addendum``): a receiver told which entries, corrected or
    added, by whom, why (an event said nothing of it: session 61's leftovers)."""
    return {"id": call["_id"], "date": call["date"], "shift": call["shift"], "counts": call["counts"],
            "entries": [{k: e[k] for k in ("guard", "post", "status", "late_minutes", "covered_by")}
                        for e in call["entries"]], **changed}


# -- a correction of a roll call (h3) ---------------------------------------------------------

def corrected(stored, data, day_guards, now, actor, found_at_posts=frozenset()):
    """The call with guard ``data["guard"]``'s entry corrected (a Change: status, late minutes, cover;
    its counts again, the correction kept with who, when and why, announced), or None when the entry
    says so already (a retry). 422 for a guard the call did not call, or an entry a call would refuse."""
    key = roster.guard_key(data["guard"])
    index = next((i for i, e in enumerate(stored["entries"]) if e["guard_key"] == key), None)
    if index is None:
        raise BusinessRuleViolation("a correction is of a guard the roll call called",
                                    [field_error("data.guard", "is not called in this roll call")])
    entry, status = stored["entries"][index], data["status"]
    after = {"status": status, "late_minutes": data.get("late_minutes") if status == LATE else None,
             "covered_by": (data.get("covered_by") or "").strip() or None}
    # refused as a roll call refuses it even when the entry says so already; the cover by his key
    # (review r3 of h3: a present guard with late minutes answered unchanged, a cover in another case
    # was a correction of nothing)
    errors = _entry_errors(data, "data", key, day_guards)
    if not errors and (entry["status"], entry.get("late_minutes"), roster.guard_key(entry.get("covered_by") or "")) == (
            after["status"], after["late_minutes"], roster.guard_key(after["covered_by"] or "")):
        return None
    others = [e for i, e in enumerate(stored["entries"]) if i != index]
    taken = _cover_taken(others, after["covered_by"], "data.covered_by")
    if taken:
        errors.append(taken)
    if status == ABSENT and key in {roster.guard_key(e["covered_by"]) for e in others if e.get("covered_by")}:
        errors.append(field_error("data.status", "covers an absent guard's post in this roll call"))
    elif status == ABSENT and key in found_at_posts:  # the shift's spot check found him there (review r3 of h3)
        errors.append(field_error("data.status", "was found at a post by a spot check of this shift"))
    if errors:
        raise BusinessRuleViolation("a roll call calls each guard on the roster of the shift once", errors)
    stamp = clock.to_iso(now)
    entries = [dict(e) for e in stored["entries"]]
    entries[index] = entry | after
    correction = {"guard": entry["guard"], "before": {k: entry.get(k) for k in after}, "after": after,
                  "reason": data["reason"].strip(), "by": actor, "at": stamp}
    changed = {"entries": entries, "counts": roll_call_counts(entries),
               "corrections": (stored.get("corrections") or []) + [correction]}
    return Change(changed, events=[("roll_call_recorded", roll_call_event(stored | changed, correction=correction))])


# -- spot checks, discipline, training --------------------------------------------------------

def checked_at(data, now, rules, field):
    """When it happened: ``data[field]`` or now; not ahead of now, within ``recorded_within_days``."""
    moment = clock.parse_iso(data[field]) if data.get(field) else now
    if moment > now:
        raise BusinessRuleViolation("a record is made once it happened",
                                    [field_error(f"data.{field}", "is in the future")])
    days = rules["recorded_within_days"]
    plausible.recent(moment, now, days, f"data.{field}", f"a record is made within {counted(days, 'day')} of it",
                     rules["timezone"])
    return moment


def new_spot_check(doc_id, estate_id, day, data, assignments, moment, now, actor):
    manned, guard, finding = data["manned"], (data.get("guard") or "").strip(), (data.get("finding") or "").strip()
    if manned and not guard:
        raise BusinessRuleViolation("a post found manned names the guard on it",
                                    [field_error("data.guard", "is required when the post is manned")])
    if not manned and guard:  # a name checked against no roster, scored at a post no one held (review r3 of h3)
        raise BusinessRuleViolation("a post found unmanned has no guard found on it",
                                    [field_error("data.guard", "is only for a post found manned")])
    if not manned and not finding:
        raise BusinessRuleViolation("a post found unmanned says what was found",
                                    [field_error("data.finding", "is required when the post is unmanned")])
    on_post = [a["guard"] for a in assignments if roster.status(a) == roster.ACTIVE and a["post"] == data["post"]]
    return {"_id": doc_id, "estate_id": estate_id, "date": day, "period": day[:7], "shift": data["shift"],
            "post": data["post"], "manned": manned, "guard": guard or None, "rostered_guards": on_post,
            "off_roster": bool(manned and on_post and roster.guard_key(guard) not in map(roster.guard_key, on_post)),
            "finding": finding, "checked_at": clock.to_iso(moment), "checked_by": actor, "created_at": clock.to_iso(now)}


def spot_check_event(check):
    return {k: check[k] for k in ("date", "shift", "post", "manned", "guard", "rostered_guards", "checked_at")} | {
        "id": check["_id"]}


def refuse_guards_off_the_team(named, team_keys):
    """422 for each ``{field: name}`` no duty roster of the estate has named (the team: ``team_keys``)."""
    errors = [field_error(field, "is not a guard of this estate's duty roster")
              for field, name in named.items() if roster.guard_key(name) not in team_keys]
    if errors:
        raise BusinessRuleViolation("a record names guards of the estate's team", errors)


def new_discipline_record(doc_id, estate_id, data, moment, now, rules, actor):
    return {"_id": doc_id, "estate_id": estate_id, "guard": data["guard"].strip(),
            "guard_key": roster.guard_key(data["guard"]), "kind": data["kind"],
            "description": data["description"].strip(), "occurred_at": clock.to_iso(moment),
            "period": localtime.period_of(moment, rules), "spot_check_id": data.get("spot_check_id"),
            "recorded_by": actor, "created_at": clock.to_iso(now)}


def discipline_event(record):
    return {k: record[k] for k in ("guard", "kind", "occurred_at", "spot_check_id")} | {"id": record["_id"]}


def new_training(doc_id, estate_id, data, moment, now, rules, actor):
    attendees, seen = [], set()
    for name in data["attendees"]:
        if roster.guard_key(name) not in seen:
            seen.add(roster.guard_key(name))
            attendees.append(name.strip())
    return {"_id": doc_id, "estate_id": estate_id, "topic": data["topic"].strip(), "kind": data["kind"],
            "held_at": clock.to_iso(moment), "period": localtime.period_of(moment, rules),
            "minutes": data.get("minutes"), "trainer": (data.get("trainer") or actor or "").strip(),
            "attendees": attendees, "attendee_keys": sorted(seen), "recorded_by": actor, "created_at": clock.to_iso(now)}


def training_event(training):
    return {k: training[k] for k in ("topic", "kind", "held_at", "attendees")} | {"id": training["_id"]}


# -- scores and assessments -------------------------------------------------------------------

def _share(numerator, denominator):
    return None if not denominator else {"numerator": numerator, "denominator": denominator,
                                         "score": _round(Decimal(100) * numerator / denominator)}


def _round(value):
    return float(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def guard_components(key, facts, rules):
    """Each component of guard ``key``'s score in the period of ``facts`` (``{"roll_calls",
    "spot_checks", "discipline", "trainings"}``), or None where he has no record of it:
    attendance (shifts he came to, late or not, of those called), punctuality (on time of those he
    came to), posts manned (spot checks of his post that found it manned, of those of his post),
    discipline (100 less ``discipline_points_per_record`` a record, at least 0; None when he has no
    record at all in the period) and training (the sessions he attended of those held)."""
    called = [e for call in facts["roll_calls"] for e in call["entries"] if e["guard_key"] == key]
    came = [e for e in called if e["status"] != ABSENT]
    checks = [c for c in facts["spot_checks"]
              if key in map(roster.guard_key, c["rostered_guards"] or [c["guard"] or ""])]
    faults = [d for d in facts["discipline"] if d["guard_key"] == key]
    trainings = facts["trainings"]
    points = len(faults) * rules["discipline_points_per_record"]
    components = {
        "attendance": _share(len(came), len(called)),
        "punctuality": _share(sum(e["status"] == PRESENT for e in came), len(came)),
        "posts_manned": _share(sum(c["manned"] for c in checks), len(checks)),
        "discipline": {"records": len(faults), "points": points, "score": float(max(0, 100 - points))},
        "training": _share(sum(key in t["attendee_keys"] for t in trainings), len(trainings)),
    }
    if not faults and all(components[c] is None for c in ("attendance", "posts_manned", "training")):
        components["discipline"] = None  # no record of him at all: a clean sheet of no duty says nothing
    return components


def weighted(components, rules):
    """The score out of 100 of ``components``: the weighted mean of those with a score, by the
    estate's ``assessment_weight_*`` (None when no weighted component has one)."""
    weights = {c: rules[WEIGHT_SETTINGS[c]] for c in COMPONENTS if components[c] is not None}
    total = sum(weights.values())
    if not total:
        return None
    return _round(sum(Decimal(str(components[c]["score"])) * w for c, w in weights.items()) / total)


def scores(team, facts, rules):
    """Every guard of ``team`` (``{key: name}``) with his components and score in the period."""
    items = []
    for key, name in sorted(team.items()):
        components = guard_components(key, facts, rules)
        items.append({"guard": name, "components": components, "score": weighted(components, rules)})
    return items


def weights_of(rules):
    return {c: rules[WEIGHT_SETTINGS[c]] for c in COMPONENTS} | {
        "discipline_points_per_record": rules["discipline_points_per_record"]}


def new_assessment(doc_id, estate_id, guard, period, scored, data, now, rules, actor):
    return {"_id": doc_id, "estate_id": estate_id, "guard": guard, "guard_key": roster.guard_key(guard),
            "period": period, "components": scored["components"], "score": scored["score"],
            "weights": weights_of(rules), "comment": (data.get("comment") or "").strip(),
            "assessed_by": actor, "created_at": clock.to_iso(now)}


def refuse_a_second_assessment(stored):
    raise Conflict(f"{stored['guard']} was assessed for {stored['period']} already, by {stored['assessed_by']} "
                   f"at {stored['created_at']}", [field_error("data.guard", "is assessed for this period already")])


def assessment_event(assessment):
    return {k: assessment[k] for k in ("guard", "period", "score")} | {"id": assessment["_id"]}


def kpis(facts):
    """The team's KPIs of ``facts`` (a period's): ``attendance_rate`` and ``posts_found_manned``."""
    from estate_common.kpis import kpi
    called = [e for call in facts["roll_calls"] for e in call["entries"]]
    checks = facts["spot_checks"]
    return {
        "attendance_rate": kpi(sum(e["status"] != ABSENT for e in called), len(called), target=1,
                               note="guards who came to their shift, late or not / guards the roll calls called"),
        "posts_found_manned": kpi(sum(c["manned"] for c in checks), len(checks), target=1,
                                  note="spot checks finding the post manned / spot checks of the posts"),
    }
