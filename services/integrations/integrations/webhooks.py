"""Webhook subscriptions and their deliveries: plain functions (no broker, no store, no network).

- A subscription names an https URL (``targets``), the public event types it wants
  (``"<source>.<event_type>"``, e.g. ``maintenance.work_order_created``: the same event type can
  come from several services, ``charge_raised``) and a secret (``signing``) shown once. A new
  secret (``rotated``) is shown once too; the one it replaces signs beside it for
  ``webhook_secret_overlap_hours``, so that the receiver can switch without refusing a delivery.
- A delivery is one event for one subscription; its id derives from the event id and the
  subscription id, so an event that arrives twice is delivered once. Its body is the event's
  envelope as published on the bus, minus the trace context, any field its contract marks
  ``x-personal-data`` (``estate_common.contracts``' ``personal_fields``) and any its contract does
  not know (one taken off the bus, an older producer's event still carrying it).
- An attempt that does not get a 2xx is retried with exponential backoff and jitter until
  ``webhook_retry_hours`` after the delivery's first attempt, then the delivery is ``failed``.
  A subscription whose attempts have failed without one success since ``failing_since`` for
  ``webhook_disable_after_days`` is switched off (``active: false``, ``disabled_reason``).
"""
import json
import math
import random
from datetime import timedelta

from estate_common import clock, ids, logs, personal_data
from estate_common.errors import Conflict, InvalidInput, field_error
from estate_common.writes import Change

from . import targets

DELIVERY_STATUSES = ("pending", "delivered", "failed")
LAST_ERROR_CHARS = 200
RECENT_ATTEMPTS = 10  # what a delivery keeps of its attempts, newest last (the count goes on)
# the longest Retry-After of a redelivery refused while its delivery is pending (its next attempt's
# time): the default longest backoff; an estate's longer backoff is asked about again within the hour
PENDING_RETRY_AFTER_MOST = 3600


def qualified(source, event_type):
    return f"{source}.{event_type}"


def public_event_types(book_event_types, own="integrations"):
    """The event types a subscription may name: every other service's, qualified, sorted."""
    return sorted(qualified(source, event_type) for source, event_type in book_event_types if source != own)


# -- subscriptions ----------------------------------------------------------------------------

def checked_url(url, allow_private, resolve):
    """The URL when it may be a target now (``targets.check``), else a 400 naming data.url."""
    try:
        targets.check(url, allow_private, resolve)
    except targets.Refused as refused:
        raise InvalidInput("the webhook URL is not allowed", [field_error("data.url", str(refused))]) from None
    return url


# ``events: ["*"]``: every public event type, those added to the contracts later too (an integrator's
# follow-ups: a mirror naming each of today's types missed every type added after); alone or not at all
EVERY_TYPE = "*"


def checked_events(events, known):
    if EVERY_TYPE in events:
        if events != [EVERY_TYPE]:
            raise InvalidInput("every event type is asked for by \"*\" alone", [field_error(
                "data.events", "\"*\" (every event type, those added later too) stands alone")])
        return [EVERY_TYPE]
    unknown = [i for i, name in enumerate(events) if name not in known]
    if unknown:
        raise InvalidInput("unknown event types", [field_error(f"data.events.{i}", "is not a public event type")
                                                   for i in unknown])
    if len(set(events)) != len(events):
        raise InvalidInput("an event type is named twice", [field_error("data.events", "must not repeat")])
    return sorted(events)


def new_subscription(webhook_id, estate_id, data, sealed_secret, actor, now_iso, known, allow_private, resolve):
    """The subscription document (its secret sealed already), every field checked first."""
    url = checked_url(data["url"], allow_private, resolve)
    events = checked_events(data["events"], known)
    return {
        "_id": webhook_id, "estate_id": estate_id, "url": url, "events": events,
        "description": data.get("description"), "active": True, "disabled_reason": None,
        "failing_since": None, "secret_sealed": sealed_secret,
        "created_at": now_iso, "created_by": actor, "updated_at": now_iso, "updated_by": actor,
    }


