"""Every RPC method, event and route has its contract in contracts/, and every
contract has its counterpart in the code: a contract change is a reviewed diff."""
import importlib
import json
import inspect
import re
from pathlib import Path

import pytest
from nameko.rpc import Rpc

from estate_common import closed_counts, contracts, topology
from estate_common.nameko.entrypoints import consumes  # noqa: F401  (documents what is scanned for)

ROOT = Path(__file__).resolve().parents[2]
BOOK = contracts.load()


def service_class(name):
    module, cls = topology.SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def entrypoints(cls, kind):
    found = set()
    for attr, member in inspect.getmembers(cls):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, kind):
                found.add(attr)
    return found


def consumed_events(cls):
    from nameko.events import EventHandler
    found = set()
    for _, member in inspect.getmembers(cls):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                found.add((entrypoint.source_service, entrypoint.event_type))
    return found


def published_events(service):
    """Event types a service announces: every ``outbox.event("type", ...)`` in its package, and
    the closed-record counts when it mixes in the shared timer (``CountsClosedRecords``)."""
    package = ROOT / "services" / service / service
    text = "\n".join(path.read_text() for path in package.rglob("*.py"))
    shared = {closed_counts.EVENT} if "CountsClosedRecords" in text else set()
    return {(service, name) for name in set(re.findall(r'outbox\.event\(\s*"([a-z_]+)"', text)) | shared}


@pytest.mark.parametrize("service", topology.SERVICES)
def test_every_rpc_method_has_a_contract_and_every_contract_a_method(service):
    methods = entrypoints(service_class(service), Rpc)
    declared = {method for svc, method in BOOK.rpc_methods() if svc == service}
    assert methods == declared


def test_every_contracted_service_exists():
    assert {svc for svc, _ in BOOK.rpc_methods()} == set(topology.SERVICES)


@pytest.mark.parametrize("service", topology.SERVICES)
def test_every_consumed_event_has_a_contract(service):
    assert consumed_events(service_class(service)) <= BOOK.event_types()


def test_every_event_contract_is_published_by_its_source_and_no_event_goes_without_one():
    published = set().union(*(published_events(service) for service in topology.SERVICES))
    assert published == BOOK.event_types()


def test_every_event_contract_is_consumed_by_someone_besides_integrations():
    """integrations' queues are bound only while a subscription wants the type
    (integrations/bindings.py): another consumer keeps every type routed, so the relay's
    mandatory publish is never returned and no event waits in an outbox for a subscriber."""
    consumed = set().union(*(consumed_events(service_class(service)) for service in topology.SERVICES
                             if service != "integrations"))
    assert BOOK.event_types() <= consumed


def test_rpc_contracts_are_json_schema_with_input_and_output():
    for service, method in BOOK.rpc_methods():
        document = BOOK.documents[f"rpc/{service}/{method}.json"]
        assert set(document) >= {"title", "description", "input", "output"}, (service, method)
        assert document["title"] == f"{service}.{method}"


