"""Per-estate overrides of business-rule numbers."""
import pytest

from estate_common import settings
from estate_common.errors import InvalidInput

DEFAULTS = {"repair_due_hours": 24, "return_visit_days": 3, "max_open": 10}


def test_effective_without_overrides_is_the_defaults():
    assert settings.effective(DEFAULTS, None) == DEFAULTS
    assert settings.effective(DEFAULTS, {}) == DEFAULTS


def test_effective_merges_known_overrides_only():
    merged = settings.effective(DEFAULTS, {"repair_due_hours": 48, "unknown": 7})
    assert merged == {"repair_due_hours": 48, "return_visit_days": 3, "max_open": 10}
    assert DEFAULTS["repair_due_hours"] == 24  # the defaults are not changed


def test_check_overrides_accepts_whole_positive_numbers():
    assert settings.check_overrides(DEFAULTS, {"repair_due_hours": 1, "max_open": 500}) is None
    assert settings.check_overrides(DEFAULTS, {}) is None


def test_check_overrides_rejects_unknown_names():
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"repair_due_hours": 12, "colour": 3})
    assert caught.value.errors == [{"field": "colour", "message": "is not a setting of this service"}]


@pytest.mark.parametrize("value", [0, -1, -24, True, False, 1.5, 2.0, "5", None, [3], {"v": 1}])
def test_check_overrides_rejects_values_that_are_not_whole_positive_numbers(value):
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"return_visit_days": value})
    assert caught.value.errors == [{"field": "return_visit_days", "message": "must be a whole number above 0"}]


def test_check_overrides_reports_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"repair_due_hours": 0, "max_open": "ten", "x": 1, "return_visit_days": 2})
    assert sorted(e["field"] for e in caught.value.errors) == ["max_open", "repair_due_hours", "x"]
