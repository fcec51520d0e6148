"""投诉分析: the quarterly and yearly analysis of complaints (``GET …/reports/complaints?period=``).

A period is the estate's local month, quarter or year (``estate_common.calendar``); a complaint
belongs to the period it was registered in. Counted:

- by category: the complaint's ``nature`` (投诉性质, given at registration; ``unrecorded`` when
  it was registered without one, which the desk and the portal may do: it read as "other",
  and the manager's analysis showed complaints of a nature nobody chose: a probe of the
  manager's work);
- by cause: the ``cause`` the investigation found (recorded with the verification, which may
  leave it out; ``unrecorded`` until a verification names one);
- timeliness against the reply deadline (``due_at``: ``complaint_reply_days`` after
  registration): ``on_time`` replied by it, ``late`` replied after it, ``open`` not replied yet
  (of which ``open_overdue`` are past it at the time of the report);
- by department: the ``department`` the investigation named the complaint about (责任部门: the
  seeds' 客服部, 工程管理部, 秩序维护部, 财务部…; recorded with the verification, ``unrecorded`` until
  one names it): the analysis was by cause and building, and said nothing of which department the
  complaints were about (a probe of a complaint's quarter, h2);
- by building: the building of the complaint's household (this service's copy of it;
  ``unrecorded`` for a portal complaint not matched to a household yet), and each recurring cause
  names the buildings its complaints came from and the complaints themselves (id and number), so
  a leak complained of three times in one building reads as such and its plan can name where and
  which: the analysis said neither (a probe of the manager's quarter);
- ``withdrawn``: those the owner withdrew (撤诉, ``complaints.withdraw``); in timeliness, one withdrawn
  before a reply was due and with none given owes none (``withdrawn``);
- ``reopened``: those reopened (复诉) at least once, the owner not satisfied with the reply or the
  result (``complaints.reopen``): each still one complaint of its period, its timeliness late when
  any of its replies was;
- repeat complainants: households with at least ``repeat_complainant_complaints`` (2) complaints
  in the period, most first. A household, not a name: the complainant's name is personal data.
  A portal complaint not matched to a household yet names none: it is nobody's repeat (two
  owners filing on the portal were one "household null" that complained twice, a 500 once
  such a count tied with a real household's).

A period that is over is judged by the thresholds in force when it ended (the repeat complainants',
the recurring causes'): the estate's settings keep their history (``estate_common.settings``: each
change with when it took effect) and ``estate_common.kpis.rules_of_period`` reads them as of the
period's end, as the KPIs do; a period under way by today's. Chosen over a snapshot taken when the
period closes: the history is already written with every change, and nothing has to run at a
period's close for the figures to be right (today's reshaped past quarters: found by h6).

The result of a complaint the desk handled itself (never escalated) is reported to the manager
(DOMAIN.md: "result reported back to the owner and the manager") by ``results``: the manager's
list of those closed in a period (``GET …/reports/complaint-results?period=``). An escalated
complaint is not on it: the manager answered and closed it.
"""
from collections import Counter

from estate_common.errors import Forbidden
from estate_common.roles import COMPLAINT_DEPARTMENT_OF_ROLE
from estate_common.store import public

from .complaints import rounds as reply_rounds
from .complaints import times_reopened
from .domain import MANAGER_ROLES
from .rules import recurring_cause_threshold

UNRECORDED = "unrecorded"


def timeliness(complaint):
    """``open`` while its reply is owed (a reopened complaint's new one too), ``late`` when a reply of
    any of its rounds came after its deadline (``complaints.rounds``), else ``on_time``; ``withdrawn``
    when the owner withdrew it before any reply was due (撤诉: no deadline left to count), and
    ``late`` when he withdrew it past its deadline unreplied."""
    rounds = reply_rounds(complaint)
    if not rounds:
        return "withdrawn"
    if not rounds[-1][1]:
        return "late" if complaint.get("withdrawn") else "open"
    return "late" if any(replied > deadline for deadline, replied in rounds) else "on_time"


def closed_not_judged(complaints):
    """Closed without the desk's judgement whether they were justified (``valid``, optional on
    the reply and the close): the valid-complaint rate counts them as not valid."""
    return sum(1 for c in complaints if c.get("closed_at") and c.get("valid") is None)


def recorded(complaint, name):
    """What the complaint's record says of ``name`` (its ``nature``, ``cause``, ``department``),
    ``unrecorded`` when it says nothing: the analysis' rows, and the department a reader asks for."""
    return (complaint["complaint"] or {}).get(name) or UNRECORDED


def building_of(complaint, buildings):
    """The building of the complaint's household (``buildings``: ``{household id: building}``),
    ``unrecorded`` when it names none or its copy has not come."""
    return buildings.get(complaint.get("household_id")) or UNRECORDED


