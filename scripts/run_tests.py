"""``make test``: the whole suite, as two pytest processes side by side, then a third alone.

Most of the suite's wall time is spent waiting: on the broker, on the system's
processes starting, on a browser. The tests that start the whole system (``SYSTEM``)
therefore run in one pytest process while the rest runs in another, and the tests that
break the broker or stall it (``LAST``) run alone at the end. The cross-service integration
tests join the first process, and the contract fuzzing (a system of its own) has moved between
the two to even out their times: with the fuzzing on the system side it took 528 s and the rest
345 s on 2 cores (2026-12-01); once the console's tests shared one app (2026-12-05) the rest
was some 70 s shorter still, and the fuzzing's 100 s moved over. By 2026-12-06 the rest had grown
again (627 s against the system side's 506 s, the fuzzing 63 s of it): the fuzzing was back beside the
systems. Then the console's tests read the gateway's document once and the YAML with libyaml (session
52): a fresh clone's run took the rest 356 s and the systems 501 s, the fuzzing among them; it is on the
rest's side again. On 2026-12-07 a fresh clone's whole suite took 10 min 17 s on one machine and, some 600
tests later, 20 min 26 s on a slower one (a CPython loop of 20 million additions 2.77 s): the rest 18 min 11 s
(the fuzzing 143 s of it), the systems 13 min 50 s (the browser 364 s): the rest is the longer side now.
The same day, on an idle fast machine, the rest took 443 s (the fuzzing 47 s) and the systems 364 s, so
the fuzzing is beside the systems again (on the slow machine's figures the longer side is 16 min instead
of 18), and its system hashes passwords the tests' cheap way as theirs do (session 61, h1). At the end of
that session, some 400 tests later, a fresh clone's run on the same idle machine took the rest 454 s and the
systems 492 s (the fuzzing and two new end-to-end journeys among them), 9 min 8 s in all with the faults.
Session 62, 270 tests later, on a slightly slower idle machine (20 million additions 1.55 s against 1.37): the
rest 508 s, the systems 525 s, 9 min 44 s with the faults, 10 min 30 s from a fresh clone with its set-up: over
the budget by half a minute; the sides are balanced, so the next cut is inside them (tests/integration's
conftest starts all five services for each test). Session 63 (h1): tests/integration starts
one system and one vhost per module (10 systems where its 31 tests started 21; the directory's CPU 35.5 s
-> 27.1 s); three sleeps of the rest's broker tests wait on their condition or move bson's clock instead
(about 4 s of its wall); the console's tests no longer read openapi.yaml a second time (1 s of CPU). The
machine was shared (load 16-18) then: CPU figures of the directories, no run of the whole suite. Left
for later: a fresh clone's rest side collects in 42 s of CPU (pytest rewriting the asserts of its 400 test
modules, 117,000 lines) where a second run takes 9.5 s. Session 63 (h8): no module dominates that
(the largest, console/tests/test_views.py's 5,200 lines, 1.7 s of 20); the rewriting is done ahead now
(:func:`rewrite_ahead`), in a process per core before the sides start, and kept as pytest keeps it
(byte for byte its pyc): the rest side's collection on a fresh copy 43.7 s of CPU -> 11.3 s, the
rewriting ahead 22.3 s of CPU on both cores (load 8-11 then). The system side's first figures per test
(the same load: 560 s of CPU with its systems' processes, 21.5 min of wall): the end-to-end modules 27 %
of its time, the browser 23 %, the fuzzing 21 % (one test), tests/integration 15 %, the access matrix 14 %
(its world's set-up 40 s of it); the end-to-end modules' shared system, 7 % of a core with their estates
in it, ran on through the other four (some 300 s idle) and stops after its last test now.
At that session's end (h9: the gateway tests' apps share one compiled URL builder per rule; h10: the
console's sign-in no longer renders its page), a fresh clone on the idle machine (20 million additions
1.67 s): the rest 390 s (15,273 tests), the systems 468 s (1,427), the faults 51 s: the whole suite in
8 min 52 s, 9 min 31 s with the set-up (was 10 min 30 s): under the budget again.
Both sides cover everything: the second is pytest's own ``testpaths`` less the first and
the last, so a test directory added later runs without a change here. Every test still runs
in a process of its own kind (eventlet monkey-patched, as the root conftest.py does), which
pytest-xdist cannot offer: its workers' I/O threads do not survive eventlet's patching.

Arguments are passed to every pytest process. With ``ESTATE_TEST_SERIAL=1``, or with
arguments that name test paths, it is one plain pytest run.

The last lines name every test that failed, whichever process ran it: a CI log that keeps only
its end (the first side's output scrolls far above) still says what to look at. Each process
writes its JUnit XML to ``build/test-reports/<name>.xml`` (:data:`REPORTS`, emptied first), which
stays for a look after the run and which the hosted workflow keeps as an artifact.
"""
import configparser
import fnmatch
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = ["tests/e2e", "tests/browser", "tests/security", "tests/integration", "tests/fuzz"]
# Alone at the end: the faults stop a broker; the broker-users module, started while the other
# side's systems run, stalled RabbitMQ 3.10 here (connections not answered for a minute, then a
# vhost deletion that never ended), reproduced in six runs out of six; alone it passes.
LAST = ["tests/deploy/test_broker_users.py", "tests/faults"]
REPORTS = ROOT / "build" / "test-reports"


