"""Owner contacts through customer service's entrypoints: logged once, counted in the KPIs."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Forbidden, InvalidInput
from estate_common.testing import as_caller, event, staff

ESTATE = "est_1"
STEWARD = staff("zhou", ["steward"], [ESTATE])
MANAGER = staff("boss", ["manager"], [ESTATE])


def log(desk, caller, key=None, **data):
    as_caller(desk, caller, idempotency_key=key)
    body = {"household_id": "hh_1", "kind": "steward_contact", "channel": "phone",
            "contacted_at": "2026-11-20T02:00:00Z", "summary": "asked about the lift"} | data
    return desk.record_owner_contact({"estate_id": ESTATE, "data": body})


def test_contacts_are_logged_once_and_make_the_months_contact_rate(desk):
    clock.freeze(clock.parse_iso("2026-03-02T06:00:00Z"))  # each logged within days of it (recorded_within_days)
    log(desk, MANAGER, kind="manager_visit", channel="visit", contacted_at="2026-03-02T02:00:00Z")
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_2", contacted_at="2026-10-31T15:59:00Z")  # 23:59 in Shanghai: October
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    first = log(desk, STEWARD, key="c1")
    assert log(desk, STEWARD, key="c1")["id"] == first["id"]
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-11-21T02:00:00Z")
    listed = desk.list_owner_contacts({"estate_id": ESTATE, "filters": {"kind": "steward_contact"}})["items"]
    assert len(listed) == 3 and {c["by"] for c in listed} == {"zhou"}
    as_caller(desk, MANAGER)
    found = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    # November is not over: the progress so far, one household of two (not 100 %)
    assert (found["owner_contact_rate"]["numerator"], found["owner_contact_rate"]["denominator"]) == (1, 2)
    clock.freeze(clock.parse_iso("2026-12-02T02:00:00Z"))
    found = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert (found["owner_contact_rate"]["numerator"], found["owner_contact_rate"]["denominator"]) == (1, 2)
    assert found["manager_visits_year_to_date"]["numerator"] == 1
    october = desk.kpis({"period": "2026-10", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert october["owner_contact_rate"]["numerator"] == 1
    desk.update_settings({"estate_id": ESTATE, "data": {"owner_contacts_per_month": 2}})
    found = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert found["owner_contact_rate"]["numerator"] == 1  # hh_1 was contacted twice in November


def test_a_household_registered_later_owes_no_contact_for_the_months_before(desk):
    """Its copy's ``created_at`` (archive's registration time, carried by ``household_created``)
    and its handover day set the months it owes; the two copies made without them owe every one."""
    clock.freeze(clock.parse_iso("2026-11-21T02:00:00Z"))
    desk.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_3", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1203", "area_m2": 70.0,
        "status": "occupied", "version": 1, "created_at": "2026-11-10T02:00:00.000Z", "occupied_from": None}))
    log(desk, STEWARD, household_id="hh_3", contacted_at="2026-11-20T02:00:00Z")
    clock.freeze(clock.parse_iso("2026-12-02T02:00:00Z"))
    as_caller(desk, MANAGER)
    october = desk.kpis({"period": "2026-10", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert october["owner_contact_rate"]["denominator"] == 2 and october["valid_complaint_rate"]["denominator"] == 2
    november = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert (november["owner_contact_rate"]["numerator"], november["owner_contact_rate"]["denominator"]) == (1, 3)
    year = desk.kpis({"period": "2026", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert (year["owner_contact_rate"]["numerator"], year["owner_contact_rate"]["denominator"]) == (1, 3)


def test_bad_or_forbidden_contacts_are_refused_and_nothing_is_logged(desk):
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    with pytest.raises(InvalidInput) as refused:
        log(desk, STEWARD, channel="fax")
    assert refused.value.errors[0]["field"] == "data.channel"
    with pytest.raises(Forbidden):
        log(desk, STEWARD, kind="manager_visit", channel="visit")
    with pytest.raises(BusinessRuleViolation) as refused:
        log(desk, STEWARD, household_id="hh_unknown")
    assert refused.value.errors[0]["field"] == "data.household_id"
    with pytest.raises(BusinessRuleViolation):
        log(desk, STEWARD, contacted_at="2026-11-24T02:00:00Z")
    with pytest.raises(BusinessRuleViolation) as refused:  # a clerk's 1900 (a probe)
        log(desk, STEWARD, contacted_at="1900-01-01T02:00:00Z")
    assert refused.value.errors == [{"field": "data.contacted_at", "message": "is more than 14 days ago"}]
    assert desk.list_owner_contacts({"estate_id": ESTATE})["items"] == []


def due(desk, caller=STEWARD, **payload):
    as_caller(desk, caller)
    return desk.owner_contacts_due({"estate_id": ESTATE, **payload})


def test_the_steward_lists_the_owners_he_has_still_to_contact_this_month_and_those_short_last_month(desk):
    desk.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_3", "estate_id": ESTATE, "building": "3", "unit": "2", "room": "0101", "area_m2": 70.0,
        "status": "vacant", "version": 1, "created_at": "2026-10-10T02:00:00.000Z", "occupied_from": None}))
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-10-20T02:00:00Z")
    log(desk, STEWARD, household_id="hh_2", contacted_at="2026-10-31T19:00:00Z")  # 03:00 on 1 November there
    listed = due(desk)  # the estate's current month: November
    assert (listed["period"], listed["required"], listed["total"]) == ("2026-11", 1, 2)
    assert listed["items"] == [
        {"household_id": "hh_1", "building": "3", "unit": "1", "room": "1201", "contacts": 0, "required": 1,
         "last_contacted_at": "2026-10-20T02:00:00.000Z"},
        # registered in October, vacant: owed as the KPI counts it
        {"household_id": "hh_3", "building": "3", "unit": "2", "room": "0101", "contacts": 0, "required": 1,
         "last_contacted_at": None}]
    october = due(desk, filters={"period": "2026-10"})  # hh_2's contact was November's
    assert [(h["household_id"], h["last_contacted_at"]) for h in october["items"]] == [("hh_2", None), ("hh_3", None)]
    # paged with the lists' cursors
    first = due(desk, limit=1)
    assert [h["household_id"] for h in first["items"]] == ["hh_1"] and first["total"] == 2
    second = due(desk, limit=1, cursor=first["next_cursor"])
    assert [h["household_id"] for h in second["items"]] == ["hh_3"] and second["next_cursor"] is None
    # two a month: one of two is not enough
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"owner_contacts_per_month": 2}})
    short = due(desk)["items"]
    assert [(h["household_id"], h["contacts"], h["required"]) for h in short] == [
        ("hh_1", 0, 2), ("hh_2", 1, 2), ("hh_3", 0, 2)]
    assert short[1]["last_contacted_at"] == "2026-10-31T19:00:00.000Z"


def test_a_month_not_begun_is_refused(desk):
    clock.freeze(clock.parse_iso("2026-11-30T15:00:00Z"))  # 23:00 on 30 November there
    with pytest.raises(BusinessRuleViolation) as refused:
        due(desk, filters={"period": "2026-12"})
    assert refused.value.errors == [{"field": "period", "message": "is a month after the estate's current one"}]
    clock.freeze(clock.parse_iso("2026-11-30T16:00:00Z"))  # midnight: December there
    assert due(desk)["period"] == "2026-12"


def test_a_households_last_contact_is_read_through_its_index(desk, monkeypatch):
    """The due list's last_contacted_at: one estate-led read of a page's households' steward
    contacts of the last 400 days through ``(estate_id, household_id, kind, contacted_at)``
    (``household_id: {$in: ...}``: a bucket of the index per household, not every contact of the
    estate walked), and one more of the contacts before for those it did not find: not a read per
    household (200 a page). The index is asked with the queries the store sends."""
    from customer_service import store
    desk.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_3", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1203", "area_m2": 70.0,
        "status": "occupied", "version": 1}))
    for household, at in (("hh_3", "2025-03-01T02:00:00Z"), ("hh_3", "2025-06-01T02:00:00Z"),  # over 400 days ago
                          ("hh_1", "2026-11-10T02:00:00Z"), ("hh_1", "2026-11-20T02:00:00Z"),
                          ("hh_2", "2026-11-21T02:00:00Z")):
        clock.freeze(clock.parse_iso(at) + timedelta(hours=1))  # each logged within days of it
        log(desk, STEWARD, household_id=household, contacted_at=at)
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))
    log(desk, MANAGER, household_id="hh_1", kind="manager_visit", channel="visit", contacted_at="2026-11-22T02:00:00Z")
    collection, sent = desk.db.owner_contacts, []
    find = collection.find
    monkeypatch.setattr(collection, "find", lambda query, *args, **kwargs: (sent.append(query),
                                                                          find(query, *args, **kwargs))[1])
    assert store.last_contacted(desk.db, ESTATE, ["hh_1", "hh_2", "hh_3", "hh_4"], "2026-11-21T00:00:00.000Z") == {
        "hh_1": "2026-11-20T02:00:00.000Z", "hh_3": "2025-06-01T02:00:00.000Z"}
    assert [query["household_id"] for query in sent] == [{"$in": ["hh_1", "hh_2", "hh_3", "hh_4"]},
                                                         {"$in": ["hh_2", "hh_3", "hh_4"]}]
    assert sent[0]["contacted_at"] == {"$gte": "2025-10-17T00:00:00.000Z", "$lt": "2026-11-21T00:00:00.000Z"}
    with collection._lock:
        candidates = [{doc["_id"] for doc in collection._candidates(query)} for query in sent]
    # the households' own steward contacts (the index's buckets), not the manager's visit
    assert [len(found) for found in candidates] == [5, 3]


def test_a_household_s_contacts_are_listed_the_newest_first_on_asking(desk):
    """A household's page shows its latest contacts: the list ran from the oldest, and the latest
    were on its last page (a probe of the steward's work). ``newest_first=true`` walks the same
    order backwards, with the same cursors."""
    made = []
    for day in (20, 21, 22):
        clock.freeze(clock.parse_iso(f"2026-11-{day}T03:00:00Z"))
        made.append(log(desk, STEWARD, contacted_at=f"2026-11-{day}T02:00:00Z")["id"])
    log(desk, STEWARD, household_id="hh_2")
    asked = {"household_id": "hh_1", "newest_first": "true"}
    first = desk.list_owner_contacts({"estate_id": ESTATE, "filters": asked, "limit": 2})
    assert [c["id"] for c in first["items"]] == made[:0:-1]
    rest = desk.list_owner_contacts({"estate_id": ESTATE, "filters": asked, "limit": 2, "cursor": first["next_cursor"]})
    assert [c["id"] for c in rest["items"]] == made[:1] and rest["next_cursor"] is None
    oldest = desk.list_owner_contacts({"estate_id": ESTATE, "filters": {"household_id": "hh_1"}})["items"]
    assert [c["id"] for c in oldest] == made


def test_a_past_months_list_counts_by_the_settings_its_contact_rate_counts_by(desk):
    """A past month's KPI counts the contacts required when it ended (``rules_of_period``): the
    list of who fell short then is by the same number, not by the one set since (found by review:
    October's list named a household its contact rate counted as contacted)."""
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-10-20T02:00:00Z")
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"owner_contacts_per_month": 2}})  # from November
    october = due(desk, filters={"period": "2026-10"})
    assert (october["required"], [(h["household_id"], h["required"]) for h in october["items"]]) == (1, [("hh_2", 1)])
    as_caller(desk, MANAGER)
    rate = desk.kpis({"period": "2026-10", "estate_ids": [ESTATE]})["estates"][ESTATE]["owner_contact_rate"]
    assert rate["denominator"] - rate["numerator"] == october["total"] == 1
    assert due(desk)["required"] == 2  # November's: the number set now


