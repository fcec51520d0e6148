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


def test_writers_racing_with_the_same_tag_one_wins_the_others_are_412s(system, amqp_uri):
    """Concurrent edits, each sent with the revision of the same read (the same If-Match): exactly one is
    written, every other is a 412 that wrote nothing (r6 reviewing h6)."""
    import eventlet
    from estate_common.rpc_client import RpcClient
    from estate_common.testing import ADMIN
    client = RpcClient(amqp_uri, timeout=10, owner="race")
    try:
        def call(method, payload, **kw):
            return client.call("archive", method, payload, caller=ADMIN, request_id="it-race", **kw)
        estate_id = call("create_estate", {"data": {"code": "IFM-R6", "name": "Race Court", "address": "7 Etag Rd"}})["id"]
        household = call("create_household", {"estate_id": estate_id, "data": {
            "building": "7", "unit": "1", "room": "701", "area_m2": 70.0,
            "owner": {"name": "赵六", "phone": "13700007777"}}})
        asked = {"estate_id": estate_id, "id": household["id"]}
        revision = call("get_household", asked, context={"revision_flag": True})["revision"]

        def edit(area):
            try:
                return call("update_household", {**asked, "data": {"area_m2": area}}, context={"if_revision": revision})
            except PreconditionFailed:
                return None
        pool = eventlet.GreenPool()
        answers = list(pool.imap(edit, [71.0, 72.0, 73.0, 74.0]))
        won = [answer for answer in answers if answer is not None]
        assert len(won) == 1, answers
        assert call("get_household", asked)["area_m2"] == won[0]["area_m2"]
    finally:
        client.close()
