"""Who may call what: roles (DOMAIN.md "Who uses it") grouped by department.

Every route names the roles it admits; a route that names none admits none.
"""
from estate_common import archive_access, job_scopes, personal_data, roles
from estate_common.roles import COMPLAINT_DEPARTMENT_OF_ROLE, DISPATCHERS, FINANCE, FRONT_DESK, MANAGEMENT
from estate_common.roles import EQUIPMENT_RETIRERS  # noqa: F401 (the routes': 报废 / 停用, maintenance checks it too)

ROLES = ("operator_admin", "manager", "agent", "steward", "technician",
         "security", "accountant", "cashier", "archivist",
         # 工程维修主管: held with technician, he dispatches his team's orders (estate_common.roles; h5)
         "maintenance_supervisor",
         # 秩序维护班长 and 秩序维护主管: held with security, they lead the team on duty (estate_common.roles; r7)
         "security_lead", "security_supervisor")

ADMIN = frozenset({"operator_admin"})
STAFF = frozenset(ROLES)
# the roles that work in an estate: an account of these alone holds one at least
# (``users.refuse_an_estate_role_without_estates``); the operator admin's is every estate
ESTATE_ROLES = STAFF - ADMIN
MASTER_DATA_EDITORS = FRONT_DESK | {"archivist"}
# meter readings at a handover or a sale: the front desk takes them, accounts price prepaid usage from them
METER_READING_READERS = MASTER_DATA_EDITORS | FINANCE
ENGINEERING = MANAGEMENT | {"technician"}
# 备品备件: who keeps engineering's parts store (its parts, deliveries, stocktakes): the engineering
# supervisor and the management; a technician issues and returns parts on his orders
STOREKEEPERS = MANAGEMENT | {roles.MAINTENANCE_SUPERVISOR}
# who assigns a work order (a technician to himself, a dispatcher to anyone) and lists whom to
WORK_ORDER_ASSIGNERS = ENGINEERING | DISPATCHERS
SERVICE_DESK_READERS = FRONT_DESK | {"technician"}
# who lists archive records: those that read some type directly (estate_common.archive_access);
# archive filters the list by that table, the rest is read through an approved borrow request
ARCHIVE_READERS = frozenset(archive_access.list_roles())
ARCHIVES = MANAGEMENT | {"archivist"}
# who may find a household by a phone (POST …/households/search): whoever reads owners' and
# residents' phones in full (estate_common.personal_data): one who reads them masked would learn by
# a search whose number it is
PHONE_SEARCHERS = frozenset(role for role in ROLES if all(
    personal_data.sees_in_full(kind, [role]) for kind in (personal_data.OWNER_PHONE, personal_data.RESIDENT_PHONE)))
SECURITY = MANAGEMENT | {"security"}
# goods release passes (物品放行条): the desk issues them, the guard at the gate reads and uses them
GOODS_PASS_READERS = FRONT_DESK | SECURITY
# damage claims (损失登记、理赔): the desk registers and follows them, a manager decides who is
# responsible and records the payments; accounts read them (the compensation the operator paid)
DAMAGE_CLAIM_READERS = FRONT_DESK | FINANCE
DAMAGE_CLAIM_DECIDERS = MANAGEMENT
# the cleaning and greening contractors' checks (环境卫生 / 绿化养护品质检查): the steward and the desk walk
# and record the findings, the fix and the recheck; the manager sets the contractors and signs their
# months; accounts read them (the fee less the deduction is theirs to pay)
UPKEEP_READERS = FRONT_DESK | FINANCE
UPKEEP_MANAGERS = MANAGEMENT
# paid value-added services (有偿增值服务): the manager sets the price list, the desk takes the orders,
# the accounts read both (the charges they bill)
PAID_SERVICE_READERS = FRONT_DESK | FINANCE
PAID_SERVICE_PRICERS = MANAGEMENT

ALL_ESTATES = "*"


def estates_of(user):
    """The estate scope a token carries: the operator admin sees every estate."""
    return [ALL_ESTATES] if "operator_admin" in user["roles"] else list(user["estate_ids"])


