"""The OpenAPI document (``contracts/openapi.yaml`` served as JSON) and a docs
page (Swagger UI, served from the swagger-ui-bundle package, no CDN).

The served document names, on each operation, the roles the gateway lets call it
(``x-roles``, from the policy table the gateway enforces: ``access.policy_table``), so
that a client (the console; an integrator's own screens) can offer a user only what
their roles may do without keeping a copy of the table that could drift; and marks each
write that starts new work (``x-starts-work``, ``access.starts_work_table``: refused in a
retired estate, ``retirements``), so that a client offers none of them there.

It refers, from each response, to the headers the gateway sets (``components/headers``:
``X-Request-ID`` on every answer, ``Idempotent-Replayed`` on a 2xx of an operation that takes an
``Idempotency-Key``, ``Location`` on a 201 whose new resource has a URL: ``locations``; an item
read's ``ETag``, ``If-None-Match`` and 304: ``etags``), which openapi.yaml holds once rather than on each of its 300 responses; and
holds the event envelope a webhook delivery carries once (``WebhookEventEnvelope``), where each of
its webhooks wrote it out again. It is made and written out once (``served_bytes``), sent with a
strong ``ETag`` of its bytes (304 to ``If-None-Match``) and kept by clients a few minutes
(``CACHE_CONTROL``): it changes only with a deploy (an integrator's probe: 1.1 MB at every read).
A client whose ``Accept-Encoding`` takes gzip gets it gzipped (``served_gzipped``, made once, with
its own strong ETag), every answer saying ``Vary: Accept-Encoding``."""
import copy
import functools
import gzip
import hashlib
import json

from flask import Response, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from estate_common import contracts

from . import etags, locations, preconditions
from .access import policy_table, starts_work_table

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>estate-ops API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""

# Routes that are not API operations (files, the Prometheus scrape); not in openapi.yaml.
UNDOCUMENTED_ENDPOINTS = {"static", "docs_asset", "metrics"}


ROLES_KEY = "x-roles"
STARTS_WORK_KEY = "x-starts-work"
ENVELOPE = "WebhookEventEnvelope"  # the served component each webhook's body refers to
REQUEST_ID = {"$ref": "#/components/headers/RequestId"}
REPLAYED = {"$ref": "#/components/headers/IdempotentReplayed"}
LOCATION = {"$ref": "#/components/headers/Location"}
ETAG = {"$ref": "#/components/headers/ETag"}
ITEM_CACHE_CONTROL = {"$ref": "#/components/headers/ItemCacheControl"}
ITEM_VARY = {"$ref": "#/components/headers/ItemVary"}
IF_NONE_MATCH = {"$ref": "#/components/parameters/IfNoneMatch"}
NOT_MODIFIED = {"$ref": "#/components/responses/NotModified"}
IF_MATCH = {"$ref": "#/components/parameters/IfMatch"}
IF_NONE_MATCH_WRITE = {"$ref": "#/components/parameters/IfNoneMatchWrite"}
PRECONDITION_FAILED = {"$ref": "#/components/responses/PreconditionFailed"}
IF_MATCH_UNTAGGED = {"$ref": "#/components/parameters/IfMatchUntagged"}
IF_NONE_MATCH_PUT = {"$ref": "#/components/parameters/IfNoneMatchPut"}
PRECONDITION_NOT_MET = {"$ref": "#/components/responses/PreconditionNotMet"}
# a client keeps the document 5 minutes, then asks with its ETag (a 304 while it is the same): it changes
# only with a deploy, and openapi.yaml only grows (a copy a few minutes old lacks only what was added)
CACHE_CONTROL = "public, max-age=300, must-revalidate"


