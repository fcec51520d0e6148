"""Staff accounts: who may sign in, with which roles, in which estates.

Users are the gateway's concern because it is where people authenticate;
passwords never travel over the bus. Stored by ``gateway.store``.
"""
from estate_common import clock
from estate_common.errors import Conflict

from . import passwords, store

USER_FIELDS = ("username", "roles", "estate_ids", "active", "created_at")


def view(user):
    """A user as the API shows it (never the password hash); takes a stored or a paged document."""
    return {k: user[k] for k in USER_FIELDS} | {"id": user.get("_id", user.get("id"))}


def create(db, username, password, roles, estate_ids):
    user = {
        "_id": username,  # usernames are unique: the natural key
        "username": username,
        "password_hash": passwords.hash_password(password),
        "roles": roles,
        "estate_ids": estate_ids,
        "active": True,
        "created_at": clock.now_iso(),
    }
    if not store.insert_user(db, user):
        raise Conflict("this username is taken", [{"field": "username", "message": "is already taken"}])
    return user


def authenticate(db, username, password):
    """The user when the password is right and the account active, else None."""
    user = store.find_user(db, username)
    if not passwords.verify(user["password_hash"] if user else None, password):
        return None
    if not user["active"]:
        return None
    if passwords.needs_rehash(user["password_hash"]):
        store.change_user(db, username, {"password_hash": passwords.hash_password(password)})
    return user


def ensure_admin(db, password):
    """The operator admin ``admin`` exists and signs in with ``password`` (ESTATE_ADMIN_PASSWORD)."""
    existing = store.find_user(db, "admin")
    if existing is None:
        create(db, "admin", password, ["operator_admin"], [])
    else:
        restore = {"active": True, "roles": ["operator_admin"]}
        if not passwords.verify(existing["password_hash"], password):
            restore["password_hash"] = passwords.hash_password(password)
        store.change_user(db, "admin", restore)


def list_users(db, limit, cursor):
    page = store.page_users(db, limit, cursor)
    page["items"] = [view(item) for item in page["items"]]
    return page
