"""The one write path: load, let the domain decide, write with a revision check and the
events in the same document write, retry on a lost race, hand the events to the outbox.

Every change to a stored document goes the same way::

    doc = load(estate, id)                       # 404 when it is not there
    step = decide(doc)                           # plain domain code: a Change, or None
    written = store.update_if(doc, step.set,     # one single-document write: the fields,
                              history, events)   # the history entries and the events, only if
                                                 # the document is still at the revision read
    outbox.publish(collection, written)          # the relay takes the events from there

- ``decide`` raises a ``DomainError`` (409, 422 …) to refuse; nothing is written. It returns
  None when there is nothing to do (a replay of a step that is done): the document is
  answered as it is.
- A lost race (another writer moved the revision between the read and the write) writes
  nothing; the document is read again and ``decide`` runs again on what is there now. After
  ``attempts`` lost races the caller gets a 409 to retry. A step is never written twice: a
  write is one update guarded by the revision it was decided on.
- A write under a lease (``leases_store.held``: a lock of a household's money, the team's month)
  first checks that the lease is still the call's (``leases_store.still_ours``): one taken over
  meanwhile by another writer is a 409, nothing written. The write carries the lease's fence too
  (``leases_store.fences``): a holder paused after that check, whose lease another took and wrote
  the document under meanwhile, is refused by the update itself (409, nothing written).
- The events go into the document's ``_outbox`` in the same write (no event without its
  effect, no effect without its event); ``outbox.publish`` relays them afterwards, and the
  outbox sweep relays whatever a crash left there.

``updated_at`` on a *stamped* collection (``Named(..., stamped=...)``: the lists integrators sync
with ``updated_since``) is the moment of the write, set here on its insert and on every write that
changes what the API shows of it (its view before and after the step differ), whatever time the
step names (an event's ``occurred_at`` delivered late would put the change behind an integrator's
position, never to be read). Bookkeeping (fields the view drops, the events of the ``_outbox``,
the relay's pull) does not move it: nothing the integrator sees changed.

A caller's step that the call's Idempotency-Key names (``keyed_call``: the RPC entrypoint sets
it for the call, ``estate_common.nameko.entrypoints.rpc_method``) is applied once per key: its
write keeps a mark of it in the document (``_steps``, the step's id derived from the caller, the
key, the RPC method and its payload, the document, the step's function and the how-manyth change
of that document by it in the call), and the same call sent again (its first answer lost: the gateway's 503) finds the mark and answers the
document as it is without deciding again, as ``follow`` does with an event's id. A step that
appends (a second appointment, quote or attempt) is not appended twice, and a step that moves a
state answers the retry as it is rather than 409. The mark is bookkeeping: the API never shows it
and it never moves ``updated_at``.

A keyed call also leaves one mark of its own on every document it writes (``change``, ``Named.write``,
``create`` and ``Named.insert``): ``sent_again(doc)`` tells a step that reads the document and refuses
on its state before any write (a fee standard "approved already", a maintenance fund use "decided
already"), or finds it by what its write changed (a plate's open parking session), that this call
wrote it already: the step answers it as it is, as the first call did, rather than 409, 404 or a
second effect.

Three entries: ``change`` (a caller's step on a document), ``follow`` (what an event from
another service means to one of our documents, applied once per ``event_id``), ``create``
(insert once by natural id, with its events). Each takes the store's handle to one
collection: a service's ``store.py`` passes it, so nothing else holds a collection. ``Named``
is the four on collections addressed by name, as every service's ``store.py`` binds them.
"""
import contextlib
import contextvars
from dataclasses import dataclass, field
from datetime import timedelta

from . import clock, ids, leases_store, store
from .errors import Conflict, NotFound, PreconditionFailed

ATTEMPTS = 3  # reads and writes of a step before a lost race is answered 409
STEPS = "_steps"  # the marks of the keyed steps applied to a document (``keyed_call``)
STEPS_KEPT = 20  # the last ones a document keeps: its steps retried within a key's life


@dataclass
class Change:
    """What one step does to a stored document: fields to set, history entries to append,
    events to announce (``[(event_type, data)]``, or events built already with
    ``outbox.event``), other arrays to append to (``{field: [items]}``) and fields to remove
    (``unset``: a marker kept only while something is pending, which a partial index holds, as
    maintenance's deadline of the work an order owes)."""
    set: dict
    entries: list = field(default_factory=list)
    events: list = field(default_factory=list)
    push: dict = field(default_factory=dict)
    unset: tuple = ()


