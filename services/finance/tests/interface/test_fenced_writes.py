"""Finance's own updates under a lock, outside the one write path (``estate_common.writes``): the
superseded standards an approval ends, the cashier's days an entry or a settlement marks, a seller's
hold's marks. They checked nothing of the lock they were written under: a writer stalled past its lock
wrote them after the next holder had (found by h5). Each is fenced now
(``leases_store.update_fenced``): the holder paused after its check, while another took the lock over
and wrote the same document, writes nothing (409). No one sleeps: the clock is moved."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import clock, leases_store
from estate_common import store as common_store
from estate_common.errors import Conflict
from estate_common.testing import stalled_after_the_check
from finance import store

ESTATE = "est_1"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
SECONDS = 10


@pytest.fixture
def db():
    clock.freeze(NOW)
    yield common_store.connect(f"test_fenced_{uuid.uuid4().hex[:8]}")
    clock.reset()


def day_lock(db):
    def take():
        return leases_store.wait_for(lambda now, until: store.lock_journal_day(db, ESTATE, "wang", "2026-12-07", now,
                                                                                 until),
                                     SECONDS, leases_store.deadline(0))
    return take


def taken_over(db, take, write):
    """Another call, once the stalled holder's lock ran out: takes it over and ``write()``s under it."""
    def other():
        clock.advance(timedelta(seconds=SECONDS + 1))
        with store.held(db, take(), SECONDS):
            write()
    return other


def day_doc(db):
    return db.journal_days.find_one({"estate_id": ESTATE, "cashier": "wang"})


def test_a_day_marked_by_a_writer_stalled_past_its_lock_after_the_next_holder_marked_it_is_refused(db, monkeypatch):
    take = day_lock(db)
    with store.held(db, take(), SECONDS):
        store.mark_journal_day(db, ESTATE, "wang", "2026-12-07")
        stalls = stalled_after_the_check(monkeypatch, taken_over(
            db, take, lambda: store.mark_journal_day(db, ESTATE, "wang", "2026-12-07", settled=True)))
        with pytest.raises(Conflict) as refused:
            store.mark_journal_day_covered(db, ESTATE, "wang", "2026-12-07")
    assert stalls and refused.value.detail == leases_store.LOST
    assert (day_doc(db)["settled"], day_doc(db)["covered"]) == (True, False)


def test_a_day_first_marked_by_the_next_holder_refuses_the_stalled_holder_s_upsert(db, monkeypatch):
    take = day_lock(db)
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(
            db, take, lambda: store.mark_journal_day(db, ESTATE, "wang", "2026-12-07", settled=True)))
        with pytest.raises(Conflict):
            store.mark_journal_day(db, ESTATE, "wang", "2026-12-07")
    assert day_doc(db)["settled"] is True and "covered" not in day_doc(db)  # the stalled mark's covered: False


def test_a_day_marked_under_its_lock_kept_by_its_holder_is_written(db):
    take = day_lock(db)
    with store.held(db, take(), SECONDS):
        store.mark_journal_day(db, ESTATE, "wang", "2026-12-07")
        store.mark_journal_day_covered(db, ESTATE, "wang", "2026-12-07")
    with store.held(db, take(), SECONDS):  # the next holder, after it
        store.mark_journal_day(db, ESTATE, "wang", "2026-12-07", settled=True)
    assert (day_doc(db)["settled"], day_doc(db)["covered"]) == (True, True)
    store.mark_journal_day_covered(db, ESTATE, "wang", "2026-12-08")  # no such day, no lock: nothing to do


def test_superseded_standards_ended_by_an_approval_stalled_past_the_item_s_lock_are_refused(db, monkeypatch):
    db.fee_standards.insert_one({"_id": "std_old", "estate_id": ESTATE, "item": "property_fee", "status": "approved"})

    def take():
        return leases_store.wait_for(lambda now, until: store.lock_fee_item(db, ESTATE, "property_fee", now, until),
                                     SECONDS, leases_store.deadline(0))
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(
            db, take, lambda: store._end_superseded(db, ESTATE, "std_next", [["std_old", {"valid_to": "2026-12-31"}]])))
        with pytest.raises(Conflict):
            store._end_superseded(db, ESTATE, "std_new", [["std_old", {"valid_to": "2026-11-30"}]])
    assert db.fee_standards.find_one({"_id": "std_old"})["valid_to"] == "2026-12-31"


