"""How free text a person typed is kept."""
import re
import unicodedata


def spaced(text):
    """Runs of spaces (tabs, new lines) as one space, none at either end; '' for None: how a
    name, an address part or a reason is kept and compared."""
    return " ".join((text or "").split())


def address_part(text):
    """A building, unit or room as kept and compared: ``spaced``, with full-width letters, digits
    and signs (as a Chinese keyboard types them) read as their ASCII twins (Unicode NFKC). The
    same flat typed ``３０１`` and ``301`` was two households (found by review)."""
    return spaced(unicodedata.normalize("NFKC", text or ""))


def address_spellings(text):
    """The spellings a stored address part typed as ``text`` may have: as ``address_part`` keeps
    it, and as typed, for what was stored before address parts were NFKC-read (a query's ``$in``)."""
    return sorted({text, address_part(text)})


def typed_code(text):
    """A short code a person types (a patrol checkpoint's, a fire facility's) as it is kept and
    compared: NFKC (``Ｅ１`` typed full-width on a phone's IME is ``E1``) and upper case, without
    spaces around it. The contract's ``TypedCode`` admits the full-width forms it reads."""
    return unicodedata.normalize("NFKC", text).strip().upper()


# digits grouped by thousands, maybe with decimals: "1,200" or "1,234.5"; not "89,5" (a decimal comma)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def number_text(text):
    """A number typed in a cell, NFKC-read (full-width digits) with its thousands commas taken out;
    any other comma is left, so the number is refused rather than read ten times too large
    ("89,5" was read as 895 m², found by review)."""
    read = unicodedata.normalize("NFKC", str(text)).strip()
    return read.replace(",", "") if _GROUPED.fullmatch(read) else read


# C0 and C1 controls but tab, line feed and carriage return: no text of the API holds one (a
# description with \x07 or \x1b[31m was kept, and every export dropped it). Also the
# bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069): a portal filer's
# contact name ending in U+202E drew the phone after it backwards on the desk's page, so that
# staff would ring a number the filer chose to look like another (found by a probe).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def holds_control(text):
    """Whether ``text`` holds a control character no text of the API may hold."""
    return _CONTROL.search(text) is not None


def invisible(text):
    """Only format characters (zero-width space, joiners, a byte-order mark) and spaces, and at
    least one of the former: a text of spaces alone is each contract's to judge (a zero-width
    space passed every "not blank" check: ``\\S`` matches it)."""
    if not text or text.isascii():
        return False
    categories = {unicodedata.category(character) for character in text}
    return "Cf" in categories and categories <= {"Cf", "Zs", "Zl", "Zp", "Cc"}
