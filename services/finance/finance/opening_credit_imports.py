"""Importing opening credits (期初预收) from a CSV file, as the previous company's list of
prepayments (移交预收清单) comes: one line a household's money paid in advance.

The file is read as the opening balances' list is (``opening_balance_imports``: UTF-8 with or
without its BOM, or GBK; the flat by ``household_id`` 房屋编号 or its address, ``building`` 楼栋,
``unit`` 单元, ``room`` 房号; the money as ``amount`` in yuan, 金额 or 预收金额, rounded half-up to
the cent, or ``amount_cents`` 金额（分）), with ``reference`` 单号 (the list's line or receipt
number: with the household, the natural key) and ``note`` 备注 (optional). No fee item and no
month: the money is the household's, not a month's.

Each line is checked as ``POST …/opening-credits`` is (the ``OpeningCreditCreate`` contract, then
``operations.credit_over``); a line refused is reported with its line number, field and reason,
never the cell's value, and the others are written. **Re-uploading is harmless**: a household's
reference credited already is counted ``existing`` and left as it is (listed in ``differing``
when the line says another amount).

Plain functions: no broker, no store.
"""
from estate_common import contracts, job_scopes
from estate_common.errors import field_error

from .opening_balance_imports import (_amount_cents, _error, check, decode, flat_key, flats, household_of, read_lines,
                                      run_lines)

__all__ = ["JOB_KIND", "check", "decode", "flat_key", "flats", "read_rows", "body_of", "run"]

JOB_KIND = job_scopes.OPENING_CREDIT_IMPORT
COLUMNS = {
    "household_id": ("household_id", "房屋编号", "房屋id"),
    "building": ("building", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "室号", "房间"),
    "amount": ("amount", "金额", "预收金额", "预交金额", "预收款", "余额", "预收余额", "金额（元）", "金额(元)",
               "预收金额（元）", "预收金额(元)"),
    "amount_cents": ("amount_cents", "金额（分）", "金额(分)", "预收金额（分）", "预收金额(分)"),
    "reference": ("reference", "单号", "凭证号", "清单号", "收据号"),
    "note": ("note", "备注"),
}
AMOUNT_REFUSED = "must be an amount in yuan, such as 210.02"
REFERENCE_REFUSED = "must name the line of the previous company's list (its number)"


def read_rows(content):
    """The prepayments list's lines (``opening_balance_imports.read_lines``). Call ``check`` first."""
    return read_lines(content, COLUMNS, ("reference",))


def body_of(number, cells, households):
    """``(OpeningCreditCreate body, [refusals])`` of a line; ``households``: ``flat_key`` → id."""
    errors = []
    household_id = household_of(cells, households, errors)
    cents = _amount_cents(cells)
    if cents is None:
        errors.append(field_error("amount_cents" if cells.get("amount_cents") else "amount", AMOUNT_REFUSED))
    if not (cells.get("reference") or "").strip():
        errors.append(field_error("reference", REFERENCE_REFUSED))
    body = {"household_id": household_id, "amount_cents": cents, "reference": cells.get("reference") or ""}
    if cells.get("note"):
        body["note"] = cells["note"]
    if errors:
        return body, [_error(number, e["field"], e["message"]) for e in errors]
    found = contracts.load().errors("openapi.yaml#/components/schemas/OpeningCreditCreate", body)
    return body, [_error(number, e["field"], e["message"]) for e in found]  # contracts: without the value


def run(rows, households, credit, progress, expected=None):
    """Credit each line with ``credit(body)``: ``(record, made)``, ``made`` False when the
    household's reference was credited already, a ``DomainError`` when the line is refused. The
    job's result: ``opening_balance_imports.run_lines``'s, the money as ``credited_cents``."""
    return run_lines(rows, households, credit, progress, expected, body_of, "credited_cents", "payment_id")
