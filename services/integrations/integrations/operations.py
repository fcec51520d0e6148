"""The steps of integrations' calls, events and timer: the rules (``webhooks``, ``targets``,
``signing``) over the store, through the one write path (``estate_common.writes``)."""
import logging
import random
import time
from datetime import timedelta

import eventlet
from eventlet.queue import Empty, LightQueue

from estate_common import clock, config, contracts, logs, metrics, retention, writes
from estate_common.errors import Conflict, NotFound
from estate_common.store import shown

from . import sealing, sender, signing, store, webhooks

log = logging.getLogger("integrations.deliveries")

SERVICE = "integrations"
LEASE_SECONDS = 60  # a claimed delivery is not due again before this (its worker died: tried again)
BATCH = 50  # due deliveries taken per run of the delivery timer
PARALLEL = 10  # attempts in flight at once per process
# deliveries taken into one run for a webhook that is failing (its backlog does not crowd out the
# others' in the run's batch); within a run, webhooks.RunLanes holds back the rest of any webhook's
# deliveries until one was delivered
PER_FAILING_WEBHOOK = 2
LOOKED_AT = 10 * BATCH  # due deliveries read to fill a run fairly
# how often due deliveries are looked for: the timer between runs, and a run while an attempt is slow
POLL_SECONDS = config.env_float("WEBHOOK_POLL_SECONDS", 1.0)
# why a due delivery is given up without an attempt (its last_error)
GIVEN_UP = {"deleted": "the webhook was deleted", "switched_off": "the webhook is switched off"}


def allow_private():
    """``WEBHOOK_ALLOW_PRIVATE=1``: local receivers (make run, the tests); never in production."""
    return config.env("WEBHOOK_ALLOW_PRIVATE", "0") == "1"


def delivery_retention_seconds():
    """How long a delivered or failed delivery is kept (then its TTL index removes it)."""
    return config.env_int("WEBHOOK_DELIVERY_RETENTION_SECONDS", 30 * 24 * 3600)


def _kept_until_expiry(step, now):
    """A step that ends a delivery (delivered, failed) starts its retention."""
    if step.set.get("status") in ("delivered", "failed"):
        step.set["expire_at"] = retention.expire_at(delivery_retention_seconds(), now)
    return step


def lease_seconds():
    """How long a claimed delivery is not due again: twice an attempt's longest, at least
    ``LEASE_SECONDS``."""
    return max(LEASE_SECONDS, 2 * sender.attempt_seconds(timeout_seconds()))


# what a replica's clock may be ahead of another's: a delivery due within a lease and this is
# left alone by a deletion, since it may be on its way
CLOCK_MARGIN_SECONDS = 30


def timeout_seconds():
    return config.env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)


def event_types():
    """The public event types a subscription may name (every contract of another service)."""
    return webhooks.public_event_types(contracts.load().event_types())


# -- subscriptions ----------------------------------------------------------------------------

def create_webhook(db, outbox, caller, estate_id, data, resolve=None):
    """Its id derives from the caller's Idempotency-Key, if any: a retry after a lost answer
    finds the first subscription (answered without a secret: its own was shown once, if ever)."""
    secret = signing.new_secret()
    sealed = sealing.seal(secret)
    doc = webhooks.new_subscription(caller.created_id("whk", estate_id), estate_id, data, sealed, caller.user,
                                    clock.now_iso(), set(event_types()), allow_private(), resolve)
    written = store.create(db, outbox, "webhooks", estate_id, doc["_id"], lambda: doc)
    return webhooks.answer_with_secret(written, secret, sealed)


def list_webhooks(db, estate_id, filters, limit, cursor):
    page = store.list_webhooks(db, estate_id, filters, limit, cursor)
    return dict(page, items=[webhooks.subscription_view(doc) for doc in page["items"]])


