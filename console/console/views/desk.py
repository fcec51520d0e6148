"""Front desk: register a request, the register with filters, a request's detail and handling; the
owners still to contact this month."""
import base64
from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from .. import i18n, menu, permissions
from ..menu import MANAGEMENT
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common
from .register_specs import FAULT_DONE

bp = Blueprint("desk", __name__, url_prefix="/desk")

KINDS = ("consultation", "repair", "complaint", "suggestion", "praise")
CHANNELS = ("phone", "walk_in", "letter", "fax", "app")
STATUSES = ("open", "verified", "escalated", "dispatched", "completed", "visited", "follow_up", "replied", "closed")
NATURES = ("service_attitude", "repair_quality", "fees", "security", "cleaning", "greening", "parking", "noise",
           "facilities", "neighbours", "other")
CATEGORIES = ("water", "drainage", "power", "gas", "heating", "ventilation", "elevator", "fire", "smart_systems",
              "doors_windows", "walls_roof", "other")
# an emergency's own category (EmergencyCategory, 抢险类别): the desk's emergency repair names it, as a
# manager's mark-emergency does (the engineering screens take it from here)
EMERGENCY_CATEGORIES = ("water_mains", "gas", "power", "flooding", "elevator_entrapment")
FILTERS = ("kind", "status", "from", "to", "overdue", "escalated", "return_visit_overdue", "judged", "verified",
           "household_id", "number", "urgency", "call_back", "matched", "handler", "closed", "follow_up_overdue",
           "q")  # q: the words of the request ("the water leak I called about"), the API's search of its text
# the kinds of a call that names a planned cut's notice (ServiceRequestCreate's outage_notice_id)
OUTAGE_CALL_KINDS = ("consultation", "complaint")
# action -> (the body field the form fills, required)
ACTIONS = {"verify": "finding", "escalate": "reason", "reply": "message", "close": "outcome", "reopen": "reason",
           "withdraw": "reason"}  # withdraw: 撤诉, the owner gives his complaint up
ATTEMPT_METHODS = ("phone", "visit", "message")
# what a verification found caused the complaint (the quarterly analysis groups by it)
CAUSES = ("staff_conduct", "service_standard", "process", "contractor", "facility_defect", "owner_misunderstanding",
          "third_party", "other")
# the department the complaint was about (责任部门: the quarterly analysis groups by it too)
DEPARTMENTS = ("customer_service", "engineering", "security", "environment", "finance", "administration", "other")


@bp.get("/requests/new")
@estate_needed
def new_request():
    search = common.query("building", "unit", "room")
    households = common.households_matching(**search) if search else []
    return _new_request_page(search, households, common.form_key(), request.args, common.take_problem())


@bp.post("/requests/new/phone")
@estate_needed
def find_by_phone():
    """The caller's household found by the number he rings from (a call often gives only that):
    the households the API finds it on, each with who has it, to pick from; the number is kept as
    the caller's phone (``contact``). A POST: the number in no URL."""
    phone, found, problem = common.phone_searched()
    if problem:
        return _new_request_page({}, [], common.form_key(), {}, problem, phone=phone), problem.status
    return _new_request_page({}, [match["household"] for match in found], common.form_key(),
                             {"contact_phone": common.address_typed(phone)}, None, phone=phone, phone_found=found)


def _new_request_page(search, households, key, form, problem, phone="", phone_found=None, definitions=None):
    return render_template("desk/new_request.html", search=search, households=households, kinds=KINDS,
                           faults_in_hand=_faults_in_hand(), cuts=_cuts_on_the_board(),
                           channels=CHANNELS, natures=NATURES, categories=CATEGORIES, key=key, form=form,
                           emergency_categories=EMERGENCY_CATEGORIES, neighbours=_neighbours(households, form),
                           problem=problem, phone=phone, phone_found=phone_found, **_flat_requests(households),
                           phone_matches={match["household"]["id"]: match for match in phone_found or ()},
                           custom_definitions=definitions if definitions is not None
                           else common.custom_fields("service_request"))


FLAT_RECENT = 10  # the flat's requests the form lists, newest first


def _neighbours(households, form):
    """What a neighbour dispute's other household (纠纷对方房屋, ``other_household_id``) is picked from,
    as the registers pick a household (``common.household_labels``: a list to choose from, or the
    address typed where the estate has more households than one list holds): the estate's households
    but the complainant's own (the one the search found, or the form names), which the API refuses.
    The API took it and the console could not name it (h5 of session 55)."""
    labels = common.household_labels(sort="address")  # 3-1-201 before 3-1-1001, as the search's
    own = {form.get("household_id")} | ({households[0]["id"]} if len(households) == 1 else set())
    return common.HouseholdLabels({key: name for key, name in labels.items() if key not in own},
                                  complete=getattr(labels, "complete", True))


