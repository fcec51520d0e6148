"""The console and the portal for people who use a keyboard, a screen reader or zoom (a probe of
accessibility): a refused field's error tied to its input, a refusal announced and focused, a
title and a language per page, header cells named, figures in words, colours of AA contrast."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_daily_work_probe import HOUSEHOLD as DAILY_HOUSEHOLD, PAYMENT
from .test_households_screen import DUE, _household
from .test_registers import households, tool_loan_refused_for_its_borrower  # noqa: F401  (households: a fixture)
from .test_views import _desk_routes

CONSOLE = Path(__file__).resolve().parents[1] / "console"
CONTROLS = ("input", "select", "textarea", "fieldset")


class Page(HTMLParser):
    """The elements of a page with their attributes, and the text of each element with an id."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements, self.texts, self._open = [], {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if attributes.get("id") and tag not in ("input", "br", "img", "meta", "link"):
            self._open.append([tag, attributes["id"], ""])

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, element_id, text = self._open.pop()
            self.texts[element_id] = text.strip()

    def handle_data(self, data):
        for entry in self._open:
            entry[2] += data

    def field_errors(self):
        return [attributes for tag, attributes in self.elements if tag == "p" and "field-error" in
                (attributes.get("class") or "").split()]

    def described(self, error_id):
        """The controls that name ``error_id`` among what describes them."""
        return [(tag, attributes) for tag, attributes in self.elements if tag in CONTROLS
                and error_id in (attributes.get("aria-describedby") or "").split()]


def assert_errors_tied(html, *texts):
    """Each of ``texts`` is a field's error, and every field error of the page is tied to its input
    (aria-describedby naming it; aria-invalid on an input, not on a fieldset of choices), and every
    id an input names is on the page."""
    page = Page(html)
    errors = page.field_errors()
    shown = [page.texts.get(error.get("id"), "") for error in errors]
    for text in texts:
        assert text in shown, (text, shown)
    for error in errors:
        assert error.get("id"), f"a field error without an id: {error}"
        tied = page.described(error["id"])
        assert len(tied) == 1, f"{error['id']} is tied to {tied}"
        tag, attributes = tied[0]
        assert attributes.get("aria-invalid") == ("true" if tag != "fieldset" else None), tied
    for tag, attributes in page.elements:
        for named in (attributes.get("aria-describedby") or "").split():
            assert named in page.texts, f"{tag} {attributes.get('id')} names {named}, not on the page"
    return page


def test_a_register_s_refused_field_is_tied_to_its_error_and_the_refusal_takes_the_focus(client, fake, households):
    answer = tool_loan_refused_for_its_borrower(client, fake)
    html = answer.get_data(as_text=True)
    page = assert_errors_tied(html, "不能为空")
    [(_, borrower)] = [(t, a) for t, a in page.elements if a.get("id") == "n-borrower"]
    assert borrower["aria-invalid"] == "true" and borrower["aria-describedby"] == "error-n-borrower"
    assert not [a for t, a in page.elements if a.get("id") == "n-tool" and "aria-invalid" in a]
    # the title says it first; the summary is an alert that takes the focus as the page loads
    assert re.search(r"<title>出错：工具借用 · ", html)
    assert re.search(r'<div class="problem" role="alert" tabindex="-1" autofocus>', html)
    calm = client.get("/desk/tool-loans").get_data(as_text=True)
    assert "<title>工具借用 · " in calm and "autofocus" not in calm and "aria-invalid" not in calm


def test_the_refusal_s_summary_links_each_error_to_its_input_where_the_page_has_it(client, fake, households):
    """The summary listed the refused fields, and a keyboard user had to find each one (a probe of
    the console's small gaps): each is a link to its input (a register's with its form's prefix), a
    field the page shows no input for is listed as before."""
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/tool-loans", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/tool-loans",
            problem(400, "invalid input", "", code="invalid_input",
                    errors=[{"field": "borrower", "message": "must not be empty"},
                            {"field": "estate_id", "message": "must not be empty"}]))
    html = client.post("/desk/tool-loans", data={"csrf_token": csrf_of(client), "tool": "ladder", "borrower": " ",
                                                 "due_back_at": "2026-12-01T18:00"}).get_data(as_text=True)
    summary = html.split('<div class="problem"')[1].split("</div>")[0]
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)
    assert [target for target, _ in links] == ["n-borrower"] and "不能为空" in links[0][1]
    assert 'id="n-borrower"' in html
    assert "<li>小区（系统编号）: 不能为空</li>" in summary  # no input of its own: not a link
    # a hand-made form's: the new request's kind
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", problem(
        400, "invalid input", "", code="invalid_input", errors=[{"field": "kind", "message": "must not be empty"},
                                                                 {"field": "household_id", "message": "is required"}]))
    html = client.post("/desk/requests", data={"csrf_token": csrf_of(client), "kind": "complaint",
                                               "channel": "phone", "description": "noise"}).get_data(as_text=True)
    summary = html.split('<div class="problem"')[1].split("</div>")[0]
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["kind"]  # the household's a group of choices


