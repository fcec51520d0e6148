"""Who sees which personal data in full (个人信息保密): the one table of it.

DOMAIN.md: personal data is confidential, "never shown or exported to those without the
right". The kinds below are the people the system records who are not staff: owners,
residents at the front desk, occupants signing for a repair, visitors. A response field
holding one is marked in ``contracts/openapi.yaml`` with ``x-personal-data: <kind>``; the
gateway masks every marked field on its way out for a caller none of whose roles the table
names (``gateway/masking.py``). A kind missing from the table is masked for everyone (deny
by default). Roles as in DOMAIN.md "Who uses it" (``gateway.policy.ROLES``); the README's
Security section shows the table.

Why these rows: the front desk and stewards contact owners and residents, the archivist keeps
their files, the manager and the operator answer for all of it. Accounts need the owner's
name on bills and receipts, not the phone. Engineering and security work on a unit, not a
person: they get the building, unit and room and a masked name (the surname, enough to
greet someone at the door); the technician sees in full only the occupant who agreed to or
signed off a work order assigned to him, and who called about the repair his open work order
is for (``SEEN_ON_OWN_RECORD_BY``: the gateway applies it to the work orders and the requests
it answers with; elsewhere, as in archive's records and in exports, those are masked for him). Security and the front desk register visitors, so they see them.

Free text is not a field of one person, yet owners type their numbers into it ("漏水, 请联系
13800138000"): ``NUMBERS_IN_TEXT`` marks a text written for or by a household (a request's
description, reply and outcome, a work order's description, a return visit's notes, an engineering
review's notes). Whoever
does not see residents' phones in full gets the text with each phone or ID card number in it
masked as a phone is (``personal_numbers`` finds them); the words stay, so the technician still
reads what is broken. Until 2026-12 a technician read the number in full in the repair his
order came from and in the order itself (left open by session 36's probe).

A name typed into free text is not found by its shape, as a number is; the names the record itself
holds are (who called, the complainant...): each is masked where the record's free text
repeats it, exactly, for whoever reads the name masked (``mask_names_in``, ``name_masked_in_text``:
the gateway's ``names_in_texts``, h8, the exports and archive's records). A name no field of the
record holds stays as typed.

``NUMBERS_IN_GUARDS_TEXT`` marks the guards' words to the guard taking over (a shift handover's
notes and its acceptance's: "访客 13800138000 在 3 栋等业主回电"): masked as a household's text, the
guard meant to call back read 138****8000, and the guard who wrote it his own words masked, where
the visitor register shows security that visitor's phone in full (found by review r1). Security
reads them in full, as a visitor's phone; every other role that reads phones masked, masked.
"""
import functools
import re

from . import personal_numbers, phones
from .errors import Forbidden, InvalidInput, field_error
from .roles import FRONT_DESK, MANAGEMENT

OWNER_NAME = "owner_name"          # a household's owner (households)
OWNER_PHONE = "owner_phone"
RESIDENT_NAME = "resident_name"    # a complainant, a key or tool borrower, who left or collected an item,
                                   # who filed a request on the owner portal
RESIDENT_PHONE = "resident_phone"  # the phone an owner-portal request gives to be called back on; a
                                   # household's owner, tenant or family member (…/occupants)
RESIDENT_ID_NUMBER = "resident_id_number"  # a household's owner, tenant or family member (…/occupants)
OCCUPANT_NAME = "occupant_name"    # who agreed to a work order's quote or signed it off
VISITOR_NAME = "visitor_name"
VISITOR_PHONE = "visitor_phone"
NUMBERS_IN_TEXT = "numbers_in_text"  # phone and ID card numbers in free text about a household
NUMBERS_IN_GUARDS_TEXT = "numbers_in_guards_text"  # … in the guards' words handing a shift over
BANK_ACCOUNT = "bank_account"  # a bank statement line's counterparty's account number (对方账号: finance)


SEEN_IN_FULL_BY = {
    OWNER_NAME: FRONT_DESK | {"archivist", "accountant", "cashier"},
    OWNER_PHONE: FRONT_DESK | {"archivist"},
    RESIDENT_NAME: FRONT_DESK | {"archivist"},
    RESIDENT_PHONE: FRONT_DESK | {"archivist"},
    RESIDENT_ID_NUMBER: FRONT_DESK | {"archivist"},
    OCCUPANT_NAME: FRONT_DESK | {"archivist"},
    VISITOR_NAME: FRONT_DESK | {"security"},
    VISITOR_PHONE: FRONT_DESK | {"security"},
    NUMBERS_IN_TEXT: FRONT_DESK | {"archivist"},  # as a resident's phone
    NUMBERS_IN_GUARDS_TEXT: FRONT_DESK | {"archivist", "security"},  # as a visitor's phone, and the archives'
    BANK_ACCOUNT: MANAGEMENT | {"accountant"},  # who matches the bank statement (session 55's leftovers, h4)
}

