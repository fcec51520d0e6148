"""The KPI dashboard's figures as a table to take away (指标表格, CSV): the year's figures of every
estate that a manager or the operator puts in a year-end report (年终总结) were drawn as 30 charts of
bars, each its 12 weakest estates, with no file of them (found by h9, a year-end across 30 estates)."""
import csv
import io

from .conftest import sign_in

PERIOD = "2026"


def year_table():
    """Three estates' year: one with a survey owed, one whose name a spreadsheet would run, one
    without data; money KPIs in cents."""
    def estate(n, name, collected, lines_done, note=None):
        lines = {"numerator": lines_done, "denominator": 4, "value": lines_done / 4, "unit": "ratio", "target": 1}
        if note:
            lines["note"] = note
        return {"estate_id": f"est_{n}", "code": f"YE{n:02d}", "name": name, "period_over": False, "kpis": {
            "collection_rate": {"numerator": collected, "denominator": 2893320,
                                "value": round(collected / 2893320, 4), "unit": "ratio"},
            "survey_lines_year_to_date": lines,
            "average_satisfaction": {"numerator": 124, "denominator": 32, "value": 3.875, "unit": "score"}}}
    rows = [estate(1, "年终小区1", 2437890, 4),
            estate(2, "=HYPERLINK(\"http://x\")", 2893320, 2,
                   "service lines surveyed 1 time(s) this year so far / lines the estate surveys; "
                   "still owed: fire_security, cleaning"),
            {"estate_id": "est_3", "code": "YE03", "name": "年终小区3", "period_over": False, "kpis": {
                "collection_rate": {"numerator": 0, "denominator": 0, "value": None, "unit": "ratio"}}}]
    totals = {"collection_rate": {"numerator": 5331210, "denominator": 5786640, "value": 0.9213, "unit": "ratio"},
              "survey_lines_year_to_date": {"numerator": 6, "denominator": 8, "value": 0.75, "unit": "ratio",
                                            "target": 1},
              "average_satisfaction": {"numerator": 248, "denominator": 64, "value": 3.875, "unit": "score"}}
    return {"period": PERIOD, "unavailable": [], "estates": rows, "totals": totals,
            "as_of": "2026-12-06T23:02:06.272Z"}


def table(answer):
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_dashboard_of_every_estate_downloads_as_a_table_of_each_estates_figures(client, fake):
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/kpis", year_table())
    page = client.get(f"/manager/kpis?period={PERIOD}").get_data(as_text=True)
    assert f'href="/manager/kpis.csv?period={PERIOD}&amp;scope=all"' in page and "下载表格（CSV）" in page

    answer = client.get(f"/manager/kpis.csv?period={PERIOD}&scope=all")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="kpis-{PERIOD}.csv"'
    assert answer.headers["Cache-Control"] == "no-store"
    rows = table(answer)
    assert rows[0] == ["期间", "小区编号", "小区", "指标", "指标代码", "分子", "分母", "数值", "显示", "目标", "是否达标", "说明"]
    by = {(row[1], row[4]): row for row in rows[1:]}
    # every estate's every KPI, all 30 rows of a year rather than the chart's 12 weakest; money in yuan
    assert by[("YE01", "collection_rate")] == [PERIOD, "YE01", "年终小区1", "收缴率", "collection_rate",
                                               "24378.90", "28933.20", "0.8426", "84.3%", "", "", ""]
    assert by[("YE01", "average_satisfaction")][5:9] == ["124", "32", "3.875", "3.88"]
    # what is still owed, in Chinese; the target; a year not over yet is not decided
    owed = by[("YE02", "survey_lines_year_to_date")]
    assert owed[5:10] == ["2", "4", "0.5", "50.0%", "≥ 100.0%"] and owed[10] == ""
    assert "消防安全" in owed[11] and "保洁" in owed[11]
    # a name a spreadsheet would run as a formula is text
    assert owed[2] == "'=HYPERLINK(\"http://x\")"
    # no data is said, not 0
    assert by[("YE03", "collection_rate")][5:9] == ["0.00", "0.00", "", "无数据"]
    # the operator-wide total last, under its own words
    total = [row for row in rows[1:] if row[2] == "合计（范围内全部小区）"]
    assert [row[4] for row in total] == ["collection_rate", "survey_lines_year_to_date", "average_satisfaction"] \
        or sorted(row[4] for row in total) == sorted(["collection_rate", "survey_lines_year_to_date",
                                                      "average_satisfaction"])
    assert rows[-1][2] == "合计（范围内全部小区）" and rows[-1][1] == ""
    assert len(rows) == 1 + 3 + 3 + 1 + 3  # YE01 3, YE02 3, YE03 1, the total 3


def test_the_table_is_the_search_and_scope_asked_and_in_english_on_an_english_page(client, fake):
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/kpis", year_table())
    rows = table(client.get(f"/manager/kpis.csv?period={PERIOD}&scope=all&q=ye01",
                            headers={"Accept-Language": "en"}))
    assert rows[0][:5] == ["Period", "Estate code", "Estate", "KPI", "KPI code"]
    assert {row[1] for row in rows[1:]} == {"YE01", ""}  # the estate found, and the total of the scope
    assert [row for row in rows[1:] if row[4] == "collection_rate"][0][8] == "84.3%"


def test_one_estates_table_reads_its_kpis(client, fake):
    sign_in(client, fake, username="mgr", roles=("manager",), estates=("est_1",))
    fake.on("GET", r"/api/v1/estates/est_1/kpis", {"estate_id": "est_1", "period": PERIOD, "period_over": True,
                                                   "kpis": year_table()["estates"][0]["kpis"]})
    rows = table(client.get(f"/manager/kpis.csv?period={PERIOD}&scope=estate"))
    assert {row[4] for row in rows[1:]} == {"collection_rate", "survey_lines_year_to_date", "average_satisfaction"}
    # the year over: its obligation met is said
    assert [row for row in rows[1:] if row[4] == "survey_lines_year_to_date"][0][10] == "达到目标"


def test_a_period_of_no_form_is_refused_not_this_months_table(client, fake):
    sign_in(client, fake, username="admin", roles=("operator_admin",), estates=("*",))
    fake.on("GET", r"/api/v1/kpis", year_table())
    assert client.get("/manager/kpis.csv?period=2026-13").status_code == 400