def test_a_hand_made_form_ties_its_errors_a_group_of_choices_and_two_errors_of_one_input(client, fake):
    sign_in(client, fake, roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/fee-standards", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/fee-standards", problem(
        400, "invalid input", "", code="invalid_input", errors=[
            {"field": "amount_cents", "message": "must be at least 1"},
            {"field": "unit_price_cents_per_m2", "message": "must be at least 1"},
            {"field": "applies_to.statuses", "message": "must not be empty"},
            {"field": "valid_from", "message": "does not match"}]))
    answer = client.post("/accounts/fee-standards", data={
        "csrf_token": csrf_of(client), "item": "property_service", "basis": "fixed", "price": "0",
        "cycle": "monthly", "valid_from": "soon"}, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    page = assert_errors_tied(answer.get_data(as_text=True))
    [price] = [a for t, a in page.elements if a.get("id") == "price"]
    assert price["aria-describedby"] == "error-amount_cents error-unit_price_cents_per_m2"
    assert page.described("error-applies_to-statuses")[0][0] == "fieldset"


@pytest.mark.parametrize("field, control", [
    ("kind", "kind"), ("channel", "channel"), ("complainant", "complainant"), ("reference", "reference"),
    ("nature", "nature"), ("summary", "summary"), ("category", "category"),
    ("other_household_id", "other_household_id")])
def test_the_new_request_form_ties_every_field_s_error_to_its_input(client, fake, field, control):
    """The new-request form showed the household's, the description's and the related number's
    errors beside their fields only: a refused kind, channel or complaint detail was in the summary
    alone, its input neither marked nor described (a probe of the console's small gaps)."""
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", problem(
        400, "invalid input", "", code="invalid_input", errors=[{"field": field, "message": "must not be empty"}]))
    answer = client.post("/desk/requests", data={
        "csrf_token": csrf_of(client), "household_id": "hh_1", "kind": "complaint", "channel": "phone",
        "description": "noise", "complainant": " "})
    assert answer.status_code == 400
    page = assert_errors_tied(answer.get_data(as_text=True), "不能为空")
    assert [a.get("id") for t, a in page.described(f"error-{field}")] == [control]


def test_the_desk_s_caller_fields_are_tied_to_their_errors_and_keep_their_hint(client, fake):
    """Who called (contact.name, contact.phone) came with the request form's other fields tied, its
    own not: a refused phone was shown under its input, which a screen reader read as valid with
    its hint only (found by review)."""
    sign_in(client, fake)
    _desk_routes(fake)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", problem(
        400, "invalid input", "", code="invalid_input", errors=[
            {"field": "contact.phone", "message": "'call me' does not match '^\\+?[0-9][0-9 -]{5,19}$'"},
            {"field": "contact.name", "message": "does not match '\\S'"}]))
    answer = client.post("/desk/requests", data={
        "csrf_token": csrf_of(client), "household_id": "hh_1", "kind": "consultation", "channel": "phone",
        "description": "lift", "contact_name": "王五", "contact_phone": "call me"})
    assert answer.status_code == 400
    page = assert_errors_tied(answer.get_data(as_text=True))
    for name in ("name", "phone"):
        [control] = [a for t, a in page.elements if a.get("id") == f"contact_{name}"]
        assert control["aria-invalid"] == "true", name
        assert control["aria-describedby"] == f"caller-hint error-contact-{name}", name
    calm = Page(client.get("/desk/requests/new?building=3").get_data(as_text=True))
    [phone] = [a for t, a in calm.elements if a.get("id") == "contact_phone"]
    assert phone.get("aria-describedby") == "caller-hint" and "aria-invalid" not in phone


