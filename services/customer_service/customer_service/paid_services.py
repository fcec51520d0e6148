"""Paid value-added services (有偿增值服务: 家政保洁, 代收代缴, 快递代收…): what the service centre does
for an owner at the owner's request and for a price.

The estate's price list (``new_service``): each service its name, the unit it is priced by (an
hour, a visit, an item, a m²) and the price of one unit in cents, active or not (a service taken
off the list keeps its orders; a new order names an active one, 422 else). A price changed later
changes no order taken: the order keeps the unit price of its day (``unit_price_cents``).

An order (``new_order``): a household of the estate, a service, when (the local day and start time
on the estate's clock), how many units; numbered per estate and year (SO-2026-000001). The desk
assigns it to who does it (``assign``: a member of staff by username, or one of the estate's
contractors; again to another while not done), it is done with the units actually delivered
(``complete``: a 3-hour clean that took 4 is charged 4), and charged once through finance: the
order's ``charge_raised`` (item ``paid_service``, the order's id the charge's: finance makes one
bill of it however often it is delivered) in the same write as the step. The amount is units ×
unit price, rounded half up to the cent (a quantity may be 2.5 hours).

Cancelled (``cancel``) before it is done: free until ``service_cancel_window_hours`` before its
start; later, ``service_cancel_fee_percent`` of the ordered amount (half up) is charged as the
order's charge (a fee of 0 charges nothing). The fee pays for a provider's time held or his wait at
the door (``cancellation_fee``, the one place of the rule): an order no one was assigned to held no
one and is free whenever cancelled, and one whose provider did not come at its start
(``provider_absent``, said by the desk once the start is past, of an order assigned; not by an
owner app's key: r5) is not the owner's doing and is free. Done and cancelled are exclusive: the second of two
at once finds the first's status and is a 409 (one write each, by the order's revision).

A complaint about an order (``complained``) is a complaint service request of the household, its
reference the order's number, listed on the order (``complaints``)."""
from datetime import timedelta
from decimal import Decimal

from estate_common import calendar, clock, money, numbering, roles, transitions
from estate_common.errors import BusinessRuleViolation, Forbidden, field_error
from estate_common.text import optional_text

from .domain import Change, history_entry

NUMBER_PREFIX = "SO"
SERIES = "service_order"
SUBJECT_TYPE = "service_order"
CHARGE_ITEM = "paid_service"

UNITS = ("hour", "visit", "item", "m2")

# status -> {action: next status}. An action not listed is refused (409).
TRANSITIONS = {
    "ordered": {"assign": "assigned", "cancel": "cancelled"},
    "assigned": {"assign": "assigned", "complete": "done", "cancel": "cancelled"},
    "done": {},
    "cancelled": {},
}


# -- the price list ---------------------------------------------------------------------------

def new_service(service_id, estate_id, data, now, user):
    at = clock.to_iso(now)
    return {"_id": service_id, "estate_id": estate_id, "name": data["name"].strip(), "unit": data["unit"],
            "price_cents": data["price_cents"], "active": data.get("active", True),
            "description": optional_text(data, "description"), "history": [history_entry(at, user, "listed")],
            "created_at": at, "updated_at": at, "created_by": user, "_rev": 0}


def update_service(service, data, now, user):
    """A price, name or description changed, a service taken off the list or put back: orders
    taken keep their price."""
    at = clock.to_iso(now)
    changes = {key: (data[key].strip() if isinstance(data[key], str) else data[key])
               for key in ("name", "price_cents", "active", "description") if key in data}
    note = ", ".join(f"{key} {changes[key]}" for key in sorted(changes))
    return Change({**changes, "updated_at": at}, [history_entry(at, user, "updated", note)])


# -- orders -----------------------------------------------------------------------------------

def scheduled_at(data, now, rules):
    """The order's start: ``day`` and ``start`` (HH:MM) on the estate's clock, as UTC; a start past
    is a 422 (an order is for a time to come), and so is a day more than the estate's
    ``service_order_max_days_ahead`` local days after today (found by h5: a start in 2099 was taken,
    a provider's diary no one keeps that far)."""
    day = calendar.checked_day(data["day"], "data.day")
    moment = calendar.at_local(day, data["start"], rules["timezone"])
    if moment <= now:
        raise BusinessRuleViolation("an order is for a time to come",
                                    [field_error("data.day", "the start is past")])
    ahead = rules["service_order_max_days_ahead"]
    last = calendar.local_date(now, rules["timezone"]) + timedelta(days=ahead)
    if day > last:
        raise BusinessRuleViolation(f"an order is taken at most {ahead} days ahead",
                                    [field_error("data.day", f"is after {last.isoformat()}")])
    return moment


