"""Front desk and the manager: a cleaning or greening contractor's month (外包月度考核, customer
service's upkeep.py): its findings counted, the score, the deduction from its monthly fee and what
is payable, as it stands or as signed; the manager signs it there once the month is over (found by
h2: the month was read and signed through the API only)."""
from flask import Blueprint, g, render_template, request, url_for

from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("contractors", __name__, url_prefix="/desk/contractor-months")


def _last_month():
    """The month a manager signs, the one before this one on the estate's clock, as every page reads it
    (the service says 422 for one to come)."""
    year, month = map(int, common.this_month().split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


@bp.get("/<item_id>")
@estate_needed
def month(item_id):
    period = (request.args.get("period") or "").strip() or _last_month()
    hired = g.api.get(g.api.estate(g.user.estate_id, f"contractors/{item_id}"))
    scored = None
    try:
        scored = g.api.get(g.api.estate(g.user.estate_id, f"contractors/{item_id}/months/{period}"))
    except ApiProblem as problem:  # a month to come (422), a month typed wrong (400): said above the form
        if problem.status >= 500 or problem.status in (401, 404):
            raise
        common.show_problem(problem)
    findings = []
    if scored is not None:  # the month's findings, as many as a month's walk records (its first page)
        findings = g.api.get(g.api.estate(g.user.estate_id, "upkeep-findings"), limit=common.PAGE_SIZE,
                             contractor_id=item_id, period=period).get("items", [])
    return render_template("desk/contractor_month.html", contractor=hired, period=period, month=scored,
                           findings=findings, key=common.form_key(), problem=common.take_problem())


@bp.post("/<item_id>/<period>/sign")
@estate_needed
def sign(item_id, period):
    back = url_for("contractors.month", item_id=item_id, period=period)
    note = request.form.get("note", "").strip()
    return common.post_and_back(f"contractors/{item_id}/months/{period}/sign", {"note": note} if note else {},
                                back, "upkeep.signed", idempotency_key=request.form.get("idempotency_key") or None,
                                typed=common.row_form_to_keep(item_id, "sign"))

