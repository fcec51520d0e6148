"""The cross-estate KPI view's figures (``GET /api/v1/kpis``), asked in parts, once, and kept a
short while.

At a thousand estates one such page cost the services 1.2–2.3 s, asked as one call per
service. Ten at once (a team opening the dashboard) ran past the RPC timeout: the pages came back
with services missing, and every other call to those services waited behind them (a household
list was a 503; found by a probe). So, per service and period:

- an estate's figures are kept ``KPI_CACHE_SECONDS`` (60; 0 keeps none) and shown to any caller
  whose scope holds the estate: they do not depend on who asks (the route's role check and the
  caller's scope decide which estates are shown);
- the estates not kept are asked in calls of ``KPI_ESTATES_PER_CALL`` (100) estates, each within
  the RPC timeout, all at once (the service's workers and replicas share them);
- a call under way for the same service, period and estates is waited for, not made again: ten
  identical pages make one set of calls.

A service that did not answer a part of the estates is named in ``unavailable`` and its figures
of those estates are left out, as a service that answers nothing. The view's ``as_of`` is when
its oldest figures were computed. One estate's own page (``/estates/{id}/kpis``) is always asked
afresh.

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
ESTATES_PER_CALL = max(1, config.env_int("KPI_ESTATES_PER_CALL", 100))


class KpiCache:
    def __init__(self, fan, keep_seconds=KEEP_SECONDS, per_call=ESTATES_PER_CALL):
        self._fan = fan
        self._keep = keep_seconds
        self._per_call = per_call
        self._kept = {}  # (service, period, estate_id) -> (monotonic when computed, as ISO, figures)
        self._asking = {}  # (service, period, estate ids of the call) -> its future
        self._lock = threading.Lock()

    def collect(self, ask, services, period, estate_ids, call_timeout):
        """``(merged, unavailable, as_of)``: ``{estate_id: {kpi: value}}`` of ``estate_ids`` from
        every one of ``services``, the services that did not answer (some or all of the estates),
        and when the oldest figures shown were computed. ``ask(service, estate_ids)`` makes one
        call (the service's ``kpis``); a 4xx it raises is raised."""
        deadline = time.monotonic() + call_timeout + REPLY_MARGIN_SECONDS
        merged = {estate_id: {} for estate_id in estate_ids}
        computed, futures = [], {}
        for service in services:
            missing = []
            for estate_id in estate_ids:
                kept = self._fresh((service, period, estate_id))
                if kept is None:
                    missing.append(estate_id)
                else:
                    merged[estate_id].update(kept[2])
                    computed.append(kept[1])
            for start in range(0, len(missing), self._per_call):
                part = tuple(missing[start:start + self._per_call])
                futures[(service, part)] = self._asked(service, period, part, ask)
        answers, errors = wait(futures, deadline, call_timeout, cancel=False)
        for error in errors.values():
            if not isinstance(error, DomainError) or error.status < 500:
                raise error
        for (service, part), error in sorted(errors.items()):
            log.warning("KPIs of %d estates left out: %s (%s)", len(part), service, error)
        for (_, _part), (at, figures) in sorted(answers.items()):
            for estate_id, kpis in figures.items():
                merged.setdefault(estate_id, {}).update(kpis)
            computed.append(at)
        return merged, sorted({service for service, _ in errors}), min(computed, default=clock.now_iso())

    def clear(self):
        """Forget every kept figure (the calls under way finish as they will)."""
        with self._lock:
            self._kept.clear()

    def _fresh(self, key):
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept[0] >= self._keep:
            return None
        return kept

    def _asked(self, service, period, part, ask):
        """The future of the call for ``part``: the one under way, or a new one."""
        key = (service, period, part)
        with self._lock:
            future = self._asking.get(key)
            if future is None:
                future = self._fan.submit(lambda: self._call(ask, service, period, part))
                self._asking[key] = future
                future.add_done_callback(lambda _done: self._forget(key))
        return future

    def _call(self, ask, service, period, part):
        """One call: ``(computed at, {estate_id: figures})``, kept for the next pages."""
        at, started = clock.now_iso(), time.monotonic()  # kept from when it was asked: never too long
        figures = ask(service, list(part))["estates"]
        if self._keep > 0:
            with self._lock:
                if len(self._kept) > 100_000:  # a bound on what is kept: the stale first
                    self._drop_stale()
                for estate_id, kpis in figures.items():
                    self._kept[(service, period, estate_id)] = (started, at, kpis)
        return at, figures

    def _forget(self, key):
        with self._lock:
            self._asking.pop(key, None)

    def _drop_stale(self):
        now = time.monotonic()
        for key in [key for key, (at, _, _) in self._kept.items() if now - at >= self._keep]:
            del self._kept[key]
        if len(self._kept) > 100_000:
            self._kept.clear()