def test_the_contacts_of_a_month_are_listed_by_the_estate_s_month_they_were_made_in(desk):
    """``period``: a steward's "last month's contacts" were the whole log to page through (the due
    list names who fell short, not what was done; a probe of the steward's month). A contact counts
    in the estate's local month, as the KPI and the due list count it: 03:00 on 1 November in
    Shanghai is November's, whatever UTC says."""
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    october = log(desk, STEWARD, household_id="hh_1", contacted_at="2026-10-20T02:00:00Z")["id"]
    clock.advance(timedelta(minutes=1))  # logged in this order
    november = log(desk, STEWARD, household_id="hh_2", contacted_at="2026-10-31T19:00:00Z")["id"]  # 03:00 on 1 Nov
    clock.advance(timedelta(minutes=1))
    visit = log(desk, MANAGER, kind="manager_visit", channel="visit", contacted_at="2026-11-01T01:00:00Z")["id"]

    def listed(**filters):
        as_caller(desk, STEWARD)
        return [c["id"] for c in desk.list_owner_contacts({"estate_id": ESTATE, "filters": filters})["items"]]

    assert listed(period="2026-10") == [october]
    assert listed(period="2026-11") == [november, visit]
    assert listed(period="2026-11", kind="steward_contact") == [november]
    assert listed(period="2026-11", newest_first="true") == [visit, november]
    assert listed(period="2026-09") == []
    with pytest.raises(InvalidInput):  # a month that is none
        listed(period="2026-13")


