"""Free text on the bus: every event field staff or residents type words into, with why it is carried.

Every consumer and every webhook subscriber (integrations offers every public event type) reads an
event's data, where free text may hold an occupant's phone or name. A field is carried only where a
consumer needs the words, and is then masked where they are read (the API's ``x-personal-data`` marks,
archive's ``domain.masked_record`` for a borrower, a webhook body's redaction of numbers:
``integrations.webhooks.body_of``); otherwise it stays with its record, read there by role
(``renovation_reviewed``'s notes, h8; ``application_withdrawn``'s reason, h6). A field added to an
event's data with such a name fails here until its decision is written below (the last session's note).
"""
import json
import pathlib
import re

EVENTS = pathlib.Path(__file__).resolve().parents[2] / "contracts" / "events"

FREE_TEXT = re.compile(r"(description|notes?|summary|reason|content|comments?|remarks|message|text|title|"
                       r"outcome|reply|purpose|body)$")

ARCHIVE = "archive keeps it as the record's words (masked for a borrower who reads numbers masked)"
PUBLIC = "a notice to every resident: public words, archive keeps them, an outside board shows them"
COMPOSED = "composed by the service from the record (its fee, its order's number and title: masked by finance)"

# "<source>/<event_type>:<path>" -> why it is carried
DECISIONS = {
    "archive/household_step_refused:reason": "composed by archive's status table (occupied, ...): no one's words",
    "archive/vacant_inspection_recorded:problems.[].description":
        "customer service opens each problem as a repair, its description masked by role (numbers_in_text)",
    "archive/handover_defects_found:defects.[].note":
        "customer service opens each defect as a repair, the note in its description masked by role "
        "(numbers_in_text; found by review r3 of h3)",
    "customer_service/application_rescheduled:reason": ARCHIVE,
    "customer_service/application_withdrawn:description":
        "maintenance makes the review from it when the withdrawal comes first (the review's description, "
        "numbers_in_text)",
    "customer_service/charge_raised:description": COMPOSED,
    # 环境/绿化品质检查 (h6): what was wrong with a public area (楼道未拖), the steward's words about a
    # contractor's work, no resident's: archive keeps them as the record's words
    "customer_service/upkeep_finding_put_right:description": ARCHIVE,
    "customer_service/charge_withdrawn:description": COMPOSED,
    # 社区文化活动 (h7): the activity's title is the organiser's public words (中秋游园会), on the board
    # already; a move's or cancellation's reason (rain, a typhoon) is what the households are told
    "customer_service/activity_moved:title": PUBLIC,
    "customer_service/activity_moved:reason": PUBLIC,
    "customer_service/activity_cancelled:title": PUBLIC,
    "customer_service/activity_cancelled:reason": PUBLIC,
    "customer_service/activity_signup_promoted:title": PUBLIC,
    "customer_service/activity_held:title": PUBLIC,
    "customer_service/charge_withdrawn:reason":
        "finance writes it as the bill's cancel_reason, the accountant's answer to why a fee went "
        "(numbers_in_text, h6)",
    "customer_service/follow_up_requested:description":
        "maintenance opens the follow-up's order with it (numbers_in_text)",
    "customer_service/notice_published:title": PUBLIC,
    "customer_service/notice_published:body": PUBLIC,
    "customer_service/notice_revised:title": PUBLIC,
    "customer_service/notice_revised:body": PUBLIC,
    "customer_service/notice_revised:reason": ARCHIVE,
    "customer_service/notice_withdrawn:title": PUBLIC,
    "customer_service/notice_withdrawn:reason": ARCHIVE,
    "customer_service/renovation_review_requested:description":
        "maintenance's engineering review reads it (numbers_in_text)",
    "customer_service/service_request_created:description":
        "maintenance opens the repair's order with it for its technician (numbers_in_text)",
    "customer_service/service_request_household_corrected:reason": ARCHIVE,
    "finance/deposit_refunded:deductions.[].reason":
        "archive keeps it on the deposit's record (what was kept of it and why); finance masks a phone or ID card "
        "number in it before it is sent (h10)",
    "finance/deposit_deductions_reversed:reason":
        "archive keeps it beside the deposit (why its deductions were taken back); finance masks a phone or ID card "
        "number in it before it is sent (h3)",
    "finance/deposit_refund_rejected:reason":
        "archive keeps it beside the deposit (why the manager rejected the deductions asked); finance masks a phone "
        "or ID card number in it",
    "finance/fund_deposit_reversed:reason": ARCHIVE,
    "finance/fund_use_rejected:reason": ARCHIVE,
    "finance/opening_credit_reversed:reason": ARCHIVE,
    "finance/operating_expense_recorded:description": ARCHIVE,
    "finance/operating_expense_reversed:reason": ARCHIVE,
    "finance/payment_reversed:reason": ARCHIVE,
    # a collection for a payee typed wrong taken back (代收代缴, h4): the cashier's words why, as a payment's
    "finance/pass_through_collection_reversed:reason": ARCHIVE,
    # a receipt of the common parts' income reversed, a contract ended early: finance refuses a phone or ID
    # number in the reason (422), as in a contract's words (h3)
    "finance/public_revenue_reversed:reason": ARCHIVE,
    "finance/public_revenue_contract_terminated:reason": ARCHIVE,
    "finance/public_revenue_refunded:reason": ARCHIVE,
    "finance/seller_prepaid_carried_over:reason": ARCHIVE,
    "maintenance/charge_raised:description": COMPOSED,
    # a location walk's failed item of a contractor's line (h2): the inspector's words about a public area
    # (满溢), no resident's; customer service keeps them in the contractor's finding's description
    "maintenance/upkeep_faults_found:faults.[].note":
        "customer service writes it into the contractor's finding's description (a public area's fault)",
    "maintenance/equipment_back_in_service:out_of_service.reason": ARCHIVE,
    "maintenance/equipment_back_in_service:back.note": ARCHIVE,
    "maintenance/equipment_out_of_service:out_of_service.reason": ARCHIVE,
    "maintenance/equipment_out_of_service:handed_over_from.reason": ARCHIVE,
    "maintenance/equipment_retired:retired.reason": ARCHIVE,
    "maintenance/work_order_outage_moved:reason": ARCHIVE + " (the notice's revision's reason, which notice_revised carries)",
    "maintenance/work_order_cancelled:reason":
        "customer service writes it into the request's outcome, the caller's answer (numbers_in_text)",
    "security_patrol/anomaly_reported:description":
        "maintenance opens the finding's order with it (numbers_in_text)",
    "security_patrol/charge_raised:description": COMPOSED,
    "security_patrol/emergency_alert_raised:note": ARCHIVE + " (the warning's words: 台风黄色预警)",
    "security_patrol/emergency_alert_raised:stand_down_note": "null when raised (the alert's one shape on both events)",
    "security_patrol/emergency_alert_level_changed:note": ARCHIVE + " (the warning's words, as raised)",
    "security_patrol/emergency_alert_level_changed:stand_down_note": "null while it stands (the alert's one shape on its events)",
    "security_patrol/emergency_alert_level_changed:change.note": ARCHIVE + " (why the level moved, the change's own words: h6)",
    "security_patrol/emergency_alert_stood_down:note": ARCHIVE,
    "security_patrol/emergency_alert_stood_down:stand_down_note": ARCHIVE,
    "security_patrol/emergency_repair_requested:description":
        "maintenance opens the emergency order with it (numbers_in_text)",
    "security_patrol/fire_defect_reported:notes":
        "maintenance writes it into the defect's order for its technician (numbers_in_text)",
    "security_patrol/incident_closed:summary": ARCHIVE + ", the incident's permanent record",
    "security_patrol/incident_reclassified:reason": ARCHIVE,
    "security_patrol/patrol_suspended:reason": ARCHIVE,
    "security_patrol/patrol_suspension_withdrawn:reason": ARCHIVE,
    "security_patrol/patrol_suspension_withdrawn:withdrawal_reason": ARCHIVE,
}

# what left the bus: a contract naming one of these again fails (read at the record instead)
LEFT = {"maintenance/renovation_reviewed:notes", "customer_service/application_withdrawn:reason"}


def _is_text(schema):
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "string" in kinds and not {"enum", "const", "pattern", "format"} & schema.keys()


def _texts(schema, path=()):
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            if FREE_TEXT.search(name) and _is_text(sub):
                yield ".".join(path + (name,))
            yield from _texts(sub, path + (name,))
    if isinstance(schema.get("items"), dict):
        yield from _texts(schema["items"], path + ("[]",))
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator) or ():
            yield from _texts(sub, path)


def carried():
    found = set()
    for path in sorted(EVENTS.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))["properties"]["data"]
        found |= {f"{path.parent.name}/{path.stem}:{text}" for text in _texts(data)}
    return found


def test_every_free_text_an_event_carries_has_its_decision_written():
    found = carried()
    assert sorted(found - DECISIONS.keys()) == [], "free text on the bus with no decision: write why it is carried"
    assert sorted(DECISIONS.keys() - found) == [], "a decision for a field no event carries any more"


def test_the_free_text_taken_off_the_bus_stays_off():
    assert carried() & LEFT == set()
    assert LEFT & DECISIONS.keys() == set()
