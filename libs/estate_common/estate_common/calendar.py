"""The estate's calendar: its local days and months, from the IANA timezone of the estate.

Stored timestamps are UTC (``clock``); what a person in the estate calls "today", "this
month" or "the end of the day" is the estate's local calendar. The timezone is master
data of the estate (archive owns it; the other services read it from their copy of the
estate) and may observe daylight saving time, so a local day is not always 24 hours and
a month's bounds are computed from local midnights, never from a fixed offset.

Plain functions: a timezone is given by its IANA name ("Asia/Shanghai") and every
instant in or out is an aware ``datetime`` (results in UTC).
"""
import re
from calendar import monthrange
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import clock
from .errors import InvalidInput, field_error

# The estates of the source documents are in China (UTC+8, no daylight saving time).
DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=256)
def _zone(name):
    return ZoneInfo(name)


def zone(name):
    """The ``ZoneInfo`` of an IANA name; ``ValueError`` for a name that is not one."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"not an IANA timezone: {name!r}")
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(f"not an IANA timezone: {name!r}") from error


def checked_timezone(name, field="data.timezone"):
    """``name`` if it is a known IANA timezone, else a 400 problem naming ``field``."""
    try:
        zone(name)
    except ValueError:
        raise InvalidInput("the timezone is not known",
                           [field_error(field, "must be an IANA timezone name, e.g. Asia/Shanghai")]) from None
    return name


def timezone_of(estate):
    """The timezone of an estate document (archive's, or a service's read copy).

    A service may be asked about an estate before archive's ``estate_created`` event
    has reached its copy (or the copy predates timezones): it falls back to Asia/Shanghai,
    the default every estate is created with, rather than failing the request."""
    return (estate or {}).get("timezone") or DEFAULT_TIMEZONE


# -- instants -> local calendar -------------------------------------------------------

def local(moment, tz):
    """``moment`` on the estate's wall clock (an aware datetime in its zone)."""
    return moment.astimezone(zone(tz))


def local_date(moment, tz):
    return local(moment, tz).date()


def day_of(moment, tz):
    """The local day ``YYYY-MM-DD`` that ``moment`` falls in."""
    return local_date(moment, tz).isoformat()


def period_of(moment, tz):
    """The local month ``YYYY-MM`` that ``moment`` falls in. Formatted field by field, as
    ``clock.to_iso`` is: a quarter of strftime's time (0.8 against 3.0 µs), where the KPIs and the owners' due list ask
    it once per household and contact (15,000 times for an estate of 10,000 flats)."""
    moment = local(moment, tz)
    return f"{moment.year:04d}-{moment.month:02d}"


# -- local calendar -> instants (UTC) ---------------------------------------------------

def at_local(day, hh_mm, tz):
    """The UTC instant of the wall-clock time ``hh_mm`` ("22:00") on the local ``day`` (a date or
    ``YYYY-MM-DD``). A time that the clock skips (spring forward) is read with the offset
    before the change, i.e. as that much later after the change; a time that occurs twice
    (fall back) is its first occurrence."""
    return _utc(_wall_clock(day, hh_mm, tz))


def _wall_clock(day, hh_mm, tz):
    """``hh_mm`` on the local ``day`` as an aware datetime in the zone ``tz``."""
    hours, minutes = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(_date(day), time(hours, minutes), zone(tz))


def wall_clock_series(day, hh_mm, step, count, tz):
    """The UTC instants of ``count`` wall-clock times ``step`` apart from ``hh_mm`` on the local
    ``day``: what a printed schedule says (22:00, 23:00, ... 03:00 is 03:00 on the night the clocks
    go back, not 02:00 a second time). A time the clock skips is read as ``at_local`` reads it;
    one it would then give twice is given once."""
    first = _wall_clock(day, hh_mm, tz)
    series = []
    for k in range(count):
        instant = _utc(first + step * k)  # aware + timedelta: wall-clock arithmetic in the zone
        if instant not in series:
            series.append(instant)
    return series


