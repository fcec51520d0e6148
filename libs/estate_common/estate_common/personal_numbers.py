"""Phone and ID card numbers in free text, however people write them.

The one place that says what a personal number looks like for the services and the gateway: log
lines redact them (``logs.scrub``), webhook bodies redact them in free text, and a request id or
a custom field's value that holds one is refused. (The console ships without the shared library
and keeps a smaller rule of its own for the few lines it writes: ``console/console/logs.py``.)

How a number is found: the text is read with every dash, space and full-width character a
keyboard or a word processor makes as its ASCII twin (one character for one, so a match's place
is the same in the text as written). Runs of digits joined by short gaps (spaces, dashes, dots,
slashes, underscores, colons, parentheses, a plus) are the candidates, and a number is one or
more whole groups of a run whose digits, put together, are a mobile, an ID card or a landline
number. Whole groups: a number inside a longer run of digits (an order number, an amount) is
not one. Each group holds three digits or more (a country code and the area code after it may
hold two), so an amount like ``138001380.00`` is not a mobile. Tokens of 16 hex digits or more
with a letter among them (the system's ids, trace ids, digests) and UUIDs are not read: a
delivery id was logged as ``dlv_f96c35dc9bdb[redacted]eb`` (found by a probe).

Until 2026-12 the patterns allowed one space, dash, dot or slash between the usual groups only:
``139–1234–5678`` (an en dash), ``139 1234 5678`` with no-break spaces, ``139_1234_5678`` or
``1391234-5678`` went into the logs, a request id, webhook bodies and custom fields as typed
(found by a probe).
"""
import re

# every dash and space a keyboard or a word processor makes, full-width digits and signs as a
# Chinese keyboard types them: one character for one
_READ_AS = str.maketrans({
    **{chr(0xFF10 + n): str(n) for n in range(10)},
    "＋": "+", "（": "(", "）": ")", "－": "-", "．": ".", "／": "/", "：": ":", "＿": "_", "Ｘ": "X", "ｘ": "x",
    "·": ".",
    **{space: " " for space in "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"},
    **{dash: "-" for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"},
})

_GAP = r"[ \-./_:()+]{1,3}"
_RUN = re.compile(r"[0-9]+(?:" + _GAP + r"[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_CHECK_X = re.compile(r"[ \-./_:]{0,3}[Xx](?![0-9A-Za-z])")  # an ID card's last character, maybe apart
_NOT_READ = re.compile(r"(?<![0-9A-Za-z])(?:(?=[0-9a-f]*[a-f])[0-9a-f]{16,}"
                       r"|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})(?![0-9A-Za-z])")

_COUNTRY = ("86", "0086")
# the digits of a number put together, each kind on its own
_NUMBERS = [
    re.compile(r"(?:0086|86)?1[3-9][0-9]{9}"),  # mobile, maybe after the country code
    re.compile(r"[0-9]{17}[0-9Xx]"),  # ID card: 6 region, 8 birth date, 3 sequence, a check digit or X
    re.compile(r"[1-8][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"),  # first-generation ID
    re.compile(r"0[0-9]{2,3}[0-9]{7,8}"),  # landline: area code, then 7-8 digits
    re.compile(r"(?:0086|86)[1-9][0-9]{1,2}[0-9]{7,8}"),  # landline dialled from abroad
]
# the fewest digits of any of them (a landline: 0, two of area code, seven): text with fewer is
# returned unsearched, as most of what a log line holds is ("worker done", an RPC's name)
FEWEST_DIGITS = 10
_MOST_GROUPS = 5  # "+86 21 1234 5678", "110105 1949 1231 002"


def _is_number(digits):
    return any(pattern.fullmatch(digits) for pattern in _NUMBERS)


def _groups_fit(groups):
    """Three digits or more a group; two only for a country code and the area code after it."""
    for n, (start, end, text) in enumerate(groups):
        if len(text) >= 3:
            continue
        if len(text) == 2 and ((n == 0 and text == "86") or (n == 1 and groups[0][2] in _COUNTRY)):
            continue
        return False
    return True


def _numbers_in_run(read, run):
    """``(start, end)`` of each number among the whole groups of ``run`` (a match of ``_RUN``)."""
    groups = [(run.start() + g.start(), run.start() + g.end(), g.group()) for g in _GROUP.finditer(run.group())]
    check_x = _CHECK_X.match(read, run.end())
    found, first = [], 0
    while first < len(groups):
        for last in range(min(len(groups), first + _MOST_GROUPS) - 1, first - 1, -1):
            chosen = groups[first:last + 1]
            if not _groups_fit(chosen):
                continue
            digits = "".join(text for _, _, text in chosen)
            if last == len(groups) - 1 and check_x and _is_number(digits + check_x.group()[-1]):
                found.append((chosen[0][0], check_x.end()))
                break
            if _is_number(digits):
                found.append((chosen[0][0], chosen[-1][1]))
                break
        else:
            first += 1
            continue
        first = last + 1
    return found


def find(text):
    """``(start, end)`` of each personal number in ``text``, in order."""
    read = text if text.isascii() else text.translate(_READ_AS)  # the common case: nothing to read as
    if sum(map(read.count, "0123456789")) < FEWEST_DIGITS:
        return []
    read = _NOT_READ.sub(lambda token: "#" * len(token.group()), read)
    return [span for run in _RUN.finditer(read) for span in _numbers_in_run(read, run)]


def redact(text, mark="[redacted]"):
    """``text`` with each personal number replaced by ``mark``."""
    spans = find(text)
    for start, end in reversed(spans):
        text = text[:start] + mark + text[end:]
    return text


def holds(text):
    """Whether ``text`` holds a phone or an ID card number."""
    return bool(find(text))
