"""Who pays a flat's property service fee (缴费义务人): its owner, or the developer (开发建设单位).

《物业服务收费管理办法》第十六条: "纳入物业管理范围的已竣工但尚未出售，或者因开发建设单位原因未按时交给
物业买受人的物业，物业服务费用或者物业服务资金由开发建设单位全额交纳。"

- **Taken over** (a decision): a unit is in the management's care from its accepted takeover
  (接管验收: archive's ``taken_over_on``, the accepted takeover's day, on the household copy). A
  household with no takeover recorded (an estate taken over whole, its units imported) is billed
  as before: to its owner, from its handover if one is recorded.
- **The developer pays** from the takeover day to the day before the handover (交房: ``occupied_from``),
  whether the flat is unsold, sold and not yet handed over, or refused at its handover (a handover
  with defects the owner did not take: no ``occupied_from``): it is the developer's until handed over.
  The owner pays from the handover day (``standards.applies``: a flat taken over and not handed over
  bills its owner nothing).
- **The month split** at a takeover or a handover day is the one rule of the handover month
  (``billing.handover_share``: the days from the day, inclusive, of the month's days on the estate's
  calendar, or the whole month to its newcomer when ``prorate_handover_month`` is 0): the developer's
  part of a month and the owner's sum to the month, nothing billed twice, nothing lost; in cents too:
  the owner's bill is rounded as any bill, the developer's is what its months cost with the owner's
  after them less the owner's (``owner_rest``), so a split month's two bills sum to the whole month's.
- **A unit taken over in a quarter's or a year's middle** (a new building's flats registered and taken
  over then): the run of a month in the cycle bills the developer the rest of it from its takeover
  (``billing.joined_mid_cycle``), cut to what no bill covers; before, no run billed anyone for it.
- **A takeover recorded after the owner was billed**, the flat not handed over: the developer owes those
  days (the developer pays until the handover), the owner none. The month's run again cancels the owner's
  bill of it (``owner_restatement_cancel``: never edited, ``rebilled_as`` the developer's, its money back to
  the owner's payments as his prepaid credit, paid or not, as a developer's bill restated gives its money
  back) and bills the developer what a run would with that bill gone (``operations._owner_restatements``, ``_restate``;
  its bill names the owner's, ``source.corrects_bill_id``). Found by h2: the owner's bill stood, the
  developer was billed none of it. A handover recorded after that move: the owner's days from it are
  billed under an id of their own (``owner_rebill``; the cancelled bill, ``MOVED_TO_DEVELOPER``, held the
  month's id and they were billed to nobody: found by r2 reviewing h2). **A takeover and a handover both
  recorded after the owner was billed** (archive's records entered late): his bills of the months before the
  handover, and of its month whole, charge days he never owed (``owner_overbilled``): they are moved the same
  way, the developer billed its days and the owner his from the handover under an id of their own (the split
  month's two bills summing to it); they stood, and the developer was billed none of those months (h2 had
  left them, found by r2 reviewing h2). A bill of the months from the handover on is the owner's: it stands.
- **Its bills** are the household's bills of the item and period under an id of their own
  (``developer_bill_id``), marked ``payer: developer`` with the estate's developer's name
  (``payer_name``, the estate's ``developer_name``: a company's name, no personal data) and the days
  they cover (``owed``). A run keeps what each payer's bills cover apart (``coverage_key``).
- **A handover recorded after the month was billed**: the developer's bill no longer covers what it
  owes (``restated``); the month's run cancels it (its money back to its payments, as a correction's:
  ``billing.correction_cancel``) and bills the days it owes (``restatement``, naming the bill it
  corrects), never editing it; the owner's part is billed by the same run.
- **Money**: the owner's money never pays the developer's bills, nor the developer's the owner's
  (``payments.pays``); a payment naming the developer's bills is the developer's (``payer_of_payment``),
  and at a sale never the seller's prepaid money (``seller_prepaid.sellers_sources``).
- The owner's statement and portal show the owner's bills and money only (``owners_only``).

Plain functions: no broker, no store.
"""
from calendar import monthrange
from datetime import date, timedelta
from fractions import Fraction

from estate_common import bill_payers, ids
from estate_common.errors import BusinessRuleViolation, field_error

from . import periods

# the payers' one spelling, the console's too (estate_common.bill_payers)
DEVELOPER, OWNER = bill_payers.DEVELOPER, bill_payers.OWNER


def payer_of(doc):
    """``developer`` or ``owner``: the payer a bill, a payment or a billing pair's household names."""
    return DEVELOPER if doc.get("payer") == DEVELOPER else OWNER


def taken_over(household):
    """Whether the household's unit has an accepted takeover (接管验收) with its day."""
    return len(household.get("taken_over_on") or "") >= 10