# an estate's KPIs (GET …/estates/{id}/kpis): the management's, every one; a department's keeper reads
# those of his own work, asked of its service alone, and no other's, nor staff turnover, nor the view
# of every estate: the archivist the archive's (its check plan and checks, its completeness), the
# steward his monthly owner contacts (业主月度联系率); both got a 403 on every KPI.
# the security supervisor (the security role) his department's: patrol completion, fire-check
# completion, the year's drills, the major incidents (he got a 403 on his own month's report: a probe
# of the security guard's shift and the supervisor's week)
# {role: {service: the KPI names shown, None for every one of the service's}}
OWN_KPIS = {"archivist": {"archive": None},
            "steward": {"customer_service": frozenset({"owner_contact_rate"})},
            "security": {"security_patrol": None}}
ESTATE_KPI_READERS = MANAGEMENT | frozenset(OWN_KPIS)


def kpis_shown(roles):
    """The KPIs of an estate ``roles`` read: None, every one (management); else ``{service: names
    or None}`` from ``OWN_KPIS``, each role's joined."""
    if set(roles) & MANAGEMENT:
        return None
    shown = {}
    for role in sorted(set(roles) & set(OWN_KPIS)):
        for service, names in OWN_KPIS[role].items():
            kept = shown.get(service, frozenset())
            shown[service] = None if names is None or (service in shown and kept is None) else kept | names
    return shown


def roles_named(roles):
    """A route's roles as its 403 names them (``access.authorize``): their codes in alphabetical
    order, the last after "or" ("accountant, manager or operator_admin"), as the console's
    catalogue reads a list of labels."""
    *others, last = sorted(roles)
    return f"{', '.join(others)} or {last}" if others else last


# finance: the accountant sets fee standards and runs billing (approval: MANAGEMENT); the
# cashier takes payments, reverses them and settles the day; stewards and the front desk
# chase arrears (催缴) with the finance staff.
FEE_SETTERS = MANAGEMENT | {"accountant"}
CASHIERS = MANAGEMENT | {"cashier"}
# a day's settlement (日结): the cashier's own, a manager's of anyone's; the accountant's of a day
# left unsettled past recorded_within_days (a late settlement: finance refuses the accountant any
# other day). A day nobody settled in time could be settled by nobody (a domain-gap audit).
SETTLERS = CASHIERS | {"accountant"}
# 公共收益's receipts (money in, booked in the receiver's journal): the cashier who takes an advertiser's transfer or
# the recycling company's cash, as he takes owners' payments, and the accountant and management who register the
# contracts (found by r9 reviewing h9: the cashier holding the money could not record it)
REVENUE_RECEIVERS = CASHIERS | FEE_SETTERS
COLLECTORS = FINANCE | {"steward", "agent"}

# security and fire safety (issue 14): every guard (the security role: supervisor, team lead,
# guard) reads the emergency plans and records drills, fire-lane checks and the duty roster;
# an estate's own emergency plans are the manager's (DOMAIN.md: the manager handles what
# escalates, so the manager decides how it escalates).
EMERGENCY_PLAN_EDITORS = MANAGEMENT
# security patrol's settings (the late tolerance, the shifts' hours, the fire checks' cycle): every
# guard reads the numbers his rounds and checks are judged by; a manager changes them, as every
# service's (the supervisor could read none: a probe of the security department's day)
SECURITY_SETTINGS_READERS = SECURITY
# archive's settings (the checks a year, the plan's due days, the borrowing days): the archivist reads
# the numbers the archive's rules are judged by; a manager changes them (the archivist got a 403)
ARCHIVE_SETTINGS_READERS = ARCHIVES
# a month's parking at the gate totalled: the accountant sets its cash against finance's journal
PARKING_TOTALS_READERS = SECURITY | {"accountant"}
# a stay whose exit was missed closed without its fee: the manager's (security patrol's gate checks the same group)
PARKING_CLOSERS_WITHOUT_FEE = roles.PARKING_CLOSERS_WITHOUT_FEE
INCIDENT_CLASSIFIERS = MANAGEMENT  # the guard's call whether an incident is major, corrected
# the security team's month on duty (h7): the roll calls, spot checks and discipline records are the team
# lead's and the supervisor's, the trainings and assessments the supervisor's (roles of their own, held
# with security: any guard took the roll call and assessed himself, found by review r7 of h7), the
# operator admin above them; the manager reads them, as the guards do
SECURITY_TEAM_RECORDERS = roles.SECURITY_TEAM_LEADERS
SECURITY_ASSESSORS = roles.SECURITY_ASSESSORS
SECURITY_TEAM_READERS = SECURITY

