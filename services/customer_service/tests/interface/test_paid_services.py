"""Paid value-added services (有偿增值服务) through the entrypoints: the manager's price list, the desk's
orders (a 3-hour deep clean next Tuesday), assigned, done with the units delivered and charged once
through finance, cancelled with a fee inside the window, complained about (found by h8's probe: the
desk could take such an order only as a repair of category other, priced by a free quote, promised
a repair's response time and counted in the repair KPIs)."""
import pytest

from customer_service import paid_services
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from estate_common.testing import as_caller, staff

ESTATE = "est_1"
AGENT = staff("zhang", ["agent"], [ESTATE])
MANAGER = staff("wang", ["manager"], [ESTATE])


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(clock.parse_iso("2026-12-07T02:00:00Z"))  # Monday 10:00 in Shanghai


def price(desk, caller=MANAGER, **data):
    as_caller(desk, caller)
    body = {"name": "Deep clean", "unit": "hour", "price_cents": 4999, **data}
    return desk.create_paid_service({"estate_id": ESTATE, "data": body})


def order(desk, service, key=None, **data):
    as_caller(desk, AGENT, idempotency_key=key)
    body = {"household_id": "hh_1", "service_id": service["id"], "day": "2026-12-15", "start": "09:00",
            "quantity": 3, **data}
    return desk.create_service_order({"estate_id": ESTATE, "data": body})


def act(desk, name, found, **data):
    as_caller(desk, AGENT)
    return getattr(desk, f"{name}_service_order")({"estate_id": ESTATE, "id": found["id"], "data": data})


def test_an_order_keeps_the_price_of_its_day_and_is_numbered_on_the_estate_s_clock(desk):
    with pytest.raises(Forbidden):
        price(desk, caller=AGENT)  # the manager sets the prices
    clean = price(desk)
    taken = order(desk, clean, key="k1")
    assert (taken["number"], taken["status"], taken["unit_price_cents"], taken["ordered_cents"]) == (
        "SO-2026-000001", "ordered", 4999, 14997)
    assert taken["scheduled_at"] == "2026-12-15T01:00:00.000Z"  # 09:00 in Shanghai
    assert order(desk, clean, key="k1") == taken  # a retry finds the first, no second number
    as_caller(desk, MANAGER)
    desk.update_paid_service({"estate_id": ESTATE, "id": clean["id"], "data": {"price_cents": 6000}})
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["unit_price_cents"] == 4999
    assert order(desk, clean)["unit_price_cents"] == 6000
    as_caller(desk, MANAGER)
    desk.update_paid_service({"estate_id": ESTATE, "id": clean["id"], "data": {"active": False}})
    with pytest.raises(BusinessRuleViolation) as refused:
        order(desk, clean)
    assert refused.value.errors[0]["field"] == "data.service_id"
    with pytest.raises(BusinessRuleViolation):
        order(desk, price(desk), day="2026-12-07", start="09:00")  # an hour ago
    found = desk.list_service_orders({"estate_id": ESTATE, "filters": {"number": "so-2026-1"}})["items"]
    assert [o["id"] for o in found] == [taken["id"]]


def test_done_with_the_hours_delivered_is_charged_once_half_up(desk):
    taken = order(desk, price(desk))
    with pytest.raises(Conflict):
        act(desk, "complete", taken)  # nobody assigned yet
    assigned(desk, taken, username="cleaner.li")
    done = act(desk, "complete", taken, quantity=3.5)
    assert (done["status"], done["delivered_quantity"], done["charged_cents"]) == ("done", 3.5, 17497)  # 17496.5
    [charge] = desk.outbox.of_type("charge_raised")
    assert charge["data"] == {"id": taken["id"], "item": "paid_service", "amount_cents": 17497,
                              "description": f"Paid service: Deep clean {taken['number']}", "household_id": "hh_1",
                              "subject": {"type": "service_order", "id": taken["id"]}, "collected": False}
    [closed] = desk.outbox.of_type("service_order_closed")
    assert (closed["data"]["how"], closed["data"]["charged_cents"], closed["data"]["provider_kind"]) == (
        "done", 17497, "staff")
    with pytest.raises(Conflict):
        act(desk, "complete", taken)  # done once
    with pytest.raises(Conflict):
        act(desk, "cancel", taken, reason="too late")
    assert len(desk.outbox.of_type("charge_raised")) == 1


