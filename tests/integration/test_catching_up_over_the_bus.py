"""A service that was down catches up on the bus: a module of its own, since it stops a service of
the module's system (conftest.py: one system per module)."""
import time
from pathlib import Path

import pytest

from estate_common.errors import ServiceUnavailable
from estate_common.testing import load_file

pytestmark = pytest.mark.broker

_desk = load_file(Path(__file__).with_name("desk.py"), "integration_catching_up_desk")
estate_with_household, register_repair = _desk.estate_with_household, _desk.register_repair


def test_a_service_that_was_down_catches_up_on_what_was_published_meanwhile(
        system, rpc, eventually, container_factory, rabbit_config):
    from maintenance.service import MaintenanceService
    estate_id, household_id = estate_with_household(rpc, eventually, code="BJ-02")
    maintenance = next(c for c in system.containers if c.service_name == "maintenance")
    maintenance.stop()

    request = register_repair(rpc, eventually, estate_id, household_id)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        rpc("maintenance", "list_work_orders", {"estate_id": estate_id}, timeout=1)
    assert time.monotonic() - started < 2.5  # a 503 within the RPC timeout, never a hang

    container_factory(MaintenanceService, rabbit_config).start()
    orders = eventually(lambda: rpc("maintenance", "list_work_orders",
                                    {"estate_id": estate_id, "filters": {"request_id": request["id"]}})["items"])
    assert len(orders) == 1
