"""The store boundary: only store modules reach the database.

A module whose file is ``store.py`` or ends in ``_store.py`` may import pymongo or
mongomock, index a database (``db[...]``, ``db.<collection>``) and call collection
methods; every other module of ``libs/``, ``services/``, ``gateway/``, ``scripts/`` and
``console/`` asks a store module. Domain modules then stay plain functions that tests can
run without a database, and a second store adapter has one place per process to plug in.

The check reads the source (``ast``), so it needs no import of the modules.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED_DIRS = ("libs", "services", "gateway", "scripts", "console")

DRIVERS = {"pymongo", "mongomock"}
COLLECTION_METHODS = {
    "find", "find_one", "insert_one", "insert_many", "update_one", "update_many",
    "find_one_and_update", "delete_one", "delete_many", "count_documents", "create_index",
    "aggregate", "bulk_write", "distinct",
    # the agreed list above, and the rest of pymongo's collection and database calls
    "replace_one", "find_one_and_replace", "find_one_and_delete", "estimated_document_count",
    "create_indexes", "list_collection_names",
}
DATABASE_NAMES = {"db"}  # ``db`` and ``<anything>.db``: how the code base names a database

# Modules allowed to reach the database although their name does not say store: none. An entry
# here is a debt with a reason beside it, and test_known_exceptions_still_exist drops it once paid.
KNOWN_EXCEPTIONS = set()


def is_store_module(path):
    return path.name == "store.py" or path.name.endswith("_store.py")


def is_test_module(path):
    return ("tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py")


def checked_modules(root=ROOT):
    for top in CHECKED_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            relative = path.relative_to(root)
            if any(part.startswith(".") or part in {"build", "node_modules"} for part in relative.parts):
                continue
            if is_test_module(relative) or is_store_module(relative):
                continue
            yield relative


def _is_database(node):
    if isinstance(node, ast.Name):
        return node.id in DATABASE_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in DATABASE_NAMES
    return False


def _is_string(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr)


def _imported_names(tree):
    """Names the module binds by importing: calls on them are module functions."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
    return names


def violations(source, filename="<source>"):
    """``[(line, what)]`` for every reach into the database in ``source``."""
    tree = ast.parse(source, filename)
    modules = _imported_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in DRIVERS:
                    found.append((node.lineno, f"imports {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] in DRIVERS:
                found.append((node.lineno, f"imports from {node.module}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in COLLECTION_METHODS:
                # ``"text".find("x")`` and ``name.find("x")`` are string searches: a collection's
                # ``find`` takes a filter document, never a string.
                if method == "find" and node.args and _is_string(node.args[0]):
                    continue
                # ``store.find(db, ...)``: a function of an imported (store) module, not a collection.
                if isinstance(node.func.value, ast.Name) and node.func.value.id in modules:
                    continue
                found.append((node.lineno, f"calls .{method}()"))
        elif isinstance(node, ast.Subscript) and _is_database(node.value):
            found.append((node.lineno, "indexes a database"))
        elif isinstance(node, ast.Attribute) and _is_database(node.value):
            found.append((node.lineno, f"reaches collection .{node.attr}"))
    return sorted(set(found))


def tree_violations(root=ROOT):
    out = []
    for relative in checked_modules(root):
        if relative.as_posix() in KNOWN_EXCEPTIONS:
            continue
        source = (root / relative).read_text(encoding="utf-8")
        out.extend(f"{relative.as_posix()}:{line}: {what}" for line, what in violations(source, str(relative)))
    return out


def test_only_store_modules_reach_the_database():
    found = tree_violations()
    assert not found, "database access outside store modules:\n" + "\n".join(found)


def test_known_exceptions_still_exist():
    """An exception for a module that is gone or clean is stale: drop it."""
    for name in KNOWN_EXCEPTIONS:
        path = ROOT / name
        assert path.is_file(), f"{name} is listed as an exception but does not exist"
        assert violations(path.read_text(encoding="utf-8"), name), f"{name} is clean: remove its exception"


# -- the checker itself ------------------------------------------------------------

PLANTED = '''\
import pymongo
from mongomock import MongoClient
from pymongo.errors import DuplicateKeyError


def settle(db, bill_id):
    bill = db.bills.find_one({"_id": bill_id})
    db["journal"].insert_one({"bill": bill_id})
    return db.bills.count_documents({}) + len(list(self.db.payments.find({})))
'''


def test_the_checker_names_every_planted_reach():
    found = violations(PLANTED)
    lines = {line for line, _ in found}
    assert lines == {1, 2, 3, 7, 8, 9}
    kinds = {what for _, what in found}
    assert {"imports pymongo", "imports from mongomock", "imports from pymongo.errors",
            "calls .find_one()", "calls .insert_one()", "calls .count_documents()", "calls .find()",
            "indexes a database", "reaches collection .bills", "reaches collection .payments"} <= kinds


def test_plain_code_passes():
    assert violations('''\
from estate_common import store
from . import store as repairs_store


def open_one(db, estate_id, title):
    where = title.find("urgent")
    earlier = store.find(db, "repairs", estate_id, title)
    return earlier or repairs_store.open_request(db, estate_id, title, where)
''') == []


def test_the_checker_finds_a_planted_module_in_a_tree(tmp_path):
    domain = tmp_path / "services" / "demo" / "demo"
    domain.mkdir(parents=True)
    (domain / "domain.py").write_text("def get(db, i):\n    return db.things.find_one({'_id': i})\n")
    (domain / "store.py").write_text("import pymongo\n\ndef get(db, i):\n    return db.things.find_one({'_id': i})\n")
    (domain / "things_store.py").write_text("def count(db):\n    return db.things.count_documents({})\n")
    tests = tmp_path / "services" / "demo" / "tests"
    tests.mkdir()
    (tests / "test_demo.py").write_text("def test_x(db):\n    db.things.insert_one({})\n")
    assert tree_violations(tmp_path) == [
        "services/demo/demo/domain.py:2: calls .find_one()",
        "services/demo/demo/domain.py:2: reaches collection .things",
    ]


@pytest.mark.parametrize("name, is_store", [
    ("store.py", True), ("common_store.py", True), ("restore.py", False), ("store_utils.py", False),
])
def test_store_module_names(name, is_store):
    assert is_store_module(Path(name)) is is_store