def test_a_contractor_does_it_when_the_estate_has_one_engaged(desk):
    taken = order(desk, price(desk))
    as_caller(desk, MANAGER)
    hired = desk.register_contractor({"estate_id": ESTATE, "data": {
        "name": "Bright Clean Co", "service_line": "cleaning", "monthly_fee_cents": 1000000}})
    with pytest.raises(BusinessRuleViolation):
        act(desk, "assign", taken, contractor_id="ctr_unknown")
    assigned = act(desk, "assign", taken, contractor_id=hired["id"])
    assert assigned["provider"] == {"kind": "contractor", "id": hired["id"], "name": "Bright Clean Co"}


def test_cancelled_the_day_before_pays_the_estate_s_fee_and_earlier_nothing(desk):
    clean = price(desk)
    early, late = order(desk, clean), order(desk, clean)
    free = act(desk, "cancel", early, reason="plans changed")
    assert (free["status"], free["charged_cents"], free["cancelled"]["fee_cents"]) == ("cancelled", 0, 0)
    assert desk.outbox.of_type("charge_raised") == []
    assigned(desk, late, username="cleaner.li")
    clock.freeze(clock.parse_iso("2026-12-14T12:00:00Z"))  # 20:00 the day before: 13 hours to go
    charged = act(desk, "cancel", late, reason="the owner is away")
    assert charged["cancelled"]["fee_cents"] == 7499  # 50 % of 14,997, half up
    [fee] = desk.outbox.of_type("charge_raised")
    assert (fee["data"]["id"], fee["data"]["amount_cents"]) == (late["id"], 7499)
    with pytest.raises(Conflict):
        act(desk, "cancel", late, reason="again")


def test_the_estate_sets_its_window_and_fee(desk):
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"service_cancel_window_hours": 48,
                                                        "service_cancel_fee_percent": 20}})
    taken = order(desk, price(desk))
    assigned(desk, taken, username="cleaner.li")
    clock.freeze(clock.parse_iso("2026-12-13T12:00:00Z"))  # 37 hours before
    assert act(desk, "cancel", taken, reason="x")["cancelled"]["fee_cents"] == 2999  # 20 % of 14,997


def test_done_and_cancelled_at_once_one_wins_and_one_charge_is_raised(desk, monkeypatch):
    taken = order(desk, price(desk))
    assigned(desk, taken, username="cleaner.li")
    clock.freeze(clock.parse_iso("2026-12-15T05:00:00Z"))  # after the clean: a cancellation would cost the fee
    cancel = paid_services.cancel

    def done_meanwhile(found, *args):
        if found["status"] == "assigned":  # the cancel read the order before the completion was written
            monkeypatch.setattr(paid_services, "cancel", cancel)
            act(desk, "complete", taken)
        return cancel(found, *args)

    monkeypatch.setattr(paid_services, "cancel", done_meanwhile)
    with pytest.raises(Conflict):
        act(desk, "cancel", taken, reason="said the owner")
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["status"] == "done"
    assert [c["data"]["amount_cents"] for c in desk.outbox.of_type("charge_raised")] == [14997]
    assert len(desk.outbox.of_type("service_order_closed")) == 1


def test_a_complaint_about_an_order_is_a_complaint_request_listed_on_it(desk):
    taken = order(desk, price(desk))
    complaint = act(desk, "complain_about", taken, channel="phone", description="the balcony was left undone",
                    nature="cleaning")
    assert (complaint["kind"], complaint["household_id"], complaint["complaint"]["reference"]) == (
        "complaint", "hh_1", taken["number"])
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["complaints"] == [complaint["id"]]


