"""The gateway's gunicorn worker: gunicorn's ``gthread`` (plain threads, no eventlet) with a limit
on the wait for a request's line and headers.

gunicorn reads them in a worker thread before the app sees anything, with no timeout: a client
that sent part of a request line and stopped held that thread for as long as it kept the
connection open, and ``GATEWAY_THREADS`` such connections left every other caller unanswered
(README: where an ingress buffers requests this cannot reach the gateway; under ``make run``,
docker-compose or a bare Service it can). Each wait for the head's next bytes now lasts at most
``GATEWAY_HEADER_TIMEOUT`` seconds (10 by default, as nginx's ``client_header_timeout`` is such
a limit); then the client is answered 408 as a problem document (``server_errors``) and the
connection closed. The body has its own limit (``requests_in.take_body``).
"""
from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from estate_common import config

from . import server_errors


def header_timeout():
    return config.env_float("GATEWAY_HEADER_TIMEOUT", 10.0)


class HeadDeadline:
    """A connection's request parser whose read of each request's head may wait at most
    ``seconds`` for the next bytes; everything else is the parser's."""

    def __init__(self, parser, sock, seconds):
        self.parser, self.sock, self.seconds = parser, sock, seconds

    def __iter__(self):
        return self

    def __next__(self):
        self.sock.settimeout(self.seconds)
        try:
            request = next(self.parser)
        except TimeoutError:
            try:  # response_bytes logs the answer with its request id
                util.write_nonblock(self.sock, server_errors.response_bytes(
                    408, "Request Timeout", f"the request's line or headers stopped coming: nothing for "
                                            f"{self.seconds:g} s"))
            except OSError:  # the client has gone meanwhile
                pass
            raise StopIteration from None  # gunicorn closes the connection
        self.sock.settimeout(None)  # the body's own limit is the app's (requests_in.take_body)
        return request

    next = __next__

    def __getattr__(self, name):  # finish_body, mesg...: the parser's
        return getattr(self.parser, name)


class GatewayWorker(ThreadWorker):
    def handle(self, conn):
        if not getattr(conn, "head_deadline", False):  # once per connection (kept alive: many requests)
            conn.head_deadline = True
            init, seconds = conn.init, header_timeout()

            def init_with_deadline():
                init()
                if conn.parser is not None and not conn.is_http2 and not isinstance(conn.parser, HeadDeadline):
                    conn.parser = HeadDeadline(conn.parser, conn.sock, seconds)

            conn.init = init_with_deadline
        return super().handle(conn)