# A role that sees a kind in full only on its own record, and the field of the record that names
# the user: the technician, on a work order assigned to him (its ``technician`` is a user name),
# and on a repair request whose open work order is assigned to him (the request's ``technician``:
# customer service names the technician of the order it waits for, null once the work is done).
# He agrees the visit with the occupant, and saw who called masked, 王** · 139****5678 (a probe of
# the repair chain); another technician, or he once the work is done or given to another, sees
# them masked. A resident's ID number is not his to see, nor phones typed into text.
SEEN_ON_OWN_RECORD_BY = {
    OCCUPANT_NAME: {"technician": "technician"},
    RESIDENT_NAME: {"technician": "technician"},
    RESIDENT_PHONE: {"technician": "technician"},
}

PHONES = frozenset({OWNER_PHONE, VISITOR_PHONE, RESIDENT_PHONE})
NUMBERS = PHONES | {RESIDENT_ID_NUMBER}  # masked like a phone: the first three and last four kept
TEXTS = frozenset({NUMBERS_IN_TEXT, NUMBERS_IN_GUARDS_TEXT})  # free text: the numbers in it masked, the words kept
NAMES = frozenset({OWNER_NAME, RESIDENT_NAME, OCCUPANT_NAME, VISITOR_NAME})
# the shortest name masked where free text repeats it (``mask_names_in``): one character is a
# surname alone, or any word's character, and masking it would mask text that names nobody
NAME_IN_TEXT_MIN_CHARS = 2


def sees_in_full(kind, roles):
    return bool(set(SEEN_IN_FULL_BY.get(kind, ())) & set(roles or ()))


def owner_fields(kind):
    """The fields that name a record's user for ``kind`` (``SEEN_ON_OWN_RECORD_BY``)."""
    return frozenset(SEEN_ON_OWN_RECORD_BY.get(kind, {}).values())


def sees_on_record(kind, roles, user, record):
    """Whether ``user`` with ``roles`` sees ``kind`` in full on ``record`` (an answer's object
    holding the value, or the nearest one above it naming its user): by the table, or as the
    user that the record names for one of the roles."""
    return sees_in_full(kind, roles) or owns(kind, roles, user, record)


def owns(kind, roles, user, record):
    """Whether ``record`` names ``user`` in the field ``SEEN_ON_OWN_RECORD_BY`` gives one of
    ``roles`` for ``kind`` (the part of ``sees_on_record`` beyond the table)."""
    if not user or not isinstance(record, dict):
        return False
    return any(role in (roles or ()) and record.get(field) == user
               for role, field in SEEN_ON_OWN_RECORD_BY.get(kind, {}).items())


def mask_phone(phone):
    """``13800138000`` → ``138****8000``: enough to tell two numbers apart on the phone."""
    text = phone.strip()
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_name(name):
    """``张三`` → ``张*``, ``Zhang San`` → ``Z**** ***``: the first character (a Chinese
    surname), the rest starred, spaces kept."""
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "".join(" " if c.isspace() else "*" for c in text[1:])


def mask_account(account):
    """``6217000011112222`` → ``************2222``: its last four, as a bank prints a card on a receipt."""
    text = account.strip()
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_numbers_in(text):
    """``text`` with each phone or ID card number in it masked as a phone is (``请联系13800138000``
    → ``请联系138****8000``), every other character as written."""
    for start, end in reversed(personal_numbers.find(text)):
        text = text[:start] + mask_phone(text[start:end]) + text[end:]
    return text


def mask_names_in(text, names):
    """``text`` with each of ``names`` in it (the longest first) masked as a name is (``王建国说漏水``
    → ``王**说漏水``): the names a record holds, repeated in its free text (h8). A name shorter than
    ``NAME_IN_TEXT_MIN_CHARS`` is left alone; nothing else is guessed. A name's end in Latin letters
    is matched as a word's, in any case (``_name_pattern``): Li, a caller's two letters, masked the
    Lift in every word of the text (``L*ft``), and ``li lei`` stayed in full (review r8 of h8)."""
    for name in sorted({n.strip() for n in names if isinstance(n, str)}, key=len, reverse=True):
        if len(name) >= NAME_IN_TEXT_MIN_CHARS:
            text = _name_pattern(name).sub(lambda found: mask_name(found.group()), text)
    return text


