"""Signatures, the backoff schedule, a delivery's and a subscription's life: plain functions."""
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import Conflict, InvalidInput
from integrations import sealing, signing, webhooks
from integrations.rules import DEFAULTS

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
EVENT = {"event_id": "a" * 32, "event_type": "work_order_created", "source": "maintenance",
         "occurred_at": "2026-11-30T08:00:00.000Z", "estate_id": "est_1", "request_id": "r1", "actor": "amy",
         "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01", "data": {"id": "wo_1", "number": "WO-1"}}
WEBHOOK = {"_id": "whk_1", "estate_id": "est_1", "active": True, "events": ["maintenance.work_order_created"],
           "failing_since": None}


# -- signing -----------------------------------------------------------------------------------

def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = '{"a":1}'
    expected = hmac.new(b"whsec_k", b"1764489600." + body.encode(), hashlib.sha256).hexdigest()
    assert signing.signature("whsec_k", 1764489600, body) == "sha256=" + expected
    assert signing.verify("whsec_k", "1764489600", body.encode(), "sha256=" + expected)
    assert not signing.verify("whsec_k", "1764489601", body, "sha256=" + expected)  # another time
    assert not signing.verify("whsec_other", "1764489600", body, "sha256=" + expected)
    assert not signing.verify("whsec_k", "1764489600", '{"a":2}', "sha256=" + expected)
    assert not signing.verify("whsec_k", "1764489600", body, None)


def test_the_served_contract_says_which_bytes_sign_a_delivery():
    """An integrator reading /api/docs alone could not verify a delivery: `whsec_` is the prefix of
    Standard Webhooks' secrets, whose HMAC key is the base64 after it, and nothing said that here
    the key is the secret's whole text or that the digest is lowercase hex (an integrator's probe).
    The subscription's and the rotation's descriptions and the secret's own say so."""
    from estate_common import contracts
    spec = contracts.load().openapi
    webhooks_path = "/api/v1/estates/{estate_id}/webhooks"
    texts = [spec["paths"][webhooks_path]["post"]["description"],
             spec["paths"][webhooks_path + "/{webhook_id}/secret"]["post"]["description"],
             spec["components"]["schemas"]["WebhookCreated"]["properties"]["secret"]["description"]]
    for text in texts:
        assert "whole text" in text and "whsec_" in text, text
    recipe = texts[0]
    assert "lowercase hex" in recipe and "UTF-8" in recipe and "raw body" in recipe
    body = b'{"a":1}'
    by_the_recipe = "sha256=" + hmac.new("whsec_k".encode("utf-8"), b"1764489600." + body, hashlib.sha256).hexdigest()
    assert signing.signature("whsec_k", 1764489600, body) == by_the_recipe


def test_the_headers_name_event_delivery_time_and_signature():
    headers = signing.headers("maintenance.work_order_created", "dlv_1", 1764489600, ["whsec_k"], "{}")
    assert headers["X-Estate-Event"] == "maintenance.work_order_created"
    assert headers["X-Estate-Delivery"] == "dlv_1"
    assert headers["X-Estate-Timestamp"] == "1764489600"
    assert headers["X-Estate-Signature"] == signing.signature("whsec_k", 1764489600, "{}")


def test_while_a_rotated_secret_signs_the_header_holds_both_signatures_newest_first():
    headers = signing.headers("maintenance.work_order_created", "dlv_1", 1764489600, ["whsec_new", "whsec_old"], "{}")
    new, old = (signing.signature(s, 1764489600, "{}") for s in ("whsec_new", "whsec_old"))
    assert headers["X-Estate-Signature"] == f"{new}, {old}"
    assert signing.verify("whsec_new", "1764489600", "{}", headers["X-Estate-Signature"])
    assert signing.verify("whsec_old", "1764489600", "{}", headers["X-Estate-Signature"])
    assert not signing.verify("whsec_other", "1764489600", "{}", headers["X-Estate-Signature"])
    assert not signing.verify("whsec_new", "1764489600", "{}", f"{old}, ")


