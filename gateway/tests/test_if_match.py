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


NOT_MET = {"$ref": "#/components/responses/PreconditionNotMet"}


def _no_tag_to_match(answer, contract):
    """A 412 of an If-Match naming a tag on a resource that answers none: no tag to send back."""
    body = contract.problem(answer, 412, "precondition_failed")
    assert "answers no ETag" in body["detail"], body
    assert "ETag" not in answer.headers


def test_a_post_to_a_list_of_the_estate_is_no_write_of_the_estate(client, rpc, admin_token, contract):
    """A billing run, a vehicle's exit, a restatement... is POSTed under the estate's URL, whose own
    ``GET`` is tagged, but writes no estate: the estate's tag is no copy of what it changes, and an
    edit of the estate's name between a read and a billing run turned the run into a 412 (found by r9
    reviewing h9)."""
    answer = client.post("/api/v1/estates/A/billing-runs", json={"period": "2026-11"},
                         headers={**_auth(admin_token), "If-Match": '"an-estate-tag-read-before-its-rename"'})
    # the billing runs answer no ETag: a tag cannot match them, whatever the estate's (RFC 9110 13.1.1; h6)
    _no_tag_to_match(answer, contract)
    assert rpc.calls_to("archive", "get_estate") == [] and rpc.calls_to("finance", "start_billing_run") == []
    answer = client.post("/api/v1/estates/A/billing-runs", json={"period": "2026-11"},
                         headers={**_auth(admin_token), "If-Match": "*"})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert len(rpc.calls_to("finance", "start_billing_run")) == 1
    document = client.get("/api/v1/openapi.json").get_json()
    guarded = preconditions.guarded_writes(document["paths"])
    for tail in ESTATE_POSTS:
        path = "/api/v1/estates/{estate_id}" + tail
        assert ("post", path) not in guarded, path
        assert document["paths"][path]["post"]["responses"]["412"] == NOT_MET, path
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


