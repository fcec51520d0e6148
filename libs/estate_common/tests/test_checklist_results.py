"""Checklist results shared by maintenance's inspections and security_patrol's fire checks."""
import pytest

from estate_common.checklist_results import checked_results, failed, failure_text
from estate_common.errors import InvalidInput

BOTH = {"code": "P", "label": "Pressure", "kind": "reading", "min": 0.3, "max": 0.6, "unit": "MPa"}
LOW = {**BOTH, "max": None}
HIGH = {"code": "T", "label": "Temperature", "kind": "reading", "min": None, "max": 70, "unit": None}
CHECK = {"code": "L", "label": "No leak", "kind": "pass_fail", "min": None, "max": None, "unit": None}


@pytest.mark.parametrize("item, result, text", [
    (BOTH, {"reading": 0.7, "note": "valve hisses"}, "Pressure (P) reading 0.7 MPa outside 0.3–0.6 MPa: valve hisses"),
    (LOW, {"reading": 0.1}, "Pressure (P) reading 0.1 MPa below 0.3 MPa"),
    (HIGH, {"reading": 71.5}, "Temperature (T) reading 71.5 above 70"),
    (CHECK, {"passed": False, "note": ""}, "No leak (L) failed"),
])
def test_a_failure_is_described_with_its_limits(item, result, text):
    assert failed(item, {"passed": None, "reading": None, **result})
    assert failure_text(item, result) == text


def test_results_are_named_under_the_field_of_the_caller():
    with pytest.raises(InvalidInput) as refused:
        checked_results({"items": [CHECK]}, [{"code": "L", "reading": 1}], field="data.results")
    assert refused.value.errors[0]["field"] == "data.results[0].passed"
