"""The refusal sentences the services and the gateway write, read from their source, for the test
that the console's catalogue (``console/refusals.py``) has every one and nothing else.

A sentence is the first argument of a ``DomainError`` (``BusinessRuleViolation("…")``, also a
subclass's ``super().__init__("…")``), the message of a ``field_error(field, "…")`` or what a
helper hands on to one of them. Read as: a literal, an f-string, ``+`` of those, either side of
a conditional, a module's constant or any value of a module's dict of them, a name the function
assigns such values to, or what a function of the module returns. An f-string's values become
``{0}``, ``{1}``… in order, as the catalogue writes them; a literal brace is doubled; a number
said with its unit (``estate_common.wording.counted``) is both its forms, ``{0} day`` and ``{0} days``.

``unread()`` lists the refusals whose sentence none of that reads: the test fails on one that
is not in its list of sentences passed on as they came (another check's words).
"""
import ast
import functools
import itertools
from pathlib import Path

from estate_common.wording import counted

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("services", "libs", "gateway")
REFUSALS = {"InvalidInput", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Gone",
            "BusinessRuleViolation", "ServiceUnavailable",
            "TooManyRequests", "RequestEntityTooLarge", "RequestTimeout",  # werkzeug's, as the gateway raises them
            "Refused"}  # integrations/targets.py: why a webhook URL is refused, a field's message
MAX_SENTENCES = 64  # of one argument: a conditional in a concatenation multiplies them


def _escaped(text):
    return text.replace("{", "{{").replace("}", "}}")


def _counted_unit(node):
    """The unit of ``counted(n, "day")`` (``estate_common.wording``), or None for any other value."""
    if isinstance(node, ast.Call) and _called(node) == "counted" and len(node.args) == 2 \
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
        return node.args[1].value
    return None


def templates(node):
    """The sentences of a literal or f-string node, [] for anything else (a name, a call). A value
    said with its unit (``counted(days, "day")``) reads as both of its forms, ``{N} day`` and
    ``{N} days``: two sentences, each with its Chinese in the catalogue."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [_escaped(node.value)]
    if not isinstance(node, ast.JoinedStr):
        return []
    texts, index = [""], 0
    for part in node.values:
        if isinstance(part, ast.Constant):
            texts = [text + _escaped(part.value) for text in texts]
            continue
        slot, unit = "{%d}" % index, _counted_unit(part.value)
        forms = [counted(number, unit).replace(str(number), slot, 1) for number in (1, 2)] if unit else [slot]
        texts = [text + form for text in texts for form in forms]
        index += 1
    return texts


def _renumbered(left, right):
    """``left + right`` of two templates, the right one's values numbered after the left's."""
    shift = left.count("{") - 2 * left.count("{{")
    parts = right.split("{{")
    for index in range(right.count("{") - 2 * right.count("{{") - 1, -1, -1):
        parts = [part.replace("{%d}" % index, "{%d}" % (index + shift)) for part in parts]
    return left + "{{".join(parts)


def _called(node):
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


@functools.lru_cache(maxsize=None)
def parsed(path):
    """The syntax tree of a source file, parsed once in the test process (never changed by a reader:
    the sources took some 8 s to parse and walk, and each test read them again)."""
    return ast.parse(path.read_text(encoding="utf-8"))


class Module:
    """One source file: its constants, its functions' returns and local names, its refusal
    classes (a subclass of a refusal), for ``sentences_of``."""

    def __init__(self, path):
        self.path = path
        self.tree = parsed(path)
        self.constants = {target.id: node.value for node in self.tree.body if isinstance(node, ast.Assign)
                          for target in node.targets if isinstance(target, ast.Name)}
        self.functions = {node.name: node for node in ast.walk(self.tree)
                          if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        # each node's outermost function (ast.walk meets it first): a closure's sentences are its
        # outer function's names and parameters (``_taken(message, field, note)`` raises in ``refuse``)
        self.enclosing = {}
        for function in self.functions.values():
            if function in self.enclosing:  # a closure: its outer function's walk met all of it
                continue
            for node in ast.walk(function):
                self.enclosing.setdefault(node, function)

    def refusal_classes(self):
        return {node.name for node in ast.walk(self.tree) if isinstance(node, ast.ClassDef)
                and any(getattr(base, "id", getattr(base, "attr", None)) in REFUSALS for base in node.bases)}

    def sentences_of(self, node, where, depth=0):
        """The sentences ``node`` (an argument at ``where``) may be; [] when none is read."""
        if depth > 4:
            return []
        more = lambda child: self.sentences_of(child, where, depth + 1)  # noqa: E731
        if isinstance(node, ast.IfExp):
            return more(node.body) + more(node.orelse)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # a side that is not read is a value: "must be one of " + ", ".join(…)
            left, right = more(node.left) or ["{0}"], more(node.right) or ["{0}"]
            return [_renumbered(a, b) for a, b in itertools.islice(itertools.product(left, right), MAX_SENTENCES)]
        if isinstance(node, ast.Name):
            function = self.enclosing.get(where)
            local = [assigned.value for assigned in ast.walk(function) if isinstance(assigned, ast.Assign)
                     and any(getattr(target, "id", None) == node.id for target in assigned.targets)] if function else []
            if local:
                return [text for value in local for text in more(value)]
            if node.id in self.constants:
                return more(self.constants[node.id])
            return []
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in self.constants:
            table = self.constants[node.value.id]
            if isinstance(table, ast.Dict):
                return [text for value in table.values for text in more(value)]
            return []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
            returned = [each.value for each in ast.walk(self.functions[node.func.id])
                        if isinstance(each, ast.Return) and each.value is not None]
            return [text for value in returned for text in more(value)]
        return templates(node)


def _sentence_arguments(node, carriers, refusals, module):
    """The arguments of call ``node`` that carry a sentence: a refusal's first (a subclass's
    ``super().__init__`` too), a ``field_error``'s second, or those a helper passes on."""
    name = _called(node)
    if name == "__init__" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call) \
            and _called(node.func.value) == "super":
        owner = next((cls for cls in ast.walk(module.tree) if isinstance(cls, ast.ClassDef)
                      and any(child is node for child in ast.walk(cls))), None)
        name = owner.name if owner is not None and owner.name in refusals else None
    positions = {0} if name in refusals else {1} if name == "field_error" else carriers.get(name, set())
    return [node.args[position] for position in sorted(positions) if position < len(node.args)]


