"""Every index and every query of every store is led by ``estate_id``.

Why: a request's cost must not grow with the number of estates on a deployment. MongoDB
uses a compound index only for a query that constrains its leading field, and once the
collections are sharded on ``estate_id`` (README "Scaling") a query that names no estate is
sent to every shard, and an update or upsert that names none is refused. The embedded
store looks a query up by the longest equality prefix of a declared index, so the same
rule keeps it a hash lookup there.

What is checked:

- indexes: every index each store declares (the ``INDEXES`` of each service's store and
  the gateway's, and the outbox index) starts with ``estate_id``;
- queries: the source of every store module (``store.py``, ``*_store.py``) is read with
  ``ast``; each filter given to a collection's ``find``, ``find_one``, ``find_one_and_*``,
  ``update_*``, ``replace_one``, ``delete_*``, ``count_documents``, ``distinct`` or
  ``aggregate`` (its ``$match``) must constrain ``estate_id`` (a key of the filter, of one
  of its ``$and`` parts, or of a dict it spreads). A filter built elsewhere is followed:
  a local name to its assignments, a call of a module function to its ``return``s, a
  comprehension variable to what it walks. A filter that is a parameter of its function
  makes the function a pass-through (``estate_common.store.page`` and ``scan``, the
  repository calls): then every call of it in a store module is checked instead;
- shard keys: the README's table of shard keys is the one derived here from the indexes.

The only exceptions are the allow-lists below, each with its reason: collections that are
global by nature, and sweeps that look across estates by design. An entry that no longer
excuses anything fails ``test_every_allowance_is_still_needed``.
"""
import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STORE_DIRS = ("libs", "services", "gateway")
ENGINE = Path("libs/estate_common/estate_common/embedded_store.py")  # the store engine itself, not a user of it

# Collections that belong to no estate. Queries on them may name none; they are not sharded.
GLOBAL_COLLECTIONS = {
    # the gateway's own database: staff accounts (a user spans estates; found by username
    # at every call), idempotency records (keyed by caller and key; /api/v1/estates itself
    # is a create under no estate) and the sign-in guard's counters (by username and address)
    "users": "a staff account spans estates; read by username on every call",
    "idempotency": "keyed by caller and Idempotency-Key; some creates (an estate) belong to no estate",
    "login_failures": "the sign-in guard counts by username and address, before any estate is known",
    "rate_limits": "the public routes count calls per address and estate code, before any estate id is known",
    "api_keys": "an integrator's key spans estates like a user; read by key id on every call",
    # every service's background jobs: any replica claims the oldest queued job whatever its
    # estate, and GET /api/v1/jobs/{id} names no estate; a few documents per billing run or import
    "jobs": "a queue across estates: claimed oldest-first by any replica, read by id from /api/v1/jobs/{id}",
    # the estates registry (archive's estates, every service's read copies): one document per
    # estate, walked by the operator's estate list and by timers that visit every estate
    "estates": "the registry of estates itself: one document per estate, listed across estates",
}

