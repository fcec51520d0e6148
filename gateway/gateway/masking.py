"""Personal data masked by role on the way out: ``estate_common.personal_data`` applied to
every answer of a forwarded route.

Why here. Every answer a person sees leaves through the gateway's forwarding view (the
console is a client of the public API, and only the gateway can call a service: the bus
refuses an unsigned caller), so one place here covers every service, every route and
idempotent replays, and a service cannot forget it. Which fields to mask is read from the
contract, not listed again: the response schema of the route (``openapi.yaml``) marks them
``x-personal-data: <kind>``, so a new route returning a household is masked the day it is
declared. The walk of the schema is done once per route; an answer is then masked by
following a few fixed paths.
"""
import functools

from estate_common import contracts, personal_data

from . import access

MARK = "x-personal-data"
EACH = None  # a path step into every element of an array


def for_caller(method, rule, status, body, roles, user=None):
    """``body`` (an answer of ``method rule`` with ``status``) with the personal data that
    ``user`` with ``roles`` may not see masked; changed in place and returned. The names a record
    holds are masked in its free text first (``_names_in_texts``), while they are still whole."""
    texts, hidden = for_roles(method, rule, status, tuple(roles or ()))
    _names_in_texts(body, texts, roles, user)
    for path, kind in hidden:
        # the table said no already: what is left is the record naming the caller as its own
        _change(body, path, lambda item, record, kind=kind: (
            item if personal_data.owns(kind, roles, user, record) else personal_data.masked(kind, item)),
            personal_data.owner_fields(kind))
    return body


@functools.lru_cache(maxsize=4096)
def for_roles(method, rule, status, roles):
    """What the table (``personal_data``) decides for a route's answer and a caller's ``roles`` (a
    tuple), whatever the answer holds: ``(texts, hidden)``. ``texts``: ``((record, applying, owners),
    ...)``, each record's pairs of a free text and a name whose name is masked in the text
    (``personal_data.name_masked_in_text``) and the fields that may name the record's owner;
    ``hidden``: ``((path, kind), ...)``, the plan's fields the roles do not see in full. Decided once
    per route and roles: every answer asked the table again for each pair of a text and a name and
    each field (some 110 questions a create's answer)."""
    def sees(kind):
        return personal_data.sees_in_full(kind, roles)

    texts = []
    for record_path, pairs in _by_record(names_in_texts(method, rule, status)):
        applying = tuple((text_rest, name_rest, name_kind) for text_rest, name_rest, text_kind, name_kind in pairs
                         if personal_data.name_masked_in_text(text_kind, name_kind, sees))
        if applying:
            owners = frozenset().union(*(personal_data.owner_fields(kind) for _, _, kind in applying))
            texts.append((record_path, applying, owners))
    hidden = tuple((path, kind) for path, kind in plan(method, rule, status) if not sees(kind))
    return tuple(texts), hidden


@functools.lru_cache(maxsize=None)
def plan(method, rule, status):
    """``((path, kind), ...)``: where the answer of a route carries personal data."""
    loaded = contracts.load()
    ref = loaded.response_schema_ref(access.openapi_path(rule), method, status, "application/json")
    if ref is None:
        return ()
    found = {}
    _walk(loaded.validator(ref).schema, (), found)
    return tuple(found.items())


@functools.lru_cache(maxsize=None)
def names_in_texts(method, rule, status):
    """``((record, text, name, text_kind, name_kind), ...)``: each free text of the answer and each
    name field beside it, split where they part: ``record`` the path to the object holding both (an
    element of a list: each element its own record), ``text`` and ``name`` the rest of each path."""
    steps = plan(method, rule, status)
    pairs = []
    for text_path, text_kind in steps:
        if text_kind not in personal_data.TEXTS:
            continue
        for name_path, name_kind in steps:
            if name_kind not in personal_data.NAMES:
                continue
            shared = 0
            while shared < min(len(text_path), len(name_path)) - 1 and text_path[shared] == name_path[shared]:
                shared += 1
            pairs.append((text_path[:shared], text_path[shared:], name_path[shared:], text_kind, name_kind))
    return tuple(pairs)


