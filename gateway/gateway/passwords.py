"""Password hashing with Argon2id, RFC 9106's low-memory profile (t=3, 64 MiB, p=4), and what
a chosen password may not be."""
import re

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from estate_common.errors import BusinessRuleViolation, field_error

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

# What a guess tries first (NIST SP 800-63B 5.1.1.2: dictionary words, sequential characters,
# context-specific words): "password1234", "qwerty123456" and "woaini131452" passed the length
# and the 5 characters. A password is refused when its letters, digits and symbols aside, are one
# of these words, or a run along the alphabet or a keyboard row; when it has no letters and its
# digits run along the digits; or when it holds the account's name.
COMMON_WORDS = frozenset((
    "password", "passwd", "passw", "pass", "qwerty", "iloveyou", "admin", "administrator", "welcome", "letmein",
    "monkey", "dragon", "master", "sunshine", "princess", "football", "baseball", "superman", "trustno",
    "changeme", "secret", "default", "guest", "root", "test", "user", "login", "hello", "abc", "woaini", "aini",
    "wuye", "estate", "estateops", "china", "beijing", "shanghai", "qq", "wo", "iloveu"))
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "qazwsxedcrfvtgbyhnujmikolp",
             "1234567890" * 2, "1q2w3e4r5t6y7u8i9o0p", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


def _along_a_sequence(text):
    """Whether ``text`` is read along the alphabet, a keyboard row or the digits, either way."""
    return len(text) >= 3 and any(text in run or text in run[::-1] for run in SEQUENCES)


# a digit or symbol written for the letter it looks like, between two letters ("p@ssw0rd")
_LOOK_ALIKES = {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
_LOOK_ALIKE = re.compile(r"(?<=[a-z])[@40!1$357](?=[a-z])")


def guessable(password, username=""):
    """Why ``password`` is among a guess's first tries (a field note), or None."""
    lowered = password.lower()
    if len(username) >= 3 and username.lower() in lowered:
        return "holds the username"
    letters = re.sub(r"[^a-z]", "", _LOOK_ALIKE.sub(lambda m: _LOOK_ALIKES.get(m.group(), m.group()), lowered))
    if not letters:
        return "is a run of digits" if _along_a_sequence(re.sub(r"[^0-9]", "", lowered)) else None
    if letters in COMMON_WORDS or _along_a_sequence(letters) or _along_a_sequence(re.sub(r"[^a-z0-9]", "", lowered)):
        return "is a common word or a run of the keyboard with digits or symbols around it"
    return None


def refuse_weak(password, field, username=""):
    """422 naming ``field`` when a password set through the API repeats too few characters or is
    among a guess's first tries (``guessable``): rules beyond the contract's length, as "must
    differ from the current one" is."""
    if len(set(password)) < MIN_DISTINCT:
        raise BusinessRuleViolation("a password holds at least 5 different characters",
                           [field_error(field, "has fewer than 5 different characters")])
    why = guessable(password, username)
    if why:
        raise BusinessRuleViolation("the password is among the first a guess tries: choose another",
                                    [field_error(field, why)])
