"""A lift's annual inspection certificate (年检合格证): its number, the day it is valid until and who
inspected it, on the ledger when the piece is registered and renewed each year; the pieces whose
certificate expires before a day, and those due (expired, or expiring within the estate's warning
days, 30 by default). A piece registered without one is not known, not expired. Plans have a name.
The validity was a custom date with no warning and no filter (found by h5, a probe of a lift's year)."""
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict
from estate_common.testing import as_caller, worker
from maintenance.service import MaintenanceService

from estate_common.testing import event

from .test_service import ESTATE, MANAGER, TECHNICIAN, copied_estate, estate_copy, frozen  # noqa: F401  (today: 2026-11-23)

LIFT = {"code": "LIFT-1", "name": "1号楼客梯", "system": "elevator", "location": "Building 1",
        "certificate": {"number": "TSX-2026-0815", "valid_until": "2026-12-10", "inspected_by": "市特检院"}}
LATER = {"code": "LIFT-2", "name": "2号楼客梯", "system": "elevator", "location": "Building 2",
         "certificate": {"number": "TSX-2026-0901", "valid_until": "2027-03-01", "inspected_by": "市特检院"}}
OLD = {"code": "LIFT-3", "name": "3号楼客梯", "system": "elevator", "location": "Building 3"}


@pytest.fixture
def ledger():
    service = worker(MaintenanceService, caller=TECHNICIAN)
    service.lifts = [service.create_equipment({"estate_id": ESTATE, "data": data}) for data in (LIFT, LATER, OLD)]
    return service


def codes(service, **filters):
    return [piece["code"] for piece in service.list_equipment({"estate_id": ESTATE, "filters": filters})["items"]]


def test_a_piece_keeps_its_certificate_and_one_without_is_not_known(ledger):
    first, _, old = ledger.lifts
    assert first["certificate"] == LIFT["certificate"]
    assert old["certificate"] is None
    shown = ledger.get_equipment({"estate_id": ESTATE, "id": first["id"], "filters": {"records": "none"}})
    assert shown["certificate"]["valid_until"] == "2026-12-10"


def test_the_pieces_whose_certificate_expires_before_a_day_leave_out_those_not_known(ledger):
    assert codes(ledger, certificate_expires_before="2027-01-01") == ["LIFT-1"]
    assert sorted(codes(ledger, certificate_expires_before="2027-06-01")) == ["LIFT-1", "LIFT-2"]
    assert codes(ledger, certificate_expires_before="2026-12-10") == []  # valid on its last day


def test_the_due_list_is_of_the_estates_warning_days(ledger):
    # 17 days left, warned 30 ahead; LIFT-3, a lift with none registered, is on it too (未登记合格证, below)
    assert sorted(codes(ledger, certificate_due="true")) == ["LIFT-1", "LIFT-3"]
    as_caller(ledger, MANAGER)
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 10}})
    assert codes(ledger, certificate_due="true") == ["LIFT-3"]
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 120}})
    assert sorted(codes(ledger, certificate_due="true")) == ["LIFT-1", "LIFT-2", "LIFT-3"]


def test_a_lift_with_no_certificate_registered_is_on_the_due_list(ledger):
    """未登记合格证 (h5 of session 55): a lift registered before certificates existed kept its expiry as a
    custom date, which no one can read as a certificate (no number, no inspector, an estate's own
    field); it showed ``certificate: null``, on no list, and a lift may not run without one. The due
    list (``certificate_due=true``) names the lifts (system ``elevator``) with none registered, to
    record theirs from the paper; other equipment without one is not asked for it, and the list of
    certificates expiring before a day still leaves them out (nothing known expires)."""
    ledger.create_equipment({"estate_id": ESTATE, "data": {"code": "PUMP-1", "name": "生活水泵", "system": "water",
                                                           "location": "B1"}})
    as_caller(ledger, MANAGER)
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 10}})
    assert codes(ledger, certificate_due="true") == ["LIFT-3"]
    assert codes(ledger, certificate_due="true", certificate_expires_before="2027-06-01") == ["LIFT-3"]  # the earlier day
    assert "LIFT-3" not in codes(ledger, certificate_expires_before="2099-01-01")
    as_caller(ledger, TECHNICIAN)
    ledger.set_equipment_certificate({"estate_id": ESTATE, "id": ledger.lifts[2]["id"], "data": {
        "number": "TSX-2026-1120", "valid_until": "2027-11-19", "inspected_by": "市特检院"}})
    assert codes(ledger, certificate_due="true") == []  # registered: off the list until it comes due


