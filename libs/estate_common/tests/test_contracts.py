"""The contracts on disk are valid schemas whose references all resolve, and the
checks built on them name the offending fields."""
import json
import logging
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from estate_common import contracts
from estate_common.errors import ContractViolation, InvalidInput

BOOK = contracts.load()
ROOT = contracts.contracts_dir()
RPC_FILES = sorted((ROOT / "rpc").rglob("*.json"))
EVENT_FILES = sorted((ROOT / "events").rglob("*.json"))


def _name(path):
    return path.relative_to(ROOT).as_posix()


def _refs(node):
    """Every ``$ref`` value inside ``node``."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve_all(name):
    """Follow every reference reachable from document ``name``; return how many were resolved."""
    seen = set()
    todo = [(BOOK.registry.resolver(base_uri=contracts.BASE_URI + name), BOOK.documents[name])]
    resolved_count = 0
    while todo:
        resolver, node = todo.pop()
        for ref in _refs(node):
            resolved = resolver.lookup(ref)  # raises referencing.exceptions.Unresolvable
            resolved_count += 1
            key = id(resolved.contents)  # a sub-schema lives in one document: its id is enough
            if key not in seen:
                seen.add(key)
                todo.append((resolved.resolver, resolved.contents))
    return resolved_count


# -- the documents themselves ---------------------------------------------------

def test_contract_folders_are_not_empty():
    assert len(RPC_FILES) >= 10
    assert len(EVENT_FILES) >= 4


@pytest.mark.parametrize("path", RPC_FILES, ids=_name)
def test_rpc_contract_has_valid_input_and_output_schemas(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) >= {"input", "output"}
    Draft202012Validator.check_schema(document["input"])
    Draft202012Validator.check_schema(document["output"])


@pytest.mark.parametrize("path", EVENT_FILES, ids=_name)
def test_event_contract_is_a_valid_schema_built_on_the_envelope(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    source, event_type = path.parent.name, path.stem
    assert document["properties"]["event_type"] == {"const": event_type}
    assert document["properties"]["source"] == {"const": source}
    assert "../../common.json#/$defs/envelope" in list(_refs(document))


@pytest.mark.parametrize("path", RPC_FILES + EVENT_FILES, ids=_name)
def test_every_reference_resolves(path):
    assert _resolve_all(_name(path)) >= 1


def test_openapi_component_schemas_are_valid():
    schemas = BOOK.openapi["components"]["schemas"]
    assert "Estate" in schemas
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)


def test_reference_resolution_notices_a_broken_reference():
    from referencing.exceptions import Unresolvable

    resolver = BOOK.registry.resolver(base_uri=contracts.BASE_URI + "rpc/archive/get_estate.json")
    with pytest.raises(Unresolvable):
        resolver.lookup("../../common.json#/$defs/no_such_definition")


def test_rpc_methods_and_event_types_list_what_is_on_disk():
    on_disk_rpc = {(p.parent.name, p.stem) for p in RPC_FILES}
    on_disk_events = {(p.parent.name, p.stem) for p in EVENT_FILES}
    assert BOOK.rpc_methods() == on_disk_rpc
    assert BOOK.event_types() == on_disk_events
    assert ("archive", "create_estate") in BOOK.rpc_methods()
    assert ("archive", "estate_created") in BOOK.event_types()
    for service in ("customer_service", "maintenance", "security_patrol", "finance", "archive", "integrations"):
        assert (service, "health") in BOOK.rpc_methods()


# -- errors() ---------------------------------------------------------------

def _household(**changes):
    data = {"building": "1", "unit": "2", "room": "301", "area_m2": 88.5,
            "owner": {"name": "Wang", "phone": "13800138000"}}
    data.update(changes)
    return {"estate_id": "est_1", "data": data}


def _fields(errors):
    return [e["field"] for e in errors]


def test_a_valid_payload_has_no_errors():
    assert BOOK.errors("rpc/archive/create_household.json#/input", _household()) == []


def test_errors_name_nested_fields():
    payload = _household(owner={"name": "Wang", "phone": "not a phone!"})
    errors = BOOK.errors("rpc/archive/create_household.json#/input", payload)
    assert _fields(errors) == ["data.owner.phone"]
    assert "does not match" in errors[0]["message"]


def test_a_size_limit_is_said_with_its_number():
    """"the value is too long" left the caller to guess the limit (a scope of 1,000 estates, refused
    for a limit of 500: found by a probe)."""
    ref = "openapi.yaml#/components/schemas/UserCreate"
    body = {"username": "mgr.north", "password": "short", "roles": [],
            "estate_ids": [f"est_{n}" for n in range(501)]}
    said = {e["field"]: e["message"] for e in BOOK.errors(ref, body)}
    assert said["estate_ids"] == "is too long: at most 500 items"
    assert said["password"] == "is too short: at least 12 characters"
    assert said["roles"].endswith("should be non-empty")  # a minimum of one keeps jsonschema's words
    errors = BOOK.errors(ref, dict(body, password="p" * 257, roles=["agent"], estate_ids=[]))
    assert errors == [{"field": "password", "message": "is too long: at most 256 characters"}]


def test_a_number_s_refusal_names_its_rule_even_when_the_bound_is_the_number():
    """A material's quantity of 0 read "is not valid": the message held the value (0 is also the
    bound), and a message holding the value was withheld (found by a probe). A number is no
    personal datum; a text that holds what was sent still is."""
    ref = "rpc/maintenance/complete_work_order.json#/input"
    body = {"estate_id": "est_1", "id": "wo_1", "data": {"materials": [{"name": "valve", "qty": 0}],
                                                         "charge_cents": 0, "signed_by": "Li"}}
    said = {e["field"]: e["message"] for e in BOOK.errors(ref, body)}
    assert said["data.materials[0].qty"] == "the value is less than or equal to the minimum of 0"
    phone = _household(owner={"name": "Wang", "phone": "not a phone!"})
    assert "not a phone" not in BOOK.errors("rpc/archive/create_household.json#/input", phone)[0]["message"]


def test_an_enum_s_refusal_lists_its_values_and_names_the_one_a_short_name_means():
    """A webhook's event ``payment_reversed`` (API.md's name) read "is not valid": the value is part
    of ``finance.payment_reversed`` in the list the message quoted, and a message holding the value
    was withheld; the list was cut at 200 characters besides (found by a probe)."""
    ref = "rpc/integrations/create_webhook.json#/input"
    body = {"estate_id": "est_1", "data": {"url": "https://example.com/hook", "events": ["payment_reversed"]}}
    [error] = BOOK.errors(ref, body)
    assert error == {"field": "data.events[0]",
                     "message": "the value is not one of the allowed values (did you mean finance.payment_reversed?)"}
    [error] = BOOK.errors(ref, {**body, "data": {**body["data"], "events": ["nothing.at_all"]}})
    assert error["message"].startswith("the value is not one of archive.archive_changed, ")
    assert "finance.payment_reversed" in error["message"] and not error["message"].endswith("…")
    [error] = BOOK.errors("rpc/customer_service/create_request.json#/input",
                          {"estate_id": "est_1", "data": {"kind": "wish", "household_id": "hh_1", "channel": "phone",
                                                          "description": "x"}})
    assert error == {"field": "data.kind",
                     "message": "the value is not one of consultation, repair, complaint, suggestion, praise"}


def test_an_empty_text_is_refused_once_and_a_blank_one_as_blank():
    """An import row's empty owner name read "should be non-empty" and "must not be blank" (a probe)."""
    household = _household(owner={"name": "", "phone": "13800138000"})
    said = [e for e in BOOK.errors("rpc/archive/create_household.json#/input", household)
            if e["field"] == "data.owner.name"]
    assert said == [{"field": "data.owner.name", "message": "the value should be non-empty"}]
    blank = _household(owner={"name": "   ", "phone": "13800138000"})
    assert [e["message"] for e in BOOK.errors("rpc/archive/create_household.json#/input", blank)] == \
        ["the value must not be blank"]


