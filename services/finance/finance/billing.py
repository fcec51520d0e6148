"""Bills (账单): what a household owes for an item and a period, from a billing run or a charge.

- One bill per household, item and period: its ``_id`` is the natural key
  ``natural_id("bill", estate, household, item, period)``, so a run repeated, retried or
  running twice at once writes each bill once (the store refuses the second ``_id``).
- One bill per charge raised by another service: ``natural_id("bill", estate, "charge",
  source service, charge id)``, however often the event is delivered.
- A charge withdrawn at its source (``charge_withdrawn``: its application was withdrawn)
  cancels its bill (``cancellation``): no longer owed, in no arrears, payment or collection
  rate, still listed. Money already on it goes back to the payments it came from, as their
  unused money (``released``): the household's prepaid credit, which settles its other bills as
  any prepaid money does (a cash refund is that payment's reversal). Waiting for the cashier to
  reverse a payment instead left the bill owed, reminded and payable (found by review). A
  withdrawal that arrives before its charge makes the bill cancelled at once, so the charge,
  arriving later, is a duplicate.
- Amounts are exact: area × unit price × months in ``Decimal``, rounded half-up to a cent
  once (89.37 m² × 235 cents = 21001.95 → 21002 cents).

Plain functions: no broker, no store.
"""
import math
from calendar import monthrange
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from estate_common import calendar, clock, ids, money
from estate_common.money import MAX_BILL_CENTS, to_cents

from . import billing_cycles, payers, periods
from .standards import CYCLE_MONTHS, applier, applies, bills_in

def _times(exact, months):
    """``exact`` (a Decimal) × ``months``, a whole number or a ``Fraction`` (a month handed over
    after its first day: ``handover_share``), divided once, at the end."""
    months = Fraction(months)
    return exact * months.numerator / months.denominator


def area_amount_cents(area_m2, unit_price_cents_per_m2, months=1):
    """Cents owed for a floor area at a price per m² per month, rounded half-up to the cent."""
    return to_cents(_times(Decimal(str(area_m2)) * Decimal(unit_price_cents_per_m2), months))


def amount_cents(standard, area_m2, months=None):
    """A bill of ``standard`` for ``months`` of its cycle (the whole cycle by default; a fraction
    when its first month is owed from a handover day: ``handover_share``): by area, area × price ×
    months; a fixed amount, its share of the cycle's amount."""
    cycle = CYCLE_MONTHS[standard["cycle"]]
    months = cycle if months is None else months
    if standard["basis"] == "area":
        return area_amount_cents(area_m2, standard["unit_price_cents_per_m2"], months)
    if months == cycle:
        return standard["amount_cents"]
    return to_cents(_times(Decimal(standard["amount_cents"]), months) / cycle)


def handover_share(household, month, prorate):
    """The part of ``month`` a household does not owe because it was handed over (交房) after the
    month's first day: ``Fraction(days before the handover day, days of the month)``, 0 when it
    owes the whole month (handed over on the 1st, in another month, with no day recorded, or
    ``prorate`` off: the estate's setting ``prorate_handover_month``). The owner pays from the day
    the unit is handed over, by the day (不足一月按实际天数计), as the source documents' handover
    makes him the payer from then: a flat handed over on 20 November owed all of November. The
    developer's part of a month taken over or handed over is split by this one rule too
    (``payers.developer_share``)."""
    occupied = household.get("occupied_from") or ""
    if not prorate or len(occupied) < 10 or occupied[:7] != month:
        return _NO_SHARE
    return Fraction(int(occupied[8:10]) - 1, monthrange(int(month[:4]), int(month[5:7]))[1])


_NO_SHARE = Fraction(0)  # a month owed whole (immutable: shared, where each household made one)


def prorated(household, month, share):
    """What a bill owed from a handover day says of it (``Bill.prorated``): the day, the days owed
    and the days of the month; None for a bill of whole months."""
    if not share:
        return None
    days = monthrange(int(month[:4]), int(month[5:7]))[1]
    return {"from": household["occupied_from"][:10], "days": days - int(share * days), "month_days": days}


def bill_id(estate_id, household_id, item, period):
    return ids.natural_id("bill", estate_id, household_id, item, period)


def bill_ids(estate_id, item, period):
    """``bill_id`` as a function of the household alone, for a run's many bills of one item and
    period (the same ids, in half the time: a tenth of a run's time went to them)."""
    return ids.natural_ids("bill", (estate_id,), (item, period))


def piece_bill_id(estate_id, household_id, item, period, covers_from):
    """A run's bill of ``period`` that covers from a later month (``covers_from``: the rest of a cycle
    after months other bills cover), under an id of its own: the natural id of the period is that of a
    bill of the month's own (the vacant month's bill of another standard: found by review r3 of h3, the
    rest of the quarter, taking it, counted billed already and left unbilled)."""
    return ids.natural_id("bill", estate_id, household_id, item, period, "from", covers_from)


