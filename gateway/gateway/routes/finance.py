"""finance routes: fee standards, billing runs, bills, payments, journals, reports, arrears."""
from estate_common import job_scopes

from .. import assignees, policy, references
from . import ESTATE, PUBLIC, Route

ROUTES = [
    Route("POST", f"{ESTATE}/fee-standards", "finance", "create_fee_standard", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True, facts=references.parking_cap_fact),
    Route("GET", f"{ESTATE}/fee-standards", "finance", "list_fee_standards", policy.FINANCE,
          paged=True, filters=("item", "status")),
    # one record of a list by its id, with the list's roles (an integrator reads back what it created)
    Route("GET", f"{ESTATE}/fee-standards/<standard_id>", "finance", "get_fee_standard", policy.FINANCE,
          id_param="standard_id"),
    Route("POST", f"{ESTATE}/fee-standards/<standard_id>/approve", "finance", "approve_fee_standard",
          policy.MANAGEMENT, id_param="standard_id", facts=references.parking_cap_fact_of_approval),
    # a pending standard turned down by a manager, or withdrawn by the accountant who proposed it
    Route("POST", f"{ESTATE}/fee-standards/<standard_id>/reject", "finance", "reject_fee_standard",
          policy.FEE_SETTERS, body=True, id_param="standard_id"),
    Route("POST", f"{ESTATE}/billing-runs", "finance", "start_billing_run", job_scopes.starters(job_scopes.BILLING_RUN),
          status=202, body=True, idempotent=True),
    # a household paying the estate's monthly standard by its own cycle (缴费周期: 按季 / 按年缴费), set by those
    # who set fees (found by h8: a named household's quarterly standard was a 409 beside every household's)
    Route("POST", f"{ESTATE}/billing-cycles", "finance", "set_billing_cycle", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/billing-cycles", "finance", "list_billing_cycles", policy.FINANCE,
          paged=True, filters=("household_id", "item")),
    # the months a run should have billed and has not (billing runs are manual): read by finance's staff
    Route("GET", f"{ESTATE}/unbilled-months", "finance", "list_unbilled_months", policy.FINANCE, paged=True),
    Route("GET", f"{ESTATE}/billing-runs/<run_id>", "finance", "get_billing_run",
          job_scopes.readers(job_scopes.BILLING_RUN), id_param="run_id"),
    Route("GET", f"{ESTATE}/bills", "finance", "list_bills", policy.COLLECTORS,
          paged=True, filters=("household_id", "status", "period", "item", "source", "payer", "updated_since")),
    # what households owed the previous property company, carried over when the estate is taken on (期初欠费)
    Route("POST", f"{ESTATE}/opening-balances", "finance", "record_opening_balance", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    # what owners had paid the previous property company in advance, handed over (期初预收): those who
    # carry the opening balances over
    Route("POST", f"{ESTATE}/opening-credits", "finance", "record_opening_credit", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    # an opening credit recorded wrong (a typo in the previous company's list), reversed by those who hand
    # credits over: no journal entry, its bills owed again (the cashiers' payment reversal refuses it)
    Route("POST", f"{ESTATE}/opening-credits/<payment_id>/reverse", "finance", "reverse_opening_credit",
          policy.FEE_SETTERS, body=True, id_param="payment_id", idempotent=True),
    Route("GET", f"{ESTATE}/bills/<bill_id>", "finance", "get_bill", policy.COLLECTORS, id_param="bill_id"),
    Route("POST", f"{ESTATE}/payments", "finance", "create_payment", policy.CASHIERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/payments", "finance", "list_payments", policy.FINANCE,
          paged=True, filters=("household_id", "status", "updated_since", "transaction_id", "receipt_number", "kind")),
    Route("GET", f"{ESTATE}/payments/<payment_id>", "finance", "get_payment", policy.FINANCE,
          id_param="payment_id"),
    Route("POST", f"{ESTATE}/payments/<payment_id>/reverse", "finance", "reverse_payment", policy.CASHIERS,
          body=True, id_param="payment_id", idempotent=True),
    # a household's account (对账单): its bills and its payments, so the roles that read both
    Route("GET", f"{ESTATE}/households/<household_id>/account", "finance", "household_account", policy.FINANCE,
          id_param="household_id", filters=("from", "to")),
    # the owner's statement link, handed by those who deal with owners about money; its code shown once
    Route("POST", f"{ESTATE}/households/<household_id>/owner-access", "finance", "issue_owner_access",
          policy.COLLECTORS, status=201, id_param="household_id", shown_once=("code",)),
    Route("GET", f"{ESTATE}/deposits", "finance", "list_deposits", policy.FINANCE,
          paged=True, filters=("household_id", "application_id", "status")),
    Route("GET", f"{ESTATE}/deposits/<deposit_id>", "finance", "get_deposit", policy.FINANCE,
          id_param="deposit_id"),
    Route("POST", f"{ESTATE}/deposits/<deposit_id>/refund", "finance", "refund_deposit", policy.CASHIERS,
          body=True, id_param="deposit_id", idempotent=True),
    # deductions made in error taken back by a manager (冲销押金扣除): reversing entries, never edits
    Route("POST", f"{ESTATE}/deposits/<deposit_id>/refund/reverse-deductions", "finance", "reverse_deposit_deductions",
          policy.MANAGEMENT, body=True, id_param="deposit_id", idempotent=True, facts=assignees.cashier_fact),
    # a cashier's deductions above the estate's threshold wait for a manager (押金扣除审批)
    Route("POST", f"{ESTATE}/deposits/<deposit_id>/refund/approve", "finance", "approve_deposit_refund",
          policy.MANAGEMENT, body=True, id_param="deposit_id"),
    Route("POST", f"{ESTATE}/deposits/<deposit_id>/refund/reject", "finance", "reject_deposit_refund",
          policy.MANAGEMENT, body=True, id_param="deposit_id"),
    # a seller's prepaid money held at the household's sale (finance/seller_prepaid.py): refunded by
    # the accountant (money out on his journal of the day) or a cashier; carried over to the buyer by
    # their agreement by the accountant or a manager (no money moves)
    Route("POST", f"{ESTATE}/seller-prepaid/<hold_id>/refund", "finance", "refund_seller_prepaid",
          policy.FEE_SETTERS | policy.CASHIERS, body=True, id_param="hold_id", idempotent=True),
    Route("POST", f"{ESTATE}/seller-prepaid/<hold_id>/carry-over", "finance", "carry_over_seller_prepaid",
          policy.FEE_SETTERS, body=True, id_param="hold_id", idempotent=True),
    # the owners' money owed back at the contract's end (finance/exit_settlement.py, 物业撤场): a household's
    # refunded to its owner, or every household's handed to the next company in one batch, by the
    # accountant or a manager (money out on his journal of the day); a retired estate's too (CLOSES_OUT)
    Route("POST", f"{ESTATE}/households/<household_id>/exit-refund", "finance", "refund_exit_prepaid",
          policy.FEE_SETTERS, body=True, id_param="household_id", idempotent=True),
    Route("POST", f"{ESTATE}/exit-transfers", "finance", "transfer_exit_prepaid", policy.FEE_SETTERS,
          body=True, idempotent=True),
    Route("GET", f"{ESTATE}/exit-transfers", "finance", "get_exit_transfer", policy.FINANCE, filters=("as_of",)),
    # what they settle: finance's part of the handover package alone, by household (the package is
    # management's, its other parts not the accountant's), read by whoever refunds or hands it over
    Route("GET", f"{ESTATE}/exit-money", "finance", "handover_money", policy.FEE_SETTERS, filters=("as_of",)),
    # 代收代缴: money collected for others (gas, broadband, water companies): payees and their fees set by those who set
    # fees, the owners' money received by the cashiers, handed on by those who receive the estate's other money
    Route("POST", f"{ESTATE}/pass-through/payees", "finance", "create_pass_through_payee", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/pass-through/payees", "finance", "list_pass_through_payees", policy.FINANCE, paged=True),
    Route("POST", f"{ESTATE}/pass-through/payees/<payee_id>/fee", "finance", "set_pass_through_fee", policy.FEE_SETTERS,
          body=True, id_param="payee_id"),
    Route("POST", f"{ESTATE}/pass-through/payees/<payee_id>/remittances", "finance", "remit_pass_through",
          policy.REVENUE_RECEIVERS, status=201, body=True, id_param="payee_id", idempotent=True),
    Route("POST", f"{ESTATE}/pass-through/collections", "finance", "record_pass_through_collection", policy.CASHIERS,
          status=201, body=True, idempotent=True),
    # a collection recorded by mistake reversed (冲销代收款, h4): by the cashiers, as a payment's reversal
    Route("POST", f"{ESTATE}/pass-through/collections/<collection_id>/reverse", "finance",
          "reverse_pass_through_collection", policy.CASHIERS, status=201, body=True, id_param="collection_id",
          idempotent=True),
    Route("GET", f"{ESTATE}/pass-through/collections", "finance", "list_pass_through_collections", policy.FINANCE,
          paged=True, filters=("payee_id", "household_id", "period", "receipt_number")),
    Route("GET", f"{ESTATE}/pass-through/remittances", "finance", "list_pass_through_remittances", policy.FINANCE,
          paged=True, filters=("payee_id", "period")),
    Route("POST", f"{ESTATE}/utilities/top-ups", "finance", "top_up_utility", policy.CASHIERS,
          status=201, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/utilities/top-ups/<move_id>/reverse", "finance", "reverse_utility_top_up",
          policy.CASHIERS, body=True, id_param="move_id", idempotent=True),
    Route("POST", f"{ESTATE}/utilities/usages", "finance", "record_utility_usage", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    # the low balances' owners told (遇预存余额不足的，及时通知业主并做好书面记录): by who chases arrears,
    # the finance staff, stewards and the front desk, who read the low balances for it
    Route("GET", f"{ESTATE}/utilities/accounts", "finance", "list_utility_accounts", policy.COLLECTORS,
          paged=True, filters=("household_id", "utility", "low")),
    Route("POST", f"{ESTATE}/utilities/accounts/<account_id>/owner-notices", "finance", "record_utility_owner_notice",
          policy.COLLECTORS, status=201, body=True, id_param="account_id", idempotent=True),
    Route("GET", f"{ESTATE}/utilities/owner-notices", "finance", "list_utility_owner_notices", policy.COLLECTORS,
          paged=True, filters=("household_id", "account_id")),
    Route("GET", f"{ESTATE}/utilities/moves", "finance", "list_utility_moves", policy.FINANCE,
          paged=True, filters=("household_id", "utility", "kind", "receipt_number")),
    Route("GET", f"{ESTATE}/utilities/moves/<move_id>", "finance", "get_utility_move", policy.FINANCE,
          id_param="move_id"),
    Route("POST", f"{ESTATE}/payments/<payment_id>/invoices", "finance", "request_invoice", policy.FINANCE,
          status=201, body=True, id_param="payment_id", idempotent=True),
    Route("GET", f"{ESTATE}/invoices", "finance", "list_invoices", policy.FINANCE,
          paged=True, filters=("payment_id", "household_id", "status")),
    Route("GET", f"{ESTATE}/invoices/<invoice_id>", "finance", "get_invoice", policy.FINANCE, id_param="invoice_id"),
    Route("POST", f"{ESTATE}/invoices/<invoice_id>/void", "finance", "void_invoice", policy.FEE_SETTERS,
          body=True, id_param="invoice_id"),
    Route("POST", f"{ESTATE}/maintenance-fund/deposits", "finance", "fund_deposit", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    Route("POST", f"{ESTATE}/maintenance-fund/deposits/<entry_id>/reverse", "finance", "reverse_fund_deposit",
          policy.FEE_SETTERS, body=True, id_param="entry_id", idempotent=True),
    Route("POST", f"{ESTATE}/maintenance-fund/uses", "finance", "request_fund_use", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True, facts=references.work_order_fact),
    Route("POST", f"{ESTATE}/maintenance-fund/uses/<entry_id>/approve", "finance", "approve_fund_use",
          policy.MANAGEMENT, body=True, id_param="entry_id", facts=references.fund_use_work_order_fact),
    Route("POST", f"{ESTATE}/maintenance-fund/uses/<entry_id>/reject", "finance", "reject_fund_use",
          policy.MANAGEMENT, body=True, id_param="entry_id"),
    Route("GET", f"{ESTATE}/maintenance-fund/entries", "finance", "list_fund_entries", policy.FINANCE,
          paged=True, filters=("kind", "status", "household_id", "work_order_id")),
    Route("GET", f"{ESTATE}/maintenance-fund/entries/<entry_id>", "finance", "get_fund_entry", policy.FINANCE,
          id_param="entry_id"),
    # a flat's own account in the fund (分户账): its deposits and its shares of the uses it shares
    Route("GET", f"{ESTATE}/maintenance-fund/households/<household_id>", "finance", "fund_household_account",
          policy.FINANCE, id_param="household_id"),
    Route("GET", f"{ESTATE}/maintenance-fund/statement", "finance", "fund_statement", policy.FINANCE,
          filters=("period",)),
    Route("GET", f"{ESTATE}/journals", "finance", "list_journal_entries", policy.FINANCE,
          paged=True, filters=("journal", "day", "cashier", "kind")),
    Route("POST", f"{ESTATE}/journals/settlements", "finance", "settle_day", policy.SETTLERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/journals/settlements", "finance", "list_settlements", policy.FINANCE,
          paged=True, filters=("cashier", "date")),
    Route("GET", f"{ESTATE}/journals/settlements/<settlement_id>", "finance", "get_settlement", policy.FINANCE,
          id_param="settlement_id"),
    # the past days with entries and no settlement (日清月结), read by those who read settlements
    Route("GET", f"{ESTATE}/journals/unsettled-days", "finance", "list_unsettled_days", policy.FINANCE,
          paged=True, filters=("cashier",)),
    Route("GET", f"{ESTATE}/reports/reconciliation", "finance", "reconciliation_report", policy.FINANCE,
          filters=("period",)),
    Route("GET", f"{ESTATE}/reports/disclosure", "finance", "disclosure_report", policy.FINANCE,
          filters=("period",)),
    # 银行对账: the month's bank statement (POST …/bank-statements/import, gateway/uploads.py) matched to the
    # bank journal, read and worked by who uploads it, the accountant and management (job_scopes), where the
    # accountant could only search payments by transaction_id (found by h14, the bank's statement matched)
    Route("GET", f"{ESTATE}/reports/bank-reconciliation", "finance", "bank_reconciliation",
          job_scopes.readers(job_scopes.BANK_STATEMENT_IMPORT), filters=("period",)),
    Route("POST", f"{ESTATE}/bank-statements/lines/<line_id>/confirm", "finance", "confirm_bank_match",
          job_scopes.readers(job_scopes.BANK_STATEMENT_IMPORT), body=True, id_param="line_id"),
    Route("POST", f"{ESTATE}/bank-statements/lines/<line_id>/explain", "finance", "explain_bank_line",
          job_scopes.readers(job_scopes.BANK_STATEMENT_IMPORT), body=True, id_param="line_id"),
    # 公共收益: the common parts' income, the owners' money less the operator's share; registered by the accountant and
    # management (FEE_SETTERS), received by them and the cashier (REVENUE_RECEIVERS), read by finance; owners read its totals in the published disclosure
    Route("POST", f"{ESTATE}/public-revenue/contracts", "finance", "register_revenue_contract", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/public-revenue/contracts", "finance", "list_revenue_contracts", policy.FINANCE,
          paged=True, filters=("kind",)),
    Route("GET", f"{ESTATE}/public-revenue/contracts/<contract_id>", "finance", "get_revenue_contract", policy.FINANCE,
          id_param="contract_id"),
    Route("POST", f"{ESTATE}/public-revenue/contracts/<contract_id>/receipts", "finance", "record_revenue_receipt",
          policy.REVENUE_RECEIVERS, status=201, body=True, id_param="contract_id", idempotent=True),
    Route("GET", f"{ESTATE}/public-revenue/receipts", "finance", "list_revenue_receipts", policy.FINANCE,
          paged=True, filters=("contract_id", "kind", "period", "status")),
    # a receipt typed wrong reversed, a contract ended early or cancelled: by a manager, as a deposit's
    # deductions are taken back (its money the owners', the fund's part taken back out with it)
    Route("POST", f"{ESTATE}/public-revenue/receipts/<receipt_id>/reverse", "finance", "reverse_revenue_receipt",
          policy.MANAGEMENT, body=True, id_param="receipt_id", idempotent=True),
    Route("POST", f"{ESTATE}/public-revenue/contracts/<contract_id>/terminate", "finance",
          "terminate_revenue_contract", policy.MANAGEMENT, body=True, id_param="contract_id", idempotent=True),
    # the money received for the periods after a contract's early end paid back (h5)
    Route("POST", f"{ESTATE}/public-revenue/contracts/<contract_id>/refund", "finance",
          "refund_revenue_contract", policy.MANAGEMENT, body=True, id_param="contract_id", idempotent=True),
    Route("GET", f"{ESTATE}/public-revenue/arrears", "finance", "revenue_arrears", policy.FINANCE,
          filters=("as_of",)),
    Route("POST", f"{ESTATE}/operating-expenses", "finance", "record_operating_expense", policy.FEE_SETTERS,
          status=201, body=True, idempotent=True, facts=references.contractor_fact),
    Route("GET", f"{ESTATE}/operating-expenses", "finance", "list_operating_expenses", policy.FINANCE,
          paged=True, filters=("period", "category", "contractor_id", "duplicate")),
    Route("GET", f"{ESTATE}/operating-expenses/<expense_id>", "finance", "get_operating_expense", policy.FINANCE,
          id_param="expense_id"),
    # a cost typed wrong is reversed (冲销), never edited: by those who record costs
    Route("POST", f"{ESTATE}/operating-expenses/<expense_id>/reverse", "finance", "reverse_operating_expense",
          policy.FEE_SETTERS, body=True, id_param="expense_id", idempotent=True),
    # DOMAIN.md's roles table gives the disclosure to accounts: the accountant publishes it too
    Route("POST", f"{ESTATE}/reports/disclosure/<period>/publish", "finance", "publish_disclosure",
          policy.FEE_SETTERS, id_param="period"),
    Route("GET", f"{ESTATE}/disclosures", "finance", "list_disclosures", policy.FINANCE,
          paged=True, filters=("period",)),
    Route("GET", f"{ESTATE}/arrears", "finance", "list_arrears", policy.COLLECTORS, paged=True,
          filters=("as_of",)),
    Route("POST", f"{ESTATE}/arrears/reminders", "finance", "send_reminder", policy.COLLECTORS,
          status=201, body=True, idempotent=True),
    # the reminders sent (催缴), which were recorded and listed nowhere (a probe of the steward's month)
    Route("GET", f"{ESTATE}/arrears/reminders", "finance", "list_reminders", policy.COLLECTORS, paged=True,
          filters=("household_id", "period", "newest_first")),
    Route("GET", f"{ESTATE}/settings/finance", "finance", "get_settings", policy.MANAGEMENT),
    Route("PUT", f"{ESTATE}/settings/finance", "finance", "update_settings", policy.MANAGEMENT, body=True),
]


# owners read a published income and expense disclosure (收支公示) without an account: the
# public routes' view (public.py) counts it against the portal's rate limits
PUBLIC_ROUTES = [
    Route("GET", f"{PUBLIC}/estates/<estate_code>/disclosures", "finance", "published_disclosures",
          frozenset(), paged=True, public=True),
    Route("GET", f"{PUBLIC}/estates/<estate_code>/disclosures/<period>", "finance", "published_disclosure",
          frozenset(), public=True),
    # the fee standards published to owners (收费标准公示): approved ones in force now or later (h6's probe)
    Route("GET", f"{PUBLIC}/estates/<estate_code>/fee-standards", "finance", "published_fee_standards",
          frozenset(), public=True),
    # an owner's statement link (业主账单查询码): their household's bills and payments (finance/owner_access.py)
    Route("GET", f"{PUBLIC}/accounts/<access_code>", "finance", "owner_statement", frozenset(), public=True),
]