def _carriers(modules, refusals):
    """``{function name: {positions}}`` of the helpers that hand their parameters to a refusal as
    its sentence (``_taken(message, field, note)``: 0 and 2), found until no more are (a helper
    of a helper)."""
    carriers = {}
    while True:
        found = {name: set(positions) for name, positions in carriers.items()}
        for module in modules:
            for function in module.functions.values():
                names = [argument.arg for argument in function.args.args]
                shift = 1 if names[:1] in (["self"], ["cls"]) else 0
                for node in ast.walk(function):
                    if isinstance(node, ast.Call):
                        for argument in _sentence_arguments(node, found, refusals, module):
                            if isinstance(argument, ast.Name) and argument.id in names:
                                found.setdefault(function.name, set()).add(names.index(argument.id) - shift)
        if found == carriers:
            return carriers
        carriers = found


def _modules():
    return [Module(path) for top in SOURCES for path in sorted((ROOT / top).rglob("*.py"))
            if "tests" not in path.parts and ".venv" not in path.parts]


@functools.lru_cache(maxsize=1)
def _walk():
    """``(module, call, argument, its sentences)`` of every argument that carries a sentence (a
    tuple, read once: ``sentences`` and ``unread`` both go through it)."""
    return tuple(_walked())


def _walked():
    modules = _modules()
    refusals = REFUSALS | {name for module in modules for name in module.refusal_classes()}
    carriers = _carriers(modules, refusals)
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                for argument in _sentence_arguments(node, carriers, refusals, module):
                    yield module, node, argument, module.sentences_of(argument, node)


def _written(text):
    return any(ch.isalpha() for ch in text.replace("{", "").replace("}", ""))


def sentences():
    """``{sentence: first "path:line" writing it}`` over every source file outside tests."""
    found = {}
    for module, node, _, texts in _walk():
        for text in texts:
            if _written(text):
                found.setdefault(text, f"{module.path.relative_to(ROOT)}:{node.lineno}")
    return found


def unread():
    """``["path: code"]`` of the sentence arguments none of ``sentences`` reads (a sentence a
    parameter of a helper carries is read at the helper's callers, so it is not listed)."""
    listed = []
    for module, node, argument, texts in _walk():
        if texts:
            continue
        function = module.enclosing.get(node)
        if isinstance(argument, ast.Name) and function is not None and argument.id in [
                each.arg for each in function.args.args]:
            continue  # a helper's parameter: its callers' sentences are read
        listed.append(f"{module.path.relative_to(ROOT)}: {ast.unparse(argument)}")
    return listed