def charge_bill_id(estate_id, service, charge_id):
    return ids.natural_id("bill", estate_id, "charge", service, charge_id)


def due_at(period, issued, rules):
    """When a period's bill is due (see rules.py): end of the billing month or of its N-th day,
    but never before the end of the day ``late_bill_grace_days`` after it was issued."""
    if rules["bill_due_days"]:  # N local days (local midnights, whatever a DST change does to the hours)
        due = _end_of_local_day(periods.period_start(period, rules), rules["bill_due_days"] - 1, rules)
    else:
        due = periods.period_end(period, rules) - timedelta(milliseconds=1)
    if due < issued:  # a catch-up bill, issued after its period's due moment
        due = _end_of_local_day(issued, rules["late_bill_grace_days"], rules)
    return clock.to_iso(due)


def _end_of_local_day(moment, days, rules):
    """The last instant of the estate's local day ``days`` after ``moment``'s: a bill due in N
    days may be paid all that day, as the end of its month is, not only until the hour it was
    issued."""
    return calendar.day_end(moment, rules["timezone"], days=days + 1) - timedelta(milliseconds=1)


def billed_pairs(standards, households, period, prorate=False, cycles=None, developer_name=None):
    """``(household, standard, bill period, months)`` for each bill a run for ``period`` makes:
    every standard whose cycle starts in ``period``, on the households it applies to
    (``standards.applies``), for its whole cycle, less the days of ``period`` before its handover
    day (``handover_share``, when ``prorate``). ``cycles``: ``{(household_id, item): record}``, the
    households' own billing cycles; one in force under a monthly standard bills it instead
    (``own_cycle_pairs``). A unit taken over and not handed over for the whole cycle or a part of it
    is the developer's for those days (``payers``): a pair of its own, its household the developer's
    view (``payers.developer_view``, named ``developer_name``), its months ``payers.developer_months``."""
    cycles = cycles or {}
    # each standard's cycle and ``applies`` (``standards.applier``), once
    months = [(standard, CYCLE_MONTHS[standard["cycle"]], applier(standard, period)) for standard in standards]
    for household in households:
        share = handover_share(household, period, prorate)
        for standard, cycle, applies_to in months:
            if applies_to(household) and not _by_own_cycle(cycles, household, standard, period):
                # a whole cycle stays a whole number: no Fraction for a household not handed over in the month
                yield household, standard, period, cycle - share if share else cycle
        if payers.taken_over(household):
            yield from developer_pairs(standards, household, period, prorate, developer_name)


def developer_pairs(standards, household, period, prorate, developer_name=None, with_none=False):
    """The developer's pairs of ``household`` for the standards whose cycle starts in ``period``: its
    months of the cycle (``payers.developer_months``), those it owes any (``with_none``: every one, a
    run's look at the bills it billed the developer before a handover, ``payers.restated``)."""
    view = payers.developer_view(household, developer_name, prorate)
    for standard in standards:
        last = periods.add_months(period, CYCLE_MONTHS[standard["cycle"]] - 1)
        months = payers.developer_months(household, period, last, prorate)
        if (months or with_none) and applies(standard, view, period):
            yield view, standard, period, months


def _by_own_cycle(cycles, household, standard, period):
    record = cycles.get((household["_id"], standard["item"]))
    return record is not None and billing_cycles.applies_under(standard) \
        and billing_cycles.span(record, period) is not None


def own_cycle_pairs(standards, households, period, cycles, prorate=False):
    """The bills a run for ``period`` may make for the households that pay a monthly standard by their own
    cycle (按季 / 按年缴费: ``billing_cycles``): ``(household, standard, period, months, (first, last))``
    from ``period`` to the end of what ``billing_cycles.bill_span`` gives, which ``uncovered`` cuts to the
    months no bill of the item covers yet, as it does every other run's pairs (one rule)."""
    for household in households:
        share = handover_share(household, period, prorate)
        for standard in standards:
            if not _by_own_cycle(cycles, household, standard, period) or not applies(standard, household, period):
                continue
            span = billing_cycles.bill_span(cycles[(household["_id"], standard["item"])], standard, household, period)
            if span[0] <= span[1]:
                yield household, standard, period, periods.months_between(*span) + 1 - share, span


def covered_months(bills):
    """``{(household_id, item): {month}}``: the months ``bills`` cover (``months_covered``)."""
    covered = {}
    for bill in bills:
        covered.setdefault(payers.coverage_key(bill["household_id"], bill["item"], payers.payer_of(bill)), set()).update(
            month for month, _ in months_covered(bill))
    return covered


