"""The events archive announces, each named here once (its contract is
``contracts/events/archive/<type>.json``; ``tests/contracts`` reads these names).

Steps list their events as ``(event_type, data)``; ``build`` makes each one with the outbox,
which checks it against its contract before it is written.
"""


def build(outbox, estate_id, event_type, data, actor=None):
    if event_type == "estate_created":  # every service copies the estate (and its timezone)
        return outbox.event("estate_created", estate_id, data, actor=actor)
    if event_type == "estate_updated":  # every service updates its copy
        return outbox.event("estate_updated", estate_id, data, actor=actor)
    if event_type == "household_created":  # every service copies the household
        return outbox.event("household_created", estate_id, data, actor=actor)
    if event_type == "household_updated":  # every service updates its copy (finance bills the new area)
        return outbox.event("household_updated", estate_id, data, actor=actor)
    if event_type == "estate_restated":  # sent again on request: services fill what their copies lack
        return outbox.event("estate_restated", estate_id, data, actor=actor)
    if event_type == "households_restated":  # the same, for a batch of households
        return outbox.event("households_restated", estate_id, data, actor=actor)
    if event_type == "vacant_inspection_recorded":  # customer service opens a repair per problem
        return outbox.event("vacant_inspection_recorded", estate_id, data, actor=actor)
    if event_type == "household_step_refused":  # the desk shows its application's step refused
        return outbox.event("household_step_refused", estate_id, data, actor=actor)
    if event_type == "handover_keys_left":  # the desk takes the unit's keys into custody (托管钥匙)
        return outbox.event("handover_keys_left", estate_id, data, actor=actor)
    if event_type == "handover_defects_found":  # the desk opens a repair per defect the owner found (验房)
        return outbox.event("handover_defects_found", estate_id, data, actor=actor)
    if event_type == "meter_reading_recorded":  # a meter read at a handover or a sale (webhooks offer it)
        return outbox.event("meter_reading_recorded", estate_id, data, actor=actor)
    if event_type == "archive_changed":  # archive's own change log
        return outbox.event("archive_changed", estate_id, data, actor=actor)
    raise ValueError(f"archive does not announce {event_type}")


def announcer(outbox, estate_id, actor=None):
    """The write path's ``announce``: each ``(event_type, data)`` of a step built by ``build``."""
    return lambda event_type, data: build(outbox, estate_id, event_type, data, actor)
