"""Importing households from a spreadsheet (CSV or XLSX), as an estate's owner list comes.

The first row names the columns, in English or Chinese (楼栋, 单元, 房号, 面积, 业主, 电话), or as
a households export in a language heads them (``estate_common.labels``: 面积（㎡）, 业主电话),
and the estate's custom fields of households as ``custom.<key>`` (a label may follow, as an
export writes it: ``custom.pets (Pets)``; the cell is read by the field's type,
``estate_common.custom_fields.value_from_text``);
every further row is one household, checked like ``POST …/households`` (the
``HouseholdCreate`` contract and ``domain.new_household``). A row that is wrong is
reported with its row number and field and skipped; a household already registered
(same building, unit and room) is counted, not changed. Re-running an import is
therefore harmless. A row of a flat registered written otherwise (3栋-1-1201 for 3-1-1201,
``domain.address_key``), by hand or by a row before, is refused naming that household.
Reading the file (its caps, streaming the rows) is ``import_files``.

Plain functions: no broker, no store.
"""
import base64
import binascii
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from estate_common import contracts, custom_fields, exports, job_scopes, labels, phones
from estate_common.text import address_part, holds_control, invisible, number_text
from estate_common.errors import Conflict, DomainError, InvalidInput, field_error

from . import domain, import_files

JOB_KIND = job_scopes.HOUSEHOLD_IMPORT
MAX_REPORTED_ERRORS = 100
PROGRESS_EVERY = 200

COLUMNS = {
    "building": ("building", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "室号", "房间"),
    "area_m2": ("area_m2", "area", "面积", "建筑面积"),
    "status": ("status", "状态"),
    "owner_name": ("owner_name", "owner", "业主", "业主姓名", "姓名"),
    "owner_phone": ("owner_phone", "phone", "电话", "联系电话", "手机"),
}
# and the headings an export in a language writes (estate_common.labels: 面积（㎡）, 业主电话, Owner), so
# that a households export in Chinese or English is read back as the one in the API's names is
COLUMNS = {name: (*aliases, *(labels.field(name, language) for language in labels.LANGUAGES))
           for name, aliases in COLUMNS.items()}
REQUIRED = ("building", "unit", "room", "area_m2", "owner_name", "owner_phone")
FORMATS = import_files.FORMATS


def _header_map(header):
    """Column index of each known field; unknown columns are ignored."""
    wanted = {alias.strip().lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    found = {}
    for index, name in enumerate(header):
        field = wanted.get(str(name or "").strip().lower())
        key = custom_fields.import_key(name)
        if key:
            field = f"custom.{key}"
        if field and field not in found:
            found[field] = index
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        raise import_files.bad_file(f"the first row must name the columns; missing: {', '.join(missing)}")
    return found


def read_rows(file_format, content):
    """``(row_number, {field: value})`` of a file's data rows, one at a time (row numbers as
    the file shows them; blank rows skipped). Call ``import_files.check`` first."""
    if file_format not in FORMATS:
        raise import_files.bad_file(f"format must be one of {', '.join(FORMATS)}")
    stream = import_files.rows(file_format, content)
    columns, header = import_files.header(stream, _header_map)
    for number, row in enumerate(stream, start=header + 1):
        if not import_files.blank(row):
            yield number, {field: (exports.unescaped(row[index]) if index < len(row) else "")
                           for field, index in columns.items()}


# a number with the unit typed after it, NFKC-read (㎡ and m² are m2): the one the field means
_AREA = re.compile(r"(?P<number>.*?)\s*(?:m2|平方米|平米)?", re.IGNORECASE)
# a decimal comma: one or two digits after it, as the contract's two decimals are, where a group
# of thousands has three ("1,200" is 1200, "89,5" is 89.5 and "70,123" is 70123)
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]{1,2}")
AREA_REFUSED = "must be a number of m², such as 89.5"
# what a phone and a status cell should hold, where the contract's words were its pattern and its
# codes ("does not match '^\\+?[0-9]…'", "is not one of vacant, …"): a Chinese owner list writes
# the statuses STATUS_TEXT reads (a probe of the archives' month)
PHONE_REFUSED = "must be a phone number: 6 to 20 digits, a + first and spaces or hyphens between them allowed, such as 13912345678"
STATUS_REFUSED = "must be 空置, 已入住 or 装修中 (vacant, occupied, renovating), or left empty for vacant"
_MISFIT = re.compile(r"does not match|is not one of|is not of type")
_REFUSED_AS = {"area_m2": AREA_REFUSED, "owner.phone": PHONE_REFUSED, "status": STATUS_REFUSED}


