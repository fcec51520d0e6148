"""The services' timers: nameko's, which may be stopped or killed before they started, and one
whose long work ends early when its service stops (``estate_common.stopping``)."""
from nameko.timer import Timer as NamekoTimer

from .. import stopping


class Timer(NamekoTimer):
    """nameko's timer, which a container stopped or killed before it started (another extension's
    setup failed, or a container made and dropped) stops and kills quietly: nameko's waited for
    and killed its greenthread, ``None`` until ``start``, and raised AttributeError beside the
    error that stopped the start."""

    def stop(self):
        if self.gt is None:
            return
        super().stop()

    def kill(self):
        if self.gt is None:
            return
        super().kill()


class GracefulTimer(Timer):
    """A timer which on stop first tells its work that the service is stopping: nameko
    waits for a running worker without limit, and a job or a round of deliveries outlived the
    pod's grace period and was killed in the middle."""

    def stop(self):
        if self.gt is None:
            return
        stopping.stop(self.container.service_name)
        try:
            super().stop()  # waits for the running worker, which now ends early
        finally:
            stopping.stopped(self.container.service_name)


timer = Timer.decorator
graceful_timer = GracefulTimer.decorator
