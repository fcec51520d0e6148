"""The estate a list names exists: a 404, not an empty list, for a mistyped estate id.

A user scoped to estates reaches only theirs (``access.authorize``); the operator admin and an
all-estates API key reach any id, and a list of an estate that does not exist answered 200 with
no items (found by review), so an integrator with a typo silently got nothing, and a typo's
settings were stored. An empty page for such a caller is checked, and so is every call under an
estate that names no record (settings, reports, creates: ``app._forwarding_view``; a route
naming a record gets the service's own 404): the gateway asks archive, which owns
the estates, once per estate per ``ttl_seconds`` per process; an estate that does not exist is
never remembered, so one created a moment later is found. When archive does not answer, the
empty page stands: this check must not make every service depend on archive.
"""
import threading
import time

from flask import g

from estate_common.errors import NotFound, ServiceUnavailable

TTL_SECONDS = 60.0
MAX_ENTRIES = 10_000


class KnownEstates:
    def __init__(self, ttl_seconds=TTL_SECONDS):
        self.ttl_seconds = ttl_seconds
        self._until = {}  # estate id -> known until (time.monotonic())
        self._lock = threading.Lock()

    def require(self, estate_id, caller, rpc):
        """``NotFound`` when archive says there is no such estate (asked through ``rpc`` as ``caller``)."""
        now = time.monotonic()
        with self._lock:
            if self._until.get(estate_id, 0) > now:
                return
        try:
            rpc.call("archive", "get_estate", {"estate_id": estate_id}, request_id=g.get("request_id"),
                     caller=caller)
        except NotFound:
            raise NotFound("no such estate") from None
        except ServiceUnavailable:
            return  # archive is down: the service the call names still answers what it can
        with self._lock:
            if len(self._until) >= MAX_ENTRIES:
                self._until.clear()
            self._until[estate_id] = now + self.ttl_seconds
