"""The columns of security_patrol's exports (patrol rounds, incidents, visitors, shift handovers,
fire checks): one list per resource, written by ``estate_common.exports`` (escaping, masking,
CSV/XLSX, the reader's language). The security department could export none of its records: the
supervisor copied the week's rounds and handovers by hand (found by a probe of the security guard's
shift).

A round's counts are its summary's once finished, an open one's so far (``patrols.so_far``, as the
list answers it): ``missed`` is a finished round's, ``overdue`` an open one's (its checkpoints not
checked in and past their time). Its planned start (``scheduled_start``) is headed
``scheduled_start_at``, so an XLSX shows it on the estate's clock as every moment. An incident's
``escalated_to`` is whom its recorded steps escalated it to (the list's filter of that name). A
visitor's name and phone are personal data (``visitor_name``, ``visitor_phone``), masked as the
API masks them for a role that does not see them in full (the readers of the list, the guards and
the front desk, see them); the household visited is named by its building, unit and room too (the
service's copy of it), in the last columns, as a bill's is. In a language, a round's status, an incident's type and status, a
shift, a post and a fire check's result are their labels (``estate_common.labels``)."""
from dataclasses import replace

from estate_common import labels, personal_data
from estate_common.exports import Column, field


def _count(name):
    """A round's count: its summary's once finished, else so far (None where neither has it)."""
    def value(doc):
        counts = doc.get("summary") or doc.get("so_far") or {}
        return counts.get(name)
    return Column(name, value)


def _release(doc, name):
    """An entrapment's release figure as the incident shows it (``release``), None while none."""
    return (doc.get("release") or {}).get(name)


def _escalated_to(doc):
    return sorted({entry["to"] for entry in doc.get("escalations") or ()}) or None


PATROL_ROUNDS = [
    field("id", "_id"), field("route_id"), field("route_name"), field("plan_id"), field("shift", labels="shift"),
    field("scheduled_start_at", "scheduled_start"), field("guard"), field("roster_id"),
    field("status", labels="round"),
    _count("planned"), _count("checked"), _count("on_time"), _count("late"),
    field("missed", "summary.missed"), field("overdue", "so_far.overdue"), _count("anomalies"),
    field("started_at"), field("finished_at"), field("created_at"), field("updated_at"),
]

INCIDENTS = [
    field("id", "_id"), field("number"), field("type", labels="incident"), field("major"),
    field("status", labels="status"), field("location"), field("description"), field("work_order"),
    field("pending_steps"), Column("escalated_to", _escalated_to), field("summary"),
    field("occurred_at"), field("opened_at"), field("opened_by"), field("closed_at"), field("created_at"),
    field("updated_at"),
    # added after: an entrapment's release (困人解救), empty for other incidents (incidents.release)
    Column("released_at", lambda doc: _release(doc, "released_at")),
    Column("release_minutes", lambda doc: _release(doc, "minutes")),
    # the target an entrapment keeps from its opening, on a row with no release too (review r1 of h1)
    Column("release_target_minutes", lambda doc: _release(doc, "target_minutes") or doc.get("release_target_minutes")),
    Column("release_within_target", lambda doc: _release(doc, "within_target")),
]

VISITORS = [
    field("id", "_id"), field("name", personal=personal_data.VISITOR_NAME),
    field("phone", personal=personal_data.VISITOR_PHONE), field("visiting_household_id"), field("purpose"),
    field("plate"), field("arrived_at"), field("registered_by"), field("departed_at"), field("departed_by"),
    field("departure_notes"), field("created_at"),
    field("building"), field("unit"), field("room"),  # the household visited (operations._with_addresses)
    # added after: his visit's stays at the gate (how many) and whether his car is still inside, as the
    # list shows them (gate.shown_visitor; operations._with_stays)
    Column("stays", lambda doc: len(doc.get("parking") or ())), field("car_inside"),
]

SHIFT_HANDOVERS = [
    field("id", "_id"), field("date"), field("shift", labels="shift"), field("post", labels="post"),
    # the guards' words (a visitor's or an owner's number in them) as the list gives them: in full to
    # the guards, masked for a role that reads phones masked (numbers_in_guards_text)
    field("from_guard"), field("to_guard"), field("notes", personal=personal_data.NUMBERS_IN_GUARDS_TEXT),
    field("roster_id"), field("handed_over_at"),
    field("recorded_by"), field("created_at"),
    # added after: 接班确认, who accepted it and when (empty: not yet), his notes
    # its own heading (接班确认时间): the shared field.accepted_at is a renovation's acceptance (验收时间)
    field("accepted_by"), replace(field("accepted_at"), words=labels.words("heading.handover_accepted_at")),
    field("acceptance_notes", personal=personal_data.NUMBERS_IN_GUARDS_TEXT),
]

FIRE_INSPECTIONS = [
    field("id", "_id"), field("equipment_id"), field("equipment_code"), field("period"),
    field("result", labels="fire"), field("notes"), field("checklist_id"), field("failed_items"),
    field("inspected_at"), field("inspected_by"), field("created_at"),
]

COLUMNS = {"patrol_rounds": PATROL_ROUNDS, "incidents": INCIDENTS, "visitors": VISITORS,
           "shift_handovers": SHIFT_HANDOVERS, "fire_inspections": FIRE_INSPECTIONS}
LISTS = {"patrol_rounds": "list_rounds", "incidents": "list_incidents", "visitors": "list_visitors",
         "shift_handovers": "list_shift_handovers", "fire_inspections": "list_fire_inspections"}
