"""maintenance routes: work orders, the equipment ledger and plans, costs, renovation reviews.

Work-order steps are engineering's (technician, manager, operator admin); the front desk
reads, dispatches (assigns an order to a technician: DOMAIN.md's "dispatcher") and may also
record the occupant's consent (taken by phone or at the desk).
Budgets and settings are the manager's.
"""
from .. import assignees, policy
from . import ESTATE, Route

READERS = policy.ENGINEERING | policy.FRONT_DESK
# the security department reads the orders its findings opened (a patrol's anomaly, a fire check's
# defect, an incident's emergency repair) to follow them; maintenance narrows it to those
# (domain.readable_filters)
ORDER_READERS = READERS | policy.SECURITY
ORDER = f"{ESTATE}/work-orders/<work_order_id>"
# the equipment ledger and its records, read by the archivist too: the archive keeps the equipment archives
# (DOMAIN.md "Archive") and he hands a lift's records (电梯维修记录) to the inspector; he writes none (h5)
LEDGER_READERS = READERS | {"archivist"}
# the spare parts store: engineering, and accounts (what engineering's stock is worth)
PARTS_READERS = policy.ENGINEERING | policy.FINANCE


def _step(action, rpc, roles=policy.ENGINEERING, facts=None, idempotent=None):
    return Route("POST", f"{ORDER}/{action}", "maintenance", rpc, roles, body=True, id_param="work_order_id",
                 facts=facts, idempotent=idempotent)


