"""Archive: search the record of everything that happened to a household or a subject, and a
borrow request's page (its decision, and the records it opens to the one who asked)."""
import json
import re
from datetime import datetime, timezone

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common, registers, subjects
from .register_specs import BY_SLUG

bp = Blueprint("archive", __name__, url_prefix="/archive")

BORROW_REGISTER = BY_SLUG["borrow-requests"]
PERIOD = common.REPORT_PERIOD  # a month, a quarter or a year


@bp.get("/records")
@estate_needed
def records():
    """By subject (its id, or the number people know it by), by household id, or by a household's
    address (building, unit and room as the front desk writes them), which is looked up first."""
    filters = common.query("subject_id", "subject_type", "household_id", "from", "to")
    address = common.query("building", "unit", "room")
    not_found = False
    if "household_id" not in filters and len(address) == 3:
        found = _household_at(address)
        if found:
            filters["household_id"] = found["id"]
        else:
            not_found = True
    # a number typed as the subject (WO-2026-000003, a receipt's RC-…) is searched as one: the
    # archivist read 没有记录 for the number on a file (a probe of the archives' work)
    asked = dict(filters)
    if common.subject_number(asked.get("subject_id", "")):
        asked["number"] = common.subject_number(asked.pop("subject_id"))
    page = g.api.get(g.api.estate(g.user.estate_id, "archive/records"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **asked) if filters and not not_found else {"items": []}
    # the household searched for by its address is known: its own records name it by its id
    labels = subjects.SubjectLabels(common.HouseholdLabels(_household_shown(filters, address), complete=False))
    return render_template("archive/records.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters, address=address, not_found=not_found, key=common.form_key(),
                           search={**address, **filters},  # a correction comes back to this search
                           problem=common.take_problem(), correction_text=correction_text,
                           record_subject=labels.of_record, record_facts=labels.facts,
                           subject_types=permissions.enum("SubjectType"))


def _household_shown(filters, address):
    """The household searched for, as building-unit-room."""
    if len(address) == 3 and filters.get("household_id"):
        return {filters.get("household_id"): i18n.flat_text(address)}
    return {}


def _household_at(address):
    """The household at exactly this building, unit and room, or None."""
    exact = common.households_at(address["building"], address["unit"], address["room"])
    return exact[0] if len(exact) == 1 else None


@bp.get("/settings")
@estate_needed
def settings():
    """The estate's archive settings, read only: the numbers the archive's rules are judged by (the
    checks a year, the plan's due days, the borrowing days), what applies, its default and whether
    the estate set it. The archivist got a 403 on them: the settings page is the manager's, who
    changes them there (linked for him), as the guards read security patrol's."""
    current = g.api.get(g.api.estate(g.user.estate_id, "settings/archive"))
    names = sorted(set(current.get("defaults") or {}) | set(current.get("values") or {}))
    return render_template("settings_read_only.html", current=current, names=names, title="menu.archive_settings",
                           group="setting_archive", service="archive",
                           editable=permissions.may("PUT", "settings/archive"))


@bp.get("/completeness")
@estate_needed
def completeness():
    """资料归档完整率 of a month, quarter or year, kind by kind: what each service counted closed, what
    the archive holds, how many are missing, each kind's records of the period a link away. It was a
    figure on the manager's dashboard alone, which named no kind (a probe of the archives' month)."""
    period = common.period_asked(PERIOD, common.this_month)
    found = g.api.get(g.api.estate(g.user.estate_id, "archive/completeness"), period=period)
    first, last = common.period_days(period)
    # the period's borrowings counted (the year's were added up from the register's pages: a probe
    # of the archivist's year); the page shows without them
    borrowed = common.optional_read("archive/borrow-requests/totals", period=period)
    return render_template("archive/completeness.html", period=period, found=found, first=first, last=last,
                           borrowed=borrowed)


# what ``POST …/personal-data/search`` answers at most: each service's requests and visits newest
# first (customer service's PHONE_REQUESTS, security's PHONE_VISITS), the households archive finds
# (its PHONE_MATCHES, in the order registered); the page said neither (session 51's leftovers)
PERSONAL_DATA_CAP = 500
PERSONAL_DATA_HOUSEHOLDS = 50


@bp.get("/personal-data")
@estate_needed
def personal_data(phone="", found=None, problem=None):
    """个人信息查阅 (PIPL art. 45): an occupant asks what is held about him, and the archivist reads
    everything his phone touched, side by side, as ``POST …/personal-data/search`` finds it: the
    households it is on, the requests it called about, the visits it registered. The box is offered
    to the roles the gateway lets search."""
    return render_template("archive/personal_data.html", phone=phone, found=found, cap=PERSONAL_DATA_CAP,
                           households_cap=PERSONAL_DATA_HOUSEHOLDS,
                           problem=problem or common.take_problem())


@bp.post("/personal-data")
@estate_needed
def personal_data_search():
    """The search, a POST with its CSRF token so the number is in no URL (the console's nor the
    gateway's); a read, so no Idempotency-Key is sent. A refusal (a malformed number, a role the
    gateway refuses) is shown at the box with its status; a service away or a session gone raises, as
    any call does."""
    phone = request.form.get("phone", "").strip()
    found, refused = common.write(
        lambda: g.api.call("POST", g.api.estate(g.user.estate_id, "personal-data/search"), json={"phone": phone},
                           idempotency_key=""),
        lambda problem: personal_data(phone=phone, problem=problem))
    return refused or personal_data(phone=phone, found=found)


# the kinds of closed record the completeness counts (estate_common.closed_counts.KINDS)
CLOSED_KINDS = ("service_requests", "work_orders", "patrol_rounds", "incidents", "payments")


@bp.get("/completeness/missing")
@estate_needed
def missing():
    """The closed records of one kind the archive lacks in a period, named one by one, each opening
    the archive's search by its number (else its id), a page at a time: the completeness counted a
    kind's shortfall and nobody could say which they were (a probe of the archives' work). A page
    may name fewer than it looked at, even none, while there is a next."""
    period = common.period_asked(PERIOD, common.this_month)
    kind = request.args.get("kind") if request.args.get("kind") in CLOSED_KINDS else None
    found = g.api.get(g.api.estate(g.user.estate_id, "archive/completeness/missing"), period=period, kind=kind,
                      limit=common.PAGE_SIZE, cursor=request.args.get("cursor")) if kind else {}
    return render_template("archive/missing.html", period=period, kind=kind, found=found)


# the kinds of the estate's documents the developer hands over (EstateDocumentKind)
ESTATE_DOCUMENT_KINDS = ("as_built_drawings", "completion_filing", "planning_permit", "construction_permit",
                         "equipment_manual", "equipment_warranty", "owner_list", "other")
ESTATE_DOCUMENT_ROWS, COMMON_AREA_ROWS = 8, 6
ESTATE_KEY_KINDS = ("unit", "common_area", "equipment_room", "other")  # archive's estate_handovers.KEY_KINDS
KEY_ROWS = 4


@bp.get("/estate-handovers")
@estate_needed
def estate_handovers(problem=None):
    """The developer's handover of the estate (开发商移交): which documents every takeover needs are
    received and which still missing, each session recorded (its documents and common areas), and
    the form that records a session. Only each unit's checklist had a page."""
    path = g.api.estate(g.user.estate_id, "archive/estate-handovers")
    checklist = g.api.get(f"{path}/checklist")
    page = g.api.get(path, limit=common.PAGE_SIZE, cursor=request.args.get("cursor"))
    failed = isinstance(problem, ApiProblem)
    return render_template("archive/estate_handovers.html", checklist=checklist, items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters={}, kinds=ESTATE_DOCUMENT_KINDS,
                           document_rows=range(ESTATE_DOCUMENT_ROWS), area_rows=range(COMMON_AREA_ROWS),
                           key_kinds=ESTATE_KEY_KINDS, key_rows=range(KEY_ROWS),
                           key=common.form_key(), form=request.form if failed else {}, failed=failed,
                           field_errors=problem.field_errors if failed else {},
                           problem=problem or common.take_problem())


def estate_handover_body(form, rows=None):
    """The session as the API takes it: the rows with a title (a document), an item (an area) or
    keys (a count, which keys or who keeps them); a copies' or keys' count that is not a whole number
    is the field's 400 (its row's index on the form). ``rows``, when given, gets each list's form rows
    in the order sent (``{"keys": [2, 3]}``), by which a refusal naming a line is shown on its row
    (``on_form_rows``): the blank rows are not sent, and a bad count typed under one was marked on the
    blank row (found by review r1)."""
    rows = {} if rows is None else rows
    for name in ("documents", "common_areas", "keys"):
        rows[name] = []
    body = {name: form.get(name, "").strip() for name in ("date", "handed_over_by", "received_by")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    documents = []
    for row, (kind, title, status, copies, reference) in enumerate(zip(
            form.getlist("doc_kind"), form.getlist("doc_title"), form.getlist("doc_status"),
            form.getlist("doc_copies"), form.getlist("doc_reference"))):
        if not title.strip():
            continue
        document = {"kind": kind, "title": title.strip(), "status": status}
        if copies.strip():
            count = common.whole_number(copies.strip())
            if count is None:
                return None, f"documents[{row}].copies"
            document["copies"] = count
        if reference.strip():
            document["reference"] = reference.strip()
        documents.append(document)
        rows["documents"].append(row)
    areas = []
    for row, (item, result, note) in enumerate(zip(form.getlist("area_item"), form.getlist("area_result"),
                                                   form.getlist("area_note"))):
        if item.strip():
            areas.append({"item": item.strip(), "result": result} | ({"note": note.strip()} if note.strip() else {}))
            rows["common_areas"].append(row)
    keys = []  # 钥匙移交: a line with a count or who keeps them (the API names what is missing)
    for row, (kind, label, count, kept_by, note) in enumerate(zip(
            form.getlist("key_kind"), form.getlist("key_label"), form.getlist("key_count"),
            form.getlist("key_kept_by"), form.getlist("key_note"))):
        if not (count.strip() or kept_by.strip() or label.strip()):
            continue
        number = common.whole_number(count.strip())
        if number is None:
            return None, f"keys[{row}].count"
        key = {"kind": kind}
        if label.strip():
            key["label"] = label.strip()
        key |= {"count": number, "kept_by": kept_by.strip()}
        if note.strip():
            key["note"] = note.strip()
        keys.append(key)
        rows["keys"].append(row)
    if documents:
        body["documents"] = documents
    if areas:
        body["common_areas"] = areas
    if keys:
        body["keys"] = keys
    return body, None


@bp.post("/estate-handovers")
@estate_needed
def record_estate_handover():
    form, rows = request.form, {}
    body, bad = estate_handover_body(form, rows)
    if bad:
        message = i18n.translate("error.whole_number")
        return estate_handovers(ApiProblem(400, message, errors=[{"field": bad, "message": message}])), 400
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "archive/estate-handovers"), body,
                                                 idempotency_key=form.get("idempotency_key") or None),
                              lambda problem: estate_handovers(on_form_rows(problem, rows)))
    if refused:
        return refused
    common.done("eho.recorded")
    return redirect(url_for("archive.estate_handovers"))


