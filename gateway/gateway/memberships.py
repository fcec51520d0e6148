"""What each staff account held, and when: the spans staff turnover is counted from.

A span is ``{estate_ids, roles, from, to, left}``: the estates and roles the account held from
``from`` until ``to`` (None: still), ``left`` when it ended with a deactivation. Staff turnover
read each account's estates and roles as they are now, so a leaver whose estates were cleared in
the same change was counted nowhere, a move to another estate took the account out of its old
estate's past months, and a promotion to operator admin rewrote closed periods (a probe).

An account from before spans were kept has one: from its creation to its deactivation, with what
it holds now (``spans``). An account made active again counts as never having left (its last
span reopens when nothing else changed): the rule staff turnover had before.

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
    if not was and now:
        last = kept[-1] if kept else None
        if last and last["left"]:
            last["left"] = False
            if (last["estate_ids"], last["roles"]) == (estate_ids, roles):
                last["to"] = None
                return kept
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


def _staff_here(span, estates):
    """A span of staff (operator admins are the company's, not an estate's) in ``estates`` (None: any)."""
    if "operator_admin" in span["roles"]:
        return False
    return bool(span["estate_ids"]) if estates is None else bool(set(span["estate_ids"]) & estates)


def held(user, moment, estates=None):
    """Whether the account was staff of ``estates`` at ``moment``."""
    return any(_staff_here(span, estates) and span["from"] < moment and (span["to"] is None or span["to"] >= moment)
               for span in spans(user))


def left(user, start, end, estates=None):
    """Whether the account left (was deactivated) in ``[start, end)`` while staff of ``estates``."""
    return any(_staff_here(span, estates) and span["left"] and start <= span["to"] < end for span in spans(user))


def ever_staff_of(user, estate_id):
    return any(_staff_here(span, {estate_id}) for span in spans(user))