def _faults_in_hand():
    """The work orders in hand that a call may join (``joins_work_order_id``): those not opened
    from a household's repair (an incident's, a patrol's, an inspection's, a plan's: a common
    area's fault, 停水) and not completed nor cancelled (``open``), one page. The desk taking the
    fortieth call about a burst main picks its order, and the call opens no order, visit or late
    repair of its own (a probe of a Saturday night, h6). Empty where they cannot be read. The page
    read every order, oldest first, and dropped the done ones: a year on, the burst main's new order
    was behind 200 done ones (found by review r2)."""
    page = common.optional_read("work-orders", exclude_source_type="service_request", open="true",
                                limit=common.LARGEST_PAGE)
    return [order for order in (page or {}).get("items") or () if order.get("status") not in FAULT_DONE]



def _cuts_on_the_board():
    """The notices of planned cuts (计划停水停电, ``outage``) on the board now, one page, that a call
    about a cut names (``outage_notice_id``): forty no-water calls are each answered by the notice,
    not forty repairs. Empty where they cannot be read."""
    page = common.optional_read("notices", current="true", limit=common.LARGEST_PAGE)
    return [notice for notice in (page or {}).get("items") or () if notice.get("outage")]


def _flat_requests(households):
    """What the form for one flat (the search found one household) shows before anything is filed
    again: its recent requests (number, kind, status, who raised it: a caller asking after his
    repair is answered from here), and the owner-portal filings at its address not matched yet.
    A walk-in owner's repair filed on the portal that morning waits unmatched (household_id null),
    and the desk registered it a second time, two work orders for one leak (a probe of the front
    desk's day): the clerk opens the filing and matches it instead. None of either for a search
    that found several flats, or where the list cannot be read (the form shows as before)."""
    if len(households) != 1:
        return {"flat_recent": None, "flat_filings": None}
    household = households[0]
    path = "service-requests"
    recent = (common.optional_read(path, household_id=household["id"], limit=FLAT_RECENT) or {}).get("items")
    # the filings waiting for the desk are a short queue (the start page counts them): one page of it
    waiting = (common.optional_read(path, matched="false", limit=common.LARGEST_PAGE) or {}).get("items") or []
    filings = [item for item in waiting if common.same_address(household, (item.get("portal") or {}).get("address"))]
    return {"flat_recent": recent, "flat_filings": filings}


