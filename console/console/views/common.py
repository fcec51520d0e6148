"""What several screens share: forms that call the gateway and show its problems,
pages of lists, the household picker, a fresh idempotency key per form."""
import hashlib
import hmac
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from flask import current_app, flash, g, redirect, request, session
from werkzeug.datastructures import MultiDict

from estate_common import calendar
from estate_common.text import address_key

from .. import i18n, permissions
from ..gateway_api import ApiProblem

PAGE_SIZE = 50
LARGEST_PAGE = 200  # the API's largest page (openapi's limit maximum): a scan of households, a pick list
ESTATE_PAGES = 50  # pages of 200 (10,000 estates): every estate of an operator's portfolio
HOUSEHOLD_PAGES = 10  # the picker reads at most this many pages of one building


def local_path(target, default):
    """``target`` if it is a path on this console, else ``default``: where a form or a link may
    send the user back to (never another site). Nothing with whitespace or a control character
    (browsers drop a tab or a newline, so ``/\t/evil.example`` went to ``//evil.example``), no
    scheme, no host, no backslash, and not ``//``."""
    if not target or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def form_key():
    """An Idempotency-Key rendered into a create form: submitting it twice creates once.

    A form gone back to (the browser's Back: the page is no-store, so it is loaded anew with a new
    key, and the browser puts back what was typed) and sent again as it was made its record twice
    (a desk's request, a visitor, an incident, a payment: reproduced in Chromium). What each form
    does then, decided form by form (the browser test ``back_then_send`` drives the first four and
    the gate):

    - the desk's new request (any kind, a complaint included), a visitor, a security incident, a
      payment, and every other create or row form with a key: sent with the key of its first
      sending from that page (console.js's ``sentBefore``), so the gateway answers the first
      record (Idempotent-Replayed) and makes nothing; the page it leads to is the first record's
      (the request's, the receipt) or its list, and says nothing was made twice (``done``). The
      same words in a form opened anew (a link, a reload, the page after a send) are a deliberate
      new record, made; a form gone back to and changed is sent as a new one too;
    - the gate's vehicle entry and exit (``register_specs.Form.new_each_time``): sent with their own
      key always, as the same plate enters and leaves again on another visit (a replay would
      answer last visit's exit for this one's); the gate's state refuses a second entry of a car
      inside and an exit of a car that left (409, shown);
    - the owner portal: its own rule, kept on the server (``portal._key_for``).

    Without JavaScript a form gone back to is sent with its new key, as before."""
    return uuid.uuid4().hex


def passwords_differ(form):
    """The problem of a new password typed twice differently (``_new_password.html``: one's own
    change, an admin's reset), or None; the API is not asked."""
    if form.get("new_password", "") == form.get("new_password_again", ""):
        return None
    return ApiProblem(400, i18n.translate("auth.passwords_differ"), errors=[
        {"field": "new_password_again", "message": i18n.translate("auth.not_the_same")}])


def password_refused(problem, field):
    """A chosen password the gateway refused (422) headed by its reason, the field's message: the
    page read "the password is among the first a guess tries: choose another" above "New password:
    holds the username" (a reset by an admin, found by review). One's own change, an admin's reset
    and a new user's first password say it alike. Any other problem as it came."""
    if problem.status != 422 or len(problem.errors) != 1 or problem.errors[0].get("field") != field:
        return problem
    reason = i18n.error_text(field, problem.errors[0].get("message", ""))
    refused = ApiProblem(422, i18n.translate("auth.password_refused", field=i18n.error_field(field), reason=reason),
                         request_id=problem.request_id, errors=problem.errors)  # no code: its title is this
    refused.errors_in_title = True
    return refused


def _sent_form():
    """The form this request is, when it carries an Idempotency-Key: its endpoint, view args, key
    and its values each as ``_telling`` keeps it, for ``sent_key``; None otherwise."""
    key = request.form.get("idempotency_key") if request.method == "POST" else None
    if not key:
        return None
    return {"endpoint": request.endpoint, "args": dict(request.view_args or {}), "key": key,
            "fields": {name: _telling(value) for name, value in request.form.items()
                       if name not in ("csrf_token", "idempotency_key")}}


def _telling(value):
    """A posted value as a refused form keeps it to be told from its siblings (``sent_key``): its
    HMAC under the session's key, never the value. The refusal rides in the session cookie, and a
    reminder's note or a check-in's anomaly may name an owner's phone or ID card number (kept as
    typed, they were: review)."""
    secret = current_app.secret_key
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, value.encode(),
                    hashlib.sha256).hexdigest()[:16]


