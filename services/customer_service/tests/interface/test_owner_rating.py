"""The owner's own rating of a request through an owner app (an integrator's key, ``POST
…/service-requests/{id}/rating``): a request registered by an app (channel ``app``) had no way to
be rated by its owner once the work was done. The portal's filer rates with his tracking code;
an app's owner could only be asked by the desk at a return visit, or the app posted a return
visit of its own, which told the return-visit figures a visit was made (an owner's probe). The
rating is kept as the portal's is, counted in the same satisfaction figures, and a low one owes
the desk's call back."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
START = clock.parse_iso("2026-11-23T02:00:00Z")
OWNER_APP = staff("apikey:ak_owner_app", ["agent"], [ESTATE])  # an owner app's key
MANAGER = staff("wang", ["manager"], [ESTATE])
PORTAL = staff("portal", [], [])


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(START)


def registered(desk, kind="repair", household_id="hh_1", **extra):
    as_caller(desk, OWNER_APP)
    body = {"kind": kind, "household_id": household_id, "channel": "app", "description": "kitchen tap leaks",
            **extra}
    return desk.create_request({"estate_id": ESTATE, "data": body})


def completed(desk, request, order="wo_1"):
    source = {"type": "service_request", "id": request["id"]}
    desk.on_work_order_created(event("maintenance", "work_order_created", ESTATE, {
        "id": order, "number": f"WO-2026-{order}", "source": source, "request_id": request["id"],
        "household_id": request["household_id"], "priority": "normal", "status": "pending",
        "created_at": clock.now_iso()}))
    desk.on_work_order_completed(event("maintenance", "work_order_completed", ESTATE, {
        "id": order, "number": f"WO-2026-{order}", "source": source, "request_id": request["id"],
        "household_id": request["household_id"], "priority": "normal", "reported_at": request["created_at"],
        "started_at": clock.now_iso(), "completed_at": clock.now_iso(), "charge_cents": 0,
        "material_cost_cents": 0, "labour_cost_cents": 0, "signed_by": "owner"}))


def rate(desk, request, score, caller=OWNER_APP):
    as_caller(desk, caller)
    return desk.rate_request({"estate_id": ESTATE, "id": request["id"], "data": {"satisfaction": score}})


def listed(desk, **filters):
    as_caller(desk, MANAGER)
    return [r["number"] for r in desk.list_requests({"estate_id": ESTATE, "filters": filters})["items"]]


def test_an_owner_app_rates_its_repair_once_the_work_is_done_and_once(desk):
    request = registered(desk)
    with pytest.raises(Conflict):  # not done yet
        rate(desk, request, 5)
    completed(desk, request)
    clock.freeze(START + timedelta(hours=1))
    rated = rate(desk, request, 5)
    assert rated["owner_rating"] == {"satisfaction": 5, "rated_at": clock.to_iso(START + timedelta(hours=1)),
                                     "by": "apikey:ak_owner_app", "call_back_due": False, "called_back": None}
    assert rated["history"][-1]["action"] == "rated" and rated["status"] == "completed"
    with pytest.raises(Conflict):  # once
        rate(desk, request, 1)
    as_caller(desk, MANAGER)
    kpis = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert (kpis["owner_satisfaction"]["numerator"], kpis["owner_satisfaction"]["denominator"]) == (1, 1)
    # the return-visit figures are the desk's visits': the owner's rating is not one
    assert desk.get_request({"estate_id": ESTATE, "id": request["id"]})["return_visits"] == []


def test_a_complaint_is_rated_once_it_is_answered(desk):
    complaint = registered(desk, kind="complaint", complainant="owner of 3-1-1201", nature="noise")
    with pytest.raises(Conflict):
        rate(desk, complaint, 4)
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    desk.reply_request({"estate_id": ESTATE, "id": complaint["id"], "data": {"message": "the works stop at 20:00"}})
    assert rate(desk, complaint, 4)["owner_rating"]["satisfaction"] == 4


def test_a_portal_filing_is_rated_with_its_tracking_code_not_twice_through_the_app(desk):
    as_caller(desk, PORTAL)
    answer = desk.portal_file_request({"estate_code": "HZ-01", "data": {
        "kind": "consultation", "building": "3", "unit": "1", "room": "1201", "contact_phone": "13800138000",
        "description": "when is the water off"}})
    as_caller(desk, MANAGER)
    [request] = desk.list_requests({"estate_id": ESTATE, "filters": {"number": answer["number"]}})["items"]
    with pytest.raises(BusinessRuleViolation):
        rate(desk, request, 5)


def test_a_low_app_rating_owes_the_desks_call_back_until_a_contact_about_it(desk):
    low, fair = registered(desk), registered(desk, household_id="hh_2")
    completed(desk, low)
    completed(desk, fair, order="wo_2")
    clock.freeze(START + timedelta(hours=1))
    assert rate(desk, low, 2)["owner_rating"]["call_back_due"] is True
    assert rate(desk, fair, 3)["owner_rating"]["call_back_due"] is False
    assert listed(desk, call_back="owed") == [low["number"]]
    clock.freeze(START + timedelta(hours=2))
    as_caller(desk, staff("zhou", ["steward"], [ESTATE]))
    contact = desk.record_owner_contact({"estate_id": ESTATE, "data": {
        "household_id": "hh_1", "kind": "steward_contact", "channel": "phone", "contacted_at": clock.now_iso(),
        "summary": "called back about the rating", "request_id": low["id"]}})
    assert listed(desk, call_back="owed") == [] and listed(desk, call_back="done") == [low["number"]]
    as_caller(desk, MANAGER)
    called = desk.get_request({"estate_id": ESTATE, "id": low["id"]})["owner_rating"]["called_back"]
    assert called == {"at": clock.to_iso(START + timedelta(hours=2)), "by": "zhou", "contact_id": contact["id"],
                      "return_visit_id": None}


def test_a_return_visit_after_a_low_app_rating_is_its_call_back(desk):
    request = registered(desk)
    completed(desk, request)
    clock.freeze(START + timedelta(hours=1))
    rate(desk, request, 1)
    clock.freeze(START + timedelta(hours=3))
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    visit = desk.record_return_visit({"estate_id": ESTATE, "id": request["id"],
                                      "data": {"satisfaction": 3, "notes": "fine now", "problem_found": False}})
    assert listed(desk, call_back="owed") == []
    as_caller(desk, MANAGER)
    called = desk.get_request({"estate_id": ESTATE, "id": request["id"]})["owner_rating"]["called_back"]
    assert called["return_visit_id"] == visit["id"]


def test_the_owner_s_rating_is_an_owner_app_s_not_the_desk_s_in_his_name(desk):
    """The route is the desk's (an owner app's key holds the agent's role), and any agent or manager
    signed in could post the owner's own rating: counted in owner_satisfaction as the owner's word
    and shown "(owner app)" on the request's page, where the console offers no such form because the
    desk gives no rating in an owner's name, and the desk's own asking is its return visit (found by
    review). Only an integrator's key (apikey:…) sends it: a person is a 403, nothing written."""
    request = registered(desk)
    completed(desk, request)
    for person in (staff("zhang", ["agent"], [ESTATE]), MANAGER):
        with pytest.raises(Forbidden):
            rate(desk, request, 5, caller=person)
    as_caller(desk, MANAGER)
    assert desk.get_request({"estate_id": ESTATE, "id": request["id"]}).get("owner_rating") is None
    assert rate(desk, request, 5)["owner_rating"]["by"] == "apikey:ak_owner_app"


