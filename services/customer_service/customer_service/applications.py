"""Move-in (入住), renovation (装修) and move-out (退房) applications.

application → engineering review by maintenance (every renovation, and a move-in with a
structural change: no review, no works) → approved: fees requested from finance
(renovation management fee per m² and a fixed deposit; a move-in pays none here) →
fees paid (finance settles both bills; a reversed payment reopens what it paid: fees
requested again) → works started → joint acceptance inspection by
customer service and maintenance (both sign; a failed inspection is recorded and the
works go on until one passes).

An application is withdrawn (撤回: the owner gave it up, or it was made by mistake) before its
works start (``withdrawal``): a pending engineering review is closed (``application_withdrawn``,
maintenance) and each fee withdrawn, paid or not (``charge_withdrawn``: finance cancels its
bill, gives the money on it back to its payments as the household's prepaid credit, and shows
the deposit withdrawn). A fee paid while the withdrawal was on its way stays withdrawn here
(finance gives that money back too). An approved move-in or move-out has moved its household
(archive) and is not withdrawn, unless archive refused to move it (``household_step_refused``):
then it may be withdrawn, even once its works started, and nothing else (its works, its
acceptance) is taken.

A move-out (退房) is approved at once (no works, no review, no fees here). The household's
status is archive's (one transition table, ``archive/occupants.py``): each step of an
application that moves it is announced as ``household_step_requested`` (``STEPS``) and archive
applies it once; its refusal comes back as ``household_step_refused`` on the application.
"""
from datetime import date, timedelta
from decimal import Decimal

from estate_common import calendar, clock, ids, money, plausible, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, InvalidInput, field_error
from estate_common.money import to_cents
from estate_common.wording import counted

from .domain import Change, history_entry

SUBJECT_TYPE = "renovation_application"

# status -> {action: next status}. An action not listed is refused (409).
# reschedule: the works window moves, the status stays (``reschedule``).
TRANSITIONS = {
    "under_review": {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn",
                     "reschedule": "under_review"},
    "approved": {"request_fees": "fees_requested", "start_works": "works_started", "withdraw": "withdrawn",
                 "reschedule": "approved"},
    "fees_requested": {"settle_fees": "fees_paid", "withdraw": "withdrawn", "reschedule": "fees_requested"},
    "fees_paid": {"start_works": "works_started", "reopen_fees": "fees_requested", "withdraw": "withdrawn",
                  "reschedule": "fees_paid"},
    "works_started": {"accept": "accepted", "fail_acceptance": "works_started"},
    "accepted": {},
    "rejected": {},
    "withdrawn": {},
}

# the statuses before the works, whose window may still move (改期): an application in one of them
# whose window's last day has passed waits to be rescheduled or withdrawn (``?window_lapsed=``)
BEFORE_WORKS = tuple(status for status, actions in TRANSITIONS.items() if "reschedule" in actions)

# the household's status step (archive's ``occupants.TRANSITIONS``) each application step means
STEPS = {("move_in", "approved"): "move_in", ("move_out", "approved"): "move_out",
         ("renovation", "works_started"): "renovation_start", ("renovation", "accepted"): "renovation_end"}


def household_step(application, status, at):
    """``[("household_step_requested", data)]`` when the application reaching ``status`` moves
    its household's status (``STEPS``), [] otherwise. ``at``: when (archive takes its local day)."""
    step = STEPS.get((application["kind"], status))
    if step is None:
        return []
    return [("household_step_requested", {"application_id": application["_id"], "household_id":
                                          application["household_id"], "step": step, "at": at})]


def step_refused_on_approval(application):
    """Whether archive refused the household step this application's approval asked for (a
    move-in of an occupied unit, a second move-in filed at the same moment): the household did not
    move, so the application is withdrawn rather than worked on. A probe found one "approved" for
    good: withdrawing it met "it has moved the household already", and its works could start."""
    refused, step = application.get("household_step_refused"), STEPS.get((application["kind"], "approved"))
    return bool(refused and step and refused["step"] == step)


def _refuse_after_a_refused_step(application):
    if step_refused_on_approval(application):
        raise Conflict("archive refused this application's household step: withdraw it")


PLAIN_MOVE_IN_HAS_NO_WORKS = ("a move-in with no structural change has no works: engineering reviewed none "
                              "(no review, no renovation); file a renovation application for its fitting-out")


