"""The one write path (estate_common.writes) and its compare-and-set (store.update_if), on the
embedded store with a fake outbox: no broker."""
import uuid

import pytest

from estate_common import store, writes
from estate_common.errors import Conflict, NotFound
from estate_common.writes import Change

ESTATE = "est_1"


class FakeOutbox:
    """Builds events as plain dicts and records what is published (and pulls it off, as the
    real one does)."""

    def __init__(self):
        self.published = []
        self.counter = 0

    def event(self, event_type, estate_id, data):
        self.counter += 1
        return {"event_id": f"ev{self.counter}", "event_type": event_type, "estate_id": estate_id, "data": data}

    def publish(self, collection, doc):
        events = doc.get("_outbox", [])
        self.published.extend(events)
        if events:
            collection.update_one({"_id": doc["_id"]},
                                  {"$pull": {"_outbox": {"event_id": {"$in": [e["event_id"] for e in events]}}}})


@pytest.fixture
def things():
    return store.connect(f"test_writes_{uuid.uuid4().hex[:8]}").things


@pytest.fixture
def outbox():
    return FakeOutbox()


def a_thing(things, **fields):
    doc = {"_id": "t1", "estate_id": ESTATE, "status": "open", "history": [], "_rev": 0, **fields}
    things.insert_one(doc)
    return doc


# -- store.update_if ------------------------------------------------------------------

def test_update_if_writes_fields_history_and_events_in_one_write(things):
    doc = a_thing(things)
    written = store.update_if(things, doc, {"status": "closed"}, push={"history": [{"action": "close"}]},
                              events=[{"event_id": "e1"}])
    stored = things.find_one({"_id": "t1"})
    assert stored["status"] == "closed" and stored["_rev"] == 1
    assert stored["history"] == [{"action": "close"}] and stored["_outbox"] == [{"event_id": "e1"}]
    assert written == stored  # merged locally: what a read-back would give


def test_update_if_removes_the_fields_it_is_told_to_unset(things):
    """A marker kept only while something is pending (a partial index holds the few documents
    that have it) is removed by the step that ends it, in the same guarded write."""
    doc = a_thing(things, _owed_by="2026-11-24T09:00:00.000Z")
    written = store.update_if(things, doc, {"status": "started"}, unset=("_owed_by",))
    stored = things.find_one({"_id": "t1"})
    assert "_owed_by" not in stored and stored["status"] == "started" and stored["_rev"] == 1
    assert "_owed_by" not in written and written["status"] == "started"  # merged locally alike


def test_a_change_may_unset_a_field(things, outbox):
    a_thing(things, _owed_by="2026-11-24T09:00:00.000Z")
    written = writes.change(things, ESTATE, "t1", lambda doc: Change({"status": "done"}, unset=("_owed_by",)), outbox)
    assert "_owed_by" not in written and "_owed_by" not in things.find_one({"_id": "t1"})


def test_update_if_refuses_a_moved_revision_and_writes_nothing(things):
    doc = a_thing(things)
    assert store.update_if(things, doc, {"status": "a"}) is not None
    assert store.update_if(things, doc, {"status": "b"}) is None  # read at revision 0, now at 1
    assert things.find_one({"_id": "t1"})["status"] == "a"


def test_update_if_matches_a_document_that_never_had_a_revision(things):
    things.insert_one({"_id": "t1", "estate_id": ESTATE, "status": "open"})
    doc = things.find_one({"_id": "t1"})
    assert store.update_if(things, doc, {"status": "closed"})["_rev"] == 1
    assert store.update_if(things, doc, {"status": "again"}) is None


def test_update_if_is_scoped_by_estate_and_honours_an_extra_guard(things):
    doc = a_thing(things)
    assert store.update_if(things, dict(doc, estate_id="est_2"), {"status": "x"}) is None
    assert store.update_if(things, doc, {"status": "x"}, guard={"status": "closed"}) is None
    assert things.find_one({"_id": "t1"})["status"] == "open"


# -- writes.change --------------------------------------------------------------------

def close(doc):
    if doc["status"] == "closed":
        raise Conflict("closed already")
    return Change({"status": "closed"}, [{"action": "close"}], [("thing_closed", {"id": doc["_id"]})])


