"""Restatements: an estate and its households sent again, for every service's read copies.

Services copy estates and households from archive's events (``estate_common.replica``). A
service whose copies were lost or are older than archive's refused the households it had no
copy of ("household is not known", 422) for good, since nothing sent them again: its store
restored from a backup, a service deployed after the estate was made, or a store kept in memory
(``make run``) and restarted (found by a crash probe: 17 requests refused after a restart). A
restatement sends ``estate_restated`` and ``households_restated`` (``BATCH`` households each);
a service writes a copy at the same version or newer (``replica.restate``), so fields an older
copy lacks are filled (a household's ``created_at``), and never over a newer one.

It runs as a job (``JOB_KIND``): an estate of 50,000 households took 11 s, past the gateway's
RPC timeout, while the caller got a 503. Each event goes out in a document of its own
(``restatements``) whose natural id is the job's and the batch's first and last household: a job
run again (its worker died, or the service stopped) writes and announces again only the batches
it had not sent, and a batch the estate's households moved across since is sent again whole,
never skipped (a household created meanwhile has its own ``household_created``).

Plain functions: no broker, no store.
"""
from estate_common import ids

from .domain import household_event_data

JOB_KIND = "restatement"
BATCH = 200  # households per event: one event of 200 is ~60 KB
ESTATE_PART = ("estate",)  # the key of the estate's own event


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


def part_key(batch):
    """A batch by the households it runs from and to: the same key is the same range of them."""
    return batch[0]["id"], batch[-1]["id"]


def document(restatement_id, estate_id, part, now_iso, actor):
    """The document that carries one event of a restatement out (``part``: ``ESTATE_PART`` or
    a batch's ``part_key``)."""
    return {"_id": ids.natural_id("rst", restatement_id, *part), "estate_id": estate_id,
            "restatement_id": restatement_id, "part": list(part), "by": actor, "created_at": now_iso}


def households_data(batch, number, count):
    return {"batch": number, "batches": count, "households": batch}