def get_webhook(db, estate_id, webhook_id):
    # its own view, not ``public``: ``shown`` keeps the revision it stands for (an If-Match's read)
    return webhooks.subscription_view(shown(store.get(db, "webhooks", estate_id, webhook_id)))


def update_webhook(db, outbox, caller, estate_id, webhook_id, data, resolve=None):
    known, private, now = set(event_types()), allow_private(), clock.now_iso()
    written = store.change(db, outbox, "webhooks", estate_id, webhook_id,
                           lambda doc: webhooks.patch(doc, data, caller.user, now, known, private, resolve))
    return webhooks.subscription_view(written)


def rotate_webhook_secret(db, outbox, caller, estate_id, webhook_id, data):
    """A new signing secret, shown in this answer only; the old one signs beside it for
    ``keep_previous_hours``, by default the estate's ``webhook_secret_overlap_hours``."""
    secret, now = signing.new_secret(), clock.now()
    hours = data.get("keep_previous_hours", store.rules_for(db, estate_id)["webhook_secret_overlap_hours"])
    sealed = sealing.seal(secret)
    written = store.change(db, outbox, "webhooks", estate_id, webhook_id,
                           lambda doc: None if _rotated_by_this_call(doc, caller, estate_id)
                           else webhooks.rotated(doc, sealed, now, hours, caller.user))
    return webhooks.answer_with_secret(written, secret, sealed)


def _rotated_by_this_call(doc, caller, estate_id):
    """A retry with the caller's Idempotency-Key (its answer lost) rotates no second time: that
    would stop at once the secret the receiver still has. The keyed call's own mark says so
    (``writes.sent_again``; ``writes.change`` answers it first by its step's). A rotation written
    before the marks has none: it kept the key in ``_rotation_key`` (the last rotation's: the next
    takes it off, ``webhooks.rotated``), read until those keys' life (the gateway's
    IDEMPOTENCY_RETENTION_SECONDS) is over; nothing writes it any more."""
    if writes.sent_again(doc):
        return True
    return bool(caller.idempotency_key) and doc.get("_rotation_key") == caller.created_id("rot", estate_id)


def delete_webhook(db, outbox, estate_id, webhook_id):
    """Its pending deliveries are given up at their next attempt ("the webhook was deleted"):
    that attempt is brought forward to now, so that its list says so within a poll, not after a
    backoff of hours (found by a probe). Those due within a lease (and a margin for clocks) are
    left as they are: one of them may be on its way, and its attempt is recorded as it ends.

    The subscription is kept hidden for the life of an Idempotency-Key (``webhooks.deleted``) with the
    keyed call's mark: the deletion sent again with its key (its answer lost, the gateway's 503) finds
    it (``writes.change``) and answers the subscription as it was, as the first call did, and brings its
    deliveries forward again (done already, or left undone by a crash); another call's is a 404."""
    now = clock.now()
    doc = store.change(db, outbox, "webhooks", estate_id, webhook_id,
                       lambda doc: webhooks.deleted(now, retention.expire_at(retention.IDEMPOTENCY_SECONDS, now)),
                       deleting=True)
    store.bring_forward_pending(db, estate_id, webhook_id, clock.to_iso(now),
                                clock.to_iso(now + timedelta(seconds=lease_seconds() + CLOCK_MARGIN_SECONDS)))
    return webhooks.subscription_view(doc)


def list_deliveries(db, estate_id, webhook_id, filters, limit, cursor):
    """A webhook's deliveries; a deleted webhook's too, while they are kept (what became of the
    pending ones: "the webhook was deleted"), so only an id with neither is a 404. ``event_id``:
    the one delivery of that event, read by its id too (``webhooks.delivery_id``: an event's delivery
    to a webhook is named by both), where the filter walked the webhook's whole list to find it."""
    if "event_id" in filters:
        filters = {**filters, "_id": webhooks.delivery_id(filters["event_id"], webhook_id)}
    page = store.list_deliveries(db, estate_id, webhook_id, filters, limit, cursor)
    if not page["items"] and store.find(db, "webhooks", estate_id, webhook_id) is None \
            and not store.has_deliveries(db, estate_id, webhook_id):
        raise NotFound("no such webhook in this estate")
    return dict(page, items=[webhooks.delivery_view(doc) for doc in page["items"]])