# Functions (store module, function) whose queries look across estates by design: timers
# that sweep every estate at once. Each runs once per interval, never on a request's path.
CROSS_ESTATE_SWEEPS = {
    ("libs/estate_common/estate_common/outbox_store.py", "stale"):
        "the outbox sweep: a process does not know which estates hold its unsent events "
        "(served by the partial outbox index, normally empty; see outbox_store)",
    ("libs/estate_common/estate_common/outbox_store.py", "pending_times"):
        "the metrics' sampler counts the unsent events of every estate (the same partial index)",
    ("services/maintenance/maintenance/store.py", "estates_with_plans"):
        "the plan sweep (PLAN_SWEEP_SECONDS) asks which estates have active plans, then goes estate by estate",
    ("services/maintenance/maintenance/store.py", "movements_waiting_before"):
        "the parts sweep's sample of the movements still waiting on their parts, of every estate, for the metric "
        "estate_maintenance_part_movements_waiting (the same sparse index movements.at_1; h5)",
    ("services/maintenance/maintenance/store.py", "parts_pending_before"):
        "the parts sweep (OVERDUE_SWEEP_SECONDS) copies the movements a crash left on their part to their "
        "collection, of every estate (served by the sparse index movements.at_1: parts with such movements only)",
    ("services/maintenance/maintenance/store.py", "movements_to_reach_before"):
        "the parts sweep takes the issues and returns a crash left short of their work order to it, of every "
        "estate (served by the partial index to_reach_1_at_1: such movements only, normally none)",
    ("services/integrations/integrations/store.py", "subscribed_event_types"):
        "the broker bindings' reconcile (WEBHOOK_BINDINGS_RECONCILE_SECONDS, and each subscription "
        "change) asks which event types any estate's active subscriptions want (a few per estate)",
    ("services/integrations/integrations/store.py", "due_deliveries"):
        "the webhook delivery worker (WEBHOOK_POLL_SECONDS) takes the due deliveries of every estate "
        "(served by the partial index deliveries_due, pending deliveries only)",
}

# Indexes that do not lead with estate_id, by name, each with its reason.
GLOBAL_INDEXES = {
    "outbox_pending": "the outbox sweep's partial index leads with _outbox.occurred_at (outbox_store says why)",
    "status_1_created_at_1": "jobs: the claim takes the oldest queued job across estates",
    "deliveries_due": "webhook deliveries: the delivery worker takes the due ones across estates (pending only)",
    "movements.at_1": "maintenance's parts sweep: the movements a crash left on their part, every estate's "
                      "(sparse: the parts with such movements only)",
    "to_reach_1_at_1": "maintenance's parts sweep: the movements short of their work order, every estate's "
                       "(partial: those only, normally none)",
    "expire_at_1": "webhook deliveries' TTL index (estate_common.retention): MongoDB's TTL indexes are single-field",
    "export_chunks_expiry": "export chunks expire with their link: a TTL index is single-field by MongoDB's rule",
}

QUERY_METHODS = {"find": 0, "find_one": 0, "find_one_and_update": 0, "find_one_and_replace": 0,
                 "find_one_and_delete": 0, "update_one": 0, "update_many": 0, "replace_one": 0,
                 "delete_one": 0, "delete_many": 0, "count_documents": 0, "distinct": 1, "aggregate": 0}
DATABASE_NAMES = {"db"}


# -- reading the store modules ---------------------------------------------------------------------

def store_modules(root=ROOT):
    """``{relative path: source}`` of every store module but the engine and tests."""
    found = {}
    for top in STORE_DIRS:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root)
            if any(part.startswith(".") or part in {"tests", "build"} for part in relative.parts):
                continue
            if (path.name == "store.py" or path.name.endswith("_store.py")) and relative != ENGINE:
                found[relative.as_posix()] = path.read_text()
    return found


LED, NOT = "led", "not"


class Result:
    """What a filter expression is: led, not led (with the offending text), or led exactly
    when some of its function's parameters are (``params``)."""

    def __init__(self, kind, text=None, params=frozenset()):
        self.kind, self.text, self.params = kind, text, frozenset(params)

    @staticmethod
    def every(results):
        """All of them must be led (assignments of a name, branches, returns)."""
        results = list(results)
        bad = [r for r in results if r.kind == NOT]
        if bad:
            return bad[0]
        params = frozenset().union(*(r.params for r in results)) if results else frozenset()
        return Result("param", params=params) if params else Result(LED)

    @staticmethod
    def any(results, text):
        """One of them is enough (the parts of ``$and``, the keys and spreads of a dict)."""
        results = list(results)
        if any(r.kind == LED for r in results):
            return Result(LED)
        params = frozenset().union(*(r.params for r in results)) if results else frozenset()
        return Result("param", params=params) if params else Result(NOT, text)


