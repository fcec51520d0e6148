"""maintenance routes: work orders."""
from .. import policy
from . import ESTATE, Route

ROUTES = [
    Route("GET", f"{ESTATE}/work-orders", "maintenance", "list_work_orders", policy.ENGINEERING | policy.FRONT_DESK,
          paged=True, filters=("request_id", "status")),
    Route("GET", f"{ESTATE}/work-orders/<work_order_id>", "maintenance", "get_work_order",
          policy.ENGINEERING | policy.FRONT_DESK, id_param="work_order_id"),
]
