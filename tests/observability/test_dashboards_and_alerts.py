"""deploy/observability: the Grafana dashboards (one per service and one for the gateway) and
the Prometheus alert rules are valid, and every query names only metrics that exist.

Metrics that exist: those of ``estate_common.metrics`` (gateway and services alike), plus
the ones other exporters provide (ALLOWED_FOREIGN): RabbitMQ's ``rabbitmq_prometheus``
plugin (``rabbitmq_*``), Prometheus' own ``up`` and kube-state-metrics' ``kube_*`` series
named below.
"""
import json
import shutil
import subprocess
import re
from pathlib import Path

import pytest
import yaml

from estate_common import metrics, topology

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARDS = sorted((OBSERVABILITY / "dashboards").glob("*.json"))
ALERTS = OBSERVABILITY / "alerts.yaml"

ALLOWED_FOREIGN = {"up", "kube_deployment_status_replicas_available", "kube_deployment_spec_replicas"}
ALLOWED_FOREIGN_PREFIXES = ("rabbitmq_",)

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "bool", "offset", "inf", "nan"}
REQUIRED_ALERTS = {"GatewayHighErrorRate", "ServiceRpcErrorRate", "GatewayP99LatencyHigh",
                   "ServiceRpcP99LatencyHigh", "OutboxEventsStuck", "DeadLetters", "EventQueueBacklog",
                   "JobStuck", "ServiceNotReady", "TimerFailing"}