class Module:
    def __init__(self, path, source):
        self.path = path
        self.tree = ast.parse(source, path)
        self.functions = {node.name: node for node in self.tree.body if isinstance(node, ast.FunctionDef)}
        self.constants = {}
        self.module_names = set()
        self.imports = {}  # alias -> store module path it names (estate_common's store modules)
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.module_names.add(name.id)
                            self.constants[name.id] = node.value
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    self.module_names.add(bound)
                    library = (isinstance(node, ast.ImportFrom) and
                               (node.module == "estate_common" or (node.level == 1 and not node.module
                                                                   and path.startswith("libs/estate_common/"))))
                    if library:
                        self.imports[bound] = f"libs/estate_common/estate_common/{alias.name}.py"
        self.module_names.update(self.functions)


class Checker:
    """The estate-led check over ``modules`` (``{path: source}``)."""

    def __init__(self, modules):
        self.modules = {path: Module(path, source) for path, source in modules.items()}
        self.findings = []       # (path, line, function, collection, text)
        self.pass_through = {}   # (path, function) -> (query parameter, collection parameter or name)

    # -- names and collections -------------------------------------------------------------------
    @staticmethod
    def _params(function):
        args = function.args
        return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]

    @staticmethod
    def _assignments(function, name):
        values = []
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                if node.value is not None:
                    values.append(node.value)
        return values

    @staticmethod
    def _comprehension_sources(function, name):
        return [generator.iter for node in ast.walk(function)
                if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp))
                for generator in node.generators
                if isinstance(generator.target, ast.Name) and generator.target.id == name]

    def collection_of(self, module, function, node, seen=()):
        """The collection a receiver names: a string, ("param", name) or None (unknown)."""
        if isinstance(node, ast.Attribute) and (
                isinstance(node.value, ast.Name) and node.value.id in DATABASE_NAMES
                or isinstance(node.value, ast.Attribute) and node.value.attr in DATABASE_NAMES):
            return node.attr
        if isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            if isinstance(key, ast.Name):
                if key.id in self._params(function):
                    return ("param", key.id)
                constant = module.constants.get(key.id)
                if isinstance(constant, ast.Constant):
                    return constant.value
            return None
        if isinstance(node, ast.Name) and node.id not in seen:
            if node.id in self._params(function):
                return ("param", node.id)
            for value in self._assignments(function, node.id):
                return self.collection_of(module, function, value, (*seen, node.id))
        return None

    def is_collection(self, module, function, node):
        """A receiver that may be a collection (not a module, nor a module-level helper object)."""
        if isinstance(node, ast.Name):
            return node.id not in module.module_names
        return isinstance(node, (ast.Attribute, ast.Subscript))

    # -- filters ---------------------------------------------------------------------------------
    def resolve(self, module, function, node, in_progress=frozenset()):
        text = ast.unparse(node)
        if isinstance(node, ast.Dict):
            parts = []
            for key, value in zip(node.keys, node.values):
                if key is None:
                    parts.append(self.resolve(module, function, value, in_progress))
                elif isinstance(key, ast.Constant) and key.value == "estate_id":
                    return Result(LED)
                elif isinstance(key, ast.Constant) and key.value == "$and" and isinstance(value, (ast.List, ast.Tuple)):
                    parts.extend(self.resolve(module, function, item, in_progress) for item in value.elts)
            return Result.any(parts, text)
        if isinstance(node, ast.BoolOp):  # ``query or {}``: either may be the filter
            return Result.every(self.resolve(module, function, v, in_progress) for v in node.values)
        if isinstance(node, ast.IfExp):
            return Result.every([self.resolve(module, function, node.body, in_progress),
                                 self.resolve(module, function, node.orelse, in_progress)])
        if isinstance(node, ast.Name):
            key = (function.name, node.id)
            if key in in_progress:
                return Result(LED)  # ``query = {"$and": [query, ...]}``: as led as its other assignments
            progress = in_progress | {key}
            found = []
            if node.id in self._params(function):
                found.append(Result("param", params={node.id}))
            found.extend(self.resolve(module, function, v, progress) for v in self._assignments(function, node.id))
            for source in self._comprehension_sources(function, node.id):
                found.append(self.element_of(module, function, source, progress))
            if not found and node.id in module.constants:
                found.append(self.resolve(module, function, module.constants[node.id], progress))
            return Result.every(found) if found else Result(NOT, text)
        if isinstance(node, ast.Call):
            called = node.func
            if isinstance(called, ast.Name) and called.id in module.functions:
                callee = module.functions[called.id]
                returns = [r.value for r in ast.walk(callee) if isinstance(r, ast.Return) and r.value is not None]
                result = Result.every(self.resolve(module, callee, r, in_progress) for r in returns)
                if result.kind == "param":  # the callee's parameters: what this call passes
                    return Result.every(self.resolve(module, function, arg, in_progress)
                                        for arg in self._arguments(callee, node, result.params))
                return result
            if isinstance(called, ast.Name) and called.id == "dict" and node.args:
                return self.resolve(module, function, node.args[0], in_progress)
        return Result(NOT, text)

    def element_of(self, module, function, node, in_progress):
        """What the elements of ``node`` (a list, a comprehension, a name of one) are."""
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return Result.every(self.resolve(module, function, e, in_progress) for e in node.elts)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self.resolve(module, function, node.elt, in_progress)
        if isinstance(node, ast.Name):
            values = self._assignments(function, node.id)
            if values:
                return Result.every(self.element_of(module, function, v, in_progress) for v in values)
        return Result(NOT, ast.unparse(node))

    def _arguments(self, callee, call, names):
        """The argument expressions ``call`` passes for the parameters ``names`` of ``callee``."""
        params = self._params(callee)
        out = []
        for name in names:
            keyword = [k.value for k in call.keywords if k.arg == name]
            index = params.index(name)
            if keyword:
                out.append(keyword[0])
            elif index < len(call.args):
                out.append(call.args[index])
            else:
                default_index = index - (len(params) - len(callee.args.defaults))
                out.append(callee.args.defaults[default_index] if default_index >= 0 else ast.Dict([], []))
        return out

    # -- the check -------------------------------------------------------------------------------
    def _filter_of(self, call, method):
        position = QUERY_METHODS[method]
        keyword = [k.value for k in call.keywords if k.arg in ("filter", "pipeline")]
        node = keyword[0] if keyword else (call.args[position] if len(call.args) > position else None)
        if method == "aggregate" and isinstance(node, ast.List) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "$match"
                                                   for k in first.keys):
                return first.values[[k.value for k in first.keys].index("$match")]
        return node if node is not None else ast.Dict([], [])

    def _record(self, module, function, node, collection, result):
        if result.kind == NOT:
            self.findings.append((module.path, node.lineno, function.name, collection, result.text))
        elif result.kind == "param":
            query_param = sorted(result.params)[0]
            self.pass_through[(module.path, function.name)] = (query_param, collection)

    def _callee(self, module, call):
        """(path, function) of a store function ``call`` calls, or None."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in module.functions:
            return module.path, func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in module.imports:
            return module.imports[func.value.id], func.attr
        return None

    def run(self):
        for module in self.modules.values():
            for function in ast.walk(module.tree):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for node in ast.walk(function):
                    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr in QUERY_METHODS
                            and self.is_collection(module, function, node.func.value)):
                        continue
                    collection = self.collection_of(module, function, node.func.value)
                    query = self._filter_of(node, node.func.attr)
                    self._record(module, function, node, collection, self.resolve(module, function, query))
        # calls of pass-through functions, until no new pass-through appears
        checked = set()
        while True:
            new = False
            for module in self.modules.values():
                for function in ast.walk(module.tree):
                    if not isinstance(function, ast.FunctionDef):
                        continue
                    for node in ast.walk(function):
                        if not isinstance(node, ast.Call):
                            continue
                        callee = self._callee(module, node)
                        if callee not in self.pass_through or (id(node), callee) in checked:
                            continue
                        checked.add((id(node), callee))
                        query_param, collection = self.pass_through[callee]
                        target = self.modules[callee[0]].functions[callee[1]]
                        [query] = self._arguments(target, node, [query_param])
                        if isinstance(collection, tuple):  # the collection is the callee's parameter too
                            [argument] = self._arguments(target, node, [collection[1]])
                            collection = self.collection_of(module, function, argument)
                        before = len(self.pass_through)
                        self._record(module, function, node, collection, self.resolve(module, function, query))
                        new |= len(self.pass_through) > before
            if not new:
                break
        return self


def allowed(finding):
    path, _, function, collection, _ = finding
    return collection in GLOBAL_COLLECTIONS or (path, function) in CROSS_ESTATE_SWEEPS


def describe(findings):
    return "\n".join(f"  {path}:{line} {function}() on {collection or 'a collection it is given'}: {text}"
                     for path, line, function, collection, text in findings)


# -- the stores' declared indexes ---------------------------------------------------------------

SERVICES = ("customer_service", "maintenance", "security_patrol", "finance", "archive", "integrations")


def declared_indexes():
    """``{owner: {collection: [(keys, options), ...]}}``: each service's store ``INDEXES`` with
    the outbox index on its outbox collections, and the gateway's."""
    from estate_common import outbox_store
    out = {}
    for name in SERVICES:
        store = importlib.import_module(f"{name}.store")
        service = importlib.import_module(f"{name}.service")
        service_cls = next(v for v in vars(service).values() if isinstance(v, type) and getattr(v, "name", None) == name)
        indexes = {collection: list(specs) for collection, specs in store.INDEXES.items()}
        for collection, specs in outbox_store.indexes(outbox_store.collections(service_cls)).items():
            indexes.setdefault(collection, []).extend(specs)
        out[name] = indexes
    out["gateway"] = dict(importlib.import_module("gateway.store").INDEXES)
    return out