def _after(doc, set_fields, push, unset):
    """The document as ``update_if`` will write it (``update_if``'s own merge)."""
    after = {name: value for name, value in doc.items() if name not in unset}
    after.update(set_fields)
    for name, items in (push or {}).items():
        if items:
            after[name] = list(doc.get(name) or []) + list(items)
    return after


def stamped(view, doc, set_fields, push=None, unset=()):
    """``set_fields`` with ``updated_at`` the moment of this write when it changes what the API shows
    of the document (``view``: the service's answer of it, ``store.public`` by default, compared
    without ``updated_at``); without any ``updated_at`` when it does not (bookkeeping: a step's own
    stamp on it would move the document in an integrator's sync with nothing new to see). Never
    before the stamp it replaces: a replica whose clock is behind the last writer's stamps a
    millisecond after it, not behind a sync's position."""
    def seen(document):
        shown = dict(view(document))
        shown.pop("updated_at", None)
        return shown

    fields = {name: value for name, value in set_fields.items() if name != "updated_at"}
    if seen(doc) != seen(_after(doc, fields, push, unset)):
        now, last = clock.now_iso(), doc.get("updated_at")
        if isinstance(last, str) and last >= now:
            now = clock.to_iso(clock.parse_iso(last) + timedelta(milliseconds=1))
        fields["updated_at"] = now
    return fields


def write(collection, doc, step, outbox, *, guard=None, announce=None, stamp=None):
    """One attempt: ``step`` (a Change) written on ``doc`` if its revision has not moved, then
    its events published. The document as written, or None when the race was lost. ``stamp``:
    the collection is synced by ``updated_at`` (see above), the view of a document the API shows."""
    announced = _of_subject(_events(outbox, doc["estate_id"], step.events, announce), doc["_id"],
                            (doc.get("_rev") or 0) + 1)
    push = dict(getattr(step, "push", None) or {})
    if step.entries:
        push["history"] = list(step.entries)
    unset = getattr(step, "unset", ())
    fields = stamped(stamp, doc, step.set, push, unset) if stamp else step.set
    leases_store.still_ours()  # a lease the call writes under, lost meanwhile: nothing written (409)
    condition = _held(doc)  # If-Match: the revision the client's tag stands for, checked as read
    fences = leases_store.fences()  # and one lost after that check: its fence refuses the write itself
    written = store.update_if(collection, doc, fields, push=push, events=announced, guard=guard, unset=unset,
                              fences=fences)
    if written is None and fences:
        leases_store.refuse_if_fenced_off(store.find_in_estate(collection, doc["estate_id"], doc["_id"]), fences)
    if written is not None and condition is not None:
        condition.met = True  # this call's next steps on it are its own, not the client's copy's
    if written is not None and announced:
        outbox.publish(collection, written)
    return written


class KeyedCall:
    """A call that carries an Idempotency-Key: who (``user``), the key, the RPC method
    (``<service>.<method>``) and what it asked (``request``: its payload's digest, the gateway's
    record of a key being of its body too: the same key released by a 503 and sent with another
    body is another step); the ids of its steps (``step_id``)."""

    def __init__(self, user, key, method, request=""):
        self.user, self.key, self.method, self.request = user, key, method, request
        self._changes = {}  # (collection, document id) -> how many steps of this call changed it

    def step_id(self, collection, doc_id, decide=None):
        """The id of this call's next step on ``doc_id`` by ``decide`` (its function's qualified name:
        a call that resumes a flow a crash stopped half-way, as finance's refund, skips the steps it
        finds done, and its first step is not the first call's): the same in the call sent again,
        which takes the same steps in the same order."""
        where = (getattr(collection, "name", ""), doc_id,
                 f"{getattr(decide, '__module__', '')}.{getattr(decide, '__qualname__', '')}")
        ordinal = self._changes.get(where, 0)
        self._changes[where] = ordinal + 1
        return ids.natural_id("stp", self.user or "", self.key, self.method, self.request, *where, ordinal)

    def wrote_id(self, doc_id):
        """The mark this call leaves on each document it writes, whatever the step (``sent_again``)."""
        return ids.natural_id("stw", self.user or "", self.key, self.method, self.request, doc_id)


_CALL = contextvars.ContextVar("estate_common.writes.call", default=None)


class Condition:
    """A write conditional on a record's revision (``conditional``): the document ``target`` of the
    estate, at ``revision``; ``met`` once this call wrote it at that revision."""

    def __init__(self, estate_id, target, revision):
        self.estate_id, self.target, self.revision, self.met = estate_id, target, revision, False


