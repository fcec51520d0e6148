"""The route table: each public path, the RPC behind it and the roles it admits.

One generic handler turns an HTTP request into an RPC payload:
``estate_id`` from the path, the resource id (``id_param``) as ``id``, the JSON
body as ``data``, ``limit``/``cursor`` and the listed query filters as
``filters``. Anything else in the query string is refused (400).
"""
from dataclasses import dataclass, field

from . import policy

ESTATE = "/api/v1/estates/<estate_id>"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    rpc: str
    roles: frozenset
    status: int = 200
    body: bool = False
    paged: bool = False
    filters: tuple = ()
    id_param: str = None
    idempotent: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def estate_scoped(self):
        return "<estate_id>" in self.path


ROUTES = [
    # master data (archive)
    Route("POST", "/api/v1/estates", "archive", "create_estate", policy.ADMIN,
          status=201, body=True, idempotent=True),
    Route("GET", "/api/v1/estates", "archive", "list_estates", policy.STAFF, paged=True),
    Route("GET", ESTATE, "archive", "get_estate", policy.STAFF),
    Route("POST", f"{ESTATE}/households", "archive", "create_household", policy.MASTER_DATA_EDITORS,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/households", "archive", "list_households", policy.STAFF,
          paged=True, filters=("building",)),
    Route("GET", f"{ESTATE}/households/<household_id>", "archive", "get_household", policy.STAFF,
          id_param="household_id"),
    # service desk (customer_service)
    Route("POST", f"{ESTATE}/service-requests", "customer_service", "create_request", policy.FRONT_DESK,
          status=201, body=True, idempotent=True),
    Route("GET", f"{ESTATE}/service-requests", "customer_service", "list_requests", policy.SERVICE_DESK_READERS,
          paged=True, filters=("kind", "status", "household_id")),
    Route("GET", f"{ESTATE}/service-requests/<request_id>", "customer_service", "get_request",
          policy.SERVICE_DESK_READERS, id_param="request_id"),
    # work orders (maintenance)
    Route("GET", f"{ESTATE}/work-orders", "maintenance", "list_work_orders", policy.ENGINEERING | policy.FRONT_DESK,
          paged=True, filters=("request_id", "status")),
    Route("GET", f"{ESTATE}/work-orders/<work_order_id>", "maintenance", "get_work_order",
          policy.ENGINEERING | policy.FRONT_DESK, id_param="work_order_id"),
    # the permanent record (archive)
    Route("GET", f"{ESTATE}/archive/records", "archive", "list_records", policy.ARCHIVE_READERS,
          paged=True, filters=("subject_id", "subject_type")),
]
