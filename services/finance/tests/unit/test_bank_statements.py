"""The accountant's bank statement matching (银行对账): a statement's lines read as banks export them,
matched to the bank journal's entries by reference first, then by amount within a date window,
each entry matched once; what is left on either side listed with totals."""
import pytest

from estate_common.errors import BusinessRuleViolation, InvalidInput
from finance import bank_statements as bs

PERIOD = ("2026-11-01", "2026-11-30")


def read(text, encoding="utf-8"):
    content = text.encode(encoding)
    bs.check(content)
    return bs.read_statement(content, "est_1", "2026-11", *PERIOD)


def entry(_id, day, cents, direction="in", reference=None, receipt=None, method="transfer", kind="payment"):
    return {"_id": _id, "day": day, "amount_cents": cents, "direction": direction, "reference": reference,
            "receipt_number": receipt, "method": method, "kind": kind, "journal": "bank"}


def test_a_statement_in_chinese_as_a_bank_exports_it_is_read():
    lines, errors = read("\ufeff交易日期,交易金额,收支,流水号,对方户名\n2026/11/3,\"1,234.505\",贷,TX-1,张三\n"
                         "2026-11-04,80,支出,,李四\n")
    assert errors == []
    first, second = lines
    assert (first["date"], first["amount_cents"], first["direction"], first["reference"], first["counterparty"]) == \
        ("2026-11-03", 123451, "in", "TX-1", "张三")  # yuan, half-up to the cent; 贷 is money in
    assert (second["direction"], second["reference"], second["line"]) == ("out", "", 3)
    assert first["_id"] != second["_id"]


def test_a_line_refused_is_reported_without_its_value_and_the_others_read():
    lines, errors = read("date,amount,direction,reference,counterparty\n2026-10-31,10,in,A,王五13812345678\n"
                         "2026-11-02,abc,in,B,x\n2026-11-02,5,sideways,C,x\n2026-11-02,5,in,D,x\n")
    assert [line["reference"] for line in lines] == ["D"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "date"), (3, "amount"), (4, "direction")]
    assert "13812345678" not in repr(errors) and "abc" not in repr(errors)


def test_a_reference_twice_in_one_statement_is_refused_and_identical_lines_without_one_kept_apart():
    lines, errors = read("date,amount,direction,reference\n2026-11-02,5,in,A\n2026-11-02,5,in,A\n"
                         "2026-11-03,7,in,\n2026-11-03,7,in,\n")
    assert [(e["row"], e["field"]) for e in errors] == [(3, "reference")]
    assert len(lines) == 3 and len({line["_id"] for line in lines}) == 3


def test_the_same_file_read_again_gives_the_same_line_ids():
    text = "date,amount,direction,reference\n2026-11-02,5,in,A\n2026-11-03,7,in,\n"
    assert [line["_id"] for line in read(text)[0]] == [line["_id"] for line in read(text)[0]]


def test_a_file_without_the_columns_is_refused():
    with pytest.raises(InvalidInput):
        read("date,amount\n2026-11-02,5\n")


def line(_id, date, cents, direction="in", reference="", **kw):
    return {"_id": _id, "date": date, "amount_cents": cents, "direction": direction, "reference": reference,
            "counterparty": "", **kw}