def test_a_rotation_keeps_the_old_secret_signing_for_its_hours_then_only_the_new():
    hook = {**WEBHOOK, "secret_sealed": "sealed-1"}
    step = webhooks.rotated(hook, "sealed-2", NOW, 24, "mgr")
    rotated = {**hook, **step.set}
    assert rotated["previous_secret_expires_at"] == "2026-12-01T08:00:00.000Z"
    assert rotated["secret_rotated_at"] == rotated["updated_at"] == "2026-11-30T08:00:00.000Z"
    assert webhooks.sealed_secrets_in_use(rotated, NOW + timedelta(hours=23)) == ["sealed-2", "sealed-1"]
    assert webhooks.sealed_secrets_in_use(rotated, NOW + timedelta(hours=24)) == ["sealed-2"]
    again = {**rotated, **webhooks.rotated(rotated, "sealed-3", NOW + timedelta(hours=1), 24, "mgr").set}
    assert webhooks.sealed_secrets_in_use(again, NOW + timedelta(hours=2)) == ["sealed-3", "sealed-2"]  # two at most
    leaked = {**rotated, **webhooks.rotated(rotated, "sealed-3", NOW, 0, "mgr").set}
    assert leaked["previous_secret_sealed"] is None and leaked["previous_secret_expires_at"] is None
    assert webhooks.sealed_secrets_in_use(leaked, NOW) == ["sealed-3"]
    assert webhooks.sealed_secrets_in_use(hook, NOW) == ["sealed-1"]  # never rotated


def test_a_new_secret_is_random_and_shaped_as_documented():
    first, second = signing.new_secret(), signing.new_secret()
    assert first != second and first.startswith("whsec_") and len(first) == 6 + 43


# -- sealing ---------------------------------------------------------------------------------

KEY = "k" * 8 + "0123456789abcdefghijklmnopqrstuv"


def test_a_sealed_secret_opens_with_its_key_and_not_without():
    sealed = sealing.seal("whsec_abc", KEY)
    assert "whsec_abc" not in sealed
    assert sealing.open_sealed(sealed, KEY) == "whsec_abc"
    with pytest.raises(sealing.Unsealable):
        sealing.open_sealed(sealed, "another-key-that-is-long-enough-1234567")


def test_a_rotated_key_still_opens_the_old_seals():
    old = sealing.seal("whsec_abc", KEY)
    new_key = "n" * 40
    assert sealing.open_sealed(old, f"{new_key},{KEY}") == "whsec_abc"
    assert sealing.open_sealed(sealing.seal("whsec_x", f"{new_key},{KEY}"), new_key) == "whsec_x"


@pytest.mark.parametrize("key", ["", "short", "change-me-change-me-change-me-change-me"])
def test_a_missing_short_or_placeholder_key_is_refused(key):
    with pytest.raises(sealing.secrets_policy.InsecureSecret, match="WEBHOOK_SECRETS_KEY"):
        sealing.check_key(key)


# -- the backoff schedule ---------------------------------------------------------------------

def test_the_backoff_doubles_from_the_first_wait_up_to_the_maximum():
    no_jitter = lambda: 0.0  # noqa: E731
    waits = [webhooks.backoff_seconds(n, DEFAULTS, no_jitter) for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert webhooks.backoff_seconds(500, DEFAULTS, no_jitter) == 3600


def test_jitter_takes_off_up_to_half_the_wait():
    assert webhooks.backoff_seconds(3, DEFAULTS, lambda: 1.0) == 60
    assert webhooks.backoff_seconds(3, DEFAULTS, lambda: 0.5) == 90
    rules = dict(DEFAULTS, webhook_backoff_first_seconds=1, webhook_backoff_max_seconds=2)
    assert [webhooks.backoff_seconds(n, rules, lambda: 0.0) for n in (1, 2, 3)] == [1, 2, 2]


def attempts_until_failed(rules, rand=lambda: 0.0):
    """Drive a delivery through failed attempts as the worker would, each at its next moment."""
    delivery, now, moments = webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW)), NOW, []
    while delivery["status"] == "pending":
        delivery.update(webhooks.claimed(delivery, now, 60).set)
        delivery.update(webhooks.attempted(delivery, 503, None, now, rules, rand).set)
        moments.append(now)
        if delivery["next_attempt_at"]:
            now = clock.parse_iso(delivery["next_attempt_at"])
    return delivery, moments


