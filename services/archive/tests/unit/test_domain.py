"""archive's rules, without broker or store."""
from datetime import datetime, timezone

import pytest

from archive import domain
from estate_common import personal_data
from estate_common.errors import Conflict, InvalidInput
from estate_common.testing import event

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
HOUSEHOLD = {"building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
             "owner": {"name": "李四", "phone": "13912345678"}}


def test_estate_code_is_upper_cased_and_the_id_follows_from_it():
    one = domain.new_estate({"code": "sh-pd-01", "name": " Lakeside ", "address": "1 Road"}, NOW)
    two = domain.new_estate({"code": "SH-PD-01", "name": "Other", "address": "2 Road"}, NOW)
    assert one["code"] == "SH-PD-01" and one["name"] == "Lakeside"
    assert one["_id"] == two["_id"] == one["estate_id"]  # a duplicate code collides on _id
    assert one["created_at"] == "2026-11-23T08:30:00.000Z"


@pytest.mark.parametrize("area", [89.37, 100, 0.01, 75.5])
def test_areas_with_at_most_two_decimals_are_kept_exactly(area):
    assert domain.new_household("est_1", dict(HOUSEHOLD, area_m2=area), NOW)["area_m2"] == area


@pytest.mark.parametrize("area", [89.375, 0.001, 12.3456])
def test_areas_with_more_decimals_are_refused_not_rounded(area):
    with pytest.raises(InvalidInput) as refused:
        domain.new_household("est_1", dict(HOUSEHOLD, area_m2=area), NOW)
    assert refused.value.errors[0]["field"] == "data.area_m2"


def test_a_household_is_keyed_by_estate_building_unit_and_room():
    first = domain.new_household("est_1", HOUSEHOLD, NOW)
    same_room = domain.new_household("est_1", dict(HOUSEHOLD, room="1201 "), NOW)
    other_estate = domain.new_household("est_2", HOUSEHOLD, NOW)
    other_room = domain.new_household("est_1", dict(HOUSEHOLD, room="1202"), NOW)
    assert first["_id"] == same_room["_id"]
    assert len({first["_id"], other_estate["_id"], other_room["_id"]}) == 3
    assert first["status"] == "vacant" and first["version"] == 1


def test_a_flat_written_in_its_common_forms_has_one_address_key_and_keeps_the_id_it_was_written_with():
    """3号楼 / 3栋 / 3# / 三号楼 / 3, 2单元 / 二单元 / 2 and 1201室 / 1201 are one flat (the rule
    ``estate_common.text.address_reading``): a second household at 3栋-1-1201 beside 3-1-1201
    was registered, two households for one flat. The duplicate check is by the key; the id stays
    the flat's as written (every service holds it)."""
    first = domain.new_household("est_1", HOUSEHOLD, NOW)
    for building, unit, room in (("3栋", "1", "1201"), ("三号楼", "一单元", "1201室"), ("3#", "1单元", "1201"),
                                 ("３号楼", "1", "１２０１"), ("3 幢", "1", "1201")):
        other = domain.new_household("est_1", dict(HOUSEHOLD, building=building, unit=unit, room=room), NOW)
        assert other["_address_key"] == first["_address_key"] and other["_id"] != first["_id"]
        assert domain.address_key(other) == other["_address_key"]  # a stored household's, as the backfill reads it
    apart = [domain.new_household("est_2", HOUSEHOLD, NOW),  # another estate
             domain.new_household("est_1", dict(HOUSEHOLD, building="3楼"), NOW),  # a floor as often: not read
             domain.new_household("est_1", dict(HOUSEHOLD, building="30"), NOW),
             domain.new_household("est_1", dict(HOUSEHOLD, unit="2单元"), NOW),
             domain.new_household("est_1", dict(HOUSEHOLD, room="1202室"), NOW)]
    assert len({first["_address_key"], *(h["_address_key"] for h in apart)}) == 6


def test_a_flat_registered_under_another_spelling_is_refused_naming_its_household_as_registered():
    stored = domain.new_household("est_1", HOUSEHOLD, NOW)
    refused = domain.registered_otherwise(stored, domain.new_household("est_1", dict(HOUSEHOLD, building="3栋"), NOW))
    assert isinstance(refused, Conflict)
    assert refused.detail == f"this flat is registered already, as 3-1-1201 (household {stored['_id']})"
    assert refused.errors == [{"field": "data.building",
                               "message": f"names the flat registered as 3-1-1201 (household {stored['_id']})"}]
    assert "李四" not in str(refused.args) and "13912345678" not in str(refused.args)
    unit_written = domain.registered_otherwise(stored, domain.new_household(
        "est_1", dict(HOUSEHOLD, unit="1单元", room="1201室"), NOW))
    assert unit_written.errors[0]["field"] == "data.unit"  # the first part written otherwise


