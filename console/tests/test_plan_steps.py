"""The default emergency plans' step titles on Chinese pages (``console/plan_steps.py``)."""
import ast

from console.plan_steps import ZH

from .conftest import ESTATE, sign_in
from .refusal_sources import ROOT

PLANS = ROOT / "services" / "security_patrol" / "security_patrol" / "emergency_plans.py"


def default_titles():
    """Every ``_step(key, title, …)`` title of security-patrol's default plans, read from its source."""
    return {node.args[1].value for node in ast.walk(ast.parse(PLANS.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_step"}


def test_every_default_step_title_has_its_chinese_and_no_other():
    assert set(ZH) == default_titles()


def test_a_default_title_reads_in_chinese_and_an_estates_own_as_written(client, fake):
    plan = [{"step": "stop_water", "title": "Find the source and shut off the water", "escalate_to": None},
            {"step": "sandbags", "title": "堆沙袋（本小区）", "escalate_to": None}]
    incident = {"id": "in_1", "number": "IN-1", "type": "flooding", "status": "open", "plan": plan,
                "pending_steps": ["stop_water", "sandbags"], "steps": [], "escalations": [],
                "opened_at": "2026-12-01T01:00:00Z", "estate_id": ESTATE, "major": False}
    sign_in(client, fake, username="gus", roles=("security",))
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/incidents/in_1", incident)
    page = client.get("/security/incidents/in_1").get_data(as_text=True)
    assert "查找水源并关闭阀门" in page and "堆沙袋（本小区）" in page and "shut off the water" not in page
    assert '<option value="stop_water">查找水源并关闭阀门</option>' in page
    english = client.get("/security/incidents/in_1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Find the source and shut off the water" in english