def test_errors_list_each_missing_required_field_once():
    errors = BOOK.errors("rpc/archive/create_household.json#/input", {"estate_id": "est_1", "data": {"unit": "2"}})
    fields = _fields(errors)
    assert sorted(fields) == ["data.area_m2", "data.building", "data.owner", "data.room"]
    assert len(fields) == len(set(fields))
    assert all(e["message"] == "is required" for e in errors)


def test_errors_list_missing_top_level_fields():
    errors = BOOK.errors("rpc/archive/create_household.json#/input", {})
    assert sorted(_fields(errors)) == ["data", "estate_id"]


def test_errors_name_fields_that_are_not_allowed():
    payload = _household(colour="red")
    payload["extra"] = 1
    errors = BOOK.errors("rpc/archive/create_household.json#/input", payload)
    assert {(e["field"], e["message"]) for e in errors} == {
        ("data.colour", "is not an allowed field"),
        ("extra", "is not an allowed field"),
    }


def test_operator_injection_is_a_type_error_on_the_field():
    errors = BOOK.errors("rpc/archive/get_estate.json#/input", {"estate_id": {"$gt": ""}})
    assert _fields(errors) == ["estate_id"]
    assert "is not of type 'string'" in errors[0]["message"]

    nested = _household(owner={"name": "Wang", "phone": {"$ne": None}})
    errors = BOOK.errors("rpc/archive/create_household.json#/input", nested)
    assert _fields(errors) == ["data.owner.phone"]
    assert "is not of type 'string'" in errors[0]["message"]


