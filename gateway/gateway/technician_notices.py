"""What maintenance is told of the estates' technicians, and that it is told: maintenance knows no
accounts, so the gateway tells it, estate by estate, whether an account is an active technician
there (``technician_returned``) or no longer (``technician_left``: switched off, the role or the
estate taken away), and maintenance gives follow-ups back and flags open orders by it.

A departure is told before it is written (``own_routes.update_user``: maintenance not answering, a
503 and nothing written). Everything else was told after the write and, maintenance not answering,
only logged: a technician switched back on stayed "left" for good, and two changes at once could
reach maintenance in either order, the older undoing the newer (found by review). Accounts switched
off before maintenance was told anything never were.

So the account's state is told, not a change: every estate the account was ever a technician of
(``states``), at the account's ``revision`` (``users._written_over`` moves it on with every change,
in the same write), which maintenance keeps the newest of (an older one changes nothing). The
account keeps the revision maintenance last answered for (``TOLD``); while it is not the account's
revision the account is due (``due``). That is the outbox, kept in the account's own document and
written by the change itself: nothing can be written without being due. It is delivered right
after the write (``deliver``) and, when maintenance did not answer, by the relay (``relay``: every
account that was a technician and is due, ``GATEWAY_TECHNICIAN_RELAY_SECONDS``), which also covers
the accounts from before, never told (no ``TOLD``). Calls again are harmless: the same revision is
the same word.

The relay runs in each gateway process (``RelayThread``), as the embedded store lives in the
process: a command run beside it (as ``admin_reset``) would not reach that store; replicas relaying
the same account at once tell maintenance the same thing twice. Deploy maintenance before the
gateway: an older maintenance refuses ``revision``, and is told again without it (``tell``), as
before revisions (a departure was a 400 naming a field the operator admin never sent, and could not
be written until maintenance was upgraded: found by review); the account stays due, told with its
revision once a newer maintenance answers. The newer takes an older gateway's calls without it.

Each round (``relay_round``) counts as the gateway's timer run ``technician_relay``
(``estate_timer_runs_total{service="gateway"}``, ``estate_timer_duration_seconds``): ``error`` when an
account stays due or the round failed, so that ``TimerFailing`` and the gateway's dashboard show a
relay that tells maintenance nothing (it was in the log alone: found by review).
"""
import logging
import threading
import time

from estate_common import metrics
from estate_common.errors import InvalidInput, ServiceUnavailable

from . import assignees, memberships, store
from .policy import ALL_ESTATES

log = logging.getLogger(__name__)

TOLD = "technicians_told"  # the account's revision maintenance last answered for, every estate of it
# the relay's calls: maintenance takes the word from the accounts' keeper only (``_accounts_only``)
RELAY_CALLER = {"user": "gateway", "roles": ["operator_admin"], "estates": [ALL_ESTATES]}


def history(user):
    """Every estate the account was ever a technician of: its spans' (``gateway.memberships``: a
    departure that cleared its estates keeps them there) and those it is one of now; never every
    estate (an all-estates account names none)."""
    ever = {estate for span in memberships.spans(user) if assignees.TECHNICIAN in span["roles"]
            for estate in span["estate_ids"]}
    return (ever | assignees.technician_estates(user)) - {ALL_ESTATES}


def states(user):
    """``{estate: left}`` of every estate of ``history``: left where it is no active technician now."""
    now = assignees.technician_estates(user)
    return {estate: estate not in now for estate in sorted(history(user))}


def revision(user):
    return user.get("revision") or 0


def due(user):
    """Whether maintenance has not answered for the account's revision (never told: an account from
    before; or told an older one), of an account that was ever a technician."""
    return user.get(TOLD) != revision(user) and bool(history(user))


def tell(rpc, username, estates, left, at_revision, caller, request_id=None):
    """``technician_left`` (``left``) or ``technician_returned`` for each of ``estates``, told at
    ``at_revision``; maintenance not answering raises (503). An older maintenance (a deploy rolling)
    refuses the revision: told again without it, as before revisions. Whether every estate was told
    at the revision (False: an older one took it, whose word applies in any order)."""
    exact = True
    for estate_id in sorted(estates):
        method = "technician_left" if left else "technician_returned"
        try:
            rpc.call("maintenance", method,
                     {"estate_id": estate_id, "data": {"username": username, "revision": at_revision}},
                     request_id=request_id, caller=caller)
        except InvalidInput as refused:
            if not _refuses_revision(refused):
                raise
            rpc.call("maintenance", method, {"estate_id": estate_id, "data": {"username": username}},
                     request_id=request_id, caller=caller)
            exact = False
    return exact


