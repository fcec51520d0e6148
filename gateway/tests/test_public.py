"""The owner portal's public routes: no token, the signed caller ``portal``, the payload the
service's contract takes, rate limits (429 with Retry-After, per address and per estate), the
body cap; and the staff route that prints the portal's QR codes."""
import xml.etree.ElementTree as ElementTree

import pytest

from estate_common import clock, contracts
from estate_common.errors import NotFound
from gateway import portal_qr, public
from gateway.routes import PUBLIC_FORWARDED

from .conftest import bearer, build_app

CODE = "HZ-01." + "a" * 32
FILED = {"tracking_code": CODE, "number": "SR-2026-000001", "status": "open"}
TRACKED = {"number": "SR-2026-000001", "kind": "repair", "status": "open", "created_at": "2026-11-23T02:00:00.000Z",
           "updated_at": "2026-11-23T02:00:00.000Z", "history": [{"at": "2026-11-23T02:00:00.000Z", "status": "open"}],
           "rateable": False, "satisfaction": None, "timezone": "Asia/Shanghai"}
BODY = {"kind": "repair", "building": "3", "unit": "1", "room": "1201", "contact_phone": "13800138000",
        "description": "kitchen tap leaks"}
STATEMENT = {"estate_name": "West Lake", "timezone": "Asia/Shanghai", "service_phone": None, "duty_phone": None,
             "building": "3", "unit": "1", "room": "1201", "from": "2025-12", "to": "2026-11", "unpaid_cents": 21002,
             "overdue_cents": 0, "prepaid_cents": 0, "billed_cents": 21002, "received_cents": 0,
             "bills": [{"item": "property_service", "period": "2026-11", "amount_cents": 21002, "paid_cents": 0,
                        "status": "unpaid", "due_at": "2026-12-21T15:59:59.999Z", "work_order_number": None}],
             "payments": [], "generated_at": "2026-11-23T02:00:10.000Z"}
LIMITS = {"window_seconds": 600, "address_max_calls": 8, "address_max_writes": 3, "estate_max_writes": 5,
          "max_body_bytes": 16384}


@pytest.fixture
def app():
    clock.freeze(clock.parse_iso("2026-11-23T02:00:10Z"))  # 10 s into a window
    app = build_app(public_limits=dict(LIMITS))
    fake = app.extensions["estate_ops"].rpc
    fake.answer("customer_service", "portal_file_request", FILED)  # no Idempotency-Key: no replay_flag
    fake.answer("customer_service", "portal_track_request", TRACKED)
    fake.answer("customer_service", "portal_rate_request", {**TRACKED, "satisfaction": 5})
    yield app
    clock.reset()


