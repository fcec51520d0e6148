"""A count as the console writes it: "1 work order" and "2 work orders" in English (the catalogue
read "1 work orders", "1 attempt(s)"), and grouped by thousands in either language as money is
(70,123; ¥70,123.00), where a count read 70123 beside a grouped amount."""
import re

import pytest

from console import i18n
from console.messages import CATALOGUES

# a count followed by its noun in the plural (an adjective between at most), or a "(s)" standing in
FIXED_PLURAL = re.compile(r"\{(?:count|n|checked|minutes|months|days)\}\s+(?:[a-z-]+\s+)?[a-z-]+(?:\(s\)|(?<!s)s\b)")


def say(app, language, key, **values):
    with app.test_request_context():
        from flask import g
        g.language = language
        return i18n.translate(key, **values)


def test_a_count_of_one_reads_in_the_singular_and_any_other_in_the_plural(app):
    assert say(app, "en", "disc.work_orders", count=1) == "1 work order"
    assert say(app, "en", "disc.work_orders", count=2) == "2 work orders"
    assert say(app, "en", "disc.work_orders", count=0) == "0 work orders"
    assert say(app, "en", "sr.attempts_so_far", count=1) == "1 attempt recorded so far."
    assert say(app, "en", "sr.attempts_so_far", count="3") == "3 attempts recorded so far."
    assert say(app, "en", "settle.entries", count="1") == "1 entry"
    assert say(app, "en", "settle.entries", count="200+") == "200+ entries"
    assert say(app, "zh", "disc.work_orders", count=1) == "1 张工单"


def test_a_count_is_grouped_by_thousands_in_either_language_as_money_is(app):
    assert say(app, "en", "disc.work_orders", count=70123) == "70,123 work orders"
    assert say(app, "zh", "disc.work_orders", count=70123) == "70,123 张工单"
    assert say(app, "en", "settle.entries", count="1200+") == "1,200+ entries"
    with app.test_request_context():
        assert i18n.money(7012300) == "¥70,123.00"
    # a year, a record's number, a version are no counts
    assert say(app, "en", "todo.check_plan_missing", year=2026) == "The 2026 archive check plan is not made yet"


def test_no_english_message_writes_a_count_s_noun_in_a_fixed_plural():
    fixed = sorted(key for key, text in CATALOGUES["en"].items()
                   if not key.endswith(".one") and (FIXED_PLURAL.search(text) or "(s)" in text)
                   and f"{key}.one" not in CATALOGUES["en"])
    assert fixed == []
    singular = {key: text for key, text in CATALOGUES["en"].items() if key.endswith(".one")}
    assert singular and all("(s)" not in text and "{count}" in text or "once" in text for text in singular.values())
    # each singular form is of a message the catalogue has, in both languages
    assert all(key[:-len(".one")] in CATALOGUES["en"] and key in CATALOGUES["zh"] for key in singular)


@pytest.mark.parametrize("number, said", [(0, "0"), (999, "999"), (1000, "1,000"), (70123, "70,123"),
                                          (1234567, "1,234,567"), (-4500, "-4,500")])
def test_numbers_are_grouped_by_thousands(app, number, said):
    with app.test_request_context():
        assert i18n.number_text(number) == said


def test_the_archive_s_completeness_groups_its_records_counted(client, fake):
    from .conftest import ESTATE, sign_in
    sign_in(client, fake, username="ann", roles=("archivist",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/completeness", {
        "estate_id": ESTATE, "period": "2026-12", "kinds": [],
        "completeness": {"numerator": 70123, "denominator": 71000, "value": 70123 / 71000, "unit": "ratio", "target": 1}})
    for language in ("zh", "en"):
        page = client.get("/archive/completeness?period=2026-12", headers={"Accept-Language": language}).get_data(as_text=True)
        assert "70,123 / 71,000" in page, language


def test_a_daily_plans_note_and_a_webhook_switched_off_after_one_day_read_in_the_singular(app):
    """As maintenance and integrations write them now (every 1 day), and as they wrote them before
    (every 1 days): a daily inspection's order read "every 1 days" (found by review)."""
    with app.test_request_context():
        from flask import g
        g.language = "en"
        for written in ("every 1 day", "every 1 days"):
            said = i18n.history_note(f"scheduled by the plan: daily inspection of Pump 1 (P-1) {written}", "created")
            assert said.endswith("every 1 day"), said
        assert i18n.history_note("scheduled by the plan: daily inspection of Pump 1 (P-1) every 7 days", "created").endswith(
            "every 7 days")
        for written in ("1 day", "1 days"):
            said = i18n.disabled_reason({"disabled_reason": f"every delivery failed for {written} in a row "
                                                            "(since 2026-11-26T16:30:00.000Z; last: HTTP 503)"})
            assert "for 1 day in a row" in said, said
