"""Households from a spreadsheet: reading CSV and XLSX and checking each row, without broker or
store (the import job itself: interface/test_household_imports.py)."""
import io

import openpyxl
import pytest

from datetime import datetime, timezone

from archive import domain, imports
from estate_common import contracts
from estate_common.errors import InvalidInput

HEADER = "building,unit,room,area_m2,owner_name,owner_phone\n"


def csv_bytes(*rows, header=HEADER, encoding="utf-8"):
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- reading the file ---------------------------------------------------------------

def test_csv_rows_are_read_by_their_column_names():
    rows = list(imports.read_rows("csv", csv_bytes("1,2,301,89.37,Zhang San,13800138000", "", "1,2,302,120,Li Si,13900139000")))
    assert [number for number, _ in rows] == [2, 4]  # blank lines are skipped, numbers stay the file's
    assert rows[0][1] == {"building": "1", "unit": "2", "room": "301", "area_m2": "89.37",
                          "owner_name": "Zhang San", "owner_phone": "13800138000"}


def test_a_value_the_export_escaped_is_read_back_as_it_was():
    """The export puts a ' before a formula's first character; reading its own file back kept it
    ("'=1+1" for a room "=1+1": found by review). A ' before anything else is the owner's own."""
    rows = list(imports.read_rows("csv", csv_bytes("1,2,'=1+1,89.37,'-Li,13800138000",
                                                   "1,2,302,60,'Connor,13900139000")))
    assert (rows[0][1]["room"], rows[0][1]["owner_name"]) == ("=1+1", "-Li")
    assert rows[1][1]["owner_name"] == "'Connor"


def test_chinese_headers_and_gb18030_files_are_understood():
    content = csv_bytes("3,1,101,88.5,王五,13700137000", header="楼栋,单元,房号,面积,业主,电话\n", encoding="gb18030")
    [(_, fields)] = list(imports.read_rows("csv", content))
    assert fields["owner_name"] == "王五" and fields["area_m2"] == "88.5"


def test_xlsx_rows_are_read_from_the_first_sheet():
    content = xlsx_bytes([["building", "unit", "room", "area_m2", "owner_name", "owner_phone"],
                          ["5", "1", "1801", 89.37, "Chen", "13912345678"]])
    [(number, fields)] = list(imports.read_rows("xlsx", content))
    assert number == 2 and fields["area_m2"] == 89.37
    assert imports.household_body(fields)["area_m2"] == 89.37


