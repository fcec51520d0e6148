"""Custom fields per estate (issue 13): an estate's own fields on households, service
requests, work orders and equipment, defined by its manager and filled in by its staff.

The one place for their rules; plain functions, no broker, no store:

- **Definitions** ``{resource, key, label: {zh, en}, type, choices?, required}``. A key is
  ``^[a-z][a-z0-9_]{0,31}$``, unique per estate and resource: the definition's ``_id`` is
  derived from the three (``definition_id``), so a second one collides (409). The service
  owning the resource keeps them (``RESOURCES``; stored through
  ``estate_common.custom_fields_store``, reached through the ``HasCustomFields`` mixin).
- **Changes** (``PATCH``): ``label``, ``choices`` (choice fields only) and ``required``. The
  ``type`` never changes (the contract refuses it): the values already stored would no longer
  fit. A choice taken out of ``choices`` is refused for new values; values holding it stay.
- **Archiving** (``DELETE``): the definition is marked ``archived``; it takes no new values
  and is no longer required, but the values stored stay on their documents, are still shown
  and can still be filtered on.
- **Values** ``custom: {key: value}`` on a create: each key must be a live definition of the
  resource and the value of its type (``text``: a string; ``number``: a JSON number within ±10^15;
  ``date``: ``YYYY-MM-DD``; ``bool``: true/false; ``choice``: one of ``choices``). Anything
  else is a 400 naming ``data.custom.<key>`` (the gateway shows ``custom.<key>``), and
  nothing is written. ``required`` applies to creates made after it was set: documents made
  before keep what they had, and nothing but a create checks it.
- **Filters** ``?custom.<key>=<value>`` on the lists: the text is read by the field's type
  (``filter_query``); an unknown key or a value that does not fit is a 400 naming
  ``custom.<key>``.
- **Import and export**: ``value_from_text`` reads a spreadsheet cell by type (the household
  import); ``export_value`` writes one value as its cell, under the heading ``custom.<key>``
  (``estate_common.exports.custom_columns``), which the import reads back.

Policy: custom values are not for personal data (names, phone or ID numbers): they are not
masked, they may be logged in field errors' places and show in every list. A definition's
label says what it holds; managers are told so in the console and in the API's description.
What can be told from the value is refused (``check_values``): a text or a number that holds a
phone or ID card number (what log lines redact, ``logs.scrub``) is a 400, so an estate that
defines an "owner ID card" field cannot fill it (a review found nothing stopped one). A name
cannot be told from other text; that part stays policy.
"""
import math
import re
from datetime import date

from . import clock, ids, logs, sheet_dates
from .errors import BusinessRuleViolation, Conflict, InvalidInput, field_error

# which service owns the definitions and values of each resource
RESOURCES = {
    "household": "archive",
    "service_request": "customer_service",
    "work_order": "maintenance",
    "equipment": "maintenance",
}
TYPES = ("text", "number", "date", "bool", "choice")
KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
FILTER = re.compile(r"custom\.([a-z][a-z0-9_]{0,31})")
# the years and the size of number the contracts' own fields take (openapi.yaml ``Day``: 1900-2999;
# amounts up to 10^11 cents): a custom date took 0001-01-01 and 9999-12-31, a number 1e308 (a probe)
DAY = re.compile(r"(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}")
ANY_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # a filter still finds a value stored before the bounds
MAX_NUMBER = 10 ** 15
MAX_TEXT = 500
MAX_CHOICES = 50
MAX_FIELDS = 50  # live definitions per estate and resource
BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
             "是": True, "否": False}


def resources_of(service):
    """The resources whose custom fields ``service`` keeps."""
    return tuple(sorted(r for r, owner in RESOURCES.items() if owner == service))


def definition_id(estate_id, resource, key):
    return ids.natural_id("cf", estate_id, resource, key)


# -- definitions ----------------------------------------------------------------------

def _choices(data, field="data.choices"):
    choices = [str(c) for c in data.get("choices") or []]  # as written (the contract refuses blank ones)
    if any(not c.strip() for c in choices):
        raise InvalidInput("a choice is empty", [field_error(field, "must not hold an empty choice")])
    if len(set(choices)) != len(choices):
        raise InvalidInput("a choice is listed twice", [field_error(field, "must not list a choice twice")])
    return choices


