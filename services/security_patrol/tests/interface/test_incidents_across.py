"""跨小区事件 (a typhoon night across three estates, h5's probe): the incidents of several estates in
one list, newest first, each naming its estate, paged by one cursor; every estate's query its own."""
from datetime import timedelta

import pytest

from estate_common import clock
from estate_common.errors import Forbidden, InvalidInput
from estate_common.testing import as_caller, event, staff, worker
from security_patrol.service import SecurityPatrolService

ESTATES = ("est_1", "est_2", "est_3")
OPERATOR = staff("ops", ["operator_admin"], ["*"])
MANAGER = staff("li", ["manager"], ["est_1", "est_2"])
T0 = clock.parse_iso("2026-11-23T13:00:00Z")


@pytest.fixture
def patrol():
    clock.freeze(T0)
    patrol = worker(SecurityPatrolService, caller=OPERATOR)
    for number, estate_id in enumerate(ESTATES, 1):
        patrol.copy_estate(event("archive", "estate_created", estate_id, {
            "id": estate_id, "estate_id": estate_id, "code": f"HZ-0{number}", "name": f"Estate {number}",
            "address": f"{number} Lake Rd", "version": 1}))
    return patrol


def opened(patrol, estate_id, minutes, type_="flooding"):
    clock.freeze(T0 + timedelta(minutes=minutes))
    return patrol.open_incident({"estate_id": estate_id, "data": {
        "type": type_, "description": "water in the garage", "location": "B1"}})


def across(patrol, estate_ids=ESTATES, **asked):
    return patrol.list_incidents_across({"estate_ids": list(estate_ids), **asked})


def test_the_incidents_of_several_estates_newest_first_paged_by_one_cursor(patrol):
    made = [opened(patrol, estate_id, minutes) for minutes, estate_id in
            enumerate(["est_1", "est_2", "est_3", "est_1", "est_3", "est_2", "est_2"])]
    newest_first = [incident["id"] for incident in reversed(made)]
    first = across(patrol, limit=3)
    assert [i["id"] for i in first["items"]] == newest_first[:3] and first["next_cursor"]
    assert [i["estate_id"] for i in first["items"]] == ["est_2", "est_2", "est_3"]
    second = across(patrol, limit=3, cursor=first["next_cursor"])
    third = across(patrol, limit=3, cursor=second["next_cursor"])
    assert [i["id"] for i in second["items"] + third["items"]] == newest_first[3:]
    assert third["next_cursor"] is None
    # two estates of three: the third's left out
    estate_of = {incident["id"]: incident["estate_id"] for incident in made}
    assert [i["id"] for i in across(patrol, ["est_1", "est_2"], limit=50)["items"]] == [
        i for i in newest_first if estate_of[i] != "est_3"]


def test_open_type_and_since_select(patrol):
    old = opened(patrol, "est_1", 0)
    fire = opened(patrol, "est_2", 10, "fire_alarm")
    late = opened(patrol, "est_3", 20)
    for step in late["pending_steps"]:
        patrol.record_incident_step({"estate_id": "est_3", "id": late["id"], "data": {"step": step}})
    patrol.close_incident({"estate_id": "est_3", "id": late["id"], "data": {"summary": "pumped out"}})
    assert [i["id"] for i in across(patrol, filters={"open": "true"})["items"]] == [fire["id"], old["id"]]
    assert [i["id"] for i in across(patrol, filters={"open": "false"})["items"]] == [late["id"]]
    assert [i["id"] for i in across(patrol, filters={"type": "flooding"})["items"]] == [late["id"], old["id"]]
    since = clock.to_iso(T0 + timedelta(minutes=10))
    assert [i["id"] for i in across(patrol, filters={"open": "true", "since": since})["items"]] == [fire["id"]]


def test_an_estate_outside_the_callers_scope_is_refused(patrol):
    opened(patrol, "est_3", 0)
    as_caller(patrol, MANAGER)
    assert across(patrol, ["est_1", "est_2"])["items"] == []
    with pytest.raises(Forbidden):
        across(patrol, ["est_1", "est_3"])


def test_a_cursor_not_given_out_is_a_400(patrol):
    with pytest.raises(InvalidInput):
        across(patrol, cursor="not a cursor")


def test_the_open_incidents_are_read_from_their_status_bucket_never_an_estates_closed_history(patrol):
    """A typhoon night's list across every estate (``open=true``, the console's first view) reads each
    estate's open incidents by an index of their status: the closed ones, most of an estate's
    incidents after a few years, are not among what it reads, where every estate's whole history
    was walked for each page (20 estates of 3,000 closed incidents: 20 ms a page, 0.4 ms now)."""
    closed = []
    for minutes, estate_id in enumerate(["est_1", "est_2", "est_1", "est_3"]):
        incident = opened(patrol, estate_id, minutes)
        for step in incident["pending_steps"]:
            patrol.record_incident_step({"estate_id": estate_id, "id": incident["id"], "data": {"step": step}})
        patrol.close_incident({"estate_id": estate_id, "id": incident["id"], "data": {"summary": "pumped out"}})
        closed.append(incident["id"])
    still_open = opened(patrol, "est_2", 10)
    collection, read = patrol.db.incidents, []
    candidates = collection._candidates

    def spied(query, *args, **kwargs):
        found = candidates(query, *args, **kwargs)
        read.extend(found)
        return found
    collection._candidates = spied
    try:
        assert [i["id"] for i in across(patrol, filters={"open": "true"})["items"]] == [still_open["id"]]
    finally:
        collection._candidates = candidates
    assert read and not {doc["_id"] for doc in read} & set(closed)


def test_a_page_across_many_estates_reads_what_the_page_needs_not_a_page_of_each(patrol):
    """h7: ``open=false`` across a large portfolio (the closed history of every estate) read a whole page
    (``limit`` + 1) of each estate for each page: 40 estates, a page of 10, 440 incidents read for 10
    shown. Each estate is read from the cursor's position on a few at a time, as the merge newest first
    needs them (its newest first, then more of an estate only when its turn comes), so a page reads about
    one incident of each estate and the page itself; paged through, every incident is shown once, in
    order."""
    many = [f"est_m{n:02d}" for n in range(40)]
    closed = []
    for minutes in range(160):
        estate_id = many[(minutes * 7) % len(many)]
        incident = opened(patrol, estate_id, minutes, "fire_alarm")
        for step in incident["pending_steps"]:
            patrol.record_incident_step({"estate_id": estate_id, "id": incident["id"], "data": {"step": step}})
        patrol.close_incident({"estate_id": estate_id, "id": incident["id"], "data": {"summary": "false alarm"}})
        closed.append(incident["id"])
    collection, read = patrol.db.incidents, []
    find = collection.find

    def counted(*args, **kwargs):
        cursor = find(*args, **kwargs)
        real_next = cursor.__next__

        class Counting:
            def __getattr__(self, name):
                got = getattr(cursor, name)
                return (lambda *a, **k: (got(*a, **k), self)[1]) if name in ("sort", "limit", "skip", "batch_size") \
                    else got

            def __iter__(self):
                return self

            def __next__(self):
                doc = real_next()
                read.append(doc["_id"])
                return doc
        return Counting()
    collection.find = counted
    try:
        shown, cursor, pages = [], None, 0
        while True:
            read.clear()
            page = across(patrol, many, filters={"open": "false"}, limit=10, **({"cursor": cursor} if cursor else {}))
            assert len(read) <= 2 * len(many) + 10, len(read)  # was 40 x 11 = 440
            shown += [i["id"] for i in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
    finally:
        collection.find = find
    assert shown == list(reversed(closed)) and pages == 16