def test_change_writes_the_step_and_publishes_its_event_once(things, outbox):
    a_thing(things)
    written = writes.change(things, ESTATE, "t1", close, outbox, what="thing")
    assert written["status"] == "closed" and written["_rev"] == 1
    assert [e["event_type"] for e in outbox.published] == ["thing_closed"]
    assert things.find_one({"_id": "t1"})["_outbox"] == []  # relayed and pulled off
    with pytest.raises(Conflict):
        writes.change(things, ESTATE, "t1", close, outbox)
    assert len(outbox.published) == 1


def test_change_of_a_missing_document_is_404_naming_it(things, outbox):
    with pytest.raises(NotFound, match="no such thing in this estate"):
        writes.change(things, ESTATE, "nope", close, outbox, what="thing")
    a_thing(things)
    with pytest.raises(NotFound):
        writes.change(things, "est_2", "t1", close, outbox, what="thing")


def test_nothing_to_do_answers_the_document_and_writes_nothing(things, outbox):
    a_thing(things)
    doc = writes.change(things, ESTATE, "t1", lambda doc: None, outbox)
    assert doc["_rev"] == 0 and outbox.published == []


def test_a_lost_race_is_decided_again_on_the_new_document_and_written_once(things, outbox):
    a_thing(things, count=0)
    seen = []

    def bump(doc):
        seen.append(doc["count"])
        if len(seen) == 1:  # another writer gets in between this read and this write
            things.update_one({"_id": "t1"}, {"$set": {"count": 10}, "$inc": {"_rev": 1}})
        return Change({"count": doc["count"] + 1}, [], [("thing_counted", {"count": doc["count"] + 1})])

    written = writes.change(things, ESTATE, "t1", bump, outbox)
    assert seen == [0, 10] and written["count"] == 11
    assert things.find_one({"_id": "t1"})["count"] == 11
    assert [e["data"] for e in outbox.published] == [{"count": 11}]  # the losing attempt announced nothing


def test_a_document_that_keeps_changing_is_a_409_after_the_attempts(things, outbox):
    a_thing(things)

    def always_beaten(doc):
        things.update_one({"_id": "t1"}, {"$inc": {"_rev": 1}})
        return Change({"status": "x"}, [])

    with pytest.raises(Conflict):
        writes.change(things, ESTATE, "t1", always_beaten, outbox, attempts=3)
    assert things.find_one({"_id": "t1"})["status"] == "open" and things.find_one({"_id": "t1"})["_rev"] == 3


def test_a_crash_after_the_write_leaves_the_event_in_the_outbox_for_the_sweep(things, outbox, monkeypatch):
    a_thing(things)

    def crash(collection, doc):
        raise RuntimeError("power cut")

    monkeypatch.setattr(outbox, "publish", crash)
    with pytest.raises(RuntimeError):
        writes.change(things, ESTATE, "t1", close, outbox)
    [pending] = things.find_one({"_id": "t1"})["_outbox"]
    assert pending["event_type"] == "thing_closed"


# -- writes.follow --------------------------------------------------------------------

def an_event(event_id="ev-1"):
    return {"event_id": event_id, "estate_id": ESTATE, "data": {"note": "done"}}


def mark_done(doc, event):
    return Change({"status": "done"}, [{"action": "done", "event_id": event["event_id"]}],
                  [("thing_done", {"id": doc["_id"]})])


def test_an_event_is_applied_once_however_often_it_is_delivered(things, outbox):
    a_thing(things)
    writes.follow(things, an_event(), "t1", mark_done, outbox)
    writes.follow(things, an_event(), "t1", mark_done, outbox)
    stored = things.find_one({"_id": "t1"})
    assert len(stored["history"]) == 1 and stored["_rev"] == 1 and len(outbox.published) == 1


def test_the_write_itself_refuses_an_event_applied_meanwhile(things, outbox):
    a_thing(things)

    def racing(doc, event):  # a twin delivery wrote the same event after this read
        things.update_one({"_id": "t1"}, {"$push": {"history": {"event_id": event["event_id"]}}})
        return mark_done(doc, event)

    doc = things.find_one({"_id": "t1"})
    step = racing(doc, an_event())
    assert writes.write(things, doc, step, outbox, guard={"history.event_id": {"$ne": "ev-1"}}) is None


def test_an_event_about_a_document_that_is_not_here_changes_nothing(things, outbox):
    assert writes.follow(things, an_event(), "nope", mark_done, outbox) is None
    assert writes.follow(things, an_event(), None, mark_done, outbox) is None


