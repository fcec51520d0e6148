"""The closer of the gateway's and the console's worker (estate_common/http_worker.py): gunicorn waited for each client to close its
side of a closed connection, 2 s, on the loop that serves every connection; the closer lingers
for them all on a thread of its own. (The head's limit is tested end to end:
tests/e2e/test_gateway_end_to_end.py.)"""
import logging
import selectors
import socket
import time

from estate_common import http_worker
from estate_common.http_worker import Closer


def test_a_closed_connection_lingers_off_the_caller_until_the_client_closes():
    closer = Closer()
    ours, theirs = socket.socketpair()
    started = time.monotonic()
    closer.close(ours)
    assert time.monotonic() - started < 1  # the caller (gunicorn's loop) does not wait the 2 s linger
    assert theirs.recv(16) == b""  # the end of the answer reaches the client
    theirs.close()
    closer.wait(2)
    assert ours.fileno() == -1, "the socket was left open"


def test_a_client_that_never_closes_is_let_go_after_the_linger(monkeypatch):
    monkeypatch.setattr(Closer, "LINGER_SECONDS", 0.3)
    closer = Closer()
    pairs = [socket.socketpair() for _ in range(20)]
    started = time.monotonic()
    for ours, theirs in pairs:
        closer.close(ours)
        theirs.sendall(b"what the client still sends is read and dropped")
    closer.wait(3)
    assert all(ours.fileno() == -1 for ours, _ in pairs)
    assert time.monotonic() - started < 3  # together, not 0.3 s one after another (6 s)
    for _, theirs in pairs:
        theirs.close()


def test_a_selector_that_keeps_failing_is_made_again_after_a_pause_not_retried_in_a_spin(monkeypatch, caplog):
    """A fault that stays (here the first selector's every select) was retried at once, forever:
    a core spun and the log took its traceback thousands of times a second."""
    monkeypatch.setattr(Closer, "PAUSE_AFTER_ERROR_SECONDS", 0.2)
    made = []

    class FirstOneBroken(selectors.DefaultSelector):
        def __init__(self):
            super().__init__()
            made.append(self)

        def select(self, timeout=None):
            if self is made[0]:
                raise RuntimeError("broken for good")
            return super().select(timeout)

    monkeypatch.setattr(http_worker.selectors, "DefaultSelector", FirstOneBroken)
    with caplog.at_level(logging.ERROR, logger=http_worker.log.name):
        closer = Closer()
        time.sleep(0.5)
        ours, theirs = socket.socketpair()
        closer.close(ours)
        assert theirs.recv(16) == b""
        theirs.close()
        closer.wait(3)
    assert ours.fileno() == -1, "the closer did not recover"
    assert len(made) == 2  # made again once, and the new one works
    assert len([r for r in caplog.records if "closing connections" in r.getMessage()]) == 1
