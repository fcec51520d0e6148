"""Damage claims (损失登记、理赔、赔偿): what a burst pipe, a flooded lift shaft or a fallen ceiling
cost the flats it reached, and who pays it.

A water leak (漏水/水浸) at 02:00 in 3-1801 floods 1701 and 1601 below: the desk registers the calls
as repairs, engineering shuts the valve and finds the cause, and then the neighbours' losses (floor,
ceiling, furniture) are a matter of their own, which had no home: the desk wrote them into a
complaint of nature "other" with the amounts in its text (h4's probe). The seeds' manager handles
"水浸、火警、电梯关人等事故 … 并负责现场的善后处理工作" (the aftermath); DOMAIN.md names no
register for it: this one is decided here.

A claim (``new_claim``) comes from what happened (``source``: the incident, the work order or the
service request it was registered from), lists the households affected and each one's losses
itemised in cents (``losses``: item, description, amount), and says who is responsible
(``responsibility``): the owner of a flat (his own pipe after his meter: 业主自用部位, he pays his
neighbours; the flat named), the operator (a shared part, 共用部位: the building's riser, possibly
its public liability insurance 公众责任险), a third party (a contractor, a neighbour's tenant), or
undetermined (the night it is registered, before the cause is known; decided later by a manager:
``decide_responsibility``). An insurer told of it (``report``: 报案, the insurer, the policy and the
insurer's case number) assesses it (``assess``: 定损, the amount it accepts, at most what was
claimed) and pays (``pay``: 赔付) or refuses (``refuse``: 拒赔, the reason); a claim with no
insurer, or refused, is settled by agreement (``negotiate``: 协商, then ``pay`` of the amount
agreed) — the operator compensating, or the responsible owner paying his neighbours. Each payment
names who paid (insurer, operator, owner, third party), to which affected household, how much and
when; the claim is then closed (``paid``), as a withdrawn one is (``withdraw``: 撤回, the owners
giving it up). Each state's moment and author is kept (``history``, and each step's own field).

Money is integer cents. Names are not kept beyond the third party's (a company's, as the insurer's);
the households are their ids. The claim registered and the claim closed are announced
(``damage_claim_registered`` / ``damage_claim_closed``: archive keeps both under the estate, the
losses' items and cents, no descriptions). Payments are recorded here, not as money in finance's
journals: the operator's compensation and an insurer's payment to an owner do not pass through the
estate's accounts (found, not built: see the README).
"""
from datetime import timedelta

from estate_common import clock, numbering, transitions
from estate_common.errors import BusinessRuleViolation, Forbidden, field_error
from estate_common.responsibility import named as named_responsible
from estate_common.roles import MANAGEMENT
from estate_common.text import optional_text

from .domain import Change, history_entry

NUMBER_PREFIX = "DC"
SERIES = "damage_claim"

# status -> {action: next status}. An action not listed is refused (409).
TRANSITIONS = {
    "registered": {"report": "reported", "assess": "assessed", "negotiate": "negotiating", "pay": "paid",
                   "withdraw": "withdrawn"},
    "reported": {"assess": "assessed", "refuse": "refused", "withdraw": "withdrawn"},  # 报案
    # 定损; withdrawn too: the owners take the assessment as too low and settle privately, or give it up (h5)
    "assessed": {"pay": "paid", "refuse": "refused", "negotiate": "negotiating", "withdraw": "withdrawn"},
    # 协商: begun before the parties agree, told the amount once they have (found by r4)
    "negotiating": {"negotiate": "negotiating", "pay": "paid", "withdraw": "withdrawn"},
    "refused": {"negotiate": "negotiating", "withdraw": "withdrawn"},  # 拒赔: the parties may still agree
    "paid": {},  # 赔付
    "withdrawn": {},
}
OPEN = ("registered", "reported", "assessed", "negotiating", "refused")

SOURCES = ("incident", "work_order", "service_request")
LOSS_ITEMS = ("floor", "ceiling", "walls", "furniture", "appliances", "belongings", "decoration", "vehicle",
              "other")
PARTIES = ("owner", "operator", "third_party", "undetermined")
PAYERS = ("insurer", "operator", "owner", "third_party")

