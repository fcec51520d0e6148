"""Reading the previous company's arrears list (移交欠费清单) for an opening balances import: the
columns in either language, the file as Excel writes it, and each cell refused by what it should hold."""
import pytest

from estate_common.errors import InvalidInput
from finance import opening_balance_imports as imports

FLATS = {imports.flat_key("3", "1", "1201"): "hh_1"}


def lines(text, encoding="utf-8"):
    content = text.encode(encoding)
    imports.check(content)
    return list(imports.read_rows(content))


@pytest.mark.parametrize("encoding, bom", [("utf-8", ""), ("utf-8", "\ufeff"), ("gbk", "")])
def test_a_list_in_chinese_as_excel_writes_it_is_read(encoding, bom):
    [(number, cells)] = lines(f"{bom}楼栋,单元,房号,收费项目,月份,金额,单号,备注\n\n3栋,1单元,1201室,物业服务费,2026年8月,"
                              "\"1,234.505\",QD-1,三个月\n", encoding)
    body, errors = imports.body_of(number, cells, FLATS)
    assert number == 3 and errors == []  # the file's own line number, the blank line counted
    assert body == {"household_id": "hh_1", "item": "property_service", "period": "2026-08",
                    "amount_cents": 123451, "reference": "QD-1", "note": "三个月"}  # yuan, half-up to the cent


def test_a_list_by_household_id_and_cents_is_read_too():
    [(number, cells)] = lines("household_id,item,period,amount_cents,reference\nhh_9,parking,2026/8,500,Q\n")
    assert imports.body_of(number, cells, FLATS) == ({"household_id": "hh_9", "item": "parking", "period": "2026-08",
                                                      "amount_cents": 500, "reference": "Q"}, [])


@pytest.mark.parametrize("cells, field, message", [
    ({"building": "9", "unit": "1", "room": "1"}, "household_id", "no household of this estate at this address"),
    ({"item": "物业费"}, "item", imports.ITEM_REFUSED),
    ({"period": "2026-13"}, "period", imports.PERIOD_REFUSED),
    ({"amount": "abc"}, "amount", imports.AMOUNT_REFUSED),
    ({"amount": "-5"}, "amount", imports.AMOUNT_REFUSED),
    ({"amount": "0.004"}, "amount", imports.AMOUNT_REFUSED),  # less than a cent: nothing owed
    # more digits than a Decimal rounds to the cent (28): the job failed unexpectedly, the lines before it
    # carried over and none after, with no result saying which (found by review)
    ({"amount": "1" + "0" * 30}, "amount", imports.AMOUNT_REFUSED),
    ({"amount": "1e30"}, "amount", imports.AMOUNT_REFUSED),
])
def test_a_cell_that_is_not_what_its_column_holds_is_refused_by_line_and_column_never_by_value(cells, field, message):
    row = {"building": "3", "unit": "1", "room": "1201", "item": "物业服务费", "period": "2026-08", "amount": "1",
           "reference": "Q", **cells}
    _, errors = imports.body_of(7, row, FLATS)
    assert errors == [{"row": 7, "field": field, "message": message}]


def test_a_file_without_the_columns_or_lines_or_over_the_cap_is_refused():
    with pytest.raises(InvalidInput):
        imports.check("楼栋,单元,房号\n".encode())  # no line after the header
    with pytest.raises(InvalidInput) as refused:
        list(imports.read_rows("收费项目,月份,金额\n物业服务费,2026-08,1\n".encode()))
    assert "reference" in refused.value.detail and "household_id" in refused.value.detail


@pytest.mark.parametrize("written", ["2026/8/1", "2026-8-1", "2026年8月1日", "2026.8.1", "2026/8/31 0:00", "2026.8",
                                     "２０２６年８月"])
def test_a_month_written_as_a_chinese_spreadsheet_writes_it_or_as_a_day_of_it_is_its_month(written):
    """A list that dates each line by a day of its month (2026/8/1) had every line refused as "must be
    a month" (session 51's leftovers): a day-form date means its month (``estate_common.sheet_dates``)."""
    row = {"building": "3", "unit": "1", "room": "1201", "item": "物业服务费", "period": written, "amount": "1",
           "reference": "Q"}
    body, errors = imports.body_of(7, row, FLATS)
    assert errors == [] and body["period"] == "2026-08"


@pytest.mark.parametrize("nonsense", ["2026/2/30", "2026/13/1", "8/1/2026", "2026-8/1", "上月"])
def test_a_day_that_is_none_of_the_calendar_is_refused_as_its_month(nonsense):
    row = {"building": "3", "unit": "1", "room": "1201", "item": "物业服务费", "period": nonsense, "amount": "1",
           "reference": "Q"}
    _, errors = imports.body_of(7, row, FLATS)
    assert errors == [{"row": 7, "field": "period", "message": imports.PERIOD_REFUSED}]
