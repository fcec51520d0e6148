"""A short per-process cache of the records every call checks: users and API keys.

Each record is kept for ``ttl_seconds`` (``USER_CACHE_SECONDS``); a miss reads the store. So a
change made on another replica (a user deactivated, a key revoked) applies there within that
many seconds, and at once on the process that made it (it calls ``forget``). A record that does
not exist is not cached, so forged credentials always reach the store (by ``_id``: one indexed
read). Bounded: when ``max_entries`` are held it starts afresh rather than evict one by one.
"""
import threading
import time


class RecordCache:
    def __init__(self, db, find, ttl_seconds=2.0, max_entries=1024):
        self.db = db
        self._find = find  # find(db, record_id) -> the stored record or None
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, record_id):
        if not isinstance(record_id, str):
            return None
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(record_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        record = self._find(self.db, record_id)
        if record is not None and self.ttl_seconds > 0:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[record_id] = (now + self.ttl_seconds, record)
        return record

    def forget(self, record_id):
        with self._lock:
            self._entries.pop(record_id, None)
