"""Unit takeover and handover (接管验收 / 交房), kept in the archive (DOMAIN.md "Archive":
handover documents).

- A **takeover** (接管验收) is the management company's acceptance inspection of a unit from
  the developer; a **handover** (交房) is the unit given to its owner.
- Each is a checklist: numbered items, each ``pass`` or ``fail`` with a note, and the documents
  handed over with it (title, reference, copies). Its ``outcome`` is ``accepted`` when every
  item passed, ``defects_found`` otherwise (the defects are on the record, the inspection is
  done again until one is accepted).
- A unit is taken over once: a takeover after an accepted one is a 409. A unit is handed to its
  owner only after an accepted takeover (422 otherwise) and not before that takeover's day
  (422), and once: a handover after an accepted one is a 409.

Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, field_error

SUBJECT_TYPE = "handover"
NAMES = {"takeover": "takeover (接管验收)", "handover": "handover (交房)"}


def new_handover(doc_id, household, data, now, user, accepted):
    """The checklist document. ``accepted``: ``{kind: the accepted takeover/handover or None}``
    of this household."""
    kind = data["kind"]
    if accepted.get(kind):
        raise Conflict(f"the unit's {NAMES[kind]} was accepted on {accepted[kind]['date']}",
                       [field_error("data.kind", f"{kind} accepted already")])
    if kind == "handover":
        takeover = accepted.get("takeover")
        if takeover is None:
            raise BusinessRuleViolation("a unit is handed to its owner only after an accepted takeover (接管验收)",
                                        [field_error("data.kind", "the unit has no accepted takeover")])
        if data["date"] < takeover["date"]:
            raise BusinessRuleViolation(f"the handover cannot be before the takeover ({takeover['date']})",
                                        [field_error("data.date", "is before the unit's takeover")])
    items = [{"number": index + 1, "item": item["item"].strip(), "result": item["result"],
              "note": (item.get("note") or "").strip() or None}
             for index, item in enumerate(data["items"])]
    documents = [{"title": doc["title"].strip(), "reference": (doc.get("reference") or "").strip() or None,
                  "copies": doc.get("copies", 1)} for doc in data.get("documents") or []]
    failed = [item["number"] for item in items if item["result"] == "fail"]
    stamp = clock.to_iso(now)
    return {
        "_id": doc_id,
        "estate_id": household["estate_id"],
        "household_id": household["_id"],
        "kind": kind,
        "date": data["date"],
        "items": items,
        "documents": documents,
        "outcome": "defects_found" if failed else "accepted",
        "failed_items": failed,
        "counterpart": (data.get("counterpart") or "").strip() or None,
        "received_by": (data.get("received_by") or "").strip() or None,
        "created_at": stamp,
        "created_by": user,
    }


CHANGED_FIELDS = ("kind", "date", "items", "documents", "outcome")
