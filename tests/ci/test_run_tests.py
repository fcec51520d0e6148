"""scripts/run_tests.py (``make test``): its pytest processes together run every test path of
pytest.ini once: none twice (pytest collects a path it is given even when told to ignore it),
none left out."""
import os
import subprocess
from pathlib import Path

from estate_common.testing import load_file

ROOT = Path(__file__).resolve().parents[2]
run_tests = load_file(ROOT / "scripts" / "run_tests.py", "run_tests_under_test")


def _given(args):
    return [a for a in args if not a.startswith("-")]


def _ignored(args):
    return [a.split("=", 1)[1] for a in args if a.startswith("--ignore=")]


def test_every_test_path_runs_in_exactly_one_process():
    side_by_side, after = run_tests.plan([])
    processes = side_by_side + after
    testpaths = run_tests.testpaths()
    given = [p for _, args in processes for p in _given(args)]
    assert len(given) == len(set(given)), f"a path is given to two processes: {given}"
    for name, args in processes:
        for path in _given(args):
            others = [p for other, a in processes if other != name for p in _given(a)]
            below = [p for p in others if p.startswith(path.rstrip("/") + "/")]
            assert set(below) <= set(_ignored(args)), f"{name} also runs {below}, which another process runs"
    for path in testpaths:  # each is given, or lies below one that is given
        assert any(path == p or path.startswith(p + "/") or p.startswith(path + "/") for p in given), path
    for path in (p for p in given if p not in testpaths):  # and what is split off lies below a testpath
        assert any(path.startswith(t + "/") for t in testpaths), f"{path} is not in pytest.ini's testpaths"


def test_arguments_that_name_paths_run_as_one_plain_pytest():
    assert run_tests.names_paths(["tests/ci", "-x"]) and not run_tests.names_paths(["-x", "-k", "login"])


def test_the_failed_tests_are_named_from_pytest_s_own_report(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def test_passes():\n    assert True\n"
        "def test_fails():\n    assert 1 == 2, 'one is not two'\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('no fixture')\n"
        "def test_errs(broken):\n    pass\n")
    report = tmp_path / "report.xml"
    quick = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # nameko's, hypothesis'...: not needed here
    process = run_tests.pytest([str(tmp_path / "test_sample.py"), "-q", "-p", "no:cacheprovider",
                                f"--rootdir={tmp_path}", "-c", "/dev/null"], report, env=quick,
                               stdout=subprocess.DEVNULL)
    assert process.wait() == 1
    named = run_tests.failures(report)
    assert len(named) == 2, named
    assert named[0].startswith("test_sample::test_fails (failure): AssertionError: one is not two"), named
    assert named[1].startswith("test_sample::test_errs (error): ") and "no fixture" in named[1], named
    assert run_tests.failures(tmp_path / "absent.xml") == []


def test_each_process_gets_a_report_path_in_a_directory_emptied_of_the_last_run(tmp_path):
    reports = tmp_path / "test-reports"
    reports.mkdir()
    (reports / "rest.xml").write_text("<testsuites/>")  # an earlier run's: never read as this run's
    (reports / "notes.txt").write_text("kept")
    paths = run_tests.fresh_reports(["system", "rest"], reports)
    assert paths == {"system": reports / "system.xml", "rest": reports / "rest.xml"}
    assert not (reports / "rest.xml").exists() and (reports / "notes.txt").read_text() == "kept"
    assert run_tests.failures(paths["rest"]) == []
    assert run_tests.REPORTS == ROOT / "build" / "test-reports"


def test_asserts_rewritten_ahead_are_what_pytest_reads(tmp_path):
    (tmp_path / "t").mkdir()
    module = tmp_path / "t" / "test_sample.py"
    module.write_text("def test_fails():\n    numbers = [1, 2]\n    assert numbers == [1, 3]\n")
    (tmp_path / "t" / "helper.py").write_text("def test_like():\n    pass\n")  # not a test module
    assert run_tests.rewrite_ahead(["t"], workers=2, root=tmp_path) == 1
    assert run_tests.rewrite_ahead(["t"], workers=2, root=tmp_path) == 0  # kept: nothing to do
    kept = next((tmp_path / "t" / "__pycache__").glob("test_sample.*-pytest-*.pyc"))
    written = kept.read_bytes()
    quick = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([run_tests.sys.executable, "-m", "pytest", str(module), "-p", "no:cacheprovider",
                          f"--rootdir={tmp_path}", "-c", "/dev/null"], env=quick, capture_output=True, text=True)
    assert run.returncode == 1
    # the failure shows the values, as pytest's own rewriting has it, from the code kept ahead
    assert "assert [1, 2] == [1, 3]" in run.stdout and "At index 1 diff: 2 != 3" in run.stdout, run.stdout
    assert kept.read_bytes() == written
    module.write_text(module.read_text().replace("[1, 3]", "[1, 2]"))  # changed: rewritten again
    assert run_tests.rewrite_ahead(["t"], workers=1, root=tmp_path) == 1 and kept.read_bytes() != written
