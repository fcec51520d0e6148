"""Requirements are installed with ``--require-hashes``: every pin carries the digests of
its release's files (scripts/pin_hashes.py, run by ``make lock``), and every place that
installs them asks pip to check."""
import re
from pathlib import Path

import pytest

from estate_common.testing import load_file

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = sorted((ROOT / "requirements").glob("*.txt"))
INSTALLERS = [ROOT / "Makefile", ROOT / "gateway" / "Dockerfile", ROOT / "console" / "Dockerfile",
              ROOT / "deploy" / "docker" / "base.Dockerfile"]


pin_hashes = load_file(ROOT / "scripts" / "pin_hashes.py", "pin_hashes_under_test")


def _pins(path):
    """(pin, hashes) for each requirement of a file, continuations joined."""
    for line in pin_hashes._logical_lines(path.read_text()):
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            yield line.split()[0], re.findall(r"--hash=sha256:([0-9a-f]{64})", line)


@pytest.mark.parametrize("path", REQUIREMENTS, ids=lambda p: p.name)
def test_every_pin_is_exact_and_hashed(path):
    pins = list(_pins(path))
    assert pins, f"{path.name} pins nothing"
    for pin, hashes in pins:
        assert "==" in pin, f"{path.name}: {pin} is not pinned to one version"
        assert hashes, f"{path.name}: {pin} has no --hash (run scripts/pin_hashes.py or make lock)"


@pytest.mark.parametrize("path", [p for p in INSTALLERS if p.exists()], ids=lambda p: p.name)
def test_installs_check_the_hashes(path):
    installs = [line for line in path.read_text().splitlines()
                if re.search(r"pip install .*-r requirements/\S+\.txt", line)]
    assert installs, f"{path} installs no requirements file"
    for line in installs:
        assert "--require-hashes" in line, f"{path}: {line.strip()!r} does not check hashes"


def test_pin_hashes_lists_every_file_of_the_release():
    index = {"https://pypi.org/pypi/Flask/json": {"releases": {"3.1.3": [
        {"digests": {"sha256": "b" * 64}}, {"digests": {"sha256": "a" * 64}}]}}}
    text = "# pinned\nFlask==3.1.3\n"
    hashed = pin_hashes.with_hashes(text, fetch=index.__getitem__)
    assert hashed == ("# pinned\nFlask==3.1.3 \\\n    --hash=sha256:" + "a" * 64
                      + " \\\n    --hash=sha256:" + "b" * 64 + "\n")
    # run again over its own output: the same file, not hashes piled on hashes
    assert pin_hashes.with_hashes(hashed, fetch=index.__getitem__) == hashed


def test_pin_hashes_refuses_a_release_the_index_does_not_have():
    with pytest.raises(SystemExit, match="Flask==9.9.9"):
        pin_hashes.with_hashes("Flask==9.9.9\n", fetch=lambda url: {"releases": {}})


OWN_PACKAGE_INSTALLERS = [*INSTALLERS, *sorted(ROOT.glob("services/*/Dockerfile"))]


@pytest.mark.parametrize("path", [p for p in OWN_PACKAGE_INSTALLERS if p.exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_our_own_packages_are_built_without_isolation(path):
    """With build isolation pip fetched ``setuptools>=64`` from the index, unpinned and unchecked,
    for every image (found by review): our packages build with the setuptools already installed."""
    own = [line for line in path.read_text().splitlines()
           if re.search(r"pip install\b.*--no-deps", line) and "-r requirements" not in line]
    assert own, f"{path} installs none of our packages"
    for line in own:
        assert "--no-build-isolation" in line, f"{path}: {line.strip()!r} builds with isolation"
