"""Helpers for tests of services: a worker with a real (embedded) store and a
recording outbox, so entrypoints run without a broker; callers; events.

Contracts are checked as in production: inputs at the entrypoint, outputs and
events in strict mode (the suite sets ESTATE_CONTRACTS_STRICT=1).
"""
import contextvars

from . import common_store, contracts, outbox_store, store
from .nameko.caller import Caller
from .nameko.outbox import make_event

ADMIN = {"user": "admin", "roles": ["operator_admin"], "estates": ["*"]}


def staff(user, roles, estates):
    return {"user": user, "roles": list(roles), "estates": list(estates)}


class RecordingOutbox:
    """The outbox of a worker under test: events are checked and kept in ``published``."""

    def __init__(self, service_name, request_id=None, actor=None):
        self.service_name = service_name
        self.request_id = request_id
        self.actor = actor
        self.published = []

    def event(self, event_type, estate_id, data, actor=None):
        event = make_event(self.service_name, event_type, estate_id, data,
                           request_id=self.request_id, actor=actor or self.actor)
        contracts.load().check_event(self.service_name, event_type, event)
        return event

    def publish(self, collection, doc):
        events = doc.get("_outbox", [])
        self.published.extend(events)
        if events:
            outbox_store.pull(collection, events[0]["estate_id"], doc["_id"], [e["event_id"] for e in events])

    def of_type(self, event_type):
        return [e for e in self.published if e["event_type"] == event_type]

    def drain(self, timeout=None):
        """Nothing to wait for: ``publish`` records at once (the real relay is asynchronous)."""


def drain_outbox(container, timeout=10.0):
    """Wait until the relay of a running service container has published (or given up on)
    every event handed to it, so a test can look at the outbox right after an RPC."""
    from nameko.testing.utils import get_extension

    from .nameko.outbox import Outbox
    get_extension(container, Outbox).relay.drain(timeout)


# What the gateway found of the staff a call's body names (gateway/assignees.py), per service: its look-up
# of an active technician, guard, as it sends it on every body naming one, each caller of a worker below
# carries it. A service refuses a name no one looked up (``roles.require_looked_up``, found by h7): a test
# of a name the gateway found no one for, or of a call without the look-up, sets the caller's fact itself
# (``service.caller.assignee = "not_a_technician"``, ``= None``). Customer service's ``assignee`` is a
# desk colleague for one call and a paid service's staff for another: its tests set it per call.
LOOKED_UP = {"maintenance": {"assignee": "technician"},
             "security_patrol": {"guard": "security", "to_guard": "security"},
             # and of the contractor an operating cost names (gateway/references.py, customer service's)
             "finance": {"contractor": "found"}}


def _caller_of(service_cls, caller, idempotency_key):
    made = Caller(caller)
    made.idempotency_key = idempotency_key
    for fact, found in LOOKED_UP.get(service_cls.name, {}).items():
        setattr(made, fact, found)
    return made


def worker(service_cls, caller=ADMIN, db=None, idempotency_key=None):
    """An instance of ``service_cls`` wired to an embedded store, a caller and a recording outbox.

    Call its entrypoints directly: ``worker(ArchiveService).create_estate({...})``.
    """
    service = service_cls()
    if db is None:
        db = common_store.embedded_database(f"test_{service_cls.name}")
        store.ensure_indexes(db, service_cls.indexes)
    service.db = db
    service.caller = _caller_of(service_cls, caller, idempotency_key)
    service.outbox = RecordingOutbox(service_cls.name, actor=(caller or {}).get("user"))
    return service


def as_caller(service, caller, idempotency_key=None):
    """The same worker (same store and outbox) acting for another caller, who is the actor of the
    events it announces from now on (as the caller of a real call is)."""
    service.caller = _caller_of(type(service), caller, idempotency_key)
    if isinstance(service.outbox, RecordingOutbox):
        service.outbox.actor = (caller or {}).get("user")
    return service


def event(source, event_type, estate_id, data, request_id="test-request", actor="tester"):
    built = make_event(source, event_type, estate_id, data, request_id=request_id, actor=actor)
    contracts.load().check_event(source, event_type, built)
    return built


def event_dispatcher(amqp_uri):
    """``dispatch(source, event_type, event)``: put an event on the bus by hand as the relay does
    (persistent, confirmed, with its routing facets: ``contracts.facet_keys``). nameko's
    standalone dispatcher knows no facets, so a repair it published would not reach maintenance."""
    from kombu import Connection, Exchange, Producer

    from .nameko.relay import facet_headers

    def dispatch(source, event_type, event):
        headers = facet_headers(event)
        with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
            exchange = Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False)
            Producer(connection.default_channel, exchange=exchange).publish(
                event, routing_key=event_type, serializer="json", delivery_mode=2, headers=headers, declare=[exchange])
    return dispatch


