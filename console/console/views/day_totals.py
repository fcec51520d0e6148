"""What a cashier's day comes to before it is settled (日清): the day's journal entries
(``GET …/journals`` filtered by day and cashier, as read) summed by payment method, in, out, net
and count, as the settlement (finance.journals.totals) will close it. The settlement's form said
only that the day would close (a probe of the accounts' month end)."""
from datetime import date

from flask import g

from ..gateway_api import ApiProblem

PAGES = 25  # pages of 200: 5,000 entries, past any cashier's day; past them the sum says it is partial


def _blank():
    return {"in_cents": 0, "out_cents": 0, "net_cents": 0, "entries": 0}


def _a_day(value):
    try:
        return date.fromisoformat(value or "").isoformat() == value
    except ValueError:
        return False


def of(form):
    """The day and cashier the settlement's form names, summed; ``None`` when it names no valid
    day and cashier (or the entries cannot be read: the form is still offered)."""
    day, cashier = form.get("date", ""), form.get("cashier", "").strip()
    if not _a_day(day) or not cashier or len(cashier) > 64:
        return None
    by_method, overall, cursor = {}, _blank(), None
    try:
        for _ in range(PAGES):
            page = g.api.get(g.api.estate(g.user.estate_id, "journals"), limit=200, day=day, cashier=cashier,
                             cursor=cursor)
            for entry in page.get("items", []):
                if entry["direction"] not in ("in", "out"):
                    continue  # a deposit's deduction kept (retained): no money moved (finance's journals.totals)
                for bucket in (by_method.setdefault(entry["method"], _blank()), overall):
                    amount = entry["amount_cents"]
                    bucket[f"{entry['direction']}_cents"] += amount
                    bucket["net_cents"] += amount if entry["direction"] == "in" else -amount
                    bucket["entries"] += 1
            cursor = page.get("next_cursor")
            if not cursor:
                break
        shifts = _shifts(day, cashier)
    except ApiProblem:
        return None
    # 交班: the day's shifts' settlements covered their entries (each entry is in one settlement), and
    # the next settlement covers what came after; the whole day summed read as what it would close,
    # the morning's cash in the afternoon's drawer (found by review r9 of h9)
    for shift in shifts:
        for method, sums in (shift.get("by_method") or {}).items():
            for bucket in (by_method.setdefault(method, _blank()), overall):
                for name in ("in_cents", "out_cents", "net_cents", "entries"):
                    bucket[name] -= sums.get(name, 0)
    by_method = {method: sums for method, sums in by_method.items() if sums["entries"]}
    return {"day": day, "cashier": cashier, "by_method": by_method, "total": overall, "partial": bool(cursor),
            "shifts": len(shifts), "shifts_net_cents": sum(shift.get("net_cents", 0) for shift in shifts)}


def _shifts(day, cashier):
    """The day's shifts' settlements (closes_day false) of ``cashier``."""
    found, cursor = [], None
    for _ in range(PAGES):
        page = g.api.get(g.api.estate(g.user.estate_id, "journals/settlements"), limit=200, date=day,
                         cashier=cashier, cursor=cursor)
        found += [s for s in page.get("items", []) if s.get("closes_day") is False]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found