def _area(value):
    """An area cell as a number of m²: "90㎡", "90 m2" and "90平方米" are 90, "89,5" is 89.5 (an
    owner list writes them so, and they were refused as of the wrong type); a cell that is not
    a number is left as it is, for ``row_errors`` to say what it should hold."""
    text = _AREA.fullmatch(unicodedata.normalize("NFKC", str(value)).strip())["number"]
    if _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        area = Decimal(number_text(text))  # "1,200" is 1200; "1,20,0" is refused, not 1200
    except InvalidOperation:
        return value
    return float(area) if area.is_finite() else value


# the statuses as an owner list written in Chinese has them, and as an export in a language labels them
STATUS_TEXT = {"空置": "vacant", "已入住": "occupied", "入住": "occupied", "自住": "occupied", "出租": "occupied",
               "装修": "renovating", "装修中": "renovating",
               **{labels.code("household_status", status, language): status
                  for status in ("vacant", "occupied", "renovating") for language in labels.LANGUAGES}}


def household_body(fields):
    """The ``HouseholdCreate`` body a row stands for."""
    body = {
        # as typed: ``domain.new_household`` reads them (and finds a flat stored before it did)
        "building": str(fields["building"]).strip(),
        "unit": str(fields["unit"]).strip(),
        "room": str(fields["room"]).strip(),
        "area_m2": _area(fields["area_m2"]),
        # full-width digits read as ASCII: a phone typed on a Chinese keyboard was refused
        "owner": {"name": str(fields["owner_name"]).strip(), "phone": address_part(str(fields["owner_phone"]))},
    }
    status = str(fields.get("status") or "").strip()
    if status:
        body["status"] = STATUS_TEXT.get(status, status)
    return body


def row_errors(number, body, fields=None):
    """What is wrong with a row, as ``[{row, field, message}]`` (empty when it is fine): its
    ``HouseholdCreate`` body against the contract, and each text of the body and of its custom
    cells (``fields``) by the rules the gateway holds a JSON body's text to (a name of control
    characters or of zero-width spaces alone was imported that the API refuses).

    The messages never repeat the value sent: the job's result is kept and read later, and
    a row's values are an owner's name and phone number."""
    found = contracts.load().errors("openapi.yaml#/components/schemas/HouseholdCreate", body)
    if isinstance(body.get("area_m2"), str):  # not read as a number (_area): "面积 类型不正确" said not what to type
        found = [e for e in found if e["field"] != "area_m2"] + [field_error("area_m2", AREA_REFUSED)]
    # a phone of the wrong form, a status not among them: what the cell should hold, not the pattern
    found = [field_error(e["field"], _REFUSED_AS[e["field"]]) if e["field"] in ("owner.phone", "status")
             and _MISFIT.search(e["message"]) else e for e in found]
    found += _text_errors(body) + _text_errors({name: value for name, value in (fields or {}).items()
                                                if name.startswith("custom.")})
    return [{"row": number, "field": e["field"], "message": e["message"]} for e in found]  # contracts.without_value


def _text_errors(values, prefix=""):
    found = []
    for name, value in values.items():
        field = f"{prefix}{name}"
        if isinstance(value, dict):
            found += _text_errors(value, f"{field}.")
        elif isinstance(value, str) and holds_control(value):
            found.append({"field": field, "message": "holds a control character"})
        elif isinstance(value, str) and invisible(value):
            found.append({"field": field, "message": "has no visible character"})
    return found


def _domain_errors(number, error):
    if error.errors:
        return [{"row": number, "field": e.get("field", "").removeprefix("data."), "message": e.get("message", "")}
                for e in error.errors]
    return [{"row": number, "field": "", "message": str(error.detail)}]


