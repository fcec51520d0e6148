"""Who may call what: roles (DOMAIN.md "Who uses it") grouped by department.

Every route names the roles it admits; a route that names none admits none.
"""
ROLES = ("operator_admin", "manager", "agent", "steward", "technician",
         "security", "accountant", "cashier", "archivist")

ADMIN = frozenset({"operator_admin"})
MANAGEMENT = ADMIN | {"manager"}
STAFF = frozenset(ROLES)
FRONT_DESK = MANAGEMENT | {"agent", "steward"}
MASTER_DATA_EDITORS = FRONT_DESK | {"archivist"}
ENGINEERING = MANAGEMENT | {"technician"}
SERVICE_DESK_READERS = FRONT_DESK | {"technician"}
ARCHIVE_READERS = MANAGEMENT | {"archivist", "agent"}
ARCHIVES = MANAGEMENT | {"archivist"}
FINANCE = MANAGEMENT | {"accountant", "cashier"}
SECURITY = MANAGEMENT | {"security"}

ALL_ESTATES = "*"


def estates_of(user):
    """The estate scope a token carries: the operator admin sees every estate."""
    return [ALL_ESTATES] if "operator_admin" in user["roles"] else list(user["estate_ids"])

# finance: the accountant sets fee standards and runs billing (approval: MANAGEMENT); the
# cashier takes payments, reverses them and settles the day; stewards and the front desk
# chase arrears (催缴) with the finance staff.
FEE_SETTERS = MANAGEMENT | {"accountant"}
CASHIERS = MANAGEMENT | {"cashier"}
COLLECTORS = FINANCE | {"steward", "agent"}

# security and fire safety (issue 14): every guard (the security role: supervisor, team lead,
# guard) reads the emergency plans and records drills, fire-lane checks and the duty roster;
# an estate's own emergency plans are the manager's (DOMAIN.md: the manager handles what
# escalates, so the manager decides how it escalates).
EMERGENCY_PLAN_EDITORS = MANAGEMENT