_LINE = re.compile(r"^(?:data\.)?(documents|common_areas|keys)\[([0-9]+)\](.*)$")


def on_form_rows(problem, rows):
    """``problem`` with each field naming a line sent (``keys[0].kept_by``) named by the form's row it
    was typed on (``keys[2].kept_by``: ``rows``, ``estate_handover_body``'s), so it is shown there."""
    def row_of(field):
        found = _LINE.match(field or "")
        if not found or int(found[2]) >= len(rows.get(found[1], ())):
            return field
        return f"{found[1]}[{rows[found[1]][int(found[2])]}]{found[3]}"
    problem.errors = [{**error, "field": row_of(error.get("field"))} if isinstance(error, dict) else error
                      for error in problem.errors]
    return problem


@bp.get("/verify")
@estate_needed
def verify():
    """The hash chain of the estate's permanent record recomputed (tamper evidence): how many
    records were checked and the first that does not hold, if any."""
    result = g.api.get(g.api.estate(g.user.estate_id, "archive/verify"))
    return render_template("archive/verify.html", result=result)


def correction_text(key, value):
    """A record's value as its correction form shows it: an amount (``*_cents``) in yuan, a time
    (``*_at``) on the estate's clock, a text as it is, anything else (a number, yes/no, a list,
    nothing) as JSON. The form showed ``amount_cents: 425000`` and UTC times with the record's
    field codes (found by review)."""
    if key.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        return i18n.yuan_text(value)
    moment = i18n.parse_time(value) if key.endswith("_at") and isinstance(value, str) else None
    if moment is not None:
        local = moment.astimezone(i18n.display_zone())
        return local.strftime("%Y-%m-%d %H:%M:%S" if local.second or local.microsecond else "%Y-%m-%d %H:%M")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class Unreadable(ValueError):
    """A correction's field that does not read: ``key`` and the message that says why."""

    def __init__(self, key, message_key="archive.not_json"):
        super().__init__(key)
        self.key, self.message_key = key, message_key