# a list's error shown above its rows, which belongs to none of their inputs
UNTIED_BY_DESIGN = {("engineering/_checklist_items.html", "items"), ("engineering/inspection.html", "results")}


def test_every_field_error_a_template_shows_by_name_is_tied_to_an_input():
    """A field added to a form whose others are tied (the desk's caller, by one helper while another
    tied the rest) showed its error untied: each literal ``field`` given to _field_error.html has an
    ``invalid(...)`` naming it in the same template."""
    untied = []
    for path in (CONSOLE / "templates").rglob("*.html"):
        text, name = path.read_text(), str(path.relative_to(CONSOLE / "templates"))
        for field in re.findall(r"with field ?= ?'([^']+)'(?:, [^%]*)? %\}\{% include \"_field_error.html\"", text):
            if (name, field) not in UNTIED_BY_DESIGN and not re.search(
                    r"invalid\([^)]*'" + re.escape(field) + "'", text):
                untied.append((name, field))
    assert untied == []


def test_the_household_s_page_ties_the_failed_form_s_errors_only(client, fake):
    sign_in(client, fake, roles=("steward",))
    _household(fake)
    fake.on("POST", r"/api/v1/estates/est_1/households/hh_1/owner-transfers", problem(
        400, "invalid input", "", code="invalid_input", errors=[{"field": "date", "message": "does not match"}]))
    answer = client.post("/households/hh_1/owner-transfers", data={
        "csrf_token": csrf_of(client), "owner_name": "王五", "owner_phone": "13900000000", "date": "x"})
    assert answer.status_code == 400
    page = assert_errors_tied(answer.get_data(as_text=True))
    assert [a["id"] for t, a in page.described("error-date")] == ["t-date"]  # not the other forms' dates


def _controls_marked(page):
    """The ids of the page's controls marked invalid, with what describes each."""
    return {a["id"]: a.get("aria-describedby") for t, a in page.elements
            if t in CONTROLS and a.get("aria-invalid") == "true"}


def test_a_refused_owner_contact_marks_its_row_s_time_only(client, fake):
    """A row's contact refused (its time in the future) went back to the list with the refusal and
    the row's values, but the time was not marked invalid nor tied to an error of its own: the
    refusal kept over the redirect had no field errors for ``invalid`` to read (a browser probe).
    It is its row's: the other rows' times are not marked."""
    sign_in(client, fake, roles=("steward",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/owner-contacts/due", DUE)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/owner-contacts", problem(
        422, "business rule violated", "a contact is recorded once it has happened", code="business_rule",
        errors=[{"field": "contacted_at", "message": "is in the future"}]))
    answer = client.post("/desk/owner-contacts/due", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k-due-hh_2", "household_id": "hh_2", "channel": "phone",
        "contacted_at": "2099-11-30T10:00", "summary": "lift noise"})
    assert answer.status_code == 302
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    page = assert_errors_tied(html)
    assert _controls_marked(page) == {"c-hh_2-contacted_at": "error-c-hh_2-contacted_at"}
    assert page.texts["error-c-hh_2-contacted_at"]
    assert 'value="2099-11-30T10:00"' in html  # kept, as before
    summary = html.split('<div class="problem"')[1].split("</div>")[0]
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["c-hh_2-contacted_at"]
    calm = client.get("/desk/owner-contacts/due").get_data(as_text=True)
    assert "aria-invalid" not in calm and "field-error" not in calm


def test_a_register_s_refused_row_action_marks_its_own_row_s_fields_only(client, fake):
    """A register's row action refused by the API (a plan's stop without its reason) came back to
    the list as typed, its field neither marked invalid nor tied to its error, where a create
    form's are; the row sent is marked, its sibling's same field is not."""
    plans = [{"id": f"mp_{n}", "equipment_id": "eq_1", "kind": "periodic_maintenance", "every_days": 7,
              "next_due_on": "2026-12-15", "active": True} for n in (1, 2)]
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/maintenance-plans", {"items": plans, "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/maintenance-plans/mp_2/stop", problem(
        400, "invalid input", "", code="invalid_input", errors=[{"field": "reason", "message": "must not be empty"}]))
    sign_in(client, fake, username="wu", roles=("manager",))
    answer = client.post("/engineering/maintenance-plans/mp_2/stop", data={
        "csrf_token": csrf_of(client), "reason": " "})
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    page = assert_errors_tied(html, "不能为空")
    assert _controls_marked(page) == {"a-mp_2-stop-reason": "error-a-mp_2-stop-reason"}
    summary = html.split('<div class="problem"')[1].split("</div>")[0]
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["a-mp_2-stop-reason"]


