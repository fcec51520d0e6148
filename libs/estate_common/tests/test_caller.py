"""Who is calling, as the gateway vouched for it."""
import re

import pytest

from estate_common.errors import Forbidden
from estate_common.nameko.caller import Caller, CallerContext

STEWARD = {"user": "li", "roles": ["steward"], "estates": ["est_1", "est_2"]}
ADMIN = {"user": "admin", "roles": ["operator_admin"], "estates": ["*"]}


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


def test_created_id_is_random_without_a_key():
    caller = Caller(STEWARD)
    made = {caller.created_id("sr", "est_1") for _ in range(20)}
    assert len(made) == 20
    assert all(re.match(r"^sr_[0-9a-f]{24}$", m) for m in made)
    assert _with_key(STEWARD, "").created_id("sr", "est_1") != _with_key(STEWARD, "").created_id("sr", "est_1")


def test_caller_context_reads_caller_and_idempotency_key():
    class WorkerCtx:
        context_data = {"caller": STEWARD, "idempotency_key": "k", "request_id": "r"}

    caller = CallerContext().get_dependency(WorkerCtx())
    assert caller.user == "li"
    assert caller.idempotency_key == "k"

    WorkerCtx.context_data = {}
    caller = CallerContext().get_dependency(WorkerCtx())
    assert not caller.known and caller.idempotency_key is None