# the complaint analysis and its rectification plans (issue 14): the manager's (DOMAIN.md: the
# manager handles major complaints and sees the KPIs; the desk registers, the manager analyses).
COMPLAINT_ANALYSTS = MANAGEMENT
# the complaint results: the manager's, and a department's own reader's of those about it (the security
# supervisor, security's: estate_common.roles.COMPLAINT_DEPARTMENT_OF_ROLE; the service narrows them)
COMPLAINT_RESULT_READERS = COMPLAINT_ANALYSTS | frozenset(COMPLAINT_DEPARTMENT_OF_ROLE)
RECTIFICATION_PLANNERS = MANAGEMENT

# an estate's custom fields (issue 13): the manager's, as its settings are
CUSTOM_FIELD_EDITORS = MANAGEMENT
# outgoing webhooks (issue 13): a subscription sends the estate's events to an outside system,
# so only those who answer for the estate (the manager) and the operator admin set them up.
WEBHOOK_ADMINS = MANAGEMENT

# -- the routes the gateway answers itself ------------------------------------------------
# (a forwarded route names its roles in ``routes/<service>.py``; ``access.policy_table`` joins
# both: the one table of who may call what, that the access-matrix test and the README's roles
# table are checked against). Keys: (method, Flask rule). A view finds its roles here through
# ``access.authorize_route``, so a route missing from this table admits nobody.

PUBLIC_ROUTES = frozenset({
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/docs"), ("GET", "/api/docs/assets/<path:filename>"), ("POST", "/api/v1/auth/token"),
    # the owner portal (routes/customer_service.py, public=True): rate limited, see public.py
    ("GET", "/api/v1/public/estates/<estate_code>"), ("POST", "/api/v1/public/estates/<estate_code>/requests"),
    ("GET", "/api/v1/public/estates/<estate_code>/notices"),  # the notice board: what a board shows
    ("GET", "/api/v1/public/estates/<estate_code>/activities"),  # 社区文化活动 to come: what a board shows
    ("GET", "/api/v1/public/requests/<tracking_code>"),
    ("POST", "/api/v1/public/requests/<tracking_code>/rating"),
    ("GET", "/api/v1/public/estates/<estate_code>/disclosures"),  # owners: the list of those published
    ("GET", "/api/v1/public/estates/<estate_code>/disclosures/<period>"),  # owners: published figures only
    ("GET", "/api/v1/public/estates/<estate_code>/fee-standards"),  # owners: the standards in force and to come
    ("GET", "/api/v1/public/accounts/<access_code>"),  # an owner's statement link: their household's bills
    ("GET", "/portal/<estate_code>"),  # the owner portal's page: sent on to the console's (portal_qr.py)
    ("GET", "/portal/<estate_code>/disclosures/<period>"),  # its page of a published disclosure, likewise
})

# what a user whose password an operator admin reset may still do until they change it
# (``users.must_change_password``): every other route answers 403 ``password_change_required``
WHILE_PASSWORD_CHANGE_REQUIRED = frozenset({
    ("GET", "/api/v1/users/me"), ("POST", "/api/v1/users/me/password"), ("DELETE", "/api/v1/auth/token"),
})

# what only an API key calls, every role a key may hold named in the table: a person signed in,
# whatever their roles, is a 403 (``api_keys.own``; tests/security's matrix expects it)
KEY_ONLY = frozenset({("GET", "/api/v1/api-keys/me")})

