"""The accountant's bank statement matching (银行对账): the estate's bank account statement of a
month set against the bank journal's entries of it (``journals``: payments by transfer, WeChat,
Alipay or bank card, their reversals, deposit and seller refunds).

A statement is a CSV as banks export it (UTF-8 with or without its BOM, or GBK:
``opening_balance_imports``'s reader): one line a movement, its ``date`` 交易日期, its money in one of
two layouts, the bank's ``reference`` 流水号 (optional) and the ``counterparty`` 对方户名 (personal
data: shown in full to the accountant and the manager alone, never logged, never in a refusal):
- an ``amount`` 金额 in yuan (read exactly, half-up to the cent) or ``amount_cents`` with its
  ``direction`` 收支 (in/out; 收入/支出; 贷/借 as the account holder's statement says them);
- or one signed ``amount`` and no direction column (招商银行, 中国银行: minus is money out; a heading
  that looks like a direction the reader does not know keeps the file refused; found by review r10);
- or, as most Chinese banks export it (ICBC, CCB, ABC, BOC), separate ``debit`` 借方金额 (money out)
  and ``credit`` 贷方金额 (money in) columns, one filled a line (the other empty, a dash or 0.00):
  both or neither filled is the line refused with its reason (found by review r4, where such a
  statement was refused whole for want of a direction column). A negative amount in either is a reversal
  (冲正) the other way; the table's sums under it (合计, Total) are skipped (found by review r10).
The headings row may follow the account's header block (账号, 户名, 起止日期: the first
``HEADER_ROWS`` lines are searched for it); line numbers are the file's. The counterparty's account
(对方账号: ``counterparty_account``, personal data as its name) is kept; where the bank names both sides
of a transfer (付款人名称 / 收款人名称 and their 账号) the counterparty is the payer of money in and the
payee of money out. A negative may be written ``123.45-`` or ``(123.45)``; the rows under the table
(合计, 累计, 共 N 笔, 打印时间, 以下空白, a ruled row) are skipped (session 55's leftovers, found by h4);
a sums row dated beside both columns' sums, 本月合计 on the month's last day, too (found by h2).
A heading is read also without a bracketed note after it (中国银行's 交易日期[ Transaction Date ]), and
招商银行's 收/付方帐号 (帐) is the counterparty's account (review r4 of h4).
Other columns (摘要, 余额) are not read. A line refused is reported with its line number, field and
reason, never the cell's value; the others are read.

**Each line's id is natural**: the statement (estate, month), then the bank's reference and
direction, or without a reference its day, direction, amount and how many such lines came before
it in the file. The same file uploaded again, or a corrected one, **replaces** the statement's
lines (``merge_upload``): never a line twice; what the accountant confirmed or explained of a line
kept while the line reads the same.

**Matching** (``match``), each entry matched once, each line once:
1. a match the accountant confirmed (``confirmed_entry``);
2. the bank's reference equal to the entry's channel transaction id or receipt number, the same
   direction and amount;
3. the same direction and amount, the entry's day within ``bank_match_window_days`` (a per-estate
   setting, default 3) of the line's either way (a transfer posted on the owner's word and at the
   bank the next day), the nearest day first.
Matches 2 and 3 are suggestions until confirmed. A line whose reference names an entry of other money
(its amount or direction: a transfer of 450.00 posted as 500.00) is matched neither by it nor by its
amount to another entry: it is listed with no entry, naming that one (``reference_entry``), for the
accountant to look into; it was left unmatched, said no more, or matched by its amount to another
payment of its days as if equal (found by h4, the last session's note). A payment reversed in the
month (with its reversal) is money undone, not such an entry: the line is matched by its amount, to
the payment posted again in its place (found by review r4 of h4). A line the accountant explained (bank interest,
a fee, money not ours) is set apart with its note.

Plain functions: no broker, no store.
"""
import csv
import io
import re
import unicodedata
from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation

from estate_common import ids, job_scopes, personal_data, sheet_dates
from estate_common.text import number_text
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput, field_error

from . import opening_balance_imports
from .opening_balance_imports import MAX_ROWS, _amount_cents, _header_map, _money_text, _text, bad_file, decode

__all__ = ["JOB_KIND", "check", "decode", "read_statement", "match", "merge_upload", "refuse_confirmation",
           "refuse_replacing",
           "public_line", "public_report", "require_reader", "explanation", "confirmation"]

