"""Throw-away vhosts (estate_common.vhosts): made, used and removed on the real broker, through
whichever admin this machine has; the choice of admin."""
import urllib.error
import uuid
from urllib.parse import urlparse, urlunparse

import pytest
from amqp.exceptions import NotAllowed
from kombu import Connection, Queue

from estate_common import config, vhosts


def _vhost_of(uri):
    return uri.rsplit("/", 1)[1]


@pytest.mark.broker
def test_a_fresh_vhost_takes_connections_and_is_gone_afterwards():
    broker = vhosts.admin()
    if broker is None:
        pytest.fail("neither the management API nor rabbitmqctl: the suite needs one", pytrace=False)
    with vhosts.fresh_vhost("estate_test_vhosts") as uri:
        vhost = _vhost_of(uri)
        assert vhost.startswith("estate_test_vhosts_")
        with Connection(uri, connect_timeout=5) as connection:
            queue = Queue("probe", durable=False)(connection.default_channel)
            queue.declare()
            connection.Producer().publish({"hello": 1}, routing_key="probe")
            assert queue.get(no_ack=True).payload == {"hello": 1}
    with pytest.raises(NotAllowed, match=f"vhost {vhost} not found"):  # it is no more
        with Connection(uri, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)


@pytest.mark.broker
def test_the_management_api_is_preferred_when_it_answers():
    """``make test`` enables it on a local broker (scripts/ensure_broker.py)."""
    api = vhosts.ManagementApi.for_uri(config.amqp_uri())
    if not api.answers():
        pytest.skip("this broker's management API is off: rabbitmqctl is used instead")
    assert isinstance(vhosts.admin(), vhosts.ManagementApi)
    with vhosts.fresh_vhost("estate_test_vhosts") as uri:
        vhost = _vhost_of(uri)
        assert api._call("GET", f"vhosts/{vhost}")["name"] == vhost
    with pytest.raises(urllib.error.HTTPError) as gone:
        api._call("GET", f"vhosts/{vhost}")
    assert gone.value.code == 404


def test_without_an_api_rabbitmqctl_is_used_and_without_either_none(monkeypatch):
    monkeypatch.setattr(vhosts, "_chosen", {})
    monkeypatch.setattr(vhosts.ManagementApi, "answers", lambda self: False)
    monkeypatch.setattr(vhosts.shutil, "which", lambda name: "/usr/sbin/rabbitmqctl")
    assert isinstance(vhosts.admin("amqp://guest:guest@broker.example:5672/"), vhosts.Rabbitmqctl)
    monkeypatch.setattr(vhosts.shutil, "which", lambda name: None)
    assert vhosts.admin("amqp://guest:guest@other.example:5672/") is None


def test_without_any_admin_the_uri_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@nowhere.example:5672/")
    monkeypatch.setattr(vhosts, "admin", lambda uri=None: None)
    with vhosts.fresh_vhost() as uri:
        assert uri == "amqp://guest:guest@nowhere.example:5672/"


def test_the_management_url_follows_the_amqp_host_and_user_unless_set(monkeypatch):
    monkeypatch.delenv("RABBITMQ_MANAGEMENT_URL", raising=False)
    api = vhosts.ManagementApi.for_uri("amqp://ops:secret@rabbit.internal:5672/")
    assert api.url == "http://rabbit.internal:15672"
    assert api._headers["Authorization"] == "Basic b3BzOnNlY3JldA=="  # ops:secret
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", "https://rabbit.example/mgmt/")
    assert vhosts.ManagementApi.for_uri("amqp://ops:secret@rabbit.internal:5672/").url == "https://rabbit.example/mgmt"