def _flask_routes():
    from gateway.app import create_app
    from gateway.docs import UNDOCUMENTED_ENDPOINTS
    app = create_app({"admin_password": "contract-test-password", "jwt_secret": "c" * 40})
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_gateway_route_is_in_openapi_and_every_openapi_operation_is_served():
    documented = {(path, method) for path, item in BOOK.openapi["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert _flask_routes() == documented


def test_every_openapi_operation_declares_its_errors_and_every_ref_resolves():
    for path, item in BOOK.openapi["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation["responses"]
            # a success, or for the portal page's address a redirect to the console's page
            assert any(code.startswith("2") for code in responses) or set(responses) & {"302", "303"}, (path, method)
            if operation.get("security", BOOK.openapi["security"]):
                assert "401" in responses, (path, method)
            for status in responses:
                response, _ = BOOK._follow(["paths", path, method, "responses", status])
                assert "content" in response or status in ("204", "302", "304"), (path, method, status)  # no body
                for media in response.get("content", {}):
                    if status.startswith(("4", "5")) and path.startswith("/api/"):
                        assert media == "application/problem+json", (path, method, status)
                    ref = BOOK.response_schema_ref(path, method, status, media)
                    assert ref is not None, (path, method, status)
                    BOOK.validator(ref).is_valid({})  # resolves every $ref on the way


def test_every_operation_that_reads_a_body_documents_its_408():
    """A body that stops coming is a 408 (``requests_in.take_body``) wherever a body is read,
    that is wherever one can be too large (413)."""
    for path, item in BOOK.openapi["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "413" in operation.get("responses", {}):
                assert "408" in operation["responses"], (path, method)


def test_every_operation_an_api_key_may_call_documents_its_429():
    """A key's calls are counted per minute before anything else of the route (gateway/limits.py
    ``key_calls``), so any operation a key may call can answer 429."""
    for path, item in BOOK.openapi["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and any(
                    "ApiKey" in scheme for scheme in operation.get("security", BOOK.openapi["security"])):
                assert "429" in operation["responses"], (method, path)


def test_every_operation_under_an_estate_documents_its_404():
    """An estate id that names no estate is a 404 (a list's included: gateway/known_estates.py),
    so every operation under one says so; eight lists did not, and the fuzzer's unknown estates
    got an undocumented answer."""
    for path, item in BOOK.openapi["paths"].items():
        if path.startswith("/api/v1/estates/{estate_id}/"):
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    assert "404" in operation["responses"], (method, path)


def test_openapi_has_no_key_written_twice():
    """YAML keeps the last of two equal keys without a word: two services claiming one path or
    one schema name would silently lose one of them."""
    import yaml

    twice = []

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
        twice.extend(key for key in set(keys) if keys.count(key) > 1)
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    # libyaml's parser where PyYAML has it (as estate_common.contracts reads the document): the
    # pure-Python one took some 5 s of CPU; the mappings are built here either way
    class StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        pass

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    with open(BOOK.root / "openapi.yaml", encoding="utf-8") as handle:
        yaml.load(handle, StrictLoader)
    assert twice == []


def test_every_settings_body_names_each_number_its_service_keeps():
    """An estate's override of a number its service keeps is documented where the body is: the
    fire check's grace days were accepted but not in the contract (found by review)."""
    import importlib
    import sys
    schemas = BOOK.openapi["components"]["schemas"]
    for service, schema in (("maintenance", "MaintenanceSettingsChange"),
                            ("security_patrol", "SecurityPatrolSettingsChange"),
                            ("finance", "FinanceSettingsChange"), ("archive", "ArchiveSettingsChange"),
                            ("integrations", "IntegrationsSettingsChange")):
        sys.path.insert(0, str(ROOT / "services" / service))
        rules = importlib.import_module(f"{service}.rules")
        assert set(schemas[schema]["properties"]) == set(rules.DEFAULTS), service
        # and bounds each by what the service enforces: a contract-valid 100,000,000 days put a
        # due date past the calendar's end and failed every billing run (found by review)
        for name, field in schemas[schema]["properties"].items():
            if name in getattr(rules, "CHOICES", {}):  # a list-valued setting: of its choices, each once
                assert (field["type"], field["items"]["enum"], field["uniqueItems"], field["minItems"]) == (
                    "array", list(rules.CHOICES[name]), True, 1), f"{service}.{name}"
                continue
            assert name in rules.MAXIMA, f"{service}.{name}: no maximum in rules.MAXIMA"
            assert (field["minimum"], field["maximum"]) == (getattr(rules, "MINIMA", {}).get(name, 1),
                                                            rules.MAXIMA[name]), f"{service}.{name}"
            # and a number that takes only some values (the fire-check cycle) lists the same ones
            assert field.get("enum") == (list(getattr(rules, "ALLOWED", {})[name])
                                         if name in getattr(rules, "ALLOWED", {}) else None), f"{service}.{name}"


def test_every_number_customer_service_keeps_has_a_maximum():
    """customer_service's settings body is the generic one: its bounds are in rules.MAXIMA only;
    a list-valued setting has its choices (rules.CHOICES) instead."""
    import importlib
    import sys
    sys.path.insert(0, str(ROOT / "services" / "customer_service"))
    rules = importlib.import_module("customer_service.rules")
    numbers = {name for name, value in rules.DEFAULTS.items() if not isinstance(value, list)}
    assert numbers == set(rules.MAXIMA)
    assert set(rules.DEFAULTS) - numbers == set(rules.CHOICES)


def test_the_webhook_event_types_in_openapi_are_every_type_integrations_accepts():
    """17 of the 44 types integrations binds were missing from WebhookEventType, so no subscription
    could name them through the gateway (household edits, cancelled work orders...: found by review)."""
    import importlib
    import sys
    sys.path.insert(0, str(ROOT / "services" / "integrations"))
    webhooks = importlib.import_module("integrations.webhooks")
    documented = BOOK.openapi["components"]["schemas"]["WebhookEventType"]["enum"]
    assert documented == webhooks.public_event_types(BOOK.event_types())

    # and one subscription takes them all: maxItems stayed at 27 when they became 44 (found by review)
    assert BOOK.openapi["components"]["schemas"]["WebhookEvents"]["maxItems"] == len(documented)


def test_the_most_any_amount_holds_is_the_contracts_cents_maximum():
    from estate_common import money
    schemas = BOOK.openapi["components"]["schemas"]
    assert schemas["Cents"]["maximum"] == money.MAX_CENTS == schemas["SignedCents"]["maximum"]


CREDENTIALS = {"username", "password", "current_password", "new_password"}  # taken as typed


def _texts_without_content_check(schema, where, seen):
    """``(where, property)`` of each string a request body may send with a length but no pattern:
    the services trim text, so '   ' passed minLength and was stored as '' (found by review)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _texts_without_content_check(BOOK.openapi["components"]["schemas"][name], name, seen)
    found = []
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found += _texts_without_content_check(part, where, seen)
    if "items" in schema:
        found += _texts_without_content_check(schema["items"], where, seen)
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("type") == "string" and prop.get("minLength") and not ({"pattern", "enum", "format"} & set(prop)) \
                and name not in CREDENTIALS:
            found.append((where, name))
        found += _texts_without_content_check(prop, where, seen)
    return found


def test_every_text_a_request_body_sends_must_hold_more_than_spaces():
    seen, found = set(), []
    for item in BOOK.openapi["paths"].values():
        for method, operation in item.items():
            body = operation.get("requestBody", {}) if isinstance(operation, dict) else {}
            for media in body.get("content", {}).values():
                found += _texts_without_content_check(media["schema"], method, seen)
    assert found == []


@pytest.mark.parametrize("service, body, field", [
    ("finance", {"charge_due_days": 0}, "data.charge_due_days"),
    ("security_patrol", {"timezone": "UTC"}, "data.timezone"),
    ("security_patrol", {"fire_check_interval_months": 5}, "data.fire_check_interval_months"),  # less than monthly
    ("archive", {"borrow_due_days": -1}, "data.borrow_due_days"),
    ("integrations", {"webhook_nope": 5}, "data.webhook_nope"),
])
def test_each_service_s_settings_are_checked_against_its_own_schema(service, body, field):
    """finance's, security-patrol's, archive's and integrations' settings went through a generic
    schema (any name, minimum 0): 0 passed the contract to be refused by finance's own "at least
    1", and a name that is no setting was "not of type integer" (found by a settings probe). The
    PUT's openapi schema and the RPC's input are one."""
    errors = BOOK.errors(f"rpc/{service}/update_settings.json#/input", {"estate_id": "est_1", "data": body})
    assert [e["field"] for e in errors] == [field], errors
    put = BOOK.openapi["paths"][f"/api/v1/estates/{{estate_id}}/settings/{service.replace('_', '-')}"]["put"]
    body_ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    rpc = json.loads((ROOT / "contracts" / "rpc" / service / "update_settings.json").read_text())
    assert rpc["input"]["properties"]["data"]["$ref"] == f"../../openapi.yaml{body_ref}"
