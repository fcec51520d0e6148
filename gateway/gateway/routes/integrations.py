"""integrations routes: outgoing webhooks (issue 13), the manager's and the operator admin's."""
from .. import policy
from . import ESTATE, Route

WEBHOOKS = f"{ESTATE}/webhooks"
WEBHOOK = f"{WEBHOOKS}/<webhook_id>"
SECRET = ("secret",)  # a subscription's signing secret, in the answer of the call that made it only

ROUTES = [
    # the signing secret is shown once: a replay of the Idempotency-Key answers the subscription
    # without it (the record does not keep it); a client that lost it rotates the secret
    Route("POST", WEBHOOKS, "integrations", "create_webhook", policy.WEBHOOK_ADMINS, status=201, body=True,
          idempotent=True, shown_once=SECRET),
    Route("GET", WEBHOOKS, "integrations", "list_webhooks", policy.WEBHOOK_ADMINS, paged=True),
    Route("GET", WEBHOOK, "integrations", "get_webhook", policy.WEBHOOK_ADMINS, id_param="webhook_id"),
    Route("PATCH", WEBHOOK, "integrations", "update_webhook", policy.WEBHOOK_ADMINS, body=True,
          id_param="webhook_id"),
    Route("DELETE", WEBHOOK, "integrations", "delete_webhook", policy.WEBHOOK_ADMINS, id_param="webhook_id"),
    # the same: a retry with the key rotates no second time (which would stop the secret the
    # receiver still has at once) and answers without the new secret; lost, rotate again
    Route("POST", f"{WEBHOOK}/secret", "integrations", "rotate_webhook_secret", policy.WEBHOOK_ADMINS,
          body=True, id_param="webhook_id", idempotent=True, shown_once=SECRET),
    Route("GET", f"{WEBHOOK}/deliveries", "integrations", "list_deliveries", policy.WEBHOOK_ADMINS,
          paged=True, filters=("status", "event_id", "event_type"), id_param="webhook_id"),
    # a receiver back after the retry window: every failed delivery again (a retry finds them pending)
    Route("POST", f"{WEBHOOK}/deliveries/redeliver", "integrations", "redeliver_failed", policy.WEBHOOK_ADMINS,
          body=True, id_param="webhook_id"),
    Route("POST", f"{WEBHOOK}/deliveries/<delivery_id>/redeliver", "integrations", "redeliver",
          policy.WEBHOOK_ADMINS, id_param="webhook_id", item_param="delivery_id"),
    Route("GET", f"{ESTATE}/settings/integrations", "integrations", "get_settings", policy.MANAGEMENT),
    Route("PUT", f"{ESTATE}/settings/integrations", "integrations", "update_settings", policy.MANAGEMENT, body=True),
]