def _names_in_texts(body, texts, roles, user):
    """A name a record holds, typed again into its free text ("王建国说厨房漏水" beside who called,
    王建国), masked there as the name is masked, for whoever reads both the text's numbers and the
    name masked (``personal_data.mask_names_in``). The numbers in free text were masked and the names
    never were (h8). Only the record's own names, exact: a name nothing on the record holds (a
    neighbour's, an occupant's of archive's) is not known here and stays as typed. ``texts``: the
    records' pairs of a text and a name that apply to the caller's roles (``for_roles``).

    Each text is masked once with all the names of its record that apply (``_by_record``), the
    longest first: masked one field at a time, a shorter name inside a longer one (李明 of 李明月)
    masked first left 李*月, and every record was walked again for each pair of a text and a name
    (a page of requests took four times as long to mask; review r8 of h8)."""
    for record_path, applying, owners in texts:
        for record, owner in _records(body, record_path, owners):
            if not isinstance(record, dict):
                continue
            found, names_of = {}, {}
            for text_rest, name_rest, name_kind in applying:
                if personal_data.owns(name_kind, roles, user, owner):
                    continue  # the technician's own record: he reads the name in full, and so in its text
                if name_rest not in found:
                    found[name_rest] = [name for name, _ in _records(record, name_rest, frozenset())
                                        if isinstance(name, str)]
                names_of.setdefault(text_rest, set()).update(found[name_rest])
            for text_rest, names in names_of.items():
                if names:
                    _change(record, text_rest, lambda text, _, names=names: (
                        personal_data.mask_names_in(text, names) if isinstance(text, str) else text))


@functools.lru_cache(maxsize=None)
def _by_record(pairs):
    """``names_in_texts``'s pairs by the record that holds both: ``((record, ((text, name, text_kind,
    name_kind), ...)), ...)``."""
    grouped = {}
    for record_path, text_rest, name_rest, text_kind, name_kind in pairs:
        grouped.setdefault(record_path, []).append((text_rest, name_rest, text_kind, name_kind))
    return tuple((record_path, tuple(texts)) for record_path, texts in grouped.items())


def _records(value, path, owners, owner=None):
    """``(record, owner)`` for each value at ``path`` below ``value``: ``owner`` the nearest object on
    the way, the record included, that names a user in one of ``owners`` (as ``_mask`` finds it)."""
    if isinstance(value, dict) and owners & value.keys():
        owner = value
    if not path:
        yield value, owner
        return
    step, rest = path[0], path[1:]
    if step is EACH:
        for item in value if isinstance(value, list) else ():
            yield from _records(item, rest, owners, owner)
    elif isinstance(value, dict) and step in value:
        yield from _records(value[step], rest, owners, owner)


def _walk(schema, path, found, depth=0):
    if not isinstance(schema, dict) or depth > 40:
        return
    if MARK in schema:
        found[path] = schema[MARK]
    for name, sub in (schema.get("properties") or {}).items():
        _walk(sub, path + (name,), found, depth + 1)
    if isinstance(schema.get("items"), dict):
        _walk(schema["items"], path + (EACH,), found, depth + 1)
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator) or ():
            _walk(sub, path, found, depth + 1)


def _change(value, path, change, owners=frozenset(), record=None):
    """Each value at ``path`` below ``value`` replaced by ``change(value, record)``, ``record`` the
    nearest object on the way that names its user in one of ``owners`` (``personal_data.owner_fields``:
    a work order, for the occupant in its ``consent`` and its ``signed_by``). The masking of a field
    and of the names in a free text (``_names_in_texts``) walk a path by it alike."""
    if isinstance(value, dict) and owners & value.keys():
        record = value
    step, rest = path[0], path[1:]
    if step is EACH:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if rest:
                    _change(item, rest, change, owners, record)
                else:
                    value[index] = change(item, record)
    elif isinstance(value, dict) and step in value:
        if rest:
            _change(value[step], rest, change, owners, record)
        else:
            value[step] = change(value[step], record)
