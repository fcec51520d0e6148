"""The owner portal (业主自助报事): a phone-first page, no account, in Chinese and English.

``/portal/<estate code>`` (``?building=`` fills the building in: what a building's QR code
opens, see the gateway's ``GET /api/v1/estates/{id}/portal-qr``) files a repair, complaint,
consultation, suggestion or praise through the gateway's public route; the answer's tracking
page (``/portal/track/<tracking code>``) shows the request's number and statuses and, once the
work is done, takes a 1-5 rating once. The page is a client of the public API only, like the
rest of the console: no token, the visitor's address passed on as ``X-Forwarded-For`` (counted
by the gateway's rate limits when it trusts the console, ``TRUSTED_PROXIES``). The hidden
``website`` field is the honeypot (the gateway refuses a filled one with 400). The form carries
an Idempotency-Key of its own (``form_key``), kept when it is shown again after a refusal: the
same form sent twice (a double tap, a reload) files one request and shows the same tracking code.

``/portal/<estate code>/disclosures`` lists the published ones, the newest first, each leading to
``/portal/<estate code>/disclosures/<period>``: the month's published income and expense
disclosure (收支公示) as owners read it: the public route's figures (no household, person or
staff name) in yuan, each fee item and cost by its label, in either language. The link the
accounts staff give owners led to the public route's JSON: escaped Chinese, English keys and
cents (a probe of month-end accounts); the JSON stays for systems.

``/portal/account/<code>`` is an owner's statement link (业主账单查询码, issued by the desk): the
household's bills, what it owes and the payments made, in yuan, no name or id.
"""
import hashlib
import json
import math
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import i18n
from ..gateway_api import ApiProblem, Gateway
from . import common

bp = Blueprint("portal", __name__, url_prefix="/portal")

KINDS = ("repair", "complaint", "consultation", "suggestion", "praise")
# what may be out in a flat (contracts/openapi.yaml's OutageUtility): what a planned cut cuts
UTILITIES = ("water", "power", "gas", "heating")
FIELDS = ("kind", "building", "unit", "room", "contact_name", "contact_phone", "description")
# the filings this browser made (``_key_for``): the last few are enough to catch a form sent again
FILED_SESSION_KEY = "portal_filed"
FILED_KEPT = 5
# a request's statuses once its work is done (contracts/openapi.yaml's ServiceRequestStatus)
DONE = ("completed", "visited", "replied", "closed")


@bp.context_processor
def _helpers():
    return {"retry_minutes": _retry_minutes, "progress": progress, "owner_status": owner_status, "tel": tel,
            "disclosure_of": disclosure_of}


def disclosure_of(period):
    """A published disclosure's title in the owner's words: a year's 年度, a quarter's 第 n 季度, where
    the page and the list said the API's "2026-Q4 收支公示" (review r11 of h11); a month as before."""
    if len(period) == 4:
        return i18n.translate("portal.disclosure_of_year", year=period)
    if period[5:6] == "Q":
        return i18n.translate("portal.disclosure_of_quarter", year=period[:4], quarter=period[6:])
    return i18n.translate("portal.disclosure_of", period=period)


# the estate's service-centre phone and 24-hour duty phone (archive's master data), which every
# public answer of an estate carries and every page of it shows (portal/layout.html's footer): the
# duty phone first, as it answers at night too
CENTRE_PHONES = ("duty_phone", "service_phone")


def tel(phone):
    """A ``tel:`` link's address for a phone as the API writes one (digits, spaces, dashes, a +):
    its groups joined by dashes, the visual separator RFC 3966 keeps."""
    return "tel:" + "-".join(phone.replace("-", " ").split())


def centre_phones(answer):
    """``[(name, phone)]`` of the estate's phones a public answer (or ``None``) gives, duty phone first."""
    return [(name, answer[name]) for name in CENTRE_PHONES if (answer or {}).get(name)]


# a status in the owner's words where the staff's tell him nothing ("已升级": where to?)
OWNER_STATUSES = {"escalated": "portal.status_escalated"}


def owner_status(status):
    """A request's status as its filer reads it: the staff's label, but where the owner's words differ."""
    return i18n.translate(OWNER_STATUSES[status]) if status in OWNER_STATUSES else i18n.label("status", status)


