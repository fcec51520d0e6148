"""Phone and ID card numbers in free text, as people write them.

The one place that says what a personal number looks like for the services and the gateway: log
lines redact them (``logs.scrub``), webhook bodies redact them in free text, and a request id or
a custom field's value that holds one is refused. (The console ships without the shared library
and keeps a smaller rule of its own for the few lines it writes: ``console/console/logs.py``.)

A number is found in the text as read: every dash, space and full-width character a keyboard or
a word processor makes is read as its ASCII twin (one character for one, so a match's place is
the same in the text as written). Its digits come in the groups people write (a mobile 3-4-4,
4-3-4, 3-8, 7-4 or 5-6; an ID card 18, 6-8-4, 6-4-4-4 or 4-4-4-4-2, its X maybe apart), each gap
one or two spaces or a separator (``- . / _ :``, or ``--``) maybe between spaces. A number must
not be part of a longer run of digits (an order number, an amount, a timestamp): hence the
look-arounds, which also refuse a digit one dash or dot away (a space then a digit may follow:
"138 0013 8000 3 times"). The system's ids (24, 32, 40 or 64 hex digits, UUIDs) are not read:
a delivery id was logged as ``dlv_f96c35dc9bdb[redacted]eb``.

Numbers in Chinese numerals (一三九一二三四五六七八) and a landline written ``+86 (0)21 ...`` went
through until session 27 (found by a probe of personal data, left open then).

Until 2026-12 the gaps were one space, dash, dot or slash between the usual groups only:
``139–1234–5678`` (an en dash), ``139 1234 5678`` with no-break spaces, ``139_1234_5678`` or
``1391234-5678`` went into the logs, a request id, webhook bodies and custom fields as typed
(found by a probe). A first version that took any grouping of digits redacted IP addresses,
business hours and timestamps, and refused them in custom fields (found by review): the
groupings stay the ones people write.
"""
import re

# every dash and space a keyboard or a word processor makes, full-width digits and signs as a
# Chinese keyboard types them: one character for one
_READ_AS = str.maketrans({
    **{chr(0xFF10 + n): str(n) for n in range(10)},
    "＋": "+", "（": "(", "）": ")", "－": "-", "．": ".", "／": "/", "：": ":", "＿": "_", "Ｘ": "X", "ｘ": "x",
    "·": ".", "\u00ad": "-",
    # a number read out or typed in Chinese numerals (幺 is 1 as said on a phone): no run of eleven
    # of them is ordinary text (a date, 二〇二六年十一月, is four, then 十)
    **{numeral: str(n) for n, numerals in enumerate(("〇零", "一幺", "二", "三", "四", "五", "六", "七", "八", "九"))
       for numeral in numerals},
    **{space: " " for space in "\t\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u202f"
                               "\u205f\u3000\ufeff"},
    **{dash: "-" for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"},
})

_BEFORE = r"(?<![0-9])(?<![0-9][.\-])"
_AFTER = r"(?![0-9]|[.\-][0-9])"
_GAP = r"(?:[ \t]{1,2}|[ \t]?(?:--|[-./_:])[ \t]?)"
_COUNTRY = r"(?:(?:\+|00)?86[ .\-]?|\((?:\+|00)?86\)[ .\-]?)"
_PATTERNS = [
    # ID card: 6 region, 8 birth date, 3 sequence, a check digit or X; as 18, 6-8-4, 6-4-4-4 (the
    # X maybe apart) or 4-4-4-4-2
    re.compile(_BEFORE + r"(?:[0-9]{17}(?:[0-9Xx]|G[Xx])|[0-9]{6}G[0-9]{8}G[0-9]{3}G?[0-9Xx]"
               r"|[0-9]{6}G[0-9]{4}G[0-9]{4}G[0-9]{3}G?[0-9Xx]|[0-9]{4}G[0-9]{4}G[0-9]{4}G[0-9]{4}G[0-9][0-9Xx])"
               .replace("G", _GAP) + _AFTER),
    # first-generation ID card (15 digits): 6 region, a yymmdd birth date, 3 sequence
    re.compile(_BEFORE + r"[1-8][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}" + _AFTER),
    # mobile: 11 digits starting 1[3-9]; as 11, 3-4-4, 3-8, 4-3-4, 7-4 or 5-6; maybe after the country code
    re.compile(_BEFORE + _COUNTRY + r"?1[3-9](?:[0-9]{9}|[0-9]G[0-9]{4}G?[0-9]{4}|[0-9]{2}G[0-9]{3}G[0-9]{4}"
               r"|[0-9]{5}G[0-9]{4}|[0-9]{3}G[0-9]{6})".replace("G", _GAP) + _AFTER),
    # landline: area code (0 and 2-3 digits, maybe in parentheses), then 7-8 digits
    re.compile(_BEFORE + r"(?:\(0[0-9]{2,3}\) ?|0[0-9]{2,3}([ .\-]?))[0-9]{3,4}[ .\-]?[0-9]{4}" + _AFTER),
    # landline dialled from abroad: +86, the area code without its 0 (or with it in parentheses, as
    # +86 (0)21 written for callers from both sides), then 7-8 digits
    re.compile(r"(?:(?:\+|00)86[ .\-]?|\((?:\+|00)?86\) ?)(?:\(0\) ?)?\(?[1-9][0-9]{1,2}\)?[ .\-]?[0-9]{3,4}"
               r"[ .\-]?[0-9]{4}" + _AFTER),
]
# the system's ids, trace ids and digests, and UUIDs: hex with a letter among it, read as nothing
_NOT_READ = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                       r"|(?=[0-9a-f]*[a-f])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32}|[0-9a-f]{24}))(?![0-9A-Za-z])")

# the fewest digits any of them matches: a landline, 0 and two digits of area code then 3 + 4 (ID
# cards have 15 or 18, mobiles 11). Text with fewer is returned as it is, unsearched: most of a
# log line's parts ("worker done", an RPC's name, a status) hold no digit.
FEWEST_DIGITS = 10


def find(text):
    """``(start, end)`` of each personal number in ``text``, in order."""
    read = text if text.isascii() else text.translate(_READ_AS)  # the common case: nothing to read as
    if sum(map(read.count, "0123456789")) < FEWEST_DIGITS:
        return []
    read = _NOT_READ.sub(lambda token: "#" * len(token.group()), read)
    spans = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(read):
            spans.append(match.span())
            read = read[:match.start()] + "#" * (match.end() - match.start()) + read[match.end():]
    return sorted(spans)


def redact(text, mark="[redacted]"):
    """``text`` with each personal number replaced by ``mark``."""
    for start, end in reversed(find(text)):
        text = text[:start] + mark + text[end:]
    return text


def holds(text):
    """Whether ``text`` holds a phone or an ID card number."""
    return bool(find(text))