def index_name(keys, options):
    return options.get("name") or "_".join(f"{field}_{order}" for field, order in keys)


def index_findings(indexes):
    """``[(owner, collection, index name)]`` of indexes not led by estate_id and not excused."""
    return [(owner, collection, index_name(keys, options))
            for owner, collections in indexes.items() for collection, specs in collections.items()
            for keys, options in specs
            if keys[0][0] != "estate_id" and collection not in GLOBAL_COLLECTIONS
            and index_name(keys, options) not in GLOBAL_INDEXES]


NUMBERED = "counters"  # estate_common.store.next_number's collection (by _id "<estate>:<series>"; no index of its own)


def shard_keys(indexes, modules):
    """``{owner: {collection: shard key}}``: ``{estate_id: 1}``, the field every index of the
    collection leads with, or ``unsharded`` for a global collection."""
    out = {}
    for owner, collections in indexes.items():
        names = set(collections)
        source = modules.get(f"services/{owner}/{owner}/store.py", "")
        if "next_number(" in source:
            names.add(NUMBERED)
        out[owner] = {c: "unsharded" if c in GLOBAL_COLLECTIONS else "{estate_id: 1}" for c in sorted(names)}
    return out


def shard_table(keys):
    """The README's table, as it must read."""
    lines = ["| database | sharded on `{estate_id: 1}` | unsharded (global) |", "|---|---|---|"]
    for owner, collections in keys.items():
        sharded = ", ".join(f"`{c}`" for c, key in collections.items() if key != "unsharded") or "none"
        unsharded = ", ".join(f"`{c}`" for c, key in collections.items() if key == "unsharded") or "none"
        lines.append(f"| `estate_{owner}` | {sharded} | {unsharded} |")
    return "\n".join(lines)