def test_a_renewal_valid_until_before_the_current_certificate_is_refused_but_its_own_correction(ledger):
    """A certificate renewed with a ``valid_until`` before the current one's went back in time: the
    lift read as expired (or due) on a typing slip, and the sweep told it (h5 of session 55). A renewal
    (another number) may not end before the certificate it replaces (422 naming ``data.valid_until``);
    the same certificate (its number) corrected is a correction of its day, which may be earlier;
    a piece with none takes any."""
    first = ledger.lifts[0]  # TSX-2026-0815, valid until 2026-12-10
    with pytest.raises(BusinessRuleViolation) as refused:
        ledger.set_equipment_certificate({"estate_id": ESTATE, "id": first["id"], "data": {
            "number": "TSX-2026-1120", "valid_until": "2026-12-01", "inspected_by": "市特检院"}})
    assert refused.value.errors[0]["field"] == "data.valid_until"
    assert "2026-12-10" in refused.value.errors[0]["message"]
    shown = ledger.get_equipment({"estate_id": ESTATE, "id": first["id"], "filters": {"records": "none"}})
    assert shown["certificate"] == LIFT["certificate"]
    corrected = ledger.set_equipment_certificate({"estate_id": ESTATE, "id": first["id"], "data": {
        "number": " TSX-2026-0815 ", "valid_until": "2026-12-08", "inspected_by": "市特检院"}})
    assert corrected["certificate"]["valid_until"] == "2026-12-08"  # its own day corrected
    same_day = ledger.set_equipment_certificate({"estate_id": ESTATE, "id": first["id"], "data": {
        "number": "TSX-2026-1120", "valid_until": "2026-12-08", "inspected_by": "市特检院"}})
    assert same_day["certificate"]["number"] == "TSX-2026-1120"  # the number corrected, the same day


def test_a_certificate_is_renewed_after_the_yearly_inspection(ledger):
    old = ledger.lifts[2]
    renewed = ledger.set_equipment_certificate({"estate_id": ESTATE, "id": old["id"], "data": {
        "number": "TSX-2026-1120", "valid_until": "2027-11-19", "inspected_by": "市特检院"}})
    assert renewed["certificate"]["number"] == "TSX-2026-1120"
    assert sorted(codes(ledger, certificate_expires_before="2027-11-20")) == ["LIFT-1", "LIFT-2", "LIFT-3"]
    with pytest.raises(BusinessRuleViolation):  # an inspection is valid a while, not 2099
        ledger.set_equipment_certificate({"estate_id": ESTATE, "id": old["id"], "data": {
            "number": "X", "valid_until": "2099-01-01", "inspected_by": "市特检院"}})


def test_a_plan_has_a_name(ledger):
    plan = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lifts[0]["id"], "kind": "periodic_maintenance", "every_days": 15,
        "next_due_on": "2026-11-30", "name": "电梯半月保养"}})
    assert plan["name"] == "电梯半月保养"
    unnamed = ledger.create_maintenance_plan({"estate_id": ESTATE, "data": {
        "equipment_id": ledger.lifts[1]["id"], "kind": "periodic_maintenance", "every_days": 15,
        "next_due_on": "2026-11-30"}})
    assert unnamed["name"] is None


def announced(service):
    return [e["data"] for e in service.outbox.of_type("equipment_certificate_due")]


