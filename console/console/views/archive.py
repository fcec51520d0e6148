"""Archive: search the record of everything that happened to a household or a subject."""
from flask import Blueprint, g, render_template, request

from ..signin import estate_needed
from . import common

bp = Blueprint("archive", __name__, url_prefix="/archive")


@bp.get("/records")
@estate_needed
def records():
    """By subject id, by household id, or by a household's address (building, unit and room as
    the front desk writes them), which is looked up first."""
    filters = common.query("subject_id", "household_id", "from", "to")
    address = common.query("building", "unit", "room")
    not_found = False
    if "household_id" not in filters and len(address) == 3:
        found = _household_at(address)
        if found:
            filters["household_id"] = found["id"]
        else:
            not_found = True
    page = g.api.get(g.api.estate(g.user.estate_id, "archive/records"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters) if filters and not not_found else {"items": []}
    return render_template("archive/records.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters, address=address, not_found=not_found)


def _household_at(address):
    """The household at exactly this building, unit and room, or None."""
    matching = common.households_matching(address["building"], address["unit"], address["room"])
    exact = [h for h in matching if str(h.get("room", "")) == address["room"]]
    return exact[0] if len(exact) == 1 else None
