"""Container probes for the nameko services (they serve no HTTP), answered by this pod alone.

The service's heartbeat (``nameko.base.Heartbeat``, a green thread of the container's own, every
``HEARTBEAT_SECONDS``; not a timer, whose runs need a free worker) judges its own process with
``verdict`` and leaves two files for the probes to read:

- ``python -m estate_common.probe alive SERVICE``: ``<tmp>/estate-ops-<service>.alive`` was
  written within three intervals: the event loop turns, and the queue consumer's loop is
  connecting to the broker or turned within ``CONSUMER_STUCK_SECONDS``. A broker that is down
  does not make a pod dead (a restart would not bring it back); a consumer stuck does.
- ``python -m estate_common.probe ready SERVICE``: alive, and ``<tmp>/estate-ops-<service>.ready``
  was written within three intervals: this pod's consumer takes messages on a live connection
  and its store answers a ping.

Until 2026-12, readiness sent the ``health`` RPC over the broker, which any replica could
answer: a pod whose consumer took nothing stayed ready, every pod of a service turned unready
at once when its queue was 5 s behind, and each probe started a broker connection (found by a
deploy review). ``Heartbeat`` removes both files as the container is set up:
a container restarted in the same pod would find its predecessor's.
"""
import os
import sys
import tempfile
import time

from . import config

HEARTBEAT_SECONDS = config.env_float("HEARTBEAT_SECONDS", 5.0)
# A consuming loop turns at least once a second (kombu drains with a one-second timeout, and
# once per message); one that has not for this long is stuck. Generous: a restart loses the work
# in hand.
CONSUMER_STUCK_SECONDS = config.env_float("CONSUMER_STUCK_SECONDS", 60.0)


def heartbeat_path(service):
    return os.path.join(tempfile.gettempdir(), f"estate-ops-{service}.alive")


def ready_path(service):
    return os.path.join(tempfile.gettempdir(), f"estate-ops-{service}.ready")


def verdict(phase, since_turn):
    """``(alive, taking_messages)`` of a service whose queue consumer is in ``phase`` (starting,
    connecting or consuming) and whose loop last turned ``since_turn`` seconds ago."""
    if phase != "consuming":
        return True, False
    stuck = since_turn > CONSUMER_STUCK_SECONDS
    return not stuck, not stuck


def touch(path):
    with open(path, "w") as handle:
        handle.write(str(time.time()))


def remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _fresh(path):
    try:
        age = time.time() - os.path.getmtime(path)
    except OSError:
        return False
    return age < 3 * HEARTBEAT_SECONDS + 5


def alive(service):
    return _fresh(heartbeat_path(service))


def ready(service):
    return alive(service) and _fresh(ready_path(service))


def main(argv):
    if len(argv) != 3 or argv[1] not in ("alive", "ready"):
        print("usage: python -m estate_common.probe alive|ready SERVICE", file=sys.stderr)
        return 2
    check = alive if argv[1] == "alive" else ready
    return 0 if check(argv[2]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
