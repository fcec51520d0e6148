"""archive routes: master data and the permanent record."""
from .. import policy
from . import ESTATE, Route

ROUTES = [
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
    Route("GET", f"{ESTATE}/archive/records", "archive", "list_records", policy.ARCHIVE_READERS,
          paged=True, filters=("subject_id", "subject_type")),
]