def coverage(bills):
    """``{(household_id, item): [(month, period, standard_id)]}``: the months ``bills`` (live ones) cover
    (``months_covered``), each with its bill's period and standard (None for a charge's), which
    ``uncovered`` reads."""
    found = {}
    for bill in bills:
        source = bill.get("source") or {}
        key = payers.coverage_key(bill["household_id"], bill["item"], payers.payer_of(bill))  # each payer's apart
        if source.get("kind") == "opening_balance":  # the previous company's bill of its period: its whole cycle
            found.setdefault(key, []).append((CARRIED, bill["period"], None))
            found.setdefault(payers.coverage_key(bill["household_id"], bill["item"], payers.DEVELOPER), []).append(
                (CARRIED, bill["period"], None))  # the household's, billed: not the developer's again
            continue
        found.setdefault(key, []).extend(
            (month, bill["period"], source.get("standard_id")) for month, _ in months_covered(bill))
        if payers.payer_of(bill) == payers.OWNER:  # a month the owner's bill covers whole is not the developer's
            found.setdefault(payers.coverage_key(bill["household_id"], bill["item"], payers.DEVELOPER), []).extend(
                (month, payers.OWNER, None) for month, weight in months_covered(bill) if weight == 1)
    return found


PIECE = "piece"  # ``uncovered``'s mark of a pair cut to the months no bill covers
CARRIED = "carried"  # ``coverage``'s month of an opening balance (期初欠费): it covers its period's cycle whole


def uncovered(pairs, covered, corrects=None, prorate=False):
    """The one rule of which months of an item a household's bill may cover (DOMAIN.md: one bill per
    household, item and period, no double billing; a month owed is billed): no two live bills of an item
    share a month, and a run bills the months of its cycle no bill covers yet, and only those, whichever
    order the months are run in (an opening balance, 期初欠费, of the pair's period covers its cycle whole,
    as a quarter's was carried over as its first month's). ``pairs`` (``billed_pairs``, ``joined_mid_cycle``)
    cut to those months
    (``covered``: ``coverage``), each run of consecutive ones a bill of its own (``(household, standard,
    period, months, (first, last), PIECE)``: ``run_bills`` gives one from a later month than its period an
    id of its own, ``piece_bill_id``); a pair none of whose months is covered as it was (the cycle's own
    bill, under its period's id: two runs at once write it once). A quarterly
    standard's bill of October, its run made after November was billed by the month, covers October and
    December (found by review r3 of h3: November billed twice, as only the bills before it were read);
    the rest of a quarter whose October was billed vacant is November and December (found by review r3:
    none was billed). A bill of the pair's own period a correction (更正) replaces covers nothing here:
    the run re-bills it (``corrects``: ``{standard_id: the standard it corrects}``), for at least the months it
    covered (a household's own quarter billed to January, its move-out in December recorded since: found by
    h8, the re-bill stopped at December and January went with the wrong bill). The households paying by
    their own cycle (``own_cycle_pairs``) are cut here too, where a rule of their own looked forward only.
    ``(kept, left_out)``: the pairs left out had every month covered (billed already)."""
    kept, left_out, corrects = [], 0, corrects or {}
    lasts = {}  # a cycle's last month by its first and its kind: once a run, not once a household
    for pair in pairs:
        household, standard, period, months, *span = pair
        if span:
            first, last = span[0]
        else:
            first, last = period, lasts.get((period, standard["cycle"]))
            if last is None:
                last = lasts[period, standard["cycle"]] = periods.add_months(
                    period, CYCLE_MONTHS[standard["cycle"]] - 1)
        payer = payers.payer_of(household)
        entries = covered.get(payers.coverage_key(household["_id"], standard["item"], payer), ())
        if not entries and payer == payers.OWNER and first <= last:  # no bill of the item covers a month of it
            kept.append(pair)  # (most households of a run): the pair whole, as the rule below keeps it
            continue
        wrong = corrects.get(standard["_id"])
        redone = {month for month, of, standard_id in entries if wrong and of == period and standard_id == wrong}
        taken = {month for month, of, standard_id in entries if month not in redone}
        whole = (first, last)
        if redone:  # a correction re-bills the months its wrong bills covered, whatever has changed since
            first, last = min(first, *redone), max(last, *redone)
        runs = [] if (CARRIED, period, None) in entries else spans_between(first, last, taken)
        if payer == payers.DEVELOPER:  # the developer's months it owes none of (after the
            runs = [run for run in runs if payers.view_months(household, *run)]  # handover): no piece of 0 cents,
            # owed from after its end, which broke the bills list's contract (found by r2 reviewing h2)
        if not runs:
            left_out += 1
        elif runs == [whole]:
            kept.append(pair)
        else:
            kept.extend((household, standard, period, payers.view_months(household, *run) if payer == payers.DEVELOPER
                         else periods.months_between(*run) + 1 - handover_share(
                    household, run[0], prorate), run, PIECE) for run in runs)
    return kept, left_out


def spans_between(first, last, taken):
    """``[(from, to)]``: the runs of consecutive months of ``first``..``last`` not in ``taken``."""
    runs, month = [], first
    while month <= last:
        if month in taken:
            month = periods.add_months(month, 1)
            continue
        start = month
        while month <= last and month not in taken:
            month = periods.add_months(month, 1)
        runs.append((start, periods.add_months(month, -1)))
    return runs


