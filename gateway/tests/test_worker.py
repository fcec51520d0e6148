"""gateway/worker.py: a kept-alive connection's next request is served by the thread that
answered the last one when it comes within the linger; otherwise gthread's poller takes it."""
import io
import socket
from types import SimpleNamespace

import pytest
from gunicorn.workers.gthread import ThreadWorker

from gateway import worker


@pytest.fixture
def served(monkeypatch):
    """Each request handled: the fake reads one line off the socket (a request) and answers
    keep-alive (True) unless the line says close."""
    calls = []

    def handle(self, conn):
        line = conn.sock.recv(5)
        calls.append(line)
        return b"close" not in line
    monkeypatch.setattr(ThreadWorker, "handle", handle)
    return calls


@pytest.fixture
def connection():
    server, client = socket.socketpair()
    conn = SimpleNamespace(sock=server, parser=SimpleNamespace(unreader=SimpleNamespace(buf=io.BytesIO())))
    yield conn, client
    server.close()
    client.close()


def a_worker(alive=True):
    lingering = worker.LingeringThreadWorker.__new__(worker.LingeringThreadWorker)
    lingering.alive = alive
    return lingering


def test_a_request_that_comes_within_the_linger_is_served_in_the_same_thread(served, connection):
    conn, client = connection
    client.sendall(b"first")
    client.sendall(b"secnd")  # already there when the first is answered
    assert a_worker().handle(conn) is True, "a quiet kept-alive connection goes back to the poller"
    assert served == [b"first", b"secnd"]


def test_a_quiet_connection_goes_back_to_the_poller_after_one_request(served, connection, monkeypatch):
    monkeypatch.setattr(worker, "LINGER_SECONDS", 0.001)
    conn, client = connection
    client.sendall(b"only")
    assert a_worker().handle(conn) is True
    assert served == [b"only"]


def test_a_closing_answer_ends_the_loop(served, connection):
    conn, client = connection
    client.sendall(b"close")
    assert a_worker().handle(conn) is False
    assert served == [b"close"]


def test_a_stopping_worker_serves_no_further_request_here(served, connection):
    conn, client = connection
    client.sendall(b"one")
    lingering = a_worker(alive=False)
    assert lingering.handle(conn) is True
    assert served == [b"one"], "a stopping worker hands the connection back (gthread closes it)"


def test_the_gateway_runs_the_lingering_worker():
    from pathlib import Path
    conf = {}
    exec((Path(worker.__file__).parent.parent / "gunicorn.conf.py").read_text(), conf)
    assert conf["worker_class"] == "gateway.worker.LingeringThreadWorker"