_CONDITION = contextvars.ContextVar("estate_common.writes.condition", default=None)


@contextlib.contextmanager
def conditional(estate_id, target, revision):
    """Within it, the first write of the document ``target`` of ``estate_id`` (``change``, ``write``)
    is made only at ``revision``: the version whose tag the client sent in ``If-Match`` (the gateway
    read the record, compared the tag and sends the revision that read stood for). The check is the
    write's own: ``update_if`` writes at the revision read, so a write landing after the gateway's
    read (its tag check) is found here, a 412 ``PreconditionFailed``, nothing written, and one landing
    between this read and the write loses the race and is found on the read again. Found moved before
    the step is decided: a 412, not the 409 or 422 of the state another writer left. Without a
    ``revision`` (a service that reported none), nothing."""
    token = _CONDITION.set(Condition(estate_id, target, revision) if target and revision is not None else None)
    try:
        yield
    finally:
        _CONDITION.reset(token)


def _held(doc):
    """The condition on ``doc``, when the call has one not met yet; a 412 when ``doc`` is not at its
    revision."""
    condition = _CONDITION.get()
    if condition is None or condition.met or doc.get("_id") != condition.target \
            or doc.get("estate_id") != condition.estate_id:
        return None
    if (doc.get("_rev") or 0) != condition.revision:
        raise PreconditionFailed("the record changed since the copy whose ETag was sent in If-Match: read it again")
    return condition


@contextlib.contextmanager
def keyed_call(user, key, method, payload=None):
    """Within it, ``change`` applies each step once per ``key`` and ``payload`` (the call's, see
    above); without a key, every call applies its steps. A context variable: a nameko worker is a greenthread of its own,
    which another worker's call does not see, and it is gone when the call ends."""
    token = _CALL.set(KeyedCall(user, key, method, ids.content_digest(payload) if payload is not None else "")
                      if key else None)
    try:
        yield
    finally:
        _CALL.reset(token)


def current_call():
    """The keyed call under way in this greenthread, or None."""
    return _CALL.get()


def sent_again(doc):
    """Whether the keyed call under way wrote ``doc`` already (its answer lost, it is sent again
    with its Idempotency-Key): a step that checks the document's state before its write, or finds
    it by what the write changed, answers it as it is (see above). False without a keyed call."""
    call = _CALL.get()
    return call is not None and doc is not None and call.wrote_id(doc["_id"]) in (doc.get(STEPS) or ())


def call_marks(doc):
    """The marks ``doc`` keeps after a write of the keyed call under way made outside ``change`` (a raw
    ``$set`` under a store lock: finance's bank statement lines), with the call's own (``sent_again``);
    None without a keyed call (nothing to mark)."""
    call = _CALL.get()
    return _marks(doc, call.wrote_id(doc["_id"])) if call is not None else None


def _marks(doc, *marks):
    """The document's marks with ``marks`` added (each once), the last ``STEPS_KEPT``."""
    kept = list(doc.get(STEPS) or [])
    kept += [mark for mark in marks if mark not in kept]
    return kept[-STEPS_KEPT:]


def _marked(step, doc, *marks):
    """``step`` with ``marks`` kept in the document (``_marks``), in the same write."""
    return Change({**step.set, STEPS: _marks(step.set if STEPS in step.set else doc, *marks)}, list(step.entries),
                  list(step.events), dict(getattr(step, "push", None) or {}), tuple(getattr(step, "unset", ())))


def _wrote(step, doc):
    """``step`` with the keyed call's own mark (``sent_again``), when one is under way."""
    call = _CALL.get()
    return step if call is None else _marked(step, doc, call.wrote_id(doc["_id"]))


def change(collection, estate_id, doc_id, decide, outbox, *, what="document", attempts=ATTEMPTS, announce=None,
           stamp=None, keyed=True):
    """Apply ``decide(doc)`` to the document ``doc_id`` of ``estate_id``; the document as written
    (or as it is, when ``decide`` says there is nothing to do, or when the keyed call under way
    applied this step already: ``keyed_call``).

    ``keyed=False``: a step applied once by an id of its own, which ``decide`` finds in the
    document (finance's allocation taken off or given back to a payment): no mark. A mark names a
    step by its order in the call, and a call sent again that takes another such step (another
    plan's allocation) in that place would find the first's mark and skip it.

    404 ``no such <what> in this estate`` when it is not there; 409 when it kept changing."""
    call = _CALL.get() if keyed else None
    step_id = call.step_id(collection, doc_id, decide) if call is not None else None
    for _ in range(attempts):
        doc = store.find_in_estate(collection, estate_id, doc_id)
        if doc is None:
            raise NotFound(f"no such {what} in this estate")
        if step_id is not None and step_id in (doc.get(STEPS) or ()):
            return doc  # the call sent again: its step is there
        _held(doc)  # a 412 before the step is decided on what another writer left
        step = decide(doc)
        if step is None:
            return doc
        if step_id is not None:
            step = _marked(step, doc, step_id, call.wrote_id(doc_id))
        written = write(collection, doc, step, outbox, announce=announce, stamp=stamp)
        if written is not None:
            return written
    raise Conflict("it kept changing while it was being written: read it again and retry", retry_after=1)