def day_start(day, tz):
    """The first instant (UTC) of the local ``day`` (a date or ``YYYY-MM-DD``)."""
    return _utc(datetime.combine(_date(day), time(0), zone(tz)))


def days_later(moment, days, tz):
    """``moment`` ``days`` local days later: the same wall-clock time on the estate's calendar (a
    7-day reply due at 10:00 stays due at 10:00 across a DST change, not at 11:00 or 09:00).
    Python adds a timedelta to an aware datetime on its wall clock; the offset is then the new
    day's."""
    return _utc(local(moment, tz) + timedelta(days=days))


def day_end(moment, tz, days=1):
    """The first instant (UTC) after the local day of ``moment``; ``days`` = 2: after the next
    day, and so on. Local midnights, so a day of 23 or 25 hours (DST) is counted as one day."""
    return day_start(local_date(moment, tz) + timedelta(days=days), tz)


def month_start(period, tz):
    """The first instant (UTC) of the local month ``YYYY-MM``; a month the calendar cannot
    reach (year 0, or one whose bounds fall outside years 1-9999 in UTC) is a 400 naming
    ``period``, not a server error."""
    year, month = parse_period(period)
    try:
        return day_start(date(year, month, 1), tz)
    except (ValueError, OverflowError):
        raise InvalidInput("the period is outside the calendar",
                           [field_error("period", "is a month the calendar cannot reach")]) from None


def month_end(period, tz):
    """The first instant (UTC) after the local month ``YYYY-MM``."""
    return month_start(add_months(period, 1), tz)


@lru_cache(maxsize=4096)
def month_window(period, tz):
    """``(start, end)`` UTC datetimes of the local month: ``[start, end)``. Kept (a pure function
    of its arguments, its answer immutable): a year's KPIs at 1,000 estates asked it 12,000 times,
    a third of the security service's time (found by profiling)."""
    return month_start(period, tz), month_end(period, tz)


def month_bounds(period, tz):
    """``[start, end)`` of the local month as ISO strings (they sort as text, so they serve as
    range bounds in queries)."""
    start, end = month_window(period, tz)
    return clock.to_iso(start), clock.to_iso(end)


def year_start(year, tz):
    """The first instant (UTC) of the local calendar year."""
    return day_start(date(int(year), 1, 1), tz)


# -- report periods: a month YYYY-MM, a quarter YYYY-Qn, a year YYYY; a KPI's also an ISO week YYYY-Www --

def is_week(period):
    """Whether ``period`` is an ISO week ``YYYY-Www`` (a KPI period: ``period_window``)."""
    return "-W" in period


def week_monday(period, field="period"):
    """The Monday of the ISO week ``YYYY-Www`` (ISO week-years: 2027-W01 starts 2027-01-04, 2026-W53
    ends 2027-01-03, 2020-W53 ends 2021-01-03); a week its year has not (2027-W53: 2027 has 52) or
    one the calendar cannot reach is a 400 naming ``field``, which the contracts' pattern lets
    through. The one reading of a week: the KPIs', the desk's and the security office's weeks."""
    try:
        return date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
    except ValueError:
        raise InvalidInput(f"{field} is not a week of its year",
                           [field_error(field, f"{period} is not an ISO week of {period[:4]}, which has "
                                               f"{weeks_in_year(int(period[:4]))} weeks")]) from None


def weeks_in_year(year):
    """How many ISO weeks the ISO week-year ``year`` has (52 or 53)."""
    return date(year, 12, 28).isocalendar()[1]