def next_status(status, action):
    return transitions.next_status(TRANSITIONS, status, action, "an application")


def is_ours(charge):
    """A settled bill's charge that one of our applications raised."""
    return bool(charge) and charge["service"] == "customer_service" and charge["subject"]["type"] == SUBJECT_TYPE


def needs_review(data):
    return data["kind"] == "renovation" or (data["kind"] == "move_in" and data["structural_change"])


def check(data, today=None, rules=None):
    """The rules of an application's own fields; ``today``: the estate's local date (ISO), before
    which no works start (a renovation from 2020-01-01 was taken: a probe); ``rules``: the estate's
    settings, within which the works are planned (``estate_common.plausible``): they start within
    ``renovation_start_within_days`` of today and end within ``renovation_works_max_days`` of their
    start (of today when no start is given). Works to 2999 were taken, and the application blocked
    the household's next one (409) until someone found it (a probe)."""
    if today and data.get("works_from") and data["works_from"] < today:
        raise BusinessRuleViolation("the works start today or later",
                                    [field_error("data.works_from", "is before today")])
    if today and rules:
        start_days, works_days = rules["renovation_start_within_days"], rules["renovation_works_max_days"]
        plausible.ahead(data.get("works_from"), today, start_days, "data.works_from",
                        f"the works start within {counted(start_days, 'day')} of the application")
        start, end = data.get("works_from"), data.get("works_to")
        if end and (not start or end >= start):  # one ending before it starts is refused below
            _refuse_works_longer_than(start or today, end, works_days)
    if data.get("kind") == "move_out" and (data["structural_change"] or data.get("works_from") or data.get("works_to")):
        raise BusinessRuleViolation("a move-out (退房) has no works",
                                    [field_error("data.structural_change" if data["structural_change"]
                                                 else "data.works_from" if data.get("works_from")
                                                 else "data.works_to", "is not for a move-out")])
    if data.get("kind") == "move_in" and not data["structural_change"] and (data.get("works_from") or data.get("works_to")):
        raise BusinessRuleViolation(PLAIN_MOVE_IN_HAS_NO_WORKS, [field_error(
            "data.works_from" if data.get("works_from") else "data.works_to",
            "is not for a move-in with no structural change")])
    works_from, works_to = data.get("works_from"), data.get("works_to")
    if works_from and works_to and works_to < works_from:
        # a rule between two valid dates (422), not a malformed field (400): the contract cannot say it
        raise BusinessRuleViolation("the works cannot end before they start",
                           [field_error("data.works_to", "is before works_from")])


def _refuse_works_longer_than(start, end, days):
    """422 for works ending more than ``days`` after ``start`` (their first day, or today when none
    is given), naming their length: works of 91 days were refused as "more than 90 days ahead", a
    horizon the start is within (found in review)."""
    if date.fromisoformat(end) > date.fromisoformat(start) + timedelta(days=days):
        raise BusinessRuleViolation(f"the works last at most {counted(days, 'day')}",
                                    [field_error("data.works_to", f"the works last more than {counted(days, 'day')}")])


def open_ended_works_since(today, rules):
    """The first instant (UTC, as ``works_started_at`` is written) before which works filed without
    a last day (``works_to``) began that are over by ``today`` (the estate's local day): they last
    at most ``renovation_works_max_days`` from their first day, the bound a filing's window is
    held to (``check``). Such works never ended, and their joint acceptance was owed on no list (a
    probe of the steward's month)."""
    first_day = date.fromisoformat(today) - timedelta(days=rules["renovation_works_max_days"])
    return clock.to_iso(calendar.day_start(first_day, rules["timezone"]))


def under_way(application):
    """Whether an application is still under way: a renovation until it is accepted, rejected or
    withdrawn; a move-in or move-out while under review (approved, it has moved its household),
    and a move-in whose works started (reviewed for its structural change) until their joint
    acceptance, as a renovation's works are (it read as done once its works started, and a second
    move-in of the household was taken beside it)."""
    if not TRANSITIONS[application["status"]]:  # accepted, rejected, withdrawn: nothing follows
        return False
    return application["kind"] == "renovation" or application["status"] in ("under_review", "works_started")