def test_a_steward_of_some_buildings_lists_the_owners_still_owed_in_his_building(desk):
    """A steward looks after his own buildings (seeds 003: 各管理区域内的业主): the due list was the
    estate's, his owners among every other steward's (a probe of the steward's month). ``building``
    is read as the households' registers write it (3号楼 finds building 3), and ``total`` is the
    building's."""
    desk.copy_household(event("archive", "household_created", ESTATE, {
        "id": "hh_3", "estate_id": ESTATE, "building": "5", "unit": "1", "room": "0101", "area_m2": 70.0,
        "status": "occupied", "version": 1, "created_at": "2026-10-10T02:00:00.000Z", "occupied_from": None}))
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-11-01T02:00:00Z")
    assert [(h["household_id"], h["building"]) for h in due(desk, filters={"building": "3号楼"})["items"]] == [
        ("hh_2", "3")]
    five = due(desk, filters={"building": "5", "period": "2026-10"})
    assert (five["total"], [h["household_id"] for h in five["items"]]) == (1, ["hh_3"])
    assert due(desk, filters={"building": "9"})["total"] == 0
    assert due(desk, filters={"building": " "})["total"] == 2  # blank: no building asked


def test_a_page_of_the_due_list_reads_the_flats_of_its_households_alone(desk, monkeypatch):
    """The due list reads the estate's households once a page for who is owed (the KPI's rule and
    its total), with their registration and handover alone, and the flats of the page's households:
    a big estate's 10,000 copies were read with their flats and all sorted for each page of 50 (the
    session 49 note: 200 ms for the first page, 360 ms for the tenth). Every page answers the
    same total, each household once, in the lists' order."""
    for number in range(3, 8):
        desk.copy_household(event("archive", "household_created", ESTATE, {
            "id": f"hh_{number}", "estate_id": ESTATE, "building": "4", "unit": "1", "room": f"0{number}01",
            "area_m2": 70.0, "status": "vacant", "version": 1,
            "created_at": f"2026-10-1{number}T02:00:00.000Z", "occupied_from": None}))
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_4", contacted_at="2026-11-01T02:00:00Z")
    collection, sent = desk.db.households, []
    find = collection.find
    monkeypatch.setattr(collection, "find", lambda query, *args, **kwargs: (sent.append((query, args)),
                                                                          find(query, *args, **kwargs))[1])
    pages, cursor = [], None
    while True:
        sent.clear()
        page = due(desk, limit=2, **({"cursor": cursor} if cursor else {}))
        pages.append(page)
        whole = [projection for query, (projection, *_) in sent if set(query) == {"estate_id"}]
        assert whole and all(set(projection) == {"created_at", "occupied_from"} for projection in whole)
        assert [query["_id"] for query, _ in sent if "_id" in query] == [
            {"$in": sorted(h["household_id"] for h in page["items"])}]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert {page["total"] for page in pages} == {6}
    listed = [h["household_id"] for page in pages for h in page["items"]]
    assert listed == ["hh_1", "hh_2", "hh_3", "hh_5", "hh_6", "hh_7"]
    assert pages[1]["items"][0] | {"last_contacted_at": None} == {
        "household_id": "hh_3", "building": "4", "unit": "1", "room": "0301", "contacts": 0, "required": 1,
        "last_contacted_at": None}


