"""Where an export's file is kept: in the service's own store, as chunks (``export_chunks``).

Why chunks of documents: MongoDB's GridFS is not on the embedded store, and a file must not
be one document (16 MiB at most; 100k bills are ~10 MiB of CSV already). Each chunk is one
document ``{_id: "<job id>:<n>", estate_id, job_id, n, data, expire_at}`` of at most
``exports.CHUNK_BYTES``; a job run again overwrites its chunks by ``_id``. ``expire_at`` is
the download link's end (``retention.EXPORT_SECONDS`` after the run started): the TTL index
removes the file then, on MongoDB and on the embedded store alike, so no personal data
outlives its link. A store module (``tests/architecture``): the only one that touches them.
"""
from bson.binary import Binary

from . import retention

CHUNKS = "export_chunks"

INDEXES = {
    CHUNKS: [
        ([("estate_id", 1), ("job_id", 1), ("n", 1)], {}),
        # the file expires with its link; a TTL index is single-field (MongoDB's rule), hence
        # not led by estate_id (tests/architecture/test_estate_led_stores.py excuses it by name)
        ([(retention.FIELD, 1)], {"expireAfterSeconds": 0, "name": "export_chunks_expiry"}),
    ],
}


def save_chunk(db, estate_id, job_id, n, data, expire_at):
    db[CHUNKS].replace_one({"_id": f"{job_id}:{n:06d}", "estate_id": estate_id},
                           {"_id": f"{job_id}:{n:06d}", "estate_id": estate_id, "job_id": job_id, "n": n,
                            "data": Binary(data), retention.FIELD: expire_at}, upsert=True)


def read_chunk(db, estate_id, job_id, n):
    """The bytes of chunk ``n`` of the job's file, or None (expired, or never written)."""
    found = db[CHUNKS].find_one({"estate_id": estate_id, "job_id": job_id, "n": n}, {"data": 1})
    return None if found is None else bytes(found["data"])
