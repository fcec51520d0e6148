"""/healthz, /readyz, the OpenAPI document and the docs page."""
import pytest

from estate_common import contracts
from estate_common.errors import ServiceUnavailable

SERVICES = ("customer_service", "maintenance", "security_patrol", "finance", "archive", "integrations")


def test_healthz_needs_no_token(app, client, contract, rpc):
    response = client.get("/healthz")
    assert contract.check(app, response, 200) == {"status": "ok"}
    assert response.mimetype == "application/json"
    assert rpc.calls == []


def test_readyz_when_everything_answers(app, client, contract, rpc):
    response = client.get("/readyz", headers={"X-Request-ID": "probe-readyz-1"})
    body = contract.check(app, response, 200)
    assert body == {"status": "ready", "checks": {"gateway_store": "ok", **{name: "ok" for name in SERVICES}}}
    assert sorted(c.service for c in rpc.calls) == sorted(SERVICES)
    for call in rpc.calls:
        assert call.method == "health"
        assert call.payload == {}
        assert call.timeout == 2.0  # readiness never waits the full RPC timeout
        assert call.request_id == "probe-readyz-1"  # the services' lines had none (found by a probe)


@pytest.mark.parametrize("down", SERVICES)
def test_readyz_when_one_service_is_down(app, client, contract, rpc, down):
    rpc.answer(down, "health", ServiceUnavailable(f"{down} is not running"))
    response = client.get("/readyz")
    body = contract.check(app, response, 503)
    assert body["status"] == "unavailable"
    assert body["checks"][down] != "ok"
    assert body["checks"][down].startswith("unavailable")
    assert "ServiceUnavailable" in body["checks"][down]
    assert all(body["checks"][name] == "ok" for name in ("gateway_store", *SERVICES) if name != down)


def test_readyz_reports_an_unexpected_failure_without_raising(app, client, contract, rpc):
    rpc.answer("finance", "health", RuntimeError("secret internals"))
    rpc.answer("archive", "health", ServiceUnavailable("broker unreachable"))
    response = client.get("/readyz")
    body = contract.check(app, response, 503)
    assert body["checks"]["finance"] == "unavailable: RuntimeError"
    assert body["checks"]["archive"] == "unavailable: ServiceUnavailable"
    assert "secret internals" not in response.get_data(as_text=True)


def test_readyz_when_the_store_is_down(app, client, contract, rpc, monkeypatch):
    db = app.extensions["estate_ops"].db

    def broken(*args, **kwargs):
        raise ConnectionError("store down")

    monkeypatch.setattr(db, "command", broken)
    body = contract.check(app, client.get("/readyz"), 503)
    assert body["checks"]["gateway_store"] == "unavailable: ConnectionError"
    assert all(body["checks"][name] == "ok" for name in SERVICES)


def test_readyz_of_the_gateway_alone_asks_no_service(app, client, contract, rpc):
    for name in SERVICES:  # every service down: the gateway itself still serves (a 503 per call)
        rpc.answer(name, "health", ServiceUnavailable(f"{name} is not running"))
    body = contract.check(app, client.get("/readyz?scope=gateway"), 200)
    assert body == {"status": "ready", "checks": {"gateway_store": "ok", "broker": "ok", "services_started": "ok"}}
    assert rpc.calls == []
    assert contract.check(app, client.get("/readyz?scope=all"), 503)["status"] == "unavailable"


def test_readyz_of_the_gateway_alone_without_its_broker_or_store(app, client, contract, rpc, monkeypatch):
    rpc.broker_down = ServiceUnavailable("message broker unreachable: OSError")
    body = contract.check(app, client.get("/readyz?scope=gateway"), 503)
    assert body["checks"] == {"gateway_store": "ok", "broker": "unavailable: ServiceUnavailable"}
    rpc.broker_down = None
    # a service never started on this broker has no event queues yet: not ready to take traffic
    rpc.unstarted = ("finance",)
    body = contract.check(app, client.get("/readyz?scope=gateway"), 503)
    assert body["checks"]["services_started"] == "never started: finance"
    rpc.unstarted = ()

    def broken(*args, **kwargs):
        raise ConnectionError("store down")
    monkeypatch.setattr(app.extensions["estate_ops"].db, "command", broken)
    body = contract.check(app, client.get("/readyz?scope=gateway"), 503)
    assert body["checks"] == {"gateway_store": "unavailable: ConnectionError", "broker": "ok", "services_started": "ok"}