def metric_names(expr):
    """The metric names a PromQL expression selects (strings, label matchers, ranges, grouping
    label lists and function names left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    found = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)", text):
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or match.group(1).lower() in KEYWORDS:
            continue
        found.add(match.group(1))
    return found


def exists(name):
    return name in metrics.names() or name in ALLOWED_FOREIGN or name.startswith(ALLOWED_FOREIGN_PREFIXES)


def dashboard_queries(path):
    board = json.loads(path.read_text())
    return [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]


def alert_rules():
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_expression_reader_finds_metrics_and_nothing_else():
    expr = ('histogram_quantile(0.99, sum by (le, route) (rate(estate_x_bucket{route=~"a|b"}[5m]))) '
            '/ clamp_min(sum(estate_y_total offset 1h), 1e-9) > 0 and on (service) up == 0')
    assert metric_names(expr) == {"estate_x_bucket", "estate_y_total", "up"}


def test_there_is_a_dashboard_per_service_and_one_for_the_gateway():
    expected = {name.replace("_", "-") for name in topology.SERVICES} | {"gateway"}
    assert {path.stem for path in DASHBOARDS} == expected


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_a_dashboard_is_valid_and_queries_only_metrics_that_exist(path):
    board = json.loads(path.read_text())
    assert board["uid"] and board["title"] and board["panels"]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    queries = dashboard_queries(path)
    assert queries
    for expr in queries:
        names = metric_names(expr)
        assert names, expr
        assert all(exists(name) for name in names), (expr, [n for n in names if not exists(n)])
    services = {m for expr in queries for m in re.findall(r'service="([^"]+)"', expr)}
    if path.stem != "gateway":
        assert services == {path.stem.replace("-", "_")}  # a service's board shows that service only


@pytest.mark.parametrize("path", [p for p in DASHBOARDS if p.stem != "gateway"], ids=lambda p: p.stem)
def test_a_board_shows_jobs_only_for_a_service_that_runs_them(path):
    """Security-patrol's board had job panels that never had data while it ran no jobs; it runs its
    exports since (session 49), and its board had none (the fresh clone's suite)."""
    service = path.stem.replace("-", "_")
    module = topology.SERVICES[service].split(":")[0].replace(".", "/")
    runs_jobs = "job_runners =" in (ROOT / "services" / service / f"{module}.py").read_text()
    job_queries = [expr for expr in dashboard_queries(path) if "estate_job" in expr]
    assert bool(job_queries) == runs_jobs, (service, runs_jobs, job_queries)


def test_the_alert_rules_are_valid_and_cover_what_operators_need():
    rules = alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    assert REQUIRED_ALERTS <= set(names)
    for rule in rules:
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s"))


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_an_alert_names_only_metrics_that_exist(rule):
    names = metric_names(rule["expr"])
    assert names
    assert all(exists(name) for name in names), [n for n in names if not exists(n)]


def test_every_label_a_query_filters_on_is_a_label_of_that_metric():
    """``estate_rpc_handled_total{route=...}`` would quietly match nothing: catch it."""
    labels = {}
    for metric in metrics.defined():
        for family in metric.describe():
            for suffix in ("", "_total", "_bucket", "_count", "_sum"):
                labels[family.name + suffix] = set(metric._labelnames) | {"le", "job", "instance"}
    queries = [e for p in DASHBOARDS for e in dashboard_queries(p)] + [r["expr"] for r in alert_rules()]
    for expr in queries:
        for name, matchers in re.findall(r"(estate_[a-z_]+)\{([^}]*)\}", expr):
            used = set(re.findall(r"([a-z_]+)\s*(?:=~|!~|!=|=)", matchers))
            assert used <= labels[name], (expr, used - labels[name])


def test_the_alert_rules_pass_their_promtool_unit_tests():
    """Evaluated by Prometheus' own engine: JobsQueuedTooLong fires with no running series at all
    (a service that has not run a job since it started exports none; `and ... == 0` against
    nothing was nothing, found by review). Without promtool this fails, never skips (``make
    browser`` installs it)."""
    if shutil.which("promtool") is None:
        pytest.fail("promtool (Prometheus' rule checker) is missing: run 'make browser' as root "
                    "or 'apt-get install -y prometheus'")
    for tests in sorted((ROOT / "deploy" / "observability" / "tests").glob("*_test.yaml")):
        ran = subprocess.run(["promtool", "test", "rules", str(tests)], capture_output=True, text=True)
        assert ran.returncode == 0, ran.stdout + ran.stderr


def test_the_not_ready_alert_names_every_deployment_of_the_manifests():
    """ServiceNotReady (kube-state-metrics) is the one alert that sees a Deployment without metrics
    of its own: it left the console out, whose pods could all be unready unseen (found by a deploy
    review). Both of its selectors name exactly the Deployments of deploy/k8s/base."""
    deployments = {doc["metadata"]["name"] for path in (ROOT / "deploy" / "k8s" / "base").glob("*.yaml")
                   for doc in yaml.safe_load_all(path.read_text()) if doc and doc.get("kind") == "Deployment"}
    assert "console" in deployments and len(deployments) == len(topology.SERVICES) + 2
    [rule] = [r for r in alert_rules() if r["alert"] == "ServiceNotReady"]
    selectors = re.findall(r'deployment=~"([^"]+)"', rule["expr"])
    assert len(selectors) == 2
    for selector in selectors:
        assert set(selector.split("|")) == deployments, selector


def test_the_gateways_board_shows_the_timers_it_runs():
    """The gateway runs a timer of its own (``technician_notices``: the relay telling maintenance of
    the technicians who left, each gateway process's), counted as ``estate_timer_runs_total{service=
    "gateway"}``; TimerFailing's description sends the operator to the Timer runs panel of its
    dashboard, which the gateway's board did not have (found by review of the deploy side)."""
    gateway = ROOT / "gateway" / "gateway"
    timers = {name for path in gateway.rglob("*.py")
              for name in re.findall(r'^TIMER = "([a-z_]+)"', path.read_text(encoding="utf-8"), re.M)}
    assert "technician_relay" in timers
    queries = dashboard_queries(OBSERVABILITY / "dashboards" / "gateway.json")
    assert any("estate_timer_runs_total" in expr and 'service="gateway"' in expr for expr in queries), queries
