"""security-patrol entrypoints: thin. The steps of each call are in operations.py (through the
one write path, estate_common.writes); the rules in patrols.py, fire.py, incidents.py (with
emergency_plans.py), gate.py and kpis.py, their numbers in rules.py; storage in store.py."""

from estate_common import clock, config, personal_data, plates, roles, stopping
from estate_common.nameko import (CountsClosedRecords, CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources,
                                  ServiceBase, consumes, export_runners, rpc_method)
from estate_common.nameko.timers import graceful_timer, timer
from estate_common.store import public

from . import exports, operations, store
from .rules import ALLOWED, DEFAULTS, MAXIMA, MINIMA, ORDERED

# How often the fire-check sweep looks for facilities past their cycle's deadline (seconds).
FIRE_CHECK_SWEEP_SECONDS = config.env_float("FIRE_CHECK_SWEEP_SECONDS", 600.0)
# How often the missed-rounds sweep looks for planned slots over and not walked through (seconds):
# a notice leaves at most this long after its slot's tolerance ran out.
MISSED_ROUND_SWEEP_SECONDS = config.env_float("MISSED_ROUND_SWEEP_SECONDS", 300.0)
# How often visitors past the estate's visitor_retention_days are masked for good (seconds):
# operations.erase_visitors.
RETENTION_SWEEP_SECONDS = config.env_float("RETENTION_SWEEP_SECONDS", 3600.0)
# how often visitors stored without their number as dialled are given it (at start too):
# operations.keep_phone_keys (seconds), as customer service's requests
PHONE_KEY_SWEEP_SECONDS = config.env_float("PHONE_KEY_SWEEP_SECONDS", 600.0)