def test_a_seller_s_hold_marked_by_a_writer_stalled_past_the_household_s_lock_is_refused(db, monkeypatch):
    db.seller_prepaid.insert_one({"_id": "hold_1", "estate_id": ESTATE, store.HOLD_BEING_MADE: True})

    def take():
        return leases_store.wait_for(lambda now, until: store.lock_household(db, ESTATE, "hh_1", now, until),
                                     SECONDS, leases_store.deadline(0))

    def grown_again():  # the next holder marks it being made again (another addition), then grows it
        db.seller_prepaid.update_one({"_id": "hold_1"}, {"$set": {store.HOLD_BEING_MADE: True}})
        store.hold_grown(db, ESTATE, "hold_1")
        db.seller_prepaid.update_one({"_id": "hold_1"}, {"$set": {store.HOLD_BEING_MADE: True}})
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(db, take, grown_again))
        with pytest.raises(Conflict):
            store.hold_made(db, ESTATE, "hold_1")
    assert db.seller_prepaid.find_one({"_id": "hold_1"})[store.HOLD_BEING_MADE] is True


def test_a_day_marked_by_an_entry_under_a_household_s_lock_keeps_no_fence_of_it(db):
    """A cashier's day is the day's lock's to fence: each household's entry marked it under its own lock,
    which left one fence a household on it."""
    lock = leases_store.wait_for(lambda now, until: store.lock_household(db, ESTATE, "hh_1", now, until), SECONDS,
                                 leases_store.deadline(0))
    with store.held(db, lock, SECONDS):
        store.mark_journal_day(db, ESTATE, "wang", "2026-12-07")
    assert day_doc(db)["settled"] is False and "_fences" not in day_doc(db)


def test_an_upload_stalled_past_the_statement_s_lock_deletes_and_overwrites_none_of_the_next_upload_s_lines(
        db, monkeypatch):
    """The upload checked its lock before its first write only: paused after it, while the next upload of the
    month replaced the lines, it deleted the next upload's lines and wrote its own over them."""
    def take():
        return leases_store.wait_for(lambda now, until: store.lock_bank_statement(db, ESTATE, "2026-11", now, until),
                                     SECONDS, leases_store.deadline(0))

    def line(line_id, amount):
        return {"_id": line_id, "line": 1, "amount_cents": amount}
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(
            db, take, lambda: store.replace_statement(db, ESTATE, "2026-11", [line("bsl_b", 200)])))
        with pytest.raises(Conflict):  # its delete fenced off the next upload's line; its line's check: lost
            store.replace_statement(db, ESTATE, "2026-11", [line("bsl_a", 100)])
    assert [(l["_id"], l["amount_cents"]) for l in store.statement_lines(db, ESTATE, "2026-11")] == [("bsl_b", 200)]


def test_a_line_written_by_an_upload_stalled_past_the_statement_s_lock_over_the_next_upload_s_is_refused(
        db, monkeypatch):
    def take():
        return leases_store.wait_for(lambda now, until: store.lock_bank_statement(db, ESTATE, "2026-11", now, until),
                                     SECONDS, leases_store.deadline(0))
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(
            db, take, lambda: store.set_statement_line(db, ESTATE, "bsl_b", {"explained": "next"})))
        db.bank_statement_lines.insert_one({"_id": "bsl_b", "estate_id": ESTATE, "period": "2026-11", "line": 1})
        with pytest.raises(Conflict):
            store.set_statement_line(db, ESTATE, "bsl_b", {"explained": "stalled"})
    assert store.statement_lines(db, ESTATE, "2026-11")[0]["explained"] == "next"