def applied(doc, event_id):
    """Whether a step caused by this event is in the document's history already."""
    return any(entry.get("event_id") == event_id for entry in doc.get("history") or [])


def follow(collection, event, doc_id, decide, outbox, *, attempts=ATTEMPTS, announce=None, stamp=None):
    """Apply what ``event`` means to our document ``doc_id``: ``decide(doc, event)``, once.

    The step's history entries carry the ``event_id`` (at least one of them): a redelivered
    event finds it there and changes nothing, and the write itself is guarded by it too. None
    when the document is not ours or not here; the document otherwise. A document that keeps
    changing raises Conflict, so the event is redelivered rather than lost."""
    event_id = event["event_id"]
    for _ in range(attempts):
        doc = store.find_in_estate(collection, event["estate_id"], doc_id) if doc_id else None
        if doc is None:
            return None
        if applied(doc, event_id):
            return doc
        step = decide(doc, event)
        if step is None:
            return doc
        written = write(collection, doc, step, outbox, guard={"history.event_id": {"$ne": event_id}},
                        announce=announce, stamp=stamp)
        if written is not None:
            return written
    raise Conflict("the document kept changing while an event was applied; it will be redelivered")


def create(collection, estate_id, doc_id, build, outbox, *, announce=None, found=None, stamp=None, fresh=False):
    """Insert the document ``doc_id`` once, with its events.

    ``build()`` runs only when the document is not there yet; it returns the document, or
    ``(document, [(event_type, data)])``. A retry (the document is found, or a concurrent twin
    won the insert) announces nothing and answers ``found(stored document)``: by default the
    stored document; ``found`` raises to refuse a second document with the same natural id
    (a code that is taken), or answers None to tell the caller nothing was inserted.

    ``fresh``: ``doc_id`` was just made (``Caller.creates_new_id``: an ObjectId no document has),
    so it is not looked up first, a read that found nothing on every such create (issue 15's
    write path); a twin would still fail the insert and be answered as above."""
    answer = found or (lambda stored: stored)
    existing = None if fresh else store.find_in_estate(collection, estate_id, doc_id)
    if existing is not None:
        return answer(existing)
    built = build()
    doc, events = built if isinstance(built, tuple) else (built, [])
    doc = new(doc, stamp)
    doc.setdefault("_rev", 0)
    announced = _of_subject(_events(outbox, estate_id, events, announce), doc["_id"], doc["_rev"])
    if announced:
        doc["_outbox"] = announced
    leases_store.still_ours()
    if not store.insert_new(collection, doc):
        return answer(store.find_in_estate(collection, estate_id, doc_id))
    if announced:
        outbox.publish(collection, doc)
    return doc


def new(doc, stamp=None):
    """``doc`` as it is first written: with ``updated_at`` the moment of the write on a stamped
    collection (``stamp``), and the keyed call's mark (``sent_again``) when one is under way."""
    return new_many([doc], stamp)[0]


def new_many(docs, stamp=None):
    """``new`` of each of ``docs``, written by one insert of many: the moment of the write read once
    for them all, each copied once (a billing run read the clock and copied each bill twice, a bill).
    The one rule of a first write: ``new`` is this of one document (found by r1 reviewing h1: two copies)."""
    call = _CALL.get()
    moment = {"updated_at": clock.now_iso()} if stamp else {}
    fences = leases_store.fences()  # the leases it is written under: a stalled holder's later write of it refused
    if fences:
        moment[leases_store.FENCES] = fences
    if call is None:
        return [{**doc, **moment} for doc in docs]
    return [{**doc, STEPS: _marks(doc, call.wrote_id(doc["_id"])), **moment} if "_id" in doc else {**doc, **moment}
            for doc in docs]


