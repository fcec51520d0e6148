"""The prices of per-charge fees (收费标准) as the services that raise those charges keep them.

DOMAIN.md: every fee comes from an approved fee standard. Finance announces an approved
standard (``finance.fee_standard_approved``); a service that raises a per-charge fee keeps a
copy of the standards of its fees (collection ``fee_prices``) and prices each charge with the
standard in force in the charge's local month: the latest ``valid_from`` wins, and a standard
that a newer one ended stops at its ``valid_to``. A fee with no standard in force keeps the
estate's setting of the same meaning (its default until finance publishes one).

Each service says which standards price which of its settings (``priced_by``:
``{(item, basis): setting}``):
- customer_service: the renovation management fee (per m², or fixed) and deposit;
- security_patrol: a visitor's parking, per started hour (``parking_cents_per_started_hour``;
  the daily cap stays a setting).

``keep`` is the consumer's whole handling of the event; storage is in ``common_store``.
"""
from . import calendar, common_store

PER_CHARGE = "per_charge"


def copy_of(event_data, priced_by):
    """What a service keeps of ``fee_standard_approved``: the per-charge standards of its fees
    (None for the others)."""
    if event_data["cycle"] != PER_CHARGE or (event_data["item"], event_data["basis"]) not in priced_by:
        return None
    return {key: event_data[key] for key in ("item", "basis", "amount_cents", "unit_price_cents_per_m2",
                                             "valid_from", "valid_to")}


def priced_rules(rules, prices, period, priced_by):
    """``rules`` with each setting of ``priced_by`` set to the price of the standard in force in
    ``period`` (``YYYY-MM``), where there is one; ``prices``: the kept copies. Of an item's
    standards in force the latest priced it alone: a fixed one and a per-m² one of the same fee
    are not both its price."""
    priced = dict(rules)
    in_force = sorted((p for p in prices if p["valid_from"] <= period and (p["valid_to"] or "9999-12") >= period),
                      key=lambda p: (p["valid_from"], p["_id"]))
    latest = {price["item"]: price for price in in_force}  # sorted: the latest of each item is kept
    for price in latest.values():
        setting = priced_by.get((price["item"], price["basis"]))
        if setting:
            priced[setting] = price["unit_price_cents_per_m2"] if price["basis"] == "area" else price["amount_cents"]
    return priced


def keep(db, event, priced_by):
    """``finance.fee_standard_approved``: the standards it ended end, and its price is kept when it
    is one of ``priced_by``'s (the same event again writes the same)."""
    data, estate_id = event["data"], event["estate_id"]
    for ended in data["ended"]:
        common_store.end_fee_price(db, estate_id, ended["id"], ended["valid_to"])
    copy = copy_of(data, priced_by)
    if copy:
        common_store.keep_fee_price(db, estate_id, data["id"], copy)


def rules_priced_at(db, estate_id, rules, moment, priced_by):
    """``rules`` priced by the standards in force in the local month of ``moment``."""
    items = {item for item, _ in priced_by}
    return priced_rules(rules, common_store.fee_prices(db, estate_id, items),
                        calendar.period_of(moment, rules["timezone"]), priced_by)


def prices_from(db, estate_id, rules, moment, priced_by):
    """The prices the kept standards set in the local month of ``moment`` or from a later one, as
    ``[{"setting", "cents", "valid_from"}]``: what a setting they live beside is checked against
    (security patrol's daily cap on parking may not fall below the price of an hour)."""
    period = calendar.period_of(moment, rules["timezone"])
    found = []
    for price in common_store.fee_prices(db, estate_id, {item for item, _ in priced_by}):
        setting = priced_by.get((price["item"], price["basis"]))
        if setting and (price["valid_to"] or "9999-12") >= period:
            cents = price["unit_price_cents_per_m2"] if price["basis"] == "area" else price["amount_cents"]
            found.append({"setting": setting, "cents": cents, "valid_from": price["valid_from"]})
    return found