def cycles_starting(standards, months):
    """``[(month, standard)]``, month by month: each approved periodic standard whose cycle starts in
    one of ``months`` (``standards.bills_in``: a run for that month bills it)."""
    return [(month, standard) for month in months for standard in standards if bills_in(standard, month)]


def applying(pairs, households, cycles=None, covered=None):
    """Those ``(month, standard)`` of ``pairs`` that bill at least one of ``households`` in their
    month (``standards.applies``), the households walked only until each pair has found one. A
    household paying by its own cycle (``cycles``, ``billed_pairs``) is billed in a month its bills
    do not cover yet (``covered``: ``{(household_id, item): months}``) only."""
    left, found = list(pairs), set()
    cycles, covered = cycles or {}, covered or {}
    for household in households:
        for index, (month, standard) in enumerate(left):
            if index not in found and applies(standard, household, month) and not (
                    _by_own_cycle(cycles, household, standard, month)
                    and month in covered.get((household["_id"], standard["item"]), ())):
                found.add(index)
            elif index not in found and payers.developer_months(  # the developer's days of the cycle (a quarter's
                    household, month, periods.add_months(month, CYCLE_MONTHS[standard["cycle"]] - 1), True) \
                    and applies(standard, payers.developer_view(household, None, True), month):  # first month's too)
                found.add(index)
        if len(found) == len(left):
            break
    return [pair for index, pair in enumerate(left) if index in found]


def months_not_billed(pairs):
    """Billing runs are manual: the months a run should have billed and has not (``pairs``: each
    ``(month, standard)`` whose cycle starts in that month, bills some household, and has no bill of
    that month from a run: ``operations.months_not_billed``), month by month, each with its items and
    standards. A month nobody ran read as one with nothing to bill (a domain-gap audit)."""
    months = {}
    for month, standard in pairs:
        shown = months.setdefault(month, {"period": month, "items": set(), "standard_ids": set()})
        shown["items"].add(standard["item"])
        shown["standard_ids"].add(standard["_id"])
    return [{**shown, "items": sorted(shown["items"]), "standard_ids": sorted(shown["standard_ids"])}
            for _, shown in sorted(months.items())]


def joined_mid_cycle(standards, households, period, tz, prorate=False, registered=None, developer_name=None):
    """The bills a run for ``period`` makes in the middle of a quarterly or yearly cycle
    (``standards``: each with the ``cycle_start`` of ``period``; ``tz``: the estate's timezone,
    whose months a registration falls in): a household that joined the estate since the cycle
    began was not billed at its start; it owes the rest of the cycle from the month it joined
    (``owed_from``; to the month it left, if it has left already). The bill is the cycle's own
    (its period is the cycle's first month), so a later run in the cycle, or a household billed
    at the start, makes none twice. ``registered``: ``registered_months`` of ``households``, read once for
    many months (else read here)."""
    if not standards:  # no cycle begun before ``period``: every household walked and read for nothing
        return
    registered = registered if registered is not None else registered_months(households, tz)
    for household in households:
        occupied, left = (household.get("occupied_from") or "")[:7], (household.get("occupied_to") or "")[:7]
        for standard, start in standards:
            first = owed_from(occupied, registered[household["_id"]], start)
            if first and applies(standard, household, period):
                last = periods.add_months(start, CYCLE_MONTHS[standard["cycle"]] - 1)
                last = min(last, left) if left else last  # not past the month the household left
                if first <= last:
                    yield (household, standard, start,
                           periods.months_between(first, last) + 1 - handover_share(household, first, prorate),
                           (first, last))
        if payers.taken_over(household):  # the developer's rest of the cycle from its takeover (``payers``): a unit
            yield from _developer_mid_cycle(standards, household, period, prorate, developer_name)  # mid-cycle


def _developer_mid_cycle(standards, household, period, prorate, developer_name=None):
    """The developer's pairs of a cycle begun before ``period`` (``joined_mid_cycle``'s ``standards``) for a unit
    taken over (接管验收) in it: from its takeover's month (the cycle's first if before) to the cycle's last, its
    months ``payers.developer_months``; ``uncovered`` cuts them to what no bill covers (the cycle's first run's,
    the owner's). A unit taken over mid-cycle was billed to nobody (h2's note, found by review r2)."""
    view = payers.developer_view(household, developer_name, prorate)
    for standard, start in standards:
        last = periods.add_months(start, CYCLE_MONTHS[standard["cycle"]] - 1)
        first = max(start, household["taken_over_on"][:7])
        if first <= last and applies(standard, view, period):
            months = payers.developer_months(household, first, last, prorate)
            if months:
                yield view, standard, start, months, (first, last)


def registered_months(households, tz):
    """``{household_id: the month of the estate (``tz``) it was registered in}``, "" with no record of it."""
    return {household["_id"]: calendar.period_of(clock.parse_iso(household["created_at"]), tz)
            if household.get("created_at") else "" for household in households}


