"""UTC time for the whole system, in one place so tests can move it.

Timestamps are ISO 8601 UTC strings with millisecond precision and a ``Z``
(``2026-11-23T13:09:40.123Z``): they sort as text, so range queries work on
MongoDB and on the embedded store alike.
"""
from datetime import datetime, timedelta, timezone

_frozen = None
_offset = timedelta(0)


def now():
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc) + _offset


def now_iso():
    return to_iso(now())


def to_iso(moment):
    # datetime's own isoformat: a third of the time of formatting field by field, and less than
    # half of strftime's (a timestamp goes into every log line and record); it writes the year
    # with four digits (glibc's %Y writes year 999 as "999", which would sort after "2026") and
    # cuts the microseconds to milliseconds, and a UTC moment ends "+00:00", written "Z"
    if moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_iso(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def freeze(moment):
    """Stop the clock at ``moment`` (tests only)."""
    global _frozen
    _frozen = moment


def advance(delta):
    """Move the clock forward (tests only): a frozen clock moves, a live one gets an offset."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset = _offset + delta


def reset():
    global _frozen, _offset
    _frozen = None
    _offset = timedelta(0)
