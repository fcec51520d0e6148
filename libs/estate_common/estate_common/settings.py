"""Per-estate settings: every business rule with a number has a default from
DOMAIN.md, declared next to the rule in the service's ``rules.py`` (``DEFAULTS``),
and may be overridden for one estate (``GET/PUT …/settings/<service>``, see
``estate_common.nameko.EstateSettings``).

An estate's overrides live in the service's ``settings`` collection, one document
per estate (``_id`` = the estate id) with a history of every change. Only known
names with whole values between their minimum (1 unless ``MINIMA`` says
otherwise) and their maximum (``MAXIMA``, where given) are accepted; a number named
in ``ALLOWED`` is one of the values listed there as well (a cycle of months that divides
the year, for example). A setting named in ``CHOICES`` is a list instead: one or more of
its choices, each once (an estate's own service lines, for example). A setting named in ``FOLLOWS``
(a service's ``rules.FOLLOWS``: ``{setting: the setting it follows}``) that the estate did not set
takes the value the setting it follows has in the estate (its own default when neither is set): one
number split in several keeps an estate's value of the one for each of them it did not set apart.
"""
from . import common_store
from .errors import BusinessRuleViolation, InvalidInput, field_error

INDEXES = {"settings": [([("estate_id", 1)], {})]}


def effective(defaults, overrides, maxima=None, minima=None, choices=None, allowed=None, unbounded=(), follows=None):
    """The defaults with the overrides that apply (``_applying``), a setting that ``follows`` another
    and is not set taking that one's value (``_followed``)."""
    applying = _applying(defaults, overrides, maxima, minima, choices, allowed, unbounded)
    return _copied(_followed({**defaults, **applying}, applying, follows))


def _followed(values, applying, follows):
    """``values`` with each setting of ``follows`` (``{setting: the one it follows}``) that
    ``applying`` does not set taking the value of the one it follows, whether set or its default:
    the recurring-cause threshold of a month, a quarter and a year (customer service's) each the
    estate's single threshold as it set it before they were apart (h5 of session 55)."""
    return {**values, **{name: values[leader] for name, leader in (follows or {}).items()
                         if name in values and name not in applying and leader in values}}


def _copied(values):
    """Lists copied: a caller changing its list must not change the rule's default for all."""
    return {k: list(v) if isinstance(v, list) else v for k, v in values.items()}


def _applying(defaults, overrides, maxima, minima, choices, allowed=None, unbounded=()):
    """The overrides of known settings within their bounds now: one stored before a maximum was
    set (100,000,000 days, which failed every billing run) gives way to the default. ``unbounded``:
    settings read for a moment before their bounds took effect (``for_estate``), kept as stored
    when they are whole numbers."""
    def fits(name, value):
        if name in unbounded:  # of its kind only, a whole number (no bound yet then)
            return _problem(name, value, None, {name: 0}, choices) is None
        return _problem(name, value, maxima, minima, choices, allowed) is None
    return {k: v for k, v in (overrides or {}).items() if k in defaults and fits(k, v)}


