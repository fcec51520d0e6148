"""A keyed write whose answer is lost on its way back, sent again with its Idempotency-Key as the
gateway's 503 advises: the second call answers what the first one did, and does nothing twice.

The answer is lost for sure, not by a race: a broker policy on the gateway's reply queues (``max-length``
0 with ``overflow: reject-publish``, which refuses a message before it is handed to a waiting consumer,
where the default ``drop-head`` hands it over) drops every reply while it is in force, so the service
carries the step out and the gateway, hearing nothing within its RPC timeout, answers 503. The policy is taken away before the call is
sent again. A request is not lost that way (its queue is the service's), and the service is idle,
so it starts the step long before the request's deadline (``rpc_client``: "no work after the
answer" drops only a request not started in time).
"""
import json
import subprocess
import uuid
from urllib.parse import quote, unquote, urlparse

import pytest
import requests

from estate_common import vhosts

from .flows import eventually, new_estate, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

REPLIES = r"^rpc\.reply-gateway-"  # the gateway's reply queues (rpc_client: rpc.reply-<owner>-<key>)
DROPPED = {"max-length": 0, "overflow": "reject-publish"}  # every message refused, none handed over


class Replies:
    """The gateway's replies dropped by the broker while ``lost()`` is in force, through the
    management API when it answers, else ``rabbitmqctl``."""

    def __init__(self, amqp_uri):
        uri = urlparse(amqp_uri)
        self.vhost = unquote(uri.path[1:]) or "/"
        self.auth = (uri.username or "guest", uri.password or "guest")
        self.api = f"http://{uri.hostname}:{vhosts.MANAGEMENT_PORT}/api"
        self.name = f"e2e-lost-replies-{uuid.uuid4().hex[:6]}"
        self.probe = f"rpc.reply-gateway-probe-{uuid.uuid4().hex[:6]}"  # nobody's replies: ours to send to
        try:
            self.managed = requests.get(f"{self.api}/overview", auth=self.auth, timeout=5).ok
        except requests.RequestException:
            self.managed = False

    def _policy(self, on):
        where = f"{self.api}/policies/{quote(self.vhost, safe='')}/{self.name}"
        if self.managed:
            answer = (requests.put(where, auth=self.auth, timeout=10, json={
                "pattern": REPLIES, "apply-to": "queues", "priority": 999, "definition": DROPPED})
                if on else requests.delete(where, auth=self.auth, timeout=10))
            assert answer.status_code in (201, 204), answer.text
        elif on:
            subprocess.run(["rabbitmqctl", "-q", "set_policy", "-p", self.vhost, "--apply-to", "queues",
                            "--priority", "999", self.name, REPLIES, json.dumps(DROPPED)], check=True, timeout=60)
        else:
            subprocess.run(["rabbitmqctl", "-q", "clear_policy", "-p", self.vhost, self.name], check=True, timeout=60)

    def _in_force(self):
        """Every reply queue of the gateway under the policy (it applies to queues that exist). The
        management API's lists say so only with its next statistics, some 5 s later (each of this
        module's two waits took 5-7 s): a message sent to a queue of our own that the pattern
        matches is refused at once when the policy is in force, as the gateway's replies are."""
        if not self.managed:
            return True  # rabbitmqctl answers once the policy is set
        queues = requests.get(f"{self.api}/queues/{quote(self.vhost, safe='')}", auth=self.auth, timeout=10,
                              params={"columns": "name"}).json()
        assert any(q["name"].startswith("rpc.reply-gateway-") and q["name"] != self.probe for q in queues), (
            "the gateway has no reply queue")
        return self._probe_refused()

    def _probe_refused(self):
        """Whether a message to the probe queue is refused, as the policy's max-length 0 refuses
        every one (one taken is taken back off the queue)."""
        vhost = quote(self.vhost, safe="")
        sent = requests.post(f"{self.api}/exchanges/{vhost}/amq.default/publish", auth=self.auth, timeout=10, json={
            "routing_key": self.probe, "payload": "probe", "payload_encoding": "string", "properties": {}})
        if sent.status_code == 400 and "queue limits" in sent.text:
            return True
        assert sent.status_code == 200 and sent.json()["routed"], sent.text
        requests.post(f"{self.api}/queues/{vhost}/{quote(self.probe, safe='')}/get", auth=self.auth, timeout=10,
                      json={"count": 10, "ackmode": "ack_requeue_false", "encoding": "auto"})
        return False

    def __enter__(self):
        if self.managed:  # the probe, a queue of our own the pattern matches (``_in_force``)
            made = requests.put(f"{self.api}/queues/{quote(self.vhost, safe='')}/{quote(self.probe, safe='')}",
                                auth=self.auth, timeout=10, json={"durable": False, "auto_delete": False})
            assert made.status_code in (201, 204), made.text
        self._policy(True)
        try:
            eventually(self._in_force)
        except BaseException:  # no __exit__ after a failed __enter__: the shared system's replies
            self._policy(False)
            self._drop_probe()
            raise
        return self

    def __exit__(self, *exc):
        self._policy(False)
        try:
            eventually(lambda: not self.managed or not self._probe_refused())
        finally:
            self._drop_probe()

    def _drop_probe(self):
        if self.managed:
            requests.delete(f"{self.api}/queues/{quote(self.vhost, safe='')}/{quote(self.probe, safe='')}",
                            auth=self.auth, timeout=10)


