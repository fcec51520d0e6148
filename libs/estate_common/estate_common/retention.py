"""How long records that hold personal data or replayable answers are kept, and how they expire.

A record that should not outlive its use carries ``expire_at`` (a BSON date) and its
collection a TTL index on it (``expireAfterSeconds: 0``): MongoDB removes it within a minute
of that moment, the embedded store on its next touch of the collection after it (see
``embedded_store``). The moment is computed when the record is written, so a changed
retention applies to new records without rebuilding an index. TTL indexes are single-field
by MongoDB's rule, hence the one index not led by ``estate_id``.

The periods are deployment settings (environment), in seconds:

- ``JOB_RETENTION_SECONDS`` (30 days): a finished job (succeeded or failed) and its result
  (a billing run's totals go with it; its bills stay);
- ``IDEMPOTENCY_RETENTION_SECONDS`` (24 h): an ``Idempotency-Key`` record and the response it
  replays (a retry after that is a new request);
- ``LOGIN_RECORD_RETENTION_SECONDS`` (24 h): failed sign-in counts of a username or address
  (a lock lasts ``LOGIN_LOCK_SECONDS`` at most, so nothing a lock needs is removed early).
- ``WEBHOOK_DELIVERY_RETENTION_SECONDS`` (30 days, read by integrations): a delivered or failed
  webhook delivery (its body is an event's envelope).
"""
from datetime import timedelta

from . import clock, config

FIELD = "expire_at"
TTL_INDEX = ([(FIELD, 1)], {"expireAfterSeconds": 0})

JOB_SECONDS = config.env_int("JOB_RETENTION_SECONDS", 30 * 24 * 3600)
IDEMPOTENCY_SECONDS = config.env_int("IDEMPOTENCY_RETENTION_SECONDS", 24 * 3600)
LOGIN_RECORD_SECONDS = config.env_int("LOGIN_RECORD_RETENTION_SECONDS", 24 * 3600)


def expire_at(seconds, now=None):
    """The moment a record kept ``seconds`` from ``now`` (the clock's now) expires."""
    return (now or clock.now()) + timedelta(seconds=seconds)
