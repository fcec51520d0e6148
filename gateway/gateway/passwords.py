"""Password hashing with Argon2id (argon2-cffi defaults, RFC 9106 low-memory profile)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that a wrong username takes as long as a wrong password.
_DECOY = _hasher.hash("estate-ops decoy password")


def hash_password(password):
    return _hasher.hash(password)


def verify(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DECOY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)
