"""Fee standards (收费标准): what an estate charges for an item, from when, and how often.

A standard charges either by floor area (``unit_price_cents_per_m2``: cents per m² per
month, the property service fee) or a fixed amount per household (``amount_cents`` per
cycle). ``cycle``: ``monthly``, ``quarterly``, ``yearly`` are billed by billing runs (a
quarterly or yearly standard bills every 3 or 12 months counted from its ``valid_from``,
the area price times the months of the cycle); ``per_charge`` standards are the published
price of a one-off charge (renovation management fee, per m² or fixed, and deposit, a repair,
a parking session) that another service raises: runs do not bill them (the first three are
charges only: ``CHARGE_ONLY_ITEMS``); their approval is
announced (``fee_standard_approved``) so that the service raising the charge uses that price.

A standard is created ``pending`` and bills only once ``approved`` (by a manager or the
operator admin). One approved standard per item covers a household and a period: approving a
standard that starts later than an open or longer approved one of the same item, kind
(periodic or per charge) and households ends the older one the month before
(``superseded_by``). Refused as a conflict (409), because a month would be billed twice or a
household would lose its standard:

- it starts at or before an approved one of the same item that it overlaps;
- it starts inside a cycle of the older one (a quarterly standard from 2026-01 is ended only
  at a quarter's end: the new one starts 2026-04, 2026-07, ...);
- the older one has billed a cycle that reaches into the new one's first month (a run has
  billed 2026-04..06 already: the new one starts 2026-07 at the earliest);
- the two apply to households that overlap but are not the same (``applies_to``): one
  cannot end the other for only some of its households.

Which households a periodic standard bills (``applies_to``, ``applies``): all of the estate
unless it names ``statuses`` (vacant, occupied, renovating), a floor-area range
(``min_area_m2``..``max_area_m2``) or ``household_ids``; a fee that belongs to some households
only (``parking``: a rented space) needs its ``household_ids``. A household copy without a
status or an area is not excluded by that filter (the field is taken as matching), except
that a price per m² cannot bill a household without an area. Occupancy dates bound the
months a household is billed: ``occupied_from``/``occupied_to`` (local dates, or months) on
the household copy, when archive sends them; absent, no bound.

Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.roles import MANAGEMENT, require_another_approver

from . import payers, periods

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
PER_CHARGE = "per_charge"
PERIODIC_ITEMS = {"property_service"}
# fees that belong to some households only: a periodic standard of these names its households
LISTED_ITEMS = {"parking"}
# one-off charges priced per m² of the household's floor area (装修管理费)
AREA_CHARGE_ITEMS = {"renovation_management"}
# one-off charges only, which another service raises: a monthly renovation deposit billed every
# household, and no deposit was held to refund (found by a probe)
CHARGE_ONLY_ITEMS = {"renovation_management", "renovation_deposit", "repair"}
# priced by customer service's price list of paid services (有偿增值服务): no fee standard at all (h8)
PRICE_LIST_ITEMS = {"paid_service"}
STATUSES = ("vacant", "occupied", "renovating")


def new_standard(standard_id, estate_id, data, now, rules, actor):
    by_area = "unit_price_cents_per_m2" in data
    valid_from = data.get("valid_from") or periods.period_of(now, rules)
    valid_to = data.get("valid_to")
    errors = []
    if by_area and data["cycle"] == PER_CHARGE and data["item"] not in AREA_CHARGE_ITEMS:
        errors.append(field_error("data.cycle", "a price per m² needs a billing cycle (monthly, quarterly, yearly)"))
    if data["item"] in PERIODIC_ITEMS and data["cycle"] == PER_CHARGE:
        errors.append(field_error("data.cycle", f"{data['item']} is billed by cycle, not per charge"))
    if data["item"] in PRICE_LIST_ITEMS:
        errors.append(field_error("data.item", f"{data['item']} is priced by the estate's price list of paid services, "
                                               "not by a fee standard"))
    if _periodic_one_off(data):
        errors.append(field_error("data.cycle", f"{data['item']} is a one-off charge: its standard is per charge"))
    if valid_to is not None and valid_to < valid_from:
        errors.append(field_error("data.valid_to", "must not be before valid_from"))
    months = CYCLE_MONTHS.get(data["cycle"])
    if valid_to is not None and months and valid_to >= valid_from \
            and (periods.months_between(valid_from, valid_to) + 1) % months:
        errors.append(field_error("data.valid_to", f"a {data['cycle']} standard ends at the end of a cycle "
                                                   f"(its bill covers {months} months)"))
    scope = scope_of(data.get("applies_to"))
    if data["item"] in LISTED_ITEMS and data["cycle"] != PER_CHARGE and not (scope and scope["household_ids"]):
        errors.append(field_error("data.applies_to.household_ids",
                                  f"a periodic {data['item']} fee is billed only to the households it names"))
    if scope and scope["min_area_m2"] is not None and scope["max_area_m2"] is not None \
            and scope["min_area_m2"] > scope["max_area_m2"]:
        errors.append(field_error("data.applies_to.max_area_m2", "must not be below min_area_m2"))
    if errors:
        raise BusinessRuleViolation("the fee standard is not consistent", errors)
    stamp = clock.to_iso(now)
    return {
        "_id": standard_id,
        "estate_id": estate_id,
        "item": data["item"],
        "name": (data.get("name") or data["item"].replace("_", " ")).strip(),
        "basis": "area" if by_area else "fixed",
        "unit_price_cents_per_m2": _whole(data.get("unit_price_cents_per_m2")),
        "amount_cents": _whole(data.get("amount_cents")),
        "cycle": data["cycle"],
        "valid_from": valid_from,
        "valid_to": valid_to,
        "applies_to": scope,
        "status": "pending",
        "created_at": stamp,
        "created_by": actor,
        "approved_at": None,
        "approved_by": None,
        "superseded_by": None,
        "corrects": data.get("corrects"),
    }


def correction_data(data, corrected):
    """``data`` of a standard proposed as the correction (更正) of ``corrected`` (``data.corrects``;
    None when no standard of the estate has that id), with its months and households: a correction
    replaces the wrong price of the same item, cycle, months and households, and nothing else (a
    different month or household is a new standard, which ends the older one). 422 otherwise.
    Found by h6's probe of a fee rise: a price typed wrong and billed could not be put right (a
    standard of the same month was a 409, an approved one could not be withdrawn, no bill cancelled)."""
    if corrected is None or corrected["status"] != "approved" or not _periodic(corrected):
        raise BusinessRuleViolation("only an approved periodic fee standard is corrected", [field_error(
            "data.corrects", "names no approved periodic fee standard of the estate")])
    errors = []
    for name in ("item", "cycle"):
        if data[name] != corrected[name]:
            errors.append(field_error(f"data.{name}", f"must be the corrected standard's ({corrected[name]})"))
    for name in ("valid_from", "valid_to"):
        if name in data and data[name] != corrected[name]:
            errors.append(field_error(f"data.{name}", f"a correction covers the corrected standard's months "
                                                      f"({corrected[name] or 'open'})"))
    if "applies_to" in data and scope_of(data["applies_to"]) != (corrected.get("applies_to") or None):
        errors.append(field_error("data.applies_to", "a correction applies to the corrected standard's households"))
    if errors:
        raise BusinessRuleViolation("a correction replaces the price of the same standard", errors)
    return {**data, "valid_from": corrected["valid_from"], "valid_to": corrected["valid_to"],
            "applies_to": corrected.get("applies_to")}


def corrected_changes(standard, now):
    """What a correction's approval writes on the standard it corrects: it bills no more."""
    return {"status": "corrected", "corrected_by": standard["_id"], "corrected_at": clock.to_iso(now)}