def amount(units, unit_price_cents):
    """units × unit price in whole cents, half up (2.5 hours at 4,999 cents: 12,498 cents)."""
    return money.to_cents(Decimal(str(units)) * Decimal(unit_price_cents))


def billed_amount(units, unit_price_cents):
    """``amount``, refused (422 naming ``data.quantity``) above what one bill holds: the order's
    charge is one bill at finance (10,000 hours at 1,000,000 yuan broke the charge's contract)."""
    cents = amount(units, unit_price_cents)
    money.refuse_above_one_bill(cents, "data.quantity", "a paid service's order")
    return cents


def orderable(service):
    if not service["active"]:
        raise BusinessRuleViolation("the service is not on the price list any more",
                                    [field_error("data.service_id", "is not active")])


def new_order(order_id, estate_id, data, service, number, now, rules, user):
    orderable(service)
    at = clock.to_iso(now)
    start = scheduled_at(data, now, rules)
    quantity = data["quantity"]
    ordered_cents = billed_amount(quantity, service["price_cents"])
    return {"_id": order_id, "estate_id": estate_id, "number": number, "household_id": data["household_id"],
            "service_id": service["_id"], "service_name": service["name"], "unit": service["unit"],
            "unit_price_cents": service["price_cents"], "quantity": quantity,
            "ordered_cents": ordered_cents,
            "day": data["day"], "start": data["start"], "scheduled_at": clock.to_iso(start),
            "notes": optional_text(data, "notes"), "status": "ordered", "provider": None,
            "delivered_quantity": None, "charged_cents": None, "charge_id": None,
            "done": None, "cancelled": None, "complaints": [],
            "history": [history_entry(at, user, "ordered")],
            "created_at": at, "updated_at": at, "created_by": user, "_rev": 0}


def assign(order, provider, now, user, assignee=None):
    """``provider``: ``{kind: staff, username}`` or ``{kind: contractor, id, name}`` (checked by the
    caller against the estate's contractors). A member of staff is one the gateway found an active
    technician, agent or steward of the estate (``assignee``, its ``assignees.service_staff_fact``:
    ``not_service_staff`` a 422 naming ``data.username``; None: not looked up, a 422 as well),
    as a work order's technician is (found by h5: any username was taken, a typo or a guard). The
    order's state first (409). The same provider again is no step (None); an assignment is announced
    (``service_order_assigned``, found by h5: nobody was told who comes) for the owner's app."""
    status = transitions.next_status(TRANSITIONS, order["status"], "assign", "a service order")
    if provider["kind"] == "staff":
        roles.require_looked_up({"data.username": assignee}, "a paid service is done by the estate's own staff "
                                                             "or a contractor")
    if provider["kind"] == "staff" and assignee == "not_service_staff":
        raise BusinessRuleViolation("a paid service is done by the estate's own staff or a contractor", [field_error(
            "data.username", "is not an active technician, agent or steward of this estate")])
    if order.get("provider") == provider:
        return None
    at = clock.to_iso(now)
    note = provider.get("username") or provider.get("name")
    announced = {"id": order["_id"], "number": order["number"], "household_id": order["household_id"],
                 "service_id": order["service_id"], "service_name": order["service_name"],
                 "scheduled_at": order["scheduled_at"], "provider": provider,
                 "previous_provider": order.get("provider"), "assigned_at": at}
    return Change({"status": status, "provider": provider, "updated_at": at},
                  [history_entry(at, user, "assigned", note)], [("service_order_assigned", announced)])


def _charge(order, amount_cents, what):
    return {"id": order["_id"], "item": CHARGE_ITEM, "amount_cents": amount_cents,
            "description": f"{what}: {order['service_name']} {order['number']}"[:500],
            "household_id": order["household_id"], "subject": {"type": SUBJECT_TYPE, "id": order["_id"]},
            "collected": False}


def complete(order, data, now, user):
    """Done with the units delivered (the ordered quantity when not given): charged once, in the
    same write (a charge of 0 cents, a free service, raises none)."""
    status = transitions.next_status(TRANSITIONS, order["status"], "complete", "a service order")
    at = clock.to_iso(now)
    delivered = data.get("quantity", order["quantity"])
    cents = billed_amount(delivered, order["unit_price_cents"])
    events = [("charge_raised", _charge(order, cents, "Paid service"))] if cents > 0 else []
    done = {"at": at, "by": user, "notes": optional_text(data, "notes")}
    return Change({"status": status, "delivered_quantity": delivered, "charged_cents": cents,
                   "charge_id": order["_id"] if cents else None, "done": done, "updated_at": at},
                  [history_entry(at, user, "done", f"{delivered} {order['unit']}, {cents} cents")],
                  events + [("service_order_closed", closed_announced(order, "done", at, cents))])