def test_an_order_or_its_units_delivered_above_what_one_bill_holds_is_refused(desk):
    """Found by r8 reviewing h8: 10,000 hours at 1,000,000 yuan were ordered, and done their
    charge_raised broke its contract (more than any amount) and the step answered a 500; a charge
    is one bill, refused at its source above what one bill holds (money.MAX_BILL_CENTS)."""
    from estate_common import money
    dear = price(desk, price_cents=10_000_000)
    with pytest.raises(BusinessRuleViolation) as refused:
        order(desk, dear, quantity=10000)
    assert refused.value.errors[0]["field"] == "data.quantity"
    taken = order(desk, dear, quantity=10)  # 100,000,000 cents: one bill's most
    assert taken["ordered_cents"] == money.MAX_BILL_CENTS
    assigned(desk, taken, username="cleaner.li")
    with pytest.raises(BusinessRuleViolation) as refused:
        act(desk, "complete", taken, quantity=10.5)
    assert refused.value.errors[0]["field"] == "data.quantity"
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["status"] == "assigned"
    assert desk.outbox.of_type("charge_raised") == []
    assert act(desk, "complete", taken)["charged_cents"] == money.MAX_BILL_CENTS


def test_an_estate_with_no_window_charges_no_fee_even_after_the_start(desk):
    """Found by r8 reviewing h8: the setting says a window of 0 hours charges a fee never, but an
    order cancelled after its start (less than 0 hours before it) paid the estate's percent."""
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"service_cancel_window_hours": 0}})
    taken = order(desk, price(desk))
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))  # an hour after its start
    cancelled = act(desk, "cancel", taken, reason="the owner was not in")
    assert (cancelled["charged_cents"], cancelled["cancelled"]["fee_cents"], cancelled["charge_id"]) == (0, 0, None)
    assert desk.outbox.of_type("charge_raised") == []


def test_an_order_no_one_was_assigned_to_is_cancelled_free_even_after_its_start(desk):
    """Found by h5 (session 61's leftovers): the fee pays a provider kept waiting; an order no one
    was assigned to kept no one waiting, and cancelled late (even after its start) it paid half."""
    taken = order(desk, price(desk))
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))  # an hour after its start, nobody sent
    cancelled = act(desk, "cancel", taken, reason="nobody came")
    assert (cancelled["charged_cents"], cancelled["cancelled"]["fee_cents"], cancelled["charge_id"]) == (0, 0, None)
    assert desk.outbox.of_type("charge_raised") == []


def test_a_provider_who_never_came_costs_the_owner_nothing(desk):
    """Found by h5: an order whose provider did not come at its start, cancelled by the owner, paid
    the fee as if the owner had kept him waiting; the desk says so (``provider_absent``), only once
    the start is past (422 before it: nobody can have failed to come yet)."""
    taken = order(desk, price(desk))
    assigned(desk, taken, username="cleaner.li")
    clock.freeze(clock.parse_iso("2026-12-15T00:30:00Z"))  # half an hour before its start
    with pytest.raises(BusinessRuleViolation) as refused:
        act(desk, "cancel", taken, reason="nobody came", provider_absent=True)
    assert refused.value.errors[0]["field"] == "data.provider_absent"
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))  # an hour after its start
    cancelled = act(desk, "cancel", taken, reason="nobody came", provider_absent=True)
    assert (cancelled["cancelled"]["fee_cents"], cancelled["cancelled"]["provider_absent"]) == (0, True)
    assert desk.outbox.of_type("charge_raised") == []


def test_an_assigned_order_cancelled_after_its_start_by_the_owner_pays_the_fee(desk):
    taken = order(desk, price(desk))
    assigned(desk, taken, username="cleaner.li")
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))  # the cleaner at the door, the owner out
    assert act(desk, "cancel", taken, reason="the owner was not in")["cancelled"]["fee_cents"] == 7499


