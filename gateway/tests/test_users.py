"""POST/GET /api/v1/users: the gateway's own staff accounts."""
import base64
import json

import pytest

from estate_common.errors import NotFound, ServiceUnavailable

USER_PASSWORD = "staff-password-0001"  # what conftest's Accounts gives its users


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_user(username, roles=("agent",), estate_ids=("A",), password=USER_PASSWORD):
    return {"username": username, "password": password, "roles": list(roles), "estate_ids": list(estate_ids)}


def post_user(client, token, body, **kwargs):
    return client.post("/api/v1/users", json=body, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_admin_creates_a_user(app, client, rpc, contract, admin_token, unique):
    username = unique("agent")
    response = post_user(client, admin_token, new_user(username, ["agent", "steward"], ["A", "B"]))
    body = contract.check(app, response, 201)
    assert body["id"] == username and body["username"] == username
    assert body["roles"] == ["agent", "steward"]
    assert body["estate_ids"] == ["A", "B"]
    assert body["active"] is True
    assert set(body) == {"id", "username", "roles", "estate_ids", "active", "created_at", "password_change_required",
                         "deactivated_at"}
    assert body["deactivated_at"] is None
    assert body["password_change_required"] is False
    text = response.get_data(as_text=True)
    assert '"password"' not in text and "password_hash" not in text and "$argon2" not in text and USER_PASSWORD not in text
    # the estates were checked with the archive in one call, as the admin, under this request's id
    calls = rpc.calls_to("archive", "list_estates")
    assert [c.payload for c in calls] == [{"filters": {"ids": ["A", "B"]}, "limit": 200}]
    assert all(c.caller["user"] == "admin" and c.request_id == response.headers["X-Request-ID"] for c in calls)


def test_a_created_user_signs_in_with_its_password(client, admin_token, unique):
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A"])).status_code == 201
    response = client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD})
    assert response.status_code == 200
    wrong = client.post("/api/v1/auth/token", json={"username": username, "password": USER_PASSWORD + "x"})
    assert wrong.status_code == 401


def test_an_operator_admin_needs_no_estates(client, rpc, admin_token, unique):
    response = post_user(client, admin_token, new_user(unique("ops"), ["operator_admin"], []))
    assert response.status_code == 201
    assert response.get_json()["estate_ids"] == []
    assert rpc.calls == []


def test_an_operator_admin_given_estates_is_refused_since_they_see_every_one(app, client, contract, admin_token,
                                                                           unique):
    """Made as a regional admin, with SH-01 stored and shown, the account read every estate and
    could deactivate admin (a probe)."""
    username = unique("regional")
    refused = post_user(client, admin_token, new_user(username, ["operator_admin"], ["A"]))
    contract.problem(refused, 422, "business_rule", fields=["estate_ids"], app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username}) is None
    assert post_user(client, admin_token, new_user(username, ["manager"], ["A"])).status_code == 201
    promoted = client.patch(f"/api/v1/users/{username}", json={"roles": ["operator_admin"]}, headers=bearer(admin_token))
    contract.problem(promoted, 422, "business_rule", fields=["estate_ids"], app=app)
    promoted = client.patch(f"/api/v1/users/{username}", json={"roles": ["operator_admin"], "estate_ids": []},
                            headers=bearer(admin_token))
    assert promoted.status_code == 200 and promoted.get_json()["estate_ids"] == []
    # one stored with estates before the rule is still deactivated as the console sends it (review)
    app.extensions["estate_ops"].db.users.update_one({"_id": username}, {"$set": {"estate_ids": ["A"]}})
    app.extensions["estate_ops"].user_cache.forget(username)
    left = client.patch(f"/api/v1/users/{username}", json={"roles": ["operator_admin"], "estate_ids": ["A"],
                                                            "active": False}, headers=bearer(admin_token))
    assert left.status_code == 200 and left.get_json()["active"] is False


@pytest.mark.parametrize("roles", [["agent"], ["manager"], ["technician"], ["security"], ["accountant"],
                                   ["cashier"], ["archivist"], ["steward", "agent"]])
