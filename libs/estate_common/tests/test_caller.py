"""Who is calling, as the gateway vouched for it."""
import re
from types import SimpleNamespace

import pytest
from nameko.rpc import Rpc

from estate_common import bus_auth
from estate_common.errors import Forbidden, Unauthorized
from estate_common.nameko.caller import Caller, CallerContext

STEWARD = {"user": "li", "roles": ["steward"], "estates": ["est_1", "est_2"]}
ADMIN = {"user": "admin", "roles": ["operator_admin"], "estates": ["*"]}
KEY = b"k3y-for-the-caller-tests-0123456789abcdef"


@pytest.mark.parametrize("data", [None, {}, "admin", ["admin"], {"roles": ["operator_admin"], "estates": ["*"]},
                                  {"user": ""}])
def test_a_caller_without_user_is_unknown(data):
    caller = Caller(data)
    assert caller.known is False
    with pytest.raises(Forbidden):
        caller.require_known()
    with pytest.raises(Forbidden):
        caller.require_estate("est_1")


def test_a_caller_from_nothing_sees_nothing():
    caller = Caller(None)
    assert caller.user is None and caller.roles == [] and caller.estates == []
    assert caller.can_see("est_1") is False
    assert caller.estate_scope() == []


def test_a_known_caller():
    caller = Caller(STEWARD)
    assert caller.known
    caller.require_known()
    assert caller.as_dict() == STEWARD
    assert caller.can_see("est_1") and caller.can_see("est_2")
    assert not caller.can_see("est_3")
    caller.require_estate("est_2")
    with pytest.raises(Forbidden):
        caller.require_estate("est_3")


def test_star_scope_sees_everything():
    caller = Caller(ADMIN)
    assert caller.can_see("est_1") and caller.can_see("anything")
    caller.require_estate("est_99")
    assert caller.estate_scope() is None


def test_estate_scope_lists_the_callers_estates():
    assert Caller(STEWARD).estate_scope() == ["est_1", "est_2"]


def test_caller_copies_its_lists():
    data = {"user": "li", "roles": ["steward"], "estates": ["est_1"]}
    caller = Caller(data)
    data["estates"].append("est_9")
    assert not caller.can_see("est_9")


def _with_key(data, key):
    caller = Caller(data)
    caller.idempotency_key = key
    return caller


def test_created_id_is_derived_from_the_idempotency_key():
    first = _with_key(STEWARD, "key-1").created_id("sr", "est_1")
    assert re.match(r"^sr_[0-9a-f]{24}$", first)
    assert _with_key(STEWARD, "key-1").created_id("sr", "est_1") == first
    assert _with_key(STEWARD, "key-2").created_id("sr", "est_1") != first
    assert _with_key(STEWARD, "key-1").created_id("sr", "est_2") != first
    other_user = dict(STEWARD, user="wang")
    assert _with_key(other_user, "key-1").created_id("sr", "est_1") != first


def test_created_id_names_the_record_the_call_acts_on():
    """The same key on two payments' invoices (the gateway keeps a key per route) makes two
    invoices: the second must not find the first under the key."""
    on_first, on_second = _with_key(STEWARD, "key-1"), _with_key(STEWARD, "key-1")
    on_first.target, on_second.target = "pay_1", "pay_2"
    assert on_first.created_id("inv", "est_1") != on_second.created_id("inv", "est_1")
    again = _with_key(STEWARD, "key-1")
    again.target = "pay_1"
    assert again.created_id("inv", "est_1") == on_first.created_id("inv", "est_1")


def test_caller_context_takes_the_target_from_the_payloads_id():
    auth = bus_auth.sign(KEY, STEWARD, "archive.correct_record", 5)
    context = {"caller": STEWARD, "caller_auth": auth, "idempotency_key": "k"}
    provider = _context_provider()
    on_record = provider.get_dependency(_rpc_worker(context, "correct_record", {"estate_id": "est_1", "id": "rec_1"}))
    assert on_record.target == "rec_1"
    other = provider.get_dependency(_rpc_worker(context, "correct_record", {"estate_id": "est_1", "id": "rec_2"}))
    assert on_record.created_id("rec", "est_1") != other.created_id("rec", "est_1")
    plain = provider.get_dependency(_rpc_worker(context, "correct_record", {"estate_id": "est_1", "data": {}}))
    assert plain.target is None


@pytest.mark.parametrize("fact, read", [
    ({"id": "fs_9", "status": "pending", "amount_cents": 1500, "valid_from": "2027-03", "more": 1},
     {"id": "fs_9", "status": "pending", "amount_cents": 1500, "valid_from": "2027-03"}),
    ({"id": "fs_9", "status": "pending", "amount_cents": "1500", "valid_from": "2027-03"}, None),
    ({"id": "fs_9", "status": "pending", "amount_cents": True, "valid_from": "2027-03"}, None),
    ({"id": "fs_9", "amount_cents": 1500, "valid_from": "2027-03"}, None),
    (1500, None), (None, None)])
def test_caller_context_reads_finances_highest_parking_hour_as_answered_or_not_at_all(fact, read):
    auth = bus_auth.sign(KEY, STEWARD, "archive.update_settings", 5)
    context = {"caller": STEWARD, "caller_auth": auth, "parking_hour_standard": fact}
    caller = _context_provider().get_dependency(_rpc_worker(context, "update_settings", {"estate_id": "est_1"}))
    assert caller.refusal is None and caller.parking_hour_standard == read


