"""Every setting the code reads from the environment is documented where an operator looks for it.

The README's "Configuration" table is where an operator deploying on Kubernetes or compose finds a
setting (deploy/k8s/README.md: merged into the ConfigMap from an overlay). A setting a service
reads is a row of that table naming the service (or "services"): maintenance's announcement of
late work orders came to read OVERDUE_SWEEP_SECONDS, customer service's setting, and nothing
checked that its row named maintenance too (the commit added it by hand). Every other setting the
running code reads (the gateway's, the console's, the shared library's) is named somewhere in the
README.

Read from the source (``ast``): calls of ``config.env``/``env_int``/``env_float``,
``os.environ.get``/``os.getenv`` and ``os.environ[...]`` with a literal name.
"""
import ast
import re
from pathlib import Path

from estate_common import topology

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
NAME = re.compile(r"[A-Z][A-Z0-9_]{2,}")
READERS = {"env", "env_int", "env_float", "getenv"}
# the code that runs in a deployment (scripts/ are make's and the operators' tools, tests the suite's)
RUNTIME = [ROOT / "libs" / "estate_common" / "estate_common", ROOT / "gateway" / "gateway",
           ROOT / "gateway" / "gunicorn.conf.py", ROOT / "console" / "console", ROOT / "console" / "gunicorn.conf.py",
           *(ROOT / "services" / service / service for service in topology.SERVICES)]


def settings_read(path):
    """The environment variables ``path`` reads by a literal name."""
    text = path.read_text(encoding="utf-8")
    if "env" not in text:  # each way of reading one names env (env_int, getenv, os.environ): not parsed
        return
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and NAME.fullmatch(node.args[0].value):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in READERS or (name == "get" and isinstance(func, ast.Attribute)
                                   and ast.unparse(func.value) == "os.environ"):
                yield node.args[0].value
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
                and isinstance(node.slice, ast.Constant) and NAME.fullmatch(str(node.slice.value)):
            yield node.slice.value


def files(root):
    return [root] if root.is_file() else sorted(root.rglob("*.py"))


def configuration_rows():
    """Each variable the README's Configuration table names -> the row's "for" cell."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = line.split(" | ")
        if line.startswith("| `") and len(cells) >= 3:
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                rows[name] = cells[2]
    return rows


def test_the_reader_finds_each_way_of_reading_a_setting(tmp_path):
    source = tmp_path / "example.py"
    source.write_text('import os\nfrom estate_common import config\n'
                      'A = config.env_float("SOME_SWEEP_SECONDS", 60.0)\nB = os.environ.get("OTHER_URL", "")\n'
                      'C = os.environ["THIRD_KEY"]\nD = os.getenv("FOURTH_ONE")\nE = {}.get("NOT_A_SETTING")\n')
    assert set(settings_read(source)) == {"SOME_SWEEP_SECONDS", "OTHER_URL", "THIRD_KEY", "FOURTH_ONE"}


def test_every_setting_a_service_reads_is_a_configuration_row_naming_the_service():
    rows = configuration_rows()
    assert "OVERDUE_SWEEP_SECONDS" in rows and len(rows) > 50  # the table is read at all
    missing = []
    for service in topology.SERVICES:
        for path in files(ROOT / "services" / service / service):
            for name in settings_read(path):
                row = rows.get(name)
                if row is None or (service not in row and "services" not in row):
                    missing.append(f"{name} ({path.relative_to(ROOT)}): "
                                   + ("no row" if row is None else f"its row does not name {service}"))
    assert not missing, "README.md, Configuration:\n" + "\n".join(sorted(set(missing)))


def test_every_setting_the_running_code_reads_is_named_in_the_readme():
    text = README.read_text(encoding="utf-8")
    read = {name: path for root in RUNTIME for path in files(root) for name in settings_read(path)}
    assert {"GATEWAY_URL", "PUBLIC_GATEWAY_URL", "OVERDUE_SWEEP_SECONDS", "JWT_SECRET"} <= set(read)
    missing = [f"{name} ({path.relative_to(ROOT)})" for name, path in sorted(read.items())
               if f"`{name}`" not in text and f"`{name}=" not in text]
    assert not missing, "named nowhere in README.md:\n" + "\n".join(missing)