def patch(doc, data, actor, now_iso, known, allow_private, resolve):
    """The Change of a PATCH (``active``, ``events``, ``url``, ``description``), checked whole
    before anything is written. Switching a subscription on again clears why it was off."""
    fields = {}
    if "url" in data:
        fields["url"] = checked_url(data["url"], allow_private, resolve)
    if "events" in data:
        fields["events"] = checked_events(data["events"], known)
    if "description" in data:
        fields["description"] = data["description"]
    if "active" in data:
        fields["active"] = data["active"]
        if data["active"]:
            fields.update(disabled_reason=None, failing_since=None)
        elif doc.get("active"):
            fields["disabled_reason"] = f"switched off by {actor}"
    changed = {k: v for k, v in fields.items() if doc.get(k) != v}
    if not changed:
        return None
    return Change(set={**changed, "updated_at": now_iso, "updated_by": actor})


def rotated(doc, sealed_secret, now, keep_previous_hours, actor):
    """The Change that gives a subscription a new secret (sealed already). The secret it had
    goes on signing beside it for ``keep_previous_hours`` (none: it stops at once); one
    rotated before and still signing stops at once (two secrets at most). The key a rotation
    written before the keyed calls' marks kept (``_rotation_key``: its retry found it by it) is
    taken off: it named the last rotation only (``operations._rotated_by_this_call``)."""
    keep_previous = keep_previous_hours > 0
    return Change(set={
        "secret_sealed": sealed_secret,
        "previous_secret_sealed": doc["secret_sealed"] if keep_previous else None,
        "previous_secret_expires_at": (clock.to_iso(now + timedelta(hours=keep_previous_hours))
                                       if keep_previous else None),
        "secret_rotated_at": clock.to_iso(now), "updated_at": clock.to_iso(now), "updated_by": actor,
    }, unset=("_rotation_key",))


def deleted(now, kept_until):
    """The Change that deletes a subscription: kept, hidden (``store.DELETED``: no read, list, change
    or delivery finds it) until ``kept_until`` (its TTL), so that its deletion sent again with the
    same Idempotency-Key finds the keyed call's mark on it and answers it as the first call did,
    where the webhook gone answered 404. What the API shows of it is not changed: the retry answers
    the subscription as it was. Its sealed secrets go at once: nothing signs with them again."""
    return Change(set={"deleted_at": clock.to_iso(now), "expire_at": kept_until},
                  unset=("secret_sealed", "previous_secret_sealed"))


def sealed_secrets_in_use(doc, now):
    """The sealed secrets that sign an attempt at ``now``: the current one, then the one it
    replaced while its overlap lasts."""
    in_use = [doc["secret_sealed"]]
    expires = doc.get("previous_secret_expires_at")
    if doc.get("previous_secret_sealed") and expires and now < clock.parse_iso(expires):
        in_use.append(doc["previous_secret_sealed"])
    return in_use


def answer_with_secret(written, secret, sealed):
    """The answer of a call that made a secret: the subscription as written, with ``secret`` only
    when it is the one written (``sealed``). A retry that found the first write (the same
    Idempotency-Key) made a secret that signs nothing: shown, it would be taken for the real one."""
    return subscription_view(written, secret if written.get("secret_sealed") == sealed else None)


def subscription_view(doc, secret=None):
    view = {name: doc.get(name) for name in ("estate_id", "url", "events", "description", "active",
                                             "disabled_reason", "failing_since", "created_at", "created_by",
                                             "updated_at", "secret_rotated_at", "previous_secret_expires_at")}
    view["id"] = doc["_id"] if "_id" in doc else doc["id"]
    if secret is not None:
        view["secret"] = secret
    return view


def wants(doc, source, event_type):
    events = doc.get("events", ())
    return doc.get("active") and (EVERY_TYPE in events or qualified(source, event_type) in events)


def subscribed_as(qualified_type):
    """What a subscription's ``events`` holds when it wants ``qualified_type``: the type, or every one."""
    return [qualified_type, EVERY_TYPE]


# -- deliveries --------------------------------------------------------------------------------

def fair_share(due, failing, per_failing, limit):
    """``due`` (oldest first) with at most ``per_failing`` deliveries of each webhook in
    ``failing``, at most ``limit`` in all: a failing receiver's backlog does not fill a run of the
    delivery worker, while a healthy one's burst goes out at full speed."""
    taken, chosen = {}, []
    for delivery in due:
        if delivery["webhook_id"] not in failing or taken.get(delivery["webhook_id"], 0) < per_failing:
            taken[delivery["webhook_id"]] = taken.get(delivery["webhook_id"], 0) + 1
            chosen.append(delivery)
            if len(chosen) == limit:
                break
    return chosen


