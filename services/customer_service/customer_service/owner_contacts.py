"""The steward's monthly contact with each owner and the manager's visits to owners.

DOMAIN.md "Satisfaction survey": "the manager also visits 1–2 owners a year in person; the
steward contacts each owner once a month" (seeds 003: 定期探望业主, 保持每月与业主有效联系一次).

- A **contact** is logged per household: ``steward_contact`` (phone, visit or message) or
  ``manager_visit`` (in person: ``channel`` ``visit``, 422 otherwise; logged by a manager or the
  operator admin, 403 for others). Not in the future (422).
- The KPI ``owner_contact_rate`` 业主月度联系率: households with at least
  ``owner_contacts_per_month`` steward contacts in the estate's month ÷ the estate's households
  (target 100 %). ``manager_visits_year_to_date``: the manager's visits in the estate's year up
  to the end of the month ÷ the visits the year owes, ``manager_visits_per_year`` (in the estate's
  first year its share: ``estate_common.kpis.owed_a_year``; target 1: the year's visits made).

Plain functions: no broker, no store.
"""
import bisect
import re
from collections import Counter

from estate_common import calendar, clock, plausible, roles
from estate_common.errors import BusinessRuleViolation, Forbidden, field_error
from estate_common.kpis import kpi, year_to_date
from estate_common.wording import counted

MANAGERS = roles.MANAGEMENT


def new_contact(contact_id, estate_id, data, now, user, roles, rules):
    """A contact logged once it happened, at most ``recorded_within_days`` later (``estate_common.
    plausible``: one of 1900 was taken, a probe)."""
    kind = data["kind"]
    if kind == "manager_visit":
        if not MANAGERS & set(roles or ()):
            raise Forbidden("a manager's visit is logged by the manager")
        if data["channel"] != "visit":
            raise BusinessRuleViolation("the manager visits owners in person",
                                        [field_error("data.channel", "must be visit for a manager's visit")])
    stamp = clock.to_iso(now)
    contacted_at = clock.to_iso(clock.parse_iso(data["contacted_at"]))
    if contacted_at > stamp:
        raise BusinessRuleViolation("a contact is logged once it happened",
                                    [field_error("data.contacted_at", "is in the future")])
    days = rules["recorded_within_days"]
    plausible.recent(contacted_at, now, days, "data.contacted_at",
                     f"a contact is logged within {counted(days, 'day')} of it",
                     rules["timezone"])
    return {
        "_id": contact_id,
        "estate_id": estate_id,
        "household_id": data["household_id"],
        "kind": kind,
        "channel": data["channel"],
        "contacted_at": contacted_at,
        "summary": data["summary"].strip(),
        "by": user,
        "created_at": stamp,
        "created_by": user,
        # the request it was about (``check_request``): a call back on a low portal rating records it
        **({"request_id": data["request_id"]} if data.get("request_id") else {}),
    }


def check_request(data, request):
    """A contact about a request is with its household: another's is a 422 naming ``request_id``."""
    if request.get("household_id") != data["household_id"]:
        raise BusinessRuleViolation("the request is not of this household",
                                    [field_error("data.request_id", "is another household's request")])


def owner_contact_rate(steward_contacts, households, per_month, months, current_month):
    """``steward_contacts``: ``(household id, local month)`` of each of the period's steward
    contacts; ``months``: the period's months (one, or a quarter's or a year's); ``households``:
    ``{household id: the first month it has an owner to contact}`` (``owed_from``). A household
    counts when it had ``per_month`` contacts in each of the months it was owed them: the steward
    contacts every owner once a month (DOMAIN.md), so three calls in January do not make a
    quarter (they did).

    A month not over yet (``current_month`` and after) is not due: it does not count against a
    household (on 2 December, a quarter's figure was 0 for households contacted in October and
    November, found by review). While no month of the period is over, the figure is the progress
    so far: the households contacted already ÷ all of them, its note saying the month is not over.
    (It counted the contacted households alone, contacted ÷ contacted: 100 % with one household
    of two contacted; found by a domain probe.)

    A month before a household was registered, or before its owner took the unit over (交房),
    is not owed: an estate taken on in November read 0 % for its October and for its whole year,
    for good, and every household added later dragged its year down the same way."""
    counts = Counter(steward_contacts)
    due = [month for month in months if month < current_month]
    judged = due or [month for month in months if month == current_month]
    # the months owed by first month owed: a few of them, where each of 10,000 households was asked
    of_first = {first: owed_months(first, judged) for first in set(households.values())}
    owed = {household: months_owed for household, first in households.items() if (months_owed := of_first[first])}
    # a household never contacted in the period has too few (none) in each month it is owed them
    contacted = {household for household, _ in counts} if per_month > 0 else set(owed)
    met = [household for household, months_owed in owed.items()
           if household in contacted and contacted_enough(counts, household, months_owed, per_month)]
    each = "" if len(months) == 1 else " in each month"
    note = f"households with at least {per_month} steward contact(s){each} of the period / households"
    if due:
        later = " (months not over yet left out)" if current_month in months else ""
        return kpi(len(met), len(owed), target=1, note=note + later)
    return kpi(len(met), len(owed), target=1, note=note + ", contacted so far (the month is not over)")