def test_an_estate_role_without_an_estate_is_refused_naming_estate_ids(app, client, contract, rpc, admin_token,
                                                                       unique, roles):
    """A front desk, engineering, security, accounts or archives account works in an estate: made
    with none, it was accepted and could reach nothing (every estate's route a 403)."""
    username = unique("nowhere")
    refused = post_user(client, admin_token, new_user(username, roles, []))
    body = contract.problem(refused, 422, "business_rule", fields=["estate_ids"], app=app)
    assert [e["field"] for e in body["errors"]] == ["estate_ids"]
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username}) is None
    # an operator admin beside an estate role is the company's: it names none (and sees every one)
    assert post_user(client, admin_token, new_user(unique("ops"), ["operator_admin", *roles], [])).status_code == 201


def test_an_active_account_s_last_estate_is_not_taken_away(app, client, contract, admin_token, unique):
    """PATCH: estates emptied, roles changed to an estate role with none, or an account with none
    made active again are refused (422 ``estate_ids``); offboarding (deactivated, its estates
    cleared in the same change) and promotion to operator admin are not."""
    username = unique("last")
    assert post_user(client, admin_token, new_user(username, ["manager"], ["A", "B"])).status_code == 201

    def patch(body):
        return client.patch(f"/api/v1/users/{username}", json=body, headers=bearer(admin_token))

    assert patch({"estate_ids": ["B"]}).status_code == 200  # one of two moved away: one left
    contract.problem(patch({"estate_ids": []}), 422, "business_rule", fields=["estate_ids"], app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username})["estate_ids"] == ["B"]
    offboarded = patch({"active": False, "estate_ids": []})
    assert offboarded.status_code == 200 and offboarded.get_json()["estate_ids"] == []
    assert patch({"roles": ["agent"]}).status_code == 200  # deactivated: it holds nothing, and works nowhere
    contract.problem(patch({"active": True}), 422, "business_rule", fields=["estate_ids"], app=app)
    back = patch({"active": True, "estate_ids": ["A"]})
    assert back.status_code == 200 and back.get_json()["estate_ids"] == ["A"] and back.get_json()["active"]
    contract.problem(patch({"roles": ["technician"], "estate_ids": []}), 422, "business_rule", fields=["estate_ids"],
                     app=app)
    promoted = patch({"roles": ["operator_admin"], "estate_ids": []})
    assert promoted.status_code == 200 and promoted.get_json()["estate_ids"] == []
    contract.problem(patch({"roles": ["manager"]}), 422, "business_rule", fields=["estate_ids"], app=app)
    assert patch({"roles": ["manager"], "estate_ids": ["A"]}).status_code == 200


def test_an_account_stored_without_estates_before_the_rule_is_still_deactivated(app, client, contract, admin_token,
                                                                                unique):
    """One made with none before the rule: the admin offboards it, or gives it an estate; any other
    change asks for an estate first."""
    username = unique("legacy")
    assert post_user(client, admin_token, new_user(username, ["agent"], ["A"])).status_code == 201
    app.extensions["estate_ops"].db.users.update_one({"_id": username}, {"$set": {"estate_ids": []}})
    app.extensions["estate_ops"].user_cache.forget(username)

    def patch(body):
        return client.patch(f"/api/v1/users/{username}", json=body, headers=bearer(admin_token))

    contract.problem(patch({"roles": ["steward"]}), 422, "business_rule", fields=["estate_ids"], app=app)
    assert patch({"estate_ids": ["B"]}).status_code == 200
    app.extensions["estate_ops"].db.users.update_one({"_id": username}, {"$set": {"estate_ids": []}})
    app.extensions["estate_ops"].user_cache.forget(username)
    left = patch({"active": False})
    assert left.status_code == 200 and left.get_json()["active"] is False


def test_duplicate_username_is_409(app, client, contract, admin_token, unique):
    username = unique("dup")
    assert post_user(client, admin_token, new_user(username)).status_code == 201
    response = post_user(client, admin_token, new_user(username, ["manager"], ["B"], "another-password-9"))
    contract.problem(response, 409, "conflict", fields=["username"], app=app)
    # the first account is untouched
    stored = app.extensions["estate_ops"].db.users.find_one({"_id": username})
    assert stored["roles"] == ["agent"]
    login = client.post("/api/v1/auth/token", json={"username": username, "password": "another-password-9"})
    assert login.status_code == 401


def test_the_admin_username_cannot_be_taken_again(app, client, contract, admin_token):
    response = post_user(client, admin_token, new_user("admin", ["agent"], ["A"], "take-over-password"))
    contract.problem(response, 409, "conflict", fields=["username"], app=app)


