"""What maintenance is told of the estates' technicians (``gateway.technician_notices``): each
account's state, estate by estate, at the account's revision, delivered after every change and again
by the relay until maintenance answers (found by review: a call after the write that maintenance did
not answer was only logged, and two changes' calls could arrive out of order)."""
from gateway import technician_notices

SPAN = {"from": "2026-01-01T00:00:00.000Z", "to": None, "left": False}


def account(roles=("technician",), estate_ids=("A",), active=True, revision=None, told=None, spans=None, **more):
    user = {"_id": "chen", "username": "chen", "roles": list(roles), "estate_ids": list(estate_ids), "active": active,
            "created_at": "2026-01-01T00:00:00.000Z", **more}
    if revision is not None:
        user["revision"] = revision
    if told is not None:
        user[technician_notices.TOLD] = told
    if spans is not None:
        user["memberships"] = spans
    return user


def test_every_estate_an_account_was_a_technician_of_is_told_its_state():
    """Each estate the account was ever a technician of (its spans: a departure that cleared its
    estates keeps them there), told gone where it is no active technician now; an estate it held in
    another role only, or every estate (an operator admin's), is not told."""
    moved = account(estate_ids=["B"], spans=[{**SPAN, "estate_ids": ["A"], "roles": ["technician"],
                                              "to": "2026-02-01T00:00:00.000Z"},
                                             {**SPAN, "estate_ids": ["B"], "roles": ["technician"]}])
    assert technician_notices.states(moved) == {"A": True, "B": False}
    gone = account(estate_ids=[], active=False, spans=[{**SPAN, "estate_ids": ["A", "B"], "roles": ["technician"],
                                                         "to": "2026-02-01T00:00:00.000Z", "left": True}])
    assert technician_notices.states(gone) == {"A": True, "B": True}
    promoted = account(roles=["agent"], estate_ids=["A", "C"], spans=[
        {**SPAN, "estate_ids": ["A"], "roles": ["technician"], "to": "2026-02-01T00:00:00.000Z"},
        {**SPAN, "estate_ids": ["A", "C"], "roles": ["agent"]}])
    assert technician_notices.states(promoted) == {"A": True}
    assert technician_notices.states(account(roles=["agent"], spans=[{**SPAN, "estate_ids": ["A"],
                                                                      "roles": ["agent"]}])) == {}
    assert technician_notices.states(account(estate_ids=["*"])) == {}
    # an account from before spans were kept: what it holds now
    assert technician_notices.states(account(estate_ids=["A"], active=False, deactivated_at="2026-02-01")) == {"A": True}


def test_an_account_is_due_until_its_revision_is_told():
    """Due while maintenance has not answered for the account's revision: never told (an account
    switched off before maintenance was told anything), or told an older one; an account that was
    never a technician never is."""
    assert technician_notices.due(account(active=False))  # never told: before the notices existed
    assert technician_notices.due(account(revision=3, told=2))
    assert not technician_notices.due(account(revision=3, told=3))
    assert not technician_notices.due(account(told=0))  # no revision yet: 0
    assert not technician_notices.due(account(roles=["agent"], revision=3))


def test_the_gateway_relays_due_accounts_by_itself(make_app):
    """The relay runs in the gateway process every ``technician_relay_seconds`` (off: 0): an account
    due is told without any request coming (an embedded store lives in the process: no command run
    beside it would reach it)."""
    import time
    app = make_app(technician_relay_seconds=0.05)
    state = app.extensions["estate_ops"]
    try:
        state.db.users.insert_one({"_id": "lin", "username": "lin", "password_hash": "x", "roles": ["technician"],
                                   "estate_ids": ["A"], "active": False, "credential_version": 1,
                                   "created_at": "2025-03-01T00:00:00.000Z"})
        deadline = time.monotonic() + 5
        while not state.rpc.calls_to("maintenance", "technician_left") and time.monotonic() < deadline:
            time.sleep(0.02)
        [call] = state.rpc.calls_to("maintenance", "technician_left")
        assert call.payload == {"estate_id": "A", "data": {"username": "lin", "revision": 0}}
    finally:
        app.extensions["technician_relay"].stop()
    assert "technician_relay" not in make_app().extensions  # the tests' apps relay when asked


