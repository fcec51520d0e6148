"""An estate retired by the operator admin (its service contract ended, or it was made by mistake):
``retired_at`` on archive's estate (``POST /api/v1/estates/{id}/retire``; ``…/reinstate`` undoes it).

Who may still hold it: no active staff account and no unrevoked API key. Retiring is refused (409)
while any does, naming each, so that the admin decides for each person (moved to another estate,
or deactivated: a leaver, whom staff turnover counts) and no one keeps the estate's access after
its contract ended; and a retired estate is given to no account that is active (or made active)
and no key (422). A deactivated account keeps what it held: its history.

The KPIs side by side (``GET /api/v1/kpis``) show an estate for the periods it was in service in:
one retired before a period starts (on its own calendar) is left out of it and of the totals; its
own KPIs and records stay readable by id.

Plain functions: no Flask, no store.
"""
from estate_common import calendar
from estate_common.errors import Conflict, field_error


def refuse_while_held(usernames, keys):
    """409 naming each active account (``usernames``) and unrevoked key (``keys``: ``{_id, name}``,
    named by its id) that holds the estate."""
    if not usernames and not keys:
        return
    named = ", ".join([*usernames, *(key["_id"] for key in keys)])
    raise Conflict(f"the estate is still held by {named}: move each account to another estate or deactivate it, "
                   "and revoke each API key, before retiring it",
                   [field_error(f"users[{i}]", f"{name} holds the estate") for i, name in enumerate(usernames)]
                   + [field_error(f"api_keys[{i}]", f"{key['_id']} holds the estate") for i, key in enumerate(keys)])


def retired_errors(estate_ids, estates):
    """The errors naming each of ``estate_ids`` that ``estates`` (archive's, by id) say is retired."""
    return [field_error(f"estate_ids[{index}]", "is retired") for index, estate_id in enumerate(estate_ids)
            if (estates.get(estate_id) or {}).get("retired_at")]


def in_service_in(estate, period):
    """Whether the estate was in service at some moment of ``period`` (on its calendar): not retired,
    or retired after the period began."""
    retired_at = estate.get("retired_at")
    return not retired_at or calendar.period_bounds(period, calendar.timezone_of(estate))[0] < retired_at