def marked(application, change):
    """``change`` with the application's ``_under_way`` mark following the status it leaves. The
    store holds one marked application of a kind per household (a unique index), so that two
    filed at the same moment, each reading none under way, cannot both be taken. Applications
    from before the mark have none and are refused by the read alone. A step from under way to
    under way leaves the mark as it was: a move-in whose works started before they counted under
    way has none, and the second move-in taken beside it then holds the household's (its failed
    acceptance met the index, a 500; found by review)."""
    if change is not None and "_under_way" in application and "status" in change.set:
        after = under_way(application | change.set)
        if not (after and under_way(application)):
            change.set["_under_way"] = after
    return change


def refuse_a_second(open_ids):
    """409 when the household has an application of the kind under way (``open_ids``): two
    renovations under review at once were both taken, and each would have been billed its fees
    (a probe)."""
    if open_ids:
        raise Conflict(f"the household has this kind of application under way already: {open_ids[0]}",
                       [field_error("data.household_id", "has one under way")])


def new_application(application_id, estate_id, data, now, user):
    """(application, events): under engineering review, or approved at once when none is needed."""
    at = clock.to_iso(now)
    review = needs_review(data)
    application = {
        "_id": application_id,
        "estate_id": estate_id,
        "kind": data["kind"],
        "household_id": data["household_id"],
        "structural_change": data["structural_change"],
        "description": data["description"].strip(),
        "works_from": data.get("works_from"),
        "works_to": data.get("works_to"),
        "status": "under_review" if review else "approved",
        "review": None,
        "charges": [],
        "works_started_at": None,
        "acceptances": [],
        "accepted_at": None,
        "withdrawal": None,
        "created_at": at,
        "updated_at": at,
        "created_by": user,
        "history": [history_entry(at, user, "submitted"),
                    history_entry(at, user, "review_requested", "engineering review by maintenance") if review
                    else history_entry(at, user, "approved", "no structural change: no engineering review needed")],
        "_rev": 0,
    }
    application["_under_way"] = under_way(application)
    events = ([("renovation_review_requested", review_event_data(application))] if review
              else household_step(application, "approved", at))
    return application, events


def review_event_data(application):
    keys = ("household_id", "kind", "structural_change", "description")
    return {k: application[k] for k in keys} | {"id": application["_id"]}


def fees(application, household, rules):
    """The charges an approved renovation owes: management fee = floor area × fee per m²
    (rounded half up to the cent), or the fixed amount of a fixed standard in force
    (``FIXED_MANAGEMENT_FEE``), and the fixed deposit. A move-in owes none here."""
    if application["kind"] != "renovation":
        return []
    area = Decimal(str(household["area_m2"])) if household else Decimal(0)
    per_m2 = Decimal(rules["renovation_management_fee_cents_per_m2"])
    fixed = rules.get(FIXED_MANAGEMENT_FEE)
    amounts = {
        "renovation_management": to_cents(area * per_m2) if fixed is None else fixed,
        "renovation_deposit": rules["renovation_deposit_cents"],
    }
    descriptions = {
        "renovation_management": f"Renovation management fee: {area} m² × {per_m2 / 100:.2f} CNY/m²"
        if fixed is None else f"Renovation management fee: {Decimal(fixed) / 100:.2f} CNY (fixed)",
        "renovation_deposit": "Renovation deposit",
    }
    # the same in parts (``ChargeDetail``), for a page to word in its reader's language: the
    # sentences above are English, as integrators read them
    details = {
        "renovation_management": {"kind": "renovation_management", "pricing": "per_m2", "area_m2": float(area),
                                  "cents_per_m2": int(per_m2)}
        if fixed is None else {"kind": "renovation_management", "pricing": "fixed"},
        "renovation_deposit": {"kind": "renovation_deposit"},
    }
    return [{"id": ids.natural_id("chg", application["estate_id"], application["_id"], item), "item": item,
             "amount_cents": amount, "description": descriptions[item], "detail": details[item],
             "status": "requested", "bill_id": None, "billed_at": None, "bill_due_at": None, "paid_at": None}
            for item, amount in amounts.items() if amount > 0]


FEE_NAMES = {"renovation_management": "the renovation management fee", "renovation_deposit": "the renovation deposit"}


