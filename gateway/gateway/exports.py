"""Exports (``estate_common.exports``): the two routes the gateway answers by asking the service
that owns the resource, named in the body (a start) or in the job id (a download).

- ``POST /api/v1/estates/{id}/exports {resource, format, filters}``: the caller needs a role of
  the resource's list route (``job_scopes.EXPORT_READERS``, checked against the route table by
  ``gateway/tests/test_exports.py``); the owner's ``start_export`` answers the job (202).
- ``GET /api/v1/estates/{id}/exports/{job_id}/file``: the owner's ``read_export`` checks at each
  download that the caller's roles may read the resource and its personal data as written, that
  the export is finished and its link not expired (403/409/410 before a byte is sent); the file
  is then streamed part by part (``exports.CHUNK_BYTES`` each), never held whole here.
"""
import base64
from urllib.parse import quote

from flask import Response, current_app, g, stream_with_context

from estate_common import contracts, exports, job_scopes
from estate_common.errors import InvalidInput, NotFound

from . import idempotency, requests_in
from .access import authorize, authorize_route


def _state():
    return current_app.extensions["estate_ops"]


def _valid(body):
    errors = contracts.load().errors("openapi.yaml#/components/schemas/ExportCreate", body)
    if errors:
        raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]), errors)
    return body


def owner_of(job_id):
    """The service whose job this is (``job_<service>_…``; the longest name first), if it exports."""
    for service in sorted(set(exports.RESOURCES.values()), key=len, reverse=True):
        if job_id.startswith(f"job_{service}_"):
            return service
    return None


def register(app):
    @app.post("/api/v1/estates/<estate_id>/exports")
    def start_export(estate_id):
        authorize_route(estate_id)
        body = _valid(requests_in.json_body())
        caller = authorize(job_scopes.starters(exports.job_kind(body["resource"])), estate_id)
        payload = {"estate_id": estate_id, "data": body}

        def call(context):
            return _state().rpc.call(exports.RESOURCES[body["resource"]], "start_export", payload,
                                     request_id=g.request_id, caller=caller, context=context)

        return idempotency.once(_state().db, caller, payload, 202, call)

    @app.get("/api/v1/estates/<estate_id>/exports/<job_id>/file")
    def download_export(estate_id, job_id):
        caller = authorize_route(estate_id)
        requests_in.refuse_unknown_query(where="of a download")
        owner = owner_of(job_id)
        if owner is None:
            raise NotFound("no such export")
        rpc, request_id = _state().rpc, g.request_id

        def part(n):
            return rpc.call(owner, "read_export", {"estate_id": estate_id, "id": job_id, "n": n},
                            request_id=request_id, caller=caller)

        first = part(0)  # every check happens here, before the answer starts

        def body():
            yield base64.b64decode(first["data_base64"])
            for n in range(1, first["chunks"]):
                yield base64.b64decode(part(n)["data_base64"])

        return Response(stream_with_context(body()), status=200, content_type=first["content_type"], headers={
            "Content-Length": str(first["bytes"]), "Cache-Control": "no-store",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(first['filename'])}"})
