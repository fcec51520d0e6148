"""Role groups the services share (role names as in DOMAIN.md "Who uses it"; the gateway's own
table of who may call which route is ``gateway.policy``)."""

# the service center's manager and the operator admin above every estate: they decide, approve and
# step in where a department's own staff may not (settings, custom fields, another's work order...)
MANAGEMENT = frozenset({"operator_admin", "manager"})