def test_a_mark_of_money_in_use_taken_away_by_a_writer_stalled_past_the_household_s_lock_is_refused(db, monkeypatch):
    """The mark that money of a payment is on its way to a bill (what a crash leaves for the sweep to finish):
    a writer stalled past the household's lock took away the next holder's mark, its use then unfinished
    unseen after a crash."""
    db.payments.insert_one({"_id": "pay_1", "estate_id": ESTATE, "_rev": 0, store.PREPAID_IN_USE: "2026-12-07"})

    def take():
        return leases_store.wait_for(lambda now, until: store.lock_household(db, ESTATE, "hh_1", now, until),
                                     SECONDS, leases_store.deadline(0))

    def used_again():  # the next holder's own use of the payment's money: marked anew
        store.prepaid_use_done(db, ESTATE, "pay_1")
        leases_store.update_fenced(db.payments, {"_id": "pay_1", "estate_id": ESTATE},
                                   {"$set": {store.PREPAID_IN_USE: clock.now_iso()}})
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(db, take, used_again))
        with pytest.raises(Conflict):
            store.prepaid_use_done(db, ESTATE, "pay_1")
    assert db.payments.find_one({"_id": "pay_1"})[store.PREPAID_IN_USE] == clock.now_iso()


def household_lock(db):
    def take():
        return leases_store.wait_for(lambda now, until: store.lock_household(db, ESTATE, "hh_1", now, until),
                                     SECONDS, leases_store.deadline(0))
    return take


DROPS = [  # a call's own pending document, taken away when refused before anything of it moved
    ("revenue_receipts", {"status": "pending"}, store.drop_unconfirmed_revenue_receipt),
    ("exit_settlements", {"status": "pending"}, store.drop_unmoved_exit_settlement),
    ("pass_through_remittances", {"status": "pending"}, store.drop_untaken_remittance),
]


@pytest.mark.parametrize("collection, fields, drop", DROPS, ids=[name for name, _, _ in DROPS])
def test_a_pending_document_the_next_holder_wrote_is_not_taken_away_by_a_writer_stalled_past_its_lock(
        db, monkeypatch, collection, fields, drop):
    """The drops of a call's own pending document (a receipt, an exit's settlement, a remittance refused
    before anything of it moved) checked nothing of the lock: a writer stalled past it deleted the document
    the next holder (its retry) had written meanwhile, still pending (found by h5, fenced by r5 reviewing
    h5). Refused (409), the next holder's document kept; one no later holder wrote is taken away."""
    db[collection].insert_one({"_id": "doc_1", "estate_id": ESTATE, **fields})
    db[collection].insert_one({"_id": "doc_2", "estate_id": ESTATE, **fields})
    take = household_lock(db)
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(db, take, lambda: leases_store.update_fenced(
            db[collection], {"_id": "doc_1", "estate_id": ESTATE}, {"$set": {"note": "the next holder's"}})))
        with pytest.raises(Conflict):
            drop(db, ESTATE, "doc_1")
    assert db[collection].find_one({"_id": "doc_1"})["note"] == "the next holder's"
    with store.held(db, take(), SECONDS):
        drop(db, ESTATE, "doc_2")
    assert db[collection].find_one({"_id": "doc_2"}) is None


def test_an_approval_of_a_fund_use_stalled_past_its_lock_marks_nothing_the_next_holder_wrote(db, monkeypatch):
    """An approval's mark (``begin_fund_approval``, before the money is taken) under the building's lock of
    shared uses: a writer stalled past it marked the use after the next holder had written it (found by h5):
    refused (409), no mark of it left."""
    db.fund_entries.insert_one({"_id": "mfu_1", "estate_id": ESTATE, "status": "requested"})

    def take():
        return leases_store.wait_for(lambda now, until: store.lock_shared_uses(db, ESTATE, "3", now, until),
                                     SECONDS, leases_store.deadline(0))
    with store.held(db, take(), SECONDS):
        stalled_after_the_check(monkeypatch, taken_over(db, take, lambda: leases_store.update_fenced(
            db.fund_entries, {"_id": "mfu_1", "estate_id": ESTATE}, {"$set": {"note": "the next holder's"}})))
        with pytest.raises(Conflict):
            store.begin_fund_approval(db, ESTATE, "mfu_1", "2026-12-07T09:00:00.000Z appr_1")
    assert store.APPROVING not in db.fund_entries.find_one({"_id": "mfu_1"})
    with store.held(db, take(), SECONDS):
        assert store.begin_fund_approval(db, ESTATE, "mfu_1", "2026-12-07T09:00:11.000Z appr_2")