def test_a_hand_made_step_s_form_refused_by_the_console_ties_its_fields_after_the_redirect(client, fake):
    """A payment's reversal without its reason or its box, and a return visit without its answers,
    went back to their page with the refusal, the fields named by ``invalid`` but not marked: the
    refusal kept over the redirect reached them as a dict without field errors."""
    sign_in(client, fake, username="carol", roles=("cashier", "agent"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/payments/pay_1", PAYMENT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", DAILY_HOUSEHOLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/invoices", {"items": [], "next_cursor": None})
    answer = client.post("/accounts/payments/pay_1/reverse", data={"csrf_token": csrf_of(client), "confirm": "yes"})
    page = assert_errors_tied(client.get(answer.location).get_data(as_text=True), "请填写冲销原因。")
    assert _controls_marked(page) == {"reason": "error-reason"}
    answer = client.post("/accounts/payments/pay_1/reverse", data={"csrf_token": csrf_of(client), "reason": "x"})
    page = assert_errors_tied(client.get(answer.location).get_data(as_text=True))
    assert _controls_marked(page) == {"confirm": "error-confirm"}
    repair = {"id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": None, "channel": "phone",
              "description": "leak", "status": "completed", "due_at": "2026-12-01T00:00:00Z", "charge_cents": 5000,
              "created_at": "2026-11-30T00:00:00Z", "completed_at": "2026-11-30T05:00:00Z", "history": [],
              "return_visit_due_at": "2026-12-03T05:00:00Z", "return_visits": []}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", repair)
    answer = client.post("/desk/requests/sr_1/return-visits", data={"csrf_token": csrf_of(client),
                                                                    "charge_asked": "1", "notes": "ok"})
    page = assert_errors_tied(client.get(answer.location).get_data(as_text=True), "请选择一项")
    assert _controls_marked(page) == {"visit-satisfaction": "error-satisfaction",
                                      "visit-charge": "error-charge_confirmed"}


def _refused_page(client, path, data):
    """The page a row's form ``data`` refused at ``path`` goes back to (a redirect), as its fields."""
    answer = client.post(path, data={"csrf_token": csrf_of(client), **data})
    assert answer.status_code == 302, answer.status_code
    return client.get(answer.location).get_data(as_text=True)


def _invalid_input(*errors):
    return problem(400, "invalid input", "", code="invalid_input",
                   errors=[{"field": field, "message": message} for field, message in errors])


def test_a_work_order_s_refused_steps_tie_their_own_fields_after_the_redirect(client, fake):
    """A work order's steps (assign, quote, consent, complete: forms of their own; appoint and the
    others: a register's fields) refused went back to the order with the refusal in the summary,
    their inputs neither marked nor tied to an error shown under them; an appointment's time came
    back empty. A material's error names its line among those sent (the blank lines are not)."""
    sign_in(client, fake, username="mia", roles=("manager", "technician"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/technicians", {"items": [{"username": "chen"}, {"username": "wu"}]})
    order = {"id": "wo_5", "estate_id": ESTATE, "number": "WO-5", "description": "leak", "priority": "normal",
             "status": "assigned", "technician": "mia", "reported_at": "2026-11-30T00:00:00Z", "history": [],
             "custom": {}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5", order)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5/assign", _invalid_input(
        ("technician", "is not an active technician of this estate")))
    page = assert_errors_tied(_refused_page(client, "/engineering/work-orders/wo_5/assign", {"technician": "wu"}))
    assert _controls_marked(page) == {"technician": "error-technician"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5/appoint", _invalid_input(("at", "is not in the future")))
    html = _refused_page(client, "/engineering/work-orders/wo_5/appoint", {"at": "2026-11-01T09:00"})
    page = assert_errors_tied(html)
    assert _controls_marked(page) == {"appoint-at": "error-appoint-at"}
    assert 'value="2026-11-01T09:00"' in html.split('action="/engineering/work-orders/wo_5/appoint"')[1]
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5", {**order, "status": "in_progress"})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5/quote", _invalid_input(
        ("items[1].amount_cents", "must be at least 1")))
    page = assert_errors_tied(_refused_page(client, "/engineering/work-orders/wo_5/quote", {
        "item_name": ["valve", "", "labour"], "item_amount": ["50", "", "0"]}))
    assert _controls_marked(page) == {"item-amount-2": "error-items-1-amount_cents"}
    quoted = {**order, "status": "quoted", "quote": {"version": 1, "amount_cents": 5000, "at": "2026-11-30T00:00:00Z",
                                                     "by": "mia", "items": [{"name": "valve", "amount_cents": 5000}]}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5", quoted)
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5/consent", _invalid_input(("by", "does not match")))
    page = assert_errors_tied(_refused_page(client, "/engineering/work-orders/wo_5/consent", {"by": "-"}))
    assert _controls_marked(page) == {"by": "error-by"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5", {**quoted, "status": "consented",
                                                                   "consent": {"by": "Li Lei"}})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/work-orders/wo_5/complete", _invalid_input(
        ("materials[1].qty", "must be greater than 0"), ("signed_by", "does not match")))
    page = assert_errors_tied(_refused_page(client, "/engineering/work-orders/wo_5/complete", {
        "material_name": ["bulb", "", "tape"], "material_qty": ["1", "", "0"], "material_unit_cost": ["", "", ""],
        "charge": "50.00", "signed_by": "-"}))
    assert _controls_marked(page) == {"qty-2": "error-materials-1-qty", "signed_by": "error-signed_by"}
    calm = client.get("/engineering/work-orders/wo_5").get_data(as_text=True)
    assert "aria-invalid" not in calm and "field-error" not in calm


def test_a_refused_correction_check_in_and_reminder_tie_their_own_row_s_fields(client, fake):
    """An archive record's correction, a checkpoint's check-in and a flat's arrears reminder, each
    a row's form on its list, went back to the list refused, their fields not tied to the errors
    the summary listed; the other rows' same fields are not marked."""
    sign_in(client, fake, username="ann", roles=("archivist", "security", "accountant"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/records", {"items": [
        {"id": f"ar_{n}", "subject_type": "household", "subject_id": "hh_1", "event_type": "household_created",
         "occurred_at": "2026-11-30T00:00:00Z", "actor": "admin", "data": {"room": "1202", "amount_cents": 100}}
        for n in (1, 2)], "next_cursor": None})
    html = _refused_page(client, "/archive/records/ar_2/corrections?household_id=hh_1", {
        "reason": "typo", "original": '{"room": "1202", "amount_cents": 100}', "field.room": "1203",
        "field.amount_cents": "lots"})
    page = assert_errors_tied(html)
    assert _controls_marked(page) == {"data-ar_2-2": "error-data-amount_cents"}
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/archive/records/ar_1/corrections", _invalid_input(
        ("reason", "does not match")))
    page = assert_errors_tied(_refused_page(client, "/archive/records/ar_1/corrections?household_id=hh_1", {
        "reason": "-", "original": '{"room": "1202", "amount_cents": 100}', "field.room": "1203"}))
    assert _controls_marked(page) == {"reason-ar_1": "error-reason"}

    fake.on("GET", rf"/api/v1/estates/{ESTATE}/patrol-rounds/pr_1", {
        "id": "pr_1", "route_name": "Night round", "guard": "ann", "status": "open",
        "scheduled_start": "2026-11-30T14:00:00Z", "check_ins": [], "missed": None,
        "checkpoints": [{"code": "A", "name": "Gate", "due_at": None}, {"code": "B", "name": "Garage", "due_at": None}]})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/patrol-rounds/pr_1/check-ins", _invalid_input(
        ("anomaly.description", "does not match")))
    page = assert_errors_tied(_refused_page(client, "/security/rounds/pr_1/check-ins", {
        "checkpoint": "B", "anomaly": "-", "idempotency_key": "k-B"}))
    assert _controls_marked(page) == {"anomaly-2": "error-anomaly-description"}

    fake.on("GET", rf"/api/v1/estates/{ESTATE}/arrears", {"items": [
        {"household_id": household, "building": "3", "unit": "1", "room": room, "overdue_cents": 27000, "bills": 1,
         "oldest_due_at": "2026-10-31T00:00:00Z", "age_days": 30, "last_reminder_at": None}
        for household, room in (("hh_1", "1202"), ("hh_2", "1203"))], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/arrears/reminders", _invalid_input(
        ("note", "is longer than 500 characters")))
    page = assert_errors_tied(_refused_page(client, "/accounts/arrears/reminders", {
        "household_id": "hh_2", "channel": "letter", "note": "x" * 501, "idempotency_key": "k-hh_2"}))
    assert _controls_marked(page) == {"note-hh_2": "error-note"}


