"""结转下期欠费 across estates: the arrears a month, quarter or year over carries out, estate by estate
and their total, in one answer (``GET /api/v1/reports/arrears-carried-out?period=``). They were in
one estate's reconciliation at a time (``GET …/reports/reconciliation``'s ``arrears_carried_out``):
the operator's year-end read them estate by estate, and no across-estates report had them (found by h6).

The estates are every estate of the caller's that archive lists, as the KPI view of every estate reads
them (``fanout._estates_in_scope``: the operator admin's every estate, a manager's or an accountant's
own); one retired before the period began is left out (``replica.in_service_in``). Their figures are
finance's ``arrears_carried_out``, many estates a call, each estate checked against the caller there,
asked as the KPI view asks its figures (``kpi_cache``: in parallel, within the RPC timeout, kept
``KPI_CACHE_SECONDS`` and shared by the requests that ask them at once). Each estate's line is its
reconciliation's figure (null while the period runs on its calendar); an estate finance did not answer
for is named in ``unavailable`` and its line has no figure, never zeros; an estate's own refusal (a
period not begun, or before its records can begin) is its line's ``refused`` with the problem's status,
code and words. The ``total`` adds up the estates with a figure and says how many they are, so that a
total of fewer estates than the lines reads as such. Who reads an estate's reconciliation
(``policy.FINANCE``).
"""
from types import SimpleNamespace

from flask import current_app, g, jsonify

from estate_common import clock, contracts, replica
from estate_common.errors import InvalidInput, field_error

from . import kpi_cache, requests_in
from .access import authorize_route
from .fanout import _estates_in_scope
from .kpi_cache import KpiCache
from .parallel import Fanout

PATH = "/api/v1/reports/arrears-carried-out"
SERVICE, RPC = "finance", "arrears_carried_out"
LIST = SimpleNamespace(filters=("period",), paged=False, service=SERVICE, rpc=RPC)


def register(app):
    cache = app.extensions["arrears_across_cache"] = KpiCache(Fanout("arrears-across", 1))

    @app.get(PATH)
    def arrears_carried_out_across_estates():
        caller = authorize_route()
        period = requests_in.query_payload(LIST).get("filters", {}).get("period")
        if period is None or contracts.load().errors("openapi.yaml#/components/schemas/ReportPeriod", period):
            raise InvalidInput("period must be a month, a quarter or a year: YYYY-MM, YYYY-Qn or YYYY",
                               [field_error("period", contracts.FORMS["ReportPeriod"])])
        g.reads = True
        rpc = current_app.extensions["estate_ops"].rpc
        estates = [e for e in _estates_in_scope(caller) if replica.in_service_in(e, period)]
        request_id = g.request_id

        def ask(_service, part):
            return rpc.call(SERVICE, RPC, {"period": period, "estate_ids": part}, request_id=request_id,
                            caller=caller, timeout=kpi_cache.call_timeout(rpc.timeout))
        answers, _, as_of = cache.collect(ask, [SERVICE], period, [e["id"] for e in estates], rpc.timeout) \
            if estates else ({}, [], clock.now_iso())
        rows = [line(e, answers.get(e["id"]) or {}) for e in estates]
        return jsonify({"period": period, "estates": rows, "total": total(rows),
                        "unavailable": [e["id"] for e in estates if not answers.get(e["id"])], "as_of": as_of})


def line(estate, answer):
    """An estate's line: its figure (None while its period runs, or not answered) or its refusal."""
    return {"estate": {key: estate[key] for key in ("id", "code", "name")},
            "arrears_carried_out": answer.get("arrears_carried_out"), "refused": answer.get("refused")}


def total(rows):
    """The lines' figures added up (integer cents) and how many estates they are."""
    figures = [row["arrears_carried_out"] for row in rows if row["arrears_carried_out"]]
    return {"carried_out_cents": sum(f["carried_out_cents"] for f in figures),
            "carried_out_households": sum(f["carried_out_households"] for f in figures), "estates": len(figures)}