def test_an_order_is_taken_at_most_the_estate_s_days_ahead(desk):
    """Found by h5: an order could be set any distance ahead (a start in 2099 was taken);
    ``service_order_max_days_ahead`` (90, chosen) days at most, a 422 naming ``data.day`` beyond."""
    clean = price(desk)
    assert order(desk, clean, day="2027-03-07")["day"] == "2027-03-07"  # 90 days on
    with pytest.raises(BusinessRuleViolation) as refused:
        order(desk, clean, day="2027-03-08")
    assert refused.value.errors[0]["field"] == "data.day"
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"service_order_max_days_ahead": 7}})
    with pytest.raises(BusinessRuleViolation):
        order(desk, clean, day="2026-12-15")
    assert order(desk, clean, day="2026-12-14")["status"] == "ordered"


def assigned(desk, found, looked_up="service_staff", **data):
    """``assign`` as the gateway calls it with a username: ``assignee`` is what it found of the
    name in its accounts (``assignees.service_staff_fact``)."""
    as_caller(desk, AGENT)
    desk.caller.assignee = looked_up
    try:
        return desk.assign_service_order({"estate_id": ESTATE, "id": found["id"], "data": data})
    finally:
        desk.caller.assignee = None


def test_staff_assigned_is_an_active_member_of_the_estate_who_does_the_work(desk):
    """Found by h5 (session 61's leftovers): any username was taken as the provider (a typo, another
    estate's, a guard); as a work order's technician, the gateway looks the name up in its accounts
    and the order refuses one that is not an active technician, agent or steward of the estate (422
    naming data.username), after the order's own state (409 first)."""
    taken = order(desk, price(desk))
    with pytest.raises(BusinessRuleViolation) as refused:
        assigned(desk, taken, looked_up="not_service_staff", username="nobody.so.called")
    assert refused.value.errors[0]["field"] == "data.username"
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["status"] == "ordered"
    assert desk.outbox.of_type("service_order_assigned") == []
    assert assigned(desk, taken, username="li.tech")["provider"] == {"kind": "staff", "username": "li.tech"}
    act(desk, "cancel", taken, reason="plans changed")
    with pytest.raises(Conflict):
        assigned(desk, taken, looked_up="not_service_staff", username="nobody.so.called")



def test_no_member_of_staff_is_assigned_whom_no_one_looked_up(desk):
    """Found last session (h7): a call without the gateway's look-up (``assignee`` absent: the gateway
    sends it for a username) was taken as "a call from within" and any name assigned; no service calls
    customer service, so it is a call that did not come through the gateway. 422 naming data.username,
    nothing written; a contractor, the service's own record, needs no look-up."""
    taken = order(desk, price(desk))
    with pytest.raises(BusinessRuleViolation) as refused:
        assigned(desk, taken, looked_up=None, username="nobody.so.called")
    assert [e["field"] for e in refused.value.errors] == ["data.username"]
    assert "looked up" in refused.value.errors[0]["message"]
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["status"] == "ordered"
    as_caller(desk, MANAGER)
    hired = desk.register_contractor({"estate_id": ESTATE, "data": {
        "name": "Bright Clean Co", "service_line": "cleaning", "monthly_fee_cents": 1000000}})
    assert assigned(desk, taken, looked_up=None, contractor_id=hired["id"])["provider"]["kind"] == "contractor"


def test_an_assignment_is_announced_for_the_owner_s_app(desk):
    """Found by h5: nobody was told who comes (``service_order_assigned``: the order, its start, who
    does it, the one before); the same provider again is no step and no second notice."""
    taken = order(desk, price(desk))
    assigned(desk, taken, username="li.tech")
    as_caller(desk, MANAGER)
    hired = desk.register_contractor({"estate_id": ESTATE, "data": {
        "name": "Bright Clean Co", "service_line": "cleaning", "monthly_fee_cents": 1000000}})
    act(desk, "assign", taken, contractor_id=hired["id"])
    act(desk, "assign", taken, contractor_id=hired["id"])  # the same again: nothing new
    first, second = [e["data"] for e in desk.outbox.of_type("service_order_assigned")]
    assert first == {"id": taken["id"], "number": taken["number"], "household_id": "hh_1",
                     "service_id": taken["service_id"], "service_name": "Deep clean",
                     "scheduled_at": "2026-12-15T01:00:00.000Z", "provider": {"kind": "staff", "username": "li.tech"},
                     "previous_provider": None, "assigned_at": "2026-12-07T02:00:00.000Z"}
    assert (second["provider"], second["previous_provider"]) == (
        {"kind": "contractor", "id": hired["id"], "name": "Bright Clean Co"}, {"kind": "staff", "username": "li.tech"})


