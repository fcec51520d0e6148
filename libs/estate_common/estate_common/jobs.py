"""Background jobs: long work (a billing run, an import) done after the RPC that asked for it.

- An RPC creates the job ``queued`` in the service's ``jobs`` collection with :func:`create`
  and answers it at once (the gateway answers 202 ``{id, status, ...}``).
- A nameko ``@timer`` of the service (every ``JOB_POLL_SECONDS``) calls :func:`run_pending`:
  it claims queued jobs one at a time with an atomic ``find_one_and_update`` (queued →
  running, so two replicas never take the same job), calls the runner of the job's ``kind``
  and records ``succeeded`` (with the runner's result) or ``failed`` (with an error text).
- A runner reports ``progress`` through the handle it is given; each report also refreshes
  the job's heartbeat and yields to the other green threads. A running job whose heartbeat
  is older than ``JOB_STALE_SECONDS`` (its process died) is queued again, up to
  ``JOB_MAX_ATTEMPTS`` runs in all, then failed. A job may thus run more than once, and a
  runner must be safe to re-run (e.g. billing: one bill per natural key). A job that kills
  its worker (a file that exhausts memory) is thus tried ``JOB_MAX_ATTEMPTS`` times, never
  more, and then failed with a reason: it is not handed to every replica in turn forever.
- A service that is stopping (a rollout, a scale-down, a node drain: SIGTERM) hands its
  running job back at the runner's next progress report: queued again, the attempt not
  counted, for another replica (or this one, restarted) to run from the start. Killed at the
  end of its grace period instead, the job waited ``JOB_STALE_SECONDS`` to be queued again,
  and three rollouts during one long billing run failed it as if its file were bad (found by
  a deploy review). ``estate_common.stopping`` says so, from the jobs timer's stop.
- A job's input (``input``: an uploaded file) is kept on the job as ``_input`` and dropped
  when the job ends, succeeded or failed; a finished job expires ``JOB_RETENTION_SECONDS``
  after it ended (``estate_common.retention``: a TTL index on ``expire_at``).

The document: ``_id`` = ``job_<service>_<ObjectId>`` and the shape of
``common.json#/$defs/job``, plus internal ``_claim``, ``_heartbeat_at``, ``_attempts``,
``_input`` and ``expire_at``.
"""
import logging
import time
import traceback
import uuid
from datetime import timedelta

from bson import ObjectId

from . import clock, common_store, config, job_scopes, metrics, retention, stopping
from .errors import DomainError, Forbidden

log = logging.getLogger(__name__)

POLL_SECONDS = config.env_float("JOB_POLL_SECONDS", 0.5)
STALE_SECONDS = config.env_float("JOB_STALE_SECONDS", 60.0)
MAX_ATTEMPTS = config.env_int("JOB_MAX_ATTEMPTS", 3)

INDEXES = {
    "jobs": [
        ([("estate_id", 1), ("created_at", 1), ("_id", 1)], {}),
        ([("status", 1), ("created_at", 1)], {}),  # the claim looks across estates, like the outbox sweep
        retention.TTL_INDEX,  # finished jobs expire
    ],
}

PUBLIC_FIELDS = ("estate_id", "kind", "status", "progress", "result", "error", "params",
                 "created_at", "started_at", "finished_at", "created_by")


class ClaimLost(Exception):
    """The job was taken from this worker (re-queued as stale and claimed again): stop."""


class Stopping(Exception):
    """The service is stopping (``estate_common.stopping``): the job goes back to the queue."""


def _service_of(job):
    return job["_id"][len("job_"):].rsplit("_", 1)[0]  # job_<service>_<ObjectId>


def new_id(service):
    return f"job_{service}_{ObjectId()}"


def created_id(caller, service, estate_id, kind):
    """A new job's id, from the caller's Idempotency-Key when one was sent (a retry answers the
    same job) and the job's kind: one key sent to two routes that start jobs of one service (a
    household import and a restatement, a billing run and an export) is two requests, as the
    gateway keeps a key per route, and the second was answered the first one's job, its own
    never started (found by review)."""
    return caller.created_id(f"job_{service}", estate_id, kind)


def create(db, job_id, estate_id, kind, params, created_by, input=None):
    """A queued job; a job with this id already there (a retried create) is answered instead.
    ``input``: what the runner works on and no reader sees (an uploaded file), dropped at the end."""
    job = {
        "_id": job_id,
        "estate_id": estate_id,
        "kind": kind,
        "status": "queued",
        "progress": {"done": 0, "total": None},
        "result": None,
        "error": None,
        "params": params,
        "created_at": clock.now_iso(),
        "started_at": None,
        "finished_at": None,
        "created_by": created_by,
        "_attempts": 0,
        "_input": input,
    }
    if not common_store.insert_job(db, job):
        return common_store.find_job(db, job_id)
    return job


def get(db, job_id):
    return common_store.find_job(db, job_id)


def visible(db, job_id, caller):
    """The job when ``caller`` may read it (its estate in scope, its kind readable by one of the
    caller's roles, see ``job_scopes``), else None: the caller is told it is not there."""
    job = get(db, job_id)
    if job is None or not caller.can_see(job["estate_id"]) or not job_scopes.may_read(job["kind"], caller.roles):
        return None
    return job


