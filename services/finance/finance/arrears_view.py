"""The arrears list of an estate, computed once per version of its bills (a process's cache).

Aggregating every unpaid bill of a big estate (10,000 households, a year of monthly bills)
takes longer than a page may; the list changes only when a bill is written or when a bill
falls due. So the ordered list is kept per estate with the bills' version it was computed at
(``store.bills_version``: every write of a bill moves it, in the store, so every replica sees
it) and the next moment an unpaid bill falls due; a page is cut from it until either moves.
``MAX_AGE_SECONDS`` bounds how long a list is trusted at all (a process that died between a
bill's write and the version's move).
"""
import threading
import time
import weakref

from estate_common import clock

from . import arrears, store

MAX_AGE_SECONDS = 60.0

_lists = weakref.WeakKeyDictionary()  # db -> {estate_id: (version, computed_at, valid_until, entries)}
_lock = threading.Lock()


def longest_overdue_first(db, estate_id, now):
    """The estate's households in arrears at ``now``, longest overdue first."""
    version = store.bills_version(db, estate_id)
    stamp = clock.to_iso(now)
    with _lock:
        kept = _lists.get(db, {}).get(estate_id)
    if kept is not None:
        kept_version, computed_at, valid_until, entries = kept
        if (kept_version == version and stamp < valid_until
                and time.monotonic() - computed_at < MAX_AGE_SECONDS):
            return entries
    computed_at = time.monotonic()
    overdue, valid_until = arrears.overdue_and_next_due(store.unpaid_bills_of_estate(db, estate_id), now)
    entries = arrears.longest_overdue_first(overdue.values())
    with _lock:
        _lists.setdefault(db, {})[estate_id] = (version, computed_at, valid_until, entries)
    return entries
