"""security-patrol entrypoints: thin. The rules are in patrols.py, fire.py,
incidents.py (with emergency_plans.py), gate.py and kpis.py, their numbers in
rules.py; storage in store.py."""
from estate_common import clock
from estate_common.errors import Conflict
from estate_common.nameko import CopiesEstates, CopiesHouseholds, EstateSettings, ServiceBase, rpc_method
from estate_common.store import public

from . import fire, gate, incidents, kpis, localtime, patrols, store
from .rules import DEFAULTS

# A guarded write that lost to a concurrent one re-reads and tries again this often.
GUARDED_ATTEMPTS = 5


class SecurityPatrolService(CopiesEstates, CopiesHouseholds, EstateSettings, ServiceBase):
    name = "security_patrol"
    indexes = store.INDEXES
    settings_defaults = DEFAULTS

    # -- patrol routes and plans ------------------------------------------------
    @rpc_method
    def create_patrol_route(self, payload):
        return self._create("patrol_routes", "proute", payload, lambda doc_id: patrols.new_route(
            doc_id, payload["estate_id"], payload["data"], clock.now(), self.caller.user))

    @rpc_method
    def list_patrol_routes(self, payload):
        return self._list("patrol_routes", payload)

    @rpc_method
    def create_patrol_plan(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        route = store.referenced(self.db, "patrol_routes", estate_id, data["route_id"], "data.route_id")
        return self._create("patrol_plans", "pplan", payload, lambda doc_id: patrols.new_plan(
            doc_id, estate_id, route, data, clock.now(), self.caller.user))

    @rpc_method
    def list_patrol_plans(self, payload):
        return self._list("patrol_plans", payload)

    # -- patrol rounds ----------------------------------------------------------
    @rpc_method
    def start_round(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        route = store.referenced(self.db, "patrol_routes", estate_id, data["route_id"], "data.route_id")
        if data.get("plan_id"):
            plans = [store.referenced(self.db, "patrol_plans", estate_id, data["plan_id"], "data.plan_id")]
            patrols.plan_of_route(plans[0], route)
        else:
            plans = store.all_of(self.db, "patrol_plans", estate_id, {"route_id": route["_id"]})
        now = clock.now()
        plan, slot = patrols.nearest_slot(plans, now, store.rules_for(self.db, estate_id))
        return self._create("patrol_rounds", "pround", payload, lambda doc_id: patrols.new_round(
            doc_id, estate_id, route, plan, slot, data["guard"], now, self.caller.user))

    @rpc_method
    def get_round(self, payload):
        return public(store.get(self.db, "patrol_rounds", payload["estate_id"], payload["id"]))

    @rpc_method
    def list_rounds(self, payload):
        return self._list("patrol_rounds", payload)

    @rpc_method
    def check_in(self, payload):
        estate_id, round_id, data = payload["estate_id"], payload["id"], payload["data"]
        rules = store.rules_for(self.db, estate_id)
        check_in_id = self.caller.created_id("chk", estate_id)

        def attempt():
            round_ = store.get(self.db, "patrol_rounds", estate_id, round_id)
            if patrols.find_check_in(round_, check_in_id):
                return round_  # a retry of a check-in that went through
            entry, anomaly = patrols.check_in(round_, check_in_id, data["checkpoint"], data.get("anomaly"),
                                              clock.now(), self.caller.user, rules)
            events = [self.outbox.event("anomaly_reported", estate_id,
                                        patrols.anomaly_event_data(round_, entry))] if anomaly else []
            if not store.push_check_in(self.db, round_, entry, events):
                return None
            store.announce(self.outbox, self.db, "patrol_rounds", {"_id": round_id, "_outbox": events})
            return round_ | {"check_ins": round_["check_ins"] + [entry], "updated_at": entry["at"]}

        return public(self._guarded(attempt))

    @rpc_method
    def finish_round(self, payload):
        estate_id, round_id = payload["estate_id"], payload["id"]

        def attempt():
            round_ = store.get(self.db, "patrol_rounds", estate_id, round_id)
            changes = patrols.finish(round_, clock.now())
            finished = round_ | changes
            events = [self.outbox.event("patrol_round_finished", estate_id, patrols.finished_event_data(finished))]
            if not store.finish_round(self.db, round_, changes, events):
                return None
            store.announce(self.outbox, self.db, "patrol_rounds", {"_id": round_id, "_outbox": events})
            return finished

        return public(self._guarded(attempt))

    # -- fire equipment ---------------------------------------------------------
    @rpc_method
    def create_fire_equipment(self, payload):
        equipment = fire.new_equipment(payload["estate_id"], payload["data"], clock.now(), self.caller.user)
        store.insert_unique(self.db, "fire_equipment", equipment,
                            f"fire equipment {equipment['code']} is in the ledger already", "data.code")
        return public(equipment)

    @rpc_method
    def list_fire_equipment(self, payload):
        estate_id, filters = payload["estate_id"], dict(payload.get("filters", {}))
        period = filters.pop("unchecked_in", None)
        month_end = period and localtime.iso_window(period, store.rules_for(self.db, estate_id))[1]
        return store.list_fire_equipment(self.db, estate_id, filters, period, month_end,
                                         payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def record_fire_inspection(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        equipment = store.referenced(self.db, "fire_equipment", estate_id, data["equipment_id"], "data.equipment_id")
        rules = store.rules_for(self.db, estate_id)
        return self._create("fire_inspections", "finsp", payload, lambda doc_id: fire.new_inspection(
            doc_id, estate_id, equipment, data, clock.now(), self.caller.user, rules))

    @rpc_method
    def list_fire_inspections(self, payload):
        return self._list("fire_inspections", payload)

    # -- incidents --------------------------------------------------------------
    @rpc_method
    def open_incident(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]

        def build(doc_id):
            now = clock.now()
            number = incidents.incident_number(
                now, store.next_number(self.db, estate_id, incidents.number_series(now)))
            return incidents.new_incident(doc_id, estate_id, data, number, now, self.caller.user)

        return self._create("incidents", "inc", payload, build)

    @rpc_method
    def get_incident(self, payload):
        return public(store.get(self.db, "incidents", payload["estate_id"], payload["id"]))

    @rpc_method
    def list_incidents(self, payload):
        return self._list("incidents", payload)

    @rpc_method
    def record_incident_step(self, payload):
        estate_id, incident_id, data = payload["estate_id"], payload["id"], payload["data"]

        def attempt():
            incident = store.get(self.db, "incidents", estate_id, incident_id)
            entry, escalation, changes = incidents.record_step(incident, data["step"], data.get("note"),
                                                               clock.now(), self.caller.user)
            events = [self.outbox.event("incident_escalated", estate_id,
                                        incidents.escalated_event_data(incident, escalation))] if escalation else []
            if not store.record_incident_step(self.db, incident, entry, escalation, changes, events):
                return None
            store.announce(self.outbox, self.db, "incidents", {"_id": incident_id, "_outbox": events})
            return incident | changes | {"steps": incident["steps"] + [entry],
                                         "escalations": incident["escalations"] + ([escalation] if escalation else [])}

        return public(self._guarded(attempt))

    @rpc_method
    def close_incident(self, payload):
        estate_id, incident_id = payload["estate_id"], payload["id"]

        def attempt():
            incident = store.get(self.db, "incidents", estate_id, incident_id)
            changes = incidents.close(incident, payload["data"].get("summary"), clock.now())
            closed = incident | changes
            events = [self.outbox.event("incident_closed", estate_id, incidents.closed_event_data(closed))]
            if not store.close_incident(self.db, incident, changes, events):
                return None
            store.announce(self.outbox, self.db, "incidents", {"_id": incident_id, "_outbox": events})
            return closed

        return public(self._guarded(attempt))

    # -- the gate: passes, parking, visitors, shifts ----------------------------
    @rpc_method
    def create_vehicle_pass(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        if data.get("household_id"):
            store.known_household(self.db, estate_id, data["household_id"], "data.household_id")
        return self._create("vehicle_passes", "vpass", payload, lambda doc_id: gate.new_pass(
            doc_id, estate_id, data, clock.now(), self.caller.user))

    @rpc_method
    def list_vehicle_passes(self, payload):
        return self._list("vehicle_passes", payload, normalise={"plate": gate.plate})

    @rpc_method
    def record_vehicle_entry(self, payload):
        estate_id, plate = payload["estate_id"], gate.plate(payload["data"]["plate"])
        if store.open_session(self.db, estate_id, plate):
            raise Conflict("this vehicle is inside already (no exit since its last entry)")
        now = clock.now()
        vehicle_pass = gate.best_pass(store.passes_of(self.db, estate_id, plate), now)
        session = gate.new_session(estate_id, plate, store.entries_of(self.db, estate_id, plate) + 1,
                                   vehicle_pass, now, self.caller.user)
        store.insert_unique(self.db, "parking_sessions", session, "this vehicle entered just now", "data.plate")
        return public(session)

    @rpc_method
    def record_vehicle_exit(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        rules = store.rules_for(self.db, estate_id)

        def attempt():
            session = store.open_session(self.db, estate_id, gate.plate(data["plate"]))
            if session is None:
                raise Conflict("no vehicle with this plate is inside")
            changes = gate.close_session(session, data.get("paid_at_gate", False), clock.now(), self.caller.user, rules)
            closed = session | changes
            events = [self.outbox.event("charge_raised", estate_id,
                                        gate.charge_event_data(closed))] if closed["fee_cents"] else []
            if not store.close_session(self.db, session, changes, events):
                return None
            store.announce(self.outbox, self.db, "parking_sessions", {"_id": session["_id"], "_outbox": events})
            return closed

        return public(self._guarded(attempt))

    @rpc_method
    def list_parking_sessions(self, payload):
        return self._list("parking_sessions", payload, normalise={"plate": gate.plate})

    @rpc_method
    def register_visitor(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        store.known_household(self.db, estate_id, data["visiting_household_id"], "data.visiting_household_id")
        return self._create("visitors", "visitor", payload, lambda doc_id: gate.new_visitor(
            doc_id, estate_id, data, clock.now(), self.caller.user))

    @rpc_method
    def list_visitors(self, payload):
        return self._list("visitors", payload)

    @rpc_method
    def record_shift_handover(self, payload):
        return self._create("shift_handovers", "handover", payload, lambda doc_id: gate.new_handover(
            doc_id, payload["estate_id"], payload["data"], clock.now(), self.caller.user))

    @rpc_method
    def list_shift_handovers(self, payload):
        return self._list("shift_handovers", payload)

    # -- KPIs -------------------------------------------------------------------
    @rpc_method
    def kpis(self, payload):
        period, estates = payload["period"], {}
        for estate_id in payload["estate_ids"]:
            self.caller.require_estate(estate_id)
            rules = store.rules_for(self.db, estate_id)
            start, end = localtime.month_window(period, rules)
            facts = store.kpi_facts(self.db, estate_id, period, clock.to_iso(start), clock.to_iso(end))
            estates[estate_id] = kpis.for_estate(facts, start, end, clock.now(), rules)
        return {"period": period, "estates": estates}

    # -- the shapes every create and list share ---------------------------------
    def _create(self, collection, prefix, payload, build):
        """Create once: a retry with the caller's Idempotency-Key finds the first document."""
        estate_id = payload["estate_id"]
        doc_id = self.caller.created_id(prefix, estate_id)
        existing = store.find(self.db, collection, estate_id, doc_id)
        if existing:
            return public(existing)
        doc = build(doc_id)
        if not store.insert(self.db, collection, doc):
            return public(store.get(self.db, collection, estate_id, doc_id))
        store.announce(self.outbox, self.db, collection, doc)
        return public(doc)

    def _list(self, collection, payload, normalise=None):
        filters = dict(payload.get("filters", {}))
        for name, convert in (normalise or {}).items():
            if name in filters:
                filters[name] = convert(filters[name])
        return store.page(self.db, collection, payload["estate_id"], filters,
                          payload.get("limit"), payload.get("cursor"))

    def _guarded(self, attempt):
        for _ in range(GUARDED_ATTEMPTS):
            result = attempt()
            if result is not None:
                return result
        raise Conflict("it changed while this was being recorded; try again")