def refuse_fees_beyond_one_bill(data, household, rules):
    """422 at filing for a renovation whose fees, as priced now, one bill could not hold
    (``money.MAX_BILL_CENTS``): the desk can still check the household's area or the price. A
    household of 100,000 m² was billed 10^10 cents at the approval, a bill no payment could
    settle (a probe)."""
    if data.get("kind") != "renovation":
        return
    for charge in fees({"kind": "renovation", "estate_id": "", "_id": ""}, household, rules):
        money.refuse_above_one_bill(charge["amount_cents"], "data.household_id", FEE_NAMES[charge["item"]])


# finance's per-charge fee standards that price an application's fees, and the setting each
# replaces (estate_common.fee_prices)
# A fixed management fee (one amount an application, whatever its area) has no setting of its own:
# a fixed standard in force puts its amount under this key, and it is charged instead of the per-m²
# price. Finance approved one, and the desk went on charging area × the setting (a probe).
FIXED_MANAGEMENT_FEE = "renovation_management_fee_fixed_cents"
PRICED_BY_STANDARD = {("renovation_management", "area"): "renovation_management_fee_cents_per_m2",
                      ("renovation_management", "fixed"): FIXED_MANAGEMENT_FEE,
                      ("renovation_deposit", "fixed"): "renovation_deposit_cents"}


def charge_event_data(application, charge):
    """The fee as finance bills it; with its ``detail`` when it has one (a fee requested before it
    was kept has none, and is withdrawn without one)."""
    data = {"id": charge["id"], "item": charge["item"], "amount_cents": charge["amount_cents"],
            "description": charge["description"], "household_id": application["household_id"],
            "subject": {"type": SUBJECT_TYPE, "id": application["_id"]}, "collected": False}
    if charge.get("detail"):
        data["detail"] = charge["detail"]
    return data


def reviewed(application, review_event, household, rules):
    """Engineering's decision: rejected, or approved and the fees requested in the same write.
    None when it changes nothing (a redelivery, or an application not under review)."""
    if application["status"] != "under_review":
        return None
    data, event_id, actor = review_event["data"], review_event["event_id"], review_event.get("actor")
    at = review_event["occurred_at"]
    # the reviewer's notes are engineering's, read at the review (``review_id``) (h8); an event an older
    # maintenance made (in flight as customer service is rolled first) names no review and still carries
    # them: kept, as on an application reviewed before, or the page shows no reason (review r8 of h8)
    review = {**{k: data[k] for k in ("decision", "reviewer", "reviewed_at")}, "review_id": data.get("review_id"),
              **({"notes": data["notes"]} if data.get("notes") and not data.get("review_id") else {})}
    note = f"by {data['reviewer']}"[:2000]
    if data["decision"] == "rejected":
        return Change({"status": next_status("under_review", "reject"), "review": review, "updated_at": at},
                      [history_entry(at, actor, "rejected", note, event_id)])
    status = next_status("under_review", "approve")
    entries = [history_entry(at, actor, "approved", note, event_id)]
    charges = fees(application, household, rules)
    events = household_step(application, status, at)
    if charges:
        status = next_status(status, "request_fees")
        entries.append(history_entry(at, actor, "fees_requested",
                                     ", ".join(f"{c['item']} {c['amount_cents']} cents" for c in charges)))
        events += [("charge_raised", charge_event_data(application, c)) for c in charges]
    return Change({"status": status, "review": review, "charges": charges, "updated_at": at}, entries, events)


def step_refused(application, refused_event):
    """Archive refused the household step this application asked for (a move-in of an occupied
    unit): the application keeps its status, which the desk decided, and shows the refusal
    (``household_step_refused``, and a history entry) so that the steward corrects the
    household's status, which archive keeps. The desk's record said "approved" while nothing
    had moved, and only archive's log knew (found by a probe)."""
    data, at = refused_event["data"], refused_event["occurred_at"]
    refusal = {k: data[k] for k in ("step", "reason", "refused_at")}
    return Change({"household_step_refused": refusal, "updated_at": at},
                  [history_entry(at, refused_event.get("actor"), "household_step_refused",
                                 f"{data['step']}: {data['reason']}"[:2000], refused_event["event_id"])])