def _refuses_revision(refused):
    """Whether maintenance's 400 is an older one's, whose contract knows no ``data.revision``."""
    return any(error.get("field") == "data.revision" for error in refused.errors)


def deliver(db, rpc, user, caller=RELAY_CALLER, request_id=None, read=None, raise_away=False):
    """Tell maintenance the account's state at its revision and keep that it answered; True when
    done, False when it did not answer (the account stays due: the relay tells it later; with
    ``raise_away``, the relay's, its ``ServiceUnavailable`` raised instead).
    ``read``: the account as the change was written over; when maintenance had answered for it
    and the change left every estate as it was (a role beside, an estate of another role), only
    the revision told moves on, no call."""
    at = revision(user)
    if read is not None and read.get(TOLD) == revision(read) and states(read) == states(user):
        store.mark_technicians_told(db, user["_id"], at, told_before=read.get(TOLD))
        return True
    try:
        exact = [tell(rpc, user["_id"], [e for e, gone in states(user).items() if gone is left], left, at, caller,
                      request_id) for left in (True, False)]
    except ServiceUnavailable:
        if raise_away:
            raise
        log.warning("maintenance was not told of a technician's change: the relay tells it later",
                    extra={"estates": sorted(states(user))})
        return False
    except Exception:  # the change is written whatever maintenance answered: its answer stays 200
        log.exception("maintenance refused a technician's state: the relay tells it again later")
        return False
    if not all(exact):  # an older maintenance took it without the revision: due until a newer one does
        log.warning("an older maintenance was told a technician's state without its revision: the relay tells it again")
        return False
    store.mark_technicians_told(db, user["_id"], at)
    return True


def relay(db, rpc):
    """Every account that was a technician and is due, told (``deliver``); ``(told, still due)``.
    Maintenance away (a 503, a call timed out) stops the round: each due account waited out the
    RPC's timeout in turn, a round costing as many timeouts as accounts due (found by session 51's
    leftovers); the rest stay due, counted, for the next round."""
    told = waiting = 0
    accounts = iter(store.technician_accounts(db, assignees.TECHNICIAN))
    for user in accounts:
        if not due(user):
            continue
        try:
            done = deliver(db, rpc, user, raise_away=True)
        except ServiceUnavailable:
            log.warning("maintenance is not answering: the technicians' relay stops until its next round")
            return told, waiting + 1 + sum(1 for rest in accounts if due(rest))
        except Exception:  # one account's failure stops no other's; logged, still due
            log.exception("the technicians' relay failed on an account")
            done = False
        told, waiting = told + done, waiting + (not done)
    return told, waiting


TIMER = "technician_relay"  # the relay's name among the timers (``estate_timer_runs_total``)


def relay_round(db, rpc_of):
    """One round of the relay (``relay``), logged and counted as the gateway's timer run ``TIMER``:
    ``ok`` when every due account was told, ``error`` when one stays due or the round failed (the
    store or the broker away: the next round tries again). Never raises."""
    started, outcome = time.monotonic(), "error"
    try:
        told, waiting = relay(db, rpc_of())
        if told or waiting:
            log.info("technicians' relay", extra={"told": told, "still_due": waiting})
        outcome = "error" if waiting else "ok"
    except Exception:
        log.exception("the technicians' relay failed")
    finally:
        metrics.TIMER_RUNS.labels("gateway", TIMER, outcome).inc()
        metrics.TIMER_DURATION.labels("gateway", TIMER).observe(time.monotonic() - started)


class RelayThread(threading.Thread):
    """``relay`` every ``seconds`` in this process, until ``stop``."""

    def __init__(self, db, rpc_of, seconds):
        super().__init__(name="technician-relay", daemon=True)
        self.db, self.rpc_of, self.seconds = db, rpc_of, seconds
        self._stopped = threading.Event()

    def run(self):
        while not self._stopped.wait(self.seconds):
            relay_round(self.db, self.rpc_of)

    def stop(self):
        self._stopped.set()
