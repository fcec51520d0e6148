"""The OpenAPI document (``contracts/openapi.yaml`` served as JSON) and a docs
page (Swagger UI, served from the swagger-ui-bundle package, no CDN).

The served document names, on each operation, the roles the gateway lets call it
(``x-roles``, from the policy table the gateway enforces: ``access.policy_table``), so
that a client (the console; an integrator's own screens) can offer a user only what
their roles may do without keeping a copy of the table that could drift; and marks each
write that starts new work (``x-starts-work``, ``access.starts_work_table``: refused in a
retired estate, ``retirements``), so that a client offers none of them there."""
import copy
import functools

from flask import jsonify, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from estate_common import contracts

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


@functools.lru_cache(maxsize=1)
def served_document():
    """openapi.yaml with each protected operation's ``x-roles``, and ``x-starts-work`` on those a
    retired estate refuses."""
    document = copy.deepcopy(contracts.load().openapi)
    for (method, path), roles in policy_table().items():
        operation = document["paths"].get(path, {}).get(method.lower())
        if isinstance(operation, dict):
            operation[ROLES_KEY] = sorted(roles)
    for method, path in starts_work_table():
        operation = document["paths"].get(path, {}).get(method.lower())
        if isinstance(operation, dict):
            operation[STARTS_WORK_KEY] = True
    return document


def register(app):
    @app.get("/api/v1/openapi.json")
    def openapi_json():
        return jsonify(served_document())

    @app.get("/api/docs")
    def docs_page():
        return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/api/docs/assets/<path:filename>", endpoint="docs_asset")
    def docs_asset(filename):
        return send_from_directory(swagger_ui_path, filename)