def test_the_other_hand_made_row_forms_tie_their_fields_after_the_redirect(client, fake):
    """A request's step, an estate's edit, a deposit's refund, a survey's answer and a payment's
    invoice: each refused goes back to its page with its own fields tied to their errors."""
    sign_in(client, fake, username="cathy", roles=("agent", "cashier"))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_5", {
        "id": "sr_5", "estate_id": ESTATE, "number": "SR-5", "kind": "complaint", "household_id": None,
        "channel": "phone", "description": "noise", "status": "verified", "due_at": None,
        "created_at": "2026-11-30T00:00:00Z", "updated_at": "2026-11-30T00:00:00Z", "history": []})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests/sr_5/reply", _invalid_input(
        ("message", "does not match")))
    page = assert_errors_tied(_refused_page(client, "/desk/requests/sr_5/reply", {"text": "-"}))
    assert _controls_marked(page) == {"text-reply": "error-message"}

    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [DAILY_HOUSEHOLD], "next_cursor": None})
    deposit = {"id": "dep_1", "estate_id": ESTATE, "application_id": "app_1", "household_id": "hh_1",
               "bill_id": "bill_9", "amount_cents": 200000, "paid_cents": 200000, "refund": None,
               "accepted_at": "2026-11-20T02:00:00Z", "status": "refundable", "created_at": "2026-11-01T00:00:00Z"}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/deposits", {"items": [deposit, {**deposit, "id": "dep_2"}],
                                                           "next_cursor": None})
    page = assert_errors_tied(_refused_page(client, "/accounts/deposits/dep_2/refund", {"method": "cash"}))
    assert _controls_marked(page) == {"confirm-dep_2": "error-confirm"}

    survey = {"id": "sv_1", "estate_id": ESTATE, "title": "2026", "year": 2026, "service_lines": ["water", "cleaning"]}
    tally = {"answers": 0, "average": None, "satisfied": 0, "satisfied_share": None}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/surveys/sv_1", survey)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/surveys/sv_1/results", {
        "survey_id": "sv_1", "households": 0, "lines": {"water": tally}, "overall": tally})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/surveys/sv_1/answers", _invalid_input(
        ("scores.cleaning", "is greater than the maximum of 5")))
    page = assert_errors_tied(_refused_page(client, "/desk/surveys/sv_1/answers", {
        "household_id": "hh_1", "score_water": "4", "score_cleaning": "2"}))
    assert _controls_marked(page) == {"score-cleaning": "error-scores-cleaning"}

    fake.on("GET", rf"/api/v1/estates/{ESTATE}/payments/pay_1", PAYMENT)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", DAILY_HOUSEHOLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/invoices", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/payments/pay_1/invoices", _invalid_input(
        ("buyer_tax_id", "does not match")))
    page = assert_errors_tied(_refused_page(client, "/accounts/payments/pay_1/invoices", {
        "buyer_name": "Li Lei", "buyer_tax_id": "91310000MA1K000000"}))
    assert _controls_marked(page) == {"buyer_tax_id": "error-buyer_tax_id"}

    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    lakeside = {"id": "est_9", "code": "SH-01", "name": "Lakeside", "address": "1 Lake Rd", "timezone": "Asia/Shanghai"}
    fake.on("GET", r"/api/v1/estates", {"items": [lakeside, {**lakeside, "id": "est_8"}], "next_cursor": None})
    fake.on("PATCH", r"/api/v1/estates/est_9", _invalid_input(("timezone", "is not one of")))
    page = assert_errors_tied(_refused_page(client, "/admin/estates/est_9/edit", {"timezone": "Mars/Base"}))
    assert _controls_marked(page) == {"timezone-est_9": "error-timezone"}