# who decides who is responsible and records the money paid (the manager's 善后处理)
DECIDERS = MANAGEMENT

CLOCK_SKEW = timedelta(seconds=30)


def _moment(data, name, now, earliest=None, within="data"):
    """``data[name]`` (ISO) as stored, ``now`` when not given; not in the future, not before
    ``earliest`` (the damage's moment; 422 naming the field, ``within`` the object sent:
    ``data.payments[1]``)."""
    field = f"{within}.{name}"
    if data.get(name) is None:
        at = now
    else:
        at = clock.parse_iso(data[name])
        if at > now + CLOCK_SKEW:
            raise BusinessRuleViolation("a damage claim's moments are not in the future",
                                        [field_error(field, "is in the future")])
        at = min(at, now)
    if earliest and at < clock.parse_iso(earliest):
        raise BusinessRuleViolation("a damage claim's steps come after the damage",
                                    [field_error(field, "is before the damage")])
    return clock.to_iso(at)


def households(data):
    """The affected households with their losses itemised, each household once (422 naming the
    second), and their total in cents."""
    kept, seen = [], set()
    for index, affected in enumerate(data["households"]):
        if affected["household_id"] in seen:
            raise BusinessRuleViolation("a household is listed once, with all its losses", [field_error(
                f"data.households[{index}].household_id", "is listed twice")])
        seen.add(affected["household_id"])
        losses = [{"item": loss["item"], "description": optional_text(loss, "description"), "amount_cents": loss["amount_cents"]}
                  for loss in affected["losses"]]
        kept.append({"household_id": affected["household_id"], "losses": losses,
                     "claimed_cents": sum(loss["amount_cents"] for loss in losses)})
    return kept


def responsibility(data, field="data.responsibility"):
    """Who is responsible (``estate_common.responsibility``: an owner names his flat, one of the affected
    may be his, his own flat flooded too; a third party its name; the others name neither)."""
    return named_responsible(data, field)


def new_claim(claim_id, estate_id, data, draw_number, now, user, order=None):
    """A claim registered (登记) from its source, with the households' losses and who is
    responsible: as given, else the cause the source's work order found on its completion (``order``:
    customer service's record of it, its ``cause`` maintenance's, h5: the order that fixed the pipe
    said nothing of it), else undetermined; its number drawn once every check passed."""
    at = clock.to_iso(now)
    affected = households(data)
    found = (order or {}).get("cause") if not data.get("responsibility") else None
    responsible = responsibility(data.get("responsibility") or found or {"party": "undetermined"})
    occurred = _moment(data, "occurred_at", now)
    claim = {
        "_id": claim_id, "estate_id": estate_id, "number": draw_number(),
        "source": {"type": data["source"]["type"], "id": data["source"]["id"]},
        "occurred_at": occurred, "cause": optional_text(data, "cause"), "households": affected,
        "household_ids": [a["household_id"] for a in affected],
        "claimed_cents": sum(a["claimed_cents"] for a in affected),
        "responsibility": responsible, "insurance": None, "assessment": None, "negotiation": None,
        "refusal": None, "payments": [], "paid_cents": 0, "withdrawal": None,
        "status": "registered", "registered_at": at, "registered_by": user, "closed_at": None,
        "history": [history_entry(at, user, "registered"),
                    *([history_entry(at, user, "responsibility", f"{found['party']}, from {order['number']}")]
                      if found else [])],
        "created_at": at, "updated_at": at, "_rev": 0}
    return claim, [("damage_claim_registered", announced(claim))]


def number_of(now, tz, sequence):
    return numbering.number(NUMBER_PREFIX, now, tz, sequence)


def series_of(now, tz):
    return numbering.series(SERIES, now, tz)


def _next(claim, action):
    return transitions.next_status(TRANSITIONS, claim["status"], action, "a damage claim")


