"""Per-estate yearly numbers (编号): ``SR-2027-000042``, one series per kind and year.

The year is the estate's own, on its calendar (its timezone): a request registered at 00:30 on
1 January in Shanghai, 16:30 UTC on 31 December, opens 2027's series, as the front desk's
calendar says. Service requests, work orders, incidents, receipts and invoices are numbered
here."""
import re

from . import calendar

# What a person types for a number: any case, the sequence with or without its leading zeros
# (the contracts' RecordNumber pattern is the same; SubjectNumber's also an incident's INC-).
TYPED = re.compile(r"^([A-Za-z]{2,3})-([0-9]{4})-([0-9]{1,12})$")


def series(kind, at, tz):
    """The name of the counter ``at`` draws from: ``service_request:2027``."""
    return f"{kind}:{calendar.local(at, tz).year}"


def number(prefix, at, tz, sequence):
    """``prefix-year-sequence``, the sequence on six digits: ``SR-2027-000042``."""
    return f"{prefix}-{calendar.local(at, tz).year}-{sequence:06d}"


def canonical(typed):
    """The number as it is stored, from one typed as ``sr-2026-42``: ``SR-2026-000042``; text of
    another form as it is (it matches nothing)."""
    match = TYPED.match(typed.strip())
    if not match:
        return typed
    prefix, year, sequence = match.groups()
    return f"{prefix.upper()}-{year}-{int(sequence):06d}"