def test_a_change_written_is_answered_whatever_maintenance_answers_after_it(app, client, rpc, admin_token, unique):
    """The change is written before the account's state is told: maintenance refusing it (an older
    replica's 400 while a deploy rolls, a remote error) answered the change 500 though it was done. It
    is answered as written, the account due, for the relay to tell again."""
    from estate_common.errors import InvalidInput
    from gateway.tests.test_users import bearer, new_user, post_user
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A"])).status_code == 201
    assert client.patch(f"/api/v1/users/{username}", json={"active": False}, headers=bearer(admin_token)).status_code == 200
    rpc.answer("maintenance", "technician_returned", InvalidInput("data: revision is not an allowed field"))
    back = client.patch(f"/api/v1/users/{username}", json={"active": True}, headers=bearer(admin_token))
    assert back.status_code == 200 and back.get_json()["active"] is True
    assert technician_notices.due(app.extensions["estate_ops"].db.users.find_one({"_id": username}))


def test_an_older_maintenance_refusing_the_revision_is_told_without_it_and_the_account_stays_due(
        app, client, rpc, admin_token, unique):
    """While a deploy rolls, an older maintenance refuses ``revision`` (its contract knows no such
    field): a technician's departure was a 400 naming ``data.revision``, a field the operator admin
    never sent, and nothing was written, so a leaver could not be switched off until maintenance was
    upgraded (found by review). It is told again without the revision, as before revisions, and the
    account stays due: the relay tells it with its revision once a newer maintenance answers."""
    from estate_common.errors import InvalidInput
    from gateway.tests.test_users import bearer, new_user, post_user
    db = app.extensions["estate_ops"].db

    def older(call):
        if "revision" in call.payload["data"]:
            raise InvalidInput("data.revision: is not an allowed field",
                               [{"field": "data.revision", "message": "is not an allowed field"}])
        return {"estate_id": call.payload["estate_id"], "username": call.payload["data"]["username"],
                "left": call.method == "technician_left"}

    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A"])).status_code == 201
    for method in ("technician_left", "technician_returned"):
        rpc.answer("maintenance", method, older)
    gone = client.patch(f"/api/v1/users/{username}", json={"active": False}, headers=bearer(admin_token))
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    told = [(c.method, c.payload["estate_id"], c.payload["data"].get("revision")) for c in rpc.calls
            if c.service == "maintenance" and c.payload["data"]["username"] == username]
    assert ("technician_left", "A", None) in told  # as before revisions: the older maintenance took it
    assert technician_notices.due(db.users.find_one({"_id": username}))
    technician_notices.relay(db, rpc)  # still the older one: told again without, still due
    assert technician_notices.due(db.users.find_one({"_id": username}))
    for method in ("technician_left", "technician_returned"):
        rpc.answers.pop(("maintenance", method))
    technician_notices.relay(db, rpc)  # the newer one: told at the account's revision, done
    revision = db.users.find_one({"_id": username})["revision"]
    last = [c for c in rpc.calls if c.service == "maintenance" and c.payload["data"]["username"] == username][-1]
    assert (last.method, last.payload["data"].get("revision")) == ("technician_left", revision)
    assert not technician_notices.due(db.users.find_one({"_id": username}))
    # any other refusal is not taken for an older maintenance: still raised (a 400 of the change)
    rpc.answer("maintenance", "technician_left", InvalidInput("data.username: is too long",
                                                              [{"field": "data.username", "message": "is too long"}]))
    back = client.patch(f"/api/v1/users/{username}", json={"active": True}, headers=bearer(admin_token))
    assert back.status_code == 200
    refused = client.patch(f"/api/v1/users/{username}", json={"active": False}, headers=bearer(admin_token))
    assert refused.status_code == 400


def test_a_departure_maintenance_did_not_answer_in_time_is_told_back_again_by_the_relay(
        app, client, rpc, admin_token, unique):
    """A departure told before the write that maintenance did not answer in time (a 503, nothing
    written) may still be taken: a call the gateway gave up on is worked once maintenance is back,
    at the same revision as the state told back at once (he is still a technician), and whichever
    of the two maintenance's workers write last holds; the state told back was answered, the account
    not due, and he could be held gone for good, his follow-ups unassigned and his orders flagged
    (found by review). The account stays due: the relay tells his state once more."""
    from estate_common.errors import ServiceUnavailable
    from gateway.tests.test_users import bearer, new_user, post_user
    db = app.extensions["estate_ops"].db
    username = unique("tech")
    assert post_user(client, admin_token, new_user(username, ["technician"], ["A"])).status_code == 201
    late = []

    def timed_out_once(call):
        if not late and call.payload["data"]["username"] == username:
            late.append(call)
            raise ServiceUnavailable("maintenance did not answer in time")
        return {"estate_id": call.payload["estate_id"], "username": call.payload["data"]["username"], "left": True}

    rpc.answer("maintenance", "technician_left", timed_out_once)
    gone = client.patch(f"/api/v1/users/{username}", json={"active": False}, headers=bearer(admin_token))
    assert gone.status_code == 503
    account = db.users.find_one({"_id": username})
    assert account["active"] is True
    told_back = [c for c in rpc.calls if c.service == "maintenance" and c.method == "technician_returned"
                 and c.payload["data"]["username"] == username]
    assert [c.payload["data"]["revision"] for c in told_back] == [late[0].payload["data"]["revision"]]
    assert technician_notices.due(account)  # the late departure may land after it: told again
    technician_notices.relay(db, rpc)
    told_back = [c for c in rpc.calls if c.service == "maintenance" and c.method == "technician_returned"
                 and c.payload["data"]["username"] == username]
    assert len(told_back) == 2 and not technician_notices.due(db.users.find_one({"_id": username}))


