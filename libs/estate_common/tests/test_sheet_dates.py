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


@pytest.mark.parametrize("value, day", [
    (46347, "2026-11-21"), (46347.0, "2026-11-21"), (46347.75, "2026-11-21"),  # a serial, its time of day dropped
    (1, "1900-01-01"), (59, "1900-02-28"), (61, "1900-03-01"),  # Excel's 1900 system counts a 29 February 1900
    (2958465, "9999-12-31")])
def test_a_workbooks_date_serial_is_its_day_in_the_1900_date_system(value, day):
    """A 交房日期 cell of a workbook holding the date as its serial number (a General cell, a date pasted as a
    value): 46347 was refused as no day (交房日期无法识别, found by h2, the handover batch's leftovers)."""
    assert sheet_dates.cell_day(value) == day


def test_a_cell_typed_as_a_date_is_its_day_and_text_is_read_as_day_reads_it():
    from datetime import date, datetime
    assert sheet_dates.cell_day(datetime(2026, 11, 21, 0, 0)) == "2026-11-21"
    assert sheet_dates.cell_day(datetime(2026, 11, 21, 15, 30)) == "2026-11-21"
    assert sheet_dates.cell_day(date(2026, 11, 21)) == "2026-11-21"
    assert sheet_dates.cell_day("2026/11/21") == "2026-11-21"
    assert sheet_dates.cell_day("46347") is None  # text is text: a serial only from a workbook's number


@pytest.mark.parametrize("value", [0, 60, -1, 2958466, True, False, float("nan"), float("inf"), None, 1e300])
def test_a_number_that_is_no_serial_of_a_day_is_none(value):
    assert sheet_dates.cell_day(value) is None


@pytest.mark.parametrize("value, day", [
    (44885, "2026-11-21"), (44885.6, "2026-11-21"), (0, "1904-01-01"), (59, "1904-02-29"), (60, "1904-03-01"),
    (2957003, "9999-12-31")])
def test_a_serial_of_a_workbook_in_the_1904_date_system_is_its_day_in_it(value, day):
    """A workbook saved by old Mac Excel counts its days from 1 January 1904 (workbook.xml's date1904): its 交房日期
    typed into a General cell, 44885, was read in the 1900 system as 2022-11-20, four years and a day early,
    and taken (found by r2 reviewing h2). The reader marks such a workbook's numbers (``in_1904_system``)."""
    assert sheet_dates.cell_day(sheet_dates.in_1904_system(value)) == day


@pytest.mark.parametrize("value", [-1, 2957004, float("nan"), True])
def test_a_number_of_a_1904_workbook_that_is_no_serial_of_a_day_is_none(value):
    assert sheet_dates.cell_day(sheet_dates.in_1904_system(value)) is None


def test_a_1904_workbooks_number_reads_as_the_number_it_is_elsewhere():
    """Its room numbers and areas are read as text as before: 1201 is "1201", 89.5 is "89.5"."""
    assert (str(sheet_dates.in_1904_system(1201)), str(sheet_dates.in_1904_system(89.5))) == ("1201", "89.5")
    assert sheet_dates.in_1904_system(1201) == 1201 and sheet_dates.in_1904_system("3号楼") == "3号楼"


def test_a_serial_is_the_day_openpyxl_reads_a_date_cell_of_it_as_in_either_date_system():
    """A property: whatever the serial, with or without its time of day, ``cell_day`` of the bare number is the
    day openpyxl gives a cell of it typed as a date, in the 1900 system and in the 1904 one (r2 reviewing h2)."""
    from hypothesis import given, settings, strategies as st
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    @settings(max_examples=400, deadline=None)
    @given(st.integers(min_value=1, max_value=2958465).filter(lambda n: n != 60), st.sampled_from([0, 0.25, 0.5, 0.999]))
    def in_1900(whole, fraction):
        assert sheet_dates.cell_day(whole + fraction) == from_excel(whole + fraction, CALENDAR_WINDOWS_1900).date().isoformat()

    @settings(max_examples=400, deadline=None)
    @given(st.integers(min_value=1, max_value=2957003), st.sampled_from([0, 0.5]))  # below 1 openpyxl reads a time
    def in_1904(whole, fraction):
        assert sheet_dates.cell_day(sheet_dates.in_1904_system(whole + fraction)) == from_excel(
            whole + fraction, CALENDAR_MAC_1904).date().isoformat()
    in_1900()
    in_1904()