def owed_months(first, months):
    """Of ``months``, those in which a household owed contacts from ``first`` (``owed_from``) is
    owed them: the KPI's and the due list's one rule."""
    return [month for month in months if first is None or month >= first]


def contacted_enough(counts, household, months, per_month):
    """Whether ``household`` had ``per_month`` steward contacts in each of ``months``; ``counts``:
    ``{(household id, local month): steward contacts}`` (``in_months``)."""
    return all(counts[(household, month)] >= per_month for month in months)


def in_months(steward_contacts, timezone):
    """``(household id, local month)`` of each ``(household id, contacted_at)``: a contact counts in
    the estate's month it was made in (03:00 on the 1st there is that month's, whatever UTC says)."""
    return [(household, calendar.period_of(clock.parse_iso(at), timezone)) for household, at in steward_contacts]


def in_months_within(steward_contacts, timezone, bounds):
    """``in_months`` of the contacts of a period (``bounds``, ``period_bounds``): a ``contacted_at``
    written as the store writes stamps (``STAMP``, as ``record`` keeps it) within the period is put
    in its month by the text of the months' bounds, not on the calendar (a big estate's month of
    3,000 contacts parsed and zoned was the contact rate's top entry: session 53, r3); any other
    is read as ``in_months`` reads it."""
    ends = [end for _, _, end in bounds]
    first = bounds[0][1]
    found = []
    for household, at in steward_contacts:
        if first <= at < ends[-1] and STAMP.fullmatch(at):
            found.append((household, bounds[bisect.bisect_right(ends, at)][0]))
        else:
            found.append((household, calendar.period_of(clock.parse_iso(at), timezone)))
    return found


def still_owed(households, steward_contacts, per_month, period, timezone, period_end=None):
    """The households (read copies, in their order) owed ``per_month`` steward contacts in the local
    month ``period`` that had fewer (``owner_contact_rate``'s rule, household by household: those
    the KPI counts as not contacted), each as ``(copy, its contacts in the period)``;
    ``steward_contacts``: ``(household id, contacted_at)`` of the period's. A household's status
    (vacant, occupied) changes nothing, as in the KPI. The current month's list is who is still to
    be contacted; a past month's, who fell short. ``period_end``: the first instant after the
    month (``calendar.month_bounds``), which lets ``owed_in`` judge a registration by its text."""
    # the period's contacts by household: a lookup each, where each household was asked of every
    # (household, month) pair (``contacted_enough`` of one month)
    counts = Counter(household for household, month in in_months(steward_contacts, timezone) if month == period)
    return [(household, counts[household["_id"]]) for household in households
            if counts[household["_id"]] < per_month and owed_in(household, period, timezone, period_end)]


# a stamp as ``clock.to_iso`` writes it (three digits of a second): such stamps compare as text
STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def owed_in(household, period, timezone, period_end=None):
    """Whether ``household`` (a read copy) is owed contacts in the local month ``period``:
    ``owed_months(owed_from(household), [period])``, without reading its registration on the
    calendar when it need not. Registered in ``period`` or before is registered before the month's
    end (``period_end``, written as ``clock.to_iso`` writes): for a stamp written so, a comparison
    of text (the due list asks it of every household of the estate: reading each stamp in the
    estate's zone was most of a list's time at 10,000 flats); any other stamp is read as
    ``owed_from`` reads it."""
    registered, handed_over = household.get("created_at"), household.get("occupied_from")
    if handed_over and handed_over[:7] > period:
        return False
    if not registered:
        return True
    if period_end is not None and STAMP.fullmatch(registered):
        return registered < period_end
    return calendar.period_of(clock.parse_iso(registered), timezone) <= period


