"""Archive: search the record of everything that happened to a household or a subject, and a
borrow request's page (its decision, and the records it opens to the one who asked)."""
from flask import Blueprint, g, render_template, request

from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common, registers
from .register_specs import REGISTERS

bp = Blueprint("archive", __name__, url_prefix="/archive")

BORROW_REGISTER = next(spec for spec in REGISTERS if spec.slug == "borrow-requests")


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


@bp.get("/borrow-requests/<item_id>")
@estate_needed
def borrow_detail(item_id):
    """The request, what became of it, the decisions the user may take, and while it is open to
    them (approved, theirs, not returned, not past due back: the API decides) its records."""
    path = g.api.estate(g.user.estate_id, f"archive/borrow-requests/{item_id}")
    borrow = g.api.get(path)
    page, closed = None, None
    if borrow.get("status") == "approved":
        try:
            page = g.api.get(f"{path}/records", limit=common.PAGE_SIZE, cursor=request.args.get("cursor"))
        except ApiProblem as problem:
            if problem.status == 401 or problem.status >= 500:
                raise
            closed = problem  # not the one who asked, returned or overdue: the API says which
    return render_template("archive/borrow.html", borrow=borrow, spec=BORROW_REGISTER,
                           actions=registers.offered(BORROW_REGISTER.actions), closed=closed,
                           items=(page or {}).get("items"), next_cursor=(page or {}).get("next_cursor"),
                           problem=common.take_problem())
