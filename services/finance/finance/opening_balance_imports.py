"""Importing opening balances (期初欠费) from a CSV file, as the previous company's arrears list
(移交的欠费清单) comes: one line a household's month of a fee item.

The first row names the columns, in English or Chinese: the flat, by ``household_id`` (房屋编号)
or by its address (``building`` 楼栋, ``unit`` 单元, ``room`` 房号: read as the archive compares
flats, ``estate_common.text.address_key``: 3栋 and 3 are one building); ``item`` 收费项目 (its
code or its name, 物业服务费); ``period`` 月份 (2026-08, 2026/8, 2026年8月, or a day of the month as spreadsheets write it, 2026/8/1:
``estate_common.sheet_dates``); the money, as
``amount`` 金额 in yuan (1234.5, read exactly and rounded half-up to the cent) or ``amount_cents``;
``reference`` 单号 (the list's line or statement number); ``note`` 备注 (optional).

Each further line is checked as ``POST …/opening-balances`` is (the ``OpeningBalanceCreate``
contract, then ``operations.carry_over``'s rules); a line refused is reported with its line
number, field and reason, and the others are written. **Re-uploading is harmless**: the bill id
is the natural key (household, item, month: ``billing.bill_id``), so a month carried over
already, by this file before or by hand, is counted ``existing`` and left as it is (listed in
``differing`` when the line says another amount), and a month billed by a run is refused as the
POST refuses it. The reasons never repeat a cell's value (the result is kept; a note may hold a
phone number).

Plain functions: no broker, no store.
"""
import base64
import binascii
import codecs
import csv
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from estate_common import config, contracts, job_scopes, labels, sheet_dates
from estate_common.errors import Conflict, DomainError, InvalidInput, field_error
from estate_common.money import to_cents
from estate_common.text import address_key, number_text

JOB_KIND = job_scopes.OPENING_BALANCE_IMPORT
MAX_BYTES = config.env_int("IMPORT_MAX_BYTES", 16 * 1024 * 1024)
MAX_ROWS = config.env_int("IMPORT_MAX_ROWS", 20_000)
MAX_REPORTED_ERRORS = 100
PROGRESS_EVERY = 200
ADDRESS = ("building", "unit", "room")
FEE_ITEMS = ("property_service", "parking", "renovation_management", "renovation_deposit", "repair")

COLUMNS = {
    "household_id": ("household_id", "房屋编号", "房屋id"),
    "building": ("building", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "室号", "房间"),
    "item": ("item", "收费项目", "费用项目", "项目"),
    "period": ("period", "月份", "所属月份", "期间"),
    "amount": ("amount", "金额", "欠费金额", "金额（元）", "金额(元)"),
    "amount_cents": ("amount_cents", "金额（分）", "金额(分)"),
    "reference": ("reference", "单号", "凭证号", "清单号"),
    "note": ("note", "备注"),
}
ITEM_TEXT = {**{item: item for item in FEE_ITEMS},
             **{labels.code("fee", item, language).lower(): item for item in FEE_ITEMS for language in labels.LANGUAGES}}
AMOUNT_REFUSED = "must be an amount in yuan, such as 210.02"
PERIOD_REFUSED = "must be a month, such as 2026-08"
ITEM_REFUSED = ("must be a fee item: property_service, parking, renovation_management, renovation_deposit, repair "
                "(or its name, 物业服务费)")


def bad_file(message):
    return InvalidInput(f"the file cannot be imported: {message}", [field_error("(file)", message)])


def decode(content_base64):
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the file is not valid base64",
                           [field_error("data.content_base64", "is not base64")]) from None


