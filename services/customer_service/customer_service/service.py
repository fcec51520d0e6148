"""customer-service entrypoints: thin. The steps of each call are in operations.py (through the
one write path, estate_common.writes), the rules in the domain modules, storage in store.py."""

from estate_common import clock, config, personal_data, stopping
from estate_common.nameko import (CountsClosedRecords, CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, HasCustomFields,
                                  ServiceBase, consumes, export_runners, rpc_method)
from estate_common.errors import Forbidden
from estate_common.nameko.timers import graceful_timer, timer
from estate_common.store import public

from . import (applications, complaints, domain, exports, front_desk, goods_passes, handling, operations, repairs, store,
               surveys, upkeep)
from .rules import CHOICES, DEFAULTS, FOLLOWS, MAXIMA, MINIMA, ORDERED

OVERDUE_SWEEP_SECONDS = config.env_float("OVERDUE_SWEEP_SECONDS", 60.0)
# how often requests stored without their callers' numbers are given them (at start too):
# operations.keep_phone_keys (seconds), as archive's households (ADDRESS_KEY_SWEEP_SECONDS)
PHONE_KEY_SWEEP_SECONDS = config.env_float("PHONE_KEY_SWEEP_SECONDS", 600.0)
# how often owner contacts not on their household's copy yet are put on it (at start too):
# operations.keep_contacts_on_households (seconds); until then the due list is counted the old way
OWNER_CONTACTS_SWEEP_SECONDS = config.env_float("OWNER_CONTACTS_SWEEP_SECONDS", 60.0)


