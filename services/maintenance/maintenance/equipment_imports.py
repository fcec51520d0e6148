"""The equipment ledger (设备台账) imported from a CSV register, as an estate taken on brings the list
of its shared equipment (共用设施设备) from the developer or the previous company.

The first row names the columns, in English or Chinese: ``code`` (设备编号, 编号), ``name`` (设备名称,
名称), ``system`` (系统: water, power, heating, ventilation, elevator, fire, smart, or their Chinese
names 给排水, 供配电, 供暖, 通风, 电梯, 消防, 智能化: ``system_code``), ``location`` (安装位置,
位置), and optionally ``installed_on`` (安装日期: YYYY-MM-DD, or as a Chinese spreadsheet writes a day,
2019/5/1, 2019-5-1, 2019年5月1日, 2019.5.1: ``estate_common.sheet_dates``, which the opening balances'
import reads its months by). Every further row is one piece, checked like
``POST …/equipment`` (the ``EquipmentCreate`` contract, ``ledger.new_equipment``). The code is the
natural key, whatever its case: a row of a piece registered with the same details is counted
``existing`` (the same file imported again creates nothing twice), one with other details is refused
naming ``code`` (the register is corrected by hand, never overwritten by a file). A refused row is
reported with its row number, field and reason (never the value) and skipped; the others are
imported. The file is measured when the import starts (UTF-8, its heading, at most ``MAX_ROWS``
rows: a 400 naming ``(file)``), and read in the job.

Plain functions: no broker, no store.
"""
import base64
import binascii
import csv
import io

from estate_common import contracts, job_scopes, sheet_dates
from estate_common.errors import Conflict, DomainError, InvalidInput, field_error
from estate_common.text import holds_control, invisible

JOB_KIND = job_scopes.EQUIPMENT_IMPORT
MAX_ROWS = 5000
MAX_REPORTED_ERRORS = 100
PROGRESS_EVERY = 200

COLUMNS = {
    "code": ("code", "设备编号", "编号"),
    "name": ("name", "设备名称", "名称"),
    "system": ("system", "系统", "所属系统"),
    "location": ("location", "安装位置", "位置"),
    "installed_on": ("installed_on", "安装日期"),
}
REQUIRED = ("code", "name", "system", "location")

# the systems as a register written in Chinese names them (the console's labels, 给排水 …, and the
# words a register uses for them; "消防系统" as "消防"), and the codes in any case: a Chinese register
# had every row refused as "not one of water, power, …" (found by review)
SYSTEM_TEXT = {
    "给排水": "water", "给水": "water", "排水": "water", "供水": "water", "供排水": "water",
    "供配电": "power", "供电": "power", "配电": "power", "电力": "power", "强电": "power",
    "供暖": "heating", "采暖": "heating", "暖气": "heating",
    "通风": "ventilation", "排风": "ventilation", "新风": "ventilation", "通风空调": "ventilation",
    "电梯": "elevator", "扶梯": "elevator", "自动扶梯": "elevator",
    "消防": "fire",
    "智能化": "smart", "弱电": "smart", "智能": "smart",
}
SYSTEMS = ("water", "power", "heating", "ventilation", "elevator", "fire", "smart")
SYSTEM_REFUSED = "must be 给排水, 供配电, 供暖, 通风, 电梯, 消防 or 智能化 (water, power, heating, ventilation, elevator, fire, smart)"


def system_code(cell):
    """A system cell as its code: a code in any case, or its Chinese name (系统 after it or not);
    anything else as it is, for the contract to refuse."""
    text = cell.strip()
    if text.lower() in SYSTEMS:
        return text.lower()
    name = text.removesuffix("系统").strip() or text
    return SYSTEM_TEXT.get(name, text)


def bad_file(reason):
    return InvalidInput(f"the file cannot be imported: {reason}", [field_error("(file)", reason)])


def decode(content_base64):
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise bad_file("the file is not valid base64") from None


def _text(content):
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_file("the file is not UTF-8 text (save it as CSV UTF-8)") from None


def _columns(header):
    wanted = {alias.lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    found = {}
    for index, name in enumerate(header):
        field = wanted.get(str(name or "").strip().lower())
        if field and field not in found:
            found[field] = index
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        raise bad_file(f"the first row must name the columns; missing: {', '.join(missing)}")
    return found


def rows(content):
    """``(row_number, {field: text})`` of the file's data rows (blank ones skipped), numbered as a
    spreadsheet shows them."""
    reader = csv.reader(io.StringIO(_text(content)))
    header = next(reader, None)
    if header is None:
        raise bad_file("the file is empty")
    columns = _columns(header)
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        yield number, {field: (row[index].strip() if index < len(row) else "") for field, index in columns.items()}


def check(content):
    """The file's data rows counted, its heading read, at the start (a 400 naming ``(file)``)."""
    try:
        counted = sum(1 for _ in rows(content))
    except csv.Error:
        raise bad_file("the file is not readable CSV") from None
    if counted > MAX_ROWS:
        raise bad_file(f"at most {MAX_ROWS} rows a file")
    return counted


def body_of(fields):
    """The row as ``EquipmentCreate``: blank optional cells left out."""
    body = {name: fields[name] for name in REQUIRED}
    body["system"] = system_code(body["system"])
    if fields.get("installed_on"):
        # the day as the API keeps it; a cell that is no day stays as written, refused by row_errors
        body["installed_on"] = sheet_dates.day(fields["installed_on"]) or fields["installed_on"]
    return body


# a register's days were refused unless YYYY-MM-DD (2019/5/1: session 51's leftovers); the reason
# names the forms read, never the cell's value
DAY_REFUSED = "must be a day, such as 2019-05-01 (2019/5/1, 2019年5月1日)"


def row_errors(number, body):
    found = [field_error("system", SYSTEM_REFUSED) if e["field"] == "system" else e
             for e in contracts.load().errors("openapi.yaml#/components/schemas/EquipmentCreate", body)
             if e["field"] != "installed_on"]
    if body.get("installed_on") and sheet_dates.day(body["installed_on"]) is None:
        found.append(field_error("installed_on", DAY_REFUSED))
    found += [{"field": name, "message": "holds a control character"} for name, value in body.items()
              if holds_control(value)]
    found += [{"field": name, "message": "has no visible character"} for name, value in body.items()
              if value and invisible(value)]
    return [{"row": number, "field": e["field"], "message": e["message"]} for e in found]


def _refused(number, error):
    if error.errors:
        return [{"row": number, "field": e.get("field", "").removeprefix("data."), "message": e.get("message", "")}
                for e in error.errors]
    return [{"row": number, "field": "", "message": str(error.detail)}]


def run(stream, save, progress, expected=None):
    """Each row registered with ``save(body)``: True when it made the piece, False when the piece
    was there with the same details; a ``DomainError`` (another piece of the code, a day ahead)
    refuses the row and no other. The result: counts and the first refused rows, with why."""
    created = existing = rejected = done = 0
    errors = []
    progress(0, expected)
    for number, fields in stream:
        body = body_of(fields)
        problems = row_errors(number, body)
        if not problems:
            try:
                made = save(body)
            except (Conflict, DomainError) as error:
                problems = _refused(number, error)
        if problems:
            rejected += 1
            errors.extend(problems[:MAX_REPORTED_ERRORS - len(errors)])
        elif made:
            created += 1
        else:
            existing += 1
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done, max(done, expected or 0))
    progress(done, done)
    return {"rows": done, "created": created, "existing": existing, "rejected": rejected, "errors": errors}