def test_an_exit_whose_answer_was_lost_sent_again_with_its_key_answers_the_session_it_closed(api, admin, system):
    """Before, the exit sent again was a 409 "no vehicle with this plate is inside": the session
    is found by the plate's open one, and the first call had closed it."""
    estate_id = new_estate(api, admin, name="Lost Reply Court")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, guard = new_user(api, admin, ["security"], [estate_id])
    plate = "沪E" + str(uuid.uuid4().int)[:5]
    entered = eventually(lambda: (lambda r: r if r.status_code == 201 else None)(
        api.post(f"{base}/vehicle-entries", {"plate": plate}, guard)))  # once security has the estate
    key = {"Idempotency-Key": f"exit-{uuid.uuid4().hex}"}
    body = {"plate": plate, "paid_at_gate": True}
    with Replies(system.amqp_uri):
        lost = api.post(f"{base}/vehicle-exits", body, guard, headers=key)
    assert lost.status_code == 503, lost.text
    assert "same Idempotency-Key" in lost.json()["detail"]

    def closed():
        sessions = api.get(f"{base}/parking-sessions", guard).json()["items"]
        return [s for s in sessions if s["id"] == entered.json()["id"] and s["status"] != "open"]

    [first] = eventually(closed)  # the first call went through: its answer alone was lost
    again = api.post(f"{base}/vehicle-exits", body, guard, headers=key)
    assert again.status_code == 200, again.text
    assert again.json() == first and again.json()["exited_at"] == first["exited_at"]
    other = api.post(f"{base}/vehicle-exits", body, guard, headers={"Idempotency-Key": f"exit-{uuid.uuid4().hex}"})
    assert other.status_code == 409  # another exit: nobody is inside
    assert [s["status"] for s in api.get(f"{base}/parking-sessions", guard).json()["items"]] == [first["status"]]


def test_a_webhooks_deletion_whose_answer_was_lost_sent_again_with_its_key_answers_the_subscription(api, admin,
                                                                                                   system):
    """Before, the deletion sent again was a 404: the first call had removed the webhook."""
    estate_id = new_estate(api, admin, name="Lost Deletion Court")["id"]
    base = f"/api/v1/estates/{estate_id}"
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    created = api.post(f"{base}/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["archive.household_created"]},
                       manager)
    assert created.status_code == 201, created.text
    hook = {name: value for name, value in created.json().items() if name != "secret"}
    key = {"Idempotency-Key": f"delete-{uuid.uuid4().hex}"}
    path = f"{base}/webhooks/{hook['id']}"
    with Replies(system.amqp_uri):
        lost = api.call("DELETE", path, manager, headers=key)
    assert lost.status_code == 503, lost.text
    eventually(lambda: api.get(path, manager).status_code == 404)  # the first call went through
    again = api.call("DELETE", path, manager, headers=key)
    assert again.status_code == 200, again.text
    assert again.json() == hook
    other = api.call("DELETE", path, manager, headers={"Idempotency-Key": f"delete-{uuid.uuid4().hex}"})
    assert other.status_code == 404  # another deletion: nothing is there
    assert api.get(f"{base}/webhooks", manager).json()["items"] == []


def test_a_policy_that_never_came_in_force_is_taken_away(monkeypatch):
    """The policy drops every reply of the shared system's gateway: one left behind by a check that
    failed while it was being put in force (``__enter__``, where ``with`` calls no ``__exit__``)
    made every later module's call a 503."""
    replies = Replies.__new__(Replies)
    replies.managed, replies.name = False, "e2e-lost-replies-test"
    policy = []
    monkeypatch.setattr(Replies, "_policy", lambda self, on: policy.append(on))
    monkeypatch.setattr(Replies, "_in_force", lambda self: (_ for _ in ()).throw(AssertionError("not in time")))
    with pytest.raises(AssertionError, match="not in time"):
        with replies:
            pass
    assert policy == [True, False]