@pytest.mark.broker
def test_sweep_deletes_what_a_killed_run_left_and_leaves_what_is_in_use():
    if not vhosts.is_local():
        pytest.skip("a sweep is for a broker of this machine only (its runs' lock files are here)")
    broker = vhosts.admin()
    if broker is None:
        pytest.fail("neither the management API nor rabbitmqctl: the suite needs one", pytrace=False)
    user = urlparse(config.amqp_uri()).username or "guest"
    left = f"estate_test_left_{uuid.uuid4().hex[:8]}"  # made, never held: its run was killed
    broker.add_vhost(left, user)
    with vhosts.fresh_vhost("estate_test_vhosts") as uri:
        in_use = _vhost_of(uri)
        swept = vhosts.sweep()
        assert left in swept and in_use not in swept
        assert left not in broker.list_vhosts() and in_use in broker.list_vhosts()
    assert in_use not in broker.list_vhosts()


@pytest.mark.broker
def test_a_deleted_vhost_refuses_a_reconnecting_client_before_it_goes():
    """Permissions go first: a client that reconnects as its connection is closed (nameko does)
    is refused, instead of declaring a queue into a vhost being deleted."""
    broker = vhosts.admin()
    if broker is None:
        pytest.fail("neither the management API nor rabbitmqctl: the suite needs one", pytrace=False)
    user = urlparse(config.amqp_uri()).username or "guest"
    vhost = f"estate_test_vhosts_{uuid.uuid4().hex[:8]}"
    broker.add_vhost(vhost, user)
    try:
        broker.revoke_permissions(vhost, [user])
        uri = urlunparse(urlparse(config.amqp_uri())._replace(path="/" + vhost))
        with pytest.raises(NotAllowed, match="access to vhost"):
            with Connection(uri, connect_timeout=5) as connection:
                connection.ensure_connection(max_retries=1)
    finally:
        vhosts.delete(vhost)
    assert vhost not in broker.list_vhosts()


def test_a_vhost_goes_permissions_first_then_connections_then_itself_then_its_users(monkeypatch):
    steps = []

    class Recording:
        def revoke_permissions(self, vhost, users):
            steps.append(("revoke", vhost, tuple(users)))

        def close_connections(self, vhost, reason):
            steps.append(("close", vhost))

        def delete_vhost(self, vhost):
            steps.append(("delete", vhost))

        def delete_user(self, user):
            steps.append(("delete_user", user))

    monkeypatch.setenv("AMQP_URI", "amqp://ops:secret@127.0.0.1:5672/")
    monkeypatch.setattr(vhosts, "admin", lambda uri=None: Recording())
    vhosts.delete("estate_test_x", ["estate-t1-gateway"])
    assert steps == [("revoke", "estate_test_x", ("ops", "estate-t1-gateway")), ("close", "estate_test_x"),
                     ("delete", "estate_test_x"), ("delete_user", "estate-t1-gateway")]


def test_the_broker_lock_is_one_at_a_time_across_processes_and_reentrant_within_one(tmp_path, monkeypatch):
    import subprocess
    import sys
    import time

    monkeypatch.setattr(vhosts, "LOCK_PATH", str(tmp_path / "broker.lock"))
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
        "print('held', flush=True); time.sleep(1.0)"), vhosts.LOCK_PATH], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with vhosts.exclusive():
            waited = time.monotonic() - started
            with vhosts.exclusive():  # a container's start inside a system's: no deadlock
                pass
    finally:
        holder.wait(timeout=10)
    assert waited >= 0.5

    calls = []
    assert vhosts.declaring(lambda x: calls.append(vhosts._held["depth"]) or x)(7) == 7
    assert calls == [1] and vhosts._held["depth"] == 0


def test_a_shared_hold_admits_other_shared_ones_and_no_exclusive_one(tmp_path, monkeypatch):
    """A test system's services declare side by side (``declare_under_lock_when_asked``); a vhost
    is made or deleted by none of them meanwhile."""
    import fcntl

    monkeypatch.setattr(vhosts, "LOCK_PATH", str(tmp_path / "broker.lock"))
    with vhosts.exclusive(shared=True), open(vhosts.LOCK_PATH, "a") as other:  # another process's
        fcntl.flock(other, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_UN)
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with vhosts.exclusive(), open(vhosts.LOCK_PATH, "a") as other:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_SH | fcntl.LOCK_NB)


