"""Which services of this process are stopping (SIGTERM: a rollout, a scale-down, a node drain).

nameko stops a container by stopping its entrypoints, then waits for every running worker
without limit; a pod is killed at the end of its grace period. Long work that runs from a timer
(a job, a round of webhook deliveries) asks ``is_stopping`` between its steps and ends early,
leaving what is left for another replica: ``estate_common.nameko.timers.GracefulTimer`` says so
first thing on stop. Plain functions: no nameko here.
"""
_STOPPING = set()  # one container per service per process; tests start several in turn


def stop(service):
    _STOPPING.add(service)


def started(service):
    """``service`` runs (again: a container started anew in the same process, as tests do)."""
    _STOPPING.discard(service)


def is_stopping(service):
    return service in _STOPPING
