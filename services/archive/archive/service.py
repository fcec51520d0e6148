"""archive service entrypoints: thin. The steps of each call are in operations.py (through the
one write path, estate_common.writes); the rules in domain.py (master data, records, change
log), imports.py (households from a spreadsheet), borrowing.py and checks.py, their numbers in
rules.py; storage in store.py."""
from estate_common import config, roles, stopping
from estate_common.nameko import (EstateSettings, ExportsResources, HasCustomFields, ServiceBase, consumes, export_runners,
                                  rpc_method)
from estate_common.nameko.timers import graceful_timer
from estate_common.store import public

from . import domain, exports, handover_batches, imports, operations, restatements, store
from .rules import DEFAULTS, MAXIMA, MINIMA

# How often households registered without an address key (before keys were kept, or by a replica
# of the version before while a deploy rolls) are keyed: operations.keep_address_keys (seconds).
ADDRESS_KEY_SWEEP_SECONDS = config.env_float("ADDRESS_KEY_SWEEP_SECONDS", 600.0)
# How often former tenants' and family members' personal data past the estate's
# former_resident_retention_days is masked for good: operations.erase_former_residents (seconds).
RETENTION_SWEEP_SECONDS = config.env_float("RETENTION_SWEEP_SECONDS", 3600.0)


