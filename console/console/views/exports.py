"""Exports: "Export CSV / XLSX" on the lists of households, service requests, work orders, bills,
payments and arrears, and the security department's patrol rounds, incidents, visitors, shift
handovers and fire checks, and the steward's owner contacts and vacant-unit inspections, with the list's filters as they are shown (``POST …/exports``); the job's
progress page (``GET /api/v1/jobs/{id}``) and, once it is done, the file, passed on from the gateway
as it arrives with the user's own token (``GET …/exports/{job_id}/file``): the console keeps no copy.

Who may export which list, the columns and the masking of personal data are the API's. The file is
asked in the user's language (``language``: the page's, ``i18n.language``), so the front desk, the
accountant and the archivist read its headings, statuses, amounts in yuan and times on the estate's
clock in the words of their pages; the API writes it (``estate_common.exports.in_language``)."""
from flask import Blueprint, Response, g, redirect, render_template, request, stream_with_context, url_for

from .. import i18n
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("exports", __name__, url_prefix="/exports")

RESOURCES = ("households", "service_requests", "work_orders", "bills", "payments", "arrears",
             # the security department's records (a probe of the security guard's shift)
             "patrol_rounds", "incidents", "visitors", "shift_handovers", "fire_inspections",
             # the steward's owner contacts and vacant-unit inspections (a probe of the steward's month)
             "owner_contacts", "vacant_inspections",
             # meters read at a handover or a sale (交房抄表 / 过户抄表)
             "meter_readings",
             # a piece's ledger records from its page (电梯维修记录 for the inspector: a probe of a lift's year)
             "equipment_records")
FORMATS = ("csv", "xlsx")
CHUNK_BYTES = 64 * 1024
PASSED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Length")


def _local(url):
    """Where to go back to on a refusal: a path of this console only (never another site)."""
    return common.local_path(url, url_for("home.index"))


@bp.post("/")
@estate_needed
def start():
    form = request.form
    back = _local(form.get("back", ""))
    resource, kind = form.get("resource", ""), form.get("format", "")
    if resource not in RESOURCES or kind not in FORMATS:
        common.show_problem(ApiProblem(400, i18n.translate("export.unknown")))
        return redirect(back)
    filters = {name.removeprefix("filter."): value.strip() for name, value in form.items()
               if name.startswith("filter.") and value.strip()}
    body = {"resource": resource, "format": kind, "language": i18n.language()}  # read by people: in their words
    if filters:
        body["filters"] = filters
    job, refused = common.act(lambda: g.api.post(g.api.estate(g.user.estate_id, "exports"), body,
                                                 idempotency_key=form.get("idempotency_key") or None), back)
    if refused:
        return refused
    return redirect(url_for("exports.progress", job_id=job["id"], back=back))


@bp.get("/<job_id>")
@estate_needed
def progress(job_id):
    job = g.api.get(f"/api/v1/jobs/{job_id}")
    params = job.get("params") or {}
    # the household a list was filtered on by its flat, not its internal id (review): one read
    household_id = (params.get("filters") or {}).get("household_id")
    household = common.household_label(common.household_or_none(household_id)) if household_id else ""
    return render_template("exports/progress.html", job=job, params=params, household=household,
                           back=_local(request.args.get("back", "")), problem=common.take_problem())


@bp.get("/<job_id>/file")
@estate_needed
def download(job_id):
    """The file as the gateway streams it, part by part, with its type and name."""
    upstream = g.api.stream(g.api.estate(g.user.estate_id, f"exports/{job_id}/file"))

    def body():
        try:
            yield from upstream.iter_content(CHUNK_BYTES)
        finally:
            upstream.close()

    headers = {name: upstream.headers[name] for name in PASSED_HEADERS if upstream.headers.get(name)}
    headers["Cache-Control"] = "no-store"  # personal data: not kept by a browser or proxy cache
    return Response(stream_with_context(body()), status=200, headers=headers)