def progress(tracked):
    """The steps an owner follows a request by, oldest first: its statuses and, for a repair, its
    visit (the time agreed with the occupant or a new one, ``{visit, when}``; the technician on
    site). The page said "dispatched" until the work was done (the portal's gap noted last session).
    The visit is the one last agreed (``last_appointment``), which stays once the work is done: the
    time agreed left the steps then, "the technician came" standing alone; a gateway older than it
    answers the visit awaited alone (``appointment``), and one older than the visit neither: the
    statuses alone."""
    steps = [{"at": step["at"], "status": step["status"]} for step in tracked["history"]]
    visit = tracked.get("last_appointment") or tracked.get("appointment")
    if visit:
        steps.append({"at": visit["set_at"], "visit": "rescheduled" if visit["rescheduled"] else "appointed",
                      "when": visit["at"]})
    if tracked.get("on_site_at"):
        steps.append({"at": tracked["on_site_at"], "visit": "on_site"})
    return sorted(steps, key=lambda step: step["at"])  # stable: a status before a visit step of its moment


def _retry_minutes(retry_after):
    """A Retry-After's seconds as whole minutes, at least 1 (an owner was told only "try later")."""
    try:
        return max(1, math.ceil(int(retry_after) / 60))
    except (TypeError, ValueError):
        return 1


def _form_page(estate_code, estate, values, **more):
    """The form, new or shown again (``key``: the one it was sent with, ``problem``, ``notice``); the
    fields it shows carry their own errors, the box above it lists only the others."""
    return render_template("portal/form.html", estate_code=estate_code, estate=estate, values=values,
                           kinds=KINDS, utilities=UTILITIES, shown_fields=FIELDS, phones=centre_phones(estate), **more)


def _public_api():
    return Gateway(current_app.config["GATEWAY_URL"], None, i18n.language(),
                   session=current_app.extensions["console_http"], forwarded_for=request.remote_addr)


def _code(text):
    return quote(text, safe="")


@bp.get("/<estate_code>")
def form(estate_code):
    """The form under the estate's name; a link of no estate is the not-found page at once (the
    form was shown, and only filing it met "unknown": found by a probe)."""
    values = {"kind": "repair", "building": request.args.get("building", "")[:20]}
    return _page_of(lambda: _estate(estate_code), lambda estate: _form_page(estate_code, estate, values))


def _page_of(find, show):
    """``show(found)``; the portal's not-found page when ``find()`` finds nothing, its busy page
    when the gateway refuses for now."""
    try:
        found = find()
    except ApiProblem as problem:
        return _busy(problem)
    if found is None:
        return render_template("portal/unknown.html"), 404
    return show(found)


def _named(path, **params):
    """What a public path names, or None: a code of no estate's or request's shape names none
    either (the gateway's 400 showed the owner the staff's error page; found by a console probe)."""
    try:
        return _public_api().get(path, **params)
    except ApiProblem as problem:
        if problem.status in (400, 404):
            return None
        raise


def _estate(estate_code):
    """The estate a link names (``{code, name}``), or None."""
    return _named(f"/api/v1/public/estates/{_code(estate_code)}")


def _estate_shown(estate_code):
    """The estate above a form shown again after a refusal; None (no name) when it cannot be read now."""
    try:
        return _estate(estate_code)
    except ApiProblem:
        return None


# typed on a phone's Chinese keyboard: full-width digits, letters and dashes (１３８００１３８０００,
# ３-１-３０１), which the API's phone pattern refused ("格式不正确" under a number that looked right)
# and its address kept as typed, unlike the households' (found by a probe)
TYPED_AS_ASCII = ("building", "unit", "room", "contact_phone")


def _typed(form):
    """The form's fields as the API reads them: the address and phone as ASCII (NFKC). (The
    description's line breaks come as one character each, as every form's: app.ConsoleRequest.)"""
    values = {name: form.get(name, "").strip() for name in FIELDS}
    for name in TYPED_AS_ASCII:
        values[name] = common.address_typed(values[name])
    # the box ticked: a repair marked urgent (the API takes it on a repair only; another kind drops it)
    if form.get("urgent") and values["kind"] == "repair":
        values["urgent"] = True
    # 计划停水停电 (h3): what is out in the flat, and whether only the flat has it (a repair's only): a
    # "no water" during a planned cut of the building is answered by the cut unless the flat's alone
    if values["kind"] == "repair" and form.get("utility") in UTILITIES:
        values["utility"] = form["utility"]
    if values["kind"] == "repair" and form.get("own_fault"):
        values["own_fault"] = True
    return values


