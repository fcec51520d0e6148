"""Security KPIs of one estate and month, each with its numerator and denominator.

- ``patrol_completion``: checkpoints checked on time ÷ checkpoints planned. Planned: every
  checkpoint of every plan slot in the month that should be over by now (slot + expected
  minutes + tolerance); a slot nobody walked counts all its checkpoints as not checked; of
  two rounds for one slot (walked before a slot had one round, ``patrols.nearest_slot``), the
  better counts. A slot starting in a patrol suspension (停巡, ``suspensions``: a typhoon night) is
  not planned, and counted in ``suspended_slots`` beside the figure (an operator comparing estates
  sees a month's rounds suspended, not a month walked well); one withdrawn is owed again. A round
  walked without a plan is not planned:
  it counted on both sides, every checkpoint on time (it has no due time), so each extra
  walk raised the figure while planned rounds went missing (found by review).
- ``fire_check_completion``: fire facilities checked in their cycle ÷ facilities owed a check
  (``fire_check_interval_months``; monthly by default: checked in the month ÷ facilities in the
  ledger, those registered before the month ended and not retired before then), summed over the
  cycles the period's months that have begun touch (``fire.kpi_cycles``): each cycle owes a
  check of the facilities in the ledger at the earlier of its end and the period's end, and
  counts the checks of its months up to the period's end (a quarter's check made in January
  counts for February; a quarter's figure owes each facility once). A month to come is no
  data, not 0 %.
- ``major_safety_incidents``: incidents marked major that happened in the month (``occurred_at``:
  one written up the morning after counts in its night's month; a count), and
  ``major_safety_incidents_per_1000_households`` the same per 1,000 households of the
  estate registered by the period's end (household copies; ``store.kpi_facts``).
- ``false_alarms`` (误报): the incidents that happened in the month closed as false alarms, a count; they
  are no incident of the KPIs above or below (a major one, an entrapment never released: found by h8).
- ``entrapment_release_timeliness`` (电梯困人解救): the elevator entrapments that happened in the period
  whose passengers were out within their release target (``entrapment_release_target_minutes``, 30,
  kept on each when it opened) ÷ those released or past their target (one not released yet within it is
  waiting, not counted; ``incidents.release_timeliness``).
- ``fire_drills_year_to_date`` (消防演练): the fire drills held in the period's local year up to its
  end ÷ the drills the year owes: ``fire_drills_per_year`` (DOMAIN.md "drills organised"), in the
  estate's first year its share from its registration (``estate_common.kpis.owed_a_year``): met once
  reached, missed once the year is over; "no data" for a period that ended before the estate was
  registered (``OBLIGATIONS``).
- ``gate_entries`` and ``gate_exits`` (门岗): the cars let in in the period, and the stays that ended in
  it as the month's parking totals count them (``gate.month_totals``: closed without fee too); counts.
- ``gate_fees_paid_by_qr``: of the temporary fees taken at the gate in the period (a visitor's overstay
  too), those paid by 扫码 or card, the bank journal's, not the guards' cash ÷ all of them (no fee
  taken: no data). The security KPIs said nothing of the gate (the gate's leftovers, found by h3;
  built by r3).

Plain functions: no broker, no store.
"""
from datetime import timedelta

from estate_common import calendar, clock
from estate_common.kpis import kpi, owed_a_year, year_to_date

from . import gate, incidents, localtime, patrols, suspensions


def counted_slots(plan, start, end, now, rules, suspended=(), left_out=None):
    """The slots of ``plan`` in [start, end) that are over by ``now`` and not older than the plan;
    a slot starting in one of the ``suspended`` windows covering its route (停巡, ``suspensions``) is owed by no one
    (and appended to ``left_out``, a list, when given)."""
    created = clock.parse_iso(plan["created_at"])
    spans = suspensions.windows(suspended)
    over_after = patrols.over_after(plan, rules)
    # from two days before: a night plan's slots may lie up to two days after its day (plan_slots)
    day, last = localtime.local_date(start, rules) - timedelta(days=2), localtime.local_date(end, rules)
    slots = []
    while day <= last:
        for slot in patrols.plan_slots(plan, day, rules):
            if start <= slot < end and slot >= created and slot + over_after <= now:
                if not suspensions.within(slot, spans, plan["route_id"]):
                    slots.append(slot)
                elif left_out is not None:
                    left_out.append(slot)
        day += timedelta(days=1)
    return slots


