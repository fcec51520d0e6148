"""The work order maintenance opened for a finding of the security department: a patrol anomaly
(``anomaly_reported``), a fire check's defect (``fire_defect_reported``) and an incident whose plan
asks for one (``emergency_repair_requested``). Each finding shows its order's number and status
(``maintenance_order``): the guard's records said nothing of it, and whether the lamp was mended
was a question to engineering (the console read maintenance's orders, which a guard may not; the
security department's follow-ups).

Kept from maintenance's work-order events, never by reading maintenance's store: a copy per order
of one of these sources (collection ``work_orders``, ``_id`` the order's), its status the one the
latest event tells (``work_order_created``'s own, then assigned, appointed, started → in_progress,
completed, cancelled, and the ones that name the status they moved it to: quoted, consented, held →
on_hold, resumed, help requested → needs_help), each event applied once by its ``event_id`` (the
copy's history; ``writes.follow``) and the message acknowledged once it is written. An event older
than the status kept changes nothing but its mark: older by the revision of the order's write that
announced it (``subject.revision``, kept as ``status_revision``), by ``occurred_at`` where either has
none (an event published before revisions were kept): each event type has its queue, and two steps in
one millisecond had no order by time. A creation that arrives after a later event of its order keeps
that event's status.

Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.writes import Change

# the findings of this service maintenance opens orders for (its ``source.type``)
SOURCES = frozenset({"patrol_anomaly", "fire_inspection", "incident"})

STATUS_OF = {"work_order_assigned": "assigned", "work_order_appointed": "appointed",
             "work_order_started": "in_progress", "work_order_completed": "completed",
             "work_order_cancelled": "cancelled"}
# 电梯困人 heard first at the desk (h10): maintenance joined the incident to the desk's open order for its
# lift instead of opening the incident's own. The copy of that order is the incident's (``incident_ids``).
# The order's events once it has incidents name them (``data.incident_ids``): each event type has its queue,
# and one handled before the join is kept (its copy made), not dropped as a desk call's (found by review of h10).
JOINED = "work_order_incident_joined"

# the events that say the status they moved the order to (``data.status``)
STATUS_SAID = frozenset({"work_order_quoted", "work_order_consented", "work_order_held", "work_order_resumed",
                         "work_order_help_requested", JOINED})

SHOWN = ("number", "status")



def of_ours(event):
    """Whether the event's order is of one of our findings as far as the event says: one that names
    its source (every one, a cancellation announced before it named the source aside) names one of
    ``SOURCES``, or the order is one our incidents joined (the join, or an event naming them)."""
    source = event["data"].get("source")
    return source is None or source["type"] in SOURCES or bool(incidents_named(event))


def incidents_named(event):
    """The incidents an event says joined its order: the join's own, or ``incident_ids`` of the order's
    events once it has incidents; none for an order no incident joined."""
    data = event["data"]
    if event["event_type"] == JOINED:
        return [data["incident_id"]]
    return list(data.get("incident_ids") or ())


def new_copy(event):
    """The copy of the order an event names with its source (the first of its events to arrive);
    no status until an event gives it (``follow``). A desk call's order our incidents joined is theirs
    (its source the first incident's), made from the join or from any event naming them."""
    data, joined = event["data"], incidents_named(event)
    if joined and data["source"]["type"] not in SOURCES:
        return {"_id": data["id"], "estate_id": event["estate_id"], "source_type": "incident",
                "source_id": joined[0], "incident_ids": joined, "number": data["number"],
                "status": None, "status_at": None, "created_at": clock.now_iso()}
    return {"_id": data["id"], "estate_id": event["estate_id"], "source_type": data["source"]["type"],
            "source_id": data["source"]["id"], "number": data["number"], "status": None, "status_at": None,
            "created_at": clock.now_iso()}


def follow(copy, event):
    """The copy's change for ``event``: its status from then, unless the event is older than the
    status kept, or a creation of an order whose later event came first; its mark (``event_id``)
    either way, so a redelivery is known."""
    entry = {"event_id": event["event_id"], "event_type": event["event_type"], "at": event["occurred_at"]}
    revision = (event.get("subject") or {}).get("revision")
    if event["event_type"] == "work_order_created":
        status = copy.get("status") or event["data"]["status"]
        stale = copy.get("status") is not None
    else:
        status = event["data"]["status"] if event["event_type"] in STATUS_SAID else STATUS_OF[event["event_type"]]
        stale = _older(copy, revision, event["occurred_at"])
    # another incident joined the order (said by the join, or by a later event that came first): it is that
    # one's too, whether or not the event is older than the status kept
    kept = list(copy.get("incident_ids") or ())
    added = [incident_id for incident_id in incidents_named(event) if incident_id not in kept]
    joined = {"incident_ids": [*kept, *added]} if added else {}
    if stale:
        return Change(joined, entries=[entry])
    return Change({"status": status, "status_at": event["occurred_at"], "status_revision": revision,
                   "number": event["data"]["number"], **joined}, entries=[entry])


def _older(copy, revision, occurred_at):
    """Whether an event (its order's write ``revision``, None when it has none; ``occurred_at``) is
    older than the status kept: by revision where both have one (the same write's events share it,
    in order), else by time."""
    if copy.get("status") is None:
        return False
    if revision is not None and copy.get("status_revision") is not None:
        return revision < copy["status_revision"]
    return copy.get("status_at") is not None and occurred_at < copy["status_at"]


def shown(copy):
    """The order as a finding shows it (``WorkOrderOfRecord``); None while none is known."""
    if copy is None or copy.get("status") is None:
        return None
    return {"id": copy["_id"], "number": copy.get("number"), "status": copy["status"], "updated_at": copy["status_at"]}
