"""Routes the gateway answers itself: tokens, users, API keys, health and readiness.

Who may call each is in ``policy.GATEWAY_ROUTES`` (``authorize_route`` reads it)."""
import logging
from contextlib import contextmanager
from functools import partial

from flask import current_app, g, jsonify, request

from estate_common import calendar, clock, contracts
from estate_common.errors import (BusinessRuleViolation, InvalidInput, NotFound, ServiceUnavailable, Unauthorized,
                                  field_error)

from . import (api_keys, assignees, estate_guards, estate_handover, idempotency, limits, login_guard, passwords, policy,
               requests_in, retirements, store, technician_notices, tokens, users)
from .access import authorize_route
from .parallel import Fanout, asker, every_page

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0
READY_SCOPES = ("all", "gateway")


def _state():
    return current_app.extensions["estate_ops"]


def _valid(schema, body):
    errors = contracts.load().errors(f"openapi.yaml#/components/schemas/{schema}", body)
    if errors:
        raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]), errors)
    return body


def register(app, services):
    # One pool for the app's life: each of its threads keeps its broker connection (a pool per
    # request would open and drop a connection per service on every probe).
    ready = Fanout("readyz", len(services))

    @app.post("/api/v1/auth/token")
    def issue_token():
        requests_in.refuse_unknown_query()
        body = _valid("TokenRequest", requests_in.json_body())
        db, address = _state().db, limits.client_address()
        with login_guard.password_check(db, body["username"], address, Unauthorized):
            user = users.authenticate(db, body["username"], body["password"])
            if user is None:
                raise Unauthorized("unknown username or wrong password")
        return jsonify(_token_for(user))

    @app.delete("/api/v1/auth/token")
    def sign_out():
        """This token stops working (a console's sign-out); the user's other tokens go on."""
        caller = authorize_route()
        api_keys.refuse_keys(caller)
        requests_in.refuse_unknown_query()
        issuer = _state().tokens
        claims = issuer.read(request.headers.get("Authorization"))
        users.sign_out(_state().db, _state().user_cache, caller["user"], claims,
                       issuer.session_end(tokens.auth_time(claims)))
        return "", 204

    @app.post("/api/v1/auth/token/refresh")
    def refresh_token():
        """A new token of the same sign-in, while it is younger than TOKEN_MAX_SESSION_SECONDS (the
        console's, while its user works): refused as the token sent would be, re-read from the
        store. The token sent is not signed out (``TokenIssuer.refresh`` says why)."""
        caller = authorize_route()
        api_keys.refuse_keys(caller)
        requests_in.refuse_unknown_query()
        issuer = _state().tokens
        claims = issuer.read(request.headers.get("Authorization"))
        user = users.refreshable(_state().db, claims)
        token, expires_in = issuer.refresh(claims, users.credential_version(user), user["roles"],
                                           policy.estates_of(user))
        return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})

    @app.post("/api/v1/users")
    def create_user():
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid("UserCreate", requests_in.json_body())
        passwords.refuse_weak(body["password"], "password", body["username"])

        def create(context):
            user = users.create(_state().db, body["username"], body["password"], body["roles"], body["estate_ids"])
            return users.view(user)

        with _giving(caller, body["estate_ids"]):
            return idempotency.once(_state().db, caller, idempotency.with_secrets_keyed(
                body, _state().tokens.secret, {"password"}), 201, create)

    @app.get("/api/v1/users")
    def list_users():
        authorize_route()
        paging = requests_in.query_payload(_USER_LIST)
        return jsonify(users.list_users(_state().db, paging.get("limit"), paging.get("cursor"),
                                        users.list_filters(paging.get("filters", {}))))

    @app.get("/api/v1/users/<user_id>")
    def get_user(user_id):
        authorize_route()
        requests_in.refuse_unknown_query()
        found = store.find_user(_state().db, user_id)
        if found is None or user_id == users.PORTAL_CALLER:
            raise NotFound(f"no user {user_id!r}")
        return jsonify(users.view(found))

    @app.get("/api/v1/users/me")
    def own_account():
        caller = authorize_route()
        api_keys.refuse_keys(caller)
        requests_in.refuse_unknown_query()
        return jsonify(users.view(_state().user_cache.get(caller["user"])))

    @app.post("/api/v1/users/me/password")
    def change_own_password():
        caller = authorize_route()
        api_keys.refuse_keys(caller)
        requests_in.refuse_unknown_query()
        body = _valid("PasswordChange", requests_in.json_body())
        # a wrong current password is a failed sign-in: a stolen token must not be a way to guess
        # the password without the sign-in's limits (nor to run unbounded Argon2 hashes)
        db, address = _state().db, limits.client_address()
        username = _state().user_cache.get(caller["user"])["username"]
        with login_guard.password_check(db, username, address, users.WrongPassword):
            user = users.change_password(db, _state().user_cache, caller["user"],
                                         body["current_password"], body["new_password"])
        return jsonify(_token_for(user))

    @app.patch("/api/v1/users/<user_id>")
    def update_user(user_id):
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid("UserUpdate", requests_in.json_body())
        stored = store.find_user(_state().db, user_id)
        if stored is None:
            raise NotFound(f"no user {user_id!r}")
        active = body.get("active", stored["active"])
        reactivated = active and not stored["active"]  # back, with the estates it held unless given others
        # maintenance is told who stops being a technician of an estate before it is written (not told,
        # a 503, nothing written: a follow-up would go back to a leaver), at the revision it is written
        # over; then the account's state at the revision written (``technician_notices``)
        before = assignees.technician_estates(stored)
        intended = {**stored, **{key: body[key] for key in ("roles", "estate_ids", "active") if key in body}}
        leaving = before - assignees.technician_estates(intended)
        db, rpc = _state().db, _state().rpc
        with _giving(caller, body.get("estate_ids", stored["estate_ids"] if reactivated else []),
                     refuse_retired=active):
            read = []
            try:
                technician_notices.tell(rpc, user_id, leaving, True, technician_notices.revision(stored), caller,
                                        g.request_id)
                user = users.update(db, _state().user_cache, caller["user"], user_id, body, read=read)
            except Exception as failure:
                # refused (a 422, a 409), or maintenance told in part (it took A's departure, then stopped
                # answering: found by review): he is still the technician he is, as maintenance is told
                # again now, or by the relay (what it was told is in doubt: the account is due)
                if leaving:
                    store.doubt_technicians_told(db, user_id)
                    technician_notices.deliver(db, rpc, store.find_user(db, user_id), caller, g.request_id)
                    if isinstance(failure, ServiceUnavailable):
                        # a departure not answered in time may still be taken after the state told now, at
                        # the same revision: due still, the relay tells it once more (found by review)
                        store.doubt_technicians_told(db, user_id)
                raise
        # over the account as users.update read it (another change may have come first, which this one's
        # read missed: found by review); maintenance not answering, the relay tells it later
        technician_notices.deliver(db, rpc, user, caller, g.request_id, read=read[0])
        return jsonify(users.view(user))

    @app.post("/api/v1/users/<user_id>/password")
    def reset_password(user_id):
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid("PasswordReset", requests_in.json_body())
        db = _state().db
        with login_guard.hash_slot():
            user = users.reset_password(db, _state().user_cache, caller["user"], user_id, body["new_password"])
        login_guard.forgive(db, user_id)
        return jsonify(users.view(user))

    @app.post("/api/v1/api-keys")
    def create_api_key():
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid("ApiKeyCreate", requests_in.json_body())
        with _giving(caller, body["estate_ids"]):
            return _create_key_once(caller, body)

    @app.get("/api/v1/api-keys")
    def list_api_keys():
        authorize_route()
        paging = requests_in.query_payload(_KEY_LIST)
        return jsonify(api_keys.list_keys(_state().db, paging.get("limit"), paging.get("cursor"),
                                          **api_keys.list_filters(paging.get("filters", {}))))

    @app.get("/api/v1/api-keys/me")
    def own_api_key():
        caller = authorize_route()
        requests_in.refuse_unknown_query()
        return jsonify(api_keys.own(_state().key_cache, caller))

    @app.get("/api/v1/api-keys/<key_id>")
    def get_api_key(key_id):
        authorize_route()
        requests_in.refuse_unknown_query()
        return jsonify(api_keys.get(_state().db, key_id))

    @app.patch("/api/v1/api-keys/<key_id>")
    def change_api_key(key_id):
        authorize_route()
        requests_in.refuse_unknown_query()
        body = _valid("ApiKeyChange", requests_in.json_body())
        return jsonify(api_keys.set_limit(_state().db, _state().key_cache, key_id, body["calls_per_minute"]))

    @app.delete("/api/v1/api-keys/<key_id>")
    def revoke_api_key(key_id):
        authorize_route()
        requests_in.refuse_unknown_query()
        return jsonify(api_keys.revoke(_state().db, _state().key_cache, key_id))

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        """Every service by default (API.md). ``?scope=gateway``: this gateway's own store and
        broker, and that every service has started on this broker once (its queues exist), without
        asking any: the Kubernetes probes'. With every service asked, one service down or 2 s
        behind took every gateway pod out of its Service at once, and the whole API and console
        with it (found by a deploy review)."""
        scope = request.args.get("scope", "all")
        if scope not in READY_SCOPES:
            raise InvalidInput("unknown scope", [field_error("scope", f"must be one of {', '.join(READY_SCOPES)}")])
        checks = {"gateway_store": _check(lambda: store.ping(_state().db))}
        rpc = _state().rpc
        if scope == "gateway":
            try:
                unstarted = rpc.never_started(services, READY_TIMEOUT_SECONDS)
                checks["broker"] = "ok"
                # a service never started on this broker has no event queues yet: an event made now
                # would never reach it (the startup probe waits for them, as plain /readyz did)
                checks["services_started"] = "ok" if not unstarted else "never started: " + ", ".join(unstarted)
            except Exception as error:  # readiness reports, it does not raise
                checks["broker"] = _unavailable(error)
        else:
            # in the probe's unsampled trace, under its request id (the services' lines had none)
            answers, errors = ready.ask({name: partial(rpc.call, name, "health", {}, request_id=g.request_id,
                                                       timeout=READY_TIMEOUT_SECONDS)
                                         for name in services}, READY_TIMEOUT_SECONDS)
            checks.update({name: "ok" for name in answers})
            checks.update({name: _unavailable(error) for name, error in errors.items()})
        all_ok = all(value == "ok" for value in checks.values())
        return jsonify({"status": "ready" if all_ok else "unavailable", "checks": checks}), 200 if all_ok else 503

    @app.post("/api/v1/estates/<estate_id>/retire")
    def retire_estate(estate_id):
        """``retirements``: refused while an active account or a live key holds the estate, or one
        is being given it (``estate_guards``); and while its handover package (as of ``as_of``,
        today on its calendar by default) has anything outstanding, unless the admin gives an
        ``override_reason``, or a service the package reads does not answer (503). The record
        (the day, the reason, what was outstanding) goes with the retirement to archive."""
        caller = authorize_route(estate_id)
        requests_in.refuse_unknown_query()
        body = _valid("EstateRetire", requests_in.json_body())
        as_of = body.get("as_of") or _today_of(estate_id, caller)
        estate_handover.checked_as_of(as_of)
        db = _state().db
        with estate_guards.retiring(db, estate_id):
            retirements.refuse_while_held(store.active_users_holding(db, estate_id),
                                          store.live_api_keys_holding(db, estate_id))
            handover = current_app.extensions["estate_handover"](estate_id, as_of, caller)
            retirements.refuse_blind(handover["unavailable"])
            override_reason = body.get("override_reason")
            retirements.refuse_while_outstanding(handover["outstanding"], override_reason)
            record = {"as_of": as_of, "override_reason": override_reason if handover["outstanding"] else None,
                      "outstanding": handover["outstanding"]}
            retired = _retire(estate_id, True, caller, record)
        return jsonify(retired)

    def _today_of(estate_id, caller):
        """Today on the estate's calendar (archive's estate, its timezone)."""
        estate = _state().rpc.call("archive", "get_estate", {"estate_id": estate_id},
                                   request_id=g.request_id, caller=caller)
        return calendar.day_of(clock.now(), calendar.timezone_of(estate))

    @app.post("/api/v1/estates/<estate_id>/reinstate")
    def reinstate_estate(estate_id):
        caller = authorize_route(estate_id)
        requests_in.refuse_unknown_query()
        _valid("EstateRetirement", requests_in.json_body())
        return jsonify(_retire(estate_id, False, caller))

    def _retire(estate_id, retired, caller, record=None):
        """archive retires or reinstates it; this gateway asks archive again what it is next time
        (``known_estates``: new work refused or taken at once here)."""
        payload = {"estate_id": estate_id, "retired": retired, **({"record": record} if record else {})}
        try:
            return _state().rpc.call("archive", "retire_estate", payload, request_id=g.request_id, caller=caller)
        finally:
            _state().estates.forget(estate_id)

    @contextmanager
    def _giving(caller, estate_ids, refuse_retired=True):
        """``_check_estates_exist``, then the write (in the ``with``) that gives ``estate_ids``; to an
        active account or a key (``refuse_retired``), one at a time with a retirement of any of
        them (``estate_guards``: the check asks archive after its marks)."""
        if not refuse_retired:
            _check_estates_exist(caller, estate_ids, refuse_retired=False)
            yield
            return
        with estate_guards.giving(_state().db, estate_ids):
            _check_estates_exist(caller, estate_ids)
            yield

    def _check_estates_exist(caller, estate_ids, refuse_retired=True):
        """422 naming each of ``estate_ids`` archive does not know, or, unless ``refuse_retired`` is
        false (an account deactivated keeps what it held), has retired (``retirements``): asked in
        one list (and its pages), where a call per estate took 1.1 s for a 500-estate manager."""
        rpc, wanted = _state().rpc, sorted(set(estate_ids))
        found, _ = every_page(asker(rpc, caller), "archive", "list_estates", {"ids": wanted},
                              None) if wanted else ([], False)
        known = {estate["id"]: estate for estate in found}
        missing = [field_error(f"estate_ids[{index}]", "no such estate")
                   for index, estate_id in enumerate(estate_ids) if estate_id not in known]
        if missing:
            raise BusinessRuleViolation("unknown estates", missing)
        retired = retirements.retired_errors(estate_ids, known) if refuse_retired else []
        if retired:
            raise BusinessRuleViolation("retired estates are given to no active account or key", retired)


