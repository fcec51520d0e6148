"""Store access shared by every service: connection, indexes, paging, counters.

A service's own ``store.py`` is the only module of the service that calls
these; domain code never touches pymongo.

Two adapters stand behind the same pymongo-shaped API: ``MONGO_URI`` set, a
real MongoDB (``pymongo``); unset, the embedded in-process store
(:mod:`estate_common.embedded_store`), which keeps nothing across restarts and
is private to its process (see README). ``tests/test_store_contract.py`` runs
the same contract on both. Other modules catch :data:`DuplicateKey` and
:data:`BulkWriteFailure` from here rather than importing pymongo.
"""
import base64
import binascii
import contextlib
import contextvars
import heapq
import json
import re
from datetime import timedelta

import pymongo
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from . import calendar, clock, config
from .embedded_store import EmbeddedClient
from .errors import BusinessRuleViolation, InvalidInput, NotFound, field_error

DuplicateKey = DuplicateKeyError  # an insert (or upsert) met an existing _id or unique key
BulkWriteFailure = BulkWriteError  # an unordered insert_many met duplicates: .details["writeErrors"]

MAX_PAGE = 200
DEFAULT_PAGE = 50


def connect(service):
    """The service's own database."""
    uri = config.mongo_uri()
    if uri:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)
    else:
        client = EmbeddedClient(tz_aware=True)
    return client[config.database_name(service)]


def ping(db):
    db.command("ping")


def ensure_indexes(db, indexes):
    """``indexes``: ``{collection: [(keys, options), ...]}``; every key list starts with estate_id."""
    for collection, specs in indexes.items():
        for keys, options in specs:
            db[collection].create_index(keys, **options)


def drop_retired(db, names):
    """Drop collections an older version kept and this one no longer uses (a no-op once gone)."""
    for name in names:
        db.drop_collection(name)


def drop_retired_indexes(db, retired):
    """Drop indexes an older version made and this one replaced (``{collection: [index name]}``;
    a no-op once gone): every write would keep them up for nothing."""
    for collection, names in retired.items():
        present = db[collection].index_information()
        for name in names:
            if name in present:
                try:
                    db[collection].drop_index(name)
                except OperationFailure:  # another replica starting at the same time dropped it
                    pass


def public(doc):
    """A stored document as the outside sees it: ``_id`` → ``id``, internals dropped. Within
    ``revision_seen`` the revision of the document it names is kept (a conditional write's read)."""
    if doc is None:
        return None
    shown(doc)
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    out["id"] = doc["_id"]
    return out


def shown(doc):
    """``doc``, a stored document a read answers through a view of its own rather than ``public`` (a
    part's page: ``maintenance.parts.shown``): within ``revision_seen`` its revision is kept as ``public``
    keeps it, so the view's tag stands for a revision a conditional write can name (found by r6: such
    a read told none, and every If-Match on its record was the gateway's read alone)."""
    seen = _SEEN.get()
    if seen is not None and doc.get("_id") == seen.target:
        seen.saw(doc.get("_rev") or 0)
    return doc


class _Seen:
    """The revision of the record a read answers (``revision_seen``): None until seen, and None again
    when two copies of it at different revisions were read (no one revision stands for the answer)."""

    def __init__(self, target):
        self.target, self.revision, self._revisions = target, None, set()

    def saw(self, revision):
        self._revisions.add(revision)
        self.revision = revision if len(self._revisions) == 1 else None


_SEEN = contextvars.ContextVar("estate_common.store.seen", default=None)


@contextlib.contextmanager
def revision_seen(target):
    """Within it, ``public`` keeps the revision (``_rev``) of the stored document ``target`` it shows:
    the version an item read's answer (and so its ``ETag``) stands for, which the gateway sends back
    with a write conditional on it (``writes.conditional``: ``If-Match`` made atomic). Yields the
    holder (``.revision``: None when no one revision was read). A context variable: a nameko worker
    is a greenthread of its own."""
    seen = _Seen(target)
    token = _SEEN.set(seen if target else None)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


# -- one document, in one estate ----------------------------------------------
# Every read names the estate as well as the id: a document of another estate is not there.

def insert_new(collection, doc):
    """False when a document with this ``_id`` is there already (a retry, a redelivery, or a
    concurrent twin that won): with natural ids, the write itself is the duplicate check."""
    try:
        collection.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False


def find_in_estate(collection, estate_id, doc_id):
    return collection.find_one({"_id": doc_id, "estate_id": estate_id})


