"""The running system of tests/e2e (``system``, ``api``, ``admin``: module scope), reused here."""
import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_e2e = _load("security_e2e_conftest", HERE.parent / "e2e" / "conftest.py")

system, api, admin = _e2e.system, _e2e.api, _e2e.admin
