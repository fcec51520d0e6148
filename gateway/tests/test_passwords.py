"""What the tests' cheap hasher (conftest.cheap_password_hashes) leaves untested elsewhere: the
parameters the gateway really hashes with, and a weaker stored hash replaced at sign-in."""
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
