"""The contracts in ``contracts/``, loaded once and used to validate traffic.

Layout of the contracts folder:

- ``openapi.yaml``: the gateway's HTTP API; its ``components/schemas`` hold the
  shapes of request bodies and resources;
- ``common.json``: shared definitions (ids, timestamps, cents, pages);
- ``rpc/<service>/<method>.json``: ``{"input": schema, "output": schema}``;
- ``events/<service>/<event_type>.json``: the schema of the whole event.

RPC and event schemas ``$ref`` into ``openapi.yaml`` and ``common.json``, so
a shape lives in one file. Inputs are always validated (bad input is a 400,
naming the field). Outputs and events are validated too; in strict mode
(``ESTATE_CONTRACTS_STRICT=1``, set by the test suite) a mismatch raises
:class:`ContractViolation`, otherwise it is logged.
"""
import functools
import json
import logging
import os
import re
from pathlib import Path
from urllib.parse import urljoin

from decimal import Decimal, InvalidOperation

import fastjsonschema
import yaml
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .errors import ContractViolation, InvalidInput, field_error

log = logging.getLogger(__name__)

BASE_URI = "https://estate-ops.invalid/contracts/"
ENVELOPE = "common.json#/$defs/envelope"  # what every event carries (a webhook delivery: less traceparent)


def _multiple_of(validator, divisor, instance, schema):
    """``multipleOf`` on the decimals as written: jsonschema divides binary floats, so it calls
    0.07 no multiple of 0.01 (0.07 / 0.01 is 7.000000000000001)."""
    if not validator.is_type(instance, "number"):
        return
    try:
        multiple = Decimal(str(instance)) % Decimal(str(divisor)) == 0
    except InvalidOperation:
        multiple = False
    if not multiple:
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}")


def _ascii_digits(pattern):
    """``\\d`` as JSON Schema (ECMA-262) reads it, an ASCII digit: Python's matches any script's
    ("２０２６-11" was a period; found by a bad-input probe). Both validators read patterns so."""
    return pattern.replace("\\d", "[0-9]")


@functools.lru_cache(maxsize=None)
def _ecma(pattern):
    """``pattern`` as JSON Schema reads it where Python's ``re`` reads it otherwise: ``\\d`` (above)
    and a closing ``$``, the end of the text (Python's also matches before a final line feed:
    "2026-11\\n" passed jsonschema's check while fastjsonschema, which reads ``$`` so, refused
    it). The contracts write ``$`` only as a closing anchor."""
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", _ascii_digits(pattern)))


# The named forms of the contracts (openapi.yaml's schemas, with common.json's twins) in words: a
# time sent as "tomorrow" was told "does not match '^((19[0-9]{2}|2[0-9]{3})-((0[13578]…", two
# hundred characters of the pattern cut off (found by a probe of engineering's day)
FORMS = {
    "Timestamp": "must be a UTC time: YYYY-MM-DDThh:mm:ssZ, e.g. 2026-03-01T08:30:00Z",
    "Date": "must be a day: YYYY-MM-DD, e.g. 2026-03-01",
    "DateOrTimestamp": "must be a day (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ)",
    "Period": "must be a month: YYYY-MM, e.g. 2026-03",
    "ReportPeriod": "must be YYYY-MM, YYYY-Qn or YYYY",
    "KpiPeriod": "must be YYYY-MM, YYYY-Qn, YYYY or YYYY-Www",
}
COMMON_FORMS = {"Timestamp": "timestamp", "Period": "period", "ReportPeriod": "report_period",
                "KpiPeriod": "kpi_period"}

NOT_BLANK = "\\S"  # the contracts' "not blank" (``Text``, ``ShortText``...): said in words


def _pattern(validator, pattern, instance, schema):
    if pattern == NOT_BLANK and instance == "" and schema.get("minLength", 0) >= 1:
        return  # minLength says it ("should be non-empty"): a field was refused twice for one thing
    if validator.is_type(instance, "string") and not _ecma(pattern).search(instance):
        if pattern == NOT_BLANK:  # "does not match '\\S'" told an integrator nothing (found by a probe)
            yield ValidationError(f"{instance!r} must not be blank")
        else:
            yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = validators.extend(Draft202012Validator, {"multipleOf": _multiple_of, "pattern": _pattern})