def test_a_reference_matches_first_then_amount_within_the_window_each_entry_once():
    lines = [line("l1", "2026-11-05", 500, reference="WX-9"), line("l2", "2026-11-06", 500),
             line("l3", "2026-11-20", 500), line("l4", "2026-11-07", 900)]
    entries = [entry("e1", "2026-11-01", 500), entry("e2", "2026-11-05", 500, reference="WX-9"),
               entry("e3", "2026-11-05", 500), entry("e4", "2026-11-07", 900, direction="out")]
    report = bs.match(lines, entries, window_days=3)
    pairs = {m["line"]["_id"]: (m["entry"]["_id"], m["how"]) for m in report["matched"]}
    # the reference takes e2 though l2's date is as close; l2 then takes the nearest unmatched day (e3, not e1)
    assert pairs == {"l1": ("e2", "reference"), "l2": ("e3", "amount_date")}
    assert [l["_id"] for l in report["lines_unmatched"]] == ["l3", "l4"]  # l3 outside the window; l4 the wrong way
    assert [e["_id"] for e in report["entries_unmatched"]] == ["e1", "e4"]
    totals = report["totals"]
    assert totals["lines_unmatched"] == {"count": 2, "in_cents": 1400, "out_cents": 0, "reference_differs": 0}
    assert totals["entries_unmatched"] == {"count": 2, "in_cents": 500, "out_cents": 900}
    assert totals["matched"] == {"count": 2, "confirmed": 0, "in_cents": 1000, "out_cents": 0}
    assert totals["statement"] == {"count": 4, "in_cents": 2400, "out_cents": 0}


def test_a_transfer_arriving_the_next_day_is_matched_and_the_window_is_the_estates():
    lines = [line("l1", "2026-11-02", 300)]
    entries = [entry("e1", "2026-10-31", 300)]  # posted on the owner's word two days before
    assert bs.match(lines, entries, window_days=3)["matched"][0]["entry"]["_id"] == "e1"
    assert bs.match(lines, entries, window_days=1)["matched"] == []


def test_a_confirmed_match_holds_and_an_explained_line_is_set_apart():
    lines = [line("l1", "2026-11-02", 300, confirmed_entry="e2"), line("l2", "2026-11-02", 300),
             line("l3", "2026-11-09", 42, explained={"note": "bank interest 利息", "by": "acc"})]
    entries = [entry("e1", "2026-11-02", 300), entry("e2", "2026-11-03", 300)]
    report = bs.match(lines, entries, window_days=3)
    pairs = {m["line"]["_id"]: (m["entry"]["_id"], m["how"], m["confirmed"]) for m in report["matched"]}
    assert pairs == {"l1": ("e2", "confirmed", True), "l2": ("e1", "amount_date", False)}
    assert [l["_id"] for l in report["explained"]] == ["l3"] and report["lines_unmatched"] == []
    assert report["totals"]["explained"] == {"count": 1, "in_cents": 42, "out_cents": 0}


def test_a_match_is_confirmed_only_of_the_same_money_and_an_entry_not_confirmed_elsewhere():
    lines = [line("l1", "2026-11-02", 300), line("l2", "2026-11-02", 300, confirmed_entry="e2")]
    entries = [entry("e1", "2026-11-02", 300), entry("e2", "2026-11-02", 300), entry("e3", "2026-11-02", 301)]
    assert bs.refuse_confirmation(lines[0], entries[0], lines) is None
    with pytest.raises(BusinessRuleViolation):
        bs.refuse_confirmation(lines[0], entries[2], lines)  # another amount
    with pytest.raises(BusinessRuleViolation):
        bs.refuse_confirmation(lines[0], entries[1], lines)  # l2's already


def test_a_statement_uploaded_again_replaces_its_lines_keeping_what_the_accountant_did_of_unchanged_lines():
    old = [line("l1", "2026-11-02", 300, confirmed_entry="e1"), line("l2", "2026-11-03", 50, explained={"note": "n"}),
           line("l3", "2026-11-04", 70, confirmed_entry="e3")]
    new = [line("l1", "2026-11-02", 300), line("l2", "2026-11-03", 55), line("l4", "2026-11-05", 9)]
    merged = bs.merge_upload(old, new)
    assert [l["_id"] for l in merged] == ["l1", "l2", "l4"]  # l3 gone with the corrected file, none twice
    assert merged[0].get("confirmed_entry") == "e1"
    assert not merged[1].get("explained")  # its amount corrected: what was explained of it no longer holds


def test_the_counterparty_is_masked_but_for_the_accountant_and_the_manager():
    shown = line("l1", "2026-11-02", 300, counterparty="张三丰")
    assert bs.public_line(shown, {"accountant"})["counterparty"] == "张三丰"
    assert bs.public_line(shown, {"manager"})["counterparty"] == "张三丰"
    assert bs.public_line(shown, {"cashier"})["counterparty"] != "张三丰"