def sent_key(endpoint, posted=None, **view_args):
    """The Idempotency-Key a form was sent with, when it was refused and is shown again: this
    request is that form (its page is the POST's answer), or the page its refusal is shown on is
    (a redirect back: ``show_problem`` keeps the form's key with the refusal, ``take_problem``
    gives it to the page); None otherwise, and the form takes a new one. The form is ``endpoint``
    on ``view_args``, and ``posted`` the values of its fields that tell it from its siblings on
    the page (a row's household, a checkpoint, an export's list).

    A double click's second request, refused with a 409 while the first was still being
    answered, is what the browser shows, and its form sent again under a new key made the thing
    a second time (a create form: ``form.idempotency_key or key``; ten forms of a page gone back
    to came back with a new key: found by review)."""
    sent = _sent_form() if request.method == "POST" else g.get("refused_form")
    if not sent or sent["endpoint"] != endpoint:
        return None
    if any(sent["args"].get(name) != value for name, value in view_args.items()):
        return None
    if any(sent["fields"].get(name) != _telling(str(value)) for name, value in (posted or {}).items()):
        return None
    return sent["key"]


def show_problem(problem):
    """Keep a failed action's problem for the next page (title, its code, detail, request id, field
    errors), and the form refused (``_sent_form``: its key, for ``sent_key``)."""
    session["problem"] = {"status": problem.status, "title": problem.title, "code": problem.code,
                          "detail": problem.detail, "request_id": problem.request_id, "errors": problem.errors,
                          "sent": _sent_form()}


def filtered_page(path, filters):
    """A list's page asked with ``filters`` (and the page's cursor); a filter the API refuses (a
    400: a number not typed in full, a range whose last day is before its first) gives the list
    empty with the refusal above its filters, to be corrected there, where it was an error page
    with no form (a probe)."""
    try:
        return g.api.get(path, limit=PAGE_SIZE, cursor=request.args.get("cursor"), **filters)
    except ApiProblem as problem:
        if problem.status != 400:
            raise
        show_problem(problem)
        return {}


def take_problem():
    """The problem ``show_problem`` kept, for the page it is shown on, which shows the form refused
    with the key it was sent with (``sent_key``). A row action's (its form kept as typed with it:
    ``post_and_back``'s ``typed``) says which row and action it came from (``row``), and that row's
    form alone gives its inputs the field errors (``row_typed``): several rows' forms on a page
    have inputs of the same names."""
    problem = session.pop("problem", None)
    if problem:
        g.refused_form = problem.pop("sent", None)
        typed = _take_typed()
        problem["row"] = {"item": typed.get("item"), "action": typed.get("action")} if typed else None
        g.kept_problem = problem
    return problem


def _take_typed():
    """What a refused row action's form held (``post_and_back``'s ``typed``): taken from the
    session once a request, then kept for the rest of the page."""
    if "typed" not in g:
        g.typed = session.pop("typed", None)
    return g.typed


class RowForm(MultiDict):
    """A row action's form as ``row_typed`` gives it back, with the field errors of its own refusal
    (``field_errors``: ``{field: message}``, empty for every other row's): ``field_errors.invalid``
    reads them for the inputs of the form it renders, not the page's problem. A refusal kept over
    the redirect back is a dict the page shows; its fields were neither marked invalid nor tied to
    their errors, and a page's problem would have marked every row's input of the same name (a
    browser probe: the owners still to contact)."""

    def __init__(self, values=(), field_errors=None):
        super().__init__(values)
        self.field_errors = field_errors or {}


def row_typed(item_id, action):
    """A row action's form (a register's row, a request's step) as it was typed, when that action
    was just refused (``{field: [values]}`` as a RowForm, with the refusal's field errors);
    empty otherwise. A refused action came back as an empty form (found by review)."""
    typed = _take_typed()
    if typed and typed.get("item") == item_id and typed.get("action") == action:
        kept = g.get("kept_problem") or {}
        errors = kept.get("errors") if kept.get("row") == {"item": item_id, "action": action} else None
        return RowForm([(name, value) for name, values in typed.get("form", {}).items() for value in values],
                       {error.get("field", ""): error.get("message", "") for error in errors or []
                        if isinstance(error, dict)})
    return RowForm()


def keep_typed(item_id, action):
    """Keep the posted form of a refused row action for ``row_typed`` on the page it goes back to."""
    session["typed"] = row_form_to_keep(item_id, action)


def optional_read(path, **params):
    """One read under the estate for a page that shows without it: None when it cannot be read
    (a 401 still signs the user out)."""
    try:
        return g.api.get(g.api.estate(g.user.estate_id, path), **params)
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        return None


def usernames(path):
    """The usernames a gateway list of whom a form may name answers (``path`` under the estate:
    ``technicians``, ``guards``), to pick from; [] when it cannot be read, and the name is typed
    as before. They were typed, a typo a 422 (found by a probe of daily work)."""
    return [item["username"] for item in (optional_read(path) or {"items": []})["items"]]


def counted(items, page):
    """How many ``items`` a list's first ``page`` holds, as a to-do says it: "N", or "N+" where the
    list goes on past that page."""
    return count_said(len(items), bool(page.get("next_cursor")))


