"""What a guess tries first (NIST SP 800-63B 5.1.1.2: dictionary words, sequential characters,
context-specific words): the one rule for a password a person chooses, through the API
(``gateway/passwords.py``) or as the operator admin's first one (``secrets_policy``).

"password1234", "P@ssw0rd-2026", "qwerty123456" and "woaini131452" passed the length and the 5
different characters. A password is guessable when it holds the account's name; when it is read
along a keyboard row, the alphabet or the digits (either way, shifted digits too); or when its
letters, look-alike digits and symbols read as letters ("p@$$w0rd"), are a common word or such
a run and what is left besides is weak (a few digits, a run of them, a year or a date, 1314).
A word with many random digits around it is not: "abc-92837465" holds 26 bits of digits.
"""
import re

from .errors import BusinessRuleViolation, field_error

COMMON_WORDS = frozenset((
    "password", "passwd", "passw", "pass", "qwerty", "iloveyou", "admin", "administrator", "welcome", "letmein",
    "monkey", "dragon", "master", "sunshine", "princess", "football", "baseball", "superman", "trustno",
    "changeme", "secret", "default", "guest", "root", "test", "user", "login", "hello", "woaini", "aini",
    "wuye", "estate", "estateops", "china", "beijing", "shanghai", "iloveu"))
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "qazwsxedcrfvtgbyhnujmikolp",
             "1234567890" * 2, "1q2w3e4r5t6y7u8i9o0p", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
             "zaq12wsxcde34rfvbgt56yhnmju78ik9ol0p", "!@#$%^&*()_+")

# digits or symbols written for the letters they look like, between two letters ("p@$$w0rd")
_LOOK_ALIKES = {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
_LOOK_ALIKE = re.compile(r"(?<=[a-z])[@40!1$357]+(?=[a-z])")
# what adds little to a word: a few digits, a year or a date, a number lovers write (520, 1314)
_WEAK_DIGITS = re.compile(r"\d{0,4}|(19|20)\d\d(\d\d){0,2}|(\d\d){0,2}(19|20)\d\d|\d*(1314|520)\d*")


def _along_a_sequence(text):
    """Whether ``text`` is read along the alphabet, a keyboard row or the digits, either way."""
    return len(text) >= 3 and any(text in run or text in run[::-1] for run in SEQUENCES)


def _weak_digits(digits):
    return bool(_WEAK_DIGITS.fullmatch(digits)) or _along_a_sequence(digits) or len(set(digits)) == 1


def guessable(password, username=""):
    """Why ``password`` is among a guess's first tries (a field note), or None."""
    lowered = password.lower()
    # also as typed without its dots, dashes and underscores: "zhang.san" chose "zhangsan12345" (a probe)
    bare_name, bare_password = re.sub(r"[^a-z0-9]", "", username.lower()), re.sub(r"[^a-z0-9]", "", lowered)
    if (len(username) >= 3 and username.lower() in lowered) or (len(bare_name) >= 3 and bare_name in bare_password):
        return "holds the username"
    if _along_a_sequence(bare_password) or _along_a_sequence(lowered):
        return "is a run of the keyboard, the alphabet or the digits"
    read = _LOOK_ALIKE.sub(lambda found: "".join(_LOOK_ALIKES[c] for c in found.group()), lowered)
    word, digits = re.sub(r"[^a-z]", "", read), re.sub(r"[^0-9]", "", read)
    if (word in COMMON_WORDS or _along_a_sequence(word)) and _weak_digits(digits):
        return "is a common word or a run of the keyboard with only a few digits or symbols around it"
    return None


def refuse_guessable(password, field, username=""):
    """422 naming ``field`` when ``password`` is ``guessable``."""
    why = guessable(password, username)
    if why:
        raise BusinessRuleViolation("the password is among the first a guess tries: choose another",
                                    [field_error(field, why)])