# -- the tests ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def modules():
    return store_modules()


@pytest.fixture(scope="module")
def checked(modules):
    return Checker(modules).run()


def test_every_store_query_is_led_by_estate_id(checked):
    offending = [f for f in checked.findings if not allowed(f)]
    assert not offending, ("queries that do not constrain estate_id (add it to the filter; a global "
                           "collection or sweep belongs in an allow-list with its reason):\n" + describe(offending))


def test_the_check_reads_every_store_and_its_repository_calls(checked, modules):
    assert {"libs/estate_common/estate_common/store.py", "libs/estate_common/estate_common/common_store.py",
            "libs/estate_common/estate_common/outbox_store.py", "gateway/gateway/store.py",
            *(f"services/{s}/{s}/store.py" for s in SERVICES)} <= set(modules)
    # the repository calls that take a query are recognised as such, so their callers are checked
    assert {("libs/estate_common/estate_common/store.py", "page"),
            ("libs/estate_common/estate_common/store.py", "scan")} <= set(checked.pass_through)


def test_every_declared_index_is_led_by_estate_id():
    offending = index_findings(declared_indexes())
    assert not offending, f"indexes that do not lead with estate_id: {offending}"


def test_every_allowance_is_still_needed(checked):
    excused = [f for f in checked.findings if allowed(f)]
    used_collections = {f[3] for f in excused} | {c for owner in declared_indexes().values() for c in owner}
    assert set(GLOBAL_COLLECTIONS) <= used_collections
    assert set(CROSS_ESTATE_SWEEPS) <= {(f[0], f[2]) for f in excused}, "an allowed sweep is led by estate_id now"
    names = {index_name(k, o) for owner in declared_indexes().values() for specs in owner.values() for k, o in specs}
    assert set(GLOBAL_INDEXES) <= names


