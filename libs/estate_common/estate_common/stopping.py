"""Which services of this process are stopping (SIGTERM: a rollout, a scale-down, a node drain).

nameko stops a container by stopping its entrypoints, then waits for every running worker
without limit; a pod is killed at the end of its grace period. Long work that runs from a timer
(a job, a round of webhook deliveries) asks ``is_stopping`` between its steps and ends early,
leaving what is left for another replica: ``estate_common.nameko.timers.GracefulTimer`` says so
while it waits for its worker on stop. Plain functions: no nameko here.
"""
_STOPPING = {}  # service -> how many of its timers are waiting for their work to end


def stop(service):
    """A timer of ``service`` is stopping: its work from now on ends early."""
    _STOPPING[service] = _STOPPING.get(service, 0) + 1


def stopped(service):
    """That timer has stopped. Once none is stopping, the service is not stopping any more: in a
    test process a container of the same name may run again (a flag left set made every later
    billing run of the suite's finance tests claim nothing)."""
    left = _STOPPING.get(service, 0) - 1
    if left > 0:
        _STOPPING[service] = left
    else:
        _STOPPING.pop(service, None)


def is_stopping(service):
    return _STOPPING.get(service, 0) > 0
