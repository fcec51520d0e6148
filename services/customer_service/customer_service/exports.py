"""The columns of customer service's export (service requests), written by
``estate_common.exports`` (escaping, masking, CSV/XLSX). A complaint's complainant is a
resident's name, and the description and outcome may hold a number a resident typed: masked as
the API masks them."""
from estate_common import personal_data
from estate_common.exports import field

TEXT = personal_data.NUMBERS_IN_TEXT

SERVICE_REQUESTS = [
    field("id", "_id"), field("number"), field("kind"), field("status"), field("channel"), field("household_id"),
    field("category"), field("emergency"), field("description", personal=TEXT), field("due_at"),
    field("answered_at"), field("overdue_at"), field("closed_at"), field("outcome", personal=TEXT),
    field("satisfaction"), field("reopen_count"), field("work_order_id"),
    field("complainant", "complaint.complainant", personal_data.RESIDENT_NAME),
    field("escalated", "complaint.escalated"), field("valid"), field("created_at"),
]

COLUMNS = {"service_requests": SERVICE_REQUESTS}
LISTS = {"service_requests": "list_requests"}