OWNER_APP = staff("apikey:ak_owner_app", ["agent"], [ESTATE])  # an owner app's key (the agent's routes)


def test_an_owner_s_app_cannot_say_the_provider_was_absent_to_cancel_free(desk):
    """Found by r5 reviewing h5: an owner app's key cancels its owner's order (the agent's route, not
    one of the staff's own), and with ``provider_absent`` it cancelled free an order whose provider
    stood at the door (7,499 cents of fee gone on the owner's word). The absence is the desk's to
    record, a person's (403 to a key, nothing written); the app cancels as the owner, the fee as due."""
    service = price(desk)
    as_caller(desk, OWNER_APP)  # placed through the app: a key cancels only the orders it placed (r4)
    taken = desk.create_service_order({"estate_id": ESTATE, "data": {
        "household_id": "hh_1", "service_id": service["id"], "day": "2026-12-15", "start": "09:00", "quantity": 3}})
    assigned(desk, taken, username="cleaner.li")
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))  # an hour after its start
    as_caller(desk, OWNER_APP)
    with pytest.raises(Forbidden):
        desk.cancel_service_order({"estate_id": ESTATE, "id": taken["id"],
                                   "data": {"reason": "nobody came", "provider_absent": True}})
    assert desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})["status"] == "assigned"
    as_caller(desk, OWNER_APP)
    cancelled = desk.cancel_service_order({"estate_id": ESTATE, "id": taken["id"], "data": {"reason": "away"}})
    assert (cancelled["cancelled"]["fee_cents"], cancelled["cancelled"]["provider_absent"]) == (7499, False)


def test_no_provider_can_be_absent_from_an_order_no_one_was_assigned_to(desk):
    """Found by r5 reviewing h5: ``provider_absent`` on an order no one was assigned to was kept true
    (a provider who never existed recorded as not coming); it is a 422 naming the field (the order is
    free anyway, cancelled without it)."""
    taken = order(desk, price(desk))
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))
    with pytest.raises(BusinessRuleViolation) as refused:
        act(desk, "cancel", taken, reason="nobody came", provider_absent=True)
    assert refused.value.errors[0]["field"] == "data.provider_absent"
    assert act(desk, "cancel", taken, reason="nobody came")["cancelled"]["fee_cents"] == 0


def test_an_owner_app_s_key_cancels_only_the_orders_it_placed(desk):
    """r4 reviewing h4: a key is estate-wide, and any key holding agent (another vendor's owner app, a
    kiosk) cancelled any household's order, the desk's or another app's, inside the window charging that
    household the cancellation fee. A key cancels the orders placed through it (or the key it replaced),
    403 else, as a key rates only the requests it filed; the desk cancels any."""
    clean = price(desk)
    app = staff("apikey:ak_app", ["agent"], [ESTATE])
    as_caller(desk, app)
    by_app = desk.create_service_order({"estate_id": ESTATE, "data": {
        "household_id": "hh_1", "service_id": clean["id"], "day": "2026-12-15", "start": "09:00", "quantity": 3}})
    by_desk = order(desk, clean)
    for placed in (by_app, by_desk):
        assigned(desk, placed, username="li.tech")  # a provider's time kept: a late cancellation costs the fee
    clock.freeze(clock.parse_iso("2026-12-14T12:00:00Z"))  # inside the window
    for caller, placed in ((staff("apikey:ak_other_app", ["agent"], [ESTATE]), by_app), (app, by_desk)):
        as_caller(desk, caller)
        with pytest.raises(Forbidden):
            desk.cancel_service_order({"estate_id": ESTATE, "id": placed["id"], "data": {"reason": "x"}})
    assert desk.outbox.of_type("charge_raised") == []
    as_caller(desk, {**app, "user": "apikey:ak_app_rotated", "replaces": ["apikey:ak_app"]})
    assert desk.cancel_service_order({"estate_id": ESTATE, "id": by_app["id"],
                                      "data": {"reason": "x"}})["status"] == "cancelled"
    assert act(desk, "cancel", by_desk, reason="said the owner")["status"] == "cancelled"