def test_caller_context_reads_what_the_owner_pays_of_a_named_work_order_as_numbers_alone():
    """The fund pays none of an owner's order (h5): the gateway says the order's charge, the quote the
    occupant consented to and its cause's party; cents that are no whole number are not read."""
    auth = bus_auth.sign(KEY, STEWARD, "finance.request_fund_use", 5)
    context = {"caller": STEWARD, "caller_auth": auth, "work_order": "found", "work_order_id": "wo_1",
               "work_order_charge_cents": 48000, "work_order_consented_cents": "48000",
               "work_order_cause_party": "owner"}
    caller = _context_provider().get_dependency(_rpc_worker(context, "request_fund_use", {"estate_id": "est_1"}))
    assert caller.work_order_ref == {"work_order_id": "wo_1", "work_order_charge_cents": 48000,
                                     "work_order_cause_party": "owner"}


def test_created_id_is_random_without_a_key():
    caller = Caller(STEWARD)
    made = {caller.created_id("sr", "est_1") for _ in range(20)}
    assert len(made) == 20
    assert all(re.match(r"^sr_[0-9a-f]{24}$", m) for m in made)
    assert _with_key(STEWARD, "").created_id("sr", "est_1") != _with_key(STEWARD, "").created_id("sr", "est_1")


class _Container:
    service_name = "archive"


def _context_provider():
    provider = CallerContext()
    provider.container = _Container()
    provider.key = KEY
    return provider


def _rpc_worker(context_data, method="get_estate", payload=None):
    entrypoint = Rpc.__new__(Rpc)  # only its class and method name matter here
    entrypoint.method_name = method
    return SimpleNamespace(entrypoint=entrypoint, context_data=context_data, args=(payload or {},))


def test_caller_context_reads_a_signed_caller_and_idempotency_key():
    auth = bus_auth.sign(KEY, STEWARD, "archive.get_estate", 5)
    worker = _rpc_worker({"caller": STEWARD, "caller_auth": auth, "idempotency_key": "k", "request_id": "r"})
    caller = _context_provider().get_dependency(worker)
    assert caller.user == "li" and caller.refusal is None
    assert caller.idempotency_key == "k"
    caller.require_estate("est_1")


@pytest.mark.parametrize("context_data, reason", [
    ({"caller": ADMIN}, "not signed"),
    ({"caller": ADMIN, "caller_auth": bus_auth.sign(KEY, STEWARD, "archive.get_estate", 5)}, "does not match"),
    ({"caller": STEWARD, "caller_auth": bus_auth.sign(KEY, STEWARD, "archive.delete_estate", 5)}, "another method"),
    ({"caller": STEWARD, "caller_auth": bus_auth.sign(KEY, STEWARD, "archive.get_estate", 5, now=1_000)},
     "expired"),
    ({}, "not signed"),
])
def test_caller_context_refuses_an_unsigned_or_forged_caller_with_401(context_data, reason):
    caller = _context_provider().get_dependency(_rpc_worker(context_data))
    assert not caller.known
    with pytest.raises(Unauthorized, match=reason):
        caller.require_known()
    with pytest.raises(Unauthorized):
        caller.require_estate("est_1")


def test_an_event_handler_has_no_caller_whatever_the_headers_claim():
    worker = SimpleNamespace(entrypoint=object(), context_data={"caller": ADMIN}, args=({"data": {}},))
    caller = _context_provider().get_dependency(worker)
    assert not caller.known and caller.refusal is None


def test_a_service_without_a_signing_key_does_not_start(monkeypatch):
    monkeypatch.delenv("BUS_SIGNING_KEY")
    with pytest.raises(RuntimeError, match="BUS_SIGNING_KEY"):
        CallerContext().setup()


def test_a_key_made_to_replace_others_acts_for_them_only_as_its_signed_caller_says():
    """A key rotated (gateway/api_keys.py ``replaces``) carries the keys it replaces in its caller,
    signed with it: the service reads them (``Caller.replaces``) and counts what they did as this
    key's program's (``acts_for``: an owner app's requests filed under its earlier key); a caller
    whose list was added after signing is no caller (401), as for any field of it."""
    rotated = {"user": "apikey:ak_new", "roles": ["agent"], "estates": ["est_1"], "replaces": ["apikey:ak_old"]}
    auth = bus_auth.sign(KEY, rotated, "archive.get_estate", 5)
    caller = _context_provider().get_dependency(_rpc_worker({"caller": rotated, "caller_auth": auth}))
    assert caller.refusal is None and caller.replaces == ["apikey:ak_old"]
    assert caller.acts_for("apikey:ak_new") and caller.acts_for("apikey:ak_old")
    assert not caller.acts_for("apikey:ak_other") and not caller.acts_for(None)
    plain = {key: value for key, value in rotated.items() if key != "replaces"}
    forged = _context_provider().get_dependency(_rpc_worker({
        "caller": rotated, "caller_auth": bus_auth.sign(KEY, plain, "archive.get_estate", 5)}))
    assert "does not match" in forged.refusal and not forged.acts_for("apikey:ak_old")
