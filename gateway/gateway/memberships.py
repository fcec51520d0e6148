"""What each staff account held, and when: the spans staff turnover is counted from.

A span is ``{estate_ids, roles, from, to, left}``: the estates and roles the account held from
``from`` until ``to`` (None: still), ``left`` when it ended with a deactivation. Staff turnover
read each account's estates and roles as they are now, so a leaver whose estates were cleared in
the same change was counted nowhere, a move to another estate took the account out of its old
estate's past months, and a promotion to operator admin rewrote closed periods (a probe).

An account from before spans were kept has one: from its creation to its deactivation, with what
it holds now (``spans``).

Spans are only ever appended to (an open one is closed, never rewritten), so a period that has
ended reads the same whatever happens to the account later. A reactivation opens a new span (a
joiner) and leaves the departure where it was: reopening the last span, as it once did, erased an
October departure from October's report when the account came back in November (review).

A departure undone within the period reported (``left``: deactivated, then active again before
the period's end) is not counted in it: the account was away, not lost (it is held at the
period's end, as at its start), as DOMAIN.md's "staff accounts deactivated in the period ÷
average staff accounts" is read by HR, who count the people gone, not a mistaken deactivation put
right the next day. The period decides, not the calendar month: deactivated on 10 October and
back on 5 November, the account is October's departure and November's joiner, and left nothing in
the fourth quarter's rate (as a move between estates leaves nothing). A report of an open period
may change until it ends; one of an ended period never does.

Plain functions: no Flask, no store.
"""


def spans(user):
    """The account's spans, oldest first."""
    kept = user.get("memberships")
    if kept:
        return kept
    left = user.get("deactivated_at")
    return [{"estate_ids": list(user.get("estate_ids") or []), "roles": list(user.get("roles") or []),
             "from": user["created_at"], "to": left, "left": bool(left)}]


def first(estate_ids, roles, at):
    return [{"estate_ids": list(estate_ids), "roles": list(roles), "from": at, "to": None, "left": False}]


def after(user, changes, at):
    """The spans once ``changes`` (PATCH: ``roles``, ``estate_ids``, ``active``) apply at ``at``."""
    kept = [dict(span) for span in spans(user)]
    roles, estate_ids = list(changes.get("roles", user["roles"])), list(changes.get("estate_ids", user["estate_ids"]))
    was, now = user["active"], changes.get("active", user["active"])
    current = kept[-1] if kept and kept[-1]["to"] is None else None
    if was and not now:
        if current:  # the estates held until now are the ones left, whatever this change clears
            current.update(to=at, left=True)
        return kept
    if not was and now:  # back: a new span, the departure stays where it was (``left`` reads both)
        if current:  # an account deactivated before its departure was kept: it held this until now
            current["to"] = at
        return kept + first(estate_ids, roles, at)
    if now and current and (current["estate_ids"], current["roles"]) != (estate_ids, roles):
        current["to"] = at
        return kept + first(estate_ids, roles, at)
    return kept


def ever_estates(spans_):
    """Every estate the spans name: the store finds an estate's past staff by them."""
    return sorted({estate for span in spans_ for estate in span["estate_ids"]})


def stored(spans_):
    """The fields of a user's record that keep ``spans_``: the spans and every estate they name."""
    return {"memberships": spans_, "ever_estate_ids": ever_estates(spans_)}


def staff_here(span, estates):
    """A span of staff (operator admins are the company's, not an estate's) in ``estates`` (None: any)."""
    if "operator_admin" in span["roles"]:
        return False
    return bool(span["estate_ids"]) if estates is None else bool(set(span["estate_ids"]) & estates)


def held(user, moment, estates=None):
    """Whether the account was staff of ``estates`` at ``moment``."""
    return any(staff_here(span, estates) and span["from"] < moment and (span["to"] is None or span["to"] >= moment)
               for span in spans(user))


def left(user, start, end, estates=None):
    """Whether the account left (was deactivated) in ``[start, end)`` while staff of ``estates``, and
    was not active again before ``end`` (a later span from before it: see the module's docstring)."""
    kept = spans(user)
    return any(staff_here(span, estates) and span["left"] and start <= span["to"] < end
               and not any(later["from"] < end for later in kept[i + 1:])
               for i, span in enumerate(kept))


def ever_staff_of(user, estate_id):
    return any(staff_here(span, {estate_id}) for span in spans(user))
