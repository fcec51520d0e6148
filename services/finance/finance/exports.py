"""The columns of finance's exports (bills, payments, arrears): one list per resource, written by
``estate_common.exports`` (escaping, masking, CSV/XLSX). Amounts in cents, as the API gives them.

A bill's or payment's household is named by its address too (building, unit, room, from
finance's own copy of the household, ``operations.export_documents``), as the arrears are: an
accountant read ``hh_cd59…`` and nothing else (a probe). Those columns come last, so a system
reading the CSV by position finds the columns it knew where they were. Codes (item, status,
method) stay codes in the XLSX too, unless the export is asked in a language: then its headings
are the fields' names in it and its codes their labels (``estate_common.labels``), an amount in
yuan and a time on the estate's clock in a CSV as well.

A charge's bill says what it is for twice: ``description``, the raising service's English
sentence as integrators read it, and its parts (``detail``, ``ChargeDetail``) in the columns
``detail.*`` after the address, empty where a kind has no such part or the bill no detail (a
billing run's, or a charge raised before detail was kept). The parts are codes too (a
kind is a fee item's, labelled as the item is in a language);
times (``detail.entered_at``, ``detail.exited_at``) are on the estate's clock in the XLSX as
every ``_at`` is, the repair's title is the order's own text (masked as its description is for
those who do not see residents' numbers in full), and so is the sentence that quotes it.

``updated_at`` comes last of a bill's and a payment's columns (added after the others): the moment
of its last change, by which an export with the list's ``updated_since`` is ordered as the sync reads.
A payment's ``transaction_id`` (its channel's number, empty without one: cash) comes after it, added
later still: the cashier reconciling the channel's statement (对账单) matches its lines by it.
A bill's ``covers_from`` and ``covers_to`` (the months a bill of several months covers: a household
paying by the quarter, 按季缴费) come after ``updated_at``, added later, empty on a bill of its period onwards;
then its ``payer`` and ``payer_name``, added later still: ``developer`` and the developer's name on a
bill of a unit taken over and not yet handed over (开发建设单位, ``payers``), empty on the owner's.
The arrears' ``as_of`` comes after their other columns, added later: the past day of an export with the list's
``as_of`` (the arrears as they stood at that day's end), empty for the arrears of today; then, added later
still, ``developer_overdue_cents``: the part of a line's overdue money on the developer's bills, empty on a
line with none."""
from estate_common import personal_data
from estate_common.exports import field

BILLS = [
    field("id", "_id"), field("household_id"), field("item", labels="fee"), field("period"), field("amount_cents"),
    field("paid_cents"), field("status", labels="bill_status"), field("due_at"), field("settled_at"),
    field("description", personal=personal_data.NUMBERS_IN_TEXT),
    field("source", "source.kind", labels="bill_source"), field("created_at"), field("cancelled_at"),
    field("cancel_reason", personal=personal_data.NUMBERS_IN_TEXT),  # a withdrawal's: the desk's words (h6)
    field("building"), field("unit"), field("room"),
    field("detail.kind", labels="fee"), field("detail.entered_at"), field("detail.exited_at"), field("detail.minutes"),
    field("detail.work_order_number"), field("detail.title", personal=personal_data.NUMBERS_IN_TEXT),
    field("detail.pricing", labels="pricing"), field("detail.area_m2"), field("detail.cents_per_m2"),
    field("updated_at"),
    field("covers_from"), field("covers_to"),
    field("payer", labels="bill_payer"), field("payer_name"),  # the developer's bills (开发建设单位): added later
]

PAYMENTS = [
    field("id", "_id"), field("household_id"), field("receipt_number"), field("amount_cents"),
    field("method", labels="method"), field("journal", labels="journal"), field("status", labels="payment_status"),
    field("cashier"), field("day"), field("posted_at"),
    field("unapplied_cents"), field("prepaid_cents"), field("prepaid_used_cents"), field("bill_ids"),
    field("note"), field("reversal_reason", "reversal.reason"), field("created_at"),
    field("building"), field("unit"), field("room"), field("updated_at"),
    field("transaction_id"),
    # money of the payment held for the household's seller at its sale (seller_prepaid.py): last,
    # after the columns a reader by position knew (found by review r2)
    field("seller_held_cents"),
    # the fee item a payment's money was paid ahead for (预交, ``prepaid_for``), which it pays alone: last,
    # after the columns a reader by position knew (found by review r5 of h5)
    field("prepaid_for", labels="fee"),
]

ARREARS = [
    field("household_id"), field("building"), field("unit"), field("room"), field("overdue_cents"),
    field("bills"), field("oldest_due_at"), field("age_days"), field("last_reminder_at"),
    field("as_of"),  # the past day of an export of the arrears as of it (filters.as_of), empty for today's
    # the part on the developer's bills (开发建设单位, ``payers``), the list's: last, after the columns a reader by
    # position knew (found by h2: the list named it, its export did not)
    field("developer_overdue_cents"),
]

COLUMNS = {"bills": BILLS, "payments": PAYMENTS, "arrears": ARREARS}
LISTS = {"bills": "list_bills", "payments": "list_payments", "arrears": "list_arrears"}