def file(client, address="10.0.0.1", estate="HZ-01", body=BODY, **kwargs):
    return client.post(f"/api/v1/public/estates/{estate}/requests", json=body,
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def test_the_public_routes_need_no_token_and_call_the_service_as_the_portal(app, contract):
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    assert contract.check(app, file(client), 201) == FILED
    assert contract.check(app, client.get(f"/api/v1/public/requests/{CODE}"), 200) == TRACKED
    rated = client.post(f"/api/v1/public/requests/{CODE}/rating", json={"satisfaction": 5})
    assert contract.check(app, rated, 200)["satisfaction"] == 5
    book = contracts.load()
    for call in rpc.calls:
        assert call.caller == public.CALLER
        assert book.errors(f"rpc/{call.service}/{call.method}.json#/input", call.payload) == []
    assert rpc.calls[0].payload == {"estate_code": "HZ-01", "data": BODY}
    assert rpc.calls[1].payload == {"tracking_code": CODE}


def test_a_filing_hands_its_idempotency_key_to_the_service_and_keeps_no_answer(app, contract):
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    rpc.answer("customer_service", "portal_file_request", {"result": FILED, "replayed": False})
    first = file(client, headers={"Idempotency-Key": "form-7f3a"})
    assert contract.check(app, first, 201) == FILED and "Idempotent-Replayed" not in first.headers
    # the service found the first filing: the retry says so, as the gateway's own replays do
    # (it did not: found by review)
    rpc.answer("customer_service", "portal_file_request", {"result": FILED, "replayed": True})
    again = file(client, headers={"Idempotency-Key": "form-7f3a"})
    assert contract.check(app, again, 201) == FILED and again.headers["Idempotent-Replayed"] == "true"
    assert [call.context for call in rpc.calls] == [{"idempotency_key": "form-7f3a", "replay_flag": True}] * 2
    # a customer-service from before replay_flag (a rolling deploy) answers the filing alone
    rpc.answer("customer_service", "portal_file_request", FILED)
    older = file(client, headers={"Idempotency-Key": "form-7f3a"})
    assert contract.check(app, older, 201) == FILED and "Idempotent-Replayed" not in older.headers
    assert file(client, address="10.0.0.2").status_code == 201 and rpc.calls[-1].context is None  # no key: none passed


def test_a_malformed_idempotency_key_on_a_filing_is_400_and_calls_nothing(app, contract):
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    for n, key in enumerate(("k" * 129, "café", " padded", "tab\tkey")):  # too long, not ASCII (found by review),
        answer = file(client, headers={"Idempotency-Key": key.encode().decode("latin-1")},  # spaces, control
                      address=f"10.0.9.{n}")
        body = contract.problem(answer, 400)
        assert body["errors"][0]["field"] == "Idempotency-Key"
    assert rpc.calls == []


def test_a_service_404_passes_as_a_bare_404(app, contract):
    app.extensions["estate_ops"].rpc.answer("customer_service", "portal_file_request", NotFound("not found"))
    body = contract.problem(file(app.test_client(), estate="NOPE-1"), 404)
    assert body["detail"] == "not found"


def test_filings_from_one_address_are_limited_with_retry_after(app, contract):
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    for _ in range(LIMITS["address_max_writes"]):
        assert file(client).status_code == 201
    refused = file(client)
    contract.problem(refused, 429)
    assert int(refused.headers["Retry-After"]) == 591  # the 590 s left of the window, and one (as sign-in does)
    assert len(rpc.calls) == LIMITS["address_max_writes"]  # refused before the service
    assert file(client, address="10.0.0.2").status_code == 201  # another address is not held back


def test_every_call_from_one_address_counts_and_the_estate_has_its_own_limit(app, contract):
    client = app.test_client()
    for n in range(LIMITS["address_max_calls"]):
        response = client.get(f"/api/v1/public/requests/{CODE}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert response.status_code == 200, n
    contract.problem(client.get(f"/api/v1/public/requests/{CODE}", environ_base={"REMOTE_ADDR": "10.0.0.9"}), 429)
    # the estate's code in any case is the same estate (archive keeps codes upper-cased)
    answers = [file(client, address=f"10.1.0.{n}", estate="HZ-01" if n % 2 else "hz-01").status_code
               for n in range(LIMITS["estate_max_writes"] + 1)]
    assert answers == [201] * LIMITS["estate_max_writes"] + [429]
    assert file(client, address="10.1.0.99", estate="SH-02").status_code == 201  # another estate's limit
    # a rating counts for the estate in its tracking code
    contract.problem(client.post(f"/api/v1/public/requests/{CODE}/rating", json={"satisfaction": 5},
                                 environ_base={"REMOTE_ADDR": "10.1.0.100"}), 429)


def test_refused_writes_do_not_use_up_the_estates_allowance(app, contract):
    """Bad bodies and ratings under made-up codes counted against the estate: from a few dozen
    addresses anyone closed an estate's portal to its owners for the window without filing
    anything (found by a probe). Each address's own counts keep them."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    rpc.answer("customer_service", "portal_rate_request", lambda call: (_ for _ in ()).throw(NotFound("not found")))
    for n in range(LIMITS["estate_max_writes"] * 3):
        address = f"10.2.{n}.1"
        contract.problem(client.post("/api/v1/public/estates/HZ-01/requests", data="x",
                                     content_type="application/json", environ_base={"REMOTE_ADDR": address}), 400)
        contract.problem(client.post(f"/api/v1/public/requests/{CODE}/rating", json={"satisfaction": 5},
                                     environ_base={"REMOTE_ADDR": address}), 404)
    # an owner's filings still go through, up to the estate's allowance
    answers = [file(client, address=f"10.3.0.{n}").status_code for n in range(LIMITS["estate_max_writes"] + 1)]
    assert answers == [201] * LIMITS["estate_max_writes"] + [429]
    # while an address's refused writes still count against it
    for _ in range(LIMITS["address_max_writes"]):
        file(client, address="10.4.0.1", body={"kind": "repair"})
    contract.problem(file(client, address="10.4.0.1"), 429)


def test_a_body_over_the_public_cap_is_a_413_and_unknown_query_parameters_a_400(app, contract):
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    big = {**BODY, "description": "x" * LIMITS["max_body_bytes"]}
    contract.problem(file(client, body=big), 413)
    contract.problem(client.get(f"/api/v1/public/requests/{CODE}?x=1"), 400, fields=["x"])
    assert rpc.calls == []


def test_the_notice_board_takes_a_building_and_nothing_else_and_counts_as_a_public_read(app, contract):
    """The portal had no notices: an owner scanning a building's QR code found a form only (a phone probe)."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    board = {"estate_name": "Lakeside", "timezone": "Asia/Shanghai", "items": [
        {"title": "Water cut", "body": "Friday 9-12", "building": "3", "published_at": "2026-11-23T01:00:00.000Z"}]}
    rpc.answer("customer_service", "portal_notices", board)
    assert contract.check(app, client.get("/api/v1/public/estates/hz-01/notices?building=3"), 200) == board
    assert contract.check(app, client.get("/api/v1/public/estates/hz-01/notices"), 200) == board
    assert [call.payload for call in rpc.calls] == [{"estate_code": "hz-01", "filters": {"building": "3"}},
                                                   {"estate_code": "hz-01"}]
    assert all(call.caller == public.CALLER for call in rpc.calls)
    contract.problem(client.get("/api/v1/public/estates/hz-01/notices?limit=500"), 400, fields=["limit"])
    assert len(rpc.calls) == 2
    for n in range(LIMITS["address_max_calls"] - 3):
        client.get("/api/v1/public/estates/hz-01/notices")
    contract.problem(client.get("/api/v1/public/estates/hz-01/notices"), 429)