def prices_a_parking_hour(standard):
    """Whether ``standard`` is the price of a started hour of a visitor's parking: a fixed
    per-charge ``parking`` standard, which security patrol's gate charges by the hour and caps per
    day with its own ``parking_daily_cap_cents`` (``estate_common.fee_prices``)."""
    return (standard["item"] == "parking" and standard["cycle"] == PER_CHARGE
            and standard.get("amount_cents") is not None)


def highest_parking_hour(standards, period):
    """Of ``standards`` (the estate's approved and pending ``parking`` ones), the one that prices
    a started hour of parking highest, in force in ``period`` or from a later month (one ended
    before it does not count): ``{id, status, amount_cents, valid_from}``, or None. What security
    patrol's daily cap on parking may not come down below (the gateway asks it for a cap's change);
    a pending one counts too: refused at its approval against the cap then, it would have been
    approved against the cap read before the change, while the change went through (review)."""
    hours = [s for s in standards if s["status"] in ("approved", "pending") and prices_a_parking_hour(s)
             and (s.get("valid_to") or "9999-12") >= period]
    if not hours:
        return None
    top = max(hours, key=lambda s: (s["amount_cents"], s["valid_from"], s["_id"]))
    return {"id": top["_id"], "status": top["status"], "amount_cents": top["amount_cents"],
            "valid_from": top["valid_from"]}