@pytest.mark.parametrize("file_format, content, says", [
    ("csv", b"", "empty"),
    ("csv", b"building,unit\n1,2\n", "missing: room, area_m2, owner_name, owner_phone"),
    ("xlsx", b"not a workbook", "not an .xlsx workbook"),
    ("pdf", b"%PDF", "format must be"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(file_format, content, says):
    with pytest.raises(InvalidInput) as refused:
        list(imports.read_rows(file_format, content))
    assert says in refused.value.detail and refused.value.errors[0]["field"] == "(file)"


def test_rows_are_read_one_at_a_time():
    rows = imports.read_rows("csv", csv_bytes(*[f"1,1,{n},50,A,13800138000" for n in range(3)]))
    assert not isinstance(rows, list) and next(rows)[0] == 2


@pytest.mark.parametrize("message, value, says", [
    ("'not-a-phone' does not match '^\\\\+?[0-9]$'", "not-a-phone", "the value does not match '^\\\\+?[0-9]$'"),
    ("-5 is less than or equal to the minimum of 0", -5, "the value is less than or equal to the minimum of 0"),
    ("is required", None, "is required"),
    ("value Zhang San is wrong", "Zhang San", "is not valid"),
])
def test_contract_messages_lose_the_value_they_quote(message, value, says):
    assert contracts.without_value(message, value) == says


# -- an area as an owner list types it ------------------------------------------------

@pytest.mark.parametrize("typed, read", [
    ("90㎡", 90), ("90 m2", 90), ("90m²", 90), ("90 M2", 90), ("90平方米", 90), ("90 平米", 90),
    ("８９.５㎡", 89.5),
    ("89,5", 89.5), ("89,55", 89.55), ("89,5 ㎡", 89.5),  # a decimal comma: 1 or 2 digits after it
    ("1,200", 1200), ("1,234.5", 1234.5), ("1,200㎡", 1200),  # a thousands comma: 3 digits after it
    (89.37, 89.37), ("89.37", 89.37),
])
def test_an_area_is_read_with_its_unit_and_a_decimal_comma_that_cannot_group_thousands(typed, read):
    """"90㎡" or "89,5" was refused as of the wrong type ("面积 类型不正确"): the unit is the one the
    field means, and a comma before one or two digits cannot group thousands (a group is three)."""
    assert imports.household_body(_row(area_m2=typed))["area_m2"] == read


@pytest.mark.parametrize("typed", ["about 90", "90 ft2", "1.200,5", "89,5,5", "1,20,0", "90㎡㎡", ""])
def test_an_area_that_cannot_be_read_says_what_the_cell_should_hold_and_not_what_it_held(typed):
    errors = imports.row_errors(7, imports.household_body(_row(area_m2=typed)))
    assert errors == [{"row": 7, "field": "area_m2", "message": imports.AREA_REFUSED}]
    assert "such as 89.5" in imports.AREA_REFUSED


def test_an_area_read_but_out_of_the_contract_is_refused_by_its_rule():
    errors = imports.row_errors(3, imports.household_body(_row(area_m2="70,123")))  # 70123 m²: thousands
    assert errors == [] and imports.household_body(_row(area_m2="70,123"))["area_m2"] == 70123
    errors = imports.row_errors(3, imports.household_body(_row(area_m2="-5㎡")))
    assert [(e["field"], e["message"]) for e in errors] == [("area_m2", "the value is less than or equal to the minimum of 0")]


def _row(**cells):
    return {"building": "1", "unit": "2", "room": "301", "area_m2": "89.5", "owner_name": "张三",
            "owner_phone": "13912345678", **cells}


def test_a_row_of_a_flat_registered_under_another_spelling_is_refused_naming_it_and_the_rest_imported():
    """``save`` refuses a flat registered as written otherwise (3栋 beside 3, within the file too):
    the row is counted refused with why, the job goes on with the next rows."""
    registered = {}

    def save(household, typed_id=None):
        stored = registered.setdefault(household["_address_key"], household)
        if stored is household:
            return None
        if stored["_id"] == household["_id"]:
            return stored
        raise domain.registered_otherwise(stored, household)

    rows = [(2, _row(building="3")), (3, _row(building="3栋")), (4, _row(building="4")), (5, _row(building="3")),
            (6, _row(building="三号楼", room="301室"))]
    result = imports.run("est_1", iter(rows), datetime(2026, 11, 23, tzinfo=timezone.utc), save, lambda *a: None)
    assert {k: result[k] for k in ("rows", "created", "existing", "rejected")} == {
        "rows": 5, "created": 2, "existing": 1, "rejected": 2}
    first = registered[domain.new_household("est_1", imports.household_body(_row(building="3")), datetime.now(
        timezone.utc))["_address_key"]]["_id"]
    says = f"names the flat registered as 3-2-301 (household {first})"
    assert result["errors"] == [{"row": 3, "field": "building", "message": says},
                                {"row": 6, "field": "building", "message": says}]


def test_a_title_above_the_column_names_is_passed_over_and_the_rows_keep_their_numbers():
    """An owner list or a handover weekend's sheet printed for people is headed by a title (and a
    blank line) above its column names (review r3: the job failed, 第一行须为列名)."""
    content = xlsx_bytes([["锦绣花园业主清单"], [], ["building", "unit", "room", "area_m2", "owner_name", "owner_phone"],
                          ["5", "1", "1801", 89.37, "Chen", "13912345678"]])
    [(number, fields)] = list(imports.read_rows("xlsx", content))
    assert number == 4 and fields["room"] == "1801"
    with pytest.raises(InvalidInput) as refused:  # none of the first rows names them: the first row's refusal
        list(imports.read_rows("csv", "标题\n说明\nbuilding,unit\n1,2\n".encode()))
    assert "missing: building, unit, room, area_m2" in refused.value.detail
