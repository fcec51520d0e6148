"""``If-Match`` on a write of a record whose read answers an ``ETag`` (``preconditions``; an
integrator's probe, h9: a ``PATCH`` of a household sent with a stale ``If-Match`` was written,
200, the header silently ignored, where RFC 9110 13.1.1 has an origin server evaluate it before
the method: the lost update the client guarded against happened)."""
from gateway import preconditions

HOUSEHOLD = "/api/v1/estates/A/households/hh_1"
HOUSEHOLD_PATH = "/api/v1/estates/{estate_id}/households/{household_id}"
REPLY = "/api/v1/estates/A/service-requests/sr_1/reply"
REPLY_PATH = "/api/v1/estates/{estate_id}/service-requests/{request_id}/reply"


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_stale_if_match_on_a_patch_is_412_and_writes_nothing(client, rpc, admin_token, contract):
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 1})
    etag = client.get(HOUSEHOLD, headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 2})  # written since
    answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-Match": etag})
    body = contract.problem(answer, 412, "precondition_failed")
    assert body["title"] == "Precondition Failed"
    assert answer.headers["ETag"] != etag  # the record's tag now: read it again
    assert rpc.calls_to("archive", "update_household") == []
    assert contract.header_problems(answer, HOUSEHOLD_PATH, "PATCH") == []


def test_the_current_tag_or_a_star_lets_the_write_through(client, rpc, admin_token, contract):
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 1})
    etag = client.get(HOUSEHOLD, headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("archive", "update_household", {"id": "hh_1", "room": "101", "version": 2})
    for sent in (etag, f'"nope", {etag}', "*"):
        answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-Match": sent})
        assert answer.status_code == 200, (sent, answer.get_data(as_text=True))
        assert contract.header_problems(answer, HOUSEHOLD_PATH, "PATCH") == []
    assert len(rpc.calls_to("archive", "update_household")) == 3
    # a weak tag never matches (RFC 9110 13.1.1: If-Match compares strongly)
    answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-Match": "W/" + etag})
    assert answer.status_code == 412


def test_a_step_under_a_record_checks_the_record_s_tag(client, rpc, admin_token, contract):
    """A step POSTed under a record (a complaint's reply) is a write of that record."""
    rpc.answer("customer_service", "get_request", {"id": "sr_1", "status": "escalated"})
    answer = client.post(REPLY, json={"message": "done"},
                         headers={**_auth(admin_token), "If-Match": '"stale"', "Idempotency-Key": "rep-1"})
    contract.problem(answer, 412, "precondition_failed")
    assert rpc.calls_to("customer_service", "reply_request") == []
    assert contract.header_problems(answer, REPLY_PATH, "POST") == []
    # without the header nothing is read first
    rpc.calls.clear()
    client.post(REPLY, json={"message": "done"}, headers=_auth(admin_token))
    assert rpc.calls_to("customer_service", "get_request") == []


def test_every_write_of_a_tagged_record_declares_if_match_and_412(client):
    document = client.get("/api/v1/openapi.json").get_json()
    guarded = preconditions.guarded_writes(document["paths"])
    assert ("patch", "/api/v1/estates/{estate_id}/households/{household_id}") in guarded
    assert ("post", REPLY_PATH) in guarded
    assert ("post", "/api/v1/estates/{estate_id}/households") not in guarded  # a create: no record yet
    for method, path in guarded:
        operation = document["paths"][path][method]
        names = [p.get("$ref", "").rsplit("/", 1)[-1] for p in operation.get("parameters", [])]
        assert "IfMatch" in names, (method, path)
        assert operation["responses"]["412"] == {"$ref": "#/components/responses/PreconditionFailed"}, (method, path)


def test_a_replay_of_the_key_answers_the_first_result_not_a_412(client, rpc, admin_token):
    """The write moved the record's tag; its retry after a lost answer (same key, same body, same
    If-Match) is answered the first result, as the key promises, not told the record changed."""
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 1})
    etag = client.get(HOUSEHOLD, headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("archive", "update_household", {"id": "hh_1", "room": "101", "version": 2})
    sent = {**_auth(admin_token), "If-Match": etag, "Idempotency-Key": "patch-1"}
    first = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers=sent)
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 2})  # as written
    again = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers=sent)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json() == first.get_json()
    assert len(rpc.calls_to("archive", "update_household")) == 1


ESTATE_POSTS = ("/billing-runs", "/restatements", "/handover-batches", "/exit-transfers", "/vehicle-exits")