def test_a_timed_out_vhost_call_marks_the_broker_wedged_and_later_ones_fail_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(vhosts, "VHOST_LOCKS", str(tmp_path))
    monkeypatch.setattr(vhosts, "LOCK_PATH", str(tmp_path / "broker.lock"))
    calls = []

    class Stalled:
        def add_vhost(self, vhost, user):
            calls.append(vhost)
            raise urllib.error.URLError(TimeoutError("timed out"))

    monkeypatch.setattr(vhosts, "admin", lambda uri=None: Stalled())
    with pytest.raises(vhosts.BrokerWedged, match="making vhost estate_test_w_.* RabbitMQ is wedged"):
        with vhosts.fresh_vhost("estate_test_w"):
            pass
    with pytest.raises(vhosts.BrokerWedged, match="making vhost estate_test_w_"):  # the first finding
        with vhosts.fresh_vhost("estate_test_w"):
            pass
    with pytest.raises(vhosts.BrokerWedged):
        vhosts.delete("estate_test_other")
    assert len(calls) == 1  # the broker was not asked again

    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@other.example:5672/")
    with pytest.raises(vhosts.BrokerWedged):  # another broker is asked: its own finding
        with vhosts.fresh_vhost("estate_test_w"):
            pass
    assert len(calls) == 2
    monkeypatch.delenv("AMQP_URI")

    vhosts.clear_wedged()
    with pytest.raises(vhosts.BrokerWedged):  # asked again, and wedged again
        with vhosts.fresh_vhost("estate_test_w"):
            pass
    assert len(calls) == 3


def test_an_error_that_is_not_a_time_out_leaves_no_mark(tmp_path, monkeypatch):
    monkeypatch.setattr(vhosts, "VHOST_LOCKS", str(tmp_path))
    monkeypatch.setattr(vhosts, "LOCK_PATH", str(tmp_path / "broker.lock"))

    class Refusing:
        def add_vhost(self, vhost, user):
            raise urllib.error.URLError(ConnectionRefusedError(111, "refused"))

    monkeypatch.setattr(vhosts, "admin", lambda uri=None: Refusing())
    with pytest.raises(urllib.error.URLError):
        with vhosts.fresh_vhost("estate_test_w"):
            pass
    assert list(tmp_path.glob("wedged*")) == []


@pytest.mark.broker
def test_a_test_systems_service_declares_its_queues_under_the_broker_lock(tmp_path, monkeypatch):
    """``estate_common.serve`` with ``ESTATE_BROKER_LOCK`` (scripts/run_local.py's running_system
    sets it): the container's start, where its queues are declared, waits for the lock."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    from amqp.exceptions import NotFound

    (tmp_path / "lock_probe.py").write_text(
        "from nameko.rpc import rpc\n\n\nclass Probe:\n    name = 'lock_probe'\n\n"
        "    @rpc\n    def ping(self):\n        return 'pong'\n")
    (tmp_path / "config.yml").write_text("AMQP_URI: ${AMQP_URI}\n")
    lock_path = str(tmp_path / "broker.lock")

    def declared(uri):
        with Connection(uri, connect_timeout=5) as connection:
            try:
                Queue("rpc-lock_probe")(connection.default_channel).queue_declare(passive=True)
                return True
            except NotFound:
                return False

    with vhosts.fresh_vhost("estate_test_vhosts") as uri, open(lock_path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another process making a vhost
        env = dict(os.environ, AMQP_URI=uri, ESTATE_BROKER_LOCK=lock_path,
                   PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
        service = subprocess.Popen([sys.executable, "-m", "estate_common.serve", "--config", "config.yml",
                                    "lock_probe:Probe"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            for line in service.stdout:  # nameko's runner logs this, then starts the container
                if "starting services: lock_probe" in line:
                    break
            time.sleep(2)  # time enough to declare a queue, had it not waited
            assert service.poll() is None and not declared(uri)
            fcntl.flock(held, fcntl.LOCK_UN)
            deadline = time.monotonic() + 60
            while not declared(uri) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert declared(uri)
        finally:
            service.terminate()
            service.wait(timeout=30)