DELIVERED, FAILED, NOT_TRIED = "delivered", "failed", "not_tried"  # how one delivery of a run ended


class RunLanes:
    """Which of a delivery run's deliveries may start, as the run's attempts end.

    A webhook's first delivery of the run goes alone, as a probe; the rest of its deliveries
    follow (in parallel) only once one of them was delivered. After any attempt of it failed,
    its remaining deliveries wait for the next run (still due, not claimed). So a receiver that
    hangs, failing or not yet, holds one slot for one attempt's time, not the run: before,
    fifty deliveries to a receiver that had not failed yet went out ten at a time and held every
    estate's deliveries for about a minute (found by review). A healthy receiver's burst still
    goes out at full speed after one round trip. A delivery that ended without an attempt (the
    webhook is gone or off, another replica took it) proves nothing: the webhook's next delivery
    goes as its probe.
    """

    def __init__(self, deliveries):
        self._waiting = list(deliveries)  # oldest first
        self._probing, self._proven, self._stopped = set(), set(), set()

    def startable(self, limit):
        """At most ``limit`` deliveries that may start now, oldest first (taken off the waiting
        list). Ask only for as many as there are free slots: those handed out are no longer
        held back when an attempt of their webhook fails meanwhile."""
        ready, still = [], []
        for delivery in self._waiting:
            webhook = delivery["webhook_id"]
            if webhook in self._stopped:
                continue  # left for the next run
            if len(ready) < limit and (webhook in self._proven or webhook not in self._probing):
                if webhook not in self._proven:
                    self._probing.add(webhook)
                ready.append(delivery)
            else:
                still.append(delivery)
        self._waiting = still
        return ready

    def refill(self, deliveries):
        """What is due now, read again while attempts are under way (none of them among
        ``deliveries``): it waits in place of what was waiting. Every webhook is judged afresh,
        as in a run of its own: one whose attempt failed gets a new probe, and so does one proven
        earlier, since a run now lasts as long as attempts are under way (a receiver proven
        minutes before that began to hang got nine attempts at once; found by review). One whose
        probe is still under way still waits for it."""
        self._waiting = list(deliveries)
        self._stopped.clear()
        self._proven.clear()

    def ended(self, delivery, outcome):
        """``outcome``: ``DELIVERED``, ``FAILED`` (an attempt that did not deliver) or ``NOT_TRIED``."""
        webhook = delivery["webhook_id"]
        self._probing.discard(webhook)
        if outcome == DELIVERED:
            self._proven.add(webhook)
        elif outcome == FAILED:
            self._stopped.add(webhook)
            self._proven.discard(webhook)


def delivery_id(event_id, webhook_id):
    """The same for the same event and subscription: the delivery's ``_id`` and its
    ``X-Estate-Delivery`` header, on every retry and on a redelivery."""
    return ids.natural_id("dlv", event_id, webhook_id)


def body_of(event, personal=frozenset(), known=None):
    """The bytes sent: the envelope as published, minus ``traceparent`` (our tracing) and the
    ``personal`` fields of its data, with every phone and ID number typed into its free text
    redacted as the log lines redact them (a portal filer's "call me at 139…" left verbatim:
    found by review), as canonical JSON, fixed when the delivery is made so that every attempt
    sends the same. With ``known`` (the data's fields its contract knows), a field it does not is
    left out too: one its contract took off the bus, still carried by an event an older producer
    made during the rollout or replayed from its dead letters (application_withdrawn's reason,
    the desk's words: sent to every subscriber, where the served contract says no such field;
    review r6 of h6). ``personal`` as ``{field: kind}`` (``personal_fields``): a name left out is
    masked as a name where the data's free text repeats it (``personal_data.name_masked_in_text``: a
    subscriber reads both the name and the numbers masked; h6's note, review r6 of h6)."""
    envelope = {k: v for k, v in event.items() if k != "traceparent"}
    if isinstance(envelope.get("data"), dict):
        data = envelope["data"]
        envelope["data"] = _redacted({k: v for k, v in data.items()
                                      if k not in personal and (known is None or k in known)},
                                     names=_names_left_out(data, personal))
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_id_of(delivery):
    """The request id the delivery's event carries (None when it carries none)."""
    try:
        envelope = json.loads(delivery.get("body") or "{}")
    except ValueError:
        return None
    return envelope.get("request_id") if isinstance(envelope, dict) else None