def decide_responsibility(claim, data, now, user, roles):
    """A manager decides who is responsible once the cause is found (the owner's pipe after his meter,
    or the building's riser), while the claim is open (409 once paid or withdrawn); kept in history."""
    if not DECIDERS & set(roles):
        raise Forbidden("a manager decides who is responsible for a damage claim")
    if claim["status"] not in OPEN:
        transitions.next_status({}, claim["status"], "decide responsibility", "a damage claim")
    decided = responsibility(data, field="data")
    if decided["party"] == "undetermined" and claim["payments"]:
        raise BusinessRuleViolation("a claim paid is not undetermined", [field_error("data.party", "is undetermined")])
    at = clock.to_iso(now)
    cause = optional_text(data, "cause") or claim.get("cause")
    return Change({"responsibility": decided, "cause": cause, "updated_at": at},
                  [history_entry(at, user, "responsibility", decided["party"])])


def report(claim, data, now, user):
    """报案: the insurer told of the claim under a policy (the operator's public liability, or the
    owner's home insurance), the insurer's case number when it gave one."""
    status = _next(claim, "report")
    at = clock.to_iso(now)
    insurance = {"insurer": data["insurer"].strip(), "policy_number": data["policy_number"].strip(),
                 "case_number": optional_text(data, "case_number"),
                 "reported_at": _moment(data, "reported_at", now, claim["occurred_at"]),
                 "reported_by": user}
    return Change({"status": status, "insurance": insurance, "updated_at": at},
                  [history_entry(at, user, "reported", insurance["insurer"])])


def assess(claim, data, now, user):
    """定损: the amount accepted for the losses (the insurer's loss adjuster's, or the operator's own
    when no insurer was told), at most what was claimed (422: an assessment names no more than the losses)."""
    status = _next(claim, "assess")
    cents = data["assessed_cents"]
    if cents > claim["claimed_cents"]:
        raise BusinessRuleViolation(f"an assessment is at most the {claim['claimed_cents']} cents claimed",
                                    [field_error("data.assessed_cents", "is more than the losses claimed")])
    at = clock.to_iso(now)
    assessment = {"assessed_cents": cents, "by": optional_text(data, "assessor"), "note": optional_text(data, "note"),
                  "at": _moment(data, "assessed_at", now, claim["occurred_at"]), "recorded_by": user}
    return Change({"status": status, "assessment": assessment, "updated_at": at},
                  [history_entry(at, user, "assessed", str(cents))])


def refuse(claim, data, now, user):
    """拒赔: the insurer refuses (the cause outside the policy: the owner's own pipe under the
    operator's public liability), with its reason; the parties may still negotiate."""
    status = _next(claim, "refuse")
    if claim["insurance"] is None:  # assessed by the operator itself: no insurer to refuse it (found by r4)
        raise BusinessRuleViolation("an insurer refuses a claim reported to it",
                                    [field_error("id", "was reported to no insurer")])
    at = clock.to_iso(now)
    refusal = {"reason": data["reason"].strip(), "at": _moment(data, "refused_at", now, claim["occurred_at"]), "recorded_by": user}
    return Change({"status": status, "refusal": refusal, "updated_at": at},
                  [history_entry(at, user, "refused", refusal["reason"])])


def negotiate(claim, data, now, user):
    """协商: the parties settle it between them; the amount agreed when they have (at most what was
    claimed), told again while the claim negotiates (begun before they agreed: no amount)."""
    status = _next(claim, "negotiate")
    agreed = data.get("agreed_cents")
    if agreed is None and claim["status"] == "negotiating":  # a note alone keeps the amount agreed
        agreed = claim["negotiation"]["agreed_cents"]
    if agreed is not None and agreed > claim["claimed_cents"]:
        raise BusinessRuleViolation(f"an agreement is at most the {claim['claimed_cents']} cents claimed",
                                    [field_error("data.agreed_cents", "is more than the losses claimed")])
    at = clock.to_iso(now)
    negotiation = {"agreed_cents": agreed, "note": optional_text(data, "note"), "at": at, "by": user}
    return Change({"status": status, "negotiation": negotiation, "updated_at": at},
                  [history_entry(at, user, "negotiating", None if agreed is None else str(agreed))])


def owed_cents(claim):
    """What the claim settles for: the amount agreed, else the assessment, else what was claimed."""
    if claim.get("negotiation"):  # agreed, or not yet: what was claimed
        agreed = claim["negotiation"]["agreed_cents"]
        return claim["claimed_cents"] if agreed is None else agreed
    if claim.get("assessment"):
        return claim["assessment"]["assessed_cents"]
    return claim["claimed_cents"]


