"""Who a work order may be assigned to: an active technician of the order's estate. The accounts
are the gateway's, so the gateway looks the name up and tells maintenance what it found, in the
call's context (``assignee``: ``technician`` or ``not_a_technician``); maintenance refuses the
assignment (422) after its own checks, so an order of another estate is still a 404 first. A
manager could assign an order to a name no account has, to another estate's technician or to the
desk, and the order then stood with nobody able to work it but a manager (found by review).

The guard a duty assignment or a patrol round names is looked up the same way (``guard``:
``security`` or ``not_a_guard``): security patrol refuses one that is not an active security
guard of the estate (the roster took any name, one no account has or a technician's). A shift
handover's two guards are looked up alike (``guard``: its ``from_guard``, ``to_guard``: its
``to_guard``): both were free text, the shift handed over to a name no account has.

The same accounts are listed to pick from (``GET …/technicians``, ``GET …/guards``,
``GET …/desk-colleagues``, ``GET …/service-staff``: one ``_holders_listed``), so that the console offers what the call will accept."""
from flask import current_app, jsonify

from estate_common.roles import FRONT_DESK, PAID_SERVICE_STAFF

from . import requests_in, store
from .policy import ALL_ESTATES

TECHNICIAN = "technician"
SECURITY = "security"
CASHIER = "cashier"


def technician_fact(db, estate_id, body, caller=None):
    """The context maintenance's ``assign_work_order`` reads; none for a body the contract refuses
    (the service's 400 follows)."""
    return _holders_found(db, estate_id, body, {"assignee": "technician"}, TECHNICIAN, "not_a_technician")


def guard_fact(db, estate_id, body, caller=None):
    """The context security patrol's ``assign_duty`` and ``start_round`` read of the body's
    ``guard``; none for a body the contract refuses (the service's 400 follows)."""
    return _holders_found(db, estate_id, body, {"guard": "guard"}, SECURITY, "not_a_guard")


def handover_guards_fact(db, estate_id, body, caller=None):
    """The context security patrol's ``record_shift_handover`` reads of the body's two guards:
    ``guard`` its ``from_guard`` (as for the roster), ``to_guard`` its ``to_guard``."""
    return _holders_found(db, estate_id, body, {"guard": "from_guard", "to_guard": "to_guard"}, SECURITY,
                          "not_a_guard")


def cashier_fact(db, estate_id, body, caller=None):
    """The context finance's ``reverse_deposit_deductions`` reads of the body's ``paid_by`` (who pays a
    reversal of deductions back from his drawer): ``cashier`` when an active cashier of the estate is so
    called, else ``not_a_cashier`` (the manager naming himself needs no look-up). None named: ``cashiers``,
    the estate's active cashiers (sorted), so that finance sees whether the refund's cashier, who pays it
    then, is still one, and names them when he has left (found by h5: it went on a drawer no one holds)."""
    if isinstance(body, dict) and "paid_by" not in body:
        users = store.users_with_role(current_app.extensions["estate_ops"].db, CASHIER)
        return {"cashiers": sorted(user["_id"] for user in users if assignable(user, estate_id, CASHIER))}
    return _holders_found(db, estate_id, body, {"cashier": "paid_by"}, CASHIER, "not_a_cashier")


def front_desk_fact(db, estate_id, body, caller=None):
    """The context customer service's ``transfer_request`` reads of the body's ``handler`` (转交): ``assignee``
    ``front_desk`` when an active agent, steward, manager or operator admin of the estate is so called,
    else ``not_front_desk``; none for a body the contract refuses (the service's 400 follows)."""
    name = body.get("handler") if isinstance(body, dict) else None
    if not (isinstance(name, str) and name.strip()):
        return {}
    found = assignable(store.find_user(db, name.strip()), estate_id, FRONT_DESK)
    return {"assignee": "front_desk" if found else "not_front_desk"}


def service_staff_fact(db, estate_id, body, caller=None):
    """The context customer service's ``assign_service_order`` reads of the body's ``username`` (a
    paid service's member of staff): ``assignee`` ``service_staff`` when an active technician, agent
    or steward of the estate is so called (``roles.PAID_SERVICE_STAFF``), else ``not_service_staff``;
    none for a contractor's assignment or a body the contract refuses (found by h5: any name was taken)."""
    name = body.get("username") if isinstance(body, dict) else None
    if not (isinstance(name, str) and name.strip()):
        return {}
    found = assignable(store.find_user(db, name.strip()), estate_id, PAID_SERVICE_STAFF)
    return {"assignee": "service_staff" if found else "not_service_staff"}