def _names_left_out(data, personal):
    """The names among the ``personal`` fields (``{field: kind}``) of ``data``: left out of the body,
    and masked where its words repeat them, as a subscriber reads every field of theirs masked
    (seeing no kind in full)."""
    kinds = personal if isinstance(personal, dict) else {}
    return [name for field, kind in kinds.items()
            if field in data and kind in personal_data.NAMES
            and personal_data.name_masked_in_text(personal_data.NUMBERS_IN_TEXT, kind, lambda _kind: False)
            for name in personal_data.names_in(data[field])]


def _redacted(value, key="", names=()):
    """``value`` with phone and ID numbers redacted from its text, and each of ``names`` masked as a
    name; ids, numbers and times as they are (a hex id may hold eleven digits in a row)."""
    if key == "id" or key == "number" or key.endswith(("_id", "_ids", "_at", "_number")):
        return value
    if isinstance(value, str):
        return logs.scrub(personal_data.mask_names_in(value, names) if names else value)
    if isinstance(value, dict):
        return {k: _redacted(v, k, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, key, names) for v in value]
    return value


def new_delivery(event, webhook, now_iso, personal=frozenset(), known=None):
    return {
        "_id": delivery_id(event["event_id"], webhook["_id"]), "estate_id": event["estate_id"],
        "webhook_id": webhook["_id"], "event_id": event["event_id"],
        "event_type": qualified(event["source"], event["event_type"]), "body": body_of(event, personal, known),
        "status": "pending", "attempts": 0, "last_status_code": None, "last_error": None,
        "next_attempt_at": now_iso, "window_started_at": None, "created_at": now_iso,
        "delivered_at": None, "failed_at": None, "recent_attempts": [],
        "history": [{"event_id": event["event_id"], "at": now_iso}],
    }


def backoff_seconds(attempts, rules, rand=random.random):
    """The wait after the ``attempts``-th failed attempt: first × 2^(attempts-1) capped at max
    (exponential), less up to a half of it at random (jitter: retries of many deliveries that
    failed together spread out instead of arriving together again)."""
    first, most = rules["webhook_backoff_first_seconds"], rules["webhook_backoff_max_seconds"]
    ceiling = min(most, first * 2 ** max(0, min(attempts - 1, 32)))
    return ceiling * (1 - 0.5 * rand())


def is_success(status_code):
    return status_code is not None and 200 <= status_code < 300


def claimed(delivery, now, lease_seconds):
    """The Change that takes a due delivery for one attempt: it is not due again for the lease
    (a worker that dies mid-attempt leaves it to be retried after the lease)."""
    return Change(set={"next_attempt_at": clock.to_iso(now + timedelta(seconds=lease_seconds)),
                       "window_started_at": delivery.get("window_started_at") or clock.to_iso(now)})


def attempted(delivery, status_code, error, now, rules, rand=random.random):
    """The Change recording one attempt: delivered on a 2xx; else pending with its next
    attempt after the backoff, or failed once the retry window is over."""
    attempts = delivery["attempts"] + 1
    error = (error or None) and str(error)[:LAST_ERROR_CHARS]
    recent = (delivery.get("recent_attempts") or [])[-(RECENT_ATTEMPTS - 1):]
    common = {"attempts": attempts, "last_status_code": status_code, "last_error": error,
              "last_attempt_at": clock.to_iso(now),
              "recent_attempts": [*recent, {"at": clock.to_iso(now), "status_code": status_code, "error": error}]}
    if is_success(status_code):
        return Change(set={**common, "status": "delivered", "delivered_at": clock.to_iso(now),
                           "next_attempt_at": None, "last_error": None})
    started = clock.parse_iso(delivery.get("window_started_at") or clock.to_iso(now))
    retry_until = started + timedelta(hours=rules["webhook_retry_hours"])
    next_at = now + timedelta(seconds=backoff_seconds(attempts, rules, rand))
    if next_at > retry_until:
        return Change(set={**common, "status": "failed", "failed_at": clock.to_iso(now), "next_attempt_at": None})
    return Change(set={**common, "status": "pending", "next_attempt_at": clock.to_iso(next_at)})