def _text(content):
    """The file's text: UTF-8 (with or without its BOM, as Excel writes it), else GB18030 (a
    Chinese Excel's "CSV" is GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # GB18030's own byte-order mark (84 31 95 33) decodes to U+FEFF: the first heading read
            # \ufeff交易日期 and the file was refused for want of its columns (found by review r10 of h10)
            return codecs.decode(content, encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise bad_file("the file is neither UTF-8 nor GBK text")


def check(content):
    """Refuse a file over the caps before the job reads it; the lines with text it has (the
    progress' estimate)."""
    if len(content) > MAX_BYTES:
        raise bad_file(f"the file is larger than {MAX_BYTES} bytes")
    lines = sum(1 for line in content.splitlines() if line.strip()) - 1
    if lines > MAX_ROWS:
        raise bad_file(f"at most {MAX_ROWS} lines in one import")
    if lines < 1:
        raise bad_file("the file has no line after its header")
    return lines


def _header_map(header, columns, required, by_flat=True):
    """``{column: index}`` of a list's first row (its headings as ``columns`` names them), refused (400)
    naming those missing: ``required``, an amount (yuan or cents) and, ``by_flat``, the household (its
    id, or building, unit and room). A takeover list's and a bank statement's (``bank_statements``)."""
    wanted = {alias.strip().lower(): name for name, aliases in columns.items() for alias in aliases}
    found = {}
    for index, name in enumerate(header):
        field = wanted.get(unicodedata.normalize("NFKC", str(name or "")).strip().lower())
        if field and field not in found:
            found[field] = index
    missing = [name for name in required if name not in found]
    if by_flat and "household_id" not in found and not all(part in found for part in ADDRESS):
        missing.append("household_id (or building, unit and room)")
    if "amount" not in found and "amount_cents" not in found:
        missing.append("amount (or amount_cents)")
    if missing:
        raise bad_file(f"the first row must name the columns; missing: {', '.join(missing)}")
    return found


def read_lines(content, columns, required):
    """``(line number, {column: cell})`` of a takeover list's lines, one at a time (numbers as the
    file shows them; blank lines skipped): ``columns`` the headings each column may have, ``required``
    those beside the flat and the money. The arrears list's and the prepayments' (``opening_credit_imports``).
    Call ``check`` first."""
    reader = csv.reader(io.StringIO(_text(content)))
    try:
        header = next(reader, None)
        if header is None:
            raise bad_file("the file is empty")
        found = _header_map(header, columns, required)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if reader.line_num - 1 > MAX_ROWS:
                raise bad_file(f"at most {MAX_ROWS} lines in one import")
            yield reader.line_num, {name: (row[index].strip() if index < len(row) else "")
                                    for name, index in found.items()}
    except csv.Error:
        raise bad_file(f"the CSV cannot be read at line {reader.line_num}") from None


def read_rows(content):
    """The arrears list's lines (``read_lines``)."""
    return read_lines(content, COLUMNS, ("item", "period", "reference"))


def flat_key(building, unit, room):
    """The flat an address names, as the archive compares flats (3栋-1-1201 is 3-1-1201)."""
    return tuple(address_key(str(value or ""), part) for value, part in zip((building, unit, room), ADDRESS))


def flats(households):
    """``flat_key`` → household id of the estate's ``households`` (``store.household_flats``): how a
    takeover list's line names its flat by address."""
    return {flat_key(h.get("building"), h.get("unit"), h.get("room")): h["_id"] for h in households}


def household_of(cells, households, errors):
    """The line's household: its ``household_id``, or the one at its address (``households``:
    ``flat_key`` → id), or ``""`` with the refusal added to ``errors``."""
    household_id = cells.get("household_id") or ""
    if not household_id:
        household_id = households.get(flat_key(cells.get("building"), cells.get("unit"), cells.get("room")))
        if household_id is None:
            errors.append(field_error("household_id", "no household of this estate at this address"))
    return household_id or ""


def _money_text(cell):
    """A money cell's plain text: NFKC, without its ¥ or 元 (the bank statements' reader's too)."""
    return unicodedata.normalize("NFKC", cell or "").replace("¥", "").replace("元", "").strip()


def _amount_cents(cells):
    if cells.get("amount_cents"):
        text = number_text(unicodedata.normalize("NFKC", cells["amount_cents"]))
        return int(text) if re.fullmatch(r"[0-9]+", text or "") and int(text) > 0 else None
    text = _money_text(cells.get("amount"))
    try:
        yuan = Decimal(number_text(text))
        # more digits than a Decimal rounds to the cent (1e30) raised here: the job failed unexpectedly
        cents = to_cents(yuan * 100) if yuan.is_finite() else 0
    except InvalidOperation:
        return None
    return cents if cents > 0 else None  # nothing owed, or less than a cent, is no debt to carry over


def _period(text):
    """The line's month (YYYY-MM), as the equipment register's import reads its day: one parser of
    the takeover's dates (a day of the month, 2026/8/1, was refused: session 51's leftovers)."""
    return sheet_dates.month(text)


def body_of(number, cells, households):
    """``(OpeningBalanceCreate body, [refusals])`` of a line; ``households``: the estate's flats,
    ``flat_key`` → household id."""
    errors = []
    household_id = household_of(cells, households, errors)
    item = ITEM_TEXT.get((cells.get("item") or "").strip().lower())
    period, cents = _period(cells.get("period")), _amount_cents(cells)
    if item is None:
        errors.append(field_error("item", ITEM_REFUSED))
    if period is None:
        errors.append(field_error("period", PERIOD_REFUSED))
    if cents is None:
        errors.append(field_error("amount_cents" if cells.get("amount_cents") else "amount", AMOUNT_REFUSED))
    errors = [_error(number, e["field"], e["message"]) for e in errors]
    body = {"household_id": household_id, "item": item, "period": period, "amount_cents": cents,
            "reference": cells.get("reference") or ""}
    if cells.get("note"):
        body["note"] = cells["note"]
    if errors:
        return body, errors
    found = contracts.load().errors("openapi.yaml#/components/schemas/OpeningBalanceCreate", body)
    return body, [_error(number, e["field"], e["message"]) for e in found]  # contracts: without the value


def _error(number, field, message):
    return {"row": number, "field": field, "message": message}


def domain_errors(number, error):
    if error.errors:
        return [_error(number, e.get("field", "").removeprefix("data."), e.get("message", "")) for e in error.errors]
    return [_error(number, "", str(error.detail))]


def run(rows, households, carry, progress, expected=None):
    """Carry each line over with ``carry(body)``: ``(bill, made)``, ``made`` False when its month
    was carried over already (the bill found), a ``DomainError`` when the line is refused (a
    month billed by a run, to come, inside a cycle, an unknown household). The job's result:
    ``run_lines``'s, the money as ``carried_over_cents``."""
    return run_lines(rows, households, carry, progress, expected, body_of, "carried_over_cents", "bill_id")


def run_lines(rows, households, write, progress, expected, body_of, cents_key, id_key):
    """Write each line of a takeover list with ``write(body)`` (the body ``body_of`` reads):
    ``(record, made)``, ``made`` False when the line's natural key was written already, a
    ``DomainError`` when the line is refused. The job's result: counts, the money written
    (``cents_key``), the first refused lines with why (``errors``) and the first lines written
    already that say another amount (``differing``, naming the record by ``id_key``),
    ``MAX_REPORTED_ERRORS`` of each."""
    created = existing = rejected = done = cents = 0
    errors, differing = [], []
    progress(0, expected)

    def counts():
        return {"rows": done, "created": created, "existing": existing, "rejected": rejected,
                cents_key: cents, "errors": errors[:MAX_REPORTED_ERRORS],
                "differing": differing[:MAX_REPORTED_ERRORS]}

    try:
        for number, cells in rows:
            body, problems = body_of(number, cells, households)
            if not problems:
                try:
                    record, made = write(body)
                except (Conflict, DomainError) as refused:
                    problems = domain_errors(number, refused)
            if problems:
                rejected += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.extend(problems)
            elif made:
                created += 1
                cents += record["amount_cents"]
            else:
                existing += 1
                if record["amount_cents"] != body["amount_cents"] and len(differing) < MAX_REPORTED_ERRORS:
                    differing.append({"row": number, "fields": ["amount_cents"], id_key: record["_id"]})
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress(done, max(done, expected or 0))
    except DomainError as stopped:
        stopped.partial_result = counts()
        raise
    progress(done, done)
    return counts()
