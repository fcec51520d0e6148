"""Every field name a page can show reads as a label in both languages, not as its code name
(``works_from``, ``plate``, ``payment_id`` showed as they are: found by review).

The names are read from the contracts where the pages meet them:

- a refusal's ``errors[].field`` (``_problem.html``, ``_row_problem.html``: ``i18n.error_field``):
  every property of a request body in openapi.yaml at any depth (``results[1].reading`` reads
  ``reading``), every query parameter (a list's filters, an export's) and every path parameter (a
  service names a refused id ``id``, which the gateway names by its path parameter:
  ``payment_id``); a refused setting reads as the settings page names it (``setting.<name>``);
- an archive record's data and the change log's fields (``archive/records.html``,
  ``archive/borrow.html``, the change-log register: ``i18n.field_name``), an object's fields
  inside it too: the data of each event archive keeps (its ``@consumes`` handlers that
  ``_record`` or ``_log_change``), in contracts/events."""
import json
import re

import pytest
from flask import g

from console import i18n

from .conftest import ROOT, openapi_spec

SPEC = openapi_spec()

# names the contract has that no page can show
NOT_SHOWN = {
    "website": "the portal's honeypot: refused, the form comes back without it (views/portal.py)",
    "estate_code": "the portal answers a code it cannot use with its own page (views/portal.py)",
    "tracking_code": "the portal answers a code it cannot use with its own page (views/portal.py)",
    "related_request_id": "no form of the console sends it",
    "archived": "a query parameter no page sends",
    "current": "a query parameter no page sends",
    "journal": "a query parameter no page sends",
    "source_type": "sent by the incident page only, in a read that shows nothing when refused (views/incidents.py)",
    "scope": "GET /readyz's: an operator's, not a page's",
}
# names a refusal carries that openapi.yaml does not: the console's own checks (accounts.py's
# price, auth.py's new password typed twice, gateway_api.py's Idempotency-Key, as the gateway's
# own) and an import's file the service cannot read (archive.import_files)
NAMED_ELSEWHERE = {"price", "new_password_again", "Idempotency-Key", "(file)"}


def _openapi(ref):
    node = SPEC
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node, _openapi


def _in_file(path):
    """A resolver of the ``$ref`` s of the JSON schema at ``path`` (an event's)."""
    def resolve(ref):
        where, _, pointer = ref.partition("#")
        target = (path.parent / where).resolve() if where else path
        if target.suffix == ".yaml":
            return _openapi(pointer)
        node = json.loads(target.read_text())
        for part in filter(None, pointer.split("/")):
            node = node[part]
        return node, _in_file(target)
    return resolve


def properties(schema, resolve, seen=()):
    """Every property name of ``schema`` at any depth (its objects', its items', its branches')."""
    found = set()
    if isinstance(schema, list):
        for each in schema:
            found |= properties(each, resolve, seen)
        return found
    if not isinstance(schema, dict):
        return found
    if "$ref" in schema and schema["$ref"] not in seen:
        target, inner = resolve(schema["$ref"])
        found |= properties(target, inner, (*seen, schema["$ref"]))
    for name, inner in (schema.get("properties") or {}).items():
        found |= {name} | properties(inner, resolve, seen)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            found |= properties(schema[key], resolve, seen)
    for key in ("oneOf", "anyOf", "allOf"):
        found |= properties(schema.get(key) or [], resolve, seen)
    return found


def refused_names():
    """What a refusal of a call to the API can name: openapi.yaml's request bodies' properties,
    its query and path parameters."""
    names = set()
    for operations in SPEC["paths"].values():
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for parameter in [*shared, *operation.get("parameters", [])]:
                if "$ref" in parameter:
                    parameter, _ = _openapi(parameter["$ref"])
                if parameter["in"] in ("query", "path"):
                    names.add(parameter["name"])
            body = operation.get("requestBody")
            if body and "$ref" in body:
                body, _ = _openapi(body["$ref"])
            for media in (body or {}).get("content", {}).values():
                names |= properties(media.get("schema", {}), _openapi)
    return names


def kept_events():
    """``(source, event type)`` of each event archive keeps as a record or logs as a change."""
    source = (ROOT / "services" / "archive" / "archive" / "service.py").read_text()
    return re.findall(r'@consumes\("(\w+)", "(\w+)"\)\n    def \w+\(self, event\):\n'
                      r'        self\._(?:record|log_change)\(event\)', source)


def record_names():
    names = set()
    for source, event_type in kept_events():
        path = ROOT / "contracts" / "events" / source / f"{event_type}.json"
        names |= properties(json.loads(path.read_text())["properties"]["data"], _in_file(path))
    return names


def _unlabelled(app, names, shown):
    """``name: languages`` for each of ``names`` that ``shown`` (in each language) gives back as it is."""
    missing = {}
    with app.test_request_context():
        for language in ("zh", "en"):
            g.language = language
            for name in sorted(names):
                if shown(name) == name:
                    missing.setdefault(name, []).append(language)
    return [f"{name} ({', '.join(languages)})" for name, languages in missing.items()]


def test_every_field_a_refusal_names_reads_as_a_label_in_both_languages(app):
    names = refused_names() - set(NOT_SHOWN) | NAMED_ELSEWHERE
    assert {"works_from", "plate", "amount_cents", "payment_id", "from", "bill_due_days"} <= names
    missing = _unlabelled(app, names, i18n.error_field)
    assert not missing, ("fields a refusal names by their code name (add field.<name> to "
                         "console/messages.py):\n" + "\n".join(missing))


def test_every_field_an_archive_record_holds_reads_as_a_label_in_both_languages(app):
    assert len(kept_events()) >= 20
    names = record_names()
    assert {"amount_cents", "previous_household_id", "reclassified_at", "type"} <= names  # ``source.type`` too
    missing = _unlabelled(app, names, i18n.field_name)
    assert not missing, ("fields of archive records shown by their code name (add field.<name> to "
                         "console/messages.py):\n" + "\n".join(missing))


@pytest.mark.parametrize("name", sorted(NOT_SHOWN))
def test_each_name_said_to_be_shown_nowhere_is_still_in_the_contract(name):
    """An entry the contract no longer has is dropped here, not kept as a reason for nothing."""
    assert name in refused_names(), NOT_SHOWN[name]


def test_a_name_nobody_labelled_shows_as_it_is_and_a_setting_as_its_page_names_it(app):
    with app.test_request_context():
        g.language = "zh"
        assert i18n.error_field("data.no_such_field") == "data.no_such_field"
        assert i18n.field_name("no_such_field") == "no_such_field"
        assert i18n.error_field("data.works_from") == "装修开始日期"
        assert i18n.error_field("bill_due_days") == i18n.translate("setting.bill_due_days")  # PUT …/settings/finance
        assert i18n.error_field("results[1].passed") == "合格"
        assert i18n.field_name("plate") == "车牌号" and i18n.field_name("bill_due_days") == "bill_due_days"
        g.language = "en"
        assert i18n.error_field("data.works_from") == "Works from"
        assert i18n.error_field("unit_cost_cents") == "Unit cost (yuan)"