class SecurityPatrolService(CopiesEstates, CopiesHouseholds, EstateSettings, ExportsResources, CountsClosedRecords,
                            ServiceBase):
    name = "security_patrol"
    closed_store = store  # what it closed, counted for archive (CountsClosedRecords)
    indexes = store.INDEXES
    settings_defaults, settings_minima, settings_maxima, settings_ordered = DEFAULTS, MINIMA, MAXIMA, ORDERED
    settings_allowed = ALLOWED
    # the guards read the numbers their rounds and checks are judged by (a manager changes them)
    settings_readers = roles.MANAGEMENT | {"security"}
    job_runners = export_runners(exports.COLUMNS)

    # -- exports (estate_common.exports): the columns in exports.py, the documents as the lists select them --
    export_lists, export_columns = exports.LISTS, exports.COLUMNS

    def export_documents(self, resource, estate_id, filters):
        return operations.export_documents(self.db, resource, estate_id, filters)

    # -- patrol routes and plans ----------------------------------------------------
    @rpc_method
    def create_patrol_route(self, payload):
        return operations.create_patrol_route(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_patrol_routes(self, payload):
        return self._list("patrol_routes", payload)

    @rpc_method
    def create_patrol_plan(self, payload):
        return operations.create_patrol_plan(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_patrol_plans(self, payload):
        return operations.list_patrol_plans(self.db, payload["estate_id"], payload.get("filters", {}),
                                            payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def stop_patrol_plan(self, payload):
        return operations.stop_patrol_plan(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                           payload["data"])

    # -- patrol rounds --------------------------------------------------------------
    @rpc_method
    def start_round(self, payload):
        return operations.start_round(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def get_round(self, payload):
        return operations.get_round(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def list_rounds(self, payload):
        return operations.list_rounds(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def check_in(self, payload):
        return operations.check_in(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                   payload["data"])

    @rpc_method
    def finish_round(self, payload):
        return operations.finish_round(self.db, self.outbox, payload["estate_id"], payload["id"])

    # -- fire equipment -------------------------------------------------------------
    @rpc_method
    def create_fire_equipment(self, payload):
        return operations.create_fire_equipment(self.db, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def retire_fire_equipment(self, payload):
        return operations.retire_fire_equipment(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["id"], payload["data"])

    @rpc_method
    def list_fire_equipment(self, payload):
        return operations.list_fire_equipment(self.db, payload["estate_id"], payload.get("filters", {}),
                                             payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def record_fire_inspection(self, payload):
        return operations.record_fire_inspection(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["data"])

    @rpc_method
    def parking_daily_cap(self, payload):
        return operations.parking_daily_cap(self.db, self.caller, payload["estate_id"])

    def refuse_settings(self, estate_id, overrides):
        operations.refuse_a_daily_cap_below_the_hour(self.db, estate_id, overrides, self.caller.parking_hour_standard)
        operations.refuse_a_backdate_raised(self.db, estate_id, overrides, self.caller.roles)

    @consumes("finance", "fee_standard_approved")
    def on_fee_standard_approved(self, event):
        """A visitor's parking is priced by finance's approved standard (estate_common.fee_prices)."""
        operations.fee_standard_approved(self.db, event)

    # the work order maintenance opened for an anomaly, a fire defect or an incident: its number and
    # status kept from its events, each once by its id, acknowledged once written (work_orders.py)
    @consumes("maintenance", "work_order_created")
    def on_work_order_created(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_incident_joined")
    def on_work_order_incident_joined(self, event):  # the desk's order for the lift is the incident's (h10)
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_assigned")
    def on_work_order_assigned(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_appointed")
    def on_work_order_appointed(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_started")
    def on_work_order_started(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_completed")
    def on_work_order_completed(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_cancelled")
    def on_work_order_cancelled(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_quoted")
    def on_work_order_quoted(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_consented")
    def on_work_order_consented(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_held")
    def on_work_order_held(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_resumed")
    def on_work_order_resumed(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "work_order_help_requested")
    def on_work_order_help_requested(self, event):
        operations.work_order_event(self.db, self.outbox, event)

    @consumes("maintenance", "checklist_created")
    def copy_checklist(self, event):
        """A copy of engineering's checklist, so that a fire check may be recorded with it."""
        operations.copy_checklist(self.db, self.outbox, event)

    @consumes("maintenance", "checklist_updated")
    def copy_edited_checklist(self, event):
        """Engineering's checklist edited before its first use: the copy follows."""
        operations.copy_edited_checklist(self.db, self.outbox, event)

    @rpc_method
    def list_fire_inspections(self, payload):
        return operations.list_fire_inspections(self.db, payload["estate_id"], payload.get("filters", {}),
                                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def suspend_patrols(self, payload):
        return operations.suspend_patrols(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def withdraw_patrol_suspension(self, payload):
        return operations.withdraw_patrol_suspension(self.db, self.outbox, self.caller, payload["estate_id"],
                                                     payload["id"], payload["data"])

    @rpc_method
    def list_patrol_suspensions(self, payload):
        return self._list("patrol_suspensions", payload)

    @rpc_method
    def raise_emergency_alert(self, payload):  # 预警响应
        return operations.raise_emergency_alert(self.db, self.outbox, self.caller, payload["estate_id"],
                                                payload["data"])

    @rpc_method
    def change_emergency_alert_level(self, payload):
        return operations.change_emergency_alert_level(self.db, self.outbox, self.caller, payload["estate_id"],
                                                       payload["id"], payload["data"])

    @rpc_method
    def stand_down_emergency_alert(self, payload):  # 解除
        return operations.stand_down_emergency_alert(self.db, self.outbox, self.caller, payload["estate_id"],
                                                     payload["id"], payload["data"])

    @rpc_method
    def list_emergency_alerts(self, payload):
        return operations.list_emergency_alerts(self.db, payload["estate_id"], payload.get("filters", {}),
                                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_emergency_alert(self, payload):
        return operations.get_emergency_alert(self.db, payload["estate_id"], payload["id"], payload.get("limit"),
                                              payload.get("cursor"))

    @rpc_method
    def record_fire_drill(self, payload):
        return operations.record_fire_drill(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_fire_drills(self, payload):
        return self._list("fire_drills", payload)

    @rpc_method
    def record_fire_lane_check(self, payload):
        return operations.record_fire_lane_check(self.db, self.outbox, self.caller, payload["estate_id"],
                                                 payload["data"])

    @rpc_method
    def list_fire_lane_checks(self, payload):
        return self._list("fire_lane_checks", payload)

    @rpc_method
    def clear_fire_lane(self, payload):
        return operations.clear_fire_lane(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                          payload["data"])

    @rpc_method
    def missed_rounds(self, payload):
        return operations.missed_rounds(self.db, payload["estate_id"], payload["filters"]["period"])

    @timer(interval=MISSED_ROUND_SWEEP_SECONDS)
    def raise_missed_round_notices(self):
        self.sweep_missed_rounds(clock.now())

    def sweep_missed_rounds(self, now):
        """The timer's work, callable with any ``now``: how many notices were new."""
        return operations.raise_missed_round_notices(self.db, self.outbox, now)

    @timer(interval=MISSED_ROUND_SWEEP_SECONDS, eager=True)
    def keep_due_times_of_rounds_opened_before(self):
        """``operations.keep_earlier_due_unchecked``: once per estate, then a registry read."""
        return operations.keep_earlier_due_unchecked(self.db, self.outbox)

    @graceful_timer(interval=PHONE_KEY_SWEEP_SECONDS, eager=True)
    def keep_phone_keys(self):
        """``operations.keep_phone_keys``: at start (the backfill of the visitors stored before
        ``_phone`` was kept), then those an older replica wrote while a deploy rolled. A stop ends
        it between two batches; the next start takes it up where it stopped."""
        operations.keep_phone_keys(self.db, stopping=lambda: stopping.is_stopping(self.name))

    @timer(interval=RETENTION_SWEEP_SECONDS)
    def erase_visitors(self):
        self.sweep_visitor_retention(clock.now())

    def sweep_visitor_retention(self, now):
        """The timer's work, callable with any ``now``: how many visitors it masked for good."""
        return operations.erase_visitors(self.db, self.outbox, now)

    @rpc_method
    def list_fire_check_overdues(self, payload):
        return self._list("fire_check_overdues", payload)

    @timer(interval=FIRE_CHECK_SWEEP_SECONDS)
    def raise_overdue_fire_checks(self):
        self.sweep_fire_checks(clock.now())

    def sweep_fire_checks(self, now):
        """The timer's work, callable with any ``now``: how many notices were new."""
        return operations.raise_overdue_fire_checks(self.db, self.outbox, now)

    # -- incidents ------------------------------------------------------------------
    @rpc_method
    def open_incident(self, payload):
        return operations.open_incident(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def get_incident(self, payload):
        return operations.get_incident(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def list_incidents(self, payload):
        return operations.list_incidents(self.db, payload["estate_id"], payload.get("filters", {}),
                                         payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def list_incidents_across(self, payload):  # 跨小区事件: several estates' incidents, newest first
        return operations.list_incidents_across(self.db, self.caller, payload["estate_ids"],
                                                payload.get("filters") or {}, payload.get("limit"),
                                                payload.get("cursor"))

    @rpc_method
    def record_incident_step(self, payload):
        return operations.record_incident_step(self.db, self.outbox, self.caller, payload["estate_id"],
                                              payload["id"], payload["data"])

    @rpc_method
    def reclassify_incident(self, payload):
        return operations.reclassify_incident(self.db, self.outbox, self.caller, payload["estate_id"],
                                              payload["id"], payload["data"])

    @rpc_method
    def close_incident(self, payload):
        return operations.close_incident(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                         payload["data"])

    # -- emergency plans (应急预案) per estate ----------------------------------------
    @rpc_method
    def list_emergency_plans(self, payload):
        return operations.list_emergency_plans(self.db, payload["estate_id"])

    @rpc_method
    def set_emergency_plan(self, payload):
        return operations.set_emergency_plan(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                             payload["data"])

    # -- the gate: passes, parking, visitors, shifts --------------------------------
    @rpc_method
    def create_vehicle_pass(self, payload):
        return operations.create_vehicle_pass(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_vehicle_passes(self, payload):
        return self._list("vehicle_passes", payload, normalise={"plate": plates.plate_key})

    @rpc_method
    def revoke_vehicle_pass(self, payload):
        return operations.revoke_vehicle_pass(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                              payload["data"])

    @rpc_method
    def record_vehicle_entry(self, payload):
        return operations.record_vehicle_entry(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def record_vehicle_exit(self, payload):
        return operations.record_vehicle_exit(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def close_parking_session(self, payload):
        return operations.close_parking_session(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                payload["data"])

    @rpc_method
    def list_parking_sessions(self, payload):
        return operations.list_parking_sessions(self.db, payload["estate_id"], payload.get("filters", {}),
                                                payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def parking_totals(self, payload):
        return operations.parking_totals(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def register_visitor(self, payload):
        return operations.register_visitor(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def record_visitor_departure(self, payload):
        return operations.record_visitor_departure(self.db, self.outbox, self.caller, payload["estate_id"],
                                                   payload["id"], payload.get("data") or {})

    @rpc_method
    def visitors_by_phone(self, payload):
        """An occupant's (or a visitor's) request to see his data (PIPL art. 45): the visits his
        phone registered (``store.visitors_by_phone``), for the archives' roles only."""
        number = personal_data.subject_phone(self.caller.roles, payload["data"])
        return {"items": operations.visitors_by_phone(self.db, payload["estate_id"], number)}

    @rpc_method
    def list_visitors(self, payload):
        return operations.list_visitors(self.db, payload["estate_id"], payload.get("filters", {}),
                                        payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def assign_duty(self, payload):
        return operations.assign_duty(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def cancel_duty(self, payload):
        return operations.cancel_duty(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                      payload["data"])

    @rpc_method
    def list_duty_roster(self, payload):
        return operations.list_duty_roster(self.db, payload["estate_id"], payload.get("filters", {}),
                                           payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def record_shift_handover(self, payload):
        return operations.record_shift_handover(self.db, self.outbox, self.caller, payload["estate_id"],
                                               payload["data"])

    @rpc_method
    def accept_shift_handover(self, payload):
        return operations.accept_shift_handover(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                payload.get("data") or {})

    @rpc_method
    def list_shift_handovers(self, payload):
        return operations.list_shift_handovers(self.db, payload["estate_id"], payload.get("filters", {}),
                                               payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def missed_handovers(self, payload):
        return operations.missed_handovers(self.db, payload["estate_id"], payload["filters"]["period"])

    @rpc_method
    def security_week(self, payload):
        """周报: the supervisor's week of the estate's security (``security_week``)."""
        return operations.security_week(self.db, payload["estate_id"], payload["filters"]["week"])

    # -- KPIs -----------------------------------------------------------------------
    @rpc_method
    def kpis(self, payload):
        return operations.kpis(self.db, self.caller, payload["period"], payload["estate_ids"])

    # -- the team's month on duty (team.py, h7): roll calls, spot checks, discipline, trainings, assessments --
    @rpc_method
    def record_roll_call(self, payload):
        return operations.record_roll_call(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def correct_roll_call(self, payload):
        return operations.correct_roll_call(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                            payload["data"])

    @rpc_method
    def add_to_roll_call(self, payload):
        return operations.add_to_roll_call(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                           payload["data"])

    @rpc_method
    def list_roll_calls(self, payload):
        return self._list("roll_calls", payload)

    @rpc_method
    def record_spot_check(self, payload):
        return operations.record_spot_check(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_spot_checks(self, payload):
        return self._list("post_spot_checks", payload, {"manned": lambda text: text == "true"})

    @rpc_method
    def record_discipline(self, payload):
        return operations.record_discipline(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_discipline(self, payload):
        return self._team_list("discipline_records", payload)

    @rpc_method
    def record_training(self, payload):
        return operations.record_training(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_trainings(self, payload):
        return self._team_list("trainings", payload)

    @rpc_method
    def guard_scores(self, payload):
        return operations.guard_scores(self.db, payload["estate_id"], payload.get("filters", {}))

    @rpc_method
    def record_assessment(self, payload):
        return operations.record_assessment(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])

    @rpc_method
    def list_assessments(self, payload):
        return self._team_list("guard_assessments", payload)

    def _team_list(self, collection, payload):
        return operations.list_team_records(self.db, collection, payload["estate_id"], payload.get("filters", {}),
                                            payload.get("limit"), payload.get("cursor"))

    # -- the shape every list shares ----------------------------------------------
    def _list(self, collection, payload, normalise=None):
        return operations.page(self.db, collection, payload["estate_id"], payload.get("filters", {}),
                               payload.get("limit"), payload.get("cursor"), normalise)

    # -- one record of a list, by its id: an integrator reads back what it created ----------------
    # (at the end, the views imported here: kept apart from the domain's code for easy merges)
    @rpc_method
    def get_patrol_route(self, payload):
        return self._get("patrol_routes", payload)

    @rpc_method
    def get_patrol_plan(self, payload):
        from .patrols import shown_plan
        return shown_plan(self._get("patrol_plans", payload), store.rules_for(self.db, payload["estate_id"]))

    @rpc_method
    def get_fire_equipment(self, payload):
        return self._get("fire_equipment", payload)

    @rpc_method
    def get_fire_inspection(self, payload):
        return operations.fire_inspection(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def get_fire_drill(self, payload):
        return self._get("fire_drills", payload)

    @rpc_method
    def get_fire_lane_check(self, payload):
        return self._get("fire_lane_checks", payload)

    @rpc_method
    def get_vehicle_pass(self, payload):
        return self._get("vehicle_passes", payload)

    @rpc_method
    def get_visitor(self, payload):
        return operations.visitor(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def get_duty_assignment(self, payload):
        from .roster import shown
        return shown(self._get("duty_roster", payload))

    @rpc_method
    def get_shift_handover(self, payload):
        return self._get("shift_handovers", payload)

    # the team's month on duty (h3): each record read back as its list shows it
    @rpc_method
    def get_roll_call(self, payload):
        return self._get("roll_calls", payload)

    @rpc_method
    def get_spot_check(self, payload):
        return self._get("post_spot_checks", payload)

    @rpc_method
    def get_discipline_record(self, payload):
        return self._get("discipline_records", payload)

    @rpc_method
    def get_training(self, payload):
        return self._get("trainings", payload)

    @rpc_method
    def get_assessment(self, payload):
        return self._get("guard_assessments", payload)

    def _get(self, collection, payload):
        """One record as its list has it (``public`` of the stored document), or 404."""
        return public(store.get(self.db, collection, payload["estate_id"], payload["id"]))

