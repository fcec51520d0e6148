"""finance's exports (bills, payments, arrears) through its entrypoints: a job that writes the
file in chunks, read back part by part with the checks of each download."""
import base64
import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from estate_common import clock, export_store, retention
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, Gone, InvalidInput, NotFound
from estate_common.testing import as_caller, staff

from .test_service import ACCOUNTANT, CASHIER, ESTATE, approved, finance, pay, run  # noqa: F401 (fixture)

TECHNICIAN = staff("chen", ["technician"], [ESTATE])
AGENT = staff("zhang", ["agent"], [ESTATE])


def export(finance, resource, file_format="csv", caller=ACCOUNTANT, **filters):
    as_caller(finance, caller)
    job = finance.start_export({"estate_id": ESTATE, "data": {"resource": resource, "format": file_format,
                                                              "filters": filters}})
    finance.run_jobs()
    return finance.get_job({"id": job["id"]})


def download(finance, job, caller=ACCOUNTANT):
    as_caller(finance, caller)
    first = finance.read_export({"estate_id": ESTATE, "id": job["id"], "n": 0})
    parts = [first] + [finance.read_export({"estate_id": ESTATE, "id": job["id"], "n": n})
                       for n in range(1, first["chunks"])]
    return b"".join(base64.b64decode(p["data_base64"]) for p in parts), first


