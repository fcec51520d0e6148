"""finance entrypoints: thin. The steps of each call are in operations.py, the rules in
standards.py, billing.py, payments.py, journals.py, arrears.py and reports.py (numbers and
decisions in rules.py), storage in store.py."""
from nameko.timer import timer

from estate_common import config
from estate_common.nameko import (CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, ServiceBase,
                                  consumes, export_runners, rpc_method)
from estate_common.store import public

from . import exports, operations, store
from .rules import DEFAULTS

# How often the sweep looks for payments and reversals a crash left half-done (operations.py).
HALF_DONE_SWEEP_SECONDS = config.env_float("FINANCE_HALF_DONE_SWEEP_SECONDS", 30.0)


class FinanceService(CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, ServiceBase):
    name = "finance"
    indexes = store.INDEXES
    settings_defaults = DEFAULTS
    job_runners = {operations.BILLING_RUN: "_run_billing", **export_runners(exports.COLUMNS)}

    # -- exports (estate_common.exports): the columns in exports.py, the documents from the store --
    export_lists, export_columns = exports.LISTS, exports.COLUMNS

    def export_documents(self, resource, estate_id, filters):
        return operations.export_documents(self.db, resource, estate_id, filters)

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
        return operations.approve_standard(self.db, self.caller, payload["estate_id"], payload["id"])

    # -- billing runs (background jobs) ------------------------------------------
    @rpc_method
    def start_billing_run(self, payload):
        return operations.start_billing_run(self.db, self.caller, payload["estate_id"], payload["data"])

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

    @timer(interval=HALF_DONE_SWEEP_SECONDS)
    def finish_half_done(self):
        """Finishes payments and reversals whose writer died half-way (older than a grace period)."""
        operations.finish_half_done(self.db, self.outbox)

    # -- journals, settlements, reports ----------------------------------------------
    @rpc_method
    def list_journal_entries(self, payload):
        return store.list_entries(self.db, payload["estate_id"], payload.get("filters", {}),
                                  payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def settle_day(self, payload):
        return operations.settle_day(self.db, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_settlements(self, payload):
        return store.list_settlements(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def reconciliation_report(self, payload):
        return operations.reconciliation_report(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def disclosure_report(self, payload):
        return operations.disclosure_report(self.db, payload["estate_id"], payload["filters"]["period"])

    # -- arrears and KPIs ---------------------------------------------------------
    @rpc_method
    def list_arrears(self, payload):
        return operations.list_arrears(self.db, payload["estate_id"], payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def send_reminder(self, payload):
        return operations.send_reminder(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def kpis(self, payload):
        return operations.kpis(self.db, self.caller, payload["period"], payload["estate_ids"])

    # -- what other services tell us ------------------------------------------------
    @consumes("maintenance", "charge_raised")
    def bill_repair_charge(self, event):
        operations.take_charge(self.db, self.outbox, event)

    @consumes("security_patrol", "charge_raised")
    def bill_parking_charge(self, event):
        operations.take_charge(self.db, self.outbox, event)

    @consumes("customer_service", "charge_raised")
    def bill_renovation_charge(self, event):
        operations.take_charge(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_completed")
    def tally_work_order_cost(self, event):
        operations.record_expense(self.db, event)
