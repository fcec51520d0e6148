"""Staff accounts: who may sign in, with which roles, in which estates.

Users are the gateway's concern because it is where people authenticate;
passwords never travel over the bus. Stored by ``gateway.store``.

A token is only a claim that its holder signed in as a user; the user's record
decides on every request (``caller``): a deactivated user, or a token issued
before the user's last password change (its ``credential_version`` moved on), is
refused, and the roles and estates that apply are the stored ones. Reads go
through ``UserCache`` (a few seconds per process) so that a request costs no
extra store round trip in the common case; across replicas, a change takes
effect within that many seconds. API keys (``api_keys``) are checked the same way.
"""
import re

from estate_common import calendar, clock, contracts
from estate_common import roles as roles_module
from estate_common.errors import (BusinessRuleViolation, Conflict, Forbidden, InvalidInput, NotFound, Unauthorized,
                                  field_error)

from . import memberships, passwords, policy, requests_in, store, tokens
from .record_cache import RecordCache

USER_FIELDS = ("username", "roles", "estate_ids", "active", "created_at")
ADMIN = "admin"


def view(user):
    """A user as the API shows it (never the password hash); takes a stored or a paged document.
    ``deactivated_at``: when a deactivated account was deactivated (null while active), which the
    operator's list of leavers and the staff-turnover KPI read."""
    return {k: user[k] for k in USER_FIELDS} | {"id": user.get("_id", user.get("id")),
                                                "password_change_required": must_change_password(user),
                                                "deactivated_at": user.get("deactivated_at")}


def must_change_password(user):
    """Set by an operator admin's reset (``reset_password``), cleared by the user's own change:
    until then the account may only read itself, change its password and sign out
    (``policy.WHILE_PASSWORD_CHANGE_REQUIRED``), since the admin knows the password it signs in with."""
    return bool(user.get("password_change_required"))


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"
    title = "Password change required"

    def __init__(self):
        super().__init__("an operator admin reset your password: change it (POST /api/v1/users/me/password) "
                         "before anything else")


# {sign-in id (tokens.session_of): the last expiry of its tokens}: the user's sign-ins signed out one
# by one (a token from before sign-in ids is its own sign-in: its jti)
REVOKED = "signed_out_tokens"


def credential_version(user):
    """Moves on with every password change or reset: tokens carrying an older one are refused."""
    return user.get("credential_version", 0)


# the name the owner portal's anonymous callers carry on the bus (``public.CALLER``): an account of
# that name would share their idempotency keys and their history entries
PORTAL_CALLER = "portal"


def refuse_estates_of_an_operator_admin(roles, estate_ids):
    """422 for an operator admin given estates: one sees every estate (``policy.estates_of``), so
    the estates were stored and shown ("运营管理员 · Lakeside") but granted nothing less, and an
    admin made as a regional one read every estate and could deactivate ``admin`` (a probe)."""
    if "operator_admin" in roles and estate_ids:
        raise BusinessRuleViolation("an operator admin sees every estate: give none",
                                    [field_error("estate_ids", "must be empty for an operator admin")])


def refuse_an_estate_role_without_estates(roles, estate_ids):
    """422 for an account of estate roles only (front desk, engineering, security, accounts,
    archives, a manager: ``policy.ESTATE_ROLES``) given no estate: it was accepted and could reach
    nothing, every estate's route a 403. Only the operator admin is the company's (none, every
    one); an API key's estates are required by its contract (``minItems``)."""
    if not estate_ids and not set(roles) - policy.ESTATE_ROLES:
        raise BusinessRuleViolation("an estate role works in an estate: give at least one",
                                    [field_error("estate_ids", "must name at least one estate for an estate role")])


def refuse_a_supervisor_without_technician(roles):
    """422 for a role held only with another (``estate_common.roles.HELD_WITH``) without it:
    maintenance_supervisor (工程维修主管) without technician, he is a technician who dispatches, and
    one of the supervisor alone was taken, assigned any order and reached no list of orders nor a
    technician's step (found by review r5 of h5); security_lead (秩序维护班长) and security_supervisor
    (秩序维护主管) without security, they are guards who lead the team (review r7 of h7). The same for
    an API key's roles."""
    if roles_module.MAINTENANCE_SUPERVISOR in roles and "technician" not in roles:
        raise BusinessRuleViolation("a maintenance supervisor is held with technician: give both",
                                    [field_error("roles", "must hold technician with maintenance_supervisor")])
    if roles_module.SECURITY_LEAD in roles and "security" not in roles:
        raise BusinessRuleViolation("a security team lead is held with security: give both",
                                    [field_error("roles", "must hold security with security_lead")])
    if roles_module.SECURITY_SUPERVISOR in roles and "security" not in roles:
        raise BusinessRuleViolation("a security supervisor is held with security: give both",
                                    [field_error("roles", "must hold security with security_supervisor")])