def test_a_line_whose_reference_names_an_entry_of_other_money_is_flagged_not_matched_to_another():
    """The bank's reference names a payment (its transaction id or its receipt number) whose amount
    or direction differs (a transfer of 450.00 posted as 500.00): it was left among the lines with no
    entry, said no more, or matched by its amount to another payment of its day, as if equal. It is
    set apart for the accountant, naming the entry (found by h4, the last session's note)."""
    lines = [line("l1", "2026-11-05", 45000, reference="WX-9"), line("l2", "2026-11-06", 300, reference="RC-2026-000007"),
             line("l3", "2026-11-06", 700, reference="OTHER")]
    entries = [entry("e1", "2026-11-05", 50000, reference="WX-9"), entry("e2", "2026-11-05", 45000),
               entry("e3", "2026-11-06", 300, direction="out", receipt="RC-2026-000007"),
               entry("e4", "2026-11-06", 700)]
    report = bs.match(lines, entries, window_days=3)
    assert {m["line"]["_id"]: m["entry"]["_id"] for m in report["matched"]} == {"l3": "e4"}  # no reference of ours
    assert [l["_id"] for l in report["lines_unmatched"]] == ["l1", "l2"]
    assert {l["_id"]: l["reference_entry"]["_id"] for l in report["lines_unmatched"]} == {"l1": "e1", "l2": "e3"}
    assert [e["_id"] for e in report["entries_unmatched"]] == ["e1", "e2", "e3"]
    assert report["totals"]["lines_unmatched"]["reference_differs"] == 2
    shown = bs.public_report("est_1", "2026-11", 3, report, ["accountant"], "2026-11-30T00:00:00Z")
    assert shown["lines_unmatched"][0]["reference_entry"]["id"] == "e1"
    assert shown["lines_unmatched"][0]["reference_entry"]["amount_cents"] == 50000
    # a line whose reference names nothing of ours, or an entry of its own money, has none
    assert "reference_entry" not in bs.match([line("l9", "2026-11-05", 10, reference="NONE")], [], 3)["lines_unmatched"][0]


# -- the layout most Chinese banks export: separate 借方金额 / 贷方金额 columns, an account header block above
# the headings row, GBK text (found by review r4) -------------------------------------------------------------

ICBC = ("中国工商银行账户明细\n"
        "账号：,6222020200112233445,户名：,某某物业服务有限公司\n"
        "起止日期：,2026-11-01,至,2026-11-30\n"
        "\n"
        "交易日期,摘要,对方户名,对方账号,借方发生额,贷方发生额,余额,交易流水号\n"
        "2026-11-03,转账,张三,6217000011112222,,\"1,234.50\",\"51,234.50\",ICBC0001\n"
        "2026-11-04,手续费,,,5.00,,\"51,229.50\",ICBC0002\n"
        "2026-11-05,转账,李四,6217000033334444,,300.00,\"51,529.50\",\n")


def test_an_icbc_export_with_debit_and_credit_columns_and_an_account_block_in_gbk_is_read():
    lines, errors = read(ICBC, "gbk")
    assert errors == []
    assert [(l["line"], l["date"], l["direction"], l["amount_cents"], l["reference"], l["counterparty"]) for l in lines] \
        == [(6, "2026-11-03", "in", 123450, "ICBC0001", "张三"), (7, "2026-11-04", "out", 500, "ICBC0002", ""),
            (8, "2026-11-05", "in", 30000, "", "李四")]  # 贷方 is money in, 借方 out; line numbers as the file's
    # the counterparty's account number (对方账号) kept on the line, for the accountant to tell two 张三 apart
    assert [l["counterparty_account"] for l in lines] == ["6217000011112222", "", "6217000033334444"]