JOB_KIND = job_scopes.BANK_STATEMENT_IMPORT
READERS = job_scopes.readers(JOB_KIND)  # who uploads a statement reads and matches it: the accountant, management

COLUMNS = {
    "date": ("date", "日期", "交易日期", "记账日期", "入账日期", "交易时间", "交易日",
             "transaction date", "trans. date", "txn date", "booking date", "posting date", "post date"),
    "amount": ("amount", "金额", "交易金额", "发生额", "金额（元）", "金额(元)"),
    "amount_cents": ("amount_cents", "金额（分）", "金额(分)"),
    "direction": ("direction", "方向", "收支", "收支方向", "借贷", "借贷方向", "借贷标志", "借贷标记", "借/贷",
                  "收/支"),
    "reference": ("reference", "流水号", "交易流水号", "银行流水号", "参考号", "交易参考号",
                  "账户明细编号-交易流水号", "reference no.", "reference no", "reference number", "ref no.",
                  "transaction reference", "bank reference"),
    "counterparty": ("counterparty", "对方户名", "对方名称", "对方账户名", "对方账户名称", "对方单位名称",
                     "收/付方名称", "收付方名称", "counterparty name", "payer/payee", "payee/payer"),
    "counterparty_account": ("counterparty_account", "对方账号", "对方帐号", "对方账户", "对方帐户", "对方账户号",
                             "对方卡号", "对方卡号/账号", "收/付方账号", "收/付方帐号", "收付方账号", "收付方帐号",
                             "counterparty account", "counterparty account no.",
                             "counterparty account number"),
    # both sides of a transfer named (中国银行 and others), the estate one of them: the counterparty is the
    # payer of money in, the payee of money out (``_counterparty``; session 55's leftovers, found by h4)
    "payer": ("付款人名称", "付款人户名", "付款人", "付款方名称", "付款方户名", "付款单位", "付款人账户名称",
              "payer", "payer name"),
    "payer_account": ("付款人账号", "付款人帐号", "付款方账号", "付款人账户", "付款账号", "payer account",
                      "payer account no."),
    "payee": ("收款人名称", "收款人户名", "收款人", "收款方名称", "收款方户名", "收款单位", "收款人账户名称",
              "payee", "payee name"),
    "payee_account": ("收款人账号", "收款人帐号", "收款方账号", "收款人账户", "收款账号", "payee account",
                      "payee account no."),
}
PAYING_SIDE = {"in": "payer", "out": "payee"}  # who the estate's money came from, or went to
REQUIRED = ("date", "direction")
# the debit/credit layout (借方/贷方): a heading read also without its bracketed note, 借方发生额（支取）
SIDES = {
    "debit": ("debit", "借方金额", "借方发生额", "借方", "支出金额", "支取金额", "付款金额", "转出金额",
              "debit amount", "withdrawal", "withdrawals", "withdrawal amount"),  # a foreign bank's (found by review r10)
    "credit": ("credit", "贷方金额", "贷方发生额", "贷方", "收入金额", "存入金额", "收款金额", "转入金额",
               "credit amount", "deposit", "deposits", "deposit amount"),
}
SIDE_DIRECTIONS = {"debit": "out", "credit": "in"}
HEADER_ROWS = 20  # the account's header block above the headings row, as banks write it, at most
UNFILLED = frozenset({"", "-", "--", "—", "——"})
# the rows a bank writes under the table: its sums (合计, 本页合计：3笔, Total; found by review r10 of h10:
# refused twice, as a line with no day and with both columns filled), the running total (累计, 本年累计), the
# count of lines (共 3 笔), when it was printed (打印时间) and 以下空白 (session 55's leftovers, found by h4):
# no movement, skipped as a blank line is
FOOTER_ROW = re.compile(r"(本页|本期|本月|本日|本年|全部)?(合计|总计|小计|共计|累计)|共\s*[0-9]+\s*笔|"
                        r"打印(时间|日期|人|柜员)|以下空白|(grand\s*|sub\s*)?total\b", re.IGNORECASE)