def test_each_relay_round_is_counted_as_a_timer_run_of_the_gateway(app, rpc):
    """The relay is the gateway's one timer, and nothing showed it to an operator: a relay whose every
    round left accounts due (maintenance refusing or away, the store failing) was in the log alone,
    a leaver's departure untold for good (found by the deploy review). Each round counts as
    ``estate_timer_runs_total{service="gateway", timer="technician_relay"}``, ``ok`` when every due
    account was told and ``error`` when one stays due or the round failed, so ``TimerFailing`` and
    the gateway's dashboard see it; its time in ``estate_timer_duration_seconds``."""
    from estate_common import metrics
    from estate_common.errors import ServiceUnavailable

    def runs(outcome):
        return metrics.TIMER_RUNS.labels("gateway", "technician_relay", outcome)._value.get()

    def rounds():
        return metrics.TIMER_DURATION.labels("gateway", "technician_relay")._sum.get(), sum(
            bucket.get() for bucket in metrics.TIMER_DURATION.labels("gateway", "technician_relay")._buckets)

    db = app.extensions["estate_ops"].db
    db.users.insert_one({"_id": "relay-metrics", "username": "relay-metrics", "password_hash": "x",
                         "roles": ["technician"], "estate_ids": ["A"], "active": False, "credential_version": 1,
                         "created_at": "2025-03-01T00:00:00.000Z"})
    ok, error, (_, timed) = runs("ok"), runs("error"), rounds()
    rpc.answer("maintenance", "technician_left", ServiceUnavailable("maintenance did not answer"))
    technician_notices.relay_round(db, lambda: rpc)  # maintenance away: the account stays due
    assert (runs("ok"), runs("error")) == (ok, error + 1)
    rpc.answers.pop(("maintenance", "technician_left"))
    technician_notices.relay_round(db, lambda: rpc)  # told now
    assert (runs("ok"), runs("error")) == (ok + 1, error + 1)
    assert not technician_notices.due(db.users.find_one({"_id": "relay-metrics"}))

    def broken():
        raise ConnectionError("the broker is away")

    technician_notices.relay_round(db, broken)  # the round itself failed: logged, counted
    assert (runs("ok"), runs("error")) == (ok + 1, error + 2)
    assert rounds()[1] == timed + 3


def test_a_relay_round_stops_at_the_first_account_maintenance_does_not_answer(app, rpc):
    """Maintenance away, each due account waited out the RPC's timeout in turn: a round of many due
    accounts held the relay (and the store's accounts) for as many timeouts (found by session 51's
    leftovers). The round stops at the first 503 or timeout, the accounts after it left due for the
    next round, counted ``error``: one round costs one timeout."""
    from estate_common import metrics
    from estate_common.errors import ServiceUnavailable
    db = app.extensions["estate_ops"].db
    names = [f"relay-stop-{n}" for n in range(3)]
    for name in names:
        db.users.insert_one({"_id": name, "username": name, "password_hash": "x", "roles": ["technician"],
                             "estate_ids": ["A"], "active": False, "credential_version": 1,
                             "created_at": "2025-03-01T00:00:00.000Z"})

    def calls():
        return [c for c in rpc.calls if c.service == "maintenance"]

    error = metrics.TIMER_RUNS.labels("gateway", "technician_relay", "error")._value.get()
    rpc.answer("maintenance", "technician_left", ServiceUnavailable("maintenance did not answer in time"))
    before = len(calls())
    told, waiting = technician_notices.relay(db, rpc)
    assert len(calls()) == before + 1
    assert told == 0 and waiting >= 3
    assert all(technician_notices.due(db.users.find_one({"_id": name})) for name in names)
    technician_notices.relay_round(db, lambda: rpc)
    assert len(calls()) == before + 2
    assert metrics.TIMER_RUNS.labels("gateway", "technician_relay", "error")._value.get() == error + 1
    rpc.answers.pop(("maintenance", "technician_left"))
    technician_notices.relay(db, rpc)  # maintenance back: every one told
    assert not any(technician_notices.due(db.users.find_one({"_id": name})) for name in names)