def with_owner(household):
    """Whether the owner is billed at all: a flat taken over and not handed over is the developer's
    (``standards.applies`` reads it)."""
    return not taken_over(household) or bool(household.get("occupied_from"))


def _position(day, month, prorate):
    """The part of ``month`` before the local ``day`` (0 for a day of an earlier month, 1 for one of a
    later month; in the month, the handover month's one rule: ``billing.handover_share``)."""
    from .billing import handover_share
    if not day or day[:7] < month:
        return Fraction(0)
    if day[:7] > month:
        return Fraction(1)
    return handover_share({"occupied_from": day}, month, prorate)


def developer_share(household, month, prorate):
    """The part of ``month`` the developer owes for ``household``: from its takeover day to the day
    before its handover day, by the handover month's rule; 0 with no takeover recorded."""
    if not taken_over(household):
        return Fraction(0)
    handover = household.get("occupied_from")
    end = _position(handover, month, prorate) if handover else Fraction(1)
    return max(end - _position(household["taken_over_on"], month, prorate), Fraction(0))


def owner_share(household, month, prorate):
    """The part of ``month`` the owner owes for ``household``: all of it with no takeover recorded (billed as
    before), else from its handover day by the handover month's rule (none before it, none when not handed over)."""
    if not taken_over(household):
        return Fraction(1)
    handover = household.get("occupied_from")
    return 1 - _position(handover, month, prorate) if handover else Fraction(0)


def owner_overbilled(household, covered, prorate):
    """Whether the owner's bill covering ``covered`` (``billing.months_covered``: ``[(month, part)]``) charges
    some month beyond the part he owes (``owner_share``): days of a unit taken over before its handover, the
    developer's (or before its takeover, nobody's), recorded after he was billed."""
    return any(part > owner_share(household, month, prorate) for month, part in covered)


def developer_months(household, first, last, prorate):
    """The developer's months of ``first``..``last`` (a cycle), summed."""
    return sum((developer_share(household, periods.add_months(first, n), prorate)
                for n in range(periods.months_between(first, last) + 1)), Fraction(0))


def owner_rest(view, first, last):
    """The owner's months of ``first``..``last`` after the developer's (a ``developer_view``'s): from its
    handover day, by the handover month's rule; 0 when not handed over by ``last``. The developer's bill
    is what the months from its takeover cost less what the owner's bill of them costs, each rounded
    half-up once (``billing.run_bills``), so the two parts of a split month sum to its whole to the cent
    (a part rounded on its own, 5000.5 + 5000.5 cents, billed 10002 of a month of 10001: found by review
    r2 of h2)."""
    days = view.get("_developer") or {}
    handover = days.get("until")
    if not handover:
        return Fraction(0)
    return sum((1 - _position(handover, periods.add_months(first, n), days.get("prorate"))
                for n in range(periods.months_between(first, last) + 1)), Fraction(0))


def view_months(view, first, last):
    """``developer_months`` of a ``developer_view`` (its days kept under ``_developer``): a run's piece of the
    developer's cycle (``billing.uncovered``) by its days, not whole months."""
    days = view["_developer"]
    return developer_months({"taken_over_on": days["from"], "occupied_from": days["until"]}, first, last,
                            days["prorate"])


def developer_view(household, name, prorate):
    """The household as the developer's pairs bill it: its scope (area, status) as it is, no dates
    of its own (``standards.applies`` bills it any month: the months are ``developer_months``'s), the
    payer and the developer's name, and its takeover and handover days (``owed``)."""
    return {**household, "occupied_from": None, "occupied_to": None, "taken_over_on": None,
            "payer": DEVELOPER, "payer_name": name,
            "_developer": {"from": household.get("taken_over_on"), "until": household.get("occupied_from"),
                           "prorate": bool(prorate)}}


def owed(view, first, last):
    """``{from, to}``: the local days of the months ``first``..``last`` the developer owes (the
    first and last; a month's part by ``developer_share``'s rule)."""
    days = view["_developer"]
    start, handover, prorate = days["from"], days["until"], days["prorate"]
    if start[:7] >= first:
        begin = start[:10] if prorate else f"{start[:7]}-01"
    else:
        begin = f"{first}-01"
    end = _last_day(last)
    if handover and handover[:7] <= last:
        if prorate and len(handover) >= 10:
            end = (date.fromisoformat(handover[:10]) - timedelta(days=1)).isoformat()
        else:
            end = _last_day(periods.add_months(handover[:7], -1))
    return {"from": begin, "to": end}


def _last_day(month):
    return f"{month}-{monthrange(int(month[:4]), int(month[5:7]))[1]:02d}"


def developer_bill_id(estate_id, household_id, item, period, *piece):
    """The developer's bill of a household's item and period (beside the owner's of the same month)."""
    return ids.natural_id("bill", estate_id, household_id, item, period, DEVELOPER, *piece)


