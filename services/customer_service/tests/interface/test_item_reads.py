"""An integrator reads back what it created (an integrator's follow-ups): each of the desk's records
a create makes, and a list names, is read alone by its id, as its list shows it; another estate's id
or an unknown one is not found."""
import pytest

from estate_common import clock, contracts
from estate_common.errors import NotFound
from estate_common.testing import as_caller, staff

ESTATE = "est_1"
STEWARD = staff("zhou", ["agent", "steward"], [ESTATE, "est_2"])  # of both estates: a 404, not a 403
PATHS = contracts.load().openapi["paths"]

# (the list's path under the estate, the create, the item read, the list)
READS = [
    ("/notices", "create_notice", "get_notice", "list_notices"),
    ("/owner-contacts", "record_owner_contact", "get_owner_contact", "list_owner_contacts"),
    ("/keys", "register_key", "get_key", "list_keys"),
    ("/custody-items", "register_custody_item", "get_custody_item", "list_custody_items"),
    ("/tool-loans", "lend_tool", "get_tool_loan", "list_tool_loans"),
]


def example(tail):
    return PATHS["/api/v1/estates/{estate_id}" + tail]["post"]["requestBody"]["content"]["application/json"]["example"]


@pytest.mark.parametrize("tail, create, get, listed", READS, ids=[r[0] for r in READS])
def test_a_created_record_is_read_by_its_id_as_its_list_shows_it(desk, tail, create, get, listed):
    clock.freeze(clock.parse_iso("2026-11-20T06:00:00Z"))  # an owner contact is logged within days of it
    as_caller(desk, STEWARD)
    made = getattr(desk, create)({"estate_id": ESTATE, "data": example(tail)})
    read = getattr(desk, get)({"estate_id": ESTATE, "id": made["id"]})
    assert read == made
    assert getattr(desk, listed)({"estate_id": ESTATE})["items"] == [read]
    with pytest.raises(NotFound):  # another estate's path: not there
        getattr(desk, get)({"estate_id": "est_2", "id": made["id"]})
    with pytest.raises(NotFound):
        getattr(desk, get)({"estate_id": ESTATE, "id": "x_nowhere"})