def test_no_account_may_take_the_owner_portals_name(app, client, contract, admin_token):
    """The portal's anonymous filers carry the user name ``portal`` on the bus: an account of that
    name would replay their idempotency keys (an owner's complaint, phone and all) and sign their
    history entries."""
    response = post_user(client, admin_token, new_user("portal", ["agent"], ["A"], "desk-keeper-2026"))
    contract.problem(response, 409, "conflict", fields=["username"], app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": "portal"}) is None



@pytest.mark.parametrize("change, field", [
    ({"password": "short-pass1"}, "password"),          # 11 characters
    ({"password": ""}, "password"),
    ({"roles": ["janitor"]}, "roles[0]"),
    ({"roles": ["agent", "overlord"]}, "roles[1]"),
    ({"roles": []}, "roles"),
    ({"roles": ["agent", "agent"]}, "roles"),
    ({"username": "Upper-Case"}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "-starts-with-dash"}, "username"),
    ({"username": "has space"}, "username"),
    ({"username": "x" * 65}, "username"),
    ({"estate_ids": ["*"]}, "estate_ids[0]"),            # nobody gets the admin's wildcard scope
    ({"estate_ids": ["A", "no/slash"]}, "estate_ids[1]"),
    ({"estate_ids": "A"}, "estate_ids"),
    ({"is_superuser": True}, "is_superuser"),
])
def test_invalid_user_is_400_naming_the_field(app, client, rpc, contract, admin_token, unique, change, field):
    body = {**new_user(unique("bad")), **change}
    response = post_user(client, admin_token, body)
    contract.problem(response, 400, "invalid_input", fields=[field], app=app)
    assert rpc.calls == []
    assert app.extensions["estate_ops"].db.users.find_one({"_id": body["username"]}) is None


@pytest.mark.parametrize("password", ["short-pass1", ["MySecret-123456"]])
def test_a_refused_password_is_not_repeated_in_the_answer(client, admin_token, unique, password):
    """The 400 named the field and quoted what was sent: "'short-pass1' is too short" (found by
    review). An answer names the field and the rule, never the value."""
    response = post_user(client, admin_token, {**new_user(unique("echo")), "password": password})
    assert response.status_code == 400
    assert "short-pass1" not in response.get_data(as_text=True) and "MySecret" not in response.get_data(as_text=True)
    assert response.get_json()["errors"][0]["field"] == "password"


@pytest.mark.parametrize("missing", ["username", "password", "roles", "estate_ids"])
def test_missing_user_field_is_400(app, client, contract, admin_token, unique, missing):
    body = new_user(unique("miss"))
    del body[missing]
    contract.problem(post_user(client, admin_token, body), 400, "invalid_input", fields=[missing], app=app)


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abababababab", "1212343412123434"])
def test_a_password_of_fewer_than_five_different_characters_is_refused(app, client, contract, admin_token, unique,
                                                                       password):
    """An account was made with "aaaaaaaaaaaa" (a probe): twelve characters, found at once."""
    body = new_user(unique("weak"), password=password)
    response = post_user(client, admin_token, body)
    problem = contract.problem(response, 422, "business_rule", fields=["password"], app=app)
    assert problem["errors"][0]["message"] == "has fewer than 5 different characters"
    assert app.extensions["estate_ops"].db.users.find_one({"_id": body["username"]}) is None


@pytest.mark.parametrize("password, why", [
    ("password1234", "a common word"), ("P@ssw0rd-2026", "a common word"), ("qwerty123456", "a common word"),
    ("woaini131452", "a common word"), ("1q2w3e4r5t6y", "a run of the keyboard"),
    ("abcdefghijkl", "a run of the keyboard"), ("123456789012", "a run of the keyboard, the alphabet or the digits"),
    ("p@$$word2026!", "a common word"), ("!@#$%^&*()_+", "a run of the keyboard"),
    ("{username}-2026", "holds the username"),
    ("{bare}12345", "holds the username")])  # zhang.san chose zhangsan12345 (a probe)
def test_a_password_a_guess_tries_first_is_refused(app, client, contract, admin_token, unique, password, why):
    """"password1234" passed the length and the five different characters (NIST SP 800-63B:
    dictionary words, sequences, the account's own name)."""
    body = new_user(unique("guess.name"))
    body["password"] = password.format(username=body["username"],
                                       bare="".join(c for c in body["username"] if c.isalnum()))
    problem = contract.problem(post_user(client, admin_token, body), 422, "business_rule", fields=["password"],
                               app=app)
    assert why in problem["errors"][0]["message"] and "a guess tries" in problem["detail"]
    assert app.extensions["estate_ops"].db.users.find_one({"_id": body["username"]}) is None