def refuse_an_hour_above_the_daily_cap(standard, daily_cap_cents, field):
    """422 (naming ``field``) for a parking hour priced above the estate's daily cap on parking: the
    first started hour charged more than the whole day may, and the cap cut every stay to itself
    (found by review). ``daily_cap_cents``: security patrol's, as the gateway read it for the call
    (``caller.parking_daily_cap_cents``); None when no one said (a call not from the gateway)."""
    if daily_cap_cents is None or not prices_a_parking_hour(standard):
        return
    if standard["amount_cents"] > daily_cap_cents:
        raise BusinessRuleViolation(
            "a started hour of parking may not cost more than the estate's daily cap on parking "
            f"({daily_cap_cents} cents)",
            [field_error(field, f"is more than the daily cap on parking of {daily_cap_cents} cents "
                                "(security patrol's parking_daily_cap_cents)")])


def _whole(cents):
    """JSON's 235.0 is the integer 235 to the contract: store it as one."""
    return None if cents is None else int(cents)


def scope_of(applies_to):
    """The stored form of ``applies_to`` (None: every household of the estate)."""
    if not applies_to:
        return None
    ids = applies_to.get("household_ids")
    statuses = applies_to.get("statuses")
    area = {name: (None if applies_to.get(name) is None else float(applies_to[name]))
            for name in ("min_area_m2", "max_area_m2")}
    scope = {"statuses": sorted(set(statuses)) if statuses else None,
             "household_ids": sorted(set(ids)) if ids else None, **area}
    return scope if any(value is not None for value in scope.values()) else None


def overlaps(first, second):
    """Whether two standards' validity periods share a month."""
    first_end, second_end = first["valid_to"] or "9999-12", second["valid_to"] or "9999-12"
    return first["valid_from"] <= second_end and second["valid_from"] <= first_end


def _periodic(standard):
    return standard["cycle"] in CYCLE_MONTHS


def scopes_overlap(first, second):
    """Whether some household could be billed by both (a filter both name and that no
    household can meet twice keeps them apart: disjoint lists, statuses or area ranges)."""
    a, b = first or {}, second or {}
    for name in ("household_ids", "statuses"):
        if a.get(name) and b.get(name) and not set(a[name]) & set(b[name]):
            return False
    low = max(a.get("min_area_m2") or 0, b.get("min_area_m2") or 0)
    highs = [x for x in (a.get("max_area_m2"), b.get("max_area_m2")) if x is not None]
    return not highs or low <= min(highs)


def covered_through(standard, last_billed):
    """The last month paid for by the standard's bills, ``last_billed`` being the latest period
    it billed (a quarterly bill of 2026-04 covers 2026-04..06); None when it billed nothing."""
    if last_billed is None or not _periodic(standard):
        return last_billed
    return periods.add_months(last_billed, CYCLE_MONTHS[standard["cycle"]] - 1)


