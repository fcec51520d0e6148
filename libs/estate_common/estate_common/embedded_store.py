"""The embedded store: an in-process engine offering the part of pymongo's API this code base
uses, for runs without ``MONGO_URI`` (tests, a laptop, ``make run``).

It keeps nothing across restarts and is private to its process. What it shares with MongoDB
is the contract (``libs/estate_common/tests/test_store_contract.py`` runs on both): the
query and update operators below with MongoDB's rules (type brackets, ``null`` matching a
missing field, array membership, dotted paths), ``DuplicateKeyError`` on ``_id`` and unique
indexes, ``BulkWriteError`` from unordered batches, pymongo's result objects, documents
stored and returned as copies, datetimes back as tz-aware UTC at millisecond precision.
Anything else raises :class:`NotSupported` rather than answering differently from MongoDB.

Speed: documents live in a dict by ``_id``, so a read or an update by ``_id`` is a lookup.
A declared index keeps, for a prefix of its fields that a query fixes by equality
(``estate_id`` first), a hash map from the prefix's values to the ids having them; the map
of a prefix is built the first time a query can use it and maintained by every write from
then on (unique indexes keep theirs from the start: they check every write). A query
without such an equality walks the collection once. A sorted page of a big bucket (``find``
with ``sort`` ascending, and ``limit``: ``store.page``; ``_id`` is added last to a sort that does
not end on it, and its ties are put in the natural order) walks that bucket in the sort's order,
kept beside the hash map from its first such page on (``_Index.ordered_bucket``), from the first
place the query's bounds allow, and stops at the page's end or at the upper bound of a range on
the first sort field: an estate's first page of 120,000 bills is not a sort of 120,000 bills. A
sort descending on every field and last on ``_id`` (``store.page``'s ``newest_first``) walks the same
bucket backwards, from the query's upper bound (``_upper_bound``: a cursor's place, a range's end)
down: a newest-first page of a piece's 5,000 equipment records sorted them all (7.7 ms, 0.11 ms now). A range
(``$gt``/``$gte``/``$lt``/``$lte``) on the index's field after the equalities is served likewise
from a big bucket kept in the order of that field (``_within``): the entries between its bounds,
found by bisection, not every entry of the bucket (maintenance's late orders: the estate's open
orders past their deadline, not every open order). A query without such an equality but with a
range on an index's first field reads that index's entries within the range the same way, sorted
pages included (``_led_by_range``: integrations' deliveries due in every estate, not every
delivery kept). A partial index serves only a query that implies its filter, as MongoDB's rule
is (``_implies``: ``{status: "pending", ...}`` for one partial on ``{status: "pending"}``).
An index that is not sparse keys a missing field as null, as MongoDB's does: ``{field: None}``
and ``{field: {$exists: false}}`` read its null bucket (``equalities(query, absent=True)``); a
sparse index (which leaves out a document missing its fields) is not read for them, nor a
partial one whose filter they do not imply.

TTL indexes (``expireAfterSeconds`` on one field) expire as MongoDB's do: a document whose
field holds a date (or dates: the earliest counts) older than now minus the seconds is
removed; one without a date there never expires. MongoDB removes them from a background
task every 60 s; here the collection's next read or write after ``TTL_SWEEP_SECONDS`` of
``estate_common.clock`` time walks it once and removes them (so tests move the clock instead
of waiting).

Stored documents are never changed in place: a write builds the new version (copying only
the containers along the paths it changes) and swaps it in under the collection's lock, so
a reader holding an older version keeps a consistent one and copies it outside the lock.
The lock is an OS lock even where eventlet has patched ``threading``: critical sections are
pure computation that never yields to another green thread (so green threads never wait on
it), and the store stays safe for real threads too (the gateway's gthread workers, a tpool).
"""
import _thread
import bisect
import functools
import heapq
import itertools
import operator
import re
import sys
import uuid
from datetime import datetime, timedelta

from bson import ObjectId
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.errors import InvalidDocument
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.regex import Regex
from bson.timestamp import Timestamp
from bson.tz_util import utc
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, InvalidOperation, OperationFailure, WriteError
from pymongo.results import DeleteResult, InsertManyResult, InsertOneResult, UpdateResult

from . import clock

__all__ = ["EmbeddedClient", "EmbeddedDatabase", "EmbeddedCollection", "EmbeddedCursor", "NotSupported"]


TTL_SWEEP_SECONDS = 60  # MongoDB's TTL monitor runs once a minute
ORDERED_FROM = 256  # documents in a bucket from which a sorted page walks it in order (_in_order)
# documents in a bucket from which a count of a range after its prefix reads the entries within the
# range (_bucket_count): maintenance counts the late orders of each status and technician, some
# hundreds of buckets of a hundred orders each, where each was walked whole
COUNTED_FROM = 32
# the most buckets a query's ``$in`` lists may name in an index (the product of their lengths):
# each is looked up (``_exploded``); past it, the index's equality prefix alone serves the query
IN_BUCKETS = 1024
# query shapes whose chosen index a collection keeps (_plan_shape), the least recently used dropped
PLAN_SHAPES = 256


class NotSupported(NotImplementedError):
    """A valid MongoDB request the embedded store does not implement (add it here, with a
    contract test, when the code base starts using it)."""


def _lock():
    """An OS lock, not eventlet's green one (see the module's docstring)."""
    patcher = sys.modules.get("eventlet.patcher")
    allocate = patcher.original("_thread").allocate_lock if patcher else _thread.allocate_lock
    return allocate()


# Options that change nothing in one process (sessions, comments, hints, timeouts).
_HARMLESS = {"session", "comment", "hint", "max_time_ms", "maxTimeMS", "bypass_document_validation",
             "no_cursor_timeout", "allow_disk_use", "let"}


def _options(method, kwargs):
    """Refuse options that would change the answer (``array_filters``, ``collation``, …)
    rather than ignore them."""
    unknown = set(kwargs) - _HARMLESS
    if unknown:
        raise NotSupported(f"the embedded store does not implement {method}({', '.join(sorted(unknown))}=…)")


_MISSING = object()  # a path that leads nowhere (not the same as a stored None)
_DUPLICATE_KEY = 11000
_IMMUTABLE_FIELD = 66
_BAD_VALUE = 2
_TYPE_MISMATCH = 14


# -- values in and out ---------------------------------------------------------------
# In: checked as BSON would be (pymongo refuses a set, a date, a Decimal), tuples become
# lists, datetimes become UTC at millisecond precision (what BSON keeps). Out: copies.

_SCALARS = (str, bool, int, float, type(None), ObjectId, Binary, bytes, Decimal128, Regex, Timestamp,
            MinKey, MaxKey, uuid.UUID, re.Pattern)
_INT64 = 2 ** 63