def redeliver(db, outbox, estate_id, webhook_id, delivery_id):
    webhook = store.get(db, "webhooks", estate_id, webhook_id)
    if (store.find(db, "deliveries", estate_id, delivery_id) or {}).get("webhook_id") != webhook_id:
        raise NotFound("no such delivery of this webhook")
    now = clock.now_iso()
    written = store.change(db, outbox, "deliveries", estate_id, delivery_id,
                           lambda doc: webhooks.redeliver(doc, now, webhook))
    return webhooks.delivery_view(written)


REDELIVER_AT_ONCE = 500  # failed deliveries one call sends again; ``more`` says to call again


def redeliver_failed(db, outbox, estate_id, webhook_id, since=None):
    """Every failed delivery of the webhook (made at or after ``since``, when given) sent again, each
    as ``redeliver`` sends one (the same id, a fresh retry window), oldest first, at most
    ``REDELIVER_AT_ONCE`` a call: a receiver down past the retry window could only redeliver its
    deliveries one call each (an integrator's probe). Sent again, the call finds what it made
    pending no longer failed, so a retry after a lost answer sends nothing twice; nor is one another
    call (another replica) redelivered meanwhile, delivered since maybe, sent again: each is
    redelivered while still failed (``webhooks.redeliver_failed``). Not while the webhook is
    switched off (409), as ``redeliver``."""
    webhook = store.get(db, "webhooks", estate_id, webhook_id)
    webhooks.refuse_switched_off(webhook)
    now = clock.now_iso()
    found = store.failed_delivery_ids(db, estate_id, webhook_id, since, REDELIVER_AT_ONCE + 1)
    redelivered = 0
    for delivery_id in found[:REDELIVER_AT_ONCE]:
        try:
            store.change(db, outbox, "deliveries", estate_id, delivery_id,
                         lambda doc: webhooks.redeliver_failed(doc, now, webhook))
        except (Conflict, NotFound):  # redelivered (maybe delivered since), or removed, by another call
            continue
        redelivered += 1
    return {"redelivered": redelivered, "more": len(found) > REDELIVER_AT_ONCE}


# -- events in: one delivery per event and subscription --------------------------------------

def fan_out(db, outbox, event):
    """A delivery for each active subscription of the estate that wants the event; made once
    (its id derives from the event and the subscription), so a redelivered event adds none."""
    qualified = webhooks.qualified(event["source"], event["event_type"])
    now = clock.now_iso()
    book = contracts.load()
    personal = book.personal_fields(event["source"], event["event_type"])  # {field: kind}
    known = book.data_fields(event["source"], event["event_type"]) or None  # what the served contract says
    for webhook in store.subscribers(db, event["estate_id"], webhooks.subscribed_as(qualified)):
        doc = webhooks.new_delivery(event, webhook, now, personal, known)
        store.create(db, outbox, "deliveries", event["estate_id"], doc["_id"], lambda doc=doc: doc)


# -- the delivery worker (a timer): due deliveries out, off the event consumers' path ----------

