"""The events security patrol announces, each named here once (its contract is
``contracts/events/security_patrol/<type>.json``; ``tests/contracts`` reads these names).

Steps list their events as ``(event_type, data)``; ``build`` makes each one with the outbox,
which checks it against its contract before it is written.
"""


def build(outbox, estate_id, event_type, data, actor=None):
    if event_type == "anomaly_reported":  # maintenance opens a work order; archive keeps it
        return outbox.event("anomaly_reported", estate_id, data, actor=actor)
    if event_type == "patrol_round_finished":  # archive keeps the round
        return outbox.event("patrol_round_finished", estate_id, data, actor=actor)
    if event_type == "entrapment_released":  # 困人解救: maintenance's month of emergencies shows it; webhooks
        return outbox.event("entrapment_released", estate_id, data, actor=actor)
    if event_type == "incident_escalated":  # archive keeps the escalation
        return outbox.event("incident_escalated", estate_id, data, actor=actor)
    if event_type == "incident_reclassified":  # archive keeps the manager's correction of "major"
        return outbox.event("incident_reclassified", estate_id, data, actor=actor)
    if event_type == "incident_closed":  # archive keeps the closed incident
        return outbox.event("incident_closed", estate_id, data, actor=actor)
    if event_type == "charge_raised":  # finance bills a parking fee the household pays later
        return outbox.event("charge_raised", estate_id, data, actor=actor)
    if event_type == "fire_defect_reported":  # maintenance opens one work order per defective check
        return outbox.event("fire_defect_reported", estate_id, data, actor=actor)
    if event_type == "fire_check_overdue":  # archive keeps it: a facility missed its monthly check
        return outbox.event("fire_check_overdue", estate_id, data, actor=actor)
    if event_type == "patrol_round_missed":  # archive keeps it: a planned round nobody walked through
        return outbox.event("patrol_round_missed", estate_id, data, actor=actor)
    if event_type == "emergency_repair_requested":  # maintenance opens one emergency order per incident
        return outbox.event("emergency_repair_requested", estate_id, data, actor=actor)
    if event_type == "incident_took_over_order":  # maintenance names the incident's emergency on the anomaly's order
        return outbox.event("incident_took_over_order", estate_id, data, actor=actor)
    if event_type == "shift_handover_recorded":  # archive keeps the handover document
        return outbox.event("shift_handover_recorded", estate_id, data, actor=actor)
    if event_type == "emergency_alert_raised":  # 预警响应: archive keeps it, maintenance reads it
        return outbox.event("emergency_alert_raised", estate_id, data, actor=actor)
    if event_type == "emergency_alert_level_changed":  # yellow → red: archive keeps it, maintenance follows it
        return outbox.event("emergency_alert_level_changed", estate_id, data, actor=actor)
    if event_type == "emergency_alert_stood_down":  # 解除: archive keeps it beside the alert
        return outbox.event("emergency_alert_stood_down", estate_id, data, actor=actor)
    if event_type == "patrol_suspended":  # archive keeps it: a window whose planned rounds are not owed (停巡)
        return outbox.event("patrol_suspended", estate_id, data, actor=actor)
    if event_type == "patrol_suspension_withdrawn":  # archive keeps it beside the suspension: owed again
        return outbox.event("patrol_suspension_withdrawn", estate_id, data, actor=actor)
    # the team's month on duty (team.py, h7): archive keeps each (subject security_team); webhooks
    if event_type == "roll_call_recorded":  # 考勤
        return outbox.event("roll_call_recorded", estate_id, data, actor=actor)
    if event_type == "post_spot_checked":  # 巡察: a post found manned or not
        return outbox.event("post_spot_checked", estate_id, data, actor=actor)
    if event_type == "discipline_recorded":  # 违章违纪, 仪容仪表
        return outbox.event("discipline_recorded", estate_id, data, actor=actor)
    if event_type == "training_recorded":  # 学习培训
        return outbox.event("training_recorded", estate_id, data, actor=actor)
    if event_type == "guard_assessed":  # 考核
        return outbox.event("guard_assessed", estate_id, data, actor=actor)
    raise ValueError(f"security patrol does not announce {event_type}")



def announcer(outbox, estate_id, actor=None):
    """The write path's ``announce``: each ``(event_type, data)`` of a step built by ``build``."""
    return lambda event_type, data: build(outbox, estate_id, event_type, data, actor)
