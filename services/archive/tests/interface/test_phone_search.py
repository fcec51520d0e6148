"""The front desk finds a household by the number a caller rings from (``search_households``):
its owner's or an occupant's phone (current or former: archive keeps them), read as dialled
(``estate_common.phones``), through the index ``(estate_id, _phones)``; never logged."""
import logging

import pytest

from archive import operations, store
from archive.service import ArchiveService
from estate_common.errors import Forbidden, InvalidInput
from estate_common.testing import as_caller, staff, worker

ESTATE = {"code": "HZ-07", "name": "Maple Court", "address": "3 Lake Road"}
OWNER_PHONE, TENANT_PHONE = "13912345678", "13700001111"


@pytest.fixture
def archive():
    return worker(ArchiveService)


@pytest.fixture
def estate_id(archive):
    return archive.create_estate({"data": ESTATE})["id"]


def household(archive, estate_id, room, phone=OWNER_PHONE, name="李四"):
    return archive.create_household({"estate_id": estate_id, "data": {
        "building": "3", "unit": "1", "room": room, "area_m2": 89.37, "owner": {"name": name, "phone": phone}}})


def search(archive, estate_id, phone, role="agent"):
    as_caller(archive, staff("desk", [role], [estate_id]))
    return archive.search_households({"estate_id": estate_id, "data": {"phone": phone}})


@pytest.mark.parametrize("spelled", ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678",
                                     "0086-13912345678", "１３９１２３４５６７８"])
def test_an_owner_is_found_by_his_phone_however_it_is_written(archive, estate_id, spelled):
    mine = household(archive, estate_id, "1201", phone="+86 139-1234-5678")
    household(archive, estate_id, "1202", phone="13800000000", name="王五")
    [found] = search(archive, estate_id, spelled)["items"]
    assert found["household"]["id"] == mine["id"] and found["household"]["room"] == "1201"
    assert found["owner_matched"] is True
    assert [(p["relation"], p["name"]) for p in found["occupants"]] == [("owner", "李四")]


def test_an_owner_of_two_flats_is_found_at_both_and_another_estate_is_not_searched(archive, estate_id):
    first, second = household(archive, estate_id, "1201"), household(archive, estate_id, "1301")
    other = archive.create_estate({"data": {**ESTATE, "code": "HZ-08"}})["id"]
    household(archive, other, "1201")
    found = search(archive, estate_id, OWNER_PHONE)["items"]
    assert sorted(item["household"]["id"] for item in found) == sorted([first["id"], second["id"]])
    assert search(archive, estate_id, "13600000000")["items"] == []


def test_a_tenant_is_found_by_his_phone_and_still_once_he_left(archive, estate_id):
    home = household(archive, estate_id, "1201")
    as_caller(archive, staff("zhou", ["steward"], [estate_id]))
    archive.change_household_status({"estate_id": estate_id, "id": home["id"], "data": {
        "step": "move_in", "date": "2026-11-01",
        "occupants": [{"relation": "tenant", "name": "王五", "phone": "137-0000-1111"}]}})
    [found] = search(archive, estate_id, "+86 13700001111")["items"]
    assert found["owner_matched"] is False
    [tenant] = found["occupants"]
    assert (tenant["relation"], tenant["name"], tenant["phone"], tenant["to"]) == ("tenant", "王五", "137-0000-1111", None)
    as_caller(archive, staff("zhou", ["steward"], [estate_id]))
    archive.change_household_status({"estate_id": estate_id, "id": home["id"],
                                     "data": {"step": "move_out", "date": "2026-11-30"}})
    [found] = search(archive, estate_id, TENANT_PHONE)["items"]
    assert found["occupants"][0]["to"] == "2026-11-30"  # a former tenant: the desk sees he left


def test_an_owner_found_by_his_new_phone_after_a_correction_and_a_transfer(archive, estate_id):
    home = household(archive, estate_id, "1201")
    as_caller(archive, staff("desk", ["agent"], [estate_id]))
    archive.update_household({"estate_id": estate_id, "id": home["id"], "data": {"owner": {"phone": "13511112222"}}})
    assert search(archive, estate_id, "135 1111 2222")["items"][0]["owner_matched"] is True
    as_caller(archive, staff("desk", ["agent"], [estate_id]))
    archive.transfer_owner({"estate_id": estate_id, "id": home["id"], "data": {
        "owner": {"name": "赵六", "phone": "13322223333"}, "date": "2026-11-20"}})
    [new] = search(archive, estate_id, "13322223333")["items"]
    assert new["owner_matched"] is True and [p["name"] for p in new["occupants"]] == ["赵六"]
    [former] = search(archive, estate_id, "13511112222")["items"]  # the former owner, kept in occupants
    assert former["owner_matched"] is False and former["occupants"][0]["to"] == "2026-11-20"


def test_households_registered_before_phones_were_kept_are_found_after_the_sweep(archive, estate_id):
    home = household(archive, estate_id, "1201")
    archive.db.households.update_one({"_id": home["id"], "estate_id": estate_id}, {"$unset": {"_phones": ""}})
    assert search(archive, estate_id, OWNER_PHONE)["items"] == []
    assert operations.keep_phone_keys(archive.db) == 1
    assert [item["household"]["id"] for item in search(archive, estate_id, OWNER_PHONE)["items"]] == [home["id"]]
    assert operations.keep_phone_keys(archive.db) == 0


def test_the_search_is_one_probe_of_the_estates_phone_index(archive, estate_id, monkeypatch):
    household(archive, estate_id, "1201")
    stored = archive.db.households.find_one({"estate_id": estate_id})
    assert stored["_phones"] == [OWNER_PHONE]
    sent, collection = [], archive.db.households
    monkeypatch.setattr(collection, "find", lambda query, *args, _find=collection.find, **kwargs: (
        sent.append(query), _find(query, *args, **kwargs))[1])
    assert len(search(archive, estate_id, "139 1234 5678")["items"]) == 1
    assert sent == [{"estate_id": estate_id, "_phones": OWNER_PHONE}]  # the number as dialled, exact
    assert ([("estate_id", 1), ("_phones", 1)], {}) in store.INDEXES["households"]


@pytest.mark.parametrize("phone", ["", "abc", "12345", "139123456789012345678901", "139 1234 567x"])
def test_a_malformed_phone_is_a_400_naming_the_field(archive, estate_id, phone):
    with pytest.raises(InvalidInput) as refused:
        search(archive, estate_id, phone)
    assert refused.value.errors[0]["field"] == "data.phone"


@pytest.mark.parametrize("role", ["technician", "security", "accountant", "cashier"])
def test_a_role_that_reads_phones_masked_may_not_search_by_one(archive, estate_id, role):
    household(archive, estate_id, "1201")
    with pytest.raises(Forbidden):
        search(archive, estate_id, OWNER_PHONE, role=role)


def test_no_log_line_holds_the_phone_searched(archive, estate_id, caplog):
    household(archive, estate_id, "1201")
    caplog.set_level(logging.DEBUG)
    search(archive, estate_id, "139-1234-5678")
    with pytest.raises(InvalidInput):
        search(archive, estate_id, "139 1234 567x")
    assert "1234" not in caplog.text and "5678" not in caplog.text


@pytest.mark.parametrize("data", [{}, {"phone": 13912345678}, {"phone": "1" * 41}, {"phone": OWNER_PHONE, "name": "李四"}])
def test_a_body_that_is_not_a_search_is_a_400(archive, estate_id, data):
    as_caller(archive, staff("desk", ["agent"], [estate_id]))
    with pytest.raises(InvalidInput):
        archive.search_households({"estate_id": estate_id, "data": data})