def _stored_datetime(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=utc)  # pymongo takes a naive datetime as UTC
    else:
        value = value.astimezone(utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _import(value):
    """A stored copy of ``value``: a deep copy in BSON's terms, refused where BSON cannot hold it."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise InvalidDocument(f"documents must have only string keys, key was {key!r}")
            item_kind = type(item)  # plain values inline: a document is mostly made of them (a bill's cents too)
            out[key] = item if item_kind is str or item_kind is bool or item_kind is float or item is None \
                or (item_kind is int and -_INT64 <= item < _INT64) else _import(item)
        return out
    if kind is list or kind is tuple:
        return [_import(item) for item in value]
    if kind is str or kind is float or kind is bool or value is None:
        return value
    if kind is int:
        if not -_INT64 <= value < _INT64:
            raise OverflowError("MongoDB can only handle up to 8-byte ints")
        return value
    if isinstance(value, int) and kind is not Int64:  # a subclass (an IntEnum's member; bool is exact, above):
        return _import(int.__int__(value))  # BSON's int, as pymongo writes it, found by plain values (found by r1)
    if isinstance(value, str):  # a StrEnum's member: BSON's string
        return str.__str__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, datetime):
        return _stored_datetime(value)
    if isinstance(value, dict):  # a dict subclass (SON, OrderedDict): stored as a plain document
        return _import(dict(value))
    if isinstance(value, _SCALARS):
        return value
    raise InvalidDocument(f"cannot encode object: {value!r}, of type: {type(value)}")


_UNCHANGED = {str, int, float, bool, type(None)}  # immutable and plain: shared, not copied


def _export(value, aware=True):
    """A copy for the caller: stored versions are shared, never handed out."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _UNCHANGED else _export(item, aware) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _UNCHANGED else _export(item, aware) for item in value]
    if not aware and kind is datetime:
        return value.replace(tzinfo=None)
    return value


def _operand(value):
    """A value in a query, as the stored values it is compared with (tuples, naive datetimes)."""
    kind = type(value)
    if kind is dict:
        return {key: _operand(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_operand(item) for item in value]
    if isinstance(value, datetime):
        return _stored_datetime(value)
    return value


# -- MongoDB's order of values -------------------------------------------------------
# Values of different types never compare equal and sort by type bracket.

def _bracket(value):
    kind = type(value)
    if kind is str:
        return 4
    if kind is int or kind is float or kind is Int64 or kind is Decimal128:
        return 3
    if kind is bool:
        return 9
    if value is None or value is _MISSING:
        return 2
    if kind is dict:
        return 5
    if kind is list:
        return 6
    if kind is datetime:
        return 10
    if kind is ObjectId:
        return 8
    if isinstance(value, (bytes, Binary, uuid.UUID)):
        return 7
    if isinstance(value, Timestamp):
        return 11
    if isinstance(value, (Regex, re.Pattern)):
        return 12
    if isinstance(value, MinKey):
        return 1
    if isinstance(value, MaxKey):
        return 13
    return 14


def _number(value):
    return value.to_decimal() if type(value) is Decimal128 else value


def _compare(a, b):
    """-1, 0 or 1 in MongoDB's order (a missing value sorts as null)."""
    ka, kb = _bracket(a), _bracket(b)
    if ka != kb:
        return -1 if ka < kb else 1
    if ka == 2 or ka == 1 or ka == 13:
        return 0
    if ka == 3:
        a, b = _number(a), _number(b)
    elif ka == 5:
        for (key_a, item_a), (key_b, item_b) in zip(a.items(), b.items()):
            found = _compare(item_a, item_b) if key_a == key_b else (-1 if key_a < key_b else 1)
            if found:
                return found
        return (len(a) > len(b)) - (len(a) < len(b))
    elif ka == 6:
        for item_a, item_b in zip(a, b):
            found = _compare(item_a, item_b)
            if found:
                return found
        return (len(a) > len(b)) - (len(a) < len(b))
    elif ka == 12:
        a, b = (getattr(a, "pattern", a), getattr(b, "pattern", b))
    elif ka == 7:
        a, b = (a.bytes if isinstance(a, uuid.UUID) else bytes(a)), (b.bytes if isinstance(b, uuid.UUID) else bytes(b))
    return (a > b) - (a < b)


def _equal(a, b):
    """MongoDB's equality: same type bracket and value; documents equal field by field, in order."""
    if a is _MISSING or b is _MISSING:
        return a is b
    kind = type(a)
    if kind is str or kind is type(b) is str:
        return type(b) is kind and a == b
    if (kind is float and a != a) or (type(b) is float and b != b):  # a NaN equals a NaN alone
        return _is_nan(a) and _is_nan(b)
    return _bracket(a) == _bracket(b) and _compare(a, b) == 0


def _is_nan(value):
    return type(value) is float and value != value


_NAN_KEY = (int, "NaN")  # every NaN's one key: a NaN hashes by its identity and equals nothing


def _hash_key(value):
    """A dict key standing for ``value`` under MongoDB's equality, or None when it has none
    (documents, arrays). 1 and 1.0 share a key; True and 1 do not."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return (bool, value)
    if kind is int or kind is float or kind is Int64:
        return _NAN_KEY if value != value else (int, value)
    if value is None or value is _MISSING:
        return (None,)
    if kind is datetime or kind is ObjectId:
        return (kind, value)
    return None


# -- paths ---------------------------------------------------------------------------

def _resolve(value, parts, index=0):
    """The values a dotted path reaches in ``value``: through arrays into each element, a
    numeric part also into the array's position; ``_MISSING`` where a branch ends early."""
    if index == len(parts):
        return [value]
    part = parts[index]
    kind = type(value)
    if kind is dict:
        if part in value:
            return _resolve(value[part], parts, index + 1)
        return [_MISSING]
    if kind is list:
        found = []
        if part.isdigit():
            position = int(part)
            if position < len(value):
                found.extend(_resolve(value[position], parts, index + 1))
        for item in value:
            if type(item) is dict:
                found.extend(_resolve(item, parts, index))
        return found or [_MISSING]
    return [_MISSING]


def _getter(path):
    if "." not in path:
        return lambda doc: [doc.get(path, _MISSING)]
    parts = path.split(".")
    return lambda doc: _resolve(doc, parts)


def _expanded(values):
    """Values reached, with each array's elements as well as the array (MongoDB's array rule)."""
    for value in values:
        if type(value) is list:
            yield from value
        yield value


# -- queries -------------------------------------------------------------------------
# A query is compiled once into a predicate over a stored document.

_LOGICAL = {"$and", "$or", "$nor"}


def compile_query(query):
    """``query`` (a filter document) as ``predicate(doc) -> bool``."""
    if query is None:
        return lambda doc: True
    if not isinstance(query, dict):
        raise TypeError(f"filter must be an instance of dict, not {type(query).__name__}")
    tests = []
    for key, condition in query.items():
        if key in _LOGICAL:
            if not isinstance(condition, (list, tuple)) or not condition:
                raise OperationFailure(f"{key} must be a nonempty array", _BAD_VALUE)
            parts = [compile_query(part) for part in condition]
            if key == "$and":
                tests.append(_all(parts))
            elif key == "$or":
                tests.append(_any(parts))
            else:
                anyone = _any(parts)
                tests.append(lambda doc, anyone=anyone: not anyone(doc))
        elif key.startswith("$"):
            if key in ("$expr", "$where", "$text", "$jsonSchema", "$comment"):
                raise NotSupported(f"the embedded store does not implement {key}")
            raise OperationFailure(f"unknown top level operator: {key}", _BAD_VALUE)
        else:
            tests.append(_field_test(key, condition))
    if not tests:
        return lambda doc: True
    return _all(tests)


def _all(tests):
    if len(tests) == 1:
        return tests[0]

    def every(doc):
        for test in tests:
            if not test(doc):
                return False
        return True
    return every


def _any(tests):
    def anyone(doc):
        for test in tests:
            if test(doc):
                return True
        return False
    return anyone


def _is_operator_dict(condition):
    if type(condition) is not dict or not condition:
        return False
    operators = [key.startswith("$") for key in condition]
    if all(operators):
        return True
    if any(operators):
        raise OperationFailure(f"unknown operator in {condition!r}", _BAD_VALUE)
    return False


def _field_test(path, condition):
    if _is_operator_dict(condition):
        test = _values_test(condition)
    else:
        condition = _operand(condition)
        if type(condition) is str and "." not in path:  # the most common test of all, kept short
            def equal(doc):
                value = doc.get(path)
                if type(value) is str:
                    return value == condition
                return type(value) is list and any(type(item) is str and item == condition for item in value)
            return equal
        test = _eq_test(condition)
    if "." not in path:
        return lambda doc: test([doc.get(path, _MISSING)])
    parts = path.split(".")
    return lambda doc: test(_resolve(doc, parts))


def _values_test(operators):
    """A test over the values a path reaches, for an operator document (``{"$gte": 1, ...}``)."""
    options = operators.get("$options", "")
    tests = []
    for name, operand in operators.items():
        if name == "$options":
            continue
        if name == "$regex":
            tests.append(_regex_test(operand, options))
        else:
            tests.append(_operator_test(name, operand))
    if len(tests) == 1:
        return tests[0]
    return lambda values: all(test(values) for test in tests)


def _eq_test(operand):
    if isinstance(operand, (re.Pattern, Regex)):
        return _regex_test(operand, "")
    if operand is None:
        return lambda values: any(value is None or value is _MISSING for value in _expanded(values))
    if type(operand) is str:  # the common case, kept short
        def test(values):
            for value in values:
                kind = type(value)
                if kind is str:
                    if value == operand:
                        return True
                elif kind is list and any(type(item) is str and item == operand for item in value):
                    return True
            return False
        return test
    return lambda values: any(_equal(value, operand) for value in _expanded(values))


def _in_test(operands):
    if not isinstance(operands, (list, tuple)):
        raise OperationFailure("$in needs an array", _BAD_VALUE)
    operands = [_operand(item) for item in operands]
    keyed, others = set(), []
    for item in operands:
        key = _hash_key(item)
        if key is None or isinstance(item, (re.Pattern, Regex)):
            others.append(_eq_test(item))
        else:
            keyed.add(key)

    def test(values):
        for value in _expanded(values):
            key = _hash_key(value)
            if key is not None and key in keyed:
                return True
        return any(other(values) for other in others)
    return test


def _range_test(name, operand):
    operand = _operand(operand)
    if operand is None:  # only $gte and $lte take null (and a missing field) in
        inclusive = name in ("$gte", "$lte")
        return lambda values: inclusive and any(v is None or v is _MISSING for v in _expanded(values))
    if _is_nan(operand):  # MongoDB: a NaN meets $gte and $lte NaN, no other range, nor is met by one
        inclusive = name in ("$gte", "$lte")
        return lambda values: inclusive and any(_is_nan(v) for v in _expanded(values))
    bracket = _bracket(operand)
    if type(operand) in (str, int, float, datetime):  # the common cases, compared by Python itself
        kinds = (str,) if bracket == 4 else (int, float) if bracket == 3 else (datetime,)
        compare = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}[name]

        def plain(values):
            for value in values:
                kind = type(value)
                if kind in kinds:
                    if compare(value, operand):
                        return True
                elif kind is list or kind is Int64 or kind is Decimal128:
                    return _slow(values)
            return False
    wanted = {"$gt": (1,), "$gte": (0, 1), "$lt": (-1,), "$lte": (-1, 0)}[name]

    def test(values):
        for value in _expanded(values):
            if value is not _MISSING and _bracket(value) == bracket and not _is_nan(value) \
                    and _compare(value, operand) in wanted:
                return True
        return False
    _slow = test
    return plain if type(operand) in (str, int, float, datetime) else test


def _regex_test(pattern, options):
    if isinstance(pattern, Regex):
        pattern = pattern.try_compile()
    if not isinstance(pattern, re.Pattern):
        flags = 0
        for letter in options:
            flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(letter, 0)
        pattern = re.compile(pattern, flags)
    return lambda values: any(type(value) is str and pattern.search(value) for value in _expanded(values))


def _elem_match_test(query):
    if type(query) is not dict:
        raise OperationFailure("$elemMatch needs an Object", _BAD_VALUE)
    if query and all(key.startswith("$") and key not in _LOGICAL for key in query):
        value_test = _values_test(query)  # conditions on the elements themselves
        element = lambda item: value_test([item])  # noqa: E731
    else:
        document_test = compile_query(query)
        element = lambda item: type(item) is dict and document_test(item)  # noqa: E731
    return lambda values: any(type(value) is list and any(element(item) for item in value) for value in values)


def _operator_test(name, operand):
    if name == "$eq":
        return _eq_test(_operand(operand))
    if name == "$ne":
        equal = _eq_test(_operand(operand))
        return lambda values: not equal(values)
    if name in ("$gt", "$gte", "$lt", "$lte"):
        return _range_test(name, operand)
    if name == "$in":
        return _in_test(operand)
    if name == "$nin":
        inside = _in_test(operand)
        return lambda values: not inside(values)
    if name == "$exists":
        wanted = bool(operand)
        return lambda values: any(value is not _MISSING for value in values) == wanted
    if name == "$size":
        if type(operand) is not int:
            raise OperationFailure("$size needs a number", _BAD_VALUE)
        return lambda values: any(type(value) is list and len(value) == operand for value in values)
    if name == "$elemMatch":
        return _elem_match_test(operand)
    if name == "$all":
        tests = [_elem_match_test(item["$elemMatch"]) if type(item) is dict and "$elemMatch" in item
                 else _eq_test(_operand(item)) for item in operand]
        return lambda values: bool(tests) and all(test(values) for test in tests)
    if name == "$not":
        if isinstance(operand, (re.Pattern, Regex)):
            inner = _regex_test(operand, "")
        elif _is_operator_dict(operand):
            inner = _values_test(operand)
        else:
            raise OperationFailure("$not needs a regex or a document", _BAD_VALUE)
        return lambda values: not inner(values)
    if name in ("$type", "$mod", "$bitsAllSet", "$bitsAnySet", "$bitsAllClear", "$bitsAnyClear",
                "$geoWithin", "$geoIntersects", "$near", "$nearSphere"):
        raise NotSupported(f"the embedded store does not implement {name}")
    raise OperationFailure(f"unknown operator: {name}", _BAD_VALUE)


def equalities(query, absent=False):
    """``{path: value}`` that every match of ``query`` has (top level and inside ``$and``):
    what an upsert starts from. With ``absent`` (an index lookup's), a path asked
    ``{$exists: false}`` too, as null: MongoDB keys a missing field as null in an index that is
    not sparse and reads ``$exists: false`` from its null entries (a sparse or partial index
    leaving such documents out is not read for it: ``_Index.holds_all_matches`` takes only a value
    that is not null)."""
    fixed = {}
    for key, condition in (query or {}).items():
        if key == "$and":
            for part in condition:
                fixed.update(equalities(part, absent))
        elif not key.startswith("$"):
            if type(condition) is dict and condition and all(name.startswith("$") for name in condition):
                if "$eq" in condition:
                    fixed[key] = condition["$eq"]
                elif absent and "$exists" in condition and _absent(condition["$exists"]):
                    fixed[key] = None
            elif not isinstance(condition, (re.Pattern, Regex)):
                fixed[key] = condition
    return fixed


def _absent(operand):
    """Whether ``$exists: operand`` asks for a missing field (false, 0: what ``$exists`` reads
    as false; a value ``_plan_shape`` keeps apart)."""
    return operand is False or (type(operand) in (int, float) and operand == 0)


# -- projections and sorting ---------------------------------------------------------

def _projector(projection):
    """``projection`` as ``project(stored_doc) -> a copy``."""
    if projection is None:
        return _export
    if isinstance(projection, (list, tuple)):
        projection = {name: 1 for name in projection}
    if not isinstance(projection, dict):
        raise TypeError("projection must be a dict or a list of field names")
    include_id = bool(projection.get("_id", 1))
    fields = {key: value for key, value in projection.items() if key != "_id"}
    for value in fields.values():
        if isinstance(value, dict):
            raise NotSupported("the embedded store does not implement projection operators")
    if not fields:
        if include_id:
            return (lambda doc: {"_id": doc["_id"]}) if projection else _export
        return lambda doc: {key: _export(value) for key, value in doc.items() if key != "_id"}
    flags = {bool(value) for value in fields.values()}
    if len(flags) > 1:
        raise OperationFailure("Cannot do exclusion on field in inclusion projection", _BAD_VALUE)
    paths = [key.split(".") for key in fields]
    if flags == {True} and all(len(parts) == 1 for parts in paths):
        names = [parts[0] for parts in paths]

        def include_top_level(doc):  # the common case (a scan's few fields), without walking paths
            out = {"_id": doc["_id"]} if include_id and "_id" in doc else {}
            for name in names:
                if name in doc:
                    value = doc[name]
                    out[name] = value if type(value) in _UNCHANGED else _export(value)
            return out
        return include_top_level
    if flags == {True}:
        def include(doc):
            out = {"_id": doc["_id"]} if include_id and "_id" in doc else {}
            for parts in paths:
                _copy_path(doc, out, parts)
            return out
        return include

    def exclude(doc):
        out = _export(doc)
        if not include_id:
            out.pop("_id", None)
        for parts in paths:
            _drop_path(out, parts)
        return out
    return exclude


def _copy_path(source, target, parts):
    head = parts[0]
    if head not in source:
        return
    value = source[head]
    if len(parts) == 1:
        target[head] = _export(value)
    elif type(value) is dict:
        _copy_path(value, target.setdefault(head, {}), parts[1:])
    elif type(value) is list:
        items = target.setdefault(head, [{} for item in value if type(item) is dict])
        for item, out in zip((item for item in value if type(item) is dict), items):
            _copy_path(item, out, parts[1:])


def _drop_path(target, parts):
    if len(parts) == 1:
        if type(target) is dict:
            target.pop(parts[0], None)
        return
    value = target.get(parts[0]) if type(target) is dict else None
    if type(value) is dict:
        _drop_path(value, parts[1:])
    elif type(value) is list:
        for item in value:
            _drop_path(item, parts[1:])


def _sort_spec(key_or_list, direction=None):
    if isinstance(key_or_list, str):
        return [(key_or_list, 1 if direction is None else direction)]
    if isinstance(key_or_list, dict):
        key_or_list = list(key_or_list.items())
    spec = []
    for item in key_or_list:
        field, order = (item, 1) if isinstance(item, str) else item
        if order not in (1, -1):
            raise NotSupported(f"the embedded store sorts by 1 or -1, not {order!r}")
        spec.append((field, order))
    return spec


def _sort_value(doc, get, order):
    """The value a document sorts by on one field: an array by its least (ascending) or
    greatest (descending) element, as MongoDB does."""
    values = get(doc)
    candidates = []
    for value in values:
        if type(value) is list:
            candidates.extend(value if value else [_MISSING])
        else:
            candidates.append(value)
    if len(candidates) == 1:
        return candidates[0]
    pick = min if order == 1 else max
    return pick(candidates, key=functools.cmp_to_key(_compare))


_PLAIN_BRACKETS = {str: 4, int: 3, float: 3, datetime: 10, bool: 9, ObjectId: 8, type(None): 2}


class _NotPlain(Exception):
    """A sort value Python cannot order by itself (a document, an array, a rarer BSON type)."""


def _plain_key(spec):
    """A key ``(bracket, value, bracket, value, …)`` that Python compares in MongoDB's order,
    for plain values (the common case: strings, numbers, datetimes); raises :class:`_NotPlain`."""
    fields = [field for field, _ in spec]
    parts = [field.split(".") if "." in field else None for field in fields]

    def key(doc):
        out = []
        for field, path in zip(fields, parts):
            if path is None:
                value = doc.get(field)
            else:
                found = _resolve(doc, path)
                if len(found) != 1:
                    raise _NotPlain()
                value = None if found[0] is _MISSING else found[0]
            bracket = _PLAIN_BRACKETS.get(type(value))
            if bracket is None:
                raise _NotPlain()
            out.append(bracket)
            out.append(value)
        return tuple(out)
    return key


_BOUNDING = (str, int, float)  # bounds compared as stored: a date may come aware or naive


def _remove_sorted(entries, entry):
    at = bisect.bisect_left(entries, entry)
    if at < len(entries) and entries[at] == entry:
        del entries[at]


def _ordered_plain_key(spec):
    """``_plain_key(spec)`` for a bucket kept in order, refusing a NaN (:class:`_NotPlain`): a
    NaN compares neither below, above nor equal to any number, and a list holding one is not in
    order for ``bisect`` to search (such a bucket is walked whole instead)."""
    key = _plain_key(spec)

    def ordered(doc):
        out = key(doc)
        for value in out:
            if value != value:
                raise _NotPlain()
        return out
    return ordered


# an ordered bucket's sort key, made once per spec (a tuple): its upkeep runs on every write
_ordered_key = functools.lru_cache(maxsize=None)(_ordered_plain_key)


def _ordered_spec(spec):
    """``spec`` as an ordered bucket's key, or None: ascending on every field and last on
    ``_id``, so that every document has a sort key of its own (``store.page``'s order). A sort
    not ending on ``_id`` (maintenance's earliest deadline: ``[(_owed_by, 1)]``) gets it added;
    ``_in_order`` then puts the documents of one sort value in the natural order, as a sort of
    every match does."""
    if not spec or any(order != 1 for _, order in spec):
        return None
    if spec[-1][0] != "_id":
        spec = [*spec, ("_id", 1)]
    return tuple(spec)


class _Above:
    """Sorts after every value: ``(bracket, v, _ABOVE)`` is the least key past all keys
    beginning ``(bracket, v)``, the bound of ``$gt: v``."""

    def __lt__(self, other):
        return False

    def __gt__(self, other):
        return other is not self


_ABOVE = _Above()


def _lower_bound(query, fields):
    """The least sort key (a prefix of ``_plain_key`` over ``fields``) of any match of
    ``query``, read from its conditions: the top level's, each ``$and`` member's (the greatest
    holds) and an ``$or`` each of whose branches has one (the least holds). Where an ordered
    walk may begin: a page after a cursor ``{$or: [{created_at: {$gt: c}}, {created_at: c,
    _id: {$gt: i}}]}`` begins at ``(c, i)``, past the estate's other bills of that moment.
    None: no bound. A value of another type than the bound's is no match (MongoDB compares
    within a type's bracket)."""
    bounds = [bound for part in query.get("$and", ()) if (bound := _lower_bound(part, fields)) is not None]
    if "$or" in query:
        branches = [_lower_bound(part, fields) for part in query["$or"]]
        if branches and None not in branches:
            bounds.append(min(branches))
    key = ()
    for field in fields:
        condition = query.get(field, _MISSING)
        if type(condition) is dict and condition and all(name.startswith("$") for name in condition):
            if type(condition.get("$eq")) in _BOUNDING:
                key += (_PLAIN_BRACKETS[type(condition["$eq"])], condition["$eq"])
                continue
            ranges = [(_PLAIN_BRACKETS[type(condition[name])], condition[name], *extra)
                      for name, extra in (("$gte", ()), ("$gt", (_ABOVE,)))
                      if type(condition.get(name)) in _BOUNDING]
            key += max(ranges) if ranges else ()
            break
        if type(condition) not in _BOUNDING:
            break
        key += (_PLAIN_BRACKETS[type(condition)], condition)
    if key:
        bounds.append(key)
    return max(bounds) if bounds else None


def _upper_bound(query, fields):
    """A sort key (a prefix of ``_plain_key`` over ``fields``) above every match of ``query``
    (each match's key is less), read as ``_lower_bound`` reads its lower one: the top level's
    conditions, each ``$and`` member's (the least holds) and an ``$or`` each of whose branches has
    one (the greatest holds). Where a backward walk may begin (``_in_order`` newest first): a page
    after a cursor ``{$or: [{created_at: {$lt: c}}, {created_at: c, _id: {$lt: i}}]}`` begins below
    ``(c, i)``. An equality's prefix not closed by a range ends in ``_ABOVE``: every key beginning
    with it lies below. None: no bound."""
    bounds = [bound for part in query.get("$and", ()) if (bound := _upper_bound(part, fields)) is not None]
    if "$or" in query:
        branches = [_upper_bound(part, fields) for part in query["$or"]]
        if branches and None not in branches:
            bounds.append(max(branches))
    key, closed = (), False
    for field in fields:
        condition = query.get(field, _MISSING)
        if type(condition) is dict and condition and all(name.startswith("$") for name in condition):
            if type(condition.get("$eq")) in _BOUNDING:
                key += (_PLAIN_BRACKETS[type(condition["$eq"])], condition["$eq"])
                continue
            ranges = [(_PLAIN_BRACKETS[type(condition[name])], condition[name], *extra)
                      for name, extra in (("$lt", ()), ("$lte", (_ABOVE,)))
                      if type(condition.get(name)) in _BOUNDING]
            if ranges:
                key, closed = key + min(ranges), True
            break
        if type(condition) not in _BOUNDING:
            break
        key += (_PLAIN_BRACKETS[type(condition)], condition)
    if key:
        bounds.append(key if closed else key + (_ABOVE,))
    return min(bounds) if bounds else None


_RANGED = (str, int, float, datetime)  # range operands that bound a walk (as _range_test compares them)


def _range_bounds(query, field):
    """``(low, high)``: bounds on ``field``'s part of an ordered bucket's key (``(bracket, value)``
    first, as ``_plain_key`` makes it) within which every match of ``query`` lies: ``low <= key <
    high``, read from its ``$gt``/``$gte``/``$lt``/``$lte`` on the field, at the top level and in
    each ``$and`` member (all hold, so the narrowest bounds). None: no such range. A range compares
    within its operand's type bracket (MongoDB's rule, and ``_range_test``'s), so ``$lt: 5`` starts
    at the first number and ``$gt: 5`` ends at the last, before any text; null and a missing field
    (one key, bracket 2) are taken only by ``$gte``/``$lte`` null, and no other range reaches them.
    Operands of other types (a boolean, an ObjectId, an Int64, a NaN) bound nothing: the other
    conditions, or the bucket's every entry, are walked, as before."""
    lows, highs = [], []
    _range_parts(query, field, lows, highs)
    return (max(lows), min(highs)) if lows else None


def _range_parts(query, field, lows, highs):
    members = query.get("$and")
    if isinstance(members, (list, tuple)):
        for member in members:
            if type(member) is dict:
                _range_parts(member, field, lows, highs)
    condition = query.get(field)
    if type(condition) is not dict or not condition or not all(name.startswith("$") for name in condition):
        return
    for name in _RANGES:
        if name not in condition:
            continue
        operand = _operand(condition[name])
        if operand is None:
            lows.append((2,))
            highs.append((3,))
            continue
        if type(operand) not in _RANGED or operand != operand:
            continue
        bracket = _PLAIN_BRACKETS[type(operand)]
        if name == "$gt":
            lows.append((bracket, operand, _ABOVE))
            highs.append((bracket + 1,))
        elif name == "$gte":
            lows.append((bracket, operand))
            highs.append((bracket + 1,))
        elif name == "$lt":
            lows.append((bracket,))
            highs.append((bracket, operand))
        else:
            lows.append((bracket,))
            highs.append((bracket, operand, _ABOVE))


_TEXT_RANGES = {"$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt, "$gte": operator.ge}


def _text_range(field, condition):
    """A test of a string value against ``condition``, a range of text on a top-level ``field``
    (``$lt``/``$lte``/``$gt``/``$gte`` on strings, ``$exists: true`` beside them), as MongoDB
    compares text without a collation: by code point, the order of UTF-8 bytes. A value of another
    type is no match of such a range, a missing one none of ``$exists``, and an array is tested by
    the query's own test. None for any other condition (``_bucket_count`` tests each document)."""
    if "." in field or type(condition) is not dict or not condition:
        return None
    ranges = []
    for name, operand in condition.items():
        if name == "$exists" and operand is True:
            continue
        if name not in _TEXT_RANGES or type(operand) is not str:
            return None
        ranges.append((_TEXT_RANGES[name], operand))
    if len(ranges) == 1:
        [(compare, operand)] = ranges
        return lambda value: compare(value, operand)
    return (lambda value: all(compare(value, operand) for compare, operand in ranges)) if ranges else None


def _elem_bounds(query, field):
    """``_range_bounds`` of a range inside an ``$elemMatch`` on the array ``field`` runs through
    (``{allocations: {$elemMatch: {at: {$gte: a, $lt: b}}}}`` for ``allocations.at``), at the top
    level or in an ``$and`` member: one element meets the whole range, so an index entry of
    that element lies within it (a plain range on a multikey field may be met by two elements,
    none within: ``_range_bounds`` alone is no bound there). The first such ``$elemMatch``'s alone:
    two of them may be met by two elements, their bounds together by none. Only a field of the
    element itself (a path through another array inside it may meet the two bounds with two
    values), and no range taking null (an element without the field meets it, and has no entry).
    None: no such range."""
    members = query.get("$and")
    if isinstance(members, (list, tuple)):
        for member in members:
            if type(member) is dict:
                bounds = _elem_bounds(member, field)
                if bounds is not None:
                    return bounds
    array, _, inner = field.rpartition(".")
    condition = query.get(array)
    if not array or type(condition) is not dict or type(condition.get("$elemMatch")) is not dict:
        return None
    lows, highs = [], []
    _range_parts(condition["$elemMatch"], inner, lows, highs)
    if not lows or max(lows) < (3,):  # null and missing: bracket 2
        return None
    return max(lows), min(highs)


def _settled_range(query, field):
    """The top-level ``field`` when the entries read within its bounds from a bucket in its order
    (``_within``: every entry's value a plain one, no array there) meet its condition each, so that
    it is not tested again, as an equality the bucket fixed is not: a range of text alone. A month's
    ranges of customer service's KPIs read some 6,000 requests each at a big estate and tested each
    again. Nothing with an ``$and`` (its members may bound the field too), a path, or another operand
    (only text: what ``_range_test`` and the entries' order compare alike). Not an ``$elemMatch``
    read from element entries: a field holding one document, not an array, has entries and no match."""
    condition = query.get(field)
    if "$and" in query or "." in field or type(condition) is not dict or not condition or not all(
            name in _RANGES and type(operand) is str for name, operand in condition.items()):
        return ()
    return (field,)


def _next_bounds(index, size, query):
    """``_range_bounds`` of ``query`` on ``index``'s field after its first ``size``, or None."""
    return _range_bounds(query, index.fields[size]) if size < len(index.fields) else None


def _sorted(docs, spec, limit=0):
    """``docs`` in the order of ``spec``; with ``limit``, only the first ``limit`` (a heap
    of ``limit`` while walking, not a sort of every match)."""
    docs = docs if isinstance(docs, list) else list(docs)
    orders = {order for _, order in spec}
    if len(orders) == 1:
        key, reverse = _plain_key(spec), orders == {-1}
        try:
            if limit:
                return (heapq.nlargest if reverse else heapq.nsmallest)(limit, docs, key=key)
            return sorted(docs, key=key, reverse=reverse)
        except _NotPlain:
            pass
    getters = [(_getter(field), order) for field, order in spec]
    keyed = [([_sort_value(doc, get, order) for get, order in getters], doc) for doc in docs]

    def compare(left, right):
        for (order, a, b) in zip((order for _, order in spec), left[0], right[0]):
            found = _compare(a, b) * order
            if found:
                return found
        return 0
    key = functools.cmp_to_key(compare)
    if limit:
        return [doc for _, doc in heapq.nsmallest(limit, keyed, key=key)]
    return [doc for _, doc in sorted(keyed, key=key)]


# -- updates -------------------------------------------------------------------------
# An update builds a new version of the stored document: the containers along each changed
# path are copied, everything else is shared with the old version (which nobody changes).

class _Writer:
    """One update applied to one stored document; ``doc`` is the new version."""

    def __init__(self, stored, inserting=False):
        self.doc = dict(stored)
        self.copied = {id(self.doc)}
        self.changed = False
        self.inserting = inserting

    def _own(self, container):
        if id(container) in self.copied:
            return container
        copy = dict(container) if type(container) is dict else list(container)
        self.copied.add(id(copy))
        return copy

    def parent(self, path, create=True):
        """The container holding the last part of ``path`` (a private copy), or None."""
        parts = path.split(".")
        node = self.doc
        for part in parts[:-1]:
            if type(node) is dict:
                child = node.get(part, _MISSING)
                if child is _MISSING or child is None:
                    if not create:
                        return None, parts[-1]
                    if child is None:
                        raise WriteError(f"Cannot create field '{parts[-1]}' in element {{{part}: null}}", 28)
                    child = {}
                    self.copied.add(id(child))
                elif type(child) in (dict, list):
                    child = self._own(child)
                else:
                    raise WriteError(f"Cannot create field '{parts[-1]}' in element {{{part}: {child!r}}}", 28)
                node[part] = child
                node = child
            elif type(node) is list:
                if not part.isdigit():
                    raise WriteError(f"Cannot create field '{part}' in an array", 28)
                position = int(part)
                if position >= len(node):
                    if not create:
                        return None, parts[-1]
                    node.extend([None] * (position + 1 - len(node)))
                child = node[position]
                if child is None:
                    child = {}
                    self.copied.add(id(child))
                elif type(child) in (dict, list):
                    child = self._own(child)
                else:
                    raise WriteError(f"Cannot create field '{parts[-1]}' in element {child!r}", 28)
                node[position] = child
                node = child
        return node, parts[-1]

    def get(self, path):
        node = self.doc
        for part in path.split("."):
            if type(node) is dict:
                node = node.get(part, _MISSING)
            elif type(node) is list and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return _MISSING
            if node is _MISSING:
                return _MISSING
        return node

    def put(self, path, value):
        node, last = self.parent(path)
        if type(node) is list:
            if not last.isdigit():
                raise WriteError(f"Cannot create field '{last}' in an array", 28)
            position = int(last)
            if position >= len(node):
                node.extend([None] * (position + 1 - len(node)))
            old = node[position]
            node[position] = value
        else:
            old = node.get(last, _MISSING)
            node[last] = value
        if old is _MISSING or not (_bracket(old) == _bracket(value) and _compare(old, value) == 0
                                   and type(old) is type(value)):
            self.changed = True

    def remove(self, path):
        node, last = self.parent(path, create=False)
        if type(node) is dict and last in node:
            del node[last]
            self.changed = True
        elif type(node) is list and last.isdigit() and int(last) < len(node):
            node[int(last)] = None
            self.changed = True

    def array(self, path, operator):
        """A private copy of the array at ``path`` (a new one when there is none), to change."""
        current = self.get(path)
        if current is _MISSING:
            return []
        if type(current) is not list:
            raise WriteError(f"The field '{path}' must be an array but is of type {type(current).__name__}"
                             f" in document {{_id: {self.doc.get('_id')!r}}}", _TYPE_MISMATCH)
        return list(current)


def _check_update(update):
    if isinstance(update, list) and update:
        raise NotSupported("the embedded store does not implement updates with an aggregation pipeline")
    if not isinstance(update, dict) or not update:
        raise ValueError("update cannot be empty")
    for key in update:
        if not key.startswith("$"):
            raise ValueError("update only works with $ operators")


def _number_operand(name, value):
    if type(value) not in (int, float, Int64, Decimal128):
        raise WriteError(f"Cannot {name[1:]} with non-numeric argument", _TYPE_MISMATCH)
    return value


def _apply_update(writer, update):
    """Apply an update document (``$set``, ``$inc``, …) to ``writer``."""
    paths = set()
    for operator, fields in update.items():
        if type(fields) is not dict:
            raise WriteError(f"Modifiers operate on fields but we found another type instead: {operator}", 9)
        for path in fields:
            if path in paths or any(path.startswith(other + ".") or other.startswith(path + ".") for other in paths):
                raise WriteError(f"Updating the path '{path}' would create a conflict", 40)
            if any(part.startswith("$") for part in path.split(".")):
                raise NotSupported("the embedded store does not implement positional updates ($, $[], $[name])")
            paths.add(path)
    for operator, fields in update.items():
        apply = _UPDATES.get(operator)
        if apply is None:
            if operator in ("$currentDate", "$rename", "$bit", "$mul"):
                raise NotSupported(f"the embedded store does not implement {operator}")
            raise WriteError(f"Unknown modifier: {operator}", 9)
        for path, value in fields.items():
            apply(writer, path, value)


def _set(writer, path, value):
    writer.put(path, _import(value))


def _set_on_insert(writer, path, value):
    if writer.inserting:
        writer.put(path, _import(value))


def _unset(writer, path, value):
    writer.remove(path)


def _inc(writer, path, value):
    amount = _number_operand("$inc", value)
    current = writer.get(path)
    if current is _MISSING:
        writer.put(path, amount)
    elif type(current) not in (int, float, Int64, Decimal128):
        raise WriteError(f"Cannot apply $inc to a value of non-numeric type. {{_id: {writer.doc.get('_id')!r}}} "
                         f"has the field '{path}' of non-numeric type {type(current).__name__}", _TYPE_MISMATCH)
    else:
        writer.put(path, current + amount)


def _min_max(pick):
    def apply(writer, path, value):
        value = _import(value)
        current = writer.get(path)
        if current is _MISSING or _compare(value, current) == pick:
            writer.put(path, value)
    return apply


def _each(value):
    if type(value) is dict and "$each" in value:
        extra = set(value) - {"$each"}
        if extra:
            raise NotSupported(f"the embedded store does not implement {', '.join(sorted(extra))}")
        items = value["$each"]
        if not isinstance(items, (list, tuple)):
            raise WriteError("The argument to $each must be an array", _TYPE_MISMATCH)
        return [_import(item) for item in items]
    return [_import(value)]


def _push(writer, path, value):
    items = _each(value)
    array = writer.array(path, "$push")
    array.extend(items)
    writer.put(path, array)


def _add_to_set(writer, path, value):
    array = writer.array(path, "$addToSet")
    for item in _each(value):
        if not any(_equal(existing, item) for existing in array):
            array.append(item)
    writer.put(path, array)


def _pull(writer, path, condition):
    current = writer.get(path)
    if current is _MISSING:
        return
    array = writer.array(path, "$pull")
    if type(condition) is dict and condition and not _is_operator_dict(condition):
        matches = compile_query(condition)
        keep = [item for item in array if not (type(item) is dict and matches(item))]
    else:
        test = _values_test(condition) if _is_operator_dict(condition) else _eq_test(_operand(condition))
        keep = [item for item in array if not test([item])]
    if len(keep) != len(array):
        writer.put(path, keep)


def _pop(writer, path, value):
    array = writer.array(path, "$pop")
    if array:
        array = array[1:] if value == -1 else array[:-1]
        writer.put(path, array)


_UPDATES = {"$set": _set, "$setOnInsert": _set_on_insert, "$unset": _unset, "$inc": _inc,
            "$min": _min_max(-1), "$max": _min_max(1), "$push": _push, "$addToSet": _add_to_set,
            "$pull": _pull, "$pop": _pop}


def _upsert_seed(query):
    """The document an upsert starts from: the equalities of its filter (``_id`` first)."""
    seed = {}
    for path, value in equalities(query).items():
        if type(value) is dict and any(key.startswith("$") for key in value):
            continue
        writer = _Writer(seed)
        writer.put(path, _import(value))
        seed = writer.doc
    if "_id" in seed:
        seed = {"_id": seed["_id"], **seed}
    return seed


# -- indexes ---------------------------------------------------------------------------

def _index_spec(keys, direction=None):
    if isinstance(keys, str):
        return [(keys, 1 if direction is None else direction)]
    if isinstance(keys, dict):
        return list(keys.items())
    return [(key, 1) if isinstance(key, str) else tuple(key) for key in keys]


def _index_name(spec):
    return "_".join(f"{field}_{order}" for field, order in spec)


_RANGES = ("$gt", "$gte", "$lt", "$lte")


def _asks_presence(condition):
    """A missing field cannot match ``condition`` (``$exists: true``, or a range of a
    non-null value: only ``$gte``/``$lte`` null take a missing field)."""
    if type(condition) is not dict or not condition:
        return False
    return any((name == "$exists" and operand is True) or (name in _RANGES and operand is not None)
               for name, operand in condition.items())


def _presence_fields(options, fields):
    """The field whose presence puts a document in a single-field sparse index; None for any
    other index (a partial one's filter is read by ``_implies``)."""
    if options.get("sparse"):
        return tuple(fields) if len(fields) == 1 else None
    return None


def _conditions_on(query, field):
    """The conditions ``query`` puts on ``field`` that every match meets: its own, and each
    ``$and`` member's."""
    found = []
    members = query.get("$and")
    if isinstance(members, (list, tuple)):
        for member in members:
            if type(member) is dict:
                found.extend(_conditions_on(member, field))
    if field in query:
        found.append(query[field])
    return found


def _fixes(fixed, field, value):
    """Whether ``fixed`` (``equalities``) sets ``field`` equal to ``value``, in MongoDB's terms."""
    key = _hash_key(_operand(value))
    return key is not None and field in fixed and _hash_key(_operand(fixed[field])) == key


def _implies(query, fixed, partial):
    """Whether every match of ``query`` (``fixed``: its ``equalities``) matches ``partial``, a
    ``partialFilterExpression``: MongoDB uses a partial index only for such a query, and so does
    the embedded store. Read for filters of equalities (``{status: "pending"}``: the query sets
    ``status`` equal to ``"pending"``, at its top level or in an ``$and``), ``$exists: true``
    (the query sets the field to a value that is not null, or asks for it in a way a missing
    field cannot meet: ``_asks_presence``) and ``$and`` of them, the filters this code base
    declares. Any other filter (``$in``, ``$or``, ``$type``, a range) is not read: False, the
    index is not used (the query walks as it did)."""
    if type(partial) is not dict or not partial:
        return False
    for field, condition in partial.items():
        if field == "$and":
            if not isinstance(condition, (list, tuple)) or not condition or not all(
                    type(member) is dict and _implies(query, fixed, member) for member in condition):
                return False
        elif field.startswith("$"):
            return False
        elif type(condition) is dict and condition and all(name.startswith("$") for name in condition):
            for name, operand in condition.items():
                if name == "$eq":
                    if not _fixes(fixed, field, operand):
                        return False
                elif name == "$exists" and operand is True:
                    if not ((field in fixed and _operand(fixed[field]) is not None)
                            or any(_asks_presence(asked) for asked in _conditions_on(query, field))):
                        return False
                else:
                    return False
        elif not _fixes(fixed, field, condition):
            return False
    return True


def _filter_fields(partial, found):
    """The fields a ``partialFilterExpression`` names (in ``$and`` members too), into ``found``."""
    if type(partial) is not dict:
        return found
    for field, condition in partial.items():
        if field.startswith("$"):
            if isinstance(condition, (list, tuple)):
                for member in condition:
                    _filter_fields(member, found)
        else:
            found.add(field)
    return found


def _leaf_shape(value, kept):
    """What ``_best_index`` reads of a value in a query: its type (whether it has a hash key,
    whether it bounds a range), a NaN apart; for a field a partial filter names (``kept``), the
    value itself (``_implies`` compares it with the filter's)."""
    if kept:
        key = _hash_key(_operand(value))
        if key is not None:
            return ("=", key)
    kind = type(value)
    if kind is float and value != value:
        return "nan"
    return kind


def _plan_shape(query, kept):
    """``query`` with each value replaced by what the choice of an index reads of it
    (``_leaf_shape``; an ``$exists`` operand by whether it is ``True`` and whether it asks for a
    missing field, ``_absent``; an ``$elemMatch``'s by its own shape): two queries of one shape
    choose the same index of one index set, whatever their other values. ``kept``: the fields the
    collection's partial filters name. None for a query the planner would refuse (kept uncached)."""
    out = []
    for key, condition in query.items():
        if type(key) is not str:
            return None
        if key in _LOGICAL:
            if not isinstance(condition, (list, tuple)):
                return None
            parts = []
            for part in condition:
                shape = _plan_shape(part, kept) if type(part) is dict else None
                if shape is None:
                    return None
                parts.append(shape)
            out.append((key, tuple(parts)))
        elif type(condition) is dict and condition and all(type(name) is str and name.startswith("$")
                                                           for name in condition):
            keep = key in kept
            operators = []
            for name, operand in condition.items():
                if name == "$exists":
                    operators.append((name, (operand is True, _absent(operand))))
                elif name == "$elemMatch" and type(operand) is dict:
                    # the element's fields: a range on one is read through its own index (_elem_bounds),
                    # and two ranges on two fields of one array chose the first one's index
                    inner = _plan_shape(operand, ())
                    if inner is None:
                        return None
                    operators.append((name, inner))
                else:
                    operators.append((name, _leaf_shape(operand, keep)))
            out.append((key, "$", tuple(operators)))
        else:
            out.append((key, _leaf_shape(condition, key in kept)))
    return tuple(out)


class _Index:
    """A declared index: its options, and the hash maps of the prefixes queries have used
    (``{number of leading fields: {values: {id: None}}}``)."""

    def __init__(self, name, spec, options):
        self.name = name
        self.spec = spec
        self.fields = [field for field, _ in spec]
        self.getters = [_getter(field) for field in self.fields]
        self.unique = bool(options.get("unique"))
        self.sparse = bool(options.get("sparse"))
        partial = options.get("partialFilterExpression")
        self.partial = compile_query(partial) if partial else None
        self.options = options
        self.maps = {}
        # {(prefix size, sort spec): {bucket key: [sort key] in order, or None}}: ordered_bucket
        self.ordered = {}
        # {prefix size: {bucket key: [element entry] in order, or None}}: element_bucket
        self.elements = {}
        self.presence_fields = _presence_fields(options, self.fields)
        # the first parts of the fields its entries read: its own and its partial filter's (the sort
        # fields of its ordered buckets are added as they come: ``reads``)
        self.roots = {field.split(".", 1)[0] for field in _filter_fields(partial, set(self.fields))}

    def reads(self, changed):
        """Whether a document's entries here may differ once the fields whose first parts are
        ``changed`` change: its fields, its partial filter's, and its ordered buckets' sort fields."""
        if not self.roots.isdisjoint(changed):
            return True
        return any(field.split(".", 1)[0] in changed for _, spec in self.ordered for field, _ in spec)

    def holds_all_matches(self, query, fixed):
        """Whether this partial or sparse index holds every document ``query`` can match: the
        query implies its partial filter (``_implies``), or a sparse one's field is one the query
        fixes to a non-null value or asks to be present. archive's hash-chain probe
        ``{"estate_id", "seq": n}`` walked all the estate's records without this (issue 15's
        write path). False for an index that is neither."""
        if self.partial is not None:
            return _implies(query, fixed, self.options["partialFilterExpression"])
        return self.presence_fields is not None and all(
            (field in fixed and _operand(fixed[field]) is not None) or _asks_presence(query.get(field))
            for field in self.presence_fields)

    def info(self):
        info = {"v": 2, "key": list(self.spec)}
        for option in ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds"):
            if option in self.options:
                info[option] = self.options[option]
        return info

    def covers(self, doc):
        if self.partial is not None and not self.partial(doc):
            return False
        if self.sparse and all(all(value is _MISSING for value in get(doc)) for get in self.getters):
            return False
        return True

    def keys(self, doc, size):
        """The keys of ``doc`` for the first ``size`` fields: one per combination of its
        values (an array field has one per element, a missing field the key of null)."""
        if not self.covers(doc):
            return ()
        per_field = []
        for get in self.getters[:size]:
            values = _field_keys(get, doc)
            if not values:
                return ()
            per_field.append(values)
        return set(itertools.product(*per_field))

    def keyed(self, doc):
        """``{size: self.keys(doc, size)}`` for each size a map is built of, each field's values read
        once (the keys of the first two fields are those of the first three cut short: a bill of a run
        read its estate twice and its household twice in an index built of both sizes)."""
        if not self.covers(doc):
            return {size: () for size in self.maps}
        per_field, single = [], []  # single: each field's one key while every field has one (most documents)
        for get in self.getters[:max(self.maps)]:
            found = get(doc)
            if single is not None and len(found) == 1 and type(found[0]) is not list:
                key = _hash_key(found[0])
                if key is None:  # a document: no key (``_field_keys``)
                    break
                single.append(key)
                per_field.append((key,))
                continue
            single = None
            values = _field_keys(get, doc)
            if not values:  # as ``keys``: a field with no key leaves no key of it or of a longer prefix
                break
            per_field.append(values)
        if single is not None:  # one key a size: the first fields' own, no product of sets
            return {size: {tuple(single[:size])} if size <= len(single) else () for size in self.maps}
        return {size: set(itertools.product(*per_field[:size])) if size <= len(per_field) else ()
                for size in self.maps}

    # A bucket holds the documents' ``_hash_key(_id)``, the keys of the collection's documents
    # and insertion order: a raw number, date or ObjectId ``_id`` found no document there.
    def add(self, doc):
        """``doc``'s entries in the maps built (none before the index's first use: ``build``; its ordered
        and element views are of built maps' buckets)."""
        keyed, doc_key = self.keyed(doc) if self.maps else {}, _hash_key(doc["_id"])
        for size, buckets in self.maps.items():
            for key in keyed[size]:
                buckets.setdefault(key, {})[doc_key] = None
        if self.ordered:
            self._reorder(doc, keyed, bisect.insort)
        if self.elements:
            self._re_enter(doc, keyed, bisect.insort)

    def discard(self, doc):
        keyed, doc_key = self.keyed(doc) if self.maps else {}, _hash_key(doc["_id"])
        for size, buckets in self.maps.items():
            for key in keyed[size]:
                bucket = buckets.get(key)
                if bucket is not None:
                    bucket.pop(doc_key, None)
                    if not bucket:
                        del buckets[key]
        if self.ordered:
            self._reorder(doc, keyed, _remove_sorted)
        if self.elements:
            self._re_enter(doc, keyed, _remove_sorted)

    def ordered_bucket(self, size, spec, key, docs):
        """The sort keys (``_plain_key(spec)``, the last part the ``_id``) of the documents in
        bucket ``key`` of the first ``size`` fields, in order; built at its first use and kept by
        every write from then on. None when a document there sorts by a value that is not plain
        (an array, a document): such a bucket is sorted at each query, as before."""
        views = self.ordered.setdefault((size, spec), {})
        if key not in views:
            sort_key = _ordered_key(spec)
            try:
                views[key] = sorted(sort_key(docs[doc_id]) for doc_id in self.maps[size].get(key, ()))
            except _NotPlain:
                views[key] = None
        return views[key]

    def element_bucket(self, size, key, docs):
        """The entries ``(bracket, value, id bracket, id)`` of every value the field after the first
        ``size`` holds in the documents of bucket ``key`` (one per element of an array), in order;
        built at its first use and kept by every write from then on. None when one holds a value
        without a plain order or an array at the path's end (``_element_entries``)."""
        views = self.elements.setdefault(size, {})
        if key not in views:
            try:
                entries = []
                for doc_id in self.maps[size].get(key, ()):
                    entries.extend(self._element_entries(docs[doc_id], size))
                entries.sort()
            except _NotPlain:
                entries = None
            views[key] = entries
        return views[key]

    def _element_entries(self, doc, size):
        entries = set()
        at = _ordered_key((("_id", 1),))(doc)
        for value in self.getters[size](doc):
            if value is _MISSING:
                continue  # no entry: a range meets no missing value
            bracket = _PLAIN_BRACKETS.get(type(value))
            if bracket is None or value != value:
                raise _NotPlain()  # an array (two values may meet one range), a document, a NaN
            entries.add((bracket, value) + at)
        return entries

    def _re_enter(self, doc, keyed, change):
        """``change`` (insort or ``_remove_sorted``) ``doc``'s element entries in the element buckets
        that hold it (``_reorder``'s twin)."""
        for size, views in self.elements.items():
            for key in keyed[size]:
                entries = views.get(key)
                if entries is None:
                    continue
                try:
                    found = self._element_entries(doc, size)
                except _NotPlain:
                    views[key] = None
                    continue
                for entry in found:
                    change(entries, entry)

    def _reorder(self, doc, keyed, change):
        """``change`` (insort or ``_remove_sorted``) ``doc``'s sort key in the ordered buckets
        that hold it; ``keyed``: its bucket keys by prefix size, as ``add``/``discard`` found them
        (an ordered bucket's size always has its map: ``ordered_bucket`` reads it)."""
        for (size, spec), views in self.ordered.items():
            sort_key = _ordered_key(spec)
            for key in keyed[size]:
                entries = views.get(key)
                if entries is None:
                    continue  # not built, or not plain
                try:
                    change(entries, sort_key(doc))
                except _NotPlain:
                    views[key] = None

    def build(self, size, docs):
        buckets = {}
        for doc in docs:
            for key in self.keys(doc, size):
                buckets.setdefault(key, {})[_hash_key(doc["_id"])] = None
        self.maps[size] = buckets


def _field_keys(get, doc):
    """The keys of the values of one indexed field (``get``) in ``doc``: an array's elements, an empty
    one's null; none for a document (found by a walk, not a key)."""
    values = set()
    for value in get(doc):
        if type(value) is list:
            values.update(_hash_key(item) for item in value)
            if not value:
                values.add(_hash_key(None))
        else:
            values.add(_hash_key(value))
    values.discard(None)  # documents in an indexed field are found by a walk, not a key
    return values


def _expired(values, before):
    """MongoDB's TTL rule: the earliest date the field holds (in an array too) is before
    ``before``; no date, no expiry."""
    dates = [value for value in _expanded(values) if isinstance(value, datetime)]
    return bool(dates) and min(dates) < before


def _duplicate_key_error(details):
    return DuplicateKeyError(details["errmsg"], _DUPLICATE_KEY, details)


# -- client, database, collection ------------------------------------------------------

class EmbeddedClient:
    """Stands where ``pymongo.MongoClient`` stands: databases by name, private to this object."""

    def __init__(self, tz_aware=True):
        self.tz_aware = tz_aware
        self._databases = {}
        self._lock = _lock()

    def __getitem__(self, name):
        return self.get_database(name)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get_database(name)

    def get_database(self, name):
        with self._lock:
            database = self._databases.get(name)
            if database is None:
                database = self._databases[name] = EmbeddedDatabase(self, name)
            return database

    def list_database_names(self):
        return [name for name, database in list(self._databases.items()) if database.list_collection_names()]

    def drop_database(self, name_or_database):
        name = getattr(name_or_database, "name", name_or_database)
        with self._lock:
            database = self._databases.pop(name, None)
        if database is not None:
            for name in database.list_collection_names():
                database.drop_collection(name)

    def close(self):
        pass


class EmbeddedDatabase:
    """Stands where ``pymongo.database.Database`` stands."""

    def __init__(self, client, name):
        self.client = client
        self.name = name
        self._collections = {}
        self._lock = _lock()

    def __getitem__(self, name):
        return self.get_collection(name)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get_collection(name)

    def __repr__(self):
        return f"EmbeddedDatabase({self.name!r})"

    def get_collection(self, name):
        collection = self._collections.get(name)
        if collection is None:
            with self._lock:
                collection = self._collections.setdefault(name, EmbeddedCollection(self, name))
        return collection

    def list_collection_names(self):
        return [name for name, collection in list(self._collections.items()) if collection._exists]

    def drop_collection(self, name_or_collection):
        self.get_collection(getattr(name_or_collection, "name", name_or_collection)).drop()

    def command(self, command, *args, **kwargs):
        name = command if isinstance(command, str) else next(iter(command))
        if name == "ping":
            return {"ok": 1.0}
        raise NotSupported(f"the embedded store does not implement the command {name}")


class EmbeddedCollection:
    """Stands where ``pymongo.collection.Collection`` stands."""

    def __init__(self, database, name):
        self.database = database
        self.name = name
        self.full_name = f"{database.name}.{name}"
        self._docs = {}      # _id (its hash key) -> stored document, in insertion order
        self._order = {}     # _id key -> insertion number (the natural order of a walk)
        self._indexes = {}   # name -> _Index
        self._plans = {}     # _plan_shape -> (index, size) chosen by _best_index, least recently used first
        self._kept = set()   # the fields the partial filters name (_plan_shape keeps their values)
        self._counter = itertools.count()
        self._lock = _lock()
        self._exists = False
        self._ttl = {}       # TTL index name -> (getter of its field, timedelta)
        self._swept_at = None

    def __repr__(self):
        return f"EmbeddedCollection({self.full_name!r})"

    def __call__(self, *args, **kwargs):  # db.misspelt_method(...) lands here, as in pymongo
        raise TypeError(f"'EmbeddedCollection' object is not callable: the database has no method "
                        f"'{self.name}', or the embedded store does not implement it")

    @property
    def _aware(self):
        return self.database.client.tz_aware

    # -- reading ----------------------------------------------------------------

    def _expire(self):
        """Remove the documents TTL indexes expired, at most once per ``TTL_SWEEP_SECONDS`` of
        clock time (call under the lock)."""
        now = clock.now()
        if self._swept_at is not None and timedelta(0) <= now - self._swept_at < timedelta(seconds=TTL_SWEEP_SECONDS):
            return
        self._swept_at = now
        expired = [doc for doc in self._docs.values()
                   if any(_expired(get(doc), now - after) for get, after in self._ttl.values())]
        for doc in expired:
            self._delete_locked(doc)

    def _candidates(self, query, settled=None, ordered=True):
        """Stored documents that may match ``query``: by ``_id``, by the longest equality
        prefix of a declared index, or all of them; a snapshot (call under the lock). Not
        ``ordered``: an index bucket's in no order, read as the caller goes (under the lock)."""
        if self._ttl:
            self._expire()
        fixed = equalities(query, absent=True) if query else {}
        if "_id" in fixed:
            key = _hash_key(_operand(fixed["_id"]))
            if key is not None:
                doc = self._docs.get(key)
                return [] if doc is None else [doc]
        if query and "_id" in query and type(query["_id"]) is dict and list(query["_id"]) == ["$in"]:
            keys = [_hash_key(_operand(value)) for value in query["_id"]["$in"]]
            if all(key is not None for key in keys):
                found = {key: self._docs[key] for key in keys if key in self._docs}
                return [found[key] for key in sorted(found, key=self._order.__getitem__)]
        best, best_size = self._best_index(query, fixed)
        exploded = self._exploded(query, fixed, best_size, settled)
        if exploded is not None:
            return exploded
        if best is None:
            led = self._led_by_range(query, fixed)
            if led is not None:  # the entries of the index within the range on its first field
                index, bounds = led
                if 0 not in index.maps:
                    index.build(0, self._docs.values())
                within = self._within(index, 0, (), bounds)
                if within is not None:
                    within.sort(key=self._order.__getitem__)
                    return [self._docs[doc_id] for doc_id in within]
            partial = self._partial_holding(query, fixed)
            if partial is None:
                return list(self._docs.values())
            if 0 not in partial.maps:  # prefix 0: one bucket, every document the index holds
                partial.build(0, self._docs.values())
            ids = list(partial.maps[0].get((), ()))
            ids.sort(key=self._order.__getitem__)
            return [self._docs[doc_id] for doc_id in ids]
        key = self._bucket_key(best, best_size, fixed)
        bucket = best.maps[best_size].get(key)
        if not bucket:
            return []
        within = self._within(best, best_size, key, _next_bounds(best, best_size, query))
        ranged = within is not None
        if within is None:
            within = self._elements_within(best, best_size, key, query)
        ids = list(bucket) if within is None else within
        if len(ids) > 1 and ordered:
            ids.sort(key=self._order.__getitem__)
        if settled is not None:
            settled.update(field for field in best.fields[:best_size]  # the very string the bucket is for
                           if "." not in field and type(query.get(field)) is str and query[field] == fixed[field])
            if ranged:
                settled.update(_settled_range(query, best.fields[best_size]))
        if not ordered:
            docs = self._docs
            return (docs[doc_id] for doc_id in ids)
        return [self._docs[doc_id] for doc_id in ids]

    def _best_index(self, query, fixed):
        """``(index, size)``: the declared index whose longest prefix of ``size`` fields the query
        fixes by equality, or ``(None, 0)``; of two as long, a partial or sparse one, which holds
        a part of the documents only (finance's prepaid timer walked the estate's posted payments
        through the other, or not, by the order the indexes were declared in); of those, one whose
        next field the query bounds by a range (``_within`` walks only the entries within it).

        The choice is kept per query shape (``_plan_shape``: the fields, operators and the types of
        the values, what the choice reads) until an index is created or dropped, the least recently
        used of ``PLAN_SHAPES`` dropped: an estate's repeated lookups with other ids were planned
        again each time (archive: 70 µs a lookup among its partial indexes, issue 15)."""
        if not query:
            return None, 0  # nothing fixed: every document
        shape = _plan_shape(query, self._kept)
        if shape is None:
            return self._choose_index(query, fixed)
        plans = self._plans
        plan = plans.pop(shape, None)
        if plan is None:
            plan = self._choose_index(query, fixed)
            if len(plans) >= PLAN_SHAPES:
                del plans[next(iter(plans))]
        plans[shape] = plan  # the most recently used last
        return plan

    def _choose_index(self, query, fixed):
        """``_best_index``'s choice, made anew: every declared index ranked."""
        best, best_rank = None, (0, False, False)
        for index in self._indexes.values():
            partial = index.partial is not None or index.sparse
            if partial and not index.holds_all_matches(query, fixed):
                continue  # such an index does not hold every document the query can match
            size = 0
            for field in index.fields:
                if field not in fixed or _hash_key(_operand(fixed[field])) is None:
                    break
                size += 1
            if not size or (size, partial) < best_rank[:2]:
                continue
            rank = (size, partial, _next_bounds(index, size, query) is not None or (
                size < len(index.fields) and _elem_bounds(query, index.fields[size]) is not None))
            if rank > best_rank:
                best, best_rank = index, rank
        return best, best_rank[0]

    def _led_by_range(self, query, fixed, field=None):
        """``(index, bounds)``: a declared index whose first field ``query`` bounds by a range
        (``_range_bounds``), for a query that fixes no index's prefix by equality, as MongoDB
        reads such an index between its bounds; of those, a partial (or sparse) one, which holds
        a part of the documents only, and only one holding every document the query can match
        (``holds_all_matches``: its partial filter implied). integrations' delivery worker asks
        each second for the deliveries due in every estate (``{status: "pending",
        next_attempt_at: {$lte: now}}``) through ``[(next_attempt_at, 1)]`` partial on the
        pending ones, and walked every delivery kept. With ``field``, only an index led by it
        (a sort's first field). None: no such index."""
        found, found_partial = None, False
        if not query:
            return found  # nothing asked: every document
        for index in self._indexes.values():
            if field is not None and index.fields[0] != field:
                continue
            partial = index.partial is not None or index.sparse
            if (partial and not index.holds_all_matches(query, fixed)) or (found is not None and not partial):
                continue
            bounds = _range_bounds(query, index.fields[0])
            if bounds is not None and not (found_partial and partial):
                found, found_partial = (index, bounds), partial
        return found

    def _exploded(self, query, fixed, best_size, settled=None):
        """The documents of the buckets a query's ``$in`` lists name in a declared index, past the
        longest equality prefix (``best_size``): ``{estate_id, household_id: {$in: [200 ids]}}``
        or ``{estate_id, building: {$in: spellings}, unit: …, room: …}`` is a lookup of each value
        (of each combination, at most ``IN_BUCKETS``), as MongoDB's index bounds are, where it
        walked the estate's bucket. None when no index takes a longer prefix so."""
        if not query:
            return None
        choices = {field: [_operand(value) for value in condition["$in"]] for field, condition in query.items()
                   if type(condition) is dict and list(condition) == ["$in"] and type(condition["$in"]) is list}
        choices = {field: values for field, values in choices.items()
                   if values and all(_hash_key(value) is not None for value in values)}
        if not choices:
            return None
        best, best_size, best_values = None, best_size, None
        for index in self._indexes.values():
            if (index.partial is not None or index.sparse) and not index.holds_all_matches(query, fixed):
                continue
            values, buckets = [], 1
            for field in index.fields:
                if field in fixed and _hash_key(_operand(fixed[field])) is not None:
                    values.append([fixed[field]])
                elif field in choices and buckets * len(choices[field]) <= IN_BUCKETS:
                    values.append(choices[field])
                    buckets *= len(choices[field])
                else:
                    break
            # a list of one value is one bucket, still a longer prefix than the equalities' (a month's
            # KPI asks its bills of ``period: {$in: [month]}``: it walked the estate's 120,000)
            if len(values) > best_size:
                best, best_size, best_values = index, len(values), values
        if best is None:
            return None
        if best_size not in best.maps:
            best.build(best_size, self._docs.values())
        buckets, ids = best.maps[best_size], {}
        bounds = _next_bounds(best, best_size, query)
        for key in itertools.product(*([_hash_key(_operand(value)) for value in field] for field in best_values)):
            within = self._within(best, best_size, key, bounds)
            ids.update(buckets.get(key, ()) if within is None else dict.fromkeys(within))
        if settled is not None:  # a string, or a list of strings, the buckets are for (as _candidates')
            settled.update(field for field in best.fields[:best_size] if "." not in field and (
                (type(query.get(field)) is str and query[field] == fixed[field])
                or (field in choices and query[field] == {"$in": choices[field]}
                    and all(type(value) is str for value in choices[field]))))
        return [self._docs[doc_id] for doc_id in sorted(ids, key=self._order.__getitem__)]

    def _within(self, index, size, key, bounds, smallest=ORDERED_FROM):
        """The ids in bucket ``key`` of ``index``'s first ``size`` fields whose next field lies
        within ``bounds`` (``_range_bounds``), in that field's order: the entries between two
        bisections of the bucket kept in the order of ``(next field, _id)`` (``ordered_bucket``),
        as MongoDB reads an index between its bounds. None where the bucket is to be walked whole:
        no bounds, a bucket under ``ORDERED_FROM`` documents (cheap to walk, and it keeps no second
        list), or one holding a value without a plain order (an array, a NaN; ``ordered_bucket``)."""
        if bounds is None or len(index.maps[size].get(key, ())) < smallest:
            return None
        entries = index.ordered_bucket(size, ((index.fields[size], 1), ("_id", 1)), key, self._docs)
        if entries is None:
            return None
        start = bisect.bisect_left(entries, bounds[0])
        stop = bisect.bisect_left(entries, bounds[1], start)
        return [_hash_key(entry[-1]) for entry in entries[start:stop]]

    def _elements_within(self, index, size, key, query):
        """The ids in bucket ``key`` of ``index``'s first ``size`` fields having an element within
        the range an ``$elemMatch`` sets on the next field (``_elem_bounds``), from the bucket's
        element entries (``element_bucket``), each id once. None where the bucket is walked whole:
        no such range, a bucket under ``ORDERED_FROM`` documents, or one without element entries."""
        if size >= len(index.fields) or "." not in index.fields[size] \
                or len(index.maps[size].get(key, ())) < ORDERED_FROM:
            return None
        bounds = _elem_bounds(query, index.fields[size])
        if bounds is None:
            return None
        entries = index.element_bucket(size, key, self._docs)
        if entries is None:
            return None
        start = bisect.bisect_left(entries, bounds[0])
        stop = bisect.bisect_left(entries, bounds[1], start)
        return list(dict.fromkeys(_hash_key(entry[-1]) for entry in entries[start:stop]))

    def _bucket_key(self, index, size, fixed):
        """The key of ``fixed``'s bucket in ``index``'s map of ``size`` fields (built if new)."""
        if size not in index.maps:
            index.build(size, self._docs.values())
        return tuple(_hash_key(_operand(fixed[field])) for field in index.fields[:size])

    def _planned(self, query):
        """``(fixed, index, prefix size)`` of a query that reads an index bucket: its equalities
        (``{field: {$exists: false}}`` as null) and the declared index ``_best_index`` chose for them
        (``(None, 0)`` when none serves them); None for one that names its ``_id`` (read by id, no
        bucket). Expired documents go first. Call under the lock."""
        if self._ttl:
            self._expire()
        fixed = equalities(query, absent=True)
        if "_id" in fixed:
            return None
        return (fixed, *self._best_index(query, fixed))

    def _in_order(self, query, spec, limit):
        """The first ``limit`` matches of ``query`` in the order of ``spec``, walked from an index
        bucket kept in that order (``_Index.ordered_bucket``) from the query's lower bound on the
        first sort field to its upper bound there (``_range_bounds``), or None when no such bucket
        serves the query (one under ``ORDERED_FROM`` documents is sorted as before: cheap, and it
        keeps no second list). Where ``spec`` does not end on ``_id`` (the bucket's order adds it),
        the walk goes on past the ``limit``-th match through the entries of its sort value, and
        the matches of one sort value are put in the natural order, as ``_sorted`` leaves them."""
        ordered = _ordered_spec(spec)
        # descending on every field and last on _id: the ascending bucket's order backwards, each
        # entry a key of its own (no ties); newest_first sorted every match (the session 47 note)
        backwards = ordered is None and spec and spec[-1][0] == "_id" and all(order == -1 for _, order in spec)
        if backwards:
            ordered = tuple((field, 1) for field, _ in spec)
        if ordered is None or not query or not limit:
            return None
        with self._lock:
            planned = self._planned(query)
            if planned is None:
                return None
            fixed, best, size = planned
            if best is None:  # an index led by the sort's first field, ranged: its one bucket
                led = self._led_by_range(query, fixed, spec[0][0])
                if led is None:
                    return None
                best = led[0]
            key = self._bucket_key(best, size, fixed)
            if len(best.maps[size].get(key, ())) < ORDERED_FROM:
                return None
            entries = best.ordered_bucket(size, ordered, key, self._docs)
            if entries is None:
                return None
            if backwards:
                return self._backwards(entries, query, spec, limit)
            bound = _lower_bound(query, [field for field, _ in spec])
            start, stop = bisect.bisect_left(entries, bound) if bound else 0, len(entries)
            first = _range_bounds(query, spec[0][0])
            if first is not None:
                start = max(start, bisect.bisect_left(entries, first[0]))
                stop = bisect.bisect_left(entries, first[1], start)
            width = 2 * len(spec)  # the sort key's part of an entry: (bracket, value) a field
            tied = len(ordered) > len(spec)  # _id added: entries of one sort value are ties
            test, found, last = compile_query(query), [], None
            for position in range(start, stop):
                entry = entries[position]
                if last is not None and entry[:width] != last:
                    break
                doc = self._docs[_hash_key(entry[-1])]
                if test(doc):
                    found.append((entry, doc))
                    if len(found) == limit:
                        if not tied:
                            break
                        last = entry[:width]
            if tied:
                order = self._order
                found.sort(key=lambda pair: (pair[0][:width], order[_hash_key(pair[0][-1])]))
            return [doc for _, doc in found[:limit]]

    def _backwards(self, entries, query, spec, limit):
        """``_in_order``'s walk for a spec descending on every field and last on ``_id``: the
        bucket's ``entries`` (kept ascending) from the query's upper bound (``_upper_bound``; a
        range's end on the first field, ``_range_bounds``) down to its lower bound, the first
        ``limit`` matches. Call under the lock."""
        fields = [field for field, _ in spec]
        lower, upper = _lower_bound(query, fields), _upper_bound(query, fields)
        start = bisect.bisect_left(entries, lower) if lower else 0
        stop = bisect.bisect_left(entries, upper, start) if upper else len(entries)
        first = _range_bounds(query, fields[0])
        if first is not None:
            start = max(start, bisect.bisect_left(entries, first[0]))
            stop = max(start, min(stop, bisect.bisect_left(entries, first[1], start)))
        test, found = compile_query(query), []
        for position in range(stop - 1, start - 1, -1):
            doc = self._docs[_hash_key(entries[position][-1])]
            if test(doc):
                found.append(doc)
                if len(found) == limit:
                    break
        return found

    def _partial_holding(self, query, fixed):
        """A partial (or sparse) index holding every document ``query`` can match
        (``_Index.holds_all_matches``), for a query that fixes none of its fields, or None.
        The outbox sweep and its sampler (``outbox_store``) ask for the few documents with
        pending events this way: without it they walked every document of every outbox
        collection, holding a service's event loop for milliseconds at each sweep."""
        if not query:
            return None
        return next((index for index in self._indexes.values() if index.holds_all_matches(query, fixed)), None)

    def _matching(self, query):
        """A walk over the stored documents matching ``query`` (read them, never change them).

        A top-level field that the query sets equal to a string and the index bucket fixed is
        not tested again: a document is in that bucket exactly when its field is that string
        or an array holding it, which is what MongoDB's equality matches."""
        settled = set()
        with self._lock:
            candidates = self._candidates(query, settled)
        rest = {key: condition for key, condition in query.items() if key not in settled} if settled else query
        if not rest and query:
            return iter(candidates)
        test = compile_query(rest)
        return (doc for doc in candidates if test(doc))

    def find(self, filter=None, projection=None, skip=0, limit=0, sort=None, batch_size=0, **kwargs):
        _options("find", kwargs)
        cursor = EmbeddedCursor(self, filter, projection)
        if sort:
            cursor.sort(sort)
        return cursor.skip(skip).limit(limit).batch_size(batch_size)

    def find_one(self, filter=None, *args, **kwargs):
        if filter is not None and not isinstance(filter, dict):
            filter = {"_id": filter}
        for doc in self.find(filter, *args, **kwargs).limit(1):
            return doc
        return None

    def count_documents(self, filter, skip=0, limit=0, **kwargs):
        _options("count_documents", kwargs)
        with self._lock:
            count = self._bucket_count(filter)
            if count is None and limit:
                count = self._count_up_to(filter, skip + limit)
        if count is None:
            count = 0
            for _ in self._matching(filter):
                count += 1
        count = max(0, count - skip)
        return min(count, limit) if limit else count

    def _count_up_to(self, query, most):
        """The matches of ``query``, counted until ``most``: its candidates tested in no order (a count
        has none) and no further than the ``most``-th match, where a bucket's every document was put
        in the natural order and listed first (finance's "has a run billed this month", a
        ``limit=1`` count asked of each month of the catch-up window: 10,000 bills a month). Call
        under the lock (the documents are read there, not copied)."""
        settled = set()
        candidates = self._candidates(query, settled, ordered=False)
        rest = {key: condition for key, condition in query.items() if key not in settled} if query else None
        test = compile_query(rest) if rest else None
        count = 0
        for doc in candidates:
            if test is None or test(doc):
                count += 1
                if count >= most:
                    break
        return count

    def _bucket_count(self, query):
        """The number of matches of ``query`` read from an index alone, as MongoDB's COUNT_SCAN
        counts the keys within an index's bounds: a query of string equalities fixing a declared
        index's prefix (its ``_best_index``) and nothing more is the size of that bucket; with a
        range on the index's next field too, the entries of the bucket within its bounds
        (``_within``, from buckets of ``COUNTED_FROM`` documents: a count is of many buckets; a
        smaller bucket's every entry), each tested. None for any other query (counted
        from its documents: ``_matching``). Call under the lock."""
        if not query or not isinstance(query, dict):
            return None
        planned = self._planned(query)
        if planned is None or planned[1] is None:
            return None
        fixed, best, size = planned
        prefix = best.fields[:size]
        rest = [field for field, condition in query.items()
                if not (field in prefix and "." not in field and type(condition) is str and condition == fixed[field])]
        ranged = size < len(best.fields) and rest == [best.fields[size]]
        if rest and not ranged:
            return None
        key = self._bucket_key(best, size, fixed)
        bucket = best.maps[size].get(key)
        if not bucket:
            return 0
        if not rest:
            return len(bucket)
        within = self._within(best, size, key, _next_bounds(best, size, query), COUNTED_FROM)
        field, docs = rest[0], self._docs
        test = compile_query({field: query[field]})
        between = _text_range(field, query[field])
        if between is None:
            return sum(1 for doc_id in (bucket if within is None else within) if test(docs[doc_id]))
        count = 0
        for doc_id in (bucket if within is None else within):
            doc = docs[doc_id]
            value = doc.get(field)
            count += between(value) if type(value) is str else (type(value) is list and test(doc))
        return count

    def estimated_document_count(self, **kwargs):
        _options("estimated_document_count", kwargs)
        return len(self._docs)

    def distinct(self, key, filter=None, **kwargs):
        _options("distinct", kwargs)
        found, keyed = [], set()
        get = _getter(key)
        for doc in self._matching(filter):
            for value in _expanded(get(doc)):
                if value is _MISSING or type(value) is list:
                    continue
                hashed = _hash_key(value)
                if hashed is not None:
                    if hashed in keyed:
                        continue
                    keyed.add(hashed)
                elif any(_equal(value, seen) for seen in found):
                    continue
                found.append(value)
        return [_export(value, self._aware) for value in found]

    def aggregate(self, pipeline, **kwargs):
        """The one pipeline shape the code base sends: ``$match`` then ``$group`` by a top-level field
        (``"$field"``) with ``$sum`` accumulators (of a top-level field, or a constant: a count). The
        matching documents are read where they are stored (through ``_matching``'s indexes) and only
        one row per group comes out, in no promised order (MongoDB promises none). A group key that is
        not a string or missing (MongoDB groups arrays and other types by their own rules), a sum of
        Decimal128, or any other stage or accumulator: ``NotSupported``."""
        _options("aggregate", kwargs)
        if (type(pipeline) is not list or len(pipeline) != 2 or list(pipeline[0]) != ["$match"]
                or list(pipeline[1]) != ["$group"]):
            raise NotSupported("the embedded store aggregates only [{$match}, {$group}]")
        query, group = pipeline[0]["$match"], dict(pipeline[1]["$group"])
        key = group.pop("_id", _MISSING)
        if type(key) is not str or not key.startswith("$") or "." in key:
            raise NotSupported("the embedded store groups by one top-level field only")
        sums = {}
        for name, accumulator in group.items():
            operand = accumulator.get("$sum", _MISSING) if type(accumulator) is dict and len(accumulator) == 1 \
                else _MISSING
            if not ((type(operand) is str and operand.startswith("$") and "." not in operand)
                    or type(operand) in (int, float)):
                raise NotSupported("the embedded store accumulates only $sum of a top-level field or a constant")
            sums[name] = operand
        field, rows = key[1:], {}
        for doc in self._matching(query):
            value = doc.get(field)
            if value is not None and type(value) is not str:
                raise NotSupported("the embedded store groups by strings (or a missing field) only")
            row = rows.setdefault(value, {"_id": value, **{name: 0 for name in sums}})
            for name, operand in sums.items():
                amount = doc.get(operand[1:]) if type(operand) is str else operand
                if type(amount) is Decimal128:
                    raise NotSupported("the embedded store does not sum Decimal128")
                if type(amount) in (int, float, Int64):  # MongoDB's $sum leaves out what is not a number
                    row[name] += amount
        return iter([dict(row) for row in rows.values()])

    def _out(self, doc, projection=None):
        if doc is None:
            return None
        out = _projector(projection)(doc)
        if not self._aware:
            out = _export(out, aware=False)
        return out

    # -- indexes ----------------------------------------------------------------

    def create_index(self, keys, **options):
        spec = _index_spec(keys)
        for field, order in spec:
            if order not in (1, -1):
                raise NotSupported(f"the embedded store does not implement {order!r} indexes")
        options = {key: value for key, value in options.items() if key not in ("background", "session", "comment")}
        name = options.pop("name", None) or _index_name(spec)
        with self._lock:
            self._exists = True
            existing = self._indexes.get(name)
            if existing is not None:
                if existing.spec != spec or existing.options != options:
                    raise OperationFailure(f"An existing index has the same name as the requested index: {name}", 86)
                return name
            for other in self._indexes.values():
                if other.spec == spec:
                    raise OperationFailure(f"Index already exists with a different name: {other.name}", 85)
            index = _Index(name, spec, options)
            if index.unique:
                index.build(len(spec), self._docs.values())
                for key, bucket in index.maps[len(spec)].items():
                    if len(bucket) > 1:
                        del index
                        raise DuplicateKeyError(f"E11000 duplicate key error collection: {self.full_name} "
                                                f"index: {name}", _DUPLICATE_KEY)
            self._indexes[name] = index
            self._indexes_changed()
            if "expireAfterSeconds" in options:
                if len(spec) != 1:
                    del self._indexes[name]
                    self._indexes_changed()
                    raise OperationFailure("TTL indexes are single-field indexes, compound indexes do "
                                           "not support TTL", 67)
                self._ttl[name] = (_getter(spec[0][0]), timedelta(seconds=options["expireAfterSeconds"]))
        return name

    def _indexes_changed(self):
        """Forget the chosen indexes (``_best_index``) once the index set changed (under the lock)."""
        self._plans = {}
        self._kept = set()
        for index in self._indexes.values():
            _filter_fields(index.options.get("partialFilterExpression"), self._kept)

    def create_indexes(self, indexes):
        raise NotSupported("the embedded store takes indexes one at a time (create_index)")

    def index_information(self):
        info = {"_id_": {"v": 2, "key": [("_id", 1)]}} if self._exists else {}
        info.update({name: index.info() for name, index in self._indexes.items()})
        return info

    def drop_index(self, name):
        with self._lock:
            if self._indexes.pop(name, None) is None:
                raise OperationFailure(f"index not found with name [{name}]", 27)
            self._indexes_changed()
            self._ttl.pop(name, None)

    def drop(self):
        with self._lock:
            self._docs = {}
            self._order = {}
            self._indexes = {}
            self._indexes_changed()
            self._ttl = {}
            self._exists = False

    # -- writing (under the lock) -----------------------------------------------

    def _duplicate(self, index_name, pattern, values):
        """The write error of a duplicate key, as MongoDB reports it (an exception is built only
        where one is raised: a billing run again meets a duplicate per bill)."""
        key_value = {field: value for (field, _), value in zip(pattern, values)}
        message = f"E11000 duplicate key error collection: {self.full_name} index: {index_name} dup key: {key_value!r}"
        return {"index": 0, "code": _DUPLICATE_KEY, "errmsg": message, "keyPattern": dict(pattern),
                "keyValue": key_value}

    def _check_unique(self, doc, replacing=None):
        for index in self._indexes.values():
            if not index.unique:
                continue
            buckets = index.maps[len(index.fields)]
            for key in index.keys(doc, len(index.fields)):
                holders = buckets.get(key)
                if holders and any(holder != replacing for holder in holders):
                    values = [value[-1] if type(value) is tuple else value for value in key]
                    return self._duplicate(index.name, index.spec, values)
        return None

    def _insert_locked(self, doc):
        key = _hash_key(doc["_id"])
        if key is None:
            raise NotSupported("the embedded store takes _id values that are strings, numbers, dates or ObjectIds")
        if key in self._docs:
            return self._duplicate("_id_", [("_id", 1)], [doc["_id"]])
        duplicate = self._check_unique(doc)
        if duplicate is not None:
            return duplicate
        self._docs[key] = doc
        self._order[key] = next(self._counter)
        for index in self._indexes.values():
            if index.maps:  # an index no query has read yet has nothing built to keep (``build`` reads every
                index.add(doc)  # document at its first use): a bill's run called 12 indexes a bill for 2 maps
        self._exists = True
        return None

    def _replace_locked(self, old, new):
        key = _hash_key(old["_id"])
        duplicate = self._check_unique(new, replacing=key)
        if duplicate is not None:
            raise _duplicate_key_error(duplicate)
        # the first parts of the fields the write changed: an update keeps the others as they were
        # (``_Writer`` copies what it writes to), and the indexes reading none of them keep their entries
        changed = {root for root in old.keys() | new.keys() if old.get(root, _MISSING) is not new.get(root, _MISSING)}
        for index in self._indexes.values():
            if index.reads(changed):
                index.discard(old)
                index.add(new)
        self._docs[key] = new

    def _delete_locked(self, doc):
        key = _hash_key(doc["_id"])
        del self._docs[key]
        del self._order[key]
        for index in self._indexes.values():
            index.discard(doc)

    @staticmethod
    def _new_document(document):
        if not isinstance(document, dict):
            raise TypeError(f"document must be an instance of dict, not {type(document).__name__}")
        if "_id" not in document:
            document["_id"] = ObjectId()  # as pymongo does, on the caller's document
        stored = _import(document)
        if next(iter(stored)) == "_id":  # first already (most writers put it first): not copied again
            return stored
        return {"_id": stored.pop("_id"), **stored}

    def insert_one(self, document, **kwargs):
        _options("insert_one", kwargs)
        stored = self._new_document(document)
        with self._lock:
            duplicate = self._insert_locked(stored)
        if duplicate is not None:
            raise _duplicate_key_error(duplicate)
        return InsertOneResult(stored["_id"], True)

    def insert_many(self, documents, ordered=True, **kwargs):
        _options("insert_many", kwargs)
        if isinstance(documents, dict) or not documents:
            raise TypeError("documents must be a non-empty list")
        stored = [self._new_document(document) for document in documents]
        errors, inserted = [], []
        with self._lock:
            for position, doc in enumerate(stored):
                duplicate = self._insert_locked(doc)
                if duplicate is None:
                    inserted.append(doc["_id"])
                    continue
                duplicate["index"], duplicate["op"] = position, documents[position]
                errors.append(duplicate)
                if ordered:
                    break
        if errors:
            raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": [], "nInserted": len(inserted),
                                  "nUpserted": 0, "nMatched": 0, "nModified": 0, "nRemoved": 0, "upserted": []})
        return InsertManyResult([doc["_id"] for doc in stored], True)

    def _update(self, filter, update, upsert, many, replacement=None, sort=None):
        """Apply ``update`` (or put ``replacement``) to the first match (or all); returns
        ``(matched, modified, upserted_id, before, after)`` of the last document written."""
        test = compile_query(filter)
        if update is not None:
            _check_update(update)
        matched = modified = 0
        before = after = None
        with self._lock:
            candidates = self._candidates(filter)
            targets = (doc for doc in candidates if test(doc))
            if sort:
                targets = iter(_sorted(list(targets), _sort_spec(sort), limit=0 if many else 1))
            for doc in targets:
                matched += 1
                if replacement is not None:
                    if "_id" in replacement and not _equal(replacement["_id"], doc["_id"]):
                        raise WriteError("After applying the update, the (immutable) field '_id' was found to "
                                         "have been altered", _IMMUTABLE_FIELD)
                    new = {"_id": doc["_id"], **{k: v for k, v in replacement.items() if k != "_id"}}
                    changed = not _equal(new, doc)
                else:
                    writer = _Writer(doc)
                    _apply_update(writer, update)
                    new, changed = writer.doc, writer.changed
                    if not _equal(new.get("_id", _MISSING), doc["_id"]):
                        raise WriteError("Performing an update on the path '_id' would modify the immutable "
                                         "field '_id'", _IMMUTABLE_FIELD)
                if changed:
                    self._replace_locked(doc, new)
                    modified += 1
                before, after = doc, new
                if not many:
                    break
            if matched or not upsert:
                return matched, modified, None, before, after
            seed = _upsert_seed(filter)
            if replacement is not None:
                new = {**({"_id": seed["_id"]} if "_id" in seed else {}), **replacement}  # its own _id wins
            else:
                writer = _Writer(seed, inserting=True)
                _apply_update(writer, update)
                new = writer.doc
            if "_id" not in new:
                new = {"_id": ObjectId(), **new}
            elif next(iter(new)) != "_id":
                new = {"_id": new["_id"], **{k: v for k, v in new.items() if k != "_id"}}
            duplicate = self._insert_locked(new)
            if duplicate is not None:
                raise _duplicate_key_error(duplicate)
            return 0, 0, new["_id"], None, new

    @staticmethod
    def _update_result(matched, modified, upserted_id):
        raw = {"n": matched if upserted_id is None else 1, "nModified": modified, "ok": 1.0,
               "updatedExisting": bool(matched)}
        if upserted_id is not None:
            raw["upserted"] = upserted_id
        return UpdateResult(raw, True)

    def update_one(self, filter, update, upsert=False, sort=None, **kwargs):
        _options("update_one", kwargs)
        matched, modified, upserted, _, _ = self._update(filter, update, upsert, many=False, sort=sort)
        return self._update_result(matched, modified, upserted)

    def update_many(self, filter, update, upsert=False, **kwargs):
        _options("update_many", kwargs)
        matched, modified, upserted, _, _ = self._update(filter, update, upsert, many=True)
        return self._update_result(matched, modified, upserted)

    def replace_one(self, filter, replacement, upsert=False, **kwargs):
        _options("replace_one", kwargs)
        if not isinstance(replacement, dict) or any(key.startswith("$") for key in replacement):
            raise ValueError("replacement can not include $ operators")
        stored = _import(replacement)
        matched, modified, upserted, _, _ = self._update(filter, None, upsert, many=False, replacement=stored)
        return self._update_result(matched, modified, upserted)

    def find_one_and_update(self, filter, update, projection=None, sort=None, upsert=False,
                            return_document=ReturnDocument.BEFORE, **kwargs):
        _options("find_one_and_update", kwargs)
        _, _, _, before, after = self._update(filter, update, upsert, many=False, sort=sort)
        return self._out(after if return_document else before, projection)

    def find_one_and_replace(self, filter, replacement, projection=None, sort=None, upsert=False,
                             return_document=ReturnDocument.BEFORE, **kwargs):
        _options("find_one_and_replace", kwargs)
        if any(key.startswith("$") for key in replacement):
            raise ValueError("replacement can not include $ operators")
        stored = _import(replacement)
        _, _, _, before, after = self._update(filter, None, upsert, many=False, replacement=stored, sort=sort)
        return self._out(after if return_document else before, projection)

    def find_one_and_delete(self, filter, projection=None, sort=None, **kwargs):
        _options("find_one_and_delete", kwargs)
        test = compile_query(filter)
        with self._lock:
            targets = [doc for doc in self._candidates(filter) if test(doc)]
            if sort:
                targets = _sorted(targets, _sort_spec(sort), limit=1)
            if not targets:
                return None
            self._delete_locked(targets[0])
        return self._out(targets[0], projection)

    def _delete(self, filter, many):
        test = compile_query(filter)
        deleted = 0
        with self._lock:
            for doc in self._candidates(filter):
                if test(doc):
                    self._delete_locked(doc)
                    deleted += 1
                    if not many:
                        break
        return DeleteResult({"n": deleted, "ok": 1.0}, True)

    def delete_one(self, filter, **kwargs):
        _options("delete_one", kwargs)
        return self._delete(filter, many=False)

    def delete_many(self, filter, **kwargs):
        _options("delete_many", kwargs)
        return self._delete(filter, many=True)

    def bulk_write(self, *args, **kwargs):
        raise NotSupported("the embedded store does not implement bulk_write")