def get_in_estate(collection, estate_id, doc_id, what):
    """The document, or 404 ``no such <what> in this estate``."""
    doc = find_in_estate(collection, estate_id, doc_id)
    if doc is None:
        raise NotFound(f"no such {what} in this estate")
    return doc


def referenced(collection, estate_id, doc_id, what, field):
    """A document that a body refers to: an unknown id is a 422 naming the field."""
    doc = find_in_estate(collection, estate_id, doc_id)
    if doc is None:
        raise BusinessRuleViolation(f"no such {what} in this estate",
                                    [field_error(field, f"no such {what} in this estate")])
    return doc


class Collections:
    """The helpers above for a service's collections addressed by name; ``names`` says what
    the API calls one document of each (``{"borrow_requests": "borrow request"}``), for the
    404 and 422 messages."""

    def __init__(self, names):
        self.names = names

    def find(self, db, collection, estate_id, doc_id):
        return find_in_estate(db[collection], estate_id, doc_id)

    def get(self, db, collection, estate_id, doc_id):
        return get_in_estate(db[collection], estate_id, doc_id, self.names[collection])

    def referenced(self, db, collection, estate_id, doc_id, field):
        return referenced(db[collection], estate_id, doc_id, self.names[collection], field)

    def insert(self, db, collection, doc):
        return insert_new(db[collection], doc)

    def collection(self, db, collection):
        """The handle of one collection named here (``estate_common.writes.Named`` writes through it)."""
        return db[collection]


def scan(collection, query, fields=None):
    """Every document matching ``query`` (only ``_id`` and ``fields`` when they are given).

    For reads that walk many documents once: a billing run over an estate's households, a
    report over a period's bills. A cursor with a projection on both adapters; the embedded
    store's cursor is linear too (each match is copied when the walk reaches it).
    """
    projection = None if fields is None else {"_id": 1, **{name: 1 for name in fields}}
    yield from collection.find(query, projection, batch_size=1000)


def walk(collection, query, updated_since=None):
    """Every document matching ``query`` in the lists' ``(created_at, _id)`` order, one at a time
    (an export's single pass): MongoDB walks the lists' index, the embedded store sorts
    references to its stored versions and copies each document only when it is reached.
    ``updated_since``: as ``page``'s, those changed since then in ``(updated_at, _id)`` order."""
    by = "created_at"
    if updated_since is not None:
        query, by = changed_since(query, updated_since), "updated_at"
    yield from collection.find(query, batch_size=1000).sort([(by, 1), ("_id", 1)])


def next_number(db, estate_id, series):
    """Next value of a per-estate counter; atomic on MongoDB and in-process alike."""
    counter = db.counters.find_one_and_update(
        {"_id": f"{estate_id}:{series}", "estate_id": estate_id},  # the insert takes estate_id from here
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return counter["value"]


# -- cursor paging -------------------------------------------------------
# Lists are ordered by (created_at, _id); the cursor is the last item's pair,
# so a page is stable while items are added. It is written "<created_at>~<id>"
# (CURSOR_PATTERN, the contracts' pattern): every string of that form is a position
# in the order, so a cursor the contract calls valid is never refused. The base64 JSON
# form given out before is still read, for a client that pages across an upgrade.
CURSOR_PATTERN = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z)~([A-Za-z0-9_.:-]{1,64})")
# sorts after every id: the characters of an id (the pattern's) all come before "~"
AFTER_EVERY_ID = "~"


def _after(query, position, by, after):
    """``query`` past ``position`` (``(moment, _id)``) in ``(by, _id)`` order (``after``: ``$gt``
    ascending, ``$lt`` descending)."""
    moment, doc_id = position
    return {"$and": [query, {"$or": [{by: {after: moment}}, {by: moment, "_id": {after: doc_id}}]}]}


def walk_newest(collection, query, cursor=None, first=1, most=DEFAULT_PAGE, shown=public):
    """``query``'s documents newest first (``(created_at, _id)`` backwards, ``page``'s order with
    ``newest_first``) after ``cursor``, read lazily as they are taken: ``first`` at once, then twice
    as many each time up to ``most``, each read from the last one's position. A merge of several such
    walks (a list across estates: security patrol's incidents) reads each as far as its page reaches
    into it, where a page of each was read for every page. A cursor not given out is a 400 at once."""
    return _walk_newest(collection, query, decode_cursor(cursor) if cursor else None, first, most, shown)


