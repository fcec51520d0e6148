"""maintenance entrypoints: thin; rules in domain.py, storage in store.py."""
from estate_common import clock
from estate_common.nameko import CopiesEstates, CopiesHouseholds, ServiceBase, consumes, rpc_method
from estate_common.store import public

from . import domain, store


class MaintenanceService(CopiesEstates, CopiesHouseholds, ServiceBase):
    name = "maintenance"
    indexes = store.INDEXES

    @rpc_method
    def list_work_orders(self, payload):
        return store.list_work_orders(self.db, payload["estate_id"], payload.get("filters", {}),
                                      payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_work_order(self, payload):
        return public(store.get_work_order(self.db, payload["estate_id"], payload["id"]))

    @consumes("customer_service", "service_request_created")
    def open_from_service_request(self, event):
        if not domain.wants_work_order(event):
            return
        order_id = domain.work_order_id(event["estate_id"], "service_request", event["data"]["id"])
        if store.work_order_exists(self.db, order_id):
            return  # redelivered: the order is there, and its own outbox carries its event
        created = clock.now()
        sequence = store.next_number(self.db, event["estate_id"], domain.number_series(created))
        order = domain.from_service_request(event, domain.order_number(created, sequence), created)
        order["_outbox"] = [self.outbox.event("work_order_created", event["estate_id"],
                                              domain.created_event_data(order))]
        if store.insert_work_order(self.db, order):
            self.outbox.publish(self.db.work_orders, order)