def patrol_completion(plans, routes, rounds, start, end, now, rules, suspended=(), left_out=None):
    """``(checked on time, planned)`` checkpoints of the plans' slots in the window, those of the
    ``suspended`` windows left out on both sides (and appended to ``left_out``, a list, when given)."""
    best = {}
    for round_ in rounds:
        if round_["plan_id"]:
            key = (round_["plan_id"], round_["scheduled_start"])
            best[key] = max(best.get(key, 0), patrols.summary(round_)[0]["on_time"])
    on_time = planned = 0
    for plan in plans:
        size = len(routes[plan["route_id"]]["checkpoints"])
        for slot in counted_slots(plan, start, end, now, rules, suspended, left_out):
            planned += size
            on_time += best.get((plan["_id"], clock.to_iso(slot)), 0)
    return on_time, planned


# What an estate owes a year: "no data" for a period that ended before it was registered
# (estate_common.kpis.before_the_estate)
OBLIGATIONS = ("fire_drills_year_to_date",)


def fire_drills_year_to_date(drills, yearly):
    """消防演练 "drills organised" (DOMAIN.md): the year's drills so far against what the year owes
    (``yearly``: ``owed_a_year`` of the estate's number a year). Drills were recorded when held, and
    nothing said an estate had held none this year (a domain-gap audit)."""
    return year_to_date(drills, yearly, "fire drills held")


def fire_check_note(interval_months):
    """What fire-check completion counts: by month (the default), or by the estate's cycle."""
    if interval_months == 1:
        return "fire facilities checked in their month / fire facilities (summed over the period's months)"
    return (f"fire facilities checked in their {interval_months}-month cycle so far / fire facilities "
            "(summed over the cycles the period touches)")


def for_estate(facts, start, end, now, rules, since=None):
    """The KPI block of one estate from ``facts`` (see ``store.kpi_facts``); ``since``: the estate's
    registration (its copy's ``created_at``), from which its first year owes its drills."""
    suspended = []  # the slots a patrol suspension (停巡) took out: an operator comparing estates sees them
    patrol = patrol_completion(facts["plans"], facts["routes"], facts["rounds"], start, end, now, rules,
                               facts.get("suspensions", ()), suspended)
    major = facts["major_incidents"]
    return {
        "patrol_completion": kpi(*patrol, "ratio", target=1,
                                 note="checkpoints checked on time / checkpoints planned") | {
            "suspended_slots": len(suspended)},
        "fire_check_completion": kpi(facts["fire_checked"], facts["fire_ledger"], "ratio", target=1,
                                     note=fire_check_note(rules["fire_check_interval_months"])),
        "major_safety_incidents": kpi(major, 1, "count", target=0,
                                      note="incidents marked major that happened in the period"),
        "major_safety_incidents_per_1000_households": kpi(
            major, facts["households"], "per_1000_households", scale=1000,
            note="value = major incidents / households x 1000"),
        "false_alarms": kpi(facts.get("false_alarms", 0), 1, "count",
                            note="incidents closed as false alarms that happened in the period, counted apart"),
        "entrapment_release_timeliness": kpi(
            *incidents.release_timeliness(facts.get("entrapments", ()), now,
                                          rules["entrapment_release_target_minutes"]), "ratio", target=1,
            note="elevator entrapments whose passengers were out within the release target / entrapments "
                 "released or past their target"),
        "fire_drills_year_to_date": fire_drills_year_to_date(facts["fire_drills_this_year"], owed_a_year(
            rules["fire_drills_per_year"], _year_of_end(end, rules), since, rules["timezone"])),
        **gate_kpis(facts.get("stays_entered", 0), facts.get("stays_ended", ())),
    }


def gate_kpis(entered, ended):
    """The gate's KPIs: ``entered`` cars let in, the stays ``ended`` (``gate.month_totals``), and
    the share of the fees taken at the gate paid other than in cash."""
    totals = gate.month_totals(ended)
    by_qr = sum(line["count"] for method, line in totals["collected_by_method"].items() if method != "cash")
    return {
        "gate_entries": kpi(entered, 1, "count", note="cars let in at the gate in the period"),
        "gate_exits": kpi(totals["closed"], 1, "count",
                          note="parking stays ended in the period (a manager's closing without fee too)"),
        "gate_fees_paid_by_qr": kpi(by_qr, totals["collected"]["count"], "ratio",
                                    note="temporary fees taken at the gate paid by QR code or card / "
                                         "temporary fees taken at the gate"),
    }


def _year_of_end(end, rules):
    """The local year of the period's last instant (``end``, exclusive): its own of a month, quarter or
    year; an ISO week's, its Sunday's (``calendar.period_year``), as the drills of the year are counted
    from that year's start (``operations.kpis``)."""
    return calendar.local(end - timedelta(microseconds=1), rules["timezone"]).year