def test_a_step_of_another_service_under_a_record_is_no_write_of_it(client, rpc, admin_token, contract):
    """A household's exit refund is finance's (the owner's prepaid money), POSTed under the household
    whose read is archive's: the household's tag is no copy of what it changes (a payment that moved
    the balance left it the same, a new phone of the owner moved it), so the check compared the wrong
    record's tag and made the refund a 412 for an edit of the household (found by r9 reviewing h9)."""
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 2})
    answer = client.post("/api/v1/estates/A/households/hh_1/exit-refund", json={},
                         headers={**_auth(admin_token), "If-Match": '"the-household-before-its-owner-s-new-phone"'})
    _no_tag_to_match(answer, contract)  # the refund answers no ETag: the household's is none of its (h6)
    assert rpc.calls_to("archive", "get_household") == []
    assert rpc.calls_to("finance", "refund_exit_prepaid") == []
    answer = client.post("/api/v1/estates/A/households/hh_1/exit-refund", json={},
                         headers={**_auth(admin_token), "If-Match": "*"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert rpc.calls_to("archive", "get_household") == []
    assert len(rpc.calls_to("finance", "refund_exit_prepaid")) == 1
    document = client.get("/api/v1/openapi.json").get_json()
    path = "/api/v1/estates/{estate_id}/households/{household_id}/exit-refund"
    assert ("post", path) not in preconditions.guarded_writes(document["paths"])
    assert document["paths"][path]["post"]["responses"]["412"] == NOT_MET


def test_a_sign_up_under_an_activity_is_a_create_not_a_write_of_the_activity(client, rpc, admin_token, contract):
    """A sign-up makes a sign-up of its own (``…/signups/{signup_id}``, given up there), answered 200 not
    201: it compared the activity's tag, which each other household's sign-up moves (its places left),
    so an owner app sending the tag it read was refused 412 at each sign-up of a neighbour meanwhile;
    its places are the service's guard. A POST to a path with items under it makes one of them, a
    create under the record, which takes no If-Match (found by r9 reviewing h9)."""
    answer = client.post("/api/v1/estates/A/activities/act_1/signups", json={"household_id": "hh_1"},
                         headers={**_auth(admin_token), "If-Match": '"the-activity-before-a-neighbour-signed-up"'})
    _no_tag_to_match(answer, contract)  # the sign-ups answer no ETag: the activity's is none of theirs (h6)
    assert rpc.calls_to("customer_service", "sign_up_for_activity") == []
    answer = client.post("/api/v1/estates/A/activities/act_1/signups", json={"household_id": "hh_1"},
                         headers={**_auth(admin_token), "If-Match": "*"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert rpc.calls_to("customer_service", "get_activity") == []
    assert len(rpc.calls_to("customer_service", "sign_up_for_activity")) == 1
    document = client.get("/api/v1/openapi.json").get_json()
    path = "/api/v1/estates/{estate_id}/activities/{activity_id}/signups"
    guarded = preconditions.guarded_writes(document["paths"])
    assert ("post", path) not in guarded
    assert document["paths"][path]["post"]["responses"]["412"] == NOT_MET
    assert ("post", "/api/v1/estates/{estate_id}/activities/{activity_id}/move") in guarded  # a step of it


# -- h6: the comparison made part of the write, a record not there, writes of what answers no ETag ------

def _read_telling(revision, record):
    """A service's item read asked which revision it answers (``revision_flag``): ``{result, revision}``."""
    return lambda call: {"result": record, "revision": revision} if (call.context or {}).get("revision_flag") \
        else record


def test_the_write_names_the_revision_its_compared_read_stood_for(client, rpc, admin_token):
    """The gateway read the record, compared, then wrote: a write between the two was lost. The read
    now tells the revision its tag stands for and the write names it (``if_revision``): the store
    writes only at that revision (``writes.conditional``)."""
    record = {"id": "sr_1", "status": "escalated"}
    rpc.answer("customer_service", "get_request", _read_telling(7, record))
    etag = client.get("/api/v1/estates/A/service-requests/sr_1", headers=_auth(admin_token)).headers["ETag"]
    rpc.calls.clear()
    answer = client.post(REPLY, json={"message": "done"}, headers={**_auth(admin_token), "If-Match": etag})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [read] = rpc.calls_to("customer_service", "get_request")
    assert read.context["revision_flag"] is True
    [write] = rpc.calls_to("customer_service", "reply_request")
    assert write.context["if_revision"] == 7
    # an item read that is no If-Match's asks no revision, and its answer is the record itself
    rpc.calls.clear()
    answer = client.get("/api/v1/estates/A/service-requests/sr_1", headers=_auth(admin_token))
    assert answer.get_json() == record and answer.headers["ETag"] == etag
    assert "revision_flag" not in (rpc.calls_to("customer_service", "get_request")[0].context or {})


def test_a_write_the_store_refuses_at_its_revision_is_a_412_with_the_record_s_tag_now(client, rpc, admin_token,
                                                                                     contract):
    """A write that landed after the gateway's comparison: the service's store finds the record at
    another revision and writes nothing (``PreconditionFailed``); the client is told as by the read's
    412, with the record's tag now."""
    from estate_common.errors import PreconditionFailed
    rpc.answer("customer_service", "get_request", _read_telling(7, {"id": "sr_1", "status": "escalated"}))
    etag = client.get("/api/v1/estates/A/service-requests/sr_1", headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("customer_service", "reply_request", PreconditionFailed("the record changed"))
    rpc.answer("customer_service", "get_request", _read_telling(8, {"id": "sr_1", "status": "replied"}))
    now = client.get("/api/v1/estates/A/service-requests/sr_1", headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("customer_service", "get_request", _read_telling(7, {"id": "sr_1", "status": "escalated"}))
    first = iter([True])  # the check's read sees the copy sent; the 412's read, the one written since

    def racing(call):
        record = {"id": "sr_1", "status": "escalated"} if next(first, False) else {"id": "sr_1", "status": "replied"}
        return {"result": record, "revision": 7 if record["status"] == "escalated" else 8}
    rpc.answer("customer_service", "get_request", racing)
    answer = client.post(REPLY, json={"message": "done"},
                         headers={**_auth(admin_token), "If-Match": etag, "Idempotency-Key": "rep-race"})
    contract.problem(answer, 412, "precondition_failed")
    assert answer.headers["ETag"] == now != etag
    assert contract.header_problems(answer, REPLY_PATH, "POST") == []
    # the 412 released the key: sent again with the tag now, it is carried out
    rpc.answer("customer_service", "reply_request", {"id": "sr_1", "status": "replied"})
    rpc.answer("customer_service", "get_request", _read_telling(8, {"id": "sr_1", "status": "replied"}))
    again = client.post(REPLY, json={"message": "done"},
                        headers={**_auth(admin_token), "If-Match": now, "Idempotency-Key": "rep-race"})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert rpc.calls_to("customer_service", "reply_request")[-1].context["if_revision"] == 8


def test_an_item_s_step_under_another_record_is_compared_by_the_read_alone(client, rpc, admin_token):
    """An occupant's leave writes the occupant, whose id is the call's ``item``, not its ``id`` (the
    household's): the service could not tell which document the revision is of, so none is sent."""
    from gateway import preconditions
    rpc.answer("archive", "get_occupant", _read_telling(3, {"id": "oc_1", "name": "x"}))
    path = "/api/v1/estates/A/households/hh_1/occupants/oc_1"
    etag = client.get(path, headers=_auth(admin_token)).headers["ETag"]
    answer = client.post(path + "/leave", json={}, headers={**_auth(admin_token), "If-Match": etag})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "if_revision" not in (rpc.calls[-1].context or {})
    assert ("post", "/api/v1/estates/{estate_id}/households/{household_id}/occupants/{occupant_id}/leave") \
        in preconditions.unconditional()


def test_if_match_on_a_record_that_is_not_there_is_a_412_not_a_404(client, rpc, admin_token, contract):
    """RFC 9110 13.1.1: ``*`` is true only when a current representation exists; a record that is not
    there has none, so ``If-Match`` (``*`` too) is a 412, nothing written (it was the read's 404)."""
    from estate_common.errors import NotFound
    rpc.answer("archive", "get_household", NotFound("no such household in this estate"))
    for sent in ("*", '"a-tag"'):
        answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-Match": sent})
        body = contract.problem(answer, 412, "precondition_failed")
        assert "no such record" in body["detail"] and "ETag" not in answer.headers
    assert rpc.calls_to("archive", "update_household") == []
    # without If-Match the write answers its own 404, as before
    rpc.answer("archive", "update_household", NotFound("no such household in this estate"))
    assert client.patch(HOUSEHOLD, json={"area_m2": 81}, headers=_auth(admin_token)).status_code == 404


SETTINGS = "/api/v1/estates/A/settings/maintenance"


def test_if_match_naming_a_tag_on_a_write_of_what_answers_no_etag_is_a_412(client, rpc, admin_token, contract):
    """Settings, budgets, emergency plans answer no ETag: a tag cannot match them (RFC 9110 13.1.1), so
    the write is refused, not carried out with the header ignored; ``*`` is carried out."""
    for method, path, body in (("put", SETTINGS, {"x": 1}), ("put", "/api/v1/estates/A/budgets/2026-11",
                                                              {"amount_cents": 100}),
                               ("put", "/api/v1/estates/A/emergency-plans/fire", {"steps": []})):
        answer = getattr(client, method)(path, json=body, headers={**_auth(admin_token), "If-Match": '"a-tag"'})
        _no_tag_to_match(answer, contract)
    assert [call for call in rpc.calls if call.method in ("update_settings", "set_budget", "set_emergency_plan")] == []
    answer = client.put(SETTINGS, json={"x": 1}, headers={**_auth(admin_token), "If-Match": "*"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/estates/{estate_id}/settings/maintenance"]["put"]
    assert operation["responses"]["412"] == NOT_MET
    assert {"$ref": "#/components/parameters/IfMatchUntagged"} in operation["parameters"]
    assert {"$ref": "#/components/parameters/IfNoneMatchPut"} in operation["parameters"]


def test_if_none_match_star_on_a_put_is_a_412_nothing_set(client, rpc, admin_token, contract):
    """``If-None-Match: *`` asks to create only what is absent (RFC 9110 13.1.2): the settings are always
    there (their defaults), so it was ignored and the PUT overwrote them; now a 412, nothing written.
    A tag in it matches nothing (none is answered) and passes."""
    answer = client.put(SETTINGS, json={"x": 1}, headers={**_auth(admin_token), "If-None-Match": "*"})
    body = contract.problem(answer, 412, "precondition_failed")
    assert "If-None-Match" in body["detail"]
    assert rpc.calls_to("maintenance", "update_settings") == []
    answer = client.put(SETTINGS, json={"x": 1}, headers={**_auth(admin_token), "If-None-Match": '"a-tag"'})
    assert answer.status_code == 200, answer.get_data(as_text=True)


def test_the_gateway_s_own_writes_take_if_match_too(client, admin_token, contract, unique):
    """The gateway's own routes ignored If-Match: an API key's edit is compared with its read (its ETag),
    and a write of what answers none (a user's creation) refuses a tag."""
    made = client.post("/api/v1/api-keys", json={"name": f"k{unique}", "roles": ["agent"], "estate_ids": ["A"]},
                       headers=_auth(admin_token))
    assert made.status_code == 201, made.get_data(as_text=True)
    key = f"/api/v1/api-keys/{made.get_json()['id']}"
    etag = client.get(key, headers=_auth(admin_token)).headers["ETag"]
    stale = client.patch(key, json={"calls_per_minute": 5}, headers={**_auth(admin_token), "If-Match": '"old"'})
    contract.problem(stale, 412, "precondition_failed")
    assert stale.headers["ETag"] == etag  # nothing written: the tag is as read
    fresh = client.patch(key, json={"calls_per_minute": 5}, headers={**_auth(admin_token), "If-Match": etag})
    assert fresh.status_code == 200, fresh.get_data(as_text=True)
    answer = client.post("/api/v1/users", json={"username": f"u{unique}", "password": "a-long-enough-passphrase-9",
                                                "roles": ["agent"], "estate_ids": ["A"]},
                         headers={**_auth(admin_token), "If-Match": '"a-tag"'})
    _no_tag_to_match(answer, contract)


def test_the_writes_checked_by_the_read_alone_are_the_readme_s():
    """The README's conditional requests name each write whose If-Match is not one step with it: a new
    one is a choice to make there, not found by chance."""
    from gateway import preconditions
    assert preconditions.unconditional() == {
        ("patch", "/api/v1/api-keys/{key_id}"), ("delete", "/api/v1/api-keys/{key_id}"),
        ("patch", "/api/v1/users/{user_id}"), ("post", "/api/v1/users/{user_id}/password"),
        ("patch", "/api/v1/estates/{estate_id}"),
        ("post", "/api/v1/estates/{estate_id}/households/{household_id}/occupants/{occupant_id}/leave")}


def test_a_read_of_a_service_from_before_leaves_the_write_to_the_read_s_comparison_and_revision_0_is_named(
        client, rpc, admin_token):
    """A rolling deploy (r6 reviewing h6): a service that does not know ``revision_flag`` answers the record
    itself; its tag is compared and the write is sent without ``if_revision`` (nothing the service would
    misread). A record never edited is at revision 0, a revision like any other: the write names it."""
    record = {"id": "sr_1", "status": "escalated"}
    rpc.answer("customer_service", "get_request", record)  # from before: the flag not known
    etag = client.get("/api/v1/estates/A/service-requests/sr_1", headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("customer_service", "reply_request", {"id": "sr_1", "status": "replied"})
    rpc.calls.clear()
    answer = client.post(REPLY, json={"message": "done"}, headers={**_auth(admin_token), "If-Match": etag})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    [write] = rpc.calls_to("customer_service", "reply_request")
    assert "if_revision" not in (write.context or {}) and "revision_flag" not in (write.context or {})
    rpc.answer("customer_service", "get_request", _read_telling(0, record))
    rpc.calls.clear()
    answer = client.post(REPLY, json={"message": "done"}, headers={**_auth(admin_token), "If-Match": etag})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert rpc.calls_to("customer_service", "reply_request")[0].context["if_revision"] == 0


def test_a_read_that_tells_no_revision_is_logged_for_the_operator(client, rpc, admin_token, caplog):
    """A service that knows ``revision_flag`` but whose read shows its record through a view of its own
    (neither ``store.public`` nor ``store.shown``) answers no revision, and the If-Match falls back to the
    read's comparison without a word (a part's and a webhook's did, found by r6 reviewing h6): the gateway
    logs it, naming the route, so the fallback is seen and the read fixed."""
    import logging
    record = {"id": "sr_1", "status": "escalated"}
    rpc.answer("customer_service", "get_request", _read_telling(None, record))
    etag = client.get("/api/v1/estates/A/service-requests/sr_1", headers=_auth(admin_token)).headers["ETag"]
    rpc.answer("customer_service", "reply_request", {"id": "sr_1", "status": "replied"})
    caplog.set_level(logging.WARNING, logger="gateway")
    answer = client.post(REPLY, json={"message": "done"}, headers={**_auth(admin_token), "If-Match": etag})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "if_revision" not in (rpc.calls_to("customer_service", "reply_request")[0].context or {})
    [line] = [r.getMessage() for r in caplog.records if "told no revision" in r.getMessage()]
    assert "customer_service.get_request" in line


def test_if_none_match_on_a_write_of_a_tagged_record_is_a_412_when_it_names_the_record_now(
        client, rpc, admin_token, contract):
    """RFC 9110 13.1.2: on a write, ``If-None-Match`` is false when ``*`` and the record is there, or when a
    tag it names matches the record's now (weakly): a 412 with that tag, nothing written (it was carried out,
    the header ignored: found by r6). A tag of another copy passes, and the write names the revision of the
    read it was compared with, as If-Match's does; a record not there leaves the write its own 404."""
    rpc.answer("archive", "get_household", {"id": "hh_1", "room": "101", "version": 1})
    etag = client.get(HOUSEHOLD, headers=_auth(admin_token)).headers["ETag"]
    for sent in ("*", etag, "W/" + etag, f'"other", {etag}'):
        answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-None-Match": sent})
        contract.problem(answer, 412, "precondition_failed")
        assert answer.headers["ETag"] == etag, sent
        assert contract.header_problems(answer, HOUSEHOLD_PATH, "PATCH") == []
    assert rpc.calls_to("archive", "update_household") == []
    rpc.answer("archive", "update_household", {"id": "hh_1", "room": "101", "version": 2})
    answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-None-Match": '"other"'})
    assert answer.status_code == 200
    assert contract.header_problems(answer, HOUSEHOLD_PATH, "PATCH") == []
    from estate_common.errors import NotFound
    rpc.answer("archive", "get_household", NotFound("no such household in this estate"))
    rpc.answer("archive", "update_household", NotFound("no such household in this estate"))
    answer = client.patch(HOUSEHOLD, json={"area_m2": 81}, headers={**_auth(admin_token), "If-None-Match": "*"})
    contract.problem(answer, 404, "not_found")


def test_every_write_of_a_tagged_record_declares_if_none_match(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for method, path in preconditions.guarded_writes(document["paths"]):
        names = [p.get("$ref", "").rsplit("/", 1)[-1] for p in document["paths"][path][method].get("parameters", [])]
        assert "IfNoneMatchWrite" in names, (method, path)
