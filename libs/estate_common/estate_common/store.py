"""Store access shared by every service: connection, indexes, paging, counters.

A service's own ``store.py`` is the only module of the service that calls
these; domain code never touches pymongo.

``MONGO_URI`` set: a real MongoDB (``pymongo``). Unset: the embedded
in-process store (``mongomock``), which keeps nothing across restarts, is
private to its process and uses no index for reads (see README).
"""
import base64
import binascii
import heapq
import json
from datetime import datetime, timezone

import pymongo
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from . import config
from .errors import BusinessRuleViolation, InvalidInput, NotFound, field_error

MAX_PAGE = 200
DEFAULT_PAGE = 50


def connect(service):
    """The service's own database."""
    uri = config.mongo_uri()
    if uri:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)
    else:
        import mongomock
        client = mongomock.MongoClient(tz_aware=True)
    return client[config.database_name(service)]


def ping(db):
    db.command("ping")


def ensure_indexes(db, indexes):
    """``indexes``: ``{collection: [(keys, options), ...]}``; every key list starts with estate_id."""
    for collection, specs in indexes.items():
        for keys, options in specs:
            db[collection].create_index(keys, **options)


def public(doc):
    """A stored document as the outside sees it: ``_id`` → ``id``, internals dropped."""
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    out["id"] = doc["_id"]
    return out


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


def scan(collection, query, fields=None):
    """Every document matching ``query`` (only ``_id`` and ``fields`` when they are given).

    For reads that walk many documents once: a billing run over an estate's households, a
    report over a period's bills. On MongoDB this is a plain cursor with a projection. On the
    embedded store, mongomock's cursor slices its whole result list at every step, so
    iterating n documents with ``find`` costs O(n²) (19 s for 100,000 documents); here the
    stored documents are matched once and only the wanted fields are copied: linear.
    Equality on plain values is matched directly, anything else by mongomock's matcher.
    """
    if not _embedded(collection):
        projection = None if fields is None else {name: 1 for name in fields}
        yield from collection.find(query, projection, batch_size=1000)
        return
    aware = collection.codec_options.tz_aware
    for doc in _stored_matches(collection, query):
        if fields is None:
            yield _copy(doc, aware)
        else:
            yield {"_id": doc["_id"], **{name: _copy(doc[name], aware) for name in fields if name in doc}}


_MISSING = object()


def _stored_matches(collection, query):
    """The embedded store's own documents matching ``query`` (not copies: read, never change them)."""
    from mongomock.filtering import filter_applies
    simple = all(not key.startswith("$") and "." not in key and _plain(value) for key, value in query.items())
    for doc in list(collection._store.documents):  # a snapshot: writes during the walk do not disturb it
        if _matches_plainly(query, doc) if simple else filter_applies(query, doc):
            yield doc


def _embedded(collection):
    return type(collection).__module__.startswith("mongomock")


def _plain(value):
    return isinstance(value, (str, int, float))


def _matches_plainly(query, doc):
    for key, wanted in query.items():
        value = doc.get(key, _MISSING)
        if isinstance(value, (list, dict)):
            from mongomock.filtering import filter_applies
            return filter_applies(query, doc)  # array membership and the like: mongomock's rules
        if value is _MISSING or value != wanted:
            return False
    return True


def _copy(value, aware):
    if isinstance(value, dict):
        return {key: _copy(item, aware) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item, aware) for item in value]
    if aware and isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def next_number(db, estate_id, series):
    """Next value of a per-estate counter; atomic on MongoDB and in-process alike."""
    counter = db.counters.find_one_and_update(
        {"_id": f"{estate_id}:{series}"},
        {"$inc": {"value": 1}, "$setOnInsert": {"estate_id": estate_id}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return counter["value"]


# -- cursor paging -------------------------------------------------------
# Lists are ordered by (created_at, _id); the cursor is the last item's pair,
# so a page is stable while items are added.

def encode_cursor(doc):
    raw = json.dumps([doc["created_at"], doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        pair = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
            return pair[0], pair[1]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidInput("cursor is not valid", [field_error("cursor", "is not a cursor this API gave out")])


def page(collection, query, limit=None, cursor=None):
    limit = DEFAULT_PAGE if limit is None else limit
    if _embedded(collection):
        return _embedded_page(collection, query, limit, cursor)
    if cursor:
        created_at, doc_id = decode_cursor(cursor)
        query = {"$and": [query, {"$or": [
            {"created_at": {"$gt": created_at}},
            {"created_at": created_at, "_id": {"$gt": doc_id}},
        ]}]}
    docs = list(collection.find(query).sort([("created_at", 1), ("_id", 1)]).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return {
        "items": [public(d) for d in docs],
        "next_cursor": encode_cursor(docs[-1]) if more else None,
    }


def _embedded_page(collection, query, limit, cursor):
    """``page`` on the embedded store: mongomock's sorted cursor copies every matching document
    before the limit applies (3.6 s for a page of 100,000 bills); here the stored documents are
    matched, the page is picked by key, and only its documents are copied."""
    def key(doc):
        return doc.get("created_at") or "", doc["_id"]

    matches = _stored_matches(collection, query)
    if cursor:
        after = decode_cursor(cursor)
        matches = (doc for doc in matches if key(doc) > after)
    docs = heapq.nsmallest(limit + 1, matches, key=key)
    more = len(docs) > limit
    docs = [_copy(doc, collection.codec_options.tz_aware) for doc in docs[:limit]]
    return {
        "items": [public(d) for d in docs],
        "next_cursor": encode_cursor(docs[-1]) if more else None,
    }


# == compare-and-set on a revision (helper "write-path"; the one write path is writes.py) ==========
# Kept apart from the rest of this module on purpose: one function, the only write that
# ``estate_common.writes`` makes to an existing document.

def update_if(collection, doc, set_fields, *, push=None, events=(), guard=None):
    """Write ``set_fields`` (and append ``push``: ``{array field: [items]}``, and ``events`` to
    ``_outbox``) only if the stored document is still at the revision ``doc`` was read at.

    One single-document update: the filter is ``_id``, ``estate_id`` and ``_rev`` as read (a
    document that never had a ``_rev`` matches ``_rev: None``), plus ``guard`` (more
    conditions, e.g. ``{"history.event_id": {"$ne": event_id}}``); the update sets ``_rev`` to
    the next revision, so a second writer that read the same revision matches nothing.

    Returns the document as written, merged locally from ``doc`` (no read-back), whose
    ``_outbox`` holds only the events of this write; None when the revision moved (or the
    guard failed): nothing was written.
    """
    revision = doc.get("_rev") or 0
    query = {"_id": doc["_id"], "estate_id": doc["estate_id"], "_rev": doc.get("_rev")}
    if guard:
        query.update(guard)
    update = {"$set": {**set_fields, "_rev": revision + 1}}
    pushes = {name: {"$each": list(items)} for name, items in (push or {}).items() if items}
    if events:
        pushes["_outbox"] = {"$each": list(events)}
    if pushes:
        update["$push"] = pushes
    if collection.update_one(query, update).matched_count == 0:
        return None
    written = {**doc, **set_fields, "_rev": revision + 1, "_outbox": list(events)}
    for name, items in (push or {}).items():
        if items:
            written[name] = list(doc.get(name) or []) + list(items)
    return written
