"""Read copies of archive's master data: newer versions win, redeliveries change nothing."""
import uuid

import pytest

from estate_common import replica, store
from estate_common.errors import BusinessRuleViolation
from estate_common.nameko.outbox import make_event


@pytest.fixture
def db():
    db = store.connect(f"test_replica_{uuid.uuid4().hex[:8]}")
    store.ensure_indexes(db, replica.INDEXES)
    return db


def estate_event(version, name="Green Court", estate_id="est_1"):
    return make_event("archive", "estate_created", estate_id, {
        "id": estate_id, "estate_id": estate_id, "code": "GC-01", "name": name,
        "address": "1 Road", "version": version,
    })


def household_event(version, status="vacant", estate_id="est_1", hh_id="hh_1", area=88.5):
    return make_event("archive", "household_created" if version == 1 else "household_updated", estate_id, {
        "id": hh_id, "estate_id": estate_id, "building": "1", "unit": "2", "room": "301",
        "area_m2": area, "status": status, "version": version,
    })


def test_apply_upserts_a_copy(db):
    replica.apply(db, "estate", estate_event(1))
    assert db.estates.find_one({"_id": "est_1"}) == {
        "_id": "est_1", "estate_id": "est_1", "code": "GC-01", "name": "Green Court",
        "address": "1 Road", "version": 1,
    }
    assert db.estates.count_documents({}) == 1


def test_an_edits_changed_names_are_not_kept_in_the_copy(db):
    edited = household_event(2)
    edited["data"]["changed"] = ["status"]
    replica.apply(db, "household", edited)
    assert "changed" not in db.households.find_one({"_id": "hh_1"})
    assert edited["data"]["changed"] == ["status"]


def test_apply_does_not_change_the_event(db):
    event = estate_event(1)
    replica.apply(db, "estate", event)
    assert event["data"]["id"] == "est_1"


def test_an_older_or_equal_version_changes_nothing(db):
    replica.apply(db, "estate", estate_event(3, name="v3"))
    replica.apply(db, "estate", estate_event(2, name="v2"))
    replica.apply(db, "estate", estate_event(3, name="v3 again"))
    copy = db.estates.find_one({"_id": "est_1"})
    assert (copy["name"], copy["version"]) == ("v3", 3)
    assert db.estates.count_documents({}) == 1


def test_a_newer_version_updates(db):
    replica.apply(db, "household", household_event(1, status="vacant"))
    replica.apply(db, "household", household_event(2, status="occupied"))
    copy = db.households.find_one({"_id": "hh_1"})
    assert (copy["status"], copy["version"]) == ("occupied", 2)
    assert db.households.count_documents({}) == 1


def test_redelivery_of_the_same_event_is_a_no_op(db):
    event = household_event(1)
    replica.apply(db, "household", event)
    before = db.households.find_one({"_id": "hh_1"})
    replica.apply(db, "household", event)
    replica.apply(db, "household", event)
    assert db.households.find_one({"_id": "hh_1"}) == before
    assert db.households.count_documents({}) == 1


def test_out_of_order_delivery_ends_with_the_newest(db):
    for version in (2, 5, 1, 4, 3):
        replica.apply(db, "estate", estate_event(version, name=f"v{version}"))
    copy = db.estates.find_one({"_id": "est_1"})
    assert (copy["name"], copy["version"]) == ("v5", 5)


def test_a_copy_without_version_is_replaced(db):
    db.estates.insert_one({"_id": "est_1", "estate_id": "est_1", "name": "legacy"})
    replica.apply(db, "estate", estate_event(1, name="new"))
    assert db.estates.find_one({"_id": "est_1"})["name"] == "new"


def test_get_is_scoped_by_estate(db):
    replica.apply(db, "household", household_event(1, estate_id="est_1", hh_id="hh_1"))
    replica.apply(db, "household", household_event(1, estate_id="est_2", hh_id="hh_2"))
    assert replica.get(db, "household", "est_1", "hh_1")["room"] == "301"
    assert replica.get(db, "household", "est_1", "hh_2") is None
    assert replica.get(db, "household", "est_2", "hh_1") is None
    assert replica.get(db, "household", "est_1", "hh_missing") is None
    replica.apply(db, "estate", estate_event(1, estate_id="est_1"))
    assert replica.get(db, "estate", "est_1", "est_1")["code"] == "GC-01"
    assert replica.get(db, "estate", "est_2", "est_1") is None


def estate_edit(version, timezone, estate_id="est_1"):
    return make_event("archive", "estate_updated", estate_id, {
        "id": estate_id, "estate_id": estate_id, "code": "GC-01", "name": "Green Court",
        "address": "1 Road", "timezone": timezone, "version": version,
    })


def test_an_estate_edit_moves_the_copys_timezone_and_an_older_event_does_not_undo_it(db):
    replica.apply(db, "estate", estate_event(1))
    replica.apply(db, "estate", estate_edit(2, "Europe/Berlin"))
    replica.apply(db, "estate", estate_event(1))  # the create, redelivered late
    copy = replica.get(db, "estate", "est_1", "est_1")
    assert (copy["timezone"], copy["version"]) == ("Europe/Berlin", 2)


def test_an_edit_that_arrives_before_the_create_makes_the_copy(db):
    replica.apply(db, "estate", estate_edit(3, "America/New_York"))
    replica.apply(db, "estate", estate_edit(2, "Europe/Berlin"))
    replica.apply(db, "estate", estate_event(1))
    copy = replica.get(db, "estate", "est_1", "est_1")
    assert (copy["timezone"], copy["version"]) == ("America/New_York", 3)