def contracts_dir():
    configured = os.environ.get("ESTATE_CONTRACTS_DIR")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "contracts"
        if (candidate / "openapi.yaml").exists():
            return candidate
    raise RuntimeError("contracts/ not found: set ESTATE_CONTRACTS_DIR")


def strict():
    return os.environ.get("ESTATE_CONTRACTS_STRICT", "") not in ("", "0", "false")


# libyaml's safe loader where PyYAML was built with it (the wheels are): the same documents,
# in a sixth of the time. Every process reads openapi.yaml at start (1.6 s in pure Python).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_YAML_LOADER) if path.suffix in (".yaml", ".yml") else json.load(handle)


class Contracts:
    def __init__(self, root):
        self.root = Path(root)
        self.documents = {}
        for path in sorted(self.root.rglob("*")):
            if path.suffix in (".json", ".yaml", ".yml") and path.is_file():
                self.documents[path.relative_to(self.root).as_posix()] = _load(path)
        self.registry = Registry().with_resources(
            (BASE_URI + name, Resource(contents=doc, specification=DRAFT202012))
            for name, doc in self.documents.items()
        )
        self._validators = {}
        self._tolerant = {}
        self._fast = {}
        self._forms = self._named_forms()

    @property
    def openapi(self):
        return self.documents["openapi.yaml"]

    def _named_forms(self):
        """``{pattern: its name in FORMS}`` of the contracts' named forms."""
        schemas = (self.documents.get("openapi.yaml") or {}).get("components", {}).get("schemas", {})
        common = (self.documents.get("common.json") or {}).get("$defs", {})
        forms = {}
        for name in FORMS:
            for schema in (schemas.get(name), common.get(COMMON_FORMS.get(name))):
                if isinstance(schema, dict) and isinstance(schema.get("pattern"), str):
                    forms[schema["pattern"]] = name
        return forms

    def rpc_methods(self):
        """``{(service, method)}`` for every RPC contract."""
        return {tuple(name[len("rpc/"):-len(".json")].split("/"))
                for name in self.documents if name.startswith("rpc/")}

    def event_types(self):
        """``{(source_service, event_type)}`` for every event contract."""
        return {tuple(name[len("events/"):-len(".json")].split("/"))
                for name in self.documents if name.startswith("events/")}

    def routing_facet(self, source, event_type):
        """The data field whose value an event is also routed by (``x-routing-facet`` in its
        contract), or None. A consumer that wants only some values binds ``<type>.<value>``
        (``consumes(..., facet=)``): customer_service's requests reach maintenance only as
        repairs, and a consultation costs maintenance and the broker nothing."""
        return self.documents.get(f"events/{source}/{event_type}.json", {}).get("x-routing-facet")

    def personal_fields(self, source, event_type):
        """``{field: kind}`` of the fields of an event's ``data`` its contract marks
        ``x-personal-data`` (an occupant's name on a completed work order; kinds as in
        ``personal_data``): webhooks leave them out, archive masks them for those without the
        right. ``{}`` for an event without any, or a type with no contract."""
        return {name: schema["x-personal-data"] for name, schema in self._data_properties(source, event_type).items()
                if "x-personal-data" in schema}

    def data_fields(self, source, event_type):
        """The names of the fields of an event's ``data`` its contract knows (empty for a type
        with no contract)."""
        return set(self._data_properties(source, event_type))

    def _data_properties(self, source, event_type):
        """``{field: schema}`` of an event's ``data`` in its contract (``{}`` without one)."""
        contract = self.documents.get(f"events/{source}/{event_type}.json") or {}
        return ((contract.get("properties") or {}).get("data") or {}).get("properties") or {}

    def delivered_event_schema(self, source, event_type, envelope=None):
        """The schema of a webhook delivery's body of that event (``/api/v1/openapi.json``'s
        ``webhooks``): its contract less what integrations never sends, the envelope's
        ``traceparent`` and the data's ``x-personal-data`` fields (``integrations.webhooks.body_of``),
        with ``openapi.yaml``'s components referred to as ``#/components/schemas/<name>`` (the
        served document holds them) and ``common.json``'s written in (it is not served). With
        ``envelope`` (a ``$ref``), the envelope is referred to there instead of written in: the
        served document holds it once (``delivered_envelope_schema``), where each of its webhooks
        wrote it out again (an integrator's probe: 1.1 MB served)."""
        name = f"events/{source}/{event_type}.json"
        schema = _served(self.documents[name], BASE_URI + name, self.registry.resolver(BASE_URI))
        schema.pop("$schema", None)
        for n, part in enumerate(self.documents[name].get("allOf", [])):
            if envelope and urljoin(BASE_URI + name, part.get("$ref", "")) == BASE_URI + ENVELOPE:
                schema["allOf"][n] = {"$ref": envelope}
        for part in schema.get("allOf", []):
            (part.get("properties") or {}).pop("traceparent", None)
        data = (schema.get("properties") or {}).get("data") or {}
        personal = set(self.personal_fields(source, event_type))
        for field in personal:
            data.get("properties", {}).pop(field, None)
        if personal and "required" in data:
            data["required"] = [field for field in data["required"] if field not in personal]
        return schema

    def delivered_envelope_schema(self):
        """``common.json``'s event envelope as a webhook delivery carries it, less ``traceparent``,
        written in: what ``delivered_event_schema(..., envelope=)`` refers to."""
        schema = _served({"$ref": ENVELOPE}, BASE_URI, self.registry.resolver(BASE_URI))
        schema["properties"].pop("traceparent", None)
        return schema

    def facet_keys(self, event):
        """The routing keys ``event`` is published with besides its type (RabbitMQ's ``BCC``
        header: routed as if published with each, and dropped before delivery)."""
        facet = self.routing_facet(event.get("source"), event.get("event_type"))
        value = (event.get("data") or {}).get(facet) if facet else None
        return [f"{event['event_type']}.{value}"] if isinstance(value, str) else []

    def validator(self, ref):
        """A validator for ``document#pointer``, with every ``$ref`` inlined once: resolving
        references on each validation took half of the time of a check."""
        if ref not in self._validators:
            document = ref.split("#")[0]
            if document not in self.documents:
                raise ContractViolation(f"no contract {document}")
            resolver = self.registry.resolver(BASE_URI)
            schema = _inline(resolver.lookup(BASE_URI + ref).contents, BASE_URI + document, resolver)
            self._validators[ref] = Validator(schema, registry=self.registry)
        return self._validators[ref]

    def accepts(self, ref, instance, tolerant=False):
        """Whether ``instance`` is valid, by the contract compiled to Python (fastjsonschema)
        once per contract: the check every message pays. jsonschema's ``iter_errors`` builds a
        validator object at each step down the schema and took most of a call's own time; it
        still names what is wrong (``errors``) once this says something is."""
        key = (ref, tolerant)
        check = self._fast.get(key)
        if check is None:
            schema = self.validator(ref).schema
            check = self._fast[key] = fastjsonschema.compile(
                _compilable(_tolerant(schema) if tolerant else schema),
                use_default=False, use_formats=False)
        try:
            check(instance)
            return True
        except fastjsonschema.JsonSchemaException:
            return False

    def errors(self, ref, instance):
        """The list of ``{field, message}`` for everything wrong with ``instance``."""
        if self.accepts(ref, instance):
            return []
        found = {}
        for error in self.validator(ref).iter_errors(instance):
            for described in _describe(error, self._forms):
                found[(described["field"], described["message"])] = described
        return sorted(found.values(), key=lambda e: e["field"])

    def tolerant_errors(self, ref, instance):
        """``errors`` as a consumer judges a message (tolerant reader): the fields its contract
        knows are checked, fields it does not know are ignored, so a newer producer may add
        some. The tolerant view drops ``additionalProperties: false`` (and
        ``unevaluatedProperties: false``) from the inlined schema, once per contract."""
        if ref not in self._tolerant:
            self._tolerant[ref] = Validator(_tolerant(self.validator(ref).schema),
                                                       registry=self.registry)
        if self.accepts(ref, instance, tolerant=True):
            return []
        found = {}
        for error in self._tolerant[ref].iter_errors(instance):
            for described in _describe(error, self._forms):
                found[(described["field"], described["message"])] = described
        return sorted(found.values(), key=lambda e: e["field"])

    # -- HTTP traffic against openapi.yaml ---------------------------------
    def path_template(self, actual_path):
        """The ``paths`` key of openapi.yaml that ``actual_path`` matches, or None. A literal
        segment wins over a parameter (``…/households/import`` over ``…/households/{id}``),
        as in the router."""
        matches = []
        for template in self.openapi["paths"]:
            pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, actual_path):
                matches.append(template)
        return min(matches, key=lambda t: t.count("{"), default=None)

    def response_schema_ref(self, template, method, status, media_type):
        """The ``openapi.yaml#<pointer>`` of the schema of that response, following ``$ref``s."""
        pointer = ["paths", template, method.lower(), "responses", str(status)]
        node, pointer = self._follow(pointer)
        if node is None:
            return None
        node, pointer = self._follow(pointer + ["content", media_type, "schema"])
        if node is None:
            return None
        return "openapi.yaml#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in pointer)

    def _follow(self, pointer):
        node, path = self.openapi, []
        for part in pointer:
            if isinstance(node, dict) and "$ref" in node and part not in node:
                path = node["$ref"].lstrip("#/").split("/")
                node = self._at(path)
            if not isinstance(node, dict) or part not in node:
                return None, pointer
            node, path = node[part], path + [part]
        if isinstance(node, dict) and set(node) == {"$ref"} and node["$ref"].startswith("#/components/responses/"):
            path = node["$ref"].lstrip("#/").split("/")
            node = self._at(path)
        return node, path

    def _at(self, path):
        node = self.openapi
        for part in path:
            node = node[part]
        return node

    def http_response_errors(self, method, actual_path, status, media_type, body):
        """What is wrong with a response the gateway gave, judged by openapi.yaml."""
        template = self.path_template(actual_path)
        if template is None:
            return [field_error("(path)", f"{actual_path} is not in openapi.yaml")]
        ref = self.response_schema_ref(template, method, status, media_type)
        if ref is None:
            return [field_error("(status)", f"{method} {template} does not declare {status} {media_type}")]
        return self.errors(ref, body)

    # -- the three checks the system makes -------------------------------
    def check_rpc_input(self, service, method, payload):
        errors = self.errors(f"rpc/{service}/{method}.json#/input", payload)
        if errors:
            raise InvalidInput(_summary(errors), errors)

    def check_rpc_output(self, service, method, result):
        self._check_own(f"rpc/{service}/{method}.json#/output", result, f"{service}.{method} output")

    def check_event(self, source, event_type, event):
        self._check_own(f"events/{source}/{event_type}.json", event, f"event {source}.{event_type}")

    def _check_own(self, ref, instance, what):
        errors = self.errors(ref, instance)
        if not errors:
            return
        message = f"{what} breaks its contract: {_summary(errors)}"
        if strict():
            raise ContractViolation(message, errors)
        log.error(message)


