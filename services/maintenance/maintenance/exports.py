"""The columns of maintenance's export (work orders), written by ``estate_common.exports``
(escaping, masking, CSV/XLSX). ``signed_by`` is the occupant's name, and the description may hold
a number a resident typed: masked as the API masks them. In a language, what opened the order, its
status, priority and emergency category are their labels (``estate_common.labels``). ``updated_at``
comes last (added after the others): the moment of its last change, by which an export with the
list's ``updated_since`` is ordered as the sync reads."""
from estate_common import personal_data
from estate_common.exports import Column, field

from .domain import deadline_at

WORK_ORDERS = [
    field("id", "_id"), field("number"), field("source_type", "source.type", labels="subject"),
    field("source_id", "source.id"),
    field("status", labels="wo_status"), field("priority", labels="priority"),
    field("emergency_category", labels="emergency"), field("household_id"), field("request_id"),
    field("equipment_id"), field("inspection_id"),
    field("description", personal=personal_data.NUMBERS_IN_TEXT), field("technician"),
    field("reported_at"), field("response_due_at"), Column("deadline_at", deadline_at), field("started_at"), field("response_minutes"),
    field("completed_at"), field("material_cost_cents"), field("labour_minutes"), field("labour_cost_cents"),
    field("charge_cents"), field("signed_by", personal=personal_data.OCCUPANT_NAME), field("created_at"),
    field("updated_at"),
]

COLUMNS = {"work_orders": WORK_ORDERS}
LISTS = {"work_orders": "list_work_orders"}
