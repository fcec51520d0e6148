"""The columns of customer service's export (service requests), written by
``estate_common.exports`` (escaping, masking, CSV/XLSX). Who raised a request (its ``contact``:
the desk's caller, a portal filer) and a complaint's complainant are a resident's name and phone,
and the description and outcome may hold a number a resident typed: masked as the API masks them.
The contact's columns come after the others, so a reader of the columns by position keeps the ones it
had, and ``updated_at`` (the moment of its last change, by which an export with the list's
``updated_since`` is ordered as the sync reads) after them. In a
language, the kind, status, channel and category are their labels (``estate_common.labels``)."""
from estate_common import personal_data
from estate_common.exports import field

TEXT = personal_data.NUMBERS_IN_TEXT

SERVICE_REQUESTS = [
    field("id", "_id"), field("number"), field("kind", labels="kind"), field("status", labels="status"),
    field("channel", labels="channel"), field("household_id"), field("category", labels="category"), field("emergency"),
    field("description", personal=TEXT), field("due_at"),
    field("answered_at"), field("overdue_at"), field("closed_at"), field("outcome", personal=TEXT),
    field("satisfaction"), field("reopen_count"), field("work_order_id"),
    field("complainant", "complaint.complainant", personal_data.RESIDENT_NAME),
    field("escalated", "complaint.escalated"), field("valid"), field("created_at"),
    field("contact_name", "contact.name", personal_data.RESIDENT_NAME),
    field("contact_phone", "contact.phone", personal_data.RESIDENT_PHONE), field("updated_at"),
]

COLUMNS = {"service_requests": SERVICE_REQUESTS}
LISTS = {"service_requests": "list_requests"}