def deliver_due(db, outbox, now=None, send=sender.send, rand=random.random, stopping=lambda: False,
                poll_seconds=None):
    """Take the due deliveries (oldest first) and attempt them ``PARALLEL`` at a time, in the
    order ``webhooks.RunLanes`` lets them start (a webhook's first, then the rest once it was
    delivered). Each is claimed by a compare-and-set (so that one replica sends it) only when a
    slot is free: its lease then starts with its own attempt, which ``sender.attempt_seconds``
    bounds below the lease. (Claimed all at once, fifty slow attempts ten at a time outlived the
    lease of the last ones, and another replica sent those again.) The number attempted.

    While an attempt is under way, what falls due is looked for again every ``poll_seconds``
    (``POLL_SECONDS``) and goes out beside it: the run lasts until nothing is in flight. (A run
    took what was due when it began and ended with its slowest attempt, so one estate's receiver
    that hung for the attempt's timeout held every other estate's deliveries, and every retry,
    for as long: 4.7 s a delivery instead of 0.5, retries 15 s apart with a 1 s backoff; found by
    an integrator's probe.)

    ``now`` (tests): the moment of the run and its attempts, instead of the clock's. Once
    ``stopping()`` (the service stopping) no delivery starts: those under way end, the rest stay
    due for another replica (a round of fifty slow attempts outlived the pod's grace period,
    and what was killed mid-send went again after its lease; found by a deploy review)."""
    attempted, in_flight = [], {}
    lease = lease_seconds()
    pool, ended = eventlet.GreenPool(PARALLEL), LightQueue()

    def fair_due():  # the due deliveries not under way, a failing webhook's backlog kept to its share
        due = [d for d in store.due_deliveries(db, clock.to_iso(now or clock.now()), LOOKED_AT)
               if d["_id"] not in in_flight]
        return webhooks.fair_share(due, store.failing_webhook_ids(db, due), PER_FAILING_WEBHOOK, BATCH)

    poll = POLL_SECONDS if poll_seconds is None else poll_seconds
    lanes, looked = webhooks.RunLanes(fair_due()), time.monotonic()
    while True:
        if in_flight and not stopping() and time.monotonic() - looked >= poll:
            _refill(lanes, fair_due)
            looked = time.monotonic()
        # only as many as there are free slots, chosen after every attempt that ended was taken in:
        # a list spawned whole went on after its webhook had failed (found by review)
        for delivery in ([] if stopping() else lanes.startable(PARALLEL - len(in_flight))):
            in_flight[delivery["_id"]] = delivery
            pool.spawn_n(_claim_then_attempt, db, outbox, delivery, lease, send, rand, now, attempted, ended)
        if not in_flight:
            return len(attempted)
        try:
            finished = [ended.get(timeout=max(0.0, looked + poll - time.monotonic()))]
        except Empty:
            continue
        while not ended.empty():
            finished.append(ended.get_nowait())
        for delivery, outcome in finished:
            del in_flight[delivery["_id"]]
            lanes.ended(delivery, outcome)


def _refill(lanes, fair_due):
    """What is due now into the run's lanes; when the store does not answer, the run goes on with
    what it has (an error here left the attempts under way running outside any run, past
    ``PARALLEL`` and past a stopping service's wait; found by review)."""
    try:
        lanes.refill(fair_due())
    except Exception:  # the store's trouble: the next look, or the next run, reads again
        log.exception("the due webhook deliveries could not be read again during a run")


def _claim_then_attempt(db, outbox, delivery, lease, send, rand, at, attempted, ended):
    """Claims and attempts ``delivery``; ``(delivery, outcome)`` goes to ``ended`` in every case."""
    outcome = webhooks.NOT_TRIED
    try:
        taken = store.write(db, outbox, "deliveries", delivery, webhooks.claimed(delivery, at or clock.now(), lease))
        if taken is not None:  # else another replica took it
            attempted.append(taken["_id"])
            outcome = _attempt_safely(db, outbox, taken, send, rand, at)
    except Exception:  # the store's trouble: the delivery stays due, the next run takes it
        log.exception("a webhook delivery could not be claimed", extra={"delivery_id": delivery["_id"]})
    finally:
        ended.put((delivery, outcome))


