"""``docs/domain-trace.md`` traces every rule of DOMAIN.md to a test "found by grep, not assumed":
each test it names is defined in the file it names (``CS-u/test_x.py::test_y``; ``…::test_z`` is
in the file named before it in the same cell). A test renamed or removed left the trace naming
one that no longer exists (``SP-i/test_fire_cycles.py::test_the_kpi_of_a_month_inside_a_quarter_
and_of_the_quarter``, found by a domain audit).

The check reads the source, so it needs no import of the modules.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "docs" / "domain-trace.md"

# the trace's shortened paths (its header says what each stands for)
FOLDERS = {
    **{f"{short}-{layer}": f"services/{service}/tests/{folder}"
       for short, service in (("CS", "customer_service"), ("MT", "maintenance"), ("SP", "security_patrol"),
                              ("FI", "finance"), ("AR", "archive"))
       for layer, folder in (("u", "unit"), ("i", "interface"))},
    "E2E": "tests/e2e", "GW": "gateway/tests", "EC": "libs/estate_common/tests", "CO": "console/tests",
}
NAMED = re.compile(r"`(?:(?P<folder>[A-Za-z0-9-]+)/(?P<file>[^`:]+\.py)|…)?::(?P<test>test_[A-Za-z0-9_]+)`")


def named_tests():
    """``(line, file, test)`` for each test the trace names."""
    for number, line in enumerate(TRACE.read_text(encoding="utf-8").splitlines(), 1):
        cells = line.split(" | ")
        for cell in cells:
            last = None
            for found in NAMED.finditer(cell):
                if found["folder"]:
                    last = ROOT / FOLDERS[found["folder"]] / found["file"]
                yield number, last, found["test"]


def test_the_trace_names_tests_that_exist():
    named = list(named_tests())
    assert len(named) > 100  # the trace is read at all
    missing = [(number, str(path and path.relative_to(ROOT)), test) for number, path, test in named
               if path is None or not path.is_file()
               or not re.search(rf"^def {test}\(", path.read_text(encoding="utf-8"), re.M)]
    assert not missing, missing