def test_a_ccb_and_an_abc_export_are_read_with_their_own_headings():
    ccb = ("账户名称,某某物业\n账号,4400123456789\n"
           "交易时间,借方发生额（支取）,贷方发生额（收入）,余额,对方户名,摘要,账户明细编号-交易流水号\n"
           "2026/11/06,0.00,88.00,100.00,王五,物业费,CCB-9\n"
           "2026/11/07,12.00,0.00,88.00,,短信费,CCB-10\n")  # the other column 0.00, as CCB fills it
    lines, errors = read(ccb, "gbk")
    assert errors == []
    assert [(l["direction"], l["amount_cents"], l["line"]) for l in lines] == [("in", 8800, 4), ("out", 1200, 5)]
    abc = "交易日期,支出金额,收入金额,账户余额,对方户名,交易流水号\n20261108,,66.60,1.00,赵六,ABC1\n"
    lines, errors = read(abc)
    assert errors == [] and (lines[0]["direction"], lines[0]["amount_cents"]) == ("in", 6660)


def test_a_line_with_both_or_neither_of_its_debit_and_credit_filled_is_refused_with_its_reason():
    lines, errors = read("交易日期,借方金额,贷方金额,交易流水号\n2026-11-03,5.00,6.00,A\n2026-11-03,,,B\n"
                         "2026-11-03,,-,C\n2026-11-03,abc,,D\n2026-11-03,,7.00,E\n")
    assert [l["reference"] for l in lines] == ["E"]
    assert [(e["row"], e["field"], e["message"]) for e in errors] == [
        (2, "amount", bs.BOTH_SIDES), (3, "amount", bs.NEITHER_SIDE), (4, "amount", bs.NEITHER_SIDE),
        (5, "debit", bs.AMOUNT_REFUSED)]


def test_a_file_whose_headings_row_is_not_within_its_first_lines_is_refused():
    with pytest.raises(InvalidInput):
        read("账号：,123\n户名：,某某\n交易日期,借方金额,余额\n2026-11-03,5,6\n")  # no 贷方 column, no direction


# -- exports as the accountant gets them (found by review r10 of h10) ------------------------------------------

def test_a_total_row_at_the_bottom_of_a_bank_s_export_is_skipped_not_refused():
    """ICBC and CCB close the table with 合计 (本页合计, Total): its sums were refused as a line with no day
    and both columns filled, two refusals for a row that is no movement."""
    lines, errors = read(ICBC + "合计,,,,5.00,\"1,534.50\",,\n本页合计：3笔,,,,5.00,\"1,534.50\",,\n", "gbk")
    assert errors == [] and len(lines) == 3
    lines, errors = read("Date,Debit,Credit\n2026-11-03,,1.00\nTotal,0.00,1.00\n")
    assert errors == [] and len(lines) == 1
    # a line with no day that is no total is still refused
    lines, errors = read("交易日期,借方金额,贷方金额\n2026-11-03,,1.00\n转账合计说明,,2.00\n")
    assert [(e["row"], e["field"]) for e in errors] == [(3, "date")]


def test_a_gb18030_file_with_its_byte_order_mark_is_read():
    """A GB18030 file starts with its own BOM (84 31 95 33): its first heading read \\ufeff交易日期 and the
    whole file was refused for want of a day column."""
    content = b"\x84\x31\x95\x33" + "交易日期,借方金额,贷方金额,对方户名\n2026-11-03,,\"¥1,234.50\",张三\n".encode("gb18030")
    bs.check(content)
    lines, errors = bs.read_statement(content, "est_1", "2026-11", *PERIOD)
    assert errors == [] and (lines[0]["amount_cents"], lines[0]["direction"], lines[0]["counterparty"]) == \
        (123450, "in", "张三")


