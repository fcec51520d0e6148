"""finance routes: fee standards, billing runs, bills, payments, journals, reports, arrears."""
from estate_common import job_scopes

from .. import policy
from . import ESTATE, Route

ROUTES = [
    Route("POST", f"{ESTATE}/fee-standards", "finance", "create_fee_standard", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/fee-standards", "finance", "list_fee_standards", policy.FINANCE,
          paged=True, filters=("item", "status")),
    Route("POST", f"{ESTATE}/fee-standards/<standard_id>/approve", "finance", "approve_fee_standard",
          policy.MANAGEMENT, id_param="standard_id"),
    Route("POST", f"{ESTATE}/billing-runs", "finance", "start_billing_run", job_scopes.starters(job_scopes.BILLING_RUN),
          status=202, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/billing-runs/<run_id>", "finance", "get_billing_run",
          job_scopes.readers(job_scopes.BILLING_RUN), id_param="run_id"),
    Route("GET", f"{ESTATE}/bills", "finance", "list_bills", policy.COLLECTORS,
          paged=True, filters=("household_id", "status", "period", "item")),
    Route("GET", f"{ESTATE}/bills/<bill_id>", "finance", "get_bill", policy.COLLECTORS, id_param="bill_id"),
    Route("POST", f"{ESTATE}/payments", "finance", "create_payment", policy.CASHIERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/payments", "finance", "list_payments", policy.FINANCE,
          paged=True, filters=("household_id", "status")),
    Route("GET", f"{ESTATE}/payments/<payment_id>", "finance", "get_payment", policy.FINANCE,
          id_param="payment_id"),
    Route("POST", f"{ESTATE}/payments/<payment_id>/reverse", "finance", "reverse_payment", policy.CASHIERS,
          body=True, id_param="payment_id"),
    Route("GET", f"{ESTATE}/journals", "finance", "list_journal_entries", policy.FINANCE,
          paged=True, filters=("journal", "day", "cashier", "kind")),
    Route("POST", f"{ESTATE}/journals/settlements", "finance", "settle_day", policy.CASHIERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/journals/settlements", "finance", "list_settlements", policy.FINANCE,
          paged=True, filters=("cashier", "date")),
    Route("GET", f"{ESTATE}/reports/reconciliation", "finance", "reconciliation_report", policy.FINANCE,
          filters=("period",)),
    Route("GET", f"{ESTATE}/reports/disclosure", "finance", "disclosure_report", policy.FINANCE,
          filters=("period",)),
    Route("GET", f"{ESTATE}/arrears", "finance", "list_arrears", policy.COLLECTORS, paged=True),
    Route("POST", f"{ESTATE}/arrears/reminders", "finance", "send_reminder", policy.COLLECTORS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/settings/finance", "finance", "get_settings", policy.MANAGEMENT),
    Route("PUT", f"{ESTATE}/settings/finance", "finance", "update_settings", policy.MANAGEMENT, body=True),
]
