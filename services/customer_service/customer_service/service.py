"""customer-service entrypoints: thin; rules in domain.py, storage in store.py."""
from estate_common import clock
from estate_common.nameko import CopiesEstates, CopiesHouseholds, ServiceBase, consumes, rpc_method
from estate_common.store import public

from . import domain, store


class CustomerService(CopiesEstates, CopiesHouseholds, ServiceBase):
    name = "customer_service"
    indexes = store.INDEXES

    @rpc_method
    def create_request(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        request_id = self.caller.created_id("sr", estate_id)
        existing = store.find_request(self.db, estate_id, request_id)
        if existing:
            return public(existing)  # a retry of a create that went through
        store.known_household(self.db, estate_id, data["household_id"])
        created = clock.now()
        sequence = store.next_number(self.db, estate_id, domain.number_series(created))
        request = domain.new_request(request_id, estate_id, data, domain.request_number(created, sequence),
                                     created, store.rules_for(self.db, estate_id), self.caller.user)
        request["_outbox"] = [self.outbox.event("service_request_created", estate_id,
                                                domain.created_event_data(request))]
        if not store.insert_request(self.db, request):
            return public(store.get_request(self.db, estate_id, request_id))
        self.outbox.publish(self.db.service_requests, request)
        return public(request)

    @rpc_method
    def list_requests(self, payload):
        return store.list_requests(self.db, payload["estate_id"], payload.get("filters", {}),
                                   payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_request(self, payload):
        return public(store.get_request(self.db, payload["estate_id"], payload["id"]))

    # -- what other services tell us --------------------------------------
    @consumes("maintenance", "work_order_created")
    def on_work_order_created(self, event):
        request_id = event["data"]["request_id"]
        request = request_id and store.find_request(self.db, event["estate_id"], request_id)
        if not request:
            return  # an order from another source (patrol, plan): nothing to mark here
        update = domain.dispatch_update(request, event)
        if update:
            store.record_step(self.db, request, *update)