def _typed_value(key, text, original):
    """What the form typed for ``key`` as the record keeps it: ``Unreadable`` when it does not read."""
    if key.endswith("_cents") and isinstance(original, int) and not isinstance(original, bool):
        cents = i18n.cents_from_yuan(text)
        if cents is None:
            raise Unreadable(key)
        return cents
    if key.endswith("_at") and isinstance(original, str) and i18n.parse_time(original) is not None:
        try:
            local = datetime.fromisoformat(text.strip())
        except ValueError:
            raise Unreadable(key) from None
        moment = (local.replace(tzinfo=i18n.display_zone()) if local.tzinfo is None else local).astimezone(timezone.utc)
        milliseconds = f".{moment.microsecond // 1000:03d}" if "." in original else ""
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + milliseconds + "Z"
    if isinstance(original, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise Unreadable(key) from None


def corrected_data(form, original):
    """A correction's content from its form: each field of the record (``field.<key>``), a value
    left as shown kept exactly as the record has it, a changed one read the way it was shown
    (``_typed_value``), one ticked ``remove.<key>`` left out, and the ``key: value`` lines of
    ``added`` as new texts (a key the record has is ``Unreadable``: it is changed above). Read
    back as text, ``425000`` became ``"425000"`` and ``false`` the language's "No" in the
    permanent record (found by review). A browser sends a text box's line breaks as CRLF: a
    text is compared and kept with LF, as the record has it."""
    data = {}
    for key, value in original.items():
        if form.get(f"remove.{key}"):
            continue
        text = form.get(f"field.{key}")
        if text is not None and isinstance(value, str):
            text = text.replace("\r\n", "\n")
        if text is None or text == correction_text(key, value):
            data[key] = value
        else:
            data[key] = _typed_value(key, text, value)
    for line in (form.get("added") or "").splitlines():
        key, sep, value = line.partition(":")
        key = key.strip()
        if key in original:
            raise Unreadable(key, "archive.added_exists")
        if key:
            data[key] = value.strip() if sep else ""
    return data


@bp.post("/records/<record_id>/corrections")
@estate_needed
def correct(record_id):
    """A correction: a new chained record pointing to this one, whose content is the form's fields
    (``corrected_data``; the original record is never changed)."""
    form = request.form
    back = url_for("archive.records", **common.query("subject_id", "subject_type", "household_id", "from", "to",
                                                     "building", "unit", "room"))
    try:
        data = corrected_data(form, json.loads(form.get("original") or "{}"))
    except Unreadable as bad:
        message = i18n.translate(bad.message_key, key=i18n.field_name(bad.key))
        common.show_problem(ApiProblem(400, message, errors=[{"field": f"data.{bad.key}", "message": message}]))
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
    items = (page or {}).get("items")
    labels = subjects.SubjectLabels()
    return render_template("archive/borrow.html", borrow=borrow, spec=BORROW_REGISTER,
                           subject_shown=labels.get(borrow.get("subject_type"), borrow.get("subject_id")),
                           record_facts=labels.facts,
                           record_shown=_borrowed_record(borrow, items),
                           actions=registers.offered(BORROW_REGISTER), closed=closed,
                           items=items, next_cursor=(page or {}).get("next_cursor"),
                           record_subject=labels.of_record,
                           problem=common.take_problem())


def _borrowed_record(borrow, opened):
    """The one record a borrow request asks for, to name it by its event and time (its id was shown:
    review): among the records it opens (``opened``), else among its subject's for one who lists
    those (one page); None when neither has it."""
    record_id = borrow.get("record_id")
    if not record_id:
        return None
    found = next((record for record in opened or () if record.get("id") == record_id), None)
    if found is None and borrow.get("subject_id") and permissions.may("GET", "archive/records"):
        page = common.optional_read("archive/records", subject_id=borrow["subject_id"], limit=common.LARGEST_PAGE)
        found = next((record for record in (page or {}).get("items", []) if record.get("id") == record_id), None)
    return found
