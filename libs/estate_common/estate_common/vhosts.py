"""Throw-away RabbitMQ vhosts for tests and benchmarks, so that they share no
queue with each other or with a system started by ``make run``.

Vhosts are made and removed through the broker's management API when it answers
(``RABBITMQ_MANAGEMENT_URL``, default port 15672 on AMQP_URI's host, with AMQP_URI's user),
else with ``rabbitmqctl`` (a local broker), else not at all (AMQP_URI's own vhost is used).
The API is the one to have: a ``rabbitmqctl`` call starts an Erlang node of its own and
joins the broker's cluster for the call (about 0.6 s and 0.5 s of CPU each, four per vhost,
some 700 in a ``make test``), an API call takes a few milliseconds. ``make test`` enables the
plugin on a local broker (``scripts/ensure_broker.py``).

A vhost goes in three steps: its permissions are revoked, so that a client which reconnects
(nameko and kombu do, at once) is refused instead of declaring a queue while the vhost is being
deleted; then its connections are closed; then it is deleted. RabbitMQ 3.10 does not revoke
first itself (rabbitmq-server#4260, whose report is a queue declared during a vhost's
deletion). A vhost operation stopped half-way holds every later ``add_vhost`` until the node is
restarted. Such stalls came with bursts of quorum queues being started: once an ``add_vhost``
stopped right at its start ("Making sure data directory") while another vhost's system started
its forty; once the broker went silent for 74 s right after one system's hundred started, with
no vhost operation in flight. So vhosts come and go one at a time on this machine, never while
a service of the suite declares its queues, and no two processes' start-ups declare queues at
once, but for the services of test systems, which share the lock (``exclusive``, a lock file
shared by every test process; ``declaring``). That narrows the chances of a stall; it did not
remove them. The lock covers the declarations, not
the start-ups around them: a test system's service takes it, shared with the other services of
systems, for its own container's start, where its queues are declared
(``declare_under_lock_when_asked``, ``ESTATE_BROKER_LOCK``), and the pytest process that started
the system holds nothing while the processes boot and the gateway comes up. Two systems' services
may declare side by side: a test system's queues are classic (the root conftest.py), and the
systems on quorum queues (``tests/faults``, the broker-users test) run alone at the end of
``make test``. Held from the processes' spawn to the gateway's ``/readyz`` (20-30 s on a loaded
machine, some 8 times a run) it made the other pytest process's systems, vhosts and containers
wait for all of it.

A vhost operation that times out marks that broker wedged (``wedged_mark``: a file per broker
address, under the same directory): every later one on it, in any process, then fails at once
saying so, instead of each test waiting out its own time-out (a wedged CI run took 74 minutes to
end). ``make test`` and ``make broker`` clear the mark before they probe the broker
(``scripts/ensure_broker.py``).

Each vhost in use holds a lock file of its own (``VHOST_LOCKS``), released when its process
ends, however it ends: ``sweep()`` deletes the vhosts of this kind that a killed run left
behind, with their quorum queues, and none that a live run is using.
"""
import base64
import contextlib
import fcntl
import functools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import quote, urlparse, urlunparse

from . import config


LOCK_PATH = os.path.join(tempfile.gettempdir(), "estate-ops-vhosts.lock")
VHOST_LOCKS = os.path.join(tempfile.gettempdir(), "estate-ops-vhosts")
PREFIXES = ("estate_test", "estate_e2e", "estate_bench", "estate_profile")  # the kinds sweep() may delete
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # a broker whose runs' lock files are on this machine
MANAGEMENT_PORT = 15672
CALL_TIMEOUT_SECONDS = 60  # deleting a vhost of a whole system's quorum queues takes seconds


class BrokerWedged(RuntimeError):
    """A vhost operation did not end within its time-out, in this process or an earlier one."""