def create(db, username, password, roles, estate_ids):
    refuse_estates_of_an_operator_admin(roles, estate_ids)
    refuse_a_supervisor_without_technician(roles)
    refuse_an_estate_role_without_estates(roles, estate_ids)
    if username == PORTAL_CALLER:
        raise Conflict("this username is reserved",
                       [{"field": "username", "message": "is reserved for the owner portal"}])
    created_at = clock.now_iso()
    spans = memberships.first(estate_ids, roles, created_at)
    user = {
        "_id": username,  # usernames are unique: the natural key
        "username": username,
        "password_hash": passwords.hash_password(password),
        "roles": roles,
        "estate_ids": estate_ids,
        "active": True,
        "credential_version": 0,
        "created_at": created_at,
        **memberships.stored(spans),
    }
    if not store.insert_user(db, user):
        raise Conflict("this username is taken", [{"field": "username", "message": "is already taken"}])
    return user


def authenticate(db, username, password):
    """The user when the password is right and the account active, else None."""
    user = store.find_user(db, username)
    if not passwords.verify(user["password_hash"] if user else None, password):
        return None
    if not user["active"] or username == PORTAL_CALLER:  # an account stored before the name was reserved
        return None
    if passwords.needs_rehash(user["password_hash"]):
        store.change_user(db, username, {"password_hash": passwords.hash_password(password)})
    return user


def ensure_admin(db, password):
    """Create the operator admin ``admin`` with ``password`` (ESTATE_ADMIN_PASSWORD) if there is none.

    Only once: an existing admin is left as it is (its password may have been changed
    through the API, or it may have been deactivated on purpose). ``reset_admin`` is
    the explicit way back (``make admin-reset``)."""
    if store.find_user(db, ADMIN) is None:
        try:
            create(db, ADMIN, password, ["operator_admin"], [])
        except Conflict:
            pass  # another gateway process created it first


def reset_admin(db, password, tries=3):
    """The admin exists, is active, is operator admin and signs in with ``password``; its
    older tokens stop working. Returns True when it was created.

    Written over the record as it was read, as a PATCH is (``_written_over``): the reset wrote its
    spans without moving the ``revision``, so a PATCH that read the admin before it wrote its own
    spans, roles and ``active`` over the reset's (review)."""
    fields = {"password_change_required": False, "password_hash": passwords.hash_password(password)}
    restored = {"active": True, "roles": ["operator_admin"], "estate_ids": []}  # an operator admin names no estate
    for _ in range(tries):
        user = store.find_user(db, ADMIN)
        if user is None:
            try:
                create(db, ADMIN, password, ["operator_admin"], [])
                return True
            except Conflict:
                continue  # another process created it meanwhile: reset that one
        if _written_over(db, user, restored, fields, new_credentials=True):
            return False
    raise AdminOvertaken()


class AdminOvertaken(RuntimeError):
    """``reset_admin`` found the admin changed through the API each time it read it: nothing was
    written (``make admin-reset`` says so; not an answer of the API, so no refusal of it)."""


# an operator of many estates finds one among thousands; ``q``: by a part of the username (an account
# has no other name); ``deactivated_*``: the company's leavers, whichever estates they held;
# ``has_estates``: false, the accounts of estate roles that name no estate (``_without_estates``)
LIST_FILTERS = ("role", "estate_id", "active", "q", "deactivated_in", "deactivated_from", "deactivated_to",
                "has_estates")
# an account that names no estate: none (the field as stored) or an empty list
_NO_ESTATE = {"$or": [{"estate_ids": {"$size": 0}}, {"estate_ids": None}]}
# a day or a period of the leavers' list is read on the company's calendar: the estates' default
# timezone (an estate's own calendar is its staff report's, ``GET …/reports/staff``)
COMPANY_TIMEZONE = calendar.DEFAULT_TIMEZONE