def joined_since(households, since, registered):
    """Those of ``households`` that may owe the rest of a cycle begun in ``since`` or later
    (``owed_from``: handed over or registered then or later; or taken over then or later, the developer's
    rest of it: ``_developer_mid_cycle``, which ``GET …/unbilled-months`` did not name, found by h2); the
    others owe none of any such cycle. ``registered``: ``registered_months``."""
    return [household for household in households
            if owed_from((household.get("occupied_from") or "")[:7], registered[household["_id"]], since)
            or (payers.taken_over(household) and household["taken_over_on"][:7] >= since)]


def owed_from(occupied, registered, start):
    """The month from which a household owes the cycle beginning ``start`` when a run in the
    cycle's middle bills it, or "" when the run at its start billed it (or could have):
    handed over in the cycle (``occupied``), from then; registered in the
    estate during the cycle (``registered``), which the run at its start could not see, as that
    run would bill it now: the whole cycle. (A registration is not when a household began to
    owe: an estate taken over mid-cycle registers every household then, and bills the months
    before by catch-up runs; billed from its registration month, the cycle's bill depended on
    which run came first: found by review.) Only a handover counted before: a household
    registered in the cycle's second month with no handover recorded was billed by no run in
    the cycle, until someone ran its first month again (found by a probe). A handover in the cycle's
    first month counts too: the run of that month may have come before it and, under a standard
    limited to occupied units, billed the flat as vacant, nothing (found by review); the bill is the
    cycle's own, so where that run billed it, a later run finds it billed."""
    if occupied >= start:
        return occupied
    if registered >= start:
        return start
    return ""


def run_bills(estate_id, pairs, job_id, due, stamp):
    """The bills a billing run writes for ``pairs`` (``billed_pairs``, ``joined_mid_cycle``: each
    household read copy, ``{_id, area_m2, status, …}``, with a standard that applies to it, the
    bill's period and the months it covers). A generator: the run writes them in batches.
    Households of the same floor area cost the same: each amount (and its ``pricing``) is computed once per run.
    A bill that rounds to 0 cents (a tiny area at a low price) is settled as it is made: no
    payment could ever settle it (nothing is outstanding), so it stayed unpaid for good and
    counted in the arrears once due (found by review). ``due(month)``: when a bill whose first month is
    ``month`` falls due (``due_at``): a bill of several months is paid ahead, due with the first month it
    covers, its period's or, for one from a later month (``covers_from``), that month's (found by h8: a
    quarter's December, billed in November, was overdue in November)."""
    amounts, id_makers, dues, pricings = {}, {}, {}, {}
    for household, standard, period, months, *span in pairs:
        rest, developer = 0, payers.payer_of(household) == payers.DEVELOPER
        if developer:  # the owner's part after it (``payers.owner_rest``)
            rest = payers.owner_rest(household, span[0][0] if span else period, span[0][1] if span else
                                     periods.add_months(period, CYCLE_MONTHS[standard["cycle"]] - 1))
        key = (standard["_id"], household.get("area_m2"), months, rest)
        amount = amounts.get(key)
        if amount is None:  # the developer's: what the cycle costs from its takeover less the owner's part
            amount = amounts[key] = amount_cents(standard, household.get("area_m2"), months + rest) - (
                amount_cents(standard, household.get("area_m2"), rest) if rest else 0)
        shown = (key, type(household.get("area_m2")))  # an area of 60 and one of 60.0: one amount, each as it is
        if shown not in pricings:
            pricings[shown] = pricing(standard, household, months)
        series = (standard["item"], period)
        if series not in id_makers:
            id_makers[series] = bill_ids(estate_id, *series)
        share = months % 1  # whole months (an int, most bills) have none: no Fraction made
        bill = {
            "_id": id_makers[series](household["_id"]),
            "estate_id": estate_id,
            "household_id": household["_id"],
            "item": standard["item"],
            "period": period,
            "amount_cents": amount,
            "paid_cents": 0,
            "status": "unpaid" if amount else "paid",
            "due_at": None,
            "created_at": stamp,
            "settled_at": None if amount else stamp,
            "source": {"kind": "billing_run", "job_id": job_id, "standard_id": standard["_id"]},
            "pricing": dict(pricings[shown]),  # as ``pricing`` makes it for this household: a copy each bill
        }
        if developer:  # the developer's days (``payers``)
            last = span[0][1] if span else periods.add_months(period, CYCLE_MONTHS[standard["cycle"]] - 1)
            bill.update(_id=payers.developer_bill_id(estate_id, household["_id"], standard["item"], period),
                        payer=payers.DEVELOPER, payer_name=household.get("payer_name"),
                        owed=payers.owed(household, span[0][0] if span else period, last))
            owed_months = (bill["owed"]["from"][:7], bill["owed"]["to"][:7])
            if not span and owed_months != (period, last):  # a cycle owed from a takeover in it (or to a handover):
                bill["covers_from"], bill["covers_to"] = owed_months  # the months it covers, not its pricing's
                # from its period (Oct..Nov for a takeover of 10 November: December billed again, found by h2)
        elif share:  # the first month owed from its handover day
            bill["prorated"] = prorated(household, household["occupied_from"][:7], 1 - share)
        if span:  # the months it covers, where not its period's onwards (``months_covered``)
            bill["covers_from"], bill["covers_to"] = span[0]
            if span[1:] == [PIECE] and span[0][0] > period:  # cut from a later month (``uncovered``): its own id
                bill["_id"] = piece_bill_id(estate_id, household["_id"], standard["item"], period, span[0][0]) \
                    if not developer else payers.developer_bill_id(
                        estate_id, household["_id"], standard["item"], period, "from", span[0][0])
        first = span[0][0] if span else period
        if first not in dues:
            dues[first] = due(first)
        bill["due_at"] = dues[first]
        yield bill