def _walk_newest(collection, query, position, size, most, shown):
    while True:
        asked = _after(query, position, "created_at", "$lt") if position else query
        docs = list(collection.find(asked).sort([("created_at", -1), ("_id", -1)]).limit(size))
        for doc in docs:
            yield shown(doc)
        if len(docs) < size:
            return
        position, size = (docs[-1]["created_at"], docs[-1]["_id"]), min(size * 2, most)


def encode_cursor(doc, by="created_at"):
    return f"{doc[by]}~{doc['_id']}"


def decode_cursor(cursor):
    written = CURSOR_PATTERN.fullmatch(cursor) if isinstance(cursor, str) else None
    if written:
        return _stored_position(written.group(1), written.group(2))
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        pair = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
            return pair[0], pair[1]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidInput("cursor is not valid", [field_error("cursor", "is not a cursor this API gave out")])


def _stored_position(moment, doc_id):
    """A cursor's ``(created_at, _id)`` as the store's timestamps are written (``clock.to_iso``:
    three digits of a second), which compare as text. The contract's cursor takes 0 to 6 digits (a
    client resumes from a time of its own); as written, ``00:00:00Z`` sorted after
    ``00:00:00.500Z`` ('Z' > '.') and ``02.0005Z`` before ``02.000Z``, skipping or repeating items
    (an integrator's probe). A moment between two stored milliseconds is placed after every item
    of the earlier one (``AFTER_EVERY_ID``), in either direction. Text only, no calendar: any
    cursor of the pattern stays a position, never a 400."""
    whole, _, fraction = moment[:-1].partition(".")
    digits = fraction.ljust(6, "0")
    stored = f"{whole}.{digits[:3]}Z"
    return (stored, doc_id) if digits[3:] == "000" else (stored, AFTER_EVERY_ID)


# the index of a list integrators sync (``page``'s ``updated_since``), beside its (estate_id, created_at, _id)
SYNCED = [("estate_id", 1), ("updated_at", 1), ("_id", 1)]
SINCE_PATTERN = re.compile(CURSOR_PATTERN.pattern.partition("~")[0])


def at_or_after(moment, field="updated_since"):
    """``moment`` (the contract's Timestamp: 0 to 6 digits of a second; ``updated_since``, or another
    caller's ``field``) as stored timestamps are written (three digits, compared as text): ``03Z`` is
    ``03.000Z`` (as text it sorted after ``03.000Z``) and a moment between two stored milliseconds is
    the later one (``02.9995Z`` is ``03.000Z``), so ``$gte`` holds the items written at that moment
    or after it."""
    if not isinstance(moment, str) or not SINCE_PATTERN.fullmatch(moment):
        raise InvalidInput(f"{field} is not a timestamp",
                           [field_error(field, "is not a UTC timestamp (YYYY-MM-DDThh:mm:ss[.ffffff]Z)")])
    stored, doc_id = _stored_position(moment, "")
    if doc_id != AFTER_EVERY_ID:
        return stored
    return clock.to_iso(clock.parse_iso(stored) + timedelta(milliseconds=1))


def days_of(period):
    """The days (``YYYY-MM-DD``, as a day field keeps them) of a month, quarter or year
    (``calendar.months_of``), as a query on a day field."""
    months = calendar.months_of(period)
    return {"$gte": f"{months[0]}-01", "$lte": f"{months[-1]}-31"}


def changed_since(query, updated_since):
    """``query`` narrowed to the documents last written at or after ``updated_since`` (each write of a
    synced collection sets ``updated_at``: ``estate_common.writes.Named``'s ``stamped``). A document
    without ``updated_at`` is no change."""
    return {"$and": [query, {"updated_at": {"$gte": at_or_after(updated_since)}}]}


def page_computed(items, key, limit=None, cursor=None):
    """One page of a list computed in memory, ``items`` in the order of ``key`` (an item's
    ``(time, id)`` pair, as ``page``'s ``(created_at, _id)``), after ``cursor``, with the same
    cursors: ``{items, next_cursor}``. An item's time is compared as a cursor's is placed
    (``_stored_position``), so a key written ``…T00:00:00Z`` is not repeated after its own cursor;
    and the items are taken in that order (stable: as given, where ``key`` orders them the same),
    since as text ``…00.500Z`` sorts before ``…00Z``, which the cursor places first: an item keyed
    in whole seconds after one of its second in milliseconds was never answered (a review)."""
    limit = limit or DEFAULT_PAGE
    placed = ((_stored_position(*key(item)), item) for item in items)
    if cursor:
        after = decode_cursor(cursor)
        placed = (pair for pair in placed if pair[0] > after)
    # the page and one more, as sorting them all would take them (nsmallest is stable): a big
    # estate's 10,000 owed households were sorted whole for each page of 50
    items = [item for _, item in heapq.nsmallest(limit + 1, placed, key=lambda pair: pair[0])]
    shown, more = items[:limit], len(items) > limit
    at, last_id = key(shown[-1]) if more else (None, None)
    return {"items": shown, "next_cursor": encode_cursor({"created_at": at, "_id": last_id}) if more else None}


