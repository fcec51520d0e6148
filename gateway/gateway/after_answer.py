"""What a request's answer does not wait for: its log line and its metrics, written once the
answer has been sent.

Under gunicorn (``gunicorn.conf.py``) the app's after-request hook (``app._finish``) measures the
request and decides every field and label there, as before, and hands the writing over
(``later``); gunicorn's ``post_request`` hook runs it (``run``) once the worker has written the
answer to the socket, in the same worker thread, before that thread takes another request.
A create's log line and metrics cost 6-85 µs of the one-at-a-time create's wall time when they
ran before the answer (docs/benchmark-history.md, sessions 55 and 56); the client has its
answer meanwhile now. Nothing is dropped: ``post_request`` runs after an answer whose write
failed too (a client gone), and a failure of one deferred call is logged and does not stop the
others.

Anywhere else (werkzeug's test client, a WSGI server without that hook) ``later`` runs the call
at once, as before: the app defers only when the server said it will run what was deferred
(``enable``, from gunicorn's ``post_worker_init``).

A deferred call runs in the request's context as it was when handed over (``contextvars``):
its log line carries the request's trace id, whose span has closed by then.
"""
import contextvars
import logging

from flask import current_app, request

ENABLED = "AFTER_ANSWER"  # the app's config key: the server runs what is deferred
ENVIRON_KEY = "estate_ops.after_answer"  # the request's deferred calls, in its WSGI environ

log = logging.getLogger("gateway")


def enable(app):
    """The server runs ``run(environ)`` after each answer (gunicorn's ``post_request``)."""
    app.config[ENABLED] = True


def later(fn):
    """``fn()`` after the answer has been sent when the server runs deferred calls, else now."""
    if not current_app.config.get(ENABLED):
        fn()
        return
    environ = request.environ
    deferred = environ.get(ENVIRON_KEY)
    if deferred is None:
        deferred = environ[ENVIRON_KEY] = []
    deferred.append((contextvars.copy_context(), fn))


def run(environ):
    """Run the request's deferred calls (``environ``: its WSGI environ), each in its context."""
    for context, fn in environ.pop(ENVIRON_KEY, ()):
        try:
            context.run(fn)
        except Exception:  # one failed call does not lose the others
            log.exception("after the answer")
