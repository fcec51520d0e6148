"""The hash chain of an estate's permanent record (tamper evidence).

Each chained record carries ``seq`` (1, 2, … per estate), ``prev_hash`` (the ``hash`` of the
record with the seq before it; ``GENESIS`` for the first) and ``hash`` = SHA-256 of the canonical
JSON of its content (every stored field but ``hash`` and ``prev_hash``, so ``_id`` and ``seq``
too) followed by ``prev_hash``. Changing, removing or renumbering a record breaks its own hash or
the next record's link. Plain functions: the writer (store.chain_record) and the verifier use
the same ``link`` and ``record_hash``.
"""
import hashlib
import json

GENESIS = "0" * 64

# what a record carries besides its content
LINK_FIELDS = ("prev_hash", "hash")

# reasons verify names
MISSING_BEFORE = "missing_before"      # the seq before it is absent: a record was removed
BROKEN_LINK = "prev_hash_mismatch"     # its prev_hash is not the hash of the record before it
ALTERED = "hash_mismatch"              # its content (or prev_hash) does not give its hash


def canonical(value):
    """The one byte form that is hashed: sorted keys, no whitespace, UTF-8 text as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content(record):
    return {key: value for key, value in record.items() if key not in LINK_FIELDS}


def record_hash(record, prev_hash):
    return hashlib.sha256((canonical(content(record)) + prev_hash).encode("utf-8")).hexdigest()


def link(record, last):
    """``record`` as the link after ``last`` (the estate's highest-seq record; None: the first)."""
    prev_hash = last["hash"] if last else GENESIS
    linked = content(record) | {"seq": last["seq"] + 1 if last else 1}
    return linked | {"prev_hash": prev_hash, "hash": record_hash(linked, prev_hash)}


def verify(records, before):
    """``(checked, first_mismatch)`` of ``records`` (in seq order) following ``before`` (the
    record with the highest seq below them, or None when they should start at seq 1);
    ``first_mismatch`` is ``{"id", "seq", "reason"}`` or None."""
    checked, prev = 0, before
    for record in records:
        checked += 1
        reason = _mismatch(record, prev)
        if reason:
            return checked, {"id": record["_id"], "seq": record["seq"], "reason": reason}
        prev = record
    return checked, None


def _mismatch(record, prev):
    if record["seq"] != (prev["seq"] + 1 if prev else 1):
        return MISSING_BEFORE
    if record.get("prev_hash") != (prev["hash"] if prev else GENESIS):
        return BROKEN_LINK
    if record.get("hash") != record_hash(record, record.get("prev_hash", "")):
        return ALTERED
    return None
