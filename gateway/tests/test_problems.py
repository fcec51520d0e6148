"""Every error leaves as application/problem+json; X-Request-ID on every response."""
import gzip
import io
import json
import re

import pytest

from estate_common.errors import (BusinessRuleViolation, Conflict, ContractViolation, Forbidden, InvalidInput,
                                  NotFound, ServiceUnavailable, Unauthorized, field_error)
from estate_common.rpc_client import RemoteError

REQUESTS = "/api/v1/estates/A/service-requests"
SR_BODY = {"kind": "repair", "household_id": "hh_1", "channel": "phone", "description": "the kitchen tap leaks"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# -- what Flask and werkzeug refuse ---------------------------------------------

@pytest.mark.parametrize("path", ["/nope", "/api/v1/estate", "/api/v2/estates", "/api/v1/estates/A/unknown"])
def test_unknown_path_is_404_problem(client, contract, admin_token, path):
    body = contract.problem(client.get(path, headers=bearer(admin_token)), 404, "not_found")
    assert body["title"] == NotFound.title
    assert body["detail"] == "no such path in this API (its paths: /api/v1/openapi.json)"


def test_a_problem_type_has_one_title_whoever_answers(client, contract, admin_token, rpc):
    """RFC 9457 §3.1.3: a type's title does not change from occurrence to occurrence. The routing's
    404 read "Not Found" and a service's "Not found", both of type not_found; gunicorn's 500 was of
    type internal, the app's internal_error: an integrator's client matching on type or title met
    two of each (an integrator's probe)."""
    from gateway import server_errors
    rpc.answer("customer_service", "get_request", NotFound("no such request"))
    routing = client.get("/api/v1/nope", headers=bearer(admin_token)).get_json()
    service = client.get(f"{REQUESTS}/sr_1", headers=bearer(admin_token)).get_json()
    assert (routing["type"], routing["title"]) == (service["type"], service["title"])
    rpc.answer("customer_service", "list_requests", RuntimeError("boom"))
    app_500 = client.get(REQUESTS, headers=bearer(admin_token)).get_json()
    raw = server_errors.response_bytes(500, "Internal Server Error", "worker failed")
    gunicorn_500 = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert (gunicorn_500["type"], gunicorn_500["code"], gunicorn_500["title"]) == (
        app_500["type"], app_500["code"], app_500["title"])
    assert gunicorn_500["detail"] == "worker failed"


def test_unknown_path_without_a_token_is_404_too(client, contract):
    contract.problem(client.post("/api/v1/nothing-here", json={}), 404, "not_found")


@pytest.mark.parametrize("method, path", [("GET", "/api/v1/auth/token"), ("DELETE", "/api/v1/estates"),
                                          ("PUT", "/healthz"), ("PATCH", REQUESTS)])
def test_wrong_method_is_405_problem(client, contract, admin_token, rpc, method, path):
    response = client.open(path, method=method, headers=bearer(admin_token))
    contract.problem(response, 405, "method_not_allowed")
    assert rpc.calls == []


def test_405_names_the_allowed_methods(client, admin_token):
    """RFC 9110 §15.5.6: a 405 MUST carry an Allow header (werkzeug sets it; the problem handler drops it)."""
    response = client.delete("/api/v1/estates", headers=bearer(admin_token))
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
    assert {"GET", "POST"} <= allowed, dict(response.headers)


@pytest.mark.parametrize("data", ['{"kind": "repair",', "{'kind': 'repair'}", "kind=repair", ""])
def test_malformed_json_is_400(client, contract, admin_token, rpc, data):
    response = client.post(REQUESTS, data=data, content_type="application/json", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["(body)"])
    assert body["errors"] == [{"field": "(body)", "message": "is not valid JSON"}]
    assert rpc.calls_except_estate_lookups() == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "gb18030"])
def test_json_in_another_encoding_than_utf8_is_400(client, contract, admin_token, rpc, encoding):
    """RFC 8259 §8.1: JSON between systems is UTF-8. json.loads of bytes guesses UTF-16 and
    UTF-32 too, so such a body went through (found by review)."""
    data = json.dumps({**SR_BODY, "description": "厨房水龙头漏水"}, ensure_ascii=False).encode(encoding)
    response = client.post(REQUESTS, data=data, content_type="application/json", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["(body)"])
    assert body["errors"] == [{"field": "(body)", "message": "is not valid JSON"}]
    assert rpc.calls_except_estate_lookups() == []