# the staff's own work, refused to an API key whatever its roles (an integrator's program: an owner app's key
# holds ``agent`` for its owner's requests, sign-ups and payments, and with it planned, moved and cancelled
# the estate's activities, took their attendance, and assigned and completed paid services' orders, found
# by session 61): a key calls the rest of its roles' routes. Keys: (method, Flask rule), forwarded routes'
PEOPLE_ONLY = frozenset({
    # 社区文化活动: an owner app signs its household up, gives the sign-up up, rates, reads; the desk, a
    # steward or the manager plans and runs the activity
    ("POST", "/api/v1/estates/<estate_id>/activities"),
    ("POST", "/api/v1/estates/<estate_id>/activities/<activity_id>/move"),
    ("POST", "/api/v1/estates/<estate_id>/activities/<activity_id>/cancel"),
    ("POST", "/api/v1/estates/<estate_id>/activities/<activity_id>/capacity"),
    ("POST", "/api/v1/estates/<estate_id>/activities/<activity_id>/attendance"),
    # 有偿增值服务: an owner app orders and reads; the price list, an order's assignment and completion are staff's
    ("POST", "/api/v1/estates/<estate_id>/paid-services"),
    ("PATCH", "/api/v1/estates/<estate_id>/paid-services/<service_id>"),
    ("POST", "/api/v1/estates/<estate_id>/service-orders/<order_id>/assign"),
    ("POST", "/api/v1/estates/<estate_id>/service-orders/<order_id>/complete"),
})