# a ruled line between the table and its footer (------, ======, ******), as blank as an empty row
RULED = re.compile(r"[\s\-—_=*~·.…]*")
DECORATION = re.compile(r"^[\s\-—_=*~·.…]+")
OTHER_WAY = {"in": "out", "out": "in"}
DIRECTION_LIKE = re.compile(r"借|贷|收支|收/付|收付|方向|direction|dr/cr|d/c", re.IGNORECASE)
DIRECTIONS = {"in": "in", "收入": "in", "收": "in", "贷": "in", "贷方": "in", "credit": "in", "cr": "in",
              "out": "out", "支出": "out", "支": "out", "借": "out", "借方": "out", "debit": "out", "dr": "out"}
SEES_COUNTERPARTY = frozenset({"accountant", "manager", "operator_admin"})
DATE_REFUSED = "must be a day of the statement's month, such as 2026-11-03"
AMOUNT_REFUSED = "must be an amount in yuan above zero, such as 210.02"
DIRECTION_REFUSED = "must be in or out (收入/支出, 贷/借)"
BOTH_SIDES = "has an amount in both its debit (借方) and credit (贷方) columns: one a line"
NEITHER_SIDE = "has an amount in neither its debit (借方) nor its credit (贷方) column"
REFERENCE_TWICE = "names a reference an earlier line of the file has"
OTHER_MONEY = "the entry is of other money than the statement's line (its direction or amount)"
CONFIRMED_ELSEWHERE = "the entry is confirmed as another line's already"
CONFIRMED_OTHERWISE = "the line is confirmed as another entry already: confirm it again saying it replaces that"
REPLACES_NEEDED = "must be true to replace the line's earlier confirmation or explanation"
EXPLAINED_ALREADY = "the line is explained already: confirm it as an entry saying it replaces the explanation"


def _error(number, field, message):
    return {"row": number, "field": field, "message": message}


# a heading's note after it, in brackets: 借方发生额（支取）, and 中国银行's English, 交易日期[ Transaction Date ]
# (review r4 of h4: its every heading so written, the whole file was refused as naming no day nor amount)
HEADING_NOTE = re.compile(r"\s*(\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】)$")


def _heading(name):
    """``(plain, bare)``: the heading in NFKC, lower case, and without its bracketed note (``HEADING_NOTE``)."""
    plain = unicodedata.normalize("NFKC", str(name or "")).strip().lower()
    return plain, HEADING_NOTE.sub("", plain)


def _known(header, wanted):
    """Each heading as ``wanted`` names it: as written, else without its bracketed note (for ``_header_map``,
    which reads a heading as written)."""
    names = []
    for name in header:
        plain, bare = _heading(name)
        names.append(plain if plain in wanted or bare not in wanted else bare)
    return names


def _header(header):
    """``{column: index}`` of the headings row: the debit/credit layout when it names both its
    columns and the day (the direction column then unread), else the amount-and-direction one
    (``_header_map``: 400 naming what is missing)."""
    sides = {alias.lower(): name for name, aliases in SIDES.items() for alias in aliases}
    wanted = {alias.strip().lower(): name for name, aliases in COLUMNS.items() for alias in aliases
              if name not in ("amount", "amount_cents", "direction")}
    found = {}
    for index, name in enumerate(header):
        plain, bare = _heading(name)
        field = sides.get(plain) or sides.get(bare) or wanted.get(plain) or wanted.get(bare)
        if field and field not in found:
            found[field] = index
    if all(name in found for name in ("date", "debit", "credit")):
        return found
    # one signed amount and no direction column (招商银行, 中国银行: money out with its minus sign), unless
    # a heading looks like a direction the reader does not know (found by review r10 of h10)
    known = _known(header, {alias.strip().lower() for aliases in COLUMNS.values() for alias in aliases})
    if not any(DIRECTION_LIKE.search(_heading(name)[0]) for name in header):
        return _header_map(known, COLUMNS, ("date",), by_flat=False)
    return _header_map(known, COLUMNS, REQUIRED, by_flat=False)


def _headings_row(reader):
    """The headings row's ``{column: index}``: the first of the first ``HEADER_ROWS`` lines that names
    the columns (the lines above it the account's header block); else the first line's refusal."""
    first = None
    for _ in range(HEADER_ROWS):
        row = next(reader, None)
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        try:
            return _header(row)
        except InvalidInput as refused:
            first = first or refused
    if first is None:
        raise bad_file("the file is empty")
    raise first


def check(content):
    """Refuse a file over the caps, or without its columns, before the job reads it (400); the
    lines with text it has (the progress' estimate)."""
    lines = opening_balance_imports.check(content)
    reader = csv.reader(io.StringIO(_text(content)))
    try:
        found = _headings_row(reader)
        if _signed(found):
            _refuse_unsigned(found, any(_minus(row, found) for row in reader))
    except csv.Error:
        raise bad_file(f"the CSV cannot be read at line {reader.line_num}") from None
    return lines


