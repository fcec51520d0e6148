"""Each service's tests are split as the nameko examples split them: ``tests/unit`` holds the
rules (plain functions: no broker, no store, no service class) and ``tests/interface`` the
entrypoints (through ``estate_common.testing.worker`` or nameko's tools). A unit test that
starts to need a store or a worker belongs in interface/.

The check reads the source (``ast``), so it needs no import of the modules.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(path.parent for path in (ROOT / "services").glob("*/tests"))

# what a unit test must not import: the service class, its store, the worker, nameko, a driver
FORBIDDEN_MODULES = {"service", "store", "operations"}
FORBIDDEN_NAMES = {"worker", "container_factory", "worker_factory"}
FORBIDDEN_PACKAGES = {"nameko", "pymongo", "mongomock", "kombu"}


def imports_of(path):
    """``(module, name)`` for every import of the module (name None for ``import x``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                yield node.module, alias.name


def unit_violations(path, package):
    for module, name in imports_of(path):
        parts = module.split(".")
        if parts[0] in FORBIDDEN_PACKAGES:
            yield f"imports {module}"
        elif parts[0] == package and set(parts[1:]) & FORBIDDEN_MODULES:
            yield f"imports {module}"
        elif parts[0] == package and name in FORBIDDEN_MODULES:
            yield f"imports {module}.{name}"
        elif name in FORBIDDEN_NAMES:
            yield f"imports {name} from {module}"


@pytest.mark.parametrize("service", SERVICES, ids=lambda path: path.name)
def test_a_services_tests_are_unit_or_interface(service):
    loose = sorted(p.name for p in (service / "tests").glob("*.py"))
    assert loose == [], f"{service.name}: put {loose} in tests/unit or tests/interface"
    assert list((service / "tests" / "unit").glob("test_*.py")), f"{service.name} has no unit tests"
    assert list((service / "tests" / "interface").glob("test_*.py")), f"{service.name} has no interface tests"


@pytest.mark.parametrize("service", SERVICES, ids=lambda path: path.name)
def test_unit_tests_need_no_broker_store_or_service(service):
    package = service.name
    found = {p.relative_to(ROOT).as_posix(): list(unit_violations(p, package))
             for p in sorted((service / "tests" / "unit").rglob("*.py"))}
    assert {path: why for path, why in found.items() if why} == {}


def test_the_check_sees_a_unit_test_that_starts_a_worker(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text("from estate_common.testing import event, worker\nfrom maintenance import store\n"
                      "from maintenance.service import MaintenanceService\nimport nameko.testing\n")
    assert sorted(unit_violations(sample, "maintenance")) == [
        "imports maintenance.service", "imports maintenance.store", "imports nameko.testing",
        "imports worker from estate_common.testing"]