def count_said(number, goes_on):
    """A count as a to-do says it: "N", or "N+" where its list ``goes_on`` past the page counted."""
    return f"{number}+" if goes_on else str(number)


def number_of(path, field="number"):
    """The ``number`` (WO-2026-000001, SR-…) of one other document the page names by its id, read
    with one call (``path`` under the estate); None when it cannot be read (the page shows the id)."""
    return (optional_read(path) or {}).get(field)


def household_or_none(household_id):
    """A household of the user's estate, for a page that names it; None when it cannot be read
    (the page shows without it)."""
    try:
        return g.api.get(g.api.estate(g.user.estate_id, f"households/{household_id}"))
    except ApiProblem:
        return None


def row_form_to_keep(item_id, action):
    """What ``row_typed`` gives back: the posted form of a row action, less its hidden fields (its
    Idempotency-Key goes with its refusal: ``sent_key``)."""
    form = request.form
    return {"item": item_id, "action": action,
            "form": {name: form.getlist(name) for name in form
                     if name not in ("csrf_token", "from", "idempotency_key")}}


# more digits than any count, version or minutes the API takes; int() refuses a text of over
# 4,300 (a form field tampered to 5,000 digits was a 500)
WHOLE_NUMBER_DIGITS = 18


def whole_number(text, digits=WHOLE_NUMBER_DIGITS):
    """A whole number as a form carries it (``"12"``: a count, a score, a version read), or None
    when it is not one. ASCII digits only: ``"²".isdigit()`` is true and ``int("²")`` fails, and
    a superscript or a tampered field of thousands of digits was a 500 on six forms."""
    text = text or ""
    if text.isascii() and text.isdigit() and len(text) <= digits:
        return int(text)
    return None


