"""The refusal sentences the services and the gateway write, read from their source, for the test
that the console's catalogue (``console/refusals.py``) has every one and nothing else.

A sentence is the first argument of a raised ``DomainError`` (``BusinessRuleViolation("…")``)
or the message of a ``field_error(field, "…")``, a literal or an f-string. An f-string's values
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


def sentences():
    """``{sentence: first "path:line" writing it}`` over every source file outside tests."""
    found = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "tests" in path.parts or ".venv" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = _called(node)
                argument = (node.args[0] if name in REFUSALS and node.args
                            else node.args[1] if name == "field_error" and len(node.args) > 1 else None)
                text = template(argument) if argument is not None else None
                if text and any(ch.isalpha() for ch in text.replace("{", "").replace("}", "")):
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found
