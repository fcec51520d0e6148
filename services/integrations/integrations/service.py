"""integrations service entrypoints: thin. Outgoing webhooks (issue 13): subscriptions per
estate, a delivery per event and subscription made by the event consumers, sent by a timer.

The steps are in operations.py; the rules in webhooks.py (subscriptions, deliveries, backoff),
targets.py (where a webhook may go), signing.py, sealing.py (secrets at rest), their numbers in
rules.py; the HTTP attempt in sender.py; storage in store.py.
"""
import logging

from nameko.extensions import DependencyProvider

from estate_common import contracts, stopping
from estate_common.errors import Forbidden
from estate_common.nameko import EstateSettings, ServiceBase, consumes, rpc_method
from estate_common.nameko.entrypoints import BROKER_LOST
from estate_common.nameko.estate_settings import MANAGER_ROLES
from estate_common.nameko.timers import graceful_timer, timer

from . import bindings, operations, sealing, store
from .rules import DEFAULTS, MAXIMA, ORDERED

log = logging.getLogger(__name__)


class WebhookKeys(DependencyProvider):
    """Refuses to start the service without a usable ``WEBHOOK_SECRETS_KEY`` (sealing.py)."""

    def setup(self):
        sealing.check_key()


class IntegrationsService(EstateSettings, ServiceBase):
    name = "integrations"
    indexes = store.INDEXES
    outbox_collections = ()  # integrations announces no event
    settings_defaults = DEFAULTS
    settings_maxima, settings_ordered = MAXIMA, ORDERED
    webhook_keys = WebhookKeys()
    event_bindings = bindings.EventBindings()  # which event types the broker routes here

    def _require_webhook_admin(self):
        """Checked here as well as at the gateway: a manager of the estate or the operator admin."""
        if not set(self.caller.roles) & MANAGER_ROLES:
            raise Forbidden("only a manager or the operator admin sets up an estate's webhooks")

    @rpc_method
    def create_webhook(self, payload):
        self._require_webhook_admin()
        created = operations.create_webhook(self.db, self.outbox, self.caller, payload["estate_id"], payload["data"])
        self._bind(created["events"])
        return created

    @rpc_method
    def list_webhooks(self, payload):
        self._require_webhook_admin()
        return operations.list_webhooks(self.db, payload["estate_id"], payload.get("filters", {}),
                                        payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def get_webhook(self, payload):
        self._require_webhook_admin()
        return operations.get_webhook(self.db, payload["estate_id"], payload["id"])

    @rpc_method
    def update_webhook(self, payload):
        self._require_webhook_admin()
        updated = operations.update_webhook(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                            payload["data"])
        if updated["active"]:
            self._bind(updated["events"])
        return updated

    def _bind(self, qualified_types):
        """The queues of a subscription's types, bound now; when the broker cannot, the next
        ``reconcile_bindings`` does. The subscription is written by then: failing the call would
        lose the secret it answers once (and a retry would make a second subscription)."""
        try:
            self.event_bindings.want(qualified_types)
        except BROKER_LOST as lost:
            log.warning("the queues of a new subscription were not bound (%s): the next reconcile "
                        "binds them", type(lost).__name__)

    @rpc_method
    def rotate_webhook_secret(self, payload):
        self._require_webhook_admin()
        return operations.rotate_webhook_secret(self.db, self.outbox, self.caller, payload["estate_id"], payload["id"],
                                                payload["data"])

    @rpc_method
    def delete_webhook(self, payload):
        self._require_webhook_admin()
        return operations.delete_webhook(self.db, self.outbox, payload["estate_id"], payload["id"])

    @rpc_method
    def list_deliveries(self, payload):
        self._require_webhook_admin()
        return operations.list_deliveries(self.db, payload["estate_id"], payload["id"], payload.get("filters", {}),
                                          payload.get("limit"), payload.get("cursor"))

    @rpc_method
    def redeliver(self, payload):
        self._require_webhook_admin()
        return operations.redeliver(self.db, self.outbox, payload["estate_id"], payload["id"], payload["item"])

    @rpc_method
    def redeliver_failed(self, payload):
        self._require_webhook_admin()
        return operations.redeliver_failed(self.db, self.outbox, payload["estate_id"], payload["id"],
                                           payload["data"].get("since"))

    @graceful_timer(interval=operations.POLL_SECONDS)
    def deliver_due(self):
        """The delivery worker: due deliveries out over HTTP, never on an event consumer's path."""
        operations.deliver_due(self.db, self.outbox, stopping=lambda: stopping.is_stopping(self.name))

    @timer(interval=bindings.reconcile_seconds(), eager=True)
    def reconcile_bindings(self):
        """The broker routes here the event types some active subscription wants (bindings.py)."""
        self.event_bindings.reconcile(lambda: store.subscribed_event_types(self.db))

    def _fan_out(self, event):
        operations.fan_out(self.db, self.outbox, event)


def _consumer(source, event_type):
    def handler(self, event):
        self._fan_out(event)
    handler.__name__ = f"on_{source}__{event_type}"
    handler.__doc__ = f"{source}.{event_type}: a delivery for each subscription that wants it."
    return consumes(source, event_type, entrypoint=bindings.OnDemandConsumer)(handler)


# one durable queue per public event type (evt-<source>-<type>--integrations.on_<source>__<type>),
# bound only while a subscription wants the type (bindings.py)
for _source, _event_type in sorted(contracts.load().event_types()):
    if _source != IntegrationsService.name:
        setattr(IntegrationsService, f"on_{_source}__{_event_type}", _consumer(_source, _event_type))
