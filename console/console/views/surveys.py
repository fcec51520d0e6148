"""Front desk: one satisfaction survey, its results per service line as the API tallies them, and
recording a household's answers (a score of 1 to 5 per line it was asked about)."""
from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import i18n
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("surveys", __name__, url_prefix="/desk/surveys")
SCORES = (1, 2, 3, 4, 5)


@bp.get("/<item_id>")
@estate_needed
def detail(item_id):
    survey = g.api.get(g.api.estate(g.user.estate_id, f"surveys/{item_id}"))
    results = g.api.get(g.api.estate(g.user.estate_id, f"surveys/{item_id}/results"))
    return render_template("desk/survey.html", survey=survey, results=results, scores=SCORES, key=common.form_key(),
                           households=common.household_labels(), problem=common.take_problem())


@bp.post("/<item_id>/answers")
@estate_needed
def answer(item_id):
    back = url_for("surveys.detail", item_id=item_id)
    form = request.form
    scores = {}
    for name, value in form.items():
        if name.startswith("score_") and value:
            try:
                scores[name.removeprefix("score_")] = int(value)
            except ValueError:
                common.show_problem(ApiProblem(400, i18n.translate("error.whole_number")))
                common.keep_typed(item_id, "answer")
                return redirect(back)
    body = {"household_id": form.get("household_id", ""), "scores": scores}
    if form.get("comment", "").strip():
        body["comment"] = form["comment"].strip()
    # refused, the form comes back as typed (it came back empty: review)
    return common.post_and_back(f"surveys/{item_id}/answers", body, back, "survey.answered",
                                idempotency_key=form.get("idempotency_key") or None,
                                typed=common.row_form_to_keep(item_id, "answer"))
