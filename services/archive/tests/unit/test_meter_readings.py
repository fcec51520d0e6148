"""Meter readings at a handover (交房抄表) and a sale's transfer (过户抄表): the rules, without broker or store."""
from datetime import datetime, timezone

import pytest

from archive import meter_readings
from estate_common.errors import BusinessRuleViolation

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)
TZ = "Asia/Shanghai"
HOUSEHOLD = {"_id": "hh_1", "estate_id": "est_1"}
WATER = {"occasion": "handover", "meter_kind": "water", "meter_number": "W-0031", "reading": 12.5,
         "read_on": "2026-12-01"}


def read(data, last=None, reading_id="mr_2"):
    return meter_readings.new_reading(reading_id, HOUSEHOLD, data, last, NOW, "zhou", TZ, 14)


def test_a_first_reading_is_kept_with_no_previous():
    made = read(WATER | {"photo_ref": " IMG_0042.jpg "}, reading_id="mr_1")
    assert (made["reading"], made["previous_reading"], made["photo_ref"], made["replacement"]) == (
        12.5, None, "IMG_0042.jpg", False)
    assert meter_readings.event_data(made)["id"] == "mr_1" and "note" not in meter_readings.event_data(made)


def test_a_later_reading_keeps_the_one_before():
    last = read(WATER, reading_id="mr_1")
    made = read(WATER | {"occasion": "transfer", "reading": 40, "read_on": "2026-12-05"}, last)
    assert (made["previous_reading"], made["previous_read_on"]) == (12.5, "2026-12-01")


@pytest.mark.parametrize("change, field", [
    ({"reading": 12.49}, "data.reading"),
    ({"read_on": "2026-11-30", "reading": 20}, "data.read_on"),
    ({"meter_number": "W-0099", "reading": 20}, "data.meter_number"),
])
def test_a_meter_going_back_is_refused_naming_the_field(change, field):
    last = read(WATER, reading_id="mr_1")
    with pytest.raises(BusinessRuleViolation) as refused:
        read(WATER | change, last)
    assert refused.value.errors[0]["field"] == field


def test_a_replacement_starts_from_the_new_meters_own_figure():
    last = read(WATER, reading_id="mr_1")
    made = read(WATER | {"meter_number": "W-0099", "reading": 0, "replacement": True}, last)
    assert (made["reading"], made["replacement"], made["previous_reading"]) == (0, True, 12.5)


@pytest.mark.parametrize("day", ["2026-12-07", "2026-11-01"])
def test_a_reading_dated_ahead_or_long_ago_is_refused(day):
    with pytest.raises(BusinessRuleViolation) as refused:
        read(WATER | {"read_on": day})
    assert refused.value.errors[0]["field"] == "data.read_on"


def test_the_last_reading_is_by_day_then_recording():
    first = read(WATER, reading_id="mr_1")
    later = read(WATER | {"reading": 30, "read_on": "2026-12-03"}, first, reading_id="mr_3")
    assert meter_readings.last_of([later, first]) is later and meter_readings.last_of([]) is None


def test_a_replacement_dated_before_the_meters_last_reading_is_refused():
    """A replacement skipped the day rule: dated before the old meter's last reading, it was not the
    meter's last, so the new meter's next reading was refused as another meter's and finance kept the
    old meter's figure as the base (found by review r7)."""
    last = read(WATER | {"read_on": "2026-12-05", "reading": 500}, reading_id="mr_1")
    with pytest.raises(BusinessRuleViolation) as refused:
        read(WATER | {"meter_number": "W-0099", "reading": 0, "replacement": True, "read_on": "2026-12-01"}, last)
    assert refused.value.errors[0]["field"] == "data.read_on"
    same_day = read(WATER | {"meter_number": "W-0099", "reading": 0, "replacement": True, "read_on": "2026-12-05"}, last)
    assert meter_readings.last_of([last, same_day]) is same_day