def test_the_stewards_owner_contacts_are_exported_by_month_with_their_flats(desk):
    """业主走访/联系记录 could be listed and not exported: the steward handed her manager the month's
    contacts copied by hand (a probe of the steward's month). The front desk exports them with the
    list's filters (the estate's month), each with its flat, its kind and channel in the reader's
    words; a number an owner gave in the summary is the desk's to see, and a file holding it in full
    is refused to those who do not see residents' phones."""
    import base64
    import csv
    import io
    clock.freeze(clock.parse_iso("2026-11-02T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-10-20T02:00:00Z")
    clock.advance(timedelta(minutes=1))
    log(desk, STEWARD, household_id="hh_2", contacted_at="2026-10-31T19:00:00Z",  # 03:00 on 1 Nov in Shanghai
        summary="业主换了新号13700001111，电梯噪音已好")
    as_caller(desk, STEWARD)
    job = desk.start_export({"estate_id": ESTATE, "data": {"resource": "owner_contacts", "format": "csv",
                                                           "language": "zh", "filters": {"period": "2026-11"}}})
    desk.run_jobs()
    job = desk.get_job({"id": job["id"]})
    assert job["status"] == "succeeded" and job["result"]["rows"] == 1
    assert job["result"]["personal_data_in_full"] == ["numbers_in_text"]
    part = desk.read_export({"estate_id": ESTATE, "id": job["id"], "n": 0})
    [row] = list(csv.DictReader(io.StringIO(base64.b64decode(part["data_base64"]).decode("utf-8-sig"), newline="")))
    assert (row["楼栋"], row["单元"], row["房号"], row["类型"], row["联系方式"], row["经办人"]) == (
        "3", "1", "1202", "物管员月度联系", "电话", "zhou")
    assert "13700001111" in row["摘要"] and row["联系时间（Asia/Shanghai）"] == "2026-11-01 03:00:00"
    as_caller(desk, staff("tech", ["technician"], [ESTATE]))
    with pytest.raises(Forbidden):  # the contacts' readers only (the list's route: the front desk)
        desk.start_export({"estate_id": ESTATE, "data": {"resource": "owner_contacts", "format": "csv"}})
    as_caller(desk, STEWARD)
    with pytest.raises(InvalidInput):  # the list's filters only
        desk.start_export({"estate_id": ESTATE, "data": {"resource": "owner_contacts", "format": "csv",
                                                         "filters": {"status": "open"}}})


# -- the current month's due list from the contacts kept on each household (a big estate) --------

def registered(desk, household_id, at, version=2, building="3", room=None, **extra):
    desk.copy_household(event("archive", "household_created", ESTATE, {
        "id": household_id, "estate_id": ESTATE, "building": building, "unit": "1", "room": room or household_id[-1] * 4,
        "area_m2": 70.0, "status": "occupied", "version": version, "created_at": at, "occupied_from": None, **extra}))


def read_whole(desk, monkeypatch):
    """Makes the due list count from the estate's households and the month's contacts (the way
    every month was counted before the contacts were kept on the households)."""
    from customer_service import store
    monkeypatch.setattr(store, "contacts_kept_on_households", lambda db, estate_id: False)


def all_pages(desk, limit, **filters):
    items, cursor = [], None
    while True:
        page = due(desk, limit=limit, filters=filters, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        assert len(items) <= page["total"], "a page listed again"
        cursor = page["next_cursor"]
        if cursor is None:
            return items, page["total"]


def test_this_month_s_due_list_is_read_from_the_contacts_kept_on_the_households(desk, monkeypatch):
    """The current month's list read every household of the estate and the month's contacts for
    each page (a big estate's 10,000 and 3,000: the session 51 note); each household's copy now keeps
    its newest steward contacts (``_steward_contacts``), written when a contact is recorded, and the
    list is a page of the households whose ``required``-th newest contact is before the month
    (``store.owed_households``), in the lists' order, with no read of the month's contacts. What the
    list answers is the one counted the old way: after a contact, a household added, one handed over
    next month, the number required changed, a building asked, page by page."""
    from customer_service import store
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    registered(desk, "hh_1", "2026-01-05T02:00:00.000Z")
    registered(desk, "hh_2", "2026-01-06T02:00:00.000Z")
    registered(desk, "hh_3", "2026-02-01T02:00:00.000Z", version=1, building="5")
    registered(desk, "hh_4", "2026-03-01T02:00:00.000Z", version=1)
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-12-01T02:00:00Z")
    log(desk, STEWARD, household_id="hh_2", contacted_at="2026-11-30T15:00:00Z")  # 23:00 on 30 November there
    for day in ("02", "03"):
        log(desk, STEWARD, household_id="hh_3", contacted_at=f"2026-12-{day}T02:00:00Z")
    log(desk, MANAGER, household_id="hh_4", kind="manager_visit", channel="visit", contacted_at="2026-12-04T02:00:00Z")
    kept = {doc["_id"]: doc.get("_steward_contacts") for doc in desk.db.households.find({"estate_id": ESTATE})}
    assert [entry[:24] for entry in kept["hh_3"]] == ["2026-12-03T02:00:00.000Z", "2026-12-02T02:00:00.000Z"]
    assert kept["hh_4"] is None  # a manager's visit is no steward contact

    counted, originals = [], {"kpi_households": store.kpi_households, "steward_contacts": store.steward_contacts}
    for name, original in originals.items():
        monkeypatch.setattr(store, name, lambda *args, original=original: counted.append(args) or original(*args))

    def both(**payload):
        kept_answer = due(desk, **payload)
        assert counted == []  # read from the kept contacts: neither the households whole nor the contacts
        with monkeypatch.context() as whole:
            read_whole(desk, whole)
            counted_answer = due(desk, **payload)
        assert counted and kept_answer == counted_answer
        counted.clear()
        return kept_answer

    listed = both()
    assert (listed["total"], [(h["household_id"], h["contacts"], h["last_contacted_at"]) for h in listed["items"]]) == (
        2, [("hh_2", 0, "2026-11-30T15:00:00.000Z"), ("hh_4", 0, None)])
    as_caller(desk, MANAGER)
    desk.update_settings({"estate_id": ESTATE, "data": {"owner_contacts_per_month": 2}})
    assert [(h["household_id"], h["contacts"], h["required"]) for h in both()["items"]] == [
        ("hh_1", 1, 2), ("hh_2", 0, 2), ("hh_4", 0, 2)]
    registered(desk, "hh_5", "2026-12-09T02:00:00.000Z", version=1)  # a household added
    registered(desk, "hh_4", "2026-03-01T02:00:00.000Z", version=3, occupied_from="2027-01-05")  # handed over next month
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-12-09T02:00:00Z")
    assert [h["household_id"] for h in both()["items"]] == ["hh_2", "hh_5"]
    assert both(filters={"building": "5"})["total"] == 0 and both(filters={"building": "3号楼"})["total"] == 2
    assert both(limit=1)["next_cursor"] and both(limit=1, cursor=both(limit=1)["next_cursor"])["items"][0][
        "household_id"] == "hh_5"
    assert all_pages(desk, 1) == ([h for h in both()["items"]], 2)
    # a past month is counted from its contacts, as before
    november = due(desk, filters={"period": "2026-11"})
    assert counted and [h["household_id"] for h in november["items"]] == ["hh_1", "hh_3"]  # hh_4 handed over later


def test_contacts_recorded_before_they_were_kept_are_put_on_their_households_by_the_sweep_once(desk, monkeypatch):
    """An upgraded estate's contacts are on no household (nor one an older replica recorded while a
    deploy rolled, nor one whose second write a crash prevented): while one is left, the list is
    counted the old way; the sweep ``keep_contacts_on_households`` (at start, then on its timer) puts
    each on its household and marks it, estate by estate, a batch at a time; run again, nothing."""
    from customer_service import operations
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    registered(desk, "hh_1", "2026-01-05T02:00:00.000Z")
    registered(desk, "hh_2", "2026-01-06T02:00:00.000Z")
    for number, (household, at) in enumerate((("hh_1", "2026-12-01T02:00:00Z"), ("hh_1", "2026-11-28T02:00:00Z"),
                                              ("hh_2", "2026-11-30T15:00:00Z"))):
        log(desk, STEWARD, key=f"k{number}", household_id=household, contacted_at=at)
    desk.db.owner_contacts.update_many({}, {"$unset": {"_on_household": ""}})
    desk.db.households.update_many({}, {"$unset": {"_steward_contacts": "", "_steward_rev": ""}})
    expected = [("hh_2", 0, "2026-11-30T15:00:00.000Z")]
    assert [(h["household_id"], h["contacts"], h["last_contacted_at"]) for h in due(desk)["items"]] == expected
    assert operations.keep_contacts_on_households(desk.db, batch=2) == 3
    stored = {doc["_id"]: doc for doc in desk.db.households.find({"estate_id": ESTATE})}
    assert len(stored["hh_1"]["_steward_contacts"]) == 2 and len(stored["hh_2"]["_steward_contacts"]) == 1
    assert desk.db.owner_contacts.count_documents({"estate_id": ESTATE, "_on_household": {"$exists": False}}) == 0
    from customer_service import store
    monkeypatch.setattr(store, "steward_contacts", lambda *args: pytest.fail("the month's contacts read"))
    assert [(h["household_id"], h["contacts"], h["last_contacted_at"]) for h in due(desk)["items"]] == expected
    assert operations.keep_contacts_on_households(desk.db) == 0
    assert {doc["_id"]: doc for doc in desk.db.households.find({"estate_id": ESTATE})} == stored


def test_a_contact_whose_household_was_not_written_is_counted_and_put_on_it_by_the_sweep(desk, monkeypatch):
    """A crash between the contact's write and its household's: the contact is recorded, the list
    counts it (the old way, while it is on no household), a retry with its key or the sweep puts it on."""
    from customer_service import operations, store
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    registered(desk, "hh_1", "2026-01-05T02:00:00.000Z")
    registered(desk, "hh_2", "2026-01-06T02:00:00.000Z")
    with monkeypatch.context() as crash:
        crash.setattr(store, "keep_on_household", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("crash")))
        with pytest.raises(RuntimeError):
            log(desk, STEWARD, key="once", household_id="hh_1", contacted_at="2026-12-01T02:00:00Z")
    assert len(desk.db.owner_contacts.find_one({"household_id": "hh_1"})["_id"]) > 0
    assert [h["household_id"] for h in due(desk)["items"]] == ["hh_2"]
    assert operations.keep_contacts_on_households(desk.db) == 1
    assert [h["household_id"] for h in due(desk)["items"]] == ["hh_2"]
    assert log(desk, STEWARD, key="once", household_id="hh_1", contacted_at="2026-12-01T02:00:00Z")  # a retry
    assert len(desk.db.households.find_one({"_id": "hh_1"})["_steward_contacts"]) == 1


def test_a_copy_registered_in_whole_seconds_is_listed_once_page_by_page(desk, monkeypatch):
    """A household's registration is kept as its event gave it (the contract's timestamp: ``…T02:00:00Z``
    as well as the store's ``…T02:00:00.000Z``); the list's cursors are placed on the store's
    milliseconds, so a page of the kept contacts' list walked through the store after such a copy
    found it again, its cursor the same, page after page for good (found by review r4). Its pages
    are those counted the old way (``store.page_computed`` places each key as a cursor is)."""
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    registered(desk, "hh_1", "2026-01-05T02:00:00Z")
    registered(desk, "hh_2", "2026-01-06T02:00:00.000Z")
    registered(desk, "hh_3", "2026-02-01T02:00:00Z", building="5")
    walked = all_pages(desk, 1)
    with monkeypatch.context() as whole:
        read_whole(desk, whole)
        assert walked == all_pages(desk, 1)
    assert [h["household_id"] for h in walked[0]] == ["hh_1", "hh_2", "hh_3"] and walked[1] == 3


def test_a_number_required_above_the_contacts_a_copy_keeps_is_counted_as_before(desk, monkeypatch):
    """Each copy keeps its newest ``KEPT_CONTACTS`` (31) steward contacts, the most the setting allows
    now. Were the setting's maximum raised above them (``rules.MAXIMA``), a month requiring more would
    find no ``required``-th kept contact on any copy and list every household, those contacted enough
    too: such a month is counted from the households and the month's contacts, as before the copies
    kept them. hh_1 contacted 33 times this month, 33 required: not owed; hh_2 once: owed."""
    from customer_service import owner_contacts
    required = owner_contacts.KEPT_CONTACTS + 2
    clock.freeze(clock.parse_iso("2026-12-28T02:00:00Z"))
    registered(desk, "hh_1", "2026-01-05T02:00:00.000Z")
    registered(desk, "hh_2", "2026-01-06T02:00:00.000Z")
    for number in range(required):
        log(desk, STEWARD, key=f"c{number}", household_id="hh_1",
            contacted_at=f"2026-12-{15 + number % 13:02d}T{number // 13:02d}:30:00Z")
    log(desk, STEWARD, key="once", household_id="hh_2", contacted_at="2026-12-16T02:00:00Z")
    assert len(desk.db.households.find_one({"_id": "hh_1"})["_steward_contacts"]) == owner_contacts.KEPT_CONTACTS
    from customer_service import store
    rules_for = store.rules_for  # the estate's setting at the raised maximum (the contract's schema holds 31)
    monkeypatch.setattr(store, "rules_for", lambda *args, **kwargs: {
        **rules_for(*args, **kwargs), "owner_contacts_per_month": required})
    listed = due(desk)
    assert (listed["required"], listed["total"], [(h["household_id"], h["contacts"]) for h in listed["items"]]) == (
        required, 1, [("hh_2", 1)])
    with monkeypatch.context() as whole:
        read_whole(desk, whole)
        assert due(desk) == listed


def test_a_copy_made_before_copies_carried_their_registration_is_given_its_estate_s_by_the_sweep(desk, monkeypatch):
    """A household's copy made before archive's events carried ``created_at`` has none, and kept the
    estate's current month's due list on the slow count (every copy and the month's contacts read for
    each page) until an operator had archive restate the estate. No household is registered before
    its estate, so the sweep (``keep_registrations``, on the contacts' timer) gives such a copy its
    estate's registration (``_registered_from: "estate"``): owed in each month from it, as it was
    (owed every month: the months before the estate owe nothing), listed first as before; a copy
    of an estate whose own registration is not known either is left as it is. A restatement then
    writes its own; run again, the sweep writes nothing."""
    from customer_service import operations, store
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    desk.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd", "version": 2,
        "timezone": "Asia/Shanghai",
        "created_at": "2026-06-10T02:00:00.000Z"}))
    desk.copy_estate(event("archive", "estate_created", "est_2", {
        "id": "est_2", "estate_id": "est_2", "code": "HZ-02", "name": "East Lake", "address": "1 Lake Rd",
        "version": 1}))
    desk.copy_household(event("archive", "household_created", "est_2", {
        "id": "hh_9", "estate_id": "est_2", "building": "1", "unit": "1", "room": "101", "area_m2": 70.0,
        "status": "occupied", "version": 1}))
    registered(desk, "hh_3", "2026-07-01T02:00:00.000Z", room="3333")
    log(desk, STEWARD, household_id="hh_3", contacted_at="2026-12-01T02:00:00Z")
    before = due(desk)  # hh_1 and hh_2, the fixture's copies, have no registration
    assert [h["household_id"] for h in before["items"]] == ["hh_1", "hh_2"]
    assert not store.contacts_kept_on_households(desk.db, ESTATE)
    assert operations.keep_registrations(desk.db) == 2
    copies = {doc["_id"]: doc for doc in desk.db.households.find({})}
    assert [(copies[h].get("created_at"), copies[h].get("_registered_from"))
            for h in ("hh_1", "hh_2", "hh_3", "hh_9")] == [
        ("2026-06-10T02:00:00.000Z", "estate"), ("2026-06-10T02:00:00.000Z", "estate"),
        ("2026-07-01T02:00:00.000Z", None), (None, None)]
    assert store.contacts_kept_on_households(desk.db, ESTATE)
    monkeypatch.setattr(store, "steward_contacts", lambda *args: pytest.fail("the month's contacts read"))
    assert due(desk) == before
    assert operations.keep_registrations(desk.db) == 0
    desk.restate_households(event("archive", "households_restated", ESTATE, {"households": [{
        "id": "hh_1", "estate_id": ESTATE, "building": "3", "unit": "1", "room": "1201", "area_m2": 89.37,
        "status": "occupied", "version": 1, "created_at": "2026-08-01T02:00:00.000Z"}], "batch": 1, "batches": 1}))
    assert desk.db.households.find_one({"_id": "hh_1"})["created_at"] == "2026-08-01T02:00:00.000Z"