@pytest.mark.parametrize("password", ["abc-92837465", "83920174-dfg", "wo8391027465", "Tr0ub4dor&3xx"])
def test_a_word_among_many_random_digits_is_not_refused(client, admin_token, unique, password):
    """Only the letters were judged, however random the digits (found by review)."""
    assert post_user(client, admin_token, new_user(unique("strong"), password=password)).status_code == 201


def test_a_password_of_exactly_twelve_characters_is_enough(client, admin_token, unique):
    response = post_user(client, admin_token, new_user(unique("min"), password="twelve-chars"))
    assert response.status_code == 201


def test_unknown_estate_is_422_naming_it(app, client, rpc, contract, admin_token, unique):
    rpc.answer("archive", "get_estate",
               lambda call: NotFound("no such estate") if call.payload["estate_id"] == "GHOST"
               else {"id": call.payload["estate_id"]})
    username = unique("ghost")
    response = post_user(client, admin_token, new_user(username, estate_ids=["GHOST"]))
    contract.problem(response, 422, "business_rule", fields=["estate_ids[0]"], app=app)

    response = post_user(client, admin_token, new_user(username, estate_ids=["A", "GHOST", "B"]))
    body = contract.problem(response, 422, "business_rule", fields=["estate_ids[1]"], app=app)
    assert [e["field"] for e in body["errors"]] == ["estate_ids[1]"]
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username}) is None


def test_archive_unavailable_while_creating_a_user_is_503(app, client, rpc, contract, admin_token, unique):
    rpc.answer("archive", "get_estate", ServiceUnavailable("archive did not answer within 5 s"))
    username = unique("later")
    response = post_user(client, admin_token, new_user(username))
    contract.problem(response, 503, "service_unavailable", app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username}) is None


@pytest.mark.parametrize("role", ["manager", "agent", "archivist"])
def test_only_the_operator_admin_manages_users(app, accounts, client, rpc, contract, unique, role):
    token = accounts.user(f"{role}-not-admin", [role], ["A"])
    response = post_user(client, token, new_user(unique("x"), ["operator_admin"], []))
    contract.problem(response, 403, "forbidden", app=app)
    response = client.get("/api/v1/users", headers=bearer(token))
    contract.problem(response, 403, "forbidden", app=app)
    assert rpc.calls == []


def test_create_user_as_text_plain_is_415(client, admin_token, contract, unique):
    response = client.post("/api/v1/users", data=json.dumps(new_user(unique("t"))),
                           content_type="text/plain", headers=bearer(admin_token))
    contract.problem(response, 415, "unsupported_media_type")


# -- listing ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def paged_app(make_app, make_accounts):
    """An app of its own: the admin and two users, a known list."""
    app = make_app()
    accounts = make_accounts(app)
    accounts.create("bob-agent", ["agent"], ["A"])
    accounts.create("carol-tech", ["technician"], ["A", "B"])
    return app, accounts.admin


def test_list_users_shows_every_user_without_secrets(paged_app, contract):
    app, admin = paged_app
    response = app.test_client().get("/api/v1/users", headers=bearer(admin))
    body = contract.check(app, response, 200)
    assert sorted(u["username"] for u in body["items"]) == ["admin", "bob-agent", "carol-tech"]
    assert body["next_cursor"] is None
    text = response.get_data(as_text=True)
    assert '"password"' not in text and "password_hash" not in text and "$argon2" not in text
    admin_view = next(u for u in body["items"] if u["username"] == "admin")
    assert admin_view == {"username": "admin", "roles": ["operator_admin"], "estate_ids": [], "active": True,
                          "created_at": admin_view["created_at"], "id": "admin", "password_change_required": False,
                          "deactivated_at": None}


def test_list_users_pages_with_a_cursor(paged_app, contract):
    app, admin = paged_app
    client = app.test_client()
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        body = contract.check(app, client.get("/api/v1/users", query_string=query, headers=bearer(admin)), 200)
        pages += 1
        assert len(body["items"]) == 1
        seen.extend(u["username"] for u in body["items"])
        cursor = body["next_cursor"]
        if pages < 3:
            assert isinstance(cursor, str) and cursor
        if cursor is None:
            break
        assert pages < 5, "paging does not end"
    assert pages == 3
    assert sorted(seen) == ["admin", "bob-agent", "carol-tech"] and len(set(seen)) == 3


