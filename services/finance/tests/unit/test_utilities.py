"""Prepaid utilities (水电充值) without broker or store: balance, overdraft, low-balance notice."""
from datetime import datetime, timezone

import pytest

from estate_common.errors import BusinessRuleViolation
from finance import utilities
from finance.rules import DEFAULTS

RULES = {**DEFAULTS, "timezone": "Asia/Shanghai", "utility_low_balance_cents": 2000}
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def account(balance=0, noticed=False):
    return utilities.new_account("est_1", "hh_1", "water", NOW) | {"balance_cents": balance, "low_noticed": noticed}


def move(kind, cents, move_id="m1"):
    data = {"household_id": "hh_1", "utility": "water", "amount_cents": cents, "method": "cash"}
    if kind == "top_up":
        return utilities.top_up(move_id, "est_1", data, "RC-2026-000001", NOW, RULES, "wang")
    return utilities.usage(move_id, "est_1", data, NOW, RULES, "acc")


def notices(change):
    return [e for e in change.events]


@pytest.mark.parametrize("start, noticed, kind, cents, after, notice, noticed_after", [
    (5000, False, "usage", 2000, 3000, False, False),
    (5000, False, "usage", 3001, 1999, True, True),     # below the threshold: noticed
    (1500, True, "usage", 500, 1000, False, True),      # noticed already
    (1000, True, "top_up", 500, 1500, False, True),     # a top-up that does not lift it keeps the notice
    (1000, True, "top_up", 1000, 2000, False, False),   # lifted to the threshold: a new notice may come
    (2500, False, "usage", 2500, 0, True, True),        # zero is allowed
])
def test_the_balance_and_the_low_balance_notice(start, noticed, kind, cents, after, notice, noticed_after):
    change = utilities.account_change(account(start, noticed), move(kind, cents), RULES, lambda data: data)
    assert change.set["balance_cents"] == after and change.set["low_noticed"] is noticed_after
    assert bool(change.events) is notice
    if notice:
        assert change.events[0]["balance_cents"] == after and change.events[0]["threshold_cents"] == 2000


def test_a_usage_may_not_take_the_balance_below_the_overdraft():
    with pytest.raises(BusinessRuleViolation):
        utilities.account_change(account(100), move("usage", 101), RULES, lambda data: data)
    allowed = utilities.account_change(account(100), move("usage", 600), RULES | {"utility_overdraft_cents": 500},
                                       lambda data: data)
    assert allowed.set["balance_cents"] == -500


def test_a_move_is_applied_to_its_account_once_and_remembers_the_balance_it_left():
    first = account(1000)
    change = utilities.account_change(first, move("top_up", 700), RULES, lambda data: data)
    written = first | change.set
    assert utilities.applied(written, move("top_up", 700)) == 1700
    assert utilities.account_change(written, move("top_up", 700), RULES, lambda data: data) is None
    assert utilities.posting(move("top_up", 700), 1700)["receipt"]["balance_after_cents"] == 1700
