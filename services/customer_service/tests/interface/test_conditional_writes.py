"""If-Match made atomic (h6): the gateway's read for an ``If-Match`` asks the revision its answer stands
for (``revision_flag``: ``{result, revision}``), and the write names it (``if_revision``): the store
writes the record only at that revision, so a write landing after the gateway compared the tag is a
412, nothing written, where the read-then-write let it be lost."""
import pytest

from estate_common import contracts
from estate_common.errors import PreconditionFailed
from estate_common.testing import as_caller, staff

ESTATE = "est_1"
STEWARD = staff("zhou", ["agent", "steward"], [ESTATE])
PATHS = contracts.load().openapi["paths"]
LEND = PATHS["/api/v1/estates/{estate_id}/keys/{key_id}/lend"]["post"]["requestBody"]["content"]["application/json"]["example"]
KEY = PATHS["/api/v1/estates/{estate_id}/keys"]["post"]["requestBody"]["content"]["application/json"]["example"]


def _as(desk, target=None, revision_flag=False, if_revision=None):
    as_caller(desk, STEWARD)
    desk.caller.target, desk.caller.revision_flag, desk.caller.if_revision = target, revision_flag, if_revision
    return desk


def test_the_read_tells_its_revision_and_a_write_at_another_is_a_412(desk):
    key = _as(desk).register_key({"estate_id": ESTATE, "data": KEY})
    read = _as(desk, key["id"], revision_flag=True).get_key({"estate_id": ESTATE, "id": key["id"]})
    assert set(read) == {"result", "revision"} and read["result"] == key
    copy = read["revision"]
    # another desk lends and takes the key back meanwhile: the record moved twice
    _as(desk, key["id"]).lend_key({"estate_id": ESTATE, "id": key["id"], "data": LEND})
    _as(desk, key["id"]).return_key({"estate_id": ESTATE, "id": key["id"], "data": {}})
    before = _as(desk, key["id"]).get_key({"estate_id": ESTATE, "id": key["id"]})
    with pytest.raises(PreconditionFailed):
        _as(desk, key["id"], if_revision=copy).lend_key({"estate_id": ESTATE, "id": key["id"], "data": LEND})
    assert _as(desk, key["id"]).get_key({"estate_id": ESTATE, "id": key["id"]}) == before  # nothing written
    now = _as(desk, key["id"], revision_flag=True).get_key({"estate_id": ESTATE, "id": key["id"]})["revision"]
    assert now != copy
    lent = _as(desk, key["id"], if_revision=now).lend_key({"estate_id": ESTATE, "id": key["id"], "data": LEND})
    assert lent["status"] != before["status"]
