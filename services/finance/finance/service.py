"""finance entrypoints: thin. The steps of each call are in operations.py, the rules in
standards.py, billing.py, payments.py, journals.py, arrears.py and reports.py (numbers and
decisions in rules.py), storage in store.py."""

from estate_common import config, replica
from estate_common.nameko import (CountsClosedRecords, CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, ServiceBase,
                                  consumes, export_runners, rpc_method)
from estate_common.nameko.timers import graceful_timer, timer
from estate_common.store import public

from . import exports, operations, store
from .rules import DEFAULTS, MAXIMA, MINIMA

# How often the sweep looks for payments and reversals a crash left half-done (operations.py).
HALF_DONE_SWEEP_SECONDS = config.env_float("FINANCE_HALF_DONE_SWEEP_SECONDS", 30.0)
# How often bills and payments without updated_at are looked for (at start, then rarely: none is written so)
UNSTAMPED_SWEEP_SECONDS = config.env_float("FINANCE_UNSTAMPED_SWEEP_SECONDS", 3600.0)


class FinanceService(CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, CountsClosedRecords,
                     ServiceBase):
    name = "finance"
    closed_store = store  # what it closed, counted for archive (CountsClosedRecords)
    indexes, retired_indexes = store.INDEXES, store.RETIRED_INDEXES
    settings_defaults, settings_minima, settings_maxima = DEFAULTS, MINIMA, MAXIMA
    job_runners = {operations.BILLING_RUN: "_run_billing", operations.OPENING_BALANCE_IMPORT: "_import_opening_balances",
                   operations.OPENING_CREDIT_IMPORT: "_import_opening_credits",
                   operations.BANK_STATEMENT_IMPORT: "_import_bank_statement",
                   **export_runners(exports.COLUMNS)}

    # -- exports (estate_common.exports): the columns in exports.py, the documents from the store --
    export_lists, export_columns = exports.LISTS, exports.COLUMNS

    def export_documents(self, resource, estate_id, filters):
        return operations.export_documents(self.db, resource, estate_id, filters)

    def check_export_filters(self, resource, estate_id, filters):
        operations.check_export_filters(self.db, resource, estate_id, filters)

    # -- fee standards -------------------------------------------------------
    @rpc_method
    def create_fee_standard(self, payload):
        return operations.create_standard(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_fee_standards(self, payload):
        return store.list_standards(self.db, payload["estate_id"], payload.get("filters", {}),
                                    payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def approve_fee_standard(self, payload):
        return operations.approve_standard(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"])

    @rpc_method
    def highest_parking_hour_price(self, payload):
        return operations.highest_parking_hour_price(self.db, payload["estate_id"])

    @rpc_method
    def reject_fee_standard(self, payload):
        return operations.reject_standard(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          payload["data"])

    # -- a household's own billing cycle (缴费周期) ---------------------------------
    @rpc_method
    def set_billing_cycle(self, payload):
        return operations.set_billing_cycle(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_billing_cycles(self, payload):
        return operations.list_billing_cycles(self.db, payload["estate_id"], payload.get("filters", {}),
                                              payload.get("limit"), payload.get("cursor"))

    # -- billing runs (background jobs) ------------------------------------------
    @rpc_method
    def start_billing_run(self, payload):
        return operations.start_billing_run(self.db, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_unbilled_months(self, payload):
        return operations.unbilled_months(self.db, payload["estate_id"], payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_billing_run(self, payload):
        return operations.get_billing_run(self.db, self.caller, payload["estate_id"], payload["id"])

    def _run_billing(self, job, progress):
        return operations.run_billing(self.db, self.outbox, job, progress)

    # -- bills and payments ------------------------------------------------------
    @rpc_method
    def list_bills(self, payload):
        return store.list_bills(self.db, payload["estate_id"], payload.get("filters", {}),
                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_bill(self, payload):
        return public(store.get_bill(self.db, payload["estate_id"], payload["id"]))

    @rpc_method
    def record_opening_balance(self, payload):
        return operations.record_opening_balance(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["data"])

    @rpc_method
    def start_opening_balance_import(self, payload):
        return operations.start_opening_balance_import(self.db, self.caller, payload["estate_id"], payload["data"])

    def _import_opening_balances(self, job, progress):
        return operations.import_opening_balances(self.db, self.outbox, job, progress)

    @rpc_method
    def record_opening_credit(self, payload):
        """What a household had paid the previous company in advance (期初预收), handed over."""
        return operations.record_opening_credit(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["data"])

    @rpc_method
    def reverse_opening_credit(self, payload):
        """An opening credit recorded wrong, reversed: no journal entry, its bills owed again."""
        return operations.reverse_opening_credit(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                 payload["data"])

    @rpc_method
    def start_opening_credit_import(self, payload):
        return operations.start_opening_credit_import(self.db, self.caller, payload["estate_id"], payload["data"])

    def _import_opening_credits(self, job, progress):
        return operations.import_opening_credits(self.db, self.outbox, job, progress)

    @rpc_method
    def create_payment(self, payload):
        return operations.post_payment(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_payments(self, payload):
        return store.list_payments(self.db, payload["estate_id"], payload.get("filters", {}),
                                   payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_payment(self, payload):
        return public(store.get_payment(self.db, payload["estate_id"], payload["id"]))

    @rpc_method
    def reverse_payment(self, payload):
        return operations.reverse_payment(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          payload["data"])

    @graceful_timer(interval=UNSTAMPED_SWEEP_SECONDS, eager=True)
    def stamp_unstamped(self):
        """At start, then every ``UNSTAMPED_SWEEP_SECONDS``: bills and payments written without
        updated_at (before it was kept, or by an older replica while a deploy rolls) get one
        (``operations.stamp_unstamped``); after a deploy there are none, and it finds none."""
        operations.stamp_unstamped(self.db)

    @timer(interval=HALF_DONE_SWEEP_SECONDS)
    def finish_half_done(self):
        """Finishes payments and reversals whose writer died half-way (older than a grace period)."""
        operations.finish_half_done(self.db, self.outbox)

    @rpc_method
    def household_account(self, payload):
        """A household's account (对账单): unpaid total, prepaid balance, a range's bills and payments."""
        return operations.household_account(self.db, payload["estate_id"], payload["id"], payload.get("filters") or {})

    @rpc_method
    def refund_seller_prepaid(self, payload):
        return operations.refund_seller_prepaid(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                payload["data"])

    @rpc_method
    def carry_over_seller_prepaid(self, payload):
        return operations.carry_over_seller_prepaid(self.db, self.outbox, self.caller, payload["estate_id"],
                                                    payload["id"], payload["data"])

    @rpc_method
    def issue_owner_access(self, payload):
        """A household owner's statement link (业主账单查询码), shown once, replacing the last (owner_access.py)."""
        return operations.issue_owner_access(self.db, self.caller, payload["estate_id"], payload["id"])

    @rpc_method
    def owner_statement(self, payload):
        """The public route an owner's code opens: their household's account, no ids, names or phones."""
        return operations.owner_statement(self.db, payload["access_code"])

    # -- deposits (押金) ---------------------------------------------------------------
    @rpc_method
    def list_deposits(self, payload):
        return operations.list_deposits(self.db, payload["estate_id"], payload.get("filters", {}),
                                        payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_deposit(self, payload):
        return operations.get_deposit(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def refund_deposit(self, payload):
        return operations.refund_deposit(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                         payload["data"])

    @rpc_method
    def reverse_deposit_deductions(self, payload):
        return operations.reverse_deposit_deductions(self.db, self.outbox, self.caller, payload["estate_id"],
                                                     payload["id"], payload["data"])

    @rpc_method
    def approve_deposit_refund(self, payload):
        return operations.decide_deposit_refund(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                "approve", payload.get("data") or {})

    @rpc_method
    def reject_deposit_refund(self, payload):
        return operations.decide_deposit_refund(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                "reject", payload["data"])

    # -- prepaid utilities (水电充值) --------------------------------------------------------
    @rpc_method
    def top_up_utility(self, payload):
        return operations.top_up_utility(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def record_utility_usage(self, payload):
        return operations.record_utility_usage(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["data"])

    @rpc_method
    def list_utility_accounts(self, payload):
        return operations.list_utility_accounts(self.db, payload["estate_id"], payload.get("filters", {}),
                                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def record_utility_owner_notice(self, payload):
        return operations.record_utility_owner_notice(self.db, self.outbox, self.caller, payload["estate_id"],
                                                      payload["id"], payload["data"])

    @rpc_method
    def list_utility_owner_notices(self, payload):
        return store.list_owner_notices(self.db, payload["estate_id"], payload.get("filters", {}),
                                        payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def reverse_utility_top_up(self, payload):
        return operations.reverse_top_up(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                         payload["data"])

    @rpc_method
    def list_utility_moves(self, payload):
        return store.list_moves(self.db, payload["estate_id"], payload.get("filters", {}),
                                payload.get("limit"), payload.get("cursor"))

    # -- money collected on behalf of others (代收代缴) ------------------------------------------
    @rpc_method
    def create_pass_through_payee(self, payload):
        return operations.create_pass_through_payee(self.db, self.outbox, self.caller, payload["estate_id"],
                                                    payload["data"])

    @rpc_method
    def set_pass_through_fee(self, payload):
        return operations.set_pass_through_fee(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                               payload["data"])

    @rpc_method
    def list_pass_through_payees(self, payload):
        return operations.list_pass_through_payees(self.db, payload["estate_id"], payload.get("limit"),
                                                   payload.get("cursor"))

    @rpc_method
    def record_pass_through_collection(self, payload):
        return operations.record_pass_through_collection(self.db, self.outbox, self.caller, payload["estate_id"],
                                                         payload["data"])

    @rpc_method
    def list_pass_through_collections(self, payload):
        return operations.list_pass_through_collections(self.db, payload["estate_id"], payload.get("filters", {}),
                                                        payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def remit_pass_through(self, payload):
        return operations.remit_pass_through(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                             payload["data"])

    @rpc_method
    def reverse_pass_through_collection(self, payload):
        return operations.reverse_pass_through_collection(self.db, self.outbox, self.caller, payload["estate_id"],
                                                          payload["id"], payload["data"])

    @rpc_method
    def list_pass_through_remittances(self, payload):
        return operations.list_pass_through_remittances(self.db, payload["estate_id"], payload.get("filters", {}),
                                                        payload.get("limit"), payload.get("cursor"))

    # -- invoices (发票) -------------------------------------------------------------------
    @rpc_method
    def request_invoice(self, payload):
        return operations.request_invoice(self.db, self.caller, payload["estate_id"], payload["id"], payload["data"])

    @rpc_method
    def void_invoice(self, payload):
        return operations.void_invoice(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                       payload["data"])

    @rpc_method
    def list_invoices(self, payload):
        return store.list_invoices(self.db, payload["estate_id"], payload.get("filters", {}),
                                   payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_invoice(self, payload):
        return public(store.get_invoice(self.db, payload["estate_id"], payload["id"]))

    # -- the special maintenance fund (专项维修资金) ---------------------------------------------
    @rpc_method
    def fund_deposit(self, payload):
        return operations.fund_deposit(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def reverse_fund_deposit(self, payload):
        return operations.reverse_fund_deposit(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                               payload["data"])

    @rpc_method
    def request_fund_use(self, payload):
        return operations.fund_use(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def approve_fund_use(self, payload):
        return operations.decide_fund_use(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          "approve", payload.get("data") or {})

    @rpc_method
    def reject_fund_use(self, payload):
        return operations.decide_fund_use(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          "reject", payload["data"])

    @rpc_method
    def list_fund_entries(self, payload):
        return operations.list_fund_entries(self.db, payload["estate_id"], payload.get("filters", {}),
                                            payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def fund_household_account(self, payload):
        """A flat's own account in the fund (分户账)."""
        return operations.fund_household_account(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def refund_exit_prepaid(self, payload):
        """A household's money owed back at the contract's end refunded to its owner (退还, exit_settlement.py)."""
        return operations.refund_exit_prepaid(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                              payload["data"])

    @rpc_method
    def transfer_exit_prepaid(self, payload):
        """Every household's money owed back at the contract's end handed to the next company (移交)."""
        return operations.transfer_exit_prepaid(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def get_exit_transfer(self, payload):
        return operations.get_exit_transfer(self.db, payload["estate_id"], payload["filters"]["as_of"])

    @rpc_method
    def handover_money(self, payload):
        """Finance's part of the handover package at a contract's end (物业撤场交接, exit_handover.py)."""
        return operations.handover_money(self.db, payload["estate_id"], payload["filters"]["as_of"])

    @rpc_method
    def fund_statement(self, payload):
        return operations.fund_statement(self.db, payload["estate_id"], payload["filters"]["period"])

    # -- journals, settlements, reports ----------------------------------------------
    @rpc_method
    def list_journal_entries(self, payload):
        return store.list_entries(self.db, payload["estate_id"], payload.get("filters", {}),
                                  payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def settle_day(self, payload):
        return operations.settle_day(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_settlements(self, payload):
        return store.list_settlements(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def list_unsettled_days(self, payload):
        return operations.unsettled_days(self.db, payload["estate_id"], payload.get("filters", {}),
                                         payload.get("limit"), payload.get("cursor"))

    # -- the bank statement matched (银行对账) ------------------------------------------------
    @rpc_method
    def start_bank_statement_import(self, payload):
        return operations.start_bank_statement_import(self.db, self.caller, payload["estate_id"], payload["data"])

    def _import_bank_statement(self, job, progress):
        return operations.import_bank_statement(self.db, job, progress)

    @rpc_method
    def bank_reconciliation(self, payload):
        return operations.bank_reconciliation(self.db, self.caller, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def confirm_bank_match(self, payload):
        return operations.confirm_bank_match(self.db, self.caller, payload["estate_id"], payload["id"], payload["data"])

    @rpc_method
    def explain_bank_line(self, payload):
        return operations.explain_bank_line(self.db, self.caller, payload["estate_id"], payload["id"], payload["data"])

    @rpc_method
    def reconciliation_report(self, payload):
        return operations.reconciliation_report(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def arrears_carried_out(self, payload):
        return operations.arrears_carried_out_across(self.db, self.caller, payload["period"], payload["estate_ids"])

    @rpc_method
    def disclosure_report(self, payload):
        return operations.disclosure_report(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def record_operating_expense(self, payload):
        return operations.record_operating_expense(self.db, self.outbox, self.caller, payload["estate_id"],
                                                   payload["data"])

    @rpc_method
    def reverse_operating_expense(self, payload):
        return operations.reverse_operating_expense(self.db, self.outbox, self.caller, payload["estate_id"],
                                                    payload["id"], payload["data"])

    @rpc_method
    def list_operating_expenses(self, payload):
        return store.list_operating_expenses(self.db, payload["estate_id"], payload.get("filters", {}),
                                             payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def register_revenue_contract(self, payload):
        return operations.register_revenue_contract(self.db, self.outbox, self.caller, payload["estate_id"],
                                                    payload["data"])

    @rpc_method
    def list_revenue_contracts(self, payload):
        return store.list_revenue_contracts(self.db, payload["estate_id"], payload.get("filters", {}),
                                            payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_revenue_contract(self, payload):
        return public(store.get_listed(self.db, "revenue_contracts", payload["estate_id"], payload["id"]))

    @rpc_method
    def record_revenue_receipt(self, payload):
        return operations.record_revenue_receipt(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["id"], payload["data"])

    @rpc_method
    def reverse_revenue_receipt(self, payload):
        return operations.reverse_revenue_receipt(self.db, self.outbox, self.caller, payload["estate_id"],
                                                  payload["id"], payload["data"])

    @rpc_method
    def refund_revenue_contract(self, payload):
        """The money received for the periods after a contract's early end paid back (public_revenue.py)."""
        return operations.refund_revenue_contract(self.db, self.outbox, self.caller, payload["estate_id"],
                                                  payload["id"], payload["data"])

    @rpc_method
    def terminate_revenue_contract(self, payload):
        return operations.terminate_revenue_contract(self.db, self.outbox, self.caller, payload["estate_id"],
                                                     payload["id"], payload["data"])

    @rpc_method
    def list_revenue_receipts(self, payload):
        return store.list_revenue_receipts(self.db, payload["estate_id"], payload.get("filters", {}),
                                           payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def revenue_arrears(self, payload):
        return operations.revenue_arrears(self.db, payload["estate_id"], payload.get("filters", {}))

    @rpc_method
    def publish_disclosure(self, payload):
        return operations.publish_disclosure(self.db, self.caller, payload["estate_id"], payload["id"])

    @rpc_method
    def list_disclosures(self, payload):
        return store.list_disclosures(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def published_disclosures(self, payload):
        """The public list (the gateway's public route): periods, versions and times only."""
        return operations.published_disclosures(self.db, payload["estate_code"], payload.get("limit"),
                                                payload.get("cursor"))

    @rpc_method
    def published_fee_standards(self, payload):
        """The public route's fee standards (收费标准公示): approved, in force now or later, no households."""
        return operations.published_fee_standards(self.db, payload["estate_code"])

    @rpc_method
    def published_disclosure(self, payload):
        """The public read-only link (the gateway's public route): a published disclosure only, no personal data."""
        return operations.published_disclosure(self.db, payload["estate_code"], payload["period"])

    # -- arrears and KPIs ---------------------------------------------------------
    @rpc_method
    def list_arrears(self, payload):
        return operations.list_arrears(self.db, payload["estate_id"], payload.get("limit"), payload.get("cursor"),
                                       payload.get("filters"))

    @rpc_method
    def send_reminder(self, payload):
        return operations.send_reminder(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_reminders(self, payload):
        return operations.list_reminders(self.db, payload["estate_id"], payload.get("filters"), payload.get("limit"),
                                         payload.get("cursor"))

    @rpc_method
    def kpis(self, payload):
        return operations.kpis(self.db, self.caller, payload["period"], payload["estate_ids"])

    # -- what other services tell us ------------------------------------------------
    @consumes("archive", "estate_restated")
    def restate_estate(self, event):
        """The copy (``CopiesEstates``'), and the opening credits recorded before they were
        announced announced once (archive keeps them)."""
        replica.restate(self.db, "estate", event["data"])
        operations.announce_opening_credits(self.db, self.outbox, event["estate_id"])

    @consumes("archive", "household_updated")
    def copy_household_edit(self, event):
        """The copy (``CopiesHouseholds``'), and a sale's day holds the seller's prepaid money."""
        operations.copy_household(self.db, self.outbox, event["data"],
                                  lambda: replica.apply(self.db, "household", event))

    @consumes("archive", "households_restated")
    def restate_households(self, event):
        """The copies sent again, each as ``CopiesHouseholds``' (a sale announced before owner_since
        was: its day now holds the seller's money left)."""
        for household in event["data"]["households"]:
            operations.copy_household(self.db, self.outbox, household,
                                      lambda household=household: replica.restate(self.db, "household", household))

    @consumes("maintenance", "charge_raised")
    def bill_repair_charge(self, event):
        operations.take_charge(self.db, self.outbox, event)

    @consumes("security_patrol", "charge_raised")
    def bill_parking_charge(self, event):
        operations.take_charge(self.db, self.outbox, event)

    @consumes("customer_service", "charge_raised")
    def bill_renovation_charge(self, event):
        operations.take_charge(self.db, self.outbox, event)

    @consumes("customer_service", "charge_withdrawn")
    def cancel_renovation_charge(self, event):
        operations.withdraw_charge(self.db, self.outbox, event)

    @consumes("customer_service", "renovation_accepted")
    def release_renovation_deposit(self, event):
        operations.renovation_accepted(self.db, self.outbox, event)

    @consumes("archive", "meter_reading_recorded")
    def take_meter_reading(self, event):
        """A meter read at a handover or a sale: its prepaid account's meter base (utilities.py)."""
        operations.take_meter_reading(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_completed")
    def tally_work_order_cost(self, event):
        operations.record_expense(self.db, event)

    @consumes("customer_service", "contractor_month_signed")
    def record_contractor_month(self, event):
        """A cleaning or greening contractor's month signed: its fee less the deduction, an operating cost."""
        operations.record_contractor_month(self.db, self.outbox, event)

    # -- one record of a list, by its id: an integrator reads back what it created ----------------
    @rpc_method
    def get_fee_standard(self, payload):
        return public(store.get_listed(self.db, "fee_standards", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_operating_expense(self, payload):
        return public(store.get_listed(self.db, "operating_expenses", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_settlement(self, payload):
        return public(store.get_listed(self.db, "settlements", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_utility_move(self, payload):
        """A top-up, a usage or a top-up's reversal, as ``…/utilities/moves`` lists it."""
        return public(store.get_listed(self.db, "utility_moves", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_fund_entry(self, payload):
        """A deposit or a use of the maintenance fund, as ``…/maintenance-fund/entries`` lists it."""
        return operations.get_fund_entry(self.db, payload["estate_id"], payload["id"])

