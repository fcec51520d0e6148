"""The retirement of an estate and its giving to an account or key, one at a time (``retirements``).

Retiring checks that no active account or unrevoked key holds the estate, then archive writes its
``retired_at``; giving an estate (an account made or moved to it, or made active again, a key made)
checks that archive says it is in service, then writes the account or key. A check and its write
are two steps: an account given the estate between the retirement's check and archive's write, or
a retirement checked between the giving's check and its write, left an active account holding a
retired estate (found rereading the retirement's route).

So each first leaves its mark on the estate in the gateway's store (``estate_guards``: what is under
way, until when), then reads the other's marks, then checks its own rule and writes, and takes its
mark away when done (``giving``, ``retiring``). Both read after they mark: whichever comes second
sees the first's mark, or the first is done: a giving done is an account or key the retirement's
check of holders sees (read after the marks), a retirement done is the ``retired_at`` the giving's
check asks archive for (asked after the marks). At worst both are refused, and each is tried again.

A mark left by a process that died expires after ``GUARD_SECONDS``, longer than any request lives
(gunicorn's ``timeout``)."""
import secrets
from contextlib import contextmanager

from estate_common import clock, retention

from . import retirements, store

GUARD_SECONDS = 120
GIVING, RETIRING = "giving", "retiring"


@contextmanager
def giving(db, estate_ids):
    """Around the giving of ``estate_ids`` to an active account or a key, its check that archive has
    them in service and its write: refused (422) while one is being retired."""
    with _marked(db, estate_ids, GIVING) as now:
        retirements.refuse_being_retired(estate_ids, store.marked_estates(db, estate_ids, RETIRING, now))
        yield


@contextmanager
def retiring(db, estate_id):
    """Around the retirement's check that nothing holds ``estate_id`` and archive's write: refused
    (409) while it is being given to an account or key."""
    with _marked(db, [estate_id], RETIRING) as now:
        retirements.refuse_being_given(store.marked_estates(db, [estate_id], GIVING, now))
        yield


@contextmanager
def _marked(db, estate_ids, kind):
    estate_ids = list(dict.fromkeys(estate_ids))
    if not estate_ids:
        yield clock.now()
        return
    token, now = secrets.token_hex(8), clock.now()
    store.mark_estates(db, estate_ids, kind, token, retention.expire_at(GUARD_SECONDS, now))
    try:
        yield now
    finally:
        store.unmark_estates(db, estate_ids, token)