# -- writes.create ----------------------------------------------------------------------

def test_create_inserts_once_with_its_events_and_a_retry_finds_the_first(things, outbox):
    built = []

    def build():
        built.append(1)
        return {"_id": "t9", "estate_id": ESTATE, "status": "open"}, [("thing_created", {"id": "t9"})]

    first = writes.create(things, ESTATE, "t9", build, outbox)
    again = writes.create(things, ESTATE, "t9", build, outbox)
    assert first["_rev"] == 0 and again["_id"] == "t9" and built == [1]
    assert [e["event_type"] for e in outbox.published] == ["thing_created"]
    assert things.count_documents({}) == 1


def test_create_when_a_twin_won_the_insert_answers_the_twin(things, outbox):
    def build():
        things.insert_one({"_id": "t9", "estate_id": ESTATE, "status": "twin"})
        return {"_id": "t9", "estate_id": ESTATE, "status": "mine"}, [("thing_created", {"id": "t9"})]

    assert writes.create(things, ESTATE, "t9", build, outbox)["status"] == "twin"
    assert outbox.published == []


def test_create_accepts_a_plain_document_without_events(things, outbox):
    doc = writes.create(things, ESTATE, "t3", lambda: {"_id": "t3", "estate_id": ESTATE}, outbox)
    assert "_outbox" not in doc and outbox.published == []


def test_create_that_finds_the_document_answers_what_found_says(things, outbox):
    def taken(stored):
        raise Conflict(f"{stored['_id']} is taken")

    def build():
        return {"_id": "t4", "estate_id": ESTATE}, [("thing_created", {"id": "t4"})]

    assert writes.create(things, ESTATE, "t4", build, outbox, found=taken)["_id"] == "t4"
    with pytest.raises(Conflict):
        writes.create(things, ESTATE, "t4", build, outbox, found=taken)
    assert writes.create(things, ESTATE, "t4", build, outbox, found=lambda stored: None) is None

    def twin_first():
        things.insert_one({"_id": "t5", "estate_id": ESTATE})
        return build()

    with pytest.raises(Conflict):
        writes.create(things, ESTATE, "t5", twin_first, outbox, found=taken)
    assert len(outbox.published) == 1


# -- Named: the entries on collections addressed by name -----------------------------------

@pytest.fixture
def named_db():
    return store.connect(f"test_writes_{uuid.uuid4().hex[:8]}")


def test_named_writes_through_the_collection_it_names_and_its_404_names_the_document(named_db, outbox):
    named = writes.Named({"things": "thing"})
    a_thing(named_db.things)
    assert named.change(named_db, outbox, "things", ESTATE, "t1", close)["status"] == "closed"
    assert named.get(named_db, "things", ESTATE, "t1")["_rev"] == 1
    with pytest.raises(NotFound, match="no such thing in this estate"):
        named.change(named_db, outbox, "things", ESTATE, "t2", close)
    created = named.create(named_db, outbox, "things", ESTATE, "t3", lambda: {"_id": "t3", "estate_id": ESTATE})
    assert created["_id"] == "t3" and named.find(named_db, "things", ESTATE, "t3") is not None


def test_named_announcing_builds_the_events_with_the_announcer_unless_a_caller_passes_its_own(named_db, outbox):
    built = []

    def announcer(outbox_, estate_id, actor=None):
        def announce(event_type, data):
            built.append((event_type, estate_id, actor))
            return outbox_.event(event_type, estate_id, data)
        return announce

    named = writes.Named({"things": "thing"}).announcing(announcer)
    a_thing(named_db.things)
    named.change(named_db, outbox, "things", ESTATE, "t1", close)
    named.create(named_db, outbox, "things", ESTATE, "t2",
                 lambda: ({"_id": "t2", "estate_id": ESTATE}, [("thing_made", {})]), actor="importer")
    assert built == [("thing_closed", ESTATE, None), ("thing_made", ESTATE, "importer")]
    named.create(named_db, outbox, "things", ESTATE, "t4", lambda: ({"_id": "t4", "estate_id": ESTATE}, [("x", {})]),
                 announce=lambda event_type, data: outbox.event(event_type, ESTATE, data))
    assert len(built) == 2 and [e["event_type"] for e in outbox.published] == ["thing_closed", "thing_made", "x"]


# -- an event names its record and the revision it made ------------------------------------

