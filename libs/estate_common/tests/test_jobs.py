"""Background jobs on the embedded store: create, claim, run, progress, stale re-queue."""
import logging
import uuid
from datetime import timedelta

import pytest

from estate_common import clock, contracts, job_scopes, jobs, stopping, store
from estate_common.errors import BusinessRuleViolation, Forbidden
from estate_common.nameko.caller import Caller


@pytest.fixture
def db():
    clock.freeze(clock.parse_iso("2026-11-23T08:00:00Z"))
    db = store.connect(f"test_jobs_{uuid.uuid4().hex[:8]}")
    store.ensure_indexes(db, jobs.INDEXES)
    return db


def new(db, estate_id="est_1", kind="import", job_id=None):
    return jobs.create(db, job_id or jobs.new_id("finance"), estate_id, kind, {"period": "2026-11"}, "acc")


def test_a_new_job_is_queued_and_has_the_shared_job_shape(db):
    job = jobs.public(new(db))
    assert job["id"].startswith("job_finance_") and job["status"] == "queued"
    assert job["progress"] == {"done": 0, "total": None} and job["result"] is None
    assert contracts.load().errors("common.json#/$defs/job", job) == []


def test_creating_a_job_twice_with_one_id_answers_the_first(db):
    first = new(db, job_id="job_finance_abc")
    assert new(db, estate_id="est_2", job_id="job_finance_abc")["estate_id"] == first["estate_id"]
    assert db.jobs.count_documents({}) == 1


def test_a_job_is_claimed_once_oldest_first(db):
    first = new(db)
    clock.advance(timedelta(seconds=1))
    second = new(db)
    claimed = [jobs.claim(db), jobs.claim(db), jobs.claim(db)]
    assert [c["_id"] for c in claimed[:2]] == [first["_id"], second["_id"]] and claimed[2] is None
    assert claimed[0]["status"] == "running" and claimed[0]["_attempts"] == 1 and claimed[0]["_claim"]


def test_run_pending_runs_jobs_records_progress_and_results(db):
    job = new(db)
    seen = []

    def runner(claimed, progress):
        progress(0, 4)
        progress(2)
        seen.append(jobs.public(jobs.get(db, claimed["_id"]))["progress"])
        progress(4)
        return {"imported": 4}

    assert jobs.run_pending(db, {"import": runner}) == 1
    done = jobs.public(jobs.get(db, job["_id"]))
    assert seen == [{"done": 2, "total": 4}]
    assert done["status"] == "succeeded" and done["result"] == {"imported": 4}
    assert done["progress"] == {"done": 4, "total": 4} and done["finished_at"] and done["error"] is None


def test_a_failing_job_is_failed_with_a_message_and_no_details_of_a_crash(db):
    refused, crashed, unknown = new(db), new(db), new(db, kind="mystery")

    def runner(claimed, progress):
        if claimed["_id"] == refused["_id"]:
            raise BusinessRuleViolation("no approved standard")
        raise KeyError("household 13800138000")

    jobs.run_pending(db, {"import": runner})
    assert jobs.get(db, refused["_id"])["error"] == "no approved standard"
    assert "13800138000" not in jobs.get(db, crashed["_id"])["error"]
    assert jobs.get(db, unknown["_id"])["error"] == "no runner for jobs of kind mystery"
    assert {jobs.get(db, j["_id"])["status"] for j in (refused, crashed, unknown)} == {"failed"}


def test_a_crashed_job_logs_its_error_s_type_and_stack_not_its_message(db, caplog):
    """A message may quote a row (a name, which the scrubbing of numbers does not catch):
    openpyxl's refusal of a name held the name itself."""
    crashed = new(db)

    def runner(claimed, progress):
        raise ValueError("欧阳小明 cannot be used in worksheets")

    with caplog.at_level(logging.ERROR, logger="estate_common.jobs"):
        jobs.run_pending(db, {"import": runner})
    assert jobs.get(db, crashed["_id"])["status"] == "failed"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "ValueError" in logged and "in runner" in logged and "欧阳小明" not in logged
    assert all(record.exc_info is None for record in caplog.records)


def test_a_job_whose_worker_stopped_beating_is_queued_again_then_given_up(db, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 2)
    job = new(db)
    jobs.claim(db)
    clock.advance(timedelta(seconds=jobs.STALE_SECONDS - 1))
    assert jobs.requeue_stale(db) == 0
    clock.advance(timedelta(seconds=2))
    assert jobs.requeue_stale(db) == 1 and jobs.get(db, job["_id"])["status"] == "queued"
    jobs.claim(db)
    clock.advance(timedelta(seconds=jobs.STALE_SECONDS + 1))
    jobs.requeue_stale(db)
    stopped = jobs.get(db, job["_id"])
    assert stopped["status"] == "failed" and "2 times" in stopped["error"] and "not tried again" in stopped["error"]
    assert jobs.run_pending(db, {"import": lambda job, progress: {}}) == 0  # never claimed again


def test_a_file_that_kills_every_worker_is_given_up_and_dropped(db, monkeypatch):
    """Each claim counts an attempt; a worker that dies never reports, its job goes stale."""
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 3)
    job = jobs.create(db, jobs.new_id("archive"), "est_1", "import", {}, "desk", input={"content_base64": "Ym9tYg=="})
    claims = 0
    while jobs.claim(db):  # the worker dies while running it
        claims += 1
        clock.advance(timedelta(seconds=jobs.STALE_SECONDS + 1))
        jobs.requeue_stale(db)
    stored = db.jobs.find_one({"_id": job["_id"]})
    assert claims == 3 and stored["status"] == "failed" and stored["_input"] is None