def _problem(name, value, maxima, minima, choices=None, allowed=None):
    """Why ``value`` cannot be the setting ``name``, or None; ``allowed``: the numbers that
    may take only some values between their bounds, and those values."""
    if name in (choices or {}):
        return _list_problem(value, choices[name])
    low, high = (minima or {}).get(name, 1), (maxima or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        return f"must be a whole number of at least {low}"
    if high is not None and value > high:
        return f"must be at most {high}"
    if name in (allowed or {}) and value not in allowed[name]:
        return f"must be one of {', '.join(map(str, allowed[name]))}"
    return None


def _list_problem(value, allowed):
    if not isinstance(value, list) or not value:
        return f"must be a list of at least one of: {', '.join(allowed)}"
    unknown = [v for v in value if v not in allowed]
    if unknown:
        return f"may hold only: {', '.join(allowed)} (not {', '.join(map(str, unknown))})"
    if len(set(value)) != len(value):
        return "must name each choice once"
    return None


STRICTLY = "strictly"  # the third item of an ``ordered`` pair: the first must be less than the second


def check_overrides(defaults, overrides, maxima=None, minima=None, ordered=(), choices=None, allowed=None):
    """400 naming each override that is no setting or is out of its bounds; then each pair of
    ``ordered`` (``(lower, upper)``: the first may not exceed the second, as they apply with the
    defaults; ``(lower, upper, STRICTLY)``: nor equal it, a shift's start and end hours) that the
    overrides break, named by the one overridden (the lower when both are).
    A verify deadline after the reply deadline, or a first webhook backoff longer than the
    longest, was accepted and one of them silently meant nothing (found by a settings probe)."""
    errors = []
    for name, value in overrides.items():
        problem = ("is not a setting of this service" if name not in defaults
                   else _problem(name, value, maxima, minima, choices, allowed))
        if problem:
            errors.append(field_error(name, problem))
    if errors:
        raise InvalidInput("settings are not valid", errors)
    applying = {**defaults, **overrides}
    for lower, upper, *how in ordered:
        if lower in overrides or upper in overrides:
            strictly = STRICTLY in how
            if applying[lower] > applying[upper] or (strictly and applying[lower] == applying[upper]):
                if lower in overrides:
                    errors.append(field_error(lower, f"must be less than {upper} ({applying[upper]})" if strictly
                                              else f"must not be more than {upper} ({applying[upper]})"))
                else:
                    errors.append(field_error(upper, f"must be more than {lower} ({applying[lower]})" if strictly
                                              else f"must not be less than {lower} ({applying[lower]})"))
    if errors:  # each is valid alone (the contract's 400s): together they break a rule (422)
        raise BusinessRuleViolation("settings do not agree with each other", errors)


def _stored(db, estate_id):
    return common_store.estate_settings(db, estate_id)


def for_estate(db, defaults, estate_id, maxima=None, minima=None, choices=None, as_of=None, allowed=None,
               bounded_since=None, follows=None):
    """The numbers that apply in the estate: its overrides (within their bounds) over the defaults;
    with ``as_of`` (ISO), the overrides in force then, from the settings' history.
    ``bounded_since``: ``{setting: ISO}``, when a bound DOMAIN.md sets took effect. A moment before
    it is read with the estate's value as it was accepted then: a quarterly fire-check cycle read
    as monthly for quarters already closed made their unchecked months overdue at the next sweep,
    with events and webhooks, and rewrote last year's targets (found by review)."""
    unbounded = {name for name, since in (bounded_since or {}).items() if as_of is not None and as_of < since}
    return effective(defaults, _in_force(_stored(db, estate_id), as_of), maxima, minima, choices, allowed,
                     unbounded, follows)


def _in_force(stored, as_of):
    """The overrides in force at ``as_of`` (now when None; the end of a period, which is not in
    it): the last change made before then, in the order the changes were made. A past period's
    KPIs took the targets and yearly numbers set since (one estate asking two surveys a year from
    now on turned last year's 1 ÷ 1 into 1 ÷ 2). A document without a history (none is written
    so, but a restored or hand-made one may be) keeps its values from when they were set."""
    if as_of is None:
        return stored.get("values")
    history = stored.get("history")
    if not history:
        set_at = stored.get("updated_at")
        return stored.get("values") if set_at is None or set_at < as_of else {}
    made = [change for change in history if change["at"] < as_of]
    return made[-1]["values"] if made else {}


def view(db, defaults, estate_id, maxima=None, minima=None, choices=None, allowed=None, follows=None):
    """What applies (a setting that ``follows`` another and is not set, that one's value), the
    overrides and the defaults; ``choices`` of the list-valued settings, where the service has any,
    so that a client can offer them; ``follows`` (``{setting: the one it follows}``), where the service
    has any, so that a client can say what a blank one takes: its default was shown where the value it
    followed applied, and a page that sent what applied as an override ended the following (review r5)."""
    stored = _stored(db, estate_id)
    overrides = _applying(defaults, stored.get("values"), maxima, minima, choices, allowed)
    shown = {"estate_id": estate_id, "values": _copied(_followed({**defaults, **overrides}, overrides, follows)),
             "overrides": overrides,
             "defaults": _copied(defaults), "updated_at": stored.get("updated_at"),
             "updated_by": stored.get("updated_by")}
    if choices:
        shown["choices"] = {name: list(allowed) for name, allowed in choices.items()}
    if follows:
        shown["follows"] = dict(follows)
    return shown


def replace(db, estate_id, overrides, stamp, actor):
    """The estate's overrides become ``overrides`` ({} restores the defaults); the change is kept."""
    common_store.replace_estate_settings(db, estate_id, overrides, stamp, actor)