def test_an_owner_app_rates_only_the_requests_filed_through_its_own_key(desk):
    """A key is estate-wide: any integrator's key with the desk's role (another owner app, a kiosk)
    could post the owner's own rating of any request of its estates, one the desk registered at the
    window or another app filed, in its owner's name (found by the session 46 note). The rating is
    the owner's of what he filed through the app: a request filed through another key, or by the
    desk, is a 403, nothing written."""
    ours = registered(desk)
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    at_the_window = desk.create_request({"estate_id": ESTATE, "data": {
        "kind": "repair", "household_id": "hh_2", "channel": "phone", "description": "the hall light"}})
    completed(desk, ours)
    completed(desk, at_the_window, order="wo_2")
    other_app = staff("apikey:ak_other_app", ["agent"], [ESTATE])
    for request, caller in ((ours, other_app), (at_the_window, OWNER_APP)):
        with pytest.raises(Forbidden) as refused:
            rate(desk, request, 5, caller=caller)
        assert "filed through" in str(refused.value)
        as_caller(desk, MANAGER)
        assert desk.get_request({"estate_id": ESTATE, "id": request["id"]}).get("owner_rating") is None
    assert rate(desk, ours, 4)["owner_rating"]["by"] == "apikey:ak_owner_app"


def test_a_key_made_to_replace_the_app_s_key_rates_what_the_app_filed_under_the_keys_it_replaces(desk):
    """An owner app's key rotated (a new key made to replace it, the old one revoked) could not rate
    the requests its app filed under the old key, and their owners could rate them nowhere (the
    session 47 note). The gateway's caller of a key made to replace another carries the keys it
    replaces (``replaces``, signed with the caller): those requests are the app's, rated with the
    new key, and only those: another app's key, or a key whose chain does not hold the filing key,
    is a 403 as before."""
    filed_2025 = registered(desk)  # under apikey:ak_owner_app
    completed(desk, filed_2025)
    filed_2026 = registered(desk, household_id="hh_2")
    completed(desk, filed_2026, order="wo_2")
    rotated = staff("apikey:ak_owner_app_2026", ["agent"], [ESTATE]) | {"replaces": ["apikey:ak_owner_app"]}
    again = staff("apikey:ak_owner_app_2027", ["agent"], [ESTATE]) | {
        "replaces": ["apikey:ak_owner_app_2026", "apikey:ak_owner_app"]}
    foreign = staff("apikey:ak_kiosk", ["agent"], [ESTATE]) | {"replaces": ["apikey:ak_old_kiosk"]}
    with pytest.raises(Forbidden) as refused:
        rate(desk, filed_2025, 5, caller=foreign)
    assert "filed through" in str(refused.value)
    as_caller(desk, MANAGER)
    assert desk.get_request({"estate_id": ESTATE, "id": filed_2025["id"]}).get("owner_rating") is None
    assert rate(desk, filed_2025, 4, caller=rotated)["owner_rating"]["by"] == "apikey:ak_owner_app_2026"
    assert rate(desk, filed_2026, 2, caller=again)["owner_rating"]["by"] == "apikey:ak_owner_app_2027"
    as_caller(desk, rotated)  # a request filed under the newer key is not the older key's
    newer = desk.create_request({"estate_id": ESTATE, "data": {
        "kind": "repair", "household_id": "hh_1", "channel": "app", "description": "the bathroom fan"}})
    completed(desk, newer, order="wo_3")
    with pytest.raises(Forbidden):
        rate(desk, newer, 5)  # the key it replaced
    assert rate(desk, newer, 5, caller=again)["owner_rating"]["satisfaction"] == 5