def list_filters(filters):
    """The list's query from its parameters; 400 naming the parameter for a value none could match
    (checked as the contract's ``SearchText``, ``ReportPeriod`` and ``DateOrTimestamp``). The text
    searched is never logged: the request's line names its path alone (a username may be a phone)."""
    query = {}
    if "role" in filters:
        if filters["role"] not in policy.ROLES:
            raise InvalidInput("role is not a role", [field_error("role", f"must be one of {', '.join(policy.ROLES)}")])
        query["roles"] = filters["role"]
    if "estate_id" in filters:
        query["estate_ids"] = filters["estate_id"]
    if "active" in filters:
        query["active"] = requests_in.flag(filters, "active")
    if "q" in filters:
        if _malformed(filters["q"], "SearchText"):
            raise InvalidInput("q is 1 to 100 characters, one of them visible",
                               [field_error("q", "must be 1 to 100 characters, one of them visible")])
        query["username"] = {"$regex": re.escape(filters["q"].strip()), "$options": "i"}  # as typed, not a pattern
    left = _deactivated_between(filters)
    conditions = []
    if left:
        if query.get("active") is True:
            raise InvalidInput("an active account has not left: leave active out, or give false",
                               [field_error("active", "must be false or left out beside a deactivated_ filter")])
        conditions += [{"deactivated_at": {"$ne": None}}, *({"deactivated_at": bound} for bound in left)]
    if "has_estates" in filters:
        conditions.append(_without_estates(requests_in.flag(filters, "has_estates")))
    if conditions:
        query["$and"] = conditions
    return query


def _without_estates(has_estates):
    """``has_estates=false``: the accounts of estate roles that name no estate, stored before
    ``refuse_an_estate_role_without_estates`` (they reach nothing: every estate's route a 403; a
    deactivation may have cleared them too, so ``active`` tells the two apart); an operator admin
    holds every estate (``policy.estates_of``), never among them. ``true``: every other account."""
    without = {"$and": [_NO_ESTATE, {"roles": {"$ne": "operator_admin"}}]}
    return {"$nor": [without]} if has_estates else without


def _malformed(text, schema):
    """Whether ``text`` is not the contract's ``schema`` (``SearchText``, ``ReportPeriod``...)."""
    return bool(contracts.load().errors(f"openapi.yaml#/components/schemas/{schema}", text))


def _deactivated_between(filters):
    """The conditions on ``deactivated_at`` of ``deactivated_in`` (a month, quarter or year),
    ``deactivated_from`` (inclusive) and ``deactivated_to`` (a day: the whole of it; a moment:
    inclusive), as ``calendar.filter_bound`` reads a list's ``from`` and ``to``."""
    bounds = []
    if "deactivated_in" in filters:
        if _malformed(filters["deactivated_in"], "ReportPeriod"):
            raise InvalidInput("deactivated_in is a month, a quarter or a year",
                               [field_error("deactivated_in", "must be a month YYYY-MM, a quarter YYYY-Qn or a year "
                                                              "YYYY")])
        start, end = calendar.period_bounds(filters["deactivated_in"], COMPANY_TIMEZONE)
        bounds.append({"$gte": start, "$lt": end})
    lower = None
    for name in ("deactivated_from", "deactivated_to"):
        if name in filters and _malformed(filters[name], "DateOrTimestamp"):
            raise InvalidInput("a deactivated_ bound is a day or a UTC timestamp",
                               [field_error(name, "must be a day YYYY-MM-DD or a UTC timestamp")])
    if "deactivated_from" in filters:
        lower = calendar.filter_bound(filters["deactivated_from"], "deactivated_from", COMPANY_TIMEZONE)
        bounds.append({"$gte": lower})
    if "deactivated_to" in filters:
        text = filters["deactivated_to"]
        upper = calendar.filter_bound(text, "deactivated_to", COMPANY_TIMEZONE, after=True)
        inclusive = len(text) != 10
        if lower is not None and (upper < lower or (upper == lower and not inclusive)):
            raise InvalidInput("deactivated_to is before deactivated_from",
                               [field_error("deactivated_to", "must not be before deactivated_from")])
        bounds.append({"$lte" if inclusive else "$lt": upper})
    return bounds


def list_users(db, limit, cursor, query=None):
    page = store.page_users(db, limit, cursor, query or {})
    page["items"] = [view(item) for item in page["items"]]
    return page