def period_months(period):
    """The first month (``YYYY-MM``) of a month, quarter (``2026-Q4``) or year (``2026``) and how
    many months it has. The text is checked by the contracts; a wrong one is ``ValueError``, and so
    is a week (``YYYY-Www``): it is no run of months, and a KPI counted by the month says so of a
    week (``estate_common.kpis.by_the_month``) rather than read the months it touches."""
    if is_week(period):
        raise ValueError(f"a week is not a run of months: {period!r}")
    if "-Q" in period:
        year, quarter = (int(part) for part in period.split("-Q"))
        if not 1 <= quarter <= 4:
            raise ValueError(f"not a quarter: {period!r}")
        return f"{year:04d}-{(quarter - 1) * 3 + 1:02d}", 3
    if "-" in period:
        parse_period(period)
        return period, 1
    return f"{int(period):04d}-01", 12


def months_of(period):
    """The months (``YYYY-MM``) of a month, quarter or year, in order (a week: ``ValueError``)."""
    first, months = period_months(period)
    return [add_months(first, n) for n in range(months)]


def last_month(period):
    """The last month (``YYYY-MM``) of a month, quarter or year (``months_of``), or of an ISO week
    ``YYYY-Www`` (its Sunday's: ``2016-W09``, 29 February to 6 March, ends in 2016-03); a week its
    year has not is a 400 (``week_monday``)."""
    if is_week(period):
        sunday = week_monday(period) + timedelta(days=6)
        return f"{sunday.year:04d}-{sunday.month:02d}"
    return months_of(period)[-1]


