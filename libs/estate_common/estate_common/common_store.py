"""The collections every service has: its background ``jobs``, its per-estate ``settings``,
the read copies of archive's ``estates`` and ``households`` (a written document's events go to
the outbox through the one write path, ``estate_common.writes``).

Like a service's own ``store.py``, this is a store module: the shared modules that own these
rules (``jobs``, ``settings``, ``replica``) keep their logic and ask here for every read and
write, so no module outside a store touches a collection. Built on ``estate_common.store``.
"""
from pymongo import ReturnDocument
from . import store
from .store import DuplicateKey

# -- jobs -------------------------------------------------------------------------

JOBS = "jobs"


def insert_job(db, job):
    """False when a job with this id is there already (a retried create)."""
    return store.insert_new(db[JOBS], job)


def find_job(db, job_id):
    """The job without its ``_input`` (an uploaded file: only the claim hands it to the runner)."""
    return db[JOBS].find_one({"_id": job_id}, {"_input": 0})


def record_job_progress(db, job_id, claim, progress, heartbeat_at):
    """False when the job is no longer running under ``claim`` (it was taken over)."""
    answer = db[JOBS].update_one({"_id": job_id, "_claim": claim, "status": "running"},
                                 {"$set": {"progress": progress, "_heartbeat_at": heartbeat_at}})
    return answer.matched_count == 1


def claim_oldest_queued_job(db, changes):
    """The oldest queued job, atomically set ``running`` with ``changes`` and one more attempt."""
    return db[JOBS].find_one_and_update(
        {"status": "queued"},
        {"$set": {"status": "running", **changes}, "$inc": {"_attempts": 1}},
        sort=[("created_at", 1), ("_id", 1)],
        return_document=ReturnDocument.AFTER,
    )


def _stale(heartbeat_before):
    return {"status": "running", "_heartbeat_at": {"$lt": heartbeat_before}}


def stale_jobs(db, heartbeat_before):
    """Running jobs whose last heartbeat is older than ``heartbeat_before``: ids and attempts."""
    return list(db[JOBS].find(_stale(heartbeat_before), {"_attempts": 1}))


def change_stale_job(db, job_id, heartbeat_before, changes):
    """True when the job was still stale and is now changed (another worker may have been first)."""
    guard = {"_id": job_id, **_stale(heartbeat_before)}
    return db[JOBS].update_one(guard, {"$set": changes}).modified_count == 1


def active_jobs(db):
    """Kind, status, progress and heartbeat of the queued and running jobs (through the status
    index; finished jobs are not read), for the metrics' sampler."""
    return list(db[JOBS].find({"status": {"$in": ["queued", "running"]}},
                              {"kind": 1, "status": 1, "progress": 1, "_heartbeat_at": 1}))


def hand_back_job(db, job_id, claim):
    """Queue again a job this worker holds, its attempt not counted (a service stopping); False
    when another worker holds it now."""
    answer = db[JOBS].update_one({"_id": job_id, "_claim": claim, "status": "running"},
                                 {"$set": {"status": "queued", "_claim": None}, "$inc": {"_attempts": -1}})
    return answer.modified_count == 1


def finish_job(db, job_id, claim, changes):
    """Record the end of a run, unless another worker holds the job now."""
    db[JOBS].update_one({"_id": job_id, "_claim": claim}, {"$set": changes})


# -- per-estate settings ------------------------------------------------------------

def estate_settings(db, estate_id):
    """The estate's stored settings document, or ``{}``."""
    return store.find_in_estate(db.settings, estate_id, estate_id) or {}


def replace_estate_settings(db, estate_id, values, stamp, actor):
    """The estate's overrides become ``values``; the change is pushed onto its history."""
    db.settings.update_one({"_id": estate_id, "estate_id": estate_id},
                           {"$set": {"estate_id": estate_id, "values": dict(values), "updated_at": stamp,
                                     "updated_by": actor},
                            "$push": {"history": {"at": stamp, "by": actor, "values": dict(values)}}},
                           upsert=True)


# -- read copies of master data ---------------------------------------------------------

def upsert_copy_if_newer(db, collection, doc_id, fields, version, or_same=False, key="version"):
    """Write the copy unless the stored one has this ``version`` or a newer one (``or_same``: a
    newer one only; a restatement fills what an older copy of the same version lacks). ``key``:
    the field that orders the copies (a correction's ``corrected_at``: maintenance's copy of the
    latest household correction of a repair)."""
    older = {"$lte" if or_same else "$lt": version}
    try:
        db[collection].update_one(
            {"_id": doc_id, "estate_id": fields["estate_id"], "$or": [{key: older}, {key: {"$exists": False}}]},
            {"$set": fields},
            upsert=True,
        )
    except DuplicateKey:
        pass  # the stored copy is as new or newer: the upsert's insert collided with it


def find_copy(db, collection, estate_id, doc_id):
    return store.find_in_estate(db[collection], estate_id, doc_id)


def estate_ids_in_service(db):
    """The ids of the estates whose copy does not say retired, sorted: one read of the registry."""
    return sorted(doc["_id"] for doc in db.estates.find({"retired_at": None}, {"_id": 1}))


def estates_unmarked(db, mark):
    """The ids of the estates, sorted, whose copy a once-per-estate sweep has not marked ``mark``
    yet (``mark_estate``): the sweeps of what an earlier version left (maintenance, security patrol)."""
    return sorted(doc["estate_id"] for doc in db.estates.find({mark: None}, {"estate_id": 1}))


def mark_estate(db, estate_id, mark):
    """The estate's copy marked ``mark``: its once-per-estate sweep is done (a copy written again
    keeps it: ``upsert_copy_if_newer`` sets the event's fields only)."""
    db.estates.update_one({"_id": estate_id, "estate_id": estate_id}, {"$set": {mark: True}})


def retired_estate_ids(db):
    """The ids of the estates whose copy says retired (archive's ``retired_at``)."""
    return {doc["_id"] for doc in db.estates.find({"retired_at": {"$ne": None}}, {"_id": 1})}


def find_estate_by_code(db, code):
    """The copy of the estate whose ``code`` this is (the registry is global: one per estate)."""
    return db.estates.find_one({"code": code}, {"_id": 1, "estate_id": 1, "code": 1, "retired_at": 1})


# -- the prices of per-charge fees (copies of finance's approved standards: fee_prices.py) ------

FEE_PRICES = "fee_prices"
FEE_PRICES_INDEXES = [([("estate_id", 1), ("item", 1)], {})]


def keep_fee_price(db, estate_id, standard_id, fields):
    """A copy of an approved per-charge standard (the same event again writes the same)."""
    db[FEE_PRICES].update_one({"_id": standard_id, "estate_id": estate_id},
                              {"$set": {"estate_id": estate_id, **fields}}, upsert=True)


def end_fee_price(db, estate_id, standard_id, valid_to):
    db[FEE_PRICES].update_one({"_id": standard_id, "estate_id": estate_id}, {"$set": {"valid_to": valid_to}})


def fee_prices(db, estate_id, items):
    return list(store.scan(db[FEE_PRICES], {"estate_id": estate_id, "item": {"$in": list(items)}}))


# -- tests ---------------------------------------------------------------------------------------

def embedded_database(name):
    """A fresh in-process database of its own, whatever ``MONGO_URI`` says (tests)."""
    from .embedded_store import EmbeddedClient
    return EmbeddedClient(tz_aware=True)[name]