def test_each_event_names_its_record_and_the_revision_its_write_made(things, outbox):
    """Webhooks (and queues) deliver out of order: after a retry a receiver got work_order_completed
    before work_order_created, and nothing in the envelope told which was newer (occurred_at is a
    millisecond that two events of one write share; an integrator's probe). Each event says the
    record whose write it announces and that write's revision: the later step, the higher one."""
    created = writes.create(things, ESTATE, "t1", lambda: ({"_id": "t1", "estate_id": ESTATE, "status": "open"},
                                                           [("opened", {"id": "t1"}), ("assigned", {"id": "t1"})]),
                            outbox)
    assert created["_rev"] == 0
    writes.change(things, ESTATE, "t1", lambda doc: Change({"status": "started"}), outbox)  # announces nothing
    writes.change(things, ESTATE, "t1", lambda doc: Change({"status": "done"}, events=[("done", {"id": "t1"})]),
                  outbox)
    assert [(e["event_type"], e["subject"]) for e in outbox.published] == [
        ("opened", {"id": "t1", "revision": 0}), ("assigned", {"id": "t1", "revision": 0}),
        ("done", {"id": "t1", "revision": 2})]
    assert things.find_one({"_id": "t1"})["_rev"] == 2
# -- updated_at: stamped by the write itself where the collection says so -------------------------

@pytest.fixture
def stamped_db():
    return store.connect(f"test_writes_{uuid.uuid4().hex[:8]}")


def test_every_visible_write_of_a_stamped_collection_moves_updated_at_to_the_moment_of_the_write(stamped_db, outbox):
    """What an integrator syncs by (``updated_since``) is the moment each write was stored: a step
    that says an older time (an event's occurred_at, delivered late) would land behind a sync's
    position and never be read."""
    from datetime import datetime, timedelta, timezone

    from estate_common import clock
    def view(doc):  # the API shows an internal field as another (maintenance's _owed_by as deadline_at)
        return {**store.public(doc), "deadline_at": doc.get("_due")}

    named = writes.Named({"things": "thing", "other": "other"}, stamped={"things": view})
    clock.freeze(datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc))
    try:
        named.create(stamped_db, outbox, "things", ESTATE, "t1", lambda: {
            "_id": "t1", "estate_id": ESTATE, "status": "open", "created_at": "2026-10-01T00:00:00.000Z",
            "updated_at": "2026-10-01T00:00:00.000Z", "history": []})
        assert stamped_db.things.find_one({"_id": "t1"})["updated_at"] == "2026-11-01T08:00:00.000Z"
        steps = [Change({"status": "closed", "updated_at": "2026-10-02T00:00:00.000Z"}),  # a late event's time
                 Change({}, entries=[{"action": "noted"}]),
                 Change({}, push={"notes": ["x"]}),
                 Change({}, unset=("status",))]
        for n, step in enumerate(steps, 1):
            clock.advance(timedelta(seconds=1))
            named.change(stamped_db, outbox, "things", ESTATE, "t1", lambda doc, step=step: step)
            assert stamped_db.things.find_one({"_id": "t1"})["updated_at"] == f"2026-11-01T08:00:0{n}.000Z", step
        event = {"event_id": "ev_x", "estate_id": ESTATE}
        clock.advance(timedelta(seconds=1))
        named.follow(stamped_db, outbox, "things", event, "t1",
                     lambda doc, ev: Change({"seen": True}, entries=[{"action": "seen", "event_id": ev["event_id"]}]))
        assert stamped_db.things.find_one({"_id": "t1"})["updated_at"] == "2026-11-01T08:00:05.000Z"
        # an internal field the API shows under another name is a change
        clock.advance(timedelta(seconds=1))
        named.change(stamped_db, outbox, "things", ESTATE, "t1", lambda doc: Change({"_due": "2026-11-02"}))
        assert stamped_db.things.find_one({"_id": "t1"})["updated_at"] == "2026-11-01T08:00:06.000Z"
        # bookkeeping (fields the API never shows, events alone, the relay's pull, a value set to
        # what it is): not a change, even where the step names an updated_at of its own
        for step in (Change({"_mark": 1, "updated_at": "2026-11-09T00:00:00.000Z"}, events=[("thing_marked", {})]),
                     Change({"seen": True, "_due": "2026-11-02"})):
            clock.advance(timedelta(seconds=1))
            named.change(stamped_db, outbox, "things", ESTATE, "t1", lambda doc, step=step: step)
            stored = stamped_db.things.find_one({"_id": "t1"})
            assert stored["_mark"] == 1 and stored["updated_at"] == "2026-11-01T08:00:06.000Z", step
        assert outbox.published and stored["_outbox"] == []  # pulled, and still not a change
        # a collection not stamped keeps what its steps say
        named.create(stamped_db, outbox, "other", ESTATE, "o1", lambda: {"_id": "o1", "estate_id": ESTATE})
        named.announcing(None).change(stamped_db, outbox, "other", ESTATE, "o1", lambda doc: Change({"x": 1}))
        assert "updated_at" not in stamped_db.other.find_one({"_id": "o1"})
        assert named.announcing(lambda *a: None).stamped == {"things": view}
        assert writes.Named({}, stamped=("a",)).stamped == {"a": store.public}
    finally:
        clock.reset()


