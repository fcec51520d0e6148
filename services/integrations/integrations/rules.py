"""The numbers of webhook deliveries, with their defaults.

DOMAIN.md says nothing of integrations; every number here is issue 13's. Each is a per-estate
setting: an estate's overrides are stored in the ``settings`` collection and merged over these
by ``estate_common.settings`` (``GET/PUT /api/v1/estates/{id}/settings/integrations``).
"""
DEFAULTS = {
    # issue 13: "anything else (or a timeout / connection error) is retried with exponential
    # backoff and jitter for 24 h (setting), then failed"
    "webhook_retry_hours": 24,
    # issue 13: "a subscription failing for 3 days in a row (setting) is switched off"
    "webhook_disable_after_days": 3,
    # the backoff (issue 13 names none; our decision, README): the n-th retry waits
    # first × 2^(n-1) seconds, at most max, less up to a half of it at random (jitter)
    "webhook_backoff_first_seconds": 30,
    "webhook_backoff_max_seconds": 3600,
}

MAXIMA = {
    "webhook_retry_hours": 24 * 7,
    "webhook_disable_after_days": 90,
    "webhook_backoff_first_seconds": 3600,
    "webhook_backoff_max_seconds": 24 * 3600,
}