def given_up(reason, now):
    """A delivery whose subscription is gone or switched off: failed, without an attempt. Its
    last-attempt fields describe one outcome, this one: why, with no status nor time of an attempt
    (an earlier attempt's 500 and time beside "the webhook is switched off" read as that attempt's
    answer: an integrator's probe, on a redelivery); ``recent_attempts`` keeps the attempts."""
    return Change(set={"status": "failed", "failed_at": clock.to_iso(now), "next_attempt_at": None,
                       "last_error": reason, "last_status_code": None, "last_attempt_at": None})


def refuse_switched_off(subscription):
    """409 for a redelivery, one or every failed one, while the subscription is switched off."""
    if not subscription.get("active"):
        raise Conflict("the webhook is switched off: switch it on to redeliver")


def redeliver(delivery, now_iso, subscription):
    """A new round of attempts under the same delivery id, with a fresh retry window; not while
    the subscription is switched off (409): the round would fail at once and erase a delivery
    that had succeeded, and integrators reconciling on ``failed`` saw a false failure (a probe).
    Switched off is said first: a pending delivery of a switched-off subscription is not being tried
    (it fails without an attempt when due), and its 409 had a ``Retry-After`` that led only to this
    one (found by the probe)."""
    refuse_switched_off(subscription)
    if delivery["status"] == "pending":
        raise Conflict("the delivery is pending: it is being tried already",
                       retry_after=pending_retry_after(delivery, now_iso))
    return Change(set={"status": "pending", "next_attempt_at": now_iso, "window_started_at": None,
                       "delivered_at": None, "failed_at": None, "expire_at": None})


def redeliver_failed(delivery, now_iso, subscription):
    """``redeliver`` of a delivery still failed, as the bulk redelivery read it; one that another
    call made pending meanwhile, and the worker maybe delivered since, is a 409 (skipped): sent
    again as a delivered one's redelivery, it went out twice (found by review)."""
    if delivery["status"] != "failed":
        raise Conflict(f"the delivery is {delivery['status']}: redelivered by another call")
    return redeliver(delivery, now_iso, subscription)


def pending_retry_after(delivery, now_iso):
    """The seconds until a pending delivery's next attempt, whole and rounded up, at least 1 (due now,
    or under way: its lease) and at most ``PENDING_RETRY_AFTER_MOST``: the ``Retry-After`` of the 409
    that refuses its redelivery, a refusal that passes by itself (an integrator's probe: it had none)."""
    due = delivery.get("next_attempt_at")
    seconds = (clock.parse_iso(due) - clock.parse_iso(now_iso)).total_seconds() if due else 0
    return max(1, min(PENDING_RETRY_AFTER_MOST, math.ceil(seconds)))


def after_attempt(subscription, succeeded, now, rules, last_error):
    """What an attempt's outcome does to its subscription: a success ends a failing streak; a
    failure starts one, or switches the subscription off once it has lasted
    ``webhook_disable_after_days``. None when nothing changes."""
    if succeeded:
        return Change(set={"failing_since": None}) if subscription.get("failing_since") else None
    since = subscription.get("failing_since")
    if since is None:
        return Change(set={"failing_since": clock.to_iso(now)})
    if not subscription.get("active"):
        return None
    if now - clock.parse_iso(since) >= timedelta(days=rules["webhook_disable_after_days"]):
        days = rules["webhook_disable_after_days"]
        reason = (f"every delivery failed for {days} day{'' if days == 1 else 's'} in a row "
                  f"(since {since}; last: {last_error})")[:LAST_ERROR_CHARS * 2]
        return Change(set={"active": False, "disabled_reason": reason, "updated_at": clock.to_iso(now)})
    return None


def delivery_view(doc):
    view = {name: doc.get(name) for name in ("estate_id", "webhook_id", "event_id", "event_type", "status", "attempts",
                                             "last_status_code", "last_error", "next_attempt_at", "created_at",
                                             "delivered_at", "failed_at")}
    view["id"] = doc["_id"] if "_id" in doc else doc["id"]
    view["last_attempt_at"] = doc.get("last_attempt_at")
    view["recent_attempts"] = doc.get("recent_attempts") or []  # none on deliveries made before they were kept
    return view


def describe_failure(status_code, error):
    return error if status_code is None else f"HTTP {status_code}"
