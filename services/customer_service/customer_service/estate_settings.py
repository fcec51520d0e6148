"""An estate's settings of customer service: the numbers of rules.py, overridden per estate
(``GET/PUT …/settings/customer-service``, manager or operator admin)."""
from estate_common import settings
from estate_common.errors import Forbidden, InvalidInput, field_error

from .domain import MANAGER_ROLES
from .rules import DEFAULTS, MAXIMA


def require_manager(caller):
    if not set(caller.roles) & MANAGER_ROLES:
        raise Forbidden("only a manager or the operator admin changes an estate's settings")


def check(overrides):
    """Known names, whole numbers from 1 to their maximum (400 naming the setting)."""
    settings.check_overrides(DEFAULTS, overrides)
    errors = [field_error(name, f"must be at most {MAXIMA[name]}")
              for name, value in overrides.items() if value > MAXIMA[name]]
    if errors:
        raise InvalidInput("settings are not valid", errors)


def view(estate_id, overrides):
    known = {name: value for name, value in (overrides or {}).items() if name in DEFAULTS}
    return {"estate_id": estate_id, "values": settings.effective(DEFAULTS, known), "overrides": known,
            "defaults": dict(DEFAULTS)}