def coverage_key(household_id, item, payer=OWNER):
    """What a run keeps a payer's bills apart by (``billing.coverage``, ``billing.uncovered``): the
    developer's part of a month and the owner's are each billed once."""
    return (household_id, item) if payer != DEVELOPER else (household_id, item, DEVELOPER)


def restated(billed, expected):
    """Whether the developer's live ``billed`` bill no longer covers what the run would bill now
    (``expected``, its pair's bill): a handover (or a takeover) recorded since changed its days."""
    return billed.get("owed") != expected.get("owed")


def restatement(expected, wrong):
    """The bill that replaces the developer's ``wrong`` one: ``expected`` under an id of its own (the
    days it covers name it), naming the bill it corrects."""
    return {**expected, "_id": ids.natural_id("bill", expected["estate_id"], expected["household_id"],
                                              expected["item"], expected["period"], DEVELOPER, "owed",
                                              expected["owed"]["from"], expected["owed"]["to"]),
            "source": {**expected["source"], "corrects_bill_id": wrong["_id"]}}


def restatement_cancel(wrong, new_id, now_iso, actor, handover):
    """The changes that cancel the developer's ``wrong`` bill for its re-bill ``new_id`` (None: it owes
    none of the period now), its allocations ``released`` to go back to their payments."""
    if wrong["status"] == "cancelled":
        return None
    reason = (f"the handover (交房) on {handover} changed the days the developer owes: re-billed as {new_id}"
              if new_id else f"the handover (交房) on {handover}: the developer owes none of {wrong['period']}")
    return {"status": "cancelled", "cancelled_at": now_iso, "cancelled_by": actor, "cancel_reason": reason,
            "rebilled_as": new_id, "paid_cents": 0, "settled_at": None, "allocations": [],
            "released": list(wrong.get("allocations") or [])}


# on an owner's bill cancelled for the developer's days (``owner_restatement_cancel``): its id, the run's natural one
# for the owner's month, is no longer his to be billed by (``owner_rebill``)
MOVED_TO_DEVELOPER = "_moved_to_developer"


def owner_rebill(bill, moved, handover):
    """The owner's run ``bill`` as written: as it is, or, where the owner's bill of its id was moved to the
    developer (``moved``: those ids, ``MOVED_TO_DEVELOPER``), under an id of its own from the ``handover``
    since, naming the bill it replaces (``source.corrects_bill_id``: a closed month's rate at its end counts
    what he had paid on it by then, as a correction's re-bill does). The cancelled bill held the id, and the
    owner's days from a handover recorded after the move were counted billed already and billed to nobody
    (found by r2 reviewing h2)."""
    if bill["_id"] not in moved:
        return bill
    return {**bill, "_id": ids.natural_id("bill", bill["estate_id"], bill["household_id"], bill["item"],
                                          bill["period"], OWNER, "from", handover),
            "source": {**bill["source"], "corrects_bill_id": bill["_id"]}}


def owner_restatement_cancel(wrong, new_id, now_iso, actor, takeover):
    """The changes that cancel the owner's ``wrong`` bill of days the developer owes (a takeover, 接管验收, on
    ``takeover`` recorded after the month was billed to the owner, the flat not handed over, or handed over
    after those days with its handover recorded late too: ``owner_overbilled``): ``rebilled_as`` the
    developer's bill ``new_id`` (None: the developer owes none of it either), its allocations ``released`` to go
    back to the owner's payments, as his prepaid credit (``restatement_cancel``'s way). None when cancelled."""
    if wrong["status"] == "cancelled":
        return None
    reason = (f"the takeover (接管验收) on {takeover}: the developer owes these days until the handover, "
              f"billed as {new_id}" if new_id else
              f"the takeover (接管验收) on {takeover}: its owner owes none of {wrong['period']} before the handover")
    return {"status": "cancelled", "cancelled_at": now_iso, "cancelled_by": actor, "cancel_reason": reason,
            "rebilled_as": new_id, "paid_cents": 0, "settled_at": None, "allocations": [],
            "released": list(wrong.get("allocations") or []), MOVED_TO_DEVELOPER: True}


def payer_of_payment(bills, bill_ids):
    """The payer of a payment naming ``bill_ids`` (of ``bills``): the developer when it names the
    developer's bills (all of them: 422 for a mix, as one receipt has one payer), else the owner."""
    named = [bill for bill in bills if bill["_id"] in set(bill_ids or ())]
    kinds = {payer_of(bill) for bill in named}
    if len(kinds) > 1:
        raise BusinessRuleViolation("a payment pays the developer's bills or the owner's, not both",
                                    [field_error("data.bill_ids", "names the developer's and the owner's bills")])
    return kinds.pop() if kinds else OWNER


def owners_only(docs):
    """The owner's bills or payments of ``docs`` (a household's statement, the owner portal)."""
    return [doc for doc in docs if payer_of(doc) == OWNER]
