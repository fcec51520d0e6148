"""A timer whose long work ends early when its service stops (``estate_common.stopping``)."""
from nameko.timer import Timer

from .. import stopping


class GracefulTimer(Timer):
    """nameko's timer, which on stop first tells its work that the service is stopping: nameko
    waits for a running worker without limit, and a job or a round of deliveries outlived the
    pod's grace period and was killed in the middle."""

    def stop(self):
        stopping.stop(self.container.service_name)
        try:
            super().stop()  # waits for the running worker, which now ends early
        finally:
            stopping.stopped(self.container.service_name)


graceful_timer = GracefulTimer.decorator