def billed(application, billed_event):
    """Finance billed one of the charges (``charge_billed``): the charge shows its bill, its due
    time and when it was issued, unpaid or paid, from then on (it showed none until paid, and the
    desk could not name the bill the owner was to pay: found in review). None when it changes
    nothing (a redelivery, a charge linked already, one not ours)."""
    data = billed_event["data"]
    charge = next((c for c in application["charges"] if c["id"] == data["charge"]["id"]), None)
    if charge is None or charge.get("billed_at"):
        return None
    at, event_id = billed_event["occurred_at"], billed_event["event_id"]
    linked = {"bill_id": data["bill_id"], "billed_at": data["issued_at"], "bill_due_at": data["due_at"]}
    charges = [dict(c, **linked) if c["id"] == charge["id"] else c for c in application["charges"]]
    return Change({"charges": charges, "updated_at": at},
                  [history_entry(at, billed_event.get("actor"), "fee_billed",
                                 f"{charge['item']} ({data['bill_id']})", event_id)])


def settled(application, settled_event):
    """Finance settled the bill of one of the charges; when all are paid: fees_paid.
    None when it changes nothing (a redelivery, a charge paid already)."""
    data = settled_event["data"]
    charge_id = data["charge"]["id"]
    charge = next((c for c in application["charges"] if c["id"] == charge_id), None)
    if charge is not None and charge["status"] == "paid" and data["settled_at"] > (charge.get("paid_at") or ""):
        # settled again (after a reversal or the seller's money taken back) read before what reopened it: the
        # moment kept, so that the reopening, older, leaves the fee paid (``fees_reopened``; review r8 of h8)
        return Change({"charges": [dict(c, paid_at=data["settled_at"]) if c["id"] == charge_id else c
                                   for c in application["charges"]]}, [])
    if charge is None or charge["status"] in ("paid", "withdrawn"):  # withdrawn: finance gives the money back
        return None
    at, actor, event_id = settled_event["occurred_at"], settled_event.get("actor"), settled_event["event_id"]
    charges = [dict(c, status="paid", bill_id=data["bill_id"], paid_at=data["settled_at"]) if c["id"] == charge_id
               else c for c in application["charges"]]
    changes = {"charges": charges, "updated_at": at}
    entries = [history_entry(at, actor, "fee_paid", f"{charge['item']} ({data['bill_id']})", event_id)]
    if all(c["status"] == "paid" for c in charges) and application["status"] == "fees_requested":
        changes["status"] = next_status(application["status"], "settle_fees")
        entries.append(history_entry(at, actor, "fees_paid"))
    return Change(changes, entries)


def reopened_applications(reversed_data):
    """The applications whose fees a reversed payment had paid (``payment_reversed``'s bills; a seller's money
    taken back at a sale, ``seller_prepaid_held``'s ``taken_back``: ``{"bills": …}``)."""
    return sorted({bill["charge"]["subject"]["id"] for bill in reversed_data["bills"] if is_ours(bill.get("charge"))})


def fees_reopened(application, reversed_event, bills=None):
    """Finance reversed a payment that settled some of this application's fees: they are owed
    again (the charge is ``requested``; finance's bill is unpaid again and settles anew with
    ``bill_settled``). A fees_paid application is back to fees_requested; one whose works have
    started keeps its status (the works are not stopped by a bounced payment: the desk follows
    it up), its fee is shown unpaid. None when nothing changes (a redelivery). ``bills``: those
    reopened, when not the event's ``bills`` (a sale's hold of the seller's money: its
    ``taken_back``, the seller's money taken back off the buyer's bills)."""
    data = reversed_event["data"]
    reopened = {bill["charge"]["id"]: bill["bill_id"] for bill in (data["bills"] if bills is None else bills)
                if is_ours(bill.get("charge")) and bill["charge"]["subject"]["id"] == application["_id"]}
    # a fee settled again at or after the reopening (its bill_settled read first: events come by queues of their
    # own) stays paid (found by review r8 of h8)
    since = data.get("reversed_at") or data.get("seller_held_at") or reversed_event["occurred_at"]
    hit = [c for c in application["charges"] if c["id"] in reopened and c["status"] == "paid"
           and (c.get("paid_at") or "") < since]
    if not hit:
        return None
    event_id = reversed_event["event_id"]
    at, actor = reversed_event["occurred_at"], reversed_event.get("actor")
    charges = [dict(c, status="requested", paid_at=None) if c in hit else c for c in application["charges"]]
    changes = {"charges": charges, "updated_at": at}
    why = f"payment {data['receipt_number']} reversed: " if bills is None else \
        f"the seller's prepaid money taken back at the sale of {data['owner_since']}: "
    note = why + ", ".join(f"{c['item']} ({c['bill_id']})" for c in hit)
    entries = [history_entry(at, actor, "fees_reopened", note[:2000], event_id)]
    if application["status"] == "fees_paid":
        changes["status"] = next_status("fees_paid", "reopen_fees")
    return Change(changes, entries)