@pytest.mark.parametrize("data, field", [
    ('{"household_id": "hh_1", "amount_cents": 100, "method": "cash", "amount_cents": 5}', "amount_cents"),
    ('{"household_id": "hh_1", "amount_cents": 100, "method": "cash", "meta": {"a": 1, "a": 2}}', "meta.a"),
    ('{"household_id": "hh_1", "items": [{"n": 1}, {"n": 1, "n": 2}]}', "items[1].n")])
def test_a_key_given_twice_in_one_object_is_400_naming_it(client, contract, admin_token, rpc, data, field):
    """Python's json kept the last: a payment of 100 cents sent with a second amount_cents of 5
    was a payment of 5 (found by an integrator's probe)."""
    response = client.post("/api/v1/estates/est_1/payments", data=data, content_type="application/json",
                           headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=[field])
    assert body["errors"] == [{"field": field, "message": "is given twice in one object"}]
    assert rpc.calls_except_estate_lookups() == []


def test_a_query_parameter_given_twice_is_400_naming_it(client, contract, admin_token, rpc):
    """The first was taken without a word: ``?kind=repair&kind=complaint`` listed repairs alone
    to a client that meant both (found by an integrator's probe)."""
    response = client.get(REQUESTS + "?kind=repair&kind=complaint&limit=5", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["kind"])
    assert body["errors"] == [{"field": "kind", "message": "is given more than once: one value each"}]
    assert rpc.calls_except_estate_lookups() == []
    response = client.get("/api/v1/kpis?period=2026-11&period=2026-10", headers=bearer(admin_token))
    contract.problem(response, 400, "invalid_input", fields=["period"])


def test_a_utf8_body_with_a_byte_order_mark_is_read(client, admin_token, rpc):
    """RFC 8259 §8.1 lets a parser ignore a leading BOM; some clients send one (PowerShell 5.1)."""
    data = b"\xef\xbb\xbf" + json.dumps(SR_BODY).encode()
    response = client.post(REQUESTS, data=data, content_type="application/json", headers=bearer(admin_token))
    assert response.status_code == 201, response.get_json()
    assert rpc.calls_except_estate_lookups()[-1].payload["data"]["description"] == SR_BODY["description"]


@pytest.mark.parametrize("data", ["[]", '[{"kind": "repair"}]', '"repair"', "3", "true"])
def test_json_that_is_not_an_object_is_400(client, contract, admin_token, rpc, data):
    response = client.post(REQUESTS, data=data, content_type="application/json", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["(body)"])
    assert body["errors"] == [{"field": "(body)", "message": "must be a JSON object"}]
    assert rpc.calls_except_estate_lookups() == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          None])
