"""Background jobs in a service: ``get_job`` and the timer that runs what is queued.

A service mixes this in and names, per job kind, the method that does the work
(``job_runners = {"billing_run": "_run_billing"}``); the method takes the job and
a progress handle and returns the job's result. Each kind names the roles that may start
and read it in ``estate_common.job_scopes``. See ``estate_common.jobs``.
"""
from nameko.timer import Timer

from .. import jobs
from ..errors import NotFound
from .entrypoints import rpc_method


class JobTimer(Timer):
    """nameko's timer, which on stop first tells the running job to hand itself back
    (``jobs.stop``): nameko waits for a running worker without limit, and a long job outlived
    the pod's grace period and was killed."""

    def start(self):
        jobs.started(self.container.service_name)
        super().start()

    def stop(self):
        jobs.stop(self.container.service_name)
        super().stop()


class RunsJobs:
    job_runners = {}

    @rpc_method
    def get_job(self, payload):
        job = jobs.visible(self.db, payload["id"], self.caller)
        if job is None:
            raise NotFound("no such job")  # another estate's job, or a kind the caller's roles may not read
        return jobs.public(job)

    @JobTimer.decorator(interval=jobs.POLL_SECONDS)
    def run_jobs(self):
        jobs.run_pending(self.db, {kind: getattr(self, name) for kind, name in self.job_runners.items()})