def test_a_replica_whose_clock_is_behind_never_moves_updated_at_back(stamped_db, outbox):
    """``updated_at`` is the writer's clock: a replica behind the last writer's stamped an earlier
    time, putting the change behind an integrator's sync position (a review). A write's stamp is at
    least a millisecond after the one it replaces."""
    from datetime import datetime, timedelta, timezone

    from estate_common import clock
    named = writes.Named({"things": "thing"}, stamped=("things",))
    clock.freeze(datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc))
    try:
        named.create(stamped_db, outbox, "things", ESTATE, "t1",
                     lambda: {"_id": "t1", "estate_id": ESTATE, "status": "open"})
        clock.advance(timedelta(seconds=-5))  # the next writer's clock is 5 s behind
        named.change(stamped_db, outbox, "things", ESTATE, "t1", lambda doc: Change({"status": "closed"}))
        assert stamped_db.things.find_one({"_id": "t1"})["updated_at"] == "2026-11-01T08:00:00.001Z"
    finally:
        clock.reset()


# -- a keyed call's steps: applied once per Idempotency-Key ---------------------------------------

def note(doc):
    """A step that appends (a second write of it is a second note), as a reappointment does."""
    return Change({"notes": (doc.get("notes") or 0) + 1}, [{"action": "note"}], [("thing_noted", {})])


def test_a_keyed_step_is_applied_once_and_its_retry_answers_the_document_as_it_is(things, outbox):
    """A call whose answer was lost (the gateway's 503) is sent again with the same key: the step
    found in the document is not decided again, and the retry answers the document as it is."""
    a_thing(things)
    decided = []

    def counted(doc):
        decided.append(doc["_rev"])
        return note(doc)

    with writes.keyed_call("chen", "key-1", "things.note"):
        first = writes.change(things, ESTATE, "t1", counted, outbox)
    with writes.keyed_call("chen", "key-1", "things.note"):
        again = writes.change(things, ESTATE, "t1", counted, outbox)
    stored = things.find_one({"_id": "t1"})
    assert decided == [0] and len(stored["history"]) == 1 and stored["_rev"] == 1
    assert again == stored and first["notes"] == again["notes"] == 1
    assert len(outbox.published) == 1
    assert "_steps" not in store.public(stored)  # bookkeeping: not shown


def test_another_key_caller_method_or_body_applies_the_step_again(things, outbox):
    a_thing(things)
    for user, key, method, payload in [("chen", "key-1", "things.note", {"n": 1}),
                                       ("chen", "key-2", "things.note", {"n": 1}),
                                       ("li", "key-1", "things.note", {"n": 1}), ("chen", "key-1", "things.other", {"n": 1}),
                                       ("chen", "key-1", "things.note", {"n": 2})]:  # the key again, another body
        with writes.keyed_call(user, key, method, payload):
            writes.change(things, ESTATE, "t1", note, outbox)
    with writes.keyed_call("chen", "key-1", "things.note", {"n": 1}):
        writes.change(things, ESTATE, "t1", note, outbox)
    assert len(things.find_one({"_id": "t1"})["history"]) == 5


def test_without_a_key_every_call_applies_its_step_as_before(things, outbox):
    a_thing(things)
    writes.change(things, ESTATE, "t1", note, outbox)
    with writes.keyed_call("chen", None, "things.note"):
        writes.change(things, ESTATE, "t1", note, outbox)
    writes.change(things, ESTATE, "t1", note, outbox)
    stored = things.find_one({"_id": "t1"})
    assert len(stored["history"]) == 3 and "_steps" not in stored