def test_list_users_limit_two_then_the_rest(paged_app, contract):
    app, admin = paged_app
    client = app.test_client()
    first = contract.check(app, client.get("/api/v1/users?limit=2", headers=bearer(admin)), 200)
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = contract.check(app, client.get(f"/api/v1/users?limit=2&cursor={first['next_cursor']}",
                                            headers=bearer(admin)), 200)
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    names = [u["username"] for u in first["items"] + second["items"]]
    assert sorted(names) == ["admin", "bob-agent", "carol-tech"]


@pytest.mark.parametrize("cursor", ["not-a-cursor!", "%%%", base64.urlsafe_b64encode(b"[1, 2]").decode(),
                                    base64.urlsafe_b64encode(b'"just text"').decode()])
def test_bad_cursor_is_400(paged_app, contract, cursor):
    app, admin = paged_app
    response = app.test_client().get("/api/v1/users", query_string={"cursor": cursor}, headers=bearer(admin))
    contract.problem(response, 400, "invalid_input", fields=["cursor"], app=app)


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=abc", "limit"), ("limit=201", "limit"),
                                          ("limit=-1", "limit"), ("role=janitor", "role"),
                                          ("colour=red", "colour")])
def test_bad_list_users_query_is_400(paged_app, contract, query, field):
    app, admin = paged_app
    response = app.test_client().get(f"/api/v1/users?{query}", headers=bearer(admin))
    contract.problem(response, 400, "invalid_input", fields=[field], app=app)


def test_idempotency_key_on_create_user_replays_the_first_answer(client, admin_token, unique):
    """openapi.yaml declares Idempotency-Key on POST /api/v1/users ("the same key with the same
    body answers the first result again")."""
    body = new_user(unique("idem"))
    headers = {**bearer(admin_token), "Idempotency-Key": unique("key")}
    first = client.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/users", json=body, headers=headers)
    assert again.status_code == 201, f"the retry answered {again.status_code}: {again.get_json()}"
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_an_empty_cursor_is_refused_as_on_every_other_list(client, admin_token):
    """The services' lists answer 400; the gateway's own (users, API keys) gave the first page."""
    for path in ("/api/v1/users?cursor=", "/api/v1/api-keys?cursor="):
        response = client.get(path, headers={"Authorization": f"Bearer {admin_token}"})
        assert response.status_code == 400, path
        assert response.get_json()["errors"][0]["field"] == "cursor"


def test_an_operator_finds_a_user_by_id_and_lists_them_by_role_estate_and_state(app, client, contract, admin_token,
                                                                                  unique):
    """The console found a user by scanning ten pages of 200: from the 2,001st on, a user could not
    be opened, changed or deactivated (a probe)."""
    guard, clerk = unique("find-guard"), unique("find-clerk")
    assert post_user(client, admin_token, new_user(guard, ["security"], ["B"])).status_code == 201
    assert post_user(client, admin_token, new_user(clerk, ["agent"], ["A"])).status_code == 201
    one = contract.check(app, client.get(f"/api/v1/users/{guard}", headers=bearer(admin_token)), 200)
    assert one["username"] == guard and one["roles"] == ["security"]
    contract.problem(client.get("/api/v1/users/nobody-at-all", headers=bearer(admin_token)), 404, "not_found", app=app)

    def listed(query):
        body = contract.check(app, client.get(f"/api/v1/users?{query}&limit=200", headers=bearer(admin_token)), 200)
        return {u["username"] for u in body["items"]}

    assert guard in listed("role=security") and clerk not in listed("role=security")
    assert clerk in listed("estate_id=A") and guard not in listed("estate_id=A")
    client.patch(f"/api/v1/users/{clerk}", json={"active": False}, headers=bearer(admin_token))
    assert clerk in listed("active=false") and clerk not in listed("active=true") and guard in listed("active=true")
    assert listed("role=agent&active=false&estate_id=A") == {clerk}
    for query, field in (("role=janitor", "role"), ("active=yes", "active"), ("colour=red", "colour")):
        contract.problem(client.get(f"/api/v1/users?{query}", headers=bearer(admin_token)), 400, "invalid_input",
                         fields=[field], app=app)


