"""The cross-estate KPI view's figures (``GET /api/v1/kpis``), asked in parts, once, and kept a
short while.

At a thousand estates one such page cost the services 1.2–2.3 s, asked as one call per
service. Ten at once (a team opening the dashboard) ran past the RPC timeout: the pages came back
with services missing, and every other call to those services waited behind them (a household
list was a 503; found by a probe). So, per service and period:

- an estate's figures are kept ``KPI_CACHE_SECONDS`` (60; 0 keeps none) and shown to any caller
  whose scope holds the estate: they do not depend on who asks (the route's role check and the
  caller's scope decide which estates are shown);
- past that, up to ``KPI_STALE_SECONDS`` (600) old, the KPI view's are still shown at once while one call in
  the background fetches them again for the next page (stale-while-revalidate): once the figures
  passed their minute, the next load waited the full RPC timeout with the slow services shown
  unavailable (found by review). The answer's ``as_of`` says how old they are; older than the
  bound, they are never shown: the page waits for new ones as for figures never kept. A refresh
  that failed (the service silent, or refusing) is remembered until one succeeds, and the view names
  the services whose figures shown failed it (``refresh_failed``, beside ``as_of``): it was logged
  only, the page saying nothing but the figures' age (found by last session's reviews);
- the estates not kept are asked in calls of ``KPI_ESTATES_PER_CALL`` (100) estates, each within
  the RPC timeout, all at once (the service's workers and replicas share them);
- an estate whose call is under way (another page's, whatever its scope) is waited for, not
  asked again: ten pages at once make one set of calls, and an admin's and a manager's pages
  share the estates they have in common. Only this caller's estates are taken from an answer;
- a page waits the RPC timeout for its figures, but the calls themselves wait ``KPI_CALL_SECONDS``
  (30; ``call_timeout``) and their answers are kept when they come: a part slower than the RPC
  timeout (6–7 s a part of 100 at 1,000 estates on a busy 2-core machine) had its call time out
  too, its answer, computed all the same, was lost, and every next page asked it again and timed
  out again: each load 6.5 s with three services unavailable, the cache never holding them (found
  by r6 from h6's measure). Now the next page reads them kept. (The KPI view and the arrears across
  estates, whose parts are 100 estates a call; not 跨小区投诉分析's one estate a call: its pool of 16
  would hold a silent service's calls 30 s each, one page's estates after another.)

A service that did not answer a part of the estates is named in ``unavailable`` and its figures
of those estates are left out, as a service that answers nothing. The view's ``as_of`` is when
its oldest figures were computed. One estate's own page (``/estates/{id}/kpis``) is always asked
afresh.

跨小区投诉分析 (``complaints_across``) keeps each estate's complaint analysis in a cache of its own
the same way, one estate a call (``collect_each``: an estate's refusal or silence is that estate's,
for its line to say, not the page's).

Per gateway process (its threads share it); nothing of it is kept elsewhere.
"""
import logging
import threading
import time

from estate_common import clock, config
from estate_common.errors import DomainError

from .parallel import REPLY_MARGIN_SECONDS, wait

log = logging.getLogger(__name__)

KEEP_SECONDS = config.env_float("KPI_CACHE_SECONDS", 60.0)
CALL_SECONDS = config.env_float("KPI_CALL_SECONDS", 30.0)  # a call's own wait, past the page's
# kept figures past KEEP_SECONDS are shown while fetched again, up to this old (never less than KEEP_SECONDS)
STALE_SECONDS = config.env_float("KPI_STALE_SECONDS", 600.0)
ESTATES_PER_CALL = max(1, config.env_int("KPI_ESTATES_PER_CALL", 100))
MOST_KEPT = 100_000  # figures kept at most (one an estate, service and period): past it the stale go first


def call_timeout(page_timeout):
    """How long a call the cache makes waits for its answer (``ask``'s ``rpc.call(timeout=)``): the
    page's own wait (the RPC timeout) or ``CALL_SECONDS``, the longer, so that an answer later than
    the page is still kept for the next one."""
    return max(page_timeout, CALL_SECONDS)


