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
    # a rotated secret keeps signing beside the new one for this long, so that a receiver can
    # switch to the new secret without refusing a delivery (our decision, README); a rotation
    # may ask for less, down to none (a leaked secret: POST …/secret {keep_previous_hours: 0})
    "webhook_secret_overlap_hours": 24,
}

MAXIMA = {
    "webhook_retry_hours": 24 * 7,
    "webhook_disable_after_days": 90,
    "webhook_backoff_first_seconds": 3600,
    "webhook_backoff_max_seconds": 24 * 3600,
    "webhook_secret_overlap_hours": 24 * 7,
}

# (lower, upper): the first backoff may not be longer than the longest (it meant nothing)
ORDERED = (("webhook_backoff_first_seconds", "webhook_backoff_max_seconds"),)
