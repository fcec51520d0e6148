"""Leases: a lock one writer holds for a while, decided by the store.

A lease is a document of a service's ``locks`` collection whose ``_id`` is the natural key of what is
held (a household's money, an estate's planned cuts, the security team's month): taking it is an
insert on that ``_id``, which concurrent takers race on (a duplicate ``_id``, on MongoDB and on the
embedded store alike). It runs out at ``expires_at``: a holder that died is taken over by the next
taker (one conditional update, so two cannot both win). A holder gives it back by its token, so a
lease taken over is not given back by the writer who lost it. Finance's money, customer service's cut
guard and the security team's months each take theirs here (the same lines stood in three stores)."""
from . import ids
from .errors import Conflict
from .store import DuplicateKey


def take(locks, estate_id, lock_id, now_iso, expires_iso, busy, **held):
    """The lease ``lock_id`` until ``expires_iso``, ``(lock_id, token, estate_id)``; ``held``: what takes
    it, kept on it (what holds it then says so). Conflict ``busy`` (try again in a second) while another
    holds it, unexpired."""
    token = ids.new_id("tok")
    try:
        locks.insert_one({"_id": lock_id, "estate_id": estate_id, "token": token, "expires_at": expires_iso,
                          **held})
        return lock_id, token, estate_id
    except DuplicateKey:
        taken = locks.update_one({"_id": lock_id, "estate_id": estate_id, "expires_at": {"$lt": now_iso}},
                                 {"$set": {"token": token, "expires_at": expires_iso, **held}})
        if taken.modified_count:
            return lock_id, token, estate_id
    raise Conflict(busy, retry_after=1)


def give_back(locks, lock):
    """Give back a lease taken by ``take`` (if it is still ours)."""
    lock_id, token, estate_id = lock[:3]
    locks.delete_one({"_id": lock_id, "estate_id": estate_id, "token": token})