class EmbeddedCursor:
    """Stands where ``pymongo.cursor.Cursor`` stands: lazy, linear (each match is copied
    when it is reached), and with ``sort`` + ``limit`` it keeps only the page (a heap)."""

    def __init__(self, collection, filter, projection):
        self._collection = collection
        self._filter = filter
        self._project = _projector(projection)
        self._sort = None
        self._skip = 0
        self._limit = 0
        self._batch_size = 0
        self._started = None

    def _unstarted(self):
        if self._started is not None:
            raise InvalidOperation("cannot set options after executing query")

    def sort(self, key_or_list, direction=None):
        self._unstarted()
        self._sort = _sort_spec(key_or_list, direction)
        return self

    def limit(self, limit):
        self._unstarted()
        if type(limit) is not int:
            raise TypeError("limit must be an integer")
        self._limit = abs(limit)
        return self

    def skip(self, skip):
        self._unstarted()
        if type(skip) is not int or skip < 0:
            raise ValueError("skip must be a non-negative integer")
        self._skip = skip
        return self

    def batch_size(self, batch_size):
        self._unstarted()
        if type(batch_size) is not int or batch_size < 0:
            raise ValueError("batch_size must be a non-negative integer")
        self._batch_size = batch_size  # nothing to batch in process; kept for the API
        return self

    def _walk(self):
        end = self._skip + self._limit if self._limit else 0
        docs = self._collection._in_order(self._filter, self._sort, end) if self._sort and end else None
        if docs is None:
            docs = self._collection._matching(self._filter)
            if self._sort:
                docs = _sorted(docs, self._sort, limit=end)
        docs = iter(docs)
        docs = itertools.islice(docs, self._skip, self._skip + self._limit if self._limit else None)
        aware = self._collection._aware
        for doc in docs:
            out = self._project(doc)
            yield out if aware else _export(out, aware=False)

    def __iter__(self):
        return self

    def __next__(self):
        if self._started is None:
            self._started = self._walk()
        return next(self._started)

    def next(self):
        return self.__next__()

    def to_list(self, length=None):
        return list(itertools.islice(self, length))

    def close(self):
        self._started = iter(())

    def rewind(self):
        self._started = None
        return self

    def clone(self):
        copy = EmbeddedCursor(self._collection, self._filter, None)
        copy._project, copy._sort, copy._skip, copy._limit = self._project, self._sort, self._skip, self._limit
        return copy

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

