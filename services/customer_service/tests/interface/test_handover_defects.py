"""The defects a buyer finds at the handover of his flat (交房验房, archive's
``handover_defects_found``) become repair requests here, once however often the event is delivered
(found by h3, a new building's handover weekend: the defects list went nowhere)."""
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"


def defects_found(defects, handover_id="ho_1"):
    return event("archive", "handover_defects_found", ESTATE, {
        "handover_id": handover_id, "household_id": "hh_1", "date": "2026-11-21", "defects": defects},
        actor="zhou")


DEFECTS = [{"number": 2, "item": "windows", "note": "cracked pane, bedroom"},
           {"number": 5, "item": "front door", "note": None}]


def test_each_defect_becomes_one_repair_request_naming_its_handover_and_item(desk):
    found = defects_found(DEFECTS)
    desk.on_handover_defects_found(found)
    desk.on_handover_defects_found(found)  # redelivered: nothing twice
    requests = desk.list_requests({"estate_id": ESTATE, "filters": {"household_id": "hh_1"}})["items"]
    assert len(requests) == 2
    assert {(r["kind"], r["channel"], r["status"], r["created_by"]) for r in requests} == {
        ("repair", "inspection", "open", "zhou")}
    assert sorted(r["description"] for r in requests) == [
        "handover 2026-11-21, defect 2 (windows): cracked pane, bedroom",
        "handover 2026-11-21, defect 5 (front door)"]
    assert sorted((r["handover_defect"]["id"], r["handover_defect"]["item"]) for r in requests) == [
        ("ho_1", 2), ("ho_1", 5)]
    assert all("vacant_inspection" not in r for r in requests)
    created = desk.outbox.of_type("service_request_created")
    assert len(created) == 2 and [c["actor"] for c in created] == ["zhou", "zhou"]
    # maintenance reports their response apart (开发商保修, found by review r3 of h3)
    assert sorted(c["data"]["handover_defect"]["item"] for c in created) == [2, 5]
    # the faults of one flat's handover are each its own: none repeats another
    assert [(r["repeat_of"], r["return_visit_required"]) for r in requests] == [(None, False), (None, False)]


def test_a_second_inspection_of_the_handover_opens_its_own_and_a_desk_request_names_none(desk):
    desk.on_handover_defects_found(defects_found(DEFECTS[:1]))
    desk.on_handover_defects_found(defects_found(DEFECTS[1:], handover_id="ho_2"))
    as_caller(desk, staff("li", ["agent"], [ESTATE]))
    desk.create_request({"estate_id": ESTATE, "data": {"kind": "repair", "household_id": "hh_1", "channel": "phone",
                                                       "description": "the door bell"}})
    found = desk.list_requests({"estate_id": ESTATE, "filters": {"household_id": "hh_1", "channel": "inspection"}})
    assert sorted(r["handover_defect"]["id"] for r in found["items"]) == ["ho_1", "ho_2"]
    [phoned] = desk.list_requests({"estate_id": ESTATE, "filters": {"channel": "phone"}})["items"]
    assert "handover_defect" not in phoned