def test_failed_attempts_are_retried_for_the_retry_window_then_failed():
    delivery, moments = attempts_until_failed(DEFAULTS)
    assert delivery["status"] == "failed" and delivery["failed_at"] == clock.to_iso(moments[-1])
    assert moments[-1] - moments[0] <= timedelta(hours=24)
    assert moments[-1] + timedelta(seconds=3600) - moments[0] > timedelta(hours=24)  # one more would pass 24 h
    assert [int((b - a).total_seconds()) for a, b in zip(moments, moments[1:])][:8] == [30, 60, 120, 240, 480, 960,
                                                                                        1920, 3600]
    assert delivery["attempts"] == len(moments) == 8 + 22  # 3,810 s of doubling, then hourly until 24 h
    assert delivery["last_status_code"] == 503 and delivery["next_attempt_at"] is None
    # the last ten attempts are kept, oldest first
    assert [a["at"] for a in delivery["recent_attempts"]] == [clock.to_iso(m) for m in moments[-10:]]
    assert {(a["status_code"], a["error"]) for a in delivery["recent_attempts"]} == {(503, None)}


def test_a_shorter_window_is_a_setting():
    delivery, moments = attempts_until_failed(dict(DEFAULTS, webhook_retry_hours=1))
    assert moments[-1] - moments[0] <= timedelta(hours=1) and delivery["status"] == "failed"


def test_a_2xx_is_delivered_and_anything_else_is_retried():
    delivery = webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW))
    delivery.update(webhooks.claimed(delivery, NOW, 60).set)
    for code, error in ((500, None), (404, None), (301, None), (None, "timed out after 5.0 s")):
        step = webhooks.attempted(delivery, code, error, NOW, DEFAULTS, lambda: 0.0).set
        assert step["status"] == "pending" and step["last_status_code"] == code and step["last_error"] == error
    step = webhooks.attempted(delivery, 204, None, NOW, DEFAULTS).set
    assert step["status"] == "delivered" and step["delivered_at"] == clock.to_iso(NOW)
    assert step["attempts"] == 1 and step["next_attempt_at"] is None


def test_each_attempt_is_kept_with_its_answer_or_error_and_the_view_shows_them():
    delivery = webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW))
    for code, error in ((None, "timed out after 5.0 s"), (500, "x" * 300), (204, None)):
        delivery.update(webhooks.attempted(delivery, code, error, NOW, DEFAULTS, lambda: 0.0).set)
    shown = webhooks.delivery_view(delivery)["recent_attempts"]
    assert [(a["status_code"], a["error"]) for a in shown] == [(None, "timed out after 5.0 s"), (500, "x" * 200),
                                                               (204, None)]
    older = {k: v for k, v in delivery.items() if k != "recent_attempts"}  # made before attempts were kept
    assert webhooks.delivery_view(older)["recent_attempts"] == []


# -- deliveries ---------------------------------------------------------------------------------

def test_a_delivery_id_is_the_same_for_the_same_event_and_subscription_only():
    assert webhooks.delivery_id("e1", "whk_1") == webhooks.delivery_id("e1", "whk_1")
    assert webhooks.delivery_id("e1", "whk_1") != webhooks.delivery_id("e1", "whk_2")
    assert webhooks.delivery_id("e1", "whk_1") != webhooks.delivery_id("e2", "whk_1")


def test_the_body_is_the_envelope_without_the_trace_context():
    delivery = webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW))
    sent = json.loads(delivery["body"])
    assert sent == {k: v for k, v in EVENT.items() if k != "traceparent"}
    assert delivery["event_type"] == "maintenance.work_order_created" and delivery["status"] == "pending"


def test_a_redelivery_starts_a_new_window_and_a_pending_one_is_refused():
    delivery = dict(webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW)), status="failed",
                    window_started_at=clock.to_iso(NOW))
    step = webhooks.redeliver(delivery, "2026-12-01T00:00:00.000Z", {"active": True}).set
    assert step["status"] == "pending" and step["window_started_at"] is None
    with pytest.raises(Conflict):
        webhooks.redeliver(dict(delivery, status="pending"), "2026-12-01T00:00:00.000Z", {"active": True})


