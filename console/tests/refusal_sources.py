"""The refusal sentences the services and the gateway write, read from their source, for the test
that the console's catalogue (``console/refusals.py``) has every one and nothing else.

A sentence is the first argument of a ``DomainError`` (``BusinessRuleViolation("…")``), the
message of a ``field_error(field, "…")`` or what a helper hands on to one of them, a literal, an
f-string, a module's constant or any value of a module's dict of them. An f-string's values
become ``{0}``, ``{1}``… in order, as the catalogue writes them; a literal brace is doubled.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("services", "libs", "gateway")
REFUSALS = {"InvalidInput", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Gone",
            "BusinessRuleViolation", "ServiceUnavailable"}


def template(node):
    """The sentence of a literal or f-string node, or None for anything else (a name, a call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if not isinstance(node, ast.JoinedStr):
        return None
    text, index = "", 0
    for part in node.values:
        if isinstance(part, ast.Constant):
            text += part.value.replace("{", "{{").replace("}", "}}")
        else:
            text += "{%d}" % index
            index += 1
    return text


def _called(node):
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _sentence_argument(node, carriers):
    """The argument of call ``node`` that carries a sentence, or None: a refusal's first, a
    ``field_error``'s second, or the one a helper passes on to them (``carriers``)."""
    name = _called(node)
    position = 0 if name in REFUSALS else 1 if name == "field_error" else carriers.get(name)
    if position is None or len(node.args) <= position:
        return None
    return node.args[position]


def _sentences_of(node, constants):
    """The sentences an argument may be: a literal or f-string, a module's string constant, either
    side of a conditional, any value of a module's dict of strings (``EXPECTED[kind]``)."""
    if isinstance(node, ast.IfExp):
        return _sentences_of(node.body, constants) + _sentences_of(node.orelse, constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return _sentences_of(constants[node.id], constants)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in constants:
        table = constants[node.value.id]
        if isinstance(table, ast.Dict):
            return [text for value in table.values for text in _sentences_of(value, constants)]
    text = template(node)
    return [text] if text is not None else []


def _carriers(trees):
    """``{function name: position}`` of the helpers that hand one of their parameters to a refusal
    as its sentence (``_taken(message, field, note)``, ``insert_unique(db, …, message, field)``),
    found until no more are (a helper of a helper)."""
    carriers = {}
    while True:
        found = dict(carriers)
        for tree in trees:
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                names = [argument.arg for argument in function.args.args]
                shift = 1 if names[:1] in (["self"], ["cls"]) else 0
                for node in ast.walk(function):
                    if isinstance(node, ast.Call):
                        argument = _sentence_argument(node, found)
                        if isinstance(argument, ast.Name) and argument.id in names:
                            found.setdefault(function.name, names.index(argument.id) - shift)
        if found == carriers:
            return carriers
        carriers = found


def _constants(tree):
    return {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def sentences():
    """``{sentence: first "path:line" writing it}`` over every source file outside tests."""
    files = [path for top in SOURCES for path in sorted((ROOT / top).rglob("*.py"))
             if "tests" not in path.parts and ".venv" not in path.parts]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    carriers = _carriers(trees.values())
    found = {}
    for path, tree in trees.items():
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            argument = _sentence_argument(node, carriers)
            for text in _sentences_of(argument, constants) if argument is not None else ():
                if any(ch.isalpha() for ch in text.replace("{", "").replace("}", "")):
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found
