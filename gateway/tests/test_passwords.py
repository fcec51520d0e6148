"""What the tests' cheap hasher (conftest.cheap_password_hashes) leaves untested elsewhere: the
parameters the gateway really hashes with, and a weaker stored hash replaced at sign-in."""
import os
import subprocess
import sys

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles

from gateway import passwords

USER = {"roles": ["agent"], "estate_ids": ["A"], "active": True, "credential_version": 0,
        "created_at": "2026-01-01T00:00:00.000Z"}
PASSWORD = "staff-password-0001"


def test_the_gateway_hashes_with_rfc_9106s_low_memory_profile():
    assert passwords.PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    # made at import by the module's own hasher, before any test replaced it
    decoy = extract_parameters(passwords._DECOY)
    assert (decoy.type, decoy.time_cost, decoy.memory_cost, decoy.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.type, 3, 65536, 4)


def stored_hash(db, username):
    return db.users.find_one({"_id": username})["password_hash"]


def test_a_weaker_stored_hash_is_replaced_with_the_current_parameters_at_sign_in(app, accounts):
    db = app.extensions["estate_ops"].db
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.users.insert_one({"_id": "rehash-me", "username": "rehash-me", "password_hash": weak, **USER})

    assert accounts.login("rehash-me", "not-the-password-01").status_code == 401
    assert stored_hash(db, "rehash-me") == weak  # a wrong password changes nothing

    assert accounts.login("rehash-me", PASSWORD).status_code == 200
    renewed = stored_hash(db, "rehash-me")
    assert renewed != weak
    assert extract_parameters(renewed) == extract_parameters(passwords.hash_password("anything"))
    assert passwords.verify(renewed, PASSWORD)
    assert accounts.login("rehash-me", PASSWORD).status_code == 200


def test_a_hash_with_the_current_parameters_is_kept_at_sign_in(app, accounts):
    db = app.extensions["estate_ops"].db
    db.users.insert_one({"_id": "keep-me", "username": "keep-me",
                         "password_hash": passwords.hash_password(PASSWORD), **USER})
    before = stored_hash(db, "keep-me")
    assert accounts.login("keep-me", PASSWORD).status_code == 200
    assert stored_hash(db, "keep-me") == before


# -- ESTATE_PASSWORD_HASHING=fast-insecure-for-tests: the test suite's systems only ---------------

LOCAL = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/estate_e2e"}
FAST = {passwords.TEST_ONLY_SETTING: "fast-insecure-for-tests"}


def test_unset_the_real_parameters_are_chosen():
    assert passwords.chosen_parameters(LOCAL) == profiles.RFC_9106_LOW_MEMORY
    assert passwords.chosen_parameters({**LOCAL, passwords.TEST_ONLY_SETTING: " "}) == profiles.RFC_9106_LOW_MEMORY


def test_the_test_only_hashing_is_argon2id_at_its_cheapest_where_nothing_says_production():
    chosen = passwords.chosen_parameters({**LOCAL, **FAST})
    assert (chosen.type, chosen.time_cost, chosen.memory_cost, chosen.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.type, 1, 64, 1)
    assert passwords.chosen_parameters(FAST) == chosen  # no AMQP_URI: the default broker, on loopback


@pytest.mark.parametrize("said, why", [
    ({"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, "Kubernetes"),
    ({"ESTATE_STORE": "mongodb"}, "ESTATE_STORE"),
    ({"AMQP_URI": "amqp://gateway:s3cret-broker@rabbitmq:5672/estate"}, "broker"),
    ({"AMQP_URI": "amqps://gateway:s3cret-broker@10.0.0.7:5671/estate"}, "broker"),
])
def test_the_test_only_hashing_is_refused_where_anything_says_production(said, why):
    with pytest.raises(passwords.RefusedHashing, match=why) as refused:
        passwords.chosen_parameters({**LOCAL, **FAST, **said})
    assert "ESTATE_PASSWORD_HASHING=fast-insecure-for-tests is for the test suite only" in str(refused.value)


@pytest.mark.parametrize("value", ["fast", "FAST-INSECURE-FOR-TESTS", "rfc9106", "off"])
def test_any_other_value_is_refused(value):
    with pytest.raises(passwords.RefusedHashing, match="may only be fast-insecure-for-tests"):
        passwords.chosen_parameters({**LOCAL, passwords.TEST_ONLY_SETTING: value})


def test_the_gateway_does_not_start_with_it_in_a_deployment(tmp_path):
    """The hasher is chosen at import (the decoy is hashed with it): a gunicorn worker that cannot
    import the app does not boot, and gunicorn stops."""
    env = {**os.environ, **FAST, "ESTATE_STORE": "mongodb", "PYTHONPATH": os.pathsep.join(sys.path)}
    ran = subprocess.run([sys.executable, "-c", "import gateway.passwords"], env=env, capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert ran.returncode != 0
    assert "RefusedHashing" in ran.stderr and "ESTATE_STORE is set" in ran.stderr, ran.stderr


def test_a_hash_made_by_the_test_only_hashing_is_replaced_at_the_next_sign_in_without_it(app, accounts):
    db = app.extensions["estate_ops"].db
    fast = PasswordHasher.from_parameters(passwords.chosen_parameters({**LOCAL, **FAST})).hash(PASSWORD)
    db.users.insert_one({"_id": "made-in-a-test", "username": "made-in-a-test", "password_hash": fast, **USER})
    real = PasswordHasher.from_parameters(passwords.PARAMETERS)
    with pytest.MonkeyPatch.context() as patch:  # the gateway's own hasher, not the unit tests' cheap one
        patch.setattr(passwords, "_hasher", real)
        assert passwords.needs_rehash(fast)
        assert accounts.login("made-in-a-test", PASSWORD).status_code == 200
        renewed = stored_hash(db, "made-in-a-test")
        assert extract_parameters(renewed) == extract_parameters(real.hash("anything"))
        assert not passwords.needs_rehash(renewed)