@bp.post("/requests")
@estate_needed
def create_request():
    form = request.form
    body = {"kind": form.get("kind", ""), "household_id": form.get("household_id", ""),
            "channel": form.get("channel", ""), "description": form.get("description", "").strip()}
    if form.get("emergency") == "on" and body["kind"] == "repair":
        body["emergency"] = True
        if form.get("emergency_category", "").strip():  # the emergency's own category (抢险类别, h5's B6)
            body["emergency_category"] = form["emergency_category"].strip()
    if form.get("joins_work_order_id", "").strip() and body["kind"] == "repair":
        body["joins_work_order_id"] = form["joins_work_order_id"].strip()
    # 计划停水停电 (h7): a call about a cut on the board names its notice (a consultation is answered
    # by it, a complaint is of it); a repair the desk judged the flat's own during a cut says so, else
    # the API refuses it (409) while the cut stands: the form offered neither (found by r7 reviewing h7)
    if form.get("outage_notice_id", "").strip() and body["kind"] in OUTAGE_CALL_KINDS:
        body["outage_notice_id"] = form["outage_notice_id"].strip()
    if form.get("own_fault") == "on" and body["kind"] == "repair":
        body["own_fault"] = True
    # staff_named: the staff member it is about (被投诉员工, found by review r2 of h2)
    optional = ("complainant", "reference", "nature", "summary", "staff_named") if body["kind"] == "complaint" else \
        ("category",) if body["kind"] == "repair" else ()
    body.update({name: form[name].strip() for name in optional if form.get(name, "").strip()})
    if body["kind"] == "complaint" and form.get("other_household_id", "").strip():
        # a neighbour dispute's other household: picked from the list, or its address typed (10-1-0103)
        body["other_household_id"] = common.household_typed(form["other_household_id"])
    contact = _caller(form)
    if contact:
        body["contact"] = contact
    definitions = common.custom_fields("service_request")
    custom = common.custom_from_form(definitions, form)
    if custom:
        body["custom"] = custom
    related = common.address_typed(form.get("related_number"))
    try:
        if related:
            body["related_request_id"] = _numbered(related)
        created = g.api.post(g.api.estate(g.user.estate_id, "service-requests"), body,
                             idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        search = {k: form.get(k, "") for k in ("building", "unit", "room") if form.get(k)}
        households = common.households_matching(**search) if search else []
        phone, found = form.get("phone", "").strip(), None
        if phone and not search:  # the households were found by the caller's phone: found again
            found = common.households_by_phone(phone)
            households = [match["household"] for match in found]
        return _new_request_page(search, households, form.get("idempotency_key") or common.form_key(), form,
                                 problem, phone=phone, phone_found=found, definitions=definitions), problem.status
    common.done("desk.registered", number=created.get("number", ""))
    return redirect(url_for("desk.request_detail", request_id=created["id"]))


def _caller(form):
    """Who called or came in (``contact``: a name, a phone, either or both as typed; nothing when
    both are blank), any kind. Prefilled from nothing: the household's owner is not who called
    (a consultation 王五 made read as the new owner 孙八's: a probe of the front desk's day). The
    phone as the API's pattern reads it: a Chinese keyboard's full-width digits as ASCII, as the
    visitor register's and the portal's (NFKC)."""
    typed = {"name": form.get("contact_name", "").strip(), "phone": common.address_typed(form.get("contact_phone"))}
    return {name: value for name, value in typed.items() if value}


def raised_by(item):
    """Who raised the request: its ``contact`` (the desk's caller, a portal filer), or a portal
    filing's contact kept before requests had one; None when nobody was recorded (never the
    household's owner as it is now)."""
    return item.get("contact") or (item.get("portal") or {}).get("contact") or None


def _numbered(number):
    """The id of the estate's request numbered ``number`` as the owner quotes it (SR-2026-3): the
    request a new one follows on the same matter (``related_request_id``: a complaint about a
    consultation's answer counts against consultation accuracy). A refusal names the form's field."""
    try:
        found = common.numbered("service-requests", number)
    except ApiProblem as problem:
        if problem.status != 400:
            raise
        problem.errors = [{**error, "field": "related_number"} for error in problem.errors]
        raise
    if found is None:
        message = i18n.translate("sr.related_unknown")
        raise ApiProblem(422, message, code="business_rule", errors=[{"field": "related_number", "message": message}])
    return found["id"]


@bp.get("/requests")
@estate_needed
def register():
    filters = common.query(*FILTERS)
    page = common.filtered_page(g.api.estate(g.user.estate_id, "service-requests"), filters)
    items = page.get("items", [])
    for item in items:
        item["_badge"] = _badge(item)
        item["_visit_badge"] = common.deadline_state(item.get("return_visit_due_at"), item.get("completed_at"))
        item["_raised_by"] = raised_by(item)  # who called (报事人), as the request's page says
    return render_template("desk/register.html", items=items, next_cursor=page.get("next_cursor"),
                           filters=filters, kinds=KINDS, statuses=STATUSES, households=common.household_labels(),
                           me=g.user.username, problem=common.take_problem())


def _review_notes(review):
    """The engineering review's notes (why rejected, what to watch) of an application's ``review``:
    those it holds (reviewed before h8), else read at the review it names (``review_id``: they left
    the bus, which every consumer and webhook subscriber reads), as the gateway answers them (masked
    by role). None when there are none, the user may not read the review, or it cannot be read now:
    the decision is shown without them."""
    if not review:
        return None
    if review.get("notes") or not review.get("review_id"):
        return review.get("notes") or None
    if not permissions.may("GET", "renovation-reviews/{review_id}"):
        return None
    try:
        return g.api.get(g.api.estate(g.user.estate_id, f"renovation-reviews/{review['review_id']}")).get("notes")
    except ApiProblem:
        return None


@bp.get("/applications/<item_id>")
@estate_needed
def application_detail(item_id):
    """A move-in, renovation or move-out application: its fees, its withdrawal (why, by whom, when)
    and its history, with the steps its state allows (the register's actions). The register
    showed only its status: nobody could see why an application was withdrawn (found by a probe)."""
    from . import registers
    from .register_specs import BY_SLUG
    spec = BY_SLUG["applications"]
    item = g.api.get(g.api.estate(g.user.estate_id, f"applications/{item_id}"))
    return render_template("desk/application.html", item=item, spec=spec, actions=registers.offered(spec),
                           review_notes=_review_notes(item.get("review")),
                           household=common.household_or_none(item["household_id"]), problem=common.take_problem())


@bp.get("/requests/<request_id>")
@estate_needed
def request_detail(request_id):
    item = g.api.get(g.api.estate(g.user.estate_id, f"service-requests/{request_id}"))
    household, candidates, filed_id = None, [], None
    if item.get("household_id"):
        household = common.household_or_none(item["household_id"])
    elif item.get("portal"):  # an owner-portal request nobody lives at as written: the desk matches it
        address = item["portal"]["address"]
        candidates = common.households_matching(building=address["building"], unit=address["unit"])
        # the room the owner wrote first and chosen (none was, and one misclick sent a repair to a
        # neighbour for good: found by a probe), read in its common forms (1201室 is 1201); chosen
        # only when one household is at it, else the desk picks (a flat registered twice, 3 and 3栋)
        at_filed = [h for h in candidates if common.same_room(h, str(address.get("room") or ""))]
        candidates = at_filed + [h for h in candidates if h not in at_filed]
        filed_id = at_filed[0]["id"] if len(at_filed) == 1 else None
    # the household named wrongly, corrected: the households found by the search on this page
    correctable = _correctable(item)
    fix_search = common.query("building", "unit", "room") if correctable else {}
    fix_candidates = [h for h in common.households_matching(**fix_search) if h["id"] != item.get("household_id")] \
        if fix_search else []
    related_number = common.number_of(f"service-requests/{item['related_request_id']}") \
        if item.get("related_request_id") else None
    # 转交: to a colleague picked from those the handover accepts (typed when the list cannot be read)
    may_transfer = item.get("status") != "closed" and permissions.may("POST", "service-requests/{request_id}/transfer")
    # 并入故障工单: a repair registered before its fault's order existed, its own work not started (h7)
    may_join = (item.get("kind") == "repair" and item.get("status") in ("open", "dispatched")
                and not item.get("joins_work_order_id") and not item.get("started_at")
                and permissions.may("POST", "service-requests/{request_id}/join"))
    faults = [order for order in _faults_in_hand() if order["id"] != item.get("work_order_id")] if may_join else []
    return render_template("desk/request.html", item=item, raised_by=raised_by(item),
                           badge=_badge(item), verify_badge=_verify_badge(item),
                           related_number=related_number, **_work_orders(item),
                           # a neighbour dispute's other household as its flat (3-1-1302), not its id
                           other_household=common.household_label(common.household_or_none(other))
                           if (other := (item.get("complaint") or {}).get("other_household_id")) else None,
                           candidates=candidates, filed_id=filed_id, categories=CATEGORIES,
                           emergency_categories=EMERGENCY_CATEGORIES,
                           correctable=correctable, fix_search=fix_search, fix_candidates=fix_candidates,
                           visit_badge=common.deadline_state(item.get("return_visit_due_at"), item.get("completed_at"))
                           if item.get("return_visit_due_at") and item.get("status") == "completed" else None,
                           key=common.form_key(), custom_definitions=common.custom_fields("service_request"),
                           contact_fields=_contact_fields(), may_call_back=permissions.may("POST", "owner-contacts"),
                           form=common.custom_form(item),
                           household=household, problem=common.take_problem(), actions=_actions_shown(item),
                           history=common.households_shown(item.get("history") or [], {
                               item["household_id"]: common.household_label(household)} if household else None),
                           attempt_methods=ATTEMPT_METHODS, causes=CAUSES, departments=DEPARTMENTS, text_fields=ACTIONS,
                           may_transfer=may_transfer, may_reclassify=(reclassifiable := _reclassifiable(item)),
                           kinds=KINDS,
                           # 计划停水停电: the cuts a consultation (or complaint) reclassified may name (h4)
                           cuts=_cuts_on_the_board() if reclassifiable and item.get("kind") != "consultation" else [],
                           may_join=may_join, faults=faults,
                           natures=NATURES,
                           colleagues=common.usernames("desk-colleagues") if may_transfer else [],
                           may_judge=item.get("kind") == "complaint"
                           and permissions.may("POST", "service-requests/{request_id}/judge"))


def _work_orders(item):
    """The request's work orders as its page names them: ``orders``, each by its number and status
    (the request names its first only, and a return visit's follow-ups were in its history alone: a
    probe of the console's small gaps), None where the list cannot be read, and then the first
    by its number (``order_number``, one call) or id; ``order_pending``, a repair of a household
    whose order is not there yet. Maintenance opens it from the request's event and the request
    learns it from the order's: right after registering, the page named none until a reload, and
    the clerk telling the caller its number read nothing (a probe of the front desk's day). The
    list is read for it too (maintenance's, before the request has heard)."""
    pending = item.get("kind") == "repair" and bool(item.get("household_id")) and item.get("status") == "open" \
        and not item.get("work_order_id")
    orders = None
    if (item.get("work_order_id") or pending) and permissions.may("GET", "work-orders"):
        orders = (common.optional_read("work-orders", request_id=item["id"], limit=common.LARGEST_PAGE) or {}).get("items")
    order_number = common.number_of(f"work-orders/{item['work_order_id']}") \
        if item.get("work_order_id") and not orders else None
    return {"orders": orders, "order_number": order_number, "order_pending": pending and not orders}


@bp.get("/requests/<request_id>/work-order")
@estate_needed
def request_work_order(request_id):
    """The request page's work-order part alone, which the console's script reads again while the
    order is being opened (``data-await-order``), and puts in place once it names one."""
    item = g.api.get(g.api.estate(g.user.estate_id, f"service-requests/{request_id}"))
    return render_template("desk/_work_order.html", item=item, **_work_orders(item))


@bp.post("/requests/<request_id>/judge")
@estate_needed
def judge(request_id):
    """The manager's judgement whether a complaint was justified, closed or not."""
    return common.post_and_back(f"service-requests/{request_id}/judge", {"valid": request.form.get("valid") == "true"},
                                url_for("desk.request_detail", request_id=request_id), "sr.judged")


@bp.post("/requests/<request_id>/custom")
@estate_needed
def request_custom(request_id):
    """The request's custom values after its registration: ``POST …/service-requests/{id}/custom``."""
    return common.save_custom("service_request", f"service-requests/{request_id}/custom",
                              url_for("desk.request_detail", request_id=request_id))


@bp.post("/requests/<request_id>/transfer")
@estate_needed
def request_transfer(request_id):
    """转交: the request handed to a colleague of the desk (a steward, the supervisor), who finds it on
    his start page (``todo.handed_to_me``); a name that is no colleague comes back refused, as typed."""
    form = request.form
    body = {"handler": form.get("handler", "").strip()}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    back = url_for("desk.request_detail", request_id=request_id)
    return common.post_and_back(f"service-requests/{request_id}/transfer", body, back, "desk.done_transfer",
                                typed=common.row_form_to_keep(request_id, "transfer"))


@bp.post("/requests/<request_id>/join")
@estate_needed
def request_join(request_id):
    """并入故障工单: the repair joins the fault's order picked (``POST …/service-requests/{id}/join``);
    refused (its own work started, the order done), the page again with the refusal."""
    body = {"work_order_id": request.form.get("work_order_id", "").strip()}
    back = url_for("desk.request_detail", request_id=request_id)
    return common.post_and_back(f"service-requests/{request_id}/join", body, back, "desk.done_join",
                                typed=common.row_form_to_keep(request_id, "join"))


def _reclassifiable(item):
    """Whether the page offers to change the request's kind (改类), as the service allows it: open, not
    answered, no work on it started, and a repair not sent to maintenance yet (an unmatched portal
    filing); its 409 otherwise."""
    return bool(item.get("status") == "open" and not item.get("answered_at") and not item.get("started_at")
                and (item.get("kind") != "repair" or not item.get("household_id"))
                and permissions.may("POST", "service-requests/{request_id}/reclassify"))


# the fields of the new kind a reclassification sends, as the registration form does (whom a complaint
# is about too, and a neighbour dispute's other household below: found by review r5)
RECLASSIFY_FIELDS = {"complaint": ("complainant", "nature", "staff_named"), "repair": ("category",)}


@bp.post("/requests/<request_id>/reclassify")
@estate_needed
def request_reclassify(request_id):
    """改类: a request registered as the wrong kind (a consultation that is a repair) takes the kind it
    is, with the reason, and that kind's fields alone (a category typed for a repair and then a
    complaint chosen is not sent); a refusal comes back over the form as typed."""
    form = request.form
    kind = form.get("kind", "").strip()
    body = {"kind": kind, "reason": form.get("reason", "").strip()}
    body.update({name: form[name].strip() for name in RECLASSIFY_FIELDS.get(kind, ()) if form.get(name, "").strip()})
    if kind == "repair" and form.get("own_fault") == "on":  # the refusal during a cut tells the desk to (h10)
        body["own_fault"] = True
    if kind in OUTAGE_CALL_KINDS and form.get("outage_notice_id", "").strip():
        # 计划停水停电: a call about a planned cut, its notice named (the repair the desk was warned of: h4)
        body["outage_notice_id"] = form["outage_notice_id"].strip()
    if kind == "complaint" and form.get("other_household_id", "").strip():
        # a neighbour dispute's other household, its address typed (3-1-1302) as the registration's past one list
        body["other_household_id"] = common.household_typed(form["other_household_id"])
    back = url_for("desk.request_detail", request_id=request_id)
    return common.post_and_back(f"service-requests/{request_id}/reclassify", body, back, "desk.done_reclassify",
                                typed=common.row_form_to_keep(request_id, "reclassify"))


@bp.post("/requests/<request_id>/<action>")
@estate_needed
def request_action(request_id, action):
    if action not in ACTIONS:
        return redirect(url_for("desk.request_detail", request_id=request_id))
    form = request.form
    body = {}
    text = form.get("text", "").strip()
    if text or action != "close":
        body[ACTIONS[action]] = text
    if form.get("valid") in ("true", "false") and action in ("reply", "close"):
        body["valid"] = form["valid"] == "true"
    satisfaction = common.whole_number(form.get("satisfaction"))
    if action == "close" and satisfaction is not None:
        body["satisfaction"] = satisfaction
    # what the investigation found: with the verification, or with a complaint's reply that records
    # what its verification left out (a complaint verified by its reply has neither)
    if action in ("verify", "reply") and form.get("cause") in CAUSES:
        body["cause"] = form["cause"]
    if action in ("verify", "reply") and form.get("department") in DEPARTMENTS:
        body["department"] = form["department"]
    if action == "close" and form.get("no_visit_reason") == "occupant_unreachable":
        body["no_visit_reason"] = "occupant_unreachable"
    back = url_for("desk.request_detail", request_id=request_id)
    if action == "close" and not common.confirmed():  # closed is for good: no reply, no change after it
        return common.refuse_unconfirmed(back, common.row_form_to_keep(request_id, action))
    # a refused reply or outcome comes back as typed (it was lost: found by review)
    return common.post_and_back(f"service-requests/{request_id}/{action}", body, back, f"desk.done_{action}",
                                typed=common.row_form_to_keep(request_id, action))


def _correctable(item):
    """Whether the page offers to correct the request's household: it names one, is open, and no
    work on it started (the API's 409s otherwise)."""
    return bool(item.get("household_id") and item.get("status") != "closed" and not item.get("started_at")
                and permissions.may("POST", "service-requests/{request_id}/household"))


@bp.post("/requests/<request_id>/household")
@estate_needed
def match_household(request_id):
    """An unmatched owner-portal request gets its household, and a repair its category, which the
    portal does not ask (its repair then goes to engineering); a household named wrongly is
    corrected, with the reason."""
    back = url_for("desk.request_detail", request_id=request_id)
    body = {"household_id": request.form.get("household_id", "").strip()}
    for name in ("category", "reason"):
        if request.form.get(name, "").strip():
            body[name] = request.form[name].strip()
    # whether the repair is an emergency (抢险): asked when the filer marked it urgent, offered otherwise
    if request.form.get("emergency") in ("true", "false"):
        body["emergency"] = request.form["emergency"] == "true"
    if request.form.get("own_fault") == "on":  # 计划停水停电: the flat's own fault, though a cut stands (h3)
        body["own_fault"] = True
    if body.get("emergency") is True and request.form.get("emergency_category", "").strip():
        body["emergency_category"] = request.form["emergency_category"].strip()  # 抢险类别 (h5's B6)
    done = "desk.done_correct" if "reason" in request.form else "desk.done_match"
    return common.post_and_back(f"service-requests/{request_id}/household", body, back, done)


@bp.post("/requests/<request_id>/return-visits")
@estate_needed
def return_visit(request_id):
    form = request.form
    back = url_for("desk.request_detail", request_id=request_id)
    satisfaction = common.whole_number(form.get("satisfaction"))
    # each answer chosen by the person who made the call: none is assumed (a form that preselected
    # 5 and "confirmed" recorded 5/5 on a hurried save: found by a probe)
    missing = [name for name, given in (("satisfaction", satisfaction is not None),
                                        ("charge_confirmed", not form.get("charge_asked")
                                         or form.get("charge_confirmed") in ("true", "false"))) if not given]
    if missing:
        message = i18n.translate("error.choose_one")
        common.show_problem(ApiProblem(400, message, errors=[{"field": name, "message": message} for name in missing]))
        common.keep_typed(request_id, "visit")
        return redirect(back)
    body = {"satisfaction": satisfaction, "problem_found": form.get("problem_found") == "on"}
    if form.get("notes", "").strip():
        body["notes"] = form["notes"].strip()
    if form.get("charge_confirmed") in ("true", "false"):  # asked when the work carried a charge
        body["charge_confirmed"] = form["charge_confirmed"] == "true"
        if form.get("confirmed_by", "").strip():
            body["occupant_confirmation"] = {"method": form.get("confirmation_method") or "verbal",
                                             "name": form["confirmed_by"].strip()}
    return common.post_and_back(f"service-requests/{request_id}/return-visits", body, back, "desk.done_visit",
                                idempotency_key=form.get("idempotency_key") or None)


@bp.post("/requests/<request_id>/return-visit-attempts")
@estate_needed
def return_visit_attempt(request_id):
    """The occupant could not be reached for the repair's return visit (after the estate's number
    of attempts the repair may close unvisited)."""
    form = request.form
    back = url_for("desk.request_detail", request_id=request_id)
    body = {"method": form.get("method", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    return common.post_and_back(f"service-requests/{request_id}/return-visit-attempts", body, back,
                                "desk.done_attempt")


def _actions_shown(item):
    """The handling forms offered to the user's roles (``permissions.may``): the service decides
    what the state allows (an illegal step is a 409, shown as its problem), so the console only
    leaves out what never applies to the kind, and what the user may not send."""
    return tuple(action for action in _actions_of(item)
                 if permissions.may("POST", f"service-requests/{{request_id}}/{action}"))


# The steps each status of a request allows, as customer-service's table says (its
# ``domain.TRANSITIONS``; an open complaint was offered "reply", which the API refused with a
# 409 and the typed reply was lost: found by review). A repair's work is done in engineering;
# the desk closes it after its return visit (``visited``), or, still ``completed``, without the
# visit once the occupant could not be reached (``_closable_unvisited``).
_STEPS = {
    "complaint": {"open": ("verify", "escalate", "withdraw"), "verified": ("escalate", "reply", "withdraw"),
                  "escalated": ("verify", "reply", "withdraw"), "replied": ("escalate", "reopen", "close", "withdraw"),
                  "closed": ("reopen",)},  # 复诉: the owner not satisfied with the reply or the result
    "repair": {"visited": ("close",), "completed": ("close",)},
    "consultation": {"open": ("reply", "close"), "replied": ("reopen", "close")},  # reopen: not settled
    "suggestion": {"open": ("reply", "close"), "replied": ("close",)},
    "praise": {"open": ("reply", "close"), "replied": ("close",)},
}
# customer-service's rule: an escalated complaint is answered and closed by management
_MANAGER_ONLY_WHEN_ESCALATED = ("reply", "close", "withdraw")


def _actions_of(item):
    steps = _STEPS.get(item.get("kind"), {}).get(item.get("status"), ())
    if (item.get("complaint") or {}).get("escalated"):  # escalated once (a second is a 409)
        steps = tuple(step for step in steps if step != "escalate")
        if not set(g.user.roles) & menu.MANAGEMENT:
            steps = tuple(step for step in steps if step not in _MANAGER_ONLY_WHEN_ESCALATED)
    if item.get("kind") == "complaint" and item.get("status") == "escalated":
        # escalated before or after its verification: a complaint is verified once, and verified
        # before it is replied to (both forms were offered, and one always met a 409)
        verified = bool((item.get("complaint") or {}).get("verified_at"))
        steps = tuple(step for step in steps if step != ("verify" if verified else "reply"))
    if item.get("kind") == "repair" and item.get("status") == "completed" and not _closable_unvisited(item):
        steps = tuple(step for step in steps if step != "close")
    return steps


def _closable_unvisited(item):
    """A completed repair closes without its return visit when the occupant could not be reached
    since the work was done; one owed a visit for sure (a repeated or emergency repair) is then
    closed by a manager only (the service's 409 for the desk). The service counts the attempts
    against the estate's number (a 422 with too few)."""
    if item.get("return_visit_required") and not MANAGEMENT & set(g.user.roles):
        return False
    return any(attempt.get("work_completed_at") == item.get("completed_at")
               for attempt in item.get("return_visit_attempts") or [])


def _badge(item):
    if item.get("status") == "closed" or item.get("answered_at"):
        return None
    return common.deadline_state(item.get("due_at"), item.get("created_at"))


def _verify_badge(item):
    complaint = item.get("complaint") or {}
    if not complaint or complaint.get("verified_at") or item.get("status") != "open":
        return None
    return common.deadline_state(complaint.get("verify_due_at"), item.get("created_at"))


@bp.get("/portal-qr")
@estate_needed
def portal_qr():
    """The owner portal's QR code for the estate's notices, or one building's (the gateway draws
    it: ``GET …/portal-qr?building=``), shown to print."""
    building = request.args.get("building", "").strip()
    svg = g.api.get_bytes(g.api.estate(g.user.estate_id, "portal-qr"), building=building or None)
    image = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    return render_template("desk/portal_qr.html", image=image, building=building)


# -- the owners still to contact this month (每月联系业主) ----------------------------------------
# The steward contacts each owner once a month (DOMAIN.md; the estate's owner_contacts_per_month):
# customer service lists the households short of it (GET …/owner-contacts/due, the contact rate's
# own rule), this month's or a past month's, and each row records a contact for its household. The
# contacts' register said who was contacted, never who was not (a probe of the steward's work).
def _contact_fields():
    """The contacts register's own fields of a contact (its channel, when, what was said): a row
    records one with them, its household and kind given."""
    from .register_specs import BY_SLUG
    spec = BY_SLUG["owner-contacts"]
    return tuple(f for f in spec.fields if f.name in ("channel", "contacted_at", "summary"))


def _month_asked():
    """The due list's month and building asked: a steward of his own buildings lists one (the
    estate's list was every steward's: a probe of the steward's month), kept from month to month."""
    period, building = request.args.get("period", "").strip(), request.args.get("building", "").strip()[:20]
    return ({"period": period} if common.MONTH.fullmatch(period) else {}) | ({"building": building} if building else {})


# -- the call back a low portal rating owes (回电) -------------------------------------------------
# An owner's portal rating at or below the estate's rating_call_back_max_score (1-2 of 5) counted in
# the satisfaction figures only, and nothing told the desk (a phone probe): the start page lists them
# (call_back=owed) and the request's page records the call as what it is, a contact with the owner
# (the owner contacts' register), about that request (its request_id), which the service records
# on the request as the call back done.
@bp.post("/requests/<request_id>/call-back")
@estate_needed
def record_call_back(request_id):
    from .registers import BadInput, body_of
    form = request.form
    back = url_for("desk.request_detail", request_id=request_id)
    item = g.api.get(g.api.estate(g.user.estate_id, f"service-requests/{request_id}"))
    try:
        body = {"household_id": item.get("household_id") or "", "kind": "steward_contact", "request_id": request_id,
                **body_of(_contact_fields(), form)}
    except BadInput as bad:
        common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
        common.keep_typed(request_id, "call_back")
        return redirect(back)
    return common.post_and_back("owner-contacts", body, back, "reg.created",
                                idempotency_key=form.get("idempotency_key") or None)


WEEK = common.WEEK


@bp.get("/week")
@estate_needed
def week():
    """客服周报: the desk's ISO week (``GET …/reports/desk-week``), this one unless one is asked, with
    links to the week before and after; a week counted by hand at the weekly meeting before (a probe
    of the front desk's week)."""
    asked = request.args.get("week", "").strip()
    today = datetime.now(timezone.utc).astimezone(i18n.display_zone()).date()
    chosen = asked if WEEK.match(asked) else "{0:04d}-W{1:02d}".format(*today.isocalendar()[:2])
    found = g.api.get(g.api.estate(g.user.estate_id, "reports/desk-week"), week=chosen)
    monday = date.fromisoformat(found["from"])
    before, after = ("{0:04d}-W{1:02d}".format(*(monday + timedelta(days=days)).isocalendar()[:2]) for days in (-7, 7))
    return render_template("desk/week.html", week=chosen, found=found, before=before, after=after,
                           kinds=KINDS)


@bp.get("/owner-contacts/due")
@estate_needed
def owner_contacts_due():
    """The households short of the month's contacts: the estate's current month (the API's, on its
    clock) unless a month is asked; the month before is a link away (who fell short)."""
    asked = _month_asked()
    page = g.api.get(g.api.estate(g.user.estate_id, "owner-contacts/due"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **asked)
    period = page.get("period") or asked.get("period") or common.this_month()
    year, month = int(period[:4]), int(period[5:7])
    before = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
    return render_template("desk/owner_contacts_due.html", page=page, items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters=asked, period=period, before=before,
                           fields=_contact_fields(), key=common.form_key(), problem=common.take_problem(),
                           may_record=permissions.may("POST", "owner-contacts"))


@bp.post("/owner-contacts/due")
@estate_needed
def record_due_contact():
    """A row's contact: the steward's (``steward_contact``) with its household, then back to the list,
    where a household that has its month's contacts is no longer."""
    from .registers import BadInput, body_of
    form, asked = request.form, _month_asked()
    household_id = form.get("household_id", "")
    back = url_for("desk.owner_contacts_due", **asked)
    typed = common.row_form_to_keep(household_id, "contact")
    try:
        body = {"household_id": household_id, "kind": "steward_contact", **body_of(_contact_fields(), form)}
    except BadInput as bad:
        common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
        session["typed"] = typed
        return redirect(back)
    return common.post_and_back("owner-contacts", body, back, "reg.created",
                                idempotency_key=form.get("idempotency_key") or None, typed=typed)


# -- the vacant units due an inspection (空置房定期巡察) ----------------------------------------
# The steward inspects the vacant units regularly (DOMAIN.md; seeds: 对空置房定期巡察): archive lists
# those not inspected within the estate's vacant_inspection_interval_days (GET …/vacant-inspections/
# due), the longest overdue first; each row leads to its household's inspection form, which comes
# back here once it is recorded (``households.BACK_TO``). Inspections were recorded and nothing said
# which units were due one (a domain-gap audit).
@bp.get("/vacant-inspections/due")
@estate_needed
def vacant_inspections_due():
    # one building's, as the owners not contacted: a steward's own (found by this session's probes)
    building = request.args.get("building", "").strip()[:20]
    filters = {"building": building} if building else {}
    page = g.api.get(g.api.estate(g.user.estate_id, "vacant-inspections/due"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    return render_template("desk/vacant_inspections_due.html", page=page, items=page.get("items", []),
                           next_cursor=page.get("next_cursor"), filters=filters,
                           may_record=permissions.may("POST", "households/{household_id}/vacant-inspections"))
