"""The gateway's and the console's gunicorn settings are ones gunicorn knows (it ignores a name it
does not know, so a misspelt setting would pass unseen) and open no control socket: gunicorn 25.1+
opens one for ``gunicornc`` under $HOME/.gunicorn, shared by every gunicorn of a user on a machine,
and logged an ERROR at each start in the image (HOME=/nonexistent on a read-only root)."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, request
from gunicorn.config import Config

from estate_common.testing import load_file

ROOT = Path(__file__).resolve().parents[2]


def applied(component):
    """gunicorn's own Config with the component's settings file applied, as gunicorn applies it."""
    module = load_file(ROOT / component / "gunicorn.conf.py", f"{component}_gunicorn_settings")
    config = Config()
    for name, value in vars(module).items():
        if name in config.settings:
            config.set(name, value)
    return config


@pytest.mark.parametrize("component", ["gateway", "console"])
def test_no_control_socket_is_opened(component):
    assert applied(component).control_socket_disable is True


@pytest.mark.parametrize("component", ["gateway", "console"])
def test_the_header_limits_are_settings_gunicorn_reads(component):
    assert applied(component).limit_request_field_size > 8190  # gunicorn's default


def test_the_gateway_runs_gunicorns_threads_with_a_limit_on_a_request_head():
    """gthread (plain threads, no eventlet: gunicorn 27 has no eventlet worker), with the wait for a
    request's line and headers limited (gateway/worker.py on estate_common/http_worker.py)."""
    from gunicorn.workers.gthread import ThreadWorker

    from gateway.worker import GatewayWorker
    assert applied("gateway").worker_class is GatewayWorker and issubclass(GatewayWorker, ThreadWorker)


def test_the_console_runs_the_same_worker_with_a_limit_on_a_form_body_too():
    """The console had plain gthread: a stalled head or form held one of its threads for as long as
    the client stayed connected (console/worker.py)."""
    from estate_common.http_worker import BoundedReadsWorker

    from console.worker import ConsoleWorker
    assert applied("console").worker_class is ConsoleWorker and issubclass(ConsoleWorker, BoundedReadsWorker)
    assert ConsoleWorker.head_timeout_env == "CONSOLE_HEADER_TIMEOUT"
    assert ConsoleWorker.body_timeout_env == "CONSOLE_BODY_TIMEOUT"


@pytest.mark.parametrize("component", ["gateway", "console"])
def test_a_worker_freezes_its_start_up_heap_once_its_app_is_loaded(component, monkeypatch):
    """gunicorn calls post_worker_init in the worker after loading the app (estate_common.collector:
    why the freeze)."""
    from estate_common import collector

    frozen = []
    monkeypatch.setattr(collector, "freeze_start_up", lambda: frozen.append(True))
    applied(component).post_worker_init(SimpleNamespace(wsgi=Flask("loaded")))
    assert frozen == [True]


def test_the_gateway_writes_a_requests_log_line_and_metrics_after_its_answer_under_gunicorn(monkeypatch):
    """gateway.after_answer: turned on once the app is loaded, run by post_request (gunicorn calls
    it once the answer is written) with the request's environ."""
    from gateway import after_answer

    config, app, ran = applied("gateway"), Flask("loaded"), []
    monkeypatch.setattr("estate_common.collector.freeze_start_up", lambda: None)
    config.post_worker_init(SimpleNamespace(wsgi=app))
    assert app.config[after_answer.ENABLED] is True
    with app.test_request_context("/"):
        after_answer.later(lambda: ran.append(True))
        environ = request.environ
    assert ran == []
    config.post_request(SimpleNamespace(), None, environ, None)
    assert ran == [True]
