"""Outgoing webhooks through the gateway (issue 13), as an integrator sees them: a local HTTP
receiver checks every signature and counts the deliveries while it fails twice and then
recovers (backoff shortened by the estate's settings), a redelivery keeps its delivery id, and an
event that arrives twice on the bus is delivered once.

The system runs as ``make run`` starts it, with ``WEBHOOK_ALLOW_PRIVATE=1`` (as ``make run``
sets it): the receiver is plain http on 127.0.0.1. It is the end-to-end modules' shared system,
whose integrations look for due deliveries every 0.2 s and give a receiver 2 s
(conftest's ``SHARED_SETTINGS``).
"""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from jsonschema import Draft202012Validator
from nameko.standalone.events import event_dispatcher
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .flows import PHONE, eventually, new_estate, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

SERVED = "https://estate-ops.invalid/served/openapi.json"


class Receiver:
    """What an integrator runs: verifies ``X-Estate-Signature`` as the README shows, answers 500
    to the first ``failures`` requests and 204 after, and keeps what it got."""

    def __init__(self, failures):
        self.secret, self.failures = None, failures
        self.requests, self.bad_signatures, self.accepted = [], 0, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                if not receiver.verified(self.headers, body):
                    receiver.bad_signatures += 1
                    status = 401
                elif len(receiver.requests) <= receiver.failures:
                    status = 500
                else:
                    receiver.accepted.append((self.headers["X-Estate-Delivery"], json.loads(body)))
                    status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/estate-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self, headers, body):
        timestamp, signature = headers.get("X-Estate-Timestamp", ""), headers.get("X-Estate-Signature", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        return fresh and any(hmac.compare_digest(expected, given.strip()) for given in signature.split(","))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _off_the_served_contract(served, headers, body):
    """What the served document's webhook of this delivery's event says is wrong with its headers
    and body (its schema's ``#/components`` read in the served document)."""
    operation = served["webhooks"][headers["X-Estate-Event"]]["post"]
    wrong = [p["name"] for p in operation["parameters"]
             if p["in"] == "header" and (p["name"] not in headers or any(
                 Draft202012Validator(p["schema"]).iter_errors(headers[p["name"]])))]
    registry = Registry().with_resource(SERVED, Resource(contents=served, specification=DRAFT202012))
    schema = {"$ref": f"{SERVED}#/webhooks/{headers['X-Estate-Event']}/post/requestBody/content/application~1json/schema"}
    return wrong + [error.message for error in Draft202012Validator(schema, registry=registry).iter_errors(body)]


@pytest.fixture
def receiver():
    made = Receiver(failures=2)
    yield made
    made.close()


def test_a_failing_receiver_gets_each_event_once_signed_after_retries(system, api, admin, receiver):
    estate_id = new_estate(api, admin, name="Webhook Gardens")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, agent = new_user(api, admin, ["agent"], [estate_id])
    settings = api.call("PUT", f"{base}/settings/integrations", manager,
                        json={"webhook_backoff_first_seconds": 1, "webhook_backoff_max_seconds": 1})
    assert settings.status_code == 200, settings.text

    # only a manager (or the operator admin) subscribes; the secret is shown once
    body = {"url": receiver.url, "events": ["archive.household_created"], "description": "our CRM"}
    assert api.post(f"{base}/webhooks", body, agent).status_code == 403
    refused = api.post(f"{base}/webhooks", dict(body, events=["archive.nothing_like_it"]), manager)
    assert refused.status_code == 400
    created = api.post(f"{base}/webhooks", body, manager)
    assert created.status_code == 201, created.text
    hook = created.json()
    receiver.secret = hook["secret"]
    shown = api.get(f"{base}/webhooks/{hook['id']}", manager).json()
    assert "secret" not in shown and shown["active"] is True
    assert [w["id"] for w in api.get(f"{base}/webhooks", manager).json()["items"]] == [hook["id"]]

    household = api.post(f"{base}/households", {"building": "9", "unit": "1", "room": "301", "area_m2": 80.5,
                                                "owner": {"name": "陈小明", "phone": PHONE}}, manager)
    assert household.status_code == 201, household.text

    deliveries = f"{base}/webhooks/{hook['id']}/deliveries"

    def delivered():
        items = api.get(deliveries, manager).json()["items"]
        return items if items and items[0]["status"] == "delivered" else None
    [delivery] = eventually(delivered, seconds=30)
    assert delivery["attempts"] == 3 and delivery["last_status_code"] == 204
    assert delivery["event_type"] == "archive.household_created"

    # three requests, all signed right, one delivery id; accepted once; each the webhook the served
    # contract shows (its webhooks: headers and body)
    assert receiver.bad_signatures == 0 and len(receiver.requests) == 3
    served = api.get("/api/v1/openapi.json").json()
    for headers, raw in receiver.requests:
        assert _off_the_served_contract(served, headers, json.loads(raw)) == []
    assert {headers["X-Estate-Delivery"] for headers, _ in receiver.requests} == {delivery["id"]}
    assert {headers["X-Estate-Event"] for headers, _ in receiver.requests} == {"archive.household_created"}
    [(delivery_id, event)] = receiver.accepted
    assert event["event_id"] == delivery["event_id"] and event["data"]["id"] == household.json()["id"]
    assert event["estate_id"] == estate_id and event["source"] == "archive"
    raw = receiver.requests[-1][1].decode()
    assert "陈小明" not in raw and PHONE not in raw  # no personal data leaves

    # the same event arriving again on the bus is not delivered again
    republish = event_dispatcher({"AMQP_URI": system.amqp_uri})
    republish("archive", "household_created", event)
    republish("archive", "household_created", event)
    time.sleep(3)
    assert len(receiver.requests) == 3 and len(api.get(deliveries, manager).json()["items"]) == 1

    # a redelivery: the same delivery id once more
    again = api.post(f"{deliveries}/{delivery['id']}/redeliver", None, manager)
    assert again.status_code == 200, again.text
    eventually(lambda: len(receiver.accepted) == 2, seconds=15)
    assert receiver.accepted[1][0] == delivery["id"] and receiver.bad_signatures == 0
    assert api.get(f"{deliveries}?status=delivered", manager).json()["items"][0]["attempts"] == 4

    # a new secret: the old one signs beside it, so the receiver still on the old one accepts;
    # then on the new one it accepts too; a rotation that keeps nothing leaves the old one refused
    secret_path = f"{base}/webhooks/{hook['id']}/secret"
    assert api.post(secret_path, {}, agent).status_code == 403
    rotated = api.post(secret_path, {}, manager)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != hook["secret"] and rotated.json()["previous_secret_expires_at"]
    for secret, accepted in ((hook["secret"], 3), (rotated.json()["secret"], 4)):
        receiver.secret = secret
        assert api.post(f"{deliveries}/{delivery['id']}/redeliver", None, manager).status_code == 200
        eventually(lambda accepted=accepted: len(receiver.accepted) == accepted, seconds=15)
    assert len(receiver.requests[-1][0]["X-Estate-Signature"].split(", ")) == 2
    leaked = api.post(secret_path, {"keep_previous_hours": 0}, manager)
    assert leaked.status_code == 200 and leaked.json()["previous_secret_expires_at"] is None
    assert api.post(f"{deliveries}/{delivery['id']}/redeliver", None, manager).status_code == 200
    eventually(lambda: receiver.bad_signatures >= 1, seconds=15)  # signed by the new secret only
    receiver.secret = leaked.json()["secret"]
    eventually(lambda: len(receiver.accepted) == 5, seconds=30)  # its retry, on the receiver's new secret
    assert len(receiver.requests[-1][0]["X-Estate-Signature"].split(", ")) == 1

    # switched off: a new household is not delivered; deleted: gone
    off = api.call("PATCH", f"{base}/webhooks/{hook['id']}", manager, json={"active": False})
    assert off.status_code == 200 and off.json()["disabled_reason"].startswith("switched off by")
    requests_so_far = len(receiver.requests)
    api.post(f"{base}/households", {"building": "9", "unit": "1", "room": "302", "area_m2": 80.5,
                                    "owner": {"name": "王五", "phone": PHONE}}, manager)
    time.sleep(3)
    assert len(receiver.requests) == requests_so_far and len(api.get(deliveries, manager).json()["items"]) == 1
    assert api.call("DELETE", f"{base}/webhooks/{hook['id']}", manager).status_code == 200
    assert api.get(f"{base}/webhooks/{hook['id']}", manager).status_code == 404