@functools.lru_cache(maxsize=1)
def served_document():
    """openapi.yaml with each protected operation's ``x-roles``, ``x-starts-work`` on those a
    retired estate refuses, and its ``webhooks``: what integrations POSTs to a subscription for each
    event type it may take."""
    book = contracts.load()
    document = copy.deepcopy(book.openapi)
    for (method, path), roles in policy_table().items():
        operation = document["paths"].get(path, {}).get(method.lower())
        if isinstance(operation, dict):
            operation[ROLES_KEY] = sorted(roles)
    for method, path in starts_work_table():
        operation = document["paths"].get(path, {}).get(method.lower())
        if isinstance(operation, dict):
            operation[STARTS_WORK_KEY] = True
    located = locations.table(document["paths"])
    tagged = etags.item_paths(document["paths"])
    guarded = preconditions.guarded_writes(document["paths"])
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            if method != "parameters" and isinstance(operation, dict):
                _declare_gateway_headers(operation, path in located and method == "post")
                if path in tagged and method == "get":
                    _declare_etag(operation)
                if (method, path) in guarded:
                    _declare_if_match(operation)
                elif method in WRITES and operation.get("security") != []:
                    _declare_untagged(operation, method)
    document["components"]["schemas"][ENVELOPE] = book.delivered_envelope_schema()
    document["webhooks"] = {event_type: {"post": _delivery(book, event_type)}
                            for event_type in document["components"]["schemas"]["WebhookEventType"]["enum"]}
    return document


def _declare_gateway_headers(operation, located=False):
    """Each inline response of ``operation`` refers to ``X-Request-ID``, each 2xx of one that
    takes an ``Idempotency-Key`` to ``Idempotent-Replayed`` (the shared responses refer to the first
    in openapi.yaml itself: a replay is never a problem), and the 201 of a create whose new resource
    has a URL to read (``located``: ``locations.table``) to ``Location``."""
    keyed = any(parameter.get("$ref", "").endswith(("/IdempotencyKey", "/IdempotencyKeyRequired")) or parameter.get("name") == "Idempotency-Key"
                for parameter in operation.get("parameters", []))
    for status, response in operation.get("responses", {}).items():
        if "$ref" in response:
            continue
        headers = {"X-Request-ID": REQUEST_ID, **response.get("headers", {})}
        if keyed and str(status).startswith("2"):
            headers["Idempotent-Replayed"] = REPLAYED
        if located and str(status) == "201":
            headers["Location"] = LOCATION
        response["headers"] = headers


def _declare_etag(operation):
    """An item read (``etags``): it takes ``If-None-Match``, its 200 carries ``ETag``, ``Cache-Control``
    and ``Vary`` and it answers 304."""
    operation["parameters"] = [*operation.get("parameters", []), IF_NONE_MATCH]
    operation["responses"]["200"]["headers"] = {**operation["responses"]["200"].get("headers", {}), "ETag": ETAG,
                                                "Cache-Control": ITEM_CACHE_CONTROL, "Vary": ITEM_VARY}
    operation["responses"]["304"] = NOT_MODIFIED


def _declare_if_match(operation):
    """A write of a tagged record (``preconditions``): it takes ``If-Match`` and ``If-None-Match`` and answers 412."""
    operation["parameters"] = [*operation.get("parameters", []), IF_MATCH, IF_NONE_MATCH_WRITE]
    operation["responses"]["412"] = PRECONDITION_FAILED


def _declare_untagged(operation, method):
    """A write of a resource with no ``ETag`` whose caller is identified (``preconditions.untagged``):
    ``If-Match`` naming tags, and ``If-None-Match: *`` on a ``PUT``, are a 412 without a tag."""
    operation["parameters"] = [*operation.get("parameters", []), IF_MATCH_UNTAGGED,
                               *([IF_NONE_MATCH_PUT] if method == "put" else [])]
    operation["responses"]["412"] = PRECONDITION_NOT_MET


WRITES = ("post", "put", "patch", "delete")


