"""customer-service rules, without broker or store."""
from datetime import datetime, timezone

import pytest

from customer_service import domain
from customer_service.rules import DEFAULTS
from estate_common.errors import Conflict
from estate_common.settings import effective
from estate_common.testing import event

CREATED = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("kind, due", [
    ("complaint", "2026-11-30T08:30:00.000Z"),     # 7 days to reply
    ("repair", "2026-11-24T08:30:00.000Z"),        # 24 h response
    ("consultation", "2026-11-24T08:30:00.000Z"),
    ("suggestion", "2026-11-30T08:30:00.000Z"),
    ("praise", None),
])
def test_due_times_follow_the_domain_defaults(kind, due):
    assert domain.due_at(kind, CREATED, DEFAULTS) == due


def test_an_estate_can_shorten_the_complaint_deadline():
    rules = effective(DEFAULTS, {"complaint_reply_days": 3, "unknown_setting": 1})
    assert domain.due_at("complaint", CREATED, rules) == "2026-11-26T08:30:00.000Z"
    assert "unknown_setting" not in rules


def test_numbers_are_per_year_and_zero_padded():
    assert domain.request_number(CREATED, 42) == "SR-2026-000042"
    assert domain.number_series(CREATED) == "service_request:2026"


def test_a_new_request_is_open_with_its_registration_in_the_history():
    request = domain.new_request("sr_1", "est_1", {"kind": "complaint", "household_id": "hh_1", "channel": "walk_in",
                                                    "description": "  noise at night  "},
                                 "SR-2026-000001", CREATED, DEFAULTS, "zhang")
    assert request["status"] == "open" and request["description"] == "noise at night"
    assert request["history"] == [{"at": "2026-11-23T08:30:00.000Z", "by": "zhang", "action": "registered",
                                   "note": "via walk_in", "event_id": None}]


def test_every_status_has_its_row_in_the_transition_table():
    statuses = set(domain.TRANSITIONS)
    assert all(target in statuses for row in domain.TRANSITIONS.values() for target in row.values())
    assert domain.TRANSITIONS["closed"] == {}


@pytest.mark.parametrize("status, action", [("closed", "dispatch"), ("completed", "escalate"), ("open", "complete")])
def test_an_action_the_state_forbids_is_a_conflict(status, action):
    with pytest.raises(Conflict):
        domain.next_status({"status": status}, action)


def _order_created(request_id, order_id="wo_1"):
    return event("maintenance", "work_order_created", "est_1", {
        "id": order_id, "number": "WO-2026-000001", "source": {"type": "service_request", "id": request_id},
        "request_id": request_id, "household_id": "hh_1", "priority": "normal", "status": "pending",
        "created_at": "2026-11-23T08:31:00.000Z"})


def test_a_new_work_order_dispatches_its_request_once():
    request = {"_id": "sr_1", "status": "open", "work_order_id": None}
    changes, entry = domain.dispatch_update(request, _order_created("sr_1"))
    assert changes["status"] == "dispatched" and changes["work_order_id"] == "wo_1"
    assert entry["action"] == "dispatched" and entry["event_id"]
    assert domain.dispatch_update(dict(request, **changes), _order_created("sr_1")) is None
