"""A webhook's body, as an integrator can know it: the served OpenAPI document
(``/api/v1/openapi.json``) names in its ``webhooks`` (OpenAPI 3.1) every event type a subscription
may take, with the headers and the body integrations sends. The document named the types alone
(``WebhookEventType``) and pointed at ``contracts/events/<source>/<type>.json``, files an
integrator outside the project never sees, so a receiver could not know what ``data`` a
``maintenance.work_order_completed`` holds, and the event contract, had he had it, required
``signed_by``, which the delivery leaves out (an integrator's probe)."""
import copy
import importlib
import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from estate_common import contracts

ROOT = Path(__file__).resolve().parents[2]
BOOK = contracts.load()
SERVED_URI = "https://estate-ops.invalid/served/openapi.json"


def _integrations_webhooks():
    sys.path.insert(0, str(ROOT / "services" / "integrations"))
    return importlib.import_module("integrations.webhooks")


@pytest.fixture(scope="module")
def served():
    from gateway.docs import served_document
    return served_document()


def _validator(document, event_type):
    """A validator of the body the served document gives ``event_type``, its ``#/components``
    references read in that document."""
    registry = Registry().with_resource(SERVED_URI, Resource(contents=document, specification=DRAFT202012))
    body = f"{SERVED_URI}#/webhooks/{event_type}/post/requestBody/content/application~1json/schema"
    return Draft202012Validator({"$ref": body}, registry=registry)


def test_the_served_document_names_a_webhook_for_every_event_type_a_subscription_takes(served):
    types = served["components"]["schemas"]["WebhookEventType"]["enum"]
    assert sorted(served.get("webhooks", {})) == types
    for event_type in types:
        operation = served["webhooks"][event_type]["post"]
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert set(headers) == {"X-Estate-Event", "X-Estate-Delivery", "X-Estate-Timestamp", "X-Estate-Signature"}
        assert all(header["required"] for header in headers.values())
        assert headers["X-Estate-Event"]["schema"] == {"const": event_type}
        assert "2XX" in operation["responses"]
        Draft202012Validator.check_schema(operation["requestBody"]["content"]["application/json"]["schema"])


def test_a_body_integrations_sends_matches_its_served_schema_and_the_contracts_own_fields(served):
    """The body is the event minus traceparent and its personal fields (signed_by): the served
    schema requires neither and refuses both, and takes what integrations sends."""
    webhooks = _integrations_webhooks()
    event = {"event_id": "0" * 32, "event_type": "work_order_completed", "source": "maintenance",
             "occurred_at": "2026-11-23T09:00:00.000Z", "estate_id": "est_1", "request_id": "r1", "actor": "amy",
             "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01",
             "subject": {"id": "wo_1", "revision": 3},
             "data": {"id": "wo_1", "number": "WO-2026-000001", "source": {"type": "service_request", "id": "sr_1"},
                      "request_id": "sr_1", "household_id": "hh_1", "priority": "normal",
                      "reported_at": "2026-11-23T08:00:00.000Z", "started_at": "2026-11-23T08:30:00.000Z",
                      "completed_at": "2026-11-23T09:00:00.000Z", "charge_cents": 0, "material_cost_cents": 0,
                      "labour_cost_cents": 0, "signed_by": "陈小明"}}
    assert BOOK.errors("events/maintenance/work_order_completed.json", event) == []
    personal = frozenset(BOOK.personal_fields("maintenance", "work_order_completed"))
    body = json.loads(webhooks.body_of(event, personal))
    validator = _validator(served, "maintenance.work_order_completed")
    assert list(validator.iter_errors(body)) == []
    assert list(validator.iter_errors(event)) != []  # traceparent and signed_by never leave
    with_name = copy.deepcopy(body)
    with_name["data"]["signed_by"] = "陈小明"
    assert list(validator.iter_errors(with_name)) != []


@pytest.mark.parametrize("event_type", BOOK.openapi["components"]["schemas"]["WebhookEventType"]["enum"])
def test_each_served_body_is_its_event_contract_less_what_is_not_sent(served, event_type):
    """The served schema and the event's contract know the same data fields, but the personal
    ones; the envelope's, but traceparent."""
    source, name = event_type.split(".")
    schema = served["webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
    personal = set(BOOK.personal_fields(source, name))
    assert set(schema["properties"]["data"]["properties"]) == BOOK.data_fields(source, name) - personal
    assert not personal & set(schema["properties"]["data"].get("required", []))
    envelope = BOOK.documents["common.json"]["$defs"]["envelope"]
    assert schema["allOf"] == [{"$ref": "#/components/schemas/WebhookEventEnvelope"}]  # held once (1.1 MB served)
    served_envelope = served["components"]["schemas"]["WebhookEventEnvelope"]
    assert set(served_envelope["properties"]) == set(envelope["properties"]) - {"traceparent"}