def test_operator_injection_in_a_filter_is_a_type_error():
    errors = BOOK.errors("rpc/customer_service/list_requests.json#/input",
                         {"estate_id": "est_1", "filters": {"household_id": {"$regex": ".*"}}})
    assert _fields(errors) == ["filters.household_id"]
    assert "is not of type 'string'" in errors[0]["message"]


def test_operator_injection_behind_any_of_reports_the_useful_branch():
    # work_order_created's household_id is "an id or null" (anyOf)
    event = {"event_id": "1" * 32, "event_type": "work_order_created", "source": "maintenance",
             "occurred_at": "2026-01-02T03:04:05.678Z", "estate_id": "est_1", "request_id": None,
             "actor": None, "data": {"id": "wo_1", "number": "WO-1", "source": {"type": "service_request", "id": "sr_1"},
                                     "request_id": None, "household_id": {"$gt": ""}, "priority": "normal",
                                     "status": "pending", "created_at": "2026-01-02T03:04:05.678Z"}}
    errors = BOOK.errors("events/maintenance/work_order_created.json", event)
    assert _fields(errors) == ["data.household_id"]
    assert "is not of type 'string'" in errors[0]["message"]


def test_errors_on_a_list_item_name_its_index():
    page = {"items": [{"id": "x"}], "next_cursor": None}
    errors = BOOK.errors("rpc/archive/list_estates.json#/output", page)
    assert "items[0].code" in _fields(errors)
    assert all(f.startswith("items[0].") for f in _fields(errors))


def test_errors_on_an_unknown_contract_raise():
    with pytest.raises(ContractViolation):
        BOOK.errors("rpc/archive/no_such_method.json#/input", {})


# -- the three checks ----------------------------------------------------------

def test_check_rpc_input_raises_invalid_input_naming_the_fields():
    with pytest.raises(InvalidInput) as caught:
        BOOK.check_rpc_input("archive", "create_household", _household(area_m2=-1, colour="red"))
    error = caught.value
    assert error.status == 400
    assert {e["field"] for e in error.errors} == {"data.area_m2", "data.colour"}
    assert "data.area_m2" in error.detail and "data.colour" in error.detail


def test_check_rpc_input_accepts_a_valid_payload():
    assert BOOK.check_rpc_input("archive", "create_household", _household()) is None


def _estate(**changes):
    estate = {"id": "est_1", "estate_id": "est_1", "code": "SH-01", "name": "n", "address": "a",
              "timezone": "Asia/Shanghai", "created_at": "2026-01-02T03:04:05.678Z", "version": 1}
    estate.update(changes)
    return estate