def test_a_job_drops_its_input_when_it_ends_and_expires_after_the_retention(db, monkeypatch):
    from estate_common import retention
    monkeypatch.setattr(retention, "JOB_SECONDS", 3600)
    ok = jobs.create(db, jobs.new_id("archive"), "est_1", "import", {}, "desk", input={"content_base64": "eA=="})
    jobs.run_pending(db, {"import": lambda job, progress: {"seen": job["_input"]["content_base64"]}})
    bad = jobs.create(db, jobs.new_id("archive"), "est_1", "other", {}, "desk", input={"content_base64": "eQ=="})
    waiting = new(db)
    jobs.run_pending(db, {"import": lambda job, progress: {}}, max_jobs=1)  # "other" has no runner: fails
    for job_id, status in ((ok["_id"], "succeeded"), (bad["_id"], "failed")):
        stored = db.jobs.find_one({"_id": job_id})
        assert stored["status"] == status and stored["_input"] is None
        assert stored["expire_at"] == clock.now() + timedelta(hours=1)
    assert jobs.get(db, ok["_id"])["result"] == {"seen": "eA=="}
    clock.advance(timedelta(hours=1, minutes=2))
    assert jobs.get(db, ok["_id"]) is None and jobs.get(db, bad["_id"]) is None
    assert jobs.get(db, waiting["_id"])["status"] == "queued"  # an unfinished job never expires


def test_a_worker_whose_job_was_taken_over_stops_without_touching_it(db):
    job = new(db)
    first = jobs.claim(db)
    clock.advance(timedelta(seconds=jobs.STALE_SECONDS + 1))
    jobs.requeue_stale(db)
    second = jobs.claim(db)  # another worker has it now
    progress = jobs.Progress(db, first)
    with pytest.raises(jobs.ClaimLost):
        progress(1, 10)

    def late_runner(claimed, progress):
        progress(1, 10)
        return {"done": True}

    jobs.run(db, first, {"import": late_runner})
    current = jobs.get(db, job["_id"])
    assert current["status"] == "running" and current["_claim"] == second["_claim"]


def test_a_service_that_is_stopping_hands_its_job_back_uncounted_and_claims_no_other(db):
    """Killed at the end of a pod's grace period, a long job waited JOB_STALE_SECONDS to be queued
    again, and each kill counted as an attempt: three rollouts during one billing run failed it as
    if its file were bad (found by a deploy review)."""
    job, other = new(db), new(db)
    reports = []

    def runner(claimed, progress):
        progress(1, 10)
        reports.append(1)
        stopping.stop("finance")  # SIGTERM: the jobs timer's stop
        progress(2)
        reports.append(2)  # never reached: the job goes back at this report
        return {"done": True}

    try:
        assert jobs.run_pending(db, {"import": runner}, service="finance") == 1  # and not the other one
        handed_back = jobs.get(db, job["_id"])
        assert reports == [1]
        assert handed_back["status"] == "queued" and handed_back["_claim"] is None
        assert handed_back["_attempts"] == 0 and handed_back["finished_at"] is None
        assert jobs.get(db, other["_id"])["status"] == "queued"
        assert jobs.run_pending(db, {"import": runner}, service="finance") == 0  # still stopping: nothing claimed
    finally:
        stopping.stopped("finance")
    assert jobs.run_pending(db, {"import": lambda claimed, progress: {"ok": 1}}, service="finance") == 2
    assert jobs.get(db, job["_id"])["status"] == "succeeded"
    assert jobs.get(db, job["_id"])["_attempts"] == 1


def test_a_job_whose_work_is_all_done_ends_even_when_its_service_is_stopping(db):
    job = new(db)

    def runner(claimed, progress):
        progress(0, 3)
        stopping.stop("finance")
        progress(3)  # the last report: the work is done
        return {"imported": 3}
    try:
        assert jobs.run_pending(db, {"import": runner}) == 1
    finally:
        stopping.stopped("finance")
    assert jobs.get(db, job["_id"])["status"] == "succeeded"


# -- who may read and start a job (estate_common.job_scopes) -----------------------------

def _caller(roles, estates=("est_1",)):
    return Caller({"user": "u", "roles": list(roles), "estates": list(estates)})


def test_a_job_is_visible_to_a_role_its_kind_names_in_an_estate_of_the_caller(db):
    job = new(db, kind=job_scopes.BILLING_RUN)
    assert jobs.visible(db, job["_id"], _caller(["cashier"]))["_id"] == job["_id"]
    assert jobs.visible(db, job["_id"], _caller(["security"])) is None
    assert jobs.visible(db, job["_id"], _caller(["cashier"], estates=["est_2"])) is None
    assert jobs.visible(db, job["_id"], _caller(["operator_admin"], estates=["*"]))["_id"] == job["_id"]
    assert jobs.visible(db, "job_finance_nothing", _caller(["cashier"])) is None


def test_a_kind_missing_from_the_table_is_read_and_started_by_nobody(db):
    job = new(db, kind="something_new")
    assert jobs.visible(db, job["_id"], _caller(["operator_admin"], estates=["*"])) is None
    with pytest.raises(Forbidden):
        jobs.require_may_start("something_new", _caller(["operator_admin"], estates=["*"]))


def test_starting_is_granted_per_kind():
    jobs.require_may_start(job_scopes.HOUSEHOLD_IMPORT, _caller(["archivist"]))
    with pytest.raises(Forbidden):
        jobs.require_may_start(job_scopes.HOUSEHOLD_IMPORT, _caller(["security"]))
    with pytest.raises(Forbidden):
        jobs.require_may_start(job_scopes.BILLING_RUN, _caller(["cashier"]))
