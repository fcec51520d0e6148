"""跨小区事件: the open incidents of every estate the caller works in, in one list
(``GET /api/v1/incidents?open=true&type=&since=``): on a typhoon night the operator admin (and a
manager of several estates) went estate by estate (h5's probe of three estates).

The estates are those archive lists for the caller, as the KPI view of every estate reads them
(``fanout._estates_in_scope``: the operator admin's every estate, a manager's or a guard's own);
security patrol reads each estate's incidents by a query of its own, led by its ``estate_id``, and
merges them newest first (``list_incidents_across``); each item names its estate (id, code, name)
for the console to link to the incident's page. Management and the guards (``policy.SECURITY``, who
list an estate's incidents); security patrol checks each estate against the caller again.
"""
from types import SimpleNamespace

from flask import current_app, g, jsonify

from estate_common import contracts
from estate_common.errors import InvalidInput, field_error

from . import masking, requests_in
from .access import authorize_route
from .fanout import _estates_in_scope

PATH = "/api/v1/incidents"
CHUNK = 1000  # the estates one call names at most (the method's contract): a larger portfolio is asked in parts
# each filter's schema (openapi.yaml): a wrong value is a 400 naming it here, not the service's "filters.since"
SCHEMAS = {"type": "IncidentType", "since": "Timestamp"}
LIST = SimpleNamespace(filters=("open", "type", "since"), paged=True, service="security_patrol",
                       rpc="list_incidents_across")


def register(app):
    @app.get(PATH)
    def incidents_across_estates():
        caller = authorize_route()
        payload = requests_in.query_payload(LIST)
        filters = payload.get("filters", {})
        requests_in.flag(filters, "open")
        if _wrong(filters, "type"):
            raise InvalidInput("type is not an incident type", [field_error("type", "is not an incident type")])
        if _wrong(filters, "since"):
            raise InvalidInput("since must be a UTC time", [field_error("since", contracts.FORMS["Timestamp"])])
        g.reads = True
        estates = {estate["id"]: estate for estate in _estates_in_scope(caller)}
        if not estates:
            return jsonify({"items": [], "next_cursor": None})
        found = _asked_in_parts(caller, sorted(estates), payload)
        body = {"items": [{"estate": {key: estates[item["estate_id"]][key] for key in ("id", "code", "name")},
                           "incident": item} for item in found["items"]],
                "next_cursor": found["next_cursor"]}
        return jsonify(masking.for_caller("GET", PATH, 200, body, caller["roles"], caller.get("user")))


def _wrong(filters, name):
    return name in filters and bool(contracts.load().errors(f"openapi.yaml#/components/schemas/{SCHEMAS[name]}",
                                                            filters[name]))


def _asked_in_parts(caller, estate_ids, payload):
    """security patrol's page of ``estate_ids`` (each part of ``CHUNK`` estates asked for a page after
    the same cursor, the parts' pages merged newest first): ``{items, next_cursor}``."""
    rpc = current_app.extensions["estate_ops"].rpc
    parts = [rpc.call("security_patrol", "list_incidents_across", {"estate_ids": estate_ids[i:i + CHUNK], **payload},
                      request_id=g.request_id, caller=caller) for i in range(0, len(estate_ids), CHUNK)]
    if len(parts) == 1:
        return parts[0]
    limit = payload.get("limit", 50)
    items = sorted((item for part in parts for item in part["items"]), key=lambda i: (i["created_at"], i["id"]),
                   reverse=True)
    more = len(items) > limit or any(part["next_cursor"] for part in parts)
    shown = items[:limit]
    last = shown[-1] if more and shown else None
    return {"items": shown, "next_cursor": f"{last['created_at']}~{last['id']}" if last else None}
