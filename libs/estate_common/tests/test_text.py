"""How typed text is kept: spaces collapsed, none at the ends."""
import re

import pytest

from estate_common import exports
from estate_common.text import (address_key, address_part, address_reading, address_spellings, formula_safe,
                                number_text, spaced, typed_code)


@pytest.mark.parametrize("typed, kept", [
    ("  Zhang   San ", "Zhang San"),
    ("3\t单元\n", "3 单元"),
    ("张三", "张三"),
    ("   ", ""),
    (None, ""),
])
def test_spaces_collapse_and_the_ends_are_trimmed(typed, kept):
    assert spaced(typed) == kept


@pytest.mark.parametrize("typed, kept", [
    ("３０１", "301"), ("Ａ座", "A座"), (" 10　栋 ", "10 栋"), ("1201", "1201"), ("", ""), (None, "")])
def test_an_address_part_reads_full_width_characters_as_ascii(typed, kept):
    assert address_part(typed) == kept


@pytest.mark.parametrize("typed, read", [
    ("1,200", "1200"), ("1,234.5", "1234.5"), ("８９.５", "89.5"), (" 89.37 ", "89.37"),
    ("89,5", "89,5"), ("1,20", "1,20"), ("12,0000", "12,0000")])
def test_only_thousands_commas_are_taken_out_of_a_number(typed, read):
    assert number_text(typed) == read


def test_an_address_part_is_looked_up_as_kept_and_as_typed_before():
    assert address_spellings("１０") == ["10", "１０"]
    assert address_spellings("10") == ["10"]


@pytest.mark.parametrize("part, typed, read", [
    ("building", "3号楼", "3"), ("building", "3栋", "3"), ("building", "3幢", "3"), ("building", "3#", "3"),
    ("building", "３＃", "3"), ("building", "3#楼", "3"), ("building", "3 号楼", "3"), ("building", "三号楼", "3"),
    ("building", "十二栋", "12"), ("building", "二十三号楼", "23"), ("building", "a座", "A"), ("building", "3", "3"),
    ("unit", "2单元", "2"), ("unit", "二单元", "2"), ("unit", "２", "2"),
    ("room", "1201室", "1201"), ("room", "１２０１", "1201"), ("room", "0103", "0103"), ("room", "1201号", "1201"),
])
def test_an_address_part_written_in_a_common_form_reads_as_its_number_or_letter(part, typed, read):
    assert address_reading(typed, part) == read


@pytest.mark.parametrize("part, typed", [
    ("building", "3楼"),  # a floor as often as a building
    ("building", "一期3栋"), ("building", "三三"), ("building", "东区"), ("building", ""),
    ("unit", "3号楼"),  # a building's word is no unit's
    ("room", "三室"), ("room", "b-01"),
])
def test_an_address_part_in_no_common_form_is_not_read(part, typed):
    assert address_reading(typed, part) is None
    assert address_key(typed, part) == address_part(typed).upper()


def test_an_address_part_is_looked_up_in_every_common_form_of_its_reading():
    """What an owner types finds what an owner list registered, each way round; every spelling
    looked up reads as the text typed, so no other building, unit or room is found."""
    building = address_spellings("3号楼", "building")
    assert {"3", "3栋", "3幢", "3#", "3号楼", "3 号楼", "三号楼", "3号楼"} <= set(building)
    assert address_spellings("3", "building") == building  # the same forms, whichever was typed
    assert "A座" in address_spellings("a座", "building") and "a" in address_spellings("A座", "building")
    assert "二单元" in address_spellings("2", "unit") and "1201室" in address_spellings("1201", "room")
    for part, typed in (("building", "3号楼"), ("building", "十二栋"), ("unit", "2单元"), ("room", "1201室"),
                        ("building", "B座")):
        for spelling in address_spellings(typed, part):
            assert address_key(spelling, part) == address_key(typed, part), spelling
    assert "30" not in building and "3楼" not in building and "03" not in address_spellings("3", "building")
    assert address_spellings("一期3栋", "building") == ["一期3栋"]  # not read: as kept only
    assert address_spellings("１０") == ["10", "１０"]  # no part named: as kept and as typed, as before


def test_a_code_the_contract_admits_is_kept_as_its_ascii_twin_in_upper_case():
    """``TypedCode`` (a checkpoint's, a fire facility's code) admits the full-width forms an IME
    types; each is kept as the ASCII code it reads as, which the ASCII pattern holds."""
    from estate_common import contracts
    book = contracts.load()
    ascii_code = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")
    typed = ["Ｅ１", "ａ－２", "ｆｅ－１＿ａ", "fe-1", "Ｆ" * 32, "９９"]
    for code in typed:
        assert book.errors("openapi.yaml#/components/schemas/TypedCode", code) == [], code
        assert ascii_code.fullmatch(typed_code(code)), code
    assert [typed_code(code) for code in typed[:4]] == ["E1", "A-2", "FE-1_A", "FE-1"]
    for code in ("Ｅ １", "－Ｅ１", "①", "Ｅ" * 33, "E1 "):  # refused as they are typed
        assert book.errors("openapi.yaml#/components/schemas/TypedCode", code), code


def test_a_csv_cell_that_a_spreadsheet_would_run_is_kept_text_one_rule_for_the_exports_and_the_console():
    for value in ("=HYPERLINK(\"http://x\")", "+86 138", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert formula_safe(value) == "'" + value == exports.escape(value)
    for value in ("年终小区1", "YE01", 12, -12.5, None, True, ""):
        assert formula_safe(value) == value == exports.escape(value)
