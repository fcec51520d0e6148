"""A bill's payer, the developer (开发建设单位), is spelled once (``estate_common.bill_payers``): the console
wrote the literal in its reminder form, its receipt, its payment and invoice pages (found by h6)."""
import pathlib
import re

from estate_common import bill_payers

CONSOLE = pathlib.Path(__file__).resolve().parents[1] / "console"
LITERAL = re.compile(r"""['"]developer['"]""")


def test_the_console_names_the_developer_payer_by_the_one_constant():
    spelled = [f"{path.relative_to(CONSOLE)}:{n}" for path in sorted(CONSOLE.rglob("*"))
               if path.suffix in (".py", ".html") and path.name != "messages.py"
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if "payer" in line and LITERAL.search(line)]  # a fund deposit's source "developer" is another list
    assert spelled == []


def test_the_pages_read_the_constant(app):
    with app.test_request_context():
        helpers = {}
        for processor in app.template_context_processors[None]:
            helpers.update(processor())
    assert (helpers["DEVELOPER"], helpers["OWNER"]) == (bill_payers.DEVELOPER, bill_payers.OWNER)