@bp.post("/<estate_code>")
def file_request(estate_code):
    values = _typed(request.form)
    body = {name: value for name, value in values.items() if value}
    if request.form.get("website"):
        body["website"] = request.form["website"]  # the honeypot: the gateway refuses it
    # one per form shown: a double tap files once; the same filing sent again from a new form too,
    # while its request is in hand (the same words once it is done are the matter come back)
    sent_key = request.form.get("idempotency_key") or None
    key = _key_for(estate_code, body, sent_key)
    try:
        filed = _file(estate_code, body, key)
        if key != sent_key and filed.get("status") in DONE:
            key = sent_key
            filed = _file(estate_code, body, key)
    except ApiProblem as problem:
        key = sent_key  # the form shown again is the one sent
        # a code of no estate's shape (a mistyped link) is as unknown as one no estate has: the
        # owner cannot fix it on the form (a 400 "estate_code" there; found by a probe)
        if problem.status == 404 or "estate_code" in problem.field_errors:
            return render_template("portal/unknown.html"), 404
        if "website" in problem.field_errors:
            # the honeypot, filled by a browser's autofill (a person cannot see it): the refusal
            # named a field the owner cannot find, in English; the form comes back without it
            return _form_page(estate_code, _estate_shown(estate_code), values, key=key,
                              notice=i18n.translate("portal.hidden_field_filled")), problem.status
        if problem.code == "form_sent_before":
            # the form was sent, gone back to and changed: the first filing stands, and the change
            # is another filing only if the owner sends it again, now as a new form (the same key
            # would be refused again and again)
            return _form_page(estate_code, _estate_shown(estate_code), values,
                              notice=i18n.translate("portal.sent_before")), problem.status
        return _answer(_form_page(estate_code, _estate_shown(estate_code), values, problem=problem, key=key), problem)
    _remember(estate_code, body, key)
    return redirect(url_for("portal.track", tracking_code=filed["tracking_code"], filed=1))


def _file(estate_code, body, key):
    return _public_api().post(f"/api/v1/public/estates/{_code(estate_code)}/requests", body, idempotency_key=key)


