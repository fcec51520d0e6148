"""Per-estate settings: every business rule with a number has a default from
DOMAIN.md, declared next to the rule in the service's ``rules.py`` (``DEFAULTS``),
and may be overridden for one estate (``GET/PUT …/settings/<service>``, see
``estate_common.nameko.EstateSettings``).

An estate's overrides live in the service's ``settings`` collection, one document
per estate (``_id`` = the estate id) with a history of every change. Only known
names with whole values between their minimum (1 unless ``MINIMA`` says
otherwise) and their maximum (``MAXIMA``, where given) are accepted.
"""
from . import common_store
from .errors import InvalidInput, field_error

INDEXES = {"settings": [([("estate_id", 1)], {})]}


def effective(defaults, overrides):
    return {**defaults, **{k: v for k, v in (overrides or {}).items() if k in defaults}}


def check_overrides(defaults, overrides, maxima=None, minima=None):
    errors = []
    for name, value in overrides.items():
        low = (minima or {}).get(name, 1)
        high = (maxima or {}).get(name)
        if name not in defaults:
            errors.append(field_error(name, "is not a setting of this service"))
        elif isinstance(value, bool) or not isinstance(value, int) or value < low:
            errors.append(field_error(name, f"must be a whole number of at least {low}"))
        elif high is not None and value > high:
            errors.append(field_error(name, f"must be at most {high}"))
    if errors:
        raise InvalidInput("settings are not valid", errors)


def _stored(db, estate_id):
    return common_store.estate_settings(db, estate_id)


def for_estate(db, defaults, estate_id):
    """The numbers that apply in the estate: its overrides over the defaults."""
    return effective(defaults, _stored(db, estate_id).get("values"))


def view(db, defaults, estate_id):
    stored = _stored(db, estate_id)
    overrides = {k: v for k, v in (stored.get("values") or {}).items() if k in defaults}
    return {"estate_id": estate_id, "values": effective(defaults, overrides), "overrides": overrides,
            "defaults": dict(defaults), "updated_at": stored.get("updated_at"),
            "updated_by": stored.get("updated_by")}


def replace(db, estate_id, overrides, stamp, actor):
    """The estate's overrides become ``overrides`` ({} restores the defaults); the change is kept."""
    common_store.replace_estate_settings(db, estate_id, overrides, stamp, actor)