def test_bills_export_as_csv_with_the_lists_filters(finance):
    approved(finance)
    run(finance)
    job = export(finance, "bills", status="unpaid")
    assert job["status"] == "succeeded" and job["kind"] == "export_bills" and job["result"]["rows"] == 3
    content, first = download(finance, job)
    assert content.startswith(b"\xef\xbb\xbf") and first["content_type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert sorted(r["household_id"] for r in rows) == ["hh_1", "hh_2", "hh_3"]
    assert {r["amount_cents"] for r in rows} == {"21002", "28200", "11868"}
    assert export(finance, "bills", status="paid")["result"]["rows"] == 0


def test_payments_and_arrears_export_as_xlsx(finance):
    approved(finance)
    run(finance)
    pay(finance, "hh_1", 21002)
    as_caller(finance, ACCOUNTANT)
    content, first = download(finance, export(finance, "payments", "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("id", "household_id", "receipt_number", "amount_yuan") and rows[1][3] == 210.02
    assert "created_at (Asia/Shanghai)" in rows[0]  # read by people: yuan, the estate's clock
    bills = export(finance, "bills", "xlsx")  # unpaid bills: moments still to come are empty cells
    assert bills["status"] == "succeeded", bills
    sheet = openpyxl.load_workbook(io.BytesIO(download(finance, bills)[0])).active
    header, *cells = list(sheet.iter_rows(values_only=True))
    assert {row[header.index("settled_at (Asia/Shanghai)")] for row in cells} >= {None}
    assert first["filename"].endswith(".xlsx")
    clock.advance(timedelta(days=60))  # the other two bills are overdue now
    arrears = export(finance, "arrears")
    content, _ = download(finance, arrears)
    assert sorted(r["household_id"] for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))) == ["hh_2", "hh_3"]


def test_a_role_that_may_not_read_the_resource_neither_exports_nor_downloads_it(finance):
    with pytest.raises(Forbidden):
        export(finance, "payments", caller=AGENT)  # the front desk reads bills and arrears, not payments
    job = export(finance, "payments", caller=CASHIER)
    as_caller(finance, AGENT)
    with pytest.raises(Forbidden):
        finance.read_export({"estate_id": ESTATE, "id": job["id"], "n": 0})
    as_caller(finance, staff("acc", ["accountant"], [ESTATE, "est_2"]))
    with pytest.raises(NotFound):  # asked under another estate of the caller's
        finance.read_export({"estate_id": "est_2", "id": job["id"], "n": 0})


def test_bad_filters_are_refused_naming_them(finance):
    with pytest.raises(InvalidInput) as refused:
        export(finance, "bills", status="nonsense", colour="red")
    assert {e["field"] for e in refused.value.errors} >= {"data.filters.status"}
    with pytest.raises(InvalidInput) as refused:
        export(finance, "arrears", household_id="hh_1")
    assert [e["field"] for e in refused.value.errors] == ["data.filters.household_id"]
    with pytest.raises(InvalidInput):
        export(finance, "work_orders")  # not finance's


def test_an_expired_link_is_refused_and_its_file_removed(finance):
    job = export(finance, "bills")
    download(finance, job)
    clock.advance(timedelta(seconds=retention.EXPORT_SECONDS + 1))
    with pytest.raises(Gone):
        download(finance, job)
    list(finance.db[export_store.CHUNKS].find({"estate_id": ESTATE}))  # a touch: the TTL sweep runs
    assert export_store.read_chunk(finance.db, ESTATE, job["id"], 0) is None


def test_a_file_not_finished_is_a_conflict(finance):
    as_caller(finance, ACCOUNTANT)
    job = finance.start_export({"estate_id": ESTATE, "data": {"resource": "bills", "format": "csv", "filters": {}}})
    with pytest.raises(Conflict):
        finance.read_export({"estate_id": ESTATE, "id": job["id"], "n": 0})


def test_the_result_names_no_personal_data_for_finances_lists(finance):
    assert export(finance, "bills")["result"]["personal_data_in_full"] == []


def test_bills_and_payments_name_the_households_address_in_columns_added_at_the_end(finance):
    """An accountant read ``hh_cd59…`` and no building, unit or room (a probe): the address comes
    from finance's own copy of the household, in columns after those a system already reads."""
    approved(finance)
    run(finance)
    pay(finance, "hh_2", 28200)
    as_caller(finance, ACCOUNTANT)
    content, _ = download(finance, export(finance, "bills"))
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header[:14] == ["id", "household_id", "item", "period", "amount_cents", "paid_cents", "status", "due_at",
                           "settled_at", "description", "source", "created_at", "cancelled_at", "cancel_reason"]
    assert header[14:17] == ["building", "unit", "room"]
    assert sorted((r[1], r[14], r[15], r[16]) for r in rows) == [
        ("hh_1", "3", "1", "100"), ("hh_2", "3", "1", "101"), ("hh_3", "3", "1", "102")]
    content, _ = download(finance, export(finance, "payments", "xlsx"))
    header, *cells = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert header[17:20] == ("building", "unit", "room") and header[16] == "created_at (Asia/Shanghai)"
    assert [(r[1], r[17], r[18], r[19]) for r in cells] == [("hh_2", "3", "1", "101")]


def test_a_number_in_a_withdrawn_fees_cancel_reason_is_masked_for_accounts_as_in_the_api(finance):
    """A fee withdrawn with its application keeps the desk's reason as its bill's cancel_reason: free
    text about the household (numbers_in_text, as on the application and the bill's answer), written
    in full into the accountant's file (h6)."""
    from .test_service import deposit_charge, deposit_withdrawn

    finance.bill_renovation_charge(deposit_charge())
    withdrawal = deposit_withdrawn()
    withdrawal["data"]["reason"] = "业主 13900139000 不装修了"
    finance.cancel_renovation_charge(withdrawal)
    content, _ = download(finance, export(finance, "bills"))
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [dict(zip(header, r))["cancel_reason"] for r in rows] == ["业主 139****9000 不装修了"]


DETAIL_COLUMNS = ["detail.kind", "detail.entered_at", "detail.exited_at", "detail.minutes",
                  "detail.work_order_number", "detail.title", "detail.pricing", "detail.area_m2", "detail.cents_per_m2"]


def test_a_charges_parts_are_columns_after_the_address_and_the_sentence_stays(finance):
    """A bill's description is the raising service's English sentence, kept where a system reads
    it; what the charge is for in parts follows the address (empty for a billing run's bill), the
    times on the estate's clock in the XLSX, the repair's title masked as its order's text is."""
    from .test_service import PARKED, charge

    approved(finance)
    run(finance)
    parked = charge("security_patrol", charge_id="ps_1", item="parking", cents=1500)
    parked["data"].update(description="parking 2h05m from 2026-11-23 09:00", detail=PARKED)
    finance.bill_parking_charge(parked)
    repaired = charge("maintenance", charge_id="wo_9")
    repaired["data"].update(description="repair WO-2026-000009: 漏水，请联系 13800138000", detail={
        "kind": "repair", "work_order_id": "wo_9", "work_order_number": "WO-2026-000009",
        "title": "漏水，请联系 13800138000"})
    finance.bill_repair_charge(repaired)
    as_caller(finance, ACCOUNTANT)
    content, _ = download(finance, export(finance, "bills"))
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header[9] == "description" and header[14:] == ["building", "unit", "room", *DETAIL_COLUMNS,
                                                                       "updated_at", "covers_from", "covers_to",
                                                                       "payer", "payer_name"]
    by_item = {r[2]: dict(zip(header, r)) for r in rows}
    assert by_item["parking"]["description"] == "parking 2h05m from 2026-11-23 09:00"
    assert [by_item["parking"][c] for c in DETAIL_COLUMNS] == [
        "parking", "2026-11-23T01:00:00.000Z", "2026-11-23T03:05:00.000Z", "125", "", "", "", "", ""]
    assert (by_item["repair"]["detail.kind"], by_item["repair"]["detail.work_order_number"]) == ("repair", "WO-2026-000009")
    assert by_item["repair"]["detail.title"] == "漏水，请联系 138****8000"  # an accountant sees no resident's number
    assert by_item["repair"]["description"] == "repair WO-2026-000009: 漏水，请联系 138****8000"  # nor in the sentence
    assert all(by_item["property_service"][c] == "" for c in DETAIL_COLUMNS)
    sheet = openpyxl.load_workbook(io.BytesIO(download(finance, export(finance, "bills", "xlsx"))[0])).active
    header, *cells = list(sheet.iter_rows(values_only=True))
    [parking] = [dict(zip(header, r)) for r in cells if r[header.index("item")] == "parking"]
    assert str(parking["detail.entered_at (Asia/Shanghai)"]) == "2026-11-23 09:00:00"


def in_language(finance, resource, language, file_format="csv"):
    as_caller(finance, ACCOUNTANT)
    data = {"resource": resource, "format": file_format, "filters": {}, **({"language": language} if language else {})}
    job = finance.start_export({"estate_id": ESTATE, "data": data})
    finance.run_jobs()
    content, _ = download(finance, finance.get_job({"id": job["id"]}))
    if file_format == "xlsx":
        return [list(r) for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
    assert content.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs for Chinese
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


BILL_HEADINGS = {None: ["item", "period", "amount_cents", "paid_cents", "status", "due_at"],
                 "zh": ["收费项目", "期间", "金额（元）", "已缴（元）", "状态", "期限（Asia/Shanghai）"],
                 "en": ["Item", "Period", "Amount (yuan)", "Paid (yuan)", "Status", "Due (Asia/Shanghai)"]}
PAYMENT_HEADINGS = {None: ["amount_cents", "method", "journal", "status"],
                    "zh": ["金额（元）", "支付方式", "日记账", "状态"],
                    "en": ["Amount (yuan)", "Method", "Journal", "Status"]}
ARREARS_HEADINGS = {None: ["household_id", "building", "unit", "room", "overdue_cents", "bills", "oldest_due_at",
                           "age_days", "last_reminder_at", "as_of", "developer_overdue_cents"],
                    "zh": ["房屋（系统编号）", "楼栋", "单元", "房号", "欠费（元）", "账单", "最早到期时间（Asia/Shanghai）",
                           "账龄（天）", "最近催缴时间（Asia/Shanghai）", "截至日期", "其中开发建设单位欠费（元）"],
                    "en": ["Household id", "Building", "Unit", "Room", "Overdue (yuan)", "Bills",
                           "Oldest due at (Asia/Shanghai)", "Age (days)", "Last reminder at (Asia/Shanghai)",
                           "As of", "Of it the developer's (yuan)"]}
LABELS = {None: ("property_service", "unpaid", "paid", "billing_run", "cash", "cash", "posted"),
          "zh": ("物业服务费", "未缴清", "已缴清", "批量计费", "现金", "现金日记账（应交现金）", "已入账"),
          "en": ("Property service", "Unpaid", "Paid", "Billing run", "Cash", "Cash journal (cash to hand over)",
                 "Posted")}


@pytest.mark.parametrize("language", [None, "zh", "en"])
def test_bills_payments_and_arrears_export_in_the_readers_language_or_as_the_api_names_them(finance, language):
    """An accountant in Chinese read property_service, unpaid, 21002 and times eight hours off in a
    CSV: asked in a language, the headings are the fields' names, the codes their labels, amounts
    in yuan to the cent and times on the estate's clock; asked in none, the file is as before."""
    item, unpaid, paid, billing_run, cash, cash_journal, posted = LABELS[language]
    approved(finance)
    run(finance)
    pay(finance, "hh_1", 21002)
    header, *bills = in_language(finance, "bills", language)
    assert header[2:8] == BILL_HEADINGS[language]
    assert header[10] == {None: "source", "zh": "来源", "en": "Source"}[language]
    paid_bill = next(r for r in bills if r[1] == "hh_1")
    assert paid_bill[2] == item and paid_bill[6] == paid and paid_bill[10] == billing_run
    assert paid_bill[4] == ("21002" if language is None else "210.02") == paid_bill[5]
    assert {r[6] for r in bills} == {paid, unpaid}
    # due by the end of the billing month on the estate's clock (in UTC, 15:59:59.999 that day)
    assert paid_bill[7] == ("2026-11-30 23:59:59" if language else "2026-11-30T15:59:59.999Z")
    header, payment = in_language(finance, "payments", language)
    assert header[3:7] == PAYMENT_HEADINGS[language]
    assert payment[3:7] == ["21002" if language is None else "210.02", cash, cash_journal, posted]
    clock.advance(timedelta(days=60))
    header, *arrears = in_language(finance, "arrears", language)
    assert header == ARREARS_HEADINGS[language]
    assert sorted(r[4] for r in arrears) == (["11868", "28200"] if language is None else ["118.68", "282.00"])


def test_an_xlsx_in_a_language_has_yuan_as_numbers_and_labels_as_text(finance):
    from decimal import Decimal
    approved(finance)
    run(finance)
    header, *bills = in_language(finance, "bills", "zh", "xlsx")
    assert header[2:5] == ["收费项目", "期间", "金额（元）"]
    assert sorted(Decimal(str(r[4])) for r in bills) == [Decimal("118.68"), Decimal("210.02"), Decimal("282.00")]
    assert {r[2] for r in bills} == {"物业服务费"}
    assert in_language(finance, "bills", None, "xlsx")[0][4] == "amount_yuan"  # the XLSX without one: as before


def test_an_export_with_updated_since_has_what_the_sync_would_read_in_its_order(finance):
    """The export takes its list's filters, updated_since now among them for bills and payments: the
    query asked a field of that name to equal the moment, and the file came out empty. It holds the
    bills (payments) changed since then, in the order of their changes, each with its updated_at."""
    approved(finance)
    run(finance)
    clock.advance(timedelta(hours=1))
    since = clock.now_iso()
    pay(finance, "hh_2", 28200)
    clock.advance(timedelta(minutes=1))
    pay(finance, "hh_1", 100)
    content, _ = download(finance, export(finance, "bills", updated_since=since))
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [(r["household_id"], r["status"]) for r in rows] == [("hh_2", "paid"), ("hh_1", "unpaid")]
    assert rows[0]["updated_at"] < rows[1]["updated_at"] and rows[0]["updated_at"] >= since
    content, _ = download(finance, export(finance, "payments", updated_since=since))
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [r["household_id"] for r in rows] == ["hh_2", "hh_1"] and all(r["updated_at"] for r in rows)
    clock.advance(timedelta(seconds=1))
    assert export(finance, "bills", updated_since=clock.now_iso())["result"]["rows"] == 0
    with pytest.raises(InvalidInput):
        export(finance, "bills", updated_since="yesterday")


def test_the_payments_export_has_each_payment_s_channel_number_after_the_columns_it_had(finance):
    """The cashier reconciling the month against the channel's statement (对账单) exports the month's
    payments and matches them line by line by the channel's number (WeChat Pay's transaction_id),
    which the export had no column for. ``transaction_id`` comes last, after ``updated_at``, so a
    system reading the CSV by position finds the columns it knew where they were; empty for cash;
    headed 支付渠道交易号 in Chinese. The export takes the list's new filters too."""
    approved(finance)
    run(finance)
    wechat = pay(finance, "hh_1", 10000, "wechat", key="notify-1", transaction_id="4200001234202612050001")
    cash = pay(finance, "hh_2", 500)
    content, _ = download(finance, export(finance, "payments"))
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header[-4:-2] == ["updated_at", "transaction_id"]
    assert [(r[0], r[-3]) for r in rows] == [(wechat["id"], "4200001234202612050001"), (cash["id"], "")]
    content, _ = download(finance, export(finance, "payments", transaction_id="4200001234202612050001"))
    assert [r["id"] for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))] == [wechat["id"]]
    content, _ = download(finance, export(finance, "payments", receipt_number="rc-2026-2"))
    assert [r["id"] for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))] == [cash["id"]]
    assert in_language(finance, "payments", "zh")[0][-3] == "支付渠道交易号"
    assert in_language(finance, "payments", "en")[0][-3] == "Payment channel transaction number"


