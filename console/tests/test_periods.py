"""A period typed in a form is checked by the API's own rule: the years 1900-2999. The console
took 1899 (its forms' patterns and its pages' checks read any four digits) and showed the API's
400 (found by h5). One rule (``common.PERIOD_FORMS``, the API's patterns) serves the pages' checks
and every period box's ``pattern``."""
import re
from pathlib import Path

import pytest

from console.views import common

from .conftest import ESTATE, openapi_spec, sign_in

TEMPLATES = Path(__file__).resolve().parents[1] / "console" / "templates"
SCHEMAS = {"month": "Period", "report": "ReportPeriod", "kpi": "KpiPeriod", "week": "IsoWeek", "year": "ObligationYear"}
VALID = {"month": "2026-11", "report": "2026-Q4", "kpi": "2026-W49", "week": "2026-W49"}


@pytest.mark.parametrize("form", sorted(SCHEMAS))
def test_the_consoles_period_forms_are_the_apis(form):
    assert f"^{common.PERIOD_FORMS[form]}$" == openapi_spec()["components"]["schemas"][SCHEMAS[form]]["pattern"]


def period_boxes():
    """``(template, its pattern as the browser reads it)`` of every period box with a pattern: named
    period, or any other box whose pattern is a period's (from, to, valid_from, year: the test read
    the boxes named period alone, review r5 of h5), a record number's (SR-2026-000042) aside."""
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in re.findall(r"<input[^>]*>", path.read_text(encoding="utf-8")):
            found = re.search(r"\bpattern=\"([^\"]*)\"", tag)
            if found is None:
                continue
            pattern = found.group(1)
            if 'name="period"' not in tag and ("period_pattern" not in pattern and "{4}" not in pattern
                                                or "[A-Za-z]" in pattern):
                continue
            named = re.fullmatch(r"\{\{ *period_pattern\('(\w+)'\) *\}\}", pattern)
            yield path.relative_to(TEMPLATES), common.PERIOD_FORMS[named.group(1)] if named else pattern


def test_every_period_box_refuses_the_years_the_api_refuses():
    boxes = list(period_boxes())
    assert len(boxes) >= 20 and any(where.name == "year.html" for where, _ in boxes)
    for where, pattern in boxes:
        for refused in ("1899", "1899-12", "1899-Q4", "1899-W10", "3000-01"):
            assert re.fullmatch(pattern, refused) is None, (where, refused)
        assert any(re.fullmatch(pattern, typed) for typed in ("2026-11", "2026-W49", "2026")), where


@pytest.mark.parametrize("page, asked", [("/manager/kpis", "1899-12"), ("/manager/kpis", "1899"),
                                         ("/manager/kpis", "1899-W10")])
def test_a_page_asked_with_a_year_the_api_refuses_is_shown_for_this_period(client, fake, page, asked):
    """Not the API's 400: the page falls back to its default period, as for a text of no period's form."""
    sign_in(client, fake, roles=("manager",), estates=(ESTATE, "est_2"))
    fake.on("GET", r"/api/v1/kpis", {"period": "2026-11", "unavailable": [], "estates": []})
    client.get(f"{page}?period={asked}")
    assert fake.calls[-1]["path"] == "/api/v1/kpis" and fake.calls[-1]["params"]["period"] != asked
    assert re.fullmatch(common.PERIOD_FORMS["kpi"], fake.calls[-1]["params"]["period"])


@pytest.mark.parametrize("page, path", [("/engineering/costs", "costs"),
                                        ("/engineering/emergencies", "emergency-repairs"),
                                        ("/engineering/preventive", "preventive-maintenance")])
@pytest.mark.parametrize("asked", ["1899-12", "3000-01", "2026-13", "November"])
def test_an_engineering_month_asked_out_of_the_apis_form_is_this_month(client, fake, page, path, asked):
    """The engineering month pages sent any text typed into the address as their period, 1899-12 too,
    and the API's 400 was the page (their box's pattern holds only a form's submission; found by r5
    reviewing h5): a period not of the API's form (``PERIOD_FORMS``) is none, the API's month now."""
    sign_in(client, fake, username="mia", roles=("manager",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/{path}", {"estate_id": ESTATE, "period": "2026-11"})
    client.get(f"{page}?period={asked}")
    [call] = [c for c in fake.calls if c["path"] == f"/api/v1/estates/{ESTATE}/{path}"]
    assert (call.get("params") or {}).get("period") is None, call
