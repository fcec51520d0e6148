"""``make run``'s environment (scripts/run_local.py): what it derives from what the user set."""
from pathlib import Path

from estate_common.testing import load_file

run_local = load_file(Path(__file__).resolve().parents[2] / "scripts" / "run_local.py", "run_local_environment")


def test_the_portal_qr_codes_lead_to_the_console_on_its_own_port(monkeypatch):
    """With CONSOLE_PORT=18081 the QR codes (and the gateway's /portal/<code>) led to 8081, where
    no console listened: PORTAL_BASE_URL follows the console's port unless it is set."""
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.delenv("CONSOLE_PORT", raising=False)
    assert run_local.environment()["PORTAL_BASE_URL"] == "http://127.0.0.1:8081"
    assert run_local.environment({"CONSOLE_PORT": "18081"})["PORTAL_BASE_URL"] == "http://127.0.0.1:18081"
    monkeypatch.setenv("CONSOLE_PORT", "28081")
    assert run_local.environment()["PORTAL_BASE_URL"] == "http://127.0.0.1:28081"
    monkeypatch.setenv("PORTAL_BASE_URL", "https://console.example.com")
    assert run_local.environment({"CONSOLE_PORT": "18081"})["PORTAL_BASE_URL"] == "https://console.example.com"


def test_a_rabbitmqctl_that_may_not_run_lets_the_system_start(monkeypatch, capsys):
    """Debian's rabbitmqctl exits 1 for anyone but root and rabbitmq: ``make run`` as a developer's
    own account ended in a traceback (found by review)."""
    import subprocess

    def refused(amqp_uri):
        raise subprocess.CalledProcessError(1, ["rabbitmqctl", "list_queues"])
    monkeypatch.setattr(run_local.shutil, "which", lambda name: "/usr/sbin/rabbitmqctl")
    monkeypatch.setattr(run_local.upgrade_queues, "upgrade", refused)
    assert run_local.old_queues_hold_events("amqp://guest:guest@127.0.0.1:5672/") is False
    assert "starting anyway" in capsys.readouterr().err
    monkeypatch.setattr(run_local.upgrade_queues, "upgrade", lambda amqp_uri: ["sr_events"])
    assert run_local.old_queues_hold_events("amqp://guest:guest@127.0.0.1:5672/") is True
    assert run_local.old_queues_hold_events("amqp://u:p@broker.example.com:5672/") is False  # not this machine's


def test_classic_event_queues_are_this_systems_own_under_event_queue_type_classic(monkeypatch):
    """Under EVENT_QUEUE_TYPE=classic the services declare classic evt-… queues themselves: a
    restart on the same vhost took them for an older version's, deleted them one rabbitmqctl call
    at a time (165 queues, about 6 minutes before the system was ready: a probe) and would have
    refused to start on one still holding events a stopped service had not taken yet."""
    asked = []
    monkeypatch.setattr(run_local.shutil, "which", lambda name: "/usr/sbin/rabbitmqctl")
    monkeypatch.setattr(run_local.upgrade_queues, "upgrade", lambda amqp_uri: asked.append(amqp_uri) or ["evt-x"])
    uri = "amqp://guest:guest@127.0.0.1:5672/h1"
    assert run_local.old_queues_hold_events(uri, event_queue_type="classic") is False
    assert asked == []
    assert run_local.old_queues_hold_events(uri, event_queue_type="quorum") is True
    assert run_local.old_queues_hold_events(uri) is True  # quorum unless told
    assert asked == [uri, uri]


def test_a_test_system_boots_without_the_broker_lock_and_its_services_are_given_it(tmp_path, monkeypatch):
    """The lock covers the services' queue declarations (each takes it for its container's start:
    ``vhosts.declare_under_lock_when_asked``), not the processes' boot and the gateway's readiness:
    held through those, every system start of one pytest process stopped the other's vhosts,
    containers and systems for 20-30 s."""
    import fcntl

    from estate_common import vhosts

    monkeypatch.setattr(vhosts, "LOCK_PATH", str(tmp_path / "broker.lock"))
    seen = {}

    def start(system):
        seen["lock"] = system.env.get("ESTATE_BROKER_LOCK")
        return system

    def wait_ready(system, seconds):
        with open(vhosts.LOCK_PATH, "a") as other:  # another pytest process making a vhost meanwhile
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while it is held
            seen["free while booting"] = True

    monkeypatch.setattr(run_local.System, "start", start)
    monkeypatch.setattr(run_local.System, "wait_ready", wait_ready)
    monkeypatch.setattr(run_local.System, "stop", lambda system: None)
    with run_local.running_system({"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/x"}, tmp_path / "system.log"):
        pass
    assert seen == {"lock": vhosts.LOCK_PATH, "free while booting": True}


def _running(pid):
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_a_systems_processes_end_with_the_process_that_started_them(tmp_path):
    """A test stopped by pytest-timeout (its thread method ends pytest with os._exit, no teardown
    runs) or a killed run left its system running: a gunicorn gateway, six services, each in a
    session of its own, on ports and a vhost nobody would stop. Each process of a system is told
    to stop when its starter ends, however it ends."""
    import os
    import signal
    import subprocess
    import sys
    import time

    starter = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from estate_common.testing import load_file\n"
        "run_local = load_file(sys.argv[1], 'run_local_starter')\n"
        "system = run_local.System({'GATEWAY_PORT': '1'})\n"
        "system._spawn(['sleep', '600'], sys.argv[2])\n"
        "print(system.processes[0].pid, flush=True)\n"
        "time.sleep(600)\n"), str(run_local.ROOT / "scripts" / "run_local.py"), str(tmp_path)],
        stdout=subprocess.PIPE, text=True)
    spawned = int(starter.stdout.readline())
    try:
        assert _running(spawned)
        starter.kill()  # as pytest-timeout's os._exit, or a CI job cancelled
        starter.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _running(spawned) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(spawned)
    finally:
        if _running(spawned):
            os.kill(spawned, signal.SIGKILL)