class KpiCache:
    def __init__(self, fan, keep_seconds=KEEP_SECONDS, per_call=ESTATES_PER_CALL, stale_seconds=0.0):
        """``stale_seconds``: how old kept figures may be shown while fetched again (the KPI view's
        ``STALE_SECONDS``, whose page says their age); 0, the default, none past ``keep_seconds``:
        the arrears and complaints across estates show no age, and their contract says
        KPI_CACHE_SECONDS (they took the KPI view's ten minutes: found by r5 reviewing h5)."""
        self._fan = fan
        self._keep = keep_seconds
        self._stale = stale_seconds  # the bound is never below ``_keep`` (``_usable``)
        self._per_call = per_call
        self._kept = {}  # (service, period, estate_id) -> (monotonic when asked, as ISO, figures)
        self._under_way = {}  # (service, period, estate_id) -> (the call's estate ids, its future)
        self._refresh_failed = set()  # (service, period, estate_id) whose last background refresh failed
        # reentrant: a call that ended before its done-callback was added runs it at once, in the
        # thread that holds the lock while it adds calls
        self._lock = threading.RLock()

    def collect(self, ask, services, period, estate_ids, call_timeout):
        """``(merged, unavailable, as_of)``: ``{estate_id: {kpi: value}}`` of ``estate_ids`` from
        every one of ``services``, the services that did not answer (some or all of the estates),
        and when the oldest figures shown were computed. ``ask(service, estate_ids)`` makes one
        call (the service's ``kpis``); a 4xx a call of this request raises is raised. Whose kept
        figures shown failed their refresh: ``refresh_failed``."""
        merged, computed, errors, own = self._gather(ask, services, period, estate_ids, call_timeout)
        for name, error in errors.items():
            if name in own and (not isinstance(error, DomainError) or error.status < 500):
                raise error  # this request's own refusal; another page's is that page's
        for (service, part), error in sorted(errors.items()):
            log.warning("KPIs of %d estates left out: %s (%s)", len(part), service, error)
        return merged, sorted({service for service, _ in errors}), min(computed, default=clock.now_iso())

    def collect_each(self, ask, service, period, estate_ids, call_timeout):
        """``(answers, errors, as_of)`` of one service's per-estate figures (a cache made with one
        estate a call: 跨小区投诉分析, ``complaints_across``): ``{estate_id: figures}`` of the estates
        answered, ``{estate_id: the error}`` of the others (a refusal of the estate's own, or its
        service not answering: the caller says which), and when the oldest figures were computed."""
        merged, computed, errors, _ = self._gather(ask, [service], period, estate_ids, call_timeout)
        refused = {estate_id: error for (_, part), error in errors.items() for estate_id in part
                   if estate_id in merged}
        return ({estate_id: figures for estate_id, figures in merged.items() if estate_id not in refused},
                refused, min(computed, default=clock.now_iso()))

    def _gather(self, ask, services, period, estate_ids, call_timeout):
        """``(merged, computed, errors, own)``: the figures of ``estate_ids`` kept or asked now, when
        each was computed, ``{(service, part): error}`` of the calls that failed and which calls this
        request made."""
        deadline = time.monotonic() + call_timeout + REPLY_MARGIN_SECONDS
        merged = {estate_id: {} for estate_id in estate_ids}
        computed, futures, own = [], {}, set()
        for service in services:
            with self._lock:  # what is kept, what is under way and the new calls: one view
                missing, refresh = [], []
                for estate_id in estate_ids:
                    key = (service, period, estate_id)
                    kept, fresh = self._usable(key)
                    if kept is not None:  # fresh, or stale within the bound: shown, not waited for
                        merged[estate_id].update(kept[2])
                        computed.append(kept[1])
                        if not fresh and key not in self._under_way:
                            refresh.append(estate_id)  # fetched again once, for the next page
                    elif key in self._under_way:  # another page's call (of any scope) asks it now
                        part, future = self._under_way[key]
                        futures[(service, part)] = future
                    else:
                        missing.append(estate_id)
                for first in range(0, len(missing), self._per_call):
                    part = tuple(missing[first:first + self._per_call])
                    futures[(service, part)] = self._ask_locked(service, period, part, ask)
                    own.add((service, part))
                for first in range(0, len(refresh), self._per_call):  # not waited for: the next page's
                    part = tuple(refresh[first:first + self._per_call])
                    self._ask_locked(service, period, part, ask).add_done_callback(
                        lambda done, service=service, part=part: self._log_refresh(service, period, part, done))
        answers, errors = wait(futures, deadline, call_timeout, cancel=False)
        for (_, _part), (at, figures) in sorted(answers.items()):
            for estate_id, kpis in figures.items():
                if estate_id in merged:  # another page's call holds estates this caller may not see
                    merged[estate_id].update(kpis)
            computed.append(at)
        return merged, computed, errors, own

    def refresh_failed(self, services, period, estate_ids):
        """Of ``services``, those whose kept figures of some of ``estate_ids`` (shown: within the
        bound) failed their last background refresh, sorted."""
        with self._lock:
            return sorted({service for service, asked, estate_id in self._refresh_failed
                           if asked == period and service in services and estate_id in estate_ids
                           and self._usable((service, period, estate_id))[0] is not None})

    def clear(self):
        """Forget every kept figure (the calls under way finish as they will)."""
        with self._lock:
            self._kept.clear()
            self._refresh_failed.clear()

    def _usable(self, key):
        """``(kept, fresh)``: what is kept of ``key`` if it may be shown (younger than the bound,
        ``_stale``; else None), and whether it is fresh (younger than ``_keep``: not fetched again)."""
        kept = self._kept.get(key)
        age = None if kept is None else time.monotonic() - kept[0]
        if age is None or age >= max(self._stale, self._keep) or self._keep <= 0:
            return None, False
        return kept, age < self._keep

    def _log_refresh(self, service, period, part, done):
        """A background refresh's failure: logged and remembered for ``refresh_failed`` until a call
        answers (its page showed the kept figures; the next asks again)."""
        if not done.cancelled() and done.exception() is not None:
            log.warning("KPIs of %d estates not refreshed: %s (%s)", len(part), service, done.exception())
            with self._lock:
                self._refresh_failed.update((service, period, estate_id) for estate_id in part)

    def _ask_locked(self, service, period, part, ask):
        """A new call for ``part``, named under way for each of its estates until it ends."""
        future = self._fan.submit(lambda: self._call(ask, service, period, part))
        for estate_id in part:
            self._under_way[(service, period, estate_id)] = (part, future)
        future.add_done_callback(lambda _done: self._forget(service, period, part, future))
        return future

    def _call(self, ask, service, period, part):
        """One call: ``(computed at, {estate_id: figures})``, kept for the next pages."""
        at, started = clock.now_iso(), time.monotonic()  # kept from when it was asked: never too long
        figures = ask(service, list(part))["estates"]
        if self._keep > 0:
            with self._lock:
                if len(self._kept) > MOST_KEPT:
                    self._drop_stale()
                for estate_id, kpis in figures.items():
                    self._kept[(service, period, estate_id)] = (started, at, kpis)
                    self._refresh_failed.discard((service, period, estate_id))
        return at, figures

    def _forget(self, service, period, part, future):
        with self._lock:
            for estate_id in part:
                key = (service, period, estate_id)
                if self._under_way.get(key, (None, None))[1] is future:
                    del self._under_way[key]

    def _drop_stale(self):
        now = time.monotonic()
        bound = max(self._stale, self._keep)
        for key in [key for key, (at, _, _) in self._kept.items() if now - at >= bound]:
            del self._kept[key]
        if len(self._kept) > MOST_KEPT:
            self._kept.clear()
        self._refresh_failed &= set(self._kept)  # a failure of figures no longer kept says nothing