def pay(claim, data, now, user, roles):
    """赔付: the payments that settle the claim (a manager records them), each to an affected
    household (422 else), in all at most that household's losses (422: a payment typed with a zero
    too many closed the claim for good; found by r4), by a payer: the insurer only on a claim reported to one and not refused,
    the owner only when an owner is responsible, none while responsibility is undetermined. The claim
    is then closed (paid); ``shortfall_cents``: what was owed (agreed, assessed, else claimed) and not paid.
    Each payment says who received it (``received_by``): the household (the default), or the operator, for
    its own insurer's payment of a claim it is responsible for (公众责任险: it compensated the household and
    its insurer paid it back; h5: that money had no line anywhere). Finance does not book it: the claim's
    payment is where it is said, as the operator's compensation is (see the README). The operator's receipt
    is not the household's money: it counts toward no household's losses nor ``paid_cents``, is shown as
    ``reimbursed_cents`` and is at most what the operator paid (``refuse_reimbursed_beyond``)."""
    if not DECIDERS & set(roles):
        raise Forbidden("a manager records what a damage claim was paid")
    status = _next(claim, "pay")
    party = claim["responsibility"]["party"]
    if party == "undetermined":
        raise BusinessRuleViolation("decide who is responsible before the claim is paid",
                                    [field_error("id", "has its responsibility undetermined")])
    payments, losses = [], {a["household_id"]: a["claimed_cents"] for a in claim["households"]}
    paid_to = dict.fromkeys(losses, 0)
    for index, payment in enumerate(data["payments"]):
        field = f"data.payments[{index}]"
        if payment["household_id"] not in losses:
            raise BusinessRuleViolation("a payment goes to a household the claim lists",
                                        [field_error(f"{field}.household_id", "is not a household of the claim")])
        received_by = payment.get("received_by") or "household"
        if received_by == "household":  # the operator's reimbursement is not the household's money
            paid_to[payment["household_id"]] += payment["amount_cents"]
        if paid_to[payment["household_id"]] > losses[payment["household_id"]]:  # a zero too many closed it for good
            raise BusinessRuleViolation(
                f"a household is paid at most its {losses[payment['household_id']]} cents of losses",
                [field_error(f"{field}.amount_cents", "is more than the household's losses")])
        payer = payment["payer"]
        if payer == "insurer" and (claim["insurance"] is None or claim["refusal"] is not None):
            raise BusinessRuleViolation("an insurer pays a claim reported to it and not refused",
                                        [field_error(f"{field}.payer", "no insurer accepted the claim")])
        if payer == "owner" and party != "owner":
            raise BusinessRuleViolation("the owner pays when an owner is responsible",
                                        [field_error(f"{field}.payer", f"the claim's responsibility is {party}")])
        if payer == "third_party" and party != "third_party":
            raise BusinessRuleViolation("a third party pays when a third party is responsible",
                                        [field_error(f"{field}.payer", f"the claim's responsibility is {party}")])
        if received_by == "operator" and not (payer == "insurer" and party == "operator"):
            raise BusinessRuleViolation("the operator receives its own insurer's payment alone",
                                        [field_error(f"{field}.received_by",
                                                     "is operator for an insurer's payment of the operator's claim only")])
        payments.append({"payer": payer, "household_id": payment["household_id"],
                         "amount_cents": payment["amount_cents"], "received_by": received_by,
                         "reference": optional_text(payment, "reference"),
                         "paid_at": _moment(payment, "paid_at", now, claim["occurred_at"], field),
                         "recorded_by": user})
    refuse_reimbursed_beyond(claim, payments)
    paid = paid_cents(payments)
    at = clock.to_iso(now)
    closed = {**claim, "status": status, "payments": payments, "paid_cents": paid, "closed_at": at}
    return Change({"status": status, "payments": payments, "paid_cents": paid, "closed_at": at, "updated_at": at},
                  [history_entry(at, user, "paid", str(paid))],
                  [("damage_claim_closed", announced(closed))])


def paid_cents(payments):
    """What the households were paid: the payments they received (the operator's insurer paying the
    operator back is not the household's money: ``reimbursed_cents``)."""
    return sum(p["amount_cents"] for p in payments if p.get("received_by", "household") == "household")


