"""The closer of the gateway's and the console's worker (estate_common/http_worker.py): gunicorn waited for each client to close its
side of a closed connection, 2 s, on the loop that serves every connection; the closer lingers
for them all on a thread of its own. (The head's limit is tested end to end:
tests/e2e/test_gateway_end_to_end.py.)"""
import socket
import time

from estate_common.http_worker import Closer


def test_a_closed_connection_lingers_off_the_caller_until_the_client_closes():
    closer = Closer()
    ours, theirs = socket.socketpair()
    started = time.monotonic()
    closer.close(ours)
    assert time.monotonic() - started < 0.1  # the caller (gunicorn's loop) does not wait
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
    assert time.monotonic() - started < 1.5  # together, not 0.3 s one after another
    for _, theirs in pairs:
        theirs.close()