def test_a_certificate_coming_due_is_announced_once_and_again_for_the_next_one(ledger):
    """年检合格证 coming due, told (h5's leftovers: the due list was read, nothing said it): the sweep
    announces each piece whose certificate is due on the estate's calendar (expired, or within its
    ``certificate_warn_days``) once, ``equipment_certificate_due`` in the write that stamps it; run again
    it says nothing; a piece with none known is not announced; a certificate renewed is announced again
    when it comes due in its turn (found by review r5 of h5)."""
    first, later, old = ledger.lifts
    copied_estate(ledger)
    ledger.announce_certificates_coming_due()  # the timer's sweep, on the clock's now
    [due] = announced(ledger)
    assert due == {"id": first["id"], "code": "LIFT-1", "name": "1号楼客梯", "system": "elevator",
                   "location": "Building 1", "certificate": LIFT["certificate"], "expired": False,
                   "due_at": clock.to_iso(clock.now())}
    assert ledger.announce_certificates_due(clock.now()) == 0  # once
    assert "_certificate_due_at" not in ledger.get_equipment({"estate_id": ESTATE, "id": first["id"]})
    ledger.set_equipment_certificate({"estate_id": ESTATE, "id": first["id"], "data": {
        "number": "TSX-2026-1201", "valid_until": "2027-12-01", "inspected_by": "市特检院"}})
    assert ledger.announce_certificates_due(clock.now()) == 0  # renewed early: due no more
    later_day = clock.now() + timedelta(days=100)  # 2027-03-03: LIFT-2's expired two days ago
    assert ledger.announce_certificates_due(later_day) == 1
    assert [(d["code"], d["expired"]) for d in announced(ledger)] == [("LIFT-1", False), ("LIFT-2", True)]
    assert ledger.announce_certificates_due(later_day + timedelta(days=300)) == 1  # the renewed one, in its turn
    assert [d["certificate"]["number"] for d in announced(ledger)][-1] == "TSX-2026-1201"
    assert old["id"] not in {d["id"] for d in announced(ledger)}


def test_the_certificate_sweep_reads_the_estates_calendar_and_warning_days(ledger):
    """Due on the estate's calendar: LIFT-1 (valid until 2026-12-10) is due 30 days ahead from
    2026-11-10 at Kiritimati (UTC+14), which began at 10:00 UTC the day before; with 10 warning days,
    not yet."""
    ledger.copy_estate(event("archive", "estate_created", ESTATE, estate_copy("Pacific/Kiritimati", 1)))
    as_caller(ledger, MANAGER)
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 10}})
    assert ledger.announce_certificates_due(clock.now()) == 0
    ledger.update_settings({"estate_id": ESTATE, "data": {"certificate_warn_days": 30}})
    eve = datetime(2026, 11, 9, 9, 59, tzinfo=timezone.utc)  # 2026-11-09 23:59 at Kiritimati
    assert ledger.announce_certificates_due(eve) == 0
    assert ledger.announce_certificates_due(eve + timedelta(minutes=1)) == 1


def move(service, from_piece, to_piece):
    return service.move_equipment_certificate({"estate_id": ESTATE, "id": from_piece["id"],
                                               "data": {"to_equipment_id": to_piece["id"]}})


def test_a_certificate_recorded_on_the_wrong_lift_is_moved_to_its_own(ledger):
    """A certificate recorded on the wrong lift took two steps to correct, and the second could not be
    made: recorded on the right lift, it stayed on the wrong one, whose own certificate (another number,
    an earlier day) was refused as going back (found by h6). Moved in one step: the right lift has it,
    the wrong one none (a lift then on the due list as 未登记合格证, its own recorded from the paper)."""
    first, later, old = ledger.lifts  # LATER's certificate was meant for LIFT-3
    moved = move(ledger, later, old)
    assert moved["id"] == old["id"] and moved["certificate"] == LATER["certificate"]
    wrong = ledger.get_equipment({"estate_id": ESTATE, "id": later["id"], "filters": {"records": "none"}})
    assert wrong["certificate"] is None
    assert "LIFT-2" in codes(ledger, certificate_due="true")  # a lift with none registered
    with pytest.raises(Conflict):  # the wrong lift has none to move any more (a retry of the move)
        move(ledger, later, old)
    own = ledger.set_equipment_certificate({"estate_id": ESTATE, "id": later["id"], "data": {
        "number": "TSX-2026-0700", "valid_until": "2027-01-15", "inspected_by": "市特检院"}})
    assert own["certificate"]["number"] == "TSX-2026-0700"  # its own, earlier: nothing to go back from


def test_a_certificate_is_moved_to_another_piece_of_the_estate_that_holds_no_later_one(ledger):
    first, later, old = ledger.lifts
    with pytest.raises(BusinessRuleViolation) as refused:  # itself
        move(ledger, first, first)
    assert refused.value.errors[0]["field"] == "data.to_equipment_id"
    with pytest.raises(BusinessRuleViolation) as refused:  # no piece of the estate
        ledger.move_equipment_certificate({"estate_id": ESTATE, "id": first["id"],
                                           "data": {"to_equipment_id": "eq_nowhere"}})
    assert refused.value.errors[0]["field"] == "data.to_equipment_id"
    with pytest.raises(BusinessRuleViolation):  # LIFT-2 holds a later certificate of another number
        move(ledger, first, later)
    shown = ledger.get_equipment({"estate_id": ESTATE, "id": first["id"], "filters": {"records": "none"}})
    assert shown["certificate"] == LIFT["certificate"]  # nothing moved


