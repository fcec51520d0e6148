"""security_patrol routes: patrols, fire checks, incidents and the gate."""
from .. import assignees, policy, references
from . import ESTATE, Route

SP = "security_patrol"
GATE = policy.SECURITY | policy.FRONT_DESK  # the front desk registers visitors and residents' vehicles too

ROUTES = [
    # patrols (巡逻)
    Route("POST", f"{ESTATE}/patrol-routes", SP, "create_patrol_route", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/patrol-routes", SP, "list_patrol_routes", policy.SECURITY, paged=True),
    Route("POST", f"{ESTATE}/patrol-plans", SP, "create_patrol_plan", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/patrol-plans", SP, "list_patrol_plans", policy.SECURITY, paged=True,
          filters=("route_id",)),
    Route("POST", f"{ESTATE}/patrol-plans/<plan_id>/stop", SP, "stop_patrol_plan", policy.SECURITY,
          body=True, id_param="plan_id"),
    # the guard walking it, and the one on the roster, is an active security guard of the estate
    # (assignees.py)
    Route("POST", f"{ESTATE}/patrol-rounds", SP, "start_round", policy.SECURITY,
          status=201, body=True, idempotent=True, facts=assignees.guard_fact),
    Route("GET", f"{ESTATE}/patrol-rounds", SP, "list_rounds", policy.SECURITY, paged=True,
          filters=("status", "route_id", "guard", "from", "to", "exceptions")),
    Route("GET", f"{ESTATE}/patrol-rounds/<round_id>", SP, "get_round", policy.SECURITY, id_param="round_id"),
    Route("POST", f"{ESTATE}/patrol-rounds/<round_id>/check-ins", SP, "check_in", policy.SECURITY,
          body=True, id_param="round_id", idempotent=True),
    Route("POST", f"{ESTATE}/patrol-rounds/<round_id>/finish", SP, "finish_round", policy.SECURITY,
          body=True, id_param="round_id"),
    # fire equipment (消防设施)
    Route("POST", f"{ESTATE}/fire-equipment", SP, "create_fire_equipment", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/fire-equipment", SP, "list_fire_equipment", policy.SECURITY, paged=True,
          filters=("kind", "unchecked_in")),
    Route("POST", f"{ESTATE}/fire-equipment/<fire_equipment_id>/retire", SP, "retire_fire_equipment",
          policy.MANAGEMENT, body=True, id_param="fire_equipment_id"),
    Route("POST", f"{ESTATE}/fire-inspections", SP, "record_fire_inspection", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/fire-inspections", SP, "list_fire_inspections", policy.SECURITY, paged=True,
          filters=("equipment_id", "period", "result")),
    Route("GET", f"{ESTATE}/patrol-missed-rounds", SP, "missed_rounds", policy.SECURITY, filters=("period",)),
    Route("GET", f"{ESTATE}/fire-check-overdues", SP, "list_fire_check_overdues", policy.SECURITY, paged=True,
          filters=("period", "equipment_id")),
    # 停巡: a window in which the planned rounds are not owed (a typhoon night), a manager's
    Route("POST", f"{ESTATE}/patrol-suspensions", SP, "suspend_patrols", policy.MANAGEMENT,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/patrol-suspensions", SP, "list_patrol_suspensions", policy.SECURITY, paged=True),
    # 撤销: kept, its window's slots owed again (a window typed wrong is withdrawn, the right one recorded)
    Route("POST", f"{ESTATE}/patrol-suspensions/<suspension_id>/withdraw", SP, "withdraw_patrol_suspension",
          policy.MANAGEMENT, body=True, id_param="suspension_id"),
    # 预警响应: the emergency plan activated at a weather warning, before anything has happened (no incident,
    # no work order); one of a kind open at a time; raised, changed and stood down by management or security
    Route("POST", f"{ESTATE}/emergency-alerts", SP, "raise_emergency_alert", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/emergency-alerts", SP, "list_emergency_alerts", policy.SECURITY, paged=True,
          filters=("open", "period")),
    Route("GET", f"{ESTATE}/emergency-alerts/<alert_id>", SP, "get_emergency_alert", policy.SECURITY,
          id_param="alert_id", paged=True),  # its incidents a page at a time (h10)
    Route("POST", f"{ESTATE}/emergency-alerts/<alert_id>/level", SP, "change_emergency_alert_level",
          policy.SECURITY, body=True, id_param="alert_id"),
    Route("POST", f"{ESTATE}/emergency-alerts/<alert_id>/stand-down", SP, "stand_down_emergency_alert",
          policy.SECURITY, body=True, id_param="alert_id"),
    # drills and fire lanes (消防演练, 消防通道)
    Route("POST", f"{ESTATE}/fire-drills", SP, "record_fire_drill", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/fire-drills", SP, "list_fire_drills", policy.SECURITY, paged=True, filters=("period",)),
    Route("POST", f"{ESTATE}/fire-lane-checks", SP, "record_fire_lane_check", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/fire-lane-checks", SP, "list_fire_lane_checks", policy.SECURITY, paged=True,
          filters=("period", "status")),
    Route("POST", f"{ESTATE}/fire-lane-checks/<check_id>/clear", SP, "clear_fire_lane", policy.SECURITY,
          body=True, id_param="check_id"),
    # incidents and emergency plans (应急预案)
    # an entrapment's lift is maintenance's piece: the gateway asks maintenance (references.py)
    Route("POST", f"{ESTATE}/incidents", SP, "open_incident", policy.SECURITY,
          status=201, body=True, idempotent=True, facts=references.equipment_fact),
    Route("GET", f"{ESTATE}/incidents", SP, "list_incidents", policy.SECURITY, paged=True,
          filters=("status", "type", "major", "period", "escalated_to")),
    Route("GET", f"{ESTATE}/incidents/<incident_id>", SP, "get_incident", policy.SECURITY,
          id_param="incident_id"),
    Route("POST", f"{ESTATE}/incidents/<incident_id>/steps", SP, "record_incident_step", policy.SECURITY,
          body=True, id_param="incident_id"),
    Route("POST", f"{ESTATE}/incidents/<incident_id>/reclassify", SP, "reclassify_incident",
          policy.INCIDENT_CLASSIFIERS, body=True, id_param="incident_id"),
    Route("POST", f"{ESTATE}/incidents/<incident_id>/close", SP, "close_incident", policy.SECURITY,
          body=True, id_param="incident_id"),
    Route("GET", f"{ESTATE}/emergency-plans", SP, "list_emergency_plans", policy.SECURITY),
    Route("PUT", f"{ESTATE}/emergency-plans/<incident_type>", SP, "set_emergency_plan",
          policy.EMERGENCY_PLAN_EDITORS, body=True, id_param="incident_type"),
    # the gate (门岗): vehicles, parking, visitors, shifts
    Route("POST", f"{ESTATE}/vehicle-passes", SP, "create_vehicle_pass", GATE,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/vehicle-passes", SP, "list_vehicle_passes", GATE, paged=True,
          filters=("plate", "kind")),
    Route("POST", f"{ESTATE}/vehicle-passes/<pass_id>/revoke", SP, "revoke_vehicle_pass", GATE,
          body=True, id_param="pass_id"),
    Route("POST", f"{ESTATE}/vehicle-entries", SP, "record_vehicle_entry", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/vehicle-exits", SP, "record_vehicle_exit", policy.SECURITY,
          body=True, idempotent=True),
    Route("GET", f"{ESTATE}/parking-sessions", SP, "list_parking_sessions", policy.SECURITY, paged=True,
          filters=("status", "plate", "period", "collected", "visitor_id")),
    # a stay whose exit was missed (漏记出场), closed by the manager without its fee: the guard who
    # missed it would waive his own fee (gate.closing_without_fee)
    Route("POST", f"{ESTATE}/parking-sessions/<session_id>/close-without-fee", SP, "close_parking_session",
          policy.PARKING_CLOSERS_WITHOUT_FEE, body=True, id_param="session_id", idempotent=True),
    # a month's parking totalled: the accountant sets its gate cash against finance's journal
    Route("GET", f"{ESTATE}/parking-sessions/totals", SP, "parking_totals", policy.PARKING_TOTALS_READERS,
          filters=("period",)),
    Route("POST", f"{ESTATE}/visitors", SP, "register_visitor", GATE, status=201, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/visitors/<visitor_id>/departure", SP, "record_visitor_departure", GATE,
          body=True, id_param="visitor_id"),
    Route("GET", f"{ESTATE}/visitors", SP, "list_visitors", GATE, paged=True,
          filters=("visiting_household_id", "from", "to", "on_site")),
    # the duty roster (排班): guards on posts by shift
    Route("POST", f"{ESTATE}/duty-roster", SP, "assign_duty", policy.SECURITY, status=201, body=True, idempotent=True,
          facts=assignees.guard_fact),
    Route("POST", f"{ESTATE}/duty-roster/<assignment_id>/cancel", SP, "cancel_duty", policy.SECURITY,
          body=True, id_param="assignment_id"),
    Route("GET", f"{ESTATE}/duty-roster", SP, "list_duty_roster", policy.SECURITY, paged=True,
          filters=("date", "shift", "post", "status")),
    # both guards of a handover are active security guards of the estate (assignees.py)
    Route("POST", f"{ESTATE}/shift-handovers", SP, "record_shift_handover", policy.SECURITY,
          status=201, body=True, idempotent=True, facts=assignees.handover_guards_fact),
    Route("GET", f"{ESTATE}/shift-handovers", SP, "list_shift_handovers", policy.SECURITY, paged=True,
          filters=("shift", "date", "period", "from", "to", "to_guard", "accepted")),
    # 接班确认: the relief accepts it (found by the security department's follow-ups)
    Route("POST", f"{ESTATE}/shift-handovers/<handover_id>/accept", SP, "accept_shift_handover", policy.SECURITY,
          body=True, id_param="handover_id"),
    # the month's rostered shifts over with nothing in the handover log (computed, not paged)
    Route("GET", f"{ESTATE}/missed-shift-handovers", SP, "missed_handovers", policy.SECURITY, filters=("period",)),
    # the security team's month on duty (h7): roll calls (考勤) fed from the roster, spot checks of the posts
    # (巡察), discipline records, trainings with attendance, each guard's score and assessment (考核)
    # the team lead's and supervisor's, the trainings and assessments the supervisor's (review r7 of h7)
    *[route for path, create, listed, filters, recorders in (
        ("roll-calls", "record_roll_call", "list_roll_calls", ("period", "date", "shift"), policy.SECURITY_TEAM_RECORDERS),
        ("post-spot-checks", "record_spot_check", "list_spot_checks", ("period", "date", "post", "manned"),
         policy.SECURITY_TEAM_RECORDERS),
        ("discipline-records", "record_discipline", "list_discipline", ("period", "guard", "kind"),
         policy.SECURITY_TEAM_RECORDERS),
        ("trainings", "record_training", "list_trainings", ("period", "guard"), policy.SECURITY_ASSESSORS),
        ("guard-assessments", "record_assessment", "list_assessments", ("period", "guard"), policy.SECURITY_ASSESSORS),
    ) for route in (
        Route("POST", f"{ESTATE}/{path}", SP, create, recorders, status=201, body=True,
              idempotent=True),
        Route("GET", f"{ESTATE}/{path}", SP, listed, policy.SECURITY_TEAM_READERS, paged=True, filters=filters))],
    # 更正: a roll call's entry corrected by the lead or supervisor until the month is assessed (h3)
    Route("POST", f"{ESTATE}/roll-calls/<roll_call_id>/corrections", SP, "correct_roll_call",
          policy.SECURITY_TEAM_RECORDERS, body=True, id_param="roll_call_id", idempotent=True),
    # 补点: the guards added to the shift's roster since its call, an action on the call (200, API.md)
    Route("POST", f"{ESTATE}/roll-calls/<roll_call_id>/addenda", SP, "add_to_roll_call",
          policy.SECURITY_TEAM_RECORDERS, body=True, id_param="roll_call_id", idempotent=True),
    Route("GET", f"{ESTATE}/guard-scores", SP, "guard_scores", policy.SECURITY_TEAM_READERS, filters=("period",)),
    # 周报: the supervisor's week of the estate's security, one read (found by the security department's follow-ups)
    Route("GET", f"{ESTATE}/reports/security-week", SP, "security_week", policy.SECURITY, filters=("week",)),
    Route("GET", f"{ESTATE}/settings/security-patrol", "security_patrol", "get_settings",
          policy.SECURITY_SETTINGS_READERS),
    # the daily cap on parking may not come down below finance's highest parking hour (references.py)
    Route("PUT", f"{ESTATE}/settings/security-patrol", "security_patrol", "update_settings", policy.MANAGEMENT,
          body=True, facts=references.parking_hour_fact),
    # one record of a list by its id, with the list's roles (an integrator reads back what it created)
    *[Route("GET", f"{ESTATE}/{records}/<{param}>", SP, rpc, roles, id_param=param) for records, param, rpc, roles in (
        ("patrol-routes", "route_id", "get_patrol_route", policy.SECURITY),
        ("patrol-plans", "plan_id", "get_patrol_plan", policy.SECURITY),
        ("fire-equipment", "fire_equipment_id", "get_fire_equipment", policy.SECURITY),
        ("fire-inspections", "inspection_id", "get_fire_inspection", policy.SECURITY),
        ("fire-drills", "drill_id", "get_fire_drill", policy.SECURITY),
        ("fire-lane-checks", "check_id", "get_fire_lane_check", policy.SECURITY),
        ("vehicle-passes", "pass_id", "get_vehicle_pass", GATE),
        ("visitors", "visitor_id", "get_visitor", GATE),
        ("duty-roster", "assignment_id", "get_duty_assignment", policy.SECURITY),
        ("shift-handovers", "handover_id", "get_shift_handover", policy.SECURITY),
        # the team's month on duty, with its lists' roles (h3)
        ("roll-calls", "roll_call_id", "get_roll_call", policy.SECURITY_TEAM_READERS),
        ("post-spot-checks", "spot_check_id", "get_spot_check", policy.SECURITY_TEAM_READERS),
        ("discipline-records", "discipline_record_id", "get_discipline_record", policy.SECURITY_TEAM_READERS),
        ("trainings", "training_id", "get_training", policy.SECURITY_TEAM_READERS),
        ("guard-assessments", "assessment_id", "get_assessment", policy.SECURITY_TEAM_READERS),
    )],
]