def test_the_portal_ties_its_errors_announces_the_refusal_and_names_each_page(client, fake):
    fake.on("GET", r"/api/v1/public/estates/E1", {"code": "E1", "name": "绿城花园"})
    fake.on("POST", r"/api/v1/public/estates/E1/requests", problem(400, "invalid input", "", "invalid_input", [
        {"field": "contact_phone", "message": "does not match '^1[0-9]{10}$'"},
        {"field": "kind", "message": "is a required property"}]))
    form = client.get("/portal/E1").get_data(as_text=True)
    assert "<title>绿城花园 · 业主自助报事</title>" in form and '<a class="skip" href="#main">' in form
    answer = client.post("/portal/E1", data={"building": "3", "unit": "1", "room": "1201", "contact_phone": "12",
                                             "description": "tap", "csrf_token": csrf_of(client)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "<title>出错：绿城花园 · 业主自助报事</title>" in html
    page = assert_errors_tied(html)
    assert page.described("error-contact_phone")[0][1]["id"] == "contact_phone"
    assert page.described("error-kind")[0][0] == "fieldset"
    assert re.search(r'<div class="problem" role="alert" tabindex="-1" autofocus>', html)
    fake.on("GET", r"/api/v1/public/requests/E1\.a+", {
        "number": "SR-2026-000007", "kind": "repair", "status": "open", "history": [], "rateable": False,
        "satisfaction": None, "timezone": "Asia/Shanghai"})
    tracked = client.get("/portal/track/E1." + "a" * 32).get_data(as_text=True)
    assert "<title>报事 SR-2026-000007 · 业主自助报事</title>" in tracked


@pytest.mark.parametrize("language, lang", (("zh", "zh-CN"), ("en", "en")))
def test_every_page_says_its_language(client, fake, language, lang):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/keys", {"items": [], "next_cursor": None})
    for path in ("/signin", "/desk/keys", "/portal/E1"):
        html = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, path


def test_no_table_has_an_empty_header_cell():
    """A screen reader read a blank column name before each row's buttons (axe: empty-table-header)."""
    empty = [str(path.relative_to(CONSOLE)) for path in (CONSOLE / "templates").rglob("*.html")
             if re.search(r"<th(\s[^>]*)?>\s*</th>", path.read_text())]
    assert empty == []


def test_the_kpi_charts_give_their_figures_in_words(client, fake):
    """An svg of role img named by its title: a screen reader heard "Collection rate" and no figure."""
    sign_in(client, fake, roles=("manager",), estates=(ESTATE, "est_2"))
    fake.on("GET", r"/api/v1/kpis", {"period": "2026-11", "unavailable": [], "estates": [
        {"estate_id": ESTATE, "code": "E1", "name": "Sunny Gardens",
         "kpis": {"collection_rate": {"numerator": 45, "denominator": 50, "value": 0.9, "unit": "ratio"}}}]})
    html = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<ul class="visually-hidden"><li>Sunny Gardens: ¥0.45 / ¥0.50 · 90.0%</li>' in html
    assert '<svg aria-hidden="true" focusable="false"' in html and 'role="img"' not in html


def test_the_dashboard_s_services_unavailable_line_is_a_status(client, fake):
    """The line saying some services did not answer (the figures are short of theirs) was a plain
    paragraph in the error's colour: nothing told a screen reader it was a status of the page (a
    probe of the console's small gaps). Not an alert: nothing the user did was refused."""
    sign_in(client, fake, roles=("manager",), estates=(ESTATE, "est_2"))
    fake.on("GET", r"/api/v1/kpis", {"period": "2026-11", "unavailable": ["finance"], "estates": [
        {"estate_id": ESTATE, "code": "E1", "name": "Sunny Gardens", "kpis": {}}]})
    html = client.get("/manager/kpis?period=2026-11", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'<p class="problem" role="status">These services did not answer: [^<]+</p>', html)


def _luminance(colour):
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_badge_has_a_background_of_its_own():
    """A badge's text is white (.badge): one with no colour class of its own was white on the card,
    unseen (a closed incident's step not done, 未执行: found by review)."""
    bare = [str(path.relative_to(CONSOLE)) for path in (CONSOLE / "templates").rglob("*.html")
            for classes in re.findall(r'class="([^"]*)"', path.read_text())
            if "badge" in classes.split() and not any(c.startswith("badge-") for c in classes.split())]
    assert bare == []


def test_text_badges_borders_and_the_focus_ring_meet_wcag_aa():
    """Computed from the stylesheet: the amber badge (white on #b36b00, 4.2:1) and the muted one
    (3.3:1) were under 4.5:1, the focus ring (#ffb020) 1.8:1 on white and inputs' borders 1.8:1."""
    css = (CONSOLE / "static" / "console.css").read_text()
    colours = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css))

    def rule(selector, prop):
        block = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", css).group(1)
        value = re.search(prop + r":\s*([^;]+)", block).group(1)
        named = re.search(r"var\(--([a-z]+)\)", value)
        return colours[named.group(1)] if named else re.search(r"#[0-9a-f]{6}", value).group(0)

    grounds = {"white": "#ffffff", "page": colours["bg"], "header": rule("header.top", "background")}
    for badge in ("ok", "soon", "late", "muted"):
        assert contrast("#ffffff", rule(f".badge-{badge}", "background")) >= 4.5, badge
    for name in ("ink", "muted", "accent", "red"):
        for ground in ("white", "page"):
            assert contrast(colours[name], grounds[ground]) >= 4.5, (name, ground)
    # a KPI's bar marked missed or met (manager/dashboard.html): its words on the card, the bar on its track
    for selector in ("svg.bars text.verdict.missed", "svg.bars text.verdict.met"):
        assert contrast(rule(selector, "fill"), grounds["white"]) >= 4.5, selector
    track = rule("svg.bars .bar-track", "fill")
    for selector in ("svg.bars .bar-fill", "svg.bars .bar-fill.missed", "svg.bars g:hover .bar-fill.missed"):
        assert contrast(rule(selector, "fill"), track) >= 3, selector
    ring = rule(":focus-visible", "outline")
    for ground, colour in grounds.items():
        assert contrast(ring, colour) >= 3, ("focus ring", ground)
    for selector in ("input:not([type=checkbox]):not([type=radio]), select, textarea", "button, .button"):
        assert contrast(rule(selector, "border"), grounds["white"]) >= 3, selector