def test_household_events_carry_no_personal_data():
    data = domain.household_event_data(domain.new_household("est_1", HOUSEHOLD, NOW))
    assert "owner" not in data and "13912345678" not in str(data)
    assert data["area_m2"] == 89.37


def test_a_record_of_an_event_is_derived_from_the_event_id():
    created = event("customer_service", "service_request_created", "est_1", {
        "id": "sr_1", "number": "SR-2026-000001", "kind": "repair", "household_id": "hh_1",
        "channel": "phone", "description": "leak", "due_at": None, "created_at": "2026-11-23T08:00:00.000Z"})
    record = domain.record_from_event("service_request", created, NOW)
    again = domain.record_from_event("service_request", created, NOW)
    assert record["_id"] == again["_id"]
    assert record["subject_id"] == "sr_1" and record["estate_id"] == "est_1"
    assert record["actor"] == "tester" and record["request_id"] == "test-request"


def test_a_change_log_entry_says_who_what_and_when_without_values():
    created = event("archive", "household_created", "est_1", {
        "id": "hh_1", "estate_id": "est_1", "building": "3", "unit": "1", "room": "1201",
        "area_m2": 89.37, "status": "vacant", "version": 1})
    change = domain.change_from_event("household", created)
    assert change["actor"] == "tester" and change["action"] == "household_created"
    assert change["at"] == created["occurred_at"]
    assert "area_m2" in change["fields"] and 89.37 not in change.values()


def test_an_edits_change_log_entry_names_the_fields_it_wrote_not_every_field_of_the_copy():
    """An owner's new phone was logged as [area_m2, building, …, version], without 'owner' (found by review)."""
    household = {"_id": "hh_1", "estate_id": "est_1", "building": "3", "unit": "1", "room": "1201",
                 "area_m2": 89.37, "status": "vacant", "version": 2,
                 "created_at": "2026-11-02T02:00:00.000Z"}
    changes = {"owner": {"name": "李四", "phone": "13811112222"}, "version": 2, "updated_at": "t", "_rev": 3}
    data = domain.household_event_data(household, changes)
    assert data["changed"] == ["owner"] and "13811112222" not in str(data)
    edited = event("archive", "household_updated", "est_1", data)
    assert domain.change_from_event("household", edited)["fields"] == ["owner"]


def test_changed_names_the_public_fields_not_the_storage_keys():
    assert domain.changed_names({"status": "occupied", "status_history": [], "renovating_from": None,
                                 "version": 3, "_rev": 4}) == ["status"]
    # the people: a tenant added or gone was logged with no field at all (found by review)
    assert domain.changed_names({"occupants": [], "version": 3}) == ["occupants"]
    assert domain.changed_names({"occupants": [], "owner": {}, "version": 3}) == ["occupants", "owner"]


def test_every_change_logged_record_is_a_recorded_event_and_every_kind_is_in_the_contract():
    from estate_common import contracts
    assert set(domain.ARCHIVE_CHANGES) <= set(domain.RECORDED_EVENTS)
    kinds = set(contracts.load().openapi["components"]["schemas"]["SubjectType"]["enum"])
    assert set(domain.RECORDED_EVENTS.values()) <= kinds
    assert "work_order_cancelled" in domain.CLOSING_EVENTS  # a cancelled order is a closed one


def test_a_cancelled_order_is_logged_as_what_it_did_to_the_archive():
    cancelled = {"event_id": "e" * 32, "event_type": "work_order_cancelled", "source": "maintenance",
                 "estate_id": "est_1", "occurred_at": "2026-11-21T09:00:00.000Z", "actor": "wang", "request_id": None,
                 "data": {"id": "wo_5", "number": "WO-1", "reason": "twice", "cancelled_at": "2026-11-21T09:00:00.000Z",
                          "request_id": None, "household_id": None}}
    logged = domain.change_from_recorded_event("work_order", cancelled)
    assert (logged["subject_id"], logged["action"], logged["actor"], logged["at"]) == (
        "wo_5", "work_order_cancelled", "wang", "2026-11-21T09:00:00.000Z")
    assert "reason" in logged["fields"] and "twice" not in str(logged["fields"])  # fields, never values


def test_the_kinds_the_services_count_are_the_closing_events_the_archive_holds():
    from estate_common import closed_counts
    events = {e for _, event_types in closed_counts.KINDS.values() for e in event_types}
    assert events == set(domain.CLOSING_EVENTS)