def withdrawal(application, data, now, user):
    """撤回: the application is given up before its works start (409 after); its pending review
    is closed and its fees withdrawn, paid or not (finance gives paid money back)."""
    reason = data["reason"].strip()  # the contract's Text: not blank
    refused_step = step_refused_on_approval(application)
    if application["kind"] in ("move_in", "move_out") and application["status"] == "approved" and not refused_step:
        raise Conflict("an approved move-in or move-out has moved the household already (archive): it is not "
                       "withdrawn", [field_error("status", "is approved")])
    # archive's refusal may come after the works started (a backlog): the household did not move,
    # and the move-in is withdrawn from there too (nothing else could move it: found by review)
    status = "withdrawn" if refused_step and application["status"] == "works_started" \
        else next_status(application["status"], "withdraw")
    at = clock.to_iso(now)
    charges = [dict(c, status="withdrawn") for c in application["charges"]]
    # the reason is the desk's words (a phone, a name in them): kept here, read by role, not carried to
    # maintenance and every webhook subscriber (h6, as renovation_reviewed's notes)
    events = [("application_withdrawn", review_event_data(application) | {
        "review_pending": application["status"] == "under_review"})]
    events += [("charge_withdrawn", charge_withdrawn_data(application, c, reason)) for c in application["charges"]]
    return Change({"status": status, "charges": charges, "withdrawal": {"at": at, "by": user, "reason": reason},
                   "updated_at": at},
                  [history_entry(at, user, "withdrawn", reason[:2000])], events)


def charge_withdrawn_data(application, charge, reason):
    """The charge as it was raised, and why it is withdrawn: finance cancels its bill (giving the
    money on it back), or makes it cancelled when the raise has not reached it yet."""
    return charge_event_data(application, charge) | {"reason": reason}


def reschedule(application, data, today, rules, now, user):
    """改期: the works window moves before the works start (409 once they started, or the
    application is closed), within the windows of a filing counted from ``today`` (the estate's
    local day of the rescheduling: ``check``), recorded in the history (who, when, from what to
    what, why) and announced (``application_rescheduled``). The fees stay as they are, paid or not:
    they are per m² of floor area (or a fixed amount) and a fixed deposit, none per day of works
    (``fees``). Without it a desk whose owner's works slipped let them start before works_from, or
    withdrew, had them reviewed and paid again (the brief). The same window again changes nothing
    (None: a double tap)."""
    if application["kind"] == "move_out":
        raise Conflict("a move-out (退房) has no works", [field_error("kind", "is move_out")])
    _refuse_after_a_refused_step(application)
    _refuse_works_unreviewed(application)
    status = next_status(application["status"], "reschedule")
    works_from, works_to, reason = data["works_from"], data["works_to"], data["reason"].strip()
    start_days = rules["renovation_start_within_days"]
    plausible.ahead(works_from, today, start_days, "data.works_from",
                    f"rescheduled works start within {counted(start_days, 'day')} of today")
    check({"kind": application["kind"], "structural_change": application["structural_change"],
           "works_from": works_from, "works_to": works_to}, today, rules)
    was = (application.get("works_from"), application.get("works_to"))
    if was == (works_from, works_to):
        return None
    at = clock.to_iso(now)
    note = f"{_window(*was)} → {_window(works_from, works_to)}: {reason}"
    event = {"id": application["_id"], "household_id": application["household_id"],
             "kind": application["kind"], "status": status, "works_from": works_from, "works_to": works_to,
             "previous": {"works_from": was[0], "works_to": was[1]}, "reason": reason, "rescheduled_at": at}
    return Change({"works_from": works_from, "works_to": works_to, "updated_at": at},
                  [history_entry(at, user, "rescheduled", note[:2000])], [("application_rescheduled", event)])


