"""The columns of archive's export (households), written by ``estate_common.exports``
(escaping, masking, CSV/XLSX). The owner's name and phone are masked as the API masks them. In a
language, the status is its label (``estate_common.labels``), which the household import reads back.

The vacant-unit inspections (空置房巡查) are exported as their list gives them (household, the local
month), each unit named by its building, unit and room too (the household's own), in the last
columns, as a bill's is; its problems in one cell, each numbered with its place, and how many; the
note and the problems may hold a number someone left, masked as a resident's phone is for a role that
does not see it in full. The steward's month of inspections was each household's page to copy from
(a probe of the steward's month)."""
from estate_common import personal_data
from estate_common.exports import Column, field

HOUSEHOLDS = [
    field("id", "_id"), field("building"), field("unit"), field("room"), field("area_m2"),
    field("status", labels="household_status"),
    field("owner_name", "owner.name", personal_data.OWNER_NAME),
    field("owner_phone", "owner.phone", personal_data.OWNER_PHONE), field("created_at"), field("updated_at"),
]



def _problems(doc):
    """An inspection's problems as one cell: ``1. description (location)``, one after another."""
    return "; ".join(f"{p['number']}. {p['description']}" + (f" ({p['location']})" if p.get("location") else "")
                     for p in doc.get("problems") or ()) or None


VACANT_INSPECTIONS = [
    field("id", "_id"), field("household_id"), field("inspected_on"), field("inspector"),
    Column("problem_count", lambda doc: len(doc.get("problems") or ())),
    Column("problems", _problems, personal_data.NUMBERS_IN_TEXT),
    field("note", personal=personal_data.NUMBERS_IN_TEXT), field("created_at"),
    field("building"), field("unit"), field("room"),  # the unit inspected (operations.export_inspections)
]

# meter readings at a handover or a sale (meter_readings.py), as their list gives them, the flat named too
METER_READINGS = [
    field("id", "_id"), field("household_id"), field("occasion", labels="meter_occasion"),
    field("meter_kind", labels="meter_kind"), field("meter_number"),
    field("reading"), field("read_on"), field("replacement"), field("previous_reading"), field("previous_read_on"),
    field("photo_ref"), field("note", personal=personal_data.NUMBERS_IN_TEXT), field("recorded_by"),
    field("created_at"), field("building"), field("unit"), field("room"),
]

COLUMNS = {"households": HOUSEHOLDS, "vacant_inspections": VACANT_INSPECTIONS, "meter_readings": METER_READINGS}
LISTS = {"households": "list_households", "vacant_inspections": "list_vacant_inspections",
         "meter_readings": "list_meter_readings"}
