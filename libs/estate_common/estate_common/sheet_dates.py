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
"""
import re
import unicodedata
from datetime import date, time

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
