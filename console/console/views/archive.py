"""Archive: search the record of everything that happened to a household or a subject."""
from flask import Blueprint, g, render_template, request

from ..signin import estate_needed
from . import common

bp = Blueprint("archive", __name__, url_prefix="/archive")


@bp.get("/records")
@estate_needed
def records():
    filters = common.query("subject_id", "household_id", "from", "to")
    page = g.api.get(g.api.estate(g.user.estate_id, "archive/records"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters) if filters else {"items": []}
    return render_template("archive/records.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters)
