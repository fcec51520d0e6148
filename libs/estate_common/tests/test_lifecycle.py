"""A container stopped or killed before it started (its start failed, or it was made and
dropped): the shared library's extensions give up quietly. Attributes that
``setup``/``start`` set and ``stop``/``kill`` read raised AttributeError there, which nameko
logs and eventlet prints as a traceback beside the error that stopped the start."""

import pytest
from nameko.testing.utils import get_extension

from estate_common.nameko import CountsClosedRecords, RunsJobs, ServiceBase, consumes
from estate_common.nameko.outbox import Outbox

pytestmark = pytest.mark.broker


class Everything(CountsClosedRecords, RunsJobs, ServiceBase):
    """Every extension the shared library gives a service: ServiceBase's dependencies and sweep
    timer, the jobs' graceful timer, the closed-counts timer, an event consumer."""

    name = "lifecycle"

    @consumes("archive", "estate_created")
    def on_estate(self, event):
        pass


@pytest.mark.parametrize("method", ["kill", "stop"])
def test_the_outbox_stopped_or_killed_before_its_setup_does_not_raise(container_factory, rabbit_config, method):
    outbox = get_extension(container_factory(Everything, rabbit_config), Outbox)
    getattr(outbox, method)()
