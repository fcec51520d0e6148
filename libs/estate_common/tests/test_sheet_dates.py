"""Days and months as Chinese spreadsheets write them (``estate_common.sheet_dates``), read by the
takeover imports (the equipment register's installed_on, the opening balances' month): 2019/5/1 and
2026/8/1 were refused (session 51's leftovers)."""
import pytest

from estate_common import sheet_dates


@pytest.mark.parametrize("text", ["2019-05-01", "2019/5/1", "2019-5-1", "2019年5月1日", "2019.5.1", "2019年5月1号",
                                  "２０１９／５／１", " 2019 / 05 / 01 ", "2019/5/1 0:00", "2019-05-01 00:00:00",
                                  "2019年05月01日", "2019.05.01",
                                  # a datetime cell saved with its milliseconds (pandas' and some ERPs' CSV)
                                  "2019-05-01 00:00:00.000", "2019/5/1 0:00:00.0"])
def test_a_day_in_the_forms_spreadsheets_write_is_read(text):
    assert sheet_dates.day(text) == "2019-05-01"


@pytest.mark.parametrize("text", ["", "2019/2/30", "2019/13/1", "2019/5", "5/1/2019", "20190501", "2019-5-1-2",
                                  "2019年5月", "yesterday", "2019/5/1 25:00", "0000-01-01",
                                  "2019/5/1 下午", "2019-5/1", "2019-05-01 00:00:00.",
                                  "2019-05-01 00:00.000", "2019-05-01 00:00:00.1234567"])
def test_anything_else_is_no_day(text):
    assert sheet_dates.day(text) is None


@pytest.mark.parametrize("text, month", [
    ("2026-08", "2026-08"), ("2026/8", "2026-08"), ("2026年8月", "2026-08"), ("2026.8", "2026-08"),
    ("2026年08月", "2026-08"), ("２０２６－０８", "2026-08"),
    # a day-form date means its month (a list that dates each line by its first day)
    ("2026/8/1", "2026-08"), ("2026-8-31", "2026-08"), ("2026年8月1日", "2026-08"), ("2026.8.1", "2026-08"),
    ("2026/8/1 0:00", "2026-08"),
])
def test_a_month_in_the_forms_spreadsheets_write_or_a_day_of_it_is_read(text, month):
    assert sheet_dates.month(text) == month


@pytest.mark.parametrize("text", ["", "2026-13", "2026-0", "2026/2/30", "2026", "8/2026", "2026-8月1日x",
                                  "August 2026", "2026-8-1-1"])
def test_anything_else_is_no_month(text):
    assert sheet_dates.month(text) is None
