"""The services' refusals in the page's language.

The services and the gateway write a refusal's ``detail`` and its fields' messages in English
(the public API's language). ``refusal_catalogue.ZH`` holds each of those sentences as the
source writes it, an f-string's values as ``{0}``, ``{1}``…, with its Chinese. A Chinese page
shows the Chinese, the values put back in:

- ``{N:group}``: an enum code named by the console's catalogue (``label``: ``wo_status``
  shows ``pending`` as 待派工; ``{N:a|b}``: the first group that names it), or a list of them as
  the English joins them ("accountant, manager or operator_admin": 会计、服务中心经理或运营管理员);
  ``{N:-}``: a value the Chinese leaves out;
- a word the service put in at run time (``FRAGMENTS``: what a 404 is about, a state): its
  Chinese; a sentence a helper composed (``COMPOSED``: a failed inspection item): its Chinese;
- a value the English follows with `` cents``: in yuan (``¥12.34``);
- any other value as ``note_text`` shows it (a UTC time on the estate's clock).

A sentence the catalogue does not hold shows as it came. ``console/tests/test_refusals.py``
reads the sources and fails on a sentence the catalogue lacks or one no source writes any more,
so the two cannot drift apart.
"""
import re

from . import plan_steps
from .refusal_catalogue import COMPOSED, FRAGMENTS, REASONS, STATES_OF, ZH

# a default emergency plan's step, named by its title ("record the plan's step '…' first")
_WORDS = {**FRAGMENTS, **plan_steps.ZH}

_PARTS = re.compile(r"(\{\{|\}\}|\{\d+\})")
_SLOT = re.compile(r"\{\{|\}\}|\{(\d+)(?::([a-z_]+(?:\|[a-z_]+)*|-))?\}")
_CENTS = " cents"
# a list of codes as the English joins them: "a, b or c" (the gateway's 403 names its roles so)
_LISTED = re.compile(r", | or ")


def _unbrace(text):
    return text.replace("{{", "{").replace("}}", "}")


def _compiled(english):
    """``(regex, {index of an amount})`` for a sentence with values."""
    regex, amounts = "", set()
    parts = _PARTS.split(english)
    for position, part in enumerate(parts):
        if part in ("{{", "}}"):
            regex += re.escape(part[0])
        elif _PARTS.fullmatch(part):
            index = int(part[1:-1])
            regex += f"(?P<v{index}>.+?)"
            if position + 1 < len(parts) and parts[position + 1].startswith(_CENTS):
                amounts.add(index)
        else:
            regex += re.escape(part)
    return re.compile(regex, re.DOTALL), amounts


def _index():
    exact, templated = {}, []
    for english, chinese in {**ZH, **COMPOSED, **REASONS}.items():
        if re.search(r"(?<!\{)\{\d+\}", english):
            regex, amounts = _compiled(english)
            templated.append((len(_PARTS.sub("", english)), regex, amounts, chinese))
        else:
            exact[_unbrace(english)] = chinese
    # the most literal first: "the deposit is {0} already" before a sentence that is mostly values
    templated.sort(key=lambda entry: -entry[0])
    return exact, [entry[1:] for entry in templated]


_EXACT, _TEMPLATED = _index()


def chinese(text, label, money, note_text):
    """``text`` (a refusal's detail or a field's message) in Chinese, or None when the catalogue
    does not hold it. ``label``, ``money``, ``note_text``: i18n's, for the values."""
    if not text:
        return None
    text = str(text)
    if text in _EXACT:
        return _unbrace(_EXACT[text])
    for regex, amounts, template in _TEMPLATED:
        found = regex.fullmatch(text)
        values = found and _values(found, amounts, template, label, money, note_text)
        if values is not None and found:
            return _SLOT.sub(lambda slot: values.get(slot.group(0), slot.group(0)[0]), template)
    return None


def _values(found, amounts, template, label, money, note_text):
    """``{slot as the Chinese writes it: value shown}``, or None when a slot that names a group
    holds no code of it: "is {0:household_status}" is not "is a required property" (a sentence
    that short matches many)."""
    values = {}
    # a subject's own word for a state ({0} names the subject: STATES_OF), else the one word for it
    words = {**_WORDS, **STATES_OF.get(found.groupdict().get("v0"), {})}
    for slot in _SLOT.finditer(template):
        if slot.group(1) is None:
            continue  # a doubled brace
        index, group = int(slot.group(1)), slot.group(2)
        raw = found.group(f"v{index}")
        if index in amounts and re.fullmatch(r"-?\d+", raw):
            values[slot.group(0)] = money(int(raw))
        elif group == "-":
            values[slot.group(0)] = ""  # not shown: the page says it otherwise (the action a state refused)
        elif group:  # the first of its groups that names the code ("is {0}": a household's or a payment's)
            shown = _named(raw, group.split("|"), label)
            if shown is None:
                return None
            values[slot.group(0)] = shown
        else:  # a word the service put in (FRAGMENTS), or a sentence of its own: "the file cannot be imported: {0}"
            values[slot.group(0)] = words.get(raw) or chinese(raw, label, money, note_text) or note_text(raw)
    return values


def _named(raw, groups, label):
    """``raw``, a code or a list of codes ("a, b or c"), each named by the first of ``groups``
    that names it, a list as Chinese joins one (甲、乙或丙); None when one is no code of theirs."""
    names = [next((label(each, code) for each in groups if label(each, code) != code), None)
             for code in _LISTED.split(raw)]
    if None in names:
        return None
    *others, last = names
    return f"{'、'.join(others)}或{last}" if others else last
