"""Timers come from the shared library (``estate_common.nameko.timers``): its ``Timer`` is
stopped and killed quietly by a container whose start failed, where nameko's raised
AttributeError beside the error that stopped the start (its greenthread still None).

The check reads the source (``ast``), so it needs no import of the modules."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED_DIRS = ("libs", "services", "gateway", "scripts", "console")
THE_LIBRARYS_OWN = ROOT / "libs/estate_common/estate_common/nameko/timers.py"  # wraps nameko's


def _modules():
    for name in CHECKED_DIRS:
        for path in sorted((ROOT / name).rglob("*.py")):
            if ".venv" in path.parts or "node_modules" in path.parts or "tests" in path.parts:
                continue
            yield path


def _nameko_timer_imports(path):
    text = path.read_text(encoding="utf-8")
    if "timer" not in text:  # no import of nameko.timer, however written: not parsed (a tenth of them is)
        return
    tree = ast.parse(text, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "nameko.timer":
            names = {alias.name for alias in node.names}
            if names & {"timer", "Timer"} and path != THE_LIBRARYS_OWN:
                if names == {"Timer"} and _used_for_isinstance_only(tree):
                    continue
                yield f"{path.relative_to(ROOT)}:{node.lineno}"


def _used_for_isinstance_only(tree):
    """``Timer`` imported to recognise a timer's worker (``isinstance``), not to make one."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "decorator":
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "Timer":
                return False
        if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id == "Timer" for b in node.bases):
            return False
    return True


def test_every_timer_is_the_shared_librarys():
    found = [where for path in _modules() for where in _nameko_timer_imports(path)]
    assert found == [], f"import timer from estate_common.nameko.timers, not nameko.timer: {found}"
