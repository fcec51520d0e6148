"""security_patrol routes: patrols, fire checks, incidents and the gate."""
from .. import policy
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
    Route("POST", f"{ESTATE}/patrol-rounds", SP, "start_round", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/patrol-rounds", SP, "list_rounds", policy.SECURITY, paged=True,
          filters=("status", "route_id")),
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
    Route("POST", f"{ESTATE}/fire-inspections", SP, "record_fire_inspection", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/fire-inspections", SP, "list_fire_inspections", policy.SECURITY, paged=True,
          filters=("equipment_id", "period", "result")),
    # incidents and emergency plans (应急预案)
    Route("POST", f"{ESTATE}/incidents", SP, "open_incident", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/incidents", SP, "list_incidents", policy.SECURITY, paged=True,
          filters=("status", "type")),
    Route("GET", f"{ESTATE}/incidents/<incident_id>", SP, "get_incident", policy.SECURITY,
          id_param="incident_id"),
    Route("POST", f"{ESTATE}/incidents/<incident_id>/steps", SP, "record_incident_step", policy.SECURITY,
          body=True, id_param="incident_id"),
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
    Route("POST", f"{ESTATE}/vehicle-entries", SP, "record_vehicle_entry", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/vehicle-exits", SP, "record_vehicle_exit", policy.SECURITY,
          body=True, idempotent=True),
    Route("GET", f"{ESTATE}/parking-sessions", SP, "list_parking_sessions", policy.SECURITY, paged=True,
          filters=("status", "plate")),
    Route("POST", f"{ESTATE}/visitors", SP, "register_visitor", GATE, status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/visitors", SP, "list_visitors", GATE, paged=True, filters=("visiting_household_id",)),
    Route("POST", f"{ESTATE}/shift-handovers", SP, "record_shift_handover", policy.SECURITY,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/shift-handovers", SP, "list_shift_handovers", policy.SECURITY, paged=True,
          filters=("shift",)),
    Route("GET", f"{ESTATE}/settings/security-patrol", "security_patrol", "get_settings", policy.MANAGEMENT),
    Route("PUT", f"{ESTATE}/settings/security-patrol", "security_patrol", "update_settings", policy.MANAGEMENT, body=True),
]