def test_a_foreign_bank_s_export_with_english_headings_is_read():
    lines, errors = read("Transaction Date,Value Date,Description,Debit Amount,Credit Amount,Balance,"
                         "Reference No.,Counterparty Name\n"
                         "2026-11-03,2026-11-03,TRANSFER,,\"1,000.00\",\"1,000.00\",HSBC1,ZHANG SAN\n"
                         "2026-11-04,2026-11-04,CHARGES,12.50,,987.50,HSBC2,\n")
    assert errors == []
    assert [(l["direction"], l["amount_cents"], l["reference"], l["counterparty"]) for l in lines] == \
        [("in", 100000, "HSBC1", "ZHANG SAN"), ("out", 1250, "HSBC2", "")]
    lines, errors = read("Date,Description,Withdrawal,Deposit,Balance\n2026-11-05,x,,88.00,1\n")
    assert errors == [] and (lines[0]["direction"], lines[0]["amount_cents"]) == ("in", 8800)


def test_a_negative_amount_in_a_debit_or_credit_column_is_a_reversal_the_other_way():
    """A 冲正 is written red, a negative amount in the column of what it reverses: a credit of -300.00 is
    the 300.00 taken back out (refused as "above zero", the month's reversal left with no line)."""
    lines, errors = read("交易日期,摘要,借方金额,贷方金额,交易流水号\n2026-11-03,冲正,,-300.00,R1\n"
                         "2026-11-04,手续费冲正,-5.00,,R2\n2026-11-05,转账,,\"-¥1,200.00\",R3\n")
    assert errors == []
    assert [(l["direction"], l["amount_cents"]) for l in lines] == [("out", 30000), ("in", 500), ("out", 120000)]


def test_a_signed_amount_without_a_direction_column_is_read_by_its_sign():
    """招商银行's and 中国银行's own exports write one 交易金额, money out with its minus sign, and no 收支
    column: the file was refused whole for want of a direction (found by review r10 of h10)."""
    lines, errors = read("交易日,交易金额,联机余额,交易摘要\n2026-11-03,\"-1,000.00\",5.00,转账\n"
                         "2026-11-04,\"¥2,000.50\",5.00,转账\n2026-11-05,+3.00,1,利息\n2026-11-06,0.00,1,x\n")
    assert [(l["direction"], l["amount_cents"]) for l in lines] == [("out", 100000), ("in", 200050), ("in", 300)]
    assert [(e["row"], e["field"]) for e in errors] == [(5, "amount")]
    # a direction column the reader does not know is no signed layout: the file is refused as before
    with pytest.raises(InvalidInput):
        read("交易日期,交易金额,借贷方向标识\n2026-11-03,5.00,借\n")


def test_a_file_of_one_amount_and_no_direction_none_of_it_signed_is_refused_as_before():
    """Every line of it would be read as money in: no signed export, its direction not said."""
    with pytest.raises(InvalidInput) as refused:
        read("交易日期,交易金额\n2026-11-03,5.00\n2026-11-04,\"1,000.00\"\n")
    assert "direction" in str(refused.value)


# -- exports as a Chinese bank writes them: the payer and the payee named, negatives written the accountant's
# way, the footer under the table (session 55's leftovers, found by h4) -------------------------------------

def test_the_payer_or_the_payee_is_the_counterparty_by_the_line_s_direction():
    """中国银行 and others name both sides of a transfer, 付款人 and 收款人, the estate being one of them: the
    counterparty is the payer of money in and the payee of money out. It was read as no counterparty."""
    boc = ("交易日期,付款人名称,付款人账号,收款人名称,收款人账号,借方金额,贷方金额,交易流水号\n"
           "2026-11-03,张三,6217000011112222,某某物业服务有限公司,4400123456789,,300.00,B1\n"
           "2026-11-04,某某物业服务有限公司,4400123456789,王五保洁公司,6228480012345678,120.00,,B2\n")
    lines, errors = read(boc, "gbk")
    assert errors == []
    assert [(l["direction"], l["counterparty"], l["counterparty_account"]) for l in lines] == \
        [("in", "张三", "6217000011112222"), ("out", "王五保洁公司", "6228480012345678")]
    # 对方户名 / 对方账号 where the bank writes them
    lines, errors = read("交易日期,对方户名,对方账号,交易金额,收支\n2026-11-05,李四,6217 0000 5555 6666,8.00,收入\n")
    assert errors == [] and (lines[0]["counterparty"], lines[0]["counterparty_account"]) == \
        ("李四", "6217000055556666")