def number_typed(text):
    """A number as typed in a form (``12``, ``0.35``), an int when whole; None when blank;
    ValueError when it is not a number, or is NaN or an infinity: JSON cannot carry those, so
    sending one failed in the console and read as "gateway unavailable" (found by review)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    if number == number.to_integral_value():
        return int(number)
    if not math.isfinite(float(number)):  # "1111…1.5" of 400 digits: a finite Decimal, an infinite float
        raise ValueError(text)
    return float(number)


@dataclass(frozen=True)
class Reached:
    """Where an action without an Idempotency-Key leads (finish a round, start a work order, close
    an incident, record one of its steps): the thing's ``path`` under the estate, re-read after a
    409, ``reached(found)`` whether it is in that state already, and the ``notice`` key shown then.
    A double click's second POST answered "conflict: the round is already finished" in red on a
    page showing it finished (a probe): it did nothing, and the notice says so."""
    path: str
    reached: Callable[[dict], bool]
    notice: str


def _a_second_click(problem, reached):
    """Whether ``problem`` (the action's refusal) is a 409 on a thing ``reached`` finds in the
    state the action leads to (a second click, or another's at the same moment)."""
    if reached is None or problem.status != 409:
        return False
    found = optional_read(reached.path)
    return found is not None and bool(reached.reached(found))


def act(call, back, reached=None):
    """Run a gateway write; on a refusal (4xx) show its problem on ``back`` instead of an error page;
    a 409 on a thing already in the state ``reached`` names shows its plain notice instead.

    An expired session (401) and an unavailable gateway (503) go to their own pages."""
    try:
        result = call()
    except ApiProblem as problem:
        if not _shown_on_the_page(problem):
            raise
        if _a_second_click(problem, reached):
            done(reached.notice)
            return None, redirect(back)
        show_problem(problem)
        return None, redirect(back)
    return result, None


CSV_ONLY = {".csv": "text/csv"}
# the households' owner list and a handover weekend's sheet: archive reads both with one reader
CSV_OR_XLSX = {**CSV_ONLY, ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def uploaded_import(path, formats, wrong_file, back, **params):
    """The form's ``file`` sent to an import of the estate (``POST …/<path>``, answering its job;
    ``params`` its query, a bank statement's month), its type by its name's suffix (``formats``:
    ``{suffix: content type}``); another file is refused at the box with the message ``wrong_file``
    names, and a refusal of the gateway shown, on ``back``: ``(job, None)`` or ``(None, redirect)``."""
    upload = request.files.get("file")
    name = (upload.filename or "").lower() if upload else ""
    content_type = next((kind for suffix, kind in formats.items() if name.endswith(suffix)), None)
    if content_type is None:
        message = i18n.translate(wrong_file)
        show_problem(ApiProblem(400, message, errors=[{"field": "file", "message": message}]))
        return None, redirect(back)
    return act(lambda: g.api.upload(g.api.estate(g.user.estate_id, path), upload.read(), content_type,
                                    idempotency_key=request.form.get("idempotency_key") or None, **params), back)


def _shown_on_the_page(problem):
    """A refusal (4xx) the page shows; an expired session (401) and an unavailable gateway (5xx)
    go to their own pages."""
    return problem.status != 401 and problem.status < 500


def write(call, page, reached=None, back=None):
    """A gateway write (or a read a form asked for) whose refusal (4xx) is shown on
    ``page(problem)`` with its status, the form as typed: ``(result, None)`` or
    ``(None, (page, status))``; a 409 on a thing already in the state ``reached`` names goes to
    ``back`` with its plain notice (``(None, redirect)``). An expired session (401) and an
    unavailable gateway (5xx) go to their own pages."""
    try:
        return call(), None
    except ApiProblem as problem:
        if not _shown_on_the_page(problem):
            raise
        if _a_second_click(problem, reached):
            done(reached.notice)
            return None, redirect(back)
        return None, (page(problem), problem.status)


CONFIRM_FIELD = "confirm"


def confirmed(form=None):
    """The form's confirmation box was ticked (``_confirm.html``): an irreversible action (a
    payment reversed, a cashier's day settled, a round finished with checkpoints missed, a
    complaint closed, an API key revoked...) is taken only once the person has read what it does.
    It works without JavaScript: the box is a required checkbox, checked here again."""
    return (form if form is not None else request.form).get(CONFIRM_FIELD) == "yes"


def unconfirmed_problem():
    """The refusal of an irreversible action sent without its box ticked (nothing was sent)."""
    message = i18n.translate("confirm.needed")
    return ApiProblem(400, i18n.translate("confirm.title"), message, code="not_confirmed",
                      errors=[{"field": CONFIRM_FIELD, "message": message}])


def refuse_unconfirmed(back, typed=None):
    """Back to ``back`` with ``unconfirmed_problem`` shown there (and the form as typed)."""
    show_problem(unconfirmed_problem())
    if typed is not None:
        session["typed"] = typed
    return redirect(back)


# full-width punctuation a Chinese keyboard types, read as its ASCII twin (a route's checkpoints
# typed ``E1，东门岗，0`` were refused); 、 (the enumeration comma) separates as a comma does
_FULL_WIDTH = str.maketrans({"，": ",", "、": ",", "：": ":", "；": ";", "\u3000": " ",
                             **{chr(0xFF10 + n): str(n) for n in range(10)}})


def ascii_punctuation(line):
    """A line with its full-width commas, colons, spaces and digits as ASCII; a line that already
    has an ASCII comma keeps its full-width commas (a name may hold one: ``E1, 东门岗，北侧, 5``)."""
    line = line or ""
    if "," in line:
        return line.translate({k: v for k, v in _FULL_WIDTH.items() if chr(k) not in "，、"})
    return line.translate(_FULL_WIDTH)


def comma_lines(text, full_width=False):
    """Lines typed as ``first, second`` and maybe ``, third`` (a route's checkpoints, a plan's
    steps): each line's parts, with ``None`` for a missing third; ValueError names the first
    line that does not read so. ``full_width``: ``E1，东门岗，0`` reads as ``E1, 东门岗, 0``
    (``ascii_punctuation``)."""
    rows = []
    for line in (line.strip() for line in text.splitlines()):
        line = ascii_punctuation(line).strip() if full_width else line
        if not line:
            continue
        parts = [part.strip() for part in line.split(",")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise ValueError(line)
        rows.append((parts[0], parts[1], parts[2] if len(parts) == 3 and parts[2] else None))
    return rows


def post_and_back(path, body, back, done_key, idempotency_key=None, typed=None, reached=None, said=None):
    """POST ``body`` to the estate's ``path``, then back to ``back``: with ``done_key``'s notice
    (``said(answer)``'s key and values where given: what the answer says), or with the API's
    refusal shown there (``act``; a second click's plain notice for ``reached``) and ``typed``
    (what the form held) kept for that page to show again (``row_typed``)."""
    answer, refused = act(lambda: g.api.post(g.api.estate(g.user.estate_id, path), body,
                                             idempotency_key=idempotency_key), back, reached)
    if refused:
        if typed is not None:
            session["typed"] = typed
        return refused
    key, values = said(answer or {}) if said else (done_key, {})
    done(key, **values)
    return redirect(back)


def post_or_show(path, body, show, done_key, then, idempotency_key=None):
    """POST ``body`` to the estate's ``path`` (a create): on a refusal (4xx) the form's page again
    with the problem and what was typed (``show(problem)``), else ``then`` with ``done_key``'s
    notice."""
    try:
        g.api.post(g.api.estate(g.user.estate_id, path), body, idempotency_key=idempotency_key)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return show(problem)
    done(done_key)
    return redirect(then)


def done(message_key, **values):
    """The notice of a write done; a form sent before with its key (a form gone back to and sent
    again as it was: console.js's sentBefore) is answered the first sending's record, and the notice
    says that nothing was made twice."""
    flash(i18n.translate(message_key, **values))
    if g.get("replayed"):
        flash(i18n.translate("form.replayed"))


def _now():
    return datetime.now(timezone.utc)


def minutes_since(moment, now=None):
    """Whole minutes from ``moment`` (an API timestamp) to now, or None without one: the figures the
    gateway kept, shown while it fetches them again, say how old they are (h5)."""
    at = i18n.parse_time(moment) if moment else None
    return None if at is None else max(0, int(((now or _now()) - at).total_seconds() // 60))


def this_month(now=None, zone=None):
    """The month now (or at ``now``) on the clock of ``zone`` (a tzinfo), else the display clock (the
    chosen estate's, else the console's), YYYY-MM."""
    return (now or _now()).astimezone(zone or i18n.display_zone()).strftime("%Y-%m")


def this_week(now=None, zone=None):
    """The ISO week now (or at ``now``) on the clock of ``zone``, else the display clock, YYYY-Www (a
    KPI period)."""
    year, week, _ = (now or _now()).astimezone(zone or i18n.display_zone()).isocalendar()
    return f"{year:04d}-W{week:02d}"


def shared_timezone(estates):
    """The IANA name of the timezone the estates in service share, else None: the view of every
    estate's "this week" and "this month" are theirs, where they were the console's display clock's
    (h7). An estate that names none is on archive's default (``calendar.timezone_of``)."""
    zones = {calendar.timezone_of(estate) for estate in estates if not estate.get("retired_at")}
    return zones.pop() if len(zones) == 1 else None


# A period's forms as the API takes them, its years 1900-2999 (openapi's Period, ReportPeriod,
# KpiPeriod, IsoWeek and ObligationYear, which tests/test_periods.py holds these to): one rule for the
# pages' checks (below) and every period box's ``pattern`` (``period_pattern``). The console took 1899
# (any four digits) and showed the API's 400 (found by h5).
_YEAR = "(19[0-9]{2}|2[0-9]{3})"
_WEEK = "-W(0[1-9]|[1-4][0-9]|5[0-3])"
PERIOD_FORMS = {
    "month": f"{_YEAR}-(0[1-9]|1[0-2])",  # YYYY-MM
    "report": f"{_YEAR}(-(0[1-9]|1[0-2])|-Q[1-4])?",  # a month, a quarter or a year: YYYY-MM, YYYY-Qn, YYYY
    "kpi": f"{_YEAR}(-(0[1-9]|1[0-2])|-Q[1-4]|{_WEEK})?",  # a report's period or an ISO week
    "week": f"{_YEAR}{_WEEK}",  # YYYY-Www
    "year": _YEAR,  # YYYY
}
MONTH, REPORT_PERIOD, KPI_PERIOD, WEEK, YEAR = (re.compile(f"^{PERIOD_FORMS[form]}$")
                                                 for form in ("month", "report", "kpi", "week", "year"))


def period_pattern(form):
    """A period box's ``pattern`` (the templates' ``period_pattern('month')``): the API's form, as the
    page checks it (``PERIOD_FORMS``)."""
    return PERIOD_FORMS[form]


def period_asked(pattern, default):
    """The ``period`` query parameter when ``pattern`` takes it, else ``default()`` (this month,
    this quarter): a page asked with none, or with one of no period's form."""
    period = request.args.get("period", "").strip()
    return period if pattern.match(period) else default()


def period_days(period):
    """``(first day, last day)`` of a period YYYY, YYYY-Qn or YYYY-MM as YYYY-MM-DD: a list's
    ``from`` and ``to``, which the API reads as whole days on the estate's calendar, as it reads
    the period of a report."""
    year, rest = int(period[:4]), period[5:]
    if rest.startswith("Q"):
        first, last = 3 * int(rest[1]) - 2, 3 * int(rest[1])
    elif rest:
        first = last = int(rest)
    else:
        first, last = 1, 12
    after = datetime(year + (last == 12), last % 12 + 1, 1)
    return f"{year:04d}-{first:02d}-01", (after - timedelta(days=1)).strftime("%Y-%m-%d")


def query(*names):
    """The listed query parameters that were given (for filters kept across pages)."""
    return {name: request.args.get(name, "").strip() for name in names if request.args.get(name, "").strip()}


def address_typed(text):
    """A building, unit, room or whole address as the API reads it: full-width digits, letters and
    dashes as ASCII (NFKC), trimmed. A clerk's Chinese input method types １-１-１０１, which the
    picker compared as typed and found nothing, where the API finds 1-1-101 (a probe)."""
    return unicodedata.normalize("NFKC", text or "").strip()


def code_typed(text):
    """A number a channel or a receipt names (a payment channel's transaction number, a receipt's
    ``RC-2026-42``) as the API's ASCII pattern reads it: a Chinese input method's full-width forms as
    ASCII (NFKC), without blanks (a bank's reference copied off its statement in groups of digits).
    The API refused each (400) though it named a number it keeps (found by review)."""
    return "".join(address_typed(text).split())


def same_room(household, room):
    """Whether ``household`` is at ``room`` as typed, read as the API reads it (1201室 is 1201:
    ``estate_common.text.address_key``)."""
    return address_key(str(household.get("room", "")), "room") == address_key(room, "room")


def same_address(household, address):
    """Whether an address as written (an owner-portal filing's: 3栋, 1单元, 1202室) is
    ``household``'s flat, each part read as the API reads it (``estate_common.text.address_key``)."""
    if not address:
        return False
    return all(address_key(str(household.get(part, "")), part) == address_key(address_typed(str(address.get(part) or "")), part)
               for part in ("building", "unit", "room"))


def households_by_phone(phone):
    """The household picker's search by the caller's phone: ``[{"household", "owner_matched",
    "occupants"}]`` as the API finds them (``POST …/households/search``: the owner's or an
    occupant's, read as dialled). A POST, so the number is in no URL; a read, so no
    Idempotency-Key is sent (the form's would be kept for nothing)."""
    return g.api.call("POST", g.api.estate(g.user.estate_id, "households/search"), json={"phone": phone},
                      idempotency_key="").get("items", [])


def phone_searched():
    """The form's ``phone`` searched (``households_by_phone``): ``(phone, found, problem)``, the
    refusal (a number that is not one, a role that may not search) kept to show at the box; a
    service away or a session gone raises, as any call does."""
    phone = request.form.get("phone", "").strip()
    try:
        return phone, households_by_phone(phone), None
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return phone, None, problem


def each_item(path, pages, **params):
    """Every item of a list, a page of LARGEST_PAGE at a time, up to ``pages`` pages: a generator,
    so that a search stops reading at the item it looks for."""
    cursor = None
    for _ in range(pages):
        page = g.api.get(path, limit=LARGEST_PAGE, cursor=cursor, **params)
        yield from page.get("items", [])
        cursor = page.get("next_cursor")
        if not cursor:
            return


def households_matching(building="", unit="", room="", exact_room=False):
    """The household picker: the API filters by building and unit, and by room with
    ``exact_room``; else a room typed is the start of one ("18": 1801, 1802 …), narrowed here.
    Each is read as the API reads it, in its common forms (3号楼, 2单元, 1201室: a portal filer's
    address offered none of the households the API found by it). More than one page is read on, up
    to HOUSEHOLD_PAGES pages."""
    building, unit, room = address_typed(building), address_typed(unit), address_typed(room)
    unit_key, room_key = address_key(unit, "unit"), address_key(room, "room")
    found = each_item(g.api.estate(g.user.estate_id, "households"), HOUSEHOLD_PAGES, building=building or None,
                      unit=unit or None, room=(room or None) if exact_room else None,
                      sort="address")  # 3-1-201 before 3-1-1001
    return [h for h in found if (not unit or address_key(str(h.get("unit", "")), "unit") == unit_key)
            and (not room or address_key(str(h.get("room", "")), "room").startswith(room_key))]


def households_at(building, unit, room):
    """The households at exactly this building, unit and room (one, when it is registered):
    the API filters by all three; the room is compared as the API reads it (``same_room``)."""
    return [h for h in households_matching(building, unit, room, exact_room=True) if same_room(h, room)]


def household_typed(text):
    """The household a form names: its id (chosen from the list) or, in an estate of more
    households than one list holds, its address typed as lists show it (``building-unit-room``;
    a household past the first 200 could not be chosen at all: found by review). The text as it
    came when it names no one household (the API's 422 then names the field)."""
    text = address_typed(text)
    parts = text.split("-")
    for first in range(1, len(parts) - 1):  # a building, unit or room may hold a "-" itself
        for second in range(first + 1, len(parts)):
            building, unit, room = "-".join(parts[:first]), "-".join(parts[first:second]), "-".join(parts[second:])
            found = households_at(building, unit, room)
            if len(found) == 1:
                return found[0]["id"]
    return text


# a number as printed on a request or an order (SR-2026-000006, WO-2026-000001): the list that
# finds its id by it
_NUMBERED = ((re.compile(r"^SR-\d{4}-\d+$", re.I), "service-requests"), (re.compile(r"^WO-\d{4}-\d+$", re.I), "work-orders"))
# a subject's number as the archive finds it (contracts' SubjectNumber): also an incident's INC-…
# and a payment's receipt RC-…
_SUBJECT_NUMBER = re.compile(r"^[A-Za-z]{2,3}-[0-9]{4}-[0-9]{1,12}$")


def subject_number(text):
    """``text`` as a subject's number (``WO-2026-000003``, typed full-width or with spaces), or None
    when it reads as something else (an id, an address)."""
    text = address_typed(text)
    return text if _SUBJECT_NUMBER.match(text) else None


def numbered(collection, number, none_if=lambda problem: False):
    """The first of the estate's ``collection`` (``service-requests``, ``work-orders``,
    ``archive/records``) numbered ``number`` as it is sent (the API reads ``wo-2026-42`` as
    WO-2026-000042), read with one call; None when none is. What a refusal means is the caller's:
    one ``none_if(problem)`` holds of finds none (the board's 400 for a text of no number's form; a
    form's subject, any, as ``optional_read``), any other is raised (the desk shows the API's 400
    beside its form's field); a 401 always is. The desk, the board and a form's subject each wrote
    this read of its own (found by review)."""
    try:
        page = g.api.get(g.api.estate(g.user.estate_id, collection), number=number, limit=1)
    except ApiProblem as problem:
        if problem.status == 401 or not none_if(problem):
            raise
        return None
    return next(iter(page.get("items") or ()), None)


def subject_typed(text):
    """The subject a form names (a borrowing's, the change log's filter): a request or an order by
    its number, a household by its address (``household_typed``), else the text as it came (an
    id). Only ids were taken, which nobody at the desk or in the office can read off anything
    (a probe of the manager's month). A number is looked up where the user may read it: its own
    service, else the archive's records (the archivist reads no request or order, and its number
    was sent as an id: a probe of the archives' work); a refusal of either (``optional_read``'s)
    finds none."""
    text = address_typed(text.strip())
    if subject_number(text):
        collection = next((collection for pattern, collection in _NUMBERED if pattern.match(text)), None)
        if collection and permissions.may("GET", collection):
            found = numbered(collection, text.upper(), none_if=lambda problem: True)
            return found["id"] if found else text
        if permissions.may("GET", "archive/records"):
            found = numbered("archive/records", text, none_if=lambda problem: True)
            return found["subject_id"] if found else text
        return text
    return household_typed(text) if "-" in text else text


def household_label(household):
    """A household's flat as text (``i18n.flat_text``): a list's choice, a label of its id."""
    return i18n.flat_text(household) if household else ""


# a history step whose note names households by id (maintenance's "hh_… → hh_…" when the desk
# corrected a repair's household, and "hh_…: the work had started at hh_…")
NOTES_NAMING_HOUSEHOLDS = frozenset({"household_corrected", "household_correction_not_applied"})
_HOUSEHOLD_ID = re.compile(r"\bhh_[0-9a-f]{24}\b")


def households_shown(history, labels=None):
    """``history`` with the households its steps name shown as their flats (building-unit-room),
    never their internal ids (a work order's page showed "hh_3f9a… → hh_8c1d…": found by review):
    ``labels`` (id -> flat) known to the page, the others read once each (``HouseholdLabels``);
    one the user may not read is "another household"."""
    labels = HouseholdLabels(labels or {}, complete=False)

    def flat(found):
        return labels.get(found.group(0)) or i18n.translate("history.other_household")

    return [{**entry, "note": _HOUSEHOLD_ID.sub(flat, str(entry["note"]))}
            if entry.get("action") in NOTES_NAMING_HOUSEHOLDS and entry.get("note") else entry
            for entry in history]


class HouseholdLabels(dict):
    """id -> building-unit-room for a page: those it knows (a list page: the estate's first page of
    households) and, unless they are every household of the estate, each other household the page
    names, read one by one (at most LOOKUPS a page) and kept for the rest of the page; "" for one
    that cannot be read."""

    LOOKUPS = 100

    def __init__(self, labels, complete):
        super().__init__(labels)
        self._complete, self._left = complete, self.LOOKUPS

    @property
    def complete(self):
        """Every household of the estate is here: a form may offer them as a list to choose from;
        else it takes the address typed (``household_typed``)."""
        return self._complete

    def get(self, household_id, default=None):
        if household_id and household_id not in self and not self._complete and self._left > 0:
            self._left -= 1
            self[household_id] = household_label(household_or_none(household_id))
        return dict.get(self, household_id) or default


def household_labels(**asked):
    """id -> flat of the estate's first page of households (``asked``: the list's own parameters, a
    picker's ``sort="address"``), ``complete`` when it is every one; empty where they cannot be read."""
    try:
        page = g.api.get(g.api.estate(g.user.estate_id, "households"), limit=LARGEST_PAGE, **asked)
    except ApiProblem:
        return {}
    return HouseholdLabels({h["id"]: household_label(h) for h in page.get("items", [])},
                           complete=not page.get("next_cursor"))


class Picks(dict):
    """id -> name of another register's rows (a ``register_specs.Source``), which a ``pick`` field
    offers and a column shows for an id. ``complete``: every row is here, so the field can be a
    list to choose from; else it asks for the id, as it did before (the names shown are those of
    the first page)."""

    NAME_CHARS = 40

    def __init__(self, names, complete):
        super().__init__(names)
        self.complete = complete


def pick_names(source):
    """``Picks`` of ``source``'s rows (the API's largest page; empty when the API refuses)."""
    try:
        asked = dict(source.query)
        if source.since_hours:
            asked["from"] = (datetime.now(timezone.utc) - timedelta(hours=source.since_hours)).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
        page = g.api.get(g.api.estate(g.user.estate_id, source.path), limit=LARGEST_PAGE, **asked)
    except ApiProblem:
        return Picks({}, complete=False)
    names = {}
    for row in _pick_rows(source, page.get("items", [])):
        if source.gone_when and row.get(source.gone_when):
            continue  # a retired extinguisher was offered for a check the API then refused
        if source.gone_in and row.get(source.gone_in[0]) in source.gone_in[1]:
            continue  # an order completed is no fault in hand
        parts = [str(row[name]) for name in source.names if row.get(name) not in (None, "")]
        name = " · ".join(parts)
        names[row["id"]] = name if len(name) <= Picks.NAME_CHARS else name[:Picks.NAME_CHARS - 1] + "…"
    return Picks(names, complete=not page.get("next_cursor"))


def _pick_rows(source, items):
    """The rows a pick offers: the list's, or its rounds' anomalies that opened a work order (``expand``)."""
    if source.expand != "anomalies":
        return items
    return [{"id": entry["anomaly"]["id"], "checkpoint": (entry.get("checkpoint") or {}).get("name"),
             "description": entry["anomaly"].get("description")}
            for row in items for entry in row.get("check_ins") or ()
            if entry.get("anomaly") and not entry["anomaly"].get("no_work_order")]


def deadline_state(due_at, start_at=None, now=None):
    """How close a deadline is, for its badge: ``ok``, ``soon`` (amber), ``late`` (red) or None.

    Amber once a quarter of the time from ``start_at`` to ``due_at`` is left (or the last day when
    the start is unknown); red once it has passed."""
    due = i18n.parse_time(due_at)
    if due is None:
        return None
    now = now or datetime.now(timezone.utc)
    if now >= due:
        return "late"
    start = i18n.parse_time(start_at)
    window = (due - start).total_seconds() if start and start < due else 86400 * 4
    return "soon" if (due - now).total_seconds() <= window / 4 else "ok"


def period_over(period, now=None):
    """Whether the month, quarter or year ``period`` has ended on the chosen estate's clock
    (``this_month``): its last month (``calendar.last_month``, the services' rule) before this one. A
    disclosure is published once it is over (the API's 422 met the form offered for the current
    month: a probe); as text "2026" sorts before "2026-12" and a year read as over through its
    December (h11)."""
    return calendar.last_month(period) < this_month(now)


def session_estate_name():
    return session.get("estate_name") or g.user.estate_id


# -- custom fields (issue 13): an estate's own fields on households, requests, orders, equipment --

def custom_fields(resource):
    """The estate's custom fields of ``resource`` (``GET …/custom-fields?resource=``), live and
    archived (archived ones only label the values kept); [] when they cannot be read, so the
    form still works without them. Read once per request: a refused edit reads the form's
    fields, then shows the page again with them."""
    read = g.setdefault("custom_fields", {})
    if resource not in read:
        read[resource] = _custom_fields(resource)
    return read[resource]


def _custom_fields(resource):
    try:
        page = g.api.get(g.api.estate(g.user.estate_id, "custom-fields"), resource=resource)
    except ApiProblem as problem:
        if problem.status == 401:
            raise
        return []
    return page.get("items", [])


def custom_form(doc):
    """A document's custom values as the ``custom.<key>`` inputs of an edit form show them."""
    return {f"custom.{key}": ("true" if value is True else "false" if value is False else str(value))
            for key, value in (doc.get("custom") or {}).items()}


def save_custom(resource, path, back):
    """An edit form's custom values of a ``resource`` sent to its ``POST …/<path>`` (the keys given
    replace theirs), then back to its page, with the API's refusal shown there."""
    values = custom_from_form(custom_fields(resource), request.form)
    return post_and_back(path, {"custom": values}, back, "custom.saved")


def custom_from_form(definitions, form):
    """The ``custom`` body of a form's ``custom.<key>`` inputs (live fields; empty ones left out).
    A number that does not read as one goes as typed: the API names ``custom.<key>``."""
    values = {}
    for definition in definitions:
        if definition.get("archived"):
            continue
        key = definition["key"]
        text = form.get(f"custom.{key}", "").strip()
        if definition["type"] == "bool":
            if text in ("true", "false"):
                values[key] = text == "true"
        elif text and definition["type"] == "number":
            try:
                values[key] = number_typed(text)
            except ValueError:
                values[key] = text  # the gateway names the field
        elif text:
            values[key] = text
    return values