def approval(standard, approved_of_item, now, actor, last_billed=None, actor_roles=()):
    """The approval of ``standard``: its changes and the older standards it ends, as
    ``(changes, [(older_id, older_changes)])``. ``approved_of_item``: the approved standards of
    the same item in the estate; ``last_billed``: ``{standard_id: latest period it billed}``.
    Four eyes: not by the one who proposed it (``require_another_approver``)."""
    if standard["status"] != "pending":
        raise Conflict(f"the fee standard is {standard['status']} already")
    require_another_approver(standard.get("created_by"), actor, actor_roles, "a fee standard is approved by someone "
                             "other than the one who proposed it: another manager or the operator admin")
    if _periodic_one_off(standard):
        # one made before they were refused at creation (a review): it is rejected instead
        raise BusinessRuleViolation("the fee standard is not consistent", [field_error(
            "id", f"{standard['item']} is a one-off charge: its standard is per charge")])
    last_billed = last_billed or {}
    ended = []
    corrects = standard.get("corrects")
    if corrects:
        corrected = next((other for other in approved_of_item if other["_id"] == corrects), None)
        if corrected is None or (corrected["valid_from"], corrected["valid_to"], corrected.get("applies_to")) != (
                standard["valid_from"], standard["valid_to"], standard.get("applies_to")):
            raise Conflict("the standard it corrects is no longer approved as it was (corrected or ended since): "
                           "propose the correction again", [field_error("corrects", "is not approved as it was")])
        ended.append((corrects, corrected_changes(standard, now)))
    for other in approved_of_item:
        if other["_id"] in (standard["_id"], corrects) or _periodic(other) != _periodic(standard) \
                or not overlaps(standard, other) \
                or not scopes_overlap(standard.get("applies_to"), other.get("applies_to")):
            continue
        refuse = _overlap_conflict(standard, other, covered_through(other, last_billed.get(other["_id"])))
        if refuse:
            named = approved_named(other)
            raise Conflict(f"overlaps {named}: {refuse}", [field_error("id", f"overlaps {named}")])
        ended.append((other["_id"], {"valid_to": periods.add_months(standard["valid_from"], -1),
                                     "superseded_by": standard["_id"]}))
    changes = {"status": "approved", "approved_at": clock.to_iso(now), "approved_by": actor}
    return changes, ended


def approved_named(standard):
    """An approved standard as the fee standards page shows it: its item, its name when it has
    one, the month it applies from (its id and a field's code named it: an accounts probe)."""
    if (standard.get("name") or "").strip():
        return f"the approved {standard['item']} standard “{standard['name'].strip()}” from {standard['valid_from']}"
    return f"the approved {standard['item']} standard from {standard['valid_from']}"


def households_in_words(applies_to):
    """Whom a standard applies to, in words (as the page lists it: statuses, an area range, named
    households); each part a phrase of its own, so that a page in another language reads it."""
    scope = applies_to or {}
    parts = []
    statuses = scope.get("statuses") or []
    if len(statuses) == 1:
        parts.append(f"{statuses[0]} households")
    elif len(statuses) == 2:
        parts.append(f"{statuses[0]} or {statuses[1]} households")
    elif statuses:
        parts.append(f"{statuses[0]}, {statuses[1]} or {statuses[2]} households")
    low, high = scope.get("min_area_m2"), scope.get("max_area_m2")
    if low is not None and high is not None:
        parts.append(f"households of {low:g} to {high:g} m²")
    elif low is not None:
        parts.append(f"households of {low:g} m² or more")
    elif high is not None:
        parts.append(f"households of up to {high:g} m²")
    if scope.get("household_ids"):
        parts.append(f"{len(scope['household_ids'])} named households")
    if not parts:
        return "every household"
    words = parts[0]
    for part in parts[1:]:  # each narrows the ones before
        words = f"{part} among {words}"
    return words


