"""The columns of customer service's export (service requests), written by
``estate_common.exports`` (escaping, masking, CSV/XLSX). Who raised a request (its ``contact``:
the desk's caller, a portal filer) and a complaint's complainant are a resident's name and phone,
and the description and outcome may hold a number a resident typed: masked as the API masks them.
The contact's columns come after the others, so a reader of the columns by position keeps the ones it
had, and ``updated_at`` (the moment of its last change, by which an export with the list's
``updated_since`` is ordered as the sync reads) after them; columns added since (an emergency
repair's ``emergency_category``, as the work-order export has it) stand before ``updated_at``, which
stays last. In a language, the kind, status, channel, category and emergency category are their
labels (``estate_common.labels``).

The owner contacts (业主走访/联系记录: the steward's monthly contacts and the manager's visits) are
exported as their list gives them (its filters: household, kind, the local month), each household
named by its building, unit and room too (the service's copy of it), in the last columns, as a
bill's is; the summary may hold a number an owner gave, masked as a resident's phone is for a role
that does not see it in full. The steward handed her manager the month's contacts copied by hand
(a probe of the steward's month)."""
from dataclasses import replace

from estate_common import labels, personal_data
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
    field("contact_phone", "contact.phone", personal_data.RESIDENT_PHONE),
    # added after: an emergency repair's own category (抢险类别), as the work-order export names it
    field("emergency_category", labels="emergency"),
    # a complaint's department (责任部门) and its withdrawal (撤诉), not the owner's reason: the export
    # read a withdrawn complaint as one closed with an answer (found by review r2 of h2)
    field("department", "complaint.department", labels="department"), field("complaint_withdrawn_at", "withdrawn.at"),
    field("updated_at"),
]

OWNER_CONTACTS = [
    field("id", "_id"), field("household_id"), field("kind", labels="contact_kind"),
    # 联系方式: the shared field.channel is a request's 受理渠道
    replace(field("channel", labels="channel"), words=labels.words("heading.contact_channel")),
    field("contacted_at"), field("summary", personal=TEXT), field("by"), field("request_id"), field("created_at"),
    field("building"), field("unit"), field("room"),  # the household contacted (operations.export_documents)
]

COLUMNS = {"service_requests": SERVICE_REQUESTS, "owner_contacts": OWNER_CONTACTS}
LISTS = {"service_requests": "list_requests", "owner_contacts": "list_owner_contacts"}
