"""How typed text is kept: spaces collapsed, none at the ends."""
import re

import pytest

from estate_common.text import address_part, address_spellings, number_text, spaced, typed_code


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