def testpaths():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "pytest.ini")
    return parser["pytest"]["testpaths"].split()


def plan(args):
    """[(name, pytest arguments)] run side by side, then [(name, arguments)] run after them."""
    paths = testpaths()
    side_by_side = [
        ("system", [p for p in SYSTEM if (ROOT / p).is_dir()] + args),
        # pytest collects a path it is given even when told to ignore it: leave those out, and
        # ignore the ones below a path that stays
        ("rest", [p for p in paths if p not in SYSTEM + LAST]
         + [f"--ignore={p}" for p in SYSTEM + LAST if p not in paths] + args),
    ]
    after = [("alone", [p for p in LAST if (ROOT / p).exists()] + args)]
    return side_by_side, [(name, a) for name, a in after if a != args]


def test_modules(paths, root=ROOT):
    """The files under ``paths`` whose asserts pytest rewrites as it imports them: the test modules
    (pytest's default ``python_files``, which pytest.ini keeps) and the conftests, the root's too."""
    found = [root / "conftest.py"]
    for path in paths:
        for file in sorted((root / path).rglob("*.py")):
            if file.name == "conftest.py" or fnmatch.fnmatch(file.name, "test_*.py") \
                    or fnmatch.fnmatch(file.name, "*_test.py"):
                found.append(file)
    return [f for f in found if f.is_file()]


def _rewrite(files):
    """Write pytest's cached rewritten code (a pyc beside the module) for those of ``files`` that
    have none, or an out-of-date one: what pytest's import hook writes, the same way (its own
    functions; no option of pytest.ini changes the rewriting). The number written."""
    from _pytest.assertion import rewrite

    written = 0
    for file in files:
        pyc = rewrite.get_cache_dir(file) / (file.name[:-3] + rewrite.PYC_TAIL)
        if rewrite._read_pyc(file, pyc) is not None:
            continue
        source_hash, code = rewrite._rewrite_test(file, None)
        pyc.parent.mkdir(exist_ok=True)
        written += rewrite._write_pyc(_Trace(), code, source_hash, pyc)
    return written


class _Trace:
    """The ``state`` pytest's ``_write_pyc`` reports a failure to write to (pytest ignores one too)."""

    def trace(self, message):
        pass


