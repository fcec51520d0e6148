"""archive service entrypoints: thin; rules in domain.py, storage in store.py."""
from estate_common import clock
from estate_common.nameko import ServiceBase, consumes, rpc_method
from estate_common.store import public

from . import domain, store


class ArchiveService(ServiceBase):
    name = "archive"
    indexes = store.INDEXES

    # -- estates ---------------------------------------------------------
    @rpc_method
    def create_estate(self, payload):
        estate = domain.new_estate(payload["data"], clock.now())
        estate["_outbox"] = [self.outbox.event("estate_created", estate["_id"], domain.estate_event_data(estate))]
        store.insert_estate(self.db, estate)
        self.outbox.publish(self.db.estates, estate)
        return public(estate)

    @rpc_method
    def list_estates(self, payload):
        return store.list_estates(self.db, self.caller.estate_filter(), payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_estate(self, payload):
        return public(store.get_estate(self.db, payload["estate_id"]))

    # -- households ------------------------------------------------------
    @rpc_method
    def create_household(self, payload):
        estate_id = payload["estate_id"]
        store.get_estate(self.db, estate_id)
        household = domain.new_household(estate_id, payload["data"], clock.now())
        household["_outbox"] = [self.outbox.event("household_created", estate_id,
                                                  domain.household_event_data(household))]
        store.insert_household(self.db, household)
        self.outbox.publish(self.db.households, household)
        return domain.household_view(public(household), self.caller.roles)

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
        return store.list_records(self.db, payload["estate_id"], payload.get("filters", {}),
                                  payload.get("limit"), payload.get("cursor"))

    @consumes("customer_service", "service_request_created")
    def record_service_request(self, event):
        self._record(event)

    @consumes("maintenance", "work_order_created")
    def record_work_order(self, event):
        self._record(event)

    @consumes("archive", "estate_created")
    def log_estate_change(self, event):
        self._log_change(event)

    @consumes("archive", "household_created")
    def log_household_change(self, event):
        self._log_change(event)

    def _record(self, event):
        subject_type = domain.RECORDED_EVENTS[(event["source"], event["event_type"])]
        store.keep(self.db, "records", domain.record_from_event(subject_type, event, clock.now()))

    def _log_change(self, event):
        subject_type = domain.MASTER_DATA_EVENTS[event["event_type"]]
        store.keep(self.db, "change_log", domain.change_from_event(subject_type, event))