def test_the_counterparty_s_account_is_masked_to_its_last_four_but_for_the_accountant_and_the_manager():
    shown = line("l1", "2026-11-02", 300, counterparty="张三丰", counterparty_account="6217000011112222")
    assert bs.public_line(shown, {"accountant"})["counterparty_account"] == "6217000011112222"
    assert bs.public_line(shown, {"cashier"})["counterparty_account"] == "************2222"
    assert bs.public_statement_line(line("l2", "2026-11-02", 300), {"accountant"})["counterparty_account"] == ""


def test_an_amount_with_its_minus_after_it_or_in_brackets_is_negative():
    """Some banks and every accountant's spreadsheet write money out as 123.45- or (123.45), （123.45） in
    full-width brackets: each was refused as no amount, and a signed export of them refused whole."""
    lines, errors = read("交易日期,交易金额,交易摘要\n2026-11-03,\"1,000.00-\",转账\n2026-11-04,(12.50),费\n"
                         "2026-11-05,（3.00）,费\n2026-11-06,¥8.00,利息\n")
    assert errors == []
    assert [(l["direction"], l["amount_cents"]) for l in lines] == \
        [("out", 100000), ("out", 1250), ("out", 300), ("in", 800)]
    # in a debit or credit column, a reversal the other way, as the minus sign before it is
    lines, errors = read("交易日期,借方金额,贷方金额,交易流水号\n2026-11-03,,(300.00),R1\n2026-11-04,5.00-,,R2\n")
    assert errors == [] and [(l["direction"], l["amount_cents"]) for l in lines] == [("out", 30000), ("in", 500)]
    # with a direction column, a negative amount is refused as before, whichever way it is written
    lines, errors = read("交易日期,交易金额,收支\n2026-11-03,(5.00),收入\n2026-11-04,5.00-,收入\n")
    assert lines == [] and [(e["row"], e["field"]) for e in errors] == [(2, "amount"), (3, "amount")]


def test_the_rows_under_the_table_are_skipped_never_read_as_lines_or_refused():
    """Below the movements a bank writes its page's sums, the running total, the count of lines, when it
    was printed, a ruled line and 以下空白: each was refused as a line (no day, no amount)."""
    footer = ("本页合计,,,,5.00,\"1,534.50\",,\n"
              "累计,,,,5.00,\"1,534.50\",,\n"
              "本年累计：,,,,5.00,\"9,534.50\",,\n"
              "共 3 笔,,,,,,,\n"
              "共3笔,收入3笔,,,,,,\n"
              "------,------,------,,,,,\n"
              ",,,,,,,\n"
              "***以下空白***,,,,,,,\n"
              "打印时间：2026-12-01 10:23:11,,,,,,,\n"
              "打印时间,2026-12-01 10:23,,,,,,\n"
              "以下空白\n")
    lines, errors = read(ICBC + footer, "gbk")
    assert errors == [] and len(lines) == 3
    # the print time's day in the day's own column: a row with no money is no movement either
    lines, errors = read("户名,交易日期,借方金额,贷方金额\n,2026-11-03,,1.00\n打印时间：,2026-11-30 10:00,,\n")
    assert errors == [] and len(lines) == 1
    # a line of the month with money is read whatever its first cell says
    lines, errors = read("摘要,交易日期,借方金额,贷方金额\n累计利息,2026-11-21,,1.00\n")
    assert errors == [] and len(lines) == 1