def _holders_found(db, estate_id, body, fields, role, refused):
    """``{context key: role, or refused}`` for each ``{context key: body field}`` naming someone:
    ``role`` when an active holder of it in the estate is so called; none for a field the contract
    refuses (the service's 400 follows)."""
    found = {}
    for key, field in fields.items():
        name = body.get(field) if isinstance(body, dict) else None
        if isinstance(name, str) and name.strip():
            found[key] = role if assignable(store.find_user(db, name.strip()), estate_id, role) else refused
    return found


def assignable(user, estate_id, role=TECHNICIAN):
    """Whether ``user`` (an account, or None) may be given the estate's work orders (``role``
    technician), or its guard duty (``role`` security), or a request handed over (``role`` a set,
    any of them: the desk's colleagues): an active holder of the role in the estate, or in every
    estate."""
    held = {role} if isinstance(role, str) else role
    return bool(user and user.get("active", True) and held & set(user.get("roles", ()))
                and (estate_id in user.get("estate_ids", ()) or ALL_ESTATES in user.get("estate_ids", ())))


# Who left the estate's technicians: maintenance knows no accounts, and gave a follow-up back to the
# technician who did the work when his account had been switched off (found by the technician's week).
# It is told, estate by estate, when an account stops being an active technician there (deactivated,
# the role or the estate taken away: ``technician_left``) and when it is one again
# (``technician_returned``): ``technician_notices``, which tells it reliably.

def technician_estates(user):
    """The estates ``user`` (an account as stored, or as a change would leave it) is an active
    technician of, as ``assignable`` decides, those it names (an all-estates account names none)."""
    return {estate for estate in (user or {}).get("estate_ids", ()) if estate != ALL_ESTATES
            and assignable(user, estate)}


def register(app):
    @app.get("/api/v1/estates/<estate_id>/technicians")
    def technicians(estate_id):
        """Whom the caller may assign an order of the estate to, to pick from: the console had
        them type a username (found by a probe of daily work). Every technician, to every caller: a
        dispatcher assigns to any, and a technician hands an order assigned to him to any colleague
        (转单, maintenance's ``domain.check_hands``; he was listed himself alone, and asked for help
        to give an order back to nobody: a probe of the maintenance technician's day). An order no
        one holds he takes for himself only, which the console offers him alone."""
        return _holders_listed(estate_id, TECHNICIAN)

    @app.get("/api/v1/estates/<estate_id>/desk-colleagues")
    def desk_colleagues(estate_id):
        """Whom the desk may hand a request over to (转交, ``front_desk_fact``), to pick from: the
        estate's active agents, stewards, managers and operator admins (the console had the desk
        type a colleague's user name: a probe of the front desk's week)."""
        return _holders_listed(estate_id, FRONT_DESK)

    @app.get("/api/v1/estates/<estate_id>/service-staff")
    def service_staff(estate_id):
        """Whom the desk may assign a paid service's order to (派单, ``service_staff_fact``), to pick
        from: the estate's active technicians, agents and stewards (``roles.PAID_SERVICE_STAFF``); the
        console had the desk type the username, where technicians and guards had pickers (found by h10)."""
        return _holders_listed(estate_id, PAID_SERVICE_STAFF)

    @app.get("/api/v1/estates/<estate_id>/guards")
    def guards(estate_id):
        """Whom the caller may name as the guard of a duty assignment or a patrol round, or as a
        handover's ``from_guard`` and ``to_guard``, to pick from: the console had them type a
        username, and a typo was a 422. Every caller gets every guard, a guard too: the security
        role is the supervisor's, the team lead's and the guard's alike (DOMAIN.md), who roster each
        other, a handover names the guard taking over, and security patrol takes any active guard of
        the estate from any of them."""
        return _holders_listed(estate_id, SECURITY)


def _holders_listed(estate_id, role):
    """The answer of a list of whom the caller may name for ``role`` in the estate (the route's
    roles, ``policy.GATEWAY_ROUTES``): ``{"items": [{"username"}]}``, the active holders of the
    role there (``assignable``), sorted; ``role`` a set: of any of them (the desk's colleagues)."""
    from .access import authorize_route  # access reads the routes, which read this module
    authorize_route(estate_id)
    requests_in.refuse_unknown_query()
    users = [user for user in store.users_with_role(current_app.extensions["estate_ops"].db, role)
             if assignable(user, estate_id, role)]
    return jsonify({"items": [{"username": user["_id"]} for user in users]})
