"""gunicorn's gthread worker, serving a kept-alive connection's next request in the same thread.

gthread hands every finished keep-alive connection back to the main thread's poller (a future
callback, a wake-up pipe, ``poller.register``), and the poller hands the connection's next
request to the thread pool again: three hand-offs between threads per request, about a quarter
of the worker's CPU per create in a sampling profile (issue 15). Here a thread that answered a
request on a kept-alive connection waits up to ``GATEWAY_KEEPALIVE_LINGER_MS`` (2 ms) for the
client's next request and serves it itself; a client that sends nothing in that time goes back
to the poller exactly as before. Everything else is gthread's: keep-alive timeouts, ``max_requests``
and a stopping worker (``handle_request`` answers with ``Connection: close`` then, ending the loop),
body drains, errors.
"""
import os
import selectors

from gunicorn.workers.gthread import ThreadWorker

LINGER_SECONDS = float(os.environ.get("GATEWAY_KEEPALIVE_LINGER_MS", "2")) / 1000


class LingeringThreadWorker(ThreadWorker):
    def handle(self, conn):
        keepalive = super().handle(conn)
        while keepalive is True and self.alive and LINGER_SECONDS > 0 and _readable(conn, LINGER_SECONDS):
            keepalive = super().handle(conn)
        return keepalive


def _readable(conn, seconds):
    """The client's next request (or its close) arrived within ``seconds``."""
    if conn.parser.unreader.buf.getvalue():  # read ahead already (a body drain): serve it here too
        return True
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(conn.sock, selectors.EVENT_READ)
            return bool(selector.select(seconds))
        except (OSError, ValueError):  # closed meanwhile
            return False
