"""One rule for every state machine: an action its state does not allow is a 409."""
import pytest

from estate_common.errors import Conflict
from estate_common.transitions import next_status

TABLE = {"open": {"lend": "lent"}, "lent": {"return": "in_custody"}, "in_custody": {}}


def test_an_allowed_action_gives_the_next_status():
    assert next_status(TABLE, "open", "lend", "a key") == "lent"
    assert next_status(TABLE, "lent", "return", "a key") == "in_custody"


@pytest.mark.parametrize("status, action", [("open", "return"), ("in_custody", "lend"), ("lost", "lend")])
def test_an_action_the_state_forbids_is_a_conflict_that_says_why(status, action):
    with pytest.raises(Conflict) as refused:
        next_status(TABLE, status, action, "a key")
    assert refused.value.detail == f"a key whose status is '{status.replace('_', ' ')}' does not allow '{action}'"
