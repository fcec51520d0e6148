"""customer_service routes: the service desk."""
from .. import policy
from . import ESTATE, Route

ROUTES = [
    Route("POST", f"{ESTATE}/service-requests", "customer_service", "create_request", policy.FRONT_DESK,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/service-requests", "customer_service", "list_requests", policy.SERVICE_DESK_READERS,
          paged=True, filters=("kind", "status", "household_id")),
    Route("GET", f"{ESTATE}/service-requests/<request_id>", "customer_service", "get_request",
          policy.SERVICE_DESK_READERS, id_param="request_id"),
]