GATEWAY_ROUTES = {
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users/<user_id>"): ADMIN,
    ("PATCH", "/api/v1/users/<user_id>"): ADMIN,
    ("POST", "/api/v1/users/<user_id>/password"): ADMIN,  # another user's, reset (one who forgot theirs)
    ("GET", "/api/v1/users/me"): STAFF,  # people only: an API key has no account
    ("POST", "/api/v1/users/me/password"): STAFF,
    ("DELETE", "/api/v1/auth/token"): STAFF,  # signs this token out
    ("POST", "/api/v1/auth/token/refresh"): STAFF,  # a new token of the same sign-in (not for a key)
    ("POST", "/api/v1/api-keys"): ADMIN,
    ("GET", "/api/v1/api-keys"): ADMIN,
    ("GET", "/api/v1/api-keys/<key_id>"): ADMIN,  # one key, as the list shows it
    ("PATCH", "/api/v1/api-keys/<key_id>"): ADMIN,
    ("DELETE", "/api/v1/api-keys/<key_id>"): ADMIN,
    ("GET", "/api/v1/api-keys/me"): STAFF,  # a key's own record (api_keys.own); a person is sent to /users/me
    # an estate retired (its contract ended) or reinstated (retirements.py)
    ("POST", "/api/v1/estates/<estate_id>/retire"): ADMIN,
    ("POST", "/api/v1/estates/<estate_id>/reinstate"): ADMIN,
    ("GET", "/api/v1/kpis"): MANAGEMENT,
    ("GET", "/api/v1/estates/<estate_id>/kpis"): ESTATE_KPI_READERS,  # then what each reads: kpis_shown
    ("GET", "/api/v1/estates/<estate_id>/reports/staff"): MANAGEMENT,  # who staff turnover counts
    # the closed records of a kind the archive lacks (completeness.py): the archives' keepers, as its rate
    ("GET", "/api/v1/estates/<estate_id>/archive/completeness/missing"): ARCHIVES,
    # an occupant's request to see what is held about him (PIPL art. 45; subject_access.py): the
    # archives answer it (estate_common.personal_data.ANSWER_SUBJECT_REQUESTS), each service checks again
    ("POST", "/api/v1/estates/<estate_id>/personal-data/search"): personal_data.ANSWER_SUBJECT_REQUESTS,
    # the manager's Monday view of a night's incident (incident_overview.py): its orders, their cost,
    # the calls that joined them and its notices; each service checks the caller again
    ("GET", "/api/v1/estates/<estate_id>/incidents/<incident_id>/overview"): MANAGEMENT,
    # the handover package at a contract's end (物业撤场交接 / 移交清单, estate_handover.py): the estate's
    # manager and the operator admin; each service checks the caller again
    ("GET", "/api/v1/estates/<estate_id>/handover"): MANAGEMENT,
    # 跨小区事件 (incidents_across.py): the incidents of every estate of the caller's, whoever lists an
    # estate's (a guard his own estates'); security patrol checks each estate again
    ("GET", "/api/v1/incidents"): SECURITY,
    # 跨小区投诉分析 (complaints_across.py): each estate's complaint analysis, whoever reads an estate's;
    # customer service checks each estate again
    ("GET", "/api/v1/reports/complaints"): COMPLAINT_ANALYSTS,
    # 结转下期欠费 across estates (arrears_across.py): who reads an estate's reconciliation; finance
    # checks each estate again
    ("GET", "/api/v1/reports/arrears-carried-out"): FINANCE,
    # 防台通知 to several estates at once (notices_across.py): the operator admin, or a manager of
    # every estate named (each checked as its estate route checks it)
    ("POST", "/api/v1/notices"): MANAGEMENT,
    # 防汛防台准备检查表 to several estates at once (checklists_across.py): who writes an estate's checklist
    ("POST", "/api/v1/checklists"): MANAGEMENT,
    # then the job's kind decides (estate_common.job_scopes): a role that may not read it gets 404
    ("GET", "/api/v1/jobs/<job_id>"): STAFF,
    ("POST", "/api/v1/estates/<estate_id>/households/import"): job_scopes.starters(job_scopes.HOUSEHOLD_IMPORT),
    ("POST", "/api/v1/estates/<estate_id>/opening-balances/import"): job_scopes.starters(
        job_scopes.OPENING_BALANCE_IMPORT),
    ("POST", "/api/v1/estates/<estate_id>/opening-credits/import"): job_scopes.starters(
        job_scopes.OPENING_CREDIT_IMPORT),
    ("POST", "/api/v1/estates/<estate_id>/equipment/import"): job_scopes.starters(job_scopes.EQUIPMENT_IMPORT),
    # 批量交房 from a spreadsheet: who records a handover (job_scopes.HANDOVER_BATCH)
    ("POST", "/api/v1/estates/<estate_id>/handovers/import"): job_scopes.starters(job_scopes.HANDOVER_BATCH),
    ("POST", "/api/v1/estates/<estate_id>/bank-statements/import"): job_scopes.starters(
        job_scopes.BANK_STATEMENT_IMPORT),
    # custom fields (gateway/custom_fields.py routes them by resource): the manager defines them,
    # every staff role reads them (the forms of the four resources need them)
    ("GET", "/api/v1/estates/<estate_id>/custom-fields"): STAFF,
    ("POST", "/api/v1/estates/<estate_id>/custom-fields"): CUSTOM_FIELD_EDITORS,
    ("PATCH", "/api/v1/estates/<estate_id>/custom-fields/<resource>/<key>"): CUSTOM_FIELD_EDITORS,
    ("DELETE", "/api/v1/estates/<estate_id>/custom-fields/<resource>/<key>"): CUSTOM_FIELD_EDITORS,
    # printable QR codes of the owner portal: whoever puts up the estate's notices
    ("GET", "/api/v1/estates/<estate_id>/portal-qr"): FRONT_DESK,
    ("GET", "/api/v1/estates/<estate_id>/technicians"): WORK_ORDER_ASSIGNERS,  # whom an order may be assigned to
    ("GET", "/api/v1/estates/<estate_id>/desk-colleagues"): FRONT_DESK,  # whom a request may be handed over to
    # whom a paid service's order may be assigned to: the assignment's roles (routes/customer_service.py)
    ("GET", "/api/v1/estates/<estate_id>/service-staff"): FRONT_DESK,
    # whom a duty assignment, a patrol round or a shift handover may name: the roles of those three
    # routes (routes/security_patrol.py)
    ("GET", "/api/v1/estates/<estate_id>/guards"): SECURITY,
    # exports: then the resource decides (job_scopes.EXPORT_READERS: the roles of its list route)
    ("POST", "/api/v1/estates/<estate_id>/exports"): frozenset().union(*job_scopes.EXPORT_READERS.values()),
    ("GET", "/api/v1/estates/<estate_id>/exports/<job_id>/file"): frozenset().union(*job_scopes.EXPORT_READERS.values()),
}