def _signed(found):
    """Whether the headings are the one signed amount's layout (no direction, no debit/credit column)."""
    return "direction" not in found and "debit" not in found


def _minus(row, found):
    index = found.get("amount_cents", found.get("amount"))
    cell = row[index] if index is not None and index < len(row) else ""
    return _signed_text(cell).startswith("-")


def _signed_text(cell):
    """A money cell's plain text (``_money_text``), a negative written the accountant's way with its minus
    first: ``123.45-`` and ``(123.45)``, ``（123.45）`` are ``-123.45`` (each was refused as no amount:
    session 55's leftovers, found by h4)."""
    plain = _money_text(cell)  # NFKC: the full-width brackets are ( )
    bracketed = re.fullmatch(r"\((.*[0-9].*)\)", plain)
    if bracketed:
        return "-" + bracketed[1].strip()
    trailing = re.fullmatch(r"(.*[0-9.])\s*-", plain)
    if trailing and not trailing[1].startswith("-"):
        return "-" + trailing[1].strip()
    return plain


def _refuse_unsigned(found, any_minus):
    """A file of one amount and no direction with no amount signed is no signed export (a list of
    amounts whose direction is not said: every line read as money in): refused as before (400)."""
    if not any_minus:
        raise bad_file("the first row must name the columns; missing: direction "
                       "(or one amount signed, minus for money out)")