def test_a_call_that_changes_one_document_twice_is_retried_step_by_step(things, outbox):
    """One call's two steps on the same document are two marks (an ordinal in the step's id): its
    retry finds each, and applies neither again."""
    a_thing(things)
    for _ in range(2):
        with writes.keyed_call("chen", "key-1", "things.note_twice"):
            writes.change(things, ESTATE, "t1", note, outbox)
            writes.change(things, ESTATE, "t1", note, outbox)
    assert things.find_one({"_id": "t1"})["notes"] == 2


def test_a_step_once_by_its_own_id_is_not_marked_and_never_skipped_for_anothers_mark(things, outbox):
    """``keyed=False``: a step its ``decide`` applies once by an id of its own (finance's allocation
    taken off a payment or given back) keeps no mark, so in the call sent again another such step
    in the same place of the call (another plan's allocation) is applied, not found "applied"."""
    a_thing(things)

    def once(step_id):
        def decide(doc):
            if step_id in (doc.get("done") or []):
                return None
            return Change({"done": [*(doc.get("done") or []), step_id]})
        return decide

    with writes.keyed_call("chen", "key-1", "things.apply"):
        writes.change(things, ESTATE, "t1", once("a"), outbox, keyed=False)
    with writes.keyed_call("chen", "key-1", "things.apply"):  # sent again: another plan
        writes.change(things, ESTATE, "t1", once("b"), outbox, keyed=False)
    stored = things.find_one({"_id": "t1"})
    assert stored["done"] == ["a", "b"] and "_steps" not in stored


def test_a_retry_that_meets_its_first_call_still_writing_applies_the_step_once(things, outbox, monkeypatch):
    """The first call answered too late and is still writing when its retry arrives: the retry's
    write loses the race on the revision, reads again, finds the first call's mark."""
    a_thing(things)
    original = store.update_if
    raced = []

    def first_call_wins(collection, doc, *args, **kwargs):
        if not raced:
            raced.append(1)
            with writes.keyed_call("chen", "key-1", "things.note"):
                writes.change(things, ESTATE, "t1", note, outbox)
        return original(collection, doc, *args, **kwargs)

    monkeypatch.setattr(store, "update_if", first_call_wins)
    with writes.keyed_call("chen", "key-1", "things.note"):
        writes.change(things, ESTATE, "t1", note, outbox)
    assert things.find_one({"_id": "t1"})["notes"] == 1


def test_the_marks_of_a_stamped_collection_are_bookkeeping_and_kept_bounded(stamped_db, outbox):
    """The mark is never shown nor moves ``updated_at`` by itself; a document keeps the last
    ``STEPS_KEPT`` (the gateway keeps a key far shorter than a document sees that many steps)."""
    named = writes.Named({"things": "thing"}, stamped=("things",))
    a_thing(stamped_db.things, updated_at="2026-10-01T00:00:00.000Z")
    for n in range(writes.STEPS_KEPT + 3):
        with writes.keyed_call("chen", f"key-{n}", "things.note"):
            named.change(stamped_db, outbox, "things", ESTATE, "t1", note)
    stored = stamped_db.things.find_one({"_id": "t1"})
    assert len(stored["_steps"]) == writes.STEPS_KEPT and stored["notes"] == writes.STEPS_KEPT + 3
    assert "_steps" not in store.public(stored)
    assert writes.stamped(store.public, stored, {"_steps": []}) == {"_steps": []}  # no updated_at for it


