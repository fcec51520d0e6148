"""Role groups the services share (role names as in DOMAIN.md "Who uses it"; the gateway's own
table of who may call which route is ``gateway.policy``), and the four-eyes rule of approvals."""
from .errors import BusinessRuleViolation, Forbidden, field_error

OPERATOR_ADMIN = "operator_admin"

# the service center's manager and the operator admin above every estate: they decide, approve and
# step in where a department's own staff may not (settings, custom fields, another's work order...)
MANAGEMENT = frozenset({"operator_admin", "manager"})

# the front desk (客服) and the stewards (管家) with management: who serves the households and reads
# their files
FRONT_DESK = MANAGEMENT | {"agent", "steward"}

# the maintenance supervisor (工程维修主管, DOMAIN.md "Who uses it"): a technician who dispatches his team's
# orders, held with ``technician`` (his own work is a technician's); he was a plain technician and could
# give no order to a colleague (found by h5, a probe of a lift's year)
MAINTENANCE_SUPERVISOR = "maintenance_supervisor"

# the security team (秩序维护班组): its team lead (秩序维护班长: the roll call, the spot checks of the posts,
# the discipline faults) and its supervisor (秩序维护主管: those too, the trainings and the guards'
# assessments), each held with ``security`` (on duty they are guards). There was none: any guard took
# the roll call, recorded a fault against a colleague or assessed himself (found by review r7 of h7)
SECURITY_LEAD = "security_lead"
SECURITY_SUPERVISOR = "security_supervisor"
SECURITY_TEAM_LEADERS = frozenset({OPERATOR_ADMIN, SECURITY_LEAD, SECURITY_SUPERVISOR})
SECURITY_ASSESSORS = frozenset({OPERATOR_ADMIN, SECURITY_SUPERVISOR})
# who declares an incident a false alarm (误报: nobody in the car, no water): the security supervisor or the
# manager on duty, with management. Any guard closing it could say so, which releases the desk's order it
# joined and counts it out of the month's incidents (found by h8); a guard closes it as it happened
FALSE_ALARM_DECLARERS = MANAGEMENT | {SECURITY_SUPERVISOR}

# a role an account or an API key holds only with another (users.refuse_a_role_without_its_base)
HELD_WITH = {MAINTENANCE_SUPERVISOR: "technician", SECURITY_LEAD: "security", SECURITY_SUPERVISOR: "security"}

# who dispatches work orders (派单) to any technician: the front desk agent (客服), "the
# dispatcher" of DOMAIN.md (the seeds: 受理报修…登记、派单、跟踪), the maintenance supervisor, with
# management; a technician takes one for himself only
DISPATCHERS = MANAGEMENT | {"agent", MAINTENANCE_SUPERVISOR}

# who retires a piece of equipment for good (报废 / 停用): the engineering manager, the maintenance
# supervisor, with management; a technician takes a piece out of service (停运), not out of the ledger's use
EQUIPMENT_RETIRERS = MANAGEMENT | {MAINTENANCE_SUPERVISOR}

# who closes a parking stay whose exit was missed (漏记出场) without its fee: the estate's manager, with
# management (the security role is the supervisor, the team lead and the guard alike, and the guard who
# missed the exit would waive his own fee); the gateway's route and security patrol's check alike
PARKING_CLOSERS_WITHOUT_FEE = MANAGEMENT

# who does a paid service's work in-house (有偿增值服务, customer service's paid_services): the
# technicians (家电维修、管道疏通), the front desk and the stewards (代收代缴、快递收发, seeds 000); a service
# order's member of staff is an active holder of one of these in the estate (the gateway's
# ``assignees.service_staff_fact``), the others' work being bought from a contractor (found by h5)
PAID_SERVICE_STAFF = frozenset({"technician", "agent", "steward"})

# accounts (财务): the accountant and the cashier, with management
FINANCE = MANAGEMENT | {"accountant", "cashier"}

# a department's own reader of the complaints about it (责任部门, a complaint's ``department``): the
# security supervisor (the security role, who reads his department's KPIs: gateway.policy.OWN_KPIS)
# reads the complaint results about security and no other department's. The other departments have
# no role of their own above their staff (a technician is not engineering's head), so management
# reads theirs (found by review r2 of h2)
COMPLAINT_DEPARTMENT_OF_ROLE = {"security": "security"}

# an integrator's API key as its calls name their actor on the bus and in records ("apikey:<key id>",
# the gateway's api_keys; ':' is never in a username)
API_KEY_PREFIX = "apikey:"


def is_api_key(user):
    """Whether ``user`` (a caller's, a cashier's, a record's actor) is an integrator's API key."""
    return (user or "").startswith(API_KEY_PREFIX)


def require_another_approver(proposed_by, user, roles, refusal):
    """Four eyes: what someone proposed is approved by someone else (403 ``refusal``): a manager
    approved his own fee standards, fund uses and borrowings, and "needs approval" meant nothing
    (found by a probe). The operator admin, above the estates' managers, approves his own (an
    estate's set-up at its takeover, with no one above him)."""
    if proposed_by is not None and proposed_by == user and OPERATOR_ADMIN not in roles:
        raise Forbidden(refusal)


# what a field naming a member of staff (a work order's technician, a guard, a colleague handed a request, a
# paid service's staff) says when the call carries no look-up of the name (gateway/assignees.py)
NOT_LOOKED_UP = "was not looked up among the estate's accounts (the gateway looks each name up): call through the API"


def require_looked_up(found_by_field, rule):
    """A name of a member of staff in a call's body is taken only as the gateway found it in its accounts
    (``found_by_field``: ``{field: the call's fact}``, the fact None where the call carried none): 422
    ``rule`` naming each field not looked up. A call without the fact was taken as "a call from within" and
    any name kept, a typo or a guard's as a technician; no service calls another over RPC (README, Bus
    trust), so such a call came past the gateway and is trusted no more than the gateway trusts it (found by
    h7). The gateway sends the fact on every body its contract takes, so an API caller never meets this."""
    errors = [field_error(field, NOT_LOOKED_UP) for field, found in found_by_field.items() if found is None]
    if errors:
        raise BusinessRuleViolation(rule, errors)