def recurring_causes(complaints, plans, threshold, buildings=None):
    """The causes found behind at least ``threshold`` of ``complaints``, most first, each with the
    rectification plans that name it (``plans``: the estate's plans naming any cause, open or of
    the period): a recurring cause with none is the analysis's finding still unanswered. The
    analysis counted causes but nothing said which recurred or whether a plan answered it (found by
    a domain audit). Each names where its complaints came from (``buildings``: ``{household id:
    building}``) and which they are, in the order they were registered."""
    buildings = buildings or {}
    counted = Counter((c["complaint"] or {}).get("cause") for c in complaints)
    recurring = sorted(((cause, n) for cause, n in counted.items() if cause and n >= threshold),
                       key=lambda cn: (-cn[1], cn[0]))
    of = {}  # each cause's complaints, in the order they were registered
    for c in sorted(complaints, key=lambda c: (c["created_at"], c["_id"])):
        of.setdefault((c["complaint"] or {}).get("cause"), []).append(c)
    return {"threshold": threshold,
            "causes": [{"cause": cause, "complaints": n,
                        "plan_ids": sorted(p["_id"] for p in plans if cause in (p.get("causes") or ())),
                        "buildings": dict(Counter(building_of(c, buildings) for c in of[cause])),
                        "requests": [{"id": c["_id"], "number": c["number"]} for c in of[cause]]}
                       for cause, n in recurring]}


def report(period, complaints, rules, now, plans=(), buildings=None):
    """``complaints``: the estate's complaints registered in the period (store.complaints_between);
    ``plans``: its rectification plans naming a cause, open or of the period; ``buildings``: the
    building of each of their households (store.household_buildings)."""
    buildings = buildings or {}
    judged = [timeliness(c) for c in complaints]
    timely = Counter(judged)
    by_household = Counter(c["household_id"] for c in complaints if c.get("household_id"))
    threshold = rules["repeat_complainant_complaints"]
    repeat = sorted(((h, n) for h, n in by_household.items() if n >= threshold), key=lambda hn: (-hn[1], hn[0]))
    return {
        "period": period,
        "complaints": len(complaints),
        "by_category": dict(Counter(recorded(c, "nature") for c in complaints)),
        "by_cause": dict(Counter(recorded(c, "cause") for c in complaints)),
        "by_department": dict(Counter(recorded(c, "department") for c in complaints)),
        "by_building": dict(Counter(building_of(c, buildings) for c in complaints)),
        "timeliness": {
            "on_time": timely["on_time"], "late": timely["late"], "open": timely["open"],
            "open_overdue": sum(1 for c, judgement in zip(complaints, judged) if judgement == "open" and c["due_at"] < now),
            "withdrawn": timely["withdrawn"],
        },
        "valid": sum(1 for c in complaints if c.get("valid")),
        "not_judged": closed_not_judged(complaints),
        "escalated": sum(1 for c in complaints if (c["complaint"] or {}).get("escalated")),
        "withdrawn": sum(1 for c in complaints if c.get("withdrawn")),
        "reopened": sum(1 for c in complaints if times_reopened(c)),
        "repeat_complainants": {
            "threshold": threshold,
            "households": [{"household_id": h, "complaints": n} for h, n in repeat],
        },
        # the threshold of the period's kind (a month's, a quarter's, a year's: h5 of session 55)
        "recurring_causes": recurring_causes(complaints, plans, recurring_cause_threshold(rules, period), buildings),
    }


RESULT_FIELDS = ("id", "number", "household_id", "created_at", "closed_at", "outcome", "valid", "satisfaction")


def department_read_by(roles, asked):
    """The department whose complaint results ``roles`` read when ``asked`` for one (None: any):
    management any it asks; a department's own reader (the security supervisor,
    ``roles.COMPLAINT_DEPARTMENT_OF_ROLE``) his own, asked or not, and another is a 403; anyone else
    none (403). The results named the department (h2) and no department's head could read those about
    his staff (found by review r2 of h2)."""
    if set(roles) & MANAGER_ROLES:
        return asked
    own = {COMPLAINT_DEPARTMENT_OF_ROLE[role] for role in roles if role in COMPLAINT_DEPARTMENT_OF_ROLE}
    if not own:
        raise Forbidden("only a manager or the operator admin may do this")
    if asked is None and len(own) == 1:
        return next(iter(own))
    if asked not in own:
        raise Forbidden("the complaints about another department are the manager's to read")
    return asked


def results(period, closed):
    """``closed``: the estate's never-escalated complaints closed in the period
    (store.unescalated_complaints_closed_between), in closing order."""
    items = []
    for request in closed:
        shown = public(request)
        record = request["complaint"] or {}
        closer = next((h["by"] for h in reversed(request["history"]) if h["action"] in ("closed", "withdrawn")), None)
        items.append({**{name: shown.get(name) for name in RESULT_FIELDS}, "nature": record.get("nature"),
                      "cause": record.get("cause"), "department": record.get("department"), "finding": record.get("finding"), "closed_by": closer,
                      "reopen_count": times_reopened(request),
                      "withdrawn": bool(request.get("withdrawn"))})  # 复诉: closed again after a reopening
    return {"period": period, "items": items}