def test_the_arrears_as_of_a_past_day_export_as_the_list_shows_them(finance):
    """``GET …/arrears?as_of=`` had no export: an export with the filter ``as_of`` passed the list's
    contract and wrote the arrears of today, and the console offered none beside a past day's list
    (an accountant's year end). The export takes the list's day, names it in a column added at the
    end (``as_of``; empty for today's arrears), and refuses a day the list refuses, before a job."""
    approved(finance)
    run(finance)                                   # November's bills, due 2026-12-01 (local)
    clock.freeze(clock.parse_iso("2026-12-15T02:00:00Z"))
    pay(finance, "hh_3", 11868)
    clock.freeze(clock.parse_iso("2027-01-05T02:00:00Z"))
    pay(finance, "hh_1", 21002)

    def rows(**filters):
        content, _ = download(finance, export(finance, "arrears", **filters))
        return [(r["household_id"], r["overdue_cents"], r["as_of"])
                for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))]
    assert rows(as_of="2026-12-10") == [("hh_1", "21002", "2026-12-10"), ("hh_2", "28200", "2026-12-10"),
                                        ("hh_3", "11868", "2026-12-10")]
    assert rows(as_of="2026-12-31") == [("hh_1", "21002", "2026-12-31"), ("hh_2", "28200", "2026-12-31")]
    assert rows() == [("hh_2", "28200", "")]       # today's, as before
    with pytest.raises(BusinessRuleViolation) as refused:
        export(finance, "arrears", as_of="2027-01-05")    # today: not over yet
    assert [e["field"] for e in refused.value.errors] == ["data.filters.as_of"]
    with pytest.raises(InvalidInput):
        export(finance, "arrears", as_of="2026-02-30")