def load_file(path, name):
    """The Python file at ``path`` as a module named ``name``: how a test directory uses another's
    helpers (tests/e2e's conftest and flows), which are not importable as packages when the
    whole suite is collected (several test directories are called ``tests``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module



def side_by_side(monkeypatch, *calls, at=None, in_turn=False, hold=10):
    """Run ``calls`` (functions of no argument) at once, each in its greenthread and held at its
    first insert (``estate_common.store.insert_new``: what every create and every claim writes
    with) until each of them has reached its own: whatever one read before writing, it read before
    any of them wrote, as two requests at once may. ``[(result, None) or (None, error)]`` in the
    order of ``calls``. A call that ends without an insert lets the others go on.

    ``at``: ``(owner, name)`` of another function to hold them at (the first call of a service
    store's conditional write, say), for a race whose read-then-write is not an insert.
    ``in_turn``: once all are held, each goes on only when the call before it in ``calls`` has
    ended (else in whatever order they wake): the order of the writes, chosen by the test.
    ``hold``: the seconds the first held waits for the others. A test whose point is that the
    others wait elsewhere (a lock the first holds) sees the first go on only after it, so names a
    short one: unstopped, the others reach the hold within milliseconds."""
    import threading

    import eventlet

    from eventlet.event import Event

    owner, name = at or (store, "insert_new")
    original = getattr(owner, name)
    barrier, held = threading.Barrier(len(calls), timeout=hold), set()
    ended, turn_of = [Event() for _ in calls], {}

    def wait_once():
        me = eventlet.getcurrent()
        if me not in held:
            held.add(me)
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            if in_turn and turn_of[me] > 0:
                ended[turn_of[me] - 1].wait()

    def held_there(*args, **kwargs):
        wait_once()
        return original(*args, **kwargs)

    def run(index, call):
        turn_of[eventlet.getcurrent()] = index
        try:
            return call(), None
        except Exception as error:  # noqa: BLE001 - the caller asserts on what each call met
            return None, error
        finally:
            if eventlet.getcurrent() not in held:
                barrier.abort()
            ended[index].send(True)

    monkeypatch.setattr(owner, name, held_there)
    threads = [eventlet.spawn(run, index, call) for index, call in enumerate(calls)]
    answers = [thread.wait() for thread in threads]
    monkeypatch.setattr(owner, name, original)
    return answers


class LeaseWaits:
    """The clock of the waits for a lease (``leases_store.wait_for``) counted, no one sleeping: each look
    again is recorded (``slept``) and moves the wait's clock on by it. A test says how long a call waits,
    or that it never waits, by what the wait did, not by the wall clock (a loaded machine's seconds).
    ``lease_waits(monkeypatch)``."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    @property
    def waited(self):
        return sum(self.slept)


def lease_waits(monkeypatch):
    """``LeaseWaits`` in place of the clock of ``leases_store``'s waits (its ``time``)."""
    from . import leases_store
    waits = LeaseWaits()
    monkeypatch.setattr(leases_store, "time", waits)
    return waits


def stalled_after_the_check(monkeypatch, meanwhile):
    """The holder's next write under a lease paused right after its check (``leases_store.still_ours``)
    passed, before the store writes (a collection of garbage, a starved green thread, a slow store):
    ``meanwhile`` runs then, as another call (a context of its own: none of the holder's leases), once.
    The list it answers says whether the pause came. No one sleeps: the test moves the clock."""
    from . import leases_store
    checked = leases_store.still_ours
    stalls = []

    def check():
        checked()
        if not stalls:
            stalls.append(True)
            contextvars.Context().run(meanwhile)
    monkeypatch.setattr(leases_store, "still_ours", check)
    return stalls


def estate_retired(service, estate_id, retired_at):
    """The service's read copy of the estate retired at ``retired_at`` (None: reinstated), as
    archive's ``estate_updated`` of the copy's next version tells it."""
    copy = common_store.find_copy(service.db, "estates", estate_id, estate_id)
    data = {"id": estate_id, "estate_id": estate_id, "code": copy["code"], "name": copy["name"],
            "address": copy["address"], "timezone": copy.get("timezone") or "Asia/Shanghai",
            "version": max(copy.get("version", 1) + 1, 2), "retired_at": retired_at}
    service.copy_estate_edit(event("archive", "estate_updated", estate_id, data))


def refuses_periods_before_records(service, rpc, estate_id, unregister, name="period", before=("1900-01", "2016-02"),
                                   from_the_first=("2016-03",), before_the_floor=("1949-12",)):
    """Assert that ``service.rpc`` refuses a report of a period before the estate's records can begin
    (``replica.refuse_before_records``) and answers from the first: the estate's copy registered on
    9 March 2026 (``created_at`` 2026-03-09) has no records before 2016-03 (its registration less
    ``replica.RECORDS_REACH_MONTHS``), and a copy without a registration none before 1950-01. Each
    period is given as the filter ``name`` (``before_the_floor``: periods just before 1950-01, refused
    then; in ``name``'s own form); ``unregister()`` takes the copy's ``created_at`` away on
    the way (the test's own write: only store modules reach the database)."""
    from .errors import BusinessRuleViolation

    def ask(period):
        return getattr(service, rpc)({"estate_id": estate_id, "filters": {name: period}})

    def refusal(period):
        try:
            ask(period)
        except BusinessRuleViolation as refused:
            return refused
        raise AssertionError(f"{rpc} answered a {name} of {period}, before the estate's records")

    for period in before:
        refused = refusal(period)
        assert refused.errors == [{"field": f"filters.{name}",
                                   "message": "is before 2016-03, the earliest month of the estate's records"}], period
        assert "registered on 2026-03-09" in refused.detail
    for period in from_the_first:
        answer = ask(period)
        assert answer and answer.get(name, period) == period, (period, answer)
    unregister()  # a copy from before the registration was carried
    for period in (before[0], *before_the_floor):
        assert refusal(period).errors[0]["message"] == "is before 1950-01, the earliest month of the estate's records"
    assert ask(before[-1])
