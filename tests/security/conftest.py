"""The running system of tests/e2e (``system``, ``api``, ``admin``: module scope), reused here:
a system per module, not the one the end-to-end modules share, since these tests sign in
wrongly and revoke keys on purpose."""
from pathlib import Path

import pytest

from estate_common.testing import load_file

HERE = Path(__file__).resolve().parent

_e2e = load_file(HERE.parent / "e2e" / "conftest.py", "security_e2e_conftest")

own_system, api, admin = _e2e.own_system, _e2e.api, _e2e.admin


@pytest.fixture(scope="module")
def system(own_system):
    return own_system