def _window(start, end):
    return f"{start or '—'} – {end or '—'}"


def start_works(application, data, now, user, today=None):
    """The works begin within the approved window, on the estate's ``today``: not before its first
    day, ``works_from`` (a desk let works start before it; an owner ready sooner has the works
    rescheduled, which the review and the neighbours' notice follow), nor after its last,
    ``works_to`` (the window the neighbours were told was over: an owner who slipped past it has
    the works rescheduled too; review)."""
    if application["kind"] == "move_out":
        raise Conflict("a move-out (退房) has no works", [field_error("kind", "is move_out")])
    _refuse_after_a_refused_step(application)
    _refuse_works_unreviewed(application)
    status = next_status(application["status"], "start_works")
    works_from = application.get("works_from")
    if today is not None and works_from and today < works_from:
        raise BusinessRuleViolation(f"the works may start from {works_from}: reschedule them to start sooner",
                                    [field_error("works_from", f"is the window's first day, {works_from}")])
    works_to = application.get("works_to")
    if today is not None and works_to and today > works_to:
        raise BusinessRuleViolation(f"the works window ended on {works_to}: reschedule them to start later",
                                    [field_error("works_to", f"is the window's last day, {works_to}")])
    at = clock.to_iso(now)
    return Change({"status": status, "works_started_at": at, "updated_at": at},
                  [history_entry(at, user, "works_started", (data.get("notes") or "").strip() or None)],
                  household_step(application, status, at))


def is_plain_move_in(application):
    """A move-in with no structural change: approved at once, no engineering review, no fees, and
    so no works (``PLAIN_MOVE_IN_HAS_NO_WORKS``)."""
    return application["kind"] == "move_in" and not application["structural_change"]


def _refuse_works_unreviewed(application):
    """409 for works on a move-in with no structural change, started or moved (改期): engineering
    reviewed none and no renovation fee nor deposit was asked (DOMAIN.md: no review, no renovation;
    the seeds: 装修改动 reviewed by engineering, 否则不可进行装修, and the desk charges the
    renovation's fees). Its fitting-out is a renovation application's; a move-in reviewed for its
    structural change takes its works. Works were started on a plain move-in and accepted, no
    review, no fee (a probe of the steward's leftovers)."""
    if is_plain_move_in(application):
        raise Conflict(PLAIN_MOVE_IN_HAS_NO_WORKS, [field_error("structural_change", "is false: no engineering review")])


def acceptance(application, data, now, user):
    """竣工验收: customer service and maintenance inspect together; both sign."""
    missing = [name for name in ("customer_service_by", "maintenance_by") if not data[name].strip()]
    if missing:
        raise InvalidInput("the acceptance needs both sign-offs",
                           [field_error(f"data.{name}", "is required") for name in missing])
    if data["customer_service_by"].strip().casefold() == data["maintenance_by"].strip().casefold():
        raise BusinessRuleViolation("a joint acceptance is signed by two people, one of each department",
                                    [field_error("data.maintenance_by", "is the customer-service signer too")])
    _refuse_after_a_refused_step(application)
    status = next_status(application["status"], "accept" if data["passed"] else "fail_acceptance")
    at = clock.to_iso(now)
    inspection = {"at": at, "recorded_by": user, "customer_service_by": data["customer_service_by"].strip(),
                  "maintenance_by": data["maintenance_by"].strip(), "passed": data["passed"],
                  "notes": (data.get("notes") or "").strip()}
    changes = {"status": status, "acceptances": application["acceptances"] + [inspection], "updated_at": at}
    if data["passed"]:
        changes["accepted_at"] = at
    note = f"{'passed' if data['passed'] else 'failed'}: {inspection['customer_service_by']} (customer service), " \
           f"{inspection['maintenance_by']} (maintenance)"
    deposit = any(c["item"] == "renovation_deposit" for c in application["charges"])
    events = [("renovation_accepted", {"application_id": application["_id"], "household_id": application["household_id"],
                                       "accepted_at": at, "kind": application["kind"], "deposit_charged": deposit})] \
        + household_step(application, status, at) if data["passed"] else []
    return Change(changes, [history_entry(at, user, "accepted" if data["passed"] else "acceptance_failed", note)],
                  events)
