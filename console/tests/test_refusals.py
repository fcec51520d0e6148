"""The services' refusal sentences on Chinese pages (``console/refusals.py``).

The catalogue is checked against the sources: every sentence a service or the gateway writes has
its Chinese, and no entry outlives its sentence."""
import re

import pytest
from flask import g

from console import i18n, refusals
from console.messages import CATALOGUES
from console.refusal_catalogue import COMPOSED, FRAGMENTS, ZH

from .conftest import ESTATE, csrf_of, problem, sign_in
from .refusal_sources import ROOT, parsed, sentences, unread

_VALUE = re.compile(r"(?<!\{)\{(\d+)(?::([a-z_|-]+))?\}")


def test_every_refusal_the_sources_write_has_its_chinese_and_no_other():
    written = sentences()
    missing = sorted(f"{where}: {text}" for text, where in written.items() if text not in ZH)
    assert not missing, "refusals without Chinese (add them to console/refusal_catalogue.py):\n" + "\n".join(missing)
    stale = sorted(set(ZH) - set(written))
    assert not stale, "catalogue entries no source writes any more:\n" + "\n".join(stale)


# sentences passed on as another check wrote them: read where they are written, or in other words
PASSED_ON = {
    "libs/estate_common/estate_common/contracts.py: _summary(errors)",  # the schema's own (i18n._SCHEMA_MESSAGES)
    # a size limit in words, with its number (i18n._SCHEMA_MESSAGES reads them)
    "libs/estate_common/estate_common/contracts.py: _SIZE_LIMITS[error.validator].format(limit)",
    "libs/estate_common/estate_common/nameko/caller.py: self.refusal",  # set from the bus check's sentences
    "libs/estate_common/estate_common/nameko/exports.py: '; '.join((f\"{e['field']}: {e['message']}\" for e in named[:5]))",
    "libs/estate_common/estate_common/nameko/exports.py: e['message']",  # a list filter's refusal, passed on
    "libs/estate_common/estate_common/nameko/exports.py: refused.detail",
    "gateway/gateway/exports.py: '; '.join((f\"{e['field']}: {e['message']}\" for e in errors[:5]))",
    "gateway/gateway/own_routes.py: '; '.join((f\"{e['field']}: {e['message']}\" for e in errors[:5]))",
    "services/integrations/integrations/webhooks.py: str(refused)",  # targets.Refused's, read there
    "gateway/gateway/across_estates.py: refused.detail",  # an estate's own refusal, under its estate_ids[i]
    "gateway/gateway/incidents_across.py: contracts.FORMS['Timestamp']",  # FORMS' own words, read in contracts.py
    "gateway/gateway/fanout.py: contracts.FORMS['KpiPeriod']",  # FORMS' own words, read in contracts.py
    "gateway/gateway/complaints_across.py: contracts.FORMS['ReportPeriod']",  # FORMS' own words, as above
    "gateway/gateway/arrears_across.py: contracts.FORMS['ReportPeriod']",  # FORMS' own words, as above
    "services/finance/finance/operations.py: store.LOST_LOCK",  # its words read where store.py raises it
}