def owed_from(household, timezone):
    """The first local month in which ``household`` (a read copy) has an owner to contact: the
    month it was registered, or its handover's (交房, ``occupied_from``) when later; None for a
    copy made before copies carried their registration, with no handover recorded (owed every
    month, as before)."""
    registered = household.get("created_at")
    months = [calendar.period_of(clock.parse_iso(registered), timezone)] if registered else []
    months += [household["occupied_from"][:7]] if household.get("occupied_from") else []
    return max(months) if months else None


def period_bounds(months, timezone):
    """``[(month, its first instant, the first after it)]`` of ``months`` (a period's, in order: a
    month, a quarter or a year), written as ``clock.to_iso`` writes (``calendar.month_bounds``)."""
    return [(month, *calendar.month_bounds(month, timezone)) for month in months]


def owed_from_within(household, timezone, bounds):
    """``owed_from`` as the months of a period (``bounds``, ``period_bounds``) judge it: the same
    months of it owed (``owed_months``), a registration written as the store writes its stamps
    (``STAMP``) read by the text of the months' bounds, not on the calendar: the contact rate asks it
    of every copy of the estate (10,000 parses and zones were 108 of a big estate's 500 ms of KPIs).
    Registered before the period, its first month is the period's (owed in each of them, as from
    any earlier month); after it, or written otherwise, read as ``owed_from`` reads it."""
    registered, handed_over = household.get("created_at"), household.get("occupied_from")
    if registered and STAMP.fullmatch(registered) and registered < bounds[-1][2]:
        # most copies were registered before the period: its first month, without a walk of its months
        first = bounds[0][0] if registered < bounds[0][2] else next(
            month for month, _, end in bounds if registered < end)
        return max(first, handed_over[:7]) if handed_over else first
    return owed_from(household, timezone)


# -- the steward contacts kept on each household's copy (the current month's due list) ----------

# a household's newest steward contacts kept on its copy (``_steward_contacts``): as many as a month
# may require now (``owner_contacts_per_month``'s maximum, 31), so the ``required``-th newest is among
# them. The copies hold this many, whatever the maximum: a month requiring more is counted from the
# households and its contacts (``kept_answers``), not read as owed by every copy
KEPT_CONTACTS = 31


def kept_answers(required):
    """Whether the kept contacts can tell who has fewer than ``required`` this month (at most as many
    as each copy keeps)."""
    return required <= KEPT_CONTACTS


def kept_entry(contact):
    """A steward contact as its household's copy keeps it: ``<contacted_at>|<id>``, which sorts by the
    moment (``clock.to_iso``'s, compared as text with a month's bounds) and is the contact's alone,
    so that putting it on twice changes nothing."""
    return f"{contact['contacted_at']}|{contact['_id']}"


def kept_with(kept, contact):
    """``kept`` (a copy's ``_steward_contacts``, newest first) with ``contact`` among them, the newest
    ``KEPT_CONTACTS``: the same list when it is there already (or older than all of them)."""
    return sorted(set(kept) | {kept_entry(contact)}, reverse=True)[:KEPT_CONTACTS]


def kept_since(kept, start):
    """How many of the ``kept`` contacts were made at ``start`` or later (the current month's, from its
    first instant: a contact is never logged ahead of its moment)."""
    return sum(1 for entry in kept or () if entry.partition("|")[0] >= start)


def kept_owed_query(required, start, end, next_month):
    """The copies (a query's conditions) owed contacts in the current month by the kept contacts:
    fewer than ``required`` since ``start`` (the ``required``-th newest is before it, or there are
    not so many: ``$not`` takes a missing one, and a copy never contacted), registered before the
    month's ``end`` (``owed_in``; one without a registration is owed), not handed over (交房) in a
    later month (``occupied_from`` from ``next_month`` on, its first day written ``YYYY-MM``)."""
    return {f"_steward_contacts.{required - 1}": {"$not": {"$gte": start}},
            "created_at": {"$not": {"$gte": end}},
            "occupied_from": {"$not": {"$gte": next_month}}}


def manager_visits_year_to_date(visits, yearly):
    """``yearly``: what the year owes (``estate_common.kpis.owed_a_year``)."""
    return year_to_date(visits, yearly, "manager's visits to owners")
