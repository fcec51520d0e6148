"""Throw-away RabbitMQ vhosts for tests and benchmarks, so that they share no
queue with each other or with a system started by ``make run``.

A vhost goes only after its connections are closed, and vhosts come and go one at a time on
this machine (a lock file shared by every test process): RabbitMQ 3.10 deleting two vhosts at
once, each with a running system's quorum queues and consumers still connected, was seen to
stop half-way and hold every later ``add_vhost`` until the node was restarted.
"""
import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import uuid
from urllib.parse import urlparse, urlunparse

from . import config


LOCK_PATH = os.path.join(tempfile.gettempdir(), "estate-ops-vhosts.lock")


def _rabbitmqctl(*args, check=True):
    subprocess.run(["rabbitmqctl", "-q", *args], check=check, capture_output=True, timeout=60)


@contextlib.contextmanager
def _one_at_a_time():
    with open(LOCK_PATH, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def fresh_vhost(prefix="estate_test"):
    """An AMQP URI on a vhost of its own, deleted afterwards (needs rabbitmqctl, i.e. a local
    broker); without rabbitmqctl, AMQP_URI as it is."""
    base = config.amqp_uri()
    if not shutil.which("rabbitmqctl"):
        yield base
        return
    vhost = f"{prefix}_{uuid.uuid4().hex[:12]}"
    user = urlparse(base).username or "guest"
    with _one_at_a_time():
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    try:
        yield urlunparse(urlparse(base)._replace(path="/" + vhost))
    finally:
        delete(vhost)


def delete(vhost, users=()):
    """The vhost, after its connections are closed, then ``users``: one step at a time, and
    one vhost at a time on this machine (the module docstring says why)."""
    with _one_at_a_time():
        _rabbitmqctl("close_all_connections", "-p", vhost, "the test is over", check=False)
        _rabbitmqctl("delete_vhost", vhost)
        for user in users:
            _rabbitmqctl("delete_user", user)
