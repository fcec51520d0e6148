"""Engineering review of move-in and renovation applications (装修审核).

Seeds (001, 第七条 装修管理 (2)): "住户装修申请表中涉及装修改动的内容,必须经过工程管理部审核,
同意后方可继续办理装修手续" — the engineering department (工程管理部) reviews, and without its
approval there is no renovation. The seeds name no further sign-off, so any engineering role
(technician, manager, operator admin) decides, structural changes included; a rejection
gives its reason. An application withdrawn (撤回) while its review is pending closes the review
(``withdrawn``): nothing is left to decide.

Plain functions: no broker, no store.
"""
from estate_common import clock, ids
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.writes import Change

# status -> {decision: next status}: a review is decided once.
TRANSITIONS = {
    "pending": {"approved": "approved", "rejected": "rejected"},
    "approved": {},
    "rejected": {},
    "withdrawn": {},
}


def review_id(estate_id, application_id):
    """One review per application: a redelivered request finds its review."""
    return ids.natural_id("rr", estate_id, application_id)


def from_request(event, created):
    application = event["data"]
    stamp = clock.to_iso(created)
    return {
        "_id": review_id(event["estate_id"], application["id"]),
        "estate_id": event["estate_id"],
        "application_id": application["id"],
        "household_id": application["household_id"],
        "kind": application["kind"],
        "structural_change": application["structural_change"],
        "description": application["description"],
        "status": "pending",
        "requested_at": event["occurred_at"],
        "decision": None,
        "notes": None,
        "reviewer": None,
        "reviewed_at": None,
        "created_at": stamp,
        "updated_at": stamp,
        "history": [{"at": stamp, "by": event.get("actor"), "action": "requested",
                     "note": f"{application['kind']} application {application['id']}",
                     "event_id": event["event_id"]}],
    }


def decide(review, decision, notes, now, actor):
    allowed = TRANSITIONS[review["status"]]
    if decision not in allowed:
        raise Conflict(f"a review that is {review['status']} cannot be decided again")
    notes = notes.strip()
    if decision == "rejected" and not notes:
        raise BusinessRuleViolation("a rejection gives its reason", [field_error("data.notes", "is required to reject")])
    stamp = clock.to_iso(now)
    changes = {"status": allowed[decision], "decision": decision, "notes": notes, "reviewer": actor,
               "reviewed_at": stamp, "updated_at": stamp}
    return changes, {"at": stamp, "by": actor, "action": decision, "note": notes or None, "event_id": None}


def withdrawn_before_request(event, created):
    """The review of an application withdrawn before its review request arrived (the two come on
    queues of their own, in either order after a backlog): closed from the start, so that the
    request, arriving later, finds it and opens none that engineers could still decide (found by
    review)."""
    review = from_request(event, created)
    change = withdrawn(review, event)
    return {**review, **change.set, "history": change.entries}


WITHDRAWN_NOTE = "the application was withdrawn (its reason is read on the application)"


def withdrawn(review, event):
    """Customer service withdrew the application: a pending review is closed (a Change); one
    decided already is left as it is (None), its decision reached a withdrawn application. The
    desk's reason is not copied here: its words (a phone, a name) stay on the application, read there
    by role; the event no longer carries them, and an older customer service's that does is not
    copied either (h6)."""
    if review["status"] != "pending":
        return None
    at = event["occurred_at"]
    return Change({"status": "withdrawn", "updated_at": at},
                  [{"at": at, "by": event.get("actor"), "action": "withdrawn",
                    "note": WITHDRAWN_NOTE, "event_id": event["event_id"]}])


def reviewed_event_data(review):
    """``renovation_reviewed``: the decision, who and when, and the review's id. Not the reviewer's
    notes: free text (why rejected, what to watch; a phone number typed into it) that every consumer
    and every webhook subscriber read, where only people reading the application need them, and read
    them here (``…/renovation-reviews/{review_id}``, the gateway masking them by role) (h8)."""
    return {"application_id": review["application_id"], "review_id": review["_id"], "decision": review["decision"],
            "reviewer": review["reviewer"], "reviewed_at": review["reviewed_at"]}
