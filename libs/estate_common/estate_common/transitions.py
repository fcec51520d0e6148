"""State machines: a resource's steps are one table ``{status: {action: next status}}`` in
its service's domain module; an action that its state does not allow answers 409."""
from .errors import Conflict


def next_status(table, status, action, what):
    """The status ``action`` leads to from ``status``; ``what`` names the resource ("a round")."""
    allowed = table.get(status, {})
    if action not in allowed:
        # "whose status is": "a work order that is needs help" did not read (found by a probe)
        raise Conflict(f"{what} whose status is '{status.replace('_', ' ')}' does not allow '{action}'")
    return allowed[action]