def test_a_switched_off_subscription_redelivers_nothing():
    """The round failed at once and erased a delivery that had succeeded (a probe)."""
    delivered = dict(webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW)), status="delivered",
                     delivered_at=clock.to_iso(NOW))
    with pytest.raises(Conflict) as refused:
        webhooks.redeliver(delivered, "2026-12-01T00:00:00.000Z", {"active": False})
    assert "switched off" in refused.value.detail



def test_a_pending_delivery_of_a_switched_off_subscription_is_refused_as_switched_off():
    """Its 409 said "being tried already" with a Retry-After, where a switched-off webhook tries
    nothing (the pending delivery fails without an attempt when due) and the contract's 409 of a
    switched-off webhook carries no Retry-After: switch it on first (found by the probe)."""
    pending = dict(webhooks.new_delivery(EVENT, WEBHOOK, clock.to_iso(NOW)),
                   next_attempt_at="2026-12-01T00:00:30.000Z")
    with pytest.raises(Conflict) as refused:
        webhooks.redeliver(pending, "2026-12-01T00:00:00.000Z", {"active": False})
    assert "switched off" in refused.value.detail and refused.value.retry_after is None
    with pytest.raises(Conflict) as busy:
        webhooks.redeliver(pending, "2026-12-01T00:00:00.000Z", {"active": True})
    assert busy.value.retry_after == 30

# -- a failing subscription is switched off ------------------------------------------------

def test_three_days_of_failures_switch_a_subscription_off_and_say_why():
    sub = dict(WEBHOOK)
    sub.update(webhooks.after_attempt(sub, False, NOW, DEFAULTS, "HTTP 500").set)
    assert sub["failing_since"] == clock.to_iso(NOW) and sub["active"]
    assert webhooks.after_attempt(sub, False, NOW + timedelta(days=2, hours=23), DEFAULTS, "HTTP 500") is None
    off = webhooks.after_attempt(sub, False, NOW + timedelta(days=3), DEFAULTS, "HTTP 500").set
    assert off["active"] is False
    assert "3 days" in off["disabled_reason"] and "HTTP 500" in off["disabled_reason"]


def test_a_success_ends_the_failing_streak():
    sub = dict(WEBHOOK, failing_since=clock.to_iso(NOW))
    assert webhooks.after_attempt(sub, True, NOW + timedelta(days=2), DEFAULTS, None).set == {"failing_since": None}
    assert webhooks.after_attempt(dict(WEBHOOK), True, NOW, DEFAULTS, None) is None


# -- subscriptions -----------------------------------------------------------------------------

KNOWN = {"maintenance.work_order_created", "finance.payment_posted"}


def public_resolver(host, port, proto=0):
    return [(2, 1, proto, "", ("93.184.215.14", port))]


def test_unknown_or_repeated_event_types_are_refused_naming_the_item():
    with pytest.raises(InvalidInput) as refused:
        webhooks.new_subscription("whk_1", "est_1", {"url": "https://h.example.com/",
                                                     "events": ["finance.payment_posted", "nope.nothing"]},
                                  "sealed", "amy", clock.to_iso(NOW), KNOWN, False, public_resolver)
    assert refused.value.errors[0]["field"] == "data.events.1"
    with pytest.raises(InvalidInput):
        webhooks.checked_events(["finance.payment_posted", "finance.payment_posted"], KNOWN)


def test_a_private_url_is_a_400_naming_data_url():
    with pytest.raises(InvalidInput) as refused:
        webhooks.new_subscription("whk_1", "est_1",
                                  {"url": "https://169.254.169.254/", "events": ["finance.payment_posted"]},
                                  "sealed", "amy", clock.to_iso(NOW), KNOWN, False, public_resolver)
    assert refused.value.errors[0]["field"] == "data.url"


def test_public_event_types_are_qualified_by_source_and_leave_ours_out():
    book = {("maintenance", "charge_raised"), ("finance", "charge_raised"), ("integrations", "x")}
    assert webhooks.public_event_types(book) == ["finance.charge_raised", "maintenance.charge_raised"]


def test_switching_off_by_hand_says_who_and_on_again_clears_it():
    step = webhooks.patch(dict(WEBHOOK), {"active": False}, "amy", "t", KNOWN, False, public_resolver).set
    assert step["active"] is False and step["disabled_reason"] == "switched off by amy"
    off = dict(WEBHOOK, active=False, disabled_reason="x", failing_since="t0")
    step = webhooks.patch(off, {"active": True}, "amy", "t", KNOWN, False, public_resolver).set
    assert step["active"] is True and step["disabled_reason"] is None and step["failing_since"] is None
    assert webhooks.patch(dict(WEBHOOK), {"active": True}, "amy", "t", KNOWN, False, public_resolver) is None