def decode(content_base64):
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the file is not valid base64",
                           [field_error("data.content_base64", "is not base64")]) from None


def custom_values(definitions, fields):
    """A row's custom values (its ``custom.<key>`` cells read by type), checked like a create's:
    an unknown or archived key, a cell that does not fit its type or a required field left empty
    is an ``InvalidInput`` naming ``custom.<key>``."""
    cells = {name.removeprefix("custom."): value for name, value in fields.items() if name.startswith("custom.")}
    return custom_fields.check_values(definitions, custom_fields.values_from_cells(definitions, cells),
                                      prefix="custom")


def differences(stored, household, body):
    """The fields of an import's row (``body``, read as ``household``) that say otherwise than
    the household registered at its address (the row changes nothing: the household is corrected
    on its own page). Names only: the values are an owner's. A status the row leaves out says
    nothing."""
    fields = [name for name in ("area_m2", "status")
              if name in body and stored.get(name) != household.get(name)]
    owner = stored.get("owner") or {}
    if owner.get("name") != household["owner"]["name"]:
        fields.append("owner.name")
    if _as_dialled(owner.get("phone")) != _as_dialled(household["owner"]["phone"]):  # +86 139-1234-5678 is 13912345678
        fields.append("owner.phone")
    fields += [f"custom.{key}" for key, value in household.get("custom", {}).items()
               if (stored.get("custom") or {}).get(key) != value]
    return fields


def _as_dialled(phone):
    """The number as the desk's phone search reads it (``phones.dialled``), else as written."""
    return phones.dialled(phone) or phone


def run(estate_id, rows, now, save, progress, expected=None, definitions=()):
    """Register each row's household with ``save(household, typed id)``: None when it made it,
    else the household registered at its address (the typed id: ``domain.typed_household_id``),
    or a ``Conflict`` when its flat is registered written otherwise (3栋-1-1201 for 3-1-1201,
    by a row before too: ``domain.registered_otherwise``), which refuses the row and no other;
    ``rows`` is consumed as it streams (``expected``: the count ``import_files.check``
    announced, for the progress bar; ``definitions``: the estate's custom fields of households).
    The import's result: counts, the first rows that were refused with why, and the first rows
    of a registered flat that say otherwise than its household (``differing``: row and fields;
    they were counted "existing" with nothing to tell which, found by review); only the first
    ``MAX_REPORTED_ERRORS`` of each are kept. A file found bad part-way fails the job with the counts
    so far (``partial_result``, which ``jobs`` keeps as the failed job's result)."""
    created = existing = rejected = done = 0
    errors, differing = [], []
    definitions = list(definitions)
    progress(0, expected)

    def counts():
        return {"rows": done, "created": created, "existing": existing, "rejected": rejected,
                "errors": errors[:MAX_REPORTED_ERRORS], "differing": differing[:MAX_REPORTED_ERRORS]}

    try:
        for number, fields in rows:
            body = household_body(fields)
            problems = row_errors(number, body, fields)
            if not problems:
                try:
                    custom = custom_values(definitions, fields)
                    household = domain.new_household(estate_id, body, now, custom)
                except DomainError as error:
                    problems = _domain_errors(number, error)
            if not problems:
                try:
                    stored = save(household, domain.typed_household_id(estate_id, body))
                except Conflict as registered:  # its flat, written otherwise (3栋 for 3), maybe by a row before
                    problems = _domain_errors(number, registered)
            if problems:
                rejected += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.extend(problems)
            elif stored is None:
                created += 1
            else:
                existing += 1
                fields = differences(stored, household, body)
                if fields and len(differing) < MAX_REPORTED_ERRORS:
                    differing.append({"row": number, "fields": fields})
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress(done, max(done, expected or 0))
    except DomainError as stopped:
        # the file turned out bad part-way (a row past the cap, an unreadable line): what was
        # imported before stays (a second run finds it, "existing"), and the failed job says so
        stopped.partial_result = counts()
        raise
    progress(done, done)
    return counts()
