"""The contractor's month (upkeep.score), without broker or store: the points, the score, the
deduction from the fee in cents half up, capped; the estate's own numbers."""
from customer_service import upkeep
from customer_service.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai"}
NOW = "2026-12-01T02:00:00.000Z"


def contractor(fee):
    return {"_id": "ctr_1", "name": "洁美保洁", "service_line": "cleaning", "monthly_fee_cents": fee}


def finding(status="open", late=None, due_at="2026-11-03T01:00:00.000Z"):
    return {"status": status, "late": late, "due_at": due_at}


def test_a_clean_month_keeps_the_whole_fee_and_shows_no_on_time_share():
    month = upkeep.score(contractor(3_000_000), "2026-11", [], NOW, RULES)
    assert (month["score"], month["deduction_cents"], month["payable_cents"]) == (100, 0, 3_000_000)
    assert month["on_time"] == {"numerator": 0, "denominator": 0, "value": None}


def test_a_half_cent_is_rounded_up_and_a_pending_finding_counts_its_point_only():
    # 11 findings put right late: 11 x 3 = 33 points -> 67; 23 points short of 90 -> 20 % (capped)
    late = [finding("put_right", True) for _ in range(11)]
    assert upkeep.score(contractor(1_000), "2026-11", late, NOW, RULES)["deduction_cents"] == 200
    # 90 - 89 = 1 point short: 1 % of 50 cents is 0.5 cent -> 1 (half up)
    rules = {**RULES, "upkeep_points_per_finding": 11}
    month = upkeep.score(contractor(50), "2026-11", [finding(due_at="2026-12-02T00:00:00.000Z")], NOW, rules)
    assert (month["counts"]["pending"], month["score"], month["deduction_cents"]) == (1, 89, 1)


def test_the_estate_sets_its_own_rule():
    rules = {**RULES, "upkeep_pass_score": 100, "upkeep_deduction_percent_per_point": 2,
             "upkeep_deduction_cap_percent": 100, "upkeep_points_unfixed": 0}
    month = upkeep.score(contractor(100_001), "2026-11", [finding(), finding("put_right", False)], NOW, rules)
    # 2 points (one a finding) -> 98; 2 short x 2 % = 4 % of 100,001 = 4,000.04 -> 4,000
    assert (month["score"], month["deduction_percent"], month["deduction_cents"]) == (98, "4", 4_000)


def test_the_deduction_percent_reads_as_a_plain_number_at_the_cap_and_at_tens():
    # found by r6 reviewing h6: Decimal(20).normalize() is 2E+1, the text the month showed at the cap
    capped = upkeep.score(contractor(1_000_000), "2026-11", [finding() for _ in range(10)], NOW, RULES)
    assert (capped["score"], capped["deduction_percent"], capped["deduction_cents"]) == (40, "20", 200_000)
    rules = {**RULES, "upkeep_points_per_finding": 20, "upkeep_points_unfixed": 0}
    ten = upkeep.score(contractor(1_000), "2026-11", [finding("put_right", False)], NOW, rules)
    assert (ten["score"], ten["deduction_percent"], ten["deduction_cents"]) == (80, "10", 100)
