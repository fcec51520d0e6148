"""scripts/ensure_broker.py, as ``make test`` runs it: a broker that answers is used as it is,
wherever it runs (the CI workflow's service container answers on 127.0.0.1): nothing is started.
A broker of this machine gets its management plugin enabled if it is off; one elsewhere never.
A local broker is then tidied and probed: a wedged one is said to be so."""
import importlib.util
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ensure_broker():
    spec = importlib.util.spec_from_file_location("ensure_broker", ROOT / "scripts" / "ensure_broker.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def nothing_started(ensure_broker, monkeypatch):
    probed = []
    monkeypatch.setattr(ensure_broker, "tidy_and_probe", lambda uri: probed.append(uri) or 0)
    started = []
    monkeypatch.setattr(ensure_broker.subprocess, "run", lambda argv, **kw: started.append(argv))
    monkeypatch.setattr(ensure_broker.shutil, "which", lambda name: f"/usr/sbin/{name}")
    return started


@pytest.mark.broker
def test_a_broker_that_answers_is_used_as_it_is(ensure_broker, nothing_started, monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    monkeypatch.setattr(ensure_broker, "management_answers", lambda uri: True)
    assert ensure_broker.main() == 0
    assert nothing_started == []


def test_a_local_broker_without_the_management_api_gets_its_plugin_enabled(ensure_broker, nothing_started,
                                                                           monkeypatch, capsys):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    monkeypatch.setattr(ensure_broker, "answers", lambda uri: True)
    api = iter([False, False, True])  # off, then still starting, then up
    monkeypatch.setattr(ensure_broker, "management_answers", lambda uri: next(api))
    monkeypatch.setattr(ensure_broker.time, "sleep", lambda seconds: None)
    assert ensure_broker.main() == 0
    assert nothing_started == [["/usr/sbin/rabbitmq-plugins", "enable", "rabbitmq_management"]]
    assert "enabling it" in capsys.readouterr().err


def test_a_broker_elsewhere_never_gets_a_plugin_enabled(ensure_broker, nothing_started, monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@broker.example:5672/")
    monkeypatch.setattr(ensure_broker, "answers", lambda uri: True)
    monkeypatch.setattr(ensure_broker, "management_answers", lambda uri: False)
    assert ensure_broker.main() == 0
    assert nothing_started == []


def test_a_broker_elsewhere_is_waited_for_and_never_started(ensure_broker, nothing_started, monkeypatch, capsys):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@broker.invalid:5672/")
    monkeypatch.setattr(ensure_broker, "WAIT_FOR_OTHERS_SECONDS", 0)
    assert ensure_broker.main() == 1
    assert nothing_started == []
    assert "does not answer at broker.invalid:5672" in capsys.readouterr().err


def test_a_service_container_still_starting_is_waited_for(ensure_broker, nothing_started, monkeypatch):
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    monkeypatch.setattr(ensure_broker.shutil, "which", lambda name: None)
    monkeypatch.setattr(ensure_broker.os.path, "exists", lambda path: False)
    answers = iter([False, False, True])
    monkeypatch.setattr(ensure_broker, "answers", lambda uri: next(answers))
    monkeypatch.setattr(ensure_broker.time, "sleep", lambda seconds: None)
    assert ensure_broker.main() == 0
    assert nothing_started == []


def test_a_wedged_broker_is_said_to_be_so_within_the_probe_time(ensure_broker, monkeypatch, capsys):
    never = threading.Event()
    monkeypatch.setattr(ensure_broker, "PROBE_SECONDS", 0.2)
    monkeypatch.setattr(ensure_broker.vhosts, "sweep", lambda uri: [])
    monkeypatch.setattr(ensure_broker, "_probe", never.wait)  # an add_vhost that never returns
    try:
        assert ensure_broker.tidy_and_probe("amqp://guest:guest@127.0.0.1:5672/") == 1
    finally:
        never.set()
    err = capsys.readouterr().err
    assert "making and deleting a vhost did not end within 0 s: the broker is wedged" in err
    assert "rabbitmq-server -detached" in err


def test_a_sweep_that_fails_is_reported_with_what_to_do(ensure_broker, monkeypatch, capsys):
    def timed_out(uri):
        raise TimeoutError("timed out")

    monkeypatch.setattr(ensure_broker.vhosts, "sweep", timed_out)
    monkeypatch.setattr(ensure_broker, "_probe", lambda: pytest.fail("no probe after a failed sweep"))
    assert ensure_broker.tidy_and_probe("amqp://guest:guest@127.0.0.1:5672/") == 1
    err = capsys.readouterr().err
    assert "deleting the vhosts that earlier runs left failed: TimeoutError('timed out')" in err
    assert "If the broker is wedged, restart it" in err


def test_a_probe_that_fails_is_reported_not_hidden(ensure_broker, monkeypatch, capsys):
    monkeypatch.setattr(ensure_broker.vhosts, "sweep", lambda uri: ["estate_test_left"])

    def refused():
        raise PermissionError("not an administrator")

    monkeypatch.setattr(ensure_broker, "_probe", refused)
    assert ensure_broker.tidy_and_probe("amqp://guest:guest@127.0.0.1:5672/") == 1
    assert "making and deleting a vhost failed: not an administrator" in capsys.readouterr().err


@pytest.mark.broker
def test_a_healthy_local_broker_is_tidied_and_probed(ensure_broker, capsys):
    uri = ensure_broker.os.environ.get("AMQP_URI") or ensure_broker.DEFAULT
    if not ensure_broker.vhosts.is_local(uri):
        pytest.skip("a sweep is for a broker of this machine only (its runs' lock files are here)")
    assert ensure_broker.tidy_and_probe(uri) == 0
    assert "wedged" not in capsys.readouterr().err


def test_an_earlier_runs_wedged_mark_is_cleared_for_any_broker_before_it_is_asked_again(
        ensure_broker, nothing_started, tmp_path, monkeypatch):
    monkeypatch.setattr(ensure_broker.vhosts, "VHOST_LOCKS", str(tmp_path))
    uri = "amqp://guest:guest@broker.example:5672/"
    mark = Path(ensure_broker.vhosts.wedged_mark(uri))
    mark.write_text("making vhost estate_test_x did not end within 60 s: RabbitMQ is wedged.")
    other = Path(ensure_broker.vhosts.wedged_mark("amqp://guest:guest@other.example:5672/"))
    other.write_text("wedged")
    monkeypatch.setenv("AMQP_URI", uri)
    monkeypatch.setattr(ensure_broker, "answers", lambda uri: True)
    monkeypatch.setattr(ensure_broker, "management_answers", lambda uri: False)
    assert ensure_broker.main() == 0
    assert not mark.exists() and other.exists()  # another broker's finding is its own
