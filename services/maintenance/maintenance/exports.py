"""The columns of maintenance's exports (work orders; the equipment ledger's records), written by ``estate_common.exports``
(escaping, masking, CSV/XLSX). ``signed_by`` is the occupant's name, and the description may hold
a number a resident typed: masked as the API masks them. In a language, what opened the order, its
status, priority and emergency category are their labels (``estate_common.labels``). ``updated_at``
comes last (added after the others): the moment of its last change, by which an export with the
list's ``updated_since`` is ordered as the sync reads. The helper and the hold (what it waits for, the
day it is expected to go on, its reason, a number in it masked as in the description) came later and
stand before ``created_at``, so that ``updated_at`` stays last."""
from estate_common import labels, personal_data
from estate_common.exports import Column, field

from .domain import deadline_at


def materials_used(materials):
    """An order's materials as one cell: ``门机板 ×1; 外呼按钮 ×2`` (a whole quantity without its ``.0``)."""
    def quantity(qty):
        return str(int(qty)) if float(qty).is_integer() else str(qty)
    return "; ".join(f"{line['name']} ×{quantity(line['qty'])}" for line in materials or ())

WORK_ORDERS = [
    field("id", "_id"), field("number"), field("source_type", "source.type", labels="subject"),
    field("source_id", "source.id"),
    field("status", labels="wo_status"), field("priority", labels="priority"),
    field("emergency_category", labels="emergency"), field("household_id"), field("request_id"),
    field("equipment_id"), field("inspection_id"),
    field("description", personal=personal_data.NUMBERS_IN_TEXT), field("technician"),
    field("reported_at"), field("response_due_at"), Column("deadline_at", deadline_at), field("started_at"), field("response_minutes"),
    field("completed_at"), field("material_cost_cents"), field("labour_minutes"), field("labour_cost_cents"),
    field("charge_cents"), field("signed_by", personal=personal_data.OCCUPANT_NAME),
    # added later, before the last two (updated_at stays last: the sync reads it there): the helper (协助)
    # and the hold (待料) of an order on hold, its reason free text masked as the description is
    field("helper"), field("hold_waiting_for", "hold.waiting_for", labels="wo_hold"),
    field("hold_expected_on", "hold.expected_on"),
    field("hold_reason", "hold.reason", personal=personal_data.NUMBERS_IN_TEXT),
    # added after: whether its technician or its helper left the estate's technicians, as the list
    # reads them (store.flagged_order), so the supervisor's file says which orders to hand on
    field("technician_left"), field("helper_left"),
    # added after: the outside contractor (维保单位) its completion named, as the ledger's file says it
    field("contractor"),
    field("created_at"), field("updated_at"),
]

# the ledger's records (电梯维修记录 for the special-equipment inspector: a lift's inspections, maintenance and
# repairs), each with its piece's code, name, system and location (store.export_records); the notes are a
# completed order's summary, masked as it is; its moment (the API's ``at``) is ``recorded_at``, which a file in a
# language writes on the estate's clock as every ``_at`` (an ``at`` column went out in UTC: found live)
EQUIPMENT_RECORDS = [
    field("id", "_id"), field("equipment_id"), field("equipment_code", "equipment.code"),
    field("equipment_name", "equipment.name"), field("equipment_system", "equipment.system", labels="system"),
    field("location", "equipment.location"), field("kind", labels="record"),
    # "completed (WO-…)", "passed", "2 finding(s)" in the file's language (a Chinese file kept the English: h5)
    Column("result", field("result").value, said=lambda value, language: labels.said(labels.RECORD_RESULTS, value, language)),
    field("notes", personal=personal_data.NUMBERS_IN_TEXT), field("recorded_at", "at"), field("by"), field("work_order_id"),
    # the parts its completed order used (门机板 ×1), which the summary copied as its notes may not name
    Column("materials_used", lambda doc: materials_used(doc.get("materials"))),
    # added after: the outside contractor (维保单位) that did it and who signed for it (签字; h5)
    field("contractor"), field("signed_by"),
]

COLUMNS = {"work_orders": WORK_ORDERS, "equipment_records": EQUIPMENT_RECORDS}
LISTS = {"work_orders": "list_work_orders", "equipment_records": "list_estate_equipment_records"}