def test_the_readme_lists_the_shard_key_of_every_collection(modules):
    table = shard_table(shard_keys(declared_indexes(), modules))
    readme = (ROOT / "README.md").read_text()
    assert table in readme, "README \"Scaling\" must carry this table of shard keys:\n" + table


# -- planted offences: the check fails when it should ------------------------------------------

PLANTED = '''
from estate_common import store

def unpaid(db):
    return list(db.bills.find({"status": "unpaid"}))                       # no estate

def of_estate(db, estate_id, filters):
    return list(db.bills.find({"estate_id": estate_id, **filters}))        # led

def counted(db, bill_id):
    query = {"_id": bill_id}
    return db.bills.count_documents(query)                                 # no estate, through a name

def late(db, estate_id, now):
    query = {"estate_id": estate_id}
    return db.bills.find({"$and": [query, {"due_at": {"$lt": now}}]})      # led, inside $and

def listed(db, limit, cursor):
    return store.page(db.payments, {"status": "posted"}, limit, cursor)     # no estate, via a repository call

def mine(db, user):
    return db.users.find_one({"_id": user})                                # a global collection
'''


def test_a_planted_query_without_estate_id_is_found(modules):
    planted = {**modules, "services/planted/planted/store.py": PLANTED}
    findings = [f for f in Checker(planted).run().findings if f[0] == "services/planted/planted/store.py"]
    assert {(f[2], f[3]) for f in findings} == {
        ("unpaid", "bills"), ("counted", "bills"), ("listed", "payments"), ("mine", "users")}
    assert [f for f in findings if not allowed(f)] and all(not allowed(f) for f in findings if f[2] != "mine")


def test_a_planted_index_without_estate_id_is_found():
    indexes = {"planted": {"bills": [([("estate_id", 1), ("status", 1)], {}), ([("status", 1), ("due_at", 1)], {})],
                           "jobs": [([("status", 1)], {})]}}
    assert index_findings(indexes) == [("planted", "bills", "status_1_due_at_1")]


def test_the_shard_table_follows_the_indexes():
    keys = shard_keys({"planted": {"bills": [], "jobs": []}}, {"services/planted/planted/store.py": "next_number("})
    assert keys == {"planted": {"bills": "{estate_id: 1}", "counters": "{estate_id: 1}", "jobs": "unsharded"}}
    assert re.search(r"\| `estate_planted` \| `bills`, `counters` \| `jobs` \|", shard_table(keys))