def _day(text):
    """The line's day: a spreadsheet's forms (``sheet_dates``), or the compact 20261103 some banks write."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    compact = re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})(\s.*)?", plain)
    if compact:
        plain = f"{compact[1]}-{compact[2]}-{compact[3]}{compact[4] or ''}"
    return sheet_dates.day(plain)


def _filled(cell):
    """Whether a debit or credit cell holds money: not empty, a dash, or zero (0.00, as some banks fill
    the other column)."""
    plain = _signed_text(cell)
    if plain in UNFILLED:
        return False
    try:
        return Decimal(number_text(plain)) != 0
    except (InvalidOperation, TypeError):
        return True  # not a number: read, and refused as an amount


def _money(cells):
    """``(cents, direction, [(field, refusal)])`` of a line, in either layout."""
    if "debit" not in cells and "direction" not in cells:  # one signed amount: minus is money out
        key = "amount_cents" if cells.get("amount_cents") else "amount"
        plain = _signed_text(cells.get(key))
        direction = "out" if plain.startswith("-") else "in"
        cents = _amount_cents({key: plain[1:].strip() if plain[:1] in "-+" else plain})
        return cents, direction if cents else None, [] if cents else [(key, AMOUNT_REFUSED)]
    if "debit" not in cells:
        key = "amount_cents" if cells.get("amount_cents") else "amount"
        cents = _amount_cents({key: _signed_text(cells.get(key))})  # the imports' one reading of an amount
        direction = DIRECTIONS.get(unicodedata.normalize("NFKC", cells.get("direction") or "").strip().lower())
        refused = []
        if cents is None:
            refused.append(("amount_cents" if cells.get("amount_cents") else "amount", AMOUNT_REFUSED))
        if direction is None:
            refused.append(("direction", DIRECTION_REFUSED))
        return cents, direction, refused
    filled = [side for side in ("debit", "credit") if _filled(cells.get(side))]
    if len(filled) != 1:
        return None, None, [("amount", BOTH_SIDES if filled else NEITHER_SIDE)]
    side = filled[0]
    direction = SIDE_DIRECTIONS[side]
    plain = _signed_text(cells[side])
    if plain.startswith("-"):  # a reversal (冲正, written red): the money of its column going the other way
        plain, direction = plain[1:].strip(), OTHER_WAY[direction]  # (found by review r10 of h10)
    cents = _amount_cents({"amount": plain})
    if cents is None:
        return None, None, [(side, AMOUNT_REFUSED)]
    return cents, direction, []


def _footer_row(row, found):
    """Whether a row is no movement: blank or ruled (------), or one of the rows under the table (its
    sums, 累计, 共 3 笔, 打印时间, 以下空白: ``FOOTER_ROW``) by its first filled cell, with no day in its day's
    cell or no money in its money's (打印时间 with the day printed in the day's column), or both its debit and
    its credit filled (本月合计 dated the month's last day beside the two columns' sums: no line has both, and
    it was refused as one, found by h2)."""
    filled = [unicodedata.normalize("NFKC", cell).strip() for cell in row if cell.strip()]
    if all(RULED.fullmatch(cell) for cell in filled):
        return True
    if not FOOTER_ROW.match(DECORATION.sub("", filled[0])):
        return False
    cells = {name: (row[i] if i < len(row) else "") for name, i in found.items()}
    return _day(cells["date"]) is None or not any(
        _filled(cells.get(name)) for name in ("amount", "amount_cents", "debit", "credit")) or all(
        _filled(cells.get(name)) for name in ("debit", "credit"))


def _counterparty(cells, direction):
    """``(name, account)`` of who the money came from or went to: 对方户名 / 对方账号, or the payer of money in
    and the payee of money out where both sides are named (付款人名称 / 收款人名称). A reversal in a debit or
    credit column (冲正, its money the other way) is written with its transfer's own payer and payee: the
    counterparty is its column's, where the estate itself was read as the payee of a credit reversed
    (review r4 of h4)."""
    sides = [name for name in ("debit", "credit") if name in cells and _filled(cells[name])]
    side = PAYING_SIDE[SIDE_DIRECTIONS[sides[0]] if len(sides) == 1 else direction]
    name = cells.get("counterparty") or cells.get(side) or ""
    account = cells.get("counterparty_account") or cells.get(f"{side}_account") or ""
    return name, re.sub(r"\s+", "", unicodedata.normalize("NFKC", account))


def refuse_not_begun(period, current):
    """A statement of a month to come (a month typed wrong) is refused before it is queued, as its
    matching is (every period report's check): it was taken and its lines kept for a matching that is
    a 422 (found by h4, the last session's note)."""
    if period > current:
        raise BusinessRuleViolation(f"a bank statement of a month that has not begun is not taken: the current month is "
                                    f"{current}", [field_error("data.period", "has not begun")])


def line_id(estate_id, period, *key):
    return ids.natural_id("bsl", estate_id, period, *key)


def read_statement(content, estate_id, period, first_day, last_day):
    """``([line], [refusal])`` of a statement of ``period`` (its days ``first_day``..``last_day``,
    ISO). Call ``check`` first."""
    reader = csv.reader(io.StringIO(_text(content)))
    lines, errors, references, alike = [], [], set(), Counter()
    any_minus = False
    try:
        found = _headings_row(reader)
        for row in reader:
            if _footer_row(row, found):
                continue
            if reader.line_num - 1 > MAX_ROWS:
                raise bad_file(f"at most {MAX_ROWS} lines in one import")
            number = reader.line_num
            any_minus = any_minus or _minus(row, found)
            cells = {name: (row[i].strip() if i < len(row) else "") for name, i in found.items()}
            day = _day(cells.get("date"))
            cents, direction, money_refused = _money(cells)
            reference = unicodedata.normalize("NFKC", cells.get("reference") or "").strip()
            refused = []
            if day is None or not first_day <= day <= last_day:
                refused.append(("date", DATE_REFUSED))
            refused.extend(money_refused)
            if not refused and reference and (reference.lower(), direction) in references:
                refused.append(("reference", REFERENCE_TWICE))
            if refused:
                errors.extend(_error(number, field, message) for field, message in refused)
                continue
            if reference:
                references.add((reference.lower(), direction))
                key = ("ref", reference.lower(), direction)
            else:
                alike[(day, direction, cents)] += 1
                key = ("day", day, direction, cents, alike[(day, direction, cents)])
            counterparty, account = _counterparty(cells, direction)
            lines.append({"_id": line_id(estate_id, period, *key), "line": number, "date": day,
                          "amount_cents": cents, "direction": direction, "reference": reference,
                          "counterparty": counterparty, "counterparty_account": account})
    except csv.Error:
        raise bad_file(f"the CSV cannot be read at line {reader.line_num}") from None
    if _signed(found):
        _refuse_unsigned(found, any_minus)
    return lines, errors


# the entries one collection for a payee writes: its money and its fee, one payment by the owner (pass_through.py)
PASS_THROUGH_ENTRIES = ("pass_through_collection", "pass_through_fee")
# and the entries its reversal writes (h4): the money and the fee paid back, one transfer out
PASS_THROUGH_REVERSAL_ENTRIES = ("pass_through_collection_reversal", "pass_through_fee_reversal")


def _one_payment_at_the_bank(e):
    """The key of the entries that are one payment at the bank with ``e`` (``at_the_bank``), None if it is alone."""
    if e.get("kind") == "deposit_deduction_reversal" and e.get("deposit_id"):
        return ("deposit", e["deposit_id"], e["journal"], e["method"], e["direction"])
    if e.get("kind") in PASS_THROUGH_ENTRIES:
        return ("pass_through", e["ref_id"], e["journal"], e["method"], e["direction"])
    if e.get("kind") in PASS_THROUGH_REVERSAL_ENTRIES:
        return ("pass_through_reversal", e["ref_id"], e["journal"], e["method"], e["direction"])
    return None


def at_the_bank(entries):
    """The bank journal's ``entries`` as the bank's statement shows their money: fees paid from a deposit
    (抵扣物业费) go out with its refund's entry and come in as the owner's payment in the same journal, and
    the bank sees only what was handed back. The payment from the deposit (``from_deposit``) is no money at
    the bank, and the refund's entry is the money that left the account (its ``fees_cents`` taken off;
    none left, no entry). Both were matched as their journal's money: the transfer's line matched neither,
    and the payment was listed as posted and never at the bank (found by r3 reviewing h3).

    A deposit's deductions made in error are paid back to the owner at once (``deposit_deduction_reversal``,
    an entry per deduction, ``deposit_id`` on each): the entries of one deposit in one journal and method
    are one payment at the bank, read as one entry (the least id of them, their money together), where a
    transfer of the two was matched to neither (found by r3 reviewing h3). So are the entries of money
    collected for a payee (代收代缴): the payee's money and the handling fee apart in the journal
    (``pass_through_collection``, ``pass_through_fee``, one collection's ``ref_id``), one transfer at the
    bank (found by r6 reviewing h6)."""
    shown, paid_back = [], {}
    for e in entries:
        if e.get("from_deposit") and e.get("kind") == "payment":
            continue
        if e.get("fees_cents"):
            e = {**e, "amount_cents": e["amount_cents"] - e["fees_cents"]}
            if e["amount_cents"] <= 0:
                continue
        together = _one_payment_at_the_bank(e)
        if together is not None:
            if together in paid_back:
                first = paid_back[together]
                first["amount_cents"] += e["amount_cents"]
                if e["_id"] < first["_id"]:  # the same id however the store orders them (a confirmation names it)
                    first |= {"_id": e["_id"], "ref_id": e["ref_id"]}
                    if together[0] == "deposit":
                        first["deduction_kind"] = e.get("deduction_kind")
                if together[0] == "pass_through":  # the collection's, whichever of its entries came first
                    first["kind"] = PASS_THROUGH_ENTRIES[0]
                if together[0] == "pass_through_reversal":
                    first["kind"] = PASS_THROUGH_REVERSAL_ENTRIES[0]
                continue
            e = paid_back[together] = dict(e)
        shown.append(e)
    return shown


def _same_money(line, entry):
    return line["direction"] == entry["direction"] and line["amount_cents"] == entry["amount_cents"]


def _named_by_reference(line, entries):
    """The entries the line's bank reference names: a payment's channel transaction id or receipt number."""
    reference = line["reference"].lower()
    if not reference:
        return []
    return [e for e in entries
            if reference in {str(e.get("reference") or "").lower(), str(e.get("receipt_number") or "").lower()}]


def _days_apart(line, entry):
    return abs((date.fromisoformat(line["date"]) - date.fromisoformat(entry["day"])).days)


def _sum(rows):
    return {"count": len(rows),
            "in_cents": sum(r["amount_cents"] for r in rows if r["direction"] == "in"),
            "out_cents": sum(r["amount_cents"] for r in rows if r["direction"] == "out")}


def match(lines, entries, window_days):
    """The statement's ``lines`` set against the bank journal's ``entries`` of the month (each with
    ``reference``: its payment's channel transaction id, if any): matched (``how``: confirmed,
    reference, amount_date; ``confirmed``), lines with no entry (money at the bank not posted),
    entries with no line (posted, not at the bank yet or never), lines explained, with totals."""
    by_id = {e["_id"]: e for e in entries}
    used, matched, explained, open_lines = set(), [], [], []
    for line in lines:
        entry = by_id.get(line.get("confirmed_entry"))
        if entry is not None and entry["_id"] not in used and _same_money(line, entry):
            used.add(entry["_id"])
            matched.append({"line": line, "entry": entry, "how": "confirmed", "confirmed": True})
        elif line.get("explained"):
            explained.append(line)
        else:
            open_lines.append(line)
    left, unmatched = [], []
    # a payment reversed in the month, with its reversal (both ``ref_id`` the payment's): money undone,
    # never the "other money" a line's reference names (a transfer posted wrong, reversed and posted
    # again without its reference read as posted wrong still, not matched to its correction: found by
    # review r4 of h4)
    undone = {e.get("ref_id") for e in entries if e.get("kind") == "reversal" and e.get("ref_id")}
    for line in open_lines:
        named = _named_by_reference(line, entries)
        entry = next((e for e in named if e["_id"] not in used and _same_money(line, e)), None)
        if entry is not None:
            used.add(entry["_id"])
            matched.append({"line": line, "entry": entry, "how": "reference", "confirmed": False})
            continue
        other = next((e for e in named if not _same_money(line, e) and e.get("ref_id") not in undone), None)
        if other is not None:  # its reference names one of ours, of other money: the accountant's to look into
            unmatched.append({**line, "reference_entry": other})
            continue
        left.append(line)
    for line in sorted(left, key=lambda l: (l["date"], l["_id"])):
        near = [e for e in entries if e["_id"] not in used and _same_money(line, e)
                and _days_apart(line, e) <= window_days]
        if not near:
            unmatched.append(line)
            continue
        entry = min(near, key=lambda e: (_days_apart(line, e), e["day"], e["_id"]))
        used.add(entry["_id"])
        matched.append({"line": line, "entry": entry, "how": "amount_date", "confirmed": False})
    order = {line["_id"]: index for index, line in enumerate(lines)}
    matched.sort(key=lambda m: order[m["line"]["_id"]])
    unmatched.sort(key=lambda l: order[l["_id"]])
    entries_left = [e for e in entries if e["_id"] not in used]
    matched_lines = [m["line"] for m in matched]
    return {
        "matched": matched,
        "lines_unmatched": unmatched,
        "entries_unmatched": entries_left,
        "explained": explained,
        "totals": {"statement": _sum(lines),
                   "matched": {"count": len(matched), "confirmed": sum(1 for m in matched if m["confirmed"]),
                               **{k: v for k, v in _sum(matched_lines).items() if k != "count"}},
                   "lines_unmatched": {**_sum(unmatched),
                                       "reference_differs": sum(1 for l in unmatched if l.get("reference_entry"))},
                   "entries_unmatched": _sum(entries_left),
                   "explained": _sum(explained)},
    }


def refuse_confirmation(line, entry, lines):
    """A match the accountant confirms: the entry of the line's money, not another line's confirmed."""
    if not _same_money(line, entry):
        raise BusinessRuleViolation(OTHER_MONEY, [field_error("entry_id", OTHER_MONEY)])
    if any(other["_id"] != line["_id"] and other.get("confirmed_entry") == entry["_id"] for other in lines):
        raise BusinessRuleViolation(CONFIRMED_ELSEWHERE, [field_error("entry_id", CONFIRMED_ELSEWHERE)])


MONEY = ("date", "amount_cents", "direction", "reference")
KEPT = ("confirmed_entry", "confirmed_by", "confirmed_at", "explained", "explanations")


def merge_upload(old, new):
    """The statement's lines after an upload: the new file's alone (a line gone from a corrected
    file is gone), each keeping what the accountant confirmed or explained of the old line of its
    id while it reads the same (its day, direction, amount, reference)."""
    before = {line["_id"]: line for line in old}
    merged = []
    for line in new:
        previous = before.get(line["_id"])
        kept = dict(line)
        if previous is not None and all(previous.get(k) == line.get(k) for k in MONEY):
            kept.update({k: previous[k] for k in KEPT if previous.get(k)})
        merged.append(kept)
    return merged


def public_line(line, roles):
    """A line as its reader sees it: the counterparty masked but for the accountant and the manager."""
    shown = {k: v for k, v in line.items() if k not in ("estate_id", "period") and (k == "_id" or k[:1] != "_")}
    if not SEES_COUNTERPARTY & set(roles):
        shown["counterparty"] = personal_data.mask_name(line.get("counterparty") or "")
        shown["counterparty_account"] = personal_data.mask_account(line.get("counterparty_account") or "")
    return shown


def require_reader(roles):
    if not READERS & set(roles):
        raise Forbidden("the bank statement matching is the accountant's and the manager's")


def refuse_replacing(line, entry, replaces):
    """A line confirmed as one entry, or explained, is confirmed as an entry only when the request says
    it replaces that confirmation or explanation (409): a second tab's, or a second accountant's,
    confirmation silently took the place of the first (found by review r4). The same entry again is no
    change."""
    earlier = line.get("confirmed_entry")
    if earlier and earlier != entry["_id"] and not replaces:
        raise Conflict(CONFIRMED_OTHERWISE, [field_error("data.replaces", REPLACES_NEEDED)])
    # a line explained (money not the estate's, a fee) confirmed as an entry drops its note: asked too,
    # where another accountant's explanation was silently dropped (found by review r10 of h10)
    if not earlier and line.get("explained") and not replaces:
        raise Conflict(EXPLAINED_ALREADY, [field_error("data.replaces", REPLACES_NEEDED)])


def confirmation(line, entry, lines, user, now_iso):
    """The fields a confirmed match sets on its line (``refuse_confirmation`` first)."""
    refuse_confirmation(line, entry, lines)
    return {"confirmed_entry": entry["_id"], "confirmed_by": user, "confirmed_at": now_iso, "explained": None}


def explanation(line, data, user, now_iso):
    """A line the accountant explained (bank interest, a fee, money not the estate's), its note kept;
    a line confirmed as an entry's is not explained too. Explained again, the latest note is its
    explanation and every note is kept, oldest first (``explanations``: who, when, what), where the
    second took the first's place, who wrote it and when lost (session 55's leftovers, found by h4)."""
    if line.get("confirmed_entry"):
        raise BusinessRuleViolation("the line is matched to an entry: it needs no explanation",
                                    [field_error("id", "is matched to an entry")])
    note = {"note": data["note"].strip(), "by": user, "at": now_iso}
    return {"explained": note, "explanations": [*_explanations(line), note]}


def _explanations(line):
    """Every note the line was explained with, oldest first: a line explained before they were kept has
    its one note."""
    if "explanations" in line:
        return list(line["explanations"] or [])
    return [line["explained"]] if line.get("explained") else []


ENTRY_FIELDS = ("kind", "ref_id", "method", "direction", "amount_cents", "day", "cashier", "receipt_number",
                "household_id", "reference")


def public_entry(entry):
    return {"id": entry["_id"], **{k: entry.get(k) for k in ENTRY_FIELDS}}


def public_statement_line(line, roles):
    shown = public_line(line, roles)
    shown["id"] = shown.pop("_id")
    shown.setdefault("counterparty_account", "")  # a line read before it was kept
    shown["explanations"] = _explanations(line)
    for field in ("confirmed_entry", "confirmed_by", "confirmed_at", "explained"):
        shown.setdefault(field, None)
    return shown


def _public_unmatched(line, roles):
    """A line with no entry, naming the entry its reference names when that one is of other money."""
    named = line.get("reference_entry")
    shown = public_statement_line({k: v for k, v in line.items() if k != "reference_entry"}, roles)
    if named is not None:
        shown["reference_entry"] = public_entry(named)
    return shown


def public_report(estate_id, period, window_days, report, roles, now_iso):
    """The matching as the API answers it (``bank_reconciliation``)."""
    return {
        "estate_id": estate_id, "period": period, "window_days": window_days,
        "matched": [{"line": public_statement_line(m["line"], roles), "entry": public_entry(m["entry"]),
                     "how": m["how"], "confirmed": m["confirmed"]} for m in report["matched"]],
        "lines_unmatched": [_public_unmatched(line, roles) for line in report["lines_unmatched"]],
        "entries_unmatched": [public_entry(entry) for entry in report["entries_unmatched"]],
        "explained": [public_statement_line(line, roles) for line in report["explained"]],
        "totals": report["totals"],
        "generated_at": now_iso,
    }


def summary(lines, report):
    """What the month's reconciliation says of its bank statement (``bank_statement``): pointing to it."""
    return {"uploaded": bool(lines), "lines": len(lines), "lines_unmatched": len(report["lines_unmatched"]),
            "entries_unmatched": len(report["entries_unmatched"])}
