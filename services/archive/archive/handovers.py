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
- **The owner's defects (验房)**: a handover recorded with failed items announces them
  (``defects_found``: ``handover_defects_found``); customer service opens one repair request per
  defect. The unit is handed over by a later handover whose items all pass, or by this one when
  the owner takes it with its defects listed (``defects_accepted``: 收房, the defects the
  developer's to put right): then it is accepted as one whose items all passed (its keys, its
  day: the owner pays from it), ``defects_accepted`` true. A takeover cannot be (422).
- **Once, atomically**: an accepted takeover or handover is stored under a natural ``_id``
  (``accepted_id``: the household and the kind), so of two accepts decided at the same time
  only one is inserted; the other finds it and is the same 409 (``second_accept``). The id the
  request asked for (its Idempotency-Key's) is kept as ``_requested_as``: a retry finds its own.
- **The handover (交房) is when the owner starts paying**: the accepted handover's day becomes
  the household's ``occupied_from`` (``occupancy``), on ``household_created``/``household_updated``
  (finance bills from that month). ``occupied_to`` stays null: a move-out (退房) ends the
  residents' stay, not the owner's property fee (a standard that bills occupied units only
  says so by its statuses); DOMAIN.md names nothing that ends it.
- **The takeover (接管验收) is when the developer starts paying**: the accepted takeover's day becomes
  the household's ``taken_over_on`` (``occupancy``), announced as ``occupied_from`` is; finance bills
  the developer from it to the day before the handover (finance ``payers``).

Plain functions: no broker, no store.
"""
from datetime import date

from estate_common import calendar, clock, ids
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
    taken = data.get("defects_accepted") is True  # the owner takes the unit, defects listed (收房, 验房问题)
    if taken and kind != "handover":
        raise BusinessRuleViolation("only an owner takes a unit with its defects listed, at its handover (交房)",
                                    [field_error("data.defects_accepted", "only a handover is taken with defects")])
    keys = handover_keys(kind, data.get("keys"))
    received_by = (data.get("received_by") or "").strip() or None
    also = co_receivers(kind, received_by, data.get("also_received_by"))
    items = [{"number": index + 1, "item": item["item"].strip(), "result": item["result"],
              "note": (item.get("note") or "").strip() or None}
             for index, item in enumerate(data["items"])]
    documents = [{"title": doc["title"].strip(), "reference": (doc.get("reference") or "").strip() or None,
                  "copies": doc.get("copies", 1)} for doc in data.get("documents") or []]
    failed = [item["number"] for item in items if item["result"] == "fail"]
    handed = not failed or taken
    stamp = clock.to_iso(now)
    return {
        "_id": accepted_id(household["_id"], kind) if handed else doc_id,
        "_requested_as": doc_id,
        "estate_id": household["estate_id"],
        "household_id": household["_id"],
        "kind": kind,
        "date": data["date"],
        "items": items,
        "documents": documents,
        "outcome": "accepted" if handed else "defects_found",
        "failed_items": failed,
        "defects_accepted": bool(failed) and taken,
        "counterpart": (data.get("counterpart") or "").strip() or None,
        "received_by": received_by,
        **({"also_received_by": also} if kind == "handover" else {}),
        "keys": keys,
        "created_at": stamp,
        "created_by": user,
    }


CHANGED_FIELDS = ("kind", "date", "items", "documents", "outcome")
KEYS_KEPT_BY = ("owner", "front_desk")


def handover_keys(kind, keys):
    """The keys handed over with the unit (交房钥匙): how many, who keeps them (``owner``: given to
    the owner; ``front_desk``: the owner leaves them in the front desk's custody, 托管钥匙) and their
    label; None when none are recorded. Only a handover (交房) gives keys to an owner (422 on a
    takeover: the developer's keys are the company's until the handover)."""
    if not keys:
        return None
    if kind != "handover":
        raise BusinessRuleViolation("keys are handed over with the unit to its owner, at its handover (交房)",
                                    [field_error("data.keys", "only a handover gives keys to the owner")])
    return {"count": keys["count"], "kept_by": keys["kept_by"], "label": (keys.get("label") or "").strip() or None}


def keys_left(handover):
    """``handover_keys_left`` of an accepted handover whose owner left the keys with the front desk
    (customer service takes them into custody, once per handover), or None. A handover with defects
    gives the owner no unit and no keys: its keys wait for the accepted one."""
    keys = handover.get("keys")
    if handover["outcome"] != "accepted" or not keys or keys["kept_by"] != "front_desk":
        return None
    return ("handover_keys_left", {"handover_id": handover["_id"], "household_id": handover["household_id"],
                                   "date": handover["date"], "count": keys["count"], "label": keys["label"]})


def co_receivers(kind, received_by, names):
    """共有产权: the co-owners who received a unit beside ``received_by`` (``also_received_by``),
    each trimmed, a name once and never ``received_by`` again; [] when none. Only a handover names
    them, and only beside ``received_by`` (422): a flat bought by a couple was received by one name
    (found by h3, a new building's handover weekend; review r3)."""
    if names is None:
        return []
    if kind != "handover":
        raise BusinessRuleViolation("only a handover to its owners names the co-owners who received it",
                                    [field_error("data.also_received_by", "only a handover names co-owners")])
    if names and received_by is None:
        raise BusinessRuleViolation("the co-owners are named beside the owner who received the unit (received_by)",
                                    [field_error("data.also_received_by", "needs received_by")])
    kept = []
    for name in (name.strip() for name in names):
        if name and name != received_by and name not in kept:
            kept.append(name)
    return kept


def defects_found(handover):
    """``handover_defects_found`` of a handover (交房) recorded with failed items: the defects the
    owner found inspecting the unit (验房), each a repair request at customer service (one per item,
    once), or None. A takeover's failed items are the developer's rectification
    (``takeover_defects``), not the estate's repairs. The owner who received it is not named."""
    if handover["kind"] != "handover" or not handover["failed_items"]:
        return None
    defects = [{"number": item["number"], "item": item["item"], "note": item["note"]}
               for item in handover["items"] if item["result"] == "fail"]
    return ("handover_defects_found", {"handover_id": handover["_id"], "household_id": handover["household_id"],
                                       "date": handover["date"], "defects": defects})


def accepted_id(household_id, kind):
    """The one id of a household's accepted takeover or handover."""
    return ids.natural_id("handover", household_id, kind, "accepted")


def second_accept(requested_as):
    """``found`` for the insert of an accepted one: the request's own (a retry) is answered,
    another request's is the 409 of an accept that lost the race."""
    def answer(stored):
        if stored.get("_requested_as") == requested_as:
            return stored
        raise Conflict(f"the unit's {NAMES[stored['kind']]} was accepted on {stored['date']}",
                       [field_error("data.kind", f"{stored['kind']} accepted already")])
    return answer


def occupancy(household, handover, now):
    """The household's changes of an accepted handover (交房): ``occupied_from`` its day (the month
    the owner's fees start), a new version; of an accepted takeover (接管验收): ``taken_over_on`` its
    day (the unit in the management's care: finance bills the developer from it until the handover,
    《物业服务收费管理办法》第十六条, finance ``payers``). None for anything else or when it is there
    already. A handover refused by its owner (defects found, not taken) is no handover: the unit
    stays the developer's."""
    if handover["outcome"] != "accepted":
        return None
    field = "occupied_from" if handover["kind"] == "handover" else "taken_over_on"
    if household.get(field) == handover["date"]:
        return None
    changes = {field: handover["date"], "version": household["version"] + 1, "updated_at": clock.to_iso(now)}
    return changes | ({"occupied_to": None} if field == "occupied_from" else {})


def takeover_defects(takeovers, today):
    """The quality defects found on taking units over (质量缺陷) and their rectification by the
    developer (整改), one entry per unit whose takeover found any: from a unit's takeovers (its
    checklists of kind ``takeover``, any order), ``open`` while none is accepted (the failed items of
    its latest inspection, the developer's to put right, open since the first that found defects:
    ``days_open`` to ``today``, a local date), ``rectified`` once one is accepted (on its date: the
    inspection that passed is the check of the rectification). Oldest found first. The seeds give
    the steward "质量缺陷整改的跟踪"; no number governs it (no deadline: no setting)."""
    by_unit = {}
    for takeover in takeovers:
        by_unit.setdefault(takeover["household_id"], []).append(takeover)
    entries = []
    for household_id, found in by_unit.items():
        found.sort(key=lambda t: (t["date"], t["created_at"]))
        failing = [t for t in found if t["outcome"] == "defects_found"]
        if not failing:
            continue
        accepted = next((t for t in found if t["outcome"] == "accepted"), None)
        latest = failing[-1]
        end = accepted["date"] if accepted else today
        entries.append({
            "household_id": household_id,
            "status": "rectified" if accepted else "open",
            "found_on": failing[0]["date"],
            "last_inspected_on": latest["date"],
            "inspections": len(failing),
            "counterpart": latest.get("counterpart"),
            "defects": [{"number": item["number"], "item": item["item"], "note": item.get("note")}
                        for item in latest["items"] if item["result"] == "fail"],
            "takeover_id": latest["_id"],
            "rectified_on": accepted["date"] if accepted else None,
            "days_open": max((date.fromisoformat(end) - date.fromisoformat(failing[0]["date"])).days, 0),
        })
    return sorted(entries, key=lambda e: (e["found_on"], e["household_id"]))


def today_of(now, estate):
    """The estate's local date of ``now``."""
    return calendar.day_of(now, calendar.timezone_of(estate))
