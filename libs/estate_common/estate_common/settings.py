"""Per-estate settings: every business rule with a number has a default from
DOMAIN.md, declared next to the rule in the service's ``rules.py``, and may be
overridden for one estate. Only known names with whole positive values are
accepted."""
from .errors import InvalidInput, field_error


def effective(defaults, overrides):
    return {**defaults, **{k: v for k, v in (overrides or {}).items() if k in defaults}}


def check_overrides(defaults, overrides):
    errors = []
    for name, value in overrides.items():
        if name not in defaults:
            errors.append(field_error(name, "is not a setting of this service"))
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            errors.append(field_error(name, "must be a whole number above 0"))
    if errors:
        raise InvalidInput("settings are not valid", errors)