def test_the_payments_export_shows_the_money_held_for_a_seller_after_the_columns_it_had(finance):
    """A payment whose unused money is held for the household's seller at its sale showed 500 yuan
    prepaid, none of it used nor unapplied: the 500 were nowhere in the accountant's file.
    ``seller_held_cents`` comes last, after ``transaction_id`` (found by review r2)."""
    from .test_seller_prepaid import sold_with_prepaid
    sellers = sold_with_prepaid(finance)
    content, _ = download(finance, export(finance, "payments"))
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header[-4:-1] == ["updated_at", "transaction_id", "seller_held_cents"]
    [row] = [r for r in rows if r[0] == sellers["id"]]
    assert row[header.index("unapplied_cents")] == "0" and row[-2] == "50000"
    assert in_language(finance, "payments", "zh")[0][-2] == "为卖方暂挂（元）"


def test_the_payments_export_says_the_fee_item_a_payment_was_made_ahead_for(finance):
    """预交: a payment's money paid ahead for one fee item pays that item's bills alone, but the
    accountant's file did not say which payments were (预收物业费 apart from the rest): the export
    had no column for ``prepaid_for`` (found by review r5 of h5). It comes last, after
    ``seller_held_cents``, named as the console names the item; empty for money for any bill."""
    approved(finance)
    run(finance)
    ahead = pay(finance, "hh_1", 63006, prepaid_for="property_service")
    plain = pay(finance, "hh_2", 500)
    content, _ = download(finance, export(finance, "payments"))
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert header[-2:] == ["seller_held_cents", "prepaid_for"]
    assert {r[0]: r[-1] for r in rows} == {ahead["id"]: "property_service", plain["id"]: ""}
    zh = in_language(finance, "payments", "zh")
    assert zh[0][-1] == "预交项目" and [r[-1] for r in zh[1:] if r[-1]] == ["物业服务费"]