def _overlap_conflict(standard, other, billed_through):
    """Why ``standard`` cannot end ``other`` (an overlapping approved standard), or None."""
    if other["valid_from"] >= standard["valid_from"]:
        return f"it covers {other['valid_from']} onwards already"
    if (other.get("applies_to") or None) != (standard.get("applies_to") or None):
        if _a_cycle_for_some(standard, other):
            # 按季 / 按年缴费 for a few households beside every household's monthly standard: the household's
            # own billing cycle, at the estate's price (found by h8: this 409 sent the accountant to re-issue
            # the monthly standard naming every other household)
            return (f"it applies to {households_in_words(other.get('applies_to'))}, this one to "
                    f"{households_in_words(standard.get('applies_to'))}: a household paying by the quarter or "
                    "the year pays the approved monthly standard by its own billing cycle (POST …/billing-cycles, "
                    "缴费周期 on its statement of account); reject this one")
        # a standard has no end of its own to set (the page offers none): a new one ends it, for all its households
        return (f"it applies to {households_in_words(other.get('applies_to'))}, this one to "
                f"{households_in_words(standard.get('applies_to'))}: a new standard ends an approved one only for the "
                "same households; propose it for the households the approved one applies to (“New version” on its "
                "row), or reject this one")
    months = CYCLE_MONTHS.get(other["cycle"])
    if months and periods.months_between(other["valid_from"], standard["valid_from"]) % months:
        since = periods.months_between(other["valid_from"], standard["valid_from"]) // months * months
        cycle_end = periods.add_months(other["valid_from"], since + months - 1)
        return (f"its {other['cycle']} cycle runs to {cycle_end}; "
                f"start at {periods.add_months(cycle_end, 1)} or a later cycle's start")
    if billed_through is not None and billed_through >= standard["valid_from"]:
        return f"it has billed through {billed_through} already"
    if standard.get("valid_to") and (not other.get("valid_to") or other["valid_to"] > standard["valid_to"]):
        # ending it for good would leave its households with no standard after this one ends
        after = periods.add_months(standard["valid_to"], 1)
        if not other.get("valid_to"):  # two sentences, each whole: a page in another language reads either
            return (f"it runs on and this one ends at {standard['valid_to']}: from {after} nothing would bill; "
                    "approve this one without an end, or a standard of its own for the months after")
        return (f"it runs to {other['valid_to']} and this one ends at {standard['valid_to']}: from {after} nothing "
                "would bill; approve this one without an end, or a standard of its own for the months after")
    return None


def _a_cycle_for_some(standard, other):
    """Whether ``standard`` bills named households of ``other``'s monthly standard by a longer cycle:
    what a household's own billing cycle does (``billing_cycles``)."""
    return (other.get("cycle") == "monthly" and standard.get("cycle") in ("quarterly", "yearly")
            and bool((standard.get("applies_to") or {}).get("household_ids")) and not other.get("applies_to"))


def applies(standard, household, period):
    """Whether a periodic ``standard`` bills ``household`` (a read copy: ``_id``, and when
    archive sends them ``status``, ``area_m2``, ``occupied_from``, ``occupied_to``, ``taken_over_on``)
    for ``period``, to its owner (the developer's part: ``billing.developer_pairs``).
    An absent field does not exclude the household; a price per m² needs an area."""
    return applier(standard, period)(household)


def applier(standard, period):
    """``applies`` of ``standard`` for ``period`` as a function of the household alone: what is the
    standard's (its basis, its scope) read once, where a run asks it of every household."""
    by_area = standard["basis"] == "area"
    scope = standard.get("applies_to") or {}
    household_ids, statuses = scope.get("household_ids"), scope.get("statuses")
    min_area, max_area = scope.get("min_area_m2"), scope.get("max_area_m2")
    with_owner = payers.with_owner

    def applies_to(household):
        area = household.get("area_m2")
        if by_area and area is None:
            return False
        occupied_from, occupied_to = household.get("occupied_from"), household.get("occupied_to")
        if (occupied_from and occupied_from[:7] > period) or (occupied_to and occupied_to[:7] < period):
            return False
        if not with_owner(household):  # taken over, not handed over: the developer's (``payers``:
            return False  # 《物业服务收费管理办法》第十六条), its owner billed from the handover
        if household_ids and household["_id"] not in household_ids:
            return False
        status = household.get("status")
        if statuses and status is not None and status not in statuses:
            return False
        if area is not None:
            if min_area is not None and area < min_area:
                return False
            if max_area is not None and area > max_area:
                return False
        return True
    return applies_to


