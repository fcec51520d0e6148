"""The running system of tests/e2e (``system``, ``api``, ``admin``: module scope), reused here."""
from pathlib import Path

from estate_common.testing import load_file

HERE = Path(__file__).resolve().parent

_e2e = load_file(HERE.parent / "e2e" / "conftest.py", "security_e2e_conftest")

system, api, admin = _e2e.system, _e2e.api, _e2e.admin
