"""A phone number as dialled: the one reading of a number that people write many ways.

The front desk finds an owner by the number a caller rings from (``POST …/households/search``),
and the number on file was typed by another clerk, an owner list or the owner himself:
``139 1234 5678``, ``139-1234-5678``, ``+86 139 1234 5678``, ``0086 13912345678``, ``(86)
13912345678`` and ``１３９１２３４５６７８`` (a Chinese keyboard's full width) are one number. ``dialled``
reads each the same: full-width signs as ASCII (NFKC), the spaces, dashes, dots and parentheses
between the digits dropped, and China's country code (``+86``, ``0086``, or ``86`` before a mobile)
taken off, a landline's area code given back its 0 (``+86 21 6123 4567`` is ``02161234567``).
Another country's number keeps its code, as dialled from here (``+852 …`` is ``00852…``).
Anything else in it (a letter, a second ``+``) is not a phone: None.

Kept apart from ``personal_numbers`` (which finds numbers in free text to mask them): this reads
one field that is meant to hold a number.
"""
import re
import unicodedata

# the separators people type between groups of digits, dashes of every width included
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe58\ufe63.()/_]+")
_WRITTEN = re.compile(r"\+?[0-9]+")
FEWEST_DIGITS, MOST_DIGITS = 6, 20  # the contract's phone (HouseholdPhoneSearch): 6 to 20 digits as written
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def dialled(text):
    """``text`` (a phone as written) as the digits one dials from China, or None when it is not a
    phone: ``+86 139-1234-5678`` → ``13912345678``."""
    if not isinstance(text, str):
        return None
    written = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not _WRITTEN.fullmatch(written) or not FEWEST_DIGITS <= len(written.lstrip("+")) <= MOST_DIGITS:
        return None  # the digits as written are the contract's phone: "+86 1234" is one, found on nobody
    if written.startswith("+"):
        written = "00" + written[1:]
    if written.startswith("0086"):
        national = written[4:]
        written = national if _MOBILE.fullmatch(national) or national.startswith("0") else "0" + national
    elif written.startswith("86") and _MOBILE.fullmatch(written[2:]):
        written = written[2:]
    return written