class Named(store.Collections):
    """The entries above on a service's collections addressed by name (``names``: what the API
    calls one document of each, for the 404 of ``change``), with ``store.Collections``'s reads.

    A service's ``store.py`` binds one (``_named = writes.Named(NAMES)``) and hands out its
    methods; the collection handle comes from ``store.Collections``, so only store modules hold
    one. ``announcer``: how the service builds the events of a step,
    ``announcer(outbox, estate_id[, actor])`` (its ``events.announcer``); without one, or when a
    caller passes ``announce``, the events are built as the entries above build them.
    ``stamped``: the collections whose every write that changes what the API shows sets
    ``updated_at`` (see above): their names, or ``{name: view}`` where the API shows a document
    otherwise than ``store.public`` does (a field derived from an internal one)."""

    def __init__(self, names, announcer=None, stamped=()):
        super().__init__(names)
        self.announcer = announcer
        self.stamped = dict(stamped) if isinstance(stamped, dict) else {name: store.public for name in stamped}

    def announcing(self, announcer):
        """The same collections, whose ``change``, ``create`` and ``follow`` build their events
        with ``announcer`` (a service's operations: ``store.named.announcing(events.announcer)``)."""
        return Named(self.names, announcer, self.stamped)

    def _announce(self, outbox, estate_id, announce, actor=None):
        if announce is not None or self.announcer is None:
            return announce
        return self.announcer(outbox, estate_id) if actor is None else self.announcer(outbox, estate_id, actor)

    def change(self, db, outbox, collection, estate_id, doc_id, decide, announce=None, actor=None, keyed=True):
        """``decide(doc)`` written with a revision check (decided again on a lost race); 404 when absent.
        ``actor``: who, for the announcer, when no caller is (a step another service announced);
        ``keyed``: see ``change``."""
        return change(self.collection(db, collection), estate_id, doc_id, decide, outbox,
                      what=self.names[collection], announce=self._announce(outbox, estate_id, announce, actor),
                      stamp=self.stamped.get(collection), keyed=keyed)

    def follow(self, db, outbox, collection, event, doc_id, decide, announce=None):
        """What ``event`` means to our document ``doc_id``, applied once per event."""
        return follow(self.collection(db, collection), event, doc_id, decide, outbox,
                      announce=self._announce(outbox, event["estate_id"], announce), stamp=self.stamped.get(collection))

    def create(self, db, outbox, collection, estate_id, doc_id, build, found=None, announce=None, actor=None,
               fresh=False):
        """Insert once by natural id, with its events; a retry answers ``found(stored)`` (by
        default the stored document). ``actor``: who, for the announcer, when no caller is;
        ``fresh``: see ``create``."""
        return create(self.collection(db, collection), estate_id, doc_id, build, outbox, found=found,
                      announce=self._announce(outbox, estate_id, announce, actor), stamp=self.stamped.get(collection),
                      fresh=fresh)

    def write(self, db, outbox, collection, doc, step, guard=None):
        """One attempt of ``step`` on ``doc`` as read: the document as written, or None (it moved
        since it was read, or no longer matches ``guard``: more conditions on fields a writer outside
        this path moves, and whoever moved it wins)."""
        return write(self.collection(db, collection), doc, _wrote(step, doc), outbox,
                     stamp=self.stamped.get(collection), guard=guard)

    def insert(self, db, collection, doc):
        """Insert ``doc`` without events (False when its ``_id`` is taken), as first written (``new``)."""
        leases_store.still_ours()
        return store.insert_new(self.collection(db, collection), self.new(collection, doc))

    def new(self, collection, doc):
        """``doc`` as first written to ``collection`` (``new``: ``updated_at`` on a stamped one), for
        a store that inserts many at once."""
        return new(doc, self.stamped.get(collection))

    def new_many(self, collection, docs):
        """``new_many``: ``docs`` as first written by one insert of many."""
        return new_many(docs, self.stamped.get(collection))


def _events(outbox, estate_id, events, announce):
    make = announce or (lambda event_type, data: outbox.event(event_type, estate_id, data))
    return [event if isinstance(event, dict) else make(*event) for event in events]


def _of_subject(events, doc_id, revision):
    """Each event names the record whose write announces it and the revision that write made
    (``subject``, optional in the envelope): events of one record are ordered by it, those of one
    write share it and keep their order. The bus and webhooks deliver out of order (a retry, a
    queue per event type), and occurred_at, a millisecond, told no order between a record's
    events (an integrator's probe)."""
    return [event if "subject" in event else {**event, "subject": {"id": doc_id, "revision": revision}}
            for event in events]

