"""Per-estate yearly numbers follow the estate's calendar year, not UTC's."""
from datetime import datetime, timezone

from estate_common import numbering

NEW_YEAR_IN_SHANGHAI = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)  # 00:30 on 1 January 2027 there


def test_the_series_and_the_number_take_the_estate_s_year():
    assert numbering.series("work_order", NEW_YEAR_IN_SHANGHAI, "Asia/Shanghai") == "work_order:2027"
    assert numbering.number("WO", NEW_YEAR_IN_SHANGHAI, "Asia/Shanghai", 7) == "WO-2027-000007"
    assert numbering.series("work_order", NEW_YEAR_IN_SHANGHAI, "America/New_York") == "work_order:2026"


def test_the_last_moment_of_the_local_year_is_still_that_year():
    last = datetime(2026, 12, 31, 15, 59, 59, 999000, tzinfo=timezone.utc)  # 23:59:59.999 in Shanghai
    assert numbering.number("SR", last, "Asia/Shanghai", 999999) == "SR-2026-999999"


def test_a_number_as_a_person_types_it_reads_as_stored():
    assert numbering.canonical("sr-2026-42") == "SR-2026-000042"
    assert numbering.canonical(" Wo-2027-000007 ") == "WO-2027-000007"
    assert numbering.canonical("SR-2026-1234567") == "SR-2026-1234567"  # past a million: as many digits as it has
    assert numbering.canonical("SR-2026-0000042") == "SR-2026-000042"
    assert numbering.canonical("no number") == "no number"  # matches nothing
