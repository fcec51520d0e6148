"""A receipt's total in Chinese capitals (人民币大写): a Chinese receipt (收据) carries its amount in
words, which cannot be altered by a stroke as figures can; the console's printed receipt had figures
only (a probe of the accounts' month end)."""
import pytest

from console.i18n import yuan_in_capitals

from .conftest import ESTATE, sign_in


@pytest.mark.parametrize("cents, words", [
    (0, "零元整"), (5, "伍分"), (50, "伍角整"), (100, "壹元整"), (42004, "肆佰贰拾元零肆分"),
    (30000, "叁佰元整"), (19450, "壹佰玖拾肆元伍角整"), (100005, "壹仟元零伍分"), (100500, "壹仟零伍元整"),
    (105000, "壹仟零伍拾元整"), (1000000, "壹万元整"), (1000500, "壹万零伍元整"), (10000000, "壹拾万元整"),
    (123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"), (10000000000, "壹亿元整"),
    (10001000000, "壹亿零壹万元整"), (12000000012, "壹亿贰仟万元壹角贰分"), (-1250, "负壹拾贰元伍角整")])
def test_an_amount_reads_in_capitals_as_a_chinese_receipt_writes_it(cents, words):
    assert yuan_in_capitals(cents) == words


def test_the_printed_receipt_says_its_total_in_capitals(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    payment = {"id": "pay_1", "household_id": "hh_1", "amount_cents": 42004, "method": "cash",
               "receipt_number": "RC-2026-000001", "status": "posted", "cashier": "carol",
               "receipt": {"number": "RC-2026-000001", "issued_at": "2026-11-30T02:00:00Z", "household_id": "hh_1",
                           "amount_cents": 42004, "method": "cash", "bills": [], "prepaid_cents": 42004}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/payments/pay_1", payment)
    receipt = client.get("/accounts/payments/pay_1/receipt").get_data(as_text=True)
    assert "合计（大写）" in receipt and "人民币肆佰贰拾元零肆分" in receipt
    english = client.get("/accounts/payments/pay_1/receipt", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In words" in english and "人民币肆佰贰拾元零肆分" in english
