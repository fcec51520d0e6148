"""Plausible dates: how far from today a date a person types may lie, one rule for every service.

A clerk's slip (year 1900, 2999: a form's blank year, a key held down) was taken and acted on: a
visitor's pass that never ended charged the visited household for good, a renovation to 2999
blocked the household's next application, a drill of 1900 counted in a KPI (found by a probe).
Each date a person gives is one of three kinds, each bounded here:

- **a record of what staff just did** (a shift handover, a fire drill, a vacant-unit inspection, an
  owner contact, a day's settlement): written up when it is done, or soon after, so at most
  ``recorded_within_days`` back (``recent``; a per-estate setting of each service that keeps such
  records, default ``RECORDED_WITHIN_DAYS``). Incidents have theirs in hours
  (security-patrol's ``incident_recorded_within_hours``), the precedent of this rule.
- **a fact of the estate's history** (an owner transfer, an occupant's first day, a status change,
  an installation, a takeover or handover): years old when an operator takes over an existing
  estate, so no window, only a floor (``historical``, ``FLOOR``).
- **a date to come** (an appointment, a plan's first due date, renovation works, a tool loan, a
  visitor's pass): at most a horizon ahead, its kind's (``ahead``; the number is the service's,
  a setting where DOMAIN.md gives none). A year something is for (a satisfaction survey, an
  archive check plan) is within a few years of this one (``year``).

"Not in the future" for records and facts stays each service's own check (its sentence names what
it records). Values are days (``YYYY-MM-DD`` text or ``date``, the estate's calendar) or moments
(ISO timestamps or aware ``datetime``); a value is compared with a reference of its own kind (a
day with the estate's today, a moment with now). Refusals are 422 naming the field; ``message``
is the caller's sentence (what the record is), the field's message is this module's.
"""
from datetime import date, datetime, timedelta

from . import calendar, clock
from .errors import BusinessRuleViolation, field_error
from .wording import counted

# The oldest day of an estate's history a record may name. The oldest housing a property-service
# center takes over today is the work-unit housing (单位公房) of the 1950s, sold to its tenants in the
# housing reform and managed since as old estates (老旧小区); commodity housing (商品房) itself began
# in 1980 (Shenzhen's 东湖丽苑) and property management in 1981. So every owner, occupant, status
# change, takeover or installation of a real estate falls after it, and 1900-01-01, a form's blank
# year, does not.
FLOOR = date(1950, 1, 1)

# The default of ``recorded_within_days``, the setting of each service keeping records of what its
# staff did (security-patrol, customer-service, archive, finance): two weeks, the longest public
# holiday (春节: nine days in 2026, 国庆: eight in 2025) a record may wait out before it is written
# up, with a few days' room (a week left a cashier's first holiday day unsettleable: review); an
# incident's 72 hours is for something a guard writes up the same shift or the next.
RECORDED_WITHIN_DAYS = 14
RECORDED_WITHIN_DAYS_MAX = 90  # a quarter: longer is no record of what was just done


def _point(value):
    """A ``date`` for a day, an aware ``datetime`` for a moment (text of either is read)."""
    if isinstance(value, str):
        return date.fromisoformat(value) if len(value) == 10 else clock.parse_iso(value)
    return value


def _day(value):
    point = _point(value)
    return point.date() if isinstance(point, datetime) else point


def recent(value, reference, days, field, message, timezone=None):
    """422 (``message``, ``field`` "is more than N days ago") for a record of what staff did dated
    more than ``days`` days before ``reference`` (the estate's today for a day, now for a moment).
    A moment counts by the estate's calendar days (``timezone``): 0 is the same day, not "no
    earlier than now", which refused every drill and contact (found by review). ``value`` None:
    nothing to check."""
    if value is None:
        return
    point, since = _point(value), _point(reference)
    if isinstance(point, datetime) and timezone:
        point, since = calendar.local_date(point, timezone), calendar.local_date(since, timezone)
    if point < since - timedelta(days=days):
        raise BusinessRuleViolation(message, [field_error(field, f"is more than {counted(days, 'day')} ago")])


def historical(value, field, message):
    """422 (``message``, ``field`` "is before 1950-01-01") for a fact of the estate's history dated
    before ``FLOOR``. ``value`` None (not known): nothing to check."""
    if value is None:
        return
    if _day(value) < FLOOR:
        raise BusinessRuleViolation(message, [field_error(field, f"is before {FLOOR.isoformat()}")])


def ahead(value, reference, days, field, message):
    """422 (``message``, ``field`` "is more than N days ahead") for a date to come more than
    ``days`` after ``reference`` (a day, or the moment, it is counted from). ``value`` None: nothing
    to check."""
    if value is None:
        return
    if _point(value) > _point(reference) + timedelta(days=days):
        raise BusinessRuleViolation(message, [field_error(field, f"is more than {counted(days, 'day')} ahead")])


def ending(value, now, days, field, message):
    """The end, as ISO, of what is lent or let in for at most ``days`` (a visitor's pass, a tool
    loan): ``value`` when it is within them (``ahead``: 422 beyond), the moment ``days`` on when
    none is given. Without one they never ended (found by a probe), and a 422 for a missing end
    broke API.md's call (review)."""
    if value is None:
        return clock.to_iso(now + timedelta(days=days))
    ahead(value, now, days, field, message)
    return clock.to_iso(_point(value))


def year(value, this_year, back, forward, field, message):
    """422 (``message``, ``field`` "is not between A and B", or "is after B" when ``back`` is None:
    no bound before) for a year (a survey's, a plan's) more than ``back`` years before ``this_year``
    (the estate's) or ``forward`` after it."""
    high = this_year + forward
    if back is None:
        if value > high:
            raise BusinessRuleViolation(message, [field_error(field, f"is after {high}")])
        return
    low = this_year - back
    if not low <= value <= high:
        raise BusinessRuleViolation(message, [field_error(field, f"is not between {low} and {high}")])

