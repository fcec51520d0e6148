"""The events maintenance announces, each named here once (its contract is
``contracts/events/maintenance/<type>.json``; ``tests/contracts`` reads these names).

Steps list their events as ``(event_type, data)``; ``build`` makes each one with the outbox,
which checks it against its contract before it is written.
"""


def build(outbox, estate_id, event_type, data, actor=None):
    if event_type == "work_order_created":  # customer service links the order to its request; archive keeps it
        return outbox.event("work_order_created", estate_id, data, actor=actor)
    if event_type == "work_order_assigned":  # customer service lets the technician read the repair
        return outbox.event("work_order_assigned", estate_id, data, actor=actor)
    if event_type == "work_order_appointed":  # customer service shows the owner when the technician comes
        return outbox.event("work_order_appointed", estate_id, data, actor=actor)
    if event_type == "work_order_started":  # customer service answers the repair: its response time ends
        return outbox.event("work_order_started", estate_id, data, actor=actor)
    if event_type == "work_order_quoted":  # security keeps its finding's order at its status (each below too); webhooks
        return outbox.event("work_order_quoted", estate_id, data, actor=actor)
    if event_type == "work_order_consented":  # the occupant agreed to the quote
        return outbox.event("work_order_consented", estate_id, data, actor=actor)
    if event_type == "work_order_held":  # 待料: waiting for parts or for the occupant
        return outbox.event("work_order_held", estate_id, data, actor=actor)
    if event_type == "work_order_resumed":  # back to work: after a hold, or started again after a new appointment
        return outbox.event("work_order_resumed", estate_id, data, actor=actor)
    if event_type == "work_order_help_requested":  # handed back for help: the desk assigns it again
        return outbox.event("work_order_help_requested", estate_id, data, actor=actor)
    if event_type == "work_order_incident_joined":  # security shows the desk's order as its incident's
        return outbox.event("work_order_incident_joined", estate_id, data, actor=actor)
    if event_type == "work_order_incident_found":  # customer service joins the call to the entrapment's order
        return outbox.event("work_order_incident_found", estate_id, data, actor=actor)
    if event_type == "work_order_marked_emergency":  # customer service promises the joined calls its response
        return outbox.event("work_order_marked_emergency", estate_id, data, actor=actor)
    if event_type == "work_order_completed":  # customer service closes the repair; archive keeps it
        return outbox.event("work_order_completed", estate_id, data, actor=actor)
    if event_type == "charge_raised":  # finance bills what the household pays
        return outbox.event("charge_raised", estate_id, data, actor=actor)
    if event_type == "checklist_created":  # security patrol keeps a copy for the monthly fire checks
        return outbox.event("checklist_created", estate_id, data, actor=actor)
    if event_type == "checklist_updated":  # edited before its first use: security patrol's copy follows
        return outbox.event("checklist_updated", estate_id, data, actor=actor)
    if event_type == "renovation_reviewed":  # customer service moves the application on
        return outbox.event("renovation_reviewed", estate_id, data, actor=actor)
    if event_type == "work_order_overdue":  # archive keeps it on the order's record; for integrators (webhooks)
        return outbox.event("work_order_overdue", estate_id, data, actor=actor)
    if event_type == "work_order_outage_moved":  # 计划停水停电: a cut's order took its moved times; archive; webhooks
        return outbox.event("work_order_outage_moved", estate_id, data, actor=actor)
    if event_type == "work_order_cancelled":  # archive keeps the cancelled order
        return outbox.event("work_order_cancelled", estate_id, data, actor=actor)
    if event_type == "equipment_registered":  # archive opens the equipment archive
        return outbox.event("equipment_registered", estate_id, data, actor=actor)
    if event_type == "equipment_record_added":  # archive keeps it on the equipment archive
        return outbox.event("equipment_record_added", estate_id, data, actor=actor)
    if event_type == "equipment_out_of_service":  # 停运: archive keeps it on the equipment archive; webhooks
        return outbox.event("equipment_out_of_service", estate_id, data, actor=actor)
    if event_type == "equipment_back_in_service":  # archive keeps it on the equipment archive; webhooks
        return outbox.event("equipment_back_in_service", estate_id, data, actor=actor)
    if event_type == "equipment_retired":  # 报废 / 停用: archive keeps it on the equipment archive; webhooks
        return outbox.event("equipment_retired", estate_id, data, actor=actor)
    if event_type == "equipment_certificate_due":  # 年检合格证 coming due, once: archive keeps it; webhooks
        return outbox.event("equipment_certificate_due", estate_id, data, actor=actor)
    if event_type == "maintenance_plan_cancelled":  # a retired piece's plan: archive keeps it on the piece's archive
        return outbox.event("maintenance_plan_cancelled", estate_id, data, actor=actor)
    if event_type == "part_moved":  # 备品备件: a receipt, issue, return or count; archive keeps it on the part's
        return outbox.event("part_moved", estate_id, data, actor=actor)
    if event_type == "part_updated":  # 备品备件: a part's name or minimum corrected; archive keeps it on the part's
        return outbox.event("part_updated", estate_id, data, actor=actor)
    if event_type == "upkeep_faults_found":  # customer service records them against the line's contractor (h2)
        return outbox.event("upkeep_faults_found", estate_id, data, actor=actor)
    raise ValueError(f"maintenance does not announce {event_type}")


def announcer(outbox, estate_id, actor=None):
    """The write path's ``announce``: each ``(event_type, data)`` of a step built by ``build``."""
    return lambda event_type, data: build(outbox, estate_id, event_type, data, actor)
