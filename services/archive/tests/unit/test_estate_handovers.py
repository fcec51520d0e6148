"""The developer's estate-level handover (开发商移交: the estate's documents and its common areas),
the rules without broker or store."""
from datetime import datetime, timezone

import pytest

from archive import estate_handovers
from estate_common.errors import InvalidInput

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)
DOCS = [{"kind": "as_built_drawings", "title": "竣工图 (structure, drainage)", "copies": 2, "reference": "AB-01"},
        {"kind": "owner_list", "title": "业主清册", "status": "missing", "note": "promised by 12-20"}]
AREAS = [{"item": "lobby of building 3", "result": "pass"}, {"item": "pump room", "result": "fail", "note": "leaks"}]


def made(documents=DOCS, common_areas=AREAS, **more):
    data = {"date": "2026-12-01", "handed_over_by": "Harbour Development Co., 王工", "received_by": "li",
            "documents": documents, "common_areas": common_areas, **more}
    return estate_handovers.new_handover("eho_1", "est_1", data, NOW, "li")


def test_a_handover_numbers_its_documents_and_areas_and_counts_what_is_missing():
    handover = made()
    assert [(d["number"], d["kind"], d["status"], d["copies"]) for d in handover["documents"]] == [
        (1, "as_built_drawings", "received", 2), (2, "owner_list", "missing", 1)]
    assert handover["documents"][1]["note"] == "promised by 12-20"
    assert [(a["number"], a["result"], a["note"]) for a in handover["common_areas"]] == [
        (1, "pass", None), (2, "fail", "leaks")]
    assert (handover["documents_missing"], handover["failed_areas"]) == ([2], [2])


def test_a_handover_of_nothing_is_refused():
    with pytest.raises(InvalidInput) as refused:
        made(documents=[], common_areas=[])
    assert refused.value.errors[0]["field"] == "data.documents"


def test_the_checklist_names_each_required_document_received_or_still_missing():
    first = made()
    later = estate_handovers.new_handover("eho_2", "est_1", {
        "date": "2026-12-15", "handed_over_by": "Harbour Development Co.", "received_by": "li",
        "documents": [{"kind": "owner_list", "title": "业主清册 v2"},
                      {"kind": "other", "title": "landscaping plan"}]}, NOW, "li")
    listed = estate_handovers.checklist([later, first])
    by_kind = {entry["kind"]: entry for entry in listed["items"]}
    assert set(by_kind) == set(estate_handovers.REQUIRED_DOCUMENTS)  # `other` is never required
    assert (by_kind["owner_list"]["status"], by_kind["owner_list"]["received_on"],
            by_kind["owner_list"]["handover_ids"]) == ("received", "2026-12-15", ["eho_2"])
    assert (by_kind["as_built_drawings"]["status"], by_kind["as_built_drawings"]["copies"]) == ("received", 2)
    assert (by_kind["completion_filing"]["status"], by_kind["completion_filing"]["listed_missing_on"]) == (
        "not_handed_over", None)
    assert listed["missing"] == [k for k in estate_handovers.REQUIRED_DOCUMENTS
                                 if k not in ("as_built_drawings", "owner_list")]
    assert (listed["received"], listed["required"]) == (2, len(estate_handovers.REQUIRED_DOCUMENTS))
    only_first = {e["kind"]: e for e in estate_handovers.checklist([first])["items"]}
    assert (only_first["owner_list"]["status"], only_first["owner_list"]["listed_missing_on"]) == (
        "missing", "2026-12-01")


KEYS = [{"kind": "unit", "label": "3栋 全部房屋", "count": 240, "kept_by": "前台钥匙柜"},
        {"kind": "equipment_room", "label": "水泵房、配电房", "count": 6, "kept_by": "李工", "note": "含备用钥匙"},
        {"kind": "unit", "label": "5栋 1-9层", "count": 36, "kept_by": "前台钥匙柜"}]


def test_a_handover_keeps_the_keys_received_numbered_with_who_keeps_them():
    """The developer hands over the units' keys and the common areas' and equipment rooms' keys, and
    a session recorded documents and areas only (session 51's leftovers): each line of keys is kept
    numbered, its kind, which keys, how many and who keeps them, and the session counts them by kind."""
    handover = made(keys=KEYS)
    assert [(k["number"], k["kind"], k["label"], k["count"], k["kept_by"], k["note"]) for k in handover["keys"]] == [
        (1, "unit", "3栋 全部房屋", 240, "前台钥匙柜", None), (2, "equipment_room", "水泵房、配电房", 6, "李工", "含备用钥匙"),
        (3, "unit", "5栋 1-9层", 36, "前台钥匙柜", None)]
    assert handover["keys_by_kind"] == {"unit": 276, "equipment_room": 6}
    assert made()["keys"] == [] and made()["keys_by_kind"] == {}
    keys_alone = made(documents=[], common_areas=[], keys=KEYS[:1])  # a session of keys alone is one
    assert keys_alone["keys_by_kind"] == {"unit": 240}
    assert estate_handovers.record_of(handover, "req-1")["data"]["keys"] == handover["keys"]


def test_the_checklist_counts_the_keys_received_by_kind_over_the_sessions():
    first = made(keys=KEYS)
    later = estate_handovers.new_handover("eho_2", "est_1", {
        "date": "2026-12-15", "handed_over_by": "Harbour Development Co.", "received_by": "li",
        "keys": [{"kind": "common_area", "label": "天台门", "count": 4, "kept_by": "秩序维护部"},
                 {"kind": "unit", "count": 12, "kept_by": "前台钥匙柜"}]}, NOW, "li")
    assert estate_handovers.checklist([later, first])["keys_by_kind"] == {
        "unit": 288, "common_area": 4, "equipment_room": 6}
    assert estate_handovers.checklist([])["keys_by_kind"] == {}
    old = {k: v for k, v in made().items() if k not in ("keys", "keys_by_kind")}  # kept before keys were
    assert estate_handovers.checklist([old])["keys_by_kind"] == {}