def _create_key_once(caller, body):
    """Idempotency-Key as on every create; the key is shown once (``idempotency.once``): a replay
    answers the key's record, and a client that lost the first answer revokes that key and makes
    another."""
    users.refuse_a_supervisor_without_technician(body["roles"])

    def create(context):
        record, key = api_keys.create(_state().db, caller["user"], body["name"], body["roles"], body["estate_ids"],
                                      body.get("replaces"), body.get("calls_per_minute", api_keys.UNSET))
        return {**api_keys.view(record), "key": key}

    return idempotency.once(_state().db, caller, body, 201, create, shown_once=("key",))


def _token_for(user):
    issuer = _state().tokens
    token = issuer.issue(user["username"], user["roles"], policy.estates_of(user), users.credential_version(user))
    issued = {"access_token": token, "token_type": "Bearer", "expires_in": issuer.expires_in}
    if users.must_change_password(user):
        issued["password_change_required"] = True
    return issued


class _PagedOnly:
    paged = True
    filters = ()


_PAGED_ONLY = _PagedOnly()


class _UserList(_PagedOnly):
    filters = users.LIST_FILTERS


_USER_LIST = _UserList()


class _KeyList(_PagedOnly):
    filters = ("replaced",)


_KEY_LIST = _KeyList()


def _check(probe):
    try:
        probe()
        return "ok"
    except Exception as error:  # readiness reports, it does not raise
        return _unavailable(error)


def _unavailable(error):
    return f"unavailable: {type(error).__name__}"