def update(db, cache, actor, user_id, changes, tries=3, read=None):
    """PATCH: ``roles``, ``estate_ids`` and ``active`` of a user, as an operator admin. Written over
    the record as it was read (its ``revision``), read again when another change came first: two
    changes at once each wrote their spans over the other's, and a deactivation beside a move left
    a departure never counted (found by review). ``read``: a list the record the change was written
    over is added to (the caller's own read may be older: maintenance is told against this one)."""
    for _ in range(tries):
        user = store.find_user(db, user_id)
        if user is None:
            raise NotFound(f"no user {user_id!r}")
        if _changed(db, actor, user, changes):
            cache.forget(user_id)
            if read is not None:
                read.append(user)
            return store.find_user(db, user_id)
    # it passes by itself (the other request ends): Retry-After says so (README, a 409 that passes by itself)
    raise Conflict("the user was being changed by another request meanwhile: send the change again", retry_after=1)


def _changed(db, actor, user, changes):
    """Whether ``changes`` were written over ``user`` as read (False: another change came first)."""
    user_id = user["_id"]
    if user_id == actor:
        # An admin cannot lock themselves out (and possibly the last admin with them).
        errors = []
        if changes.get("active") is False:
            errors.append(field_error("active", "you cannot deactivate your own account"))
        if "roles" in changes and "operator_admin" not in changes["roles"]:
            errors.append(field_error("roles", "you cannot remove your own operator_admin role"))
        if errors:
            raise BusinessRuleViolation("an operator admin cannot lock themselves out", errors)
    elif _takes_operator_admin_away(user, changes) and not store.confirm_operator_admin(db, actor):
        # the actor's own standing, confirmed in the store and its record moved on before the write:
        # two operator admins deactivating each other at once each read the other active, and both
        # were written, leaving neither (found by a race probe); now the second is decided again
        raise Unauthorized("the token is not valid")
    roles, estate_ids = changes.get("roles", user["roles"]), changes.get("estate_ids", user["estate_ids"])
    edited = (roles, estate_ids) != (user["roles"], user["estate_ids"])
    if edited:  # an admin stored with estates before the rule is still edited, deactivated
        refuse_estates_of_an_operator_admin(roles, estate_ids)
    if "roles" in changes and changes["roles"] != user["roles"]:
        refuse_a_supervisor_without_technician(roles)
    if changes.get("active", user["active"]) and (edited or not user["active"]):
        # active from now on, with what it holds changed or made active again: an estate role's last
        # estate is not taken away (offboarding, a deactivation that clears them, is); an account
        # stored with none before the rule is still deactivated
        refuse_an_estate_role_without_estates(roles, estate_ids)
    turning = "active" in changes and changes["active"] != user["active"]
    # a deactivated account's tokens end for good: reactivation must not revive a token captured
    # before, or a device left signed in (the user signs in again); both ways, so an account
    # deactivated before this rule is covered as well
    return _written_over(db, user, changes, new_credentials=turning)


def _takes_operator_admin_away(user, changes):
    """Whether ``changes`` deactivate an active operator admin or take the role away."""
    if "operator_admin" not in user["roles"] or not user["active"]:
        return False
    return changes.get("active") is False or ("roles" in changes and "operator_admin" not in changes["roles"])


def _written_over(db, user, changes, fields=None, new_credentials=False):
    """Whether ``changes`` to ``roles``, ``estate_ids`` or ``active`` (with their spans, and
    ``fields`` beside them) were written over ``user`` as read: only while its ``revision`` is
    the one read, which the write moves on (False: another change came first)."""
    spans = memberships.after(user, changes, clock.now_iso())
    revision = user.get("revision", 0)
    held = memberships.stored(spans) | {"revision": revision + 1}
    return store.change_user(db, user["_id"], changes | _deactivation(user, changes) | held | (fields or {}),
                             new_credentials=new_credentials, only_if={"revision": revision or {"$in": [0, None]}})


def _deactivation(user, changes):
    """When an account leaves (``active`` true → false; staff turnover counts it) or comes back
    (its spans keep the departure: ``gateway.memberships``)."""
    if changes.get("active") is False and user["active"]:
        return {"deactivated_at": clock.now_iso()}
    if changes.get("active") is True and not user["active"]:
        return {"deactivated_at": None}
    return {}


class WrongPassword(BusinessRuleViolation):
    """The current password given for a change is not the user's (a guess, for the sign-in limits)."""

    def __init__(self):
        super().__init__("the current password is wrong", [field_error("current_password", "is wrong")])


