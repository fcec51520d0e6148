"""Password hashing with Argon2id, RFC 9106's low-memory profile (t=3, 64 MiB, p=4), and what
a chosen password may not be."""
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from estate_common.errors import BusinessRuleViolation, field_error
from estate_common.guessable import refuse_guessable

PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)
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
    """A hash made with other parameters than ours (older, weaker) is replaced at the next sign-in."""
    return _hasher.check_needs_rehash(password_hash)


# different characters a chosen password holds at least (its length, 12, is the contract's): an
# account was made with "aaaaaaaaaaaa" (found by a probe), which a guess finds at once
MIN_DISTINCT = 5


def refuse_weak(password, field, username=""):
    """422 naming ``field`` when a password set through the API repeats too few characters or is
    among a guess's first tries (``estate_common.guessable``): rules beyond the contract's length,
    as "must differ from the current one" is."""
    if len(set(password)) < MIN_DISTINCT:
        raise BusinessRuleViolation("a password holds at least 5 different characters",
                           [field_error(field, "has fewer than 5 different characters")])
    refuse_guessable(password, field, username)