def test_the_registration_the_sweep_gives_a_copy_changes_a_period_that_began_before_the_estate(desk):
    """A copy without a registration is owed contacts in every month; the sweep's (its estate's,
    ``keep_registrations``) owes none before the estate was registered. A period that began before
    it (Q2 of an estate registered on 10 June: records reach back before it) was read with April and
    May owed by such copies, and reads without them once swept: hh_1, contacted in June alone, fell
    short of the quarter and meets it now (0 of 2, then 1 of 2), as a restatement of the estate
    would have made it (the README says so). A period after the registration reads the same."""
    from customer_service import operations
    desk.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd", "version": 2,
        "timezone": "Asia/Shanghai", "created_at": "2026-06-10T02:00:00.000Z"}))
    clock.freeze(clock.parse_iso("2026-06-20T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-06-15T02:00:00Z")
    clock.freeze(clock.parse_iso("2026-07-20T02:00:00Z"))
    log(desk, STEWARD, household_id="hh_1", contacted_at="2026-07-15T02:00:00Z")
    clock.freeze(clock.parse_iso("2026-08-02T02:00:00Z"))
    as_caller(desk, MANAGER)

    def rate(period):
        found = desk.kpis({"period": period, "estate_ids": [ESTATE]})["estates"][ESTATE]["owner_contact_rate"]
        return found["numerator"], found["denominator"]
    assert (rate("2026-Q2"), rate("2026-07")) == ((0, 2), (1, 2))
    assert operations.keep_registrations(desk.db) == 2
    assert (rate("2026-Q2"), rate("2026-07")) == ((1, 2), (1, 2))


def test_a_weeks_kpis_say_the_monthly_contact_is_not_of_a_week_and_count_its_sundays_year(desk):
    """An ISO week is a KPI period (a typhoon probe's ``2026-W49`` was a 400): the steward's contact,
    owed once a month, is "no data" of a week saying so, and the manager's visits so far are those of
    the year of the week's Sunday: 2026-W53 (28 December to 3 January) counts 2027's, not 2026's."""
    from estate_common.kpis import BY_THE_MONTH
    clock.freeze(clock.parse_iso("2026-11-23T02:00:00Z"))  # Monday of 2026-W48 in Shanghai
    log(desk, MANAGER, kind="manager_visit", channel="visit", contacted_at="2026-11-23T01:00:00Z")
    log(desk, STEWARD, contacted_at="2026-11-23T01:30:00Z")
    as_caller(desk, MANAGER)
    week = desk.kpis({"period": "2026-W48", "estate_ids": [ESTATE]})
    assert week["period"] == "2026-W48"
    found = week["estates"][ESTATE]
    assert found["owner_contact_rate"]["value"] is None and found["owner_contact_rate"]["denominator"] == 0
    assert found["owner_contact_rate"]["note"].startswith(BY_THE_MONTH) and "once a month" in \
        found["owner_contact_rate"]["note"]
    assert found["manager_visits_year_to_date"]["numerator"] == 1
    clock.freeze(clock.parse_iso("2027-01-02T02:00:00Z"))
    log(desk, MANAGER, kind="manager_visit", channel="visit", contacted_at="2027-01-01T02:00:00Z")
    as_caller(desk, MANAGER)
    turn = desk.kpis({"period": "2026-W53", "estate_ids": [ESTATE]})["estates"][ESTATE]
    assert turn["manager_visits_year_to_date"]["numerator"] == 1  # 2027's so far, not 2026's with it
    assert desk.kpis({"period": "2026", "estate_ids": [ESTATE]})["estates"][ESTATE][
        "manager_visits_year_to_date"]["numerator"] == 1


@pytest.mark.parametrize("limit", [1, 2])
def test_a_due_list_read_while_the_registrations_sweep_runs_shows_each_copy_once(desk, limit):
    """A copy without its registration is placed in the due list where the sweep (``keep_registrations``)
    will place it, at its estate's registration: listed first, at ``0001-01-01``, a copy shown on a page
    read before the sweep moved behind that page's cursor once the sweep gave it its estate's, and the
    next page showed it again (h7). Pages read before, during and after the sweep show each copy once."""
    from customer_service import operations
    clock.freeze(clock.parse_iso("2026-12-10T02:00:00Z"))
    desk.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "HZ-01", "name": "West Lake", "address": "9 Lake Rd", "version": 2,
        "timezone": "Asia/Shanghai", "created_at": "2026-06-10T02:00:00.000Z"}))
    registered(desk, "hh_3", "2026-07-01T02:00:00.000Z", room="3333")
    registered(desk, "hh_0", "2026-06-10T02:00:00.000Z", room="3330")  # registered with the estate
    first = due(desk, limit=limit)  # hh_1 and hh_2, the fixture's copies, have no registration
    operations.keep_registrations(desk.db, batch=1)
    shown, cursor = [h["household_id"] for h in first["items"]], first["next_cursor"]
    while cursor:
        page = due(desk, limit=limit, cursor=cursor)
        shown += [h["household_id"] for h in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(shown) == ["hh_0", "hh_1", "hh_2", "hh_3"]
    assert shown == [h["household_id"] for h in all_pages(desk, limit)[0]]  # in the order of a list read after it


def test_a_weeks_valid_complaint_rate_is_judged_against_its_share_of_the_months_target(desk):
    """h7: the valid-complaint rate (complaints judged valid ÷ households, below 1 % a month: the setting
    valid_complaint_rate_target_percent, of the KPI month) of a week was judged against the whole month's
    1 %, so a week using up the month's allowance on its own read as met. A week's target is its share of
    its month's, 7 of the month's days (the month of the week's Thursday, ISO 8601's rule for a week's
    year), and the note says so; a month's is the setting itself."""
    clock.freeze(clock.parse_iso("2026-11-30T02:00:00Z"))
    as_caller(desk, MANAGER)
    november = desk.kpis({"period": "2026-W48", "estate_ids": [ESTATE]})["estates"][ESTATE]["valid_complaint_rate"]
    assert november["target"] == pytest.approx(0.01 * 7 / 30)
    assert "7 of the month's 30 days" in november["note"] and november["note"].startswith("target: below")
    october = desk.kpis({"period": "2026-W44", "estate_ids": [ESTATE]})["estates"][ESTATE]["valid_complaint_rate"]
    assert october["target"] == pytest.approx(0.01 * 7 / 31)  # 26 October to 1 November: October's Thursday
    month = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["valid_complaint_rate"]
    assert month["target"] == 0.01 and "days" not in month["note"]