def test_a_change_that_lost_every_race_to_another_says_when_to_send_it_again(app, client, contract, admin_token,
                                                                              unique, monkeypatch):
    """A user changed by another request at each of the change's tries is a 409 that passes by itself
    (the other request ends): it carries Retry-After, as the README says such a 409 does, where it
    carried none (found checking the 409s that pass by themselves, after an integrator's probe)."""
    from gateway import users
    username = unique("agent")
    assert post_user(client, admin_token, new_user(username, ["agent"], ["A"])).status_code == 201
    monkeypatch.setattr(users, "_changed", lambda *args, **kwargs: False)  # another change came first, each time
    refused = client.patch(f"/api/v1/users/{username}", json={"roles": ["steward"]}, headers=bearer(admin_token))
    contract.problem(refused, 409, "conflict", app=app)
    assert refused.headers["Retry-After"] == "1"


def test_maintenance_is_told_when_an_account_stops_being_an_active_technician_of_an_estate_and_again(
        app, client, rpc, contract, admin_token, unique):
    """A follow-up went back to the technician who did the work even when his account was switched off
    (found by the technician's week): maintenance knows no accounts. The gateway tells it, for each estate,
    when an account stops being an active technician there (deactivated, the role or the estate taken away:
    ``technician_left``, before the change is written, so a maintenance that cannot be told refuses the
    change with a 503 and nothing is written) and when it is one again (``technician_returned``, after)."""
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A", "B"])).status_code == 201

    def patch(body):
        return client.patch(f"/api/v1/users/{username}", json=body, headers=bearer(admin_token))

    def told():
        return [(c.method, c.payload["estate_id"], c.payload["data"]["username"]) for c in rpc.calls
                if c.service == "maintenance" and c.method in ("technician_left", "technician_returned")]

    assert patch({"estate_ids": ["B"]}).status_code == 200
    # before the write; then his state, every estate he was a technician of, at the revision written
    assert told() == [("technician_left", "A", username), ("technician_left", "A", username),
                      ("technician_returned", "B", username)]
    rpc.answer("maintenance", "technician_left", ServiceUnavailable("maintenance is not answering"))
    contract.problem(patch({"active": False}), 503, "service_unavailable", app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username})["active"] is True  # nothing written
    rpc.answers.pop(("maintenance", "technician_left"))
    assert patch({"active": False}).status_code == 200
    assert told()[-1] == ("technician_left", "B", username)
    assert patch({"active": True, "estate_ids": ["A", "B"]}).status_code == 200
    assert sorted(told()[-2:]) == [("technician_returned", "A", username), ("technician_returned", "B", username)]
    calls = len(told())
    assert patch({"roles": ["technician", "agent"]}).status_code == 200  # a technician still: nothing to tell
    assert len(told()) == calls
    assert patch({"roles": ["agent"]}).status_code == 200
    assert sorted(told()[calls:]) == [("technician_left", "A", username)] * 2 + [("technician_left", "B", username)] * 2
    # the calls are the operator admin's, each naming its estate
    assert all("operator_admin" in c.caller["roles"] for c in rpc.calls if c.service == "maintenance")
    # a change refused after maintenance was told (its last estate taken away: 422) is told back
    alone = unique("alone")
    assert post_user(client, admin_token, new_user(alone, ["technician"], ["A"])).status_code == 201
    refused = client.patch(f"/api/v1/users/{alone}", json={"estate_ids": []}, headers=bearer(admin_token))
    contract.problem(refused, 422, "business_rule", fields=["estate_ids"], app=app)
    assert [t for t in told() if t[2] == alone] == [("technician_left", "A", alone), ("technician_returned", "A", alone)]


def _told(rpc, username):
    return [(c.method, c.payload["estate_id"]) for c in rpc.calls if c.service == "maintenance"
            and c.method in ("technician_left", "technician_returned") and c.payload["data"]["username"] == username]


def test_a_departure_told_to_maintenance_in_part_before_it_stopped_answering_is_told_back(
        app, client, rpc, contract, admin_token, unique):
    """A technician of two estates switched off: maintenance took the departure from A, then stopped
    answering for B (a 503, nothing written). He is still the active technician of both, yet A held
    him a leaver for good, his follow-ups there opening unassigned "no longer an active technician"
    (found by review): what was told is told back."""
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A", "B"])).status_code == 201

    def left(call):
        if call.payload["estate_id"] == "B":
            raise ServiceUnavailable("maintenance is not answering")
        return {"estate_id": call.payload["estate_id"], "username": username, "left": True}

    rpc.answer("maintenance", "technician_left", left)
    refused = client.patch(f"/api/v1/users/{username}", json={"active": False}, headers=bearer(admin_token))
    contract.problem(refused, 503, "service_unavailable", app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username})["active"] is True
    assert _told(rpc, username) == [("technician_left", "A"), ("technician_left", "B"),
                                    ("technician_returned", "A"), ("technician_returned", "B")]