def test_body_that_is_not_json_is_415(client, contract, admin_token, rpc, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post(REQUESTS, data=json.dumps(SR_BODY), headers=bearer(admin_token), **kwargs)
    body = contract.problem(response, 415, "unsupported_media_type")
    assert body["title"] == "Unsupported media type"
    assert rpc.calls == []


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_compressed_body_is_415_saying_so(client, contract, admin_token, rpc, coding):
    """A gzip body was refused as "not valid JSON", which sent its sender looking at the JSON."""
    response = client.post(REQUESTS, data=gzip.compress(json.dumps(SR_BODY).encode()), content_type="application/json",
                           headers={**bearer(admin_token), "Content-Encoding": coding})
    body = contract.problem(response, 415, "unsupported_media_type")
    assert body["detail"] == "send the body without a Content-Encoding: none is accepted"
    assert rpc.calls_except_estate_lookups() == []
    plain = client.post(REQUESTS, json=SR_BODY, headers={**bearer(admin_token), "Content-Encoding": "identity"})
    assert plain.status_code != 415


def test_no_body_at_all_is_an_empty_object_not_a_415(client, admin_token, rpc):
    """API.md shows a borrowing approval's and a reversal's call without a body: with none they
    got a 415 about a media type nobody sent (found by review). The body goes on as {}: the
    service's contract names a field it needs (a reversal's reason: 400), and an approval of
    all optional fields needs none."""
    rpc.answer("archive", "approve_borrow_request", lambda call: None)
    client.post("/api/v1/estates/A/archive/borrow-requests/brw_1/approve", headers=bearer(admin_token))
    assert rpc.only_call("archive", "approve_borrow_request").payload["data"] == {}
    with_a_type = client.post("/api/v1/estates/A/archive/borrow-requests/brw_1/approve", data="",
                              content_type="text/plain", headers=bearer(admin_token))
    assert with_a_type.status_code == 415  # a body announced as something else is still refused


def test_a_put_without_a_body_is_refused_not_taken_for_an_empty_one(client, contract, admin_token, rpc):
    """A PUT replaces: with no body it was {} and wiped all of an estate's settings, answered 200
    (found by a settings probe). {} sent on purpose still restores the defaults."""
    for service in ("finance", "customer-service"):
        response = client.put(f"/api/v1/estates/A/settings/{service}", headers=bearer(admin_token))
        body = contract.problem(response, 400, "invalid_input")
        assert body["errors"] == [{"field": "(body)", "message": "is required"}]
    assert rpc.calls == []
    rpc.answer("finance", "update_settings", lambda call: None)
    client.put("/api/v1/estates/A/settings/finance", json={}, headers=bearer(admin_token))
    assert rpc.only_call("finance", "update_settings").payload["data"] == {}


def test_json_with_a_charset_is_accepted(client, admin_token, rpc):
    response = client.post(REQUESTS, data=json.dumps(SR_BODY), content_type="application/json; charset=utf-8",
                           headers=bearer(admin_token))
    assert response.status_code == 201
    assert rpc.only_call("customer_service", "create_request").payload["data"] == SR_BODY


@pytest.fixture(scope="module")
def small_app(make_app, make_accounts):
    app = make_app(max_body_bytes=1024)
    return app, make_accounts(app).admin


def test_body_over_the_cap_is_413(small_app, contract):
    app, admin = small_app
    client = app.test_client()
    big = {**SR_BODY, "description": "x" * 2048}
    response = client.post(REQUESTS, json=big, headers=bearer(admin))
    body = contract.problem(response, 413, "request_entity_too_large")
    assert body["title"] == "Request Entity Too Large"
    assert app.extensions["estate_ops"].rpc.calls == []
    # the same request under the cap goes through
    assert client.post(REQUESTS, json=SR_BODY, headers=bearer(admin)).status_code == 201


def test_token_request_over_the_cap_is_413(small_app, contract):
    app, _ = small_app
    response = app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": "p" * 2048})
    contract.problem(response, 413, "request_entity_too_large")


def _chunked(client, path, data, headers, content_type="application/json"):
    """A POST whose body declares no length (Transfer-Encoding: chunked), as curl sends a stream."""
    return client.post(path, input_stream=io.BytesIO(data), content_type=content_type,
                       headers={**headers, "Transfer-Encoding": "chunked"})


def test_a_chunked_body_over_the_cap_is_413_and_goes_nowhere(small_app, contract):
    """Werkzeug stops reading a body of no declared length at the cap without a word: an import
    got 202 with the rows it had read, the rest cut off."""
    app, admin = small_app
    client = app.test_client()
    rpc = app.extensions["estate_ops"].rpc
    calls_before = len(rpc.calls)
    big = json.dumps({**SR_BODY, "description": "x" * 2048}).encode()
    contract.problem(_chunked(client, REQUESTS, big, bearer(admin)), 413, "request_entity_too_large")
    csv = b"building,unit,room,area_m2,owner_name,owner_phone\n" + b"1,1,101,80,Li,13800000000\n" * 100
    response = _chunked(client, "/api/v1/estates/A/households/import", csv, bearer(admin), "text/csv")
    contract.problem(response, 413, "request_entity_too_large")
    assert len(rpc.calls) == calls_before
    # under the cap, a chunked body is read whole
    response = _chunked(client, REQUESTS, json.dumps(SR_BODY).encode(), bearer(admin))
    assert response.status_code == 201
    assert rpc.calls[-1].payload["data"] == SR_BODY


@pytest.mark.parametrize("text, why", [
    ('{"area_m2": NaN}', "NaN"), ('{"area_m2": Infinity}', "Infinity"), ('{"area_m2": -Infinity}', "-Infinity"),
    ('{"area_m2": 1e999}', "a number too large for a float"),
    ('{"area_m2": 1180591620717411303424}', "an integer past the stores' 8 bytes (a 500 from the store)"),
    ('{"description": "\\ud800"}', "a lone surrogate (a 500 from the idempotency digest)"),
    ('{"\\udfff": "x"}', "a lone surrogate as a key"),
    ('{"description": ' + "[" * 600 + "]" * 600 + "}", "nested 600 deep"),
    ('{"description": ' + "[" * 5000 + "]" * 5000 + "}", "nested beyond the parser's recursion"),
    ('{"a": {"b": ' + '{"c": ' * 40 + "1" + "}" * 40 + "}}", "objects nested 42 deep"),
], ids=lambda value: value if len(value) < 40 else None)
def test_json_that_python_reads_but_no_contract_can_is_a_400_not_a_500(client, contract, admin_token, rpc, text,
                                                                        why):
    """Python's parser takes NaN and Infinity, and 1e999 as an infinite float; a schema's
    ``multipleOf`` then raised in the service (500). Deep nesting overflowed the stack (500)."""
    response = client.post(REQUESTS, data=text, content_type="application/json", headers=bearer(admin_token))
    contract.problem(response, 400, "invalid_input")
    assert rpc.calls == [], why


@pytest.mark.parametrize("body, field, why", [
    ({"description": "leak\x07"}, "description", "a bell"),
    ({"description": "\x1b[31mred"}, "description", "a terminal escape"),
    ({"description": "a\x00b"}, "description", "a NUL"),
    ({"description": "\u0085"}, "description", "a C1 control"),
    ({"description": "\u200b"}, "description", "a zero-width space: it passed \\S"),
    ({"description": "\u200d \ufeff"}, "description", "a joiner, a space and a byte-order mark"),
    ({"custom": {"colour": "\u2060"}}, "custom.colour", "a word joiner, nested"),
    ({"items": ["ok", "x\x1f"]}, "items[1]", "in a list"),
    # drew the phone after a contact name backwards on the desk's page (found by a probe)
    ({"contact_name": "evil\u202e", "contact_phone": "13900139000"}, "contact_name", "a right-to-left override"),
    ({"description": "a \u2067b"}, "description", "a right-to-left isolate"),
], ids=["bell", "escape", "nul", "c1", "zero-width", "joiner-bom", "nested", "list", "bidi-override", "bidi-isolate"])
def test_text_with_a_control_character_or_nothing_visible_is_a_400_naming_its_field(
        client, contract, admin_token, rpc, body, field, why):
    """Control characters were kept (every export then dropped them), and a zero-width space
    passed every "not blank" check (found by review)."""
    response = client.post(REQUESTS, json={**SR_BODY, **body}, headers=bearer(admin_token))
    problem = contract.problem(response, 400, "invalid_input", fields=[field])
    assert [e["field"] for e in problem["errors"]] == [field], why
    assert rpc.calls == []


def test_tabs_line_breaks_and_a_joiner_inside_words_still_pass(client, admin_token, rpc):
    body = {**SR_BODY, "description": "tap leaks\r\n\tunder the sink; 水龙头\u200d漏水 \u3000"}
    response = client.post(REQUESTS, json=body, headers=bearer(admin_token))
    assert response.status_code == 201
    assert rpc.calls[-1].payload["data"]["description"] == body["description"]


def test_the_public_portal_refuses_deep_json_with_a_400_too(client, contract, rpc):
    text = '{"description": ' + "[" * 2000 + "]" * 2000 + "}"
    response = client.post("/api/v1/public/estates/EA/requests", data=text, content_type="application/json")
    contract.problem(response, 400, "invalid_input")
    assert rpc.calls == []


# -- query strings --------------------------------------------------------------

@pytest.mark.parametrize("value, says", [("%00", "a query parameter holds a control character"),
                                         ("%E2%80%8B", "a query parameter has no visible character")])
def test_a_query_parameter_with_a_control_character_is_named_as_one(client, contract, admin_token, rpc, value, says):
    """It was said to be "text in the body" (found by a probe)."""
    response = client.get(f"{REQUESTS}?status={value}", headers=bearer(admin_token))
    problem = contract.problem(response, 400, "invalid_input", fields=["status"])
    assert problem["detail"] == says and rpc.calls == []


@pytest.mark.parametrize("limit", ["0", "abc", "201", "-1", "1.5", "", " 5", "1e2", "0x10"])
def test_bad_limit_is_400_naming_limit(client, contract, admin_token, rpc, limit):
    response = client.get(REQUESTS, query_string={"limit": limit}, headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["limit"])
    assert [e["field"] for e in body["errors"]] == ["limit"]
    assert rpc.calls == []


@pytest.mark.parametrize("path, query, field", [
    ("/api/v1/estates", {"q": "a\x00b"}, "q"),
    ("/api/v1/estates", {"q": "\u200b"}, "q"),
    (REQUESTS, {"status": "open\x07"}, "status"),
], ids=["nul-in-a-search", "nothing-visible", "bell-in-a-filter"])
def test_a_filter_is_text_as_a_body_s_is(client, contract, admin_token, rpc, path, query, field):
    """A NUL in the estates' search reached archive, where MongoDB refuses a $regex holding one (a
    500 there, an answer on the embedded store; found by review)."""
    response = client.get(path, query_string=query, headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=[field])
    assert [e["field"] for e in body["errors"]] == [field]
    assert rpc.calls == []


@pytest.mark.parametrize("limit", ["²", "1²", "9" * 5000], ids=["superscript", "digit-superscript", "5000-digits"])
def test_odd_limits_are_400_not_500(client, contract, admin_token, rpc, limit):
    """Superscripts pass str.isdigit() but not int(); 5000 digits exceed int()'s 4300-digit limit."""
    response = client.get(REQUESTS, query_string={"limit": limit}, headers=bearer(admin_token))
    contract.problem(response, 400, "invalid_input", fields=["limit"])
    assert rpc.calls == []


@pytest.mark.parametrize("limit", ["1", "200", "007"])
def test_limits_in_range_reach_the_service(client, admin_token, rpc, limit):
    assert client.get(REQUESTS, query_string={"limit": limit}, headers=bearer(admin_token)).status_code == 200
    assert rpc.only_call("customer_service", "list_requests").payload == {"estate_id": "A", "limit": int(limit)}


@pytest.mark.parametrize("path, query, unknown", [
    (REQUESTS, "colour=red", ["colour"]),
    (REQUESTS, "kind=repair&sort=asc&Limit=3", ["Limit", "sort"]),
    ("/api/v1/estates/A", "limit=5", ["limit"]),                 # not a list: no paging either
    ("/api/v1/estates/A/work-orders", "kind=repair", ["kind"]),  # another list's filter
    ("/api/v1/estates", "building=B1", ["building"]),
])
def test_unknown_query_parameter_is_400_naming_it(client, contract, admin_token, rpc, path, query, unknown):
    response = client.get(f"{path}?{query}", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=unknown)
    assert sorted(e["field"] for e in body["errors"]) == sorted(unknown)
    assert rpc.calls == []


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/users/me"), ("POST", "/api/v1/users"), ("POST", "/api/v1/users/me/password"),
    ("PATCH", "/api/v1/users/u_1"), ("POST", "/api/v1/api-keys"), ("DELETE", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/token"),
])
def test_the_gateways_own_routes_refuse_unknown_query_parameters_too(client, contract, admin_token, method, path):
    """Every other route did; /users/me?zzz=1 answered 200 (found by review)."""
    response = client.open(f"{path}?zzz=1", method=method, headers=bearer(admin_token), json={})
    contract.problem(response, 400, "invalid_input", fields=["zzz"])