def test_the_timezone_of_an_estate_without_a_copy_is_the_default(db):
    assert replica.estate_timezone(db, "est_1") == "Asia/Shanghai"
    replica.apply(db, "estate", estate_event(1))  # an estate_created from before timezones
    assert replica.estate_timezone(db, "est_1") == "Asia/Shanghai"
    replica.apply(db, "estate", estate_edit(2, "Europe/Berlin"))
    assert replica.estate_timezone(db, "est_1") == "Europe/Berlin"


def test_household_edits_arriving_out_of_order_leave_the_newest_copy(db):
    replica.apply(db, "household", household_event(3, status="occupied", area=91.5))
    replica.apply(db, "household", household_event(1))
    replica.apply(db, "household", household_event(2, status="renovating", area=90.0))
    copy = db.households.find_one({"_id": "hh_1"})
    assert (copy["status"], copy["area_m2"], copy["version"]) == ("occupied", 91.5, 3)


def test_a_public_estate_code_resolves_through_the_copies(db):
    replica.apply(db, "estate", estate_event(1))
    assert replica.estate_id_by_code(db, "GC-01") == "est_1"
    assert replica.estate_id_by_code(db, "gc-01") == "est_1"  # codes are upper-cased by archive: any case reads
    assert replica.estate_id_by_code(db, "GC-02") is None and replica.estate_id_by_code(db, {"$ne": 1}) is None


def test_a_restated_copy_fills_what_a_copy_of_its_version_lacks_and_never_goes_back(db):
    """Sent again on request (archive's restatements): a copy made before events carried
    ``created_at`` gets it at the same version; an older restatement changes nothing."""
    replica.apply(db, "household", household_event(2, status="occupied"))
    restated = dict(household_event(2, status="occupied")["data"], created_at="2026-10-01T02:00:00.000Z")
    replica.restate(db, "household", restated)
    assert db.households.find_one({"_id": "hh_1"})["created_at"] == "2026-10-01T02:00:00.000Z"
    replica.restate(db, "household", dict(household_event(1, status="vacant")["data"]))
    copy = db.households.find_one({"_id": "hh_1"})
    assert (copy["status"], copy["version"]) == ("occupied", 2)
    replica.restate(db, "estate", estate_event(1)["data"])  # a copy lost altogether is written
    assert db.estates.find_one({"_id": "est_1"})["version"] == 1


def test_a_household_is_named_by_its_flat_and_one_without_a_copy_by_its_id(db):
    """How a note a person reads names a household (a corrected repair's: "hh_… → hh_…" named
    nothing anyone can look up)."""
    replica.apply(db, "household", household_event(1))
    replica.apply(db, "household", household_event(1, estate_id="est_2", hh_id="hh_9"))
    assert replica.flats(db, "est_1", ["hh_1", "hh_2", "hh_1", None, "hh_9"]) == {
        "hh_1": "1-2-301", "hh_2": "hh_2", "hh_9": "hh_9"}  # another estate's copy is not this estate's
    assert replica.flat(None) is None and replica.flat({"building": "1", "unit": "", "room": "301"}) is None


@pytest.mark.parametrize("estate, earliest", [
    ({"created_at": "2026-03-09T02:00:00.000Z"}, "2016-03"),                           # 10:00 on 9 March in Shanghai
    ({"created_at": "2026-02-28T17:00:00.000Z"}, "2016-03"),                           # 1 March 01:00 in Shanghai
    ({"created_at": "2026-02-28T17:00:00.000Z", "timezone": "Europe/Berlin"}, "2016-02"),  # 28 February in Berlin
    ({"created_at": "1955-06-01T00:00:00.000Z"}, "1950-01"),                           # not before plausible.FLOOR
    ({"code": "GC-01"}, "1950-01"),                                                    # a copy without a registration
    (None, "1950-01"),                                                                 # no copy yet
])
def test_the_earliest_month_of_an_estates_records_is_its_registration_less_the_reach(estate, earliest):
    assert replica.RECORDS_REACH_MONTHS == 120
    assert replica.earliest_of_records(estate) == earliest


def test_a_period_report_that_ended_before_the_estates_records_can_begin_is_refused():
    """A report of 1900 answered zeros at every service but finance: one rule, one sentence."""
    estate = {"created_at": "2026-03-09T02:00:00.000Z"}
    for period in ("1900", "1900-01", "2016-02", "2015-Q4", "2015", "2016-W05"):  # 2016-W05 ends on 7 February
        with pytest.raises(BusinessRuleViolation) as refused:
            replica.refuse_before_records(estate, period, "filters.x")
        assert refused.value.errors == [{"field": "filters.x",
                                         "message": "is before 2016-03, the earliest month of the estate's records"}]
        assert refused.value.detail == ("a period before 2016-03 has nothing to report: the estate was registered on "
                                        "2026-03-09, and its records reach back 120 months before that at most")
    for period in ("2016-03", "2016-Q1", "2016", "2016-W09", "2026-11"):  # 2016-W09 ends on 6 March
        assert replica.refuse_before_records(estate, period) is None
    with pytest.raises(BusinessRuleViolation) as refused:
        replica.refuse_before_records(None, "1949-12")
    assert refused.value.detail == "a period before 1950-01 has nothing to report: no estate's records are older"
    assert refused.value.errors[0]["field"] == "filters.period"
    assert replica.refuse_before_records(None, "1950") is None
