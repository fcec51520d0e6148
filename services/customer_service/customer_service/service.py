"""customer-service entrypoints: thin; rules in the domain modules, storage in store.py."""
import logging

from nameko.timer import timer

from estate_common import clock, config
from estate_common.errors import Conflict
from estate_common.kpis import month_bounds
from estate_common.nameko import CopiesEstates, CopiesHouseholds, EstateSettings, ServiceBase, consumes, rpc_method
from estate_common.store import public

from . import (applications, complaints, domain, events, front_desk, handling, intake, repairs,
               store, surveys)
from . import kpis as desk_kpis
from .rules import DEFAULTS, MAXIMA

log = logging.getLogger(__name__)

OVERDUE_SWEEP_SECONDS = config.env_float("OVERDUE_SWEEP_SECONDS", 60.0)
EVENT_ATTEMPTS = 3  # an event's step is retried this often when a desk wrote the document meanwhile


class CustomerService(CopiesEstates, CopiesHouseholds, EstateSettings, ServiceBase):
    name = "customer_service"
    indexes = store.INDEXES
    settings_defaults, settings_maxima = DEFAULTS, MAXIMA

    # -- service requests (服务请求) ----------------------------------------------
    @rpc_method
    def create_request(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        domain.require_desk(self.caller)
        request_id = self.caller.created_id("sr", estate_id)
        existing = store.find(self.db, "service_requests", estate_id, request_id)
        if existing:
            return public(existing)  # a retry of a create that went through
        intake.check_fields(data)
        store.known_household(self.db, estate_id, data["household_id"])
        if data.get("related_request_id"):
            store.known_request(self.db, estate_id, data["related_request_id"])
        created, rules = clock.now(), store.rules_for(self.db, estate_id)
        earlier = None
        if data["kind"] == "repair":
            earlier = store.similar_recent_repair(self.db, estate_id, data["household_id"], repairs.category_of(data),
                                                  repairs.repeat_window_start(created, rules))
        sequence = store.next_number(self.db, estate_id, domain.number_series(created))
        request = intake.new_request(request_id, estate_id, data, domain.request_number(created, sequence),
                                     created, rules, self.caller.user, earlier)
        request["_outbox"] = [events.build(self.outbox, estate_id, "service_request_created",
                                           domain.created_event_data(request))]
        if not store.insert(self.db, "service_requests", request):
            return public(store.get(self.db, "service_requests", estate_id, request_id))
        self.outbox.publish(self.db.service_requests, request)
        return public(request)

    @rpc_method
    def list_requests(self, payload):
        return store.list_requests(self.db, payload["estate_id"], payload.get("filters", {}), clock.now_iso(),
                                   payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_request(self, payload):
        return public(store.get(self.db, "service_requests", payload["estate_id"], payload["id"]))

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
    def close_request(self, payload):
        return self._act(payload, handling.close)

    @rpc_method
    def reopen_request(self, payload):
        return self._act(payload, handling.reopen)

    @rpc_method
    def record_return_visit(self, payload):
        estate_id = payload["estate_id"]
        domain.require_desk(self.caller)
        request = store.get(self.db, "service_requests", estate_id, payload["id"])
        visit_id = self.caller.created_id("rv", estate_id)
        done = repairs.find_visit(request, visit_id)
        if done:
            return repairs.visit_view(request, done)  # a retry of a visit that was recorded
        change, visit = repairs.return_visit(request, visit_id, payload["data"], clock.now(),
                                             store.rules_for(self.db, estate_id), self.caller.user)
        return repairs.visit_view(self._write("service_requests", request, change), visit)

    @timer(interval=OVERDUE_SWEEP_SECONDS)
    def mark_overdue(self):
        """Stamps requests past their due time without an answer (listed with ?overdue=true)."""
        now, marked = clock.now_iso(), 0
        for request in store.newly_overdue(self.db, now):
            announced = [events.build(self.outbox, request["estate_id"], "service_request_overdue",
                                      domain.overdue_event_data(request, now))]
            if store.mark_overdue(self.db, request, now, domain.overdue_entry(now), announced):
                self.outbox.publish(self.db.service_requests, {"_id": request["_id"], "_outbox": announced})
                marked += 1
        if marked:
            log.info("requests found overdue", extra={"count": marked})

    # -- what other services tell us ------------------------------------------
    @consumes("maintenance", "work_order_created")
    def on_work_order_created(self, event):
        self._follow(event, "service_requests", event["data"]["request_id"], repairs.dispatch_update)

    @consumes("maintenance", "work_order_completed")
    def on_work_order_completed(self, event):
        rules = store.rules_for(self.db, event["estate_id"])
        self._follow(event, "service_requests", event["data"]["request_id"],
                     lambda request, done: repairs.completion_update(request, done, rules))

    @consumes("maintenance", "renovation_reviewed")
    def on_renovation_reviewed(self, event):
        estate_id = event["estate_id"]
        rules = store.rules_for(self.db, estate_id)
        self._follow(event, "applications", event["data"]["application_id"], lambda application, review: (
            applications.reviewed(application, review,
                                  store.household(self.db, estate_id, application["household_id"]), rules)))

    @consumes("finance", "bill_settled")
    def on_bill_settled(self, event):
        charge = event["data"]["charge"]
        if applications.is_ours(charge):
            self._follow(event, "applications", charge["subject"]["id"], applications.settled)

    # -- satisfaction surveys (满意度调查) -----------------------------------------
    @rpc_method
    def create_survey(self, payload):
        return self._create(payload, "surveys", "sv", surveys.new_survey)

    @rpc_method
    def list_surveys(self, payload):
        return self._list(payload, "surveys")

    @rpc_method
    def get_survey(self, payload):
        return public(store.get(self.db, "surveys", payload["estate_id"], payload["id"]))

    @rpc_method
    def answer_survey(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        survey = store.get(self.db, "surveys", estate_id, payload["id"])
        store.known_household(self.db, estate_id, data["household_id"])
        answer = surveys.new_answer(survey, data, clock.now(), self.caller.user)
        first = store.find(self.db, "survey_answers", estate_id, answer["_id"])
        if first and surveys.same_answer(first, answer):
            return public(first)  # a retry of the same answer
        store.insert_answer(self.db, answer)
        return public(answer)

    @rpc_method
    def survey_results(self, payload):
        estate_id = payload["estate_id"]
        survey = store.get(self.db, "surveys", estate_id, payload["id"])
        return surveys.results(survey, store.answers_of(self.db, estate_id, survey["_id"]))

    # -- notices (公告) and the front-desk registers ------------------------------
    @rpc_method
    def create_notice(self, payload):
        return self._create(payload, "notices", "nt", front_desk.new_notice)

    @rpc_method
    def list_notices(self, payload):
        return self._list(payload, "notices")

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

    @rpc_method
    def lend_tool(self, payload):
        return self._create(payload, "tool_loans", "tl", front_desk.new_tool_loan)

    @rpc_method
    def list_tool_loans(self, payload):
        return self._list(payload, "tool_loans")

    @rpc_method
    def return_tool(self, payload):
        return self._step(payload, "tool_loans", front_desk.return_tool)

    # -- move-in and renovation applications (入住 / 装修) -------------------------
    @rpc_method
    def create_application(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        application_id = self.caller.created_id("app", estate_id)
        existing = store.find(self.db, "applications", estate_id, application_id)
        if existing:
            return public(existing)
        applications.check(data)
        store.known_household(self.db, estate_id, data["household_id"])
        application, announced = applications.new_application(application_id, estate_id, data, clock.now(),
                                                              self.caller.user)
        application["_outbox"] = [events.build(self.outbox, estate_id, kind, body) for kind, body in announced]
        if not store.insert(self.db, "applications", application):
            return public(store.get(self.db, "applications", estate_id, application_id))
        self.outbox.publish(self.db.applications, application)
        return public(application)

    @rpc_method
    def list_applications(self, payload):
        return self._list(payload, "applications")

    @rpc_method
    def get_application(self, payload):
        return public(store.get(self.db, "applications", payload["estate_id"], payload["id"]))

    @rpc_method
    def start_works(self, payload):
        return self._step(payload, "applications", applications.start_works)

    @rpc_method
    def record_acceptance(self, payload):
        return self._step(payload, "applications", applications.acceptance)

    # -- the estate's KPIs (its settings: EstateSettings) -----------------------------------------
    @rpc_method
    def kpis(self, payload):
        period, estates = payload["period"], {}
        for estate_id in payload["estate_ids"]:
            self.caller.require_estate(estate_id)
            rules = store.rules_for(self.db, estate_id)
            start, end = month_bounds(period, rules["timezone"])  # the estate's calendar month
            estates[estate_id] = desk_kpis.estate_kpis(
                period, store.kpi_requests(self.db, estate_id, start, end),
                store.answers_between(self.db, estate_id, start, end), store.count_households(self.db, estate_id),
                store.complained_about(self.db, estate_id), rules)
        return {"period": period, "estates": estates}

    # -- plumbing shared by the entrypoints above ---------------------------------
    def _create(self, payload, collection, prefix, build):
        """Create a document, once per Idempotency-Key; a household it names must be known."""
        estate_id, data = payload["estate_id"], payload["data"]
        doc_id = self.caller.created_id(prefix, estate_id)
        existing = store.find(self.db, collection, estate_id, doc_id)
        if existing:
            return public(existing)
        if data.get("household_id"):
            store.known_household(self.db, estate_id, data["household_id"])
        doc = build(doc_id, estate_id, data, clock.now(), self.caller.user)
        if not store.insert(self.db, collection, doc):
            return public(store.get(self.db, collection, estate_id, doc_id))
        return public(doc)

    def _list(self, payload, collection):
        return store.page(self.db, collection, payload["estate_id"], store.list_filters(payload.get("filters", {})),
                          payload.get("limit"), payload.get("cursor"))

    def _act(self, payload, step):
        """A desk action on a service request: ``step(request, data, now, caller)``."""
        domain.require_desk(self.caller)
        request = store.get(self.db, "service_requests", payload["estate_id"], payload["id"])
        change = step(request, payload.get("data") or {}, clock.now(), self.caller)
        return public(self._write("service_requests", request, change))

    def _step(self, payload, collection, step):
        """An action on another register: ``step(doc, data, now, user)``."""
        doc = store.get(self.db, collection, payload["estate_id"], payload["id"])
        change = step(doc, payload.get("data") or {}, clock.now(), self.caller.user)
        return public(self._write(collection, doc, change))

    def _write(self, collection, doc, change, event_id=None, must=True):
        """Write a step and announce its events (outbox in the same write)."""
        announced = [events.build(self.outbox, doc["estate_id"], kind, body) for kind, body in change.events]
        written = store.apply(self.db, collection, doc, change, announced, event_id)
        if written is None:
            if must:
                raise Conflict("it changed meanwhile: read it again and retry")
            return None
        if announced:
            self.outbox.publish(self.db[collection], written)
        return written

    def _follow(self, event, collection, doc_id, decide):
        """Apply what an event means to one of our documents, once (redeliveries change nothing)."""
        for _ in range(EVENT_ATTEMPTS):
            doc = store.find(self.db, collection, event["estate_id"], doc_id) if doc_id else None
            if doc is None:
                return  # not ours (e.g. an order from a patrol), or not here
            change = decide(doc, event)
            if change is None or self._write(collection, doc, change, event["event_id"], must=False):
                return
        raise Conflict("the document kept changing while an event was applied; it will be redelivered")
