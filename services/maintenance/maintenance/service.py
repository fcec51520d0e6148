"""maintenance entrypoints: thin. The steps of each call are in operations.py (through the one
write path, estate_common.writes); the rules in domain.py (work orders), ledger.py (equipment
and plans), costing.py, renovation.py, indicators.py (KPIs) and rules.py (the numbers);
storage in store.py."""

from estate_common import clock, config
from estate_common.nameko import (CountsClosedRecords, CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, HasCustomFields,
                                  ServiceBase, consumes, export_runners, rpc_method)
from estate_common.errors import Forbidden, NotFound
from estate_common.nameko.timers import timer
from estate_common.store import public

from . import counting, domain, equipment_imports, exports, operations, store
from .rules import CHOICES, DEFAULTS, MAXIMA, MINIMA

# How often the scheduler looks for preventive-plan orders to open (seconds).
PLAN_SWEEP_SECONDS = config.env_float("PLAN_SWEEP_SECONDS", 600.0)
# How often late work orders are looked for and announced (seconds): customer service's setting
# for its late requests, as an emergency's response is due within minutes.
OVERDUE_SWEEP_SECONDS = config.env_float("OVERDUE_SWEEP_SECONDS", 60.0)


class MaintenanceService(CopiesEstates, CopiesHouseholds, EstateSettings, HasCustomFields, ExportsResources,
                         CountsClosedRecords, ServiceBase):
    name = "maintenance"
    closed_store = store  # what it closed, counted for archive (CountsClosedRecords)
    indexes = store.INDEXES
    settings_defaults, settings_minima, settings_maxima = DEFAULTS, MINIMA, MAXIMA
    settings_choices = CHOICES
    job_runners = {equipment_imports.JOB_KIND: "_import_equipment", **export_runners(exports.COLUMNS)}

    # -- exports (estate_common.exports): the columns in exports.py, the documents from the store --
    export_lists, export_columns = exports.LISTS, exports.COLUMNS

    def export_documents(self, resource, estate_id, filters):
        if resource == "equipment_records":
            operations.moved_asked(self.db, self.outbox, estate_id, filters)
            return store.export_records(self.db, estate_id, filters)
        return store.export_work_orders(self.db, estate_id, filters, clock.now_iso())

    def check_export_filters(self, resource, estate_id, filters):
        if resource == "equipment_records":  # a to before the from: the list's 400, not a job failing later
            store.records_query(self.db, estate_id, filters)

    def export_scope(self, resource, filters):
        if resource == "equipment_records":  # the ledger's readers read it whole
            return filters
        scoped = domain.readable_filters(self.caller.roles, domain.own_orders(filters, self.caller.user))
        if scoped is None:
            raise Forbidden("security reads the work orders of patrols, fire checks and incidents only")
        return scoped

    # -- work orders ---------------------------------------------------------------
    @rpc_method
    def list_work_orders(self, payload):
        filters = domain.readable_filters(self.caller.roles,
                                          domain.own_orders(payload.get("filters", {}), self.caller.user))
        if filters is None:
            return {"items": [], "next_cursor": None}
        return store.list_work_orders(self.db, payload["estate_id"], filters, clock.now_iso(),
                                      payload.get("limit"), payload.get("cursor"))

    def _board_readers_only(self, refusal):
        """Forbidden (``refusal``) but for the board's readers, who read every order: a caller whose
        reads ``domain.readable_filters`` narrows (security: its findings' orders) reads no whole."""
        if domain.readable_filters(self.caller.roles, {}) != {}:
            raise Forbidden(refusal)

    @rpc_method
    def count_work_orders(self, payload):
        """The estate's open orders counted by status, by technician and status, the late ones and
        the emergencies (``store.open_order_counts``): the board's readers, who read every order
        (security reads some sources' only: it has no board to count)."""
        self._board_readers_only("the counts are of every open order: the engineering board's readers count them")
        now = clock.now_iso()
        counts = store.open_order_counts(self.db, payload["estate_id"], now)
        return counting.answer(counts, store.OPEN_STATUSES, now)

    @rpc_method
    def get_work_order(self, payload):
        order = store.get(self.db, "work_orders", payload["estate_id"], payload["id"])
        if not domain.readable(order, self.caller.roles):
            raise NotFound("no such work order in this estate")
        gone = store.technicians_gone(self.db, payload["estate_id"],
                                      [name for name in (order.get("technician"), order.get("helper")) if name])
        return store.flagged_order(order, gone)

    @rpc_method
    def assign_work_order(self, payload):
        return self._step(payload, domain.assign, payload["data"]["technician"], self.caller.assignee,
                          announce=domain.assigned_events)

    @rpc_method
    def add_helper(self, payload):
        """协助: a second technician on the order (``domain.add_helper``), looked up by the gateway as for
        an assignment."""
        return self._step(payload, domain.add_helper, payload["data"]["technician"], self.caller.assignee)

    @rpc_method
    def appoint_work_order(self, payload):
        return self._step(payload, domain.appoint, payload["data"]["at"], within=self._appointment_days(payload),
                          announce=domain.appointed_events)

    @rpc_method
    def reappoint_work_order(self, payload):
        return self._step(payload, domain.reappoint, payload["data"]["at"], payload["data"]["reason"],
                          within=self._appointment_days(payload), announce=domain.appointed_events)

    @rpc_method
    def start_work_order(self, payload):
        arrived = payload["data"].get("started_at")  # 到场时间补录: recorded afterwards (domain.start)
        within = store.rules_for(self.db, payload["estate_id"])["start_recorded_within_hours"] if arrived else None
        return self._step(payload, domain.start, **({"arrived_at": arrived, "within_hours": within} if arrived else {}),
                          announce=domain.started_events)

    @rpc_method
    def quote_work_order(self, payload):
        return self._step(payload, domain.quote, payload["data"]["amount_cents"], payload["data"]["items"],
                          announce=domain.status_events("quote"))

    @rpc_method
    def consent_work_order(self, payload):
        return self._step(payload, domain.consent, payload["data"]["by"],
                          quote_version=payload["data"].get("quote_version"),
                          announce=domain.status_events("consent"))

    @rpc_method
    def request_help(self, payload):
        return self._step(payload, domain.request_help, payload["data"]["reason"],
                          announce=domain.status_events("request_help"))

    # -- who is no longer a technician of the estate: the gateway keeps the accounts and tells ----------
    @rpc_method
    def technician_left(self, payload):
        """The account ``data.username`` stopped being an active technician of the estate (switched off,
        the role or the estate taken away): his follow-ups open unassigned (``domain.from_follow_up``),
        his open orders read ``technician_left`` for the supervisor to hand on."""
        return self._told(payload, left=True)

    @rpc_method
    def technician_returned(self, payload):
        """He is an active technician of the estate again (reactivated, given the role or estate back)."""
        return self._told(payload, left=False)

    def _told(self, payload, left):
        """Kept unless told at an older revision of the account than held (``store.tell_technician``):
        the answer says what is held."""
        self._accounts_only()
        estate_id, data = payload["estate_id"], payload["data"]
        held = store.tell_technician(self.db, estate_id, data["username"], left, data.get("revision"), clock.now_iso())
        return {"estate_id": estate_id, "username": data["username"], "left": held.get("left", True),
                "revision": held.get("revision")}

    def _accounts_only(self):
        if "operator_admin" not in self.caller.roles:  # the gateway calls it on the operator admin's change
            raise Forbidden("accounts are the operator admin's: the gateway tells who left")

    @rpc_method
    def hold_work_order(self, payload):
        """待料: a started job waiting for parts or for the occupant (``domain.hold``)."""
        data, rules = payload["data"], store.rules_for(self.db, payload["estate_id"])
        return self._step(payload, domain.hold, data["waiting_for"], data["reason"], data["expected_on"],
                          tz=rules["timezone"], within=rules["appointment_within_days"],
                          announce=domain.status_events("hold"))

    @rpc_method
    def resume_work_order(self, payload):
        return self._step(payload, domain.resume, announce=domain.status_events("resume"))

    @rpc_method
    def cancel_work_order(self, payload):
        return operations.cancel_work_order(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                            payload["data"]["reason"])

    @rpc_method
    def mark_emergency(self, payload):
        return operations.mark_emergency(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                         payload["data"]["category"])

    @rpc_method
    def set_work_order_equipment(self, payload):
        return operations.set_work_order_equipment(self.db, self.outbox, self.caller, payload["estate_id"],
                                                   payload["id"], payload["data"]["equipment_id"])

    @rpc_method
    def take_equipment_out_of_service(self, payload):
        return operations.take_equipment_out_of_service(self.db, self.outbox, self.caller, payload["estate_id"],
                                                        payload["id"], payload["data"])

    @rpc_method
    def retire_equipment(self, payload):
        return operations.retire_equipment(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                           payload["data"])

    @rpc_method
    def return_equipment_to_service(self, payload):
        return operations.return_equipment_to_service(self.db, self.outbox, self.caller, payload["estate_id"],
                                                      payload["id"], payload["data"])

    @rpc_method
    def set_work_order_custom(self, payload):
        return operations.set_custom(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                     payload["data"]["custom"])

    @rpc_method
    def complete_work_order(self, payload):
        return operations.complete_work_order(self.db, self.outbox, self.caller, payload["estate_id"],
                                              payload["id"], payload["data"])

    def _appointment_days(self, payload):
        return store.rules_for(self.db, payload["estate_id"])["appointment_within_days"]

    def _step(self, payload, step, *args, **kwargs):
        return operations.step(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"], step, *args,
                               **kwargs)

    # -- where work orders come from ---------------------------------------------------
    @consumes("customer_service", "upkeep_fault_unassigned")
    def on_upkeep_fault_unassigned(self, event):
        """A failed item of a contractor's line no engaged contractor takes: the technicians' order (r2)."""
        operations.upkeep_fault_unassigned(self.db, self.outbox, event)

    @consumes("customer_service", "service_request_created", facet=domain.WORK_ORDER_KIND)
    def open_from_service_request(self, event):
        operations.open_from_service_request(self.db, self.outbox, event)

    @consumes("customer_service", "service_request_household_corrected", facet=domain.WORK_ORDER_KIND)
    def move_to_corrected_household(self, event):
        """The desk named the repair's household wrongly: its orders not done go to the right one."""
        operations.household_corrected(self.db, self.outbox, event)

    @consumes("customer_service", "service_request_joined")
    def cancel_joined_request_order(self, event):
        """A repair joined a fault's order: its own order cancelled, unless its work started."""
        operations.request_joined(self.db, self.outbox, event)

    @consumes("customer_service", "follow_up_requested")
    def open_from_follow_up(self, event):
        operations.open_from_follow_up(self.db, self.outbox, event)

    @consumes("finance", "fund_use_approved")
    def keep_fund_use(self, event):
        """A use of the special maintenance fund approved for an order: its cost is no operating cost."""
        operations.fund_use_approved(self.db, event)

    @consumes("customer_service", "notice_published")
    def open_for_planned_cut(self, event):
        """计划停水停电: a notice of a planned cut opens engineering's preparation order, once."""
        operations.open_for_planned_cut(self.db, self.outbox, event)

    @consumes("customer_service", "notice_revised")
    def follow_planned_cut(self, event):
        """The cut moved (its order's times follow) or called off (its order cancelled)."""
        operations.follow_planned_cut(self.db, self.outbox, event)

    @consumes("security_patrol", "anomaly_reported")
    def open_from_patrol_anomaly(self, event):
        operations.open_from_patrol_anomaly(self.db, self.outbox, event)

    @consumes("security_patrol", "fire_defect_reported")
    def open_from_fire_defect(self, event):
        operations.open_from_fire_defect(self.db, self.outbox, event)

    @consumes("security_patrol", "incident_took_over_order")
    def incident_took_over_order(self, event):
        operations.incident_took_over(self.db, self.outbox, event)

    @consumes("security_patrol", "entrapment_released")
    def keep_entrapment_release(self, event):
        """困人解救: the release on its order's line of the month's emergencies."""
        operations.keep_entrapment_release(self.db, event)

    @consumes("security_patrol", "incident_closed")
    def keep_closed_incident_release(self, event):
        """An entrapment's release its closing carries (one released before the release was told); closed as a
        false alarm, what the incident took released (``operations.release_false_alarm``, h5)."""
        operations.keep_entrapment_release(self.db, event)
        operations.release_false_alarm(self.db, self.outbox, event)

    @consumes("security_patrol", "emergency_alert_raised")
    def on_emergency_alert_raised(self, event):
        """预警响应: while one stands, an inspection's failed item opens an emergency order."""
        operations.keep_weather_alert(self.db, self.outbox, event)

    @consumes("security_patrol", "emergency_alert_level_changed")
    def on_emergency_alert_level_changed(self, event):
        """yellow → red: the copy follows the level (``rules.weather_emergency_levels``)."""
        operations.keep_weather_alert(self.db, self.outbox, event)

    @consumes("security_patrol", "emergency_alert_stood_down")
    def on_emergency_alert_stood_down(self, event):
        operations.keep_weather_alert(self.db, self.outbox, event)

    @consumes("security_patrol", "emergency_repair_requested")
    def open_from_incident(self, event):
        operations.open_from_incident(self.db, self.outbox, event)

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def open_scheduled_work_orders(self):
        self.schedule_plans(clock.now())

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def keep_deadlines_of_orders_made_before(self):
        """``operations.keep_earlier_deadlines``: once per estate, then a registry read."""
        operations.keep_earlier_deadlines(self.db, self.outbox)

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def keep_deadlines_of_holds_made_before(self):
        """``operations.keep_earlier_holds``: once per estate, then a registry read."""
        return operations.keep_earlier_holds(self.db, self.outbox)

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def announce_assignments_made_before(self):
        """``operations.announce_earlier_assignments``: once per estate, then a registry read."""
        operations.announce_earlier_assignments(self.db, self.outbox, clock.now())

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def announce_appointments_made_before(self):
        """``operations.announce_earlier_appointments``: once per estate, then a registry read."""
        operations.announce_earlier_appointments(self.db, self.outbox, clock.now())

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def move_earlier_equipment_records(self):
        """``operations.move_earlier_records``: once per estate, then a registry read."""
        operations.move_earlier_records(self.db, self.outbox)

    @timer(interval=OVERDUE_SWEEP_SECONDS, eager=True)
    def announce_overdue_work_orders(self):
        """``operations.announce_overdue``: each late order's ``work_order_overdue``, once."""
        self.announce_overdue(clock.now())

    @timer(interval=OVERDUE_SWEEP_SECONDS, eager=True)
    def keep_part_movements(self):
        """``operations.sweep_part_movements``: what a crash left half-done of a part's movement."""
        self.sweep_part_movements(clock.now())

    def sweep_part_movements(self, now, settle_seconds=60):
        """The parts sweep's work, callable with any ``now``: how many movements reached their order."""
        return operations.sweep_part_movements(self.db, self.outbox, now, settle_seconds)

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def announce_certificates_coming_due(self):
        """``operations.announce_certificates_due``: each certificate coming due's
        ``equipment_certificate_due``, once (a day's matter: the plan sweep's interval)."""
        self.announce_certificates_due(clock.now())

    def announce_certificates_due(self, now):
        """The certificate sweep's work, callable with any ``now``: how many pieces were announced."""
        return operations.announce_certificates_due(self.db, self.outbox, now)

    def announce_overdue(self, now):
        """The overdue sweep's work, callable with any ``now``: how many orders were announced."""
        return operations.announce_overdue(self.db, self.outbox, now)

    def schedule_plans(self, now):
        """Open the orders of every plan due up to each estate's horizon (the timer's work,
        callable with any ``now``). Returns how many due dates were handled."""
        return operations.schedule_plans(self.db, self.outbox, now)

    # -- equipment ledger and preventive plans -----------------------------------------
    @rpc_method
    def create_equipment(self, payload):
        return operations.create_equipment(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def start_equipment_import(self, payload):
        return operations.start_equipment_import(self.db, self.caller, payload["estate_id"], payload["data"])

    def _import_equipment(self, job, progress):
        return operations.import_equipment(self.db, self.outbox, job, progress)

    @rpc_method
    def set_equipment_custom(self, payload):
        return operations.set_equipment_custom(self.db, self.outbox, payload["estate_id"], payload["id"],
                                               payload["data"]["custom"])

    @rpc_method
    def set_equipment_certificate(self, payload):
        return operations.set_equipment_certificate(self.db, self.outbox, payload["estate_id"], payload["id"],
                                                    payload["data"])

    @rpc_method
    def move_equipment_certificate(self, payload):
        return operations.move_equipment_certificate(self.db, self.outbox, payload["estate_id"], payload["id"],
                                                     payload["data"])

    @rpc_method
    def list_lifts(self, payload):
        return store.list_lifts(self.db, payload["estate_id"], payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def list_equipment(self, payload):
        return operations.list_equipment(self.db, payload["estate_id"], payload.get("filters", {}),
                                         payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_equipment(self, payload):
        return operations.get_equipment(self.db, self.outbox, payload["estate_id"], payload["id"],
                                        payload.get("filters", {}))

    @rpc_method
    def list_equipment_records(self, payload):
        return operations.list_equipment_records(self.db, self.outbox, payload["estate_id"], payload["id"],
                                                 payload.get("filters", {}), payload.get("limit"),
                                                 payload.get("cursor"))

    @rpc_method
    def list_estate_equipment_records(self, payload):
        return operations.list_estate_equipment_records(self.db, self.outbox, payload["estate_id"],
                                                        payload.get("filters", {}), payload.get("limit"),
                                                        payload.get("cursor"))

    @rpc_method
    def add_equipment_record(self, payload):
        return operations.add_equipment_record(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["id"], payload["data"])

    @rpc_method
    def create_maintenance_plan(self, payload):
        return operations.create_maintenance_plan(self.db, self.outbox, self.caller, payload["estate_id"],
                                                  payload["data"])

    @rpc_method
    def stop_maintenance_plan(self, payload):
        return operations.stop_maintenance_plan(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["id"], payload["data"])

    @rpc_method
    def list_maintenance_plans(self, payload):
        return store.list_plans(self.db, payload["estate_id"], payload.get("filters", {}),
                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def preventive_month(self, payload):
        """A month of preventive maintenance: the board's readers (security reads its findings' orders
        alone)."""
        self._board_readers_only("preventive maintenance is read by engineering and the front desk")
        return operations.plans_month(self.db, payload["estate_id"], payload.get("filters", {}))

    @rpc_method
    def emergency_month(self, payload):
        """A month's emergencies with their response and summary: the board's readers."""
        self._board_readers_only("a month's emergency repairs are read by engineering and the front desk")
        return operations.emergency_month(self.db, payload["estate_id"], payload.get("filters", {}))

    # -- inspection checklists and inspections ----------------------------------------
    @rpc_method
    def create_checklist(self, payload):
        return operations.create_checklist(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def update_checklist(self, payload):
        return operations.update_checklist(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                           payload["data"])

    @rpc_method
    def list_checklists(self, payload):
        return store.list_checklists(self.db, payload["estate_id"], payload.get("filters", {}),
                                     payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_checklist(self, payload):
        return public(store.get(self.db, "checklists", payload["estate_id"], payload["id"]))

    @rpc_method
    def open_inspection(self, payload):
        return operations.open_inspection(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_inspections(self, payload):
        return store.list_inspections(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_inspection(self, payload):
        return public(store.get(self.db, "inspections", payload["estate_id"], payload["id"]))

    @rpc_method
    def complete_inspection(self, payload):
        return operations.complete_inspection(self.db, self.outbox, self.caller, payload["estate_id"],
                                              payload["id"], payload["data"])

    # -- cost control ----------------------------------------------------------------
    @rpc_method
    def set_budget(self, payload):
        return operations.set_budget(self.db, self.caller, payload["estate_id"], payload["id"],
                                     payload["data"]["amount_cents"])

    @rpc_method
    def get_costs(self, payload):
        return operations.get_costs(self.db, payload["estate_id"], payload.get("filters", {}))

    @rpc_method
    def kpis(self, payload):
        return operations.kpis(self.db, self.caller, payload["period"], payload["estate_ids"])

    # -- the spare parts store (备品备件: parts.py) -------------------------------------
    @rpc_method
    def create_part(self, payload):
        return operations.create_part(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_parts(self, payload):
        return store.list_parts(self.db, payload["estate_id"], payload.get("filters", {}),
                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_part(self, payload):
        return operations.get_part(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def list_part_movements(self, payload):
        return operations.list_part_movements(self.db, payload["estate_id"], payload["id"], payload.get("filters", {}),
                                              payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def update_part(self, payload):
        return operations.update_part(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                      payload["data"])

    @rpc_method
    def receive_part(self, payload):
        return operations.receive_part(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                       payload["data"])

    @rpc_method
    def issue_part(self, payload):
        return operations.issue_part(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                     payload["data"])

    @rpc_method
    def return_part(self, payload):
        return operations.return_part(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                      payload["data"])

    @rpc_method
    def count_part(self, payload):
        return operations.count_part(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                     payload["data"])

    # -- engineering review of renovation and move-in applications --------------------
    @consumes("customer_service", "renovation_review_requested")
    def queue_renovation_review(self, event):
        operations.queue_renovation_review(self.db, self.outbox, event)

    @consumes("customer_service", "application_withdrawn")
    def close_withdrawn_review(self, event):
        operations.close_withdrawn_review(self.db, self.outbox, event)

    @rpc_method
    def list_renovation_reviews(self, payload):
        return store.list_reviews(self.db, payload["estate_id"], payload.get("filters", {}),
                                  payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_renovation_review(self, payload):
        return public(store.get(self.db, "renovation_reviews", payload["estate_id"], payload["id"]))

    @rpc_method
    def decide_renovation_review(self, payload):
        return operations.decide_renovation_review(self.db, self.outbox, self.caller, payload["estate_id"],
                                                   payload["id"], payload["data"])

    # -- one record of a list, by its id: an integrator reads back what it created ----------------
    # (at the end, the ledger's view imported here: kept apart from the domain's code for easy merges)
    @rpc_method
    def get_maintenance_plan(self, payload):
        return public(store.get(self.db, "maintenance_plans", payload["estate_id"], payload["id"]))

    @rpc_method
    def get_equipment_record(self, payload):
        """One record of a piece as ``list_equipment_records`` shows it, or 404 (a piece of another
        estate, a record of another piece, an unknown id). A record an earlier version kept in the
        piece's array and not moved yet (``operations._moved``, on the piece's next write) is read
        there: a read writes nothing."""
        from . import ledger
        estate_id, equipment_id, record_id = payload["estate_id"], payload["id"], payload["item"]
        equipment = store.get(self.db, "equipment", estate_id, equipment_id)
        found = store.equipment_record(self.db, estate_id, equipment_id, record_id)
        if found is None:
            found = next((ledger.record_document(estate_id, equipment_id, record)
                          for record in equipment.get(ledger.EARLIER_RECORDS) or [] if record["id"] == record_id), None)
        if found is None:
            raise NotFound("no such record of this equipment")
        return ledger.record_listed(found)

