"""What a probe of the front desk's day found: a complaint could not name the consultation it
follows from the console, so consultation accuracy (咨询解答准确率) never counted one."""
from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_views import COMPLAINT, HOUSEHOLD

CONSULTATION = {**COMPLAINT, "id": "sr_3", "number": "SR-2026-000003", "kind": "consultation", "status": "replied",
                "complaint": None, "description": "how do I pay the fee?", "reply": "at the window"}


def _desk(fake):
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households", {"items": [HOUSEHOLD], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/households/hh_1", HOUSEHOLD)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_3", CONSULTATION)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests",
            lambda body, params: {"items": [CONSULTATION] if params.get("number") == "SR-2026-3" else [],
                                  "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/service-requests", (201, COMPLAINT))


def _posted(fake):
    return [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("/service-requests")]


def test_a_complaint_names_the_consultation_it_follows_by_its_number(client, fake):
    """DOMAIN.md: consultation accuracy counts the consultations "not reopened or followed by a
    complaint on the same matter"; the service reads the matter from the complaint's
    ``related_request_id``, which no console form sent: a consultation answered wrongly and then
    complained about still counted as answered right. The consultation's page leads to the
    complaint's form with its number filled in, which the form sends as the related request."""
    sign_in(client, fake)
    _desk(fake)
    page = client.get("/desk/requests/sr_3").get_data(as_text=True)
    link = "/desk/requests/new?building=3&amp;unit=1&amp;room=1202&amp;kind=complaint&amp;related_number=SR-2026-000003"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'name="related_number"' in form and 'value="SR-2026-000003"' in form
    assert '<option value="complaint" selected>' in form
    answer = client.post("/desk/requests", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k1", "household_id": "hh_1", "kind": "complaint",
        "channel": "phone", "description": "the answer was wrong", "related_number": "ＳＲ-2026-3 "})
    assert answer.status_code == 302
    assert _posted(fake)[-1]["json"]["related_request_id"] == "sr_3"


def test_a_related_number_of_no_request_is_refused_beside_its_field_and_nothing_is_sent(client, fake):
    sign_in(client, fake)
    _desk(fake)
    answer = client.post("/desk/requests", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k2", "household_id": "hh_1", "kind": "complaint",
        "channel": "phone", "description": "the answer was wrong", "related_number": "SR-2026-9"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and not _posted(fake)
    assert 'class="field-error">本小区没有这个编号的报事' in page and 'value="SR-2026-9"' in page
    # a number the register cannot read ("5") is refused beside the same field, in the API's words
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests", problem(
        400, "Invalid input", "number: is not valid", "invalid_input",
        [{"field": "number", "message": "the value does not match '^[A-Za-z]{2}-[0-9]{4}-[0-9]{1,12}$'"}]))
    answer = client.post("/desk/requests", data={
        "csrf_token": csrf_of(client), "idempotency_key": "k2", "household_id": "hh_1", "kind": "complaint",
        "channel": "phone", "description": "the answer was wrong", "related_number": "5"})
    assert answer.status_code == 400 and not _posted(fake)
    assert 'class="field-error">格式不正确' in answer.get_data(as_text=True)


def test_a_request_shows_the_request_it_follows_by_its_number(client, fake):
    sign_in(client, fake)
    _desk(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**COMPLAINT, "related_request_id": "sr_3"})
    page = client.get("/desk/requests/sr_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<a href="/desk/requests/sr_3">SR-2026-000003</a>' in page and "Follows request" in page


def test_an_escalated_complaint_replied_to_is_not_offered_to_escalate_again(client, fake):
    """customer-service escalates a complaint once (a second is a 409): the manager's reply was
    offered escalation to the desk and to himself, which sent it back to his list as not answered."""
    replied = {**COMPLAINT, "status": "replied", "reply": "we moved the guard",
               "complaint": {**COMPLAINT["complaint"], "verified_at": "2020-01-01T01:00:00Z", "escalated": True}}
    for roles in (("agent",), ("manager",)):
        sign_in(client, fake, roles=roles)
        _desk(fake)
        fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", replied)
        page = client.get("/desk/requests/sr_1").get_data(as_text=True)
        assert "/desk/requests/sr_1/escalate" not in page, roles
        assert ("/desk/requests/sr_1/close" in page) is (roles == ("manager",))
    # one never escalated, replied by the desk, goes to the manager when the owner is not satisfied
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_1", {**replied, "complaint": COMPLAINT["complaint"]})
    assert "/desk/requests/sr_1/escalate" in client.get("/desk/requests/sr_1").get_data(as_text=True)


def test_a_praise_says_it_owes_no_answer_where_its_due_time_would_be(client, fake):
    """A praise has no due time (nothing is owed): its page showed "期限" with nothing beside it."""
    sign_in(client, fake)
    _desk(fake)
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/service-requests/sr_4",
            {**CONSULTATION, "id": "sr_4", "kind": "praise", "status": "open", "due_at": None})
    page = client.get("/desk/requests/sr_4").get_data(as_text=True)
    assert "<dt>期限</dt><dd><span class=\"muted\">无答复时限（表扬无需答复）</span></dd>" in page