def test_a_departure_made_by_a_change_that_read_the_account_before_another_is_told(
        app, client, rpc, admin_token, unique, monkeypatch):
    """Two operator admins at once: one makes a switched-off technician active again (maintenance told
    he is back), the other, which read the account while it was still off, takes his role away. The
    second is written over the first (users.update reads it again), so the account is no technician,
    yet maintenance was told nothing of it: it had read no technician before its change, and his next
    follow-up went back to an agent (found by review). What the write was made over is what is told
    against."""
    from gateway import users as users_module
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A"])).status_code == 201
    assert client.patch(f"/api/v1/users/{username}", json={"active": False},
                        headers=bearer(admin_token)).status_code == 200
    assert _told(rpc, username) == [("technician_left", "A")] * 2  # before the write, and his state after
    update, first = users_module.update, []

    def the_other_admin_first(db, cache, actor, user_id, changes, *args, **kwargs):
        if not first:  # the other change, back again, comes between this one's read and its write
            first.append(update(db, cache, actor, user_id, {"active": True}))
            rpc.call("maintenance", "technician_returned", {"estate_id": "A", "data": {"username": username}})
        return update(db, cache, actor, user_id, changes, *args, **kwargs)

    monkeypatch.setattr(users_module, "update", the_other_admin_first)
    done = client.patch(f"/api/v1/users/{username}", json={"roles": ["agent"]}, headers=bearer(admin_token))
    assert done.status_code == 200 and done.get_json()["active"] is True and done.get_json()["roles"] == ["agent"]
    assert _told(rpc, username)[-1] == ("technician_left", "A")


def _told_at(rpc, username):
    return [(c.method, c.payload["estate_id"], c.payload["data"].get("revision")) for c in rpc.calls
            if c.service == "maintenance" and c.method in ("technician_left", "technician_returned")
            and c.payload["data"]["username"] == username]


def test_a_technicians_change_maintenance_did_not_answer_after_the_write_is_delivered_later(
        app, client, rpc, admin_token, unique):
    """A technician switched back on while maintenance did not answer: the change was written and the
    call only logged, so his follow-ups kept opening unassigned for good (found by review). The account
    stays due (its revision not told) and the relay (``technician_notices.relay``) tells maintenance
    once it answers, at the account's revision; then nothing more."""
    from gateway import technician_notices
    db = app.extensions["estate_ops"].db
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A"])).status_code == 201
    assert client.patch(f"/api/v1/users/{username}", json={"active": False}, headers=bearer(admin_token)).status_code == 200
    rpc.answer("maintenance", "technician_returned", ServiceUnavailable("maintenance is not answering"))
    back = client.patch(f"/api/v1/users/{username}", json={"active": True}, headers=bearer(admin_token))
    assert back.status_code == 200 and back.get_json()["active"] is True
    assert technician_notices.due(db.users.find_one({"_id": username}))
    technician_notices.relay(db, rpc)  # still not answering: still due
    assert technician_notices.due(db.users.find_one({"_id": username}))
    rpc.answers.pop(("maintenance", "technician_returned"))
    calls = len(_told_at(rpc, username))
    technician_notices.relay(db, rpc)
    revision = db.users.find_one({"_id": username})["revision"]
    assert _told_at(rpc, username)[calls:] == [("technician_returned", "A", revision)]
    assert not technician_notices.due(db.users.find_one({"_id": username}))
    technician_notices.relay(db, rpc)
    assert len(_told_at(rpc, username)) == calls + 1
    relayed = [c for c in rpc.calls if c.service == "maintenance" and c.payload["data"].get("username") == username][-1]
    assert "operator_admin" in relayed.caller["roles"]  # maintenance takes the word from the accounts' keeper only