class ArchiveService(EstateSettings, HasCustomFields, ExportsResources, ServiceBase):
    name = "archive"
    indexes = store.INDEXES
    settings_defaults, settings_minima, settings_maxima = DEFAULTS, MINIMA, MAXIMA
    # the archivist reads the numbers the archive's rules are judged by (a manager changes them)
    settings_readers = roles.MANAGEMENT | {"archivist"}
    job_runners = {imports.JOB_KIND: "_import_households", restatements.JOB_KIND: "_restate_copies",
                   handover_batches.JOB_KIND: "_record_handover_batch",
                   **export_runners(exports.COLUMNS)}
    retired_collections = ("import_files",)  # uploaded owner lists kept forever; now on their job until it ends

    # -- exports (estate_common.exports): the columns in exports.py, the documents from the store --
    export_lists, export_columns = exports.LISTS, exports.COLUMNS

    def export_timezone(self, estate_id):
        return store.estate_timezone(self.db, estate_id)  # archive keeps the estates themselves

    def export_scope(self, resource, filters):
        if resource == "households":
            store.by_address(filters, "data.filters.sort")  # refused at the start, as the list refuses it
        return filters

    def export_documents(self, resource, estate_id, filters):
        if resource == "vacant_inspections":
            return operations.export_inspections(self.db, estate_id, filters)
        if resource == "meter_readings":
            return operations.export_meter_readings(self.db, estate_id, filters)
        return store.export_households(self.db, estate_id, filters)

    # -- estates --------------------------------------------------------------------
    @rpc_method
    def create_estate(self, payload):
        return operations.create_estate(self.db, self.outbox, payload["data"])

    @rpc_method
    def update_estate(self, payload):
        return operations.update_estate(self.db, self.outbox, payload["estate_id"], payload["data"])

    @rpc_method
    def retire_estate(self, payload):
        return operations.retire_estate(self.db, self.outbox, self.caller, payload["estate_id"], payload["retired"],
                                        payload.get("record"))

    @rpc_method
    def list_estates(self, payload):
        return operations.list_estates(self.db, self.caller, payload.get("filters") or {}, payload.get("limit"),
                                       payload.get("cursor"))

    @rpc_method
    def get_estate(self, payload):
        return domain.estate_view(public(store.get_estate(self.db, payload["estate_id"])))

    # -- households -----------------------------------------------------------------
    @graceful_timer(interval=ADDRESS_KEY_SWEEP_SECONDS, eager=True)
    def keep_address_keys(self):
        """``operations.keep_address_keys``: at start (the backfill), then the households
        registered lately, so that the duplicate check (``domain.address_key``) finds every flat.
        A stop ends it between two households (that estate is swept again from where its last
        sweep began)."""
        operations.keep_address_keys(self.db, stopping=lambda: stopping.is_stopping(self.name))
        # and their place in the list's address order (sort=address), kept the same way
        operations.keep_address_orders(self.db, stopping=lambda: stopping.is_stopping(self.name))
        # and the numbers each is found by (the desk's search by phone), kept the same way
        operations.keep_phone_keys(self.db, stopping=lambda: stopping.is_stopping(self.name))
        # and the day each is counted from for its inspections (the vacant units due), from what is left
        operations.keep_inspect_from(self.db, stopping=lambda: stopping.is_stopping(self.name))
        # and, each estate once, its borrow requests returned late before that was kept at the return
        operations.flag_late_returns(self.db, stopping=lambda: stopping.is_stopping(self.name))

    @graceful_timer(interval=RETENTION_SWEEP_SECONDS)
    def erase_former_residents(self):
        """``operations.erase_former_residents``: a tenant's or family member's name, phone and ID
        number masked for good once the estate's ``former_resident_retention_days`` have passed
        since they left (PIPL art. 19). A stop ends it between two households."""
        operations.erase_former_residents(self.db, self.outbox, stopping=lambda: stopping.is_stopping(self.name))

    @rpc_method
    def create_household(self, payload):
        return operations.create_household(self.db, self.outbox, payload["estate_id"], payload["data"])

    @rpc_method
    def update_household(self, payload):
        return operations.update_household(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                           payload["data"])

    # -- a household's people and status, vacant-unit inspections (occupants.py) ----------
    @rpc_method
    def list_occupants(self, payload):
        return operations.list_occupants(self.db, payload["estate_id"], payload["id"], payload.get("filters", {}))

    @rpc_method
    def add_occupant(self, payload):
        return operations.add_occupant(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                       payload["data"])

    @rpc_method
    def end_occupant_stay(self, payload):
        return operations.end_stay(self.db, self.outbox, payload["estate_id"], payload["id"], payload["item"],
                                   payload["data"])

    @rpc_method
    def transfer_owner(self, payload):
        return operations.transfer_owner(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                         payload["data"])

    @rpc_method
    def change_household_status(self, payload):
        return operations.change_household_status(self.db, self.outbox, self.caller, payload["estate_id"],
                                                  payload["id"], payload["data"])

    @rpc_method
    def record_vacant_inspection(self, payload):
        return operations.record_vacant_inspection(self.db, self.outbox, self.caller, payload["estate_id"],
                                                   payload["id"], payload["data"])

    @rpc_method
    def list_vacant_inspections(self, payload):
        return operations.list_vacant_inspections(self.db, payload["estate_id"], payload.get("filters", {}),
                                                  payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def vacant_inspections_due(self, payload):
        """The vacant units due an inspection (``operations.vacant_inspections_due``)."""
        return operations.vacant_inspections_due(self.db, payload["estate_id"], payload.get("limit"),
                                                 payload.get("cursor"), payload.get("filters", {}))

    # -- takeover and handover (接管验收 / 交房, handovers.py) ---------------------------
    @rpc_method
    def record_handover(self, payload):
        return operations.record_handover(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          payload["data"])

    @rpc_method
    def start_handover_batch(self, payload):
        """A handover weekend's list (批量交房, handover_batches.py): a job."""
        return operations.start_handover_batch(self.db, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def start_handover_import(self, payload):
        """A handover weekend's spreadsheet (批量交房): the same job, from a CSV or XLSX."""
        return operations.start_handover_import(self.db, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_handovers(self, payload):
        return operations.list_handovers(self.db, payload["estate_id"], payload.get("filters", {}),
                                         payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def takeover_defects(self, payload):
        return operations.takeover_defects(self.db, payload["estate_id"], payload.get("filters", {}),
                                           payload.get("limit"), payload.get("cursor"))

    # -- meter readings at a handover or a sale (交房抄表 / 过户抄表, meter_readings.py) ------
    @rpc_method
    def record_meter_reading(self, payload):
        return operations.record_meter_reading(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["id"], payload["data"])

    @rpc_method
    def list_meter_readings(self, payload):
        return operations.list_meter_readings(self.db, payload["estate_id"], payload.get("filters", {}),
                                              payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_meter_reading(self, payload):
        return public(store.get(self.db, "meter_readings", payload["estate_id"], payload["id"]))

    # -- the developer's handover of the estate (开发商移交, estate_handovers.py) -------------
    @rpc_method
    def record_estate_handover(self, payload):
        return operations.record_estate_handover(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["data"])

    @rpc_method
    def list_estate_handovers(self, payload):
        return operations.list_estate_handovers(self.db, payload["estate_id"], payload.get("limit"),
                                                payload.get("cursor"))

    @rpc_method
    def get_estate_handover(self, payload):
        return operations.get_estate_handover(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def estate_documents_checklist(self, payload):
        return operations.estate_documents_checklist(self.db, payload["estate_id"])

    @rpc_method
    def start_household_import(self, payload):
        return operations.start_household_import(self.db, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def count_households(self, payload):
        """How many households the estate holds (the handover package's owners' records)."""
        return operations.count_households(self.db, payload["estate_id"])

    @rpc_method
    def list_households(self, payload):
        return operations.list_households(self.db, payload["estate_id"], payload.get("filters", {}),
                                          payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_household(self, payload):
        return operations.get_household(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def search_households(self, payload):
        """The households a phone is found on (the desk's search by phone): read-only."""
        return operations.search_households(self.db, self.caller, payload["estate_id"], payload["data"])

    # -- the permanent record -------------------------------------------------------
    @rpc_method
    def list_records(self, payload):
        return operations.list_records(self.db, self.caller, payload["estate_id"], payload.get("filters", {}),
                                       payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def correct_record(self, payload):
        return operations.correct_record(self.db, self.caller, payload["estate_id"], payload["id"], payload["data"])

    @rpc_method
    def start_restatement(self, payload):
        return operations.start_restatement(self.db, self.caller, payload["estate_id"])

    @rpc_method
    def verify_archive(self, payload):
        return operations.verify_chain(self.db, payload["estate_id"], payload.get("filters", {}))

    @rpc_method
    def list_change_log(self, payload):
        return operations.list_change_log(self.db, payload["estate_id"], payload.get("filters", {}),
                                          payload.get("limit"), payload.get("cursor"))

    def _import_households(self, job, progress):
        return operations.import_households(self.db, self.outbox, job, progress)

    def _record_handover_batch(self, job, progress):
        return operations.record_handover_batch(self.db, self.outbox, job, progress)

    def _restate_copies(self, job, progress):
        return operations.restate_copies(self.db, self.outbox, job, progress)

    @consumes("customer_service", "service_request_created")
    def record_service_request(self, event):
        self._record(event)

    @consumes("customer_service", "service_request_closed")
    def record_closed_service_request(self, event):
        self._record(event)

    @consumes("customer_service", "service_request_household_corrected")
    def record_household_correction(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_created")
    def record_work_order(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_completed")
    def record_completed_work_order(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_overdue")
    def record_overdue_work_order(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_assigned")
    def record_work_order_assignment(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_appointed")
    def record_work_order_appointment(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_outage_moved")
    def record_work_order_outage_move(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_quoted")
    def record_work_order_quote(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_consented")
    def record_work_order_consent(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_held")
    def record_work_order_hold(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_resumed")
    def record_work_order_resumption(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_help_requested")
    def record_work_order_help_request(self, event):
        self._record(event)

    @consumes("security_patrol", "patrol_round_finished")
    def record_patrol_round(self, event):
        self._record(event)

    @consumes("security_patrol", "anomaly_reported")
    def record_patrol_anomaly(self, event):
        self._record(event)

    @consumes("security_patrol", "incident_escalated")
    def record_incident_escalation(self, event):
        self._record(event)

    @consumes("security_patrol", "incident_reclassified")
    def record_incident_reclassification(self, event):
        self._record(event)

    @consumes("security_patrol", "incident_closed")
    def record_closed_incident(self, event):
        self._record(event)

    @consumes("finance", "payment_posted")
    def record_payment(self, event):
        self._record(event)

    @consumes("finance", "payment_reversed")
    def record_payment_reversal(self, event):
        self._record(event)

    @consumes("customer_service", "complaint_escalated")
    def record_complaint_escalation(self, event):
        self._record(event)

    @consumes("customer_service", "complaint_reopened")
    def record_complaint_reopening(self, event):
        self._record(event)

    @consumes("customer_service", "service_request_overdue")
    def record_overdue_service_request(self, event):
        self._record(event)

    @consumes("finance", "reminder_sent")
    def record_arrears_reminder(self, event):
        self._record(event)

    @consumes("finance", "deposit_refunded")
    def record_deposit_refund(self, event):
        self._record(event)

    @consumes("finance", "deposit_deductions_reversed")
    def record_deposit_deductions_reversal(self, event):
        self._record(event)

    @consumes("finance", "deposit_refund_approved")
    def record_deposit_refund_approval(self, event):
        self._record(event)

    @consumes("finance", "deposit_refund_rejected")
    def record_deposit_refund_rejection(self, event):
        self._record(event)

    @consumes("finance", "utility_balance_low")
    def record_low_utility_balance(self, event):
        self._record(event)

    @consumes("finance", "opening_balance_recorded")
    def record_opening_balance(self, event):
        self._record(event)

    @consumes("finance", "opening_credit_recorded")
    def record_opening_credit(self, event):
        """Once per credit: finance announces again, on a restatement, credits it recorded before
        this event existed (and so those recorded since, which the archive has)."""
        operations.record_once_per_subject(self.db, event)

    @consumes("finance", "seller_prepaid_held")
    def record_seller_prepaid_held(self, event):
        self._record(event)

    @consumes("finance", "seller_prepaid_added")
    def record_seller_prepaid_added(self, event):
        self._record(event)

    @consumes("finance", "seller_prepaid_refunded")
    def record_seller_prepaid_refunded(self, event):
        self._record(event)

    @consumes("finance", "exit_prepaid_refunded")
    def record_exit_prepaid_refunded(self, event):
        self._record(event)

    @consumes("finance", "exit_prepaid_transferred")
    def record_exit_prepaid_transferred(self, event):
        self._record(event)

    @consumes("finance", "pass_through_collected")
    def record_pass_through_collected(self, event):
        self._record(event)

    @consumes("finance", "pass_through_remitted")
    def record_pass_through_remitted(self, event):
        self._record(event)

    @consumes("finance", "pass_through_collection_reversed")
    def record_pass_through_collection_reversed(self, event):
        self._record(event)

    @consumes("finance", "seller_prepaid_carried_over")
    def record_seller_prepaid_carried_over(self, event):
        self._record(event)

    @consumes("finance", "opening_credit_reversed")
    def record_opening_credit_reversal(self, event):
        self._record(event)

    @consumes("finance", "operating_expense_recorded")
    def record_operating_expense(self, event):
        self._record(event)

    @consumes("finance", "operating_expense_reversed")
    def record_operating_expense_reversal(self, event):
        self._record(event)

    @consumes("finance", "public_revenue_contract_registered")
    def record_revenue_contract(self, event):
        self._record(event)

    @consumes("finance", "public_revenue_received")
    def record_revenue_receipt(self, event):
        self._record(event)

    @consumes("finance", "public_revenue_reversed")
    def record_revenue_reversal(self, event):
        self._record(event)

    @consumes("finance", "public_revenue_contract_terminated")
    def record_revenue_contract_termination(self, event):
        self._record(event)

    @consumes("finance", "public_revenue_refunded")
    def record_revenue_refund(self, event):
        self._record(event)

    @consumes("finance", "fund_deposit_posted")
    def record_fund_deposit(self, event):
        self._record(event)

    @consumes("finance", "fund_deposit_reversed")
    def record_fund_deposit_reversal(self, event):
        self._record(event)

    @consumes("finance", "fund_use_requested")
    def record_fund_use_request(self, event):
        self._record(event)

    @consumes("finance", "fund_use_approved")
    def record_fund_use_approval(self, event):
        self._record(event)

    @consumes("finance", "fund_use_rejected")
    def record_fund_use_rejection(self, event):
        self._record(event)

    @consumes("finance", "billing_run_finished")
    def record_billing_run_end(self, event):
        self._record(event)

    @consumes("finance", "day_settled_late")
    def record_late_settlement(self, event):
        self._record(event)

    @consumes("security_patrol", "fire_check_overdue")
    def record_overdue_fire_check(self, event):
        self._record(event)

    @consumes("security_patrol", "patrol_round_missed")
    def record_missed_patrol_round(self, event):
        self._record(event)

    @consumes("security_patrol", "patrol_suspended")
    def record_patrol_suspension(self, event):
        self._record(event)

    @consumes("security_patrol", "patrol_suspension_withdrawn")
    def record_patrol_suspension_withdrawal(self, event):
        self._record(event)

    @consumes("security_patrol", "emergency_alert_raised")
    def record_emergency_alert(self, event):
        self._record(event)

    @consumes("security_patrol", "emergency_alert_level_changed")
    def record_emergency_alert_level_change(self, event):
        self._record(event)

    @consumes("security_patrol", "emergency_alert_stood_down")
    def record_emergency_alert_stand_down(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_cancelled")
    def record_cancelled_work_order(self, event):
        self._record(event)

    @consumes("maintenance", "equipment_registered")
    def record_equipment(self, event):
        self._record(event)

    @consumes("maintenance", "equipment_record_added")
    def record_equipment_record(self, event):
        self._record(event)

    @consumes("maintenance", "equipment_out_of_service")
    def record_equipment_out_of_service(self, event):
        self._record(event)

    @consumes("maintenance", "equipment_back_in_service")
    def record_equipment_back_in_service(self, event):
        self._record(event)

    @consumes("maintenance", "equipment_retired")
    def record_equipment_retired(self, event):
        self._record(event)

    @consumes("maintenance", "maintenance_plan_cancelled")
    def record_maintenance_plan_cancelled(self, event):
        """A retired piece's plan cancelled with its scheduled inspections (h4): kept on the equipment archive."""
        self._record(event)

    @consumes("maintenance", "equipment_certificate_due")
    def record_equipment_certificate_due(self, event):
        """年检合格证 coming due (maintenance's timer, once a certificate): kept on the equipment archive."""
        self._record(event)

    @consumes("maintenance", "part_moved")
    def record_part_movement(self, event):
        """备品备件: a movement of engineering's parts store, kept on the part's archive."""
        self._record(event)

    @consumes("maintenance", "part_updated")
    def record_part_update(self, event):
        """备品备件: a part's name or minimum corrected, kept on the part's archive (h2)."""
        self._record(event)

    @consumes("customer_service", "notice_published")
    def record_notice(self, event):
        self._record(event)

    @consumes("customer_service", "notice_revised")
    def record_notice_revision(self, event):
        self._record(event)

    @consumes("customer_service", "notice_withdrawn")
    def record_notice_withdrawal(self, event):
        self._record(event)

    @consumes("customer_service", "damage_claim_registered")
    def record_damage_claim(self, event):
        self._record(event)

    @consumes("customer_service", "damage_claim_closed")
    def record_damage_claim_closed(self, event):
        self._record(event)

    @consumes("customer_service", "upkeep_finding_put_right")
    def record_upkeep_finding(self, event):
        self._record(event)

    @consumes("customer_service", "contractor_month_signed")
    def record_contractor_month(self, event):
        self._record(event)

    @consumes("customer_service", "contractor_updated")
    def record_contractor_updated(self, event):
        self._record(event)

    @consumes("customer_service", "contractor_retired")
    def record_contractor_retired(self, event):
        self._record(event)

    @consumes("customer_service", "goods_release_pass_used")
    def record_goods_release_pass(self, event):
        self._record(event)

    @consumes("customer_service", "service_order_closed")
    def record_service_order(self, event):
        self._record(event)

    @consumes("customer_service", "activity_moved")
    def record_activity_moved(self, event):
        self._record(event)

    @consumes("customer_service", "activity_cancelled")
    def record_activity_cancelled(self, event):
        self._record(event)

    @consumes("customer_service", "activity_signup_promoted")
    def record_activity_signup_promoted(self, event):
        self._record(event)

    @consumes("customer_service", "activity_held")
    def record_activity_held(self, event):
        self._record(event)

    @consumes("customer_service", "service_order_assigned")
    def record_service_order_assignment(self, event):
        self._record(event)

    @consumes("customer_service", "service_request_transferred")
    def record_service_request_transfer(self, event):
        self._record(event)

    @consumes("customer_service", "service_request_joined")
    def record_service_request_join(self, event):
        self._record(event)

    @consumes("customer_service", "application_rescheduled")
    def record_application_rescheduled(self, event):
        self._record(event)

    @consumes("security_patrol", "shift_handover_recorded")
    def record_shift_handover(self, event):
        self._record(event)

    @consumes("security_patrol", "roll_call_recorded")
    def record_roll_call(self, event):  # the security team's month on duty (h7)
        self._record(event)

    @consumes("security_patrol", "post_spot_checked")
    def record_post_spot_check(self, event):  # the security team's month on duty (h7)
        self._record(event)

    @consumes("security_patrol", "discipline_recorded")
    def record_discipline_record(self, event):  # the security team's month on duty (h7)
        self._record(event)

    @consumes("security_patrol", "training_recorded")
    def record_training(self, event):  # the security team's month on duty (h7)
        self._record(event)

    @consumes("security_patrol", "guard_assessed")
    def record_guard_assessment(self, event):  # the security team's month on duty (h7)
        self._record(event)

    # -- what each service closed, per month (estate_common.closed_counts) ---------------
    @consumes("customer_service", "closed_records_counted")
    def keep_closed_requests_count(self, event):
        operations.keep_closed_report(self.db, event)

    @consumes("maintenance", "closed_records_counted")
    def keep_closed_orders_count(self, event):
        operations.keep_closed_report(self.db, event)

    @consumes("security_patrol", "closed_records_counted")
    def keep_closed_rounds_and_incidents_count(self, event):
        operations.keep_closed_report(self.db, event)

    @consumes("finance", "closed_records_counted")
    def keep_closed_payments_count(self, event):
        operations.keep_closed_report(self.db, event)

    @consumes("archive", "meter_reading_recorded")
    def record_meter_reading_taken(self, event):
        """A meter read at a handover or a sale (its own announcement): chained under its household."""
        self._record(event)

    @consumes("customer_service", "household_step_requested")
    def apply_household_step(self, event):
        """A move-in, renovation or move-out application's step: the household's status."""
        operations.household_step_requested(self.db, self.outbox, event)

    @consumes("archive", "estate_created")
    def log_estate_change(self, event):
        self._log_change(event)

    @consumes("archive", "estate_updated")
    def log_estate_edit(self, event):
        self._log_change(event)

    @consumes("archive", "household_created")
    def log_household_change(self, event):
        self._log_change(event)

    @consumes("archive", "household_updated")
    def log_household_edit(self, event):
        self._log_change(event)

    @consumes("archive", "archive_changed")
    def log_archive_change(self, event):
        operations.log_archive_change(self.db, event)

    def _record(self, event):
        operations.record(self.db, event)

    def _log_change(self, event):
        operations.log_change(self.db, event)

    # -- viewing and borrowing (查阅、借阅) ----------------------------------------------
    @rpc_method
    def create_borrow_request(self, payload):
        return operations.create_borrow_request(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["data"])

    @rpc_method
    def list_borrow_requests(self, payload):
        return operations.list_borrow_requests(self.db, payload["estate_id"], payload.get("filters", {}),
                                               payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def borrow_totals(self, payload):
        return operations.borrow_totals(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def get_borrow_request(self, payload):
        return operations.get_borrow_request(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def list_borrowed_records(self, payload):
        return operations.borrowed_records(self.db, self.caller, payload["estate_id"], payload["id"],
                                           payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def approve_borrow_request(self, payload):
        return operations.decide_borrow_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                "approve", payload["data"])

    @rpc_method
    def reject_borrow_request(self, payload):
        return operations.decide_borrow_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                "reject", payload["data"])

    @rpc_method
    def return_borrow_request(self, payload):
        return operations.return_borrow_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                payload["data"].get("note"))

    @rpc_method
    def withdraw_borrow_request(self, payload):
        return operations.withdraw_borrow_request(self.db, self.outbox, self.caller, payload["estate_id"],
                                                  payload["id"], payload["data"].get("note"))

    # -- archive checks (档案检查) ------------------------------------------------------
    @rpc_method
    def create_check_plan(self, payload):
        return operations.create_check_plan(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def move_check_plan_date(self, payload):
        return operations.move_check_plan_date(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                               payload["data"])

    @rpc_method
    def check_plan_reminder(self, payload):
        return operations.check_plan_reminder(self.db, payload["estate_id"])

    @rpc_method
    def list_check_plans(self, payload):
        return operations.list_check_plans(self.db, payload["estate_id"], payload.get("filters", {}),
                                           payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def record_archive_check(self, payload):
        return operations.record_archive_check(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["data"])

    @rpc_method
    def list_archive_checks(self, payload):
        return store.page(self.db, "archive_checks", payload["estate_id"], payload.get("filters", {}),
                          payload.get("limit"), payload.get("cursor"))

    # -- KPIs -----------------------------------------------------------------------
    @rpc_method
    def archive_completeness(self, payload):
        return operations.completeness(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def closing_records_held(self, payload):
        return operations.closing_records_held(self.db, payload["estate_id"], payload["kind"], payload["subject_ids"])

    @rpc_method
    def kpis(self, payload):
        return operations.kpis(self.db, self.caller, payload["period"], payload["estate_ids"])

    # -- one record of a list, by its id: an integrator reads back what it created ----------------
    @rpc_method
    def get_occupant(self, payload):
        return operations.get_occupant(self.db, payload["estate_id"], payload["id"], payload["item"])

    @rpc_method
    def get_check_plan(self, payload):
        return operations.get_check_plan(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def get_archive_check(self, payload):
        return public(store.get(self.db, "archive_checks", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_vacant_inspection(self, payload):
        return public(store.get(self.db, "vacant_inspections", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_handover(self, payload):
        return public(store.get(self.db, "handovers", payload["estate_id"], payload["id"]))