def reimbursed_cents(payments):
    """What the operator's insurer paid the operator back (公众责任险), beside what the households were paid."""
    return sum(p["amount_cents"] for p in payments if p.get("received_by") == "operator")


def refuse_reimbursed_beyond(claim, payments):
    """The operator's insurer pays the operator back what it paid: a household's reimbursements at most
    the operator's payments to it on the claim, all of them at most the assessment (定损; else what the
    claim settles for): 422 naming the payment that went beyond. (The operator's 16,300 and its
    insurer's 16,300 to 1701 were both counted as 1701's and refused as twice its losses: today's review.)"""
    operator_paid, reimbursed, total = {}, {}, 0
    for p in payments:
        if p["payer"] == "operator":
            operator_paid[p["household_id"]] = operator_paid.get(p["household_id"], 0) + p["amount_cents"]
    cap = (claim.get("assessment") or {}).get("assessed_cents")
    cap = owed_cents(claim) if cap is None else cap
    for index, p in enumerate(payments):
        if p["received_by"] != "operator":
            continue
        field = f"data.payments[{index}].amount_cents"
        reimbursed[p["household_id"]] = reimbursed.get(p["household_id"], 0) + p["amount_cents"]
        total += p["amount_cents"]
        if reimbursed[p["household_id"]] > operator_paid.get(p["household_id"], 0):
            raise BusinessRuleViolation(
                f"the operator is paid back at most the {operator_paid.get(p['household_id'], 0)} cents it paid "
                "the household on the claim", [field_error(field, "is more than the operator paid the household")])
        if total > cap:
            raise BusinessRuleViolation(f"the operator is paid back at most the claim's {cap} cents assessed",
                                        [field_error(field, "is more than the claim's assessment")])


def withdraw(claim, data, now, user):
    """撤回: the owners give the claim up (or it is settled otherwise), with the reason."""
    status = _next(claim, "withdraw")
    at = clock.to_iso(now)
    withdrawal = {"reason": data["reason"].strip(), "at": at, "by": user}
    closed = {**claim, "status": status, "withdrawal": withdrawal, "closed_at": at}
    return Change({"status": status, "withdrawal": withdrawal, "closed_at": at, "updated_at": at},
                  [history_entry(at, user, "withdrawn", withdrawal["reason"])],
                  [("damage_claim_closed", announced(closed))])


def shown(claim):
    """The claim as the API answers it: with what it is owed and not paid."""
    owed = owed_cents(claim)
    return {**claim, "owed_cents": owed, "reimbursed_cents": reimbursed_cents(claim["payments"]),
            "shortfall_cents": max(owed - claim["paid_cents"], 0) if claim["status"] == "paid" else None}


def announced(claim):
    """``damage_claim_registered`` / ``damage_claim_closed``: the claim's source, households and their
    losses' items and cents, who is responsible (the owner's flat; no third party's name), the insurer
    and policy, its status and money; no descriptions (an owner's words about his flat stay with the desk)."""
    insurance = claim.get("insurance")
    return {
        "id": claim["_id"], "number": claim["number"], "source": claim["source"],
        "occurred_at": claim["occurred_at"], "status": claim["status"],
        "households": [{"household_id": a["household_id"], "claimed_cents": a["claimed_cents"],
                        "losses": [{"item": loss["item"], "amount_cents": loss["amount_cents"]} for loss in a["losses"]]}
                       for a in claim["households"]],
        "claimed_cents": claim["claimed_cents"],
        "responsibility": {"party": claim["responsibility"]["party"],
                           "household_id": claim["responsibility"]["household_id"]},
        "insurer": insurance and insurance["insurer"], "policy_number": insurance and insurance["policy_number"],
        "assessed_cents": (claim.get("assessment") or {}).get("assessed_cents"),
        "paid_cents": claim["paid_cents"], "reimbursed_cents": reimbursed_cents(claim["payments"]),
        "payments": [{"payer": p["payer"], "household_id": p["household_id"], "amount_cents": p["amount_cents"],
                      "received_by": p.get("received_by", "household"), "paid_at": p["paid_at"]}
                     for p in claim["payments"]],
        "closed_at": claim["closed_at"]}
