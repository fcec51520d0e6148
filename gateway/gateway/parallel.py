"""Asking several services at once for one request, within one deadline (KPIs, custom fields,
readiness).

A pool's threads serve every request of the worker. Waiting on each answer without a deadline
let a request queue behind other requests' calls to a service that did not answer: twelve KPI
pages at once with maintenance paused took up to 20 s, and a custom-fields list that asks only
archive (healthy) waited 9.6 s behind them. So:

- a pool has a thread for every gateway thread asking every service at once
  (``GATEWAY_THREADS`` × services; threads start only when needed), so a silent service holds
  only the threads of the calls made to it;
- the answers are awaited until one deadline: the call's own timeout, from when the request
  asked, and a little more for a reply on its way. A call still queued then is cancelled, and
  its service counts as not answering (``ServiceUnavailable``, a 503 where the route needs it).
  The KPI view's calls are not cancelled (``kpi_cache``): another page may be waiting for one,
  and its answer is kept for the next; each ends within its own RPC timeout.
"""
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial

from flask import g

from estate_common import config, tracing
from estate_common.errors import DomainError, ServiceUnavailable

REPLY_MARGIN_SECONDS = 0.5  # a call that reached its own timeout has raised by then


class Fanout:
    def __init__(self, name, services):
        self._pool = ThreadPoolExecutor(max_workers=config.env_int("GATEWAY_THREADS", 16) * services,
                                        thread_name_prefix=name)

    def submit(self, call):
        """``call`` run in the pool within the request's trace: its future."""
        return self._pool.submit(tracing.carried(call))

    def ask(self, calls, call_timeout):
        """``(answers, errors)``: ``{name: what calls[name]() returned}`` and ``{name: the
        exception it raised}``, each call run in the pool within the request's trace; a call not
        answered ``call_timeout`` (+ the margin) seconds after this began is a
        ``ServiceUnavailable`` in ``errors``."""
        deadline = time.monotonic() + call_timeout + REPLY_MARGIN_SECONDS
        return wait({name: self.submit(call) for name, call in calls.items()}, deadline, call_timeout)

    def ask_services(self, calls, call_timeout):
        """``(answers, [services that did not answer])`` for ``calls`` (``{service: function}``):
        a service that is down, silent or failing (a 5xx) is left out and named, so that one slow
        service does not blank a page of several; any other error (the caller's 4xx) is raised."""
        answers, errors = self.ask(calls, call_timeout)
        for error in errors.values():
            if not isinstance(error, DomainError) or error.status < 500:
                raise error
        return answers, sorted(errors)


def wait(futures, deadline, call_timeout, cancel=True):
    """``(answers, errors)`` of ``futures`` (``{name: future}``) by ``deadline`` (monotonic); one
    not done by then is a ``ServiceUnavailable``, and cancelled if it has not started (unless
    ``cancel`` is false: another request waits for it too)."""
    answers, errors = {}, {}
    for name, future in futures.items():
        try:
            answers[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            if cancel:
                future.cancel()  # not started yet: it never will be
            errors[name] = ServiceUnavailable(f"{name} did not answer within {call_timeout:g} s")
        except Exception as error:  # the call's own: the caller decides what it means
            errors[name] = error
    return answers, errors


def every_page(ask, service, method, filters, max_pages, page=200):
    """``(items, truncated)``: every page of ``service``'s list ``method`` (``ask(service, method,
    payload)`` gives the call), ``page`` at a time (200: estate_common.store.MAX_PAGE), at most
    ``max_pages`` pages; ``truncated`` where a cursor was left unread. ``filters`` None: none sent
    (archive's estates in the caller's scope); ``max_pages`` None: read to the last page, for a list
    its filters bound (the estates of the ids asked)."""
    items, cursor, pages = [], None, 0
    while max_pages is None or pages < max_pages:
        answer = ask(service, method, {**({"filters": filters} if filters is not None else {}), "limit": page,
                                       **({"cursor": cursor} if cursor else {})})()
        pages += 1
        items.extend(answer["items"])
        cursor = answer.get("next_cursor")
        if not cursor:
            return items, False
    return items, True


def asker(rpc, caller, estate_id=None):
    """``ask(service, method, payload)``, the one call ``every_page`` and ``Fanout.ask`` take: a
    thunk of ``rpc.call`` as ``caller`` under this request's id; with ``estate_id``, the payload scoped
    by it (a view of one estate)."""
    def ask(service, method, payload):
        scoped = {"estate_id": estate_id, **payload} if estate_id is not None else payload
        return partial(rpc.call, service, method, scoped, request_id=g.request_id, caller=caller)
    return ask
