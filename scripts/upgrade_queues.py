"""Replace the classic event queues an older estate-ops left on a broker with nothing, so the
services declare them again as quorum queues (with their delivery limit and dead-letter queue).

RabbitMQ does not change a queue's type in place: a service of this version finds an old
classic ``evt-…`` queue and stops with ``PRECONDITION_FAILED``. Only *empty* classic event
queues are deleted (``--if-empty``: no event is lost); a queue that still holds events is
named and left alone, and the command exits 1 (drain it with the old version first; see
docs/dead-letters.md). Needs ``rabbitmqctl`` (a broker on this machine); ``make run`` runs it
for a loopback broker before it starts the system.

    python scripts/upgrade_queues.py [--amqp-uri URI]
"""
import argparse
import json
import shutil
import subprocess
import sys
from urllib.parse import unquote, urlparse

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


def vhost_of(amqp_uri):
    path = urlparse(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def _ctl(*args):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60)


def classic_event_queues(vhost):
    listed = _ctl("list_queues", "-p", vhost, "name", "type", "messages", "--formatter", "json").stdout
    return [q for q in json.loads(listed or "[]") if q["name"].startswith("evt-") and q.get("type") == "classic"]


def upgrade(amqp_uri, out=sys.stdout):
    """Delete the vhost's empty classic event queues; the names of those still holding events."""
    vhost = vhost_of(amqp_uri)
    kept = []
    for queue in classic_event_queues(vhost):
        if queue["messages"]:
            kept.append(queue["name"])
            continue
        _ctl("delete_queue", "-p", vhost, queue["name"], "--if-empty")
        print(f"deleted the old classic queue {queue['name']} (empty)", file=out)
    for name in kept:
        print(f"{name} is an old classic queue that still holds events: drain it with the old "
              f"version, then run this again (docs/dead-letters.md)", file=out)
    return kept


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amqp-uri", default=None)
    args = parser.parse_args(argv)
    import os
    uri = args.amqp_uri or os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI
    if not shutil.which("rabbitmqctl"):
        print("rabbitmqctl is not on this machine: see docs/dead-letters.md to upgrade by hand", file=sys.stderr)
        return 2
    return 1 if upgrade(uri) else 0


if __name__ == "__main__":
    sys.exit(main())
