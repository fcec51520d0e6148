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


# How owners and owner lists write a building, a unit or a room: its number or letter and maybe
# the word for it after (3号楼, 3栋, 3幢, 3#, 3#楼, A座; 2单元; 1201室), a building's or a unit's
# number maybe in Chinese (三号楼, 十二栋, 二单元). Each is one address part (``address_reading``):
# a portal filer's 3号楼-2单元-1201室 found no household registered as 3-2-1201, nor an owner list's
# 3栋 one typed 3 (found by a probe of the portal). Nothing else is read: 3楼 is a floor as often as
# a building, and 一期3栋's phase is no part to guess at (the desk matches those by hand).
ADDRESS_MARKS = {"building": ("号楼", "#楼", "栋", "幢", "座", "号", "#"), "unit": ("单元",), "room": ("室", "号")}
_NAMED = re.compile(r"[0-9A-Za-z]{1,10}")
_CHINESE_DIGITS = "一二三四五六七八九"
_CHINESE_NUMBER = re.compile(f"(?:([{_CHINESE_DIGITS}]?)十)?([{_CHINESE_DIGITS}]?)")


def _chinese_number(text):
    """1 to 99 written in Chinese (三, 十, 十二, 二十, 二十三) as an int; None for anything else."""
    found = _CHINESE_NUMBER.fullmatch(text)
    if not text or not found:
        return None
    tens, ones = found.groups()
    value = (_CHINESE_DIGITS.index(tens) + 1 if tens else 1) * 10 if "十" in text else 0
    return value + (_CHINESE_DIGITS.index(ones) + 1 if ones else 0)


def _chinese(number):
    """``_chinese_number``'s inverse, 1 to 99."""
    tens, ones = divmod(number, 10)
    return (("" if tens == 1 else _CHINESE_DIGITS[tens - 1]) + "十" if tens else "") \
        + (_CHINESE_DIGITS[ones - 1] if ones else "")


def address_reading(text, part):
    """The building (``part``), unit or room ``text`` names when it is written as the common forms
    are (``ADDRESS_MARKS``): its number or letters in ASCII upper case (3号楼, 3栋, ３＃, 三号楼 and 3
    read 3; a座 A; 2单元 2; 1201室 1201); None when it is not (it is compared as kept then). Letters
    are read in either case, as a household's id is (archive ``domain.household_id``)."""
    kept = address_part(text)
    for mark in ("",) + ADDRESS_MARKS[part]:
        if mark and not kept.endswith(mark):
            continue
        core = kept[:len(kept) - len(mark)].rstrip(" ") if mark else kept
        if _NAMED.fullmatch(core):
            return core.upper()
        number = _chinese_number(core) if part != "room" else None  # a room is never written so
        if number:
            return str(number)
    return None


def address_key(text, part):
    """How two address parts are compared: by their reading (``address_reading``), else as kept,
    in either case (as a household's id is)."""
    return address_reading(text, part) or address_part(text).upper()


def address_spellings(text, part=None):
    """The spellings a stored address part typed as ``text`` may have (a query's ``$in``): as
    ``address_part`` keeps it, and as typed, for what was stored before address parts were
    NFKC-read; with ``part`` named, every common form of its reading too (``address_reading``:
    3号楼 finds a building registered as 3, 3栋 or 三号楼, and 3 finds those)."""
    spellings = {text, address_part(text)}
    reading = address_reading(text, part) if part else None
    if reading:
        cores = {reading, reading.lower()}
        if reading.isdigit() and part != "room" and 1 <= int(reading) <= 99 and reading == str(int(reading)):
            cores.add(_chinese(int(reading)))
        spellings |= {core + space + mark for core in cores for mark in ("",) + ADDRESS_MARKS[part]
                      for space in ("", " ") if mark or not space}
    return sorted(spellings)


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


# what a spreadsheet runs as a formula when a CSV cell of text starts with it
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A CSV cell's text safe from formula injection: text starting with ``= + - @``, a tab or a
    carriage return gets a leading ``'``, so a spreadsheet shows it as text instead of running it;
    numbers, booleans and None as they are. The one rule of the services' exports
    (``exports.escape``) and the console's tables it writes itself (the KPIs')."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def optional_text(data, name):
    """``data[name]`` as a record keeps a free text field: stripped, None when absent or blank; a value
    that is not a string as it is (the contract has refused what it must)."""
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else value
    return value or None