def _digest(estate_code, body):
    typed = json.dumps([estate_code.upper(), body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(typed.encode()).hexdigest()[:24]


def _key_for(estate_code, body, key):
    """The key a filing is sent with: the form's, or the key this browser filed the very same filing
    with before. Going back to a sent form, a browser loads a new one (the page is no-store), with a
    new key, and puts back what was typed: sent again, it filed the request twice (a phone probe).
    Sent with the first key, the service finds the first request and shows its tracking page."""
    if key is None:
        return None
    digest = _digest(estate_code, body)
    return next((sent for filed, sent in session.get(FILED_SESSION_KEY, []) if filed == digest), key)


def _remember(estate_code, body, key):
    """Keeps the filing's digest and key in this browser's session (signed, HttpOnly): its own, as its
    history keeps the tracking page."""
    if key is None:
        return
    digest = _digest(estate_code, body)
    kept = [entry for entry in session.get(FILED_SESSION_KEY, []) if entry[0] != digest]
    session[FILED_SESSION_KEY] = (kept + [[digest, key]])[-FILED_KEPT:]


def _answer(page, problem):
    """A refused call's page, with its status and the gateway's Retry-After (a 429, a 503)."""
    headers = {"Retry-After": problem.retry_after} if problem.retry_after else {}
    return page, problem.status, headers


def _busy(problem):
    """The portal's own page for a gateway that refuses for now (a rate limit, a service down):
    the staff console's error page, with its staff links, was what an owner saw (found by a probe)."""
    return _answer(render_template("portal/busy.html", problem=problem), problem)


@bp.get("/track")
def find():
    """A tracking code typed or pasted on the form's "查询进度" (the whole link will do): its page, or
    the box again to correct what found nothing.
    The portal had no place to type one, so a code kept anywhere but in the browser's history
    led nowhere (a phone probe). Read as the service reads it: spaces and a full-width hand left out."""
    typed = common.address_typed(request.args.get("code", ""))
    code = "".join(typed.rsplit("/track/", 1)[-1].partition("?")[0].split())
    if not code:  # back to the form it was typed on
        estate_code = request.args.get("estate", "")
        if not estate_code:
            return render_template("portal/unknown.html"), 404
        return redirect(url_for("portal.form", estate_code=estate_code))
    # a code of no request (mistyped, or the request's number typed for it) comes back to type
    # again, with the way back to the form: it led to the bare not-found page (a phone probe)
    try:
        tracked = _tracked(code)
    except ApiProblem as problem:
        return _busy(problem)
    if tracked is None:
        return render_template("portal/find.html", estate_code=request.args.get("estate", ""),
                               code_typed=request.args.get("code", ""),
                               code_error=i18n.translate("portal.code_unknown")), 404
    return redirect(url_for("portal.track", tracking_code=code))


@bp.get("/track/<tracking_code>")
def track(tracking_code, **more):
    """``estate_code``: the code's first part, the estate's form to file another from (the page was
    a dead end: nothing led back to the form)."""
    return _page_of(lambda: _tracked(tracking_code), lambda tracked: render_template(
        "portal/track.html", tracked=tracked, tracking_code=tracking_code, filed=request.args.get("filed") == "1",
        estate_code=tracking_code.partition(".")[0], phones=centre_phones(tracked),
        due_passed=common.deadline_state(tracked.get("due_at")) == "late", **more))


@bp.get("/track/<tracking_code>/rating")
def rating_page(tracking_code):
    """The rating's address opened (the language switched on a refused rating's page, a reload): its
    request's page, where it was the staff's 405 "不支持此操作" (a phone probe)."""
    return redirect(url_for("portal.track", tracking_code=tracking_code))


def is_portal_path(path=None):
    """The request's path (or ``path``) is one of the portal's pages."""
    path = request.path if path is None else path
    return path == "/portal" or path.startswith("/portal/")


def http_error(error):
    """The console's own refusals on the portal's addresses, on the portal's pages: a path of no page
    (``/portal/E1/disclosures``), and a form this browser's session holds no token of (the phone's
    browser restarted, its cookies cleared), which showed the staff's "出错了 (400) 表单已过期，请返回
    刷新后重新提交" and lost what was typed: the form comes back as typed, to send again (a phone probe)."""
    if error.code == 400 and error.description == "csrf":
        expired = i18n.translate("portal.expired")
        if request.endpoint == "portal.file_request":
            estate_code = request.view_args["estate_code"]
            return _form_page(estate_code, _estate_shown(estate_code), _typed(request.form),
                              key=request.form.get("idempotency_key") or None, notice=expired), 400
        if request.endpoint == "portal.rate":
            page = track(request.view_args["tracking_code"], notice=expired)
            return page if isinstance(page, tuple) else (page, 400)
    if error.code in (404, 405):
        return render_template("portal/unknown.html"), 404
    return render_template("portal/busy.html"), error.code


def failed():
    """The console failed on a portal page: the portal's page saying so, not the staff's."""
    return render_template("portal/busy.html"), 500


@bp.get("/<estate_code>/notices")
def notices(estate_code):
    """The estate's notice board (``?building=``: that building's notices and the estate's, what a
    building's QR code leads to): the portal had none, an owner found a form only (a phone probe)."""
    building = common.address_typed(request.args.get("building", ""))[:20]
    path = f"/api/v1/public/estates/{_code(estate_code)}/notices"
    return _page_of(lambda: _named(path, building=building or None), lambda board: render_template(
        "portal/notices.html", board=board, estate_code=estate_code, building=building,
        phones=centre_phones(board)))


@bp.get("/<estate_code>/activities")
def activities(estate_code):
    """The estate's community activities to come (社区文化活动): what, where, when, the places left and
    whether sign-ups are open, with the service centre's phones to sign up by (the portal signs no one
    up: it knows no household). The API answered them; the portal's page showed none (session 61)."""
    return _page_of(lambda: _named(f"/api/v1/public/estates/{_code(estate_code)}/activities"),
                    lambda board: render_template("portal/activities.html", board=board, estate_code=estate_code,
                                                  phones=centre_phones(board)))


# a page of the published disclosures: a year of months
DISCLOSURES_PAGE = 12


@bp.get("/<estate_code>/disclosures")
def disclosures(estate_code):
    """The estate's published disclosures, the newest first, a page at a time, each leading to its
    month's page: the portal opened one month by its link (the accounts staff's) and listed none,
    so an owner could not find the past ones (the portal's gap noted last session). A cursor of no
    page's (typed by hand) is the not-found page, as a code of no estate's is."""
    path = f"/api/v1/public/estates/{_code(estate_code)}/disclosures"
    cursor = request.args.get("cursor") or None
    return _page_of(lambda: _named(path, limit=DISCLOSURES_PAGE, cursor=cursor), lambda listed: render_template(
        "portal/disclosures.html", listed=listed, estate_code=estate_code, next_cursor=listed["next_cursor"],
        filters={"estate_code": estate_code}, first_page=cursor is None, phones=_phones_of(estate_code)))


@bp.get("/<estate_code>/fee-standards")
def fee_standards(estate_code):
    """The fee standards published to owners (收费标准公示): those in force and those to come (a rise
    approved ahead of its month), each with its price and months. Owners were shown them nowhere
    (h6's probe of a fee rise)."""
    return _page_of(lambda: _named(f"/api/v1/public/estates/{_code(estate_code)}/fee-standards"),
                    lambda published: render_template("portal/fee_standards.html", published=published,
                                                      estate_code=estate_code, phones=_phones_of(estate_code)))


def _phones_of(estate_code):
    """The estate's phones for a page whose answer (finance's disclosures) carries none: one read of
    the estate more; none shown when it cannot be read now (the page stands without them)."""
    return centre_phones(_estate_shown(estate_code))


@bp.get("/<estate_code>/disclosures/<period>")
def disclosure(estate_code, period):
    """The published disclosure of ``period``; the not-found page before it is published, and for
    a code or period no estate or month could have (the gateway's 400 names nothing an owner can fix)."""
    return _page_of(lambda: _named(f"/api/v1/public/estates/{_code(estate_code)}/disclosures/{_code(period)}"),
                    lambda published: render_template("portal/disclosure.html", published=published,
                                                      estate_code=estate_code, phones=_phones_of(estate_code)))


@bp.get("/account")
def find_account():
    """A statement code typed or pasted in the form's "我家的账单" box (the whole link will do): its
    page; an empty box back to the form. The desk hands it on paper or in a message, and the portal
    had no place to type one (a probe of an owner's year). Read as a tracking code is."""
    typed = common.address_typed(request.args.get("code", ""))
    code = "".join(typed.rsplit("/account/", 1)[-1].partition("?")[0].split())
    if not code:
        estate_code = request.args.get("estate", "")
        if not estate_code:
            return render_template("portal/unknown.html"), 404
        return redirect(url_for("portal.form", estate_code=estate_code))
    return redirect(url_for("portal.account", access_code=code))


@bp.get("/account/<access_code>")
def account(access_code):
    """The household's bills, what it owes and the payments made, by the owner's statement link
    (业主账单查询码, which the desk issues: ``POST …/households/{id}/owner-access``). The tracking
    page said a repair's charge "已计入你家的账单" and no page an owner could open showed a bill
    (a probe of an owner's year). A code replaced or ended (the house sold) says so, and whom to ask."""
    def gone():
        return render_template("portal/account_gone.html"), 404
    try:
        statement = _named(f"/api/v1/public/accounts/{_code(access_code)}")
    except ApiProblem as problem:
        return _busy(problem)
    if statement is None:
        return gone()
    return render_template("portal/account.html", statement=statement, phones=centre_phones(statement),
                           estate_code=access_code.partition(".")[0])


def _tracked(tracking_code):
    """The request a tracking code names, or None."""
    return _named(f"/api/v1/public/requests/{_code(tracking_code)}")


@bp.post("/track/<tracking_code>/rating")
def rate(tracking_code):
    score = request.form.get("satisfaction", "")
    number = common.whole_number(score)  # else sent as typed: the API names what is wrong
    try:
        _public_api().post(f"/api/v1/public/requests/{_code(tracking_code)}/rating",
                           {"satisfaction": score if number is None else number})
    except ApiProblem as problem:
        if problem.status not in (400, 404, 409, 422):  # refused for now: the rating was not looked at
            return _busy(problem)
        try:
            tracked = _tracked(tracking_code)
        except ApiProblem as busy:
            return _busy(busy)
        if tracked is None:
            return render_template("portal/unknown.html"), 404
        return _answer(render_template("portal/track.html", tracked=tracked, tracking_code=tracking_code,
                                       problem=problem, phones=centre_phones(tracked)), problem)
    return redirect(url_for("portal.track", tracking_code=tracking_code))
