"""How a refusal's sentence says a number of something, one way for every service.

A per-estate setting may be 1 (a tool lent for a day, a visitor's pass of a day, a handover written
up the next day), and a sentence that wrote ``{days} days`` read "a tool is lent for at most 1 days"
(a view's borrowing term, one day by default, read "within the estate's 1 days": a probe of the
archives' work). ``counted`` says it in the singular for one.

The console's refusal catalogue holds each sentence as its source writes it: its reader
(console/tests/refusal_sources.py) reads ``counted(n, "day")`` in an f-string as both ``{N} day``
and ``{N} days``, two sentences with the same Chinese (``{N} 天``), so the number stays in it.
"""


def counted(number, unit):
    """``number`` of ``unit`` (a singular noun taking an s: day, hour, minute, month): "1 day",
    "3 days", "0 days"."""
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"
