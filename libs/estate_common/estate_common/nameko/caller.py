"""Who is calling, as the gateway vouched for it in the ``nameko.caller`` header.

The gateway checks role and estate; the service checks the estate again
(defence in depth), and refuses a call that carries no caller at all. The
header counts only when the gateway signed it for this very method
(``estate_common.bus_auth``): an unsigned, altered, expired or mis-addressed
caller is no caller, and the call is refused with ``Unauthorized`` saying why.
Only RPC workers have a caller; an event handler or a timer has none (an
event's ``actor`` is a record, not authority).
"""
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

from .. import bus_auth, ids
from ..errors import Forbidden, Unauthorized

ALL_ESTATES = "*"


class Caller:
    def __init__(self, data):
        data = data if isinstance(data, dict) else {}
        self.user = data.get("user")
        self.roles = list(data.get("roles") or [])
        self.estates = list(data.get("estates") or [])
        # an API key made to replace others (gateway/api_keys.py: a rotation): their callers, nearest
        # first, signed with this one; what they did is this key's program's (an owner app's filings)
        self.replaces = [user for user in data.get("replaces") or () if isinstance(user, str)]
        self.idempotency_key = None
        self.assignee = None  # what the gateway found of a named assignee (gateway/assignees.py), if it looked
        self.guard = None  # what the gateway found of a named guard (gateway/assignees.py), if it looked
        self.to_guard = None  # and of the guard a shift is handed over to
        self.cashier = None  # what the gateway found of a named cashier (gateway/assignees.py: a reversal's paid_by)
        # the estate's active cashiers, when the reversal named none (gateway/assignees.py): whether the refund's
        # cashier is still one, and whom to name when he has left
        self.cashiers = None
        self.work_order = None  # whether the work order a body names is one of the estate's (gateway/references.py)
        # then its ``work_order_id``, ``work_order_number``, ``work_order_priority``, ``work_order_status``, and
        # what the owner pays of it (``work_order_charge_cents``, ``work_order_consented_cents``, ``work_order_cause_party``)
        self.work_order_ref = {}
        self.equipment = None  # whether the equipment a body names is one of the estate's (gateway/references.py)
        self.contractor = None  # whether the contractor a body names is one of the estate's (gateway/references.py)
        self.equipment_ref = {}  # then its ``equipment_id``, ``equipment_code`` and ``equipment_system``, when found
        # security patrol's daily cap on parking in the estate, when the gateway read it for a parking
        # hour's fee standard (gateway/references.py): finance keeps no copy of that setting
        self.parking_daily_cap_cents = None
        # finance's highest price of a started hour of parking (an approved or pending standard), when
        # the gateway read it for a change of security patrol's settings: the cap may not come below it
        self.parking_hour_standard = None
        # finance's overdue and unpaid money on the household a goods release pass names, when the
        # gateway read it (gateway/references.py): customer service keeps no copy of bills
        self.household_fees = None
        # the caller reads ``{result, replayed}`` where a call may find its first write (the portal's
        # filing); a caller from before that reads the result alone (a rolling deploy mixes them)
        self.replay_flag = False
        # If-Match made atomic (``writes.conditional``): the revision of the record ``target`` the
        # gateway's read stood for, whose tag the client sent; and a read asked to say the revision it
        # answers (``{result, revision}``: ``store.revision_seen``)
        self.if_revision = None
        self.revision_flag = False
        self.target = None  # the record the call acts on (its payload's ``id``), if any
        self.refusal = None  # why the call's caller was not accepted (bus_auth), if it was not

    def created_id(self, prefix, estate_id, *kind):
        """The id of what this call creates: derived from the caller's Idempotency-Key when it
        sent one, so that a retry after a timeout finds the first result instead of a twin. The
        record the call acts on is part of it: the same key on another payment's invoices (the
        gateway's record of the key is per route) makes that payment's invoice, not find the
        first one's. ``kind``: what tells apart two routes that create under one ``prefix``
        (``jobs.created_id``)."""
        if self.creates_new_id:
            return ids.new_id(prefix)
        return ids.natural_id(prefix, estate_id, self.user, self.idempotency_key, *kind,
                              *([self.target] if self.target else []))

    @property
    def creates_new_id(self):
        """Whether ``created_id`` makes a new id (no Idempotency-Key: an ObjectId no document has),
        which a create need not look up before its insert (``writes.create``'s ``fresh``). The one
        test of it ``created_id`` takes too: a keyless id made any other way (one a retry could
        find) must not be taken for a fresh one."""
        return not self.idempotency_key

    def acts_for(self, user):
        """Whether ``user`` (a record's actor) is this caller, or a key this caller's key was made
        to replace (``replaces``): a rotated owner app's key rates what the app filed under the
        keys before it (the session 47 note)."""
        return bool(user) and (user == self.user or user in self.replaces)

    @property
    def known(self):
        return bool(self.user)

    def can_see(self, estate_id):
        return ALL_ESTATES in self.estates or estate_id in self.estates

    def require_known(self):
        if self.refusal:
            raise Unauthorized(self.refusal)
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
    def setup(self):
        self.key = bus_auth.load_key()  # no key, no start

    def get_dependency(self, worker_ctx):
        # Never raises: nameko injects dependencies outside the worker's error handling, so an
        # exception here would stop the container; the entrypoint refuses the call instead.
        context = worker_ctx.context_data
        data, refusal = None, None
        if isinstance(worker_ctx.entrypoint, Rpc):
            target = f"{self.container.service_name}.{worker_ctx.entrypoint.method_name}"
            try:
                data = bus_auth.verify(self.key, context.get("caller"), context.get(bus_auth.CONTEXT_KEY), target)
            except Unauthorized as refused:
                refusal = refused.detail
        caller = Caller(data)
        caller.refusal = refusal
        caller.idempotency_key = context.get("idempotency_key")
        caller.assignee = context.get("assignee")
        caller.guard = context.get("guard")
        caller.to_guard = context.get("to_guard")
        caller.cashier = context.get("cashier")
        caller.cashiers = ([name for name in context["cashiers"] if isinstance(name, str)]
                           if isinstance(context.get("cashiers"), list) else None)
        caller.work_order = context.get("work_order")
        caller.work_order_ref = {key: context[key] for key in ("work_order_id", "work_order_number",
                                                               "work_order_priority", "work_order_status",
                                                               "work_order_cause_party")
                                 if isinstance(context.get(key), str)} | {
            # what the owner pays of it: the fund pays none of an owner's order (h5)
            key: context[key] for key in ("work_order_charge_cents", "work_order_consented_cents")
            if isinstance(context.get(key), int) and not isinstance(context.get(key), bool)}
        caller.equipment = context.get("equipment")
        caller.contractor = context.get("contractor")
        caller.equipment_ref = {key: context[key] for key in ("equipment_id", "equipment_code", "equipment_system")
                                if isinstance(context.get(key), str)}
        cap = context.get("parking_daily_cap_cents")
        caller.parking_daily_cap_cents = cap if isinstance(cap, int) and not isinstance(cap, bool) else None
        caller.parking_hour_standard = parking_hour_standard(context.get("parking_hour_standard"))
        caller.household_fees = household_fees(context.get("household_fees"))
        caller.replay_flag = context.get("replay_flag") is True
        caller.revision_flag = context.get("revision_flag") is True
        revision = context.get("if_revision")
        caller.if_revision = revision if isinstance(revision, int) and not isinstance(revision, bool) else None
        payload = worker_ctx.args[0] if worker_ctx.args else None
        if isinstance(payload, dict) and isinstance(payload.get("id"), str):
            caller.target = payload["id"]
        return caller


def household_fees(fact):
    """``{overdue_cents, unpaid_cents}`` as finance answered it (``household_account``), or None for
    anything else."""
    if not isinstance(fact, dict):
        return None
    if not all(isinstance(fact.get(key), int) and not isinstance(fact.get(key), bool)
               for key in ("overdue_cents", "unpaid_cents")):
        return None
    return {"overdue_cents": fact["overdue_cents"], "unpaid_cents": fact["unpaid_cents"]}


def parking_hour_standard(fact):
    """``{id, status, amount_cents, valid_from}`` as finance answered it (``highest_parking_hour_price``),
    or None for anything else."""
    if not isinstance(fact, dict):
        return None
    amount = fact.get("amount_cents")
    if (not isinstance(amount, int) or isinstance(amount, bool)
            or not all(isinstance(fact.get(key), str) for key in ("id", "status", "valid_from"))):
        return None
    return {key: fact[key] for key in ("id", "status", "amount_cents", "valid_from")}