# -- errors raised behind the gateway --------------------------------------------

def test_service_invalid_input_names_the_client_fields(client, contract, admin_token, rpc):
    rpc.answer("customer_service", "create_request", InvalidInput(
        "data.owner.phone: does not match; data.kind: is not one of",
        [field_error("data.owner.phone", "does not match"), field_error("data.kind", "is not one of"),
         field_error("estate_id", "is too long")]))
    response = client.post(REQUESTS, json=SR_BODY, headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["owner.phone", "kind", "estate_id"])
    assert body["errors"] == [{"field": "owner.phone", "message": "does not match"},
                              {"field": "kind", "message": "is not one of"},
                              {"field": "estate_id", "message": "is too long"}]
    assert "data." not in body["detail"]
    assert body["detail"] == "owner.phone: does not match; kind: is not one of"



def test_a_service_s_refusal_of_the_whole_body_names_the_body_not_its_payload(client, contract, admin_token, rpc):
    """A forwarded PATCH with ``{}`` (a household's, an estate's, a webhook's) named the field
    ``data``, the service's name for the payload, which the client never sent; the gateway's own
    routes name the body ``(body)`` (found by the probe)."""
    rpc.answer("customer_service", "create_request", InvalidInput(
        "data: {} should be non-empty", [field_error("data", "{} should be non-empty")]))
    response = client.post(REQUESTS, json=SR_BODY, headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input")
    assert body["errors"] == [{"field": "(body)", "message": "{} should be non-empty"}]
    assert body["detail"] == "(body): {} should be non-empty"

def test_service_invalid_filter_names_the_query_parameter(client, contract, admin_token, rpc):
    rpc.answer("customer_service", "list_requests",
               InvalidInput("filters.kind: 'x' is not one of", [field_error("filters.kind", "'x' is not one of")]))
    response = client.get(f"{REQUESTS}?kind=x", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input", fields=["kind"])
    assert body["errors"] == [{"field": "kind", "message": "'x' is not one of"}]
    assert body["detail"] == "kind: 'x' is not one of"


def test_a_bad_path_id_is_named_by_its_path_parameter(client, contract, admin_token, rpc):
    """The service checks the payload's ``id``; the client sent ``request_id`` in the path (the
    400 named ``id``: found by review)."""
    rpc.answer("customer_service", "get_request",
               InvalidInput("id: the value does not match", [field_error("id", "the value does not match")]))
    response = client.get(f"{REQUESTS}/a%20b", headers=bearer(admin_token))
    body = contract.problem(response, 400, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["request_id"]
    assert body["detail"].startswith("request_id:")


@pytest.mark.parametrize("error, status, code", [
    (NotFound("no such household hh_1"), 404, "not_found"),
    (Conflict("the request is closed", [field_error("status", "is closed")]), 409, "conflict"),
    (BusinessRuleViolation("the household is vacant", [field_error("data.household_id", "is vacant")]),
     422, "business_rule"),
    (ServiceUnavailable("customer_service did not answer within 5 s"), 503, "service_unavailable"),
    (Forbidden("not your household"), 403, "forbidden"),
    (Unauthorized("the call's caller signature does not match"), 401, "unauthorized"),  # bus_auth
    (ContractViolation("customer_service.create_request output breaks its contract"), 500, "contract_violation"),
])
def test_domain_errors_map_to_their_status(app, client, contract, admin_token, rpc, error, status, code):
    rpc.answer("customer_service", "create_request", error)
    response = client.post(REQUESTS, json=SR_BODY, headers=bearer(admin_token))
    body = contract.problem(response, status, code, app=app)
    assert body["title"] == type(error).title
    assert body["detail"] == error.detail  # a 503 not known to have reached the service: nothing added
    if error.errors:
        assert body["errors"] == [{"field": e["field"].removeprefix("data."), "message": e["message"]}
                                  for e in error.errors]
    else:
        assert "errors" not in body


def test_a_conflict_that_passes_says_when_to_send_it_again(app, client, contract, admin_token, rpc):
    """A 409 for another writer under way (a household's payment being posted) passes by itself;
    one for a state that forbids the step does not. Both are of type conflict: Retry-After is how
    an integrator's client tells them apart, as it does for a key still being processed (an
    integrator's probe: the first read "try again in a moment" in its detail alone)."""
    rpc.answer("finance", "create_payment",
               Conflict("another payment of this household is being posted; try again in a moment", retry_after=1))
    busy = client.post("/api/v1/estates/est_1/payments", json={"household_id": "hh_1", "amount_cents": 100,
                                                               "method": "cash"}, headers=bearer(admin_token))
    contract.problem(busy, 409, "conflict", app=app)
    assert busy.headers["Retry-After"] == "1"
    rpc.answer("customer_service", "create_request", Conflict("the request is closed"))
    final = client.post(REQUESTS, json=SR_BODY, headers=bearer(admin_token))
    contract.problem(final, 409, "conflict", app=app)
    assert "Retry-After" not in final.headers


def _maybe_done(detail):
    from estate_common.rpc_client import maybe_done
    return maybe_done(ServiceUnavailable(detail))


def test_a_write_that_may_have_reached_its_service_says_how_to_send_it_again(app, client, contract, admin_token, rpc):
    """"did not confirm the request" read as if nothing had happened, and a retry without a key
    made a duplicate (a probe); the advice fits the route (a review)."""
    lost = "message broker did not confirm the request to customer_service: no confirm within 5 s"
    rpc.answer("customer_service", "create_request", _maybe_done(lost))
    keyed = client.post(REQUESTS, json=SR_BODY, headers={**bearer(admin_token), "Idempotency-Key": "k-503"})
    assert contract.problem(keyed, 503, "service_unavailable", app=app)["detail"] == (
        lost + ": it may have been carried out: send it again with the same Idempotency-Key")
    unkeyed = client.post(REQUESTS, json=SR_BODY, headers=bearer(admin_token))
    assert contract.problem(unkeyed, 503, "service_unavailable", app=app)["detail"] == (
        lost + ": it may have been carried out: check before sending it again")
    rpc.answer("customer_service", "list_requests", _maybe_done("customer_service did not answer within 5 s"))
    read = contract.problem(client.get(REQUESTS, headers=bearer(admin_token)), 503, "service_unavailable", app=app)
    assert read["detail"] == "customer_service did not answer within 5 s"  # a read is simply asked again


@pytest.mark.parametrize("lost", ["customer_service did not answer within 5 s",
                                  "message broker unreachable: [Errno 111] Connection refused"])
def test_a_503_says_when_to_ask_again(app, client, contract, admin_token, rpc, monkeypatch, lost):
    """A service not answering, the broker down: the 503 named no wait (an integrator's probe),
    where a 429 and a 409 that passes did. It says the RPC timeout, rounded up: what the gateway
    waits for a service before it gives up."""
    monkeypatch.setenv("RPC_TIMEOUT", "2.5")
    rpc.answer("customer_service", "list_requests", ServiceUnavailable(lost))
    rpc.answer("customer_service", "create_request", _maybe_done(lost))
    read = client.get(REQUESTS, headers=bearer(admin_token))
    contract.problem(read, 503, "service_unavailable", app=app)
    assert read.headers["Retry-After"] == "3"
    write = client.post(REQUESTS, json=SR_BODY, headers={**bearer(admin_token), "Idempotency-Key": "k-503-wait"})
    contract.problem(write, 503, "service_unavailable", app=app)
    assert write.headers["Retry-After"] == "3"


def test_a_step_that_may_have_reached_its_service_says_to_send_it_again_with_its_key(app, client, contract,
                                                                                    admin_token, rpc):
    """A 503 releases the gateway's record of the key, and the retry reaches the service: a create
    finds its first write (its id derives from the key), and a step finds itself applied in its
    document (``writes.change`` keeps a mark of the call's key) and answers the document as it
    is. A step sent with a key says to send it again with the key; without one, to look first."""
    lost = "maintenance did not answer within 5 s"
    rpc.answer("maintenance", "reappoint_work_order", _maybe_done(lost))
    url, body = "/api/v1/estates/A/work-orders/wo_1/reappoint", {"at": "2099-01-05T09:00:00.000Z",
                                                                  "reason": "a part is on order"}
    answer = client.post(url, json=body, headers={**bearer(admin_token), "Idempotency-Key": "k-step-503"})
    assert contract.problem(answer, 503, "service_unavailable", app=app)["detail"] == (
        lost + ": it may have been carried out: send it again with the same Idempotency-Key")
    unkeyed = client.post(url, json=body, headers=bearer(admin_token))
    assert contract.problem(unkeyed, 503, "service_unavailable", app=app)["detail"] == (
        lost + ": it may have been carried out: check before sending it again")


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyError("boom"), RemoteError("ValueError", "boom"),
                                   ZeroDivisionError("boom")])
def test_unexpected_exception_is_500_without_its_message(client, contract, admin_token, rpc, error):
    rpc.answer("customer_service", "list_requests", error)
    response = client.get(REQUESTS, headers=bearer(admin_token))
    body = contract.problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "boom" not in text and "Traceback" not in text and type(error).__name__ not in text
    assert body["request_id"] == response.headers["X-Request-ID"]


# -- X-Request-ID ---------------------------------------------------------------

@pytest.mark.parametrize("given", ["req-123", "a", "A.b_c:d-9", "x" * 128, "550e8400-e29b-41d4-a716-446655440000",
                                   "0af7651916cd43dd8448eb211c80319c", "1732345678901-12345", "20261123-083000-0001",
                                   "job.20261123.083000.1234"])
def test_valid_request_id_is_echoed_and_passed_on(client, contract, admin_token, rpc, given):
    rpc.answer("customer_service", "create_request", NotFound("no such household"))
    response = client.post(REQUESTS, json=SR_BODY, headers={**bearer(admin_token), "X-Request-ID": given})
    body = contract.problem(response, 404, "not_found")
    assert response.headers["X-Request-ID"] == given
    assert body["request_id"] == given
    assert rpc.only_call("customer_service", "create_request").request_id == given


def test_request_id_on_a_successful_call(client, admin_token, rpc):
    response = client.get(REQUESTS, headers={**bearer(admin_token), "X-Request-ID": "trace-42"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "trace-42"
    assert rpc.only_call("customer_service", "list_requests").request_id == "trace-42"


# a phone or an ID number as the id would go into every log line, event and record of the call
@pytest.mark.parametrize("given", ["x" * 129, "y" * 300, "has spaces", "semi;colon", "slash/es", "ünïcode", "",
                                   "13999975678", "req-13999975678", "110101199003071234",
                                   # as the probe of 2026-12 wrote them: they went into the logs, an
                                   # archive record and a webhook body
                                   "139_1234_5678", "139:1234:5678", "1391234-5678", "139--1234--5678"])
def test_invalid_request_id_is_replaced(client, admin_token, rpc, given):
    response = client.get(REQUESTS, headers={**bearer(admin_token), "X-Request-ID": given})
    assert response.status_code == 200
    generated = response.headers["X-Request-ID"]
    assert HEX32.match(generated), generated
    assert rpc.only_call("customer_service", "list_requests").request_id == generated


def test_request_id_with_a_trailing_newline_is_replaced(client):
    """``$`` in the request-id pattern also matches before a final newline."""
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": "abc\n"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert HEX32.match(response.headers["X-Request-ID"])


def test_absent_request_id_is_generated_fresh_each_time(client, contract):
    first = client.get("/healthz")
    second = client.get("/nope")
    assert HEX32.match(first.headers["X-Request-ID"])
    body = contract.problem(second, 404, "not_found")
    assert HEX32.match(second.headers["X-Request-ID"])
    assert body["request_id"] == second.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize("method, path", [("GET", "/healthz"), ("GET", "/api/v1/openapi.json"),
                                          ("GET", "/api/docs"), ("POST", "/api/v1/auth/token"),
                                          ("GET", "/api/v1/users"), ("DELETE", "/healthz")])
def test_every_response_carries_the_request_id(client, method, path):
    response = client.open(path, method=method, headers={"X-Request-ID": "every-1"})
    assert response.headers["X-Request-ID"] == "every-1"


def test_problem_request_id_on_gateway_errors(client, contract):
    response = client.post("/api/v1/auth/token", json={"username": "admin"}, headers={"X-Request-ID": "tok-1"})
    body = contract.problem(response, 400, "invalid_input", fields=["password"])
    assert body["request_id"] == "tok-1"


def test_the_log_names_a_path_part_only_when_it_is_an_id_a_word_or_a_code(client, caplog, admin_token):
    """A name typed where an id goes was logged as typed (found by review): the log keeps the
    route, the system's ids, lower-case words and estate codes, and names the other parts."""
    import logging
    estate = "est_" + "0" * 24
    with caplog.at_level(logging.INFO, logger="gateway"):
        client.get(f"/api/v1/estates/{estate}/households/欧阳九癸 Quintus", headers=bearer(admin_token))
        client.get(f"/api/v1/estates/{estate}/households/hh_{'a1' * 12}", headers=bearer(admin_token))
        client.post("/api/v1/public/estates/Quintus Vexbridge/requests", json={})
        client.post("/api/v1/public/estates/HZ-01/requests", json={})
        client.get("/api/v1/nowhere/Quintus Vexbridge/x")
    paths = [record.path for record in caplog.records if getattr(record, "path", None)]
    assert paths == [f"/api/v1/estates/{estate}/households/<household_id>",
                     f"/api/v1/estates/{estate}/households/hh_{'a1' * 12}",
                     "/api/v1/public/estates/<estate_code>/requests",
                     "/api/v1/public/estates/HZ-01/requests",
                     "/api/v1/nowhere/*/x"]
    assert "Quintus" not in caplog.text and "欧阳" not in caplog.text


# -- the codes a client switches on ---------------------------------------------

def _codes_the_gateway_answers():
    """Every ``code`` a problem of the gateway may carry: the services' and the gateway's errors
    (``DomainError`` and its kinds, as the bus carries them), werkzeug's that the gateway raises or
    its routing answers (``app._code`` of each), and gunicorn's own (``server_errors.CODES``)."""
    from werkzeug import exceptions as http
    from estate_common.errors import DomainError
    from gateway import app, server_errors, users, requests_in  # noqa: F401  (their kinds of DomainError)
    kinds, found = [DomainError], set()
    while kinds:
        kind = kinds.pop()
        found.add(kind.code)
        kinds.extend(kind.__subclasses__())
    found |= {app._code(error()) for error in (http.NotFound, http.MethodNotAllowed, http.RequestTimeout,
                                                http.RequestEntityTooLarge, http.TooManyRequests, http.BadRequest)}
    return found | set(server_errors.CODES.values())


def test_every_problem_code_the_gateway_answers_is_named_in_the_served_contract(client):
    """An integrator switches on ``code``: the contract said only "a string", and a 422 came as
    ``business_rule``, a 413 as ``request_entity_too_large``, a reset password's 403 as
    ``password_change_required``, codes he met one by one (an integrator's probe)."""
    described = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Problem"]["properties"][
        "code"].get("description", "")
    named = set(re.findall(r"`([a-z_]+)`", described))
    assert _codes_the_gateway_answers() - named == set()
    assert {"business_rule", "password_change_required", "too_many_requests"} <= named