def pricing(standard, household, months):
    """What a run's bill was billed at (计费依据): the standard's name, its price (per m² per month,
    or a fixed amount per cycle), the household's area and the months the bill covers (its first
    by the day when ``prorated`` says so), as they were at the run. Found by h6's probe of a fee
    rise (2.50 → 2.80 from January): a bill said its amount and its standard's id only, so the
    owner's statement could not say why January's bill was dearer than December's."""
    by_area = standard["basis"] == "area"
    return {"standard_name": standard.get("name") or standard["item"].replace("_", " "),
            "basis": standard["basis"],
            "unit_price_cents_per_m2": standard.get("unit_price_cents_per_m2") if by_area else None,
            "amount_cents": None if by_area else standard.get("amount_cents"),
            "area_m2": household.get("area_m2") if by_area else None,
            "months": math.ceil(months)}


def months_covered(bill):
    """``[(month, weight)]``: the months a bill covers, from its period, and the part of each it
    charges (a ``Fraction``: 1, or the days owed of a first month owed from a handover day,
    ``prorated``). Its ``covers_from``..``covers_to`` (a household billed by the quarter, 按季缴费, or
    one joined in a quarterly standard's cycle: from the month it joined), else
    the months its ``pricing`` says (a quarterly or yearly standard's bill), else its period alone (a
    charge's bill, or a run's bill made before either was kept)."""
    start, months = bill.get("covers_from") or bill["period"], 1
    owed = bill.get("owed") if payers.payer_of(bill) == payers.DEVELOPER and not bill.get("covers_to") else None
    if bill.get("covers_to"):
        months = periods.months_between(start, bill["covers_to"]) + 1
    elif owed and owed.get("from") and owed.get("to"):  # a developer's bill made before it said its months (h2):
        start = owed["from"][:7]                         # the months of its days, not its pricing's from its period
        months = periods.months_between(start, owed["to"][:7]) + 1
    elif (bill.get("pricing") or {}).get("months"):
        months = int(bill["pricing"]["months"])
    prorated = bill.get("prorated")
    if months == 1 and not prorated:  # a month's bill, most of them (the handover reads 40,000 at once)
        return [(start, _WHOLE)]
    first = Fraction(prorated["days"], prorated["month_days"]) if prorated else _WHOLE
    return [(periods.add_months(start, n), first if n == 0 else _WHOLE) for n in range(months)]


_WHOLE = Fraction(1)  # a month charged whole (immutable: shared)


def month_shares(bill, cents):
    """``{month: cents}``: ``cents`` (what a bill charged, or what was received on it) apportioned to
    the months it covers (``months_covered``) by their weights, each month's the running total's
    half-up rounding less the month before's, so that the months sum exactly to ``cents`` (a quarter's
    bill of 35603 cents: 11868, 11867, 11868). The collection rate of a month counts a quarter's bill
    in each of its months (found by h8: all of Q1 counted in January's)."""
    covered = months_covered(bill)
    if len(covered) == 1:  # a month's bill, most of them: its whole (a year's disclosure read 120,000 so)
        return {covered[0][0]: cents}
    return dict(zip((month for month, _ in covered), money.apportioned(cents, [weight for _, weight in covered])))


def share_in(bill, cents, months, within=None):
    """The part of ``cents`` (``month_shares``) that falls in ``months`` (a KPI's period). ``within``:
    the cents billed that ``cents`` (received) is part of, whose share no month's share exceeds
    (``received_shares``)."""
    shares = month_shares(bill, cents) if within is None else received_shares(bill, cents, within)
    return sum(share for month, share in shares.items() if month in months)