def test_fields_marked_as_personal_data_are_left_out_of_the_body():
    personal = frozenset({"signed_by"})
    event = dict(EVENT, data={"id": "wo_1", "signed_by": "张三"})
    sent = json.loads(webhooks.new_delivery(event, WEBHOOK, clock.to_iso(NOW), personal)["body"])
    assert sent["data"] == {"id": "wo_1"} and "张三" not in webhooks.body_of(event, personal)


def test_a_name_left_out_of_the_body_is_masked_where_the_events_free_text_repeats_it():
    """A subscriber reads no personal field and the numbers in the words redacted; a name the event
    holds, left out, went out in full where its free text typed it again, where the API, the exports
    and archive's records mask it there for whoever reads the name masked (h6's note, review r6 of
    h6: personal_data.name_masked_in_text). The body masks it there as a name."""
    personal = {"signed_by": "occupant_name"}
    event = dict(EVENT, data={"id": "wo_1", "signed_by": "陈美丽", "note": "陈美丽代签, 电话13800138000"})
    sent = json.loads(webhooks.body_of(event, personal))["data"]
    assert sent == {"id": "wo_1", "note": "陈**代签, 电话[redacted]"}


def test_phone_and_id_numbers_typed_into_free_text_are_redacted_and_ids_kept():
    """Found by review: a portal filer's "call me at 13944445555, ID 110101199003071234" went out
    verbatim in service_request_created, though the log lines redact it."""
    hex_id = "sr_a13944445555b0f51fbe27829"  # eleven digits in a row inside an id
    event = dict(EVENT, data={"id": hex_id, "household_id": "hh_13800138000", "number": "SR-2026-000042",
                              "created_at": "2026-11-23T02:00:00.000Z",
                              "description": "call me at 13944445555, ID 110101199003071234",
                              "items": [{"name": "valve", "note": "ring 138-0013-8000"}]})
    sent = json.loads(webhooks.body_of(event))["data"]
    assert "13944445555" not in sent["description"] and "110101199003071234" not in sent["description"]
    assert sent["description"].startswith("call me at [redacted]")
    assert "138-0013-8000" not in sent["items"][0]["note"]
    # an en dash, no-break spaces: they went out verbatim (found by a probe, 2026-12)
    typed = dict(EVENT, data=dict(event["data"], description="ring 139–1234–5678 or 139\u00a01234\u00a05678"))
    assert json.loads(webhooks.body_of(typed))["data"]["description"] == "ring [redacted] or [redacted]"
    assert (sent["id"], sent["household_id"], sent["number"], sent["created_at"]) == (
        hex_id, "hh_13800138000", "SR-2026-000042", "2026-11-23T02:00:00.000Z")


def test_every_event_field_that_names_an_occupant_is_marked_personal():
    from estate_common import contracts
    book = contracts.load()
    marked = {(source, event_type): book.personal_fields(source, event_type) for source, event_type in book.event_types()}
    assert marked[("maintenance", "work_order_completed")] == {"signed_by": "occupant_name"}


def test_a_run_takes_a_fair_share_of_each_webhooks_deliveries():
    """Fifty due deliveries of one hanging receiver filled a run, and every estate's waited."""
    due = [{"_id": f"d{n}", "webhook_id": "slow"} for n in range(50)] + [{"_id": "a", "webhook_id": "ok"},
                                                                         {"_id": "b", "webhook_id": "ok2"}]
    chosen = webhooks.fair_share(due, {"slow"}, 2, 50)
    assert [d["_id"] for d in chosen] == ["d0", "d1", "a", "b"]
    assert len(webhooks.fair_share(due, set(), 2, 50)) == 50  # a healthy one's burst: all that fits
    assert len(webhooks.fair_share([{"_id": n, "webhook_id": n} for n in range(80)], set(), 2, 50)) == 50


def _lane_ids(deliveries):
    return [d["_id"] for d in deliveries]


