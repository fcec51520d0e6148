"""If-Match made one step with the write, over the bus (h6): archive's read asked ``revision_flag``
answers ``{result, revision}``, and an edit naming ``if_revision`` is written only at that revision:
another edit landing after the read is a 412 (``PreconditionFailed`` across the bus), nothing written."""
import pytest

from estate_common.errors import PreconditionFailed


def test_an_edit_at_a_revision_moved_since_its_read_is_a_412_and_writes_nothing(system, rpc):
    estate_id = rpc("archive", "create_estate", {"data": {"code": "IFM-H6", "name": "Tag Court",
                                                          "address": "6 Etag Rd"}})["id"]
    household = rpc("archive", "create_household", {"estate_id": estate_id, "data": {
        "building": "6", "unit": "1", "room": "601", "area_m2": 80.5,
        "owner": {"name": "王五", "phone": "13700006666"}}})
    asked = {"estate_id": estate_id, "id": household["id"]}
    read = rpc("archive", "get_household", asked, context={"revision_flag": True})
    assert set(read) == {"result", "revision"} and read["result"]["room"] == "601"
    assert set(rpc("archive", "get_household", asked)) != {"result", "revision"}  # not asked: the record
    # another client's edit lands after the read
    rpc("archive", "update_household", {**asked, "data": {"area_m2": 81.0}})
    with pytest.raises(PreconditionFailed):
        rpc("archive", "update_household", {**asked, "data": {"area_m2": 99.0}},
            context={"if_revision": read["revision"]})
    assert rpc("archive", "get_household", asked)["area_m2"] == 81.0
    now = rpc("archive", "get_household", asked, context={"revision_flag": True})["revision"]
    assert now != read["revision"]
    written = rpc("archive", "update_household", {**asked, "data": {"area_m2": 99.0}}, context={"if_revision": now})
    assert written["area_m2"] == 99.0