def test_a_months_total_row_dated_with_both_columns_filled_is_skipped_not_refused():
    """本月合计 dated the month's last day in the day's column, the debit and credit sums beside it: a row of the
    table's sums, refused as a line with both columns filled (found by h2, the bank statement's leftovers); a
    line of the month with one column filled is still read whatever its first cell says."""
    lines, errors = read("摘要,交易日期,借方金额,贷方金额\n转账,2026-11-03,,1.00\n手续费,2026-11-04,5.00,\n"
                         "本月合计,2026-11-30,5.00,1.00\n")
    assert errors == [] and [(l["direction"], l["amount_cents"]) for l in lines] == [("in", 100), ("out", 500)]
    lines, errors = read("摘要,交易日期,借方金额,贷方金额\n本月合计,2026-11-30,,1.00\n")  # one column: a line
    assert errors == [] and len(lines) == 1
    lines, errors = read("摘要,交易日期,借方金额,贷方金额\n转账,2026-11-30,5.00,1.00\n")  # no total: refused
    assert [e["row"] for e in errors] == [2] and lines == []


def test_a_line_explained_again_keeps_every_note_the_latest_its_explanation():
    """A second note took the first's place, who wrote it and when lost (session 55's leftovers, h4)."""
    first = line("l1", "2026-11-02", 35)
    first.update(bs.explanation(first, {"note": " 利息 "}, "acc", "2026-11-30T01:00:00Z"))
    second = {**first, **bs.explanation(first, {"note": "手续费退回"}, "boss", "2026-12-02T01:00:00Z")}
    assert second["explained"] == {"note": "手续费退回", "by": "boss", "at": "2026-12-02T01:00:00Z"}
    assert second["explanations"] == [{"note": "利息", "by": "acc", "at": "2026-11-30T01:00:00Z"},
                                      second["explained"]]
    # a line explained before the notes were kept shows its one note as its history
    legacy = line("l2", "2026-11-02", 35, explained={"note": "n", "by": "acc", "at": "2026-11-30T01:00:00Z"})
    assert bs.public_statement_line(legacy, {"accountant"})["explanations"] == [legacy["explained"]]
    assert bs.explanation(legacy, {"note": "m"}, "boss", "2026-12-02T01:00:00Z")["explanations"][0]["note"] == "n"
    # kept through an upload again, and through a confirmation that replaces the note
    merged = bs.merge_upload([second], [line("l1", "2026-11-02", 35)])
    assert merged[0]["explanations"] == second["explanations"]
    confirmed = bs.confirmation(second, {"_id": "e1", "direction": "in", "amount_cents": 35}, [second], "acc", "t")
    assert "explanations" not in confirmed and confirmed["explained"] is None


# -- the exports of 中国银行 and 招商银行 as they are written (review r4 of h4) ---------------------------------------

BOC = ("交易类型[ Transaction Type ],业务类型[ Business type ],付款人开户行号[ Payer account bank ],"
       "付款人开户行名[ Payer account bank name ],付款人账号[ Debit Account No. ],付款人名称[ Payer's Name ],"
       "收款人开户行行号[ Beneficiary account bank ],收款人开户行名[ Beneficiary account bank name ],"
       "收款人账号[ Payee's Account Number ],收款人名称[ Payee's Name ],交易日期[ Transaction Date ],"
       "交易时间[ Transaction time ],交易货币[ Trade Currency ],交易金额[ Trade Amount ],"
       "交易后余额[ After-transaction balance ],交易流水号[ Transaction reference number ],摘要[ Reference ],"
       "交易附言[ Remark ]\n"
       "来账,转账,104100,中国银行某支行,6217000011112222,张三,104100,中国银行某支行,4400123456789,某某物业服务有限公司,"
       "20261103,10:12:00,CNY,300.00,\"1,300.00\",BOC0001,物业费,2026年11月物业费\n"
       "往账,转账,104100,中国银行某支行,4400123456789,某某物业服务有限公司,103100,农业银行某支行,6228480012345678,"
       "王五保洁公司,20261104,09:00:00,CNY,-120.00,\"1,180.00\",BOC0002,保洁费,11月保洁\n")