def _attempt_safely(db, outbox, delivery, send, rand, at):
    """``attempt`` of a claimed delivery; how it ended (``webhooks.DELIVERED``, ``FAILED`` or
    ``NOT_TRIED``: given up without an attempt, the webhook being gone or off)."""
    try:
        recorded = attempt(db, outbox, delivery, send, rand, at)
    except Exception:  # one delivery's trouble must not stop the others; its lease runs out, it is retried
        log.exception("a webhook delivery attempt failed to be recorded", extra={"delivery_id": delivery["_id"]})
        return webhooks.FAILED
    if recorded is not None and recorded["status"] == "delivered":
        return webhooks.DELIVERED
    if recorded is not None and recorded.get("attempts", 0) <= delivery.get("attempts", 0):
        return webhooks.NOT_TRIED
    return webhooks.FAILED


def _secrets_in_use(subscription, now):
    """The opened secrets that sign an attempt: the current one (``Unsealable`` when no key opens
    it), then the one it replaced while it still signs, if a key still opens it (the key it was
    sealed under may have been retired since: the current secret signs alone then)."""
    current, *previous = webhooks.sealed_secrets_in_use(subscription, now)
    opened = [sealing.open_sealed(current)]
    for sealed in previous:
        try:
            opened.append(sealing.open_sealed(sealed))
        except sealing.Unsealable:
            log.warning("a webhook's replaced secret cannot be opened: the new one signs alone",
                        extra={"webhook_id": subscription["_id"]})
    return opened


def attempt(db, outbox, delivery, send=sender.send, rand=random.random, at=None):
    """One attempt of a claimed delivery, recorded on it and on its subscription (as of the
    answer's moment, or ``at``)."""
    estate_id = delivery["estate_id"]
    # the attempt's log lines carry the request that made the event (they had none: found by review)
    logs.set_request_id(webhooks.request_id_of(delivery))
    subscription = store.find(db, "webhooks", estate_id, delivery["webhook_id"])
    if subscription is None or not subscription.get("active"):
        why = GIVEN_UP["deleted" if subscription is None else "switched_off"]
        metrics.WEBHOOK_ATTEMPTS.labels(SERVICE, "given_up").inc()
        moment = at or clock.now()
        return store.write(db, outbox, "deliveries", delivery, _kept_until_expiry(webhooks.given_up(why, moment), moment))
    try:
        in_use = _secrets_in_use(subscription, at or clock.now())
    except sealing.Unsealable:  # the key was changed without rotation: nothing can be signed
        log.error("a webhook's secret cannot be opened with WEBHOOK_SECRETS_KEY", extra={"webhook_id": subscription["_id"]})
        status_code, error = None, "the webhook's secret cannot be opened (WEBHOOK_SECRETS_KEY changed)"
    else:
        timestamp = int((at or clock.now()).timestamp())
        headers = signing.headers(delivery["event_type"], delivery["_id"], timestamp, in_use, delivery["body"])
        started = time.monotonic()
        status_code, error = send(subscription["url"], delivery["body"], headers, timeout_seconds(), allow_private())
        metrics.WEBHOOK_ATTEMPT_DURATION.labels(SERVICE).observe(time.monotonic() - started)
    now, rules = at or clock.now(), store.rules_for(db, estate_id)
    recorded = store.write(db, outbox, "deliveries", delivery,
                           _kept_until_expiry(webhooks.attempted(delivery, status_code, error, now, rules, rand), now))
    succeeded = webhooks.is_success(status_code)
    last = webhooks.describe_failure(status_code, error)
    try:
        store.change(db, outbox, "webhooks", estate_id, subscription["_id"],
                     lambda doc: webhooks.after_attempt(doc, succeeded, now, rules, last))
    except NotFound:
        pass  # deleted while the attempt was on its way: the delivery is recorded, nothing else to keep
    outcome = recorded["status"] if recorded is not None else "lost"
    metrics.WEBHOOK_ATTEMPTS.labels(SERVICE, {"pending": "retrying"}.get(outcome, outcome)).inc()
    log.info("webhook delivery attempted", extra={"delivery_id": delivery["_id"], "status_code": status_code,
                                                  "outcome": "delivered" if succeeded else "failed"})
    return recorded