class ManagementApi:
    """The few calls of RabbitMQ's HTTP API that tests need."""

    def __init__(self, url, user, password):
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    @classmethod
    def for_uri(cls, amqp_uri):
        parsed = urlparse(amqp_uri)
        url = os.environ.get("RABBITMQ_MANAGEMENT_URL") or f"http://{parsed.hostname or '127.0.0.1'}:{MANAGEMENT_PORT}"
        return cls(url, parsed.username or "guest", parsed.password or "guest")

    def _call(self, method, path, body=None, timeout=CALL_TIMEOUT_SECONDS, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/api/" + path, data=data, method=method,
                                         headers={**self._headers, **(headers or {})})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def answers(self):
        try:
            self._call("GET", "whoami", timeout=2)
            return True
        except (OSError, ValueError):  # refused, timed out, not found, not JSON
            return False

    def add_vhost(self, vhost, user):
        self._call("PUT", f"vhosts/{quote(vhost, safe='')}", {})
        self._call("PUT", f"permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
                   {"configure": ".*", "write": ".*", "read": ".*"})

    def list_vhosts(self):
        return [v["name"] for v in self._call("GET", "vhosts?columns=name")]

    def revoke_permissions(self, vhost, users):
        for user in users:
            with contextlib.suppress(urllib.error.HTTPError):  # 404: none, or no such vhost
                self._call("DELETE", f"permissions/{quote(vhost, safe='')}/{quote(user, safe='')}")

    def close_connections(self, vhost, reason):
        try:
            connections = self._call("GET", f"vhosts/{quote(vhost, safe='')}/connections")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return
            raise
        for connection in connections or []:
            with contextlib.suppress(urllib.error.HTTPError):  # it may have closed meanwhile
                self._call("DELETE", f"connections/{quote(connection['name'], safe='')}",
                           headers={"X-Reason": reason})

    def delete_vhost(self, vhost):
        try:
            self._call("DELETE", f"vhosts/{quote(vhost, safe='')}")
        except urllib.error.HTTPError as error:
            if error.code != 404:  # gone already: what was wanted
                raise

    def delete_user(self, user):
        self._call("DELETE", f"users/{quote(user, safe='')}")


class Rabbitmqctl:
    """The same calls through ``rabbitmqctl`` (a broker on this machine)."""

    @staticmethod
    def _run(*args, check=True):
        return subprocess.run(["rabbitmqctl", "-q", *args], check=check, capture_output=True, text=True,
                              timeout=CALL_TIMEOUT_SECONDS).stdout

    def list_vhosts(self):
        return self._run("list_vhosts", "--no-table-headers", "name").split()

    def revoke_permissions(self, vhost, users):
        for user in users:
            self._run("clear_permissions", "-p", vhost, user, check=False)

    def add_vhost(self, vhost, user):
        self._run("add_vhost", vhost)
        self._run("set_permissions", "-p", vhost, user, ".*", ".*", ".*")

    def close_connections(self, vhost, reason):
        self._run("close_all_connections", "-p", vhost, reason, check=False)

    def delete_vhost(self, vhost):
        self._run("delete_vhost", vhost)

    def delete_user(self, user):
        self._run("delete_user", user)


_chosen = {}


def admin(amqp_uri=None):
    """The management API if it answers, else rabbitmqctl if it is here, else None; chosen once
    per process and broker."""
    uri = amqp_uri or config.amqp_uri()
    if uri not in _chosen:
        api = ManagementApi.for_uri(uri)
        _chosen[uri] = api if api.answers() else Rabbitmqctl() if shutil.which("rabbitmqctl") else None
    return _chosen[uri]


_counter_lock = threading.Lock()
_held = {"depth": 0, "file": None}


