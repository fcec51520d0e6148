"""Routes that take a file instead of JSON: the household import (CSV or XLSX).

The gateway only checks who may send it and what kind of file it is (and, as for every
body, ``MAX_BODY_BYTES``); the file travels to archive (base64 in the RPC payload), which
measures it against its caps at once and reads and imports it in a job
(``services/archive/archive/import_files.py``).
"""
import base64

from flask import current_app, g, request

from estate_common import job_scopes
from estate_common.errors import InvalidInput, field_error

from . import idempotency
from .access import authorize
from .requests_in import UnsupportedMediaType

FORMATS = {
    "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def register(app):
    @app.post("/api/v1/estates/<estate_id>/households/import")
    def import_households(estate_id):
        caller = authorize(job_scopes.starters(job_scopes.HOUSEHOLD_IMPORT), estate_id)
        file_format = FORMATS.get(request.mimetype)
        if file_format is None:
            raise UnsupportedMediaType("send the file as text/csv or as an .xlsx workbook "
                                       "(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)")
        content = request.get_data()
        if not content:
            raise InvalidInput("the file is empty", [field_error("(file)", "is empty")])
        payload = {"estate_id": estate_id,
                   "data": {"format": file_format, "content_base64": base64.b64encode(content).decode()}}
        state = current_app.extensions["estate_ops"]

        def call(context):
            return state.rpc.call("archive", "start_household_import", payload, request_id=g.request_id,
                                  caller=caller, context=context)

        return idempotency.once(state.db, caller, payload, 202, call)