def change_password(db, cache, user_id, current_password, new_password):
    """The user's own password change; every token issued before it stops working."""
    user = store.find_user(db, user_id)
    if user is None or not passwords.verify(user["password_hash"], current_password):
        raise WrongPassword()
    if new_password == current_password:
        raise BusinessRuleViolation("the new password must differ from the current one",
                                    [field_error("new_password", "is the current password")])
    passwords.refuse_weak(new_password, "new_password", user_id)
    # only over the password just checked: four changes sent at once with the same current
    # password were each answered 200, and only the last one's new password signed in (found by a
    # concurrency probe; the hash's slowness widened the gap)
    changed = store.change_user(db, user_id, {"password_hash": passwords.hash_password(new_password),
                                              "password_change_required": False},
                                new_credentials=True, only_if={"password_hash": user["password_hash"]})
    cache.forget(user_id)
    if not changed:
        raise Conflict("the password was changed meanwhile by another request: this one was not set",
                       [field_error("current_password", "is no longer the current password")])
    return store.find_user(db, user_id)


def reset_password(db, cache, actor, user_id, new_password):
    """An operator admin sets another user's password (one who forgot theirs): every token of the
    user stops working, and the user must change it at their next sign-in (``must_change_password``).
    Not one's own: that change needs the current password (``change_password``), so that a
    stolen admin token cannot take the admin's account over."""
    user = store.find_user(db, user_id)
    if user is None or user_id == PORTAL_CALLER:
        raise NotFound(f"no user {user_id!r}")
    if user_id == actor:
        raise BusinessRuleViolation("change your own password with your current one (POST /api/v1/users/me/password)",
                                    [field_error("new_password", "is your own: change it with your current password")])
    passwords.refuse_weak(new_password, "new_password", user_id)
    store.change_user(db, user_id, {"password_hash": passwords.hash_password(new_password),
                                    "password_change_required": True}, new_credentials=True)
    cache.forget(user_id)
    return store.find_user(db, user_id)


def sign_out(db, cache, user_id, claims, session_end):
    """This one sign-in stops working (``DELETE /api/v1/auth/token``: the console's sign-out): the
    token sent and every token refreshed from the same sign-in (``tokens.session_of``), so a copy
    of the console's cookie taken before a refresh ends too; the user's other sign-ins go on. Its
    id is kept on the user's record, which every call reads anyway, until the last token of the
    sign-in would have expired (``session_end``, epoch seconds; then dropped at the next sign-out).
    Its one entry is set alone, not the map written over as read: two sign-outs at once (two tabs,
    a phone and a desk) each kept the other's sign-in alive (review)."""
    now = clock.now().timestamp()
    user = store.find_user(db, user_id) or {}
    expired = [jti for jti, exp in (user.get(REVOKED) or {}).items() if exp <= now]
    session = tokens.session_of(claims)
    store.end_sign_in(db, user_id, REVOKED, session, max(claims["exp"], session_end),
                      [jti for jti in expired if jti != session])
    cache.forget(user_id)


def caller(cache, claims, password_change_allowed=False):
    """The caller (``{user, roles, estates}``) of a token whose signature and expiry were
    checked: only while its user exists, is active, has not changed credentials since and has
    not signed this token out. A user whose password an admin reset is refused (403) unless
    ``password_change_allowed`` (a route left open to them)."""
    user = cache.get(claims["sub"])
    _admit(user, claims, password_change_allowed)
    return {"user": user["_id"], "roles": list(user["roles"]), "estates": policy.estates_of(user)}


def refreshable(db, claims):
    """The user's record, read now from the store (not the few seconds' cache: another replica
    may have just signed this session out or deactivated the user), when a token with ``claims``
    may be refreshed: exactly when it would be admitted, with no route left open to a user whose
    password an admin reset (they change it, which answers a new token)."""
    user = store.find_user(db, claims["sub"])
    _admit(user, claims, password_change_allowed=False)
    return user


def _admit(user, claims, password_change_allowed):
    if user is None or not user["active"] or user["_id"] == PORTAL_CALLER:  # one stored before the name was reserved
        raise Unauthorized("the token is not valid")
    if claims.get("cv") != credential_version(user):
        raise Unauthorized("the token is not valid")
    revoked = user.get(REVOKED) or {}
    if tokens.session_of(claims) in revoked:
        raise Unauthorized("the token was signed out")
    if must_change_password(user) and not password_change_allowed:
        raise PasswordChangeRequired()


class UserCache(RecordCache):
    """Users by id (``record_cache``): what ``caller`` reads on every request."""

    def __init__(self, db, ttl_seconds=2.0, max_entries=1024):
        super().__init__(db, store.find_user, ttl_seconds, max_entries)
