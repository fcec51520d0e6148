"""Restatements: an estate and its households sent again, for every service's read copies.

Services copy estates and households from archive's events (``estate_common.replica``). A
service whose copies were lost or are older than archive's refused the households it had no
copy of ("household is not known", 422) for good, since nothing sent them again: its store
restored from a backup, a service deployed after the estate was made, or a store kept in memory
(``make run``) and restarted (found by a crash probe: 17 requests refused after a restart). A
restatement sends ``estate_restated`` and ``households_restated`` (``BATCH`` households each);
a service writes a copy at the same version or newer (``replica.restate``), so fields an older
copy lacks are filled (a household's ``created_at``), and never over a newer one.

Each event goes out in a document of its own (``restatements``, by a natural id from the call's
Idempotency-Key): written and announced once, relayed by the outbox like any write.

Plain functions: no broker, no store.
"""
from estate_common import ids

from .domain import household_event_data

BATCH = 200  # households per event: one event of 200 is ~60 KB


def batches(households):
    """``households`` (an iterable) as lists of their copies, ``BATCH`` each at most."""
    batch = []
    for household in households:
        batch.append(household_event_data(household))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def document(restatement_id, estate_id, part, now_iso, actor):
    """The document that carries one event of a restatement out (part 0: the estate's)."""
    return {"_id": ids.natural_id("rst", restatement_id, str(part)), "estate_id": estate_id,
            "restatement_id": restatement_id, "part": part, "by": actor, "created_at": now_iso}


def households_data(batch, number, count):
    return {"batch": number, "batches": count, "households": batch}
