"""The signed caller on the bus: what a service accepts and what it refuses."""
import pytest

from estate_common import bus_auth
from estate_common.errors import Unauthorized

KEY = bus_auth.check_key("Zq8vR2mX-4tLw9pK_7sHn3bYc6dFj0gA")
CALLER = {"user": "li", "roles": ["agent"], "estates": ["est_1"]}
NOW = 1_700_000_000


def signed(caller=CALLER, target="finance.list_bills", ttl=5, now=NOW, key=KEY):
    return bus_auth.sign(key, caller, target, ttl, now=now)


def test_a_caller_signed_for_the_method_is_accepted():
    auth = signed()
    assert auth["target"] == "finance.list_bills" and auth["iat"] == NOW and auth["exp"] > NOW
    assert bus_auth.verify(KEY, CALLER, auth, "finance.list_bills", now=NOW + 1) == CALLER


def test_the_signature_does_not_depend_on_key_order():
    reordered = {"estates": ["est_1"], "roles": ["agent"], "user": "li"}
    assert bus_auth.verify(KEY, reordered, signed(), "finance.list_bills", now=NOW) == reordered


@pytest.mark.parametrize("tampered", [
    {"user": "admin", "roles": ["agent"], "estates": ["est_1"]},
    {"user": "li", "roles": ["operator_admin"], "estates": ["est_1"]},
    {"user": "li", "roles": ["agent"], "estates": ["*"]},
    {"user": "li", "roles": ["agent"], "estates": ["est_1", "est_2"]},
])
def test_a_tampered_caller_is_refused(tampered):
    with pytest.raises(Unauthorized, match="does not match"):
        bus_auth.verify(KEY, tampered, signed(), "finance.list_bills", now=NOW)


def test_a_signature_moved_to_another_method_is_refused():
    auth = signed()
    with pytest.raises(Unauthorized, match="another method"):
        bus_auth.verify(KEY, CALLER, auth, "finance.post_payment", now=NOW)
    # rewriting the target it names does not help: the target is signed
    with pytest.raises(Unauthorized, match="does not match"):
        bus_auth.verify(KEY, CALLER, {**auth, "target": "finance.post_payment"}, "finance.post_payment", now=NOW)


def test_an_expired_signature_is_refused():
    auth = signed(ttl=5)
    late = auth["exp"] + bus_auth.CLOCK_SKEW_SECONDS + 1
    assert bus_auth.verify(KEY, CALLER, auth, "finance.list_bills", now=late - 1) == CALLER
    with pytest.raises(Unauthorized, match="expired"):
        bus_auth.verify(KEY, CALLER, auth, "finance.list_bills", now=late)
    with pytest.raises(Unauthorized, match="does not match"):  # extending it breaks the signature
        bus_auth.verify(KEY, CALLER, {**auth, "exp": late + 60}, "finance.list_bills", now=late)


def test_a_signature_from_the_future_is_refused():
    auth = signed(now=NOW + bus_auth.CLOCK_SKEW_SECONDS + 60)
    with pytest.raises(Unauthorized, match="expired"):
        bus_auth.verify(KEY, CALLER, auth, "finance.list_bills", now=NOW)


@pytest.mark.parametrize("caller, auth", [
    (CALLER, None),
    (CALLER, "signed"),
    (None, {"target": "finance.list_bills", "iat": NOW, "exp": NOW + 5, "sig": "00"}),
])
def test_a_missing_signature_or_caller_is_refused(caller, auth):
    with pytest.raises(Unauthorized, match="not signed"):
        bus_auth.verify(KEY, caller, auth, "finance.list_bills", now=NOW)


@pytest.mark.parametrize("auth", [
    {"target": "finance.list_bills", "iat": "1", "exp": NOW + 5, "sig": "00"},
    {"target": "finance.list_bills", "iat": NOW, "exp": NOW + 5},
])
def test_a_malformed_signature_is_refused(auth):
    with pytest.raises(Unauthorized, match="malformed"):
        bus_auth.verify(KEY, CALLER, auth, "finance.list_bills", now=NOW)


def test_a_signature_made_with_another_key_is_refused():
    other = bus_auth.check_key("Bn5wT1qY-8uKe3xM_2rVj7cZa4hGs9pD")
    with pytest.raises(Unauthorized, match="does not match"):
        bus_auth.verify(KEY, CALLER, signed(key=other), "finance.list_bills", now=NOW)


@pytest.mark.parametrize("value", [None, "", "short-key", "CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME",
                                   "local-only-bus-signing-key-0123456789", "a" * 48, "abababababababababababababababab"])
def test_a_missing_short_or_placeholder_key_is_refused_at_start(value):
    environ = {} if value is None else {"BUS_SIGNING_KEY": value}
    with pytest.raises(RuntimeError, match="BUS_SIGNING_KEY"):
        bus_auth.load_key(environ)


def test_a_generated_key_is_accepted():
    import secrets
    value = secrets.token_urlsafe(48)
    assert bus_auth.load_key({"BUS_SIGNING_KEY": value}) == value.encode()
