"""The fence of the estate's lock of the billing of months (``billing.claim``): what a run holding a grant's fence
claims of a household's item's coverage document, the months as it finds them."""
from finance import billing


def quarter(bill_id, first="2026-11", last="2027-01", **extra):
    return {"_id": bill_id, "household_id": "hh_1", "item": "property_service", "period": first,
            "covers_from": first, "covers_to": last, **extra}


def doc(fence=5, months=None, claims=None):
    return {"_id": "coverage_1", "fence": fence, "months": months or {}, "claims": claims or {}}


def test_a_document_a_later_grant_wrote_is_refused():
    assert billing.claim(doc(fence=6), [quarter("bill_a")], {}, 5) is None


def test_the_months_are_claimed_as_found():
    claimed, taken, left, expected, months, claims, done = billing.claim(
        doc(months={"2026-10": "bill_old"}), [quarter("bill_a")], {"bill_old": {"2026-10"}}, 5)
    assert (claimed, taken, left) == ([quarter("bill_a")], [], [])
    assert expected == {"2026-11": None, "2026-12": None, "2027-01": None}
    assert months == {"2026-11": "bill_a", "2026-12": "bill_a", "2027-01": "bill_a"} and list(claims) == ["bill_a"]


def test_a_month_a_live_bill_or_a_re_billed_one_covers_is_taken_and_a_cancelled_or_unwritten_one_is_free():
    # ``states``: the months the bill standing for each covers (``operations._standing``): a cancelled one's none,
    # a correction's re-bill's its wrong bill's, the developer's re-bill of an owner's bill none of the owner's
    found = {"2026-11": "bill_live", "2026-12": "bill_cancelled", "2027-01": "bill_never"}
    states = {"bill_live": {"2026-11", "2026-12", "2027-01"}, "bill_cancelled": set(),
              "bill_rebilled": {"2026-12", "2027-01"}, "bill_moved": set()}
    assert billing.claim(doc(months=found), [quarter("bill_a")], states, 5)[2] == [quarter("bill_a")]  # partly: left
    later = quarter("bill_b", "2026-12", "2027-01")
    claimed, taken, left, expected, *_ = billing.claim(doc(months=found), [later], states, 5)
    assert (claimed, taken, left, expected) == ([later], [], [], {"2026-12": "bill_cancelled", "2027-01": "bill_never"})
    whole = {"2026-12": "bill_rebilled", "2027-01": "bill_live"}
    assert billing.claim(doc(months=whole), [later], states, 5)[1] == [later]  # every month covered: billed
    moved = {"2026-12": "bill_moved", "2027-01": "bill_moved"}
    assert billing.claim(doc(months=moved), [later], states, 5)[0] == [later]  # its re-bill another payer's: free


def test_the_claims_whose_bills_are_written_are_dropped():
    *_, done = billing.claim(doc(claims={"bill_old": {}}), [quarter("bill_a")], {"bill_old": {"2026-10"}}, 5)
    assert done == ["bill_old"]


def test_a_new_document_is_made_with_its_first_claim_in_it():
    made = doc(fence=0, months={"2026-11": "bill_old"})
    later = quarter("bill_b", "2026-12", "2027-01")
    written, claimed, taken, left = billing.first_claim(made, [quarter("bill_a"), later], 5)
    assert (claimed, taken, left) == ([later], [], [quarter("bill_a")])  # November is the old bill's
    assert written["fence"] == 5 and written["claims"] == {"bill_b": later}
    assert written["months"] == {"2026-11": "bill_old", "2026-12": "bill_b", "2027-01": "bill_b"}