def new_definition(estate_id, data, now, actor, live_count=0, place=None):
    """The definition ``POST …/custom-fields`` asks for (the contract has checked its shape);
    ``place``: the one of the resource's ``MAX_FIELDS`` places it takes (``free_place``)."""
    resource, key, kind = data["resource"], data["key"], data["type"]
    if not KEY.fullmatch(key):
        raise InvalidInput("key is not valid", [field_error("data.key", "must match ^[a-z][a-z0-9_]{0,31}$")])
    if resource not in RESOURCES:
        raise InvalidInput("resource is not valid", [field_error("data.resource", "is not a resource with custom fields")])
    choices = _choices(data)
    if kind == "choice" and not choices:
        raise InvalidInput("a choice field needs its choices", [field_error("data.choices", "is required for a choice field")])
    if kind != "choice" and "choices" in data:
        raise InvalidInput("only a choice field has choices", [field_error("data.choices", "is for a choice field only")])
    if live_count >= MAX_FIELDS:
        raise Conflict(f"the {resource} has {MAX_FIELDS} custom fields already", [field_error("data.key", "one too many")])
    stamp = clock.to_iso(now)
    held = {} if place is None else {"_place": place, "_live": True}
    return held | {
        "_id": definition_id(estate_id, resource, key),
        "estate_id": estate_id,
        "resource": resource,
        "key": key,
        "label": {"zh": data["label"]["zh"].strip(), "en": data["label"]["en"].strip()},
        "type": kind,
        "choices": choices if kind == "choice" else None,
        "required": bool(data.get("required", False)),
        "archived": False,
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": actor,
        "history": [{"at": stamp, "by": actor, "action": "defined"}],
    }


def definition_changes(definition, data, now):
    """The ``$set`` of a ``PATCH`` (label, choices, required), or {} when nothing changes."""
    if definition.get("archived"):
        raise Conflict("this custom field is archived", [field_error("key", "is archived")])
    changes = {}
    if "label" in data:
        changes["label"] = {"zh": data["label"]["zh"].strip(), "en": data["label"]["en"].strip()}
    if "choices" in data:
        if definition["type"] != "choice":  # a rule on the stored field, not a malformed body: 422
            raise BusinessRuleViolation("only a choice field has choices",
                                        [field_error("data.choices", "is for a choice field only")])
        choices = _choices(data)
        if not choices:
            raise InvalidInput("a choice field needs its choices", [field_error("data.choices", "must not be empty")])
        changes["choices"] = choices  # a choice taken out: stored values keep it (only new ones are checked)
    if "required" in data:
        changes["required"] = bool(data["required"])
    changes = {k: v for k, v in changes.items() if definition.get(k) != v}
    if changes:
        changes["updated_at"] = clock.to_iso(now)
    return changes


def archive_changes(definition, now):
    """The ``$set`` of a ``DELETE``: archived, no longer required, its place free
    (``free_place``); {} when it is archived already."""
    if definition.get("archived"):
        return {}
    stamp = clock.to_iso(now)
    return {"archived": True, "required": False, "archived_at": stamp, "updated_at": stamp, "_live": False}


def free_place(live):
    """The lowest of the resource's ``MAX_FIELDS`` places that none of its ``live`` definitions
    holds (one defined before places has none), for a new definition: the store keeps one live
    definition per place (a unique index), so that two created at once, each counting the live
    ones before the other wrote, cannot both pass the cap (51 fields: a race probe). Both take the
    same lowest place; the one that loses it is decided again on the live ones then."""
    held = {definition.get("_place") for definition in live}
    return next(place for place in range(MAX_FIELDS) if place not in held)


def definition_view(doc):
    """A definition as the API shows it."""
    view = {k: doc.get(k) for k in ("estate_id", "resource", "key", "label", "type", "required", "archived",
                                    "created_at", "updated_at")}
    view["id"] = doc["_id"]
    view["service"] = RESOURCES[doc["resource"]]
    if doc.get("type") == "choice":
        view["choices"] = list(doc.get("choices") or [])
    return view


# -- values ---------------------------------------------------------------------------

def _fits(definition, value):
    """The value as stored, or None when it is not of the field's type."""
    kind = definition["type"]
    if kind == "text":
        return value.strip() if isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT else None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "date":
        return value if isinstance(value, str) and _is_day(value) else None
    if kind == "choice":
        return value if isinstance(value, str) and value in (definition.get("choices") or []) else None
    return None


def _is_day(text, bounded=True):
    if not (DAY if bounded else ANY_DAY).fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


EXPECTED = {"text": f"must be a text of 1 to {MAX_TEXT} characters",
            "number": f"must be a number from -{MAX_NUMBER} to {MAX_NUMBER}",
            "date": "must be a date, YYYY-MM-DD, from 1900 to 2999", "bool": "must be true or false",
            "choice": "must be one of the field's choices"}


PERSONAL_NUMBER = "must not hold a phone or ID number: custom fields are not for personal data"