def test_a_keyed_call_sent_again_finds_the_documents_it_wrote(things, outbox):
    """``sent_again``: a step that checks a document's state before its write (409 "approved
    already" on the retry of an approval whose answer was lost) asks whether this call wrote it
    already, whatever way it wrote it: ``change``, ``Named.write``, ``create``, ``Named.insert``."""
    named = writes.Named({"things": "thing"})
    db = things.database
    a_thing(things)
    calls = [("chen", "k1", "things.close", {"n": 1}), ("chen", "k2", "things.close", {"n": 1}),
             ("li", "k1", "things.close", {"n": 1}), ("chen", "k1", "things.open", {"n": 1}),
             ("chen", "k1", "things.close", {"n": 2})]
    with writes.keyed_call(*calls[0]):
        assert not writes.sent_again(things.find_one({"_id": "t1"}))
        writes.change(things, ESTATE, "t1", lambda doc: Change({"status": "closed"}), outbox)
        named.write(db, outbox, "things", things.find_one({"_id": "t2"}) or a_thing(things, _id="t2"),
                    Change({"status": "closed"}))
        writes.create(things, ESTATE, "t3", lambda: {"_id": "t3", "estate_id": ESTATE, "status": "new"}, outbox)
        named.insert(db, "things", {"_id": "t4", "estate_id": ESTATE, "status": "new"})
    stored = {doc["_id"]: doc for doc in things.find({})}
    with writes.keyed_call(*calls[0]):
        assert all(writes.sent_again(stored[doc_id]) for doc_id in ("t1", "t2", "t3", "t4"))
    for other in calls[1:]:
        with writes.keyed_call(*other):
            assert not any(writes.sent_again(doc) for doc in stored.values())
    assert not any(writes.sent_again(doc) for doc in stored.values())  # no keyed call
    assert not writes.sent_again(None)
    assert all("_steps" not in store.public(doc) for doc in stored.values())


def test_a_keyed_call_is_seen_by_its_own_greenthread_alone():
    """Workers are greenthreads: the call's key is a context variable, which another worker at the
    same moment does not see, and which is gone once the call has ended."""
    import eventlet

    seen = []

    def worker(key):
        with writes.keyed_call("chen", key, "things.note"):
            eventlet.sleep(0.01)
            seen.append((key, writes.current_call().key))

    def bystander():
        eventlet.sleep(0.005)
        seen.append(("none", writes.current_call()))

    threads = [eventlet.spawn(worker, "a"), eventlet.spawn(worker, "b"), eventlet.spawn(bystander)]
    for thread in threads:
        thread.wait()
    assert sorted(seen, key=str) == sorted([("a", "a"), ("b", "b"), ("none", None)], key=str)
    assert writes.current_call() is None


def test_a_stamped_collection_s_inserts_carry_updated_at_and_a_guarded_write_names_its_subject(stamped_db, outbox):
    """A store that inserts without events (one document, or a batch: ``Named.new``) stamps as
    ``create`` does, or a bill of a billing run was no change to any sync; a write guarded by fields
    a writer outside the path moves (a bill's paid amount) refuses when they moved, and otherwise
    names its subject as every write does."""
    from datetime import datetime, timezone

    from estate_common import clock
    named = writes.Named({"things": "thing", "other": "other"}, stamped=("things",))
    clock.freeze(datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc))
    try:
        assert named.insert(stamped_db, "things", {"_id": "t1", "estate_id": ESTATE, "paid": 0})
        assert not named.insert(stamped_db, "things", {"_id": "t1", "estate_id": ESTATE, "paid": 0})
        assert named.new("things", {"_id": "t2"})["updated_at"] == "2026-11-01T08:00:00.000Z"
        assert "updated_at" not in named.new("other", {"_id": "o1"})
        stored = stamped_db.things.find_one({"_id": "t1"})
        assert stored["updated_at"] == "2026-11-01T08:00:00.000Z" and "_rev" not in stored
        step = Change({"paid": 5}, events=[("paid", {"id": "t1"})])
        assert named.write(stamped_db, outbox, "things", stored, step, guard={"paid": 1}) is None
        written = named.write(stamped_db, outbox, "things", stored, step, guard={"paid": 0})
        assert written["paid"] == 5 and written["updated_at"] == "2026-11-01T08:00:00.001Z"
        assert [e["subject"] for e in outbox.published] == [{"id": "t1", "revision": 1}]
    finally:
        clock.reset()


def test_documents_written_by_one_insert_of_many_are_each_as_new_makes_it_with_the_clock_read_once(monkeypatch):
    """A billing run's batch of 1,000 bills read the clock once a bill and copied each twice (``new``):
    ``new_many`` reads it once for the insert, and each document is what ``new`` makes of it."""
    from estate_common import clock
    docs = [{"_id": f"b{n}", "estate_id": "e1", "n": n, **({writes.STEPS: ["old"]} if n == 2 else {})} for n in range(4)]
    docs.append({"estate_id": "e1", "no_id": True})
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    try:
        reads = []
        now_iso = clock.now_iso
        monkeypatch.setattr(clock, "now_iso", lambda: (reads.append(1), now_iso())[1])
        for stamp in (None, True):
            for key in (None, "key-1"):
                with writes.keyed_call("chen", key, "bills.insert"):
                    reads.clear()
                    many = writes.new_many(docs, stamp)
                    assert len(reads) == (1 if stamp else 0)
                    assert many == [writes.new(doc, stamp) for doc in docs]
                    assert [list(doc) for doc in many] == [list(writes.new(doc, stamp)) for doc in docs]
                    assert all(made is not doc for made, doc in zip(many, docs))
    finally:
        clock.reset()


