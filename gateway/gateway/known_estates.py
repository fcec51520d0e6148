"""The estate a call names exists: a 404 for a mistyped estate id, not an empty list or a stored typo.

A user scoped to estates reaches only theirs (``access.authorize``); the operator admin and an
all-estates API key reach any id, and a list of an estate that does not exist answered 200 with
no items, a typo's settings, budgets and emergency plans were stored, and an export of it
"succeeded" (found by reviews). ``access.authorize`` asks this for every call of such a caller
that names an estate: the gateway asks archive, which owns the estates, once per estate per
``ttl_seconds`` per process; an estate that does not exist is never remembered, so one created
a moment later is found. When archive does not answer, the call goes on: this check must not
make every service depend on archive.

What archive answered keeps the estate's ``retired_at`` too (``require`` returns it), for the
refusal of new work in a retired estate (``retirements``); the gateway that retires or reinstates
an estate forgets what it knew of it (``forget``), another process learns it within ``ttl_seconds``.
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
        self._until = {}  # estate id -> (known until (time.monotonic()), its retired_at or None)
        self._lock = threading.Lock()

    def remember(self, estate_id):
        """``estate_id`` exists, in service (archive said so another way): not asked again for ``ttl_seconds``."""
        with self._lock:
            self._until[estate_id] = (time.monotonic() + self.ttl_seconds, None)

    def forget(self, estate_id):
        """Ask archive again next time (the estate was just retired or reinstated here)."""
        with self._lock:
            self._until.pop(estate_id, None)

    def require(self, estate_id, caller, rpc):
        """``NotFound`` when archive says there is no such estate (asked through ``rpc`` as ``caller``);
        else its ``retired_at`` (None in service, or while archive does not answer)."""
        now = time.monotonic()
        with self._lock:
            until, retired_at = self._until.get(estate_id, (0, None))
            if until > now:
                return retired_at
        try:
            found = rpc.call("archive", "get_estate", {"estate_id": estate_id}, request_id=g.get("request_id"),
                             caller=caller)
        except NotFound:
            raise NotFound("no such estate") from None
        except ServiceUnavailable:
            return None  # archive is down: the service the call names still answers what it can
        retired_at = found.get("retired_at") if isinstance(found, dict) else None
        with self._lock:
            if len(self._until) >= MAX_ENTRIES:
                self._until.clear()
            self._until[estate_id] = (now + self.ttl_seconds, retired_at)
        return retired_at
