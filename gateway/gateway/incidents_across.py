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

from . import masking, requests_in
from .access import authorize_route
from .fanout import _estates_in_scope

PATH = "/api/v1/incidents"
LIST = SimpleNamespace(filters=("open", "type", "since"), paged=True, service="security_patrol",
                       rpc="list_incidents_across")


def register(app):
    @app.get(PATH)
    def incidents_across_estates():
        caller = authorize_route()
        payload = requests_in.query_payload(LIST)
        requests_in.flag(payload.get("filters", {}), "open")
        g.reads = True
        estates = {estate["id"]: estate for estate in _estates_in_scope(caller)}
        if not estates:
            return jsonify({"items": [], "next_cursor": None})
        rpc = current_app.extensions["estate_ops"].rpc
        found = rpc.call("security_patrol", "list_incidents_across", {"estate_ids": sorted(estates), **payload},
                         request_id=g.request_id, caller=caller)
        body = {"items": [{"estate": {key: estates[item["estate_id"]][key] for key in ("id", "code", "name")},
                           "incident": item} for item in found["items"]],
                "next_cursor": found["next_cursor"]}
        return jsonify(masking.for_caller("GET", PATH, 200, body, caller["roles"], caller.get("user")))