def cancellation_fee(order, now, rules, provider_absent=False):
    """The fee of a cancellation at ``now``: none before the window; inside it (or after the start),
    the estate's percent of the ordered amount, half up. A window of 0 hours charges none ever (the
    setting's "0: never"; a cancellation after the start paid the fee).

    The fee compensates a provider whose time the order held (found by h5, session 61's leftovers):
    DOMAIN.md charges an occupant only for work priced and agreed before it, and the seeds (有偿增值服务)
    charge for a service rendered; so an order no one was assigned to (no provider held, whatever
    the hour) is free, and so is one whose provider did not come at its start (``provider_absent``:
    not the owner's fault). Only an assigned provider kept waiting or turned away late is paid."""
    if order.get("provider") is None or provider_absent:
        return 0
    window = rules["service_cancel_window_hours"]
    start = clock.parse_iso(order["scheduled_at"])
    hours = (start - now).total_seconds() / 3600
    if window == 0 or hours >= window:
        return 0
    return money.to_cents(Decimal(order["ordered_cents"]) * Decimal(rules["service_cancel_fee_percent"]) / 100)


def require_placed_by(order, caller, refusal):
    """An owner app's key acts on the orders placed through it (or the keys it replaced: ``acts_for``), 403
    else; the desk on any. A key is estate-wide: another vendor's app or a kiosk cancelled (r4 reviewing h4)
    and complained about (found by h7) the desk's and other apps' orders in their households' names."""
    if roles.is_api_key(caller.user) and not caller.acts_for(order["created_by"]):
        raise Forbidden(refusal)


def cancel(order, data, now, caller, rules):
    """The order cancelled, with the estate's fee inside its window. An owner app's key cancels the orders
    placed through it (or the key it replaced), 403 else: a key is estate-wide, and another vendor's app
    cancelled the desk's and other apps' orders, their households charged the fee (r4 reviewing h4), as a
    key rates only the requests it filed (``portal.owner_rate``); the desk cancels any."""
    status = transitions.next_status(TRANSITIONS, order["status"], "cancel", "a service order")
    require_placed_by(order, caller, "an owner app cancels the orders placed through its own key: the desk cancels another")
    user = caller.user
    at = clock.to_iso(now)
    absent = bool(data.get("provider_absent"))
    if absent and roles.is_api_key(user):
        # found by r5 reviewing h5: an owner app's key cancels its owner's order, and saying the
        # provider never came it cancelled free one whose provider stood at the door; the absence is
        # the desk's to record (it hears the provider's side), the app's cancellation pays as due
        raise Forbidden("the provider's absence is recorded by the desk, not by an app")
    if absent and order.get("provider") is None:
        raise BusinessRuleViolation("no provider was assigned to the order", [
            field_error("data.provider_absent", "the order has no provider to be absent")])
    if absent and now < clock.parse_iso(order["scheduled_at"]):
        raise BusinessRuleViolation("a provider fails to come only once the start is past", [
            field_error("data.provider_absent", f"the start, {order['scheduled_at']}, is still to come")])
    fee = cancellation_fee(order, now, rules, provider_absent=absent)
    reason = data["reason"].strip()
    events = [("charge_raised", _charge(order, fee, "Cancellation fee"))] if fee > 0 else []
    return Change({"status": status, "charged_cents": fee, "charge_id": order["_id"] if fee else None,
                   "cancelled": {"at": at, "by": user, "reason": reason, "fee_cents": fee,
                                 "provider_absent": absent}, "updated_at": at},
                  [history_entry(at, user, "cancelled", f"{reason} (fee {fee} cents)")],
                  events + [("service_order_closed", closed_announced(order, "cancelled", at, fee))])


def closed_announced(order, how, at, charged_cents):
    """``service_order_closed``: done or cancelled, what was charged; no names (the provider's kind
    only)."""
    provider = order.get("provider") or {}
    return {"id": order["_id"], "number": order["number"], "household_id": order["household_id"],
            "service_id": order["service_id"], "how": how, "scheduled_at": order["scheduled_at"],
            "unit": order["unit"], "unit_price_cents": order["unit_price_cents"],
            "quantity": order["quantity"], "charged_cents": charged_cents,
            "provider_kind": provider.get("kind"), "closed_at": at}


def complained(order, request_id, now, user):
    """A complaint request about the order, listed on it (once)."""
    if request_id in order["complaints"]:
        return None
    at = clock.to_iso(now)
    return Change({"complaints": order["complaints"] + [request_id], "updated_at": at},
                  [history_entry(at, user, "complained", request_id)])


def number_of(now, tz, sequence):
    return numbering.number(NUMBER_PREFIX, now, tz, sequence)


def series_of(now, tz):
    return numbering.series(SERIES, now, tz)
