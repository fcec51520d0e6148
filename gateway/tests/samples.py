"""What the gateway tests send on each route: a body per RPC (else the example that
openapi.yaml gives), a value per query filter, and values for path parameters that are not ids."""
import re
from datetime import date, timedelta

from estate_common import contracts

# dates a little ahead of the day the tests run: a date to come has its horizon (a fixed one
# goes stale; estate_common.plausible)
IN_TWO_DAYS = (date.today() + timedelta(days=2)).isoformat()
SOON = (date.today() + timedelta(days=10)).isoformat()
LATER = (date.today() + timedelta(days=40)).isoformat()
# and a record of what staff did is written up within days of it
LATELY = (date.today() - timedelta(days=2)).isoformat()

SAMPLE_BODIES = {
    "create_estate": {"code": "SH-PD-01", "name": "Pudong Garden", "address": "1 Century Avenue"},
    "create_household": {"building": "B1", "unit": "U1", "room": "101", "area_m2": 88.5,
                         "owner": {"name": "Li Lei", "phone": "+86 138 0000 0000"}},
    "create_request": {"kind": "repair", "household_id": "hh_1", "channel": "phone",
                       "description": "the kitchen tap leaks"},
    # maintenance
    "assign_work_order": {"technician": "chen"},
    "appoint_work_order": {"at": f"{SOON}T09:00:00.000Z"},
    "reappoint_work_order": {"at": f"{LATER}T09:00:00.000Z", "reason": "a part is on order"},
    "start_work_order": {},
    "quote_work_order": {"amount_cents": 3000, "items": [{"name": "valve", "amount_cents": 3000}]},
    "consent_work_order": {"by": "Li Lei"},
    "complete_work_order": {"materials": [{"name": "valve", "qty": 1, "unit_cost_cents": 1800}],
                            "charge_cents": 3000, "signed_by": "Li Lei", "labour_minutes": 45},
    "request_help": {"reason": "needs a second pair of hands"},
    "hold_work_order": {"waiting_for": "parts", "reason": "a valve is on order", "expected_on": SOON},
    "resume_work_order": {},
    "add_helper": {"technician": "liu"},
    "mark_emergency": {"category": "water_mains"},
    "set_work_order_equipment": {"equipment_id": "eq_1"},
    "take_equipment_out_of_service": {"reason": "困人后停运待检", "work_order_id": "wo_1"},
    "retire_equipment": {"kind": "scrapped", "on": "2026-11-20", "reason": "老旧报废"},
    "move_equipment_certificate": {"to_equipment_id": "eq_2"},
    "return_equipment_to_service": {"note": "维保单位检查正常"},
    "cancel_work_order": {"reason": "registered twice"},
    "create_equipment": {"code": "PUMP-1", "name": "Booster pump", "system": "water", "location": "B2 pump room"},
    "add_equipment_record": {"kind": "inspection", "result": "normal", "notes": "pressure 0.4 MPa"},
    "create_maintenance_plan": {"equipment_id": "eq_1", "kind": "daily_inspection", "every_days": 1,
                                "next_due_on": SOON},
    "set_budget": {"amount_cents": 5000000},
    "create_checklist": {"name": "Booster pumps", "target": "equipment", "items": [
        {"code": "P1", "label": "Outlet pressure", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"},
        {"code": "P2", "label": "No leak", "kind": "pass_fail"}]},
    "open_inspection": {"checklist_id": "ckl_1", "equipment_id": "eq_1"},
    "complete_inspection": {"results": [{"code": "P1", "reading": 0.45}, {"code": "P2", "passed": True}]},
    "record_owner_contact": {"household_id": "hh_1", "kind": "steward_contact", "channel": "phone",
                             "contacted_at": f"{LATELY}T02:00:00Z", "summary": "asked about the lift noise"},
    "lend_tool": {"tool": "ladder", "borrower": "owner of 3-1-1201", "household_id": "hh_1",
                  "due_back_at": f"{IN_TWO_DAYS}T10:00:00Z"},
    "record_vacant_inspection": {"inspected_on": LATELY, "problems": [{"description": "damp patch on the ceiling",
                                                                     "location": "bedroom"}]},
    "create_survey": {"title": "owner satisfaction", "year": date.today().year,
                      "service_lines": ["power", "water", "fire_security", "cleaning"]},
    "create_application": {"kind": "renovation", "household_id": "hh_1", "structural_change": False,
                           "description": "new kitchen and floors", "works_from": SOON, "works_to": LATER},
    "reschedule_application": {"works_from": SOON, "works_to": LATER, "reason": "the contractor starts later"},
    "decide_renovation_review": {"decision": "approved", "notes": "no load-bearing wall touched"},
    # security_patrol
    "create_patrol_route": {"name": "Night loop", "checkpoints": [{"code": "A1", "name": "North gate"}]},
    "create_patrol_plan": {"route_id": "proute_1", "shift": "night", "start_time": "22:00", "expected_minutes": 60},
    "start_round": {"route_id": "proute_1", "guard": "zhao"},
    # a day within the estate's roster_days_ahead (the contract's example names a far one)
    "assign_duty": {"date": SOON, "shift": "night", "post": "patrol", "guard": "Zhao"},
    "check_in": {"checkpoint": "A1"},
    "finish_round": {},
    "create_fire_equipment": {"code": "FE-001", "name": "Extinguisher 1F", "kind": "extinguisher",
                              "location": "Building 1 lobby"},
    "record_fire_inspection": {"equipment_id": "fe_1", "result": "ok"},
    "open_incident": {"type": "fire_alarm", "description": "smoke alarm on 3F", "location": "Building 2"},
    "record_incident_step": {"step": "verify_alarm"},
    "close_incident": {"summary": "a false alarm: burnt toast"},
    "create_vehicle_pass": {"plate": "沪A12345", "kind": "resident", "household_id": "hh_1"},
    "revoke_vehicle_pass": {"reason": "the owner moved out"},
    "record_vehicle_entry": {"plate": "沪A12345"},
    "record_vehicle_exit": {"plate": "沪A12345"},
    "register_visitor": {"name": "Wang Wu", "visiting_household_id": "hh_1", "purpose": "family visit"},
    "record_visitor_departure": {"notes": "left by the east gate"},
    # the guards (here, of start_round and of assign_duty) are usernames of active security guards
    # of the estate: a test on the running system makes them and swaps them in (the access matrix)
    "record_shift_handover": {"shift": "night", "from_guard": "zhao", "to_guard": "qian", "notes": "all quiet"},
    "accept_shift_handover": {"notes": "read and accepted"},
    "correct_roll_call": {"guard": "zhao", "status": "late", "late_minutes": 5, "reason": "误记到岗"},
    "add_to_roll_call": {"entries": [{"guard": "zhao", "status": "present"}]},
    # archive
    "create_borrow_request": {"subject_id": "hh_1", "purpose": "audit of the owner file", "kind": "view"},
    "approve_borrow_request": {},
    "reject_borrow_request": {"note": "not needed"},
    "return_borrow_request": {},
    "withdraw_borrow_request": {"note": "no longer needed"},
    "create_check_plan": {"year": 2026, "planned_dates": ["2026-03-01", "2026-09-01"]},
    "record_archive_check": {"plan_id": "acp_1", "checked_at": "2026-03-01T02:00:00.000Z",
                             "records_checked": 10, "records_complete": 9},
    # finance
    "create_fee_standard": {"item": "property_service", "unit_price_cents_per_m2": 235, "cycle": "monthly"},
    "start_billing_run": {"period": "2026-11"},
    "create_payment": {"household_id": "hh_1", "amount_cents": 21002, "method": "wechat"},
    "reverse_payment": {"reason": "entered twice"},
    "settle_day": {"date": LATELY, "cashier": "cashier-a"},
    "send_reminder": {"household_id": "hh_1", "channel": "phone"},
}

# A value per query filter name; RPC_FILTERS where a filter of that name takes other values on
# that list, and an openapi.yaml parameter example wins over both.
SAMPLE_FILTERS = {
    "building": "B1", "updated_since": "2026-11-01T00:00:00.5Z", "kind": "complaint", "status": "open", "household_id": "hh_1", "request_id": "sr_1",
    "subject_id": "hh_1", "subject_type": "household", "priority": "emergency", "source_type": "patrol_anomaly",
    "equipment_id": "eq_1", "system": "water", "period": "2026-11", "route_id": "proute_1",
    "unchecked_in": "2026-11", "result": "ok", "type": "fire_alarm", "plate": "沪A12345",
    "visiting_household_id": "hh_1", "visitor_id": "visitor_1", "shift": "night", "from": "2026-11-01", "to": "2026-11-30T23:59:59Z",
    "recurred_after_close": "true",
    "overdue": "true", "plan_id": "acp_1", "year": "2026", "item": "property_service", "source": "opening_balance", "journal": "cash",
    "day": "2026-11-23", "cashier": "cashier-a", "date": "2026-11-23",
    "inspection_id": "insp_1", "checklist_id": "ckl_1", "target": "equipment", "on_site": "true",
}
WORK_ORDER_FILTERS = {"status": "pending"}  # work orders have their own statuses
RPC_FILTERS = {
    "list_fire_equipment": {"kind": "extinguisher"},
    "list_vehicle_passes": {"kind": "resident"},
    "list_borrow_requests": {"status": "pending"},
    "list_fee_standards": {"status": "approved"},
    "list_bills": {"status": "unpaid"},
    "list_payments": {"status": "posted", "kind": "opening_credit"},
    "list_journal_entries": {"kind": "payment"},
    "list_inspections": {"status": "open"},
}
PATH_SAMPLES = {"<period>": "2026-11", "<incident_type>": "flooding", "<n>": "1"}  # path parameters that are not ids


def openapi_path(route):
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", route.path)


def example_body(route):
    """A body to send on ``route``: SAMPLE_BODIES, else the example openapi.yaml gives with
    the operation's request body."""
    if route.rpc in SAMPLE_BODIES:
        return SAMPLE_BODIES[route.rpc]
    operation = contracts.load().openapi["paths"][openapi_path(route)]
    return operation[route.method.lower()]["requestBody"]["content"]["application/json"]["example"]


def example_filter(route, name):
    """A value for the query filter ``name`` of ``route``."""
    operation = contracts.load().openapi["paths"][openapi_path(route)][route.method.lower()]
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == name and "example" in parameter:
            return parameter["example"]
    overrides = RPC_FILTERS.get(route.rpc) or (WORK_ORDER_FILTERS if route.service == "maintenance" else {})
    return overrides.get(name) or SAMPLE_FILTERS[name]
