"""archive routes: master data, the permanent record, the change log, borrowing and checks."""
from estate_common import job_scopes

from .. import policy
from . import ESTATE, Route

BORROW = f"{ESTATE}/archive/borrow-requests"
HOUSEHOLD = f"{ESTATE}/households/<household_id>"

ROUTES = [
    Route("POST", "/api/v1/estates", "archive", "create_estate", policy.ADMIN,
          status=201, body=True, idempotent=True),
    Route("GET", "/api/v1/estates", "archive", "list_estates", policy.STAFF, paged=True, filters=("q", "retired")),
    Route("GET", ESTATE, "archive", "get_estate", policy.STAFF),
    Route("PATCH", ESTATE, "archive", "update_estate", policy.ADMIN, body=True),
    # the estate and its households sent again to every service's read copies, by a job
    # (archive/restatements.py)
    Route("POST", f"{ESTATE}/restatements", "archive", "start_restatement",
          job_scopes.starters(job_scopes.RESTATEMENT), status=202, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/households", "archive", "create_household", policy.MASTER_DATA_EDITORS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/households", "archive", "list_households", policy.STAFF,
          paged=True, filters=("building", "unit", "room", "status", "updated_since", "sort"), custom_filters=True),
    Route("GET", f"{ESTATE}/households/<household_id>", "archive", "get_household", policy.STAFF,
          id_param="household_id"),
    # the desk's search by the phone a caller rings from: in the body, never in a URL (a log line
    # holds the path); only for whoever reads phones in full (policy.PHONE_SEARCHERS)
    Route("POST", f"{ESTATE}/households/search", "archive", "search_households", policy.PHONE_SEARCHERS,
          body=True, reads=True),
    Route("PATCH", f"{ESTATE}/households/<household_id>", "archive", "update_household",
          policy.MASTER_DATA_EDITORS, body=True, id_param="household_id"),
    # a household's people (owner, tenants, family), its status (move-in, renovation, move-out),
    # vacant-unit inspections by stewards (archive/occupants.py)
    Route("GET", f"{HOUSEHOLD}/occupants", "archive", "list_occupants", policy.STAFF, id_param="household_id",
          filters=("current",)),
    Route("POST", f"{HOUSEHOLD}/occupants", "archive", "add_occupant", policy.MASTER_DATA_EDITORS,
          status=201, body=True, idempotent=True, id_param="household_id"),
    # one of its people by id, with the list's roles (an integrator reads back what it created)
    Route("GET", f"{HOUSEHOLD}/occupants/<occupant_id>", "archive", "get_occupant", policy.STAFF,
          id_param="household_id", item_param="occupant_id"),
    Route("POST", f"{HOUSEHOLD}/occupants/<occupant_id>/leave", "archive", "end_occupant_stay",
          policy.MASTER_DATA_EDITORS, body=True, id_param="household_id", item_param="occupant_id"),
    Route("POST", f"{HOUSEHOLD}/owner-transfers", "archive", "transfer_owner", policy.MASTER_DATA_EDITORS,
          status=201, body=True, idempotent=True, id_param="household_id"),
    Route("POST", f"{HOUSEHOLD}/status-changes", "archive", "change_household_status", policy.FRONT_DESK,
          status=201, body=True, idempotent=True, id_param="household_id"),
    Route("POST", f"{HOUSEHOLD}/vacant-inspections", "archive", "record_vacant_inspection", policy.FRONT_DESK,
          status=201, body=True, idempotent=True, id_param="household_id"),
    Route("GET", f"{ESTATE}/vacant-inspections", "archive", "list_vacant_inspections", policy.FRONT_DESK,
          paged=True, filters=("household_id", "period")),
    Route("GET", f"{ESTATE}/vacant-inspections/<inspection_id>", "archive", "get_vacant_inspection",
          policy.FRONT_DESK, id_param="inspection_id"),
    # meter readings at a handover or a sale (交房抄表 / 过户抄表, archive/meter_readings.py): taken by the
    # front desk's stewards, read by them, the archive's keepers and accounts (prepaid utilities)
    Route("POST", f"{HOUSEHOLD}/meter-readings", "archive", "record_meter_reading", policy.FRONT_DESK,
          status=201, body=True, idempotent=True, id_param="household_id"),
    Route("GET", f"{ESTATE}/meter-readings", "archive", "list_meter_readings", policy.METER_READING_READERS,
          paged=True, filters=("household_id", "meter_kind", "occasion", "period")),
    Route("GET", f"{ESTATE}/meter-readings/<reading_id>", "archive", "get_meter_reading",
          policy.METER_READING_READERS, id_param="reading_id"),
    # the vacant units due an inspection (空置房定期巡察), for those who record them
    Route("GET", f"{ESTATE}/vacant-inspections/due", "archive", "vacant_inspections_due", policy.FRONT_DESK,
          paged=True, filters=("building",)),
    # takeover and handover (接管验收 / 交房): the checklist and its documents, kept in archive
    Route("POST", f"{HOUSEHOLD}/handovers", "archive", "record_handover", policy.MASTER_DATA_EDITORS,
          status=201, body=True, idempotent=True, id_param="household_id"),
    # a handover weekend's list (集中交付, 批量交房): a job of the single handovers, by who records one
    Route("POST", f"{ESTATE}/handover-batches", "archive", "start_handover_batch",
          job_scopes.starters(job_scopes.HANDOVER_BATCH), status=202, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/handovers", "archive", "list_handovers", policy.MASTER_DATA_EDITORS,
          paged=True, filters=("household_id", "kind", "outcome")),
    Route("GET", f"{ESTATE}/handovers/<handover_id>", "archive", "get_handover", policy.MASTER_DATA_EDITORS,
          id_param="handover_id"),
    # the quality defects found on taking units over (质量缺陷) and their rectification by the developer
    Route("GET", f"{ESTATE}/takeover-defects", "archive", "takeover_defects", policy.MASTER_DATA_EDITORS,
          paged=True, filters=("household_id", "status")),
    Route("GET", f"{ESTATE}/archive/records", "archive", "list_records", policy.ARCHIVE_READERS,
          paged=True, filters=("subject_id", "subject_type", "household_id", "number", "from", "to")),
    # the hash chain (services/archive/README.md): corrections are new records; verify recomputes
    Route("POST", f"{ESTATE}/archive/records/<record_id>/corrections", "archive", "correct_record",
          policy.ARCHIVES, status=201, body=True, idempotent=True, id_param="record_id"),
    Route("GET", f"{ESTATE}/archive/verify", "archive", "verify_archive", policy.ARCHIVES, filters=("from", "to")),
    # 资料归档完整率 kind by kind, for the archives' keepers (the KPI's own figure)
    Route("GET", f"{ESTATE}/archive/completeness", "archive", "archive_completeness", policy.ARCHIVES,
          filters=("period",)),
    Route("GET", f"{ESTATE}/archive/change-log", "archive", "list_change_log", policy.ARCHIVES,
          paged=True, filters=("subject_type", "subject_id", "actor", "from", "to")),
    # viewing and borrowing (查阅、借阅): anyone on the staff asks, the manager approves
    Route("POST", BORROW, "archive", "create_borrow_request", policy.STAFF, status=201, body=True, idempotent=True),
    Route("GET", BORROW, "archive", "list_borrow_requests", policy.STAFF, paged=True,
          filters=("status", "overdue", "subject_id", "requested_by", "kind", "authority_inspection", "returned_late",
                   "from", "to")),
    # a period's counts (by status, kind, late returns, inspections): the keepers' year-end totals
    Route("GET", f"{BORROW}/totals", "archive", "borrow_totals", policy.ARCHIVES, filters=("period",)),
    Route("GET", f"{BORROW}/<borrow_id>", "archive", "get_borrow_request", policy.STAFF, id_param="borrow_id"),
    # the records a borrowing opens: to the one who asked, while approved, unreturned, not overdue
    # (estate_common.archive_access: who reads which record directly)
    Route("GET", f"{BORROW}/<borrow_id>/records", "archive", "list_borrowed_records", policy.STAFF, paged=True,
          id_param="borrow_id"),
    Route("POST", f"{BORROW}/<borrow_id>/approve", "archive", "approve_borrow_request", policy.MANAGEMENT,
          body=True, id_param="borrow_id"),
    Route("POST", f"{BORROW}/<borrow_id>/reject", "archive", "reject_borrow_request", policy.MANAGEMENT,
          body=True, id_param="borrow_id"),
    # the one who asked withdraws his own while pending (the service: 403 for another's)
    Route("POST", f"{BORROW}/<borrow_id>/withdraw", "archive", "withdraw_borrow_request", policy.STAFF,
          body=True, id_param="borrow_id"),
    Route("POST", f"{BORROW}/<borrow_id>/return", "archive", "return_borrow_request", policy.ARCHIVES,
          body=True, id_param="borrow_id"),
    # the developer's handover of the estate (开发商移交): its documents and common areas, and the
    # documents its takeover still lacks; kept and read by the archives' keepers (others borrow)
    Route("POST", f"{ESTATE}/archive/estate-handovers", "archive", "record_estate_handover", policy.ARCHIVES,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/archive/estate-handovers", "archive", "list_estate_handovers", policy.ARCHIVES,
          paged=True),
    Route("GET", f"{ESTATE}/archive/estate-handovers/checklist", "archive", "estate_documents_checklist",
          policy.ARCHIVES),
    Route("GET", f"{ESTATE}/archive/estate-handovers/<handover_id>", "archive", "get_estate_handover",
          policy.ARCHIVES, id_param="handover_id"),
    # archive checks (档案检查)
    Route("POST", f"{ESTATE}/archive/check-plans", "archive", "create_check_plan", policy.ARCHIVES,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/archive/check-plans", "archive", "list_check_plans", policy.ARCHIVES,
          paged=True, filters=("year",)),
    Route("GET", f"{ESTATE}/archive/check-plans/<plan_id>", "archive", "get_check_plan", policy.ARCHIVES,
          id_param="plan_id"),
    # next year's plan asked for from the estate's days before its year ends
    Route("GET", f"{ESTATE}/archive/check-plans/reminder", "archive", "check_plan_reminder", policy.ARCHIVES),
    # a planned date to come moved (a passed one stays)
    Route("POST", f"{ESTATE}/archive/check-plans/<plan_id>/move-date", "archive", "move_check_plan_date",
          policy.ARCHIVES, body=True, id_param="plan_id"),
    Route("POST", f"{ESTATE}/archive/checks", "archive", "record_archive_check", policy.ARCHIVES,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/archive/checks", "archive", "list_archive_checks", policy.ARCHIVES,
          paged=True, filters=("plan_id",)),
    Route("GET", f"{ESTATE}/archive/checks/<check_id>", "archive", "get_archive_check", policy.ARCHIVES,
          id_param="check_id"),
    Route("GET", f"{ESTATE}/settings/archive", "archive", "get_settings", policy.ARCHIVE_SETTINGS_READERS),
    Route("PUT", f"{ESTATE}/settings/archive", "archive", "update_settings", policy.MANAGEMENT, body=True),
]