def test_an_owner_app_s_key_sets_no_price_and_assigns_and_completes_no_order_even_past_the_gateway(desk):
    """Found last session (h7): the price list, an order's assignment and its completion are the staff's
    (the gateway's ``policy.PEOPLE_ONLY``), but the service's own check took any key holding the role, so a
    call reaching it without the gateway (a key's caller, signed) did them. 403 to a key whatever its
    roles, nothing written; the key still orders and cancels what it placed."""
    service = price(desk)
    app = staff("apikey:ak_app", ["agent", "manager"], [ESTATE])
    as_caller(desk, app)
    for call in (lambda: desk.create_paid_service({"estate_id": ESTATE, "data": {
                     "name": "Window clean", "unit": "hour", "price_cents": 100}}),
                 lambda: desk.update_paid_service({"estate_id": ESTATE, "id": service["id"],
                                                   "data": {"price_cents": 1}})):
        with pytest.raises(Forbidden, match="signed in"):
            call()
    taken = desk.create_service_order({"estate_id": ESTATE, "data": {
        "household_id": "hh_1", "service_id": service["id"], "day": "2026-12-15", "start": "09:00", "quantity": 3}})
    desk.caller.assignee = "service_staff"
    with pytest.raises(Forbidden, match="signed in"):
        desk.assign_service_order({"estate_id": ESTATE, "id": taken["id"], "data": {"username": "li.tech"}})
    assigned(desk, taken, username="li.tech")
    clock.freeze(clock.parse_iso("2026-12-15T04:00:00Z"))
    as_caller(desk, app)
    with pytest.raises(Forbidden, match="signed in"):
        desk.complete_service_order({"estate_id": ESTATE, "id": taken["id"], "data": {"quantity": 3}})
    shown = desk.get_service_order({"estate_id": ESTATE, "id": taken["id"]})
    assert (shown["status"], shown["unit_price_cents"]) == ("assigned", 4999)


def test_an_owner_app_s_key_complains_only_about_the_orders_it_placed(desk):
    """Found last session (h7): any key holding agent (another vendor's owner app, a kiosk) filed a complaint
    in a household's name about any order, the desk's or another app's, counted in the complaint KPIs and
    listed on the order. A key complains about the orders placed through it (or the key it replaced), 403
    else with nothing written, as it cancels only those (r4); the desk complains about any."""
    clean = price(desk)
    app = staff("apikey:ak_app", ["agent"], [ESTATE])
    as_caller(desk, app)
    by_app = desk.create_service_order({"estate_id": ESTATE, "data": {
        "household_id": "hh_1", "service_id": clean["id"], "day": "2026-12-15", "start": "09:00", "quantity": 3}})
    by_desk = order(desk, clean)
    complaint = {"channel": "phone", "description": "the balcony was left undone"}
    for caller, placed in ((staff("apikey:ak_other_app", ["agent"], [ESTATE]), by_app), (app, by_desk)):
        as_caller(desk, caller)
        with pytest.raises(Forbidden):
            desk.complain_about_service_order({"estate_id": ESTATE, "id": placed["id"], "data": complaint})
    as_caller(desk, AGENT)
    assert desk.list_requests({"estate_id": ESTATE})["items"] == []
    assert [desk.get_service_order({"estate_id": ESTATE, "id": o["id"]})["complaints"] for o in (by_app, by_desk)] == [
        [], []]
    as_caller(desk, {**app, "user": "apikey:ak_app_rotated", "replaces": ["apikey:ak_app"]})
    filed = desk.complain_about_service_order({"estate_id": ESTATE, "id": by_app["id"], "data": complaint})
    assert filed["kind"] == "complaint"
    assert act(desk, "complain_about", by_desk, **complaint)["kind"] == "complaint"
