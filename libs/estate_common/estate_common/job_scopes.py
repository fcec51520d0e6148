"""Who may start and who may read each kind of background job: the one table of it.

A job's params and result carry what its kind works on: a household import's rows
errors, a billing run's totals. Reading a job is therefore granted per kind, like the
routes of the work itself, not to every staff member. The gateway checks it on the
routes that start jobs and on ``GET /api/v1/jobs/{id}``; the service checks it again
(``estate_common.jobs.visible`` and ``require_may_start``). A job its caller may not read
is answered 404, as one of another estate is: its existence is not revealed.

A kind not in the table is started and read by nobody (deny by default). Role names as in
DOMAIN.md "Who uses it" (``gateway.policy.ROLES``).
"""
from .roles import FINANCE, FRONT_DESK, MANAGEMENT

SECURITY = MANAGEMENT | {"security"}  # the security department's lists (gateway.policy.SECURITY)

BILLING_RUN = "billing_run"
HOUSEHOLD_IMPORT = "household_import"
OPENING_BALANCE_IMPORT = "opening_balance_import"
OPENING_CREDIT_IMPORT = "opening_credit_import"  # 期初预收: those who carry the opening balances over
RESTATEMENT = "restatement"
EQUIPMENT_IMPORT = "equipment_import"
BANK_STATEMENT_IMPORT = "bank_statement_import"  # 银行对账: the estate account's statement, matched by the accountant
HANDOVER_BATCH = "handover_batch"  # 批量交房: a handover weekend's flats handed to their owners (archive/handover_batches.py)


# Exports (estate_common.exports): whoever may read a resource's list may export it and read
# the export (its job and its file); the same roles as the list route, which
# gateway/tests/test_export_scopes.py checks against the route table.
EXPORT_READERS = {
    "households": FRONT_DESK | {"technician", "security", "accountant", "cashier", "archivist",
                                "maintenance_supervisor", "security_lead", "security_supervisor"},
    "service_requests": FRONT_DESK | {"technician"},
    "work_orders": FRONT_DESK | {"technician", "security"},  # security: its findings' orders (maintenance narrows)
    "bills": FINANCE | {"agent", "steward"},
    "payments": FINANCE,
    "arrears": FINANCE | {"agent", "steward"},
    # the security department's records: the guards and the estate's managers (the lists' routes), the
    # visitors the front desk registers too (found by a probe of the security guard's shift)
    "patrol_rounds": SECURITY,
    "incidents": SECURITY,
    "visitors": SECURITY | FRONT_DESK,
    "shift_handovers": SECURITY,
    "fire_inspections": SECURITY,
    # the steward's records, the front desk's lists (a probe of the steward's month): her owner contacts
    # (业主走访/联系记录) and vacant-unit inspections (空置房巡查)
    "owner_contacts": FRONT_DESK,
    "vacant_inspections": FRONT_DESK,
    # meter readings at a handover or a sale (交房抄表 / 过户抄表): their list's roles, those who keep the
    # flats' records and accounts, who price a prepaid usage from them
    "meter_readings": FRONT_DESK | FINANCE | {"archivist"},
    # the equipment ledger's records (电梯维修记录 for the inspector, a probe of a lift's year): the readers of
    # the equipment, engineering, the front desk and the archivist, who keeps the equipment archives (h5)
    "equipment_records": FRONT_DESK | {"technician", "archivist"},
}

JOB_SCOPES = {
    # finance: the accountant runs billing; the cashier follows it (both read the totals)
    BILLING_RUN: {"start": MANAGEMENT | {"accountant"},
                  "read": MANAGEMENT | {"accountant", "cashier"}},
    # archive: master-data editors import owner lists; the result names rows of owners' data
    HOUSEHOLD_IMPORT: {"start": MANAGEMENT | {"agent", "steward", "archivist"},
                       "read": MANAGEMENT | {"agent", "steward", "archivist"}},
    # finance: who carries opening balances over one by one (policy.FEE_SETTERS) imports a list of them; the
    # result names lines and fields, never a cell's value
    OPENING_BALANCE_IMPORT: {"start": MANAGEMENT | {"accountant"}, "read": MANAGEMENT | {"accountant"}},
    OPENING_CREDIT_IMPORT: {"start": MANAGEMENT | {"accountant"}, "read": MANAGEMENT | {"accountant"}},
    # finance: the accountant's bank statement matching (银行对账); the result names lines and fields only
    BANK_STATEMENT_IMPORT: {"start": MANAGEMENT | {"accountant"}, "read": MANAGEMENT | {"accountant"}},
    # maintenance: the equipment ledger from a CSV register, by those who register equipment (ENGINEERING)
    EQUIPMENT_IMPORT: {"start": MANAGEMENT | {"technician"}, "read": MANAGEMENT | {"technician"}},
    # archive: a handover weekend's batch (批量交房), by who records a handover one by one (the handover route's
    # policy.MASTER_DATA_EDITORS: the front desk, the stewards, the archivist, management); the result names
    # rows, fields and reasons, never a value
    HANDOVER_BATCH: {"start": FRONT_DESK | {"archivist"}, "read": FRONT_DESK | {"archivist"}},
    # archive: the operator's admin sends an estate's copies again (archive/restatements.py)
    RESTATEMENT: {"start": {"operator_admin"}, "read": {"operator_admin"}},
    # exports: one kind per resource, started and read by the readers of the resource's list
    **{f"export_{resource}": {"start": roles, "read": roles} for resource, roles in EXPORT_READERS.items()},
}


def starters(kind):
    """The roles that may start jobs of ``kind``."""
    return frozenset(JOB_SCOPES.get(kind, {}).get("start", ()))


def readers(kind):
    """The roles that may read jobs of ``kind``."""
    return frozenset(JOB_SCOPES.get(kind, {}).get("read", ()))


def may_start(kind, roles):
    return bool(starters(kind) & set(roles or ()))


def may_read(kind, roles):
    return bool(readers(kind) & set(roles or ()))