def received_shares(bill, received, billed):
    """``month_shares`` of the cents ``received`` on a bill, none above the month's share of the cents
    ``billed``: each apportioned half-up on its own running total, a quarter of 35603 paid but a cent
    counted 11868 received in its second month against 11867 billed (a month's rate above 100 %; found
    by review r8). A month's excess goes to the earliest months with room, so they still sum to
    ``received``."""
    shares, limits = month_shares(bill, received), month_shares(bill, billed)
    excess = sum(max(0, share - limits[month]) for month, share in shares.items())
    shares = {month: min(share, limits[month]) for month, share in shares.items()}
    for month in sorted(shares):
        moved = min(excess, max(0, limits[month] - shares[month]))
        shares[month] += moved
        excess -= moved
    return shares


def over_limit(bill):
    """A bill above the business limit (``MAX_BILL_CENTS``): a run leaves it out and names it in
    its result, where someone can see the household's area or the standard is wrong."""
    return bill["amount_cents"] > MAX_BILL_CENTS


def charge_bill(event, rules):
    """The bill of a ``charge_raised`` event; a charge collected at its source is paid already.
    Its ``description`` is the raising service's English sentence, kept as integrators read it;
    its ``detail``, when the charge has one, the same in parts (``ChargeDetail``), which a page
    words in its reader's language."""
    charge = event["data"]
    raised = clock.parse_iso(event["occurred_at"])
    bill = {
        "_id": charge_bill_id(event["estate_id"], event["source"], charge["id"]),
        "estate_id": event["estate_id"],
        "household_id": charge["household_id"],
        "item": charge["item"],
        "period": periods.period_of(raised, rules),
        "amount_cents": charge["amount_cents"],
        "paid_cents": 0,
        "status": "unpaid",
        "due_at": clock.to_iso(_end_of_local_day(raised, rules["charge_due_days"], rules)),
        "created_at": event["occurred_at"],
        "settled_at": None,
        "description": charge["description"],
        "source": {"kind": "charge", "service": event["source"], "charge_id": charge["id"],
                   "subject": charge["subject"]},
        "allocations": [],
    }
    if charge["collected"]:
        bill.update(paid_cents=charge["amount_cents"], status="paid", due_at=event["occurred_at"],
                    settled_at=event["occurred_at"])
        bill["allocations"] = [{"id": f"{bill['_id']}.collected", "payment_id": None,
                                "amount_cents": charge["amount_cents"], "at": event["occurred_at"]}]
    if charge.get("detail"):
        bill["detail"] = charge["detail"]
    return bill


def cancellation(bill, event):
    """The changes that cancel ``bill`` for the withdrawn charge of ``event``, its allocations
    ``released`` to go back to their payments; None when it is cancelled already."""
    if bill["status"] == "cancelled":
        return None
    return {"status": "cancelled", "cancelled_at": event["occurred_at"], "cancel_reason": event["data"]["reason"],
            "cancelled_by": event.get("actor"), "paid_cents": 0, "settled_at": None, "allocations": [],
            "released": list(bill["allocations"])}


def rebill(bill, wrong):
    """The bill that replaces ``wrong`` (a run's bill of a standard whose price was corrected, 更正)
    at the correction's price: ``bill`` as the run made it, under an id of its own (the wrong bill
    keeps the natural one, cancelled, so a run repeated finds both and bills nothing twice), naming
    the bill it corrects (each part of a sale month its own: ``sale_month``)."""
    piece = (bill["covers_from"],) if bill.get("covers_from", bill["period"]) > bill["period"] else ()
    # a part of the month of a sale (``sale_month``): the seller's and the buyer's re-bills took the one id, the
    # buyer's was never written and his part went unbilled (found by r7 reviewing h7)
    sale = (bill["sale"]["day"], bill["sale"]["part"]) if bill.get("sale") else ()
    return {**bill, "_id": ids.natural_id("bill", bill["estate_id"], bill["household_id"], bill["item"],
                                          bill["period"], "corrected", bill["source"]["standard_id"], *piece, *sale),
            "source": {**bill["source"], "corrects_bill_id": wrong["_id"]}}


def correction_cancel(wrong, rebill_id, now_iso, actor):
    """The changes that cancel ``wrong`` for its re-bill ``rebill_id``, its allocations ``released``
    to go back to their payments (as a withdrawn charge's: ``cancellation``); None when cancelled."""
    if wrong["status"] == "cancelled":
        return None
    return {"status": "cancelled", "cancelled_at": now_iso, "cancelled_by": actor,
            "cancel_reason": f"re-billed at the corrected fee standard as {rebill_id}", "rebilled_as": rebill_id,
            "paid_cents": 0, "settled_at": None, "allocations": [], "released": list(wrong.get("allocations") or [])}


def cancelled_charge_bill(event, rules):
    """The bill of a charge withdrawn before its ``charge_raised`` arrived: cancelled from the start."""
    bill = charge_bill(event, rules)
    return bill | cancellation(bill, event)


def settled_event_data(bill, settled_at):
    """``finance.bill_settled``: the bill, and the charge it came from (None for a periodic bill)."""
    return {"bill_id": bill["_id"], "household_id": bill["household_id"], "item": bill["item"],
            "period": bill["period"], "amount_cents": bill["amount_cents"], "settled_at": settled_at,
            "charge": charge_of(bill)}