def _periodic_one_off(standard):
    """A standard with a billing cycle for an item that is a one-off charge only."""
    return standard["item"] in CHARGE_ONLY_ITEMS and standard["cycle"] != PER_CHARGE


def require_may_reject(standard, user, roles):
    """Management turns any pending standard down (as it approves); anyone else withdraws only
    one they proposed (any accountant could reject another's: found by review)."""
    if not MANAGEMENT.intersection(roles) and standard.get("created_by") != user:
        raise Forbidden("an accountant withdraws only a fee standard they proposed")


def rejection(standard, reason, now, actor):
    """A pending standard turned down (by a manager) or withdrawn (by its accountant): it never
    bills and cannot be approved. A standard refused as overlapping stayed pending for good,
    listed and still approvable by mistake later (found by a probe)."""
    if standard["status"] != "pending":
        raise Conflict(f"the fee standard is {standard['status']} already")
    return {"status": "rejected", "rejected_at": clock.to_iso(now), "rejected_by": actor,
            "reject_reason": reason.strip()}


def published(approved, period, in_service=lambda month: True):
    """What owners read of the ``approved`` standards (收费标准公示): those in force in ``period`` or
    from a later month, by item and first month, without whom they apply to beyond "every household"
    or not (a parking fee's households are not the neighbours' business). ``in_service``: whether
    the estate is served in a month (``replica.in_service_in``): a retired estate's standards bill
    no month begun after its retirement, so none is published for them (found by review r6: they
    were shown as in force, a rise to come too, a price nobody would charge)."""
    shown = [s for s in approved if (s.get("valid_to") or "9999-12") >= period
             and in_service(max(s["valid_from"], period))]
    return [{"item": s["item"], "name": s.get("name") or s["item"].replace("_", " "), "basis": s["basis"],
             "unit_price_cents_per_m2": s.get("unit_price_cents_per_m2"), "amount_cents": s.get("amount_cents"),
             "cycle": s["cycle"], "valid_from": s["valid_from"], "valid_to": s.get("valid_to"),
             "applies_to_all": not s.get("applies_to"), "approved_at": s.get("approved_at")}
            for s in sorted(shown, key=lambda s: (s["item"], s["valid_from"], s["_id"]))]


def approved_event_data(standard, ended):
    """``finance.fee_standard_approved``: the price now in force from ``valid_from`` (services that
    raise per-charge fees keep a copy), and the standards it ended (their new ``valid_to``)."""
    return {key: standard[key] for key in ("item", "name", "basis", "cycle", "amount_cents",
                                           "unit_price_cents_per_m2", "valid_from", "valid_to")} | {
        "id": standard["_id"], "ended": [{"id": other_id, "valid_to": changes["valid_to"]} for other_id, changes in ended
                                         if "valid_to" in changes]}  # a corrected one is not ended: replaced


def cycle_start(standard, period):
    """The first month of the approved periodic standard's cycle that ``period`` falls in (a
    quarterly standard from 2026-01: 2026-11 is in the cycle of 2026-10); None outside its
    validity, or for a standard not approved or billed per charge."""
    months = CYCLE_MONTHS.get(standard["cycle"])
    if standard["status"] != "approved" or months is None:
        return None
    if period < standard["valid_from"] or (standard["valid_to"] and period > standard["valid_to"]):
        return None
    return periods.add_months(standard["valid_from"],
                              periods.months_between(standard["valid_from"], period) // months * months)


def bills_in(standard, period):
    """Whether a billing run for ``period`` bills this standard's cycle from its start."""
    return cycle_start(standard, period) == period