def _event(**changes):
    event = {"event_id": "0" * 32, "event_type": "estate_created", "source": "archive",
             "occurred_at": "2026-01-02T03:04:05.678Z", "estate_id": "est_1", "request_id": None,
             "actor": None, "data": {"id": "est_1", "estate_id": "est_1", "code": "SH-01",
                                     "name": "n", "address": "a", "version": 1}}
    event.update(changes)
    return event


def test_check_rpc_output_strict_raises(monkeypatch):
    monkeypatch.setenv("ESTATE_CONTRACTS_STRICT", "1")
    BOOK.check_rpc_output("archive", "get_estate", _estate())
    with pytest.raises(ContractViolation) as caught:
        BOOK.check_rpc_output("archive", "get_estate", _estate(version=0, secret="x"))
    assert {e["field"] for e in caught.value.errors} == {"version", "secret"}
    assert "archive.get_estate output" in caught.value.detail


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_check_rpc_output_not_strict_only_logs(monkeypatch, caplog, value):
    monkeypatch.setenv("ESTATE_CONTRACTS_STRICT", value)
    with caplog.at_level(logging.ERROR, logger="estate_common.contracts"):
        assert BOOK.check_rpc_output("archive", "get_estate", _estate(version=0)) is None
    messages = [r.getMessage() for r in caplog.records if r.name == "estate_common.contracts"]
    assert len(messages) == 1
    assert "archive.get_estate output breaks its contract" in messages[0]
    assert "version" in messages[0]


def test_check_event_strict_raises(monkeypatch):
    monkeypatch.setenv("ESTATE_CONTRACTS_STRICT", "1")
    BOOK.check_event("archive", "estate_created", _event())
    with pytest.raises(ContractViolation) as caught:
        BOOK.check_event("archive", "estate_created", _event(event_type="household_created"))
    assert [e["field"] for e in caught.value.errors] == ["event_type"]
    with pytest.raises(ContractViolation) as caught:
        bad = _event()
        del bad["data"]
        BOOK.check_event("archive", "estate_created", bad)
    assert [e["field"] for e in caught.value.errors] == ["data"]


def test_check_event_names_extra_envelope_and_data_fields(monkeypatch):
    monkeypatch.setenv("ESTATE_CONTRACTS_STRICT", "1")
    event = _event(surprise=1)
    event["data"]["owner_phone"] = "13800138000"
    with pytest.raises(ContractViolation) as caught:
        BOOK.check_event("archive", "estate_created", event)
    assert {(e["field"], e["message"]) for e in caught.value.errors} == {
        ("surprise", "is not an allowed field"),
        ("data.owner_phone", "is not an allowed field"),
    }


def test_check_event_not_strict_only_logs(monkeypatch, caplog):
    monkeypatch.setenv("ESTATE_CONTRACTS_STRICT", "0")
    with caplog.at_level(logging.ERROR, logger="estate_common.contracts"):
        BOOK.check_event("archive", "estate_created", _event(data={"id": "est_1"}))
    messages = [r.getMessage() for r in caplog.records if r.name == "estate_common.contracts"]
    assert len(messages) == 1
    assert "event archive.estate_created breaks its contract" in messages[0]
    assert "data.code" in messages[0]


def test_contracts_dir_can_be_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("ESTATE_CONTRACTS_DIR", str(tmp_path))
    assert contracts.contracts_dir() == Path(tmp_path)


def test_a_literal_path_segment_wins_over_a_parameter_as_in_the_router():
    book = contracts.load()
    assert book.path_template("/api/v1/estates/e1/households/import") == "/api/v1/estates/{estate_id}/households/import"
    assert book.path_template("/api/v1/estates/e1/households/hh_1") == \
        "/api/v1/estates/{estate_id}/households/{household_id}"
    assert book.path_template("/api/v1/nowhere") is None


def test_multiple_of_counts_decimals_as_written_not_binary_floats():
    """89.37 m² and 0.07 m² have two decimals; jsonschema's float division says 0.07 does not."""
    book = contracts.load()
    household = {"building": "1", "unit": "1", "room": "101",
                 "owner": {"name": "Li Si", "phone": "13800138000"}}
    ref = "openapi.yaml#/components/schemas/HouseholdCreate"
    for area in (0.07, 89.37, 33.33, 100000, 0.35):
        assert book.errors(ref, {**household, "area_m2": area}) == [], area
    assert book.errors(ref, {**household, "area_m2": 70.123})[0]["field"] == "area_m2"


