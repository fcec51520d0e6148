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
