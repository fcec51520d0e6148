"""Every event finance's tests make it publish names its subject (``estate_common.writes``: the
record whose write announced it and the revision that write made), whatever flow publishes it:
a bill's ``charge_billed`` and ``bill_settled``, a fee standard's approval and the maintenance
fund's deposits and decisions were written outside the one write path and carried none, so a
webhook receiver could not order them (an integrator's probe)."""
import pytest

from estate_common import testing


@pytest.fixture(autouse=True)
def every_event_names_its_subject(monkeypatch):
    publish = testing.RecordingOutbox.publish

    def checked(self, collection, doc):
        for event in doc.get("_outbox", []):
            subject = event.get("subject")
            assert subject is not None, f"{event['event_type']} names no subject"
            assert subject["id"] == doc["_id"] and isinstance(subject["revision"], int), event
        publish(self, collection, doc)

    monkeypatch.setattr(testing.RecordingOutbox, "publish", checked)
