"""Routes that take a file instead of JSON: the household import (CSV or XLSX), a handover weekend's
batch (CSV or XLSX: archive's ``handover_batches``), the opening
balances import (CSV: finance's ``opening_balance_imports``) and the equipment ledger's import (CSV:
maintenance's ``equipment_imports``).

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
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}
FILE_PART = "file"


def _sent_file(formats=("csv", "xlsx")):
    """``(format, bytes)`` of the file sent: the body itself (``text/csv`` or an XLSX type), or
    the ``file`` part of a form upload (``multipart/form-data``, as a browser or ``curl -F``
    sends one: API.md says "upload", and it was a 415; found by review), its format by the part's
    type or else its name's extension. 415 for anything else."""
    if request.mimetype == "multipart/form-data":
        part = request.files.get(FILE_PART)
        if part is None:
            raise InvalidInput("the form has no file", [field_error(FILE_PART, "send the file as the form's file part")])
        name = (part.filename or "").lower()
        file_format = FORMATS.get(part.mimetype) or next(
            (kind for extension, kind in EXTENSIONS.items() if name.endswith(extension)), None)
        if file_format is None or file_format not in formats:
            raise UnsupportedMediaType("the file part is neither a .csv file nor an .xlsx workbook"
                                       if "xlsx" in formats else "the file part is not a .csv file")
        return file_format, part.read()
    file_format = FORMATS.get(request.mimetype)
    if file_format is not None and file_format not in formats:
        raise UnsupportedMediaType("send the file as text/csv, or as the file part of a multipart/form-data upload")
    if file_format is None:
        raise UnsupportedMediaType("send the file as text/csv or as an .xlsx workbook "
                                   "(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), "
                                   "or as the file part of a multipart/form-data upload")
    return file_format, request.get_data()


def register(app):
    @app.post("/api/v1/estates/<estate_id>/households/import")
    def import_households(estate_id):
        # new households: a retired estate takes none (retirements.OWN_STARTS_WORK, which authorize reads)
        return _file_import(estate_id, job_scopes.HOUSEHOLD_IMPORT, "archive", "start_household_import",
                            formats=("csv", "xlsx"))

    @app.post("/api/v1/estates/<estate_id>/handovers/import")
    def import_handovers(estate_id):
        # 批量交房: a handover weekend's flats from a spreadsheet, each the single handover (archive's job)
        return _file_import(estate_id, job_scopes.HANDOVER_BATCH, "archive", "start_handover_import",
                            formats=("csv", "xlsx"))

    @app.post("/api/v1/estates/<estate_id>/opening-balances/import")
    def import_opening_balances(estate_id):
        # carried-over debts start work: a retired estate takes none (retirements.OWN_STARTS_WORK)
        return _file_import(estate_id, job_scopes.OPENING_BALANCE_IMPORT, "finance", "start_opening_balance_import")

    @app.post("/api/v1/estates/<estate_id>/opening-credits/import")
    def import_opening_credits(estate_id):
        # the previous company's prepayments start work: a retired estate takes none (retirements.OWN_STARTS_WORK)
        return _file_import(estate_id, job_scopes.OPENING_CREDIT_IMPORT, "finance", "start_opening_credit_import")

    @app.post("/api/v1/estates/<estate_id>/bank-statements/import")
    def import_bank_statement(estate_id):
        # 银行对账: the month's statement (?period=YYYY-MM) replaces its lines; a retired estate's last months too
        return _file_import(estate_id, job_scopes.BANK_STATEMENT_IMPORT, "finance", "start_bank_statement_import",
                            data=_statement_month)

    @app.post("/api/v1/estates/<estate_id>/equipment/import")
    def import_equipment(estate_id):
        # new equipment: a retired estate takes none (retirements.OWN_STARTS_WORK)
        return _file_import(estate_id, job_scopes.EQUIPMENT_IMPORT, "maintenance", "start_equipment_import")


def _statement_month():
    """The bank statement's month (``?period=``), read once the caller is authorized."""
    period = request.args.get("period", "")
    if not period:
        raise InvalidInput("name the statement's month", [field_error("period", "is required (YYYY-MM)")])
    return {"period": period}


def _file_import(estate_id, kind, service, method, formats=("csv",), data=None):
    """A list imported from a file of ``formats`` (a CSV alone by default: another is a 415) by those
    who start ``kind``'s jobs: the file to ``service``'s ``method``, which answers its job; once per
    Idempotency-Key."""
    caller = authorize(job_scopes.starters(kind), estate_id)
    file_format, content = _sent_file(formats=formats)
    if not content:
        raise InvalidInput("the file is empty", [field_error("(file)", "is empty")])
    payload = {"estate_id": estate_id,
               "data": {"format": file_format, **(data() if data else {}), "content_base64": base64.b64encode(content).decode()}}
    state = current_app.extensions["estate_ops"]

    def call(context):
        return state.rpc.call(service, method, payload, request_id=g.request_id, caller=caller, context=context)

    return idempotency.once(state.db, caller, payload, 202, call)
