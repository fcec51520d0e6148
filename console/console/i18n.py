"""Languages: the chosen one (cookie, else Accept-Language, else Chinese), its
messages, and dates and money written the way its readers expect."""
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, g, request, session
from markupsafe import Markup

from estate_common import labels

from . import plan_steps, refusals
from .messages import CATALOGUES

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "console_lang"


def choose_language():
    """The cookie the switch set, else the best of Accept-Language, else Chinese."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en", "en-US", "en-GB"])
    if best:
        return best.split("-")[0]
    return DEFAULT_LANGUAGE


def language():
    return getattr(g, "language", DEFAULT_LANGUAGE)


def translate(key, /, **values):
    """The message ``key`` in the page's language; the key itself when it has none (never a crash).
    Positional only: a message may name a value ``key`` (a custom field's, "Field {key} defined.").
    A message that counts says so by its ``count``: a count of one reads the message's singular,
    ``key.one``, where it has one ("1 work order"; the catalogue read "1 work orders", "1
    attempt(s)"), and every count is grouped by thousands (``number_text``)."""
    if _is_one(values.get("count")):
        key = key + ".one" if key + ".one" in CATALOGUES[DEFAULT_LANGUAGE] else key
    text = CATALOGUES[language()].get(key) or CATALOGUES[DEFAULT_LANGUAGE].get(key) or key
    if not values:
        return text
    return text.format(**{name: _counted(value) if name in COUNTS else value for name, value in values.items()})


# the values a message counts with (how many of something, how many minutes), grouped by thousands;
# a year, a record's or a line's number, a version are no counts and are written as they are
COUNTS = frozenset({"count", "late", "required", "shown", "minutes", "limit", "threshold", "interval"})
_DIGITS = re.compile(r"-?\d+")


def number_text(number):
    """A whole number grouped by thousands, 70,123, in either language: as money is (¥70,123.00) on
    a Chinese page as on an English one, where a count beside it read 70123."""
    return f"{int(number):,}"


def _counted(value):
    """A count as a message writes it: grouped (70,123), "N+" (common.count_said) too (1,200+)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return number_text(value)
    if isinstance(value, str):
        return _DIGITS.sub(lambda digits: number_text(digits.group()), value, count=1) \
            if re.fullmatch(r"-?\d+\+?", value) else value
    return value


def _is_one(count):
    return not isinstance(count, bool) and (count == 1 or count == "1")


def label(group, value, *more_groups):
    """An enum value's name (``status.open``, ``kind.complaint``...) in the first of the groups
    that names it, or the value as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a yes or no as JSON spells it (fee_collected.true), not Python's True
        value = "true" if value else "false"
    for each in (group, *more_groups):
        key = f"{each}.{value}"
        if key in CATALOGUES[language()]:
            return translate(key)
    return str(value)


# who a step or a record names when no person took it, each a message (``actor``): the owner
# portal's filers, by the name they carry on the bus (the gateway's ``users.PORTAL_CALLER``), and
# nobody (a sweep's step, a service acting on an event no person caused: no actor)
_SYSTEM_ACTORS = {"portal": "actor.portal", None: "actor.system", "": "actor.system"}


def actor(name):
    """Who did it as a page names them: a person's username as it is; the owner portal and the
    system in the page's language (a portal request's history read "登记 · portal", and a sweep's
    step and an archive record of no person's event named nobody: a review)."""
    key = _SYSTEM_ACTORS.get(name)
    return translate(key) if key else str(name)


# jsonschema's messages, as the gateway passes them in a problem's ``errors`` (the value first)
# settings that contradict each other (estate_common.settings.check_overrides)
_ORDERED_SETTINGS = re.compile(r"must (?P<not>not )?be (?P<way>more|less) than (?P<other>[a-z0-9_]+) "
                               r"\((?P<value>-?\d+)\)")
# "must be less than" (strictly: a shift's start and end hours) and "must not be more than"
_ORDERED_KEYS = {("not ", "more"): "error.setting_more_than", ("not ", "less"): "error.setting_less_than",
                 (None, "less"): "error.setting_below", (None, "more"): "error.setting_above"}

_SCHEMA_MESSAGES = (
    (re.compile(r"(?s).* is greater than the maximum of (?P<limit>-?[\d.]+)"), "error.schema_at_most"),
    (re.compile(r"(?s).* is less than the minimum of (?P<limit>-?[\d.]+)"), "error.schema_at_least"),
    (re.compile(r"(?s).* is greater than or equal to the maximum of (?P<limit>-?[\d.]+)"), "error.schema_below"),
    (re.compile(r"(?s).* is less than or equal to the minimum of (?P<limit>-?[\d.]+)"), "error.schema_above"),
    (re.compile(r"(?s).* is not a multiple of (?P<limit>[\d.]+)"), "error.schema_decimals"),
    (re.compile(r"(?s).* does not match .*"), "error.schema_form"),
    (re.compile(r"(?s).* must not be blank"), "error.schema_too_short"),
    (re.compile(r"(?s)(?:.* )?is too long: at most (?P<limit>\d+) items"), "error.schema_too_many"),
    (re.compile(r"(?s)(?:.* )?is too long: at most (?P<limit>\d+) characters"), "error.schema_longer_than"),
    (re.compile(r"(?s)(?:.* )?is too short: at least (?P<limit>\d+) items"), "error.schema_too_few"),
    (re.compile(r"(?s)(?:.* )?is too short: at least (?P<limit>\d+) characters"), "error.schema_shorter_than"),
    (re.compile(r"(?s).* is too long"), "error.schema_too_long"),
    (re.compile(r"(?s).* should be non-empty"), "error.schema_too_short"),
    (re.compile(r"(?s).* is too short"), "error.schema_shorter"),  # "'short' is too short": not empty
    (re.compile(r"(?s).* is not one of .*"), "error.schema_choice"),
    (re.compile(r"(?s).* has non-unique elements"), "error.schema_unique"),  # a list sent twice the same
    (re.compile(r"(?s).* is a required property|is required"), "error.schema_required"),
    (re.compile(r"(?s).* is not of type .*"), "error.schema_type"),
    (re.compile(r"is not an allowed field"), "error.schema_unknown"),
    # a oneOf that two branches fit: two fields sent where one of them goes (subject_id and record_id)
    (re.compile(r"(?s).* is valid under each of .*"), "error.schema_one_of"),
    (re.compile(r"(?s).* is not valid under any of the given schemas"), "error.schema_none_of"),
)


def error_text(field, message):
    """A field's error as a person reads it, in their language: the gateway's input checks speak
    jsonschema ("'abc' does not match '^\\+?[0-9]…'", "200000000 is greater than the maximum of
    100000000", in English whatever the language, found by review); a limit of a ``*_cents`` field
    is shown in yuan. Any other message (a business rule's) as it came."""
    ordered = _ORDERED_SETTINGS.fullmatch(message or "")
    if ordered:  # another setting named by its label, an amount in yuan (not "parking_daily_cap_cents (3000)")
        other, value = ordered.group("other"), int(ordered.group("value"))
        return translate(_ORDERED_KEYS[ordered.group("not"), ordered.group("way")], name=label("setting", other),
                         value=money(value) if "_cents" in other else value)
    for pattern, key in _SCHEMA_MESSAGES:
        found = pattern.fullmatch(message or "")
        if found:
            limit = found.groupdict().get("limit")
            if limit is not None and "_cents" in str(field):
                limit = money(int(Decimal(limit)))
            return translate(key, limit=limit)
    return refusal_text(message)  # a business rule's words


def building(name):
    """A building as an owner reads it: one the estate names in words of its own (1栋, A座, 2号楼, as
    an owner list has them) as named, in Chinese; a bare number or letter "3 号楼" ("1栋 号楼" was
    shown, found by a probe of a new estate's set-up)."""
    name = str(name)
    if language() == "zh" and not name.isascii():
        return name
    return translate("portal.to_building", building=name)


def flat(household):
    """A flat (building-unit-room, of a household, an address or as a page's labels name it) kept
    on one line: in a narrow table Chromium broke 3-2-1202 at its hyphens, "3-2-" over "1202" (a
    browser probe of the owners still to contact, the households and the bills); its table scrolls
    in its frame (table-wrap) on a phone instead. Nothing for none, or a household without its
    address."""
    household = flat_text(household)
    if not household:
        return ""
    return Markup('<span class="flat">%s</span>') % household


def flat_text(household):
    """``flat``'s building-unit-room as text, for where markup does not go (a list's choice, a
    label a view puts together, a page's title); a label as it is."""
    if isinstance(household, dict):
        parts = [household.get(key) for key in ("building", "unit", "room")]
        return "-".join(str(part) for part in parts) if all(parts) else ""
    return household or ""


def listed(parts):
    """Values listed as the page's language lists them: 甲、乙 in Chinese, "a, b" in English (a
    KPI's months, a setting's allowed values, a plan's dates, a note's charges)."""
    return ("、" if language() == "zh" else ", ").join(parts)


def area(value):
    """An area as typed and read: 75 (not 75.0), 120.5; nothing for none."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else f"{number.normalize():f}"


def money(cents):
    """¥ and two decimals, grouped by thousands: ¥1,234.50; a negative amount -¥1,234.50 (it read
    ¥-1,234.50, a month whose costs passed its income on the owners' disclosure)."""
    if cents is None:
        return ""
    amount = Decimal(int(cents)) / 100
    return f"-¥{-amount:,.2f}" if amount < 0 else f"¥{amount:,.2f}"


_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _capitals_below_10000(number):
    """1..9999 in capitals, a zero inside once (壹仟零伍), none at the end (壹仟零伍拾)."""
    words, zero = "", False
    for place, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // place % 10
        if not digit:
            zero = bool(words)
            continue
        words += ("零" if zero else "") + _CAPITAL_DIGITS[digit] + unit
        zero = False
    return words


def _capitals(number):
    """A whole positive number in capitals: groups of four under 亿 and 万, 零 where a group
    starts with zeros after a higher one (壹万零伍, 壹亿零壹万)."""
    for size, unit in ((10 ** 8, "亿"), (10 ** 4, "万")):
        if number >= size:
            head, rest = _capitals(number // size) + unit, number % size
            if not rest:
                return head
            return head + ("零" if rest < size // 10 else "") + _capitals(rest)
    return _capitals_below_10000(number)


def yuan_in_capitals(cents):
    """An amount in Chinese capitals as a receipt writes it (人民币大写, without 人民币):
    42004 -> 肆佰贰拾元零肆分, 30000 -> 叁佰元整, 50 -> 伍角整; a negative one 负…. Whole cents."""
    cents = int(cents)
    if cents < 0:
        return "负" + yuan_in_capitals(-cents)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = _capitals(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return (words or "零元") + "整"
    if not fen:
        return words + _CAPITAL_DIGITS[jiao] + "角整"
    if not jiao:
        return words + ("零" if words else "") + _CAPITAL_DIGITS[fen] + "分"
    return words + _CAPITAL_DIGITS[jiao] + "角" + _CAPITAL_DIGITS[fen] + "分"


def yuan_text(cents):
    """Cents as a form field shows them, for ``cents_from_yuan`` to read back: 1234 -> "12.34"."""
    return f"{Decimal(int(cents)) / 100:.2f}"


# commas only as thousands groups: "42,50" (a decimal comma) was read as 4250 yuan, a hundredfold
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[,，]\d{3})+(?:\.\d*)?")
# plain decimal notation with fen at most: Decimal alone took "1e9" as a billion yuan (an operating
# expense, published to owners) and "1_000", and "12.345" was rounded to 12.35 unsaid, where a
# clerk more likely meant 12,345 or 123.45 (a probe of month-end accounts)
_YUAN = re.compile(r"[-+]?(?:\d+(?:\.\d{0,2})?|\.\d{1,2})")


def cents_from_yuan(text):
    """What a cashier typed (``123.45``, ``¥1,200``, full-width ``１２０``) in cents; None when it
    is no amount in yuan and fen: an exponent, a third decimal, or a comma that does not group
    thousands (``42,50``) is refused, not read some other way."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace("¥", "").strip()
    if "," in cleaned and not _GROUPED.fullmatch(cleaned):
        return None
    cleaned = cleaned.replace(",", "")
    if not _YUAN.fullmatch(cleaned):
        return None
    return int(Decimal(cleaned) * 100)


CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def display_zone(name=None):
    """The zone ``name``, else the chosen estate's time zone (its deadlines and periods are on its
    clock: a Los Angeles estate's same-day verification showed 16:00 the next day in Shanghai
    time), else the console's ``CONSOLE_TIMEZONE``. Times typed into forms are read in the same
    zone."""
    name = name or (session.get("estate_id") and session.get("estate_timezone")) or current_app.config["DISPLAY_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # a slim image may have no time-zone database; China has had no DST since 1991
        return CHINA_STANDARD_TIME if name in ("Asia/Shanghai", "PRC") else timezone.utc


def zone_text(name=None):
    """The zone times are shown and typed in, as the header names it: its IANA name and its
    offset now (Asia/Shanghai, UTC+08:00). No page said which clock its times were on, for an
    operator whose estates keep different ones (a probe of the manager's month)."""
    zone = display_zone(name)
    offset = datetime.now(zone).strftime("%z")
    shown = getattr(zone, "key", None) or str(zone)
    return f"{shown}, UTC{offset[:3]}:{offset[3:]}" if offset else shown


def parse_time(value):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_NOTE_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")
_NOTE_CENTS = re.compile(r"\b(\d+) cents\b")


def note_text(note):
    """A history step's note as a person reads it: the services write its times in UTC and its
    money in cents ("for 2026-12-05T18:30:00.000Z", "1245 cents"); they are shown on the display
    zone's clock and in yuan, like the rest of the page (found by review)."""
    if not note:
        return note
    shown = _NOTE_MOMENT.sub(lambda found: when(found.group(0)), str(note))
    return _NOTE_CENTS.sub(lambda found: money(int(found.group(1))), shown)


# a defect an owner found at the handover (交房验房) as customer service names it (intake.handover_repair,
# intake.found_again): a re-inspection's history note and the repair's description read it
_HANDOVER_DEFECT_NAMED = r"handover (?P<date>\d{4}-\d{2}-\d{2}), defect (?P<number>\d+) \((?P<item>.*?)\)"

# a history step's note as the services write it (in English, with codes), read for the page's
# language: "via walk_in", "to chen", "version 1: 3500 cents" on Chinese pages (found by review).
# Each form is tried only on the steps (``action``) that write it, so a note someone typed (a
# help request's "to be checked tomorrow") is never read as one ("派给 be checked tomorrow",
# found by review); the label group of each of its parts that is a code (``label``). Any other
# note shows as written. Customer-service's and maintenance's steps share some action names
# (``closed``, ``created``): a form is written by one of them only.
_HISTORY_NOTES = tuple((frozenset(entry[0].split()), re.compile(entry[1], re.DOTALL), entry[2],
                        entry[3] if len(entry) > 3 else {}) for entry in (
    # a service request's steps (customer_service)
    ("registered", r"via (?P<channel>[a-z_]+)", "note.via", {"channel": "channel"}),
    # a handover's defect a re-inspection (复查) found again while its repair is open (intake.found_again)
    ("found_again", _HANDOVER_DEFECT_NAMED + r": (?P<note>.*)", "note.found_again_noted"),
    ("found_again", _HANDOVER_DEFECT_NAMED, "note.found_again"),
    ("dispatched", r"follow-up work order (?P<number>\S+)", "note.follow_up_order"),
    ("dispatched", r"work order (?P<number>\S+)", "note.order"),
    ("started", r"work order (?P<number>\S+) started on site", "note.order_started"),
    ("completed", r"work order (?P<number>\S+) signed off(?P<emergency> \(emergency\))?", "note.order_signed_off"),
    ("closed", r"work order (?P<number>\S+) cancelled: (?P<reason>.*)", "note.order_cancelled"),
    ("closed", r"(?:(?P<outcome>.*); )?without a return visit: occupant unreachable after "
                r"(?P<attempts>(?P<count>\d+) attempts?)",  # "1 attempt": counted's singular
     "note.closed_unreachable"),
    ("rated", r"satisfaction (?P<score>\d)/5; call back owed", "note.satisfaction_call_back"),
    ("rated", r"satisfaction (?P<score>\d)/5", "note.satisfaction"),
    ("called_back", r"owner contact (?P<contact>\S+)", "note.called_back_contact"),
    ("called_back", r"return visit", "note.called_back_visit"),
    ("return_visit", r"satisfaction (?P<score>\d)/5(?P<problem>; problem found)?(?:; charge (?P<charge>disputed|not checked))?",
     "note.return_visit"),
    ("overdue", r"not answered by its due time", "note.overdue"),
    ("follow_up_requested", r"written notice to maintenance, due (?P<at>\S+)", "note.follow_up_notice"),
    ("return_visit_attempt", r"occupant not reached by (?P<method>[a-z_]+) \(attempt (?P<count>\d+)\)", "note.not_reached",
     {"method": "attempt"}),
    ("verified", r"late: with the reply", "note.verified_with_reply_late"),
    ("verified", r"with the reply", "note.verified_with_reply"),
    ("verified", r"late: (?P<finding>.*)", "note.verified_late"),
    # a renovation application's steps (customer_service)
    ("review_requested", r"engineering review by maintenance", "note.review_requested"),
    ("approved", r"no structural change: no engineering review needed", "note.no_review"),
    # engineering's decision, its reviewer's words (it read "by p_technician:" on Chinese pages: a probe)
    ("approved rejected", r"by (?P<who>[^:\n]+): (?P<notes>.*)", "note.reviewed_by"),
    # since h8 the application's step names the reviewer alone: his notes are engineering's, read at the review
    ("approved rejected", r"by (?P<who>[^:\n]+)", "note.reviewed_by_alone"),
    ("fee_paid fee_billed", r"(?P<item>[a-z_]+) \((?P<bill>bill_\S+)\)", "note.fee_paid", {"item": "fee"}),
    ("rescheduled", r"(?P<was>\S+ – \S+) → (?P<now>\S+ – \S+): (?P<reason>.*)", "note.rescheduled"),
    ("fees_requested", r"(?P<charges>[a-z_]+ \d+ cents(?:, [a-z_]+ \d+ cents)*)", "note.fees_requested"),
    # an application's fees owed again: a payment reversed, or the seller's money taken back at a sale (review r8)
    ("fees_reopened", r"payment (?P<number>\S+) reversed: (?P<fees>[a-z_]+ \(bill_\S+\)(?:, [a-z_]+ \(bill_\S+\))*)",
     "note.fees_reopened_reversal"),
    ("fees_reopened", r"the seller's prepaid money taken back at the sale of (?P<day>\d{4}-\d{2}-\d{2}): "
                      r"(?P<fees>[a-z_]+ \(bill_\S+\)(?:, [a-z_]+ \(bill_\S+\))*)", "note.fees_reopened_sale"),
    # archive's refusal of the household step, its sentence as a refusal (a probe read it in English)
    ("household_step_refused", r"(?P<step>[a-z_]+): (?P<refusal>.*)", "note.step_refused", {"step": "step"}),
    ("accepted acceptance_failed",
     r"(?P<outcome_word>passed|failed): (?P<cs>.+) \(customer service\), (?P<mt>.+) \(maintenance\)",
     "note.acceptance"),
    # a work order's steps (maintenance)
    ("created", r"from service request (?P<number>\S+)", "note.from_request"),
    ("created", r"follow-up \((?P<reason>.*)\) of service request (?P<number>\S+)", "note.follow_up_of",
     {"reason": "follow_reason"}),
    # a finding of another service, as maintenance names it (``maintenance.domain``: round_note, ...)
    ("created", r"from a patrol round, checkpoint (?P<code>\S+) \((?P<name>.*)\), checked in at (?P<at>\S+)",
     "note.from_round_at"),
    ("created", r"from the (?P<period>\d{4}-\d{2}) fire check of (?P<name>.+) \((?P<code>[^()]*)\)",
     "note.from_fire_check_of"),
    ("created", r"scheduled by the plan: (?P<plan_kind>daily inspection|periodic maintenance) of (?P<name>.+) "
                r"\((?P<code>[^()]*)\) every (?P<count>\d+) days?", "note.from_plan_of"),
    ("created", r"from the inspection (?P<checklist>.+?) at (?:equipment (?P<equipment>\S+)|(?P<location>.+?)), "
                r"item (?P<item>.+?): (?P<label>.*)", "note.from_inspection_of"),
    # ... and as it named them by id before (orders opened then keep those notes)
    ("created", r"from patrol round (?P<round>\S+), checkpoint (?P<checkpoint>.+)", "note.from_round"),
    ("created", r"from fire check (?P<check>\S+)", "note.from_fire_check"),
    ("created", r"from incident (?P<incident>\S+)", "note.from_incident"),
    ("created", r"scheduled by plan (?P<plan>\S+)", "note.from_plan"),
    ("created", r"from inspection (?P<inspection>\S+), item (?P<item>.+)", "note.from_inspection"),
    # a request registered as the wrong kind (customer service's reclassification), and the filer's urgent
    # mark it declines
    ("reclassified", r"from (?P<before>[a-z]+) to (?P<after>[a-z]+): (?P<reason>.*)", "note.reclassified",
     {"before": "kind", "after": "kind"}),
    ("urgency_declined", r"not a repair", "note.not_a_repair"),
    # a repair of no category classified by the equipment its order was done on (h5 of session 55)
    ("categorised", r"(?P<category>[a-z_]+): the equipment of work order (?P<number>\S+)", "note.categorised",
     {"category": "category"}),
    ("household_correction_not_applied", r"(?P<after>.+): the work had started at (?P<before>.+)",
     "note.correction_not_applied"),
    # a household corrected, by the desk (with its reason) or on a work order: the flats as the
    # services name them, and as they named them by id before (the pages show those ids as flats)
    ("household_corrected", r"from (?P<before>.+?) to (?P<after>.+?): (?P<reason>.*)",
     "note.household_corrected_because"),
    ("household_corrected", r"from (?P<before>.+?) to (?P<after>.+)", "note.household_corrected"),
    ("household_corrected", r"(?P<before>.+?) → (?P<after>.+?): (?P<reason>.*)", "note.household_corrected_because"),
    ("household_corrected", r"(?P<before>.+?) → (?P<after>.+)", "note.household_corrected"),
    ("assign", r"to (?P<name>.+)", "note.assigned_to"),
    ("appoint", r"for (?P<at>\S+)", "note.appointment"),
    ("reappoint", r"for (?P<at>\S+): (?P<reason>.*)", "note.appointment_because"),
    ("start", r"resumed", "note.resumed"),
    # 到场时间补录: the first start's arrival recorded afterwards (maintenance's domain.start, h7)
    ("start", r"arrived at (?P<at>\S+), recorded afterwards", "note.arrived_afterwards"),
    ("quote", r"version (?P<version>\d+): (?P<cents>\d+) cents", "note.quote"),
    ("consent", r"to quote version (?P<version>\d+)", "note.consent"),
    ("complete", r"signed off by the occupant", "note.occupant_signed"),
    ("complete", r"completed where no occupant signs \(no household\)", "note.no_occupant_to_sign"),
    # an inspection's completion (maintenance's checklists.complete): its findings counted, "N finding(s)"
    # before h6's rereading
    ("complete", r"(?P<count>\d+) finding(?:s|\(s\))?", "note.inspection_findings"),
    ("complete", r"all items passed", "note.inspection_passed"),
    ("mark_emergency", r"(?P<category>[a-z_]+)", "note.emergency_category", {"category": "emergency"}),
    ("set_equipment", r"equipment (?P<code>.+)", "note.set_equipment"),
    # a borrowing's steps (archive)
    ("requested", r"(?P<kind>view|borrow)", "note.borrow_kind", {"kind": "borrow"}),
    ("approved", r"inspection by a higher authority: no approval needed", "note.authority"),
))
_CHARGE = re.compile(r"([a-z_]+) (\d+) cents")
_NOTE_PARTS = {  # a form's optional parts, each a message of its own when present
    "emergency": lambda value: translate("note.emergency") if value else "",
    "problem": lambda value: translate("note.problem_found") if value else "",
    "charge": lambda value: translate(f"note.charge_{value.replace(' ', '_')}") if value else "",
    "outcome": lambda value: translate("note.outcome", outcome=value) if value else "",
    "refusal": lambda value: refusal_text(value),
    "outcome_word": lambda value: translate(f"note.{value}"),
    "plan_kind": lambda value: label("plan", value.replace(" ", "_")) if language() == "zh" else value,
    "equipment": lambda value: translate("described.equipment", code=value) if value else "",
}


def history_note(note, action):
    """A history step's note in the page's language (``_HISTORY_NOTES``, the forms of its
    ``action``), then ``note_text`` (its times on the display zone's clock, its cents in yuan)."""
    text = str(note or "")
    for actions, pattern, key, groups in _HISTORY_NOTES:
        found = action in actions and pattern.fullmatch(text)
        if found:
            parts = {name: value or "" for name, value in found.groupdict().items()}
            parts.update({name: label(group, parts[name]) for name, group in groups.items()})
            parts.update({name: shown(parts[name]) for name, shown in _NOTE_PARTS.items() if name in parts})
            if "charges" in parts:
                parts["charges"] = listed(f"{label('fee', item)} {money(int(cents))}"
                                          for item, cents in _CHARGE.findall(parts["charges"]))
            if "fees" in parts:  # "item (bill_…)": the fees' names (a bill's internal id is nothing to quote)
                parts["fees"] = listed(label("fee", item) for item in re.findall(r"([a-z_]+) \(bill_", parts["fees"]))
            if "cents" in parts:
                parts["cents"] = f"{parts['cents']} cents"
            text = translate(key, **parts)
            break
    return note_text(text)


# A description a service composed for what it opened itself, in English with codes, as
# ``maintenance.domain`` (work orders, by ``source.type``) and ``customer_service.intake`` (the
# repair request of a vacant-unit inspection's problem, channel ``inspection``; a return visit's
# follow-up, which maintenance opens as written) write it. Only
# the form of the item's own source is tried, so a description someone typed is never read as
# one; a composed one that does not match (cut at 2,000 characters) shows as written.
# tests/contracts/test_composed_descriptions.py composes each with the services' own functions.
_DESCRIPTIONS = {source: (re.compile(pattern, re.DOTALL), key) for source, pattern, key in (
    ("fire_inspection", r"fire equipment (?P<name>.+) \((?P<code>[^()]*)\) at (?P<location>.+?): defect found in "
                        r"the (?P<period>\d{4}-\d{2}) check(?:: (?P<notes>.*))?", "described.fire_defect"),
    ("incident", r"incident (?P<number>\S+) \((?P<type>[a-z_]+)\) at (?P<location>.+?): (?P<description>.*)",
     "described.incident"),
    ("maintenance_plan", r"(?P<kind>daily inspection|periodic maintenance) of (?P<name>.+) \((?P<code>[^()]*)\), "
                         r"due (?P<due>\d{4}-\d{2}-\d{2})", "described.plan"),
    ("notice", r"planned (?P<utility_en>water|power|gas|heating) cut: (?P<title>.*)", "described.outage"),
    ("patrol_anomaly", r"(?P<name>.+) \((?P<code>[^()]*)\): (?P<description>.*)", "described.patrol_anomaly"),
    ("inspection", r"(?P<checklist>.+?) at (?:equipment (?P<equipment>\S+)|(?P<location>.+?)): (?P<failure>.*)",
     "described.inspection"),
    ("return_visit", r"Problem found on the return visit of (?P<number>\S+)(?:: (?P<notes>.*))?",
     "described.return_visit"),
    ("vacant_inspection", r"vacant-unit inspection (?P<date>\d{4}-\d{2}-\d{2}), problem (?P<number>\d+)"
                          r"(?: \((?P<location>[^()]*)\))?: (?P<description>.*)", "described.vacant_problem"),
)}


def check_notes(text):
    """A fire check's ``notes`` in the page's language: what was typed, then each failed item of
    its checklist as ``security_patrol.fire`` adds it ("…; 出口压力 (P1) reading 0.2 MPa below 0.3
    MPa"), a composed sentence (``refusal_text``, ``refusal_catalogue.COMPOSED``)."""
    text = str(text or "")
    if language() != "zh" or not text:
        return text
    parts = text.split("; ")
    shown = [refusal_text(part) for part in parts]
    return "；".join(shown) if shown != parts else text  # typed notes alone stay as typed


# A work order opened for a service request copies the request's description: the one of a
# vacant-unit inspection's problem reads as its request does (the order does not carry the
# request's channel; a typed description in that English form would read the same in Chinese).
_DESCRIPTIONS["service_request"] = _DESCRIPTIONS["vacant_inspection"]
# a defect an owner found at the handover (交房验房) opens a repair of channel inspection too
# (customer_service.intake.handover_repair): tried when the vacant-unit inspection's form does not match
_HANDOVER_DEFECT = (re.compile(_HANDOVER_DEFECT_NAMED + r"(?:: (?P<note>.*))?", re.DOTALL), "described.handover_defect")
_ALSO = {"vacant_inspection": _HANDOVER_DEFECT, "service_request": _HANDOVER_DEFECT}
_DESCRIPTIONS["inspection_at_equipment"] = (
    re.compile(r"(?P<checklist>.+?) at equipment (?P<equipment>\S+): (?P<failure>.*)", re.DOTALL), "described.inspection")


def described(item):
    """A work order's or service request's ``description`` in the page's language where a service
    composed it (``_DESCRIPTIONS``): on a Chinese page a fire check's defect read "fire equipment
    消火栓 (XF-01) at 地下车库: defect found in the 2026-11 check" on the engineering board."""
    text = str(item.get("description") or "")
    source = (item.get("source") or {}).get("type") if "source" in item else (
        "vacant_inspection" if item.get("channel") == "inspection" else None)
    form = _DESCRIPTIONS.get(source)
    found = form and language() == "zh" and form[0].fullmatch(text)
    if not found and source in _ALSO and language() == "zh":
        form = _ALSO[source]
        found = form[0].fullmatch(text)
    if not found:
        return text
    parts = {name: value or "" for name, value in found.groupdict().items()}
    if "type" in parts:
        parts["type"] = label("incident", parts["type"])
    if "kind" in parts:
        parts["kind"] = label("plan", parts["kind"].replace(" ", "_"))
    if "utility_en" in parts:  # a planned cut's order (h9): 停水, 停电
        parts["utility"] = label("outage_utility", parts["utility_en"])
    if "failure" in parts:
        parts["failure"] = refusal_text(parts["failure"])  # a failed item (refusal_catalogue.COMPOSED)
        parts["where"] = translate("described.equipment", code=parts["equipment"]) if parts["equipment"] else parts["location"]
    if parts.get("notes"):  # a fire check's (its failed items too) or a return visit's, after its colon
        parts["notes"] = "：" + (check_notes(parts["notes"]) if source == "fire_inspection" else parts["notes"])
    if form[1] == "described.handover_defect" and parts["note"]:
        parts["note"] = "：" + parts["note"]
    if form[1] == "described.vacant_problem" and parts["location"]:
        parts["location"] = f"（{parts['location']}）"
    return translate(form[1], **parts)


def charge_for(bill):
    """What a charge's bill is for, in the page's language, from its parts (``detail``: the
    services' ``ChargeDetail``), its times on the estate's clock; the service's sentence
    (``description``, English) only for a bill without them (raised before they were kept) or of
    a kind this console does not know; nothing for a billing run's bill, which its item and period
    say. A Chinese accountant read "parking 2h05m from …" and "repair WO-…: …" (the brief)."""
    detail = bill.get("detail") or {}
    kind = detail.get("kind")
    if kind == "parking":
        entered, exited = parse_time(detail["entered_at"]), parse_time(detail["exited_at"])
        zone = display_zone()
        same_day = entered and exited and entered.astimezone(zone).date() == exited.astimezone(zone).date()
        return translate("bill.for_parking", duration=duration(detail["minutes"]), entered=when(detail["entered_at"]),
                         exited=f"{exited.astimezone(zone):%H:%M}" if same_day else when(detail["exited_at"]))
    if kind == "repair":
        return translate("bill.for_repair", number=detail["work_order_number"], title=detail["title"])
    if kind == "renovation_management" and detail.get("pricing") == "per_m2":
        return translate("bill.for_per_m2", area=area(detail.get("area_m2")), price=money(detail.get("cents_per_m2")))
    if kind == "renovation_management" and detail.get("pricing") == "fixed":
        return translate("bill.for_fixed")
    if kind == "renovation_deposit":
        return ""  # its item, 装修押金, says it all
    return str(bill.get("description") or "")


def duration(minutes):
    """A stay's whole minutes as read: 45 分钟 / 45 min; 2 小时 5 分钟 / 2 h 5 min; whole hours
    without their zero minutes, 2 小时 / 2 h (it read "2 小时 0 分钟": a review)."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return translate("wo.minutes", count=rest)
    return translate("time.hours_minutes", hours=hours, minutes=rest) if rest else translate("time.hours", hours=hours)


# What maintenance writes on an equipment's ledger itself (``maintenance.ledger``,
# ``maintenance.checklists``): an order's completion, an inspection's findings and checklist, and
# as a plan's order's notes its composed description (composed by the services' own code in
# tests/contracts/test_composed_descriptions.py too).
def _forms(*pairs):
    """A table of forms a service writes: ``(pattern, message key)`` pairs, each read whole
    (``_read_form``)."""
    return tuple((re.compile(pattern, re.DOTALL), key) for pattern, key in pairs)


def _read_form(forms, text):
    """``(message key, parts)`` of the first of ``forms`` that ``text`` is, or None."""
    for pattern, key in forms:
        found = pattern.fullmatch(text)
        if found:
            return key, found.groupdict()
    return None


_RECORD_RESULTS = _forms(*labels.RECORD_RESULTS)  # read as a file in a language reads them (h5)
_RECORD_CHECKLIST = re.compile(r"checklist (?P<name>.+)", re.DOTALL)
# the orders whose completion reaches an equipment's ledger with their composed description (the
# record does not carry the order's source): a plan's, and an inspection's failed item at a piece
# of equipment ("… at equipment PUMP-1: …"; the place form is too loose to try on a typed summary)
_LEDGER_ORDER_FORMS = ("maintenance_plan", "inspection_at_equipment")


def record_result(record):
    """An equipment record's ``result`` in the page's language where maintenance wrote it."""
    text = str(record.get("result") or "")
    read = language() == "zh" and _read_form(_RECORD_RESULTS, text)
    return translate(read[0], **read[1]) if read else text


def record_notes(record):
    """An equipment record's ``notes`` in the page's language where maintenance wrote them: an
    inspection's checklist, a plan's order's description (``described``)."""
    text = str(record.get("notes") or "")
    if language() != "zh":
        return text
    if record.get("work_order_id"):  # an order's completion: its summary, else its description
        for source in _LEDGER_ORDER_FORMS:
            shown = described({"source": {"type": source}, "description": text})
            if shown != text:
                return shown
        return text
    found = record.get("kind") == "inspection" and _RECORD_CHECKLIST.fullmatch(text)
    return translate("record_text.checklist", name=found.group("name")) if found else text


# Why integrations switched a webhook off, as ``integrations.webhooks`` writes it: by a person, or
# after ``webhook_disable_after_days`` of failed deliveries (its last error read as
# ``why_failed``). Composed by integrations' own code in
# tests/contracts/test_composed_descriptions.py.
_DISABLED_REASONS = _forms(
    (r"switched off by (?P<actor>.+)", "webhooks.reason.switched_off"),
    (r"every delivery failed for (?P<count>\d+) days? in a row \(since (?P<since>\S+); last: (?P<error>.*)\)",
     "webhooks.reason.failing"),
)


def disabled_reason(subscription):
    """A webhook's ``disabled_reason`` in the page's language, its time on the display clock."""
    text = str(subscription.get("disabled_reason") or "")
    read = _read_form(_DISABLED_REASONS, text)
    if not read:
        return text
    key, parts = read
    if "since" in parts:
        parts["since"] = when(parts["since"])
    if "error" in parts:
        parts["error"] = why_failed(parts["error"])
    return translate(key, **parts)


# Why a background job or a webhook's delivery failed, as ``estate_common.jobs`` and
# ``integrations`` (``sender``, ``operations``) write it; a job's refusal (an import's "the file
# cannot be imported: …") is a refusal sentence (``refusal_text``). Each form is checked against
# its source by tests/contracts/test_composed_descriptions.py.
_FAILURES = _forms(
    (r"its worker stopped (?P<count>\d+) times without finishing \(a file too large or malformed for it\?\); "
     r"it is not tried again", "failure.worker_stopped"),
    (r"the job failed unexpectedly; the service log has the details", "failure.unexpected"),
    (r"timed out after (?P<seconds>[\d.]+) s \(the whole attempt\)", "failure.attempt_timed_out"),
    (r"timed out after (?P<seconds>[\d.]+) s", "failure.timed_out"),
    (r"target refused: the URL (?P<why>.*)", "failure.target_refused"),
    (r"connection failed \((?P<kind>\w+)\)", "failure.connection"),
    (r"TLS failed \(certificate or handshake\)", "failure.tls"),
    (r"the webhook was deleted", "failure.webhook_deleted"),
    (r"the webhook is switched off", "failure.webhook_off"),
    (r"the webhook's secret cannot be opened \(WEBHOOK_SECRETS_KEY changed\)", "failure.secret_unsealable"),
)


def why_failed(text):
    """Why a job or a webhook's delivery failed (``_FAILURES``, else a refusal: ``refusal_text``)
    in the page's language; a receiver's own words stay as written."""
    text = str(text or "")
    read = _read_form(_FAILURES, text)
    if not read:
        return refusal_text(text)
    key, parts = read
    if "why" in parts:
        parts["why"] = refusal_text(parts["why"])  # targets.Refused's, a refusal sentence
    return translate(key, **parts)


def plain(value, within=None):
    """A stored value as a person reads it: yes/no, lists and objects spelled out, nothing for none;
    an object's fields read as those of a record of the kind ``within`` (its field's name)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return translate("common.yes" if value else "common.no")
    if isinstance(value, dict):  # its fields as a record's are (an equipment record inside an archive record)
        return ", ".join(f"{field_name(key, within)}: {field_value(key, item, within)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(plain(item, within) for item in value)
    return str(value)


# a record field whose values are one of these label groups' (kind repair read "kind repair")
_VALUE_GROUPS = {"kind": "kind", "channel": "channel", "status": "status", "method": "method",
                 "category": "category", "priority": "priority",
                 # a source's type (``source: {type: service_request, id}``), a change's subject and action
                 "type": "subject", "subject_type": "subject", "action": "event"}
_CHANGE_VERBS = ("created", "updated", "cancelled", "reversed", "recorded", "closed", "approved", "rejected")


def change_action(action):
    """A change-log entry's ``action`` in words: an event's name (``event.<action>``), else
    ``<subject type>_<verb>`` (``work_order_cancelled``) as the subject's and the verb's; else as it is."""
    if not action:
        return ""
    if f"event.{action}" in CATALOGUES[language()]:
        return translate(f"event.{action}")
    subject, _, verb = str(action).rpartition("_")
    if verb in _CHANGE_VERBS and f"subject.{subject}" in CATALOGUES[language()]:
        joiner = "" if language() == "zh" else " "
        return f"{translate('subject.' + subject)}{joiner}{translate('change.' + verb)}"
    return str(action)


# a recorded event that reads otherwise when its data says so: a work order's visit agreed (工单预约)
# or, in place of an earlier time, moved (工单改约): ``event.<type>.<flag>``
_EVENT_FLAGS = {"work_order_appointed": "rescheduled"}


def record_event(record):
    """An archive record's event in words (``event.<type>``), a variant of it where its data's flag
    is set (``_EVENT_FLAGS``: an appointment moved reads 工单改约, not 工单预约)."""
    event_type = (record or {}).get("event_type")
    flag = _EVENT_FLAGS.get(event_type)
    if flag and ((record.get("data") or {}).get(flag) is True) and f"event.{event_type}.{flag}" in CATALOGUES[language()]:
        return translate(f"event.{event_type}.{flag}")
    return label("event", event_type)


# a field that a record of one subject type (or an object inside one, by its field's name) names
# otherwise than ``field.<name>``: a developer's handover (开发商移交) read 接收业主, the owner who
# received a flat, for the company's receiver, and 收费项目, a fee item, for a common area (review)
_SUBJECT_FIELDS = {"estate_handover": {"received_by": "eho.received_by", "handed_over_by": "eho.handed_over_by",
                                       "documents_missing": "eho.documents_missing",
                                       "failed_areas": "eho.failed_areas", "keys": "eho.keys"},
                   "common_areas": {"item": "eho.area_item"}}


def field_name(name, subject=None):
    """A stored record's field as a person reads it (``field.<name>``, or as its ``subject``'s records
    name it: ``_SUBJECT_FIELDS``), or its name."""
    key = _SUBJECT_FIELDS.get(subject, {}).get(name)
    return translate(key) if key else label("field", name)


_FIELD_STEP = re.compile(r"\[\d+\]$")


def error_field(path):
    """A refused field as a person reads it: ``data.amount_cents`` is 金额（元）, ``results[1].reading``
    names its reading; one nobody named yet stays as the API says it (found by review: every
    refusal listed the code names). A refused setting (``PUT …/settings/{service}``) reads as its
    settings page names it (``setting.<name>``)."""
    steps = [_FIELD_STEP.sub("", step) for step in str(path or "").removeprefix("data.").split(".")]
    name = steps[-1]
    # a name another body uses for something else reads as its parent names it first: a claim's
    # payment's received_by (收款方) is not a handover's (接收业主)
    within = f"{steps[-2]}.{name}" if len(steps) > 1 else None
    if within and f"field.{within}" in CATALOGUES[language()]:
        return translate(f"field.{within}")
    shown = label("field", name, "setting")
    return str(path) if shown == name else shown


def _part(problem, name):
    """A refusal's part: the problem as the API client raised it, or as a redirect kept it (a dict)."""
    return problem.get(name) if isinstance(problem, dict) else getattr(problem, name, None)


def problem_title(problem):
    """A refusal's title in the page's language (``problem.<code>``), or the API's own."""
    key = f"problem.{_part(problem, 'code') or ''}"
    titled = translate(key)
    return _part(problem, "title") if titled == key else titled


def problem_detail(problem):
    """A refusal's detail as a person reads it (``refusal_text``)."""
    return refusal_text(_part(problem, "detail"))


def step_title(title):
    """An emergency plan step's title: a default one (``plan_steps``) in Chinese on a Chinese page,
    any other as written (the default plans read in English whatever the language: found by review)."""
    if language() == "zh":
        return plan_steps.ZH.get(title, title)
    return title


def refusal_text(text):
    """A service's refusal sentence (a detail, a field's message) in the page's language
    (``refusals``: the services write English), its cents in yuan and its times on the estate's
    clock ("the fund holds 510000 cents" was shown as it came, found by review)."""
    if language() == "zh":
        shown = refusals.chinese(text, label, money, note_text)
        if shown is not None:
            return shown
    return note_text(text)


# the same field of another subject reads from a group of its own: a work order's ``pending`` is
# 待派工, not an application's 待审批 (found by review)
_SUBJECT_GROUPS = {"work_order": {"status": "wo_status", "waiting_for": "wo_hold"},  # a hold's (work_order_held)
                   "record": {"kind": "record"},  # an equipment's ledger line (equipment_record_added)
                   # a developer's handover's documents and common areas (开发商移交): its kinds, received
                   # or missing, pass or fail (they read owner_list, missing, fail: review)
                   "documents": {"kind": "estate_document", "status": "estate_document_status"},
                   "common_areas": {"result": "check"},
                   # its keys received (钥匙移交) by their kind; a unit's handover's keys have none
                   "keys": {"kind": "estate_key"},
                   # a community activity held (已举办), not a custody item held (寄存中: r7 reviewing h7)
                   "activity": {"status": "activity_status", "kind": "activity_kind"}}


def field_value(name, value, subject=None):
    """A stored record's value as a person reads it, by its field's name (and the record's
    ``subject`` type): ``*_cents`` in yuan, ``*_at`` on the estate's clock, the rest ``plain``
    (archive records showed ``due_at 2026-12-03T04:34:37.506Z`` and ``amount_cents 425000``,
    found by review)."""
    if str(name).endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
        return money(value)
    if (str(name).endswith("_at") or name == "at") and isinstance(value, str) and parse_time(value) is not None:
        return when(value)
    group = _SUBJECT_GROUPS.get(subject, {}).get(name) or _VALUE_GROUPS.get(name)
    if group and isinstance(value, str):
        return label(group, value, *([_VALUE_GROUPS[name]] if name in _VALUE_GROUPS else []),
                     *(("incident",) if name == "type" else ()))  # an incident's own type
    if name == "result" and isinstance(value, str):  # what maintenance writes on a ledger ("completed (WO-4)")
        return record_result({"result": value})
    return plain(value, name)


def typed_value(name, value):
    """A form's value as typed, with a choice's code named as its list names it (an incident's
    ``type`` ``flooding`` reads 水浸): what a form kept after its session ended shows
    (``unsent.take``)."""
    if name in _VALUE_GROUPS:
        return field_value(name, value)
    return value


def when(value, zone=None):
    """A timestamp in the display time zone (``display_zone(zone)``): 2026-11-30 16:05 (zh) or
    30 Nov 2026 16:05 (en)."""
    moment = parse_time(value)
    if moment is None:
        return value or ""
    local = moment.astimezone(display_zone(zone))
    return _clock_text(local, local.strftime("%H:%M"))


def day(value, zone=None):
    """A timestamp's day in the display time zone, as a day is written (2026-06-30), in either
    language: an archive check is named by it beside its plan's dates."""
    moment = parse_time(value)
    if moment is None:
        return value or ""
    return f"{moment.astimezone(display_zone(zone)):%Y-%m-%d}"


def _day_text(local):
    return f"{local:%Y-%m-%d}" if language() == "zh" else f"{local:%d %b %Y}"


def _clock_text(local, time_of_day):
    return f"{_day_text(local)} {time_of_day}"


def deadline(value, zone=None):
    """A deadline as ``when`` shows it, except one at the stroke of a local midnight or its last
    millisecond before: the end of that day, ``2026-12-01 24:00`` (time.end_of_day: "01 Dec 2026,
    end of day" in English, where 24:00 is not a time most readers write). A complaint verified
    "the same day" is due at the next day's 00:00, which read as a day later than the rule (found
    by review); a bill is due by its day's 23:59:59.999 (finance's ``billing.due_at``)."""
    moment = parse_time(value)
    if moment is None:
        return value or ""
    local = moment.astimezone(display_zone(zone))
    if (local.hour, local.minute, local.second, local.microsecond) == (23, 59, 59, 999000):
        local += timedelta(milliseconds=1)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return _clock_text(local, local.strftime("%H:%M"))
    return translate("time.end_of_day", day=_day_text(local - timedelta(days=1)))
