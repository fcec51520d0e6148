"""scripts/ensure_broker.py, as ``make test`` runs it: a broker that answers is used as it is,
wherever it runs (the CI workflow's service container answers on 127.0.0.1): nothing is started.
A broker of this machine gets its management plugin enabled if it is off; one elsewhere never."""
import importlib.util
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
