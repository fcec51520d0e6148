"""The estate a call names exists: a 404 for a mistyped estate id, not an empty list or a stored typo.

A user scoped to estates reaches only theirs (``access.authorize``); the operator admin and an
all-estates API key reach any id, and a list of an estate that does not exist answered 200 with
no items, a typo's settings, budgets and emergency plans were stored, and an export of it
"succeeded" (found by reviews). ``access.authorize`` asks this for every call of such a caller
that names an estate: the gateway asks archive, which owns the estates, once per estate per
``ttl_seconds`` per process; an estate that does not exist is never remembered, so one created
a moment later is found. When archive does not answer, the call goes on: this check must not
make every service depend on archive.
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

    def remember(self, estate_id):
        """``estate_id`` exists (archive said so another way): not asked again for ``ttl_seconds``."""
        with self._lock:
            self._until[estate_id] = time.monotonic() + self.ttl_seconds

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
