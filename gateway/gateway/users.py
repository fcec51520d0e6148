"""The gateway's own store: staff accounts (who may sign in) and idempotency records.

Users are the gateway's concern because it is where people authenticate;
passwords never travel over the bus.
"""
from estate_common import clock, store
from estate_common.errors import Conflict
from estate_common.store import DuplicateKeyError

from . import passwords

INDEXES = {
    "users": [([("estate_ids", 1)], {}), ([("created_at", 1), ("_id", 1)], {})],
    "idempotency": [([("created_at", 1)], {})],
}

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
    try:
        db.users.insert_one(user)
    except DuplicateKeyError:
        raise Conflict("this username is taken", [{"field": "username", "message": "is already taken"}]) from None
    return user


def authenticate(db, username, password):
    """The user when the password is right and the account active, else None."""
    user = db.users.find_one({"_id": username})
    if not passwords.verify(user["password_hash"] if user else None, password):
        return None
    if not user["active"]:
        return None
    if passwords.needs_rehash(user["password_hash"]):
        db.users.update_one({"_id": username}, {"$set": {"password_hash": passwords.hash_password(password)}})
    return user


def ensure_admin(db, password):
    """The operator admin ``admin`` exists and signs in with ``password`` (ESTATE_ADMIN_PASSWORD)."""
    existing = db.users.find_one({"_id": "admin"})
    if existing is None:
        create(db, "admin", password, ["operator_admin"], [])
    else:
        restore = {"active": True, "roles": ["operator_admin"]}
        if not passwords.verify(existing["password_hash"], password):
            restore["password_hash"] = passwords.hash_password(password)
        db.users.update_one({"_id": "admin"}, {"$set": restore})


def list_users(db, limit, cursor):
    page = store.page(db.users, {}, limit, cursor)
    page["items"] = [view(item) for item in page["items"]]
    return page