class CustomerService(CopiesEstates, CopiesHouseholds, EstateSettings, HasCustomFields, ExportsResources,
                      CountsClosedRecords, ServiceBase):
    name = "customer_service"
    closed_store = store  # what it closed, counted for archive (CountsClosedRecords)
    indexes, retired_indexes = store.INDEXES, store.RETIRED_INDEXES
    settings_defaults, settings_minima, settings_maxima = DEFAULTS, MINIMA, MAXIMA
    settings_ordered, settings_choices, settings_follows = ORDERED, CHOICES, FOLLOWS
    job_runners = export_runners(exports.COLUMNS)

    # -- exports (estate_common.exports): the columns in exports.py, the documents from the store --
    export_lists, export_columns = exports.LISTS, exports.COLUMNS

    def export_documents(self, resource, estate_id, filters):
        if resource == "owner_contacts":
            return operations.export_owner_contacts(self.db, estate_id, filters)
        return store.export_requests(self.db, estate_id, filters, clock.now_iso())

    def export_scope(self, resource, filters):
        if resource != "service_requests":  # the owner contacts: the desk's, whole, as their list
            return filters
        scoped = domain.readable_filters(self.caller, filters)
        if scoped is None:
            raise Forbidden("a technician reads the repairs only")
        return scoped

    # -- service requests (服务请求) ----------------------------------------------
    @rpc_method
    def create_request(self, payload):
        return operations.create_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_requests(self, payload):
        filters = domain.readable_filters(self.caller, payload.get("filters", {}))
        if filters is None:
            return {"items": [], "next_cursor": None}
        return store.list_requests(self.db, payload["estate_id"], filters, clock.now_iso(),
                                   payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def requests_by_phone(self, payload):
        """An occupant's request to see his data (PIPL art. 45): the requests his phone called about
        (``store.requests_by_phone``), for the archives' roles only (``personal_data.subject_phone``)."""
        number = personal_data.subject_phone(self.caller.roles, payload["data"])
        return {"items": [public(request) for request in store.requests_by_phone(self.db, payload["estate_id"], number)]}

    @rpc_method
    def get_request(self, payload):
        # the list's rule on one request: one the caller does not read is a 404, as one not there
        return public(store.readable_request(self.db, payload["estate_id"], payload["id"],
                                             domain.readable_filters(self.caller, {})))

    @rpc_method
    def verify_request(self, payload):
        return self._act(payload, complaints.verify)

    @rpc_method
    def escalate_request(self, payload):
        return self._act(payload, complaints.escalate)

    @rpc_method
    def reply_request(self, payload):
        return self._act(payload, handling.reply)

    @rpc_method
    def set_service_request_custom(self, payload):
        return operations.set_request_custom(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                             payload["data"]["custom"])

    @rpc_method
    def judge_request(self, payload):
        return self._act(payload, handling.judge)

    @rpc_method
    def close_request(self, payload):
        # 结案 with the estate's numbers (a repair's attempts before closing unvisited)
        return self._act_by_rules(payload, handling.close)

    @rpc_method
    def record_return_visit_attempt(self, payload):
        """An attempt to reach the occupant for a repair's return visit that failed."""
        return self._act(payload, repairs.return_visit_attempt)

    @rpc_method
    def reopen_request(self, payload):
        return self._act_by_rules(payload, handling.reopen)  # owed a new answer by the estate's deadline

    @rpc_method
    def withdraw_request(self, payload):
        return self._act(payload, complaints.withdraw)  # 撤诉: the owner gives his complaint up

    @rpc_method
    def transfer_request(self, payload):
        return self._act(payload, handling.transfer)  # 转交: to a colleague the gateway found (assignee)

    @rpc_method
    def reclassify_request(self, payload):
        """改类: registered as the wrong kind, the request takes its kind's rules (reclassification.py)."""
        return operations.reclassify_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                             payload["data"])

    @rpc_method
    def record_return_visit(self, payload):
        return operations.record_return_visit(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                              payload["data"])

    @rpc_method
    def rate_request(self, payload):
        """The owner's 1-5 an owner app sends once the work is done (``portal.owner_rate``)."""
        return operations.rate_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                       payload["data"])

    @rpc_method
    def match_request_household(self, payload):
        return operations.match_household(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          payload["data"])

    # -- the owner portal (the gateway's public routes: its signed caller is the portal) --------
    @rpc_method
    def portal_file_request(self, payload):
        return operations.portal_create(self.db, self.outbox, self.caller, payload["estate_code"], payload["data"])

    @rpc_method
    def portal_estate(self, payload):
        return operations.portal_estate(self.db, payload["estate_code"])

    @rpc_method
    def portal_notices(self, payload):
        return operations.portal_notices(self.db, payload["estate_code"], payload.get("filters") or {})

    @rpc_method
    def portal_activities(self, payload):  # 社区文化活动: the board of activities to come
        return operations.portal_activities(self.db, payload["estate_code"])

    @rpc_method
    def portal_track_request(self, payload):
        return operations.portal_track(self.db, payload["tracking_code"])

    @rpc_method
    def portal_rate_request(self, payload):
        return operations.portal_rate(self.db, self.outbox, payload["tracking_code"], payload["data"])

    @timer(interval=OVERDUE_SWEEP_SECONDS)
    def mark_overdue(self):
        """Stamps requests past their due time without an answer (listed with ?overdue=true)."""
        operations.mark_overdue(self.db, self.outbox)

    @graceful_timer(interval=PHONE_KEY_SWEEP_SECONDS, eager=True)
    def keep_phone_keys(self):
        """``operations.keep_phone_keys``: at start (the backfill of the requests stored before
        ``_phones`` was kept), then those an older replica wrote while a deploy rolled. A stop ends
        it between two batches; the next start takes it up where it stopped."""
        operations.keep_phone_keys(self.db, stopping=lambda: stopping.is_stopping(self.name))

    @graceful_timer(interval=OWNER_CONTACTS_SWEEP_SECONDS, eager=True)
    def keep_contacts_on_households(self):
        """``operations.keep_contacts_on_households``: at start (the contacts recorded before they
        were kept on the households' copies), then any an older replica or a stopped call left. A
        stop ends it between two batches; the next start takes it up where it stopped."""
        operations.keep_contacts_on_households(self.db, stopping=lambda: stopping.is_stopping(self.name))
        # and the copies made before events carried their registration, given their estate's
        operations.keep_registrations(self.db, stopping=lambda: stopping.is_stopping(self.name))

    # -- what other services tell us ------------------------------------------
    @consumes("archive", "vacant_inspection_recorded")
    def on_vacant_inspection_recorded(self, event):
        """Each problem a steward found in a vacant unit becomes a repair request, once."""
        operations.repairs_from_inspection(self.db, self.outbox, event)

    @consumes("maintenance", "upkeep_faults_found")
    def on_upkeep_faults_found(self, event):
        """A location inspection's failed items of a contractor's line: the line's contractor's findings."""
        operations.findings_from_inspection(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_created")
    def on_work_order_created(self, event):
        operations.work_order_created(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_assigned")
    def on_work_order_assigned(self, event):
        """The technician of one of a repair's orders reads that repair (``domain.readable_filters``)."""
        operations.work_order_assigned(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_appointed")
    def on_work_order_appointed(self, event):
        """The owner portal shows the repair's filer when the technician comes (``repairs.appointment_update``)."""
        operations.work_order_appointed(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_started")
    def on_work_order_started(self, event):
        operations.work_order_started(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_help_requested")
    def on_work_order_help_requested(self, event):
        """Handed back for help: the repair names no technician (``repairs.help_update``)."""
        operations.work_order_help_requested(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_held")
    def on_work_order_held(self, event):
        """待料: the owner portal and the desk say what the job waits for (``repairs.hold_update``)."""
        operations.work_order_held(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_resumed")
    def on_work_order_resumed(self, event):
        """Back on site on a new visit: the owner portal no longer awaits it (``repairs.resumption_update``)."""
        operations.work_order_resumed(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_cancelled")
    def on_work_order_cancelled(self, event):
        operations.work_order_cancelled(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_marked_emergency")
    def on_work_order_marked_emergency(self, event):
        """An order made an emergency: the calls that joined it are promised its response (h6)."""
        operations.work_order_marked_emergency(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_incident_found")
    def on_work_order_incident_found(self, event):
        """A call's order named on the lift of an entrapment's order: the call joins that order (h6)."""
        operations.work_order_incident_found(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_completed")
    def on_work_order_completed(self, event):
        operations.work_order_completed(self.db, self.outbox, event)

    @consumes("maintenance", "renovation_reviewed")
    def on_renovation_reviewed(self, event):
        operations.renovation_reviewed(self.db, self.outbox, event)

    @consumes("archive", "handover_defects_found")
    def on_handover_defects_found(self, event):
        """The defects an owner found at the handover (交房验房): a repair request each, once."""
        operations.repairs_from_handover(self.db, self.outbox, event)

    @consumes("archive", "handover_keys_left")
    def on_handover_keys_left(self, event):
        """The keys an owner left with the desk at the handover (交房钥匙) held in custody, once."""
        operations.handover_keys_left(self.db, self.outbox, event)

    @consumes("archive", "household_step_refused")
    def on_household_step_refused(self, event):
        operations.household_step_refused(self.db, self.outbox, event)

    @consumes("finance", "fee_standard_approved")
    def on_fee_standard_approved(self, event):
        operations.fee_standard_approved(self.db, event)

    @consumes("finance", "charge_billed")
    def on_charge_billed(self, event):
        operations.charge_billed(self.db, self.outbox, event)

    @consumes("finance", "bill_settled")
    def on_bill_settled(self, event):
        operations.bill_settled(self.db, self.outbox, event)

    @consumes("finance", "payment_reversed")
    def on_payment_reversed(self, event):
        operations.payment_reversed(self.db, self.outbox, event)

    @consumes("finance", "seller_prepaid_held")
    def on_sellers_prepaid_held(self, event):
        """A sale reached finance after the seller's money paid some of the buyer's bills: finance took it back
        off them (``taken_back``), each owed again; the application fees among them are (as on a reversal)."""
        operations.sellers_money_taken_back(self.db, self.outbox, event)

    @consumes("finance", "opening_credit_reversed")
    def on_opening_credit_reversed(self, event):
        """An opening credit reversed (期初预收 recorded wrong): the application fees it paid are owed
        again, as on a payment's reversal (the same data)."""
        operations.payment_reversed(self.db, self.outbox, event)

    # -- satisfaction surveys (满意度调查) -----------------------------------------
    @rpc_method
    def create_survey(self, payload):
        return self._create(payload, "surveys", "sv", surveys.new_survey, with_rules=True)

    @rpc_method
    def list_surveys(self, payload):
        return self._list(payload, "surveys")

    @rpc_method
    def get_survey(self, payload):
        return public(store.get(self.db, "surveys", payload["estate_id"], payload["id"]))

    @rpc_method
    def answer_survey(self, payload):
        return operations.answer_survey(self.db, self.caller, payload["estate_id"], payload["id"], payload["data"])

    @rpc_method
    def survey_results(self, payload):
        return operations.survey_results(self.db, payload["estate_id"], payload["id"])

    # -- notices (公告) and the front-desk registers ------------------------------
    @rpc_method
    def create_notice(self, payload):
        return operations.create_notice(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_notices(self, payload):
        return operations.list_notices(self.db, payload["estate_id"], payload.get("filters") or {},
                                       payload.get("limit"), payload.get("cursor"))

    # -- owner contacts: the steward's monthly contact, the manager's visits ------------------
    @rpc_method
    def withdraw_notice(self, payload):
        return operations.withdraw_notice(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          payload.get("data"))  # 撤下: off the board at once, a cut's under its guard

    @rpc_method
    def join_request(self, payload):  # 并入故障工单: a repair registered before the fault's order existed
        return operations.join_request(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                       payload["data"])

    @rpc_method
    def revise_notice(self, payload):  # 修订: a new restoration time, kept with the notice's history
        return operations.revise_notice(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                        payload["data"])

    @rpc_method
    def record_owner_contact(self, payload):
        return operations.record_owner_contact(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["data"])

    @rpc_method
    def list_owner_contacts(self, payload):
        return operations.list_owner_contacts(self.db, payload["estate_id"], payload.get("filters"),
                                              payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def owner_contacts_due(self, payload):
        """The households still owed the month's steward contacts (``operations.owner_contacts_due``)."""
        return operations.owner_contacts_due(self.db, payload["estate_id"], payload.get("filters"),
                                             payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def register_key(self, payload):
        return self._create(payload, "keys", "key", front_desk.new_key)

    @rpc_method
    def list_keys(self, payload):
        return self._list(payload, "keys")

    @rpc_method
    def lend_key(self, payload):
        return self._step(payload, "keys", front_desk.lend_key)

    @rpc_method
    def return_key(self, payload):
        return self._step(payload, "keys", front_desk.return_key)

    @rpc_method
    def release_key(self, payload):
        return self._step(payload, "keys", front_desk.release_key)

    @rpc_method
    def register_custody_item(self, payload):
        return self._create(payload, "custody_items", "ci", front_desk.new_custody_item)

    @rpc_method
    def list_custody_items(self, payload):
        return self._list(payload, "custody_items")

    @rpc_method
    def sign_off_custody_item(self, payload):
        return self._step(payload, "custody_items", front_desk.sign_off_custody_item)

    # -- goods release passes (物品放行条): the desk issues, the gate lets the goods out once --------
    # -- damage claims (损失登记、理赔、赔偿): the losses a leak caused and who pays them ------------
    @rpc_method
    def register_damage_claim(self, payload):
        return operations.register_damage_claim(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["data"])

    @rpc_method
    def list_damage_claims(self, payload):
        return operations.list_damage_claims(self.db, payload["estate_id"], payload.get("filters"),
                                             payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_damage_claim(self, payload):
        return operations.get_damage_claim(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def report_damage_claim(self, payload):  # 报案
        return self._claim_step(payload, "report")

    @rpc_method
    def assess_damage_claim(self, payload):  # 定损
        return self._claim_step(payload, "assess")

    @rpc_method
    def refuse_damage_claim(self, payload):  # 拒赔
        return self._claim_step(payload, "refuse")

    @rpc_method
    def negotiate_damage_claim(self, payload):  # 协商
        return self._claim_step(payload, "negotiate")

    @rpc_method
    def pay_damage_claim(self, payload):  # 赔付
        return self._claim_step(payload, "pay")

    @rpc_method
    def withdraw_damage_claim(self, payload):  # 撤回
        return self._claim_step(payload, "withdraw")

    @rpc_method
    def decide_damage_claim_responsibility(self, payload):  # 责任认定
        return self._claim_step(payload, "responsibility")

    def _claim_step(self, payload, action):
        return operations.damage_claim_step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                            action, payload.get("data"))

    @rpc_method
    def issue_goods_release_pass(self, payload):
        return operations.issue_goods_pass(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_goods_release_passes(self, payload):
        return operations.list_goods_passes(self.db, payload["estate_id"], payload.get("filters"),
                                            payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_goods_release_pass(self, payload):
        return operations.get_goods_pass(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def use_goods_release_pass(self, payload):
        return operations.use_goods_pass(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                         payload.get("data"))

    @rpc_method
    def cancel_goods_release_pass(self, payload):
        return self._step(payload, "goods_release_passes", goods_passes.cancel)

    # -- paid value-added services (有偿增值服务): the price list, orders, done or cancelled, charged once --
    @rpc_method
    def create_paid_service(self, payload):
        return operations.create_paid_service(self.db, self.outbox, self.caller, payload["estate_id"],
                                              payload["data"])

    @rpc_method
    def update_paid_service(self, payload):
        return operations.update_paid_service(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                              payload["data"])

    @rpc_method
    def list_paid_services(self, payload):
        return operations.list_paid_services(self.db, payload["estate_id"], payload.get("filters"),
                                             payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_paid_service(self, payload):
        return self._get(payload, "paid_services")

    @rpc_method
    def create_service_order(self, payload):
        return operations.order_paid_service(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_service_orders(self, payload):
        return operations.list_service_orders(self.db, payload["estate_id"], payload.get("filters"),
                                              payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_service_order(self, payload):
        return self._get(payload, "service_orders")

    @rpc_method
    def assign_service_order(self, payload):
        return operations.assign_service_order(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                               payload["data"])

    @rpc_method
    def complete_service_order(self, payload):
        return operations.complete_service_order(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["id"], payload.get("data") or {})

    @rpc_method
    def cancel_service_order(self, payload):
        return operations.cancel_service_order(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                               payload["data"])

    @rpc_method
    def complain_about_service_order(self, payload):
        return operations.complain_about_service_order(self.db, self.outbox, self.caller, payload["estate_id"],
                                                       payload["id"], payload["data"])

    # -- community activities (社区文化活动): the desk, stewards and manager organise; households sign up --
    @rpc_method
    def plan_activity(self, payload):
        return operations.plan_activity(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_activities(self, payload):
        return operations.list_activities(self.db, payload["estate_id"], payload.get("filters"),
                                          payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_activity(self, payload):
        return operations.get_activity(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def sign_up_for_activity(self, payload):
        return operations.sign_up_for_activity(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                               payload["data"])

    @rpc_method
    def cancel_activity_signup(self, payload):
        return operations.cancel_activity_signup(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["id"], payload["item"], payload.get("data"))

    @rpc_method
    def move_activity(self, payload):  # 改期 (rain)
        return self._activity_step(payload, "move")

    @rpc_method
    def cancel_activity(self, payload):
        return self._activity_step(payload, "cancel")

    @rpc_method
    def change_activity_capacity(self, payload):  # 名额调整
        return self._activity_step(payload, "capacity")

    @rpc_method
    def record_activity_attendance(self, payload):  # 签到
        return self._activity_step(payload, "attend")

    @rpc_method
    def rate_activity(self, payload):  # 活动满意度
        return self._activity_step(payload, "rate")

    def _activity_step(self, payload, action):
        return operations.activity_step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                        action, payload["data"])

    @rpc_method
    def lend_tool(self, payload):
        return self._create(payload, "tool_loans", "tl", front_desk.new_tool_loan, with_rules=True)

    @rpc_method
    def list_tool_loans(self, payload):
        return operations.list_tool_loans(self.db, payload["estate_id"], payload.get("filters"),
                                          payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def return_tool(self, payload):
        return self._step(payload, "tool_loans", front_desk.return_tool)

    # -- move-in and renovation applications (入住 / 装修) -------------------------
    @rpc_method
    def create_application(self, payload):
        return operations.create_application(self.db, self.outbox, self.caller, payload["estate_id"],
                                             payload["data"])

    @rpc_method
    def list_applications(self, payload):
        return operations.list_applications(self.db, payload["estate_id"], payload.get("filters"),
                                            payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_application(self, payload):
        return public(store.get(self.db, "applications", payload["estate_id"], payload["id"]))

    @rpc_method
    def start_works(self, payload):
        return operations.start_works(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                      payload.get("data"))

    @rpc_method
    def record_acceptance(self, payload):
        return self._step(payload, "applications", applications.acceptance)

    @rpc_method
    def reschedule_application(self, payload):
        return operations.reschedule_application(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["id"], payload["data"])

    @rpc_method
    def withdraw_application(self, payload):
        return self._step(payload, "applications", applications.withdrawal)

    # -- the complaint analysis (投诉分析) ------------------------------------------------------
    @rpc_method
    def complaint_report(self, payload):
        return operations.complaint_report(self.db, self.caller, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def desk_week_report(self, payload):
        return operations.desk_week_report(self.db, self.caller, payload["estate_id"], payload["filters"]["week"])

    @rpc_method
    def complaint_results(self, payload):
        return operations.complaint_results(self.db, self.caller, payload["estate_id"], payload["filters"]["period"],
                                            payload["filters"].get("department"))

    @rpc_method
    def year_obligations(self, payload):
        return operations.year_obligations(self.db, self.caller, payload["estate_id"], payload["filters"]["year"])

    # -- rectification plans (整改计划) ------------------------------------------------------------
    @rpc_method
    def create_rectification(self, payload):
        return operations.create_rectification(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["data"])

    @rpc_method
    def list_rectifications(self, payload):
        return operations.list_rectifications(self.db, payload["estate_id"], payload.get("filters"),
                                              payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_rectification(self, payload):
        return operations.get_rectification(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def rectification_action_done(self, payload):
        return operations.rectification_action_done(self.db, self.outbox, self.caller, payload["estate_id"],
                                                    payload["id"], payload["item"], payload.get("data"))

    # -- the cleaning and greening contractors' checks (环境卫生 / 绿化养护品质检查) ---------------------
    @rpc_method
    def register_contractor(self, payload):
        return operations.register_contractor(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def update_contractor(self, payload):
        return operations.contractor_step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          upkeep.edited, payload.get("data"))

    @rpc_method
    def retire_contractor(self, payload):
        return operations.contractor_step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          upkeep.retired_contractor, payload.get("data"))

    @rpc_method
    def list_contractors(self, payload):
        return operations.list_contractors(self.db, payload["estate_id"], payload.get("filters"),
                                           payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_contractor(self, payload):
        return self._get(payload, "contractors")

    @rpc_method
    def record_upkeep_finding(self, payload):
        return operations.record_upkeep_finding(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["data"])

    @rpc_method
    def list_upkeep_findings(self, payload):
        return operations.list_upkeep_findings(self.db, payload["estate_id"], payload.get("filters"),
                                               payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_upkeep_finding(self, payload):
        return self._get(payload, "upkeep_findings")

    @rpc_method
    def fix_upkeep_finding(self, payload):
        return operations.upkeep_finding_step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                              upkeep.fix, payload.get("data"))

    @rpc_method
    def recheck_upkeep_finding(self, payload):
        return operations.upkeep_finding_step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                              upkeep.recheck, payload.get("data"))

    @rpc_method
    def contractor_month(self, payload):
        return operations.contractor_month(self.db, self.caller, payload["estate_id"], payload["id"],
                                           payload["item"])

    @rpc_method
    def sign_contractor_month(self, payload):
        return operations.sign_contractor_month(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["id"], payload["item"], payload.get("data"))

    # -- the estate's KPIs (its settings: EstateSettings) -----------------------------------------
    @rpc_method
    def kpis(self, payload):
        return operations.kpis(self.db, self.caller, payload["period"], payload["estate_ids"])

    # -- one record of a list, by its id: an integrator reads back what it created ----------------
    @rpc_method
    def get_notice(self, payload):
        return operations.get_notice(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def get_owner_contact(self, payload):
        return self._get(payload, "owner_contacts")

    @rpc_method
    def get_key(self, payload):
        return self._get(payload, "keys")

    @rpc_method
    def get_custody_item(self, payload):
        return self._get(payload, "custody_items")

    @rpc_method
    def get_tool_loan(self, payload):
        return self._get(payload, "tool_loans")

    # -- the same call shapes, named once --------------------------------------------------
    def _create(self, payload, collection, prefix, build, with_rules=False):
        return operations.create(self.db, self.outbox, self.caller, collection, prefix, build,
                                 payload["estate_id"], payload["data"], with_rules)

    def _get(self, payload, collection):
        """One record as its list shows it (``store.page`` answers each as ``public``), or 404."""
        return public(store.get(self.db, collection, payload["estate_id"], payload["id"]))

    def _list(self, payload, collection):
        return operations.page(self.db, collection, payload["estate_id"], payload.get("filters"),
                               payload.get("limit"), payload.get("cursor"))

    def _act(self, payload, step):
        return operations.act(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"], step,
                              payload.get("data"))

    def _act_by_rules(self, payload, step):
        return operations.act_by_rules(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"], step,
                                       payload.get("data"))

    def _step(self, payload, collection, step):
        return operations.step(self.db, self.outbox, self.caller, collection, payload["estate_id"], payload["id"],
                               step, payload.get("data"))