def require_may_start(kind, caller):
    if not job_scopes.may_start(kind, caller.roles):
        raise Forbidden("your role may not start this kind of job")


def public(job):
    """The job as ``common.json#/$defs/job`` shows it; a filter a service added for itself
    (``_``-named: a technician's ``_technician``) is not shown in its ``params``."""
    shown = {"id": job["_id"], **{name: job.get(name) for name in PUBLIC_FIELDS}}
    filters = (shown.get("params") or {}).get("filters")
    if isinstance(filters, dict) and any(name.startswith("_") for name in filters):
        shown["params"] = {**shown["params"], "filters": {name: value for name, value in filters.items()
                                                          if not name.startswith("_")}}
    return shown


class Progress:
    """Handed to a runner: ``progress(done, total)`` records how far it is and beats the heart."""

    def __init__(self, db, job):
        self.db = db
        self.job_id = job["_id"]
        self.service = _service_of(job)
        self.claim = job["_claim"]
        self.total = job["progress"].get("total")

    def __call__(self, done, total=None):
        if total is not None:
            self.total = total
        # a report of the work all done is not handed back: the job ends as it is (an import run
        # again would have shown every row as existing; found by review)
        if stopping.is_stopping(self.service) and (self.total is None or done < self.total):
            raise Stopping(self.job_id)
        if not common_store.record_job_progress(self.db, self.job_id, self.claim,
                                                 {"done": done, "total": self.total}, clock.now_iso()):
            raise ClaimLost(self.job_id)
        time.sleep(0)  # let the service's other green threads (RPCs, heartbeat) run


def claim(db):
    """Take the oldest queued job (queued → running, atomically), or None."""
    now = clock.now_iso()
    return common_store.claim_oldest_queued_job(
        db, {"started_at": now, "_heartbeat_at": now, "_claim": uuid.uuid4().hex})


def requeue_stale(db):
    """Queue again the running jobs whose worker stopped beating; fail those out of attempts."""
    cutoff = clock.to_iso(clock.now() - timedelta(seconds=STALE_SECONDS))
    changed = 0
    for job in common_store.stale_jobs(db, cutoff):
        if job.get("_attempts", 0) >= MAX_ATTEMPTS:
            changes = _ended("failed", error=f"its worker stopped {MAX_ATTEMPTS} times without finishing "
                                              "(a file too large or malformed for it?); it is not tried again")
        else:
            changes = {"status": "queued", "_claim": None}
        changed += common_store.change_stale_job(db, job["_id"], cutoff, changes)
        log.warning("job %s stopped beating: %s", job["_id"], changes["status"])
    return changed


def run_pending(db, runners, max_jobs=None, service=None):
    """Re-queue stale jobs, then claim and run queued ones until none is left (or ``max_jobs``),
    or ``service`` is stopping.

    ``runners``: ``{kind: runner(job, progress) -> result dict}``."""
    requeue_stale(db)
    ran = 0
    while max_jobs is None or ran < max_jobs:
        if service is not None and stopping.is_stopping(service):  # leave the queue to the others
            break
        job = claim(db)
        if job is None:
            break
        run(db, job, runners)
        ran += 1
    return ran


def run(db, job, runners):
    progress = Progress(db, job)
    try:
        runner = runners.get(job["kind"])
        if runner is None:
            raise DomainError(f"no runner for jobs of kind {job['kind']}")
        result = runner(job, progress)
    except ClaimLost:
        log.warning("job %s was taken over by another worker", job["_id"])
        return
    except Stopping:
        handed_back = common_store.hand_back_job(db, job["_id"], job["_claim"])
        log.warning("job %s %s: the service is stopping", job["_id"],
                    "is queued again" if handed_back else "was taken over meanwhile")
        return
    except DomainError as error:
        # what a runner did before it failed, when it says (an import stopped part-way by a bad row)
        _finish(db, job, "failed", result=getattr(error, "partial_result", None), error=error.detail)
    except Exception as error:
        # the error's type and its stack, not its message: a message may quote a row's content
        # (a name, which the log's scrubbing of numbers does not catch)
        log.error("job %s failed: %s; %s", job["_id"], type(error).__name__, " < ".join(
            f"{frame.filename}:{frame.lineno} in {frame.name}"
            for frame in reversed(traceback.extract_tb(error.__traceback__))))
        _finish(db, job, "failed", error="the job failed unexpectedly; the service log has the details")
    else:
        _finish(db, job, "succeeded", result=result)


def _finish(db, job, status, result=None, error=None):
    metrics.JOBS_FINISHED.labels(_service_of(job), job["kind"], status).inc()
    common_store.finish_job(db, job["_id"], job["_claim"], _ended(status, result, error))


def _ended(status, result=None, error=None):
    """The changes that end a job: its input dropped, its expiry set."""
    now = clock.now()
    return {"status": status, "result": result, "error": error, "finished_at": clock.to_iso(now),
            "_claim": None, "_input": None, retention.FIELD: retention.expire_at(retention.JOB_SECONDS, now)}