def test_the_address_order_reads_numbers_naturally_and_the_common_forms_as_the_filters_do():
    def order(building, unit, room):
        return domain.address_order({"building": building, "unit": unit, "room": room})
    flats = [("10", "1", "101"), ("2", "1", "1001"), ("2", "1", "201"), ("3A", "1", "1"), ("3", "1", "1"),
             ("2", "10", "1"), ("2", "2", "1")]
    assert sorted(flats, key=lambda flat: order(*flat)) == [
        ("2", "1", "201"), ("2", "1", "1001"), ("2", "2", "1"), ("2", "10", "1"), ("3", "1", "1"), ("3A", "1", "1"),
        ("10", "1", "101")]
    assert order("3栋", "2单元", "1201室") == order("三号楼", "2", "1201") == order("3", "2", "1201")


# -- household edits ----------------------------------------------------------------------

def test_a_household_edit_is_its_next_version_with_only_what_changed():
    household = domain.new_household("est_1", HOUSEHOLD, NOW)
    later = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    changes = domain.household_changes(household, {"area_m2": 91.5, "status": "vacant",
                                                    "owner": {"phone": " 13800138000 "}}, later)
    assert changes == {"area_m2": 91.5, "owner": {"name": "李四", "phone": "13800138000"},
                       "version": 2, "updated_at": "2026-11-24T09:00:00.000Z"}  # status was vacant already
    assert domain.household_changes(household, {"area_m2": 89.37, "version": 1}, later) == {}


def test_a_household_edit_on_a_version_the_editor_did_not_see_is_a_conflict():
    household = domain.new_household("est_1", HOUSEHOLD, NOW) | {"version": 3}
    with pytest.raises(Conflict) as refused:
        domain.household_changes(household, {"area_m2": 91.5, "version": 2}, NOW)
    assert refused.value.errors[0]["field"] == "data.version"


def test_an_edited_area_keeps_two_decimals_or_is_refused():
    household = domain.new_household("est_1", HOUSEHOLD, NOW)
    with pytest.raises(InvalidInput) as refused:
        domain.household_changes(household, {"area_m2": 91.505}, NOW)
    assert refused.value.errors[0]["field"] == "data.area_m2"


def test_a_household_edit_event_carries_the_whole_copy_without_personal_data():
    household = domain.new_household("est_1", HOUSEHOLD, NOW)
    edited = household | domain.household_changes(household, {"area_m2": 91.5, "owner": {"name": "王五"}}, NOW)
    data = domain.household_event_data(edited)
    assert data["area_m2"] == 91.5 and data["version"] == 2 and data["status"] == "vacant"
    assert "owner" not in data and "王五" not in str(data)


def test_a_name_the_record_holds_is_masked_where_its_words_repeat_it_as_the_api_masks_it():
    """A borrowed record's occupant name was masked in its field and read in full where the record's
    words typed it again (a correction's note), where the gateway and the exports mask it there for
    whoever reads both masked (``personal_data.name_masked_in_text``; the last session's note)."""
    record = {"event_type": "record_corrected", "reason": "her full name",
              "data": {"signed_by": "陈美丽", "note": "陈美丽代签, 电话13800138000", "work_order_id": "wo_9"}}
    personal = {"signed_by": personal_data.OCCUPANT_NAME}
    shown = domain.masked_record(record, personal, ["security"])["data"]
    assert shown == {"signed_by": "陈**", "note": "陈**代签, 电话138****8000", "work_order_id": "wo_9"}
    assert domain.masked_record(record, personal, ["archivist"])["data"] == record["data"]
    # a name the record does not hold stays as typed
    other = record | {"data": {"signed_by": "陈美丽", "note": "王五代签"}}
    assert domain.masked_record(other, personal, ["security"])["data"]["note"] == "王五代签"


def test_a_whole_person_a_correction_writes_as_one_field_is_masked_where_its_words_repeat_the_name():
    """A correction may write a whole person as one field (``{"name", "phone"}``), masked through and
    through in the field; its name typed again into the record's words was read in full there, where a
    name written as the field's text alone is masked (found by review r6 of h6)."""
    record = {"event_type": "record_corrected", "reason": "the signer",
              "data": {"signed_by": {"name": "陈美丽", "phone": "13800138000"}, "note": "陈美丽代签 13800138000"}}
    personal = {"signed_by": personal_data.OCCUPANT_NAME}
    shown = domain.masked_record(record, personal, ["security"])["data"]
    assert shown["note"] == "陈**代签 138****8000"  # the phone in the words as a phone is masked there
    assert shown["signed_by"]["name"] == "陈**"
    assert domain.masked_record(record, personal, ["archivist"])["data"] == record["data"]