_SERVED_SCHEMAS = BASE_URI + "openapi.yaml#/components/schemas/"


def _served(node, uri, resolver):
    """``node`` (of the document at ``uri``) as the served OpenAPI document can hold it: a
    reference to one of ``openapi.yaml``'s component schemas becomes ``#/components/schemas/<name>``,
    any other (``common.json``'s) is written in."""
    return _written(node, uri, resolver, _served_component)


def _inline(node, uri, resolver):
    """``node`` (of the document at ``uri``) with every ``$ref`` written in (the contracts have no
    cycles): what a validator compiles."""
    return _written(node, uri, resolver, lambda target: None)


def _served_component(target):
    if target.startswith(_SERVED_SCHEMAS) and "/" not in target[len(_SERVED_SCHEMAS):]:
        return {"$ref": "#/components/schemas/" + target[len(_SERVED_SCHEMAS):]}
    return None


def _written(node, uri, resolver, kept, depth=0):
    """``node`` with each ``$ref`` replaced by ``kept(its absolute target)`` or, when that is None,
    by what it points at, written in the same way; a ``$ref`` beside other keywords becomes an
    ``allOf`` of the two. Values (``enum``, ``const``, examples...) are copied as they are."""
    if depth > 50:
        raise ContractViolation("a contract refers to itself in a cycle")
    if isinstance(node, list):
        return [_written(v, uri, resolver, kept, depth + 1) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = urljoin(uri, node["$ref"])
        siblings = {k: _written(v, uri, resolver, kept, depth + 1) for k, v in node.items() if k != "$ref"}
        written = kept(target)
        if written is None:
            written = _written(resolver.lookup(target).contents, target.split("#")[0], resolver, kept, depth + 1)
        return {"allOf": [written, siblings]} if siblings else written
    out = {}
    for key, value in node.items():
        if key in ("enum", "const", "default", "examples", "example"):  # values, not schemas
            out[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _written(schema, uri, resolver, kept, depth + 1) for name, schema in value.items()}
        else:
            out[key] = _written(value, uri, resolver, kept, depth + 1)
    return out


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _tolerant(node):
    """A copy of an inlined schema that accepts properties it does not declare."""
    if isinstance(node, list):
        return [_tolerant(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("additionalProperties", "unevaluatedProperties") and value is False:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _tolerant(schema) for name, schema in value.items()}
        else:
            out[key] = _tolerant(value)
    return out


# the keywords that concern one type alone: every value of another type passes them (JSON Schema's
# rule), null included; and annotations, which constrain nothing
_OF_TYPE = {
    "object": {"properties", "patternProperties", "additionalProperties", "required", "propertyNames",
               "minProperties", "maxProperties"},
    "array": {"items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"},
    "string": {"minLength", "maxLength", "pattern"},
    "integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "boolean": set(),
}
_ANNOTATIONS = {"title", "description", "examples", "example", "$comment"}


def _nullable(node):
    """``{anyOf|oneOf: [S, {type: null}]}`` (either order, annotations beside) as S taking null too,
    ``{type: [T, "null"], ...}``, where S has one ``type`` T and only keywords of T (which pass
    null), or as ``{enum: [..., null]}`` where S is an ``enum`` alone: the same values pass. None for any other node. fastjsonschema tries a choice's members
    in turn and builds an exception for each that fails (its message formatted from ``locals()``
    of the one function a whole list compiles to): every null of a list's items paid one, 1.8 ms
    an item of a list of service requests."""
    keys = [key for key in node if key not in _ANNOTATIONS]
    if len(keys) != 1 or keys[0] not in ("anyOf", "oneOf"):
        return None
    key, choices = keys[0], node[keys[0]]
    if not isinstance(choices, list) or len(choices) != 2:
        return None
    nulls = [choice for choice in choices if choice == {"type": "null"}]
    if len(nulls) != 1:
        return None
    typed = choices[1] if choices[0] == {"type": "null"} else choices[0]
    if not isinstance(typed, dict):
        return None
    beside = {name: value for name, value in node.items() if name != key}
    if set(typed) - _ANNOTATIONS == {"enum"} and isinstance(typed["enum"], list):  # a choice of values, or null
        if None in typed["enum"]:  # oneOf: null meets both choices and is refused; anyOf: the enum itself
            return None if key == "oneOf" else {**beside, **typed}
        return {**beside, **typed, "enum": typed["enum"] + [None]}
    kind = typed.get("type")
    if not isinstance(kind, str) or kind not in _OF_TYPE or not set(typed) - {"type"} <= _OF_TYPE[kind] | _ANNOTATIONS:
        return None
    return {**beside, **typed, "type": [kind, "null"]}


def _compilable(node):
    """An inlined schema without ``$schema``/``$id`` (every contract is draft 2020-12 and uses only
    keywords draft 7 has, which fastjsonschema compiles; ``tests/test_contracts_fast.py``); a
    nullable choice as one schema of two types (``_nullable``)."""
    if isinstance(node, list):
        return [_compilable(v) for v in node]
    if not isinstance(node, dict):
        return node
    merged = _nullable(node)
    if merged is not None:
        node = merged
    out = {}
    for key, value in node.items():
        if key in ("$schema", "$id"):
            continue
        if key in ("enum", "const", "default", "examples", "example"):  # values, not schemas
            out[key] = value
        elif key == "pattern" and isinstance(value, str):
            out[key] = _ascii_digits(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _compilable(schema) for name, schema in value.items()}
        else:
            out[key] = _compilable(value)
    return out


def _path(parts):
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(base, name):
    return f"{base}.{name}" if base else name


def without_value(message, value):
    """A contract message with the value it quotes taken out (jsonschema starts with its repr:
    ``'abc' does not match '^…$'``); a message that still contains the value says only that
    it is not valid. An answer names the field and the rule, never what was sent: a password
    that was too short came back in the 400 (found by review), and an import job's rows are
    owners' names and phones, kept and read later."""
    if value is None or isinstance(value, (dict, list)) and not value:
        return message
    for shown in (repr(value), str(value)):
        if message.startswith(shown):
            message = "the value" + message[len(shown):]
            break
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # a number's rule may name the number itself ("less than or equal to the minimum of
        # 0" for a quantity of 0, which read "is not valid": a probe); a number is no personal datum
        return message
    text = str(value).strip()
    if text and (text in message or repr(value) in message):
        return "is not valid"
    return message


def _one_of_fields(error):
    """The fields of a ``oneOf`` whose branches each only require one field (a fee standard's
    price per m² or its fixed amount), else None."""
    branches = error.validator_value if error.validator == "oneOf" else None
    if not branches or not isinstance(error.instance, dict):
        return None
    if not all(set(branch) == {"required"} and len(branch["required"]) == 1 for branch in branches):
        return None
    return [branch["required"][0] for branch in branches]


# A size limit said with its number: "the value is too long" left the caller to guess it (a scope
# of 1,000 estates, refused for a limit of 500; found by a probe). A minimum of one keeps
# jsonschema's "should be non-empty", a maximum of none (a honeypot) its own words.
_SIZE_LIMITS = {"maxItems": "is too long: at most {} items", "maxLength": "is too long: at most {} characters",
                "minItems": "is too short: at least {} items", "minLength": "is too short: at least {} characters"}


ENUM_LISTED = 200  # an enum of more values (the IANA timezones, some 600) is named by its count; WebhookEventType (107 in session 58) is listed


def _not_one_of(allowed, value):
    """An enum's refusal with its values, which are the contract's, not the caller's: a webhook's
    ``payment_reversed`` read "is not valid", its name being part of the list it quoted
    (``without_value``), and the list was cut at 200 characters. A value that is one allowed
    value without its ``<source>.`` is named with it."""
    shown = [choice if isinstance(choice, str) else json.dumps(choice) for choice in allowed]  # null, not None
    near = [choice for choice in shown if isinstance(value, str) and value and choice.endswith("." + value)]
    if len(near) == 1:
        return f"the value is not one of the allowed values (did you mean {near[0]}?)"
    if len(shown) > ENUM_LISTED:
        return f"the value is not one of the {len(shown)} allowed values (the contract lists them)"
    return "the value is not one of " + ", ".join(shown)


def _describe(error, forms=None):
    alternatives = _one_of_fields(error)
    if alternatives:  # jsonschema's own words were the first branch's, or the schema itself
        where = _path(error.absolute_path)
        names = ", ".join(alternatives[:-1]) + " and " + alternatives[-1]
        sent = [name for name in alternatives if name in error.instance]
        if not sent:
            return [field_error(_join(where, name), f"one of {names} is required") for name in alternatives]
        return [field_error(_join(where, name), f"only one of {names} may be sent") for name in sent]
    if error.context:
        best = min(error.context, key=lambda e: (len(e.context), -len(e.absolute_path)))
        return _describe(best, forms)
    where = _path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        return [field_error(_join(where, name), "is required")
                for name in error.validator_value if name not in error.instance]
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        extras = [name for name in error.instance if name not in known] or ["?"]
        return [field_error(_join(where, name), "is not an allowed field") for name in extras]
    if error.validator == "not" and error.validator_value == {}:  # a field this variant does not take
        return [field_error(where or "(body)", "is not an allowed field here")]
    limit = error.validator_value
    if error.validator in _SIZE_LIMITS and isinstance(limit, int) and limit > (0 if error.validator.startswith("max")
                                                                                else 1):
        return [field_error(where or "(body)", _SIZE_LIMITS[error.validator].format(limit))]
    if error.validator == "enum" and isinstance(limit, list):
        return [field_error(where or "(body)", _not_one_of(limit, error.instance))]
    if error.validator == "pattern" and (forms or {}).get(error.validator_value):
        return [field_error(where or "(body)", FORMS[forms[error.validator_value]])]
    message = without_value(error.message, error.instance)
    if len(message) > 200:
        message = message[:200] + "…"
    return [field_error(where or "(body)", message)]


def _summary(errors):
    return "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])


@functools.lru_cache(maxsize=1)
def load():
    return Contracts(contracts_dir())