# -- a write conditional on the revision its client's copy stood for (If-Match made atomic: h6) ------

def test_a_conditional_write_at_the_revision_named_is_written_and_at_another_is_a_412(things, outbox):
    from estate_common.errors import PreconditionFailed
    a_thing(things, count=0, _rev=4)
    with writes.conditional(ESTATE, "t1", 4):
        written = writes.change(things, ESTATE, "t1", lambda doc: Change({"count": 1}, []), outbox)
    assert written["count"] == 1 and written["_rev"] == 5
    with writes.conditional(ESTATE, "t1", 4), pytest.raises(PreconditionFailed):
        writes.change(things, ESTATE, "t1", lambda doc: Change({"count": 2}, []), outbox)
    assert things.find_one({"_id": "t1"})["count"] == 1  # nothing written
    # another document of the call, or no condition, is written as before
    things.insert_one({"_id": "t2", "estate_id": ESTATE, "count": 0, "history": [], "_rev": 9})
    with writes.conditional(ESTATE, "t1", 4):
        assert writes.change(things, ESTATE, "t2", lambda doc: Change({"count": 1}, []), outbox)["count"] == 1


def test_a_write_landing_between_the_read_and_the_conditional_write_is_a_412_not_a_second_try(things, outbox):
    """The lost update the gateway's read-then-write let through: another writer gets in after the
    step was decided; the compare-and-set loses, and the document read again is at another revision
    than the client's copy: a 412, the other writer's count kept (not decided again over it)."""
    from estate_common.errors import PreconditionFailed
    a_thing(things, count=0)
    seen = []

    def bump(doc):
        seen.append(doc["count"])
        if len(seen) == 1:  # another writer gets in between this read and this write
            things.update_one({"_id": "t1"}, {"$set": {"count": 10}, "$inc": {"_rev": 1}})
        return Change({"count": doc["count"] + 1}, [], [("thing_counted", {"count": doc["count"] + 1})])

    with writes.conditional(ESTATE, "t1", 0), pytest.raises(PreconditionFailed):
        writes.change(things, ESTATE, "t1", bump, outbox)
    assert seen == [0] and things.find_one({"_id": "t1"})["count"] == 10
    assert outbox.published == []


def test_the_condition_is_the_call_s_first_write_of_the_record_and_checked_before_the_step(things, outbox):
    """A call that writes the record twice: its second step follows its own first write, not the
    client's copy (no 412 of itself). A record moved meanwhile is a 412 before the step is decided
    (not the 409 or 422 its state would give)."""
    from estate_common.errors import PreconditionFailed
    a_thing(things, count=0)
    with writes.conditional(ESTATE, "t1", 0):
        writes.change(things, ESTATE, "t1", lambda doc: Change({"count": 1}, []), outbox)
        written = writes.change(things, ESTATE, "t1", lambda doc: Change({"count": 2}, []), outbox)
    assert written["count"] == 2 and written["_rev"] == 2

    def refuses(doc):
        raise Conflict("not in this state")
    with writes.conditional(ESTATE, "t1", 0), pytest.raises(PreconditionFailed):
        writes.change(things, ESTATE, "t1", refuses, outbox)


def test_a_read_tells_the_revision_of_the_record_it_shows(things):
    """``store.revision_seen``: the revision an item read's answer stands for (the gateway's If-Match
    read), None when none or two revisions of it were shown."""
    doc = a_thing(things, _rev=3)
    with store.revision_seen("t1") as seen:
        store.public(doc)
        store.public({"_id": "other", "_rev": 8})
    assert seen.revision == 3
    with store.revision_seen("t1") as seen:
        pass
    assert seen.revision is None
    with store.revision_seen("t1") as seen:
        store.public(doc)
        store.public({**doc, "_rev": 4})
    assert seen.revision is None
    with store.revision_seen(None) as seen:
        store.public(doc)
    assert seen is not None and seen.revision is None