# -- the fast path (fastjsonschema) agrees with jsonschema --------------------------

# What fastjsonschema compiles (draft 7). A keyword only draft 2020-12 has (prefixItems,
# unevaluatedProperties, dependentRequired, $anchor, $dynamicRef...) would be ignored by the
# fast path, which would then accept what jsonschema refuses: such a contract fails here.
DRAFT7_KEYWORDS = {
    "$ref", "$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "example",
    "type", "enum", "const", "properties", "patternProperties", "additionalProperties", "required",
    "propertyNames", "minProperties", "maxProperties", "items", "additionalItems", "minItems", "maxItems",
    "uniqueItems", "contains", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependencies",
}
_VALUES = ("enum", "const", "default", "examples", "example", "required")
_MAPS = ("properties", "patternProperties", "$defs", "definitions")


def _keywords(node, found):
    if isinstance(node, list):
        for item in node:
            _keywords(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("x-"):
                continue  # an OpenAPI extension (x-personal-data): annotation, validated by neither
            found.add(key)
            if key in _MAPS and isinstance(value, dict):
                for schema in value.values():
                    _keywords(schema, found)
            elif key not in _VALUES:
                _keywords(value, found)
    return found


def test_every_contract_uses_only_keywords_the_fast_path_compiles():
    found = set()
    for name, document in BOOK.documents.items():
        if name == "openapi.yaml":
            for schema in document["components"]["schemas"].values():
                _keywords(schema, found)
        elif name.startswith("rpc/"):
            _keywords(document["input"], found)
            _keywords(document["output"], found)
        else:
            _keywords(document, found)
    assert found <= DRAFT7_KEYWORDS, sorted(found - DRAFT7_KEYWORDS)


TRICKY = {
    "type": "object", "additionalProperties": False, "required": ["n"],
    "properties": {
        "n": {"type": "integer", "minimum": 0, "maximum": 10},
        "flag": {"type": "boolean"},
        "kind": {"enum": ["a", 1]},
        "fixed": {"const": False},
        "code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]+$", "maxLength": 6},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 1}]},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 2},
        "contact": {"anyOf": [{"type": "object", "required": ["name"], "additionalProperties": False,
                               "properties": {"name": {"type": "string", "minLength": 1}}}, {"type": "null"}]},
        "state": {"oneOf": [{"type": "null"}, {"type": "string", "enum": ["open", "closed"]}]},
        "count": {"anyOf": [{"type": "integer", "minimum": 1, "description": "how many"}, {"type": "null"}]},
        "category": {"description": "what", "anyOf": [{"enum": ["water", "gas"]}, {"type": "null"}]},
        # oneOf: null meets both choices, so it is refused; a list of types is kept as a choice
        "either": {"oneOf": [{"enum": ["a", None]}, {"type": "null"}]},
        "several": {"anyOf": [{"type": "null"}, {"type": ["string", "integer"]}]},
        "twice": {"oneOf": [{"type": ["string", "null"]}, {"type": "null"}]},
    },
}
TRICKY_CASES = [
    {"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}, {"n": -1}, {"n": 11}, {}, {"n": 1, "x": 1},
    {"n": 1, "flag": 0}, {"n": 1, "flag": False}, {"n": 1, "kind": True}, {"n": 1, "kind": 1.0},
    {"n": 1, "kind": "b"}, {"n": 1, "fixed": 0}, {"n": 1, "fixed": False}, {"n": 1, "code": "AB-12"},
    {"n": 1, "code": "AB-1234"}, {"n": 1, "code": "ab-12"}, {"n": 1, "code": "xAB-12"},
    {"n": 1, "maybe": None}, {"n": 1, "maybe": ""}, {"n": 1, "maybe": 3}, {"n": 1, "tags": ["a", "a"]},
    {"n": 1, "tags": ["a", "b", "c"]}, {"n": 1, "tags": [1]}, {"n": 1, "tags": ["我"]}, [], None,
    {"n": 1, "contact": None}, {"n": 1, "contact": {"name": "A"}}, {"n": 1, "contact": {"name": ""}},
    {"n": 1, "contact": {}}, {"n": 1, "contact": {"name": "A", "x": 1}}, {"n": 1, "contact": "A"},
    {"n": 1, "contact": []}, {"n": 1, "state": None}, {"n": 1, "state": "open"}, {"n": 1, "state": "x"},
    {"n": 1, "count": None}, {"n": 1, "count": 2}, {"n": 1, "count": 0}, {"n": 1, "count": "2"},
    {"n": 1, "count": 2.5}, {"n": 1, "count": False}, {"n": 1, "category": None}, {"n": 1, "category": "gas"},
    {"n": 1, "category": "oil"}, {"n": 1, "category": 0},
    {"n": 1, "either": None}, {"n": 1, "either": "a"}, {"n": 1, "either": "b"}, {"n": 1, "several": None},
    {"n": 1, "several": "a"}, {"n": 1, "several": 2}, {"n": 1, "several": 2.5}, {"n": 1, "twice": None},
    {"n": 1, "twice": "a"}, {"n": 1, "twice": 1},
]


@pytest.mark.parametrize("instance", TRICKY_CASES, ids=repr)
def test_the_fast_path_never_accepts_what_jsonschema_refuses(instance, tmp_path):
    (tmp_path / "openapi.yaml").write_text("openapi: 3.1.0\npaths: {}\n")
    (tmp_path / "tricky.json").write_text(json.dumps(TRICKY))
    book = contracts.Contracts(tmp_path)
    refused = bool(list(Draft202012Validator(TRICKY).iter_errors(instance)))
    assert book.accepts("tricky.json", instance) is not refused
    assert (book.errors("tricky.json", instance) != []) is refused


def test_a_nullable_choice_compiles_as_one_schema_of_two_types():
    """``anyOf``/``oneOf`` of a typed schema and null is compiled as that schema taking null too,
    where its keywords all concern its own type (they pass any other value, null included): the
    fast path tried the first choice and built an exception at every null (``.format(**locals())``
    in the one function of a whole list: 90 ms of a list of 50 service requests). A choice whose
    schema also constrains null (``enum``, ``const``, a ``$ref``...) stays a choice."""
    contact = TRICKY["properties"]["contact"]
    assert contracts._compilable(contact) == {
        "type": ["object", "null"], "required": ["name"], "additionalProperties": False,
        "properties": {"name": {"type": "string", "minLength": 1}}}
    assert contracts._compilable(TRICKY["properties"]["count"]) == {
        "type": ["integer", "null"], "minimum": 1, "description": "how many"}
    assert contracts._compilable(TRICKY["properties"]["category"]) == {"description": "what",
                                                                       "enum": ["water", "gas", None]}
    assert contracts._compilable(TRICKY["properties"]["state"]) == TRICKY["properties"]["state"]
    both = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert contracts._compilable(both) == both


def test_the_fast_path_is_used_for_real_contracts_and_errors_still_name_fields():
    ref = "rpc/customer_service/create_request.json#/input"
    good = {"estate_id": "est_1", "data": {"kind": "consultation", "household_id": "hh_1", "channel": "app",
                                           "description": "a question"}}
    assert BOOK.accepts(ref, good) and BOOK.errors(ref, good) == []
    bad = {"estate_id": "est_1", "data": {**good["data"], "channel": "pigeon"}}
    assert not BOOK.accepts(ref, bad)
    assert [e["field"] for e in BOOK.errors(ref, bad)] == ["data.channel"]
    extra = {**good, "data": {**good["data"], "unknown": 1}}
    assert not BOOK.accepts(ref, extra) and BOOK.accepts(ref, extra, tolerant=True)


def test_openapi_yaml_reads_the_same_with_the_fast_loader_as_with_pure_python():
    import yaml
    assert contracts._YAML_LOADER is yaml.CSafeLoader  # the wheels carry libyaml: start-up depends on it
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert contracts._load(ROOT / "openapi.yaml") == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize("value", ["2026-11\n", "２０２６-11", "2026-1１", "1899-12", "3000-01"])
def test_a_pattern_is_read_as_json_schema_reads_it_by_both_validators(value):
    """Python's ``$`` matched before a final line feed and its ``\\d`` any script's digit:
    ``GET …/reports/reconciliation?period=２０２６-01`` reached finance and ``2026-11\\n`` came back
    in the report, and a disclosure of 1899-12 was published (found by a bad-input probe)."""
    loaded = contracts.load()
    for ref in ("common.json#/$defs/period", "openapi.yaml#/components/schemas/Period",
                "rpc/finance/reconciliation_report.json#/input"):
        instance = {"estate_id": "est_1", "filters": {"period": value}} if ref.startswith("rpc/") else value
        assert not loaded.accepts(ref, instance) and loaded.errors(ref, instance), (ref, value)
    with pytest.raises(InvalidInput):
        loaded.check_rpc_input("finance", "publish_disclosure", {"estate_id": "est_1", "id": value})
    assert loaded.errors("common.json#/$defs/period", "2026-11") == []
    loaded.check_rpc_input("finance", "publish_disclosure", {"estate_id": "est_1", "id": "2026-11"})
    assert loaded.errors("common.json#/$defs/timestamp", "2026-11-30T08:00:00Z") == []
    assert loaded.errors("common.json#/$defs/timestamp", "２026-11-30T08:00:00Z") != []


def test_a_choice_of_one_field_names_the_choice_when_none_or_both_are_sent():
    """A fee standard prices by m² or by a fixed amount: without either the refusal named only the
    first, with both it quoted the schema ("valid under each of {'required': …}"; found by a money
    probe)."""
    document = contracts.load()
    ref = "openapi.yaml#/components/schemas/FeeStandardCreate"
    base = {"item": "property_service", "cycle": "monthly"}
    choice = "unit_price_cents_per_m2 and amount_cents"
    assert document.errors(ref, base) == [
        {"field": "amount_cents", "message": f"one of {choice} is required"},
        {"field": "unit_price_cents_per_m2", "message": f"one of {choice} is required"}]
    both = document.errors(ref, {**base, "unit_price_cents_per_m2": 235, "amount_cents": 5000})
    assert both == [{"field": "amount_cents", "message": f"only one of {choice} may be sent"},
                    {"field": "unit_price_cents_per_m2", "message": f"only one of {choice} may be sent"}]
    assert document.errors(ref, {**base, "amount_cents": 5000}) == []


def test_a_named_form_sent_wrong_is_told_in_words_not_as_its_pattern():
    """An appointment's time sent as "tomorrow" was told "does not match '^((19[0-9]{2}|2[0-9]{3})-…",
    two hundred characters of the pattern cut off (a probe of engineering's day)."""
    [error] = BOOK.errors("rpc/maintenance/appoint_work_order.json#/input",
                          {"estate_id": "est_1", "id": "wo_1", "data": {"at": "tomorrow"}})
    assert error == {"field": "data.at", "message": "must be a UTC time: YYYY-MM-DDThh:mm:ssZ, e.g. 2026-03-01T08:30:00Z"}
    said = {ref: BOOK.errors(ref, "2026-13") for ref in (
        "openapi.yaml#/components/schemas/Date", "openapi.yaml#/components/schemas/Period",
        "openapi.yaml#/components/schemas/DateOrTimestamp", "common.json#/$defs/period",
        "common.json#/$defs/timestamp")}
    assert [error["message"] for errors in said.values() for error in errors] == [
        "must be a day: YYYY-MM-DD, e.g. 2026-03-01", "must be a month: YYYY-MM, e.g. 2026-03",
        "must be a day (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ)", "must be a month: YYYY-MM, e.g. 2026-03",
        "must be a UTC time: YYYY-MM-DDThh:mm:ssZ, e.g. 2026-03-01T08:30:00Z"]
    # a pattern no form names is said as before
    assert "does not match" in BOOK.errors("openapi.yaml#/components/schemas/Id", "a b")[0]["message"]
