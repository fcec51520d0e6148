"""Archive: search the record of everything that happened to a household or a subject, and a
borrow request's page (its decision, and the records it opens to the one who asked)."""
import json

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import i18n
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common, registers
from .register_specs import BY_SLUG

bp = Blueprint("archive", __name__, url_prefix="/archive")

BORROW_REGISTER = BY_SLUG["borrow-requests"]


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
                           filters=filters, address=address, not_found=not_found, key=common.form_key(),
                           search={**address, **filters},  # a correction comes back to this search
                           problem=common.take_problem(), field_text=field_text)


def _household_at(address):
    """The household at exactly this building, unit and room, or None."""
    matching = common.households_matching(address["building"], address["unit"], address["room"])
    exact = [h for h in matching if str(h.get("room", "")) == address["room"]]
    return exact[0] if len(exact) == 1 else None


@bp.get("/verify")
@estate_needed
def verify():
    """The hash chain of the estate's permanent record recomputed (tamper evidence): how many
    records were checked and the first that does not hold, if any."""
    result = g.api.get(g.api.estate(g.user.estate_id, "archive/verify"))
    return render_template("archive/verify.html", result=result)


def field_text(value):
    """A record's value as its correction form shows it: a text as it is, anything else (a number,
    yes/no, a list, nothing) as JSON, so that ``corrected_data`` reads back the same value."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def corrected_data(text, original):
    """The ``key: value`` lines of a correction as the record's data: a key whose original value
    was not a text is read as JSON (ValueError naming the key when it does not read), the others
    as text. Read back as text, ``425000`` became ``"425000"`` and ``false`` the language's "No"
    in the permanent record (found by review)."""
    data = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip() if sep else ""
        if not key:
            continue
        if key in original and not isinstance(original[key], str):
            try:
                data[key] = json.loads(value)
            except ValueError:
                raise ValueError(key) from None
        else:
            data[key] = value
    return data


@bp.post("/records/<record_id>/corrections")
@estate_needed
def correct(record_id):
    """A correction: a new chained record pointing to this one, whose content is typed one
    ``key: value`` a line (the original record is never changed)."""
    form = request.form
    back = url_for("archive.records", **common.query("subject_id", "household_id", "from", "to", "building", "unit",
                                                     "room"))
    try:
        data = corrected_data(form.get("data", ""), json.loads(form.get("original") or "{}"))
    except ValueError as bad:
        message = i18n.translate("archive.not_json", key=str(bad))
        common.show_problem(ApiProblem(400, message, errors=[{"field": "data", "message": message}]))
        common.keep_typed(record_id, "correct")
        return redirect(back)
    body = {"reason": form.get("reason", "").strip(), "data": data}
    # refused, the record's form opens again with the edited lines and the reason as typed
    # (its textarea was refilled from the original record: found by review)
    return common.post_and_back(f"archive/records/{record_id}/corrections", body, back, "archive.corrected",
                                idempotency_key=form.get("idempotency_key") or None,
                                typed=common.row_form_to_keep(record_id, "correct"))


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
                           actions=registers.offered(BORROW_REGISTER), closed=closed,
                           items=(page or {}).get("items"), next_cursor=(page or {}).get("next_cursor"),
                           problem=common.take_problem())