def test_a_boc_export_with_its_bilingual_headings_is_read_the_payer_or_payee_its_counterparty():
    """中国银行 writes each heading in both languages, 交易日期[ Transaction Date ]: the whole file was refused as
    naming neither its day nor its amount, though its payer and payee were read for it (h4's 中国银行)."""
    lines, errors = read(BOC, "gbk")
    assert errors == []
    assert [(l["date"], l["direction"], l["amount_cents"], l["reference"], l["counterparty"], l["counterparty_account"])
            for l in lines] == [("2026-11-03", "in", 30000, "BOC0001", "张三", "6217000011112222"),
                                ("2026-11-04", "out", 12000, "BOC0002", "王五保洁公司", "6228480012345678")]
    # a debit/credit export whose headings carry such a note, in full-width brackets too
    lines, errors = read("交易日期【Date】,借方金额[ Debit ],贷方金额[ Credit ],对方户名[ Name ]\n2026-11-05,,8.00,李四\n")
    assert errors == [] and [(l["direction"], l["amount_cents"], l["counterparty"]) for l in lines] == [("in", 800, "李四")]


def test_a_cmb_export_s_counterparty_account_written_with_帐_is_kept():
    """招商银行 heads the counterparty's account 收/付方帐号 (帐, not 账): its account was read as none."""
    cmb = ("交易日,交易时间,起息日,交易类型,借方金额,贷方金额,余额,摘要,流水号,流程实例号,业务名称,用途,业务参考号,"
           "业务摘要,其它摘要,收/付方分行名,收/付方名称,收/付方帐号,收/付方开户行行号,收/付方开户行名\n"
           "20261103,10:00:00,20261103,转账,,300.00,\"1,300.00\",物业费,C0001,,,,,,,深圳,张三,6217000011112222,308584,招商银行\n")
    lines, errors = read(cmb, "gbk")
    assert errors == []
    assert [(l["counterparty"], l["counterparty_account"]) for l in lines] == [("张三", "6217000011112222")]


def test_a_reversal_in_a_debit_or_credit_column_keeps_the_counterparty_of_its_column():
    """A transfer in reversed (冲正, -300.00 in the credit column) is written with the transfer's own payer and
    payee: its money goes out, but the counterparty is still the payer, 张三. It was read as the payee of money
    out, the estate itself, its own account shown as the counterparty's (review r4 of h4)."""
    lines, errors = read("交易日期,付款人名称,付款人账号,收款人名称,收款人账号,借方金额,贷方金额,交易流水号\n"
                         "2026-11-03,张三,6217000011112222,某某物业服务有限公司,4400123456789,,300.00,B1\n"
                         "2026-11-05,张三,6217000011112222,某某物业服务有限公司,4400123456789,,-300.00,B1R\n"
                         "2026-11-06,某某物业服务有限公司,4400123456789,王五保洁公司,6228480012345678,(120.00),,B2R\n")
    assert errors == []
    assert [(l["direction"], l["counterparty"], l["counterparty_account"]) for l in lines] == [
        ("in", "张三", "6217000011112222"), ("out", "张三", "6217000011112222"),
        ("in", "王五保洁公司", "6228480012345678")]


def test_a_deposits_reversing_entries_are_read_as_one_payment_whatever_their_order():
    """(found by r3 reviewing h3) The entries of one deposit's deductions paid back, in one journal, are one
    transfer at the bank: one entry, the same id in any order (a confirmation names it)."""
    def back(entry_id, cents, deposit_id="dep_1", method="wechat"):
        return {"_id": entry_id, "ref_id": entry_id, "kind": "deposit_deduction_reversal", "journal": "bank",
                "method": method, "direction": "out", "amount_cents": cents, "deposit_id": deposit_id}
    entries = [back("je_b", 5000), back("je_a", 30000), back("je_c", 700, deposit_id="dep_2"),
               back("je_d", 100, method="alipay")]
    for ordered in (entries, entries[::-1]):
        read = {e["_id"]: e["amount_cents"] for e in bs.at_the_bank(ordered)}
        assert read == {"je_a": 35000, "je_c": 700, "je_d": 100}
    assert entries[0]["amount_cents"] == 5000  # the entries themselves untouched