def test_a_certificate_is_not_moved_to_a_retired_piece(ledger):
    """A certificate moved onto a lift retired (报废 / 停用) by the estate's today was taken: the lift,
    off the due list and the sweep, kept it unseen, and the one it was moved off became 未登记合格证 (the
    old lift picked in place of its replacement). Refused, 422 naming ``data.to_equipment_id``; one
    retired from a day to come still takes it (found by r6 reviewing h6)."""
    first, later, old = ledger.lifts
    as_caller(ledger, MANAGER)
    ledger.retire_equipment({"estate_id": ESTATE, "id": old["id"],
                             "data": {"kind": "scrapped", "on": "2026-11-20", "reason": "老旧报废"}})
    with pytest.raises(BusinessRuleViolation) as refused:
        move(ledger, first, old)
    assert refused.value.errors[0]["field"] == "data.to_equipment_id"
    shown = ledger.get_equipment({"estate_id": ESTATE, "id": first["id"], "filters": {"records": "none"}})
    assert shown["certificate"] == LIFT["certificate"]  # nothing moved
    ledger.retire_equipment({"estate_id": ESTATE, "id": first["id"],
                             "data": {"kind": "decommissioned", "on": "2026-12-20", "reason": "停用，改造"}})
    assert move(ledger, later, first)["certificate"] == LATER["certificate"]  # in use until 20 December


def test_a_move_back_made_while_a_move_is_half_done_leaves_the_certificate_on_one_piece(ledger, monkeypatch):
    """A certificate moved from LIFT-2 to LIFT-3 and, between that move's two writes, moved back (the
    engineer saw it on both and undid it): the move back left it on LIFT-2 and took it off LIFT-3, then
    the first move's second write took it off LIFT-2 as well: on no piece, both lifts 未登记合格证. The
    move stamps the piece it leaves with where it goes, and takes the certificate off it only while that
    stamp stands; a certificate recorded on the piece (the move back's) ends it (found by r6 reviewing h6)."""
    from maintenance import operations, store
    _, later, old = ledger.lifts
    real, writes = store.change, []

    def change(db, outbox, collection, estate_id, doc_id, decide):
        found = real(db, outbox, collection, estate_id, doc_id, decide)
        writes.append(doc_id)
        if collection == "equipment" and doc_id == old["id"] and len(writes) <= 2:  # the move's write onto LIFT-3
            monkeypatch.setattr(operations.store, "change", real)
            move(ledger, old, later)  # moved back meanwhile
        return found
    monkeypatch.setattr(operations.store, "change", change)
    move(ledger, later, old)

    def held(piece):
        return ledger.get_equipment({"estate_id": ESTATE, "id": piece["id"], "filters": {"records": "none"}})["certificate"]
    assert (held(later), held(old)) == (LATER["certificate"], None)  # the move back stands


def test_a_move_cut_off_after_its_write_onto_the_piece_is_finished_by_its_retry(ledger, monkeypatch):
    from maintenance import operations, store
    _, later, old = ledger.lifts
    real = store.change

    def cut_off(db, outbox, collection, estate_id, doc_id, decide):
        found = real(db, outbox, collection, estate_id, doc_id, decide)
        if doc_id == old["id"]:
            raise ConnectionError("the worker died")
        return found
    monkeypatch.setattr(operations.store, "change", cut_off)
    with pytest.raises(ConnectionError):
        move(ledger, later, old)
    monkeypatch.setattr(operations.store, "change", real)

    def held(piece):
        return ledger.get_equipment({"estate_id": ESTATE, "id": piece["id"], "filters": {"records": "none"}})["certificate"]
    assert held(later) == held(old) == LATER["certificate"]  # on both until the retry
    assert move(ledger, later, old)["certificate"] == LATER["certificate"]
    assert (held(later), held(old)) == (None, LATER["certificate"])