@contextlib.contextmanager
def exclusive(shared=False):
    """The broker's definitions change one process at a time on this machine: a vhost made or
    deleted, or a test's services declaring their queues (``declaring``); the lock file is
    shared by every process (the module docstring says why). Within a process it is shared: the
    containers of one runner start side by side in greenthreads, and one may wait for another
    (serialising them there would deadlock). ``shared``: taken beside other shared holders, never
    beside an exclusive one (a test system's services, ``declare_under_lock_when_asked``)."""
    with _counter_lock:
        if _held["depth"] == 0:
            _held["file"] = open(LOCK_PATH, "a")
            # blocks the process: another one holds it
            fcntl.flock(_held["file"], fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        _held["depth"] += 1
    try:
        yield
    finally:
        with _counter_lock:
            _held["depth"] -= 1
            if _held["depth"] == 0:
                fcntl.flock(_held["file"], fcntl.LOCK_UN)
                _held["file"].close()
                _held["file"] = None


def declaring(start, shared=False):
    """Decorates a start-up that declares queues (a nameko container's): it runs under
    ``exclusive`` (``shared``: beside other shared ones), so no vhost is made or deleted meanwhile."""
    @functools.wraps(start)
    def under_lock(*args, **kwargs):
        with exclusive(shared):
            return start(*args, **kwargs)
    return under_lock


LOCK_ENV = "ESTATE_BROKER_LOCK"


def declare_under_lock_when_asked():
    """In a service process of a test system (``ESTATE_BROKER_LOCK``: the lock file's path, set
    by ``scripts/run_local.py``'s ``running_system``): its container starts under that lock, as a
    test's own containers do (the root conftest.py), but shared: the six services of a system
    declare side by side, as they did under their starter's one hold (taken exclusively by each in
    turn, a system came up in some 35 s where it took 22, on a loaded machine), and no vhost is made
    or deleted meanwhile. Without it (a deployment, ``make run``) nothing changes. Returns whether
    it was asked."""
    global LOCK_PATH
    path = os.environ.get(LOCK_ENV)
    if not path:
        return False
    LOCK_PATH = path
    from nameko.containers import ServiceContainer
    ServiceContainer.start = declaring(ServiceContainer.start, shared=True)
    return True


def _timed_out(error):
    return isinstance(error, (TimeoutError, subprocess.TimeoutExpired)) or (
        isinstance(error, urllib.error.URLError) and isinstance(error.reason, TimeoutError))


def wedged_mark(amqp_uri=None):
    """The file that says the broker at ``amqp_uri`` (host and port) was found wedged."""
    parsed = urlparse(amqp_uri or config.amqp_uri())
    return os.path.join(VHOST_LOCKS, f"wedged-{parsed.hostname or '127.0.0.1'}-{parsed.port or 5672}")


@contextlib.contextmanager
def watched(what):
    """Fails at once if the broker (``AMQP_URI``'s) was found wedged; marks it so when ``what``
    times out."""
    path = wedged_mark()
    try:
        with open(path) as mark:
            raise BrokerWedged(mark.read())
    except FileNotFoundError:
        pass
    try:
        yield
    except Exception as error:
        if not _timed_out(error):
            raise
        said = (f"{what} did not end within {CALL_TIMEOUT_SECONDS} s (at {time.strftime('%H:%M:%S')}): "
                "RabbitMQ is wedged. Restart it, then run 'make broker' or 'make test' (the README's "
                "Tests section: what to do when it does not help).")
        os.makedirs(VHOST_LOCKS, exist_ok=True)
        with open(path, "w") as mark:
            mark.write(said)
        raise BrokerWedged(said) from error


def clear_wedged(amqp_uri=None):
    """Forget an earlier run's finding (before probing the broker again)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(wedged_mark(amqp_uri))


@contextlib.contextmanager
def fresh_vhost(prefix="estate_test"):
    """An AMQP URI on a vhost of its own, deleted afterwards; with neither the management API
    nor rabbitmqctl, AMQP_URI as it is."""
    base = config.amqp_uri()
    broker = admin(base)
    if broker is None:
        yield base
        return
    vhost = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with held(vhost):
        with exclusive(), watched(f"making vhost {vhost}"):
            broker.add_vhost(vhost, _user(base))
        try:
            yield urlunparse(urlparse(base)._replace(path="/" + vhost))
        finally:
            delete(vhost)


def delete(vhost, users=()):
    """The vhost, then ``users``: its permissions revoked (for AMQP_URI's user and ``users``),
    its connections closed, the vhost deleted, the users deleted; one vhost at a time on this
    machine (the module docstring says why)."""
    broker = admin()
    if broker is None:
        raise RuntimeError("neither RabbitMQ's management API nor rabbitmqctl is at hand to delete a vhost")
    with exclusive(), watched(f"deleting vhost {vhost}"):
        _delete(broker, vhost, [_user(), *users], users)


def _delete(broker, vhost, granted, users=()):
    """(call under ``exclusive``) ``granted``: the users whose permissions go first."""
    broker.revoke_permissions(vhost, granted)
    broker.close_connections(vhost, "the test is over")
    broker.delete_vhost(vhost)
    for user in users:
        broker.delete_user(user)


def _user(amqp_uri=None):
    return urlparse(amqp_uri or config.amqp_uri()).username or "guest"


@contextlib.contextmanager
def held(vhost):
    """A shared lock on the vhost's own file while it is in use, so that ``sweep()`` leaves it."""
    os.makedirs(VHOST_LOCKS, exist_ok=True)
    path = os.path.join(VHOST_LOCKS, vhost)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _abandoned(vhost):
    """True when no process of this machine holds the vhost (its lock file is free or gone)."""
    path = os.path.join(VHOST_LOCKS, vhost)
    try:
        with open(path, "r") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        return True
    except BlockingIOError:
        return False
    with contextlib.suppress(OSError):
        os.unlink(path)
    return True


def is_local(amqp_uri=None):
    """Whether the broker runs on this machine (and ``sweep`` may run against it)."""
    return urlparse(amqp_uri or config.amqp_uri()).hostname in LOCAL_HOSTS


def sweep(amqp_uri=None):
    """Delete the throw-away vhosts that no process of this machine uses any more (a killed
    run's); returns their names. Only for a broker that this machine's runs alone use (their
    lock files are here). Under the lock that every add and delete takes, so no vhost comes or
    goes meanwhile, and a run that holds one cannot end between the check and the deletion."""
    broker = admin(amqp_uri)
    if broker is None:
        return []
    kinds = tuple(prefix + "_" for prefix in PREFIXES)
    swept = []
    with exclusive():
        for vhost in broker.list_vhosts():
            if vhost.startswith(kinds) and _abandoned(vhost):
                _delete(broker, vhost, [_user(amqp_uri)])
                swept.append(vhost)
    return swept
