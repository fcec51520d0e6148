"""The gunicorn worker of the gateway and the console: gunicorn's ``gthread`` (plain threads, no
eventlet) with limits on the waits for a client's bytes.

gunicorn reads a request's line and headers in a worker thread before the app sees anything,
with no timeout: a client that sent part of a request line and stopped held that thread for as
long as it kept the connection open, and as many such connections as threads left every other
caller unanswered (README: where an ingress buffers requests this cannot reach the process;
under ``make run``, docker-compose or a bare Service it can). A request's line and headers must
now all come within the worker's ``head_timeout_env`` seconds (10 by default, as nginx's
``client_header_timeout`` is such a limit); then the client is answered 408 through
``gunicorn.util.write_error`` (the gateway's ``server_errors`` makes that a problem document)
and the connection closed.

A body that stops coming holds a thread the same way. The gateway reads every body first and
answers its own 408 (``requests_in.take_body``); a worker with ``body_timeout_env`` (the
console's) limits each wait for a body's next bytes itself, and the app sees the client as gone.

A connection closed after its answer (a 408, ``Connection: close``, one of gunicorn's own
errors) lingers until the client closes its side, so the answer is not cut by a reset: gunicorn
waited for that, up to 2 s each, on the worker's main loop, which accepts and dispatches every
connection, so a client that did not close stopped the whole worker for 2 s, one after another
(the 408s of 20 stalled connections came 2 s apart). ``Closer`` lingers for them all on a thread
of its own.
"""
import logging
import os
import queue
import selectors
import socket
import threading
import time

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from . import config

log = logging.getLogger("http")


class _Reads:
    """The socket as the parser reads it: while a head is being read (``deadline`` set), each
    read waits at most what is left until the deadline; otherwise each waits ``body_wait``
    seconds at most, or as long as the socket's own timeout says (``body_wait`` None)."""

    def __init__(self, sock, body_wait):
        self.sock, self.body_wait, self.deadline = sock, body_wait, None

    def recv(self, size):
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request's head took too long")
            self.sock.settimeout(remaining)
        elif self.body_wait is not None:
            self.sock.settimeout(self.body_wait)
            try:
                return self.sock.recv(size)
            finally:  # the answer is written without it (a slow reader of a download)
                self.sock.settimeout(None)
        return self.sock.recv(size)

    def __getattr__(self, name):
        return getattr(self.sock, name)


class HeadDeadline:
    """A connection's request parser that reads each request's head (line and headers) within
    ``seconds`` of starting it, however its bytes come: a limit on each wait alone let a client
    that sent a byte every few seconds hold a thread for as long as it liked (found by a probe);
    everything else is the parser's."""

    def __init__(self, parser, sock, seconds, body_wait=None):
        self.parser, self.sock, self.seconds = parser, sock, seconds
        self.reads = _Reads(sock, body_wait)
        parser.unreader.sock = self.reads  # gunicorn's SocketUnreader reads ``sock.recv``

    def __iter__(self):
        return self

    def __next__(self):
        self.reads.deadline = time.monotonic() + self.seconds
        try:
            request = next(self.parser)
        except TimeoutError:
            try:  # looked up now: the gateway's server_errors.install replaces it after import
                util.write_error(self.sock, 408, "Request Timeout",
                                 f"the request's line and headers did not all come within {self.seconds:g} s")
            except OSError:  # the client has gone meanwhile
                pass
            raise StopIteration from None  # gunicorn closes the connection
        finally:
            self.reads.deadline = None
        self.sock.settimeout(None)  # the answer is written without a limit (a slow reader of an export)
        return request

    next = __next__

    def __getattr__(self, name):  # finish_body, mesg...: the parser's
        return getattr(self.parser, name)


