"""A service stopping (SIGTERM: a rollout, a scale-down, a node drain) while one of its jobs runs:
the job goes back to the queue at the runner's next progress report, uncounted, and the container
stops at once. nameko waits for a running worker without limit, so a long job outlived the pod's
grace period and was killed (found by a deploy review)."""
import time

import eventlet
from nameko.rpc import rpc

from estate_common import jobs, stopping
from estate_common.nameko import RunsJobs
from estate_common.nameko.database import Database

SEEN = {}


class Billing(RunsJobs):
    name = "finance"
    indexes = {"jobs": jobs.INDEXES["jobs"]}
    job_runners = {"billing_run": "_run_billing"}

    db = Database()

    @rpc
    def start(self):
        SEEN["db"] = self.db
        return jobs.create(self.db, jobs.new_id("finance"), "est_1", "billing_run", {"period": "2026-11"}, "acc")["_id"]

    def _run_billing(self, job, progress):
        SEEN["running"] = job["_id"]
        for done in range(600):  # a minute of work, reporting every 0.1 s
            progress(done, 600)
            eventlet.sleep(0.1)
        return {"billed": 600}


def test_a_stopping_service_hands_its_running_job_back_and_stops_at_once(container_factory, rabbit_config):
    from nameko.testing.services import entrypoint_hook
    container = container_factory(Billing, rabbit_config)
    container.start()
    with entrypoint_hook(container, "start") as start:
        job_id = start()
    deadline = time.monotonic() + 10
    while SEEN.get("running") != job_id:
        assert time.monotonic() < deadline, "the job never ran"
        eventlet.sleep(0.05)
    eventlet.sleep(0.3)  # a few reports into its work
    asked = time.monotonic()
    container.stop()
    assert time.monotonic() - asked < 5  # not the minute the job had left
    job = jobs.get(SEEN["db"], job_id)
    assert job["status"] == "queued" and job["_claim"] is None and job["_attempts"] == 0
    assert job["progress"]["done"] > 0  # it did run, and goes again from the start
    assert not stopping.is_stopping("finance")  # stopped: a container of the name may run again in this process
