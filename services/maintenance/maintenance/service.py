"""maintenance entrypoints: thin; rules in domain.py (work orders), ledger.py (equipment and
plans), costing.py, renovation.py, indicators.py (KPIs) and rules.py (the numbers); storage
in store.py."""
from nameko.timer import timer

from estate_common import clock, config
from estate_common.kpis import month_bounds
from estate_common.nameko import CopiesEstates, CopiesHouseholds, EstateSettings, ServiceBase, consumes, rpc_method
from estate_common.store import public

from . import costing, domain, indicators, ledger, renovation, store
from .rules import DEFAULTS

# How often the scheduler looks for preventive-plan orders to open (seconds).
PLAN_SWEEP_SECONDS = config.env_float("PLAN_SWEEP_SECONDS", 600.0)


class MaintenanceService(CopiesEstates, CopiesHouseholds, EstateSettings, ServiceBase):
    name = "maintenance"
    indexes = store.INDEXES
    settings_defaults = DEFAULTS

    # -- work orders ---------------------------------------------------------------
    @rpc_method
    def list_work_orders(self, payload):
        return store.list_work_orders(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_work_order(self, payload):
        return public(store.get(self.db, "work_orders", payload["estate_id"], payload["id"]))

    @rpc_method
    def assign_work_order(self, payload):
        return self._step(payload, domain.assign, payload["data"]["technician"])

    @rpc_method
    def appoint_work_order(self, payload):
        return self._step(payload, domain.appoint, payload["data"]["at"])

    @rpc_method
    def reappoint_work_order(self, payload):
        return self._step(payload, domain.reappoint, payload["data"]["at"], payload["data"]["reason"])

    @rpc_method
    def start_work_order(self, payload):
        return self._step(payload, domain.start)

    @rpc_method
    def quote_work_order(self, payload):
        return self._step(payload, domain.quote, payload["data"]["amount_cents"], payload["data"]["items"])

    @rpc_method
    def consent_work_order(self, payload):
        return self._step(payload, domain.consent, payload["data"]["by"])

    @rpc_method
    def request_help(self, payload):
        return self._step(payload, domain.request_help, payload["data"]["reason"])

    @rpc_method
    def cancel_work_order(self, payload):
        return self._step(payload, domain.cancel, payload["data"]["reason"])

    @rpc_method
    def mark_emergency(self, payload):
        rules = store.rules_for(self.db, payload["estate_id"])
        return self._step(payload, domain.mark_emergency, payload["data"]["category"], rules=rules)

    @rpc_method
    def complete_work_order(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        order = store.get(self.db, "work_orders", estate_id, payload["id"])
        changes, entry = domain.complete(order, data, clock.now(), store.rules_for(self.db, estate_id),
                                         self.caller.user)
        if changes["equipment_id"]:
            store.referenced(self.db, "equipment", estate_id, changes["equipment_id"], "data.equipment_id")
        done = {**order, **changes}
        events = [self.outbox.event("work_order_completed", estate_id, domain.completed_event_data(done))]
        if domain.raises_charge(done):
            events.append(self.outbox.event("charge_raised", estate_id, domain.charge_event_data(done)))
        written = store.apply_step(self.db, order, changes, entry, events)
        store.announce(self.outbox, self.db, "work_orders", written)
        if written["equipment_id"]:
            store.add_equipment_record(self.db, estate_id, written["equipment_id"],
                                       ledger.record_from_order(written), written["completed_at"])
        return public(written)

    def _step(self, payload, step, *args, **kwargs):
        order = store.get(self.db, "work_orders", payload["estate_id"], payload["id"])
        changes, entry = step(order, *args, now=clock.now(), actor=self.caller.user, **kwargs)
        return public(store.apply_step(self.db, order, changes, entry))

    # -- where work orders come from ---------------------------------------------------
    @consumes("customer_service", "service_request_created")
    def open_from_service_request(self, event):
        if not domain.wants_work_order(event):
            return
        rules = store.rules_for(self.db, event["estate_id"])
        self._open_order(domain.work_order_id(event["estate_id"], "service_request", event["data"]["id"]),
                         event["estate_id"], clock.now(),
                         lambda number, created: domain.from_service_request(event, number, created, rules))

    @consumes("customer_service", "follow_up_requested")
    def open_from_follow_up(self, event):
        estate_id, follow_up = event["estate_id"], event["data"]
        rules = store.rules_for(self.db, estate_id)
        earlier = store.find(self.db, "work_orders", estate_id, domain.work_order_id(
            estate_id, "service_request", follow_up["request_id"]))
        self._open_order(domain.work_order_id(estate_id, "return_visit", follow_up["id"]), estate_id, clock.now(),
                         lambda number, created: domain.from_follow_up(event, number, created, rules,
                                                                       earlier and earlier["_id"]))

    @consumes("security_patrol", "anomaly_reported")
    def open_from_patrol_anomaly(self, event):
        rules = store.rules_for(self.db, event["estate_id"])
        self._open_order(domain.work_order_id(event["estate_id"], "patrol_anomaly", event["data"]["id"]),
                         event["estate_id"], clock.now(),
                         lambda number, created: domain.from_patrol_anomaly(event, number, created, rules))

    @timer(interval=PLAN_SWEEP_SECONDS, eager=True)
    def open_scheduled_work_orders(self):
        self.schedule_plans(clock.now())

    def schedule_plans(self, now):
        """Open the orders of every plan due up to each estate's horizon (the timer's work,
        callable with any ``now``). Returns how many due dates were handled."""
        handled = 0
        for estate_id in store.estates_with_plans(self.db):
            until = ledger.horizon(now, store.rules_for(self.db, estate_id))
            for plan in store.plans_due(self.db, estate_id, until):
                handled += self._open_plan_orders(plan, now, until)
        return handled

    def _open_plan_orders(self, plan, now, until):
        equipment = store.find(self.db, "equipment", plan["estate_id"], plan["equipment_id"])
        dates = ledger.due_dates(plan, until)
        if equipment is None or not dates:
            return 0
        for due_on in dates:
            order_id = domain.work_order_id(plan["estate_id"], "maintenance_plan",
                                            domain.plan_source_key(plan["_id"], due_on))
            self._open_order(order_id, plan["estate_id"], now,
                             lambda number, created, due_on=due_on: domain.from_plan(plan, equipment, due_on,
                                                                                     number, created))
        store.advance_plan(self.db, plan, ledger.after(plan, dates[-1]), order_id, clock.to_iso(now))
        return len(dates)

    def _open_order(self, order_id, estate_id, created, build):
        """Open one order per source: a source seen before finds its order (whose own outbox
        carries its event) and opens nothing."""
        if store.work_order_exists(self.db, order_id):
            return
        sequence = store.next_number(self.db, estate_id, domain.number_series(created))
        order = build(domain.order_number(created, sequence), created)
        order["_outbox"] = [self.outbox.event("work_order_created", estate_id, domain.created_event_data(order))]
        if store.insert(self.db, "work_orders", order):
            store.announce(self.outbox, self.db, "work_orders", order)

    # -- equipment ledger and preventive plans -----------------------------------------
    @rpc_method
    def create_equipment(self, payload):
        estate_id = payload["estate_id"]
        equipment = ledger.new_equipment(estate_id, payload["data"], clock.now(), self.caller.user)
        if not store.insert(self.db, "equipment", equipment):
            equipment = ledger.same_equipment(store.get(self.db, "equipment", estate_id, equipment["_id"]), equipment)
        return public(equipment)

    @rpc_method
    def list_equipment(self, payload):
        page = store.list_equipment(self.db, payload["estate_id"], payload.get("filters", {}),
                                    payload.get("limit"), payload.get("cursor"))
        return {**page, "items": [ledger.in_list(item) for item in page["items"]]}

    @rpc_method
    def get_equipment(self, payload):
        return public(store.get(self.db, "equipment", payload["estate_id"], payload["id"]))

    @rpc_method
    def add_equipment_record(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        store.get(self.db, "equipment", estate_id, payload["id"])
        now = clock.now()
        record = ledger.new_record(self.caller.created_id("eqr", estate_id), data["kind"], data["result"],
                                   data.get("notes", ""), now, self.caller.user)
        equipment = store.add_equipment_record(self.db, estate_id, payload["id"], record, clock.to_iso(now))
        return {**next(r for r in equipment["records"] if r["id"] == record["id"]), "equipment_id": payload["id"]}

    @rpc_method
    def create_maintenance_plan(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        plan_id = self.caller.created_id("plan", estate_id)
        if not store.find(self.db, "maintenance_plans", estate_id, plan_id):
            store.referenced(self.db, "equipment", estate_id, data["equipment_id"], "data.equipment_id")
            now, rules = clock.now(), store.rules_for(self.db, estate_id)
            plan = ledger.new_plan(plan_id, estate_id, data, now, self.caller.user, rules)
            if store.insert(self.db, "maintenance_plans", plan):
                self._open_plan_orders(plan, now, ledger.horizon(now, rules))
        return public(store.find(self.db, "maintenance_plans", estate_id, plan_id))

    @rpc_method
    def list_maintenance_plans(self, payload):
        return store.list_plans(self.db, payload["estate_id"], payload.get("filters", {}),
                                payload.get("limit"), payload.get("cursor"))

    # -- cost control ----------------------------------------------------------------
    @rpc_method
    def set_budget(self, payload):
        estate_id, period = payload["estate_id"], payload["id"]
        existing = store.find(self.db, "budgets", estate_id, costing.budget_id(estate_id, period))
        budget = costing.new_budget(estate_id, period, payload["data"]["amount_cents"], clock.now(),
                                    self.caller.user, existing)
        store.save_budget(self.db, budget)
        return public(budget)

    @rpc_method
    def get_costs(self, payload):
        estate_id = payload["estate_id"]
        period = payload.get("filters", {}).get("period") or costing.current_period(
            clock.now(), store.rules_for(self.db, estate_id))
        return {"estate_id": estate_id, **self._cost_summary(estate_id, period)}

    def _cost_summary(self, estate_id, period):
        start, end = self._month(estate_id, period)
        return costing.cost_summary(period, store.orders_completed_in(self.db, estate_id, start, end),
                                    store.find(self.db, "budgets", estate_id, costing.budget_id(estate_id, period)))

    def _month(self, estate_id, period):
        """The estate's calendar month, on its local clock."""
        return month_bounds(period, store.rules_for(self.db, estate_id)["timezone"])

    @rpc_method
    def kpis(self, payload):
        period, now_iso = payload["period"], clock.now_iso()
        estates = {}
        for estate_id in payload["estate_ids"]:
            self.caller.require_estate(estate_id)
            start, end = self._month(estate_id, period)
            reported = store.orders_reported_in(self.db, estate_id, start, end)
            estates[estate_id] = {**indicators.response_timeliness(reported, now_iso),
                                  **indicators.cost_control(self._cost_summary(estate_id, period))}
        return {"period": period, "estates": estates}

    # -- engineering review of renovation and move-in applications --------------------
    @consumes("customer_service", "renovation_review_requested")
    def queue_renovation_review(self, event):
        store.insert(self.db, "renovation_reviews", renovation.from_request(event, clock.now()))  # a redelivery collides on _id

    @rpc_method
    def list_renovation_reviews(self, payload):
        return store.list_reviews(self.db, payload["estate_id"], payload.get("filters", {}),
                                  payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_renovation_review(self, payload):
        return public(store.get(self.db, "renovation_reviews", payload["estate_id"], payload["id"]))

    @rpc_method
    def decide_renovation_review(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        review = store.get(self.db, "renovation_reviews", estate_id, payload["id"])
        changes, entry = renovation.decide(review, data["decision"], data["notes"], clock.now(), self.caller.user)
        events = [self.outbox.event("renovation_reviewed", estate_id,
                                    renovation.reviewed_event_data({**review, **changes}))]
        written = store.decide_review(self.db, review, changes, entry, events)
        store.announce(self.outbox, self.db, "renovation_reviews", written)
        return public(written)
