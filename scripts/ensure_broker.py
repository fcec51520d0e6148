"""Make sure RabbitMQ answers at AMQP_URI; start a local one if it is installed and down.

A broker that answers is used as it is, wherever it runs (a local one, or a service
container of the hosted CI workflow on 127.0.0.1): nothing is started then. One that does
not answer and cannot be started here (another host, or no rabbitmq-server installed) is
waited for a while, as a container still starting up. Exit 0 when the broker answers, 1
(with what to do) when it cannot be had.

On a broker of this machine it also enables the management plugin, if it is off: the tests make
and remove a vhost per test through its HTTP API (``estate_common.vhosts`` says why), and fall
back to the much slower ``rabbitmqctl`` when it cannot be had. It then deletes the throw-away
vhosts that a killed run left behind (``vhosts.sweep``) and makes and deletes one within
``PROBE_SECONDS``: a broker that cannot is wedged, and is said to be so now rather than as a
suite that hangs.
"""
import os
import shutil
import subprocess
import sys
import threading
import time

from kombu import Connection

from estate_common import vhosts
from estate_common.vhosts import ManagementApi

DEFAULT = "amqp://guest:guest@127.0.0.1:5672/"
WAIT_SECONDS = 90
WAIT_FOR_OTHERS_SECONDS = float(os.environ.get("BROKER_WAIT_SECONDS", "30"))
MANAGEMENT_WAIT_SECONDS = 30
PROBE_SECONDS = float(os.environ.get("BROKER_PROBE_SECONDS", "60"))
RESTART = """restart it, e.g. 'rabbitmqctl stop; rabbitmq-server -detached' (if it does not stop
within a minute: 'pkill -9 beam.smp', then start it again)."""
WEDGED = "RabbitMQ answers but {what} did not end within {seconds:.0f} s: the broker is wedged;\n" + RESTART


def answers(uri):
    try:
        with Connection(uri, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def wait_for(uri, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(uri):
            return True
        time.sleep(1)
    return False


def management_answers(uri):
    return ManagementApi.for_uri(uri).answers()


def installed(program):
    return shutil.which(program) or (f"/usr/sbin/{program}" if os.path.exists(f"/usr/sbin/{program}") else None)


def ensure_management(uri):
    """The management plugin on, if the broker is this machine's and can be told (else a note)."""
    if management_answers(uri):
        return
    plugins = installed("rabbitmq-plugins")
    if plugins is None:
        print("RabbitMQ's management API does not answer: test vhosts go through rabbitmqctl (slower).",
              file=sys.stderr)
        return
    print("RabbitMQ's management API is off: enabling it (rabbitmq-plugins enable rabbitmq_management)...",
          file=sys.stderr)
    try:
        subprocess.run([plugins, "enable", "rabbitmq_management"], check=False, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        pass  # said below, when it does not answer
    deadline = time.monotonic() + MANAGEMENT_WAIT_SECONDS
    while not management_answers(uri):
        if time.monotonic() > deadline:
            print("  it did not answer: test vhosts go through rabbitmqctl (slower).", file=sys.stderr)
            return
        time.sleep(1)


def within(seconds, step):
    """step() in a thread: (True, its error or None) if it ended within ``seconds``, else (False, None)."""
    outcome = {}

    def run():
        try:
            step()
            outcome["error"] = None
        except Exception as error:  # reported by the caller
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    return ("error" in outcome), outcome.get("error")


def tidy_and_probe(uri):
    """Sweep a killed run's vhosts, then make and delete one within ``PROBE_SECONDS``; 0, or 1
    with what to do. The sweep is not timed (each leftover vhost of a whole system takes
    seconds): a wedged broker fails its calls' own time-outs instead."""
    try:
        swept = vhosts.sweep(uri)
    except Exception as error:  # said, with what to do
        print(f"RabbitMQ answers but deleting the vhosts that earlier runs left failed: {error!r}\n"
              "If the broker is wedged, " + RESTART, file=sys.stderr)
        return 1
    if swept:
        print(f"Deleted {len(swept)} vhost(s) that earlier runs left behind.", file=sys.stderr)
    ended, error = within(PROBE_SECONDS, _probe)
    if not ended:
        print(WEDGED.format(what="making and deleting a vhost", seconds=PROBE_SECONDS), file=sys.stderr)
        return 1
    if error is not None:
        print(f"RabbitMQ answers but making and deleting a vhost failed: {error}", file=sys.stderr)
        return 1
    return 0


def _probe():
    with vhosts.fresh_vhost("estate_test_probe"):
        pass


def main():
    uri = os.environ.get("AMQP_URI") or DEFAULT
    vhosts.clear_wedged(uri)  # an earlier run's finding: this run finds out again (the probe below, or its tests)
    local = vhosts.is_local(uri)
    if answers(uri):
        if local:
            ensure_management(uri)
            return tidy_and_probe(uri)
        return 0
    server = installed("rabbitmq-server")
    if not local or server is None:
        if wait_for(uri, WAIT_FOR_OTHERS_SECONDS):
            return 0
        print(f"RabbitMQ does not answer at {uri.split('@')[-1]}.\n"
              "Start one, e.g. 'apt-get install rabbitmq-server && rabbitmq-server -detached',\n"
              "or 'docker run -d -p 5672:5672 rabbitmq:3.13', or point AMQP_URI at yours.", file=sys.stderr)
        return 1
    print("RabbitMQ is down: starting it (rabbitmq-server -detached)...", file=sys.stderr)
    subprocess.run([server, "-detached"], check=False)
    if wait_for(uri, WAIT_SECONDS):
        ensure_management(uri)
        return tidy_and_probe(uri)
    print(f"RabbitMQ did not come up within {WAIT_SECONDS} s.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
