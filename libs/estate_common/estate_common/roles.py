"""Role groups the services share (role names as in DOMAIN.md "Who uses it"; the gateway's own
table of who may call which route is ``gateway.policy``)."""

# the service center's manager and the operator admin above every estate: they decide, approve and
# step in where a department's own staff may not (settings, custom fields, another's work order...)
MANAGEMENT = frozenset({"operator_admin", "manager"})

# the front desk (客服) and the stewards (管家) with management: who serves the households and reads
# their files
FRONT_DESK = MANAGEMENT | {"agent", "steward"}

# accounts (财务): the accountant and the cashier, with management
FINANCE = MANAGEMENT | {"accountant", "cashier"}
