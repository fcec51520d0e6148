"""Throw-away RabbitMQ vhosts for tests and benchmarks, so that they share no
queue with each other or with a system started by ``make run``."""
import contextlib
import shutil
import subprocess
import uuid
from urllib.parse import urlparse, urlunparse

from . import config


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


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
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    try:
        yield urlunparse(urlparse(base)._replace(path="/" + vhost))
    finally:
        _rabbitmqctl("delete_vhost", vhost)