def billed_event_data(bill):
    """``finance.charge_billed``: the bill written for a charge, as issued (the service that
    raised the charge links it: a renovation's fees showed no bill until paid, found in review)."""
    return {"bill_id": bill["_id"], "household_id": bill["household_id"], "item": bill["item"],
            "period": bill["period"], "amount_cents": bill["amount_cents"], "due_at": bill["due_at"],
            "issued_at": bill["created_at"], "charge": charge_of(bill)}


def charge_of(bill):
    """The charge a bill came from, as events name it (None for a periodic bill)."""
    source = bill.get("source") or {}
    if source.get("kind") != "charge":
        return None
    return {"service": source["service"], "id": source["charge_id"], "subject": source["subject"]}


# -- the estate's fenced lock of the billing of months (``store.lock_own_cycles``, ``store.claim_coverage``) --

def coverage_id(estate_id, household_id, item, payer=payers.OWNER):
    """The natural id of the coverage document of a household's item (each payer's apart, as ``coverage``
    keeps them): the months its bills written under the fenced lock cover, their ids, and the highest
    fence that wrote it."""
    return ids.natural_id("coverage", estate_id, *payers.coverage_key(household_id, item, payer))


def coverage_id_of(estate_id, bill):
    return coverage_id(estate_id, bill["household_id"], bill["item"], payers.payer_of(bill))


def coverage_documents(estate_id, bills, live):
    """The coverage documents of ``bills`` (a run's, one or more of each household's item), made on their
    first claim: each month that ``live`` (the households' bills of those items, not cancelled: those written
    before the fence, or beside it) covers, with its bill's id; no fence yet (0), no claim."""
    docs = {}
    for bill in bills:
        key = coverage_id_of(estate_id, bill)
        docs.setdefault(key, {"_id": key, "estate_id": estate_id, "household_id": bill["household_id"],
                              "item": bill["item"], "payer": payers.payer_of(bill), "fence": 0, "months": {},
                              "claims": {}})
    for bill in live:
        doc = docs.get(coverage_id_of(estate_id, bill))
        if doc is not None:
            doc["months"].update({month: bill["_id"] for month, _ in months_covered(bill)})
    return docs


def claim(doc, bills, states, fence):
    """What a run holding the lock's ``fence`` claims of the coverage document ``doc`` for ``bills`` (its
    bills of that household's item): None when a later grant of the lock has written it (the run lost the
    lock), else ``(claimed, taken, left, expected, months, claims, done)``: the bills claimed; those every
    month of which a live bill covers already (written by another run since this one read the bills: billed
    already); those some of whose months one covers and some not (``left``: none of their months claimed,
    the rest billed by the month's run again, which reads the bills anew); what ``store.claim_coverage``
    expects of the months and gives them, the claims' bodies, and the claims of bills written since (dropped). ``states``: ``{bill_id:
    the months the bill standing for it covers}`` of the bills ``doc`` names that exist, those of its claims written
    first (``operations._standing``): a month is free when its bill does not exist, was cancelled without a re-bill,
    or was re-billed as one that does not cover it in this document's household, item and payer (the owner's
    quarter moved to the developer by a takeover recorded late, ``payers.owner_restatement_cancel``); a
    correction's re-bill (更正) covers the wrong bill's months."""
    if doc["fence"] > fence:
        return None
    claimed, taken, left, expected, months, claims = [], [], [], {}, {}, {}
    for bill in bills:
        wanted = [month for month, _ in months_covered(bill)]
        found = {month: doc["months"].get(month) for month in wanted}
        covered = [month in months or (was is not None and month in states.get(was, ()))
                   for month, was in found.items()]
        if any(covered):
            (taken if all(covered) else left).append(bill)
            continue
        claimed.append(bill)
        expected.update(found)
        months.update({month: bill["_id"] for month in wanted})
        claims[bill["_id"]] = bill
    done = [bill_id for bill_id in doc.get("claims", {}) if bill_id in states]
    return claimed, taken, left, expected, months, claims, done


def first_claim(doc, bills, fence):
    """``doc``, a coverage document made now (``coverage_documents``), with ``bills`` claimed in it (``claim``: every
    month it holds is a live bill's), to be written by its insert, no update after it: ``(doc, claimed, taken,
    left)``."""
    states = {}
    for month, bill_id in doc["months"].items():
        states.setdefault(bill_id, set()).add(month)
    claimed, taken, left, _, months, claims, _ = claim(doc, bills, states, fence)
    return {**doc, "fence": fence, "months": {**doc["months"], **months}, "claims": claims}, claimed, taken, left


def oldest_first(bills):
    """By the period billed, then the due date: a catch-up bill of October is due after the run
    that made it (its issue date plus the grace), later than December's bill, and a payment
    settled December and left October open (found by review)."""
    return sorted(bills, key=lambda b: (b["period"], b["due_at"], b["created_at"], b["_id"]))
