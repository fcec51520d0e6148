"""deploy/k8s/README.md's rollout notes against the consumers' own check (estate_common.contracts:
``tolerant_errors``, which every ``@consumes`` handler runs). The notes said an older archive,
maintenance or integrations dead-letters an event carrying a field its contract does not know; the
tolerant reader ignores such a field (a new enum value or event type is another matter), so the
notes named a replay that had nothing to replay and hid what an older replica does instead (h4, last
session's small leftovers)."""
import copy
import json
import re
from pathlib import Path

import pytest

from estate_common import contracts
from estate_common.nameko.outbox import make_event

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "deploy" / "k8s" / "README.md"
STAMP = "2026-11-23T02:00:00Z"

# (source, event type, the field a release added to it, a data that holds it)
ADDED = [
    ("customer_service", "service_request_created", "joins_work_order_id",
     {"id": "sr_1", "number": "SR-1", "kind": "repair", "household_id": "hh_1", "channel": "phone",
      "description": "no water", "due_at": STAMP, "created_at": STAMP, "joins_work_order_id": "wo_1"}),
    ("customer_service", "service_request_created", "emergency_category",
     {"id": "sr_2", "number": "SR-2", "kind": "repair", "household_id": "hh_1", "channel": "phone",
      "description": "flooded", "due_at": STAMP, "created_at": STAMP, "emergency": True,
      "emergency_category": "flooding"}),
    ("customer_service", "notice_withdrawn", "buildings",
     {"id": "nt_1", "title": "停水", "building": "3", "buildings": ["3", "4"], "reason": "restored",
      "withdrawn_at": STAMP}),
    ("customer_service", "notice_published", "incident_id",
     {"id": "nt_2", "title": "停水", "body": "3-4栋停水", "building": "3", "published_at": STAMP,
      "buildings": ["3", "4"], "expected_restoration_at": STAMP, "work_order_id": "wo_1", "incident_id": "inc_1"}),
    ("customer_service", "follow_up_requested", "joins_work_order_id",
     {"id": "fu_1", "request_id": "sr_1", "request_number": "SR-1", "household_id": "hh_1",
      "description": "water brown", "reason": "return_visit_problem", "notice_due_at": STAMP,
      "joins_work_order_id": "wo_1"}),
    ("finance", "seller_prepaid_held", "taken_back",
     {"id": "sph_1", "household_id": "hh_1", "owner_since": "2026-11-20", "amount_cents": 30000,
      "payments": [{"payment_id": "pay_1", "amount_cents": 30000}], "seller_held_at": STAMP,
      "taken_back": [{"bill_id": "bill_1", "amount_cents": 30000, "charge": None}]}),
    ("maintenance", "work_order_overdue", "hold_expected_on",
     {"id": "wo_1", "number": "WO-1", "source": {"type": "service_request", "id": "sr_1"}, "request_id": "sr_1",
      "household_id": "hh_1", "priority": "normal", "deadline_at": STAMP, "overdue_at": STAMP,
      "hold_expected_on": "2026-11-25"}),
]


def _older(monkeypatch, source, event_type, field):
    """The contracts an older replica has: these, less the field the release added. Every other
    document is the one ``contracts.load()`` read (``Contracts`` copies what it compiles, never
    changes a document): reading openapi.yaml again took a second or more a case."""
    current = contracts.load()
    name = f"events/{source}/{event_type}.json"
    contract = copy.deepcopy(current.documents[name])
    data = contract["properties"]["data"]
    del data["properties"][field]
    data["required"] = [required for required in data.get("required", []) if required != field]

    def read(path):
        relative = path.relative_to(current.root).as_posix()
        return contract if relative == name else current.documents[relative]
    monkeypatch.setattr(contracts, "_load", read)
    return contracts.Contracts(current.root)


@pytest.mark.parametrize("source, event_type, field, data", ADDED, ids=[a[2] for a in ADDED])
def test_an_older_consumer_takes_an_event_with_a_field_it_does_not_know(monkeypatch, source, event_type, field, data):
    event = make_event(source, event_type, "est_1", data, request_id="rq", actor="tester")
    ref = f"events/{source}/{event_type}.json"
    assert contracts.load().errors(ref, event) == []  # as the newer producer sends it
    older = _older(monkeypatch, source, event_type, field)
    assert [e["field"] for e in older.errors(ref, event)] == [f"data.{field}"]  # not its contract's
    assert older.tolerant_errors(ref, event) == []  # yet its consumers take it: nothing dead-lettered


def _paragraphs_naming(field):
    return [p for p in re.split(r"\n\s*\n", NOTES.read_text(encoding="utf-8")) if f"`{field}`" in p
            or f"with {field}" in p or f"`{field}" in p]


@pytest.mark.parametrize("field", sorted({a[2] for a in ADDED}))
def test_the_rollout_notes_say_an_older_replica_ignores_the_field_and_dead_letters_nothing(field):
    paragraphs = _paragraphs_naming(field)
    assert paragraphs, f"deploy/k8s/README.md no longer names {field}"
    for paragraph in paragraphs:
        told = " ".join(paragraph.split())
        assert "ignore" in told, told
        assert not re.search(r"dead-letters (it|the)\b|dead-lettered there|a field an older \w+ or \w+ dead-letters",
                             told), told


@pytest.mark.parametrize("source, event_type, field, data", ADDED, ids=[a[2] for a in ADDED])
def test_the_event_s_contract_does_not_say_an_older_consumer_dead_letters_the_field(source, event_type, field, data):
    """The contracts' words said it too: notice_published's description told an older archive
    dead-letters its four new fields, pointing to the notes h4 corrected (found by review r4 of h4)."""
    contract = json.loads((contracts.contracts_dir() / "events" / source / f"{event_type}.json").read_text(encoding="utf-8"))
    told = " ".join(json.dumps(contract, ensure_ascii=False).split())
    assert not re.search(r"dead-letters (it|them|the)\b|(?<!nothing is )dead-lettered", told), told