def test_the_activities_to_come_are_read_without_a_token_and_take_no_query(app, contract):
    """社区文化活动 (h7): an owner reads the activities to come and their places left on the portal."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    board = {"estate_name": "Lakeside", "timezone": "Asia/Shanghai", "service_phone": None, "duty_phone": None,
             "items": [{"id": "act_1", "title": "中秋游园会", "kind": "festival", "place": "central garden",
                        "description": None, "starts_at": "2027-09-15T11:00:00.000Z",
                        "ends_at": "2027-09-15T13:00:00.000Z", "local_starts_at": "2027-09-15T19:00",
                        "local_ends_at": "2027-09-15T21:00", "signup_deadline": "2027-09-14T11:00:00.000Z",
                        "capacity": 80, "places_left": 12, "wait_listed": 0, "signups_open": True}]}
    rpc.answer("customer_service", "portal_activities", board)
    assert contract.check(app, client.get("/api/v1/public/estates/hz-01/activities"), 200) == board
    assert [call.payload for call in rpc.calls] == [{"estate_code": "hz-01"}]
    assert all(call.caller == public.CALLER for call in rpc.calls)
    contract.problem(client.get("/api/v1/public/estates/hz-01/activities?building=3"), 400, fields=["building"])


def test_the_disclosures_list_takes_a_page_and_nothing_else_without_a_token(app, contract):
    """The portal opened one month's disclosure by its link and listed none (the portal's gap noted
    last session): the list is paged as every list, without an account."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    listed = {"estate_name": "Lakeside", "next_cursor": "2026-11-01T02:00:00.000Z~dsc_1", "items": [
        {"period": "2026-10", "version": 2, "published_at": "2026-11-03T02:00:00.000Z"}]}
    rpc.answer("finance", "published_disclosures", listed)
    assert contract.check(app, client.get("/api/v1/public/estates/hz-01/disclosures?limit=1"), 200) == listed
    cursor = listed["next_cursor"]
    contract.check(app, client.get(f"/api/v1/public/estates/hz-01/disclosures?cursor={cursor}"), 200)
    assert [call.payload for call in rpc.calls] == [{"estate_code": "hz-01", "limit": 1},
                                                   {"estate_code": "hz-01", "cursor": cursor}]
    assert all(call.caller == public.CALLER for call in rpc.calls)
    contract.problem(client.get("/api/v1/public/estates/hz-01/disclosures?period=2026-10"), 400, fields=["period"])
    contract.problem(client.get("/api/v1/public/estates/hz-01/disclosures?limit=0"), 400, fields=["limit"])
    assert len(rpc.calls) == 2


