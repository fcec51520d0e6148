"""Who is calling, as the gateway vouched for it in the ``nameko.caller`` header.

The gateway checks role and estate; the service checks the estate again
(defence in depth), and refuses a call that carries no caller at all.
"""
from nameko.extensions import DependencyProvider

from .. import ids
from ..errors import Forbidden

ALL_ESTATES = "*"


class Caller:
    def __init__(self, data):
        data = data if isinstance(data, dict) else {}
        self.user = data.get("user")
        self.roles = list(data.get("roles") or [])
        self.estates = list(data.get("estates") or [])
        self.idempotency_key = None

    def created_id(self, prefix, estate_id):
        """The id of what this call creates: derived from the caller's Idempotency-Key when it
        sent one, so that a retry after a timeout finds the first result instead of a twin."""
        if self.idempotency_key:
            return ids.natural_id(prefix, estate_id, self.user, self.idempotency_key)
        return ids.new_id(prefix)

    @property
    def known(self):
        return bool(self.user)

    def can_see(self, estate_id):
        return ALL_ESTATES in self.estates or estate_id in self.estates

    def require_known(self):
        if not self.known:
            raise Forbidden("the call carries no caller")

    def require_estate(self, estate_id):
        self.require_known()
        if not self.can_see(estate_id):
            raise Forbidden("estate is outside the caller's scope")

    def estate_scope(self):
        """The estates a cross-estate list may show: None for every estate, else their ids."""
        if ALL_ESTATES in self.estates:
            return None
        return list(self.estates)

    def as_dict(self):
        return {"user": self.user, "roles": self.roles, "estates": self.estates}


class CallerContext(DependencyProvider):
    def get_dependency(self, worker_ctx):
        caller = Caller(worker_ctx.context_data.get("caller"))
        caller.idempotency_key = worker_ctx.context_data.get("idempotency_key")
        return caller