# tables left out of the scrolling frame, each with its reason: a printed receipt's lines and the
# owners' published disclosure (a report of two or three columns, printed: its expenses and its
# prepaid money, 预收, and the maintenance fund's totals: three tables of two columns in
# _disclosure_expenses, and its public revenue (公共收益) by kind, four columns; the fund's uses are framed), the complaint report's
# two-column counts (by nature, cause, department and building, the recurring causes, the repeat complainants),
# a flat's own account in the fund (分户账: two columns, its deposits, shares and balance), the public revenue
# contracts overdue (a short table above the registers, shown only when some are)
UNFRAMED_TABLES = {"accounts/receipt.html": 1, "finance/utility_receipt.html": 1, "finance/disclosure.html": 2,
                   "finance/_disclosure_expenses.html": 4, "finance/fund.html": 1, "portal/disclosure.html": 1,
                   "finance/public_revenue.html": 1,
                   "manager/complaints.html": 6}


def test_every_list_s_table_sits_in_the_one_scrolling_frame():
    """On a phone a register's columns shrank to a character or two (width: 100%) rather than
    scroll: every list's table sits in _table.html's frame (scroll_table), the one place that makes
    it scroll in its own box, named and reached by the keyboard, where templates wrote the frame's
    div by hand."""
    unframed, by_hand = {}, []
    for path in (CONSOLE / "templates").rglob("*.html"):
        name, text = str(path.relative_to(CONSOLE / "templates")), path.read_text()
        if name == "_table.html":
            continue
        if "table-wrap" in text:
            by_hand.append(name)
        framed = sum(body.count("<table") for body in re.findall(
            r"\{% call scroll_table\(.+?\) %\}(.*?)\{% endcall %\}", text, re.S))
        if text.count("<table") - framed:
            unframed[name] = text.count("<table") - framed
    assert by_hand == []
    assert unframed == UNFRAMED_TABLES


def test_a_register_s_table_scrolls_in_a_named_frame_the_keyboard_reaches(client, fake):
    sign_in(client, fake, roles=("agent",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/keys", {"items": [], "next_cursor": None})
    page = Page(client.get("/desk/keys", headers={"Accept-Language": "en"}).get_data(as_text=True))
    frames = [attributes for tag, attributes in page.elements if "table-wrap" in (attributes.get("class") or "")]
    assert len(frames) == 1
    assert frames[0].get("role") == "region" and frames[0].get("tabindex") == "0"
    assert frames[0].get("aria-label") == "Keys", frames[0]


def test_a_framed_table_s_columns_keep_a_width_and_the_frame_scrolls():
    css = (CONSOLE / "static" / "console.css").read_text()
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto", css)
    assert re.search(r"\.table-wrap th, \.table-wrap td \{[^}]*min-width: \d", css)