PATH_VALUES = {"estate_code": "hz-01", "tracking_code": CODE, "period": "2026-10", "access_code": CODE}


@pytest.mark.parametrize("route", [r for r in PUBLIC_FORWARDED if r.method == "GET"], ids=lambda r: r.path)
def test_every_public_read_counts_against_the_addresss_calls(app, contract, route):
    """Each public GET, the published disclosures' list too, is one call of the address's
    PUBLIC_ADDRESS_MAX_CALLS: the next is a 429 with Retry-After, and the service is not asked."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    rpc.answer(route.service, route.rpc, {"items": [], "next_cursor": None})
    path = route.path
    for name, value in PATH_VALUES.items():
        path = path.replace(f"<{name}>", value)
    assert "<" not in path, path
    for n in range(LIMITS["address_max_calls"]):
        assert client.get(path, environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code != 429, n
    asked = len(rpc.calls)
    refused = client.get(path, environ_base={"REMOTE_ADDR": "10.9.0.1"})
    contract.problem(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0 and len(rpc.calls) == asked


def test_every_public_forwarded_route_is_public_in_the_policy():
    from gateway import policy
    assert {(route.method, route.path) for route in PUBLIC_FORWARDED} <= policy.PUBLIC_ROUTES
    assert all(route.public and not route.roles for route in PUBLIC_FORWARDED)


# -- the QR codes -----------------------------------------------------------------------------

def test_the_qr_code_points_at_the_portal_of_the_estate_and_building(app, accounts_for_qr):
    client = app.test_client()
    token = accounts_for_qr.user("desk-qr", ["agent"], ["A"])
    response = client.get("/api/v1/estates/A/portal-qr?building=3", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.data)
    assert svg.tag.endswith("svg")
    assert portal_qr.portal_url("https://portal.example/", "C-A", "3") == "https://portal.example/portal/C-A?building=3"
    expected = portal_qr.portal_url(app.config["PORTAL_BASE_URL"], "C-A", "3")  # the fake archive's code
    assert response.data == portal_qr.svg(expected, "C-A owner portal, building 3")  # segno is deterministic
    guard = accounts_for_qr.user("guard-qr", ["security"], ["A"])
    assert client.get("/api/v1/estates/A/portal-qr", headers=bearer(guard)).status_code == 403
    assert client.get("/api/v1/estates/B/portal-qr", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/estates/A/portal-qr?building=%20", headers=bearer(token)).status_code == 400
    assert client.get("/api/v1/estates/A/portal-qr?building=%00", headers=bearer(token)).status_code == 400  # invalid XML
    assert client.get("/api/v1/estates/A/portal-qr?floor=3", headers=bearer(token)).status_code == 400


def test_the_portal_url_quotes_the_code_and_the_building():
    assert portal_qr.portal_url("https://p.example/", "SH-PD-01") == "https://p.example/portal/SH-PD-01"
    assert portal_qr.portal_url("https://p.example", "SH-01", "3 东") == "https://p.example/portal/SH-01?building=3+%E4%B8%9C"
    assert portal_qr.svg("https://p.example/portal/A", "t") != portal_qr.svg("https://p.example/portal/B", "t")


@pytest.fixture
def accounts_for_qr(app):
    from .conftest import Accounts
    return Accounts(app)


def test_the_log_line_of_a_tracking_call_names_no_tracking_code(app, caplog):
    import logging
    with caplog.at_level(logging.INFO, logger="gateway"):
        assert app.test_client().get(f"/api/v1/public/requests/{CODE}").status_code == 200
    paths = [record.path for record in caplog.records if getattr(record, "path", None)]
    assert paths == ["/api/v1/public/requests/<tracking_code>"]
    assert CODE not in caplog.text


def test_an_owners_statement_link_is_public_counted_per_estate_and_never_logged(app, caplog, contract):
    """An owner's statement link (业主账单查询码) opens their household's bills without a token, as
    the portal caller; the code is a secret, as a tracking code is: never in a log line (found by a
    probe of an owner's year: no owner could see a bill)."""
    import logging
    rpc = app.extensions["estate_ops"].rpc
    rpc.answer("finance", "owner_statement", STATEMENT)
    with caplog.at_level(logging.INFO, logger="gateway"):
        answer = app.test_client().get(f"/api/v1/public/accounts/{CODE}")
    assert contract.check(app, answer, 200) == STATEMENT
    [call] = rpc.calls
    assert call.caller == public.CALLER and call.payload == {"access_code": CODE}
    assert public.estate_code_of({"access_code": CODE}) == "HZ-01"
    paths = [record.path for record in caplog.records if getattr(record, "path", None)]
    assert paths == ["/api/v1/public/accounts/<access_code>"] and CODE not in caplog.text



# -- the portal page's address as API.md gives it ----------------------------------------

def test_the_portal_page_on_the_gateway_sends_an_owner_to_the_consoles_page(client, app, rpc):
    """API.md: page ``GET /portal/{estate_code}``; the page is the console's, and on the
    gateway's host it was a 404 (found by review)."""
    answer = client.get("/portal/HZ-01?building=3")
    assert answer.status_code == 302
    assert answer.headers["Location"] == portal_qr.portal_url(app.config["PORTAL_BASE_URL"], "HZ-01", "3")
    assert answer.headers["X-Request-ID"]
    assert rpc.calls == []  # the page answers an unknown estate; nothing asked here


def test_the_owners_disclosure_link_on_the_gateway_sends_them_to_the_portals_readable_page(client, app, rpc,
                                                                                         contract):
    """The link owners were given led to the public route's JSON: escaped Chinese and cents (a probe)."""
    answer = client.get("/portal/HZ-01/disclosures/2026-11")
    assert answer.status_code == 302 and rpc.calls == []
    assert answer.headers["Location"] == portal_qr.portal_url(app.config["PORTAL_BASE_URL"], "HZ-01") \
        + "/disclosures/2026-11"
    for path in ("/portal/HZ-01/disclosures/2026-13", "/portal/-x/disclosures/2026-11",
                 "/portal/HZ-01/disclosures/2026-Q5", "/portal/HZ-01/disclosures/2026-W49"):
        contract.problem(client.get(path), 404, "not_found")
    for period in ("2026-Q3", "2026"):  # a quarter's and a year's published disclosure (年度公示, h11)
        answer = client.get(f"/portal/HZ-01/disclosures/{period}")
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/disclosures/{period}")


def test_a_quarters_and_a_years_disclosure_are_published_and_read_by_owners(client, app, rpc, contract):
    """Publishing a year or a quarter answered 400 at the gateway (only a month's period passed):
    owners expect the year's disclosure (年度公示) and often a quarter's (found by h9, h11)."""
    shown = {"estate_name": "West Lake", "period": "2026", "version": 1, "published_at": "2027-01-05T02:00:00.000Z",
             "income": {"by_item": {}, "billed_cents": 0, "received_cents": 0},
             "expenses": {"maintenance_material_cents": 0, "maintenance_labour_cents": 0, "operating_by_category": {},
                          "operating_cents": 0, "total_cents": 0, "work_orders": 0},
             "net_received_cents": 0, "timezone": "Asia/Shanghai"}
    rpc.answer("finance", "published_disclosure", shown)
    assert contract.check(app, client.get("/api/v1/public/estates/hz-01/disclosures/2026"), 200) == shown
    assert rpc.calls[-1].payload == {"estate_code": "hz-01", "period": "2026"}


@pytest.mark.parametrize("path", ["/portal/-x", "/portal/" + "A" * 40])
def test_a_code_no_estate_could_have_is_a_404(client, contract, path):
    contract.problem(client.get(path), 404, "not_found")


def test_a_page_address_that_is_the_gateways_own_is_a_404_not_a_loop(client, app, contract):
    app.config["PORTAL_BASE_URL"] = "http://localhost"  # the test client's host
    contract.problem(client.get("/portal/HZ-01"), 404, "not_found")


def test_the_estates_service_centre_phones_reach_the_portal_unmasked_and_are_not_logged(app, contract, caplog):
    """The centre's numbers (服务中心电话, 24小时值班电话), not a person's: the portal shows them to
    anyone and tells a resident to ring them for an emergency; a log line holds neither."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    phones = {"service_phone": "0571-8888 1234", "duty_phone": "13800001111"}
    rpc.answer("customer_service", "portal_estate", {"code": "HZ-01", "name": "West Lake", **phones})
    rpc.answer("customer_service", "portal_track_request", {**TRACKED, **phones})
    caplog.set_level("DEBUG")
    assert contract.check(app, client.get("/api/v1/public/estates/HZ-01"), 200) == {
        "code": "HZ-01", "name": "West Lake", **phones}
    assert contract.check(app, client.get(f"/api/v1/public/requests/{CODE}"), 200)["duty_phone"] == "13800001111"
    assert "8888" not in caplog.text and "13800001111" not in caplog.text


def test_a_repair_filed_urgent_passes_its_mark_to_the_service(app, contract):
    """The filer's mark (PortalRequestCreate's urgent): the desk judges it; the gateway passes it on."""
    client, rpc = app.test_client(), app.extensions["estate_ops"].rpc
    assert contract.check(app, file(client, body={**BODY, "urgent": True}), 201) == FILED
    assert rpc.calls[-1].payload == {"estate_code": "HZ-01", "data": {**BODY, "urgent": True}}
    book = contracts.load()  # the service's contract takes a yes or no only
    assert book.errors("rpc/customer_service/portal_file_request.json#/input", rpc.calls[-1].payload) == []
    assert book.errors("rpc/customer_service/portal_file_request.json#/input",
                       {"estate_code": "HZ-01", "data": {**BODY, "urgent": "yes"}}) != []


def test_a_filing_answers_where_its_filer_follows_it(app, contract):
    """The portal's 201 names the filing's own page, its tracking code's (an integrator's follow-ups)."""
    client = app.test_client()
    filed = file(client)
    assert contract.check(app, filed, 201) == FILED
    assert filed.headers["Location"] == f"/api/v1/public/requests/{CODE}"