def names_in(value):
    """The names a name field's ``value`` holds, to mask where free text repeats them: its text, or
    the texts down through an object or a list (an archive correction may write a whole person as one
    field, ``{"name", "phone"}``, whose name a note typed again was read there in full: review r6 of
    h6), less a phone or ID number among them, which the text's own mask finds as a number."""
    if isinstance(value, str):
        return [] if personal_numbers.holds(value) else [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [name for item in value for name in names_in(item)]
    return []


def name_masked_in_text(text_kind, name_kind, sees):
    """Whether a name of ``name_kind`` the record holds is masked where its free text of ``text_kind``
    repeats it, for a reader who sees in full the kinds ``sees`` (a predicate) says: for whoever reads
    both the name and the text's numbers masked (h8). The one rule of it: the gateway's answers
    (``masking._names_in_texts``), the exports (``exports.row``), archive's records
    (``domain.masked_record``) and a webhook's body (``integrations.webhooks.body_of``) read it here, where the exports and the records wrote the name in full
    in a text beside its masked field (the last session's note)."""
    return not sees(text_kind) and not sees(name_kind)


@functools.lru_cache(maxsize=4096)
def _name_pattern(name):
    """``name`` as written, any case; an end of it in Latin letters not inside a longer word, an end
    in digits not inside a longer number (a phone the text's mask finds after: 8000 masked in
    13900138000 left 13900138***, review r8 of h8). Chinese has no word boundary to find: a name in
    Chinese characters is masked wherever it is written. 王刚 in 王刚才说 is the caller (王刚 才说) or
    his surname before 刚才 (王 刚才说), 李明 in 李明天来 李明 or 明天: the characters read both ways, and
    only a segmenter's dictionary and a guess would part them (a name is seldom in its dictionary), so
    a wrong guess would leave the name in full where the rule now hides one character of a word; the
    masking keeps to the safer side (h6, the last session's note)."""
    def edge(char, look):
        for kind in (r"[A-Za-z]", r"[0-9]"):
            if re.fullmatch(kind, char):
                return look + kind + ")"
        return ""
    return re.compile(edge(name[0], "(?<!") + re.escape(name) + edge(name[-1], "(?!"), re.IGNORECASE)


def masked(kind, value):
    """``value`` of ``kind`` as a caller without the right sees it: every text in it masked, down
    through objects and lists (an archive correction may write a whole person as one field:
    ``{"name", "phone", "id_number"}`` was shown in full through a borrowing; found by review);
    other values as they are (a null stays null)."""
    if isinstance(value, dict):
        return {name: masked(kind, item) for name, item in value.items()}
    if isinstance(value, list):
        return [masked(kind, item) for item in value]
    if not isinstance(value, str):
        return value
    if kind in TEXTS:
        return mask_numbers_in(value)
    if kind == BANK_ACCOUNT:
        return mask_account(value)
    return mask_phone(value) if kind in NUMBERS else mask_name(value)


# An occupant's (or a visitor's) request to see what is held about him (个人信息查阅、复制, PIPL art.
# 45): the archives answer it (the archivist keeps the files, management answers for them), found by
# his phone across the services (``POST …/personal-data/search``). Not the front desk's daily work:
# one search finds every request a number called about and every visit it registered.
ANSWER_SUBJECT_REQUESTS = MANAGEMENT | {"archivist"}


def subject_phone(roles, data):
    """The phone of an occupant's request to see his data (``data.phone``) as dialled: 403 for a role
    that does not answer such requests, 400 naming ``data.phone`` for a text that is not a phone."""
    if not set(roles or ()) & ANSWER_SUBJECT_REQUESTS:
        raise Forbidden("only the archives (the archivist, management) answer a request to see one's data")
    number = phones.dialled(data.get("phone"))
    if number is None:
        raise InvalidInput("the phone is not a phone number", [field_error(
            "data.phone", "must be a phone number: 6 to 20 digits, maybe +86 first, spaces, dashes or "
                          "parentheses between them, such as 139 1234 5678")])
    return number