def test_every_word_on_a_technician_carries_the_accounts_revision(app, client, rpc, admin_token, unique):
    """Two changes at once each told maintenance after their writes, in whichever order their calls
    arrived, and the older could undo the newer (found by review): each call carries the account's
    revision, the one its state was written at (the call before a departure is written: the revision
    it is written over), so maintenance keeps the newest."""
    db = app.extensions["estate_ops"].db
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A", "B"])).status_code == 201
    assert client.patch(f"/api/v1/users/{username}", json={"estate_ids": ["B"]}, headers=bearer(admin_token)).status_code == 200
    first = db.users.find_one({"_id": username})["revision"]
    assert _told_at(rpc, username) == [("technician_left", "A", first - 1),  # before the write, over its revision
                                       ("technician_left", "A", first), ("technician_returned", "B", first)]
    assert client.patch(f"/api/v1/users/{username}", json={"estate_ids": ["A", "B"]},
                        headers=bearer(admin_token)).status_code == 200
    second = db.users.find_one({"_id": username})["revision"]
    assert second > first
    assert _told_at(rpc, username)[3:] == [("technician_returned", "A", second), ("technician_returned", "B", second)]


def test_accounts_switched_off_before_maintenance_was_told_are_told_by_the_relay(app, rpc, unique):
    """Technicians switched off before the gateway told maintenance anything were never told: their
    follow-ups still went back to them. The relay finds every account that was a technician and whose
    revision was never told, and tells maintenance its state, estate by estate; an account never a
    technician is not told."""
    from gateway import technician_notices
    db = app.extensions["estate_ops"].db
    gone, agent = unique("gone"), unique("agent")
    for username, roles in ((gone, ["technician"]), (agent, ["agent"])):
        db.users.insert_one({"_id": username, "username": username, "password_hash": "x", "roles": roles,
                             "estate_ids": ["A"], "active": False, "credential_version": 1,
                             "created_at": "2025-03-01T00:00:00.000Z", "deactivated_at": "2025-09-01T00:00:00.000Z"})
    technician_notices.relay(db, rpc)
    assert _told_at(rpc, gone) == [("technician_left", "A", 0)]
    assert _told_at(rpc, agent) == []
    technician_notices.relay(db, rpc)
    assert _told_at(rpc, gone) == [("technician_left", "A", 0)]


@pytest.mark.parametrize("role", ["security_lead", "security_supervisor"])
def test_the_security_team_lead_and_supervisor_are_held_with_security(app, client, contract, admin_token, unique, role):
    """秩序维护班长 and 秩序维护主管 lead the team on duty and are guards on it (review r7 of h7: there
    were no such roles, any guard took the roll call and assessed himself): alone each is a 422 naming
    roles, on a create, a change of roles and an API key; with security it is taken."""
    username = unique("ban")
    refused = post_user(client, admin_token, new_user(username, [role], ["A"]))
    contract.problem(refused, 422, "business_rule", fields=["roles"], app=app)
    made = post_user(client, admin_token, new_user(username, ["security", role], ["A"]))
    assert made.status_code == 201, made.get_json()
    assert sorted(made.get_json()["roles"]) == sorted(["security", role])
    dropped = client.patch(f"/api/v1/users/{username}", json={"roles": [role]}, headers=bearer(admin_token))
    contract.problem(dropped, 422, "business_rule", fields=["roles"], app=app)
    key = client.post("/api/v1/api-keys", json={"name": "team", "roles": [role], "estate_ids": ["A"]},
                      headers=bearer(admin_token))
    contract.problem(key, 422, "business_rule", fields=["roles"], app=app)


def test_a_maintenance_supervisor_is_held_with_technician(app, client, contract, admin_token, unique):
    """工程维修主管 is a technician who dispatches (h5: "held with technician"), but an account of
    maintenance_supervisor alone was taken: it assigned any order, yet reached no list of orders nor
    the technician's own steps, a dispatcher who could not see his board (found by review r5 of h5).
    Alone it is a 422 naming roles, on a create, a change of roles and an API key."""
    username = unique("lao")
    refused = post_user(client, admin_token, new_user(username, ["maintenance_supervisor"], ["A"]))
    contract.problem(refused, 422, "business_rule", fields=["roles"], app=app)
    assert app.extensions["estate_ops"].db.users.find_one({"_id": username}) is None
    made = post_user(client, admin_token, new_user(username, ["technician", "maintenance_supervisor"], ["A"]))
    assert made.status_code == 201, made.get_json()
    dropped = client.patch(f"/api/v1/users/{username}", json={"roles": ["maintenance_supervisor"]},
                           headers=bearer(admin_token))
    contract.problem(dropped, 422, "business_rule", fields=["roles"], app=app)
    key = client.post("/api/v1/api-keys", json={"name": "dispatch", "roles": ["maintenance_supervisor"],
                                                "estate_ids": ["A"]}, headers=bearer(admin_token))
    contract.problem(key, 422, "business_rule", fields=["roles"], app=app)
