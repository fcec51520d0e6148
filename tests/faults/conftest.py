"""Fault tests run last in the suite: they start and stop brokers of their own, and whatever
they leave behind (slow teardown, a busy machine) must not slow or disturb the other tests."""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(session, config, items):
    faults = [item for item in items if HERE in Path(str(item.path)).resolve().parents]
    others = [item for item in items if item not in faults]
    items[:] = others + faults
