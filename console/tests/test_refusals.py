"""The services' refusal sentences on Chinese pages (``console/refusals.py``).

The catalogue is checked against the sources: every sentence a service or the gateway writes has
its Chinese, and no entry outlives its sentence."""
import re

import pytest
from flask import g

from console import i18n, refusals
from console.messages import CATALOGUES
from console.refusal_catalogue import ZH

from .conftest import ESTATE, csrf_of, problem, sign_in
from .refusal_sources import sentences

_VALUE = re.compile(r"(?<!\{)\{(\d+)(?::([a-z_]+))?\}")


def test_every_refusal_the_sources_write_has_its_chinese_and_no_other():
    written = sentences()
    missing = sorted(f"{where}: {text}" for text, where in written.items() if text not in ZH)
    assert not missing, "refusals without Chinese (add them to console/refusal_catalogue.py):\n" + "\n".join(missing)
    stale = sorted(set(ZH) - set(written))
    assert not stale, "catalogue entries no source writes any more:\n" + "\n".join(stale)


@pytest.mark.parametrize("english", sorted(ZH))
def test_a_chinese_refusal_keeps_every_value_and_names_only_known_groups(english):
    chinese = ZH[english]
    assert chinese and not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", _VALUE.sub("", chinese)), chinese
    assert {m.group(1) for m in _VALUE.finditer(english)} == {m.group(1) for m in _VALUE.finditer(chinese)}
    for found in _VALUE.finditer(chinese):
        group = found.group(2)
        assert group is None or any(key.startswith(group + ".") for key in CATALOGUES["zh"]), group


def _shown(text):
    return refusals.chinese(text, i18n.label, i18n.money, lambda value: value)


def test_a_sentence_the_catalogue_lacks_is_not_translated():
    assert _shown("a sentence no service writes") is None and _shown("") is None


def test_a_sentence_is_shown_in_chinese_with_its_amounts_in_yuan_and_its_codes_by_their_labels(app):
    with app.test_request_context():
        g.language = "zh"
        assert _shown("no such household in this estate") == "本小区没有该房屋"
        assert _shown("the fund holds 510000 cents: it cannot pay 620000 cents") == "维修资金余额为 ¥5,100.00，不足以支付 ¥6,200.00"
        assert _shown("the deposit is refunded already") == "押金已是“已退”状态"
        # a value that is a sentence of its own reads in Chinese too
        assert _shown("the file cannot be imported: not an .xlsx workbook") == ZH["the file cannot be imported: {0}"].replace(
            "{0}", "不是 .xlsx 工作簿")
        # a slot that names a group takes only its codes: the sentence stays as written otherwise
        assert _shown("the deposit is somehow already") is None
        g.language = "en"  # an English page reads the sentence as the service wrote it
        assert i18n.refusal_text("the fund holds 510000 cents: it cannot pay 620000 cents") == \
            "the fund holds ¥5,100.00: it cannot pay ¥6,200.00"


def test_a_refusal_reads_in_chinese_on_a_chinese_page_and_as_written_on_an_english_one(client, fake):
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/payments", problem(
        422, "Business rule violated", "the household has nothing overdue", code="business_rule",
        errors=[{"field": "bill_ids", "message": "is not an unpaid bill of this household"}]))
    typed = {"csrf_token": csrf_of(client), "household_id": "hh_1", "method": "cash", "bill_id": "bill_1",
             "amount": "270", "idempotency_key": "k1"}
    chinese = client.post("/accounts/payments", data=typed).get_data(as_text=True)
    assert "该房屋没有欠费" in chinese and "不是该房屋的未缴账单" in chinese
    assert "nothing overdue" not in chinese and "unpaid bill of this household" not in chinese
    english = client.post("/accounts/payments", data=typed, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "the household has nothing overdue" in english and "is not an unpaid bill of this household" in english