def rewrite_ahead(paths, workers=None, root=ROOT):
    """Rewrite the test modules' asserts before the pytest processes start, on every core at once,
    and keep them as pytest does (``_rewrite``): the number of modules rewritten. On a fresh clone
    each side's pytest rewrote its own modules in its one process, the rest side's 400 (117,000
    lines) some 35 s of its CPU before its first test; a later run finds them kept and rewrites
    none. A module changed since is rewritten again, here or by pytest itself."""
    files = test_modules(paths, root)
    workers = workers or os.cpu_count() or 1
    # processes of their own (``--rewrite``), not a pool of this one: the run of a test of this
    # function is eventlet's, whose patched threads a process pool's do not survive
    processes = [subprocess.Popen([sys.executable, __file__, "--rewrite", *map(str, files[i::workers])],
                                  stdout=subprocess.PIPE, text=True) for i in range(workers)]
    return sum(int(process.communicate()[0] or 0) for process in processes)


def names_paths(args):
    return any(not a.startswith("-") and (ROOT / a.split("::")[0]).exists() for a in args)


def pytest(args, report=None, **kwargs):
    """pytest on ``args``; with ``report``, a JUnit XML file it writes its outcomes to."""
    extra = [f"--junitxml={report}"] if report else []
    return subprocess.Popen([sys.executable, "-m", "pytest", *args, *extra], cwd=ROOT, **kwargs)


def failures(report):
    """["module::test (failure or error): its message's first line"] of a pytest JUnit XML
    report; [] when it has none (or pytest wrote none: its exit code tells)."""
    try:
        root = ElementTree.parse(report).getroot()
    except (OSError, ElementTree.ParseError):
        return []
    found = []
    for case in root.iter("testcase"):
        for outcome in case:
            if outcome.tag in ("failure", "error"):
                message = (outcome.get("message") or "").strip().splitlines()
                where = "::".join(part for part in (case.get("classname"), case.get("name")) if part)
                found.append(f"{where} ({outcome.tag}): {message[0][:200] if message else ''}")
    return found


def fresh_reports(names, directory=REPORTS):
    """{name: the path of its JUnit XML report}, in ``directory`` emptied of an earlier run's: a
    process that writes none (it could not start) leaves no old report to be read as its."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.xml"):
        old.unlink()
    return {name: directory / f"{name}.xml" for name in names}


def main(args):
    if os.environ.get("ESTATE_TEST_SERIAL") == "1" or names_paths(args):
        return pytest(args).wait()
    side_by_side, after = plan(args)
    started = time.monotonic()
    rewritten = rewrite_ahead(testpaths())
    if rewritten:
        print(f"== {rewritten} test modules' asserts rewritten ahead in {time.monotonic() - started:.0f} s "
              f"({os.cpu_count()} processes)", flush=True)
    (first_name, first_args), (live_name, live_args) = side_by_side
    report = fresh_reports([name for name, _ in side_by_side + after])
    # one side writes to a file (shown when it ends), the other to the terminal as it goes
    with tempfile.TemporaryFile("w+b") as kept:
        first = pytest(first_args, report[first_name], stdout=kept, stderr=subprocess.STDOUT)
        print(f"== {live_name}: pytest {' '.join(live_args)}\n   ({first_name} runs beside it: "
              f"pytest {' '.join(first_args)})", flush=True)
        codes = {live_name: pytest(live_args, report[live_name]).wait()}
        codes[first_name] = first.wait()
        kept.seek(0)
        print(f"\n== {first_name}: pytest {' '.join(first_args)}", flush=True)
        sys.stdout.buffer.write(kept.read())
        sys.stdout.flush()
    for name, after_args in after:
        print(f"\n== {name}: pytest {' '.join(after_args)}", flush=True)
        codes[name] = pytest(after_args, report[name]).wait()
    failed = {name: failures(report[name]) for name, code in codes.items() if code}
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    summary = ", ".join(f"{name} {'passed' if code == 0 else f'FAILED ({code})'}" for name, code in codes.items())
    print(f"\n== the whole suite in {minutes} min {seconds} s: {summary}", flush=True)
    for name, lines in failed.items():
        print(f"   {name} failed:" if lines else f"   {name}: pytest exited {codes[name]} with no failed test reported",
              flush=True)
        for line in lines:
            print(f"     {line}", flush=True)
    return 0 if not any(codes.values()) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rewrite"]:
        print(_rewrite([Path(f) for f in sys.argv[2:]]))
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
