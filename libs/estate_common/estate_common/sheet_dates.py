"""Days and months as Chinese spreadsheets write them, read from an imported file's cells (the
takeover's imports: the equipment register's installed_on, 设备台账导入; the opening balances' month,
期初欠费). A register typed in Excel or WPS holds 2019/5/1, 2019-5-1, 2019年5月1日 or 2019.5.1 (a date
cell saved as CSV, at times with its midnight, 2019/5/1 0:00), and an arrears list dates a month's
line by its month (2026/8, 2026年8月) or by a day of it (2026/8/1): the imports took YYYY-MM-DD and
a month's forms only, and refused these (session 51's leftovers).

``day`` and ``month`` give the text as the API keeps it (YYYY-MM-DD, YYYY-MM), or None for anything
else (the import refuses the cell by its line, field and reason). A day must be one of the calendar
(2019/2/30 is none); a day's separators are one kind throughout (2019-5/1 is none); the year comes
first, four digits (5/1/2019 is ambiguous, none). Full-width characters read as their ASCII forms
(NFKC). Plain functions.

``cell_day`` reads a workbook's cell as it comes (openpyxl's value): a cell typed as a date is its day, a
number is an Excel date serial in the 1900 date system (a 交房日期 typed into a General cell, or a date
pasted as a value, is 46347: 2026-11-21; it was refused as no day, found by h2), text is ``day``'s. A
workbook of the 1904 date system (old Mac Excel, workbook.xml's ``date1904``) has its date-typed cells read
right by openpyxl, and its numbers marked by its reader (``in_1904_system``) are serials counted from
1 January 1904: read in the 1900 system, they were four years and a day early, a custom date column's taken
as such (found by r2 reviewing h2).
"""
import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

# a date cell's time: 0:00, 00:00:00, or with its fraction of a second as some exports write it
_TIME = r"(?:\s+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:\.[0-9]{1,6})?)?)?"
_DAY_FORMS = (
    re.compile(r"(?P<year>[0-9]{4})\s*(?P<sep>[-/.])\s*(?P<month>[0-9]{1,2})\s*(?P=sep)\s*(?P<day>[0-9]{1,2})" + _TIME),
    re.compile(r"(?P<year>[0-9]{4})\s*年\s*(?P<month>[0-9]{1,2})\s*月\s*(?P<day>[0-9]{1,2})\s*[日号]?" + _TIME),
)
_MONTH_FORMS = (
    re.compile(r"(?P<year>[0-9]{4})\s*[-/.]\s*(?P<month>[0-9]{1,2})"),
    re.compile(r"(?P<year>[0-9]{4})\s*年\s*(?P<month>[0-9]{1,2})\s*月?"),
)


def _plain(text):
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def _date(text):
    text = _plain(text)
    for form in _DAY_FORMS:
        found = form.fullmatch(text)
        if not found:
            continue
        try:
            if found["hour"] is not None:  # a date cell's time, checked, not kept
                time(int(found["hour"]), int(found["minute"]), int(found["second"] or 0))
            return date(int(found["year"]), int(found["month"]), int(found["day"]))
        except ValueError:
            return None
    return None


def day(text):
    """The YYYY-MM-DD of a cell holding a day in a form spreadsheets write; None for anything else."""
    found = _date(text)
    return found.isoformat() if found else None


def month(text):
    """The YYYY-MM of a cell holding a month (2026-08, 2026/8, 2026年8月, 2026.8) or a day of it
    (2026/8/1: its month); None for anything else."""
    plain = _plain(text)
    for form in _MONTH_FORMS:
        found = form.fullmatch(plain)
        if found and 1 <= int(found["month"]) <= 12:
            return f"{found['year']}-{int(found['month']):02d}"
    found = _date(plain)
    return f"{found.year:04d}-{found.month:02d}" if found else None


# Excel's 1900 date system: serial 1 is 1900-01-01, and 60 is 29 February 1900, a day that never was (Lotus
# 1-2-3's leap year, kept by Excel): from 61 on, the serial counts from 1899-12-30
_EPOCH, _EPOCH_BEFORE_MARCH_1900, _FICTITIOUS_29_FEBRUARY, _LAST = date(1899, 12, 30), date(1899, 12, 31), 60, 2958465


# the 1904 date system's: serial 0 is 1904-01-01, no day left out
_EPOCH_1904, _LAST_1904 = date(1904, 1, 1), 2957003


class _Int1904(int):
    """A whole number of a workbook of the 1904 date system (``in_1904_system``): an int as any other."""
    date1904 = True


class _Float1904(float):
    """A number with a fraction of a workbook of the 1904 date system: a float as any other."""
    date1904 = True


def in_1904_system(value):
    """``value`` (a cell of a workbook whose workbook.xml says ``date1904``), a number marked so that
    ``serial_day`` counts it from 1 January 1904; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return _Int1904(value) if isinstance(value, int) else _Float1904(value)


def serial_day(number):
    """The YYYY-MM-DD of an Excel date serial (1900 date system, or 1904's for a number ``in_1904_system``
    marks; a fraction, the time of day, dropped), or None for a number that is no day's (below 1, 60, past
    9999-12-31, not finite; of the 1904 system, below 0)."""
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        return None
    whole = math.floor(number)
    if getattr(number, "date1904", False):
        return (_EPOCH_1904 + timedelta(days=whole)).isoformat() if 0 <= whole <= _LAST_1904 else None
    if whole < 1 or whole == _FICTITIOUS_29_FEBRUARY or whole > _LAST:
        return None
    return ((_EPOCH if whole > _FICTITIOUS_29_FEBRUARY else _EPOCH_BEFORE_MARCH_1900) + timedelta(days=whole)).isoformat()


def cell_day(value):
    """The YYYY-MM-DD of a workbook's cell as read (openpyxl's value): a date or a datetime (a cell typed as a
    date), its day; a number, an Excel date serial (``serial_day``); text, ``day``'s forms (a serial written as
    text, "46347", is no day: a CSV's cells are text and a number there is not a date); None otherwise."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return serial_day(value)
    if isinstance(value, str):
        return day(value)
    return None