class Closer:
    """Closes connections the way gunicorn's ``util.close_graceful`` does (FIN after the answer,
    then what the client still sends is read and dropped until it closes, ``LINGER_SECONDS`` or
    ``MAX_DRAIN`` bytes at most, then the socket closed) for many at once, on one thread."""

    LINGER_SECONDS = 2.0
    MAX_DRAIN = 65536
    # after a turn that failed: a fault that stays (a selector broken for good) would otherwise
    # spin a core and write its traceback thousands of times a second
    PAUSE_AFTER_ERROR_SECONDS = 0.5

    def __init__(self):
        self._added = queue.SimpleQueue()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        self._open = 0  # handed over and not closed yet
        self._count = threading.Lock()
        threading.Thread(target=self._run, name="closer", daemon=True).start()

    def close(self, sock):
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
        except OSError:  # gone already
            util.close(sock)
            return
        with self._count:
            self._open += 1
        self._added.put(sock)
        try:
            os.write(self._wake_write, b"x")
        except BlockingIOError:  # woken already
            pass

    def wait(self, seconds):
        """Until every socket handed over is closed, ``seconds`` at most (a worker that stops)."""
        deadline = time.monotonic() + seconds
        while self._open and time.monotonic() < deadline:
            time.sleep(0.05)

    def _run(self):
        lingering = {}  # socket -> [deadline, bytes drained]
        selector = self._selector()
        while True:
            try:
                self._turn(selector, lingering)
            except Exception:  # never the end of the thread: every later close would leak its socket
                log.exception("closing connections")
                for sock in list(lingering):
                    self._done(selector, lingering, sock)
                time.sleep(self.PAUSE_AFTER_ERROR_SECONDS)
                selector.close()
                selector = self._selector()  # the sockets handed over meanwhile wait in the queue

    def _selector(self):
        selector = selectors.DefaultSelector()
        selector.register(self._wake_read, selectors.EVENT_READ)
        return selector

    def _turn(self, selector, lingering):
        """Read what the lingering sockets sent, take the new ones, close those done or due."""
        now = time.monotonic()
        wait = min((deadline for deadline, _ in lingering.values()), default=now + 60) - now
        for key, _ in selector.select(max(0.0, wait)):
            if key.fileobj == self._wake_read:
                os.read(self._wake_read, 4096)
                continue
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            lingering[sock][1] += len(data)
            if not data or lingering[sock][1] >= self.MAX_DRAIN:
                self._done(selector, lingering, sock)
        while not self._added.empty():
            sock = self._added.get()
            lingering[sock] = [time.monotonic() + self.LINGER_SECONDS, 0]
            try:
                selector.register(sock, selectors.EVENT_READ)
            except (KeyError, OSError, ValueError):
                self._done(selector, lingering, sock)
        now = time.monotonic()
        for sock in [sock for sock, (deadline, _) in lingering.items() if deadline <= now]:
            self._done(selector, lingering, sock)

    def _done(self, selector, lingering, sock):
        del lingering[sock]
        try:
            selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        util.close(sock)
        with self._count:
            self._open -= 1


class BoundedReadsWorker(ThreadWorker):
    """gthread with the limits above; a component names its settings (a subclass each)."""

    head_timeout_env = None  # the setting's name; None: 10 s
    body_timeout_env = None  # None: the app limits its body reads itself

    def init_process(self):
        self.closer = Closer()
        # once per worker, not per connection
        self.head_seconds = config.env_float(self.head_timeout_env, 10.0) if self.head_timeout_env else 10.0
        self.body_wait = config.env_float(self.body_timeout_env, 10.0) if self.body_timeout_env else None
        super().init_process()

    def run(self):
        super().run()
        self.closer.wait(Closer.LINGER_SECONDS)  # as gunicorn's own close would have, before the exit

    def handle(self, conn):
        if not getattr(conn, "head_deadline", False):  # once per connection (kept alive: many requests)
            conn.head_deadline = True
            init, seconds, body_wait = conn.init, self.head_seconds, self.body_wait

            def init_with_deadline():
                init()
                if conn.parser is not None and not conn.is_http2 and not isinstance(conn.parser, HeadDeadline):
                    conn.parser = HeadDeadline(conn.parser, conn.sock, seconds, body_wait)

            def close(graceful=False):  # called on the main loop: lingering is the closer's
                if graceful:
                    self.closer.close(conn.sock)
                else:
                    util.close(conn.sock)

            conn.init, conn.close = init_with_deadline, close
        return super().handle(conn)
