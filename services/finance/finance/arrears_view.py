"""The arrears list of an estate, kept per process and brought up to date from the households
whose bills changed, rather than computed from every unpaid bill of the estate each time.

Aggregating every unpaid bill of a big estate (10,000 households, a year of monthly bills)
takes longer than a page may; the list changes only when a bill is written or falls due. So it
is kept per estate with the bills' version it is at (``store.bills_state``: every write of a
bill moves it in the store, naming the household, so every replica sees it) and the next
moment it changes by itself (an unpaid bill falls due, or a debt's age in days goes up). A
page is cut from it while neither moved; when the version moved, the households named since
are read again (their unpaid bills, by index); when it moved further than the store
remembers, or for a billing run's batch (no household named), or once that moment passed, or
after ``MAX_AGE_SECONDS`` (a process that died between a bill's write and the version's move),
it is computed again from every unpaid bill.

The arrears of a past day (``as_of``) are kept too, and the arrears a period over recovered
(``kept``), the last ``KEPT_DAYS`` asked of each estate, each at the bills' version it was
computed at: every write of a bill moves it, and the
list is computed again; a write of a payment alone (a reversal marked) is at a moment after the
day, which ``arrears.owed_at`` counts as paid then. Before they were kept, each page (and the
export) of a year-end list of 10,000 households read the estate's bills again.
"""
import threading
import time
import weakref
from dataclasses import dataclass

from estate_common import clock

from . import arrears, store

MAX_AGE_SECONDS = 300.0
KEPT_DAYS = 8  # past days' lists and periods' recovered arrears kept per estate (a year end, a month end or two)


@dataclass
class _Kept:
    version: int
    computed_at: float      # time.monotonic() of the last full computation
    valid_until: str        # the next moment a bill falls due or an age in days goes up
    overdue: dict           # household_id -> its arrears entry
    entries: list           # the same entries, longest overdue first


_kept = weakref.WeakKeyDictionary()  # db -> {estate_id: _Kept}
_kept_days = weakref.WeakKeyDictionary()  # db -> {(estate_id, day): (version, computed_at, entries)}, oldest first
_lock = threading.Lock()


def longest_overdue_first(db, estate_id, now):
    """The estate's households in arrears at ``now``, longest overdue first."""
    version, changed = store.bills_state(db, estate_id)
    stamp = clock.to_iso(now)
    with _lock:
        kept = _kept.get(db, {}).get(estate_id)
    usable = (kept is not None and stamp < kept.valid_until
              and time.monotonic() - kept.computed_at < MAX_AGE_SECONDS)
    if usable and kept.version == version:
        return kept.entries
    behind = version - kept.version if usable else 0
    if usable and 0 < behind <= len(changed) and None not in changed[-behind:]:
        kept = _updated(db, estate_id, kept, version, set(changed[-behind:]), now)
    else:
        computed_at = time.monotonic()
        overdue, valid_until = arrears.overdue_and_next_change(store.unpaid_bills_of_estate(db, estate_id), now)
        kept = _Kept(version, computed_at, valid_until, overdue, arrears.longest_overdue_first(overdue.values()))
    with _lock:
        _kept.setdefault(db, {})[estate_id] = kept
    return kept.entries


def _updated(db, estate_id, kept, version, households, now):
    overdue, valid_until = dict(kept.overdue), kept.valid_until
    for household_id in households:
        found, upcoming = arrears.overdue_and_next_change(store.unpaid_bills(db, estate_id, household_id), now)
        overdue.pop(household_id, None)
        overdue.update(found)
        valid_until = min(valid_until, upcoming)
    return _Kept(version, kept.computed_at, valid_until, overdue, arrears.longest_overdue_first(overdue.values()))


def as_of(db, estate_id, day, end, compute):
    """The estate's arrears at ``end``, the end of the past local ``day``: ``compute()``
    (``operations``: ``arrears.owed_at`` of ``store.bills_owing_at``, longest overdue first) once
    per version of the estate's bills, and for at most ``MAX_AGE_SECONDS``. Kept under the moment
    too: a timezone corrected moves the day's end and writes no bill."""
    return kept(db, estate_id, ("as_of", day, end), compute)


def kept(db, estate_id, key, compute):
    """``compute()``, a figure of the estate's bills as they stood at a past moment (the arrears of a
    past day, the arrears a period over recovered), kept under ``key`` once per version of the
    estate's bills and for at most ``MAX_AGE_SECONDS``; the last ``KEPT_DAYS`` keys of an estate."""
    version, _ = store.bills_state(db, estate_id)
    key = (estate_id, *key)
    with _lock:
        found = _kept_days.get(db, {}).get(key)
    if found is not None and found[0] == version and time.monotonic() - found[1] < MAX_AGE_SECONDS:
        return found[2]
    computed_at = time.monotonic()
    figure = compute()
    with _lock:
        days = _kept_days.setdefault(db, {})
        days.pop(key, None)
        days[key] = (version, computed_at, figure)
        for old in [k for k in days if k[0] == estate_id][:-KEPT_DAYS]:
            del days[old]
    return figure
