"""archive service entrypoints: thin; rules in domain.py (master data, records,
change log), imports.py (households from a spreadsheet), borrowing.py and checks.py, their
numbers in rules.py; storage in store.py."""
from estate_common import clock, jobs
from estate_common.errors import Conflict, field_error
from estate_common.kpis import month_bounds
from estate_common.nameko import EstateSettings, RunsJobs, ServiceBase, consumes, rpc_method
from estate_common.store import public

from . import borrowing, checks, domain, imports, store
from .rules import DEFAULTS

# A guarded write that lost to a concurrent one re-reads and tries again this often.
GUARDED_ATTEMPTS = 5


class ArchiveService(EstateSettings, RunsJobs, ServiceBase):
    name = "archive"
    indexes = store.INDEXES
    settings_defaults = DEFAULTS
    job_runners = {imports.JOB_KIND: "_import_households"}

    # -- estates ---------------------------------------------------------
    @rpc_method
    def create_estate(self, payload):
        estate = domain.new_estate(payload["data"], clock.now())
        estate["_outbox"] = [self.outbox.event("estate_created", estate["_id"], domain.estate_event_data(estate))]
        store.insert_estate(self.db, estate)
        store.announce(self.outbox, self.db, "estates", estate)
        return domain.estate_view(public(estate))

    @rpc_method
    def update_estate(self, payload):
        """Edit an estate (operator admin): name, address, timezone; a new version, ``estate_updated``."""
        estate_id = payload["estate_id"]
        for _ in range(GUARDED_ATTEMPTS):
            estate = store.get_estate(self.db, estate_id)
            changes = domain.estate_changes(estate, payload["data"], clock.now())
            if not changes:
                return domain.estate_view(public(estate))
            changed = estate | changes
            events = [self.outbox.event("estate_updated", estate_id, domain.estate_event_data(changed))]
            if store.change_estate(self.db, estate, changes, events):
                store.announce(self.outbox, self.db, "estates", {"_id": estate_id, "_outbox": events})
                return domain.estate_view(public(changed))
        raise Conflict("the estate changed while this was being recorded; try again")

    @rpc_method
    def list_estates(self, payload):
        page = store.list_estates(self.db, self.caller.estate_scope(), payload.get("limit"),
                                   payload.get("cursor"))
        page["items"] = [domain.estate_view(estate) for estate in page["items"]]
        return page

    @rpc_method
    def get_estate(self, payload):
        return domain.estate_view(public(store.get_estate(self.db, payload["estate_id"])))

    # -- households ------------------------------------------------------
    @rpc_method
    def create_household(self, payload):
        estate_id = payload["estate_id"]
        store.get_estate(self.db, estate_id)
        household = domain.new_household(estate_id, payload["data"], clock.now())
        household["_outbox"] = [self.outbox.event("household_created", estate_id,
                                                  domain.household_event_data(household))]
        store.insert_household(self.db, household)
        store.announce(self.outbox, self.db, "households", household)
        return domain.household_view(public(household), self.caller.roles)

    @rpc_method
    def start_household_import(self, payload):
        """A spreadsheet of households, imported in the background (a job); see imports.py."""
        estate_id, data = payload["estate_id"], payload["data"]
        jobs.require_may_start(imports.JOB_KIND, self.caller)
        store.get_estate(self.db, estate_id)
        rows = imports.read_rows(data["format"], imports.decode(data["content_base64"]))  # a bad file: 400 now
        job_id = self.caller.created_id("job_archive", estate_id)
        store.keep_import_file(self.db, job_id, estate_id, data["format"], data["content_base64"])
        job = jobs.create(self.db, job_id, estate_id, imports.JOB_KIND,
                          {"format": data["format"], "rows": len(rows)}, self.caller.user)
        return jobs.public(job)

    def _import_households(self, job, progress):
        estate_id, file = job["estate_id"], store.import_file(self.db, job["_id"])

        def save(household):
            household["_outbox"] = [self.outbox.event("household_created", estate_id,
                                                      domain.household_event_data(household), actor=job["created_by"])]
            if not store.insert_household_once(self.db, household):
                return False
            store.announce(self.outbox, self.db, "households", household)
            return True

        rows = imports.read_rows(file["format"], imports.decode(file["content_base64"]))
        return imports.run(estate_id, rows, clock.now(), save, progress)

    @rpc_method
    def list_households(self, payload):
        page = store.list_households(self.db, payload["estate_id"], payload.get("filters", {}),
                                     payload.get("limit"), payload.get("cursor"))
        page["items"] = [domain.household_view(h, self.caller.roles) for h in page["items"]]
        return page

    @rpc_method
    def get_household(self, payload):
        household = store.get_household(self.db, payload["estate_id"], payload["id"])
        return domain.household_view(public(household), self.caller.roles)

    # -- the permanent record --------------------------------------------
    @rpc_method
    def list_records(self, payload):
        return store.records_found(self.db, payload["estate_id"], domain.records_search(payload.get("filters", {})),
                                   payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def list_change_log(self, payload):
        return store.list_change_log(self.db, payload["estate_id"], payload.get("filters", {}),
                                     payload.get("limit"), payload.get("cursor"))

    @consumes("customer_service", "service_request_created")
    def record_service_request(self, event):
        self._record(event)

    @consumes("customer_service", "service_request_closed")
    def record_closed_service_request(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_created")
    def record_work_order(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_completed")
    def record_completed_work_order(self, event):
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

    @consumes("customer_service", "service_request_overdue")
    def record_overdue_service_request(self, event):
        self._record(event)

    @consumes("finance", "reminder_sent")
    def record_arrears_reminder(self, event):
        self._record(event)

    @consumes("archive", "estate_created")
    def log_estate_change(self, event):
        self._log_change(event)

    @consumes("archive", "estate_updated")
    def log_estate_edit(self, event):
        self._log_change(event)

    @consumes("archive", "household_created")
    def log_household_change(self, event):
        self._log_change(event)

    @consumes("archive", "archive_changed")
    def log_archive_change(self, event):
        store.keep(self.db, "change_log", domain.change_from_archive_event(event))

    def _record(self, event):
        subject_type = domain.RECORDED_EVENTS[(event["source"], event["event_type"])]
        store.keep(self.db, "records", domain.record_from_event(subject_type, event, clock.now()))

    def _log_change(self, event):
        subject_type = domain.MASTER_DATA_EVENTS[event["event_type"]]
        store.keep(self.db, "change_log", domain.change_from_event(subject_type, event))

    # -- viewing and borrowing (查阅、借阅) --------------------------------
    @rpc_method
    def create_borrow_request(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        borrowing.check_target(data)
        if data.get("record_id"):
            record = store.referenced(self.db, "records", estate_id, data["record_id"], "data.record_id")
            subject = {"type": record["subject_type"], "id": record["subject_id"], "record_id": record["_id"]}
        else:
            subject = store.subject(self.db, estate_id, data["subject_id"])
        rules = store.rules_for(self.db, estate_id)

        def build(doc_id):
            request = borrowing.new_request(doc_id, estate_id, data, subject, clock.now(), self.caller.user, rules)
            request["_outbox"] = [self.outbox.event("archive_changed", estate_id, domain.archive_changed_data(
                "borrow_request", request, borrowing.created_action(request), data))]
            return request

        return self._create("borrow_requests", "borrow", payload, build, view=True)

    @rpc_method
    def list_borrow_requests(self, payload):
        now = clock.now()
        match, overdue = borrowing.list_filters(payload.get("filters", {}))
        page = store.borrow_requests_found(self.db, payload["estate_id"], match, overdue, clock.to_iso(now),
                                           payload.get("limit"), payload.get("cursor"))
        page["items"] = [borrowing.view(item, now) for item in page["items"]]
        return page

    @rpc_method
    def get_borrow_request(self, payload):
        request = store.get(self.db, "borrow_requests", payload["estate_id"], payload["id"])
        return borrowing.view(public(request), clock.now())

    @rpc_method
    def approve_borrow_request(self, payload):
        borrowing.require_approver(self.caller.roles)
        return self._borrow_step(payload, "approved", lambda request, rules: borrowing.decide(
            request, "approve", payload["data"].get("note"), clock.now(), self.caller.user, rules))

    @rpc_method
    def reject_borrow_request(self, payload):
        borrowing.require_approver(self.caller.roles)
        return self._borrow_step(payload, "rejected", lambda request, rules: borrowing.decide(
            request, "reject", payload["data"].get("note"), clock.now(), self.caller.user, rules))

    @rpc_method
    def return_borrow_request(self, payload):
        return self._borrow_step(payload, "returned", lambda request, rules: borrowing.give_back(
            request, payload["data"].get("note"), clock.now(), self.caller.user))

    def _borrow_step(self, payload, action, step):
        estate_id, request_id = payload["estate_id"], payload["id"]
        rules = store.rules_for(self.db, estate_id)
        for _ in range(GUARDED_ATTEMPTS):
            request = store.get(self.db, "borrow_requests", estate_id, request_id)
            changes, entry = step(request, rules)
            changed = request | changes | {"history": request["history"] + [entry]}
            events = [self.outbox.event("archive_changed", estate_id, domain.archive_changed_data(
                "borrow_request", changed, f"borrow_{action}", changes))]
            if store.change_borrow_request(self.db, request, changes, entry, events):
                store.announce(self.outbox, self.db, "borrow_requests", {"_id": request_id, "_outbox": events})
                return borrowing.view(public(changed), clock.now())
        raise Conflict("the request changed while this was being recorded; try again")

    # -- archive checks (档案检查) -----------------------------------------
    @rpc_method
    def create_check_plan(self, payload):
        estate_id = payload["estate_id"]
        plan = checks.new_plan(estate_id, payload["data"], clock.now(), self.caller.user,
                               store.rules_for(self.db, estate_id))
        plan["_outbox"] = [self.outbox.event("archive_changed", estate_id, domain.archive_changed_data(
            "archive_check_plan", plan, "archive_check_plan_created", ["year", "planned_dates"]))]
        if not store.insert(self.db, "check_plans", plan):
            raise Conflict(f"the estate has a check plan for {plan['year']} already",
                           [field_error("data.year", "has a plan already")])
        store.announce(self.outbox, self.db, "check_plans", plan)
        return public(plan)

    @rpc_method
    def list_check_plans(self, payload):
        filters = {k: int(v) if k == "year" else v for k, v in payload.get("filters", {}).items()}
        return store.page(self.db, "check_plans", payload["estate_id"], filters,
                          payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def record_archive_check(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        plan = store.referenced(self.db, "check_plans", estate_id, data["plan_id"], "data.plan_id")

        def build(doc_id):
            check = checks.new_check(doc_id, estate_id, plan, data, clock.now(), self.caller.user)
            check["_outbox"] = [self.outbox.event("archive_changed", estate_id, domain.archive_changed_data(
                "archive_check", check, "archive_check_recorded", ["checked_at", "records_checked", "records_complete"]))]
            return check

        return self._create("archive_checks", "acheck", payload, build)

    @rpc_method
    def list_archive_checks(self, payload):
        return store.page(self.db, "archive_checks", payload["estate_id"], payload.get("filters", {}),
                          payload.get("limit"), payload.get("cursor"))

    # -- KPIs ------------------------------------------------------------
    @rpc_method
    def kpis(self, payload):
        period, estates = payload["period"], {}
        for estate_id in payload["estate_ids"]:
            self.caller.require_estate(estate_id)
            rules = store.rules_for(self.db, estate_id)
            start, end = month_bounds(period, rules["timezone"])  # the estate's calendar month
            facts = store.kpi_facts(self.db, estate_id, start, end, checks.year_start(period, rules),
                                    sorted(domain.CLOSING_EVENTS))
            estates[estate_id] = checks.kpis(facts["checks_in_period"], facts["checks_this_year"],
                                             facts["closed_records"], rules)
        return {"period": period, "estates": estates}

    def _create(self, collection, prefix, payload, build, view=False):
        """Create once: a retry with the caller's Idempotency-Key finds the first document."""
        estate_id = payload["estate_id"]
        doc_id = self.caller.created_id(prefix, estate_id)
        doc = store.find(self.db, collection, estate_id, doc_id)
        if doc is None:
            doc = build(doc_id)
            if store.insert(self.db, collection, doc):
                store.announce(self.outbox, self.db, collection, doc)
            else:
                doc = store.get(self.db, collection, estate_id, doc_id)
        shown = public(doc)
        return borrowing.view(shown, clock.now()) if view else shown