def test_no_sentence_is_in_the_catalogue_twice():
    """A dict keeps the last of two equal keys: a retired estate's "is retired" (已停用) was read as
    a fire facility's (已移出台账), written below it (found by pyflakes after the merges)."""
    import ast

    tree = ast.parse((ROOT / "console" / "console" / "refusal_catalogue.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [key.value for key in node.keys if isinstance(key, ast.Constant)]
            assert not {key for key in keys if keys.count(key) > 1}


def test_every_refusal_sentence_is_read_from_the_sources_or_passed_on_from_another_check():
    """A sentence the reader cannot follow (built in a way it does not read) would be English on
    a Chinese page without the test above noticing (found by review: a duplicate flat's "is
    already registered", handed on as a helper's third argument)."""
    assert sorted(set(unread()) - PASSED_ON) == []


def _module_dicts(pattern, name):
    import ast
    for path in ROOT.glob(pattern):
        for node in parsed(path).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
                yield path, node.value


def test_every_word_a_service_puts_into_a_refusal_has_its_chinese():
    """What a 404 is about (each store's NAMES or WHAT) and every state a state machine refuses in
    ("a work order whose status is 'in progress' does not allow 'close'") read in Chinese: they showed as
    English inside the Chinese sentence (found by review)."""
    import ast
    nouns = {value.value for name in ("NAMES", "WHAT") for _, table in _module_dicts("services/*/*/store.py", name)
             for value in table.values}
    states = set()
    for _, table in (*_module_dicts("services/*/*/*.py", "TRANSITIONS"),
                     *[pair for name in ("KEY_TRANSITIONS", "CUSTODY_ITEM_TRANSITIONS", "TOOL_LOAN_TRANSITIONS",
                                         "LANE_TRANSITIONS") for pair in _module_dicts("services/*/*/*.py", name)]):
        for key, value in zip(table.keys, table.values):
            inner = value.keys if isinstance(value, ast.Dict) and all(
                isinstance(v, ast.Dict) for v in value.values) else [key]
            states |= {k.value.replace("_", " ") for k in inner if isinstance(k, ast.Constant)}
    kinds = {"repair", "complaint", "consultation", "praise", "suggestion"}
    assert nouns and states
    assert sorted((nouns | states) - kinds - set(FRAGMENTS)) == []


@pytest.mark.parametrize("english", sorted(ZH))
def test_a_chinese_refusal_keeps_every_value_and_names_only_known_groups(english):
    chinese = ZH[english]
    assert chinese and not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", _VALUE.sub("", chinese)), chinese
    assert {m.group(1) for m in _VALUE.finditer(english)} == {m.group(1) for m in _VALUE.finditer(chinese)}
    for found in _VALUE.finditer(chinese):
        for group in (found.group(2) or "").split("|"):
            assert group in ("", "-") or any(key.startswith(group + ".") for key in CATALOGUES["zh"]), group


def _shown(text):
    return refusals.chinese(text, i18n.label, i18n.money, lambda value: value)


def test_the_console_says_你_to_its_user_throughout():
    """The other estates' list read 您其他小区里等您处理的事 where every other message says 你 (a
    review): one form of address, in the messages and in the refusals' Chinese."""
    formal = [key for key, text in CATALOGUES["zh"].items() if "您" in text]
    formal += [english for english, chinese in {**ZH, **COMPOSED, **FRAGMENTS}.items() if "您" in str(chinese)]
    assert not formal, formal


def test_a_sentence_the_catalogue_lacks_is_not_translated():
    assert _shown("a sentence no service writes") is None and _shown("") is None


def test_a_sentence_is_shown_in_chinese_with_its_amounts_in_yuan_and_its_codes_by_their_labels(app):
    with app.test_request_context():
        g.language = "zh"
        assert _shown("no such household in this estate") == "本小区没有该房屋"
        assert _shown("the fund holds 510000 cents: it cannot pay 620000 cents") == "维修资金余额为 ¥5,100.00，不足以支付 ¥6,200.00"
        assert _shown("the deposit is refunded already") == "押金已是“已退”状态"
        # a state machine's refusal: its subject and state in words, the action left to the page
        assert _shown("a work order whose status is 'in progress' does not allow 'quote'") == "工单当前为“处理中”，不能执行此操作"
        assert _shown("no such fire equipment in this estate") == "本小区找不到该消防设施"
        assert _shown("is reversed") == "当前为“已冲销”" and _shown("is occupied") == "当前为“已入住”"
        assert _shown("2026-10-01 is before the day they moved in (2026-11-01)") == "2026-10-01 早于入住日期（2026-11-01）"
        assert "报告服务中心经理" in _shown("record the plan's step 'Report to the service-center manager' first")
        # a value that is a sentence of its own reads in Chinese too
        assert _shown("the file cannot be imported: not an .xlsx workbook") == ZH["the file cannot be imported: {0}"].replace(
            "{0}", "不是 .xlsx 工作簿")
        # a slot that names a group takes only its codes: the sentence stays as written otherwise
        assert _shown("the deposit is somehow already") is None
        g.language = "en"  # an English page reads the sentence as the service wrote it
        assert i18n.refusal_text("the fund holds 510000 cents: it cannot pay 620000 cents") == \
            "the fund holds ¥5,100.00: it cannot pay ¥6,200.00"


def test_the_manager_role_is_named_as_the_domain_names_it(app):
    """DOMAIN.md's 物业服务中心经理, the service-center manager (服务中心经理 for short, as the seeds and the
    default plans' step say): the role's label and the refusals that name it read 项目经理, a project
    manager (a probe of the service-center manager)."""
    assert (CATALOGUES["zh"]["role.manager"], CATALOGUES["en"]["role.manager"]) == ("服务中心经理", "Service-center manager")
    said = [text for text in (*CATALOGUES["zh"].values(), *ZH.values(), *FRAGMENTS.values(), *COMPOSED.values())
            if "项目经理" in str(text)]
    assert said == []


def test_the_steward_is_named_as_the_domain_names_it(app):
    """DOMAIN.md's and the seeds' 物管员 (property steward): the role, its contact kind, its setting
    and its KPI's definition read 管家 (a probe of the steward's month)."""
    assert CATALOGUES["zh"]["role.steward"] == "物管员"
    assert [key for key, text in CATALOGUES["zh"].items() if "管家" in str(text)] == []
    with app.test_request_context():
        g.language = "zh"
        assert _shown("an escalated complaint is answered and closed by a manager") == "已升级的投诉须由服务中心经理答复和结案"
    # a plan's step typed to escalate to the role by its name, in either language, escalates to it
    from console.views.emergency_plans import escalation_target
    for typed in ("服务中心经理", "物业服务中心经理", "Service-center manager", "项目经理", "经理"):
        assert escalation_target(typed) == "manager", typed


def test_a_refused_role_reads_which_roles_may_do_it_by_their_names(app):
    """The gateway's 403 names the roles a route admits (an accountant trying to approve a fee
    standard is told a manager or the operator admin does): each by its label, a list as Chinese
    joins one; a role the console does not name leaves the sentence as it came."""
    with app.test_request_context():
        g.language = "zh"
        assert _shown("your role may not do this: it is for manager or operator_admin") == \
            "你的角色无权执行此操作：须由服务中心经理或运营管理员执行"
        assert _shown("your role may not do this: it is for accountant, manager or operator_admin") == \
            "你的角色无权执行此操作：须由会计、服务中心经理或运营管理员执行"
        assert _shown("your role may not do this: it is for operator_admin") == "你的角色无权执行此操作：须由运营管理员执行"
        assert _shown("your role may not do this") == "你的角色无权执行此操作"
        assert _shown("your role may not do this: it is for manager or janitor") is None


def test_a_borrowing_s_term_of_one_day_or_more_reads_in_chinese_with_its_days(app):
    """A view's term of one day read "within the estate's 1 days" (archive.borrowing): the singular
    keeps its number in Chinese as the plural does."""
    with app.test_request_context():
        g.language = "zh"
        assert _shown("a view is due back within the estate's 1 day") == "查阅的档案须在本小区规定的 1 天内归还"
        assert _shown("a borrow is due back within the estate's 7 days") == "借出的档案须在本小区规定的 7 天内归还"


def test_a_number_said_with_its_unit_reads_in_chinese_with_its_number_in_either_form(app):
    """A setting of 1 read "a tool is lent for at most 1 days" (estate_common.wording.counted says
    "1 day"): the reader takes ``counted(days, "day")`` as both its forms, each with its Chinese."""
    import ast
    from .refusal_sources import templates
    call = ast.parse('f"a tool is lent for at most {counted(days, \'day\')}, each {n} {counted(m, \'hour\')}"')
    assert templates(call.body[0].value) == [
        "a tool is lent for at most {0} day, each {1} {2} hour",
        "a tool is lent for at most {0} day, each {1} {2} hours",
        "a tool is lent for at most {0} days, each {1} {2} hour",
        "a tool is lent for at most {0} days, each {1} {2} hours"]
    with app.test_request_context():
        g.language = "zh"
        for english, chinese in (("a tool is lent for at most 1 day", "便民工具最长借用 1 天"),
                                 ("a tool is lent for at most 7 days", "便民工具最长借用 7 天"),
                                 ("is more than 1 hour ago", "已超过 1 小时"),
                                 ("is more than 1 day ahead", "超出 1 天的期限"),
                                 ("a month's budget is set at most 1 month back (budget_months_back)",
                                  "月度预算最多可设定到 1 个月之前（budget_months_back）")):
            assert _shown(english) == chinese


def test_a_parking_hour_above_the_daily_cap_reads_in_chinese_with_its_amounts_in_yuan(app):
    """Refused both ways: finance's standard above the cap, and the cap lowered below the standard."""
    with app.test_request_context():
        g.language = "zh"
        assert _shown("a started hour of parking may not cost more than the estate's daily cap on parking "
                      "(3000 cents)") == "每小时停车费不能高于本小区的停车费日封顶（¥30.00）"
        assert _shown("is more than the daily cap on parking of 3000 cents (security patrol's "
                      "parking_daily_cap_cents)") == "高于本小区的停车费日封顶 ¥30.00（秩序维护的设置）"
        assert _shown("the daily cap on parking may not be less than a started hour at finance's approved "
                      "parking fee standard") == "停车费日封顶不能低于已批准收费标准的每小时停车费"
        assert _shown("is less than the 1200 cents a started hour costs from 2027-01") == \
            "低于收费标准自 2027-01 起的每小时停车费 ¥12.00"


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


def _failure_texts():
    """Every form ``checklist_results.failure_text`` writes: a pass/fail item, and a reading
    outside both limits, below a minimum or above a maximum, with a unit or none; each with a
    note and without."""
    from estate_common.checklist_results import failure_text
    items = [{"code": "P2", "label": "有无异响", "kind": "pass_fail", "min": None, "max": None, "unit": ""}]
    items += [{"code": "P1", "label": "出口压力", "kind": "reading", "min": low, "max": high, "unit": unit}
              for low, high in ((0.3, 0.6), (0.3, None), (None, 0.6)) for unit in ("MPa", "")]
    for item in items:
        for note in ("", "阀门漏水 3 处"):
            result = {"code": item["code"], "passed": False if item["kind"] == "pass_fail" else None,
                      "reading": 0.2 if item["min"] is not None else 0.9, "note": note}
            yield item, note, failure_text(item, result)


def test_a_failed_inspection_item_inside_a_refusal_reads_in_chinese():
    """A fire check filed as ok with a failed item was refused as "填的是正常，但出口压力 (P1) reading
    0.2 MPa outside 0.3–0.6 MPa" (found by review): the item's own words stay, the rest is Chinese."""
    matched = set()
    for item, note, text in _failure_texts():
        shown = _shown(f"is ok, but {text}")
        assert shown and shown.startswith("填的是正常，但" + item["label"] + "（" + item["code"] + "）"), (text, shown)
        assert not re.search(r"\b(reading|outside|below|above|failed)\b", shown), shown
        assert note in shown
        if item["kind"] == "reading":
            assert f"{0.2 if item['min'] is not None else 0.9:g}" in shown and item["unit"] in shown
        matched |= {english for english in COMPOSED if refusals._compiled(english)[0].fullmatch(text)}
    assert matched == set(COMPOSED), set(COMPOSED) - matched  # no form that failure_text no longer writes


def test_a_rate_limits_refusal_reads_in_chinese(app):
    """The owner portal showed "too many requests filed from this address: try again later" (a probe)."""
    with app.test_request_context():
        g.language = "zh"
        for why in ("too many calls from this address", "too many requests filed from this address",
                    "too many requests filed for this estate", "too many failed sign-ins"):
            shown = _shown(f"{why}: try again later")
            assert shown and shown.endswith("，请稍后再试") and "too many" not in shown, shown
        assert _shown("the body is larger than 16384 bytes") == "提交的内容超过 16384 字节"


def test_a_form_sent_again_changed_says_the_first_sending_took_effect_not_the_key_jargon(client, fake):
    """Back, a changed amount and send: the gateway's 422 for the key read "此 Idempotency-Key
    之前已用于内容不同的请求 / 提交标识: 已用于内容不同的另一次请求", which a cashier cannot act on
    (a probe of month-end accounts)."""
    sign_in(client, fake, username="carol", roles=("cashier",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/bills", {"items": [], "next_cursor": None})
    fake.on("POST", rf"/api/v1/estates/{ESTATE}/payments", problem(
        422, "Idempotency-Key was used before with another body", code="business_rule",
        errors=[{"field": "Idempotency-Key", "message": "was used with another body"}]))
    typed = {"csrf_token": csrf_of(client), "household_id": "hh_1", "method": "cash", "amount": "235",
             "idempotency_key": "k1"}
    chinese = client.post("/accounts/payments", data=typed).get_data(as_text=True)
    assert "这张表单已提交过，第一次提交已生效" in chinese and "重新打开此页" in chinese
    assert "Idempotency-Key" not in chinese and "内容不同的请求" not in chinese
    english = client.post("/accounts/payments", data=typed, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This form was sent before and its first sending took effect" in english
    assert "Idempotency-Key" not in english


def test_a_range_whose_end_comes_before_its_start_is_told_without_naming_record_numbers():
    """The sentence is the archive's verify window's (seq numbers) and every date range's (service
    requests, rounds, records: calendar.filter_window): its Chinese spoke of 序号 for a date (a probe
    of the security department's day)."""
    for english in ("to is before from", "must not be below from"):
        assert "序号" not in ZH[english] and "from" in ZH[english]


def test_a_list_s_true_or_false_filter_is_named_by_its_label(app):
    """gateway's requests_in.flag writes one sentence for active, has_estates and replaced; each read
    by its name before they were one (启用状态…), and the one sentence showed the parameter's code."""
    with app.test_request_context():
        g.language = "zh"
        assert _shown("active is true or false") == "启用须为 true 或 false"
        assert _shown("has_estates is true or false") == "已分配小区须为 true 或 false"
        assert _shown("replaced is true or false") == "已被替换须为 true 或 false"


def test_a_meter_readings_refusal_names_its_meter_in_chinese(app):
    """交房 / 过户抄表: the meter's kind is a code in the English (water, electricity, gas); the Chinese
    read 该房屋的water表表号为 … and water表 W-1 … (found by review r7)."""
    with app.test_request_context():
        g.language = "zh"
        shown = [_shown("the water meter No. W-1 read 12.5 on 2026-12-07: a meter does not go back"),
                 _shown("the flat's electricity meter is No. E-1: a new meter is recorded as a replacement"),
                 _shown("is not the flat's gas meter (G-1); mark the reading as a meter replacement"),
                 _shown("the water meter was last read on 2026-12-05: a reading is not dated before it"),
                 _shown("the flat's gas meter was read by another meanwhile: send this reading again to have it "
                        "judged against that one")]
        assert shown[0] == "水表 W-1 于 2026-12-07 读数为 12.5：表读数不会倒退"
        assert shown[1] == "该房屋的电表表号为 E-1：新表须按换表登记"
        assert shown[2] == "不是该房屋的燃气表（G-1）；如已换表，请勾选换表"
        assert shown[3] == "水表上次抄表日期为 2026-12-05：读数日期不能早于它"
        assert "燃气表" in shown[4]
        assert not [text for text in shown if re.search("water|electricity|gas", text)]


def test_an_activity_held_reads_as_an_activity_s_state_not_a_custody_item_s(app):
    """社区文化活动 (r7 reviewing h7): an activity's ``held`` read as a custody item's (已收存 in a refusal,
    寄存中 on a record's status), one translation per word; an activity has its own words (已举办),
    and a custody item keeps its."""
    with app.test_request_context():
        g.language = "zh"
        refused = _shown("an activity whose status is 'held' does not allow 'move'")
        assert "已举办" in refused and "社区活动" in refused and "已收存" not in refused
        assert "筹备中" in _shown("an activity whose status is 'planned' does not allow 'rate'")
        assert "已收存" in _shown("a custody item whose status is 'held' does not allow 'hold'")
        assert i18n.field_value("status", "held", "activity") == "已举办"
        assert i18n.field_value("status", "held") == "寄存中"
