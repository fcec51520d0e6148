"""The OpenAPI document (``contracts/openapi.yaml`` served as JSON) and a docs
page (Swagger UI, served from the swagger-ui-bundle package, no CDN)."""
from flask import jsonify, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from estate_common import contracts

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


def register(app):
    @app.get("/api/v1/openapi.json")
    def openapi_json():
        return jsonify(contracts.load().openapi)

    @app.get("/api/docs")
    def docs_page():
        return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/api/docs/assets/<path:filename>", endpoint="docs_asset")
    def docs_asset(filename):
        return send_from_directory(swagger_ui_path, filename)