def test_readyz_of_an_unknown_scope_is_a_400(app, client, contract, rpc):
    body = contract.check(app, client.get("/readyz?scope=everything"), 400)
    assert body["errors"][0]["field"] == "scope"
    assert rpc.calls == []


def test_openapi_json_is_the_contract(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert _without_roles(body) == contracts.load().openapi
    assert body["openapi"].startswith("3.1")
    assert "/api/v1/auth/token" in body["paths"]
    assert "maintenance.work_order_completed" in body["webhooks"]  # tests/contracts/test_webhook_bodies.py


def _without_roles(document):
    """The served document less what the gateway adds: each operation's x-roles and x-starts-work, its
    responses' references to the gateway's headers (docs._declare_gateway_headers), the webhooks and
    their envelope."""
    document = {k: v for k, v in document.items() if k != "webhooks"}
    schemas = {k: v for k, v in document["components"]["schemas"].items() if k != "WebhookEventEnvelope"}
    return {**document, "components": {**document["components"], "schemas": schemas},
            "paths": {path: {method: (_without_gateway_headers({k: v for k, v in op.items()
                                                                if k not in ("x-roles", "x-starts-work")})
                                      if isinstance(op, dict) and method != "parameters" else op)
                             for method, op in ops.items()}
                      for path, ops in document["paths"].items()}}


def _without_gateway_headers(operation):
    """``operation`` less the gateway's headers, an item read's ``If-None-Match`` and 304 (``etags``), and
    a write of a tagged record's ``If-Match``, ``If-None-Match`` and 412, and every other write's (``preconditions``)."""
    responses = {}
    for status, response in operation["responses"].items():
        if response in ({"$ref": "#/components/responses/NotModified"},
                        {"$ref": "#/components/responses/PreconditionFailed"},
                        {"$ref": "#/components/responses/PreconditionNotMet"}):
            continue
        if "headers" in response:
            headers = {k: v for k, v in response["headers"].items()
                       if v not in ({"$ref": "#/components/headers/RequestId"},
                                    {"$ref": "#/components/headers/IdempotentReplayed"},
                                    {"$ref": "#/components/headers/Location"},
                                    {"$ref": "#/components/headers/ETag"},
                                    {"$ref": "#/components/headers/ItemCacheControl"},
                                    {"$ref": "#/components/headers/ItemVary"})}
            response = {k: v for k, v in response.items() if k != "headers"}
            if headers:
                response["headers"] = headers
        responses[status] = response
    operation = {**operation, "responses": responses}
    if "parameters" in operation:
        parameters = [p for p in operation["parameters"] if p not in ({"$ref": "#/components/parameters/IfNoneMatch"},
                                                                      {"$ref": "#/components/parameters/IfMatch"},
                                                                      {"$ref": "#/components/parameters/IfNoneMatchWrite"},
                                                                      {"$ref": "#/components/parameters/IfMatchUntagged"},
                                                                      {"$ref": "#/components/parameters/IfNoneMatchPut"})]
        operation = {k: v for k, v in operation.items() if k != "parameters"} | (
            {"parameters": parameters} if parameters else {})
    return operation


def test_openapi_json_names_the_roles_the_gateway_lets_call_each_operation(client):
    """What the gateway enforces (access.policy_table), so that a client offers a user only what
    their roles may do: the console offered every work-order step to the desk (found by review)."""
    from gateway.access import policy_table
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    table = policy_table()
    assert len(table) > 100
    for (method, path), roles in table.items():
        assert paths[path][method.lower()]["x-roles"] == sorted(roles), (method, path)
    assert paths["/api/v1/estates/{estate_id}/work-orders/{work_order_id}/assign"]["post"]["x-roles"] == [
        "agent", "maintenance_supervisor", "manager", "operator_admin", "technician"]  # the desk and the
    # maintenance supervisor dispatch (h5); the steward does not
    assert paths["/api/v1/estates/{estate_id}/work-orders/{work_order_id}/start"]["post"]["x-roles"] == [
        "manager", "operator_admin", "technician"]
    assert "x-roles" not in paths["/api/v1/auth/token"]["post"]  # public: anyone


def test_openapi_json_marks_each_operation_a_retired_estate_refuses(client):
    """``x-starts-work`` on each write that starts new work (retirements.STARTS_WORK, and the household
    import), so that a client offers none of them in a retired estate: the console offered them all,
    each a 409 once typed (found by the follow-ups on retired estates). What closes out the past is
    not marked."""
    from gateway import retirements
    from gateway.access import openapi_path
    from gateway.routes import ROUTES
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    marked = {(method.upper(), path) for path, ops in paths.items() for method, op in ops.items()
              if isinstance(op, dict) and op.get("x-starts-work")}
    forwarded = {(route.method, openapi_path(route.path)) for route in ROUTES if retirements.starts_work(route)}
    assert len(forwarded) > 40
    assert marked == forwarded | {("POST", "/api/v1/estates/{estate_id}/households/import"),
                                  ("POST", "/api/v1/estates/{estate_id}/opening-balances/import"),
                                  ("POST", "/api/v1/estates/{estate_id}/opening-credits/import"),
                                  ("POST", "/api/v1/estates/{estate_id}/equipment/import"),
                                  ("POST", "/api/v1/estates/{estate_id}/handovers/import")}
    assert ("POST", "/api/v1/estates/{estate_id}/payments") not in marked
    assert paths["/api/v1/estates/{estate_id}/patrol-rounds"]["post"]["x-starts-work"] is True


def test_docs_page_points_at_the_openapi_document(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert '"/api/v1/openapi.json"' in page
    assert "/api/docs/assets/swagger-ui-bundle.js" in page and "/api/docs/assets/swagger-ui.css" in page
    assert "https://" not in page  # no CDN


def test_the_docs_page_is_a_swagger_ui_that_reads_the_served_openapi_version(client):
    """Swagger UI reads OpenAPI 3.1 from its version 5 on: the bundle served was 4.15.5, and
    /api/docs showed only "Unable to render this definition: the provided definition does not
    specify a valid version field" for the 3.1.0 document, not one operation (an integrator's probe)."""
    import re
    assert client.get("/api/v1/openapi.json").get_json()["openapi"].startswith("3.1")
    bundle = client.get("/api/docs/assets/swagger-ui-bundle.js")
    [version] = re.findall(r'PACKAGE_VERSION:"([0-9.]+)"', bundle.get_data(as_text=True))
    bundle.close()
    assert int(version.split(".")[0]) >= 5, version


@pytest.mark.parametrize("asset, mimetypes", [("swagger-ui-bundle.js", {"text/javascript", "application/javascript"}),
                                              ("swagger-ui.css", {"text/css"})])
def test_docs_assets_are_served_locally(client, asset, mimetypes):
    response = client.get(f"/api/docs/assets/{asset}")
    assert response.status_code == 200
    assert response.mimetype in mimetypes
    assert len(response.get_data()) > 10_000
    response.close()


@pytest.mark.parametrize("path", ["/api/docs/assets/no-such-file.js", "/api/docs/assets/../../gateway/app.py",
                                  "/api/docs/assets/%2e%2e/%2e%2e/etc/passwd", "/api/docs/assets//etc/passwd"])
def test_docs_assets_do_not_leave_their_folder(client, contract, path):
    response = client.get(path, follow_redirects=True)  # werkzeug merges double slashes with a redirect
    assert response.status_code == 404
    assert "root:" not in response.get_data(as_text=True)
    contract.problem(response, 404, "not_found")


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/api/v1/openapi.json", "/api/docs"])
def test_public_routes_ignore_a_bad_token(client, path):
    assert client.get(path, headers={"Authorization": "Bearer rubbish"}).status_code == 200


# -- the served document: its size, its caching, the headers every answer carries ------------------

def test_the_served_document_is_sent_with_a_strong_etag_and_answers_304_to_it(client):
    """1.1 MB sent whole at every read, with nothing to cache it by (an integrator's probe): its ETag
    is the digest of its bytes (computed once: it changes only on deploy), If-None-Match with it
    answers 304 without a body, and Cache-Control lets a client keep it a few minutes."""
    import hashlib
    first = client.get("/api/v1/openapi.json")
    etag = first.headers["ETag"]
    assert etag == '"' + hashlib.sha256(first.get_data()).hexdigest() + '"'  # strong: no W/
    assert "public" in first.headers["Cache-Control"] and "max-age=300" in first.headers["Cache-Control"]
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["X-Request-ID"]
    changed = client.get("/api/v1/openapi.json", headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert changed.status_code == 200 and changed.get_data() == first.get_data()


def test_the_served_document_is_made_once(client, monkeypatch):
    from gateway import docs
    client.get("/api/v1/openapi.json")
    monkeypatch.setattr(docs, "served_document", lambda: pytest.fail("the document was made again"))
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_each_webhook_refers_to_the_one_served_envelope(client):
    """Each of the 66 webhooks wrote the event envelope out again (1.1 MB served): the envelope is
    one served component, ``WebhookEventEnvelope`` (less ``traceparent``), each body's ``allOf`` refers to."""
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    envelope = document["components"]["schemas"]["WebhookEventEnvelope"]
    assert "traceparent" not in envelope["properties"] and "subject" in envelope["properties"]
    for event_type, webhook in document["webhooks"].items():
        body = webhook["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["allOf"] == [{"$ref": "#/components/schemas/WebhookEventEnvelope"}], event_type
    assert response.get_data().count(envelope["properties"]["subject"]["description"].encode()) == 1


def test_every_answer_declares_its_request_id_and_a_keyed_write_its_replay(client):
    """X-Request-ID (every answer) and Idempotent-Replayed (a replay) were sent and declared nowhere
    (an integrator's probe): both are ``components/headers``, each response of the served document
    refers to the first and each 2xx of an operation that takes an Idempotency-Key to the second."""
    document = client.get("/api/v1/openapi.json").get_json()
    headers = document["components"]["headers"]
    assert headers["RequestId"]["required"] is True and headers["IdempotentReplayed"]["schema"] == {"const": "true"}
    keyed = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            takes_key = any(p.get("$ref", "").endswith(("/IdempotencyKey", "/IdempotencyKeyRequired")) or p.get("name") == "Idempotency-Key"
                            for p in operation.get("parameters", []))
            keyed += takes_key
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                declared = response.get("headers", {})
                assert declared.get("X-Request-ID") == {"$ref": "#/components/headers/RequestId"}, (path, method, status)
                replayed = declared.get("Idempotent-Replayed")
                if takes_key and status.startswith("2"):
                    assert replayed == {"$ref": "#/components/headers/IdempotentReplayed"}, (path, method, status)
                else:
                    assert replayed is None, (path, method, status)
    assert keyed > 100


# -- the served document compressed (an integrator's follow-ups: 1 MB sent uncompressed) -------------

def test_the_served_document_is_gzipped_for_a_client_that_takes_it(client):
    """About 1 MB went out uncompressed whatever the client accepted: a client that takes gzip gets
    the same document gzipped, under its own strong ETag (another representation, RFC 9110 8.8.3),
    each answer saying it varies by Accept-Encoding, and a 304 for each representation's own ETag."""
    import gzip
    plain = client.get("/api/v1/openapi.json")
    packed = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) * 5 < len(plain.get_data())
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())
    assert packed.headers["ETag"] != plain.headers["ETag"] and not packed.headers["ETag"].startswith("W/")
    again = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip",
                                                           "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == packed.headers["ETag"]
    assert "Accept-Encoding" in again.headers["Vary"]
    # the other representation's ETag is not this one's: the whole answer
    crossed = client.get("/api/v1/openapi.json", headers={"If-None-Match": packed.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.get_data() == plain.get_data()
    crossed = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip",
                                                             "If-None-Match": plain.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("accepted", ["gzip;q=0", "identity", "br", "*;q=0, identity", "deflate"])
def test_a_client_that_does_not_take_gzip_gets_the_document_as_it_is(client, accepted):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": accepted})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.get_json()["openapi"].startswith("3.1")


def test_the_console_reads_the_gzipped_document_and_its_304(app):
    """The console's own read (requests, which asks for gzip by itself) over a real socket: the
    document, then a 304 with the ETag it kept."""
    import threading
    from werkzeug.serving import make_server
    from console.gateway_api import Gateway
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api = Gateway(f"http://127.0.0.1:{server.server_port}")
        document, etag = api.get_unless_unchanged("/api/v1/openapi.json")
        assert document["openapi"].startswith("3.1") and etag.endswith('-gzip"')
        assert api.get_unless_unchanged("/api/v1/openapi.json", etag) == (None, etag)
    finally:
        server.shutdown()
        thread.join()


def test_each_create_declares_the_location_of_what_it_made(client):
    """``Location`` (an integrator's follow-ups): declared, required, on each 201 whose new resource
    has a URL of its own to read (``GET`` on it), and on no other answer."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["headers"]["Location"]["required"] is True
    declared = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                location = response.get("headers", {}).get("Location")
                if status == "201":
                    assert location in (None, {"$ref": "#/components/headers/Location"}), (path, method)
                    declared |= {path} if location else set()
                elif location is not None:  # a redirect's own (the portal's QR code page)
                    assert status.startswith("3") and "$ref" not in location, (path, method, status)
    for path in ("/api/v1/users", "/api/v1/estates", "/api/v1/estates/{estate_id}/service-requests",
                 "/api/v1/estates/{estate_id}/payments", "/api/v1/estates/{estate_id}/webhooks",
                 "/api/v1/public/estates/{estate_code}/requests"):
        assert path in declared, path
