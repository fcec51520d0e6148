"""Claims (estate_common.claims_store): the guard document's insert decides between twins, and
nothing holds a claim for good. On the store the suite runs on (embedded, or MongoDB in CI)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from estate_common import claims_store, clock, store

ESTATE = "est_1"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def claims():
    return store.connect(f"test_claims_{uuid.uuid4().hex[:8]}").claims


def standing_of(states):
    """``standing`` from ``{holder_id: state}``; a holder not named was never written."""
    return lambda holder_id: states.get(holder_id, claims_store.UNWRITTEN)


def claim(claims, holder_id, states=None, now=NOW, **options):
    return claims_store.claim(claims, ESTATE, "c_1", holder_id, now, standing_of(states or {}), **options)


def test_the_first_claim_holds_and_a_twin_is_answered_with_the_holder(claims):
    assert claim(claims, "rec_a") == "rec_a"
    assert claim(claims, "rec_b", {"rec_a": claims_store.STANDS}) == "rec_a"
    assert claims.find_one({"_id": "c_1"})["holder_id"] == "rec_a"


def test_a_retry_of_the_holder_finds_the_claim_its_own(claims):
    """The same Idempotency-Key makes the same record id: the retry finishes what the first began."""
    assert claim(claims, "rec_a") == "rec_a"
    assert claim(claims, "rec_a", now=NOW + timedelta(hours=1)) == "rec_a"


def test_a_holder_that_ended_gives_the_claim_up(claims):
    claim(claims, "rec_a")
    assert claim(claims, "rec_b", {"rec_a": claims_store.ENDED}) == "rec_b"
    assert claims.find_one({"_id": "c_1"})["holder_id"] == "rec_b"


def test_a_claim_whose_record_was_never_written_is_taken_over_a_minute_on_and_not_before(claims):
    """A create that died between the claim and its record: the claim is not held for good."""
    claim(claims, "rec_dead")
    soon = NOW + timedelta(seconds=claims_store.CLAIM_SECONDS - 1)
    assert claim(claims, "rec_b", now=soon) == "rec_dead"
    later = NOW + timedelta(seconds=claims_store.CLAIM_SECONDS + 1)
    assert claim(claims, "rec_b", now=later) == "rec_b"
    assert claims.find_one({"_id": "c_1"})["claimed_at"] == clock.to_iso(later)


def test_a_release_frees_only_the_releasers_claim(claims):
    claim(claims, "rec_a")
    claims_store.release(claims, ESTATE, ["c_1"], "rec_other")
    assert claims.find_one({"_id": "c_1"})["holder_id"] == "rec_a"
    claims_store.release(claims, ESTATE, ["c_1"], "rec_a")
    assert claims.find_one({"_id": "c_1"}) is None
    assert claim(claims, "rec_b") == "rec_b"


def test_a_record_made_before_claims_were_kept_gets_the_claim_it_holds(claims):
    """A standing record without a claim: the claim just taken goes to it, and it is the answer."""
    assert claim(claims, "rec_new", unclaimed=lambda: "rec_old") == "rec_old"
    assert claims.find_one({"_id": "c_1"})["holder_id"] == "rec_old"
    assert claim(claims, "rec_newer", {"rec_old": claims_store.STANDS}) == "rec_old"  # it holds it now


def test_the_holder_field_and_more_fields_are_as_the_caller_names_them(claims):
    assert claim(claims, "plan_a", field="plan_id", fields={"route_id": "r_1", "minute": 1320}) == "plan_a"
    stored = claims.find_one({"_id": "c_1"})
    assert (stored["plan_id"], stored["route_id"], stored["minute"], stored["estate_id"]) == (
        "plan_a", "r_1", 1320, ESTATE)