ROUTES = [
    Route("GET", f"{ESTATE}/work-orders", "maintenance", "list_work_orders", ORDER_READERS,
          paged=True, filters=("request_id", "status", "priority", "source_type", "source_id", "equipment_id",
                                  "inspection_id", "number", "technician", "helper", "overdue", "promise_overdue",
                                  "technician_left", "helper_left", "exclude_source_type", "completed_in", "cost_category", "open",
                                  "cost_system",
                                  "updated_since"),
          custom_filters=True),
    # the open orders counted (the engineering board's team load), for the board's readers: security
    # reads its findings' orders alone and has no board
    Route("GET", f"{ESTATE}/work-orders/counts", "maintenance", "count_work_orders", READERS),
    # a month's emergencies (抢险) with their response judged and their incident summary, for the board's readers
    Route("GET", f"{ESTATE}/emergency-repairs", "maintenance", "emergency_month", READERS, filters=("period",)),
    Route("GET", ORDER, "maintenance", "get_work_order", ORDER_READERS, id_param="work_order_id"),
    _step("assign", "assign_work_order", policy.WORK_ORDER_ASSIGNERS, facts=assignees.technician_fact),
    _step("appoint", "appoint_work_order"),
    _step("reappoint", "reappoint_work_order"),
    _step("start", "start_work_order"),
    _step("quote", "quote_work_order"),
    _step("consent", "consent_work_order", policy.ENGINEERING | policy.FRONT_DESK),
    # the sign-off raises the charge (money): a retry with its key answers the first sign-off
    _step("complete", "complete_work_order", idempotent=True),
    _step("request-help", "request_help"),
    # 待料: a started job waits for parts or for the occupant, and is resumed (maintenance's domain.hold)
    _step("hold", "hold_work_order"),
    _step("resume", "resume_work_order"),
    # 协助: a second technician on the order, looked up as an assignment's (maintenance's domain.add_helper)
    _step("add-helper", "add_helper", facts=assignees.technician_fact),
    _step("mark-emergency", "mark_emergency"),
    # the piece an open order is about (a breakdown's lift): who dispatches it or works it (domain.check_hands)
    _step("equipment", "set_work_order_equipment", policy.WORK_ORDER_ASSIGNERS),
    _step("cancel", "cancel_work_order", policy.MANAGEMENT),
    _step("custom", "set_work_order_custom"),  # custom values: orders come from events with none

    Route("POST", f"{ESTATE}/equipment", "maintenance", "create_equipment", policy.ENGINEERING,
          status=201, body=True, idempotent=True),
    # certificate_due=true: the annual inspection certificates (年检合格证) due within the estate's warning days
    Route("GET", f"{ESTATE}/equipment", "maintenance", "list_equipment", LEDGER_READERS, paged=True,
          filters=("system", "out_of_service", "retired", "certificate_expires_before", "certificate_due"), custom_filters=True),
    # the lifts by code and location alone: the incident form's picker, for security, who reads no ledger (h5)
    Route("GET", f"{ESTATE}/lifts", "maintenance", "list_lifts", ORDER_READERS, paged=True),
    # records=none: its details without the ledger, which its records' pages read
    Route("GET", f"{ESTATE}/equipment/<equipment_id>", "maintenance", "get_equipment", LEDGER_READERS,
          id_param="equipment_id", filters=("records",)),
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/custom", "maintenance", "set_equipment_custom",
          policy.ENGINEERING, body=True, id_param="equipment_id"),
    # 年检合格证: this year's inspection certificate over the last one's
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/certificate", "maintenance", "set_equipment_certificate",
          policy.ENGINEERING, body=True, id_param="equipment_id"),
    # one recorded on the wrong piece, moved to its own (that piece has it, this one none: h6)
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/certificate/move", "maintenance", "move_equipment_certificate",
          policy.ENGINEERING, body=True, id_param="equipment_id"),
    # 停运: a piece out of service (by hand or for an open order) and back
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/out-of-service", "maintenance", "take_equipment_out_of_service",
          policy.ENGINEERING, body=True, id_param="equipment_id"),
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/back-in-service", "maintenance", "return_equipment_to_service",
          policy.ENGINEERING, body=True, id_param="equipment_id"),
    # 报废 / 停用: a piece retired for good from a day, by the engineering manager (maintenance's ledger.retired)
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/retire", "maintenance", "retire_equipment",
          policy.EQUIPMENT_RETIRERS, body=True, id_param="equipment_id"),
    Route("POST", f"{ESTATE}/equipment/<equipment_id>/records", "maintenance", "add_equipment_record",
          policy.ENGINEERING, status=201, body=True, id_param="equipment_id", idempotent=True),
    # a page of its records: a long ledger's way through, for the readers of the equipment
    Route("GET", f"{ESTATE}/equipment/<equipment_id>/records", "maintenance", "list_equipment_records", LEDGER_READERS,
          paged=True, id_param="equipment_id", filters=("kind", "from", "to", "newest_first")),
    # the estate's ledger across its pieces (or one's): the list an export of equipment_records filters as
    # (电梯维修记录 for the inspector: a probe of a lift's year)
    Route("GET", f"{ESTATE}/equipment-records", "maintenance", "list_estate_equipment_records", LEDGER_READERS,
          paged=True, filters=("equipment_id", "kind", "from", "to", "newest_first")),
    Route("POST", f"{ESTATE}/maintenance-plans", "maintenance", "create_maintenance_plan", policy.ENGINEERING,
          status=201, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/maintenance-plans/<plan_id>/stop", "maintenance", "stop_maintenance_plan",
          policy.MANAGEMENT, body=True, id_param="plan_id"),
    Route("GET", f"{ESTATE}/maintenance-plans", "maintenance", "list_maintenance_plans", READERS,
          paged=True, filters=("equipment_id",)),
    # a month of preventive maintenance: each plan's due dates and what became of each (the board's
    # readers; security reads its findings' orders alone)
    Route("GET", f"{ESTATE}/preventive-maintenance", "maintenance", "preventive_month", READERS, filters=("period",)),

    # inspection checklists (巡检表): the manager writes them, engineering inspects with them
    Route("POST", f"{ESTATE}/checklists", "maintenance", "create_checklist", policy.MANAGEMENT,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/checklists", "maintenance", "list_checklists", READERS, paged=True, filters=("target",)),
    Route("GET", f"{ESTATE}/checklists/<checklist_id>", "maintenance", "get_checklist", READERS,
          id_param="checklist_id"),
    # edited by the manager until it is used (an operator's 防汛防台 checklist made the estate's own)
    Route("PATCH", f"{ESTATE}/checklists/<checklist_id>", "maintenance", "update_checklist", policy.MANAGEMENT,
          body=True, id_param="checklist_id"),
    Route("POST", f"{ESTATE}/inspections", "maintenance", "open_inspection", policy.ENGINEERING,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/inspections", "maintenance", "list_inspections", READERS, paged=True,
          filters=("status", "checklist_id", "equipment_id")),
    Route("GET", f"{ESTATE}/inspections/<inspection_id>", "maintenance", "get_inspection", READERS,
          id_param="inspection_id"),
    Route("POST", f"{ESTATE}/inspections/<inspection_id>/complete", "maintenance", "complete_inspection",
          policy.ENGINEERING, body=True, id_param="inspection_id"),

    # the spare parts store (备品备件, maintenance's parts.py): the supervisor keeps it (parts, deliveries,
    # the stocktake), engineering issues parts to its orders and returns what was not used; accounts read it
    Route("POST", f"{ESTATE}/parts", "maintenance", "create_part", policy.STOREKEEPERS, status=201, body=True,
          idempotent=True),
    Route("GET", f"{ESTATE}/parts", "maintenance", "list_parts", PARTS_READERS, paged=True, filters=("below_minimum",)),
    Route("GET", f"{ESTATE}/parts/<part_id>", "maintenance", "get_part", PARTS_READERS, id_param="part_id"),
    Route("GET", f"{ESTATE}/parts/<part_id>/movements", "maintenance", "list_part_movements", PARTS_READERS,
          paged=True, filters=("kind", "newest_first"), id_param="part_id"),
    Route("PATCH", f"{ESTATE}/parts/<part_id>", "maintenance", "update_part", policy.STOREKEEPERS, body=True,
          id_param="part_id"),
    Route("POST", f"{ESTATE}/parts/<part_id>/receipts", "maintenance", "receive_part", policy.STOREKEEPERS,
          body=True, id_param="part_id", idempotent=True),
    Route("POST", f"{ESTATE}/parts/<part_id>/issues", "maintenance", "issue_part", policy.ENGINEERING,
          body=True, id_param="part_id", idempotent=True),
    Route("POST", f"{ESTATE}/parts/<part_id>/returns", "maintenance", "return_part", policy.ENGINEERING,
          body=True, id_param="part_id", idempotent=True),
    Route("POST", f"{ESTATE}/parts/<part_id>/counts", "maintenance", "count_part", policy.STOREKEEPERS,
          body=True, id_param="part_id", idempotent=True),

    Route("PUT", f"{ESTATE}/budgets/<period>", "maintenance", "set_budget", policy.MANAGEMENT,
          body=True, id_param="period"),
    Route("GET", f"{ESTATE}/costs", "maintenance", "get_costs", policy.ENGINEERING, filters=("period",)),

    Route("GET", f"{ESTATE}/renovation-reviews", "maintenance", "list_renovation_reviews", READERS,
          paged=True, filters=("status",)),
    Route("GET", f"{ESTATE}/renovation-reviews/<review_id>", "maintenance", "get_renovation_review", READERS,
          id_param="review_id"),
    Route("POST", f"{ESTATE}/renovation-reviews/<review_id>/decide", "maintenance", "decide_renovation_review",
          policy.ENGINEERING, body=True, id_param="review_id"),

    Route("GET", f"{ESTATE}/settings/maintenance", "maintenance", "get_settings", policy.MANAGEMENT),
    Route("PUT", f"{ESTATE}/settings/maintenance", "maintenance", "update_settings", policy.MANAGEMENT, body=True),
    # one record of a list by its id, with the list's roles (an integrator reads back what it created)
    Route("GET", f"{ESTATE}/maintenance-plans/<plan_id>", "maintenance", "get_maintenance_plan", READERS,
          id_param="plan_id"),
    Route("GET", f"{ESTATE}/equipment/<equipment_id>/records/<record_id>", "maintenance", "get_equipment_record",
          LEDGER_READERS, id_param="equipment_id", item_param="record_id"),
]