def test_a_post_to_a_list_of_the_estate_is_no_write_of_the_estate(client, rpc, admin_token):
    """A billing run, a vehicle's exit, a restatement... is POSTed under the estate's URL, whose own
    ``GET`` is tagged, but writes no estate: the estate's tag is no copy of what it changes, and an
    edit of the estate's name between a read and a billing run turned the run into a 412 (found by r9
    reviewing h9)."""
    answer = client.post("/api/v1/estates/A/billing-runs", json={"period": "2026-11"},
                         headers={**_auth(admin_token), "If-Match": '"an-estate-tag-read-before-its-rename"'})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert len(rpc.calls_to("finance", "start_billing_run")) == 1
    document = client.get("/api/v1/openapi.json").get_json()
    guarded = preconditions.guarded_writes(document["paths"])
    for tail in ESTATE_POSTS:
        path = "/api/v1/estates/{estate_id}" + tail
        assert ("post", path) not in guarded, path
        assert "412" not in document["paths"][path]["post"]["responses"], path
    assert ("patch", "/api/v1/estates/{estate_id}") in guarded  # the estate's own edit is one


def test_the_record_s_read_not_answering_is_a_503_that_says_nothing_was_written(client, rpc, admin_token):
    """The check's read timing out is a 503 before the write was sent: it said "it may have been
    carried out: check before sending it again", the write's words (problems.py), so a client looked
    for an edit that never left the gateway (found by r9 reviewing h9)."""
    from estate_common.errors import ServiceUnavailable
    from estate_common.rpc_client import maybe_done
    rpc.answer("archive", "get_household",
               lambda call: maybe_done(ServiceUnavailable("archive did not answer within 5 s")))
    answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-Match": '"a-tag"'})
    assert answer.status_code == 503
    assert "carried out" not in answer.get_json()["detail"], answer.get_json()
    assert answer.headers["Retry-After"]
    assert rpc.calls_to("archive", "update_household") == []


def test_a_step_of_another_service_under_a_record_is_no_write_of_it(client, rpc, admin_token):
    """A household's exit refund is finance's (the owner's prepaid money), POSTed under the household
    whose read is archive's: the household's tag is no copy of what it changes (a payment that moved
    the balance left it the same, a new phone of the owner moved it), so the check compared the wrong
    record's tag and made the refund a 412 for an edit of the household (found by r9 reviewing h9)."""
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 2})
    answer = client.post("/api/v1/estates/A/households/hh_1/exit-refund", json={},
                         headers={**_auth(admin_token), "If-Match": '"the-household-before-its-owner-s-new-phone"'})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert rpc.calls_to("archive", "get_household") == []
    assert len(rpc.calls_to("finance", "refund_exit_prepaid")) == 1
    document = client.get("/api/v1/openapi.json").get_json()
    path = "/api/v1/estates/{estate_id}/households/{household_id}/exit-refund"
    assert ("post", path) not in preconditions.guarded_writes(document["paths"])
    assert "412" not in document["paths"][path]["post"]["responses"]


def test_a_sign_up_under_an_activity_is_a_create_not_a_write_of_the_activity(client, rpc, admin_token):
    """A sign-up makes a sign-up of its own (``…/signups/{signup_id}``, given up there), answered 200 not
    201: it compared the activity's tag, which each other household's sign-up moves (its places left),
    so an owner app sending the tag it read was refused 412 at each sign-up of a neighbour meanwhile;
    its places are the service's guard. A POST to a path with items under it makes one of them, a
    create under the record, which takes no If-Match (found by r9 reviewing h9)."""
    answer = client.post("/api/v1/estates/A/activities/act_1/signups", json={"household_id": "hh_1"},
                         headers={**_auth(admin_token), "If-Match": '"the-activity-before-a-neighbour-signed-up"'})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert rpc.calls_to("customer_service", "get_activity") == []
    assert len(rpc.calls_to("customer_service", "sign_up_for_activity")) == 1
    document = client.get("/api/v1/openapi.json").get_json()
    path = "/api/v1/estates/{estate_id}/activities/{activity_id}/signups"
    guarded = preconditions.guarded_writes(document["paths"])
    assert ("post", path) not in guarded
    assert "412" not in document["paths"][path]["post"]["responses"]
    assert ("post", "/api/v1/estates/{estate_id}/activities/{activity_id}/move") in guarded  # a step of it
