"""A phone as dialled (estate_common.phones): the one reading of a number written many ways."""
import pytest

from estate_common.phones import dialled


@pytest.mark.parametrize("written", [
    "13912345678", "139 1234 5678", "139-1234-5678", "139.1234.5678", " 139  1234-5678 ",
    "+86 139 1234 5678", "+8613912345678", "0086 139-1234-5678", "(86) 13912345678", "(+86)139 1234 5678",
    "8613912345678", "１３９１２３４５６７８", "＋８６ １３９－１２３４－５６７８", "139\u20131234\u20135678",
    "139\u00a01234\u00a05678"])
def test_a_mobile_written_any_common_way_is_one_number(written):
    assert dialled(written) == "13912345678"


@pytest.mark.parametrize("written, number", [
    ("0571-8888 1234", "057188881234"), ("(0571) 88881234", "057188881234"),
    ("+86 571 8888 1234", "057188881234"), ("+86 (0)571 8888 1234", "057188881234"),
    ("+852 9123 4567", "0085291234567"), ("123456", "123456")])
def test_a_landline_keeps_its_area_code_and_another_country_its_code(written, number):
    assert dialled(written) == number


@pytest.mark.parametrize("written", [None, 13912345678, "", "   ", "abc", "139123456x8", "12345", "1" * 21,
                                     "++8613912345678", "139+12345678", "13912345678; drop"])
def test_what_is_not_a_phone_is_none(written):
    assert dialled(written) is None


@pytest.mark.parametrize("written, number", [("+86 1234", "01234"), ("0086 1234", "01234"), ("+" + "1" * 20, "00" + "1" * 20)])
def test_what_the_contract_calls_a_phone_is_read_whatever_its_country_code_leaves(written, number):
    """6 to 20 digits as written (openapi's HouseholdPhoneSearch): the contract fuzz sent
    '+86' and four digits, and the search refused what the contract calls valid with a 400; read
    as dialled, it is a number found on nobody."""
    assert dialled(written) == number