def test_a_run_sends_a_webhooks_first_delivery_alone_and_the_rest_once_it_was_delivered():
    run = webhooks.RunLanes([{"_id": f"h{n}", "webhook_id": "hook"} for n in range(3)]
                            + [{"_id": "o1", "webhook_id": "other"}])
    assert _lane_ids(run.startable(10)) == ["h0", "o1"]  # one probe per webhook
    assert run.startable(10) == []  # nothing more until a probe ends
    run.ended({"_id": "h0", "webhook_id": "hook"}, webhooks.DELIVERED)
    assert _lane_ids(run.startable(10)) == ["h1", "h2"]  # proven: the rest at once


def test_a_run_leaves_a_webhooks_deliveries_for_the_next_run_after_one_of_its_attempts_failed():
    """A receiver that hangs but has not failed before held every slot of a run for fifty
    attempts' time (found by review): now it holds one slot for one attempt's time."""
    run = webhooks.RunLanes([{"_id": f"h{n}", "webhook_id": "hanging"} for n in range(50)])
    assert _lane_ids(run.startable(10)) == ["h0"]
    run.ended({"_id": "h0", "webhook_id": "hanging"}, webhooks.FAILED)
    assert run.startable(10) == []
    # a proven webhook that fails later stops too
    run = webhooks.RunLanes([{"_id": f"h{n}", "webhook_id": "w"} for n in range(5)])
    run.startable(10)
    run.ended({"_id": "h0", "webhook_id": "w"}, webhooks.DELIVERED)
    assert _lane_ids(run.startable(10)) == ["h1", "h2", "h3", "h4"]
    run.ended({"_id": "h1", "webhook_id": "w"}, webhooks.FAILED)
    assert run.startable(10) == []


def test_a_delivery_that_ended_without_an_attempt_proves_nothing_and_its_webhooks_next_one_probes():
    run = webhooks.RunLanes([{"_id": f"h{n}", "webhook_id": "gone"} for n in range(3)])
    assert _lane_ids(run.startable(10)) == ["h0"]
    run.ended({"_id": "h0", "webhook_id": "gone"}, webhooks.NOT_TRIED)
    assert _lane_ids(run.startable(10)) == ["h1"]


def test_a_run_hands_out_no_more_deliveries_than_it_is_asked_for():
    run = webhooks.RunLanes([{"_id": f"h{n}", "webhook_id": "w"} for n in range(5)]
                            + [{"_id": "o", "webhook_id": "other"}])
    assert _lane_ids(run.startable(1)) == ["h0"]
    assert _lane_ids(run.startable(5)) == ["o"]
    run.ended({"_id": "h0", "webhook_id": "w"}, webhooks.DELIVERED)
    assert _lane_ids(run.startable(2)) == ["h1", "h2"]
    run.ended({"_id": "h1", "webhook_id": "w"}, webhooks.FAILED)
    assert run.startable(10) == []  # h3 and h4 wait for the next run


def test_what_is_due_again_while_attempts_are_under_way_waits_in_place_of_what_waited():
    """The run reads what is due while a slow attempt is under way (``deliver_due``): a webhook
    stopped by a failure gets a new probe, one whose probe is still under way waits for it."""
    run = webhooks.RunLanes([{"_id": "s0", "webhook_id": "slow"}, {"_id": "f0", "webhook_id": "failing"},
                             {"_id": "f1", "webhook_id": "failing"}])
    assert _lane_ids(run.startable(10)) == ["s0", "f0"]
    run.ended({"_id": "f0", "webhook_id": "failing"}, webhooks.FAILED)
    assert run.startable(10) == []  # f1 held back, s0 still under way
    run.refill([{"_id": "s1", "webhook_id": "slow"}, {"_id": "f1", "webhook_id": "failing"},
                {"_id": "n0", "webhook_id": "new"}])
    assert _lane_ids(run.startable(10)) == ["f1", "n0"]  # s1 waits for s0, its webhook's probe
    # a webhook proven earlier in the run is probed again: it may have begun to hang since (review)
    run.ended({"_id": "n0", "webhook_id": "new"}, webhooks.DELIVERED)
    run.refill([{"_id": f"n{n}", "webhook_id": "new"} for n in range(1, 5)])
    assert _lane_ids(run.startable(10)) == ["n1"]