@functools.lru_cache(maxsize=1)
def served_bytes():
    """The served document as sent (compact UTF-8 JSON) and its strong ETag, made once."""
    body = json.dumps(served_document(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()


@functools.lru_cache(maxsize=1)
def served_gzipped():
    """The same bytes gzipped once (stdlib ``gzip``, no timestamp: the same bytes on every replica)
    and that representation's own strong ETag: a client that takes gzip gets about 150 kB of the
    1.1 MB. Another content coding is another representation, so another ETag (RFC 9110 8.8.3)."""
    body, digest = served_bytes()
    return gzip.compress(body, compresslevel=9, mtime=0), digest + "-gzip"


# -- webhooks: what a receiver gets (services/integrations: signing.headers, webhooks.body_of) ------

DELIVERY_HEADERS = [
    ("X-Estate-Delivery", {"type": "string", "pattern": "^dlv_[0-9a-f]+$"},
     "the delivery's id, the same on every retry and on a redelivery (`GET …/webhooks/{webhook_id}/deliveries`): "
     "deduplicate on it, or on the body's `event_id`"),
    ("X-Estate-Timestamp", {"type": "string", "pattern": "^[0-9]+$"},
     "Unix seconds of this attempt (each attempt its own); refuse one far from your clock (e.g. 300 s) to stop replays"),
    ("X-Estate-Signature", {"type": "string", "pattern": "^sha256=[0-9a-f]{64}(, sha256=[0-9a-f]{64})*$"},
     "`sha256=<lowercase hex HMAC-SHA256>`, keyed with the subscription's whole `secret` as UTF-8 (`whsec_` "
     "included, not base64-decoded), over the bytes of `X-Estate-Timestamp`, a `.` and the raw body as received; "
     "while a rotated secret still signs (`previous_secret_expires_at`), one signature per secret, the newest "
     "first, separated by `, `: accept the delivery when one of them is yours (compare in constant time)"),
]


def _delivery(book, event_type):
    """The webhook operation of one event type: its headers, its body (the event's contract less
    what is not sent: ``Contracts.delivered_event_schema``) and what the receiver answers."""
    source, name = event_type.split(".", 1)
    contract = book.documents[f"events/{source}/{name}.json"]
    headers = [{"name": "X-Estate-Event", "in": "header", "required": True, "schema": {"const": event_type},
                "description": "the event's type, `<source>.<event_type>` of the body"}]
    headers += [{"name": header, "in": "header", "required": True, "schema": schema, "description": description}
                for header, schema, description in DELIVERY_HEADERS]
    return {
        "summary": event_type,
        "description": (contract.get("description", "") + "\n\nPOSTed to each active subscription of the estate "
                        "that names it (`POST /api/v1/estates/{estate_id}/webhooks`): the event as published, as "
                        "canonical JSON (sorted keys), less `traceparent` and the data's personal fields, with phone "
                        "and ID numbers typed into its free text redacted. Deliveries are retried one by one and "
                        "come in no set order: order a record's events by `subject.revision`."),
        "parameters": headers,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": book.delivered_event_schema(source, name, envelope=f"#/components/schemas/{ENVELOPE}")}}},
        "responses": {
            "2XX": {"description": "delivered: any 2xx, its body unread"},
            "default": {"description": "any other answer (a redirect too, never followed), a timeout or no answer: "
                                       "the attempt failed and is retried with backoff within the retry window "
                                       "(`GET/PUT …/settings/integrations`)"},
        },
    }


def register(app):
    @app.get("/api/v1/openapi.json")
    def openapi_json():
        packed = request.accept_encodings.quality("gzip") > 0  # "gzip;q=0" or "*;q=0" refuses it
        body, digest = served_gzipped() if packed else served_bytes()
        response = Response(body, mimetype="application/json")
        if packed:
            response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")  # both representations: a cache keeps each by it
        response.set_etag(digest)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response.make_conditional(request)

    @app.get("/api/docs")
    def docs_page():
        return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/api/docs/assets/<path:filename>", endpoint="docs_asset")
    def docs_asset(filename):
        return send_from_directory(swagger_ui_path, filename)
