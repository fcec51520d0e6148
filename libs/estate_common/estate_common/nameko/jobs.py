"""Background jobs in a service: ``get_job`` and the timer that runs what is queued.

A service mixes this in and names, per job kind, the method that does the work
(``job_runners = {"billing_run": "_run_billing"}``); the method takes the job and
a progress handle and returns the job's result. Each kind names the roles that may start
and read it in ``estate_common.job_scopes``. See ``estate_common.jobs``.
"""
from .. import jobs
from ..errors import NotFound
from .entrypoints import rpc_method
from .timers import graceful_timer


class RunsJobs:
    job_runners = {}

    @rpc_method
    def get_job(self, payload):
        job = jobs.visible(self.db, payload["id"], self.caller)
        if job is None:
            raise NotFound("no such job")  # another estate's job, or a kind the caller's roles may not read
        return jobs.public(job)

    @graceful_timer(interval=jobs.POLL_SECONDS)  # a stopping service hands its running job back
    def run_jobs(self):
        jobs.run_pending(self.db, {kind: getattr(self, name) for kind, name in self.job_runners.items()},
                         service=self.name)