def week_share_of_month(period):
    """``(7, days)``: an ISO week's days and those of its month, the month of its Thursday (ISO 8601's
    rule for a week's year, kept for its month: the month holding four or more of its days). A
    month's target of a count that grows with the days (the valid-complaint rate's) judges a week
    by its share of it; None for any other period."""
    if not is_week(period):
        return None
    thursday = week_monday(period) + timedelta(days=3)
    following = date(thursday.year + thursday.month // 12, thursday.month % 12 + 1, 1)
    return 7, (following - thursday.replace(day=1)).days


def period_year(period):
    """The calendar year (``YYYY``) a period's year-to-date figures count in: the year of its last
    month (``last_month``). A month's, quarter's or year's own; a week's, the year of its Sunday:
    2026-W53 (28 December 2026 to 3 January 2027) counts 2027 so far, where the ISO year's digits
    would have counted 2026's surveys and visits with those of 1-3 January 2027 against 2026."""
    return last_month(period)[:4]


def period_window(period, tz):
    """``(start, end)`` UTC datetimes of the local month, quarter, year or ISO week (Monday 00:00 to
    the next Monday 00:00 on the estate's calendar, as a month is its local midnights): ``[start,
    end)``. The one place a KPI period becomes its bounds."""
    if is_week(period):
        monday = week_monday(period)
        try:
            return day_start(monday, tz), day_start(monday + timedelta(days=7), tz)
        except (ValueError, OverflowError):
            raise InvalidInput("the period is outside the calendar",
                               [field_error("period", "is a week the calendar cannot reach")]) from None
    first, months = period_months(period)
    return month_start(first, tz), month_start(add_months(first, months), tz)


def period_bounds(period, tz):
    """``[start, end)`` of the local month, quarter, year or ISO week as ISO strings."""
    start, end = period_window(period, tz)
    return clock.to_iso(start), clock.to_iso(end)


# -- periods (YYYY-MM) as text -----------------------------------------------------------

def parse_period(period):
    year, month = (int(part) for part in period.split("-"))
    return year, month


def add_months(period, months):
    year, month = parse_period(period)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_after(day, months):
    """The day (a ``date``) ``months`` later: the same day of the month, or that month's last day when it
    has no such day (the 31st, a month later, is February's 28th or 29th: the month-end rule of a
    contract's or a cycle's periods; never days into the month after)."""
    year, month = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def months_between(first, second):
    """How many months ``second`` is after ``first``."""
    (y1, m1), (y2, m2) = parse_period(first), parse_period(second)
    return (y2 - y1) * 12 + (m2 - m1)


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def checked_day(text, field):
    """The ``date`` of a YYYY-MM-DD that names a day of the calendar; 400 naming ``field`` for
    one the contracts' pattern lets through but the calendar has not (2026-02-30)."""
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput(f"{field} is not a day of the calendar", [field_error(field, "is not a day of the calendar")])


def filter_bound(text, field, tz, after=False):
    """A list filter's ``from`` or ``to`` as a stored timestamp (ISO text). A day (YYYY-MM-DD) is
    the estate's local day, as every period is: its first instant, or with ``after`` the first
    instant after it (a ``to`` day takes in the whole day, so it bounds from above exclusively).
    A timestamp is itself. 400 naming ``field`` for text that is neither."""
    if len(text) == 10:
        day = checked_day(text, field)
        try:
            return clock.to_iso(day_start(day + timedelta(days=1) if after else day, tz))
        except (ValueError, OverflowError):  # 0001-01-01 in a zone east of UTC, 9999-12-31's day after
            raise InvalidInput(f"{field} is outside the calendar",
                               [field_error(field, "is a day the calendar cannot reach")]) from None
    try:
        return clock.to_iso(clock.parse_iso(text))
    except ValueError:
        raise InvalidInput(f"{field} is not a time", [field_error(field, "is not a valid date or time")]) from None


def filter_window(filters, tz):
    """A list's ``from`` and ``to`` filters as stored timestamps: ``(lower, upper, upper_inclusive)``,
    each bound None when not given. ``from`` is inclusive; a ``to`` day bounds exclusively at the
    first instant after it (``filter_bound``), a ``to`` moment inclusively. A ``to`` before the
    ``from`` is a 400, as ``GET …/archive/verify`` answers it (the lists answered an empty page;
    found by a bad-input probe)."""
    lower = filter_bound(filters["from"], "filters.from", tz) if "from" in filters else None
    upper = filter_bound(filters["to"], "filters.to", tz, after=True) if "to" in filters else None
    inclusive = "to" in filters and len(filters["to"]) != 10
    if lower is not None and upper is not None and (upper < lower or (upper == lower and not inclusive)):
        raise InvalidInput("to is before from", [field_error("filters.to", "must not be below from")])
    return lower, upper, inclusive


def filter_range(filters, tz):
    """``filter_window`` as the condition a list puts on the stored timestamp it is bounded by
    (``{"$gte": lower, "$lt"|"$lte": upper}``, each bound when given), or None when neither
    ``from`` nor ``to`` is: one place for the lists of requests, rounds, borrowings, changes and
    equipment records."""
    lower, upper, inclusive = filter_window(filters, tz)
    window = ({"$gte": lower} if lower is not None else {}) | (
        {"$lte" if inclusive else "$lt": upper} if upper is not None else {})
    return window or None


# the years the contracts' own days take (openapi.yaml ``Day``: 1900 to 2999)
CONTRACT_YEARS = (1900, 2999)


def checked_contract_day(text, field):
    """``checked_day``, and a 400 naming ``field`` for a day of a year the contracts' ``Day`` does not take:
    an answer naming it broke its contract, a 500 (found by r2 reviewing h2: a handover's as_of 9999-12-31)."""
    day = checked_day(text, field)
    if not CONTRACT_YEARS[0] <= day.year <= CONTRACT_YEARS[1]:
        raise InvalidInput(f"{field} is outside the years {CONTRACT_YEARS[0]} to {CONTRACT_YEARS[1]}",
                           [field_error(field, f"is a day from {CONTRACT_YEARS[0]} to {CONTRACT_YEARS[1]}")])
    return day


def checked_day_text(text, field):
    """A YYYY-MM-DD as it is kept (``text`` itself), once ``checked_day`` found it a day of the
    calendar."""
    return checked_day(text, field).isoformat()


def next_day(day):
    return (_date(day) + timedelta(days=1)).isoformat()


def _date(day):
    return date.fromisoformat(day) if isinstance(day, str) else day


def _utc(moment):
    return moment.astimezone(timezone.utc)