def _personal_number(value):
    """A text, or a whole number (a phone typed into a number field), that holds a phone or ID
    card number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13900775678.0 is the phone 13900775678
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return isinstance(value, str) and logs.holds_personal_number(value)


def check_values(definitions, values, *, creating=True, prefix="data.custom"):
    """``values`` (``{key: value}``) checked against the resource's definitions (every one,
    archived too): the values to store. A 400 names every ``<prefix>.<key>`` that is wrong:
    unknown or archived keys, values not of their type, and on a create the required fields
    left out, and values that hold a phone or ID number (``_personal_number``). Nothing is
    stored unless all of them are right."""
    by_key = {d["key"]: d for d in definitions}
    errors, checked = [], {}
    for key, value in (values or {}).items():
        definition = by_key.get(key)
        if definition is None or definition.get("archived"):
            errors.append(field_error(f"{prefix}.{key}", "is not a custom field of this estate"
                                      if definition is None else "is archived: it takes no new values"))
            continue
        stored = _fits(definition, value)
        if stored is None:
            errors.append(field_error(f"{prefix}.{key}", EXPECTED[definition["type"]]))
        elif _personal_number(stored):
            errors.append(field_error(f"{prefix}.{key}", PERSONAL_NUMBER))
        else:
            checked[key] = stored
    if creating:
        for definition in definitions:
            if definition.get("required") and not definition.get("archived") and definition["key"] not in (values or {}):
                errors.append(field_error(f"{prefix}.{definition['key']}", "is required"))
    if errors:
        raise InvalidInput("custom values are not valid", errors)
    return checked


def merged(current, values):
    """A document's custom values after an edit (``values`` checked already, ``creating=False``):
    the keys given take their new values, the others keep theirs."""
    return {**(current or {}), **values}


_ISO_TIME = re.compile(r"(?<=^[0-9]{4}-[0-9]{2}-[0-9]{2})T(?=[0-9]{1,2}:)")  # 2019-05-01T00:00:00


def value_from_text(definition, text, bounded=True):
    """A spreadsheet cell or a query string's text read by the field's type (None: it does not
    fit). Choices are matched as written. ``bounded``: within the values a field takes now (a
    filter is not: it still finds a value stored before the bounds, found by review)."""
    kind = definition["type"]
    if kind == "date" and not isinstance(text, str):  # a workbook's cell typed as a date, or a number: an Excel
        text = sheet_dates.cell_day(text) or text     # date serial (46347 was refused: found by h2)
    text = str(text).strip()
    if kind == "number":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None
        if not math.isfinite(number) or (bounded and abs(number) > MAX_NUMBER):
            return None
        return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
    if kind == "bool":
        return BOOL_TEXT.get(text.lower())
    if kind == "date":
        # 2019/5/1, 2019年5月1日, 2019/5/1 0:00:00 (a spreadsheet's midnight): as the takeover's imports
        # read; a day followed by anything but a time (2019/12/12 garbage) is no day (found by h4)
        text = sheet_dates.day(_ISO_TIME.sub(" ", text, count=1)) or text
        return text if _is_day(text, bounded) else None
    return _fits(definition, text)


def values_from_cells(definitions, cells, prefix="custom"):
    """``{key: text}`` of a spreadsheet row (empty cells left out) read by type into the values
    ``check_values`` takes; a cell that does not fit is kept as text, so ``check_values`` names it."""
    by_key = {d["key"]: d for d in definitions}
    values = {}
    for key, text in cells.items():
        if str(text).strip() == "":
            continue
        definition = by_key.get(key)
        read = value_from_text(definition, text) if definition else None
        values[key] = str(text) if read is None else read
    return values


def filter_query(definitions, filters):
    """The store query of a list's ``custom.<key>`` filters (``{"custom.<key>": value}``), the
    value read by the field's type. Archived fields filter too (their values stay). A key that
    is no field of the resource, or a value that does not fit, is a 400 naming it."""
    by_key = {d["key"]: d for d in definitions}
    query, errors = {}, []
    for name, text in filters.items():
        match = FILTER.fullmatch(name)
        if not match:
            continue
        definition = by_key.get(match.group(1))
        if definition is None:
            errors.append(field_error(f"filters.{name}", "is not a custom field of this estate"))
            continue
        value = value_from_text(definition, text, bounded=False)
        if value is None and definition["type"] == "choice":
            value = str(text)  # a choice taken out of the list still finds the values that hold it
        if value is None:
            errors.append(field_error(f"filters.{name}", EXPECTED[definition["type"]]))
        else:
            query[name] = value
    if errors:
        raise InvalidInput("custom filters are not valid", errors)
    return query


def plain_filters(filters):
    """The filters that are not ``custom.<key>`` ones."""
    return {k: v for k, v in (filters or {}).items() if not k.startswith("custom.")}


def custom_filters(filters):
    return {k: v for k, v in (filters or {}).items() if k.startswith("custom.")}


# -- export ------------------------------------------------------------------------------

def export_value(value):
    """One custom value as its cell, the text the household import reads back: text as it is,
    numbers as written, dates ``YYYY-MM-DD``, booleans ``true``/``false``, a missing value ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def import_key(heading):
    """The key a spreadsheet column heading names (``custom.<key>``, as exports write it,
    optionally followed by a label a person added: ``custom.pets (Pets)``), or None."""
    text = str(heading or "").strip().lower()
    match = re.match(r"custom\.([a-z][a-z0-9_]{0,31})(\s|\(|$)", text)
    return match.group(1) if match else None