def page(collection, query, limit=None, cursor=None, shown=public, newest_first=False, updated_since=None,
         by="created_at", projection=None):
    """One page of ``query`` in ``(created_at, _id)`` order after ``cursor``; ``next_cursor``
    is None on the last page. Sort + limit: MongoDB walks its index, the embedded store keeps
    a heap of ``limit + 1`` while it walks the matches (it copies only the page). ``shown``: how
    an item is answered, ``public`` or a service's view of its stored document. ``newest_first``:
    the same order backwards (the same index, walked the other way; the same cursors). ``by``:
    another timestamp of the documents the list is ordered by in place of ``created_at`` (a
    record's own moment, maintenance's equipment records' ``at``), its cursors ``<by>~<id>``.

    ``updated_since`` (an integrator's incremental sync): the documents last written at or after
    that moment (``changed_since``), in ``(updated_at, _id)`` order, whose cursors are
    ``<updated_at>~<id>`` positions in that order (a list's index ``(estate_id, updated_at, _id)``).

    ``projection``: the fields read of each document (MongoDB's and the embedded store's alike), where a
    list answers a summary of documents that hold thousands of entries; it keeps ``by`` and ``_id``."""
    limit = DEFAULT_PAGE if limit is None else limit
    order, after = (-1, "$lt") if newest_first else (1, "$gt")
    if updated_since is not None:
        query, by = changed_since(query, updated_since), "updated_at"
    if cursor:
        query = _after(query, decode_cursor(cursor), by, after)
    if projection is not None:
        projection = {**projection, by: 1}
    docs = list(collection.find(query, projection).sort([(by, order), ("_id", order)]).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return {
        "items": [shown(d) for d in docs],
        "next_cursor": encode_cursor(docs[-1], by) if more else None,
    }


# -- compare-and-set on a revision ----------------------------------------------------------
# The only write that ``estate_common.writes`` (the one write path) makes to an existing document.

def update_if(collection, doc, set_fields, *, push=None, events=(), guard=None, unset=(), fences=None):
    """Write ``set_fields`` (and append ``push``: ``{array field: [items]}``, and ``events`` to
    ``_outbox``; remove the fields ``unset`` names) only if the stored document is still at the
    revision ``doc`` was read at.

    One single-document update: the filter is ``_id``, ``estate_id`` and ``_rev`` as read (a
    document that never had a ``_rev`` matches ``_rev: None``), plus ``guard`` (more
    conditions, e.g. ``{"history.event_id": {"$ne": event_id}}``); the update sets ``_rev`` to
    the next revision, so a second writer that read the same revision matches nothing.

    Returns the document as written, merged locally from ``doc`` (no read-back), whose
    ``_outbox`` holds only the events of this write; None when the revision moved (or the
    guard failed): nothing was written. ``fences``: ``{lock id: fence}`` of the leases the write is
    made under (``leases_store.fenced``): it also needs no higher fence of those locks on the document,
    and leaves its own there.
    """
    revision = doc.get("_rev") or 0
    query = {"_id": doc["_id"], "estate_id": doc["estate_id"], "_rev": doc.get("_rev")}
    if guard:
        query.update(guard)
    fenced = {f"_fences.{lock_id}": fence for lock_id, fence in (fences or {}).items()}
    query.update({name: {"$not": {"$gt": fence}} for name, fence in fenced.items()})
    update = {"$set": {**set_fields, **fenced, "_rev": revision + 1}}
    pushes = {name: {"$each": list(items)} for name, items in (push or {}).items() if items}
    if events:
        pushes["_outbox"] = {"$each": list(events)}
    if pushes:
        update["$push"] = pushes
    if unset:
        update["$unset"] = {name: "" for name in unset}
    if collection.update_one(query, update).matched_count == 0:
        return None
    written = {name: value for name, value in doc.items() if name not in unset}
    written.update(set_fields, _rev=revision + 1, _outbox=list(events))
    if fences:
        written["_fences"] = {**(doc.get("_fences") or {}), **fences}
    for name, items in (push or {}).items():
        if items:
            written[name] = list(doc.get(name) or []) + list(items)
    return written
