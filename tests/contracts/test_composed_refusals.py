"""Refusal sentences finance composes from parts, read in Chinese on the console's pages
(``console.refusals``, ``refusal_catalogue.REASONS``), composed here by finance's own code, so a
reworded reason fails this test instead of leaving English inside a Chinese sentence.

The console reads them as text (it is a client of the public API only): this test is the one
place that holds both sides."""
import re

from flask import g

from console import i18n, refusals
from console.app import create_app
from finance import standards


def _shown(text):
    return refusals.chinese(text, i18n.label, i18n.money, lambda value: value)


def _overlap_reasons():
    """Each reason finance gives for an approved standard a new one cannot end."""
    new = {"valid_from": "2026-11", "valid_to": None, "applies_to": None}
    old = {"valid_from": "2026-01", "valid_to": None, "applies_to": None, "cycle": "monthly", "item": "property_service",
           "_id": "fs_1"}
    yield standards._overlap_conflict(new, {**old, "valid_from": "2026-12"}, None)  # covers onwards already
    yield standards._overlap_conflict(new, {**old, "applies_to": {"household_ids": ["hh_1"]}}, None)
    yield standards._overlap_conflict({**new, "applies_to": {"statuses": ["occupied"], "min_area_m2": 50.5}},
                                      old, None)  # whom each applies to, in words
    yield standards._overlap_conflict(new, {**old, "applies_to": {"statuses": ["vacant", "renovating"],
                                                                  "max_area_m2": 90}}, None)
    yield standards._overlap_conflict(new, {**old, "cycle": "quarterly"}, None)  # mid-cycle
    yield standards._overlap_conflict(new, old, "2026-11")  # billed through already
    ending = {**new, "valid_to": "2026-12"}  # the new one ends: the old one would have left nothing after it
    yield standards._overlap_conflict(ending, old, None)  # the old one runs on
    yield standards._overlap_conflict(ending, {**old, "valid_to": "2027-06"}, None)  # it runs to a later month
    # 按季 for named households beside every household's monthly one: their own billing cycle (h8)
    yield standards._overlap_conflict({**new, "cycle": "quarterly", "applies_to": {"household_ids": ["hh_1"]}},
                                      old, None)


new_scoped = {"valid_from": "2026-11", "valid_to": None,
              "applies_to": {"statuses": ["occupied"], "min_area_m2": 50.5, "max_area_m2": 120}}
old_all = {"valid_from": "2026-01", "valid_to": None, "applies_to": None, "cycle": "monthly",
           "item": "property_service", "_id": "fs_1"}


def test_why_a_fee_standard_cannot_end_another_reads_in_chinese():
    """"与已审批的物业服务费收费标准 fs_… 重叠：it applies to other households (applies_to): end it for
    all or none" on the fee standards page (found by a console probe)."""
    reasons = list(_overlap_reasons())
    assert all(reasons) and len(set(reasons)) == 9
    app = create_app({"GATEWAY_URL": "http://gateway.invalid", "SECRET_KEY": "test-secret", "TESTING": True})
    with app.test_request_context():
        g.language = "zh"
        for reason in reasons:
            for old in ({"item": "property_service", "name": "物业费 A", "valid_from": "2026-01"},
                        {"item": "parking", "valid_from": "2026-01"}):
                shown = _shown(f"overlaps {standards.approved_named(old)}: {reason}")
                assert shown and not re.search(r"\b(it|covers|applies|cycle|runs|start|billed|through|ends|nothing|"
                                               r"approve|households?|among|named|standard|from|fs_1)\b", shown), shown
        assert _shown("overlaps " + standards.approved_named({"item": "parking", "name": "Garage A",
                                                               "valid_from": "2026-01"})) == \
            "与已审批的停车费收费标准“Garage A”（2026-01 起）重叠"
        shown = _shown(f"overlaps the approved property_service standard “物业费” from 2026-01: "
                       f"{standards._overlap_conflict(new_scoped, old_all, None)}")
        assert shown == ("与已审批的物业服务费收费标准“物业费”（2026-01 起）重叠：它适用于全部房屋，本标准适用于"
                         "已入住的房屋中面积 50.5–120 ㎡ 的房屋：新标准只能对完全相同的房屋终止已审批的标准；"
                         "请在该标准一行点“以此新建（修改适用范围）”，按它的适用房屋提出，或驳回本标准"), shown
