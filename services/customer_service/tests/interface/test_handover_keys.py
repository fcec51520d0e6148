"""The keys handed over with a unit (交房钥匙) that its owner leaves with the front desk (archive's
``handover_keys_left``) enter the key custody register (托管钥匙) once, however often delivered."""
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"


def keys_left(handover_id="ho_1", count=3, label=None):
    return event("archive", "handover_keys_left", ESTATE, {
        "handover_id": handover_id, "household_id": "hh_1", "date": "2026-11-10", "count": count,
        "label": label}, actor="li")


def test_the_keys_left_at_a_handover_are_held_in_custody_once(desk):
    as_caller(desk, None)
    desk.on_handover_keys_left(keys_left())
    desk.on_handover_keys_left(keys_left())  # redelivered: one key entry
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    [key] = desk.list_keys({"estate_id": ESTATE})["items"]
    assert (key["household_id"], key["status"], key["created_by"]) == ("hh_1", "in_custody", "li")
    assert key["label"] == "交房钥匙 ×3" and "2026-11-10" in key["notes"] and "ho_1" in key["notes"]
    assert [h["action"] for h in key["history"]] == ["received"]
    # the owner comes for them: custody ends as for any key
    released = desk.release_key({"estate_id": ESTATE, "id": key["id"], "data": {}})
    assert released["status"] == "released"


def test_a_label_given_at_the_handover_is_the_keys_label(desk):
    as_caller(desk, None)
    desk.on_handover_keys_left(keys_left("ho_2", count=1, label="3-1-1201 大门钥匙"))
    as_caller(desk, staff("zhang", ["agent"], [ESTATE]))
    assert [k["label"] for k in desk.list_keys({"estate_id": ESTATE})["items"]] == ["3-1-1201 大门钥匙"]
